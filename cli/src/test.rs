//! `policy test`: run the policy tests beside the policies.
//!
//! Every policy set found is compiled, whether or not a test file stands
//! beside it. Every input problem (a bad test file, a directory without
//! policies, policies that do not compile) is reported before any test
//! runs, in the format asked for, and exits 2. Then every selected test
//! runs; the last line printed is `N passed, N failed`.

use crate::Status;
use crate::error::CliError;
use crate::eval::explain_text;
use crate::load::{self, SourceFile};
use crate::problem::Problem;
use crate::render::{self, Style};
use policy_cli::imports;
use policy_cli::suite::{self, CaseResult, Coverage, TestCase, TestFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `--audit` for `test`, which decides on its own (docs/audit.md): a record
/// that cannot be written changes no decision.
const AUDIT_HELP: &str = "Append an audit record for every decision to FILE (JSON lines, \
hash-chained; evaluator/AUDIT.md). A record that cannot be written changes no decision and \
no test result: the run reports as usual, then fails with exit 2 naming the audit log.";

/// Arguments of `policy test`.
#[derive(Debug, clap::Args)]
#[command(
    mut_arg("audit", |arg| arg.help(AUDIT_HELP)),
    after_help = "Every directory holding policy files (*.policy, Vault *.hcl, AWS IAM *.json) is compiled, with or without a test \
file beside it: a policy set that does not compile fails the run.\n\
Exit status: 0 when every test passed, 1 when a test failed (or coverage is below \
--min-coverage, or no test ran with --fail-on-empty), 2 on usage or input errors (policies \
that do not compile, bad test files), reported before any test runs; with json, junit and \
github they are also results in that format on standard output. The last line of a run is \
`N passed, N failed` (on standard error with json and junit). The test file format is \
described in docs/testing.md."
)]
pub struct Args {
    /// Directories (searched recursively for *.tests.toml and *.policy,
    /// skipping hidden directories and `target`) or test files [default: .]
    paths: Vec<PathBuf>,
    /// Run only the tests whose name matches this regular expression
    /// (unanchored: `stripe` matches any name containing it).
    #[arg(long, value_name = "REGEX")]
    run: Option<String>,
    /// Output format: text for people; json, junit (XML) or github (GitHub
    /// Actions annotations) for machines. With json and junit the summary
    /// line goes to standard error.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// List passing tests too, and in the explanation of a failure the
    /// statements that matched only two of principal, action and resource
    /// (otherwise counted) (text format).
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
    schema: crate::schema::SchemaArgs,
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
    /// GitHub Actions `::error` annotations for failed tests and invalid
    /// input, then the summary, on standard output.
    Github,
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
    /// The custom attributes the statements read.
    keys: suite::KeysRead,
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
    /// Each statement not exercised.
    missed: Vec<Missed>,
    /// Directories under the paths searched that hold policies but no test
    /// file: not counted, since no test runs against them.
    untested: Vec<PathBuf>,
}

/// A statement no test exercised.
struct Missed {
    file: String,
    line: usize,
    /// `effect policy/statement`.
    statement: String,
}

impl Missed {
    /// `file:line: effect policy/statement`.
    fn text(&self) -> String {
        format!("{}:{}: {}", self.file, self.line, self.statement)
    }
}

/// A problem found while loading: the error people see on standard error,
/// and the same problem as data for the machine formats.
struct LoadError {
    error: CliError,
    problems: Vec<Problem>,
    /// A test-file problem, drawn as a diagnostic when it has a place.
    suite: Option<Box<suite::SuiteError>>,
}

impl LoadError {
    fn plain(error: CliError) -> LoadError {
        let problems = vec![Problem::from_cli(&error)];
        LoadError {
            error,
            problems,
            suite: None,
        }
    }

