//! The one renderer of diagnostics (`policy_lang::render`): the exact text
//! for ordinary cases, and hostile input (long lines, odd line breaks,
//! control characters, spans past the end or inside a character) drawn
//! without a panic, with marks under the right characters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use policy_lang::render::{Level, Report, SourceText};
use policy_lang::{DiagnosticKind, Span, parse};

/// The diagnostics of `source`, each rendered plain.
fn rendered(source: &str) -> Vec<String> {
    parse("t.policy", source)
        .unwrap_err()
        .diagnostics()
        .iter()
        .map(|d| d.render(source))
        .collect()
}

/// `span` of `text` as an error report, plain.
fn draw(text: &str, span: Span) -> String {
    let source = SourceText::new("f.policy", text);
    Report::new(Level::Error, "m")
        .code("c")
        .primary(&source, span, "here")
        .render(false)
}

/// The lines after the header and the `-->` line.
fn body(text: &str) -> Vec<&str> {
    text.lines().skip(2).collect()
}

/// The column (in characters) of the first `^` of the marks line, and the
/// number of marks, checked against the source line drawn above it.
fn marks(text: &str) -> (usize, usize) {
    let line = text.lines().find(|l| l.contains('^')).unwrap();
    let start = line.chars().position(|c| c == '^').unwrap();
    let count = line.chars().skip(start).take_while(|&c| c == '^').count();
    (start, count)
}

/// The drawn source line (the one whose gutter holds a number).
fn drawn_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .unwrap()
}

#[test]
fn the_language_md_example_exactly() {
    let source = "policy \"payments\" {\n  allow \"read-payment-secrets\" {\n    principal service:payments-*\n    action    secrets:GetSecretValue\n    resource  prod/payment/**\n    when { sorce_ip in 10.0.0.0/8 }\n  }\n}\n";
    let errors = parse("payments.policy", source).unwrap_err();
    assert_eq!(
        errors.diagnostics()[0].render(source),
        "error[unknown-key]: unknown attribute `sorce_ip`
 --> payments.policy:6:12
  |
6 |     when { sorce_ip in 10.0.0.0/8 }
  |            ^^^^^^^^
  = expected: a request attribute such as `source_ip`, `mfa`, `principal.tags.NAME` or `context.NAME`
  = help: did you mean `source_ip`?
"
    );
}

#[test]
fn related_place_above_is_drawn_first_with_dashes() {
    let source = "policy \"p\" {\n  allow \"x\" { principal * action * resource a }\n  allow \"x\" { principal * action * resource b }\n}\n";
    let text = &rendered(source)[0];
    assert_eq!(
        text,
        "error[duplicate-statement]: statement `x` is defined twice in policy `p`
 --> t.policy:3:9
  |
2 |   allow \"x\" { principal * action * resource a }
  |         --- first defined here
3 |   allow \"x\" { principal * action * resource b }
  |         ^^^
  = help: statement names must be unique within a policy; rename one
",
        "{text}"
    );
}

#[test]
fn related_place_below_and_far_away_is_drawn_after_an_ellipsis() {
    let text = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
    let source = SourceText::new("f", text);
    let out = Report::new(Level::Error, "m")
        .primary(&source, Span::new(2, 3), "")
        .secondary(&source, Span::new(18, 19), "later")
        .render(false);
    // The gutter is as wide as line 10, the largest number shown.
    assert_eq!(
        out,
        "error: m\n  --> f:2:1\n   |\n 2 | b\n   | ^\n...\n10 | j\n   | - later\n"
    );
}

#[test]
fn two_places_on_one_line_share_it() {
    let text = "alpha beta gamma\n";
    let source = SourceText::new("f", text);
    let out = Report::new(Level::Warning, "m")
        .secondary(&source, Span::new(0, 5), "one")
        .primary(&source, Span::new(11, 16), "two")
        .render(false);
    assert_eq!(
        out,
        "warning: m\n --> f:1:12\n  |\n1 | alpha beta gamma\n  | ----- one\n  |            ^^^^^ two\n"
    );
}

