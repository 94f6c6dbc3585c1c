//! Every limit in one place: on policy sources, checked when a set is
//! compiled, and on requests, checked when one is read.

use crate::request::RequestLimits;
use policy_lang::Limits as PolicyLimits;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The limits an engine compiles and reads requests under. Every host takes
/// them in this one shape: `Engine::compile_with` in Rust, `--limit
/// NAME=VALUE` on the command line, a JSON object `{"policy": {...},
/// "request": {...}}` from C and Wasm.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Limits on policy sources.
    #[cfg_attr(feature = "typescript", tsify(type = "PolicyLimits"))]
    pub policy: PolicyLimits,
    /// Limits on requests.
    pub request: RequestLimits,
}

impl Limits {
    /// Sets the limit called `name` (a field of [`PolicyLimits`] or
    /// [`RequestLimits`], such as `max_pattern_bytes` or `max_groups`).
    /// An unknown name is an error that lists the known ones.
    ///
    /// ```
    /// use tessera::{Engine, Limits, Source};
    /// let mut limits = Limits::default();
    /// limits.set("max_groups", 2).unwrap();
    /// limits.set("max_pattern_bytes", 64).unwrap();
    /// assert!(limits.set("max_grups", 2).unwrap_err().contains("max_groups"));
    /// let text = r#"policy "p" { allow "a" { principal * action * resource app/** } }"#;
    /// let engine = Engine::compile_with(&[Source::new("p.policy", text)], &limits).unwrap();
    /// let answer = tessera::json::evaluate(&engine,
    ///     r#"{"principal": {"id": "u", "groups": ["a", "b", "c"]}, "action": "x", "resource": "app/db"}"#, false);
    /// assert!(answer.contains("max_groups"));
    /// ```
    pub fn set(&mut self, name: &str, value: usize) -> Result<(), String> {
        let value = Value::from(value);
        for (section, known) in [("policy", policy_names()), ("request", request_names())] {
            if known.iter().any(|k| k == name) {
                let mut whole = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
                if let Some(fields) = whole.get_mut(section).and_then(Value::as_object_mut) {
                    fields.insert(name.to_string(), value);
                }
                *self = serde_json::from_value(whole).map_err(|e| e.to_string())?;
                return Ok(());
            }
        }
        Err(format!(
            "unknown limit `{name}`; the limits are {}",
            Limits::names().join(", ")
        ))
    }

    /// Sets limits from `NAME=VALUE` text, as `--limit` takes it.
    pub fn set_text(&mut self, assignment: &str) -> Result<(), String> {
        let (name, value) = assignment.split_once('=').ok_or_else(|| {
            format!("`{assignment}`: write NAME=VALUE, such as max_pattern_bytes=2048")
        })?;
        let value: usize = value
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|_| format!("`{assignment}`: the value must be a whole number"))?;
        self.set(name.trim(), value)
    }

    /// The names of every limit.
    pub fn names() -> Vec<String> {
        let mut names = policy_names();
        names.extend(request_names());
        names
    }
}

fn field_names<T: Serialize + Default>() -> Vec<String> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Map::new().keys().cloned().collect(),
    }
}

fn policy_names() -> Vec<String> {
    field_names::<PolicyLimits>()
}

fn request_names() -> Vec<String> {
    field_names::<RequestLimits>()
}
