//! Conditions compiled to typed tests, evaluated in three-valued logic.
//!
//! Reading a key the request lacks gives [`Truth::Unknown`]; `and`, `or` and
//! `not` follow Kleene's rules, so a result is unknown only when the missing
//! value could change it. The statement then fails closed (see `engine`).

use crate::compile::{BankGlob, GlobBank, Problem};
use crate::glob::GlobSyntax;
use crate::request::{Attribute, Request};
use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use globset::GlobBuilder;
use ipnet::IpNet;
use policy_lang::{
    CompareOp, Expr, ExprKind, KeyPath, Operand, PatternNode, Quantifier, ValueKind, ValueType,
};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Texts stored one after another in one string: one allocation for them
/// all rather than one each.
#[derive(Debug, Default)]
pub(crate) struct Texts {
    all: String,
    /// Where each text ends in `all`; it starts where the one before ends.
    ends: Vec<usize>,
}

impl Texts {
    /// Appends `text`, returning its index.
    pub(crate) fn push(&mut self, text: &str) -> Result<u32, Problem> {
        let at = crate::engine::next_id(self.ends.len())?;
        self.all.push_str(text);
        self.ends.push(self.all.len());
        Ok(at)
    }

    /// Gives back the room the texts grew into and do not fill.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.all.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Text `at` (empty for an index never handed out).
    pub(crate) fn get(&self, at: u32) -> &str {
        let at = at as usize;
        let start = match at.checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(at).copied().unwrap_or(start);
        self.all.get(start..end).unwrap_or("")
    }
}

/// What the conditions of a set share while it compiles: one copy of each
/// tag or context name (`'a` is the syntax tree's), and their texts.
#[derive(Default)]
pub(crate) struct Pool<'a> {
    names: foldhash::HashMap<&'a str, Arc<str>>,
    pub(crate) texts: Texts,
}

impl<'a> Pool<'a> {
    fn name(&mut self, name: &'a str) -> Arc<str> {
        self.names
            .entry(name)
            .or_insert_with(|| name.into())
            .clone()
    }
}

/// A three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on a value the request does not carry (or carries with another type).
    Unknown,
}

impl Truth {
    pub(crate) fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
    /// `None`, a question the engine could not answer, is unknown.
    pub(crate) fn known(b: Option<bool>) -> Truth {
        b.map_or(Truth::Unknown, Truth::from_bool)
    }
    pub(crate) fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
    pub(crate) fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }
    pub(crate) fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }
}

/// Which request value a test reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Attr {
    SourceIp,
    Mfa,
    MfaAge,
    VersionStage,
    Time,
    /// Seconds after midnight at an offset east of UTC.
    TimeOfDay(i32),
    /// Day of week (0 = Monday) at an offset east of UTC.
    Weekday(i32),
    Action,
    PrincipalId,
    PrincipalGroups,
    PrincipalTag(Arc<str>),
    ResourcePath,
    ResourceTag(Arc<str>),
    Context(Arc<str>),
    /// `context.A.B...`: a member of nested objects, by its names.
    Nested(Arc<[Arc<str>]>),
}

impl Attr {
    /// True for a custom context key or a tag whose name looks like it holds
    /// a secret (as audit records judge it): explanations show its value as
    /// `[masked]`, so that they can be logged.
    pub(crate) fn names_a_secret(&self) -> bool {
        match self {
            Attr::PrincipalTag(name) | Attr::ResourceTag(name) | Attr::Context(name) => {
                crate::audit::looks_secret(name)
            }
            Attr::Nested(names) => names.iter().any(|name| crate::audit::looks_secret(name)),
            _ => false,
        }
    }

    /// True when the request's value, if it has one, may be a string.
    pub(crate) fn reads_strings(&self) -> bool {
        matches!(
            self,
            Attr::VersionStage
                | Attr::Action
                | Attr::PrincipalId
                | Attr::PrincipalTag(_)
                | Attr::ResourcePath
                | Attr::ResourceTag(_)
                | Attr::Context(_)
                | Attr::Nested(_)
        )
    }

