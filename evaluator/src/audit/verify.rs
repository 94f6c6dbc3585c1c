//! Checking an audit log: every record's mac, every link, every `seq`.
//!
//! [`verify`] reads a log line by line and reports each problem with its
//! line and what it means. It keeps little memory: the line it reads (at
//! most [`MAX_LINE_BYTES`] of it), the last record, and the records it
//! found out of place.

use super::chain::{KEYED_PREFIX, Sealer, genesis, is_mac};
use super::error::AuditError;
use super::tail::RecordHead;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, BufRead};
use std::path::Path;

/// The longest line [`verify`] reads as a record, in bytes without its
/// newline: 1 MiB. A record is about 1 KB; a longer line is reported as
/// [`FindingKind::LineTooLong`] and read past without being held whole.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// One problem in a log, at a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The line, counted from 1.
    pub line: u64,
    /// What is wrong there.
    #[serde(flatten)]
    pub kind: FindingKind,
}

/// What [`verify`] found wrong at a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The line is not an audit record (garbage, a blank line, or a record
    /// cut short in the middle of the file by a torn write).
    NotARecord {
        /// Why it is not one.
        why: &'static str,
    },
    /// The record's content does not match its `mac`: the line was edited,
    /// or the key given is not the one it was written with.
    MacMismatch,
    /// A key was given but the record's mac is a plain SHA-256: it was
    /// written without a key, or rewritten by someone who lacked it.
    /// Reported at the first of consecutive such records.
    NotKeyed,
    /// The records are keyed (HMAC-SHA256) and no key was given: their macs
    /// were not checked (links and `seq`s were). Reported at the first of
    /// consecutive such records.
    KeyRequired,
    /// The record's `prev` is not the `mac` of the record before it: that
    /// record was replaced, or edited and its mac recomputed.
    BrokenLink {
        /// The line of the record `prev` should match; `None` when this is
        /// the first record and `prev` is not the genesis value.
        previous_line: Option<u64>,
    },
    /// Records are missing before this line: their `seq`s are skipped.
    MissingRecords {
        /// How many.
        count: u64,
        /// The `seq` of the last record before the gap.
        after_seq: u64,
    },
    /// The record's `seq` is not the next one: it repeats or goes back
    /// (a line was inserted, duplicated or moved), or the record stands
    /// ahead of its place.
    OutOfOrder {
        /// The record's `seq`.
        seq: u64,
        /// The `seq` expected at this line.
        expected: u64,
    },
    /// The log starts at a `seq` other than 0: its first records are not in
    /// this file. Expected when a log was rotated and this file continues
    /// it; otherwise records were deleted from the start.
    MissingStart {
        /// The first record's `seq`.
        first_seq: u64,
    },
    /// The last line has no newline: the file was cut short, or its last
    /// write was torn (a crash mid-write).
    TruncatedTail,
    /// The line is longer than [`MAX_LINE_BYTES`], far longer than any
    /// record: it was not read as one (nor held in memory), and the chain
    /// continues past it as past any line that is not a record.
    LineTooLong {
        /// The line's length in bytes, without its newline.
        length: u64,
    },
}

impl FindingKind {
    /// The kind's name, as in JSON: `not_a_record`, `mac_mismatch`,
    /// `not_keyed`, `key_required`, `broken_link`, `missing_records`,
    /// `out_of_order`, `missing_start`, `truncated_tail` or `line_too_long`.
    pub fn code(&self) -> &'static str {
        match self {
            FindingKind::NotARecord { .. } => "not_a_record",
            FindingKind::MacMismatch => "mac_mismatch",
            FindingKind::NotKeyed => "not_keyed",
            FindingKind::KeyRequired => "key_required",
            FindingKind::BrokenLink { .. } => "broken_link",
            FindingKind::MissingRecords { .. } => "missing_records",
            FindingKind::OutOfOrder { .. } => "out_of_order",
            FindingKind::MissingStart { .. } => "missing_start",
            FindingKind::TruncatedTail => "truncated_tail",
            FindingKind::LineTooLong { .. } => "line_too_long",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingKind::NotARecord { why } => write!(f, "not an audit record: {why}"),
            FindingKind::MacMismatch => f.write_str(
                "the record does not match its mac: it was edited, or the key is not the one it was written with",
            ),
            FindingKind::NotKeyed => f.write_str(
                "the record's mac is plain sha256 but a key was given: it was written without the key, or rewritten by someone who lacked it",
            ),
            FindingKind::KeyRequired => f.write_str(
                "records are keyed (hmac-sha256) and no key was given: their macs were not checked",
            ),
            FindingKind::BrokenLink {
                previous_line: Some(line),
            } => write!(
                f,
                "`prev` does not match the mac of the record on line {line}: a record was replaced, or edited and its mac recomputed"
            ),
            FindingKind::BrokenLink {
                previous_line: None,
            } => f.write_str("the first record's `prev` is not the genesis value"),
            FindingKind::MissingRecords { count, after_seq } => {
                let records = if *count == 1 { "record" } else { "records" };
                write!(
                    f,
                    "{count} {records} missing before this line (after seq {after_seq}): deleted, or never written"
                )
            }
            FindingKind::OutOfOrder { seq, expected } => write!(
                f,
                "seq {seq} where seq {expected} was expected: the line was inserted, duplicated or moved"
            ),
            FindingKind::MissingStart { first_seq } => write!(
                f,
                "the log starts at seq {first_seq}, not 0: its first records are not in this file (expected when it continues a rotated log)"
            ),
            FindingKind::TruncatedTail => f.write_str(
                "the last line has no newline: the file was cut short or its last write was torn",
            ),
            FindingKind::LineTooLong { length } => write!(
                f,
                "the line is {length} bytes, too long to be an audit record (the limit is {MAX_LINE_BYTES} bytes): it was not read"
            ),
        }
    }
}

