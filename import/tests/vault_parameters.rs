//! Vault's parameter constraints and wrapping TTLs, one rule at a time:
//! each test states a rule of acl.go (or a place where Tessera is stricter,
//! as docs/import.md lists them) and decides requests with the converted
//! text. The expected answers are Vault's, except where a test says Tessera
//! is stricter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::{Value, json};

fn engine(hcl: &str) -> (tessera::Engine, String) {
    let text = match tessera_import::vault::convert(&[("p.hcl", hcl)]) {
        Ok(text) => text,
        Err(d) => panic!(
            "refused: {:?}",
            d.iter()
                .map(|d| d.message().to_string())
                .collect::<Vec<_>>()
        ),
    };
    (common::engine(&text), text)
}

fn allows(engine: &(tessera::Engine, String), op: &str, path: &str, body: Value) -> bool {
    common::tessera_allows_with(&engine.0, op, path, Some(&body))
}

fn assert_decisions(hcl: &str, cases: &[(&str, Value, bool)]) {
    let e = engine(hcl);
    for (op, body, expected) in cases {
        assert_eq!(
            allows(&e, op, "secret/x", body.clone()),
            *expected,
            "{op} {body}\n{}",
            e.1
        );
    }
}

const ALLOWED: &str = r#"
path "secret/*" {
  capabilities = ["create", "read", "update", "patch", "recover", "delete", "list"]
  allowed_parameters = {
    "ttl" = ["1h", "2h"]
    "role" = ["app-*", "*-ro", "*shared*"]
    "flag" = [true]
    "note" = []
  }
}
"#;

#[test]
fn only_create_read_update_patch_and_recover_are_checked() {
    let body = json!({"other": "x"});
    assert_decisions(
        ALLOWED,
        &[
            ("create", body.clone(), false),
            ("read", body.clone(), false),
            ("update", body.clone(), false),
            ("patch", body.clone(), false),
            ("recover", body.clone(), false),
            ("delete", body.clone(), true),
            ("list", body.clone(), true),
            // revoke, renew and rollback need `update` but are not checked.
            ("revoke", body.clone(), true),
            ("sudo", body.clone(), false),
        ],
    );
}

#[test]
fn allowed_values_are_vault_globs() {
    assert_decisions(
        ALLOWED,
        &[
            ("update", json!({}), true),
            ("update", json!({"ttl": "1h"}), true),
            ("update", json!({"ttl": "3h"}), false),
            ("update", json!({"ttl": "1h*"}), false),
            ("update", json!({"role": "app-web"}), true),
            ("update", json!({"role": "db-ro"}), true),
            ("update", json!({"role": "a-shared-b"}), true),
            ("update", json!({"role": "web-app"}), false),
            ("update", json!({"note": 5}), true),
            ("update", json!({"flag": true}), true),
            ("update", json!({"flag": false}), false),
            ("update", json!({"flag": "true"}), false),
            // A JSON number never matches: Vault decodes it as json.Number.
            ("update", json!({"ttl": 1}), false),
            // The empty string is an empty comma-separated list.
            ("update", json!({"ttl": ""}), true),
            ("update", json!({"ttl": ["1h", "3h"]}), false),
            // An object is never an allowed value.
            ("update", json!({"ttl": {"1h": 1}}), false),
            ("update", json!({"ttl": {}}), false),
            (
                "update",
                json!({"ttl": "1h", "role": "app-x", "note": "n"}),
                true,
            ),
            ("update", json!({"ttl": "1h", "other": "x"}), false),
        ],
    );
}

#[test]
fn where_tessera_is_stricter_with_allowed_values() {
    // Vault allows each of these; Tessera turns them away (docs/import.md).
    assert_decisions(
        ALLOWED,
        &[
            // A capital in a name (Vault lower-cases `TTL` to `ttl`).
            ("update", json!({"TTL": "1h"}), false),
            // `null`: Tessera's request reader refuses a `null` member.
            ("update", json!({"note": null}), false),
            // A name outside printable ASCII.
            ("update", json!({"note": "x", "é": "y"}), false),
            // A comma-separated string whose parts each match.
            ("update", json!({"ttl": "1h,2h"}), false),
            // An array, even when every item matches (Tessera's `all`
            // cannot tell it from an object, which Vault never allows).
            ("update", json!({"ttl": ["1h", "2h"]}), false),
            ("update", json!({"ttl": []}), false),
            ("update", json!({"flag": [true]}), false),
        ],
    );
}

