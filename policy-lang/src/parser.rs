//! From text to [`PolicyFile`]: the pest grammar, then a lowering pass that
//! types every literal, checks names and collects every problem it finds.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, DiagnosticKind, ParseError, SourceMap, closest};
use crate::limits::{Limits, wildcard_count};
use crate::literal;
use pest::Parser as _;
use pest::iterators::Pair;
use std::collections::HashMap;

#[cfg(not(target_arch = "wasm32"))]
mod fast;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct Grammar;

/// Parses and checks one policy source.
///
/// `file` names the source in diagnostics. On failure every problem found is
/// returned, syntax errors from each statement and all semantic errors.
///
/// ```
/// let file = policy_lang::parse("payments.policy", r#"
/// policy "payments" {
///   allow "read" {
///     principal service:payments-*
///     action    secrets:GetSecretValue
///     resource  prod/payment/**
///     when { source_ip in 10.0.0.0/8 }
///   }
/// }"#).unwrap();
/// assert_eq!(file.policies[0].statements[0].name, "read");
/// ```
pub fn parse(file: &str, source: &str) -> Result<PolicyFile, ParseError> {
    parse_with(file, source, &Limits::default())
}

/// [`parse`] under the given [`Limits`] instead of the defaults.
pub fn parse_with(file: &str, source: &str, limits: &Limits) -> Result<PolicyFile, ParseError> {
    let map = SourceMap::new(file, source);
    if source.len() > limits.max_source_bytes {
        let d = map
            .diagnostic(
                DiagnosticKind::LimitExceeded,
                Span::new(0, 0),
                format!(
                    "the source is {} bytes long; the limit is {} bytes (max_source_bytes)",
                    source.len(),
                    limits.max_source_bytes
                ),
            )
            .hint("split the policy set into smaller files, or raise the limit")
            .build();
        return Err(ParseError::new(vec![d]));
    }
    let scan = scan_comments(&map, source);
    if !scan.diagnostics.is_empty() {
        return Err(ParseError::new(scan.diagnostics));
    }
    if let Some(at) = scan.too_deep {
        // The text before the bracket parses no deeper than the limit: a
        // syntax error there comes first; otherwise the nesting is the error.
        let first = match Grammar::parse(Rule::file, &source[..at]) {
            Err(error) if error_offset(&error) < at => syntax_diagnostic(&map, source, &error, 0),
            _ => too_deep_to_parse(&map, source, at),
        };
        return Err(ParseError::new(vec![first]));
    }
    let mut lower = Lower {
        map: &map,
        comments: CommentPool {
            comments: scan.comments,
            next: 0,
            source,
        },
        diagnostics: Vec::new(),
        depth: 0,
        limits,
    };
    // Most sources are well formed: the hand-written front end reads those
    // into the same tree several times faster than pest. On anything else
    // it gives up, and pest parses the source again to report the problems.
    // The Wasm modules leave it out: compiling is their cold path, and
    // their size is what they are measured by (both give the same tree).
    #[cfg(not(target_arch = "wasm32"))]
    if let Ok(parsed) = fast::Parser::new(&mut lower, source).file() {
        return Ok(parsed);
    }
    lower.comments.next = 0;
    lower.diagnostics.clear();
    lower.depth = 0;
    match Grammar::parse(Rule::file, source) {
        Ok(mut pairs) => {
            let file_pair = pairs.next();
            let parsed = lower.file(file_pair);
            if lower.diagnostics.is_empty() {
                Ok(parsed)
            } else {
                Err(ParseError::new(lower.diagnostics))
            }
        }
        Err(error) => {
            let first = syntax_diagnostic(&map, source, &error, 0);
            lower.recover(source, first);
            Err(ParseError::new(lower.diagnostics))
        }
    }
}

/// Parses several sources as one policy set: each is checked, and policy
/// names must be unique across all of them.
///
/// ```
/// let a = r#"policy "p" { allow "a" { principal * action * resource x } }"#;
/// let err = policy_lang::parse_set(&[("a.policy", a), ("b.policy", a)]).unwrap_err();
/// assert_eq!(err.diagnostics()[0].kind(), policy_lang::DiagnosticKind::DuplicatePolicy);
/// assert_eq!(err.diagnostics()[0].file(), "b.policy");
/// ```
pub fn parse_set(sources: &[(&str, &str)]) -> Result<Vec<PolicyFile>, ParseError> {
    parse_set_with(sources, &Limits::default())
}

/// [`parse_set`] under the given [`Limits`] instead of the defaults.
pub fn parse_set_with(
    sources: &[(&str, &str)],
    limits: &Limits,
) -> Result<Vec<PolicyFile>, ParseError> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in sources {
        match parse_with(name, text, limits) {
            Ok(file) => files.push((*name, *text, file)),
            Err(e) => errors.push(e),
        }
    }
    let mut seen: HashMap<&str, (&str, &str, Span)> = HashMap::new();
    let mut duplicates = Vec::new();
    for (name, text, file) in &files {
        for policy in &file.policies {
            if let Some((first_file, first_text, first_span)) = seen.get(policy.name.as_str()) {
                let map = SourceMap::new(name, text);
                let first_map = SourceMap::new(first_file, first_text);
                let builder = map.diagnostic(
                    DiagnosticKind::DuplicatePolicy,
                    policy.name_span,
                    format!("policy `{}` is defined twice", policy.name),
                );
                // A related place carries no file name and is rendered with
                // this source's text, so one in another source is named in
                // the hint instead of being drawn on the wrong line.
                let builder = if first_file == name && first_text == text {
                    builder
                        .related(first_map.related(*first_span, "first defined here"))
                        .hint("policy names must be unique across the policy set; rename one")
                } else {
                    let at = first_map.locate(first_span.start);
                    builder.hint(format!(
                        "first defined in {first_file}:{}:{}; policy names must be unique across the policy set, rename one",
                        at.line, at.column
                    ))
                };
                duplicates.push(builder.build());
            } else {
                seen.insert(&policy.name, (name, text, policy.name_span));
            }
        }
    }
    if !duplicates.is_empty() {
        errors.push(ParseError::new(duplicates));
    }
    if let Some(error) = too_many_statements(&files, limits.max_statements) {
        errors.push(error);
    }
    match ParseError::merge(errors) {
        Some(error) => Err(error),
        None => Ok(files.into_iter().map(|(_, _, f)| f).collect()),
    }
}

/// The error for the first statement past [`Limits::max_statements`], if any.
fn too_many_statements(files: &[(&str, &str, PolicyFile)], max: usize) -> Option<ParseError> {
    let mut seen = 0usize;
    for (name, text, file) in files {
        for policy in &file.policies {
            if let Some(statement) = policy.statements.get(max.saturating_sub(seen)) {
                let total: usize = files
                    .iter()
                    .flat_map(|(_, _, f)| &f.policies)
                    .map(|p| p.statements.len())
                    .sum();
                let d = SourceMap::new(name, text)
                    .diagnostic(
                        DiagnosticKind::LimitExceeded,
                        statement.name_span,
                        format!(
                            "the policy set holds {total} statements; the limit is {max} (max_statements)"
                        ),
                    )
                    .hint("this is the first statement past the limit; split the set, or raise the limit")
                    .build();
                return Some(ParseError::new(vec![d]));
            }
            seen += policy.statements.len();
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Comments, unterminated strings and bracket depth: one scan over the raw
// text, before pest sees it.

/// How deeply `(`, `[` and `{` may nest in the raw text, outside strings
/// and comments: the condition limit plus room for the policy, statement and
/// `when` blocks. pest recurses once per level; natively it also stops when
/// the stack runs low, but it cannot probe the stack in Wasm, so this check
/// is what keeps hostile input from overflowing it there.
const MAX_TEXT_DEPTH: usize = MAX_CONDITION_DEPTH + 16;

struct Scan {
    comments: Vec<Comment>,
    diagnostics: Vec<Diagnostic>,
    /// The offset of the first bracket past [`MAX_TEXT_DEPTH`], if any.
    too_deep: Option<usize>,
}

fn scan_comments(map: &SourceMap, source: &str) -> Scan {
    let mut comments = Vec::new();
    let mut diagnostics = Vec::new();
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut too_deep = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_TEXT_DEPTH {
                    too_deep = Some(i);
                    break;
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'#' => {
                let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                comments.push(Comment {
                    text: source[i + 1..end].trim_end().to_string(),
                    span: Span::new(i, end),
                });
                i = end;
            }
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => {
                            diagnostics.push(
                                map.diagnostic(
                                    DiagnosticKind::UnterminatedString,
                                    Span::new(start, start + 1),
                                    "unterminated string",
                                )
                                .expected("a closing `\"` on the same line")
                                .hint("strings cannot span lines; close the quote with `\"`")
                                .build(),
                            );
                            break;
                        }
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            _ => i = skip_plain(bytes, i + 1),
        }
    }
    Scan {
        comments,
        diagnostics,
        too_deep,
    }
}

/// The bytes [`scan_comments`] stops at: brackets, `#` and `"`.
const SCAN_STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut k = 0;
    let bytes = b"()[]{}#\"";
    while k < bytes.len() {
        stops[bytes[k] as usize] = true;
        k += 1;
    }
    stops
};

/// Where the first byte [`scan_comments`] stops at stands in `bytes`, from
/// `i` on (the length if none does): the text between needs no other look.
fn skip_plain(bytes: &[u8], i: usize) -> usize {
    let rest = bytes.get(i..).unwrap_or(&[]);
    i + rest
        .iter()
        .position(|&b| SCAN_STOPS[usize::from(b)])
        .unwrap_or(rest.len())
}

/// "text nests too deeply to parse", at the byte offset `at`.
fn too_deep_to_parse(map: &SourceMap, source: &str, at: usize) -> Diagnostic {
    let end = source
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8());
    map.diagnostic(
        DiagnosticKind::Syntax,
        Span::new(at, end),
        "text nests too deeply to parse",
    )
    .hint(format!(
        "parentheses and `not` may nest at most {MAX_CONDITION_DEPTH} levels deep, and `{{` alternatives cannot nest"
    ))
    .build()
}

