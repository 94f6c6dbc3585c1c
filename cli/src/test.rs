//! `policy test`: run the policy tests beside the policies.
//!
//! Every input problem (a bad test file, a directory without policies,
//! policies that do not compile) is reported before any test runs, and
//! exits 2. Then every selected test runs; the last line printed is
//! `N passed, N failed`.

use crate::Status;
use crate::error::CliError;
use crate::eval::explain_text;
use crate::load::{self, SourceFile};
use crate::render::{self, Style};
use policy_cli::suite::{self, CaseResult, Coverage, TestCase, TestFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Arguments of `policy test`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 when every test passed, 1 when a test failed (or coverage \
is below --min-coverage, or no test ran with --fail-on-empty), 2 on usage or input errors, \
reported before any test runs. The last line of a run is `N passed, N failed` (on standard \
error with json and junit). The test file format is described in docs/testing.md."
)]
pub struct Args {
    /// Directories (searched recursively for *.tests.toml, skipping hidden
    /// directories and `target`) or test files [default: .]
    paths: Vec<PathBuf>,
    /// Run only the tests whose name matches this regular expression
    /// (unanchored: `stripe` matches any name containing it).
    #[arg(long, value_name = "REGEX")]
    run: Option<String>,
    /// Output format: text for people, json or junit (XML) for machines;
    /// with json and junit the summary line goes to standard error.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// List passing tests too (text format).
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Report the statements no test exercised (applied in no test) and the
    /// percentage exercised.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit 1) when the percentage of statements exercised is below
    /// PERCENT (0 to 100); implies --coverage.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    min_coverage: Option<f64>,
    /// Fail (exit 1) when no test was found or selected by --run; without it
    /// no tests is `0 passed, 0 failed` and success.
    #[arg(long)]
    fail_on_empty: bool,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

/// How `test` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Failures with their explanation, then the summary, on standard output.
    Text,
    /// One JSON report on standard output.
    Json,
    /// JUnit XML on standard output: one testsuite per test file.
    Junit,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}

/// The policy set of one directory and the test files beside it.
struct PolicySet {
    dir: PathBuf,
    sources: Vec<SourceFile>,
    engine: tessera::Engine,
    /// The statements whose conditions read the clock.
    readers: suite::ClockReaders,
    files: Vec<TestFile>,
}

/// The selected tests of one file and how they fared.
struct FileRun<'s> {
    path: &'s Path,
    cases: Vec<(&'s TestCase, CaseResult<'s>)>,
}

/// The statements exercised over every policy set under test.
struct CoverageReport {
    exercised: usize,
    total: usize,
    /// `file:line: effect policy/statement` of each statement not exercised.
    missed: Vec<String>,
    /// Directories under the paths searched that hold policies but no test
    /// file: not counted, since no test runs against them.
    untested: Vec<PathBuf>,
}

