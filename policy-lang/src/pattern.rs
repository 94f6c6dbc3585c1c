//! The pattern syntax tree: a matcher pattern (or a `like` pattern) read
//! once into typed nodes, which the formatter prints, the engine compiles and
//! the linter analyses, so that none of them reads glob text again.
//!
//! The syntax is globset's, with a literal separator for matcher patterns,
//! and the language's own rules on top: `{...}` alternatives cannot nest,
//! and in matcher patterns `**` must be a whole path segment. Printing a
//! tree ([`write_nodes`], or `Display`) gives back the text it was read
//! from, character for character.
//!
//! ```
//! use policy_lang::{PatternNode, parse_glob};
//! let nodes = parse_glob("prod/*/{db,cache}/**", true).unwrap();
//! assert_eq!(nodes[0], PatternNode::Literal("prod/".into()));
//! assert_eq!(nodes[1], PatternNode::Star);
//! assert!(matches!(&nodes[3], PatternNode::Alternatives(choices) if choices.len() == 2));
//! assert_eq!(nodes[5], PatternNode::DoubleStar);
//! assert_eq!(policy_lang::pattern_text(&nodes), "prod/*/{db,cache}/**");
//! ```

use crate::ast::Key;
use serde::Serialize;
use smallvec::SmallVec;
use std::fmt;

/// The nodes of one pattern, in order. Most patterns are a literal and a
/// wildcard or two, held inline.
pub type PatternNodes = SmallVec<[PatternNode; 2]>;

/// One element of a pattern. Every variant is at most two words, so that a
/// pattern of two nodes (`prod/**`, `secrets:Get*`) is held inline in no
/// more room than its text would take.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum PatternNode {
    /// Characters matched as themselves: a run holding no glob syntax.
    Literal(Box<str>),
    /// `\c`: the character `c` matched as itself.
    Escaped(char),
    /// `*`: any run of characters (within one path segment in resource
    /// patterns).
    Star,
    /// `**`: in a resource pattern, any run of whole path segments; it
    /// stands alone between slashes there (elsewhere, two `*`).
    DoubleStar,
    /// `?`: any one character (not `/` in resource patterns).
    AnyChar,
    /// `[...]`: one character in (or not in) a class.
    Class(Box<CharClass>),
    /// `{a,b}`: any one of the alternatives, each a sequence of nodes
    /// without alternatives of its own (they cannot nest). An empty
    /// alternative (`{,a}`) matches as if it were left out.
    Alternatives(Box<[Vec<PatternNode>]>),
    /// `${key}`: the request's value of `key`, matched literally (resource
    /// patterns only).
    Variable(Box<Key>),
}

/// A character class, `[a-z]` or `[!a-z]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CharClass {
    /// `!` or `^` after `[` when the class is negated.
    pub negation: Option<char>,
    /// The members, as written.
    pub items: Vec<ClassItem>,
}

/// One member of a class, as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum ClassItem {
    /// A character (also `]` first in the class, and `-` first or last).
    Char(char),
    /// `-c` after a member: the last range now ends at `c` (`a-z` is
    /// `Char('a')` then `RangeTo('z')`).
    RangeTo(char),
    /// `[:name:]`, a POSIX class such as `[:alpha:]`. A name that is not one
    /// of the twelve POSIX classes stands for `[` alone.
    Named(String),
}

impl CharClass {
    /// True for `[!...]` and `[^...]`.
    pub fn negated(&self) -> bool {
        self.negation.is_some()
    }

    /// The character ranges the class holds (before negation), inclusive.
    ///
    /// ```
    /// let nodes = policy_lang::parse_glob("[a-c[:digit:]_]", true).unwrap();
    /// let policy_lang::PatternNode::Class(class) = &nodes[0] else { unreachable!() };
    /// assert_eq!(class.ranges(), [('a', 'c'), ('0', '9'), ('_', '_')]);
    /// ```
    pub fn ranges(&self) -> Vec<(char, char)> {
        let mut ranges: Vec<(char, char)> = Vec::new();
        for item in &self.items {
            match item {
                ClassItem::Char(c) => ranges.push((*c, *c)),
                ClassItem::RangeTo(c) => {
                    if let Some(last) = ranges.last_mut() {
                        last.1 = *c;
                    }
                }
                ClassItem::Named(name) => {
                    ranges.extend_from_slice(posix_class(name).unwrap_or(&[('[', '[')]))
                }
            }
        }
        ranges
    }
}

