//! The one JSON call/answer layer that the CLI, the C library and the Wasm
//! module wrap, so that they cannot drift apart.
//!
//! Answers are JSON objects: a decision, or `{"error": {...}}` with a `kind`
//! (`"request"` or `"compile"`), a message, and where the error is.

use crate::engine::Engine;
use crate::request::{Request, RequestError};
use chrono::{DateTime, Utc};
use policy_lang::Diagnostic;
use serde_json::{Value, json};

/// Decides a JSON request; returns the decision (with `"explanation"` when
/// `explain` is true) or a request error, as JSON text.
///
/// ```
/// let engine = tessera::Engine::compile_str("p.policy",
///     r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#).unwrap();
/// let answer = tessera::json::evaluate(&engine,
///     r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db",
///         "context": {"time": "2026-11-25T10:00:00Z"}}"#, false);
/// assert_eq!(answer, r#"{"decision":"allow","reason":"allowed","determining":[{"policy":"p","statement":"read"}]}"#);
/// let bad = tessera::json::evaluate(&engine, r#"{"principal": "user:a"}"#, false);
/// assert!(bad.contains(r#""field":"action""#));
/// ```
pub fn evaluate(engine: &Engine, request_json: &str, explain: bool) -> String {
    evaluate_with(engine, request_json, explain, Utc::now)
}

/// [`evaluate`] with the current time given: a request without
/// `context.time` is decided at `now`. For hosts without a clock (the Wasm
/// module); the answer is the same bytes as [`evaluate`]'s at that instant.
pub fn evaluate_at(
    engine: &Engine,
    request_json: &str,
    explain: bool,
    now: DateTime<Utc>,
) -> String {
    evaluate_with(engine, request_json, explain, || now)
}

/// The clock is read only when the request carries no time.
fn evaluate_with(
    engine: &Engine,
    request_json: &str,
    explain: bool,
    now: impl FnOnce() -> DateTime<Utc>,
) -> String {
    match read_request(engine, request_json) {
        Ok(request) => {
            let now = request.context.time.unwrap_or_else(now);
            if explain {
                decide_value_at(engine, &request, explain, now).to_string()
            } else {
                serde_json::to_string(&engine.decide_at(&request, now))
                    .unwrap_or_else(|e| internal_error(&e.to_string()))
            }
        }
        Err(error) => request_error(&error).to_string(),
    }
}

/// [`evaluate`], with the decision recorded by `auditor` (in blocking mode
/// a record that cannot be written makes the answer a deny with reason
/// `audit_failed`). A request that does not parse is answered with its
/// error and not recorded: no decision was made.
///
/// ```
/// use tessera::audit::{AuditConfig, Auditor, CallbackSink};
/// let engine = tessera::Engine::compile_str("p.policy",
///     r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#).unwrap();
/// let (sender, records) = std::sync::mpsc::channel::<String>();
/// let sink = CallbackSink::new(move |line: &str| sender.send(line.to_owned()).map_err(|e| e.to_string()));
/// let auditor = Auditor::new(sink, &AuditConfig::new()).unwrap();
/// let answer = tessera::json::evaluate_audited(&engine, &auditor,
///     r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db"}"#, false);
/// assert!(answer.starts_with(r#"{"decision":"allow""#));
/// assert!(records.recv().unwrap().contains(r#""resource":"app/db""#));
/// ```
pub fn evaluate_audited(
    engine: &Engine,
    auditor: &crate::audit::Auditor,
    request_json: &str,
    explain: bool,
) -> String {
    let request = match read_request(engine, request_json) {
        Ok(request) => request,
        Err(error) => return request_error(&error).to_string(),
    };
    let now = Utc::now();
    let decision = auditor.decide_at(engine, &request, now);
    if explain && decision.reason != crate::Reason::AuditFailed {
        // The explanation decides again, at the same instant: the same
        // decision (explain and decide agree; the differential tests check).
        let decided_at = request.context.time.unwrap_or(now);
        decide_value_at(engine, &request, true, decided_at).to_string()
    } else {
        serde_json::to_string(&decision).unwrap_or_else(|e| internal_error(&e.to_string()))
    }
}

/// Reads a JSON request as every host does: under the engine's request
/// limits, and checked against its schema when it has one
/// ([`Engine::compile_with_schema`]): an undeclared attribute or tag, a
/// value of another type, a missing required one or a misspelt built-in
/// context field is an error naming the field.
///
/// ```
/// let schema = tessera::Schema::compile(&[tessera::Source::new("s", "schema { context.ticket: string }")]).unwrap();
/// let engine = tessera::Engine::compile_with_schema(
///     &[tessera::Source::new("p", "policy \"p\" {}")], &tessera::Limits::default(), &schema).unwrap();
/// let error = tessera::json::read_request(&engine,
///     r#"{"principal": "u", "action": "a", "resource": "r", "context": {"ticket": 12}}"#).unwrap_err();
/// assert_eq!(error.to_string(), "context.ticket: the schema declares a `string`: expected a JSON string");
/// ```
pub fn read_request(engine: &Engine, request_json: &str) -> Result<Request, RequestError> {
    let request = Request::from_json_with(request_json, &engine.limits().request)?;
    if let Some(schema) = engine.schema() {
        schema.check_request(&request)?;
    }
    Ok(request)
}