/// Hands out comments in source order to the items they belong to.
struct CommentPool<'s> {
    comments: Vec<Comment>,
    next: usize,
    source: &'s str,
}

impl CommentPool<'_> {
    /// Every not yet taken comment that starts before `offset`.
    fn before(&mut self, offset: usize) -> Vec<Comment> {
        let mut out = Vec::new();
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= offset {
                break;
            }
            out.push(c.clone());
            self.next += 1;
        }
        out
    }

    /// The next comment, if only spaces stand between `offset` and it.
    fn trailing(&mut self, offset: usize) -> Option<Comment> {
        let c = self.comments.get(self.next)?;
        let between = self.source.get(offset..c.span.start)?;
        if !between.chars().all(|ch| ch == ' ' || ch == '\t') {
            return None;
        }
        self.next += 1;
        Some(c.clone())
    }

    fn rest(&mut self) -> Vec<Comment> {
        self.before(usize::MAX)
    }

    /// `end` moved back over whitespace and comments. pest counts the
    /// whitespace (comments included) skipped before an optional or repeated
    /// tail that then matched nothing as part of the rule, so a rule such as
    /// `matcher` or `expr` can end after the comment on its line.
    fn content_end(&self, mut end: usize) -> usize {
        loop {
            let text = self.source.get(..end).unwrap_or("");
            // The length without trailing ` `, `\t`, `\r` and `\n`: all
            // ASCII, so trimming bytes trims the same characters.
            let trimmed = text
                .as_bytes()
                .iter()
                .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .map_or(0, |last| last + 1);
            let i = self.comments.partition_point(|c| c.span.start < trimmed);
            match i.checked_sub(1).and_then(|i| self.comments.get(i)) {
                Some(c) if c.span.end >= trimmed => end = c.span.start,
                _ => return trimmed,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Syntax errors.

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
        Rule::key | Rule::ident => "an attribute name",
        Rule::expr
        | Rule::and_expr
        | Rule::unary
        | Rule::comparison
        | Rule::has_test
        | Rule::group => "a condition",
        Rule::operand | Rule::literal | Rule::bare | Rule::list | Rule::range => "a value",
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
    "in",
    "like",
    "ilike",
    "contains",
    "at",
];

/// How many misspelt keywords one statement block is read past.
const MAX_KEYWORD_FIXES: usize = 8;

/// For an unknown-keyword diagnostic with a close match among the keywords
/// expected there, the misspelt word's span and that keyword.
fn keyword_fix(text: &str, d: &Diagnostic) -> Option<(Span, &'static str)> {
    if d.kind() != DiagnosticKind::UnknownKeyword {
        return None;
    }
    let span = d.span();
    let word = text.get(span.start..span.end)?;
    let expected = d.expected()?;
    let keyword = closest(
        word,
        KEYWORDS
            .iter()
            .copied()
            .filter(|k| expected.contains(&format!("`{k}`"))),
    )?;
    Some((span, keyword))
}

/// Where a pest error points, as a byte offset.
fn error_offset(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

fn syntax_diagnostic(
    map: &SourceMap,
    source: &str,
    error: &pest::error::Error<Rule>,
    base: usize,
) -> Diagnostic {
    let pos = base + error_offset(error);
    let expected: Vec<&str> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| rule_name(*r)).collect()
        }
        // pest stops when the native stack runs low ("stack limit reached"):
        // only nesting (parentheses, `not (`, `{` in patterns) recurses that deep.
        pest::error::ErrorVariant::CustomError { message } if message.contains("limit") => {
            return too_deep_to_parse(map, source, pos.min(source.len()));
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
        let mut d = map.diagnostic(
            DiagnosticKind::Syntax,
            Span::new(pos, pos),
            "unexpected end of file",
        );
        if !expected_text.is_empty() {
            d = d.expected(expected_text.clone());
        }
        if unique.contains(&"`}`") {
            d = d.hint("a closing `}` is missing");
        }
        return d.build();
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
        let span = Span::new(pos, pos + word.len());
        let mut d = map
            .diagnostic(
                DiagnosticKind::UnknownKeyword,
                span,
                format!("unknown keyword `{word}`"),
            )
            .expected(expected_text);
        if let Some(suggestion) = suggestion {
            d = d.hint(format!("did you mean `{suggestion}`?"));
        }
        return d.build();
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
    // An invisible character (a control character, a no-break or zero-width
    // space, a byte order mark) is named by its code point.
    let message = match found.chars().next() {
        Some(c)
            if c.is_control()
                || (!c.is_ascii() && c.is_whitespace())
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}') =>
        {
            format!("unexpected invisible character U+{:04X}", u32::from(c))
        }
        _ => format!("unexpected `{found}`"),
    };
    let mut d = map.diagnostic(DiagnosticKind::Syntax, span, message);
    if !expected_text.is_empty() {
        d = d.expected(expected_text);
    }
    if found == "=" {
        d = d.hint("use `==` to compare");
    } else if found == "&" || found == "|" {
        d = d.hint("write `and` / `or`");
    } else if matches!(found.as_str(), "allow" | "deny") && unique.contains(&"`policy`") {
        d = d.hint("statements go inside a policy: `policy \"name\" { allow \"...\" { ... } }`");
    } else if found == "!" {
        d = d.hint("write `not` to negate, and `!=` to compare");
    } else if let Some(hint) = comma_hint
        && !matches!(found.as_str(), "}" | ")" | "]")
    {
        d = d.hint(hint);
    }
    d.build()
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

// ---------------------------------------------------------------------------
// Lowering.

struct Lower<'m, 's> {
    map: &'m SourceMap<'s>,
    comments: CommentPool<'s>,
    diagnostics: Vec<Diagnostic>,
    /// Parentheses and `not`s around the condition being lowered.
    depth: usize,
    limits: &'m Limits,
}

/// How deeply parentheses and `not` may nest in a condition. Every pass over
/// a condition (lowering, formatting, compiling, evaluating) recurses once per
/// level, so a limit keeps hostile input from overflowing the stack; real
/// conditions nest a few levels.
pub(crate) const MAX_CONDITION_DEPTH: usize = 64;

fn too_deep(map: &SourceMap, span: Span) -> Diagnostic {
    map.diagnostic(
        DiagnosticKind::Syntax,
        span,
        "condition nests too deeply",
    )
    .hint(format!(
        "parentheses and `not` may nest at most {MAX_CONDITION_DEPTH} levels deep; simplify the condition"
    ))
    .build()
}

fn span_of(pair: &Pair<Rule>, base: usize) -> Span {
    let s = pair.as_span();
    Span::new(base + s.start(), base + s.end())
}

impl Lower<'_, '_> {
    /// Checks a pattern's size and wildcards against the limits; on failure
    /// reports it (without quoting it: it may be huge) and returns false.
    fn pattern_within_limits(&mut self, text: &str, span: Span) -> bool {
        let limits = self.limits;
        let wildcards = wildcard_count(text);
        let message = if text.len() > limits.max_pattern_bytes {
            format!(
                "the pattern is {} bytes long; the limit is {} bytes (max_pattern_bytes)",
                text.len(),
                limits.max_pattern_bytes
            )
        } else if wildcards > limits.max_pattern_wildcards {
            format!(
                "the pattern holds {wildcards} wildcards; the limit is {} (max_pattern_wildcards)",
                limits.max_pattern_wildcards
            )
        } else {
            return true;
        };
        self.error_with_hint(
            DiagnosticKind::LimitExceeded,
            span,
            message,
            "a pattern's size bounds the cost of matching it on every request; shorten it, split it into several patterns, or raise the limit",
        );
        false
    }

    fn error(&mut self, kind: DiagnosticKind, span: Span, message: impl Into<String>) {
        let d = self.map.diagnostic(kind, span, message).build();
        self.diagnostics.push(d);
    }

    /// After a syntax error: report it, then parse each statement block on its
    /// own so that errors in other statements are found too.
    ///
    /// Within a block, a misspelt keyword with a close match (`principl`) is
    /// read as that keyword and the block parsed again, up to
    /// [`MAX_KEYWORD_FIXES`] times, so that the rest of the statement is
    /// still checked. Only diagnostics come of a repaired block (the file
    /// is refused either way), placed in the source as written.
    fn recover(&mut self, source: &str, first: Diagnostic) {
        let first_offset = first.span().start;
        self.diagnostics.push(first);
        for chunk in statement_chunks(source) {
            let mut text = std::borrow::Cow::Borrowed(&source[chunk.start..chunk.end]);
            // Each repair, in the order made: where it stands in the text
            // it was made in, the length of the word it replaced and of the
            // keyword put there.
            let mut fixes: Vec<(usize, usize, usize)> = Vec::new();
            loop {
                // An offset in `text` as an offset in `source`: the repairs
                // undone from the last to the first, each in the coordinates
                // of the text it was made in (a later repair may stand before
                // an earlier one). The map never decreases, so a span stays
                // a span.
                let to_source = |at: usize| {
                    let at = fixes.iter().rev().fold(at, |at, &(start, old, new)| {
                        if at >= start + new {
                            at - new + old
                        } else if at > start {
                            start + (at - start).min(old)
                        } else {
                            at
                        }
                    });
                    chunk.start + at
                };
                match Grammar::parse(Rule::statement_only, &text) {
                    Ok(mut pairs) => {
                        let statement = pairs
                            .next()
                            .and_then(|p| p.into_inner().find(|p| p.as_rule() == Rule::statement));
                        if let Some(statement) = statement {
                            // Lowered against `text` and its own comments
                            // (every offset in `text`), then moved back.
                            let edited = SourceMap::new(self.map.file(), &text);
                            let mut lower = Lower {
                                map: &edited,
                                comments: CommentPool {
                                    comments: scan_comments(&edited, &text).comments,
                                    next: 0,
                                    source: &text,
                                },
                                diagnostics: Vec::new(),
                                depth: 0,
                                limits: self.limits,
                            };
                            lower.statement(statement, 0);
                            for mut d in lower.diagnostics {
                                self.map.relocate(&mut d, to_source);
                                self.diagnostics.push(d);
                            }
                        }
                        break;
                    }
                    Err(error) => {
                        let edited = SourceMap::new(self.map.file(), &text);
                        let mut d = syntax_diagnostic(&edited, &text, &error, 0);
                        let fix = keyword_fix(&text, &d);
                        self.map.relocate(&mut d, to_source);
                        if d.span().start != first_offset {
                            self.diagnostics.push(d);
                        }
                        let Some((span, keyword)) = fix.filter(|_| fixes.len() < MAX_KEYWORD_FIXES)
                        else {
                            break;
                        };
                        let mut repaired = text.into_owned();
                        repaired.replace_range(span.start..span.end, keyword);
                        fixes.push((span.start, span.end - span.start, keyword.len()));
                        text = repaired.into();
                    }
                }
            }
        }
    }

    fn file(&mut self, pair: Option<Pair<Rule>>) -> PolicyFile {
        let mut policies = Vec::new();
        let mut names: HashMap<String, Span> = HashMap::new();
        if let Some(pair) = pair {
            for p in pair.into_inner().filter(|p| p.as_rule() == Rule::policy) {
                let policy = self.policy(p);
                if let Some(first) = names.get(&policy.name) {
                    let related = self.map.related(*first, "first defined here");
                    let d = self
                        .map
                        .diagnostic(
                            DiagnosticKind::DuplicatePolicy,
                            policy.name_span,
                            format!("policy `{}` is defined twice", policy.name),
                        )
                        .related(related)
                        .hint("policy names must be unique across the policy set; rename one")
                        .build();
                    self.diagnostics.push(d);
                } else {
                    names.insert(policy.name.clone(), policy.name_span);
                }
                policies.push(policy);
            }
        }
        PolicyFile {
            policies,
            trailing_comments: self.comments.rest(),
        }
    }

    fn policy(&mut self, pair: Pair<Rule>) -> Policy {
        let span = span_of(&pair, 0);
        let leading = self.comments.before(span.start);
        let mut name = String::new();
        let mut name_span = span;
        let mut statements: Vec<Statement> = Vec::new();
        let mut names: HashMap<String, Span> = HashMap::new();
        let mut inner_trailing = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::string => {
                    name_span = span_of(&p, 0);
                    name = self.string(p, 0);
                    if name.is_empty() {
                        self.error(
                            DiagnosticKind::Syntax,
                            name_span,
                            "a policy name cannot be empty",
                        );
                    }
                }
                Rule::statement => {
                    let statement = self.statement(p, 0);
                    if let Some(first) = names.get(&statement.name) {
                        let related = self.map.related(*first, "first defined here");
                        let d = self
                            .map
                            .diagnostic(
                                DiagnosticKind::DuplicateStatement,
                                statement.name_span,
                                format!(
                                    "statement `{}` is defined twice in policy `{name}`",
                                    statement.name
                                ),
                            )
                            .related(related)
                            .hint("statement names must be unique within a policy; rename one")
                            .build();
                        self.diagnostics.push(d);
                    } else {
                        names.insert(statement.name.clone(), statement.name_span);
                    }
                    statements.push(statement);
                }
                Rule::rbrace => inner_trailing = self.comments.before(p.as_span().start()),
                _ => {}
            }
        }
        let trailing = self.comments.trailing(span.end);
        Policy {
            name,
            name_span,
            statements,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        }
    }

    fn statement(&mut self, pair: Pair<Rule>, base: usize) -> Statement {
        let span = span_of(&pair, base);
        let leading = self.comments.before(span.start);
        let mut effect = Effect::Deny;
        let mut name = String::new();
        let mut name_span = span;
        let mut matchers: [Option<Matcher>; 3] = [None, None, None];
        let mut conditions = Vec::new();
        let mut inner_trailing = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::effect => {
                    effect = if p.as_str() == "allow" {
                        Effect::Allow
                    } else {
                        Effect::Deny
                    }
                }
                Rule::string => {
                    name_span = span_of(&p, base);
                    name = self.string(p, base);
                    if name.is_empty() {
                        self.error(
                            DiagnosticKind::Syntax,
                            name_span,
                            "a statement name cannot be empty",
                        );
                    }
                }
                Rule::matcher => {
                    let matcher = self.matcher(p, base);
                    let slot = &mut matchers[matcher.kind as usize];
                    if let Some(first) = slot {
                        let related = self.map.related(first.span, "first given here");
                        let d = self
                            .map
                            .diagnostic(
                                DiagnosticKind::DuplicateMatcher,
                                matcher.span,
                                format!(
                                    "statement `{name}` has two `{}` lines",
                                    matcher.kind.keyword()
                                ),
                            )
                            .related(related)
                            .hint("list several patterns on one line, separated by commas")
                            .build();
                        self.diagnostics.push(d);
                    } else {
                        *slot = Some(matcher);
                    }
                }
                Rule::condition_block => conditions.push(self.condition_block(p, base)),
                Rule::rbrace => inner_trailing = self.comments.before(base + p.as_span().start()),
                _ => {}
            }
        }
        let trailing = self.comments.trailing(span.end);
        let [principal, action, resource] = matchers;
        let mut take = |slot: Option<Matcher>, kind: MatcherKind| {
            slot.unwrap_or_else(|| {
                let d = self
                    .map
                    .diagnostic(
                        DiagnosticKind::MissingMatcher,
                        name_span,
                        format!("statement `{name}` has no `{}` line", kind.keyword()),
                    )
                    .expected(format!(
                        "{} `{}` line",
                        if kind == MatcherKind::Action {
                            "an"
                        } else {
                            "a"
                        },
                        kind.keyword()
                    ))
                    .hint(format!(
                        "write `{} *` to match every {}",
                        kind.keyword(),
                        kind.keyword()
                    ))
                    .build();
                self.diagnostics.push(d);
                Matcher {
                    kind,
                    negated: false,
                    patterns: smallvec::SmallVec::new(),
                    comments: Comments::default(),
                    span: name_span,
                }
            })
        };
        let principal = take(principal, MatcherKind::Principal);
        let action = take(action, MatcherKind::Action);
        let resource = take(resource, MatcherKind::Resource);
        Statement {
            effect,
            name,
            name_span,
            principal,
            action,
            resource,
            conditions,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        }
    }

    fn matcher(&mut self, pair: Pair<Rule>, base: usize) -> Matcher {
        let mut span = span_of(&pair, base);
        span.end = self.comments.content_end(span.end);
        let mut leading = self.comments.before(span.start);
        let mut negated = false;
        let mut kind = MatcherKind::Resource;
        let mut patterns = smallvec::SmallVec::new();
        let mut count = 0usize;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::negation => negated = true,
                Rule::matcher_kind => {
                    kind = match p.as_str() {
                        "principal" => MatcherKind::Principal,
                        "action" => MatcherKind::Action,
                        _ => MatcherKind::Resource,
                    }
                }
                Rule::pattern => {
                    count += 1;
                    if count == self.limits.max_patterns_per_line + 1 {
                        let d = self
                            .map
                            .diagnostic(
                                DiagnosticKind::LimitExceeded,
                                span_of(&p, base),
                                format!(
                                    "the {} line holds more than {} patterns (max_patterns_per_line)",
                                    kind.keyword(),
                                    self.limits.max_patterns_per_line
                                ),
                            )
                            .hint("this is the first pattern past the limit; split the statement, use a group or a wider pattern, or raise the limit")
                            .build();
                        self.diagnostics.push(d);
                    }
                    if count > self.limits.max_patterns_per_line {
                        continue;
                    }
                    if let Some(pattern) = self.pattern(p, base, kind) {
                        patterns.push(pattern);
                    }
                }
                _ => {}
            }
        }
        leading.extend(self.comments.before(span.end));
        let trailing = self.comments.trailing(span.end);
        Matcher {
            kind,
            negated,
            patterns,
            comments: Comments { leading, trailing },
            span,
        }
    }

    fn pattern(&mut self, pair: Pair<Rule>, base: usize, kind: MatcherKind) -> Option<Pattern> {
        let span = span_of(&pair, base);
        let inner = pair.into_inner().next()?;
        let quoted = inner.as_rule() == Rule::string;
        self.pattern_text(inner.as_str(), quoted, span, kind)
    }

    /// Lowers the pattern `raw` (a quoted string with its quotes when
    /// `quoted`, else a bare pattern) that stands at `span`.
    fn pattern_text(
        &mut self,
        raw: &str,
        quoted: bool,
        span: Span,
        kind: MatcherKind,
    ) -> Option<Pattern> {
        let (text, text_start): (std::borrow::Cow<str>, usize) = if quoted {
            (self.string_text(raw, span).into(), span.start + 1)
        } else {
            (raw.into(), span.start)
        };
        if text.is_empty() {
            self.error(
                DiagnosticKind::InvalidGlob,
                span,
                "a pattern cannot be empty",
            );
            return None;
        }
        // Most patterns are plain: one pass tells, and such a pattern that
        // passes every check below is lowered here. Anything else (and a
        // plain pattern a check refuses) takes the full path, which reports.
        if let Some(plain) = plain_pattern(&text) {
            let limits = self.limits;
            let passes = text.len() <= limits.max_pattern_bytes
                && plain.wildcards <= limits.max_pattern_wildcards
                && limits.max_alternatives >= 1
                && !(kind == MatcherKind::Resource && plain.dot_segment);
            if passes {
                let is_group = kind == MatcherKind::Principal && text.starts_with("group:");
                return Some(Pattern {
                    parts: smallvec::smallvec![PatternPart::Glob(text.into_owned())],
                    is_group,
                    span,
                });
            }
        }
        if !self.pattern_within_limits(&text, span) {
            return None;
        }
        // Most patterns are one glob: held inline.
        let mut parts: smallvec::SmallVec<[PatternPart; 1]> = smallvec::SmallVec::new();
        let mut rest = &*text;
        let mut offset = text_start;
        let mut ok = true;
        while let Some(start) = find_variable(rest) {
            if start > 0 {
                parts.push(PatternPart::Glob(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let Some(close) = after.find('}') else {
                self.error_with_hint(
                    DiagnosticKind::InvalidVariable,
                    Span::new(offset + start, span.end),
                    "unclosed policy variable",
                    "close it with `}`, as in `${principal.id}`",
                );
                return None;
            };
            let key_text = &after[..close];
            let key_span = Span::new(offset + start + 2, offset + start + 2 + close);
            if key_text.is_empty() {
                self.error_with_hint(
                    DiagnosticKind::InvalidVariable,
                    Span::new(offset + start, key_span.end + 1),
                    "empty policy variable `${}`",
                    "name a request attribute, as in `${principal.id}`",
                );
                ok = false;
            } else if kind != MatcherKind::Resource {
                self.error_with_hint(
                    DiagnosticKind::InvalidVariable,
                    Span::new(offset + start, key_span.end + 1),
                    format!(
                        "policy variables are not allowed in `{}` patterns",
                        kind.keyword()
                    ),
                    "use `${...}` in `resource` patterns only",
                );
                ok = false;
            } else if let Some(key) = self.key_from_text(key_text, key_span) {
                let allowed = matches!(
                    key.path,
                    KeyPath::PrincipalId
                        | KeyPath::PrincipalTag(_)
                        | KeyPath::ResourceTag(_)
                        | KeyPath::Context(_)
                        | KeyPath::VersionStage
                );
                if allowed {
                    parts.push(PatternPart::Variable(key));
                } else {
                    self.error_with_hint(
                        DiagnosticKind::InvalidVariable,
                        key_span,
                        format!("`{key_text}` cannot be used as a policy variable"),
                        "variables take string attributes: `principal.id`, `principal.tags.NAME`, `resource.tags.NAME`, `context.NAME`, `version_stage`",
                    );
                    ok = false;
                }
            } else {
                ok = false;
            }
            let consumed = start + 2 + close + 1;
            rest = &rest[consumed..];
            offset += consumed;
        }
        if !rest.is_empty() {
            parts.push(PatternPart::Glob(rest.to_string()));
        }
        if parts.iter().any(|p| matches!(p, PatternPart::Variable(_)))
            && parts.iter().any(|p| matches!(p, PatternPart::Glob(g) if g.matches('{').count() != g.matches('}').count()))
        {
            self.error_with_hint(
                DiagnosticKind::InvalidVariable,
                span,
                "a policy variable cannot stand inside `{...}` alternatives",
                "write one pattern per alternative, separated by commas",
            );
            return None;
        }
        if parts.iter().any(|p| matches!(p, PatternPart::Variable(_)))
            && parts.iter().any(|p| matches!(p, PatternPart::Glob(g) if g.matches('[').count() != g.matches(']').count()))
        {
            self.error_with_hint(
                DiagnosticKind::InvalidVariable,
                span,
                "a policy variable cannot stand inside a `[...]` class",
                "a variable's value is matched literally; close the class before `${`",
            );
            return None;
        }
        let alternatives = parts.iter().fold(1usize, |n, p| match p {
            PatternPart::Glob(g) => n.saturating_mul(alternative_count(g)),
            PatternPart::Variable(_) => n,
        });
        if alternatives > self.limits.max_alternatives {
            self.error_with_hint(
                DiagnosticKind::LimitExceeded,
                span,
                format!(
                    "pattern `{text}` expands to {alternatives} alternatives; at most {} are allowed (max_alternatives)",
                    self.limits.max_alternatives
                ),
                "split it into several patterns or use `*`",
            );
            return None;
        }
        // Check the glob syntax with each variable standing for one literal segment.
        let probe: std::borrow::Cow<str> = match parts.as_slice() {
            [PatternPart::Glob(g)] => std::borrow::Cow::Borrowed(g.as_str()),
            _ => parts
                .iter()
                .map(|p| match p {
                    PatternPart::Glob(g) => g.as_str(),
                    PatternPart::Variable(_) => "v",
                })
                .collect(),
        };
        if let Err(e) = check_glob(&probe, true) {
            let d = self
                .map
                .diagnostic(
                    DiagnosticKind::InvalidGlob,
                    span,
                    format!("invalid pattern `{text}`: {}", glob_error_text(&e)),
                )
                .hint(glob_error_hint(&e))
                .build();
            self.diagnostics.push(d);
            return None;
        }
        if kind == MatcherKind::Resource && probe.split('/').any(|s| s == ".." || s == ".") {
            self.error_with_hint(
                DiagnosticKind::InvalidGlob,
                span,
                format!("pattern `{text}` holds a `.` or `..` segment"),
                "secret paths are matched as written; remove the `.` or `..` segment",
            );
            return None;
        }
        let is_group = kind == MatcherKind::Principal && text.starts_with("group:");
        ok.then_some(Pattern {
            parts,
            is_group,
            span,
        })
    }

    fn error_with_hint(
        &mut self,
        kind: DiagnosticKind,
        span: Span,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let d = self.map.diagnostic(kind, span, message).hint(hint).build();
        self.diagnostics.push(d);
    }

    fn condition_block(&mut self, pair: Pair<Rule>, base: usize) -> ConditionBlock {
        let span = span_of(&pair, base);
        let leading = self.comments.before(span.start);
        let mut kind = BlockKind::When;
        let mut exprs = Vec::new();
        let mut inner_trailing = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::block_kind if p.as_str() == "unless" => kind = BlockKind::Unless,
                Rule::expr => {
                    let start = base + p.as_span().start();
                    let end = self.comments.content_end(base + p.as_span().end());
                    let mut expr_leading = self.comments.before(start);
                    let mut expr = self.expr(p, base);
                    expr.span.end = end;
                    expr_leading.extend(self.comments.before(end));
                    expr.comments = Comments {
                        leading: expr_leading,
                        trailing: self.comments.trailing(end),
                    };
                    exprs.push(expr);
                }
                Rule::rbrace => inner_trailing = self.comments.before(base + p.as_span().start()),
                _ => {}
            }
        }
        if exprs.is_empty() {
            self.error_with_hint(
                DiagnosticKind::Syntax,
                span,
                format!(
                    "empty `{}` block",
                    if kind == BlockKind::When {
                        "when"
                    } else {
                        "unless"
                    }
                ),
                "write at least one condition, or remove the block",
            );
        }
        let trailing = self.comments.trailing(span.end);
        ConditionBlock {
            kind,
            exprs,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        }
    }

    fn expr(&mut self, pair: Pair<Rule>, base: usize) -> Expr {
        let span = span_of(&pair, base);
        let rule = pair.as_rule();
        let mut children: Vec<Expr> = Vec::new();
        match rule {
            Rule::expr | Rule::and_expr => {
                for p in pair.into_inner() {
                    if matches!(p.as_rule(), Rule::and_expr | Rule::unary) {
                        children.push(self.expr(p, base));
                    }
                }
                if children.len() == 1 {
                    return children.pop().unwrap_or_else(|| {
                        leaf(
                            ExprKind::Group(Box::new(leaf(
                                ExprKind::Truthy(missing_key(span)),
                                span,
                            ))),
                            span,
                        )
                    });
                }
                let kind = if rule == Rule::expr {
                    ExprKind::Or(children)
                } else {
                    ExprKind::And(children)
                };
                leaf(kind, span)
            }
            Rule::unary => {
                let mut nots = Vec::new();
                let mut primary = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::not_prefix {
                        nots.push(span_of(&p, base).start);
                    } else {
                        primary = Some(p);
                    }
                }
                if self.depth + nots.len() > MAX_CONDITION_DEPTH {
                    // Point at the first `not` past the limit.
                    let at = nots
                        .get(MAX_CONDITION_DEPTH.saturating_sub(self.depth))
                        .copied()
                        .unwrap_or(span.start);
                    self.diagnostics
                        .push(too_deep(self.map, Span::new(at, (at + 3).min(span.end))));
                    return leaf(ExprKind::Truthy(missing_key(span)), span);
                }
                self.depth += nots.len();
                let inner = primary.map(|p| self.expr(p, base));
                self.depth -= nots.len();
                let mut expr =
                    inner.unwrap_or_else(|| leaf(ExprKind::Truthy(missing_key(span)), span));
                for start in nots.into_iter().rev() {
                    let s = Span::new(start, expr.span.end);
                    expr = leaf(ExprKind::Not(Box::new(expr)), s);
                }
                expr
            }
            Rule::group => {
                if self.depth >= MAX_CONDITION_DEPTH {
                    let paren = Span::new(span.start, (span.start + 1).min(span.end));
                    self.diagnostics.push(too_deep(self.map, paren));
                    return leaf(ExprKind::Truthy(missing_key(span)), span);
                }
                self.depth += 1;
                let inner = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p, base))
                    .unwrap_or_else(|| leaf(ExprKind::Truthy(missing_key(span)), span));
                self.depth -= 1;
                leaf(ExprKind::Group(Box::new(inner)), span)
            }
            Rule::has_test => {
                let key = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::key)
                    .and_then(|p| self.key(&p, base))
                    .unwrap_or_else(|| missing_key(span));
                leaf(ExprKind::Has(key), span)
            }
            Rule::comparison => self.comparison(pair, base),
            _ => leaf(ExprKind::Truthy(missing_key(span)), span),
        }
    }

    fn comparison(&mut self, pair: Pair<Rule>, base: usize) -> Expr {
        let span = span_of(&pair, base);
        let mut inner = pair.into_inner();
        let key_pair = inner.next();
        let key = key_pair.as_ref().and_then(|p| self.key(p, base));
        let op_pair = inner.next();
        let operand_pair = inner.next();
        let offset_pair = inner.next();
        let Some(key) = key else {
            return leaf(ExprKind::Truthy(missing_key(span)), span);
        };
        let (Some(op_pair), Some(operand_pair)) = (op_pair, operand_pair) else {
            // A bare key: must be boolean.
            let ty = key.path.value_type();
            if !matches!(ty, ValueType::Bool | ValueType::Any) {
                let example = example_for(&key.path);
                self.error_with_hint(
                    DiagnosticKind::TypeMismatch,
                    key.span,
                    format!(
                        "`{}` holds {}, not a boolean",
                        key.path,
                        with_article(ty.describe())
                    ),
                    format!("compare it with an operator, as in `{example}`"),
                );
            }
            return leaf(ExprKind::Truthy(key), span);
        };
        let op = match op_pair
            .as_str()
            .split_whitespace()
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["=="] => CompareOp::Eq,
            ["!="] => CompareOp::Ne,
            ["<"] => CompareOp::Lt,
            ["<="] => CompareOp::Le,
            [">"] => CompareOp::Gt,
            [">="] => CompareOp::Ge,
            ["in"] => CompareOp::In,
            ["not", "in"] => CompareOp::NotIn,
            ["like"] => CompareOp::Like,
            ["ilike"] => CompareOp::ILike,
            _ => CompareOp::Contains,
        };
        let op_span = span_of(&op_pair, base);
        let operand = self.operand(&key, op, op_span, operand_pair, base);
        let offset = offset_pair.and_then(|p| {
            let bare = p.into_inner().find(|p| p.as_rule() == Rule::bare)?;
            let s = span_of(&bare, base);
            if !matches!(key.path, KeyPath::TimeOfDay | KeyPath::Weekday) {
                self.error_with_hint(
                    DiagnosticKind::TypeMismatch,
                    s,
                    format!(
                        "`at` applies to `time_of_day` and `weekday`, not `{}`",
                        key.path
                    ),
                    if key.path == KeyPath::Time {
                        "remove `at ...`; timestamps carry their own offset"
                    } else {
                        "remove `at ...`"
                    },
                );
                return None;
            }
            match literal::utc_offset(bare.as_str()) {
                Some(seconds_east) => Some(UtcOffset {
                    seconds_east,
                    span: s,
                }),
                None => {
                    let d = self
                        .map
                        .diagnostic(
                            DiagnosticKind::InvalidLiteral,
                            s,
                            format!("invalid UTC offset `{}`", bare.as_str()),
                        )
                        .expected("`UTC`, `+HH:MM` or `-HH:MM`")
                        .hint("for example `at +02:00` or `at UTC-05:00`")
                        .build();
                    self.diagnostics.push(d);
                    None
                }
            }
        });
        match operand {
            Some(operand) => leaf(
                ExprKind::Compare(Comparison {
                    key,
                    op,
                    operand,
                    offset,
                }),
                span,
            ),
            None => leaf(ExprKind::Truthy(missing_key(span)), span),
        }
    }

    /// Types the operand against the key and operator; reports mismatches.
    fn operand(
        &mut self,
        key: &Key,
        op: CompareOp,
        op_span: Span,
        pair: Pair<Rule>,
        base: usize,
    ) -> Option<Operand> {
        let inner = pair.into_inner().next()?;
        let shape = match inner.as_rule() {
            Rule::list => Shape::List,
            Rule::range => Shape::Range,
            _ => Shape::One,
        };
        fn lit<'s>(p: &Pair<'s, Rule>, base: usize) -> Lit<'s> {
            Lit {
                raw: p.as_str(),
                span: span_of(p, base),
            }
        }
        let span = span_of(&inner, base);
        let literals: Literals = match shape {
            Shape::One => smallvec::smallvec![lit(&inner, base)],
            _ => inner
                .into_inner()
                .filter(|p| p.as_rule() == Rule::literal)
                .map(|p| lit(&p, base))
                .collect(),
        };
        self.operand_syntax(
            key,
            op,
            op_span,
            OperandSyntax {
                shape,
                span,
                literals,
            },
        )
    }

    /// Types the operand's literals against the key and operator; reports
    /// mismatches.
    fn operand_syntax(
        &mut self,
        key: &Key,
        op: CompareOp,
        op_span: Span,
        syntax: OperandSyntax,
    ) -> Option<Operand> {
        let key_type = key.path.value_type();
        let OperandSyntax {
            shape,
            span: operand_span,
            literals,
        } = syntax;
        // Which literal type each operator wants, given the key's type.
        let first_literal = literals.first().copied();
        let custom = key_type == ValueType::Any;
        if custom
            && let Some(lit) = &first_literal
            && !lit.quoted()
            && let Some(other) = clock_literal_type(lit.text())
        {
            let d = self
                .map
                .diagnostic(
                    DiagnosticKind::TypeMismatch,
                    lit.span,
                    format!("custom attribute `{}` cannot be compared with {}", key.path, with_article(other.describe())),
                )
                .expected("a quoted string, a number, `true` or `false`, an IP address or a CIDR range")
                .hint("request context values are JSON strings, numbers and booleans; timestamps, durations and clock times apply to `time`, `mfa_age` and `time_of_day`")
                .build();
            self.diagnostics.push(d);
            return None;
        }
        // A custom key's type is read from its first literal; `contains`
        // tests a set of strings (a JSON array in the request).
        let key_type = if custom && op == CompareOp::Contains {
            ValueType::StringSet
        } else if custom {
            first_literal.as_ref().map_or(ValueType::String, |lit| {
                literal::infer_type(lit.text(), lit.quoted())
            })
        } else {
            key_type
        };
        let element = match allowed_element(key_type, op, shape) {
            Ok(element) => element,
            Err(message) => {
                let verb = match (custom, op) {
                    (true, CompareOp::Contains) => "is tested as",
                    (true, _) => "is compared with",
                    (false, _) => "holds",
                };
                let d = self
                    .map
                    .diagnostic(
                        DiagnosticKind::TypeMismatch,
                        op_span,
                        format!("`{}` {verb} {message}", key.path),
                    )
                    .hint(format!(
                        "for example `{}`",
                        example_for_type(&key.path, key_type)
                    ))
                    .build();
                self.diagnostics.push(d);
                return None;
            }
        };
        if literals.is_empty() {
            self.error_with_hint(
                DiagnosticKind::InvalidLiteral,
                operand_span,
                "empty list",
                "list at least one value; `in []` could never hold",
            );
            return None;
        }
        // Type every literal, so that each bad one is reported.
        let mut values: smallvec::SmallVec<[Value; 2]> =
            smallvec::SmallVec::with_capacity(literals.len());
        let mut all_typed = true;
        for lit in literals {
            match self.value(lit, element) {
                Some(value) => values.push(value),
                None => all_typed = false,
            }
        }
        if !all_typed {
            return None;
        }
        if let [start, end] = values.as_slice()
            && shape == Shape::Range
            && let Some(problem) = range_problem(&start.kind, &end.kind)
        {
            let d = self
                .map
                .diagnostic(
                    DiagnosticKind::InvalidLiteral,
                    operand_span,
                    format!(
                        "empty range `{} .. {}`",
                        literal::format_value(&start.kind),
                        literal::format_value(&end.kind)
                    ),
                )
                .hint(problem)
                .build();
            self.diagnostics.push(d);
            return None;
        }
        if matches!(op, CompareOp::Like | CompareOp::ILike)
            && let Some(Value {
                kind: ValueKind::String(p),
                span,
            }) = values.first()
            && !self.pattern_within_limits(p, *span)
        {
            return None;
        }
        if matches!(op, CompareOp::Like | CompareOp::ILike)
            && let Some(Value {
                kind: ValueKind::String(p),
                span,
            }) = values.first()
            && let Err(e) = check_glob(p, false)
        {
            let d = self
                .map
                .diagnostic(
                    DiagnosticKind::InvalidGlob,
                    *span,
                    format!("invalid pattern `{p}`: {}", glob_error_text(&e)),
                )
                .hint(glob_error_hint(&e))
                .build();
            self.diagnostics.push(d);
            return None;
        }
        let mut values = values.into_iter();
        match shape {
            Shape::One => values.next().map(Operand::Value),
            Shape::List => Some(Operand::List(values.collect())),
            Shape::Range => {
                let (a, b) = (values.next()?, values.next()?);
                Some(Operand::Range(a, b))
            }
        }
    }

    fn value(&mut self, lit: Lit, want: ValueType) -> Option<Value> {
        let span = lit.span;
        let quoted = lit.quoted();
        if quoted && want == ValueType::String {
            // What `literal::typed` gives a quoted string wanted as one:
            // its text, here moved rather than copied.
            let text = self.string_text(lit.raw, span);
            return Some(Value {
                kind: ValueKind::String(text),
                span,
            });
        }
        let unquoted;
        let text = if quoted {
            unquoted = self.string_text(lit.raw, span);
            unquoted.as_str()
        } else {
            lit.raw
        };
        match literal::typed(text, quoted, want) {
            Ok(kind) => Some(Value { kind, span }),
            Err(problem) => {
                let kind = if problem.wrong_type {
                    DiagnosticKind::TypeMismatch
                } else {
                    DiagnosticKind::InvalidLiteral
                };
                let d = self
                    .map
                    .diagnostic(kind, span, problem.message)
                    .expected(problem.expected)
                    .hint(problem.hint)
                    .build();
                self.diagnostics.push(d);
                None
            }
        }
    }

    fn key(&mut self, pair: &Pair<Rule>, base: usize) -> Option<Key> {
        self.key_from_text(pair.as_str(), span_of(pair, base))
    }

    fn key_from_text(&mut self, text: &str, span: Span) -> Option<Key> {
        if let Some((_, path)) = KeyPath::FIXED.iter().find(|(name, _)| *name == text) {
            return Some(Key {
                path: path.clone(),
                span,
            });
        }
        let valid_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let named = |prefix: &str| {
            text.strip_prefix(prefix)
                .filter(|n| valid_name(n))
                .map(str::to_string)
        };
        let path = if let Some(n) = named("principal.tags.") {
            Some(KeyPath::PrincipalTag(n))
        } else if let Some(n) = named("resource.tags.") {
            Some(KeyPath::ResourceTag(n))
        } else {
            named("context.").map(KeyPath::Context)
        };
        if let Some(path) = path {
            return Some(Key { path, span });
        }
        let mut d = self
            .map
            .diagnostic(DiagnosticKind::UnknownKey, span, format!("unknown attribute `{text}`"))
            .expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`");
        d = d.hint(unknown_key_hint(text));
        self.diagnostics.push(d.build());
        None
    }

    /// The text of a string literal, escapes resolved.
    fn string(&mut self, pair: Pair<Rule>, base: usize) -> String {
        self.string_text(pair.as_str(), span_of(&pair, base))
    }

    /// The text of the string literal `raw` (quotes included) at `span`,
    /// escapes resolved; each unknown escape is reported.
    fn string_text(&mut self, raw: &str, span: Span) -> String {
        let body = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        if !body.contains('\\') {
            return body.to_string();
        }
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                other => {
                    let end = other.map_or(i + 1, |(j, c)| j + c.len_utf8());
                    let s = Span::new(span.start + 1 + i, span.start + 1 + end);
                    self.error_with_hint(
                        DiagnosticKind::InvalidEscape,
                        s,
                        format!("unknown escape `{}`", body.get(i..end).unwrap_or("\\")),
                        "strings know `\\\"`, `\\\\`, `\\n` and `\\t`",
                    );
                }
            }
        }
        out
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    One,
    List,
    Range,
}

