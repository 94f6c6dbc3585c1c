//! Policy test files (`*.tests.toml`): the model, loading and running.
//!
//! A test file holds `[[test]]` tables, each a request and the decision
//! expected for it. It runs against the policy set formed by every `*.policy`
//! file in its own directory (not subdirectories). `docs/testing.md` describes
//! the format; this module reads it, and is shared by `policy test` and the
//! cross-crate tests so that both read tests the same way.
//!
//! ```
//! use policy_cli::suite;
//! use std::path::Path;
//!
//! let file = suite::parse(Path::new("payments.tests.toml"), r#"
//! [[test]]
//! name = "payments api reads the stripe key"
//! expect = "allow"
//! decided_by = "read"
//! [test.request]
//! principal = "service:payments-api"
//! action = "secrets:GetSecretValue"
//! resource = "prod/payment/stripe-key"
//! "#)?;
//! let engine = tessera::Engine::compile_str("payments.policy", r#"policy "payments" {
//!   allow "read" { principal service:payments-* action secrets:GetSecretValue resource prod/payment/** }
//! }"#)?;
//! assert!(suite::check_statements(&file, &engine).is_empty());
//! let result = suite::run_case(&engine, &file.tests[0]);
//! assert!(result.passed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera::{Decision, Engine, Explanation, Outcome, Reason, Request, StatementRef};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Test files are named `NAME.tests.toml`.
pub const TEST_FILE_SUFFIX: &str = ".tests.toml";

/// The extension of the policy files a test file runs against.
pub const POLICY_EXTENSION: &str = "policy";

/// Larger test files are refused before they are read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The keys a `[[test]]` table may hold.
/// The keys a `[[test]]` table may hold.
pub const TEST_KEYS: [&str; 6] = ["name", "expect", "reason", "decided_by", "use", "request"];

/// The tables a test file may hold at its top level.
pub const TOP_LEVEL_KEYS: [&str; 3] = ["test", "defaults", "fixtures"];

/// The keys of a request, and so of `[defaults.request]` and of a fixture.
pub const REQUEST_KEYS: [&str; 4] = ["principal", "action", "resource", "context"];

/// One test file: where it is and its tests, in file order.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The path as given or found.
    pub path: PathBuf,
    /// The tests, in file order.
    pub tests: Vec<TestCase>,
    /// The file's text as errors show it (lines that set keys named like
    /// secrets hidden), for errors found after parsing ([`check_statements`]).
    shown: Arc<Shown>,
}

/// One `[[test]]`: a request and what the policies must decide for it.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The test's name, unique within its file.
    pub name: String,
    /// The line (from 1) where the test's table starts.
    pub line: usize,
    /// The request, checked: `[defaults.request]`, then the fixtures the
    /// test uses, then the test's own `request`, merged.
    pub request: Request,
    /// The request as JSON, the shape `policy eval` reads (TOML datetimes
    /// become RFC 3339 strings).
    pub request_json: Json,
    /// The expected decision.
    pub expect: Outcome,
    /// The expected reason, when asserted.
    pub reason: Option<Reason>,
    /// The expected set of determining statements, when asserted: each
    /// `policy/statement` or a bare `statement`.
    pub decided_by: Option<Vec<String>>,
    /// Where each `decided_by` entry stands in the file.
    decided_by_spans: Vec<Range<usize>>,
}

/// What is wrong with a test file or its surroundings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuiteErrorKind {
    /// A path that cannot be read, or a file that is not UTF-8 or too large.
    Io,
    /// A named file that is not a test file (`*.tests.toml`).
    NotATestFile,
    /// The file is not valid TOML.
    Syntax,
    /// Valid TOML, but not a valid test: a missing or unknown key, a wrong
    /// type, a contradictory expectation, a duplicate name, an unknown
    /// fixture or statement.
    Invalid,
    /// The request of a test (or a request fragment it uses) is malformed.
    Request,
    /// No `*.policy` file beside the test file.
    NoPolicies,
    /// The policies beside the test file do not compile.
    Compile,
}

/// A test file that cannot be used: which file, where, which test, and why.
///
/// Its `Display` is one line, `path:line:column: test "name": message`;
/// [`SuiteError::render`] draws it as a diagnostic with the source line,
/// and [`SuiteError::diagnostic`] gives it as a [`policy_lang::Diagnostic`]
/// for renderers of policy diagnostics.
#[derive(Debug, Clone)]
pub struct SuiteError {
    /// What kind of problem.
    pub kind: SuiteErrorKind,
    /// The file (or, for policy problems, the directory) at fault.
    pub path: PathBuf,
    /// Line and column (from 1), when the problem has a place in the file.
    pub location: Option<(usize, usize)>,
    /// The test's name (or `#N` when it has none), when the problem is in one test.
    pub test: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The hint, and the file as shown with the span in it.
    extra: Box<Extra>,
}

/// The parts of a [`SuiteError`] that most errors lack.
#[derive(Debug, Clone, Default)]
struct Extra {
    /// A suggestion for the fix, when one helps.
    hint: Option<String>,
    /// The file as shown and the span in it, when the problem has a place.
    shown: Option<(Arc<Shown>, Range<usize>)>,
}

impl SuiteError {
    fn new(kind: SuiteErrorKind, path: &Path, message: impl Into<String>) -> SuiteError {
        SuiteError {
            kind,
            path: path.to_path_buf(),
            location: None,
            test: None,
            message: message.into(),
            extra: Box::default(),
        }
    }

    fn with_hint(mut self, hint: Option<String>) -> SuiteError {
        self.extra.hint = hint;
        self
    }

    /// A suggestion for the fix, when one helps.
    pub fn hint(&self) -> Option<&str> {
        self.extra.hint.as_deref()
    }

    /// The message as a diagnostic shows it: prefixed by the test's name.
    fn full_message(&self) -> String {
        match &self.test {
            Some(test) => format!("test {test:?}: {}", self.message),
            None => self.message.clone(),
        }
    }

    /// The error as a policy diagnostic, and the text it points into (the
    /// file, with lines that set keys named like secrets hidden); `None`
    /// when the error has no place in a file.
    pub fn diagnostic(&self) -> Option<(policy_lang::Diagnostic, &str)> {
        let (shown, span) = self.extra.shown.as_ref()?;
        let kind = match self.kind {
            SuiteErrorKind::Syntax => policy_lang::DiagnosticKind::Syntax,
            _ => policy_lang::DiagnosticKind::TestFile,
        };
        let diagnostic = policy_lang::Diagnostic::new(
            kind,
            &self.path.display().to_string(),
            &shown.text,
            policy_lang::Span::new(span.start, span.end),
            self.full_message(),
            self.hint(),
        );
        Some((diagnostic, shown.text.as_str()))
    }

    /// Plain rustc-style text: the message, `file:line:column`, the source
    /// line with carets, and the hint; one line when there is no place.
    pub fn render(&self) -> String {
        match self.diagnostic() {
            Some((diagnostic, text)) => diagnostic.render(text),
            None => match self.hint() {
                Some(hint) => format!("{self}\n  = help: {hint}"),
                None => self.to_string(),
            },
        }
    }
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(test) = &self.test {
            write!(f, ": test {test:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SuiteError {}

/// Every problem found in one test file (at least one), in file order.
///
/// ```
/// use policy_cli::suite;
/// let errors = suite::parse(std::path::Path::new("t.tests.toml"), r#"
/// [[test]]
/// name = "a"
/// expcet = "allow"
/// request = { principal = "user:a", action = "secrets:GetSecretValue", resource = "x" }
///
/// [[test]]
/// name = "b"
/// expect = "maybe"
/// request = { principal = "user:a", action = "secrets:GetSecretValue", resource = "x" }
/// "#).unwrap_err();
/// let places: Vec<_> = errors.iter().map(|e| e.location).collect();
/// assert_eq!(places, [Some((4, 1)), Some((9, 10))]);
/// ```
#[derive(Debug, Clone)]
pub struct SuiteErrors(Vec<SuiteError>);

impl SuiteErrors {
    /// The errors, in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, SuiteError> {
        self.0.iter()
    }
    /// How many errors there are (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Always false: there is at least one error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The errors, in file order.
    pub fn into_vec(self) -> Vec<SuiteError> {
        self.0
    }
    /// Every error drawn by [`SuiteError::render`], one after the other.
    pub fn render(&self) -> String {
        let rendered: Vec<String> = self.0.iter().map(SuiteError::render).collect();
        rendered.join("\n")
    }
}

impl From<SuiteError> for SuiteErrors {
    fn from(error: SuiteError) -> SuiteErrors {
        SuiteErrors(vec![error])
    }
}

impl<'a> IntoIterator for &'a SuiteErrors {
    type Item = &'a SuiteError;
    type IntoIter = std::slice::Iter<'a, SuiteError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for SuiteErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SuiteErrors {}

/// True when `path` is named like a test file (`*.tests.toml`).
pub fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.len() > TEST_FILE_SUFFIX.len() && n.ends_with(TEST_FILE_SUFFIX))
}

/// Every test file named or found under `paths`, sorted, without duplicates.
///
/// Directories are searched recursively, skipping hidden directories,
/// `target` and symbolic links to directories. A named file must be a test
/// file. No test file at all is not an error: the result is empty.
pub fn find_test_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else if is_test_file(path) {
            files.push(path.clone());
        } else {
            return Err(SuiteError::new(
                SuiteErrorKind::NotATestFile,
                path,
                format!("not a test file; test files are named *{TEST_FILE_SUFFIX}"),
            ));
        }
    }
    files.sort();
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), SuiteError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let skipped = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n == "target");
        if kind.is_dir() {
            if !skipped {
                walk(&path, files)?;
            }
        } else if is_test_file(&path) && path.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

