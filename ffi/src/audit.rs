//! Auditors (`tessera_auditor_t`): every decision made through one is
//! recorded by `tessera::audit` (one masked, hash-chained JSON line) to an
//! audit file or to a callback of the host's.
//!
//! The header documents each function; `evaluator/AUDIT.md` documents the
//! record, masking, the modes and the chain.

use crate::error::TesseraError;
use crate::{
    ErrorCode, TesseraDecision, TesseraEngine, TesseraRequest, Via, bytes, c_str, decide_via,
    evaluate_json_via, fenced, put, shielded,
};
use std::ffi::{CString, c_char, c_int, c_void};
use std::ptr;
use tessera_core::audit::{
    AuditConfig, Auditor, CallbackSink, ChainHead, Durability, FileSink, Mode,
};
use tessera_core::json::{AuditOptions, SelectorList};

/// The most selectors one array of `tessera_audit_options_t` may hold.
const MAX_SELECTORS: usize = 1 << 16;

/// The largest `next_seq` a chain continues from (2^63 - 1): no chain
/// reaches it (at a billion records a second, in 292 years), so a larger one
/// is a mistake, such as a negative number passed as `uint64_t`; and the
/// chain's `seq` never comes near overflowing.
const MAX_NEXT_SEQ: u64 = u64::MAX >> 1;

/// The record buffer a callback auditor keeps between calls; a larger one
/// (left by a huge record) is given back after the call.
const KEPT_RECORD_BUFFER: usize = 1 << 20;

/// An auditor's options (`tessera_audit_options_t`). NULL options are
/// [`TesseraAuditOptions::default`].
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TesseraAuditOptions {
    /// `TESSERA_AUDIT_BLOCKING` (0) or `TESSERA_AUDIT_BEST_EFFORT` (1): a
    /// `tessera_audit_mode_t` in C, read as an int and checked.
    pub mode: c_int,
    /// Non-zero: write and `fdatasync` every record (file auditors only).
    pub fsync: c_int,
    /// The capacity, in records, of a background writer's queue; 0 for
    /// none (the deciding thread writes). Best-effort mode only.
    pub background: usize,
    /// The HMAC key, `key_len` bytes; NULL (with `key_len` 0) for none.
    pub key: *const c_void,
    /// Length of `key` in bytes.
    pub key_len: usize,
    /// `mask_field_count` NUL-terminated selectors of fields to mask.
    pub mask_fields: *const *const c_char,
    /// Number of `mask_fields`.
    pub mask_field_count: usize,
    /// `drop_field_count` NUL-terminated selectors of fields to leave out.
    pub drop_fields: *const *const c_char,
    /// Number of `drop_fields`.
    pub drop_field_count: usize,
}

impl Default for TesseraAuditOptions {
    /// `TESSERA_AUDIT_OPTIONS_INIT`: blocking, buffered, written by the
    /// deciding thread, no key, default masking only.
    fn default() -> TesseraAuditOptions {
        TesseraAuditOptions {
            mode: 0,
            fsync: 0,
            background: 0,
            key: ptr::null(),
            key_len: 0,
            mask_fields: ptr::null(),
            mask_field_count: 0,
            drop_fields: ptr::null(),
            drop_field_count: 0,
        }
    }
}

/// The host's record function (`tessera_audit_callback_t`): returns 0 when
/// it took the record, anything else when it could not.
pub type AuditCallback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, record: *const c_char, len: usize) -> c_int,
>;

/// An auditor (`tessera_auditor_t`). `Send + Sync`: threads share one.
#[derive(Debug)]
pub struct TesseraAuditor {
    inner: Auditor,
}

impl TesseraAuditor {
    /// The wrapped auditor.
    pub fn auditor(&self) -> &Auditor {
        &self.inner
    }
}

