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
//! let result = suite::run_case(&engine, &file.tests[0]);
//! assert!(result.passed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
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
pub const TEST_KEYS: [&str; 5] = ["name", "expect", "reason", "decided_by", "request"];

/// One test file: where it is and its tests, in file order.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The path as given or found.
    pub path: PathBuf,
    /// The tests, in file order.
    pub tests: Vec<TestCase>,
}

/// One `[[test]]`: a request and what the policies must decide for it.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The test's name, unique within its file.
    pub name: String,
    /// The line (from 1) where the test's table starts.
    pub line: usize,
    /// The request, checked.
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
    /// type, a contradictory expectation, a duplicate name.
    Invalid,
    /// The request of a test is malformed.
    Request,
    /// No `*.policy` file beside the test file.
    NoPolicies,
    /// The policies beside the test file do not compile.
    Compile,
}

/// A test file that cannot be used: which file, where, which test, and why.
///
/// Its `Display` is one line, `path:line:column: test "name": message`;
/// [`SuiteError::render`] adds the source line with a caret.
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
    /// The source line at `location`, for [`SuiteError::render`].
    source_line: Option<Box<str>>,
}

impl SuiteError {
    fn new(kind: SuiteErrorKind, path: &Path, message: impl Into<String>) -> SuiteError {
        SuiteError {
            kind,
            path: path.to_path_buf(),
            location: None,
            test: None,
            message: message.into(),
            source_line: None,
        }
    }

    /// The one-line message, then the source line with a caret under the column.
    pub fn render(&self) -> String {
        let mut out = self.to_string();
        if let (Some((line, column)), Some(text)) = (self.location, &self.source_line) {
            let gutter = " ".repeat(line.to_string().len());
            if &**text == HIDDEN_LINE {
                out.push_str(&format!("\n{gutter} |\n{line} | {text}"));
                return out;
            }
            let pad: String = text
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("\n{gutter} |\n{line} | {text}\n{gutter} | {pad}^"));
        }
        out
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

/// The `*.policy` files in the test file's own directory (not
/// subdirectories), sorted; an error when there are none.
pub fn policy_files_beside(test_file: &Path) -> Result<Vec<PathBuf>, SuiteError> {
    let dir = policy_dir(test_file);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| io_error(&dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == POLICY_EXTENSION) && p.is_file())
        .collect();
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
    let mut texts = Vec::new();
    for path in &paths {
        texts.push((path.display().to_string(), read_text(path)?));
    }
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

/// Reads and parses one test file.
pub fn load(path: &Path) -> Result<TestFile, SuiteError> {
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
/// Stops at the first problem: TOML syntax, an unknown or missing key, a
/// wrong type, a malformed request, an expectation that can never hold, or
/// two tests with the same name.
pub fn parse(path: &Path, text: &str) -> Result<TestFile, SuiteError> {
    let doc = Doc { path, text };
    let root = DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        doc.error(
            SuiteErrorKind::Syntax,
            span,
            None,
            invalid_toml(e.message()),
        )
    })?;
    let mut tests = Vec::new();
    for (key, value) in root.get_ref().iter() {
        if key.get_ref() != "test" {
            return Err(doc.invalid(
                key.span(),
                None,
                format!(
                    "unknown key `{}`; a test file holds only [[test]] tables{}",
                    key.get_ref(),
                    did_you_mean(key.get_ref(), &["test"])
                ),
            ));
        }
        let DeValue::Array(items) = value.get_ref() else {
            return Err(doc.invalid(
                value.span(),
                None,
                "`test` must be an array of tables: write [[test]]",
            ));
        };
        for (index, item) in items.iter().enumerate() {
            tests.push(doc.case(index, item)?);
        }
    }
    doc.check_unique_names(&tests)?;
    Ok(TestFile {
        path: path.to_path_buf(),
        tests,
    })
}

fn invalid_toml(message: &str) -> String {
    let message = message.trim_end();
    format!("invalid TOML: {message}")
}

/// A test file being parsed: its path and text, for errors with locations.
struct Doc<'a> {
    path: &'a Path,
    text: &'a str,
}

/// The entries of one TOML table, by key.
type Entries<'t, 'i> = Vec<(
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
)>;

