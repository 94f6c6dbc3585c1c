//! Tessera's C library (`libtessera`): compile policies into an engine and
//! decide requests, from C or any language with a C FFI.
//!
//! The C API is declared by hand in `include/tessera.h`, which documents
//! ownership and thread safety for every function. This crate only wraps the
//! `tessera` crate:
//!
//! - every entry point runs inside [`std::panic::catch_unwind`]: a panic
//!   becomes a `TESSERA_ERROR_INTERNAL` error, never an unwind into C;
//! - every pointer is checked for NULL, every text for UTF-8 and for a length
//!   of at most [`MAX_INPUT_LEN`] bytes;
//! - the JSON entry point answers exactly what `tessera::json::evaluate`
//!   answers, byte for byte, and its audited twin what
//!   `tessera::json::evaluate_audited` answers;
//! - auditors (`tessera_auditor_t`, `src/audit.rs`) record every decision
//!   made through them to an audit file or to a callback of the host's.

mod audit;
mod error;

pub use audit::{AuditCallback, TesseraAuditOptions, TesseraAuditor};
pub use error::{ErrorCode, TesseraError};

use error::c_string;
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use tessera_core::{Reason as CoreReason, Request, RequestLimits, Resource, Source};

/// The ABI version; `TESSERA_ABI_VERSION` in the header. Raised on every
/// incompatible change to a struct, an enum or a signature.
pub const ABI_VERSION: u32 = 1;

/// The longest text accepted in one argument: 64 MiB.
pub const MAX_INPUT_LEN: usize = 64 * 1024 * 1024;

/// The longest source name accepted, in bytes.
const MAX_NAME_LEN: usize = 4096;

/// The most sources one compile accepts.
const MAX_SOURCES: usize = 1 << 20;

static VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => c"unknown",
    };

/// A policy source (`tessera_source_t`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TesseraSource {
    /// NUL-terminated UTF-8 name used in diagnostics, usually a file path.
    pub name: *const c_char,
    /// The policy text, `text_len` bytes of UTF-8; no NUL needed.
    pub text: *const c_char,
    /// Length of `text` in bytes.
    pub text_len: usize,
}

/// A request for the fast path (`tessera_request_t`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TesseraRequest {
    /// Principal id, NUL-terminated UTF-8; required.
    pub principal: *const c_char,
    /// `group_count` NUL-terminated group names; NULL when `group_count` is 0.
    pub groups: *const *const c_char,
    /// Number of groups.
    pub group_count: usize,
    /// Action, NUL-terminated UTF-8; required.
    pub action: *const c_char,
    /// Resource path, NUL-terminated UTF-8; required.
    pub resource: *const c_char,
    /// Source IP address as text, or NULL when unknown.
    pub source_ip: *const c_char,
    /// -1 unknown, 0 without MFA, 1 with MFA.
    pub mfa: c_int,
    /// Seconds since MFA, or -1 when unknown.
    pub mfa_age_seconds: i64,
    /// Version stage, or NULL when unknown.
    pub version_stage: *const c_char,
    /// Request time in Unix seconds, read when `has_time` is non-zero.
    pub time: i64,
    /// Non-zero when `time` is set; otherwise the current time is used.
    pub has_time: c_int,
}

/// Allow or deny (`tessera_outcome_t`). Zero is deny.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Refused.
    Deny = 0,
    /// May proceed.
    Allow = 1,
}

/// Why (`tessera_reason_t`). Zero is the default deny.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No statement applied.
    NoStatementApplied = 0,
    /// A deny statement applied.
    ExplicitDeny = 1,
    /// An allow statement applied and no deny did.
    Allowed = 2,
    /// Denied because the audit record could not be written.
    AuditFailed = 3,
}

/// A decision (`tessera_decision_t`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TesseraDecision {
    /// Allow or deny.
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// How many statements determined the decision.
    pub determining_count: usize,
    /// The first determining statement's policy name, borrowed from the
    /// engine; NULL when none.
    pub policy: *const c_char,
    /// The first determining statement's name, borrowed from the engine;
    /// NULL when none.
    pub statement: *const c_char,
}

impl Default for TesseraDecision {
    /// Deny, nothing applied: what a caller sees when a call fails.
    fn default() -> TesseraDecision {
        TesseraDecision {
            outcome: Outcome::Deny,
            reason: Reason::NoStatementApplied,
            determining_count: 0,
            policy: ptr::null(),
            statement: ptr::null(),
        }
    }
}

/// A compiled engine (`tessera_engine_t`): the engine, and NUL-terminated
/// copies of every policy and statement name for the fast path.
#[derive(Debug)]
pub struct TesseraEngine {
    inner: tessera_core::Engine,
    names: HashMap<Box<str>, PolicyNames>,
}

#[derive(Debug)]
struct PolicyNames {
    name: CString,
    statements: HashMap<Box<str>, CString>,
}

