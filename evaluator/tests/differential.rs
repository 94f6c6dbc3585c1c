//! Differential and metamorphic tests: random policy sets (as source text,
//! from small vocabularies so that requests often hit) and random requests,
//! decided by the compiled engine and by the reference interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeMap;
use tessera::reference::{self, ReferenceDecision};
use tessera::{Attribute, Decision, Engine, Outcome, Reason, Request, Source};

// ---------------------------------------------------------------------------
// Vocabularies.

const PRINCIPAL_PATTERNS: &[&str] = &[
    "service:api",
    "service:web",
    "user:ann",
    "group:ops",
    "group:dev",
    "service:*",
    "*",
    "user:*",
    "group:*",
    "\"service:{api,web}\"",
    "group:o?s",
    "[su]*:a*",
];

const ACTION_PATTERNS: &[&str] = &[
    "secrets:GetSecretValue",
    "secrets:PutSecretValue",
    "secrets:DescribeSecret",
    "secrets:Get*",
    "*",
    "secrets:*Secret",
    "\"secrets:{Get,Put}SecretValue\"",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "prod/db/main",
    "prod/*/main",
    "prod/**",
    "dev/**",
    "{prod,dev}/api/*",
    "prod/${principal.tags.team}/*",
    "**",
    "[a-p]rod/**",
    "**/main",
    "prod/**/main",
    "prod/?b/*",
    "${principal.tags.team}/**",
    "{dev,prod}/${principal.tags.team}/**",
    "prod/**/${principal.tags.team}",
    "**/${principal.tags.team}/main",
    "prod/${resource.tags.env}-*/**",
    "prod/${context.project}/*",
    "${version_stage}/*",
    "[!d]*/${principal.tags.team}/main",
    "prod/${principal.tags.team}-${resource.tags.env}",
    "*",
    "{,dev/}${principal.tags.team}/*",
    "prod/${principal.tags.team}{,-x}",
    "\"prod/{[,]x,y}/${principal.tags.team}\"",
    "\"prod/{a\\\\,b,c}/${principal.tags.team}\"",
    "\"prod/\\\\{a,b\\\\}/${principal.tags.team}\"",
    "\"prod/[[:alpha:]]*/${principal.tags.team}\"",
    "\"prod/[[:foo:]1]*/${principal.tags.team}\"",
    "\"prod/{[[:digit:]],x}*/${principal.tags.team}\"",
];

const CONDITIONS: &[&str] = &[
    "source_ip in [10.0.0.0/8, fd00::/8]",
    "source_ip in 10.0.0.0/8",
    "source_ip in [192.168.1.0/24, 10.1.2.3]",
    "source_ip == 10.1.2.3",
    "source_ip != fd00::1",
    "source_ip not in [172.16.0.0/12, 2001:db8::/32]",
    "mfa",
    "mfa == true",
    "mfa == false",
    "mfa_age <= 15m",
    "mfa_age > 1h",
    "mfa_age in 0s .. 5m",
    "version_stage in [\"AWSCURRENT\", \"AWSPREVIOUS\"]",
    "version_stage == \"AWSCURRENT\"",
    "version_stage != \"AWSPENDING\"",
    "version_stage like \"AWS*\"",
    "version_stage ilike \"aws*\"",
    "time in 2026-01-01T00:00:00Z .. 2026-06-01T00:00:00Z",
    "time < 2026-11-25T23:00:00+01:00",
    "time >= 2026-11-25T10:00:00Z",
    "time_of_day in 09:00 .. 17:00",
    "time_of_day in 22:00 .. 06:00 at +02:00",
    "time_of_day in 18:00 .. 02:00 at -05:00",
    "time_of_day < 12:00 at UTC+05:30",
    "time_of_day >= 21:30",
    "weekday in [Mon, Tue, Wed, Thu, Fri]",
    "weekday in [Sat, Sun] at +10:00",
    "weekday == Wed",
    "weekday != Thu at -08:00",
    "principal.tags.team == \"db\"",
    "principal.tags.team in [\"db\", \"api\"]",
    "principal.tags.team like \"d*\"",
    "resource.tags.env == \"prod\"",
    "resource.tags.env != \"dev\"",
    "context.level >= 3",
    "context.level in [1, 2, 3]",
    "context.level in 2 .. 5",
    "context.level == 4",
    "context.level < 2.5",
    "context.ticket like \"CHG-*\"",
    "context.ticket ilike \"chg-*\"",
    "context.ticket == \"CHG-1\"",
    "context.ticket in [\"CHG-1\", \"INC-7\"]",
    "context.ticket contains \"CHG-1\"",
    "context.level contains \"high\"",
    "context.break_glass",
    "context.break_glass == true",
    "context.origin in 10.0.0.0/8",
    "context.origin == 10.1.2.3",
    "context.origin in [10.1.2.3, fd00::/8]",
    "has context.ticket",
    "context.\"aws:SourceVpce\" == \"vpce-1\"",
    "context.\"aws:SourceVpce\" like \"vpce-*\"",
    "has context.\"aws:SourceVpce\"",
    "principal.tags.\"cost center\" in [\"cc-1\", \"cc-2\"]",
    "has principal.tags.\"cost center\"",
    "resource.tags.env == principal.tags.team",
    "resource.tags.env != principal.tags.team",
    "principal.tags.team == context.project",
    "principal.id != context.ticket",
    "context.level == context.project",
    "context.level != context.ticket",
    "context.level < context.project",
    "context.level >= context.project",
    "context.ticket == context.project",
    "context.break_glass == context.break_glass",
    "context.origin == source_ip",
    "mfa_age >= context.level",
    "time < context.issued",
    "context.issued < 2026-11-25T11:00:00Z",
    "context.issued in 2026-11-25T10:00:00Z .. 2027-01-01T00:00:00Z",
    "context.level >= 3s",
    "context.level in 2s .. 4s",
    "time >= context.issued",
    "has source_ip",
    "has mfa_age",
    "has principal.tags.team",
    "has time",
    "principal.groups contains \"group:ops\"",
    "action == \"secrets:GetSecretValue\"",
    "action like \"secrets:Get*\"",
    "principal.id like \"service:*\"",
    "principal.id != \"user:ann\"",
    "resource.path like \"prod/*\"",
    "resource.path ilike \"PROD/**\"",
    // Quantifiers over sets, arrays (mixed ones too) and object member
    // names; like lists; nested attributes.
    "any principal.groups like [\"group:o*\", \"group:d?v\"]",
    "all principal.groups != \"group:sec\"",
    "not any principal.groups == \"group:ops\"",
    "any context.ticket like \"CHG-*\"",
    "all context.ticket ilike [\"chg-*\", \"inc-?\"]",
    "context.ticket like [\"CHG-*\", \"INC-*\"]",
    "context.ticket ilike [\"chg-1\", \"*-7\"]",
    "any context.scopes == \"read\"",
    "all context.scopes in [\"read\", \"list\"]",
    "all context.scopes not in [\"admin\"]",
    "any context.scopes in 1 .. 3",
    "all context.scopes > 1",
    "any context.scopes like \"r*\"",
    "any context.scopes == true",
    "all context.params in [\"ttl\", \"policies\"]",
    "any context.params like [\"*_secret\", \"pol*\"]",
    "context.params.ttl <= 3600",
    "context.params.ttl > 60",
    "has context.params.ttl",
    "has context.params.policies and all context.params.policies in [\"default\", \"reader\"]",
    "any context.params.policies == \"root\"",
    "context.params.inner.level == \"x\"",
    "has context.params.inner.level",
    "any context.params.inner like \"l*\"",
    "any context.level >= 3",
];