/// The ranges of the POSIX class `name`, if it is one.
fn posix_class(name: &str) -> Option<&'static [(char, char)]> {
    Some(match name {
        "alnum" => &[('0', '9'), ('A', 'Z'), ('a', 'z')],
        "alpha" => &[('A', 'Z'), ('a', 'z')],
        "blank" => &[('\t', '\t'), (' ', ' ')],
        "cntrl" => &[('\x00', '\x1f'), ('\x7f', '\x7f')],
        "digit" => &[('0', '9')],
        "graph" => &[('!', '~')],
        "lower" => &[('a', 'z')],
        "print" => &[(' ', '~')],
        "punct" => &[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        "space" => &[('\t', '\r'), (' ', ' ')],
        "upper" => &[('A', 'Z')],
        "xdigit" => &[('0', '9'), ('A', 'F'), ('a', 'f')],
        _ => return None,
    })
}

/// Appends the text of `nodes` to `out`: the text they were read from.
pub fn write_nodes(nodes: &[PatternNode], out: &mut String) {
    for node in nodes {
        write_node(node, out);
    }
}

/// The text of `nodes`, as [`write_nodes`] writes it.
pub fn pattern_text(nodes: &[PatternNode]) -> String {
    let mut out = String::new();
    write_nodes(nodes, &mut out);
    out
}

fn write_node(node: &PatternNode, out: &mut String) {
    match node {
        PatternNode::Literal(text) => out.push_str(text),
        PatternNode::Escaped(c) => {
            out.push('\\');
            out.push(*c);
        }
        PatternNode::Star => out.push('*'),
        PatternNode::DoubleStar => out.push_str("**"),
        PatternNode::AnyChar => out.push('?'),
        PatternNode::Class(class) => {
            out.push('[');
            if let Some(n) = class.negation {
                out.push(n);
            }
            for item in &class.items {
                match item {
                    ClassItem::Char(c) => out.push(*c),
                    ClassItem::RangeTo(c) => {
                        out.push('-');
                        out.push(*c);
                    }
                    ClassItem::Named(name) => {
                        out.push_str("[:");
                        out.push_str(name);
                        out.push_str(":]");
                    }
                }
            }
            out.push(']');
        }
        PatternNode::Alternatives(choices) => {
            out.push('{');
            for (i, choice) in choices.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_nodes(choice, out);
            }
            out.push('}');
        }
        PatternNode::Variable(key) => {
            out.push_str("${");
            out.push_str(&key.to_string());
            out.push('}');
        }
    }
}

impl fmt::Display for PatternNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_node(self, &mut out);
        f.write_str(&out)
    }
}

/// Why a glob cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    pub(crate) kind: globset::ErrorKind,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&glob_error_text(&self.kind))
    }
}

impl std::error::Error for GlobError {}

/// The message for a glob error, as diagnostics word it.
pub(crate) fn glob_error_text(e: &globset::ErrorKind) -> String {
    match e {
        globset::ErrorKind::UnclosedClass => "unclosed character class".to_string(),
        globset::ErrorKind::InvalidRange(a, b) => format!("invalid range `{a}-{b}`"),
        globset::ErrorKind::UnopenedAlternates => "`}` without an opening `{`".to_string(),
        globset::ErrorKind::UnclosedAlternates => "unclosed `{` alternatives".to_string(),
        globset::ErrorKind::NestedAlternates => "nested `{` alternatives".to_string(),
        globset::ErrorKind::DanglingEscape => "dangling `\\`".to_string(),
        globset::ErrorKind::InvalidRecursive => "`**` must be a whole path segment".to_string(),
        globset::ErrorKind::TooManyNestedAlternates => "nested `{` alternatives".to_string(),
        other => other.to_string(),
    }
}

