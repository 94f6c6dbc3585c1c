//! The rules: one function per rule (two for `never-applies`), each reading
//! the whole context and returning its findings.

use super::conditions::{self, Atom};
use super::context::{Context, CoverIndex, Unit};
use super::model::{Finding, Severity};
use super::patterns::{self, MatcherShape, PatternShape, Tok};
use policy_lang::{
    BlockKind, CompareOp, Comparison, Effect, Expr, ExprKind, KeyPath, MatcherKind, Operand, Value,
    ValueKind,
};
use std::collections::HashMap;

/// A rule check.
pub type Check = fn(&Context) -> Vec<Finding>;

/// Every check with the rule it reports, in documentation order.
pub const CHECKS: &[(&str, Check)] = &[
    ("allow-all-actions", allow_all_actions),
    ("allow-all-resources", allow_all_resources),
    ("prod-without-guard", prod_without_guard),
    ("never-applies", shadowed_allow),
    ("never-applies", contradictory_conditions),
    ("expired-window", expired_window),
    ("open-network", open_network),
    ("duplicate-statement", duplicate_statement),
    ("overlapping-statement", overlapping_statement),
    ("wildcard-in-equality", wildcard_in_equality),
    ("misspelt-key", misspelt_key),
];

/// Top-level folders that hold production secrets.
const PRODUCTION: &[&str] = &["prod", "production"];

/// Keys whose conditions count as a network or MFA guard.
fn is_guard_key(key: &KeyPath) -> bool {
    matches!(key, KeyPath::SourceIp | KeyPath::Mfa | KeyPath::MfaAge)
}

/// Runs `check` on every allow statement.
fn each_allow(cx: &Context, check: impl Fn(usize, &Unit) -> Vec<Finding>) -> Vec<Finding> {
    cx.units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.is_allow())
        .flat_map(|(i, u)| check(i, u))
        .collect()
}

/// Runs `check` on every statement.
fn each(cx: &Context, check: impl Fn(usize, &Unit) -> Vec<Finding>) -> Vec<Finding> {
    cx.units
        .iter()
        .enumerate()
        .flat_map(|(i, u)| check(i, u))
        .collect()
}

/// `allow-all-actions`: `action *`, `not action ...` or `SERVICE:*` in an allow.
fn allow_all_actions(cx: &Context) -> Vec<Finding> {
    each_allow(cx, |i, u| {
        negated_actions(cx, i, u)
            .or_else(|| every_action(cx, i, u))
            .or_else(|| service_wide_actions(cx, i, u))
            .into_iter()
            .collect()
    })
}

fn negated_actions(cx: &Context, i: usize, u: &Unit) -> Option<Finding> {
    let line = &u.statement.action;
    line.negated.then(|| {
        let message = format!(
            "{} grants every action except the listed ones, including actions added later",
            u.title()
        );
        let hint = "list the actions the principals need instead of the ones they must not have; keep `not action` for deny statements";
        warning(cx.finding("allow-all-actions", i, line.span, message, hint.to_string()))
    })
}

/// The values a `when` condition pins `key` to, when one does: a conjunct
/// of a `when` block that compares `key` with `==`, `in`, `like` or
/// `ilike` against strings that are not wildcards alone, or an `or` of
/// such comparisons. This is how the AWS importer writes IAM's actions and
/// resources (`action *` with `when { action ilike
/// "secretsmanager:GetSecretValue" }`): the line matches everything and the
/// condition narrows it.
fn pinned_in_conditions<'a>(u: &Unit<'a>, key: &KeyPath) -> Option<Vec<&'a Value>> {
    u.statement
        .conditions
        .iter()
        .filter(|block| block.kind == BlockKind::When)
        .flat_map(|block| block.exprs.iter())
        .find_map(|expr| pinned_conjunct(expr, key))
}

fn pinned_conjunct<'a>(expr: &'a Expr, key: &KeyPath) -> Option<Vec<&'a Value>> {
    match &expr.kind {
        ExprKind::Group(inner) => pinned_conjunct(inner, key),
        ExprKind::And(items) => items.iter().find_map(|e| pinned_conjunct(e, key)),
        _ => pins(expr, key),
    }
}

