//! Requests crafted to be read one way by a front end and another by
//! Tessera, or to cost much: each is refused with an error naming the field,
//! never decided, and nothing panics. Every host parses requests with
//! `Request::from_json`, so these rules hold for the CLI, `policy serve`,
//! the C library and the Wasm modules alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tessera::{Engine, Outcome, Reason, Request, RequestErrorKind, RequestLimits};

/// A request text with the given resource value and context inside.
fn text_of(resource: &str, context: &str) -> String {
    format!(
        r#"{{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": {resource}, "context": {{{context}}}}}"#
    )
}

/// `text` as a JSON string.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn refused(text: &str) -> tessera::RequestError {
    match Request::from_json(text) {
        Ok(request) => panic!("accepted {text:?} as {request:?}"),
        Err(error) => error,
    }
}

// ---------------------------------------------------------------------------
// Repeated keys.

#[test]
fn a_repeated_key_is_refused_at_every_level() {
    let cases = [
        (
            r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "action": "secrets:DeleteSecret", "resource": "r"}"#,
            "action",
        ),
        (
            r#"{"principal": {"id": "user:a", "id": "user:admin"}, "action": "a", "resource": "r"}"#,
            "principal.id",
        ),
        (
            r#"{"principal": {"id": "u", "groups": [], "groups": ["group:admins"]}, "action": "a", "resource": "r"}"#,
            "principal.groups",
        ),
        (
            r#"{"principal": {"id": "u", "tags": {"team": "a", "team": "b"}}, "action": "a", "resource": "r"}"#,
            "principal.tags.team",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": {"path": "dev/x", "path": "prod/x"}}"#,
            "resource.path",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": {"path": "p", "tags": {"env": "dev", "env": "prod"}}}"#,
            "resource.tags.env",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "r", "context": {"source_ip": "10.0.0.1", "source_ip": "192.0.2.1"}}"#,
            "context.source_ip",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "r", "context": {"mfa": false, "mfa": true}}"#,
            "context.mfa",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "r", "context": {"ticket": "CHG-1", "ticket": null}}"#,
            "context.ticket",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "r", "context": {}, "context": {"mfa": true}}"#,
            "context",
        ),
    ];
    for (text, field) in cases {
        let error = refused(text);
        assert_eq!(
            (error.kind(), error.field()),
            (RequestErrorKind::DuplicateKey, field),
            "{text}: {error}"
        );
        let key = field.rsplit('.').next().unwrap();
        assert!(
            error.message().contains(&format!("duplicate key `{key}`")),
            "{error}"
        );
    }
}

#[test]
fn a_repeated_key_is_an_error_answer_in_the_json_layer() {
    let engine = Engine::compile_str(
        "p.policy",
        r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#,
    )
    .unwrap();
    let answer = tessera::json::evaluate(
        &engine,
        r#"{"principal": "u", "action": "secrets:GetSecretValue", "resource": "app/x", "resource": "app/y"}"#,
        false,
    );
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["error"]["code"], "duplicate_key");
    assert_eq!(answer["error"]["field"], "resource");
}

