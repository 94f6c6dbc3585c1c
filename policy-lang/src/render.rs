//! Drawing diagnostics for people, in the style of rustc.
//!
//! Every diagnostic a Tessera tool shows a person, whether the parser's, a
//! test file's or a lint finding, is drawn here, so that they all read alike:
//!
//! ```text
//! error[unknown-key]: unknown attribute `sorce_ip`
//!  --> payments.policy:6:12
//!   |
//! 6 |     when { sorce_ip in 10.0.0.0/8 }
//!   |            ^^^^^^^^
//!   = expected: a request attribute such as ...
//!   = help: did you mean `source_ip`?
//! ```
//!
//! A [`Report`] is a level, a code, a message, places in sources (one
//! primary, marked `^`, and any number of secondary ones, marked `-`, each
//! with an optional label) and notes (`= help: ...`). With colour on, the
//! level is bold red (error), yellow (warning) or green (note), and the
//! gutter, arrows and secondary marks are bold blue, as rustc draws them.
//!
//! The drawing never panics and never prints more than a window of a long
//! line, whatever it is fed:
//!
//! - Lines are numbered as the parser numbers them: only `\n` breaks a line
//!   (a `\r` before it is not shown; `\x0B`, `\x0C`, U+0085, U+2028 and
//!   U+2029 are characters of the line).
//! - A tab is drawn as four spaces and every other control or line-breaking
//!   character as `�`, so that the line stays one line and the marks line up.
//! - A span past the end of its source is moved to the end; an offset inside
//!   a character is moved to the character's start.
//! - A span over several lines is marked to the end of its first line; an
//!   empty span (such as the end of a file) gets one mark.
//! - A line longer than [`MAX_LINE_BYTES`] is drawn as a window around each
//!   mark (up to 40 characters before it, 60 of it and 20 after), with `...`
//!   where the line was cut.
//!
//! ```
//! use policy_lang::render::{Level, Report, SourceText};
//! use policy_lang::Span;
//! let source = SourceText::new("ops.policy", "policy \"ops\" {\n  allow \"a\" { action * }\n}\n");
//! let text = Report::new(Level::Warning, "grants every action")
//!     .code("allow-all-actions")
//!     .primary(&source, Span::new(36, 37), "too many actions")
//!     .note("help", "list only the actions the principals need")
//!     .render(false);
//! assert_eq!(text, "\
//! warning[allow-all-actions]: grants every action
//!  --> ops.policy:2:22
//!   |
//! 2 |   allow \"a\" { action * }
//!   |                      ^ too many actions
//!   = help: list only the actions the principals need
//! ");
//! ```

use crate::{Diagnostic, LineColumn, Span};
use anstyle::{AnsiColor, Style};
use std::cell::OnceCell;

/// Lines longer than this (in bytes) are not drawn whole: each mark on them
/// is drawn with a window of the line around it, so that a minified or
/// garbage file does not flood the terminal.
pub const MAX_LINE_BYTES: usize = 240;

/// Characters of a long line drawn before a mark.
const WINDOW_BEFORE: usize = 40;
/// Characters of a mark drawn on a long line.
const WINDOW_MARKED: usize = 60;
/// Characters of a long line drawn after a mark.
const WINDOW_AFTER: usize = 20;
/// A tab is drawn as this many spaces.
const TAB_WIDTH: usize = 4;

/// How serious a report is; it names the report and picks its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Level {
    /// `error`, in bold red.
    Error,
    /// `warning`, in bold yellow.
    Warning,
    /// `note`, in bold green.
    Note,
}

impl Level {
    /// `"error"`, `"warning"` or `"note"`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }

    /// The style the level's name and primary marks are drawn in.
    pub fn style(self) -> Style {
        let color = match self {
            Level::Error => AnsiColor::Red,
            Level::Warning => AnsiColor::Yellow,
            Level::Note => AnsiColor::Green,
        };
        Style::new().bold().fg_color(Some(color.into()))
    }