impl Doc<'_> {
    fn error(
        &self,
        kind: SuiteErrorKind,
        span: Range<usize>,
        test: Option<&str>,
        message: impl Into<String>,
    ) -> SuiteError {
        let (line, column) = line_column(self.text, span.start);
        let mut error = SuiteError::new(kind, self.path, message);
        error.location = Some((line, column));
        error.test = test.map(str::to_string);
        error.source_line = source_line(self.text, line);
        error
    }

    fn invalid(
        &self,
        span: Range<usize>,
        test: Option<&str>,
        message: impl Into<String>,
    ) -> SuiteError {
        self.error(SuiteErrorKind::Invalid, span, test, message)
    }

    fn case(&self, index: usize, item: &Spanned<DeValue<'_>>) -> Result<TestCase, SuiteError> {
        let label = format!("#{}", index + 1);
        let DeValue::Table(table) = item.get_ref() else {
            return Err(self.invalid(
                item.span(),
                Some(&label),
                "each test must be a table: write [[test]]",
            ));
        };
        let entries: Entries = table.iter().collect();
        let name = self.name(item.span(), &label, &entries)?;
        self.reject_unknown(&name, &entries)?;
        let expect = match find(&entries, "expect") {
            Some(value) => self.outcome(&name, value)?,
            None => {
                return Err(self.invalid(
                    item.span(),
                    Some(&name),
                    "missing `expect`; write expect = \"allow\" or expect = \"deny\"",
                ));
            }
        };
        let reason = find(&entries, "reason")
            .map(|v| self.reason(&name, v))
            .transpose()?;
        let decided_by = find(&entries, "decided_by")
            .map(|v| self.decided_by(&name, v))
            .transpose()?;
        self.check_consistent(&name, &entries, expect, reason, decided_by.as_deref())?;
        let Some(request_value) = find(&entries, "request") else {
            return Err(self.invalid(
                item.span(),
                Some(&name),
                "missing `request`; add a [test.request] table",
            ));
        };
        let (request, request_json) = self.request(&name, request_value)?;
        Ok(TestCase {
            name,
            line: line_column(self.text, item.span().start).0,
            request,
            request_json,
            expect,
            reason,
            decided_by,
        })
    }

    fn name(
        &self,
        span: Range<usize>,
        label: &str,
        entries: &Entries,
    ) -> Result<String, SuiteError> {
        let Some(value) = find(entries, "name") else {
            return Err(self.invalid(span, Some(label), "missing `name`"));
        };
        match value.get_ref() {
            DeValue::String(name) if !name.trim().is_empty() => Ok(name.to_string()),
            DeValue::String(_) => {
                Err(self.invalid(value.span(), Some(label), "`name` may not be empty"))
            }
            other => Err(self.invalid(
                value.span(),
                Some(label),
                format!("`name` must be a string, found {}", other.type_str()),
            )),
        }
    }

    fn reject_unknown(&self, name: &str, entries: &Entries) -> Result<(), SuiteError> {
        match entries
            .iter()
            .find(|(k, _)| !TEST_KEYS.contains(&k.get_ref().as_ref()))
        {
            Some((key, _)) => Err(self.invalid(
                key.span(),
                Some(name),
                format!(
                    "unknown key `{}`{}; a test holds {}",
                    key.get_ref(),
                    did_you_mean(key.get_ref(), &TEST_KEYS),
                    TEST_KEYS.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    fn string<'v>(
        &self,
        name: &str,
        key: &str,
        value: &'v Spanned<DeValue<'_>>,
    ) -> Result<&'v str, SuiteError> {
        value.get_ref().as_str().ok_or_else(|| {
            self.invalid(
                value.span(),
                Some(name),
                format!(
                    "`{key}` must be a string, found {}",
                    value.get_ref().type_str()
                ),
            )
        })
    }

    fn outcome(&self, name: &str, value: &Spanned<DeValue<'_>>) -> Result<Outcome, SuiteError> {
        match self.string(name, "expect", value)? {
            "allow" => Ok(Outcome::Allow),
            "deny" => Ok(Outcome::Deny),
            other => Err(self.invalid(
                value.span(),
                Some(name),
                format!("`expect` must be \"allow\" or \"deny\", found {other:?}"),
            )),
        }
    }

    fn reason(&self, name: &str, value: &Spanned<DeValue<'_>>) -> Result<Reason, SuiteError> {
        let text = self.string(name, "reason", value)?;
        parse_reason(text).ok_or_else(|| {
            self.invalid(
                value.span(),
                Some(name),
                format!(
                    "`reason` must be \"allowed\", \"explicit_deny\" or \"no_statement_applied\", found {text:?}"
                ),
            )
        })
    }

    fn decided_by(
        &self,
        name: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<Vec<String>, SuiteError> {
        let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
            DeValue::String(_) => vec![value],
            DeValue::Array(items) => items.iter().collect(),
            other => {
                return Err(self.invalid(
                    value.span(),
                    Some(name),
                    format!(
                        "`decided_by` must be a string or an array of strings, found {}",
                        other.type_str()
                    ),
                ));
            }
        };
        let mut names = Vec::new();
        for item in items {
            let text = self.string(name, "decided_by", item)?;
            if text.is_empty() {
                return Err(self.invalid(
                    item.span(),
                    Some(name),
                    "a `decided_by` entry may not be empty",
                ));
            }
            if !names.iter().any(|n| n == text) {
                names.push(text.to_string());
            }
        }
        Ok(names)
    }

    /// Rejects expectations no decision can meet.
    fn check_consistent(
        &self,
        name: &str,
        entries: &Entries,
        expect: Outcome,
        reason: Option<Reason>,
        decided_by: Option<&[String]>,
    ) -> Result<(), SuiteError> {
        let span = |key: &str| find(entries, key).map_or(0..0, |v| v.span());
        if let Some(reason) = reason
            && outcome_of(reason) != expect
        {
            return Err(self.invalid(
                span("reason"),
                Some(name),
                format!(
                    "reason {:?} contradicts expect = {:?}; the test could never pass",
                    reason_name(reason),
                    outcome_name(expect)
                ),
            ));
        }
        let Some(decided_by) = decided_by else {
            return Ok(());
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
            Some(message) => Err(self.invalid(span("decided_by"), Some(name), message)),
            None => Ok(()),
        }
    }

    fn request(
        &self,
        name: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<(Request, Json), SuiteError> {
        if !value.get_ref().is_table() {
            return Err(self.invalid(
                value.span(),
                Some(name),
                format!(
                    "`request` must be a table, found {}",
                    value.get_ref().type_str()
                ),
            ));
        }
        let json = self.to_json(name, value)?;
        let request = Request::from_value(&json).map_err(|e| {
            let field = if e.field().is_empty() {
                "request".to_string()
            } else {
                format!("request.{}", e.field())
            };
            let mut error = self.error(
                SuiteErrorKind::Request,
                field_span(value, e.field()),
                Some(name),
                format!("invalid request: {field}: {}", e.message()),
            );
            // The value may continue on lines that do not name its key.
            if e.field().split('.').any(tessera::audit::looks_secret) {
                error.source_line = Some(Box::from(HIDDEN_LINE));
            }
            error
        })?;
        Ok((request, json))
    }

    /// A TOML value as JSON: datetimes become RFC 3339 strings.
    fn to_json(&self, name: &str, value: &Spanned<DeValue<'_>>) -> Result<Json, SuiteError> {
        let bad = |what: &str| {
            self.error(
                SuiteErrorKind::Request,
                value.span(),
                Some(name),
                what.to_string(),
            )
        };
        Ok(match value.get_ref() {
            DeValue::String(s) => Json::String(s.to_string()),
            DeValue::Boolean(b) => Json::Bool(*b),
            DeValue::Datetime(d) => Json::String(rfc3339(d)),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .map(Json::from)
                .map_err(|_| bad("integer out of range"))?,
            DeValue::Float(f) => f
                .as_str()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Json::Number)
                .ok_or_else(|| bad("a request number must be finite"))?,
            DeValue::Array(items) => Json::Array(
                items
                    .iter()
                    .map(|item| self.to_json(name, item))
                    .collect::<Result<_, _>>()?,
            ),
            DeValue::Table(table) => {
                let mut object = serde_json::Map::new();
                for (key, item) in table.iter() {
                    object.insert(key.get_ref().to_string(), self.to_json(name, item)?);
                }
                Json::Object(object)
            }
        })
    }

    fn check_unique_names(&self, tests: &[TestCase]) -> Result<(), SuiteError> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for test in tests {
            if let Some(first) = seen.insert(&test.name, test.line) {
                let mut error = SuiteError::new(
                    SuiteErrorKind::Invalid,
                    self.path,
                    format!(
                        "a second test has this name (the first is on line {first}); test names must be unique within a file"
                    ),
                );
                error.location = Some((test.line, 1));
                error.test = Some(test.name.clone());
                error.source_line = source_line(self.text, test.line);
                return Err(error);
            }
        }
        Ok(())
    }
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

/// Line `line` (from 1) of `text`, to show under an error; [`HIDDEN_LINE`]
/// when it sets a key named like a secret, whose value must not be printed.
fn source_line(text: &str, line: usize) -> Option<Box<str>> {
    let shown = text.lines().nth(line.checked_sub(1)?)?;
    Some(Box::from(if sets_secret(shown) {
        HIDDEN_LINE
    } else {
        shown
    }))
}

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

/// ` (did you mean `expect`?)` when `word` is a small typo of a known key.
fn did_you_mean(word: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (edit_distance(word, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map_or_else(String::new, |(_, k)| format!(" (did you mean `{k}`?)"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
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
        parse(Path::new("t.tests.toml"), text)
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
        assert_eq!(
            source_line("a = 1\ncookie = \"c\"\n", 2).as_deref(),
            Some(HIDDEN_LINE)
        );
        assert_eq!(source_line("a = 1\n", 1).as_deref(), Some("a = 1"));
        assert_eq!(source_line("a = 1\n", 0), None);
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
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("expcet", "expect"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("name", "name"), 0);
    }
}
