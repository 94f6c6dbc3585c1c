//! Policies written for other engines, loaded as Tessera policies.
//!
//! Teams arrive with least privilege already written down: AWS IAM policy
//! documents (JSON) for Secrets Manager, or Vault ACL policies (HCL). This
//! crate reads them as they are and converts them to Tessera's language, so
//! that they compile with the rest of a policy set and decide as AWS or Vault
//! would. The conversion is text: the output is formatted Tessera source,
//! which the CLI's `policy import` prints and every loader compiles.
//!
//! A document that cannot be converted exactly is refused with located
//! [`Diagnostic`]s (JSON pointer or HCL line and column, kind
//! [`DiagnosticKind::Import`]); nothing is ever dropped or loosened.
//!
//! The C library and the Wasm modules do not link this crate: they load
//! Tessera text, which is what an import produces.

#![deny(missing_docs)]

pub mod aws;
pub mod vault;

pub use policy_lang::{Diagnostic, DiagnosticKind};
use std::path::Path;

/// The language a policy file is written in, told by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tessera's own language (`*.policy`, or any other extension).
    Tessera,
    /// An AWS IAM policy document (`*.json`).
    AwsIam,
    /// A Vault ACL policy (`*.hcl`).
    Vault,
}

impl Format {
    /// The format of the file at `path`, by its extension.
    ///
    /// ```
    /// use tessera_import::Format;
    /// assert_eq!(Format::of(std::path::Path::new("p/read.json")), Format::AwsIam);
    /// assert_eq!(Format::of(std::path::Path::new("admin.hcl")), Format::Vault);
    /// assert_eq!(Format::of(std::path::Path::new("a.policy")), Format::Tessera);
    /// ```
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|x| x.to_str()) {
            Some("json") => Format::AwsIam,
            Some("hcl") => Format::Vault,
            _ => Format::Tessera,
        }
    }
}
