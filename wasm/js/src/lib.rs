//! Tessera for JavaScript and TypeScript, through wasm-bindgen.
//!
//! `wasm/build.sh` compiles this crate for `wasm32-unknown-unknown` and
//! packages it for Node (`target/wasm/js/node`) and browsers
//! (`target/wasm/js/web`), with TypeScript types. The API is one class and
//! one function:
//!
//! ```js
//! const { Engine } = require("./target/wasm/js/node/tessera.js");
//! const engine = new Engine([{ name: "app.policy", text: policyText }]);
//! const decision = engine.evaluate({ principal: "user:ana", action: "secrets:GetSecretValue",
//!                                    resource: "app/db" });
//! // { decision: "allow", reason: "allowed", determining: [{ policy, statement }] }
//! ```
//!
//! Every call is a thin wrapper over [`tessera::json`]: a decision is that
//! layer's JSON answer as a plain object, and its error answers become
//! thrown `Error`s named `TesseraError` carrying the same fields (`kind`,
//! `code`, `field`, `diagnostics` with `file`, `line`, `column`). So the JS
//! face decides exactly as the native crate, the C library and the core
//! Wasm ABI do. `wasm/js/README.md` is the user's guide; it is also run as a
//! test.

use chrono::{DateTime, Utc};
use js_sys::{Date, JSON, Object, Reflect};
use serde::Deserialize;
use tessera::Source;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** One policy file; `name` is the file name diagnostics point at. */
export interface Source {
  name: string;
  text: string;
}

/** A request to decide (evaluator/schema/request.schema.json). */
export interface Request {
  principal: string | { id: string; groups?: string[]; tags?: Record<string, string> };
  action: string;
  resource: string | { path: string; tags?: Record<string, string> };
  context?: {
    source_ip?: string | null;
    mfa?: boolean | null;
    mfa_age_seconds?: number | null;
    version_stage?: string | null;
    /** RFC 3339; the evaluation time (see `EvaluateOptions.now`) when absent. */
    time?: string | null;
    [custom: string]: string | number | boolean | null | undefined;
  };
}

/** A statement, named by its policy and its own name. */
export interface StatementRef {
  policy: string;
  statement: string;
}

/** One part of a statement that did not match, in an explanation. */
export interface Failure {
  part: "principal" | "action" | "resource" | "when" | "unless";
  /** The matcher or condition as written. */
  expected: string;
  /** The request's value; null when absent. */
  actual: string | null;
  /** True when a missing or mistyped value made the part unknown. */
  unknown: boolean;
}

/** A statement that applied, or a near miss, in an explanation. */
export interface ExplainedStatement extends StatementRef {
  effect: "allow" | "deny";
  applied: boolean;
  failures: Failure[];
}

/** The answer to one request (evaluator/schema/decision.schema.json). */
export interface Decision {
  decision: "allow" | "deny";
  /** explicit_deny: a deny applied; allowed: an allow applied and no deny did;
   *  no_statement_applied: denied by default. */
  reason: "explicit_deny" | "allowed" | "no_statement_applied";
  /** The statements that decided: every applicable deny, or every applicable allow. */
  determining: StatementRef[];
  /** Only from `Engine.explain`. */
  explanation?: ExplainedStatement[];
}

/** One problem in a policy file, located at a character. */
export interface Diagnostic {
  code: string;
  message: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  expected: string[];
  hint: string | null;
}

/**
 * What every Tessera call throws: an `Error` whose `name` is "TesseraError".
 * `kind` is "compile" (with `diagnostics`), "request" (with `field`),
 * "invalid_argument" (a bad `sources` or `now` argument) or "internal".
 */
export interface TesseraError extends Error {
  name: "TesseraError";
  kind: "compile" | "request" | "invalid_argument" | "internal";
  code?: string;
  field?: string;
  diagnostics?: Diagnostic[];
}

