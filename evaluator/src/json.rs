//! The one JSON call/answer layer that the CLI, the C library and the Wasm
//! module wrap, so that they cannot drift apart.
//!
//! The call is a request as JSON text, read by [`read_request`] (a reader
//! of its own rather than a serde type: its errors name the field at fault
//! and it checks the engine's limits and schema while it reads). The
//! answer is typed: an [`Answer`], either a [`DecisionAnswer`] (with its
//! explanation when one was asked for) or an [`ErrorEnvelope`]. Hosts that
//! must tell an error from a decision look at the typed value; the `_json`
//! functions ([`evaluate`], [`evaluate_at`], [`evaluate_audited`]) are thin
//! wrappers that serialize it.
//!
//! Answers are JSON objects: a decision, or `{"error": {...}}` with a `kind`
//! (`"request"`, `"compile"`, `"invalid_argument"`, `"no_engine"`,
//! `"audit"` or `"internal"`), a message, and where the error is.
//!
//! A value that cannot be serialized becomes an internal error answer,
//! never a decision.

use crate::audit::{AuditConfig, AuditError, Mode};
use crate::decision::{Decision, StatementReport};
use crate::engine::Engine;
use crate::request::{Request, RequestError, RequestErrorKind};
use chrono::{DateTime, Utc};
use policy_lang::Diagnostic;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// The answer to one decision call: a decision, or an error.
///
/// Serializes as the decision (`{"decision": ..., "reason": ...,
/// "determining": [...]}`, plus `"explanation"` when explained) or as the
/// error envelope (`{"error": {"kind": ..., ...}}`).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<'e> {
    /// The request was decided.
    Decision(DecisionAnswer<'e>),
    /// The request was not decided.
    Error(ErrorEnvelope),
}

impl Answer<'_> {
    /// The error, when the answer is one.
    pub fn error(&self) -> Option<&ErrorEnvelope> {
        match self {
            Answer::Decision(_) => None,
            Answer::Error(error) => Some(error),
        }
    }

    /// True for an error answer.
    pub fn is_error(&self) -> bool {
        matches!(self, Answer::Error(_))
    }

    /// The answer as JSON text; a serialization failure is an internal
    /// error answer.
    pub fn to_json(&self) -> String {
        self.to_json_checked().0
    }

    /// The answer as JSON text, with the error it carries: its own, or an
    /// internal error when it cannot be serialized (the text is then that
    /// error's). For hosts that report errors beside the text (the C
    /// library): a decision that failed to serialize is never reported as
    /// a success.
    pub fn to_json_checked(&self) -> (String, Option<ErrorEnvelope>) {
        match serde_json::to_string(self) {
            Ok(text) => (text, self.error().cloned()),
            Err(e) => {
                let error = ErrorEnvelope::internal(&e);
                (error.to_json(), Some(error))
            }
        }
    }
}

impl Serialize for Answer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Decision(decision) => decision.serialize(serializer),
            Answer::Error(error) => error.serialize(serializer),
        }
    }
}

impl<'e> From<DecisionAnswer<'e>> for Answer<'e> {
    fn from(decision: DecisionAnswer<'e>) -> Answer<'e> {
        Answer::Decision(decision)
    }
}

impl From<ErrorEnvelope> for Answer<'_> {
    fn from(error: ErrorEnvelope) -> Self {
        Answer::Error(error)
    }
}

/// A decision as hosts answer it: `{"decision": ..., "reason": ...,
/// "determining": [...]}`, with `"explanation"` (each statement that
/// applied or nearly did) last when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionAnswer<'e> {
    /// The decision.
    pub decision: Decision<'e>,
    /// The explanation's statements, when one was asked for.
    pub explanation: Option<Vec<StatementReport<'e>>>,
}

impl<'e> DecisionAnswer<'e> {
    /// The decision without an explanation.
    pub fn new(decision: Decision<'e>) -> DecisionAnswer<'e> {
        DecisionAnswer {
            decision,
            explanation: None,
        }
    }

    /// The decision and explanation of [`Engine::explain_at`].
    pub fn explained(explanation: crate::Explanation<'e>) -> DecisionAnswer<'e> {
        DecisionAnswer {
            decision: explanation.decision,
            explanation: Some(explanation.statements),
        }
    }
}

impl Serialize for DecisionAnswer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if self.explanation.is_some() { 4 } else { 3 };
        let mut out = serializer.serialize_struct("DecisionAnswer", fields)?;
        out.serialize_field("decision", &self.decision.outcome)?;
        out.serialize_field("reason", &self.decision.reason)?;
        out.serialize_field("determining", &self.decision.determining)?;
        if let Some(explanation) = &self.explanation {
            out.serialize_field("explanation", explanation)?;
        }
        out.end()
    }
}