impl TesseraEngine {
    fn new(inner: tessera_core::Engine) -> TesseraEngine {
        let mut names: HashMap<Box<str>, PolicyNames> = HashMap::new();
        for statement in inner.statements() {
            names
                .entry(statement.policy.into())
                .or_insert_with(|| PolicyNames {
                    name: c_string(statement.policy),
                    statements: HashMap::new(),
                })
                .statements
                .entry(statement.statement.into())
                .or_insert_with(|| c_string(statement.statement));
        }
        TesseraEngine { inner, names }
    }

    /// The engine's NUL-terminated copies of a statement's names.
    fn c_names(&self, policy: &str, statement: &str) -> (*const c_char, *const c_char) {
        match self.names.get(policy) {
            Some(p) => (
                p.name.as_ptr(),
                p.statements
                    .get(statement)
                    .map_or(ptr::null(), |s| s.as_ptr()),
            ),
            None => (ptr::null(), ptr::null()),
        }
    }

    /// The wrapped engine.
    pub fn engine(&self) -> &tessera_core::Engine {
        &self.inner
    }
}

// ---------------------------------------------------------------------------
// Fences and argument checks
// ---------------------------------------------------------------------------

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("internal error (a bug in Tessera): {detail}")
}

/// Runs `body` behind a panic fence and reports its result through `err`.
///
/// # Safety
///
/// `err` is NULL or valid for writing one pointer.
unsafe fn fenced(
    err: *mut *mut TesseraError,
    body: impl FnOnce() -> Result<(), TesseraError>,
) -> ErrorCode {
    let result = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(TesseraError::internal(&panic_message(&*payload))));
    let (code, error) = match result {
        Ok(()) => (ErrorCode::Ok, ptr::null_mut()),
        Err(e) => (e.code, Box::into_raw(Box::new(e))),
    };
    if err.is_null() {
        if !error.is_null() {
            // SAFETY: `error` came from `Box::into_raw` just above and was
            // handed to nobody.
            drop(unsafe { Box::from_raw(error) });
        }
    } else {
        // SAFETY: `err` is non-NULL and the caller guarantees it is valid for
        // writing one pointer.
        unsafe { *err = error };
    }
    code
}

/// Runs `body` behind a panic fence, answering `default` on a panic.
fn shielded<T>(default: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(default)
}

/// Writes `value` through `out` when `out` is not NULL.
///
/// # Safety
///
/// `out` is NULL or valid for writing one `T`.
unsafe fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL, and valid for writing per the caller.
        unsafe { out.write(value) };
    }
}

/// A NUL-terminated UTF-8 argument.
///
/// # Safety
///
/// `text` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
unsafe fn c_str<'a>(text: *const c_char, what: &str) -> Result<&'a str, TesseraError> {
    if text.is_null() {
        return Err(TesseraError::invalid(&format!("{what} is NULL")));
    }
    // SAFETY: non-NULL, NUL-terminated and valid for 'a per the caller.
    let bytes = unsafe { CStr::from_ptr(text) }.to_bytes();
    if bytes.len() > MAX_INPUT_LEN {
        return Err(too_long(what, bytes.len()));
    }
    utf8(bytes, what)
}

/// An argument given as pointer and length.
///
/// # Safety
///
/// `text` is NULL or valid for reading `len` bytes that stay unchanged for `'a`.
unsafe fn bytes<'a>(text: *const c_char, len: usize, what: &str) -> Result<&'a [u8], TesseraError> {
    if text.is_null() {
        return Err(TesseraError::invalid(&format!("{what} is NULL")));
    }
    if len > MAX_INPUT_LEN {
        return Err(too_long(what, len));
    }
    // SAFETY: non-NULL, `len` is at most 64 MiB (so within isize::MAX), and
    // the caller guarantees `len` readable bytes valid for 'a.
    Ok(unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) })
}

fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, TesseraError> {
    std::str::from_utf8(bytes).map_err(|e| {
        TesseraError::invalid(&format!(
            "{what} is not valid UTF-8 (bad byte at offset {})",
            e.valid_up_to()
        ))
    })
}

fn too_long(what: &str, len: usize) -> TesseraError {
    TesseraError::invalid(&format!(
        "{what} is {len} bytes long; the limit is {MAX_INPUT_LEN} bytes (64 MiB)"
    ))
}

/// The engine behind a handle.
///
/// # Safety
///
/// `engine` is NULL or a live handle from `tessera_engine_compile`.
unsafe fn engine_ref<'a>(engine: *const TesseraEngine) -> Result<&'a TesseraEngine, TesseraError> {
    // SAFETY: NULL or a live handle per the caller; `as_ref` checks NULL.
    unsafe { engine.as_ref() }.ok_or_else(|| TesseraError::invalid("engine is NULL"))
}

// ---------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------

/// The ABI version this library implements; compare with `TESSERA_ABI_VERSION`.
#[unsafe(no_mangle)]
pub extern "C" fn tessera_abi_version() -> u32 {
    ABI_VERSION
}

/// The library's version, such as `"0.1.0"`: a static string, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn tessera_version() -> *const c_char {
    VERSION.as_ptr()
}

// ---------------------------------------------------------------------------
// Engines
// ---------------------------------------------------------------------------

