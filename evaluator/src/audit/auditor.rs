//! The auditor: decides, records, chains, and writes to its sink.

use super::background::Background;
use super::chain::{Chain, ChainHead, Sealer};
use super::config::{AuditConfig, Mode};
use super::error::{AuditError, AuditErrorKind};
use super::mask::MaskPlan;
use super::random::Ids;
use super::record::{Fields, write_middle};
use super::sink::AuditSink;
use crate::decision::{Decision, Outcome, Reason};
use crate::engine::Engine;
use crate::request::Request;
use chrono::{DateTime, Utc};
use smallvec::SmallVec;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

thread_local! {
    /// Each thread's record buffer, reused.
    static MIDDLE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(1024));
}

/// The sink and the chain, written under one lock.
pub(crate) struct Writer {
    sink: Box<dyn AuditSink>,
    chain: Chain,
}

impl Writer {
    /// Seals `middle` as the chain's next record and hands it to the sink
    /// (and flushes it when `flush`). The chain advances whether or not the
    /// write succeeds: a `seq` is never reused, and a record that could not
    /// be written leaves a gap that `verify` reports.
    pub(crate) fn write(&mut self, middle: &[u8], flush: bool) -> Result<(), AuditError> {
        let line = self.chain.seal(middle);
        let result = self.sink.write_line(line);
        self.chain.advance();
        result?;
        if flush { self.sink.flush() } else { Ok(()) }
    }

    pub(crate) fn flush(&mut self) -> Result<(), AuditError> {
        self.sink.flush()
    }
}

/// What the auditor and its background thread share.
pub(crate) struct Shared {
    writer: Mutex<Writer>,
    failures: AtomicU64,
    last_failure: Mutex<Option<AuditError>>,
}

impl Shared {
    pub(crate) fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn note(&self, result: Result<(), AuditError>) -> Result<(), AuditError> {
        if let Err(error) = &result {
            self.failures.fetch_add(1, Ordering::Relaxed);
            *self
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(error.clone());
        }
        result
    }
}

/// Decides requests and writes an audit record of each to a sink.
///
/// An auditor is `Send + Sync`: threads share one (records never
/// interleave; `seq` and `prev` follow the order records are written in).
///
/// ```
/// use tessera::audit::{AuditConfig, Auditor, Durability, FileSink, verify_file};
/// use tessera::{Engine, Request, Outcome};
///
/// let engine = Engine::compile_str("p.policy", r#"policy "p" {
///   allow "read" { principal user:* action secrets:GetSecretValue resource app/** }
/// }"#).unwrap();
/// let dir = std::env::temp_dir().join(format!("tessera-doc-auditor-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("audit.jsonl");
/// # let _ = std::fs::remove_file(&path);
///
/// let mut config = AuditConfig::new();
/// config.mask_field("context.ticket").unwrap();
/// let auditor = Auditor::new(FileSink::open(&path, Durability::Buffered).unwrap(), &config).unwrap();
/// let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db")
///     .with_attribute("ticket", tessera::Attribute::String("OPS-1".into()));
/// assert_eq!(auditor.decide(&engine, &request).outcome, Outcome::Allow);
/// auditor.flush().unwrap();
///
/// let log = std::fs::read_to_string(&path).unwrap();
/// assert!(log.contains(r#""principal":"user:ann","action":"secrets:GetSecretValue","resource":"app/db","#));
/// assert!(log.contains(r#""context":{"ticket":"[masked]"}"#));
/// assert!(verify_file(&path, None).unwrap().is_clean());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct Auditor {
    plan: MaskPlan,
    mode: Mode,
    /// Where record ids come from ([`AuditConfig::id_seed`]).
    ids: Ids,
    shared: Arc<Shared>,
    background: Option<Background>,
}

