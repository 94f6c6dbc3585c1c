//! The JavaScript packages, run by Node: every corpus request decides as the
//! native JSON layer does, through both the Node and the browser package;
//! the README's examples run; the TypeScript types check (and reject a
//! wrong request).
//!
//! The packages are built with `wasm/build.sh`. When node, wasm-bindgen-cli
//! or the wasm32 target is missing the tests print a note and pass, except
//! under CI (`CI` set), where a missing tool fails them: `.ci/run` installs
//! everything.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/skip.rs"]
mod skip;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tessera::{Engine, Source};

/// The clock for requests without `context.time`: 2026-11-25T10:00:00Z.
const NOW_MS: i64 = 1_795_600_800_000;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `target/` of this test run (the test executable is in
/// `target/PROFILE/deps`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Skips (prints `why`) outside CI; fails under CI.
fn missing(why: &str) -> Option<PathBuf> {
    skip::skip(why);
    None
}

fn tool_runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The directory `wasm/build.sh` wrote (`js/node`, `js/web` inside), built
/// once per test binary; `None` when a tool is missing outside CI.
fn packages() -> Option<PathBuf> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if !tool_runs("node", "--version") {
                return missing("node is not installed");
            }
            if !tool_runs("wasm-bindgen", "--version") {
                return missing("wasm-bindgen-cli is not installed");
            }
            let out = target_dir().join("wasm-js-test");
            let output = Command::new("bash")
                .arg(repository().join("wasm/build.sh"))
                .arg(&out)
                .env("CARGO_TARGET_DIR", target_dir())
                .output()
                .expect("run wasm/build.sh");
            if output.status.code() == Some(3) {
                // build.sh's code for a wasm-bindgen-cli of another version.
                return missing(String::from_utf8_lossy(&output.stderr).trim());
            }
            assert!(
                output.status.success(),
                "wasm/build.sh failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            Some(out)
        })
        .clone()
}

/// Runs `node ARGS` and returns its stdout; panics with its output when it
/// fails.
fn node(args: &[&Path]) -> String {
    let output = Command::new("node").args(args).output().expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "node {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == extension))
        .collect();
    files.sort();
    files
}

/// `[{"name", "text"}]` for the `.policy` files of `dir`, named `SET/FILE`.
fn sources_of(dir: &Path) -> Vec<(String, String)> {
    let set = dir.file_name().unwrap().to_string_lossy().into_owned();
    files_with_extension(dir, "policy")
        .iter()
        .map(|f| {
            let name = format!("{set}/{}", f.file_name().unwrap().to_string_lossy());
            (name, std::fs::read_to_string(f).unwrap())
        })
        .collect()
}

fn sources_json(sources: &[(String, String)]) -> Value {
    sources
        .iter()
        .map(|(name, text)| json!({"name": name, "text": text}))
        .collect()
}

/// Requests the corpus does not hold: malformed ones, which must throw the
/// same error in JS as the native layer answers.
const MALFORMED_REQUESTS: &[&str] = &[
    r#"{"principal": "user:a"}"#,
    r#"{"principal": "", "action": "secrets:GetSecretValue", "resource": "a/b"}"#,
    r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "a/../b"}"#,
    r#"{"principal": "user:a", "action": "a", "resource": "a/b", "context": {"source_ip": "10.0.0.300"}}"#,
    r#"{"principal": "user:a", "action": "a", "resource": "a/b", "context": {"time": "yesterday"}}"#,
    r#"{"principal": "user:a", "action": "a", "resource": "a/b", "context": {"mfa": "yes"}}"#,
    r#"{"principal": "user:a", "action": "a", "resource": "a/b", "extra": 1}"#,
    r#"[1, 2, 3]"#,
    r#"{"principal": "#,
];

