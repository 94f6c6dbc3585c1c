//! The fourth stage: the checks that lowering runs on each piece it reads,
//! on either front end. Patterns (limits, variables, glob syntax, `.`
//! segments), keys (fixed, custom or unknown), operands typed against their
//! key and operator, and duplicate names. Each failed check is a
//! [`Problem`] reported through [`Lower::report`].

use super::error::{Problem, with_article};
use super::lower::{Lit, Lower, OperandSyntax, Shape};
use crate::ast::*;
use crate::diagnostic::{Diagnostic, ParseError, SourceMap};
use crate::limits::{Limits, wildcard_count};
use crate::literal;
use crate::pattern::{Atom, read_atoms};
use std::collections::HashMap;

/// Names seen so far in one scope (policies of a file, statements of a
/// policy), for the duplicate checks.
#[derive(Default)]
pub(super) struct Names(HashMap<String, Span>);

impl Names {
    /// Where `name` was first given, if it was; otherwise remembers it at
    /// `span`.
    pub(super) fn first(&mut self, name: &str, span: Span) -> Option<Span> {
        if let Some(first) = self.0.get(name) {
            return Some(*first);
        }
        self.0.insert(name.to_string(), span);
        None
    }
}

/// The problem with a pattern's size and wildcards under `limits`, if any
/// (reported without quoting the pattern: it may be huge).
fn pattern_limits(text: &str, span: Span, limits: &Limits) -> Option<Problem> {
    let wildcards = wildcard_count(text);
    if text.len() > limits.max_pattern_bytes {
        Some(Problem::PatternTooLong {
            span,
            len: text.len(),
            max: limits.max_pattern_bytes,
        })
    } else if wildcards > limits.max_pattern_wildcards {
        Some(Problem::TooManyWildcards {
            span,
            count: wildcards,
            max: limits.max_pattern_wildcards,
        })
    } else {
        None
    }
}

/// Policy names given twice across the files of a set, each reported in
/// the file of its second definition.
pub(super) fn duplicate_policies(files: &[(&str, &str, PolicyFile)]) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, (&str, &str, Span)> = HashMap::new();
    let mut duplicates = Vec::new();
    for (name, text, file) in files {
        for policy in &file.policies {
            if let Some((first_file, first_text, first_span)) = seen.get(policy.name.as_str()) {
                let map = SourceMap::new(name, text);
                let problem = if first_file == name && first_text == text {
                    Problem::DuplicatePolicy {
                        span: policy.name_span,
                        name: policy.name.clone(),
                        first: *first_span,
                    }
                } else {
                    let at = SourceMap::new(first_file, first_text).locate(first_span.start);
                    Problem::DuplicatePolicyElsewhere {
                        span: policy.name_span,
                        name: policy.name.clone(),
                        first_file: first_file.to_string(),
                        line: at.line,
                        column: at.column,
                    }
                };
                duplicates.push(problem.diagnostic(&map));
            } else {
                seen.insert(&policy.name, (name, text, policy.name_span));
            }
        }
    }
    duplicates
}

/// The error for the first statement past [`Limits::max_statements`], if any.
pub(super) fn too_many_statements(
    files: &[(&str, &str, PolicyFile)],
    max: usize,
) -> Option<ParseError> {
    let mut seen = 0usize;
    for (name, text, file) in files {
        for policy in &file.policies {
            if let Some(statement) = policy.statements.get(max.saturating_sub(seen)) {
                let total: usize = files
                    .iter()
                    .flat_map(|(_, _, f)| &f.policies)
                    .map(|p| p.statements.len())
                    .sum();
                let problem = Problem::TooManyStatements {
                    span: statement.name_span,
                    total,
                    max,
                };
                let d = problem.diagnostic(&SourceMap::new(name, text));
                return Some(ParseError::new(vec![d]));
            }
            seen += policy.statements.len();
        }
    }
    None
}

impl Lower<'_, '_> {
    /// Checks a pattern's size and wildcards against the limits; on failure
    /// reports it and returns false.
    fn pattern_within_limits(&mut self, text: &str, span: Span) -> bool {
        match pattern_limits(text, span, self.limits) {
            Some(problem) => {
                self.report(problem);
                false
            }
            None => true,
        }
    }