/// An error answer, `{"error": {"kind": ..., ...}}`: the one error
/// envelope of every host. The variant is the `kind`; fields are written
/// in the order declared here, after `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(remote = "Self", tag = "kind", rename_all = "snake_case")]
pub enum ErrorEnvelope {
    /// A malformed request (`{"kind": "request", "code", "field", "message"}`).
    Request {
        /// What is wrong, as [`RequestError::kind`].
        code: RequestErrorKind,
        /// The field at fault, dotted; empty for the whole request.
        field: String,
        /// The message, starting with the field.
        message: String,
    },
    /// Policies that do not compile (`{"kind": "compile", "message",
    /// "diagnostics"}`); the message is the first diagnostic's.
    Compile {
        /// The first diagnostic as text; empty when there is none.
        message: String,
        /// Every diagnostic.
        diagnostics: Vec<DiagnosticAnswer>,
    },
    /// A bad argument of a host's call: too long, not UTF-8, a stray
    /// pointer, a bad document (`{"kind": "invalid_argument", "code",
    /// "message"}`; the C library's own have no `code`).
    InvalidArgument {
        /// What is wrong (`too_large`, `not_utf8`, `bad_document`, ...).
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// What to fix.
        message: String,
    },
    /// A request came before any policies were loaded (the Wasm module).
    NoEngine {
        /// What to do.
        message: String,
    },
    /// An auditor could not be opened or could not write
    /// (`{"kind": "audit", "code", "message"}`).
    Audit {
        /// What failed: an [`crate::audit::AuditErrorKind`] name or a
        /// host's own code (`open_failed`).
        code: String,
        /// What to do; never a record's contents or a key.
        message: String,
    },
    /// A bug in Tessera, or an answer that could not be serialized.
    Internal {
        /// What went wrong.
        message: String,
    },
}

impl Serialize for ErrorEnvelope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The envelope's inside, `{"kind": ..., ...}`.
        struct Inside<'a>(&'a ErrorEnvelope);
        impl Serialize for Inside<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                ErrorEnvelope::serialize(self.0, serializer)
            }
        }
        let mut out = serializer.serialize_struct("ErrorEnvelope", 1)?;
        out.serialize_field("error", &Inside(self))?;
        out.end()
    }
}

impl ErrorEnvelope {
    /// A request error.
    pub fn request(error: &RequestError) -> ErrorEnvelope {
        ErrorEnvelope::Request {
            code: error.kind(),
            field: error.field().to_string(),
            message: error.to_string(),
        }
    }

    /// Compile errors, with every diagnostic.
    pub fn compile(error: &(impl AsRef<[Diagnostic]> + ?Sized)) -> ErrorEnvelope {
        let diagnostics = error.as_ref();
        ErrorEnvelope::Compile {
            message: diagnostics
                .first()
                .map_or_else(String::new, |d| d.to_string()),
            diagnostics: diagnostics.iter().map(DiagnosticAnswer::new).collect(),
        }
    }

    /// A bad argument with a code (the Wasm module, `policy serve`).
    pub fn invalid(code: &str, message: impl Into<String>) -> ErrorEnvelope {
        ErrorEnvelope::InvalidArgument {
            code: Some(code.to_string()),
            message: message.into(),
        }
    }

    /// An internal error.
    pub fn internal(message: &impl ToString) -> ErrorEnvelope {
        ErrorEnvelope::Internal {
            message: message.to_string(),
        }
    }

