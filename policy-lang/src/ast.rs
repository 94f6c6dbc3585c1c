//! The abstract syntax tree: plain data with source spans.
//!
//! Every literal is already typed (IP networks are [`IpNet`], instants are
//! [`DateTime`], durations are seconds), so later stages never parse text.
//! Spans are byte offsets into the source the tree came from; two trees that
//! differ only in spans compare equal through [`PolicyFile::same_shape`].

use chrono::{DateTime, FixedOffset};
use ipnet::IpNet;
use serde::Serialize;
use smallvec::SmallVec;

pub use crate::pattern::{
    CharClass, ClassItem, GlobError, GlobPart, PatternNode, PatternNodes, parse_glob,
    parse_glob_parts, pattern_text, write_nodes,
};
use std::net::IpAddr;

/// A byte range `start..end` in one source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    ///
    /// ```
    /// let span = policy_lang::Span::new(3, 7);
    /// assert_eq!(span.len(), 4);
    /// ```
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no byte (an insertion point).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A comment kept for the formatter: its text without the leading `#`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    /// The text after `#`, trailing whitespace removed.
    pub text: String,
    /// Where the comment stood.
    pub span: Span,
}

/// Comments attached to one item: lines above it and one at the end of its line.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Comments {
    /// Whole-line comments just above the item (and any that stood inside it).
    pub leading: Vec<Comment>,
    /// A comment at the end of the item's last line.
    pub trailing: Option<Comment>,
}

/// One parsed file: zero or more policies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyFile {
    /// The policies, in source order.
    pub policies: Vec<Policy>,
    /// Comments after the last policy.
    pub trailing_comments: Vec<Comment>,
}

/// `policy "name" { statements }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// The policy's name, unique in a policy set.
    pub name: String,
    /// Where the name (with its quotes) stood.
    pub name_span: Span,
    /// Statements in source order; order never changes a decision.
    pub statements: Vec<Statement>,
    /// Comments above the policy.
    pub comments: Comments,
    /// Comments after the last statement, before `}`.
    pub inner_trailing_comments: Vec<Comment>,
    /// The whole policy block.
    pub span: Span,
}

/// Whether a statement grants or forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Grants access when it applies, unless a deny applies too.
    Allow,
    /// Forbids access when it applies; beats every allow.
    Deny,
}

impl Effect {
    /// The keyword: `allow` or `deny`.
    pub fn keyword(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        }
    }
}

/// `allow "name" { principal ... action ... resource ... when { ... } }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// Allow or deny.
    pub effect: Effect,
    /// The statement's name, unique within its policy.
    pub name: String,
    /// Where the name (with its quotes) stood.
    pub name_span: Span,
    /// Who the statement is about.
    pub principal: Matcher,
    /// Which actions.
    pub action: Matcher,
    /// Which secret paths.
    pub resource: Matcher,
    /// `when` / `unless` blocks, all of which must hold.
    pub conditions: Vec<ConditionBlock>,
    /// Comments above the statement.
    pub comments: Comments,
    /// Comments after the last clause, before `}`.
    pub inner_trailing_comments: Vec<Comment>,
    /// The whole statement.
    pub span: Span,
}

/// Which part of a request a matcher reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatcherKind {
    /// The principal's id or groups.
    Principal,
    /// The action name.
    Action,
    /// The secret's path.
    Resource,
}

impl MatcherKind {
    /// The keyword: `principal`, `action` or `resource`.
    pub fn keyword(self) -> &'static str {
        match self {
            MatcherKind::Principal => "principal",
            MatcherKind::Action => "action",
            MatcherKind::Resource => "resource",
        }
    }
}

/// A matcher line: `[not] resource pattern, pattern, ...`.
///
/// It matches when any pattern matches; `not` inverts the whole line
/// (IAM's `NotAction` / `NotResource`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matcher {
    /// Which request part this line reads.
    pub kind: MatcherKind,
    /// True for `not principal|action|resource`.
    pub negated: bool,
    /// At least one pattern. Most lines hold one, kept inline (no
    /// allocation of its own); it reads as a slice.
    pub patterns: SmallVec<[Pattern; 1]>,
    /// Comments around the line.
    pub comments: Comments,
    /// The whole line.
    pub span: Span,
}