    /// Lowers the pattern `raw` (a quoted string with its quotes when
    /// `quoted`, else a bare pattern) that stands at `span`.
    pub(super) fn pattern_text(
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
            self.report(Problem::EmptyPattern { span });
            return None;
        }
        // Most patterns are plain: one pass tells and reads their nodes,
        // and such a pattern that passes every check below is lowered here.
        // Anything else (and a plain pattern a check refuses) takes the full
        // path, which reports.
        if let Some(plain) = plain_pattern(&text) {
            let limits = self.limits;
            let passes = text.len() <= limits.max_pattern_bytes
                && plain.wildcards <= limits.max_pattern_wildcards
                && limits.max_alternatives >= 1
                && !(kind == MatcherKind::Resource && plain.dot_segment);
            if passes {
                let is_group = kind == MatcherKind::Principal && text.starts_with("group:");
                return Some(Pattern {
                    nodes: plain.nodes,
                    is_group,
                    span,
                });
            }
        }
        if !self.pattern_within_limits(&text, span) {
            return None;
        }
        // The pattern as the tree's reader takes it: its characters, with
        // each `${...}` read as one variable. The glob text between
        // variables is kept for the checks on variables' places.
        let mut pieces: smallvec::SmallVec<[Piece; 3]> = smallvec::SmallVec::new();
        let mut globs: smallvec::SmallVec<[&str; 2]> = smallvec::SmallVec::new();
        let mut variables = 0usize;
        let mut rest = &*text;
        let mut offset = text_start;
        let mut ok = true;
        while let Some(start) = find_variable(rest) {
            if start > 0 {
                globs.push(&rest[..start]);
                pieces.push(Piece::Text(&rest[..start]));
            }
            let after = &rest[start + 2..];
            let Some(close) = after.find('}') else {
                self.report(Problem::UnclosedVariable {
                    span: Span::new(offset + start, span.end),
                });
                return None;
            };
            let key_text = &after[..close];
            let key_span = Span::new(offset + start + 2, offset + start + 2 + close);
            if key_text.is_empty() {
                self.report(Problem::EmptyVariable {
                    span: Span::new(offset + start, key_span.end + 1),
                });
                ok = false;
            } else if kind != MatcherKind::Resource {
                self.report(Problem::VariableNotAllowed {
                    span: Span::new(offset + start, key_span.end + 1),
                    kind,
                });
                ok = false;
            } else if let Some(key) = self.key_from_text(key_text, key_span) {
                if let KeyPath::Context(path) = &key.path
                    && path.is_nested()
                {
                    self.report(Problem::NestedVariable {
                        span: key_span,
                        key: key_text.to_string(),
                    });
                    return None;
                }
                let allowed = matches!(
                    key.path,
                    KeyPath::PrincipalId
                        | KeyPath::PrincipalTag(_)
                        | KeyPath::ResourceTag(_)
                        | KeyPath::Context(_)
                        | KeyPath::VersionStage
                );
                if allowed {
                    pieces.push(Piece::Variable(key));
                    variables += 1;
                } else {
                    self.report(Problem::NotAVariable {
                        span: key_span,
                        key: key_text.to_string(),
                    });
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
            globs.push(rest);
            pieces.push(Piece::Text(rest));
        }
        let unbalanced = |open: char, close: char| {
            globs
                .iter()
                .any(|g| g.matches(open).count() != g.matches(close).count())
        };
        if variables > 0 && unbalanced('{', '}') {
            self.report(Problem::VariableInAlternatives { span });
            return None;
        }
        if variables > 0 && unbalanced('[', ']') {
            self.report(Problem::VariableInClass { span });
            return None;
        }
        let alternatives = globs
            .iter()
            .fold(1usize, |n, g| n.saturating_mul(alternative_count(g)));
        if alternatives > self.limits.max_alternatives {
            self.report(Problem::TooManyAlternatives {
                span,
                pattern: text.to_string(),
                count: alternatives,
                max: self.limits.max_alternatives,
            });
            return None;
        }
        let mut atoms: Vec<Atom> = Vec::with_capacity(text.len());
        for piece in &pieces {
            match piece {
                Piece::Text(text) => atoms.extend(text.chars().map(Atom::Char)),
                Piece::Variable(key) => atoms.push(Atom::Variable(key)),
            }
        }
        let nodes = match read_atoms(&atoms, true) {
            Ok(nodes) => nodes,
            Err(error) => {
                self.report(Problem::InvalidGlob {
                    span,
                    pattern: text.to_string(),
                    error,
                });
                return None;
            }
        };
        if kind == MatcherKind::Resource && has_dot_segment(&nodes) {
            self.report(Problem::DotSegment {
                span,
                pattern: text.to_string(),
            });
            return None;
        }
        let is_group = kind == MatcherKind::Principal && text.starts_with("group:");
        ok.then_some(Pattern {
            nodes,
            is_group,
            span,
        })
    }

    /// Types the operand's literals against the key and operator; reports
    /// mismatches.
    pub(super) fn operand_syntax(
        &mut self,
        key: &Key,
        op: CompareOp,
        op_span: Span,
        syntax: OperandSyntax,
    ) -> Option<Operand> {
        self.operand_typed(key, key.path.value_type(), None, op, op_span, syntax)
    }

    /// `any|all key op operand`: the key must hold a set (`principal.groups`,
    /// whose items are strings, or a custom attribute, whose items are typed
    /// by the literal); `contains` and `at` do not apply, and the operand is
    /// a literal, typed as for one item.
    pub(super) fn quantified_syntax(
        &mut self,
        quantifier: Quantifier,
        key: Key,
        op: CompareOp,
        op_span: Span,
        syntax: OperandSyntax,
    ) -> Option<Quantified> {
        let item_type = match &key.path {
            KeyPath::PrincipalGroups => ValueType::String,
            KeyPath::Context(_) => ValueType::Any,
            other => {
                self.report(Problem::NotASet {
                    span: key.span,
                    quantifier,
                    key: other.clone(),
                    ty: other.value_type(),
                });
                return None;
            }
        };
        if op == CompareOp::Contains {
            self.report(Problem::QuantifiedContains {
                span: op_span,
                quantifier,
                key: key.path.clone(),
            });
            return None;
        }
        let operand = self.operand_typed(&key, item_type, Some(quantifier), op, op_span, syntax)?;
        Some(Quantified {
            quantifier,
            comparison: Comparison {
                key,
                op,
                operand,
                offset: None,
            },
        })
    }

    /// Types the operand's literals against `key` read as a `key_type`
    /// (its items' type under a `quantifier`).
    fn operand_typed(
        &mut self,
        key: &Key,
        key_type: ValueType,
        quantifier: Option<Quantifier>,
        op: CompareOp,
        op_span: Span,
        syntax: OperandSyntax,
    ) -> Option<Operand> {
        let OperandSyntax {
            shape,
            span: operand_span,
            literals,
        } = syntax;
        // Which literal type each operator wants, given the key's type.
        let first_literal = literals.first().copied();
        let custom = key_type == ValueType::Any;
        // A custom attribute compared with a timestamp or a duration takes
        // that type (the request sends an RFC 3339 string, or a number of
        // whole seconds); clock times stay with `time_of_day`.
        let clock = first_literal
            .as_ref()
            .filter(|lit| custom && !lit.quoted())
            .and_then(|lit| clock_literal_type(lit.text()));
        if let Some(lit) = &first_literal
            && let Some(other @ ValueType::TimeOfDay) = clock
        {
            self.report(Problem::CustomClockLiteral {
                span: lit.span,
                key: key.path.clone(),
                other,
            });
            return None;
        }
        // A custom key's type is read from its first literal; `contains`
        // tests a set of strings (a JSON array in the request).
        let key_type = if custom && op == CompareOp::Contains {
            ValueType::StringSet
        } else if let Some(clock) = clock {
            clock
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
                    (true, _) if quantifier.is_some() => "has items compared with",
                    (true, _) => "is compared with",
                    (false, _) if quantifier.is_some() => "holds items that are each",
                    (false, _) => "holds",
                };
                let example = example_for_type(&key.path, key_type);
                let example = match quantifier {
                    Some(q) => format!("{} {example}", q.keyword()),
                    None => example,
                };
                self.report(Problem::OperatorMismatch {
                    span: op_span,
                    key: key.path.clone(),
                    verb,
                    why: message,
                    example,
                });
                return None;
            }
        };
        if literals.is_empty() {
            self.report(Problem::EmptyList { span: operand_span });
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
            self.report(Problem::EmptyRange {
                span: operand_span,
                start: literal::format_value(&start.kind),
                end: literal::format_value(&end.kind),
                why: problem,
            });
            return None;
        }
        if matches!(op, CompareOp::Like | CompareOp::ILike) {
            // Each pattern of a list is checked as one pattern alone, and
            // each bad one reported.
            let mut patterns_ok = true;
            for value in &values {
                let ValueKind::String(p) = &value.kind else {
                    continue;
                };
                if !self.pattern_within_limits(p, value.span) {
                    patterns_ok = false;
                } else if let Err(error) = parse_glob(p, false).map_err(|e| e.kind) {
                    self.report(Problem::InvalidGlob {
                        span: value.span,
                        pattern: p.clone(),
                        error,
                    });
                    patterns_ok = false;
                }
            }
            if !patterns_ok {
                return None;
            }
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
                self.report(Problem::Literal { span, problem });
                None
            }
        }
    }

    /// The key `text` names, at `span`; an unknown one is reported.
    pub(super) fn key_from_text(&mut self, text: &str, span: Span) -> Option<Key> {
        if let Some(rest) = text.strip_prefix("context.") {
            return self.context_key(text, rest, span);
        }
        if text.contains('"') {
            return self.quoted_key(text, span);
        }
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
        } else {
            named("resource.tags.").map(KeyPath::ResourceTag)
        };
        if let Some(path) = path {
            return Some(Key { path, span });
        }
        self.report(Problem::UnknownKey {
            span,
            text: text.to_string(),
            hint: unknown_key_hint(text),
        });
        None
    }
}