/// The directory whose policies a test file runs against: its own.
pub fn policy_dir(test_file: &Path) -> PathBuf {
    match test_file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The policy files in the test file's own directory (not subdirectories):
/// `*.policy`, Vault's `*.hcl` and AWS IAM `*.json` documents, sorted; an
/// error when there are none.
pub fn policy_files_beside(test_file: &Path) -> Result<Vec<PathBuf>, SuiteError> {
    let dir = policy_dir(test_file);
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| io_error(&dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    // Vault and AWS IAM files are policies too (crate::imports); an
    // unreadable JSON file is an error, not a file left out.
    let mut kept = Vec::new();
    for path in files {
        if crate::imports::found_in_walk(&path).map_err(|e| io_error(&path, &e))? {
            kept.push(path);
        }
    }
    let mut files = kept;
    files.sort();
    if files.is_empty() {
        return Err(SuiteError::new(
            SuiteErrorKind::NoPolicies,
            test_file,
            format!(
                "no policy files (*.{POLICY_EXTENSION}) in {}; a test file runs against the policies in its own directory",
                dir.display()
            ),
        ));
    }
    Ok(files)
}

/// Compiles the policy set beside a test file. Compile errors are rendered
/// as plain text in the error's message.
pub fn compile_beside(test_file: &Path) -> Result<Engine, SuiteError> {
    let paths = policy_files_beside(test_file)?;
    let mut read = Vec::new();
    for path in &paths {
        read.push(crate::imports::Named {
            name: path.display().to_string(),
            text: read_text(path)?,
        });
    }
    let texts: Vec<(String, String)> = crate::imports::convert(read)
        .map_err(|error| {
            SuiteError::new(
                SuiteErrorKind::Compile,
                &policy_dir(test_file),
                format!("the policies cannot be imported:\n{}", error.render(false)),
            )
        })?
        .into_iter()
        .map(|n| (n.name, n.text))
        .collect();
    let sources: Vec<tessera::Source> = texts
        .iter()
        .map(|(name, text)| tessera::Source::new(name, text))
        .collect();
    Engine::compile(&sources).map_err(|error| {
        let rendered: Vec<String> = error
            .diagnostics()
            .iter()
            .map(|d| {
                let text = texts.iter().find(|(n, _)| n == d.file());
                d.render(text.map_or("", |(_, t)| t.as_str()))
            })
            .collect();
        SuiteError::new(
            SuiteErrorKind::Compile,
            &policy_dir(test_file),
            format!("the policies do not compile:\n{}", rendered.join("\n")),
        )
    })
}

/// Reads and parses one test file; every problem in it is reported.
pub fn load(path: &Path) -> Result<TestFile, SuiteErrors> {
    let text = read_text(path)?;
    parse(path, &text)
}

fn read_text(path: &Path) -> Result<String, SuiteError> {
    let size = std::fs::metadata(path)
        .map_err(|e| io_error(path, &e))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(SuiteError::new(
            SuiteErrorKind::Io,
            path,
            format!("file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    String::from_utf8(bytes).map_err(|e| {
        SuiteError::new(
            SuiteErrorKind::Io,
            path,
            format!(
                "not valid UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn io_error(path: &Path, error: &std::io::Error) -> SuiteError {
    let message = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    };
    SuiteError::new(SuiteErrorKind::Io, path, message)
}

/// Parses the text of a test file; `path` names it in errors.
///
/// Reports every problem in the file at once, each with its place: unknown
/// or missing keys, wrong types, bad values, malformed requests (in a test,
/// in `[defaults.request]` or in a fixture), unknown fixtures, expectations
/// that can never hold, and tests with the same name. Only a TOML syntax
/// error, which stops the TOML parser, is reported alone.
///
/// Each test's request is `[defaults.request]`, then the fixtures named in
/// its `use` (in order), then its own `request`, merged key by key: a later
/// table's `principal`, `action` or `resource` replaces an earlier one, and
/// `context` tables merge key by key, so the test's own keys win over its
/// fixtures', and fixtures' over the defaults.
pub fn parse(path: &Path, text: &str) -> Result<TestFile, SuiteErrors> {
    parse_inner(path, text, None)
}

/// [`load`], then [`check_statements`] against the policy set `engine`:
/// every problem is reported, those with `decided_by` entries too, even
/// in tests that have other problems.
pub fn load_against(path: &Path, engine: &Engine) -> Result<TestFile, SuiteErrors> {
    let text = read_text(path)?;
    parse_inner(path, &text, Some(engine))
}

fn parse_inner(path: &Path, text: &str, engine: Option<&Engine>) -> Result<TestFile, SuiteErrors> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let mut doc = Doc::new(path, text, &BTreeSet::new());
            let span = e.span().unwrap_or(0..0);
            doc.report(
                SuiteErrorKind::Syntax,
                span,
                None,
                invalid_toml(e.message()),
                None,
            );
            return doc.finish(Vec::new());
        }
    };
    let mut hidden = BTreeSet::new();
    for (key, value) in root.get_ref().iter() {
        secret_lines(text, key, value, &mut hidden);
    }
    let mut doc = Doc::new(path, text, &hidden);
    doc.schema = engine.and_then(Engine::schema);
    let (mut tests_value, mut defaults_value, mut fixtures_value) = (None, None, None);
    for (key, value) in root.get_ref().iter() {
        match key.get_ref().as_ref() {
            "test" => tests_value = Some(value),
            "defaults" => defaults_value = Some(value),
            "fixtures" => fixtures_value = Some(value),
            other => doc.invalid(
                key.span(),
                None,
                format!("unknown key `{other}`{}", did_you_mean(other, TOP_LEVEL_KEYS)),
                Some(
                    "a test file holds [[test]] tables, and may hold one [defaults.request] table and [fixtures.NAME] tables"
                        .to_string(),
                ),
            ),
        }
    }
    let shared = Shared {
        defaults: defaults_value.and_then(|v| doc.defaults(v)),
        fixtures: fixtures_value.map(|v| doc.fixtures(v)).unwrap_or_default(),
    };
    let mut tests = Vec::new();
    if let Some(value) = tests_value {
        match value.get_ref() {
            DeValue::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    if let Some(case) = doc.case(index, item, &shared) {
                        tests.push(case);
                    }
                }
            }
            other => doc.invalid(
                value.span(),
                None,
                format!(
                    "`test` must be an array of tables, found {}",
                    other.type_str()
                ),
                Some("write each test as a [[test]] table".to_string()),
            ),
        }
    }
    doc.check_unique_names();
    if let Some(engine) = engine {
        let found = unknown_statements(&doc.shown, path, &doc.decided_by, engine);
        doc.errors.extend(found);
    }
    doc.finish(tests)
}

fn invalid_toml(message: &str) -> String {
    let message = message.trim_end();
    format!("invalid TOML: {message}")
}

/// A test file being parsed: its path and text, for errors with locations,
/// and every error found so far.
struct Doc<'a> {
    path: &'a Path,
    text: &'a str,
    shown: Arc<Shown>,
    /// Each error with the offset it is about, to sort them into file order.
    errors: Vec<(usize, SuiteError)>,
    /// Each test's name and line, for duplicates, whether or not it has errors.
    names: Vec<(String, usize)>,
    /// Each `decided_by` entry: its test, the entry, its offset in the file
    /// and its span in the shown text.
    decided_by: Vec<DecidedBy>,
    /// The schema of the policy set, which every test's request must fit.
    schema: Option<&'a tessera::Schema>,
}

/// A `decided_by` entry and where it stands.
struct DecidedBy {
    test: String,
    entry: String,
    at: usize,
    span: Range<usize>,
}

/// The entries of one TOML table, by key.
type Entries<'t, 'i> = Vec<(
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
)>;

/// A request fragment that tests share: `[defaults.request]` or a fixture.
struct Layer<'t, 'i> {
    /// How errors name it: `defaults.request` or `fixtures.NAME`.
    name: String,
    /// Where it is.
    value: &'t Spanned<DeValue<'i>>,
    /// Its keys as JSON, without those found wrong (which are reported once,
    /// where they stand, and not again for each test that uses them).
    json: Json,
    /// True when some of its keys were wrong.
    faulty: bool,
}

/// The fragments of one file that its tests can use.
struct Shared<'t, 'i> {
    defaults: Option<Layer<'t, 'i>>,
    fixtures: BTreeMap<String, Layer<'t, 'i>>,
}