#[test]
fn a_repeated_secret_looking_value_is_not_echoed() {
    let secret = "sk_live_do_not_print_me";
    let text = text_of(
        r#""r""#,
        &format!(r#""token": "{secret}", "token": "{secret}2""#),
    );
    let error = refused(&text);
    assert_eq!(error.kind(), RequestErrorKind::DuplicateKey);
    assert!(!error.to_string().contains(secret), "{error}");
}

// ---------------------------------------------------------------------------
// Byte-order mark.

#[test]
fn a_byte_order_mark_is_refused() {
    let text = format!("\u{feff}{}", text_of(r#""r""#, ""));
    let error = refused(&text);
    assert_eq!(error.kind(), RequestErrorKind::Syntax);
    assert_eq!(
        error.to_string(),
        "the request starts with a byte-order mark (U+FEFF); send the JSON text without one"
    );
}

// ---------------------------------------------------------------------------
// Numbers.

#[test]
fn a_huge_number_is_out_of_range_naming_its_field() {
    let huge = "9".repeat(400);
    for (context, field) in [
        (
            format!(r#""mfa_age_seconds": {huge}"#),
            "context.mfa_age_seconds",
        ),
        (format!(r#""risk": {huge}"#), "context.risk"),
        (format!(r#""risk": -{huge}"#), "context.risk"),
        (format!(r#""risk": 1e{huge}"#), "context.risk"),
    ] {
        let error = refused(&text_of(r#""r""#, &context));
        assert_eq!(
            (error.kind(), error.field()),
            (RequestErrorKind::InvalidValue, field),
            "{error}"
        );
        assert!(
            error.message().starts_with("number out of range"),
            "{error}"
        );
        assert!(!error.to_string().contains("999999"), "{error}");
    }
    let error = refused(&text_of(
        r#""r""#,
        r#""mfa_age_seconds": 9223372036854775808"#,
    ));
    assert_eq!(
        error.to_string(),
        "context.mfa_age_seconds: number out of range: at most 9223372036854775807 seconds"
    );
}

// ---------------------------------------------------------------------------
// Resource paths.

#[test]
fn a_path_that_is_not_normalized_is_refused() {
    for path in [
        "prod/../dev/x",
        "dev/./x",
        "./dev/x",
        "dev/x/..",
        "dev//x",
        "/dev/x",
        "dev/x/",
        "/",
        "//",
    ] {
        for (resource, field) in [
            (quoted(path), "resource"),
            (format!(r#"{{"path": {}}}"#, quoted(path)), "resource.path"),
        ] {
            let error = refused(&text_of(&resource, ""));
            assert_eq!(
                (error.kind(), error.field()),
                (RequestErrorKind::InvalidValue, field),
                "{path}"
            );
            assert!(
                error.message().starts_with("not normalized: "),
                "{path}: {error}"
            );
        }
    }
    let error = refused(&text_of(r#""prod/../dev/x""#, ""));
    assert_eq!(
        error.to_string(),
        "resource: not normalized: segment 2 is `..`; send the path exactly as the secrets \
         manager stores it (Tessera resolves no `.`, `..` or empty segments)"
    );
}

#[test]
fn control_characters_in_a_path_are_refused() {
    for (escaped, code) in [
        (r"\u0000", "U+0000"),
        (r"\n", "U+000A"),
        (r"\r", "U+000D"),
        (r"\t", "U+0009"),
        (r"\u001b", "U+001B"),
        (r"\u007f", "U+007F"),
    ] {
        let error = refused(&text_of(&format!(r#""dev/x{escaped}y""#), ""));
        assert_eq!(error.field(), "resource");
        assert!(error.message().contains(code), "{error}");
        assert!(error.message().contains("at byte 5"), "{error}");
    }
}

#[test]
fn a_path_is_matched_byte_for_byte() {
    let engine = Engine::compile_str(
        "p.policy",
        r#"policy "p" {
            allow "dev" { principal * action * resource dev/** }
            deny "prod" { principal * action * resource prod/** }
        }"#,
    )
    .unwrap();
    let decide = |path: &str| {
        let request = Request::from_json(&text_of(&quoted(path), "")).unwrap();
        engine.decide(&request).outcome
    };
    assert_eq!(decide("dev/x"), Outcome::Allow);
    // Percent-escapes and look-alikes are not decoded: these are other
    // paths, which the policies above do not allow.
    assert_eq!(decide("dev%2fx"), Outcome::Deny);
    assert_eq!(decide("prod/%2e%2e/dev/x"), Outcome::Deny);
    assert_eq!(decide("prod/\u{2024}\u{2024}/dev/x"), Outcome::Deny);
    assert_eq!(decide("de\u{0301}v/x"), Outcome::Deny);
    // `prod/../dev/x` is neither allowed as dev/x nor denied as prod/...:
    // it is an error.
    assert!(Request::from_json(&text_of(r#""prod/../dev/x""#, "")).is_err());
}

// ---------------------------------------------------------------------------
// Source addresses.

const OFFICE_ONLY: &str = r#"policy "p" {
    allow "read" { principal * action * resource app/** }
    deny "office-only" {
        principal * action * resource app/**
        unless { source_ip in [10.0.0.0/8] }
    }
}"#;

#[test]
fn an_ipv4_mapped_address_is_matched_as_ipv4() {
    let engine = Engine::compile_str("p.policy", OFFICE_ONLY).unwrap();
    let decide = |ip: &str| {
        let text = text_of(r#""app/db""#, &format!(r#""source_ip": "{ip}""#));
        let request = Request::from_json(&text).unwrap();
        engine.decide(&request)
    };
    // Outside the office, written either way: denied.
    assert_eq!(decide("192.0.2.1").reason, Reason::ExplicitDeny);
    assert_eq!(decide("::ffff:192.0.2.1").reason, Reason::ExplicitDeny);
    assert_eq!(decide("::FFFF:c000:201").reason, Reason::ExplicitDeny);
    // Inside, written either way: allowed.
    assert_eq!(decide("10.0.0.1").outcome, Outcome::Allow);
    assert_eq!(decide("::ffff:10.0.0.1").outcome, Outcome::Allow);
    assert_eq!(decide("::ffff:a00:1").outcome, Outcome::Allow);
    let request =
        Request::from_json(&text_of(r#""app/db""#, r#""source_ip": "::ffff:10.0.0.1""#)).unwrap();
    assert_eq!(request.context.source_ip, Some("10.0.0.1".parse().unwrap()));
    // The builder and the JSON layer agree.
    let built =
        Request::new("user:a", "a", "app/db").with_source_ip("::ffff:192.0.2.1".parse().unwrap());
    assert_eq!(engine.decide(&built).reason, Reason::ExplicitDeny);
    let answer = tessera::json::evaluate(&engine, &request_text_with_ip("::ffff:192.0.2.1"), false);
    assert!(answer.contains(r#""reason":"explicit_deny""#), "{answer}");
}

#[test]
fn a_mapped_address_set_directly_or_in_a_custom_attribute_is_matched_as_ipv4() {
    let text = r#"policy "p" {
  allow "all" { principal * action * resource ** }
  deny "outside" { principal * action * resource ** unless { source_ip in 10.0.0.0/8 } }
  deny "client" { principal * action * resource ** when { context.client_ip in 192.0.2.0/24 } }
}"#;
    let engine = Engine::compile_str("p.policy", text).unwrap();
    let files = tessera::policy_lang::parse_set(&[("p.policy", text)]).unwrap();
    let reference = |request: &Request| {
        let at = chrono::Utc::now();
        tessera::reference::decide(&files, request, at).outcome
    };
    // The field set directly, bypassing the builder's mapping (with a
    // harmless client address: a missing one makes `client` apply).
    let mut request = Request::new("user:a", "a", "app/db").with_attribute(
        "client_ip",
        tessera::Attribute::String("203.0.113.1".into()),
    );
    request.context.source_ip = Some("::ffff:192.0.2.1".parse().unwrap());
    assert_eq!(engine.decide(&request).reason, Reason::ExplicitDeny);
    assert_eq!(reference(&request), Outcome::Deny);
    request.context.source_ip = Some("::ffff:10.0.0.1".parse().unwrap());
    assert_eq!(engine.decide(&request).outcome, Outcome::Allow);
    assert_eq!(reference(&request), Outcome::Allow);
    // A custom attribute holding a mapped address as text.
    let request = request.with_attribute(
        "client_ip",
        tessera::Attribute::String("::ffff:192.0.2.7".into()),
    );
    assert_eq!(engine.decide(&request).reason, Reason::ExplicitDeny);
    assert_eq!(reference(&request), Outcome::Deny);
}

fn request_text_with_ip(ip: &str) -> String {
    format!(
        r#"{{"principal": "u", "action": "a", "resource": "app/db", "context": {{"source_ip": "{ip}"}}}}"#
    )
}

#[test]
fn an_ipv6_zone_id_is_refused() {
    let error = refused(&request_text_with_ip("fe80::1%eth0"));
    assert_eq!(
        (error.kind(), error.field()),
        (RequestErrorKind::InvalidValue, "context.source_ip")
    );
    assert!(error.message().contains("zone id (`%eth0`)"), "{error}");
    let error = refused(&request_text_with_ip("010.1.2.3"));
    assert!(error.message().contains("leading zero"), "{error}");
}

// ---------------------------------------------------------------------------
// Limits.

/// A request with `groups` groups, `tags` principal tags, `attributes`
/// custom attributes and the given path.
fn sized(groups: usize, tags: usize, attributes: usize, path: &str) -> String {
    let groups: Vec<String> = (0..groups).map(|i| format!(r#""g{i}""#)).collect();
    let tags: Vec<String> = (0..tags).map(|i| format!(r#""t{i}": "v""#)).collect();
    let attributes: Vec<String> = (0..attributes).map(|i| format!(r#""a{i}": 1"#)).collect();
    format!(
        r#"{{"principal": {{"id": "u", "groups": [{}], "tags": {{{}}}}}, "action": "a",
            "resource": {{"path": {}, "tags": {{{}}}}}, "context": {{{}}}}}"#,
        groups.join(","),
        tags.join(","),
        quoted(path),
        tags.join(","),
        attributes.join(",")
    )
}

#[test]
fn the_default_limits_are_generous_and_enforced() {
    let limits = RequestLimits::default();
    assert_eq!(limits, RequestLimits::DEFAULT);
    assert_eq!(limits.max_bytes, 16 * 1024 * 1024);
    assert_eq!(limits.max_groups, 65_536);
    // At every limit: accepted.
    let path = vec!["s"; limits.max_path_segments].join("/");
    let at = sized(
        limits.max_groups,
        limits.max_tags,
        limits.max_attributes,
        &path,
    );
    let request = Request::from_json(&at).unwrap();
    assert_eq!(request.principal.groups.len(), 65_536);
    // One over each: refused, naming the field and the limit.
    let cases = [
        (
            sized(65_537, 0, 0, "p"),
            "principal.groups: holds 65537 groups; the limit is 65536 (max_groups)",
        ),
        (
            sized(0, 1025, 0, "p"),
            "principal.tags: holds 1025 tags; the limit is 1024 (max_tags)",
        ),
        (
            sized(0, 0, 1025, "p"),
            "context: holds 1025 custom attributes; the limit is 1024 (max_attributes)",
        ),
        (
            sized(0, 0, 0, &format!("{path}/s")),
            "resource.path: has 1025 segments; the limit is 1024 (max_path_segments)",
        ),
        (
            sized(0, 0, 0, &"p".repeat(65_537)),
            "resource.path: is 65537 bytes long; the limit is 65536 bytes (max_path_bytes)",
        ),
        (
            text_of(r#""r""#, &format!(r#""ticket": "{}""#, "x".repeat(65_537))),
            "context.ticket: is 65537 bytes long; the limit is 65536 bytes (max_value_bytes)",
        ),
        (
            text_of(r#""r""#, &format!(r#""{}": 1"#, "k".repeat(65_537))),
            "context: a custom attribute name is 65537 bytes long; the limit is 65536 bytes (max_value_bytes)",
        ),
        (
            format!(
                r#"{{"principal": "{}", "action": "a", "resource": "r"}}"#,
                "u".repeat(65_537)
            ),
            "principal.id: is 65537 bytes long; the limit is 65536 bytes (max_value_bytes)",
        ),
    ];
    for (text, message) in cases {
        let error = refused(&text);
        assert_eq!(error.kind(), RequestErrorKind::LimitExceeded, "{error}");
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn the_text_size_limit_comes_first() {
    let limits = RequestLimits {
        max_bytes: 100,
        ..RequestLimits::default()
    };
    let text = format!("{}{}", " ".repeat(100), text_of(r#""r""#, ""));
    let error = Request::from_json_with(&text, &limits).unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::LimitExceeded);
    assert!(
        error
            .to_string()
            .ends_with("the limit is 100 bytes (max_bytes)"),
        "{error}"
    );
    let long = format!("{{{}", " ".repeat(17 * 1024 * 1024));
    let error = refused(&long);
    assert_eq!(error.kind(), RequestErrorKind::LimitExceeded);
}

#[test]
fn limits_apply_to_requests_built_in_code() {
    let limits = RequestLimits {
        max_value_bytes: 4,
        max_tags: 1,
        ..RequestLimits::default()
    };
    let request = Request::new("user", "a", "p");
    assert!(request.check_limits(&limits).is_ok());
    let long_group = request.clone().with_group("group:x");
    assert_eq!(
        long_group.check_limits(&limits).unwrap_err().field(),
        "principal.groups[0]"
    );
    let two_tags = request
        .clone()
        .with_resource_tag("a", "1")
        .with_resource_tag("b", "2");
    assert_eq!(
        two_tags.check_limits(&limits).unwrap_err().to_string(),
        "resource.tags: holds 2 tags; the limit is 1 (max_tags)"
    );
    let secret = "hunter2-hunter2";
    let long_tag = request.with_principal_tag("pw", secret);
    let error = long_tag.check_limits(&limits).unwrap_err();
    assert_eq!(error.field(), "principal.tags.pw");
    assert!(!error.to_string().contains(secret));
}

#[test]
fn limits_are_read_from_configuration() {
    let limits: RequestLimits =
        serde_json::from_str(r#"{"max_groups": 2, "max_tags": 3}"#).unwrap();
    assert_eq!(
        (limits.max_groups, limits.max_tags, limits.max_bytes),
        (2, 3, RequestLimits::DEFAULT.max_bytes)
    );
    let error = serde_json::from_str::<RequestLimits>(r#"{"max_depth": 2}"#).unwrap_err();
    assert!(error.to_string().contains("unknown field"), "{error}");
}
