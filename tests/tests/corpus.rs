//! Every corpus case, decided by the compiled engine, the reference
//! interpreter and the JSON layer: all three must give the expected answer.
//!
//! A corpus set is a directory under `corpus/` with `*.policy` files and one
//! `<set>.tests.toml` beside them. `corpus/invalid/` is different: it holds
//! broken policy files, each with the diagnostics it must produce in a
//! `.expected` file, and is checked by its own test at the end.
//!
//! The test files are read by a small loader of their own here (not the
//! `policy test` command's), so that the corpus checks the format too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tessera::{Engine, Reason, Request, Source, StatementRef, reference};

/// The directory of broken policies, which is not a policy set.
const INVALID: &str = "invalid";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// One `*.tests.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    #[serde(default, rename = "test")]
    tests: Vec<TestCase>,
}

/// One `[[test]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    name: String,
    expect: String,
    reason: Option<String>,
    decided_by: Option<Vec<String>>,
    request: toml::Value,
}

/// A test case with its request converted to JSON, as the engine reads it.
struct Case {
    /// `set / test name`, for messages.
    label: String,
    expect: String,
    reason: Option<String>,
    decided_by: Option<Vec<String>>,
    request: Value,
}

/// One policy set: its directory, its compiled engine and its cases.
struct PolicySet {
    dir: PathBuf,
    engine: Engine,
    /// The same sources parsed, for the reference interpreter.
    files: Vec<tessera::policy_lang::PolicyFile>,
    cases: Vec<Case>,
}

/// TOML to JSON: datetimes become RFC 3339 strings, everything else maps
/// one to one.
fn to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// The directories of the policy sets: every directory under `corpus/`
/// except `corpus/invalid`, sorted.
fn set_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != INVALID))
        .collect();
    dirs.sort();
    dirs
}

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == extension))
        .collect();
    files.sort();
    files
}

fn set_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

fn load_cases(dir: &Path) -> Vec<Case> {
    let set = set_name(dir);
    let path = dir.join(format!("{set}.tests.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: TestFile =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.tests
        .into_iter()
        .map(|t| Case {
            label: format!("{set} / {}", t.name),
            expect: t.expect,
            reason: t.reason,
            decided_by: t.decided_by,
            request: to_json(&t.request),
        })
        .collect()
}

fn policy_sets() -> Vec<PolicySet> {
    set_dirs()
        .into_iter()
        .map(|dir| {
            let texts: Vec<(String, String)> = files_with_extension(&dir, "policy")
                .iter()
                .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap()))
                .collect();
            let sources: Vec<Source> = texts.iter().map(|(n, t)| Source::new(n, t)).collect();
            let engine =
                Engine::compile(&sources).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let pairs: Vec<(&str, &str)> = texts
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            let files = tessera::policy_lang::parse_set(&pairs).unwrap();
            let cases = load_cases(&dir);
            PolicySet {
                dir,
                engine,
                files,
                cases,
            }
        })
        .collect()
}

/// Does a `decided_by` entry name this statement? Entries are
/// `"policy/statement"` or just `"statement"`.
fn names(entry: &str, s: &StatementRef<'_>) -> bool {
    entry == s.statement || entry == format!("{}/{}", s.policy, s.statement)
}

/// `decided_by` is the exact set of determining statements: every entry
/// names one of them, every one of them is named, and there are as many
/// entries as statements.
fn check_decided_by(label: &str, expected: &[String], determining: &[StatementRef<'_>]) {
    let shown: Vec<String> = determining
        .iter()
        .map(|s| format!("{}/{}", s.policy, s.statement))
        .collect();
    assert_eq!(
        expected.len(),
        determining.len(),
        "{label}: decided_by {expected:?}, but decided by {shown:?}"
    );
    for entry in expected {
        assert!(
            determining.iter().any(|s| names(entry, s)),
            "{label}: decided_by names {entry:?}, but decided by {shown:?}"
        );
    }
    for s in determining {
        assert!(
            expected.iter().any(|e| names(e, s)),
            "{label}: decided by {}/{} too, which decided_by does not name",
            s.policy,
            s.statement
        );
    }
}

#[test]
fn corpus_has_policy_sets_with_cases() {
    let sets = policy_sets();
    assert!(
        sets.len() >= 6,
        "expected at least six policy sets, found {}",
        sets.len()
    );
    for set in &sets {
        assert!(
            !files_with_extension(&set.dir, "policy").is_empty(),
            "{} has no policies",
            set.dir.display()
        );
        assert!(!set.cases.is_empty(), "{} has no cases", set.dir.display());
        assert!(
            !set.dir.join("tests.json").exists(),
            "{}: tests.json is replaced by {}.tests.toml",
            set.dir.display(),
            set_name(&set.dir)
        );
        let toml_files: Vec<PathBuf> = std::fs::read_dir(&set.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".tests.toml"))
            .collect();
        assert_eq!(
            toml_files.len(),
            1,
            "{}: one tests file, named after the set",
            set.dir.display()
        );
        let mut names = BTreeSet::new();
        for case in &set.cases {
            assert!(
                names.insert(case.label.clone()),
                "two tests are named {}",
                case.label
            );
        }
    }
}

