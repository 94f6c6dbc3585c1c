//! The Tessera policy language: text in, a checked AST with spans out.
//!
//! A policy file holds policies; a policy holds named `allow` and `deny`
//! statements; a statement says which principals may (or may not) perform
//! which actions on which secret paths, and under which conditions.
//!
//! ```
//! let source = r#"
//! policy "payments" {
//!   allow "read-current-payment-secrets" {
//!     principal service:payments-*, group:payments-oncall
//!     action    secrets:GetSecretValue
//!     resource  prod/payment/**
//!     when {
//!       version_stage in ["AWSCURRENT", "AWSPREVIOUS"]
//!       mfa and mfa_age <= 15m
//!     }
//!   }
//! }"#;
//! let file = policy_lang::parse("payments.policy", source).unwrap();
//! let canonical = policy_lang::format(&file);
//! let again = policy_lang::parse("payments.policy", &canonical).unwrap();
//! assert!(file.same_shape(&again));
//! ```
//!
//! # Errors
//!
//! [`parse`] returns every problem it finds as [`Diagnostic`]s: kind, message,
//! file, line and column, what was expected and a hint. They are data; a
//! binary decides whether to colour them; [`render`] draws them rustc-style
//! ([`Diagnostic::render`] gives plain text).
//!
//! # Syntax
//!
//! The language is described with examples in `LANGUAGE.md` beside this crate.

#![deny(missing_docs)]

mod ast;
mod diagnostic;
mod format;
mod limits;
mod literal;
mod parser;
mod pattern;
pub mod render;
mod schema;

pub use ast::*;
pub use diagnostic::{Diagnostic, DiagnosticKind, LineColumn, ParseError, Related, closest};
pub use format::format;
pub use limits::Limits;
pub use literal::weekday_name;
pub use parser::{parse, parse_set, parse_set_with, parse_with};
pub use schema::{
    AttributeType, BUILT_IN_CONTEXT_FIELDS, Declaration, Declared, MAX_SUGGESTED_NAME, Schema,
    SchemaFile, SchemaKey, parse_schema, parse_schema_with,
};
/// The inline vector the syntax tree holds a line's patterns and a pattern's
/// parts in (most hold one): re-exported so that they can be named.
pub use smallvec::SmallVec;

impl PolicyFile {
    /// True when both trees say the same thing: equal apart from source spans.
    ///
    /// ```
    /// let a = policy_lang::parse("a", r#"policy "p" { deny "d" { principal * action * resource x } }"#).unwrap();
    /// let b = policy_lang::parse("b", "policy \"p\" {\n  deny \"d\" {\n    principal *\n    action *\n    resource x\n  }\n}\n").unwrap();
    /// assert!(a.same_shape(&b));
    /// ```
    pub fn same_shape(&self, other: &PolicyFile) -> bool {
        without_spans(self) == without_spans(other)
    }
}

fn without_spans(file: &PolicyFile) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.retain(|k, _| k != "span" && k != "name_span");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(file).unwrap_or(serde_json::Value::Null);
    strip(&mut value);
    value
}
