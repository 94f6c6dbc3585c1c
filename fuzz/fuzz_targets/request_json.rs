#![no_main]
//! The `request_json` target: see `tessera_tests::fuzz::request_json`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tessera_tests::fuzz::request_json(data));