/// A literal as written: a quoted string (quotes included) or a bare word.
#[derive(Clone, Copy)]
struct Lit<'s> {
    raw: &'s str,
    span: Span,
}

impl<'s> Lit<'s> {
    fn quoted(&self) -> bool {
        self.raw.starts_with('"')
    }

    /// The text between the quotes (escapes not resolved), or the bare word.
    fn text(&self) -> &'s str {
        if self.quoted() {
            self.raw
                .get(1..self.raw.len().saturating_sub(1))
                .unwrap_or("")
        } else {
            self.raw
        }
    }
}

/// An operand as written: its shape, where it stands and its literals.
struct OperandSyntax<'s> {
    shape: Shape,
    span: Span,
    literals: Literals<'s>,
}

/// An operand's literals: one or two (a range) held inline.
type Literals<'s> = smallvec::SmallVec<[Lit<'s>; 2]>;

/// For `key_type op shape`, the type each literal must have, or why not.
fn allowed_element(key: ValueType, op: CompareOp, shape: Shape) -> Result<ValueType, String> {
    use CompareOp::*;
    use ValueType as T;
    let ordered = matches!(op, Lt | Le | Gt | Ge);
    let equality = matches!(op, Eq | Ne);
    let membership = matches!(op, In | NotIn);
    let ok = match (key, shape) {
        (T::String, Shape::One) if equality || matches!(op, Like | ILike) => Some(T::String),
        (T::String, Shape::List) if membership => Some(T::String),
        (T::Number, Shape::One) if equality || ordered => Some(T::Number),
        (T::Number, Shape::List) if membership => Some(T::Number),
        (T::Number, Shape::Range) if membership => Some(T::Number),
        (T::Bool, Shape::One) if equality => Some(T::Bool),
        (T::Ip, Shape::One) if equality => Some(T::Ip),
        (T::Ip | T::Cidr, Shape::One | Shape::List) if membership => Some(T::Cidr),
        (T::Timestamp, Shape::One) if ordered => Some(T::Timestamp),
        (T::Timestamp, Shape::Range) if membership => Some(T::Timestamp),
        (T::Duration, Shape::One) if ordered || equality => Some(T::Duration),
        (T::Duration, Shape::Range) if membership => Some(T::Duration),
        (T::TimeOfDay, Shape::One) if ordered => Some(T::TimeOfDay),
        (T::TimeOfDay, Shape::Range) if membership => Some(T::TimeOfDay),
        (T::Weekday, Shape::One) if equality => Some(T::Weekday),
        (T::Weekday, Shape::List) if membership => Some(T::Weekday),
        (T::StringSet, Shape::One) if op == Contains => Some(T::String),
        _ => None,
    };
    ok.ok_or_else(|| {
        let what = match shape {
            Shape::One => "a value",
            Shape::List => "a list",
            Shape::Range => "a range",
        };
        format!(
            "{}; `{}` cannot compare it with {what}",
            with_article(key.describe()),
            op.symbol()
        )
    })
}

