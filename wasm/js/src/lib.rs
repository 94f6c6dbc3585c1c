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
//! An [`Auditor`] records decisions ([`tessera::audit`] records, one JSON
//! line each, masked and hash-chained) by calling a JS function with each:
//!
//! ```js
//! const { Auditor } = require("./target/wasm/js/node/tessera.js");
//! const auditor = new Auditor((record) => log.push(record), { mode: "blocking" });
//! const decision = auditor.evaluate(engine, request); // decided and recorded
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
use js_sys::{Date, Function, JSON, Object, Reflect, Uint8Array};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use tessera::Source;
use tessera::audit::{AuditConfig, CallbackSink, Mode};
use tessera::json::{Answer, AuditOptions, ErrorEnvelope};
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
    /** A custom attribute; an array of strings is a set, tested with `contains`. */
    [custom: string]: string | number | boolean | string[] | null | undefined;
  };
}

/**
 * `Decision`, `ExplainedStatement`, `StatementRef`, `Failure`,
 * `Diagnostic`, `Limits`, `PolicyLimits` and `RequestLimits` (with `Outcome`,
 * `Reason` and `Part`) are generated from the Rust types the answers are
 * serialized from (tsify); they follow this section in the declarations.
 * An answer from `Engine.explain` also holds the explanation:
 */
export interface Decision {
  /** Each statement that applied or nearly did; only from `Engine.explain`. */
  explanation?: ExplainedStatement[];
}

/**
 * What every Tessera call throws: an `Error` whose `name` is "TesseraError".
 * `kind` is "compile" (with `diagnostics`), "request" (with `field`),
 * "invalid_argument" (a bad `sources`, `now` or auditor argument), "audit"
 * (no random source for an `Auditor`, or an audited decision made from
 * inside an audit callback) or "internal".
 */
export interface TesseraError extends Error {
  name: "TesseraError";
  kind: "compile" | "request" | "invalid_argument" | "audit" | "internal";
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

/**
 * Receives each audit record: one line of JSON (no newline at the end).
 * Returning `false`, or throwing, means the record could not be written: in
 * blocking mode the decision becomes a deny with reason "audit_failed".
 */
export type AuditCallback = (record: string) => void | boolean;

/** Options of `new Auditor`. */
export interface AuditorOptions {
  /** "blocking" (the default): no record, no decision. "best_effort": the
   *  decision stands and the failure is counted in `failures`. */
  mode?: "blocking" | "best_effort";
  /** The HMAC-SHA256 key that chains the records; without one, plain SHA-256. */
  key?: Uint8Array;
  /** Fields whose values records show as "[masked]", e.g. "context.ticket". */
  mask?: string[];
  /** Fields records leave out, e.g. "source_ip". */
  drop?: string[];
}

/** Where an auditor's chain stands: the next record's `seq`, and the last
 *  record's `mac` (the genesis value before the first record). */
export interface ChainHead {
  next_seq: number;
  prev: string;
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
    /// `AuditCallback` in TypeScript.
    #[wasm_bindgen(typescript_type = "AuditCallback")]
    pub type AuditCallbackArg;
    /// `AuditorOptions` in TypeScript (an optional argument).
    #[wasm_bindgen(typescript_type = "AuditorOptions")]
    pub type AuditorOptionsArg;
    /// `ChainHead` in TypeScript.
    #[wasm_bindgen(typescript_type = "ChainHead")]
    pub type ChainHeadObject;
    /// `Limits` in TypeScript (an optional argument).
    #[wasm_bindgen(typescript_type = "Limits")]
    pub type LimitsArg;
}

/// The name a bare policy string gets in diagnostics.
pub const INLINE_SOURCE_NAME: &str = "inline.policy";

/// The name a bare schema string gets in diagnostics.
pub const INLINE_SCHEMA_NAME: &str = "inline.schema";

/// A compiled policy set. Construct it once; `evaluate` it many times.
#[wasm_bindgen]
pub struct Engine {
    inner: tessera::Engine,
}

#[wasm_bindgen]
impl Engine {
    /// Compiles policy sources: an array of `{name, text}`, one such object,
    /// or a bare policy string (named `inline.policy` in diagnostics);
    /// with `limits`, under those limits instead of the defaults.
    /// Throws a `TesseraError` of kind "compile" listing every diagnostic,
    /// or of kind "invalid_argument" for limits that are not a `Limits`.
    #[wasm_bindgen(constructor)]
    pub fn new(sources: SourcesArg, limits: Option<LimitsArg>) -> Result<Engine, JsValue> {
        let owned = sources_document(&sources)?;
        let sources: Vec<Source> = owned
            .iter()
            .map(|(name, text)| Source::new(name, text))
            .collect();
        let limits = limits_argument(limits.as_deref())?;
        match tessera::Engine::compile_with(&sources, &limits) {
            Ok(inner) => Ok(Engine { inner }),
            Err(error) => Err(thrown(&ErrorEnvelope::compile(&error))),
        }
    }

