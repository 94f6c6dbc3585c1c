//! Decision and compile benchmarks over generated policy sets of 10 to
//! 100 000 statements (see `support` for the model).
//!
//! ```text
//! cargo bench -p tessera --bench decide                # measure
//! cargo bench -p tessera --bench decide -- --test      # run each once (CI)
//! cargo bench -p tessera --bench decide -- decide/     # decisions only
//! ```
//!
//! Benchmark ids: `decide/{allowed,denied,no_match}/{n}`, `compile/{n}`,
//! `json_evaluate/allowed/1000`, `json_evaluate/ecommerce` and
//! `json_parse_request/{ecommerce,ecommerce_via_value}` (the corpus's
//! `ecommerce/request.json`; `cargo bench -p tessera --bench decide -- json`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use std::time::Duration;
use support::Expect;
use tessera::{Engine, Outcome, Reason, Request, Source};

const SIZES: [usize; 5] = [10, 100, 1_000, 10_000, 100_000];
/// The size the JSON layer is measured at.
const JSON_SIZE: usize = 1_000;

/// Stops the benchmark run with a message: a benchmark that does not measure
/// what its name says is worse than none.
fn fail(message: &str) -> ! {
    eprintln!("decide bench: {message}");
    std::process::exit(1)
}

fn compile(files: &[(String, String)]) -> Engine {
    let sources: Vec<Source> = files
        .iter()
        .map(|(name, text)| Source::new(name, text))
        .collect();
    match Engine::compile(&sources) {
        Ok(engine) => engine,
        Err(error) => {
            let first = error
                .diagnostics()
                .first()
                .map(|d| d.to_string())
                .unwrap_or_default();
            fail(&format!("generated policy set does not compile: {first}"))
        }
    }
}

/// Checks that `request` gets the decision `case` is named for.
fn check(engine: &Engine, n: usize, case: Expect, request: &Request) {
    let decision = engine.decide(request);
    let names: Vec<String> = decision
        .determining
        .iter()
        .map(|r| format!("{}/{}", r.policy, r.statement))
        .collect();
    let ok = match case {
        // The team's own statement must be among those that allowed it, so the
        // resource index (not only the global variable statement) is exercised.
        Expect::Allowed => {
            decision.outcome == Outcome::Allow
                && names.iter().any(|s| s.ends_with("/s3-app-3-reads-prod"))
        }
        Expect::Denied => {
            decision.reason == Reason::ExplicitDeny
                && names
                    .iter()
                    .any(|s| s == "global-guardrails/prod-network-only")
        }
        Expect::NoMatch => decision.reason == Reason::NoStatementApplied,
    };
    if !ok {
        fail(&format!(
            "n={n}: the {} request got {:?} ({:?}) by {names:?}",
            case.name(),
            decision.outcome,
            decision.reason
        ));
    }
}

struct Fixture {
    n: usize,
    files: Vec<(String, String)>,
    engine: Engine,
    requests: Vec<(Expect, Request)>,
}

