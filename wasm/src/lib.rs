//! Tessera as a plain core-Wasm module: no JS glue, no imports, a handful of
//! exports that move JSON text through linear memory. `ABI.md` beside this
//! crate describes the ABI byte by byte; in short:
//!
//! - `tessera_abi_version() -> u32` is [`ABI_VERSION`];
//! - `tessera_alloc(len) -> ptr` / `tessera_free(ptr, len)`: buffers the host
//!   writes its input into (0 when memory is exhausted);
//! - `tessera_load(ptr, len) -> u64`: a `{"sources": [{"name", "text"}]}`
//!   document in, compiled into the module's one engine slot (replaced only on
//!   success);
//! - `tessera_evaluate(ptr, len, now_ms) -> u64`: a request in, the bytes of
//!   [`tessera::json::evaluate`] out (`now_ms` is the clock, Unix
//!   milliseconds: it decides a request without `context.time` and stamps
//!   the audit record, and is checked on every call, `context.time` or not);
//! - `tessera_explain(ptr, len, now_ms) -> u64`: the same, but the answer is
//!   the explained one (`tessera::json::evaluate` with `explain` true).
//!
//! - `tessera_audit_open(ptr, len) -> u64`: an audit configuration in
//!   ([`AuditDocument`]: mode, HMAC key, mask and drop selectors, the host's
//!   32-byte id seed); from then on every decision of `tessera_evaluate` and
//!   `tessera_explain` is recorded ([`tessera::audit`]) into a buffer of
//!   JSON lines inside the module (at most [`MAX_AUDIT_BUFFER`] bytes);
//! - `tessera_audit_take() -> u64`: the pending records, handed over and
//!   removed from the buffer;
//! - `tessera_audit_status() -> u64` and `tessera_audit_close() -> u64`: the
//!   auditor's state, and the end of recording.
//!
//! All but `tessera_audit_take` return `(answer_ptr << 32) | answer_len`:
//! UTF-8 JSON owned by the module, valid until the next call of one of them.
//! `tessera_audit_take` returns its records the same way, in a buffer of
//! their own valid until the next `tessera_audit_take`.
//!
//! The input pointer and length must lie inside one live `tessera_alloc`
//! buffer; anything else (a stray pointer, a length past the end, a freed
//! buffer) gives an error answer, never a read of memory the module does not
//! own. Inputs over [`MAX_LOAD_LEN`] / [`MAX_REQUEST_LEN`] bytes give an error
//! answer too. A panic or an exhausted memory inside the compiler traps (the
//! release profile aborts on panic): the host sees a trap, discards the
//! instance and starts a fresh one.
//!
//! The logic lives in [`Module`], which natively is an ordinary Rust value
//! (unit-tested here); the `extern "C"` exports, compiled only for `wasm32`,
//! are thin wrappers around one global `Module`.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};
use tessera::audit::{AuditConfig, Auditor, CallbackSink};
use tessera::json::LoadDocument;
use tessera::json::{AuditOptions, AuditState, AuditStatus, Done, ErrorEnvelope, Loaded};
use tessera::{Engine, RequestLimits};

/// The ABI version `tessera_abi_version` returns; bumped on any incompatible
/// change to the exports, the memory conventions or the answer shapes.
pub const ABI_VERSION: u32 = 1;

/// The largest load document, in bytes (64 MiB, as the C library's inputs).
pub const MAX_LOAD_LEN: usize = 64 * 1024 * 1024;

/// The largest request, in bytes (16 MiB): the default
/// [`RequestLimits::max_bytes`], which every other host applies too. A
/// longer one is a `too_large` error before it is read.
pub const MAX_REQUEST_LEN: usize = RequestLimits::DEFAULT.max_bytes;

/// The most bytes of records the module holds for the host to take (16
/// MiB), and the default of an audit configuration's `buffer_bytes`.
pub const MAX_AUDIT_BUFFER: usize = tessera::json::MAX_AUDIT_BUFFER;

/// The largest audit configuration, in bytes (1 MiB).
pub const MAX_AUDIT_CONFIG_LEN: usize = 1024 * 1024;

/// `{"error": {"kind": "invalid_argument", "code": code, "message": message}}`.
fn invalid(code: &str, message: &str) -> String {
    ErrorEnvelope::invalid(code, message).to_json()
}

/// `{"error": {"kind": "internal", "message": message}}`.
fn internal(message: &str) -> String {
    ErrorEnvelope::internal(&message).to_json()
}

/// A successful answer as JSON text; an internal error answer if it
/// cannot be serialized.
fn answer_json(answer: &impl serde::Serialize) -> String {
    serde_json::to_string(answer).unwrap_or_else(|e| internal(&e.to_string()))
}