    /// Prints the problem for people, on standard error.
    fn print(&self, style: Style) {
        match self.suite.as_ref().and_then(|e| e.diagnostic()) {
            Some((diagnostic, text)) => {
                eprint!("{}", render::human(&diagnostic, text, style.color_stderr))
            }
            None => self.error.print(style),
        }
    }

    fn suite(error: suite::SuiteError) -> LoadError {
        LoadError {
            problems: vec![Problem::from_suite(&error)],
            error: suite_error(error.clone()),
            suite: Some(Box::new(error)),
        }
    }
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
    let paths = load::or_current_dir(&args.paths);
    let sets = match load_sets(&paths, &args.limits.limits()?, &args.schema, style) {
        Ok(sets) => sets,
        Err(errors) => return Err(report_load_errors(args.format, errors, style)),
    };
    let auditor = args.audit.auditor()?;
    let mut warnings = Vec::new();
    let runs = run_sets(&sets, filter.as_ref(), auditor.as_ref(), &mut warnings);
    for warning in &warnings {
        eprintln!(
            "{}: {warning}",
            policy_lang::render::Level::Warning.painted(style.color_stderr)
        );
    }
    let coverage =
        (args.coverage || args.min_coverage.is_some()).then(|| coverage_report(&sets, &runs));
    let (passed, failed) = count(&runs);
    match args.format {
        Format::Text => print!("{}", text_report(&runs, args.verbose, style)),
        Format::Json => println!("{}", json_report(&runs, coverage.as_ref(), &[])),
        Format::Junit => print!("{}", junit_report(&runs, &[])),
        Format::Github => print!("{}", github_report(&runs, coverage.as_ref())),
    }
    // The summary (and coverage) go with the report for people and
    // annotations, to standard error beside a JSON or XML document.
    let on_stdout = matches!(args.format, Format::Text | Format::Github);
    let mut out = String::new();
    if let Some(coverage) = &coverage
        && args.format != Format::Json
    {
        out.push_str(&coverage_text(coverage));
    }
    let mut status = if failed > 0 {
        Status::Findings
    } else {
        Status::Success
    };
    if let Some(verdict) = verdicts(&args, coverage.as_ref(), passed + failed) {
        if args.format == Format::Github {
            for line in verdict.lines() {
                out.push_str(&render::github_command(
                    "error",
                    &[("title", "policy test".to_string())],
                    line,
                ));
                out.push('\n');
            }
        } else {
            out.push_str(&verdict);
        }
        status = Status::Findings;
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    if on_stdout {
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

/// Finds and loads every test file, and compiles the policy set of every
/// directory that holds a test file or a policy file: a policy set without
/// tests is still checked. Collects every problem; fails when there is one.
fn load_sets(
    paths: &[PathBuf],
    limits: &tessera::Limits,
    schema: &crate::schema::SchemaArgs,
    style: Style,
) -> Result<Vec<PolicySet>, Vec<LoadError>> {
    let found = suite::find_test_files(paths).map_err(|e| vec![LoadError::suite(e)])?;
    let mut dirs = PolicyDirs::default();
    for path in found {
        dirs.add(suite::policy_dir(&path), Some(path));
    }
    let mut errors = Vec::new();
    for path in paths.iter().filter(|p| p.is_dir()) {
        let mut policy_dirs = Vec::new();
        let mut unreadable = None;
        let walked = load::walk(path, &mut |file| match imports::found_in_walk(file) {
            Ok(true) => policy_dirs.push(suite::policy_dir(file)),
            Ok(false) => {}
            Err(e) => {
                unreadable.get_or_insert_with(|| CliError::io(file, &e));
            }
        });
        if let Some(error) = unreadable {
            errors.push(LoadError::plain(error));
        }
        if let Err(error) = walked {
            errors.push(LoadError::plain(error));
        }
        for dir in policy_dirs {
            dirs.add(dir, None);
        }
    }
    let mut sets = Vec::new();
    for (dir, test_paths) in dirs.by_dir {
        let compiled = compile_set(&dir, &test_paths, limits, schema, style);
        let mut files = Vec::new();
        for path in &test_paths {
            // `decided_by` names are checked when the policies compile.
            let loaded = match &compiled {
                Ok((_, engine)) => suite::load_against(path, engine),
                Err(_) => suite::load(path),
            };
            match loaded {
                Ok(file) => files.push(file),
                Err(found) => errors.extend(found.into_vec().into_iter().map(LoadError::suite)),
            }
        }
        match compiled {
            Ok((sources, engine)) => {
                let named: Vec<(&str, &str)> = sources
                    .iter()
                    .map(|s| (s.name.as_str(), s.text.as_str()))
                    .collect();
                let readers = suite::ClockReaders::new(&named);
                let keys = suite::KeysRead::new(&named);
                sets.push(PolicySet {
                    dir,
                    sources,
                    engine,
                    readers,
                    keys,
                    files,
                })
            }
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(sets)
    } else {
        Err(errors)
    }
}

/// The directories whose policy sets are under test, each with its test
/// files (none for a set without tests), a directory reached by two paths
/// (`.` and `./a`, or a link) taken once.
#[derive(Default)]
struct PolicyDirs {
    by_dir: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// The canonical path of each directory, to the path it is shown by.
    shown: std::collections::HashMap<PathBuf, PathBuf>,
}

impl PolicyDirs {
    fn add(&mut self, dir: PathBuf, test_file: Option<PathBuf>) {
        let key = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        let shown = self.shown.entry(key).or_insert(dir).clone();
        let tests = self.by_dir.entry(shown).or_default();
        tests.extend(test_file);
    }
}

/// Prints every load problem (for people on standard error, and as results
/// in the machine formats on standard output); returns the last, which
/// ends the run with exit 2.
fn report_load_errors(format: Format, errors: Vec<LoadError>, style: Style) -> CliError {
    let problems: Vec<Problem> = errors.iter().flat_map(|e| e.problems.clone()).collect();
    match format {
        Format::Text => {}
        Format::Json => println!("{}", json_report(&[], None, &problems)),
        Format::Junit => print!("{}", junit_report(&[], &problems)),
        Format::Github => {
            for problem in &problems {
                println!("{}", problem.github());
            }
        }
    }
    // Every problem is drawn here; the error returned sums them up.
    for error in &errors {
        error.print(style);
    }
    let in_tests = errors.iter().filter(|e| e.suite.is_some()).count();
    let files: std::collections::BTreeSet<&Path> = errors
        .iter()
        .filter_map(|e| e.suite.as_ref().map(|s| s.path.as_path()))
        .collect();
    let others = errors.len() - in_tests;
    let mut parts = Vec::new();
    if in_tests > 0 {
        parts.push(format!(
            "{in_tests} error(s) in {} test file(s)",
            files.len()
        ));
    }
    if others > 0 {
        parts.push(format!(
            "{others} policy set(s) or path(s) that could not be loaded"
        ));
    }
    CliError::Usage(format!("{}; no test ran", parts.join(", ")))
}

fn suite_error(error: suite::SuiteError) -> CliError {
    CliError::Usage(error.render())
}

/// Reads and compiles the policies of one directory: those beside its test
/// files, or for a directory without test files every `*.policy` file in it.
fn compile_set(
    dir: &Path,
    test_paths: &[PathBuf],
    limits: &tessera::Limits,
    schema: &crate::schema::SchemaArgs,
    style: Style,
) -> Result<(Vec<SourceFile>, tessera::Engine), LoadError> {
    let files = match test_paths.first() {
        Some(first) => suite::policy_files_beside(first).map_err(LoadError::suite)?,
        None => policy_files_in(dir).map_err(LoadError::plain)?,
    };
    let policies = load::read_policies(&files).map_err(LoadError::plain)?;
    // The schema beside the policies (or named with --schema): the
    // policies are checked against it, and so is every test's request.
    let schemas = schema.sources_beside(dir).map_err(LoadError::plain)?;
    match crate::schema::compile(&policies, &schemas, limits) {
        Ok(engine) => Ok((policies, engine)),
        Err(error) => {
            let sources = crate::schema::with_schemas(&policies, &schemas);
            Err(LoadError {
                suite: None,
                problems: Problem::from_diagnostics(error.diagnostics(), &sources),
                error: CliError::Compile {
                    count: error.diagnostics().len(),
                    rendered: render::human_all(&error, &sources, style.color_stderr),
                },
            })
        }
    }
}

/// The policy files directly in `dir` (as `suite::policy_files_beside`
/// takes them for a test file there), sorted.
fn policy_files_in(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            match e.io_error() {
                Some(io) => CliError::io(&path, io),
                None => CliError::Io {
                    path,
                    message: e.to_string(),
                },
            }
        })?;
        let path = entry.path();
        if path.is_file() && imports::found_in_walk(path).map_err(|e| CliError::io(path, &e))? {
            files.push(path.to_path_buf());
        }
    }
    if files.is_empty() {
        return Err(CliError::NoPolicies {
            paths: vec![dir.to_path_buf()],
        });
    }
    Ok(files)
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
                    warnings.extend(set.keys.unread(&file.path, case));
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
///
/// A policy set without test files is not counted: it is listed as untested.
fn coverage_report(sets: &[PolicySet], runs: &[FileRun<'_>]) -> CoverageReport {
    let mut report = CoverageReport {
        exercised: 0,
        total: 0,
        missed: Vec::new(),
        untested: sets
            .iter()
            .filter(|s| s.files.is_empty())
            .map(|s| s.dir.clone())
            .collect(),
    };
    for set in sets.iter().filter(|s| !s.files.is_empty()) {
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
            report.missed.push(Missed {
                file: name.to_string(),
                line,
                statement: format!(
                    "{} {}/{}",
                    statement.effect.keyword(),
                    statement.policy,
                    statement.statement
                ),
            });
        }
    }
    report
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
            out.push_str(&format!("  {}\n", missed.text()));
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
                    let tag = render::paint(color, render::GREEN, "PASS");
                    out.push_str(&format!("{tag} {place}: {}\n", case.name));
                }
                continue;
            }
            let tag = render::paint(color, render::RED, "FAIL");
            out.push_str(&format!("{tag} {place}: {}\n", case.name));
            out.push_str(&failure_details(case, result, verbose, color));
            out.push('\n');
        }
    }
    out
}