impl CoverageReport {
    fn percent(&self) -> f64 {
        suite::percent(self.exercised, self.total)
    }
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let filter = match &args.run {
        Some(pattern) => Some(
            regex::Regex::new(pattern)
                .map_err(|e| CliError::Usage(format!("--run: invalid regular expression: {e}")))?,
        ),
        None => None,
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let sets = load_sets(&paths, &args.limits.limits()?, style)?;
    let auditor = args.audit.auditor()?;
    let mut warnings = Vec::new();
    let runs = run_sets(&sets, filter.as_ref(), auditor.as_ref(), &mut warnings);
    for warning in &warnings {
        eprintln!(
            "{}: {warning}",
            render::paint(style.color_stderr, "1;33", "warning")
        );
    }
    let coverage = (args.coverage || args.min_coverage.is_some())
        .then(|| coverage_report(&sets, &runs, untested_dirs(&paths, &sets)));
    let (passed, failed) = count(&runs);
    match args.format {
        Format::Text => print!("{}", text_report(&runs, args.verbose, style)),
        Format::Json => println!("{}", json_report(&runs, coverage.as_ref())),
        Format::Junit => print!("{}", junit_report(&runs)),
    }
    let text = args.format == Format::Text;
    let mut out = String::new();
    if let Some(coverage) = &coverage
        && (text || args.format == Format::Junit)
    {
        out.push_str(&coverage_text(coverage));
    }
    let mut status = if failed > 0 {
        Status::Findings
    } else {
        Status::Success
    };
    if let Some(verdict) = verdicts(&args, coverage.as_ref(), passed + failed) {
        out.push_str(&verdict);
        status = Status::Findings;
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    if text {
        print!("{out}");
    } else {
        eprint!("{out}");
    }
    // After the report: a run whose records could not all be written still
    // shows its results, then fails (exit 2) naming the audit log.
    crate::audit::finish(auditor.as_ref(), &args.audit)?;
    Ok(status)
}

/// Messages for the checks beyond the tests: minimum coverage, no tests.
fn verdicts(args: &Args, coverage: Option<&CoverageReport>, ran: usize) -> Option<String> {
    let mut out = String::new();
    if let (Some(min), Some(coverage)) = (args.min_coverage, coverage)
        && coverage.percent() < min
    {
        out.push_str(&format!(
            "coverage {:.1}% is below the minimum of {min}%\n",
            coverage.percent()
        ));
    }
    if args.fail_on_empty && ran == 0 {
        out.push_str(if args.run.is_some() {
            "no test matched --run (--fail-on-empty)\n"
        } else {
            "no tests found (--fail-on-empty)\n"
        });
    }
    (!out.is_empty()).then_some(out)
}

/// Finds and loads every test file, and compiles the policy set of each
/// directory that holds one. Reports every problem (each error in a test
/// file drawn as policy diagnostics are), then fails.
fn load_sets(
    paths: &[PathBuf],
    limits: &tessera::Limits,
    style: Style,
) -> Result<Vec<PolicySet>, CliError> {
    let found = suite::find_test_files(paths).map_err(suite_error)?;
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for path in found {
        by_dir
            .entry(suite::policy_dir(&path))
            .or_default()
            .push(path);
    }
    let mut sets = Vec::new();
    let mut errors = Vec::new();
    let mut file_errors = Vec::new();
    for (dir, test_paths) in by_dir {
        let compiled = compile_set(&test_paths, limits, style);
        let mut files = Vec::new();
        for path in &test_paths {
            // `decided_by` names are checked when the policies compile.
            let loaded = match &compiled {
                Ok((_, engine)) => suite::load_against(path, engine),
                Err(_) => suite::load(path),
            };
            match loaded {
                Ok(file) => files.push(file),
                Err(found) => file_errors.extend(found.into_vec()),
            }
        }
        match compiled {
            Ok((sources, engine)) => {
                let named: Vec<(&str, &str)> = sources
                    .iter()
                    .map(|s| (s.name.as_str(), s.text.as_str()))
                    .collect();
                let readers = suite::ClockReaders::new(&named);
                sets.push(PolicySet {
                    dir,
                    sources,
                    engine,
                    readers,
                    files,
                })
            }
            Err(error) => errors.push(error),
        }
    }
    for error in &file_errors {
        match error.diagnostic() {
            Some((diagnostic, text)) => {
                eprint!("{}", render::human(&diagnostic, text, style.color_stderr))
            }
            None => eprintln!(
                "{}: {}",
                render::paint_error(style, "error"),
                error.render()
            ),
        }
    }
    if !file_errors.is_empty() {
        for error in &errors {
            error.print(style);
        }
        let mut paths: Vec<&Path> = file_errors.iter().map(|e| e.path.as_path()).collect();
        paths.sort();
        paths.dedup();
        return Err(CliError::Usage(format!(
            "{} error(s) in {} test file(s); no test ran",
            file_errors.len(),
            paths.len()
        )));
    }
    match errors.pop() {
        None => Ok(sets),
        Some(last) => {
            for error in &errors {
                error.print(style);
            }
            Err(last)
        }
    }
}

fn suite_error(error: suite::SuiteError) -> CliError {
    CliError::Usage(error.render())
}

/// Reads and compiles the policies beside the test files of one directory.
fn compile_set(
    test_paths: &[PathBuf],
    limits: &tessera::Limits,
    style: Style,
) -> Result<(Vec<SourceFile>, tessera::Engine), CliError> {
    let first = test_paths.first().map_or(Path::new("."), |p| p.as_path());
    let files = suite::policy_files_beside(first).map_err(suite_error)?;
    let sources = load::read_all(&files)?;
    let named: Vec<tessera::Source> = sources
        .iter()
        .map(|s| tessera::Source::new(&s.name, &s.text))
        .collect();
    match tessera::Engine::compile_with(&named, limits) {
        Ok(engine) => Ok((sources, engine)),
        Err(error) => Err(CliError::Compile {
            count: error.diagnostics().len(),
            rendered: render::human_all(&error, &sources, style.color_stderr),
        }),
    }
}

/// Runs the tests `filter` selects, file by file; records each decision
/// with `auditor` when there is one.
fn run_sets<'s>(
    sets: &'s [PolicySet],
    filter: Option<&regex::Regex>,
    auditor: Option<&tessera::audit::Auditor>,
    warnings: &mut Vec<String>,
) -> Vec<FileRun<'s>> {
    let mut runs = Vec::new();
    for set in sets {
        for file in &set.files {
            let cases = file
                .tests
                .iter()
                .filter(|case| filter.is_none_or(|f| f.is_match(&case.name)))
                .map(|case| {
                    let decided_at = case.request.context.time.unwrap_or_else(chrono::Utc::now);
                    let result = suite::run_case(&set.engine, case);
                    for found in suite::clock_dependence(&set.engine, &set.readers, case) {
                        warnings.push(found.warning(&file.path, case));
                    }
                    if let Some(auditor) = auditor {
                        // A failure is counted by the auditor and reported
                        // once, after the run (audit::finish).
                        let nanos = u64::try_from(result.duration.as_nanos()).unwrap_or(u64::MAX);
                        let _ = auditor.record(
                            &case.request,
                            &result.decision,
                            set.engine.revision(),
                            nanos,
                            decided_at,
                        );
                    }
                    (case, result)
                })
                .collect();
            runs.push(FileRun {
                path: &file.path,
                cases,
            });
        }
    }
    runs.sort_by(|a, b| a.path.cmp(b.path));
    runs
}

