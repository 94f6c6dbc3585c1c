//! Schemas: the custom attributes a deployment's requests carry, with their
//! types, in the language's own style.
//!
//! ```text
//! schema {
//!   context.incident: string optional
//!   context.ticket_count: number
//!   principal.tags.team: enum ["payments", "search", "ops"]
//!   resource.tags.env: enum ["dev", "staging", "prod"]
//! }
//! ```
//!
//! A schema declares every custom key: `context.NAME`, `principal.tags.NAME`
//! and `resource.tags.NAME`. Built-in keys (`source_ip`, `mfa`, ...) have
//! fixed types and are never declared. With a schema, a policy that reads an
//! undeclared key, or compares a declared one with a literal of another type,
//! is refused ([`Schema::check`]); hosts refuse requests that carry an
//! undeclared attribute, a value of another type, or lack a required one.
//!
//! ```
//! let schema = policy_lang::Schema::parse_set(&[("app.schema", r#"
//! schema {
//!   context.incident: string optional
//!   resource.tags.env: enum ["dev", "prod"]
//! }"#)], &policy_lang::Limits::default()).unwrap();
//! let text = r#"policy "p" { allow "a" { principal * action * resource ** when {
//!     context.incidnet like "INC-*"
//!     resource.tags.env == "production"
//! } } }"#;
//! let file = policy_lang::parse("p.policy", text).unwrap();
//! let problems = schema.check("p.policy", text, &file);
//! assert_eq!(problems[0].kind(), policy_lang::DiagnosticKind::UndeclaredKey);
//! assert_eq!(problems[0].hint(), Some("did you mean `context.incident`?"));
//! assert_eq!(problems[1].kind(), policy_lang::DiagnosticKind::SchemaMismatch);
//! ```

use crate::ValueType;
use crate::diagnostic::{Diagnostic, DiagnosticKind, ParseError, SourceMap, closest};
use crate::{
    CompareOp, Expr, ExprKind, Key, KeyPath, Limits, Operand, PolicyFile, Span, ValueKind,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The longest name [`Schema::suggest`] looks for a near match of, in bytes.
pub const MAX_SUGGESTED_NAME: usize = 128;

/// Undeclared keys in one policy file that get a "did you mean" (each costs
/// a pass over the schema); later ones get the plain hint.
const MAX_SUGGESTIONS: usize = 64;

/// The context fields a request carries under their own names, with fixed
/// types: a schema never declares them.
pub const BUILT_IN_CONTEXT_FIELDS: &[&str] = &[
    "source_ip",
    "mfa",
    "mfa_age_seconds",
    "version_stage",
    "time",
];

/// One parsed schema file: its declarations, in source order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaFile {
    /// Every declaration of every `schema { }` block of the file.
    pub declarations: Vec<Declaration>,
}

/// `KEY: TYPE [optional]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Declaration {
    /// The attribute declared.
    pub key: SchemaKey,
    /// Where the key stood.
    pub key_span: Span,
    /// Its type.
    pub ty: AttributeType,
    /// Where the type stood.
    pub ty_span: Span,
    /// False when marked `optional`: a request must then not lack it.
    pub required: bool,
    /// The whole declaration.
    pub span: Span,
}

/// A custom key a schema declares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SchemaKey {
    /// `context.NAME`.
    Context(String),
    /// `principal.tags.NAME`.
    PrincipalTag(String),
    /// `resource.tags.NAME`.
    ResourceTag(String),
}

impl SchemaKey {
    /// The schema key a policy key reads, `None` for built-in keys.
    pub fn of(path: &KeyPath) -> Option<SchemaKey> {
        match path {
            // A nested attribute `context.A.B` is covered by the declaration
            // of `context.A`, as an `object`.
            KeyPath::Context(path) => Some(SchemaKey::Context(path.first().to_string())),
            KeyPath::PrincipalTag(name) => Some(SchemaKey::PrincipalTag(name.clone())),
            KeyPath::ResourceTag(name) => Some(SchemaKey::ResourceTag(name.clone())),
            _ => None,
        }
    }

    /// The name without its prefix (`team` for `principal.tags.team`).
    pub fn name(&self) -> &str {
        match self {
            SchemaKey::Context(name)
            | SchemaKey::PrincipalTag(name)
            | SchemaKey::ResourceTag(name) => name,
        }
    }
}

/// As request fields are named (`context.aws:SourceVpce`, unquoted: the
/// JSON name as sent).
impl fmt::Display for SchemaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaKey::Context(name) => write!(f, "context.{name}"),
            SchemaKey::PrincipalTag(name) => write!(f, "principal.tags.{name}"),
            SchemaKey::ResourceTag(name) => write!(f, "resource.tags.{name}"),
        }
    }
}