/// Compiles `count` policy sources into a new engine stored in `*out`,
/// under the default limits.
///
/// # Safety
///
/// `sources` is NULL or points to `count` readable `TesseraSource`s whose
/// pointers are NULL or valid as the header describes; `out` and `err` are
/// NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_engine_compile(
    sources: *const TesseraSource,
    count: usize,
    out: *mut *mut TesseraEngine,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    // SAFETY: the caller's promises, passed on.
    unsafe { tessera_engine_compile_with_limits(sources, count, ptr::null(), 0, out, err) }
}

/// [`tessera_engine_compile`] under the limits in `limits_json` (a JSON
/// object `{"policy": {...}, "request": {...}}`, each field optional; NULL
/// for the defaults). The engine reads requests under its request limits.
///
/// # Safety
///
/// As [`tessera_engine_compile`]; `limits_json` is NULL or points to
/// `limits_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_engine_compile_with_limits(
    sources: *const TesseraSource,
    count: usize,
    limits_json: *const c_char,
    limits_len: usize,
    out: *mut *mut TesseraEngine,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let body = || {
        if out.is_null() {
            return Err(TesseraError::invalid("out is NULL"));
        }
        // SAFETY: non-NULL and writable per the caller.
        unsafe { put(out, ptr::null_mut()) };
        let limits = if limits_json.is_null() {
            tessera_core::Limits::default()
        } else {
            // SAFETY: non-NULL, `limits_len` readable bytes per the caller.
            let text = unsafe { bytes(limits_json, limits_len, "limits_json") }?;
            serde_json::from_slice(text).map_err(|e| {
                TesseraError::invalid(&format!(
                    "limits_json is not a limits object such as {{\"policy\": {{\"max_pattern_bytes\": 2048}}, \"request\": {{\"max_groups\": 100000}}}}: {e}"
                ))
            })?
        };
        if count > MAX_SOURCES {
            return Err(TesseraError::invalid(&format!(
                "count is {count}; the limit is {MAX_SOURCES} sources"
            )));
        }
        let sources: &[TesseraSource] = if count == 0 {
            &[]
        } else if sources.is_null() {
            return Err(TesseraError::invalid("sources is NULL"));
        } else {
            // SAFETY: non-NULL, `count` readable elements per the caller, and
            // `count` is small enough that the slice fits in isize::MAX bytes.
            unsafe { std::slice::from_raw_parts(sources, count) }
        };
        let mut checked = Vec::with_capacity(sources.len());
        for (i, source) in sources.iter().enumerate() {
            let what = format!("sources[{i}].name");
            // SAFETY: NULL or NUL-terminated per the caller, valid for this call.
            let name = unsafe { c_str(source.name, &what) }?;
            if name.len() > MAX_NAME_LEN {
                return Err(TesseraError::invalid(&format!(
                    "{what} is {} bytes long; the limit is {MAX_NAME_LEN} bytes",
                    name.len()
                )));
            }
            let what = format!("sources[{i}].text ({name})");
            // SAFETY: NULL or `text_len` readable bytes per the caller.
            let text = unsafe { bytes(source.text, source.text_len, &what) }?;
            checked.push(Source::new(name, utf8(text, &what)?));
        }
        let engine = tessera_core::Engine::compile_with(&checked, &limits)
            .map_err(|error| TesseraError::compile(&error))?;
        let handle = Box::into_raw(Box::new(TesseraEngine::new(engine)));
        // SAFETY: non-NULL (checked above) and writable per the caller.
        unsafe { put(out, handle) };
        Ok(())
    };
    // SAFETY: `err` is NULL or writable per the caller.
    unsafe { fenced(err, body) }
}

/// Compiles the load document every host reads
/// (`tessera::json::LoadDocument`: `{"sources": [{"name", "text"}],
/// "schema": [{"name", "text"}], "limits": {...}}`, `schema` and `limits`
/// optional) into a new engine stored in `*out`. With schema files the
/// policies are checked against the schema, and every request the engine
/// reads (JSON or struct) is too.
///
/// # Safety
///
/// `document` is NULL or points to `len` readable bytes; `out` and `err`
/// are NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_engine_compile_document(
    document: *const c_char,
    len: usize,
    out: *mut *mut TesseraEngine,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let body = || {
        if out.is_null() {
            return Err(TesseraError::invalid("out is NULL"));
        }
        // SAFETY: non-NULL and writable per the caller.
        unsafe { put(out, ptr::null_mut()) };
        // SAFETY: NULL or `len` readable bytes per the caller.
        let text = unsafe { bytes(document, len, "document") }?;
        let document: tessera_core::json::LoadDocument =
            serde_json::from_slice(text).map_err(|e| {
                TesseraError::invalid(&format!(
                    "document is not {{\"sources\": [{{\"name\": ..., \"text\": ...}}], \"schema\": [...], \"limits\": {{...}}}}: {e}"
                ))
            })?;
        let count = document.sources.len() + document.schema.len();
        if count > MAX_SOURCES {
            return Err(TesseraError::invalid(&format!(
                "the document holds {count} sources and schema files; the limit is {MAX_SOURCES}"
            )));
        }
        if let Some(long) = document
            .sources
            .iter()
            .chain(&document.schema)
            .find(|s| s.name.len() > MAX_NAME_LEN)
        {
            return Err(TesseraError::invalid(&format!(
                "a name is {} bytes long; the limit is {MAX_NAME_LEN} bytes",
                long.name.len()
            )));
        }
        let engine = document
            .compile()
            .map_err(|error| TesseraError::compile(&error))?;
        let handle = Box::into_raw(Box::new(TesseraEngine::new(engine)));
        // SAFETY: non-NULL (checked above) and writable per the caller.
        unsafe { put(out, handle) };
        Ok(())
    };
    // SAFETY: `err` is NULL or writable per the caller.
    unsafe { fenced(err, body) }
}