fn example_for(key: &KeyPath) -> String {
    example_for_type(key, key.value_type())
}

/// An example comparison of `key`, read as a `ty`.
fn example_for_type(key: &KeyPath, ty: ValueType) -> String {
    match ty {
        ValueType::Ip | ValueType::Cidr => format!("{key} in 10.0.0.0/8"),
        ValueType::Bool => format!("{key} == true"),
        ValueType::Duration => format!("{key} <= 15m"),
        ValueType::Timestamp => format!("{key} in 2026-01-01T00:00:00Z .. 2027-01-01T00:00:00Z"),
        ValueType::TimeOfDay => format!("{key} in 09:00 .. 17:00 at +02:00"),
        ValueType::Weekday => format!("{key} in [Mon, Tue, Wed, Thu, Fri] at UTC"),
        ValueType::StringSet => format!("{key} contains \"group:ops\""),
        ValueType::Number => format!("{key} >= 3"),
        ValueType::String | ValueType::Any => format!("{key} == \"value\""),
    }
}

/// The help line for an unknown attribute: a likely typo of a known one, or
/// where custom attributes live.
fn unknown_key_hint(text: &str) -> String {
    // Only close typos: at most one edit per three characters, so that a
    // custom name such as `ticket` is not taken for `time`.
    let close = |word: &str, candidates: &[&str]| -> Option<String> {
        let limit = (word.chars().count() / 3).max(1);
        candidates
            .iter()
            .map(|c| (crate::diagnostic::edit_distance(word, c), *c))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, _)| *d)
            .map(|(_, c)| c.to_string())
    };
    let parts: Vec<&str> = text.split('.').collect();
    let last = parts.last().copied().unwrap_or(text);
    let owned: Option<(&str, &[&str])> = match parts.first().copied() {
        Some("principal") => Some(("principal", &["id", "groups"])),
        Some("resource") => Some(("resource", &["path"])),
        _ => None,
    };
    if let Some((owner, fixed)) = owned {
        let suggestion = match parts.as_slice() {
            // `principal.team`: a typo of a fixed attribute, else a tag.
            [_, name] => Some(
                close(name, fixed)
                    .map_or(format!("{owner}.tags.{name}"), |f| format!("{owner}.{f}")),
            ),
            // `principal.tag.team`: a typo of `tags`.
            [_, middle, name] => close(middle, &["tags"]).map(|_| format!("{owner}.tags.{name}")),
            _ => None,
        };
        return match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None if owner == "principal" => {
                "the principal's attributes are `principal.id`, `principal.groups` and `principal.tags.NAME`"
                    .to_string()
            }
            None => "the resource's attributes are `resource.path` and `resource.tags.NAME`".to_string(),
        };
    }
    let fixed: Vec<&str> = KeyPath::FIXED.iter().map(|(n, _)| *n).collect();
    if let Some(suggestion) = close(text, &fixed) {
        return format!("did you mean `{suggestion}`?");
    }
    if parts.len() > 1 && parts.first() == Some(&"context") {
        "a custom attribute is one name after `context.`, as in `context.ticket`".to_string()
    } else {
        format!("custom request attributes are read as `context.{last}`")
    }
}