/// Compiles a load document; the answer, and the engine when it compiled.
pub fn compile_document(input: &[u8]) -> (String, Option<Engine>) {
    if input.len() > MAX_LOAD_LEN {
        let message = format!(
            "the load document is {} bytes long; the limit is {MAX_LOAD_LEN} bytes (64 MiB)",
            input.len()
        );
        return (invalid("too_large", &message), None);
    }
    let document: LoadDocument = match serde_json::from_slice(input) {
        Ok(document) => document,
        Err(e) => {
            let message = format!(
                "the load document is not {{\"sources\": [{{\"name\": ..., \"text\": ...}}], \"limits\": {{...}}}}: {e}"
            );
            return (invalid("bad_document", &message), None);
        }
    };
    match document.compile() {
        Ok(engine) => (answer_json(&Loaded::new(&engine)), Some(engine)),
        Err(error) => (ErrorEnvelope::compile(&error).to_json(), None),
    }
}

/// Decides a request with `engine`: exactly [`tessera::json::evaluate`]'s
/// bytes (explained when `explain` is true), with `now_ms` (Unix
/// milliseconds) as the clock.
///
/// The arguments are checked before the request is read, in this order:
/// its size (`too_large`), UTF-8 (`not_utf8`), an engine (`no_engine`), and
/// `now_ms` (`bad_time`). `now_ms` is checked even when the request carries
/// `context.time` (which then decides): whether a call succeeds does not
/// depend on what the request holds, a host's broken clock shows on its
/// first call, and an audited decision's record is stamped with `now_ms`.
pub fn evaluate_request(
    engine: Option<&Engine>,
    input: &[u8],
    now_ms: i64,
    explain: bool,
) -> String {
    if input.len() > MAX_REQUEST_LEN {
        let message = format!(
            "the request is {} bytes long; the limit is {MAX_REQUEST_LEN} bytes (16 MiB)",
            input.len()
        );
        return invalid("too_large", &message);
    }
    let Ok(text) = std::str::from_utf8(input) else {
        return invalid("not_utf8", "the request is not UTF-8");
    };
    let Some(engine) = engine else {
        return ErrorEnvelope::NoEngine {
            message: "no policies are loaded: call tessera_load first".to_string(),
        }
        .to_json();
    };
    let Some(now) = chrono::DateTime::from_timestamp_millis(now_ms) else {
        return invalid("bad_time", "now_ms is out of the representable range");
    };
    tessera::json::evaluate_at(engine, text, explain, now)
}

/// An audit configuration, as `tessera_audit_open` reads it:
///
/// ```json
/// {"mode": "blocking", "key_hex": "...", "mask": ["context.ticket"], "drop": ["source_ip"],
///  "seed_hex": "64 hex digits", "buffer_bytes": 16777216}
/// ```
///
/// Only `seed_hex` is required: 32 bytes from the host's random source, the
/// seed of the record ids ([`AuditConfig::id_seed`]; the module has no
/// random source of its own). `mode` is `"blocking"` (the default) or
/// `"best_effort"`; `key_hex` the HMAC key of the chain (any length but 0,
/// hex); `mask` and `drop` the selectors of
/// [`AuditConfig::mask_field`] / [`AuditConfig::drop_field`];
/// `buffer_bytes` the most bytes of records pending at once (1 to
/// [`MAX_AUDIT_BUFFER`], the default). Unknown keys are refused. Error
/// messages never quote the key or the seed.
#[derive(Debug)]
pub struct AuditDocument {
    /// The auditor's configuration.
    pub config: AuditConfig,
    /// The capacity of the record buffer, in bytes.
    pub buffer_bytes: usize,
}

/// `{"error": {"kind": "invalid_argument", "code": "bad_audit_config", ...}}`.
fn bad_audit_config(message: &str) -> String {
    invalid("bad_audit_config", message)
}

/// Reads an audit configuration (see [`AuditDocument`]; the keys are
/// [`AuditOptions::from_json`]'s); the error answer when it is malformed.
pub fn audit_document(input: &[u8]) -> Result<AuditDocument, String> {
    if input.len() > MAX_AUDIT_CONFIG_LEN {
        return Err(invalid(
            "too_large",
            &format!(
                "the audit configuration is {} bytes long; the limit is {MAX_AUDIT_CONFIG_LEN} bytes (1 MiB)",
                input.len()
            ),
        ));
    }
    let options = AuditOptions::from_json(input, true).map_err(|m| bad_audit_config(&m))?;
    let config = options
        .config()
        .map_err(|e| bad_audit_config(e.error.message()))?;
    Ok(AuditDocument {
        config,
        buffer_bytes: options.buffer_bytes.unwrap_or(MAX_AUDIT_BUFFER),
    })
}

/// The records waiting for `tessera_audit_take`: JSON lines, each ending in
/// `\n`, at most `capacity` bytes.
#[derive(Debug, Default)]
struct Pending {
    lines: Vec<u8>,
    capacity: usize,
}

impl Pending {
    /// Appends one record; refuses it when the buffer would go over its
    /// capacity or memory is exhausted.
    fn push(&mut self, line: &str) -> Result<(), String> {
        let needed = line.len() + 1;
        if self.lines.len() + needed > self.capacity {
            return Err(format!(
                "the module's audit buffer is full ({} bytes): the host must take the records \
                 (tessera_audit_take)",
                self.capacity
            ));
        }
        self.lines
            .try_reserve(needed)
            .map_err(|_| "the module's memory is exhausted".to_string())?;
        self.lines.extend_from_slice(line.as_bytes());
        self.lines.push(b'\n');
        Ok(())
    }
}