/// Frees an engine. NULL is ignored.
///
/// # Safety
///
/// `engine` is NULL or a handle from `tessera_engine_compile` not yet freed,
/// and no other thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_engine_free(engine: *mut TesseraEngine) {
    if engine.is_null() {
        return;
    }
    shielded((), || {
        // SAFETY: a live handle from `Box::into_raw` per the caller, freed once.
        drop(unsafe { Box::from_raw(engine) });
    });
}

/// Decides a JSON request; the answer is what `tessera::json::evaluate`
/// returns, byte for byte.
///
/// # Safety
///
/// `engine` is NULL or a live handle; `request` is NULL or valid for reading
/// `len` bytes; `out_json`, `out_len` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_engine_evaluate_json(
    engine: *const TesseraEngine,
    request: *const c_char,
    len: usize,
    explain: c_int,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    // SAFETY: the caller's guarantees are `evaluate_json_via`'s.
    unsafe {
        evaluate_json_via(
            engine,
            Via::Engine,
            request,
            len,
            explain,
            out_json,
            out_len,
            err,
        )
    }
}

/// Who decides: the engine alone, or the engine through an auditor that
/// records each decision.
#[derive(Debug, Clone, Copy)]
enum Via {
    Engine,
    Auditor(*const audit::TesseraAuditor),
}

impl Via {
    /// The auditor, checked, when there is one.
    ///
    /// # Safety
    ///
    /// An auditor pointer is NULL or a live handle.
    unsafe fn auditor<'a>(self) -> Result<Option<&'a audit::TesseraAuditor>, TesseraError> {
        match self {
            Via::Engine => Ok(None),
            // SAFETY: NULL or a live handle per the caller.
            Via::Auditor(auditor) => unsafe { audit::auditor_ref(auditor) }.map(Some),
        }
    }
}

/// The JSON entry points: `tessera::json::evaluate`, or
/// `tessera::json::evaluate_audited` through an auditor.
///
/// # Safety
///
/// `engine` is NULL or a live handle; `via` holds NULL or a live auditor;
/// `request` is NULL or valid for reading `len` bytes; `out_json`, `out_len`
/// and `err` are NULL or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn evaluate_json_via(
    engine: *const TesseraEngine,
    via: Via,
    request: *const c_char,
    len: usize,
    explain: c_int,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let body = || {
        if out_json.is_null() {
            return Err(TesseraError::invalid("out_json is NULL"));
        }
        // SAFETY: each is NULL (skipped) or writable per the caller.
        unsafe {
            put(out_json, ptr::null_mut());
            put(out_len, 0);
        }
        // SAFETY: NULL or a live handle per the caller.
        let engine = unsafe { engine_ref(engine) }?;
        // SAFETY: NULL or a live auditor per the caller.
        let auditor = unsafe { via.auditor() }?;
        // SAFETY: NULL or `len` readable bytes per the caller.
        let text = utf8(unsafe { bytes(request, len, "request") }?, "request")?;
        let answer = match auditor {
            None => tessera_core::json::answer(&engine.inner, text, explain != 0),
            Some(auditor) => tessera_core::json::answer_audited_at(
                &engine.inner,
                auditor.auditor(),
                text,
                explain != 0,
                chrono::Utc::now(),
            ),
        };
        // An error answer is handed to C both as the answer and as the
        // structured error, read from the typed answer (a decision that
        // cannot be serialized is an internal error, never TESSERA_OK).
        let (answer, error) = answer.to_json_checked();
        let error = error.as_ref().map(TesseraError::envelope);
        let answer_len = answer.len();
        let answer = CString::new(answer)
            .map_err(|_| TesseraError::internal("the answer held a NUL byte"))?;
        // SAFETY: each is NULL (skipped) or writable per the caller.
        unsafe {
            put(out_json, answer.into_raw());
            put(out_len, answer_len);
        }
        error.map_or(Ok(()), Err)
    };
    // SAFETY: `err` is NULL or writable per the caller.
    unsafe { fenced(err, body) }
}

/// Frees a string returned by this library. NULL is ignored.
///
/// # Safety
///
/// `text` is NULL or a string from `tessera_engine_evaluate_json`,
/// `tessera_engine_evaluate_json_audited` or `tessera_auditor_head` not yet
/// freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_string_free(text: *mut c_char) {
    if text.is_null() {
        return;
    }
    shielded((), || {
        // SAFETY: made by `CString::into_raw` per the caller, freed once.
        drop(unsafe { CString::from_raw(text) });
    });
}