/// The decision for a parsed request as a JSON value.
pub fn decide_value(engine: &Engine, request: &Request, explain: bool) -> Value {
    decide_value_at(
        engine,
        request,
        explain,
        request.context.time.unwrap_or_else(Utc::now),
    )
}

/// [`decide_value`] at a given time (used when the request carries none).
fn decide_value_at(engine: &Engine, request: &Request, explain: bool, now: DateTime<Utc>) -> Value {
    if explain {
        let explanation = engine.explain_at(request, now);
        let mut value = explanation.decision.to_json();
        if let Value::Object(map) = &mut value {
            let statements = serde_json::to_value(&explanation.statements).unwrap_or(Value::Null);
            map.insert("explanation".to_string(), statements);
        }
        value
    } else {
        engine.decide_at(request, now).to_json()
    }
}

fn internal_error(message: &str) -> String {
    json!({"error": {"kind": "internal", "message": message}}).to_string()
}

/// A request error as `{"error": {"kind": "request", "field": ..., "message": ...}}`.
pub fn request_error(error: &RequestError) -> Value {
    json!({"error": {
        "kind": "request",
        "code": error.kind(),
        "field": error.field(),
        "message": error.to_string(),
    }})
}

/// Compile errors as `{"error": {"kind": "compile", "message": ..., "diagnostics": [...]}}`;
/// each diagnostic has `code`, `message`, `file`, `line`, `column`, `expected` and `hint`.
pub fn compile_error(error: &(impl AsRef<[Diagnostic]> + ?Sized)) -> Value {
    let diagnostics: Vec<Value> = error.as_ref().iter().map(diagnostic).collect();
    let message = error
        .as_ref()
        .first()
        .map_or_else(String::new, |d| d.to_string());
    json!({"error": {"kind": "compile", "message": message, "diagnostics": diagnostics}})
}

/// One diagnostic as a JSON object.
pub fn diagnostic(d: &Diagnostic) -> Value {
    json!({
        "code": d.kind().code(),
        "message": d.message(),
        "file": d.file(),
        "line": d.location().line,
        "column": d.location().column,
        "expected": d.expected(),
        "hint": d.hint(),
    })
}

/// The document a host loads a policy set from, the same for every host:
/// `{"sources": [{"name": ..., "text": ...}], "schema": [{"name": ...,
/// "text": ...}], "limits": {"policy": {...}, "request": {...}}}`, with
/// `schema` optional (schema files; with them the policies are checked
/// against the schema and every request read through this module is too)
/// and `limits` optional (each field defaults; see [`crate::Limits`]).
/// Unknown fields are refused.
///
/// ```
/// let document: tessera::json::LoadDocument = serde_json::from_str(r#"{
///   "sources": [{"name": "p.policy", "text": "policy \"p\" { allow \"a\" { principal * action * resource app/** } }"}],
///   "limits": {"request": {"max_groups": 8}}
/// }"#).unwrap();
/// let engine = document.compile().unwrap();
/// assert_eq!(engine.limits().request.max_groups, 8);
/// assert_eq!(engine.limits().policy, tessera::PolicyLimits::default());
/// assert!(serde_json::from_str::<tessera::json::LoadDocument>(r#"{"sources": [], "limit": {}}"#).is_err());
/// ```
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadDocument {
    /// The policy files, compiled together.
    pub sources: Vec<SourceDocument>,
    /// The schema files, if any. An empty list is no schema; a schema
    /// that declares nothing refuses every custom attribute and tag.
    #[serde(default)]
    pub schema: Vec<SourceDocument>,
    /// The limits to compile and read requests under.
    #[serde(default)]
    pub limits: crate::Limits,
}

/// One policy file of a [`LoadDocument`].
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDocument {
    /// The name diagnostics use.
    pub name: String,
    /// The policy text.
    pub text: String,
}

impl LoadDocument {
    /// Compiles the sources under the limits, against the schema when the
    /// document has one.
    ///
    /// ```
    /// let document: tessera::json::LoadDocument = serde_json::from_str(r#"{
    ///   "sources": [{"name": "p.policy", "text": "policy \"p\" { allow \"a\" { principal * action * resource ** when { context.tikcet like \"CHG-*\" } } }"}],
    ///   "schema": [{"name": "app.schema", "text": "schema { context.ticket: string }"}]
    /// }"#).unwrap();
    /// let error = document.compile().unwrap_err();
    /// assert_eq!(error.diagnostics()[0].kind(), tessera::DiagnosticKind::UndeclaredKey);
    /// ```
    pub fn compile(&self) -> Result<Engine, crate::CompileError> {
        fn named(documents: &[SourceDocument]) -> Vec<crate::Source<'_>> {
            documents
                .iter()
                .map(|s| crate::Source::new(&s.name, &s.text))
                .collect()
        }
        let sources = named(&self.sources);
        if self.schema.is_empty() {
            return Engine::compile_with(&sources, &self.limits);
        }
        let schema = crate::Schema::compile_with(&named(&self.schema), &self.limits.policy)?;
        Engine::compile_with_schema(&sources, &self.limits, &schema)
    }
}
