//! Differential tests aimed at candidate selection: the engine's indexes
//! (by resource, principal id, group, principal prefix and glob, action
//! exact/prefix/glob, and `attr == "literal"` / `attr in [...]` / `attr
//! like|ilike "plain text"` / `"plain prefix*"` conditions and `or`s of
//! them)
//! must find every statement the reference interpreter finds applicable.
//!
//! The policy sets are built so that statements share most dimensions and
//! differ in one or two, so that whichever dimension an index files a
//! statement under, its neighbours sit in the same bucket or next to it:
//! ids that are prefixes of one another (`user:u-1`, `user:u-10`), group
//! names one character apart (`team-3`, `team-30`), prefix patterns that are
//! prefixes of each other (`svc-3*`, `svc-3:Get*`, `svc-3:GetSecret*`), and
//! conditions on values the request lacks or carries with another type (a
//! deny with an unknown condition applies, so an index that skips it fails
//! open).
//!
//! Every check compares outcome, reason and the determining statements with
//! `tessera::reference::decide`, as `differential.rs` does, and checks that
//! `explain` reports the same decision and exactly the applicable
//! statements.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tessera::policy_lang::{
    BlockKind, CompareOp, Effect, Expr, ExprKind, KeyPath, Matcher, MatcherKind, Operand, Pattern,
    Policy, PolicyFile, Statement, ValueKind,
};
use tessera::reference::{self, ReferenceDecision};
use tessera::{Attribute, Decision, Engine, Outcome, Reason, Request, Source};

// ---------------------------------------------------------------------------
// Vocabularies: what statements say.

/// Principal patterns: exact ids that are prefixes of each other, id prefixes,
/// other id globs, exact groups, group prefixes and globs, match-all, and
/// patterns that look like groups but match ids (`[g]roup:...`, an
/// alternative starting with `group:`), which match the principal's id.
const PRINCIPAL_PATTERNS: &[&str] = &[
    "user:u-1",
    "user:u-10",
    "user:u-2",
    "user:u-",
    "service:a",
    "user:u-1*",
    "user:u-*",
    "user:*",
    "user:u-1?",
    "user:u-?",
    "service:*",
    "\"service:{a,b}\"",
    "\"{user,service}:a*\"",
    "[su]*:x",
    "*:x",
    "*-1",
    "user:u-[0-9]",
    "user:u-[!0-9]*",
    "\"{group:team-3,user:u-1}\"",
    "[g]roup:team-3",
    "group:team-3",
    "group:team-30",
    "group:team-1",
    "group:ops",
    "group:team-*",
    "group:team-3*",
    "group:*",
    "group:team-?",
    "\"group:{team-1,team-3}\"",
    "\"group:{team-1,ops}*\"",
    "group:team-[0-9]",
    "*",
    "**",
];

/// Action patterns: exact, prefixes nested in each other, suffix and other
/// globs, alternatives, match-all.
const ACTION_PATTERNS: &[&str] = &[
    "svc-3:GetSecretValue",
    "svc-3:GetSecret",
    "svc-1:PutSecretValue",
    "svc-30:GetSecretValue",
    "svc-3:Get*",
    "svc-3:GetSecret*",
    "svc-3:G*",
    "svc-3*",
    "svc-3:*",
    "svc-30:*",
    "svc-*",
    "*:GetSecretValue",
    "svc-?:Put*",
    "*:Put*",
    "\"svc-{1,3}:Get*\"",
    "svc-[13]:Get*",
    "*Secret*",
    "svc-3:Get?",
    "*",
    "**",
];

/// Resource patterns, mostly one shared path so that the resource does not
/// tell statements apart.
const RESOURCE_PATTERNS: &[&str] = &[
    "app/db/main",
    "app/db/main",
    "app/db/main",
    "app/**",
    "**",
    "*",
    "app/*/main",
    "app/db/*",
    "app/${principal.tags.team}/main",
    "app/db/${context.project}",
];

/// Conditions an index may file a statement under: a string key compared
/// with `==` or `in` against string literals, plus equalities an index must
/// not take as string keys (numbers, booleans, an IP address that a string
/// attribute is read as).
const KEYED_CONDITIONS: &[&str] = &[
    "principal.tags.team == \"team-3\"",
    "principal.tags.team == \"team-30\"",
    "principal.tags.team == \"team-\"",
    "principal.tags.team == \"\"",
    "principal.tags.team == \"Team-3\"",
    "principal.tags.team in [\"team-3\", \"team-1\"]",
    "principal.tags.team in [\"team-30\"]",
    "principal.tags.team in [\"\", \"team-3\", \"team-3\"]",
    "resource.tags.env == \"prod\"",
    "resource.tags.env in [\"prod\", \"dev\"]",
    "version_stage == \"AWSCURRENT\"",
    "version_stage in [\"AWSCURRENT\", \"AWSPREVIOUS\"]",
    "context.project == \"a\"",
    "context.project == \"\"",
    "context.project in [\"a\", \"b\"]",
    "context.project in [\"ab\"]",
    "principal.id == \"user:u-1\"",
    "principal.id in [\"user:u-10\", \"service:a\"]",
    "action == \"svc-3:GetSecretValue\"",
    "resource.path == \"app/db/main\"",
    "context.level == 3",
    "context.level == 0",
    "context.level in [3, 4]",
    "context.flag == true",
    "context.flag == false",
    "mfa == true",
    "context.origin == 10.1.2.3",
    "principal.groups contains \"group:team-3\"",
    // `like` / `ilike` without a wildcard, and `or`s of literal tests of
    // one attribute: filed by their values (lower-cased for `ilike`).
    "action ilike \"SVC-3:getsecretvalue\"",
    "action ilike \"svc-3:GetSecretValue\" or action ilike \"svc-1:putsecretvalue\"",
    "action like \"svc-3:GetSecretValue\" or action == \"svc-3:Get\"",
    "context.project ilike [\"A\", \"ab\"]",
    "context.project like \"a\"",
    "principal.tags.team ilike \"TEAM-3\" or principal.tags.team ilike \"team-30\"",
    "action ilike [\"SVC-3:get*\", \"svc-30:*\"]",
    "action like \"svc-3:Get*\" or action == \"svc-1:PutSecretValue\"",
    "context.project like [\"a*\", \"x\"]",
    "principal.tags.team ilike \"TEAM-*\"",
    // Not filed: the branches read the value differently, or read two.
    "context.project ilike \"a\" or context.project == \"b\"",
    "context.project == \"b\" or context.project ilike \"a\"",
    "context.project ilike \"a\" or principal.tags.team == \"team-3\"",
];

/// Conditions no equality index can take.
const OTHER_CONDITIONS: &[&str] = &[
    "context.project contains \"a\"",
    "principal.tags.team != \"team-3\"",
    "principal.tags.team not in [\"team-3\", \"team-1\"]",
    "principal.tags.team like \"team-3*\"",
    "has principal.tags.team",
    "has context.project",
    "context.project != \"a\"",
    "context.project ilike \"A*\"",
    "version_stage != \"AWSPENDING\"",
    "mfa",
    "context.level >= 3",
    "context.flag",
    "source_ip in 10.0.0.0/8",
];

// What requests carry.