    /// [`Attr::new`], its name (if any) shared through `pool`.
    fn pooled<'a>(key: &'a KeyPath, offset: i32, pool: &mut Pool<'a>) -> Attr {
        match key {
            KeyPath::PrincipalTag(t) => Attr::PrincipalTag(pool.name(t)),
            KeyPath::ResourceTag(t) => Attr::ResourceTag(pool.name(t)),
            KeyPath::Context(c) if c.is_nested() => {
                Attr::Nested(c.names().iter().map(|n| pool.name(n)).collect())
            }
            KeyPath::Context(c) => Attr::Context(pool.name(c.first())),
            other => Attr::new(other, offset),
        }
    }

    pub(crate) fn new(key: &KeyPath, offset: i32) -> Attr {
        match key {
            KeyPath::SourceIp => Attr::SourceIp,
            KeyPath::Mfa => Attr::Mfa,
            KeyPath::MfaAge => Attr::MfaAge,
            KeyPath::VersionStage => Attr::VersionStage,
            KeyPath::Time => Attr::Time,
            KeyPath::TimeOfDay => Attr::TimeOfDay(offset),
            KeyPath::Weekday => Attr::Weekday(offset),
            KeyPath::Action => Attr::Action,
            KeyPath::PrincipalId => Attr::PrincipalId,
            KeyPath::PrincipalGroups => Attr::PrincipalGroups,
            KeyPath::PrincipalTag(t) => Attr::PrincipalTag(t.as_str().into()),
            KeyPath::ResourcePath => Attr::ResourcePath,
            KeyPath::ResourceTag(t) => Attr::ResourceTag(t.as_str().into()),
            KeyPath::Context(c) if c.is_nested() => {
                Attr::Nested(c.names().iter().map(|n| Arc::from(n.as_str())).collect())
            }
            KeyPath::Context(c) => Attr::Context(c.first().into()),
        }
    }

    /// The request's value, or `None` when the request does not carry it.
    pub(crate) fn read<'r>(&self, request: &'r Request, now: DateTime<Utc>) -> Option<Val<'r>> {
        let context = &request.context;
        Some(match self {
            // An IPv4-mapped IPv6 address is the IPv4 address it maps: a
            // request built in code cannot dodge a network condition with it.
            Attr::SourceIp => Val::Ip(context.source_ip?.to_canonical()),
            Attr::Mfa => Val::Bool(context.mfa?),
            Attr::MfaAge => Val::Duration(context.mfa_age_seconds?),
            Attr::VersionStage => Val::Str(context.version_stage.as_deref()?),
            Attr::Time => Val::Time(now),
            Attr::TimeOfDay(offset) => {
                let local = at_offset(now, *offset)?;
                Val::TimeOfDay(local.num_seconds_from_midnight())
            }
            Attr::Weekday(offset) => {
                let local = at_offset(now, *offset)?;
                Val::Weekday(u8::try_from(local.weekday().num_days_from_monday()).ok()?)
            }
            Attr::Action => Val::Str(&request.action),
            Attr::PrincipalId => Val::Str(&request.principal.id),
            Attr::PrincipalGroups => Val::Groups(&request.principal.groups),
            Attr::PrincipalTag(t) => Val::Str(request.principal.tags.get(&**t)?),
            Attr::ResourcePath => Val::Str(&request.resource.path),
            Attr::ResourceTag(t) => Val::Str(request.resource.tags.get(&**t)?),
            Attr::Context(c) => Val::of(context.attributes.get(&**c)?),
            Attr::Nested(names) => {
                let (first, rest) = names.split_first()?;
                let value = context.attributes.get(&**first)?;
                Val::of(value.member(rest.iter().map(|n| &**n))?)
            }
        })
    }
}

fn at_offset(now: DateTime<Utc>, offset: i32) -> Option<DateTime<FixedOffset>> {
    Some(now.with_timezone(&FixedOffset::east_opt(offset)?))
}