/// One pattern of a matcher line, read into its syntax tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pattern {
    /// The pattern's nodes: literal text, wildcards, classes, alternatives
    /// and policy variables (see [`PatternNode`]). Most patterns are a
    /// literal and a wildcard or two, kept inline; it reads as a slice.
    pub nodes: PatternNodes,
    /// For principals: whether this pattern matches group membership (`group:...`)
    /// rather than the principal's id. Always false for actions and resources.
    pub is_group: bool,
    /// Where the pattern stood.
    pub span: Span,
}

impl Pattern {
    /// The pattern's text, printed from its nodes (variables as `${...}`).
    ///
    /// ```
    /// let file = policy_lang::parse("p.policy", r#"policy "p" { allow "a" {
    ///     principal * action * resource prod/${principal.tags.team}/** } }"#).unwrap();
    /// let pattern = &file.policies[0].statements[0].resource.patterns[0];
    /// assert_eq!(pattern.source_text(), "prod/${principal.tags.team}/**");
    /// ```
    pub fn source_text(&self) -> String {
        let mut out = String::new();
        self.write_source_text(&mut out);
        out
    }

    /// The literal text of a pattern that is one literal (no glob syntax,
    /// no variable), borrowed.
    ///
    /// ```
    /// let file = policy_lang::parse("p.policy", r#"policy "p" { allow "a" {
    ///     principal * action secrets:GetSecretValue resource prod/${principal.id} } }"#).unwrap();
    /// let statement = &file.policies[0].statements[0];
    /// assert_eq!(statement.action.patterns[0].literal(), Some("secrets:GetSecretValue"));
    /// assert_eq!(statement.resource.patterns[0].literal(), None);
    /// ```
    pub fn literal(&self) -> Option<&str> {
        match self.nodes.as_slice() {
            [PatternNode::Literal(text)] => Some(&**text),
            _ => None,
        }
    }

    /// Appends [`Pattern::source_text`] to `out`.
    pub fn write_source_text(&self, out: &mut String) {
        write_nodes(&self.nodes, out);
    }

    /// True when the pattern is `*` or `**` alone (matches everything).
    pub fn is_match_all(&self) -> bool {
        matches!(
            self.nodes.as_slice(),
            [PatternNode::Star | PatternNode::DoubleStar]
        )
    }

    /// True when the pattern holds a policy variable.
    pub fn has_variables(&self) -> bool {
        self.variables().next().is_some()
    }

    /// The policy variables of the pattern, in order.
    pub fn variables(&self) -> impl Iterator<Item = &Key> {
        self.nodes.iter().filter_map(|n| match n {
            PatternNode::Variable(key) => Some(&**key),
            _ => None,
        })
    }
}

/// `when { ... }` holds when its expressions hold; `unless { ... }` when they don't.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionBlock {
    /// `when` or `unless`.
    pub kind: BlockKind,
    /// The expressions, one per line in canonical form; all must hold.
    pub exprs: Vec<Expr>,
    /// Comments above the block.
    pub comments: Comments,
    /// Comments after the last expression, before `}`.
    pub inner_trailing_comments: Vec<Comment>,
    /// The whole block.
    pub span: Span,
}

/// The keyword of a condition block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// The statement applies only when the block holds.
    When,
    /// The statement applies only when the block does not hold.
    Unless,
}

/// A boolean expression over request attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    /// What the expression does.
    pub kind: ExprKind,
    /// Comments above it (only top-level lines of a block carry them).
    pub comments: Comments,
    /// Where it stood.
    pub span: Span,
}

