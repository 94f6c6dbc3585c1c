//! The one error type of the audit module.

use serde::Serialize;

/// What kind of audit problem an [`AuditError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditErrorKind {
    /// A masking selector names no field of a record (configuration).
    UnknownSelector,
    /// The configuration contradicts itself, such as blocking mode with
    /// background delivery.
    InvalidConfig,
    /// Reading or writing the sink's file or stream failed.
    Io,
    /// A host's callback sink refused a record.
    Sink,
    /// An existing audit file does not end in an audit record, so the chain
    /// cannot be continued (it is not an audit log, or its end is damaged).
    NotAnAuditLog,
    /// The chain to continue was written with another MAC scheme than the
    /// one configured: with a key and now without, or the other way round.
    ChainMismatch,
    /// The operating system's random source failed or does not exist.
    Random,
    /// The background writer has stopped; records can no longer be written.
    WriterStopped,
}

/// An audit problem: a kind and a message that says what to do.
///
/// Messages never quote record contents, so no request value (which might
/// be a secret) reaches a log of errors.
///
/// ```
/// use tessera::audit::{AuditConfig, AuditErrorKind};
/// let err = AuditConfig::new().mask_field("contxt.token").unwrap_err();
/// assert_eq!(err.kind(), AuditErrorKind::UnknownSelector);
/// assert!(err.to_string().contains("did you mean `context.token`?"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AuditError {
    kind: AuditErrorKind,
    message: String,
}

impl AuditError {
    pub(crate) fn new(kind: AuditErrorKind, message: impl Into<String>) -> AuditError {
        AuditError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn io(doing: &str, error: &std::io::Error) -> AuditError {
        AuditError::new(AuditErrorKind::Io, format!("{doing}: {error}"))
    }

    /// The kind of problem.
    pub fn kind(&self) -> AuditErrorKind {
        self.kind
    }

    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}