    /// As `new Engine`, with a schema: its sources (the same shapes; a bare
    /// string is named `inline.schema`) declare the custom attributes and
    /// tags requests carry. Policies that read an undeclared key, or
    /// compare one with a literal of another type, do not compile; requests
    /// that do not fit are refused (kind "request", naming the field).
    #[wasm_bindgen(js_name = withSchema)]
    pub fn with_schema(
        sources: SourcesArg,
        schema: SourcesArg,
        limits: Option<LimitsArg>,
    ) -> Result<Engine, JsValue> {
        let owned = sources_document(&sources)?;
        let sources: Vec<Source> = owned
            .iter()
            .map(|(name, text)| Source::new(name, text))
            .collect();
        let schema_owned: Vec<(String, String)> = match schema.as_string() {
            Some(text) => vec![(INLINE_SCHEMA_NAME.to_owned(), text)],
            None => sources_document(&schema)?,
        };
        let schema_sources: Vec<Source> = schema_owned
            .iter()
            .map(|(name, text)| Source::new(name, text))
            .collect();
        let limits = limits_argument(limits.as_deref())?;
        let compiled = tessera::Schema::compile_with(&schema_sources, &limits.policy)
            .and_then(|schema| tessera::Engine::compile_with_schema(&sources, &limits, &schema));
        match compiled {
            Ok(inner) => Ok(Engine { inner }),
            Err(error) => Err(thrown(&ErrorEnvelope::compile(&error))),
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
        let text = request_text(request)?;
        decision_object(&tessera::json::answer_at(&self.inner, &text, explain, now))
    }
}

/// The `limits` argument: the defaults when absent.
fn limits_argument(limits: Option<&JsValue>) -> Result<tessera::Limits, JsValue> {
    Ok(match limits.filter(|l| !l.is_undefined() && !l.is_null()) {
            None => tessera::Limits::default(),
            Some(value) => json_text(value)
                .and_then(|text| serde_json::from_str::<tessera::Limits>(&text).ok())
                .ok_or_else(|| {
                    error_value(
                        "invalid_argument",
                        "bad_limits",
                        "limits must be a Limits object: {policy: {max_pattern_bytes: ...}, request: {max_groups: ...}}, with known names only",
                    )
                })?,
    })
}

/// The request argument as JSON text.
fn request_text(request: &JsValue) -> Result<String, JsValue> {
    match request.as_string() {
        Some(text) => Ok(text),
        None => json_text(request).ok_or_else(|| {
            error_value(
                "request",
                "not_json",
                "the request is not JSON-serializable (JSON.stringify failed or gave nothing)",
            )
        }),
    }
}

/// An answer as a `Decision`, or its error thrown (also when the decision
/// cannot be serialized: never a decision made of an error).
fn decision_object(answer: &Answer<'_>) -> Result<DecisionObject, JsValue> {
    if let Some(error) = answer.error() {
        return Err(thrown(error));
    }
    let text = serde_json::to_string(answer).map_err(|e| thrown(&ErrorEnvelope::internal(&e)))?;
    JSON::parse(&text)
        .map(JsCast::unchecked_into)
        .map_err(|_| error_value("internal", "bad_answer", "the decision is not JSON"))
}

thread_local! {
    /// The audit callbacks by auditor: a `js_sys::Function` is not `Send`,
    /// so the sink (which must be) holds only its auditor's number.
    static CALLBACKS: RefCell<BTreeMap<u32, Function>> = const { RefCell::new(BTreeMap::new()) };
    /// The next auditor's number.
    static NEXT_AUDITOR: Cell<u32> = const { Cell::new(0) };
    /// True while an audit callback runs (no audited decision may start).
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Calls auditor `number`'s callback with `record`: `Err` when it throws,
/// returns `false` or is gone.
fn call_back(number: u32, record: &str) -> Result<(), String> {
    let callback = CALLBACKS
        .with(|callbacks| callbacks.try_borrow().ok()?.get(&number).cloned())
        .ok_or_else(|| "the auditor's callback is gone".to_string())?;
    IN_CALLBACK.with(|flag| flag.set(true));
    let result = callback.call1(&JsValue::NULL, &JsValue::from_str(record));
    IN_CALLBACK.with(|flag| flag.set(false));
    match result {
        // The exception is not quoted: it might quote the record.
        Err(_) => Err("the audit callback threw".to_string()),
        Ok(value) if value.as_bool() == Some(false) => {
            Err("the audit callback returned false".to_string())
        }
        Ok(_) => Ok(()),
    }
}

/// 32 bytes from `globalThis.crypto.getRandomValues`: the seed of an
/// auditor's record ids (wasm32 has no random source of its own).
fn random_seed() -> Result<[u8; 32], JsValue> {
    let missing = || {
        error_value(
            "audit",
            "no_random_source",
            "an Auditor needs globalThis.crypto.getRandomValues for its record ids (Node 19 and \
             later, browsers; on Node 18: globalThis.crypto = require(\"node:crypto\").webcrypto)",
        )
    };
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .filter(JsValue::is_object)
        .ok_or_else(missing)?;
    let fill = Reflect::get(&crypto, &JsValue::from_str("getRandomValues"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(missing)?;
    let bytes = Uint8Array::new_with_length(32);
    fill.call1(&crypto, &bytes).map_err(|_| missing())?;
    let mut seed = [0u8; 32];
    bytes.copy_to(&mut seed);
    Ok(seed)
}

/// The options of `new Auditor` as an audit configuration.
fn auditor_config(options: Option<&JsValue>) -> Result<AuditConfig, JsValue> {
    let bad = |message: &str| error_value("invalid_argument", "bad_audit_options", message);
    let Some(options) = options.filter(|o| !o.is_undefined() && !o.is_null()) else {
        return Ok(AuditConfig::new());
    };
    if !options.is_object() {
        return Err(bad(
            "options must be an object such as {mode: \"blocking\", mask: [\"context.ticket\"]}",
        ));
    }
    let field = |name: &str| Reflect::get(options, &JsValue::from_str(name)).ok();
    let given = |value: &Option<JsValue>| {
        value
            .as_ref()
            .filter(|v| !v.is_undefined() && !v.is_null())
            .cloned()
    };
    // The JS shapes are read here; what they mean is AuditOptions'.
    let mut read = AuditOptions::default();
    if let Some(mode) = given(&field("mode")) {
        read.mode = match mode.as_string().as_deref() {
            Some("blocking") => Mode::Blocking,
            Some("best_effort") => Mode::BestEffort,
            _ => return Err(bad("options.mode must be \"blocking\" or \"best_effort\"")),
        };
    }
    if let Some(key) = given(&field("key")) {
        let key = key
            .dyn_into::<Uint8Array>()
            .map_err(|_| bad("options.key must be a Uint8Array"))?
            .to_vec();
        if key.is_empty() {
            return Err(bad("options.key must not be empty"));
        }
        read.key = Some(key);
    }
    for name in ["mask", "drop"] {
        let Some(list) = given(&field(name)) else {
            continue;
        };
        let shape =
            format!("options.{name} must be an array of selectors such as \"context.ticket\"");
        if !js_sys::Array::is_array(&list) {
            return Err(bad(&shape));
        }
        let selectors = js_sys::Array::from(&list)
            .iter()
            .map(|selector| selector.as_string().ok_or_else(|| bad(&shape)))
            .collect::<Result<Vec<String>, JsValue>>()?;
        if name == "mask" {
            read.mask = selectors;
        } else {
            read.drop = selectors;
        }
    }
    read.config().map_err(|e| bad(e.error.message()))
}

/// Records decisions: each one an audit record (a JSON line, masked and
/// hash-chained; `evaluator/AUDIT.md`) handed to a JS callback.
#[wasm_bindgen]
pub struct Auditor {
    inner: tessera::audit::Auditor,
    /// The key of its callback in `CALLBACKS`.
    number: u32,
}

#[wasm_bindgen]
impl Auditor {
    /// An auditor that calls `callback` with each record. `options`: `mode`
    /// ("blocking", the default, or "best_effort"), `key` (a Uint8Array:
    /// HMAC-chains the records), `mask` and `drop` (field selectors).
    /// Record ids are seeded from `globalThis.crypto.getRandomValues`.
    /// Throws a `TesseraError` of kind "invalid_argument" for bad options,
    /// "audit" when there is no `crypto.getRandomValues`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        callback: AuditCallbackArg,
        options: Option<AuditorOptionsArg>,
    ) -> Result<Auditor, JsValue> {
        let callback = callback.dyn_into::<Function>().map_err(|_| {
            error_value(
                "invalid_argument",
                "bad_callback",
                "the callback must be a function (record: string) => void | boolean",
            )
        })?;
        let mut config = auditor_config(options.as_deref())?;
        config.id_seed(random_seed()?);
        let number = NEXT_AUDITOR.with(|next| {
            let number = next.get();
            next.set(number.wrapping_add(1));
            number
        });
        let sink = CallbackSink::new(move |record: &str| call_back(number, record));
        let inner = tessera::audit::Auditor::new(sink, &config)
            .map_err(|e| error_value("audit", "open_failed", e.message()))?;
        CALLBACKS.with(|callbacks| {
            if let Ok(mut callbacks) = callbacks.try_borrow_mut() {
                callbacks.insert(number, callback);
            }
        });
        Ok(Auditor { inner, number })
    }

    /// Decides `request` with `engine` (as `engine.evaluate`) and records
    /// the decision. The same `Decision` as `engine.evaluate`, except that in
    /// blocking mode a record the callback refuses makes it a deny with
    /// reason "audit_failed". A malformed request throws and is not
    /// recorded. The record's `time` is the evaluation clock (`options.now`).
    pub fn evaluate(
        &self,
        engine: &Engine,
        request: RequestArg,
        options: Option<OptionsArg>,
    ) -> Result<DecisionObject, JsValue> {
        self.answer(engine, &request, options.as_deref(), false)
    }

    /// As `evaluate`, with the `explanation` of `engine.explain`.
    pub fn explain(
        &self,
        engine: &Engine,
        request: RequestArg,
        options: Option<OptionsArg>,
    ) -> Result<DecisionObject, JsValue> {
        self.answer(engine, &request, options.as_deref(), true)
    }

    /// How many records could not be written (or flushes failed).
    #[wasm_bindgen(getter)]
    pub fn failures(&self) -> f64 {
        // Counts stay far below 2^53.
        #[allow(clippy::cast_precision_loss)]
        let failures = self.inner.failures() as f64;
        failures
    }

    /// "blocking" or "best_effort".
    #[wasm_bindgen(getter)]
    pub fn mode(&self) -> String {
        match self.inner.mode() {
            Mode::Blocking => "blocking",
            Mode::BestEffort => "best_effort",
        }
        .to_owned()
    }

    /// Where the chain stands: `{next_seq, prev}`. Kept apart from the
    /// log, it shows later whether records were cut from its end.
    #[wasm_bindgen(getter)]
    pub fn head(&self) -> ChainHeadObject {
        let head = self.inner.head();
        let object = Object::new();
        // As JSON.parse reads the number: the nearest double.
        #[allow(clippy::cast_precision_loss)]
        let next_seq = head.next_seq as f64;
        let _ = Reflect::set(
            &object,
            &JsValue::from_str("next_seq"),
            &JsValue::from_f64(next_seq),
        );
        let _ = Reflect::set(
            &object,
            &JsValue::from_str("prev"),
            &JsValue::from_str(&head.prev),
        );
        object.unchecked_into()
    }

    /// The shared body of `evaluate` and `explain`.
    fn answer(
        &self,
        engine: &Engine,
        request: &JsValue,
        options: Option<&JsValue>,
        explain: bool,
    ) -> Result<DecisionObject, JsValue> {
        if IN_CALLBACK.with(Cell::get) {
            return Err(error_value(
                "audit",
                "reentrant",
                "an audit callback cannot make an audited decision",
            ));
        }
        let now = now_option(options)?;
        let text = request_text(request)?;
        // As `tessera::json::evaluate_audited` decides it: read under the
        // engine's limits and schema, recorded, explained unless the record
        // failed.
        decision_object(&tessera::json::answer_audited_at(
            &engine.inner,
            &self.inner,
            &text,
            explain,
            now,
        ))
    }
}

impl Drop for Auditor {
    /// Forgets the callback.
    fn drop(&mut self) {
        CALLBACKS.with(|callbacks| {
            if let Ok(mut callbacks) = callbacks.try_borrow_mut() {
                callbacks.remove(&self.number);
            }
        });
    }
}

/// The version of Tessera inside the module, e.g. "0.1.0".
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Reads the `sources` argument, through `JSON.stringify` unless it is a
/// string, as `(name, text)` pairs.
fn sources_document(sources: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    const SHAPE: &str =
        "sources must be a policy string, a {name, text} object or an array of them";
    if let Some(text) = sources.as_string() {
        return Ok(vec![(INLINE_SOURCE_NAME.to_owned(), text)]);
    }
    json_text(sources)
        .and_then(|text| serde_json::from_str(&text).ok())
        .and_then(sources_from_json)
        .ok_or_else(|| error_value("invalid_argument", "bad_sources", SHAPE))
}

/// The sources a JSON document names, tried in this order: a policy text
/// (named [`INLINE_SOURCE_NAME`]), an array of sources, one source.
///
/// (Read by hand rather than through an untagged serde enum, whose buffering
/// machinery cost the module 2 KB; the shapes accepted are the ones
/// that enum accepted, down to a source written as a `[name, text]` pair.)
fn sources_from_json(document: Value) -> Option<Vec<(String, String)>> {
    match document {
        Value::String(text) => Some(vec![(INLINE_SOURCE_NAME.to_owned(), text)]),
        Value::Array(items) => items
            .iter()
            .map(source_from_json)
            .collect::<Option<Vec<_>>>()
            .or_else(|| Some(vec![source_from_json(&Value::Array(items))?])),
        document => Some(vec![source_from_json(&document)?]),
    }
}

/// One source: `{"name": ..., "text": ...}` with no other key, or the pair
/// `[name, text]` (the sequence form serde reads a struct from).
fn source_from_json(source: &Value) -> Option<(String, String)> {
    let (name, text) = match source {
        Value::Object(fields) if fields.len() == 2 => (fields.get("name")?, fields.get("text")?),
        Value::Array(pair) => match pair.as_slice() {
            [name, text] => (name, text),
            _ => return None,
        },
        _ => return None,
    };
    Some((name.as_str()?.to_owned(), text.as_str()?.to_owned()))
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

/// A `TesseraError` with the given fields: what [`thrown`] makes of
/// `{"error": {"kind": kind, "code": code, "message": message}}`, built
/// without the JSON text.
fn error_value(kind: &str, code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("TesseraError");
    for (field, value) in [("kind", kind), ("code", code), ("message", message)] {
        let _ = Reflect::set(&error, &JsValue::from_str(field), &JsValue::from_str(value));
    }
    error.into()
}

/// Turns an error answer into a thrown `Error` named `TesseraError`
/// carrying every field of the envelope's inside (`kind`, `code`, `field`,
/// `diagnostics`, ...).
fn thrown(envelope: &ErrorEnvelope) -> JsValue {
    let fields = JSON::parse(&envelope.inside_json())
        .ok()
        .and_then(|e| e.dyn_into::<Object>().ok());
    let error = js_sys::Error::new(envelope.message());
    error.set_name("TesseraError");
    match fields {
        Some(fields) => {
            Object::assign(&error, &fields);
        }
        None => {
            // Never an error without its kind.
            let _ = Reflect::set(
                &error,
                &JsValue::from_str("kind"),
                &JsValue::from_str(envelope.kind()),
            );
        }
    }
    error.into()
}
