//! What the linter can prove about a statement's conditions: the keys they
//! read, the conditions that must all hold for the statement to apply, and
//! pairs of those conditions that can never hold together.
//!
//! The analysis reads the statement as a conjunction: every `when` block,
//! and every `unless` block with a single line (as the negation of that
//! line). Inside, `and`, parentheses, double negation and `not (a or b)` are
//! flattened; an `or` (or `not (a and b)`) is opaque and never analysed, so a
//! condition under it is never reported.

use policy_lang::{
    BlockKind, CompareOp, Comparison, ConditionBlock, Expr, ExprKind, KeyPath, Operand, Span,
    Statement, Value, ValueKind,
};
use std::cmp::Ordering;

/// One condition that must hold for the statement to apply.
#[derive(Debug, Clone, Copy)]
pub struct Atom<'a> {
    /// The comparison, `has` or bare key.
    pub expr: &'a Expr,
    /// True when the statement needs the expression to be false.
    pub negated: bool,
    /// The expression as written around it, with its `not` and parentheses.
    pub shown: &'a Expr,
}

/// Two conditions that can never both hold.
#[derive(Debug, Clone, Copy)]
pub struct Conflict<'a> {
    /// The earlier condition.
    pub first: Atom<'a>,
    /// The condition that made the set impossible.
    pub second: Atom<'a>,
    /// The key both read.
    pub key: &'a KeyPath,
}

/// Every key a statement's conditions read, with where it stands.
pub fn condition_keys(statement: &Statement) -> Vec<&policy_lang::Key> {
    fn walk<'a>(expr: &'a Expr, out: &mut Vec<&'a policy_lang::Key>) {
        match &expr.kind {
            ExprKind::And(items) | ExprKind::Or(items) => items.iter().for_each(|e| walk(e, out)),
            ExprKind::Not(inner) | ExprKind::Group(inner) => walk(inner, out),
            ExprKind::Has(key) | ExprKind::Truthy(key) => out.push(key),
            ExprKind::Compare(c) => out.push(&c.key),
            ExprKind::Quantified(q) => out.push(&q.comparison.key),
            ExprKind::CompareKeys(c) => {
                out.push(&c.left);
                out.push(&c.right);
            }
        }
    }
    let mut out = Vec::new();
    for block in &statement.conditions {
        block.exprs.iter().for_each(|e| walk(e, &mut out));
    }
    out
}

/// Every key a statement's conditions read.
pub fn keys(statement: &Statement) -> Vec<&KeyPath> {
    statement.conditions.iter().flat_map(block_keys).collect()
}

/// Every key a condition block reads.
pub fn block_keys(block: &ConditionBlock) -> Vec<&KeyPath> {
    let mut out = Vec::new();
    for expr in &block.exprs {
        collect_keys(expr, &mut out);
    }
    out
}

fn collect_keys<'a>(expr: &'a Expr, out: &mut Vec<&'a KeyPath>) {
    match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => {
            items.iter().for_each(|e| collect_keys(e, out));
        }
        ExprKind::Not(inner) | ExprKind::Group(inner) => collect_keys(inner, out),
        ExprKind::Has(key) | ExprKind::Truthy(key) => out.push(&key.path),
        ExprKind::Compare(c) => out.push(&c.key.path),
        ExprKind::Quantified(q) => out.push(&q.comparison.key.path),
        ExprKind::CompareKeys(c) => {
            out.push(&c.left.path);
            out.push(&c.right.path);
        }
    }
}

/// The conditions that must all hold for the statement to apply.
pub fn conjuncts(statement: &Statement) -> Vec<Atom<'_>> {
    let mut out = Vec::new();
    for block in &statement.conditions {
        match (block.kind, block.exprs.as_slice()) {
            (BlockKind::When, exprs) => {
                exprs.iter().for_each(|e| flatten(e, false, None, &mut out))
            }
            (BlockKind::Unless, [single]) => flatten(single, true, None, &mut out),
            (BlockKind::Unless, _) => {}
        }
    }
    out
}

