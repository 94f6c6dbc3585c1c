//! Shared by the AWS tests: convert a document, compile it, decide requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tessera::{Engine, Request, Source};

/// The text of `import/tests/data/aws/NAME.json`.
pub fn data(name: &str) -> String {
    let path = format!("{}/tests/data/aws/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Tessera text of a document that must convert.
pub fn convert(file: &str, source: &str) -> String {
    match tessera_import::aws::convert(file, source) {
        Ok(text) => text,
        Err(ds) => panic!(
            "{file} was refused:\n{}",
            ds.iter()
                .map(|d| format!("{d} ({:?})", d.hint()))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// The engine for a converted document, alone or beside an allow-everything
/// policy (for documents that only deny: "other policies allow").
pub fn engine(text: &str, with_allow_all: bool) -> Engine {
    let all = "policy \"others-allow-everything\" {\n  allow \"all\" {\n    principal *\n    action    *\n    resource  **\n  }\n}\n";
    let mut sources = vec![Source::new("converted.policy", text)];
    if with_allow_all {
        sources.push(Source::new("others.policy", all));
    }
    Engine::compile(&sources).unwrap_or_else(|e| panic!("does not compile: {e}\n{text}"))
}

/// A request as Tessera reads it: the caller's ARN, the action, the resource
/// ARN, and the context (IAM's keys under the names the import guide gives).
pub struct Req {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub principal_tags: Vec<(String, String)>,
    pub resource_tags: Vec<(String, String)>,
    pub context: serde_json::Map<String, Value>,
}

pub fn req(principal: &str, action: &str, resource: &str) -> Req {
    Req {
        principal: principal.to_string(),
        action: action.to_string(),
        resource: resource.to_string(),
        principal_tags: Vec::new(),
        resource_tags: Vec::new(),
        // A fixed clock, so that no decision depends on today.
        context: serde_json::Map::from_iter([("time".to_string(), json!("2026-06-01T12:00:00Z"))]),
    }
}

impl Req {
    pub fn ctx(mut self, key: &str, value: Value) -> Req {
        self.context.insert(key.to_string(), value);
        self
    }
    /// A principal tag, its key lower-cased as the host sends it.
    pub fn ptag(mut self, k: &str, v: &str) -> Req {
        self.principal_tags
            .push((k.to_ascii_lowercase(), v.to_string()));
        self
    }
    /// A resource tag, its key lower-cased as the host sends it.
    pub fn rtag(mut self, k: &str, v: &str) -> Req {
        self.resource_tags
            .push((k.to_ascii_lowercase(), v.to_string()));
        self
    }
    pub fn json(&self) -> String {
        let ptags: serde_json::Map<String, Value> = self
            .principal_tags
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let rtags: serde_json::Map<String, Value> = self
            .resource_tags
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        json!({
            "principal": {"id": self.principal, "tags": ptags},
            "action": self.action,
            "resource": {"path": self.resource, "tags": rtags},
            "context": self.context,
        })
        .to_string()
    }
    pub fn allowed(&self, engine: &Engine) -> bool {
        let request = Request::from_json(&self.json())
            .unwrap_or_else(|e| panic!("bad request {}: {e}", self.json()));
        engine.decide(&request).is_allowed()
    }
}

/// Line and column (1-based, in characters) of the first occurrence of `needle`.
pub fn locate(source: &str, needle: &str) -> (usize, usize) {
    let at = source
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the document"));
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The refusal diagnostics of a document that must be refused.
pub fn refusals(file: &str, source: &str) -> Vec<tessera_import::Diagnostic> {
    match tessera_import::aws::convert(file, source) {
        Ok(text) => panic!("{file} was converted, expected a refusal:\n{text}"),
        Err(ds) => {
            assert!(!ds.is_empty());
            for d in &ds {
                assert_eq!(d.kind(), tessera_import::DiagnosticKind::Import);
            }
            ds
        }
    }
}

/// Asserts that one diagnostic starts at `needle` in `source` and its message holds `text`.
pub fn assert_refused_at(
    ds: &[tessera_import::Diagnostic],
    source: &str,
    needle: &str,
    text: &str,
) {
    let (line, column) = locate(source, needle);
    assert!(
        ds.iter().any(|d| d.location().line == line
            && d.location().column == column
            && d.message().contains(text)),
        "no diagnostic at {line}:{column} containing `{text}`; got:\n{}",
        ds.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