#[test]
fn a_place_in_another_file_gets_its_own_header() {
    let a = SourceText::new("a.policy", "one\ntwo\n");
    let b = SourceText::new("b.policy", "three\n");
    let out = Report::new(Level::Note, "m")
        .code("r")
        .primary(&a, Span::new(4, 7), "this")
        .secondary(&b, Span::new(0, 5), "that")
        .note("help", "h")
        .render(false);
    assert_eq!(
        out,
        "note[r]: m\n --> a.policy:2:1\n  |\n2 | two\n  | ^^^ this\n ::: b.policy:1:1\n  |\n1 | three\n  | ----- that\n  = help: h\n"
    );
}

#[test]
fn without_the_source_only_the_place_is_named() {
    let out = Report::new(Level::Error, "m")
        .code("c")
        .primary_at(
            "gone.policy",
            policy_lang::LineColumn { line: 7, column: 3 },
        )
        .note("help", "h")
        .render(false);
    assert_eq!(out, "error[c]: m\n --> gone.policy:7:3\n  = help: h\n");
}

#[test]
fn a_span_over_several_lines_is_marked_to_the_end_of_its_first() {
    let out = draw("ab cdef\nghi\n", Span::new(3, 11));
    assert_eq!(body(&out), ["  |", "1 | ab cdef", "  |    ^^^^ here"]);
}

#[test]
fn a_span_at_the_end_of_the_file() {
    // After a final line break the end is on a line of its own, as the
    // parser counts it.
    let out = draw("abc\n", Span::new(4, 4));
    assert!(out.contains("--> f.policy:2:1"), "{out}");
    assert_eq!(body(&out), ["  |", "2 |", "  | ^ here"]);
    // Without one, it is just after the last character.
    let out = draw("abc", Span::new(3, 3));
    assert!(out.contains("--> f.policy:1:4"), "{out}");
    assert_eq!(body(&out), ["  |", "1 | abc", "  |    ^ here"]);
    // And an empty source.
    let out = draw("", Span::new(0, 0));
    assert!(out.contains("--> f.policy:1:1"), "{out}");
}

#[test]
fn spans_past_the_end_or_inside_a_character_are_clamped() {
    let text = "é€x\n";
    for (start, end) in [
        (1, 2),
        (3, 4),
        (2, 100),
        (100, 200),
        (5, 3),
        (usize::MAX, usize::MAX),
    ] {
        let out = draw(text, Span::new(start, end));
        assert!(out.contains("^ here") || out.contains("^^ here"), "{out}");
    }
    // Inside `é` means on `é`; inside `€` means on `€`.
    assert!(draw(text, Span::new(1, 2)).contains("--> f.policy:1:1"));
    assert!(draw(text, Span::new(3, 4)).contains("--> f.policy:1:2"));
    // Past the end means at the end of the file.
    assert!(draw(text, Span::new(99, 99)).contains("--> f.policy:2:1"));
}

#[test]
fn carriage_returns_before_line_breaks_are_not_lines_or_characters_shown() {
    let text = "a\r\nbb cc\r\n";
    let out = draw(text, Span::new(6, 8));
    assert!(out.contains("--> f.policy:2:4"), "{out}");
    assert_eq!(body(&out), ["  |", "2 | bb cc", "  |    ^^ here"]);
    // A span on the `\r\n` itself marks just after the text.
    let out = draw(text, Span::new(8, 10));
    assert_eq!(body(&out), ["  |", "2 | bb cc", "  |      ^ here"]);
}

#[test]
fn only_line_feeds_break_lines() {
    // A vertical tab, a lone `\r`, U+0085 and U+2028 are characters of their
    // line, shown as `�` so that the drawing stays on one line.
    let text = "a\x0Bb\rc\u{85}d\u{2028}e target\n";
    let start = text.find("target").unwrap();
    let out = draw(text, Span::new(start, start + 6));
    assert!(out.contains("--> f.policy:1:11"), "{out}");
    let line = drawn_line(&out);
    assert_eq!(line, "1 | a�b�c�d�e target");
    let (column, count) = marks(&out);
    assert_eq!(line.chars().nth(column), Some('t'));
    assert_eq!(count, 6);
    // The parser agrees on the line number.
    let source = "policy \"p\" {\u{2028} alow \"x\" {} }";
    let diagnostic = &parse("t", source).unwrap_err().diagnostics()[0].clone();
    assert_eq!(diagnostic.location().line, 1);
    assert!(diagnostic.render(source).contains("\n1 | "));
}