/// Collects the atoms of `expr`; `shown` is the outermost `not` or
/// parenthesis directly around it.
fn flatten<'a>(expr: &'a Expr, negated: bool, shown: Option<&'a Expr>, out: &mut Vec<Atom<'a>>) {
    let around = Some(shown.unwrap_or(expr));
    match (&expr.kind, negated) {
        (ExprKind::Group(inner), _) => flatten(inner, negated, around, out),
        (ExprKind::Not(inner), _) => flatten(inner, !negated, around, out),
        (ExprKind::And(items), false) | (ExprKind::Or(items), true) => {
            items.iter().for_each(|e| flatten(e, negated, None, out));
        }
        (ExprKind::And(_) | ExprKind::Or(_), _) => {}
        _ => out.push(Atom {
            expr,
            negated,
            shown: shown.unwrap_or(expr),
        }),
    }
}

/// Every comparison in a statement's conditions, with whether it counts in
/// the statement's favour (`true`) or against it: a `when` block counts for,
/// an `unless` block against, and each `not` flips.
pub fn comparisons(statement: &Statement) -> Vec<(&Comparison, &Expr, bool)> {
    let mut out = Vec::new();
    for block in &statement.conditions {
        let positive = block.kind == BlockKind::When;
        block
            .exprs
            .iter()
            .for_each(|e| collect_comparisons(e, positive, &mut out));
    }
    out
}

fn collect_comparisons<'a>(
    expr: &'a Expr,
    positive: bool,
    out: &mut Vec<(&'a Comparison, &'a Expr, bool)>,
) {
    match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => items
            .iter()
            .for_each(|e| collect_comparisons(e, positive, out)),
        ExprKind::Group(inner) => collect_comparisons(inner, positive, out),
        ExprKind::Not(inner) => collect_comparisons(inner, !positive, out),
        ExprKind::Compare(c) => out.push((c, expr, positive)),
        // Two keys compared constrain neither to a literal; a quantified
        // comparison constrains the items of a set, not the key's value.
        ExprKind::Has(_)
        | ExprKind::Truthy(_)
        | ExprKind::CompareKeys(_)
        | ExprKind::Quantified(_) => {}
    }
}

/// A value that can be ordered: numbers, or instants, durations and clock
/// times as whole units.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ordinal {
    Number(f64),
    Integer(i128),
}

impl PartialOrd for Ordinal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Ordinal::Number(a), Ordinal::Number(b)) => a.partial_cmp(b),
            (Ordinal::Integer(a), Ordinal::Integer(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

fn ordinal(value: &ValueKind) -> Option<Ordinal> {
    match value {
        ValueKind::Number(n) => Some(Ordinal::Number(*n)),
        ValueKind::Timestamp(t) => Some(Ordinal::Integer(
            i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos()),
        )),
        ValueKind::Duration(d) => Some(Ordinal::Integer(i128::from(*d))),
        ValueKind::TimeOfDay(t) => Some(Ordinal::Integer(i128::from(*t))),
        _ => None,
    }
}

/// One bound of an interval, with the atom that set it.
#[derive(Debug, Clone, Copy)]
struct Bound {
    value: Ordinal,
    inclusive: bool,
    atom: usize,
}

/// What the atoms on one key require so far.
#[derive(Debug, Default)]
struct KeyState<'a> {
    /// The only values allowed, and the atoms that narrowed them.
    allowed: Option<(Vec<&'a ValueKind>, Vec<usize>)>,
    /// Values ruled out, with the atom that ruled out each.
    excluded: Vec<(&'a ValueKind, usize)>,
    lower: Option<Bound>,
    upper: Option<Bound>,
}

/// What one atom requires of its key's value.
#[derive(Debug)]
enum Constraint<'a> {
    OneOf(Vec<&'a ValueKind>),
    NoneOf(Vec<&'a ValueKind>),
    Lower(Ordinal, bool),
    Upper(Ordinal, bool),
    Between(Ordinal, Ordinal),
}

/// Which value an atom constrains: the key, its `at` offset, and whether it
/// is about presence (`has`) rather than the value.
type Subject<'a> = (&'a KeyPath, i32, bool);

/// The first pair of conditions that can never hold together, if any.
pub fn first_conflict<'a>(atoms: &[Atom<'a>]) -> Option<Conflict<'a>> {
    let mut states: Vec<(Subject<'a>, KeyState<'a>)> = Vec::new();
    for (index, atom) in atoms.iter().enumerate() {
        let Some((subject, constraint)) = constraint(atom) else {
            continue;
        };
        let position = match states.iter().position(|(s, _)| *s == subject) {
            Some(p) => p,
            None => {
                states.push((subject, KeyState::default()));
                states.len() - 1
            }
        };
        let Some((_, state)) = states.get_mut(position) else {
            continue;
        };
        apply(state, constraint, index);
        if let Some(other) = inconsistency(state, index) {
            let first = atoms.get(other).copied()?;
            return Some(Conflict {
                first,
                second: *atom,
                key: subject.0,
            });
        }
    }
    None
}

