//! The C entry points called from Rust, as a C host calls them, with small
//! policies: written for Miri (`cargo +nightly miri test -p tessera-ffi
//! --lib`), which checks every pointer the library reads, writes, lends and
//! frees on these paths. The C programs in `tests/c/` cover the same ground
//! from C (under valgrind), where Miri cannot go.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::audit::{
    TesseraAuditOptions, TesseraAuditor, tessera_auditor_failures, tessera_auditor_flush,
    tessera_auditor_free, tessera_auditor_head, tessera_auditor_last_failure,
    tessera_auditor_new_callback, tessera_engine_decide_audited,
    tessera_engine_evaluate_json_audited,
};
use std::ffi::c_void;

const POLICY: &str = r#"policy "p" {
  allow "read" { principal service:* action secrets:Get* resource prod/** }
  deny "night" { principal * action * resource prod/db/** when { time_of_day >= 22:00 } }
}"#;

const REQUEST: &str = r#"{"principal": "service:api", "action": "secrets:GetSecretValue",
  "resource": "prod/api/key", "context": {"time": "2026-11-25T10:00:00Z"}}"#;

/// Reads a borrowed, NUL-terminated string from the library.
fn text(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: a non-NULL string the library lent, NUL-terminated.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
}

/// Compiles `sources` (name, text) through the C entry point.
fn compile(sources: &[(&CStr, &[u8])]) -> (ErrorCode, *mut TesseraEngine, *mut TesseraError) {
    let sources: Vec<TesseraSource> = sources
        .iter()
        .map(|(name, text)| TesseraSource {
            name: name.as_ptr(),
            text: text.as_ptr().cast(),
            text_len: text.len(),
        })
        .collect();
    let mut engine = ptr::dangling_mut();
    let mut err = ptr::dangling_mut();
    // SAFETY: `sources` holds valid sources for the call; outputs writable.
    let code =
        unsafe { tessera_engine_compile(sources.as_ptr(), sources.len(), &mut engine, &mut err) };
    (code, engine, err)
}

fn engine() -> *mut TesseraEngine {
    let (code, engine, err) = compile(&[(c"p.policy", POLICY.as_bytes())]);
    assert_eq!(code, ErrorCode::Ok);
    assert!(err.is_null());
    engine
}

/// Decides `request` as JSON; the code and the answer (freed here).
fn evaluate(
    engine: *const TesseraEngine,
    request: &[u8],
    explain: c_int,
) -> (ErrorCode, Option<String>, *mut TesseraError) {
    let mut out = ptr::dangling_mut();
    let mut len = usize::MAX;
    let mut err = ptr::dangling_mut();
    // SAFETY: `request` holds `len` bytes; the outputs are writable.
    let code = unsafe {
        tessera_engine_evaluate_json(
            engine,
            request.as_ptr().cast(),
            request.len(),
            explain,
            &mut out,
            &mut len,
            &mut err,
        )
    };
    if out.is_null() {
        assert_eq!(len, 0);
        return (code, None, err);
    }
    let answer = text(out);
    assert_eq!(answer.len(), len);
    // SAFETY: returned by the library, freed once.
    unsafe { tessera_string_free(out) };
    (code, Some(answer), err)
}

#[test]
fn compile_decide_and_free() {
    let engine = engine();
    let (code, answer, err) = evaluate(engine, REQUEST.as_bytes(), 0);
    assert_eq!(code, ErrorCode::Ok);
    assert!(err.is_null());
    assert_eq!(
        answer.as_deref(),
        Some(
            r#"{"decision":"allow","reason":"allowed","determining":[{"policy":"p","statement":"read"}]}"#
        )
    );
    let (code, answer, _) = evaluate(engine, REQUEST.as_bytes(), 1);
    assert_eq!(code, ErrorCode::Ok);
    assert!(answer.unwrap().contains(r#""explanation":"#));

    // The fast path, twice on this thread: the second call reuses (and
    // shrinks) the first one's request buffers.
    let groups = [c"group:ops".as_ptr(), c"group:dev".as_ptr()];
    let mut request = TesseraRequest {
        principal: c"service:api".as_ptr(),
        groups: groups.as_ptr(),
        group_count: groups.len(),
        action: c"secrets:GetSecretValue".as_ptr(),
        resource: c"prod/db/main".as_ptr(),
        source_ip: c"10.1.2.3".as_ptr(),
        mfa: 1,
        mfa_age_seconds: 60,
        version_stage: c"AWSCURRENT".as_ptr(),
        time: 1_795_600_800, // 2026-11-25T10:00:00Z
        has_time: 1,
    };
    let mut decision = TesseraDecision::default();
    let mut err = ptr::null_mut();
    // SAFETY: every pointer in `request` is valid for the call.
    let code = unsafe { tessera_engine_decide(engine, &request, &mut decision, &mut err) };
    assert_eq!(code, ErrorCode::Ok);
    assert_eq!(decision.outcome, Outcome::Allow);
    assert_eq!(decision.determining_count, 1);
    assert_eq!(
        (text(decision.policy), text(decision.statement)),
        ("p".into(), "read".into())
    );

    request.group_count = 1;
    request.principal = c"u".as_ptr();
    request.time = 1_795_647_600; // 2026-11-25T23:00:00Z
    // SAFETY: as above.
    let code = unsafe { tessera_engine_decide(engine, &request, &mut decision, &mut err) };
    assert_eq!(code, ErrorCode::Ok);
    assert_eq!(decision.reason, Reason::ExplicitDeny);
    assert_eq!(text(decision.statement), "night");
    // The names are the engine's: still readable after other calls.
    let (code, _, _) = evaluate(engine, b"{}", 0);
    assert_eq!(code, ErrorCode::Request);
    assert_eq!(text(decision.policy), "p");
    // SAFETY: live, freed once; NULL is ignored.
    unsafe {
        tessera_engine_free(engine);
        tessera_engine_free(ptr::null_mut());
    }
}

#[test]
fn compile_errors_carry_their_diagnostics() {
    let (code, engine, err) = compile(&[
        (
            c"a.policy",
            br#"policy "p" { allow "a" { principal * } }"#.as_slice(),
        ),
        (
            c"b.policy",
            b"policy \"q\" { deny \"d\" { actio * } }".as_slice(),
        ),
    ]);
    assert_eq!(code, ErrorCode::Compile);
    assert!(engine.is_null());
    // SAFETY: `err` is live until freed at the end.
    unsafe {
        assert_eq!(tessera_error_code(err), ErrorCode::Compile);
        assert!(text(tessera_error_message(err)).starts_with("a.policy:1:"));
        assert!(tessera_error_field(err).is_null());
        assert!(text(tessera_error_json(err)).starts_with(r#"{"error":{"kind":"compile""#));
        let count = tessera_error_diagnostic_count(err);
        assert!(count >= 2, "{count}");
        for i in 0..count {
            assert!(!text(tessera_error_diagnostic_file(err, i)).is_empty());
            assert!(!text(tessera_error_diagnostic_message(err, i)).is_empty());
            assert!(!text(tessera_error_diagnostic_code(err, i)).is_empty());
            assert!(tessera_error_diagnostic_line(err, i) >= 1);
            assert!(tessera_error_diagnostic_column(err, i) >= 1);
        }
        assert!(tessera_error_diagnostic_file(err, count).is_null());
        assert!(tessera_error_diagnostic_message(err, usize::MAX).is_null());
        assert_eq!(tessera_error_diagnostic_line(err, count), 0);
        tessera_error_free(err);
        // Every accessor takes NULL.
        assert_eq!(tessera_error_code(ptr::null()), ErrorCode::Ok);
        assert!(tessera_error_message(ptr::null()).is_null());
        assert!(tessera_error_json(ptr::null()).is_null());
        assert_eq!(tessera_error_diagnostic_count(ptr::null()), 0);
        tessera_error_free(ptr::null_mut());
    }
}

#[test]
fn bad_arguments_are_refused_without_a_crash() {
    // Invalid UTF-8 in a text and in a name; no `err` wanted.
    let (code, engine, err) = compile(&[(c"a.policy", b"policy \"\xff\" {}".as_slice())]);
    assert_eq!((code, engine.is_null()), (ErrorCode::InvalidArgument, true));
    // SAFETY: live, freed once.
    unsafe { tessera_error_free(err) };
    let (code, _, err) = compile(&[(c"\xc3", b"".as_slice())]);
    assert_eq!(code, ErrorCode::InvalidArgument);
    // SAFETY: live, freed once.
    unsafe { tessera_error_free(err) };
    let mut engine = ptr::dangling_mut();
    let source = TesseraSource {
        name: ptr::null(),
        text: ptr::null(),
        text_len: 5,
    };
    // SAFETY: one readable source with NULL pointers; `err` NULL is allowed.
    let code = unsafe { tessera_engine_compile(&source, 1, &mut engine, ptr::null_mut()) };
    assert_eq!((code, engine.is_null()), (ErrorCode::InvalidArgument, true));
    // SAFETY: count > 0 with NULL sources; NULL out.
    unsafe {
        assert_eq!(
            tessera_engine_compile(ptr::null(), 1, &mut engine, ptr::null_mut()),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            tessera_engine_compile(ptr::null(), 0, ptr::null_mut(), ptr::null_mut()),
            ErrorCode::InvalidArgument
        );
    }

    let engine = engine_or_empty();
    // A request error: the answer and the field.
    let (code, answer, err) = evaluate(
        engine,
        br#"{"principal": "u", "action": 3, "resource": "r"}"#,
        0,
    );
    assert_eq!(code, ErrorCode::Request);
    assert!(answer.unwrap().starts_with(r#"{"error":{"kind":"request""#));
    assert_eq!(
        text(
            // SAFETY: live until freed below.
            unsafe { tessera_error_field(err) },
        ),
        "action"
    );
    // SAFETY: live, freed once.
    unsafe { tessera_error_free(err) };
    // Not UTF-8: no answer.
    let (code, answer, err) = evaluate(engine, b"{\"principal\": \"\xff\"}", 0);
    assert_eq!((code, answer), (ErrorCode::InvalidArgument, None));
    // SAFETY: live, freed once.
    unsafe { tessera_error_free(err) };
    // NULL request text, NULL out_json, NULL engine.
    let mut out = ptr::dangling_mut();
    // SAFETY: NULL pointers where the header allows the library to refuse them.
    unsafe {
        assert_eq!(
            tessera_engine_evaluate_json(
                engine,
                ptr::null(),
                0,
                0,
                &mut out,
                ptr::null_mut(),
                ptr::null_mut()
            ),
            ErrorCode::InvalidArgument
        );
        assert!(out.is_null());
        assert_eq!(
            tessera_engine_evaluate_json(
                engine,
                c"{}".as_ptr(),
                2,
                0,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut()
            ),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            tessera_engine_evaluate_json(
                ptr::null(),
                c"{}".as_ptr(),
                2,
                0,
                &mut out,
                ptr::null_mut(),
                ptr::null_mut()
            ),
            ErrorCode::InvalidArgument
        );
    }

    // The fast path: NULL groups with a count, a bad address, a bad mfa.
    let mut request = TesseraRequest {
        principal: c"u".as_ptr(),
        groups: ptr::null(),
        group_count: 2,
        action: c"a".as_ptr(),
        resource: c"r".as_ptr(),
        source_ip: ptr::null(),
        mfa: -1,
        mfa_age_seconds: -1,
        version_stage: ptr::null(),
        time: 0,
        has_time: 0,
    };
    let mut decision = TesseraDecision::default();
    let mut err = ptr::null_mut();
    for (mutate, expected) in [
        (0, ErrorCode::InvalidArgument),
        (1, ErrorCode::Request),
        (2, ErrorCode::Request),
        (3, ErrorCode::InvalidArgument),
    ] {
        match mutate {
            1 => {
                request.group_count = 0;
                request.source_ip = c"10.1.2".as_ptr();
            }
            2 => {
                request.source_ip = ptr::null();
                request.mfa = 2;
            }
            3 => {
                request.mfa = -1;
                request.principal = ptr::null();
            }
            _ => {}
        }
        // SAFETY: every pointer in `request` is NULL or valid; a NULL
        // `groups` with a count must be refused before it is read.
        let code = unsafe { tessera_engine_decide(engine, &request, &mut decision, &mut err) };
        assert_eq!(code, expected, "case {mutate}");
        assert_eq!(decision.outcome, Outcome::Deny);
        assert!(decision.policy.is_null());
        // SAFETY: live, freed once.
        unsafe { tessera_error_free(err) };
    }
    // SAFETY: NULL request and NULL out are refused; the engine is freed once.
    unsafe {
        assert_eq!(
            tessera_engine_decide(engine, ptr::null(), &mut decision, ptr::null_mut()),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            tessera_engine_decide(engine, &request, ptr::null_mut(), ptr::null_mut()),
            ErrorCode::InvalidArgument
        );
        tessera_engine_free(engine);
    }
}

/// An engine over no sources: it denies everything.
fn engine_or_empty() -> *mut TesseraEngine {
    let mut engine = ptr::null_mut();
    // SAFETY: count 0 with NULL sources is allowed; `engine` writable.
    let code = unsafe { tessera_engine_compile(ptr::null(), 0, &mut engine, ptr::null_mut()) };
    assert_eq!(code, ErrorCode::Ok);
    engine
}

/// Collects the records an auditor hands to its callback.
unsafe extern "C" fn collect(user_data: *mut c_void, record: *const c_char, len: usize) -> c_int {
    // SAFETY: `user_data` is the test's `Vec<String>`, alive while the
    // auditor is; `record` holds `len` bytes for the call.
    let (records, bytes) = unsafe {
        (
            &mut *user_data.cast::<Vec<String>>(),
            std::slice::from_raw_parts(record.cast::<u8>(), len),
        )
    };
    records.push(String::from_utf8(bytes.to_vec()).unwrap());
    0
}

#[test]
fn a_callback_auditor_records_every_decision() {
    let engine = engine();
    let mut records: Vec<String> = Vec::new();
    let options = TesseraAuditOptions::default();
    let mut auditor: *mut TesseraAuditor = ptr::null_mut();
    let mut err = ptr::null_mut();
    // SAFETY: `records` outlives the auditor (freed below); outputs writable.
    let code = unsafe {
        tessera_auditor_new_callback(
            Some(collect),
            (&raw mut records).cast(),
            &options,
            &mut auditor,
            &mut err,
        )
    };
    assert_eq!(code, ErrorCode::Ok);
    let mut out = ptr::null_mut();
    let mut len = 0;
    // SAFETY: live engine and auditor; the request holds its length.
    let code = unsafe {
        tessera_engine_evaluate_json_audited(
            engine,
            auditor,
            REQUEST.as_ptr().cast(),
            REQUEST.len(),
            0,
            &mut out,
            &mut len,
            &mut err,
        )
    };
    assert_eq!(code, ErrorCode::Ok);
    assert!(text(out).starts_with(r#"{"decision":"allow""#));
    // SAFETY: returned by the library, freed once.
    unsafe { tessera_string_free(out) };
    let request = TesseraRequest {
        principal: c"service:api".as_ptr(),
        groups: ptr::null(),
        group_count: 0,
        action: c"secrets:GetSecretValue".as_ptr(),
        resource: c"prod/api/key".as_ptr(),
        source_ip: ptr::null(),
        mfa: -1,
        mfa_age_seconds: -1,
        version_stage: ptr::null(),
        time: 1_795_600_800,
        has_time: 1,
    };
    let mut decision = TesseraDecision::default();
    // SAFETY: live handles; a valid request struct.
    let code = unsafe {
        tessera_engine_decide_audited(engine, auditor, &request, &mut decision, &mut err)
    };
    assert_eq!(code, ErrorCode::Ok);
    assert_eq!(decision.outcome, Outcome::Allow);
    let mut next_seq = 0;
    let mut prev = ptr::null_mut();
    // SAFETY: live auditor; outputs writable.
    unsafe {
        assert_eq!(tessera_auditor_flush(auditor, &mut err), ErrorCode::Ok);
        assert_eq!(
            tessera_auditor_head(auditor, &mut next_seq, &mut prev, &mut err),
            ErrorCode::Ok
        );
        assert_eq!(tessera_auditor_failures(auditor), 0);
        assert!(tessera_auditor_last_failure(auditor).is_null());
    }
    assert_eq!(next_seq, 2);
    assert!(text(prev).starts_with("sha256:"));
    // SAFETY: returned by the library, freed once; the auditor is freed once,
    // after which the callback is not called and `records` may be read.
    unsafe {
        tessera_string_free(prev);
        tessera_auditor_free(auditor);
        tessera_engine_free(engine);
    }
    assert_eq!(records.len(), 2);
    assert!(
        records
            .iter()
            .all(|r| r.contains(r#""resource":"prod/api/key""#)),
        "{records:?}"
    );
}