/// Fills `request` from the C struct, checking it as `Request::from_json_with`
/// checks JSON under `limits` (the engine's): the same path rules
/// (`Resource::check_path`), the same address reading (an IPv4-mapped IPv6
/// address is the IPv4 address), the same limits (`Request::check_limits`). The strings already in `request`
/// are overwritten in place, so a request reused across calls allocates
/// nothing once its buffers have grown.
///
/// # Safety
///
/// Every pointer in `r` is NULL or valid as the header describes.
unsafe fn fill_request(
    r: &TesseraRequest,
    request: &mut Request,
    limits: &RequestLimits,
) -> Result<(), TesseraError> {
    // SAFETY: NULL or NUL-terminated per the caller.
    let principal = unsafe { c_str(r.principal, "request->principal") }?;
    // SAFETY: as above.
    let action = unsafe { c_str(r.action, "request->action") }?;
    // SAFETY: as above.
    let resource = unsafe { c_str(r.resource, "request->resource") }?;
    let empty = |field: &str| TesseraError::request_field(field, "may not be empty");
    if principal.is_empty() {
        return Err(empty("principal"));
    }
    if action.is_empty() {
        return Err(empty("action"));
    }
    if resource.is_empty() {
        return Err(empty("resource"));
    }
    Resource::check_path(resource, "resource").map_err(|e| TesseraError::request(&e))?;
    set_text(&mut request.principal.id, principal);
    set_text(&mut request.action, action);
    set_text(&mut request.resource.path, resource);
    request.principal.tags.clear();
    request.resource.tags.clear();
    request.context.attributes.clear();
    request.principal.groups.truncate(r.group_count);
    // Before the array is read: the count may be anything.
    limits
        .check_group_count(r.group_count)
        .map_err(|e| TesseraError::request(&e))?;
    if r.group_count > 0 {
        if r.groups.is_null() {
            return Err(TesseraError::invalid("request->groups is NULL"));
        }
        // SAFETY: non-NULL, `group_count` readable pointers per the caller,
        // and at most `limits.max_groups` of them (checked above).
        let groups = unsafe { std::slice::from_raw_parts(r.groups, r.group_count) };
        for (i, &group) in groups.iter().enumerate() {
            // SAFETY: NULL or NUL-terminated per the caller.
            let group = unsafe { c_str(group, "request->groups[]") }?;
            match request.principal.groups.get_mut(i) {
                Some(slot) => set_text(slot, group),
                None => request.principal.groups.push(group.to_string()),
            }
        }
    }
    let context = &mut request.context;
    context.source_ip = None;
    if !r.source_ip.is_null() {
        // SAFETY: non-NULL and NUL-terminated per the caller.
        let text = unsafe { c_str(r.source_ip, "request->source_ip") }?;
        let ip: std::net::IpAddr = text.parse().map_err(|_| {
            TesseraError::request_field("context.source_ip", "is not an IPv4 or IPv6 address")
        })?;
        context.source_ip = Some(ip.to_canonical());
    }
    context.mfa = match r.mfa {
        -1 => None,
        0 => Some(false),
        1 => Some(true),
        _ => {
            return Err(TesseraError::request_field(
                "context.mfa",
                "must be -1 (unknown), 0 or 1",
            ));
        }
    };
    context.mfa_age_seconds = match r.mfa_age_seconds {
        -1 => None,
        age if age >= 0 => Some(age),
        _ => {
            return Err(TesseraError::request_field(
                "context.mfa_age_seconds",
                "must be -1 (unknown) or a whole number of seconds, 0 or more",
            ));
        }
    };
    if r.version_stage.is_null() {
        context.version_stage = None;
    } else {
        // SAFETY: non-NULL and NUL-terminated per the caller.
        let stage = unsafe { c_str(r.version_stage, "request->version_stage") }?;
        match &mut context.version_stage {
            Some(slot) => set_text(slot, stage),
            None => context.version_stage = Some(stage.to_string()),
        }
    }
    context.time = None;
    if r.has_time != 0 {
        context.time = Some(chrono::DateTime::from_timestamp(r.time, 0).ok_or_else(|| {
            TesseraError::request_field(
                "context.time",
                "is out of the range of representable times",
            )
        })?);
    }
    request
        .check_limits(limits)
        .map_err(|e| TesseraError::request(&e))
}

/// Replaces `slot`'s text, reusing its buffer.
fn set_text(slot: &mut String, text: &str) {
    slot.clear();
    slot.push_str(text);
}

thread_local! {
    /// The request the fast path fills on this thread, kept between calls so
    /// that its buffers are reused.
    static FAST_PATH_REQUEST: std::cell::RefCell<Request> =
        std::cell::RefCell::new(Request::new("-", "-", "-"));
}

/// Decides a request given as a C struct.
///
/// # Safety
///
/// `engine` is NULL or a live handle; `request` is NULL or a readable
/// `TesseraRequest` whose pointers are valid as the header describes; `out`
/// and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_engine_decide(
    engine: *const TesseraEngine,
    request: *const TesseraRequest,
    out: *mut TesseraDecision,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    // SAFETY: the caller's guarantees are `decide_via`'s.
    unsafe { decide_via(engine, Via::Engine, request, out, err) }
}