const DENIED: &str = r#"
path "secret/*" {
  capabilities = ["update"]
  denied_parameters = {
    "ttl" = ["0s", "*h"]
    "admin" = []
    "flag" = [false]
  }
}
"#;

#[test]
fn denied_values_turn_requests_away() {
    assert_decisions(
        DENIED,
        &[
            ("update", json!({}), true),
            ("update", json!({"other": "x"}), true),
            ("update", json!({"admin": "no"}), false),
            ("update", json!({"admin": null}), false),
            ("update", json!({"ttl": "0s"}), false),
            ("update", json!({"ttl": "5h"}), false),
            ("update", json!({"ttl": "5m"}), true),
            ("update", json!({"ttl": 5}), true),
            ("update", json!({"ttl": true}), true),
            ("update", json!({"ttl": ["5m", "1m"]}), true),
            ("update", json!({"ttl": ["5m", "1h"]}), false),
            ("update", json!({"flag": true}), true),
            ("update", json!({"flag": false}), false),
            ("update", json!({"flag": [true, false]}), false),
            // Vault splits strings at commas: one part is denied.
            ("update", json!({"ttl": "5m,0s"}), false),
            ("update", json!({"ttl": "5m, 0s"}), false),
        ],
    );
}

#[test]
fn where_tessera_is_stricter_with_denied_values() {
    // Vault allows each of these; Tessera turns them away (docs/import.md).
    assert_decisions(
        DENIED,
        &[
            // `null`: Tessera's request reader refuses a `null` member.
            ("update", json!({"ttl": null}), false),
            // A comma in the string and a denied value's text inside it,
            // though no part is denied.
            ("update", json!({"ttl": "5m,x0sx"}), false),
            // A capital in any name, when names are checked.
            ("update", json!({"Other": "x"}), false),
        ],
    );
}

#[test]
fn a_denied_star_denies_any_parameter() {
    assert_decisions(
        r#"path "secret/*" {
  capabilities = ["update"]
  denied_parameters = { "*" = [] }
  allowed_parameters = { "*" = [] }
}"#,
        &[
            ("update", json!({}), true),
            ("update", json!({"a": "x"}), false),
        ],
    );
}

#[test]
fn an_allowed_star_admits_other_names_and_checks_a_parameter_named_star() {
    assert_decisions(
        r#"path "secret/*" {
  capabilities = ["update"]
  allowed_parameters = {
    "*" = ["x"]
    "ttl" = ["1h"]
  }
}"#,
        &[
            ("update", json!({"anything": 3}), true),
            ("update", json!({"ttl": "2h"}), false),
            ("update", json!({"*": "x"}), true),
            ("update", json!({"*": "y"}), false),
        ],
    );
    // Only `*`: everything, whatever its values.
    assert_decisions(
        r#"path "secret/*" {
  capabilities = ["update"]
  allowed_parameters = { "*" = ["x"] }
}"#,
        &[
            ("update", json!({"*": "y"}), true),
            ("update", json!({"Any": 1}), true),
        ],
    );
}

#[test]
fn required_parameters_are_lower_cased_and_looked_up_exactly() {
    assert_decisions(
        r#"path "secret/*" {
  capabilities = ["update", "read"]
  required_parameters = ["Owner"]
}"#,
        &[
            ("update", json!({}), false),
            ("update", json!({"owner": "me"}), true),
            ("update", json!({"Owner": "me"}), false),
            ("update", json!({"owner": "me", "Other": 1}), true),
            ("read", json!({"x": 1}), false),
        ],
    );
}

#[test]
fn policies_and_token_policies_compare_lower_cased() {
    assert_decisions(
        r#"path "secret/*" {
  capabilities = ["update"]
  allowed_parameters = {
    "policies" = ["default", "app-*", "Admin"]
    "token_policies" = []
  }
  denied_parameters = {
    "token_policies" = ["root"]
  }
}"#,
        &[
            ("update", json!({"policies": "DEFAULT"}), true),
            ("update", json!({"policies": "App-Web"}), true),
            // Vault: true (every item matches); Tessera: stricter, an array.
            ("update", json!({"policies": ["default", "App-Web"]}), false),
            // "Admin" can never match a lower-cased value.
            ("update", json!({"policies": "Admin"}), false),
            ("update", json!({"policies": "admin"}), false),
            (
                "update",
                json!({"policies": "default", "token_policies": "ROOT"}),
                false,
            ),
            (
                "update",
                json!({"policies": "default", "token_policies": ["x", "Root"]}),
                false,
            ),
            (
                "update",
                json!({"policies": "default", "token_policies": "ops"}),
                true,
            ),
        ],
    );
}

