//! Every fuzz body (`tessera_tests::fuzz`) over every input committed in
//! `fuzz/regressions/<target>/`: minimized inputs that once crashed a target
//! or broke one of its checks, and a few hand-made hostile ones, so that each
//! target runs here on stable, in `cargo test --workspace`, without nightly
//! or cargo-fuzz. `fuzz/README.md` says how to add one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use tessera_tests::fuzz;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The regression inputs of `target`, sorted; there must be at least one.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join("regressions").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            path.is_file() && !name.starts_with('.') && !name.ends_with(".md")
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{} holds no regression input: every target needs at least one",
        dir.display()
    );
    files
}

/// Runs `body` over every input of `target`; fails naming every input that
/// panicked, with its message.
fn run_all(target: &str, body: impl Fn(&[u8])) {
    let files = inputs(target);
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| body(&data))) {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{target}: {} of {} regression inputs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    println!("{target}: {} regression inputs passed", files.len());
}

#[test]
fn parse() {
    run_all("parse", fuzz::parse);
}

#[test]
fn request_json() {
    run_all("request_json", fuzz::request_json);
}

#[test]
fn compile_decide() {
    run_all("compile_decide", fuzz::compile_decide);
}

#[test]
fn format_roundtrip() {
    run_all("format_roundtrip", fuzz::format_roundtrip);
}

#[test]
fn ffi() {
    run_all("ffi", fuzz::ffi);
}

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

/// The core module, built as wasm/host's tests build it (`wasm/build.sh
/// --core-only` into `target/wasm-host-test`, which they share); `None`
/// (with a note) when the wasm32 target is not installed, which CI refuses.
fn wasm_module() -> Option<Vec<u8>> {
    if !wasm32_installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the wasm32-unknown-unknown target is not installed: CI must install it"
        );
        println!(
            "note: the wasm32-unknown-unknown target is not installed \
             (rustup target add wasm32-unknown-unknown); skipping wasm_abi"
        );
        return None;
    }
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test executable lives in target/PROFILE/deps")
        .to_path_buf();
    let out = target.join("wasm-host-test");
    let script = fuzz_dir().join("../wasm/build.sh");
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
    Some(std::fs::read(out.join("tessera_core.wasm")).unwrap())
}

#[test]
fn wasm_abi() {
    // The regression inputs must exist whether or not the module can be built.
    inputs("wasm_abi");
    let Some(module) = wasm_module() else {
        return;
    };
    let compiled = tessera_wasm_host::Compiled::new(&module).unwrap();
    run_all("wasm_abi", |data| fuzz::wasm_abi(&compiled, data));
}

/// `fuzz::TARGETS`, the targets in `fuzz/fuzz_targets/` and the
/// directories in `fuzz/regressions/` are the same set, and every body but
/// `wasm_abi` (which needs a module) runs through `fuzz::run`.
#[test]
fn every_target_is_run_here() {
    let names = |dir: &str, strip: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(fuzz_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".md"))
            .map(|n| n.trim_end_matches(strip).to_string())
            .collect();
        names.sort();
        names
    };
    let mut targets: Vec<String> = fuzz::TARGETS.iter().map(|t| t.to_string()).collect();
    targets.sort();
    assert_eq!(names("fuzz_targets", ".rs"), targets);
    assert_eq!(names("regressions", ""), targets);
    for target in fuzz::TARGETS {
        assert_eq!(fuzz::run(target, b""), *target != "wasm_abi", "{target}");
    }
}