fn constraint<'a>(atom: &Atom<'a>) -> Option<(Subject<'a>, Constraint<'a>)> {
    static TRUE: ValueKind = ValueKind::Bool(true);
    static FALSE: ValueKind = ValueKind::Bool(false);
    let wanted = if atom.negated { &FALSE } else { &TRUE };
    match &atom.expr.kind {
        ExprKind::Truthy(key) => Some(((&key.path, 0, false), Constraint::OneOf(vec![wanted]))),
        ExprKind::Has(key) => Some(((&key.path, 0, true), Constraint::OneOf(vec![wanted]))),
        ExprKind::Compare(c) => {
            let offset = c.offset.as_ref().map_or(0, |o| o.seconds_east);
            let op = if atom.negated { negate(c.op)? } else { c.op };
            compare_constraint(&c.key.path, op, &c.operand)
                .map(|k| ((&c.key.path, offset, false), k))
        }
        _ => None,
    }
}

fn negate(op: CompareOp) -> Option<CompareOp> {
    Some(match op {
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
        CompareOp::In => CompareOp::NotIn,
        CompareOp::NotIn => CompareOp::In,
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Ge => CompareOp::Lt,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Gt => CompareOp::Le,
        CompareOp::Like | CompareOp::ILike | CompareOp::Contains => return None,
    })
}

fn compare_constraint<'a>(
    key: &KeyPath,
    op: CompareOp,
    operand: &'a Operand,
) -> Option<Constraint<'a>> {
    let values = |op_values: Vec<&'a Value>| -> Option<Vec<&'a ValueKind>> {
        // A CIDR range is containment, not equality: not analysed.
        let kinds: Vec<&ValueKind> = op_values.iter().map(|v| &v.kind).collect();
        (!kinds.iter().any(|k| matches!(k, ValueKind::Cidr(_)))).then_some(kinds)
    };
    match (op, operand) {
        (CompareOp::Eq | CompareOp::In, Operand::Value(v)) => {
            values(vec![v]).map(Constraint::OneOf)
        }
        (CompareOp::Ne | CompareOp::NotIn, Operand::Value(v)) => {
            values(vec![v]).map(Constraint::NoneOf)
        }
        (CompareOp::In, Operand::List(list)) => {
            values(list.iter().collect()).map(Constraint::OneOf)
        }
        (CompareOp::NotIn, Operand::List(list)) => {
            values(list.iter().collect()).map(Constraint::NoneOf)
        }
        (CompareOp::In, Operand::Range(a, b)) => range_constraint(key, a, b),
        (CompareOp::Lt | CompareOp::Le, Operand::Value(v)) => {
            Some(Constraint::Upper(ordinal(&v.kind)?, op == CompareOp::Le))
        }
        (CompareOp::Gt | CompareOp::Ge, Operand::Value(v)) => {
            Some(Constraint::Lower(ordinal(&v.kind)?, op == CompareOp::Ge))
        }
        _ => None,
    }
}

/// `in A .. B`, except a `time_of_day` range that wraps past midnight.
fn range_constraint<'a>(key: &KeyPath, a: &Value, b: &Value) -> Option<Constraint<'a>> {
    let (lo, hi) = (ordinal(&a.kind)?, ordinal(&b.kind)?);
    if *key == KeyPath::TimeOfDay && lo.partial_cmp(&hi) != Some(Ordering::Less) {
        return None;
    }
    Some(Constraint::Between(lo, hi))
}

