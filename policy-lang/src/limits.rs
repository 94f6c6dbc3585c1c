//! Limits on what one policy set may hold.
//!
//! Every limit bounds the time or memory that compiling or deciding can take
//! on hostile or mistaken input. Going past one is a located diagnostic of
//! kind [`DiagnosticKind::LimitExceeded`](crate::DiagnosticKind), never a
//! pattern or statement quietly left out.

use serde::{Deserialize, Serialize};

/// Limits on policy sources, checked while parsing.
///
/// The defaults are far above what real policy sets hold; raise one when a
/// generated set needs it. Each field's doc gives its default.
#[cfg_attr(
    feature = "typescript",
    derive(tsify::Tsify),
    tsify(rename = "PolicyLimits")
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Bytes in one policy source. Default 64 MiB.
    pub max_source_bytes: usize,
    /// Statements in a policy set, over all its sources. Default 1,000,000.
    pub max_statements: usize,
    /// Patterns on one `principal`, `action` or `resource` line. Default 65,536.
    pub max_patterns_per_line: usize,
    /// Bytes in one pattern (a matcher's pattern or a `like` operand).
    /// Default 1,024.
    pub max_pattern_bytes: usize,
    /// Wildcards in one pattern: each `*` run, `?` and `[...]` class counts
    /// one. Matching costs at most the pattern's size times the subject's,
    /// so this bounds the cost of a decision per byte of request. Default 64.
    pub max_pattern_wildcards: usize,
    /// Patterns one pattern may expand to through its `{a,b}` groups
    /// (`{a,b}/{c,d}` is 4). Default 256.
    pub max_alternatives: usize,
}

/// The defaults; a line over a limit is a located diagnostic:
///
/// ```
/// let limits = policy_lang::Limits { max_patterns_per_line: 2, ..Default::default() };
/// let text = r#"policy "p" { deny "d" { principal a, b, c action * resource ** } }"#;
/// let error = policy_lang::parse_with("p.policy", text, &limits).unwrap_err();
/// assert_eq!(error.diagnostics()[0].kind(), policy_lang::DiagnosticKind::LimitExceeded);
/// assert!(policy_lang::parse("p.policy", text).is_ok());
/// ```
impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_source_bytes: 64 * 1024 * 1024,
            max_statements: 1_000_000,
            max_patterns_per_line: 65_536,
            max_pattern_bytes: 1024,
            max_pattern_wildcards: 64,
            max_alternatives: 256,
        }
    }
}

/// The wildcards of a pattern as [`Limits::max_pattern_wildcards`] counts
/// them: each run of `*`, each `?` and each `[` that is not escaped.
pub(crate) fn wildcard_count(pattern: &str) -> usize {
    let mut count = 0;
    let mut previous_star = false;
    let mut escaped = false;
    for c in pattern.chars() {
        let star = c == '*' && !escaped;
        if !escaped && ((star && !previous_star) || c == '?' || c == '[') {
            count += 1;
        }
        previous_star = star;
        escaped = !escaped && c == '\\';
    }
    count
}

#[cfg(test)]
mod tests {
    use super::wildcard_count;

    #[test]
    fn wildcards_count_star_runs_marks_and_classes_but_not_escapes() {
        assert_eq!(wildcard_count("prod/payments"), 0);
        assert_eq!(wildcard_count("prod/**"), 1);
        assert_eq!(wildcard_count("*a*a*b"), 3);
        assert_eq!(wildcard_count("svc-?[0-9]*"), 3);
        assert_eq!(wildcard_count(r"a\*b\?c\[d"), 0);
        assert_eq!(wildcard_count(r"a\\*"), 1);
    }
}
