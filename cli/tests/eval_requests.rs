//! `policy eval` reads its request exactly as every other host does
//! (`tessera::Request::from_json_with` under the engine's limits): no
//! byte-order mark stripped, repeated keys and paths that are not
//! normalized refused, `--limit` applied to the request too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod runner;

use runner::{Invocation, Run, invoke};
use std::path::Path;

const POLICY: &str = r#"policy "p" {
  allow "read" { principal * action secrets:GetSecretValue resource app/** }
}
"#;

fn eval(dir: &Path, request: &str, extra: &[&str]) -> Run {
    std::fs::write(dir.join("p.policy"), POLICY).unwrap();
    std::fs::write(dir.join("request.json"), request).unwrap();
    let mut args = vec!["eval", "-p", "p.policy", "-r", "request.json"];
    args.extend_from_slice(extra);
    invoke(Invocation {
        args,
        dir: Some(dir),
        ..Invocation::default()
    })
}

#[test]
fn eval_refuses_what_every_host_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let ok = r#"{"principal": "u", "action": "secrets:GetSecretValue", "resource": "app/db"}"#;
    let run = eval(dir.path(), ok, &[]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(r#""decision":"allow""#),
        "{}",
        run.both()
    );
    for (request, message) in [
        (
            format!("\u{feff}{ok}"),
            "invalid request in request.json: the request starts with a byte-order mark",
        ),
        (
            ok.replace(
                r#""action""#,
                r#""action": "secrets:DeleteSecret", "action""#,
            ),
            "invalid request in request.json: action: duplicate key `action`",
        ),
        (
            ok.replace("app/db", "app/x/../db"),
            "invalid request in request.json: resource: not normalized: segment 3 is `..`",
        ),
        (
            ok.replace("app/db", "app/db/"),
            "invalid request in request.json: resource: not normalized: it ends with `/`",
        ),
    ] {
        eval(dir.path(), &request, &[])
            .assert_code(2)
            .assert_stderr_has(message);
    }
}

#[test]
fn eval_applies_the_request_limits_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let request = r#"{"principal": {"id": "u", "groups": ["a", "b"]}, "action": "secrets:GetSecretValue", "resource": "app/db"}"#;
    eval(dir.path(), request, &[]).assert_code(0);
    eval(dir.path(), request, &["--limit", "max_groups=1"])
        .assert_code(2)
        .assert_stderr_has("principal.groups: holds 2 groups; the limit is 1 (max_groups)");
}
