//! Audited decisions in the Wasm module: every corpus request answers the
//! same bytes as natively while an auditor records it, the records taken
//! verify as one chain, one per decision, with secret-looking context values
//! masked; a full buffer in blocking mode denies with `audit_failed`; bad
//! configurations are error answers; a replaced instance is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/skip.rs"]
mod skip;

use serde_json::Value;
use tessera::audit::{MASKED, SECRET_NAME_PARTS, verify};

use tessera_wasm_host::{HostError, Limits};

/// The clock for requests without `context.time`: 2026-11-25T10:00:00Z.
const NOW_MS: i64 = 1_795_600_800_000;

/// The HMAC key of the chain, as hex and as bytes.
const KEY_HEX: &str = "6b6570742d6170617274";
const KEY: &[u8] = b"kept-apart";

/// A secret value the extra requests carry under secret-looking names.
const SECRET: &str = "ghp_NEVER_IN_A_RECORD_0123456789";

/// Every record's custom context values under secret-looking names are
/// masked.
fn check_masking(record: &Value) -> usize {
    let mut masked = 0;
    if let Some(context) = record.get("context").and_then(Value::as_object) {
        for (name, value) in context {
            let lower = name.to_ascii_lowercase();
            if SECRET_NAME_PARTS.iter().any(|part| lower.contains(part)) {
                assert_eq!(value, MASKED, "{name} is not masked in {record}");
                masked += 1;
            }
        }
    }
    masked
}

#[test]
fn every_corpus_request_audited_answers_as_natively_and_the_records_verify() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    let opened = host
        .audit_open(&format!(
            r#"{{"mode": "blocking", "key_hex": "{KEY_HEX}", "mask": ["context.ticket"]}}"#
        ))
        .unwrap();
    assert_eq!(opened, r#"{"ok":true}"#);
    let now = chrono::DateTime::from_timestamp_millis(NOW_MS).unwrap();
    let mut log = String::new();
    let mut decisions = 0;
    let mut takes = 0;
    for corpus_set in common::corpus_sets() {
        let set = &corpus_set.name;
        let engine = corpus_set.engine();
        let pairs = corpus_set.pairs();
        assert!(host.load(&pairs).unwrap().starts_with(r#"{"ok":true"#));
        let file = &corpus_set.tests;
        let mut requests: Vec<(String, Value)> = file
            .tests
            .iter()
            .map(|case| (case.name.clone(), case.request_json.clone()))
            .collect();
        // Each request again with secrets in its context.
        for (name, request) in requests.clone() {
            let mut request = request;
            if let Some(object) = request.as_object_mut() {
                let context = object
                    .entry("context")
                    .or_insert_with(|| Value::Object(Default::default()));
                if let Some(context) = context.as_object_mut() {
                    context.insert("session_token".into(), SECRET.into());
                    context.insert("db_password".into(), SECRET.into());
                    context.insert("ticket".into(), SECRET.into());
                }
            }
            requests.push((format!("{name} (with secrets)"), request));
        }
        for (name, request) in &requests {
            let text = request.to_string();
            for explain in [false, true] {
                let native = tessera::json::evaluate_at(&engine, &text, explain, now);
                let wasm = if explain {
                    host.explain_bytes(text.as_bytes(), NOW_MS).unwrap()
                } else {
                    host.evaluate_bytes(text.as_bytes(), NOW_MS).unwrap()
                };
                assert_eq!(wasm, native, "{set} / {name} (explain: {explain})");
                if !native.starts_with(r#"{"error""#) {
                    decisions += 1;
                }
            }
        }
        // Taken once per set: records concatenate across takes.
        let taken = host.audit_take().unwrap();
        takes += 1;
        log.push_str(&taken);
        assert_eq!(host.audit_take().unwrap(), "");
    }
    assert!(decisions > 200, "only {decisions} decisions");
    assert!(!log.contains(SECRET), "a secret reached a record");
    let records: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), decisions, "one record per decision");
    let masked: usize = records.iter().map(check_masking).sum();
    assert!(
        masked >= decisions,
        "only {masked} secret-named values seen"
    );
    for (seq, record) in records.iter().enumerate() {
        assert_eq!(record["seq"], seq as u64);
        assert_eq!(record["eval_ns"], 0, "no clock in Wasm");
    }
    let report = verify(log.as_bytes(), Some(KEY)).unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.records, decisions as u64);
    // The chain's head, as the module reports it, matches the log's end.
    let closed: Value = serde_json::from_str(&host.audit_close().unwrap()).unwrap();
    assert_eq!(closed["ok"], true);
    assert_eq!(closed["head"]["next_seq"], decisions as u64);
    assert_eq!(closed["head"]["prev"].as_str(), report.last_mac.as_deref());
    assert_eq!(closed["failures"], 0);
    println!("{decisions} audited decisions in {takes} takes verify as one chain");
}

