#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The corpus through C: a C program (`tests/c/corpus.c`), linked against
//! the static and then the shared library, compiles every corpus policy set
//! and evaluates every corpus request as JSON (plain and explained), plus
//! malformed requests and the broken files of `corpus/invalid/`. Its output
//! must equal what `tessera::json` answers natively, byte for byte.

mod common;
#[path = "../../tests/skip.rs"]
mod skip;

use common::Link;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tessera_core::{Engine, Source, json};

fn corpus_dir() -> PathBuf {
    common::ffi_dir().join("../corpus").canonicalize().unwrap()
}

fn files_with(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// Every request of a set's `*.tests.toml`, as compact JSON, read with the
/// same loader `policy test` uses.
fn requests(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for file in files_with(dir, ".tests.toml") {
        let suite = policy_cli::suite::load(&file).unwrap_or_else(|e| panic!("{}", e.render()));
        for case in suite.tests {
            out.push(serde_json::to_string(&case.request_json).unwrap());
        }
    }
    out
}

/// Malformed requests: every one must come back as the same error JSON.
const MALFORMED: &[&str] = &[
    "{}",
    "not json",
    "[]",
    r#"{"principal":"user:a","action":"secrets:GetSecretValue"}"#,
    r#"{"principal":"user:a","action":7,"resource":"prod/x"}"#,
    r#"{"principal":"user:a","action":"a","resource":"prod/../x"}"#,
    r#"{"principal":"user:a","action":"a","resource":"r","extra":1}"#,
    r#"{"principal":"user:a","action":"a","resource":"r","context":{"source_ip":"300.1.1.1"}}"#,
    r#"{"principal":"user:a","action":"a","resource":"r","context":{"time":"yesterday"}}"#,
    r#"{"principal":"user:a","action":"a","resource":"r","context":{"mfa_age_seconds":-5}}"#,
];

/// The script for `corpus.c` and the output it must print.
fn script_and_expected(with_explain: bool) -> (String, String, usize) {
    let corpus = corpus_dir();
    let mut script = String::new();
    let mut expected = String::new();
    let mut count = 0;
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("invalid"))
        .collect();
    sets.sort();
    assert!(sets.len() >= 6, "the corpus has its policy sets");
    for set in &sets {
        writeln!(script, "set {}", set.display()).unwrap();
        let paths: Vec<String> = files_with(set, ".policy")
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let texts: Vec<String> = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        for path in &paths {
            writeln!(script, "policy {path}").unwrap();
        }
        let sources: Vec<Source> = paths
            .iter()
            .zip(&texts)
            .map(|(p, t)| Source::new(p, t))
            .collect();
        let engine = Engine::compile(&sources).unwrap();
        let mut lines = requests(set);
        assert!(!lines.is_empty(), "{} has test cases", set.display());
        lines.extend(MALFORMED.iter().map(|s| s.to_string()));
        for request in &lines {
            for explain in [false, true] {
                if explain && !with_explain {
                    continue;
                }
                writeln!(script, "request {} {request}", u8::from(explain)).unwrap();
                let answer = json::evaluate(&engine, request, explain);
                let code = if answer.starts_with(r#"{"error":"#) {
                    3
                } else {
                    0
                };
                writeln!(expected, "{code} {answer}").unwrap();
                count += 1;
            }
        }
    }
    for file in files_with(&corpus.join("invalid"), ".policy") {
        let path = file.display().to_string();
        writeln!(script, "compile {path}").unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        match Engine::compile(&[Source::new(&path, &text)]) {
            Ok(_) => writeln!(expected, "0 ok").unwrap(),
            Err(e) => writeln!(expected, "2 {}", json::compile_error(&e)).unwrap(),
        }
        count += 1;
    }
    (script, expected, count)
}

fn check(link: Link, with_explain: bool, valgrind: bool) {
    let exe = common::build("corpus", link);
    let (script, expected, count) = script_and_expected(with_explain);
    let script_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("corpus-{link:?}-{with_explain}-{valgrind}.script"));
    std::fs::write(&script_path, &script).unwrap();
    let output = common::run(&exe, &[&script_path], valgrind);
    let actual = String::from_utf8(output.stdout).unwrap();
    for (i, (want, got)) in expected.lines().zip(actual.lines()).enumerate() {
        assert_eq!(got, want, "answer {i} differs ({link:?})");
    }
    assert_eq!(
        actual.lines().count(),
        count,
        "one answer per request ({link:?})"
    );
    assert_eq!(actual, expected);
    assert!(count > 150, "the corpus yields many answers ({count})");
}

#[test]
fn corpus_through_the_static_library_matches_the_json_layer() {
    check(Link::Static, true, false);
}

#[test]
fn corpus_through_the_shared_library_matches_the_json_layer() {
    check(Link::Shared, true, false);
}

#[test]
fn corpus_through_c_is_clean_under_valgrind() {
    if common::valgrind_available() {
        check(Link::Shared, true, true);
    }
}
