//! A plain reference interpreter: the decision rules written as directly as
//! possible, to check the compiled [`Engine`](crate::Engine) against.
//!
//! It walks the parsed policy files for every request, statement by
//! statement, with no index and no precompiled matcher: globs are built with
//! `globset` at decision time and conditions are evaluated straight from the
//! AST. It is slow on purpose and shares no code with the engine's matchers
//! or conditions, so that a mistake in one is not repeated in the other.
//!
//! # Rules
//!
//! - A statement applies when its principal, action and resource lines match
//!   and every condition block holds (`when`: its expressions are all true;
//!   `unless`: they are not). Truth is three-valued: reading a value the
//!   request does not carry (or carries with another type) gives *unknown*,
//!   and `and`, `or`, `not` follow Kleene's rules.
//! - An allow applies only when it is true; a deny applies when it is true or
//!   unknown (it fails closed).
//! - Any applicable deny decides (`Deny`, [`Reason::ExplicitDeny`]); else any
//!   applicable allow (`Allow`, [`Reason::Allowed`]); else `Deny`,
//!   [`Reason::NoStatementApplied`].
//! - Principal and action patterns are globs in which `*` also matches `/`;
//!   resource patterns are globs in which `*` stays inside one path segment,
//!   except that the whole pattern `*` matches every path (as `**` does).
//!   A policy variable (`${principal.tags.team}`) is replaced by the request's
//!   value with every glob character made literal; a missing value makes the
//!   pattern unknown, and a value that is empty, holds `/`, or is `.` or `..`
//!   makes it not match.

use crate::decision::{Outcome, Reason};
use crate::glob::{GlobSyntax, StaticGlob};
use crate::request::{Attribute, Request};
use chrono::{DateTime, Utc};
use globset::GlobBuilder;
use ipnet::IpNet;
use policy_lang::{
    BlockKind, CompareOp, Comparison, Effect, Expr, ExprKind, KeyComparison, KeyPath, Matcher,
    MatcherKind, Operand, Pattern, PatternNode, PolicyFile, Quantified, Quantifier, Statement,
    Value, ValueKind, ValueType,
};
use std::cmp::Ordering;
use std::net::IpAddr;

/// What the reference interpreter decided, with owned statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceDecision {
    /// Allow or deny.
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// The deciding statements as `(policy, statement)`, in policy-set order:
    /// every applicable deny when one applied, else every applicable allow;
    /// empty when nothing applied.
    pub determining: Vec<(String, String)>,
}

/// Decides `request` against the policy set `files` by walking the AST.
///
/// `now` is the request's time when it carries no `context.time`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use tessera::{policy_lang, reference, Outcome, Reason, Request};
///
/// let files = policy_lang::parse_set(&[("p.policy", r#"policy "p" {
///   allow "read" { principal * action secrets:GetSecretValue resource prod/** }
///   deny "office-only" {
///     principal * action * resource prod/**
///     unless { source_ip in 10.0.0.0/8 }
///   }
/// }"#)]).unwrap();
/// let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
/// let request = Request::new("user:ann", "secrets:GetSecretValue", "prod/db")
///     .with_source_ip("10.1.2.3".parse().unwrap());
///
/// let decision = reference::decide(&files, &request, now);
/// assert_eq!(decision.outcome, Outcome::Allow);
/// assert_eq!(decision.determining, [("p".to_string(), "read".to_string())]);
///
/// // Without a source IP the deny's `unless` is unknown, and a deny fails closed.
/// let mut anywhere = request.clone();
/// anywhere.context.source_ip = None;
/// let decision = reference::decide(&files, &anywhere, now);
/// assert_eq!(decision.reason, Reason::ExplicitDeny);
/// assert_eq!(decision.determining, [("p".to_string(), "office-only".to_string())]);
/// ```
pub fn decide(files: &[PolicyFile], request: &Request, now: DateTime<Utc>) -> ReferenceDecision {
    let now = request.context.time.unwrap_or(now);
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    for file in files {
        for policy in &file.policies {
            for statement in &policy.statements {
                let truth = statement_truth(statement, request, now);
                let name = (policy.name.clone(), statement.name.clone());
                match statement.effect {
                    Effect::Deny if truth != Tri::False => denies.push(name),
                    Effect::Allow if truth == Tri::True => allows.push(name),
                    _ => {}
                }
            }
        }
    }
    if !denies.is_empty() {
        ReferenceDecision {
            outcome: Outcome::Deny,
            reason: Reason::ExplicitDeny,
            determining: denies,
        }
    } else if !allows.is_empty() {
        ReferenceDecision {
            outcome: Outcome::Allow,
            reason: Reason::Allowed,
            determining: allows,
        }
    } else {
        ReferenceDecision {
            outcome: Outcome::Deny,
            reason: Reason::NoStatementApplied,
            determining: Vec::new(),
        }
    }
}

