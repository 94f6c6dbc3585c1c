//! `policy serve` run for real: one answer line per request line (malformed
//! lines included), reloads with `--watch` (a rewritten file changes the
//! decision; a broken one is reported with file and line while the old set
//! keeps serving), exit 0 at end of input and 2 on bad policy paths.
//!
//! The server is driven line by line through pipes. Nothing here depends on
//! timing beyond generous deadlines: each step waits for the output line it
//! expects, so a slow machine only makes the tests slower.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use server::{DEADLINE, Server, revision_in};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The poll interval the watching tests use.
const INTERVAL: &str = "50";

const ALLOW: &str = r#"policy "app" {
  allow "read" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
  }
}
"#;

const DENY: &str = r#"policy "app" {
  deny "read" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
  }
}
"#;

/// `mfa == maybe` on line 6, column 19: a type error.
const BROKEN: &str = r#"policy "app" {
  allow "read" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
    when { mfa == maybe }
  }
}
"#;

const REQUEST: &str = r#"{"principal": "service:api", "action": "secrets:GetSecretValue", "resource": "app/db", "context": {"time": "2026-11-25T10:00:00Z"}}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Replaces `name` the way many editors save: write a temporary file, then
/// rename it over the old one.
fn write_by_rename(dir: &Path, name: &str, text: &str) {
    let temporary = write(dir, &format!(".{name}.swp"), text);
    std::fs::rename(temporary, dir.join(name)).unwrap();
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn answers_one_line_per_request_and_exits_0_at_end_of_input() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", ALLOW);
    let mut server = Server::start(&["--policies", path_str(dir.path())]);
    let revision = server.serving();
    let serving = server.log().clone();
    assert!(serving.contains("(1 statement)"), "{serving}");

    server.send(REQUEST);
    assert_eq!(
        server.answer().to_string(),
        r#"{"decision":"allow","reason":"allowed","determining":[{"policy":"app","statement":"read"}]}"#
    );
    // Blank lines are skipped; a malformed line gets an error answer and the
    // loop goes on.
    server.send("");
    server.send("   ");
    server.send(r#"{"principal": "service:api", "action": "#);
    let malformed = server.answer();
    assert_eq!(malformed["error"]["kind"], "request", "{malformed}");
    assert_eq!(malformed["error"]["code"], "syntax", "{malformed}");
    server.send(r#"{"principal": "service:api", "resource": "app/db"}"#);
    let missing = server.answer();
    assert_eq!(missing["error"]["field"], "action", "{missing}");
    assert_eq!(
        server.decide(&REQUEST.replace("app/db", "other/db")),
        "deny"
    );
    assert_eq!(server.decide(REQUEST), "allow");

    let (code, log) = server.finish();
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("reload"), "no --watch, no reloads:\n{log}");
    assert_eq!(revision.len(), "sha256:".len() + 64);
}

#[test]
fn explain_adds_the_explanation_to_each_answer() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "app.policy", ALLOW);
    let mut server = Server::start(&["--policies", path_str(&file), "--explain"]);
    server.send(REQUEST);
    let answer = server.answer();
    assert_eq!(answer["decision"], "allow");
    assert!(answer["explanation"].is_array(), "{answer}");
    assert_eq!(server.finish().0, 0);
}

#[test]
fn many_requests_at_once_get_answers_in_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", ALLOW);
    let mut server = Server::start(&["--policies", path_str(dir.path())]);
    let mut batch = String::new();
    for i in 0..200 {
        let resource = if i % 3 == 0 { "app/db" } else { "other/db" };
        batch.push_str(&REQUEST.replace("app/db", resource));
        batch.push('\n');
    }
    server.send(batch.trim_end());
    for i in 0..200 {
        let want = if i % 3 == 0 { "allow" } else { "deny" };
        assert_eq!(server.answer()["decision"], want, "answer {i}");
    }
    assert_eq!(server.finish().0, 0);
}

