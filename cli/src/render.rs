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

/// Lines longer than this (in bytes) are not drawn whole: the diagnostic
/// shows an excerpt around the span instead, so that a minified or garbage
/// file does not flood the terminal.
const MAX_DRAWN_LINE: usize = 240;

/// At most this many diagnostics are drawn for people; the rest are counted.
pub const MAX_DRAWN: usize = 100;

/// A diagnostic drawn rustc-style: message, `file:line:column`, the source
/// line with carets under the span, what was expected and a hint.
pub fn human(diagnostic: &Diagnostic, source: &str, color: bool) -> String {
    let indexed = (!odd_line_breaks(source)).then(|| ariadne::Source::from(source));
    human_with(diagnostic, source, indexed.as_ref(), color)
}

/// True when `source` breaks lines with something other than `\n` or
/// `\r\n`, which ariadne counts as lines and the parser does not.
fn odd_line_breaks(source: &str) -> bool {
    source.contains(['\x0B', '\x0C', '\u{85}', '\u{2028}', '\u{2029}'])
        || source
            .match_indices('\r')
            .any(|(i, _)| !source[i..].starts_with("\r\n"))
}

/// [`human`], with the source already indexed by ariadne, or `None` when
/// ariadne would number its lines differently from the parser.
fn human_with(
    diagnostic: &Diagnostic,
    source: &str,
    indexed: Option<&ariadne::Source<&str>>,
    color: bool,
) -> String {
    use ariadne::{CharSet, Color, Config, IndexType, Label, Report, ReportKind};
    let Some(indexed) = indexed else {
        return excerpt(diagnostic, source, color);
    };
    // ariadne puts the end of a file that ends with a line break on the last
    // line, where the parser counts one more, empty, line.
    let at_end =
        |start: usize| start >= source.len() && (source.is_empty() || source.ends_with('\n'));
    let spans =
        std::iter::once(diagnostic.span()).chain(diagnostic.related().iter().map(|r| r.span));
    if spans
        .clone()
        .any(|s| at_end(s.start) || line_of(source, s.start).len() > MAX_DRAWN_LINE)
    {
        return excerpt(diagnostic, source, color);
    }
    let file = diagnostic.file().to_string();
    let clamp = |span: policy_lang::Span| {
        let start = span.start.min(source.len());
        start..span.end.max(start + 1).min(source.len().max(start))
    };
    let range = clamp(diagnostic.span());
    // Labels are ordered by position so that a related place above the
    // primary one is drawn in the same snippet, under the right header.
    let order = |start: usize| i32::try_from(start).unwrap_or(i32::MAX);
    let mut report = Report::build(ReportKind::Error, (file.clone(), range.clone()))
        .with_config(
            Config::default()
                .with_color(color)
                .with_char_set(CharSet::Ascii)
                .with_index_type(IndexType::Byte),
        )
        .with_code(diagnostic.kind().code())
        .with_message(diagnostic.message())
        .with_label(
            Label::new((file.clone(), range.clone()))
                .with_message(label_text(diagnostic))
                .with_order(order(range.start))
                .with_color(Color::Red),
        );
    for related in diagnostic.related() {
        let r = clamp(related.span);
        report = report.with_label(
            Label::new((file.clone(), r.clone()))
                .with_message(&related.message)
                .with_order(order(r.start))
                .with_color(Color::Blue),
        );
    }
    if let Some(hint) = diagnostic.hint() {
        report = report.with_help(hint);
    }
    let mut out = Vec::new();
    let written = report.finish().write((file, indexed), &mut out);
    match written {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => excerpt(diagnostic, source, color),
    }
}

fn label_text(diagnostic: &Diagnostic) -> String {
    diagnostic.expected().map_or_else(
        || diagnostic.message().to_string(),
        |e| format!("expected {e}"),
    )
}

/// The line of `source` that holds byte `offset`, without its line break.
fn line_of(source: &str, offset: usize) -> &str {
    let offset = floor_boundary(source, offset.min(source.len()));
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    source[start..end]
        .strip_suffix('\r')
        .unwrap_or(&source[start..end])
}

/// `text` with tabs and other control or line-breaking characters as spaces,
/// so that it stays on one line and the carets under it line up.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn floor_boundary(source: &str, mut offset: usize) -> usize {
    while offset > 0 && !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A diagnostic drawn without ariadne, with at most a few dozen characters
