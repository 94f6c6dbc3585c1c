#![no_main]
//! The `format_roundtrip` target: see `tessera_tests::fuzz::format_roundtrip`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tessera_tests::fuzz::format_roundtrip(data));
