//! What compiling needs beyond the parser: the error type, and glob sets
//! that stay exact at any size.

use crate::condition::Truth;
use crate::glob::{GlobSyntax, StaticGlob};
use globset::{Candidate, Glob, GlobSet, GlobSetBuilder};
use policy_lang::PatternNode;
use policy_lang::{Diagnostic, DiagnosticKind, ParseError, Span};
use std::fmt;

/// Why a policy set did not compile: every problem found, each a located
/// [`Diagnostic`].
///
/// Compiling is exact or refused: a pattern, line or condition the engine
/// cannot match exactly as the language defines it is an error here, never a
/// matcher that quietly matches nothing. Most problems are found by the
/// parser (syntax, types, [`Limits`](crate::PolicyLimits)); the rest are
/// patterns the glob engine refuses to build, reported the same way.
///
/// ```
/// use tessera::{Engine, DiagnosticKind};
/// let error = Engine::compile_str("p.policy", "policy \"p\" { allow \"a\" { principal * } }").unwrap_err();
/// assert_eq!(error.diagnostics()[0].kind(), DiagnosticKind::MissingMatcher);
/// assert_eq!(error.diagnostics()[0].location().line, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    diagnostics: Vec<Diagnostic>,
}

impl CompileError {
    /// Every problem found, in source order within each file.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The problems, owned.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// An error holding these diagnostics.
    pub(crate) fn from_diagnostics(diagnostics: Vec<Diagnostic>) -> CompileError {
        CompileError { diagnostics }
    }

    /// Both errors' diagnostics, in order.
    pub fn merge(mut self, other: CompileError) -> CompileError {
        self.diagnostics.extend(other.diagnostics);
        self
    }

    /// The error for problems found while compiling a checked source: the
    /// one place a [`Problem`] becomes a diagnostic.
    pub(crate) fn from_problems(file: &str, source: &str, problems: Vec<Problem>) -> CompileError {
        let diagnostics = problems
            .into_iter()
            .map(|p| {
                Diagnostic::new(
                    DiagnosticKind::LimitExceeded,
                    file,
                    source,
                    p.span(),
                    p.message(),
                    Some("the engine cannot match this exactly; simplify the pattern or split the line"),
                )
            })
            .collect();
        CompileError { diagnostics }
    }
}

impl From<ParseError> for CompileError {
    fn from(error: ParseError) -> CompileError {
        CompileError {
            diagnostics: error.into_diagnostics(),
        }
    }
}

impl fmt::Display for CompileError {
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

impl std::error::Error for CompileError {}

impl AsRef<[Diagnostic]> for CompileError {
    fn as_ref(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// What the engine cannot compile exactly in a checked statement, each with
/// where it stands in its source. Compiling is exact or refused: each of
/// these refuses the set (through [`CompileError::from_problems`]), never
/// leaves a pattern, condition or statement out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The glob engine (or the character matcher built from the pattern's
    /// tree) refuses the pattern at `span`, for the reason `why`.
    PatternRefused { span: Span, why: String },
    /// A bank of globs refuses one that it cannot name the pattern of.
    BankRefused { span: Span, why: String },
    /// The bank of a directory of the resource index refuses `pattern`.
    IndexedPatternRefused {
        span: Span,
        pattern: String,
        why: String,
    },
    /// A condition the engine cannot compile, for the reason `why`.
    Condition { span: Span, why: String },
    /// More statements (or texts) than the engine's ids can number.
    TooManyStatements { span: Span },
    /// A broken invariant of the index.
    IndexInvariant { span: Span },
    /// A broken invariant of compiling a statement.
    CompileInvariant { span: Span },
}

impl Problem {
    /// Where the problem stands.
    pub(crate) fn span(&self) -> Span {
        match self {
            Problem::PatternRefused { span, .. }
            | Problem::BankRefused { span, .. }
            | Problem::IndexedPatternRefused { span, .. }
            | Problem::Condition { span, .. }
            | Problem::TooManyStatements { span }
            | Problem::IndexInvariant { span }
            | Problem::CompileInvariant { span } => *span,
        }
    }

    /// The problem placed at `span` instead.
    pub(crate) fn at(mut self, at: Span) -> Problem {
        match &mut self {
            Problem::PatternRefused { span, .. }
            | Problem::BankRefused { span, .. }
            | Problem::IndexedPatternRefused { span, .. }
            | Problem::Condition { span, .. }
            | Problem::TooManyStatements { span }
            | Problem::IndexInvariant { span }
            | Problem::CompileInvariant { span } => *span = at,
        }
        self
    }

