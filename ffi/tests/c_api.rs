#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The C API's contract from C: `tests/c/api.c` (versions, errors and their
//! accessors, the fast path, hostile input) and `tests/c/threads.c` (four
//! threads deciding on one engine), each linked statically and dynamically,
//! and under valgrind when it is installed.

mod common;
#[path = "../../tests/skip.rs"]
mod skip;

use common::Link;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tessera_core::{Engine, Source, json};

#[test]
fn api_contract_holds_statically_linked() {
    let output = common::run(&common::build("api", Link::Static), &[], false);
    assert_eq!(String::from_utf8(output.stdout).unwrap(), "ok\n");
}

#[test]
fn api_contract_holds_dynamically_linked() {
    let output = common::run(&common::build("api", Link::Shared), &[], false);
    assert_eq!(String::from_utf8(output.stdout).unwrap(), "ok\n");
}

/// The policy `tests/c/policy.h` holds, read back out of the C string.
fn c_policy() -> String {
    let header = std::fs::read_to_string(common::ffi_dir().join("tests/c/policy.h")).unwrap();
    let mut policy = String::new();
    for line in header.lines() {
        let line = line.trim();
        if let Some(body) = line.strip_prefix('"') {
            let body = body.trim_end_matches(';');
            let body = body.strip_suffix('"').unwrap();
            policy.push_str(&body.replace("\\n", "\n").replace("\\\"", "\""));
        }
    }
    policy
}

/// The main thread's answers, printed by `threads.c`, are the native ones.
fn check_threads(link: Link, valgrind: bool) {
    let output = common::run(&common::build("threads", link), &[], valgrind);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let engine = Engine::compile(&[Source::new("payments.policy", &c_policy())]).unwrap();
    let source = std::fs::read_to_string(common::ffi_dir().join("tests/c/threads.c")).unwrap();
    let requests: Vec<String> = source
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"{"))
        .map(|l| {
            let l = l.trim_end_matches(',');
            l[1..l.len() - 1].replace("\\\"", "\"")
        })
        .collect();
    assert_eq!(requests.len(), 6);
    let answers: Vec<&str> = stdout.lines().collect();
    assert_eq!(answers.len(), requests.len());
    for (request, answer) in requests.iter().zip(&answers) {
        assert_eq!(
            *answer,
            json::evaluate(&engine, request, false),
            "{request}"
        );
    }
    assert!(answers[0].starts_with(r#"{"decision":"allow""#));
    assert!(answers[5].starts_with(r#"{"error":{"kind":"request""#));
}

#[test]
fn four_threads_share_one_engine_statically_linked() {
    check_threads(Link::Static, false);
}

#[test]
fn four_threads_share_one_engine_dynamically_linked() {
    check_threads(Link::Shared, false);
}

#[test]
fn c_programs_are_clean_under_valgrind() {
    if common::valgrind_available() {
        common::run(&common::build("api", Link::Shared), &[], true);
        check_threads(Link::Shared, true);
    }
}

/// The functions the header declares: every `tessera_NAME(` outside
/// comments.
fn header_functions(header: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in header.lines() {
        let code = line.trim_start();
        if code.starts_with("/*") || code.starts_with('*') || code.starts_with('#') {
            continue;
        }
        for (at, _) in code.match_indices("tessera_") {
            let name: String = code[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let before = code[..at].chars().last();
            if code[at + name.len()..].starts_with('(')
                && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                names.insert(name);
            }
        }
    }
    names
}

/// Every function the library exports is declared in the header and the
/// other way round (from the sources, and from the shared library's symbol
/// table when `nm` is installed), and the header's version macros match the
/// crate.
#[test]
fn header_declares_every_export() {
    let header = std::fs::read_to_string(common::ffi_dir().join("include/tessera.h")).unwrap();
    let declared = header_functions(&header);
    let mut exports = BTreeSet::new();
    for entry in std::fs::read_dir(common::ffi_dir().join("src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            exports.extend(
                source
                    .split("extern \"C\" fn ")
                    .skip(1)
                    .map(|rest| rest.split('(').next().unwrap().to_string())
                    .filter(|name| name.starts_with("tessera_")),
            );
        }
    }
    assert!(exports.len() >= 28, "{exports:?}");
    for name in [
        "tessera_auditor_open_file",
        "tessera_auditor_new_callback",
        "tessera_auditor_new_callback_continuing",
        "tessera_engine_evaluate_json_audited",
        "tessera_engine_decide_audited",
        "tessera_auditor_flush",
        "tessera_auditor_failures",
        "tessera_auditor_last_failure",
        "tessera_auditor_head",
        "tessera_auditor_free",
    ] {
        assert!(exports.contains(name), "{name} is not exported");
    }
    assert_eq!(
        exports, declared,
        "the sources' exports (left) and the header's declarations (right) differ"
    );
    let nm = std::process::Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(common::lib_dir().join("libtessera.so"))
        .output();
    match nm {
        Ok(nm) if nm.status.success() => {
            let symbols: BTreeSet<String> = String::from_utf8_lossy(&nm.stdout)
                .lines()
                .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                    [_, "T", name] if name.starts_with("tessera_") => Some(name.to_string()),
                    _ => None,
                })
                .collect();
            assert_eq!(
                symbols, declared,
                "libtessera.so's symbols (left) and the header's declarations (right) differ"
            );
        }
        _ => println!("note: no nm on PATH; the shared library's symbols were not read"),
    }
    assert!(header.contains(&format!(
        "#define TESSERA_VERSION \"{}\"",
        env!("CARGO_PKG_VERSION")
    )));
    // The library is built as C artifacts only (its name clashes with the
    // evaluator's rlib), so its constants are read from the source.
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let abi = source
        .lines()
        .find_map(|l| l.strip_prefix("pub const ABI_VERSION: u32 = "))
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap();
    assert!(header.contains(&format!("#define TESSERA_ABI_VERSION {abi}")));
    assert!(source.contains("pub const MAX_INPUT_LEN: usize = 64 * 1024 * 1024;"));
    assert!(header.contains("TESSERA_MAX_INPUT_LEN ((size_t)64 * 1024 * 1024)"));
}