/// Why the half-open range `start .. end` can never hold, if it cannot.
fn range_problem(start: &ValueKind, end: &ValueKind) -> Option<&'static str> {
    use ValueKind as V;
    let empty = match (start, end) {
        (V::Number(a), V::Number(b)) => a >= b,
        (V::Timestamp(a), V::Timestamp(b)) => a >= b,
        (V::Duration(a), V::Duration(b)) => a >= b,
        // A clock range whose start is after its end wraps past midnight.
        (V::TimeOfDay(a), V::TimeOfDay(b)) => {
            return (a == b).then_some(
                "a range includes its start and excludes its end, so `a .. a` matches nothing; \
                 a range such as `22:00 .. 06:00` wraps past midnight",
            );
        }
        _ => false,
    };
    empty.then_some(
        "a range includes its start and excludes its end; write the earlier value first, as in `a .. b` with a < b",
    )
}

/// The type of an unquoted literal that only fixed clock keys accept.
fn clock_literal_type(text: &str) -> Option<ValueType> {
    [
        ValueType::Timestamp,
        ValueType::Duration,
        ValueType::TimeOfDay,
    ]
    .into_iter()
    .find(|ty| literal::typed(text, false, *ty).is_ok())
}

fn leaf(kind: ExprKind, span: Span) -> Expr {
    Expr {
        kind,
        comments: Comments::default(),
        span,
    }
}

