//! Differential test: random IAM policy documents (within what the importer
//! converts) and random requests, decided by the converted Tessera text
//! through `tessera::Engine` and by a small IAM evaluator written here from
//! AWS's documented rules. The evaluator reads the JSON document itself
//! (serde_json) and shares no code with the importer.
//!
//! AWS's rules, as implemented below:
//! - a request is allowed when some `Allow` statement applies and no `Deny`
//!   does (explicit deny wins, default deny);
//! - a statement applies when its principal, action, resource and every
//!   condition match; `NotX` matches when no listed value matches;
//! - actions match ignoring case; resources and principals case-sensitively;
//!   `*` is any run of characters and `?` any one character, `/` and `:`
//!   included; with Version 2012-10-17 `${*}`, `${?}`, `${$}` are the literal
//!   characters, with 2008-10-17 (or no Version) `${...}` is plain text;
//! - in a `Condition`, operators and keys are ANDed, the values of one key
//!   ORed (negated operators: none may match); a missing key makes a
//!   positive operator false, a negated one true, `...IfExists` true, and
//!   `Null` is true when its value says whether the key is absent;
//! - condition key names are case-insensitive, tag keys too (other keys
//!   reach Tessera as custom attributes, the request naming them in lower
//!   case, by the import guide's mapping); string values
//!   compare case-sensitively (`IgnoreCase`: ASCII case folded); dates are
//!   compared to the second (the request's time truncated);
//! - a condition value that is one policy variable `${key}` (2012-10-17)
//!   stands for the request's value of that key; a key the request lacks
//!   has no value and equals nothing (only `StringEquals` is generated);
//! - `Arn*` operators (`ArnEquals` and `ArnLike` alike) split both ARNs into
//!   six components at the first five colons and match each with its own
//!   pattern, so `*` and `?` never cross a `:` in the first five; an ARN of
//!   fewer than six components matches nothing; case-sensitive;
//! - `BinaryEquals` compares the bytes the base64 texts decode to;
//! - numbers compare by value, fractions included (the generated ones have
//!   at most 15 significant digits).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod aws_support;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::net::IpAddr;

// ------------------------------------------------------------------ pools

/// `AWS` principals: ARNs and accounts (a `service:` entry is a `Service` principal).
const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:iam::444455556666:user/bob",
    "111122223333",
    "arn:aws:iam::444455556666:root",
    "service:secretsmanager.amazonaws.com",
];
const REQUEST_PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:root",
    "arn:aws:sts::111122223333:federated-user/carol",
    "arn:aws:iam::444455556666:root",
    "service:secretsmanager.amazonaws.com",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/ALICE",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:iam::444455556666:user/bob",
];
const REQUEST_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "SECRETSMANAGER:GETSECRETVALUE",
    "secretsmanager:getsecretvalue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecret",
    "secretsmanager:Get",
    "secretsmanager:ListSecrets",
    "s3:GetObject",
    "s3:Get/Object",
];
const PREFIX: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:";

/// Dates in policies, and their instant in seconds from 2026-01-01T00:00:00Z.
const POLICY_DATES: &[(&str, i64)] = &[
    ("2025-12-31T23:59:59Z", -1),
    ("2026-01-01T00:00:00Z", 0),
    ("2026-01-01T00:00:01Z", 1),
    ("2026-01-01T01:00:05+01:00", 5),
    ("2025-12-31T23:00:00-01:00", 0),
];
/// Request times, and their instant in milliseconds from the same origin.
const REQUEST_TIMES: &[(&str, i64)] = &[
    ("2025-12-31T23:59:58Z", -2000),
    ("2025-12-31T23:59:59Z", -1000),
    ("2025-12-31T23:59:59.500Z", -500),
    ("2026-01-01T00:00:00Z", 0),
    ("2026-01-01T00:00:00.500Z", 500),
    ("2026-01-01T00:00:01Z", 1000),
    ("2026-01-01T00:00:05Z", 5000),
    ("2026-01-01T00:00:05.999Z", 5999),
    ("2026-01-01T02:00:06+02:00", 6000),
];
const POLICY_IPS: &[&str] = &[
    "10.0.0.0/8",
    "10.1.2.3",
    "192.168.0.0/16",
    "2001:db8::/32",
    "10.1.2.3/8",
    "0.0.0.0/0",
    "2001:db8::1",
];
const REQUEST_IPS: &[&str] = &[
    "10.1.2.3",
    "10.200.0.1",
    "192.168.1.1",
    "2001:db8::5",
    "2001:db8::1",
    "8.8.8.8",
    "2001:db9::1",
];
const POLICY_STRINGS: &[&str] = &[
    "AWSCURRENT",
    "awscurrent",
    "AWS*",
    "aws?urrent",
    "x",
    "${*}",
    "a${?}",
    "*",
];
const REQUEST_STRINGS: &[&str] = &[
    "AWSCURRENT",
    "awscurrent",
    "AWSPENDING",
    "x",
    "*",
    "a?",
    "${*}",
    "a*",
];

/// Values with whole policy variables, mixed with plain ones.
const VARIABLE_VALUES: &[&str] = &[
    "${aws:PrincipalTag/team}",
    "${AWS:principaltag/Team}",
    "${aws:SourceVpce}",
    "${aws:ResourceTag/env}",
    "AWSCURRENT",
    "x",
];
const STRING_OPS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
];
const NUMERIC_OPS: &[&str] = &[
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
];
const DATE_OPS: &[&str] = &[
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
];
const STRING_KEYS: &[&str] = &[
    "secretsmanager:VersionStage",
    "SecretsManager:versionstage",
    "aws:PrincipalTag/team",
    "aws:principaltag/Team",
    "aws:ResourceTag/env",
    "secretsmanager:ResourceTag/Env",
    "aws:SourceVpce",
    "AWS:sourcevpce",
];
const ALL_KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "secretsmanager:VersionStage",
    "aws:PrincipalTag/team",
    "aws:ResourceTag/env",
    "aws:SourceVpce",
    "aws:ViaAWSService",
    "s3:max-keys",
    "aws:VpcSourceIp",
];

