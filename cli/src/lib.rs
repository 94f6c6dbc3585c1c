//! The library behind the `policy` command: the policy test-suite format,
//! shared with the cross-crate tests so that both read corpus tests the same way.

pub mod suite;