/// The fast path: `Engine::decide`, or `Auditor::decide` through an auditor.
///
/// # Safety
///
/// `engine` is NULL or a live handle; `via` holds NULL or a live auditor;
/// `request` is NULL or a readable `TesseraRequest` whose pointers are valid
/// as the header describes; `out` and `err` are NULL or writable.
unsafe fn decide_via(
    engine: *const TesseraEngine,
    via: Via,
    request: *const TesseraRequest,
    out: *mut TesseraDecision,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let body = || {
        if out.is_null() {
            return Err(TesseraError::invalid("out is NULL"));
        }
        // SAFETY: non-NULL and writable per the caller. Fail closed: a
        // failed call leaves a deny behind.
        unsafe { put(out, TesseraDecision::default()) };
        // SAFETY: NULL or a live handle per the caller.
        let engine = unsafe { engine_ref(engine) }?;
        // SAFETY: NULL or a live auditor per the caller.
        let auditor = unsafe { via.auditor() }?;
        // SAFETY: NULL or a readable struct per the caller; `as_ref` checks NULL.
        let request =
            unsafe { request.as_ref() }.ok_or_else(|| TesseraError::invalid("request is NULL"))?;
        FAST_PATH_REQUEST.with(|cell| {
            let mut fresh;
            let mut borrowed = cell.try_borrow_mut();
            let scratch = match borrowed.as_deref_mut() {
                Ok(scratch) => scratch,
                // Only if a call re-entered on this thread (an audit
                // callback that decides): use a new request.
                Err(_) => {
                    fresh = Request::new("-", "-", "-");
                    &mut fresh
                }
            };
            // SAFETY: the struct's pointers are valid per the caller.
            unsafe { fill_request(request, scratch, &engine.inner.limits().request) }?;
            // The struct carries no custom attributes or tags: with a
            // schema, it fits unless the schema requires some.
            if let Some(schema) = engine.inner.schema() {
                schema
                    .check_request(scratch)
                    .map_err(|e| TesseraError::request(&e))?;
            }
            let decision = match auditor {
                None => engine.inner.decide(scratch),
                Some(auditor) => auditor.auditor().decide(&engine.inner, scratch),
            };
            // SAFETY: `out` was checked non-NULL above and is writable per the caller.
            unsafe { write_decision(engine, &decision, out) };
            Ok(())
        })
    };
    // SAFETY: `err` is NULL or writable per the caller.
    unsafe { fenced(err, body) }
}

/// Writes `decision` to `out` as the C decision, with the engine's names.
///
/// # Safety
///
/// `out` is non-NULL and writable.
unsafe fn write_decision(
    engine: &TesseraEngine,
    decision: &tessera_core::Decision<'_>,
    out: *mut TesseraDecision,
) {
    let (policy, statement) = decision
        .determining
        .first()
        .map_or((ptr::null(), ptr::null()), |s| {
            engine.c_names(s.policy, s.statement)
        });
    let decided = TesseraDecision {
        outcome: if decision.is_allowed() {
            Outcome::Allow
        } else {
            Outcome::Deny
        },
        reason: match decision.reason {
            CoreReason::Allowed => Reason::Allowed,
            CoreReason::ExplicitDeny => Reason::ExplicitDeny,
            CoreReason::NoStatementApplied => Reason::NoStatementApplied,
            CoreReason::AuditFailed => Reason::AuditFailed,
        },
        determining_count: decision.determining.len(),
        policy,
        statement,
    };
    // SAFETY: non-NULL and writable per this function's contract.
    unsafe { put(out, decided) };
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// The error behind a handle, or `None` for NULL.
///
/// # Safety
///
/// `err` is NULL or a live error handle.
unsafe fn error_ref<'a>(err: *const TesseraError) -> Option<&'a TesseraError> {
    // SAFETY: NULL or live per the caller; `as_ref` checks NULL.
    unsafe { err.as_ref() }
}

/// The error's code; `TESSERA_OK` for NULL.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_code(err: *const TesseraError) -> ErrorCode {
    shielded(ErrorCode::Internal, || {
        // SAFETY: NULL or live per the caller.
        unsafe { error_ref(err) }.map_or(ErrorCode::Ok, |e| e.code)
    })
}

/// The error's message, borrowed from the error; NULL for NULL.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_message(err: *const TesseraError) -> *const c_char {
    shielded(ptr::null(), || {
        // SAFETY: NULL or live per the caller.
        unsafe { error_ref(err) }.map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// The request field at fault (dotted, such as `context.source_ip`; empty
/// for the whole request), borrowed; NULL for other errors and for NULL.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_field(err: *const TesseraError) -> *const c_char {
    shielded(ptr::null(), || {
        // SAFETY: NULL or live per the caller.
        unsafe { error_ref(err) }
            .and_then(|e| e.field.as_ref())
            .map_or(ptr::null(), |f| f.as_ptr())
    })
}

/// The error as a JSON object (`{"error": {...}}`), borrowed; NULL for NULL.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_json(err: *const TesseraError) -> *const c_char {
    shielded(ptr::null(), || {
        // SAFETY: NULL or live per the caller.
        unsafe { error_ref(err) }.map_or(ptr::null(), |e| e.json.as_ptr())
    })
}

