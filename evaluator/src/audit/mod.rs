//! Audit records: one JSON line per decision, masked, chained and verifiable.
//!
//! An [`Auditor`] decides a request with an [`crate::Engine`] and writes a
//! record of the decision to a sink: a [`FileSink`] (append-only; buffered,
//! or fsync per record), a [`StdoutSink`], or a [`CallbackSink`] for hosts.
//! `evaluator/AUDIT.md` documents the record field by field, and
//! `evaluator/schema/audit-record.schema.json` is its JSON Schema.
//!
//! ```
//! use tessera::audit::{AuditConfig, Auditor, CallbackSink, Mode, verify};
//! use tessera::{Attribute, Engine, Outcome, Reason, Request};
//! use std::sync::{Arc, Mutex};
//!
//! let engine = Engine::compile_str("p.policy", r#"policy "p" {
//!   allow "read" { principal user:* action secrets:GetSecretValue resource app/** }
//! }"#).unwrap();
//!
//! // A host's sink: here, a string.
//! let log = Arc::new(Mutex::new(String::new()));
//! let kept = Arc::clone(&log);
//! let sink = CallbackSink::new(move |line: &str| {
//!     let mut log = kept.lock().unwrap();
//!     log.push_str(line);
//!     log.push('\n');
//!     Ok(())
//! });
//! let mut config = AuditConfig::new();
//! config.drop_field("source_ip").unwrap().key(b"kept apart from the log");
//! let auditor = Auditor::new(sink, &config).unwrap();
//!
//! let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db")
//!     .with_attribute("session_token", Attribute::String("ghp_not_in_any_record".into()));
//! assert_eq!(auditor.decide(&engine, &request).outcome, Outcome::Allow);
//!
//! let log = log.lock().unwrap().clone();
//! let record: serde_json::Value = serde_json::from_str(log.trim_end()).unwrap();
//! assert_eq!(record["seq"], 0);
//! assert_eq!(record["decision"], "allow");
//! assert_eq!(record["context"]["session_token"], "[masked]"); // secret-looking: masked by default
//! assert!(record.get("source_ip").is_none());                  // dropped by the configuration
//! assert!(record["mac"].as_str().unwrap().starts_with("hmac-sha256:"));
//! assert!(verify(log.as_bytes(), Some(b"kept apart from the log")).unwrap().is_clean());
//!
//! // Blocking mode (the default): no record, no decision.
//! let failing = Auditor::new(CallbackSink::new(|_| Err("disk full".into())), &AuditConfig::new()).unwrap();
//! let decision = failing.decide(&engine, &request);
//! assert_eq!((decision.outcome, decision.reason), (Outcome::Deny, Reason::AuditFailed));
//! # let _ = Mode::BestEffort;
//! ```
//!
//! # The chain
//!
//! Every record carries `seq` (0, 1, 2, ... in its chain), `prev` (the mac
//! of the record before it; for `seq` 0 the genesis value, `sha256:` and 64
//! zeros) and `mac`: `sha256:` and the hex SHA-256 of the line up to and
//! including the `prev` value, or with a key `hmac-sha256:` and the
//! HMAC-SHA256. [`verify`] walks a log and names, by line, every record that
//! was edited, deleted, inserted, moved, or torn; and what it cannot know
//! from the file alone: whether the last records were cut off (keep
//! [`Auditor::head`] elsewhere to know that).
//!
//! # Masking
//!
//! [`AuditConfig::mask_field`] and [`AuditConfig::drop_field`] name request
//! fields that records mask (`"[masked]"`) or leave out. Whatever the
//! configuration, custom context keys and tags whose names contain one of
//! [`SECRET_NAME_PARTS`] ([`looks_secret`]) are masked. The principal id,
//! the action and the resource path are never masked.

mod auditor;
mod background;
mod chain;
mod config;
mod error;
mod mask;
mod random;
mod record;
mod sink;
mod tail;
mod verify;

pub use auditor::Auditor;
pub use chain::ChainHead;
pub use config::{AuditConfig, Mode};
pub use error::{AuditError, AuditErrorKind};
pub use mask::{MASKED, SECRET_NAME_PARTS, looks_secret};
pub use sink::{AuditSink, CallbackSink, Durability, FileSink, StdoutSink};
pub use verify::{Finding, FindingKind, MAX_LINE_BYTES, VerifyReport, verify, verify_file};

#[cfg(test)]
mod tests {
    #[test]
    fn auditor_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Auditor>();
    }
}