/// The values `expr` holds `key` to: every one of an `or`'s alternatives
/// must pin it.
fn pins<'a>(expr: &'a Expr, key: &KeyPath) -> Option<Vec<&'a Value>> {
    match &expr.kind {
        ExprKind::Group(inner) => pins(inner, key),
        ExprKind::Or(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(pins(item, key)?);
            }
            Some(out)
        }
        ExprKind::Compare(c) if c.key.path == *key => {
            let values: Vec<&Value> = match (c.op, &c.operand) {
                (CompareOp::Eq | CompareOp::Like | CompareOp::ILike, Operand::Value(v)) => vec![v],
                (CompareOp::In | CompareOp::Like | CompareOp::ILike, Operand::List(vs)) => {
                    vs.iter().collect()
                }
                _ => return None,
            };
            let narrow = |v: &&Value| match &v.kind {
                // `*`, `**`, `*:*`, `*/*`: wildcards and separators only.
                ValueKind::String(text) => {
                    !text.chars().all(|ch| matches!(ch, '*' | '?' | '/' | ':'))
                }
                _ => false,
            };
            (!values.is_empty() && values.iter().all(narrow)).then_some(values)
        }
        _ => None,
    }
}

/// Whether paths matching the condition text `text` (a `like` pattern, or
/// a value compared exactly) may lie in folder `top`: its literal start and
/// `top/` agree as far as both go (ignoring case, as `ilike` would).
fn text_may_reach_top(text: &str, top: &str) -> bool {
    let literal: String = text
        .chars()
        .take_while(|c| !matches!(c, '*' | '?' | '[' | '{' | '$' | '\\'))
        .flat_map(char::to_lowercase)
        .collect();
    let folder = format!("{top}/");
    literal.starts_with(&folder) || folder.starts_with(&literal)
}

fn every_action(cx: &Context, i: usize, u: &Unit) -> Option<Finding> {
    let all = u.action.patterns.iter().find(|p| p.match_all)?;
    if let Some(values) = pinned_in_conditions(u, &KeyPath::Action) {
        // The condition decides the actions: only a service-wide pattern
        // there is worth a word.
        let (value, service) = values.iter().find_map(|v| match &v.kind {
            ValueKind::String(text) => service_prefix(text).map(|s| (*v, s)),
            _ => None,
        })?;
        let message = format!(
            "{} grants every `{service}` action (`{}` in its condition)",
            u.title(),
            cx.text(u.file, value.span)
        );
        let hint = format!(
            "list only the `{service}` actions the principals need, such as `{service}GetSecretValue`"
        );
        return Some(warning(cx.finding(
            "allow-all-actions",
            i,
            value.span,
            message,
            hint,
        )));
    }
    let message = format!(
        "{} grants every action (`action {}`)",
        u.title(),
        cx.text(u.file, all.span)
    );
    let hint = "list only the actions the principals need, such as `action secrets:GetSecretValue, secrets:DescribeSecret`";
    Some(cx.finding("allow-all-actions", i, all.span, message, hint.to_string()))
}

fn service_wide_actions(cx: &Context, i: usize, u: &Unit) -> Option<Finding> {
    let (pattern, service) = u
        .action
        .patterns
        .iter()
        .find_map(|p| service_wide(p).map(|s| (p, s)))?;
    let message = format!(
        "{} grants every `{service}` action (`{}`)",
        u.title(),
        cx.text(u.file, pattern.span)
    );
    let hint = format!(
        "list only the `{service}` actions the principals need, such as `{service}GetSecretValue`"
    );
    Some(warning(cx.finding(
        "allow-all-actions",
        i,
        pattern.span,
        message,
        hint,
    )))
}

/// The finding, with severity warning.
fn warning(mut finding: Finding) -> Finding {
    finding.severity = Severity::Warning;
    finding
}

/// `SERVICE:*` written as a condition's pattern text: the service prefix.
fn service_prefix(text: &str) -> Option<String> {
    let prefix = text.strip_suffix('*')?;
    let plain = !prefix.contains(['*', '?', '[', '{', '$']);
    let well_formed = prefix.ends_with(':') && prefix.matches(':').count() == 1 && prefix.len() > 1;
    (plain && well_formed).then(|| prefix.to_string())
}

