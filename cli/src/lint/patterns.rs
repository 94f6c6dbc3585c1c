//! What the linter can prove about glob patterns: whether one matcher line
//! covers another, whether two patterns are disjoint, and whether a resource
//! pattern can reach a top-level folder such as `prod/`.
//!
//! Every answer is conservative: `true` only when it is proven from the
//! patterns' syntax trees (read once by the parser). A pattern the analysis
//! does not read (an escaped character, too many alternatives) is never
//! proven to cover, be disjoint from, or reach anything, except through the
//! match-all patterns `*` and `**`.

use policy_lang::{Matcher, MatcherKind, Pattern, PatternNode, Span};

/// Patterns with more alternatives than this are not analysed.
const MAX_ALTERNATIVES: usize = 64;

/// One element of a pattern once `{a,b}` alternatives are expanded.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A character matched as itself.
    Lit(char),
    /// `${key}`: a request value, matched literally, never holding `/`.
    Var(String),
    /// `*`: any run of characters (inside one segment for resources).
    Star,
    /// `**` standing alone between slashes in a resource pattern.
    DoubleStar,
    /// `?`: one character (not `/` in resources).
    Any,
    /// `[a-z]` or `[!a-z]`: one character from (or not from) the class.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A pattern prepared for analysis.
#[derive(Debug, Clone)]
pub struct PatternShape {
    /// A `group:` principal pattern (matches group membership, not the id).
    pub is_group: bool,
    /// `*` or `**`: matches every value.
    pub match_all: bool,
    /// The alternatives after expanding `{a,b}`; `None` when unreadable.
    pub alts: Option<Vec<Vec<Tok>>>,
    /// Where the pattern stood.
    pub span: Span,
}

/// A matcher line prepared for analysis.
#[derive(Debug, Clone)]
pub struct MatcherShape {
    /// Principal, action or resource.
    pub kind: MatcherKind,
    /// `not principal|action|resource`.
    pub negated: bool,
    /// The line's patterns.
    pub patterns: Vec<PatternShape>,
}

/// The raw token stream, with alternative groups still in it.
#[derive(Debug, Clone)]
enum Raw {
    Tok(Tok),
    Open,
    Comma,
    Close,
}

impl PatternShape {
    /// Prepares one pattern of a matcher of `kind`.
    pub fn new(pattern: &Pattern, kind: MatcherKind) -> PatternShape {
        let alts = tokenize(&pattern.nodes, kind).and_then(|raw| expand(&raw));
        PatternShape {
            is_group: pattern.is_group,
            match_all: pattern.is_match_all(),
            alts,
            span: pattern.span,
        }
    }

    /// A resource pattern built from glob text, such as `prod/**` (one
    /// that does not read is never proven to match anything).
    pub fn resource(glob: &str) -> PatternShape {
        let nodes = policy_lang::parse_glob(glob, true).ok();
        let alts = nodes
            .as_deref()
            .and_then(|nodes| tokenize(nodes, MatcherKind::Resource))
            .and_then(|raw| expand(&raw));
        PatternShape {
            is_group: false,
            match_all: glob == "*" || glob == "**",
            alts,
            span: Span::default(),
        }
    }
}

impl MatcherShape {
    /// Prepares a matcher line.
    pub fn new(matcher: &Matcher) -> MatcherShape {
        MatcherShape {
            kind: matcher.kind,
            negated: matcher.negated,
            patterns: matcher
                .patterns
                .iter()
                .map(|p| PatternShape::new(p, matcher.kind))
                .collect(),
        }
    }

    /// True when the line is not negated and holds `*` or `**`.
    pub fn matches_everything(&self) -> bool {
        !self.negated && self.patterns.iter().any(|p| p.match_all)
    }

    /// True when every value this line matches is proven to be matched by
    /// `self` too.
    pub fn covers(&self, other: &MatcherShape) -> bool {
        if self.matches_everything() {
            return true;
        }
        match (self.negated, other.negated) {
            (false, false) => all_covered(&self.patterns, &other.patterns, self.kind),
            // not A covers not B exactly when B covers A.
            (true, true) => all_covered(&other.patterns, &self.patterns, self.kind),
            // not A covers B when B and A share no value.
            (true, false) => other.patterns.iter().all(|b| {
                self.patterns
                    .iter()
                    .all(|a| disjoint_patterns(a, b, self.kind))
            }),
            (false, true) => false,
        }
    }
}