/// The type of a declared attribute, and the JSON a request sends for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AttributeType {
    /// `string`: a JSON string.
    String,
    /// `enum ["a", "b"]`: a JSON string, one of these.
    Enum(BTreeSet<String>),
    /// `number`: a JSON number.
    Number,
    /// `bool`: `true` or `false`.
    Bool,
    /// `ip`: a JSON string holding an IPv4 or IPv6 address.
    Ip,
    /// `time`: a JSON string holding an RFC 3339 timestamp.
    Time,
    /// `duration`: a JSON number of whole seconds, 0 or more.
    Duration,
    /// `set<string>` or `set<enum [...]>`: a JSON array of strings (of
    /// the enumeration's values), compared in policies with `contains`.
    /// Context attributes only.
    Set(Box<AttributeType>),
    /// `object`: a JSON object, whose members policies read as
    /// `context.NAME.MEMBER` and `any` / `all` range over by name. The
    /// schema does not type its members. Context attributes only.
    Object,
}

impl AttributeType {
    /// The type names, as written in a schema.
    pub const NAMES: &'static [&'static str] = &[
        "string", "enum", "number", "bool", "ip", "time", "duration", "set", "object",
    ];

    /// The type as written in a schema (`enum [...]` without its values).
    pub fn name(&self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Enum(_) => "enum",
            AttributeType::Number => "number",
            AttributeType::Bool => "bool",
            AttributeType::Ip => "ip",
            AttributeType::Time => "time",
            AttributeType::Duration => "duration",
            AttributeType::Set(_) => "set",
            AttributeType::Object => "object",
        }
    }
}

/// What a [`Schema`] knows of one declared key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Declared {
    /// Its type.
    pub ty: AttributeType,
    /// Whether every request must carry it.
    pub required: bool,
    /// The schema file that declares it.
    pub file: String,
    /// Where, in that file.
    pub span: Span,
}

/// Every declaration of a set of schema files, checked: each key declared
/// once. Built by [`Schema::parse_set`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Schema {
    declared: BTreeMap<SchemaKey, Declared>,
}

impl Schema {
    /// Parses schema sources (`(name, text)` pairs) into one schema, under
    /// `limits` (`max_source_bytes` bounds each source). Every problem in
    /// every source is returned, as for policies; a key declared in two
    /// places is an error.
    pub fn parse_set(sources: &[(&str, &str)], limits: &Limits) -> Result<Schema, ParseError> {
        let mut schema = Schema::default();
        let mut errors = Vec::new();
        for (name, text) in sources {
            let file = match parse_schema_with(name, text, limits) {
                Ok(file) => file,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            let map = SourceMap::new(name, text);
            let mut duplicates = Vec::new();
            for declaration in file.declarations {
                if let Some(first) = schema.declared.get(&declaration.key) {
                    let builder = map.diagnostic(
                        DiagnosticKind::DuplicateDeclaration,
                        declaration.key_span,
                        format!("`{}` is declared twice", declaration.key),
                    );
                    let builder = if first.file == *name {
                        builder.related(map.related(first.span, "first declared here"))
                    } else {
                        let at = SourceMap::new(&first.file, first_text(sources, &first.file))
                            .locate(first.span.start);
                        builder.hint(format!(
                            "first declared in {}:{}:{}; declare each key once",
                            first.file, at.line, at.column
                        ))
                    };
                    duplicates.push(builder.build());
                    continue;
                }
                schema.declared.insert(
                    declaration.key,
                    Declared {
                        ty: declaration.ty,
                        required: declaration.required,
                        file: name.to_string(),
                        span: declaration.key_span,
                    },
                );
            }
            if !duplicates.is_empty() {
                errors.push(ParseError::new(duplicates));
            }
        }
        match ParseError::merge(errors) {
            Some(error) => Err(error),
            None => Ok(schema),
        }
    }

    /// The declaration of `key`.
    pub fn get(&self, key: &SchemaKey) -> Option<&Declared> {
        self.declared.get(key)
    }

    /// Every declaration, in key order (context, then principal tags, then
    /// resource tags; by name within each).
    pub fn iter(&self) -> impl Iterator<Item = (&SchemaKey, &Declared)> {
        self.declared.iter()
    }

    /// True when the schema declares nothing (every custom key is then
    /// undeclared).
    pub fn is_empty(&self) -> bool {
        self.declared.is_empty()
    }

    /// The declared key most likely meant by an undeclared `key`, for "did
    /// you mean": the closest name of the same kind (`context.incidnet` for
    /// `context.incident`), else the same name of another kind
    /// (`context.team` for `principal.tags.team`).
    /// Names longer than [`MAX_SUGGESTED_NAME`] get no suggestion, so that
    /// the cost stays linear in the schema's size whatever the key.
    pub fn suggest(&self, key: &SchemaKey) -> Option<&SchemaKey> {
        if key.name().len() > MAX_SUGGESTED_NAME {
            return None;
        }
        let same_kind = self
            .declared
            .keys()
            .filter(|k| std::mem::discriminant(*k) == std::mem::discriminant(key));
        let names: Vec<&str> = same_kind.clone().map(SchemaKey::name).collect();
        if let Some(near) = closest(key.name(), names.iter().copied()) {
            return same_kind.clone().find(|k| k.name() == near);
        }
        self.declared.keys().find(|k| k.name() == key.name())
    }

    /// Checks one parsed policy file (named `file`, parsed from `source`)
    /// against the schema: every custom key a condition or a `${...}`
    /// variable reads must be declared, and every literal compared with a
    /// declared key must fit its type (for an enumeration, be one of its
    /// values). Returns every problem, in source order.
    pub fn check(&self, file: &str, source: &str, policies: &PolicyFile) -> Vec<Diagnostic> {
        let mut checker = Checker {
            schema: self,
            map: SourceMap::new(file, source),
            diagnostics: Vec::new(),
            suggestions: 0,
        };
        for policy in &policies.policies {
            for statement in &policy.statements {
                for matcher in [&statement.principal, &statement.action, &statement.resource] {
                    for pattern in &matcher.patterns {
                        for key in pattern.variables() {
                            checker.variable(key);
                        }
                    }
                }
                for block in &statement.conditions {
                    for expr in &block.exprs {
                        checker.expr(expr);
                    }
                }
            }
        }
        let mut diagnostics = checker.diagnostics;
        diagnostics.sort_by_key(|d| d.span().start);
        diagnostics
    }
}

/// "a" or "an" before `word`.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'I']) {
        "an"
    } else {
        "a"
    }
}