/** Options of `Engine.evaluate` and `Engine.explain`. */
export interface EvaluateOptions {
  /** The clock for requests without `context.time`: a Date, Unix milliseconds
   *  or an RFC 3339 string. Defaults to the current time. */
  now?: Date | number | string;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `Source[] | Source | string` in TypeScript.
    #[wasm_bindgen(typescript_type = "Source[] | Source | string")]
    pub type SourcesArg;
    /// `Request | string` in TypeScript.
    #[wasm_bindgen(typescript_type = "Request | string")]
    pub type RequestArg;
    /// `EvaluateOptions` in TypeScript (an optional argument).
    #[wasm_bindgen(typescript_type = "EvaluateOptions")]
    pub type OptionsArg;
    /// `Decision` in TypeScript.
    #[wasm_bindgen(typescript_type = "Decision")]
    pub type DecisionObject;
}

/// The name a bare policy string gets in diagnostics.
pub const INLINE_SOURCE_NAME: &str = "inline.policy";

/// The `sources` argument, after `JSON.stringify`.
#[derive(Deserialize)]
#[serde(untagged)]
enum SourcesDocument {
    /// One policy text.
    Text(String),
    /// Several named files.
    Many(Vec<SourceDocument>),
    /// One named file.
    One(SourceDocument),
}

/// One `{name, text}` source.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceDocument {
    name: String,
    text: String,
}

/// A compiled policy set. Construct it once; `evaluate` it many times.
#[wasm_bindgen]
pub struct Engine {
    inner: tessera::Engine,
}

#[wasm_bindgen]
impl Engine {
    /// Compiles policy sources: an array of `{name, text}`, one such object,
    /// or a bare policy string (named `inline.policy` in diagnostics).
    /// Throws a `TesseraError` of kind "compile" listing every diagnostic.
    #[wasm_bindgen(constructor)]
    pub fn new(sources: SourcesArg) -> Result<Engine, JsValue> {
        let document = sources_document(&sources)?;
        let owned: Vec<(String, String)> = match document {
            SourcesDocument::Text(text) => vec![(INLINE_SOURCE_NAME.to_owned(), text)],
            SourcesDocument::One(s) => vec![(s.name, s.text)],
            SourcesDocument::Many(many) => many.into_iter().map(|s| (s.name, s.text)).collect(),
        };
        let sources: Vec<Source> = owned
            .iter()
            .map(|(name, text)| Source::new(name, text))
            .collect();
        match tessera::Engine::compile(&sources) {
            Ok(inner) => Ok(Engine { inner }),
            Err(error) => Err(thrown(&tessera::json::compile_error(&error).to_string())),
        }
    }

    /// Decides a request (an object, or its JSON text): a `Decision`.
    /// Throws a `TesseraError` of kind "request" naming the bad `field`.
    pub fn evaluate(
        &self,
        request: RequestArg,
        options: Option<OptionsArg>,
    ) -> Result<DecisionObject, JsValue> {
        self.answer(&request, options.as_deref(), false)
    }

    /// As `evaluate`, with an `explanation`: each statement that applied and
    /// each near miss, with the part that failed and the request's value.
    pub fn explain(
        &self,
        request: RequestArg,
        options: Option<OptionsArg>,
    ) -> Result<DecisionObject, JsValue> {
        self.answer(&request, options.as_deref(), true)
    }

    /// How many statements the policy set holds.
    #[wasm_bindgen(getter, js_name = statementCount)]
    pub fn statement_count(&self) -> usize {
        self.inner.statement_count()
    }

