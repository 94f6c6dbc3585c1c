//! `policy test`, run as a real binary on temporary directories.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Four statements: tests below exercise three of them. `no-pending` is a
/// deny that reads `version_stage`: requests without one fail closed on it.
const POLICY: &str = r#"policy "payments" {
  allow "read-payment-secrets" {
    principal service:payments-*
    action    secrets:GetSecretValue
    resource  prod/payment/**
    when { source_ip in 10.0.0.0/8 }
  }

  deny "nobody-deletes" {
    principal *
    action    secrets:DeleteSecret
    resource  prod/**
  }

  deny "no-pending" {
    principal *
    action    *
    resource  prod/**
    when { version_stage == "AWSPENDING" }
  }

  allow "oncall-describe" {
    principal group:oncall
    action    secrets:DescribeSecret
    resource  prod/**
  }
}
"#;

/// Four passing tests that exercise every statement but `oncall-describe`.
const PASSING: &str = r#"# payments.tests.toml
[[test]]
name = "payments api reads the stripe key"
expect = "allow"
reason = "allowed"
decided_by = ["payments/read-payment-secrets"]

[test.request]
principal = { id = "service:payments-api", groups = ["group:payments"] }
action = "secrets:GetSecretValue"
resource = "prod/payment/stripe-key"

[test.request.context]
source_ip = "10.1.2.3"
version_stage = "AWSCURRENT"
time = 2026-11-25T10:00:00Z

[[test]]
name = "nobody deletes"
expect = "deny"
reason = "explicit_deny"
decided_by = "nobody-deletes"
request = { principal = "user:root", action = "secrets:DeleteSecret", resource = "prod/payment/stripe-key", context = { version_stage = "AWSCURRENT" } }

[[test]]
name = "pending versions are refused"
expect = "deny"
decided_by = ["payments/no-pending"]
[test.request]
principal = "service:payments-api"
action = "secrets:GetSecretValue"
resource = "prod/payment/stripe-key"
context = { source_ip = "10.1.2.3", version_stage = "AWSPENDING", time = "2026-11-25T10:00:00Z" }

[[test]]
name = "strangers are denied by default"
expect = "deny"
reason = "no_statement_applied"
decided_by = []
[test.request]
principal = "user:stranger"
action = "secrets:GetSecretValue"
resource = "dev/thing"
"#;

/// One test that fails: the request comes from outside the network.
const FAILING: &str = r#"[[test]]
name = "payments api reads from the internet"
expect = "allow"
reason = "allowed"
[test.request]
principal = "service:payments-api"
action = "secrets:GetSecretValue"
resource = "prod/payment/stripe-key"
context = { source_ip = "203.0.113.9", version_stage = "AWSCURRENT" }
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }
    fn last_stderr_line(&self) -> &str {
        self.stderr.lines().last().unwrap_or("")
    }
}

/// Runs `policy test ARGS` in `dir`, without colour.
fn policy_test(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_policy"))
        .arg("test")
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

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A temporary directory holding the policy and the given test files.
fn suite(tests: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "payments.policy", POLICY);
    for (name, text) in tests {
        write(dir.path(), name, text);
    }
    dir
}

/// A test file with one test whose table body is `body`.
fn one_test(body: &str) -> String {
    format!(
        "[[test]]\nname = \"t\"\n{body}\n[test.request]\nprincipal = \"user:a\"\naction = \"secrets:GetSecretValue\"\nresource = \"prod/x\"\n"
    )
}

#[test]
fn a_passing_suite_exits_0_and_ends_with_the_summary() {
    let dir = suite(&[("payments.tests.toml", PASSING)]);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.last_line(), "4 passed, 0 failed");
    assert!(!run.stdout.contains("PASS"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);

    let verbose = policy_test(dir.path(), &["--verbose"]);
    assert_eq!(verbose.code, 0);
    assert!(
        verbose
            .stdout
            .contains("PASS ./payments.tests.toml:2: payments api reads the stripe key"),
        "{}",
        verbose.stdout
    );
    assert_eq!(verbose.stdout.matches("PASS").count(), 4);
    assert_eq!(verbose.last_line(), "4 passed, 0 failed");
}

#[test]
fn directories_are_searched_recursively_skipping_hidden_and_target() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policies/payments/payments.policy", POLICY);
    write(dir.path(), "policies/payments/payments.tests.toml", PASSING);
    // Broken files where the search must not look.
    write(dir.path(), ".git/broken.tests.toml", "[[test]\n");
    write(dir.path(), "target/broken.tests.toml", "[[test]\n");
    // Not a test file by name.
    write(dir.path(), "policies/notes.toml", "[[test]\n");
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.last_line(), "4 passed, 0 failed");

    let named = policy_test(dir.path(), &["policies/payments/payments.tests.toml"]);
    assert_eq!(named.last_line(), "4 passed, 0 failed");
    let twice = policy_test(
        dir.path(),
        &["policies", "policies/payments/payments.tests.toml"],
    );
    assert_eq!(
        twice.last_line(),
        "4 passed, 0 failed",
        "a file found twice runs once"
    );
}

#[test]
fn a_failing_test_shows_expected_actual_and_the_explanation() {
    let dir = suite(&[
        ("payments.tests.toml", PASSING),
        ("internet.tests.toml", FAILING),
    ]);
    let run = policy_test(dir.path(), &["internet.tests.toml"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("FAIL internet.tests.toml:1: payments api reads from the internet"),
        "{out}"
    );
    assert!(
        out.contains("decision:   expected allow, actual deny"),
        "{out}"
    );
    assert!(
        out.contains("reason:     expected allowed, actual no_statement_applied"),
        "{out}"
    );
    // The explanation: the verdict and why the allow did not apply.
    assert!(out.contains("DENY: no statement applied"), "{out}");
    assert!(
        out.contains("allow payments/read-payment-secrets: did not apply"),
        "{out}"
    );
    assert!(out.contains("request has 203.0.113.9"), "{out}");
    assert_eq!(run.last_line(), "0 passed, 1 failed");

    let all = policy_test(dir.path(), &[]);
    assert_eq!(all.code, 1);
    assert_eq!(all.last_line(), "4 passed, 1 failed");
}

#[test]
fn decided_by_must_name_exactly_the_determining_statements() {
    let wrong = one_test(
        "expect = \"deny\"\ndecided_by = [\"nobody-deletes\"]\n[test.request.context]\nversion_stage = \"AWSPENDING\"",
    );
    let dir = suite(&[("wrong.tests.toml", &wrong)]);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("decided_by: expected [nobody-deletes], actual [payments/no-pending]"),
        "{}",
        run.stdout
    );
    assert_eq!(run.last_line(), "0 passed, 1 failed");
}

#[test]
fn run_selects_tests_by_regular_expression() {
    let dir = suite(&[
        ("payments.tests.toml", PASSING),
        ("internet.tests.toml", FAILING),
    ]);
    let run = policy_test(dir.path(), &["--run", "stripe"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.last_line(), "1 passed, 0 failed");

    let run = policy_test(dir.path(), &["--run", "^(nobody|pending)", "-v"]);
    assert_eq!(run.last_line(), "2 passed, 0 failed");
    assert!(run.stdout.contains("nobody deletes"));
    assert!(run.stdout.contains("pending versions are refused"));

    let run = policy_test(dir.path(), &["--run", "internet"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.last_line(), "0 passed, 1 failed");

    let bad = policy_test(dir.path(), &["--run", "("]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--run"), "{}", bad.stderr);
}

#[test]
fn coverage_lists_unexercised_statements_before_the_summary() {
    let dir = suite(&[("payments.tests.toml", PASSING)]);
    let run = policy_test(dir.path(), &["--coverage"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("3 of 4 statement(s) exercised (75.0%)"),
        "{out}"
    );
    assert!(
        out.contains("./payments.policy:22: allow payments/oncall-describe"),
        "{out}"
    );
    assert!(!out.contains("payments/nobody-deletes\n"), "{out}");
    assert_eq!(run.last_line(), "4 passed, 0 failed");

    // Only the selected tests count.
    let run = policy_test(dir.path(), &["--coverage", "--run", "stripe"]);
    assert!(
        run.stdout.contains("1 of 4 statement(s) exercised (25.0%)"),
        "{}",
        run.stdout
    );
}

#[test]
fn coverage_notes_policy_directories_without_tests() {
    let dir = suite(&[("payments.tests.toml", PASSING)]);
    write(dir.path(), "untested/other.policy", POLICY);
    let run = policy_test(dir.path(), &["--coverage"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("3 of 4 statement(s)"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("no test file beside the policies: ./untested"),
        "{}",
        run.stdout
    );
    assert_eq!(run.last_line(), "4 passed, 0 failed");
}

#[test]
fn min_coverage_passes_at_or_above_and_fails_below() {
    let dir = suite(&[("payments.tests.toml", PASSING)]);
    let run = policy_test(dir.path(), &["--min-coverage", "75"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("75.0%"),
        "--min-coverage implies the report"
    );
    assert_eq!(run.last_line(), "4 passed, 0 failed");

    let run = policy_test(dir.path(), &["--min-coverage", "80"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("coverage 75.0% is below the minimum of 80%"),
        "{}",
        run.stdout
    );
    assert_eq!(run.last_line(), "4 passed, 0 failed");

    let bad = policy_test(dir.path(), &["--min-coverage", "101"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn no_tests_pass_unless_fail_on_empty() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "payments.policy", POLICY);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "0 passed, 0 failed\n");

    let run = policy_test(dir.path(), &["--fail-on-empty"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("no tests found"), "{}", run.stdout);
    assert_eq!(run.last_line(), "0 passed, 0 failed");

    write(dir.path(), "payments.tests.toml", PASSING);
    let run = policy_test(dir.path(), &["--run", "no such test", "--fail-on-empty"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("no test matched --run"),
        "{}",
        run.stdout
    );
    assert_eq!(run.last_line(), "0 passed, 0 failed");
    let run = policy_test(dir.path(), &["--run", "no such test"]);
    assert_eq!(run.code, 0);
}

#[test]
fn a_toml_syntax_error_names_the_file_and_line() {
    let text = "[[test]]\nname = \"t\"\nexpect = \"allow\n";
    let dir = suite(&[("broken.tests.toml", text)]);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("broken.tests.toml:3:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("invalid TOML"), "{}", run.stderr);
    assert!(
        !run.stdout.contains("passed"),
        "no test runs: {}",
        run.stdout
    );
}

#[test]
fn an_unknown_key_in_a_test_is_an_error() {
    let text = one_test("expcet = \"allow\"");
    let dir = suite(&[("typo.tests.toml", &text)]);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let err = &run.stderr;
    assert!(err.contains("typo.tests.toml:3:1"), "{err}");
    assert!(err.contains("test \"t\""), "{err}");
    assert!(
        err.contains("unknown key `expcet` (did you mean `expect`?)"),
        "{err}"
    );

    // And one in the request, reported by the request parser.
    let text = one_test("expect = \"deny\"\n[test.request.contxt]\nmfa = true");
    let dir = suite(&[("typo.tests.toml", &text)]);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("request.contxt: unknown field"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_or_bad_expectation_is_an_error() {
    for (body, message) in [
        ("reason = \"allowed\"", "missing `expect`"),
        (
            "expect = \"Allow\"",
            "`expect` must be \"allow\" or \"deny\"",
        ),
        ("expect = \"deny\"\nreason = \"denied\"", "`reason` must be"),
        (
            "expect = \"allow\"\nreason = \"explicit_deny\"",
            "contradicts",
        ),
    ] {
        let dir = suite(&[("bad.tests.toml", &one_test(body))]);
        let run = policy_test(dir.path(), &[]);
        assert_eq!(run.code, 2, "{body}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("bad.tests.toml:"), "{}", run.stderr);
        assert!(run.stderr.contains(message), "{body}: {}", run.stderr);
    }
}

#[test]
fn a_bad_request_field_is_named() {
    let text = one_test("expect = \"deny\"\n[test.request.context]\nsource_ip = \"10.1.2\"");
    let dir = suite(&[("request.tests.toml", &text)]);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let err = &run.stderr;
    assert!(err.contains("request.tests.toml:5:13"), "{err}");
    assert!(err.contains("test \"t\""), "{err}");
    assert!(err.contains("request.context.source_ip"), "{err}");

    let text = "[[test]]\nname = \"t\"\nexpect = \"deny\"\nrequest = { action = \"a\", resource = \"r\" }\n";
    let dir = suite(&[("request.tests.toml", text)]);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("request.principal: required field is missing"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_test_file_beside_no_policies_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sub/payments.policy", POLICY);
    write(dir.path(), "lonely.tests.toml", PASSING);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("lonely.tests.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("no policy files"), "{}", run.stderr);
}

#[test]
fn policies_that_do_not_compile_are_rendered_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "broken.policy",
        "policy \"p\" {\n  allow \"s\" { principal * action  resource x/** }\n}\n",
    );
    write(dir.path(), "broken.tests.toml", PASSING);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("broken.policy:2:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("x/**"),
        "the source line is drawn: {}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn every_input_error_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/payments.policy", POLICY);
    write(dir.path(), "a/one.tests.toml", "[[test]\n");
    write(
        dir.path(),
        "a/two.tests.toml",
        &one_test("expcet = \"deny\""),
    );
    write(dir.path(), "b/lonely.tests.toml", PASSING);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 2);
    for needle in ["one.tests.toml", "two.tests.toml", "lonely.tests.toml"] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
}

#[test]
fn a_request_without_time_is_decided_at_the_current_time() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "clock.policy",
        "policy \"clock\" {\n  allow \"after-2020\" { principal * action * resource x when { time >= 2020-01-01T00:00:00Z } }\n}\n",
    );
    let tests = "[[test]]\nname = \"now is after 2020\"\nexpect = \"allow\"\nrequest = { principal = \"u:a\", action = \"a\", resource = \"x\" }\n\n[[test]]\nname = \"2019 is not\"\nexpect = \"deny\"\nrequest = { principal = \"u:a\", action = \"a\", resource = \"x\", context = { time = 2019-06-01T00:00:00+02:00 } }\n";
    write(dir.path(), "clock.tests.toml", tests);
    let run = policy_test(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.last_line(), "2 passed, 0 failed");
}

/// An XML element: its name, attributes, text and children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: BTreeMap<String, String>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn attribute(&self, name: &str) -> &str {
        self.attributes
            .get(name)
            .map_or_else(|| panic!("<{}> has no {name}", self.name), String::as_str)
    }
    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

fn element(start: &quick_xml::events::BytesStart<'_>) -> Element {
    let attributes = start
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            let key = a.key.as_ref().to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .unwrap();
            (key, value.into_owned())
        })
        .collect();
    Element {
        name: start.name().as_ref().to_string(),
        attributes,
        ..Element::default()
    }
}

/// Parses XML into its root element; panics when it is not well formed.
fn parse_xml(text: &str) -> Element {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![Element::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => stack.last_mut().unwrap().children.push(element(&start)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().unwrap().unwrap()
                } else {
                    match r.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity {other}"),
                    }
                };
                stack.last_mut().unwrap().text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut roots = stack.pop().unwrap().children;
    assert_eq!(roots.len(), 1, "one root element");
    roots.pop().unwrap()
}

#[test]
fn junit_output_has_a_suite_per_file_and_a_failure_per_failed_test() {
    let odd = "[[test]]\nname = \"odd <name> & \\\"quotes\\\"\"\nexpect = \"allow\"\nrequest = { principal = \"user:a\", action = \"secrets:GetSecretValue\", resource = \"prod/x\" }\n";
    let dir = suite(&[
        ("payments.tests.toml", PASSING),
        ("internet.tests.toml", FAILING),
        ("odd.tests.toml", odd),
    ]);
    let run = policy_test(dir.path(), &["--format", "junit", "--coverage"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.last_stderr_line(), "4 passed, 2 failed");
    assert!(run.stderr.contains("3 of 4 statement(s)"), "{}", run.stderr);
    assert!(run.stdout.starts_with("<?xml"), "{}", run.stdout);

    let root = parse_xml(&run.stdout);
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attribute("tests"), "6");
    assert_eq!(root.attribute("failures"), "2");
    let suites = root.all("testsuite");
    assert_eq!(suites.len(), 3);
    let by_name: BTreeMap<&str, &Element> =
        suites.iter().map(|s| (s.attribute("name"), *s)).collect();

    let payments = by_name["./payments.tests.toml"];
    assert_eq!(payments.attribute("tests"), "4");
    assert_eq!(payments.attribute("failures"), "0");
    let cases = payments.all("testcase");
    assert_eq!(cases.len(), 4);
    assert_eq!(
        cases[0].attribute("name"),
        "payments api reads the stripe key"
    );
    assert_eq!(cases[0].attribute("classname"), "./payments.tests.toml");
    assert!(cases[0].attribute("time").parse::<f64>().is_ok());
    assert!(cases.iter().all(|c| c.all("failure").is_empty()));

    let internet = by_name["./internet.tests.toml"];
    assert_eq!(internet.attribute("tests"), "1");
    assert_eq!(internet.attribute("failures"), "1");
    let failures = internet.all("testcase")[0].all("failure");
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0]
            .attribute("message")
            .contains("decision: expected allow, actual deny"),
        "{:?}",
        failures[0]
    );
    assert!(
        failures[0].text.contains("DENY: no statement applied"),
        "{}",
        failures[0].text
    );
    assert!(
        failures[0].text.contains("request has 203.0.113.9"),
        "{}",
        failures[0].text
    );

    let odd = by_name["./odd.tests.toml"].all("testcase")[0];
    assert_eq!(odd.attribute("name"), "odd <name> & \"quotes\"");
    assert_eq!(odd.all("failure").len(), 1);
}

#[test]
fn json_output_reports_every_test_and_coverage() {
    let dir = suite(&[
        ("payments.tests.toml", PASSING),
        ("internet.tests.toml", FAILING),
    ]);
    let run = policy_test(dir.path(), &["--format", "json", "--coverage"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.last_stderr_line(), "4 passed, 1 failed");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["passed"], 4);
    assert_eq!(report["failed"], 1);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["file"], "./internet.tests.toml");
    let failed = &files[0]["tests"][0];
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["expected"]["decision"], "allow");
    assert_eq!(failed["actual"]["decision"], "deny");
    assert_eq!(failed["actual"]["reason"], "no_statement_applied");
    assert_eq!(failed["request"]["context"]["source_ip"], "203.0.113.9");
    assert_eq!(
        failed["mismatches"][0],
        "decision: expected allow, actual deny"
    );
    assert!(failed["explanation"]["statements"].is_array());
    let passed = &files[1]["tests"][0];
    assert_eq!(passed["passed"], true);
    assert_eq!(
        passed["expected"]["decided_by"][0],
        "payments/read-payment-secrets"
    );
    assert!(passed.get("explanation").is_none());
    assert_eq!(report["coverage"]["exercised"], 3);
    assert_eq!(report["coverage"]["total"], 4);
    assert_eq!(report["coverage"]["percent"], 75.0);
}

#[test]
fn help_describes_every_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_policy"))
        .args(["test", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--run",
        "--format",
        "--verbose",
        "--coverage",
        "--min-coverage",
        "--fail-on-empty",
        "junit",
        "Exit status",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[test]
fn the_library_runs_the_same_tests() {
    use policy_cli::suite;
    let dir = suite(&[("payments.tests.toml", PASSING)]);
    let files = suite::find_test_files(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(files.len(), 1);
    let file = suite::load(&files[0]).unwrap();
    let engine = suite::compile_beside(&files[0]).unwrap();
    let mut coverage = suite::Coverage::new(&engine);
    for case in &file.tests {
        let result = suite::run_case(&engine, case);
        assert!(result.passed(), "{}: {:?}", case.name, result.mismatches);
        assert!(result.explanation.is_none());
        coverage.record(&result);
    }
    assert_eq!((coverage.exercised(), coverage.total()), (3, 4));
}

/// Reads `context.session_token` and the principal tag `api_key`: both
/// named like secrets, so explanations show their values as `[masked]`.
const VAULT_POLICY: &str = r#"policy "vault" {
  allow "read-with-session" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
    when { context.session_token == "the-right-session" and principal.tags.api_key == "the-right-key" }
  }
}
"#;

/// Secret values in keys named like secrets: none may be printed.
const LEAKS: [&str; 5] = [
    "ghp_leak_check_123",
    "AKIA_leak_check_456",
    "xat_leak_check_789",
    "pw_leak_check_000",
    "cookie_leak_check_111",
];

/// A failing test and a passing one, whose requests carry every value of
/// `LEAKS` in context keys and tags named like secrets, beside values
/// (`OPS-7`, `payments`, `prod`) that are not secret and stay readable.
const LEAKY_TESTS: &str = r#"[[test]]
name = "api reads with the wrong session"
expect = "allow"
reason = "allowed"
decided_by = ["vault/read-with-session"]

[test.request]
principal = { id = "service:api", tags = { team = "payments", api_key = "AKIA_leak_check_456" } }
action = "secrets:GetSecretValue"
resource = { path = "app/db", tags = { env = "prod", "X-Auth-Token" = "xat_leak_check_789" } }

[test.request.context]
session_token = "ghp_leak_check_123"
Cookie = "cookie_leak_check_111"
ticket = "OPS-7"

[[test]]
name = "strangers are denied"
expect = "deny"
request = { principal = "user:x", action = "secrets:GetSecretValue", resource = "other/db", context = { db_password = "pw_leak_check_000" } }
"#;

fn assert_no_leak(what: &str, run: &Run) {
    for leak in LEAKS {
        assert!(
            !run.stdout.contains(leak) && !run.stderr.contains(leak),
            "{leak} printed by `policy test {what}`:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn failing_tests_mask_secret_looking_request_values_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "vault.policy", VAULT_POLICY);
    write(dir.path(), "vault.tests.toml", LEAKY_TESTS);

    for args in [&[][..], &["-v"][..]] {
        let run = policy_test(dir.path(), args);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert_no_leak(&args.join(" "), &run);
        let out = &run.stdout;
        // The failure is still reported usefully: which test, what was
        // expected and decided, the request's other values, and why.
        assert!(
            out.contains("FAIL ./vault.tests.toml:1: api reads with the wrong session"),
            "{out}"
        );
        assert!(
            out.contains("decision:   expected allow, actual deny"),
            "{out}"
        );
        assert!(
            out.contains("decided_by: expected [vault/read-with-session], actual []"),
            "{out}"
        );
        let request = out
            .lines()
            .find_map(|l| l.strip_prefix("  request:    "))
            .unwrap_or_else(|| panic!("no request line in:\n{out}"));
        let request: serde_json::Value = serde_json::from_str(request).unwrap();
        assert_eq!(request["context"]["session_token"], "[masked]", "{request}");
        assert_eq!(request["context"]["Cookie"], "[masked]", "{request}");
        assert_eq!(request["context"]["ticket"], "OPS-7", "{request}");
        assert_eq!(request["principal"]["id"], "service:api", "{request}");
        assert_eq!(request["principal"]["tags"]["api_key"], "[masked]");
        assert_eq!(request["principal"]["tags"]["team"], "payments");
        assert_eq!(request["resource"]["tags"]["X-Auth-Token"], "[masked]");
        assert_eq!(request["resource"]["tags"]["env"], "prod");
        assert_eq!(request["resource"]["path"], "app/db");
        assert!(
            out.contains("`context.session_token == \"the-right-session\"`"),
            "the explanation names the condition: {out}"
        );
        assert!(out.contains("request has [masked]"), "{out}");
        if args.is_empty() {
            assert!(!out.contains("PASS"), "{out}");
        } else {
            assert!(
                out.contains("PASS ./vault.tests.toml:17: strangers are denied"),
                "{out}"
            );
        }
        assert_eq!(run.last_line(), "1 passed, 1 failed");
    }

    let run = policy_test(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_no_leak("--format json", &run);
    assert_eq!(run.last_stderr_line(), "1 passed, 1 failed");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let tests = &report["files"][0]["tests"];
    let failed = &tests[0];
    assert_eq!(failed["name"], "api reads with the wrong session");
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["expected"]["decision"], "allow");
    assert_eq!(failed["actual"]["decision"], "deny");
    assert_eq!(
        failed["mismatches"][0],
        "decision: expected allow, actual deny"
    );
    let request = &failed["request"];
    assert_eq!(request["context"]["session_token"], "[masked]", "{request}");
    assert_eq!(request["context"]["ticket"], "OPS-7", "{request}");
    assert_eq!(request["principal"]["tags"]["api_key"], "[masked]");
    assert_eq!(request["resource"]["tags"]["X-Auth-Token"], "[masked]");
    assert!(failed["explanation"]["statements"].is_array(), "{failed}");
    // Passing tests' requests are in the report too, masked the same way.
    let passed = &tests[1];
    assert_eq!(passed["passed"], true);
    assert_eq!(passed["request"]["context"]["db_password"], "[masked]");

    let run = policy_test(dir.path(), &["--format", "junit"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_no_leak("--format junit", &run);
    assert!(run.stdout.contains("[masked]"), "{}", run.stdout);
    assert!(run.stdout.contains("OPS-7"), "{}", run.stdout);
}

#[test]
fn a_test_file_error_does_not_echo_secret_looking_request_values() {
    let head = "[[test]]\nname = \"t\"\nexpect = \"deny\"\n";
    let cases = [
        // A request value of the wrong type, under a secret-looking key.
        (
            format!(
                "{head}[test.request]\nprincipal = \"user:a\"\naction = \"a\"\nresource = \"r\"\n[test.request.context]\nsession_token = [\"ghp_leak_check_123\", [1]]\n"
            ),
            "bad.tests.toml:9:40",
            "request.context.session_token[1]",
        ),
        // An error about another key, on a line that holds a secret.
        (
            format!(
                "{head}[test.request]\nprincipal = {{ id = \"user:a\", tags = {{ api_key = \"AKIA_leak_check_456\", n = 5 }} }}\naction = \"a\"\nresource = \"r\"\n"
            ),
            "bad.tests.toml:5:",
            "request.principal.tags.n",
        ),
        // A TOML syntax error on a line that holds a secret.
        (
            format!(
                "{head}[test.request]\nprincipal = \"user:a\"\ncookie = \"cookie_leak_check_111\" oops\n"
            ),
            "bad.tests.toml:6:",
            "invalid TOML",
        ),
    ];
    for (text, place, message) in cases {
        let dir = suite(&[("bad.tests.toml", &text)]);
        let run = policy_test(dir.path(), &[]);
        assert_eq!(run.code, 2, "{text}: {}{}", run.stdout, run.stderr);
        assert_no_leak(&text, &run);
        assert!(run.stderr.contains(place), "{text}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{text}: {}", run.stderr);
    }
}
