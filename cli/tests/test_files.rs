//! `policy test` on test files: every error at once, shared defaults and
//! fixtures, `decided_by` names checked, clock warnings, one diagnostic style.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn policy(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_policy"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let run = Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "panic:\n{}", run.stderr);
    run
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

const POLICY: &str = r#"policy "payments" {
  allow "read-stripe-key" {
    principal service:payments-*
    action    secrets:GetSecretValue
    resource  prod/payment/**
    when { source_ip in [10.0.0.0/8] and version_stage == "AWSCURRENT" }
  }
  deny "nobody-deletes" {
    principal *
    action    secrets:DeleteSecret
    resource  prod/**
  }
}
"#;

/// The drawn diagnostics' headers: the lines that start `error[CODE]:`.
fn headers(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("error[")).collect()
}

#[test]
fn seven_mistakes_in_a_test_file_are_reported_in_one_run() {
    let tests = r#"[defaults.request]
principal = "service:payments-api"
action = "secrets:GetSecretValue"
resource = "prod/payment/stripe-key"

[[test]]
name = "reads"
expcet = "allow"

[[test]]
name = "reads"
expect = "allow"

[[test]]
name = "third"
expect = "maybe"

[[test]]
name = "fourth"
expect = "deny"
[test.request.context]
source_ip = "10.1.2"
time = 2026-11-25T10:00:00

[[test]]
name = "sixth"
expect = "deny"
request = "prod/x"
"#;
    let dir = dir_with(&[("p.policy", POLICY), ("p.tests.toml", tests)]);
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stdout.contains("passed"),
        "no test runs: {}",
        run.stdout
    );
    let err = &run.stderr;
    let expected = [
        (
            "p.tests.toml:8:1",
            "unknown key `expcet` (did you mean `expect`?)",
        ),
        (
            "p.tests.toml:10:1",
            "a second test has this name (the first is on line 6)",
        ),
        (
            "p.tests.toml:16:10",
            "`expect` must be \"allow\" or \"deny\", found \"maybe\"",
        ),
        ("p.tests.toml:22:13", "request.context.source_ip"),
        ("p.tests.toml:23:8", "request.context.time"),
        (
            "p.tests.toml:28:11",
            "`request` must be a table, found string",
        ),
    ];
    for (place, message) in expected {
        assert!(err.contains(place), "{place} missing:\n{err}");
        assert!(err.contains(message), "{message} missing:\n{err}");
    }
    // And a seventh: a `decided_by` naming no statement, found against the
    // policies in the same run.
    let with_decided_by = tests.replace(
        "name = \"third\"\n",
        "name = \"third\"\ndecided_by = \"read-strip-key\"\n",
    );
    std::fs::write(dir.path().join("p.tests.toml"), &with_decided_by).unwrap();
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let err = &run.stderr;
    assert_eq!(headers(err).len(), 7, "exactly seven errors:\n{err}");
    assert!(err.contains("p.tests.toml:16:14"), "{err}");
    assert!(
        err.contains("`decided_by` names no statement of the policy set: `read-strip-key` (did you mean `read-stripe-key`?)"),
        "{err}"
    );
    assert!(
        err.lines()
            .last()
            .unwrap()
            .contains("7 error(s) in 1 test file(s); no test ran"),
        "{err}"
    );
}

#[test]
fn test_file_errors_are_drawn_like_policy_diagnostics() {
    let broken_policy = "policy \"p\" {\n  alow \"s\" { principal * action * resource * }\n}\n";
    let dir = dir_with(&[("b.policy", broken_policy)]);
    let check = policy(dir.path(), &["check", "b.policy"]);
    let policy_header = headers(&check.stderr)[0];
    // The header's shape around the code, as the policy diagnostic draws it.
    let (before, after) = policy_header.split_once("unknown-keyword").unwrap();
    let after = &after[..after.find(':').unwrap() + 1];

    let tests = "[[test]]\nname = \"t\"\nexpcet = \"allow\"\nrequest = { principal = \"u:a\", action = \"a\", resource = \"r\" }\n";
    let dir = dir_with(&[("p.policy", POLICY), ("p.tests.toml", tests)]);
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 2);
    let header = headers(&run.stderr)[0];
    assert!(
        header.starts_with(&format!("{before}test-file{after}")),
        "policy diagnostic: {policy_header}\ntest-file diagnostic: {header}"
    );
    assert!(run.stderr.contains("p.tests.toml:3:1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("3 | expcet = \"allow\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("a test holds name, expect"),
        "{}",
        run.stderr
    );
}

const SHARED: &str = r#"[defaults.request]
principal = { id = "service:payments-api", groups = ["group:payments"] }
action = "secrets:GetSecretValue"
resource = "prod/payment/stripe-key"
context = { source_ip = "203.0.113.9", version_stage = "AWSCURRENT" }

[fixtures.office]
context = { source_ip = "10.1.2.3" }

[fixtures.maria]
principal = "user:maria"
action = "secrets:DeleteSecret"

[[test]]
name = "the defaults alone: from the internet"
expect = "deny"
reason = "no_statement_applied"

[[test]]
name = "a fixture's context key wins over the defaults', the others stay"
use = ["office"]
expect = "allow"
decided_by = "read-stripe-key"

[[test]]
name = "the test's own key wins over the fixture's"
use = "office"
expect = "deny"
request = { context = { source_ip = "203.0.113.10" } }

[[test]]
name = "a later fixture wins over an earlier one"
use = ["office", "maria"]
expect = "deny"
reason = "explicit_deny"
decided_by = "nobody-deletes"

[[test]]
name = "the test's own principal replaces the default one whole"
use = "office"
expect = "deny"
reason = "no_statement_applied"
request = { principal = { id = "service:payments-api" }, context = { version_stage = "AWSPREVIOUS" } }
"#;

#[test]
fn defaults_and_fixtures_merge_with_the_test_winning() {
    let dir = dir_with(&[("p.policy", POLICY), ("p.tests.toml", SHARED)]);
    let run = policy(dir.path(), &["test", "-v"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.lines().last(), Some("5 passed, 0 failed"));

    // Precedence the other way round would fail these tests: check that
    // they can fail by swapping what the test expects.
    let swapped = SHARED.replace(
        "request = { context = { source_ip = \"203.0.113.10\" } }",
        "request = { context = { source_ip = \"10.9.9.9\" } }",
    );
    std::fs::write(dir.path().join("p.tests.toml"), swapped).unwrap();
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("FAIL ./p.tests.toml:25: the test's own key wins over the fixture's"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"source_ip\":\"10.9.9.9\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"version_stage\":\"AWSCURRENT\""),
        "context merges key by key: {}",
        run.stdout
    );
}

#[test]
fn an_unknown_fixture_is_an_error_with_did_you_mean() {
    let tests = SHARED.replace("use = [\"office\"]", "use = [\"ofice\"]");
    let dir = dir_with(&[("p.policy", POLICY), ("p.tests.toml", &tests)]);
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("passed"), "{}", run.stdout);
    assert!(run.stderr.contains("p.tests.toml:21:8"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no fixture named `ofice` (did you mean `office`?)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the fixtures of this file are maria, office"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_fixture_does_not_hide_the_tests_own_request_errors() {
    // The test names a fixture that is not there and gets its own request
    // wrong: both are reported in one run, and nothing the missing fixture
    // would have supplied is reported missing.
    let tests = r#"[[test]]
name = "two mistakes"
use = "ofice"
expect = "allow"
request = { action = "secrets:GetSecretValue", resource = "prod/x", context = { source_ip = "10.1.2" } }
"#;
    let dir = dir_with(&[("p.policy", POLICY), ("p.tests.toml", tests)]);
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let err = &run.stderr;
    assert!(err.contains("no fixture named `ofice`"), "{err}");
    assert!(err.contains("request.context.source_ip"), "{err}");
    assert!(err.contains("p.tests.toml:5:"), "{err}");
    assert!(!err.contains("principal"), "not reported missing: {err}");
}

#[test]
fn a_bad_fixture_is_reported_once_where_it_stands_without_its_secrets() {
    let tests = SHARED.replace(
        "[fixtures.office]\ncontext = { source_ip = \"10.1.2.3\" }",
        "[fixtures.office]\ncontext = { source_ip = \"10.1.2\", api_key = \"AKIA_leak_check_789\" }\nrequest = {}",
    );
    let dir = dir_with(&[("p.policy", POLICY), ("p.tests.toml", &tests)]);
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let err = &run.stderr;
    assert!(!err.contains("AKIA_leak_check_789"), "{err}");
    assert!(err.contains("p.tests.toml:8:25"), "{err}");
    assert!(err.contains("fixtures.office.context.source_ip"), "{err}");
    assert!(
        err.contains("unknown key `request` in `fixtures.office`"),
        "{err}"
    );
    assert!(
        err.contains("a fixture is itself a request fragment"),
        "{err}"
    );
    // Three tests use the fixture; each error is shown once.
    assert_eq!(headers(err).len(), 2, "{err}");
}

#[test]
fn decided_by_naming_no_statement_is_a_located_error() {
    let tests = "[[test]]\nname = \"reads\"\nexpect = \"deny\"\ndecided_by = [\"payments/nobody-deletes\", \"payments/nobody-delete\"]\nrequest = { principal = \"u:a\", action = \"secrets:DeleteSecret\", resource = \"prod/x\" }\n";
    let dir = dir_with(&[("p.policy", POLICY), ("p.tests.toml", tests)]);
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stdout.contains("passed"),
        "not a test failure: {}",
        run.stdout
    );
    assert!(run.stderr.contains("p.tests.toml:4:42"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "test \"reads\": `decided_by` names no statement of the policy set: `payments/nobody-delete` (did you mean `payments/nobody-deletes`?)"
        ),
        "{}",
        run.stderr
    );
    // Named right, the same test passes.
    let fixed = tests.replace(", \"payments/nobody-delete\"", "");
    std::fs::write(dir.path().join("p.tests.toml"), fixed).unwrap();
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

const CLOCK_POLICY: &str = r#"policy "office" {
  allow "office-hours" {
    principal user:*
    action    secrets:GetSecretValue
    resource  app/**
    when { time_of_day in 09:00..17:00 at UTC }
  }
  deny "weekend-freeze" {
    principal *
    action    secrets:PutSecretValue
    resource  app/**
    when { weekday in [Sat, Sun] }
  }
  allow "always-describe" {
    principal *
    action    secrets:DescribeSecret
    resource  app/**
  }
}
"#;

#[test]
fn a_test_that_depends_on_the_clock_gets_a_warning() {
    let tests = r#"[[test]]
name = "reads in office hours"
expect = "allow"
request = { principal = "user:ann", action = "secrets:GetSecretValue", resource = "app/db", context = { time = 2026-11-25T10:00:00Z } }

[[test]]
name = "reads whenever"
expect = "deny"
request = { principal = "user:ann", action = "secrets:GetSecretValue", resource = "other/db" }

[[test]]
name = "describes whenever"
expect = "allow"
request = { principal = "user:ann", action = "secrets:DescribeSecret", resource = "app/db" }

[[test]]
name = "writes"
expect = "deny"
request = { principal = "user:ann", action = "secrets:PutSecretValue", resource = "app/db" }

[[test]]
name = "reads now"
expect = "deny"
request = { principal = "user:ann", action = "secrets:GetSecretValue", resource = "app/db", context = { time_zone = "x" } }
"#;
    // "reads now" is made to pass whatever the time by asserting deny on an
    // allow that may apply: it is the warning that matters, so select the
    // tests whose outcome does not depend on the clock for the exit code.
    let dir = dir_with(&[("o.policy", CLOCK_POLICY), ("o.tests.toml", tests)]);
    let run = policy(
        dir.path(),
        &["test", "--run", "^(reads in|reads whenever|describes)"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stderr.contains("warning"),
        "pinned or clock-free: {}",
        run.stderr
    );

    let run = policy(dir.path(), &["test", "--run", "^(writes|reads now)$"]);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    assert!(
        warnings[0].contains("o.tests.toml:16: test \"writes\" depends on the clock: statement `office/weekend-freeze` reads `weekday`"),
        "{}",
        run.stderr
    );
    assert!(
        warnings[1].contains("test \"reads now\" depends on the clock: statement `office/office-hours` reads `time_of_day`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pin the time"), "{}", run.stderr);
}

#[test]
fn a_request_key_no_statement_reads_but_one_like_it_gets_a_warning() {
    let policy_text = r#"policy "ops" {
  deny "outside" {
    principal *
    action    *
    resource  prod/**
    unless { source_ip in [10.0.0.0/8] }
  }
  allow "incident-read" {
    principal *
    action    secrets:GetSecretValue
    resource  prod/${principal.tags.team}/**
    when { context.incident like "INC-*" }
  }
}
"#;
    // Each test passes, two of them for the wrong reason: `sourceip` is not
    // `source_ip` (the deny applies because the address is missing) and
    // `incidnet` is not `incident`. `ticket` resembles nothing read.
    let tests = r#"[[test]]
name = "from outside"
expect = "deny"
request = { principal = "user:ann", action = "secrets:GetSecretValue", resource = "prod/ops/db", context = { sourceip = "203.0.113.9", ticket = "T-1" } }

[[test]]
name = "incident"
expect = "deny"
request = { principal = { id = "user:ann", tags = { team = "ops" } }, action = "secrets:GetSecretValue", resource = "prod/ops/db", context = { source_ip = "10.1.2.3", incidnet = "INC-9" } }

[[test]]
name = "spelt right"
expect = "allow"
request = { principal = { id = "user:ann", tags = { team = "ops" } }, action = "secrets:GetSecretValue", resource = "prod/ops/db", context = { source_ip = "10.1.2.3", incident = "INC-9" } }
"#;
    let dir = dir_with(&[("o.policy", policy_text), ("o.tests.toml", tests)]);
    let run = policy(dir.path(), &["test"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    assert!(
        warnings[0].contains("o.tests.toml:1: test \"from outside\": the request's `context.sourceip` is read by no statement; did you mean the context field `source_ip`?"),
        "{}",
        run.stderr
    );
    assert!(
        warnings[1].contains("test \"incident\": the request's `context.incidnet` is read by no statement; did you mean `context.incident`?"),
        "{}",
        run.stderr
    );
}