/// How many compile diagnostics the error holds; 0 for NULL.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_diagnostic_count(err: *const TesseraError) -> usize {
    shielded(0, || {
        // SAFETY: NULL or live per the caller.
        unsafe { error_ref(err) }.map_or(0, |e| e.diagnostics.len())
    })
}

/// Diagnostic `index`, or `None` for NULL or out of range.
///
/// # Safety
///
/// `err` is NULL or a live error.
unsafe fn diagnostic<'a>(err: *const TesseraError, index: usize) -> Option<&'a error::Diag> {
    // SAFETY: NULL or live per the caller.
    unsafe { error_ref(err) }.and_then(|e| e.diagnostics.get(index))
}

/// The file of diagnostic `index`, borrowed; NULL when out of range.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_diagnostic_file(
    err: *const TesseraError,
    index: usize,
) -> *const c_char {
    shielded(ptr::null(), || {
        // SAFETY: NULL or live per the caller.
        unsafe { diagnostic(err, index) }.map_or(ptr::null(), |d| d.file.as_ptr())
    })
}

/// The message of diagnostic `index`, borrowed; NULL when out of range.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_diagnostic_message(
    err: *const TesseraError,
    index: usize,
) -> *const c_char {
    shielded(ptr::null(), || {
        // SAFETY: NULL or live per the caller.
        unsafe { diagnostic(err, index) }.map_or(ptr::null(), |d| d.message.as_ptr())
    })
}

/// The code (`syntax`, `unknown-key`, ...) of diagnostic `index`, borrowed;
/// NULL when out of range.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_diagnostic_code(
    err: *const TesseraError,
    index: usize,
) -> *const c_char {
    shielded(ptr::null(), || {
        // SAFETY: NULL or live per the caller.
        unsafe { diagnostic(err, index) }.map_or(ptr::null(), |d| d.code.as_ptr())
    })
}

/// The line (from 1) of diagnostic `index`; 0 when out of range.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_diagnostic_line(
    err: *const TesseraError,
    index: usize,
) -> usize {
    shielded(0, || {
        // SAFETY: NULL or live per the caller.
        unsafe { diagnostic(err, index) }.map_or(0, |d| d.line)
    })
}

/// The column (from 1, in characters) of diagnostic `index`; 0 when out of range.
///
/// # Safety
///
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_diagnostic_column(
    err: *const TesseraError,
    index: usize,
) -> usize {
    shielded(0, || {
        // SAFETY: NULL or live per the caller.
        unsafe { diagnostic(err, index) }.map_or(0, |d| d.column)
    })
}