const PRINCIPAL_IDS: &[&str] = &[
    "service:api",
    "service:web",
    "user:ann",
    "user:bob",
    "group:ops",
];
const GROUPS: &[&str] = &["group:ops", "group:dev", "group:sec"];
const ACTIONS: &[&str] = &[
    "secrets:GetSecretValue",
    "secrets:PutSecretValue",
    "secrets:DescribeSecret",
    "secrets:ListSecrets",
];
const PATHS: &[&str] = &[
    "prod/db/main",
    "prod/api/main",
    "prod/api/x",
    "dev/api/main",
    "dev/db/x",
    "prod/ops/main",
    "prod/db",
    "prod",
    "qa/db/main",
    "prod/a/b/main",
    "rod/x",
    "db/main",
    "main",
    "prod/*/main",
    "prod/d*/x",
    "prod/{db,api}/x",
    "prod/db-prod",
    "prod/db-dev/x",
    "AWSCURRENT/db",
    "prod/a/db",
    "prod/,x/db",
    "prod/a,b/db",
    "prod/{a,b}/db",
    "prod/a1/db",
    "prod/1a/db",
    "prod/[1/db",
    "prod/db-x",
    "dev/db/main",
    "shared/x",
    "db/x",
];
/// Paths built around the request's team tag (`<team>`), so that patterns with
/// `${principal.tags.team}` often meet their own value.
const TEAM_PATHS: &[&str] = &[
    "prod/<team>/main",
    "prod/<team>/x",
    "dev/<team>/main",
    "<team>/main",
    "<team>/x",
    "prod/<team>",
    "prod/<team>-x",
    "prod/<team>-prod",
    "prod/a/<team>",
    "prod/a1/<team>",
    "prod/,x/<team>",
    "prod/a,b/<team>",
    "prod/a/b/<team>/main",
];
const TEAMS: &[&str] = &[
    "db", "api", "ops", "*", "d*", "", "a/b", "..", ".", "{db,api}", "[d]b", "main",
];
const ENVS: &[&str] = &["prod", "dev", "*", ""];
const IPS: &[&str] = &[
    "10.1.2.3",
    "10.255.0.1",
    "192.168.1.5",
    "172.16.0.1",
    "fd00::1",
    "2001:db8::1",
    "::ffff:10.1.2.3",
];
const STAGES: &[&str] = &["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "awscurrent", "*"];
const TIMES: &[&str] = &[
    "2026-11-25T10:00:00Z",
    "2026-11-25T21:30:00Z",
    "2026-11-25T22:00:00Z",
    "2026-11-25T23:59:59Z",
    "2026-01-01T00:00:00Z",
    "2026-06-01T00:00:00Z",
    "2026-11-29T23:59:59Z",
    "2026-11-28T04:00:00Z",
    "2026-03-02T15:00:00Z",
    "2026-03-01T22:00:00Z",
];

/// The clock reference::decide is given; never used, as every request carries a time.
fn fallback_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------
// Policy sets.

#[derive(Debug, Clone)]
struct Stmt {
    name: String,
    effect: &'static str,
    /// Everything between the statement's braces.
    body: String,
}

#[derive(Debug, Clone)]
struct Pol {
    name: String,
    statements: Vec<Stmt>,
}

/// Files of policies of statements.
#[derive(Debug, Clone)]
struct PolicySet {
    files: Vec<Vec<Pol>>,
}

impl PolicySet {
    fn texts(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|policies| {
                let mut text = String::new();
                for policy in policies {
                    text.push_str(&format!("policy \"{}\" {{\n", policy.name));
                    for s in &policy.statements {
                        text.push_str(&format!(
                            "  {} \"{}\" {{\n{}  }}\n",
                            s.effect, s.name, s.body
                        ));
                    }
                    text.push_str("}\n");
                }
                text
            })
            .collect()
    }

    /// The set parsed, for the reference interpreter.
    fn files(&self) -> Vec<tessera::policy_lang::PolicyFile> {
        let texts = self.texts();
        let names: Vec<String> = (0..texts.len()).map(|i| format!("f{i}.policy")).collect();
        let sources: Vec<(&str, &str)> = names
            .iter()
            .zip(&texts)
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        tessera::policy_lang::parse_set(&sources).unwrap()
    }

    fn compile(&self) -> Engine {
        let texts = self.texts();
        let names: Vec<String> = (0..texts.len()).map(|i| format!("f{i}.policy")).collect();
        let sources: Vec<Source> = names
            .iter()
            .zip(&texts)
            .map(|(n, t)| Source::new(n, t))
            .collect();
        Engine::compile(&sources).unwrap_or_else(|e| {
            panic!(
                "generated policy does not compile: {e}\n{}",
                texts.join("\n")
            )
        })
    }

    /// The set with `statement` added to the first policy (or a new one).
    fn with_statement(&self, statement: Stmt) -> PolicySet {
        let mut set = self.clone();
        let statement = Stmt {
            name: "added".to_string(),
            ..statement
        };
        match set.files.first_mut().and_then(|f| f.first_mut()) {
            Some(policy) => policy.statements.push(statement),
            None => set.files.push(vec![Pol {
                name: "added".to_string(),
                statements: vec![statement],
            }]),
        }
        set
    }

    /// The same statements, with statements reordered inside their policies
    /// and policies reordered across the files, by `keys`.
    fn shuffled(&self, keys: &[u32]) -> PolicySet {
        let mut key = keys.iter().cycle().copied();
        let sizes: Vec<usize> = self.files.iter().map(Vec::len).collect();
        let mut policies: Vec<(u32, Pol)> = self
            .files
            .iter()
            .flatten()
            .map(|p| {
                let mut statements: Vec<(u32, Stmt)> = p
                    .statements
                    .iter()
                    .map(|s| (key.next().unwrap_or(0), s.clone()))
                    .collect();
                statements.sort_by_key(|(k, _)| *k);
                let policy = Pol {
                    name: p.name.clone(),
                    statements: statements.into_iter().map(|(_, s)| s).collect(),
                };
                (key.next().unwrap_or(0), policy)
            })
            .collect();
        policies.sort_by_key(|(k, _)| *k);
        let mut policies = policies.into_iter().map(|(_, p)| p);
        PolicySet {
            files: sizes
                .iter()
                .map(|n| policies.by_ref().take(*n).collect())
                .collect(),
        }
    }
}