impl Doc<'_> {
    fn new<'a>(path: &'a Path, text: &'a str, hidden: &BTreeSet<usize>) -> Doc<'a> {
        Doc {
            path,
            text,
            shown: Arc::new(Shown::new(text, hidden)),
            errors: Vec::new(),
            names: Vec::new(),
            decided_by: Vec::new(),
            schema: None,
        }
    }

    /// An error about `span` of the file, not yet reported.
    fn error(
        &self,
        kind: SuiteErrorKind,
        span: Range<usize>,
        test: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> SuiteError {
        let mut error = SuiteError::new(kind, self.path, message).with_hint(hint);
        error.location = Some(line_column(self.text, span.start));
        error.test = test.map(str::to_string);
        error.extra.shown = Some((self.shown.clone(), self.shown.map(self.text, span)));
        error
    }

    fn report(
        &mut self,
        kind: SuiteErrorKind,
        span: Range<usize>,
        test: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let at = span.start;
        let error = self.error(kind, span, test, message, hint);
        self.errors.push((at, error));
    }

    fn invalid(
        &mut self,
        span: Range<usize>,
        test: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.report(SuiteErrorKind::Invalid, span, test, message, hint);
    }

    /// The file's tests when no error was found; otherwise every error, in
    /// file order, each once.
    fn finish(mut self, tests: Vec<TestCase>) -> Result<TestFile, SuiteErrors> {
        if self.errors.is_empty() {
            return Ok(TestFile {
                path: self.path.to_path_buf(),
                tests,
                shown: self.shown,
            });
        }
        self.errors.sort_by_key(|(at, _)| *at);
        let mut seen = HashSet::new();
        let errors = self
            .errors
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| seen.insert((e.location, e.test.clone(), e.message.clone())))
            .collect();
        Err(SuiteErrors(errors))
    }

    /// `[defaults]`: one `request` table.
    fn defaults<'t, 'i>(&mut self, value: &'t Spanned<DeValue<'i>>) -> Option<Layer<'t, 'i>> {
        let hint = "write [defaults.request] and the request keys every test shares under it";
        let DeValue::Table(table) = value.get_ref() else {
            self.invalid(
                value.span(),
                None,
                format!(
                    "`defaults` must be a table, found {}",
                    value.get_ref().type_str()
                ),
                Some(hint.to_string()),
            );
            return None;
        };
        let mut layer = None;
        for (key, item) in table.iter() {
            let key_text = key.get_ref().as_ref();
            if key_text == "request" {
                layer = Some(self.fragment("defaults.request".to_string(), item));
                continue;
            }
            let hint = if REQUEST_KEYS.contains(&key_text) {
                format!("write `{key_text}` under [defaults.request]")
            } else {
                hint.to_string()
            };
            self.invalid(
                key.span(),
                None,
                format!(
                    "unknown key `{key_text}` in [defaults]{}",
                    did_you_mean(key_text, ["request"])
                ),
                Some(hint),
            );
        }
        layer
    }

    /// `[fixtures]`: named request fragments.
    fn fixtures<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
    ) -> BTreeMap<String, Layer<'t, 'i>> {
        let mut fixtures = BTreeMap::new();
        let DeValue::Table(table) = value.get_ref() else {
            self.invalid(
                value.span(),
                None,
                format!(
                    "`fixtures` must be a table, found {}",
                    value.get_ref().type_str()
                ),
                Some("write each fixture as a [fixtures.NAME] table of request keys".to_string()),
            );
            return fixtures;
        };
        for (key, item) in table.iter() {
            let name = key.get_ref().to_string();
            let layer = self.fragment(format!("fixtures.{}", toml_key(&name)), item);
            fixtures.insert(name, layer);
        }
        fixtures
    }

    /// A request fragment: some of `principal`, `action`, `resource` and
    /// `context`, each checked as a request checks it.
    fn fragment<'t, 'i>(&mut self, name: String, value: &'t Spanned<DeValue<'i>>) -> Layer<'t, 'i> {
        let before = self.errors.len();
        let mut layer = Layer {
            name,
            value,
            json: Json::Object(serde_json::Map::new()),
            faulty: true,
        };
        let DeValue::Table(table) = value.get_ref() else {
            self.invalid(
                value.span(),
                None,
                format!(
                    "`{}` must be a table of request keys, found {}",
                    layer.name,
                    value.get_ref().type_str()
                ),
                Some(format!("a request holds {}", REQUEST_KEYS.join(", "))),
            );
            return layer;
        };
        let mut json = serde_json::Map::new();
        for (key, item) in table.iter() {
            let key_text = key.get_ref().as_ref();
            if !REQUEST_KEYS.contains(&key_text) {
                let hint = if key_text == "request" && layer.name.starts_with("fixtures.") {
                    "a fixture is itself a request fragment: write its keys directly under [fixtures.NAME]".to_string()
                } else {
                    format!("a request holds {}", REQUEST_KEYS.join(", "))
                };
                self.invalid(
                    key.span(),
                    None,
                    format!(
                        "unknown key `{key_text}` in `{}`{}",
                        layer.name,
                        did_you_mean(key_text, REQUEST_KEYS)
                    ),
                    Some(hint),
                );
                continue;
            }
            if let Some(item_json) = self.json_of(None, item) {
                json.insert(key_text.to_string(), item_json);
            }
        }
        let mut json = Json::Object(json);
        // Checked alone, over stand-ins for the keys it does not set; a
        // field found wrong is left out, so that it is reported once.
        let mut probe = placeholder_request();
        merge_request(&mut probe, &json);
        if let Err(errors) = request_errors(&probe) {
            for error in errors {
                if owner(&[&json], error.field()).is_none() {
                    continue;
                }
                self.request_error(None, &layer.name, value, &error);
                remove_field(&mut json, error.field());
            }
        }
        layer.json = json;
        layer.faulty = self.errors.len() > before;
        layer
    }

    fn case(
        &mut self,
        index: usize,
        item: &Spanned<DeValue<'_>>,
        shared: &Shared<'_, '_>,
    ) -> Option<TestCase> {
        let label = format!("#{}", index + 1);
        let DeValue::Table(table) = item.get_ref() else {
            self.invalid(
                item.span(),
                Some(&label),
                format!(
                    "each test must be a table, found {}",
                    item.get_ref().type_str()
                ),
                Some("write each test as a [[test]] table".to_string()),
            );
            return None;
        };
        let entries: Entries = table.iter().collect();
        let name = self.name(item.span(), &label, &entries);
        let line = line_column(self.text, item.span().start).0;
        if let Some(name) = &name {
            self.names.push((name.clone(), line));
        }
        let who = name.clone().unwrap_or(label);
        let suggested = self.reject_unknown(&who, &entries);
        let mut ok = name.is_some() && suggested.is_empty();
        let expect = match find(&entries, "expect") {
            Some(value) => self.outcome(&who, value),
            None => {
                // A misspelt `expect` is reported once, as an unknown key.
                if !suggested.contains(&"expect") {
                    self.invalid(
                        item.span(),
                        Some(&who),
                        "missing `expect`",
                        Some("write expect = \"allow\" or expect = \"deny\"".to_string()),
                    );
                }
                None
            }
        };
        let reason = match find(&entries, "reason") {
            Some(value) => {
                let reason = self.reason(&who, value);
                ok &= reason.is_some();
                reason
            }
            None => None,
        };
        let decided_by = match find(&entries, "decided_by") {
            Some(value) => {
                let decided_by = self.decided_by(&who, value);
                ok &= decided_by.is_some();
                decided_by
            }
            None => None,
        };
        if let Some((names, spans)) = &decided_by {
            for (entry, span) in names.iter().zip(spans) {
                self.decided_by.push(DecidedBy {
                    test: who.clone(),
                    entry: entry.clone(),
                    at: span.start,
                    span: self.shown.map(self.text, span.clone()),
                });
            }
        }
        if let Some(expect) = expect {
            let names = decided_by.as_ref().map(|(names, _)| names.as_slice());
            ok &= self.check_consistent(&who, &entries, expect, reason, names);
        }
        // A fixture that cannot be found leaves the request incomplete: its
        // own fields are still checked, and what it lacks is not reported.
        let (uses, complete) = self.uses(&who, &entries, shared);
        let request =
            self.test_request(&who, item, &entries, shared, (&uses, complete), &suggested);
        let (expect, (request, request_json)) = (expect?, request?);
        if !ok {
            return None;
        }
        let (decided_by, decided_by_spans) = match decided_by {
            Some((names, places)) => (
                Some(names),
                places
                    .into_iter()
                    .map(|span| self.shown.map(self.text, span))
                    .collect(),
            ),
            None => (None, Vec::new()),
        };
        Some(TestCase {
            name: who,
            line,
            request,
            request_json,
            expect,
            reason,
            decided_by,
            decided_by_spans,
        })
    }

    fn name(&mut self, span: Range<usize>, label: &str, entries: &Entries) -> Option<String> {
        let Some(value) = find(entries, "name") else {
            self.invalid(
                span,
                Some(label),
                "missing `name`",
                Some("give each test a name = \"what it checks\"".to_string()),
            );
            return None;
        };
        match value.get_ref() {
            DeValue::String(name) if !name.trim().is_empty() => Some(name.to_string()),
            DeValue::String(_) => {
                self.invalid(value.span(), Some(label), "`name` may not be empty", None);
                None
            }
            other => {
                self.invalid(
                    value.span(),
                    Some(label),
                    format!("`name` must be a string, found {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    /// Reports every unknown key of a test; returns the keys suggested for
    /// them ("did you mean"), and `"?"` for an unknown key with no suggestion.
    fn reject_unknown(&mut self, name: &str, entries: &Entries) -> Vec<&'static str> {
        let mut suggested = Vec::new();
        for (key, _) in entries {
            let key_text = key.get_ref().as_ref();
            if TEST_KEYS.contains(&key_text) {
                continue;
            }
            let close = closest(key_text, TEST_KEYS);
            suggested.push(close.unwrap_or("?"));
            let hint = if REQUEST_KEYS.contains(&key_text) {
                format!(
                    "request keys go in the test's request: write [test.request] and `{key_text}` under it"
                )
            } else {
                format!("a test holds {}", TEST_KEYS.join(", "))
            };
            self.invalid(
                key.span(),
                Some(name),
                format!(
                    "unknown key `{key_text}`{}",
                    close.map_or_else(String::new, |k| format!(" (did you mean `{k}`?)"))
                ),
                Some(hint),
            );
        }
        suggested
    }

    fn string<'v>(
        &mut self,
        name: &str,
        key: &str,
        value: &'v Spanned<DeValue<'_>>,
    ) -> Option<&'v str> {
        let text = value.get_ref().as_str();
        if text.is_none() {
            self.invalid(
                value.span(),
                Some(name),
                format!(
                    "`{key}` must be a string, found {}",
                    value.get_ref().type_str()
                ),
                None,
            );
        }
        text
    }

    fn outcome(&mut self, name: &str, value: &Spanned<DeValue<'_>>) -> Option<Outcome> {
        match self.string(name, "expect", value)? {
            "allow" => Some(Outcome::Allow),
            "deny" => Some(Outcome::Deny),
            other => {
                self.invalid(
                    value.span(),
                    Some(name),
                    format!("`expect` must be \"allow\" or \"deny\", found {other:?}"),
                    None,
                );
                None
            }
        }
    }

    fn reason(&mut self, name: &str, value: &Spanned<DeValue<'_>>) -> Option<Reason> {
        let text = self.string(name, "reason", value)?;
        let reason = parse_reason(text).filter(|r| *r != Reason::AuditFailed);
        if reason.is_none() {
            self.invalid(
                value.span(),
                Some(name),
                format!(
                    "`reason` must be \"allowed\", \"explicit_deny\" or \"no_statement_applied\", found {text:?}"
                ),
                closest(text, ["allowed", "explicit_deny", "no_statement_applied"])
                    .map(|r| format!("did you mean `{r}`?")),
            );
        }
        reason
    }

    /// The entries of `decided_by` and their places; every bad entry is reported.
    fn decided_by(
        &mut self,
        name: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<(Vec<String>, Vec<Range<usize>>)> {
        let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
            DeValue::String(_) => vec![value],
            DeValue::Array(items) => items.iter().collect(),
            other => {
                self.invalid(
                    value.span(),
                    Some(name),
                    format!(
                        "`decided_by` must be a string or an array of strings, found {}",
                        other.type_str()
                    ),
                    None,
                );
                return None;
            }
        };
        let mut names = Vec::new();
        let mut spans = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(text) = self.string(name, "decided_by", item) else {
                ok = false;
                continue;
            };
            if text.is_empty() {
                self.invalid(
                    item.span(),
                    Some(name),
                    "a `decided_by` entry may not be empty",
                    None,
                );
                ok = false;
            } else if !names.iter().any(|n| n == text) {
                names.push(text.to_string());
                spans.push(item.span());
            }
        }
        ok.then_some((names, spans))
    }

    /// Reports expectations no decision can meet; false when there was one.
    fn check_consistent(
        &mut self,
        name: &str,
        entries: &Entries,
        expect: Outcome,
        reason: Option<Reason>,
        decided_by: Option<&[String]>,
    ) -> bool {
        let span = |key: &str| find(entries, key).map_or(0..0, |v| v.span());
        if let Some(reason) = reason
            && outcome_of(reason) != expect
        {
            self.invalid(
                span("reason"),
                Some(name),
                format!(
                    "reason {:?} contradicts expect = {:?}; the test could never pass",
                    reason_name(reason),
                    outcome_name(expect)
                ),
                None,
            );
            return false;
        }
        let Some(decided_by) = decided_by else {
            return true;
        };
        let problem = if decided_by.is_empty() && expect == Outcome::Allow {
            Some(
                "an allowed request is always decided by at least one statement; `decided_by` may not be empty",
            )
        } else if !decided_by.is_empty() && reason == Some(Reason::NoStatementApplied) {
            Some(
                "reason \"no_statement_applied\" means no statement decided; `decided_by` must be empty",
            )
        } else {
            None
        };
        match problem {
            Some(message) => {
                self.invalid(span("decided_by"), Some(name), message, None);
                false
            }
            None => true,
        }
    }

    /// The fixtures a test names in `use` that exist, in order, and whether
    /// that is all of them (false after an error, which is reported).
    fn uses<'s, 't, 'i>(
        &mut self,
        name: &str,
        entries: &Entries,
        shared: &'s Shared<'t, 'i>,
    ) -> (Vec<&'s Layer<'t, 'i>>, bool) {
        let Some(value) = find(entries, "use") else {
            return (Vec::new(), true);
        };
        let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
            DeValue::String(_) => vec![value],
            DeValue::Array(items) => items.iter().collect(),
            other => {
                self.invalid(
                    value.span(),
                    Some(name),
                    format!(
                        "`use` must be a fixture's name or an array of them, found {}",
                        other.type_str()
                    ),
                    None,
                );
                return (Vec::new(), false);
            }
        };
        let mut layers = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(fixture) = self.string(name, "use", item) else {
                ok = false;
                continue;
            };
            match shared.fixtures.get(fixture) {
                Some(layer) => layers.push(layer),
                None => {
                    ok = false;
                    let known: Vec<&str> = shared.fixtures.keys().map(String::as_str).collect();
                    let hint = if known.is_empty() {
                        format!(
                            "this file defines no fixtures; define one as a [fixtures.{}] table of request keys",
                            toml_key(fixture)
                        )
                    } else {
                        format!("the fixtures of this file are {}", known.join(", "))
                    };
                    self.invalid(
                        item.span(),
                        Some(name),
                        format!(
                            "no fixture named `{fixture}`{}",
                            did_you_mean(fixture, known.iter().copied())
                        ),
                        Some(hint),
                    );
                }
            }
        }
        (layers, ok)
    }

    /// The test's request, merged from the defaults, the fixtures it uses
    /// and its own `request`, and checked; every problem is reported. When
    /// `uses` is not `complete` (a fixture named in `use` was not found),
    /// the parts there are are checked, nothing is reported missing, and
    /// there is no request.
    fn test_request(
        &mut self,
        name: &str,
        item: &Spanned<DeValue<'_>>,
        entries: &Entries,
        shared: &Shared<'_, '_>,
        (uses, complete): (&[&Layer<'_, '_>], bool),
        suggested: &[&str],
    ) -> Option<(Request, Json)> {
        let own = find(entries, "request");
        if let Some(value) = own
            && !value.get_ref().is_table()
        {
            self.invalid(
                value.span(),
                Some(name),
                format!(
                    "`request` must be a table, found {}",
                    value.get_ref().type_str()
                ),
                None,
            );
            return None;
        }
        let layers: Vec<&Layer> = shared.defaults.iter().chain(uses.iter().copied()).collect();
        if own.is_none() && layers.is_empty() {
            if complete && !suggested.contains(&"request") {
                self.invalid(
                    item.span(),
                    Some(name),
                    "missing `request`",
                    Some(
                        "add a [test.request] table, or share one with [defaults.request] or a fixture"
                            .to_string(),
                    ),
                );
            }
            return None;
        }
        let before = self.errors.len();
        let own_json = match own {
            Some(value) => Some(self.json_of(Some(name), value)?),
            None => None,
        };
        let mut merged = Json::Object(serde_json::Map::new());
        let mut jsons: Vec<&Json> = Vec::new();
        for layer in &layers {
            merge_request(&mut merged, &layer.json);
            jsons.push(&layer.json);
        }
        if let Some(json) = &own_json {
            merge_request(&mut merged, json);
            jsons.push(json);
        }
        // A shared fragment found wrong was reported where it stands; what
        // it lacks now (a field left out) is not reported again here.
        let quiet = !complete || layers.iter().any(|l| l.faulty);
        // The whole request (defaults and fixtures merged) fits the schema.
        let checked = request_errors(&merged).and_then(|request| match self.schema {
            Some(schema) => {
                let errors = schema.request_errors(&request);
                if errors.is_empty() {
                    Ok(request)
                } else {
                    Err(errors)
                }
            }
            None => Ok(request),
        });
        match checked {
            Ok(request) if complete && self.errors.len() == before => Some((request, merged)),
            Ok(_) => None,
            Err(errors) => {
                for error in errors {
                    match owner(&jsons, error.field()) {
                        Some(i) if i < layers.len() => {
                            let layer = layers[i];
                            self.request_error(None, &layer.name, layer.value, &error);
                        }
                        Some(_) => {
                            if let Some(value) = own {
                                self.request_error(Some(name), "request", value, &error);
                            }
                        }
                        None if quiet => {}
                        None => {
                            let span = own.map_or_else(|| item.span(), |v| v.span());
                            let field = join_field("request", error.field());
                            self.report(
                                SuiteErrorKind::Request,
                                span,
                                Some(name),
                                format!("invalid request: {field}: {}", error.message()),
                                None,
                            );
                        }
                    }
                }
                None
            }
        }
    }

    /// Reports a request error about a field of `value` (a test's request,
    /// `[defaults.request]` or a fixture, named `prefix` in the message).
    fn request_error(
        &mut self,
        test: Option<&str>,
        prefix: &str,
        value: &Spanned<DeValue<'_>>,
        error: &tessera::RequestError,
    ) {
        let field = join_field(prefix, error.field());
        let hint = match error.kind() {
            // A schema's errors carry their own suggestion.
            tessera::RequestErrorKind::UnknownField
                if !error.message().contains("did you mean") =>
            {
                let word = error.field().rsplit('.').next().unwrap_or("");
                let known: &[&str] = if error.field().starts_with("principal.") {
                    &["id", "groups", "tags"]
                } else if error.field().starts_with("resource.") {
                    &["path", "tags"]
                } else {
                    &REQUEST_KEYS
                };
                closest(word, known.iter().copied()).map(|k| format!("did you mean `{k}`?"))
            }
            _ => None,
        };
        self.report(
            SuiteErrorKind::Request,
            field_span(value, error.field()),
            test,
            format!("invalid request: {field}: {}", error.message()),
            hint,
        );
    }

    /// A TOML value as JSON: datetimes become RFC 3339 strings. A value
    /// that has no JSON form is reported and left out.
    fn json_of(&mut self, name: Option<&str>, value: &Spanned<DeValue<'_>>) -> Option<Json> {
        let bad = |doc: &mut Self, what: &str| {
            doc.report(
                SuiteErrorKind::Request,
                value.span(),
                name,
                what.to_string(),
                None,
            );
        };
        Some(match value.get_ref() {
            DeValue::String(s) => Json::String(s.to_string()),
            DeValue::Boolean(b) => Json::Bool(*b),
            DeValue::Datetime(d) => Json::String(rfc3339(d)),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Json::from(n),
                Err(_) => {
                    bad(self, "integer out of range");
                    return None;
                }
            },
            DeValue::Float(f) => match f
                .as_str()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Some(n) => Json::Number(n),
                None => {
                    bad(self, "a request number must be finite");
                    return None;
                }
            },
            DeValue::Array(items) => Json::Array(
                items
                    .iter()
                    .filter_map(|item| self.json_of(name, item))
                    .collect(),
            ),
            DeValue::Table(table) => {
                let mut object = serde_json::Map::new();
                for (key, item) in table.iter() {
                    if let Some(json) = self.json_of(name, item) {
                        object.insert(key.get_ref().to_string(), json);
                    }
                }
                Json::Object(object)
            }
        })
    }

    /// Reports every test that repeats an earlier test's name.
    fn check_unique_names(&mut self) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut repeated = Vec::new();
        for (name, line) in &self.names {
            match seen.get(name.as_str()) {
                Some(first) => repeated.push((name.clone(), *line, *first)),
                None => {
                    seen.insert(name, *line);
                }
            }
        }
        for (name, line, first) in repeated {
            let start = line_start(self.text, line);
            self.invalid(
                start..start,
                Some(&name),
                format!("a second test has this name (the first is on line {first}); test names must be unique within a file"),
                Some("rename one of them".to_string()),
            );
        }
    }
}