    /// The shared body of `evaluate` and `explain`.
    fn answer(
        &self,
        request: &JsValue,
        options: Option<&JsValue>,
        explain: bool,
    ) -> Result<DecisionObject, JsValue> {
        let now = now_option(options)?;
        let text = match request.as_string() {
            Some(text) => text,
            None => json_text(request).ok_or_else(|| {
                error_value(
                    "request",
                    "not_json",
                    "the request is not JSON-serializable (JSON.stringify failed or gave nothing)",
                )
            })?,
        };
        let answer = tessera::json::evaluate_at(&self.inner, &text, explain, now);
        if answer.starts_with(r#"{"error""#) {
            return Err(thrown(&answer));
        }
        JSON::parse(&answer)
            .map(JsCast::unchecked_into)
            .map_err(|_| error_value("internal", "bad_answer", "the decision is not JSON"))
    }
}

/// The version of Tessera inside the module, e.g. "0.1.0".
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Reads the `sources` argument through `JSON.stringify`.
fn sources_document(sources: &JsValue) -> Result<SourcesDocument, JsValue> {
    const SHAPE: &str =
        "sources must be a policy string, a {name, text} object or an array of them";
    if let Some(text) = sources.as_string() {
        return Ok(SourcesDocument::Text(text));
    }
    let text =
        json_text(sources).ok_or_else(|| error_value("invalid_argument", "bad_sources", SHAPE))?;
    serde_json::from_str(&text).map_err(|_| error_value("invalid_argument", "bad_sources", SHAPE))
}

/// The evaluation clock: `options.now`, or the current time.
fn now_option(options: Option<&JsValue>) -> Result<DateTime<Utc>, JsValue> {
    const SHAPE: &str = "options.now must be a Date, Unix milliseconds or an RFC 3339 string";
    let bad = || error_value("invalid_argument", "bad_now", SHAPE);
    let now = match options {
        Some(options) if options.is_object() => {
            Reflect::get(options, &JsValue::from_str("now")).map_err(|_| bad())?
        }
        Some(options) if !options.is_undefined() && !options.is_null() => {
            return Err(error_value(
                "invalid_argument",
                "bad_options",
                "options must be an object such as {now: new Date()}",
            ));
        }
        _ => JsValue::UNDEFINED,
    };
    if now.is_undefined() {
        return millis(Date::now()).ok_or_else(bad);
    }
    if let Some(date) = now.dyn_ref::<Date>() {
        return millis(date.get_time()).ok_or_else(bad);
    }
    if let Some(ms) = now.as_f64() {
        return millis(ms).ok_or_else(bad);
    }
    if let Some(text) = now.as_string() {
        return DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| bad());
    }
    Err(bad())
}

/// Unix milliseconds as an instant; `None` for NaN, infinities and
/// out-of-range values.
fn millis(ms: f64) -> Option<DateTime<Utc>> {
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return None;
    }
    // In range by the check above: |ms| <= 8.64e15 < 2^63.
    #[allow(clippy::cast_possible_truncation)]
    DateTime::from_timestamp_millis(ms.trunc() as i64)
}

/// `JSON.stringify(value)`, or `None` when it throws or gives `undefined`.
fn json_text(value: &JsValue) -> Option<String> {
    JSON::stringify(value).ok().and_then(|s| s.as_string())
}

/// A `TesseraError` with the given fields.
fn error_value(kind: &str, code: &str, message: &str) -> JsValue {
    let fields = serde_json::json!({"error": {"kind": kind, "code": code, "message": message}});
    thrown(&fields.to_string())
}

/// Turns a JSON error answer (`{"error": {...}}`) into a thrown `Error`
/// named `TesseraError` carrying every field of `error`.
fn thrown(answer: &str) -> JsValue {
    let fields = JSON::parse(answer)
        .ok()
        .and_then(|o| Reflect::get(&o, &JsValue::from_str("error")).ok())
        .and_then(|e| e.dyn_into::<Object>().ok());
    let message = fields
        .as_ref()
        .and_then(|f| Reflect::get(f, &JsValue::from_str("message")).ok())
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| answer.to_owned());
    let error = js_sys::Error::new(&message);
    error.set_name("TesseraError");
    if let Some(fields) = fields {
        Object::assign(&error, &fields);
    }
    error.into()
}
