//! Finding the last record of an existing audit file, to continue its chain.

use super::chain::{ChainHead, is_mac};
use super::error::{AuditError, AuditErrorKind};
use serde::Deserialize;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// How much of the file's end is read first; the window grows fourfold up
/// to [`LAST_WINDOW`] when no record is found in it.
const FIRST_WINDOW: u64 = 64 * 1024;
const LAST_WINDOW: u64 = 16 * 1024 * 1024;
/// Torn record fragments skipped, at most, before the last record.
const MAX_TORN: usize = 16;

/// The fields a record's head is read from.
#[derive(Deserialize)]
pub(crate) struct RecordHead {
    pub(crate) seq: u64,
    pub(crate) prev: String,
    pub(crate) mac: String,
}

/// Parses one line as a record and returns the chain head after it.
fn head_after(line: &[u8]) -> Option<ChainHead> {
    if !line.starts_with(b"{\"seq\":") {
        return None;
    }
    let record: RecordHead = serde_json::from_slice(line).ok()?;
    if !is_mac(&record.mac) || !is_mac(&record.prev) {
        return None;
    }
    Some(ChainHead {
        next_seq: record.seq.checked_add(1)?,
        prev: record.mac,
    })
}

/// What a record's mac covers: its text before `,"mac":"`.
pub(crate) fn signed_part(line: &[u8]) -> &[u8] {
    const MAC_KEY: &[u8] = b",\"mac\":\"";
    line.windows(MAC_KEY.len())
        .rposition(|w| w == MAC_KEY)
        .and_then(|at| line.get(..at))
        .unwrap_or(line)
}

/// True for what a torn write of a record leaves: a line that starts as a
/// record does, or the start of that.
fn torn(line: &[u8]) -> bool {
    const START: &[u8] = b"{\"seq\":";
    line.starts_with(START) || START.starts_with(line)
}

enum Scan {
    /// The head it continues, and the last record's signed part.
    Found(ChainHead, Vec<u8>),
    /// Only torn fragments, back to the file's start.
    Fresh,
    NeedMore,
    NotALog,
}

/// Looks for the last record in `window`, the file's last bytes.
fn scan(window: &[u8], at_file_start: bool) -> Scan {
    let ends_with_newline = window.last() == Some(&b'\n');
    let body = if ends_with_newline {
        window.get(..window.len() - 1).unwrap_or_default()
    } else {
        window
    };
    let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
    // The window's first line is cut unless it starts the file.
    let first_whole = usize::from(!at_file_start);
    let mut skipped = 0;
    for (i, line) in lines.iter().enumerate().skip(first_whole).rev() {
        if let Some(head) = head_after(line) {
            return Scan::Found(head, signed_part(line).to_vec());
        }
        // An unterminated last line is a record cut short by a crash only
        // if it starts like one: a file that merely lacks a final newline
        // (a request.json given as --audit by mistake) is not a log.
        let is_torn_tail = !ends_with_newline && i + 1 == lines.len();
        if is_torn_tail && torn(line) {
            continue;
        }
        if torn(line) && skipped < MAX_TORN {
            skipped += 1;
            continue;
        }
        return Scan::NotALog;
    }
    if at_file_start {
        Scan::Fresh
    } else {
        Scan::NeedMore
    }
}

/// A chain found in a file: its head, and its last record's signed part.
pub(crate) type Resumed = (ChainHead, Vec<u8>);

/// The head to continue from with the last record's signed part (none: a
/// new chain), and whether the file ends mid-line.
pub(crate) fn read_head(
    file: &mut File,
    len: u64,
    path: &Path,
) -> Result<(Option<Resumed>, bool), AuditError> {
    let shown = path.display();
    let read_error =
        |e: std::io::Error| AuditError::io(&format!("cannot read audit file `{shown}`"), &e);
    let mut size = FIRST_WINDOW.min(len);
    loop {
        let start = len - size;
        file.seek(SeekFrom::Start(start)).map_err(read_error)?;
        let mut window = vec![0; usize::try_from(size).unwrap_or(0)];
        file.read_exact(&mut window).map_err(read_error)?;
        let ends_mid_line = window.last() != Some(&b'\n');
        match scan(&window, start == 0) {
            Scan::Found(head, signed) => return Ok((Some((head, signed)), ends_mid_line)),
            Scan::Fresh => return Ok((None, ends_mid_line)),
            Scan::NotALog => {
                return Err(AuditError::new(
                    AuditErrorKind::NotAnAuditLog,
                    format!(
                        "`{shown}` does not end in an audit record, so its chain cannot be \
                         continued; check it with `verify`, and move it aside to start a new log"
                    ),
                ));
            }
            Scan::NeedMore if size < len && size < LAST_WINDOW => {
                size = (size * 4).min(len).min(LAST_WINDOW);
            }
            Scan::NeedMore => {
                return Err(AuditError::new(
                    AuditErrorKind::NotAnAuditLog,
                    format!("`{shown}` has no complete audit record in its last {size} bytes"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const RECORD: &str = concat!(
        r#"{"seq":4,"x":1,"prev":"sha256:0000000000000000000000000000000000000000000000000000000000000000","#,
        r#""mac":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}"#
    );

    fn head(window: &str) -> Option<u64> {
        match scan(window.as_bytes(), true) {
            Scan::Found(head, _) => Some(head.next_seq),
            Scan::Fresh => None,
            Scan::NeedMore | Scan::NotALog => Some(u64::MAX),
        }
    }

    #[test]
    fn finds_the_last_record() {
        assert_eq!(head(&format!("{RECORD}\n")), Some(5));
        assert_eq!(head(&format!("{RECORD}\n{{\"seq\":5,\"ti")), Some(5));
        assert_eq!(
            head(&format!("{RECORD}\n{{\"seq\":5,\"ti\n{{\"se")),
            Some(5)
        );
        assert_eq!(head(RECORD), Some(5));
        assert_eq!(head("{\"seq\":0,\"tim"), None);
        assert_eq!(head("hello\n"), Some(u64::MAX));
        assert_eq!(head(&format!("{RECORD}\nhello\n")), Some(u64::MAX));
    }

    #[test]
    fn a_cut_window_asks_for_more() {
        assert!(matches!(scan(b"ec\":4}\n", false), Scan::NeedMore));
    }
}
