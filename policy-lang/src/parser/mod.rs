//! From text to [`PolicyFile`], in stages, one file each:
//!
//! - `scan.rs`: one pass over the raw text for comments, unterminated
//!   strings and bracket depth, before any parsing;
//! - `tree.rs`: pest reads the text into its concrete tree (the grammar of
//!   record is `grammar.pest`), and a failed read becomes a problem that
//!   names what was expected;
//! - `lower.rs`: that tree to the syntax tree, attaching comments;
//! - `check.rs`: the checks lowering runs on each piece (patterns, keys,
//!   operand types, duplicate names);
//! - `error.rs`: every problem as data, turned into a [`Diagnostic`] in one
//!   place.
//!
//! `fast.rs` is a hand-written front end for sources that parse cleanly;
//! it feeds the same lowering checks and gives up on anything else. This
//! module holds the entry points and the recovery after a syntax error.

use crate::ast::*;
use crate::diagnostic::{ParseError, SourceMap};
use crate::limits::Limits;

mod check;
mod error;
#[cfg(not(target_arch = "wasm32"))]
mod fast;
mod lower;
mod scan;
mod tree;

use error::Problem;
use lower::Lower;
use tree::{Rule, error_offset, read, syntax_problem};

/// How deeply parentheses and `not` may nest in a condition. Every pass over
/// a condition (lowering, formatting, compiling, evaluating) recurses once per
/// level, so a limit keeps hostile input from overflowing the stack; real
/// conditions nest a few levels.
pub(crate) const MAX_CONDITION_DEPTH: usize = 64;

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
        let problem = Problem::SourceTooLong {
            len: source.len(),
            max: limits.max_source_bytes,
        };
        return Err(ParseError::new(vec![problem.diagnostic(&map)]));
    }
    let scan = scan::scan(source);
    if !scan.problems.is_empty() {
        let diagnostics = scan.problems.into_iter().map(|p| p.diagnostic(&map));
        return Err(ParseError::new(diagnostics.collect()));
    }
    if let Some(at) = scan.too_deep {
        // The text before the bracket parses no deeper than the limit: a
        // syntax error there comes first; otherwise the nesting is the error.
        let first = match read(Rule::file, &source[..at]) {
            Err(error) if error_offset(&error) < at => syntax_problem(source, &error),
            _ => scan::too_deep_to_parse(source, at),
        };
        return Err(ParseError::new(vec![first.diagnostic(&map)]));
    }
    let mut lower = Lower::new(&map, scan.comments, limits);
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
    match read(Rule::file, source) {
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
            let first = syntax_problem(source, &error).diagnostic(&map);
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
    let duplicates = check::duplicate_policies(&files);
    if !duplicates.is_empty() {
        errors.push(ParseError::new(duplicates));
    }
    if let Some(error) = check::too_many_statements(&files, limits.max_statements) {
        errors.push(error);
    }
    match ParseError::merge(errors) {
        Some(error) => Err(error),
        None => Ok(files.into_iter().map(|(_, _, f)| f).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, DiagnosticKind};

    /// The tree the hand-written front end reads, if it reads the source,
    /// and the one pest's path lowers, if that reports nothing.
    #[cfg(not(target_arch = "wasm32"))]
    fn both_paths(source: &str) -> (Option<PolicyFile>, Option<PolicyFile>) {
        let limits = Limits::default();
        let map = SourceMap::new("t.policy", source);
        let comments = scan::scan(source).comments;
        let mut fast_lower = Lower::new(&map, comments.clone(), &limits);
        let fast = fast::Parser::new(&mut fast_lower, source).file().ok();
        let mut pest_lower = Lower::new(&map, comments, &limits);
        let pest = read(Rule::file, source)
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
            "policy \"q\" { allow \"q\" { principal * action * resource * when { any principal.groups like [\"g:a*\", \"g:b*\"]\n all context.parameters in [\"ttl\", \"policies\"]  # names\n not any context.n.m >= 3 and all context.s not in [\"x\"]\n (any context.t in 1 .. 5)\n context.a.b.c == \"x\" or has context.a.b\n resource.path like [\"p/*\", \"q/*\"] } } }",
        ];
        for source in sources {
            let (fast, pest) = both_paths(source);
            assert!(fast.is_some(), "the front end gave up on {source}");
            assert_eq!(fast, pest, "{source}");
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
