//! The library behind the `policy` command: the policy test-suite format,
//! shared with the cross-crate tests so that both read corpus tests the same way,
//! and the loading of Vault and AWS IAM policies beside Tessera's own.

pub mod imports;
pub mod suite;