// ------------------------------------------------------------- generators

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_string)
}

/// An action pattern: `*`, or a service and a name with wildcards, in any case.
fn action_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_string()),
        8 => (
            prop::sample::select(&["secretsmanager", "SecretsManager", "s3", "*", "secrets?anager"][..]),
            prop::collection::vec(
                prop::sample::select(&["Get", "get", "Secret", "SECRET", "Value", "Describe", "*", "?", "List", "/"][..]),
                0..4,
            ),
        )
            .prop_map(|(s, parts)| {
                let name = if parts.is_empty() { "*".to_string() } else { parts.concat() };
                format!("{s}:{name}")
            }),
    ]
}

/// Policy variables generated in resources (2012-10-17): request values.
const VAR_TEAM: &str = "${aws:PrincipalTag/team}";
const VAR_VPCE: &str = "${AWS:SourceVpce}";

/// The resource pattern as the importer converts it in a statement of this
/// shape: variables only in an Allow's `Resource` or a Deny's `NotResource`,
/// and only beside at most four wildcards and no class or group characters.
fn fit_variables(pattern: String, allow: bool, not_r: bool) -> String {
    let vars = pattern.contains(VAR_TEAM) || pattern.contains(VAR_VPCE);
    if !vars {
        return pattern;
    }
    let plain = pattern
        .replace("${*}", "")
        .replace("${?}", "")
        .replace("${$}", "");
    let wild = plain.matches(['*', '?']).count();
    let fits = allow != not_r && wild <= 4 && !plain.contains(['[', ']', '{', '}']);
    if fits {
        pattern
    } else {
        pattern.replace(VAR_TEAM, "a").replace(VAR_VPCE, "b")
    }
}

/// A resource pattern: `*`, or an ARN whose secret part holds wildcards,
/// escapes and glob characters that Tessera must read literally.
fn resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_string()),
        1 => Just(format!("{PREFIX}*")),
        8 => prop::collection::vec(
            prop::sample::select(
                &["a", "b", "/", ":", "-", "*", "?", "${*}", "${?}", "${$}", "[", "]", "{", "}", ",", "\\", "$a", VAR_TEAM, VAR_VPCE][..],
            ),
            0..6,
        )
        .prop_map(|parts| format!("{PREFIX}{}", parts.concat())),
    ]
}

/// A request path: the prefix and non-empty segments without wildcards.
fn request_resource() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::collection::vec(
            prop::sample::select(
                &[
                    "a", "b", ":", "-", "*", "?", "$", "{", "}", "[", "]", ",", "\\",
                ][..],
            ),
            1..4,
        )
        .prop_map(|p| p.concat()),
        1..4,
    )
    .prop_map(|segments| format!("{PREFIX}{}", segments.join("/")))
}

fn value_of(s: &str, style: u8) -> Value {
    // The same value as a JSON string, or (for numbers and booleans) bare.
    match (style, s.parse::<i64>(), s.parse::<bool>(), s.parse::<f64>()) {
        (1, Ok(n), _, _) => json!(n),
        (1, _, Ok(b), _) => json!(b),
        (1, _, _, Ok(f)) if !s.starts_with('+') => json!(f),
        _ => json!(s),
    }
}

/// An ARN pattern the importer converts: wildcards anywhere but `*` in the
/// first five components, or `*` there and a literal resource part.
fn arn_pattern() -> impl Strategy<Value = String> {
    let head = |pool: &'static [&'static str]| {
        prop::collection::vec(prop::sample::select(pool), 5..=5).prop_map(|c| c.join(":"))
    };
    let resource = |pool: &'static [&'static str]| {
        prop::collection::vec(prop::sample::select(pool), 0..4).prop_map(|c| c.concat())
    };
    prop_oneof![
        (
            head(&["arn", "aws", "a?s", "?", "", "a"]),
            resource(&["a", "b", ":", "/", "*", "?"])
        )
            .prop_map(|(h, r)| format!("{h}:{r}")),
        (
            head(&["arn", "aws", "*", "a*", "", "a"]),
            resource(&["a", "b", ":", "/"])
        )
            .prop_map(|(h, r)| format!("{h}:{r}")),
        // Bounded, not exact: `*` in the first five and a wildcard after.
        (
            head(&["arn", "aws", "*", "a*", "", "a"]),
            resource(&["a", ":", "*", "?"])
        )
            .prop_map(|(h, r)| format!("{h}:{r}")),
    ]
}

/// A request ARN: components (some holding colons), fewer than six too.
fn request_arn() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(&["arn", "aws", "a", "as", "", "ab", "b", "a/b"][..]),
        4..9,
    )
    .prop_map(|c| c.join(":"))
}