/// The open auditor and the buffer its sink writes to.
#[derive(Debug)]
struct Audit {
    auditor: Auditor,
    pending: Arc<Mutex<Pending>>,
}

/// Locks the record buffer (a poisoned lock is still the buffer).
fn lock(pending: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens an auditor from the configuration `input`; the answer, and the
/// auditor when it opened.
fn open_audit(input: &[u8]) -> (String, Option<Audit>) {
    let document = match audit_document(input) {
        Ok(document) => document,
        Err(answer) => return (answer, None),
    };
    let pending = Arc::new(Mutex::new(Pending {
        lines: Vec::new(),
        capacity: document.buffer_bytes,
    }));
    let shared = Arc::clone(&pending);
    let sink = CallbackSink::new(move |line: &str| lock(&shared).push(line));
    match Auditor::new(sink, &document.config) {
        Ok(auditor) => (answer_json(&Done::OK), Some(Audit { auditor, pending })),
        Err(error) => (
            ErrorEnvelope::Audit {
                code: "open_failed".to_string(),
                message: error.message().to_string(),
            }
            .to_json(),
            None,
        ),
    }
}

/// Decides a request with `engine` and records the decision with
/// `auditor`: the same bytes as [`evaluate_request`] (and so as
/// [`tessera::json::evaluate_at`]), except that in blocking mode a record
/// that cannot be written makes the answer
/// `{"decision":"deny","reason":"audit_failed","determining":[]}`. A
/// request that is refused before it is decided (too large, not UTF-8,
/// malformed, no engine) is not recorded, as in
/// [`tessera::json::evaluate_audited`]. The record's `time` is `now_ms`.
pub fn evaluate_audited_request(
    engine: Option<&Engine>,
    auditor: &Auditor,
    input: &[u8],
    now_ms: i64,
    explain: bool,
) -> String {
    let (Some(engine), Ok(text), true, Some(now)) = (
        engine,
        std::str::from_utf8(input),
        input.len() <= MAX_REQUEST_LEN,
        chrono::DateTime::from_timestamp_millis(now_ms),
    ) else {
        // The same error answer as unaudited.
        return evaluate_request(engine, input, now_ms, explain);
    };
    // Read under the engine's request limits and schema, and decided
    // through the auditor, as `tessera::json::evaluate_audited` does.
    tessera::json::answer_audited_at(engine, auditor, text, explain, now).to_json()
}

/// One buffer handed out by [`Module::alloc`].
#[derive(Debug)]
struct Allocation {
    /// The length the host asked for (the buffer holds at least one byte).
    len: usize,
    /// The bytes; never resized, so its address is stable.
    bytes: Vec<u8>,
}

/// Everything the module keeps between calls.
#[derive(Debug, Default)]
pub struct Module {
    /// The compiled policies, once a load succeeded.
    engine: Option<Engine>,
    /// Live buffers by address.
    allocations: BTreeMap<usize, Allocation>,
    /// The last answer, owned here until the next call that answers.
    answer: Vec<u8>,
    /// The open auditor, if any.
    audit: Option<Audit>,
    /// The records of the open (or last closed) auditor not yet taken.
    pending: Option<Arc<Mutex<Pending>>>,
    /// The records the last [`Module::audit_take`] handed over.
    taken: Vec<u8>,
}

impl Module {
    /// A module with no policies and no buffers.
    pub fn new() -> Module {
        Module::default()
    }

    /// A zeroed buffer of `len` bytes; its address, or `None` when memory is
    /// exhausted.
    pub fn alloc(&mut self, len: usize) -> Option<usize> {
        let mut bytes = Vec::new();
        // At least one byte, so that every buffer has its own address.
        bytes.try_reserve_exact(len.max(1)).ok()?;
        bytes.resize(len.max(1), 0);
        let address = bytes.as_ptr() as usize;
        self.allocations.insert(address, Allocation { len, bytes });
        Some(address)
    }

    /// Frees the buffer at `address` if it is live and `len` is its length;
    /// anything else is ignored.
    pub fn free(&mut self, address: usize, len: usize) {
        if self.allocations.get(&address).is_some_and(|a| a.len == len) {
            self.allocations.remove(&address);
        }
    }

    /// The `len` bytes at `address`, when they lie inside one live buffer.
    fn input(&self, address: usize, len: usize) -> Option<&[u8]> {
        let (&start, allocation) = self.allocations.range(..=address).next_back()?;
        let offset = address - start;
        let end = offset.checked_add(len)?;
        if end > allocation.len {
            return None;
        }
        allocation.bytes.get(offset..end)
    }

    /// The error answer for an input outside every live buffer.
    fn bad_pointer(address: usize, len: usize) -> String {
        invalid(
            "bad_pointer",
            &format!(
                "{len} bytes at {address} are not inside a buffer from tessera_alloc \
                 (a stray or freed pointer, or a length past its end)"
            ),
        )
    }

    /// Compiles the load document at `address`; replaces the engine on
    /// success. Returns the answer.
    pub fn load(&mut self, address: usize, len: usize) -> &[u8] {
        let answer = match self.input(address, len) {
            None => Module::bad_pointer(address, len),
            Some(input) => {
                let (answer, engine) = guarded(|| compile_document(input));
                if engine.is_some() {
                    self.engine = engine;
                }
                answer
            }
        };
        self.answer = answer.into_bytes();
        &self.answer
    }

    /// Decides the request at `address` (`tessera_evaluate`, or
    /// `tessera_explain` when `explain` is true). Returns the answer.
    pub fn evaluate(&mut self, address: usize, len: usize, now_ms: i64, explain: bool) -> &[u8] {
        let answer = match self.input(address, len) {
            None => Module::bad_pointer(address, len),
            Some(input) => {
                let engine = self.engine.as_ref();
                let audit = self.audit.as_ref();
                guarded(|| {
                    let answer = match audit {
                        Some(audit) => {
                            evaluate_audited_request(engine, &audit.auditor, input, now_ms, explain)
                        }
                        None => evaluate_request(engine, input, now_ms, explain),
                    };
                    (answer, None::<Engine>)
                })
                .0
            }
        };
        self.answer = answer.into_bytes();
        &self.answer
    }

    /// Opens an auditor from the configuration at `address`
    /// (`tessera_audit_open`): `{"ok":true}`, or an error answer. Refused
    /// while an auditor is open or records of a closed one wait to be
    /// taken.
    pub fn audit_open(&mut self, address: usize, len: usize) -> &[u8] {
        let answer = match self.input(address, len) {
            None => Module::bad_pointer(address, len),
            Some(_) if self.audit.is_some() => invalid(
                "audit_busy",
                "an auditor is already open: close it (tessera_audit_close) first",
            ),
            Some(_)
                if self
                    .pending
                    .as_ref()
                    .is_some_and(|p| !lock(p).lines.is_empty()) =>
            {
                invalid(
                    "audit_busy",
                    "records of the closed auditor wait: take them (tessera_audit_take) first",
                )
            }
            Some(input) => {
                let mut opened = None;
                let answer = guarded(|| {
                    let (answer, audit) = open_audit(input);
                    opened = audit;
                    (answer, None)
                })
                .0;
                if let Some(audit) = opened {
                    self.pending = Some(Arc::clone(&audit.pending));
                    self.audit = Some(audit);
                }
                answer
            }
        };
        self.answer = answer.into_bytes();
        &self.answer
    }

    /// Hands over the pending records (`tessera_audit_take`): JSON lines,
    /// each ending in `\n`, oldest first; empty when there are none. The
    /// buffer is emptied; the bytes stay valid until the next take.
    pub fn audit_take(&mut self) -> &[u8] {
        self.taken = match &self.pending {
            Some(pending) => std::mem::take(&mut lock(pending).lines),
            None => Vec::new(),
        };
        if self.audit.is_none() {
            // Closed, and now drained.
            self.pending = None;
        }
        &self.taken
    }

    /// The auditor's state (`tessera_audit_status`):
    /// `{"open":true,"mode":...,"pending_bytes":N,"failures":N,"head":{"next_seq":N,"prev":...}}`,
    /// or `{"open":false,"pending_bytes":N}`.
    pub fn audit_status(&mut self) -> &[u8] {
        let pending_bytes = self.pending.as_ref().map_or(0, |p| lock(p).lines.len());
        let answer = match &self.audit {
            Some(audit) => answer_json(&AuditStatus::Open(Module::audit_state(
                audit,
                pending_bytes,
            ))),
            None => answer_json(&AuditStatus::NotOpen { pending_bytes }),
        };
        self.answer = answer.into_bytes();
        &self.answer
    }

    /// Closes the auditor (`tessera_audit_close`): later decisions are not
    /// recorded. The answer is the final state, as
    /// `{"ok":true,"mode":...,"pending_bytes":N,"failures":N,"head":{...}}`
    /// (the records still pending stay for `tessera_audit_take`), or a
    /// `no_auditor` error when none is open.
    pub fn audit_close(&mut self) -> &[u8] {
        let answer = match self.audit.take() {
            Some(audit) => {
                let pending_bytes = lock(&audit.pending).lines.len();
                answer_json(&AuditStatus::Closed(Module::audit_state(
                    &audit,
                    pending_bytes,
                )))
            }
            None => invalid("no_auditor", "no auditor is open"),
        };
        self.answer = answer.into_bytes();
        &self.answer
    }

    /// The state of `audit`.
    fn audit_state(audit: &Audit, pending_bytes: usize) -> AuditState {
        AuditState {
            mode: audit.auditor.mode(),
            pending_bytes,
            failures: audit.auditor.failures(),
            head: audit.auditor.head(),
        }
    }

    /// The host's view of the buffer at `address`, for writing its input
    /// (natively; in Wasm the host writes linear memory directly).
    pub fn buffer_mut(&mut self, address: usize) -> Option<&mut [u8]> {
        let allocation = self.allocations.get_mut(&address)?;
        allocation.bytes.get_mut(..allocation.len)
    }
}

/// Runs `f`, turning a panic into an internal error answer (where panics
/// unwind: natively; the Wasm module aborts, which the host sees as a trap).
fn guarded(f: impl FnOnce() -> (String, Option<Engine>)) -> (String, Option<Engine>) {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| (internal("Tessera panicked"), None))
}