/// Reads the glob `text` (no `${...}` variables: `$` is a character there)
/// into its nodes. `matcher` applies the rules of matcher patterns (`**` a
/// whole segment); a `like` pattern is read without them.
///
/// ```
/// assert!(policy_lang::parse_glob("a/**/b", true).is_ok());
/// assert!(policy_lang::parse_glob("a**b", true).is_err());
/// assert!(policy_lang::parse_glob("a**b", false).is_ok());
/// assert_eq!(
///     policy_lang::parse_glob("{a,{b}}", false).unwrap_err().to_string(),
///     "nested `{` alternatives"
/// );
/// ```
pub fn parse_glob(text: &str, matcher: bool) -> Result<PatternNodes, GlobError> {
    let atoms: Vec<Atom> = text.chars().map(Atom::Char).collect();
    read_atoms(&atoms, matcher).map_err(|kind| GlobError { kind })
}

/// A piece of a pattern given to [`parse_glob_parts`]: glob text, or a
/// policy variable standing for one literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum GlobPart {
    /// Glob text (`$` is a character here).
    Text(String),
    /// `${key}`.
    Variable(Key),
}

/// [`parse_glob`] for a pattern made of glob text and variables, such as
/// `prod/${principal.tags.team}/**` split at its variable. The parser reads
/// policy files this way; this is for building patterns in code.
pub fn parse_glob_parts(parts: &[GlobPart], matcher: bool) -> Result<PatternNodes, GlobError> {
    let mut atoms = Vec::new();
    for part in parts {
        match part {
            GlobPart::Text(text) => atoms.extend(text.chars().map(Atom::Char)),
            GlobPart::Variable(key) => atoms.push(Atom::Variable(key)),
        }
    }
    read_atoms(&atoms, matcher).map_err(|kind| GlobError { kind })
}

/// A piece of a pattern as the parser splits it: a character of glob text,
/// or a variable.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Atom<'k> {
    Char(char),
    Variable(&'k Key),
}

/// How deeply globset lets `{` nest before it refuses a glob.
const MAX_ALTERNATES_DEPTH: usize = 100;

/// Builds the nodes of one pattern: a literal run is gathered into one node.
struct Builder {
    top: PatternNodes,
    /// The alternatives of the open group, if one is open.
    group: Option<Vec<Vec<PatternNode>>>,
    literal: String,
}

impl Builder {
    fn flush(&mut self) {
        if self.literal.is_empty() {
            return;
        }
        let text = Box::from(self.literal.as_str());
        self.literal.clear();
        self.push_node(PatternNode::Literal(text));
    }

    fn push_node(&mut self, node: PatternNode) {
        match &mut self.group {
            Some(choices) => match choices.last_mut() {
                Some(choice) => choice.push(node),
                None => choices.push(vec![node]),
            },
            None => self.top.push(node),
        }
    }

    fn push(&mut self, node: PatternNode) {
        self.flush();
        self.push_node(node);
    }
}