/// The auditor behind a handle.
///
/// # Safety
///
/// `auditor` is NULL or a live handle from `tessera_auditor_open_file`,
/// `tessera_auditor_new_callback` or
/// `tessera_auditor_new_callback_continuing`.
pub(crate) unsafe fn auditor_ref<'a>(
    auditor: *const TesseraAuditor,
) -> Result<&'a TesseraAuditor, TesseraError> {
    // SAFETY: NULL or a live handle per the caller; `as_ref` checks NULL.
    unsafe { auditor.as_ref() }.ok_or_else(|| TesseraError::invalid("auditor is NULL"))
}

/// The options, checked and turned into a configuration; `fsync` apart.
struct Settings {
    config: AuditConfig,
    fsync: bool,
}

/// Reads and checks `options` (NULL: the defaults).
///
/// # Safety
///
/// `options` is NULL or a readable struct whose pointers are valid as the
/// header describes.
unsafe fn settings(options: *const TesseraAuditOptions) -> Result<Settings, TesseraError> {
    let defaults = TesseraAuditOptions::default();
    // SAFETY: NULL or readable per the caller; `as_ref` checks NULL.
    let options = unsafe { options.as_ref() }.unwrap_or(&defaults);
    let mode = match options.mode {
        0 => Mode::Blocking,
        1 => Mode::BestEffort,
        other => {
            return Err(TesseraError::invalid(&format!(
                "options->mode is {other}; use TESSERA_AUDIT_BLOCKING (0) or \
                 TESSERA_AUDIT_BEST_EFFORT (1)"
            )));
        }
    };
    let mut read = AuditOptions {
        mode,
        ..AuditOptions::default()
    };
    if options.background > 0 {
        if read.mode == Mode::Blocking {
            return Err(TesseraError::invalid(
                "options->background needs TESSERA_AUDIT_BEST_EFFORT: in blocking mode a \
                 decision must know that its record was written",
            ));
        }
        read.background = Some(options.background);
    }
    // The key's bytes never reach a message: only its length does.
    match (options.key.is_null(), options.key_len) {
        (true, 0) => {}
        (true, len) => {
            return Err(TesseraError::invalid(&format!(
                "options->key is NULL but options->key_len is {len}"
            )));
        }
        (false, 0) => {
            return Err(TesseraError::invalid(
                "options->key_len is 0: an empty HMAC key protects nothing; pass a NULL key \
                 for records chained without one",
            ));
        }
        (false, len) => {
            // SAFETY: non-NULL and `len` readable bytes per the caller.
            let key = unsafe { bytes(options.key.cast(), len, "options->key") }?;
            read.key = Some(key.to_vec());
        }
    }
    // SAFETY: NULL or `count` readable pointers per the caller.
    let mask = unsafe { selectors(options.mask_fields, options.mask_field_count, "mask_field") }?;
    // SAFETY: as above.
    let drop = unsafe { selectors(options.drop_fields, options.drop_field_count, "drop_field") }?;
    read.mask = mask.iter().map(|(_, s)| (*s).to_string()).collect();
    read.drop = drop.iter().map(|(_, s)| (*s).to_string()).collect();
    let config = read.config().map_err(|e| {
        let names = match e.list {
            SelectorList::Mask => &mask,
            SelectorList::Drop => &drop,
        };
        let name = names.get(e.index).map(|(name, _)| name.as_str());
        TesseraError::audit(&e.error, name)
    })?;
    Ok(Settings {
        config,
        fsync: options.fsync != 0,
    })
}

