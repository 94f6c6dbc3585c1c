//! The one place the filter speaks to Tessera's JSON layer
//! (`tessera::json`): compiling the policies and deciding a request given
//! as JSON text. Kept small so that a change of that layer's API touches
//! only this file.

use chrono::{DateTime, Utc};
use tessera::audit::Auditor;
use tessera::json::{LoadDocument, SourceDocument};
use tessera::{Engine, Limits, Outcome};

/// A policy or schema file: its name (used in diagnostics) and text.
pub type Source = (String, String);

/// Compiles the policies (with the schema files, when there are any)
/// under `limits`; the error is the JSON compile error every face gives
/// (`tessera::json::compile_error`), as text.
pub fn compile(policies: &[Source], schema: &[Source], limits: &Limits) -> Result<Engine, String> {
    let documents = |sources: &[Source]| {
        sources
            .iter()
            .map(|(name, text)| SourceDocument {
                name: name.clone(),
                text: text.clone(),
            })
            .collect()
    };
    let document = LoadDocument {
        sources: documents(policies),
        schema: documents(schema),
        limits: limits.clone(),
    };
    document
        .compile()
        .map_err(|error| tessera::json::compile_error(&error).to_string())
}

/// The answer to one request: whether it is allowed, and the JSON answer
/// (the decision, or a request error, which is a deny).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// True only for an allow decision.
    pub allow: bool,
    /// The JSON answer, the bytes `tessera::json::evaluate_at` gives for
    /// this request at `now`.
    pub json: String,
    /// For the host's log on a deny: the reason, or the request error's
    /// code and field (never a value from the request).
    pub log: String,
}

/// Decides `request_json` at `now` (the request carries no time of its
/// own) and, with an auditor, records the decision: the same bytes as
/// `tessera::json::evaluate_at(engine, request_json, false, now)` (with an
/// auditor in blocking mode, a record that cannot be written makes it a
/// deny with reason `audit_failed`, as `tessera::json::evaluate_audited`).
/// A request that does not read is answered with its error, not recorded
/// (no decision was made), and denied.
pub fn decide(
    engine: &Engine,
    auditor: Option<&Auditor>,
    request_json: &str,
    now: DateTime<Utc>,
) -> Answer {
    let request = match tessera::json::read_request(engine, request_json) {
        Ok(request) => request,
        Err(error) => {
            return Answer {
                allow: false,
                json: tessera::json::request_error(&error).to_string(),
                log: format!("request_error {:?} in {}", error.kind(), error.field()),
            };
        }
    };
    let decision = match auditor {
        Some(auditor) => auditor.decide_at(engine, &request, now),
        None => engine.decide_at(&request, request.context.time.unwrap_or(now)),
    };
    match serde_json::to_string(&decision) {
        Ok(json) => Answer {
            allow: decision.outcome == Outcome::Allow,
            log: json.clone(),
            json,
        },
        Err(error) => Answer {
            allow: false,
            log: "internal_error: the decision did not serialize".into(),
            json: serde_json::json!({"error": {"kind": "internal", "message": error.to_string()}})
                .to_string(),
        },
    }
}
