#![no_main]
//! The `ffi` target: see `tessera_tests::fuzz::ffi`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tessera_tests::fuzz::ffi(data));
