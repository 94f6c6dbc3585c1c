//! The canonical formatter: every file that means the same thing is written
//! the same way.
//!
//! Layout rules:
//!
//! - Two spaces per nesting level. `policy`, statements and `when` / `unless`
//!   blocks open with `{` at the end of their header line and close with `}`
//!   on a line of its own.
//! - A blank line between policies and between statements, and before the
//!   comments that close a policy or the file.
//! - Matcher lines come first, in the order principal, action, resource. The
//!   head (`principal`, `not action`, ...) is padded to 10 columns with at
//!   least one space, so that non-negated patterns line up; patterns are
//!   separated by `, `.
//! - Condition blocks follow in source order, one top-level expression per line.
//! - Comments are written verbatim as `#` followed by their stored text:
//!   leading comments on their own lines above their item, a trailing comment
//!   after one space at the end of its item's last line.
//! - A line longer than 100 columns is broken: a matcher puts each pattern on
//!   its own line, aligned under the first; an expression puts each value of
//!   every list it holds on its own line, with a trailing comma.
//!
//! The layout depends on the tree alone (never on spans), so formatting is
//! idempotent.

use crate::ast::{
    BlockKind, Comment, Comparison, ConditionBlock, Expr, ExprKind, Matcher, Operand, Pattern,
    Policy, PolicyFile, Statement, Value,
};
use crate::literal::{format_utc_offset, format_value, quote};

/// Lines longer than this many columns are broken where the layout allows.
const MAX_WIDTH: usize = 100;
/// Width of a matcher line's head (`[not ]kind` and its padding).
const HEAD_WIDTH: usize = 10;
/// One level of indentation.
const INDENT: &str = "  ";

/// Writes a file back in canonical form.
///
/// Parsing the result gives a tree of the same shape (comments included),
/// and formatting that tree again gives the same text.
///
/// ```
/// let file = policy_lang::parse("p.policy", r#"policy "p" { deny "d" {
///   resource prod/** action * principal *   when { mfa_age > 90m } } }"#).unwrap();
/// assert_eq!(policy_lang::format(&file), "\
/// policy \"p\" {
///   deny \"d\" {
///     principal *
///     action    *
///     resource  prod/**
///     when {
///       mfa_age > 1h30m
///     }
///   }
/// }
/// ");
/// ```
pub fn format(file: &PolicyFile) -> String {
    let mut w = Writer::default();
    for (i, policy) in file.policies.iter().enumerate() {
        if i > 0 {
            w.blank();
        }
        w.policy(policy);
    }
    if !file.trailing_comments.is_empty() && !file.policies.is_empty() {
        w.blank();
    }
    w.comments(0, &file.trailing_comments);
    w.out
}

