//! The `policy` binary run for real: help and usage errors for every
//! subcommand; `check`, `fmt` and `eval` end to end (output, exit codes,
//! files on disk); and bad input for every subcommand that reads paths:
//! missing files, empty directories, invalid UTF-8, 10 MB files and
//! conditions nested 100,000 deep.
//!
//! Exit codes (README.md): 0 success, 1 the command's findings, 2 usage
//! errors and invalid input, such as policies that do not compile. Every run
//! checks that the process exited by itself (no signal, so no stack overflow
//! abort), within a time limit, and that nothing panicked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod runner;
#[path = "../../tests/skip.rs"]
mod skip;

use runner::{Invocation, Run, invoke};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// No run may take longer; the 10 MB inputs take a few seconds in a debug build.
fn policy(args: &[&str]) -> Run {
    invoke(Invocation {
        args: args.to_vec(),
        ..Invocation::default()
    })
}

fn policy_in(dir: &Path, args: &[&str]) -> Run {
    invoke(Invocation {
        args: args.to_vec(),
        dir: Some(dir),
        ..Invocation::default()
    })
}

fn policy_with_stdin(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    invoke(Invocation {
        args: args.to_vec(),
        dir: Some(dir),
        stdin: Some(stdin.to_vec()),
        ..Invocation::default()
    })
}

/// Runs `policy`, reading both outputs while it runs, and fails the test on
/// a timeout, a death by signal or a panic message.
fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((path.clone(), read(&path)));
            }
        }
    }
    files.sort();
    files
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn assert_code(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{}", run.both());
}

fn assert_stderr_has(run: &Run, needle: &str) {
    assert!(
        run.stderr.contains(needle),
        "stderr lacks {needle:?}:\n{}",
        run.both()
    );
}

fn assert_no_ansi(text: &str) {
    assert!(!text.contains('\x1b'), "ANSI escape in {text:?}");
}

// ---------------------------------------------------------------------------
// Fixtures.

