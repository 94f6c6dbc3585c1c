//! Every corpus request, sent as HTTP headers through the filter on
//! wasmtime, gets the decision the native JSON layer
//! (`tessera::json::evaluate`) gives, and one audit record that verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/skip.rs"]
mod skip;

#[test]
fn every_corpus_request_through_http_headers_matches_the_native_json_layer() {
    let Some(mut host) = common::host() else {
        return;
    };
    let (mut checked, mut allowed) = (0, 0);
    for set in common::corpus_sets() {
        let engine = set.engine();
        assert!(
            host.configure(&set.config(true)).unwrap(),
            "{}: {:?}",
            set.name,
            host.take_logs()
        );
        host.take_logs();
        host.drain_queue("tessera-audit");
        assert!(!set.tests.tests.is_empty(), "{} has no tests", set.name);
        for (i, case) in set.tests.tests.iter().enumerate() {
            let native = tessera::json::evaluate(&engine, &case.request_json.to_string(), false);
            for variant in [i, i + 1] {
                let http = common::http_request(&case.request_json, variant);
                assert!(http.time_nanos.is_some(), "corpus requests carry a time");
                let reply = common::send(&mut host, &http);
                let answer = common::answer(&reply);
                assert_eq!(
                    answer, native,
                    "{} / {} (variant {variant})",
                    set.name, case.name
                );
                if reply.continued() {
                    allowed += 1;
                }
                checked += 1;
            }
        }
        // One record per decision, in the log and in the queue, chained.
        let queued: Vec<String> = host
            .drain_queue("tessera-audit")
            .into_iter()
            .map(|r| String::from_utf8(r).unwrap())
            .collect();
        assert_eq!(queued.len(), set.tests.tests.len() * 2, "{}", set.name);
        let logged: Vec<String> = host
            .take_logs()
            .into_iter()
            .filter(|l| l.level == 2 && l.message.starts_with(r#"{"#))
            .map(|l| l.message)
            .collect();
        assert_eq!(logged, queued, "{}", set.name);
        let log = queued.join("\n") + "\n";
        let report = tessera::audit::verify(log.as_bytes(), None).unwrap();
        assert!(report.is_clean(), "{}: {report:?}", set.name);
    }
    assert!(checked > 200, "only {checked} requests");
    assert!(
        allowed > 50 && allowed < checked,
        "{allowed} of {checked} allowed"
    );
    println!("{checked} HTTP requests from the corpus decided as natively ({allowed} allowed)");
}

/// With the default method mapping: GET reads, PUT/POST write, DELETE
/// deletes; an unmapped method is denied.
#[test]
fn methods_map_to_the_secrets_actions() {
    let Some(mut host) = common::host() else {
        return;
    };
    let policy = r#"policy "p" {
      allow "read" { principal * action secrets:GetSecretValue resource app/** }
      allow "write" { principal * action secrets:PutSecretValue resource app/** }
      allow "delete" { principal * action secrets:DeleteSecret resource app/** }
    }"#;
    assert!(
        host.configure(&common::config(&[("p.policy", policy)], &[], false))
            .unwrap()
    );
    let engine = tessera::Engine::compile_str("p.policy", policy).unwrap();
    let now = chrono::DateTime::from_timestamp_nanos(1_795_600_800_000_000_000);
    for (method, action) in [
        ("GET", "secrets:GetSecretValue"),
        ("PUT", "secrets:PutSecretValue"),
        ("POST", "secrets:PutSecretValue"),
        ("DELETE", "secrets:DeleteSecret"),
    ] {
        let reply = host
            .request(&[
                (b":method", method.as_bytes()),
                (b":path", b"/v1/secrets/app/db"),
                (b"x-tessera-principal", b"user:a"),
            ])
            .unwrap();
        let request = format!(
            r#"{{"principal": {{"id": "user:a", "groups": [], "tags": {{}}}}, "action": "{action}", "resource": {{"path": "app/db", "tags": {{}}}}, "context": {{}}}}"#
        );
        let native = tessera::json::evaluate_at(&engine, &request, false, now);
        assert!(native.starts_with(r#"{"decision":"allow""#), "{native}");
        assert_eq!(common::answer(&reply), native, "{method}");
    }
    let reply = host
        .request(&[
            (b":method", b"PATCH"),
            (b":path", b"/v1/secrets/app/db"),
            (b"x-tessera-principal", b"user:a"),
        ])
        .unwrap();
    assert!(common::answer(&reply).contains(r#""reason":"unmapped_method""#));
}