/// One `operator: {key: values}` entry.
fn condition() -> impl Strategy<Value = (String, String, Value)> {
    let values = |pool: &'static [&'static str]| {
        (
            prop::collection::vec(prop::sample::select(pool), 1..3),
            any::<u8>(),
        )
            .prop_map(|(v, style)| {
                let items: Vec<Value> = v.iter().map(|s| value_of(s, style % 2)).collect();
                if items.len() == 1 && style % 3 == 0 {
                    items[0].clone()
                } else {
                    Value::Array(items)
                }
            })
    };
    let if_exists = any::<bool>().prop_map(|b| if b { "IfExists" } else { "" });
    prop_oneof![
        (
            pick(STRING_OPS),
            if_exists.clone(),
            pick(STRING_KEYS),
            values(POLICY_STRINGS)
        )
            .prop_map(|(op, ie, k, v)| (format!("{op}{ie}"), k, v)),
        (
            pick(NUMERIC_OPS),
            if_exists.clone(),
            values(&["0", "60", "3600"])
        )
            .prop_map(|(op, ie, v)| (
                format!("{op}{ie}"),
                "aws:MultiFactorAuthAge".to_string(),
                v
            )),
        (
            pick(DATE_OPS),
            if_exists.clone(),
            prop::sample::select(&["aws:CurrentTime", "aws:TokenIssueTime"][..]),
            values(&[
                "2025-12-31T23:59:59Z",
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:01Z",
                "2026-01-01T01:00:05+01:00",
                "2025-12-31T23:00:00-01:00",
            ])
        )
            .prop_map(|(op, ie, k, v)| (format!("{op}{ie}"), k.to_string(), v)),
        (
            if_exists.clone(),
            prop::sample::select(&["aws:MultiFactorAuthPresent", "aws:ViaAWSService"][..]),
            values(&["true", "false"])
        )
            .prop_map(|(ie, k, v)| (format!("Bool{ie}"), k.to_string(), v)),
        (
            prop::sample::select(&["IpAddress", "NotIpAddress"][..]),
            if_exists.clone(),
            prop::sample::select(&["aws:SourceIp", "aws:vpcSourceIp"][..]),
            values(POLICY_IPS)
        )
            .prop_map(|(op, ie, k, v)| (format!("{op}{ie}"), k.to_string(), v)),
        // A whole policy variable (or plain text before 2012-10-17) under StringEquals.
        (pick(STRING_KEYS), values(VARIABLE_VALUES)).prop_map(|(k, v)| (
            "StringEquals".to_string(),
            k,
            v
        )),
        // A custom attribute compared as a number.
        (
            pick(NUMERIC_OPS),
            if_exists.clone(),
            values(&["-1", "0", "10", "0.5", "10.25", "-1.5", "+2.50"])
        )
            .prop_map(|(op, ie, v)| (format!("{op}{ie}"), "S3:Max-Keys".to_string(), v)),
        (pick(ALL_KEYS), values(&["true", "false"])).prop_map(|(k, v)| ("Null".to_string(), k, v)),
        // Quantifiers over a list (no IfExists with ForAnyValue).
        (
            prop::sample::select(&["ForAnyValue", "ForAllValues"][..]),
            pick(STRING_OPS),
            if_exists.clone(),
            values(POLICY_STRINGS)
        )
            .prop_map(|(q, op, ie, v)| {
                let ie = if q == "ForAnyValue" { "" } else { ie };
                (format!("{q}:{op}{ie}"), "aws:TagKeys".to_string(), v)
            }),
        // Quantifiers on keys Tessera holds as one value (no IfExists with ForAnyValue).
        (
            prop::sample::select(&["ForAnyValue", "ForAllValues"][..]),
            pick(STRING_OPS),
            if_exists.clone(),
            prop::sample::select(&STRING_KEYS[..6]),
            values(POLICY_STRINGS)
        )
            .prop_map(|(q, op, ie, k, v)| {
                let ie = if q == "ForAnyValue" { "" } else { ie };
                (format!("{q}:{op}{ie}"), k.to_string(), v)
            }),
        (
            prop::sample::select(&["ForAnyValue", "ForAllValues"][..]),
            prop::sample::select(&["IpAddress", "NotIpAddress"][..]),
            values(POLICY_IPS)
        )
            .prop_map(|(q, op, v)| (format!("{q}:{op}"), "aws:SourceIp".to_string(), v)),
        (
            prop::sample::select(&["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"][..]),
            if_exists.clone(),
            prop::collection::vec(arn_pattern(), 1..3),
            any::<bool>(),
        )
            .prop_map(|(op, ie, v, one)| (
                format!("{op}{ie}"),
                "aws:SourceArn".to_string(),
                list_or_one(v, one)
            )),
        (if_exists.clone(), values(&["QQ==", "Qg==", "QUI=", "QUJD"])).prop_map(|(ie, v)| (
            format!("BinaryEquals{ie}"),
            "example:Blob".to_string(),
            v
        )),
    ]
}

fn list_or_one(items: Vec<String>, one: bool) -> Value {
    if items.len() == 1 && one {
        json!(items[0])
    } else {
        json!(items)
    }
}

