//! Hostile requests and configurations: every one is denied with its own
//! reason (never allowed, never a trap), a broken configuration is refused
//! and the old engine kept, and reconfiguration between requests switches
//! engines exactly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/skip.rs"]
mod skip;

use tessera_proxy_host::{ProxyHost, Reply};

/// Headers as `(name, value)` byte strings.
type Headers<'a> = Vec<(&'a [u8], &'a [u8])>;

/// Allows reads of app/** for everyone.
const ALLOW_APP: &str = common::POLICY;
/// Allows reads of other/** only.
const ALLOW_OTHER: &str = r#"policy "q" { allow "other" { principal * action secrets:GetSecretValue resource other/** } }"#;

fn configured(policy: &str) -> Option<ProxyHost> {
    let mut host = common::host()?;
    assert!(
        host.configure(&common::config(&[("p.policy", policy)], &[], false))
            .unwrap()
    );
    host.take_logs();
    Some(host)
}

/// A GET of `path` by user:a, with `extra` headers.
fn get(host: &mut ProxyHost, path: &[u8], extra: &[(&[u8], &[u8])]) -> Reply {
    let mut headers: Vec<(&[u8], &[u8])> = vec![
        (b":method", b"GET"),
        (b":path", path),
        (b"x-tessera-principal", b"user:a"),
    ];
    headers.extend_from_slice(extra);
    host.request(&headers).unwrap()
}

/// The deny's reason (or error code), checking it is a 403 local reply.
fn denied(reply: &Reply) -> String {
    let local = reply
        .local
        .as_ref()
        .unwrap_or_else(|| panic!("allowed: {reply:?}"));
    assert_eq!(local.status, 403);
    assert_eq!(reply.action, 1);
    let body: serde_json::Value = serde_json::from_slice(&local.body).unwrap();
    body["reason"]
        .as_str()
        .or_else(|| body["error"]["code"].as_str())
        .unwrap()
        .to_owned()
}

#[test]
fn before_any_configuration_every_request_is_denied() {
    let Some(mut host) = common::host() else {
        return;
    };
    let reply = get(&mut host, b"/v1/secrets/app/db", &[]);
    assert_eq!(denied(&reply), "not_configured");
    assert!(
        host.take_logs()
            .iter()
            .any(|l| l.message.contains("not_configured"))
    );
}