/// Expected against actual (decision, and reason and determining statements
/// when asserted), the request, and the explanation.
fn failure_details(case: &TestCase, result: &CaseResult<'_>, verbose: bool, color: bool) -> String {
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
        out.push_str(&explain_text(explanation, verbose, color));
    }
    out
}

/// Every test as JSON, with expectations, decisions and, for failures,
/// the mismatches and the explanation; coverage when computed; and
/// `errors`, the problems that stopped the run before any test ran (then
/// `files` is empty).
fn json_report(
    runs: &[FileRun<'_>],
    coverage: Option<&CoverageReport>,
    errors: &[Problem],
) -> String {
    let (passed, failed) = count(runs);
    let files: Vec<serde_json::Value> = runs
        .iter()
        .map(|run| {
            let tests: Vec<serde_json::Value> =
                run.cases.iter().map(|(c, r)| json_case(c, r)).collect();
            serde_json::json!({"file": run.path.display().to_string(), "tests": tests})
        })
        .collect();
    let errors: Vec<serde_json::Value> = errors.iter().map(Problem::json).collect();
    let mut report = serde_json::json!({
        "passed": passed,
        "failed": failed,
        "errors": errors,
        "files": files,
    });
    if let (Some(coverage), Some(object)) = (coverage, report.as_object_mut()) {
        object.insert(
            "coverage".to_string(),
            serde_json::json!({
                "exercised": coverage.exercised,
                "total": coverage.total,
                "percent": coverage.percent(),
                "not_exercised": coverage.missed.iter().map(Missed::text).collect::<Vec<_>>(),
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

/// Failed tests as GitHub Actions annotations, one line each, at the line
/// of the test's `[[test]]` table; with coverage, a warning at each
/// statement no test exercised. The message holds the mismatches, never
/// the request.
fn github_report(runs: &[FileRun<'_>], coverage: Option<&CoverageReport>) -> String {
    let mut out = String::new();
    for run in runs {
        for (case, result) in run.cases.iter().filter(|(_, r)| !r.passed()) {
            let mismatches: Vec<String> = result.mismatches.iter().map(|m| m.to_string()).collect();
            out.push_str(&render::github_command(
                "error",
                &[
                    ("file", run.path.display().to_string()),
                    ("line", case.line.to_string()),
                    ("col", "1".to_string()),
                    ("title", "policy test".to_string()),
                ],
                &format!("test {:?} failed: {}", case.name, mismatches.join("; ")),
            ));
            out.push('\n');
        }
    }
    for missed in coverage.map_or(&[][..], |c| &c.missed) {
        out.push_str(&render::github_command(
            "warning",
            &[
                ("file", missed.file.clone()),
                ("line", missed.line.to_string()),
                ("title", "not exercised".to_string()),
            ],
            &format!("{} is exercised by no test", missed.statement),
        ));
        out.push('\n');
    }
    out
}

/// JUnit XML: a testsuite per test file (with selected tests), a testcase
/// per test, a failure element with the mismatches and the explanation.
/// Problems that stopped the run before any test ran are `error` elements,
/// one testcase each, in a testsuite per file at fault.
fn junit_report(runs: &[FileRun<'_>], errors: &[Problem]) -> String {
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a vector cannot fail.
    let _ = write_junit(&mut writer, runs, errors);
    let mut out = String::from_utf8(writer.into_inner()).unwrap_or_default();
    out.push('\n');
    out
}

type XmlWriter = quick_xml::Writer<Vec<u8>>;

fn write_junit(
    writer: &mut XmlWriter,
    runs: &[FileRun<'_>],
    errors: &[Problem],
) -> std::io::Result<()> {
    use quick_xml::events::{BytesDecl, Event};
    let (passed, failed) = count(runs);
    // (A float sum of nothing is -0.0, which would print as `-0.000000`.)
    let total_time: f64 = runs
        .iter()
        .flat_map(|r| &r.cases)
        .map(|(_, r)| r.duration.as_secs_f64())
        .fold(0.0, |sum, t| sum + t);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attributes([
            attribute("name", "policy test"),
            attribute("tests", &(passed + failed + errors.len()).to_string()),
            attribute("failures", &failed.to_string()),
            attribute("errors", &errors.len().to_string()),
            attribute("time", &format!("{total_time:.6}")),
        ])
        .write_inner_content(|writer| {
            for run in runs.iter().filter(|r| !r.cases.is_empty()) {
                write_junit_suite(writer, run)?;
            }
            write_junit_errors(writer, errors)
        })?;
    Ok(())
}

fn write_junit_suite(writer: &mut XmlWriter, run: &FileRun<'_>) -> std::io::Result<()> {
    use quick_xml::events::BytesText;
    let file = run.path.display().to_string();
    let failures = run.cases.iter().filter(|(_, r)| !r.passed()).count();
    let time: f64 = run
        .cases
        .iter()
        .map(|(_, r)| r.duration.as_secs_f64())
        .sum();
    writer
        .create_element("testsuite")
        .with_attributes([
            attribute("name", &file),
            attribute("tests", &run.cases.len().to_string()),
            attribute("failures", &failures.to_string()),
            attribute("errors", "0"),
            attribute("skipped", "0"),
            attribute("time", &format!("{time:.6}")),
        ])
        .write_inner_content(|writer| {
            for (case, result) in &run.cases {
                let element = writer.create_element("testcase").with_attributes([
                    attribute("classname", &file),
                    attribute("name", &case.name),
                    attribute("file", &file),
                    attribute("line", &case.line.to_string()),
                    attribute("time", &format!("{:.6}", result.duration.as_secs_f64())),
                ]);
                if result.passed() {
                    element.write_empty()?;
                    continue;
                }
                let message: Vec<String> =
                    result.mismatches.iter().map(|m| m.to_string()).collect();
                let details = failure_details(case, result, true, false);
                element.write_inner_content(|writer| {
                    writer
                        .create_element("failure")
                        .with_attributes([
                            attribute("message", &message.join("; ")),
                            attribute("type", "mismatch"),
                        ])
                        .write_text_content(BytesText::from_escaped(xml_text(&details)))?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// A testsuite per file named by `errors`, a testcase with an `error`
/// element per problem.
fn write_junit_errors(writer: &mut XmlWriter, errors: &[Problem]) -> std::io::Result<()> {
    use quick_xml::events::BytesText;
    let mut files: Vec<&str> = errors.iter().map(|p| p.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    for file in files {
        let here: Vec<&Problem> = errors.iter().filter(|p| p.file == file).collect();
        writer
            .create_element("testsuite")
            .with_attributes([
                attribute("name", file),
                attribute("tests", &here.len().to_string()),
                attribute("failures", "0"),
                attribute("errors", &here.len().to_string()),
                attribute("skipped", "0"),
                attribute("time", "0.000000"),
            ])
            .write_inner_content(|writer| {
                for problem in &here {
                    let place = match problem.location {
                        Some((line, column)) => format!("{file}:{line}:{column}"),
                        None => file.to_string(),
                    };
                    let mut element = writer.create_element("testcase").with_attributes([
                        attribute("classname", file),
                        attribute("name", &format!("{place}: {}", problem.code)),
                        attribute("file", file),
                    ]);
                    if let Some((line, _)) = problem.location {
                        element = element.with_attribute(attribute("line", &line.to_string()));
                    }
                    element.write_inner_content(|writer| {
                        writer
                            .create_element("error")
                            .with_attributes([
                                attribute("message", &problem.full_message()),
                                attribute("type", &problem.code),
                            ])
                            .write_text_content(BytesText::from_escaped(xml_text(&format!(
                                "{place}: {}\n",
                                problem.full_message()
                            ))))?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
    }
    Ok(())
}

/// An XML attribute whose value quick-xml escapes, with line breaks and
/// tabs also written as character references so that parsers keep them
/// (attribute normalization turns them into spaces), and characters XML 1.0
/// cannot hold as U+FFFD.
fn attribute<'a>(key: &'a str, value: &str) -> quick_xml::events::attributes::Attribute<'a> {
    let escaped = quick_xml::escape::escape(xml_chars(value))
        .replace('\n', "&#10;")
        .replace('\t', "&#9;");
    quick_xml::events::attributes::Attribute {
        key: quick_xml::name::QName(key),
        value: escaped.into(),
    }
}

/// Element content, escaped by quick-xml (which writes `\r` as `&#13;`),
/// with characters XML 1.0 cannot hold as U+FFFD.
fn xml_text(text: &str) -> String {
    quick_xml::escape::partial_escape(xml_chars(text)).into_owned()
}

/// `text` with the characters XML 1.0 cannot hold (control characters but
/// tab, line feed and carriage return; U+FFFE and U+FFFF) as U+FFFD.
fn xml_chars(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn xml_escape_handles_markup_and_control_characters() {
        assert_eq!(
            &*attribute("name", "a<b>&\"c\" 'd'\n\t\r\u{1}").value,
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;&#10;&#9;&#13;\u{FFFD}"
        );
        assert_eq!(xml_text("a<\n\tb\r\u{FFFE}"), "a&lt;\n\tb&#13;\u{FFFD}");
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
