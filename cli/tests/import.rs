//! Vault and AWS IAM policies through the real `policy` binary: `.hcl` files
//! beside `.policy` files decided together, `policy import vault` printing
//! text that decides the same compiled alone, refusals with file:line:column
//! and exit 2, `fmt` leaving imported files alone, `serve --watch` reloading
//! a changed `.hcl` file, directory walks that skip JSON requests, and AWS
//! IAM documents decided with the rest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use std::path::Path;
use std::process::Command;

const KV: &str = r#"# Read the application's secrets, never the admin ones.
path "secret/data/*" {
  capabilities = ["read", "list"]
}
path "secret/data/admin/*" {
  capabilities = ["deny"]
}
path "secret/data/admin/rotation" {
  capabilities = ["read"]
}
"#;

const OPS: &str = r#"policy "ops" {
  allow "ops-update" {
    principal user:ops
    action    update
    resource  secret/data/app/**
  }
}
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn policy(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_policy"))
        .args(args)
        .arg("--color=never")
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        // A run that refuses its policies exits without reading the
        // request: its closed pipe is no failure of the test.
        match child.stdin.take().unwrap().write_all(input.as_bytes()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => panic!("writing the request: {e}"),
        }
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn request(principal: &str, action: &str, path: &str) -> String {
    format!(r#"{{"principal": "{principal}", "action": "{action}", "resource": "{path}"}}"#)
}

fn decide(dir: &Path, policies: &str, principal: &str, action: &str, path: &str) -> String {
    let run = policy(
        dir,
        &[
            "eval",
            "--policies",
            policies,
            "--request",
            "-",
            "--format",
            "json",
        ],
        Some(&request(principal, action, path)),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    value["decision"].as_str().unwrap().to_string()
}

#[test]
fn vault_and_tessera_files_are_decided_together() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kv.hcl"), KV).unwrap();
    std::fs::write(dir.path().join("ops.policy"), OPS).unwrap();
    // A request beside the policies is not a policy: the walk skips it.
    std::fs::write(
        dir.path().join("request.json"),
        request("user:dev", "read", "x"),
    )
    .unwrap();
    let d = dir.path();
    assert_eq!(
        decide(d, ".", "user:dev", "read", "secret/data/app/db"),
        "allow"
    );
    assert_eq!(
        decide(d, ".", "user:dev", "list", "secret/data/app"),
        "allow"
    );
    assert_eq!(
        decide(d, ".", "user:dev", "update", "secret/data/app/db"),
        "deny"
    );
    // The Tessera allow adds what Vault's paths do not grant.
    assert_eq!(
        decide(d, ".", "user:ops", "update", "secret/data/app/db"),
        "allow"
    );
    // Vault's deny beats the broader Vault allow, and the more specific path
    // escapes the deny.
    assert_eq!(
        decide(d, ".", "user:dev", "read", "secret/data/admin/root"),
        "deny"
    );
    assert_eq!(
        decide(d, ".", "user:dev", "read", "secret/data/admin/rotation"),
        "allow"
    );
    assert_eq!(
        decide(d, ".", "user:dev", "help", "anything/at/all"),
        "allow"
    );

    let run = policy(d, &["check", "."], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("ok: 2 file(s)"), "{}", run.stdout);
    // Named on the command line, one at a time, too.
    assert_eq!(
        decide(d, "kv.hcl", "user:dev", "read", "secret/data/app/db"),
        "allow"
    );
}

#[test]
fn policy_import_vault_prints_text_that_decides_the_same() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kv.hcl"), KV).unwrap();
    let run = policy(dir.path(), &["import", "vault", "kv.hcl"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("policy \"vault\" {"), "{}", run.stdout);
    assert!(
        run.stdout.contains("deny \"secret/data/admin/*\""),
        "{}",
        run.stdout
    );

    let alone = tempfile::tempdir().unwrap();
    std::fs::write(alone.path().join("vault.policy"), &run.stdout).unwrap();
    // Canonical already.
    let fmt = policy(alone.path(), &["fmt", "--check", "."], None);
    assert_eq!(fmt.code, 0, "{}{}", fmt.stdout, fmt.stderr);
    for (action, path) in [
        ("read", "secret/data/app/db"),
        ("update", "secret/data/app/db"),
        ("read", "secret/data/admin/root"),
        ("read", "secret/data/admin/rotation"),
        ("list", "secret/data/admin"),
        ("list", "secret/data"),
        ("sudo", "secret/data/app/db"),
    ] {
        assert_eq!(
            decide(alone.path(), ".", "user:dev", action, path),
            decide(dir.path(), ".", "user:dev", action, path),
            "{action} {path}"
        );
    }
}

#[test]
fn a_bad_capability_exits_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ops.policy"), OPS).unwrap();
    std::fs::write(
        dir.path().join("bad.hcl"),
        "path \"secret/*\" {\n  capabilities = [\"read\", \"lsit\"]\n}\n",
    )
    .unwrap();
    for args in [
        &["check", "."][..],
        &["eval", "--policies", ".", "--request", "-"][..],
        &["lint", "."][..],
        &["import", "vault", "bad.hcl"][..],
    ] {
        let run = policy(dir.path(), args, Some(&request("u", "read", "secret/x")));
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("error[import]: unknown capability `lsit` on path \"secret/*\""),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("bad.hcl:2:27"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("help: did you mean `list`?"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn fmt_leaves_imported_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kv.hcl"), KV).unwrap();
    std::fs::write(dir.path().join("ops.policy"), OPS).unwrap();
    let run = policy(dir.path(), &["fmt", "."], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kv.hcl")).unwrap(),
        KV
    );
}

#[test]
fn test_runs_beside_vault_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kv.hcl"), KV).unwrap();
    std::fs::write(
        dir.path().join("kv.tests.toml"),
        r#"[[test]]
name = "reads app secrets"
expect = "allow"

[test.request]
principal = "user:dev"
action = "read"
resource = "secret/data/app/db"

[[test]]
name = "never admin ones"
expect = "deny"

[test.request]
principal = "user:dev"
action = "read"
resource = "secret/data/admin/root"
"#,
    )
    .unwrap();
    let run = policy(dir.path(), &["test", "."], None);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn corpus_directories_with_json_requests_still_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let run = policy(&root, &["check", "corpus/ecommerce"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// An IAM policy saved as UTF-16 (as some Windows editors do) is not
/// UTF-8: a walk takes it and refuses it, rather than leaving its Deny out.
#[test]
fn a_utf16_json_policy_in_a_walk_is_refused_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let document = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#;
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(document.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("deny-all.json"), utf16).unwrap();
    std::fs::write(dir.path().join("kv.hcl"), KV).unwrap();
    let run = policy(dir.path(), &["check", "."], None);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("deny-all.json") && run.stderr.contains("not valid UTF-8"),
        "{}",
        run.stderr
    );
}

#[test]
fn serve_watch_reloads_a_changed_hcl_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kv.hcl"), KV).unwrap();
    let mut server = server::Server::start(&[
        "--policies",
        dir.path().to_str().unwrap(),
        "--watch",
        "--interval",
        "50",
    ]);
    server.serving();
    let read = request("user:dev", "read", "secret/data/app/db");
    assert_eq!(server.decide(&read), "allow");
    std::fs::write(
        dir.path().join("kv.hcl"),
        KV.replace("[\"read\", \"list\"]", "[\"list\"]"),
    )
    .unwrap();
    server.wait_for("reloaded:");
    assert_eq!(server.decide(&read), "deny");
    // A broken file keeps the last good set serving.
    std::fs::write(
        dir.path().join("kv.hcl"),
        "path \"a\" { capabilities = [\"raed\"] }\n",
    )
    .unwrap();
    server.wait_for("reload failed");
    assert!(
        server.log().contains("unknown capability `raed`"),
        "{}",
        server.log()
    );
    assert_eq!(server.decide(&read), "deny");
    let (code, log) = server.finish();
    assert_eq!(code, 0, "{log}");
}

#[test]
fn aws_documents_are_decided_with_the_rest_and_requests_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("read-one.json"),
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "arn:aws:secretsmanager:us-east-2:123456789012:secret:MySecret-a1b2c3"
    }
  ]
}
"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("kv.hcl"), KV).unwrap();
    std::fs::write(
        dir.path().join("request.json"),
        request("user:dev", "read", "x"),
    )
    .unwrap();
    let d = dir.path();
    let arn = "arn:aws:secretsmanager:us-east-2:123456789012:secret:MySecret-a1b2c3";
    assert_eq!(
        decide(d, ".", "user:dev", "secretsmanager:GetSecretValue", arn),
        "allow"
    );
    assert_eq!(
        decide(d, ".", "user:dev", "secretsmanager:DeleteSecret", arn),
        "deny"
    );
    assert_eq!(
        decide(d, ".", "user:dev", "read", "secret/data/app/db"),
        "allow"
    );
    let run = policy(d, &["check", "."], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The Vault set and the AWS document: one converted source each.
    assert!(run.stdout.starts_with("ok: 2 file(s)"), "{}", run.stdout);
    let run = policy(d, &["import", "aws", "read-one.json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("policy \"read-one\""), "{}", run.stdout);
    // Named on the command line, a JSON file is always read as a policy.
    let run = policy(d, &["check", "request.json"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("error[import]"), "{}", run.stderr);
}

/// An IAM document's actions and resources are written as `action *` and
/// `resource **` narrowed by `when` conditions: lint reads the conditions,
/// so a narrow document has no `allow-all-*` finding, while `*` stays an
/// error and `secretsmanager:*` a warning.
#[test]
fn lint_reads_the_conditions_that_narrow_an_imported_iam_statement() {
    let dir = tempfile::tempdir().unwrap();
    let narrow = r#"{"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadTeam", "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:team-*"}]}"#;
    std::fs::create_dir(dir.path().join("narrow")).unwrap();
    std::fs::write(dir.path().join("narrow/read.json"), narrow).unwrap();
    let run = policy(dir.path(), &["lint", "narrow"], None);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no findings"), "{}", run.stdout);

    let wide = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "Service", "Effect": "Allow", "Action": "secretsmanager:*",
         "Resource": "arn:aws:secretsmanager:*:*:secret:app/*"},
        {"Sid": "AnyPath", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": "*"},
        {"Sid": "AnyService", "Effect": "Allow", "Action": "*:*",
         "Resource": "arn:aws:secretsmanager:*:*:secret:app/*"}]}"#;
    std::fs::create_dir(dir.path().join("wide")).unwrap();
    std::fs::write(dir.path().join("wide/wide.json"), wide).unwrap();
    let run = policy(dir.path(), &["lint", "wide"], None);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let has = |rule: &str, statement: &str| {
        run.stdout
            .lines()
            .any(|l| l.contains(&format!("[{rule}]")) && l.contains(&format!("`wide/{statement}`")))
    };
    assert!(has("allow-all-actions", "Everything"), "{}", run.stdout);
    assert!(has("allow-all-resources", "Everything"), "{}", run.stdout);
    assert!(has("allow-all-actions", "Service"), "{}", run.stdout);
    assert!(!has("allow-all-resources", "Service"), "{}", run.stdout);
    assert!(!has("prod-without-guard", "Service"), "{}", run.stdout);
    assert!(!has("allow-all-actions", "AnyPath"), "{}", run.stdout);
    assert!(has("allow-all-resources", "AnyPath"), "{}", run.stdout);
    assert!(has("prod-without-guard", "AnyPath"), "{}", run.stdout);
    // `*:*` in the condition is every action still.
    assert!(has("allow-all-actions", "AnyService"), "{}", run.stdout);
}