const IDS: &[&str] = &[
    "user:u-1",
    "user:u-10",
    "user:u-1x",
    "user:u-2",
    "user:u-",
    "user:",
    "user:u-1/x",
    "User:u-1",
    "service:a",
    "service:b",
    "service:ab",
    "group:team-3",
    "svc-3:x",
    "s:x",
    "u-1",
];
const GROUP_NAMES: &[&str] = &[
    "group:team-3",
    "group:team-30",
    "group:team-1",
    "group:team-",
    "group:team-x",
    "group:ops",
    "group:opsx",
    "group:",
    "team-3",
    "Group:team-3",
];
const ACTIONS: &[&str] = &[
    "svc-3:GetSecretValue",
    "svc-3:GetSecret",
    "svc-3:Get",
    "svc-3:get",
    "svc-3:GetSecretValueX",
    "svc-3:PutSecretValue",
    "svc-3:",
    "svc-3:Get/x",
    "svc-30:GetSecretValue",
    "svc-1:GetSecretValue",
    "svc-1:PutSecretValue",
    "svc-x:PutSecretValue",
    "other:GetSecretValue",
    "svc-3:DescribeSecret",
];
const PATHS: &[&str] = &[
    "app/db/main",
    "app/db/main",
    "app/db/main",
    "app/db/x",
    "app/db/a",
    "app/team-3/main",
    "app/db",
    "other/x",
];
/// Tag and attribute values: the literals of the conditions above (more
/// often than the rest, so that keyed statements apply) and values next to
/// them.
const TEAMS: &[&str] = &[
    "team-3", "team-3", "team-3", "team-3", "team-30", "team-", "team-1", "", "Team-3", "team-3 ",
    "é",
];
const ENVS: &[&str] = &["prod", "prod", "dev", "prod-x", ""];
const STAGES: &[&str] = &[
    "AWSCURRENT",
    "AWSCURRENT",
    "AWSPREVIOUS",
    "AWSPENDING",
    "awscurrent",
    "",
];
const PROJECTS: &[&str] = &["a", "a", "a", "b", "ab", "", "A", "x"];
/// Numbers for custom attributes: near the literals (3, 0), negative zero,
/// and NaN (which compares with nothing, so an equality on it is unknown).
const NUMBERS: &[f64] = &[3.0, 3.5, 4.0, 0.0, -0.0, f64::NAN];
const ORIGINS: &[&str] = &["10.1.2.3", "::ffff:10.1.2.3", "10.1.2.4", "nope"];

/// Every request carries this time, and the reference is given it too.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------
// Policy sets as text.

/// Files of policies of `(effect, body)` statements; statement `i` of a
/// policy is named `s{i}`.
#[derive(Debug, Clone)]
struct PolicySet {
    files: Vec<Vec<Vec<(&'static str, String)>>>,
}

impl PolicySet {
    fn statement_count(&self) -> usize {
        self.files.iter().flatten().map(Vec::len).sum()
    }

    fn texts(&self) -> Vec<String> {
        let mut n = 0;
        self.files
            .iter()
            .map(|policies| {
                let mut text = String::new();
                for statements in policies {
                    n += 1;
                    text.push_str(&format!("policy \"p{n}\" {{\n"));
                    for (i, (effect, body)) in statements.iter().enumerate() {
                        text.push_str(&format!("  {effect} \"s{i}\" {{\n{body}  }}\n"));
                    }
                    text.push_str("}\n");
                }
                text
            })
            .collect()
    }

    fn compile(&self) -> Engine {
        let texts = self.texts();
        compile_texts(&texts)
    }
}

/// The sources `compile_texts` compiles, parsed for the reference
/// interpreter (the engine keeps no syntax tree).
fn parse_texts(texts: &[String]) -> Vec<tessera::policy_lang::PolicyFile> {
    let names: Vec<String> = (0..texts.len()).map(|i| format!("f{i}.policy")).collect();
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .zip(texts)
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    tessera::policy_lang::parse_set(&pairs).unwrap()
}

fn compile_texts(texts: &[String]) -> Engine {
    let names: Vec<String> = (0..texts.len()).map(|i| format!("f{i}.policy")).collect();
    let sources: Vec<Source> = names
        .iter()
        .zip(texts)
        .map(|(n, t)| Source::new(n, t))
        .collect();
    Engine::compile(&sources).unwrap_or_else(|e| {
        panic!(
            "generated policy does not compile: {e}\n{}",
            texts.join("\n")
        )
    })
}

/// How likely each statement is to differ from the set's shared line in
/// each dimension; drawn once per set.
#[derive(Debug, Clone, Copy)]
struct Mix {
    principal: f64,
    action: f64,
    resource: f64,
    condition: f64,
    /// How likely a statement is a deny. A deny applies easily (an unknown
    /// condition is enough) and then hides every allow, so some sets have
    /// few or none.
    deny: f64,
}

/// A matcher line: one pattern usually, two sometimes, negated sometimes.
fn matcher_line(
    kind: &'static str,
    vocabulary: &'static [&'static str],
) -> impl Strategy<Value = String> {
    (
        prop::bool::weighted(0.1),
        prop_oneof![
            5 => prop::collection::vec(select(vocabulary), 1..=1),
            1 => prop::collection::vec(select(vocabulary), 2..=3),
        ],
    )
        .prop_map(move |(negated, patterns)| {
            format!(
                "{}{kind} {}",
                if negated { "not " } else { "" },
                patterns.join(", ")
            )
        })
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(KEYED_CONDITIONS),
        1 => select(OTHER_CONDITIONS),
    ]
    .prop_map(String::from)
}

/// One expression of a block: mostly conjunctions holding an equality, but
/// also `or` at the top, `not`, groups and mixes, none of which may be read
/// as "this statement needs attr == value".
fn expr() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => atom(),
        3 => prop::collection::vec(atom(), 2..=3).prop_map(|a| a.join(" and ")),
        1 => (atom(), atom()).prop_map(|(a, b)| format!("{a} or {b}")),
        1 => (atom(), atom(), atom()).prop_map(|(a, b, c)| format!("{a} and {b} or {c}")),
        1 => (atom(), atom(), atom()).prop_map(|(a, b, c)| format!("{a} and ({b} or {c})")),
        1 => atom().prop_map(|a| format!("not {a}")),
        1 => (atom(), atom()).prop_map(|(a, b)| format!("not ({a} and {b})")),
        1 => (atom(), atom()).prop_map(|(a, b)| format!("({a} and {b})")),
    ]
}

fn block() -> impl Strategy<Value = String> {
    (
        prop_oneof![4 => Just("when"), 1 => Just("unless")],
        prop::collection::vec(expr(), 1..=2),
    )
        .prop_map(|(kind, exprs)| {
            format!("    {kind} {{\n      {}\n    }}\n", exprs.join("\n      "))
        })
}

fn blocks() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        2 => select(KEYED_CONDITIONS).prop_map(|c| format!("    when {{ {c} }}\n")),
        3 => block(),
        1 => prop::collection::vec(block(), 2..=3).prop_map(|b| b.concat()),
    ]
}

fn effect(deny: f64) -> impl Strategy<Value = &'static str> {
    prop::bool::weighted(deny).prop_map(|deny| if deny { "deny" } else { "allow" })
}

/// The lines a set's statements share unless they vary.
#[derive(Debug, Clone)]
struct Shared {
    principal: String,
    action: String,
    resource: String,
    blocks: String,
}