/// A statement as JSON; `principals` says whether the document is a
/// resource-based policy (every statement names a principal).
fn statement(principals: bool) -> impl Strategy<Value = Map<String, Value>> {
    (
        any::<bool>(),
        (
            any::<bool>(),
            prop::collection::vec(
                prop_oneof![1 => Just("*".to_string()), 5 => pick(PRINCIPALS)],
                1..3,
            ),
            any::<bool>(),
        ),
        (
            any::<bool>(),
            prop::collection::vec(action_pattern(), 1..3),
            any::<bool>(),
        ),
        (
            any::<bool>(),
            prop::collection::vec(resource_pattern(), 1..3),
            any::<bool>(),
        ),
        prop::collection::vec(condition(), 0..4),
    )
        .prop_map(
            move |(
                allow,
                (not_p, ps, p_obj),
                (not_a, actions, one_a),
                (not_r, resources, one_r),
                conds,
            )| {
                let mut s = Map::new();
                s.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
                if principals {
                    let mut ps = ps;
                    if allow && not_p {
                        // Accounts in the NotPrincipal of an Allow are refused.
                        ps.retain(|p| account_of_entry(p).is_none());
                        if ps.is_empty() {
                            ps.push(PRINCIPALS[0].to_string());
                        }
                    }
                    let (services, aws): (Vec<String>, Vec<String>) =
                        ps.into_iter().partition(|p| p.starts_with("service:"));
                    let value = if aws.len() == 1 && aws[0] == "*" && !p_obj && services.is_empty()
                    {
                        json!("*")
                    } else {
                        let mut o = Map::new();
                        if !aws.is_empty() {
                            o.insert("AWS".into(), list_or_one(aws, p_obj));
                        }
                        if !services.is_empty() {
                            let names: Vec<String> = services
                                .iter()
                                .map(|s| s["service:".len()..].to_string())
                                .collect();
                            o.insert("Service".into(), list_or_one(names, p_obj));
                        }
                        Value::Object(o)
                    };
                    s.insert(
                        if not_p { "NotPrincipal" } else { "Principal" }.into(),
                        value,
                    );
                }
                s.insert(
                    if not_a { "NotAction" } else { "Action" }.into(),
                    list_or_one(actions, one_a),
                );
                let resources: Vec<String> = resources
                    .into_iter()
                    .map(|r| fit_variables(r, allow, not_r))
                    .collect();
                s.insert(
                    if not_r { "NotResource" } else { "Resource" }.into(),
                    list_or_one(resources, one_r),
                );
                if !conds.is_empty() {
                    let mut block: Map<String, Value> = Map::new();
                    for (op, key, values) in conds {
                        let entry = block.entry(op).or_insert_with(|| json!({}));
                        if let Value::Object(keys) = entry {
                            // One key per operator: names that differ only in case are one key.
                            keys.retain(|k, _| !k.eq_ignore_ascii_case(&key));
                            keys.insert(key, values);
                        }
                    }
                    s.insert("Condition".into(), Value::Object(block));
                }
                s
            },
        )
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&[Some("2012-10-17"), Some("2008-10-17"), None][..]),
        any::<bool>(),
    )
        .prop_flat_map(|(version, principals)| {
            (
                Just(version),
                prop::collection::vec(statement(principals), 1..4),
            )
        })
        .prop_map(|(version, statements)| {
            let mut doc = Map::new();
            if let Some(v) = version {
                doc.insert("Version".into(), json!(v));
            }
            doc.insert(
                "Statement".into(),
                Value::Array(statements.into_iter().map(Value::Object).collect()),
            );
            serde_json::to_string_pretty(&Value::Object(doc)).unwrap()
        })
}

/// A request: IAM's view of it.
#[derive(Debug, Clone)]
struct Req {
    principal: String,
    action: String,
    resource: String,
    source_ip: Option<String>,
    mfa: Option<bool>,
    mfa_age: Option<i64>,
    time: (String, i64),
    version_stage: Option<String>,
    team: Option<String>,
    env: Option<String>,
    /// Custom attributes: `aws:sourcevpce`, `aws:viaawsservice`,
    /// `s3:max-keys`, `aws:vpcsourceip` (sent under lower-cased names).
    vpce: Option<String>,
    via: Option<bool>,
    max_keys: Option<f64>,
    vpc_ip: Option<String>,
    /// `aws:tokenissuetime`, one of the request times.
    token_time: Option<(String, i64)>,
    /// `aws:sourcearn` and `example:blob` (canonical base64).
    source_arn: Option<String>,
    blob: Option<String>,
    /// `aws:tagkeys`, a list.
    tag_keys: Option<Vec<String>>,
}

fn request() -> impl Strategy<Value = Req> {
    (
        pick(REQUEST_PRINCIPALS),
        pick(REQUEST_ACTIONS),
        request_resource(),
        prop::option::of(pick(REQUEST_IPS)),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(&[0i64, 59, 60, 61, 3600, 4000][..])),
        prop::sample::select(REQUEST_TIMES),
        (
            prop::option::of(pick(REQUEST_STRINGS)),
            prop::option::of(pick(REQUEST_STRINGS)),
            prop::option::of(pick(REQUEST_STRINGS)),
        ),
        (
            prop::option::of(pick(REQUEST_STRINGS)),
            prop::option::of(any::<bool>()),
            prop::option::of(prop::sample::select(
                &[-2.0, -1.5, -1.0, 0.0, 0.5, 9.0, 10.0, 10.25, 11.0][..],
            )),
            prop::option::of(pick(REQUEST_IPS)),
            prop::option::of(prop::sample::select(REQUEST_TIMES)),
            prop::option::of(request_arn()),
            prop::option::of(pick(&["QQ==", "Qg==", "QUI=", "QUJD", "QUJE"])),
            prop::option::of(prop::collection::vec(pick(REQUEST_STRINGS), 0..3)),
        ),
    )
        .prop_map(
            |(
                principal,
                action,
                resource,
                source_ip,
                mfa,
                mfa_age,
                (t, ms),
                (vs, team, env),
                (vpce, via, max_keys, vpc_ip, token_time, source_arn, blob, tag_keys),
            )| {
                Req {
                    principal,
                    action,
                    resource,
                    source_ip,
                    mfa,
                    mfa_age,
                    time: (t.to_string(), ms),
                    version_stage: vs,
                    team,
                    env,
                    vpce,
                    via,
                    max_keys,
                    vpc_ip,
                    token_time: token_time.map(|(t, ms)| (t.to_string(), ms)),
                    source_arn,
                    blob,
                    tag_keys,
                }
            },
        )
}