/// Accumulates the output, one line at a time.
#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }

    /// `text` at `depth`, then the trailing comment if any, then a newline.
    fn line(&mut self, depth: usize, text: &str, trailing: Option<&Comment>) {
        self.indent(depth);
        self.out.push_str(text);
        if let Some(comment) = trailing {
            self.out.push_str(" #");
            self.out.push_str(&comment.text);
        }
        self.out.push('\n');
    }

    fn comment(&mut self, depth: usize, comment: &Comment) {
        self.indent(depth);
        self.out.push('#');
        self.out.push_str(&comment.text);
        self.out.push('\n');
    }

    fn comments(&mut self, depth: usize, comments: &[Comment]) {
        for comment in comments {
            self.comment(depth, comment);
        }
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn policy(&mut self, policy: &Policy) {
        self.comments(0, &policy.comments.leading);
        self.line(0, &format!("policy {} {{", quote(&policy.name)), None);
        for (i, statement) in policy.statements.iter().enumerate() {
            if i > 0 {
                self.blank();
            }
            self.statement(statement);
        }
        if !policy.inner_trailing_comments.is_empty() && !policy.statements.is_empty() {
            self.blank();
        }
        self.comments(1, &policy.inner_trailing_comments);
        self.line(0, "}", policy.comments.trailing.as_ref());
    }

    fn statement(&mut self, statement: &Statement) {
        let header = format!(
            "{} {} {{",
            statement.effect.keyword(),
            quote(&statement.name)
        );
        self.comments(1, &statement.comments.leading);
        self.line(1, &header, None);
        for matcher in [&statement.principal, &statement.action, &statement.resource] {
            self.matcher(2, matcher);
        }
        for block in &statement.conditions {
            self.condition_block(2, block);
        }
        self.comments(2, &statement.inner_trailing_comments);
        self.line(1, "}", statement.comments.trailing.as_ref());
    }

    fn matcher(&mut self, depth: usize, matcher: &Matcher) {
        self.comments(depth, &matcher.comments.leading);
        let head = matcher_head(matcher);
        let patterns: Vec<String> = matcher.patterns.iter().map(pattern_text).collect();
        let mut text = format!("{head}{}", patterns.join(", "));
        if too_long(depth, &text) {
            let column = depth * INDENT.len() + head.chars().count();
            let separator = format!(",\n{}", " ".repeat(column));
            text = format!("{head}{}", patterns.join(&separator));
        }
        self.line(depth, text.trim_end(), matcher.comments.trailing.as_ref());
    }

    fn condition_block(&mut self, depth: usize, block: &ConditionBlock) {
        let keyword = match block.kind {
            BlockKind::When => "when",
            BlockKind::Unless => "unless",
        };
        self.comments(depth, &block.comments.leading);
        self.line(depth, &format!("{keyword} {{"), None);
        for expr in &block.exprs {
            self.expr_line(depth + 1, expr);
        }
        self.comments(depth + 1, &block.inner_trailing_comments);
        self.line(depth, "}", block.comments.trailing.as_ref());
    }

    /// A top-level expression of a block, with its comments.
    fn expr_line(&mut self, depth: usize, expr: &Expr) {
        self.comments(depth, &expr.comments.leading);
        // Only top-level expressions carry comments when parsed; any others
        // (in a hand-built tree) are kept by moving them above the line.
        for comment in nested_comments(expr) {
            self.comment(depth, comment);
        }
        let mut text = expr_text(expr, Lists::Inline);
        if too_long(depth, &text) {
            text = expr_text(expr, Lists::Broken(depth));
        }
        self.line(depth, &text, expr.comments.trailing.as_ref());
    }
}

/// True when `text` written at `depth` would end past [`MAX_WIDTH`].
fn too_long(depth: usize, text: &str) -> bool {
    depth * INDENT.len() + text.chars().count() > MAX_WIDTH
}

/// `principal `, `action    `, `not action `: the keyword padded to [`HEAD_WIDTH`].
fn matcher_head(matcher: &Matcher) -> String {
    let keyword = matcher.kind.keyword();
    let head = if matcher.negated {
        format!("not {keyword}")
    } else {
        keyword.to_string()
    };
    format!("{head:<width$} ", width = HEAD_WIDTH - 1)
}

// ---------------------------------------------------------------------------
// Patterns.

/// The pattern bare when the grammar reads it back whole, else quoted.
fn pattern_text(pattern: &Pattern) -> String {
    let text = pattern.source_text();
    if is_bare(&text) { text } else { quote(&text) }
}

/// True when `text` reads back as one `bare_pattern` of the grammar: pattern
/// characters, closed `{...}` alternations and closed `[...]` classes (an
/// unclosed one would swallow the `,` that follows). The check is stricter
/// than the grammar where that keeps it simple: brackets and braces do not
/// nest, and `#` and `"` are never bare (the comment scan would take them for
/// a comment or a string). Anything else is quoted, which is always safe.
fn is_bare(text: &str) -> bool {
    let mut chars = text.chars();
    let mut empty = true;
    while let Some(c) = chars.next() {
        empty = false;
        let ok = match c {
            '{' => skip_group(&mut chars, '}'),
            '[' => skip_group(&mut chars, ']'),
            c => is_pattern_char(c),
        };
        if !ok {
            return false;
        }
    }
    !empty
}

/// Consumes the body of an alternation or class through `close`; false if
/// it is not closed or holds a character that cannot stand bare.
fn skip_group(chars: &mut std::str::Chars<'_>, close: char) -> bool {
    for c in chars.by_ref() {
        if c == close {
            return true;
        }
        if c.is_whitespace() || c.is_control() || "{}[]#\"".contains(c) {
            return false;
        }
    }
    false
}