#[test]
fn every_corpus_case_decides_as_expected_through_every_path() {
    let mut checked = 0;
    for PolicySet {
        engine,
        files,
        cases,
        ..
    } in policy_sets()
    {
        for case in cases {
            let name = &case.label;
            assert!(
                matches!(case.expect.as_str(), "allow" | "deny"),
                "{name}: expect must be \"allow\" or \"deny\""
            );
            let request =
                Request::from_value(&case.request).unwrap_or_else(|e| panic!("{name}: {e}"));
            let decision = engine.decide(&request);
            let actual = decision.to_json();
            assert_eq!(actual["decision"], case.expect.as_str(), "{name}: {actual}");
            if let Some(reason) = &case.reason {
                assert!(
                    matches!(
                        reason.as_str(),
                        "allowed" | "explicit_deny" | "no_statement_applied"
                    ),
                    "{name}: unknown reason {reason:?}"
                );
                assert_eq!(actual["reason"], reason.as_str(), "{name}: {actual}");
            }
            if let Some(decided_by) = &case.decided_by {
                check_decided_by(name, decided_by, &decision.determining);
            }
            // The reference interpreter agrees.
            let time = request.context.time.expect("corpus requests carry a time");
            let reference = reference::decide(&files, &request, time);
            assert_eq!(
                reference.outcome, decision.outcome,
                "{name}: reference disagrees"
            );
            assert_eq!(
                reference.reason, decision.reason,
                "{name}: reference disagrees"
            );
            let reference_names: Vec<(&str, &str)> = reference
                .determining
                .iter()
                .map(|(p, s)| (p.as_str(), s.as_str()))
                .collect();
            let engine_names: Vec<(&str, &str)> = decision
                .determining
                .iter()
                .map(|s| (s.policy, s.statement))
                .collect();
            assert_eq!(reference_names, engine_names, "{name}: reference disagrees");
            // The JSON layer gives the same bytes as serializing the decision.
            let answer = tessera::json::evaluate(&engine, &case.request.to_string(), false);
            assert_eq!(answer, serde_json::to_string(&decision).unwrap(), "{name}");
            // The explanation carries the same decision, and the statements
            // it shows as applied with the decision's effect are exactly the
            // determining ones (none at all when no statement applied).
            let explanation = engine.explain(&request);
            assert_eq!(explanation.decision, decision, "{name}");
            let applied: BTreeSet<StatementRef<'_>> = explanation
                .statements
                .iter()
                .filter(|r| r.applied && r.effect == decision.outcome)
                .map(|r| r.statement)
                .collect();
            let determining: BTreeSet<StatementRef<'_>> =
                decision.determining.iter().copied().collect();
            assert_eq!(applied, determining, "{name}: explanation disagrees");
            if decision.reason == Reason::NoStatementApplied {
                assert!(
                    explanation.statements.iter().all(|r| !r.applied),
                    "{name}: a statement applied, yet no statement applied"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 80, "only {checked} corpus cases ran");
}

/// What `policy test --coverage` measures: every statement applied to at
/// least one request of its set (allowed or not, determining or not).
#[test]
fn every_corpus_statement_applies_in_some_case() {
    for PolicySet {
        dir, engine, cases, ..
    } in policy_sets()
    {
        let mut applied = BTreeSet::new();
        for case in &cases {
            let request = Request::from_value(&case.request).unwrap();
            for report in engine.explain(&request).statements {
                if report.applied {
                    applied.insert((
                        report.statement.policy.to_string(),
                        report.statement.statement.to_string(),
                    ));
                }
            }
        }
        for statement in engine.statements() {
            let key = (
                statement.policy.to_string(),
                statement.statement.to_string(),
            );
            assert!(
                applied.contains(&key),
                "{}: no case applies {key:?}",
                dir.display()
            );
        }
    }
}

/// The README decides `corpus/ecommerce/request.json`; it must stay valid
/// and allowed.
#[test]
fn readme_request_is_allowed() {
    let set = policy_sets()
        .into_iter()
        .find(|s| set_name(&s.dir) == "ecommerce")
        .unwrap();
    let text = std::fs::read_to_string(set.dir.join("request.json")).unwrap();
    let request = Request::from_json(&text).unwrap();
    assert!(set.engine.decide(&request).is_allowed());
}

/// A set with `*.schema` files beside its policies (as `policy test` finds
/// them): the policies check against the schema, and every case's request
/// fits it, so that no case passes for the wrong reason.
#[test]
fn corpus_schemas_hold_for_their_sets() {
    let read = |files: Vec<PathBuf>| -> Vec<(String, String)> {
        files
            .iter()
            .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap()))
            .collect()
    };
    let mut with_schema = 0;
    for dir in set_dirs() {
        let schema_texts = read(files_with_extension(&dir, "schema"));
        if schema_texts.is_empty() {
            continue;
        }
        with_schema += 1;
        let schema_sources: Vec<Source> = schema_texts
            .iter()
            .map(|(n, t)| Source::new(n, t))
            .collect();
        let schema = tessera::Schema::compile(&schema_sources)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let texts = read(files_with_extension(&dir, "policy"));
        let sources: Vec<Source> = texts.iter().map(|(n, t)| Source::new(n, t)).collect();
        if let Err(e) = Engine::compile_with_schema(&sources, &tessera::Limits::default(), &schema)
        {
            panic!("{}: {e}", dir.display());
        }
        for case in load_cases(&dir) {
            let request = Request::from_value(&case.request)
                .unwrap_or_else(|e| panic!("{}: {e}", case.label));
            if let Err(e) = schema.check_request(&request) {
                panic!("{}: {e}", case.label);
            }
        }
    }
    assert!(with_schema >= 1, "no corpus set has a schema");
}

/// Policy names are unique across the whole corpus, so that every set can
/// be checked together (`policy check` on all the set directories at once).
#[test]
fn corpus_sets_check_together() {
    let texts: Vec<(String, String)> = set_dirs()
        .iter()
        .flat_map(|d| files_with_extension(d, "policy"))
        .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap()))
        .collect();
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    if let Err(e) = policy_lang::parse_set(&pairs) {
        panic!("{e}");
    }
}

