#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Auditors through C: `tests/c/audit.c` (file and callback auditors,
//! failing callbacks in both modes, masking, bad arguments),
//! `tests/c/audit_threads.c` (four threads deciding through one auditor to
//! one file) and `tests/c/audit_continue.c` (a host's own log continued
//! from auditor to auditor and from run to run with
//! `tessera_auditor_new_callback_continuing`), each linked statically and
//! dynamically, and under valgrind when it is installed. The programs check
//! every audited answer against the unaudited one; this side reads the
//! files they leave and checks them with `tessera::audit::verify_file`.

mod common;
#[path = "../../tests/skip.rs"]
mod skip;

use common::Link;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tessera_core::audit::{FindingKind, verify_file};

/// The HMAC key `audit.c` chains `decisions.jsonl` with.
const KEY: &[u8] = b"c-test-key-hunter2";
/// The secret-looking context value `audit.c` sends.
const SECRET: &str = "ghp_c_secret_value_0123456789";

/// An empty directory for one run.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The records of an audit file, parsed, after checking that every line is
/// one, that their seqs run 0, 1, 2, ... and that the file verifies clean.
fn records(path: &Path, key: Option<&[u8]>) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'), "{}", path.display());
    let records: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    for (i, record) in records.iter().enumerate() {
        assert_eq!(
            record["seq"],
            i as u64,
            "{}: line {}",
            path.display(),
            i + 1
        );
    }
    let report = verify_file(path, key).unwrap();
    assert!(
        report.is_clean(),
        "{}: {:?}",
        path.display(),
        report.findings
    );
    assert_eq!(report.records, records.len() as u64);
    records
}

/// The `head NAME NEXT_SEQ PREV` lines `audit.c` printed, by name (the last
/// one wins).
fn heads(stdout: &str) -> HashMap<&str, (u64, &str)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("head "))
        .map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            (parts[0], (parts[1].parse().unwrap(), parts[2]))
        })
        .collect()
}

fn check_audit(link: Link, valgrind: bool) {
    let dir = fresh_dir(&format!("tessera-ffi-audit-{link:?}-{valgrind}"));
    let output = common::run(&common::build("audit", link), &[&dir], valgrind);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    let heads = heads(&stdout);

    // The keyed file: 7 decisions, then one more after reopening.
    let path = dir.join("decisions.jsonl");
    let decided = records(&path, Some(KEY));
    assert_eq!(decided.len(), 8);
    let outcomes: Vec<(&str, &str)> = decided
        .iter()
        .map(|r| {
            (
                r["decision"].as_str().unwrap(),
                r["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("allow", "allowed"),
            ("deny", "explicit_deny"),
            ("deny", "no_statement_applied"),
            ("allow", "allowed"),
            ("allow", "allowed"),
            ("deny", "explicit_deny"),
            ("allow", "allowed"),
            ("allow", "allowed"),
        ]
    );
    // JSON path records: the resource and context as sent, masked.
    assert_eq!(decided[0]["resource"], "prod/payment/stripe");
    assert_eq!(
        decided[0]["context"],
        serde_json::json!({"session_token": "[masked]", "ticket": "[masked]"})
    );
    assert_eq!(decided[0]["source_ip"], "10.1.2.3");
    assert_eq!(
        decided[0]["determining"],
        serde_json::json!([{"policy": "payments", "statement": "read-current"}])
    );
    // Fast path records: what the struct said.
    assert_eq!(decided[5]["source_ip"], "fd00::1");
    assert_eq!(decided[6]["principal"], "user:bo");
    assert_eq!(decided[6]["mfa"], true);
    for record in &decided {
        assert!(record.get("mfa_age_seconds").is_none(), "dropped: {record}");
        assert!(record["mac"].as_str().unwrap().starts_with("hmac-sha256:"));
        assert_eq!(record["decided_at"], "2026-11-25T10:00:00.000000Z");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(SECRET));
    assert!(!text.contains("OPS-7"));
    // The head printed is the file's end.
    let (next, prev) = heads["decisions"];
    assert_eq!(next, 8);
    assert_eq!(decided[7]["mac"], prev);
    // Without the key, the chain's links check out but its macs cannot.
    let unkeyed = verify_file(&path, None).unwrap();
    assert!(matches!(
        unkeyed.findings.as_slice(),
        [finding] if finding.kind == FindingKind::KeyRequired
    ));

    // fsync per record, and a background writer.
    for (name, count) in [("fsync", 2), ("background", 200)] {
        let written = records(&dir.join(format!("{name}.jsonl")), None);
        assert_eq!(written.len(), count, "{name}");
        assert_eq!(
            heads[name],
            (count as u64, written[count - 1]["mac"].as_str().unwrap())
        );
    }

    // The callback's records, written out by the C side: a chain of their
    // own, source_ip dropped, the secret masked by default.
    let collected = records(&dir.join("callback.jsonl"), None);
    assert_eq!(collected.len(), 7);
    assert_eq!(heads["callback"].1, collected[6]["mac"]);
    assert_eq!(
        collected[0]["context"],
        serde_json::json!({"session_token": "[masked]", "ticket": "OPS-7"})
    );
    for record in &collected {
        assert!(record.get("source_ip").is_none(), "dropped: {record}");
        assert!(!record.to_string().contains(SECRET));
    }
    // Same decisions as the file's first seven, other ids.
    for (a, b) in collected.iter().zip(&decided) {
        assert_eq!(a["decision"], b["decision"]);
        assert_eq!(a["determining"], b["determining"]);
        assert_ne!(a["id"], b["id"]);
    }

    // No bad call left a file behind; the failed reopen left the log whole.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "background.jsonl",
            "callback.jsonl",
            "decisions.jsonl",
            "fsync.jsonl",
            "not-a-log.txt"
        ]
    );
}