/// Whether a bare operand names a request attribute rather than a literal:
/// a built-in key, anything under `principal.`, `resource.` or `context.`,
/// or any text with a quoted name.
pub(super) fn names_a_key(text: &str) -> bool {
    text.contains('"')
        || KeyPath::FIXED.iter().any(|(name, _)| *name == text)
        || ["principal.", "resource.", "context."]
            .iter()
            .any(|prefix| text.starts_with(prefix))
}

/// The operators that compare two keys.
const KEY_OPERATORS: [CompareOp; 6] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Lt,
    CompareOp::Le,
    CompareOp::Gt,
    CompareOp::Ge,
];

impl Lower<'_, '_> {
    /// `left op right`, two keys: their types must agree (a custom key takes
    /// the other's), and the operator must compare that type.
    pub(super) fn key_comparison(
        &mut self,
        left: Key,
        op: CompareOp,
        op_span: Span,
        right: Key,
    ) -> Option<KeyComparison> {
        if !KEY_OPERATORS.contains(&op) {
            self.report(Problem::KeyOperator { span: op_span, op });
            return None;
        }
        let (lt, rt) = (left.path.value_type(), right.path.value_type());
        let ty = match (lt, rt) {
            (ValueType::Any, other) | (other, ValueType::Any) => other,
            (a, b) if a == b => a,
            _ => {
                self.report(Problem::KeyTypesDiffer {
                    span: Span::new(left.span.start, right.span.end),
                    left: left.path.clone(),
                    left_ty: lt,
                    right: right.path.clone(),
                    right_ty: rt,
                });
                return None;
            }
        };
        if !ty.key_comparison_ops().contains(&op) {
            self.report(Problem::KeyOperatorMismatch {
                span: op_span,
                key: if lt == ValueType::Any {
                    right.path
                } else {
                    left.path
                },
                ty,
                op,
            });
            return None;
        }
        Some(KeyComparison {
            left,
            op,
            right,
            ty,
        })
    }

