//! Every problem the parser reports, as data: one variant per kind of
//! problem, carrying what its message is made of (where, which names, what
//! was expected, what to suggest). [`Problem::diagnostic`] is the one place
//! that turns a problem into the [`Diagnostic`] users see: its kind, message,
//! expected text, hint and related places.

use super::MAX_CONDITION_DEPTH;
use crate::ast::{BlockKind, CompareOp, KeyPath, MatcherKind, Quantifier, Span, ValueType};
use crate::diagnostic::{Diagnostic, DiagnosticKind, SourceMap};
use crate::literal;
use crate::pattern::glob_error_text;

/// A problem found in a source, before it is rendered as a [`Diagnostic`].
#[derive(Debug, Clone)]
pub(super) enum Problem {
    // --- Limits on the whole source or set.
    /// The source is longer than `max_source_bytes`.
    SourceTooLong { len: usize, max: usize },
    /// The set holds more than `max_statements`; `span` names the first
    /// statement past the limit.
    TooManyStatements {
        span: Span,
        total: usize,
        max: usize,
    },

    // --- Scanning.
    /// A `"` with no closing quote on its line.
    UnterminatedString { span: Span },
    /// Brackets nest past what the grammar may recurse into.
    TooDeepToParse { span: Span },

    // --- Syntax (what pest could not read).
    /// The source ends where something else was expected.
    UnexpectedEnd {
        at: usize,
        expected: String,
        missing_brace: bool,
    },
    /// A word where a keyword was expected.
    UnknownKeyword {
        span: Span,
        word: String,
        expected: String,
        suggestion: Option<&'static str>,
    },
    /// Any other unexpected text: `found` is the token that stands there.
    Unexpected {
        span: Span,
        found: String,
        expected: String,
        hint: Option<&'static str>,
    },