/// of each long line around the span.
fn excerpt(diagnostic: &Diagnostic, source: &str, color: bool) -> String {
    let mut out = format!(
        "[{}] {}: {}\n",
        diagnostic.kind().code(),
        paint(color, "1;31", "Error"),
        diagnostic.message()
    );
    let at = diagnostic.location();
    let mut places = vec![(diagnostic.span(), at, label_text(diagnostic))];
    for related in diagnostic.related() {
        places.push((related.span, related.location, related.message.clone()));
    }
    let width = places
        .iter()
        .map(|(_, at, _)| at.line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    for (span, at, label) in places {
        out.push_str(&format!(
            "{pad} --> {}:{}:{}\n",
            diagnostic.file(),
            at.line,
            at.column
        ));
        let (before, marked, after) = window(source, span);
        let shown = printable(&format!("{before}{marked}{after}"));
        out.push_str(&format!("{:>width$} | {shown}\n", at.line));
        let carets = "^".repeat(marked.chars().count().max(1));
        let indent = " ".repeat(before.chars().count());
        out.push_str(&format!(
            "{pad} | {indent}{} {label}\n",
            paint(color, "1;31", &carets)
        ));
    }
    if let Some(hint) = diagnostic.hint() {
        out.push_str(&format!("{pad} = help: {hint}\n"));
    }
    out
}

/// Up to 40 characters before the span, up to 60 of the span and up to 20
/// after it, all on the span's line, with `...` where the line was cut.
fn window(source: &str, span: policy_lang::Span) -> (String, String, String) {
    let start = floor_boundary(source, span.start.min(source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    // (A span on the `\n` of a `\r\n` starts after its line's text.)
    let line_end = (line_start + line_of(source, start).len()).max(start);
    let end = floor_boundary(source, span.end.clamp(start, line_end));
    let head = &source[line_start..start];
    let skip = head.chars().count().saturating_sub(40);
    let mut before: String = head.chars().skip(skip).collect();
    if skip > 0 {
        before.insert_str(0, "...");
    }
    let body = &source[start..end];
    let mut marked: String = body.chars().take(60).collect();
    let mut rest_start = start + marked.len();
    if marked.is_empty() {
        // An empty span (such as the end of the file) marks one character.
        marked = source[start..line_end].chars().take(1).collect();
        rest_start = start + marked.len();
    }
    let tail = &source[rest_start..line_end];
    let mut after: String = tail.chars().take(20).collect();
    if tail.len() > after.len() {
        after.push_str("...");
    }
    (before, marked, after)
}

/// A diagnostic as a GitHub Actions annotation.
pub fn github(diagnostic: &Diagnostic) -> String {
    let mut message = diagnostic.message().to_string();
    if let Some(hint) = diagnostic.hint() {
        message.push_str(&format!(" (help: {hint})"));
    }
    github_command(
        "error",
        &[
            ("file", diagnostic.file().to_string()),
            ("line", diagnostic.location().line.to_string()),
            ("col", diagnostic.location().column.to_string()),
            ("title", diagnostic.kind().code().to_string()),
        ],
        &message,
    )
}

/// A GitHub Actions workflow command, `::LEVEL key=value,...::message`
/// (LEVEL is `error`, `warning` or `notice`). The message escapes `%`, `\r`
/// and `\n`; property values also escape `:` and `,`, which would end them.
pub fn github_command(level: &str, properties: &[(&str, String)], message: &str) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_property = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!("::{level} {}::{}", properties.join(","), escape(message))
}

/// Renders the diagnostics of a compile error for people: the first
/// [`MAX_DRAWN`], then a line counting the others.
pub fn human_all(
    error: &(impl AsRef<[policy_lang::Diagnostic]> + ?Sized),
    sources: &[crate::load::SourceFile],
    color: bool,
) -> String {
    let mut out = String::new();
    // Each source is indexed once, however many diagnostics it has.
    let mut indexed: Vec<Option<Option<ariadne::Source<&str>>>> =
        sources.iter().map(|_| None).collect();
    let diagnostics = error.as_ref();
    for d in diagnostics.iter().take(MAX_DRAWN) {
        let found = sources.iter().position(|s| s.name == d.file());
        match found {
            Some(i) => {
                let text = sources[i].text.as_str();
                let source = indexed[i].get_or_insert_with(|| {
                    (!odd_line_breaks(text)).then(|| ariadne::Source::from(text))
                });
                out.push_str(&human_with(d, text, source.as_ref(), color));
            }
            None => out.push_str(&human(d, "", color)),
        }
    }
    if diagnostics.len() > MAX_DRAWN {
        out.push_str(&format!(
            "... and {} more error(s) not shown; `policy check --format json` lists every one\n",
            diagnostics.len() - MAX_DRAWN
        ));
    }
    out
}
