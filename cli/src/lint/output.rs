//! Findings for people (rustc-style, with the source line and carets) and
//! for machines (a JSON array).

use super::context::Context;
use super::model::{Finding, Severity, rule};
use policy_lang::render::{Level, Report, SourceText};
use serde_json::{Value, json};

/// A finding's place: 1-based lines and columns (in characters); the end is
/// the position just after the last character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Where a span of file `file` stands.
pub fn region(cx: &Context, file: usize, span: policy_lang::Span) -> Region {
    let (line, column) = cx.line_column(file, span.start);
    let (end_line, end_column) = cx.line_column(file, span.end.max(span.start));
    Region {
        line,
        column,
        end_line,
        end_column,
    }
}

/// Every finding drawn for people, then a summary line.
pub fn text(cx: &Context, findings: &[Finding], color: bool) -> String {
    // One line index per file, however many findings it has.
    let sources: Vec<SourceText> = (0..cx.sources.len())
        .map(|file| SourceText::new(cx.file_name(file), cx.source(file)))
        .collect();
    let mut out = String::new();
    for finding in findings {
        if let Some(source) = sources.get(finding.file) {
            out.push_str(&human(&sources, source, finding, color));
            out.push('\n');
        }
    }
    out.push_str(&summary(cx, findings));
    out.push('\n');
    out
}

fn summary(cx: &Context, findings: &[Finding]) -> String {
    let files = cx.sources.len();
    let statements = cx.units.len();
    if findings.is_empty() {
        return format!("ok: no findings in {files} file(s), {statements} statement(s)");
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{} finding(s) in {files} file(s), {statements} statement(s): {} error(s), {} warning(s), {} note(s)",
        findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note)
    )
}

/// One finding drawn rustc-style by `policy_lang::render`: the severity as
/// the level, the rule id as the code, the rule's label under the marks, the
/// related statement (in this file or another) as a secondary place, and
/// the fix as `= help:`.
fn human(sources: &[SourceText], source: &SourceText, finding: &Finding, color: bool) -> String {
    let level = match finding.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Note => Level::Note,
    };
    let label = rule(finding.rule).map_or("", |(_, r)| r.label);
    let mut report = Report::new(level, &finding.message)
        .code(finding.rule)
        .primary(source, finding.span, label);
    if let Some(related) = &finding.related
        && let Some(other) = sources.get(related.file)
    {
        report = report.secondary(other, related.span, &related.message);
    }
    report.note("help", &finding.hint).render(color)
}

/// The findings as GitHub Actions annotations, one line each: `::error`,
/// `::warning` or `::notice` by severity, with the file, the region and the
/// rule id as title; the message ends with the hint.
pub fn github(cx: &Context, findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let r = region(cx, finding.file, finding.span);
        let level = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        out.push_str(&crate::render::github_command(
            level,
            &[
                ("file", cx.file_name(finding.file).to_string()),
                ("line", r.line.to_string()),
                ("col", r.column.to_string()),
                ("endLine", r.end_line.to_string()),
                ("endColumn", r.end_column.to_string()),
                ("title", finding.rule.to_string()),
            ],
            &format!("{} (help: {})", finding.message, finding.hint),
        ));
        out.push('\n');
    }
    out
}

/// The findings as a JSON array.
pub fn json(cx: &Context, findings: &[Finding]) -> Value {
    Value::Array(findings.iter().map(|f| json_finding(cx, f)).collect())
}

fn json_finding(cx: &Context, finding: &Finding) -> Value {
    let r = region(cx, finding.file, finding.span);
    let unit = cx.units.get(finding.statement);
    let related = finding.related.as_ref().map(|rel| {
        let at = region(cx, rel.file, rel.span);
        json!({
            "message": rel.message,
            "file": cx.file_name(rel.file),
            "line": at.line,
            "column": at.column,
        })
    });
    json!({
        "rule": finding.rule,
        "severity": finding.severity.name(),
        "message": finding.message,
        "file": cx.file_name(finding.file),
        "line": r.line,
        "column": r.column,
        "end_line": r.end_line,
        "end_column": r.end_column,
        "hint": finding.hint,
        "policy": unit.map(|u| u.policy.name.as_str()),
        "statement": unit.map(|u| u.statement.name.as_str()),
        "related": related,
    })
}