#[test]
fn a_more_specific_path_decides_with_its_own_constraints() {
    let e = engine(
        r#"path "secret/*" {
  capabilities = ["update"]
  allowed_parameters = { "ttl" = [] }
}
path "secret/open" {
  capabilities = ["update"]
}
path "secret/closed/*" {
  capabilities = ["update"]
  denied_parameters = { "*" = [] }
}"#,
    );
    let body = json!({"other": "x"});
    assert!(!allows(&e, "update", "secret/x", body.clone()), "{}", e.1);
    assert!(allows(&e, "update", "secret/open", body.clone()), "{}", e.1);
    assert!(
        !allows(&e, "update", "secret/closed/a", json!({"ttl": "1h"})),
        "{}",
        e.1
    );
    assert!(
        allows(&e, "update", "secret/closed/a", json!({})),
        "{}",
        e.1
    );
}

#[test]
fn merged_rules_keep_the_constraints_for_every_capability() {
    // One file grants read with constraints, another update without: the
    // merged rule checks both (NewACL merges the constraints in).
    let text = tessera_import::vault::convert(&[
        (
            "a.hcl",
            r#"path "secret/*" {
  capabilities = ["read"]
  allowed_parameters = { "version" = [] }
}"#,
        ),
        ("b.hcl", r#"path "secret/*" { capabilities = ["update"] }"#),
    ])
    .unwrap();
    let engine = common::engine(&text);
    for op in ["read", "update"] {
        assert!(
            common::tessera_allows_with(&engine, op, "secret/x", Some(&json!({"version": 2}))),
            "{op}\n{text}"
        );
        assert!(
            !common::tessera_allows_with(&engine, op, "secret/x", Some(&json!({"other": 2}))),
            "{op}\n{text}"
        );
    }
    // A deny in one file drops every constraint and every capability.
    let text = tessera_import::vault::convert(&[
        (
            "a.hcl",
            r#"path "secret/*" {
  capabilities = ["read"]
  allowed_parameters = { "version" = [] }
}"#,
        ),
        ("b.hcl", r#"path "secret/*" { capabilities = ["deny"] }"#),
    ])
    .unwrap();
    let engine = common::engine(&text);
    assert!(
        !common::tessera_allows_with(&engine, "read", "secret/x", Some(&json!({"version": 2}))),
        "{text}"
    );
}

#[test]
fn wrapping_ttls_bound_every_allowed_operation() {
    let (engine, text) = engine(
        r#"path "secret/*" {
  capabilities = ["read", "list", "delete", "sudo"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = 300
}"#,
    );
    for op in ["read", "list", "delete"] {
        for (wrap, expected) in [
            (None, false),
            (Some(59), false),
            (Some(60), true),
            (Some(300), true),
            (Some(301), false),
        ] {
            assert_eq!(
                common::tessera_allows_wrapped(&engine, op, "secret/x", None, wrap),
                expected,
                "{op} {wrap:?}\n{text}"
            );
        }
    }
    // `sudo` only asks whether the capability is held.
    assert!(common::tessera_allows_wrapped(
        &engine, "sudo", "secret/x", None, None
    ));
}

#[test]
fn long_value_lists_convert_and_decide() {
    let values = (0..5000)
        .map(|i| format!("\"v{i}*\""))
        .collect::<Vec<_>>()
        .join(", ");
    let hcl = format!(
        "path \"secret/*\" {{\n  capabilities = [\"update\"]\n  allowed_parameters = {{ \"*\" = [], \"x\" = [{values}, \"v1*\"] }}\n  denied_parameters = {{ \"y\" = [{values}] }}\n}}\n"
    );
    assert_decisions(
        &hcl,
        &[
            ("update", json!({"x": "v4999-a"}), true),
            ("update", json!({"x": "w"}), false),
            ("update", json!({"y": "v17"}), false),
            ("update", json!({"y": "w"}), true),
        ],
    );
}