/// The cases file `corpus.mjs` reads: per corpus set its sources and, per
/// request, the native answers plain and explained; the malformed requests;
/// each invalid policy file with its native compile error.
fn cases() -> Value {
    let corpus = repository().join("corpus");
    let now = chrono::DateTime::from_timestamp_millis(NOW_MS).unwrap();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "invalid"))
        .collect();
    dirs.sort();
    let mut sets = Vec::new();
    for dir in &dirs {
        let set = dir.file_name().unwrap().to_string_lossy().into_owned();
        let texts = sources_of(dir);
        let sources: Vec<Source> = texts.iter().map(|(n, t)| Source::new(n, t)).collect();
        let engine = Engine::compile(&sources).unwrap_or_else(|e| panic!("{set}: {e}"));
        let file = policy_cli::suite::load(&dir.join(format!("{set}.tests.toml")))
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let mut requests: Vec<(String, String)> = file
            .tests
            .iter()
            .map(|case| (case.name.clone(), case.request_json.to_string()))
            .collect();
        requests.extend(
            MALFORMED_REQUESTS
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("malformed #{i}"), (*r).to_owned())),
        );
        let cases: Vec<Value> = requests
            .iter()
            .map(|(name, text)| {
                let answer = |explain| {
                    let text = tessera::json::evaluate_at(&engine, text, explain, now);
                    serde_json::from_str::<Value>(&text).unwrap()
                };
                // Well-formed requests go to JS as objects, malformed ones
                // as the text itself.
                let request = serde_json::from_str::<Value>(text)
                    .ok()
                    .filter(|_| !name.starts_with("malformed"))
                    .unwrap_or_else(|| Value::String(text.clone()));
                json!({"name": name, "request": request,
                       "expected": answer(false), "explained": answer(true)})
            })
            .collect();
        sets.push(json!({
            "name": set,
            "sources": sources_json(&texts),
            "statements": engine.statement_count(),
            "cases": cases,
        }));
    }
    let invalid: Vec<Value> = files_with_extension(&corpus.join("invalid"), "policy")
        .iter()
        .map(|path| {
            let name = format!("invalid/{}", path.file_name().unwrap().to_string_lossy());
            let text = std::fs::read_to_string(path).unwrap();
            let error = match Engine::compile(&[Source::new(&name, &text)]) {
                Ok(_) => panic!("{name} compiles"),
                Err(e) => tessera::json::compile_error(&e),
            };
            json!({"sources": [{"name": name, "text": text}], "expected": error})
        })
        .collect();
    json!({"now_ms": NOW_MS, "sets": sets, "invalid": invalid})
}

