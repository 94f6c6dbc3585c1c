//! `verify` on logs with lines far longer than any record: each is one
//! `line_too_long` finding, read past without being held in memory, and the
//! chain goes on past it as past any other line that is not a record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufReader, Cursor, Read};
use std::sync::{Arc, Mutex};
use tessera::audit::{
    AuditConfig, Auditor, CallbackSink, FindingKind, MAX_LINE_BYTES, VerifyReport, verify,
};
use tessera::{Engine, Request};

/// The system allocator, noting on each thread the largest block it asked
/// for: a log line held whole would show up as one block its size.
struct Largest;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every call is passed on to `System` unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as the caller promised for `alloc`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as the caller promised for `alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller promised for `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as the caller promised for `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// A multi-megabyte line: 32 MiB.
const LONG: u64 = 32 * 1024 * 1024;

/// A log of ten records, each line with its newline.
fn log() -> Vec<String> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&lines);
    let sink = CallbackSink::new(move |line: &str| {
        kept.lock().unwrap().push(format!("{line}\n"));
        Ok(())
    });
    let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
    let engine = Engine::compile_str(
        "p.policy",
        r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#,
    )
    .unwrap();
    for i in 0..10 {
        let request = Request::new("user:ann", "secrets:GetSecretValue", &format!("app/x{i}"));
        auditor.decide(&engine, &request);
    }
    lines.lock().unwrap().clone()
}

/// Verifies `lines[..at]`, then a line of `length` bytes that starts like
/// a record (newline-terminated when `newline`), then `lines[at..]`; the
/// long line is made as it is read, never held. Returns the report and the
/// largest block allocated meanwhile.
fn verify_with_long_line(
    lines: &[String],
    at: usize,
    length: u64,
    newline: bool,
) -> (VerifyReport, usize) {
    let before = lines[..at].concat();
    let after = lines[at..].concat();
    let head = "{\"seq\":4,\"time\":\"";
    let long = Cursor::new(head.as_bytes().to_vec())
        .chain(std::io::repeat(b'x').take(length - head.len() as u64))
        .chain(Cursor::new(if newline { &b"\n"[..] } else { &b""[..] }));
    let reader = BufReader::new(
        Cursor::new(before.into_bytes())
            .chain(long)
            .chain(Cursor::new(after.into_bytes())),
    );
    LARGEST.with(|largest| largest.set(0));
    let report = verify(reader, None).unwrap();
    (report, LARGEST.with(Cell::get))
}

fn findings(report: &VerifyReport) -> Vec<(u64, FindingKind)> {
    report
        .findings
        .iter()
        .map(|f| (f.line, f.kind.clone()))
        .collect()
}

#[test]
fn a_multi_megabyte_line_is_one_finding_and_never_held_whole() {
    let lines = log();
    // Inserted between two records: the chain runs on unbroken around it.
    let (report, largest) = verify_with_long_line(&lines, 4, LONG, true);
    assert_eq!(
        findings(&report),
        [(5, FindingKind::LineTooLong { length: LONG })]
    );
    assert_eq!((report.lines, report.records), (11, 10));
    assert_eq!(report.last_seq, Some(9));
    assert!(
        largest <= 2 * MAX_LINE_BYTES,
        "a block of {largest} bytes was allocated for a line of {LONG}"
    );
    let finding = &report.findings[0];
    assert_eq!(
        finding.to_string(),
        format!(
            "line 5: the line is {LONG} bytes, too long to be an audit record (the limit is {MAX_LINE_BYTES} bytes): it was not read"
        )
    );
    assert_eq!(
        serde_json::to_string(finding).unwrap(),
        format!(r#"{{"line":5,"kind":"line_too_long","length":{LONG}}}"#)
    );
    assert_eq!(finding.kind.code(), "line_too_long");
}

#[test]
fn a_record_replaced_by_a_long_line_is_reported_as_an_unreadable_one_would_be() {
    let lines = log();
    let mut without = lines.clone();
    without.remove(4);
    let (report, _) = verify_with_long_line(&without, 4, LONG, true);

    // The same log with a short line that is not a record in its place.
    let mut garbage = lines.clone();
    garbage[4] = "garbage\n".to_string();
    let expected = verify(garbage.concat().as_bytes(), None).unwrap();
    let garbage_findings = findings(&expected);
    assert!(
        matches!(garbage_findings[..], [(5, FindingKind::NotARecord { .. })]),
        "{garbage_findings:?}"
    );

    assert_eq!(
        findings(&report),
        [(5, FindingKind::LineTooLong { length: LONG })]
    );
    assert_eq!(
        (
            report.lines,
            report.records,
            report.last_seq,
            &report.last_mac
        ),
        (
            expected.lines,
            expected.records,
            expected.last_seq,
            &expected.last_mac
        )
    );

    // Two records replaced by one long line: one of them is missing.
    let mut fewer = lines.clone();
    fewer.drain(4..6);
    let (report, _) = verify_with_long_line(&fewer, 4, LONG, true);
    assert_eq!(
        findings(&report),
        [
            (5, FindingKind::LineTooLong { length: LONG }),
            (
                6,
                FindingKind::MissingRecords {
                    count: 1,
                    after_seq: 3
                }
            ),
        ]
    );
}

#[test]
fn a_long_last_line_without_a_newline_is_too_long_and_a_torn_tail() {
    let lines = log();
    let (report, largest) = verify_with_long_line(&lines, 10, LONG, false);
    assert_eq!(
        findings(&report),
        [
            (11, FindingKind::LineTooLong { length: LONG }),
            (11, FindingKind::TruncatedTail),
        ]
    );
    assert_eq!(report.last_seq, Some(9));
    assert!(largest <= 2 * MAX_LINE_BYTES, "{largest}");
}

#[test]
fn the_limit_is_exact() {
    let lines = log();
    let at_limit = MAX_LINE_BYTES as u64;
    let (report, _) = verify_with_long_line(&lines, 10, at_limit, true);
    assert!(
        matches!(
            findings(&report)[..],
            [(11, FindingKind::NotARecord { .. })]
        ),
        "{:?}",
        report.findings
    );
    let (report, _) = verify_with_long_line(&lines, 10, at_limit + 1, true);
    assert_eq!(
        findings(&report),
        [(
            11,
            FindingKind::LineTooLong {
                length: at_limit + 1
            }
        )]
    );
}