    /// The `kind` (`"request"`, `"compile"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ErrorEnvelope::Request { .. } => "request",
            ErrorEnvelope::Compile { .. } => "compile",
            ErrorEnvelope::InvalidArgument { .. } => "invalid_argument",
            ErrorEnvelope::NoEngine { .. } => "no_engine",
            ErrorEnvelope::Audit { .. } => "audit",
            ErrorEnvelope::Internal { .. } => "internal",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            ErrorEnvelope::Request { message, .. }
            | ErrorEnvelope::Compile { message, .. }
            | ErrorEnvelope::InvalidArgument { message, .. }
            | ErrorEnvelope::NoEngine { message }
            | ErrorEnvelope::Audit { message, .. }
            | ErrorEnvelope::Internal { message } => message,
        }
    }

    /// The envelope as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            // Only strings and numbers: unreachable, but never a panic.
            r#"{"error":{"kind":"internal","message":"an error answer could not be serialized"}}"#
                .to_string()
        })
    }

    /// The `{"kind": ..., ...}` inside the envelope, as JSON text (what the
    /// JS face copies onto the `Error` it throws).
    pub fn inside_json(&self) -> String {
        let mut text = Vec::new();
        let mut serializer = serde_json::Serializer::new(&mut text);
        match ErrorEnvelope::serialize(self, &mut serializer) {
            Ok(()) => String::from_utf8(text).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }
}

impl std::fmt::Display for ErrorEnvelope {
    /// The JSON text of the envelope.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_json())
    }
}

/// One compile diagnostic as JSON: `code`, `message`, `file`, `line`,
/// `column`, `expected` and `hint`.
#[cfg_attr(
    feature = "typescript",
    derive(tsify::Tsify),
    tsify(rename = "Diagnostic")
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnosticAnswer {
    /// The diagnostic's code (`syntax`, `unknown-keyword`, ...).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The file's name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What the parser expected there, if it knows.
    pub expected: Option<String>,
    /// A hint, if there is one.
    pub hint: Option<String>,
}

impl DiagnosticAnswer {
    /// The diagnostic's fields.
    pub fn new(d: &Diagnostic) -> DiagnosticAnswer {
        DiagnosticAnswer {
            code: d.kind().code(),
            message: d.message().to_string(),
            file: d.file().to_string(),
            line: d.location().line,
            column: d.location().column,
            expected: d.expected().map(str::to_string),
            hint: d.hint().map(str::to_string),
        }
    }
}

/// Decides a JSON request; returns the decision (with `"explanation"` when
/// `explain` is true) or a request error, as JSON text: [`answer`],
/// serialized.
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
    answer(engine, request_json, explain).to_json()
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
    answer_at(engine, request_json, explain, now).to_json()
}

/// The typed answer of [`evaluate`].
///
/// ```
/// let engine = tessera::Engine::compile_str("p.policy", r#"policy "p" {}"#).unwrap();
/// let answer = tessera::json::answer(&engine, r#"{"principal": "user:a"}"#, false);
/// assert_eq!(answer.error().map(|e| e.kind()), Some("request"));
/// ```
pub fn answer<'e>(engine: &'e Engine, request_json: &str, explain: bool) -> Answer<'e> {
    answer_with(engine, request_json, explain, Utc::now)
}

/// The typed answer of [`evaluate_at`].
pub fn answer_at<'e>(
    engine: &'e Engine,
    request_json: &str,
    explain: bool,
    now: DateTime<Utc>,
) -> Answer<'e> {
    answer_with(engine, request_json, explain, || now)
}

/// The clock is read only when the request carries no time.
fn answer_with<'e>(
    engine: &'e Engine,
    request_json: &str,
    explain: bool,
    now: impl FnOnce() -> DateTime<Utc>,
) -> Answer<'e> {
    match read_request(engine, request_json) {
        Ok(request) => {
            let now = request.context.time.unwrap_or_else(now);
            Answer::Decision(decide_answer_at(engine, &request, explain, now))
        }
        Err(error) => Answer::Error(ErrorEnvelope::request(&error)),
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
    answer_audited_at(engine, auditor, request_json, explain, Utc::now()).to_json()
}

/// The typed answer of [`evaluate_audited`], with `now` as the clock (it
/// decides a request without `context.time` and stamps the record).
pub fn answer_audited_at<'e>(
    engine: &'e Engine,
    auditor: &crate::audit::Auditor,
    request_json: &str,
    explain: bool,
    now: DateTime<Utc>,
) -> Answer<'e> {
    match read_request(engine, request_json) {
        Ok(request) => Answer::Decision(decide_audited_at(engine, auditor, &request, explain, now)),
        Err(error) => Answer::Error(ErrorEnvelope::request(&error)),
    }
}