const PAYMENTS: &str = r#"# Payment services read payment secrets from inside the network.
policy "payments" {
  allow "read-payment-secrets" {
    principal service:payments-*
    action    secrets:GetSecretValue
    resource  prod/payment/**
    when {
      source_ip in [10.0.0.0/8, fd00::/8]
      version_stage in ["AWSCURRENT", "AWSPREVIOUS"]
    }
  }
}
"#;

const NETWORK: &str = r#"policy "network" {
  deny "prod-stays-inside" {
    principal *
    action    *
    resource  prod/**
    unless {
      source_ip in [10.0.0.0/8, fd00::/8]
    }
  }

  deny "no-deletes" {
    principal *
    action    secrets:DeleteSecret
    resource  prod/payment/**
  }
}
"#;

/// Four mistakes: lines 6, 12, 14 (a duplicate of line 2) and 17.
const SEVERAL_ERRORS: &str = r#"policy "drafts" {
  allow "x" {
    principal *
    action    *
    resource  prod/**
    when { sorce_ip in 10.0.0.0/8 }
  }
  allow "y" {
    principal *
    action    *
    resource  prod/**
    when { version_stage == AWSCURRENT }
  }
  allow "x" {
    principal *
    action    *
    resource  prod/[abc
  }
}
"#;

const MESSY: &str = "# keep me\npolicy \"m\" {   allow \"r\" { principal   user:*  action secrets:Get*,secrets:Describe*   resource prod/** # trailing\n when { mfa   and mfa_age<=15m } } }\n";

const MESSY_FORMATTED: &str = r#"# keep me
policy "m" {
  allow "r" {
    principal user:*
    action    secrets:Get*, secrets:Describe*
    resource  prod/** # trailing
    when {
      mfa and mfa_age <= 15m
    }
  }
}
"#;

/// A directory with the payments and network policies.
fn policy_set() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "payments.policy", PAYMENTS);
    write(dir.path(), "nested/network.policy", NETWORK);
    dir
}

fn request(principal: &str, action: &str, resource: &str, context: &str) -> String {
    format!(
        r#"{{"principal": "{principal}", "action": "{action}", "resource": "{resource}", "context": {context}}}"#
    )
}

// ---------------------------------------------------------------------------
// Help, version and usage errors.

#[test]
fn top_level_help_lists_every_subcommand_and_option() {
    for flag in ["--help", "-h"] {
        let run = policy(&[flag]);
        assert_code(&run, 0);
        assert!(run.stderr.is_empty(), "{}", run.both());
        for word in [
            "Usage: policy",
            "check",
            "fmt",
            "eval",
            "test",
            "lint",
            "--color",
            "--help",
            "--version",
        ] {
            assert!(
                run.stdout.contains(word),
                "{flag}: no {word:?}:\n{}",
                run.stdout
            );
        }
    }
    let run = policy(&["help"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("Usage: policy"), "{}", run.both());
}

#[test]
fn every_subcommand_has_help_that_mentions_each_flag() {
    let cases: &[(&str, &[&str])] = &[
        ("check", &["[PATHS]", "--format", "text", "json", "github"]),
        ("fmt", &["[PATHS]", "--check"]),
        (
            "eval",
            &[
                "--policies",
                "-p",
                "--request",
                "-r",
                "--explain",
                "--format",
                "--fail-on-deny",
            ],
        ),
        (
            "test",
            &[
                "[PATHS]",
                "--run",
                "--format",
                "--verbose",
                "--coverage",
                "--min-coverage",
                "--fail-on-empty",
            ],
        ),
        ("lint", &["[PATHS]", "--format", "github", "sarif"]),
    ];
    for (subcommand, flags) in cases {
        for help in [vec![*subcommand, "--help"], vec!["help", *subcommand]] {
            let run = policy(&help);
            assert_code(&run, 0);
            let usage = format!("Usage: policy {subcommand}");
            assert!(run.stdout.contains(&usage), "{help:?}:\n{}", run.stdout);
            for flag in flags.iter().chain(&["--color", "--help", "--version"]) {
                assert!(
                    run.stdout.contains(flag),
                    "{help:?} does not mention {flag}:\n{}",
                    run.stdout
                );
            }
        }
        // The short help also lists every flag.
        let run = policy(&[subcommand, "-h"]);
        assert_code(&run, 0);
        for flag in flags.iter().filter(|f| f.starts_with("--")) {
            assert!(run.stdout.contains(flag), "{subcommand} -h: {flag}");
        }
    }
}

#[test]
fn version_is_printed_for_the_command_and_its_subcommands() {
    let version = env!("CARGO_PKG_VERSION");
    for (args, expected) in [
        (vec!["--version"], format!("policy {version}\n")),
        (vec!["-V"], format!("policy {version}\n")),
        // clap names a subcommand's version `policy-SUBCOMMAND`.
        (
            vec!["check", "--version"],
            format!("policy-check {version}\n"),
        ),
        (vec!["eval", "-V"], format!("policy-eval {version}\n")),
    ] {
        let run = policy(&args);
        assert_code(&run, 0);
        assert_eq!(run.stdout, expected, "{args:?}");
    }
}

#[test]
fn unknown_flags_and_subcommands_are_usage_errors() {
    let run = policy(&["--frobnicate"]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "unexpected argument '--frobnicate'");
    assert_stderr_has(&run, "Usage: policy");
    assert!(run.stdout.is_empty(), "{}", run.both());

    let run = policy(&["frobnicate"]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "unrecognized subcommand 'frobnicate'");

    // A near miss gets a suggestion.
    let run = policy(&["chek", "."]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "unrecognized subcommand 'chek'");
    assert_stderr_has(&run, "check");

    for subcommand in ["check", "fmt", "eval", "test", "lint"] {
        let run = policy(&[subcommand, "--frobnicate"]);
        assert_code(&run, 2);
        assert_stderr_has(&run, "unexpected argument '--frobnicate'");
        assert_stderr_has(&run, &format!("Usage: policy {subcommand}"));
    }
}

#[test]
fn missing_arguments_and_bad_values_are_usage_errors() {
    let run = policy(&[]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "Usage: policy");

    for (args, needle) in [
        (vec!["eval", "-r", "x.json"], "--policies"),
        (vec!["eval", "-p", "x"], "--request"),
        (vec!["check", "--format", "xml", "x"], "invalid value 'xml'"),
        (
            vec!["check", "--color", "sometimes", "x"],
            "invalid value 'sometimes'",
        ),
    ] {
        let run = policy(&args);
        assert_code(&run, 2);
        assert_stderr_has(&run, needle);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.both());
    }
}

// ---------------------------------------------------------------------------
// check

#[test]
fn check_accepts_a_valid_directory() {
    let dir = policy_set();
    let run = policy_in(dir.path(), &["check", "."]);
    assert_code(&run, 0);
    assert_eq!(run.stdout, "ok: 2 file(s), 3 statement(s)\n");
    assert!(run.stderr.is_empty(), "{}", run.both());

    // Files and directories mix; a file reached twice is read once.
    let run = policy_in(
        dir.path(),
        &[
            "check",
            "nested",
            "payments.policy",
            "./nested/network.policy",
        ],
    );
    assert_code(&run, 0);
    assert_eq!(run.stdout, "ok: 2 file(s), 3 statement(s)\n");

    // A symbolic link back up the tree neither loops nor loads a file twice.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", dir.path().join("nested/up")).unwrap();
        let run = policy_in(dir.path(), &["check", "."]);
        assert_code(&run, 0);
        assert_eq!(run.stdout, "ok: 2 file(s), 3 statement(s)\n");
    }
}

#[test]
fn hidden_files_in_a_directory_are_not_policies() {
    let dir = policy_set();
    // An editor's backup and an Emacs lock link (dangling) beside the files.
    write(dir.path(), ".payments.policy", "policy {{ broken");
    #[cfg(unix)]
    std::os::unix::fs::symlink("user@host.1234:1", dir.path().join(".#payments.policy")).unwrap();
    let run = policy_in(dir.path(), &["check", "."]);
    assert_code(&run, 0);
    assert_eq!(run.stdout, "ok: 2 file(s), 3 statement(s)\n");
    // Named on the command line, a hidden file is read like any other.
    let run = policy_in(dir.path(), &["check", ".payments.policy"]);
    assert_code(&run, 2);
}

#[test]
fn check_accepts_the_corpus_sets() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/ecommerce");
    let run = policy(&["check", path_str(&corpus)]);
    assert_code(&run, 0);
    assert!(run.stdout.starts_with("ok: "), "{}", run.both());
}

#[test]
fn check_reports_every_error_with_location_and_carets() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "drafts.policy", SEVERAL_ERRORS);
    let run = policy_in(dir.path(), &["check", "drafts.policy"]);
    assert_code(&run, 2);
    assert!(run.stdout.is_empty(), "{}", run.both());
    assert_no_ansi(&run.stderr);
    for needle in [
        "error[unknown-key]: unknown attribute `sorce_ip`\n --> drafts.policy:6:12\n",
        "  = help: did you mean `source_ip`?\n",
        "error[type-mismatch]: expected a string, found `AWSCURRENT`\n  --> drafts.policy:12:29\n",
        "error[duplicate-statement]: statement `x` is defined twice in policy `drafts`\n  --> drafts.policy:14:9\n",
        "--- first defined here",
        "error[invalid-glob]: invalid pattern `prod/[abc`: unclosed character class\n  --> drafts.policy:17:15\n",
    ] {
        assert_stderr_has(&run, needle);
    }
    assert_eq!(
        run.stderr.lines().last(),
        Some("error: 4 error(s) in 1 file(s)")
    );
    // Carets sit under the span: `sorce_ip` is eight characters at column 12.
    let lines: Vec<&str> = run.stderr.lines().collect();
    let source_line = lines
        .iter()
        .position(|l| l.ends_with("when { sorce_ip in 10.0.0.0/8 }"))
        .unwrap();
    let text_start = lines[source_line].find("    when").unwrap();
    let carets = lines[source_line + 1];
    let caret_start = carets.find('^').unwrap();
    assert_eq!(caret_start - text_start, 11, "{}", run.stderr);
    assert_eq!(
        carets[caret_start..].trim_end(),
        "^^^^^^^^",
        "{}",
        run.stderr
    );
    // The related place (line 2) is drawn, in line order, before line 14,
    // with a gutter as wide as the larger number.
    let line_2 = lines.iter().position(|l| l.starts_with(" 2 |")).unwrap();
    let line_14 = lines.iter().position(|l| l.starts_with("14 |")).unwrap();
    assert!(line_2 < line_14, "{}", run.stderr);
    // Each diagnostic is followed by a blank line, as rustc draws them.
    assert_eq!(run.stderr.matches("\n\nerror").count(), 4, "{}", run.stderr);
}

#[test]
fn check_json_lists_every_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "drafts.policy", SEVERAL_ERRORS);
    let run = policy_in(dir.path(), &["check", "--format", "json", "."]);
    assert_code(&run, 2);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["files"], 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let found: Vec<(&str, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            assert_eq!(d["file"], "./drafts.policy");
            assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
            (
                d["code"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("unknown-key", 6, 12),
            ("type-mismatch", 12, 29),
            ("duplicate-statement", 14, 9),
            ("invalid-glob", 17, 15),
        ]
    );
    assert_eq!(diagnostics[0]["hint"], "did you mean `source_ip`?");

    let set = policy_set();
    let run = policy_in(set.path(), &["check", "--format", "json", "."]);
    assert_code(&run, 0);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["files"], 2);
    assert_eq!(report["statements"], 3);
    assert_eq!(report["diagnostics"], Value::Array(Vec::new()));
}

#[test]
fn check_github_prints_one_annotation_per_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "drafts.policy", SEVERAL_ERRORS);
    let run = policy_in(
        dir.path(),
        &["check", "--format", "github", "drafts.policy"],
    );
    assert_code(&run, 2);
    let expected = [
        "::error file=drafts.policy,line=6,col=12,title=unknown-key::unknown attribute `sorce_ip` (help: did you mean `source_ip`?)",
        "::error file=drafts.policy,line=12,col=29,title=type-mismatch::expected a string, found `AWSCURRENT` (help: write \"AWSCURRENT\")",
        "::error file=drafts.policy,line=14,col=9,title=duplicate-statement::statement `x` is defined twice in policy `drafts` (help: statement names must be unique within a policy; rename one)",
        "::error file=drafts.policy,line=17,col=15,title=invalid-glob::invalid pattern `prod/[abc`: unclosed character class (help: close the class with `]`, or match `[` literally with `[[]`)",
    ];
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);

    // Commas and colons in a file name are escaped in the property.
    write(
        dir.path(),
        "a,b:c.policy",
        "policy \"p\" { allow \"s\" { principal * action * } }\n",
    );
    let run = policy_in(dir.path(), &["check", "--format", "github", "a,b:c.policy"]);
    assert_code(&run, 2);
    assert!(
        run.stdout
            .starts_with("::error file=a%2Cb%3Ac.policy,line=1,col="),
        "{}",
        run.both()
    );

    let set = policy_set();
    let run = policy_in(set.path(), &["check", "--format", "github", "."]);
    assert_code(&run, 0);
    assert!(run.stdout.is_empty(), "{}", run.both());
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "drafts.policy", SEVERAL_ERRORS);
    let plain = policy_in(dir.path(), &["check", "."]);
    assert_code(&plain, 2);
    assert_no_ansi(&plain.stderr);
    assert_no_ansi(&plain.stdout);

    let never = policy_in(dir.path(), &["--color", "never", "check", "."]);
    assert_eq!(never.stderr, plain.stderr);

    for args in [
        vec!["--color", "always", "check", "."],
        vec!["check", ".", "--color", "always"],
    ] {
        let run = policy_in(dir.path(), &args);
        assert_code(&run, 2);
        assert!(run.stderr.contains("\x1b["), "{args:?}: {}", run.stderr);
    }

    // NO_COLOR turns off automatic colour, not an explicit request.
    let run = invoke(Invocation {
        args: vec!["--color", "always", "check", "."],
        dir: Some(dir.path()),
        env: vec![("NO_COLOR", "1")],
        ..Invocation::default()
    });
    assert!(run.stderr.contains("\x1b["), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// fmt

#[test]
fn fmt_rewrites_a_messy_file_in_canonical_form_once() {
    let dir = tempfile::tempdir().unwrap();
    let messy = write(dir.path(), "messy.policy", MESSY);
    let canonical = write(dir.path(), "canonical.policy", PAYMENTS);

    let run = policy_in(dir.path(), &["fmt", "."]);
    assert_code(&run, 0);
    assert_eq!(run.stdout, "formatted ./messy.policy\n");
    assert_eq!(String::from_utf8(read(&messy)).unwrap(), MESSY_FORMATTED);
    assert_eq!(read(&canonical), PAYMENTS.as_bytes());

    // A second run changes nothing and says nothing.
    let before = snapshot(dir.path());
    let run = policy_in(dir.path(), &["fmt", "."]);
    assert_code(&run, 0);
    assert!(
        run.stdout.is_empty() && run.stderr.is_empty(),
        "{}",
        run.both()
    );
    assert_eq!(snapshot(dir.path()), before);

    let run = policy_in(dir.path(), &["fmt", "--check", "."]);
    assert_code(&run, 0);
    assert!(run.stdout.is_empty(), "{}", run.both());

    // The formatted file still checks.
    let run = policy_in(dir.path(), &["check", "."]);
    assert_code(&run, 0);
}

#[test]
fn fmt_check_prints_a_unified_diff_and_changes_none() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b-messy.policy", MESSY);
    write(
        dir.path(),
        "sub/a-messy.policy",
        MESSY.replace("\"m\"", "\"m2\""),
    );
    write(dir.path(), "canonical.policy", PAYMENTS);
    let before = snapshot(dir.path());

    let run = policy_in(dir.path(), &["fmt", "--check", "."]);
    assert_code(&run, 1);
    // One diff per file that would change, in path order, with git's `a/`
    // and `b/` prefixes, hunks with context; none for the canonical file.
    let first = "--- a/b-messy.policy\n+++ b/b-messy.policy\n@@ -1,3 +1,11 @@\n # keep me\n\
-policy \"m\" {   allow \"r\" { principal   user:*  action secrets:Get*,secrets:Describe*   resource prod/** # trailing\n\
- when { mfa   and mfa_age<=15m } } }\n\
+policy \"m\" {\n+  allow \"r\" {\n+    principal user:*\n+    action    secrets:Get*, secrets:Describe*\n\
+    resource  prod/** # trailing\n+    when {\n+      mfa and mfa_age <= 15m\n+    }\n+  }\n+}\n";
    assert!(run.stdout.starts_with(first), "{}", run.both());
    let second = run.stdout.strip_prefix(first).unwrap();
    assert!(
        second
            .starts_with("--- a/sub/a-messy.policy\n+++ b/sub/a-messy.policy\n@@ -1,3 +1,11 @@\n"),
        "{}",
        run.both()
    );
    assert!(!run.stdout.contains("canonical"), "{}", run.both());
    assert_stderr_has(&run, "2 file(s) would be reformatted");
    assert_eq!(snapshot(dir.path()), before);

    // The diff is the change `policy fmt` makes: applied with patch(1), it
    // leaves the files `fmt` writes.
    if Command::new("patch").arg("--version").output().is_err() {
        skip::skip("applying the diff needs patch(1), which is not installed");
        return;
    }
    let mut patch = Command::new("patch")
        .args(["-p1", "--quiet"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        patch
            .stdin
            .take()
            .unwrap()
            .write_all(run.stdout.as_bytes())
            .unwrap();
    }
    assert!(patch.wait().unwrap().success());
    let patched = snapshot(dir.path());
    let run = policy_in(dir.path(), &["fmt", "--check", "."]);
    assert_code(&run, 0);
    assert!(run.stdout.is_empty(), "{}", run.both());
    assert_eq!(
        String::from_utf8(read(&dir.path().join("b-messy.policy"))).unwrap(),
        MESSY_FORMATTED
    );
    assert_eq!(snapshot(dir.path()), patched);
}

#[test]
fn fmt_changes_no_file_when_one_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.policy", MESSY);
    write(
        dir.path(),
        "b-broken.policy",
        "policy \"b\" {\n  allow \"r\" { principal * action *\n}\n",
    );
    write(dir.path(), "c.policy", MESSY.replace("\"m\"", "\"c\""));
    let before = snapshot(dir.path());

    for args in [vec!["fmt", "."], vec!["fmt", "--check", "."]] {
        let run = policy_in(dir.path(), &args);
        assert_code(&run, 2);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.both());
        assert_stderr_has(&run, "b-broken.policy:");
        assert_stderr_has(&run, "no file was changed");
        // Every file is as it was, and no temporary file is left behind.
        assert_eq!(snapshot(dir.path()), before, "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn fmt_keeps_permissions_and_follows_symbolic_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let private = write(dir.path(), "private.policy", MESSY);
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o640)).unwrap();
    let script = write(dir.path(), "odd.policy", MESSY.replace("\"m\"", "\"odd\""));
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o751)).unwrap();
    let target = write(
        dir.path(),
        "real/target.policy",
        MESSY.replace("\"m\"", "\"t\""),
    );
    let link = dir.path().join("link.policy");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let run = policy_in(
        dir.path(),
        &["fmt", "private.policy", "odd.policy", "link.policy"],
    );
    assert_code(&run, 0);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&private), 0o640);
    assert_eq!(mode(&script), 0o751);
    assert!(
        String::from_utf8(read(&private))
            .unwrap()
            .starts_with("# keep me\npolicy \"m\" {\n  allow")
    );
    // The link is still a link, and its target is formatted.
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        String::from_utf8(read(&target))
            .unwrap()
            .contains("\n    principal user:*\n")
    );
}

// ---------------------------------------------------------------------------
// eval

#[test]
fn eval_prints_the_decision_as_json() {
    let dir = policy_set();
    let allowed = request(
        "service:payments-api",
        "secrets:GetSecretValue",
        "prod/payment/stripe",
        r#"{"source_ip": "10.1.2.3", "version_stage": "AWSCURRENT"}"#,
    );
    write(dir.path(), "allowed.json", &allowed);
    let run = policy_in(dir.path(), &["eval", "-p", ".", "-r", "allowed.json"]);
    assert_code(&run, 0);
    assert!(run.stderr.is_empty(), "{}", run.both());
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.both());
    let decision: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(decision["decision"], "allow");
    assert_eq!(decision["reason"], "allowed");
    assert_eq!(
        decision["determining"],
        serde_json::json!([{"policy": "payments", "statement": "read-payment-secrets"}])
    );

    // A deny is a decision, not an error.
    let denied = request(
        "service:payments-api",
        "secrets:DeleteSecret",
        "prod/payment/stripe",
        "{}",
    );
    write(dir.path(), "denied.json", &denied);
    let run = policy_in(
        dir.path(),
        &[
            "eval",
            "--policies",
            "payments.policy",
            "nested",
            "--request",
            "denied.json",
        ],
    );
    assert_code(&run, 0);
    let decision: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["reason"], "explicit_deny");
}

#[test]
fn eval_explain_names_the_failing_condition_and_the_requests_value() {
    let dir = policy_set();
    let outside = request(
        "service:payments-api",
        "secrets:GetSecretValue",
        "prod/payment/stripe",
        r#"{"source_ip": "192.168.1.1", "version_stage": "AWSPENDING"}"#,
    );
    let run = policy_with_stdin(
        dir.path(),
        &["eval", "-p", ".", "-r", "-", "--explain"],
        outside.as_bytes(),
    );
    assert_code(&run, 0);
    let mut lines = run.stdout.lines();
    let decision: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(decision["decision"], "deny");
    let text = run.stdout.clone();
    for needle in [
        "DENY: a deny statement applied",
        "deny network/prod-stays-inside: applied",
        "allow payments/read-payment-secrets: did not apply",
        "when `source_ip in [10.0.0.0/8, fd00::/8]` did not hold: request has 192.168.1.1",
        "when `version_stage in [\"AWSCURRENT\", \"AWSPREVIOUS\"]` did not hold: request has \"AWSPENDING\"",
        // A statement that missed on action is counted, not listed.
        "and 1 statement(s) that matched two of principal, action and resource (--verbose lists them)",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
    assert!(!text.contains("secrets:DeleteSecret"), "{text}");
    assert_no_ansi(&run.stdout);
    let verbose = policy_with_stdin(
        dir.path(),
        &["eval", "-p", ".", "-r", "-", "--explain", "--verbose"],
        outside.as_bytes(),
    );
    assert_code(&verbose, 0);
    for needle in [
        "1 statement(s) matched two of principal, action and resource:",
        // Matcher lines are shown on one line, as in canonical form.
        "`action secrets:DeleteSecret` did not match: request has secrets:GetSecretValue",
    ] {
        assert!(
            verbose.stdout.contains(needle),
            "no {needle:?} in:\n{}",
            verbose.stdout
        );
    }

    // A missing value is unknown: the allow fails closed and so does the deny.
    let bare = request(
        "service:payments-api",
        "secrets:GetSecretValue",
        "prod/payment/stripe",
        "{}",
    );
    let run = policy_with_stdin(
        dir.path(),
        &["eval", "-p", ".", "-r", "-", "--explain"],
        bare.as_bytes(),
    );
    assert_code(&run, 0);
    for needle in [
        "deny network/prod-stays-inside: applied (a value it needs is missing, and a deny fails closed)",
        "unless `source_ip in [10.0.0.0/8, fd00::/8]` is unknown: the request does not carry this value",
        "when `source_ip in [10.0.0.0/8, fd00::/8]` is unknown: the request does not carry this value",
    ] {
        assert!(
            run.stdout.contains(needle),
            "no {needle:?} in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn eval_reads_the_request_from_standard_input() {
    let dir = policy_set();
    let allowed = request(
        "service:payments-api",
        "secrets:GetSecretValue",
        "prod/payment/stripe",
        r#"{"source_ip": "fd00::1", "version_stage": "AWSPREVIOUS"}"#,
    );
    let from_stdin = policy_with_stdin(
        dir.path(),
        &["eval", "-p", ".", "-r", "-"],
        allowed.as_bytes(),
    );
    assert_code(&from_stdin, 0);
    write(dir.path(), "request.json", &allowed);
    let from_file = policy_in(dir.path(), &["eval", "-p", ".", "-r", "request.json"]);
    assert_eq!(from_stdin.stdout, from_file.stdout);
    assert!(
        from_stdin.stdout.starts_with(r#"{"decision":"allow""#),
        "{}",
        from_stdin.both()
    );
}

#[test]
fn eval_rejects_malformed_requests_naming_the_problem() {
    let dir = policy_set();
    let cases: &[(&str, &[&str])] = &[
        ("", &["is empty", "expected a JSON object"]),
        ("  \n", &["is empty"]),
        ("{", &["invalid JSON", "line 1"]),
        (
            "{\"principal\": \"a\",\n \"action\": }",
            &["invalid JSON", "line 2"],
        ),
        ("[]", &["a request must be a JSON object"]),
        (r#"{"action": "a", "resource": "r"}"#, &["principal"]),
        (
            r#"{"principal": "p", "action": "a", "resource": "r", "context": {"source_ip": "nope"}}"#,
            &["context.source_ip", "`nope` is not an IPv4 or IPv6 address"],
        ),
        (
            r#"{"principal": "p", "action": "a", "resource": "r", "context": {"mfa": "yes"}}"#,
            &["context.mfa", "boolean"],
        ),
        (
            r#"{"principal": "p", "action": "a", "resource": "r", "context": {"mfa_age_seconds": -3}}"#,
            &["context.mfa_age_seconds"],
        ),
        (
            r#"{"principal": "p", "action": "a", "resource": "r", "context": {"time": "yesterday"}}"#,
            &["context.time", "RFC 3339"],
        ),
        (
            r#"{"principal": {"id": "p", "groups": "g"}, "action": "a", "resource": "r"}"#,
            &["principal.groups"],
        ),
        (
            r#"{"principal": "p", "action": "a", "resource": "r", "extra": 1}"#,
            &["extra", "unknown field"],
        ),
    ];
    for (text, needles) in cases {
        let run = policy_with_stdin(dir.path(), &["eval", "-p", ".", "-r", "-"], text.as_bytes());
        assert_code(&run, 2);
        assert!(run.stdout.is_empty(), "{text:?}: {}", run.both());
        assert_stderr_has(&run, "error: invalid request on standard input: ");
        for needle in *needles {
            assert!(
                run.stderr.contains(needle),
                "{text:?}: no {needle:?} in {}",
                run.stderr
            );
        }
        assert_eq!(run.stderr.lines().count(), 1, "{text:?}: {}", run.stderr);
    }
    // From a file, the message names the file.
    write(dir.path(), "bad.json", cases[6].0);
    let run = policy_in(dir.path(), &["eval", "-p", ".", "-r", "bad.json"]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "invalid request in bad.json: context.source_ip:");
}

#[test]
fn eval_reports_a_policy_that_does_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.policy", PAYMENTS);
    write(dir.path(), "drafts.policy", SEVERAL_ERRORS);
    write(dir.path(), "request.json", request("a", "b", "c", "{}"));
    let run = policy_in(dir.path(), &["eval", "-p", ".", "-r", "request.json"]);
    assert_code(&run, 2);
    assert!(run.stdout.is_empty(), "{}", run.both());
    assert_stderr_has(&run, "error[unknown-key]: unknown attribute `sorce_ip`");
    assert_stderr_has(&run, " --> ./drafts.policy:6:12");
    assert_stderr_has(&run, "  |            ^^^^^^^^\n");
    assert_eq!(
        run.stderr.lines().last(),
        Some("error: 4 error(s) in the policy set")
    );
}

#[test]
fn eval_names_an_invalid_utf8_request() {
    let dir = policy_set();
    let run = policy_with_stdin(
        dir.path(),
        &["eval", "-p", ".", "-r", "-"],
        b"{\"principal\": \"\xff\"}",
    );
    assert_code(&run, 2);
    assert_stderr_has(
        &run,
        "<stdin>: not valid UTF-8 (first bad byte at offset 15)",
    );
    write(dir.path(), "bad.json", b"{\"principal\": \"\xff\"}");
    let run = policy_in(dir.path(), &["eval", "-p", ".", "-r", "bad.json"]);
    assert_code(&run, 2);
    assert_stderr_has(
        &run,
        "bad.json: not valid UTF-8 (first bad byte at offset 15)",
    );
}

// ---------------------------------------------------------------------------
// Bad input for every subcommand that reads paths.

/// The ways to run each subcommand on one policy path, and the exit code
/// for a policy that does not parse.
fn on_policy_path(path: &str) -> Vec<(Vec<String>, i32)> {
    let owned = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (owned(&["check", path]), 2),
        (owned(&["check", "--format", "json", path]), 2),
        (owned(&["fmt", path]), 2),
        (owned(&["fmt", "--check", path]), 2),
        (owned(&["eval", "-p", path, "-r", "request.json"]), 2),
        (owned(&["lint", path]), 2),
    ]
}

fn run_owned(dir: &Path, args: &[String]) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    policy_in(dir, &args)
}

/// A directory holding a valid request, for `eval`.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "request.json", request("a", "b", "c", "{}"));
    dir
}

#[test]
fn a_missing_path_is_named() {
    let dir = workdir();
    for (args, _) in on_policy_path("nowhere/missing.policy") {
        let run = run_owned(dir.path(), &args);
        assert_code(&run, 2);
        assert_eq!(
            run.stderr, "error: nowhere/missing.policy: no such file or directory\n",
            "{args:?}"
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.both());
    }
    write(dir.path(), "p.policy", PAYMENTS);
    let run = policy_in(
        dir.path(),
        &["eval", "-p", "p.policy", "-r", "missing.json"],
    );
    assert_code(&run, 2);
    assert_eq!(
        run.stderr,
        "error: missing.json: no such file or directory\n"
    );
    let run = policy_in(dir.path(), &["eval", "-p", "p.policy", "-r", "."]);
    assert_code(&run, 2);
    assert_eq!(run.stderr, "error: .: is a directory, not a file\n");
    let run = policy_in(dir.path(), &["test", "missing-dir"]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "missing-dir: no such file or directory");
}

#[test]
fn a_directory_without_policies_is_an_input_error() {
    let dir = workdir();
    std::fs::create_dir_all(dir.path().join("empty/deeper")).unwrap();
    write(dir.path(), "empty/notes.txt", "not a policy");
    for (args, _) in on_policy_path("empty") {
        let run = run_owned(dir.path(), &args);
        assert_code(&run, 2);
        assert_eq!(
            run.stderr, "error: no policy files (*.policy, *.hcl, *.json) found in empty\n",
            "{args:?}"
        );
    }
}

#[test]
fn invalid_utf8_is_named_with_its_offset() {
    let dir = workdir();
    let bytes = b"policy \"a\" {}\n# caf\xe9\n";
    let path = write(dir.path(), "latin1.policy", bytes);
    for (args, _) in on_policy_path("latin1.policy") {
        let run = run_owned(dir.path(), &args);
        assert_code(&run, 2);
        assert_eq!(
            run.stderr,
            "error: latin1.policy: not valid UTF-8 (first bad byte at offset 19); expected UTF-8 text\n",
            "{args:?}"
        );
    }
    assert_eq!(read(&path), bytes);
    write(dir.path(), "suite/p.policy", PAYMENTS);
    write(dir.path(), "suite/p.tests.toml", b"# caf\xe9\n");
    let run = policy_in(dir.path(), &["test", "suite"]);
    assert_code(&run, 2);
    assert_stderr_has(
        &run,
        "p.tests.toml: not valid UTF-8 (first bad byte at offset 5)",
    );
}

#[test]
fn a_byte_order_mark_is_refused() {
    // One rule for every host (the C library and the Wasm modules refuse
    // it too): a byte-order mark is not stripped, in a policy file or in a
    // request.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bom.policy", format!("\u{FEFF}{PAYMENTS}"));
    let run = policy_in(dir.path(), &["check", "bom.policy"]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "unexpected invisible character U+FEFF");
    assert_stderr_has(&run, "bom.policy:1:1");
    write(dir.path(), "p.policy", PAYMENTS);
    let text = request("user:a", "secrets:GetSecretValue", "prod/payment/x", "{}");
    write(dir.path(), "bom.json", format!("\u{FEFF}{text}"));
    let run = policy_in(dir.path(), &["eval", "-p", "p.policy", "-r", "bom.json"]);
    assert_code(&run, 2);
    assert_stderr_has(
        &run,
        "invalid request in bom.json: the request starts with a byte-order mark",
    );
    let run = policy_with_stdin(
        dir.path(),
        &["eval", "-p", "p.policy", "-r", "-"],
        format!("\u{FEFF}{text}").as_bytes(),
    );
    assert_code(&run, 2);
    assert_stderr_has(&run, "the request starts with a byte-order mark");
    write(dir.path(), "plain.json", &text);
    let run = policy_in(dir.path(), &["eval", "-p", "p.policy", "-r", "plain.json"]);
    assert_code(&run, 0);
    // An invisible character elsewhere is named by its code point.
    write(dir.path(), "nbsp.policy", "policy \"p\" {\u{A0}}\n");
    let run = policy_in(dir.path(), &["check", "nbsp.policy"]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "unexpected invisible character U+00A0");
    assert_stderr_has(&run, "nbsp.policy:1:13");
}

const TEN_MB: usize = 10 * 1024 * 1024;

/// Runs `check`, `fmt`, `eval` and `lint` on `file` (in a directory with a
/// request; `check --format json` and `fmt --check` read files the same
/// way) and checks that each ends cleanly with its exit code and a short
/// message naming the file and holding every needle.
fn every_command_fails_cleanly(dir: &Path, file: &str, needles: &[&str]) {
    for (args, code) in on_policy_path(file) {
        if args.iter().any(|a| a == "json" || a == "--check") {
            continue;
        }
        let run = run_owned(dir, &args);
        assert_code(&run, code);
        for needle in needles.iter().chain([&file]) {
            assert!(
                run.stderr.contains(needle),
                "{args:?}: no {needle:?} in {}",
                run.both()
            );
        }
        // A long line is cut to an excerpt, not printed whole.
        assert!(
            run.stderr.len() < 4096,
            "{args:?}: {} bytes of output",
            run.stderr.len()
        );
    }
}

#[test]
fn a_10_mb_line_of_garbage_is_reported_briefly() {
    let dir = workdir();
    let mut text = String::from("policy \"x\" { allow \"y\" { principal ");
    text.push_str(&"a".repeat(TEN_MB));
    text.push('\n');
    write(dir.path(), "long-line.policy", &text);
    // The excerpt names the position that JSON gives: the end of the file.
    every_command_fails_cleanly(
        dir.path(),
        "long-line.policy",
        &["unexpected end of file", "long-line.policy:2:1"],
    );
    // `policy test` compiles the policies beside its test file the same way.
    std::fs::create_dir(dir.path().join("suite")).unwrap();
    std::fs::rename(
        dir.path().join("long-line.policy"),
        dir.path().join("suite/long-line.policy"),
    )
    .unwrap();
    write(
        dir.path(),
        "suite/t.tests.toml",
        "[[test]]\nname = \"t\"\nexpect = \"deny\"\n[test.request]\nprincipal = \"a\"\naction = \"b\"\nresource = \"c\"\n",
    );
    let run = policy_in(dir.path(), &["test", "suite"]);
    assert_code(&run, 2);
    assert_stderr_has(&run, "long-line.policy:2:1");
    assert_stderr_has(&run, "unexpected end of file");
    assert!(run.stderr.len() < 4096, "{} bytes", run.stderr.len());
}

#[test]
fn ten_mb_of_braces_is_reported_briefly() {
    let dir = workdir();
    write(dir.path(), "braces.policy", "{".repeat(TEN_MB));
    every_command_fails_cleanly(dir.path(), "braces.policy", &["unexpected `{`"]);
}

#[test]
fn many_errors_are_counted_not_all_drawn() {
    let dir = workdir();
    let statement = "policy \"x\" { allow \"y\" { principal * } }\n";
    write(
        dir.path(),
        "many.policy",
        statement.repeat(1_000_000 / statement.len()),
    );
    let run = policy_in(dir.path(), &["check", "many.policy"]);
    assert_code(&run, 2);
    assert_stderr_has(
        &run,
        "more error(s) not shown; `policy check --format json` lists every one",
    );
    let drawn = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error["))
        .count();
    assert_eq!(drawn, 100, "{}", run.stderr.len());
    let json = policy_in(dir.path(), &["check", "--format", "json", "many.policy"]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let total = report["diagnostics"].as_array().unwrap().len();
    assert!(total > 10_000, "{total}");
    let summary = format!("error: {total} error(s) in 1 file(s)");
    assert_eq!(run.stderr.lines().last(), Some(summary.as_str()));
    assert!(
        run.stderr
            .contains(&format!("... and {} more", total - 100))
    );
}

/// About 10 MB of statements in canonical form, and how many.
fn ten_mb_of_statements() -> (String, usize) {
    let mut text = String::from("policy \"big\" {\n");
    let mut count = 0;
    while text.len() < TEN_MB {
        if count > 0 {
            text.push('\n');
        }
        text.push_str(&format!(
            "  allow \"s{count}\" {{\n    principal user:u{count}\n    action    secrets:GetSecretValue\n    resource  prod/app{count}/**\n    when {{\n      source_ip in 10.0.0.0/8\n    }}\n  }}\n"
        ));
        count += 1;
    }
    text.push_str("}\n");
    (text, count)
}

#[test]
fn ten_mb_of_valid_statements_check_and_format() {
    let dir = tempfile::tempdir().unwrap();
    let (text, count) = ten_mb_of_statements();
    let path = write(dir.path(), "big.policy", &text);
    let run = policy_in(dir.path(), &["check", "big.policy"]);
    assert_code(&run, 0);
    assert_eq!(run.stdout, format!("ok: 1 file(s), {count} statement(s)\n"));
    let run = policy_in(dir.path(), &["fmt", "--check", "big.policy"]);
    assert_code(&run, 0);
    assert_eq!(read(&path), text.as_bytes());
}

#[test]
fn ten_mb_of_valid_statements_evaluate() {
    let dir = tempfile::tempdir().unwrap();
    let (text, count) = ten_mb_of_statements();
    write(dir.path(), "big.policy", &text);
    let last = count - 1;
    let allowed = request(
        &format!("user:u{last}"),
        "secrets:GetSecretValue",
        &format!("prod/app{last}/key"),
        r#"{"source_ip": "10.9.9.9"}"#,
    );
    let run = policy_with_stdin(
        dir.path(),
        &["eval", "-p", "big.policy", "-r", "-"],
        allowed.as_bytes(),
    );
    assert_code(&run, 0);
    let decision: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(decision["decision"], "allow");
    assert_eq!(decision["determining"][0]["statement"], format!("s{last}"));
}

fn with_condition(condition: &str) -> String {
    format!(
        "policy \"deep\" {{\n  allow \"s\" {{\n    principal *\n    action    *\n    resource  *\n    when {{\n      {condition}\n    }}\n  }}\n}}\n"
    )
}

#[test]
fn nesting_100k_deep_is_refused_without_a_crash() {
    let dir = workdir();
    let depth = 100_000;
    let parens = format!("{}mfa{}", "(".repeat(depth), ")".repeat(depth));
    write(dir.path(), "parens.policy", with_condition(&parens));
    write(
        dir.path(),
        "nots.policy",
        with_condition(&format!("{}mfa", "not ".repeat(depth))),
    );
    write(
        dir.path(),
        "both.policy",
        with_condition(&format!(
            "{}mfa{}",
            "not (".repeat(depth),
            ")".repeat(depth)
        )),
    );
    // `{` alternatives in a pattern nest in the grammar too.
    write(
        dir.path(),
        "braces.policy",
        format!(
            "policy \"p\" {{ allow \"s\" {{ principal * action * resource a{} }} }}\n",
            "{".repeat(depth)
        ),
    );
    for file in [
        "parens.policy",
        "nots.policy",
        "both.policy",
        "braces.policy",
    ] {
        let before = read(&dir.path().join(file));
        every_command_fails_cleanly(dir.path(), file, &["nests too deeply"]);
        let run = policy_in(dir.path(), &["check", file]);
        assert_stderr_has(&run, "may nest at most 64 levels deep");
        assert_eq!(read(&dir.path().join(file)), before);
    }
}

#[test]
fn conditions_nested_to_the_limit_work_everywhere() {
    let dir = workdir();
    let depth = 32;
    let nested = format!("{}mfa{}", "not (".repeat(depth), ")".repeat(depth));
    write(dir.path(), "deep.policy", with_condition(&nested));
    let run = policy_in(dir.path(), &["check", "deep.policy"]);
    assert_code(&run, 0);
    let run = policy_in(dir.path(), &["fmt", "deep.policy"]);
    assert_code(&run, 0);
    let run = policy_in(dir.path(), &["fmt", "--check", "deep.policy"]);
    assert_code(&run, 0);
    // `not` 32 times: an even count, so the statement applies when mfa holds.
    let mfa = request("a", "b", "c", r#"{"mfa": true}"#);
    let run = policy_with_stdin(
        dir.path(),
        &["eval", "-p", "deep.policy", "-r", "-", "--explain"],
        mfa.as_bytes(),
    );
    assert_code(&run, 0);
    assert!(
        run.stdout.starts_with(r#"{"decision":"allow""#),
        "{}",
        run.both()
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let statement = "policy \"x\" { allow \"y\" { principal * } }\n";
    write(dir.path(), "many.policy", statement.repeat(2_000));
    for format in ["github", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policy"))
            .args(["check", "--format", format, "many.policy"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, then close the pipe, as `| head -1` does.
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert_eq!(status.code(), Some(141), "{format}: {stderr}");
    }
}