/// `SERVICE:*`: the service prefix when an action pattern is exactly that.
fn service_wide(pattern: &PatternShape) -> Option<String> {
    let [alt] = pattern.alts.as_deref()? else {
        return None;
    };
    let (last, head) = alt.split_last()?;
    let prefix: Option<String> = head
        .iter()
        .map(|t| match t {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    let prefix = prefix?;
    let well_formed = prefix.ends_with(':') && prefix.matches(':').count() == 1 && prefix.len() > 1;
    (*last == Tok::Star && well_formed).then_some(prefix)
}

/// `allow-all-resources`: `resource *`, `resource **` or `not resource ...` in an allow.
fn allow_all_resources(cx: &Context) -> Vec<Finding> {
    each_allow(cx, |i, u| {
        negated_resources(cx, i, u)
            .or_else(|| every_resource(cx, i, u))
            .into_iter()
            .collect()
    })
}

fn negated_resources(cx: &Context, i: usize, u: &Unit) -> Option<Finding> {
    let line = &u.statement.resource;
    line.negated.then(|| {
        let message = format!(
            "{} applies to every secret except the listed ones, including paths created later",
            u.title()
        );
        let hint = "name the folders the principals need, such as `resource app/payments/**`; keep `not resource` for deny statements";
        warning(cx.finding("allow-all-resources", i, line.span, message, hint.to_string()))
    })
}

fn every_resource(cx: &Context, i: usize, u: &Unit) -> Option<Finding> {
    let all = u.resource.patterns.iter().find(|p| p.match_all)?;
    if pinned_in_conditions(u, &KeyPath::ResourcePath).is_some() {
        return None;
    }
    let message = format!(
        "{} applies to every secret (`resource {}`)",
        u.title(),
        cx.text(u.file, all.span)
    );
    let hint = "name the folders the principals need, such as `resource app/payments/**`";
    Some(cx.finding(
        "allow-all-resources",
        i,
        all.span,
        message,
        hint.to_string(),
    ))
}

/// `prod-without-guard`: an allow that reaches `prod/` or `production/`
/// with no network or MFA condition, and no deny guarding the path.
fn prod_without_guard(cx: &Context) -> Vec<Finding> {
    let guard_denies = (0..cx.units.len()).filter(|g| cx.units.get(*g).is_some_and(is_guard_deny));
    let guards = CoverIndex::new(cx, guard_denies);
    let tops = production_folders(cx);
    each_allow(cx, |i, u| {
        if conditions::keys(u.statement).into_iter().any(is_guard_key) {
            return Vec::new();
        }
        let exposed = exposed_patterns(cx, u, &guards, &tops);
        let Some(first) = exposed.first() else {
            return Vec::new();
        };
        let list: Vec<String> = exposed
            .iter()
            .map(|s| format!("`{}`", cx.text(u.file, *s)))
            .collect();
        // Only a variable that can stand for the production folder itself
        // needs the note; `prod/${...}` is in production by its literal part.
        let variable_picks_folder = list.iter().any(|p| {
            let text = p.trim_start_matches('`');
            text.contains("${") && !tops.iter().any(|top| text.starts_with(&format!("{top}/")))
        });
        let through = if variable_picks_folder {
            format!("{} (a policy variable may hold `prod`)", list.join(", "))
        } else {
            list.join(", ")
        };
        vec![cx.finding(
            "prod-without-guard",
            i,
            *first,
            format!(
                "{} reaches production secrets through {} with no network (`source_ip`) or MFA (`mfa`, `mfa_age`) condition",
                u.title(),
                through
            ),
            "add `when { source_ip in [10.0.0.0/8] }` (your private ranges) or `when { mfa and mfa_age <= 15m }`, or guard the path with `deny ... resource prod/** unless { source_ip in [...] }`".to_string(),
        )]
    })
}

/// The production folders of the set: those of `prod/` and `production/`
/// that some resource pattern names literally, or both when none does. A
/// wildcard such as `*/db` is only said to reach a folder the set uses.
fn production_folders(cx: &Context) -> Vec<&'static str> {
    let named: Vec<&'static str> = PRODUCTION
        .iter()
        .copied()
        .filter(|top| {
            cx.units.iter().any(|u| {
                u.resource
                    .patterns
                    .iter()
                    .any(|p| patterns::names_top(p, top))
            })
        })
        .collect();
    if named.is_empty() {
        PRODUCTION.to_vec()
    } else {
        named
    }
}

/// A deny without conditions (it takes the path away entirely), or whose
/// blocks are all `unless` blocks that each read a guard key: it denies
/// whatever it matches unless a network or MFA check passes.
fn is_guard_deny(unit: &Unit) -> bool {
    let statement = unit.statement;
    statement.effect == Effect::Deny
        && statement.conditions.iter().all(|block| {
            block.kind == policy_lang::BlockKind::Unless
                && conditions::block_keys(block).into_iter().any(is_guard_key)
        })
}

/// The spans of the allow's resource patterns (or its negated line) that
/// reach production and are not covered by a guard deny.
fn exposed_patterns(
    cx: &Context,
    allow: &Unit,
    guards: &CoverIndex,
    production: &[&str],
) -> Vec<policy_lang::Span> {
    let guarded_by = |target: &MatcherShape, tops: &[&str]| {
        let subtrees = MatcherShape {
            kind: MatcherKind::Resource,
            negated: false,
            patterns: tops
                .iter()
                .map(|t| PatternShape::resource(&format!("{t}/**")))
                .collect(),
        };
        let mut candidates = guards.covering(target);
        candidates.extend(guards.covering(&subtrees));
        candidates.iter().filter_map(|g| cx.units.get(*g)).any(|g| {
            (g.resource.covers(target) || g.resource.covers(&subtrees))
                && g.principal.covers(&allow.principal)
                && g.action.covers(&allow.action)
        })
    };
    if allow.resource.negated {
        let tops: Vec<&str> = production
            .iter()
            .copied()
            .filter(|t| patterns::negated_reaches_top(&allow.resource, t))
            .collect();
        let exposed = !tops.is_empty() && !guarded_by(&allow.resource, &tops);
        return if exposed {
            vec![allow.statement.resource.span]
        } else {
            Vec::new()
        };
    }
    if allow.resource.matches_everything()
        && let Some(values) = pinned_in_conditions(allow, &KeyPath::ResourcePath)
    {
        // The condition decides the paths (an imported IAM resource).
        return values
            .iter()
            .filter(|v| {
                let ValueKind::String(text) = &v.kind else {
                    return true;
                };
                let tops: Vec<&str> = production
                    .iter()
                    .copied()
                    .filter(|t| text_may_reach_top(text, t))
                    .collect();
                !tops.is_empty() && !guarded_by(&allow.resource, &tops)
            })
            .map(|v| v.span)
            .collect();
    }
    allow
        .resource
        .patterns
        .iter()
        .filter(|p| {
            let tops: Vec<&str> = production
                .iter()
                .copied()
                .filter(|t| patterns::reaches_top(p, t))
                .collect();
            let single = MatcherShape {
                kind: MatcherKind::Resource,
                negated: false,
                patterns: vec![(*p).clone()],
            };
            !tops.is_empty() && !guarded_by(&single, &tops)
        })
        .map(|p| p.span)
        .collect()
}

/// `never-applies`: an allow that an unconditional deny covers entirely.
fn shadowed_allow(cx: &Context) -> Vec<Finding> {
    let denies = cx
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| !u.is_allow() && u.unconditional())
        .map(|(i, _)| i);
    let index = CoverIndex::new(cx, denies);
    each_allow(cx, |i, u| {
        let covering = index
            .candidates(cx, i)
            .into_iter()
            .find(|d| cx.units.get(*d).is_some_and(|deny| deny.covers(u)));
        let Some(d) = covering else {
            return Vec::new();
        };
        let (deny, place) = cx
            .units
            .get(d)
            .map(|x| (x.title(), cx.place(x.file, x.head())))
            .unwrap_or_default();
        let message = format!(
            "{} can never apply: {deny} ({place}) has no conditions and matches every request it matches",
            u.title()
        );
        let hint =
            format!("remove the allow, or narrow {deny} if the allow is meant to grant something");
        let mut f = cx.finding("never-applies", i, u.head(), message, hint);
        f.related = cx.related_statement(d, "the deny that covers it");
        vec![f]
    })
}