/// Decides a parsed request through `auditor` at `now`, explained when
/// `explain` is true, unless the record could not be written (a blocking
/// `audit_failed` deny has no explanation: the statements did not decide
/// it).
pub fn decide_audited_at<'e>(
    engine: &'e Engine,
    auditor: &crate::audit::Auditor,
    request: &Request,
    explain: bool,
    now: DateTime<Utc>,
) -> DecisionAnswer<'e> {
    let decision = auditor.decide_at(engine, request, now);
    if explain && decision.reason != crate::Reason::AuditFailed {
        // The explanation decides again, at the same instant: the same
        // decision (explain and decide agree; the differential tests check).
        let decided_at = request.context.time.unwrap_or(now);
        DecisionAnswer::explained(engine.explain_at(request, decided_at))
    } else {
        DecisionAnswer::new(decision)
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
    let answer = decide_answer(engine, request, explain);
    serde_json::to_value(&answer).unwrap_or_else(|e| {
        serde_json::to_value(ErrorEnvelope::internal(&e)).unwrap_or(Value::Null)
    })
}

/// The typed decision for a parsed request, at its `context.time` or now.
pub fn decide_answer<'e>(
    engine: &'e Engine,
    request: &Request,
    explain: bool,
) -> DecisionAnswer<'e> {
    decide_answer_at(
        engine,
        request,
        explain,
        request.context.time.unwrap_or_else(Utc::now),
    )
}

/// [`decide_answer`] at a given time (used when the request carries none).
pub fn decide_answer_at<'e>(
    engine: &'e Engine,
    request: &Request,
    explain: bool,
    now: DateTime<Utc>,
) -> DecisionAnswer<'e> {
    if explain {
        DecisionAnswer::explained(engine.explain_at(request, now))
    } else {
        DecisionAnswer::new(engine.decide_at(request, now))
    }
}

/// A request error as `{"error": {"kind": "request", "code", "field", "message"}}`
/// ([`ErrorEnvelope::request`] as a value).
pub fn request_error(error: &RequestError) -> Value {
    envelope_value(&ErrorEnvelope::request(error))
}

/// Compile errors as `{"error": {"kind": "compile", "message": ..., "diagnostics": [...]}}`;
/// each diagnostic has `code`, `message`, `file`, `line`, `column`, `expected` and `hint`
/// ([`ErrorEnvelope::compile`] as a value).
pub fn compile_error(error: &(impl AsRef<[Diagnostic]> + ?Sized)) -> Value {
    envelope_value(&ErrorEnvelope::compile(error))
}

/// One diagnostic as a JSON object ([`DiagnosticAnswer`] as a value).
pub fn diagnostic(d: &Diagnostic) -> Value {
    serde_json::to_value(DiagnosticAnswer::new(d)).unwrap_or(Value::Null)
}

fn envelope_value(envelope: &ErrorEnvelope) -> Value {
    serde_json::to_value(envelope)
        .unwrap_or_else(|_| serde_json::from_str(&envelope.to_json()).unwrap_or(Value::Null))
}

/// The answer of a successful load: `{"ok":true,"statements":N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Loaded {
    /// Always true.
    pub ok: bool,
    /// How many statements the policy set holds.
    pub statements: usize,
}

impl Loaded {
    /// The answer for `engine`.
    pub fn new(engine: &Engine) -> Loaded {
        Loaded {
            ok: true,
            statements: engine.statement_count(),
        }
    }
}

/// The answer of a call that succeeded with nothing more to say,
/// `{"ok":true}` (the Wasm module's `tessera_audit_open`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Done {
    /// Always true.
    pub ok: bool,
}

impl Done {
    /// `{"ok":true}`.
    pub const OK: Done = Done { ok: true };
}

/// An auditor's state, as the Wasm module answers `tessera_audit_status`
/// and `tessera_audit_close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditStatus {
    /// An open auditor: `{"open":true,"mode":...,"pending_bytes":N,"failures":N,"head":{...}}`.
    Open(AuditState),
    /// The auditor just closed: `{"ok":true,"mode":...,...}`, its final state.
    Closed(AuditState),
    /// No auditor is open: `{"open":false,"pending_bytes":N}`.
    NotOpen {
        /// Bytes of records of a closed auditor still to be taken.
        pending_bytes: usize,
    },
}

/// The state of one auditor, in an [`AuditStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditState {
    /// Its mode.
    pub mode: Mode,
    /// Bytes of records waiting for the host.
    pub pending_bytes: usize,
    /// Records that could not be written.
    pub failures: u64,
    /// Where its chain stands.
    pub head: crate::audit::ChainHead,
}

