//! Building the Wasm module (`tessera-wasm`, release, wasm32-unknown-unknown)
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
/// The first call runs `cargo build -p tessera-wasm --target
/// wasm32-unknown-unknown --release` with this test's target directory
/// (`target/`, three levels above `target/debug/deps/TEST-HASH`); a no-op
/// when the module is up to date.
pub fn module() -> Option<Vec<u8>> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    let path = BUILT.get_or_init(|| {
        if !wasm32_installed() {
            return None;
        }
        let exe = std::env::current_exe().expect("the test executable's path");
        let target = exe
            .parent()
            .and_then(Path::parent)
            .and_then(Path::parent)
            .expect("the test executable lives in target/PROFILE/deps")
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "tessera-wasm",
                "--lib",
                "--target",
                "wasm32-unknown-unknown",
                "--release",
                "--target-dir",
            ])
            .arg(&target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run cargo build");
        assert!(
            output.status.success(),
            "cargo build -p tessera-wasm failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let path = target.join("wasm32-unknown-unknown/release/tessera_wasm.wasm");
        assert!(path.is_file(), "{} should exist", path.display());
        Some(path)
    });
    match path {
        Some(path) => Some(std::fs::read(path).expect("read the module")),
        None => {
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