fn shared() -> impl Strategy<Value = Shared> {
    (
        prop_oneof![
            2 => Just("principal *".to_string()),
            1 => matcher_line("principal", PRINCIPAL_PATTERNS),
        ],
        prop_oneof![
            2 => Just("action *".to_string()),
            1 => matcher_line("action", ACTION_PATTERNS),
        ],
        prop_oneof![
            3 => Just("resource app/db/main".to_string()),
            1 => Just("resource **".to_string()),
            1 => matcher_line("resource", RESOURCE_PATTERNS),
        ],
        prop_oneof![2 => Just(String::new()), 1 => blocks()],
    )
        .prop_map(|(principal, action, resource, blocks)| Shared {
            principal,
            action,
            resource,
            blocks,
        })
}

/// One statement: each dimension is the shared line, or with probability
/// `mix.*` a line of its own.
fn statement(shared: Shared, mix: Mix) -> impl Strategy<Value = (&'static str, String)> {
    let own = |p: f64, line: BoxedStrategy<String>| (prop::bool::weighted(p), line);
    (
        effect(mix.deny),
        own(
            mix.principal,
            matcher_line("principal", PRINCIPAL_PATTERNS).boxed(),
        ),
        own(mix.action, matcher_line("action", ACTION_PATTERNS).boxed()),
        own(
            mix.resource,
            matcher_line("resource", RESOURCE_PATTERNS).boxed(),
        ),
        own(mix.condition, blocks().boxed()),
    )
        .prop_map(move |(effect, principal, action, resource, blocks)| {
            let pick = |(own, line): (bool, String), base: &String| {
                if own { line } else { base.clone() }
            };
            let principal = pick(principal, &shared.principal);
            let action = pick(action, &shared.action);
            let resource = pick(resource, &shared.resource);
            let blocks = pick(blocks, &shared.blocks);
            (
                effect,
                format!("    {principal}\n    {action}\n    {resource}\n{blocks}"),
            )
        })
}

/// Set sizes: mostly small (where every candidate counts), sometimes a few
/// hundred statements (where buckets hold many).
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        6 => 1usize..=12,
        3 => 13usize..=60,
        1 => 150usize..=300,
    ]
}

/// A policy set whose statements vary by `mix`, split into one or two files
/// of policies of at most 40 statements.
fn policy_set(mix: impl Strategy<Value = Mix>) -> impl Strategy<Value = PolicySet> {
    (shared(), mix, size(), any::<bool>()).prop_flat_map(|(shared, mix, n, two_files)| {
        prop::collection::vec(statement(shared, mix), n).prop_map(move |statements| {
            let policies: Vec<Vec<(&'static str, String)>> =
                statements.chunks(40).map(<[_]>::to_vec).collect();
            let files = if two_files && policies.len() > 1 {
                let half = policies.len() / 2;
                vec![policies[..half].to_vec(), policies[half..].to_vec()]
            } else {
                vec![policies]
            };
            PolicySet { files }
        })
    })
}

fn probability() -> impl Strategy<Value = f64> {
    select(&[0.0, 0.1, 0.5, 0.9, 1.0][..])
}

fn deny_share() -> impl Strategy<Value = f64> {
    select(&[0.0, 0.1, 0.25, 0.25, 0.5][..])
}

/// Statements that differ mostly by principal.
fn principal_mix() -> impl Strategy<Value = Mix> {
    (select(&[0.8, 0.95, 1.0][..]), probability(), deny_share()).prop_map(|(p, c, deny)| Mix {
        principal: p,
        action: 0.1,
        resource: 0.05,
        condition: c * 0.3,
        deny,
    })
}

/// Statements that differ mostly by action.
fn action_mix() -> impl Strategy<Value = Mix> {
    (select(&[0.8, 0.95, 1.0][..]), probability(), deny_share()).prop_map(|(a, c, deny)| Mix {
        principal: 0.1,
        action: a,
        resource: 0.05,
        condition: c * 0.3,
        deny,
    })
}

/// Statements that differ mostly by condition.
fn condition_mix() -> impl Strategy<Value = Mix> {
    (select(&[0.8, 0.95, 1.0][..]), probability(), deny_share()).prop_map(|(c, p, deny)| Mix {
        principal: p * 0.3,
        action: 0.1,
        resource: 0.05,
        condition: c,
        deny,
    })
}

/// Any mix, so that the most selective dimension changes from statement to
/// statement.
fn any_mix() -> impl Strategy<Value = Mix> {
    (
        (probability(), probability(), probability(), probability()),
        deny_share(),
    )
        .prop_map(|((p, a, r, c), deny)| Mix {
            principal: p,
            action: a,
            resource: r,
            condition: c,
            deny,
        })
}

// ---------------------------------------------------------------------------
// Requests.

fn custom(strings: &'static [&'static str]) -> impl Strategy<Value = Attribute> {
    prop_oneof![
        4 => select(strings).prop_map(|s| Attribute::String(s.to_string())),
        1 => select(NUMBERS).prop_map(Attribute::Number),
        1 => any::<bool>().prop_map(Attribute::Bool),
        // A set where a keyed condition reads a string: the conjunct is
        // unknown, so the index must still offer the denies filed by it.
        1 => prop::sample::subsequence(strings.to_vec(), 0..=strings.len())
            .prop_map(|items| Attribute::Set(items.into_iter().map(str::to_string).collect())),
    ]
}

