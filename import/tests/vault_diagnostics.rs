//! Every refusal of the Vault import: a located diagnostic of kind `import`,
//! never a policy loaded loosely.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tessera_import::DiagnosticKind;

/// The diagnostics for `source`, as (line, column, message, hint).
fn refuse(source: &str) -> Vec<(usize, usize, String, Option<String>)> {
    match tessera_import::vault::convert(&[("p.hcl", source)]) {
        Ok(text) => panic!("not refused:\n{text}"),
        Err(diagnostics) => diagnostics
            .iter()
            .map(|d| {
                assert_eq!(d.kind(), DiagnosticKind::Import);
                assert_eq!(d.file(), "p.hcl");
                (
                    d.location().line,
                    d.location().column,
                    d.message().to_string(),
                    d.hint().map(str::to_string),
                )
            })
            .collect(),
    }
}

fn one(source: &str) -> (usize, usize, String, Option<String>) {
    let mut all = refuse(source);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[test]
fn unknown_capability_with_did_you_mean() {
    let (line, column, message, hint) =
        one("path \"secret/*\" {\n  capabilities = [\"read\", \"lsit\"]\n}\n");
    assert_eq!((line, column), (2, 27));
    assert_eq!(message, "unknown capability `lsit` on path \"secret/*\"");
    assert_eq!(hint.as_deref(), Some("did you mean `list`?"));
}

#[test]
fn unknown_capability_far_from_any() {
    let (_, _, message, hint) = one("path \"a\" { capabilities = [\"everything\"] }\n");
    assert!(message.contains("unknown capability `everything`"));
    assert!(
        hint.unwrap()
            .starts_with("Vault's capabilities are create, read")
    );
}

#[test]
fn every_bad_capability_is_reported() {
    let all = refuse(
        "path \"a\" {\n  capabilities = [\"raed\"]\n}\npath \"b\" {\n  capabilities = [\"updat\"]\n}\n",
    );
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].0, all[0].1), (2, 19));
    assert_eq!((all[1].0, all[1].1), (5, 19));
    assert_eq!(all[1].3.as_deref(), Some("did you mean `update`?"));
}

#[test]
fn bad_shorthand() {
    let (line, column, message, hint) = one("path \"a\" {\n  policy = \"wirte\"\n}\n");
    assert_eq!((line, column), (2, 12));
    assert_eq!(message, "invalid `policy` shorthand on path \"a\"");
    assert_eq!(hint.as_deref(), Some("did you mean `write`?"));
}

#[test]
fn capabilities_must_be_a_list_of_strings() {
    let (line, column, message, _) = one("path \"a\" {\n  capabilities = \"read\"\n}\n");
    assert_eq!((line, column), (2, 18));
    assert!(message.contains("must be a list of strings"));
    let (_, _, message, _) = one("path \"a\" {\n  capabilities = [read]\n}\n");
    assert!(message.contains("must be a quoted string"));
}

#[test]
fn unknown_keys() {
    let (line, column, message, hint) = one("path \"a\" {\n  capabilites = [\"read\"]\n}\n");
    assert_eq!((line, column), (2, 3));
    assert_eq!(
        message,
        "unknown key `capabilites` in the block of path \"a\""
    );
    assert_eq!(hint.as_deref(), Some("did you mean `capabilities`?"));

    let (line, column, message, hint) =
        one("name = \"x\"\npaht \"a\" {\n  capabilities = [\"read\"]\n}\n");
    assert_eq!((line, column), (2, 1));
    assert_eq!(message, "unknown key `paht` in a Vault policy");
    assert_eq!(hint.as_deref(), Some("did you mean `path`?"));

    let (line, column, message, _) =
        one("path \"a\" {\n  capabilities = [\"read\"]\n  capabilities = [\"list\"]\n}\n");
    assert_eq!((line, column), (3, 3));
    assert!(
        message.contains("redefined") || message.contains("given twice"),
        "{message}"
    );
}