/// The exports, over one global [`Module`]. Wasm32 only: addresses are u32.
#[cfg(target_arch = "wasm32")]
mod exports {
    use super::{ABI_VERSION, Module};
    use std::cell::RefCell;

    thread_local! {
        /// The module's state. Wasm32 without threads: one instance, one
        /// caller at a time, and no export calls back into another.
        static MODULE: RefCell<Module> = RefCell::new(Module::new());
    }

    /// Runs `f` on the global module; `None` if it is already borrowed
    /// (impossible without re-entrancy, but never a panic).
    fn with_module<T>(f: impl FnOnce(&mut Module) -> T) -> Option<T> {
        MODULE.with(|m| m.try_borrow_mut().ok().map(|mut m| f(&mut m)))
    }

    /// `(ptr << 32) | len` of an answer. Addresses and lengths fit in 32 bits
    /// on wasm32.
    fn pack(answer: &[u8]) -> u64 {
        ((answer.as_ptr() as usize as u64) << 32) | (answer.len() as u64 & 0xFFFF_FFFF)
    }

    /// The ABI version: 1.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_abi_version() -> u32 {
        ABI_VERSION
    }

    /// A zeroed buffer of `len` bytes for the host's input; 0 when memory is
    /// exhausted.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_alloc(len: u32) -> u32 {
        with_module(|m| m.alloc(len as usize))
            .flatten()
            .and_then(|address| u32::try_from(address).ok())
            .unwrap_or(0)
    }

    /// Frees a buffer from `tessera_alloc`, given its exact length; a stray
    /// pointer, a wrong length or a second free is ignored.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_free(ptr: u32, len: u32) {
        with_module(|m| m.free(ptr as usize, len as usize));
    }

    /// Compiles the load document at `ptr`; returns the packed answer.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_load(ptr: u32, len: u32) -> u64 {
        with_module(|m| pack(m.load(ptr as usize, len as usize))).unwrap_or(0)
    }

    /// Decides the request at `ptr` with `now_ms` (Unix milliseconds) as the
    /// clock; returns the packed answer.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_evaluate(ptr: u32, len: u32, now_ms: i64) -> u64 {
        decide(ptr, len, now_ms, false)
    }

    /// `tessera_evaluate` with the explained answer (the decision plus an
    /// `"explanation"` of every statement); returns the packed answer.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_explain(ptr: u32, len: u32, now_ms: i64) -> u64 {
        decide(ptr, len, now_ms, true)
    }

    /// The body of `tessera_evaluate` and `tessera_explain`.
    fn decide(ptr: u32, len: u32, now_ms: i64, explain: bool) -> u64 {
        with_module(|m| pack(m.evaluate(ptr as usize, len as usize, now_ms, explain))).unwrap_or(0)
    }

    /// Opens an auditor from the configuration at `ptr` (wasm/ABI.md):
    /// later decisions are recorded into the module's buffer. Returns the
    /// packed answer.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_audit_open(ptr: u32, len: u32) -> u64 {
        with_module(|m| pack(m.audit_open(ptr as usize, len as usize))).unwrap_or(0)
    }

    /// Hands over the pending records (JSON lines) and empties the buffer;
    /// `(ptr << 32) | len`, `len` 0 when there are none.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_audit_take() -> u64 {
        with_module(|m| pack(m.audit_take())).unwrap_or(0)
    }

    /// The auditor's state; returns the packed answer.
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_audit_status() -> u64 {
        with_module(|m| pack(m.audit_status())).unwrap_or(0)
    }

    /// Closes the auditor; returns the packed answer (its final state).
    #[unsafe(no_mangle)]
    pub extern "C" fn tessera_audit_close() -> u64 {
        with_module(|m| pack(m.audit_close())).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use serde_json::json;

    const POLICY: &str = r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#;
    const REQUEST: &str = r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db", "context": {"time": "2026-11-25T10:00:00Z"}}"#;

    fn put(module: &mut Module, bytes: &[u8]) -> usize {
        let address = module.alloc(bytes.len()).unwrap();
        module.buffer_mut(address).unwrap().copy_from_slice(bytes);
        address
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// A module with [`POLICY`] loaded, and the same policy compiled natively.
    fn loaded() -> (Module, Engine) {
        let mut module = Module::new();
        let document = json!({"sources": [{"name": "p.policy", "text": POLICY}]}).to_string();
        let at = put(&mut module, document.as_bytes());
        assert_eq!(
            text(module.load(at, document.len())),
            r#"{"ok":true,"statements":1}"#
        );
        (module, Engine::compile_str("p.policy", POLICY).unwrap())
    }

    #[test]
    fn load_then_evaluate_matches_the_json_layer() {
        let (mut module, engine) = loaded();
        let at = put(&mut module, REQUEST.as_bytes());
        assert_eq!(
            text(module.evaluate(at, REQUEST.len(), 0, false)),
            tessera::json::evaluate(&engine, REQUEST, false)
        );
    }

    #[test]
    fn explain_matches_the_json_layer() {
        let (mut module, engine) = loaded();
        let at = put(&mut module, REQUEST.as_bytes());
        let explained = text(module.evaluate(at, REQUEST.len(), 0, true));
        assert_eq!(explained, tessera::json::evaluate(&engine, REQUEST, true));
        assert!(explained.contains(r#""explanation":"#), "{explained}");
        assert!(
            explained.starts_with(r#"{"decision":"allow""#),
            "{explained}"
        );
        // The same buffer, plain: no explanation.
        let plain = text(module.evaluate(at, REQUEST.len(), 0, false));
        assert!(!plain.contains("explanation"), "{plain}");
        // Without context.time, at the clock given.
        let request =
            r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db"}"#;
        let now_ms = 1_795_600_800_000;
        let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap();
        let at = put(&mut module, request.as_bytes());
        assert_eq!(
            text(module.evaluate(at, request.len(), now_ms, true)),
            tessera::json::evaluate_at(&engine, request, true, now)
        );
        // A request error is the same error explained or not.
        let bad = r#"{"principal": "user:a"}"#;
        let at = put(&mut module, bad.as_bytes());
        assert_eq!(
            text(module.evaluate(at, bad.len(), 0, true)),
            tessera::json::evaluate(&engine, bad, true)
        );
    }

    #[test]
    fn explain_has_the_same_error_answers() {
        let mut module = Module::new();
        let at = put(&mut module, REQUEST.as_bytes());
        assert!(
            text(module.evaluate(at, REQUEST.len(), 0, true)).contains(r#""kind":"no_engine""#)
        );
        assert!(text(module.evaluate(at + 1, REQUEST.len(), 0, true)).contains("bad_pointer"));
        assert!(text(module.evaluate(12, 3, 0, true)).contains("bad_pointer"));
        let (mut module, _) = loaded();
        let garbage = put(&mut module, &[0xff, 0xfe, 0x00]);
        assert!(text(module.evaluate(garbage, 3, 0, true)).contains("not_utf8"));
        let at = put(&mut module, REQUEST.as_bytes());
        assert!(text(module.evaluate(at, REQUEST.len(), i64::MAX, true)).contains("bad_time"));
        let big = vec![b' '; MAX_REQUEST_LEN + 1];
        assert!(evaluate_request(None, &big, 0, true).contains("too_large"));
    }

    #[test]
    fn now_ms_is_checked_even_when_the_request_carries_its_time() {
        let (mut module, engine) = loaded();
        let at = put(&mut module, REQUEST.as_bytes());
        for explain in [false, true] {
            let answer = text(module.evaluate(at, REQUEST.len(), i64::MIN, explain));
            assert!(answer.contains(r#""code":"bad_time""#), "{answer}");
            // A representable clock: the request's own time decides.
            assert_eq!(
                text(module.evaluate(at, REQUEST.len(), 0, explain)),
                tessera::json::evaluate(&engine, REQUEST, explain)
            );
        }
    }

    #[test]
    fn hostile_requests_get_the_json_layers_errors() {
        let (mut module, engine) = loaded();
        let requests = [
            format!("\u{feff}{REQUEST}"),
            REQUEST.replace(r#""action""#, r#""action": "x", "action""#),
            REQUEST.replace("app/db", "app//db"),
            REQUEST.replace("app/db", "app/../db"),
            REQUEST.replace(r#""time""#, &format!(r#""n": {}, "time""#, "9".repeat(400))),
        ];
        for request in requests {
            let at = put(&mut module, request.as_bytes());
            let answer = text(module.evaluate(at, request.len(), 0, false));
            assert!(
                answer.starts_with(r#"{"error":{"kind":"request""#),
                "{answer}"
            );
            assert_eq!(answer, tessera::json::evaluate(&engine, &request, false));
        }
    }

    #[test]
    fn no_engine_bad_pointers_and_garbage_are_error_answers() {
        let mut module = Module::new();
        let at = put(&mut module, REQUEST.as_bytes());
        assert!(
            text(module.evaluate(at, REQUEST.len(), 0, false)).contains(r#""kind":"no_engine""#)
        );
        assert!(text(module.evaluate(at + 1, REQUEST.len(), 0, false)).contains("bad_pointer"));
        assert!(text(module.evaluate(12, 3, 0, false)).contains("bad_pointer"));
        assert!(text(module.load(at, usize::MAX)).contains("bad_pointer"));
        let garbage = put(&mut module, &[0xff, 0xfe, 0x00]);
        assert!(text(module.load(garbage, 3)).contains("bad_document"));
        module.free(garbage, 3);
        assert!(text(module.load(garbage, 3)).contains("bad_pointer"));
        module.free(garbage, 3);
    }

    #[test]
    fn a_failed_load_keeps_the_old_engine() {
        let (mut module, _) = loaded();
        let bad = json!({"sources": [{"name": "q.policy", "text": "policy {"}]}).to_string();
        let at = put(&mut module, bad.as_bytes());
        assert!(text(module.load(at, bad.len())).contains(r#""kind":"compile""#));
        let at = put(&mut module, REQUEST.as_bytes());
        assert!(
            text(module.evaluate(at, REQUEST.len(), 0, false)).contains(r#""decision":"allow""#)
        );
    }

    #[test]
    fn over_long_inputs_are_refused() {
        let big = vec![b' '; MAX_REQUEST_LEN + 1];
        assert!(evaluate_request(None, &big, 0, false).contains("too_large"));
        let big = vec![b' '; MAX_LOAD_LEN + 1];
        assert!(compile_document(&big).0.contains("too_large"));
    }

    #[test]
    fn a_load_document_carries_limits_for_compiling_and_for_requests() {
        let text = r#"policy "p" { allow "a" { principal * action * resource app/** } }"#;
        let tight = json!({"sources": [{"name": "p.policy", "text": text}],
            "limits": {"policy": {"max_pattern_bytes": 4}}});
        let (answer, engine) = compile_document(tight.to_string().as_bytes());
        assert!(engine.is_none());
        assert!(
            answer.contains("limit-exceeded") && answer.contains("max_pattern_bytes"),
            "{answer}"
        );
        let unknown = json!({"sources": [], "limits": {"request": {"max_grups": 1}}});
        assert!(
            compile_document(unknown.to_string().as_bytes())
                .0
                .contains("bad_document")
        );
        let groups = json!({"sources": [{"name": "p.policy", "text": text}],
            "limits": {"request": {"max_groups": 1}}});
        let (_, engine) = compile_document(groups.to_string().as_bytes());
        let request = r#"{"principal": {"id": "u", "groups": ["a", "b"]}, "action": "x", "resource": "app/db"}"#;
        let answer = evaluate_request(engine.as_ref(), request.as_bytes(), 0, false);
        assert!(
            answer.contains("limit_exceeded") && answer.contains("max_groups"),
            "{answer}"
        );
    }

    #[test]
    fn a_load_document_with_a_schema_checks_policies_and_requests() {
        let policy = r#"policy "p" { allow "a" { principal * action * resource app/** when { context.ticket like "CHG-*" } } }"#;
        let schema = "schema { context.ticket: string optional }";
        let typo = json!({"sources": [{"name": "p.policy", "text": policy.replace("ticket", "tikcet")}],
            "schema": [{"name": "app.schema", "text": schema}]});
        let (answer, engine) = compile_document(typo.to_string().as_bytes());
        assert!(engine.is_none());
        assert!(
            answer.contains("undeclared-key") && answer.contains("did you mean `context.ticket`?"),
            "{answer}"
        );
        let good = json!({"sources": [{"name": "p.policy", "text": policy}],
            "schema": [{"name": "app.schema", "text": schema}]});
        let (_, engine) = compile_document(good.to_string().as_bytes());
        let request = r#"{"principal": "u", "action": "x", "resource": "app/db", "context": {"sourceip": "10.0.0.1"}}"#;
        for explain in [false, true] {
            let answer = evaluate_request(engine.as_ref(), request.as_bytes(), 0, explain);
            assert!(
                answer.contains(r#""field":"context.sourceip""#)
                    && answer.contains("did you mean `source_ip`?"),
                "{answer}"
            );
        }
        let allowed = r#"{"principal": "u", "action": "x", "resource": "app/db", "context": {"ticket": "CHG-1"}}"#;
        assert!(
            evaluate_request(engine.as_ref(), allowed.as_bytes(), 0, false)
                .contains(r#""decision":"allow""#)
        );
    }

    const SEED: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn audit_open(module: &mut Module, config: &str) -> String {
        let at = put(module, config.as_bytes());
        text(module.audit_open(at, config.len()))
    }

    #[test]
    fn audited_answers_match_and_records_verify() {
        let (mut module, engine) = loaded();
        let config = format!(
            r#"{{"mode": "blocking", "key_hex": "6b6579", "mask": ["context.ticket"], "seed_hex": "{SEED}"}}"#
        );
        assert_eq!(audit_open(&mut module, &config), r#"{"ok":true}"#);
        let request = r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db", "context": {"ticket": "T-1", "api_token": "ghp_secret"}}"#;
        let now_ms = 1_795_600_800_000;
        let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap();
        let at = put(&mut module, request.as_bytes());
        for explain in [false, true] {
            assert_eq!(
                text(module.evaluate(at, request.len(), now_ms, explain)),
                tessera::json::evaluate_at(&engine, request, explain, now)
            );
        }
        // A malformed request is answered as natively, and not recorded.
        let bad = put(&mut module, b"{}");
        assert!(text(module.evaluate(bad, 2, now_ms, false)).contains(r#""kind":"request""#));
        let status = text(module.audit_status());
        assert!(
            status.starts_with(r#"{"open":true,"mode":"blocking""#),
            "{status}"
        );
        let records = text(module.audit_take());
        assert_eq!(records.lines().count(), 2, "{records}");
        assert!(
            !records.contains("ghp_secret") && !records.contains("T-1"),
            "{records}"
        );
        assert!(records.contains(r#""eval_ns":"#));
        let report = tessera::audit::verify(records.as_bytes(), Some(b"key")).unwrap();
        assert!(report.is_clean(), "{report:?}");
        assert_eq!(text(module.audit_take()), "");
        // Closing stops recording; the state says where the chain stands.
        let closed = text(module.audit_close());
        assert!(closed.contains(r#""next_seq":2"#), "{closed}");
        assert!(
            !closed.contains("6b6579") && !closed.contains(SEED),
            "{closed}"
        );
        module.evaluate(at, request.len(), now_ms, false);
        assert_eq!(text(module.audit_take()), "");
        assert!(text(module.audit_close()).contains("no_auditor"));
    }

    #[test]
    fn a_full_buffer_fails_blocking_decisions_and_counts_best_effort_ones() {
        for (mode, expected) in [
            (
                "blocking",
                r#"{"decision":"deny","reason":"audit_failed","determining":[]}"#,
            ),
            (
                "best_effort",
                r#"{"decision":"allow","reason":"allowed","determining":[{"policy":"p","statement":"read"}]}"#,
            ),
        ] {
            let (mut module, _) = loaded();
            let config =
                format!(r#"{{"mode": "{mode}", "seed_hex": "{SEED}", "buffer_bytes": 1000}}"#);
            assert_eq!(audit_open(&mut module, &config), r#"{"ok":true}"#);
            let at = put(&mut module, REQUEST.as_bytes());
            let first = text(module.evaluate(at, REQUEST.len(), 0, false));
            assert!(first.starts_with(r#"{"decision":"allow""#), "{first}");
            for explain in [false, true] {
                let answer = text(module.evaluate(at, REQUEST.len(), 0, explain));
                assert!(
                    answer.starts_with(&expected[..expected.len() - 1]),
                    "{mode}: {answer}"
                );
                assert_eq!(
                    answer.contains("explanation"),
                    explain && mode == "best_effort"
                );
            }
            let status = text(module.audit_status());
            assert!(status.contains(r#""failures":2"#), "{status}");
            // Taking empties the buffer: decisions are recorded again.
            assert_eq!(text(module.audit_take()).lines().count(), 1);
            let again = text(module.evaluate(at, REQUEST.len(), 0, false));
            assert!(again.starts_with(r#"{"decision":"allow""#), "{again}");
        }
    }

    #[test]
    fn bad_audit_configurations_are_error_answers_that_never_quote_secrets() {
        let (mut module, _) = loaded();
        let secret_key = "deadbeefcafe";
        for config in [
            "not json".to_string(),
            "[]".to_string(),
            r#"{"mode": "blocking"}"#.to_string(),
            format!(r#"{{"seed_hex": "{secret_key}"}}"#),
            format!(r#"{{"seed_hex": "{SEED}", "key_hex": "{secret_key}x"}}"#),
            format!(r#"{{"seed_hex": "{SEED}", "key_hex": 12345}}"#),
            format!(r#"{{"seed_hex": "{SEED}", "mode": "sometimes"}}"#),
            format!(r#"{{"seed_hex": "{SEED}", "mask": ["contxt.ticket"]}}"#),
            format!(r#"{{"seed_hex": "{SEED}", "drop": "source_ip"}}"#),
            format!(r#"{{"seed_hex": "{SEED}", "buffer_bytes": 0}}"#),
            format!(r#"{{"seed_hex": "{SEED}", "extra": 1}}"#),
        ] {
            let answer = audit_open(&mut module, &config);
            assert!(
                answer.starts_with(
                    r#"{"error":{"kind":"invalid_argument","code":"bad_audit_config""#
                ),
                "{config}: {answer}"
            );
            assert!(
                !answer.contains(secret_key) && !answer.contains(SEED),
                "{answer}"
            );
        }
        assert!(
            audit_open(
                &mut module,
                r#"{"seed_hex": "00", "mask": ["contxt.ticket"]}"#
            )
            .contains("seed_hex")
        );
        assert!(text(module.audit_open(12, 3)).contains("bad_pointer"));
        // Nothing opened: decisions are not recorded.
        let at = put(&mut module, REQUEST.as_bytes());
        module.evaluate(at, REQUEST.len(), 0, false);
        assert_eq!(text(module.audit_take()), "");
        // A second open while one is open is refused.
        let good = format!(r#"{{"seed_hex": "{SEED}"}}"#);
        assert_eq!(audit_open(&mut module, &good), r#"{"ok":true}"#);
        assert!(audit_open(&mut module, &good).contains("audit_busy"));
        module.evaluate(at, REQUEST.len(), 0, false);
        assert!(text(module.audit_close()).starts_with(r#"{"ok":true"#));
        assert!(audit_open(&mut module, &good).contains("audit_busy"));
        assert_eq!(text(module.audit_take()).lines().count(), 1);
        assert_eq!(audit_open(&mut module, &good), r#"{"ok":true}"#);
    }
}