impl Auditor {
    /// An auditor writing to `sink` as `config` says.
    ///
    /// The chain continues from the sink's last record when it has one
    /// ([`AuditSink::resume`]). Fails when the configuration contradicts
    /// itself, when that chain was written with a key and none is
    /// configured (or the other way round), when its last record does not
    /// match its mac under the configured key (another key, or an edit), when the background thread
    /// cannot start, and when the platform has no random source for ids
    /// and no [`AuditConfig::id_seed`] is configured.
    pub fn new(
        sink: impl AuditSink + 'static,
        config: &AuditConfig,
    ) -> Result<Auditor, AuditError> {
        config.check()?;
        let ids = Ids::new(config.id_seed)?;
        let sealer = Sealer::new(config.key.as_deref());
        let head = match sink.resume() {
            Some(head) if head.is_keyed() != sealer.is_keyed() => {
                let (written, configured) = if head.is_keyed() {
                    ("with a key (hmac-sha256)", "no key is configured")
                } else {
                    ("without a key (sha256)", "a key is configured")
                };
                return Err(AuditError::new(
                    AuditErrorKind::ChainMismatch,
                    format!(
                        "the audit log's chain was written {written} but {configured}; \
                         configure the log's own scheme, or start a new log"
                    ),
                ));
            }
            Some(head) => {
                check_head(&head)?;
                if let Some(signed) = sink.last_signed() {
                    let mut mac = Vec::with_capacity(80);
                    sealer.mac(signed, &mut mac);
                    if mac != head.prev.as_bytes() {
                        return Err(AuditError::new(
                            AuditErrorKind::ChainMismatch,
                            "the audit log's last record does not match its mac under the \
                             configured key (another key, or an edited record): appending \
                             would break the chain; check the log with verify",
                        ));
                    }
                }
                head
            }
            None => ChainHead::genesis(sealer.is_keyed()),
        };
        let shared = Arc::new(Shared {
            writer: Mutex::new(Writer {
                sink: Box::new(sink),
                chain: Chain::new(sealer, head),
            }),
            failures: AtomicU64::new(0),
            last_failure: Mutex::new(None),
        });
        let background = match config.background {
            Some(capacity) => Some(Background::start(Arc::clone(&shared), capacity)?),
            None => None,
        };
        Ok(Auditor {
            plan: config.plan.clone(),
            mode: config.mode,
            ids,
            shared,
            background,
        })
    }