impl fmt::Display for Finding {
    /// `line 7: 2 records missing before this line (after seq 4): ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// What [`verify`] found: totals, the chain's end, and every problem.
///
/// The last `seq` and `mac` are the log's end as far as the file says.
/// Deleting a log's last lines leaves a shorter log that verifies clean:
/// compare them with a head kept elsewhere
/// ([`crate::audit::Auditor::head`]) to detect that.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct VerifyReport {
    /// Lines read.
    pub lines: u64,
    /// Lines that are records.
    pub records: u64,
    /// The first record's `seq`.
    pub first_seq: Option<u64>,
    /// The `seq` of the chain's last record.
    pub last_seq: Option<u64>,
    /// The `mac` of the chain's last record.
    pub last_mac: Option<String>,
    /// Every problem, in line order.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks an audit log read from `reader`; `key` is the HMAC key the log
/// was written with, if any.
///
/// Detected and named by line: lines that are not records, records edited
/// (their `mac`), replaced (the next `prev`), deleted (a `seq` gap), inserted,
/// duplicated or moved (a `seq` out of order), a missing start, and a torn
/// tail. Not detectable from the file alone: deletion of the last records
/// (compare [`VerifyReport::last_seq`] with a head kept elsewhere), and,
/// without a key, a forger who rewrites the log from some record on and
/// recomputes every mac. Reading errors are errors; everything else is a
/// finding. A line longer than [`MAX_LINE_BYTES`] is a finding
/// ([`FindingKind::LineTooLong`]) and is never held in memory whole.
///
/// ```
/// use tessera::audit::{AuditConfig, Auditor, CallbackSink, verify, FindingKind};
/// use std::sync::{Arc, Mutex};
///
/// let log = Arc::new(Mutex::new(String::new()));
/// let kept = Arc::clone(&log);
/// let sink = CallbackSink::new(move |line: &str| {
///     let mut log = kept.lock().unwrap();
///     log.push_str(line);
///     log.push('\n');
///     Ok(())
/// });
/// let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
/// let engine = tessera::Engine::compile_str("p.policy", r#"policy "p" {}"#).unwrap();
/// for path in ["app/a", "app/b", "app/c"] {
///     auditor.decide(&engine, &tessera::Request::new("user:ann", "secrets:GetSecretValue", path));
/// }
/// let log = log.lock().unwrap().clone();
/// assert!(verify(log.as_bytes(), None).unwrap().is_clean());
///
/// // Delete the middle record.
/// let lines: Vec<&str> = log.lines().collect();
/// let tampered = format!("{}\n{}\n", lines[0], lines[2]);
/// let report = verify(tampered.as_bytes(), None).unwrap();
/// assert_eq!(report.findings[0].line, 2);
/// assert_eq!(report.findings[0].kind, FindingKind::MissingRecords { count: 1, after_seq: 0 });
/// assert_eq!(report.findings[0].to_string(),
///     "line 2: 1 record missing before this line (after seq 0): deleted, or never written");
/// ```
pub fn verify(mut reader: impl BufRead, key: Option<&[u8]>) -> Result<VerifyReport, AuditError> {
    let mut walk = Walk::new(key);
    let mut buffer = Vec::with_capacity(1024);
    let mut number = 0u64;
    loop {
        buffer.clear();
        let read = read_line(&mut reader, &mut buffer, MAX_LINE_BYTES)
            .map_err(|e| AuditError::io("cannot read the audit log", &e))?;
        let Some(Line { length, complete }) = read else {
            break;
        };
        number += 1;
        if length > MAX_LINE_BYTES as u64 {
            walk.too_long(number, length, complete);
        } else {
            walk.line(number, &buffer, complete);
        }
    }
    Ok(walk.finish(number))
}

/// A line [`read_line`] read.
#[derive(Debug, PartialEq, Eq)]
struct Line {
    /// Its length in bytes, without its newline.
    length: u64,
    /// False when the input ended before a newline.
    complete: bool,
}

/// Reads one line into `buffer`, without its newline, keeping at most
/// `limit` bytes of it however long it is (the rest is read and dropped);
/// `None` at the end of the input.
fn read_line(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<Line>> {
    let mut length: u64 = 0;
    let mut started = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(started.then_some(Line {
                length,
                complete: false,
            }));
        }
        started = true;
        let newline = chunk.iter().position(|&b| b == b'\n');
        let content = newline.unwrap_or(chunk.len());
        let kept = content.min(limit.saturating_sub(buffer.len()));
        buffer.extend_from_slice(chunk.get(..kept).unwrap_or_default());
        length += content as u64;
        reader.consume(newline.map_or(content, |at| at + 1));
        if newline.is_some() {
            return Ok(Some(Line {
                length,
                complete: true,
            }));
        }
    }
}

