//! `any` / `all` over sets, `like` with a list of patterns and nested custom
//! attributes: the three-valued truth of each condition, decided by the
//! compiled engine and by the reference interpreter, which must agree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use tessera::{Engine, Outcome, Request, RequestErrorKind, RequestLimits, reference};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}
use Truth::*;

/// Whether `allow "a" { ... when { condition } }` allows `request`, by the
/// engine and by the reference interpreter (which must agree).
fn allows(condition: &str, request: &Request) -> bool {
    let policy = format!(
        "policy \"p\" {{ allow \"a\" {{ principal * action * resource ** when {{ {condition} }} }} }}"
    );
    let engine = Engine::compile_str("q.policy", &policy).unwrap_or_else(|e| panic!("{e}"));
    let engine_allows = engine.decide(request).outcome == Outcome::Allow;
    let files = tessera::policy_lang::parse_set(&[("q.policy", &policy)]).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
    let reference_allows = reference::decide(&files, request, now).outcome == Outcome::Allow;
    assert_eq!(
        engine_allows, reference_allows,
        "engine and reference disagree on `{condition}`"
    );
    engine_allows
}

/// The three-valued truth of `condition` for `request`: true when it allows,
/// false when its negation allows, unknown when neither does.
fn truth(condition: &str, request: &Request) -> Truth {
    let holds = allows(condition, request);
    let fails = allows(&format!("not ({condition})"), request);
    match (holds, fails) {
        (true, false) => True,
        (false, true) => False,
        (false, false) => Unknown,
        (true, true) => panic!("`{condition}` and its negation both hold"),
    }
}

