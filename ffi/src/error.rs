//! The error object handed to C: a code, a message, and for compile errors
//! every diagnostic, all as NUL-terminated strings owned by the object.

use serde_json::json;
use std::ffi::CString;
use tessera_core::audit::AuditError;
use tessera_core::{CompileError, RequestError};

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

impl ErrorCode {
    /// The `kind` used in the error's JSON form.
    fn kind(self) -> &'static str {
        match self {
            ErrorCode::Ok => "ok",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::Compile => "compile",
            ErrorCode::Request => "request",
            ErrorCode::Internal => "internal",
            ErrorCode::Audit => "audit",
        }
    }
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
    fn plain(code: ErrorCode, message: &str) -> TesseraError {
        let json = json!({"error": {"kind": code.kind(), "message": message}});
        TesseraError {
            code,
            message: c_string(message),
            field: None,
            diagnostics: Vec::new(),
            json: c_string(&json.to_string()),
        }
    }

    /// A bad argument: NULL, invalid UTF-8, too long.
    pub(crate) fn invalid(message: &str) -> TesseraError {
        TesseraError::plain(ErrorCode::InvalidArgument, message)
    }

    /// A bug or a caught panic.
    pub(crate) fn internal(message: &str) -> TesseraError {
        TesseraError::plain(ErrorCode::Internal, message)
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
        let kind = serde_json::to_value(error.kind()).unwrap_or(serde_json::Value::Null);
        let json = json!({"error": {"kind": code.kind(), "code": kind, "message": message}});
        TesseraError {
            code,
            message: c_string(&message),
            field: None,
            diagnostics: Vec::new(),
            json: c_string(&json.to_string()),
        }
    }

    /// Compile errors, with every diagnostic; JSON as `tessera::json::compile_error`.
    pub(crate) fn compile(error: &CompileError) -> TesseraError {
        let json = tessera_core::json::compile_error(error);
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
            json: c_string(&json.to_string()),
        }
    }

    /// A request error from the JSON parser; JSON as `tessera::json::request_error`.
    pub(crate) fn request(error: &RequestError) -> TesseraError {
        TesseraError {
            code: ErrorCode::Request,
            message: c_string(&error.to_string()),
            field: Some(c_string(error.field())),
            diagnostics: Vec::new(),
            json: c_string(&tessera_core::json::request_error(error).to_string()),
        }
    }

    /// A request error found while building a request from the C struct, in
    /// the same shape as [`TesseraError::request`]. `code` is one of the
    /// request error codes (`missing_field`, `invalid_value`, ...).
    pub(crate) fn request_field(code: &str, field: &str, message: &str) -> TesseraError {
        let full = format!("{field}: {message}");
        let json = json!({"error": {
            "kind": "request",
            "code": code,
            "field": field,
            "message": full,
        }});
        TesseraError {
            code: ErrorCode::Request,
            message: c_string(&full),
            field: Some(c_string(field)),
            diagnostics: Vec::new(),
            json: c_string(&json.to_string()),
        }
    }
}