    /// A key with a quoted name, such as `context."aws:SourceVpce"`: only the
    /// name after `context.`, `principal.tags.` or `resource.tags.` may be
    /// quoted, and it may not be empty.
    fn quoted_key(&mut self, text: &str, span: Span) -> Option<Key> {
        let parts = split_key(text);
        let (prefix, (offset, raw)) = match parts.as_slice() {
            [(_, "principal"), (_, "tags"), name] => ("principal.tags.", *name),
            [(_, "resource"), (_, "tags"), name] => ("resource.tags.", *name),
            parts => {
                // `principal."team"`: a tag, most likely.
                let suggestion = match parts {
                    [(_, owner @ ("principal" | "resource")), (_, name)]
                        if name.starts_with('"') =>
                    {
                        Some(format!("{owner}.tags.{name}"))
                    }
                    _ => None,
                };
                self.report(Problem::MisplacedQuotedName {
                    span,
                    text: text.to_string(),
                    suggestion,
                });
                return None;
            }
        };
        let name_span = Span::new(span.start + offset, span.start + offset + raw.len());
        if !raw.starts_with('"') {
            // The grammar quotes whole names only; a quote elsewhere is not one.
            self.report(Problem::MisplacedQuotedName {
                span,
                text: text.to_string(),
                suggestion: None,
            });
            return None;
        }
        let name = self.string_text(raw, name_span);
        if name.is_empty() {
            self.report(Problem::EmptyAttributeName {
                span: name_span,
                prefix,
            });
            return None;
        }
        let path = match prefix {
            "principal.tags." => KeyPath::PrincipalTag(name),
            _ => KeyPath::ResourceTag(name),
        };
        Some(Key { path, span })
    }