/// A request whose context is `context` (JSON).
fn with_context(context: &str) -> Request {
    let text = format!(
        r#"{{"principal": {{"id": "u", "groups": ["g:ops-1", "g:dev"]}}, "action": "a", "resource": "prod/x", "context": {context}}}"#
    );
    Request::from_json(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `name: condition, context => truth;` lines, each a named test.
macro_rules! truths {
    ($($name:ident: $condition:expr, $context:expr => $want:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_eq!(truth($condition, &with_context($context)), $want);
            }
        )*
    };
}

truths! {
    // `any`: true when some item's comparison is true.
    any_array_some_item_matches: r#"any context.s == "b""#, r#"{"s": ["a", "b"]}"# => True;
    any_array_no_item_matches: r#"any context.s == "c""#, r#"{"s": ["a", "b"]}"# => False;
    any_empty_array_is_false: r#"any context.s == "c""#, r#"{"s": []}"# => False;
    any_missing_is_unknown: r#"any context.s == "c""#, r#"{}"# => Unknown;
    any_null_is_unknown: r#"any context.s == "c""#, r#"{"s": null}"# => Unknown;
    any_scalar_is_unknown: r#"any context.s == "a""#, r#"{"s": "a"}"# => Unknown;
    any_number_scalar_is_unknown: "any context.s == 1", r#"{"s": 1}"# => Unknown;
    any_mixed_items_true_wins: r#"any context.s == "a""#, r#"{"s": [1, "a"]}"# => True;
    any_mixed_items_otherwise_unknown: r#"any context.s == "b""#, r#"{"s": [1, "a"]}"# => Unknown;
    any_numbers_ordered: "any context.n > 3", r#"{"n": [1, 2, 5]}"# => True;
    any_numbers_none_greater: "any context.n > 9", r#"{"n": [1, 2, 5]}"# => False;
    any_booleans: "any context.b == true", r#"{"b": [false, true]}"# => True;
    any_ip_in_cidr: "any context.ips in 10.0.0.0/8", r#"{"ips": ["192.0.2.1", "10.1.2.3"]}"# => True;
    any_ip_not_an_address_is_unknown: "any context.ips in 10.0.0.0/8", r#"{"ips": ["nowhere"]}"# => Unknown;
    any_timestamp: "any context.t < 2026-01-01T00:00:00Z", r#"{"t": ["2027-01-01T00:00:00Z", "2025-06-01T00:00:00Z"]}"# => True;
    any_duration: "any context.d <= 1h", r#"{"d": [7200, 60]}"# => True;
    any_range: "any context.n in 1 .. 5", r#"{"n": [0, 5, 7]}"# => False;
    // `all`: false when some item's comparison is false.
    all_every_item_matches: r#"all context.s in ["a", "b"]"#, r#"{"s": ["a", "b", "a"]}"# => True;
    all_one_item_fails: r#"all context.s in ["a", "b"]"#, r#"{"s": ["a", "c"]}"# => False;
    all_empty_array_is_true: r#"all context.s in ["a"]"#, r#"{"s": []}"# => True;
    all_missing_is_unknown: r#"all context.s in ["a"]"#, r#"{}"# => Unknown;
    all_scalar_is_unknown: r#"all context.s in ["a"]"#, r#"{"s": "a"}"# => Unknown;
    all_mixed_false_wins: r#"all context.s == "a""#, r#"{"s": [1, "b"]}"# => False;
    all_mixed_otherwise_unknown: r#"all context.s == "a""#, r#"{"s": [1, "a"]}"# => Unknown;
    all_ne_is_per_item: r#"all context.s != "admin""#, r#"{"s": ["read", "write"]}"# => True;
    all_ne_fails_on_the_item: r#"all context.s != "admin""#, r#"{"s": ["read", "admin"]}"# => False;
    all_not_in_is_per_item: r#"all context.s not in ["admin"]"#, r#"{"s": ["read"]}"# => True;
    all_ne_on_another_type_is_unknown: r#"all context.s != "admin""#, r#"{"s": [true]}"# => Unknown;
    // An object: its member names, as strings.
    all_object_names_in: r#"all context.parameters in ["ttl", "policies"]"#, r#"{"parameters": {"ttl": "1h", "policies": ["a"]}}"# => True;
    all_object_names_one_outside: r#"all context.parameters in ["ttl"]"#, r#"{"parameters": {"ttl": "1h", "policies": ["a"]}}"# => False;
    all_empty_object_is_true: r#"all context.parameters in ["ttl"]"#, r#"{"parameters": {}}"# => True;
    any_object_name_like: r#"any context.parameters like "max_*""#, r#"{"parameters": {"max_ttl": 3}}"# => True;
    any_empty_object_is_false: r#"any context.parameters == "ttl""#, r#"{"parameters": {}}"# => False;
    // `principal.groups`: strings.
    any_group_like: r#"any principal.groups like "g:ops-*""#, "{}" => True;
    all_groups_like: r#"all principal.groups like "g:ops-*""#, "{}" => False;
    all_groups_like_list: r#"all principal.groups like ["g:ops-*", "g:dev"]"#, "{}" => True;
    // `like` lists.
    like_list_any_pattern: r#"resource.path like ["dev/*", "prod/*"]"#, "{}" => True;
    like_list_no_pattern: r#"resource.path like ["dev/*", "staging/*"]"#, "{}" => False;
    ilike_list: r#"resource.path ilike ["PROD/*"]"#, "{}" => True;
    like_list_on_a_number_is_unknown: r#"context.n like ["1*"]"#, r#"{"n": 1}"# => Unknown;
    // Nested attributes.
    nested_member: "context.parameters.ttl <= 3600", r#"{"parameters": {"ttl": 60}}"# => True;
    nested_member_quoted: r#"context.parameters."max-ttl" == "1h""#, r#"{"parameters": {"max-ttl": "1h"}}"# => True;
    nested_member_missing: "context.parameters.ttl <= 3600", r#"{"parameters": {}}"# => Unknown;
    nested_through_a_scalar: "context.parameters.ttl <= 3600", r#"{"parameters": 3}"# => Unknown;
    nested_through_an_array: "context.parameters.ttl <= 3600", r#"{"parameters": [1]}"# => Unknown;
    nested_has: "has context.a.b.c", r#"{"a": {"b": {"c": false}}}"# => True;
    nested_has_missing: "has context.a.b.c", r#"{"a": {"b": 1}}"# => False;
    nested_alone: "context.flags.break_glass", r#"{"flags": {"break_glass": true}}"# => True;
    nested_keys: "context.a.x == context.b.y", r#"{"a": {"x": 2}, "b": {"y": 2}}"# => True;
    nested_quantified: r#"all context.parameters.policies in ["default"]"#, r#"{"parameters": {"policies": ["default"]}}"# => True;
    nested_object_itself_is_no_scalar: r#"context.parameters == "x""#, r#"{"parameters": {"x": 1}}"# => Unknown;
    // IAM's missing-key rules, written out.
    iam_for_any_value_on_missing: r#"has context.s and any context.s == "a""#, "{}" => False;
    iam_for_all_values_on_missing: r#"not has context.s or all context.s == "a""#, "{}" => True;
}

#[test]
fn a_long_array_and_a_wide_object_are_decided() {
    let limits = RequestLimits {
        max_groups: 200_000,
        max_attributes: 200_000,
        max_attribute_values: 1_000_000,
        ..RequestLimits::default()
    };
    let items: Vec<String> = (0..100_000).map(|i| format!("\"s{i}\"")).collect();
    let members: Vec<String> = (0..100_000).map(|i| format!("\"m{i}\": {i}")).collect();
    let text = format!(
        r#"{{"principal": "u", "action": "a", "resource": "r", "context": {{"s": [{}], "o": {{{}}}}}}}"#,
        items.join(","),
        members.join(",")
    );
    let request = Request::from_json_with(&text, &limits).unwrap();
    assert_eq!(truth(r#"any context.s == "s99999""#, &request), True);
    assert_eq!(truth(r#"any context.o == "m100000""#, &request), False);
    // The engine alone: the reference builds a glob for each item.
    let engine_allows = |condition: &str| {
        let policy = format!(
            "policy \"p\" {{ allow \"a\" {{ principal * action * resource ** when {{ {condition} }} }} }}"
        );
        let engine = Engine::compile_str("q.policy", &policy).unwrap();
        engine.decide(&request).outcome == Outcome::Allow
    };
    assert!(engine_allows(r#"all context.s like "s*""#));
    assert!(engine_allows(r#"all context.o like "m*""#));
    assert!(!engine_allows(r#"all context.o like "m1*""#));
    // Over the default limits, the same request is refused, not truncated.
    let error = Request::from_json(&text).unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::LimitExceeded);
}

#[test]
fn objects_nested_past_the_depth_limit_are_refused() {
    let deep = |levels: usize| {
        format!(
            r#"{{"principal": "u", "action": "a", "resource": "r", "context": {{"a": {}1{}}}}}"#,
            "{\"b\": ".repeat(levels),
            "}".repeat(levels)
        )
    };
    assert!(Request::from_json(&deep(8)).is_ok());
    let error = Request::from_json(&deep(9)).unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::LimitExceeded);
    assert!(error.to_string().contains("max_attribute_depth"), "{error}");
    // Far past the JSON reader's own limit: an error, not a crash.
    assert!(Request::from_json(&deep(10_000)).is_err());
}

#[test]
fn a_null_member_and_a_nested_array_are_refused() {
    let request = |context: &str| {
        Request::from_json(&format!(
            r#"{{"principal": "u", "action": "a", "resource": "r", "context": {context}}}"#
        ))
    };
    let error = request(r#"{"p": {"ttl": null}}"#).unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::WrongType);
    assert_eq!(error.field(), "context.p.ttl");
    let error = request(r#"{"s": [1, [2]]}"#).unwrap_err();
    assert_eq!(error.field(), "context.s[1]");
    assert!(request(r#"{"s": [1, "a", true], "o": {"a": {"b": [1]}}}"#).is_ok());
}

#[test]
fn a_deny_on_a_quantifier_applies_when_it_is_unknown() {
    let policy = r#"policy "p" {
      allow "all" { principal * action * resource ** }
      deny "no-admin" { principal * action * resource ** when { any context.scopes == "admin" } }
    }"#;
    let engine = Engine::compile_str("p.policy", policy).unwrap();
    for (context, outcome) in [
        (r#"{"scopes": ["read"]}"#, Outcome::Allow),
        (r#"{"scopes": ["read", "admin"]}"#, Outcome::Deny),
        // Unknown: a scope that is not a string.
        (r#"{"scopes": ["read", 1]}"#, Outcome::Deny),
        (r#"{"scopes": "admin"}"#, Outcome::Deny),
        (r#"{}"#, Outcome::Deny),
    ] {
        assert_eq!(
            engine.decide(&with_context(context)).outcome,
            outcome,
            "{context}"
        );
    }
}

#[test]
fn explanations_print_the_condition_as_written() {
    let policy = r#"policy "p" { allow "a" { principal * action * resource ** when {
        all   context.parameters in ["ttl"]
    } } }"#;
    let engine = Engine::compile_str("p.policy", policy).unwrap();
    let request = with_context(r#"{"parameters": {"ttl": 1, "policies": 2}}"#);
    let explanation = format!("{:?}", engine.explain(&request));
    assert!(
        explanation.contains(r#"all   context.parameters in [\"ttl\"]"#),
        "{explanation}"
    );
}