/// Kleene's three truth values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    fn known(b: Option<bool>) -> Tri {
        b.map_or(Tri::Unknown, Tri::of)
    }

    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// False if any is false, else unknown if any is unknown, else true.
fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
    let items: Vec<Tri> = items.into_iter().collect();
    if items.contains(&Tri::False) {
        Tri::False
    } else if items.contains(&Tri::Unknown) {
        Tri::Unknown
    } else {
        Tri::True
    }
}

/// True if any is true, else unknown if any is unknown, else false.
fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
    let items: Vec<Tri> = items.into_iter().collect();
    if items.contains(&Tri::True) {
        Tri::True
    } else if items.contains(&Tri::Unknown) {
        Tri::Unknown
    } else {
        Tri::False
    }
}

fn statement_truth(statement: &Statement, request: &Request, now: DateTime<Utc>) -> Tri {
    let mut parts = vec![
        matcher_truth(&statement.principal, request, now),
        matcher_truth(&statement.action, request, now),
        matcher_truth(&statement.resource, request, now),
    ];
    for block in &statement.conditions {
        let held = all(block.exprs.iter().map(|e| expr_truth(e, request, now)));
        parts.push(match block.kind {
            BlockKind::When => held,
            BlockKind::Unless => held.not(),
        });
    }
    all(parts)
}

// ---------------------------------------------------------------------------
// Matchers.

fn matcher_truth(matcher: &Matcher, request: &Request, now: DateTime<Utc>) -> Tri {
    let line = any(matcher
        .patterns
        .iter()
        .map(|p| pattern_truth(matcher.kind, p, request, now)));
    if matcher.negated { line.not() } else { line }
}

fn pattern_truth(
    kind: MatcherKind,
    pattern: &Pattern,
    request: &Request,
    now: DateTime<Utc>,
) -> Tri {
    let Some(glob) = glob_text(pattern, request, now) else {
        return Tri::Unknown;
    };
    let Some(glob) = glob else {
        return Tri::False;
    };
    match kind {
        MatcherKind::Principal if pattern.is_group => Tri::of(
            request
                .principal
                .groups
                .iter()
                .any(|g| glob_matches(&glob, g, false, false)),
        ),
        MatcherKind::Principal => Tri::of(glob_matches(&glob, &request.principal.id, false, false)),
        MatcherKind::Action => Tri::of(glob_matches(&glob, &request.action, false, false)),
        // "Match all": `*` as the whole pattern matches every path, although
        // elsewhere in a resource pattern `*` stays inside one segment.
        MatcherKind::Resource if glob == "*" => Tri::True,
        MatcherKind::Resource => Tri::of(glob_matches(&glob, &request.resource.path, true, false)),
    }
}

/// The pattern's glob text with every variable replaced by its escaped value:
/// `None` when a value is missing (unknown), `Some(None)` when a value can
/// never match (empty, holding `/`, `.` or `..`).
fn glob_text(pattern: &Pattern, request: &Request, now: DateTime<Utc>) -> Option<Option<String>> {
    let mut values = Vec::new();
    for key in pattern.variables() {
        match read(&key.path, 0, request, now) {
            Some(Val::Str(s)) => values.push(s),
            _ => return None,
        }
    }
    if values
        .iter()
        .any(|v| v.is_empty() || v.contains('/') || *v == "." || *v == "..")
    {
        return Some(None);
    }
    let mut values = values.into_iter();
    let mut text = String::new();
    for node in &pattern.nodes {
        match node {
            // One value was read per variable above; were one ever missing,
            // the pattern is unknown rather than read with an empty value.
            PatternNode::Variable(_) => text.push_str(&escape(values.next()?)),
            node => policy_lang::write_nodes(std::slice::from_ref(node), &mut text),
        }
    }
    Some(Some(text))
}