/// A value read from a request, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Val<'r> {
    Str(&'r str),
    Number(f64),
    Bool(bool),
    Ip(IpAddr),
    Time(DateTime<Utc>),
    Duration(i64),
    TimeOfDay(u32),
    Weekday(u8),
    Groups(&'r [String]),
    /// A JSON array with items that are not all strings.
    List(&'r [Attribute]),
    /// A JSON object.
    Object(&'r BTreeMap<String, Attribute>),
}

impl<'r> Val<'r> {
    /// A custom attribute's value, borrowed.
    fn of(attribute: &'r Attribute) -> Val<'r> {
        match attribute {
            Attribute::String(s) => Val::Str(s),
            Attribute::Number(n) => Val::Number(*n),
            Attribute::Bool(b) => Val::Bool(*b),
            Attribute::Set(items) => Val::Groups(items),
            Attribute::List(items) => Val::List(items),
            Attribute::Object(members) => Val::Object(members),
        }
    }
}

/// `test` (negated when `negate`) over each item of `val` a quantifier
/// ranges over: the strings of a set, the items of an array, the member
/// names of an object; unknown for a value that is none of these. `any`
/// is true when some item's result is true, else unknown when some is
/// unknown, else false (so false on no items); `all` is false when some
/// is false, else unknown when some is unknown, else true (so true on no
/// items). One pass, stopping at the first deciding item; no allocation.
fn quantify(quantifier: Quantifier, test: &Test, negate: bool, val: &Val) -> Truth {
    let (decides, otherwise) = match quantifier {
        Quantifier::Any => (Truth::True, Truth::False),
        Quantifier::All => (Truth::False, Truth::True),
    };
    let mut result = otherwise;
    let mut item = |item: Val| {
        let truth = test.eval(&item);
        let truth = if negate { truth.not() } else { truth };
        if truth == Truth::Unknown {
            result = Truth::Unknown;
        }
        truth == decides
    };
    let decided = match val {
        Val::Groups(items) => items.iter().any(|s| item(Val::Str(s))),
        Val::List(items) => items.iter().any(|a| item(Val::of(a))),
        Val::Object(members) => members.keys().any(|name| item(Val::Str(name))),
        _ => return Truth::Unknown,
    };
    if decided { decides } else { result }
}

impl std::fmt::Display for Val<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Str(s) => write!(f, "{s:?}"),
            Val::Number(n) => write!(f, "{n}"),
            Val::Bool(b) => write!(f, "{b}"),
            Val::Ip(ip) => write!(f, "{ip}"),
            Val::Time(t) => write!(
                f,
                "{}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ),
            Val::Duration(d) => write!(f, "{d}s"),
            Val::TimeOfDay(t) => write!(f, "{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60),
            Val::Weekday(d) => f.write_str(policy_lang::weekday_name(*d)),
            Val::Groups(g) => write!(f, "{g:?}"),
            Val::List(items) => {
                let items: Vec<String> = items.iter().map(|a| Val::of(a).to_string()).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Val::Object(members) => {
                let names: Vec<String> = members.keys().map(|n| format!("{n:?}")).collect();
                write!(f, "{{{}}}", names.join(", "))
            }
        }
    }
}

/// A literal of a compiled test.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    /// Shared with the index, which files statements by it.
    Str(Arc<str>),
    Number(f64),
    Bool(bool),
    Ip(IpAddr),
    Time(DateTime<Utc>),
    Duration(i64),
    TimeOfDay(u32),
    Weekday(u8),
}

impl Lit {
    fn new(value: &ValueKind) -> Lit {
        match value {
            ValueKind::String(s) => Lit::Str(s.as_str().into()),
            ValueKind::Number(n) => Lit::Number(*n),
            ValueKind::Bool(b) => Lit::Bool(*b),
            ValueKind::Ip(ip) => Lit::Ip(*ip),
            ValueKind::Cidr(net) => Lit::Ip(net.addr()),
            ValueKind::Timestamp(t) => Lit::Time(t.with_timezone(&Utc)),
            ValueKind::Duration(d) => Lit::Duration(*d),
            ValueKind::TimeOfDay(t) => Lit::TimeOfDay(*t),
            ValueKind::Weekday(d) => Lit::Weekday(*d),
        }
    }

    /// Orders a request value against this literal; `None` when their types differ.
    fn compare(&self, val: &Val) -> Option<Ordering> {
        match (val, self) {
            (Val::Str(a), Lit::Str(b)) => Some((*a).cmp(&**b)),
            (Val::Number(a), Lit::Number(b)) => a.partial_cmp(b),
            (Val::Bool(a), Lit::Bool(b)) => Some(a.cmp(b)),
            (Val::Ip(a), Lit::Ip(b)) => Some(a.cmp(b)),
            (Val::Str(a), Lit::Ip(b)) => a.parse::<IpAddr>().ok().map(|a| a.to_canonical().cmp(b)),
            (Val::Time(a), Lit::Time(b)) => Some(a.cmp(b)),
            // A custom attribute: an RFC 3339 string, whole seconds.
            (Val::Str(_), Lit::Time(b)) => as_time(val).map(|a| a.cmp(b)),
            (Val::Duration(a), Lit::Duration(b)) => Some(a.cmp(b)),
            (Val::Number(_), Lit::Duration(b)) => as_seconds(val).map(|a| a.cmp(b)),
            (Val::TimeOfDay(a), Lit::TimeOfDay(b)) => Some(a.cmp(b)),
            (Val::Weekday(a), Lit::Weekday(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// A typed test on one value.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// A bare boolean key.
    Truthy,
    /// `<`, `<=`, `==`, `>=`, `>`: true when the ordering is one of these.
    Compare(&'static [Ordering], Lit),
    /// Membership in a list.
    OneOf(Vec<Lit>),
    /// Half-open range `[start, end)`; for a time of day, start > end wraps midnight.
    Range(Lit, Lit),
    /// Inside any of these networks.
    InNetworks(Vec<IpNet>),
    /// Glob match on a string (`like`, `ilike`), and the patterns as plain
    /// values when none has a wildcard (for the index).
    Like(GlobBank, Option<LikeLiterals>),
    /// Set membership.
    Contains(Box<str>),
}

/// The patterns of a `like` / `ilike` that are plain text or plain text
/// then one `*`: it holds exactly when the value equals one of `values` or
/// starts with one of `prefixes`, after ASCII lower-casing both sides when
/// `folded` (`ilike`). Only patterns of ASCII text are kept folded, so that
/// lower-casing means the same on both sides.
#[derive(Debug, Clone)]
pub(crate) struct LikeLiterals {
    pub(crate) folded: bool,
    pub(crate) values: Vec<Arc<str>>,
    pub(crate) prefixes: Vec<Arc<str>>,
}

impl LikeLiterals {
    /// The plain values and prefixes of `patterns`, when every one is such.
    fn of(patterns: &[&[PatternNode]], folded: bool) -> Option<LikeLiterals> {
        let mut out = LikeLiterals {
            folded,
            values: Vec::new(),
            prefixes: Vec::new(),
        };
        for nodes in patterns {
            let (body, prefix) = match nodes.split_last() {
                Some((PatternNode::Star | PatternNode::DoubleStar, body)) => (body, true),
                _ => (&nodes[..], false),
            };
            let mut text = String::new();
            for node in body {
                match node {
                    PatternNode::Literal(t) => text.push_str(t),
                    PatternNode::Escaped(c) => text.push(*c),
                    _ => return None,
                }
            }
            if folded {
                if !text.is_ascii() {
                    return None;
                }
                text.make_ascii_lowercase();
            }
            match (prefix, text.is_empty()) {
                // `*` alone: every value.
                (true, true) => return None,
                (true, false) => out.prefixes.push(Arc::from(text)),
                (false, _) => out.values.push(Arc::from(text)),
            }
        }
        (!out.values.is_empty() || !out.prefixes.is_empty()).then_some(out)
    }
}

impl Test {
    fn eval(&self, val: &Val) -> Truth {
        let known = |b: Option<bool>| b.map_or(Truth::Unknown, Truth::from_bool);
        match self {
            Test::Truthy => match val {
                Val::Bool(b) => Truth::from_bool(*b),
                _ => Truth::Unknown,
            },
            Test::Compare(orderings, lit) => {
                known(lit.compare(val).map(|o| orderings.contains(&o)))
            }
            Test::OneOf(lits) => {
                let mut result = Truth::False;
                for lit in lits {
                    match lit.compare(val) {
                        Some(Ordering::Equal) => return Truth::True,
                        Some(_) => {}
                        None => result = Truth::Unknown,
                    }
                }
                result
            }
            Test::Range(start, end) => {
                let (Some(from_start), Some(to_end)) = (start.compare(val), end.compare(val))
                else {
                    return Truth::Unknown;
                };
                let after_start = from_start != Ordering::Less;
                let before_end = to_end == Ordering::Less;
                let wraps = matches!((start, end), (Lit::TimeOfDay(a), Lit::TimeOfDay(b)) if a > b);
                Truth::from_bool(if wraps {
                    after_start || before_end
                } else {
                    after_start && before_end
                })
            }
            Test::InNetworks(nets) => {
                let ip = match val {
                    Val::Ip(ip) => Some(ip.to_canonical()),
                    Val::Str(s) => s.parse::<IpAddr>().ok().map(|ip| ip.to_canonical()),
                    _ => None,
                };
                known(ip.map(|ip| nets.iter().any(|n| n.contains(&ip))))
            }
            Test::Like(glob, _) => match val {
                Val::Str(s) => glob.is_match(s),
                _ => Truth::Unknown,
            },
            Test::Contains(item) => match val {
                Val::Groups(groups) => Truth::from_bool(groups.iter().any(|g| **g == **item)),
                _ => Truth::Unknown,
            },
        }
    }
}

/// A compiled condition tree.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Has(Attr),
    /// `left op right`: two request values compared as `ty`.
    Pair {
        left: Attr,
        right: Attr,
        ty: ValueType,
        /// The orderings that make it hold (`!=` is `==` under a `Not`).
        orderings: &'static [Ordering],
        /// The condition as written, in the set's [`Texts`].
        text: u32,
    },
    Test {
        attr: Attr,
        test: Test,
        /// The condition as written, for explanations: in the set's
        /// [`Texts`].
        text: u32,
    },
    /// `any|all key op operand`: `test` on each item of the set `attr`
    /// reads, negated per item when `negate` (`!=`, `not in`).
    Quantified {
        quantifier: Quantifier,
        attr: Attr,
        test: Test,
        negate: bool,
        /// The condition as written, in the set's [`Texts`].
        text: u32,
    },
}

impl Cond {
    /// Compiles one expression; `source` is the text its spans point into.
    /// Compiles a checked condition exactly, or says which part of it cannot
    /// be (a `like` pattern the glob engine refuses, say): never a test that
    /// quietly holds for nothing.
    /// Names and texts go to `pool`.
    pub(crate) fn compile<'a>(
        expr: &'a Expr,
        source: &str,
        pool: &mut Pool<'a>,
    ) -> Result<Cond, Problem> {
        let text = |pool: &mut Pool| {
            let text = source.get(expr.span.start..expr.span.end).unwrap_or("");
            pool.texts.push(text.trim_end())
        };
        Ok(match &expr.kind {
            ExprKind::And(items) => Cond::All(
                items
                    .iter()
                    .map(|e| Cond::compile(e, source, pool))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Or(items) => Cond::Any(
                items
                    .iter()
                    .map(|e| Cond::compile(e, source, pool))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Not(inner) => Cond::Not(Box::new(Cond::compile(inner, source, pool)?)),
            ExprKind::Group(inner) => Cond::compile(inner, source, pool)?,
            ExprKind::Has(key) => Cond::Has(Attr::pooled(&key.path, 0, pool)),
            ExprKind::Truthy(key) => Cond::Test {
                attr: Attr::pooled(&key.path, 0, pool),
                test: Test::Truthy,
                text: text(pool)?,
            },
            ExprKind::CompareKeys(c) => {
                let pair = Cond::Pair {
                    left: Attr::pooled(&c.left.path, 0, pool),
                    right: Attr::pooled(&c.right.path, 0, pool),
                    ty: c.ty,
                    orderings: orderings(c.op),
                    text: text(pool)?,
                };
                if c.op == CompareOp::Ne {
                    Cond::Not(Box::new(pair))
                } else {
                    pair
                }
            }
            ExprKind::Quantified(q) => {
                let c = &q.comparison;
                let (test, negate) =
                    compile_test(c.op, &c.operand).map_err(|why| Problem::Condition {
                        span: expr.span,
                        why,
                    })?;
                Cond::Quantified {
                    quantifier: q.quantifier,
                    attr: Attr::pooled(&c.key.path, 0, pool),
                    test,
                    negate,
                    text: text(pool)?,
                }
            }
            ExprKind::Compare(c) => {
                let offset = c.offset.as_ref().map_or(0, |o| o.seconds_east);
                let attr = Attr::pooled(&c.key.path, offset, pool);
                let (test, negate) =
                    compile_test(c.op, &c.operand).map_err(|why| Problem::Condition {
                        span: expr.span,
                        why,
                    })?;
                let test = Cond::Test {
                    attr,
                    test,
                    text: text(pool)?,
                };
                if negate {
                    Cond::Not(Box::new(test))
                } else {
                    test
                }
            }
        })
    }

    pub(crate) fn eval(&self, request: &Request, now: DateTime<Utc>) -> Truth {
        match self {
            Cond::All(items) => {
                let mut result = Truth::True;
                for item in items {
                    result = result.and(item.eval(request, now));
                    if result == Truth::False {
                        break;
                    }
                }
                result
            }
            Cond::Any(items) => {
                let mut result = Truth::False;
                for item in items {
                    result = result.or(item.eval(request, now));
                    if result == Truth::True {
                        break;
                    }
                }
                result
            }
            Cond::Not(inner) => inner.eval(request, now).not(),
            Cond::Has(attr) => Truth::from_bool(attr.read(request, now).is_some()),
            Cond::Pair {
                left,
                right,
                ty,
                orderings,
                ..
            } => match (left.read(request, now), right.read(request, now)) {
                (Some(a), Some(b)) => match order_pair(*ty, orderings, &a, &b) {
                    Some(ordering) => Truth::from_bool(orderings.contains(&ordering)),
                    None => Truth::Unknown,
                },
                _ => Truth::Unknown,
            },
            Cond::Test { attr, test, .. } => match attr.read(request, now) {
                Some(val) => test.eval(&val),
                None => Truth::Unknown,
            },
            Cond::Quantified {
                quantifier,
                attr,
                test,
                negate,
                ..
            } => match attr.read(request, now) {
                Some(val) => quantify(*quantifier, test, *negate, &val),
                None => Truth::Unknown,
            },
        }
    }

    /// Every test under this node with its result and the request's value.
    /// (`texts` holds the conditions' texts.)
    pub(crate) fn leaves(
        &self,
        texts: &Texts,
        request: &Request,
        now: DateTime<Utc>,
        out: &mut Vec<(String, Truth, Option<String>)>,
    ) {
        match self {
            Cond::All(items) | Cond::Any(items) => {
                items
                    .iter()
                    .for_each(|i| i.leaves(texts, request, now, out));
            }
            Cond::Not(inner) => inner.leaves(texts, request, now, out),
            Cond::Has(_) => {}
            Cond::Pair {
                left, right, text, ..
            } => {
                let show = |attr: &Attr| {
                    attr.read(request, now).map(|v| {
                        if attr.names_a_secret() {
                            crate::audit::MASKED.to_string()
                        } else {
                            v.to_string()
                        }
                    })
                };
                let value = match (show(left), show(right)) {
                    (None, None) => None,
                    (a, b) => Some(format!(
                        "{} and {}",
                        a.as_deref().unwrap_or("missing"),
                        b.as_deref().unwrap_or("missing")
                    )),
                };
                out.push((texts.get(*text).to_string(), self.eval(request, now), value));
            }
            Cond::Test { attr, text, .. } | Cond::Quantified { attr, text, .. } => {
                let value = attr.read(request, now).map(|v| {
                    if attr.names_a_secret() {
                        crate::audit::MASKED.to_string()
                    } else {
                        v.to_string()
                    }
                });
                out.push((texts.get(*text).to_string(), self.eval(request, now), value));
            }
        }
    }
}

/// The orderings under which `op` holds (`!=` as `==`, negated by the caller).
fn orderings(op: CompareOp) -> &'static [Ordering] {
    use Ordering::{Equal, Greater, Less};
    match op {
        CompareOp::Lt => &[Less],
        CompareOp::Le => &[Less, Equal],
        CompareOp::Gt => &[Greater],
        CompareOp::Ge => &[Greater, Equal],
        _ => &[Equal],
    }
}

/// Orders two request values compared as `ty`; `None` (unknown) when either
/// is not of that type, or does not read as one (a string that is no IP
/// address or RFC 3339 timestamp), or when two custom values of one JSON
/// type cannot be ordered (strings and booleans under `<`).
fn order_pair(ty: ValueType, orderings: &[Ordering], a: &Val, b: &Val) -> Option<Ordering> {
    let equality = orderings == [Ordering::Equal];
    match ty {
        ValueType::String => match (a, b) {
            (Val::Str(a), Val::Str(b)) => Some((*a).cmp(*b)),
            _ => None,
        },
        ValueType::Number => match (a, b) {
            (Val::Number(a), Val::Number(b)) => a.partial_cmp(b),
            _ => None,
        },
        ValueType::Bool => match (a, b) {
            (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        },
        ValueType::Ip => Some(as_ip(a)?.cmp(&as_ip(b)?)),
        ValueType::Timestamp => Some(as_time(a)?.cmp(&as_time(b)?)),
        ValueType::Duration => Some(as_seconds(a)?.cmp(&as_seconds(b)?)),
        ValueType::Any => match (a, b) {
            (Val::Number(a), Val::Number(b)) => a.partial_cmp(b),
            (Val::Str(a), Val::Str(b)) if equality => Some((*a).cmp(*b)),
            (Val::Bool(a), Val::Bool(b)) if equality => Some(a.cmp(b)),
            _ => None,
        },
        ValueType::Cidr | ValueType::TimeOfDay | ValueType::Weekday | ValueType::StringSet => None,
    }
}

/// An IP address, or a string that reads as one (canonical: an IPv4-mapped
/// IPv6 address is its IPv4 address).
pub(crate) fn as_ip(val: &Val) -> Option<IpAddr> {
    match val {
        Val::Ip(ip) => Some(ip.to_canonical()),
        Val::Str(s) => s.parse::<IpAddr>().ok().map(|ip| ip.to_canonical()),
        _ => None,
    }
}

/// An instant, or a string that reads as an RFC 3339 timestamp.
pub(crate) fn as_time(val: &Val) -> Option<DateTime<Utc>> {
    match val {
        Val::Time(t) => Some(*t),
        Val::Str(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

/// A duration in seconds, or a JSON number of whole seconds, 0 or more.
pub(crate) fn as_seconds(val: &Val) -> Option<i64> {
    match val {
        Val::Duration(d) => Some(*d),
        Val::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 9.0e15 => Some(*n as i64),
        _ => None,
    }
}

/// The test for `op operand`, and whether to negate it (`!=`, `not in`);
/// an error message for an operand that cannot be compiled exactly.
fn compile_test(op: CompareOp, operand: &Operand) -> Result<(Test, bool), String> {
    use Ordering::{Equal, Greater, Less};
    let test = match (op, operand) {
        (CompareOp::In | CompareOp::NotIn, Operand::Range(a, b)) => {
            Test::Range(Lit::new(&a.kind), Lit::new(&b.kind))
        }
        (CompareOp::In | CompareOp::NotIn, Operand::List(items))
            if is_network_list(items.iter().map(|v| &v.kind)) =>
        {
            let networks = items
                .iter()
                .map(|v| network(&v.kind))
                .collect::<Option<Vec<_>>>()
                .ok_or("a list of networks may hold only IP addresses and CIDR ranges")?;
            Test::InNetworks(networks)
        }
        (CompareOp::In | CompareOp::NotIn, Operand::Value(v)) if network(&v.kind).is_some() => {
            Test::InNetworks(network(&v.kind).into_iter().collect())
        }
        (CompareOp::In | CompareOp::NotIn, Operand::List(items)) => {
            Test::OneOf(items.iter().map(|v| Lit::new(&v.kind)).collect())
        }
        (CompareOp::Like | CompareOp::ILike, Operand::Value(v)) => {
            let (bank, literals) = like_bank(op, std::slice::from_ref(v))?;
            Test::Like(bank, literals)
        }
        (CompareOp::Like | CompareOp::ILike, Operand::List(items)) => {
            let (bank, literals) = like_bank(op, items)?;
            Test::Like(bank, literals)
        }
        (CompareOp::Contains, Operand::Value(v)) => match &v.kind {
            ValueKind::String(s) => Test::Contains(s.as_str().into()),
            _ => return Err("`contains` takes a string".into()),
        },
        (_, Operand::Value(v)) => {
            let orderings: &'static [Ordering] = match op {
                CompareOp::Lt => &[Less],
                CompareOp::Le => &[Less, Equal],
                CompareOp::Gt => &[Greater],
                CompareOp::Ge => &[Greater, Equal],
                _ => &[Equal],
            };
            Test::Compare(orderings, Lit::new(&v.kind))
        }
        _ => return Err(format!("`{}` cannot take this operand", op.symbol())),
    };
    Ok((test, matches!(op, CompareOp::Ne | CompareOp::NotIn)))
}

/// One bank matching any of the `like` / `ilike` patterns `values`, and
/// the patterns as plain values when none has a wildcard.
fn like_bank(
    op: CompareOp,
    values: &[policy_lang::Value],
) -> Result<(GlobBank, Option<LikeLiterals>), String> {
    let mut texts: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let ValueKind::String(pattern) = &v.kind else {
            return Err("`like` takes string patterns".into());
        };
        // The parser reads a pattern that is not a valid glob as literal
        // text; a glob the engine then refuses is an error, not a test
        // that never holds.
        texts.push(match GlobBuilder::new(pattern).build() {
            Ok(_) => pattern.clone(),
            Err(_) => globset::escape(pattern),
        });
    }
    let mut parsed = Vec::with_capacity(texts.len());
    for text in &texts {
        let glob = GlobBuilder::new(text)
            .case_insensitive(op == CompareOp::ILike)
            .build()
            .map_err(|e| format!("the pattern cannot be compiled: {}", e.kind()))?;
        let nodes = policy_lang::parse_glob(text, false)
            .map_err(|e| format!("the pattern cannot be compiled: {e}"))?;
        parsed.push((glob, nodes));
    }
    let globs: Vec<BankGlob> = parsed
        .iter()
        .map(|(glob, nodes)| BankGlob {
            glob: glob.clone(),
            nodes,
        })
        .collect();
    // Not `Glob::compile_matcher`: it panics where the regex engine
    // refuses the pattern; a bank returns the refusal.
    let syntax = GlobSyntax {
        literal_separator: false,
        case_insensitive: op == CompareOp::ILike,
    };
    let bank = GlobBank::build_for_condition(&globs, syntax)
        .map_err(|(_, why)| format!("the pattern cannot be compiled: {why}"))?;
    let nodes: Vec<&[PatternNode]> = parsed.iter().map(|(_, nodes)| &nodes[..]).collect();
    Ok((bank, LikeLiterals::of(&nodes, op == CompareOp::ILike)))
}

fn is_network_list<'v>(mut items: impl Iterator<Item = &'v ValueKind>) -> bool {
    items.any(|v| matches!(v, ValueKind::Cidr(_) | ValueKind::Ip(_)))
}

fn network(value: &ValueKind) -> Option<IpNet> {
    match value {
        ValueKind::Cidr(net) => Some(*net),
        ValueKind::Ip(ip) => Some(IpNet::from(*ip)),
        _ => None,
    }
}