fn first_text<'a>(sources: &[(&'a str, &'a str)], file: &str) -> &'a str {
    sources
        .iter()
        .find(|(name, _)| *name == file)
        .map_or("", |(_, text)| text)
}

struct Checker<'s> {
    schema: &'s Schema,
    map: SourceMap<'s>,
    diagnostics: Vec<Diagnostic>,
    /// Suggestions looked for so far (at most [`MAX_SUGGESTIONS`]).
    suggestions: usize,
}

impl<'s> Checker<'s> {
    /// The declaration of a custom key, or `None` for a built-in key (and
    /// for an undeclared one, which is reported).
    fn declared(&mut self, key: &Key) -> Option<&'s Declared> {
        let declared = self.declared_key(key)?;
        let KeyPath::Context(path) = &key.path else {
            return Some(declared);
        };
        if !path.is_nested() {
            return Some(declared);
        }
        // `context.A.B`: `context.A` must be an `object`, whose members
        // the schema does not type (nothing more to check).
        if declared.ty != AttributeType::Object {
            let message = format!(
                "`context.{}` is declared as `{}`; `{key}` reads a member of an `object`",
                crate::AttributeName(path.first()),
                declared.ty.name()
            );
            self.mismatch(key.span, message, None);
        }
        None
    }

    /// The declaration of the custom key `key` reads (its first name, for a
    /// nested attribute), or `None` for a built-in key (and for an
    /// undeclared one, which is reported).
    fn declared_key(&mut self, key: &Key) -> Option<&'s Declared> {
        let schema_key = SchemaKey::of(&key.path)?;
        if self.schema.get(&schema_key).is_none() {
            let text = schema_key.to_string();
            let mut builder = self
                .map
                .diagnostic(
                    DiagnosticKind::UndeclaredKey,
                    key.span,
                    format!("`{text}` is not declared in the schema"),
                )
                .expected("a key the schema declares");
            self.suggestions += 1;
            let near = if self.suggestions <= MAX_SUGGESTIONS {
                self.schema.suggest(&schema_key)
            } else {
                None
            };
            builder = match near {
                Some(near) => builder.hint(format!("did you mean `{near}`?")),
                None => builder.hint(format!(
                    "declare it in a schema file (`{text}: string`), or check its spelling"
                )),
            };
            self.diagnostics.push(builder.build());
            return None;
        }
        self.schema.get(&schema_key)
    }

    fn variable(&mut self, key: &Key) {
        let Some(declared) = self.declared(key) else {
            return;
        };
        if !matches!(declared.ty, AttributeType::String | AttributeType::Enum(_)) {
            let message = format!(
                "`{key}` is declared as `{}`; a policy variable takes a string",
                declared.ty.name()
            );
            self.mismatch(key.span, message, None);
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::And(items) | ExprKind::Or(items) => items.iter().for_each(|e| self.expr(e)),
            ExprKind::Not(inner) | ExprKind::Group(inner) => self.expr(inner),
            ExprKind::Has(key) => {
                self.declared(key);
            }
            ExprKind::Truthy(key) => {
                if let Some(declared) = self.declared(key)
                    && declared.ty != AttributeType::Bool
                {
                    let message = format!(
                        "`{key}` is declared as `{}`; alone, a key must be a `bool`",
                        declared.ty.name()
                    );
                    self.mismatch(key.span, message, None);
                }
            }
            ExprKind::CompareKeys(c) => self.key_comparison(c),
            ExprKind::Quantified(q) => {
                let comparison = &q.comparison;
                let Some(declared) = self.declared(&comparison.key) else {
                    return;
                };
                let item = match declared.ty.clone() {
                    AttributeType::Set(item) => Some(*item),
                    AttributeType::Object => Some(AttributeType::String),
                    _ => None,
                };
                let Some(item) = item else {
                    let message = format!(
                        "`{}` is declared as `{}`; `{}` takes a set",
                        comparison.key,
                        declared.ty.name(),
                        q.quantifier.keyword()
                    );
                    self.mismatch(comparison.key.span, message, None);
                    return;
                };
                let values: Vec<&crate::Value> = match &comparison.operand {
                    Operand::Value(value) => vec![value],
                    Operand::List(values) => values.iter().collect(),
                    Operand::Range(from, to) => vec![from, to],
                };
                let membership = matches!(
                    comparison.op,
                    CompareOp::Eq | CompareOp::Ne | CompareOp::In | CompareOp::NotIn
                );
                for value in values {
                    self.literal(&comparison.key, &item, membership, value);
                }
            }
            ExprKind::Compare(comparison) => {
                let Some(declared) = self.declared(&comparison.key) else {
                    return;
                };
                let ty = declared.ty.clone();
                let values: Vec<&crate::Value> = match &comparison.operand {
                    Operand::Value(value) => vec![value],
                    Operand::List(values) => values.iter().collect(),
                    Operand::Range(from, to) => vec![from, to],
                };
                // A set is compared with `contains` only, and `contains`
                // compares sets only; its literal is then an item.
                let contains = comparison.op == CompareOp::Contains;
                let ty = match (ty, contains) {
                    (AttributeType::Set(item), true) => *item,
                    (ty, false) if !matches!(ty, AttributeType::Set(_)) => ty,
                    (ty, _) => {
                        let message = if contains {
                            format!(
                                "`{}` is declared as `{}`; `contains` tests a set",
                                comparison.key,
                                ty.name()
                            )
                        } else {
                            format!(
                                "`{}` is declared as a set; `{}` cannot compare it",
                                comparison.key,
                                comparison.op.symbol()
                            )
                        };
                        let hint = (!contains).then_some("test a set with `contains \"VALUE\"`");
                        self.mismatch(comparison.key.span, message, hint);
                        return;
                    }
                };
                let membership = matches!(
                    comparison.op,
                    CompareOp::Eq
                        | CompareOp::Ne
                        | CompareOp::In
                        | CompareOp::NotIn
                        | CompareOp::Contains
                );
                for value in values {
                    self.literal(&comparison.key, &ty, membership, value);
                }
            }
        }
    }

    /// `left op right`: each custom side must be declared, and the types
    /// the schema gives (or the built-in keys have) must agree and be
    /// compared by `op`.
    fn key_comparison(&mut self, c: &crate::KeyComparison) {
        let side = |checker: &mut Self, key: &Key| -> Option<(ValueType, Option<&'static str>)> {
            if SchemaKey::of(&key.path).is_none() {
                return Some((key.path.value_type(), None));
            }
            let declared = checker.declared(key)?;
            let ty = match &declared.ty {
                AttributeType::String | AttributeType::Enum(_) => ValueType::String,
                AttributeType::Number => ValueType::Number,
                AttributeType::Bool => ValueType::Bool,
                AttributeType::Ip => ValueType::Ip,
                AttributeType::Time => ValueType::Timestamp,
                AttributeType::Duration => ValueType::Duration,
                AttributeType::Set(_) => ValueType::StringSet,
                // A member of an object: untyped, as without a schema.
                AttributeType::Object => ValueType::Any,
            };
            Some((ty, Some(declared.ty.name())))
        };
        let (Some((lt, ldeclared)), Some((rt, rdeclared))) =
            (side(self, &c.left), side(self, &c.right))
        else {
            return;
        };
        if ldeclared.is_none() && rdeclared.is_none() {
            return;
        }
        let describe = |key: &Key, ty: ValueType, declared: Option<&str>| match declared {
            Some(name) => format!("`{key}` is declared as `{name}`"),
            None => format!("`{key}` holds {} {}", article(ty.describe()), ty.describe()),
        };
        if lt != rt {
            let message = format!(
                "{} and {}; they cannot be compared",
                describe(&c.left, lt, ldeclared),
                describe(&c.right, rt, rdeclared)
            );
            self.mismatch(
                Span::new(c.left.span.start, c.right.span.end),
                message,
                None,
            );
        } else if !lt.key_comparison_ops().contains(&c.op) {
            let message = format!(
                "{}; `{}` cannot compare it with another attribute",
                describe(&c.left, lt, ldeclared),
                c.op.symbol()
            );
            self.mismatch(
                Span::new(c.left.span.start, c.right.span.end),
                message,
                None,
            );
        }
    }

    /// One literal compared with a declared key.
    fn literal(&mut self, key: &Key, ty: &AttributeType, membership: bool, value: &crate::Value) {
        let fits = matches!(
            (ty, &value.kind),
            (
                AttributeType::String | AttributeType::Enum(_),
                ValueKind::String(_)
            ) | (AttributeType::Number, ValueKind::Number(_))
                | (AttributeType::Bool, ValueKind::Bool(_))
                | (AttributeType::Ip, ValueKind::Ip(_) | ValueKind::Cidr(_))
                | (AttributeType::Time, ValueKind::Timestamp(_))
                | (AttributeType::Duration, ValueKind::Duration(_))
        );
        if !fits {
            let hint = match ty {
                AttributeType::Time => {
                    Some("compare it with a timestamp, as in `2026-01-01T00:00:00Z`")
                }
                AttributeType::Duration => Some("compare it with a duration, as in `15m`"),
                _ => None,
            };
            let message = format!(
                "`{key}` is declared as `{}`, but is compared with a {}",
                ty.name(),
                value.kind.value_type().describe()
            );
            self.mismatch(value.span, message, hint);
            return;
        }
        if let (AttributeType::Enum(allowed), ValueKind::String(text)) = (ty, &value.kind)
            && membership
            && !allowed.contains(text)
        {
            let near = closest(text, allowed.iter().map(String::as_str));
            let listed = allowed
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let mut builder = self
                .map
                .diagnostic(
                    DiagnosticKind::SchemaMismatch,
                    value.span,
                    format!("\"{text}\" is not a value of `{key}`"),
                )
                .expected(format!("one of {listed}"));
            if let Some(near) = near {
                builder = builder.hint(format!("did you mean \"{near}\"?"));
            }
            self.diagnostics.push(builder.build());
        }
    }

    fn mismatch(&mut self, span: Span, message: String, hint: Option<&str>) {
        let builder = self
            .map
            .diagnostic(DiagnosticKind::SchemaMismatch, span, message);
        let builder = match hint {
            Some(hint) => builder.hint(hint),
            None => builder,
        };
        self.diagnostics.push(builder.build());
    }
}

