//! Schemas end to end, as a user runs them: `*.schema` beside the policies
//! or `--schema FILE`, checked by `check`, `lint`, `eval`, `test` and
//! `serve`, and `policy schema`'s JSON Schema validating requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod runner;

use runner::{Invocation, Run, invoke};
use serde_json::{Value, json};
use std::path::Path;

const SCHEMA: &str = r#"schema {
  context.incident: string optional
  context.ticket_count: number optional
  principal.tags.team: enum ["payments", "search", "ops"] optional
  resource.tags.env: enum ["dev", "staging", "prod"]
}
"#;

const POLICY: &str = r#"policy "p" {
  allow "incident-read" {
    principal *
    action    secrets:GetSecretValue
    resource  prod/**
    when {
      context.incident like "INC-*"
      resource.tags.env == "prod"
    }
  }
}
"#;

/// The typos of the issue: a misspelt custom key, a value outside an
/// enumeration, `like` on a number.
const TYPOS: &str = r#"policy "p" {
  allow "incident-read" {
    principal *
    action    secrets:GetSecretValue
    resource  prod/**
    when {
      context.incidnet like "INC-*"
      resource.tags.env == "production"
      context.ticket_count like "1*"
    }
  }
}
"#;

fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    invoke(Invocation {
        args: args.to_vec(),
        dir: Some(dir),
        stdin: stdin.map(|s| s.as_bytes().to_vec()),
        ..Invocation::default()
    })
}

/// A directory holding `app.schema` and `p.policy` with `policy`.
fn set(policy: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.schema"), SCHEMA).unwrap();
    std::fs::write(dir.path().join("p.policy"), policy).unwrap();
    dir
}

fn request(context: Value, env: &str) -> String {
    json!({
        "principal": "service:x",
        "action": "secrets:GetSecretValue",
        "resource": {"path": "prod/db", "tags": {"env": env}},
        "context": context,
    })
    .to_string()
}

#[test]
fn check_reports_every_undeclared_key_and_mismatch_with_the_schema_beside() {
    let dir = set(TYPOS);
    let found = run(dir.path(), &["check", "--format", "json"], None);
    found.assert_code(2);
    let report: Value = serde_json::from_str(&found.stdout).unwrap();
    let codes: Vec<(&str, u64, Option<&str>)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["hint"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            (
                "undeclared-key",
                7,
                Some("did you mean `context.incident`?")
            ),
            ("schema-mismatch", 8, None),
            ("schema-mismatch", 9, None),
        ]
    );
    // Drawn for people too.
    run(dir.path(), &["check"], None)
        .assert_code(2)
        .assert_stderr_has("undeclared-key")
        .assert_stderr_has("did you mean `context.incident`?");
    // Without the schema the same typos pass: the schema is what catches them.
    std::fs::remove_file(dir.path().join("app.schema")).unwrap();
    let text = TYPOS.replace(
        "context.ticket_count like \"1*\"",
        "context.ticket_count >= 1",
    );
    std::fs::write(dir.path().join("p.policy"), text).unwrap();
    run(dir.path(), &["check"], None).assert_code(0);
}

#[test]
fn a_schema_named_with_the_option_is_used_instead() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/p.policy"), TYPOS).unwrap();
    std::fs::write(dir.path().join("elsewhere.schema"), SCHEMA).unwrap();
    // Not beside the policies: not found.
    let plain = TYPOS.replace(
        "context.ticket_count like \"1*\"",
        "context.ticket_count >= 1",
    );
    std::fs::write(dir.path().join("policies/p.policy"), &plain).unwrap();
    run(dir.path(), &["check", "policies"], None).assert_code(0);
    run(
        dir.path(),
        &["check", "policies", "--schema", "elsewhere.schema"],
        None,
    )
    .assert_code(2)
    .assert_stderr_has("`context.incidnet` is not declared in the schema");
    run(
        dir.path(),
        &["check", "policies", "--schema", "missing.schema"],
        None,
    )
    .assert_code(2)
    .assert_stderr_has("missing.schema");
}

#[test]
fn a_broken_schema_file_is_invalid_input_with_its_location() {
    let dir = set(POLICY);
    std::fs::write(
        dir.path().join("app.schema"),
        "schema {\n  context.incident: strng\n  resource.tags.env: string\n}\n",
    )
    .unwrap();
    for command in ["check", "lint", "test"] {
        run(dir.path(), &[command], None)
            .assert_code(2)
            .assert_stderr_has("unknown type `strng`")
            .assert_stderr_has("app.schema:2:21")
            .assert_stderr_has("did you mean `string`?");
    }
    let bytes = [b"schema { context.a: string } # \xff".as_slice()].concat();
    std::fs::write(dir.path().join("app.schema"), bytes).unwrap();
    run(dir.path(), &["check"], None)
        .assert_code(2)
        .assert_stderr_has("app.schema");
    run(dir.path(), &["schema"], None).assert_code(2);
}

#[test]
fn lint_reports_schema_problems_in_every_format() {
    let dir = set(TYPOS);
    let json_run = run(dir.path(), &["lint", "--format", "json"], None);
    json_run.assert_code(2);
    let results: Value = serde_json::from_str(&json_run.stdout).unwrap();
    let codes: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["undeclared-key", "schema-mismatch", "schema-mismatch"]
    );
    let github = run(dir.path(), &["lint", "--format", "github"], None);
    github.assert_code(2);
    assert!(
        github
            .stdout
            .contains("::error file=./p.policy,line=7,col=7,"),
        "{}",
        github.both()
    );
    let sarif = run(dir.path(), &["lint", "--format", "sarif"], None);
    assert!(sarif.stdout.contains("undeclared-key"), "{}", sarif.both());
}

#[test]
fn eval_refuses_requests_that_do_not_fit_naming_the_field_not_the_value() {
    let dir = set(POLICY);
    let eval = |request: &str, extra: &[&str]| {
        std::fs::write(dir.path().join("request.json"), request).unwrap();
        let mut args = vec!["eval", "-p", ".", "-r", "request.json"];
        args.extend_from_slice(extra);
        run(dir.path(), &args, None)
    };
    let good = request(
        json!({"incident": "INC-1", "source_ip": "10.0.0.1"}),
        "prod",
    );
    let allowed = eval(&good, &[]);
    allowed.assert_code(0);
    assert!(
        allowed.stdout.contains(r#""decision":"allow""#),
        "{}",
        allowed.both()
    );
    let misspelt = request(
        json!({"incident": "INC-1", "sourceip": "203.0.113.9"}),
        "prod",
    );
    let refused = eval(&misspelt, &[]);
    refused.assert_code(2).assert_stderr_has(
        "context.sourceip: not declared in the schema; did you mean `source_ip`?",
    );
    assert!(!refused.both().contains("203.0.113.9"));
    let answer: Value =
        serde_json::from_str(&eval(&misspelt, &["--format", "json"]).stdout).unwrap();
    assert_eq!(answer["error"]["field"], "context.sourceip");
    assert_eq!(answer["error"]["code"], "unknown_field");
    for (request, field) in [
        (request(json!({"incident": 7}), "prod"), "context.incident"),
        (
            request(json!({"ticket_count": "SECRET"}), "prod"),
            "context.ticket_count",
        ),
        (request(json!({}), "SECRET-production"), "resource.tags.env"),
        (
            json!({"principal": "u", "action": "a", "resource": "prod/db"}).to_string(),
            "resource.tags.env",
        ),
    ] {
        let refused = eval(&request, &[]);
        refused.assert_code(2).assert_stderr_has(field);
        assert!(!refused.both().contains("SECRET"), "{}", refused.both());
    }
}

#[test]
fn eval_names_every_problem_of_a_request_at_once() {
    // Three fields wrong in one request: a person fixing it is told all
    // three in one run, in field order, and none of the values.
    let dir = set(POLICY);
    let request = request(
        json!({"incident": 7, "ticket_count": "SECRET-1", "sourceip": "SECRET-2"}),
        "SECRET-production",
    );
    std::fs::write(dir.path().join("request.json"), request).unwrap();
    let refused = run(dir.path(), &["eval", "-p", ".", "-r", "request.json"], None);
    refused
        .assert_code(2)
        .assert_stderr_has("4 problems")
        .assert_stderr_has("context.incident: the schema declares a `string`")
        .assert_stderr_has("context.ticket_count: the schema declares a `number`")
        .assert_stderr_has("context.sourceip: not declared in the schema")
        .assert_stderr_has("resource.tags.env: not one of the values");
    assert!(!refused.both().contains("SECRET"), "{}", refused.both());
    // The JSON answer keeps the one-error shape every host gives.
    let json = run(
        dir.path(),
        &["eval", "-p", ".", "-r", "request.json", "--format", "json"],
        None,
    );
    let answer: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(answer["error"]["field"], "context.incident");
}

#[test]
fn serve_answers_requests_that_do_not_fit_with_an_error_and_keeps_serving() {
    let dir = set(POLICY);
    let lines = format!(
        "{}\n{}\n",
        request(json!({"sourceip": "10.0.0.1"}), "prod"),
        request(json!({"incident": "INC-1"}), "prod")
    );
    let served = run(dir.path(), &["serve", "-p", "."], Some(&lines));
    served.assert_code(0);
    let answers: Vec<Value> = served
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers[0]["error"]["field"], "context.sourceip");
    assert_eq!(answers[1]["decision"], "allow");
    // Policies that break the schema do not start the server.
    let broken = set(TYPOS);
    run(broken.path(), &["serve", "-p", "."], Some(""))
        .assert_code(2)
        .assert_stderr_has("undeclared-key");
}

#[test]
fn a_test_whose_request_does_not_fit_is_a_located_test_file_error() {
    let dir = set(POLICY);
    let tests = r#"[defaults.request]
principal = "service:x"
action = "secrets:GetSecretValue"
resource = { path = "prod/db", tags = { env = "prod" } }

[[test]]
name = "incident allowed"
expect = "allow"
[test.request]
context = { incident = "INC-1" }

[[test]]
name = "a deny for the wrong reason"
expect = "deny"
[test.request]
context = { sourceip = "203.0.113.9", ticket_count = "3" }
"#;
    std::fs::write(dir.path().join("p.tests.toml"), tests).unwrap();
    let ran = run(dir.path(), &["test"], None);
    ran.assert_code(2)
        .assert_stderr_has("p.tests.toml:16:")
        .assert_stderr_has(
            "request.context.sourceip: not declared in the schema; did you mean `source_ip`?",
        )
        .assert_stderr_has("request.context.ticket_count: the schema declares a `number`")
        .assert_stderr_has("2 error(s) in 1 test file(s); no test ran");
    // Fixed, the suite runs and passes.
    let fixed = tests.replace(
        "sourceip = \"203.0.113.9\", ticket_count = \"3\"",
        "source_ip = \"203.0.113.9\", ticket_count = 3",
    );
    std::fs::write(dir.path().join("p.tests.toml"), fixed).unwrap();
    let ran = run(dir.path(), &["test"], None);
    ran.assert_code(0);
    assert!(ran.stdout.contains("2 passed, 0 failed"), "{}", ran.both());
}

#[test]
fn the_json_schema_validates_requests_as_the_engine_does() {
    let dir = set(POLICY);
    let printed = run(dir.path(), &["schema"], None);
    printed.assert_code(0);
    let document: Value = serde_json::from_str(&printed.stdout).unwrap();
    let validator = jsonschema::draft202012::new(&document).unwrap();
    let good = [
        request(
            json!({"incident": "INC-1", "ticket_count": 2, "source_ip": "10.0.0.1"}),
            "prod",
        ),
        request(json!({"incident": null}), "dev"),
        json!({"principal": {"id": "u", "tags": {"team": "ops"}}, "action": "a",
            "resource": {"path": "p", "tags": {"env": "staging"}}})
        .to_string(),
    ];
    let bad = [
        request(json!({"sourceip": "10.0.0.1"}), "prod"),
        request(json!({"incident": 7}), "prod"),
        request(json!({"ticket_count": "3"}), "prod"),
        request(json!({}), "production"),
        json!({"principal": "u", "action": "a", "resource": "prod/db"}).to_string(),
        json!({"principal": {"id": "u", "tags": {"tema": "ops"}}, "action": "a",
            "resource": {"path": "p", "tags": {"env": "dev"}}})
        .to_string(),
    ];
    let engine_accepts = |text: &str| {
        std::fs::write(dir.path().join("r.json"), text).unwrap();
        run(dir.path(), &["eval", "-p", ".", "-r", "r.json"], None).code == 0
    };
    for text in good {
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(validator.is_valid(&value), "{text}");
        assert!(engine_accepts(&text), "{text}");
    }
    for text in bad {
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(!validator.is_valid(&value), "{text}");
        assert!(!engine_accepts(&text), "{text}");
    }
    // A schema file named on the command line.
    let named = run(dir.path(), &["schema", "app.schema"], Some(""));
    named.assert_code(0);
    assert_eq!(named.stdout, printed.stdout);
    // Without a schema file: the built-in request schema, and a note.
    let empty = tempfile::tempdir().unwrap();
    let plain = run(empty.path(), &["schema"], None);
    plain
        .assert_code(0)
        .assert_stderr_has("no *.schema file found");
    let document: Value = serde_json::from_str(&plain.stdout).unwrap();
    let validator = jsonschema::draft202012::new(&document).unwrap();
    let custom: Value =
        serde_json::from_str(&request(json!({"sourceip": "10.0.0.1"}), "prod")).unwrap();
    assert!(validator.is_valid(&custom));
}