fn apply<'a>(state: &mut KeyState<'a>, constraint: Constraint<'a>, atom: usize) {
    match constraint {
        Constraint::OneOf(values) => {
            let (narrowed, mut by) = match state.allowed.take() {
                None => (values, Vec::new()),
                Some((current, by)) => (
                    current.into_iter().filter(|v| values.contains(v)).collect(),
                    by,
                ),
            };
            by.push(atom);
            state.allowed = Some((narrowed, by));
        }
        Constraint::NoneOf(values) => state.excluded.extend(values.into_iter().map(|v| (v, atom))),
        Constraint::Lower(value, inclusive) => tighten_lower(state, value, inclusive, atom),
        Constraint::Upper(value, inclusive) => tighten_upper(state, value, inclusive, atom),
        Constraint::Between(lo, hi) => {
            tighten_lower(state, lo, true, atom);
            tighten_upper(state, hi, false, atom);
        }
    }
}

fn tighten_lower(state: &mut KeyState, value: Ordinal, inclusive: bool, atom: usize) {
    let tighter = match state.lower {
        None => true,
        Some(b) => match value.partial_cmp(&b.value) {
            Some(Ordering::Greater) => true,
            Some(Ordering::Equal) => b.inclusive && !inclusive,
            _ => false,
        },
    };
    if tighter {
        state.lower = Some(Bound {
            value,
            inclusive,
            atom,
        });
    }
}

fn tighten_upper(state: &mut KeyState, value: Ordinal, inclusive: bool, atom: usize) {
    let tighter = match state.upper {
        None => true,
        Some(b) => match value.partial_cmp(&b.value) {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => b.inclusive && !inclusive,
            _ => false,
        },
    };
    if tighter {
        state.upper = Some(Bound {
            value,
            inclusive,
            atom,
        });
    }
}

/// When the state admits no value, the atom (other than `current`) it
/// conflicts with.
fn inconsistency(state: &KeyState, current: usize) -> Option<usize> {
    let other = |candidates: &[usize]| candidates.iter().copied().find(|a| *a != current);
    if let (Some(lo), Some(hi)) = (state.lower, state.upper)
        && empty_interval(lo, hi)
    {
        return other(&[lo.atom, hi.atom]);
    }
    let (allowed, narrowed_by) = state.allowed.as_ref()?;
    let admitted = allowed
        .iter()
        .any(|v| !state.excluded.iter().any(|(x, _)| x == v) && within(state, v));
    if admitted {
        return None;
    }
    let mut candidates = narrowed_by.clone();
    candidates.extend(state.excluded.iter().map(|(_, a)| *a));
    candidates.extend(state.lower.map(|b| b.atom));
    candidates.extend(state.upper.map(|b| b.atom));
    other(&candidates)
}

fn empty_interval(lo: Bound, hi: Bound) -> bool {
    match lo.value.partial_cmp(&hi.value) {
        Some(Ordering::Greater) => true,
        Some(Ordering::Equal) => !(lo.inclusive && hi.inclusive),
        _ => false,
    }
}

/// True when `value` lies within the state's bounds (or is not ordered).
fn within(state: &KeyState, value: &ValueKind) -> bool {
    let Some(v) = ordinal(value) else {
        return true;
    };
    let above = state.lower.is_none_or(|b| match v.partial_cmp(&b.value) {
        Some(Ordering::Greater) => true,
        Some(Ordering::Equal) => b.inclusive,
        Some(Ordering::Less) => false,
        None => true,
    });
    let below = state.upper.is_none_or(|b| match v.partial_cmp(&b.value) {
        Some(Ordering::Less) => true,
        Some(Ordering::Equal) => b.inclusive,
        Some(Ordering::Greater) => false,
        None => true,
    });
    above && below
}

/// The end of the time window an atom sets, when the atom caps `time`:
/// `time < T`, `time <= T` or `time in A .. T`; with whether `T` itself is in.
pub fn time_window_end(atom: &Atom) -> Option<(chrono::DateTime<chrono::FixedOffset>, bool)> {
    let ExprKind::Compare(c) = &atom.expr.kind else {
        return None;
    };
    if c.key.path != KeyPath::Time {
        return None;
    }
    let op = if atom.negated { negate(c.op)? } else { c.op };
    match (op, &c.operand) {
        (CompareOp::Lt, Operand::Value(v)) | (CompareOp::In, Operand::Range(_, v)) => {
            timestamp(v).map(|t| (t, false))
        }
        (CompareOp::Le, Operand::Value(v)) => timestamp(v).map(|t| (t, true)),
        _ => None,
    }
}