/// Reads `atoms` as globset reads a glob (with a literal separator when
/// `matcher`), reporting its errors first, then the language's own: nested
/// alternatives, and in matcher patterns `**` that is not a whole segment.
pub(crate) fn read_atoms(
    atoms: &[Atom<'_>],
    matcher: bool,
) -> Result<PatternNodes, globset::ErrorKind> {
    use globset::ErrorKind as E;
    let ch = |i: usize| match atoms.get(i) {
        Some(Atom::Char(c)) => Some(*c),
        _ => None,
    };
    let mut b = Builder {
        top: SmallVec::new(),
        group: None,
        literal: String::new(),
    };
    // The first of the language's own errors, reported if globset finds none.
    let mut own: Option<E> = None;
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(atom) = atoms.get(i) {
        let c = match atom {
            Atom::Variable(key) => {
                b.push(PatternNode::Variable(Box::new((*key).clone())));
                i += 1;
                continue;
            }
            Atom::Char(c) => *c,
        };
        match c {
            '?' => {
                b.push(PatternNode::AnyChar);
                i += 1;
            }
            '*' => {
                let run = atoms[i..]
                    .iter()
                    .take_while(|a| matches!(a, Atom::Char('*')))
                    .count();
                let whole_segment = i.checked_sub(1).is_none_or(|j| ch(j) == Some('/'))
                    && atoms.get(i + run).is_none_or(|_| ch(i + run) == Some('/'));
                if matcher && (run > 2 || (run == 2 && !whole_segment)) && own.is_none() {
                    own = Some(E::InvalidRecursive);
                }
                for _ in 0..run / 2 {
                    b.push(PatternNode::DoubleStar);
                }
                if run % 2 == 1 {
                    b.push(PatternNode::Star);
                }
                i += run;
            }
            '[' => match read_class(atoms, i + 1)? {
                Some((class, next)) => {
                    b.push(PatternNode::Class(Box::new(class)));
                    i = next;
                }
                // A variable inside: `[` is a character.
                None => {
                    b.literal.push('[');
                    i += 1;
                }
            },
            '{' => {
                if depth >= MAX_ALTERNATES_DEPTH {
                    return Err(E::TooManyNestedAlternates);
                }
                depth += 1;
                if depth == 1 {
                    b.flush();
                    b.group = Some(vec![Vec::new()]);
                } else if own.is_none() {
                    own = Some(E::NestedAlternates);
                }
                i += 1;
            }
            '}' => {
                if depth == 0 {
                    return Err(E::UnopenedAlternates);
                }
                depth -= 1;
                if depth == 0 {
                    b.flush();
                    if let Some(choices) = b.group.take() {
                        b.top
                            .push(PatternNode::Alternatives(choices.into_boxed_slice()));
                    }
                }
                i += 1;
            }
            ',' if depth > 0 => {
                if depth == 1 {
                    b.flush();
                    if let Some(choices) = &mut b.group {
                        choices.push(Vec::new());
                    }
                }
                i += 1;
            }
            '\\' => match atoms.get(i + 1) {
                None => return Err(E::DanglingEscape),
                Some(Atom::Char(escaped)) => {
                    b.push(PatternNode::Escaped(*escaped));
                    i += 2;
                }
                // Before a variable, `\` is a character.
                Some(Atom::Variable(_)) => {
                    b.literal.push('\\');
                    i += 1;
                }
            },
            c => {
                b.literal.push(c);
                i += 1;
            }
        }
    }
    if depth > 0 {
        return Err(E::UnclosedAlternates);
    }
    if let Some(error) = own {
        return Err(error);
    }
    b.flush();
    Ok(b.top)
}

/// Reads a class whose `[` stood just before `start`, as globset does: the
/// class and the index after its `]`; `None` when a variable stands before
/// the class closes (the `[` is then a character).
fn read_class(
    atoms: &[Atom<'_>],
    start: usize,
) -> Result<Option<(CharClass, usize)>, globset::ErrorKind> {
    use globset::ErrorKind as E;
    let ch = |i: usize| match atoms.get(i) {
        Some(Atom::Char(c)) => Some(*c),
        _ => None,
    };
    let mut i = start;
    let negation = ch(i).filter(|c| matches!(c, '!' | '^'));
    if negation.is_some() {
        i += 1;
    }
    let mut items = Vec::new();
    // The start of the last range, for the order check of `-`.
    let mut last_start: Option<char> = None;
    let mut first = true;
    let mut in_range = false;
    loop {
        let c = match atoms.get(i) {
            None => return Err(E::UnclosedClass),
            Some(Atom::Variable(_)) => return Ok(None),
            Some(Atom::Char(c)) => *c,
        };
        i += 1;
        match c {
            ']' if !first => break,
            ']' => {
                items.push(ClassItem::Char(']'));
                last_start = Some(']');
            }
            '-' if first => {
                items.push(ClassItem::Char('-'));
                last_start = Some('-');
            }
            '-' if in_range => {
                let lo = last_start.unwrap_or('-');
                if '-' < lo {
                    return Err(E::InvalidRange(lo, '-'));
                }
                items.push(ClassItem::RangeTo('-'));
                in_range = false;
            }
            '-' => in_range = true,
            '[' if !in_range && ch(i) == Some(':') => match posix_name(atoms, i + 1) {
                Some((name, next)) => {
                    last_start = Some(
                        posix_class(&name)
                            .and_then(|r| r.last())
                            .map_or('[', |r| r.0),
                    );
                    items.push(ClassItem::Named(name));
                    i = next;
                }
                None => {
                    items.push(ClassItem::Char('['));
                    last_start = Some('[');
                }
            },
            c if in_range => {
                let lo = last_start.unwrap_or(c);
                if c < lo {
                    return Err(E::InvalidRange(lo, c));
                }
                items.push(ClassItem::RangeTo(c));
                in_range = false;
            }
            c => {
                items.push(ClassItem::Char(c));
                last_start = Some(c);
            }
        }
        first = false;
    }
    if in_range {
        items.push(ClassItem::Char('-'));
    }
    Ok(Some((CharClass { negation, items }, i)))
}

/// A POSIX class name after `[:` (at `i`): the name and the index after
/// its `:]`; `None` when the text there is not of that form.
fn posix_name(atoms: &[Atom<'_>], mut i: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    loop {
        match atoms.get(i) {
            Some(Atom::Char(':')) if matches!(atoms.get(i + 1), Some(Atom::Char(']'))) => {
                return Some((name, i + 2));
            }
            Some(Atom::Char(c)) if c.is_ascii_lowercase() && name.len() < 8 => name.push(*c),
            _ => return None,
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::ast::{KeyPath, Span};
    use proptest::prelude::*;

    fn lit(s: &str) -> PatternNode {
        PatternNode::Literal(s.into())
    }

    fn class(negation: Option<char>, items: &[ClassItem]) -> PatternNode {
        PatternNode::Class(Box::new(CharClass {
            negation,
            items: items.to_vec(),
        }))
    }

    fn nodes(text: &str) -> Vec<PatternNode> {
        parse_glob(text, true).unwrap().into_vec()
    }

    fn error(text: &str, matcher: bool) -> globset::ErrorKind {
        parse_glob(text, matcher).unwrap_err().kind
    }

    #[test]
    fn literals_and_wildcards() {
        assert_eq!(nodes("prod/db"), [lit("prod/db")]);
        assert_eq!(nodes("*"), [PatternNode::Star]);
        assert_eq!(nodes("**"), [PatternNode::DoubleStar]);
        assert_eq!(
            nodes("a/**/b?"),
            [
                lit("a/"),
                PatternNode::DoubleStar,
                lit("/b"),
                PatternNode::AnyChar
            ]
        );
        assert_eq!(
            parse_glob("a***", false).unwrap().into_vec(),
            [lit("a"), PatternNode::DoubleStar, PatternNode::Star]
        );
        assert_eq!(nodes(r"a\*"), [lit("a"), PatternNode::Escaped('*')]);
        assert_eq!(nodes("a,b]$"), [lit("a,b]$")]);
    }

    #[test]
    fn classes() {
        use ClassItem::*;
        assert_eq!(nodes("[a-z]"), [class(None, &[Char('a'), RangeTo('z')])]);
        assert_eq!(nodes("[!]a]"), [class(Some('!'), &[Char(']'), Char('a')])]);
        assert_eq!(
            nodes("[^-a-]"),
            [class(Some('^'), &[Char('-'), Char('a'), Char('-')])]
        );
        assert_eq!(nodes("[+--]"), [class(None, &[Char('+'), RangeTo('-')])]);
        assert_eq!(
            nodes("[[:alpha:][:nope:]]"),
            [class(None, &[Named("alpha".into()), Named("nope".into())])]
        );
        assert_eq!(nodes("[[:Alpha:]]"), {
            // Not a POSIX class: `[` is a member, and the class ends at the
            // first `]`.
            let items: Vec<ClassItem> = "[:Alpha:".chars().map(Char).collect();
            [class(None, &items), lit("]")]
        });
        let PatternNode::Class(c) = &nodes("[a-c-e[:nope:]]")[0] else {
            panic!()
        };
        assert_eq!(c.ranges(), [('a', 'e'), ('[', '[')]);
    }

    #[test]
    fn alternatives_and_variables() {
        assert_eq!(
            nodes("a{b,,*c}"),
            [
                lit("a"),
                PatternNode::Alternatives(
                    vec![vec![lit("b")], vec![], vec![PatternNode::Star, lit("c")]].into()
                )
            ]
        );
        let key = Key {
            path: KeyPath::PrincipalId,
            span: Span::new(0, 0),
        };
        let atoms: Vec<Atom> = "p/"
            .chars()
            .map(Atom::Char)
            .chain([Atom::Variable(&key)])
            .chain("/**".chars().map(Atom::Char))
            .collect();
        let read = read_atoms(&atoms, true).unwrap().into_vec();
        assert_eq!(
            read,
            [
                lit("p/"),
                PatternNode::Variable(Box::new(key)),
                lit("/"),
                PatternNode::DoubleStar
            ]
        );
        assert_eq!(pattern_text(&read), "p/${principal.id}/**");
    }

    #[test]
    fn errors_are_globsets_then_the_languages() {
        use globset::ErrorKind as E;
        assert_eq!(error("[a", true), E::UnclosedClass);
        assert_eq!(error("[]", true), E::UnclosedClass);
        assert_eq!(error("[z-a]", true), E::InvalidRange('z', 'a'));
        assert_eq!(error("[z--]", true), E::InvalidRange('z', '-'));
        assert_eq!(error("{a,b", true), E::UnclosedAlternates);
        assert_eq!(error("a}", true), E::UnopenedAlternates);
        assert_eq!(error("a\\", true), E::DanglingEscape);
        assert_eq!(error("{a,{b}}", true), E::NestedAlternates);
        assert_eq!(error("a**", true), E::InvalidRecursive);
        assert_eq!(error("***", true), E::InvalidRecursive);
        // globset's errors come first, wherever they stand.
        assert_eq!(error("a**/{b", true), E::UnclosedAlternates);
        assert_eq!(error("{a,{b}}/[", true), E::UnclosedClass);
        assert!(parse_glob("a**b", false).is_ok());
    }

    /// What globset makes of a glob (`Ok` or its error), with the
    /// language's own two rules after it, as the parser checked before the
    /// pattern tree.
    fn globset_then_rules(glob: &str, matcher: bool) -> Result<(), globset::ErrorKind> {
        globset::GlobBuilder::new(glob)
            .literal_separator(matcher)
            .build()
            .map_err(|e| e.kind().clone())?;
        let chars: Vec<char> = glob.chars().collect();
        let mut depth = 0usize;
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            match c {
                '\\' => i += 1,
                '[' => {
                    i += 1;
                    if matches!(chars.get(i), Some('!' | '^')) {
                        i += 1;
                    }
                    if chars.get(i) == Some(&']') {
                        i += 1;
                    }
                    while chars.get(i).is_some_and(|c| *c != ']') {
                        i += 1;
                    }
                }
                '{' => {
                    depth += 1;
                    if depth > 1 {
                        return Err(globset::ErrorKind::NestedAlternates);
                    }
                }
                '}' => depth = depth.saturating_sub(1),
                '*' if matcher => {
                    let run = chars[i..].iter().take_while(|c| **c == '*').count();
                    let whole = i.checked_sub(1).is_none_or(|j| chars[j] == '/')
                        && chars.get(i + run).is_none_or(|c| *c == '/');
                    if run > 2 || (run == 2 && !whole) {
                        return Err(globset::ErrorKind::InvalidRecursive);
                    }
                    i += run;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        Ok(())
    }

    fn glob_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a"),
                Just("é"),
                Just("/"),
                Just("*"),
                Just("**"),
                Just("?"),
                Just("["),
                Just("]"),
                Just("!"),
                Just("-"),
                Just("{"),
                Just("}"),
                Just(","),
                Just("\\"),
                Just("[:digit:]"),
                Just("[a-z]"),
                Just("z"),
                Just("."),
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        /// Printing a tree gives back the text it was read from, so reading
        /// the printed text gives the same tree.
        #[test]
        fn printing_and_reading_again_gives_the_same_tree(text in glob_text(), matcher: bool) {
            if let Ok(nodes) = parse_glob(&text, matcher) {
                let printed = pattern_text(&nodes);
                prop_assert_eq!(&printed, &text);
                prop_assert_eq!(parse_glob(&printed, matcher).ok(), Some(nodes));
            }
        }

        /// The tree's reader accepts exactly what globset and the language's
        /// rules accepted, with the same error (classes holding a POSIX
        /// class left aside: the old rules skipped to its first `]`).
        #[test]
        fn the_reader_agrees_with_globset(text in glob_text(), matcher: bool) {
            prop_assume!(!text.contains("[:"));
            let ours = parse_glob(&text, matcher).map(|_| ()).map_err(|e| e.kind);
            prop_assert_eq!(ours, globset_then_rules(&text, matcher), "{}", text);
        }
    }
}
