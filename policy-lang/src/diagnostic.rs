//! Diagnostics as data: what went wrong, where, what was expected, and a hint.
//!
//! How they are drawn for people is in [`crate::render`]; [`Diagnostic::render`]
//! gives the plain rustc-style text that hosts without a terminal (C, Wasm)
//! can show.

use crate::Span;
use serde::Serialize;
use std::fmt;

/// What kind of problem a diagnostic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The text does not follow the grammar.
    Syntax,
    /// A string literal with no closing quote on its line.
    UnterminatedString,
    /// A word where a keyword was expected.
    UnknownKeyword,
    /// A condition reads an attribute that does not exist.
    UnknownKey,
    /// An operator or literal does not fit the attribute's type.
    TypeMismatch,
    /// A literal that does not parse as its type (CIDR, IP, timestamp, ...).
    InvalidLiteral,
    /// A glob pattern that does not compile.
    InvalidGlob,
    /// A `${...}` policy variable that cannot be used.
    InvalidVariable,
    /// A string escape other than `\"`, `\\`, `\n`, `\t`.
    InvalidEscape,
    /// Two statements with one name in one policy.
    DuplicateStatement,
    /// Two policies with one name in one policy set.
    DuplicatePolicy,
    /// A statement without its `principal`, `action` or `resource` line.
    MissingMatcher,
    /// A statement with two `principal`, `action` or `resource` lines.
    DuplicateMatcher,
    /// Something past one of the [`Limits`](crate::Limits): a source, a
    /// pattern or a line too big, or too many statements.
    LimitExceeded,
    /// A problem in a policy test file (`*.tests.toml`), found by the test
    /// runner of the `policy` command; the language itself never reports it.
    TestFile,
    /// A schema names a type that does not exist (`strng`), with a suggestion.
    UnknownType,
    /// A schema declaration that cannot be: a built-in key, a tag that is
    /// not a string, an empty enumeration or one listing a value twice.
    InvalidDeclaration,
    /// One key declared twice in a schema.
    DuplicateDeclaration,
    /// With a schema, a policy reads a custom key the schema does not declare.
    UndeclaredKey,
    /// With a schema, a literal does not fit the declared type of the key it
    /// is compared with (or is not one of its enumeration's values).
    SchemaMismatch,
    /// A policy document in another language (an AWS IAM policy in JSON, a
    /// Vault ACL policy in HCL) that cannot be imported as it is written.
    Import,
}

impl DiagnosticKind {
    /// A stable code for tools, such as `"unknown-key"`.
    pub fn code(self) -> &'static str {
        match self {
            DiagnosticKind::Syntax => "syntax",
            DiagnosticKind::UnterminatedString => "unterminated-string",
            DiagnosticKind::UnknownKeyword => "unknown-keyword",
            DiagnosticKind::UnknownKey => "unknown-key",
            DiagnosticKind::TypeMismatch => "type-mismatch",
            DiagnosticKind::InvalidLiteral => "invalid-literal",
            DiagnosticKind::InvalidGlob => "invalid-glob",
            DiagnosticKind::InvalidVariable => "invalid-variable",
            DiagnosticKind::InvalidEscape => "invalid-escape",
            DiagnosticKind::DuplicateStatement => "duplicate-statement",
            DiagnosticKind::DuplicatePolicy => "duplicate-policy",
            DiagnosticKind::MissingMatcher => "missing-matcher",
            DiagnosticKind::DuplicateMatcher => "duplicate-matcher",
            DiagnosticKind::LimitExceeded => "limit-exceeded",
            DiagnosticKind::TestFile => "test-file",
            DiagnosticKind::UnknownType => "unknown-type",
            DiagnosticKind::InvalidDeclaration => "invalid-declaration",
            DiagnosticKind::DuplicateDeclaration => "duplicate-declaration",
            DiagnosticKind::UndeclaredKey => "undeclared-key",
            DiagnosticKind::SchemaMismatch => "schema-mismatch",
            DiagnosticKind::Import => "import",
        }
    }
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LineColumn {
    /// Line number, from 1.
    pub line: usize,
    /// Column number, from 1, in characters.
    pub column: usize,
}

/// A secondary place a diagnostic points at, such as "first defined here".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// What this place is.
    pub message: String,
    /// Where.
    pub span: Span,
    /// Line and column of `span.start`.
    pub location: LineColumn,
}

/// One problem found in a policy source.
///
/// ```
/// let errors = policy_lang::parse("team.policy", "policy \"p\" {\n  alow \"x\" {}\n}").unwrap_err();
/// let first = &errors.diagnostics()[0];
/// assert_eq!(first.kind(), policy_lang::DiagnosticKind::UnknownKeyword);
/// assert_eq!((first.location().line, first.location().column), (2, 3));
/// assert_eq!(first.hint(), Some("did you mean `allow`?"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    kind: DiagnosticKind,
    message: String,
    file: String,
    span: Span,
    location: LineColumn,
    expected: Option<String>,
    hint: Option<String>,
    related: Vec<Related>,
}