#[test]
fn wrapping_ttls_and_event_types_cannot_be_imported_yet() {
    let cases = [
        ("min_wrapping_ttl = \"1m\"", "min_wrapping_ttl"),
        ("max_wrapping_ttl = 300", "max_wrapping_ttl"),
        ("subscribe_event_types = [\"kv*\"]", "subscribe_event_types"),
    ];
    for (body, key) in cases {
        let source = format!("path \"secret/*\" {{\n  capabilities = [\"read\"]\n  {body}\n}}\n");
        let (line, column, message, hint) = one(&source);
        assert_eq!((line, column), (3, 3), "{key}");
        assert_eq!(
            message,
            format!("`{key}` cannot be imported yet (path \"secret/*\")")
        );
        assert!(hint.unwrap().contains("would grant more than Vault does"));
    }
}

#[test]
fn control_groups_and_mfa_methods_are_enterprise_and_refused() {
    let cases = [
        ("control_group = {\n    ttl = \"4h\"\n  }", "control_group"),
        (
            "control_group {\n    factor \"ops\" {}\n  }",
            "control_group",
        ),
        ("mfa_methods = [\"okta\"]", "mfa_methods"),
    ];
    for (body, key) in cases {
        let source = format!("path \"secret/*\" {{\n  capabilities = [\"read\"]\n  {body}\n}}\n");
        let (line, column, message, hint) = one(&source);
        assert_eq!((line, column), (3, 3), "{key}");
        assert_eq!(
            message,
            format!("`{key}` cannot be imported (path \"secret/*\")")
        );
        let hint = hint.unwrap();
        assert!(hint.contains("Vault Enterprise"), "{hint}");
        assert!(hint.contains("would grant more than Vault does"), "{hint}");
    }
}

#[test]
fn malformed_paths() {
    let (line, column, message, _) = one("\npath \"secret/+*\" { capabilities = [\"read\"] }\n");
    assert_eq!((line, column), (2, 6));
    assert!(message.starts_with("malformed Vault path \"secret/+*\": `+*`"));

    let (_, _, message, hint) = one("path \"secret/../admin\" { capabilities = [\"read\"] }\n");
    assert_eq!(
        message,
        "malformed Vault path \"secret/../admin\": it has a `..` segment"
    );
    assert!(hint.unwrap().contains("never resolves"));
    let (_, _, message, _) = one("path \"secret/./*\" { capabilities = [\"read\"] }\n");
    assert!(message.contains("a `.` segment"));

    let (_, _, message, _) =
        one("path \"secret/{{identity.entity.id}}/*\" { capabilities = [\"read\"] }\n");
    assert!(message.starts_with("templated Vault path"));
    let (_, _, message, _) = one("path \"a\\\\b\" { capabilities = [\"read\"] }\n");
    assert!(message.contains("holds a `\\`"));
    let (_, _, message, _) = one("path \"a\\tb\" { capabilities = [\"read\"] }\n");
    assert!(message.contains("control character"));

    let (line, column, message, _) = one("path { capabilities = [\"read\"] }\n");
    assert_eq!((line, column), (1, 1));
    assert!(message.contains("exactly one quoted path"));
}

#[test]
fn hcl_syntax_errors_are_located() {
    let (line, column, message, _) = one("path \"a\" {\n  capabilities = [\"read\"\n}\n");
    assert!(
        message.starts_with("this Vault policy is not valid HCL"),
        "{message}"
    );
    assert_eq!(line, 3, "{column}");
}

#[test]
fn a_file_with_errors_loads_nothing_even_beside_good_files() {
    let good = "path \"a\" { capabilities = [\"read\"] }\n";
    let bad = "path \"b\" { capabilities = [\"raed\"] }\n";
    let result = tessera_import::vault::convert(&[("good.hcl", good), ("bad.hcl", bad)]);
    let diagnostics = result.unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].file(), "bad.hcl");
}

#[test]
fn a_carve_out_that_cannot_be_spelled_yet_is_refused_at_the_broader_path() {
    let source = "path \"a/+/*\" {\n  capabilities = [\"read\"]\n}\npath \"a/+/b-c*\" {\n  capabilities = [\"deny\"]\n}\n";
    let (line, column, message, hint) = one(source);
    assert_eq!((line, column), (1, 6));
    assert!(
        message.starts_with("Vault path \"a/+/*\" cannot be imported yet: the more specific path \"a/+/b-c*\" (p.hcl:4)"),
        "{message}"
    );
    assert!(hint.unwrap().contains("`not resource` line"));
}