fn matcher_line(
    kind: &'static str,
    vocabulary: &'static [&'static str],
) -> impl Strategy<Value = String> {
    (
        prop::bool::weighted(0.15),
        prop::collection::vec(select(vocabulary), 1..=3),
    )
        .prop_map(move |(negated, patterns)| {
            format!(
                "{}{kind} {}",
                if negated { "not " } else { "" },
                patterns.join(", ")
            )
        })
}

/// A condition expression as text. The text need not mean anything in
/// particular: both evaluators read the same parse of it.
fn expr() -> impl Strategy<Value = String> {
    select(CONDITIONS)
        .prop_map(String::from)
        .prop_recursive(3, 10, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| format!("not {e}")),
                inner.clone().prop_map(|e| format!("({e})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
                (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) or {b}")),
            ]
        })
}

fn block() -> impl Strategy<Value = String> {
    (
        select(&["when", "unless"][..]),
        prop::collection::vec(expr(), 1..=2),
    )
        .prop_map(|(kind, exprs)| {
            format!("    {kind} {{\n      {}\n    }}\n", exprs.join("\n      "))
        })
}

fn statement(effect: impl Strategy<Value = &'static str>) -> impl Strategy<Value = Stmt> {
    (
        effect,
        matcher_line("principal", PRINCIPAL_PATTERNS),
        matcher_line("action", ACTION_PATTERNS),
        matcher_line("resource", RESOURCE_PATTERNS),
        prop::collection::vec(block(), 0..=2),
    )
        .prop_map(|(effect, principal, action, resource, blocks)| Stmt {
            name: String::new(),
            effect,
            body: format!(
                "    {principal}\n    {action}\n    {resource}\n{}",
                blocks.concat()
            ),
        })
}