impl Serialize for AuditStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (first, state) = match self {
            AuditStatus::Open(state) => ("open", state),
            AuditStatus::Closed(state) => ("ok", state),
            AuditStatus::NotOpen { pending_bytes } => {
                let mut out = serializer.serialize_struct("AuditStatus", 2)?;
                out.serialize_field("open", &false)?;
                out.serialize_field("pending_bytes", pending_bytes)?;
                return out.end();
            }
        };
        let mode = match state.mode {
            Mode::Blocking => "blocking",
            Mode::BestEffort => "best_effort",
        };
        let mut out = serializer.serialize_struct("AuditStatus", 5)?;
        match first {
            "open" => out.serialize_field("open", &true)?,
            _ => out.serialize_field("ok", &true)?,
        }
        out.serialize_field("mode", mode)?;
        out.serialize_field("pending_bytes", &state.pending_bytes)?;
        out.serialize_field("failures", &state.failures)?;
        out.serialize_field("head", &state.head)?;
        out.end()
    }
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
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadDocument {
    /// The policy files, compiled together.
    pub sources: Vec<SourceDocument>,
    /// The schema files, if any. An empty list is no schema; a schema
    /// that declares nothing refuses every custom attribute and tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema: Vec<SourceDocument>,
    /// The limits to compile and read requests under.
    #[serde(default, skip_serializing_if = "is_default")]
    pub limits: crate::Limits,
}

/// True for the default limits (left out of a serialized [`LoadDocument`]).
fn is_default(limits: &crate::Limits) -> bool {
    *limits == crate::Limits::default()
}

/// One policy file of a [`LoadDocument`].
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
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

/// An auditor's options, the one reading of them for every host: the C
/// library fills one from `tessera_audit_options_t`, the JS face from its
/// `AuditorOptions` object, the CLI from its `--audit-*` flags, and the
/// Wasm module reads one from its JSON audit configuration
/// ([`AuditOptions::from_json`]):
///
/// ```json
/// {"mode": "blocking", "key_hex": "...", "mask": ["context.ticket"], "drop": ["source_ip"],
///  "seed_hex": "64 hex digits", "buffer_bytes": 16777216}
/// ```
///
/// [`AuditOptions::config`] turns them into an [`AuditConfig`]. `Debug`
/// never shows the key or the seed; error messages never quote them.
///
/// ```
/// let options = tessera::json::AuditOptions::from_json(
///     br#"{"mode": "best_effort", "mask": ["context.ticket"], "key_hex": "6b6579"}"#, false).unwrap();
/// assert_eq!(options.key.as_deref(), Some(&b"key"[..]));
/// assert!(!format!("{options:?}").contains("6b6579"));
/// let config = options.config().unwrap();
/// assert!(format!("{config:?}").contains("context.ticket"));
/// let bad = tessera::json::AuditOptions::from_json(br#"{"mask": ["contxt.ticket"]}"#, false).unwrap_err();
/// assert!(bad.contains("did you mean `context.ticket`?"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuditOptions {
    /// What happens when a record cannot be written.
    pub mode: Mode,
    /// The HMAC key of the chain; `None` for plain SHA-256.
    pub key: Option<Vec<u8>>,
    /// Selectors of fields records show masked.
    pub mask: Vec<String>,
    /// Selectors of fields records leave out.
    pub drop: Vec<String>,
    /// The seed of the record ids ([`AuditConfig::id_seed`]); `None` for
    /// the operating system's random source.
    pub seed: Option<[u8; 32]>,
    /// A background writer's queue capacity, in records (best-effort mode
    /// only); `None` for none.
    pub background: Option<usize>,
    /// The most bytes of records the Wasm module holds for its host;
    /// `None` for its default.
    pub buffer_bytes: Option<usize>,
}

impl std::fmt::Debug for AuditOptions {
    /// Shows the selectors and the mode; never the key or the seed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |given: bool| given.then_some("[redacted]");
        f.debug_struct("AuditOptions")
            .field("mode", &self.mode)
            .field("key", &redacted(self.key.is_some()))
            .field("mask", &self.mask)
            .field("drop", &self.drop)
            .field("seed", &redacted(self.seed.is_some()))
            .field("background", &self.background)
            .field("buffer_bytes", &self.buffer_bytes)
            .finish()
    }
}

/// Which selector list of [`AuditOptions`] an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorList {
    /// [`AuditOptions::mask`].
    Mask,
    /// [`AuditOptions::drop`].
    Drop,
}