/// The forms of an expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    /// `a and b and ...` (two or more).
    And(Vec<Expr>),
    /// `a or b or ...` (two or more).
    Or(Vec<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `(a)`: kept so that formatting reproduces the author's grouping.
    Group(Box<Expr>),
    /// `has key`: true when the request carries the key.
    Has(Key),
    /// A bare boolean key, such as `mfa`: true when the key is `true`.
    Truthy(Key),
    /// `key op operand`, with an optional `at OFFSET` for clock keys.
    Compare(Comparison),
    /// `key op key`: two request values compared with each other.
    CompareKeys(KeyComparison),
    /// `any key op operand` / `all key op operand`: a comparison of each
    /// item of a set-valued key (`principal.groups`, a `context.NAME` sent
    /// as a JSON array or object), joined with `or` / `and`.
    Quantified(Quantified),
}

/// Whether some or every item of a set must pass a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantifier {
    /// `any`: true when some item's comparison is true (false on an empty set).
    Any,
    /// `all`: true when no item's comparison is false or unknown (true on an empty set).
    All,
}

impl Quantifier {
    /// The keyword: `any` or `all`.
    pub fn keyword(self) -> &'static str {
        match self {
            Quantifier::Any => "any",
            Quantifier::All => "all",
        }
    }
}

/// `any key op operand` / `all key op operand`.
///
/// `comparison.key` is the set-valued key; `comparison.op` and
/// `comparison.operand` are the comparison each item takes, typed as a
/// custom attribute's is (by its literal), with no `at` offset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantified {
    /// `any` or `all`.
    pub quantifier: Quantifier,
    /// The comparison of one item.
    pub comparison: Comparison,
}

/// `left op right`, two request values: `resource.tags.owner ==
/// principal.tags.team`. `op` is `==`, `!=`, `<`, `<=`, `>` or `>=`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyComparison {
    /// The key on the left.
    pub left: Key,
    /// The operator.
    pub op: CompareOp,
    /// The key on the right.
    pub right: Key,
    /// The type both values are compared as: the type of the typed side
    /// (both agree when both are typed), or [`ValueType::Any`] when both
    /// are custom attributes (then the request's values must have the same
    /// JSON type).
    pub ty: ValueType,
}

/// `key op operand [at offset]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The request attribute read.
    pub key: Key,
    /// The operator.
    pub op: CompareOp,
    /// The typed right-hand side.
    pub operand: Operand,
    /// For `time_of_day` and `weekday`: the UTC offset the clock is read at.
    pub offset: Option<UtcOffset>,
}

/// A UTC offset as written (`UTC`, `+02:00`, `UTC-05:00`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UtcOffset {
    /// East of UTC, in seconds.
    pub seconds_east: i32,
    /// Where it stood.
    pub span: Span,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`: list membership, CIDR containment or a half-open range `a .. b`.
    In,
    /// `not in`
    NotIn,
    /// `like`: glob match on strings, case-sensitive.
    Like,
    /// `ilike`: glob match on strings, ignoring ASCII case.
    ILike,
    /// `contains`: set membership (`principal.groups contains "group:ops"`).
    Contains,
}

impl CompareOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
            CompareOp::Like => "like",
            CompareOp::ILike => "ilike",
            CompareOp::Contains => "contains",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Operand {
    /// One value.
    Value(Value),
    /// `[a, b, ...]`.
    List(Vec<Value>),
    /// `a .. b`: from `a` (included) to `b` (excluded).
    Range(Value, Value),
}

/// A typed literal with its span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    /// The typed value.
    pub kind: ValueKind,
    /// Where it stood.
    pub span: Span,
}

/// Typed literals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueKind {
    /// `"text"`.
    String(String),
    /// `42`, `-1.5`.
    Number(f64),
    /// `true`, `false`.
    Bool(bool),
    /// `10.1.2.3`, `fd00::1`.
    Ip(IpAddr),
    /// `10.0.0.0/8`, `fd00::/8`.
    Cidr(IpNet),
    /// `2026-01-01T00:00:00Z` (RFC 3339).
    Timestamp(DateTime<FixedOffset>),
    /// `15m`, `1h30m`: whole seconds.
    Duration(i64),
    /// `09:30`: seconds after midnight.
    TimeOfDay(u32),
    /// `Mon` .. `Sun`: 0 = Monday.
    Weekday(u8),
}

/// A request attribute: `source_ip`, `principal.tags.team`, `context.ticket`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Key {
    /// Which attribute.
    pub path: KeyPath,
    /// Where it stood.
    pub span: Span,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.path.fmt(f)
    }
}

/// The attributes a condition can read, each with one type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum KeyPath {
    /// `source_ip`: IP address.
    SourceIp,
    /// `mfa`: boolean.
    Mfa,
    /// `mfa_age`: duration since MFA.
    MfaAge,
    /// `version_stage`: string.
    VersionStage,
    /// `time`: the request's instant.
    Time,
    /// `time_of_day`: clock time at an offset.
    TimeOfDay,
    /// `weekday`: day of week at an offset.
    Weekday,
    /// `action`: string.
    Action,
    /// `principal.id`: string.
    PrincipalId,
    /// `principal.groups`: set of strings.
    PrincipalGroups,
    /// `principal.tags.NAME`: string.
    PrincipalTag(String),
    /// `resource.path`: string.
    ResourcePath,
    /// `resource.tags.NAME`: string.
    ResourceTag(String),
    /// `context.NAME` or `context.A.B...`: a custom request attribute (a
    /// member of nested JSON objects for a path of several names); its type
    /// comes from the literal.
    Context(ContextPath),
}

/// The names after `context.`: one for `context.ticket`, several for a
/// member of nested objects (`context.parameters."max-ttl"`), at most
/// [`ContextPath::MAX_NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ContextPath {
    names: SmallVec<[String; 1]>,
}

