//! The cost of auditing a decision, per sink, against the decision alone.
//!
//! ```text
//! cargo bench -p tessera --bench audit            # measure
//! cargo bench -p tessera --bench audit -- --test  # run each once (CI)
//! ```
//!
//! Benchmark ids (all `audit/...`):
//! - `decide`: the engine alone, no audit.
//! - `audit_callback`: records handed to a no-op host callback.
//! - `audit_buffered_file`: best-effort mode, a buffered file, written by
//!   the deciding thread.
//! - `audit_buffered_file_hmac`: the same, chained with an HMAC key.
//! - `audit_buffered_file_background`: best-effort mode, a buffered file,
//!   written by the background thread.
//! - `audit_buffered_file_background_burst`: the same, timing only the
//!   deciding thread, in bursts of 1000 decisions that the queue holds
//!   (each followed by an untimed flush): the cost a decision pays when
//!   the writer keeps up.
//! - `audit_buffered_file_blocking`: blocking mode (the default) on a
//!   buffered file: every record is handed to the OS (one `write`) before
//!   its decision returns.
//! - `audit_fsync_file`: blocking mode, `fsync` per record.
//!
//! File benchmarks start each sample on a new file in a temporary directory
//! and count the final flush, so buffered writes are paid for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use tessera::audit::{AuditConfig, Auditor, CallbackSink, Durability, FileSink, Mode};
use tessera::{Attribute, Engine, Outcome, Request, Source};

const POLICY: &str = r#"policy "payments" {
  allow "read-current" {
    principal service:payments-*
    action    secrets:GetSecretValue
    resource  prod/payment/**
    when { version_stage == "AWSCURRENT" }
  }
  allow "oncall-break-glass" {
    principal group:payments-oncall
    action    secrets:GetSecretValue, secrets:DescribeSecret
    resource  prod/payment/**
    when { mfa == true }
  }
  deny "office-network-only" {
    principal *
    action    *
    resource  prod/**
    unless { source_ip in 10.0.0.0/8 }
  }
  deny "no-deletes" {
    principal *
    action    secrets:DeleteSecret
    resource  prod/**
  }
}"#;

fn request() -> Request {
    Request::new(
        "service:payments-api",
        "secrets:GetSecretValue",
        "prod/payment/stripe-key",
    )
    .with_group("group:payments")
    .with_principal_tag("team", "payments")
    .with_source_ip("10.1.2.3".parse().unwrap())
    .with_version_stage("AWSCURRENT")
    .with_attribute("ticket", Attribute::String("OPS-1234".into()))
}

/// Decisions per burst in `audit_buffered_file_background_burst`: well
/// within the queue's 4096 records.
const BURST: u64 = 1000;

/// Times `iters` audited decisions into a fresh file, flush included.
fn into_file(
    dir: &Path,
    engine: &Engine,
    request: &Request,
    durability: Durability,
    config: &AuditConfig,
    iters: u64,
) -> Duration {
    let path = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&path);
    let auditor = Auditor::new(FileSink::open(&path, durability).unwrap(), config).unwrap();
    let start = Instant::now();
    for _ in 0..iters {
        black_box(auditor.decide(engine, black_box(request)));
    }
    auditor.flush().unwrap();
    drop(auditor);
    let elapsed = start.elapsed();
    std::fs::remove_file(&path).unwrap();
    elapsed
}

fn bench(c: &mut Criterion) {
    let engine = Engine::compile(&[Source::new("payments.policy", POLICY)]).unwrap();
    let request = request();
    if engine.decide(&request).outcome != Outcome::Allow {
        eprintln!("audit bench: the request must be allowed");
        std::process::exit(1);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("audit");

    group.bench_function("decide", |b| {
        b.iter(|| black_box(engine.decide(black_box(&request))))
    });

    let callback = Auditor::new(CallbackSink::new(|_| Ok(())), &AuditConfig::new()).unwrap();
    group.bench_function("audit_callback", |b| {
        b.iter(|| black_box(callback.decide(&engine, black_box(&request))))
    });

    let mut best_effort = AuditConfig::new();
    best_effort.mode(Mode::BestEffort);
    group.bench_function("audit_buffered_file", |b| {
        b.iter_custom(|iters| {
            into_file(
                dir.path(),
                &engine,
                &request,
                Durability::Buffered,
                &best_effort,
                iters,
            )
        })
    });

    let mut hmac = best_effort.clone();
    hmac.key(b"an audit key kept apart from the log");
    group.bench_function("audit_buffered_file_hmac", |b| {
        b.iter_custom(|iters| {
            into_file(
                dir.path(),
                &engine,
                &request,
                Durability::Buffered,
                &hmac,
                iters,
            )
        })
    });

    let mut background = best_effort.clone();
    background.background(4096);
    group.bench_function("audit_buffered_file_background", |b| {
        b.iter_custom(|iters| {
            into_file(
                dir.path(),
                &engine,
                &request,
                Durability::Buffered,
                &background,
                iters,
            )
        })
    });

    // The deciding thread's cost alone: bursts that fit the queue, each
    // followed by an untimed flush (a writer that keeps up).
    group.bench_function("audit_buffered_file_background_burst", |b| {
        let path = dir.path().join("burst.jsonl");
        b.iter_custom(|iters| {
            let _ = std::fs::remove_file(&path);
            let auditor = Auditor::new(
                FileSink::open(&path, Durability::Buffered).unwrap(),
                &background,
            )
            .unwrap();
            let mut timed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let burst = left.min(BURST);
                let start = Instant::now();
                for _ in 0..burst {
                    black_box(auditor.decide(&engine, black_box(&request)));
                }
                timed += start.elapsed();
                auditor.flush().unwrap();
                left -= burst;
            }
            drop(auditor);
            std::fs::remove_file(&path).unwrap();
            timed
        })
    });

    let blocking = AuditConfig::new();
    group.bench_function("audit_buffered_file_blocking", |b| {
        b.iter_custom(|iters| {
            into_file(
                dir.path(),
                &engine,
                &request,
                Durability::Buffered,
                &blocking,
                iters,
            )
        })
    });

    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("audit_fsync_file", |b| {
        b.iter_custom(|iters| {
            into_file(
                dir.path(),
                &engine,
                &request,
                Durability::FsyncEach,
                &blocking,
                iters,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