/// A selector of [`AuditOptions`] that names no field: which list, its
/// index there, and the audit error (whose message never quotes a value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    /// The list.
    pub list: SelectorList,
    /// The selector's index in it.
    pub index: usize,
    /// Why it was refused.
    pub error: AuditError,
}

/// The JSON keys of an audit configuration.
const AUDIT_KEYS: [&str; 6] = [
    "mode",
    "key_hex",
    "mask",
    "drop",
    "seed_hex",
    "buffer_bytes",
];

/// The largest `buffer_bytes` of an audit configuration (16 MiB).
pub const MAX_AUDIT_BUFFER: usize = 16 * 1024 * 1024;

impl AuditOptions {
    /// The configuration: mode, key, seed, background writer, and every
    /// selector checked; the first selector that names no field is the
    /// error.
    pub fn config(&self) -> Result<AuditConfig, SelectorError> {
        let mut config = AuditConfig::new();
        config.mode(self.mode);
        if let Some(key) = &self.key {
            config.key(key);
        }
        if let Some(seed) = self.seed {
            config.id_seed(seed);
        }
        if let Some(capacity) = self.background {
            config.background(capacity);
        }
        for (list, selectors) in [
            (SelectorList::Mask, &self.mask),
            (SelectorList::Drop, &self.drop),
        ] {
            for (index, selector) in selectors.iter().enumerate() {
                let added = match list {
                    SelectorList::Mask => config.mask_field(selector),
                    SelectorList::Drop => config.drop_field(selector),
                };
                if let Err(error) = added {
                    return Err(SelectorError { list, index, error });
                }
            }
        }
        Ok(config)
    }

    /// Reads a JSON audit configuration (the Wasm module's, see
    /// [`AuditOptions`]); the message for one that is malformed. The
    /// selectors are checked too. With `seed_required`, a configuration
    /// without `seed_hex` is refused (checked after every other key).
    ///
    /// Read as a plain value first, so that no message of serde's quotes
    /// a value (the key or the seed).
    pub fn from_json(input: &[u8], seed_required: bool) -> Result<AuditOptions, String> {
        let Ok(Value::Object(document)) = serde_json::from_slice::<Value>(input) else {
            return Err("the audit configuration is not a JSON object such as \
                 {\"mode\": \"blocking\", \"seed_hex\": \"<64 hex digits>\"}"
                .to_string());
        };
        if let Some(unknown) = document.keys().find(|k| !AUDIT_KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown key {unknown:?} in the audit configuration; the keys are mode, key_hex, \
                 mask, drop, seed_hex and buffer_bytes"
            ));
        }
        let mut options = AuditOptions::default();
        match document.get("mode") {
            None | Some(Value::Null) => {}
            Some(Value::String(mode)) if mode == "blocking" => options.mode = Mode::Blocking,
            Some(Value::String(mode)) if mode == "best_effort" => options.mode = Mode::BestEffort,
            Some(_) => return Err("mode must be \"blocking\" or \"best_effort\"".to_string()),
        }
        match document.get("seed_hex") {
            None => {}
            Some(Value::String(hex)) => match hex::decode(hex).ok().map(<[u8; 32]>::try_from) {
                Some(Ok(seed)) => options.seed = Some(seed),
                _ => {
                    return Err("seed_hex must be 64 hex digits: 32 bytes from the host's \
                         random source"
                        .to_string());
                }
            },
            Some(_) => return Err(seed_missing()),
        }
        let bad_key =
            || "key_hex must be a non-empty string of hex digits (an even number of them)";
        match document.get("key_hex") {
            None | Some(Value::Null) => {}
            Some(Value::String(hex)) => match hex::decode(hex) {
                Ok(key) if !key.is_empty() => options.key = Some(key),
                _ => return Err(bad_key().to_string()),
            },
            Some(_) => return Err(bad_key().to_string()),
        }
        for (name, list) in [("mask", SelectorList::Mask), ("drop", SelectorList::Drop)] {
            let shape =
                || format!("{name} must be an array of selectors such as \"context.ticket\"");
            let selectors = match document.get(name) {
                None | Some(Value::Null) => continue,
                Some(Value::Array(selectors)) => selectors,
                Some(_) => return Err(shape()),
            };
            let mut checked = AuditConfig::new();
            let mut out = Vec::with_capacity(selectors.len());
            for selector in selectors {
                let Some(selector) = selector.as_str() else {
                    return Err(shape());
                };
                let added = match list {
                    SelectorList::Mask => checked.mask_field(selector),
                    SelectorList::Drop => checked.drop_field(selector),
                };
                if let Err(error) = added {
                    return Err(error.message().to_string());
                }
                out.push(selector.to_string());
            }
            match list {
                SelectorList::Mask => options.mask = out,
                SelectorList::Drop => options.drop = out,
            }
        }
        match document.get("buffer_bytes") {
            None | Some(Value::Null) => {}
            Some(value) => match value.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if (1..=MAX_AUDIT_BUFFER).contains(&n) => options.buffer_bytes = Some(n),
                _ => {
                    return Err(format!(
                        "buffer_bytes must be a whole number from 1 to {MAX_AUDIT_BUFFER}"
                    ));
                }
            },
        }
        if seed_required && options.seed.is_none() {
            return Err(seed_missing());
        }
        Ok(options)
    }

    /// The JSON audit configuration [`AuditOptions::from_json`] reads back
    /// (`background` has no JSON form and is left out). It holds the key
    /// and the seed: for handing to the Wasm module, never for a log.
    pub fn to_json(&self) -> String {
        let mut document = serde_json::Map::new();
        let mode = match self.mode {
            Mode::Blocking => "blocking",
            Mode::BestEffort => "best_effort",
        };
        document.insert("mode".into(), Value::from(mode));
        if let Some(key) = &self.key {
            document.insert("key_hex".into(), Value::from(hex::encode(key)));
        }
        document.insert("mask".into(), Value::from(self.mask.clone()));
        document.insert("drop".into(), Value::from(self.drop.clone()));
        if let Some(seed) = &self.seed {
            document.insert("seed_hex".into(), Value::from(hex::encode(seed)));
        }
        if let Some(bytes) = self.buffer_bytes {
            document.insert("buffer_bytes".into(), Value::from(bytes));
        }
        Value::Object(document).to_string()
    }
}

