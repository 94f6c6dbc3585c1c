//! `Request::from_json` reads a valid request straight from the text and
//! falls back to the `serde_json::Value` walk for anything else. These tests
//! check that it behaves exactly as that walk alone
//! (`Request::from_json_via_value`, the algorithm `from_json` had before):
//! the same request for every valid text, and the same error (kind, field,
//! message) for every invalid one; and that valid requests do take the fast
//! path (`Request::from_json_fast_path`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use proptest::sample::{Index, select};
use tessera::{Request, RequestErrorKind};

// ---------------------------------------------------------------------------
// The check every test makes.

/// `from_json` and the `Value` path agree on `text`, and the fast path
/// either gives up or gives the `Value` path's request.
fn assert_same(text: &str) -> Result<Request, tessera::RequestError> {
    let new = Request::from_json(text);
    let old = Request::from_json_via_value(text);
    assert_eq!(new, old, "from_json and the Value path differ on {text:?}");
    if let Err(error) = &new {
        let (new_kind, new_text) = (error.kind(), error.to_string());
        let old_error = old.as_ref().unwrap_err();
        assert_eq!(
            (new_kind, new_text),
            (old_error.kind(), old_error.to_string())
        );
        assert_eq!(error.field(), old_error.field());
    }
    if let Some(fast) = Request::from_json_fast_path(text) {
        assert_eq!(
            Ok(&fast),
            old.as_ref(),
            "the fast path accepted {text:?} differently"
        );
    }
    new
}

// ---------------------------------------------------------------------------
// Hand-picked cases.

/// What a hand-picked text gives.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A request, read by the fast path.
    Fast,
    /// This error.
    Error(RequestErrorKind, &'static str),
    /// A request the fast path leaves to the `Value` path (arrays that are
    /// not all strings, objects).
    Slow,
}

use Expect::{Error, Fast, Slow};
use RequestErrorKind::{
    DuplicateKey, InvalidValue, LimitExceeded, MissingField, Syntax, UnknownField, WrongType,
};