#[test]
fn corpus_files_are_canonically_formatted() {
    let mut count = 0;
    for dir in set_dirs() {
        for entry in files_with_extension(&dir, "policy") {
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

/// `corpus/invalid/NAME.policy` produces exactly the diagnostics listed in
/// `NAME.expected`, one `LINE:COLUMN: CODE: MESSAGE` line each, in order.
#[test]
fn invalid_corpus_files_give_their_expected_diagnostics() {
    let dir = corpus_dir().join(INVALID);
    let policies = files_with_extension(&dir, "policy");
    assert!(
        policies.len() >= 10,
        "expected at least ten invalid policies, found {}",
        policies.len()
    );
    let mut failures = Vec::new();
    for policy in &policies {
        let expected_path = policy.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        let text = std::fs::read_to_string(policy).unwrap();
        let name = policy.file_name().unwrap().to_string_lossy();
        let actual = match policy_lang::parse(&name, &text) {
            Ok(_) => String::new(),
            Err(error) => error
                .diagnostics()
                .iter()
                .map(|d| {
                    format!(
                        "{}:{}: {}: {}\n",
                        d.location().line,
                        d.location().column,
                        d.kind().code(),
                        d.message()
                    )
                })
                .collect(),
        };
        assert!(
            !actual.is_empty(),
            "{} parses without errors",
            policy.display()
        );
        if actual != expected {
            failures.push(format!(
                "{}\n--- expected\n{expected}--- actual\n{actual}",
                policy.display()
            ));
        }
    }
    // Every .expected belongs to a policy.
    for expected in files_with_extension(&dir, "expected") {
        assert!(
            expected.with_extension("policy").exists(),
            "{} has no .policy",
            expected.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
