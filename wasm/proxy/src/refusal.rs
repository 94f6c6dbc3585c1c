//! Why the filter denies a request before (or instead of) the engine
//! deciding it.

use serde_json::json;

/// A request the filter denies on its own: a missing or malformed input,
/// or no usable configuration. Never an allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// A stable code, the body's `reason` (e.g. `missing_principal`).
    pub reason: &'static str,
    /// What was wrong, for people. It names headers, never their values.
    pub message: String,
}

impl Refusal {
    /// A refusal with its reason code and message.
    pub fn new(reason: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            reason,
            message: message.into(),
        }
    }

    /// The deny body: `{"decision":"deny","reason":...,"message":...}`.
    pub fn body(&self) -> String {
        json!({"decision": "deny", "reason": self.reason, "message": self.message}).to_string()
    }
}