/// A request text around a context object's inside.
fn with_context(inside: &str) -> String {
    format!(r#"{{"principal": "u", "action": "a", "resource": "r", "context": {{{inside}}}}}"#)
}

/// A request text with a principal value.
fn with_principal(principal: &str) -> String {
    format!(r#"{{"principal": {principal}, "action": "a", "resource": "r"}}"#)
}

/// A request text with a resource value.
fn with_resource(resource: &str) -> String {
    format!(r#"{{"principal": "u", "action": "a", "resource": {resource}}}"#)
}

/// `depth` nested arrays around `1`.
fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn edge_cases() -> Vec<(String, Expect)> {
    let ok = r#"{"principal": "u", "action": "a", "resource": "r"}"#;
    let mut cases: Vec<(String, Expect)> = vec![
        // Valid shapes.
        (include_str!("../../corpus/ecommerce/request.json").to_string(), Fast),
        (ok.to_string(), Fast),
        (format!(" \n\t{ok}\r\n "), Fast),
        (r#"{"action":"a","resource":"r","principal":"u"}"#.to_string(), Fast),
        (r#"{"principal": "u", "action": "a", "resource": "r", "context": null}"#.to_string(), Fast),
        (with_context(""), Fast),
        (
            with_context(r#""source_ip": null, "mfa": null, "mfa_age_seconds": null, "version_stage": null, "time": null, "x": null"#),
            Fast,
        ),
        (with_principal(r#"{"id": "u", "groups": null, "tags": null}"#), Fast),
        (with_principal(r#"{"id": "u", "groups": [], "tags": {}}"#), Fast),
        (with_principal(r#"{"tags": {"b": "2", "a": "1"}, "groups": ["g2", "g1", "g2"], "id": "u"}"#), Fast),
        (with_resource(r#"{"path": "p", "tags": null}"#), Fast),
        (with_resource(r#"{"tags": {"env": "prod"}, "path": "prod/..x/.y/z."}"#), Fast),
        // Escapes, in keys and values.
        (r#"{"princip\u0061l": "u", "\u0061ction": "a\"\\\/\b\f\n\r\t", "resource": "r"}"#.to_string(), Fast),
        (r#"{"principal": "\ud83d\udd11 \u00fc", "action": "ünï 🔑", "resource": "p\u002fq"}"#.to_string(), Fast),
        (with_context(r#""source\u005fip": "10.0.0.1", "tim\u0065": "2026-11-25T10:00:00Z""#), Fast),
        (with_context(r#""\u00fc": "\u00fc", "": "", "mfa ": 1"#), Fast),
        // Custom attribute types.
        (
            with_context(r#""s": "x", "t": true, "f": false, "i": 1, "n": -1, "d": 1.5, "e": 1e2, "z": -0, "big": 18446744073709551616, "max": 1e308, "tiny": 1e-400"#),
            Fast,
        ),
        // Sets of strings, empty or repeating; any other item names its place.
        (with_context(r#""x": []"#), Fast),
        (with_context(r#""x": ["read", "write", "read", "", "\u00fc"]"#), Fast),
        (with_context(r#""x": ["a", 1]"#), Slow),
        (with_context(r#""x": [1, true, "a"]"#), Slow),
        (with_context(r#""x": {"a": {"b": [1, "c"]}, "d": "e"}"#), Slow),
        (with_context(r#""x": {}"#), Slow),
        (with_context(r#""x": {"a": null}"#), Error(WrongType, "context.x.a")),
        (with_context(r#""x": {"a": [null]}"#), Error(WrongType, "context.x.a[0]")),
        (with_context(r#""x": [null]"#), Error(WrongType, "context.x[0]")),
        (with_context(r#""x": ["a", ["b"]]"#), Error(WrongType, "context.x[1]")),
        (with_context(r#""x": ["a", {"b": "c"}]"#), Error(WrongType, "context.x[1]")),
        (with_context(r#""x": {"id": 1}"#), Slow),
        // A number too large for a float names its field.
        (with_context(r#""x": 1e309"#), Error(InvalidValue, "context.x")),
        (with_context(&format!(r#""x": {}"#, "9".repeat(400))), Error(InvalidValue, "context.x")),
        (with_context(&format!(r#""x": -{}.5"#, "9".repeat(400))), Error(InvalidValue, "context.x")),
        (with_context(&format!(r#""x": [1, {}]"#, "9".repeat(400))), Error(InvalidValue, "context.x[1]")),
        (with_context(&format!(r#""mfa_age_seconds": {}"#, "9".repeat(400))), Error(InvalidValue, "context.mfa_age_seconds")),
        (with_principal(&format!(r#"{{"id": "u", "tags": {{"n": {}}}}}"#, "9".repeat(400))), Error(InvalidValue, "principal.tags.n")),
        ("9".repeat(400), Error(InvalidValue, "")),
        // mfa and mfa_age_seconds.
        (with_context(r#""mfa": true, "mfa_age_seconds": 0"#), Fast),
        (with_context(r#""mfa": 1"#), Error(WrongType, "context.mfa")),
        (with_context(r#""mfa": "true""#), Error(WrongType, "context.mfa")),
        (with_context(r#""mfa_age_seconds": 9223372036854775807"#), Fast),
        (with_context(r#""mfa_age_seconds": 9223372036854775808"#), Error(InvalidValue, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": 18446744073709551616"#), Error(InvalidValue, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": 1e19"#), Error(InvalidValue, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": 9.2e18"#), Error(WrongType, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": -1"#), Error(WrongType, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": -0"#), Error(WrongType, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": 1.0"#), Error(WrongType, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": 1e2"#), Error(WrongType, "context.mfa_age_seconds")),
        (with_context(r#""mfa_age_seconds": "120""#), Error(WrongType, "context.mfa_age_seconds")),
        // Addresses.
        (with_context(r#""source_ip": "::1""#), Fast),
        (with_context(r#""source_ip": "fd00::17""#), Fast),
        (with_context(r#""source_ip": "::ffff:10.0.0.1""#), Fast),
        (with_context(r#""source_ip": "::FFFF:192.0.2.1""#), Fast),
        (with_context(r#""source_ip": "010.1.2.3""#), Error(InvalidValue, "context.source_ip")),
        (with_context(r#""source_ip": "10.0.0.300""#), Error(InvalidValue, "context.source_ip")),
        (with_context(r#""source_ip": "10.1.2""#), Error(InvalidValue, "context.source_ip")),
        (with_context(r#""source_ip": " 10.0.0.1""#), Error(InvalidValue, "context.source_ip")),
        (with_context(r#""source_ip": "fe80::1%eth0""#), Error(InvalidValue, "context.source_ip")),
        (with_context(r#""source_ip": 167772161"#), Error(WrongType, "context.source_ip")),
        (
            with_context(&format!(r#""source_ip": "{}""#, "9".repeat(100))),
            Error(InvalidValue, "context.source_ip"),
        ),
        // Times.
        (with_context(r#""time": "2026-11-25T10:00:00+02:00""#), Fast),
        (with_context(r#""time": "2026-11-25t10:00:00.123456789z""#), Fast),
        (with_context(r#""time": "2026-06-30T23:59:60Z""#), Fast),
        (with_context(r#""time": "yesterday""#), Error(InvalidValue, "context.time")),
        (with_context(r#""time": "2026-13-01T00:00:00Z""#), Error(InvalidValue, "context.time")),
        (with_context(r#""time": "2026-11-25T10:00:00""#), Error(InvalidValue, "context.time")),
        (with_context(r#""time": 1764064800"#), Error(WrongType, "context.time")),
        (with_context(r#""version_stage": 1"#), Error(WrongType, "context.version_stage")),
        // Missing fields, in the order the Value path looks for them.
        ("{}".to_string(), Error(MissingField, "principal")),
        (r#"{"action": 1, "resource": 2}"#.to_string(), Error(MissingField, "principal")),
        (r#"{"resource": 2, "principal": "u"}"#.to_string(), Error(MissingField, "action")),
        (r#"{"principal": "u", "action": "a"}"#.to_string(), Error(MissingField, "resource")),
        (r#"{"principal": null, "action": "a", "resource": "r"}"#.to_string(), Error(MissingField, "principal")),
        (r#"{"principal": "u", "action": null, "resource": "r"}"#.to_string(), Error(MissingField, "action")),
        (with_principal("{}"), Error(MissingField, "principal.id")),
        (with_principal(r#"{"id": null, "groups": 1}"#), Error(MissingField, "principal.id")),
        (with_resource("{}"), Error(MissingField, "resource.path")),
        (with_resource(r#"{"path": null}"#), Error(MissingField, "resource.path")),
        // Wrong types and values.
        (with_principal("1"), Error(WrongType, "principal")),
        (with_principal("[]"), Error(WrongType, "principal")),
        (with_principal(r#""""#), Error(InvalidValue, "principal")),
        (with_principal(r#"{"id": ""}"#), Error(InvalidValue, "principal.id")),
        (with_principal(r#"{"id": 1}"#), Error(WrongType, "principal.id")),
        (with_principal(r#"{"id": "u", "groups": "g"}"#), Error(WrongType, "principal.groups")),
        (with_principal(r#"{"id": "u", "groups": ["g", null]}"#), Error(WrongType, "principal.groups[1]")),
        (with_principal(r#"{"id": "u", "tags": []}"#), Error(WrongType, "principal.tags")),
        (with_principal(r#"{"id": "u", "tags": {"a": null}}"#), Error(WrongType, "principal.tags.a")),
        (r#"{"principal": "u", "action": "", "resource": "r"}"#.to_string(), Error(InvalidValue, "action")),
        (r#"{"principal": "u", "action": ["a"], "resource": "r"}"#.to_string(), Error(WrongType, "action")),
        (with_resource(r#""""#), Error(InvalidValue, "resource")),
        (with_resource(r#""a/../b""#), Error(InvalidValue, "resource")),
        (with_resource(r#""./b""#), Error(InvalidValue, "resource")),
        (with_resource(r#""a/.""#), Error(InvalidValue, "resource")),
        (with_resource(r#"{"path": ".."}"#), Error(InvalidValue, "resource.path")),
        (with_resource(r#""a//b""#), Error(InvalidValue, "resource")),
        (with_resource(r#""/a""#), Error(InvalidValue, "resource")),
        (with_resource(r#""a/""#), Error(InvalidValue, "resource")),
        (with_resource(r#""/""#), Error(InvalidValue, "resource")),
        (with_resource(r#"{"path": "a/b/"}"#), Error(InvalidValue, "resource.path")),
        (with_resource(r#"{"path": "a\u0000b"}"#), Error(InvalidValue, "resource.path")),
        (with_resource(r#"{"path": "a\nb"}"#), Error(InvalidValue, "resource.path")),
        (with_resource(r#"{"path": "a\u007fb"}"#), Error(InvalidValue, "resource.path")),
        // Matched byte for byte: escapes and look-alikes are not decoded.
        (with_resource(r#"{"path": "a/%2e%2e/b"}"#), Fast),
        (with_resource(r#"{"path": "a/\u2024\u2024/b"}"#), Fast),
        (with_resource(r#"{"path": ""}"#), Error(InvalidValue, "resource.path")),
        (with_resource(r#"{"path": 1}"#), Error(WrongType, "resource.path")),
        (with_resource(r#"{"path": "p", "tags": {"env": 1}}"#), Error(WrongType, "resource.tags.env")),
        (with_resource("true"), Error(WrongType, "resource")),
        (r#"{"principal": "u", "action": "a", "resource": "r", "context": []}"#.to_string(), Error(WrongType, "context")),
        (r#"{"principal": "u", "action": "a", "resource": "r", "context": "c"}"#.to_string(), Error(WrongType, "context")),
        // Unknown fields.
        (r#"{"principal": "u", "action": "a", "resource": "r", "actoin": "z"}"#.to_string(), Error(UnknownField, "actoin")),
        (r#"{"Principal": "u", "action": "a", "resource": "r"}"#.to_string(), Error(UnknownField, "Principal")),
        (with_principal(r#"{"id": "u", "name": "n"}"#), Error(UnknownField, "principal.name")),
        (with_resource(r#"{"path": "p", "owner": "o"}"#), Error(UnknownField, "resource.owner")),
        // Precedence when several things are wrong.
        (r#"{"principal": 1, "action": 2, "zz": 3, "yy": 4}"#.to_string(), Error(UnknownField, "zz")),
        (r#"{"action": 2, "principal": ""}"#.to_string(), Error(InvalidValue, "principal")),
        (r#"{"resource": "", "action": 2, "principal": "u"}"#.to_string(), Error(WrongType, "action")),
        (with_principal(r#"{"groups": 1, "id": "u", "x": 1}"#), Error(UnknownField, "principal.x")),
        (with_principal(r#"{"tags": 1, "groups": 1, "id": "u"}"#), Error(WrongType, "principal.groups")),
        (with_context(r#""mfa": 1, "source_ip": "x""#), Error(WrongType, "context.mfa")),
        (with_context(r#""source_ip": "x", "mfa": 1"#), Error(InvalidValue, "context.source_ip")),
        (
            r#"{"principal": "u", "action": "a", "resource": "", "context": {"mfa": 1}}"#.to_string(),
            Error(InvalidValue, "resource"),
        ),
        // Repeated keys are refused at every level, `null` ones and ones
        // spelled with escapes included, naming the key's field.
        (r#"{"principal": "u", "action": "a", "action": "b", "resource": "r"}"#.to_string(), Error(DuplicateKey, "action")),
        (r#"{"principal": "u", "action": 1, "action": "b", "resource": "r"}"#.to_string(), Error(DuplicateKey, "action")),
        (r#"{"principal": "u", "\u0061ction": "a", "action": "a", "resource": "r"}"#.to_string(), Error(DuplicateKey, "action")),
        (r#"{"principal": "u", "principal": {"id": "v"}, "action": "a", "resource": "r"}"#.to_string(), Error(DuplicateKey, "principal")),
        (r#"{"principal": "u", "action": "a", "resource": "r", "context": {"mfa": true}, "context": null}"#.to_string(), Error(DuplicateKey, "context")),
        (r#"{"principal": "u", "action": "a", "resource": "r", "context": null, "context": null}"#.to_string(), Error(DuplicateKey, "context")),
        (with_principal(r#"{"id": "u", "id": "v"}"#), Error(DuplicateKey, "principal.id")),
        (with_principal(r#"{"id": "u", "groups": null, "groups": ["g"]}"#), Error(DuplicateKey, "principal.groups")),
        (with_principal(r#"{"id": "u", "tags": {"a": "1"}, "tags": {"b": "2"}}"#), Error(DuplicateKey, "principal.tags")),
        (with_principal(r#"{"id": "u", "tags": {"a": "1", "a": "1"}}"#), Error(DuplicateKey, "principal.tags.a")),
        (with_resource(r#"{"path": "p", "path": "q"}"#), Error(DuplicateKey, "resource.path")),
        (with_resource(r#"{"path": "p", "tags": {"env": "a", "env": "b"}}"#), Error(DuplicateKey, "resource.tags.env")),
        (with_resource(r#"{"path": "p", "tags": {"env": 1, "env": "b"}}"#), Error(DuplicateKey, "resource.tags.env")),
        (with_context(r#""mfa": true, "mfa": null"#), Error(DuplicateKey, "context.mfa")),
        (with_context(r#""source_ip": null, "source_ip": "10.0.0.1""#), Error(DuplicateKey, "context.source_ip")),
        (with_context(r#""x": 1, "x": null"#), Error(DuplicateKey, "context.x")),
        (with_context(r#""x": null, "x": 1"#), Error(DuplicateKey, "context.x")),
        (with_context(r#""x": null, "x": null"#), Error(DuplicateKey, "context.x")),
        (with_context(r#""x": "a", "y": 2, "x": "a""#), Error(DuplicateKey, "context.x")),
        (with_context(r#""x": {"k": 1, "k": 2}"#), Error(DuplicateKey, "context.x.k")),
        (with_context(r#""x": [{"k": 1, "k": 2}]"#), Error(DuplicateKey, "context.x[0].k")),
        // The first repeated key in the text is named; a syntax error comes first.
        (with_context(r#""y": 1, "x": 1, "x": 2, "y": 2"#), Error(DuplicateKey, "context.x")),
        (r#"{"principal": "u", "principal": "u", "action": "a", "resource": "r", "#.to_string(), Error(Syntax, "")),
        // Before every other error but syntax.
        (r#"{"zz": 1, "principal": "u", "action": "a", "resource": "r", "zz": 2}"#.to_string(), Error(DuplicateKey, "zz")),
        (with_context(r#""source_ip": "x", "mfa": 1, "source_ip": null"#), Error(DuplicateKey, "context.source_ip")),
        (with_context(r#""x": {}, "x": 1"#), Error(DuplicateKey, "context.x")),
        // Equal values in a list are not keys.
        (with_principal(r#"{"id": "u", "groups": ["g", "g"]}"#), Fast),
        (with_principal(r#"{"id": "u", "tags": {"a": "1", "A": "1", "a ": "1"}}"#), Fast),
        // Not JSON, or not an object.
        (String::new(), Error(Syntax, "")),
        ("{".to_string(), Error(Syntax, "")),
        (ok[..ok.len() - 1].to_string(), Error(Syntax, "")),
        (format!("{ok}x"), Error(Syntax, "")),
        (format!("{ok} {{}}"), Error(Syntax, "")),
        (format!("{ok}\u{0}"), Error(Syntax, "")),
        (format!("\u{feff}{ok}"), Error(Syntax, "")),
        (format!(" \u{feff}{ok}"), Error(Syntax, "")),
        (r#"{"principal": "u", "action": "a", "resource": "r",}"#.to_string(), Error(Syntax, "")),
        (r#"{'principal': "u", "action": "a", "resource": "r"}"#.to_string(), Error(Syntax, "")),
        (r#"{"principal": "u", /* c */ "action": "a", "resource": "r"}"#.to_string(), Error(Syntax, "")),
        (r#"{"principal": "\ud800", "action": "a", "resource": "r"}"#.to_string(), Error(Syntax, "")),
        (r#"{"principal": "a\qb", "action": "a", "resource": "r"}"#.to_string(), Error(Syntax, "")),
        ("{\"principal\": \"a\u{1}b\", \"action\": \"a\", \"resource\": \"r\"}".to_string(), Error(Syntax, "")),
        (with_context(r#""x": NaN"#), Error(Syntax, "")),
        (with_context(r#""x": 01"#), Error(Syntax, "")),
        (with_context(r#""x": +1"#), Error(Syntax, "")),
        ("[]".to_string(), Error(WrongType, "")),
        ("null".to_string(), Error(WrongType, "")),
        ("\"principal\"".to_string(), Error(WrongType, "")),
        ("1".to_string(), Error(WrongType, "")),
        ("true".to_string(), Error(WrongType, "")),
        // Depth: serde_json reads up to 127 nested arrays and objects, 128 is too deep.
        (with_context(&format!(r#""x": {}"#, nested(125))), Error(WrongType, "context.x[0]")),
        (with_context(&format!(r#""x": {}"#, nested(126))), Error(Syntax, "")),
        (nested(127), Error(WrongType, "")),
        (nested(128), Error(Syntax, "")),
        (nested(10_000), Error(Syntax, "")),
    ];
    // A long rejected value is clipped in the message.
    let long = "é".repeat(100);
    cases.push((
        with_context(&format!(r#""time": "{long}""#)),
        Error(InvalidValue, "context.time"),
    ));
    cases
}

#[test]
fn hand_picked_cases() {
    for (text, expect) in edge_cases() {
        let result = assert_same(&text);
        let fast = Request::from_json_fast_path(&text);
        match (expect, &result) {
            (Fast, Ok(_)) => assert!(fast.is_some(), "fast path gave up on {text:?}"),
            (Slow, Ok(_)) => assert!(fast.is_none(), "fast path read {text:?}"),
            (Error(kind, field), Err(error)) => {
                assert_eq!(
                    (error.kind(), error.field()),
                    (kind, field),
                    "{text:?}: {error}"
                );
                assert!(fast.is_none());
            }
            _ => panic!("{text:?}: expected {expect:?}, got {result:?}"),
        }
    }
}

#[test]
fn repeated_keys_are_refused_naming_the_key() {
    let text = r#"{"principal": {"id": "u", "tags": {"team": "a", "team": "b"}},
        "action": "a", "resource": "r"}"#;
    let error = assert_same(text).unwrap_err();
    assert_eq!(error.kind(), DuplicateKey);
    assert_eq!(
        error.to_string(),
        "principal.tags.team: duplicate key `team`: a key may appear once in an object \
         (JSON readers disagree on which copy counts)"
    );
    assert!(Request::from_json_fast_path(text).is_none());
    // Each level, once with the copies far apart.
    let levels = [
        (
            r#"{"action": "a", "principal": "u", "resource": "r", "action": "b"}"#,
            "action",
        ),
        (
            r#"{"principal": {"id": "u", "groups": [], "tags": {}, "id": "v"}, "action": "a", "resource": "r"}"#,
            "principal.id",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": {"tags": {}, "path": "p", "tags": {}}}"#,
            "resource.tags",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "r", "context": {"time": null, "mfa": true, "time": "2026-01-01T00:00:00Z"}}"#,
            "context.time",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "r", "context": {"ticket": "CHG-1", "mfa": true, "ticket": "CHG-2"}}"#,
            "context.ticket",
        ),
    ];
    for (text, field) in levels {
        let error = assert_same(text).unwrap_err();
        assert_eq!(
            (error.kind(), error.field()),
            (DuplicateKey, field),
            "{text}"
        );
    }
}

#[test]
fn a_byte_order_mark_is_refused_with_a_clear_error() {
    let text = "\u{feff}{\"principal\": \"u\", \"action\": \"a\", \"resource\": \"r\"}";
    let error = assert_same(text).unwrap_err();
    assert_eq!(error.kind(), Syntax);
    assert!(
        error
            .to_string()
            .starts_with("the request starts with a byte-order mark"),
        "{error}"
    );
}

#[test]
fn limits_are_checked_alike_on_both_paths() {
    let groups = vec!["\"g\""; 65_537].join(",");
    let text = format!(
        r#"{{"principal": {{"id": "u", "groups": [{groups}]}}, "action": "a", "resource": "r"}}"#
    );
    let error = assert_same(&text).unwrap_err();
    assert_eq!(
        (error.kind(), error.field()),
        (LimitExceeded, "principal.groups")
    );
    assert_eq!(
        error.to_string(),
        "principal.groups: holds 65537 groups; the limit is 65536 (max_groups)"
    );
    assert!(Request::from_json_fast_path(&text).is_none());
    let at_limit = text.replacen("\"g\",", "", 1);
    assert!(assert_same(&at_limit).is_ok());
    assert!(Request::from_json_fast_path(&at_limit).is_some());
}

#[test]
fn messages_are_unchanged() {
    let cases = [
        (
            "{",
            "invalid JSON at line 1 column 1: unexpected end of input",
        ),
        ("[]", "a request must be a JSON object"),
        (
            r#"{"principal": "u", "action": 3, "resource": "x"}"#,
            "action: expected a string",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "x", "actoin": 1}"#,
            "actoin: unknown field; expected one of principal, action, resource, context",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "x", "context": {"source_ip": "10.1.2"}}"#,
            "context.source_ip: `10.1.2` is not an IPv4 or IPv6 address",
        ),
        (
            r#"{"principal": "u", "action": "a", "resource": "x"} x"#,
            "invalid JSON at line 1 column 52: malformed JSON",
        ),
    ];
    for (text, message) in cases {
        let error = assert_same(text).unwrap_err();
        assert_eq!(error.to_string(), message);
    }
}

// ---------------------------------------------------------------------------
// Random request texts.

/// A JSON value that may repeat keys, rendered with random layout and escapes.
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    /// A number's text, verbatim (some are not JSON).
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// A small deterministic generator for layout and escapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

fn space(rng: &mut Rng, out: &mut String) {
    if rng.one_in(3) {
        out.push_str([" ", "\n", "\t", "  ", "\r\n  "][(rng.next() % 5) as usize]);
    }
}

fn unicode_escape(unit: u32, rng: &mut Rng, out: &mut String) {
    if rng.one_in(2) {
        out.push_str(&format!("\\u{unit:04x}"));
    } else {
        out.push_str(&format!("\\u{unit:04X}"));
    }
}

fn render_string(text: &str, rng: &mut Rng, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if rng.one_in(2) => out.push_str("\\n"),
            '\t' if rng.one_in(2) => out.push_str("\\t"),
            '/' if rng.one_in(4) => out.push_str("\\/"),
            c if (c as u32) < 0x20 || rng.one_in(12) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    unicode_escape(u32::from(*unit), rng, out);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render(value: &J, rng: &mut Rng, out: &mut String) {
    match value {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(s) => render_string(s, rng, out),
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(rng, out);
                render(item, rng, out);
                space(rng, out);
            }
            out.push(']');
        }
        J::Obj(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(rng, out);
                render_string(key, rng, out);
                space(rng, out);
                out.push(':');
                space(rng, out);
                render(item, rng, out);
                space(rng, out);
            }
            out.push('}');
        }
    }
}

fn to_text(value: &J, seed: u64) -> String {
    let mut out = String::new();
    let mut rng = Rng(seed | 1);
    space(&mut rng, &mut out);
    render(value, &mut rng, &mut out);
    space(&mut rng, &mut out);
    out
}

// Vocabularies: the valid values first, then the ones the request rejects.

const IDS: &[&str] = &[
    "user:alice",
    "service:payments-api",
    "group:x",
    "ünï:🔑",
    "quote\"d",
    "back\\slash",
    "line\nbreak",
    "nul\u{0}",
    " ",
];
const BAD_IDS: &[&str] = &[""];
const ACTIONS: &[&str] = &["secrets:GetSecretValue", "secrets:*", "x", "ü\u{2028}"];
const PATHS: &[&str] = &[
    "prod/payment/stripe-key",
    "prod/..x/.y",
    "a/%2e%2e/b",
    "ünï/🔑",
    "p",
    "...",
];
const BAD_PATHS: &[&str] = &[
    "",
    "..",
    ".",
    "prod/../dev",
    "a/./b",
    "a/..",
    "./a",
    "a//b",
    "/",
    "/a",
    "a/",
    "a\u{0}b",
    "a\tb",
];
const NAMES: &[&str] = &["team", "env", "", "ü", "a.b", "project", "x y", "\u{7f}"];
const GROUPS: &[&str] = &["group:payments", "group:ops", "", "g\"1"];
const IPS: &[&str] = &[
    "10.1.2.3",
    "0.0.0.0",
    "255.255.255.255",
    "::1",
    "fd00::17",
    "::ffff:10.0.0.1",
    "2001:db8::8a2e:370:7334",
];
const BAD_IPS: &[&str] = &[
    "10.0.0.300",
    "10.1.2",
    "",
    " 10.0.0.1",
    "fe80::1%eth0",
    "010.1.2.3",
    "::g",
    "localhost",
];
const TIMES: &[&str] = &[
    "2026-11-25T10:00:00Z",
    "2026-11-25T10:00:00+02:00",
    "2026-11-25T10:00:00.123-11:30",
    "2026-11-25t10:00:00z",
    "2026-06-30T23:59:60Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
];
const BAD_TIMES: &[&str] = &[
    "yesterday",
    "",
    "2026-11-25",
    "2026-11-25T10:00:00",
    "2026-13-01T00:00:00Z",
    "2026-11-25T24:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-11-25T10:00:00+25:00",
];
const AGES: &[&str] = &["0", "120", "9223372036854775807", "1"];
const BAD_AGES: &[&str] = &[
    "-1",
    "-0",
    "1.0",
    "1e2",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
];
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1.5",
    "1e2",
    "-0",
    "0.1e-400",
    "1E+308",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
];
/// Not JSON numbers at all.
const BAD_NUMBERS: &[&str] = &["1e309", "01", "+1", "1.", ".5", "-", "NaN", "0x10", "1e"];
const STAGES: &[&str] = &["AWSCURRENT", "AWSPREVIOUS", "", "ü"];
const CUSTOM: &[&str] = &[
    "project",
    "ticket",
    "n",
    "",
    "ü",
    "mfa ",
    "Time",
    "source-ip",
];
const UNKNOWN: &[&str] = &[
    "actoin",
    "Principal",
    "",
    "id",
    "path",
    "source_ip",
    "extra",
];

/// A text from `good`, also from `bad` unless `valid`, or a random one.
fn text(
    good: &'static [&'static str],
    bad: &'static [&'static str],
    valid: bool,
) -> BoxedStrategy<String> {
    let good = select(good).prop_map(String::from);
    if valid {
        prop_oneof![4 => good, 1 => "[a-zü🔑:_ -]{1,8}"].boxed()
    } else if bad.is_empty() {
        prop_oneof![30 => good, 1 => "\\PC{0,8}"].boxed()
    } else {
        prop_oneof![
            30 => good,
            1 => select(bad).prop_map(String::from),
            1 => "\\PC{0,8}",
        ]
        .boxed()
    }
}

/// A text from `good`, also from `bad` or a random one unless `valid`: for
/// the fields where a random text is seldom valid.
fn exact(
    good: &'static [&'static str],
    bad: &'static [&'static str],
    valid: bool,
) -> BoxedStrategy<J> {
    if valid {
        select(good).prop_map(|s| J::Str(s.to_string())).boxed()
    } else {
        string(good, bad, false)
    }
}

fn string(
    good: &'static [&'static str],
    bad: &'static [&'static str],
    valid: bool,
) -> BoxedStrategy<J> {
    text(good, bad, valid).prop_map(J::Str).boxed()
}

/// Any JSON value, for the wrong-type alternatives.
fn any_json() -> BoxedStrategy<J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        select(NUMBERS).prop_map(|n| J::Num(n.to_string())),
        "\\PC{0,6}".prop_map(J::Str),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Arr),
            prop::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(J::Obj),
        ]
    })
    .boxed()
}

/// `good` mostly; unless `valid`, sometimes `null` or any other value.
fn or_wrong(good: BoxedStrategy<J>, valid: bool) -> BoxedStrategy<J> {
    if valid {
        good
    } else {
        prop_oneof![40 => good, 1 => Just(J::Null), 1 => any_json()].boxed()
    }
}

/// The entries for `key`: one, or none unless `required` and `valid`, or
/// unless `valid` two (a repeated key, refused).
fn field(
    key: &'static str,
    value: BoxedStrategy<J>,
    required: bool,
    valid: bool,
) -> BoxedStrategy<Vec<(String, J)>> {
    let one = value.clone().prop_map(move |v| vec![(key.to_string(), v)]);
    let two = (value.clone(), value)
        .prop_map(move |(a, b)| vec![(key.to_string(), a), (key.to_string(), b)]);
    match (required, valid) {
        (true, true) => one.boxed(),
        (false, true) => prop_oneof![8 => one, 4 => Just(Vec::new())].boxed(),
        (true, false) => prop_oneof![40 => one, 1 => Just(Vec::new()), 1 => two].boxed(),
        (false, false) => prop_oneof![20 => one, 10 => Just(Vec::new()), 1 => two].boxed(),
    }
}

/// The entries with the first of each key only.
fn unique(mut entries: Vec<(String, J)>) -> Vec<(String, J)> {
    let mut seen = std::collections::HashSet::new();
    entries.retain(|(key, _)| seen.insert(key.clone()));
    entries
}

/// An object of the given fields and, unless `valid`, some unknown ones, in a random order.
fn object(
    fields: Vec<BoxedStrategy<Vec<(String, J)>>>,
    unknown: BoxedStrategy<Vec<(String, J)>>,
) -> BoxedStrategy<J> {
    (fields, unknown)
        .prop_flat_map(|(fields, unknown)| {
            let entries: Vec<(String, J)> = fields.into_iter().flatten().chain(unknown).collect();
            Just(entries).prop_shuffle()
        })
        .prop_map(J::Obj)
        .boxed()
}

fn unknown_keys(valid: bool) -> BoxedStrategy<Vec<(String, J)>> {
    if valid {
        Just(Vec::new()).boxed()
    } else {
        prop_oneof![
            40 => Just(Vec::new()),
            1 => prop::collection::vec((select(UNKNOWN).prop_map(String::from), any_json()), 1..3),
        ]
        .boxed()
    }
}

fn tags(valid: bool) -> BoxedStrategy<J> {
    let value = or_wrong(string(NAMES, &[], valid), valid);
    let entries = prop::collection::vec((text(NAMES, &[], valid), value), 0..4);
    let object = entries
        .prop_map(move |entries| J::Obj(if valid { unique(entries) } else { entries }))
        .boxed();
    if valid {
        prop_oneof![4 => object, 1 => Just(J::Null)].boxed()
    } else {
        or_wrong(object, false)
    }
}

fn groups(valid: bool) -> BoxedStrategy<J> {
    let item = or_wrong(string(GROUPS, &[], valid), valid);
    let array = prop::collection::vec(item, 0..4).prop_map(J::Arr).boxed();
    if valid {
        prop_oneof![4 => array, 1 => Just(J::Null)].boxed()
    } else {
        or_wrong(array, false)
    }
}

fn principal(valid: bool) -> BoxedStrategy<J> {
    let id = or_wrong(string(IDS, BAD_IDS, valid), valid);
    let object = object(
        vec![
            field("id", id.clone(), true, valid),
            field("groups", groups(valid), false, valid),
            field("tags", tags(valid), false, valid),
        ],
        unknown_keys(valid),
    );
    prop_oneof![id, object].boxed()
}

fn resource(valid: bool) -> BoxedStrategy<J> {
    let path = or_wrong(string(PATHS, BAD_PATHS, valid), valid);
    let object = object(
        vec![
            field("path", path.clone(), true, valid),
            field("tags", tags(valid), false, valid),
        ],
        unknown_keys(valid),
    );
    prop_oneof![path, object].boxed()
}

/// A context value: `good`, or `null`, or unless `valid` another type.
fn context_value(good: BoxedStrategy<J>, valid: bool) -> BoxedStrategy<J> {
    if valid {
        prop_oneof![6 => good, 1 => Just(J::Null)].boxed()
    } else {
        or_wrong(good, false)
    }
}

fn attribute(valid: bool) -> BoxedStrategy<J> {
    let numbers = if valid {
        select(NUMBERS).prop_map(|n| J::Num(n.to_string())).boxed()
    } else {
        prop_oneof![
            20 => select(NUMBERS).prop_map(|n| J::Num(n.to_string())),
            1 => select(BAD_NUMBERS).prop_map(|n| J::Num(n.to_string())),
        ]
        .boxed()
    };
    let good = prop_oneof![
        string(CUSTOM, &[], valid),
        numbers,
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(|n| J::Num(n.to_string())),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| J::Num(format!("{f:e}"))),
    ]
    .boxed();
    context_value(good, valid)
}

fn context(valid: bool) -> BoxedStrategy<J> {
    let custom = prop::collection::vec((text(CUSTOM, &[], valid), attribute(valid)), 0..4)
        .prop_map(move |mut entries| {
            let known = [
                "source_ip",
                "mfa",
                "mfa_age_seconds",
                "version_stage",
                "time",
            ];
            entries.retain(|(k, _)| !known.contains(&k.as_str()));
            if valid { unique(entries) } else { entries }
        });
    let ages = if valid {
        select(AGES).prop_map(|n| J::Num(n.to_string())).boxed()
    } else {
        prop_oneof![
            10 => select(AGES).prop_map(|n| J::Num(n.to_string())),
            2 => select(BAD_AGES).prop_map(|n| J::Num(n.to_string())),
            1 => Just(J::Str("120".to_string())),
        ]
        .boxed()
    };
    let object = object(
        vec![
            field(
                "source_ip",
                context_value(exact(IPS, BAD_IPS, valid), valid),
                false,
                valid,
            ),
            field(
                "mfa",
                context_value(any::<bool>().prop_map(J::Bool).boxed(), valid),
                false,
                valid,
            ),
            field("mfa_age_seconds", context_value(ages, valid), false, valid),
            field(
                "version_stage",
                context_value(string(STAGES, &[], valid), valid),
                false,
                valid,
            ),
            field(
                "time",
                context_value(exact(TIMES, BAD_TIMES, valid), valid),
                false,
                valid,
            ),
            custom.boxed(),
        ],
        Just(Vec::new()).boxed(),
    );
    if valid {
        prop_oneof![6 => object, 1 => Just(J::Null)].boxed()
    } else {
        or_wrong(object, false)
    }
}

fn request(valid: bool) -> BoxedStrategy<J> {
    object(
        vec![
            field("principal", or_wrong(principal(valid), valid), true, valid),
            field(
                "action",
                or_wrong(string(ACTIONS, &[""], valid), valid),
                true,
                valid,
            ),
            field("resource", or_wrong(resource(valid), valid), true, valid),
            field("context", context(valid), false, valid),
        ],
        unknown_keys(valid),
    )
}

/// Characters that break JSON in interesting places.
const NOISE: &[char] = &[
    '{', '}', '[', ']', '"', ':', ',', '\\', '0', '-', '.', 'e', 'n', 'x', ' ', '\u{0}', 'ü', '/',
];

/// Breaks a text, or not.
fn mutate(text: String, how: u8, at: Index, c: char) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = at.index(chars.len() + 1);
    match how {
        0 => chars.truncate(i),
        1 => chars.insert(i, c),
        2 if i < chars.len() => {
            chars.remove(i);
        }
        3 if i < chars.len() => chars[i] = c,
        4 => chars.push(c),
        5 => return format!("{text}{text}"),
        _ => {}
    }
    chars.into_iter().collect()
}

/// Request texts, valid or broken in every way the generator knows.
fn request_text() -> impl Strategy<Value = String> {
    let rendered = (request(false), any::<u64>()).prop_map(|(j, seed)| to_text(&j, seed));
    let mutated = (rendered.clone(), 0u8..6, any::<Index>(), select(NOISE))
        .prop_map(|(text, how, at, c)| mutate(text, how, at, c));
    let not_object = (any_json(), any::<u64>()).prop_map(|(j, seed)| to_text(&j, seed));
    prop_oneof![
        4 => valid_request_text(),
        8 => rendered,
        3 => mutated,
        1 => not_object,
        1 => "[{}\\[\\]\":,0-9a-z .\\\\-]{0,40}",
        1 => any::<String>(),
    ]
}

fn valid_request_text() -> impl Strategy<Value = String> {
    (request(true), any::<u64>()).prop_map(|(j, seed)| to_text(&j, seed))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// `from_json` gives exactly what the `Value` path gives.
    #[test]
    fn from_json_matches_the_value_path(text in request_text()) {
        let _ = assert_same(&text);
    }

    /// Valid requests never fall back.
    #[test]
    fn valid_requests_take_the_fast_path(text in valid_request_text()) {
        let old = Request::from_json_via_value(&text);
        prop_assert!(old.is_ok(), "{:?}: {:?}", text, old);
        prop_assert_eq!(Request::from_json_fast_path(&text), old.ok(), "{:?}", text);
        let _ = assert_same(&text);
    }
}