/// A request's field under `prefix`: `request.context.source_ip`.
fn join_field(prefix: &str, field: &str) -> String {
    if field.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// A TOML key as written in a table header: bare when it can be.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

/// Stand-ins for the required keys, under a fragment checked alone.
fn placeholder_request() -> Json {
    serde_json::json!({"principal": "user:placeholder", "action": "placeholder", "resource": "placeholder"})
}

/// Merges `layer` into `base`: its `principal`, `action` and `resource`
/// replace those of `base`; a `context` table merges key by key.
fn merge_request(base: &mut Json, layer: &Json) {
    let (Some(base), Some(layer)) = (base.as_object_mut(), layer.as_object()) else {
        return;
    };
    for (key, value) in layer {
        match (key.as_str(), base.get_mut(key), value) {
            ("context", Some(Json::Object(into)), Json::Object(from)) => {
                for (k, v) in from {
                    into.insert(k.clone(), v.clone());
                }
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The last of `layers` (the one that wins) that sets the field a request
/// error names; `None` when none sets it (a missing field).
fn owner(layers: &[&Json], field: &str) -> Option<usize> {
    let top = field.split(['.', '[']).next().unwrap_or("");
    for (i, layer) in layers.iter().enumerate().rev() {
        let Some(object) = layer.as_object() else {
            continue;
        };
        if let Some(rest) = field.strip_prefix("context.") {
            match object.get("context") {
                Some(Json::Object(context)) => {
                    let first = rest.split(['.', '[']).next().unwrap_or("");
                    if context.contains_key(rest) || context.contains_key(first) {
                        return Some(i);
                    }
                    continue;
                }
                Some(_) => return Some(i),
                None => continue,
            }
        }
        if object.contains_key(top) {
            return Some(i);
        }
    }
    None
}

/// Removes the field a request error names (for an item of a list, the
/// whole list); false when it is not there.
fn remove_field(request: &mut Json, field: &str) -> bool {
    let Some(object) = request.as_object_mut() else {
        return false;
    };
    if let Some(rest) = field.strip_prefix("context.")
        && let Some(Json::Object(context)) = object.get_mut("context")
        && context.remove(rest).is_some()
    {
        return true;
    }
    let path = field.split('[').next().unwrap_or("");
    let mut segments: Vec<&str> = path.split('.').collect();
    let Some(last) = segments.pop() else {
        return false;
    };
    let mut current = object;
    for segment in segments {
        match current.get_mut(segment) {
            Some(Json::Object(next)) => current = next,
            _ => return false,
        }
    }
    current.remove(last).is_some()
}

/// At most this many errors are found in one request.
const MAX_REQUEST_ERRORS: usize = 32;

/// The request, or every problem with it: after each error the field at
/// fault is left out (a required one replaced by a stand-in) and the
/// request checked again.
fn request_errors(json: &Json) -> Result<Request, Vec<tessera::RequestError>> {
    const REQUIRED: [&str; 5] = [
        "principal",
        "action",
        "resource",
        "principal.id",
        "resource.path",
    ];
    let mut probe = json.clone();
    let mut errors: Vec<tessera::RequestError> = Vec::new();
    while errors.len() < MAX_REQUEST_ERRORS {
        let error = match Request::from_value(&probe) {
            Ok(request) if errors.is_empty() => return Ok(request),
            Ok(_) => break,
            Err(error) => error,
        };
        let field = error.field().to_string();
        if field.is_empty() || errors.iter().any(|e| e.field() == field) {
            if errors.is_empty() {
                errors.push(error);
            }
            break;
        }
        errors.push(error);
        let fixed = if REQUIRED.contains(&field.as_str()) {
            set_field(&mut probe, &field, Json::from("placeholder"))
        } else {
            remove_field(&mut probe, &field)
        };
        if !fixed {
            break;
        }
    }
    Err(errors)
}

/// Sets a field (`action`, `principal.id`) of a request object.
fn set_field(request: &mut Json, field: &str, value: Json) -> bool {
    let (parent, key) = match field.split_once('.') {
        Some((parent, key)) => (Some(parent), key),
        None => (None, field),
    };
    let Some(mut object) = request.as_object_mut() else {
        return false;
    };
    if let Some(parent) = parent {
        match object.get_mut(parent) {
            Some(Json::Object(inner)) => object = inner,
            _ => return false,
        }
    }
    object.insert(key.to_string(), value);
    true
}

fn find<'t, 'i>(entries: &Entries<'t, 'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
    entries
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| *v)
}

/// The span of the deepest part of `field` (`context.source_ip`,
/// `principal.groups[1]`) found in the request table.
fn field_span(request: &Spanned<DeValue<'_>>, field: &str) -> Range<usize> {
    if let Some(rest) = field.strip_prefix("context.")
        && let Some(value) = request
            .get_ref()
            .get("context")
            .and_then(|c| c.get_ref().get(rest))
    {
        return value.span();
    }
    let mut current = request;
    for segment in field.split('.').filter(|s| !s.is_empty()) {
        let (key, index) = match segment.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some(next) = current.get_ref().get(key) else {
            break;
        };
        current = next;
        if let Some(item) = index.and_then(|i| current.get_ref().get(i)) {
            current = item;
        }
    }
    current.span()
}

/// Adds to `lines` every line (from 1) that holds the value of a key named
/// like a secret ([`tessera::audit::looks_secret`]), at any depth.
fn secret_lines(
    text: &str,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    lines: &mut BTreeSet<usize>,
) {
    if tessera::audit::looks_secret(key.get_ref()) {
        let first = line_column(text, key.span().start.min(value.span().start)).0;
        let last = line_column(text, value.span().end.saturating_sub(1)).0;
        lines.extend(first..=last.max(first));
    }
    match value.get_ref() {
        DeValue::Table(table) => {
            for (k, v) in table.iter() {
                secret_lines(text, k, v, lines);
            }
        }
        DeValue::Array(items) => {
            for item in items {
                if let DeValue::Table(table) = item.get_ref() {
                    for (k, v) in table.iter() {
                        secret_lines(text, k, v, lines);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A test file's text as errors show it: each line that sets a key named
/// like a secret replaced by [`HIDDEN_LINE`] (padded with spaces to the
/// line's length, so that columns still count the same).
#[derive(Debug)]
struct Shown {
    text: String,
    /// Where each line starts, in the file and in `text`, and whether it is hidden.
    lines: Vec<(usize, usize, bool)>,
}

impl Shown {
    fn new(text: &str, hidden: &BTreeSet<usize>) -> Shown {
        let mut shown = Shown {
            text: String::with_capacity(text.len()),
            lines: Vec::new(),
        };
        let mut start = 0;
        for (index, line) in text.split_inclusive('\n').enumerate() {
            let body = line.trim_end_matches(['\n', '\r']);
            let hide = hidden.contains(&(index + 1)) || sets_secret(body);
            shown.lines.push((start, shown.text.len(), hide));
            if hide {
                let width = body.chars().count().max(HIDDEN_LINE.len());
                shown.text.push_str(&format!("{HIDDEN_LINE:<width$}"));
                shown.text.push_str(&line[body.len()..]);
            } else {
                shown.text.push_str(line);
            }
            start += line.len();
        }
        shown
    }

    /// The span of `text` (the file) as a span of the shown text, ending
    /// on the line it starts on.
    fn map(&self, text: &str, span: Range<usize>) -> Range<usize> {
        let start = span.start.min(text.len());
        let index = self
            .lines
            .partition_point(|(s, _, _)| *s <= start)
            .saturating_sub(1);
        let Some(&(line_start, shown_start, hidden)) = self.lines.get(index) else {
            return self.text.len()..self.text.len();
        };
        let line_end = text
            .get(line_start..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |i| line_start + i);
        let end = span.end.clamp(start, line_end);
        let at = |offset: usize| {
            if !hidden {
                return shown_start + (offset - line_start);
            }
            let column = text
                .get(line_start..offset)
                .map_or(0, |s| s.chars().count());
            let shown_line = self.text.get(shown_start..).unwrap_or("");
            shown_start
                + shown_line
                    .char_indices()
                    .nth(column)
                    .map_or(shown_line.len(), |(i, _)| i)
        };
        let (a, b) = (at(start), at(end));
        a..b.max(a)
    }
}

/// The byte offset where line `line` (from 1) starts.
fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// A TOML datetime as RFC 3339: `T` between date and time, seconds always written.
fn rfc3339(datetime: &toml::value::Datetime) -> String {
    let mut out = String::new();
    if let Some(date) = &datetime.date {
        out.push_str(&date.to_string());
    }
    if let Some(time) = &datetime.time {
        if datetime.date.is_some() {
            out.push('T');
        }
        let second = toml::value::Time {
            second: Some(time.second.unwrap_or(0)),
            ..*time
        };
        out.push_str(&second.to_string());
    }
    if let Some(offset) = &datetime.offset {
        out.push_str(&offset.to_string());
    }
    out
}

/// Line and column (both from 1, the column in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// What an error shows in place of a source line that sets a key named
/// like a secret.
const HIDDEN_LINE: &str = "[line not shown: it sets a key named like a secret]";

/// True when a line of TOML sets a key that looks like a secret
/// ([`tessera::audit::looks_secret`]): `session_token = ...`,
/// `tags = { "X-Api-Key" = ... }`, `context.password = ...`. A key is the
/// text before an `=` outside strings, back to the line's start, a `{`, a
/// `[` or a `,`.
fn sets_secret(line: &str) -> bool {
    let mut key_start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' => break,
                '{' | '[' | ',' => key_start = at + 1,
                '=' => {
                    if line
                        .get(key_start..at)
                        .is_some_and(tessera::audit::looks_secret)
                    {
                        return true;
                    }
                    key_start = at + 1;
                }
                _ => {}
            },
        }
    }
    false
}

/// The request as `policy test` prints it: `request_json` with the values of
/// custom context keys and tags named like secrets
/// ([`tessera::audit::looks_secret`]) replaced by
/// [`tessera::audit::MASKED`], as audit records and explanations show them.
///
/// ```
/// let request = serde_json::json!({
///     "principal": {"id": "user:ann", "tags": {"team": "db", "api_key": "k-123"}},
///     "action": "secrets:GetSecretValue",
///     "resource": "app/db",
///     "context": {"session_token": "ghp_123", "ticket": "OPS-7"},
/// });
/// let shown = policy_cli::suite::masked_request(&request);
/// assert_eq!(shown["context"]["session_token"], "[masked]");
/// assert_eq!(shown["context"]["ticket"], "OPS-7");
/// assert_eq!(shown["principal"]["tags"]["api_key"], "[masked]");
/// assert_eq!(shown["principal"]["tags"]["team"], "db");
/// ```
pub fn masked_request(request_json: &Json) -> Json {
    let mut shown = request_json.clone();
    let mask = |map: Option<&mut Json>| {
        if let Some(Json::Object(map)) = map {
            for (key, value) in map.iter_mut() {
                if tessera::audit::looks_secret(key) {
                    *value = Json::from(tessera::audit::MASKED);
                }
            }
        }
    };
    mask(shown.get_mut("context"));
    mask(shown.pointer_mut("/principal/tags"));
    mask(shown.pointer_mut("/resource/tags"));
    shown
}

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: at most a third of its length in edits (and at least two), where
/// swapping two neighbours counts as one edit.
fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|(d, c)| *d <= limit && *d < c.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `expect`?)` when `word` is a small typo of a known name.
fn did_you_mean<'c>(word: &str, known: impl IntoIterator<Item = &'c str>) -> String {
    closest(word, known).map_or_else(String::new, |k| format!(" (did you mean `{k}`?)"))
}

/// Checks a test file against the policy set it runs against: every
/// `decided_by` entry must name a statement of the set, as
/// `policy/statement` or a bare `statement`. Returns an error, with the
/// nearest statement's name, for each that names none.
///
/// ```
/// use policy_cli::suite;
/// let file = suite::parse(std::path::Path::new("t.tests.toml"), r#"
/// [[test]]
/// name = "reads"
/// expect = "allow"
/// decided_by = "read-strip-key"
/// request = { principal = "user:a", action = "secrets:GetSecretValue", resource = "x" }
/// "#)?;
/// let engine = tessera::Engine::compile_str("p.policy", r#"policy "p" {
///   allow "read-stripe-key" { principal * action * resource * }
/// }"#)?;
/// let errors = suite::check_statements(&file, &engine);
/// assert_eq!(errors[0].location, Some((5, 14)));
/// assert!(errors[0].message.contains("did you mean `read-stripe-key`?"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_statements(file: &TestFile, engine: &Engine) -> Vec<SuiteError> {
    let entries: Vec<DecidedBy> = file
        .tests
        .iter()
        .flat_map(|case| {
            let entries = case.decided_by.iter().flatten();
            entries
                .zip(&case.decided_by_spans)
                .map(|(entry, span)| DecidedBy {
                    test: case.name.clone(),
                    entry: entry.clone(),
                    at: span.start,
                    span: span.clone(),
                })
        })
        .collect();
    unknown_statements(&file.shown, &file.path, &entries, engine)
        .into_iter()
        .map(|(_, e)| e)
        .collect()
}

/// An error for each entry that names no statement of `engine`'s set.
fn unknown_statements(
    shown: &Arc<Shown>,
    path: &Path,
    entries: &[DecidedBy],
    engine: &Engine,
) -> Vec<(usize, SuiteError)> {
    let mut names: Vec<String> = Vec::new();
    for statement in engine.statements() {
        names.push(format!("{}/{}", statement.policy, statement.statement));
        names.push(statement.statement.to_string());
    }
    names.sort();
    names.dedup();
    let mut errors = Vec::new();
    for found in entries {
        if names.binary_search(&found.entry).is_ok() {
            continue;
        }
        let mut error = SuiteError::new(
            SuiteErrorKind::Invalid,
            path,
            format!(
                "`decided_by` names no statement of the policy set: `{}`{}",
                found.entry,
                did_you_mean(&found.entry, names.iter().map(String::as_str))
            ),
        )
        .with_hint(Some(
            "name a statement as `policy/statement` or by its bare name".to_string(),
        ));
        error.location = Some(shown.location(found.span.start));
        error.test = Some(found.test.clone());
        error.extra.shown = Some((shown.clone(), found.span.clone()));
        errors.push((found.at, error));
    }
    errors
}

impl Shown {
    /// Line and column (from 1) of an offset of the shown text.
    fn location(&self, offset: usize) -> (usize, usize) {
        line_column(&self.text, offset)
    }
}

/// The statements of a policy set whose conditions read the clock (`time`,
/// `time_of_day` or `weekday`), found in the policies' syntax trees.
#[derive(Debug, Clone, Default)]
pub struct ClockReaders {
    /// `(policy, statement)` and the clock keys it reads, in the order read.
    statements: HashMap<(String, String), Vec<&'static str>>,
}

impl ClockReaders {
    /// The statements of the policy sources (`(name, text)`) that read the
    /// clock. Sources that do not parse add none (they do not compile either).
    pub fn new(sources: &[(&str, &str)]) -> ClockReaders {
        let mut readers = ClockReaders::default();
        let Ok(files) = policy_lang::parse_set(sources) else {
            return readers;
        };
        for policy in files.iter().flat_map(|f| &f.policies) {
            for statement in &policy.statements {
                let mut keys = Vec::new();
                for block in &statement.conditions {
                    for expr in &block.exprs {
                        clock_keys(expr, &mut keys);
                    }
                }
                if !keys.is_empty() {
                    readers
                        .statements
                        .insert((policy.name.clone(), statement.name.clone()), keys);
                }
            }
        }
        readers
    }

    /// The clock keys `statement` reads; empty when it reads none.
    pub fn keys(&self, statement: &StatementRef<'_>) -> &[&'static str] {
        self.statements
            .get(&(
                statement.policy.to_string(),
                statement.statement.to_string(),
            ))
            .map_or(&[], Vec::as_slice)
    }

    /// True when no statement reads the clock.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

/// Adds the clock keys `expr` reads to `keys`, each once.
fn clock_keys(expr: &policy_lang::Expr, keys: &mut Vec<&'static str>) {
    use policy_lang::{ExprKind, KeyPath};
    let mut add = |path: &KeyPath| {
        let key = match path {
            KeyPath::Time => "time",
            KeyPath::TimeOfDay => "time_of_day",
            KeyPath::Weekday => "weekday",
            _ => return,
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    };
    match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => {
            for item in items {
                clock_keys(item, keys);
            }
        }
        ExprKind::Not(inner) | ExprKind::Group(inner) => clock_keys(inner, keys),
        ExprKind::Has(key) | ExprKind::Truthy(key) => add(&key.path),
        ExprKind::Compare(comparison) => add(&comparison.key.path),
        ExprKind::Quantified(q) => add(&q.comparison.key.path),
        ExprKind::CompareKeys(c) => {
            add(&c.left.path);
            add(&c.right.path);
        }
    }
}

/// The custom attributes the statements of a policy set read (in
/// conditions and `${...}` variables), to tell a request key that no
/// statement reads but that looks like one they do (`sourceip` for
/// `source_ip`, `incidnet` for `incident`).
#[derive(Debug, Clone, Default)]
pub struct KeysRead {
    /// `("context" | "principal.tags" | "resource.tags", name)`.
    custom: BTreeSet<(&'static str, String)>,
}

/// The request's own context fields, which a custom key may be a misspelling of.
const CONTEXT_FIELDS: [&str; 5] = [
    "source_ip",
    "mfa",
    "mfa_age_seconds",
    "version_stage",
    "time",
];

impl KeysRead {
    /// The keys read by the policy sources (`(name, text)`). Sources that do
    /// not parse add none (they do not compile either).
    pub fn new(sources: &[(&str, &str)]) -> KeysRead {
        use policy_lang::{ExprKind, Key, KeyPath};
        fn add(read: &mut KeysRead, key: &Key) {
            // A nested attribute is the request's top-level member it
            // starts at: that is the key a request sends.
            let entry = match &key.path {
                KeyPath::Context(path) => ("context", &path.first().to_string()),
                KeyPath::PrincipalTag(name) => ("principal.tags", name),
                KeyPath::ResourceTag(name) => ("resource.tags", name),
                _ => return,
            };
            read.custom.insert((entry.0, entry.1.clone()));
        }
        fn walk(read: &mut KeysRead, expr: &policy_lang::Expr) {
            match &expr.kind {
                ExprKind::And(items) | ExprKind::Or(items) => {
                    items.iter().for_each(|e| walk(read, e))
                }
                ExprKind::Not(inner) | ExprKind::Group(inner) => walk(read, inner),
                ExprKind::Has(key) | ExprKind::Truthy(key) => add(read, key),
                ExprKind::Compare(comparison) => add(read, &comparison.key),
                ExprKind::Quantified(q) => add(read, &q.comparison.key),
                ExprKind::CompareKeys(c) => {
                    add(read, &c.left);
                    add(read, &c.right);
                }
            }
        }
        let mut read = KeysRead::default();
        let Ok(files) = policy_lang::parse_set(sources) else {
            return read;
        };
        for statement in files
            .iter()
            .flat_map(|f| &f.policies)
            .flat_map(|p| &p.statements)
        {
            for expr in statement.conditions.iter().flat_map(|b| &b.exprs) {
                walk(&mut read, expr);
            }
            for key in statement
                .resource
                .patterns
                .iter()
                .flat_map(|p| p.variables())
            {
                add(&mut read, key);
            }
        }
        read
    }

    /// A warning for each custom attribute of the test's request that no
    /// statement reads and that is near-identical to one they do read (or,
    /// in the context, to one of the request's own fields): the policies
    /// never see it, so the test passes or fails for another reason than
    /// the one it was written for.
    pub fn unread(&self, path: &Path, case: &TestCase) -> Vec<String> {
        let request = &case.request;
        let given = request
            .context
            .attributes
            .keys()
            .map(|k| ("context", k))
            .chain(request.principal.tags.keys().map(|k| ("principal.tags", k)))
            .chain(request.resource.tags.keys().map(|k| ("resource.tags", k)));
        let mut warnings = Vec::new();
        for (kind, name) in given {
            if self.custom.contains(&(kind, name.clone())) {
                continue;
            }
            let read = self
                .custom
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, n)| (n.as_str(), format!("{kind}.{n}")));
            let fields = CONTEXT_FIELDS
                .iter()
                .filter(|_| kind == "context")
                .map(|f| (*f, format!("the context field `{f}`")));
            let Some((_, meant)) = read
                .chain(fields)
                .find(|(candidate, _)| near_identical(name, candidate))
            else {
                continue;
            };
            let meant = if meant.starts_with("the ") {
                meant
            } else {
                format!("`{meant}`")
            };
            warnings.push(format!(
                "{}:{}: test {:?}: the request's `{kind}.{name}` is read by no statement; did you mean {meant}? The policies never see this value, so the test may pass or fail for another reason than the one it was written for",
                path.display(),
                case.line,
                case.name,
            ));
        }
        warnings
    }
}

/// True when two attribute names are most likely one name, one of them
/// misspelt: the same but for case, `_` and `-`; or one edit apart (two
/// for names of eight characters or more), a swap of neighbours counting
/// as one, unless they differ only in digits (`zone1`, `zone2`).
pub fn near_identical(a: &str, b: &str) -> bool {
    let plain = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    if a == b {
        return false;
    }
    if plain(a) == plain(b) {
        return true;
    }
    let letters = |s: &str| -> String { s.chars().filter(|c| !c.is_ascii_digit()).collect() };
    if letters(a) == letters(b) {
        return false;
    }
    let allowed = match a.chars().count().min(b.chars().count()) {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    strsim::osa_distance(a, b) <= allowed
}

/// A test whose expectation depends on the clock: a statement that reads
/// it could decide the test's request, and the request pins no time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockDependence {
    /// The statement, as `policy/statement`.
    pub statement: String,
    /// The clock keys it reads: `time`, `time_of_day`, `weekday`.
    pub keys: Vec<&'static str>,
}

/// The statements that make a test's outcome depend on when it runs.
///
/// A test depends on the clock when its request carries no `context.time`
/// (it is decided at the current time) and a statement whose conditions
/// read `time`, `time_of_day` or `weekday` matches the request's principal,
/// action and resource: whether that statement applies, and so possibly the
/// decision, its reason or its determining statements, changes with the
/// time of day, the weekday or the date. An allow is left out when a deny
/// that does not read the clock applied, since that deny decides at any
/// time.
pub fn clock_dependence(
    engine: &Engine,
    readers: &ClockReaders,
    case: &TestCase,
) -> Vec<ClockDependence> {
    if case.request.context.time.is_some() || readers.is_empty() {
        return Vec::new();
    }
    let explanation = engine.explain(&case.request);
    let steady_deny = explanation
        .statements
        .iter()
        .any(|s| s.effect == Outcome::Deny && s.applied && readers.keys(&s.statement).is_empty());
    explanation
        .statements
        .iter()
        .filter(|s| {
            !s.failures.iter().any(|f| {
                matches!(
                    f.part,
                    tessera::decision::Part::Principal
                        | tessera::decision::Part::Action
                        | tessera::decision::Part::Resource
                )
            })
        })
        .filter(|s| !(s.effect == Outcome::Allow && steady_deny))
        .filter_map(|s| {
            let keys = readers.keys(&s.statement);
            (!keys.is_empty()).then(|| ClockDependence {
                statement: statement_name(&s.statement),
                keys: keys.to_vec(),
            })
        })
        .collect()
}

impl ClockDependence {
    /// A warning for people: which test, which statement, and the fix.
    pub fn warning(&self, path: &Path, case: &TestCase) -> String {
        let keys: Vec<String> = self.keys.iter().map(|k| format!("`{k}`")).collect();
        format!(
            "{}:{}: test {:?} depends on the clock: statement `{}` reads {} and the request pins no `time`, so the test may pass at one time and fail at another\n  = help: pin the time in the request, as `context = {{ time = 2026-11-25T10:00:00Z }}`, or once for every test in [defaults.request.context]",
            path.display(),
            case.line,
            case.name,
            self.statement,
            keys.join(" and ")
        )
    }
}

/// `"allow"` or `"deny"`.
pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allow => "allow",
        Outcome::Deny => "deny",
    }
}

/// `"allowed"`, `"explicit_deny"`, `"no_statement_applied"` or `"audit_failed"`.
pub fn reason_name(reason: Reason) -> &'static str {
    match reason {
        Reason::Allowed => "allowed",
        Reason::ExplicitDeny => "explicit_deny",
        Reason::NoStatementApplied => "no_statement_applied",
        Reason::AuditFailed => "audit_failed",
    }
}

/// The reason named by [`reason_name`]'s text.
pub fn parse_reason(text: &str) -> Option<Reason> {
    match text {
        "allowed" => Some(Reason::Allowed),
        "explicit_deny" => Some(Reason::ExplicitDeny),
        "no_statement_applied" => Some(Reason::NoStatementApplied),
        "audit_failed" => Some(Reason::AuditFailed),
        _ => None,
    }
}

fn outcome_of(reason: Reason) -> Outcome {
    match reason {
        Reason::Allowed => Outcome::Allow,
        Reason::ExplicitDeny | Reason::NoStatementApplied | Reason::AuditFailed => Outcome::Deny,
    }
}

/// A statement's full name, `policy/statement`.
pub fn statement_name(statement: &StatementRef<'_>) -> String {
    format!("{}/{}", statement.policy, statement.statement)
}

/// True when `entry` (`policy/statement` or a bare `statement`) names `statement`.
pub fn names(entry: &str, statement: &StatementRef<'_>) -> bool {
    entry == statement.statement || entry == statement_name(statement)
}

/// True when `expected` names exactly the `determining` statements: every
/// entry names at least one of them and each of them is named by an entry.
pub fn decided_by_matches(expected: &[String], determining: &[StatementRef<'_>]) -> bool {
    expected
        .iter()
        .all(|e| determining.iter().any(|s| names(e, s)))
        && determining
            .iter()
            .all(|s| expected.iter().any(|e| names(e, s)))
}

/// One way a decision differed from a test's expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// Allow where deny was expected, or the reverse.
    Decision {
        /// What the test expected.
        expected: Outcome,
        /// What the engine decided.
        actual: Outcome,
    },
    /// The asserted reason differs.
    Reason {
        /// What the test expected.
        expected: Reason,
        /// What the engine decided.
        actual: Reason,
    },
    /// The asserted determining statements differ.
    DecidedBy {
        /// What the test expected, as written.
        expected: Vec<String>,
        /// The determining statements, as `policy/statement`.
        actual: Vec<String>,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Decision { expected, actual } => write!(
                f,
                "decision: expected {}, actual {}",
                outcome_name(*expected),
                outcome_name(*actual)
            ),
            Mismatch::Reason { expected, actual } => write!(
                f,
                "reason: expected {}, actual {}",
                reason_name(*expected),
                reason_name(*actual)
            ),
            Mismatch::DecidedBy { expected, actual } => write!(
                f,
                "decided_by: expected [{}], actual [{}]",
                expected.join(", "),
                actual.join(", ")
            ),
        }
    }
}

/// How one test fared.
#[derive(Debug, Clone)]
pub struct CaseResult<'e> {
    /// The engine's decision.
    pub decision: Decision<'e>,
    /// Every statement that applied (a superset of the determining ones):
    /// what coverage counts.
    pub applied: Vec<StatementRef<'e>>,
    /// How the decision differed from the expectation; empty when the test passed.
    pub mismatches: Vec<Mismatch>,
    /// Why the engine decided as it did; only for failed tests.
    pub explanation: Option<Explanation<'e>>,
    /// How long the decision took.
    pub duration: Duration,
}

