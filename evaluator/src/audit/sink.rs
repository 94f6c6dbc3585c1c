//! Where records go: a file, standard output, or a host's callback.

use super::chain::ChainHead;
use super::error::{AuditError, AuditErrorKind};
use super::tail;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Bytes a buffered sink holds before it writes them out.
const BUFFER: usize = 64 * 1024;

/// A destination for audit records.
///
/// An [`crate::audit::Auditor`] calls a sink under its lock, one record at a
/// time and in chain order, so a sink needs no locking of its own.
///
/// A sink must never write part of a record and then, after reporting an
/// error for it, the rest: on an error, bytes not yet written are dropped
/// (a record that is refused is not written later).
pub trait AuditSink: Send {
    /// Takes one record: `line` is its JSON text followed by `\n`.
    fn write_line(&mut self, line: &[u8]) -> Result<(), AuditError>;

    /// Hands on every record taken so far (to the operating system, the
    /// disk or the host). An auditor in blocking mode calls it after every
    /// record.
    fn flush(&mut self) -> Result<(), AuditError>;

    /// The chain this sink continues, when it already holds records; `None`
    /// starts a new chain at `seq` 0.
    fn resume(&self) -> Option<ChainHead> {
        None
    }

    /// The signed part of the last record (its text before `,"mac":`),
    /// when [`AuditSink::resume`] continues a chain: the auditor checks it
    /// against the head's mac with its own key before appending, so that a
    /// log is never continued under the wrong key. `None`: not checked.
    fn last_signed(&self) -> Option<&[u8]> {
        None
    }
}

/// How a [`FileSink`] hands records to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Durability {
    /// Records collect in a 64 KiB buffer, written when it fills, on
    /// [`AuditSink::flush`] and when the sink is dropped. The fastest; a
    /// crash loses what the buffer held. (An auditor in blocking mode
    /// flushes after every record, so each record reaches the operating
    /// system before its decision is returned.)
    #[default]
    Buffered,
    /// Every record is written and `fsync`ed (`sync_data`) before the call
    /// returns: it survives a crash of the machine. The slowest.
    FsyncEach,
}

/// Records not yet written, and whether the output ends mid-line.
#[derive(Debug, Default)]
struct LineBuffer {
    bytes: Vec<u8>,
    /// True when the destination's last byte is not a newline (a torn
    /// record): the next record then starts with one.
    ends_mid_line: bool,
}

impl LineBuffer {
    fn push(&mut self, line: &[u8]) {
        if self.bytes.is_empty() && self.ends_mid_line {
            self.bytes.push(b'\n');
        }
        self.bytes.extend_from_slice(line);
    }

