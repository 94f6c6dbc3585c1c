//! One decision through the core-Wasm module in wasmtime against the same
//! decision made natively, measured in one run on the `ecommerce` corpus set
//! and its allowed request (`corpus/ecommerce/request.json`).
//!
//! ```text
//! cargo bench -p tessera-wasm-host --bench decide            # measure
//! cargo bench -p tessera-wasm-host --bench decide -- --test  # run each once
//! ```
//!
//! Benchmark ids, group `wasm_vs_native`:
//!
//! - `native_decide`: `Engine::decide_at` on a pre-parsed `Request`;
//! - `native_json`: `tessera::json::evaluate_at`, request text to answer text;
//! - `wasmtime_json`: `Host::evaluate` with the request text: copying it into
//!   the guest, the guest's JSON parse, decision and serialization, and
//!   copying the answer out (fuel metering on, `Limits::default()`);
//! - `native_explain` / `wasmtime_explain`: the same two with the explained
//!   answer;
//! - `wasmtime_json_no_fuel`: `wasmtime_json` in a module compiled without
//!   fuel metering (`Compiled::with_fuel_metering(.., false)`), to show what
//!   metering costs.
//!
//! Group `glob_line`: `native_json` and `wasmtime_json` on a deny whose
//! principal line holds 2,000 globs, which the Wasm module tries one by one
//! (wasm/ABI.md, "Globs") and native builds search as regex sets.
//!
//! Before measuring it prints the module's size and checks that the request
//! is allowed natively and that the module gives the native bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../../tests/skip.rs"]
mod skip;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use tessera::{Engine, Outcome, Request, Source};
use tessera_wasm_host::{Compiled, Host, Limits};

/// The corpus set measured.
const SET: &str = "ecommerce";

/// The clock for `decide_at` / `evaluate_at` (the request carries its own
/// `context.time`, so it is not read): 2026-11-25T10:00:00Z.
const NOW_MS: i64 = 1_795_600_800_000;

/// The set's `*.policy` files as ("ecommerce/FILE", text), sorted.
fn policies(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "policy"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no policies in {}", dir.display());
    files
        .iter()
        .map(|f| {
            let name = format!("{SET}/{}", f.file_name().unwrap().to_string_lossy());
            (name, std::fs::read_to_string(f).unwrap())
        })
        .collect()
}

fn wasm_vs_native(c: &mut Criterion) {
    let Some(module) = common::module() else {
        println!("decide bench: the Wasm module cannot be built here; nothing measured");
        return;
    };
    println!("tessera_core.wasm: {} bytes", module.len());

    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(SET);
    let texts = policies(&dir);
    let sources: Vec<Source> = texts.iter().map(|(n, t)| Source::new(n, t)).collect();
    let engine = Engine::compile(&sources).unwrap_or_else(|e| panic!("{SET}: {e}"));
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let mut host = Host::new(&module, Limits::default()).unwrap();
    let unmetered = Compiled::with_fuel_metering(&module, false).unwrap();
    let mut host_no_fuel = Host::from_compiled(&unmetered, Limits::default()).unwrap();
    for host in [&mut host, &mut host_no_fuel] {
        let loaded = host.load(&pairs).unwrap();
        assert_eq!(
            loaded,
            format!(r#"{{"ok":true,"statements":{}}}"#, engine.statement_count())
        );
    }

    let text = std::fs::read_to_string(dir.join("request.json")).unwrap();
    let request = Request::from_json(&text).unwrap();
    let now = chrono::DateTime::from_timestamp_millis(NOW_MS).unwrap();

    // The request is allowed, and the module says so in the native bytes.
    let decision = engine.decide_at(&request, now);
    assert_eq!(decision.outcome, Outcome::Allow, "{decision:?}");
    let native = tessera::json::evaluate_at(&engine, &text, false, now);
    assert!(native.starts_with(r#"{"decision":"allow""#), "{native}");
    assert_eq!(host.evaluate(&text).unwrap(), native);
    assert_eq!(host_no_fuel.evaluate(&text).unwrap(), native);
    let native_explained = tessera::json::evaluate_at(&engine, &text, true, now);
    assert!(
        native_explained.starts_with(r#"{"decision":"allow""#)
            && native_explained.contains(r#""explanation":"#),
        "{native_explained}"
    );
    assert_eq!(host.explain(&text).unwrap(), native_explained);

    let mut group = c.benchmark_group("wasm_vs_native");
    group.bench_function("native_decide", |b| {
        b.iter(|| engine.decide_at(black_box(&request), now).outcome)
    });
    group.bench_function("native_json", |b| {
        b.iter(|| tessera::json::evaluate_at(&engine, black_box(&text), false, now))
    });
    group.bench_function("wasmtime_json", |b| {
        b.iter(|| host.evaluate(black_box(&text)).unwrap())
    });
    group.bench_function("native_explain", |b| {
        b.iter(|| tessera::json::evaluate_at(&engine, black_box(&text), true, now))
    });
    group.bench_function("wasmtime_explain", |b| {
        b.iter(|| host.explain(black_box(&text)).unwrap())
    });
    group.bench_function("wasmtime_json_no_fuel", |b| {
        b.iter(|| host_no_fuel.evaluate(black_box(&text)).unwrap())
    });
    group.finish();
}

/// Globs on the glob-heavy line of `glob_line`.
const GLOBS: usize = 2_000;

/// A set the index does not favour and the Wasm builds match differently:
/// one deny whose principal line holds 2,000 globs (`user:svc-I-*`), which
/// native builds search as globset's regex sets and the Wasm modules try
/// one by one (wasm/ABI.md, "Globs"), beside an allow for everyone.
/// Requests from a principal no glob matches reach every glob.
fn glob_line(c: &mut Criterion) {
    let Some(module) = common::module() else {
        println!("decide bench: the Wasm module cannot be built here; nothing measured");
        return;
    };
    let globs: Vec<String> = (0..GLOBS).map(|i| format!("user:svc-{i}-*")).collect();
    let text = format!(
        "policy \"globs\" {{\n  deny \"services\" {{\n    principal {}\n    action *\n    resource prod/**\n  }}\n  allow \"everyone\" {{\n    principal *\n    action secrets:GetSecretValue\n    resource prod/**\n  }}\n}}\n",
        globs.join(", ")
    );
    let engine = Engine::compile(&[Source::new("globs.policy", &text)]).unwrap();
    let mut host = Host::new(&module, Limits::default()).unwrap();
    host.load(&[("globs.policy", text.as_str())]).unwrap();
    let now = chrono::DateTime::from_timestamp_millis(NOW_MS).unwrap();
    let request =
        r#"{"principal": "user:ana", "action": "secrets:GetSecretValue", "resource": "prod/db"}"#;
    let denied = r#"{"principal": "user:svc-1999-x", "action": "secrets:GetSecretValue", "resource": "prod/db"}"#;
    for (text, outcome) in [(request, "allow"), (denied, "deny")] {
        let native = tessera::json::evaluate_at(&engine, text, false, now);
        assert!(
            native.starts_with(&format!(r#"{{"decision":"{outcome}""#)),
            "{native}"
        );
        assert_eq!(host.evaluate(text).unwrap(), native);
    }
    let mut group = c.benchmark_group("glob_line");
    group.bench_function("native_json", |b| {
        b.iter(|| tessera::json::evaluate_at(&engine, black_box(request), false, now))
    });
    group.bench_function("wasmtime_json", |b| {
        b.iter(|| host.evaluate(black_box(request)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, wasm_vs_native, glob_line);
criterion_main!(benches);