    /// The diagnostic's message.
    fn message(&self) -> String {
        match self {
            Problem::PatternRefused { why, .. } => {
                format!("the pattern cannot be compiled: {why}")
            }
            Problem::BankRefused { why, .. } => format!("a pattern cannot be compiled: {why}"),
            Problem::IndexedPatternRefused { pattern, why, .. } => {
                format!("the pattern `{pattern}` cannot be compiled: {why}")
            }
            Problem::Condition { why, .. } => why.clone(),
            Problem::TooManyStatements { .. } => {
                format!("a policy set holds at most {} statements", u32::MAX)
            }
            Problem::IndexInvariant { .. } => {
                "internal error while indexing this pattern; please report it".into()
            }
            Problem::CompileInvariant { .. } => {
                "internal error while compiling this statement; please report it".into()
            }
        }
    }
}

/// Globs per `GlobSet` to start with. globset turns the globs that need a
/// regex into one regex per set, and the regex engine refuses one past its
/// size limit (from about 13,000 globs like `svc-p1-*-x`); a few smaller sets
/// cost a few more searches per match and are always built.
const GLOBS_PER_SET: usize = 1024;

/// A condition's banks of at most this many globs are matched by characters: a `GlobSet` brings a regex with
/// a lazily built automaton and its cache, which costs more to reach than
/// a few globs cost to read, and which a set of thousands of such
/// statements (one bank each) turns into megabytes the decision wanders
/// through (measured in `import/benches/imported.rs`, `aws_tagged`).
const BY_CHARS_UP_TO: usize = 4;

/// ... when each has at most this many `*` / `**`: matching by characters
/// reads the subject once per star, so a glob with a few stars costs time
/// linear in the subject, as a regex would.
const BY_CHARS_STARS: usize = 4;

/// The `*` and `**` of a glob, alternatives counted as their worst.
fn stars(nodes: &[PatternNode]) -> usize {
    nodes
        .iter()
        .map(|node| match node {
            PatternNode::Star | PatternNode::DoubleStar => 1,
            PatternNode::Alternatives(choices) => {
                choices.iter().map(|c| stars(c)).max().unwrap_or(0)
            }
            _ => 0,
        })
        .sum()
}

/// A glob for a [`GlobBank`]: built by globset from the text printed from
/// the pattern's nodes, and the nodes themselves, which the bank matches by
/// characters where globset would read bytes.
pub(crate) struct BankGlob<'a> {
    pub(crate) glob: Glob,
    pub(crate) nodes: &'a [PatternNode],
}

/// Globs matched together: in as few `GlobSet`s as the regex engine allows,
/// except those that read single characters (`?`, classes), which globset
/// would read as bytes: those are matched by characters
/// ([`StaticGlob`]), one by one. Glob `i` is the `i`th given to
/// [`GlobBank::build`].
#[derive(Debug, Clone, Default)]
pub(crate) struct GlobBank {
    /// Each set, with the index (in `in_sets`) of its first glob.
    sets: Vec<(GlobSet, usize)>,
    /// The index given to [`GlobBank::build`] of each glob in the sets.
    in_sets: Vec<usize>,
    /// The globs matched by characters, with the index given.
    by_chars: Vec<(usize, StaticGlob)>,
}

impl GlobBank {
    /// Builds the bank for globs read with `syntax` (the options they were
    /// built with), or names a glob (by index) that cannot be built even on
    /// its own, with the engine's reason.
    pub(crate) fn build(
        globs: &[BankGlob<'_>],
        syntax: GlobSyntax,
    ) -> Result<GlobBank, (usize, String)> {
        GlobBank::build_with(globs, syntax, false)
    }

    /// [`GlobBank::build`] for a condition's `like` / `ilike`: a few globs
    /// with a few stars each are matched by characters. A matcher line keeps
    /// globset, whose literal and prefix strategies suit the lines a
    /// decision verifies.
    pub(crate) fn build_for_condition(
        globs: &[BankGlob<'_>],
        syntax: GlobSyntax,
    ) -> Result<GlobBank, (usize, String)> {
        GlobBank::build_with(globs, syntax, true)
    }

    fn build_with(
        globs: &[BankGlob<'_>],
        syntax: GlobSyntax,
        few_by_chars: bool,
    ) -> Result<GlobBank, (usize, String)> {
        let mut in_sets = Vec::new();
        let mut for_sets = Vec::new();
        let mut by_chars = Vec::new();
        let small = few_by_chars
            && globs.len() <= BY_CHARS_UP_TO
            && globs.iter().all(|g| stars(g.nodes) <= BY_CHARS_STARS);
        for (i, glob) in globs.iter().enumerate() {
            // The Wasm modules match every glob by characters: without
            // globset's sets they leave out the regex engine, about 450 KB
            // of a module (wasm/ABI.md, "Globs"). Same answers; a line's
            // globs are tried one after another there.
            if cfg!(target_arch = "wasm32") || small || StaticGlob::reads_single_chars(glob.nodes) {
                let by_char = StaticGlob::new(glob.nodes, syntax).map_err(|why| (i, why))?;
                by_chars.push((i, by_char));
            } else {
                in_sets.push(i);
                for_sets.push(glob.glob.clone());
            }
        }
        let mut sets = Vec::new();
        for (n, chunk) in for_sets.chunks(GLOBS_PER_SET).enumerate() {
            build_sets(chunk, n * GLOBS_PER_SET, &mut sets)
                .map_err(|(i, why)| (in_sets.get(i).copied().unwrap_or(usize::MAX), why))?;
        }
        Ok(GlobBank {
            sets,
            in_sets,
            by_chars,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.sets.is_empty() && self.by_chars.is_empty()
    }

    /// Whether a glob of the bank matches `subject`: unknown when none
    /// does but one could not be decided.
    pub(crate) fn is_match(&self, subject: &str) -> Truth {
        let in_sets = match self.sets.as_slice() {
            [] => false,
            [(set, _)] => set.is_match(subject),
            sets => {
                let candidate = Candidate::new(subject);
                sets.iter()
                    .any(|(set, _)| set.is_match_candidate(&candidate))
            }
        };
        let mut truth = Truth::from_bool(in_sets);
        for (_, glob) in &self.by_chars {
            if truth == Truth::True {
                break;
            }
            truth = truth.or(Truth::known(glob.is_match(subject)));
        }
        truth
    }

    /// Calls `found` with the index of every glob matching `subject`, and
    /// `undecided` with that of every glob the matcher could not decide
    /// (`candidate` is `subject` for globset); `scratch` is reused between
    /// sets.
    pub(crate) fn matches_into(
        &self,
        subject: &str,
        candidate: &Candidate,
        scratch: &mut Vec<usize>,
        mut found: impl FnMut(usize),
        mut undecided: impl FnMut(usize),
    ) {
        for (set, first) in &self.sets {
            set.matches_candidate_into(candidate, scratch);
            // A set returns indices of its own globs only, and the set
            // starting at `first` was built from `in_sets[first..]`.
            for &i in scratch.iter() {
                if let Some(&given) = self.in_sets.get(first + i) {
                    found(given);
                }
            }
        }
        for (i, glob) in &self.by_chars {
            match glob.is_match(subject) {
                Some(true) => found(*i),
                Some(false) => {}
                None => undecided(*i),
            }
        }
    }
}

/// Builds `globs` (the first being glob `first`) as one set, or, if the
/// engine refuses, as two halves, recursively.
fn build_sets(
    globs: &[Glob],
    first: usize,
    sets: &mut Vec<(GlobSet, usize)>,
) -> Result<(), (usize, String)> {
    let mut builder = GlobSetBuilder::new();
    globs.iter().for_each(|g| {
        builder.add(g.clone());
    });
    match builder.build() {
        Ok(set) => {
            sets.push((set, first));
            Ok(())
        }
        Err(error) if globs.len() <= 1 => Err((first, error.kind().to_string())),
        Err(_) => {
            let (left, right) = globs.split_at(globs.len() / 2);
            build_sets(left, first, sets)?;
            build_sets(right, first + left.len(), sets)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Each problem becomes one located diagnostic, worded as compiling
    /// words it.
    #[test]
    fn problems_become_located_diagnostics() {
        let span = Span::new(4, 9);
        let cases = [
            (
                Problem::PatternRefused {
                    span,
                    why: "too big".into(),
                },
                "the pattern cannot be compiled: too big",
            ),
            (
                Problem::BankRefused {
                    span,
                    why: "too big".into(),
                },
                "a pattern cannot be compiled: too big",
            ),
            (
                Problem::IndexedPatternRefused {
                    span,
                    pattern: "a/*".into(),
                    why: "too big".into(),
                },
                "the pattern `a/*` cannot be compiled: too big",
            ),
            (
                Problem::Condition {
                    span,
                    why: "`contains` takes a string".into(),
                },
                "`contains` takes a string",
            ),
            (
                Problem::TooManyStatements {
                    span: Span::default(),
                }
                .at(span),
                "a policy set holds at most 4294967295 statements",
            ),
            (
                Problem::IndexInvariant { span },
                "internal error while indexing this pattern; please report it",
            ),
            (
                Problem::CompileInvariant { span },
                "internal error while compiling this statement; please report it",
            ),
        ];
        for (problem, message) in cases {
            assert_eq!(problem.span(), span);
            let error =
                CompileError::from_problems("p.policy", "line one\nline two", vec![problem]);
            let d = &error.diagnostics()[0];
            assert_eq!(d.message(), message);
            assert_eq!(d.kind(), DiagnosticKind::LimitExceeded);
            assert_eq!(d.span(), span);
            assert!(d.hint().is_some());
        }
    }
}