/// Allows twice as often as denies: denies apply easily (an unknown deny
/// applies), so this keeps allowed decisions frequent.
fn any_effect() -> impl Strategy<Value = &'static str> {
    prop_oneof![2 => Just("allow"), 1 => Just("deny")]
}

fn policy_set() -> impl Strategy<Value = PolicySet> {
    let policy = prop::collection::vec(statement(any_effect()), 1..=4);
    let file = prop::collection::vec(policy, 1..=2);
    prop::collection::vec(file, 1..=2).prop_map(|files| {
        let mut n = 0;
        PolicySet {
            files: files
                .into_iter()
                .map(|policies| {
                    policies
                        .into_iter()
                        .map(|statements| {
                            n += 1;
                            Pol {
                                name: format!("p{n}"),
                                statements: statements
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, s)| Stmt {
                                        name: format!("s{i}"),
                                        ..s
                                    })
                                    .collect(),
                            }
                        })
                        .collect()
                })
                .collect(),
        }
    })
}

// ---------------------------------------------------------------------------
// Requests.

fn attribute(
    strings: &'static [&'static str],
    numbers: &'static [f64],
) -> impl Strategy<Value = Attribute> {
    prop_oneof![
        3 => select(strings).prop_map(|s| Attribute::String(s.to_string())),
        3 => select(numbers).prop_map(Attribute::Number),
        1 => any::<bool>().prop_map(Attribute::Bool),
        1 => prop::sample::subsequence(strings.to_vec(), 0..=strings.len())
            .prop_map(|items| Attribute::Set(items.into_iter().map(str::to_string).collect())),
        1 => prop::collection::vec(select(numbers).prop_map(Attribute::Number), 0..=3)
            .prop_map(Attribute::List),
    ]
}

/// A scalar item of a JSON array.
fn item() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        3 => select(&["read", "list", "admin", "r", ""][..]).prop_map(|s| Attribute::String(s.to_string())),
        2 => select(&[1.0, 2.0, 5.0][..]).prop_map(Attribute::Number),
        1 => any::<bool>().prop_map(Attribute::Bool),
    ]
}

/// `context.scopes`: a set of strings, a mixed array (empty too), one
/// value, or an object whose member names are the items.
fn scopes() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        3 => prop::sample::subsequence(vec!["read", "list", "admin"], 0..=3)
            .prop_map(|items| Attribute::Set(items.into_iter().map(str::to_string).collect())),
        3 => prop::collection::vec(item(), 0..=4).prop_map(Attribute::List),
        1 => item(),
        1 => prop::sample::subsequence(vec!["read", "list", "rotate"], 0..=3).prop_map(|names| {
            Attribute::Object(
                names
                    .into_iter()
                    .map(|n| (n.to_string(), Attribute::Bool(true)))
                    .collect(),
            )
        }),
    ]
}

/// `context.params`: a Vault-style request body (an object with a number
/// or text `ttl`, a list or one text `policies`, a nested object), or a
/// value that is not an object.
fn params() -> impl Strategy<Value = Attribute> {
    let policies = prop_oneof![
        prop::sample::subsequence(vec!["default", "reader", "root"], 0..=3)
            .prop_map(|items| Attribute::Set(items.into_iter().map(str::to_string).collect())),
        Just(Attribute::List(vec![
            Attribute::String("default".to_string()),
            Attribute::Number(1.0),
        ])),
        Just(Attribute::String("default".to_string())),
    ];
    let inner = prop_oneof![
        select(&["x", "y"][..]).prop_map(|v| {
            Attribute::Object([("level".to_string(), Attribute::String(v.to_string()))].into())
        }),
        Just(Attribute::String("level".to_string())),
        Just(Attribute::Object(BTreeMap::new())),
    ];
    let object = (
        prop::option::of(prop_oneof![
            select(&[60.0, 61.0, 3600.0, 7200.0][..]).prop_map(Attribute::Number),
            Just(Attribute::String("1h".to_string())),
        ]),
        prop::option::of(policies),
        prop::option::of(inner),
        prop::option::of(Just(Attribute::String("s3cr3t".to_string()))),
    )
        .prop_map(|(ttl, policies, inner, secret)| {
            let members = [
                ("ttl", ttl),
                ("policies", policies),
                ("inner", inner),
                ("db_secret", secret),
            ];
            Attribute::Object(
                members
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                    .collect(),
            )
        });
    prop_oneof![
        4 => object,
        1 => Just(Attribute::String("ttl".to_string())),
        1 => prop::collection::vec(item(), 0..=2).prop_map(Attribute::List),
    ]
}