impl Req {
    /// The Tessera request, by the import guide's mapping.
    fn tessera_json(&self) -> String {
        let mut context = Map::new();
        context.insert("time".into(), json!(self.time.0));
        if let Some(ip) = &self.source_ip {
            context.insert("source_ip".into(), json!(ip));
        }
        if let Some(m) = self.mfa {
            context.insert("mfa".into(), json!(m));
        }
        if let Some(a) = self.mfa_age {
            context.insert("mfa_age_seconds".into(), json!(a));
        }
        if let Some(v) = &self.version_stage {
            context.insert("version_stage".into(), json!(v));
        }
        if let Some(v) = &self.vpce {
            context.insert("aws:sourcevpce".into(), json!(v));
        }
        if let Some(v) = self.via {
            context.insert("aws:viaawsservice".into(), json!(v));
        }
        if let Some(n) = self.max_keys {
            context.insert("s3:max-keys".into(), json!(n));
        }
        if let Some(ip) = &self.vpc_ip {
            context.insert("aws:vpcsourceip".into(), json!(ip));
        }
        if let Some((t, _)) = &self.token_time {
            context.insert("aws:tokenissuetime".into(), json!(t));
        }
        if let Some(a) = &self.source_arn {
            context.insert("aws:sourcearn".into(), json!(a));
        }
        if let Some(b) = &self.blob {
            context.insert("example:blob".into(), json!(b));
        }
        if let Some(k) = &self.tag_keys {
            context.insert("aws:tagkeys".into(), json!(k));
        }
        let mut ptags = Map::new();
        if let Some(t) = &self.team {
            ptags.insert("team".into(), json!(t));
        }
        let mut rtags = Map::new();
        if let Some(e) = &self.env {
            rtags.insert("env".into(), json!(e));
        }
        json!({
            "principal": {"id": self.principal, "tags": ptags},
            "action": self.action,
            "resource": {"path": self.resource, "tags": rtags},
            "context": context,
        })
        .to_string()
    }
}

// ------------------------------------------------------- the IAM evaluator

#[derive(Clone, Copy, PartialEq, Debug)]
enum Tok {
    Lit(char),
    Star,
    One,
}

