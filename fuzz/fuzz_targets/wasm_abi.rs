#![no_main]
//! The `wasm_abi` target: see `tessera_tests::fuzz::wasm_abi`.
//!
//! The module is read from the file `TESSERA_WASM_MODULE` names (fuzz/run.sh
//! builds it with `wasm/build.sh --core-only` and sets it) and compiled once
//! per process: each input only instantiates it.

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tessera_wasm_host::Compiled;

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let path = std::env::var_os("TESSERA_WASM_MODULE").unwrap_or_else(|| {
            panic!(
                "set TESSERA_WASM_MODULE to the core module \
                 (bash wasm/build.sh --core-only DIR writes DIR/tessera_core.wasm)"
            )
        });
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.to_string_lossy()));
        Compiled::new(&bytes).unwrap_or_else(|e| panic!("the module does not compile: {e}"))
    })
}

fuzz_target!(
    init: {
        compiled();
    },
    |data: &[u8]| tessera_tests::fuzz::wasm_abi(compiled(), data)
);