    /// Decides `request` with `engine` at the current time and records the
    /// decision.
    ///
    /// In [`Mode::Blocking`], when the record cannot be written, the answer
    /// is deny with [`Reason::AuditFailed`] and no determining statements;
    /// [`Auditor::last_failure`] says why.
    pub fn decide<'e>(&self, engine: &'e Engine, request: &Request) -> Decision<'e> {
        self.decide_at(engine, request, Utc::now())
    }

    /// [`Auditor::decide`] at `now`: the record's `time`, and the instant a
    /// request without `context.time` is decided at.
    pub fn decide_at<'e>(
        &self,
        engine: &'e Engine,
        request: &Request,
        now: DateTime<Utc>,
    ) -> Decision<'e> {
        let decided_at = request.context.time.unwrap_or(now);
        let start = stopwatch();
        let decision = engine.decide_at(request, decided_at);
        let eval_ns = elapsed_ns(start);
        let recorded = self.write(
            now,
            request,
            &decision,
            engine.revision(),
            eval_ns,
            decided_at,
        );
        match (recorded, self.mode) {
            (Ok(()), _) | (Err(_), Mode::BestEffort) => decision,
            (Err(_), Mode::Blocking) => Decision {
                outcome: Outcome::Deny,
                reason: Reason::AuditFailed,
                determining: SmallVec::new(),
            },
        }
    }

    /// Records a decision the host made itself: `revision` is the engine's
    /// [`Engine::revision`], `eval_ns` the nanoseconds the decision took,
    /// `decided_at` the instant it was decided at. The record's `time` is
    /// now.
    ///
    /// An error means the record was not written (in background mode: not
    /// queued); it is also counted in [`Auditor::failures`].
    pub fn record(
        &self,
        request: &Request,
        decision: &Decision<'_>,
        revision: &str,
        eval_ns: u64,
        decided_at: DateTime<Utc>,
    ) -> Result<(), AuditError> {
        self.write(Utc::now(), request, decision, revision, eval_ns, decided_at)
    }

    fn write(
        &self,
        time: DateTime<Utc>,
        request: &Request,
        decision: &Decision<'_>,
        revision: &str,
        eval_ns: u64,
        decided_at: DateTime<Utc>,
    ) -> Result<(), AuditError> {
        let fields = match self.ids.next() {
            Ok(id) => Fields {
                time,
                id,
                request,
                decision,
                revision,
                eval_ns,
                decided_at,
            },
            Err(error) => return self.shared.note(Err(error)),
        };
        let result = MIDDLE.with(|cell| match cell.try_borrow_mut() {
            Ok(mut middle) => {
                middle.clear();
                write_middle(&mut middle, &fields, &self.plan);
                self.hand_on(&middle)
            }
            // Only when a sink calls back into an auditor on this thread.
            Err(_) => {
                let mut middle = Vec::with_capacity(1024);
                write_middle(&mut middle, &fields, &self.plan);
                self.hand_on(&middle)
            }
        });
        self.shared.note(result)
    }

    /// Writes the record now, or queues it for the background writer.
    fn hand_on(&self, middle: &[u8]) -> Result<(), AuditError> {
        match &self.background {
            Some(background) => background.send(middle),
            None => self
                .shared
                .writer()
                .write(middle, self.mode == Mode::Blocking),
        }
    }

    /// Writes out every record taken so far (in background mode, waits for
    /// the queue to drain first).
    pub fn flush(&self) -> Result<(), AuditError> {
        let result = match &self.background {
            Some(background) => background.flush(),
            None => self.shared.writer().flush(),
        };
        self.shared.note(result)
    }

    /// Where the chain stands: the next `seq` and the last record's `mac`.
    /// Kept outside the log (a database, another host), it lets a later
    /// [`crate::audit::verify`] show that no records were cut from the end.
    /// In background mode, records still queued are not counted; call
    /// [`Auditor::flush`] first.
    pub fn head(&self) -> ChainHead {
        self.shared.writer().chain.head().clone()
    }

    /// How many records (or flushes) failed since the auditor was made.
    pub fn failures(&self) -> u64 {
        self.shared.failures.load(Ordering::Relaxed)
    }

    /// The latest failure, if any.
    pub fn last_failure(&self) -> Option<AuditError> {
        self.shared
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The mode the auditor runs in.
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

/// Refuses a head no chain can continue from: a `prev` that is not a mac
/// (a stored head read back with its newline, say), a seq so large it
/// could overflow, or a seq that disagrees with `prev` about whether the
/// chain has begun. `verify` would flag each of these as a broken chain.
fn check_head(head: &ChainHead) -> Result<(), AuditError> {
    let problem = if !head.is_well_formed() {
        format!(
            "the chain head's prev is not a mac ({} bytes; expected \"sha256:\" or \"hmac-sha256:\" and 64 lowercase hex digits)",
            head.prev.len()
        )
    } else if head.next_seq >= 1 << 63 {
        format!(
            "the chain head's next seq {} is out of range",
            head.next_seq
        )
    } else if (head.next_seq == 0) != (head.prev == ChainHead::genesis(head.is_keyed()).prev) {
        "the chain head's next seq and prev disagree: seq 0 goes with the genesis prev, and only seq 0"
            .to_string()
    } else {
        return Ok(());
    };
    Err(AuditError::new(AuditErrorKind::InvalidConfig, problem))
}

/// The start of a decision, for `eval_ns`. wasm32-unknown-unknown has no
/// clock (`Instant::now` panics there): `None`, and records say `eval_ns` 0.
fn stopwatch() -> Option<Instant> {
    if cfg!(all(target_arch = "wasm32", target_os = "unknown")) {
        None
    } else {
        Some(Instant::now())
    }
}

/// Nanoseconds since `start` (0 without a clock).
fn elapsed_ns(start: Option<Instant>) -> u64 {
    start.map_or(0, |start| {
        u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    })
}

impl Drop for Auditor {
    /// Writes out what is buffered: in background mode, waits for the queue
    /// to drain. Errors are counted, not reported: call
    /// [`Auditor::flush`] first to see them.
    fn drop(&mut self) {
        match self.background.take() {
            Some(background) => drop(background),
            None => {
                let result = self.shared.writer().flush();
                let _ = self.shared.note(result);
            }
        }
    }
}

impl std::fmt::Debug for Auditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auditor")
            .field("mode", &self.mode)
            .field("background", &self.background.is_some())
            .field("failures", &self.failures())
            .finish_non_exhaustive()
    }
}
