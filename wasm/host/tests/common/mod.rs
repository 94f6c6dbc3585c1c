//! Building the Wasm module (`tessera-wasm`, through `wasm/build.sh`)
//! into this test run's target directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tessera_wasm_host::{Compiled, Host, Limits};

/// True when the standard library for wasm32-unknown-unknown is installed.
fn wasm32_installed() -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    sysroot
        .join("lib/rustlib/wasm32-unknown-unknown/lib")
        .is_dir()
}

/// The module's bytes, or `None` (with a printed note) when the wasm32
/// target is not installed.
///
/// The first call runs `wasm/build.sh --core-only` into
/// `target/wasm-host-test` with this test's target directory (`target/`,
/// three levels above `target/debug/deps/TEST-HASH`): the module as it
/// ships, built with the `wasm-release` profile and shrunk by wasm-opt.
pub fn module() -> Option<Vec<u8>> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    let path = BUILT.get_or_init(|| {
        if !wasm32_installed() {
            return None;
        }
        let exe = std::env::current_exe().expect("the test executable's path");
        let target = exe
            .ancestors()
            .nth(3)
            .expect("the test executable lives in target/PROFILE/deps")
            .to_path_buf();
        let out = target.join("wasm-host-test");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../build.sh");
        let output = Command::new("bash")
            .arg(script)
            .arg("--core-only")
            .arg(&out)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run wasm/build.sh");
        assert!(
            output.status.success(),
            "wasm/build.sh --core-only failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let path = out.join("tessera_core.wasm");
        assert!(path.is_file(), "{} should exist", path.display());
        Some(path)
    });
    match path {
        Some(path) => Some(std::fs::read(path).expect("read the module")),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the wasm32-unknown-unknown target is not installed: CI must install it"
            );
            println!(
                "note: the wasm32-unknown-unknown target is not installed \
                 (rustup target add wasm32-unknown-unknown); skipping"
            );
            None
        }
    }
}

/// A host over the module with `limits`, or `None` when it cannot be built.
/// The module is compiled once per test binary.
pub fn host(limits: Limits) -> Option<Host> {
    static COMPILED: OnceLock<Option<Compiled>> = OnceLock::new();
    let compiled = COMPILED
        .get_or_init(|| module().map(|bytes| Compiled::new(&bytes).expect("the module compiles")))
        .as_ref()?;
    Some(Host::from_compiled(compiled, limits).expect("the module instantiates"))
}

/// A small policy and a request it allows.
pub const POLICY: &str =
    r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#;
pub const REQUEST: &str = r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db", "context": {"time": "2026-11-25T10:00:00Z"}}"#;
