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
fn event_types_cannot_be_imported_yet() {
    let cases = [("subscribe_event_types = [\"kv*\"]", "subscribe_event_types")];
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

/// `path "a" { capabilities = ["update"] BODY }`, with BODY from line 3.
fn with_body(body: &str) -> String {
    format!("path \"a\" {{\n  capabilities = [\"update\"]\n{body}\n}}\n")
}

#[test]
fn parameter_maps_must_be_maps_of_lists() {
    let (line, column, message, hint) = one(&with_body("  allowed_parameters = \"foo\""));
    assert_eq!((line, column), (3, 24));
    assert_eq!(
        message,
        "`allowed_parameters` of path \"a\" must be a map from parameter names to lists of values"
    );
    assert!(hint.unwrap().contains("an empty list means any value"));

    let (line, column, message, _) = one(&with_body("  denied_parameters = [\"foo\"]"));
    assert_eq!((line, column), (3, 23));
    assert!(message.starts_with("`denied_parameters` of path \"a\" must be a map"));

    let (line, column, message, hint) = one(&with_body(
        "  denied_parameters = {\n    \"foo\" = \"bar\"\n  }",
    ));
    assert_eq!((line, column), (4, 13));
    assert_eq!(
        message,
        "the values of parameter `foo` in `denied_parameters` of path \"a\" must be a list"
    );
    assert!(hint.unwrap().contains("for any value"));
}

#[test]
fn parameter_values_that_cannot_be_imported() {
    let (line, column, message, _) = one(&with_body(
        "  allowed_parameters = {\n    foo = [\"a\", [\"b\"]]\n  }",
    ));
    assert_eq!((line, column), (4, 17));
    assert_eq!(
        message,
        "a list or map among the values of parameter `foo` in `allowed_parameters` of path \"a\" cannot be imported yet"
    );

    let (line, column, message, _) = one(&with_body(
        "  allowed_parameters = {\n    foo = [{ x = 1 }]\n  }",
    ));
    assert_eq!((line, column), (4, 12));
    assert!(message.starts_with("a list or map among the values"));

    let (_, _, message, _) = one(&with_body(
        "  allowed_parameters = {\n    foo = [null]\n  }",
    ));
    assert_eq!(
        message,
        "a value of parameter `foo` in `allowed_parameters` of path \"a\" must be a string, a number or a boolean"
    );

    let (line, column, message, hint) = one(&with_body(
        "  allowed_parameters = {\n    foo = [\"{{identity.entity.id}}\"]\n  }",
    ));
    assert_eq!((line, column), (4, 12));
    assert!(message.starts_with("a templated value of parameter `foo`"));
    assert!(hint.unwrap().contains("filled in per token"));

    let (_, _, message, _) = one(&with_body(
        "  denied_parameters = {\n    foo = [\"a${b}\"]\n  }",
    ));
    assert!(message.contains("holds `${` or `%{`"), "{message}");

    let (line, column, message, hint) = one(&with_body(
        "  allowed_parameters = {\n    foo = [\"a\\\\b*\"]\n  }",
    ));
    assert_eq!((line, column), (4, 12));
    assert_eq!(
        message,
        "value \"a\\\\b*\" of parameter `foo` in `allowed_parameters` of path \"a\" cannot be imported yet: it has a `*` and a `\\`"
    );
    assert!(hint.unwrap().contains("`\\`"));

    let (_, _, message, _) = one(&with_body(
        "  allowed_parameters = {\n    foo = [\"a\\u0001\"]\n  }",
    ));
    assert!(message.contains("holds a control character"), "{message}");
}

#[test]
fn parameter_names_that_cannot_be_imported() {
    let (line, column, message, hint) = one(&with_body(
        "  allowed_parameters = {\n    Foo = []\n    \"foo\" = [\"x\"]\n  }",
    ));
    assert_eq!((line, column), (5, 5));
    assert_eq!(
        message,
        "parameter `foo` is given twice in `allowed_parameters` of path \"a\" (as `Foo` before; Vault lower-cases the names)"
    );
    assert!(hint.unwrap().contains("at random"));

    let (line, column, message, _) = one(&with_body(
        "  denied_parameters = {\n    \"Ärger\" = []\n  }",
    ));
    assert_eq!((line, column), (4, 5));
    assert!(
        message.ends_with("cannot be imported yet: it holds a capital letter outside ASCII"),
        "{message}"
    );

    let (line, column, message, _) = one(&with_body(
        "  allowed_parameters = {\n    \"\" = [\"x\"]\n  }",
    ));
    assert_eq!((line, column), (4, 5));
    assert!(message.starts_with("the empty parameter name"), "{message}");
}

#[test]
fn required_parameters_must_be_a_list_of_names() {
    let (line, column, message, hint) = one(&with_body("  required_parameters = \"foo\""));
    assert_eq!((line, column), (3, 25));
    assert_eq!(
        message,
        "`required_parameters` of path \"a\" must be a list of parameter names"
    );
    assert_eq!(
        hint.as_deref(),
        Some("write `required_parameters = [\"name\"]`")
    );

    let (line, column, message, _) = one(&with_body("  required_parameters = [\"a\", 1]"));
    assert_eq!((line, column), (3, 31));
    assert_eq!(
        message,
        "a required parameter of path \"a\" must be a quoted string"
    );
}

#[test]
fn every_bad_parameter_is_reported() {
    let all = refuse(&with_body(
        "  allowed_parameters = {\n    a = \"x\"\n    b = [[1]]\n  }\n  required_parameters = [2]",
    ));
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!((all[0].0, all[0].1), (4, 9));
    assert_eq!((all[1].0, all[1].1), (5, 10));
    assert_eq!((all[2].0, all[2].1), (7, 26));
}

#[test]
fn wrapping_ttls_the_importer_cannot_read_are_refused() {
    for (body, key) in [
        ("  min_wrapping_ttl = \"1.5h\"", "min_wrapping_ttl"),
        ("  max_wrapping_ttl = \"300ms\"", "max_wrapping_ttl"),
        ("  max_wrapping_ttl = \"30m1h\"", "max_wrapping_ttl"),
        ("  max_wrapping_ttl = -5", "max_wrapping_ttl"),
        ("  max_wrapping_ttl = [300]", "max_wrapping_ttl"),
    ] {
        let (line, column, message, hint) = one(&with_body(body));
        assert_eq!((line, column), (3, 22), "{body}");
        assert_eq!(
            message,
            format!(
                "`{key}` of path \"a\" cannot be imported: it is not a duration the importer reads"
            )
        );
        assert!(hint.unwrap().contains("largest first"));
    }
}

#[test]
fn a_max_wrapping_ttl_below_the_min_is_refused_as_vault_refuses_it() {
    let (line, column, message, _) = one(&with_body(
        "  min_wrapping_ttl = \"10m\"\n  max_wrapping_ttl = 300",
    ));
    assert_eq!((line, column), (1, 6));
    assert_eq!(
        message,
        "path \"a\": `max_wrapping_ttl` cannot be less than `min_wrapping_ttl` (Vault refuses this policy too)"
    );
}
