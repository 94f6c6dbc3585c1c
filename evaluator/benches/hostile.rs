//! Compile and decision times on hostile and pathological inputs: the shapes
//! that once cost seconds (issue 10), measured at growing sizes so that the
//! throughput shows the cost is linear in what the caller controls.
//!
//! ```text
//! cargo bench -p tessera --bench hostile              # measure
//! cargo bench -p tessera --bench hostile -- --test    # run each once (CI)
//! ```
//!
//! Benchmark ids:
//! - `hostile/path_segments/{n}`: `prod/x/x/.../leaf` with `n` segments
//!   against a set of subtree, directory-glob and literal statements;
//! - `hostile/variable_pattern/{bytes}`: `teams/${principal.tags.team}/*-*-*-*`
//!   against a path whose last segment is `bytes` long and almost matches;
//! - `hostile/like_64_wildcards/{bytes}`: a `like` pattern with the most
//!   wildcards the default limits allow, against a subject of `bytes`;
//! - `hostile/long_line/decide` and `hostile/long_line/compile`: a deny
//!   whose principal line holds 20,000 regex-backed globs.
//!
//! Throughput is in request bytes: a flat bytes/s across sizes is linear.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use tessera::{Engine, Outcome, Request};

/// Stops the run: a benchmark that does not decide as it should measures
/// nothing worth reporting.
fn fail(message: &str) -> ! {
    eprintln!("hostile bench: {message}");
    std::process::exit(1)
}

fn engine(text: &str) -> Engine {
    Engine::compile_str("bench.policy", text)
        .unwrap_or_else(|e| fail(&format!("the policy does not compile: {e}")))
}

fn expect(engine: &Engine, request: &Request, outcome: Outcome, what: &str) {
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    if engine.decide_at(request, now).outcome != outcome {
        fail(&format!("{what}: expected {outcome:?}"));
    }
}

fn path_segments(c: &mut Criterion) {
    let engine = engine(
        r#"policy "p" {
  allow "prod" { principal * action * resource prod/** }
  deny "keys" { principal * action * resource prod/x/*/key, prod/x/x/x/*.pem, **/private }
  deny "one" { principal * action * resource prod/x/x/x/exact }
}"#,
    );
    let mut group = c.benchmark_group("hostile/path_segments");
    group.measurement_time(Duration::from_secs(3));
    for n in [1_000usize, 10_000, 80_000] {
        let path = format!("prod/{}leaf", "x/".repeat(n));
        let request = Request::new("user:a", "secrets:GetSecretValue", &path);
        expect(&engine, &request, Outcome::Allow, "a deep path under prod/");
        group.throughput(Throughput::Bytes(path.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &request, |b, r| {
            b.iter(|| black_box(engine.decide(r)))
        });
    }
    group.finish();
}

fn variable_pattern(c: &mut Criterion) {
    let engine = engine(
        r#"policy "p" {
  allow "team" { principal * action * resource teams/${principal.tags.team}/*-*-*-* }
}"#,
    );
    let mut group = c.benchmark_group("hostile/variable_pattern");
    group.measurement_time(Duration::from_secs(3));
    for bytes in [1_024usize, 65_536, 1_048_576] {
        // Many `-` but one too few in the last place: every split is tried
        // by a backtracking matcher.
        let segment = format!("{}x", "a".repeat(bytes));
        let path = format!("teams/payments/{segment}");
        let request = Request::new("user:a", "secrets:GetSecretValue", &path)
            .with_principal_tag("team", "payments");
        expect(&engine, &request, Outcome::Deny, "a segment without dashes");
        let dashes = format!("teams/payments/{}", "a-".repeat(bytes / 2));
        let hit = request_with_path(&request, &dashes);
        expect(&engine, &hit, Outcome::Allow, "a segment of dashes");
        group.throughput(Throughput::Bytes(dashes.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(bytes), &hit, |b, r| {
            b.iter(|| black_box(engine.decide(r)))
        });
    }
    group.finish();
}

fn request_with_path(request: &Request, path: &str) -> Request {
    let mut request = request.clone();
    request.resource.path = path.to_string();
    request
}

fn like_wildcards(c: &mut Criterion) {
    let pattern = format!("{}b", "*a".repeat(63));
    let engine = engine(&format!(
        r#"policy "p" {{
  allow "all" {{ principal * action * resource ** }}
  deny "ticket" {{ principal * action * resource ** when {{ context.ticket like "{pattern}" }} }}
}}"#
    ));
    let mut group = c.benchmark_group("hostile/like_64_wildcards");
    group.measurement_time(Duration::from_secs(3));
    for bytes in [1_024usize, 10_240, 102_400] {
        let request = Request::new("user:a", "secrets:GetSecretValue", "prod/db")
            .with_attribute("ticket", tessera::Attribute::String("a".repeat(bytes)));
        expect(&engine, &request, Outcome::Allow, "a subject without `b`");
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::from_parameter(bytes), &request, |b, r| {
            b.iter(|| black_box(engine.decide(r)))
        });
    }
    group.finish();
}

fn long_line(c: &mut Criterion) {
    let globs: Vec<String> = (0..20_000).map(|i| format!("svc-*-*-*-{i}-*")).collect();
    let text = format!(
        "policy \"p\" {{\n  allow \"all\" {{ principal * action * resource ** }}\n  deny \"blocked\" {{ principal {} action * resource ** }}\n}}\n",
        globs.join(", ")
    );
    let engine = engine(&text);
    let named = Request::new("svc-x-y-z-17777-q", "secrets:GetSecretValue", "prod/x");
    expect(&engine, &named, Outcome::Deny, "a principal the deny names");
    let mut group = c.benchmark_group("hostile/long_line");
    group.sample_size(10);
    group.bench_function("decide", |b| b.iter(|| black_box(engine.decide(&named))));
    group.bench_function("compile", |b| {
        b.iter(|| black_box(Engine::compile_str("bench.policy", &text).is_ok()))
    });
    group.finish();
}

criterion_group!(
    hostile,
    path_segments,
    variable_pattern,
    like_wildcards,
    long_line
);
criterion_main!(hostile);