/// Every pattern of `covered` is covered by some pattern of `by`.
fn all_covered(by: &[PatternShape], covered: &[PatternShape], kind: MatcherKind) -> bool {
    covered
        .iter()
        .all(|b| by.iter().any(|a| covers_pattern(a, b, kind)))
}

/// True when every value `b` matches is proven to be matched by `a`.
pub fn covers_pattern(a: &PatternShape, b: &PatternShape, kind: MatcherKind) -> bool {
    if a.match_all {
        return true;
    }
    if a.is_group != b.is_group {
        return false;
    }
    let (Some(a_alts), Some(b_alts)) = (&a.alts, &b.alts) else {
        return false;
    };
    b_alts
        .iter()
        .all(|b_alt| a_alts.iter().any(|a_alt| covers_alt(a_alt, b_alt, kind)))
}

/// One alternative covers another: identical, or `L*` (principals and
/// actions), `L/**` or `L/*` (resources) over a pattern that starts with `L`.
fn covers_alt(a: &[Tok], b: &[Tok], kind: MatcherKind) -> bool {
    if a == b {
        return true;
    }
    let (prefix, rest) = split_literal_prefix(a);
    let (b_prefix, _) = split_literal_prefix(b);
    if !b_prefix.starts_with(&prefix) {
        return false;
    }
    match (kind, rest) {
        (MatcherKind::Resource, [Tok::DoubleStar]) => prefix.ends_with('/'),
        (MatcherKind::Resource, [Tok::Star]) => {
            prefix.ends_with('/') && stays_in_segment(b.get(prefix.chars().count()..))
        }
        (MatcherKind::Principal | MatcherKind::Action, [Tok::Star | Tok::DoubleStar]) => true,
        _ => false,
    }
}

/// True when `rest` cannot match a `/`.
fn stays_in_segment(rest: Option<&[Tok]>) -> bool {
    rest.is_some_and(|tokens| {
        tokens
            .iter()
            .all(|t| !matches!(t, Tok::Lit('/') | Tok::DoubleStar))
    })
}

/// True when no value is proven to match both patterns: both read the same
/// thing and every pair of alternatives starts with diverging literal text.
pub fn disjoint_patterns(a: &PatternShape, b: &PatternShape, kind: MatcherKind) -> bool {
    if a.match_all || b.match_all {
        return false;
    }
    if kind == MatcherKind::Principal && a.is_group != b.is_group {
        return false;
    }
    let (Some(a_alts), Some(b_alts)) = (&a.alts, &b.alts) else {
        return false;
    };
    a_alts.iter().all(|x| {
        b_alts.iter().all(|y| {
            let (px, _) = split_literal_prefix(x);
            let (py, _) = split_literal_prefix(y);
            !px.starts_with(&py) && !py.starts_with(&px)
        })
    })
}

/// True when the resource pattern can match a path below the top-level
/// folder `top` (such as `prod`): its first segment can be `top`, or is `**`.
/// A policy variable may hold any value, `top` included.
pub fn reaches_top(pattern: &PatternShape, top: &str) -> bool {
    if pattern.match_all {
        return true;
    }
    let Some(alts) = &pattern.alts else {
        return false;
    };
    let top: Vec<char> = top.chars().collect();
    alts.iter().any(|alt| {
        let mut segments = alt.split(|t| *t == Tok::Lit('/'));
        let first = segments.next().unwrap_or_default();
        first == [Tok::DoubleStar] || (segments.next().is_some() && segment_matches(first, &top))
    })
}

/// True when one of the pattern's alternatives starts with the literal
/// folder `top/`.
pub fn names_top(pattern: &PatternShape, top: &str) -> bool {
    let folder = format!("{top}/");
    pattern.alts.as_ref().is_some_and(|alts| {
        alts.iter()
            .any(|alt| split_literal_prefix(alt).0.starts_with(&folder))
    })
}

/// True when a negated resource line can match a path below `top`: none of
/// its patterns covers `top/**`.
pub fn negated_reaches_top(matcher: &MatcherShape, top: &str) -> bool {
    let subtree = PatternShape::resource(&format!("{top}/**"));
    !matcher
        .patterns
        .iter()
        .any(|p| covers_pattern(p, &subtree, MatcherKind::Resource))
}