fn attributes() -> impl Strategy<Value = BTreeMap<String, Attribute>> {
    (
        prop::option::weighted(0.8, custom(PROJECTS)),
        prop::option::weighted(
            0.6,
            prop_oneof![
                3 => select(NUMBERS).prop_map(Attribute::Number),
                1 => Just(Attribute::String("3".to_string())),
                1 => any::<bool>().prop_map(Attribute::Bool),
            ],
        ),
        prop::option::weighted(
            0.6,
            prop_oneof![
                3 => any::<bool>().prop_map(Attribute::Bool),
                1 => Just(Attribute::String("true".to_string())),
            ],
        ),
        prop::option::weighted(0.5, custom(ORIGINS)),
    )
        .prop_map(|(project, level, flag, origin)| {
            [
                ("project", project),
                ("level", level),
                ("flag", flag),
                ("origin", origin),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect()
        })
}

fn request() -> impl Strategy<Value = Request> {
    let who = (
        select(IDS),
        prop_oneof![
            1 => Just(Vec::new()),
            3 => prop::collection::vec(select(GROUP_NAMES), 1..=3),
        ],
        prop::option::weighted(0.75, select(TEAMS)),
    );
    let what = (
        select(ACTIONS),
        select(PATHS),
        prop::option::weighted(0.7, select(ENVS)),
    );
    let context = (
        prop::option::weighted(0.7, select(STAGES)),
        prop::option::of(any::<bool>()),
        prop::option::of(select(&["10.1.2.3", "192.168.0.1"][..])),
        attributes(),
    );
    (who, what, context).prop_map(
        |((id, groups, team), (action, path, env), (stage, mfa, ip, attributes))| {
            let mut request = Request::new(id, action, path).with_time(now());
            request.principal.groups = groups.iter().map(|g| g.to_string()).collect();
            if let Some(team) = team {
                request = request.with_principal_tag("team", team);
            }
            if let Some(env) = env {
                request = request.with_resource_tag("env", env);
            }
            request.context.version_stage = stage.map(str::to_string);
            request.context.mfa = mfa;
            request.context.source_ip = ip.map(|ip| ip.parse().unwrap());
            request.context.attributes = attributes;
            request
        },
    )
}

fn requests() -> impl Strategy<Value = Vec<Request>> {
    prop::collection::vec(request(), 8..=24)
}

// ---------------------------------------------------------------------------
// Checks.

type Summary = (Outcome, Reason, Vec<(String, String)>);

fn summary(decision: &Decision) -> Summary {
    (
        decision.outcome,
        decision.reason,
        decision
            .determining
            .iter()
            .map(|s| (s.policy.to_string(), s.statement.to_string()))
            .collect(),
    )
}

fn reference_summary(decision: ReferenceDecision) -> Summary {
    (decision.outcome, decision.reason, decision.determining)
}

/// Checks the engine's decision and explanation of `request` against
/// `expected` (the reference's decision); an error message on disagreement.
fn check_request(engine: &Engine, request: &Request, expected: &Summary) -> Result<(), String> {
    let decided = summary(&engine.decide(request));
    if decided != *expected {
        return Err(format!(
            "decide disagrees with the reference\n  engine:    {decided:?}\n  reference: {expected:?}\nrequest: {request:?}"
        ));
    }
    let explanation = engine.explain_at(request, now());
    let explained = summary(&explanation.decision);
    if explained != decided {
        return Err(format!(
            "explain's decision differs from decide's\n  explain: {explained:?}\n  decide:  {decided:?}\nrequest: {request:?}"
        ));
    }
    // Every applicable statement is in the explanation, marked applied; so
    // the applied denies are the determining ones when a deny decided, and
    // otherwise there are none and the applied allows are the determining ones.
    let applied = |effect: Outcome| -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = explanation
            .statements
            .iter()
            .filter(|s| s.applied && s.effect == effect)
            .map(|s| {
                (
                    s.statement.policy.to_string(),
                    s.statement.statement.to_string(),
                )
            })
            .collect();
        names.sort();
        names
    };
    let mut determining = decided.2.clone();
    determining.sort();
    let (denies, allows) = (applied(Outcome::Deny), applied(Outcome::Allow));
    let consistent = match decided.1 {
        Reason::ExplicitDeny => denies == determining,
        Reason::Allowed => denies.is_empty() && allows == determining,
        Reason::NoStatementApplied => denies.is_empty() && allows.is_empty(),
        Reason::AuditFailed => false,
    };
    if !consistent {
        return Err(format!(
            "explain's applied statements do not match the decision {decided:?}\n  applied denies: {denies:?}\n  applied allows: {allows:?}\nrequest: {request:?}"
        ));
    }
    Ok(())
}