fn attributes() -> impl Strategy<Value = BTreeMap<String, Attribute>> {
    (
        (
            prop::option::of(attribute(&["3", "high"], &[1.0, 2.0, 2.5, 3.0, 4.0, 5.0])),
            prop::option::of(attribute(&["CHG-1", "chg-42", "INC-7", "CHG-"], &[7.0])),
            prop::option::of(prop_oneof![
                3 => any::<bool>().prop_map(Attribute::Bool),
                1 => Just(Attribute::String("true".to_string())),
            ]),
            prop::option::of(attribute(
                &["10.1.2.3", "fd00::5", "192.168.0.1", "not-an-ip"],
                &[10.0],
            )),
            prop::option::of(attribute(&["db", "api", "*", "a/b"], &[1.0])),
            prop::option::of(attribute(&["vpce-1", "vpce-2", "VPCE-1"], &[1.0])),
            prop::option::of(attribute(
                &[
                    "2026-11-25T10:00:00Z",
                    "2026-11-25T12:00:00+01:00",
                    "2027-01-01T00:00:00Z",
                    "soon",
                ],
                &[1.0],
            )),
        ),
        (prop::option::of(scopes()), prop::option::of(params())),
    )
        .prop_map(
            |((level, ticket, break_glass, origin, project, vpce, issued), (scopes, params))| {
                [
                    ("scopes", scopes),
                    ("params", params),
                    ("level", level),
                    ("ticket", ticket),
                    ("break_glass", break_glass),
                    ("origin", origin),
                    ("project", project),
                    ("aws:SourceVpce", vpce),
                    ("issued", issued),
                ]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect()
            },
        )
}

fn request() -> impl Strategy<Value = Request> {
    let who = (
        select(PRINCIPAL_IDS),
        prop::sample::subsequence(GROUPS, 0..=2),
        prop::option::weighted(0.7, select(TEAMS)),
    );
    let path = prop_oneof![select(PATHS), select(TEAM_PATHS)];
    let what = (select(ACTIONS), path, prop::option::of(select(ENVS)));
    let context = (
        prop::option::of(select(IPS)),
        prop::option::of(any::<bool>()),
        prop::option::of(select(&[0i64, 60, 300, 900, 901, 3600, 3601, 7200][..])),
        prop::option::of(select(STAGES)),
        select(TIMES),
        attributes(),
    );
    (who, what, context).prop_map(
        |((id, groups, team), (action, path, env), (ip, mfa, mfa_age, stage, time, attributes))| {
            let path = path.replace("<team>", team.unwrap_or("db"));
            let mut request = Request::new(id, action, &path);
            request.principal.groups = groups.iter().map(|g| g.to_string()).collect();
            if let Some(team) = team {
                request = request.with_principal_tag("team", team);
                if team != "db" {
                    request = request.with_principal_tag("cost center", "cc-1");
                }
            }
            if let Some(env) = env {
                request = request.with_resource_tag("env", env);
            }
            request.context.source_ip = ip.map(|ip| ip.parse().unwrap());
            request.context.mfa = mfa;
            request.context.mfa_age_seconds = mfa_age;
            request.context.version_stage = stage.map(str::to_string);
            request.context.time = Some(
                DateTime::parse_from_rfc3339(time)
                    .unwrap()
                    .with_timezone(&Utc),
            );
            request.context.attributes = attributes;
            request
        },
    )
}

fn requests() -> impl Strategy<Value = Vec<Request>> {
    prop::collection::vec(request(), 1..=12)
}

// ---------------------------------------------------------------------------
// Checks.

fn pairs(decision: &Decision) -> Vec<(String, String)> {
    decision
        .determining
        .iter()
        .map(|s| (s.policy.to_string(), s.statement.to_string()))
        .collect()
}

fn summary(decision: &Decision) -> (Outcome, Reason, Vec<(String, String)>) {
    (decision.outcome, decision.reason, pairs(decision))
}

fn reference_summary(decision: ReferenceDecision) -> (Outcome, Reason, Vec<(String, String)>) {
    (decision.outcome, decision.reason, decision.determining)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// (a) The compiled engine and the reference interpreter agree.
    #[test]
    fn engine_agrees_with_reference(set in policy_set(), requests in requests()) {
        let engine = set.compile();
        let files = set.files();
        for request in &requests {
            let got = summary(&engine.decide(request));
            let expected = reference_summary(reference::decide(&files, request, fallback_now()));
            prop_assert_eq!(got, expected, "policy:\n{}\nrequest: {:?}", set.texts().join("\n"), request);
        }
    }

    /// (b) Adding a deny statement never turns a deny into an allow.
    #[test]
    fn adding_a_deny_never_allows(set in policy_set(), deny in statement(Just("deny")), requests in requests()) {
        let before = set.compile();
        let bigger = set.with_statement(deny);
        let after = bigger.compile();
        for request in &requests {
            if before.decide(request).outcome == Outcome::Deny {
                prop_assert_eq!(after.decide(request).outcome, Outcome::Deny,
                    "policy:\n{}\nrequest: {:?}", bigger.texts().join("\n"), request);
                let reference = reference::decide(&bigger.files(), request, fallback_now());
                prop_assert_eq!(reference.outcome, Outcome::Deny);
            }
        }
    }

    /// (c) Adding an allow statement never turns an allow into a deny.
    #[test]
    fn adding_an_allow_never_denies(set in policy_set(), allow in statement(Just("allow")), requests in requests()) {
        let before = set.compile();
        let bigger = set.with_statement(allow);
        let after = bigger.compile();
        for request in &requests {
            if before.decide(request).outcome == Outcome::Allow {
                prop_assert_eq!(after.decide(request).outcome, Outcome::Allow,
                    "policy:\n{}\nrequest: {:?}", bigger.texts().join("\n"), request);
                let reference = reference::decide(&bigger.files(), request, fallback_now());
                prop_assert_eq!(reference.outcome, Outcome::Allow);
            }
        }
    }

    /// (d) Statement and policy order never change the outcome, the reason or
    /// the set of determining statements.
    #[test]
    fn order_does_not_matter(
        set in policy_set(),
        keys in prop::collection::vec(any::<u32>(), 1..=24),
        requests in requests(),
    ) {
        let engine = set.compile();
        let shuffled_set = set.shuffled(&keys);
        let shuffled = shuffled_set.compile();
        for request in &requests {
            let (outcome, reason, mut determining) = summary(&engine.decide(request));
            let (outcome2, reason2, mut determining2) = summary(&shuffled.decide(request));
            determining.sort();
            determining2.sort();
            prop_assert_eq!((outcome, reason, determining), (outcome2, reason2, determining2),
                "policy:\n{}\nshuffled:\n{}\nrequest: {:?}",
                set.texts().join("\n"), shuffled_set.texts().join("\n"), request);
        }
    }

    /// (e) An explanation carries exactly the decision `decide` gives.
    #[test]
    fn explanation_carries_the_decision(set in policy_set(), requests in requests()) {
        let engine = set.compile();
        for request in &requests {
            prop_assert_eq!(engine.explain(request).decision, engine.decide(request));
        }
    }
}