/// `never-applies`: two conditions that can never both hold.
fn contradictory_conditions(cx: &Context) -> Vec<Finding> {
    each(cx, |i, u| {
        let atoms = conditions::conjuncts(u.statement);
        let Some(conflict) = conditions::first_conflict(&atoms) else {
            return Vec::new();
        };
        let (first, second) = (
            cx.text(u.file, atom_span(cx, u.file, &conflict.first)),
            cx.text(u.file, atom_span(cx, u.file, &conflict.second)),
        );
        let presence = matches!(conflict.second.expr.kind, ExprKind::Has(_));
        let outcome = if u.is_allow() || presence || !conditions::can_be_missing(conflict.key) {
            format!("{} never applies", u.title())
        } else {
            format!(
                "{} applies only to requests without `{}` (an unknown condition makes a deny apply)",
                u.title(),
                conflict.key
            )
        };
        let mut f = cx.finding(
            "never-applies",
            i,
            atom_span(cx, u.file, &conflict.second),
            format!("`{second}` contradicts `{first}`: they can never both hold, so {outcome}"),
            "fix the value or bound that is wrong; if either condition may hold, join them with `or`".to_string(),
        );
        f.related = Some(super::model::Related {
            file: u.file,
            span: atom_span(cx, u.file, &conflict.first),
            message: "the condition it contradicts".to_string(),
        });
        vec![f]
    })
}