    /// The level's name, in its style when `color` is on: for one-line
    /// messages such as `warning: ...` that go beside drawn reports.
    ///
    /// ```
    /// use policy_lang::render::Level;
    /// assert_eq!(Level::Warning.painted(false), "warning");
    /// assert_eq!(Level::Warning.painted(true), "\x1b[1m\x1b[33mwarning\x1b[0m");
    /// ```
    pub fn painted(self, color: bool) -> String {
        paint(color, self.style(), self.name())
    }
}

/// The style of the gutter, the arrows, `=` and secondary marks.
pub fn accent() -> Style {
    Style::new().bold().fg_color(Some(AnsiColor::Blue.into()))
}

/// `text` in `style` when `color` is on, plain otherwise.
pub fn paint(color: bool, style: Style, text: &str) -> String {
    if color && !text.is_empty() {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

/// A named source text, with its line table built on first use, so that
/// drawing many reports about one source reads it once.
#[derive(Debug)]
pub struct SourceText<'a> {
    name: &'a str,
    text: &'a str,
    line_starts: OnceCell<Vec<usize>>,
}

impl<'a> SourceText<'a> {
    /// The text `text` of the file `name`.
    pub fn new(name: &'a str, text: &'a str) -> SourceText<'a> {
        SourceText {
            name,
            text,
            line_starts: OnceCell::new(),
        }
    }

    /// The file name, as reports show it.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        })
    }

    /// Line and column (1-based, columns in characters) of byte `offset`,
    /// clamped to the text and moved back to a character boundary, exactly
    /// as the parser locates its diagnostics.
    ///
    /// ```
    /// let s = policy_lang::render::SourceText::new("a", "ab\r\ncé\u{2028}d");
    /// assert_eq!((s.locate(4).line, s.locate(4).column), (2, 1));
    /// assert_eq!((s.locate(8).line, s.locate(8).column), (2, 3));
    /// assert_eq!((s.locate(99).line, s.locate(99).column), (2, 5));
    /// ```
    pub fn locate(&self, offset: usize) -> LineColumn {
        let place = self.place(Span::new(offset, offset));
        LineColumn {
            line: place.line,
            column: place.column,
        }
    }

    /// Where `span` stands: clamped to the text and to character boundaries,
    /// its line, column, and the bounds of its line.
    fn place(&self, span: Span) -> Place {
        let text = self.text;
        let start = floor_boundary(text, span.start);
        let end = floor_boundary(text, span.end.max(start));
        let starts = self.line_starts();
        let index = starts.partition_point(|&s| s <= start).saturating_sub(1);
        let line_start = starts.get(index).copied().unwrap_or(0).min(start);
        let line_end = starts
            .get(index + 1)
            .map_or(text.len(), |next| next.saturating_sub(1))
            .max(start);
        let column = text.get(line_start..start).map_or(0, |s| s.chars().count()) + 1;
        Place {
            line: index + 1,
            column,
            line_start,
            line_end,
            start,
            end: end.min(line_end),
        }
    }
}

/// A span resolved against its source. Every offset is a character boundary
/// of the source, and `line_start <= start <= end <= line_end`.
#[derive(Debug, Clone, Copy)]
struct Place {
    line: usize,
    column: usize,
    line_start: usize,
    line_end: usize,
    start: usize,
    /// The end of the span, or of its first line when it runs further.
    end: usize,
}

/// `offset` clamped to `text`, moved back to a character boundary.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Where a label points: a span of a source, or only a line and column when
/// the source is not at hand.
#[derive(Debug, Clone)]
enum Target<'a> {
    Span(&'a SourceText<'a>, Span),
    Bare(String, LineColumn),
}

#[derive(Debug, Clone)]
struct Label<'a> {
    target: Target<'a>,
    text: String,
    primary: bool,
}

/// One diagnostic to draw: see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Report<'a> {
    level: Level,
    code: Option<String>,
    message: String,
    labels: Vec<Label<'a>>,
    notes: Vec<(String, String)>,
}