/// [`verify`] for a file.
pub fn verify_file(path: impl AsRef<Path>, key: Option<&[u8]>) -> Result<VerifyReport, AuditError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path)
        .map_err(|e| AuditError::io(&format!("cannot open audit file `{}`", path.display()), &e))?;
    verify(std::io::BufReader::with_capacity(256 * 1024, file), key)
}

/// How a record's mac checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MacCheck {
    Good,
    Mismatch,
    NotKeyed,
    KeyRequired,
}

/// A record as the walk needs it.
#[derive(Debug)]
struct Record {
    line: u64,
    seq: u64,
    prev: String,
    mac: String,
    check: MacCheck,
}

/// The last record of the chain so far.
#[derive(Debug)]
struct Anchor {
    seq: u64,
    mac: String,
    line: u64,
}

/// Records skipped by a `seq` jump, reported by one finding.
#[derive(Debug)]
struct Gap {
    first: u64,
    last: u64,
    finding: usize,
}

/// The walk over a log's lines.
struct Walk {
    sealer: Option<Sealer>,
    report: VerifyReport,
    /// Findings by line order; a `MissingRecords` may shrink or vanish when
    /// its records turn up later.
    findings: Vec<Option<Finding>>,
    anchor: Option<Anchor>,
    /// A record whose `seq` jumps ahead: whether it is misplaced or
    /// records are missing is known at the next record.
    pending: Option<Record>,
    /// Records seen ahead of their place, by `seq`: their macs and lines.
    displaced: HashMap<u64, (String, u64)>,
    gaps: Vec<Gap>,
    /// `seq`s a gap counted as missing that turned up later.
    recovered: HashSet<u64>,
    /// Lines since the anchor that were not records (torn records, most
    /// likely): a gap that many records wide is explained by them.
    unreadable: u64,
    /// The scheme finding of the previous record, to report runs once.
    last_scheme: Option<MacCheck>,
    mac: Vec<u8>,
}

impl Walk {
    fn new(key: Option<&[u8]>) -> Walk {
        Walk {
            sealer: key.map(|k| Sealer::new(Some(k))),
            report: VerifyReport::default(),
            findings: Vec::new(),
            anchor: None,
            pending: None,
            displaced: HashMap::new(),
            gaps: Vec::new(),
            recovered: HashSet::new(),
            unreadable: 0,
            last_scheme: None,
            mac: Vec::with_capacity(80),
        }
    }

    fn find(&mut self, line: u64, kind: FindingKind) -> usize {
        self.findings.push(Some(Finding { line, kind }));
        self.findings.len() - 1
    }

    fn line(&mut self, number: u64, line: &[u8], complete: bool) {
        match self.parse(line) {
            Ok(fields) => {
                if !complete {
                    self.find(number, FindingKind::TruncatedTail);
                }
                let record = self.check(number, line, fields);
                self.report.records += 1;
                self.record(record);
            }
            Err(_) if !complete => {
                self.find(number, FindingKind::TruncatedTail);
            }
            Err(why) => {
                self.unreadable += 1;
                self.find(number, FindingKind::NotARecord { why });
            }
        }
    }

