//! One HTTP request's headers to a decision through the proxy-wasm filter
//! on wasmtime, against the native JSON call, in one run: the `ecommerce`
//! corpus set and its allowed request (`corpus/ecommerce/request.json`).
//!
//! ```text
//! cargo bench -p tessera-proxy-host --bench filter -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p tessera-proxy-host --bench filter -- --test   # run each once
//! ```
//!
//! Benchmark ids, group `proxy_vs_native`:
//!
//! - `native_json`: `tessera::json::evaluate` on the request text;
//! - `native_json_audited`: `tessera::json::evaluate_audited`, the record
//!   written to a callback (the filter audits every decision too);
//! - `proxy_filter`: the whole HTTP request in the test host: a new HTTP
//!   context, `proxy_on_request_headers` (headers serialized into the guest,
//!   mapped to a request, decided, audited into the host log and a shared
//!   queue, the decision header set), `proxy_on_done`, `proxy_on_log`,
//!   `proxy_on_delete`.
//!
//! Before measuring it prints the module's size and checks that both give
//! the same allow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../../tests/skip.rs"]
mod skip;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let Some(path) = common::module_path() else {
        return;
    };
    let size = std::fs::metadata(&path).unwrap().len();
    println!("tessera_proxy.wasm: {size} bytes");
    let set = common::corpus_sets()
        .into_iter()
        .find(|s| s.name == "ecommerce")
        .unwrap();
    let engine = set.engine();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../corpus/ecommerce/request.json"),
    )
    .unwrap();
    let request: serde_json::Value = serde_json::from_str(&text).unwrap();
    let native = tessera::json::evaluate(&engine, &text, false);
    assert!(native.starts_with(r#"{"decision":"allow""#), "{native}");
    let mut host = common::host().unwrap();
    assert!(host.configure(&set.config(true)).unwrap());
    let http = common::http_request(&request, 0);
    assert_eq!(common::answer(&common::send(&mut host, &http)), native);

    let mut group = c.benchmark_group("proxy_vs_native");
    group.bench_function("native_json", |b| {
        b.iter(|| tessera::json::evaluate(&engine, black_box(&text), false))
    });
    let sink = tessera::audit::CallbackSink::new(|line: &str| {
        black_box(line);
        Ok(())
    });
    let auditor = tessera::audit::Auditor::new(sink, &tessera::audit::AuditConfig::new()).unwrap();
    group.bench_function("native_json_audited", |b| {
        b.iter(|| tessera::json::evaluate_audited(&engine, &auditor, black_box(&text), false))
    });
    let pairs = http.pairs();
    group.bench_function("proxy_filter", |b| {
        b.iter(|| {
            let reply = host.request(black_box(&pairs)).unwrap();
            // Keep the host's log and queue from growing without bound.
            host.take_logs();
            host.drain_queue("tessera-audit");
            reply
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