/// Frees an error. NULL is ignored.
///
/// # Safety
///
/// `err` is NULL or an error from this library not yet freed, and no other
/// thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_error_free(err: *mut TesseraError) {
    if err.is_null() {
        return;
    }
    shielded((), || {
        // SAFETY: made by `Box::into_raw` in `fenced` per the caller, freed once.
        drop(unsafe { Box::from_raw(err) });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_package_version() {
        // SAFETY: `tessera_version` returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(tessera_version()) };
        assert_eq!(version.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
        assert_eq!(tessera_abi_version(), ABI_VERSION);
    }

    /// The default request limits, which the header states
    /// (`TESSERA_MAX_GROUPS` and the others under "Request limits").
    const LIMITS: RequestLimits = RequestLimits::DEFAULT;

    /// A request struct for `fill_request`, its strings kept alive by the caller.
    fn c_request(principal: &CStr, resource: &CStr) -> TesseraRequest {
        TesseraRequest {
            principal: principal.as_ptr(),
            groups: ptr::null(),
            group_count: 0,
            action: c"secrets:GetSecretValue".as_ptr(),
            resource: resource.as_ptr(),
            source_ip: ptr::null(),
            mfa: -1,
            mfa_age_seconds: -1,
            version_stage: ptr::null(),
            time: 0,
            has_time: 0,
        }
    }

    /// `fill_request`'s error as (field, JSON), or `None` on success.
    fn fill(r: &TesseraRequest) -> Option<(String, String)> {
        let mut request = Request::new("-", "-", "-");
        // SAFETY: every pointer in `r` is NULL or a live C string of the caller's.
        let result = unsafe { fill_request(r, &mut request, &LIMITS) };
        result.err().map(|e| {
            let field = e
                .field
                .as_ref()
                .map_or(String::new(), |f| f.to_string_lossy().into_owned());
            (field, e.json.to_string_lossy().into_owned())
        })
    }

    /// The JSON path's error answer for `text`.
    fn json_error(text: &str) -> String {
        match Request::from_json(text) {
            Ok(request) => format!("accepted: {request:?}"),
            Err(e) => tessera_core::json::request_error(&e).to_string(),
        }
    }

    #[test]
    fn the_struct_path_refuses_what_the_json_path_refuses_alike() {
        // Too many groups: the count is refused before the array is read,
        // with the JSON path's error.
        let r = TesseraRequest {
            groups: ptr::NonNull::dangling().as_ptr(),
            group_count: LIMITS.max_groups + 1,
            ..c_request(c"user:a", c"prod/x")
        };
        let groups = vec![r#""g""#; LIMITS.max_groups + 1].join(",");
        let (field, json) = fill(&r).unwrap_or_default();
        assert_eq!(field, "principal.groups");
        assert_eq!(
            json,
            json_error(&format!(
                r#"{{"principal": {{"id": "u", "groups": [{groups}]}}, "action": "a", "resource": "r"}}"#
            ))
        );
        let r = TesseraRequest {
            group_count: usize::MAX,
            ..r
        };
        assert_eq!(fill(&r).unwrap_or_default().0, "principal.groups");
        // Paths: the same rules and messages.
        for path in [
            "prod/../dev",
            "prod//x",
            "/prod",
            "prod/",
            "prod/a\\nb",
            "prod/\\u001b",
        ] {
            let text = format!(r#"{{"principal": "u", "action": "a", "resource": "{path}"}}"#);
            let c_path = CString::new(
                serde_json::from_str::<String>(&format!("\"{path}\"")).unwrap_or_default(),
            )
            .unwrap_or_default();
            let (field, json) = fill(&c_request(c"u", &c_path)).unwrap_or_default();
            assert_eq!(field, "resource", "{path}");
            assert_eq!(json, json_error(&text), "{path}");
        }
        let long = CString::new("p".repeat(LIMITS.max_path_bytes + 1)).unwrap_or_default();
        assert_eq!(
            fill(&c_request(c"u", &long)).unwrap_or_default().0,
            "resource.path"
        );
        let long = CString::new("u".repeat(LIMITS.max_value_bytes + 1)).unwrap_or_default();
        assert_eq!(
            fill(&c_request(&long, c"p")).unwrap_or_default().0,
            "principal.id"
        );
        assert_eq!(fill(&c_request(c"u", c"prod/x")), None);
    }

    #[test]
    fn an_ipv4_mapped_source_ip_is_read_as_ipv4() {
        let mut request = Request::new("-", "-", "-");
        for (text, read) in [("::ffff:10.0.0.1", "10.0.0.1"), ("fd00::1", "fd00::1")] {
            let text = CString::new(text).unwrap_or_default();
            let r = TesseraRequest {
                source_ip: text.as_ptr(),
                ..c_request(c"u", c"prod/x")
            };
            // SAFETY: every pointer in `r` is NULL or a live C string.
            let result = unsafe { fill_request(&r, &mut request, &LIMITS) };
            assert!(result.is_ok());
            assert_eq!(request.context.source_ip, read.parse().ok());
        }
        let zone = c"fe80::1%eth0";
        let r = TesseraRequest {
            source_ip: zone.as_ptr(),
            ..c_request(c"u", c"prod/x")
        };
        assert_eq!(fill(&r).unwrap_or_default().0, "context.source_ip");
    }

    #[test]
    fn the_header_states_the_request_limits() {
        let header = include_str!("../include/tessera.h");
        for line in [
            format!("#define TESSERA_MAX_GROUPS ((size_t){})", LIMITS.max_groups),
            format!(
                "#define TESSERA_MAX_REQUEST_JSON_LEN ((size_t){})",
                LIMITS.max_bytes
            ),
            format!(
                "#define TESSERA_MAX_PATH_LEN ((size_t){})",
                LIMITS.max_path_bytes
            ),
            format!(
                "#define TESSERA_MAX_PATH_SEGMENTS ((size_t){})",
                LIMITS.max_path_segments
            ),
            format!(
                "#define TESSERA_MAX_VALUE_LEN ((size_t){})",
                LIMITS.max_value_bytes
            ),
            format!("#define TESSERA_MAX_TAGS ((size_t){})", LIMITS.max_tags),
            format!(
                "#define TESSERA_MAX_ATTRIBUTES ((size_t){})",
                LIMITS.max_attributes
            ),
            format!("#define TESSERA_MAX_SOURCES ((size_t){MAX_SOURCES})"),
            format!("#define TESSERA_MAX_NAME_LEN ((size_t){MAX_NAME_LEN})"),
        ] {
            assert!(header.contains(&line), "the header lacks {line}");
        }
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let mut err: *mut TesseraError = ptr::null_mut();
        // SAFETY: `err` is a valid place for one pointer.
        #[allow(clippy::panic)]
        let code = unsafe { fenced(&mut err, || panic!("boom")) };
        assert_eq!(code, ErrorCode::Internal);
        // SAFETY: `err` was set by `fenced`.
        let message = unsafe { CStr::from_ptr(tessera_error_message(err)) };
        assert!(message.to_string_lossy().contains("boom"));
        // SAFETY: `err` is live and freed once.
        unsafe { tessera_error_free(err) };
    }
}

#[cfg(test)]
mod miri_tests;
