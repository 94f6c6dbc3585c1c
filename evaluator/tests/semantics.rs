//! The decision rules, one case per line: a policy, a request, the expected
//! decision and the statements expected to decide it. Each case runs through
//! the compiled engine and the reference interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use tessera::{Engine, Outcome, Reason, Request, RequestErrorKind, reference};

/// Decides `request` (JSON, `context.time` defaulted) against `policy` with
/// both evaluators and checks they agree; returns outcome, reason, statements.
fn decide(policy: &str, request: &str) -> (Outcome, Reason, Vec<String>) {
    let engine = Engine::compile_str("case.policy", policy).unwrap_or_else(|e| panic!("{e}"));
    let mut value: serde_json::Value = serde_json::from_str(request).unwrap();
    let context = value
        .as_object_mut()
        .unwrap()
        .entry("context")
        .or_insert_with(|| serde_json::json!({}));
    if context.get("time").is_none() {
        context["time"] = "2026-11-25T10:00:00Z".into();
    }
    let request = Request::from_value(&value).unwrap_or_else(|e| panic!("{e}"));
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
    let decision = engine.decide(&request);
    let names: Vec<String> = decision
        .determining
        .iter()
        .map(|s| s.statement.to_string())
        .collect();
    let files = tessera::policy_lang::parse_set(&[("case.policy", policy)]).unwrap();
    let expected = reference::decide(&files, &request, now);
    assert_eq!(
        decision.outcome, expected.outcome,
        "engine and reference disagree"
    );
    assert_eq!(
        decision.reason, expected.reason,
        "engine and reference disagree"
    );
    let reference_names: Vec<String> = expected
        .determining
        .iter()
        .map(|(_, s)| s.clone())
        .collect();
    assert_eq!(names, reference_names, "engine and reference disagree");
    (decision.outcome, decision.reason, names)
}

fn policy(statements: &str) -> String {
    format!("policy \"p\" {{\n{statements}\n}}")
}

macro_rules! case {
    ($name:ident, $statements:expr, $request:expr, $outcome:ident, $reason:ident, [$($s:expr),*]) => {
        #[test]
        fn $name() {
            let (outcome, reason, names) = decide(&policy($statements), $request);
            assert_eq!((outcome, reason), (Outcome::$outcome, Reason::$reason));
            let expected: Vec<&str> = vec![$($s),*];
            assert_eq!(names, expected);
        }
    };
}

const READ: &str =
    r#"{"principal": "user:ann", "action": "secrets:GetSecretValue", "resource": "prod/db/main"}"#;
const ALLOW_ALL: &str = r#"allow "all" { principal * action * resource ** }"#;