impl CaseResult<'_> {
    /// True when the decision met every expectation.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Decides a test's request and compares the decision with the test's
/// expectations. A request without `context.time` is decided at the
/// current time.
pub fn run_case<'e>(engine: &'e Engine, case: &TestCase) -> CaseResult<'e> {
    let start = Instant::now();
    let explanation = engine.explain(&case.request);
    let duration = start.elapsed();
    let decision = explanation.decision.clone();
    let applied = explanation
        .statements
        .iter()
        .filter(|s| s.applied)
        .map(|s| s.statement)
        .collect();
    let mismatches = mismatches(case, &decision);
    CaseResult {
        explanation: (!mismatches.is_empty()).then_some(explanation),
        decision,
        applied,
        mismatches,
        duration,
    }
}

fn mismatches(case: &TestCase, decision: &Decision<'_>) -> Vec<Mismatch> {
    let mut found = Vec::new();
    if decision.outcome != case.expect {
        found.push(Mismatch::Decision {
            expected: case.expect,
            actual: decision.outcome,
        });
    }
    if let Some(expected) = case.reason
        && expected != decision.reason
    {
        found.push(Mismatch::Reason {
            expected,
            actual: decision.reason,
        });
    }
    if let Some(expected) = &case.decided_by
        && !decided_by_matches(expected, &decision.determining)
    {
        found.push(Mismatch::DecidedBy {
            expected: expected.clone(),
            actual: decision.determining.iter().map(statement_name).collect(),
        });
    }
    found
}