/// Placeholder for an expression whose error was already reported; never
/// reaches a caller because the parse then fails.
fn missing_key(span: Span) -> Key {
    Key {
        path: KeyPath::Mfa,
        span,
    }
}

/// Compiles `glob` and applies the language's own rules on top of globset,
/// which accepts both of these: `{` alternatives cannot nest, and (for
/// matcher patterns, where `*` stays inside one segment) `**` must be a whole
/// path segment, so that `a**b` is not silently read as `a*b`.
fn check_glob(glob: &str, matcher: bool) -> Result<(), globset::ErrorKind> {
    if !globset_accepts_plainly(glob) {
        globset::GlobBuilder::new(glob)
            .literal_separator(matcher)
            .build()
            .map_err(|e| e.kind().clone())?;
    }
    // Every character this looks at is ASCII, and no byte of a multi-byte
    // character is, so walking bytes reads the pattern as walking chars did.
    let chars = glob.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            b'\\' => i += 1,
            b'[' => {
                // Skip the class; `]` right after `[` or `[!` is a member.
                i += 1;
                if matches!(chars.get(i), Some(b'!' | b'^')) {
                    i += 1;
                }
                if chars.get(i) == Some(&b']') {
                    i += 1;
                }
                while chars.get(i).is_some_and(|c| *c != b']') {
                    i += 1;
                }
            }
            b'{' => {
                depth += 1;
                if depth > 1 {
                    return Err(globset::ErrorKind::NestedAlternates);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            b'*' if matcher => {
                let run = chars[i..].iter().take_while(|c| **c == b'*').count();
                let whole_segment = i
                    .checked_sub(1)
                    .and_then(|j| chars.get(j))
                    .is_none_or(|c| *c == b'/')
                    && chars.get(i + run).is_none_or(|c| *c == b'/');
                if run > 2 || (run == 2 && !whole_segment) {
                    return Err(globset::ErrorKind::InvalidRecursive);
                }
                i += run;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// What one pass over a plain pattern finds.
struct Plain {
    /// Its wildcards, as [`wildcard_count`] counts them.
    wildcards: usize,
    /// Whether a `/`-separated segment is `.` or `..`.
    dot_segment: bool,
}

/// A pattern that is one glob of literal characters, `?` and `*` runs that
/// [`check_glob`] accepts: no variable (no `$` at all), no `{...}`
/// alternative, no `[...]` class (no `]` either) and no `\` escape. For
/// such a pattern the lowering's checks reduce to what this finds: one glob
/// part, one alternative, accepted by globset, `**` only as a whole
/// segment. `None` for any other pattern.
fn plain_pattern(text: &str) -> Option<Plain> {
    let bytes = text.as_bytes();
    let mut wildcards = 0;
    let mut dot_segment = false;
    let mut segment_start = 0;
    let is_dots = |segment: &[u8]| segment == b"." || segment == b"..";
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'$' | b'{' | b'}' | b'[' | b']' | b'\\' => return None,
            b'*' => {
                let run = bytes
                    .get(i..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|c| **c == b'*')
                    .count();
                let whole_segment =
                    i == segment_start && bytes.get(i + run).is_none_or(|c| *c == b'/');
                if run > 2 || (run == 2 && !whole_segment) {
                    return None;
                }
                wildcards += 1;
                i += run;
                continue;
            }
            b'?' => wildcards += 1,
            b'/' => {
                dot_segment |= is_dots(bytes.get(segment_start..i).unwrap_or(&[]));
                segment_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    dot_segment |= is_dots(bytes.get(segment_start..).unwrap_or(&[]));
    Some(Plain {
        wildcards,
        dot_segment,
    })
}

/// True when `glob` is one globset's parser cannot reject, so building it
/// (which also writes out its regex, most of the cost of a pattern) can be
/// skipped: no `[` class, no `\` escape, and `{` groups that all close and
/// never nest. globset reports errors only for classes, escapes and
/// unopened, unclosed or nested alternatives; every other character is a
/// literal, `?` or a `*` run, none of which fails.
/// Where the first `${` in `text` starts.
fn find_variable(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = bytes.get(from..)?.iter().position(|&b| b == b'$') {
        let at = from + at;
        if bytes.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn globset_accepts_plainly(glob: &str) -> bool {
    let mut open = false;
    for b in glob.bytes() {
        match b {
            b'[' | b'\\' => return false,
            b'{' if open => return false,
            b'{' => open = true,
            b'}' if !open => return false,
            b'}' => open = false,
            _ => {}
        }
    }
    !open
}

fn glob_error_text(e: &globset::ErrorKind) -> String {
    match e {
        globset::ErrorKind::UnclosedClass => "unclosed character class".to_string(),
        globset::ErrorKind::InvalidRange(a, b) => format!("invalid range `{a}-{b}`"),
        globset::ErrorKind::UnopenedAlternates => "`}` without an opening `{`".to_string(),
        globset::ErrorKind::UnclosedAlternates => "unclosed `{` alternatives".to_string(),
        globset::ErrorKind::NestedAlternates => "nested `{` alternatives".to_string(),
        globset::ErrorKind::DanglingEscape => "dangling `\\`".to_string(),
        globset::ErrorKind::InvalidRecursive => "`**` must be a whole path segment".to_string(),
        globset::ErrorKind::TooManyNestedAlternates => "nested `{` alternatives".to_string(),
        other => other.to_string(),
    }
}

fn glob_error_hint(e: &globset::ErrorKind) -> &'static str {
    match e {
        globset::ErrorKind::UnclosedClass => {
            "close the class with `]`, or match `[` literally with `[[]`"
        }
        globset::ErrorKind::UnclosedAlternates => "close the alternatives with `}`, as in `{a,b}`",
        globset::ErrorKind::UnopenedAlternates => "match `}` literally with `[}]`",
        globset::ErrorKind::NestedAlternates | globset::ErrorKind::TooManyNestedAlternates => {
            "alternatives cannot nest; list every choice in one `{a,b,c}`"
        }
        globset::ErrorKind::InvalidRecursive => {
            "write `**` alone between slashes, as in `prod/**/db`, or use `*`"
        }
        globset::ErrorKind::InvalidRange(..) => "a range runs from low to high, as in `[a-z]`",
        _ => "see the pattern syntax in LANGUAGE.md",
    }
}

/// Byte ranges of every statement block (`allow|deny "name" { ... }`) inside a
/// policy, found by brace depth alone, so that statements can be re-parsed one
/// by one after a syntax error.
fn statement_chunks(source: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = source.as_bytes();
    let mut chunks = Vec::new();
    let mut depth = 0usize;
    let mut chunk_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                i = source[i..].find('\n').map_or(source.len(), |n| i + n);
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => {
                depth += 1;
                if depth == 1 {
                    chunk_start = i + 1;
                }
            }
            b'}' => {
                if depth == 2 {
                    chunks.push(chunk_start..i + 1);
                    chunk_start = i + 1;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        i += 1;
    }
    chunks
}

fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'I']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// How many patterns the `{a,b}` groups of `glob` expand to.
fn alternative_count(glob: &str) -> usize {
    let mut count = 1usize;
    let mut rest = glob;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let group = &rest[open + 1..open + close];
        count = count.saturating_mul(group.split(',').count());
        rest = &rest[open + close + 1..];
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree the hand-written front end reads, if it reads the source,
    /// and the one pest's path lowers, if that reports nothing.
    #[cfg(not(target_arch = "wasm32"))]
    fn both_paths(source: &str) -> (Option<PolicyFile>, Option<PolicyFile>) {
        let limits = Limits::default();
        let map = SourceMap::new("t.policy", source);
        let scan = scan_comments(&map, source);
        let lower = |comments: Vec<Comment>| Lower {
            map: &map,
            comments: CommentPool {
                comments,
                next: 0,
                source,
            },
            diagnostics: Vec::new(),
            depth: 0,
            limits: &limits,
        };
        let mut fast_lower = lower(scan.comments.clone());
        let fast = fast::Parser::new(&mut fast_lower, source).file().ok();
        let mut pest_lower = lower(scan.comments);
        let pest = Grammar::parse(Rule::file, source)
            .ok()
            .map(|mut pairs| pest_lower.file(pairs.next()))
            .filter(|_| pest_lower.diagnostics.is_empty());
        (fast, pest)
    }

    /// The front end reads these sources (plain and quoted patterns, lines
    /// of several, negations, variables, alternatives and classes,
    /// conditions of every form, comments everywhere) into the tree pest's
    /// path gives, spans and comments included.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn the_front_end_reads_what_pest_reads() {
        let sources = [
            "policy \"p\" {\n  allow \"s0\" {\n    principal *\n    action    secrets:GetSecretValue\n    resource  prod/team-0/**\n  }\n}\n",
            "policy \"p\" { allow \"a\" { principal user:u-1, group:g-2 action svc-1:Get* resource prod/shared/db } }",
            "# top\npolicy \"p\" { # after brace\n  # above\n  deny \"d\" { # inside\n    not principal group:ops # trailing\n    action \"secrets:Get*\", secrets:List?  # two\n    not resource \"prod/a b/**\", dev/{x,y}/[a-c]*\n    when { principal.tags.team == \"team-3\" } # cond\n    unless { source_ip in 10.0.0.0/8 }\n  }\n  # end\n}\n# bottom\n",
            "policy \"p\" { allow \"v\" { principal * action * resource prod/${principal.tags.team}/** } }",
            "policy \"p\" { allow \"c\" { principal * action * resource ** when { (mfa and mfa_age < 15m) or not context.break_glass == true\n principal.groups contains \"group:ops\"\n time_of_day in 09:00 .. 17:00 at +02:00\n weekday in [Mon, Tue, Fri]\n resource.path like \"prod/*\"\n context.level >= 3 } } }",
            "policy \"a\" { allow \"x\" { principal * action a resource b } }\npolicy \"b\" { deny \"x\" { principal * action a resource \"b\\\"c\" unless { has context.ticket } } }",
        ];
        for source in sources {
            let (fast, pest) = both_paths(source);
            assert!(fast.is_some(), "the front end gave up on {source}");
            assert_eq!(fast, pest, "{source}");
        }
    }

    /// `skip_plain` finds the first stop byte from where it starts.
    #[test]
    fn skip_plain_finds_the_first_stop_byte() {
        for stop in b"()[]{}#\"" {
            let mut text = "ab c\u{e9}\n".repeat(4).into_bytes();
            text[9] = *stop;
            assert_eq!(skip_plain(&text, 0), 9);
            assert_eq!(skip_plain(&text, 9), 9);
            assert_eq!(skip_plain(&text, 10), text.len());
        }
        assert_eq!(skip_plain(b"abc", 5), 5);
    }

    /// Every pattern of up to six characters over `a*?/.` and one of the
    /// characters that leave the plain path: `plain_pattern` accepts exactly
    /// those the full checks find plain and valid, and agrees with them.
    #[test]
    fn plain_patterns_agree_with_the_full_checks() {
        let alphabet = ['a', '*', '?', '/', '.', '{'];
        let mut patterns = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = patterns
                .iter()
                .filter(|p| p.len() == patterns.last().map_or(0, String::len))
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            patterns.extend(longer);
        }
        for pattern in patterns.iter().filter(|p| !p.is_empty()) {
            let full_ok = check_glob(pattern, true).is_ok();
            let plain = plain_pattern(pattern);
            if pattern.contains('{') {
                assert!(plain.is_none(), "{pattern}");
                continue;
            }
            assert_eq!(plain.is_some(), full_ok, "{pattern}");
            if let Some(plain) = plain {
                assert_eq!(plain.wildcards, wildcard_count(pattern), "{pattern}");
                let dots = pattern.split('/').any(|s| s == ".." || s == ".");
                assert_eq!(plain.dot_segment, dots, "{pattern}");
                assert_eq!(alternative_count(pattern), 1, "{pattern}");
                assert_eq!(find_variable(pattern), None, "{pattern}");
            }
        }
    }

    fn with_condition(condition: &str) -> String {
        format!(
            "policy \"p\" {{ allow \"s\" {{ principal * action * resource * when {{ {condition} }} }} }}"
        )
    }

    fn only_diagnostic(source: &str) -> Diagnostic {
        let error = parse("deep.policy", source).err();
        let diagnostics = error.map(ParseError::into_diagnostics).unwrap_or_default();
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        diagnostics
            .into_iter()
            .next()
            .unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn nesting_up_to_the_limit_parses() {
        let depth = MAX_CONDITION_DEPTH;
        let parens = format!("{}mfa{}", "(".repeat(depth), ")".repeat(depth));
        assert!(parse("deep.policy", &with_condition(&parens)).is_ok());
        let nots = format!("{}mfa", "not ".repeat(depth));
        assert!(parse("deep.policy", &with_condition(&nots)).is_ok());
        let mixed = format!("{}mfa{}", "not (".repeat(depth / 2), ")".repeat(depth / 2));
        assert!(parse("deep.policy", &with_condition(&mixed)).is_ok());
    }

    #[test]
    fn nesting_past_the_limit_is_one_clear_error() {
        let prefix = with_condition("").find("{  }").map_or(0, |i| i + 2);
        for depth in [MAX_CONDITION_DEPTH + 1, 1_000, 100_000] {
            let parens = format!("{}mfa{}", "(".repeat(depth), ")".repeat(depth));
            let d = only_diagnostic(&with_condition(&parens));
            assert_eq!(d.kind(), DiagnosticKind::Syntax);
            // Lowering stops at the limit; pest stops first when the stack
            // runs low, which depends on the thread's stack size.
            assert!(
                [
                    "condition nests too deeply",
                    "text nests too deeply to parse"
                ]
                .contains(&d.message()),
                "depth {depth}: {d:?}"
            );
            assert!(d.hint().is_some_and(|h| h.contains("64")));
            assert!(d.span().start >= prefix, "{:?}", d.span());

            let nots = format!("{}mfa", "not ".repeat(depth));
            let d = only_diagnostic(&with_condition(&nots));
            assert_eq!(d.message(), "condition nests too deeply", "depth {depth}");
            assert_eq!(d.span().start, prefix + 4 * MAX_CONDITION_DEPTH);
        }
        // `{` in a pattern nests in the grammar too.
        let braces = format!(
            "policy \"p\" {{ allow \"s\" {{ principal * action * resource a{} }} }}",
            "{".repeat(100_000)
        );
        let d = only_diagnostic(&braces);
        assert_eq!(d.message(), "text nests too deeply to parse");
    }

    #[test]
    fn invisible_characters_are_named_by_code_point() {
        for (text, code) in [
            ("policy \"p\" {\u{C}}", "U+000C"),
            ("policy \"p\" {\u{A0}}", "U+00A0"),
            ("\u{FEFF}policy \"p\" {}", "U+FEFF"),
        ] {
            let d = only_diagnostic(text);
            assert_eq!(
                d.message(),
                format!("unexpected invisible character {code}")
            );
        }
    }
}
