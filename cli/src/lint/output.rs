//! Findings for people (rustc-style, with the source line and carets) and
//! for machines (a JSON array).

use super::context::Context;
use super::model::{Finding, Severity, rule};
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
    let sources: Vec<ariadne::Source<&str>> = (0..cx.sources.len())
        .map(|file| ariadne::Source::from(cx.source(file)))
        .collect();
    let mut out = String::new();
    for finding in findings {
        if let Some(source) = sources.get(finding.file) {
            out.push_str(&human(cx, finding, source, color));
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

/// One finding drawn rustc-style with ariadne.
fn human(cx: &Context, finding: &Finding, cache: &ariadne::Source<&str>, color: bool) -> String {
    use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
    let source = cx.source(finding.file);
    let file = cx.file_name(finding.file).to_string();
    let clamp = |span: policy_lang::Span| {
        let start = span.start.min(source.len());
        start..span.end.clamp(start, source.len())
    };
    let range = clamp(finding.span);
    let (kind, colour) = match finding.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
        Severity::Note => (ReportKind::Custom("note", Color::Cyan), Color::Cyan),
    };
    let mut report = Report::build(kind, (file.clone(), range.clone()))
        .with_config(
            Config::default()
                .with_color(color)
                .with_char_set(ariadne::CharSet::Ascii)
                .with_index_type(IndexType::Byte),
        )
        .with_code(finding.rule)
        .with_message(&finding.message)
        .with_label(
            Label::new((file.clone(), range))
                .with_message(rule(finding.rule).map_or("", |(_, r)| r.label))
                .with_color(colour),
        )
        .with_help(&finding.hint);
    // A related place in the same file is drawn; one elsewhere is named.
    match &finding.related {
        Some(related) if related.file == finding.file => {
            report = report.with_label(
                Label::new((file.clone(), clamp(related.span)))
                    .with_message(&related.message)
                    .with_color(Color::Blue),
            );
        }
        Some(related) => {
            let place = cx.place(related.file, related.span);
            report = report.with_note(format!("{} at {place}", related.message));
        }
        None => {}
    }
    let mut out = Vec::new();
    match report.finish().write((file.clone(), cache), &mut out) {
        Ok(()) if color => String::from_utf8_lossy(&out).into_owned(),
        // ariadne colours custom kinds (`note`) whatever its configuration.
        Ok(()) => strip_ansi(&String::from_utf8_lossy(&out)),
        Err(_) => compact(cx, finding),
    }
}

/// `text` without ANSI escape sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // Skip `[`, parameters, and the final letter.
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `file:line:col: severity[rule]: message` and a help line.
fn compact(cx: &Context, finding: &Finding) -> String {
    format!(
        "{}: {}[{}]: {}\n  = help: {}\n",
        cx.place(finding.file, finding.span),
        finding.severity.name(),
        finding.rule,
        finding.message,
        finding.hint
    )
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