    /// `context.NAME` or `context.A.B...` (`rest` is the text after
    /// `context.`): one to [`ContextPath::MAX_NAMES`] names, each bare or
    /// quoted, none empty.
    fn context_key(&mut self, text: &str, rest: &str, span: Span) -> Option<Key> {
        let prefix_len = "context.".len();
        let parts = split_key(rest);
        if parts.len() > ContextPath::MAX_NAMES {
            let offset = parts.get(ContextPath::MAX_NAMES).map_or(0, |(o, _)| *o);
            self.report(Problem::TooManyNames {
                span: Span::new(span.start + prefix_len + offset, span.end),
                text: text.to_string(),
                count: parts.len(),
                max: ContextPath::MAX_NAMES,
            });
            return None;
        }
        let mut names: smallvec::SmallVec<[String; 1]> = smallvec::SmallVec::new();
        for (offset, raw) in parts {
            let start = span.start + prefix_len + offset;
            let name_span = Span::new(start, start + raw.len());
            let quoted = raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"');
            let name = if quoted {
                self.string_text(raw, name_span)
            } else if is_bare_name(raw) {
                raw.to_string()
            } else {
                // The grammar quotes whole names only, and no name is empty.
                self.report(Problem::MisplacedQuotedName {
                    span,
                    text: text.to_string(),
                    suggestion: None,
                });
                return None;
            };
            if name.is_empty() {
                self.report(Problem::EmptyAttributeName {
                    span: name_span,
                    prefix: "context.",
                });
                return None;
            }
            names.push(name);
        }
        let Some(path) = ContextPath::new(names) else {
            self.report(Problem::UnknownKey {
                span,
                text: text.to_string(),
                hint: unknown_key_hint(text),
            });
            return None;
        };
        Some(Key {
            path: KeyPath::Context(path),
            span,
        })
    }
}