/// Makes every glob metacharacter of `value` literal by wrapping it in a
/// one-character class: `*` becomes `[*]`.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "?*[]{},\\".contains(c) {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `subject` matches the glob `glob`. A glob globset rejects (which
/// the parser never lets through), or whose regex is too big to build (which
/// the engine refuses to compile), matches nothing here: the two never
/// disagree on a set the engine compiles.
///
/// The language reads `?` and classes as one character; globset reads them
/// as one byte. A glob with either is matched by characters, by the same
/// matcher the engine uses for them (`glob::StaticGlob`, whose own tests
/// hold it to a backtracking oracle everywhere and to globset on ASCII).
fn glob_matches(
    glob: &str,
    subject: &str,
    literal_separator: bool,
    case_insensitive: bool,
) -> bool {
    let Ok(built) = GlobBuilder::new(glob)
        .literal_separator(literal_separator)
        .case_insensitive(case_insensitive)
        .build()
    else {
        return false;
    };
    // The engine reads the glob's nodes where globset would read bytes.
    // (Nested alternatives, which globset reads, never get here.)
    let Ok(nodes) = policy_lang::parse_glob(glob, false) else {
        return false;
    };
    if StaticGlob::reads_single_chars(&nodes) {
        let syntax = GlobSyntax {
            literal_separator,
            case_insensitive,
        };
        return StaticGlob::new(&nodes, syntax).is_ok_and(|g| g.is_match(subject) == Some(true));
    }
    globset::GlobSetBuilder::new()
        .add(built)
        .build()
        .is_ok_and(|set| set.is_match(subject))
}

// ---------------------------------------------------------------------------
// Values.

