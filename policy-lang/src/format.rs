//! The canonical formatter (placeholder until written).
use crate::ast::PolicyFile;

/// Writes a file back in canonical form.
pub fn format(_file: &PolicyFile) -> String {
    String::new()
}