/// The HMAC keys `audit_continue.c` chains with.
const CONTINUE_KEY: &[u8] = b"c-continue-key-hunter2";
const OTHER_KEY: &[u8] = b"c-continue-key-other";

/// `(line, kind)` of each finding verify makes in `path`.
fn findings(path: &Path, key: Option<&[u8]>) -> Vec<(u64, &'static str)> {
    verify_file(path, key)
        .unwrap()
        .findings
        .iter()
        .map(|f| (f.line, f.kind.code()))
        .collect()
}

/// Runs `audit_continue` twice on one directory: the host's log, written
/// by six callback auditors over two runs, each continuing from the head
/// the one before left, is one chain, seq 0 to 19, that verifies clean.
/// Heads the library takes but that are not the log's end are flagged by
/// verify at the seam; the heads it refuses, the program checks itself.
fn check_continue(link: Link, valgrind: bool) {
    let dir = fresh_dir(&format!("tessera-ffi-audit-continue-{link:?}-{valgrind}"));
    let exe = common::build("audit_continue", link);
    let mut host_heads = Vec::new();
    for run in 1..=2 {
        let output = common::run(&exe, &[&dir], valgrind);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.ends_with("ok\n"), "run {run}: {stdout}");
        let heads = heads(&stdout);
        let (next, prev) = heads["host"];
        host_heads.push((next, prev.to_string()));
        // The keyed log is written afresh by each run.
        let keyed = records(&dir.join("keyed.jsonl"), Some(CONTINUE_KEY));
        assert_eq!(keyed.len(), 5);
        assert_eq!(heads["keyed"], (5, keyed[4]["mac"].as_str().unwrap()));
        assert_eq!(keyed[3]["prev"], keyed[2]["mac"]);
    }

    // The host's log: both runs' records, one chain.
    let host = records(&dir.join("host.jsonl"), None);
    assert_eq!(host.len(), 20);
    for (seq, record) in host.iter().enumerate() {
        assert_eq!(record["resource"], format!("prod/payment/seq/{seq}"));
        assert_eq!(record["decision"], "allow");
    }
    assert_eq!(host[0]["prev"], format!("sha256:{}", "0".repeat(64)));
    // Where the second run took over from the head the first one stored.
    assert_eq!(
        host_heads[0],
        (10, host[9]["mac"].as_str().unwrap().to_string())
    );
    assert_eq!(host[10]["prev"], host[9]["mac"]);
    assert_eq!(
        host_heads[1],
        (20, host[19]["mac"].as_str().unwrap().to_string())
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("host.head")).unwrap(),
        format!("20 {}\n", host_heads[1].1)
    );

    // Continuing from seq 0 and the genesis value: a new chain.
    assert_eq!(records(&dir.join("genesis.jsonl"), None).len(), 2);

    // Heads that are not the log's end: flagged at the seam (line 4).
    let flagged = |name: &str, key: Option<&[u8]>| findings(&dir.join(name), key);
    assert_eq!(
        flagged("stale.jsonl", None),
        [(4, "out_of_order"), (5, "broken_link")],
        "an older head: its seq repeats, and the record after links to the \
         record it replaced"
    );
    assert_eq!(flagged("foreign.jsonl", None), [(4, "broken_link")]);
    let gap = verify_file(dir.join("gap.jsonl"), None).unwrap();
    assert!(matches!(
        gap.findings.as_slice(),
        [finding] if finding.line == 4
            && finding.kind == FindingKind::MissingRecords { count: 2, after_seq: 2 }
    ));
    assert_eq!(
        flagged("other-key.jsonl", Some(CONTINUE_KEY)),
        [(4, "mac_mismatch"), (5, "mac_mismatch")]
    );
    assert_eq!(
        flagged("other-key.jsonl", Some(OTHER_KEY)),
        [
            (1, "mac_mismatch"),
            (2, "mac_mismatch"),
            (3, "mac_mismatch")
        ]
    );
    // Without continuing, each auditor starts again at seq 0: the problem
    // tessera_auditor_new_callback_continuing solves.
    assert_eq!(
        flagged("restart.jsonl", None),
        [(4, "out_of_order"), (5, "out_of_order")]
    );
}