/// A request value.
#[derive(Debug, Clone, Copy)]
enum Val<'r> {
    Str(&'r str),
    Number(f64),
    Bool(bool),
    Ip(IpAddr),
    Time(DateTime<Utc>),
    /// Seconds.
    Duration(i64),
    /// Seconds after midnight.
    TimeOfDay(i64),
    /// 0 = Monday.
    Weekday(i64),
    Groups(&'r [String]),
    /// An array with an item that is not a string.
    Items(&'r [Attribute]),
    /// An object: its members.
    Members(&'r std::collections::BTreeMap<String, Attribute>),
}

/// A custom attribute's value as a [`Val`].
fn custom(attribute: &Attribute) -> Val<'_> {
    match attribute {
        Attribute::String(s) => Val::Str(s),
        Attribute::Number(n) => Val::Number(*n),
        Attribute::Bool(b) => Val::Bool(*b),
        Attribute::Set(items) => Val::Groups(items),
        Attribute::List(items) => Val::Items(items),
        Attribute::Object(members) => Val::Members(members),
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

/// The value of `key` in `request`, or `None` when the request lacks it.
/// `offset` (seconds east of UTC) is where `time_of_day` and `weekday` are read.
fn read<'r>(
    key: &KeyPath,
    offset: i32,
    request: &'r Request,
    now: DateTime<Utc>,
) -> Option<Val<'r>> {
    let context = &request.context;
    let local_seconds = now.timestamp() + i64::from(offset);
    Some(match key {
        KeyPath::SourceIp => Val::Ip(context.source_ip?.to_canonical()),
        KeyPath::Mfa => Val::Bool(context.mfa?),
        KeyPath::MfaAge => Val::Duration(context.mfa_age_seconds?),
        KeyPath::VersionStage => Val::Str(context.version_stage.as_deref()?),
        KeyPath::Time => Val::Time(now),
        KeyPath::TimeOfDay => Val::TimeOfDay(local_seconds.rem_euclid(SECONDS_PER_DAY)),
        // 1970-01-01 was a Thursday (3 days after Monday).
        KeyPath::Weekday => {
            Val::Weekday((local_seconds.div_euclid(SECONDS_PER_DAY) + 3).rem_euclid(7))
        }
        KeyPath::Action => Val::Str(&request.action),
        KeyPath::PrincipalId => Val::Str(&request.principal.id),
        KeyPath::PrincipalGroups => Val::Groups(&request.principal.groups),
        KeyPath::PrincipalTag(name) => Val::Str(request.principal.tags.get(name)?),
        KeyPath::ResourcePath => Val::Str(&request.resource.path),
        KeyPath::ResourceTag(name) => Val::Str(request.resource.tags.get(name)?),
        KeyPath::Context(path) => {
            // Each name after the first reads a member of an object; any
            // other value on the way means the member is missing.
            let mut names = path.names().iter();
            let mut value = context.attributes.get(names.next()?)?;
            for name in names {
                let Attribute::Object(members) = value else {
                    return None;
                };
                value = members.get(name)?;
            }
            custom(value)
        }
    })
}

/// Orders a request value against a literal of the same type; `None` when the
/// types differ (or a string does not read as the literal's IP address).
fn order(val: &Val, literal: &ValueKind) -> Option<Ordering> {
    match (val, literal) {
        (Val::Str(a), ValueKind::String(b)) => Some((*a).cmp(b.as_str())),
        (Val::Number(a), ValueKind::Number(b)) => a.partial_cmp(b),
        (Val::Bool(a), ValueKind::Bool(b)) => Some(a.cmp(b)),
        (Val::Ip(a), ValueKind::Ip(b)) => Some(a.cmp(b)),
        (Val::Str(a), ValueKind::Ip(b)) => {
            a.parse::<IpAddr>().ok().map(|a| a.to_canonical().cmp(b))
        }
        (Val::Time(a), ValueKind::Timestamp(b)) => Some(a.cmp(&b.with_timezone(&Utc))),
        (Val::Duration(a), ValueKind::Duration(b)) => Some(a.cmp(b)),
        // Custom attributes: an RFC 3339 string, a number of whole seconds.
        (Val::Str(a), ValueKind::Timestamp(b)) => match plain(Val::Str(a), ValueType::Timestamp)? {
            Plain::Instant(a) => Some(a.cmp(&b.with_timezone(&Utc))),
            _ => None,
        },
        (Val::Number(a), ValueKind::Duration(b)) => {
            match plain(Val::Number(*a), ValueType::Duration)? {
                Plain::Seconds(a) => Some(a.cmp(b)),
                _ => None,
            }
        }
        (Val::TimeOfDay(a), ValueKind::TimeOfDay(b)) => Some(a.cmp(&i64::from(*b))),
        (Val::Weekday(a), ValueKind::Weekday(b)) => Some(a.cmp(&i64::from(*b))),
        _ => None,
    }
}

fn equals(val: &Val, literal: &ValueKind) -> Tri {
    Tri::known(order(val, literal).map(|o| o == Ordering::Equal))
}

/// Whether the value is inside the network `literal` (a CIDR range, or an IP
/// address taken as a one-host network). A string value is read as an IP.
fn inside(val: &Val, literal: &ValueKind) -> Tri {
    let network = match literal {
        ValueKind::Cidr(net) => *net,
        ValueKind::Ip(ip) => IpNet::from(*ip),
        _ => return Tri::Unknown,
    };
    let ip = match val {
        Val::Ip(ip) => Some(ip.to_canonical()),
        Val::Str(s) => s.parse::<IpAddr>().ok().map(|ip| ip.to_canonical()),
        _ => None,
    };
    Tri::known(ip.map(|ip| network.contains(&ip)))
}

/// One element of an `in` list or a single `in` operand.
fn member(val: &Val, literal: &ValueKind) -> Tri {
    match literal {
        ValueKind::Cidr(_) | ValueKind::Ip(_) => inside(val, literal),
        _ => equals(val, literal),
    }
}

// ---------------------------------------------------------------------------
// Conditions.

fn expr_truth(expr: &Expr, request: &Request, now: DateTime<Utc>) -> Tri {
    match &expr.kind {
        ExprKind::And(items) => all(items.iter().map(|e| expr_truth(e, request, now))),
        ExprKind::Or(items) => any(items.iter().map(|e| expr_truth(e, request, now))),
        ExprKind::Not(inner) => expr_truth(inner, request, now).not(),
        ExprKind::Group(inner) => expr_truth(inner, request, now),
        ExprKind::Has(key) => Tri::of(read(&key.path, 0, request, now).is_some()),
        ExprKind::Truthy(key) => match read(&key.path, 0, request, now) {
            Some(Val::Bool(b)) => Tri::of(b),
            _ => Tri::Unknown,
        },
        ExprKind::Compare(comparison) => compare(comparison, request, now),
        ExprKind::CompareKeys(c) => compare_keys(c, request, now),
        ExprKind::Quantified(q) => quantified(q, request, now),
    }
}

/// A request value read as the type two keys are compared as.
#[derive(PartialEq, PartialOrd)]
enum Plain<'r> {
    Text(&'r str),
    Number(f64),
    Flag(bool),
    Address(IpAddr),
    Instant(DateTime<Utc>),
    Seconds(i64),
}

/// `val` as a value of type `ty`, or `None` when it is not one (and does
/// not read as one). A custom pair (`Any`) takes strings, numbers and
/// booleans as they are.
fn plain<'r>(val: Val<'r>, ty: ValueType) -> Option<Plain<'r>> {
    Some(match (ty, val) {
        (ValueType::String | ValueType::Any, Val::Str(s)) => Plain::Text(s),
        (ValueType::Number | ValueType::Any, Val::Number(n)) => Plain::Number(n),
        (ValueType::Bool | ValueType::Any, Val::Bool(b)) => Plain::Flag(b),
        (ValueType::Ip, Val::Ip(ip)) => Plain::Address(ip.to_canonical()),
        (ValueType::Ip, Val::Str(s)) => Plain::Address(s.parse::<IpAddr>().ok()?.to_canonical()),
        (ValueType::Timestamp, Val::Time(t)) => Plain::Instant(t),
        (ValueType::Timestamp, Val::Str(s)) => {
            Plain::Instant(DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc))
        }
        (ValueType::Duration, Val::Duration(d)) => Plain::Seconds(d),
        (ValueType::Duration, Val::Number(n)) => {
            if n < 0.0 || n.fract() != 0.0 || n >= 9.0e15 {
                return None;
            }
            Plain::Seconds(n as i64)
        }
        _ => return None,
    })
}