/// The message for a configuration without a seed.
fn seed_missing() -> String {
    "seed_hex is required: 64 hex digits, 32 bytes from the host's random source \
     (the module has none of its own; record ids are derived from it)"
        .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use serde_json::json;

    /// The envelopes are the bytes the hosts built by hand before.
    #[test]
    fn envelopes_keep_their_shape_and_key_order() {
        let cases = [
            (
                ErrorEnvelope::invalid("too_large", "m"),
                json!({"error": {"kind": "invalid_argument", "code": "too_large", "message": "m"}}),
            ),
            (
                ErrorEnvelope::InvalidArgument {
                    code: None,
                    message: "m".into(),
                },
                json!({"error": {"kind": "invalid_argument", "message": "m"}}),
            ),
            (
                ErrorEnvelope::NoEngine {
                    message: "m".into(),
                },
                json!({"error": {"kind": "no_engine", "message": "m"}}),
            ),
            (
                ErrorEnvelope::Audit {
                    code: "open_failed".into(),
                    message: "m".into(),
                },
                json!({"error": {"kind": "audit", "code": "open_failed", "message": "m"}}),
            ),
            (
                ErrorEnvelope::internal(&"m"),
                json!({"error": {"kind": "internal", "message": "m"}}),
            ),
        ];
        for (envelope, expected) in cases {
            assert_eq!(envelope.to_json(), expected.to_string());
            assert_eq!(
                envelope.inside_json(),
                expected["error"].to_string(),
                "{envelope:?}"
            );
        }
        let error =
            Request::from_json(r#"{"principal": "u", "action": 3, "resource": "r"}"#).unwrap_err();
        assert_eq!(
            ErrorEnvelope::request(&error).to_json(),
            json!({"error": {"kind": "request", "code": error.kind(), "field": error.field(),
                "message": error.to_string()}})
            .to_string()
        );
        let error = Engine::compile_str("p.policy", "policy {").unwrap_err();
        let diagnostics: Vec<Value> = error
            .diagnostics()
            .iter()
            .map(|d| {
                json!({"code": d.kind().code(), "message": d.message(), "file": d.file(),
                    "line": d.location().line, "column": d.location().column,
                    "expected": d.expected(), "hint": d.hint()})
            })
            .collect();
        assert_eq!(
            ErrorEnvelope::compile(&error).to_json(),
            json!({"error": {"kind": "compile", "message": error.diagnostics()[0].to_string(),
                "diagnostics": diagnostics}})
            .to_string()
        );
    }

    /// A decision, explained or not, is the bytes of the decision's own
    /// serialization with `explanation` appended.
    #[test]
    fn decision_answers_keep_their_shape() {
        let engine = Engine::compile_str(
            "p.policy",
            r#"policy "p" { allow "read" { principal * action a resource app/** } deny "x" { principal * action a resource app/x } }"#,
        )
        .unwrap();
        let request = Request::from_json(
            r#"{"principal": "u", "action": "a", "resource": "app/db", "context": {"time": "2026-11-25T10:00:00Z"}}"#,
        )
        .unwrap();
        let now = request.context.time.unwrap();
        let plain = decide_answer_at(&engine, &request, false, now);
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            serde_json::to_string(&engine.decide_at(&request, now)).unwrap()
        );
        let explanation = engine.explain_at(&request, now);
        let mut expected = explanation.decision.to_json();
        expected.as_object_mut().unwrap().insert(
            "explanation".into(),
            serde_json::to_value(&explanation.statements).unwrap(),
        );
        let explained = Answer::Decision(decide_answer_at(&engine, &request, true, now));
        assert_eq!(explained.to_json(), expected.to_string());
        assert!(!explained.is_error());
    }

    #[test]
    fn audit_options_read_back_what_they_write_and_never_show_the_key() {
        let options = AuditOptions::from_json(
            br#"{"mode": "best_effort", "key_hex": "00ff", "mask": ["context.ticket"],
                "drop": ["source_ip"], "seed_hex": "0101010101010101010101010101010101010101010101010101010101010101",
                "buffer_bytes": 10}"#,
            true,
        )
        .unwrap();
        assert_eq!(options.mode, Mode::BestEffort);
        assert_eq!(options.key.as_deref(), Some(&[0, 255][..]));
        assert_eq!(options.seed, Some([1; 32]));
        assert_eq!(options.buffer_bytes, Some(10));
        assert_eq!(
            AuditOptions::from_json(options.to_json().as_bytes(), true).unwrap(),
            options
        );
        assert!(!format!("{options:?}").contains("00ff"));
        assert!(options.config().is_ok());
        // The seed's absence is reported after every other problem.
        let error = AuditOptions::from_json(br#"{"mode": 1}"#, true).unwrap_err();
        assert!(error.starts_with("mode must be"), "{error}");
        let error = AuditOptions::from_json(br#"{}"#, true).unwrap_err();
        assert!(error.starts_with("seed_hex is required"), "{error}");
        assert!(AuditOptions::from_json(br#"{}"#, false).is_ok());
        // A bad key is never quoted.
        let error = AuditOptions::from_json(br#"{"key_hex": "secretzz"}"#, false).unwrap_err();
        assert!(!error.contains("secretzz"), "{error}");
        let bad = AuditOptions {
            drop: vec!["source_ip".into(), "contxt.x".into()],
            ..AuditOptions::default()
        };
        let error = bad.config().unwrap_err();
        assert_eq!((error.list, error.index), (SelectorList::Drop, 1));
    }

    #[test]
    fn audit_status_answers_keep_their_shape() {
        let state = AuditState {
            mode: Mode::BestEffort,
            pending_bytes: 3,
            failures: 1,
            head: crate::audit::ChainHead::genesis(false),
        };
        let head = serde_json::to_value(&state.head).unwrap();
        let expected = |first: &str| {
            let mut map = serde_json::Map::new();
            map.insert(first.into(), Value::Bool(true));
            map.insert("mode".into(), json!("best_effort"));
            map.insert("pending_bytes".into(), json!(3));
            map.insert("failures".into(), json!(1));
            map.insert("head".into(), head.clone());
            Value::Object(map).to_string()
        };
        let open = serde_json::to_string(&AuditStatus::Open(state.clone())).unwrap();
        assert_eq!(open, expected("open"));
        let closed = serde_json::to_string(&AuditStatus::Closed(state)).unwrap();
        assert_eq!(closed, expected("ok"));
        assert_eq!(
            serde_json::to_string(&AuditStatus::NotOpen { pending_bytes: 0 }).unwrap(),
            r#"{"open":false,"pending_bytes":0}"#
        );
        assert_eq!(serde_json::to_string(&Done::OK).unwrap(), r#"{"ok":true}"#);
        assert!(serde_json::from_str::<Done>(r#"{"ok":true,"statements":1}"#).is_err());
    }
}
