//! Invalid input as data: one policy diagnostic, test-file error or file
//! that cannot be read, with its place, for the machine formats (JSON,
//! SARIF, GitHub annotations, JUnit) to report as results on standard
//! output, while people get the same problems drawn on standard error.

use crate::error::CliError;
use crate::render;
use policy_cli::suite::{SuiteError, SuiteErrorKind};
use serde_json::{Value, json};

/// One problem that makes the input invalid (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file at fault, as shown in diagnostics.
    pub file: String,
    /// Line and column (from 1), when the problem has a place in the file.
    pub location: Option<(usize, usize)>,
    /// The end of the place (line and column just after it), when known.
    pub end: Option<(usize, usize)>,
    /// A stable code: a diagnostic's kind (`syntax`, `unknown-key`, ...),
    /// or for other problems `test-file`, `io`.
    pub code: String,
    /// What is wrong, one line.
    pub message: String,
    /// A suggestion for the fix, when there is one.
    pub hint: Option<String>,
}

impl Problem {
    /// A diagnostic of a policy file; `source` is its text, for the end of
    /// the span (`None` when it is not at hand).
    pub fn from_diagnostic(d: &policy_lang::Diagnostic, source: Option<&str>) -> Problem {
        let at = d.location();
        let end = source.map(|text| line_column(text, d.span().end.max(d.span().start)));
        Problem {
            file: d.file().to_string(),
            location: Some((at.line, at.column)),
            end,
            code: d.kind().code().to_string(),
            message: d.message().to_string(),
            hint: d.hint().map(str::to_string),
        }
    }

    /// Every diagnostic of a compile error, with the sources they point into.
    pub fn from_diagnostics(
        diagnostics: &[policy_lang::Diagnostic],
        sources: &[crate::load::SourceFile],
    ) -> Vec<Problem> {
        diagnostics
            .iter()
            .map(|d| {
                let source = sources.iter().find(|s| s.name == d.file());
                Problem::from_diagnostic(d, source.map(|s| s.text.as_str()))
            })
            .collect()
    }

    /// An error in a test file (or in the policies beside it).
    pub fn from_suite(error: &SuiteError) -> Problem {
        let code = match error.kind {
            SuiteErrorKind::Io => "io",
            SuiteErrorKind::NotATestFile => "not-a-test-file",
            SuiteErrorKind::Syntax => "test-file-syntax",
            SuiteErrorKind::Invalid => "invalid-test",
            SuiteErrorKind::Request => "invalid-request",
            SuiteErrorKind::NoPolicies => "no-policies",
            SuiteErrorKind::Compile => "compile",
        };
        let message = match &error.test {
            Some(test) => format!("test {test:?}: {}", error.message),
            None => error.message.clone(),
        };
        Problem {
            file: error.path.display().to_string(),
            location: error.location,
            end: None,
            code: code.to_string(),
            message,
            hint: None,
        }
    }

    /// An input error that is not a diagnostic: a file that cannot be read,
    /// is not UTF-8 or is too large, or a directory without policies.
    pub fn from_cli(error: &CliError) -> Problem {
        let (file, code) = match error {
            CliError::Io { path, .. } => (path.display().to_string(), "io"),
            CliError::NotUtf8 { path, .. } => (path.display().to_string(), "not-utf8"),
            CliError::TooLarge { path, .. } => (path.display().to_string(), "too-large"),
            CliError::NoPolicies { paths } => (
                paths
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                "no-policies",
            ),
            CliError::Compile { .. } => (String::new(), "compile"),
            CliError::Import(error) => (
                error
                    .diagnostics
                    .first()
                    .map(|d| d.file().to_string())
                    .unwrap_or_default(),
                "import",
            ),
            CliError::Usage(_) => (String::new(), "usage"),
        };
        Problem {
            file,
            location: None,
            end: None,
            code: code.to_string(),
            message: error.to_string(),
            hint: None,
        }
    }

    /// The message with its hint, on one line.
    pub fn full_message(&self) -> String {
        match &self.hint {
            Some(hint) => format!("{} (help: {hint})", self.message),
            None => self.message.clone(),
        }
    }

    /// As a GitHub Actions `::error` annotation.
    pub fn github(&self) -> String {
        let mut properties = Vec::new();
        if !self.file.is_empty() {
            properties.push(("file", self.file.clone()));
        }
        if let Some((line, column)) = self.location {
            properties.push(("line", line.to_string()));
            properties.push(("col", column.to_string()));
        }
        if let Some((line, column)) = self.end {
            properties.push(("endLine", line.to_string()));
            properties.push(("endColumn", column.to_string()));
        }
        properties.push(("title", self.code.clone()));
        render::github_command("error", &properties, &self.full_message())
    }

    /// As a JSON object: `code`, `message`, `file`, `line`, `column` (null
    /// when unknown) and `hint`.
    pub fn json(&self) -> Value {
        json!({
            "code": self.code,
            "severity": "error",
            "message": self.message,
            "file": self.file,
            "line": self.location.map(|(line, _)| line),
            "column": self.location.map(|(_, column)| column),
            "end_line": self.end.map(|(line, _)| line),
            "end_column": self.end.map(|(_, column)| column),
            "hint": self.hint,
        })
    }
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        assert_eq!(line_column("ab\ncé d", 0), (1, 1));
        assert_eq!(line_column("ab\ncé d", 3), (2, 1));
        assert_eq!(line_column("ab\ncé d", 6), (2, 3));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn a_problem_is_one_annotation_with_escaped_properties() {
        let problem = Problem {
            file: "a,b:c.policy".to_string(),
            location: Some((3, 7)),
            end: None,
            code: "syntax".to_string(),
            message: "100% wrong\nhere".to_string(),
            hint: None,
        };
        assert_eq!(
            problem.github(),
            "::error file=a%2Cb%3Ac.policy,line=3,col=7,title=syntax::100%25 wrong%0Ahere"
        );
    }
}