// ---------------------------------------------------------------------------
// The reference interpreter on hand-written cases.

fn reference_decide(policy: &str, request: &Request) -> ReferenceDecision {
    let files =
        tessera::policy_lang::parse("case.policy", policy).unwrap_or_else(|e| panic!("{e}"));
    reference::decide(
        &[files],
        request,
        Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
    )
}

fn names(decision: &ReferenceDecision) -> Vec<&str> {
    decision
        .determining
        .iter()
        .map(|(_, s)| s.as_str())
        .collect()
}

fn read_request() -> Request {
    Request::new("user:ann", "secrets:GetSecretValue", "prod/db/main")
}

#[test]
fn reference_missing_key_does_not_grant_an_allow() {
    let policy = r#"policy "p" { allow "office" { principal * action * resource ** when { source_ip in 10.0.0.0/8 } } }"#;
    let decision = reference_decide(policy, &read_request());
    assert_eq!(
        (decision.outcome, decision.reason),
        (Outcome::Deny, Reason::NoStatementApplied)
    );
    assert!(decision.determining.is_empty());
    let inside = read_request().with_source_ip("10.9.9.9".parse().unwrap());
    assert_eq!(reference_decide(policy, &inside).outcome, Outcome::Allow);
}

#[test]
fn reference_missing_key_makes_a_deny_apply() {
    let policy = r#"policy "p" {
      allow "all" { principal * action * resource ** }
      deny "no-mfa" { principal * action * resource ** when { not mfa } }
    }"#;
    let decision = reference_decide(policy, &read_request());
    assert_eq!(
        (decision.outcome, decision.reason),
        (Outcome::Deny, Reason::ExplicitDeny)
    );
    assert_eq!(names(&decision), ["no-mfa"]);
    let with_mfa = read_request().with_mfa(10);
    assert_eq!(names(&reference_decide(policy, &with_mfa)), ["all"]);
}

#[test]
fn reference_unless_with_missing_source_ip_denies() {
    let policy = r#"policy "p" {
      allow "all" { principal * action * resource ** }
      deny "office-only" { principal * action * resource prod/** unless { source_ip in 10.0.0.0/8 } }
    }"#;
    let decision = reference_decide(policy, &read_request());
    assert_eq!(decision.reason, Reason::ExplicitDeny);
    assert_eq!(
        decision.determining,
        [("p".to_string(), "office-only".to_string())]
    );
    let office = read_request().with_source_ip("10.0.0.1".parse().unwrap());
    assert_eq!(reference_decide(policy, &office).reason, Reason::Allowed);
    let home = read_request().with_source_ip("192.168.0.1".parse().unwrap());
    assert_eq!(reference_decide(policy, &home).reason, Reason::ExplicitDeny);
}

#[test]
fn reference_explicit_deny_wins_and_names_every_deny_in_order() {
    let policy = r#"
    policy "a" {
      deny "late" { principal * action * resource prod/** }
      allow "read" { principal user:ann action secrets:GetSecretValue resource prod/db/main }
    }
    policy "b" {
      allow "all" { principal * action * resource ** }
      deny "db" { principal * action secrets:Get* resource prod/db/* }
      deny "other" { principal user:bob action * resource ** }
    }"#;
    let decision = reference_decide(policy, &read_request());
    assert_eq!(
        (decision.outcome, decision.reason),
        (Outcome::Deny, Reason::ExplicitDeny)
    );
    assert_eq!(
        decision.determining,
        [
            ("a".to_string(), "late".to_string()),
            ("b".to_string(), "db".to_string())
        ]
    );
}

#[test]
fn reference_allows_name_every_applicable_allow() {
    let policy = r#"policy "p" {
      allow "a" { principal group:ops action * resource prod/** }
      allow "b" { principal user:* action secrets:Get* resource prod/*/main }
      allow "c" { principal user:bob action * resource ** }
      allow "d" { principal * not action secrets:Get* resource ** }
    }"#;
    let decision = reference_decide(policy, &read_request().with_group("group:ops"));
    assert_eq!(
        (decision.outcome, decision.reason),
        (Outcome::Allow, Reason::Allowed)
    );
    assert_eq!(names(&decision), ["a", "b"]);
}