impl Diagnostic {
    /// A diagnostic about `span` of `source` (named `file`), for stages after
    /// parsing (compiling a checked file) that find a problem of their own.
    ///
    /// ```
    /// use policy_lang::{Diagnostic, DiagnosticKind, Span};
    /// let d = Diagnostic::new(DiagnosticKind::LimitExceeded, "a.policy", "x\nyz", Span::new(3, 4), "too big", Some("shrink it"));
    /// assert_eq!((d.location().line, d.location().column), (2, 2));
    /// assert_eq!(d.hint(), Some("shrink it"));
    /// ```
    pub fn new(
        kind: DiagnosticKind,
        file: &str,
        source: &str,
        span: Span,
        message: impl Into<String>,
        hint: Option<&str>,
    ) -> Diagnostic {
        let builder = SourceMap::new(file, source).diagnostic(kind, span, message);
        match hint {
            Some(hint) => builder.hint(hint).build(),
            None => builder.build(),
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> DiagnosticKind {
        self.kind
    }
    /// A one-line, lowercase description.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The source name given to the parser.
    pub fn file(&self) -> &str {
        &self.file
    }
    /// The bytes the problem is about.
    pub fn span(&self) -> Span {
        self.span
    }
    /// Line and column of the span's start.
    pub fn location(&self) -> LineColumn {
        self.location
    }
    /// What the parser or checker expected instead, when known.
    pub fn expected(&self) -> Option<&str> {
        self.expected.as_deref()
    }
    /// A suggestion for the fix, when one helps.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
    /// Other places that explain this one.
    pub fn related(&self) -> &[Related] {
        &self.related
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: error[code]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error[{}]: {}",
            self.file,
            self.location.line,
            self.location.column,
            self.kind.code(),
            self.message
        )
    }
}

/// Every problem found in one or more sources; never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    diagnostics: Vec<Diagnostic>,
}

impl ParseError {
    /// Wraps a non-empty list of diagnostics, sorted by file and position.
    pub(crate) fn new(mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by(|a, b| (&a.file, a.span.start).cmp(&(&b.file, b.span.start)));
        ParseError { diagnostics }
    }

    /// An error holding `diagnostics` (sorted by file and position), `None`
    /// when there are none: for checks after parsing, such as
    /// [`Schema::check`](crate::Schema::check).
    pub fn from_diagnostics(diagnostics: Vec<Diagnostic>) -> Option<ParseError> {
        (!diagnostics.is_empty()).then(|| ParseError::new(diagnostics))
    }

    /// Joins the problems of several sources into one error.
    pub fn merge(errors: impl IntoIterator<Item = ParseError>) -> Option<ParseError> {
        let all: Vec<Diagnostic> = errors.into_iter().flat_map(|e| e.diagnostics).collect();
        if all.is_empty() {
            None
        } else {
            Some(ParseError::new(all))
        }
    }

    /// The problems, in source order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Takes the problems out.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

impl AsRef<[Diagnostic]> for ParseError {
    fn as_ref(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// Maps byte offsets of one source to lines and columns, and builds diagnostics.
///
/// The line table is built on the first diagnostic: a source that parses
/// cleanly never pays for it.
pub(crate) struct SourceMap<'a> {
    file: &'a str,
    source: &'a str,
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> SourceMap<'a> {
    pub(crate) fn new(file: &'a str, source: &'a str) -> Self {
        SourceMap {
            file,
            source,
            line_starts: std::cell::OnceCell::new(),
        }
    }

    pub(crate) fn file(&self) -> &'a str {
        self.file
    }

    pub(crate) fn source(&self) -> &'a str {
        self.source
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut line_starts = vec![0];
            line_starts.extend(self.source.match_indices('\n').map(|(i, _)| i + 1));
            line_starts
        })
    }

    pub(crate) fn locate(&self, offset: usize) -> LineColumn {
        let offset = offset.min(self.source.len());
        let line_starts = self.line_starts();
        let line_index = line_starts.partition_point(|&s| s <= offset) - 1;
        let line_start = line_starts[line_index];
        let column = self
            .source
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count())
            + 1;
        LineColumn {
            line: line_index + 1,
            column,
        }
    }

    pub(crate) fn diagnostic(
        &self,
        kind: DiagnosticKind,
        span: Span,
        message: impl Into<String>,
    ) -> DiagnosticBuilder {
        DiagnosticBuilder(Diagnostic {
            kind,
            message: message.into(),
            file: self.file.to_string(),
            span,
            location: self.locate(span.start),
            expected: None,
            hint: None,
            related: Vec::new(),
        })
    }

    /// Moves a diagnostic found in an edited copy of this source back onto
    /// it: `to_source` maps an offset in the copy to one here.
    pub(crate) fn relocate(&self, d: &mut Diagnostic, to_source: impl Fn(usize) -> usize) {
        d.file = self.file.to_string();
        d.span = Span::new(to_source(d.span.start), to_source(d.span.end));
        d.location = self.locate(d.span.start);
        for related in &mut d.related {
            related.span = Span::new(to_source(related.span.start), to_source(related.span.end));
            related.location = self.locate(related.span.start);
        }
    }

    pub(crate) fn related(&self, span: Span, message: impl Into<String>) -> Related {
        Related {
            message: message.into(),
            span,
            location: self.locate(span.start),
        }
    }
}

/// Fills in the optional parts of a diagnostic.
pub(crate) struct DiagnosticBuilder(Diagnostic);

impl DiagnosticBuilder {
    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Self {
        self.0.expected = Some(expected.into());
        self
    }
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }
    pub(crate) fn related(mut self, related: Related) -> Self {
        self.0.related.push(related);
        self
    }
    pub(crate) fn build(self) -> Diagnostic {
        self.0
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo (an edit distance of at most a third of its length, plus one): the
/// rule behind every "did you mean".
///
/// ```
/// assert_eq!(policy_lang::closest("sourceip", ["source_ip", "mfa"]), Some("source_ip"));
/// assert_eq!(policy_lang::closest("owner", ["env"]), None);
/// ```
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let length = word.chars().count();
    let limit = (length / 3).max(1) + 1;
    candidates
        .into_iter()
        // Farther apart in length than the limit: never close enough, and
        // not worth the quadratic distance.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