/// Parses one schema file under the default [`Limits`].
///
/// ```
/// let file = policy_lang::parse_schema("app.schema",
///     "schema {\n  context.ticket: strng\n}").unwrap_err();
/// let d = &file.diagnostics()[0];
/// assert_eq!(d.kind(), policy_lang::DiagnosticKind::UnknownType);
/// assert_eq!((d.location().line, d.location().column), (2, 19));
/// assert_eq!(d.hint(), Some("did you mean `string`?"));
/// ```
pub fn parse_schema(file: &str, source: &str) -> Result<SchemaFile, ParseError> {
    parse_schema_with(file, source, &Limits::default())
}

/// [`parse_schema`] under the given limits (`max_source_bytes`).
pub fn parse_schema_with(
    file: &str,
    source: &str,
    limits: &Limits,
) -> Result<SchemaFile, ParseError> {
    let map = SourceMap::new(file, source);
    if source.len() > limits.max_source_bytes {
        let d = map
            .diagnostic(
                DiagnosticKind::LimitExceeded,
                Span::new(0, 0),
                format!(
                    "the schema is {} bytes long; the limit is {} bytes (max_source_bytes)",
                    source.len(),
                    limits.max_source_bytes
                ),
            )
            .hint("split the schema into smaller files, or raise the limit")
            .build();
        return Err(ParseError::new(vec![d]));
    }
    let mut diagnostics = Vec::new();
    let tokens = lex(&map, source, &mut diagnostics);
    // As for policies: a broken string or escape hides where the next
    // token starts, so only the scan's errors are reported.
    if !diagnostics.is_empty() {
        return Err(ParseError::new(diagnostics));
    }
    let mut parser = Parser {
        map: &map,
        tokens,
        at: 0,
        diagnostics,
        end: source.len(),
    };
    let declarations = parser.file();
    if parser.diagnostics.is_empty() {
        Ok(SchemaFile { declarations })
    } else {
        Err(ParseError::new(parser.diagnostics))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Colon,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Newline,
    Other(char),
}

/// Splits the text into tokens; comments and blanks other than line breaks
/// are dropped. A bad string is reported and read as far as it goes.
fn lex(map: &SourceMap, source: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<(Tok, Span)> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let single = |tok| (tok, Span::new(start, start + c.len_utf8()));
        match c {
            '\n' => tokens.push(single(Tok::Newline)),
            c if c.is_whitespace() => {}
            '#' => while chars.next_if(|(_, c)| *c != '\n').is_some() {},
            ':' => tokens.push(single(Tok::Colon)),
            '{' => tokens.push(single(Tok::LBrace)),
            '}' => tokens.push(single(Tok::RBrace)),
            '[' => tokens.push(single(Tok::LBracket)),
            ']' => tokens.push(single(Tok::RBracket)),
            ',' => tokens.push(single(Tok::Comma)),
            '"' => {
                let mut text = String::new();
                let mut end = None;
                while let Some((at, c)) = chars.next_if(|(_, c)| *c != '\n') {
                    match c {
                        '"' => {
                            end = Some(at + 1);
                            break;
                        }
                        '\\' => match chars.next_if(|(_, c)| *c != '\n') {
                            Some((_, '"')) => text.push('"'),
                            Some((_, '\\')) => text.push('\\'),
                            Some((_, 'n')) => text.push('\n'),
                            Some((_, 't')) => text.push('\t'),
                            Some((escape_at, other)) => diagnostics.push(
                                map.diagnostic(
                                    DiagnosticKind::InvalidEscape,
                                    Span::new(at, escape_at + other.len_utf8()),
                                    format!("unknown escape `\\{other}`"),
                                )
                                .hint("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`")
                                .build(),
                            ),
                            None => {}
                        },
                        c => text.push(c),
                    }
                }
                match end {
                    Some(end) => tokens.push((Tok::Str(text), Span::new(start, end))),
                    None => diagnostics.push(
                        map.diagnostic(
                            DiagnosticKind::UnterminatedString,
                            Span::new(start, start + 1),
                            "unterminated string",
                        )
                        .hint("close the string with `\"` on the same line")
                        .build(),
                    ),
                }
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let mut end = start + 1;
                while let Some((at, c)) = chars
                    .next_if(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                {
                    end = at + c.len_utf8();
                }
                let word = source.get(start..end).unwrap_or_default().to_string();
                tokens.push((Tok::Word(word), Span::new(start, end)));
            }
            other => tokens.push(single(Tok::Other(other))),
        }
    }
    tokens
}

struct Parser<'m> {
    map: &'m SourceMap<'m>,
    tokens: Vec<(Tok, Span)>,
    at: usize,
    diagnostics: Vec<Diagnostic>,
    end: usize,
}

