//! Resource patterns with policy variables on long requests: the engine
//! decides them in time linear in the path and the values (the previous,
//! backtracking matcher took seconds on a 522-byte path for
//! `teams/${principal.tags.team}/*-*-*-*`), and agrees with the reference
//! interpreter where that one can compile the substituted glob.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use tessera::policy_lang::PolicyFile;
use tessera::{Engine, Outcome, Request, Source, reference};

const MIB: usize = 1 << 20;

/// The engine for one resource pattern, with the parsed policy for the
/// reference interpreter.
fn engine(resource: &str) -> (Engine, Vec<PolicyFile>) {
    let text =
        format!(r#"policy "p" {{ allow "a" {{ principal * action * resource "{resource}" }} }}"#);
    let engine = Engine::compile(&[Source::new("p.policy", &text)]).unwrap();
    (
        engine,
        tessera::policy_lang::parse("p.policy", &text)
            .map(|f| vec![f])
            .unwrap(),
    )
}

fn request(path: &str, team: &str) -> Request {
    Request::new("user:ann", "secrets:GetSecretValue", path).with_principal_tag("team", team)
}

/// The engine's outcome, checked against the reference interpreter's.
fn decide(
    (engine, files): &(Engine, Vec<PolicyFile>),
    request: &Request,
    check_reference: bool,
) -> Outcome {
    let outcome = engine.decide(request).outcome;
    if check_reference {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let expected = reference::decide(files, request, now).outcome;
        assert_eq!(outcome, expected, "reference");
    }
    outcome
}

#[test]
fn a_long_segment_of_dashes() {
    let e = engine("teams/${principal.tags.team}/*-*-*-*");
    let ok = format!("teams/t/{}a", "a-".repeat(MIB / 2));
    assert_eq!(decide(&e, &request(&ok, "t"), true), Outcome::Allow);
    let failing = format!("{ok}/x");
    assert_eq!(decide(&e, &request(&failing, "t"), true), Outcome::Deny);
    assert_eq!(decide(&e, &request(&ok, "u"), false), Outcome::Deny);
}

#[test]
fn many_segments_between_recursive_wildcards() {
    let e = engine("${principal.tags.team}/**/a/**/b/**/c");
    let x = "x/".repeat(100_000);
    let ok = format!("t/{x}a/{x}b/{x}c");
    assert_eq!(decide(&e, &request(&ok, "t"), true), Outcome::Allow);
    let failing = format!("t/{x}b/{x}a/{x}c");
    assert_eq!(decide(&e, &request(&failing, "t"), true), Outcome::Deny);
}

#[test]
fn a_one_mib_tag_value() {
    let team = "a".repeat(MIB);
    let e = engine("prod/${principal.tags.team}/*");
    let ok = format!("prod/{team}/db");
    assert_eq!(decide(&e, &request(&ok, &team), false), Outcome::Allow);
    let other = format!("prod/{team}a/db");
    assert_eq!(decide(&e, &request(&other, &team), false), Outcome::Deny);
    // Between two `**`, the value is searched for along the path.
    let e = engine("prod/**/${principal.tags.team}/**/db");
    let ok = format!("prod/{team}/{team}/db");
    assert_eq!(decide(&e, &request(&ok, &team), false), Outcome::Allow);
    let failing = format!("prod/{team}a/x/{team}a/db");
    assert_eq!(decide(&e, &request(&failing, &team), false), Outcome::Deny);
}

#[test]
fn a_quoted_context_name_in_a_variable() {
    // `${context."aws:username"}` reads the context key `aws:username`
    // exactly; its value is matched literally, on long values too.
    let e = engine(r#"users/${context.\"aws:username\"}/*"#);
    let user = |path: &str, name: tessera::Attribute| {
        Request::new("user:ann", "secrets:GetSecretValue", path)
            .with_attribute("aws:username", name)
    };
    let s = |v: &str| tessera::Attribute::String(v.to_string());
    assert_eq!(
        decide(&e, &user("users/ann/key", s("ann")), true),
        Outcome::Allow
    );
    assert_eq!(
        decide(&e, &user("users/bob/key", s("ann")), true),
        Outcome::Deny
    );
    // A `*` in the value is a literal star, never a wildcard.
    assert_eq!(
        decide(&e, &user("users/bob/key", s("*")), true),
        Outcome::Deny
    );
    assert_eq!(
        decide(&e, &user("users/*/key", s("*")), true),
        Outcome::Allow
    );
    // Another spelling of the key is another key: the value is missing,
    // the resource unknown, and the allow does not apply.
    let other = Request::new("user:ann", "secrets:GetSecretValue", "users/ann/key")
        .with_attribute("aws:UserName", s("ann"));
    assert_eq!(decide(&e, &other, true), Outcome::Deny);
    // A value of another type is missing too.
    assert_eq!(
        decide(
            &e,
            &user("users/1/key", tessera::Attribute::Number(1.0)),
            true
        ),
        Outcome::Deny
    );
    // A long value: linear, and matched literally.
    let long = "a*".repeat(MIB / 2);
    let path = format!("users/{long}/key");
    assert_eq!(decide(&e, &user(&path, s(&long)), false), Outcome::Allow);
    let near = format!("users/{}b/key", &long[..long.len() - 1]);
    assert_eq!(decide(&e, &user(&near, s(&long)), false), Outcome::Deny);
}