/// One statement of a policy set, and whether any test exercised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementCoverage {
    /// Index of its file among the sources, in the order they were compiled in.
    pub file: usize,
    /// Byte offset of the statement in that file.
    pub offset: usize,
    /// Its policy's name.
    pub policy: String,
    /// Its name.
    pub statement: String,
    /// Allow or deny.
    pub effect: policy_lang::Effect,
    /// True when it applied in at least one test.
    pub exercised: bool,
}

/// Which statements of one policy set the tests exercised. A statement is
/// exercised when it applied (see [`CaseResult::applied`]) in at least one test.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    statements: Vec<StatementCoverage>,
    index: HashMap<(String, String), usize>,
}

impl Coverage {
    /// Every statement of the engine's policy set, none exercised yet.
    pub fn new(engine: &Engine) -> Coverage {
        let mut coverage = Coverage::default();
        for statement in engine.statements() {
            let key = (
                statement.policy.to_string(),
                statement.statement.to_string(),
            );
            coverage.index.insert(key, coverage.statements.len());
            coverage.statements.push(StatementCoverage {
                file: statement.source,
                offset: statement.offset,
                policy: statement.policy.to_string(),
                statement: statement.statement.to_string(),
                effect: statement.effect,
                exercised: false,
            });
        }
        coverage
    }

