//! Every corpus case, decided by the compiled engine, the reference
//! interpreter and the JSON layer: all three must give the expected answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use tessera::{Engine, Request, Source, reference};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// Each policy set: its directory, its compiled engine and its cases.
fn policy_sets() -> Vec<(PathBuf, Engine, Vec<Value>)> {
    let mut sets = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.join("tests.json").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "policy"))
            .collect();
        files.sort();
        let texts: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap()))
            .collect();
        let sources: Vec<Source> = texts.iter().map(|(n, t)| Source::new(n, t)).collect();
        let engine = Engine::compile(&sources).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let cases: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("tests.json")).unwrap())
                .unwrap();
        sets.push((dir, engine, cases["tests"].as_array().unwrap().clone()));
    }
    sets
}

#[test]
fn corpus_has_policy_sets_with_cases() {
    let sets = policy_sets();
    assert!(sets.len() >= 3, "expected at least three policy sets");
    for (dir, _, cases) in &sets {
        assert!(!cases.is_empty(), "{} has no cases", dir.display());
    }
}

#[test]
fn every_corpus_case_decides_as_expected_through_every_path() {
    let mut checked = 0;
    for (dir, engine, cases) in policy_sets() {
        for case in cases {
            let name = format!("{} / {}", dir.display(), case["name"].as_str().unwrap());
            let request =
                Request::from_value(&case["request"]).unwrap_or_else(|e| panic!("{name}: {e}"));
            let decision = engine.decide(&request);
            let expected_outcome = case["expect"].as_str().unwrap();
            let actual = decision.to_json();
            assert_eq!(actual["decision"], expected_outcome, "{name}: {actual}");
            if let Some(reason) = case.get("reason") {
                assert_eq!(&actual["reason"], reason, "{name}: {actual}");
            }
            if let Some(statements) = case.get("statements") {
                let names: Vec<Value> = decision
                    .determining
                    .iter()
                    .map(|s| Value::from(s.statement))
                    .collect();
                assert_eq!(&Value::from(names), statements, "{name}");
            }
            // The reference interpreter agrees.
            let time = request.context.time.expect("corpus requests carry a time");
            let reference = reference::decide(engine.files(), &request, time);
            assert_eq!(
                reference.outcome, decision.outcome,
                "{name}: reference disagrees"
            );
            assert_eq!(
                reference.reason, decision.reason,
                "{name}: reference disagrees"
            );
            let reference_names: Vec<&str> = reference
                .determining
                .iter()
                .map(|(_, s)| s.as_str())
                .collect();
            let engine_names: Vec<&str> =
                decision.determining.iter().map(|s| s.statement).collect();
            assert_eq!(reference_names, engine_names, "{name}: reference disagrees");
            // The JSON layer gives the same bytes as serializing the decision.
            let answer = tessera::json::evaluate(&engine, &case["request"].to_string(), false);
            assert_eq!(answer, serde_json::to_string(&decision).unwrap(), "{name}");
            // The explanation carries the same decision.
            assert_eq!(engine.explain(&request).decision, decision, "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} corpus cases ran");
}

#[test]
fn every_corpus_statement_decides_some_case() {
    for (dir, engine, cases) in policy_sets() {
        let mut decided = std::collections::BTreeSet::new();
        for case in &cases {
            let request = Request::from_value(&case["request"]).unwrap();
            for s in engine.decide(&request).determining {
                decided.insert((s.policy.to_string(), s.statement.to_string()));
            }
        }
        for file in engine.files() {
            for policy in &file.policies {
                for statement in &policy.statements {
                    let key = (policy.name.clone(), statement.name.clone());
                    assert!(
                        decided.contains(&key),
                        "{}: no case is decided by {key:?}",
                        dir.display()
                    );
                }
            }
        }
    }
}

#[test]
fn corpus_files_are_canonically_formatted() {
    let mut count = 0;
    for entry in walk(&corpus_dir()) {
        if entry.extension().is_some_and(|x| x == "policy")
            && !entry.to_string_lossy().contains("invalid")
        {
            let text = std::fs::read_to_string(&entry).unwrap();
            let file = policy_lang::parse(&entry.display().to_string(), &text).unwrap();
            assert_eq!(
                policy_lang::format(&file),
                text,
                "{} is not in canonical form",
                entry.display()
            );
            count += 1;
        }
    }
    assert!(count > 0);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