// Default deny and deny-beats-allow.
case!(
    empty_policy_denies_by_default,
    "",
    READ,
    Deny,
    NoStatementApplied,
    []
);
case!(
    matching_allow_allows,
    ALLOW_ALL,
    READ,
    Allow,
    Allowed,
    ["all"]
);
case!(
    deny_beats_allow,
    r#"allow "all" { principal * action * resource ** }
       deny "no-prod" { principal * action * resource prod/** }"#,
    READ,
    Deny,
    ExplicitDeny,
    ["no-prod"]
);
case!(
    every_applicable_allow_is_named,
    r#"allow "a" { principal user:ann action * resource prod/** }
       allow "b" { principal * action secrets:Get* resource prod/db/* }
       allow "c" { principal user:bob action * resource ** }"#,
    READ,
    Allow,
    Allowed,
    ["a", "b"]
);
case!(
    every_applicable_deny_is_named,
    r#"deny "a" { principal * action * resource prod/** }
       deny "b" { principal user:* action * resource ** }
       allow "c" { principal * action * resource ** }"#,
    READ,
    Deny,
    ExplicitDeny,
    ["a", "b"]
);

// Matchers.
case!(
    star_stays_in_one_segment,
    r#"allow "a" { principal * action * resource prod/* }"#,
    READ,
    Deny,
    NoStatementApplied,
    []
);
case!(
    double_star_crosses_segments,
    r#"allow "a" { principal * action * resource prod/** }"#,
    READ,
    Allow,
    Allowed,
    ["a"]
);
case!(
    question_mark_is_one_character,
    r#"allow "a" { principal * action * resource pro?/db/mai? }"#,
    READ,
    Allow,
    Allowed,
    ["a"]
);
case!(
    character_class,
    r#"allow "a" { principal * action * resource prod/[a-d]b/main }"#,
    READ,
    Allow,
    Allowed,
    ["a"]
);
case!(
    alternatives,
    r#"allow "a" { principal * action * resource {dev,prod}/db/main }"#,
    READ,
    Allow,
    Allowed,
    ["a"]
);
case!(
    not_resource_excludes,
    r#"allow "a" { principal * action * not resource prod/** }"#,
    READ,
    Deny,
    NoStatementApplied,
    []
);
case!(
    not_resource_includes_others,
    r#"allow "a" { principal * action * not resource dev/** }"#,
    READ,
    Allow,
    Allowed,
    ["a"]
);
case!(
    not_action,
    r#"allow "a" { principal * not action secrets:Put* resource ** }"#,
    READ,
    Allow,
    Allowed,
    ["a"]
);
case!(
    action_wildcard_mismatch,
    r#"allow "a" { principal * action secrets:Put* resource ** }"#,
    READ,
    Deny,
    NoStatementApplied,
    []
);
case!(
    principal_glob,
    r#"allow "a" { principal user:a* action * resource ** }"#,
    READ,
    Allow,
    Allowed,
    ["a"]
);
case!(
    principal_by_group,
    r#"allow "a" { principal group:ops action * resource ** }"#,
    r#"{"principal": {"id": "user:zed", "groups": ["group:ops"]}, "action": "x", "resource": "y"}"#,
    Allow,
    Allowed,
    ["a"]
);
case!(
    group_pattern_does_not_match_id,
    r#"allow "a" { principal group:ops action * resource ** }"#,
    r#"{"principal": "group:ops", "action": "x", "resource": "y"}"#,
    Deny,
    NoStatementApplied,
    []
);
case!(
    principal_by_attribute,
    r#"allow "a" { principal * action * resource ** when { principal.tags.team == "payments" } }"#,
    r#"{"principal": {"id": "user:zed", "tags": {"team": "payments"}}, "action": "x", "resource": "y"}"#,
    Allow,
    Allowed,
    ["a"]
);

// Policy variables.
const TEAM: &str =
    r#"allow "own" { principal * action * resource prod/${principal.tags.team}/** }"#;
case!(
    variable_matches_own_team,
    TEAM,
    r#"{"principal": {"id": "u", "tags": {"team": "db"}}, "action": "x", "resource": "prod/db/main"}"#,
    Allow,
    Allowed,
    ["own"]
);
case!(
    variable_star_value_does_not_widen,
    TEAM,
    r#"{"principal": {"id": "u", "tags": {"team": "*"}}, "action": "x", "resource": "prod/db/main"}"#,
    Deny,
    NoStatementApplied,
    []
);
case!(
    variable_brace_value_does_not_widen,
    TEAM,
    r#"{"principal": {"id": "u", "tags": {"team": "{db,api}"}}, "action": "x", "resource": "prod/db/main"}"#,
    Deny,
    NoStatementApplied,
    []
);
case!(
    variable_slash_value_never_matches,
    TEAM,
    r#"{"principal": {"id": "u", "tags": {"team": "db/main"}}, "action": "x", "resource": "prod/db/main/x"}"#,
    Deny,
    NoStatementApplied,
    []
);
case!(
    variable_missing_in_allow_does_not_grant,
    TEAM,
    r#"{"principal": "u", "action": "x", "resource": "prod/db/main"}"#,
    Deny,
    NoStatementApplied,
    []
);
case!(
    variable_missing_in_deny_applies,
    r#"allow "all" { principal * action * resource ** }
       deny "not-own" { principal * action * not resource prod/${principal.tags.team}/** }"#,
    r#"{"principal": "u", "action": "x", "resource": "prod/db/main"}"#,
    Deny,
    ExplicitDeny,
    ["not-own"]
);

// Missing keys fail closed.
case!(
    missing_key_in_allow_does_not_grant,
    r#"allow "a" { principal * action * resource ** when { source_ip in 10.0.0.0/8 } }"#,
    READ,
    Deny,
    NoStatementApplied,
    []
);
case!(
    missing_key_in_deny_unless_applies,
    r#"allow "all" { principal * action * resource ** }
       deny "net" { principal * action * resource ** unless { source_ip in 10.0.0.0/8 } }"#,
    READ,
    Deny,
    ExplicitDeny,
    ["net"]
);
case!(
    missing_key_in_deny_when_applies,
    r#"allow "all" { principal * action * resource ** }
       deny "no-mfa" { principal * action * resource ** when { not mfa } }"#,
    READ,
    Deny,
    ExplicitDeny,
    ["no-mfa"]
);
case!(
    presence_test_handles_absence_in_deny,
    r#"allow "all" { principal * action * resource ** }
       deny "net" { principal * action * resource ** when { has source_ip and not (source_ip in 10.0.0.0/8) } }"#,
    READ,
    Allow,
    Allowed,
    ["all"]
);
case!(
    known_false_side_decides_and,
    r#"allow "all" { principal * action * resource ** }
       deny "d" { principal * action * resource ** when { source_ip in 10.0.0.0/8 and version_stage == "X" } }"#,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"version_stage": "AWSCURRENT"}}"#,
    Allow,
    Allowed,
    ["all"]
);
case!(
    known_true_side_decides_or,
    r#"allow "a" { principal * action * resource ** when { source_ip in 10.0.0.0/8 or version_stage == "AWSCURRENT" } }"#,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"version_stage": "AWSCURRENT"}}"#,
    Allow,
    Allowed,
    ["a"]
);
case!(
    wrong_type_custom_attribute_is_unknown,
    r#"allow "a" { principal * action * resource ** when { context.level >= 3 } }"#,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"level": "high"}}"#,
    Deny,
    NoStatementApplied,
    []
);

// Typed conditions.
const CTX: &str = r#"{"principal": "u", "action": "x", "resource": "y", "context": {
    "source_ip": "fd00::1", "mfa": true, "mfa_age_seconds": 600, "version_stage": "AWSPREVIOUS",
    "time": "2026-11-25T21:30:00Z", "level": 4, "ticket": "chg-42", "break_glass": true}}"#;
macro_rules! holds {
    ($name:ident, $cond:expr, $holds:expr) => {
        #[test]
        fn $name() {
            let statement = format!(
                r#"allow "a" {{ principal * action * resource ** when {{ {} }} }}"#,
                $cond
            );
            let (outcome, _, _) = decide(&policy(&statement), CTX);
            assert_eq!(outcome == Outcome::Allow, $holds, "condition `{}`", $cond);
        }
    };
}
holds!(ipv6_in_cidr, "source_ip in [10.0.0.0/8, fd00::/8]", true);
holds!(ipv6_outside_cidr, "source_ip in 10.0.0.0/8", false);
holds!(ip_not_in, "source_ip not in [192.168.0.0/16]", true);
holds!(mfa_bare, "mfa", true);
holds!(mfa_age_within, "mfa and mfa_age <= 15m", true);
holds!(mfa_age_too_old, "mfa_age <= 5m", false);
holds!(
    version_stage_in,
    r#"version_stage in ["AWSCURRENT", "AWSPREVIOUS"]"#,
    true
);
holds!(version_stage_ne, r#"version_stage != "AWSPREVIOUS""#, false);
holds!(
    time_window_inside,
    "time in 2026-01-01T00:00:00Z .. 2027-01-01T00:00:00Z",
    true
);
holds!(
    time_window_end_excluded,
    "time in 2026-01-01T00:00:00Z .. 2026-11-25T21:30:00Z",
    false
);
holds!(
    time_window_with_offset,
    "time < 2026-11-25T22:00:00+01:00",
    false
);
holds!(
    time_of_day_at_offset,
    "time_of_day in 09:00 .. 17:00 at -05:00",
    true
);
holds!(
    time_of_day_utc_outside,
    "time_of_day in 09:00 .. 17:00",
    false
);
holds!(
    time_of_day_wraps_midnight,
    "time_of_day in 22:00 .. 06:00 at +02:00",
    true
);
holds!(weekday_at_offset, "weekday in [Thu] at +03:00", true);
holds!(weekday_utc, "weekday == Wed", true);
holds!(
    number_compare,
    "context.level >= 3 and context.level < 5",
    true
);
holds!(number_in_list, "context.level in [1, 2, 3]", false);
holds!(string_like, r#"context.ticket like "chg-*""#, true);
holds!(
    string_like_is_case_sensitive,
    r#"context.ticket like "CHG-*""#,
    false
);
holds!(string_ilike, r#"context.ticket ilike "CHG-*""#, true);
holds!(custom_bool, "context.break_glass", true);
holds!(has_present, "has mfa_age", true);
holds!(has_absent, "has context.nothing", false);
holds!(not_has_absent, "not has context.nothing", true);
holds!(
    precedence_not_and_or,
    "not mfa or mfa and mfa_age < 1h",
    true
);
holds!(
    parentheses_group,
    "(not mfa or mfa) and mfa_age > 1h",
    false
);

#[test]
fn unless_block_blocks_when_it_holds() {
    let statements = r#"allow "a" { principal * action * resource ** unless { version_stage == "AWSPREVIOUS" } }"#;
    assert_eq!(decide(&policy(statements), CTX).0, Outcome::Deny);
}

#[test]
fn groups_contains() {
    let statements = r#"allow "a" { principal * action * resource ** when { principal.groups contains "group:ops" } }"#;
    let request = r#"{"principal": {"id": "u", "groups": ["group:dev", "group:ops"]}, "action": "x", "resource": "y"}"#;
    assert_eq!(decide(&policy(statements), request).0, Outcome::Allow);
}

#[test]
fn a_context_set_contains_exactly_its_strings() {
    // `context.scopes` sent as a JSON array is a set: `contains` holds for
    // an item sent, for nothing else (no prefix, no case folding), and
    // order and repeats change nothing.
    let statements = r#"allow "a" { principal * action * resource ** when { context.scopes contains "secrets:read" } }"#;
    let with = |scopes: &str| {
        format!(
            r#"{{"principal": "u", "action": "x", "resource": "y", "context": {{"scopes": {scopes}}}}}"#
        )
    };
    for (scopes, outcome) in [
        (r#"["secrets:read"]"#, Outcome::Allow),
        (r#"["x", "secrets:read", "secrets:read"]"#, Outcome::Allow),
        (r#"[]"#, Outcome::Deny),
        (
            r#"["secrets:rea", "SECRETS:READ", "secrets:read "]"#,
            Outcome::Deny,
        ),
    ] {
        assert_eq!(
            decide(&policy(statements), &with(scopes)).0,
            outcome,
            "{scopes}"
        );
    }
}

#[test]
fn contains_on_a_value_that_is_not_a_set_is_unknown_and_fails_closed() {
    // A string where a set is tested, or no value: the allow does not
    // apply, and a deny on the same test does (unknown never grants).
    let statements = r#"allow "a" { principal * action * resource ** }
deny "d" { principal * action * resource ** when { context.scopes contains "export" } }"#;
    for context in [r#"{"scopes": "export"}"#, r#"{"scopes": "read"}"#, "{}"] {
        let request = format!(
            r#"{{"principal": "u", "action": "x", "resource": "y", "context": {context}}}"#
        );
        let (outcome, reason, names) = decide(&policy(statements), &request);
        assert_eq!(
            (outcome, reason),
            (Outcome::Deny, Reason::ExplicitDeny),
            "{context}"
        );
        assert_eq!(names, ["d"]);
    }
    let request =
        r#"{"principal": "u", "action": "x", "resource": "y", "context": {"scopes": ["read"]}}"#;
    assert_eq!(decide(&policy(statements), request).0, Outcome::Allow);
    // `==` on a set is unknown too: the deny applies.
    let equality = r#"allow "a" { principal * action * resource ** }
deny "d" { principal * action * resource ** when { context.scopes == "read" } }"#;
    assert_eq!(decide(&policy(equality), request).0, Outcome::Deny);
}

#[test]
fn a_set_is_held_to_the_group_limits() {
    let limits = tessera::RequestLimits {
        max_groups: 2,
        max_value_bytes: 6,
        ..Default::default()
    };
    let request = |scopes: &str| {
        Request::from_json_with(
            &format!(
                r#"{{"principal": "u", "action": "x", "resource": "y", "context": {{"scopes": {scopes}}}}}"#
            ),
            &limits,
        )
    };
    assert!(request(r#"["a", "b"]"#).is_ok());
    let too_many = request(r#"["a", "b", "c"]"#).unwrap_err();
    assert_eq!(
        (too_many.kind(), too_many.field()),
        (RequestErrorKind::LimitExceeded, "context.scopes")
    );
    assert!(too_many.to_string().contains("max_groups"), "{too_many}");
    let too_long = request(r#"["a", "bbbbbbb"]"#).unwrap_err();
    assert_eq!(
        (too_long.kind(), too_long.field()),
        (RequestErrorKind::LimitExceeded, "context.scopes[1]")
    );
    assert!(!too_long.to_string().contains("bbbbbbb"), "{too_long}");
}

#[test]
fn question_marks_and_classes_read_one_character_not_one_byte() {
    // LANGUAGE.md: `?` is exactly one character. A deny written with `?` or
    // a class applies to a non-ASCII character as to an ASCII one (globset,
    // reading bytes, let `prod/é/admin` past `prod/?/admin`).
    let statements = r#"allow "all" { principal * action * resource ** }
deny "one-char-dir" { principal * action * resource prod/?/admin }
deny "class-dir" { principal * action * resource keys/[!x]/admin }
deny "one-char-user" { principal user:? action * resource ** }
deny "ticket" { principal * action * resource ** when { context.ticket ilike "chg-?" } }"#;
    let request = |principal: &str, resource: &str, ticket: &str| {
        format!(
            r#"{{"principal": "{principal}", "action": "x", "resource": "{resource}", "context": {{"ticket": "{ticket}"}}}}"#
        )
    };
    for (principal, resource, ticket, denied_by) in [
        ("u", "prod/é/admin", "none", vec!["one-char-dir"]),
        ("u", "prod/🔑/admin", "none", vec!["one-char-dir"]),
        ("u", "keys/é/admin", "none", vec!["class-dir"]),
        ("user:é", "a", "none", vec!["one-char-user"]),
        ("u", "a", "CHG-é", vec!["ticket"]),
        ("u", "prod/éé/admin", "none", vec![]),
        ("u", "a", "chg-éé", vec![]),
    ] {
        let (outcome, _, names) =
            decide(&policy(statements), &request(principal, resource, ticket));
        if denied_by.is_empty() {
            assert_eq!(outcome, Outcome::Allow, "{principal} {resource} {ticket}");
        } else {
            assert_eq!(
                (outcome, names),
                (
                    Outcome::Deny,
                    denied_by.iter().map(|s| s.to_string()).collect()
                ),
                "{principal} {resource} {ticket}"
            );
        }
    }
}

#[test]
fn resource_tag_condition() {
    let statements =
        r#"allow "a" { principal * action * resource ** when { resource.tags.env == "prod" } }"#;
    let request =
        r#"{"principal": "u", "action": "x", "resource": {"path": "y", "tags": {"env": "prod"}}}"#;
    assert_eq!(decide(&policy(statements), request).0, Outcome::Allow);
}

#[test]
fn statement_order_does_not_matter() {
    let a = r#"allow "all" { principal * action * resource ** }"#;
    let b = r#"deny "prod" { principal * action * resource prod/** }"#;
    let forward = decide(&policy(&format!("{a}\n{b}")), READ);
    let backward = decide(&policy(&format!("{b}\n{a}")), READ);
    assert_eq!(forward, backward);
}

#[test]
fn clock_is_used_when_request_has_no_time() {
    let engine = Engine::compile_str(
        "t.policy",
        r#"policy "p" { allow "a" { principal * action * resource ** when { time < 2026-06-01T00:00:00Z } } }"#,
    )
    .unwrap();
    let request = Request::new("u", "x", "y");
    let before = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let after = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
    assert!(engine.decide_at(&request, before).is_allowed());
    assert!(!engine.decide_at(&request, after).is_allowed());
}

#[test]
fn explanation_names_failed_matcher_and_condition_with_values() {
    let engine = Engine::compile_str(
        "e.policy",
        r#"policy "p" {
  allow "office" { principal * action secrets:GetSecretValue resource prod/** when { source_ip in 10.0.0.0/8 } }
  allow "ops" { principal group:ops action secrets:GetSecretValue resource prod/** }
  allow "far" { principal user:bob action secrets:Put* resource dev/** }
}"#,
    )
    .unwrap();
    let request = Request::from_json(
        r#"{"principal": "user:ann", "action": "secrets:GetSecretValue", "resource": "prod/db",
            "context": {"source_ip": "192.168.1.4", "time": "2026-11-25T10:00:00Z"}}"#,
    )
    .unwrap();
    let explanation = engine.explain(&request);
    assert_eq!(explanation.decision, engine.decide(&request));
    let names: Vec<&str> = explanation
        .statements
        .iter()
        .map(|s| s.statement.statement)
        .collect();
    assert_eq!(
        names,
        ["office", "ops"],
        "`far` matches nothing and is not a near miss"
    );
    let office = &explanation.statements[0].failures;
    assert_eq!(office.len(), 1);
    assert_eq!(office[0].expected, "source_ip in 10.0.0.0/8");
    assert_eq!(office[0].actual.as_deref(), Some("192.168.1.4"));
    let ops = &explanation.statements[1].failures;
    assert_eq!(ops[0].part, tessera::decision::Part::Principal);
    assert_eq!(ops[0].actual.as_deref(), Some("user:ann"));
}

// Malformed requests are errors naming the field, never a silent deny.
macro_rules! bad_request {
    ($name:ident, $json:expr, $kind:ident, $field:expr) => {
        #[test]
        fn $name() {
            let error = Request::from_json($json).unwrap_err();
            assert_eq!(
                (error.kind(), error.field()),
                (RequestErrorKind::$kind, $field),
                "{error}"
            );
        }
    };
}
bad_request!(request_not_json, "{", Syntax, "");
bad_request!(request_not_object, "[]", WrongType, "");
bad_request!(
    request_missing_action,
    r#"{"principal": "u", "resource": "y"}"#,
    MissingField,
    "action"
);
bad_request!(
    request_missing_principal_id,
    r#"{"principal": {}, "action": "x", "resource": "y"}"#,
    MissingField,
    "principal.id"
);
bad_request!(
    request_bad_ip,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"source_ip": "10.0.0.300"}}"#,
    InvalidValue,
    "context.source_ip"
);
bad_request!(
    request_bad_time,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"time": "yesterday"}}"#,
    InvalidValue,
    "context.time"
);
bad_request!(
    request_mfa_not_bool,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"mfa": "yes"}}"#,
    WrongType,
    "context.mfa"
);
bad_request!(
    request_negative_mfa_age,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"mfa_age_seconds": -1}}"#,
    WrongType,
    "context.mfa_age_seconds"
);
bad_request!(
    request_groups_not_strings,
    r#"{"principal": {"id": "u", "groups": [1]}, "action": "x", "resource": "y"}"#,
    WrongType,
    "principal.groups[0]"
);
bad_request!(
    request_tag_not_string,
    r#"{"principal": "u", "action": "x", "resource": {"path": "y", "tags": {"env": 1}}}"#,
    WrongType,
    "resource.tags.env"
);
bad_request!(
    request_dot_dot_path,
    r#"{"principal": "u", "action": "x", "resource": "prod/../dev/x"}"#,
    InvalidValue,
    "resource"
);
bad_request!(
    request_unknown_field,
    r#"{"principal": "u", "action": "x", "resource": "y", "actoin": "z"}"#,
    UnknownField,
    "actoin"
);
bad_request!(
    request_object_attribute_with_a_null_member,
    r#"{"principal": "u", "action": "x", "resource": "y", "context": {"ticket": {"id": null}}}"#,
    WrongType,
    "context.ticket.id"
);

#[test]
fn request_error_never_echoes_custom_attribute_values() {
    let secret = "sk_live_do_not_print_me";
    let json = format!(
        r#"{{"principal": "u", "action": "x", "resource": "y", "context": {{"token": ["{secret}", {{"k": "{secret}"}}]}}}}"#
    );
    let error = Request::from_json(&json).unwrap_err();
    assert_eq!(error.field(), "context.token[1]");
    assert!(!error.to_string().contains(secret));
}

#[test]
fn quoted_attribute_names_read_the_keys_as_sent() {
    let statements = r#"allow "a" { principal * action * resource ** when {
        context."aws:SourceVpce" == "vpce-1"
        principal.tags."cost center" == "cc-1"
        resource.tags."aws:cloudformation:stack-name" like "prod-*"
    } }"#;
    let request = |vpce: &str| {
        format!(
            r#"{{"principal": {{"id": "u", "tags": {{"cost center": "cc-1"}}}}, "action": "x",
               "resource": {{"path": "y", "tags": {{"aws:cloudformation:stack-name": "prod-7"}}}},
               "context": {{{vpce}}}}}"#
        )
    };
    assert_eq!(
        decide(
            &policy(statements),
            &request(r#""aws:SourceVpce": "vpce-1""#)
        )
        .0,
        Outcome::Allow
    );
    assert_eq!(
        decide(
            &policy(statements),
            &request(r#""aws:SourceVpce": "vpce-2""#)
        )
        .0,
        Outcome::Deny
    );
    // Names compare exactly: another case is another attribute.
    assert_eq!(
        decide(
            &policy(statements),
            &request(r#""aws:sourcevpce": "vpce-1""#)
        )
        .0,
        Outcome::Deny
    );
}

#[test]
fn a_missing_quoted_attribute_fails_closed_for_a_deny() {
    let statements = r#"deny "d" { principal * action * resource ** unless { context."aws:SourceVpce" == "vpce-1" } }
        allow "a" { principal * action * resource ** }"#;
    let request = r#"{"principal": "u", "action": "x", "resource": "y"}"#;
    let (outcome, _, names) = decide(&policy(statements), request);
    assert_eq!((outcome, names), (Outcome::Deny, vec!["d".to_string()]));
}

// Two request values compared.
const PAIR: &str = r#"{"principal": {"id": "user:ann", "tags": {"team": "db"}}, "action": "x",
    "resource": {"path": "y", "tags": {"owner": "db", "env": "prod"}}, "context": {
    "source_ip": "10.1.2.3", "mfa_age_seconds": 600, "time": "2026-11-25T10:00:00Z",
    "n": 3, "m": 4, "s": "db", "flag": true, "addr": "10.1.2.3", "issued": "2026-11-25T11:00:00Z",
    "late": "2026-11-25T09:00:00+00:00", "bad_time": "tomorrow", "limit": 900, "user": "user:ann"}}"#;
macro_rules! pair_holds {
    ($name:ident, $cond:expr, $holds:expr) => {
        #[test]
        fn $name() {
            let statement = format!(
                r#"allow "a" {{ principal * action * resource ** when {{ {} }} }}"#,
                $cond
            );
            let (outcome, _, _) = decide(&policy(&statement), PAIR);
            assert_eq!(outcome == Outcome::Allow, $holds, "condition `{}`", $cond);
        }
    };
}
pair_holds!(
    two_tags_equal,
    "resource.tags.owner == principal.tags.team",
    true
);
pair_holds!(
    two_tags_differ,
    "resource.tags.env == principal.tags.team",
    false
);
pair_holds!(
    two_tags_not_equal,
    "resource.tags.env != principal.tags.team",
    true
);
pair_holds!(
    custom_string_equals_a_tag,
    "context.s == principal.tags.team",
    true
);
pair_holds!(
    custom_equals_principal_id,
    "context.user == principal.id",
    true
);
pair_holds!(
    custom_numbers_ordered,
    "context.n < context.m and not (context.m <= context.n)",
    true
);
pair_holds!(
    custom_numbers_equal,
    "context.n == context.n and context.n != context.m",
    true
);
pair_holds!(
    custom_string_equals_custom_string,
    "context.s == context.user",
    false
);
pair_holds!(
    custom_address_equals_source_ip,
    "context.addr == source_ip",
    true
);
pair_holds!(
    time_before_a_custom_timestamp,
    "time < context.issued",
    true
);
pair_holds!(
    time_after_a_custom_timestamp_with_offset,
    "time > context.late",
    true
);
pair_holds!(
    mfa_age_within_a_custom_limit,
    "mfa_age <= context.limit",
    true
);
pair_holds!(
    custom_bool_equals_custom_bool,
    "context.flag == context.flag",
    true
);
// Unknown: a missing side, another JSON type, a string that is no
// timestamp, strings ordered. `not` of unknown is unknown too.
pair_holds!(
    missing_side_is_unknown,
    "not (context.nothing == principal.tags.team)",
    false
);
pair_holds!(
    missing_side_is_unknown_under_ne,
    "context.nothing != principal.tags.team",
    false
);
pair_holds!(
    missing_tag_is_unknown,
    "not (resource.tags.team == principal.tags.team)",
    false
);
pair_holds!(
    two_json_types_are_unknown,
    "not (context.n == context.s)",
    false
);
pair_holds!(
    two_json_types_are_unknown_under_ne,
    "context.n != context.s",
    false
);
pair_holds!(
    number_where_a_string_is_compared,
    "not (context.n == principal.tags.team)",
    false
);
pair_holds!(
    unreadable_timestamp_is_unknown,
    "not (time < context.bad_time)",
    false
);
pair_holds!(
    two_custom_strings_are_not_ordered,
    "not (context.s < context.user)",
    false
);
pair_holds!(
    custom_bools_are_not_ordered,
    "not (context.flag < context.flag)",
    false
);
pair_holds!(
    a_string_is_not_a_duration,
    "not (mfa_age <= context.s)",
    false
);

#[test]
fn two_keys_compared_fail_closed_for_a_deny() {
    // A deny unless the resource's owner is the caller's team: a request
    // without either tag, or with a number for a custom side, is denied by it.
    let statements = r#"deny "owner-only" { principal * action * resource ** unless { resource.tags.owner == principal.tags.team } }
        deny "not-after-expiry" { principal * action * resource ** unless { time < context.expires } }
        allow "a" { principal * action * resource ** }"#;
    let with = |principal_tags: &str, resource_tags: &str, expires: &str| {
        format!(
            r#"{{"principal": {{"id": "u", "tags": {principal_tags}}}, "action": "x",
                "resource": {{"path": "y", "tags": {resource_tags}}},
                "context": {{"expires": {expires}}}}}"#
        )
    };
    let good = r#""2027-01-01T00:00:00Z""#;
    for (request, expected) in [
        (
            with(r#"{"team": "db"}"#, r#"{"owner": "db"}"#, good),
            vec![],
        ),
        (
            with(r#"{"team": "db"}"#, r#"{"owner": "web"}"#, good),
            vec!["owner-only"],
        ),
        (
            with(r#"{}"#, r#"{"owner": "db"}"#, good),
            vec!["owner-only"],
        ),
        (with(r#"{"team": "db"}"#, r#"{}"#, good), vec!["owner-only"]),
        (
            with(
                r#"{"team": "db"}"#,
                r#"{"owner": "db"}"#,
                r#""2026-01-01T00:00:00Z""#,
            ),
            vec!["not-after-expiry"],
        ),
        (
            with(r#"{"team": "db"}"#, r#"{"owner": "db"}"#, r#""never""#),
            vec!["not-after-expiry"],
        ),
        (
            with(r#"{"team": "db"}"#, r#"{"owner": "db"}"#, "1893456000"),
            vec!["not-after-expiry"],
        ),
        (
            with(r#"{"team": "db"}"#, r#"{"owner": "db"}"#, "null"),
            vec!["not-after-expiry"],
        ),
    ] {
        let (outcome, _, names) = decide(&policy(statements), &request);
        if expected.is_empty() {
            assert_eq!(outcome, Outcome::Allow, "{request}");
        } else {
            assert_eq!(
                (outcome, names),
                (
                    Outcome::Deny,
                    expected.iter().map(|s| s.to_string()).collect()
                ),
                "{request}"
            );
        }
    }
}

// Custom timestamps and durations, typed by their literal.
const CLOCKS: &str = r#"{"principal": "u", "action": "x", "resource": "y", "context": {
    "time": "2026-11-25T10:00:00Z", "expires": "2026-12-01T00:00:00+01:00", "age": 600,
    "bad_time": "next week", "number_time": 1764547200, "text_age": "600", "half_age": 1.5,
    "negative_age": -5}}"#;
macro_rules! clock_holds {
    ($name:ident, $cond:expr, $holds:expr) => {
        #[test]
        fn $name() {
            let statement = format!(
                r#"allow "a" {{ principal * action * resource ** when {{ {} }} }}"#,
                $cond
            );
            let (outcome, _, _) = decide(&policy(&statement), CLOCKS);
            assert_eq!(outcome == Outcome::Allow, $holds, "condition `{}`", $cond);
        }
    };
}
clock_holds!(
    custom_timestamp_ordered,
    "context.expires > 2026-11-30T22:59:59Z",
    true
);
clock_holds!(
    custom_timestamp_as_an_instant,
    "context.expires <= 2026-11-30T23:00:00Z",
    true
);
clock_holds!(
    custom_timestamp_in_a_range,
    "context.expires in 2026-11-30T23:00:00Z .. 2026-12-01T00:00:00Z",
    true
);
clock_holds!(
    custom_duration_ordered,
    "context.age <= 10m and context.age > 9m59s",
    true
);
clock_holds!(
    custom_duration_equal,
    "context.age == 10m and context.age != 5m",
    true
);
clock_holds!(custom_duration_in_a_range, "context.age in 0s .. 15m", true);
// Unknown, so neither the test nor its negation holds: another string, a
// number where a timestamp is read, a string or fraction or negative number
// where a duration is, a missing value.
clock_holds!(
    unreadable_custom_timestamp,
    "context.bad_time < 2030-01-01T00:00:00Z or not (context.bad_time < 2030-01-01T00:00:00Z)",
    false
);
clock_holds!(
    number_is_not_a_timestamp,
    "context.number_time < 2030-01-01T00:00:00Z or not (context.number_time < 2030-01-01T00:00:00Z)",
    false
);
clock_holds!(
    text_is_not_a_duration,
    "context.text_age < 1h or not (context.text_age < 1h)",
    false
);
clock_holds!(
    fraction_is_not_a_duration,
    "context.half_age < 1h or not (context.half_age < 1h)",
    false
);
clock_holds!(
    negative_is_not_a_duration,
    "context.negative_age < 1h or not (context.negative_age < 1h)",
    false
);
clock_holds!(
    missing_custom_timestamp,
    "context.nothing < 2030-01-01T00:00:00Z or not (context.nothing < 2030-01-01T00:00:00Z)",
    false
);

#[test]
fn an_unreadable_custom_timestamp_fails_closed_for_a_deny() {
    let statements = r#"deny "expired" { principal * action * resource ** unless { context.expires > 2026-11-25T00:00:00Z } }
        allow "a" { principal * action * resource ** }"#;
    let with = |expires: &str| {
        format!(
            r#"{{"principal": "u", "action": "x", "resource": "y", "context": {{"expires": {expires}}}}}"#
        )
    };
    assert_eq!(
        decide(&policy(statements), &with(r#""2027-01-01T00:00:00Z""#)).0,
        Outcome::Allow
    );
    for bad in [
        r#""2020-01-01T00:00:00Z""#,
        r#""soon""#,
        "1893456000",
        "true",
        "null",
    ] {
        let (outcome, _, names) = decide(&policy(statements), &with(bad));
        assert_eq!(
            (outcome, names),
            (Outcome::Deny, vec!["expired".to_string()]),
            "{bad}"
        );
    }
}