fn count(runs: &[FileRun<'_>]) -> (usize, usize) {
    let results = runs.iter().flat_map(|r| &r.cases);
    let passed = results.clone().filter(|(_, r)| r.passed()).count();
    (passed, results.count() - passed)
}

/// Statements exercised by the tests that ran, over every policy set.
fn coverage_report(
    sets: &[PolicySet],
    runs: &[FileRun<'_>],
    untested: Vec<PathBuf>,
) -> CoverageReport {
    let mut report = CoverageReport {
        exercised: 0,
        total: 0,
        missed: Vec::new(),
        untested,
    };
    for set in sets {
        let mut coverage = Coverage::new(&set.engine);
        let results = runs
            .iter()
            .filter(|r| suite::policy_dir(r.path) == set.dir)
            .flat_map(|r| &r.cases);
        for (_, result) in results {
            coverage.record(result);
        }
        report.exercised += coverage.exercised();
        report.total += coverage.total();
        for statement in coverage.statements().iter().filter(|s| !s.exercised) {
            let (name, line) = set.sources.get(statement.file).map_or(("?", 0), |s| {
                let before = s.text.get(..statement.offset).unwrap_or("");
                (s.name.as_str(), before.matches('\n').count() + 1)
            });
            report.missed.push(format!(
                "{name}:{line}: {} {}/{}",
                statement.effect.keyword(),
                statement.policy,
                statement.statement
            ));
        }
    }
    report
}

/// Directories under the directory `paths` that hold `*.policy` files but
/// no test file.
fn untested_dirs(paths: &[PathBuf], sets: &[PolicySet]) -> Vec<PathBuf> {
    let key = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let tested: Vec<PathBuf> = sets.iter().map(|s| key(&s.dir)).collect();
    let mut dirs = Vec::new();
    for path in paths.iter().filter(|p| p.is_dir()) {
        let _ = load::walk(path, &mut |file| {
            if file
                .extension()
                .is_some_and(|x| x == load::POLICY_EXTENSION)
            {
                dirs.push(suite::policy_dir(file));
            }
        });
    }
    dirs.sort();
    dirs.dedup();
    dirs.retain(|d| !tested.contains(&key(d)));
    dirs
}

fn coverage_text(coverage: &CoverageReport) -> String {
    let mut out = format!(
        "coverage: {} of {} statement(s) exercised ({:.1}%)\n",
        coverage.exercised,
        coverage.total,
        coverage.percent()
    );
    if !coverage.missed.is_empty() {
        out.push_str("not exercised by any test:\n");
        for missed in &coverage.missed {
            out.push_str(&format!("  {missed}\n"));
        }
    }
    if !coverage.untested.is_empty() {
        let dirs: Vec<String> = coverage
            .untested
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        out.push_str(&format!(
            "not counted, no test file beside the policies: {}\n",
            dirs.join(", ")
        ));
    }
    out
}

/// Failures with their explanations; passing tests too when `verbose`.
fn text_report(runs: &[FileRun<'_>], verbose: bool, style: Style) -> String {
    let color = style.color_stdout;
    let mut out = String::new();
    for run in runs {
        for (case, result) in &run.cases {
            let place = format!("{}:{}", run.path.display(), case.line);
            if result.passed() {
                if verbose {
                    let tag = render::paint(color, "32", "PASS");
                    out.push_str(&format!("{tag} {place}: {}\n", case.name));
                }
                continue;
            }
            let tag = render::paint(color, "1;31", "FAIL");
            out.push_str(&format!("{tag} {place}: {}\n", case.name));
            out.push_str(&failure_details(case, result, color));
            out.push('\n');
        }
    }
    out
}

/// Expected against actual (decision, and reason and determining statements
/// when asserted), the request, and the explanation.
fn failure_details(case: &TestCase, result: &CaseResult<'_>, color: bool) -> String {
    let decision = &result.decision;
    let mut out = format!(
        "  decision:   expected {}, actual {}\n",
        suite::outcome_name(case.expect),
        suite::outcome_name(decision.outcome)
    );
    if let Some(reason) = case.reason {
        out.push_str(&format!(
            "  reason:     expected {}, actual {}\n",
            suite::reason_name(reason),
            suite::reason_name(decision.reason)
        ));
    }
    if let Some(expected) = &case.decided_by {
        let actual: Vec<String> = decision
            .determining
            .iter()
            .map(suite::statement_name)
            .collect();
        out.push_str(&format!(
            "  decided_by: expected [{}], actual [{}]\n",
            expected.join(", "),
            actual.join(", ")
        ));
    }
    // Values named like secrets are masked, as in audit records.
    out.push_str(&format!(
        "  request:    {}\n",
        serde_json::to_string(&suite::masked_request(&case.request_json)).unwrap_or_default()
    ));
    if let Some(explanation) = &result.explanation {
        out.push_str(&explain_text(explanation, color));
    }
    out
}

/// Every test as JSON, with expectations, decisions and, for failures,
/// the mismatches and the explanation; and coverage when computed.
fn json_report(runs: &[FileRun<'_>], coverage: Option<&CoverageReport>) -> String {
    let (passed, failed) = count(runs);
    let files: Vec<serde_json::Value> = runs
        .iter()
        .map(|run| {
            let tests: Vec<serde_json::Value> =
                run.cases.iter().map(|(c, r)| json_case(c, r)).collect();
            serde_json::json!({"file": run.path.display().to_string(), "tests": tests})
        })
        .collect();
    let mut report = serde_json::json!({"passed": passed, "failed": failed, "files": files});
    if let (Some(coverage), Some(object)) = (coverage, report.as_object_mut()) {
        object.insert(
            "coverage".to_string(),
            serde_json::json!({
                "exercised": coverage.exercised,
                "total": coverage.total,
                "percent": coverage.percent(),
                "not_exercised": coverage.missed,
                "untested_directories": coverage.untested.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
            }),
        );
    }
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

fn json_case(case: &TestCase, result: &CaseResult<'_>) -> serde_json::Value {
    let mut expected = serde_json::json!({"decision": suite::outcome_name(case.expect)});
    if let Some(object) = expected.as_object_mut() {
        if let Some(reason) = case.reason {
            object.insert("reason".into(), suite::reason_name(reason).into());
        }
        if let Some(decided_by) = &case.decided_by {
            object.insert("decided_by".into(), decided_by.clone().into());
        }
    }
    let mut value = serde_json::json!({
        "name": case.name,
        "line": case.line,
        "passed": result.passed(),
        "time_seconds": result.duration.as_secs_f64(),
        "expected": expected,
        "actual": result.decision.to_json(),
        "request": suite::masked_request(&case.request_json),
    });
    if let (Some(object), false) = (value.as_object_mut(), result.passed()) {
        let mismatches: Vec<String> = result.mismatches.iter().map(|m| m.to_string()).collect();
        object.insert("mismatches".into(), mismatches.into());
        let explanation = result
            .explanation
            .as_ref()
            .and_then(|e| serde_json::to_value(e).ok());
        object.insert("explanation".into(), explanation.unwrap_or_default());
    }
    value
}

/// JUnit XML: a testsuite per test file (with selected tests), a testcase
/// per test, a failure element with the mismatches and the explanation.
fn junit_report(runs: &[FileRun<'_>]) -> String {
    let (passed, failed) = count(runs);
    let total_time: f64 = runs
        .iter()
        .flat_map(|r| &r.cases)
        .map(|(_, r)| r.duration.as_secs_f64())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"policy test\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{total_time:.6}\">\n",
        passed + failed
    ));
    for run in runs.iter().filter(|r| !r.cases.is_empty()) {
        out.push_str(&junit_suite(run));
    }
    out.push_str("</testsuites>\n");
    out
}

fn junit_suite(run: &FileRun<'_>) -> String {
    let file = xml_escape(&run.path.display().to_string());
    let failures = run.cases.iter().filter(|(_, r)| !r.passed()).count();
    let time: f64 = run
        .cases
        .iter()
        .map(|(_, r)| r.duration.as_secs_f64())
        .sum();
    let mut out = format!(
        "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time:.6}\">\n",
        run.cases.len()
    );
    for (case, result) in &run.cases {
        out.push_str(&format!(
            "    <testcase classname=\"{file}\" name=\"{}\" file=\"{file}\" line=\"{}\" time=\"{:.6}\"",
            xml_escape(&case.name),
            case.line,
            result.duration.as_secs_f64()
        ));
        if result.passed() {
            out.push_str("/>\n");
            continue;
        }
        let message: Vec<String> = result.mismatches.iter().map(|m| m.to_string()).collect();
        out.push_str(&format!(
            ">\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>\n",
            xml_escape(&message.join("; ")),
            xml_escape_text(&failure_details(case, result, false))
        ));
    }
    out.push_str("  </testsuite>\n");
    out
}

/// Escapes text for an XML attribute: line breaks and tabs become
/// character references so that parsers keep them.
fn xml_escape(text: &str) -> String {
    xml_escape_with(text, true)
}

/// Escapes text for XML element content, keeping line breaks as they are.
fn xml_escape_text(text: &str) -> String {
    xml_escape_with(text, false)
}

/// Escapes markup; characters XML 1.0 cannot hold become U+FFFD.
fn xml_escape_with(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn xml_escape_handles_markup_and_control_characters() {
        assert_eq!(
            xml_escape("a<b>&\"c\" 'd'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;&#10;\u{FFFD}"
        );
        assert_eq!(xml_escape_text("a\n\tb\r"), "a\n\tb&#13;");
    }

    #[test]
    fn percentages_are_bounded() {
        assert_eq!(parse_percent("80"), Ok(80.0));
        assert_eq!(parse_percent("99.5%"), Ok(99.5));
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("NaN").is_err());
    }
}
