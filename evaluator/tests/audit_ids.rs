//! Record ids from a host's seed (`AuditConfig::id_seed`): unique per
//! auditor, different under different seeds, reproducible from the seed and
//! the counter, and the records still verify.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tessera::audit::{AuditConfig, Auditor, CallbackSink, verify};
use tessera::{Engine, Request};

const POLICY: &str =
    r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#;

/// An auditor with `seed` whose records land in the returned log.
fn auditor(seed: Option<[u8; 32]>) -> (Auditor, Arc<Mutex<String>>) {
    let log = Arc::new(Mutex::new(String::new()));
    let kept = Arc::clone(&log);
    let sink = CallbackSink::new(move |line: &str| {
        let mut log = kept.lock().unwrap();
        log.push_str(line);
        log.push('\n');
        Ok(())
    });
    let mut config = AuditConfig::new();
    if let Some(seed) = seed {
        config.id_seed(seed);
    }
    (Auditor::new(sink, &config).unwrap(), log)
}

/// The `id` of each record of `log`.
fn ids(log: &str) -> Vec<String> {
    log.lines()
        .map(|line| {
            let start = line.find(r#""id":""#).unwrap() + 6;
            line[start..start + 32].to_owned()
        })
        .collect()
}

/// Decides `n` requests with `auditor`.
fn decide(engine: &Engine, auditor: &Auditor, n: usize) {
    let request = Request::new("user:a", "secrets:GetSecretValue", "app/db");
    let now = chrono::DateTime::from_timestamp_millis(1_795_600_800_000).unwrap();
    for _ in 0..n {
        auditor.decide_at(engine, &request, now);
    }
}

/// The first 128 bits of SHA-256(seed || counter as 8 big-endian bytes), in
/// hex: what the documentation promises.
fn expected_id(seed: &[u8; 32], counter: u64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(counter.to_be_bytes());
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn seeded_ids_are_unique_over_100k_records_and_the_log_verifies() {
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    let seed = [0x5a; 32];
    let (auditor, log) = auditor(Some(seed));
    decide(&engine, &auditor, 100_000);
    let log = log.lock().unwrap().clone();
    let ids = ids(&log);
    assert_eq!(ids.len(), 100_000);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 100_000, "a seeded id repeated");
    assert!(verify(log.as_bytes(), None).unwrap().is_clean());
}

#[test]
fn the_same_seed_and_counter_give_the_same_id_and_other_seeds_differ() {
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    let seed = [0x11; 32];
    let (first, first_log) = auditor(Some(seed));
    let (again, again_log) = auditor(Some(seed));
    let (other, other_log) = auditor(Some([0x12; 32]));
    for auditor in [&first, &again, &other] {
        decide(&engine, auditor, 100);
    }
    let first = ids(&first_log.lock().unwrap());
    let again = ids(&again_log.lock().unwrap());
    let other = ids(&other_log.lock().unwrap());
    // Reproducible: record n has SHA-256(seed || n)'s first 16 bytes.
    assert_eq!(first, again);
    for (n, id) in first.iter().enumerate() {
        assert_eq!(*id, expected_id(&seed, n as u64), "record {n}");
    }
    // Another seed shares no id.
    let first: HashSet<&String> = first.iter().collect();
    assert!(other.iter().all(|id| !first.contains(id)));
}

#[test]
fn without_a_seed_ids_come_from_the_random_source() {
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    let (one, one_log) = auditor(None);
    let (two, two_log) = auditor(None);
    decide(&engine, &one, 10);
    decide(&engine, &two, 10);
    let one = ids(&one_log.lock().unwrap());
    let two = ids(&two_log.lock().unwrap());
    assert_ne!(one, two);
    // Not the seeded derivation of an all-zero seed.
    assert_ne!(one[0], expected_id(&[0; 32], 0));
}

#[test]
fn the_seed_is_never_shown() {
    let mut config = AuditConfig::new();
    config.id_seed([0xab; 32]);
    let shown = format!("{config:?}");
    assert!(shown.contains(r#"id_seed: Some("[redacted]")"#), "{shown}");
    assert!(!shown.contains("171"), "{shown}");
}
