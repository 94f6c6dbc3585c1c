//! The second stage: pest reads the text into its concrete tree (`Pair`s of
//! [`Rule`]s, the grammar of record in `grammar.pest`), and a failed read
//! becomes a [`Problem`] that names what was expected there, in words.

use super::error::Problem;
use super::scan::too_deep_to_parse;
use crate::ast::Span;
use crate::diagnostic::closest;
use pest::iterators::{Pair, Pairs};

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct Grammar;

/// Reads `text` as `rule` with the grammar.
pub(super) fn read(rule: Rule, text: &str) -> Result<Pairs<'_, Rule>, pest::error::Error<Rule>> {
    <Grammar as pest::Parser<Rule>>::parse(rule, text)
}

/// Where a pair stands, shifted by `base`.
pub(super) fn span_of(pair: &Pair<Rule>, base: usize) -> Span {
    let s = pair.as_span();
    Span::new(base + s.start(), base + s.end())
}

/// What a rule is called in "expected ..." text, if it is named to users.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::kw_policy => "`policy`",
        Rule::kw_allow => "`allow`",
        Rule::kw_deny => "`deny`",
        Rule::effect => "`allow` or `deny`",
        Rule::kw_principal => "`principal`",
        Rule::kw_action => "`action`",
        Rule::kw_resource => "`resource`",
        Rule::matcher_kind => "`principal`, `action` or `resource`",
        Rule::negation | Rule::kw_not | Rule::not_prefix => "`not`",
        Rule::kw_when => "`when`",
        Rule::kw_unless => "`unless`",
        Rule::block_kind => "`when` or `unless`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_has => "`has`",
        Rule::kw_any | Rule::kw_all | Rule::quantifier => "`any` or `all`",
        Rule::kw_at => "`at`",
        Rule::op
        | Rule::kw_in
        | Rule::kw_like
        | Rule::kw_ilike
        | Rule::kw_contains
        | Rule::op_not_in => {
            "an operator (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `ilike`, `contains`)"
        }
        Rule::string | Rule::string_inner => "a quoted string",
        Rule::pattern | Rule::bare_pattern => "a pattern",
        Rule::key | Rule::ident | Rule::quoted_name => "an attribute name",
        Rule::expr
        | Rule::and_expr
        | Rule::unary
        | Rule::comparison
        | Rule::has_test
        | Rule::quantified
        | Rule::group => "a condition",
        Rule::operand
        | Rule::literal
        | Rule::bare
        | Rule::key_operand
        | Rule::list
        | Rule::range => "a value",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::dotdot => "`..`",
        Rule::EOI => "end of file",
        // pest reports the enclosing rule when several alternatives failed at
        // one position; name what each of these starts with.
        Rule::file | Rule::policy => "`policy`",
        Rule::statement => "`allow` or `deny`",
        Rule::matcher => "`not`, `principal`, `action` or `resource`",
        Rule::condition_block => "`when` or `unless`",
        _ => return None,
    })
}

const KEYWORDS: &[&str] = &[
    "policy",
    "allow",
    "deny",
    "principal",
    "action",
    "resource",
    "not",
    "when",
    "unless",
    "and",
    "or",
    "has",
    "any",
    "all",
    "in",
    "like",
    "ilike",
    "contains",
    "at",
];

/// For an unknown keyword with a close match among the keywords expected
/// there, the misspelt word's span and that keyword.
pub(super) fn keyword_fix(text: &str, problem: &Problem) -> Option<(Span, &'static str)> {
    let Problem::UnknownKeyword { span, expected, .. } = problem else {
        return None;
    };
    let word = text.get(span.start..span.end)?;
    let keyword = closest(
        word,
        KEYWORDS
            .iter()
            .copied()
            .filter(|k| expected.contains(&format!("`{k}`"))),
    )?;
    Some((*span, keyword))
}

/// Where a pest error points, as a byte offset.
pub(super) fn error_offset(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// The problem pest's `error` reading `source` stands for: what stands
/// there, what was expected, and a hint for the usual slips.
pub(super) fn syntax_problem(source: &str, error: &pest::error::Error<Rule>) -> Problem {
    let pos = error_offset(error);
    let expected: Vec<&str> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| rule_name(*r)).collect()
        }
        // pest stops when the native stack runs low ("stack limit reached"):
        // only nesting (parentheses, `not (`, `{` in patterns) recurses that deep.
        pest::error::ErrorVariant::CustomError { message } if message.contains("limit") => {
            return too_deep_to_parse(source, pos.min(source.len()));
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let mut unique: Vec<&str> = Vec::new();
    for e in expected {
        let items: Vec<&str> = if e.contains('(') {
            vec![e]
        } else {
            e.split(" or ").flat_map(|x| x.split(", ")).collect()
        };
        for item in items {
            if !unique.contains(&item) {
                unique.push(item);
            }
        }
    }
    let expected_text = join_alternatives(&unique);
    let rest = &source[pos.min(source.len())..];
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let keyword_expected: Vec<&str> = KEYWORDS
        .iter()
        .copied()
        .filter(|k| unique.iter().any(|e| e.contains(&format!("`{k}`"))))
        .collect();
    if rest.is_empty() {
        return Problem::UnexpectedEnd {
            at: pos,
            expected: expected_text,
            missing_brace: unique.contains(&"`}`"),
        };
    }
    // A word after other text on its line, where `,` could continue a
    // pattern or list line, is most likely a forgotten comma.
    let line_start = source[..pos.min(source.len())]
        .rfind('\n')
        .map_or(0, |n| n + 1);
    let mid_line = !source[line_start..pos.min(source.len())].trim().is_empty();
    let comma_hint = if !unique.contains(&"`,`") || !mid_line {
        None
    } else if unique.contains(&"`]`") {
        Some("separate list items with `,`")
    } else {
        Some(
            "separate patterns with `,`, as in `action secrets:GetSecretValue, secrets:DescribeSecret`",
        )
    };
    let suggestion = closest(&word, keyword_expected.iter().copied());
    let unknown_word = !word.is_empty()
        && !KEYWORDS.contains(&word.as_str())
        && !keyword_expected.is_empty()
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && (suggestion.is_some() || comma_hint.is_none());
    if unknown_word {
        return Problem::UnknownKeyword {
            span: Span::new(pos, pos + word.len()),
            word,
            expected: expected_text,
            suggestion,
        };
    }
    // The whole token that stands there, such as `10.1.0.0/16`.
    let token: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !"\",[](){}#".contains(*c))
        .collect();
    let found: String = if word.is_empty() {
        rest.chars().next().map(String::from).unwrap_or_default()
    } else if token.starts_with(&word) {
        token
    } else {
        word
    };
    let span = Span::new(pos, pos + found.len().max(1).min(rest.len()));
    let hint = if found == "=" {
        Some("use `==` to compare")
    } else if found == "&" || found == "|" {
        Some("write `and` / `or`")
    } else if matches!(found.as_str(), "allow" | "deny") && unique.contains(&"`policy`") {
        Some("statements go inside a policy: `policy \"name\" { allow \"...\" { ... } }`")
    } else if found == "!" {
        Some("write `not` to negate, and `!=` to compare")
    } else if let Some(hint) = comma_hint
        && !matches!(found.as_str(), "}" | ")" | "]")
    {
        Some(hint)
    } else {
        None
    };
    Problem::Unexpected {
        span,
        found,
        expected: expected_text,
        hint,
    }
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}
