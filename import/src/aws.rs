//! AWS IAM policy documents (JSON).
//!
//! Being built (issue 14): until it is, every document is refused with a
//! located diagnostic, never loaded loosely.

use policy_lang::{Diagnostic, DiagnosticKind, Span};

/// Converts the IAM policy document `source` (named `file`) to Tessera text.
///
/// The result is formatted Tessera source holding one policy; compiled alone
/// it decides every request as AWS would decide it under this document.
pub fn convert(file: &str, source: &str) -> Result<String, Vec<Diagnostic>> {
    Err(vec![Diagnostic::new(
        DiagnosticKind::Import,
        file,
        source,
        Span::new(0, 0),
        "AWS IAM policy documents cannot be imported yet",
        None,
    )])
}

/// True when `source` is meant as an IAM policy document: a JSON object with
/// a top-level `Version` or `Statement` key. A directory walk loads those and
/// leaves other JSON files (requests, fixtures) alone; a file named on the
/// command line is always read as a policy document.
pub fn is_policy_document(source: &str) -> bool {
    let _ = source;
    true
}