/// The engine agrees with the reference on every request.
fn agrees_with_reference(set: &PolicySet, requests: &[Request]) -> Result<(), TestCaseError> {
    let engine = set.compile();
    let files = parse_texts(&set.texts());
    for request in requests {
        let expected = reference_summary(reference::decide(&files, request, now()));
        if let Err(message) = check_request(&engine, request, &expected) {
            return Err(TestCaseError::fail(format!(
                "{message}\npolicy ({} statements):\n{}",
                set.statement_count(),
                set.texts().join("\n")
            )));
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Statements sharing action and resource, told apart by principal (exact
    /// ids, groups, id and group prefixes, other globs, `*`, negations).
    #[test]
    fn principal_keyed_sets_decide_as_the_reference(
        set in policy_set(principal_mix()),
        requests in requests(),
    ) {
        agrees_with_reference(&set, &requests)?;
    }

    /// Statements sharing principal and resource, told apart by action (exact,
    /// nested prefixes, suffix and other globs, `*`, negations).
    #[test]
    fn action_keyed_sets_decide_as_the_reference(
        set in policy_set(action_mix()),
        requests in requests(),
    ) {
        agrees_with_reference(&set, &requests)?;
    }

    /// Statements told apart by conditions: equalities and `in` lists on
    /// tags, version stage and custom attributes (keyable), mixed with `or`,
    /// `not`, `unless`, `!=`, `not in`, non-string literals; requests that
    /// lack the attribute or carry another type.
    #[test]
    fn condition_keyed_sets_decide_as_the_reference(
        set in policy_set(condition_mix()),
        requests in requests(),
    ) {
        agrees_with_reference(&set, &requests)?;
    }

    /// Statements varying in any combination of dimensions, so that the most
    /// selective one differs from statement to statement.
    #[test]
    fn mixed_dimension_sets_decide_as_the_reference(
        set in policy_set(any_mix()),
        requests in requests(),
    ) {
        agrees_with_reference(&set, &requests)?;
    }
}

// ---------------------------------------------------------------------------
// The generators reach what the tests above claim to exercise.

/// What a sample of generated sets and requests covered.
#[derive(Debug, Default)]
struct Coverage {
    allowed: usize,
    explicit_deny: usize,
    no_statement: usize,
    /// Denies that applied on an unknown condition (a missing value or one
    /// of another type).
    unknown_denies_applied: usize,
    /// Allows that applied through a `when` block holding an equality.
    keyed_allows_applied: usize,
    /// Statements seen per pattern and condition of the vocabularies.
    principal_patterns: BTreeMap<&'static str, usize>,
    action_patterns: BTreeMap<&'static str, usize>,
    keyed_conditions: BTreeMap<&'static str, usize>,
}

#[test]
fn generators_reach_every_outcome_pattern_and_keyed_condition() {
    let mut runner = TestRunner::deterministic();
    let strategies = [
        policy_set(principal_mix()).boxed(),
        policy_set(action_mix()).boxed(),
        policy_set(condition_mix()).boxed(),
        policy_set(any_mix()).boxed(),
    ];
    let mut coverage = Coverage::default();
    for round in 0..40 {
        for strategy in &strategies {
            let set = strategy.new_tree(&mut runner).unwrap().current();
            let requests = requests().new_tree(&mut runner).unwrap().current();
            let texts = set.texts();
            let text = texts.join("\n");
            for &pattern in PRINCIPAL_PATTERNS {
                if text.contains(&format!("principal {pattern}\n")) {
                    *coverage.principal_patterns.entry(pattern).or_default() += 1;
                }
            }
            for &pattern in ACTION_PATTERNS {
                if text.contains(&format!("action {pattern}\n")) {
                    *coverage.action_patterns.entry(pattern).or_default() += 1;
                }
            }
            for &condition in KEYED_CONDITIONS {
                if text.contains(condition) {
                    *coverage.keyed_conditions.entry(condition).or_default() += 1;
                }
            }
            if round % 4 != 0 && set.statement_count() > 100 {
                continue; // Keep the sample cheap: decide large sets less often.
            }
            let engine = compile_texts(&texts);
            let files = parse_texts(&texts);
            for request in &requests {
                let explanation = engine.explain_at(request, now());
                match explanation.decision.reason {
                    Reason::Allowed => coverage.allowed += 1,
                    Reason::ExplicitDeny => coverage.explicit_deny += 1,
                    Reason::NoStatementApplied => coverage.no_statement += 1,
                    Reason::AuditFailed => panic!("an engine without an auditor failed an audit"),
                }
                for report in explanation.statements.iter().filter(|s| s.applied) {
                    if report.effect == Outcome::Deny
                        && report
                            .failures
                            .iter()
                            .any(|f| f.unknown && f.part == tessera::decision::Part::When)
                    {
                        coverage.unknown_denies_applied += 1;
                    }
                }
            }
            for request in &requests {
                let decision = engine.decide(request);
                if decision.reason != Reason::Allowed {
                    continue;
                }
                for statement in &decision.determining {
                    let found = files.iter().flat_map(|f| &f.policies).any(|p| {
                        p.name == statement.policy
                            && p.statements.iter().any(|s| {
                                s.name == statement.statement
                                    && s.conditions.iter().any(|b| {
                                        b.kind == BlockKind::When
                                            && b.exprs.iter().any(has_top_level_equality)
                                    })
                            })
                    });
                    if found {
                        coverage.keyed_allows_applied += 1;
                    }
                }
            }
        }
    }
    eprintln!("{coverage:#?}");
    assert!(coverage.allowed > 0, "{coverage:?}");
    assert!(coverage.explicit_deny > 0, "{coverage:?}");
    assert!(coverage.no_statement > 0, "{coverage:?}");
    assert!(coverage.unknown_denies_applied > 0, "{coverage:?}");
    assert!(coverage.keyed_allows_applied > 0, "{coverage:?}");
    for pattern in PRINCIPAL_PATTERNS {
        assert!(
            coverage.principal_patterns.contains_key(pattern),
            "principal pattern {pattern} never generated"
        );
    }
    for pattern in ACTION_PATTERNS {
        assert!(
            coverage.action_patterns.contains_key(pattern),
            "action pattern {pattern} never generated"
        );
    }
    for condition in KEYED_CONDITIONS {
        assert!(
            coverage.keyed_conditions.contains_key(condition),
            "condition {condition} never generated"
        );
    }
}

/// True for an expression whose top-level conjuncts include an `==` or `in`
/// against string literals.
fn has_top_level_equality(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::And(items) => items.iter().any(has_top_level_equality),
        ExprKind::Group(inner) => has_top_level_equality(inner),
        ExprKind::Compare(c) => matches!(c.op, CompareOp::Eq | CompareOp::In),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Hand-written corners of keyed conditions.

/// One request against one small policy: the engine must agree with the
/// reference, and give `expected`.
fn assert_case(policy: &str, request: &Request, expected: &[&str]) {
    let engine = Engine::compile_str("case.policy", policy).unwrap_or_else(|e| panic!("{e}"));
    let files = tessera::policy_lang::parse_set(&[("case.policy", policy)]).unwrap();
    let reference = reference_summary(reference::decide(&files, request, now()));
    if let Err(message) = check_request(&engine, request, &reference) {
        panic!("{message}\npolicy:\n{policy}");
    }
    let names: Vec<&str> = reference.2.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(names, expected, "policy:\n{policy}\nrequest: {request:?}");
}

fn base_request() -> Request {
    Request::new("user:u-1", "svc-3:GetSecretValue", "app/db/main").with_time(now())
}

#[test]
fn keyed_deny_applies_when_the_attribute_is_missing_or_of_another_type() {
    let policy = r#"policy "p" {
      allow "all" { principal * action * resource ** }
      deny "team" { principal * action * resource ** when { principal.tags.team == "team-3" } }
      deny "project" { principal * action * resource ** when { context.project in ["a", "b"] and mfa } }
      deny "stage" { principal * action * resource ** when { version_stage == "AWSPENDING" } }
    }"#;
    let complete = base_request()
        .with_principal_tag("team", "team-30")
        .with_attribute("project", Attribute::String("c".into()))
        .with_mfa(0)
        .with_version_stage("AWSCURRENT");
    assert_case(policy, &complete, &["all"]);
    let mut no_team = complete.clone();
    no_team.principal.tags.clear();
    assert_case(policy, &no_team, &["team"]);
    for other_type in [
        Attribute::Number(3.0),
        Attribute::Bool(true),
        Attribute::Number(f64::NAN),
    ] {
        let request = complete.clone().with_attribute("project", other_type);
        assert_case(policy, &request, &["project"]);
    }
    let mut no_project = complete.clone();
    no_project.context.attributes.clear();
    assert_case(policy, &no_project, &["project"]);
    // `and mfa` false: the deny does not apply even though the project is unknown.
    let mut no_project_no_mfa = no_project.clone();
    no_project_no_mfa.context.mfa = Some(false);
    assert_case(policy, &no_project_no_mfa, &["all"]);
    let mut no_stage = complete.clone();
    no_stage.context.version_stage = None;
    assert_case(policy, &no_stage, &["stage"]);
}

#[test]
fn keyed_allow_applies_only_on_an_equal_string_value() {
    let policy = r#"policy "p" {
      allow "team" { principal * action * resource app/db/main when { principal.tags.team == "team-3" } }
      allow "empty" { principal * action * resource app/db/main when { context.project == "" } }
      allow "listed" { principal * action * resource app/db/main when { context.project in ["a", "b"] } }
    }"#;
    let at = |team: Option<&str>, project: Option<Attribute>| {
        let mut request = base_request();
        if let Some(team) = team {
            request = request.with_principal_tag("team", team);
        }
        if let Some(project) = project {
            request = request.with_attribute("project", project);
        }
        request
    };
    let s = |v: &str| Some(Attribute::String(v.to_string()));
    assert_case(policy, &at(Some("team-3"), None), &["team"]);
    assert_case(policy, &at(Some("team-30"), None), &[]);
    assert_case(policy, &at(Some("team-"), None), &[]);
    assert_case(policy, &at(Some("Team-3"), None), &[]);
    assert_case(policy, &at(Some(""), None), &[]);
    assert_case(policy, &at(None, s("")), &["empty"]);
    assert_case(policy, &at(None, s("a")), &["listed"]);
    assert_case(policy, &at(None, s("ab")), &[]);
    assert_case(policy, &at(Some("team-3"), s("b")), &["team", "listed"]);
    assert_case(policy, &at(None, Some(Attribute::Number(0.0))), &[]);
}

#[test]
fn equalities_that_are_not_string_keys_decide_as_the_reference() {
    let policy = r#"policy "p" {
      allow "level" { principal * action * resource app/db/main when { context.level == 0 } }
      allow "flag" { principal * action * resource app/db/main when { context.flag == true } }
      allow "origin" { principal * action * resource app/db/main when { context.origin == 10.1.2.3 } }
    }"#;
    let with = |name: &str, value: Attribute| base_request().with_attribute(name, value);
    // -0 equals 0.
    assert_case(policy, &with("level", Attribute::Number(-0.0)), &["level"]);
    assert_case(policy, &with("level", Attribute::Number(0.0)), &["level"]);
    assert_case(policy, &with("level", Attribute::String("0".into())), &[]);
    assert_case(policy, &with("flag", Attribute::Bool(true)), &["flag"]);
    assert_case(policy, &with("flag", Attribute::String("true".into())), &[]);
    // A string attribute is read as an IP address: the mapped form is equal.
    assert_case(
        policy,
        &with("origin", Attribute::String("::ffff:10.1.2.3".into())),
        &["origin"],
    );
    assert_case(
        policy,
        &with("origin", Attribute::String("10.1.2.3".into())),
        &["origin"],
    );
}

#[test]
fn top_level_or_unless_and_negations_are_not_taken_as_equalities() {
    let policy = r#"policy "p" {
      allow "or" { principal * action * resource app/db/main when { principal.tags.team == "team-3" or mfa } }
      allow "unless" { principal * action * resource app/db/main unless { principal.tags.team == "team-3" } }
      allow "ne" { principal * action * resource app/db/main when { principal.tags.team != "team-3" } }
      allow "not-in" { principal * action * resource app/db/main when { principal.tags.team not in ["team-3"] } }
      allow "not" { principal * action * resource app/db/main when { not (principal.tags.team == "team-3") } }
    }"#;
    let team = |t: &str| base_request().with_principal_tag("team", t);
    assert_case(policy, &team("team-3"), &["or"]);
    assert_case(policy, &team("team-3").with_mfa(0), &["or"]);
    assert_case(
        policy,
        &team("team-1").with_mfa(0),
        &["or", "unless", "ne", "not-in", "not"],
    );
    assert_case(policy, &team("team-1"), &["unless", "ne", "not-in", "not"]);
    // No team: only the `or` can hold, through `mfa`.
    assert_case(policy, &base_request().with_mfa(0), &["or"]);
    assert_case(policy, &base_request(), &[]);
}

