//! Every corpus request, decided and explained in the Wasm module, gives the
//! same bytes as the native JSON layer (`tessera::json::evaluate_at`, with
//! `explain` false and true).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/skip.rs"]
mod skip;

use tessera::Engine;
use tessera_wasm_host::Limits;

/// The clock for requests without `context.time`: 2026-11-25T10:00:00Z.
const NOW_MS: i64 = 1_795_600_800_000;

#[test]
fn every_corpus_request_matches_the_native_json_layer() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    let now = chrono_now();
    let mut checked = 0;
    let mut explained = 0;
    for corpus_set in common::corpus_sets() {
        let set = &corpus_set.name;
        let engine = corpus_set.engine();
        let pairs = corpus_set.pairs();
        let loaded = host.load(&pairs).unwrap();
        assert_eq!(
            loaded,
            format!(r#"{{"ok":true,"statements":{}}}"#, engine.statement_count()),
            "{set}"
        );
        let file = &corpus_set.tests;
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
