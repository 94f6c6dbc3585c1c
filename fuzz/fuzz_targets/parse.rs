#![no_main]
//! The `parse` target: see `tessera_tests::fuzz::parse`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tessera_tests::fuzz::parse(data));