#[test]
fn traversal_paths_are_denied_even_where_the_policy_would_allow() {
    let Some(mut host) =
        configured(r#"policy "p" { allow "all" { principal * action * resource ** } }"#)
    else {
        return;
    };
    assert!(get(&mut host, b"/v1/secrets/app/db", &[]).continued());
    for path in [
        &b"/v1/secrets/app/../admin"[..],
        b"/v1/secrets/app/./db",
        b"/v1/secrets/app/%2e%2e/admin",
        b"/v1/secrets/app/%2E%2e/admin",
        b"/v1/secrets/app%2f..%2fadmin",
        b"/v1/secrets/app%2F.%2Fdb",
        b"/v1/secrets/..?versionStage=AWSCURRENT",
    ] {
        let reply = get(&mut host, path, &[]);
        assert_eq!(
            denied(&reply),
            "path_traversal",
            "{}",
            String::from_utf8_lossy(path)
        );
    }
    for path in [
        &b"/v1/secrets/app/%252e%252e/x"[..],
        b"/v1/secrets/app/%zz",
        b"/v1/secrets/%ff%fe",
    ] {
        assert_eq!(denied(&get(&mut host, path, &[])), "bad_path");
    }
    assert_eq!(
        denied(&get(&mut host, b"/v2/app/db", &[])),
        "path_outside_prefix"
    );
    // Empty segments are the engine's to refuse, as in every host.
    assert_eq!(
        denied(&get(&mut host, b"/v1/secrets/app//db", &[])),
        "invalid_value"
    );
    let logs = host.take_logs();
    assert!(
        logs.iter()
            .any(|l| l.level == 3 && l.message.contains("path_traversal"))
    );
}

#[test]
fn missing_and_malformed_inputs_are_denied_with_their_own_reason() {
    let Some(mut host) = configured(ALLOW_APP) else {
        return;
    };
    let path = &b"/v1/secrets/app/db"[..];
    let no_principal = host
        .request(&[(b":method", b"GET"), (b":path", path)])
        .unwrap();
    assert_eq!(denied(&no_principal), "missing_principal");
    let cases: Vec<(Headers<'_>, &str)> = vec![
        (
            vec![(b"x-tessera-principal", b"\xff\xfeuser")],
            "malformed_principal",
        ),
        (vec![(b"x-tessera-principal", b"  ")], "malformed_principal"),
        (
            vec![(b"x-tessera-principal", b"user:b")],
            "malformed_principal",
        ), // repeated
        (vec![(b"x-tessera-mfa-age", b"-5")], "invalid_mfa_age"),
        (vec![(b"x-tessera-mfa-age", b"12s")], "invalid_mfa_age"),
        (
            vec![(b"x-tessera-mfa-age", b"99999999999999999999999")],
            "invalid_mfa_age",
        ),
        (vec![(b"x-tessera-mfa", b"yes")], "invalid_mfa"),
        (vec![(b"x-tessera-groups", b"g%zz")], "malformed_header"),
        (
            vec![(b"x-tessera-principal-tags", b"team")],
            "malformed_header",
        ),
        (
            vec![(b"x-tessera-principal-tags", b"a=1,a=2")],
            "malformed_header",
        ),
        (vec![(b"x-ctx-break-glass", b"1")], "invalid_attribute"),
        (
            vec![(b"x-tessera-version-stage", b"AWSCURRENT")],
            "ambiguous_version_stage",
        ),
    ];
    for (extra, reason) in cases {
        let reply = get(
            &mut host,
            b"/v1/secrets/app/db?versionStage=AWSPENDING",
            &extra,
        );
        assert_eq!(denied(&reply), reason, "{extra:?}");
    }
    // Pseudo-headers missing.
    let reply = host
        .request(&[(b":method", b"GET"), (b"x-tessera-principal", b"user:a")])
        .unwrap();
    assert_eq!(denied(&reply), "missing_path");
    let reply = host
        .request(&[(b":path", path), (b"x-tessera-principal", b"user:a")])
        .unwrap();
    assert_eq!(denied(&reply), "missing_action");
    let reply = host.request(&[]).unwrap();
    assert_eq!(denied(&reply), "missing_principal");
    // A bad source address.
    host.set_property(b"source\0address", Some(b"not-an-address"));
    assert_eq!(denied(&get(&mut host, path, &[])), "invalid_source_address");
    host.set_property(b"source\0address", Some(b"[fd00::1]:8443"));
    assert!(get(&mut host, path, &[]).continued());
    // Header values never reach the log.
    let logs = host.take_logs();
    assert!(
        !logs
            .iter()
            .any(|l| l.message.contains("AWSPENDING") || l.message.contains("user:b"))
    );
}

#[test]
fn huge_and_repeated_headers_are_denied_or_decided_never_trapped() {
    let Some(mut host) = configured(ALLOW_APP) else {
        return;
    };
    let path = &b"/v1/secrets/app/db"[..];
    let megabyte = vec![b'a'; 1 << 20];
    // A 1 MB principal: over the engine's 64 KiB string limit.
    let reply = host
        .request(&[
            (b":method", b"GET"),
            (b":path", path),
            (b"x-tessera-principal", &megabyte),
        ])
        .unwrap();
    assert_eq!(denied(&reply), "limit_exceeded");
    // A 1 MB header the filter does not read: decided as usual.
    let reply = get(
        &mut host,
        path,
        &[(b"x-junk", &megabyte), (b"cookie", b"\xff\x00\xfe")],
    );
    assert!(reply.continued());
    // A 1 MB path of traversal: denied, linear time.
    let long = [b"/v1/secrets/".as_slice(), &b"%2e%2e/".repeat(150_000)].concat();
    let start = std::time::Instant::now();
    assert_eq!(denied(&get(&mut host, &long, &[])), "path_traversal");
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    // 10,000 groups in 10,000 headers.
    let group = b"group:g".to_vec();
    let many: Vec<(&[u8], &[u8])> = (0..10_000)
        .map(|_| (&b"x-tessera-groups"[..], group.as_slice()))
        .collect();
    assert!(get(&mut host, path, &many).continued());
    // A repeated :path is ambiguous.
    assert_eq!(
        denied(&get(&mut host, path, &[(b":path", b"/v1/secrets/other")])),
        "bad_path"
    );
    // Non-UTF-8 header names are just other headers.
    assert!(get(&mut host, path, &[(b"\xff\xfe", b"x")]).continued());
}

#[test]
fn a_broken_configuration_is_refused_and_the_old_engine_kept() {
    let Some(mut host) = configured(ALLOW_APP) else {
        return;
    };
    let path = &b"/v1/secrets/app/db"[..];
    assert!(get(&mut host, path, &[]).continued());
    let broken: Vec<Vec<u8>> = vec![
        b"not json".to_vec(),
        b"{}".to_vec(),
        br#"{"policies": ["policy \"p\" {"]}"#.to_vec(),
        br#"{"policies": ["policy \"p\" {}"], "polices": []}"#.to_vec(),
        br#"{"policies": ["policy \"p\" {}"], "deny": {"status": 200}}"#.to_vec(),
        br#"{"policies": ["policy \"p\" {}"], "request": {"attributes": [{"name": "time", "header": "x-time"}]}}"#.to_vec(),
        br#"{"policies": ["policy \"p\" {}"], "audit": {"log_level": "off"}}"#.to_vec(),
        br#"{"policies": ["policy \"p\" {}"], "audit": {"key_hex": "zz-secret-zz"}}"#.to_vec(),
        br#"{"policies": ["policy \"p\" {}"], "request": {"principal_header": "bad header"}}"#.to_vec(),
        Vec::new(),
        vec![0xff; 100],
    ];
    for config in &broken {
        assert!(
            !host.configure(config).unwrap(),
            "{}",
            String::from_utf8_lossy(config)
        );
        let logs = host.take_logs();
        let refused = logs
            .iter()
            .find(|l| l.message.contains("configuration refused"))
            .unwrap();
        assert_eq!(refused.level, 4);
        assert!(
            refused.message.contains("previous configuration stays"),
            "{}",
            refused.message
        );
        assert!(!refused.message.contains("zz-secret-zz"));
        assert!(
            get(&mut host, path, &[]).continued(),
            "the old engine decides"
        );
    }
    // Compile diagnostics are logged.
    host.configure(br#"{"policies": [{"name": "bad.policy", "text": "policy \"p\" { allow \"a\" { principal * } }"}]}"#).unwrap();
    let logs = host.take_logs();
    assert!(
        logs.iter()
            .any(|l| l.message.contains(r#""diagnostics""#) && l.message.contains("bad.policy")),
        "{logs:?}"
    );
    // A first configuration that is broken leaves nothing in force.
    let mut fresh = common::host().unwrap();
    assert!(!fresh.configure(b"{}").unwrap());
    assert!(
        fresh
            .take_logs()
            .iter()
            .any(|l| l.message.contains("every request is denied"))
    );
    assert_eq!(denied(&get(&mut fresh, path, &[])), "not_configured");
}

#[test]
fn reconfiguration_under_load_decides_each_request_with_the_current_engine() {
    let Some(mut host) = configured(ALLOW_APP) else {
        return;
    };
    let engines = [
        tessera::Engine::compile_str("p.policy", ALLOW_APP).unwrap(),
        tessera::Engine::compile_str("p.policy", ALLOW_OTHER).unwrap(),
    ];
    let configs = [
        common::config(&[("p.policy", ALLOW_APP)], &[], false),
        common::config(&[("p.policy", ALLOW_OTHER)], &[], false),
    ];
    let now = chrono::DateTime::from_timestamp_nanos(1_795_600_800_000_000_000);
    let mut current = 0;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let (mut switches, mut decided) = (0, 0);
    for i in 0..2_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        match state % 10 {
            0 => {
                let next = (state >> 8) as usize % 2;
                assert!(host.configure(&configs[next]).unwrap());
                current = next;
                switches += 1;
            }
            1 => assert!(!host.configure(b"{\"policies\": [\"policy {\"]}").unwrap()),
            _ => {}
        }
        let secret = if i % 2 == 0 { "app/db" } else { "other/db" };
        let path = format!("/v1/secrets/{secret}");
        let reply = get(&mut host, path.as_bytes(), &[]);
        let request = format!(
            r#"{{"principal": {{"id": "user:a", "groups": [], "tags": {{}}}}, "action": "secrets:GetSecretValue", "resource": {{"path": "{secret}", "tags": {{}}}}, "context": {{}}}}"#
        );
        let native = tessera::json::evaluate_at(&engines[current], &request, false, now);
        assert_eq!(common::answer(&reply), native, "request {i}");
        decided += 1;
    }
    assert!(switches > 100, "{switches}");
    host.take_logs();
    println!("{decided} requests, {switches} reconfigurations");
}