impl ContextPath {
    /// The most names a path may have after `context.`.
    pub const MAX_NAMES: usize = 8;

    /// A path of one name, as `context.NAME` reads.
    ///
    /// ```
    /// let path = policy_lang::ContextPath::name("ticket");
    /// assert_eq!(path.to_string(), "ticket");
    /// ```
    pub fn name(name: impl Into<String>) -> Self {
        ContextPath {
            names: smallvec::smallvec![name.into()],
        }
    }

    /// A path of the given names, or `None` when there are none or more
    /// than [`ContextPath::MAX_NAMES`], or one is empty.
    ///
    /// ```
    /// let path = policy_lang::ContextPath::new(["parameters", "max-ttl"]).unwrap();
    /// assert_eq!(path.to_string(), "parameters.max-ttl");
    /// assert!(policy_lang::ContextPath::new(Vec::<String>::new()).is_none());
    /// ```
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Option<Self> {
        let names: SmallVec<[String; 1]> = names.into_iter().map(Into::into).collect();
        let ok = !names.is_empty()
            && names.len() <= Self::MAX_NAMES
            && names.iter().all(|n| !n.is_empty());
        ok.then_some(ContextPath { names })
    }

    /// The names, outermost first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The first name: the member of `context` the path starts at.
    pub fn first(&self) -> &str {
        self.names.first().map_or("", String::as_str)
    }

    /// True for a path of several names.
    pub fn is_nested(&self) -> bool {
        self.names.len() > 1
    }
}

impl std::fmt::Display for ContextPath {
    /// The names joined with `.`, each bare or quoted as written in a key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{}", AttributeName(name))?;
        }
        Ok(())
    }
}