#[test]
fn several_when_blocks_each_with_an_equality_all_must_hold() {
    let policy = r#"policy "p" {
      allow "both" {
        principal * action * resource app/db/main
        when { principal.tags.team == "team-3" }
        when { resource.tags.env in ["prod", "dev"] and version_stage == "AWSCURRENT" }
      }
      deny "both-deny" {
        principal * action svc-3:Put* resource app/db/main
        when { principal.tags.team == "team-3" }
        when { resource.tags.env == "prod" }
      }
    }"#;
    let full = base_request()
        .with_principal_tag("team", "team-3")
        .with_resource_tag("env", "prod")
        .with_version_stage("AWSCURRENT");
    assert_case(policy, &full, &["both"]);
    let mut put = full.clone();
    put.action = "svc-3:PutSecretValue".into();
    assert_case(policy, &put, &["both-deny"]);
    // The deny applies when one block is unknown and the other true...
    let mut put_no_env = put.clone();
    put_no_env.resource.tags.clear();
    assert_case(policy, &put_no_env, &["both-deny"]);
    // ...and not when one is false (the allow's blocks hold).
    let put_dev = put.clone().with_resource_tag("env", "dev");
    assert_case(policy, &put_dev, &["both"]);
    let dev = full.clone().with_resource_tag("env", "dev");
    assert_case(policy, &dev, &["both"]);
    let other_team = full.with_principal_tag("team", "team-30");
    assert_case(policy, &other_team, &[]);
}

#[test]
fn group_lookalikes_match_ids_and_groups_only_match_groups() {
    let policy = r#"policy "p" {
      allow "group" { principal group:team-3 action * resource app/db/main }
      allow "class" { principal [g]roup:team-3 action * resource app/db/main }
      allow "alternatives" { principal "{group:team-3,user:u-9}" action * resource app/db/main }
      allow "group-prefix" { principal group:team-3* action * resource app/db/main }
      allow "not-group" { not principal group:team-3 action * resource app/db/main }
    }"#;
    let id = |id: &str| Request::new(id, "svc-3:Get", "app/db/main").with_time(now());
    assert_case(
        policy,
        &id("group:team-3"),
        &["class", "alternatives", "not-group"],
    );
    assert_case(
        policy,
        &id("user:u-1").with_group("group:team-3"),
        &["group", "group-prefix"],
    );
    assert_case(
        policy,
        &id("user:u-1").with_group("group:team-30"),
        &["group-prefix", "not-group"],
    );
    assert_case(policy, &id("user:u-1").with_group("team-3"), &["not-group"]);
    assert_case(policy, &id("user:u-9"), &["alternatives", "not-group"]);
}

// ---------------------------------------------------------------------------
// Sets of the sizes users reach, checked against the reference.
//
// The reference walks every statement and builds a glob set per pattern for
// every request: about 0.4 s per request on 10,000 statements with literal
// patterns in a debug build, and 2.5 s on 5,000 statements with prefix globs
// (each is a regex). To check a few hundred requests in well under a minute,
// every request is checked against the reference run on the set *minus the
// statements that certainly do not apply to it* (`certainly_inapplicable`):
// such statements never enter a decision, so the reference decides the rest
// as it decides the whole set. The pruning rules are deliberately crude and
// each is checked, not trusted:
//
// - every `full_every`-th request is also decided by the reference on the
//   whole set, and the two decisions must be equal;
// - for every request, a sample of the pruned statements is decided by the
//   reference one at a time, and none may apply.

/// Glob characters: a pattern without them is its own literal text.
const GLOB_SYNTAX: &[char] = &['*', '?', '[', ']', '{', '}', '\\'];

/// True when `statement` certainly does not apply to `request`:
///
/// - its principal or action line is not negated and each of its patterns is
///   a literal (or a literal followed by one `*`) that the request's id,
///   groups or action do not equal (or start with): the line is false, so
///   the statement is false;
/// - a `when` block has a top-level conjunct `principal.tags.NAME == "v"` or
///   `in ["v", ...]` and the request carries that tag with another value:
///   the block is false, so the statement is false;
/// - it is an allow and such a conjunct reads a tag the request lacks: the
///   block is unknown or false, and an allow applies only when true.
fn certainly_inapplicable(statement: &Statement, request: &Request) -> bool {
    let allow = statement.effect == Effect::Allow;
    line_certainly_misses(&statement.principal, request)
        || line_certainly_misses(&statement.action, request)
        || statement.conditions.iter().any(|block| {
            block.kind == BlockKind::When
                && block
                    .exprs
                    .iter()
                    .any(|e| conjunct_excludes(e, request, allow))
        })
}

fn line_certainly_misses(matcher: &Matcher, request: &Request) -> bool {
    !matcher.negated
        && matcher
            .patterns
            .iter()
            .all(|p| pattern_certainly_misses(matcher.kind, p, request))
}

fn pattern_certainly_misses(kind: MatcherKind, pattern: &Pattern, request: &Request) -> bool {
    if pattern.has_variables() {
        return false;
    }
    let subjects: Vec<&str> = match kind {
        MatcherKind::Principal if pattern.is_group => request
            .principal
            .groups
            .iter()
            .map(String::as_str)
            .collect(),
        MatcherKind::Principal => vec![request.principal.id.as_str()],
        MatcherKind::Action => vec![request.action.as_str()],
        MatcherKind::Resource => return false,
    };
    let text = pattern.source_text();
    let literal = |t: &str| !t.contains(GLOB_SYNTAX);
    if literal(&text) {
        subjects.iter().all(|s| *s != text)
    } else if let Some(prefix) = text.strip_suffix('*').filter(|p| literal(p)) {
        subjects.iter().all(|s| !s.starts_with(prefix))
    } else {
        false
    }
}

/// True when a top-level conjunct of `expr` is a tag equality that is false
/// for `request`, or (for an allow) that reads a tag the request lacks.
fn conjunct_excludes(expr: &Expr, request: &Request, allow: bool) -> bool {
    match &expr.kind {
        ExprKind::And(items) => items.iter().any(|e| conjunct_excludes(e, request, allow)),
        ExprKind::Group(inner) => conjunct_excludes(inner, request, allow),
        ExprKind::Compare(c) if matches!(c.op, CompareOp::Eq | CompareOp::In) => {
            let KeyPath::PrincipalTag(name) = &c.key.path else {
                return false;
            };
            let Some(value) = request.principal.tags.get(name) else {
                return allow; // unknown: excludes an allow, not a deny
            };
            let literals: Vec<&ValueKind> = match &c.operand {
                Operand::Value(v) => vec![&v.kind],
                Operand::List(items) => items.iter().map(|v| &v.kind).collect(),
                Operand::Range(..) => return false,
            };
            literals
                .iter()
                .all(|l| matches!(l, ValueKind::String(s) if s != value))
        }
        _ => false,
    }
}