/// A problem found in a declaration; the rest of its line is skipped.
struct Skip;

impl Parser<'_> {
    fn peek(&self) -> Option<&(Tok, Span)> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<(Tok, Span)> {
        let token = self.tokens.get(self.at).cloned();
        self.at += usize::from(token.is_some());
        token
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some((Tok::Newline, _))) {
            self.at += 1;
        }
    }

    /// The span of the next token, or the end of the text.
    fn here(&self) -> Span {
        self.peek()
            .map_or(Span::new(self.end, self.end), |(_, span)| *span)
    }

    fn error(&mut self, kind: DiagnosticKind, span: Span, message: String, hint: Option<String>) {
        let builder = self.map.diagnostic(kind, span, message);
        let builder = match hint {
            Some(hint) => builder.hint(hint),
            None => builder,
        };
        self.diagnostics.push(builder.build());
    }

    fn syntax(&mut self, expected: &str) -> Skip {
        let span = self.here();
        let found = match self.peek() {
            None => "the end of the file".to_string(),
            Some((Tok::Newline, _)) => "the end of the line".to_string(),
            Some((Tok::Word(w), _)) => format!("`{w}`"),
            Some((Tok::Str(_), _)) => "a string".to_string(),
            Some((_, span)) => format!("`{}`", self.map_text(*span)),
        };
        let d = self
            .map
            .diagnostic(
                DiagnosticKind::Syntax,
                span,
                format!("expected {expected}, found {found}"),
            )
            .expected(expected.to_string())
            .build();
        self.diagnostics.push(d);
        Skip
    }

    fn map_text(&self, span: Span) -> String {
        self.map
            .source()
            .get(span.start..span.end)
            .unwrap_or("?")
            .to_string()
    }

    /// `schema { ... }` blocks until the end of the file.
    fn file(&mut self) -> Vec<Declaration> {
        let mut declarations = Vec::new();
        loop {
            self.skip_newlines();
            let Some((token, span)) = self.next() else {
                return declarations;
            };
            match token {
                Tok::Word(word) if word == "schema" => {}
                Tok::Word(word) => {
                    let hint = closest(&word, ["schema"]).map(|k| format!("did you mean `{k}`?"));
                    self.error(
                        DiagnosticKind::UnknownKeyword,
                        span,
                        format!("expected `schema`, found `{word}`"),
                        hint.or_else(|| {
                            Some("a schema file holds `schema { ... }` blocks".to_string())
                        }),
                    );
                    return declarations;
                }
                _ => {
                    self.at = self.at.saturating_sub(1);
                    self.syntax("`schema`");
                    return declarations;
                }
            }
            self.skip_newlines();
            if !matches!(self.peek(), Some((Tok::LBrace, _))) {
                self.syntax("`{` after `schema`");
                return declarations;
            }
            self.at += 1;
            loop {
                self.skip_newlines();
                match self.peek() {
                    Some((Tok::RBrace, _)) => {
                        self.at += 1;
                        break;
                    }
                    None => {
                        self.error(
                            DiagnosticKind::Syntax,
                            span,
                            "this `schema {` is never closed".to_string(),
                            Some("add `}` after its last declaration".to_string()),
                        );
                        return declarations;
                    }
                    Some(_) => match self.declaration() {
                        Ok(declaration) => declarations.push(declaration),
                        Err(Skip) => {
                            while !matches!(
                                self.peek(),
                                None | Some((Tok::Newline | Tok::RBrace, _))
                            ) {
                                self.at += 1;
                            }
                        }
                    },
                }
            }
        }
    }

    /// `KEY: TYPE [optional | required]`, up to the end of its line.
    fn declaration(&mut self) -> Result<Declaration, Skip> {
        let (key, key_span) = match self.peek().cloned() {
            Some((Tok::Word(word), span)) => {
                self.at += 1;
                // A quoted name right after the dot: `context."aws:SourceVpce"`.
                match self.peek().cloned() {
                    Some((Tok::Str(name), name_span))
                        if word.ends_with('.') && name_span.start == span.end =>
                    {
                        self.at += 1;
                        let span = Span::new(span.start, name_span.end);
                        (self.quoted_key(&word, name, span)?, span)
                    }
                    _ => (self.key(&word, span)?, span),
                }
            }
            _ => {
                return Err(self.syntax(
                    "a key such as `context.NAME`, `principal.tags.NAME` or `resource.tags.NAME`",
                ));
            }
        };
        if !matches!(self.peek(), Some((Tok::Colon, _))) {
            return Err(self.syntax("`:` and a type after the key"));
        }
        self.at += 1;
        let (ty, ty_span) = self.ty()?;
        if !matches!(key, SchemaKey::Context(_))
            && !matches!(ty, AttributeType::String | AttributeType::Enum(_))
        {
            self.error(
                DiagnosticKind::InvalidDeclaration,
                ty_span,
                format!("`{key}` is a tag, and tags are strings"),
                Some("declare it as `string` or `enum [...]`".to_string()),
            );
            return Err(Skip);
        }
        let mut required = true;
        let mut end = ty_span.end;
        if let Some((Tok::Word(word), span)) = self.peek().cloned() {
            match word.as_str() {
                "optional" => required = false,
                "required" => {}
                other => {
                    let hint = closest(other, ["optional", "required"])
                        .map(|k| format!("did you mean `{k}`?"));
                    self.error(
                        DiagnosticKind::UnknownKeyword,
                        span,
                        format!("expected `optional` or the end of the line, found `{other}`"),
                        hint,
                    );
                    return Err(Skip);
                }
            }
            self.at += 1;
            end = span.end;
        }
        if !matches!(self.peek(), None | Some((Tok::Newline | Tok::RBrace, _))) {
            return Err(self.syntax("the end of the declaration (one per line)"));
        }
        Ok(Declaration {
            key,
            key_span,
            ty,
            ty_span,
            required,
            span: Span::new(key_span.start, end),
        })
    }

    /// `prefix"name"`: a custom key whose name is quoted.
    fn quoted_key(&mut self, prefix: &str, name: String, span: Span) -> Result<SchemaKey, Skip> {
        let key = match prefix {
            "context." if !BUILT_IN_CONTEXT_FIELDS.contains(&name.as_str()) => {
                SchemaKey::Context(name)
            }
            "principal.tags." => SchemaKey::PrincipalTag(name),
            "resource.tags." => SchemaKey::ResourceTag(name),
            _ => {
                let text = format!("{prefix}{}", crate::literal::quote(&name));
                self.error(
                    DiagnosticKind::UnknownKey,
                    span,
                    format!("`{text}` cannot be declared"),
                    Some(
                        "only a custom name may be quoted: `context.\"NAME\"`, `principal.tags.\"NAME\"` or `resource.tags.\"NAME\"`"
                            .to_string(),
                    ),
                );
                return Err(Skip);
            }
        };
        if key.name().is_empty() {
            self.error(
                DiagnosticKind::UnknownKey,
                span,
                format!("empty attribute name after `{prefix}`"),
                None,
            );
            return Err(Skip);
        }
        Ok(key)
    }

    fn key(&mut self, text: &str, span: Span) -> Result<SchemaKey, Skip> {
        let valid_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let named = |prefix: &str| text.strip_prefix(prefix).filter(|n| valid_name(n));
        if let Some(name) = named("context.") {
            if BUILT_IN_CONTEXT_FIELDS.contains(&name) {
                self.error(
                    DiagnosticKind::InvalidDeclaration,
                    span,
                    format!("`context.{name}` is a built-in field; its type is fixed"),
                    Some("declare only custom attributes".to_string()),
                );
                return Err(Skip);
            }
            return Ok(SchemaKey::Context(name.to_string()));
        }
        if let Some(name) = named("principal.tags.") {
            return Ok(SchemaKey::PrincipalTag(name.to_string()));
        }
        if let Some(name) = named("resource.tags.") {
            return Ok(SchemaKey::ResourceTag(name.to_string()));
        }
        let built_in = KeyPath::FIXED.iter().any(|(name, _)| *name == text);
        let hint = if built_in {
            format!("`{text}` is a built-in key; its type is fixed, declare only custom attributes")
        } else {
            let (head, rest) = text.split_once('.').unwrap_or(("", text));
            match head {
                "principal" | "resource" => format!("did you mean `{head}.tags.{rest}`?"),
                "" => format!("did you mean `context.{text}`?"),
                _ => match closest(head, ["context", "principal", "resource"]) {
                    Some("context") => format!("did you mean `context.{rest}`?"),
                    Some(owner) => format!("did you mean `{owner}.tags.{rest}`?"),
                    None => "declare `context.NAME`, `principal.tags.NAME` or `resource.tags.NAME`"
                        .to_string(),
                },
            }
        };
        let kind = if built_in {
            DiagnosticKind::InvalidDeclaration
        } else {
            DiagnosticKind::UnknownKey
        };
        self.error(
            kind,
            span,
            format!("`{text}` cannot be declared"),
            Some(hint),
        );
        Err(Skip)
    }

    fn ty(&mut self) -> Result<(AttributeType, Span), Skip> {
        let (word, span) =
            match self.peek().cloned() {
                Some((Tok::Word(word), span)) => (word, span),
                _ => return Err(self.syntax(
                    "a type (`string`, `enum [...]`, `number`, `bool`, `ip`, `time`, `duration` or `set<...>`)",
                )),
            };
        self.at += 1;
        let ty = match word.as_str() {
            "string" => AttributeType::String,
            "number" => AttributeType::Number,
            "bool" => AttributeType::Bool,
            "ip" => AttributeType::Ip,
            "time" => AttributeType::Time,
            "duration" => AttributeType::Duration,
            "object" => AttributeType::Object,
            "enum" => return self.enumeration(span),
            "set" => return self.set(span),
            other => {
                let hint = match other {
                    "boolean" => "did you mean `bool`?".to_string(),
                    "int" | "integer" | "float" | "long" | "decimal" => {
                        "did you mean `number`?".to_string()
                    }
                    "timestamp" | "datetime" | "instant" => "did you mean `time`?".to_string(),
                    "str" | "text" => "did you mean `string`?".to_string(),
                    "list" | "array" | "Set" => "did you mean `set<string>`?".to_string(),
                    _ => closest(other, AttributeType::NAMES.iter().copied()).map_or_else(
                        || "the types are `string`, `enum [...]`, `number`, `bool`, `ip`, `time`, `duration` and `set<...>`".to_string(),
                        |near| format!("did you mean `{near}`?"),
                    ),
                };
                self.error(
                    DiagnosticKind::UnknownType,
                    span,
                    format!("unknown type `{other}`"),
                    Some(hint),
                );
                return Err(Skip);
            }
        };
        Ok((ty, span))
    }

    /// `set<string>` or `set<enum [...]>`, after `set`.
    fn set(&mut self, start: Span) -> Result<(AttributeType, Span), Skip> {
        if !matches!(self.peek(), Some((Tok::Other('<'), _))) {
            return Err(self.syntax("`<` and the type of the items, as in `set<string>`"));
        }
        self.at += 1;
        let (item, item_span) = self.ty()?;
        if !matches!(item, AttributeType::String | AttributeType::Enum(_)) {
            self.error(
                DiagnosticKind::InvalidDeclaration,
                item_span,
                format!("sets hold strings, not `{}`", item.name()),
                Some(
                    "sets hold strings, compared with `contains`: write `set<string>` or `set<enum [...]>`"
                        .to_string(),
                ),
            );
            return Err(Skip);
        }
        match self.peek().cloned() {
            Some((Tok::Other('>'), end)) => {
                self.at += 1;
                Ok((
                    AttributeType::Set(Box::new(item)),
                    Span::new(start.start, end.end),
                ))
            }
            _ => Err(self.syntax("`>`")),
        }
    }

    /// `enum ["a", "b", ...]`; line breaks are allowed inside the brackets.
    fn enumeration(&mut self, start: Span) -> Result<(AttributeType, Span), Skip> {
        if !matches!(self.peek(), Some((Tok::LBracket, _))) {
            return Err(self.syntax("`[` and the values of the enumeration"));
        }
        self.at += 1;
        let result = self.values();
        if let Ok((values, span)) = &result
            && values.is_empty()
        {
            self.error(
                DiagnosticKind::InvalidDeclaration,
                Span::new(start.start, span.end),
                "an enumeration needs at least one value".to_string(),
                None,
            );
            return Err(Skip);
        }
        if result.is_err() {
            // Past the closing bracket, so that the values on later lines
            // are not read as declarations.
            while let Some((token, _)) = self.peek() {
                let closing = matches!(token, Tok::RBracket);
                if matches!(token, Tok::RBrace) {
                    break;
                }
                self.at += 1;
                if closing {
                    break;
                }
            }
        }
        result.map(|(values, span)| {
            (
                AttributeType::Enum(values),
                Span::new(start.start, span.end),
            )
        })
    }

    /// The values up to `]`, and the span of the `]`.
    fn values(&mut self) -> Result<(BTreeSet<String>, Span), Skip> {
        let mut values = BTreeSet::new();
        loop {
            self.skip_newlines();
            match self.peek().cloned() {
                Some((Tok::RBracket, span)) => {
                    self.at += 1;
                    return Ok((values, span));
                }
                Some((Tok::Str(value), span)) => {
                    if !values.insert(value.clone()) {
                        self.error(
                            DiagnosticKind::InvalidDeclaration,
                            span,
                            format!("\"{value}\" is listed twice"),
                            Some("list each value once".to_string()),
                        );
                        return Err(Skip);
                    }
                    self.at += 1;
                    self.skip_newlines();
                    match self.peek() {
                        Some((Tok::Comma, _)) => self.at += 1,
                        Some((Tok::RBracket, _)) => {}
                        _ => return Err(self.syntax("`,` or `]`")),
                    }
                }
                Some((Tok::Word(word), span)) => {
                    self.error(
                        DiagnosticKind::Syntax,
                        span,
                        format!("enumeration values are strings, found `{word}`"),
                        Some(format!("write \"{word}\" in double quotes")),
                    );
                    return Err(Skip);
                }
                _ => return Err(self.syntax("a string value")),
            }
        }
    }
}