/// A resource pattern with its policy variables (2012-10-17) replaced by
/// the request's values, each character of a value literal (written as the
/// escapes `${*}`, `${?}`, `${$}` where needed); `None` when a value is
/// missing. How IAM reads a `*` inside a value is not documented: read
/// literally here, as Tessera does.
fn substitute(p: &str, r: &Req, v2012: bool) -> Option<String> {
    if !v2012 {
        return Some(p.to_string());
    }
    let mut out = String::new();
    let mut rest = p;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find('}').unwrap();
        let inner = &after[..end];
        if matches!(inner, "*" | "?" | "$") {
            out.push_str(&rest[i..i + 2 + end + 1]);
        } else {
            let value = as_text(&context_value(r, inner)?);
            for c in value.chars() {
                match c {
                    '*' => out.push_str("${*}"),
                    '?' => out.push_str("${?}"),
                    '$' => out.push_str("${$}"),
                    c => out.push(c),
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// An IAM string as tokens: wildcards where `wild`, escapes in 2012-10-17.
fn tokens(s: &str, v2012: bool, wild: bool) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if v2012
            && chars[i] == '$'
            && chars.get(i + 1) == Some(&'{')
            && chars.get(i + 3) == Some(&'}')
        {
            let c = chars[i + 2];
            assert!(
                matches!(c, '*' | '?' | '$'),
                "the generator makes only escapes: {s}"
            );
            out.push(Tok::Lit(c));
            i += 4;
            continue;
        }
        out.push(match chars[i] {
            '*' if wild => Tok::Star,
            '?' if wild => Tok::One,
            c => Tok::Lit(c),
        });
        i += 1;
    }
    out
}

fn glob(p: &[Tok], t: &[char], fold: bool) -> bool {
    // Dynamic programming over (pattern position, text position).
    let mut reach = vec![false; t.len() + 1];
    reach[0] = true;
    for tok in p {
        let mut next = vec![false; t.len() + 1];
        match tok {
            Tok::Star => {
                let mut any = false;
                for j in 0..=t.len() {
                    any |= reach[j];
                    next[j] = any;
                }
            }
            Tok::One => {
                next[1..].copy_from_slice(&reach[..t.len()]);
            }
            Tok::Lit(c) => {
                for j in 0..t.len() {
                    let same = if fold {
                        c.eq_ignore_ascii_case(&t[j])
                    } else {
                        *c == t[j]
                    };
                    next[j + 1] = reach[j] && same;
                }
            }
        }
        reach = next;
    }
    reach[t.len()]
}

fn matches(pattern: &str, text: &str, v2012: bool, fold: bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    glob(&tokens(pattern, v2012, true), &t, fold)
}

fn strings(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn cidr_contains(range: &str, addr: &str) -> bool {
    let (net, prefix) = match range.split_once('/') {
        Some((n, p)) => (
            n.parse::<IpAddr>().unwrap(),
            Some(p.parse::<u32>().unwrap()),
        ),
        None => (range.parse::<IpAddr>().unwrap(), None),
    };
    let addr: IpAddr = addr.parse().unwrap();
    match (net, addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let bits = prefix.unwrap_or(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let bits = prefix.unwrap_or(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// The request's value for an IAM condition key (names case-insensitive).
fn context_value(r: &Req, key: &str) -> Option<Value> {
    let k = key.to_ascii_lowercase();
    match k.as_str() {
        "aws:sourceip" => r.source_ip.clone().map(Value::String),
        "aws:multifactorauthpresent" => r.mfa.map(Value::Bool),
        "aws:multifactorauthage" => r.mfa_age.map(|a| json!(a)),
        "aws:currenttime" => Some(json!(r.time.0)),
        "secretsmanager:versionstage" => r.version_stage.clone().map(Value::String),
        "aws:principaltag/team" => r.team.clone().map(Value::String),
        "aws:resourcetag/env" | "secretsmanager:resourcetag/env" => {
            r.env.clone().map(Value::String)
        }
        "aws:sourcevpce" => r.vpce.clone().map(Value::String),
        "aws:viaawsservice" => r.via.map(Value::Bool),
        "s3:max-keys" => r.max_keys.map(|n| json!(n)),
        "aws:vpcsourceip" => r.vpc_ip.clone().map(Value::String),
        "aws:tokenissuetime" => r.token_time.clone().map(|(t, _)| Value::String(t)),
        "aws:sourcearn" => r.source_arn.clone().map(Value::String),
        "example:blob" => r.blob.clone().map(Value::String),
        "aws:tagkeys" => r.tag_keys.clone().map(|k| json!(k)),
        other => panic!("the generator made an unmapped key {other}"),
    }
}

fn policy_date(s: &str) -> i64 {
    POLICY_DATES
        .iter()
        .find(|(d, _)| *d == s)
        .map(|(_, secs)| *secs)
        .unwrap()
}

/// IAM's ARN match: six components each, matched one by one.
fn arn_matches(pattern: &str, arn: &str, v2012: bool) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6
        && a.len() == 6
        && p.iter().zip(&a).all(|(p, a)| {
            let t: Vec<char> = a.chars().collect();
            glob(&tokens(p, v2012, true), &t, false)
        })
}

/// The bytes of standard padded base64 text.
fn base64_decode(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

/// One operator on one key; `None` for the request value means missing.
fn condition_holds(op: &str, key: &str, values: &Value, r: &Req, v2012: bool) -> bool {
    // ForAnyValue / ForAllValues on a key that holds one value: a set of
    // one; a missing key is an empty set (any: false, all: true). (Empty
    // strings, whose reading AWS does not document, are not generated.)
    let op = match op.split_once(':') {
        Some((q, rest)) => {
            let Some(present) = context_value(r, key) else {
                return q == "ForAllValues";
            };
            if let Value::Array(items) = present {
                // A list: each item against the values (ORed; a negated
                // operator: none may match), then some (any) or every (all).
                let base = rest.strip_suffix("IfExists").unwrap_or(rest);
                let each = |item: &Value| {
                    let mut one = r.clone();
                    one.tag_keys = None;
                    one.vpce = Some(as_text(item));
                    condition_holds(base, "aws:SourceVpce", values, &one, v2012)
                };
                return if q == "ForAnyValue" {
                    items.iter().any(each)
                } else {
                    items.iter().all(each)
                };
            }
            rest
        }
        None => op,
    };
    let present = context_value(r, key);
    let values = strings(values);
    if op == "Null" {
        return values.iter().any(|v| {
            let wants_absent = as_text(v) == "true";
            wants_absent == present.is_none()
        });
    }
    let (base, if_exists) = match op.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (op, false),
    };
    let negated = matches!(
        base,
        "StringNotEquals"
            | "StringNotEqualsIgnoreCase"
            | "StringNotLike"
            | "NumericNotEquals"
            | "DateNotEquals"
            | "NotIpAddress"
            | "ArnNotEquals"
            | "ArnNotLike"
    );
    let Some(actual) = present else {
        return if_exists || negated;
    };
    let a = as_text(&actual);
    let one = |v: &Value| -> bool {
        let p = as_text(v);
        match base {
            // A whole policy variable: the request's value of that key; a
            // key the request lacks has no value, and nothing equals it.
            "StringEquals" | "StringNotEquals"
                if v2012 && p.starts_with("${") && p.ends_with('}') && p.len() > 4 =>
            {
                context_value(r, &p[2..p.len() - 1]).is_some_and(|x| as_text(&x) == a)
            }
            "StringEquals" | "StringNotEquals" => {
                let lit: String = tokens(&p, v2012, false)
                    .iter()
                    .map(|t| match t {
                        Tok::Lit(c) => *c,
                        _ => unreachable!(),
                    })
                    .collect();
                lit == a
            }
            "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => {
                let t: Vec<char> = a.chars().collect();
                glob(&tokens(&p, v2012, false), &t, true)
            }
            "StringLike" | "StringNotLike" => matches(&p, &a, v2012, false),
            b if b.starts_with("Numeric") => {
                let (x, y) = (a.parse::<f64>().unwrap(), p.parse::<f64>().unwrap());
                match b {
                    "NumericEquals" | "NumericNotEquals" => x == y,
                    "NumericLessThan" => x < y,
                    "NumericLessThanEquals" => x <= y,
                    "NumericGreaterThan" => x > y,
                    _ => x >= y,
                }
            }
            b if b.starts_with("Date") => {
                // To the second: the request's instant, truncated.
                let ms = match &r.token_time {
                    Some((_, ms)) if key.eq_ignore_ascii_case("aws:TokenIssueTime") => *ms,
                    _ => r.time.1,
                };
                let x = ms.div_euclid(1000);
                let y = policy_date(&p);
                match b {
                    "DateEquals" | "DateNotEquals" => x == y,
                    "DateLessThan" => x < y,
                    "DateLessThanEquals" => x <= y,
                    "DateGreaterThan" => x > y,
                    _ => x >= y,
                }
            }
            "Bool" => a == p,
            "IpAddress" | "NotIpAddress" => cidr_contains(&p, &a),
            "ArnEquals" | "ArnLike" | "ArnNotEquals" | "ArnNotLike" => arn_matches(&p, &a, v2012),
            "BinaryEquals" => base64_decode(&p) == base64_decode(&a),
            other => panic!("operator {other}"),
        }
    };
    let any = values.iter().any(one);
    if negated { !any } else { any }
}

fn element_matches(
    s: &Map<String, Value>,
    name: &str,
    test: impl Fn(&str) -> bool,
) -> Option<bool> {
    let (value, negated) = match (s.get(name), s.get(&format!("Not{name}"))) {
        (Some(v), None) => (v, false),
        (None, Some(v)) => (v, true),
        _ => return None,
    };
    let any = strings(value).iter().any(|v| test(&as_text(v)));
    Some(if negated { !any } else { any })
}

/// The entries of a `Principal` value: `*`, ARNs and account ids as
/// written, services as `service:NAME`.
fn entries(p: &Value) -> Vec<String> {
    match p {
        Value::String(star) if star == "*" => vec!["*".to_string()],
        Value::Object(o) => {
            let mut out: Vec<String> = o
                .get("AWS")
                .map(strings)
                .unwrap_or_default()
                .iter()
                .map(as_text)
                .collect();
            if let Some(sv) = o.get("Service") {
                out.extend(
                    strings(sv)
                        .iter()
                        .map(|v| format!("service:{}", as_text(v))),
                );
            }
            out
        }
        other => panic!("principal {other}"),
    }
}

/// The partition and account an entry names as an account, if it does:
/// a 12-digit id (IAM reads it as `arn:aws:iam::ID:root`) or a root ARN.
fn account_of_entry(e: &str) -> Option<(String, String)> {
    if e.len() == 12 && e.bytes().all(|b| b.is_ascii_digit()) {
        return Some(("aws".to_string(), e.to_string()));
    }
    let parts: Vec<&str> = e.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", p, "iam", "", a, "root"] => Some((p.to_string(), a.to_string())),
        _ => None,
    }
}

/// The partition and account of a caller's IAM or STS ARN.
fn caller_account(caller: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = caller.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", p, "iam" | "sts", "", a, _] => Some((p.to_string(), a.to_string())),
        _ => None,
    }
}

/// A `Principal` entry against the caller: an account stands for every
/// IAM and STS principal of the account.
fn principal_matches(e: &str, caller: &str) -> bool {
    e == "*"
        || e == caller
        || account_of_entry(e).is_some_and(|a| caller_account(caller).is_some_and(|c| c == a))
}

fn applies(s: &Map<String, Value>, r: &Req, v2012: bool) -> bool {
    let principal = match (s.get("Principal"), s.get("NotPrincipal")) {
        (None, None) => true,
        (Some(p), None) => entries(p)
            .iter()
            .any(|e| principal_matches(e, &r.principal)),
        (None, Some(p)) => {
            let listed = entries(p);
            let spared = if s["Effect"] == "Deny" {
                // IAM may check the caller's account before the caller:
                // spared only when every identity it may check is listed.
                let own = listed.iter().any(|e| {
                    *e == "*"
                        || *e == r.principal
                        || account_of_entry(e).is_some_and(|a| {
                            r.principal == format!("arn:{}:iam::{}:root", a.0, a.1)
                        })
                });
                let account = match caller_account(&r.principal) {
                    None => true,
                    Some(a) => listed
                        .iter()
                        .any(|e| *e == "*" || account_of_entry(e).as_ref() == Some(&a)),
                };
                own && account
            } else {
                listed.iter().any(|e| *e == "*" || *e == r.principal)
            };
            !spared
        }
        _ => unreachable!(),
    };
    let action = element_matches(s, "Action", |p| matches(p, &r.action, false, true)).unwrap();
    let resource = element_matches(s, "Resource", |p| match substitute(p, r, v2012) {
        Some(p) => matches(&p, &r.resource, v2012, false),
        // A variable the request has no value for: the ARN matches nothing.
        None => false,
    })
    .unwrap();
    let conditions = match s.get("Condition") {
        None => true,
        Some(Value::Object(block)) => block.iter().all(|(op, keys)| {
            keys.as_object()
                .unwrap()
                .iter()
                .all(|(k, v)| condition_holds(op, k, v, r, v2012))
        }),
        Some(other) => panic!("condition {other}"),
    };
    principal && action && resource && conditions
}

fn iam_allows(doc: &str, r: &Req) -> bool {
    let doc: Value = serde_json::from_str(doc).unwrap();
    let v2012 = doc.get("Version").and_then(Value::as_str) == Some("2012-10-17");
    let statements: Vec<Map<String, Value>> = strings(&doc["Statement"])
        .into_iter()
        .map(|s| s.as_object().unwrap().clone())
        .collect();
    let effect = |s: &Map<String, Value>| s["Effect"].as_str().unwrap().to_string();
    let denied = statements
        .iter()
        .any(|s| effect(s) == "Deny" && applies(s, r, v2012));
    let allowed = statements
        .iter()
        .any(|s| effect(s) == "Allow" && applies(s, r, v2012));
    allowed && !denied
}

// ------------------------------------------------------------------ tests

/// Requests derived from the document, so that patterns are hit, not only missed.
fn hits(doc: &str, seed: &Req) -> Vec<Req> {
    let doc: Value = serde_json::from_str(doc).unwrap();
    let mut out = Vec::new();
    for s in strings(&doc["Statement"]) {
        if let Some(Value::Object(block)) = s.get("Condition") {
            for (op, keys) in block {
                if !op.starts_with("Arn") {
                    continue;
                }
                for values in keys.as_object().unwrap().values() {
                    for p in strings(values) {
                        let p = as_text(&p);
                        for filled in [
                            p.replace('*', "a").replace('?', "b"),
                            p.replace('*', "").replace('?', ":"),
                            p.replace('*', "a:b"),
                        ] {
                            let mut r = seed.clone();
                            r.source_arn = Some(filled);
                            out.push(r);
                        }
                    }
                }
            }
        }
        for key in ["Resource", "NotResource"] {
            if let Some(v) = s.get(key) {
                for p in strings(v) {
                    let p = as_text(&p);
                    if p == "*" {
                        continue;
                    }
                    // Variables as the seed's values, wildcards filled, escapes
                    // read as the character they stand for.
                    let p = p
                        .replace(VAR_TEAM, seed.team.as_deref().unwrap_or("t"))
                        .replace(VAR_VPCE, seed.vpce.as_deref().unwrap_or("v"));
                    let filled = p
                        .replace("${*}", "*")
                        .replace("${?}", "?")
                        .replace("${$}", "$");
                    let filled = filled.replace('*', "a/b").replace('?', "b");
                    let path: Vec<&str> = filled.split('/').filter(|x| !x.is_empty()).collect();
                    let path = path.join("/");
                    for candidate in [path.clone(), p.replace('/', ":")] {
                        if candidate.starts_with(PREFIX) && !candidate.ends_with('/') {
                            let mut r = seed.clone();
                            r.resource = candidate;
                            out.push(r);
                        }
                    }
                }
            }
        }
    }
    out
}

/// 400 cases, or `AWS_DIFFERENTIAL_CASES` for a longer run.
fn cases() -> u32 {
    std::env::var("AWS_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(400)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn converted_documents_decide_as_iam(
        doc in document(),
        requests in prop::collection::vec(request(), 1..12),
    ) {
        let text = match tessera_import::aws::convert("random.json", &doc) {
            Ok(t) => t,
            Err(ds) => {
                let ds: Vec<String> = ds.iter().map(|d| d.to_string()).collect();
                return Err(TestCaseError::fail(format!("refused:\n{}\n{doc}", ds.join("\n"))));
            }
        };
        let engine = aws_support::engine(&text, false);
        let mut all = requests.clone();
        all.extend(hits(&doc, &requests[0]));
        for r in &all {
            let request = tessera::Request::from_json(&r.tessera_json())
                .map_err(|e| TestCaseError::fail(format!("request {}: {e}", r.tessera_json())))?;
            let tessera = engine.decide(&request).is_allowed();
            let iam = iam_allows(&doc, r);
            if text.contains("is bounded, not exact") {
                // A bounded ARN test: never allowed where IAM denies.
                prop_assert!(!tessera || iam, "document:\n{}\nconverted:\n{}\nrequest: {:?}", doc, text, r);
            } else {
                prop_assert_eq!(tessera, iam, "document:\n{}\nconverted:\n{}\nrequest: {:?}", doc, text, r);
            }
        }
    }
}

#[test]
fn the_evaluator_knows_the_documented_cases() {
    // A few fixed points, so that the evaluator itself is checked against
    // AWS's documentation and not only against the importer.
    let r = Req {
        principal: PRINCIPALS[0].into(),
        action: "secretsmanager:GetSecretValue".into(),
        resource: format!("{PREFIX}a/b"),
        source_ip: None,
        mfa: None,
        mfa_age: None,
        time: ("2026-01-01T00:00:00.500Z".into(), 500),
        version_stage: None,
        team: None,
        env: None,
        vpce: None,
        via: None,
        max_keys: Some(10.0),
        vpc_ip: None,
        token_time: None,
        source_arn: Some("arn:aws:iam::1:2:role/x".into()),
        blob: None,
        tag_keys: Some(vec![]),
    };
    // A negated operator on a missing key is true; a positive one false.
    assert!(condition_holds(
        "StringNotEquals",
        "aws:SourceVpce",
        &json!("vpce-1"),
        &r,
        true
    ));
    assert!(!condition_holds(
        "Bool",
        "aws:ViaAWSService",
        &json!("false"),
        &r,
        true
    ));
    assert!(condition_holds(
        "NumericLessThanEquals",
        "S3:Max-Keys",
        &json!("10"),
        &r,
        true
    ));
    assert!(condition_holds(
        "NotIpAddress",
        "aws:SourceIp",
        &json!("10.0.0.0/8"),
        &r,
        true
    ));
    assert!(!condition_holds(
        "IpAddress",
        "aws:SourceIp",
        &json!("10.0.0.0/8"),
        &r,
        true
    ));
    assert!(condition_holds(
        "BoolIfExists",
        "aws:MultiFactorAuthPresent",
        &json!("false"),
        &r,
        true
    ));
    assert!(condition_holds(
        "Null",
        "aws:MultiFactorAuthAge",
        &json!("true"),
        &r,
        true
    ));
    // Dates to the second.
    assert!(condition_holds(
        "DateEquals",
        "aws:CurrentTime",
        &json!("2026-01-01T00:00:00Z"),
        &r,
        true
    ));
    assert!(!condition_holds(
        "DateGreaterThan",
        "aws:CurrentTime",
        &json!("2026-01-01T00:00:00Z"),
        &r,
        true
    ));
    // `*` crosses `/`; actions ignore case; `${*}` is a literal star in 2012-10-17 only.
    assert!(matches(&format!("{PREFIX}*"), &r.resource, true, false));
    assert!(matches("SecretsManager:get*", &r.action, false, true));
    assert!(!matches("a${*}", "ab", true, false));
    assert!(matches("a${*}", "a*", true, false));
    assert!(matches("a${*}", "a${*}", false, false));
    // ARNs: component by component; fewer than six never match.
    assert!(!condition_holds(
        "ArnLike",
        "aws:SourceArn",
        &json!("arn:aws:iam::*:role/*"),
        &r,
        true
    ));
    assert!(arn_matches(
        "arn:aws:iam::*:*",
        "arn:aws:iam::1:2:role/x",
        true
    ));
    assert!(!arn_matches("arn:aws:iam:*", "arn:aws:iam:*", true));
    assert!(!arn_matches("arn:aws:s3:::?", "arn:aws:s3::", true));
    assert_eq!(base64_decode("QUJD"), b"ABC");
    // Lists: an empty one makes ForAnyValue false and ForAllValues true.
    assert!(!condition_holds(
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        &json!("x"),
        &r,
        true
    ));
    assert!(condition_holds(
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        &json!("x"),
        &r,
        true
    ));
    assert_eq!(base64_decode("QQ=="), b"A");
}