#[test]
fn reference_variable_values_with_glob_characters_do_not_widen() {
    let policy = r#"policy "p" { allow "own" { principal * action * resource prod/${principal.tags.team}/** } }"#;
    let allowed = |team: Option<&str>, path: &str| {
        let mut request = Request::new("user:ann", "secrets:GetSecretValue", path);
        if let Some(team) = team {
            request = request.with_principal_tag("team", team);
        }
        reference_decide(policy, &request).outcome == Outcome::Allow
    };
    assert!(allowed(Some("db"), "prod/db/main"));
    assert!(!allowed(Some("*"), "prod/db/main"), "`*` must stay literal");
    assert!(
        allowed(Some("*"), "prod/*/main"),
        "a literal `*` matches itself"
    );
    assert!(!allowed(Some("d?"), "prod/db/main"));
    assert!(!allowed(Some("{db,api}"), "prod/db/main"));
    assert!(allowed(Some("{db,api}"), "prod/{db,api}/main"));
    assert!(!allowed(Some("[d]b"), "prod/db/main"));
    assert!(
        !allowed(Some("db/main"), "prod/db/main/x"),
        "a value holding `/` never matches"
    );
    assert!(!allowed(Some(".."), "prod/../main"));
    assert!(!allowed(Some(""), "prod//main"));
    assert!(
        !allowed(None, "prod/db/main"),
        "a missing value does not grant"
    );
}