/// The selectors of one options array, each with the name of its slot
/// (`options->mask_fields[2]`) for messages.
///
/// # Safety
///
/// `array` is NULL or valid for reading `count` pointers, each NULL or
/// NUL-terminated, valid for `'a`.
unsafe fn selectors<'a>(
    array: *const *const c_char,
    count: usize,
    what: &str,
) -> Result<Vec<(String, &'a str)>, TesseraError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if count > MAX_SELECTORS {
        return Err(TesseraError::invalid(&format!(
            "options->{what}_count is {count}; the limit is {MAX_SELECTORS}"
        )));
    }
    if array.is_null() {
        return Err(TesseraError::invalid(&format!(
            "options->{what}s is NULL but options->{what}_count is {count}"
        )));
    }
    // SAFETY: non-NULL, `count` readable pointers per the caller, and at
    // most MAX_SELECTORS of them.
    let pointers = unsafe { std::slice::from_raw_parts(array, count) };
    let mut out = Vec::with_capacity(count);
    for (i, &pointer) in pointers.iter().enumerate() {
        let name = format!("options->{what}s[{i}]");
        // SAFETY: NULL or NUL-terminated per the caller.
        let selector = unsafe { c_str(pointer, &name) }?;
        out.push((name, selector));
    }
    Ok(out)
}

/// Makes an auditor with `make` and stores it in `*out`.
///
/// # Safety
///
/// `out` and `err` are NULL or valid for writing one pointer.
unsafe fn new_auditor(
    out: *mut *mut TesseraAuditor,
    err: *mut *mut TesseraError,
    make: impl FnOnce() -> Result<Auditor, TesseraError>,
) -> ErrorCode {
    let body = || {
        if out.is_null() {
            return Err(TesseraError::invalid("out is NULL"));
        }
        // SAFETY: non-NULL and writable per the caller.
        unsafe { put(out, ptr::null_mut()) };
        let handle = Box::into_raw(Box::new(TesseraAuditor { inner: make()? }));
        // SAFETY: non-NULL (checked above) and writable per the caller.
        unsafe { put(out, handle) };
        Ok(())
    };
    // SAFETY: `err` is NULL or writable per the caller.
    unsafe { fenced(err, body) }
}

/// Opens (or creates) an audit file and makes an auditor appending to it.
///
/// # Safety
///
/// `path` is NULL or NUL-terminated; `options` is NULL or a readable struct
/// valid as the header describes; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_open_file(
    path: *const c_char,
    options: *const TesseraAuditOptions,
    out: *mut *mut TesseraAuditor,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let make = || {
        // SAFETY: NULL or NUL-terminated per the caller, valid for this call.
        let path = unsafe { c_str(path, "path") }?;
        if path.is_empty() {
            return Err(TesseraError::invalid("path is empty"));
        }
        // Checked before the file is opened: bad options create no file.
        // SAFETY: NULL or valid per the caller.
        let settings = unsafe { settings(options) }?;
        let durability = if settings.fsync {
            Durability::FsyncEach
        } else {
            Durability::Buffered
        };
        let sink = FileSink::open(path, durability).map_err(|e| TesseraError::audit(&e, None))?;
        Auditor::new(sink, &settings.config).map_err(|e| TesseraError::audit(&e, None))
    };
    // SAFETY: `out` and `err` are NULL or writable per the caller.
    unsafe { new_auditor(out, err, make) }
}

/// The host's function and its argument, called with each record.
struct HostCallback {
    callback: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> c_int,
    user_data: *mut c_void,
    /// The record and its NUL, reused between calls.
    record: Vec<u8>,
}

// SAFETY: the header requires the callback, with its `user_data`, to be
// callable from any thread; the auditor calls it one call at a time (under
// its lock), and it is the only user of `record`.
unsafe impl Send for HostCallback {}

impl HostCallback {
    fn call(&mut self, line: &str) -> Result<(), String> {
        self.record.clear();
        self.record.extend_from_slice(line.as_bytes());
        self.record.push(0);
        // SAFETY: the host's function, called as the header describes:
        // `record` holds `line.len()` bytes of UTF-8 (JSON text, so no NUL)
        // and a NUL, and stays valid and unchanged during the call.
        let status =
            unsafe { (self.callback)(self.user_data, self.record.as_ptr().cast(), line.len()) };
        if self.record.capacity() > KEPT_RECORD_BUFFER {
            self.record = Vec::new();
        }
        // The message says what the host answered, never what the record held.
        match status {
            0 => Ok(()),
            status => Err(format!("the callback returned {status}")),
        }
    }
}

