//! The cost of one decision through the C library against the native call,
//! measured in one run: the native `Engine::decide`, the C struct fast path
//! (`tessera_engine_decide`) and the C JSON path (`tessera_engine_evaluate_json`
//! plus freeing its answer). The shared library is loaded with libloading,
//! exactly as a C host would call it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::ffi::{CString, c_char, c_int, c_void};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

#[repr(C)]
struct Source {
    name: *const c_char,
    text: *const c_char,
    text_len: usize,
}

#[repr(C)]
struct RequestC {
    principal: *const c_char,
    groups: *const *const c_char,
    group_count: usize,
    action: *const c_char,
    resource: *const c_char,
    source_ip: *const c_char,
    mfa: c_int,
    mfa_age_seconds: i64,
    version_stage: *const c_char,
    time: i64,
    has_time: c_int,
}

#[repr(C)]
struct DecisionC {
    outcome: c_int,
    reason: c_int,
    determining_count: usize,
    policy: *const c_char,
    statement: *const c_char,
}

type Compile =
    unsafe extern "C" fn(*const Source, usize, *mut *mut c_void, *mut *mut c_void) -> c_int;
type Decide =
    unsafe extern "C" fn(*const c_void, *const RequestC, *mut DecisionC, *mut *mut c_void) -> c_int;
type EvaluateJson = unsafe extern "C" fn(
    *const c_void,
    *const c_char,
    usize,
    c_int,
    *mut *mut c_char,
    *mut usize,
    *mut *mut c_void,
) -> c_int;
type Free = unsafe extern "C" fn(*mut c_void);

/// Builds the release shared library and returns its path.
fn shared_library() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "tessera-ffi",
            "--lib",
        ])
        .current_dir(&root)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building libtessera failed");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("release/libtessera.so")
}

fn corpus_sources() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/ecommerce");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "policy"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            (
                f.display().to_string(),
                std::fs::read_to_string(&f).unwrap(),
            )
        })
        .collect()
}

const REQUEST_JSON: &str = r#"{"principal": {"id": "service:payments-api", "groups": ["group:payments"]},
 "action": "secrets:GetSecretValue", "resource": "prod/payment/stripe-key",
 "context": {"source_ip": "10.1.2.3", "version_stage": "AWSCURRENT", "time": "2026-11-25T10:00:00Z"}}"#;

fn overhead(c: &mut Criterion) {
    let sources = corpus_sources();
    let native_sources: Vec<tessera_core::Source> = sources
        .iter()
        .map(|(n, t)| tessera_core::Source::new(n, t))
        .collect();
    let native = tessera_core::Engine::compile(&native_sources).unwrap();
    let request = tessera_core::Request::from_json(REQUEST_JSON).unwrap();
    assert!(
        native.decide(&request).is_allowed(),
        "the benchmark request must be allowed"
    );

    let path = shared_library();
    // SAFETY: loading our own library, whose initializers have no side effects.
    let lib = unsafe { libloading::Library::new(&path) }.unwrap();
    // SAFETY: the symbol types match the declarations in ffi/include/tessera.h.
    let (compile, decide, evaluate, string_free, engine_free) = unsafe {
        (
            *lib.get::<Compile>(b"tessera_engine_compile").unwrap(),
            *lib.get::<Decide>(b"tessera_engine_decide").unwrap(),
            *lib.get::<EvaluateJson>(b"tessera_engine_evaluate_json")
                .unwrap(),
            *lib.get::<Free>(b"tessera_string_free").unwrap(),
            *lib.get::<Free>(b"tessera_engine_free").unwrap(),
        )
    };
    let names: Vec<CString> = sources
        .iter()
        .map(|(n, _)| CString::new(n.as_str()).unwrap())
        .collect();
    let c_sources: Vec<Source> = sources
        .iter()
        .zip(&names)
        .map(|((_, text), name)| Source {
            name: name.as_ptr(),
            text: text.as_ptr().cast(),
            text_len: text.len(),
        })
        .collect();
    let mut engine: *mut c_void = std::ptr::null_mut();
    // SAFETY: `c_sources` points at live strings for the duration of the call.
    let code = unsafe {
        compile(
            c_sources.as_ptr(),
            c_sources.len(),
            &mut engine,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, 0, "compiling through the C library failed");

    let principal = CString::new("service:payments-api").unwrap();
    let group = CString::new("group:payments").unwrap();
    let groups = [group.as_ptr()];
    let action = CString::new("secrets:GetSecretValue").unwrap();
    let resource = CString::new("prod/payment/stripe-key").unwrap();
    let ip = CString::new("10.1.2.3").unwrap();
    let stage = CString::new("AWSCURRENT").unwrap();
    let c_request = RequestC {
        principal: principal.as_ptr(),
        groups: groups.as_ptr(),
        group_count: 1,
        action: action.as_ptr(),
        resource: resource.as_ptr(),
        source_ip: ip.as_ptr(),
        mfa: -1,
        mfa_age_seconds: -1,
        version_stage: stage.as_ptr(),
        time: 1_795_600_800,
        has_time: 1,
    };
    let fast = || {
        let mut out = DecisionC {
            outcome: 0,
            reason: 0,
            determining_count: 0,
            policy: std::ptr::null(),
            statement: std::ptr::null(),
        };
        // SAFETY: every pointer in `c_request` is live; `engine` was compiled above.
        let code = unsafe { decide(engine, &c_request, &mut out, std::ptr::null_mut()) };
        (code, out.outcome)
    };
    assert_eq!(
        fast(),
        (0, 1),
        "the C fast path must allow the benchmark request"
    );
    let json = || {
        let mut out: *mut c_char = std::ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: the request text is live; the answer is freed right after.
        unsafe {
            evaluate(
                engine,
                REQUEST_JSON.as_ptr().cast(),
                REQUEST_JSON.len(),
                0,
                &mut out,
                &mut len,
                std::ptr::null_mut(),
            );
            let allowed = std::slice::from_raw_parts(out.cast::<u8>(), len)
                .starts_with(br#"{"decision":"allow""#);
            string_free(out.cast());
            allowed
        }
    };
    assert!(json(), "the C JSON path must allow the benchmark request");

    let mut group = c.benchmark_group("decision");
    group.bench_function("native", |b| {
        b.iter(|| black_box(native.decide(black_box(&request))).is_allowed())
    });
    group.bench_function("c_fast_path", |b| b.iter(|| black_box(fast())));
    group.bench_function("c_json", |b| b.iter(|| black_box(json())));
    group.bench_function("native_json", |b| {
        b.iter(|| {
            black_box(tessera_core::json::evaluate(
                &native,
                black_box(REQUEST_JSON),
                false,
            ))
        })
    });
    group.finish();
    // SAFETY: no decision borrows from the engine any more.
    unsafe { engine_free(engine) };
}

criterion_group!(benches, overhead);
criterion_main!(benches);