impl KeyPath {
    /// The fixed keys and their names, for lookups and suggestions.
    pub const FIXED: &'static [(&'static str, KeyPath)] = &[
        ("source_ip", KeyPath::SourceIp),
        ("mfa", KeyPath::Mfa),
        ("mfa_age", KeyPath::MfaAge),
        ("version_stage", KeyPath::VersionStage),
        ("time", KeyPath::Time),
        ("time_of_day", KeyPath::TimeOfDay),
        ("weekday", KeyPath::Weekday),
        ("action", KeyPath::Action),
        ("principal.id", KeyPath::PrincipalId),
        ("principal.groups", KeyPath::PrincipalGroups),
        ("resource.path", KeyPath::ResourcePath),
    ];

    /// The type of value this key holds in a request.
    pub fn value_type(&self) -> ValueType {
        match self {
            KeyPath::SourceIp => ValueType::Ip,
            KeyPath::Mfa => ValueType::Bool,
            KeyPath::MfaAge => ValueType::Duration,
            KeyPath::Time => ValueType::Timestamp,
            KeyPath::TimeOfDay => ValueType::TimeOfDay,
            KeyPath::Weekday => ValueType::Weekday,
            KeyPath::PrincipalGroups => ValueType::StringSet,
            KeyPath::Context(_) => ValueType::Any,
            KeyPath::VersionStage
            | KeyPath::Action
            | KeyPath::PrincipalId
            | KeyPath::PrincipalTag(_)
            | KeyPath::ResourcePath
            | KeyPath::ResourceTag(_) => ValueType::String,
        }
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyPath::PrincipalTag(name) => write!(f, "principal.tags.{}", AttributeName(name)),
            KeyPath::ResourceTag(name) => write!(f, "resource.tags.{}", AttributeName(name)),
            KeyPath::Context(path) => write!(f, "context.{path}"),
            fixed => {
                let name = KeyPath::FIXED
                    .iter()
                    .find(|(_, k)| k == fixed)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

/// Whether `name` is written bare after `context.` or `tags.`: a letter or
/// `_`, then letters, digits, `_` or `-` (the grammar's `ident`).
pub fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An attribute name as written in a key: bare when it is an identifier,
/// quoted (as a string literal) otherwise, as in `context."aws:SourceVpce"`.
pub struct AttributeName<'a>(pub &'a str);

impl std::fmt::Display for AttributeName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if is_bare_name(self.0) {
            f.write_str(self.0)
        } else {
            f.write_str(&crate::literal::quote(self.0))
        }
    }
}

/// The type of a key or literal, as named in diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ValueType {
    /// Text.
    String,
    /// A number.
    Number,
    /// `true` / `false`.
    Bool,
    /// An IP address.
    Ip,
    /// A CIDR network.
    Cidr,
    /// An instant.
    Timestamp,
    /// A length of time.
    Duration,
    /// A clock time.
    TimeOfDay,
    /// A day of the week.
    Weekday,
    /// A set of strings.
    StringSet,
    /// Custom attributes: typed by the literal they are compared with.
    Any,
}

impl ValueType {
    /// The name used in messages, such as "IP address".
    pub fn describe(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Number => "number",
            ValueType::Bool => "boolean",
            ValueType::Ip => "IP address",
            ValueType::Cidr => "CIDR range",
            ValueType::Timestamp => "timestamp",
            ValueType::Duration => "duration",
            ValueType::TimeOfDay => "time of day",
            ValueType::Weekday => "weekday",
            ValueType::StringSet => "set of strings",
            ValueType::Any => "custom attribute",
        }
    }
}

impl ValueType {
    /// The operators that compare two request values of this type
    /// (`key op key`): equality on strings, booleans and IP addresses,
    /// order on timestamps, both on numbers, durations and two custom
    /// attributes (whose values must then be of one JSON type, and numbers
    /// to be ordered).
    pub fn key_comparison_ops(self) -> &'static [CompareOp] {
        use CompareOp::*;
        match self {
            ValueType::String | ValueType::Bool | ValueType::Ip => &[Eq, Ne],
            ValueType::Timestamp => &[Lt, Le, Gt, Ge],
            ValueType::Number | ValueType::Duration | ValueType::Any => &[Eq, Ne, Lt, Le, Gt, Ge],
            ValueType::Cidr | ValueType::TimeOfDay | ValueType::Weekday | ValueType::StringSet => {
                &[]
            }
        }
    }
}

impl ValueKind {
    /// The literal's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            ValueKind::String(_) => ValueType::String,
            ValueKind::Number(_) => ValueType::Number,
            ValueKind::Bool(_) => ValueType::Bool,
            ValueKind::Ip(_) => ValueType::Ip,
            ValueKind::Cidr(_) => ValueType::Cidr,
            ValueKind::Timestamp(_) => ValueType::Timestamp,
            ValueKind::Duration(_) => ValueType::Duration,
            ValueKind::TimeOfDay(_) => ValueType::TimeOfDay,
            ValueKind::Weekday(_) => ValueType::Weekday,
        }
    }
}
