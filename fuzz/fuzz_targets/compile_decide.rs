#![no_main]
//! The `compile_decide` target: see `tessera_tests::fuzz::compile_decide`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tessera_tests::fuzz::compile_decide(data));
