//! Every corpus request, decided and explained in the Wasm module, gives the
//! same bytes as the native JSON layer (`tessera::json::evaluate_at`, with
//! `explain` false and true).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use tessera::{Engine, Source};
use tessera_wasm_host::Limits;

/// The clock for requests without `context.time`: 2026-11-25T10:00:00Z.
const NOW_MS: i64 = 1_795_600_800_000;

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == extension))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_request_matches_the_native_json_layer() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "invalid"))
        .collect();
    dirs.sort();
    let now = chrono_now();
    let mut checked = 0;
    let mut explained = 0;
    for dir in &dirs {
        let set = dir.file_name().unwrap().to_string_lossy().into_owned();
        let texts: Vec<(String, String)> = files_with_extension(dir, "policy")
            .iter()
            .map(|f| {
                let name = format!("{set}/{}", f.file_name().unwrap().to_string_lossy());
                (name, std::fs::read_to_string(f).unwrap())
            })
            .collect();
        let sources: Vec<Source> = texts.iter().map(|(n, t)| Source::new(n, t)).collect();
        let engine = Engine::compile(&sources).unwrap_or_else(|e| panic!("{set}: {e}"));
        let pairs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let loaded = host.load(&pairs).unwrap();
        assert_eq!(
            loaded,
            format!(r#"{{"ok":true,"statements":{}}}"#, engine.statement_count()),
            "{set}"
        );
        // Read with the same loader `policy test` uses.
        let file = policy_cli::suite::load(&dir.join(format!("{set}.tests.toml")))
            .unwrap_or_else(|e| panic!("{}", e.render()));
        assert!(!file.tests.is_empty(), "{set} has no tests");
        for case in &file.tests {
            let request = &case.request_json;
            let text = request.to_string();
            let native = if request.pointer("/context/time").is_some() {
                tessera::json::evaluate(&engine, &text, false)
            } else {
                tessera::json::evaluate_at(&engine, &text, false, now)
            };
            let wasm = host.evaluate_bytes(text.as_bytes(), NOW_MS).unwrap();
            assert_eq!(wasm, native, "{set} / {}", case.name);
            let native = tessera::json::evaluate_at(&engine, &text, true, now);
            let wasm = host.explain_bytes(text.as_bytes(), NOW_MS).unwrap();
            assert_eq!(wasm, native, "{set} / {} (explained)", case.name);
            if !native.starts_with(r#"{"error""#) {
                assert!(
                    native.contains(r#""explanation":"#),
                    "{set} / {}",
                    case.name
                );
                explained += 1;
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} corpus requests");
    assert!(explained > 50, "only {explained} corpus requests explained");
    println!(
        "{checked} corpus requests give the same answer in Wasm, \
         explained or not ({explained} explanations)"
    );
}

/// A request without a time is decided at the clock the host passes.
#[test]
fn a_request_without_time_uses_the_hosts_clock() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    host.load(&[("p.policy", common::POLICY)]).unwrap();
    let engine = Engine::compile_str("p.policy", common::POLICY).unwrap();
    let request =
        r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db"}"#;
    assert_eq!(
        host.evaluate_bytes(request.as_bytes(), NOW_MS).unwrap(),
        tessera::json::evaluate_at(&engine, request, false, chrono_now())
    );
    assert_eq!(
        host.explain_bytes(request.as_bytes(), NOW_MS).unwrap(),
        tessera::json::evaluate_at(&engine, request, true, chrono_now())
    );
    assert!(
        host.evaluate(request)
            .unwrap()
            .contains(r#""decision":"allow""#)
    );
    let explained = host.explain(request).unwrap();
    assert!(
        explained.starts_with(r#"{"decision":"allow""#),
        "{explained}"
    );
    assert!(explained.contains(r#""explanation":"#), "{explained}");
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(NOW_MS).unwrap()
}
