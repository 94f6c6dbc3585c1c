//! The error object handed to C: a code, a message, and for compile errors
//! every diagnostic, all as NUL-terminated strings owned by the object.

use std::ffi::CString;
use tessera_core::audit::AuditError;
use tessera_core::json::ErrorEnvelope;
use tessera_core::{CompileError, RequestError, RequestErrorKind};

/// The result of every fallible entry point (`tessera_error_code_t` in C).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Success.
    Ok = 0,
    /// A NULL pointer, invalid UTF-8, an over-long input, a bad count.
    InvalidArgument = 1,
    /// The policies do not compile; the error holds the diagnostics.
    Compile = 2,
    /// The request is malformed; the error names the field.
    Request = 3,
    /// A bug in Tessera (a caught panic) or an impossible state.
    Internal = 4,
    /// An auditor could not be made or could not write: its file cannot be
    /// opened or is not an audit log, its chain was written under another
    /// key scheme, a flush failed.
    Audit = 5,
}

/// One compile diagnostic.
#[derive(Debug)]
pub(crate) struct Diag {
    pub(crate) code: CString,
    pub(crate) file: CString,
    pub(crate) message: CString,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// An error (`tessera_error_t` in C). Immutable once made.
#[derive(Debug)]
pub struct TesseraError {
    pub(crate) code: ErrorCode,
    pub(crate) message: CString,
    pub(crate) field: Option<CString>,
    pub(crate) diagnostics: Vec<Diag>,
    pub(crate) json: CString,
}

/// `text` as a C string; NUL bytes (which C cannot carry) are dropped.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text).unwrap_or_else(|_| CString::new(text.replace('\0', "")).unwrap_or_default())
}

impl TesseraError {
    /// The error of an envelope of `tessera::json` that carries no
    /// diagnostics: its code, message, field and JSON form.
    pub(crate) fn envelope(envelope: &ErrorEnvelope) -> TesseraError {
        let (code, field) = match envelope {
            ErrorEnvelope::Request { field, .. } => (ErrorCode::Request, Some(c_string(field))),
            ErrorEnvelope::Compile { .. } => (ErrorCode::Compile, None),
            ErrorEnvelope::InvalidArgument { .. } | ErrorEnvelope::NoEngine { .. } => {
                (ErrorCode::InvalidArgument, None)
            }
            ErrorEnvelope::Audit { .. } => (ErrorCode::Audit, None),
            ErrorEnvelope::Internal { .. } => (ErrorCode::Internal, None),
        };
        TesseraError {
            code,
            message: c_string(envelope.message()),
            field,
            diagnostics: Vec::new(),
            json: c_string(&envelope.to_json()),
        }
    }

    /// A bad argument: NULL, invalid UTF-8, too long.
    pub(crate) fn invalid(message: &str) -> TesseraError {
        TesseraError::envelope(&ErrorEnvelope::InvalidArgument {
            code: None,
            message: message.to_string(),
        })
    }

    /// A bug or a caught panic.
    pub(crate) fn internal(message: &str) -> TesseraError {
        TesseraError::envelope(&ErrorEnvelope::internal(&message))
    }

    /// An error of the audit module: `TESSERA_ERROR_AUDIT`, or
    /// `TESSERA_ERROR_INVALID_ARGUMENT` for a configuration the caller must
    /// fix (a selector that names no field). `what` names the argument at
    /// fault, if any. The JSON form carries the audit error's kind as
    /// `code` (`io`, `not_an_audit_log`, `unknown_selector`, ...).
    ///
    /// Audit error messages never quote record contents, and keys never
    /// reach them, so no secret reaches this error.
    pub(crate) fn audit(error: &AuditError, what: Option<&str>) -> TesseraError {
        use tessera_core::audit::AuditErrorKind;
        let code = match error.kind() {
            AuditErrorKind::UnknownSelector | AuditErrorKind::InvalidConfig => {
                ErrorCode::InvalidArgument
            }
            _ => ErrorCode::Audit,
        };
        let message = match what {
            Some(what) => format!("{what}: {}", error.message()),
            None => error.message().to_string(),
        };
        let kind = match serde_json::to_value(error.kind()) {
            Ok(serde_json::Value::String(kind)) => kind,
            _ => "unknown".to_string(),
        };
        TesseraError::envelope(&match code {
            ErrorCode::InvalidArgument => ErrorEnvelope::InvalidArgument {
                code: Some(kind),
                message,
            },
            _ => ErrorEnvelope::Audit {
                code: kind,
                message,
            },
        })
    }

    /// Compile errors, with every diagnostic; JSON as `tessera::json::ErrorEnvelope::compile`.
    pub(crate) fn compile(error: &CompileError) -> TesseraError {
        let json = ErrorEnvelope::compile(error).to_json();
        let message = error.diagnostics().first().map_or_else(
            || "the policies do not compile".to_string(),
            |d| d.to_string(),
        );
        TesseraError {
            code: ErrorCode::Compile,
            message: c_string(&message),
            field: None,
            diagnostics: error
                .diagnostics()
                .iter()
                .map(|d| Diag {
                    code: c_string(d.kind().code()),
                    file: c_string(d.file()),
                    message: c_string(d.message()),
                    line: d.location().line,
                    column: d.location().column,
                })
                .collect(),
            json: c_string(&json),
        }
    }

    /// A request error from the JSON parser; JSON as `tessera::json::ErrorEnvelope::request`.
    pub(crate) fn request(error: &RequestError) -> TesseraError {
        TesseraError::envelope(&ErrorEnvelope::request(error))
    }

    /// A request error found while building a request from the C struct, in
    /// the same shape as [`TesseraError::request`]: an `invalid_value`.
    pub(crate) fn request_field(field: &str, message: &str) -> TesseraError {
        TesseraError::envelope(&ErrorEnvelope::Request {
            code: RequestErrorKind::InvalidValue,
            field: field.to_string(),
            message: format!("{field}: {message}"),
        })
    }
}