/// A policy set of `statements` of `policy`, in their order.
fn files_of(policy: &Policy, statements: Vec<Statement>) -> PolicyFile {
    PolicyFile {
        policies: vec![Policy {
            name: policy.name.clone(),
            name_span: policy.name_span,
            statements,
            comments: Default::default(),
            inner_trailing_comments: Vec::new(),
            span: policy.span,
        }],
        trailing_comments: Vec::new(),
    }
}

/// The policy set without the statements certainly inapplicable to `request`
/// (same order, same names), and those statements with their policies.
fn pruned<'f>(
    files: &'f [PolicyFile],
    request: &Request,
) -> (Vec<PolicyFile>, Vec<(&'f Policy, &'f Statement)>) {
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for policy in files.iter().flat_map(|f| &f.policies) {
        let mut statements = Vec::new();
        for statement in &policy.statements {
            if certainly_inapplicable(statement, request) {
                dropped.push((policy, statement));
            } else {
                statements.push(statement.clone());
            }
        }
        kept.push(files_of(policy, statements));
    }
    (kept, dropped)
}

/// Pruned statements decided alone per request.
const PRUNED_SAMPLE: usize = 8;

/// Decisions of a large test, by reason.
#[derive(Debug, Default)]
struct Outcomes {
    allowed: usize,
    explicit_deny: usize,
    no_statement: usize,
    /// Requests also decided by the reference on the whole set.
    full_reference: usize,
    /// Pruned statements decided alone by the reference.
    pruned_checked: usize,
    /// Requests whose explanation was checked.
    explained: usize,
    /// Time spent in the reference on the whole set, on pruned sets, and in
    /// the engine (decide and explain).
    full_time: Duration,
    pruned_time: Duration,
    engine_time: Duration,
}

/// Compiles `text` and checks every request against the reference: on the
/// pruned set, on the whole set for every `full_every`-th, and on a sample
/// of the pruned statements alone; returns the outcomes.
fn check_large(label: &str, text: &str, requests: &[Request], full_every: usize) -> Outcomes {
    let start = Instant::now();
    let engine = Engine::compile_str("large.policy", text).unwrap_or_else(|e| panic!("{e}"));
    let compiled = start.elapsed();
    let parsed = tessera::policy_lang::parse_set(&[("large.policy", text)]).unwrap();
    let mut outcomes = Outcomes::default();
    for (i, request) in requests.iter().enumerate() {
        let t = Instant::now();
        let (files, dropped) = pruned(&parsed, request);
        let expected = reference_summary(reference::decide(&files, request, now()));
        let step = (dropped.len() / PRUNED_SAMPLE).max(1);
        for (policy, statement) in dropped.iter().skip(i % step).step_by(step) {
            let alone = [files_of(policy, vec![(*statement).clone()])];
            let decision = reference::decide(&alone, request, now());
            assert!(
                decision.determining.is_empty(),
                "{label}: pruned statement {:?} applies (a bug in this test's pruning)\nrequest: {request:?}",
                statement.name
            );
            outcomes.pruned_checked += 1;
        }
        outcomes.pruned_time += t.elapsed();
        if i % full_every == 0 {
            let t = Instant::now();
            let whole = reference_summary(reference::decide(&parsed, request, now()));
            outcomes.full_time += t.elapsed();
            assert_eq!(
                expected, whole,
                "{label}: the pruned set decides differently from the whole set (a bug in this test's pruning)\nrequest: {request:?}"
            );
            outcomes.full_reference += 1;
        }
        let t = Instant::now();
        let decided = summary(&engine.decide(request));
        assert_eq!(
            decided, expected,
            "{label}: engine (left) and reference (right) disagree\nrequest: {request:?}"
        );
        // `explain` reports on every statement: check one request in sixteen.
        if i % 16 == 5 {
            if let Err(message) = check_request(&engine, request, &expected) {
                panic!("{label}: {message}");
            }
            outcomes.explained += 1;
        }
        outcomes.engine_time += t.elapsed();
        match expected.1 {
            Reason::Allowed => outcomes.allowed += 1,
            Reason::ExplicitDeny => outcomes.explicit_deny += 1,
            Reason::NoStatementApplied => outcomes.no_statement += 1,
            Reason::AuditFailed => panic!("{label}: the reference never fails an audit"),
        }
    }
    eprintln!(
        "{label}: {} statements compiled in {compiled:?}; {} requests checked in {:?}; {outcomes:?}",
        engine.statement_count(),
        requests.len(),
        start.elapsed()
    );
    assert!(
        outcomes.allowed > 0,
        "{label}: no request allowed: {outcomes:?}"
    );
    assert!(
        outcomes.explicit_deny > 0,
        "{label}: no request denied by a deny: {outcomes:?}"
    );
    assert!(
        outcomes.no_statement > 0,
        "{label}: no request matched nothing: {outcomes:?}"
    );
    outcomes
}

/// A small deterministic generator (SplitMix64), so that the large tests
/// need no seed and always check the same requests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`%.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const LARGE_REQUESTS: usize = 320;

/// A key `0..n` for a hit, or for a near miss a number around the keys.
fn near_key(rng: &mut Rng, n: usize) -> String {
    match rng.below(6) {
        0 => format!("{}", n + rng.below(n)),
        1 => format!("0{}", rng.below(n)),
        2 => format!("{}x", rng.below(n)),
        3 => String::new(),
        4 => format!("{}0", rng.below(n)),
        _ => format!("{} ", rng.below(n)),
    }
}

fn key(rng: &mut Rng, n: usize, hit_percent: usize) -> String {
    if rng.chance(hit_percent) {
        rng.below(n).to_string()
    } else {
        near_key(rng, n)
    }
}

/// Context most requests carry: not frozen (a missing or mistyped `freeze`
/// makes the `frozen` deny apply), an employee, the current stage.
fn usual_context(rng: &mut Rng, mut request: Request) -> Request {
    let freeze = match rng.below(20) {
        0 => Some(Attribute::Bool(true)),
        1 => None,
        2 => Some(Attribute::String("no".into())),
        _ => Some(Attribute::Bool(false)),
    };
    if let Some(freeze) = freeze {
        request = request.with_attribute("freeze", freeze);
    }
    match rng.below(20) {
        0 => request = request.with_principal_tag("kind", "contractor"),
        1 => {}
        _ => request = request.with_principal_tag("kind", "employee"),
    }
    if rng.chance(90) {
        request = request.with_version_stage("AWSCURRENT");
    }
    if rng.chance(70) {
        request = request.with_mfa(60);
    }
    request
}