/// `left op right`: unknown when either value is missing or not of the
/// compared type; strings and booleans are equal or not, never ordered.
fn compare_keys(c: &KeyComparison, request: &Request, now: DateTime<Utc>) -> Tri {
    let (Some(a), Some(b)) = (
        read(&c.left.path, 0, request, now),
        read(&c.right.path, 0, request, now),
    ) else {
        return Tri::Unknown;
    };
    let (Some(a), Some(b)) = (plain(a, c.ty), plain(b, c.ty)) else {
        return Tri::Unknown;
    };
    let same_kind = std::mem::discriminant(&a) == std::mem::discriminant(&b);
    let orderable = matches!(a, Plain::Number(_) | Plain::Instant(_) | Plain::Seconds(_));
    match c.op {
        CompareOp::Eq | CompareOp::Ne if same_kind => {
            let equal = a == b;
            // NaN never reaches a request (JSON has none).
            Tri::of(if c.op == CompareOp::Eq { equal } else { !equal })
        }
        CompareOp::Lt if same_kind && orderable => Tri::known(a.partial_cmp(&b).map(|o| o.is_lt())),
        CompareOp::Le if same_kind && orderable => Tri::known(a.partial_cmp(&b).map(|o| o.is_le())),
        CompareOp::Gt if same_kind && orderable => Tri::known(a.partial_cmp(&b).map(|o| o.is_gt())),
        CompareOp::Ge if same_kind && orderable => Tri::known(a.partial_cmp(&b).map(|o| o.is_ge())),
        _ => Tri::Unknown,
    }
}

/// `any|all key op operand`: the comparison of each item (the strings of
/// a set, the items of an array, the names of an object), joined by
/// [`any`] or [`all`]; unknown when the key is missing or holds one value.
fn quantified(q: &Quantified, request: &Request, now: DateTime<Utc>) -> Tri {
    let c = &q.comparison;
    let Some(val) = read(&c.key.path, 0, request, now) else {
        return Tri::Unknown;
    };
    let items: Vec<Val> = match val {
        Val::Groups(items) => items.iter().map(|s| Val::Str(s)).collect(),
        Val::Items(items) => items.iter().map(custom).collect(),
        Val::Members(members) => members.keys().map(|k| Val::Str(k)).collect(),
        _ => return Tri::Unknown,
    };
    let results = items.into_iter().map(|item| compare_val(item, c));
    match q.quantifier {
        Quantifier::Any => any(results),
        Quantifier::All => all(results),
    }
}

fn compare(comparison: &Comparison, request: &Request, now: DateTime<Utc>) -> Tri {
    let offset = comparison.offset.as_ref().map_or(0, |o| o.seconds_east);
    let Some(val) = read(&comparison.key.path, offset, request, now) else {
        return Tri::Unknown;
    };
    compare_val(val, comparison)
}