#[test]
fn watch_reloads_a_rewritten_policy() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", ALLOW);
    let mut server = Server::start(&[
        "--policies",
        path_str(dir.path()),
        "--watch",
        "--interval",
        INTERVAL,
    ]);
    let first = server.serving();
    assert_eq!(server.decide(REQUEST), "allow");

    // Rewritten in place.
    write(dir.path(), "app.policy", DENY);
    let reloaded = server.wait_for("reloaded:");
    let second = revision_in(&reloaded);
    assert_ne!(second, first);
    assert!(reloaded.ends_with("(1 statement)"), "{reloaded}");
    assert_eq!(server.decide(REQUEST), "deny");

    // Saved through a temporary file and a rename.
    write_by_rename(dir.path(), "app.policy", ALLOW);
    let reloaded = server.wait_for("reloaded:");
    assert_eq!(
        revision_in(&reloaded),
        first,
        "the same text is the same revision"
    );
    assert_eq!(server.decide(REQUEST), "allow");

    // A file added beside it joins the set.
    write(
        dir.path(),
        "more.policy",
        &DENY.replace("\"app\"", "\"more\""),
    );
    let reloaded = server.wait_for("reloaded:");
    assert!(reloaded.ends_with("(2 statements)"), "{reloaded}");
    assert_eq!(server.decide(REQUEST), "deny");

    let (code, log) = server.finish();
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("reload failed"), "{log}");
}

#[test]
fn a_broken_policy_is_reported_and_the_old_set_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "app.policy", ALLOW);
    let mut server = Server::start(&[
        "--policies",
        path_str(dir.path()),
        "--watch",
        "--interval",
        INTERVAL,
    ]);
    let serving = server.serving();
    assert_eq!(server.decide(REQUEST), "allow");

    write(dir.path(), "app.policy", BROKEN);
    let failed = server.wait_for("reload failed");
    assert_eq!(failed, format!("reload failed: keeping {serving}"));
    let log = server.log();
    let at = format!("{}:6:19", file.display());
    assert!(log.contains(&at), "no {at} in:\n{log}");
    assert!(log.contains("expected a boolean, found `maybe`"), "{log}");
    assert!(log.contains("error: 1 error(s) in the policy set"), "{log}");
    assert_eq!(server.decide(REQUEST), "allow");

    // Every policy file gone: reported, and the old set still serves.
    std::fs::remove_file(&file).unwrap();
    let failed = server.wait_for("reload failed");
    assert_eq!(failed, format!("reload failed: keeping {serving}"));
    assert!(server.log().contains("no policy files"), "{}", server.log());
    assert_eq!(server.decide(REQUEST), "allow");

    // Fixed: reloaded.
    write(dir.path(), "app.policy", DENY);
    server.wait_for("reloaded:");
    assert_eq!(server.decide(REQUEST), "deny");

    let (code, log) = server.finish();
    assert_eq!(code, 0, "{log}");
    assert_eq!(
        log.matches("reload failed").count(),
        2,
        "one line per attempt:\n{log}"
    );
}

#[test]
fn watch_reloads_a_changed_schema_and_keeps_the_old_one_when_it_breaks() {
    // The policy reads `context.ticket`; requests are checked against the
    // schema beside it, which --watch reloads like the policies.
    let policy = ALLOW.replace(
        "resource  app/**",
        "resource  app/**\n    when { context.ticket like \"CHG-*\" }",
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", &policy);
    let schema = write(
        dir.path(),
        "app.schema",
        "schema {\n  context.ticket: string optional\n}\n",
    );
    let mut server = Server::start(&[
        "--policies",
        path_str(dir.path()),
        "--watch",
        "--interval",
        INTERVAL,
    ]);
    let serving = server.serving();
    let with_ticket = REQUEST.replace("\"context\": {", "\"context\": {\"ticket\": \"CHG-1\", ");
    let with_reason = REQUEST.replace("\"context\": {", "\"context\": {\"reason\": \"x\", ");
    assert_eq!(server.decide(&with_ticket), "allow");
    let refused = server.ask(&with_reason);
    assert_eq!(refused["error"]["field"], "context.reason", "{refused}");

    // The schema gains `reason`: the same policies, a new schema.
    write(
        dir.path(),
        "app.schema",
        "schema {\n  context.ticket: string optional\n  context.reason: string optional\n}\n",
    );
    let reloaded = server.wait_for("reloaded:");
    assert_eq!(
        revision_in(&reloaded),
        serving,
        "the policies did not change"
    );
    assert!(reloaded.ends_with(", new schema)"), "{reloaded}");
    assert_eq!(server.decide(&with_reason), "deny");

    // A broken schema is reported with its place; the last good one stays.
    write(
        dir.path(),
        "app.schema",
        "schema {\n  context.ticket: strng\n}\n",
    );
    let failed = server.wait_for("reload failed");
    assert_eq!(failed, format!("reload failed: keeping {serving}"));
    let log = server.log();
    assert!(log.contains(&format!("{}:2:19", schema.display())), "{log}");
    assert!(log.contains("error(s) in the schema"), "{log}");
    assert_eq!(server.decide(&with_reason), "deny");

    // A schema the policies do not fit is refused as well.
    write(
        dir.path(),
        "app.schema",
        "schema {\n  context.reason: string\n}\n",
    );
    server.wait_for("reload failed");
    assert!(server.log().contains("undeclared"), "{}", server.log());
    assert_eq!(server.decide(&with_reason), "deny");

    // The schema removed: requests are no longer checked.
    std::fs::remove_file(&schema).unwrap();
    let reloaded = server.wait_for("reloaded:");
    assert!(reloaded.ends_with(", new schema)"), "{reloaded}");
    let open = REQUEST.replace("\"context\": {", "\"context\": {\"anything\": 1, ");
    assert_eq!(server.decide(&open), "deny");

    let (code, log) = server.finish();
    assert_eq!(code, 0, "{log}");
}

#[test]
fn watch_ends_at_end_of_input() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", ALLOW);
    // A long interval: the end of input must not wait for the next poll.
    let server = Server::start(&[
        "--policies",
        path_str(dir.path()),
        "--watch",
        "--interval",
        "3600000",
    ]);
    let started = Instant::now();
    let (code, log) = server.finish();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("serving sha256:"), "{log}");
    assert!(started.elapsed() < DEADLINE);
}