/// Global denies, before and after the keyed statements.
const GUARDS_FIRST: &str = r#"policy "guards-first" {
  deny "contractors" { principal * action * resource app/** when { principal.tags.kind == "contractor" } }
  deny "no-deletes" { principal * action *:Delete* resource ** }
  deny "blocked" { principal group:blocked action * resource ** }
}
"#;
const GUARDS_LAST: &str = r#"policy "guards-last" {
  deny "frozen" { principal * action * resource ** when { context.freeze == true } }
  deny "writes-need-mfa" { principal * action *:Put* resource app/** unless { mfa } }
}
"#;

fn large_text(keyed: &str) -> String {
    format!("{GUARDS_FIRST}policy \"keyed\" {{\n{keyed}}}\n{GUARDS_LAST}")
}

/// The usual path; sometimes a path next to it.
fn path(rng: &mut Rng) -> &'static str {
    match rng.below(10) {
        0 => "app/db/other",
        1 => "app/db",
        _ => "app/db/main",
    }
}

fn action(rng: &mut Rng) -> &'static str {
    match rng.below(10) {
        0 => "svc-3:PutSecretValue",
        1 => "svc-3:DeleteSecret",
        _ => "svc-3:GetSecretValue",
    }
}

#[test]
fn ten_thousand_statements_keyed_by_principal_id_decide_as_the_reference() {
    const N: usize = 10_000;
    let mut keyed = String::new();
    for i in 0..N {
        let (effect, name) = if i % 500 == 7 {
            ("deny", "deny-id")
        } else {
            ("allow", "id")
        };
        // Some lines hold two ids, one of them a prefix of the other.
        let principal = if i % 10 == 1 {
            format!("user:u-{i}, user:u-{i}0")
        } else {
            format!("user:u-{i}")
        };
        keyed.push_str(&format!(
            "  {effect} \"{name}-{i}\" {{ principal {principal} action * resource app/db/main }}\n"
        ));
    }
    let text = large_text(&keyed);
    let mut rng = Rng(1);
    let requests: Vec<Request> = (0..LARGE_REQUESTS)
        .map(|_| {
            let id = match rng.below(12) {
                0 => format!("User:u-{}", rng.below(N)),
                1 => format!("service:u-{}", rng.below(N)),
                2 => format!("user:u-{}", 7 + 500 * rng.below(N / 500)), // the denies
                _ => format!("user:u-{}", key(&mut rng, N, 70)),
            };
            let mut request = Request::new(&id, action(&mut rng), path(&mut rng)).with_time(now());
            if rng.chance(10) {
                request = request.with_group("group:blocked");
            }
            usual_context(&mut rng, request)
        })
        .collect();
    check_large("principal ids", &text, &requests, 10);
}

#[test]
fn ten_thousand_statements_keyed_by_group_decide_as_the_reference() {
    const N: usize = 10_000;
    let mut keyed = String::new();
    for i in 0..N {
        let (effect, name) = if i % 500 == 11 {
            ("deny", "deny-group")
        } else {
            ("allow", "group")
        };
        // Some lines mix a group and an id.
        let principal = if i % 10 == 3 {
            format!("group:team-{i}, user:g-{i}")
        } else {
            format!("group:team-{i}")
        };
        keyed.push_str(&format!(
            "  {effect} \"{name}-{i}\" {{ principal {principal} action * resource app/db/main }}\n"
        ));
    }
    let text = large_text(&keyed);
    let mut rng = Rng(2);
    let requests: Vec<Request> = (0..LARGE_REQUESTS)
        .map(|_| {
            let id = match rng.below(10) {
                // An id that looks like a group matches no group pattern.
                0 => format!("group:team-{}", rng.below(N)),
                1 => format!("user:g-{}", key(&mut rng, N, 60)),
                _ => "user:someone".to_string(),
            };
            let mut request = Request::new(&id, action(&mut rng), path(&mut rng)).with_time(now());
            for _ in 0..rng.below(4) {
                let group = match rng.below(8) {
                    0 => format!("team-{}", rng.below(N)),
                    1 => format!("group:team-{}", 11 + 500 * rng.below(N / 500)),
                    2 => "group:blocked".to_string(),
                    _ => format!("group:team-{}", key(&mut rng, N, 60)),
                };
                request = request.with_group(&group);
            }
            usual_context(&mut rng, request)
        })
        .collect();
    check_large("groups", &text, &requests, 10);
}

#[test]
fn ten_thousand_statements_keyed_by_a_tag_condition_decide_as_the_reference() {
    const N: usize = 10_000;
    let mut keyed = String::new();
    for i in 0..N {
        let condition = match i % 3 {
            0 => format!("principal.tags.team == \"team-{i}\""),
            1 => format!("principal.tags.team in [\"team-{i}\", \"alias-{i}\"]"),
            _ => format!("principal.tags.team == \"team-{i}\" and version_stage == \"AWSCURRENT\""),
        };
        // Every 500th a deny on writes, which a request without a team tag
        // (or with no stage, for the third form) meets as unknown.
        let (effect, name, action) = if i % 500 == 13 {
            ("deny", "deny-tag", "*:Put*")
        } else {
            ("allow", "tag", "*")
        };
        keyed.push_str(&format!(
            "  {effect} \"{name}-{i}\" {{ principal * action {action} resource app/db/main when {{ {condition} }} }}\n"
        ));
    }
    let text = large_text(&keyed);
    let mut rng = Rng(3);
    let requests: Vec<Request> = (0..LARGE_REQUESTS)
        .map(|_| {
            let mut request =
                Request::new("user:someone", action(&mut rng), path(&mut rng)).with_time(now());
            match rng.below(12) {
                0 => {} // no team tag
                1 => {
                    request = request.with_principal_tag("team", &format!("alias-{}", rng.below(N)))
                }
                2 => {
                    request = request.with_principal_tag(
                        "team",
                        &format!("team-{}", 13 + 500 * rng.below(N / 500)),
                    )
                }
                _ => {
                    request = request
                        .with_principal_tag("team", &format!("team-{}", key(&mut rng, N, 70)))
                }
            }
            // `team` as a context attribute is not the tag: it never matches.
            if rng.chance(10) {
                request = request.with_attribute("team", Attribute::String("team-1".into()));
            }
            usual_context(&mut rng, request)
        })
        .collect();
    check_large("tag condition", &text, &requests, 10);
}

#[test]
fn five_thousand_statements_keyed_by_action_prefix_decide_as_the_reference() {
    const N: usize = 5_000;
    let mut keyed = String::new();
    for i in 0..N {
        // Prefixes that are prefixes of each other: `svc-1*` covers `svc-10:...`.
        let action = match i % 4 {
            0 => format!("svc-{i}:Get*"),
            1 => format!("svc-{i}:Get*, svc-{i}:Describe*"),
            2 => format!("svc-{i}*"),
            _ => format!("svc-{i}:GetSecret*"),
        };
        let (effect, name) = if i % 500 == 17 {
            ("deny", "deny-action")
        } else {
            ("allow", "action")
        };
        keyed.push_str(&format!(
            "  {effect} \"{name}-{i}\" {{ principal * action {action} resource app/db/main }}\n"
        ));
    }
    let text = large_text(&keyed);
    let mut rng = Rng(4);
    let verbs = [
        "GetSecretValue",
        "Get",
        "GetSecret",
        "getSecretValue",
        "PutSecretValue",
        "DescribeSecret",
        "DeleteSecret",
        "",
        "Get/x",
    ];
    let requests: Vec<Request> = (0..LARGE_REQUESTS)
        .map(|_| {
            let service = match rng.below(10) {
                0 => format!("svc-{}", 17 + 500 * rng.below(N / 500)),
                1 => format!("Svc-{}", rng.below(N)),
                _ => format!("svc-{}", key(&mut rng, N, 70)),
            };
            let action = format!("{service}:{}", rng.pick(&verbs));
            let request = Request::new("user:someone", &action, path(&mut rng)).with_time(now());
            usual_context(&mut rng, request)
        })
        .collect();
    check_large("action prefix", &text, &requests, 40);
}