fn timestamp(value: &Value) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    match value.kind {
        ValueKind::Timestamp(t) => Some(t),
        _ => None,
    }
}

/// True when a request can lack the key (so a comparison on it can be
/// unknown, which makes a deny apply).
pub fn can_be_missing(key: &KeyPath) -> bool {
    !matches!(
        key,
        KeyPath::Time
            | KeyPath::TimeOfDay
            | KeyPath::Weekday
            | KeyPath::Action
            | KeyPath::PrincipalId
            | KeyPath::PrincipalGroups
            | KeyPath::ResourcePath
    )
}

/// The span of an atom as written, for locating findings.
pub fn span(atom: &Atom) -> Span {
    atom.shown.span
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn conflict(conditions: &str) -> Option<(String, String)> {
        let source = format!(
            "policy \"p\" {{ allow \"a\" {{ principal * action * resource x {conditions} }} }}"
        );
        let file = policy_lang::parse("t.policy", &source).unwrap();
        let statement = &file.policies[0].statements[0];
        let atoms = conjuncts(statement);
        first_conflict(&atoms).map(|c| {
            let text = |a: Atom| {
                source[a.shown.span.start..a.shown.span.end]
                    .trim()
                    .to_string()
            };
            (text(c.first), text(c.second))
        })
    }

    #[test]
    fn contradictions_are_found() {
        let cases = [
            "when { mfa and not mfa }",
            "when { mfa } unless { mfa }",
            "when { mfa == true and mfa == false }",
            "when { has context.x } when { not has context.x }",
            r#"when { version_stage == "A" and version_stage == "B" }"#,
            r#"when { version_stage == "A" and version_stage != "A" }"#,
            r#"when { version_stage in ["A", "B"] and version_stage not in ["A", "B"] }"#,
            r#"when { version_stage == "C" and version_stage in ["A", "B"] }"#,
            "when { mfa_age <= 5m and mfa_age > 10m }",
            "when { mfa_age < 5m and mfa_age >= 5m }",
            "when { time < 2026-01-01T00:00:00Z and time > 2027-01-01T00:00:00Z }",
            "when { time < 2026-01-01T00:00:00Z } when { time >= 2026-01-01T00:00:00Z }",
            "when { time in 2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z and time >= 2026-02-01T00:00:00Z }",
            "when { context.level == 3 and context.level > 5 }",
            "when { weekday == Mon and weekday == Tue }",
            "when { not (mfa or source_ip in 10.0.0.0/8) and mfa }",
            "when { time_of_day < 09:00 and time_of_day > 17:00 }",
            r#"when { context.level == 3 and context.level == "3" }"#,
        ];
        for case in cases {
            assert!(conflict(case).is_some(), "{case}");
        }
    }

    #[test]
    fn satisfiable_conditions_are_not_reported() {
        let cases = [
            "when { mfa or not mfa }",
            "when { mfa } when { mfa_age <= 5m }",
            "unless { mfa and not mfa }",
            r#"when { version_stage == "A" or version_stage == "B" }"#,
            r#"when { version_stage in ["A", "B"] and version_stage != "A" }"#,
            "when { mfa_age <= 10m and mfa_age > 5m }",
            "when { mfa_age <= 5m and mfa_age >= 5m }",
            "when { time_of_day in 22:00 .. 06:00 and time_of_day < 05:00 }",
            "when { weekday == Mon at +01:00 and weekday == Tue at UTC }",
            "when { source_ip in 10.0.0.0/8 and source_ip in 192.168.0.0/16 }",
            "when { source_ip in 10.0.0.0/8 and source_ip == 10.1.2.3 }",
            "when { context.a == 1 and context.b == 2 }",
        ];
        for case in cases {
            assert_eq!(conflict(case), None, "{case}");
        }
    }
}
