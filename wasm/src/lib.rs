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
//!   milliseconds, read only when the request carries no `context.time`);
//! - `tessera_explain(ptr, len, now_ms) -> u64`: the same, but the answer is
//!   the explained one (`tessera::json::evaluate` with `explain` true).
//!
//! All three return `(answer_ptr << 32) | answer_len`: UTF-8 JSON owned by
//! the module, valid until the next `tessera_load`, `tessera_evaluate` or
//! `tessera_explain`.
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

use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use tessera::{Engine, Source};

/// The ABI version `tessera_abi_version` returns; bumped on any incompatible
/// change to the exports, the memory conventions or the answer shapes.
pub const ABI_VERSION: u32 = 1;

/// The largest load document, in bytes (64 MiB, as the C library's inputs).
pub const MAX_LOAD_LEN: usize = 64 * 1024 * 1024;

/// The largest request, in bytes (16 MiB).
pub const MAX_REQUEST_LEN: usize = 16 * 1024 * 1024;

/// The load document: `{"sources": [{"name": "...", "text": "..."}]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadDocument {
    sources: Vec<SourceDocument>,
}

/// One policy file of the load document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceDocument {
    name: String,
    text: String,
}

/// `{"error": {"kind": "invalid_argument", "code": code, "message": message}}`.
fn invalid(code: &str, message: &str) -> String {
    json!({"error": {"kind": "invalid_argument", "code": code, "message": message}}).to_string()
}

/// `{"error": {"kind": "internal", "message": message}}`.
fn internal(message: &str) -> String {
    json!({"error": {"kind": "internal", "message": message}}).to_string()
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
                "the load document is not {{\"sources\": [{{\"name\": ..., \"text\": ...}}]}}: {e}"
            );
            return (invalid("bad_document", &message), None);
        }
    };
    let sources: Vec<Source> = document
        .sources
        .iter()
        .map(|s| Source::new(&s.name, &s.text))
        .collect();
    match Engine::compile(&sources) {
        Ok(engine) => {
            let answer = json!({"ok": true, "statements": engine.statement_count()}).to_string();
            (answer, Some(engine))
        }
        Err(error) => (tessera::json::compile_error(&error).to_string(), None),
    }
}

/// Decides a request with `engine`: exactly [`tessera::json::evaluate`]'s
/// bytes (explained when `explain` is true), with `now_ms` (Unix
/// milliseconds) as the clock.
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
        return json!({"error": {"kind": "no_engine",
            "message": "no policies are loaded: call tessera_load first"}})
        .to_string();
    };
    let Some(now) = chrono::DateTime::from_timestamp_millis(now_ms) else {
        return invalid("bad_time", "now_ms is out of the representable range");
    };
    tessera::json::evaluate_at(engine, text, explain, now)
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
    /// The last answer, owned here until the next load, evaluate or
    /// explain.
    answer: Vec<u8>,
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
                guarded(|| {
                    (
                        evaluate_request(self.engine.as_ref(), input, now_ms, explain),
                        None::<Engine>,
                    )
                })
                .0
            }
        };
        self.answer = answer.into_bytes();
        &self.answer
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

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
}
