//! Decision times of imported policy sets, beside Tessera sets of the same
//! size written natively, measured in the same run.
//!
//! ```text
//! cargo bench -p tessera-import --bench imported              # measure
//! cargo bench -p tessera-import --bench imported -- --test    # run each once (CI)
//! ```
//!
//! Benchmark ids (`{n}` statements or Vault paths: 100, 1,000, 10,000):
//! - `imported/aws/{n}` and `imported/aws_native/{n}`: `n` IAM statements,
//!   each granting two Secrets Manager actions on one team's secrets by
//!   ARN, converted by the AWS importer; and the same grants written as
//!   Tessera statements with the action and resource on their lines. A
//!   converted IAM statement matches actions ignoring case and resources
//!   with `*` crossing `/` and `:`, so it says both in `when` conditions
//!   (`action *`, `resource **`): the index cannot narrow such a set, and
//!   this pair shows what that costs.
//! - `imported/aws_tagged/{n}`: `n` IAM statements on `"Resource": "*"`,
//!   each naming its team in a `StringLike` on `aws:ResourceTag/team`:
//!   a set the index does not favour (every statement is tried).
//! - `imported/aws_actions/{n}` and `imported/aws_action_globs/{n}`: `n`
//!   IAM statements on `"Resource": "*"` that differ by their actions
//!   (`serviceI:GetKeyPolicy` or `serviceI:Get*`, and
//!   `serviceI:DescribeKey`), asked for an action spelled in another case.
//!   Actions are filed by their lower-cased names, or by the lower-cased
//!   text before a final `*`.
//! - `imported/vault/{n}` and `imported/vault_native/{n}`: `n` Vault path
//!   rules (a team's `secret/data/T/*` read and list, every tenth team a
//!   deny on its `admin/*`, every fifth a `+` segment rule), converted with
//!   Vault's priority written as carve-outs; and `n` plain Tessera allows on
//!   the same subtrees.
//!
//! Each request is one that is allowed, about a team in the middle of the
//! set; the bench checks every decision before timing it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use tessera::{Engine, Outcome, Request};

fn fail(message: &str) -> ! {
    eprintln!("imported bench: {message}");
    std::process::exit(1)
}

fn engine(text: &str) -> Engine {
    Engine::compile_str("bench.policy", text)
        .unwrap_or_else(|e| fail(&format!("the policy does not compile: {e}")))
}

const SIZES: [usize; 3] = [100, 1_000, 10_000];

const ARN: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret";

fn aws_document(n: usize) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid": "Team{i}", "Effect": "Allow",
  "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
  "Resource": "{ARN}:team{i}/*"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",\n")
    )
}

/// Statements the index cannot tell apart: every one is on `"Resource":
/// "*"` and names its team in a pattern on the secret's tag, so each
/// request tries them all (a shape ABAC sets have).
fn aws_tagged_document(n: usize) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid": "Team{i}", "Effect": "Allow",
  "Action": "secretsmanager:GetSecretValue", "Resource": "*",
  "Condition": {{"StringLike": {{"aws:ResourceTag/team": "team{i}-*"}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",\n")
    )
}

/// Statements on `"Resource": "*"` that differ by their actions, as
/// permission sets granting one service each are written.
fn aws_actions_document(n: usize, first: &str) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid": "Service{i}", "Effect": "Allow",
  "Action": ["service{i}:{first}", "service{i}:DescribeKey"], "Resource": "*"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",\n")
    )
}

fn aws_native(n: usize) -> String {
    let mut text = String::from("policy \"native\" {\n");
    for i in 0..n {
        text.push_str(&format!(
            "  allow \"Team{i}\" {{\n    principal *\n    action secretsmanager:GetSecretValue, secretsmanager:DescribeSecret\n    resource \"{ARN}:team{i}/**\"\n  }}\n"
        ));
    }
    text.push_str("}\n");
    text
}

fn vault_rules(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let path = if i % 5 == 4 {
            format!("secret/data/team{i}/+/config")
        } else {
            format!("secret/data/team{i}/*")
        };
        text.push_str(&format!(
            "path \"{path}\" {{\n  capabilities = [\"read\", \"list\"]\n}}\n"
        ));
        if i % 10 == 0 {
            text.push_str(&format!(
                "path \"secret/data/team{i}/admin/*\" {{\n  capabilities = [\"deny\"]\n}}\n"
            ));
        }
    }
    text
}

fn vault_native(n: usize) -> String {
    let mut text = String::from("policy \"native\" {\n");
    for i in 0..n {
        text.push_str(&format!(
            "  allow \"team{i}\" {{\n    principal *\n    action read, list\n    resource secret/data/team{i}/**\n  }}\n"
        ));
    }
    text.push_str("}\n");
    text
}

fn time(c: &mut Criterion, id: &str, n: usize, engine: &Engine, request: &Request) {
    if engine.decide(request).outcome != Outcome::Allow {
        fail(&format!("{id}/{n}: the request is not allowed"));
    }
    let mut group = c.benchmark_group(format!("imported/{id}"));
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    group.bench_with_input(BenchmarkId::from_parameter(n), request, |b, r| {
        b.iter(|| black_box(engine.decide(black_box(r))))
    });
    group.finish();
}

fn aws(c: &mut Criterion) {
    for n in SIZES {
        let converted = tessera_import::aws::convert("bench.json", &aws_document(n))
            .unwrap_or_else(|d| fail(&format!("the IAM document is refused: {d:?}")));
        let request = Request::new(
            "arn:aws:iam::111122223333:user/ann",
            "secretsmanager:GetSecretValue",
            &format!("{ARN}:team{}/db-AbCdEf", n / 2),
        );
        time(c, "aws", n, &engine(&converted), &request);
        time(c, "aws_native", n, &engine(&aws_native(n)), &request);
        let tagged = tessera_import::aws::convert("bench.json", &aws_tagged_document(n))
            .unwrap_or_else(|d| fail(&format!("the IAM document is refused: {d:?}")));
        let request = request.with_resource_tag("team", &format!("team{}-db", n / 2));
        time(c, "aws_tagged", n, &engine(&tagged), &request);
        let request = Request::new(
            "arn:aws:iam::111122223333:user/ann",
            &format!("Service{}:describekey", n / 2),
            "arn:aws:kms:us-east-1:111122223333:key/k1",
        );
        for (id, first) in [
            ("aws_actions", "GetKeyPolicy"),
            ("aws_action_globs", "Get*"),
        ] {
            let actions =
                tessera_import::aws::convert("bench.json", &aws_actions_document(n, first))
                    .unwrap_or_else(|d| fail(&format!("the IAM document is refused: {d:?}")));
            time(c, id, n, &engine(&actions), &request);
        }
    }
}

fn vault(c: &mut Criterion) {
    for n in SIZES {
        let rules = vault_rules(n);
        let converted = tessera_import::vault::convert(&[("bench.hcl", rules.as_str())])
            .unwrap_or_else(|d| fail(&format!("the Vault policy is refused: {d:?}")));
        // Team n/2 - 2 (48, 498, 4998) has a `*` rule (its number is 3
        // modulo 5) and no deny, so its subtree grants read.
        let request = Request::new(
            "user:token",
            "read",
            &format!("secret/data/team{}/app/db", n / 2 - 2),
        );
        time(c, "vault", n, &engine(&converted), &request);
        time(c, "vault_native", n, &engine(&vault_native(n)), &request);
    }
}

criterion_group!(benches, aws, vault);
criterion_main!(benches);
