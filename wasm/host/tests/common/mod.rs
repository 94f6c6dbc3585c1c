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
            crate::skip::skip(
                "the wasm32-unknown-unknown target is not installed \
                 (rustup target add wasm32-unknown-unknown)",
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

/// One corpus set (`corpus/NAME`, `corpus/invalid` excepted): its policy
/// files as `(NAME/FILE, text)` in path order, and its test file.
pub struct CorpusSet {
    /// The set's directory name.
    pub name: String,
    /// `(name, text)` of every `.policy` file, named `SET/FILE`.
    pub texts: Vec<(String, String)>,
    /// `SET.tests.toml`, read by the loader `policy test` uses.
    pub tests: policy_cli::suite::TestFile,
}

impl CorpusSet {
    /// The sources, for `tessera::Engine::compile`.
    pub fn sources(&self) -> Vec<tessera::Source<'_>> {
        self.texts
            .iter()
            .map(|(n, t)| tessera::Source::new(n, t))
            .collect()
    }

    /// `(name, text)` pairs, for `Host::load`.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect()
    }

    /// The set compiled natively.
    pub fn engine(&self) -> tessera::Engine {
        tessera::Engine::compile(&self.sources()).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
}

/// Every corpus set, in name order.
pub fn corpus_sets() -> Vec<CorpusSet> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("read corpus/")
        .map(|e| e.expect("a corpus entry").path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "invalid"))
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|dir| {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .expect("read a corpus set")
                .map(|e| e.expect("a corpus file").path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "policy"))
                .collect();
            files.sort();
            let texts = files
                .iter()
                .map(|f| {
                    let file = f.file_name().map(|n| n.to_string_lossy().into_owned());
                    let text = std::fs::read_to_string(f).expect("read a policy");
                    (format!("{name}/{}", file.unwrap_or_default()), text)
                })
                .collect();
            let tests = policy_cli::suite::load(&dir.join(format!("{name}.tests.toml")))
                .unwrap_or_else(|e| panic!("{}", e.render()));
            CorpusSet { name, texts, tests }
        })
        .collect()
}
