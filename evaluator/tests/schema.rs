//! Schemas applied to requests and policies: through `Schema::check_request`,
//! the JSON layer and the load document every host reads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tessera::json::{self, LoadDocument};
use tessera::{DiagnosticKind, Engine, Limits, RequestErrorKind, Schema, Source};

const SCHEMA: &str = r#"schema {
  context.incident: string optional
  context.ticket_count: number optional
  context.break_glass: bool optional
  context.client_ip: ip optional
  context.expires: time optional
  context.session_age: duration optional
  context.tier: enum ["gold", "silver"]
  principal.tags.team: enum ["payments", "search", "ops"] optional
  resource.tags.env: enum ["dev", "prod"]
}"#;

const POLICY: &str = r#"policy "p" {
  allow "incident-read" {
    principal *
    action    secrets:GetSecretValue
    resource  prod/**
    when { context.incident like "INC-*" and resource.tags.env == "prod" }
  }
}"#;

fn schema() -> Schema {
    Schema::compile(&[Source::new("app.schema", SCHEMA)]).unwrap()
}

fn engine() -> Engine {
    Engine::compile_with_schema(
        &[Source::new("p.policy", POLICY)],
        &Limits::default(),
        &schema(),
    )
    .unwrap()
}

/// A request with the required attributes and `context` merged in.
fn request(context: Value) -> String {
    let mut full = json!({"tier": "gold"});
    if let (Value::Object(full), Value::Object(extra)) = (&mut full, context) {
        full.extend(extra);
    }
    json!({
        "principal": {"id": "user:ann", "tags": {"team": "ops"}},
        "action": "secrets:GetSecretValue",
        "resource": {"path": "prod/db", "tags": {"env": "prod"}},
        "context": full,
    })
    .to_string()
}

/// `(kind, field, message)` of the error for a request text.
fn refused(text: &str) -> (RequestErrorKind, String, String) {
    let error = json::read_request(&engine(), text).unwrap_err();
    (
        error.kind(),
        error.field().to_string(),
        error.message().to_string(),
    )
}

#[test]
fn a_request_that_fits_is_decided_as_without_a_schema() {
    let text = request(
        json!({"incident": "INC-7", "ticket_count": 2, "break_glass": false,
        "client_ip": "10.0.0.1", "expires": "2026-01-01T00:00:00Z", "session_age": 60}),
    );
    let with = json::evaluate(&engine(), &text, false);
    let without = json::evaluate(
        &Engine::compile_str("p.policy", POLICY).unwrap(),
        &text,
        false,
    );
    assert!(with.starts_with(r#"{"decision":"allow""#), "{with}");
    assert_eq!(with, without);
    // Optional attributes may be absent, or null.
    assert!(json::read_request(&engine(), &request(json!({"incident": null}))).is_ok());
}

#[test]
fn a_misspelt_built_in_field_is_an_error_not_a_custom_attribute() {
    let text = request(json!({"sourceip": "10.0.0.1"}));
    assert_eq!(
        refused(&text),
        (
            RequestErrorKind::UnknownField,
            "context.sourceip".into(),
            "not declared in the schema; did you mean `source_ip`?".into()
        )
    );
    // Without a schema it is a custom attribute, and the request is decided.
    let plain = Engine::compile_str("p.policy", POLICY).unwrap();
    assert!(json::evaluate(&plain, &text, false).starts_with(r#"{"decision""#));
    // Through the JSON layer: an error envelope naming the field.
    let answer: Value = serde_json::from_str(&json::evaluate(&engine(), &text, true)).unwrap();
    assert_eq!(answer["error"]["kind"], "request");
    assert_eq!(answer["error"]["code"], "unknown_field");
    assert_eq!(answer["error"]["field"], "context.sourceip");
}

#[test]
fn undeclared_attributes_and_tags_are_named_with_a_suggestion() {
    assert_eq!(
        refused(&request(json!({"incidnet": "INC-1"}))).2,
        "not declared in the schema; did you mean `incident`?"
    );
    let tag = json!({"principal": {"id": "u", "tags": {"tema": "ops"}}, "action": "a",
        "resource": {"path": "p", "tags": {"env": "dev"}}, "context": {"tier": "gold"}});
    assert_eq!(
        refused(&tag.to_string()),
        (
            RequestErrorKind::UnknownField,
            "principal.tags.tema".into(),
            "not declared in the schema; did you mean `principal.tags.team`?".into()
        )
    );
    let resource = json!({"principal": "u", "action": "a",
        "resource": {"path": "p", "tags": {"env": "dev", "owner": "x"}}, "context": {"tier": "gold"}});
    assert_eq!(
        refused(&resource.to_string()),
        (
            RequestErrorKind::UnknownField,
            "resource.tags.owner".into(),
            "not declared in the schema".into()
        )
    );
}

#[test]
fn values_of_another_type_are_refused_without_echoing_them() {
    let cases = [
        (
            json!({"incident": 7}),
            RequestErrorKind::WrongType,
            "context.incident",
        ),
        (
            json!({"ticket_count": "SECRET-3"}),
            RequestErrorKind::WrongType,
            "context.ticket_count",
        ),
        (
            json!({"break_glass": "SECRET"}),
            RequestErrorKind::WrongType,
            "context.break_glass",
        ),
        (
            json!({"client_ip": "SECRET.1.2.3"}),
            RequestErrorKind::InvalidValue,
            "context.client_ip",
        ),
        (
            json!({"client_ip": 10}),
            RequestErrorKind::WrongType,
            "context.client_ip",
        ),
        (
            json!({"expires": "SECRET-01-01"}),
            RequestErrorKind::InvalidValue,
            "context.expires",
        ),
        (
            json!({"session_age": 1.5}),
            RequestErrorKind::InvalidValue,
            "context.session_age",
        ),
        (
            json!({"session_age": -1}),
            RequestErrorKind::InvalidValue,
            "context.session_age",
        ),
        (
            json!({"session_age": "SECRET"}),
            RequestErrorKind::WrongType,
            "context.session_age",
        ),
        (
            json!({"tier": "SECRET-platinum"}),
            RequestErrorKind::InvalidValue,
            "context.tier",
        ),
    ];
    for (context, kind, field) in cases {
        let (got_kind, got_field, message) = refused(&request(context.clone()));
        assert_eq!((got_kind, got_field.as_str()), (kind, field), "{context}");
        assert!(
            !message.contains("SECRET") && !message.contains("1.5"),
            "{message}"
        );
    }
    assert_eq!(
        refused(&request(json!({"tier": "bronze"}))).2,
        "not one of the values the schema allows (\"gold\", \"silver\")"
    );
    assert_eq!(
        refused(&request(json!({"ticket_count": "3"}))).2,
        "the schema declares a `number`: expected a JSON number"
    );
}

#[test]
fn required_attributes_and_tags_must_be_present() {
    let no_tier = json!({"principal": "u", "action": "a",
        "resource": {"path": "p", "tags": {"env": "dev"}}});
    assert_eq!(
        refused(&no_tier.to_string()),
        (
            RequestErrorKind::MissingField,
            "context.tier".into(),
            "required by the schema, and missing".into()
        )
    );
    let null_tier = json!({"principal": "u", "action": "a",
        "resource": {"path": "p", "tags": {"env": "dev"}}, "context": {"tier": null}});
    assert_eq!(refused(&null_tier.to_string()).1, "context.tier");
    let bare_resource =
        json!({"principal": "u", "action": "a", "resource": "p", "context": {"tier": "gold"}});
    assert_eq!(refused(&bare_resource.to_string()).1, "resource.tags.env");
}

#[test]
fn a_hostile_request_costs_linear_time() {
    // 200 undeclared attributes with 60 KiB names: no suggestion is looked
    // for (the names are long), and the JSON layer stops at the first.
    let context: serde_json::Map<String, Value> = (0..200)
        .map(|i| (format!("{i}{}", "x".repeat(60 * 1024)), json!("v")))
        .collect();
    let text = request(Value::Object(context));
    let started = std::time::Instant::now();
    let (kind, field, message) = refused(&text);
    assert_eq!(kind, RequestErrorKind::UnknownField);
    assert!(field.starts_with("context.0xxx"));
    assert_eq!(message, "not declared in the schema");
    let request = tessera::Request::from_json(&text).unwrap();
    assert_eq!(schema().request_errors(&request).len(), 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn the_audited_call_refuses_the_same_requests() {
    use tessera::audit::{AuditConfig, Auditor, CallbackSink};
    let (sender, records) = std::sync::mpsc::channel::<String>();
    let sink = CallbackSink::new(move |line: &str| {
        sender.send(line.to_owned()).map_err(|e| e.to_string())
    });
    let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
    let answer = json::evaluate_audited(
        &engine(),
        &auditor,
        &request(json!({"sourceip": "x"})),
        false,
    );
    assert!(answer.contains(r#""field":"context.sourceip""#), "{answer}");
    assert!(
        records.try_recv().is_err(),
        "a refused request is not recorded"
    );
}

#[test]
fn policies_are_checked_against_the_schema_when_they_compile() {
    let typo = POLICY
        .replace("context.incident", "context.incidnet")
        .replace("\"prod\"", "\"production\"");
    let error = Engine::compile_with_schema(
        &[Source::new("p.policy", &typo)],
        &Limits::default(),
        &schema(),
    )
    .unwrap_err();
    let kinds: Vec<DiagnosticKind> = error.diagnostics().iter().map(|d| d.kind()).collect();
    assert_eq!(
        kinds,
        [
            DiagnosticKind::UndeclaredKey,
            DiagnosticKind::SchemaMismatch
        ]
    );
    assert_eq!(error.diagnostics()[0].location().line, 6);
    // Syntax errors come first, as without a schema.
    let broken = Engine::compile_with_schema(
        &[Source::new("p.policy", "policy {")],
        &Limits::default(),
        &schema(),
    );
    assert_eq!(
        broken.unwrap_err().diagnostics()[0].kind(),
        DiagnosticKind::Syntax
    );
}

#[test]
fn a_load_document_carries_the_schema() {
    let document = |schema: &str| -> LoadDocument {
        serde_json::from_value(json!({
            "sources": [{"name": "p.policy", "text": POLICY}],
            "schema": [{"name": "app.schema", "text": schema}],
        }))
        .unwrap()
    };
    let engine = document(SCHEMA).compile().unwrap();
    assert!(engine.schema().is_some());
    assert!(
        json::evaluate(&engine, &request(json!({"sourceip": "1"})), false).contains("did you mean")
    );
    let error = document("schema { context.incident: strng }")
        .compile()
        .unwrap_err();
    let first = &error.diagnostics()[0];
    assert_eq!(
        (first.file(), first.kind()),
        ("app.schema", DiagnosticKind::UnknownType)
    );
    // No schema: no check.
    let plain: LoadDocument =
        serde_json::from_value(json!({"sources": [{"name": "p.policy", "text": POLICY}]})).unwrap();
    assert!(plain.compile().unwrap().schema().is_none());
}

#[test]
fn the_json_schema_for_requests_declares_the_custom_attributes() {
    let plain = tessera::request_json_schema(None);
    let file: Value = serde_json::from_str(include_str!("../schema/request.schema.json")).unwrap();
    assert_eq!(plain, file);
    let with = tessera::request_json_schema(Some(&schema()));
    assert_eq!(
        with["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let context = &with["properties"]["context"];
    assert_eq!(context["additionalProperties"], false);
    assert_eq!(context["required"], json!(["tier"]));
    assert_eq!(context["properties"]["source_ip"]["type"], "string");
    assert_eq!(
        context["properties"]["tier"],
        json!({"type": "string", "enum": ["gold", "silver"]})
    );
    assert_eq!(
        context["properties"]["ticket_count"],
        json!({"anyOf": [{"type": "number"}, {"type": "null"}]})
    );
    assert_eq!(
        with["required"],
        json!(["principal", "action", "resource", "context"])
    );
    // Required resource tags: only the object form of `resource` fits.
    let resource = with["properties"]["resource"]["oneOf"].as_array().unwrap();
    assert_eq!(resource.len(), 1);
    assert_eq!(resource[0]["required"], json!(["path", "tags"]));
    assert_eq!(
        resource[0]["properties"]["tags"]["additionalProperties"],
        false
    );
    // Optional principal tags: the bare string stays.
    let principal = with["properties"]["principal"]["oneOf"].as_array().unwrap();
    assert_eq!(principal.len(), 2);
    assert_eq!(
        principal[1]["properties"]["tags"]["properties"]["team"]["enum"],
        json!(["ops", "payments", "search"])
    );
}

#[test]
fn a_declared_set_is_checked_item_by_item_and_decided_with_contains() {
    let schema = Schema::compile(&[Source::new(
        "s.schema",
        "schema {\n  context.roles: set<enum [\"reader\", \"admin\"]> optional\n}",
    )])
    .unwrap();
    let policy = r#"policy "p" { allow "admins" { principal * action * resource ** when { context.roles contains "admin" } } }"#;
    let engine = Engine::compile_with_schema(
        &[Source::new("p.policy", policy)],
        &Limits::default(),
        &schema,
    )
    .unwrap();
    let with = |roles: Value| {
        json!({"principal": "u", "action": "a", "resource": "r", "context": {"roles": roles}})
            .to_string()
    };
    let decided = json::evaluate(&engine, &with(json!(["reader", "admin"])), false);
    assert!(decided.contains(r#""decision":"allow""#), "{decided}");
    let decided = json::evaluate(&engine, &with(json!([])), false);
    assert!(decided.contains(r#""decision":"deny""#), "{decided}");
    let error = json::read_request(&engine, &with(json!(["reader", "SECRET-root"]))).unwrap_err();
    assert_eq!(
        (error.kind(), error.field()),
        (RequestErrorKind::InvalidValue, "context.roles[1]")
    );
    assert!(!error.to_string().contains("SECRET"), "{error}");
    let error = json::read_request(&engine, &with(json!("admin"))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "context.roles: the schema declares a `set`: expected a JSON array of strings"
    );
    let document = tessera::request_json_schema(Some(&schema));
    assert_eq!(
        document["properties"]["context"]["properties"]["roles"],
        json!({"anyOf": [
            {"type": "array", "items": {"type": "string", "enum": ["admin", "reader"]}},
            {"type": "null"}
        ]}),
        "optional, so null is allowed too"
    );
}