    /// A line longer than any record: not read, and, like any line that is
    /// not a record, one record's place in the chain (unless it is the
    /// torn last line).
    fn too_long(&mut self, number: u64, length: u64, complete: bool) {
        self.find(number, FindingKind::LineTooLong { length });
        if complete {
            self.unreadable += 1;
        } else {
            self.find(number, FindingKind::TruncatedTail);
        }
    }

    /// The line's `seq`, `prev` and `mac`, if it is a record.
    fn parse(&self, line: &[u8]) -> Result<RecordHead, &'static str> {
        if line.is_empty() {
            return Err("a blank line");
        }
        let text = std::str::from_utf8(line).map_err(|_| "not UTF-8 text")?;
        if !text.starts_with("{\"seq\":") {
            return Err("it does not start with `{\"seq\":`");
        }
        let head: RecordHead = serde_json::from_str(text).map_err(|e| {
            if e.is_eof() {
                "it is cut off mid-record"
            } else {
                "it is not a JSON audit record"
            }
        })?;
        if !is_mac(&head.mac) || !is_mac(&head.prev) {
            return Err("its `mac` or `prev` is not a sha256 or hmac-sha256 mac");
        }
        Ok(head)
    }

    /// Checks the record's mac against its body.
    fn check(&mut self, number: u64, line: &[u8], head: RecordHead) -> Record {
        let suffix_len = ",\"mac\":\"".len() + head.mac.len() + "\"}".len();
        let body_end = line.len().saturating_sub(suffix_len);
        let (body, suffix) = line.split_at(body_end);
        let in_place = suffix.starts_with(b",\"mac\":\"")
            && suffix.ends_with(b"\"}")
            && suffix.get(8..suffix.len() - 2) == Some(head.mac.as_bytes());
        let keyed = head.mac.starts_with(KEYED_PREFIX);
        let check = match (&self.sealer, keyed) {
            (Some(_), false) => MacCheck::NotKeyed,
            (None, true) => MacCheck::KeyRequired,
            (sealer, _) => {
                self.mac.clear();
                sealer
                    .as_ref()
                    .unwrap_or(&Sealer::Plain)
                    .mac(body, &mut self.mac);
                if in_place && self.mac == head.mac.as_bytes() {
                    MacCheck::Good
                } else {
                    MacCheck::Mismatch
                }
            }
        };
        match check {
            MacCheck::Mismatch => {
                self.find(number, FindingKind::MacMismatch);
            }
            MacCheck::NotKeyed | MacCheck::KeyRequired if self.last_scheme != Some(check) => {
                let kind = if check == MacCheck::NotKeyed {
                    FindingKind::NotKeyed
                } else {
                    FindingKind::KeyRequired
                };
                self.find(number, kind);
            }
            _ => {}
        }
        self.last_scheme = Some(check);
        Record {
            line: number,
            seq: head.seq,
            prev: head.prev,
            mac: head.mac,
            check,
        }
    }

    /// Places a record in the chain.
    fn record(&mut self, record: Record) {
        if let Some(jumped) = self.pending.take() {
            self.resolve_jump(jumped, Some(&record));
        }
        if self.report.first_seq.is_none() {
            self.report.first_seq = Some(record.seq);
        }
        let Some(anchor) = &self.anchor else {
            self.first(record);
            return;
        };
        let expected = anchor.seq.saturating_add(1);
        if record.seq == expected {
            let broken = record.prev != anchor.mac;
            let previous_line = anchor.line;
            if broken {
                self.broken_link(&record, previous_line);
            }
            self.advance(record);
        } else if record.check == MacCheck::Mismatch {
            // An edited record: its `seq` cannot be trusted, so it takes the
            // next place (its edit is already reported).
            self.advance(Record {
                seq: expected,
                ..record
            });
        } else if record.seq < expected {
            self.fill_gap(record.seq);
            self.find(
                record.line,
                FindingKind::OutOfOrder {
                    seq: record.seq,
                    expected,
                },
            );
        } else {
            self.pending = Some(record);
        }
    }

    /// The log's first record.
    fn first(&mut self, record: Record) {
        let genesis = genesis(record.prev.starts_with(KEYED_PREFIX));
        if record.seq == 0 || record.prev == genesis {
            if record.prev != genesis || record.seq != 0 {
                self.find(
                    record.line,
                    FindingKind::BrokenLink {
                        previous_line: None,
                    },
                );
            }
        } else {
            self.find(
                record.line,
                FindingKind::MissingStart {
                    first_seq: record.seq,
                },
            );
        }
        self.advance(record);
    }

    /// Reports a `prev` that does not match the mac of the record on
    /// `previous_line`.
    fn broken_link(&mut self, record: &Record, previous_line: u64) {
        self.find(
            record.line,
            FindingKind::BrokenLink {
                previous_line: Some(previous_line),
            },
        );
    }

    fn advance(&mut self, record: Record) {
        self.unreadable = 0;
        self.anchor = Some(Anchor {
            seq: record.seq,
            mac: record.mac,
            line: record.line,
        });
    }

    /// `jumped`'s `seq` skipped ahead of the anchor: it is either misplaced
    /// (the next record continues from the anchor) or records are missing.
    fn resolve_jump(&mut self, jumped: Record, next: Option<&Record>) {
        let Some(anchor) = &self.anchor else {
            return;
        };
        let anchor_seq = anchor.seq;
        let expected = anchor_seq.saturating_add(1);
        if next.is_some_and(|n| n.seq > anchor_seq && n.seq < jumped.seq) {
            self.find(
                jumped.line,
                FindingKind::OutOfOrder {
                    seq: jumped.seq,
                    expected,
                },
            );
            self.displaced.insert(jumped.seq, (jumped.mac, jumped.line));
            return;
        }
        let skipped = jumped.seq - expected;
        let found_earlier = self
            .displaced
            .keys()
            .filter(|seq| (expected..jumped.seq).contains(*seq))
            .count() as u64;
        let missing = skipped
            .saturating_sub(found_earlier)
            .saturating_sub(self.unreadable);
        if missing > 0 {
            let finding = self.find(
                jumped.line,
                FindingKind::MissingRecords {
                    count: missing,
                    after_seq: anchor_seq,
                },
            );
            self.gaps.push(Gap {
                first: expected,
                last: jumped.seq - 1,
                finding,
            });
        }
        // The record before it may have turned up ahead of its place.
        if let Some((mac, line)) = self.displaced.get(&(jumped.seq - 1))
            && *mac != jumped.prev
        {
            let line = *line;
            self.broken_link(&jumped, line);
        }
        self.advance(jumped);
    }

    /// A record behind the anchor may be one a gap counted as missing.
    fn fill_gap(&mut self, seq: u64) {
        if !self.recovered.insert(seq) {
            return;
        }
        let Some(gap) = self.gaps.iter().find(|g| (g.first..=g.last).contains(&seq)) else {
            return;
        };
        let finding = gap.finding;
        if let Some(entry) = self.findings.get_mut(finding)
            && let Some(Finding {
                kind: FindingKind::MissingRecords { count, .. },
                ..
            }) = entry
        {
            *count -= 1;
            if *count == 0 {
                *entry = None;
            }
        }
    }

    fn finish(mut self, lines: u64) -> VerifyReport {
        if let Some(jumped) = self.pending.take() {
            self.resolve_jump(jumped, None);
        }
        self.report.lines = lines;
        if let Some(anchor) = self.anchor {
            self.report.last_seq = Some(anchor.seq);
            self.report.last_mac = Some(anchor.mac);
        }
        let mut findings: Vec<Finding> = self.findings.into_iter().flatten().collect();
        findings.sort_by_key(|f| f.line);
        self.report.findings = findings;
        self.report
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<(Line, Vec<u8>)> {
        let mut reader = io::BufReader::with_capacity(4, input);
        let mut out = Vec::new();
        loop {
            let mut buffer = Vec::new();
            match read_line(&mut reader, &mut buffer, limit).unwrap() {
                Some(line) => out.push((line, buffer)),
                None => return out,
            }
        }
    }

    fn line(length: u64, complete: bool, kept: &[u8]) -> (Line, Vec<u8>) {
        (Line { length, complete }, kept.to_vec())
    }

    #[test]
    fn lines_are_read_whole_up_to_the_limit_and_counted_past_it() {
        assert_eq!(lines(b"", 8), vec![]);
        assert_eq!(
            lines(b"ab\n\ncd", 8),
            vec![
                line(2, true, b"ab"),
                line(0, true, b""),
                line(2, false, b"cd")
            ]
        );
        assert_eq!(
            lines(b"0123456789abc\nok\n12345678\n123456789", 8),
            vec![
                line(13, true, b"01234567"),
                line(2, true, b"ok"),
                line(8, true, b"12345678"),
                line(9, false, b"12345678"),
            ]
        );
    }
}