/// `val op operand`, the key of `comparison` read as `val`.
fn compare_val(val: Val, comparison: &Comparison) -> Tri {
    let single = match &comparison.operand {
        Operand::Value(v) => Some(&v.kind),
        _ => None,
    };
    let ordered = |accept: &[Ordering]| match single {
        Some(literal) => Tri::known(order(&val, literal).map(|o| accept.contains(&o))),
        None => Tri::Unknown,
    };
    match comparison.op {
        CompareOp::Eq => ordered(&[Ordering::Equal]),
        CompareOp::Ne => ordered(&[Ordering::Equal]).not(),
        CompareOp::Lt => ordered(&[Ordering::Less]),
        CompareOp::Le => ordered(&[Ordering::Less, Ordering::Equal]),
        CompareOp::Gt => ordered(&[Ordering::Greater]),
        CompareOp::Ge => ordered(&[Ordering::Greater, Ordering::Equal]),
        CompareOp::In => within(&val, &comparison.operand),
        CompareOp::NotIn => within(&val, &comparison.operand).not(),
        CompareOp::Like | CompareOp::ILike => {
            let Val::Str(s) = val else {
                return Tri::Unknown;
            };
            let patterns: Vec<&Value> = match &comparison.operand {
                Operand::Value(v) => vec![v],
                Operand::List(items) => items.iter().collect(),
                Operand::Range(..) => return Tri::Unknown,
            };
            any(patterns.into_iter().map(|v| match &v.kind {
                ValueKind::String(pattern) => Tri::of(glob_matches(
                    pattern,
                    s,
                    false,
                    comparison.op == CompareOp::ILike,
                )),
                _ => Tri::Unknown,
            }))
        }
        CompareOp::Contains => match (val, single) {
            (Val::Groups(groups), Some(ValueKind::String(item))) => {
                Tri::of(groups.iter().any(|g| g == item))
            }
            _ => Tri::Unknown,
        },
    }
}

/// `val in operand`: list membership, network containment or a half-open range.
fn within(val: &Val, operand: &Operand) -> Tri {
    match operand {
        Operand::Value(v) => member(val, &v.kind),
        Operand::List(items) => any(items.iter().map(|v| member(val, &v.kind))),
        Operand::Range(start, end) => {
            let (Some(from_start), Some(from_end)) =
                (order(val, &start.kind), order(val, &end.kind))
            else {
                return Tri::Unknown;
            };
            let at_or_after_start = from_start != Ordering::Less;
            let before_end = from_end == Ordering::Less;
            let wraps = matches!((&start.kind, &end.kind), (ValueKind::TimeOfDay(a), ValueKind::TimeOfDay(b)) if a > b);
            Tri::of(if wraps {
                at_or_after_start || before_end
            } else {
                at_or_after_start && before_end
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escape_makes_every_glob_character_literal() {
        assert_eq!(escape("a*b"), "a[*]b");
        assert_eq!(escape("{x,y}"), "[{]x[,]y[}]");
        assert_eq!(escape("[\\]"), "[[][\\][]]");
        for value in ["*", "?", "[a]", "{a,b}", "\\", "a,b", "]", "[!a]"] {
            let glob = format!("p/{}", escape(value));
            assert!(
                glob_matches(&glob, &format!("p/{value}"), true, false),
                "{value}"
            );
            assert!(!glob_matches(&glob, "p/a", true, false), "{value}");
        }
    }

    #[test]
    fn clock_values_are_read_at_the_offset() {
        use chrono::TimeZone;
        let request = Request::new("u", "a", "r");
        // A Wednesday, 23:30 UTC: Thursday 01:30 at +02:00.
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 23, 30, 0).unwrap();
        assert!(matches!(
            read(&KeyPath::Weekday, 0, &request, now),
            Some(Val::Weekday(2))
        ));
        assert!(matches!(
            read(&KeyPath::Weekday, 7200, &request, now),
            Some(Val::Weekday(3))
        ));
        assert!(matches!(
            read(&KeyPath::TimeOfDay, 7200, &request, now),
            Some(Val::TimeOfDay(5400))
        ));
        // Before 1970 too.
        let old = Utc.with_ymd_and_hms(1969, 12, 31, 23, 0, 0).unwrap();
        assert!(matches!(
            read(&KeyPath::Weekday, 0, &request, old),
            Some(Val::Weekday(2))
        ));
        assert!(matches!(
            read(&KeyPath::TimeOfDay, 0, &request, old),
            Some(Val::TimeOfDay(82800))
        ));
    }
}