    /// Marks the statements that applied in a test as exercised.
    pub fn record(&mut self, result: &CaseResult<'_>) {
        for applied in &result.applied {
            let key = (applied.policy.to_string(), applied.statement.to_string());
            if let Some(entry) = self
                .index
                .get(&key)
                .and_then(|&i| self.statements.get_mut(i))
            {
                entry.exercised = true;
            }
        }
    }

    /// Every statement, in policy-set order.
    pub fn statements(&self) -> &[StatementCoverage] {
        &self.statements
    }

    /// How many statements were exercised.
    pub fn exercised(&self) -> usize {
        self.statements.iter().filter(|s| s.exercised).count()
    }

    /// How many statements the set has.
    pub fn total(&self) -> usize {
        self.statements.len()
    }
}

/// `exercised` of `total` as a percentage; 100 when `total` is 0.
pub fn percent(exercised: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        exercised as f64 * 100.0 / total as f64
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn parse_str(text: &str) -> Result<TestFile, SuiteError> {
        parse(Path::new("t.tests.toml"), text).map_err(|e| e.into_vec().remove(0))
    }

    const REQUEST: &str =
        "[test.request]\nprincipal = \"user:a\"\naction = \"secrets:Get\"\nresource = \"a/b\"\n";

    #[test]
    fn reads_a_full_test() {
        let text = format!(
            "[[test]]\nname = \"n\"\nexpect = \"deny\"\nreason = \"explicit_deny\"\ndecided_by = [\"p/s\", \"t\"]\n{REQUEST}[test.request.context]\ntime = 2026-11-25T10:00:00Z\nmfa_age_seconds = 30\n"
        );
        let file = parse_str(&text).unwrap();
        let case = &file.tests[0];
        assert_eq!(case.line, 1);
        assert_eq!(case.expect, Outcome::Deny);
        assert_eq!(case.reason, Some(Reason::ExplicitDeny));
        assert_eq!(
            case.decided_by.as_deref(),
            Some(&["p/s".to_string(), "t".to_string()][..])
        );
        assert_eq!(case.request_json["context"]["time"], "2026-11-25T10:00:00Z");
        assert_eq!(case.request.context.mfa_age_seconds, Some(30));
    }

    #[test]
    fn datetimes_without_seconds_get_them() {
        let text = format!(
            "[[test]]\nname = \"n\"\nexpect = \"deny\"\n{REQUEST}context = {{ time = 2026-11-25T10:00+01:00 }}\n"
        );
        let file = parse_str(&text).unwrap();
        assert_eq!(
            file.tests[0].request_json["context"]["time"],
            "2026-11-25T10:00:00+01:00"
        );
    }

    #[test]
    fn a_typo_names_the_key_and_line() {
        let text = format!("[[test]]\nname = \"n\"\nexpcet = \"deny\"\n{REQUEST}");
        let error = parse_str(&text).unwrap_err();
        assert_eq!(error.location, Some((3, 1)));
        assert_eq!(error.test.as_deref(), Some("n"));
        assert!(error.message.contains("did you mean `expect`"), "{error}");
        assert!(error.render().contains("3 | expcet"), "{}", error.render());
    }

    #[test]
    fn a_bad_request_field_points_at_it() {
        let text = format!(
            "[[test]]\nname = \"n\"\nexpect = \"deny\"\n{REQUEST}[test.request.context]\nsource_ip = \"10.1.2\"\n"
        );
        let error = parse_str(&text).unwrap_err();
        assert_eq!(error.kind, SuiteErrorKind::Request);
        assert_eq!(error.location.map(|l| l.0), Some(9));
        assert!(
            error.message.contains("request.context.source_ip"),
            "{error}"
        );
    }

    #[test]
    fn contradictions_are_errors() {
        for extra in [
            "reason = \"explicit_deny\"\nexpect = \"allow\"",
            "expect = \"allow\"\ndecided_by = []",
            "expect = \"deny\"\nreason = \"no_statement_applied\"\ndecided_by = \"x\"",
        ] {
            let text = format!("[[test]]\nname = \"n\"\n{extra}\n{REQUEST}");
            assert!(parse_str(&text).is_err(), "{extra}");
        }
    }

    #[test]
    fn duplicate_names_and_unknown_top_level_keys_are_errors() {
        let one = format!("[[test]]\nname = \"n\"\nexpect = \"deny\"\n{REQUEST}");
        assert!(
            parse_str(&format!("{one}{one}"))
                .unwrap_err()
                .message
                .contains("unique")
        );
        assert!(
            parse_str("[[tests]]\nname = \"n\"\n")
                .unwrap_err()
                .message
                .contains("did you mean `test`")
        );
        assert_eq!(parse_str("").unwrap().tests.len(), 0);
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let error = parse_str("[[test]]\nname = \"n\nexpect = 1\n").unwrap_err();
        assert_eq!(error.kind, SuiteErrorKind::Syntax);
        assert_eq!(error.location.map(|l| l.0), Some(2));
    }

    #[test]
    fn decided_by_is_an_exact_set() {
        let s = |policy, statement| StatementRef { policy, statement };
        let actual = [s("p", "a"), s("q", "b")];
        assert!(decided_by_matches(&["p/a".into(), "b".into()], &actual));
        assert!(!decided_by_matches(&["p/a".into()], &actual));
        assert!(!decided_by_matches(
            &["p/a".into(), "b".into(), "c".into()],
            &actual
        ));
        assert!(decided_by_matches(&[], &[]));
    }

    #[test]
    fn lines_that_set_secret_looking_keys_are_recognised() {
        for line in [
            "session_token = \"x\"",
            "principal = { id = \"u\", tags = { \"X-Api-Key\" = \"k\", n = 5 } }",
            "context.password = 1",
            "context = { a = \"b=c\", db_secret = [\"x\"] }",
        ] {
            assert!(sets_secret(line), "{line}");
        }
        for line in [
            "action = \"secrets:GetSecretValue\"",
            "name = \"the session_token = x test\"",
            "ticket = 'OPS-7' # session_token = x",
            "[test.request.context]",
            "resource = \"prod/token\"",
        ] {
            assert!(!sets_secret(line), "{line}");
        }
        let text = "a = 1\ncookie = \"c\"\n";
        let shown = Shown::new(text, &BTreeSet::new());
        assert_eq!(
            shown.text.lines().nth(1).map(str::trim_end),
            Some(HIDDEN_LINE)
        );
        assert_eq!(shown.text.lines().next(), Some("a = 1"));
        // Columns count the same on a hidden line.
        assert_eq!(shown.map(text, 15..16), 15..16);
    }

    #[test]
    fn masked_requests_keep_what_is_not_secret() {
        let request = serde_json::json!({
            "principal": "user:a",
            "action": "secrets:GetSecretValue",
            "resource": {"path": "app/db", "tags": {"Auth-Token": "t", "env": "prod"}},
            "context": {"source_ip": "10.0.0.1", "password": 5, "private_note": true},
        });
        let shown = masked_request(&request);
        assert_eq!(shown["principal"], "user:a");
        assert_eq!(shown["resource"]["tags"]["Auth-Token"], "[masked]");
        assert_eq!(shown["resource"]["tags"]["env"], "prod");
        assert_eq!(shown["context"]["source_ip"], "10.0.0.1");
        assert_eq!(shown["context"]["password"], "[masked]");
        assert_eq!(shown["context"]["private_note"], "[masked]");
        assert_eq!(masked_request(&serde_json::json!("x")), "x");
    }

    #[test]
    fn suggestions_are_close_names() {
        assert_eq!(closest("expcet", TEST_KEYS), Some("expect"));
        assert_eq!(closest("nmae", TEST_KEYS), Some("name"));
        assert_eq!(closest("zzzzzz", TEST_KEYS), None);
        assert_eq!(
            did_you_mean("tests", TOP_LEVEL_KEYS),
            " (did you mean `test`?)"
        );
        assert_eq!(did_you_mean("x", ["y"]), "");
    }
}