/// The literal text an alternative starts with, and the tokens after it.
fn split_literal_prefix(alt: &[Tok]) -> (String, &[Tok]) {
    let count = alt.iter().take_while(|t| matches!(t, Tok::Lit(_))).count();
    let (head, rest) = alt.split_at(count);
    let prefix = head
        .iter()
        .filter_map(|t| match t {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    (prefix, rest)
}

/// True when the segment's tokens match `text` entirely.
fn segment_matches(tokens: &[Tok], text: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match first {
        Tok::Star => (0..=text.len()).any(|i| segment_matches(rest, text.get(i..).unwrap_or(&[]))),
        Tok::Lit(c) => {
            text.first() == Some(c) && segment_matches(rest, text.get(1..).unwrap_or(&[]))
        }
        Tok::Any => !text.is_empty() && segment_matches(rest, text.get(1..).unwrap_or(&[])),
        Tok::Class { negated, ranges } => text.first().is_some_and(|c| {
            let inside = ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c));
            inside != *negated && segment_matches(rest, text.get(1..).unwrap_or(&[]))
        }),
        // A variable's value is any non-empty text without `/`.
        Tok::Var(_) => {
            (1..=text.len()).any(|i| segment_matches(rest, text.get(i..).unwrap_or(&[])))
        }
        Tok::DoubleStar => false,
    }
}

/// The tokens of a pattern's nodes, with its alternative groups in them;
/// `None` for a pattern the analysis does not read (an escaped character).
fn tokenize(nodes: &[PatternNode], kind: MatcherKind) -> Option<Vec<Raw>> {
    let mut out = Vec::new();
    for node in nodes {
        if let PatternNode::Alternatives(choices) = node {
            out.push(Raw::Open);
            for (i, choice) in choices.iter().enumerate() {
                if i > 0 {
                    out.push(Raw::Comma);
                }
                for node in choice {
                    push_tokens(node, kind, &mut out)?;
                }
            }
            out.push(Raw::Close);
        } else {
            push_tokens(node, kind, &mut out)?;
        }
    }
    Some(out)
}

/// Appends the tokens of a node other than alternatives to `out`.
fn push_tokens(node: &PatternNode, kind: MatcherKind, out: &mut Vec<Raw>) -> Option<()> {
    let tok = match node {
        PatternNode::Literal(text) => {
            out.extend(text.chars().map(|c| Raw::Tok(Tok::Lit(c))));
            return Some(());
        }
        PatternNode::Star => Tok::Star,
        PatternNode::DoubleStar if kind == MatcherKind::Resource => Tok::DoubleStar,
        PatternNode::DoubleStar => Tok::Star,
        PatternNode::AnyChar => Tok::Any,
        PatternNode::Class(class) => Tok::Class {
            negated: class.negated(),
            ranges: class.ranges(),
        },
        PatternNode::Variable(key) => Tok::Var(key.to_string()),
        PatternNode::Escaped(_) | PatternNode::Alternatives(_) => return None,
    };
    out.push(Raw::Tok(tok));
    Some(())
}

/// Expands `{a,b}` groups (not nested) into alternatives.
fn expand(raw: &[Raw]) -> Option<Vec<Vec<Tok>>> {
    let mut out: Vec<Vec<Tok>> = vec![Vec::new()];
    let mut options: Option<Vec<Vec<Tok>>> = None;
    for item in raw {
        match (item, options.as_mut()) {
            (Raw::Tok(t), None) => out.iter_mut().for_each(|alt| alt.push(t.clone())),
            (Raw::Tok(t), Some(opts)) => opts.last_mut()?.push(t.clone()),
            (Raw::Open, None) => options = Some(vec![Vec::new()]),
            (Raw::Comma, Some(opts)) => opts.push(Vec::new()),
            (Raw::Close, Some(_)) => {
                let opts = options.take()?;
                out = cross(&out, &opts);
                if out.len() > MAX_ALTERNATIVES {
                    return None;
                }
            }
            _ => return None,
        }
    }
    options.is_none().then_some(out)
}