/// `expired-window`: `time < T`, `time <= T` or `time in A .. T` with `T` past.
fn expired_window(cx: &Context) -> Vec<Finding> {
    each(cx, |i, u| {
        let atoms = conditions::conjuncts(u.statement);
        atoms
            .iter()
            .filter_map(|atom| expired(cx, atom).map(|end| (atom, end)))
            .take(1)
            .map(|(atom, end)| {
                cx.finding(
                    "expired-window",
                    i,
                    atom_span(cx, u.file, atom),
                    format!(
                        "the time window of {} ended at {} (`{}`), so it can never apply again",
                        u.title(),
                        end.to_rfc3339(),
                        cx.text(u.file, atom_span(cx, u.file, atom))
                    ),
                    "remove the statement if the access was temporary, or move the end of the window if it is still needed".to_string(),
                )
            })
            .collect()
    })
}

/// Where an atom stands, without surrounding whitespace.
fn atom_span(cx: &Context, file: usize, atom: &Atom) -> policy_lang::Span {
    cx.trim(file, conditions::span(atom))
}

fn expired(cx: &Context, atom: &Atom) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let (end, inclusive) = conditions::time_window_end(atom)?;
    let past = end < cx.now || (end == cx.now && !inclusive);
    past.then_some(end)
}

/// `open-network`: a `source_ip` range that admits every (or a huge share of)
/// address, where it widens access: in an allow's condition or a deny's exemption.
fn open_network(cx: &Context) -> Vec<Finding> {
    each(cx, |i, u| {
        conditions::comparisons(u.statement)
            .into_iter()
            .filter(|(c, _, positive)| widens_access(u, c, *positive))
            .flat_map(|(c, expr, _)| open_ranges(cx, i, u, c, expr.span))
            .collect()
    })
}

fn widens_access(unit: &Unit, comparison: &Comparison, positive: bool) -> bool {
    let positive = match comparison.op {
        CompareOp::In => positive,
        CompareOp::NotIn => !positive,
        _ => return false,
    };
    comparison.key.path == KeyPath::SourceIp && (unit.is_allow() == positive)
}

fn operand_values(operand: &Operand) -> Vec<&Value> {
    match operand {
        Operand::Value(v) => vec![v],
        Operand::List(list) => list.iter().collect(),
        Operand::Range(a, b) => vec![a, b],
    }
}