impl<'a> Report<'a> {
    /// A report with no place yet.
    pub fn new(level: Level, message: impl Into<String>) -> Report<'a> {
        Report {
            level,
            code: None,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The code shown in brackets after the level, such as `unknown-key`.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The place the report is about, marked `^`, with `label` beside the
    /// marks (empty for none). Its line and column head the drawing.
    pub fn primary(mut self, source: &'a SourceText<'a>, span: Span, label: &str) -> Self {
        self.labels.push(Label {
            target: Target::Span(source, span),
            text: label.to_string(),
            primary: true,
        });
        self
    }

    /// The place the report is about when its source is not at hand: only
    /// `file:line:column` is shown.
    pub fn primary_at(mut self, file: &str, at: LineColumn) -> Self {
        self.labels.push(Label {
            target: Target::Bare(file.to_string(), at),
            text: String::new(),
            primary: true,
        });
        self
    }

    /// Another place that explains this one, marked `-` with `label`. A place
    /// in another source is drawn under a `::: file:line:column` header.
    pub fn secondary(mut self, source: &'a SourceText<'a>, span: Span, label: &str) -> Self {
        self.labels.push(Label {
            target: Target::Span(source, span),
            text: label.to_string(),
            primary: false,
        });
        self
    }

    /// A note under the drawing, `= kind: text`, such as `("help", "...")`.
    pub fn note(mut self, kind: &str, text: &str) -> Self {
        self.notes.push((kind.to_string(), text.to_string()));
        self
    }

    /// The report as text, one line per line, each ending in `\n`; with ANSI
    /// colours when `color` is on.
    pub fn render(&self, color: bool) -> String {
        let level = self.level.style();
        let blue = accent();
        let mut out = paint(color, level, self.level.name());
        if let Some(code) = &self.code {
            out.push_str(&paint(color, level, &format!("[{code}]")));
        }
        out.push_str(&paint(
            color,
            Style::new().bold(),
            &format!(": {}", self.message),
        ));
        out.push('\n');

        // Labels in groups by source, the primary's first; in line order.
        let mut groups: Vec<Group> = Vec::new();
        let mut ordered: Vec<&Label> = self.labels.iter().filter(|l| l.primary).collect();
        ordered.extend(self.labels.iter().filter(|l| !l.primary));
        for label in ordered {
            let (key, file, at, mark) = match &label.target {
                Target::Span(source, span) => {
                    let place = source.place(*span);
                    let at = LineColumn {
                        line: place.line,
                        column: place.column,
                    };
                    let key = GroupKey::Source(source.name().to_string());
                    (key, source.name().to_string(), at, Some((*source, place)))
                }
                Target::Bare(file, at) => {
                    (GroupKey::Bare(file.clone(), *at), file.clone(), *at, None)
                }
            };
            let index = match groups.iter().position(|g| g.key == key) {
                Some(index) => index,
                None => {
                    groups.push(Group {
                        key,
                        file,
                        at,
                        marks: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            if let (Some((source, place)), Some(group)) = (mark, groups.get_mut(index)) {
                group.marks.push(Mark {
                    source,
                    place,
                    label: &label.text,
                    primary: label.primary,
                });
            }
        }
        for group in &mut groups {
            group
                .marks
                .sort_by_key(|m| (m.place.line, m.place.column, !m.primary));
        }

        let width = groups
            .iter()
            .flat_map(|g| g.marks.iter().map(|m| m.place.line))
            .chain(groups.iter().map(|g| g.at.line))
            .max()
            .unwrap_or(1)
            .to_string()
            .len();
        let pad = " ".repeat(width);
        let gutter = paint(color, blue, "|");
        for (index, group) in groups.iter().enumerate() {
            let arrow = if index == 0 { "-->" } else { ":::" };
            out.push_str(&format!(
                "{pad}{} {}:{}:{}\n",
                paint(color, blue, arrow),
                group.file,
                group.at.line,
                group.at.column
            ));
            if group.marks.is_empty() {
                continue;
            }
            out.push_str(&format!("{pad} {gutter}\n"));
            let mut previous_line: Option<usize> = None;
            let mut i = 0;
            while let Some(first) = group.marks.get(i) {
                let line = first.place.line;
                // The marks on this line.
                let count = group.marks[i..]
                    .iter()
                    .take_while(|m| m.place.line == line)
                    .count();
                let marks = &group.marks[i..i + count];
                i += count;
                if let Some(previous) = previous_line
                    && line > previous + 1
                {
                    out.push_str(&paint(color, blue, "..."));
                    out.push('\n');
                }
                previous_line = Some(line);
                let number = paint(color, blue, &format!("{line:>width$} |"));
                let long = first.place.line_end - first.place.line_start > MAX_LINE_BYTES;
                if long {
                    // Each mark with its own window of the line.
                    for mark in marks {
                        let (shown, indent, marked) = window(mark.source.text(), mark.place);
                        push_source_line(&mut out, &number, &shown);
                        push_marks(&mut out, &pad, &gutter, indent, marked, mark, color, level);
                    }
                } else {
                    let text = mark_text(first.source.text(), first.place);
                    let shown = visible(text, first.place.line_end, first.source.text());
                    push_source_line(&mut out, &number, &shown);
                    for mark in marks {
                        let source = mark.source.text();
                        let indent = width_of(source, mark.place.line_start, mark.place.start);
                        let marked = width_of(source, mark.place.start, mark.place.end).max(1);
                        push_marks(&mut out, &pad, &gutter, indent, marked, mark, color, level);
                    }
                }
            }
        }
        for (kind, text) in &self.notes {
            out.push_str(&format!(
                "{pad} {} {}: {text}\n",
                paint(color, blue, "="),
                paint(color, Style::new().bold(), kind)
            ));
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum GroupKey {
    Source(String),
    Bare(String, LineColumn),
}

struct Group<'a> {
    key: GroupKey,
    file: String,
    at: LineColumn,
    marks: Vec<Mark<'a>>,
}

struct Mark<'a> {
    source: &'a SourceText<'a>,
    place: Place,
    label: &'a str,
    primary: bool,
}

/// The text of the place's line.
fn mark_text(text: &str, place: Place) -> &str {
    text.get(place.line_start..place.line_end).unwrap_or("")
}

fn push_source_line(out: &mut String, number: &str, shown: &str) {
    out.push_str(number);
    if !shown.is_empty() {
        out.push(' ');
        out.push_str(shown);
    }
    out.push('\n');
}

#[allow(clippy::too_many_arguments)]
fn push_marks(
    out: &mut String,
    pad: &str,
    gutter: &str,
    indent: usize,
    marked: usize,
    mark: &Mark,
    color: bool,
    level: Style,
) {
    let (symbol, style) = if mark.primary {
        ("^", level)
    } else {
        ("-", accent())
    };
    out.push_str(&format!("{pad} {gutter} {}", " ".repeat(indent)));
    out.push_str(&paint(color, style, &symbol.repeat(marked)));
    if !mark.label.is_empty() {
        out.push(' ');
        out.push_str(&paint(color, style, mark.label));
    }
    out.push('\n');
}

/// How many columns `c` takes when drawn; `at_line_end` for a `\r` just
/// before the line break, which is not drawn.
fn char_width(c: char, at_line_end: bool) -> usize {
    match c {
        '\t' => TAB_WIDTH,
        '\r' if at_line_end => 0,
        _ => 1,
    }
}

/// `c` as drawn: see [`char_width`].
fn push_visible(out: &mut String, c: char, at_line_end: bool) {
    match c {
        '\t' => out.push_str(&" ".repeat(TAB_WIDTH)),
        '\r' if at_line_end => {}
        c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => out.push('\u{FFFD}'),
        c => out.push(c),
    }
}

/// `line` (ending at byte `line_end` of `source`) as drawn.
fn visible(line: &str, line_end: usize, source: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let base = line_end - line.len();
    for (i, c) in line.char_indices() {
        push_visible(&mut out, c, is_line_end_cr(source, base + i));
    }
    out
}

/// True when byte `at` of `source` is a `\r` that ends its line.
fn is_line_end_cr(source: &str, at: usize) -> bool {
    source.as_bytes().get(at) == Some(&b'\r')
        && matches!(source.as_bytes().get(at + 1), None | Some(b'\n'))
}

/// The drawn width of `source[from..to]`.
fn width_of(source: &str, from: usize, to: usize) -> usize {
    source.get(from..to).map_or(0, |s| {
        s.char_indices()
            .map(|(i, c)| char_width(c, is_line_end_cr(source, from + i)))
            .sum()
    })
}

/// A window of a long line around `place`: the text drawn, the columns
/// before the mark and the width of the mark.
fn window(source: &str, place: Place) -> (String, usize, usize) {
    let head = source.get(place.line_start..place.start).unwrap_or("");
    let from = head
        .char_indices()
        .rev()
        .take(WINDOW_BEFORE)
        .last()
        .map_or(place.start, |(i, _)| place.line_start + i);
    let body = source.get(place.start..place.end).unwrap_or("");
    let marked_end = body
        .char_indices()
        .nth(WINDOW_MARKED)
        .map_or(place.end, |(i, _)| place.start + i);
    let tail = source.get(marked_end..place.line_end).unwrap_or("");
    let to = tail
        .char_indices()
        .nth(WINDOW_AFTER)
        .map_or(place.line_end, |(i, _)| marked_end + i);
    let mut shown = String::new();
    if from > place.line_start {
        shown.push_str("...");
    }
    let indent = shown.len() + width_of(source, from, place.start);
    let mut marked = width_of(source, place.start, marked_end);
    for (i, c) in source.get(from..to).unwrap_or("").char_indices() {
        push_visible(&mut shown, c, is_line_end_cr(source, from + i));
    }
    if to < place.line_end {
        shown.push_str("...");
    }
    if marked == 0 {
        marked = 1;
    }
    (shown, indent, marked)
}

impl Diagnostic {
    /// The diagnostic as a [`Report`], about `source` (the text it was
    /// produced from), or naming only its place when `source` is `None`.
    pub fn report<'a>(&'a self, source: Option<&'a SourceText<'a>>) -> Report<'a> {
        let mut report = Report::new(Level::Error, self.message()).code(self.kind().code());
        match source {
            Some(source) => {
                report = report.primary(source, self.span(), "");
                for related in self.related() {
                    report = report.secondary(source, related.span, &related.message);
                }
            }
            None => report = report.primary_at(self.file(), self.location()),
        }
        if let Some(expected) = self.expected() {
            report = report.note("expected", expected);
        }
        if let Some(hint) = self.hint() {
            report = report.note("help", hint);
        }
        report
    }

    /// Plain rustc-style text: the message, `file:line:column`, the source
    /// line with carets under the span (and any related place, marked `-`),
    /// then what was expected and the hint.
    ///
    /// `source` must be the text the diagnostic was produced from.
    ///
    /// ```
    /// let src = "policy \"p\" {\n  allow \"a\" { principal * action * resource * when { source_ip > 3 } }\n}";
    /// let errors = policy_lang::parse("net.policy", src).unwrap_err();
    /// let text = errors.diagnostics()[0].render(src);
    /// assert!(text.contains("--> net.policy:2:"));
    /// assert!(text.contains("^"));
    /// ```
    pub fn render(&self, source: &str) -> String {
        self.render_with(source, false)
    }

    /// [`Diagnostic::render`], with ANSI colours when `color` is on.
    pub fn render_with(&self, source: &str, color: bool) -> String {
        let source = SourceText::new(self.file(), source);
        self.report(Some(&source)).render(color)
    }
}