fn fixtures() -> Vec<Fixture> {
    SIZES
        .iter()
        .map(|&n| {
            let files = support::policy_set(n);
            let engine = compile(&files);
            if engine.statement_count() != n {
                fail(&format!(
                    "generated {} statements, wanted {n}",
                    engine.statement_count()
                ));
            }
            let requests = Expect::ALL
                .iter()
                .map(|&case| {
                    let request = Request::from_json(&support::request_json(n, case))
                        .unwrap_or_else(|e| {
                            fail(&format!("n={n}: bad {} request: {e}", case.name()))
                        });
                    if request.context.time.is_none() {
                        fail("benchmark requests must carry context.time");
                    }
                    check(&engine, n, case, &request);
                    (case, request)
                })
                .collect();
            Fixture {
                n,
                files,
                engine,
                requests,
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let fixtures = fixtures();

    for case in Expect::ALL {
        let mut group = c.benchmark_group(format!("decide/{}", case.name()));
        group.throughput(Throughput::Elements(1));
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));
        for fixture in &fixtures {
            let Some((_, request)) = fixture.requests.iter().find(|(c, _)| *c == case) else {
                fail("missing request");
            };
            group.bench_with_input(
                BenchmarkId::from_parameter(fixture.n),
                request,
                |b, request| b.iter(|| fixture.engine.decide(black_box(request)).outcome),
            );
        }
        group.finish();
    }

    let mut group = c.benchmark_group("compile");
    group.sampling_mode(SamplingMode::Flat);
    for fixture in &fixtures {
        let statements = fixture.n;
        group.throughput(Throughput::Elements(statements as u64));
        if statements >= 10_000 {
            // About 0.4 s and 4-6 s per compile on a 2-core machine: ten
            // one-compile samples, and no warm-up beyond the first compile.
            group.sample_size(10);
            group.warm_up_time(Duration::from_millis(1));
            let seconds = if statements >= 100_000 { 80 } else { 6 };
            group.measurement_time(Duration::from_secs(seconds));
        } else {
            group.sample_size(20);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(3));
        }
        let sources: Vec<Source> = fixture
            .files
            .iter()
            .map(|(name, text)| Source::new(name, text))
            .collect();
        group.bench_with_input(
            BenchmarkId::from_parameter(statements),
            &sources,
            // Dropping a large engine takes a while too; time compiling only.
            |b, sources| b.iter_with_large_drop(|| Engine::compile(black_box(sources))),
        );
    }
    group.finish();

    let Some(fixture) = fixtures.iter().find(|f| f.n == JSON_SIZE) else {
        fail("missing JSON fixture");
    };
    let json = support::request_json(JSON_SIZE, Expect::Allowed);
    let answer = tessera::json::evaluate(&fixture.engine, &json, false);
    if !answer.starts_with(r#"{"decision":"allow""#) {
        fail(&format!("json::evaluate answered {answer}"));
    }
    let mut group = c.benchmark_group("json_evaluate/allowed");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(2));
    group.bench_with_input(
        BenchmarkId::from_parameter(JSON_SIZE),
        json.as_str(),
        |b, json| b.iter(|| tessera::json::evaluate(&fixture.engine, black_box(json), false)),
    );
    group.finish();
}

/// The JSON layer on the ecommerce corpus request: the whole
/// `json::evaluate` call, and parsing the request alone.
fn json_benches(c: &mut Criterion) {
    const POLICIES: [(&str, &str); 2] = [
        (
            "network.policy",
            include_str!("../../corpus/ecommerce/network.policy"),
        ),
        (
            "payments.policy",
            include_str!("../../corpus/ecommerce/payments.policy"),
        ),
    ];
    const REQUEST: &str = include_str!("../../corpus/ecommerce/request.json");
    let sources: Vec<Source> = POLICIES
        .iter()
        .map(|(name, text)| Source::new(name, text))
        .collect();
    let engine = match Engine::compile(&sources) {
        Ok(engine) => engine,
        Err(error) => fail(&format!("the ecommerce corpus does not compile: {error}")),
    };
    let answer = tessera::json::evaluate(&engine, REQUEST, false);
    if !answer.starts_with(r#"{"decision":"allow""#) {
        fail(&format!("json::evaluate answered {answer} for ecommerce"));
    }
    if let Err(error) = Request::from_json(REQUEST) {
        fail(&format!("the ecommerce request does not parse: {error}"));
    }
    if Request::from_json_fast_path(REQUEST).is_none() {
        fail("the ecommerce request does not take from_json's fast path");
    }

    let mut group = c.benchmark_group("json_evaluate");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("ecommerce", |b| {
        b.iter(|| tessera::json::evaluate(&engine, black_box(REQUEST), false))
    });
    group.finish();

    let mut group = c.benchmark_group("json_parse_request");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("ecommerce", |b| {
        b.iter(|| Request::from_json(black_box(REQUEST)))
    });
    // The previous algorithm, every request through a `serde_json::Value`:
    // what `from_json` still does for a request it rejects.
    group.bench_function("ecommerce_via_value", |b| {
        b.iter(|| Request::from_json_via_value(black_box(REQUEST)))
    });
    group.finish();
}

criterion_group!(decide, benches, json_benches);
criterion_main!(decide);