/// The README's C example builds against both libraries and decides as it says.
#[test]
fn readme_example_runs() {
    let readme = std::fs::read_to_string(common::ffi_dir().join("../README.md")).unwrap();
    let example = std::fs::read_to_string(common::ffi_dir().join("tests/c/hello.c")).unwrap();
    assert!(
        readme.contains(&example),
        "README.md must show tests/c/hello.c verbatim"
    );
    for link in [Link::Static, Link::Shared] {
        let exe = common::build("hello", link);
        let output = common::run(&exe, &[], common::valgrind_available());
        assert!(output.status.success(), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "allow by read\n");
    }
}

/// The Python ctypes example loads the shared library and decides as expected.
#[test]
fn python_ctypes_example_runs() {
    let python = ["python3", "python"].into_iter().find(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        println!("note: no python3 on PATH; the ctypes example was not run");
        return;
    };
    let library = common::lib_dir().join("libtessera.so");
    let output = std::process::Command::new(python)
        .arg(common::ffi_dir().join("examples/tessera_ctypes.py"))
        .arg(&library)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"decision":"allow","reason":"allowed","determining":[{"policy":"app","statement":"read"}]}"#
    );
    assert!(lines[1].starts_with(r#"{"decision":"deny","reason":"no_statement_applied""#));
    assert!(lines[2].contains(r#""field":"action""#));
    assert!(
        lines[3].starts_with("compile error: ") && lines[3].contains("alow"),
        "{}",
        lines[3]
    );
}

/// `tessera.pc.in`, filled in as its header says, gives pkg-config the flags
/// that build and link the README example against the shared library.
#[test]
fn pkg_config_file_builds_the_example() {
    if std::process::Command::new("pkg-config")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("note: no pkg-config on PATH; the .pc file was not checked");
        return;
    }
    let lib = common::lib_dir();
    let template = std::fs::read_to_string(common::ffi_dir().join("tessera.pc.in")).unwrap();
    let filled = template
        .replace("@PREFIX@", "/unused")
        .replace("@LIBDIR@", &lib.display().to_string())
        .replace(
            "@INCLUDEDIR@",
            &common::ffi_dir().join("include").display().to_string(),
        )
        .replace("@VERSION@", env!("CARGO_PKG_VERSION"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tessera-pkgconfig");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tessera.pc"), filled).unwrap();
    let flags = std::process::Command::new("pkg-config")
        .args(["--cflags", "--libs", "tessera"])
        .env("PKG_CONFIG_PATH", &dir)
        .output()
        .unwrap();
    assert!(
        flags.status.success(),
        "{}",
        String::from_utf8_lossy(&flags.stderr)
    );
    let version = std::process::Command::new("pkg-config")
        .args(["--modversion", "tessera"])
        .env("PKG_CONFIG_PATH", &dir)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        env!("CARGO_PKG_VERSION")
    );
    let exe = dir.join("hello");
    let mut cc = std::process::Command::new("cc");
    cc.arg(common::ffi_dir().join("tests/c/hello.c"))
        .arg("-o")
        .arg(&exe);
    cc.args(String::from_utf8_lossy(&flags.stdout).split_whitespace());
    cc.arg(format!("-Wl,-rpath,{}", lib.display()));
    let built = cc.output().unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let run = std::process::Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "allow by read\n");
}
