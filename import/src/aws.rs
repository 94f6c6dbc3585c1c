//! AWS IAM policy documents (JSON).
//!
//! [`convert`] reads an IAM policy document and prints one Tessera policy that
//! decides every request as AWS would under that document alone, or refuses
//! it with located diagnostics. The request mapping, every key and operator,
//! and what is refused for now are described in `docs/import.md`.

mod convert;
mod json;

use jsonc_parser::ast::Value;
use policy_lang::Diagnostic;

/// Converts the IAM policy document `source` (named `file`) to Tessera text.
///
/// The result is formatted Tessera source holding one policy, named after
/// the file's stem, with one statement per IAM statement (named by its `Sid`,
/// else `statement-N`); compiled alone it decides every request as AWS would
/// decide it under this document. What cannot be converted exactly is
/// refused: the error lists every problem, each located in `source` with the
/// JSON pointer of the element in its message.
///
/// ```
/// let doc = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
///   "Action": "secretsmanager:GetSecretValue", "Resource": "*"}}"#;
/// let text = tessera_import::aws::convert("read.json", doc).unwrap();
/// assert!(text.contains("policy \"read\""));
/// ```
pub fn convert(file: &str, source: &str) -> Result<String, Vec<Diagnostic>> {
    convert::convert(file, source)
}

/// True when `source` is meant as an IAM policy document: a JSON object with
/// a top-level `Version` or `Statement` key. Text that is not valid JSON
/// counts too, since nothing says it is not a policy: a broken policy is
/// reported, never skipped. A directory walk loads those and leaves other
/// JSON files (requests, fixtures) alone; a file named on the command line
/// is always read as a policy document.
///
/// ```
/// use tessera_import::aws::is_policy_document;
/// assert!(is_policy_document(r#"{"Version": "2012-10-17", "Statement": []}"#));
/// assert!(!is_policy_document(r#"{"principal": "user:alice", "action": "a", "resource": "r"}"#));
/// ```
pub fn is_policy_document(source: &str) -> bool {
    match json::parse(source) {
        Ok(Some(Value::Object(o))) => o.properties.iter().any(|p| {
            let (name, _) = json::key(p);
            name == "Version" || name == "Statement"
        }),
        Ok(_) => false,
        Err(_) => true,
    }
}
