//! Audit records through the real `policy` binary: `--audit` on `test`,
//! `eval` and `serve` (one record per decision, in the documented shape,
//! chained across runs, carrying the revision that decided), masking (no
//! secret-looking value reaches the log or the output), blocking mode
//! (`audit_failed` denies when the log cannot be written), HMAC keys, and
//! `policy audit verify` naming each kind of tampering by line.
//!
//! Nothing here depends on timing beyond generous deadlines: each step
//! waits for the output it expects, so a slow machine only makes the tests
//! slower.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod runner;
mod server;
#[path = "../../tests/skip.rs"]
mod skip;

use policy_cli::suite;
use runner::{Invocation, Run, invoke};
use serde_json::Value;
use server::Server;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An allow for services on `app/**` that reads only `context.team`, and a
/// deny for interns on `app/prod/**`: no condition reads a secret-named key.
const POLICY: &str = r#"policy "app" {
  allow "read" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
    when { context.team == "payments" }
  }
  deny "no-prod-for-interns" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/prod/**
    when { principal.tags.role == "intern" }
  }
}
"#;

/// The same statement as a deny, for reloads.
const DENY_ALL: &str = r#"policy "app" {
  deny "frozen" {
    principal service:*
    action    secrets:GetSecretValue
    resource  app/**
  }
}
"#;

/// A request `POLICY` allows.
const REQUEST: &str = r#"{"principal": "service:api", "action": "secrets:GetSecretValue", "resource": "app/db", "context": {"team": "payments", "time": "2026-11-25T10:00:00Z"}}"#;

/// The genesis `prev` of an unkeyed chain.
const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

// ---------------------------------------------------------------------------
// Running the binary.

/// Runs `policy ARGS` with `stdin` (or none).
fn policy_with_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    invoke(Invocation {
        args: args.to_vec(),
        stdin: stdin.map(|text| text.as_bytes().to_vec()),
        ..Invocation::default()
    })
}

fn policy(args: &[&str]) -> Run {
    policy_with_stdin(args, None)
}

/// `policy audit verify ARGS`.
fn verify(args: &[&str]) -> Run {
    let mut all = vec!["audit", "verify"];
    all.extend_from_slice(args);
    policy(&all)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A directory holding `app.policy` (`POLICY`).
fn policy_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.policy", POLICY);
    dir
}

/// The `sha256:...` word of a status line such as `serving REV (N statements)`.
fn revision_in(line: &str) -> String {
    line.split_whitespace()
        .find(|w| w.starts_with("sha256:"))
        .unwrap_or_else(|| panic!("no revision in {line:?}"))
        .to_string()
}

/// The revision `policy serve` reports for the policies under `path`.
fn serving_revision(path: &Path) -> String {
    let run = policy_with_stdin(&["serve", "--policies", path_str(path)], Some(""));
    run.assert_code(0);
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("serving "))
        .unwrap_or_else(|| panic!("no serving line:\n{}", run.both()));
    revision_in(line)
}

// ---------------------------------------------------------------------------
// Reading logs.

/// The log's lines (without their newlines); the file must end a line.
fn log_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.ends_with('\n'),
        "{} does not end a line",
        path.display()
    );
    text.lines().map(str::to_string).collect()
}

/// The log's records, parsed (keys in file order).
fn records(path: &Path) -> Vec<Value> {
    log_lines(path)
        .iter()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("record {line:?} is not JSON: {e}"))
        })
        .collect()
}

/// evaluator/schema/audit-record.schema.json, keys in file order.
fn schema() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../evaluator/schema/audit-record.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Checks that `line` is a record as evaluator/AUDIT.md and the schema
/// describe it: required keys present, no other keys, keys in the
/// documented order with `mac` last, the patterns and enums respected, and
/// the line ending in its `mac`.
fn check_shape(line: &str, schema: &Value) -> Value {
    let record: Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("record {line:?} is not JSON: {e}"));
    let object = record.as_object().expect("a record is an object");
    let properties: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    for required in schema["required"].as_array().unwrap() {
        let key = required.as_str().unwrap();
        assert!(object.contains_key(key), "no {key:?} in {line}");
    }
    let mut last_position = None;
    for key in object.keys() {
        let position = properties
            .iter()
            .position(|p| *p == key)
            .unwrap_or_else(|| panic!("undocumented key {key:?} in {line}"));
        assert!(
            last_position.is_none_or(|last| position > last),
            "key {key:?} out of the documented order in {line}"
        );
        last_position = Some(position);
    }
    assert_eq!(object.keys().next_back().unwrap(), "mac", "{line}");
    let pattern =
        |def: &str| regex::Regex::new(schema["$defs"][def]["pattern"].as_str().unwrap()).unwrap();
    let (mac, timestamp) = (pattern("mac"), pattern("timestamp"));
    let id = regex::Regex::new(schema["properties"]["id"]["pattern"].as_str().unwrap()).unwrap();
    assert!(mac.is_match(record["mac"].as_str().unwrap()), "{line}");
    assert!(mac.is_match(record["prev"].as_str().unwrap()), "{line}");
    assert!(
        timestamp.is_match(record["time"].as_str().unwrap()),
        "{line}"
    );
    assert!(
        timestamp.is_match(record["decided_at"].as_str().unwrap()),
        "{line}"
    );
    assert!(id.is_match(record["id"].as_str().unwrap()), "{line}");
    assert!(
        record["seq"].is_u64() && record["eval_ns"].is_u64(),
        "{line}"
    );
    for key in ["principal", "action", "resource", "revision"] {
        assert!(record[key].is_string(), "{key} in {line}");
    }
    assert!(
        ["allow", "deny"].contains(&record["decision"].as_str().unwrap()),
        "{line}"
    );
    assert!(
        ["allowed", "explicit_deny", "no_statement_applied"]
            .contains(&record["reason"].as_str().unwrap()),
        "{line}"
    );
    for statement in record["determining"].as_array().unwrap() {
        assert!(statement["policy"].is_string(), "{line}");
        assert!(statement["statement"].is_string(), "{line}");
    }
    let revision = record["revision"].as_str().unwrap();
    assert!(
        revision.len() == "sha256:".len() + 64 && revision.starts_with("sha256:"),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            ",\"mac\":\"{}\"}}",
            record["mac"].as_str().unwrap()
        )),
        "{line}"
    );
    record
}

/// Checks `seq` 0, 1, 2, ... and each `prev` against the previous `mac`.
fn check_chain(records: &[Value], genesis: &str) {
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record["seq"], i as u64, "{record}");
        let prev = if i == 0 {
            genesis
        } else {
            records[i - 1]["mac"].as_str().unwrap()
        };
        assert_eq!(record["prev"], prev, "record {i}: {record}");
    }
}

/// The `verify` summary line of a clean log.
fn ok_line(path: &Path, records: &[Value]) -> String {
    let last = records.last().unwrap();
    format!(
        "{}: ok: {n} record(s) in {n} line(s), seq 0 to {}, last mac {}\n",
        path.display(),
        last["seq"],
        last["mac"].as_str().unwrap(),
        n = records.len(),
    )
}

fn assert_clean(path: &Path, key_file: Option<&Path>) {
    let mut args = vec![path_str(path)];
    if let Some(key) = key_file {
        args.extend(["--key-file", path_str(key)]);
    }
    let run = verify(&args);
    run.assert_code(0);
    assert_eq!(run.stdout, ok_line(path, &records(path)), "{}", run.both());
}

// ---------------------------------------------------------------------------
// 1. `policy test --audit`.

#[test]
fn test_corpus_writes_one_verifiable_record_per_test_with_its_sets_revision() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("corpus");
    let out = tempfile::tempdir().unwrap();
    let log = out.path().join("audit.jsonl");
    // The policy sets, without `corpus/invalid`, whose broken files make
    // `policy test corpus` fail on purpose.
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("invalid"))
        .collect();
    sets.sort();
    let mut args = vec!["test"];
    args.extend(sets.iter().map(|p| path_str(p)));
    args.extend(["--audit", path_str(&log)]);
    let run = policy(&args);
    run.assert_code(0);
    let summary = run.stdout.lines().last().unwrap();
    let (passed, failed) = summary
        .strip_suffix(" failed")
        .and_then(|s| s.split_once(" passed, "))
        .unwrap_or_else(|| panic!("no summary in {summary:?}"));
    let (passed, failed): (usize, usize) = (passed.parse().unwrap(), failed.parse().unwrap());
    assert_eq!(failed, 0, "{}", run.both());
    assert!(passed > 100, "the corpus has over 100 tests: {summary}");

    // One record per test, each in the documented shape, one chain.
    let schema = schema();
    let lines = log_lines(&log);
    assert_eq!(lines.len(), passed, "one record per test");
    let records: Vec<Value> = lines.iter().map(|l| check_shape(l, &schema)).collect();
    check_chain(&records, GENESIS);

    // Each set's records carry its revision (the one `policy serve` reports
    // for the same files) and are its tests' decisions; sets differ.
    let test_files = suite::find_test_files(std::slice::from_ref(&corpus)).unwrap();
    let mut sets: BTreeMap<PathBuf, Vec<suite::TestCase>> = BTreeMap::new();
    for file in &test_files {
        let loaded = suite::load(file).unwrap();
        sets.entry(suite::policy_dir(file))
            .or_default()
            .extend(loaded.tests);
    }
    assert!(sets.len() >= 6, "{sets:?}", sets = sets.keys());
    let mut revisions = BTreeSet::new();
    let mut accounted = 0;
    for (dir, cases) in &sets {
        let revision = serving_revision(dir);
        assert!(
            revisions.insert(revision.clone()),
            "{} shares its revision",
            dir.display()
        );
        let at: Vec<usize> = (0..records.len())
            .filter(|&i| records[i]["revision"] == revision.as_str())
            .collect();
        assert_eq!(
            at.len(),
            cases.len(),
            "{}: one record per test with revision {revision}",
            dir.display()
        );
        assert!(
            at.windows(2).all(|w| w[1] == w[0] + 1),
            "{}: a set's records are consecutive",
            dir.display()
        );
        let mut logged: Vec<String> = at
            .iter()
            .map(|&i| {
                let r = &records[i];
                format!(
                    "{} {} {} {}",
                    r["principal"].as_str().unwrap(),
                    r["action"].as_str().unwrap(),
                    r["resource"].as_str().unwrap(),
                    r["decision"].as_str().unwrap()
                )
            })
            .collect();
        let mut expected: Vec<String> = cases
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {}",
                    c.request.principal.id,
                    c.request.action,
                    c.request.resource.path,
                    suite::outcome_name(c.expect)
                )
            })
            .collect();
        logged.sort();
        expected.sort();
        assert_eq!(logged, expected, "{}", dir.display());
        accounted += at.len();
    }
    assert_eq!(accounted, records.len(), "every record belongs to a set");

    assert_clean(&log, None);
}

// ---------------------------------------------------------------------------
// 2. Appending across runs.

#[test]
fn two_evals_append_to_one_chain() {
    let dir = policy_dir();
    let request = write(dir.path(), "request.json", REQUEST);
    let log = dir.path().join("audit.jsonl");
    let args = [
        "eval",
        "--policies",
        path_str(dir.path()),
        "--request",
        path_str(&request),
        "--audit",
        path_str(&log),
    ];
    for _ in 0..2 {
        let run = policy(&args);
        run.assert_code(0);
        assert_eq!(
            run.stdout,
            "{\"decision\":\"allow\",\"reason\":\"allowed\",\"determining\":[{\"policy\":\"app\",\"statement\":\"read\"}]}\n"
        );
        assert_eq!(run.stderr, "");
    }
    let schema = schema();
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 2);
    let records: Vec<Value> = lines.iter().map(|l| check_shape(l, &schema)).collect();
    assert_eq!(records[0]["seq"], 0);
    assert_eq!(records[1]["seq"], 1);
    assert_eq!(records[0]["prev"], GENESIS);
    assert_eq!(records[1]["prev"], records[0]["mac"], "the chain continues");
    assert_ne!(records[0]["id"], records[1]["id"]);
    assert_eq!(records[0]["decided_at"], "2026-11-25T10:00:00.000000Z");
    assert_clean(&log, None);
}

// ---------------------------------------------------------------------------
// 3. Tampering.

/// A five-record log written by `policy serve --audit`, and its lines.
fn five_record_log(dir: &Path) -> (PathBuf, Vec<String>) {
    let log = dir.join("five.jsonl");
    let input: String = (0..5)
        .map(|i| REQUEST.replace("app/db", &format!("app/r{i}")) + "\n")
        .collect();
    let run = policy_with_stdin(
        &[
            "serve",
            "--policies",
            path_str(dir),
            "--audit",
            path_str(&log),
        ],
        Some(&input),
    );
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 5, "{}", run.both());
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 5);
    (log, lines)
}

/// Writes `text` to `name` in `dir` and verifies it: exit 1, and every
/// finding as `(line, code)`, from the text output; checks that the JSON
/// output says the same.
fn tampered(dir: &Path, name: &str, text: &str) -> Vec<(u64, String)> {
    let path = write(dir, name, text);
    let run = verify(&[path_str(&path)]);
    run.assert_code(1);
    let prefix = format!("{}:", path.display());
    let mut findings = Vec::new();
    let mut lines = run.stdout.lines().collect::<Vec<_>>();
    let summary = lines.pop().unwrap();
    assert!(
        summary.starts_with(&format!("{}: {} finding(s): ", path.display(), lines.len())),
        "{}",
        run.both()
    );
    for line in lines {
        let rest = line
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{line:?} does not start with {prefix:?}"));
        let mut parts = rest.splitn(3, ": ");
        let number: u64 = parts.next().unwrap().parse().unwrap();
        let code = parts.next().unwrap().to_string();
        assert!(!parts.next().unwrap().is_empty(), "a message: {line:?}");
        findings.push((number, code));
    }

    let json = verify(&["--format", "json", path_str(&path)]);
    json.assert_code(1);
    let report: Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", json.both()));
    assert_eq!(report["clean"], false, "{report}");
    let file = &report["files"][0];
    assert_eq!(file["clean"], false, "{report}");
    assert_eq!(file["file"], path_str(&path), "{report}");
    let from_json: Vec<(u64, String)> = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(from_json, findings, "text and JSON agree");
    findings
}

fn joined(lines: &[&String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn finding(line: u64, code: &str) -> (u64, String) {
    (line, code.to_string())
}

#[test]
fn verify_names_each_kind_of_tampering_by_line() {
    let dir = policy_dir();
    let (log, lines) = five_record_log(dir.path());
    assert_clean(&log, None);
    let l: Vec<&String> = lines.iter().collect();

    // A middle line deleted: the gap is where line 3 now stands.
    let deleted = joined(&[l[0], l[1], l[3], l[4]]);
    assert_eq!(
        tampered(dir.path(), "deleted.jsonl", &deleted),
        [finding(3, "missing_records")]
    );
    let json = verify(&[
        "--format",
        "json",
        path_str(&dir.path().join("deleted.jsonl")),
    ]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        report["files"][0]["findings"][0],
        serde_json::json!({"line": 3, "kind": "missing_records", "count": 1, "after_seq": 1})
    );

    // A line duplicated: the copy is out of order.
    let duplicated = joined(&[l[0], l[1], l[2], l[2], l[3], l[4]]);
    assert_eq!(
        tampered(dir.path(), "duplicated.jsonl", &duplicated),
        [finding(4, "out_of_order")]
    );

    // Two neighbours swapped: reported at the first of them.
    let swapped = joined(&[l[0], l[1], l[3], l[2], l[4]]);
    assert_eq!(
        tampered(dir.path(), "swapped.jsonl", &swapped),
        [finding(3, "out_of_order")]
    );
    // Two lines further apart swapped: at both.
    let swapped_far = joined(&[l[0], l[3], l[2], l[1], l[4]]);
    let findings = tampered(dir.path(), "swapped-far.jsonl", &swapped_far);
    assert_eq!(findings[0], finding(2, "out_of_order"), "{findings:?}");
    assert!(
        findings.iter().all(|(_, code)| code == "out_of_order"),
        "{findings:?}"
    );

    // One character of a field value edited.
    assert!(l[2].contains("\"resource\":\"app/r2\""), "{}", l[2]);
    let edited_line = l[2].replace("\"resource\":\"app/r2\"", "\"resource\":\"app/r3\"");
    let edited = joined(&[l[0], l[1], &edited_line, l[3], l[4]]);
    assert_eq!(
        tampered(dir.path(), "edited.jsonl", &edited),
        [finding(3, "mac_mismatch")]
    );

    // Cut in the middle of the last line.
    let full = joined(&l);
    let cut_at = full.len() - l[4].len() / 2;
    assert_eq!(
        tampered(dir.path(), "cut.jsonl", &full[..cut_at]),
        [finding(5, "truncated_tail")]
    );

    // A record replaced by a line of 3 MiB, far longer than any record:
    // reported, and the chain checked on past it.
    let long = "x".repeat(3 * 1024 * 1024);
    let replaced = joined(&[l[0], l[1], &long, l[3], l[4]]);
    assert_eq!(
        tampered(dir.path(), "long.jsonl", &replaced),
        [finding(3, "line_too_long")]
    );

    // The original is untouched and still clean.
    assert_clean(&log, None);
}

// ---------------------------------------------------------------------------
// 4. Keys.

#[test]
fn keyed_logs_verify_only_with_their_key_and_never_show_it() {
    let dir = policy_dir();
    // The keys live apart from the log, as docs/audit.md advises.
    let keys = tempfile::tempdir().unwrap();
    const KEY: &str = "k3y-BYTES-never-logged-7f3a9c";
    let key = write(keys.path(), "audit.key", &format!("{KEY}\n"));
    let other = write(keys.path(), "other.key", "another-key-entirely\n");
    let request = write(dir.path(), "request.json", REQUEST);
    let log = dir.path().join("audit.jsonl");
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--policies",
            path_str(dir.path()),
            "--request",
            path_str(&request),
            "--audit",
            path_str(&log),
        ];
        args.extend_from_slice(extra);
        policy(&args)
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let run = eval(&["--audit-key-file", path_str(&key)]);
        run.assert_code(0);
        runs.push(run);
    }

    let schema = schema();
    let records: Vec<Value> = log_lines(&log)
        .iter()
        .map(|l| check_shape(l, &schema))
        .collect();
    assert_eq!(records.len(), 2);
    for record in &records {
        assert!(
            record["mac"].as_str().unwrap().starts_with("hmac-sha256:"),
            "{record}"
        );
    }
    check_chain(&records, &format!("hmac-sha256:{}", "0".repeat(64)));

    // With the key: clean.
    let good = verify(&[path_str(&log), "--key-file", path_str(&key)]);
    good.assert_code(0);
    assert_eq!(good.stdout, ok_line(&log, &records), "{}", good.both());
    // With another key: every record's mac is wrong.
    let wrong = verify(&[path_str(&log), "--key-file", path_str(&other)]);
    wrong.assert_code(1);
    for line in [1, 2] {
        assert!(
            wrong
                .stdout
                .contains(&format!("{}:{line}: mac_mismatch: ", log.display())),
            "{}",
            wrong.both()
        );
    }
    // Without a key: the macs cannot be checked, said once.
    let keyless = verify(&[path_str(&log)]);
    keyless.assert_code(1);
    assert!(
        keyless
            .stdout
            .starts_with(&format!("{}:1: key_required: ", log.display())),
        "{}",
        keyless.both()
    );
    assert_eq!(keyless.stdout.matches("key_required").count(), 1);
    let json = verify(&["--format", "json", path_str(&log)]);
    json.assert_code(1);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        report["files"][0]["findings"],
        serde_json::json!([{"line": 1, "kind": "key_required"}])
    );

    // Appending without the key to a keyed log is refused, not mixed in.
    let unkeyed = eval(&[]);
    unkeyed.assert_code(2).assert_stderr_has("key");
    assert_eq!(log_lines(&log).len(), 2);

    // The key's bytes are nowhere: not in the log, not in any output.
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(!log_text.contains(KEY));
    runs.extend([good, wrong, keyless, json, unkeyed]);
    for run in &runs {
        assert!(!run.stdout.contains(KEY), "{}", run.both());
        assert!(!run.stderr.contains(KEY), "{}", run.both());
    }
}

// ---------------------------------------------------------------------------
// 5. Masking.

const SECRETS: [&str; 7] = [
    "hunter2-SECRET-VALUE-1",
    "hunter2-SECRET-VALUE-2",
    "hunter2-SECRET-VALUE-3",
    "hunter2-SECRET-VALUE-4",
    "hunter2-SECRET-VALUE-5",
    "ghp_FAKEtoken1234567890",
    "AKIAFAKEKEY12345678",
];

/// A request `POLICY` allows that carries every value of `SECRETS`: in
/// context keys named like secrets, in `context.ticket` (masked by option)
/// and `context.note` (dropped by option), and in tags named like secrets.
const SECRET_REQUEST: &str = r#"{"principal": {"id": "service:api", "tags": {"role": "dev", "github_token": "ghp_FAKEtoken1234567890", "X-Api-Key": "AKIAFAKEKEY12345678"}}, "action": "secrets:GetSecretValue", "resource": {"path": "app/db", "tags": {"env": "dev", "aws_secret_key": "AKIAFAKEKEY12345678"}}, "context": {"team": "payments", "session_token": "hunter2-SECRET-VALUE-1", "password": "hunter2-SECRET-VALUE-2", "db_secret": "hunter2-SECRET-VALUE-3", "ticket": "hunter2-SECRET-VALUE-4", "note": "hunter2-SECRET-VALUE-5", "time": "2026-11-25T10:00:00Z"}}"#;

/// The same request as a policy test.
const SECRET_TESTS: &str = r#"[[test]]
name = "api reads with secrets in its request"
expect = "allow"
reason = "allowed"
decided_by = ["app/read"]

[test.request]
principal = { id = "service:api", tags = { role = "dev", github_token = "ghp_FAKEtoken1234567890", X-Api-Key = "AKIAFAKEKEY12345678" } }
action = "secrets:GetSecretValue"
resource = { path = "app/db", tags = { env = "dev", aws_secret_key = "AKIAFAKEKEY12345678" } }

[test.request.context]
team = "payments"
session_token = "hunter2-SECRET-VALUE-1"
password = "hunter2-SECRET-VALUE-2"
db_secret = "hunter2-SECRET-VALUE-3"
ticket = "hunter2-SECRET-VALUE-4"
note = "hunter2-SECRET-VALUE-5"
time = 2026-11-25T10:00:00Z
"#;

/// Checks that a record of `SECRET_REQUEST` masks and drops as it should
/// and keeps the rest.
fn check_masked(record: &Value) {
    let context = &record["context"];
    for key in ["session_token", "password", "db_secret", "ticket"] {
        assert_eq!(context[key], "[masked]", "context.{key}: {record}");
    }
    assert!(
        context.as_object().unwrap().get("note").is_none(),
        "context.note is dropped: {record}"
    );
    assert_eq!(context["team"], "payments", "{record}");
    assert_eq!(record["principal_tags"]["github_token"], "[masked]");
    assert_eq!(record["principal_tags"]["X-Api-Key"], "[masked]");
    assert_eq!(record["principal_tags"]["role"], "dev");
    assert_eq!(record["resource_tags"]["aws_secret_key"], "[masked]");
    assert_eq!(record["resource_tags"]["env"], "dev");
    assert_eq!(record["principal"], "service:api");
    assert_eq!(record["resource"], "app/db");
    assert_eq!(record["decision"], "allow");
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} in {what}:\n{text}");
    }
}

#[test]
fn secret_values_never_reach_output_or_the_log() {
    let dir = policy_dir();
    write(dir.path(), "app.tests.toml", SECRET_TESTS);
    let request = write(dir.path(), "request.json", SECRET_REQUEST);
    let logs = tempfile::tempdir().unwrap();
    let masking = [
        "--audit-mask",
        "context.ticket",
        "--audit-drop",
        "context.note",
    ];
    let policies = path_str(dir.path());

    let eval_log = logs.path().join("eval.jsonl");
    let mut runs = Vec::new();
    for explain in [false, true] {
        let mut args = vec![
            "eval",
            "--policies",
            policies,
            "--request",
            path_str(&request),
            "--audit",
            path_str(&eval_log),
        ];
        args.extend(masking);
        if explain {
            args.push("--explain");
        }
        let run = policy(&args);
        run.assert_code(0);
        assert!(
            run.stdout.starts_with("{\"decision\":\"allow\""),
            "{}",
            run.both()
        );
        if explain {
            assert!(run.stdout.contains("ALLOW"), "{}", run.both());
        }
        runs.push(run);
    }
    let serve_log = logs.path().join("serve.jsonl");
    for explain in [false, true] {
        let mut args = vec![
            "serve",
            "--policies",
            policies,
            "--audit",
            path_str(&serve_log),
        ];
        args.extend(masking);
        if explain {
            args.push("--explain");
        }
        let run = policy_with_stdin(&args, Some(&format!("{SECRET_REQUEST}\n")));
        run.assert_code(0);
        let answer: Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(answer["decision"], "allow", "{}", run.both());
        runs.push(run);
    }
    let test_log = logs.path().join("test.jsonl");
    for verbose in [false, true] {
        let mut args = vec!["test", policies, "--audit", path_str(&test_log)];
        args.extend(masking);
        if verbose {
            args.push("--verbose");
        }
        let run = policy(&args);
        run.assert_code(0);
        assert!(
            run.stdout.ends_with("1 passed, 0 failed\n"),
            "{}",
            run.both()
        );
        runs.push(run);
    }

    for run in &runs {
        assert_no_secret("stdout", &run.stdout);
        assert_no_secret("stderr", &run.stderr);
    }
    let schema = schema();
    for log in [&eval_log, &serve_log, &test_log] {
        let text = std::fs::read_to_string(log).unwrap();
        assert_no_secret(&log.display().to_string(), &text);
        let records: Vec<Value> = text.lines().map(|l| check_shape(l, &schema)).collect();
        assert_eq!(records.len(), 2, "{text}");
        for record in &records {
            check_masked(record);
        }
        check_chain(&records, GENESIS);
        assert_clean(log, None);
    }
}

// ---------------------------------------------------------------------------
// 6. Blocking.

#[test]
fn a_log_that_cannot_be_written_turns_decisions_into_audit_failed_denies() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        skip::skip("no /dev/full on this system");
        return;
    }
    let dir = policy_dir();
    let request = write(dir.path(), "request.json", REQUEST);
    let denied = "{\"decision\":\"deny\",\"reason\":\"audit_failed\",\"determining\":[]}";

    // Without --audit the request is allowed; with an unwritable log, denied.
    let allowed = policy(&[
        "eval",
        "--policies",
        path_str(dir.path()),
        "--request",
        path_str(&request),
    ]);
    allowed.assert_code(0);
    assert!(allowed.stdout.starts_with("{\"decision\":\"allow\""));
    let eval = policy(&[
        "eval",
        "--policies",
        path_str(dir.path()),
        "--request",
        path_str(&request),
        "--audit",
        "/dev/full",
    ]);
    eval.assert_code(2).assert_stderr_has("/dev/full");
    assert_eq!(eval.stdout, format!("{denied}\n"), "{}", eval.both());
    assert!(eval.stderr.starts_with("error: "), "{}", eval.both());

    let input = format!("{REQUEST}\n{REQUEST}\n{REQUEST}\n");
    let serve = policy_with_stdin(
        &[
            "serve",
            "--policies",
            path_str(dir.path()),
            "--audit",
            "/dev/full",
        ],
        Some(&input),
    );
    serve
        .assert_code(2)
        .assert_stderr_has("3 audit record(s) could not be written to /dev/full");
    assert_eq!(serve.stdout, format!("{denied}\n{denied}\n{denied}\n"));

    // `policy test` records decisions it made itself: they stand and are
    // reported, but the run fails and names the log.
    write(dir.path(), "app.tests.toml", SECRET_TESTS);
    let run = policy(&["test", path_str(dir.path()), "--audit", "/dev/full"]);
    let run = run
        .assert_code(2)
        .assert_stderr_has("1 audit record(s) could not be written to /dev/full");
    assert!(
        run.stdout.ends_with("1 passed, 0 failed\n"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------
// 7. Reloads.

#[test]
fn serve_watch_records_each_decision_with_the_revision_that_made_it() {
    let dir = policy_dir();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("audit.jsonl");
    let mut server = Server::start(&[
        "--policies",
        path_str(dir.path()),
        "--watch",
        "--interval",
        "50",
        "--audit",
        path_str(&log),
    ]);
    let first = revision_in(&server.wait_for("serving "));
    let answer = server.ask(REQUEST);
    assert_eq!(answer["decision"], "allow", "{answer}");

    write(dir.path(), "app.policy", DENY_ALL);
    let second = revision_in(&server.wait_for("reloaded:"));
    assert_ne!(first, second);
    let answer = server.ask(REQUEST);
    assert_eq!(answer["decision"], "deny", "{answer}");
    assert_eq!(server.finish().0, 0);

    let schema = schema();
    let records: Vec<Value> = log_lines(&log)
        .iter()
        .map(|l| check_shape(l, &schema))
        .collect();
    assert_eq!(records.len(), 2);
    check_chain(&records, GENESIS);
    assert_eq!(records[0]["revision"], first.as_str());
    assert_eq!(records[0]["decision"], "allow");
    assert_eq!(records[0]["reason"], "allowed");
    assert_eq!(
        records[0]["determining"],
        serde_json::json!([{"policy": "app", "statement": "read"}])
    );
    assert_eq!(records[1]["revision"], second.as_str());
    assert_eq!(records[1]["decision"], "deny");
    assert_eq!(records[1]["reason"], "explicit_deny");
    assert_eq!(
        records[1]["determining"],
        serde_json::json!([{"policy": "app", "statement": "frozen"}])
    );
    assert_clean(&log, None);
}

// ---------------------------------------------------------------------------
// 8. Usage errors.

#[test]
fn audit_usage_errors_exit_2_with_a_clear_message() {
    let dir = policy_dir();
    let request = write(dir.path(), "request.json", REQUEST);
    let log = dir.path().join("audit.jsonl");
    let policies = path_str(dir.path());
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--policies",
            policies,
            "--request",
            path_str(&request),
        ];
        args.extend_from_slice(extra);
        policy(&args)
    };

    // --audit-mask (or another --audit-* option) without --audit.
    for extra in [
        ["--audit-mask", "context.ticket"],
        ["--audit-drop", "context.ticket"],
        ["--audit-key-file", "key"],
    ] {
        let run = eval(&extra);
        run.assert_code(2).assert_stderr_has("--audit <FILE>");
        assert_eq!(run.stdout, "");
    }
    for command in [
        vec!["test", policies, "--audit-mask", "context.ticket"],
        vec![
            "serve",
            "--policies",
            policies,
            "--audit-drop",
            "context.ticket",
        ],
    ] {
        policy(&command)
            .assert_code(2)
            .assert_stderr_has("--audit <FILE>");
    }

    // An unknown selector, with a suggestion; no log is created.
    let run = eval(&["--audit", path_str(&log), "--audit-mask", "contxt.x"]);
    run.assert_code(2).assert_stderr_has(
        "--audit-mask contxt.x: unknown field selector `contxt.x`; did you mean `context.x`?",
    );
    assert_eq!(run.stdout, "");
    let run = eval(&[
        "--audit",
        path_str(&log),
        "--audit-drop",
        "principal.tag.team",
    ]);
    run.assert_code(2)
        .assert_stderr_has("did you mean `principal.tags.team`?");
    assert!(!log.exists());

    // An empty key file (a lone newline counts as empty); a missing one.
    let keys = tempfile::tempdir().unwrap();
    for (name, text) in [("empty.key", ""), ("newline.key", "\n")] {
        let key = write(keys.path(), name, text);
        let run = eval(&[
            "--audit",
            path_str(&log),
            "--audit-key-file",
            path_str(&key),
        ]);
        run.assert_code(2)
            .assert_stderr_has(&format!("the audit key file {} is empty", key.display()));
        assert_eq!(run.stdout, "");
        verify(&[path_str(&request), "--key-file", path_str(&key)])
            .assert_code(2)
            .assert_stderr_has("is empty");
    }
    let missing_key = keys.path().join("missing.key");
    eval(&[
        "--audit",
        path_str(&log),
        "--audit-key-file",
        path_str(&missing_key),
    ])
    .assert_code(2)
    .assert_stderr_has(&format!(
        "{}: no such file or directory",
        missing_key.display()
    ));
    assert!(!log.exists());

    // verify on a file that does not exist.
    let missing = dir.path().join("nowhere.jsonl");
    let run = verify(&[path_str(&missing)]);
    run.assert_code(2)
        .assert_stderr_has(&missing.display().to_string());
    assert!(run.stderr.starts_with("error: "), "{}", run.both());
    assert_eq!(run.stdout, "");

    // --audit on a file that is not an audit log: refused, left alone.
    // request.json is one line without a final newline, as REQUEST is.
    let notes = write(dir.path(), "notes.txt", "line one\nline two\n");
    for file in [&request, &notes] {
        let before = std::fs::read_to_string(file).unwrap();
        let run = eval(&["--audit", path_str(file)]);
        run.assert_code(2)
            .assert_stderr_has(&file.display().to_string());
        assert!(run.stderr.contains("audit record"), "{}", run.both());
        assert_eq!(run.stdout, "");
        assert_eq!(
            std::fs::read_to_string(file).unwrap(),
            before,
            "{}",
            file.display()
        );
    }
}

#[test]
fn verify_reports_a_file_that_is_not_an_audit_log_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "notes.txt",
        "not a log\n{\"seq\": \"zero\"}\n\n{\"decision\":\"allow\"}\n",
    );
    let run = verify(&[path_str(&file)]);
    run.assert_code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.both());
    for (i, line) in lines[..4].iter().enumerate() {
        let prefix = format!("{}:{}: not_a_record: ", file.display(), i + 1);
        assert!(line.starts_with(&prefix), "{line:?} lacks {prefix:?}");
    }
    assert_eq!(
        lines[4],
        format!("{}: 4 finding(s): 0 record(s) in 4 line(s)", file.display())
    );

    let json = verify(&["--format", "json", path_str(&file)]);
    json.assert_code(1);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["clean"], false);
    let findings = report["files"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4);
    for (i, finding) in findings.iter().enumerate() {
        assert_eq!(finding["line"], i as u64 + 1);
        assert_eq!(finding["kind"], "not_a_record");
        assert!(finding["why"].is_string(), "{finding}");
    }
    assert_eq!(report["files"][0]["records"], 0);

    // Several files: each reported, the exit status the worst.
    let dir2 = policy_dir();
    let (log, _) = five_record_log(dir2.path());
    let both = verify(&[path_str(&log), path_str(&file)]);
    both.assert_code(1);
    assert!(
        both.stdout
            .contains(&format!("{}: ok: 5 record(s)", log.display())),
        "{}",
        both.both()
    );
}
