//! Building and running the C test programs in `tests/c/` against the
//! library this package builds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// How a C program is linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Against `libtessera.a`.
    Static,
    /// Against `libtessera.so`, found at run time through an rpath.
    Shared,
}

/// The directory holding `libtessera.a` and `libtessera.so`: the profile
/// directory (`target/debug`), two levels above this test executable
/// (`target/debug/deps/c_corpus-HASH`).
///
/// `cargo test` builds this package's library only as an rlib for its
/// tests, so the first call runs `cargo build -p tessera-ffi --lib` with the
/// same target directory and profile, which brings the cdylib and the
/// staticlib up to date (and is a no-op when they are).
pub fn lib_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test executable's path");
            let dir = exe
                .parent()
                .and_then(Path::parent)
                .expect("the test executable lives in target/PROFILE/deps")
                .to_path_buf();
            let target = dir.parent().expect("target/PROFILE has a parent");
            let profile = match dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => "dev".to_string(),
                Some(other) => other.to_string(),
            };
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let output = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "tessera-ffi",
                    "--lib",
                    "--profile",
                ])
                .arg(&profile)
                .arg("--target-dir")
                .arg(target)
                .current_dir(ffi_dir())
                .output()
                .expect("run cargo build");
            assert!(
                output.status.success(),
                "cargo build -p tessera-ffi failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                dir.join("libtessera.a").is_file() && dir.join("libtessera.so").is_file(),
                "libtessera.a and libtessera.so should be in {}",
                dir.display()
            );
            dir
        })
        .clone()
}

/// This package's directory.
pub fn ffi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles `tests/c/{name}.c` with warnings as errors and links it; returns
/// the executable.
pub fn build(name: &str, link: Link) -> PathBuf {
    let lib = lib_dir();
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tessera-ffi-c");
    std::fs::create_dir_all(&out_dir).expect("create the C build directory");
    // One executable per test (the harness names each test's thread):
    // tests running side by side build the same program, and one must not
    // rewrite the file another is running.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("main").replace("::", "-");
    let exe = out_dir.join(format!("{name}-{link:?}-{test}").to_lowercase());
    let source = ffi_dir().join("tests/c").join(format!("{name}.c"));
    let mut cc = Command::new("cc");
    cc.args([
        "-std=c11",
        "-g",
        "-O0",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
    ])
    .arg("-I")
    .arg(ffi_dir().join("include"))
    .arg(&source)
    .arg("-o")
    .arg(&exe);
    match link {
        Link::Static => {
            cc.arg(lib.join("libtessera.a"));
        }
        Link::Shared => {
            cc.arg(format!("-L{}", lib.display()))
                .arg("-ltessera")
                .arg(format!("-Wl,-rpath,{}", lib.display()));
        }
    }
    cc.args(["-lpthread", "-ldl", "-lm"]);
    let output = cc.output().expect("run the system C compiler `cc`");
    assert!(
        output.status.success(),
        "cc failed for {name} ({link:?}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

/// True when `valgrind` is on the PATH; prints a note when it is not.
pub fn valgrind_available() -> bool {
    let found = Command::new("sh")
        .args(["-c", "command -v valgrind"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        crate::skip::skip("valgrind is not installed: the memory checks did not run");
    }
    found
}

/// Runs `exe` with `args`, under valgrind when `valgrind` is true, and
/// requires success; returns its output.
pub fn run(exe: &Path, args: &[&Path], valgrind: bool) -> Output {
    let mut command = if valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "--quiet",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--error-exitcode=1",
        ])
        .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    let output = command.args(args).output().expect("run the C program");
    assert!(
        output.status.success(),
        "{} failed{} ({}):\n{}",
        exe.display(),
        if valgrind { " under valgrind" } else { "" },
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    if valgrind {
        // --quiet: valgrind prints nothing unless it found something.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("=="),
            "valgrind reported problems for {}:\n{stderr}",
            exe.display()
        );
    }
    output
}