#[test]
fn every_corpus_request_decides_in_node_as_natively() {
    let Some(packages) = packages() else {
        return;
    };
    let cases_file = target_dir().join("wasm-js-test/cases.json");
    std::fs::write(&cases_file, cases().to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus.mjs");
    let stdout = node(&[&script, &packages, &cases_file]);
    print!("{stdout}");
    // One line per package flavour: "node: N requests, M invalid files".
    for flavour in ["node", "web"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{flavour}:")))
            .unwrap_or_else(|| panic!("no summary for the {flavour} package"));
        let count: usize = line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(count > 150, "{line}");
    }
}

/// The ```js blocks of `wasm/js/README.md` that `require` the Node package,
/// with its path pointed at the built one.
fn readme_blocks(language: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let fence = format!("```{language}\n");
    let mut blocks = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```\n").unwrap();
        blocks.push(body[..end].to_owned());
        rest = &body[end..];
    }
    blocks
}

#[test]
fn the_readme_node_examples_run_and_print_what_they_say() {
    let Some(packages) = packages() else {
        return;
    };
    let node_package = packages.join("js/node/tessera.js");
    let blocks: Vec<String> = readme_blocks("js")
        .into_iter()
        .filter(|b| b.contains("require(\"./target/wasm/js/node/tessera.js\")"))
        .collect();
    assert_eq!(blocks.len(), 3, "the README's three Node examples");
    let dir = target_dir().join("wasm-js-test");
    let mut outputs = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let script = dir.join(format!("readme-{i}.cjs"));
        let code = block.replace(
            "./target/wasm/js/node/tessera.js",
            &node_package.display().to_string(),
        );
        std::fs::write(&script, code).unwrap();
        outputs.push(node(&[&script]));
    }
    assert!(
        outputs[0].contains("decision: 'allow'") && outputs[0].contains("'api-reads-its-keys'"),
        "{}",
        outputs[0]
    );
    assert!(
        outputs[1].contains("broken.policy:1:")
            && outputs[1].contains("request action action: required field is missing"),
        "{}",
        outputs[1]
    );
    assert!(
        outputs[2].contains("allow 1")
            && outputs[2].contains("0 allow { session_token: '[masked]', ticket: '[masked]' }")
            && outputs[2].contains("reason: 'audit_failed'"),
        "{}",
        outputs[2]
    );
}

/// The HMAC key `audit.mjs` chains its records with.
const AUDIT_KEY: &str = "kept apart from the log";

/// A value `audit.mjs` puts in secret-named context keys.
const AUDIT_SECRET: &str = "ghp_NEVER_IN_A_RECORD_0123456789";

#[test]
fn every_corpus_request_audited_in_node_decides_as_natively_and_the_records_verify() {
    let Some(packages) = packages() else {
        return;
    };
    let dir = target_dir().join("wasm-js-test");
    let cases_file = dir.join("audit-cases.json");
    std::fs::write(&cases_file, cases().to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audit.mjs");
    let output = Command::new("node")
        .arg(&script)
        .arg(&packages)
        .arg(&cases_file)
        .arg(&dir)
        .arg(AUDIT_KEY)
        .arg(AUDIT_SECRET)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "node audit.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    print!("{stdout}");
    for flavour in ["node", "web"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("audit {flavour}:")))
            .unwrap_or_else(|| panic!("no summary for the {flavour} package"));
        let count: u64 = line
            .split_whitespace()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(count > 300, "{line}");
        let path = dir.join(format!("audit-{flavour}.jsonl"));
        let report = tessera::audit::verify_file(&path, Some(AUDIT_KEY.as_bytes())).unwrap();
        assert!(report.is_clean(), "{flavour}: {report:?}");
        assert_eq!(report.records, count, "{flavour}");
        let log = std::fs::read_to_string(&path).unwrap();
        assert!(
            !log.contains(AUDIT_SECRET),
            "{flavour}: a secret reached a record"
        );
        let mut masked = 0;
        for line in log.lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            assert!(record.get("principal_tags").is_none(), "{record}");
            assert_eq!(record["eval_ns"], 0, "no clock in Wasm");
            if let Some(context) = record.get("context").and_then(Value::as_object) {
                for (name, value) in context {
                    let lower = name.to_ascii_lowercase();
                    let secret_named = tessera::audit::SECRET_NAME_PARTS
                        .iter()
                        .any(|part| lower.contains(part));
                    if secret_named || name == "ticket" {
                        assert_eq!(value, tessera::audit::MASKED, "{record}");
                        masked += 1;
                    }
                }
            }
        }
        assert!(
            masked as u64 >= count / 2,
            "{flavour}: only {masked} masked values"
        );
    }
}

#[test]
fn hostile_input_throws_tessera_errors_and_the_module_keeps_working() {
    let Some(packages) = packages() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile.mjs");
    let stdout = node(&[&script, &packages]);
    print!("{stdout}");
    assert!(stdout.contains("hostile: "), "{stdout}");
}

/// Runs `tsc --noEmit --strict` on `code` (its imports pointed at the Node
/// package); the exit status and output.
fn type_check(packages: &Path, name: &str, code: &str) -> (bool, String) {
    let dir = target_dir().join("wasm-js-test");
    let file = dir.join(name);
    let types = packages.join("js/node/tessera");
    std::fs::write(
        &file,
        code.replace(
            "./target/wasm/js/node/tessera",
            &types.display().to_string(),
        ),
    )
    .unwrap();
    let output = Command::new("tsc")
        .args([
            "--noEmit", "--strict", "--target", "es2020", "--module", "commonjs",
        ])
        .args([
            "--moduleResolution",
            "node",
            "--lib",
            "es2020,dom",
            "--skipLibCheck",
        ])
        .arg(&file)
        .output()
        .expect("run tsc");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_typescript_types_accept_the_readme_and_generated_types_and_reject_wrong_ones() {
    let Some(packages) = packages() else {
        return;
    };
    if !tool_runs("tsc", "--version") {
        missing("tsc is not installed (Debian: node-typescript)");
        return;
    }
    let blocks = readme_blocks("ts");
    assert_eq!(blocks.len(), 1, "the README's TypeScript example");
    let (ok, output) = type_check(&packages, "readme.ts", &blocks[0]);
    assert!(
        ok,
        "the README's TypeScript example does not type-check:\n{output}"
    );

    // The answer types tsify generates from the Rust structs: an
    // explanation's parts, a diagnostic's fields, the limits' names.
    let generated = r#"import { Engine, Decision, Diagnostic, Limits, Part } from "./target/wasm/js/node/tessera";
const limits: Limits = { policy: { max_pattern_bytes: 64 }, request: { max_groups: 2 } };
const engine = new Engine("", limits);
const explained: Decision = engine.explain({ principal: "user:a", action: "x", resource: "app/db" });
const part: Part | undefined = explained.explanation?.[0]?.failures[0]?.part;
const actual: string | null | undefined = explained.explanation?.[0]?.failures[0]?.actual;
const seen: string = explained.determining.map((s) => s.policy + s.statement).join();
const diagnostic: Diagnostic = { code: "syntax", message: "m", file: "f", line: 1, column: 1, expected: null, hint: null };
console.log(part, actual, seen, diagnostic.line + diagnostic.column, explained.decision === "allow");
"#;
    let (ok, output) = type_check(&packages, "generated.ts", generated);
    assert!(
        ok,
        "the generated answer types do not type-check:\n{output}"
    );

    let misspelt = r#"import { Limits } from "./target/wasm/js/node/tessera";
const limits: Limits = { request: { max_grups: 2 } };
"#;
    let (ok, output) = type_check(&packages, "misspelt.ts", misspelt);
    assert!(!ok, "a misspelt limit type-checks");
    assert!(output.contains("max_grups"), "{output}");

    let wrong = r#"import { Engine } from "./target/wasm/js/node/tessera";
const engine = new Engine("");
engine.evaluate({ principal: "user:a", action: 7, resource: "app/db" });
const reason: "granted" = engine.evaluate("{}").reason;
"#;
    let (ok, output) = type_check(&packages, "wrong.ts", wrong);
    assert!(!ok, "a numeric action and a made-up reason type-check");
    assert!(
        output.contains("'number' is not assignable to type 'string'"),
        "{output}"
    );
    assert!(output.contains("\"granted\""), "{output}");
}