/// The chain head a host passed in (`next_seq`, `prev`), checked: a `prev`
/// of the form of a mac, and a `seq` that agrees with it. Whether the key
/// scheme matches the options is `Auditor::new`'s check (`chain_mismatch`,
/// as for files); whether the head is the log's true end, only `verify` on
/// the host's log can tell.
///
/// # Safety
///
/// `prev` is NULL or NUL-terminated, valid for this call.
unsafe fn host_head(next_seq: u64, prev: *const c_char) -> Result<ChainHead, TesseraError> {
    // SAFETY: NULL or NUL-terminated per the caller.
    let prev = unsafe { c_str(prev, "prev") }?;
    let head = ChainHead {
        next_seq,
        prev: prev.to_string(),
    };
    // The text is not quoted back: only its length, which shows a newline
    // left by the host's reading.
    if !head.is_well_formed() {
        return Err(TesseraError::invalid(&format!(
            "prev is not a mac ({} bytes): it must be `sha256:` or `hmac-sha256:` and 64 \
             lowercase hex digits, as tessera_auditor_head() gives it",
            prev.len()
        )));
    }
    let genesis = ChainHead::genesis(head.is_keyed()).prev;
    if next_seq == 0 && head.prev != genesis {
        return Err(TesseraError::invalid(
            "next_seq is 0 but prev is not the genesis value: a chain's first record links \
             to 64 zeros; pass the next_seq tessera_auditor_head() gave with its prev",
        ));
    }
    if next_seq != 0 && head.prev == genesis {
        return Err(TesseraError::invalid(&format!(
            "next_seq is {next_seq} but prev is the genesis value, which only seq 0 links \
             to; pass the prev tessera_auditor_head() gave with its next_seq"
        )));
    }
    if next_seq > MAX_NEXT_SEQ {
        return Err(TesseraError::invalid(&format!(
            "next_seq is {next_seq}; a chain's seqs stay below 2^63 (a negative number \
             passed as uint64_t?)"
        )));
    }
    Ok(head)
}

/// Makes an auditor that hands each record to `callback`, starting a new
/// chain (`head` NULL) or continuing the host's from `(next_seq, prev)`.
///
/// # Safety
///
/// As [`tessera_auditor_new_callback_continuing`]; `head`'s `prev` is NULL
/// or NUL-terminated.
unsafe fn new_callback_auditor(
    callback: AuditCallback,
    user_data: *mut c_void,
    options: *const TesseraAuditOptions,
    head: Option<(u64, *const c_char)>,
    out: *mut *mut TesseraAuditor,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let make = || {
        let callback = callback.ok_or_else(|| TesseraError::invalid("callback is NULL"))?;
        // SAFETY: NULL or valid per the caller.
        let settings = unsafe { settings(options) }?;
        if settings.fsync {
            return Err(TesseraError::invalid(
                "options->fsync is for file auditors; a callback auditor's records are as \
                 durable as the callback makes them",
            ));
        }
        let head = match head {
            // SAFETY: NULL or NUL-terminated per the caller.
            Some((next_seq, prev)) => Some(unsafe { host_head(next_seq, prev) }?),
            None => None,
        };
        let mut host = HostCallback {
            callback,
            user_data,
            record: Vec::with_capacity(1024),
        };
        let mut sink = CallbackSink::new(move |line: &str| host.call(line));
        if let Some(head) = head {
            sink = sink.continuing(head);
        }
        Auditor::new(sink, &settings.config).map_err(|e| TesseraError::audit(&e, None))
    };
    // SAFETY: `out` and `err` are NULL or writable per the caller.
    unsafe { new_auditor(out, err, make) }
}