#[test]
fn callback_chains_continue_across_runs_statically_linked() {
    check_continue(Link::Static, false);
}

#[test]
fn callback_chains_continue_across_runs_dynamically_linked() {
    check_continue(Link::Shared, false);
}

#[test]
fn continuing_program_is_clean_under_valgrind() {
    if common::valgrind_available() {
        check_continue(Link::Shared, true);
    }
}

#[test]
fn audit_api_statically_linked() {
    check_audit(Link::Static, false);
}

#[test]
fn audit_api_dynamically_linked() {
    check_audit(Link::Shared, false);
}

const THREADS: usize = 4;

/// Four threads, `per_thread` decisions each, one auditor, one file: every
/// record whole, seqs 0, 1, 2, ... in line order, the file verifying
/// clean, and `per_thread` records from each thread.
fn check_threads(link: Link, mode: &str, per_thread: usize, valgrind: bool) {
    let dir = fresh_dir(&format!(
        "tessera-ffi-audit-threads-{link:?}-{mode}-{valgrind}"
    ));
    let path = dir.join("audit.jsonl");
    let mode_arg = PathBuf::from(mode);
    let count_arg = PathBuf::from(per_thread.to_string());
    let output = common::run(
        &common::build("audit_threads", link),
        &[&path, &mode_arg, &count_arg],
        valgrind,
    );
    let total = THREADS * per_thread;
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("records {total}\n")
    );
    let written = records(&path, None);
    assert_eq!(written.len(), total);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for record in &written {
        assert_eq!(record["decision"], "allow");
        let resource = record["resource"].as_str().unwrap();
        let thread = resource.split('/').nth(2).unwrap().to_string();
        *counts.entry(thread).or_default() += 1;
    }
    assert_eq!(counts.len(), THREADS);
    assert!(counts.values().all(|&n| n == per_thread), "{counts:?}");
}

/// 4 threads x 10,000 decisions: 40,000 records, seq 0 to 39,999.
#[test]
fn four_threads_share_one_auditor_statically_linked() {
    check_threads(Link::Static, "blocking", 10_000, false);
    check_threads(Link::Static, "background", 10_000, false);
}

#[test]
fn four_threads_share_one_auditor_dynamically_linked() {
    check_threads(Link::Shared, "blocking", 10_000, false);
    check_threads(Link::Shared, "background", 10_000, false);
}

#[test]
fn audit_program_is_clean_under_valgrind() {
    if common::valgrind_available() {
        check_audit(Link::Shared, true);
    }
}

/// The threads under valgrind: 4 × 1,000 decisions (the full 40,000 run
/// natively above; under valgrind it takes over a minute).
#[test]
fn four_threads_through_one_auditor_are_clean_under_valgrind() {
    if common::valgrind_available() {
        check_threads(Link::Shared, "blocking", 1_000, true);
    }
}

/// The background writer's thread under valgrind: fewer decisions, the
/// same checks.
#[test]
fn background_writer_is_clean_under_valgrind() {
    if common::valgrind_available() {
        check_threads(Link::Shared, "background", 1_000, true);
    }
}
