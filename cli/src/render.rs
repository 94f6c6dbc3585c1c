//! Drawing diagnostics for people (through `policy_lang::render`, the one
//! renderer every command uses, with colour on a terminal and plain when
//! piped or with `NO_COLOR`) and for machines (GitHub annotations).

use anstyle::{AnsiColor, Color, Style as Paint};
use policy_lang::Diagnostic;
use policy_lang::render::SourceText;
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

/// `error` and the headers of failures: bold red, as diagnostics draw it.
pub const RED: Paint = Paint::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)));
/// Success in a summary (`ok`, `ALLOW`): bold green.
pub const BOLD_GREEN: Paint = Paint::new()
    .bold()
    .fg_color(Some(Color::Ansi(AnsiColor::Green)));
/// A passing test: green.
pub const GREEN: Paint = Paint::new().fg_color(Some(Color::Ansi(AnsiColor::Green)));

/// `text` in bold red when colour is on for standard error.
pub fn paint_error(style: Style, text: &str) -> String {
    paint(style.color_stderr, RED, text)
}

/// `text` in `style` when `on`.
pub fn paint(on: bool, paint: Paint, text: &str) -> String {
    policy_lang::render::paint(on, paint, text)
}

/// At most this many diagnostics are drawn for people; the rest are counted.
pub const MAX_DRAWN: usize = 100;

/// A diagnostic drawn rustc-style by [`policy_lang::render`]: message,
/// `file:line:column`, the source line with carets under the span, what was
/// expected and a hint. `source` is the text the diagnostic is about; with
/// an empty one (a file not at hand) only the place is named.
pub fn human(diagnostic: &Diagnostic, source: &str, color: bool) -> String {
    if source.is_empty() && diagnostic.span().end > 0 {
        return diagnostic.report(None).render(color);
    }
    let text = SourceText::new(diagnostic.file(), source);
    diagnostic.report(Some(&text)).render(color)
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
    let texts: Vec<SourceText> = sources
        .iter()
        .map(|s| SourceText::new(&s.name, &s.text))
        .collect();
    let diagnostics = error.as_ref();
    for d in diagnostics.iter().take(MAX_DRAWN) {
        let source = texts.iter().find(|s| s.name() == d.file());
        out.push_str(&d.report(source).render(color));
        // A blank line between diagnostics, as rustc draws them.
        out.push('\n');
    }
    if diagnostics.len() > MAX_DRAWN {
        out.push_str(&format!(
            "... and {} more error(s) not shown; `policy check --format json` lists every one\n",
            diagnostics.len() - MAX_DRAWN
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn diagnostic(source: &str) -> Diagnostic {
        policy_lang::parse("f.policy", source)
            .unwrap_err()
            .diagnostics()[0]
            .clone()
    }

    #[test]
    fn human_draws_the_line_or_only_names_the_place_without_the_source() {
        let source = "policy \"p\" {\n  alow \"x\" {}\n}\n";
        let d = diagnostic(source);
        let drawn = human(&d, source, false);
        assert!(drawn.contains("2 |   alow \"x\" {}\n"), "{drawn}");
        let bare = human(&d, "", false);
        assert!(bare.contains(" --> f.policy:2:3\n"), "{bare}");
        assert!(!bare.contains('|'), "{bare}");
        assert!(bare.contains("= help: did you mean `allow`?"), "{bare}");
    }

    #[test]
    fn paint_colours_only_when_on() {
        assert_eq!(paint(false, RED, "FAIL"), "FAIL");
        assert_eq!(paint(true, RED, "FAIL"), "\x1b[1m\x1b[31mFAIL\x1b[0m");
        assert_eq!(paint(true, GREEN, "PASS"), "\x1b[32mPASS\x1b[0m");
    }
}