/// `text` split at the dots outside quotes; each part with its offset.
fn split_key(text: &str) -> Vec<(usize, &str)> {
    let mut parts: Vec<(usize, &str)> = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '.' if !quoted => {
                parts.push((start, text.get(start..i).unwrap_or("")));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push((start, text.get(start..).unwrap_or("")));
    parts
}

/// For `key_type op shape`, the type each literal must have, or why not.
fn allowed_element(key: ValueType, op: CompareOp, shape: Shape) -> Result<ValueType, String> {
    use CompareOp::*;
    use ValueType as T;
    let ordered = matches!(op, Lt | Le | Gt | Ge);
    let equality = matches!(op, Eq | Ne);
    let membership = matches!(op, In | NotIn);
    let ok = match (key, shape) {
        (T::String, Shape::One) if equality || matches!(op, Like | ILike) => Some(T::String),
        (T::String, Shape::List) if membership || matches!(op, Like | ILike) => Some(T::String),
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

pub(super) fn example_for(key: &KeyPath) -> String {
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
        format!(
            "a custom attribute is `context.NAME`, or up to {} names after `context.` for a member of nested objects, as in `context.parameters.ttl`",
            ContextPath::MAX_NAMES
        )
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

/// A pattern split at its variables.
enum Piece<'t> {
    Text(&'t str),
    Variable(Key),
}

/// What one pass over a plain pattern finds.
struct Plain {
    /// Its wildcards, as [`wildcard_count`] counts them.
    wildcards: usize,
    /// Whether a `/`-separated segment is `.` or `..`.
    dot_segment: bool,
    /// Its nodes.
    nodes: PatternNodes,
}

/// A pattern that is one glob of literal characters, `?` and `*` runs that
/// the tree's reader accepts: no variable (no `$` at all), no `{...}`
/// alternative, no `[...]` class (no `]` either) and no `\` escape. For
/// such a pattern the lowering's checks reduce to what this finds: one
/// alternative, valid glob syntax, `**` only as a whole segment. `None`
/// for any other pattern.
fn plain_pattern(text: &str) -> Option<Plain> {
    let bytes = text.as_bytes();
    let mut wildcards = 0;
    let mut dot_segment = false;
    let mut segment_start = 0;
    let mut nodes = PatternNodes::new();
    // Where the literal run being read started.
    let mut literal_start = 0;
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
                // Every byte this stops at is ASCII: `i` is a char boundary.
                if literal_start < i {
                    nodes.push(PatternNode::Literal(text.get(literal_start..i)?.into()));
                }
                nodes.push(if run == 2 {
                    PatternNode::DoubleStar
                } else {
                    PatternNode::Star
                });
                wildcards += 1;
                i += run;
                literal_start = i;
                continue;
            }
            b'?' => {
                if literal_start < i {
                    nodes.push(PatternNode::Literal(text.get(literal_start..i)?.into()));
                }
                nodes.push(PatternNode::AnyChar);
                wildcards += 1;
                literal_start = i + 1;
            }
            b'/' => {
                dot_segment |= is_dots(bytes.get(segment_start..i).unwrap_or(&[]));
                segment_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if literal_start < bytes.len() {
        nodes.push(PatternNode::Literal(text.get(literal_start..)?.into()));
    }
    dot_segment |= is_dots(bytes.get(segment_start..).unwrap_or(&[]));
    Some(Plain {
        wildcards,
        dot_segment,
        nodes,
    })
}

/// Whether a `/`-separated segment of the pattern is `.` or `..` as
/// written: literal text alone (an escaped `/` separates too).
fn has_dot_segment(nodes: &[PatternNode]) -> bool {
    // The segment read so far: how many `.` it holds, and whether it holds
    // anything else.
    let (mut dots, mut other) = (0usize, false);
    let is_dots = |dots: usize, other: bool| !other && (dots == 1 || dots == 2);
    for node in nodes {
        match node {
            PatternNode::Literal(text) => {
                for c in text.chars() {
                    match c {
                        '/' if is_dots(dots, other) => return true,
                        '/' => (dots, other) = (0, false),
                        '.' => dots += 1,
                        _ => other = true,
                    }
                }
            }
            PatternNode::Escaped('/') if is_dots(dots, other) => return true,
            PatternNode::Escaped('/') => (dots, other) = (0, false),
            _ => other = true,
        }
    }
    is_dots(dots, other)
}

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
            let full = parse_glob(pattern, true);
            let full_ok = full.is_ok();
            let plain = plain_pattern(pattern);
            if pattern.contains('{') {
                assert!(plain.is_none(), "{pattern}");
                continue;
            }
            assert_eq!(plain.is_some(), full_ok, "{pattern}");
            if let Some(plain) = plain {
                assert_eq!(Ok(plain.nodes.clone()), full, "{pattern}");
                assert_eq!(plain.wildcards, wildcard_count(pattern), "{pattern}");
                assert_eq!(
                    plain.dot_segment,
                    has_dot_segment(&plain.nodes),
                    "{pattern}"
                );
                let dots = pattern.split('/').any(|s| s == ".." || s == ".");
                assert_eq!(plain.dot_segment, dots, "{pattern}");
                assert_eq!(alternative_count(pattern), 1, "{pattern}");
                assert_eq!(find_variable(pattern), None, "{pattern}");
            }
        }
    }
}