#[test]
fn reference_missing_variable_makes_a_negated_deny_apply() {
    let policy = r#"policy "p" {
      allow "all" { principal * action * resource ** }
      deny "not-own" { principal * action * not resource prod/${principal.tags.team}/** }
    }"#;
    let decision = reference_decide(policy, &read_request());
    assert_eq!(names(&decision), ["not-own"]);
    let own = read_request().with_principal_tag("team", "db");
    assert_eq!(names(&reference_decide(policy, &own)), ["all"]);
    let other = read_request().with_principal_tag("team", "api");
    assert_eq!(names(&reference_decide(policy, &other)), ["not-own"]);
}

#[test]
fn reference_custom_attributes_of_another_type_are_unknown() {
    let allow = r#"policy "p" { allow "a" { principal * action * resource ** when { context.level >= 3 } } }"#;
    let deny = r#"policy "p" {
      allow "all" { principal * action * resource ** }
      deny "low" { principal * action * resource ** when { context.level < 3 } }
    }"#;
    let high = read_request().with_attribute("level", Attribute::Number(4.0));
    let text = read_request().with_attribute("level", Attribute::String("4".to_string()));
    assert_eq!(reference_decide(allow, &high).outcome, Outcome::Allow);
    assert_eq!(reference_decide(allow, &text).outcome, Outcome::Deny);
    assert_eq!(reference_decide(deny, &high).outcome, Outcome::Allow);
    assert_eq!(reference_decide(deny, &text).reason, Reason::ExplicitDeny);
}

#[test]
fn reference_reads_string_attributes_as_ip_addresses() {
    let policy = r#"policy "p" { allow "a" { principal * action * resource ** when { context.origin in 10.0.0.0/8 } } }"#;
    let with = |origin: Attribute| {
        reference_decide(policy, &read_request().with_attribute("origin", origin)).outcome
    };
    assert_eq!(
        with(Attribute::String("10.2.3.4".to_string())),
        Outcome::Allow
    );
    assert_eq!(
        with(Attribute::String("11.2.3.4".to_string())),
        Outcome::Deny
    );
    assert_eq!(
        with(Attribute::String("nowhere".to_string())),
        Outcome::Deny
    );
    let negated = r#"policy "p" {
      allow "all" { principal * action * resource ** }
      deny "d" { principal * action * resource ** when { context.origin not in 10.0.0.0/8 } }
    }"#;
    let unparseable =
        read_request().with_attribute("origin", Attribute::String("nowhere".to_string()));
    assert_eq!(
        reference_decide(negated, &unparseable).reason,
        Reason::ExplicitDeny,
        "unknown, so the deny applies"
    );
}

#[test]
fn reference_clock_ranges_wrap_and_use_the_offset() {
    let policy = r#"policy "p" { allow "night" { principal * action * resource ** when { time_of_day in 22:00 .. 06:00 at +02:00 } } }"#;
    let at = |h: u32, m: u32| {
        let request =
            read_request().with_time(Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap());
        reference_decide(policy, &request).outcome
    };
    assert_eq!(at(19, 59), Outcome::Deny); // 21:59 local
    assert_eq!(at(20, 0), Outcome::Allow); // 22:00 local: start included
    assert_eq!(at(2, 0), Outcome::Allow); // 04:00 local
    assert_eq!(at(4, 0), Outcome::Deny); // 06:00 local: end excluded
    let weekend = r#"policy "p" { allow "w" { principal * action * resource ** when { weekday in [Sat, Sun] at +10:00 } } }"#;
    // Friday 2026-11-27 15:00 UTC is Saturday 01:00 at +10:00.
    let friday = read_request().with_time(Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0).unwrap());
    assert_eq!(reference_decide(weekend, &friday).outcome, Outcome::Allow);
    let earlier = read_request().with_time(Utc.with_ymd_and_hms(2026, 11, 27, 13, 59, 0).unwrap());
    assert_eq!(reference_decide(weekend, &earlier).outcome, Outcome::Deny);
}

#[test]
fn reference_uses_now_only_without_a_request_time() {
    let policy = r#"policy "p" { allow "a" { principal * action * resource ** when { time < 2026-06-01T00:00:00Z } } }"#;
    let files = [tessera::policy_lang::parse("t.policy", policy).unwrap()];
    let before = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let after = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
    let request = read_request();
    assert_eq!(
        reference::decide(&files, &request, before).outcome,
        Outcome::Allow
    );
    assert_eq!(
        reference::decide(&files, &request, after).outcome,
        Outcome::Deny
    );
    let stamped = read_request().with_time(before);
    assert_eq!(
        reference::decide(&files, &stamped, after).outcome,
        Outcome::Allow
    );
}

/// Patterns with variables are matched by the engine's own matcher and by
/// globset in the reference; these are the corners where they once differed.
#[test]
fn variable_patterns_agree_on_glob_corners() {
    // (pattern, team tag, path, expected to match)
    let cases: &[(&str, &str, &str, bool)] = &[
        // globset drops an empty alternative: `{,dev/}` means `{dev/}`.
        ("{,dev/}${principal.tags.team}/*", "db", "db/main", false),
        ("{,dev/}${principal.tags.team}/*", "db", "dev/db/main", true),
        ("prod/${principal.tags.team}{,-x}", "db", "prod/db", false),
        ("prod/${principal.tags.team}{,-x}", "db", "prod/db-x", true),
        ("{,}prod/${principal.tags.team}", "db", "prod/db", true),
        // A class inside alternatives may hold `,`.
        (
            "\"prod/{[,]x,y}/${principal.tags.team}\"",
            "db",
            "prod/,x/db",
            true,
        ),
        (
            "\"prod/{[,]x,y}/${principal.tags.team}\"",
            "db",
            "prod/y/db",
            true,
        ),
        (
            "\"prod/{[,]x,y}/${principal.tags.team}\"",
            "db",
            "prod/[/db",
            false,
        ),
        // Escaped braces and commas are literal.
        (
            "\"prod/\\\\{a,b\\\\}/${principal.tags.team}\"",
            "db",
            "prod/{a,b}/db",
            true,
        ),
        (
            "\"prod/\\\\{a,b\\\\}/${principal.tags.team}\"",
            "db",
            "prod/a/db",
            false,
        ),
        (
            "\"prod/{a\\\\,b,c}/${principal.tags.team}\"",
            "db",
            "prod/a,b/db",
            true,
        ),
        (
            "\"prod/{a\\\\,b,c}/${principal.tags.team}\"",
            "db",
            "prod/a/db",
            false,
        ),
        // POSIX classes, and globset's reading of an unknown one (only `[` kept).
        (
            "\"prod/[[:alpha:]]*/${principal.tags.team}\"",
            "db",
            "prod/a1/db",
            true,
        ),
        (
            "\"prod/[[:alpha:]]*/${principal.tags.team}\"",
            "db",
            "prod/1a/db",
            false,
        ),
        (
            "\"prod/{[[:digit:]],x}*/${principal.tags.team}\"",
            "db",
            "prod/1a/db",
            true,
        ),
        (
            "\"prod/[[:foo:]1]*/${principal.tags.team}\"",
            "db",
            "prod/[x/db",
            true,
        ),
        (
            "\"prod/[[:foo:]1]*/${principal.tags.team}\"",
            "db",
            "prod/f/db",
            false,
        ),
        // Recursive wildcards next to a variable.
        ("prod/**/${principal.tags.team}", "db", "prod/db", true),
        ("prod/**/${principal.tags.team}", "db", "prod//db", true),
        ("**/${principal.tags.team}", "db", "/db", true),
        ("prod/${principal.tags.team}/**", "db", "prod/db/", true),
        ("prod/${principal.tags.team}/**", "db", "prod/db", false),
        // The whole pattern `*` matches every path (LANGUAGE.md, "Match all").
        ("*", "db", "prod/db/main", true),
    ];
    let time = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    for &(pattern, team, path, expected) in cases {
        let text =
            format!("policy \"p\" {{ allow \"a\" {{ principal * action * resource {pattern} }} }}");
        let engine = Engine::compile_str("corner.policy", &text)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let request = Request::new("u", "a", path)
            .with_principal_tag("team", team)
            .with_time(time);
        let engine_says = engine.decide(&request).is_allowed();
        let reference_says = reference::decide(
            &tessera::policy_lang::parse_set(&[("corner.policy", &text)]).unwrap(),
            &request,
            fallback_now(),
        )
        .outcome
            == Outcome::Allow;
        assert_eq!(
            (engine_says, reference_says),
            (expected, expected),
            "pattern {pattern}, team {team:?}, path {path:?}: (engine, reference)"
        );
    }
}