fn open_ranges(
    cx: &Context,
    i: usize,
    u: &Unit,
    c: &Comparison,
    span: policy_lang::Span,
) -> Vec<Finding> {
    let values = operand_values(&c.operand);
    let effect = if u.is_allow() {
        format!("the network condition of {} restricts nothing", u.title())
    } else {
        format!(
            "{} exempts every such address, so its network guard protects nothing",
            u.title()
        )
    };
    let hint = "list your private or egress ranges, such as `source_ip in [10.0.0.0/8, fd00::/8]`"
        .to_string();
    let everything: Vec<&Value> = values
        .iter()
        .copied()
        .filter(|v| cidr_prefix(v) == Some(0))
        .collect();
    if let Some(first) = everything.first() {
        let text = cx.text(u.file, first.span);
        let family = family_of(first).map_or("", Family::name);
        return vec![cx.finding(
            "open-network",
            i,
            first.span,
            format!("`{text}` admits every {family} address: {effect}"),
            hint,
        )];
    }
    for family in [Family::V4, Family::V6] {
        if union_is_everything(&values, family) {
            let message = format!(
                "these ranges together admit every {} address: {effect}",
                family.name()
            );
            return vec![cx.finding("open-network", i, span, message, hint)];
        }
    }
    values
        .iter()
        .filter_map(|v| huge_range(v).map(|share| (v, share)))
        .map(|(v, share)| {
            let text = cx.text(u.file, v.span);
            let mut f = cx.finding(
                "open-network",
                i,
                v.span,
                format!(
                    "`{text}` is a huge range ({share} of all {} addresses) in a network condition of {}",
                    family_of(v).map_or("", Family::name),
                    u.title()
                ),
                hint.clone(),
            );
            f.severity = Severity::Note;
            f
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

fn family_of(value: &Value) -> Option<Family> {
    match &value.kind {
        ValueKind::Cidr(net) if net.network().is_ipv4() => Some(Family::V4),
        ValueKind::Cidr(_) => Some(Family::V6),
        _ => None,
    }
}

fn cidr_prefix(value: &Value) -> Option<u8> {
    match &value.kind {
        ValueKind::Cidr(net) => Some(net.prefix_len()),
        _ => None,
    }
}

/// `1/2`, `1/128`: the share of its family a range covers, when it is huge
/// (a prefix shorter than /8 for IPv4 or /7 for IPv6, such as `2000::/3`).
fn huge_range(value: &Value) -> Option<String> {
    let ValueKind::Cidr(net) = &value.kind else {
        return None;
    };
    let limit = if net.network().is_ipv4() { 8 } else { 7 };
    let prefix = net.prefix_len();
    (prefix > 0 && prefix < limit).then(|| format!("1/{}", 1u32 << prefix))
}

/// True when the ranges of one family in `values` together cover it all.
fn union_is_everything(values: &[&Value], family: Family) -> bool {
    let mut ranges: Vec<(u128, u128)> = values
        .iter()
        .filter_map(|v| match &v.kind {
            ValueKind::Cidr(net) => Some((net.network(), net.broadcast())),
            _ => None,
        })
        .filter_map(|(lo, hi)| match (lo, hi, family) {
            (std::net::IpAddr::V4(a), std::net::IpAddr::V4(b), Family::V4) => {
                Some((u128::from(u32::from(a)), u128::from(u32::from(b))))
            }
            (std::net::IpAddr::V6(a), std::net::IpAddr::V6(b), Family::V6) => {
                Some((u128::from(a), u128::from(b)))
            }
            _ => None,
        })
        .collect();
    if ranges.len() < 2 {
        return false;
    }
    ranges.sort_unstable();
    let max = match family {
        Family::V4 => u128::from(u32::MAX),
        Family::V6 => u128::MAX,
    };
    let mut next = 0u128;
    for (lo, hi) in ranges {
        if lo > next {
            return false;
        }
        if hi >= max {
            return true;
        }
        next = next.max(hi + 1);
    }
    false
}

/// The statement with spans, names, comments and parentheses removed and
/// the patterns of each line sorted: two statements that say the same
/// thing have the same text.
fn canonical(unit: &Unit) -> String {
    let mut value = serde_json::to_value(unit.statement).unwrap_or(serde_json::Value::Null);
    normalize(&mut value);
    value.to_string()
}

fn normalize(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            map.retain(|k, _| {
                !matches!(
                    k.as_str(),
                    "span" | "name_span" | "name" | "comments" | "inner_trailing_comments"
                )
            });
            // `(a)` is `a`.
            while let Some(inner) = map
                .get_mut("kind")
                .and_then(|k| k.get_mut("Group"))
                .and_then(|g| g.get_mut("kind"))
            {
                let inner = inner.take();
                map.insert("kind".to_string(), inner);
            }
            map.values_mut().for_each(normalize);
            if let Some(Value::Array(patterns)) = map.get_mut("patterns") {
                patterns.sort_by_cached_key(|p| p.to_string());
                patterns.dedup();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

/// `duplicate-statement`: a statement that repeats an earlier one.
fn duplicate_statement(cx: &Context) -> Vec<Finding> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, unit) in cx.units.iter().enumerate() {
        let key = canonical(unit);
        let Some(&first) = seen.get(&key) else {
            seen.insert(key, i);
            continue;
        };
        let earlier = cx
            .units
            .get(first)
            .map(|f| (f.title(), cx.place(f.file, f.head())))
            .unwrap_or_default();
        let mut f = cx.finding(
            "duplicate-statement",
            i,
            unit.head(),
            format!(
                "{} repeats {} ({}): same principal, action, resource and conditions",
                unit.title(),
                earlier.0,
                earlier.1
            ),
            "remove one of the two statements".to_string(),
        );
        f.related = cx.related_statement(first, "the statement it repeats");
        out.push(f);
    }
    out
}

/// `overlapping-statement`: an allow that an unconditional allow already grants.
fn overlapping_statement(cx: &Context) -> Vec<Finding> {
    let unconditional = cx
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.is_allow() && u.unconditional())
        .map(|(i, _)| i);
    let index = CoverIndex::new(cx, unconditional);
    each_allow(cx, |i, u| {
        let found = index.candidates(cx, i).into_iter().find(|b| {
            cx.units.get(*b).is_some_and(|broader| {
                broader.covers(u)
                    && canonical(broader) != canonical(u)
                    && !(u.unconditional() && *b > i && u.covers(broader))
            })
        });
        let Some(b) = found else {
            return Vec::new();
        };
        let broader = cx
            .units
            .get(b)
            .map(|x| (x.title(), cx.place(x.file, x.head())))
            .unwrap_or_default();
        let message = if u.unconditional() {
            format!(
                "{} grants nothing more than {} ({}), which has no conditions",
                u.title(),
                broader.0,
                broader.1
            )
        } else {
            format!(
                "the conditions of {} restrict nothing: {} ({}) grants the same principals, actions and resources without conditions",
                u.title(),
                broader.0,
                broader.1
            )
        };
        let mut f = cx.finding(
            "overlapping-statement",
            i,
            u.head(),
            message,
            format!(
                "remove {}, or narrow {} (or give it conditions) if it grants more than intended",
                u.title(),
                broader.0
            ),
        );
        f.related = cx.related_statement(b, "the broader allow");
        vec![f]
    })
}

/// `wildcard-in-equality`: `==`, `!=`, `in`, `not in` or `contains` with a
/// string literal holding `*` or `?`.
fn wildcard_in_equality(cx: &Context) -> Vec<Finding> {
    each(cx, |i, u| {
        let plain = conditions::comparisons(u.statement)
            .into_iter()
            .map(|(c, _, _)| (c, None));
        // Under `any` / `all`, each item is compared exactly too.
        let quantified = conditions::quantified(u.statement)
            .into_iter()
            .map(|q| (&q.comparison, Some(q.quantifier)));
        plain
            .chain(quantified)
            .filter(|(c, _)| {
                matches!(
                    c.op,
                    CompareOp::Eq
                        | CompareOp::Ne
                        | CompareOp::In
                        | CompareOp::NotIn
                        | CompareOp::Contains
                )
            })
            .flat_map(|(c, quantifier)| {
                operand_values(&c.operand)
                    .into_iter()
                    .filter(|v| matches!(&v.kind, ValueKind::String(s) if s.contains(['*', '?'])))
                    .map(|v| wildcard_finding(cx, i, c, v, quantifier))
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

fn wildcard_finding(
    cx: &Context,
    i: usize,
    c: &Comparison,
    value: &Value,
    quantifier: Option<policy_lang::Quantifier>,
) -> Finding {
    use policy_lang::Quantifier;
    let unit_file = cx.units.get(i).map_or(0, |u| u.file);
    let literal = cx.text(unit_file, value.span);
    let key = &c.key;
    let hint = match (c.op, quantifier) {
        (CompareOp::Ne | CompareOp::NotIn, None) => {
            format!("to exclude a pattern, write `not {key} like {literal}`")
        }
        // `all K != P` is `not any K like P`; `any K != P`, `not all K like P`.
        (CompareOp::Ne | CompareOp::NotIn, Some(q)) => {
            let dual = match q {
                Quantifier::All => "any",
                Quantifier::Any => "all",
            };
            format!("to exclude a pattern, write `not {dual} {key} like {literal}`")
        }
        (CompareOp::Contains, _) => format!(
            "`contains` takes no patterns: list the exact values, such as `{key} contains \"group:ops\" or {key} contains \"group:sre\"`"
        ),
        (_, Some(q)) => format!(
            "to match a pattern, write `{} {key} like {literal}`",
            q.keyword()
        ),
        (_, None) => format!("to match a pattern, write `{key} like {literal}`"),
    };
    cx.finding(
        "wildcard-in-equality",
        i,
        value.span,
        format!(
            "`{}` compares with {literal} exactly: `*` and `?` are not wildcards here",
            c.op.symbol()
        ),
        hint,
    )
}

/// A custom attribute read by a statement: its kind (`context`,
/// `principal.tags`, `resource.tags`), its name, and where it stands.
fn custom_reads(
    statement: &policy_lang::Statement,
) -> Vec<(&'static str, &str, policy_lang::Span)> {
    fn custom(key: &policy_lang::Key) -> Option<(&'static str, &str, policy_lang::Span)> {
        match &key.path {
            KeyPath::Context(path) => Some(("context", path.first(), key.span)),
            KeyPath::PrincipalTag(name) => Some(("principal.tags", name, key.span)),
            KeyPath::ResourceTag(name) => Some(("resource.tags", name, key.span)),
            _ => None,
        }
    }
    let mut out: Vec<_> = conditions::condition_keys(statement)
        .into_iter()
        .filter_map(custom)
        .collect();
    for pattern in &statement.resource.patterns {
        for key in pattern.variables() {
            out.extend(custom(key));
        }
    }
    out
}

/// `misspelt-key`: a custom attribute read by one statement only, while a
/// near-identical one is read by others.
fn misspelt_key(cx: &Context) -> Vec<Finding> {
    // For each (kind, name): the statements reading it, and the first place.
    let mut readers: HashMap<(&str, &str), Vec<(usize, policy_lang::Span)>> = HashMap::new();
    for (i, unit) in cx.units.iter().enumerate() {
        for (kind, name, span) in custom_reads(unit.statement) {
            let entry = readers.entry((kind, name)).or_default();
            if entry.last().is_none_or(|(last, _)| *last != i) {
                entry.push((i, span));
            }
        }
    }
    let mut keys: Vec<_> = readers.keys().copied().collect();
    keys.sort_unstable();
    let mut findings = Vec::new();
    for &(kind, name) in &keys {
        let [(unit, span)] = readers[&(kind, name)].as_slice() else {
            continue;
        };
        // The most read near-identical name of the same kind, read by
        // another statement. Of two names read once each, only the later is
        // reported.
        let best = keys
            .iter()
            .filter(|(k, other)| *k == kind && policy_cli::suite::near_identical(name, other))
            .map(|key| (key.1, &readers[key]))
            .filter(|(_, by)| by.iter().any(|(u, _)| u != unit))
            .filter(|(_, by)| by.len() > 1 || by.first().is_some_and(|(u, _)| u < unit))
            .max_by_key(|(other, by)| (by.len(), std::cmp::Reverse(*other)));
        let Some((other, by)) = best else {
            continue;
        };
        let count = by.len();
        let mut f = cx.finding(
            "misspelt-key",
            *unit,
            *span,
            format!(
                "`{kind}.{name}` is read by this statement only, while `{kind}.{other}` is read by {count} statement{}",
                if count == 1 { "" } else { "s" }
            ),
            format!("did you mean `{kind}.{other}`? A request never carries both, so one of them never matches"),
        );
        if let Some((first, _)) = by.iter().find(|(u, _)| u != unit) {
            f.related = cx.related_statement(*first, &format!("`{kind}.{other}` is read here"));
        }
        findings.push(f);
    }
    findings
}