/// Makes an auditor that hands each record to `callback`, in a new chain.
///
/// # Safety
///
/// `callback` is NULL or a function callable as the header describes, with
/// `user_data`, from any thread; `options` is NULL or a readable struct
/// valid as the header describes; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_new_callback(
    callback: AuditCallback,
    user_data: *mut c_void,
    options: *const TesseraAuditOptions,
    out: *mut *mut TesseraAuditor,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    // SAFETY: the caller's guarantees are `new_callback_auditor`'s.
    unsafe { new_callback_auditor(callback, user_data, options, None, out, err) }
}

/// Makes an auditor that hands each record to `callback`, continuing the
/// host's chain from the head `tessera_auditor_head` gave: the first record
/// takes `seq` `next_seq` and links to `prev`.
///
/// # Safety
///
/// As [`tessera_auditor_new_callback`]; `prev` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_new_callback_continuing(
    callback: AuditCallback,
    user_data: *mut c_void,
    options: *const TesseraAuditOptions,
    next_seq: u64,
    prev: *const c_char,
    out: *mut *mut TesseraAuditor,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    // SAFETY: the caller's guarantees are `new_callback_auditor`'s.
    unsafe {
        new_callback_auditor(
            callback,
            user_data,
            options,
            Some((next_seq, prev)),
            out,
            err,
        )
    }
}

/// [`crate::tessera_engine_evaluate_json`] with the decision recorded by
/// `auditor`: the answer is what `tessera::json::evaluate_audited` returns.
///
/// # Safety
///
/// `engine` and `auditor` are NULL or live handles; `request` is NULL or
/// valid for reading `len` bytes; `out_json`, `out_len` and `err` are NULL
/// or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tessera_engine_evaluate_json_audited(
    engine: *const TesseraEngine,
    auditor: *mut TesseraAuditor,
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
            Via::Auditor(auditor),
            request,
            len,
            explain,
            out_json,
            out_len,
            err,
        )
    }
}

/// [`crate::tessera_engine_decide`] with the decision recorded by `auditor`
/// (`Auditor::decide`).
///
/// # Safety
///
/// `engine` and `auditor` are NULL or live handles; `request` is NULL or a
/// readable `TesseraRequest` whose pointers are valid as the header
/// describes; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_engine_decide_audited(
    engine: *const TesseraEngine,
    auditor: *mut TesseraAuditor,
    request: *const TesseraRequest,
    out: *mut TesseraDecision,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    // SAFETY: the caller's guarantees are `decide_via`'s.
    unsafe { decide_via(engine, Via::Auditor(auditor), request, out, err) }
}

/// Writes out every record taken so far.
///
/// # Safety
///
/// `auditor` is NULL or a live handle; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_flush(
    auditor: *mut TesseraAuditor,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let body = || {
        // SAFETY: NULL or a live handle per the caller.
        let auditor = unsafe { auditor_ref(auditor) }?;
        auditor
            .inner
            .flush()
            .map_err(|e| TesseraError::audit(&e, None))
    };
    // SAFETY: `err` is NULL or writable per the caller.
    unsafe { fenced(err, body) }
}

/// How many records (or flushes) failed; 0 for NULL.
///
/// # Safety
///
/// `auditor` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_failures(auditor: *const TesseraAuditor) -> u64 {
    shielded(0, || {
        // SAFETY: NULL or a live handle per the caller.
        unsafe { auditor_ref(auditor) }.map_or(0, |a| a.inner.failures())
    })
}

/// The latest failure as a new error, or NULL when there was none (or for
/// NULL).
///
/// # Safety
///
/// `auditor` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_last_failure(
    auditor: *const TesseraAuditor,
) -> *mut TesseraError {
    shielded(ptr::null_mut(), || {
        // SAFETY: NULL or a live handle per the caller.
        let failure = unsafe { auditor_ref(auditor) }
            .ok()
            .and_then(|a| a.inner.last_failure());
        failure.map_or(ptr::null_mut(), |e| {
            Box::into_raw(Box::new(TesseraError::audit(&e, None)))
        })
    })
}

