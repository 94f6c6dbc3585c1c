//! Drawing diagnostics for people (ariadne, with carets and colour on a
//! terminal, plain when piped) and for machines (JSON, GitHub annotations).

use policy_lang::Diagnostic;
use std::io::IsTerminal;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when the output is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// How to draw for the current output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Colour diagnostics on standard error.
    pub color_stderr: bool,
    /// Colour text on standard output.
    pub color_stdout: bool,
}

impl Style {
    pub fn new(choice: ColorChoice) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let pick = |is_terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && !no_color,
        };
        Style {
            color_stderr: pick(std::io::stderr().is_terminal()),
            color_stdout: pick(std::io::stdout().is_terminal()),
        }
    }
}

/// `text` in bold red when colour is on.
pub fn paint_error(style: Style, text: &str) -> String {
    if style.color_stderr {
        format!("\x1b[1;31m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `text` in the given ANSI colour code when `on`.
pub fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// A diagnostic drawn rustc-style: message, `file:line:column`, the source
/// line with carets under the span, what was expected and a hint.
pub fn human(diagnostic: &Diagnostic, source: &str, color: bool) -> String {
    use ariadne::{Color, Config, IndexType, Label, Report, ReportKind, Source};
    let file = diagnostic.file().to_string();
    let span = diagnostic.span();
    let end = span
        .end
        .max(span.start + 1)
        .min(source.len().max(span.start));
    let range = span.start..end.max(span.start);
    let mut report = Report::build(ReportKind::Error, (file.clone(), range.clone()))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(IndexType::Byte),
        )
        .with_code(diagnostic.kind().code())
        .with_message(diagnostic.message())
        .with_label(
            Label::new((file.clone(), range))
                .with_message(diagnostic.expected().map_or_else(
                    || diagnostic.message().to_string(),
                    |e| format!("expected {e}"),
                ))
                .with_color(Color::Red),
        );
    for related in diagnostic.related() {
        let r = related.span.start
            ..related
                .span
                .end
                .max(related.span.start + 1)
                .min(source.len().max(related.span.start));
        report = report.with_label(
            Label::new((file.clone(), r))
                .with_message(&related.message)
                .with_color(Color::Blue),
        );
    }
    if let Some(hint) = diagnostic.hint() {
        report = report.with_help(hint);
    }
    let mut out = Vec::new();
    let written = report
        .finish()
        .write((file.clone(), Source::from(source)), &mut out);
    match written {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => diagnostic.render(source),
    }
}

/// A diagnostic as a GitHub Actions annotation.
pub fn github(diagnostic: &Diagnostic) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_property = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut message = diagnostic.message().to_string();
    if let Some(hint) = diagnostic.hint() {
        message.push_str(&format!(" (help: {hint})"));
    }
    format!(
        "::error file={},line={},col={},title={}::{}",
        escape_property(diagnostic.file()),
        diagnostic.location().line,
        diagnostic.location().column,
        escape_property(diagnostic.kind().code()),
        escape(&message)
    )
}

/// Renders every diagnostic of a compile error for people.
pub fn human_all(
    error: &policy_lang::ParseError,
    sources: &[crate::load::SourceFile],
    color: bool,
) -> String {
    let mut out = String::new();
    for d in error.diagnostics() {
        let text = sources
            .iter()
            .find(|s| s.name == d.file())
            .map_or("", |s| s.text.as_str());
        out.push_str(&human(d, text, color));
    }
    out
}