#[test]
fn tabs_and_control_characters_keep_the_marks_in_line() {
    let text = "\tx\x01\x7f\ty target\n";
    let start = text.find("target").unwrap();
    let out = draw(text, Span::new(start, start + 6));
    let line = drawn_line(&out);
    assert_eq!(line, "1 |     x��    y target");
    let (column, count) = marks(&out);
    assert_eq!(&line.chars().skip(column).collect::<String>(), "target");
    assert_eq!(count, 6);
    // A tab inside the span is four marks wide.
    let out = draw("a\tb\n", Span::new(0, 3));
    assert_eq!(marks(&out).1, 6);
}

#[test]
fn long_lines_are_drawn_as_a_window_around_the_span() {
    let mut text = "x".repeat(1000);
    text.push_str("TARGET");
    text.push_str(&"y".repeat(1000));
    text.push('\n');
    let out = draw(&text, Span::new(1000, 1006));
    assert!(out.contains("--> f.policy:1:1001"), "{out}");
    let line = drawn_line(&out);
    assert_eq!(
        line,
        format!("1 | ...{}TARGET{}...", "x".repeat(40), "y".repeat(20))
    );
    let (column, count) = marks(&out);
    assert_eq!(
        line.chars().skip(column).take(count).collect::<String>(),
        "TARGET"
    );
    // A span at the start of a long line is not cut before; a long span is
    // marked for 60 characters.
    let out = draw(&text, Span::new(0, 1006));
    let line = drawn_line(&out);
    assert!(line.starts_with("1 | xxx"), "{line}");
    assert_eq!(marks(&out).1, 60);
    assert!(line.ends_with("..."), "{line}");
    // Lines up to the limit are drawn whole.
    let short = "z".repeat(240);
    assert_eq!(
        drawn_line(&draw(&short, Span::new(239, 240))),
        format!("1 | {short}")
    );
}

#[test]
fn two_places_on_one_long_line_each_get_a_window() {
    let text = format!("{}A{}B\n", "-".repeat(500), "-".repeat(500));
    let source = SourceText::new("f", &text);
    let out = Report::new(Level::Error, "m")
        .primary(&source, Span::new(500, 501), "a")
        .secondary(&source, Span::new(1001, 1002), "b")
        .render(false);
    let drawn: Vec<&str> = out.lines().filter(|l| l.starts_with("1 |")).collect();
    assert_eq!(drawn.len(), 2, "{out}");
    assert!(out.len() < 800, "{out}");
    assert!(out.contains("^ a") && out.contains("- b"), "{out}");
}

#[test]
fn a_megabyte_line_of_multibyte_text_is_drawn_briefly() {
    let text = "é".repeat(1 << 20);
    for span in [
        Span::new(0, text.len()),
        Span::new(text.len() / 2 + 1, text.len() / 2 + 7),
        Span::new(text.len(), text.len()),
        Span::new(text.len() + 5, 3),
    ] {
        let out = draw(&text, span);
        assert!(out.len() < 600, "{} bytes", out.len());
        assert!(out.contains('^'), "{out}");
    }
}

#[test]
fn colour_only_when_asked() {
    let source = "policy \"p\" { alow \"x\" {} }";
    let diagnostic = parse("t", source).unwrap_err().diagnostics()[0].clone();
    assert!(!diagnostic.render(source).contains('\x1b'));
    let colored = diagnostic.render_with(source, true);
    // Bold red level, bold blue gutter.
    assert!(colored.starts_with("\x1b[1m\x1b[31merror"), "{colored:?}");
    assert!(colored.contains("\x1b[1m\x1b[34m|"), "{colored:?}");
    let without: String = strip_ansi(&colored);
    assert_eq!(without, diagnostic.render(source));
    assert!(Level::Warning.painted(true).starts_with("\x1b[1m\x1b[33m"));
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
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

#[test]
fn diagnostic_new_renders_like_parsed_ones() {
    let d = policy_lang::Diagnostic::new(
        DiagnosticKind::TestFile,
        "t.tests.toml",
        "[[test]]\nnme = 1\n",
        Span::new(9, 12),
        "unknown key `nme`",
        Some("did you mean `name`?"),
    );
    assert_eq!(
        d.render("[[test]]\nnme = 1\n"),
        "error[test-file]: unknown key `nme`\n --> t.tests.toml:2:1\n  |\n2 | nme = 1\n  | ^^^\n  = help: did you mean `name`?\n"
    );
}
