//! The CLI's contract with scripts and CI, run through the real binary:
//! the exit-code table of README.md row by row for every command it applies
//! to; `policy test` checking every policy set it finds, with or without
//! tests; `eval --fail-on-deny` and `eval --format json`; machine formats
//! (json, sarif, github, junit) carrying policy errors as results; the
//! current directory as the default path; and what `test --help` says
//! about the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod runner;
#[path = "../../tests/skip.rs"]
mod skip;

use runner::{Invocation, Run, invoke};
use serde_json::Value;
use std::path::Path;

/// The exit codes of README.md's table.
const SUCCESS: i32 = 0;
const FINDINGS: i32 = 1;
const INVALID: i32 = 2;

const GOOD: &str = r#"policy "payments" {
  allow "read-payment-secrets" {
    principal service:payments-*
    action    secrets:GetSecretValue
    resource  prod/payment/**
    when {
      source_ip in [10.0.0.0/8, fd00::/8]
    }
  }
}
"#;

/// Grants everything: lint findings, but valid and canonical.
const BROAD: &str = r#"policy "wide" {
  allow "all" {
    principal *
    action    *
    resource  *
  }
}
"#;

/// A misspelt keyword: does not parse.
const BROKEN: &str = "policy \"p\" {\n  alow \"x\" { }\n}\n";

/// Valid, not in canonical form.
const MESSY: &str = "policy \"m\" {   allow \"r\" { principal user:*  action secrets:GetSecretValue   resource dev/** } }\n";

const PASSING_TESTS: &str = r#"[[test]]
name = "payments api reads from inside"
expect = "allow"

[test.request]
principal = "service:payments-api"
action = "secrets:GetSecretValue"
resource = "prod/payment/stripe-key"
context = { source_ip = "10.1.2.3" }
"#;

/// Expects allow where the policies deny: a failing test.
const FAILING_TESTS: &str = r#"[[test]]
name = "from the internet"
expect = "allow"

[test.request]
principal = "service:payments-api"
action = "secrets:GetSecretValue"
resource = "prod/payment/stripe-key"
context = { source_ip = "203.0.113.9" }
"#;

const ALLOWED: &str = r#"{"principal": "service:payments-api", "action": "secrets:GetSecretValue",
 "resource": "prod/payment/stripe-key", "context": {"source_ip": "10.1.2.3"}}"#;
const DENIED: &str = r#"{"principal": "service:payments-api", "action": "secrets:GetSecretValue",
 "resource": "prod/payment/stripe-key", "context": {"source_ip": "203.0.113.9"}}"#;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A directory of every fixture the table needs:
/// - `good/`: valid, canonical, lint-clean policies and a passing test;
/// - `failing/`: the same policies with a failing test;
/// - `broken/`: a policy that does not parse, no test file;
/// - `broken-tested/`: a policy that does not parse, with a test file;
/// - `untested/`: valid policies, no test file;
/// - `messy/`: a valid policy not in canonical form;
/// - `broad/`: a valid policy with lint findings;
/// - `bad-test/`: valid policies and a test file that is not valid;
/// - `allow.json`, `deny.json`, `invalid.json`: requests.
fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good/p.policy", GOOD);
    write(d, "good/p.tests.toml", PASSING_TESTS);
    write(d, "failing/p.policy", GOOD);
    write(d, "failing/p.tests.toml", FAILING_TESTS);
    write(d, "broken/p.policy", BROKEN);
    write(d, "broken-tested/p.policy", BROKEN);
    write(d, "broken-tested/p.tests.toml", PASSING_TESTS);
    write(d, "untested/p.policy", GOOD);
    write(d, "messy/p.policy", MESSY);
    write(d, "broad/p.policy", BROAD);
    write(d, "bad-test/p.policy", GOOD);
    write(
        d,
        "bad-test/p.tests.toml",
        "[[test]]\nname = \"x\"\nexpect = \"perhaps\"\n",
    );
    write(d, "allow.json", ALLOWED);
    write(d, "deny.json", DENIED);
    write(
        d,
        "invalid.json",
        r#"{"principal": "service:a", "action": 7}"#,
    );
    dir
}

fn run(dir: &Path, args: &[&str]) -> Run {
    invoke(Invocation {
        args: args.to_vec(),
        dir: Some(dir),
        ..Invocation::default()
    })
}

fn run_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Run {
    invoke(Invocation {
        args: args.to_vec(),
        dir: Some(dir),
        stdin: Some(stdin.as_bytes().to_vec()),
        ..Invocation::default()
    })
}

/// Runs each case and checks its exit code, naming the case on failure.
fn expect_codes(dir: &Path, code: i32, cases: &[&[&str]]) {
    for args in cases {
        let run = run(dir, args);
        assert_eq!(run.code, code, "{args:?}\n{}", run.both());
    }
}

/// An audit log of one record, written by `eval --audit`.
fn audit_log(dir: &Path, name: &str) -> String {
    let log = dir.join(name).to_str().unwrap().to_string();
    run(
        dir,
        &["eval", "-p", "good", "-r", "allow.json", "--audit", &log],
    )
    .assert_code(SUCCESS);
    log
}

// ---------------------------------------------------------------------------
// The exit-code table, row by row.

#[test]
fn exit_0_on_success_in_every_command() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let log = audit_log(d, "clean.jsonl");
    expect_codes(
        d,
        SUCCESS,
        &[
            &["check", "good"],
            &["fmt", "--check", "good"],
            &["fmt", "good"],
            &["eval", "-p", "good", "-r", "allow.json"],
            &["eval", "-p", "good", "-r", "allow.json", "--fail-on-deny"],
            &["eval", "-p", "good", "-r", "deny.json"],
            &["test", "good"],
            &["test", "untested"],
            &["lint", "good"],
            &["audit", "verify", &log],
        ],
    );
    let serve = run_with_stdin(
        d,
        &["serve", "-p", "good"],
        &format!("{}\n", ALLOWED.replace('\n', "")),
    );
    serve.assert_code(SUCCESS);
}

#[test]
fn exit_1_for_the_commands_own_findings() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let log = audit_log(d, "tampered.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replace("allow", "deny!")).unwrap();
    expect_codes(
        d,
        FINDINGS,
        &[
            &["fmt", "--check", "messy"],
            &["eval", "-p", "good", "-r", "deny.json", "--fail-on-deny"],
            &["test", "failing"],
            &["test", "good", "--fail-on-empty", "--run", "no such test"],
            &[
                "test",
                "untested",
                "good",
                "--min-coverage",
                "100",
                "--run",
                "no such test",
            ],
            &["lint", "broad"],
            &["audit", "verify", &log],
        ],
    );
}

#[test]
fn exit_2_for_policies_that_do_not_compile_in_every_command_that_reads_them() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let cases: &[&[&str]] = &[
        &["check", "broken"],
        &["check", "--format", "json", "broken"],
        &["check", "--format", "github", "broken"],
        &["fmt", "broken"],
        &["fmt", "--check", "broken"],
        &["eval", "-p", "broken", "-r", "allow.json"],
        &[
            "eval",
            "-p",
            "broken",
            "-r",
            "allow.json",
            "--format",
            "json",
        ],
        &["test", "broken"],
        &["test", "broken-tested"],
        &["lint", "broken"],
        &["lint", "--format", "sarif", "broken"],
        &["serve", "-p", "broken"],
    ];
    for args in cases {
        let run = run(d, args);
        assert_eq!(run.code, INVALID, "{args:?}\n{}", run.both());
        // Located: on standard error for people, in the document or the
        // annotations for machines.
        let located = [":2:3", "line=2,col=3", "\"line\": 2,\n      \"column\": 3"];
        assert!(
            located.iter().any(|l| run.both().contains(l)) && run.both().contains("/p.policy"),
            "{args:?}: no location\n{}",
            run.both()
        );
    }
}

#[test]
fn exit_2_for_paths_that_cannot_be_read_in_every_command() {
    let fixtures = fixtures();
    let d = fixtures.path();
    expect_codes(
        d,
        INVALID,
        &[
            &["check", "missing"],
            &["fmt", "missing"],
            &["eval", "-p", "missing", "-r", "allow.json"],
            &["eval", "-p", "good", "-r", "missing.json"],
            &["test", "missing"],
            &["lint", "missing"],
            &["serve", "-p", "missing"],
            &["audit", "verify", "missing.jsonl"],
        ],
    );
}

#[test]
fn exit_2_for_a_request_that_is_not_valid() {
    let fixtures = fixtures();
    let d = fixtures.path();
    expect_codes(
        d,
        INVALID,
        &[
            &["eval", "-p", "good", "-r", "invalid.json"],
            &["eval", "-p", "good", "-r", "invalid.json", "--fail-on-deny"],
            &[
                "eval",
                "-p",
                "good",
                "-r",
                "invalid.json",
                "--format",
                "json",
            ],
        ],
    );
    // `serve` answers a bad line with an error and goes on: its exit status
    // is about the loop (README.md says so under the table).
    let serve = run_with_stdin(d, &["serve", "-p", "good"], "{\"principal\": 7}\n");
    serve.assert_code(SUCCESS);
    assert!(serve.stdout.starts_with("{\"error\":"), "{}", serve.both());
}

#[test]
fn exit_2_for_a_test_file_that_is_not_valid() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let run = run(d, &["test", "bad-test"]);
    run.assert_code(INVALID);
    run.assert_stderr_has("p.tests.toml:3:");
}

#[test]
fn exit_2_for_an_audit_log_that_cannot_be_written() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        skip::skip("no /dev/full on this system");
        return;
    }
    let fixtures = fixtures();
    let d = fixtures.path();
    let eval = run(
        d,
        &[
            "eval",
            "-p",
            "good",
            "-r",
            "allow.json",
            "--audit",
            "/dev/full",
        ],
    );
    eval.assert_code(INVALID).assert_stderr_has("/dev/full");
    // --fail-on-deny does not turn an audit failure into a finding.
    let eval = run(
        d,
        &[
            "eval",
            "-p",
            "good",
            "-r",
            "allow.json",
            "--audit",
            "/dev/full",
            "--fail-on-deny",
        ],
    );
    eval.assert_code(INVALID);
    // With json, still one document: the deny the audit failure made, with
    // no explanation (no statement decided it).
    let json = run(
        d,
        &[
            "eval",
            "-p",
            "good",
            "-r",
            "allow.json",
            "--audit",
            "/dev/full",
            "--explain",
            "--format",
            "json",
        ],
    );
    json.assert_code(INVALID);
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["decision"], "deny");
    assert_eq!(value["reason"], "audit_failed");
    assert!(value.get("explanation").is_none(), "{value}");
    let test = run(d, &["test", "good", "--audit", "/dev/full"]);
    test.assert_code(INVALID).assert_stderr_has("/dev/full");
    // The test still passed: an unwritable log changes no result.
    assert!(
        test.stdout.ends_with("1 passed, 0 failed\n"),
        "{}",
        test.both()
    );
    let serve = invoke(Invocation {
        args: vec!["serve", "-p", "good", "--audit", "/dev/full"],
        dir: Some(d),
        stdin: Some(format!("{}\n", ALLOWED.replace('\n', "")).into_bytes()),
        ..Invocation::default()
    });
    serve.assert_code(INVALID).assert_stderr_has("/dev/full");
}

#[test]
fn exit_2_for_usage_errors_in_every_command() {
    let fixtures = fixtures();
    let d = fixtures.path();
    for args in [
        &["check", "--frobnicate"][..],
        &["fmt", "--frobnicate"],
        &["eval", "-p", "good"],
        &["eval", "-p", "good", "-r", "allow.json", "--format", "xml"],
        &["test", "--min-coverage", "120"],
        &["lint", "--format", "xml"],
        &["serve"],
        &["audit", "verify"],
        &["frobnicate"],
    ] {
        let run = run(d, args);
        assert_eq!(run.code, INVALID, "{args:?}\n{}", run.both());
        assert!(
            run.stderr.starts_with("error: ") && run.stderr.contains("--help"),
            "{args:?}\n{}",
            run.both()
        );
    }
}

// ---------------------------------------------------------------------------
// `policy test` checks every policy set it finds.

#[test]
fn test_fails_on_a_policy_set_that_does_not_compile_even_without_tests() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let run = run(d, &["test", "broken"]);
    run.assert_code(INVALID);
    run.assert_stderr_has("broken/p.policy:2:3");
    run.assert_stderr_has("unknown keyword `alow`");
    assert!(!run.stdout.contains("0 passed, 0 failed"), "{}", run.both());

    // Beside a tested set, the untested broken one still fails the run.
    let run = run_in_root(d, &["test", "good", "broken"]);
    run.assert_code(INVALID);
    run.assert_stderr_has("broken/p.policy:2:3");

    // Searched from above: every set under the path is compiled.
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "sets/good/p.policy", GOOD);
    write(root.path(), "sets/good/p.tests.toml", PASSING_TESTS);
    write(root.path(), "sets/deep/er/p.policy", BROKEN);
    let run = run_in_root(root.path(), &["test", "sets"]);
    run.assert_code(INVALID);
    run.assert_stderr_has("sets/deep/er/p.policy:2:3");
    // With no path, the current directory.
    let run = run_in_root(&root.path().join("sets"), &["test"]);
    run.assert_code(INVALID);
    run.assert_stderr_has("deep/er/p.policy:2:3");
}

fn run_in_root(dir: &Path, args: &[&str]) -> Run {
    run(dir, args)
}

#[test]
fn test_counts_an_untested_set_that_compiles_as_untested_not_as_passed() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let run = run(d, &["test", "untested", "good", "--coverage"]);
    run.assert_code(SUCCESS);
    assert!(
        run.stdout
            .contains("not counted, no test file beside the policies: untested"),
        "{}",
        run.both()
    );
    assert!(
        run.stdout.ends_with("1 passed, 0 failed\n"),
        "{}",
        run.both()
    );
}

#[test]
fn test_on_the_whole_corpus_fails_on_its_invalid_files() {
    // `corpus/invalid` holds broken files on purpose; `policy check corpus`
    // fails on it, and so, now, does `policy test corpus`.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let run = run(&corpus, &["test", "."]);
    run.assert_code(INVALID);
    run.assert_stderr_has("invalid/");
    let sets: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("invalid"))
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["test"];
    args.extend(sets.iter().map(String::as_str));
    let run = self::run(&corpus, &args);
    run.assert_code(SUCCESS);
}

// ---------------------------------------------------------------------------
// `eval`: exit on deny, one JSON document.

#[test]
fn eval_fail_on_deny_exits_1_on_deny_only() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let deny = run(
        d,
        &["eval", "-p", "good", "-r", "deny.json", "--fail-on-deny"],
    );
    deny.assert_code(FINDINGS);
    // The decision is printed all the same, and nothing is called an error.
    let decision: Value = serde_json::from_str(&deny.stdout).unwrap();
    assert_eq!(decision["decision"], "deny");
    assert!(deny.stderr.is_empty(), "{}", deny.both());
    let allow = run(
        d,
        &["eval", "-p", "good", "-r", "allow.json", "--fail-on-deny"],
    );
    allow.assert_code(SUCCESS);
    let plain = run(d, &["eval", "-p", "good", "-r", "deny.json"]);
    plain.assert_code(SUCCESS);
}

#[test]
fn eval_explain_format_json_prints_exactly_one_json_document() {
    let fixtures = fixtures();
    let d = fixtures.path();
    for (request, decision) in [("allow.json", "allow"), ("deny.json", "deny")] {
        let run = run(
            d,
            &[
                "eval",
                "-p",
                "good",
                "-r",
                request,
                "--explain",
                "--format",
                "json",
            ],
        );
        run.assert_code(SUCCESS);
        // serde_json::from_str refuses trailing text after the document.
        let value: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{}", run.stdout));
        assert_eq!(value["decision"], decision);
        let explanation = value["explanation"]
            .as_array()
            .expect("an explanation array");
        assert_eq!(explanation.len(), 1, "{value}");
        assert_eq!(
            explanation[0]["statement"], "read-payment-secrets",
            "{value}"
        );
        assert_eq!(explanation[0]["applied"], decision == "allow", "{value}");
    }
    // Without --explain, the decision alone; the text format keeps the
    // explanation for people after the decision line.
    let run = run(
        d,
        &["eval", "-p", "good", "-r", "deny.json", "--format", "json"],
    );
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(value.get("explanation").is_none(), "{value}");
    let run = self::run(d, &["eval", "-p", "good", "-r", "deny.json", "--explain"]);
    assert!(
        run.stdout.contains("DENY: no statement applied"),
        "{}",
        run.both()
    );
}

#[test]
fn eval_format_json_answers_errors_with_one_json_document() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let run = run(
        d,
        &[
            "eval",
            "-p",
            "broken",
            "-r",
            "allow.json",
            "--format",
            "json",
        ],
    );
    run.assert_code(INVALID);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["error"]["kind"], "compile");
    let diagnostic = &value["error"]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unknown-keyword");
    assert_eq!(diagnostic["line"], 2);
    assert_eq!(diagnostic["column"], 3);

    let run = self::run(
        d,
        &[
            "eval",
            "-p",
            "good",
            "-r",
            "invalid.json",
            "--format",
            "json",
        ],
    );
    run.assert_code(INVALID);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["error"]["kind"], "request");
    assert_eq!(value["error"]["field"], "action");

    let run = run_with_stdin(
        d,
        &["eval", "-p", "good", "-r", "-", "--format", "json"],
        "",
    );
    run.assert_code(INVALID);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["error"]["kind"], "request");
    run.assert_stderr_has("it is empty");
}

// ---------------------------------------------------------------------------
// Output for CI.

/// Splits a GitHub workflow command into its level, properties and message.
fn parse_annotation(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect("starts with ::");
    let (head, message) = rest.split_once("::").expect("two ::");
    let (level, properties) = head.split_once(' ').unwrap_or((head, ""));
    let properties = properties
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect();
    (level.to_string(), properties, message.to_string())
}

fn property<'a>(properties: &'a [(String, String)], key: &str) -> &'a str {
    properties
        .iter()
        .find(|(k, _)| k == key)
        .map_or_else(|| panic!("no {key} in {properties:?}"), |(_, v)| v.as_str())
}

#[test]
fn test_format_github_annotates_failed_tests_and_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a,b:c/p.policy", GOOD);
    write(
        d,
        "a,b:c/p.tests.toml",
        &format!(
            "# a comment line\n{}",
            FAILING_TESTS.replace("from the internet", "100% from\\nthe internet")
        ),
    );
    let run = run(d, &["test", "--format", "github", "a,b:c"]);
    run.assert_code(FINDINGS);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.both());
    assert_eq!(lines[1], "0 passed, 1 failed");
    let (level, properties, message) = parse_annotation(lines[0]);
    assert_eq!(level, "error");
    assert_eq!(property(&properties, "file"), "a%2Cb%3Ac/p.tests.toml");
    assert_eq!(property(&properties, "line"), "2");
    assert_eq!(property(&properties, "col"), "1");
    assert_eq!(
        message,
        // The name is quoted as in every test-file message, its line break
        // written `\n`; the `%` is escaped.
        "test \"100%25 from\\nthe internet\" failed: decision: expected allow, actual deny"
    );
    assert!(!run.stdout.contains('\r'));
}

#[test]
fn test_machine_formats_report_policy_errors_as_results() {
    let fixtures = fixtures();
    let d = fixtures.path();

    let github = run(d, &["test", "--format", "github", "broken"]);
    github.assert_code(INVALID);
    let (level, properties, message) = parse_annotation(github.stdout.lines().next().unwrap());
    assert_eq!(level, "error");
    assert_eq!(property(&properties, "file"), "broken/p.policy");
    assert_eq!(property(&properties, "line"), "2");
    assert_eq!(property(&properties, "col"), "3");
    assert_eq!(property(&properties, "title"), "unknown-keyword");
    assert!(message.contains("unknown keyword `alow`"), "{message}");

    let json = run(d, &["test", "--format", "json", "broken", "bad-test"]);
    json.assert_code(INVALID);
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    let errors = value["errors"].as_array().unwrap();
    let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
    // Both of the test file's problems, and the policy's (the misspelt
    // keyword first; recovery then checks the rest of its statement).
    assert_eq!(
        codes.iter().filter(|c| **c == "invalid-test").count(),
        2,
        "{value}"
    );
    assert!(codes.contains(&"unknown-keyword"), "{codes:?}");
    assert!(codes.contains(&"invalid-test"), "{codes:?}");
    assert_eq!(value["passed"], 0);
    assert_eq!(value["files"], serde_json::json!([]));

    let junit = run(d, &["test", "--format", "junit", "broken"]);
    junit.assert_code(INVALID);
    assert!(junit.stdout.contains("errors=\"4\""), "{}", junit.stdout);
    assert!(
        junit.stdout.contains("<error message=\"unknown keyword `alow` (help: did you mean `allow`?)\" type=\"unknown-keyword\">"),
        "{}",
        junit.stdout
    );
    assert!(!junit.stdout.contains("time=\"-"), "{}", junit.stdout);
}

#[test]
fn lint_format_github_annotates_findings_by_severity() {
    let fixtures = fixtures();
    let d = fixtures.path();
    let run = run(d, &["lint", "--format", "github", "broad"]);
    run.assert_code(FINDINGS);
    let annotations: Vec<_> = run.stdout.lines().map(parse_annotation).collect();
    assert!(!annotations.is_empty());
    for (level, properties, _) in &annotations {
        assert!(["error", "warning", "notice"].contains(&level.as_str()));
        assert_eq!(property(properties, "file"), "broad/p.policy");
        property(properties, "line").parse::<usize>().unwrap();
        property(properties, "col").parse::<usize>().unwrap();
    }
    let (_, properties, message) = annotations
        .iter()
        .find(|(_, p, _)| property(p, "title") == "allow-all-actions")
        .expect("allow-all-actions");
    assert_eq!(property(properties, "line"), "4");
    assert!(message.contains("(help: "), "{message}");
    assert!(!message.contains('\n'));
}

#[test]
fn lint_machine_formats_report_policy_errors_as_results() {
    let fixtures = fixtures();
    let d = fixtures.path();

    let sarif = run(d, &["lint", "--format", "sarif", "broken"]);
    sarif.assert_code(INVALID);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);
    let result = &run0["results"][0];
    assert_eq!(result["ruleId"], "unknown-keyword");
    assert_eq!(result["level"], "error");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        run0["tool"]["driver"]["rules"][index]["id"],
        "unknown-keyword"
    );
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "broken/p.policy");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 3);
    assert_eq!(location["region"]["endColumn"], 7);

    let json = run(d, &["lint", "--format", "json", "broken"]);
    json.assert_code(INVALID);
    let results: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(results[0]["code"], "unknown-keyword");
    assert_eq!(results[0]["file"], "broken/p.policy");

    let github = run(d, &["lint", "--format", "github", "broken"]);
    github.assert_code(INVALID);
    let (level, properties, _) = parse_annotation(github.stdout.lines().next().unwrap());
    assert_eq!(level, "error");
    assert_eq!(property(&properties, "line"), "2");

    // People get the same errors drawn on standard error in every format.
    for run in [&sarif, &json, &github] {
        run.assert_stderr_has("broken/p.policy:2:3");
    }
}

#[test]
fn check_lint_and_fmt_default_to_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "sub/p.policy", GOOD);
    write(d, ".hidden/p.policy", BROKEN);
    write(d, "target/p.policy", BROKEN);
    let check = run(d, &["check"]);
    check.assert_code(SUCCESS);
    assert_eq!(check.stdout, "ok: 1 file(s), 1 statement(s)\n");
    run(d, &["lint"]).assert_code(SUCCESS);
    run(d, &["fmt", "--check"]).assert_code(SUCCESS);
    write(d, "m.policy", MESSY);
    let fmt = run(d, &["fmt", "--check"]);
    fmt.assert_code(FINDINGS);
    assert!(
        fmt.stdout
            .starts_with("--- a/m.policy\n+++ b/m.policy\n@@ "),
        "{}",
        fmt.both()
    );
    run(d, &["fmt"]).assert_code(SUCCESS);
    run(d, &["fmt", "--check"]).assert_code(SUCCESS);
    // An empty directory is still invalid input, named.
    let empty = tempfile::tempdir().unwrap();
    for command in ["check", "lint", "fmt"] {
        let run = run(empty.path(), &[command]);
        run.assert_code(INVALID);
        run.assert_stderr_has("no policy files (*.policy, *.hcl, *.json) found in .");
    }
}

#[test]
fn fmt_check_diff_names_absolute_paths_as_given() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.policy", MESSY);
    let path = dir.path().join("m.policy");
    let path = path.to_str().unwrap();
    let run = run(dir.path(), &["fmt", "--check", path]);
    run.assert_code(FINDINGS);
    assert!(
        run.stdout
            .starts_with(&format!("--- {path}\n+++ {path}\n@@ -1 +1,7 @@\n-policy")),
        "{}",
        run.both()
    );
}

// ---------------------------------------------------------------------------
// Help that tells the truth.

#[test]
fn test_help_says_an_unwritable_audit_log_changes_no_result() {
    let dir = tempfile::tempdir().unwrap();
    let help = run(dir.path(), &["test", "--help"]);
    help.assert_code(SUCCESS);
    let text = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("A record that cannot be written changes no decision and no test result"),
        "{text}"
    );
    assert!(!text.contains("turns its decision into deny"), "{text}");
    // `eval` and `serve` do answer deny (docs/audit.md), and say so.
    for command in ["eval", "serve"] {
        let help = run(dir.path(), &[command, "--help"]);
        let text = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("turns its decision into deny (reason audit_failed)"),
            "{command}: {text}"
        );
    }
}

// ---------------------------------------------------------------------------
// A reader that stops early.

/// Runs `policy` in `dir`, reads one line of its output and closes the pipe;
/// returns the exit code and standard error.
fn read_one_line_and_close(
    dir: &Path,
    args: &[&str],
    stdin: Option<String>,
) -> (Option<i32>, String) {
    use std::io::{BufRead, Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_policy"))
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let feeder = stdin.map(|text| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || drop(pipe.write_all(text.as_bytes())))
    });
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(!first.is_empty(), "{args:?}: no output");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    if let Some(feeder) = feeder {
        feeder.join().unwrap();
    }
    (status.code(), stderr)
}

#[test]
fn exit_141_when_the_reader_stops_early_in_every_command_with_long_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 600 statements granting everything: long lint output; not canonical.
    let mut broad = String::from("policy \"wide\" {\n");
    let mut tests = String::new();
    for i in 0..600 {
        broad.push_str(&format!(
            "allow \"s{i}\" {{ principal * action * resource * }}\n"
        ));
        if i >= 30 {
            continue;
        }
        // 30 failing tests, each explained over 600 statements.
        tests.push_str(&format!(
            "[[test]]\nname = \"t{i}\"\nexpect = \"deny\"\n[test.request]\nprincipal = \"user:a\"\naction = \"a:b\"\nresource = \"r\"\n"
        ));
    }
    broad.push_str("}\n");
    write(d, "big/p.policy", &broad);
    // Lint compares statements pairwise: 100 are enough for long output.
    let lines: Vec<&str> = broad.lines().collect();
    write(
        d,
        "mid/p.policy",
        &format!("{}\n}}\n", lines[..101].join("\n")),
    );
    write(d, "big/p.tests.toml", &tests);
    let request = r#"{"principal": "user:a", "action": "a:b", "resource": "r"}"#;
    let requests = format!("{request}\n").repeat(20_000);
    for (args, stdin) in [
        (vec!["lint", "mid"], None),
        (vec!["lint", "--format", "github", "mid"], None),
        (vec!["test", "big"], None),
        (vec!["fmt", "--check", "big"], None),
        (vec!["serve", "-p", "big"], Some(requests)),
    ] {
        let (code, stderr) = read_one_line_and_close(d, &args, stdin);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(code, Some(141), "{args:?}: {stderr}");
    }
}