/// The grammar's `pattern_char`.
fn is_pattern_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "*?/-_.:@+=!%~$".contains(c)
}

// ---------------------------------------------------------------------------
// Expressions.

/// How lists inside an expression are written.
#[derive(Clone, Copy)]
enum Lists {
    /// `[a, b]`.
    Inline,
    /// One value per line; the number is the depth of the expression's line.
    Broken(usize),
}

/// Binding strength: children weaker than their parent need parentheses.
const OR: u8 = 1;
const AND: u8 = 2;
const ATOM: u8 = 3;

fn precedence(kind: &ExprKind) -> u8 {
    match kind {
        ExprKind::Or(_) => OR,
        ExprKind::And(_) => AND,
        _ => ATOM,
    }
}

fn expr_text(expr: &Expr, lists: Lists) -> String {
    match &expr.kind {
        ExprKind::Or(items) => join_children(items, " or ", AND, lists),
        ExprKind::And(items) => join_children(items, " and ", ATOM, lists),
        ExprKind::Not(inner) => format!("not {}", child_text(inner, ATOM, lists)),
        ExprKind::Group(inner) => format!("({})", expr_text(inner, lists)),
        ExprKind::Has(key) => format!("has {key}"),
        ExprKind::Truthy(key) => key.to_string(),
        ExprKind::Compare(comparison) => comparison_text(comparison, lists),
        ExprKind::CompareKeys(c) => format!("{} {} {}", c.left, c.op.symbol(), c.right),
        ExprKind::Quantified(q) => format!(
            "{} {}",
            q.quantifier.keyword(),
            comparison_text(&q.comparison, lists)
        ),
    }
}

fn join_children(items: &[Expr], separator: &str, min: u8, lists: Lists) -> String {
    let texts: Vec<String> = items.iter().map(|e| child_text(e, min, lists)).collect();
    texts.join(separator)
}

/// A child expression, parenthesized when it binds less tightly than `min`
/// (never the case for a parsed tree, where such children are groups).
fn child_text(child: &Expr, min: u8, lists: Lists) -> String {
    let text = expr_text(child, lists);
    if precedence(&child.kind) < min {
        format!("({text})")
    } else {
        text
    }
}

fn comparison_text(comparison: &Comparison, lists: Lists) -> String {
    let operand = match &comparison.operand {
        Operand::Value(value) => format_value(&value.kind),
        Operand::List(values) => list_text(values, lists),
        Operand::Range(from, to) => {
            format!("{} .. {}", format_value(&from.kind), format_value(&to.kind))
        }
    };
    let mut text = format!("{} {} {operand}", comparison.key, comparison.op.symbol());
    if let Some(offset) = &comparison.offset {
        text.push_str(" at ");
        text.push_str(&format_utc_offset(offset.seconds_east));
    }
    text
}

fn list_text(values: &[Value], lists: Lists) -> String {
    let items = values.iter().map(|v| format_value(&v.kind));
    match lists {
        Lists::Broken(depth) if !values.is_empty() => {
            let mut text = String::from("[\n");
            for item in items {
                text.push_str(&INDENT.repeat(depth + 1));
                text.push_str(&item);
                text.push_str(",\n");
            }
            text.push_str(&INDENT.repeat(depth));
            text.push(']');
            text
        }
        _ => format!("[{}]", items.collect::<Vec<_>>().join(", ")),
    }
}

/// Comments held by sub-expressions, in source order.
fn nested_comments(expr: &Expr) -> Vec<&Comment> {
    let children: &[Expr] = match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => items,
        ExprKind::Not(inner) | ExprKind::Group(inner) => std::slice::from_ref(inner.as_ref()),
        ExprKind::Has(_)
        | ExprKind::Truthy(_)
        | ExprKind::Compare(_)
        | ExprKind::CompareKeys(_)
        | ExprKind::Quantified(_) => &[],
    };
    let mut out = Vec::new();
    for child in children {
        out.extend(&child.comments.leading);
        out.extend(nested_comments(child));
        out.extend(&child.comments.trailing);
    }
    out
}