/// Runs `policy serve ARGS` with empty standard input to the end.
fn run_to_end(args: &[&str]) -> (i32, String) {
    let server = Server::start(args);
    server.finish()
}

#[test]
fn a_missing_policy_path_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let (code, log) = run_to_end(&["--policies", path_str(&missing)]);
    assert_eq!(code, 2, "{log}");
    assert_eq!(
        log,
        format!("error: {}: no such file or directory", missing.display())
    );

    let (code, log) = run_to_end(&["--policies", path_str(dir.path()), "--watch"]);
    assert_eq!(code, 2, "{log}");
    assert!(
        log.contains("no policy files (*.policy, *.hcl, *.json) found in"),
        "{log}"
    );
}

#[test]
fn policies_that_do_not_compile_at_start_exit_2_with_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "app.policy", BROKEN);
    let (code, log) = run_to_end(&["--policies", path_str(dir.path())]);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains(&format!("{}:6:19", file.display())), "{log}");
    assert!(
        log.ends_with("error: 1 error(s) in the policy set"),
        "{log}"
    );
    assert!(!log.contains("serving"), "{log}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", ALLOW);
    let path = path_str(dir.path());
    for args in [
        vec!["--policies", path, "--interval", "100"],
        vec!["--policies", path, "--watch", "--interval", "0"],
        vec![],
    ] {
        let (code, log) = run_to_end(&args);
        assert_eq!(code, 2, "{args:?}: {log}");
        assert!(log.contains("error:"), "{args:?}: {log}");
    }
}

#[test]
fn audit_failures_are_reported_on_stderr_while_serving_without_flooding() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: no /dev/full on this system");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", ALLOW);
    let request = REQUEST.replace(
        r#""time""#,
        r#""session_token": "ghp_alarm_check_123", "time""#,
    );
    let started = Instant::now();
    let mut server = Server::start(&["--policies", path_str(dir.path()), "--audit", "/dev/full"]);
    server.serving();
    let answer = server.ask(&request);
    assert_eq!(answer["reason"], "audit_failed", "{answer}");

    // Reported while standard input is still open, with the cause.
    let alarm = server.wait_for("could not be written");
    assert!(
        alarm.starts_with("error: 1 audit record(s) could not be written to /dev/full: "),
        "{alarm}"
    );
    assert!(alarm.contains("No space left on device"), "{alarm}");
    assert!(alarm.contains("audit_failed"), "{alarm}");

    // Many more failures: not a line each.
    for _ in 0..50 {
        assert_eq!(server.ask(&request)["reason"], "audit_failed");
    }
    let (code, log) = server.finish();
    let elapsed = started.elapsed();
    assert_eq!(code, 2, "{log}");
    assert!(!log.contains("ghp_alarm_check_123"), "{log}");
    let last = log.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: 51 audit record(s) could not be written to /dev/full: "),
        "{log}"
    );
    // The first line, at most one per 10 seconds after it, and the total.
    let lines = log.matches("could not be written").count();
    let most = 2 + usize::try_from(elapsed.as_secs() / 10).unwrap();
    assert!((2..=most).contains(&lines), "{lines} lines:\n{log}");
}