#[test]
fn a_full_buffer_in_blocking_mode_denies_with_audit_failed() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    host.load(&[("p.policy", common::POLICY)]).unwrap();
    let opened = host
        .audit_open(r#"{"mode": "blocking", "buffer_bytes": 2000}"#)
        .unwrap();
    assert_eq!(opened, r#"{"ok":true}"#);
    let mut answers = Vec::new();
    for _ in 0..10 {
        answers.push(host.evaluate(common::REQUEST).unwrap());
    }
    assert!(answers[0].starts_with(r#"{"decision":"allow""#));
    assert_eq!(
        answers.last().unwrap(),
        r#"{"decision":"deny","reason":"audit_failed","determining":[]}"#
    );
    let status: Value = serde_json::from_str(&host.audit_status().unwrap()).unwrap();
    assert_eq!(status["open"], true);
    assert!(status["failures"].as_u64().unwrap() > 0, "{status}");
    // Taking makes room: decisions are allowed (and recorded) again.
    let taken = host.audit_take().unwrap();
    assert!(taken.len() <= 2000 && !taken.is_empty());
    assert!(
        host.evaluate(common::REQUEST)
            .unwrap()
            .starts_with(r#"{"decision":"allow""#)
    );
    // Best effort: the decision stands, the failure is counted.
    host.audit_close().unwrap();
    host.audit_take().unwrap();
    host.audit_open(r#"{"mode": "best_effort", "buffer_bytes": 1}"#)
        .unwrap();
    assert!(
        host.evaluate(common::REQUEST)
            .unwrap()
            .starts_with(r#"{"decision":"allow""#)
    );
    let status: Value = serde_json::from_str(&host.audit_status().unwrap()).unwrap();
    assert_eq!(status["failures"], 1);
    assert_eq!(host.audit_take().unwrap(), "");
}

#[test]
fn bad_configurations_are_error_answers_not_traps() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    host.load(&[("p.policy", common::POLICY)]).unwrap();
    let key = "0123456789abcdef0123";
    for config in [
        "not json".to_string(),
        "null".to_string(),
        r#"{"mode": "always"}"#.to_string(),
        format!(r#"{{"key_hex": "{key}z"}}"#),
        format!(r#"{{"key_hex": "{key}", "mask": ["contxt.ticket"]}}"#),
        r#"{"seed_hex": "abcd"}"#.to_string(),
        r#"{"buffer_bytes": 999999999999}"#.to_string(),
        r#"{"unknown": true}"#.to_string(),
    ] {
        let answer = host.audit_open(&config).unwrap();
        assert!(
            answer.starts_with(r#"{"error":{"kind":"invalid_argument""#),
            "{config}: {answer}"
        );
        assert!(!answer.contains(key), "the key leaked: {answer}");
    }
    // Nothing opened; the instance works and records nothing.
    assert!(
        host.evaluate(common::REQUEST)
            .unwrap()
            .contains(r#""decision":"allow""#)
    );
    assert_eq!(host.audit_take().unwrap(), "");
    assert!(host.audit_close().unwrap().contains("no_auditor"));
    assert_eq!(
        host.audit_status().unwrap(),
        r#"{"open":false,"pending_bytes":0}"#
    );
    // A second open is refused while one is open.
    assert_eq!(host.audit_open("{}").unwrap(), r#"{"ok":true}"#);
    assert!(host.audit_open("{}").unwrap().contains("audit_busy"));
}

#[test]
fn a_replaced_instance_loses_its_records_and_says_so() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    host.load(&[("p.policy", common::POLICY)]).unwrap();
    host.audit_open("{}").unwrap();
    host.evaluate(common::REQUEST).unwrap();
    host.evaluate(common::REQUEST).unwrap();
    let first = host.audit_take().unwrap();
    assert_eq!(first.lines().count(), 2);
    host.evaluate(common::REQUEST).unwrap();
    // The instance goes (as after a trap): its untaken record is lost.
    host.reset();
    assert!(
        host.evaluate(common::REQUEST)
            .unwrap()
            .contains(r#""decision":"allow""#)
    );
    assert!(matches!(host.audit_take(), Err(HostError::AuditLost)));
    // The fresh instance records in a new chain, from seq 0, with other ids.
    let second = host.audit_take().unwrap();
    assert_eq!(second.lines().count(), 1);
    assert!(second.starts_with(r#"{"seq":0,"#), "{second}");
    assert!(verify(second.as_bytes(), None).unwrap().is_clean());
    let id = |log: &str| {
        let record: Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
        record["id"].as_str().unwrap().to_owned()
    };
    assert_ne!(id(&first), id(&second));
    // Out of fuel is a replacement too.
    host.set_fuel(1);
    assert!(matches!(
        host.evaluate(common::REQUEST),
        Err(HostError::OutOfFuel)
    ));
    host.set_fuel(Limits::default().fuel);
    host.evaluate(common::REQUEST).unwrap();
    assert!(matches!(host.audit_take(), Err(HostError::AuditLost)));
    assert_eq!(host.audit_take().unwrap().lines().count(), 1);
}
