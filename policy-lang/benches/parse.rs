//! Parsing benchmarks over generated policies of 1,000 to 100,000 statements
//! in four shapes (see `source`).
//!
//! ```text
//! cargo bench -p policy-lang --bench parse               # measure
//! cargo bench -p policy-lang --bench parse -- --test     # run each once (CI)
//! cargo bench -p policy-lang --bench parse -- parse/multiline
//! ```
//!
//! Benchmark ids: `parse/{multiline,tag_condition,team_path,mixed}/{n}`;
//! each parses one source holding one policy of `n` statements with
//! `policy_lang::parse_set`, as compiling a policy set does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

const SHAPES: [&str; 4] = ["multiline", "tag_condition", "team_path", "mixed"];

/// One policy of `n` statements of the given shape.
fn source(shape: &str, n: usize) -> String {
    let mut s = String::from("policy \"p\" {\n");
    for i in 0..n {
        let _ = match shape {
            "multiline" => writeln!(
                s,
                "  allow \"s{i}\" {{\n    principal user:u{i}\n    action secrets:GetSecretValue\n    resource prod/shared/db\n  }}"
            ),
            "tag_condition" => writeln!(
                s,
                "  allow \"s{i}\" {{ principal * action secrets:GetSecretValue resource prod/** when {{ principal.tags.team == \"team-{i}\" }} }}"
            ),
            "team_path" => writeln!(
                s,
                "  allow \"s{i}\" {{ principal * action secrets:GetSecretValue resource prod/team-{i}/** }}"
            ),
            _ => writeln!(
                s,
                "  allow \"s{i}\" {{ principal group:g-{i}, user:x action svc-{i}:Get* resource \"prod/{{a,b}}/*\" when {{ source_ip in [10.0.0.0/8] and mfa }} }}"
            ),
        };
    }
    s.push_str("}\n");
    s
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sampling_mode(SamplingMode::Flat);
    for shape in SHAPES {
        for n in SIZES {
            let text = source(shape, n);
            let parsed = policy_lang::parse_set(&[("bench.policy", &text)]);
            match parsed {
                Ok(files) if files[0].policies[0].statements.len() == n => {}
                Ok(_) => panic!("{shape}/{n}: wrong number of statements"),
                Err(e) => panic!("{shape}/{n}: {e}"),
            }
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.sample_size(if n >= 100_000 { 10 } else { 20 });
            group.measurement_time(Duration::from_secs(if n >= 100_000 { 8 } else { 3 }));
            group.bench_with_input(BenchmarkId::new(shape, n), &text, |b, text| {
                b.iter(|| black_box(policy_lang::parse_set(&[("bench.policy", text)]).is_ok()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