    /// Writes everything held. On an error the rest is dropped and
    /// `ends_mid_line` says whether the destination now ends in a torn line.
    fn write_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        let mut written = 0;
        let result = loop {
            let Some(rest) = self.bytes.get(written..).filter(|r| !r.is_empty()) else {
                break Ok(());
            };
            match out.write(rest) {
                Ok(0) => break Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        if let Some(last) = written.checked_sub(1).and_then(|i| self.bytes.get(i)) {
            self.ends_mid_line = *last != b'\n';
        }
        self.bytes.clear();
        result
    }
}

/// Appends records to a file, one per line.
///
/// The file is opened in append mode and created when missing. When it
/// already holds records, the chain continues from its last record. A torn
/// last line (no newline, as a crash mid-write leaves) stays where it is,
/// for [`crate::audit::verify`] to report, and the next record starts on a
/// line of its own.
///
/// One auditor per file: two writers would interleave two chains.
///
/// ```
/// use tessera::audit::{Durability, FileSink, AuditSink};
/// let dir = std::env::temp_dir().join(format!("tessera-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("filesink.jsonl");
/// # let _ = std::fs::remove_file(&path);
/// let sink = FileSink::open(&path, Durability::Buffered).unwrap();
/// assert!(sink.resume().is_none()); // a new file: a new chain
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct FileSink {
    file: File,
    path: PathBuf,
    durability: Durability,
    pending: LineBuffer,
    head: Option<ChainHead>,
    /// The last record's signed part, when `head` continues a chain.
    last_signed: Vec<u8>,
}

impl FileSink {
    /// Opens (or creates) `path` for appending, and reads its last record to
    /// continue the chain.
    ///
    /// Fails with [`AuditErrorKind::NotAnAuditLog`] when the file's last
    /// complete line is not an audit record: it is another file, or its end
    /// was damaged; the auditor will not silently start a second chain in
    /// it.
    pub fn open(path: impl AsRef<Path>, durability: Durability) -> Result<FileSink, AuditError> {
        let path = path.as_ref();
        let shown = path.display();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| AuditError::io(&format!("cannot open audit file `{shown}`"), &e))?;
        let metadata = file
            .metadata()
            .map_err(|e| AuditError::io(&format!("cannot read audit file `{shown}`"), &e))?;
        let (resumed, ends_mid_line) = if metadata.is_file() && metadata.len() > 0 {
            tail::read_head(&mut file, metadata.len(), path)?
        } else {
            (None, false)
        };
        let (head, last_signed) = match resumed {
            Some((head, signed)) => (Some(head), signed),
            None => (None, Vec::new()),
        };
        Ok(FileSink {
            file,
            path: path.to_path_buf(),
            durability,
            pending: LineBuffer {
                bytes: Vec::with_capacity(if durability == Durability::Buffered {
                    BUFFER + 1024
                } else {
                    1024
                }),
                ends_mid_line,
            },
            head,
            last_signed,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How records reach the disk.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    fn write_pending(&mut self) -> Result<(), AuditError> {
        self.pending.write_to(&mut self.file).map_err(|e| {
            AuditError::io(
                &format!("cannot write audit file `{}`", self.path.display()),
                &e,
            )
        })
    }
}

impl AuditSink for FileSink {
    fn write_line(&mut self, line: &[u8]) -> Result<(), AuditError> {
        self.pending.push(line);
        match self.durability {
            Durability::Buffered if self.pending.bytes.len() < BUFFER => Ok(()),
            Durability::Buffered => self.write_pending(),
            Durability::FsyncEach => {
                self.write_pending()?;
                self.file.sync_data().map_err(|e| {
                    AuditError::io(
                        &format!("cannot sync audit file `{}`", self.path.display()),
                        &e,
                    )
                })
            }
        }
    }

    fn flush(&mut self) -> Result<(), AuditError> {
        self.write_pending()
    }

    fn resume(&self) -> Option<ChainHead> {
        self.head.clone()
    }

    fn last_signed(&self) -> Option<&[u8]> {
        self.head.as_ref().map(|_| self.last_signed.as_slice())
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        let _ = self.write_pending();
    }
}

/// Writes records to standard output.
///
/// Whole lines only: each write holds the standard output lock, so no other
/// output of the process lands inside a record. [`StdoutSink::new`] buffers
/// up to 64 KiB; [`StdoutSink::unbuffered`] writes each record at once.
#[derive(Debug, Default)]
pub struct StdoutSink {
    pending: LineBuffer,
    unbuffered: bool,
}

impl StdoutSink {
    /// A buffered sink: records are written when 64 KiB have collected, on
    /// [`AuditSink::flush`] and when the sink is dropped.
    ///
    /// ```
    /// let sink = tessera::audit::StdoutSink::new();
    /// # drop(sink);
    /// ```
    pub fn new() -> StdoutSink {
        StdoutSink::default()
    }

    /// A sink that writes every record as it comes.
    pub fn unbuffered() -> StdoutSink {
        StdoutSink {
            pending: LineBuffer::default(),
            unbuffered: true,
        }
    }

    fn write_pending(&mut self) -> Result<(), AuditError> {
        if self.pending.bytes.is_empty() {
            return Ok(());
        }
        let stdout = io::stdout();
        let mut lock = stdout.lock();
        self.pending
            .write_to(&mut lock)
            .and_then(|()| lock.flush())
            .map_err(|e| AuditError::io("cannot write audit records to standard output", &e))
    }
}

impl AuditSink for StdoutSink {
    fn write_line(&mut self, line: &[u8]) -> Result<(), AuditError> {
        self.pending.push(line);
        if self.unbuffered || self.pending.bytes.len() >= BUFFER {
            self.write_pending()
        } else {
            Ok(())
        }
    }

    fn flush(&mut self) -> Result<(), AuditError> {
        self.write_pending()
    }
}

impl Drop for StdoutSink {
    fn drop(&mut self) {
        let _ = self.write_pending();
    }
}

/// The host's function, called with each record.
type Callback = Box<dyn FnMut(&str) -> Result<(), String> + Send>;

/// Hands each record to a function of the host's: the record's JSON text,
/// without the newline. An `Err` from the function is a failed write (in
/// blocking mode, the decision is denied).
///
/// The function is called under the auditor's lock, in chain order: it must
/// not call the same auditor.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use tessera::audit::{AuditConfig, Auditor, CallbackSink};
/// use tessera::{Engine, Request};
///
/// let lines = Arc::new(Mutex::new(Vec::new()));
/// let kept = Arc::clone(&lines);
/// let sink = CallbackSink::new(move |line: &str| {
///     kept.lock().unwrap().push(line.to_string());
///     Ok(())
/// });
/// let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
/// let engine = Engine::compile_str("p.policy", r#"policy "p" {}"#).unwrap();
/// auditor.decide(&engine, &Request::new("user:ann", "secrets:GetSecretValue", "app/db"));
/// assert!(lines.lock().unwrap()[0].starts_with(r#"{"seq":0,"time":""#));
/// ```
pub struct CallbackSink {
    callback: Callback,
    head: Option<ChainHead>,
}

impl CallbackSink {
    /// A sink that calls `callback` with each record.
    pub fn new(callback: impl FnMut(&str) -> Result<(), String> + Send + 'static) -> CallbackSink {
        CallbackSink {
            callback: Box::new(callback),
            head: None,
        }
    }

    /// Continues a chain the host keeps, from the head it stored (see
    /// [`crate::audit::Auditor::head`]), instead of starting a new one.
    pub fn continuing(mut self, head: ChainHead) -> CallbackSink {
        self.head = Some(head);
        self
    }
}

impl std::fmt::Debug for CallbackSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackSink")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl AuditSink for CallbackSink {
    fn write_line(&mut self, line: &[u8]) -> Result<(), AuditError> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let text = std::str::from_utf8(line).map_err(|_| {
            AuditError::new(AuditErrorKind::Sink, "an audit record is not UTF-8 text")
        })?;
        (self.callback)(text).map_err(|message| {
            AuditError::new(
                AuditErrorKind::Sink,
                format!("the audit callback refused the record: {message}"),
            )
        })
    }