    // --- Structure.
    /// Parentheses and `not` past [`MAX_CONDITION_DEPTH`].
    ConditionTooDeep { span: Span },
    /// `policy ""` or `allow ""`.
    EmptyName { span: Span, what: &'static str },
    /// A policy name given twice in one source.
    DuplicatePolicy {
        span: Span,
        name: String,
        first: Span,
    },
    /// A policy name given twice in a set, first in another source.
    DuplicatePolicyElsewhere {
        span: Span,
        name: String,
        first_file: String,
        line: usize,
        column: usize,
    },
    /// A statement name given twice in one policy.
    DuplicateStatement {
        span: Span,
        name: String,
        policy: String,
        first: Span,
    },
    /// Two lines of one kind in one statement.
    DuplicateMatcher {
        span: Span,
        statement: String,
        kind: MatcherKind,
        first: Span,
    },
    /// A statement without a line of this kind.
    MissingMatcher {
        span: Span,
        statement: String,
        kind: MatcherKind,
    },
    /// `when { }`.
    EmptyBlock { span: Span, kind: BlockKind },
    /// The first pattern past `max_patterns_per_line`.
    TooManyPatterns {
        span: Span,
        kind: MatcherKind,
        max: usize,
    },

    // --- Patterns.
    /// `""` as a pattern.
    EmptyPattern { span: Span },
    /// A pattern longer than `max_pattern_bytes`.
    PatternTooLong { span: Span, len: usize, max: usize },
    /// A pattern with more wildcards than `max_pattern_wildcards`.
    TooManyWildcards {
        span: Span,
        count: usize,
        max: usize,
    },
    /// A pattern whose alternatives expand past `max_alternatives`.
    TooManyAlternatives {
        span: Span,
        pattern: String,
        count: usize,
        max: usize,
    },
    /// Glob syntax the language refuses.
    InvalidGlob {
        span: Span,
        pattern: String,
        error: globset::ErrorKind,
    },
    /// A resource pattern with a `.` or `..` segment.
    DotSegment { span: Span, pattern: String },
    /// `${` without `}`.
    UnclosedVariable { span: Span },
    /// `${}`.
    EmptyVariable { span: Span },
    /// A variable in a principal or action pattern.
    VariableNotAllowed { span: Span, kind: MatcherKind },
    /// A key that cannot stand in a variable.
    NotAVariable { span: Span, key: String },
    /// `${context.a.b}`: a nested attribute is not a variable.
    NestedVariable { span: Span, key: String },
    /// A variable inside `{...}`.
    VariableInAlternatives { span: Span },
    /// A variable inside `[...]`.
    VariableInClass { span: Span },

    // --- Keys, literals and types.
    /// An attribute name that is neither fixed nor custom.
    UnknownKey {
        span: Span,
        text: String,
        hint: String,
    },
    /// A quoted name where only a custom attribute's name may be quoted.
    MisplacedQuotedName {
        span: Span,
        text: String,
        suggestion: Option<String>,
    },
    /// `context.""`.
    EmptyAttributeName { span: Span, prefix: &'static str },
    /// A string escape other than `\"`, `\\`, `\n` and `\t`.
    UnknownEscape { span: Span, escape: String },
    /// A bare key that is not boolean.
    NotBoolean {
        span: Span,
        key: KeyPath,
        ty: ValueType,
        example: String,
    },
    /// `at` after a key other than `time_of_day` and `weekday`.
    OffsetNotAllowed { span: Span, key: KeyPath },
    /// An `at` offset that does not read.
    InvalidOffset { span: Span, text: String },
    /// A custom attribute compared with a clock literal.
    CustomClockLiteral {
        span: Span,
        key: KeyPath,
        other: ValueType,
    },
    /// An operator or operand shape the key's type does not allow.
    OperatorMismatch {
        span: Span,
        key: KeyPath,
        verb: &'static str,
        why: String,
        example: String,
    },
    /// `in`, `like`, `ilike` or `contains` with a key on the right.
    KeyOperator { span: Span, op: CompareOp },
    /// Two keys of different types compared.
    KeyTypesDiffer {
        span: Span,
        left: KeyPath,
        left_ty: ValueType,
        right: KeyPath,
        right_ty: ValueType,
    },
    /// Two keys compared with an operator their type does not allow.
    KeyOperatorMismatch {
        span: Span,
        key: KeyPath,
        ty: ValueType,
        op: CompareOp,
    },
    /// `context.a.b.c...` past [`crate::ContextPath::MAX_NAMES`] names.
    TooManyNames {
        span: Span,
        text: String,
        count: usize,
        max: usize,
    },
    /// `any` / `all` over a key that does not hold a set.
    NotASet {
        span: Span,
        quantifier: Quantifier,
        key: KeyPath,
        ty: ValueType,
    },
    /// `any K contains "x"`.
    QuantifiedContains {
        span: Span,
        quantifier: Quantifier,
        key: KeyPath,
    },
    /// `any K == other.key`: a quantifier compares items with literals only.
    QuantifiedKeyOperand { span: Span, quantifier: Quantifier },
    /// `in []`.
    EmptyList { span: Span },
    /// A range that can never hold.
    EmptyRange {
        span: Span,
        start: String,
        end: String,
        why: &'static str,
    },
    /// A literal that is not of the type wanted there, or malformed.
    Literal {
        span: Span,
        problem: literal::Problem,
    },
}

impl Problem {
    /// The diagnostic users see for this problem, located in `map`.
    pub(super) fn diagnostic(self, map: &SourceMap) -> Diagnostic {
        use DiagnosticKind as K;
        use Problem as P;
        match self {
            P::SourceTooLong { len, max } => map
                .diagnostic(
                    K::LimitExceeded,
                    Span::new(0, 0),
                    format!(
                        "the source is {len} bytes long; the limit is {max} bytes (max_source_bytes)"
                    ),
                )
                .hint("split the policy set into smaller files, or raise the limit")
                .build(),
            P::TooManyStatements { span, total, max } => map
                .diagnostic(
                    K::LimitExceeded,
                    span,
                    format!(
                        "the policy set holds {total} statements; the limit is {max} (max_statements)"
                    ),
                )
                .hint("this is the first statement past the limit; split the set, or raise the limit")
                .build(),
            P::UnterminatedString { span } => map
                .diagnostic(K::UnterminatedString, span, "unterminated string")
                .expected("a closing `\"` on the same line")
                .hint("strings cannot span lines; close the quote with `\"`")
                .build(),
            P::TooDeepToParse { span } => map
                .diagnostic(K::Syntax, span, "text nests too deeply to parse")
                .hint(format!(
                    "parentheses and `not` may nest at most {MAX_CONDITION_DEPTH} levels deep, and `{{` alternatives cannot nest"
                ))
                .build(),
            P::UnexpectedEnd {
                at,
                expected,
                missing_brace,
            } => {
                let mut d = map.diagnostic(K::Syntax, Span::new(at, at), "unexpected end of file");
                if !expected.is_empty() {
                    d = d.expected(expected);
                }
                if missing_brace {
                    d = d.hint("a closing `}` is missing");
                }
                d.build()
            }
            P::UnknownKeyword {
                span,
                word,
                expected,
                suggestion,
            } => {
                let mut d = map
                    .diagnostic(K::UnknownKeyword, span, format!("unknown keyword `{word}`"))
                    .expected(expected);
                if let Some(suggestion) = suggestion {
                    d = d.hint(format!("did you mean `{suggestion}`?"));
                }
                d.build()
            }
            P::Unexpected {
                span,
                found,
                expected,
                hint,
            } => {
                // An invisible character (a control character, a no-break
                // or zero-width space, a byte order mark) is named by its
                // code point.
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
                let mut d = map.diagnostic(K::Syntax, span, message);
                if !expected.is_empty() {
                    d = d.expected(expected);
                }
                if let Some(hint) = hint {
                    d = d.hint(hint);
                }
                d.build()
            }
            P::ConditionTooDeep { span } => map
                .diagnostic(K::Syntax, span, "condition nests too deeply")
                .hint(format!(
                    "parentheses and `not` may nest at most {MAX_CONDITION_DEPTH} levels deep; simplify the condition"
                ))
                .build(),
            P::EmptyName { span, what } => map
                .diagnostic(K::Syntax, span, format!("a {what} name cannot be empty"))
                .build(),
            P::DuplicatePolicy { span, name, first } => map
                .diagnostic(
                    K::DuplicatePolicy,
                    span,
                    format!("policy `{name}` is defined twice"),
                )
                .related(map.related(first, "first defined here"))
                .hint("policy names must be unique across the policy set; rename one")
                .build(),
            // A related place carries no file name and is rendered with this
            // source's text, so one in another source is named in the hint
            // instead of being drawn on the wrong line.
            P::DuplicatePolicyElsewhere {
                span,
                name,
                first_file,
                line,
                column,
            } => map
                .diagnostic(
                    K::DuplicatePolicy,
                    span,
                    format!("policy `{name}` is defined twice"),
                )
                .hint(format!(
                    "first defined in {first_file}:{line}:{column}; policy names must be unique across the policy set, rename one"
                ))
                .build(),
            P::DuplicateStatement {
                span,
                name,
                policy,
                first,
            } => map
                .diagnostic(
                    K::DuplicateStatement,
                    span,
                    format!("statement `{name}` is defined twice in policy `{policy}`"),
                )
                .related(map.related(first, "first defined here"))
                .hint("statement names must be unique within a policy; rename one")
                .build(),
            P::DuplicateMatcher {
                span,
                statement,
                kind,
                first,
            } => map
                .diagnostic(
                    K::DuplicateMatcher,
                    span,
                    format!("statement `{statement}` has two `{}` lines", kind.keyword()),
                )
                .related(map.related(first, "first given here"))
                .hint("list several patterns on one line, separated by commas")
                .build(),
            P::MissingMatcher {
                span,
                statement,
                kind,
            } => map
                .diagnostic(
                    K::MissingMatcher,
                    span,
                    format!("statement `{statement}` has no `{}` line", kind.keyword()),
                )
                .expected(format!(
                    "{} `{}` line",
                    if kind == MatcherKind::Action { "an" } else { "a" },
                    kind.keyword()
                ))
                .hint(format!(
                    "write `{} *` to match every {}",
                    kind.keyword(),
                    kind.keyword()
                ))
                .build(),
            P::EmptyBlock { span, kind } => map
                .diagnostic(
                    K::Syntax,
                    span,
                    format!(
                        "empty `{}` block",
                        if kind == BlockKind::When { "when" } else { "unless" }
                    ),
                )
                .hint("write at least one condition, or remove the block")
                .build(),
            P::TooManyPatterns { span, kind, max } => map
                .diagnostic(
                    K::LimitExceeded,
                    span,
                    format!(
                        "the {} line holds more than {max} patterns (max_patterns_per_line)",
                        kind.keyword()
                    ),
                )
                .hint("this is the first pattern past the limit; split the statement, use a group or a wider pattern, or raise the limit")
                .build(),
            P::EmptyPattern { span } => map
                .diagnostic(K::InvalidGlob, span, "a pattern cannot be empty")
                .build(),
            P::PatternTooLong { span, len, max } => limit_of_pattern(
                map,
                span,
                format!(
                    "the pattern is {len} bytes long; the limit is {max} bytes (max_pattern_bytes)"
                ),
            ),
            P::TooManyWildcards { span, count, max } => limit_of_pattern(
                map,
                span,
                format!(
                    "the pattern holds {count} wildcards; the limit is {max} (max_pattern_wildcards)"
                ),
            ),
            P::TooManyAlternatives {
                span,
                pattern,
                count,
                max,
            } => map
                .diagnostic(
                    K::LimitExceeded,
                    span,
                    format!(
                        "pattern `{pattern}` expands to {count} alternatives; at most {max} are allowed (max_alternatives)"
                    ),
                )
                .hint("split it into several patterns or use `*`")
                .build(),
            P::InvalidGlob {
                span,
                pattern,
                error,
            } => map
                .diagnostic(
                    K::InvalidGlob,
                    span,
                    format!("invalid pattern `{pattern}`: {}", glob_error_text(&error)),
                )
                .hint(glob_error_hint(&error))
                .build(),
            P::DotSegment { span, pattern } => map
                .diagnostic(
                    K::InvalidGlob,
                    span,
                    format!("pattern `{pattern}` holds a `.` or `..` segment"),
                )
                .hint("secret paths are matched as written; remove the `.` or `..` segment")
                .build(),
            P::UnclosedVariable { span } => map
                .diagnostic(K::InvalidVariable, span, "unclosed policy variable")
                .hint("close it with `}`, as in `${principal.id}`")
                .build(),
            P::EmptyVariable { span } => map
                .diagnostic(K::InvalidVariable, span, "empty policy variable `${}`")
                .hint("name a request attribute, as in `${principal.id}`")
                .build(),
            P::VariableNotAllowed { span, kind } => map
                .diagnostic(
                    K::InvalidVariable,
                    span,
                    format!(
                        "policy variables are not allowed in `{}` patterns",
                        kind.keyword()
                    ),
                )
                .hint("use `${...}` in `resource` patterns only")
                .build(),
            P::NestedVariable { span, key } => map
                .diagnostic(
                    K::InvalidVariable,
                    span,
                    format!("`{key}` cannot be used as a policy variable: a variable reads one name after `context.`"),
                )
                .hint("compare a nested attribute in a condition instead, as in `when { context.a.b == \"x\" }`")
                .build(),
            P::NotAVariable { span, key } => map
                .diagnostic(
                    K::InvalidVariable,
                    span,
                    format!("`{key}` cannot be used as a policy variable"),
                )
                .hint("variables take string attributes: `principal.id`, `principal.tags.NAME`, `resource.tags.NAME`, `context.NAME`, `version_stage`")
                .build(),
            P::VariableInAlternatives { span } => map
                .diagnostic(
                    K::InvalidVariable,
                    span,
                    "a policy variable cannot stand inside `{...}` alternatives",
                )
                .hint("write one pattern per alternative, separated by commas")
                .build(),
            P::VariableInClass { span } => map
                .diagnostic(
                    K::InvalidVariable,
                    span,
                    "a policy variable cannot stand inside a `[...]` class",
                )
                .hint("a variable's value is matched literally; close the class before `${`")
                .build(),
            P::UnknownKey { span, text, hint } => map
                .diagnostic(K::UnknownKey, span, format!("unknown attribute `{text}`"))
                .expected("a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`")
                .hint(hint)
                .build(),
            P::MisplacedQuotedName {
                span,
                text,
                suggestion,
            } => map
                .diagnostic(K::UnknownKey, span, format!("unknown attribute `{text}`"))
                .expected("a request attribute such as `source_ip`, `principal.tags.NAME` or `context.NAME`")
                .hint(suggestion.map_or_else(
                    || "only a custom attribute's name may be quoted, as in `context.\"aws:SourceVpce\"` or `principal.tags.\"cost center\"`".to_string(),
                    |s| format!("did you mean `{s}`?"),
                ))
                .build(),
            P::EmptyAttributeName { span, prefix } => map
                .diagnostic(K::UnknownKey, span, format!("empty attribute name after `{prefix}`"))
                .expected("a name, bare (`ticket`) or quoted (`\"aws:SourceVpce\"`)")
                .build(),
            P::UnknownEscape { span, escape } => map
                .diagnostic(K::InvalidEscape, span, format!("unknown escape `{escape}`"))
                .hint("strings know `\\\"`, `\\\\`, `\\n` and `\\t`")
                .build(),
            P::NotBoolean {
                span,
                key,
                ty,
                example,
            } => map
                .diagnostic(
                    K::TypeMismatch,
                    span,
                    format!("`{key}` holds {}, not a boolean", with_article(ty.describe())),
                )
                .hint(format!("compare it with an operator, as in `{example}`"))
                .build(),
            P::OffsetNotAllowed { span, key } => {
                let hint = if key == KeyPath::Time {
                    "remove `at ...`; timestamps carry their own offset"
                } else {
                    "remove `at ...`"
                };
                map.diagnostic(
                    K::TypeMismatch,
                    span,
                    format!("`at` applies to `time_of_day` and `weekday`, not `{key}`"),
                )
                .hint(hint)
                .build()
            }
            P::InvalidOffset { span, text } => map
                .diagnostic(K::InvalidLiteral, span, format!("invalid UTC offset `{text}`"))
                .expected("`UTC`, `+HH:MM` or `-HH:MM`")
                .hint("for example `at +02:00` or `at UTC-05:00`")
                .build(),
            P::CustomClockLiteral { span, key, other } => map
                .diagnostic(
                    K::TypeMismatch,
                    span,
                    format!(
                        "custom attribute `{key}` cannot be compared with {}",
                        with_article(other.describe())
                    ),
                )
                .expected("a quoted string, a number, `true` or `false`, an IP address, a CIDR range, a timestamp or a duration")
                .hint("clock times apply to `time_of_day`; a custom attribute holds a timestamp (an RFC 3339 string) or a duration (whole seconds), not a time of day")
                .build(),
            P::KeyOperator { span, op } => map
                .diagnostic(
                    K::TypeMismatch,
                    span,
                    format!("`{}` takes a value on its right, not an attribute", op.symbol()),
                )
                .expected("`==`, `!=`, `<`, `<=`, `>` or `>=` between two attributes")
                .hint("compare two attributes with `==`, `!=`, `<`, `<=`, `>` or `>=`; write a literal after `in`, `like`, `ilike` and `contains`")
                .build(),
            P::KeyTypesDiffer {
                span,
                left,
                left_ty,
                right,
                right_ty,
            } => map
                .diagnostic(
                    K::TypeMismatch,
                    span,
                    format!(
                        "`{left}` holds {} and `{right}` {}; they cannot be compared",
                        with_article(left_ty.describe()),
                        with_article(right_ty.describe())
                    ),
                )
                .hint("compare two attributes of one type, or a custom attribute (`context.NAME`) with any")
                .build(),
            P::KeyOperatorMismatch { span, key, ty, op } => {
                let ops = ty.key_comparison_ops();
                let d = map.diagnostic(
                    K::TypeMismatch,
                    span,
                    format!(
                        "`{key}` holds {}; `{}` cannot compare it with another attribute",
                        with_article(ty.describe()),
                        op.symbol()
                    ),
                );
                if ops.is_empty() {
                    d.hint(format!(
                        "{} cannot be compared with another attribute; compare it with a literal",
                        with_article(ty.describe())
                    ))
                    .build()
                } else {
                    let names: Vec<String> =
                        ops.iter().map(|o| format!("`{}`", o.symbol())).collect();
                    d.expected(names.join(", ")).build()
                }
            }
            P::OperatorMismatch {
                span,
                key,
                verb,
                why,
                example,
            } => map
                .diagnostic(K::TypeMismatch, span, format!("`{key}` {verb} {why}"))
                .hint(format!("for example `{example}`"))
                .build(),
            P::TooManyNames {
                span,
                text,
                count,
                max,
            } => map
                .diagnostic(
                    K::UnknownKey,
                    span,
                    format!("`{text}` has {count} names after `context.`; the limit is {max}"),
                )
                .hint(format!(
                    "a custom attribute reads at most {max} levels of nested objects, as in `context.parameters.ttl`"
                ))
                .build(),
            P::NotASet {
                span,
                quantifier,
                key,
                ty,
            } => map
                .diagnostic(
                    K::TypeMismatch,
                    span,
                    format!(
                        "`{}` takes a set, but `{key}` holds {}",
                        quantifier.keyword(),
                        with_article(ty.describe())
                    ),
                )
                .expected("`principal.groups` or a custom attribute `context.NAME`")
                .hint(format!(
                    "compare the key itself, without `{}`",
                    quantifier.keyword()
                ))
                .build(),
            P::QuantifiedContains {
                span,
                quantifier,
                key,
            } => map
                .diagnostic(
                    K::TypeMismatch,
                    span,
                    format!(
                        "`contains` tests the whole set; it cannot follow `{}`",
                        quantifier.keyword()
                    ),
                )
                .hint(format!(
                    "write `any {key} == \"x\"`, or `{key} contains \"x\"` without `{}`",
                    quantifier.keyword()
                ))
                .build(),
            P::QuantifiedKeyOperand { span, quantifier } => map
                .diagnostic(
                    K::TypeMismatch,
                    span,
                    format!(
                        "`{}` compares each item with a value, not an attribute",
                        quantifier.keyword()
                    ),
                )
                .hint("write a literal on the right, such as `\"x\"`, `[\"a\", \"b\"]` or `1 .. 5`")
                .build(),
            P::EmptyList { span } => map
                .diagnostic(K::InvalidLiteral, span, "empty list")
                .hint("list at least one value; `in []` could never hold")
                .build(),
            P::EmptyRange {
                span,
                start,
                end,
                why,
            } => map
                .diagnostic(
                    K::InvalidLiteral,
                    span,
                    format!("empty range `{start} .. {end}`"),
                )
                .hint(why)
                .build(),
            P::Literal { span, problem } => {
                let kind = if problem.wrong_type {
                    K::TypeMismatch
                } else {
                    K::InvalidLiteral
                };
                map.diagnostic(kind, span, problem.message)
                    .expected(problem.expected)
                    .hint(problem.hint)
                    .build()
            }
        }
    }
}

/// A pattern past a size limit: one hint for both limits.
fn limit_of_pattern(map: &SourceMap, span: Span, message: String) -> Diagnostic {
    map.diagnostic(DiagnosticKind::LimitExceeded, span, message)
        .hint("a pattern's size bounds the cost of matching it on every request; shorten it, split it into several patterns, or raise the limit")
        .build()
}

/// `noun` with `a` or `an` before it.
pub(super) fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'I']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
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
