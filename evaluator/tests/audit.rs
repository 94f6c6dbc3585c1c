//! Audit records: content and key order, masking, sinks, blocking and
//! best-effort modes, a million records from eight threads, and `verify`
//! against every kind of tampering.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::Value;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use tessera::audit::{
    AuditConfig, AuditErrorKind, AuditSink as _, Auditor, CallbackSink, ChainHead, Durability,
    FileSink, Finding, FindingKind, MASKED, Mode, StdoutSink, VerifyReport, verify, verify_file,
};
use tessera::{Attribute, Engine, Outcome, Reason, Request};

const POLICY: &str = r#"policy "p" {
  allow "read-app" {
    principal *
    action    secrets:GetSecretValue
    resource  app/**
  }
  deny "no-prod" {
    principal *
    action    *
    resource  app/prod/**
  }
}"#;

/// Values that must never reach a record or an error message.
const SECRETS: [&str; 4] = [
    "hunter2-SECRET-VALUE",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl",
    "correct-horse-battery-staple",
];

fn engine() -> Engine {
    Engine::compile_str("p.policy", POLICY).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_795_600_000, 123_456_789).unwrap()
}

/// A sink that keeps lines in memory, and the lines.
fn memory_sink() -> (CallbackSink, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&lines);
    let sink = CallbackSink::new(move |line: &str| {
        kept.lock().unwrap().push(line.to_string());
        Ok(())
    });
    (sink, lines)
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

fn keys(record: &Value) -> Vec<&str> {
    record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn full_request() -> Request {
    Request::new(
        "service:payments-api",
        "secrets:GetSecretValue",
        "app/payment/stripe",
    )
    .with_group("group:payments")
    .with_group("group:oncall")
    .with_principal_tag("team", "payments")
    .with_resource_tag("env", "dev")
    .with_source_ip("10.1.2.3".parse().unwrap())
    .with_mfa(120)
    .with_version_stage("AWSCURRENT")
    .with_time(Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap())
    .with_attribute("ticket", Attribute::String("OPS-7".into()))
    .with_attribute("attempt", Attribute::Number(2.0))
    .with_attribute("break_glass", Attribute::Bool(false))
}

/// One record of `request`, decided at [`now`] under `config`.
fn record_of(request: &Request, config: &AuditConfig) -> Value {
    let (sink, lines) = memory_sink();
    let auditor = Auditor::new(sink, config).unwrap();
    auditor.decide_at(&engine(), request, now());
    let lines = lines.lock().unwrap();
    assert_eq!(lines.len(), 1);
    parse(&lines[0])
}

// ---------------------------------------------------------------- content

#[test]
fn record_fields_in_order() {
    let engine = engine();
    let (sink, lines) = memory_sink();
    let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
    let decision = auditor.decide_at(&engine, &full_request(), now());
    assert_eq!(decision.outcome, Outcome::Allow);
    let lines = lines.lock().unwrap();
    let record = parse(&lines[0]);
    assert_eq!(
        keys(&record),
        [
            "seq",
            "time",
            "id",
            "principal",
            "groups",
            "principal_tags",
            "action",
            "resource",
            "resource_tags",
            "source_ip",
            "mfa",
            "mfa_age_seconds",
            "version_stage",
            "context",
            "decided_at",
            "decision",
            "reason",
            "determining",
            "revision",
            "eval_ns",
            "prev",
            "mac"
        ]
    );
    assert_eq!(record["seq"], 0);
    assert_eq!(record["time"], "2026-11-25T09:46:40.123456Z");
    let id = record["id"].as_str().unwrap();
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(record["principal"], "service:payments-api");
    assert_eq!(
        record["groups"],
        serde_json::json!(["group:payments", "group:oncall"])
    );
    assert_eq!(
        record["principal_tags"],
        serde_json::json!({"team": "payments"})
    );
    assert_eq!(record["action"], "secrets:GetSecretValue");
    assert_eq!(record["resource"], "app/payment/stripe");
    assert_eq!(record["resource_tags"], serde_json::json!({"env": "dev"}));
    assert_eq!(record["source_ip"], "10.1.2.3");
    assert_eq!(record["mfa"], true);
    assert_eq!(record["mfa_age_seconds"], 120);
    assert_eq!(record["version_stage"], "AWSCURRENT");
    assert_eq!(
        record["context"],
        serde_json::json!({"attempt": 2.0, "break_glass": false, "ticket": "OPS-7"})
    );
    assert_eq!(record["decided_at"], "2026-11-25T10:00:00.000000Z");
    assert_eq!(record["decision"], "allow");
    assert_eq!(record["reason"], "allowed");
    assert_eq!(
        record["determining"],
        serde_json::json!([{"policy": "p", "statement": "read-app"}])
    );
    assert_eq!(record["revision"], engine.revision());
    assert!(record["eval_ns"].as_u64().is_some());
    assert_eq!(record["prev"], format!("sha256:{}", "0".repeat(64)));
    assert!(record["mac"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn absent_fields_are_null_and_empty_maps_absent() {
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/prod/db");
    let record = record_of(&request, &AuditConfig::new());
    assert_eq!(
        keys(&record),
        [
            "seq",
            "time",
            "id",
            "principal",
            "action",
            "resource",
            "source_ip",
            "mfa",
            "mfa_age_seconds",
            "version_stage",
            "decided_at",
            "decision",
            "reason",
            "determining",
            "revision",
            "eval_ns",
            "prev",
            "mac"
        ]
    );
    for key in ["source_ip", "mfa", "mfa_age_seconds", "version_stage"] {
        assert_eq!(record[key], Value::Null, "{key}");
    }
    // Decided at the record's time when the request has none.
    assert_eq!(record["decided_at"], record["time"]);
    assert_eq!(record["decision"], "deny");
    assert_eq!(record["reason"], "explicit_deny");
    assert_eq!(
        record["determining"],
        serde_json::json!([{"policy": "p", "statement": "no-prod"}])
    );
}

#[test]
fn awkward_text_stays_valid_json() {
    let request = Request::new(
        "user:\"quoted\"\\",
        "secrets:Get\nSecret",
        "app/ünï/😀\u{1}",
    )
    .with_attribute("note", Attribute::String("tab\there".into()));
    let record = record_of(&request, &AuditConfig::new());
    assert_eq!(record["principal"], "user:\"quoted\"\\");
    assert_eq!(record["action"], "secrets:Get\nSecret");
    assert_eq!(record["resource"], "app/ünï/😀\u{1}");
    assert_eq!(record["context"]["note"], "tab\there");
}

#[test]
fn ids_are_unique() {
    let (sink, lines) = memory_sink();
    let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    for _ in 0..1000 {
        auditor.decide(&engine, &request);
    }
    let ids: std::collections::HashSet<String> = lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| parse(l)["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1000);
}

#[test]
fn audit_failed_serializes_in_decisions() {
    let decision = tessera::Decision {
        outcome: Outcome::Deny,
        reason: Reason::AuditFailed,
        determining: Default::default(),
    };
    assert_eq!(
        serde_json::to_string(&decision).unwrap(),
        r#"{"decision":"deny","reason":"audit_failed","determining":[]}"#
    );
}

#[test]
fn a_set_attribute_is_recorded_as_an_array_and_masked_whole() {
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db")
        .with_attribute(
            "scopes",
            Attribute::Set(vec!["read".into(), "a\"b".into(), String::new()]),
        )
        .with_attribute("api_tokens", Attribute::Set(vec![SECRETS[0].into()]))
        .with_attribute("empty", Attribute::Set(Vec::new()));
    let record = record_of(&request, &AuditConfig::new());
    assert_eq!(
        record["context"],
        serde_json::json!({"api_tokens": MASKED, "empty": [], "scopes": ["read", "a\"b", ""]})
    );
    let mut config = AuditConfig::new();
    config.mask_field("context.scopes").unwrap();
    let masked = record_of(&request, &config);
    assert_eq!(masked["context"]["scopes"], MASKED);
}

#[test]
fn the_schemas_match_the_records() {
    let schema: Value =
        serde_json::from_str(include_str!("../schema/audit-record.schema.json")).unwrap();
    let properties: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let full = record_of(&full_request(), &AuditConfig::new());
    assert_eq!(
        properties,
        keys(&full),
        "the schema lists the keys in record order"
    );
    let minimal = record_of(
        &Request::new("user:ann", "secrets:GetSecretValue", "app/db"),
        &AuditConfig::new(),
    );
    for key in schema["required"].as_array().unwrap() {
        assert!(minimal.get(key.as_str().unwrap()).is_some(), "{key}");
    }
    let reasons =
        |schema: &Value| -> Vec<String> { serde_json::from_value(schema["enum"].clone()).unwrap() };
    let decision: Value =
        serde_json::from_str(include_str!("../schema/decision.schema.json")).unwrap();
    for reasons in [
        reasons(&schema["properties"]["reason"]),
        reasons(&decision["oneOf"][0]["properties"]["reason"]),
    ] {
        for reason in [
            Reason::Allowed,
            Reason::ExplicitDeny,
            Reason::NoStatementApplied,
            Reason::AuditFailed,
        ] {
            let name = serde_json::to_value(reason).unwrap();
            assert!(reasons.iter().any(|r| name == r.as_str()), "{name}");
        }
    }
}

// ---------------------------------------------------------------- masking

fn request_with_secrets() -> Request {
    Request::new("user:ann", "secrets:GetSecretValue", "app/db")
        .with_attribute("session_token", Attribute::String(SECRETS[0].into()))
        .with_attribute("password", Attribute::String(SECRETS[1].into()))
        .with_attribute("X-Api-Key", Attribute::String(SECRETS[2].into()))
        .with_attribute("ticket", Attribute::String("OPS-7".into()))
        .with_principal_tag("oauth_TOKEN", SECRETS[3])
        .with_principal_tag("team", "payments")
        .with_resource_tag("db_password", SECRETS[0])
        .with_resource_tag("env", "dev")
}

#[test]
fn secret_looking_keys_are_masked_by_default() {
    let record = record_of(&request_with_secrets(), &AuditConfig::new());
    assert_eq!(
        record["context"],
        serde_json::json!({"X-Api-Key": MASKED, "password": MASKED, "session_token": MASKED, "ticket": "OPS-7"})
    );
    assert_eq!(
        record["principal_tags"],
        serde_json::json!({"oauth_TOKEN": MASKED, "team": "payments"})
    );
    assert_eq!(
        record["resource_tags"],
        serde_json::json!({"db_password": MASKED, "env": "dev"})
    );
}

#[test]
fn configured_drop_and_mask() {
    let mut config = AuditConfig::new();
    config
        .drop_field("context.ticket")
        .unwrap()
        .mask_field("principal.tags.team")
        .unwrap()
        .drop_field("source_ip")
        .unwrap()
        .mask_field("groups")
        .unwrap()
        .mask_field("mfa")
        .unwrap()
        .drop_field("mfa_age_seconds")
        .unwrap()
        .mask_field("version_stage")
        .unwrap();
    let record = record_of(&full_request(), &config);
    assert_eq!(
        record["context"],
        serde_json::json!({"attempt": 2.0, "break_glass": false})
    );
    assert_eq!(
        record["principal_tags"],
        serde_json::json!({"team": MASKED})
    );
    assert_eq!(record["groups"], MASKED);
    assert_eq!(record["mfa"], MASKED);
    assert_eq!(record["version_stage"], MASKED);
    assert!(record.get("source_ip").is_none());
    assert!(record.get("mfa_age_seconds").is_none());
    // Never masked: the point of the record.
    assert_eq!(record["principal"], "service:payments-api");
    assert_eq!(record["action"], "secrets:GetSecretValue");
    assert_eq!(record["resource"], "app/payment/stripe");
}

#[test]
fn wildcard_selectors() {
    let mut config = AuditConfig::new();
    config
        .mask_field("context.*")
        .unwrap()
        .drop_field("resource.tags.*")
        .unwrap()
        .mask_field("principal.tags.*")
        .unwrap()
        .drop_field("context.attempt")
        .unwrap();
    let record = record_of(&full_request(), &config);
    assert_eq!(
        record["context"],
        serde_json::json!({"break_glass": MASKED, "ticket": MASKED})
    );
    assert_eq!(
        record["principal_tags"],
        serde_json::json!({"team": MASKED})
    );
    assert!(
        record.get("resource_tags").is_none(),
        "every key dropped: no map"
    );
    // `context.*` reaches the known context keys too.
    assert_eq!(record["source_ip"], MASKED);
    assert_eq!(record["version_stage"], MASKED);
    assert_eq!(
        record["groups"],
        serde_json::json!(["group:payments", "group:oncall"])
    );
}

#[test]
fn unknown_selectors_are_errors() {
    for (selector, hint) in [
        ("contxt.token", "did you mean `context.token`?"),
        ("principal.tag.team", "did you mean `principal.tags.team`?"),
        ("source-ip", "did you mean `source_ip`?"),
        ("resource", "cannot be masked"),
        ("principal.id", "cannot be masked"),
        ("action", "cannot be masked"),
        ("", "selectors are"),
        ("context.", "unknown field selector"),
    ] {
        let error = AuditConfig::new().mask_field(selector).unwrap_err();
        assert_eq!(error.kind(), AuditErrorKind::UnknownSelector, "{selector}");
        assert!(error.to_string().contains(hint), "{selector}: {error}");
        let error = AuditConfig::new().drop_field(selector).unwrap_err();
        assert_eq!(error.kind(), AuditErrorKind::UnknownSelector, "{selector}");
    }
}

/// Every sink gets the request with secrets; none of them sees a secret.
#[test]
fn secrets_never_reach_a_record_or_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let request = request_with_secrets();
    let key = b"key-SECRET-key";
    let mut seen = String::new();
    for (i, (durability, background)) in [
        (Durability::Buffered, false),
        (Durability::FsyncEach, false),
        (Durability::Buffered, true),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("log{i}.jsonl"));
        let mut config = AuditConfig::new();
        config.key(key);
        if background {
            config.mode(Mode::BestEffort).background(16);
        }
        seen.push_str(&format!("{config:?}"));
        let auditor = Auditor::new(FileSink::open(&path, durability).unwrap(), &config).unwrap();
        auditor.decide(&engine, &request);
        auditor.flush().unwrap();
        drop(auditor);
        seen.push_str(&std::fs::read_to_string(&path).unwrap());
        let report = verify_file(&path, Some(key)).unwrap();
        assert!(report.is_clean(), "{:?}", report.findings);
        seen.push_str(&format!("{report:?}"));
    }
    let (sink, lines) = memory_sink();
    let auditor = Auditor::new(sink, AuditConfig::new().key(key)).unwrap();
    auditor.decide(&engine, &request);
    seen.push_str(&lines.lock().unwrap().join("\n"));
    // Errors: a failing callback, a failing file, a bad selector.
    let failing = Auditor::new(
        CallbackSink::new(|_| Err("host store down".into())),
        &AuditConfig::new(),
    )
    .unwrap();
    failing.decide(&engine, &request);
    let error = failing.last_failure().unwrap();
    seen.push_str(&format!("{error} {error:?} {failing:?}"));
    if cfg!(target_os = "linux") {
        let full = Auditor::new(
            FileSink::open("/dev/full", Durability::Buffered).unwrap(),
            &AuditConfig::new(),
        )
        .unwrap();
        full.decide(&engine, &request);
        seen.push_str(&full.last_failure().unwrap().to_string());
    }
    assert!(seen.contains("[masked]"));
    assert!(seen.contains("host store down"));
    for secret in SECRETS.iter().chain([&"key-SECRET-key"]) {
        assert!(!seen.contains(secret), "`{secret}` leaked");
    }
}

// ---------------------------------------------------------------- sinks

fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn seqs(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| parse(l)["seq"].as_u64().unwrap())
        .collect()
}

#[test]
fn reopening_a_file_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    for round in 0..3 {
        let sink = FileSink::open(&path, Durability::Buffered).unwrap();
        assert_eq!(
            sink.resume().map(|h| h.next_seq),
            (round > 0).then_some(round * 2)
        );
        let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
        auditor.decide(&engine, &request);
        auditor.decide(&engine, &request);
        assert_eq!(auditor.head().next_seq, round * 2 + 2);
    }
    let lines = lines_of(&path);
    assert_eq!(seqs(&lines), [0, 1, 2, 3, 4, 5]);
    let report = verify_file(&path, None).unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
    assert_eq!((report.records, report.last_seq), (6, Some(5)));
    assert_eq!(report.last_mac.as_deref(), parse(&lines[5])["mac"].as_str());
}

#[test]
fn reopening_after_a_torn_write_starts_a_new_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    {
        let auditor = Auditor::new(
            FileSink::open(&path, Durability::Buffered).unwrap(),
            &AuditConfig::new(),
        )
        .unwrap();
        auditor.decide(&engine, &request);
        auditor.decide(&engine, &request);
    }
    // A crash mid-write: half a record, no newline.
    let text = std::fs::read_to_string(&path).unwrap();
    let half = &text.lines().next().unwrap()[..60];
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(half.replace("\"seq\":0", "\"seq\":2").as_bytes())
        .unwrap();
    let report = verify_file(&path, None).unwrap();
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].line, 3);
    assert_eq!(report.findings[0].kind, FindingKind::TruncatedTail);
    {
        let sink = FileSink::open(&path, Durability::Buffered).unwrap();
        assert_eq!(sink.resume().unwrap().next_seq, 2);
        let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
        auditor.decide(&engine, &request);
    }
    let lines = lines_of(&path);
    assert_eq!(lines.len(), 4);
    assert_eq!(parse(&lines[3])["seq"], 2);
    let report = verify_file(&path, None).unwrap();
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    assert_eq!(report.findings[0].line, 3);
    assert!(matches!(
        report.findings[0].kind,
        FindingKind::NotARecord { .. }
    ));
    assert_eq!(report.last_seq, Some(2));
}

#[test]
fn a_one_line_file_without_a_final_newline_is_not_a_torn_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("request.json");
    let text = r#"{"principal": "user:ann", "action": "a", "resource": "b"}"#;
    std::fs::write(&path, text).unwrap();
    let error = FileSink::open(&path, Durability::Buffered).unwrap_err();
    assert_eq!(error.kind(), AuditErrorKind::NotAnAuditLog);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_file_that_is_not_an_audit_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "shopping list\nmilk\n").unwrap();
    let error = FileSink::open(&path, Durability::Buffered).unwrap_err();
    assert_eq!(error.kind(), AuditErrorKind::NotAnAuditLog);
    assert!(error.to_string().contains("notes.txt"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "shopping list\nmilk\n"
    );
}

#[test]
fn a_chain_continues_only_under_its_own_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    let auditor = Auditor::new(
        FileSink::open(&path, Durability::Buffered).unwrap(),
        &AuditConfig::new(),
    )
    .unwrap();
    auditor.decide(&engine, &request);
    drop(auditor);
    let error = Auditor::new(
        FileSink::open(&path, Durability::Buffered).unwrap(),
        AuditConfig::new().key(b"k"),
    )
    .unwrap_err();
    assert_eq!(error.kind(), AuditErrorKind::ChainMismatch);
}

#[test]
fn fsync_mode_writes_each_record_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let engine = engine();
    let auditor = Auditor::new(
        FileSink::open(&path, Durability::FsyncEach).unwrap(),
        AuditConfig::new().mode(Mode::BestEffort),
    )
    .unwrap();
    for i in 0..5 {
        auditor.decide(
            &engine,
            &Request::new("user:ann", "secrets:GetSecretValue", &format!("app/{i}")),
        );
        // On disk before any flush.
        assert_eq!(lines_of(&path).len(), i + 1);
    }
    assert!(verify_file(&path, None).unwrap().is_clean());
}

#[test]
fn buffered_best_effort_writes_on_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let engine = engine();
    let auditor = Auditor::new(
        FileSink::open(&path, Durability::Buffered).unwrap(),
        AuditConfig::new().mode(Mode::BestEffort),
    )
    .unwrap();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    auditor.decide(&engine, &request);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "",
        "still buffered"
    );
    auditor.flush().unwrap();
    assert_eq!(lines_of(&path).len(), 1);
    // Blocking mode hands every record to the OS before deciding.
    drop(auditor);
    let auditor = Auditor::new(
        FileSink::open(&path, Durability::Buffered).unwrap(),
        &AuditConfig::new(),
    )
    .unwrap();
    auditor.decide(&engine, &request);
    assert_eq!(lines_of(&path).len(), 2);
}

#[test]
fn callback_sink_gets_lines_without_newlines_in_chain_order() {
    let (sink, lines) = memory_sink();
    let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
    let engine = engine();
    for i in 0..3 {
        auditor.decide(
            &engine,
            &Request::new("user:ann", "secrets:GetSecretValue", &format!("app/{i}")),
        );
    }
    let lines = lines.lock().unwrap();
    assert!(lines.iter().all(|l| !l.contains('\n')));
    assert_eq!(seqs(&lines), [0, 1, 2]);
    assert_eq!(parse(&lines[1])["prev"], parse(&lines[0])["mac"]);
}

#[test]
fn a_callback_sink_continues_a_kept_head() {
    let (sink, first) = memory_sink();
    let auditor = Auditor::new(sink, AuditConfig::new().key(b"k")).unwrap();
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    auditor.decide(&engine, &request);
    let head: ChainHead = auditor.head();
    assert_eq!(head.next_seq, 1);
    let (sink, second) = memory_sink();
    let auditor = Auditor::new(sink.continuing(head), AuditConfig::new().key(b"k")).unwrap();
    auditor.decide(&engine, &request);
    let log = [
        first.lock().unwrap().clone(),
        second.lock().unwrap().clone(),
    ]
    .concat()
    .join("\n")
        + "\n";
    assert!(verify(log.as_bytes(), Some(b"k")).unwrap().is_clean());
}

/// The child half of [`stdout_lines_are_whole`].
#[test]
fn stdout_child() {
    if std::env::var_os("TESSERA_AUDIT_STDOUT_CHILD").is_none() {
        return;
    }
    let engine = engine();
    let auditor = Arc::new(
        Auditor::new(StdoutSink::new(), AuditConfig::new().mode(Mode::BestEffort)).unwrap(),
    );
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (auditor, engine) = (Arc::clone(&auditor), &engine);
            scope.spawn(move || {
                let request =
                    Request::new(&format!("user:t{t}"), "secrets:GetSecretValue", "app/db");
                for _ in 0..2_000 {
                    auditor.decide(engine, &request);
                }
            });
        }
        // Other output of the process, at the same time.
        scope.spawn(|| {
            let mut out = std::io::stdout();
            for i in 0..2_000 {
                writeln!(out, "noise {i} {}", "x".repeat(100)).unwrap();
            }
        });
    });
    auditor.flush().unwrap();
}

#[test]
fn stdout_lines_are_whole() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "stdout_child", "--nocapture", "--test-threads=1"])
        .env("TESSERA_AUDIT_STDOUT_CHILD", "1")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    // The test harness names the test at the start of the line that the
    // first output (a record or a noise line) continues.
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.strip_prefix("test stdout_child ... ").unwrap_or(l))
        .collect();
    let records: String = lines
        .iter()
        .filter(|l| l.starts_with("{\"seq\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let noise = lines.iter().filter(|l| l.starts_with("noise ")).count();
    assert_eq!(noise, 2_000);
    let report = verify(records.as_bytes(), None).unwrap();
    assert!(
        report.is_clean(),
        "{:?}",
        &report.findings[..3.min(report.findings.len())]
    );
    assert_eq!(report.records, 8_000);
}

// ---------------------------------------------------------------- modes

#[test]
fn blocking_mode_denies_when_the_record_cannot_be_written() {
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    assert!(engine.decide(&request).is_allowed());
    let auditor = Auditor::new(
        CallbackSink::new(|_| Err("audit store unreachable".into())),
        &AuditConfig::new(),
    )
    .unwrap();
    assert_eq!(auditor.mode(), Mode::Blocking);
    let decision = auditor.decide(&engine, &request);
    assert_eq!(decision.outcome, Outcome::Deny);
    assert_eq!(decision.reason, Reason::AuditFailed);
    assert!(decision.determining.is_empty());
    assert_eq!(auditor.failures(), 1);
    let error = auditor.last_failure().unwrap();
    assert_eq!(error.kind(), AuditErrorKind::Sink);
    assert!(error.to_string().contains("audit store unreachable"));
}

#[test]
fn best_effort_mode_keeps_the_decision_and_counts() {
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    let auditor = Auditor::new(
        CallbackSink::new(|_| Err("audit store unreachable".into())),
        AuditConfig::new().mode(Mode::BestEffort),
    )
    .unwrap();
    for _ in 0..3 {
        assert!(auditor.decide(&engine, &request).is_allowed());
    }
    assert_eq!(auditor.failures(), 3);
}

#[test]
fn a_sink_that_recovers_leaves_a_gap_verify_reports() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&lines);
    let mut calls = 0;
    let sink = CallbackSink::new(move |line: &str| {
        calls += 1;
        if calls == 2 {
            return Err("blip".into());
        }
        kept.lock().unwrap().push(format!("{line}\n"));
        Ok(())
    });
    let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    let outcomes: Vec<Reason> = (0..3)
        .map(|_| auditor.decide(&engine, &request).reason)
        .collect();
    assert_eq!(
        outcomes,
        [Reason::Allowed, Reason::AuditFailed, Reason::Allowed]
    );
    let log = lines.lock().unwrap().concat();
    let report = verify(log.as_bytes(), None).unwrap();
    assert_eq!(
        report.findings,
        [Finding {
            line: 2,
            kind: FindingKind::MissingRecords {
                count: 1,
                after_seq: 0
            }
        }]
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_blocks_or_is_counted() {
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    for durability in [Durability::Buffered, Durability::FsyncEach] {
        let blocking = Auditor::new(
            FileSink::open("/dev/full", durability).unwrap(),
            &AuditConfig::new(),
        )
        .unwrap();
        let decision = blocking.decide(&engine, &request);
        assert_eq!(
            (decision.outcome, decision.reason),
            (Outcome::Deny, Reason::AuditFailed)
        );
        assert_eq!(blocking.last_failure().unwrap().kind(), AuditErrorKind::Io);
        let best_effort = Auditor::new(
            FileSink::open("/dev/full", durability).unwrap(),
            AuditConfig::new().mode(Mode::BestEffort),
        )
        .unwrap();
        assert!(best_effort.decide(&engine, &request).is_allowed());
        let _ = best_effort.flush();
        assert!(best_effort.failures() >= 1);
    }
}

#[test]
fn background_writing_needs_best_effort() {
    let (sink, _) = memory_sink();
    let error = Auditor::new(sink, AuditConfig::new().background(64)).unwrap_err();
    assert_eq!(error.kind(), AuditErrorKind::InvalidConfig);
}

#[test]
fn background_writing_loses_nothing_on_drop() {
    let (sink, lines) = memory_sink();
    let auditor = Auditor::new(
        sink,
        AuditConfig::new().mode(Mode::BestEffort).background(8),
    )
    .unwrap();
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    for _ in 0..1000 {
        assert!(auditor.decide(&engine, &request).is_allowed());
    }
    auditor.flush().unwrap();
    assert_eq!(lines.lock().unwrap().len(), 1000);
    for _ in 0..500 {
        auditor.decide(&engine, &request);
    }
    drop(auditor);
    let lines = lines.lock().unwrap();
    assert_eq!(seqs(&lines), (0..1500).collect::<Vec<_>>());
}

/// A sink that panics in the background thread stops the writer; deciding
/// threads then get errors (counted), never a hang.
#[test]
fn a_background_writer_that_dies_does_not_hang_deciders() {
    struct Panicking;
    impl tessera::audit::AuditSink for Panicking {
        fn write_line(&mut self, _: &[u8]) -> Result<(), tessera::audit::AuditError> {
            panic!("a host sink that panics")
        }
        fn flush(&mut self) -> Result<(), tessera::audit::AuditError> {
            Ok(())
        }
    }
    let auditor = Auditor::new(
        Panicking,
        AuditConfig::new().mode(Mode::BestEffort).background(4),
    )
    .unwrap();
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    for _ in 0..100 {
        assert!(auditor.decide(&engine, &request).is_allowed());
    }
    assert_eq!(
        auditor.flush().unwrap_err().kind(),
        AuditErrorKind::WriterStopped
    );
    assert!(auditor.failures() > 0);
}

// ---------------------------------------------------------------- load

/// The fields the load test counts; every other field is parsed and skipped.
#[derive(serde::Deserialize)]
struct LoadRecord<'a> {
    seq: u64,
    principal: &'a str,
    decision: &'a str,
}

/// Eight threads share one auditor writing to one buffered file; every
/// record is there, whole, in order, and chained.
fn load(background: bool, threads: usize, per_thread: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("load.jsonl");
    let engine = engine();
    let mut config = AuditConfig::new();
    config.mode(Mode::BestEffort);
    if background {
        config.background(4096);
    }
    let started = Instant::now();
    let auditor = Auditor::new(
        FileSink::open(&path, Durability::Buffered).unwrap(),
        &config,
    )
    .unwrap();
    let decided: Vec<(u64, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (auditor, engine) = (&auditor, &engine);
                scope.spawn(move || {
                    let principal = format!("user:t{t}");
                    let allowed = Request::new(&principal, "secrets:GetSecretValue", "app/dev/db");
                    let denied = Request::new(&principal, "secrets:GetSecretValue", "app/prod/db");
                    let (mut allows, mut denies) = (0, 0);
                    for i in 0..per_thread {
                        let request = if (i + t) % 3 == 0 { &denied } else { &allowed };
                        match auditor.decide(engine, request).outcome {
                            Outcome::Allow => allows += 1,
                            Outcome::Deny => denies += 1,
                        }
                    }
                    (allows, denies)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    auditor.flush().unwrap();
    assert_eq!(auditor.failures(), 0);
    drop(auditor);
    let written = started.elapsed();

    let started = Instant::now();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut counted = vec![(0u64, 0u64); threads];
    let mut lines = 0u64;
    for (i, line) in text.lines().enumerate() {
        let record: LoadRecord =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(record.seq, i as u64);
        let thread: usize = record.principal["user:t".len()..].parse().unwrap();
        match record.decision {
            "allow" => counted[thread].0 += 1,
            "deny" => counted[thread].1 += 1,
            other => panic!("{other}"),
        }
        lines += 1;
    }
    assert!(text.ends_with('\n'));
    let total = (threads * per_thread) as u64;
    assert_eq!(lines, total);
    assert_eq!(counted, decided);
    let parsed = started.elapsed();

    let started = Instant::now();
    let report = verify(text.as_bytes(), None).unwrap();
    assert!(
        report.is_clean(),
        "{:?}",
        &report.findings[..5.min(report.findings.len())]
    );
    assert_eq!(report.records, total);
    assert_eq!(report.last_seq, Some(total - 1));
    eprintln!(
        "load (background: {background}): {total} records from {threads} threads written in {written:?}, \
         parsed and counted in {parsed:?}, verified in {:?}",
        started.elapsed()
    );
}

#[test]
fn eight_threads_a_million_records_none_lost_or_torn() {
    load(false, 8, 125_000);
}

#[test]
fn eight_threads_background_writer_none_lost_or_torn() {
    load(true, 8, 25_000);
}

// ---------------------------------------------------------------- verify

const KEY: &[u8] = b"test key";

/// A log of ten records, one per line, each ending in a newline.
fn log(key: Option<&[u8]>) -> Vec<String> {
    let (sink, lines) = memory_sink();
    let mut config = AuditConfig::new();
    if let Some(key) = key {
        config.key(key);
    }
    let auditor = Auditor::new(sink, &config).unwrap();
    let engine = engine();
    for i in 0..10 {
        auditor.decide(
            &engine,
            &Request::new("user:ann", "secrets:GetSecretValue", &format!("app/x{i}")),
        );
    }
    let lines = lines.lock().unwrap().clone();
    lines.into_iter().map(|l| l + "\n").collect()
}

fn plain_log() -> &'static [String] {
    static LOG: OnceLock<Vec<String>> = OnceLock::new();
    LOG.get_or_init(|| log(None))
}

fn check(lines: &[String], key: Option<&[u8]>) -> VerifyReport {
    verify(lines.concat().as_bytes(), key).unwrap()
}

fn findings(lines: &[String], key: Option<&[u8]>) -> Vec<(u64, FindingKind)> {
    check(lines, key)
        .findings
        .into_iter()
        .map(|f| (f.line, f.kind))
        .collect()
}

#[test]
fn a_clean_log_verifies() {
    let report = check(plain_log(), None);
    assert!(report.is_clean(), "{:?}", report.findings);
    assert_eq!((report.lines, report.records), (10, 10));
    assert_eq!((report.first_seq, report.last_seq), (Some(0), Some(9)));
    let keyed = log(Some(KEY));
    assert!(check(&keyed, Some(KEY)).is_clean());
    assert!(verify(&b""[..], None).unwrap().is_clean());
}

#[test]
fn verify_names_a_deleted_line() {
    let mut lines = plain_log().to_vec();
    lines.remove(4);
    assert_eq!(
        findings(&lines, None),
        [(
            5,
            FindingKind::MissingRecords {
                count: 1,
                after_seq: 3
            }
        )]
    );
    let mut lines = plain_log().to_vec();
    lines.drain(2..5);
    assert_eq!(
        findings(&lines, None),
        [(
            3,
            FindingKind::MissingRecords {
                count: 3,
                after_seq: 1
            }
        )]
    );
}

#[test]
fn verify_names_a_deleted_first_line() {
    let lines = plain_log()[1..].to_vec();
    assert_eq!(
        findings(&lines, None),
        [(1, FindingKind::MissingStart { first_seq: 1 })]
    );
}

#[test]
fn verify_names_an_inserted_copy() {
    let mut lines = plain_log().to_vec();
    lines.insert(6, lines[2].clone());
    assert_eq!(
        findings(&lines, None),
        [(
            7,
            FindingKind::OutOfOrder {
                seq: 2,
                expected: 6
            }
        )]
    );
    // A copy of a later line, inserted early.
    let mut lines = plain_log().to_vec();
    lines.insert(2, lines[7].clone());
    assert_eq!(
        findings(&lines, None),
        [(
            3,
            FindingKind::OutOfOrder {
                seq: 7,
                expected: 2
            }
        )]
    );
    // A duplicate right after itself.
    let mut lines = plain_log().to_vec();
    lines.insert(4, lines[3].clone());
    assert_eq!(
        findings(&lines, None),
        [(
            5,
            FindingKind::OutOfOrder {
                seq: 3,
                expected: 4
            }
        )]
    );
}

#[test]
fn verify_names_swapped_lines() {
    let mut lines = plain_log().to_vec();
    lines.swap(3, 4);
    assert_eq!(
        findings(&lines, None),
        [(
            4,
            FindingKind::OutOfOrder {
                seq: 4,
                expected: 3
            }
        )]
    );
    let mut lines = plain_log().to_vec();
    lines.swap(2, 6);
    assert_eq!(
        findings(&lines, None),
        [
            (
                3,
                FindingKind::OutOfOrder {
                    seq: 6,
                    expected: 2
                }
            ),
            (
                7,
                FindingKind::OutOfOrder {
                    seq: 2,
                    expected: 6
                }
            )
        ]
    );
    let mut lines = plain_log().to_vec();
    lines.swap(8, 9);
    assert_eq!(
        findings(&lines, None),
        [(
            9,
            FindingKind::OutOfOrder {
                seq: 9,
                expected: 8
            }
        )]
    );
}

#[test]
fn verify_names_an_edited_line() {
    for key in [None, Some(KEY)] {
        let mut lines = log(key);
        lines[5] = lines[5].replace("app/x5", "app/x6");
        assert_eq!(findings(&lines, key), [(6, FindingKind::MacMismatch)]);
        // An edited seq: the mac, not a misplaced record.
        let mut lines = log(key);
        lines[5] = lines[5].replace("{\"seq\":5,", "{\"seq\":9,");
        assert_eq!(findings(&lines, key), [(6, FindingKind::MacMismatch)]);
    }
}

#[test]
fn verify_names_a_recomputed_mac_by_the_next_link() {
    use sha2::{Digest, Sha256};
    let mut lines = plain_log().to_vec();
    let edited = lines[5].replace("\"decision\":\"allow\"", "\"decision\":\"deny\"");
    let body_end = edited.find(",\"mac\":\"").unwrap();
    let body = &edited[..body_end];
    let mac: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    lines[5] = format!("{body},\"mac\":\"sha256:{mac}\"}}\n");
    assert_eq!(
        findings(&lines, None),
        [(
            7,
            FindingKind::BrokenLink {
                previous_line: Some(6)
            }
        )]
    );
}

#[test]
fn verify_names_a_truncated_tail() {
    let mut lines = plain_log().to_vec();
    let last = lines.pop().unwrap();
    lines.push(last[..last.len() / 2].to_string());
    let report = check(&lines, None);
    assert_eq!(
        report
            .findings
            .iter()
            .map(|f| (f.line, f.kind.clone()))
            .collect::<Vec<_>>(),
        [(10, FindingKind::TruncatedTail)]
    );
    assert_eq!(report.last_seq, Some(8));
    // Only the newline lost: the record is whole, the tail still torn.
    let mut lines = plain_log().to_vec();
    let last = lines.pop().unwrap();
    lines.push(last.trim_end().to_string());
    let report = check(&lines, None);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].kind, FindingKind::TruncatedTail);
    assert_eq!(report.last_seq, Some(9));
}

#[test]
fn verify_names_a_wrong_or_missing_key() {
    let lines = log(Some(KEY));
    let wrong = findings(&lines, Some(b"wrong key"));
    assert_eq!(
        wrong,
        (1..=10)
            .map(|l| (l, FindingKind::MacMismatch))
            .collect::<Vec<_>>()
    );
    assert_eq!(findings(&lines, None), [(1, FindingKind::KeyRequired)]);
    assert_eq!(
        findings(plain_log(), Some(KEY)),
        [(1, FindingKind::NotKeyed)]
    );
}

#[test]
fn verify_names_lines_that_are_not_records() {
    let mut lines = plain_log().to_vec();
    lines.insert(3, "\n".to_string());
    lines.insert(6, "garbage\n".to_string());
    let found = findings(&lines, None);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(matches!(found[0], (4, FindingKind::NotARecord { .. })));
    assert!(matches!(found[1], (7, FindingKind::NotARecord { .. })));
}

#[test]
fn findings_display_and_serialize() {
    let finding = Finding {
        line: 5,
        kind: FindingKind::MissingRecords {
            count: 2,
            after_seq: 3,
        },
    };
    assert_eq!(
        finding.to_string(),
        "line 5: 2 records missing before this line (after seq 3): deleted, or never written"
    );
    assert_eq!(
        serde_json::to_string(&finding).unwrap(),
        r#"{"line":5,"kind":"missing_records","count":2,"after_seq":3}"#
    );
    assert_eq!(finding.kind.code(), "missing_records");
    let torn = Finding {
        line: 9,
        kind: FindingKind::TruncatedTail,
    };
    assert_eq!(
        serde_json::to_string(&torn).unwrap(),
        r#"{"line":9,"kind":"truncated_tail"}"#
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Deleting any line but the last is detected, at the line after it.
    #[test]
    fn any_deletion_is_detected(at in 0usize..9) {
        let mut lines = plain_log().to_vec();
        lines.remove(at);
        let report = check(&lines, None);
        prop_assert!(!report.is_clean());
        prop_assert_eq!(report.findings[0].line, at as u64 + 1);
    }

    /// Swapping any two lines is detected, at the first of them.
    #[test]
    fn any_swap_is_detected(a in 0usize..10, b in 0usize..10) {
        prop_assume!(a != b);
        let mut lines = plain_log().to_vec();
        lines.swap(a, b);
        let report = check(&lines, None);
        prop_assert!(!report.is_clean());
        prop_assert_eq!(report.findings[0].line, a.min(b) as u64 + 1);
    }

    /// Changing any one byte of any line is detected.
    #[test]
    fn any_edit_is_detected(at in 0usize..10, offset in 0usize..1000, byte in 0x20u8..0x7f) {
        let mut lines = plain_log().to_vec();
        let mut bytes = lines[at].clone().into_bytes();
        let offset = offset % (bytes.len() - 1);
        prop_assume!(bytes[offset] != byte);
        bytes[offset] = byte;
        lines[at] = String::from_utf8(bytes).unwrap();
        prop_assert!(!check(&lines, None).is_clean());
    }
}

#[test]
fn explanations_mask_values_of_secret_named_keys_they_read() {
    let engine = Engine::compile_str(
        "p.policy",
        r#"policy "p" {
  allow "ticketed" {
    principal *
    action    secrets:GetSecretValue
    resource  app/**
    when { context.session_token == "expected" and context.ticket == "T-1" }
  }
}"#,
    )
    .unwrap();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db")
        .with_attribute("session_token", Attribute::String("hunter2-SECRET".into()))
        .with_attribute("ticket", Attribute::String("T-2".into()));
    let explanation = engine.explain_at(&request, now());
    let failures = &explanation.statements[0].failures;
    let actual: Vec<Option<&str>> = failures.iter().map(|f| f.actual.as_deref()).collect();
    assert_eq!(actual, [Some("[masked]"), Some("\"T-2\"")]);
    let json = tessera::json::evaluate_at(
        &engine,
        &serde_json::to_string(&serde_json::json!({
            "principal": "user:ann", "action": "secrets:GetSecretValue", "resource": "app/db",
            "context": {"session_token": "hunter2-SECRET", "ticket": "T-2"}
        }))
        .unwrap(),
        true,
        now(),
    );
    assert!(!json.contains("hunter2-SECRET"), "{json}");
    assert!(json.contains("[masked]"), "{json}");
}

#[test]
fn a_log_is_continued_only_under_the_key_it_was_written_with() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyed.log");
    let engine = engine();
    let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    let keyed = |key: &[u8]| {
        let mut config = AuditConfig::new();
        config.key(key);
        config
    };
    {
        let sink = FileSink::open(&path, Durability::Buffered).unwrap();
        let auditor = Auditor::new(sink, &keyed(b"first key")).unwrap();
        auditor.decide_at(&engine, &request, now());
    }
    let before = std::fs::read(&path).unwrap();
    let sink = FileSink::open(&path, Durability::Buffered).unwrap();
    let error = Auditor::new(sink, &keyed(b"k3y-SECRET-xyz")).err().unwrap();
    assert_eq!(error.kind(), AuditErrorKind::ChainMismatch);
    assert!(!error.to_string().contains("k3y-SECRET"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing appended");
    {
        let sink = FileSink::open(&path, Durability::Buffered).unwrap();
        let auditor = Auditor::new(sink, &keyed(b"first key")).unwrap();
        auditor.decide_at(&engine, &request, now());
    }
    let report = verify_file(&path, Some(b"first key")).unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
    assert_eq!(report.records, 2);

    // An unkeyed log whose last record was edited is not continued either.
    let plain = dir.path().join("plain.log");
    {
        let sink = FileSink::open(&plain, Durability::Buffered).unwrap();
        let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
        auditor.decide_at(&engine, &request, now());
    }
    let edited = std::fs::read_to_string(&plain)
        .unwrap()
        .replace("user:ann", "user:bob");
    std::fs::write(&plain, edited).unwrap();
    let sink = FileSink::open(&plain, Durability::Buffered).unwrap();
    let error = Auditor::new(sink, &AuditConfig::new()).err().unwrap();
    assert_eq!(error.kind(), AuditErrorKind::ChainMismatch);
}