/// Where the chain stands: the next `seq`, and the last record's `mac`.
///
/// # Safety
///
/// `auditor` is NULL or a live handle; `out_next_seq`, `out_prev` and `err`
/// are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_head(
    auditor: *const TesseraAuditor,
    out_next_seq: *mut u64,
    out_prev: *mut *mut c_char,
    err: *mut *mut TesseraError,
) -> ErrorCode {
    let body = || {
        // SAFETY: each is NULL (skipped) or writable per the caller.
        unsafe {
            put(out_next_seq, 0);
            put(out_prev, ptr::null_mut());
        }
        if out_next_seq.is_null() {
            return Err(TesseraError::invalid("out_next_seq is NULL"));
        }
        // SAFETY: NULL or a live handle per the caller.
        let auditor = unsafe { auditor_ref(auditor) }?;
        let head = auditor.inner.head();
        if !out_prev.is_null() {
            let prev = CString::new(head.prev)
                .map_err(|_| TesseraError::internal("the chain's mac held a NUL byte"))?;
            // SAFETY: non-NULL and writable per the caller.
            unsafe { put(out_prev, prev.into_raw()) };
        }
        // SAFETY: non-NULL (checked above) and writable per the caller.
        unsafe { put(out_next_seq, head.next_seq) };
        Ok(())
    };
    // SAFETY: `err` is NULL or writable per the caller.
    unsafe { fenced(err, body) }
}

/// Frees an auditor, writing out what it buffered first. NULL is ignored.
///
/// # Safety
///
/// `auditor` is NULL or a handle not yet freed, and no other thread is
/// using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tessera_auditor_free(auditor: *mut TesseraAuditor) {
    if auditor.is_null() {
        return;
    }
    shielded((), || {
        // SAFETY: a live handle from `Box::into_raw` per the caller, freed once.
        drop(unsafe { Box::from_raw(auditor) });
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::ffi::CStr;

    fn message(err: *const TesseraError) -> String {
        // SAFETY: a live error from this library.
        unsafe { CStr::from_ptr(crate::tessera_error_message(err)) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_key_never_reaches_an_error() {
        let key = b"hunter2-the-audit-key";
        let selectors = [c"context.ticket".as_ptr(), c"contxt.token".as_ptr()];
        let options = TesseraAuditOptions {
            key: key.as_ptr().cast(),
            key_len: key.len(),
            mask_fields: selectors.as_ptr(),
            mask_field_count: selectors.len(),
            ..TesseraAuditOptions::default()
        };
        let mut auditor = ptr::null_mut();
        let mut err = ptr::null_mut();
        extern "C" fn ok(_: *mut c_void, _: *const c_char, _: usize) -> c_int {
            0
        }
        // SAFETY: every pointer is valid for the call.
        let code = unsafe {
            tessera_auditor_new_callback(
                Some(ok),
                ptr::null_mut(),
                &options,
                &mut auditor,
                &mut err,
            )
        };
        assert_eq!(code, ErrorCode::InvalidArgument);
        assert!(auditor.is_null());
        let text = message(err);
        assert!(text.starts_with("options->mask_fields[1]: "), "{text}");
        assert!(text.contains("did you mean `context.token`?"), "{text}");
        assert!(!text.contains("hunter2"));
        // SAFETY: live and freed once.
        unsafe { crate::tessera_error_free(err) };
    }

    #[test]
    fn the_options_struct_has_the_header_layout() {
        // The header's tessera_audit_options_t on LP64 targets.
        if size_of::<usize>() == 8 {
            assert_eq!(size_of::<TesseraAuditOptions>(), 64);
            assert_eq!(std::mem::offset_of!(TesseraAuditOptions, fsync), 4);
            assert_eq!(std::mem::offset_of!(TesseraAuditOptions, background), 8);
            assert_eq!(std::mem::offset_of!(TesseraAuditOptions, key), 16);
            assert_eq!(
                std::mem::offset_of!(TesseraAuditOptions, drop_field_count),
                56
            );
        }
    }
}