    fn flush(&mut self) -> Result<(), AuditError> {
        Ok(())
    }

    fn resume(&self) -> Option<ChainHead> {
        self.head.clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Writes `limit` bytes, then fails.
    struct Failing {
        out: Vec<u8>,
        limit: usize,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let room = self.limit.saturating_sub(self.out.len());
            if room == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = room.min(buf.len()).min(3);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_torn_write_makes_the_next_record_start_a_line() {
        let mut pending = LineBuffer::default();
        let mut out = Failing {
            out: Vec::new(),
            limit: 5,
        };
        pending.push(b"{\"seq\":0}\n");
        assert!(pending.write_to(&mut out).is_err());
        assert!(pending.ends_mid_line);
        assert!(
            pending.bytes.is_empty(),
            "the rest of a failed record is dropped"
        );
        out.limit = 100;
        pending.push(b"{\"seq\":1}\n");
        pending.write_to(&mut out).unwrap();
        assert_eq!(out.out, b"{\"seq\n{\"seq\":1}\n");
        assert!(!pending.ends_mid_line);
    }

    #[test]
    fn a_write_that_fails_at_once_keeps_the_state() {
        let mut pending = LineBuffer {
            bytes: Vec::new(),
            ends_mid_line: true,
        };
        let mut out = Failing {
            out: Vec::new(),
            limit: 0,
        };
        pending.push(b"x\n");
        assert!(pending.write_to(&mut out).is_err());
        assert!(pending.ends_mid_line);
    }
}