fn cross(heads: &[Vec<Tok>], tails: &[Vec<Tok>]) -> Vec<Vec<Tok>> {
    heads
        .iter()
        .flat_map(|h| {
            tails.iter().map(move |t| {
                let mut alt = h.clone();
                alt.extend(t.iter().cloned());
                alt
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn shape(kind: MatcherKind, line: &str) -> MatcherShape {
        let source = match kind {
            MatcherKind::Principal => {
                format!("policy \"p\" {{ allow \"a\" {{ {line} action * resource x }} }}")
            }
            MatcherKind::Action => {
                format!("policy \"p\" {{ allow \"a\" {{ principal * {line} resource x }} }}")
            }
            MatcherKind::Resource => {
                format!("policy \"p\" {{ allow \"a\" {{ principal * action * {line} }} }}")
            }
        };
        let file = policy_lang::parse("t.policy", &source).unwrap();
        let statement = &file.policies[0].statements[0];
        let matcher = match kind {
            MatcherKind::Principal => &statement.principal,
            MatcherKind::Action => &statement.action,
            MatcherKind::Resource => &statement.resource,
        };
        MatcherShape::new(matcher)
    }

    fn res(line: &str) -> MatcherShape {
        if line.starts_with("not ") {
            shape(MatcherKind::Resource, line)
        } else {
            shape(MatcherKind::Resource, &format!("resource {line}"))
        }
    }

    #[test]
    fn resource_coverage() {
        assert!(res("**").covers(&res("prod/payment/**")));
        assert!(res("prod/**").covers(&res("prod/payment/**")));
        assert!(res("prod/**").covers(&res("prod/${principal.tags.team}/**")));
        assert!(res("prod/**").covers(&res("{prod/a,prod/b}")));
        assert!(res("prod/*").covers(&res("prod/db-?")));
        assert!(res("prod/payment/**").covers(&res("prod/payment/**")));
        assert!(!res("prod/*").covers(&res("prod/a/b")));
        assert!(!res("prod/**").covers(&res("production/**")));
        assert!(!res("prod/**").covers(&res("prod")));
        assert!(!res("prod/**").covers(&res("*/db")));
        assert!(!res("prod/payment/**").covers(&res("prod/**")));
        assert!(!res("prod/**").covers(&res("not resource dev/**")));
        assert!(res("not resource dev/**").covers(&res("prod/**")));
        assert!(!res("not resource dev/**").covers(&res("d*/x")));
        assert!(res("not resource dev/**").covers(&res("not resource dev/**, x")));
    }

    #[test]
    fn principal_and_action_coverage() {
        let p = |s: &str| shape(MatcherKind::Principal, &format!("principal {s}"));
        let a = |s: &str| shape(MatcherKind::Action, &format!("action {s}"));
        assert!(p("*").covers(&p("group:ops")));
        assert!(p("group:*").covers(&p("group:ops")));
        assert!(!p("g*").covers(&p("group:ops")));
        assert!(!p("group:ops").covers(&p("user:alice")));
        assert!(a("secrets:*").covers(&a("secrets:Get*, secrets:PutSecretValue")));
        assert!(!a("secrets:Get*").covers(&a("secrets:*")));
    }

    #[test]
    fn reaching_production() {
        let reaches = |s: &str| reaches_top(&res(s).patterns[0], "prod");
        assert!(reaches("prod/**"));
        assert!(reaches("*/db"));
        assert!(reaches("**/db"));
        assert!(reaches("**"));
        assert!(reaches("{dev,prod}/app"));
        assert!(reaches("p[a-z]od/x"));
        assert!(!reaches("production/x"));
        assert!(!reaches("dev/**"));
        assert!(reaches("${principal.tags.env}/db"));
        assert!(reaches("p${principal.tags.env}/db"));
        assert!(!reaches("x${principal.tags.env}/db"));
        assert!(!reaches("dev/${principal.tags.env}/db"));
        assert!(!reaches("pro"));
        assert!(!reaches("p[!r]od/x"));
        assert!(reaches_top(&res("prod*/x").patterns[0], "production"));
        assert!(negated_reaches_top(&res("not resource dev/**"), "prod"));
        assert!(!negated_reaches_top(&res("not resource prod/**"), "prod"));
    }

    #[test]
    fn disjointness() {
        assert!(disjoint_patterns(
            &res("prod/**").patterns[0],
            &res("production/**").patterns[0],
            MatcherKind::Resource
        ));
        assert!(!disjoint_patterns(
            &res("prod*").patterns[0],
            &res("production/**").patterns[0],
            MatcherKind::Resource
        ));
    }
}
