//! Matching of patterns by characters: resource patterns that hold policy
//! variables, and static globs that globset would read by bytes.
//!
//! Most static patterns go to `globset`; a pattern with `${...}` cannot,
//! because the variable's value is only known per request and must match
//! literally. This module compiles such a pattern from its syntax tree
//! (read once by the parser, with globset's syntax and a literal separator:
//! `*` stays inside a segment), and matches
//! it with the request's values standing in for the variables, in one pass
//! over the path: time linear in the path and the values for a given
//! pattern, whatever the request holds (see "Matching" below).
//!
//! globset matches by bytes (its regexes are built with `(?-u)`): its `?`
//! and classes read one byte, so `prod/?/admin` never matches `prod/é/admin`
//! although the language says `?` is one character. A static glob with `?`
//! or a class is therefore matched here too ([`StaticGlob`]), with the same
//! syntax options globset takes: whether `*`, `?` and classes stay off `/`,
//! and ASCII case folding (`ilike`).

use policy_lang::{Key, PatternNode};
use smallvec::SmallVec;
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// Index into the pattern's variables.
    Variable(usize),
    /// `?`: one character other than `/`.
    AnyChar,
    /// `?` without a literal separator: any one character.
    AnyCharAll,
    /// `*`: a run of characters other than `/`.
    Star,
    /// `*` without a literal separator: any run of characters.
    StarAll,
    /// `**/` at the start: nothing, or anything ending in `/`.
    RecursivePrefix,
    /// `/**` at the end: `/` then anything.
    RecursiveSuffix,
    /// `/**/` in the middle: `/`, or `/` anything `/`.
    RecursiveMiddle,
    /// The whole pattern is `**`.
    Everything,
    /// `[...]`: one character in (or, negated, not in) the ranges; never
    /// `/` unless `crosses` (no literal separator).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
        crosses: bool,
    },
}

/// How a static glob is read, as globset's options of the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GlobSyntax {
    /// `*`, `?` and classes never match `/` (resource patterns).
    pub(crate) literal_separator: bool,
    /// ASCII letters match either case (`ilike`).
    pub(crate) case_insensitive: bool,
}

/// A static glob matched by characters (see the module's documentation).
#[derive(Debug, Clone)]
pub(crate) struct StaticGlob {
    alternatives: Vec<Vec<Token>>,
}

impl StaticGlob {
    /// The glob of the pattern `nodes` (which hold no variable) under
    /// `syntax`; an error for nodes the language never produces.
    pub(crate) fn new(nodes: &[PatternNode], syntax: GlobSyntax) -> Result<StaticGlob, String> {
        let mut variables = Vec::new();
        let alternatives = expand(nodes, &mut variables)?
            .iter()
            .map(|alt| with_syntax(interpret(alt), syntax))
            .collect();
        if !variables.is_empty() {
            return Err("a static glob cannot hold a policy variable".into());
        }
        Ok(StaticGlob { alternatives })
    }

    /// Time linear in `text` (times the pattern's size). `None` when the
    /// matcher could not decide (a broken invariant of its own): the caller
    /// makes that unknown, never "no match".
    pub(crate) fn is_match(&self, text: &str) -> Option<bool> {
        any_match(&self.alternatives, text, &[])
    }

    /// Whether globset, reading by bytes, could answer otherwise than the
    /// language on some text: the glob reads single characters (`?`, a
    /// class). `*`, `**` and literals read whole characters either way.
    pub(crate) fn reads_single_chars(nodes: &[PatternNode]) -> bool {
        nodes.iter().any(|node| match node {
            PatternNode::AnyChar | PatternNode::Class(_) => true,
            PatternNode::Alternatives(choices) => {
                choices.iter().any(|c| StaticGlob::reads_single_chars(c))
            }
            _ => false,
        })
    }
}

/// The tokens of a resource-syntax glob under `syntax`: without a literal
/// separator `*`, `?` and classes also read `/`; folding case, every ASCII
/// letter is read in either case.
fn with_syntax(tokens: Vec<Token>, syntax: GlobSyntax) -> Vec<Token> {
    let crosses = !syntax.literal_separator;
    tokens
        .into_iter()
        .map(|token| match token {
            Token::Star if crosses => Token::StarAll,
            Token::AnyChar if crosses => Token::AnyCharAll,
            Token::Literal(c) if syntax.case_insensitive && c.is_ascii_alphabetic() => {
                Token::Class {
                    negated: false,
                    ranges: vec![
                        (c.to_ascii_lowercase(), c.to_ascii_lowercase()),
                        (c.to_ascii_uppercase(), c.to_ascii_uppercase()),
                    ],
                    crosses,
                }
            }
            Token::Class {
                negated, ranges, ..
            } => {
                let ranges = if syntax.case_insensitive {
                    fold_ranges(ranges)
                } else {
                    ranges
                };
                Token::Class {
                    negated,
                    ranges,
                    crosses,
                }
            }
            token => token,
        })
        .collect()
}

/// `ranges` with the other case of every ASCII letter they hold added.
fn fold_ranges(ranges: Vec<(char, char)>) -> Vec<(char, char)> {
    let mut folded = ranges.clone();
    for (lo, hi) in ranges {
        for (from, to, other) in [('A', 'Z', b'a'), ('a', 'z', b'A')] {
            let (start, end) = (lo.max(from), hi.min(to));
            if start <= end {
                let shift = |c: char| char::from(other + (c as u8 - from as u8));
                folded.push((shift(start), shift(end)));
            }
        }
    }
    folded
}

/// A pattern with variables, expanded over its `{a,b}` alternatives.
#[derive(Debug, Clone)]
pub(crate) struct VariablePattern {
    alternatives: Vec<Vec<Token>>,
    /// The keys read, in order of their index.
    pub(crate) variables: Vec<Key>,
}

impl VariablePattern {
    /// The matcher of the resource pattern `nodes`; an error for nodes the
    /// language never produces.
    pub(crate) fn new(nodes: &[PatternNode]) -> Result<VariablePattern, String> {
        let mut variables = Vec::new();
        // Expand the `{a,b}` groups over the whole sequence, then give the
        // wildcards meaning over each whole alternative, so `**` next to a
        // variable is seen right.
        let alternatives = expand(nodes, &mut variables)?
            .iter()
            .map(|alt| interpret(alt))
            .collect();
        Ok(VariablePattern {
            alternatives,
            variables,
        })
    }

    /// Whether `path` matches with `values[i]` standing for variable `i`.
    /// A value that is empty, holds `/`, or is `.` / `..` never matches.
    /// `None` when the matcher could not decide, as [`StaticGlob::is_match`].
    pub(crate) fn is_match(&self, path: &str, values: &[&str]) -> Option<bool> {
        if values
            .iter()
            .any(|v| v.is_empty() || v.contains('/') || *v == "." || *v == "..")
        {
            return Some(false);
        }
        any_match(&self.alternatives, path, values)
    }
}

/// Whether one of `alternatives` matches: a match decides, and an
/// alternative the matcher could not decide makes the answer `None` unless
/// another one matched.
fn any_match(alternatives: &[Vec<Token>], text: &str, values: &[&str]) -> Option<bool> {
    let mut decided = true;
    for tokens in alternatives {
        match match_tokens(tokens, text, values) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => decided = false,
        }
    }
    decided.then_some(false)
}

/// One element of an alternative of a pattern, before its `**` get their
/// meaning from what stands around them.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    /// A character matched as itself; a `/` here separates segments.
    Char(char),
    /// `\c`: matched as itself, but never read as a separator after `**`
    /// (as globset reads it).
    Escaped(char),
    /// `**`.
    DoubleStar,
    /// A token whose meaning is settled: `*`, `?`, a class, a variable.
    Token(Token),
}

/// Expands the `{a,b}` groups of a pattern's nodes into one sequence per
/// choice, reading them as globset does: an empty alternative is dropped,
/// so `{,x}` means `{x}`, and a `**` next to a brace or a group's comma is
/// two `*` (globset never reads it as `**` there: `*{*,b}` is `*` then
/// `*`). Variables are numbered in `variables` as they are met. Groups do
/// not nest (the parser rejects that): nested ones are an error here.
fn expand(nodes: &[PatternNode], variables: &mut Vec<Key>) -> Result<Vec<Vec<Raw>>, String> {
    let is_group = |node: Option<&PatternNode>| matches!(node, Some(PatternNode::Alternatives(_)));
    let mut alternatives: Vec<Vec<Raw>> = vec![Vec::new()];
    for (i, node) in nodes.iter().enumerate() {
        if let PatternNode::Alternatives(choices) = node {
            let mut expanded: Vec<Vec<Raw>> = Vec::with_capacity(choices.len());
            for choice in choices.iter().filter(|c| !c.is_empty()) {
                let mut raw = Vec::new();
                for (j, n) in choice.iter().enumerate() {
                    let at_delimiter = j == 0 || j + 1 == choice.len();
                    push_raw(n, at_delimiter, &mut raw, variables)?;
                }
                expanded.push(raw);
            }
            if expanded.is_empty() {
                expanded.push(Vec::new());
            }
            alternatives = alternatives
                .iter()
                .flat_map(|alt| {
                    expanded.iter().map(move |choice| {
                        let mut next = alt.clone();
                        next.extend(choice.iter().cloned());
                        next
                    })
                })
                .collect();
        } else {
            let next_to_group =
                is_group(nodes.get(i + 1)) || is_group(i.checked_sub(1).and_then(|j| nodes.get(j)));
            let mut raw = Vec::new();
            push_raw(node, next_to_group, &mut raw, variables)?;
            for alt in &mut alternatives {
                alt.extend(raw.iter().cloned());
            }
        }
    }
    Ok(alternatives)
}

/// The raw elements of one node; `at_delimiter` when a brace or a group's
/// comma stands next to it.
fn push_raw(
    node: &PatternNode,
    at_delimiter: bool,
    out: &mut Vec<Raw>,
    variables: &mut Vec<Key>,
) -> Result<(), String> {
    match node {
        PatternNode::Literal(text) => out.extend(text.chars().map(Raw::Char)),
        PatternNode::Escaped(c) => out.push(Raw::Escaped(*c)),
        PatternNode::Star => out.push(Raw::Token(Token::Star)),
        PatternNode::DoubleStar if at_delimiter => {
            out.extend([Raw::Token(Token::Star), Raw::Token(Token::Star)]);
        }
        PatternNode::DoubleStar => out.push(Raw::DoubleStar),
        PatternNode::AnyChar => out.push(Raw::Token(Token::AnyChar)),
        PatternNode::Class(class) => out.push(Raw::Token(Token::Class {
            negated: class.negated(),
            ranges: class.ranges(),
            crosses: false,
        })),
        PatternNode::Variable(key) => {
            out.push(Raw::Token(Token::Variable(variables.len())));
            variables.push((**key).clone());
        }
        PatternNode::Alternatives(_) => {
            return Err("`{` alternatives cannot nest".into());
        }
    }
    Ok(())
}

/// Gives each `**` its meaning from what stands around it, as globset does.
fn interpret(raw: &[Raw]) -> Vec<Token> {
    let lit = |i: usize| match raw.get(i) {
        Some(Raw::Char(c)) => Some(*c),
        _ => None,
    };
    if raw == [Raw::DoubleStar] {
        return vec![Token::Everything];
    }
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while let Some(element) = raw.get(i) {
        match element {
            Raw::DoubleStar => {
                let at_start = i == 0;
                let after_separator = out.last() == Some(&Token::Literal('/'));
                let last = out.last();
                let after_recursive =
                    matches!(last, Some(Token::RecursivePrefix | Token::RecursiveMiddle));
                let next = raw.get(i + 1);
                let next_is_separator = lit(i + 1) == Some('/');
                if at_start && (next.is_none() || next_is_separator) {
                    out.push(Token::RecursivePrefix);
                    i += if next_is_separator { 2 } else { 1 };
                } else if after_recursive && (next.is_none() || next_is_separator) {
                    // A `**` segment right after `**/` or `/**/` merges into
                    // it, as in globset: `**/**/` is `**/`, `/**/**/` is
                    // `/**/`, and `/**/**` at the end is `/**`.
                    if next.is_none() && last == Some(&Token::RecursiveMiddle) {
                        out.pop();
                        out.push(Token::RecursiveSuffix);
                    }
                    i += if next_is_separator { 2 } else { 1 };
                } else if after_separator && next.is_none() {
                    out.pop();
                    out.push(Token::RecursiveSuffix);
                    i += 1;
                } else if after_separator && next_is_separator {
                    out.pop();
                    out.push(Token::RecursiveMiddle);
                    i += 2;
                } else {
                    out.push(Token::Star);
                    out.push(Token::Star);
                    i += 1;
                }
            }
            Raw::Char(c) | Raw::Escaped(c) => {
                out.push(Token::Literal(*c));
                i += 1;
            }
            Raw::Token(token) => {
                out.push(token.clone());
                i += 1;
            }
        }
    }
    // globset matches everything with a pattern that is only `**/`.
    if out == [Token::RecursivePrefix] {
        return vec![Token::Everything];
    }
    out
}

// ---------------------------------------------------------------------------
// Matching.
//
// The tokens of one width at either end of the pattern (literals, `?`,
// classes and variables before the first `*` or `**`, or after the last)
// can only match at one place: they are compared there, from the start and
// from the end of the path. What lies between, from the first `*` or `**`
// to the last, is run as an automaton over the set of its states (Thompson's
// construction) instead of by backtracking: the text is read once, one char
// at a time, and after each char the matcher holds every place in the
// pattern that the text read so far can have reached. The states are
//
// - `at[k]`: the text read so far matches the tokens before `k`; `at[len]`
//   (after the last token) accepts;
// - `across[k]`, for `**/` at the start and `/**/` in the middle: inside the
//   text that `**` spans, where each `/` read may end it.
//
// A variable there, reached at position `p`, goes on at `p + len(value)` if
// its value occurs at `p`: the token keeps the positions it was reached at,
// in order, while a Knuth-Morris-Pratt search for its value, fed the text's
// bytes as they are read, says where an occurrence ends.
//
// Each char costs O(tokens), each byte one amortized KMP step per variable
// waiting for its value, and a value is read at most once more (its failure
// function, or its comparison at one end): O((path + values) × tokens)
// time, no recursion, and memory O(tokens + values) beyond the input.
// Nothing is allocated unless a variable stands between two `*` or `**`, or
// the pattern has more than 127 tokens.

/// Whether `path` matches `tokens` with `values[i]` standing for variable
/// `i` (a missing value matches nothing); `None` when a step that cannot
/// fail did (an offset off a char boundary, a table shorter than its
/// value), so that the caller decides unknown instead of "no match".
fn match_tokens(tokens: &[Token], path: &str, values: &[&str]) -> Option<bool> {
    // `tokens[first..last]` is left to match `text`, what is left of `path`
    // once the tokens of one width at either end have read their chars.
    let (mut first, mut last) = (0, tokens.len());
    let mut text = path;
    while let Some(token) = tokens.get(first) {
        match fixed_width(token, text, values, false) {
            Some(Some(rest)) => text = rest,
            Some(None) => return Some(false),
            None => break,
        }
        first += 1;
    }
    while last > first
        && let Some(token) = tokens.get(last - 1)
    {
        match fixed_width(token, text, values, true) {
            Some(Some(rest)) => text = rest,
            Some(None) => return Some(false),
            None => break,
        }
        last -= 1;
    }
    let middle = tokens.get(first..last)?;
    // The most common middles, at once.
    tick(text.len());
    Some(match middle {
        [] => text.is_empty(),
        [Token::Star] => !text.contains('/'),
        [Token::StarAll] => true,
        [Token::Everything] => true,
        [Token::RecursivePrefix] => text.is_empty() || text.ends_with('/'),
        [Token::RecursiveSuffix] => text.starts_with('/'),
        [Token::RecursiveMiddle] => text.starts_with('/') && text.ends_with('/'),
        _ => return Run::new(middle, text, values).matches(),
    })
}

/// Matches a token of one width at the start of `text` (or at its end):
/// the text left on the other side of it, `Some(None)` when it does not
/// match there; `None` for a token whose width varies. The text is cut by
/// reading chars and stripping values, never at a computed offset.
fn fixed_width<'t>(
    token: &Token,
    text: &'t str,
    values: &[&str],
    at_end: bool,
) -> Option<Option<&'t str>> {
    tick(1);
    match token {
        Token::Literal(_) | Token::AnyChar | Token::AnyCharAll | Token::Class { .. } => {
            let mut chars = text.chars();
            let c = if at_end {
                chars.next_back()
            } else {
                chars.next()
            };
            Some(c.filter(|c| token.reads(*c)).map(|_| chars.as_str()))
        }
        Token::Variable(i) => Some(values.get(*i).and_then(|value| {
            tick(value.len());
            if at_end {
                text.strip_suffix(value)
            } else {
                text.strip_prefix(value)
            }
        })),
        _ => None,
    }
}

impl Token {
    /// Whether a one-char token (a literal, `?` or a class) reads `c`.
    fn reads(&self, c: char) -> bool {
        match self {
            Token::Literal(l) => *l == c,
            Token::AnyChar => c != '/',
            Token::AnyCharAll => true,
            Token::Class {
                negated,
                ranges,
                crosses,
            } => {
                (*crosses || c != '/')
                    && ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated
            }
            _ => false,
        }
    }
}

/// One match of the middle of a pattern, from its first `*` or `**` to its
/// last, in progress.
struct Run<'a> {
    tokens: &'a [Token],
    text: &'a str,
    /// The states at the position being reached.
    at: Bits,
    across: Bits,
    /// One per variable token, in token order.
    vars: SmallVec<[Var<'a>; 2]>,
    /// How many variables wait for their value's end (`starts` not empty).
    waiting: usize,
    /// The pattern matches whatever text is left (`**`, or `/**` read).
    matched: bool,
}

/// A variable token, and the search for its value while the text is read.
struct Var<'a> {
    token: usize,
    /// `None` when the caller gave no value for it.
    value: Option<&'a [u8]>,
    /// The positions the token was reached at, in increasing order, that the
    /// reading has not yet gone a value's length beyond.
    starts: VecDeque<usize>,
    /// The KMP failure function: `border[i]` is the length of the longest
    /// proper prefix of `value[..=i]` that is also its suffix. Built when the
    /// token is first reached.
    border: Vec<usize>,
    /// How many bytes of the value the text read so far ends with (while
    /// `starts` is not empty).
    matched: usize,
    /// The value ends at the position just reached.
    ends_here: bool,
}

impl<'a> Run<'a> {
    fn new(tokens: &'a [Token], text: &'a str, values: &[&'a str]) -> Run<'a> {
        let vars = tokens
            .iter()
            .enumerate()
            .filter_map(|(token, t)| match t {
                Token::Variable(i) => Some(Var {
                    token,
                    value: values.get(*i).map(|v| v.as_bytes()),
                    starts: VecDeque::new(),
                    border: Vec::new(),
                    matched: 0,
                    ends_here: false,
                }),
                _ => None,
            })
            .collect();
        Run {
            tokens,
            text,
            at: Bits::new(tokens.len() + 1),
            across: Bits::new(tokens.len()),
            vars,
            waiting: 0,
            matched: false,
        }
    }

    /// Whether the text matches; `None` when a variable's search table
    /// broke (see [`match_tokens`]).
    fn matches(mut self) -> Option<bool> {
        let end = self.tokens.len();
        self.reach(0, 0);
        let mut at = Bits::new(end + 1);
        let mut across = Bits::new(end);
        // `rest` is the text after byte `pos`; it is only ever cut after a
        // char it has just yielded, so no offset can fall inside a char.
        let mut pos = 0;
        let mut rest = self.text;
        loop {
            if self.matched {
                return Some(true);
            }
            let (c, after) = if self.at.is_empty() && self.waiting == 0 {
                if self.across.is_empty() {
                    return Some(false);
                }
                // Only `**` spans: nothing happens before the next `/`.
                let Some((skipped, after)) = rest.split_once('/') else {
                    return Some(false);
                };
                tick(skipped.len());
                pos += skipped.len();
                ('/', after)
            } else {
                let mut chars = rest.chars();
                let Some(c) = chars.next() else {
                    break;
                };
                (c, chars.as_str())
            };
            let next = pos + c.len_utf8();
            if self.waiting > 0 {
                let mut buf = [0; 4];
                let read = c.encode_utf8(&mut buf).as_bytes();
                for var in &mut self.vars {
                    if !var.read(read) {
                        return None;
                    }
                }
            }
            std::mem::swap(&mut at, &mut self.at);
            std::mem::swap(&mut across, &mut self.across);
            self.at.clear();
            self.across.clear();
            for w in 0..at.words() {
                let mut word = at.word(w);
                while word != 0 {
                    let k = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    tick(1);
                    let Some(token) = self.tokens.get(k) else {
                        continue;
                    };
                    match token {
                        Token::Star if c != '/' => self.reach(k, next),
                        Token::StarAll => self.reach(k, next),
                        // `/` then anything: the rest of the text.
                        Token::RecursiveSuffix => self.matched |= c == '/' && k + 1 == end,
                        Token::RecursiveMiddle if c == '/' => {
                            self.across.insert(k);
                            self.reach(k + 1, next);
                        }
                        // `**/` reads in `across`, a variable in its search.
                        _ if token.reads(c) => self.reach(k + 1, next),
                        _ => {}
                    }
                }
            }
            for w in 0..across.words() {
                let mut word = across.word(w);
                while word != 0 {
                    let k = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    tick(1);
                    self.across.insert(k);
                    if c == '/' {
                        self.reach(k + 1, next);
                    }
                }
            }
            self.arrive(next);
            pos = next;
            rest = after;
        }
        Some(self.matched || self.at.contains(end))
    }

    /// The reading has reached `pos`: goes on after each variable whose
    /// value ends here.
    fn arrive(&mut self, pos: usize) {
        let mut i = 0;
        while self.waiting > 0 && i < self.vars.len() {
            if let Some(var) = self.vars.get_mut(i)
                && !var.starts.is_empty()
            {
                let arrived = var.arrive(pos);
                if var.starts.is_empty() {
                    self.waiting -= 1;
                }
                if arrived {
                    let k = var.token;
                    self.reach(k + 1, pos);
                }
            }
            i += 1;
        }
    }

    /// Adds the state before token `k` at position `pos`, and those it leads
    /// to without reading: past a `*` or `**/` matching nothing.
    fn reach(&mut self, mut k: usize, pos: usize) {
        while self.at.insert(k) {
            tick(1);
            match self.tokens.get(k) {
                Some(Token::Star | Token::StarAll) => {}
                Some(Token::RecursivePrefix) => {
                    self.across.insert(k);
                }
                Some(Token::Everything) => {
                    self.matched = true;
                    return;
                }
                Some(Token::Variable(_)) if self.start(k, pos) => {}
                _ => return,
            }
            k += 1;
        }
    }

    /// Variable token `k` is reached at `pos`. True when its value is empty
    /// (then the next token is reached at once).
    fn start(&mut self, k: usize, pos: usize) -> bool {
        let Some(var) = self.vars.iter_mut().find(|v| v.token == k) else {
            return false;
        };
        let Some(value) = var.value else {
            return false;
        };
        if value.is_empty() {
            return true;
        }
        if var.border.is_empty() {
            var.border = borders(value);
        }
        if var.starts.is_empty() {
            // Only occurrences from here on matter.
            var.matched = 0;
            self.waiting += 1;
        }
        var.starts.push_back(pos);
        false
    }
}

impl Var<'_> {
    /// Reads the bytes of the next char of the text. A value (valid UTF-8)
    /// can only end at a char boundary, so only the last byte is checked.
    /// False when the failure function has no entry where the search needs
    /// one, which building it for the value rules out: the match is then
    /// undecided rather than a search restarted from nothing.
    fn read(&mut self, bytes: &[u8]) -> bool {
        self.ends_here = false;
        let Some(value) = self.value.filter(|_| !self.starts.is_empty()) else {
            return true;
        };
        for byte in bytes {
            // After a whole occurrence `value.get(m)` is `None`: the search
            // goes on from the occurrence's longest border.
            while self.matched > 0 && value.get(self.matched) != Some(byte) {
                tick(1);
                let Some(&border) = self.border.get(self.matched - 1) else {
                    return false;
                };
                self.matched = border;
            }
            if value.get(self.matched) == Some(byte) {
                self.matched += 1;
            }
            tick(1);
        }
        self.ends_here = self.matched == value.len();
        true
    }

    /// The reading has reached `pos`: true when the value, starting where
    /// the token was reached, ends here.
    fn arrive(&mut self, pos: usize) -> bool {
        let len = self.value.map_or(0, <[u8]>::len);
        let mut arrived = false;
        while let Some(&start) = self.starts.front() {
            if start + len > pos {
                break;
            }
            tick(1);
            self.starts.pop_front();
            arrived |= start + len == pos && self.ends_here;
        }
        arrived
    }
}

/// The KMP failure function of `value` (see [`Var::border`]).
fn borders(value: &[u8]) -> Vec<usize> {
    let mut border = vec![0; value.len()];
    let mut k = 0;
    for (i, byte) in value.iter().enumerate().skip(1) {
        // `k <= i`, so `border[k - 1]` is already set: the fallback is
        // never taken, and were it taken the table would only be shorter on
        // borders, which `Var::read` still follows to a right answer.
        while k > 0 && value.get(k) != Some(byte) {
            tick(1);
            k = border.get(k - 1).copied().unwrap_or(0);
        }
        if value.get(k) == Some(byte) {
            k += 1;
        }
        if let Some(slot) = border.get_mut(i) {
            *slot = k;
        }
        tick(1);
    }
    border
}

/// A set of states, by token index: the first 128 inline, others in `more`.
#[derive(Debug, Clone)]
struct Bits {
    low: [u64; 2],
    more: Vec<u64>,
}

impl Bits {
    fn new(len: usize) -> Bits {
        Bits {
            low: [0; 2],
            more: vec![0; len.div_ceil(64).saturating_sub(2)],
        }
    }

    /// How many words of 64 states there are.
    fn words(&self) -> usize {
        2 + self.more.len()
    }

    /// The states `64 * w .. 64 * w + 64`, one per bit.
    fn word(&self, w: usize) -> u64 {
        match w {
            0 => self.low[0],
            1 => self.low[1],
            _ => self.more.get(w - 2).copied().unwrap_or(0),
        }
    }

    /// Adds `i`; false when it was there already.
    fn insert(&mut self, i: usize) -> bool {
        let word = match i / 64 {
            0 => &mut self.low[0],
            1 => &mut self.low[1],
            w => match self.more.get_mut(w - 2) {
                Some(word) => word,
                None => return false,
            },
        };
        let bit = 1 << (i % 64);
        let added = *word & bit == 0;
        *word |= bit;
        added
    }

    fn contains(&self, i: usize) -> bool {
        self.word(i / 64) & (1 << (i % 64)) != 0
    }

    fn clear(&mut self) {
        self.low = [0; 2];
        if !self.more.is_empty() {
            self.more.fill(0);
        }
    }

    fn is_empty(&self) -> bool {
        self.low == [0; 2] && (self.more.is_empty() || self.more.iter().all(|word| *word == 0))
    }
}

/// Counts the matcher's elementary steps, for the tests' linear bound (in
/// debug builds only, so that a release build of the tests times the
/// matcher as it ships).
#[cfg(all(test, debug_assertions))]
fn tick(n: usize) {
    tests::STEPS.with(|steps| steps.set(steps.get() + n as u64));
}

#[cfg(not(all(test, debug_assertions)))]
#[inline(always)]
fn tick(_: usize) {}

/// The previous matcher, by backtracking (exponential in the number of `*`):
/// the tests' oracle.
#[cfg(test)]
fn backtrack(tokens: &[Token], text: &str, values: &[&str]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match token {
        Token::Literal(c) => text
            .strip_prefix(*c)
            .is_some_and(|t| backtrack(rest, t, values)),
        Token::Variable(i) => values
            .get(*i)
            .and_then(|v| text.strip_prefix(v))
            .is_some_and(|t| backtrack(rest, t, values)),
        Token::AnyChar => first_char(text)
            .filter(|c| *c != '/')
            .is_some_and(|c| backtrack(rest, &text[c.len_utf8()..], values)),
        Token::AnyCharAll => {
            first_char(text).is_some_and(|c| backtrack(rest, &text[c.len_utf8()..], values))
        }
        Token::Class {
            negated,
            ranges,
            crosses,
        } => first_char(text)
            .filter(|c| {
                let inside = ranges.iter().any(|(lo, hi)| lo <= c && c <= hi);
                (*crosses || *c != '/') && inside != *negated
            })
            .is_some_and(|c| backtrack(rest, &text[c.len_utf8()..], values)),
        Token::Star => {
            let segment_end = text.find('/').unwrap_or(text.len());
            char_boundaries(&text[..segment_end]).any(|at| backtrack(rest, &text[at..], values))
        }
        Token::StarAll => char_boundaries(text).any(|at| backtrack(rest, &text[at..], values)),
        Token::Everything => true,
        Token::RecursivePrefix => {
            backtrack(rest, text, values)
                || text
                    .strip_prefix('/')
                    .is_some_and(|t| backtrack(rest, t, values))
                || text
                    .match_indices('/')
                    .any(|(at, _)| backtrack(rest, &text[at + 1..], values))
        }
        Token::RecursiveSuffix => text.starts_with('/') && rest.is_empty(),
        Token::RecursiveMiddle => {
            text.starts_with('/')
                && text
                    .match_indices('/')
                    .any(|(at, _)| backtrack(rest, &text[at + 1..], values))
        }
    }
}

#[cfg(test)]
fn first_char(text: &str) -> Option<char> {
    text.chars().next()
}

/// Every char boundary of `text`, including both ends.
#[cfg(test)]
fn char_boundaries(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use policy_lang::{GlobPart, KeyPath, Span};

    /// The matchers' answers here, where each must be decided.
    trait Decided {
        fn decided(self) -> bool;
    }

    impl Decided for Option<bool> {
        fn decided(self) -> bool {
            self.expect("the matcher left the match undecided")
        }
    }

    /// A variable's search table that lacks an entry the search needs
    /// leaves the match undecided (`None`), which the engine makes unknown:
    /// it never restarts the search and answers "no match".
    #[test]
    fn a_broken_search_table_leaves_the_match_undecided() {
        let p = pattern("x/*$V*");
        let tokens = &p.alternatives[0];
        let middle = &tokens[2..];
        // Whole, the table finds "aab" in "aaab".
        assert_eq!(Run::new(middle, "aaab", &["aab"]).matches(), Some(true));
        // Cut short, the search after "aa" then "a" needs `border[1]`.
        let mut run = Run::new(middle, "aaab", &["aab"]);
        run.vars[0].border = vec![0];
        assert_eq!(run.matches(), None);
    }

    #[cfg(debug_assertions)]
    thread_local! {
        /// The matcher's steps on this thread (see `tick`).
        pub(super) static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// The nodes of `text`, each `$V` a variable (`principal.tags.vN`),
    /// read as globset reads it (the parser's rule on `**` left out, so
    /// that every glob globset reads is tried here).
    fn nodes(text: &str) -> Option<policy_lang::PatternNodes> {
        let parts: Vec<GlobPart> = text
            .split("$V")
            .enumerate()
            .flat_map(|(i, chunk)| {
                let var = (i > 0).then(|| {
                    GlobPart::Variable(Key {
                        path: KeyPath::PrincipalTag(format!("v{i}")),
                        span: Span::default(),
                    })
                });
                var.into_iter()
                    .chain((!chunk.is_empty()).then(|| GlobPart::Text(chunk.to_string())))
            })
            .collect();
        policy_lang::parse_glob_parts(&parts, false).ok()
    }

    fn try_pattern(text: &str) -> Option<VariablePattern> {
        VariablePattern::new(&nodes(text)?).ok()
    }

    fn pattern(text: &str) -> VariablePattern {
        try_pattern(text).unwrap()
    }

    fn static_glob(text: &str, syntax: GlobSyntax) -> Option<StaticGlob> {
        StaticGlob::new(&policy_lang::parse_glob(text, false).ok()?, syntax).ok()
    }

    /// Each case is checked against globset with the value escaped in place.
    #[test]
    fn agrees_with_globset_on_substituted_patterns() {
        let cases = [
            ("prod/$V/**", "payments", "prod/payments/stripe"),
            ("prod/$V/**", "payments", "prod/payments"),
            ("prod/$V/**", "pay*", "prod/payments/x"),
            ("prod/$V/**", "pay*", "prod/pay*/x"),
            ("prod/$V-*", "a", "prod/a-b-c"),
            ("prod/$V-*", "a-b", "prod/a-b-c"),
            ("**/$V", "x", "x"),
            ("**/$V", "x", "a/b/x"),
            ("a/**/$V", "x", "a/x"),
            ("a/**/$V", "x", "a/b/c/x"),
            ("{dev,prod}/$V/*", "t", "prod/t/db"),
            ("{dev,prod}/$V/*", "t", "qa/t/db"),
            ("[a-c]?/$V", "t", "b1/t"),
            ("[!a-c]?/$V", "t", "b1/t"),
            ("$V**", "t", "tx"),
            ("x/$V", "{a,b}", "x/a"),
            ("x/$V", "[a]", "x/a"),
            ("x/$V", "[a]", "x/[a]"),
            ("{,dev/}$V/*", "db", "db/main"),
            ("{,dev/}$V/*", "db", "dev/db/main"),
            ("prod/{[,]x,y}/$V", "db", "prod/,x/db"),
            ("prod/{a\\,b,c}/$V", "db", "prod/a,b/db"),
            ("prod/\\{a,b\\}/$V", "db", "prod/{a,b}/db"),
            ("prod/[[:alpha:]]*/$V", "db", "prod/a1/db"),
            ("prod/[[:alpha:]]*/$V", "db", "prod/1a/db"),
            ("prod/[[:foo:]1]/$V", "db", "prod/[/db"),
            ("prod/**/**/$V", "t", "prod/t"),
            ("prod/**/**/$V", "t", "prod/a/b/t"),
            ("**/**/$V", "t", "t"),
            ("**/**/$V", "t", "a/t"),
            ("$V/**/**", "t", "t/x/y"),
            ("$V/**/**", "t", "t/"),
            ("$V/**/**", "t", "t"),
            ("/**/**/$Va/**", "a", "/aa/"),
            ("/**/{a/,}$V/*{*,b-}", "b", "/a/b/b/"),
            ("/**/{a/,}$V/*{*,b-}", "b", "/a/b/bx"),
            ("$V/{x/*,y}*/z", "t", "t/x/a/b/z"),
            ("$V/{x/*,y}*/z", "t", "t/x/ab/z"),
            ("$V{*,a}*", "t", "t/x"),
            ("$V{*,a}*", "t", "tx"),
        ];
        for (pat, value, path) in cases {
            let escaped: String = value
                .chars()
                .map(|c| {
                    if "?*[]{},\\".contains(c) {
                        format!("[{c}]")
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            let glob = globset::GlobBuilder::new(&pat.replace("$V", &escaped))
                .literal_separator(true)
                .build()
                .unwrap()
                .compile_matcher();
            assert_eq!(
                pattern(pat).is_match(path, &[value]).decided(),
                glob.is_match(path),
                "pattern {pat} value {value} path {path}"
            );
        }
    }

    #[test]
    fn values_that_could_widen_never_match() {
        let p = pattern("prod/$V/db");
        assert!(!p.is_match("prod/a/b/db", &["a/b"]).decided());
        assert!(!p.is_match("prod/../db", &[".."]).decided());
        assert!(!p.is_match("prod//db", &[""]).decided());
        assert!(p.is_match("prod/team/db", &["team"]).decided());
    }

    /// The glob text of `pat` with each value escaped in place, as the
    /// reference interpreter writes it.
    fn substituted(pat: &str, values: &[&str]) -> String {
        let mut chunks = pat.split("$V");
        let mut text = chunks.next().unwrap_or_default().to_string();
        for (chunk, value) in chunks.zip(values.iter().chain(std::iter::repeat(&""))) {
            for c in value.chars() {
                if "?*[]{},\\".contains(c) {
                    text.push('[');
                    text.push(c);
                    text.push(']');
                } else {
                    text.push(c);
                }
            }
            text.push_str(chunk);
        }
        text
    }

    /// What the previous, backtracking matcher answers.
    fn oracle(p: &VariablePattern, path: &str, values: &[&str]) -> bool {
        !values
            .iter()
            .any(|v| v.is_empty() || v.contains('/') || *v == "." || *v == "..")
            && p.alternatives
                .iter()
                .any(|tokens| backtrack(tokens, path, values))
    }

    /// Whether the policy parser accepts `pat` as a resource pattern that
    /// goes to this module: it holds a variable, none in `{...}` or `[...]`,
    /// `**` is a whole segment (a variable counting as a segment's text), and
    /// globset compiles it.
    fn parser_accepts(pat: &str) -> bool {
        let probe = pat.replace("$V", "v");
        let chars: Vec<char> = probe.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
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
                '*' => {
                    let run = chars[i..].iter().take_while(|c| **c == '*').count();
                    let before = i.checked_sub(1).and_then(|j| chars.get(j));
                    let whole = before.is_none_or(|c| *c == '/')
                        && chars.get(i + run).is_none_or(|c| *c == '/');
                    if run > 2 || (run == 2 && !whole) {
                        return false;
                    }
                    i += run;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        let balanced =
            |g: &str, open: char, close: char| g.matches(open).count() == g.matches(close).count();
        pat.contains("$V")
            && pat
                .split("$V")
                .all(|g| balanced(g, '{', '}') && balanced(g, '[', ']'))
            && globset::GlobBuilder::new(&probe)
                .literal_separator(true)
                .build()
                .is_ok()
    }

    /// Pieces of generated patterns (literals with `/`, every star form, `?`,
    /// classes, alternatives, an escape, the variable `$V`), each with texts
    /// it matches, from which paths are built.
    const PIECES: &[(&str, &[&str])] = &[
        ("a", &["a"]),
        ("b", &["b"]),
        ("-", &["-"]),
        ("/", &["/"]),
        (".", &["."]),
        ("é", &["é"]),
        ("*", &["", "a", "b-é", "*"]),
        ("*", &["", "a-", "ab"]),
        ("**", &["", "ab", "a/b"]),
        ("?", &["a", "é", "-"]),
        ("**/", &["", "a/", "a/b/"]),
        ("/**", &["/", "/a", "/a/b"]),
        ("/**/", &["/", "/a/", "/a/b/"]),
        ("[ab]", &["a", "b"]),
        ("[!a]", &["b", "é", "/"]),
        ("[a-b]", &["a", "b"]),
        ("[-a]", &["-", "a"]),
        ("[/a]", &["a"]),
        ("[!/]", &["a", "-"]),
        ("{a,b}", &["a", "b"]),
        ("{a/,}", &["a/", ""]),
        ("{*,b-}", &["", "ab", "b-"]),
        ("{?,a/b}", &["a", "a/b"]),
        ("\\*", &["*"]),
        ("$V", &["$V"]),
    ];

    /// Chars of generated values (no `/`, some glob syntax), and of edits to
    /// generated paths.
    const VALUE_CHARS: &[&str] = &["a", "b", "-", "*", "é", ".", "{", ",", "[", "?"];
    const PATH_CHARS: &[&str] = &["a", "b", "-", "/", ".", "é", "*"];

    fn gen_value() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(VALUE_CHARS), 1..4)
            .prop_map(|p| p.concat())
            .prop_filter("never matches", |v| v != "." && v != "..")
    }

    /// A pattern with one to three variables, values for them, and a path:
    /// a text the pattern matches, with one char deleted, inserted or
    /// replaced in half the cases.
    fn gen_case() -> impl Strategy<Value = (String, Vec<String>, String)> {
        use proptest::sample::{Index, select};
        let piece = (0..PIECES.len(), any::<Index>());
        let edit = (any::<Index>(), 0..3u8, select(PATH_CHARS));
        (
            proptest::collection::vec(piece, 0..8),
            any::<Index>(),
            proptest::collection::vec(gen_value(), 3),
            proptest::option::of(edit),
        )
            .prop_filter_map("at most 3 variables", |(mut pieces, at, values, edit)| {
                let var = PIECES.len() - 1;
                if !pieces.iter().any(|(i, _)| *i == var) {
                    pieces.insert(at.index(pieces.len() + 1), (var, at));
                }
                if pieces.iter().filter(|(i, _)| *i == var).count() > 3 {
                    return None;
                }
                let mut pattern = String::new();
                let mut path = String::new();
                let mut next_value = values.iter();
                for (i, choice) in pieces {
                    let (text, matches) = PIECES[i];
                    pattern.push_str(text);
                    match matches[choice.index(matches.len())] {
                        "$V" => path.push_str(next_value.next()?),
                        text => path.push_str(text),
                    }
                }
                let mut chars: Vec<char> = path.chars().collect();
                if let Some((at, op, c)) = edit {
                    let c = c.chars().next()?;
                    let at = at.index(chars.len() + 1);
                    match op {
                        0 if at < chars.len() => {
                            chars.remove(at);
                        }
                        1 if at < chars.len() => chars[at] = c,
                        _ => chars.insert(at, c),
                    }
                }
                Some((pattern, values, chars.into_iter().collect()))
            })
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The linear matcher answers as the backtracking one, and as
        /// globset on the glob with the values escaped in place.
        #[test]
        fn agrees_with_backtracking_and_globset((pat, values, path) in gen_case()) {
            let Some(p) = try_pattern(&pat) else {
                prop_assert!(globset::GlobBuilder::new(&pat.replace("$V", "v")).build().is_err(), "{}", pat);
                return Ok(());
            };
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let values = &values[..p.variables.len()];
            let linear = p.is_match(&path, values).decided();
            prop_assert_eq!(linear, oracle(&p, &path, values), "oracle: {} {:?} {}", pat, values, path);
            // globset reads `?` and classes by bytes (its regex is not in
            // Unicode mode), this module by chars: they differ on non-ASCII.
            if parser_accepts(&pat) && path.is_ascii() && values.iter().all(|v| v.is_ascii()) {
                let glob = globset::GlobBuilder::new(&substituted(&pat, values))
                    .literal_separator(true)
                    .build()
                    .unwrap()
                    .compile_matcher();
                prop_assert_eq!(linear, glob.is_match(&path), "globset: {} {:?} {}", pat, values, path);
            }
        }

        /// Values that are empty, hold `/` or are `.`/`..` never match.
        #[test]
        fn widening_values_never_match(
            (pat, _, path) in gen_case(),
            bad in proptest::sample::select(&["", "/", "a/", "/b", ".", ".."][..]),
        ) {
            let Some(p) = try_pattern(&pat) else {
                return Ok(());
            };
            let values = vec![bad; p.variables.len()];
            prop_assert!(!p.is_match(&path, &values).decided());
        }
    }

    /// Runs `p` on `path` and returns the answer and the steps taken.
    #[cfg(debug_assertions)]
    fn counted(p: &VariablePattern, path: &str, values: &[&str]) -> (bool, u64) {
        STEPS.with(|s| s.set(0));
        let answer = p.is_match(path, values).decided();
        (answer, STEPS.with(std::cell::Cell::get))
    }

    const MIB: usize = 1 << 20;

    /// The backtracking matcher took a second on a 522-byte path here.
    #[test]
    fn dashes_after_a_variable_on_a_long_segment() {
        let p = pattern("teams/$V/*-*-*-*");
        let ok = format!("teams/t/{}a", "a-".repeat(MIB / 2));
        assert!(p.is_match(&ok, &["t"]).decided());
        assert!(!p.is_match(&format!("{ok}/"), &["t"]).decided());
        assert!(!p.is_match(&ok, &["u"]).decided());
    }

    #[test]
    fn many_segments_against_recursive_wildcards() {
        let x = "x/".repeat(100_000);
        let p = pattern("**/a/**/b/**/c/$V");
        assert!(p.is_match(&format!("{x}a/{x}b/{x}c/v"), &["v"]).decided());
        assert!(!p.is_match(&format!("{x}a/{x}c/{x}b/v"), &["v"]).decided());
        let q = pattern("$V/**/a/**/b/**/c");
        assert!(!q.is_match(&format!("v/{x}a/{x}b/{x}"), &["v"]).decided());
    }

    #[test]
    fn long_values() {
        let value = "a".repeat(MIB);
        // At either end of the pattern: compared at its one place.
        let p = pattern("teams/$V/*");
        assert!(
            p.is_match(&format!("teams/{value}/db"), &[&value])
                .decided()
        );
        assert!(
            !p.is_match(&format!("teams/{value}b/db"), &[&value])
                .decided()
        );
        assert!(
            !p.is_match(&format!("teams/{}/db", &value[1..]), &[&value])
                .decided()
        );
        let q = pattern("**/$V");
        assert!(q.is_match(&format!("x/y/{value}"), &[&value]).decided());
        assert!(!q.is_match(&format!("x/y{value}"), &[&value]).decided());
        // Between stars: searched for. The value occurs at every position of
        // a run of `a`, where the backtracking matcher compared it each time.
        let r = pattern("*$V*");
        assert!(r.is_match(&format!("bb{value}bb"), &[&value]).decided());
        assert!(
            !r.is_match(&format!("{}/{}", &value[1..], &value[1..]), &[&value])
                .decided()
        );
        assert!(
            !r.is_match(&format!("{value}{}/b", &value[..MIB / 2]), &[&value])
                .decided()
        );
        let s = pattern("**/$V/**/$V/*");
        let ab = "ab".repeat(MIB / 32);
        let ba = format!("b{}", &ab[..ab.len() - 1]);
        let path = format!("{ab}/{ab}/{ba}/{ab}/{ab}/{ba}/x");
        assert!(s.is_match(&path, &[&ab, &ba]).decided());
        assert!(!s.is_match(&path, &[&ab, &format!("{ab}b")]).decided());
        assert!(!s.is_match(&path, &[&ba, &ab]).decided());
    }

    /// Nothing recurses along the path: no stack overflow on 16 MiB (test
    /// threads have 2 MiB of stack).
    #[test]
    fn sixteen_mib_path() {
        let segment = format!("{}/", "x".repeat(4095));
        let path = format!("prod/t/{}end", segment.repeat(4096));
        assert!(pattern("prod/$V/**/end").is_match(&path, &["t"]).decided());
        assert!(!pattern("prod/$V/**/x").is_match(&path, &["t"]).decided());
        assert!(!pattern("prod/$V/*").is_match(&path, &["t"]).decided());
    }

    /// The steps taken grow linearly with the input: at most a constant
    /// times the path and values' length, and about twice as many when the
    /// input doubles.
    #[test]
    #[cfg(debug_assertions)]
    fn steps_are_linear_in_the_input() {
        type Input = fn(usize) -> (String, Vec<String>);
        let cases: &[(&str, Input)] = &[
            ("teams/$V/*-*-*-*", |n| {
                (format!("teams/t/{}/", "a-".repeat(n / 2)), vec!["t".into()])
            }),
            ("**/a/**/b/**/c/$V", |n| {
                (format!("{}c/v", "x/".repeat(n / 2)), vec!["v".into()])
            }),
            ("*$V*", |n| ("a".repeat(2 * n) + "/b", vec!["a".repeat(n)])),
            ("**/$V-*/**/$V", |n| {
                let v = "ab".repeat(n / 4) + "a";
                (format!("{}/", v.repeat(4)), vec![v.clone(), v])
            }),
            (
                "*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-$V",
                |n| ("-".repeat(n) + "/-x", vec!["x".into()]),
            ),
        ];
        for (pat, input) in cases {
            let p = pattern(pat);
            let tokens = p.alternatives.iter().map(Vec::len).max().unwrap_or(0) as u64;
            let mut last = 0;
            for n in [1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15] {
                let (path, values) = input(n);
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                let size = (path.len() + values.iter().map(|v| v.len()).sum::<usize>()) as u64;
                let (answer, steps) = counted(&p, &path, &values);
                assert!(!answer, "{pat} {n}");
                assert!(
                    steps <= 4 * (tokens + 1) * size,
                    "{pat}: {steps} steps for {size} bytes"
                );
                if last > 0 {
                    assert!(
                        steps <= 2 * last + 2 * last / 10,
                        "{pat}: {last} then {steps}"
                    );
                }
                last = steps;
            }
        }
    }

    /// Times the backtracking and the linear matcher, on hostile and on
    /// everyday inputs: `cargo test --release -p tessera --lib
    /// glob::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing() {
        use std::time::{Duration, Instant};
        let time = |p: &VariablePattern, path: &str, values: &[&str], old: bool| {
            let (mut runs, start) = (0u32, Instant::now());
            let mut answer = false;
            while runs == 0 || (start.elapsed() < Duration::from_millis(200) && runs < 100_000) {
                answer = if old {
                    oracle(p, std::hint::black_box(path), values)
                } else {
                    p.is_match(std::hint::black_box(path), values).decided()
                };
                runs += 1;
            }
            (answer, start.elapsed() / runs)
        };
        let report = |pat: &str, path: &str, values: &[&str], old: bool| {
            let p = pattern(pat);
            let (answer, new_time) = time(&p, path, values, false);
            let old_time = old.then(|| time(&p, path, values, true));
            let old_time = old_time.map_or("-".to_string(), |(a, t)| {
                assert_eq!(a, answer);
                format!("{t:?}")
            });
            println!(
                "{pat:>22} {:>9} bytes {answer:>5}: backtracking {old_time:>12}, linear {new_time:?}",
                path.len()
            );
        };
        for n in [129, 257, 513] {
            // `teams/t/`, a segment of `n` dashes, then `/`.
            let path = format!("teams/t/{}/", "-".repeat(n));
            report("teams/$V/*-*-*-*", &path, &["t"], true);
        }
        for n in [MIB, 16 * MIB] {
            report(
                "teams/$V/*-*-*-*",
                &format!("teams/t/{}/", "-".repeat(n)),
                &["t"],
                false,
            );
        }
        let x = "x/".repeat(100_000);
        report(
            "**/a/**/b/**/c/$V",
            &format!("{x}a/{x}b/{x}c/v"),
            &["v"],
            false,
        );
        for n in [1 << 12, 1 << 13, 1 << 14, MIB] {
            let v = "a".repeat(n);
            report("*$V*", &format!("{v}{v}/b"), &[&v], n < MIB);
        }
        let everyday = [
            ("prod/$V/*", "payments", "prod/payments/stripe"),
            ("prod/$V/*", "payments", "prod/billing/stripe"),
            ("teams/$V/*-*-*-*", "payments", "teams/payments/a-b-c-d"),
            ("**/$V/main", "payments", "prod/x/payments/main"),
            ("prod/**/$V", "payments", "prod/eu/west/payments"),
            ("{dev,prod}/$V/**", "payments", "prod/payments/db/main"),
            ("prod/**/$V/*", "payments", "prod/eu/payments/db"),
        ];
        for (pat, value, path) in everyday {
            report(pat, path, &[value], true);
        }
    }

    /// A static pattern (the generated cases without variables), a text,
    /// and the syntax: with or without a literal separator, folding case.
    fn gen_static() -> impl Strategy<Value = (String, String, GlobSyntax)> {
        (gen_case(), any::<bool>(), any::<bool>(), any::<bool>()).prop_filter_map(
            "a static pattern",
            |((pat, values, path), literal_separator, case_insensitive, upper)| {
                if pat.contains("$V") {
                    // The values stand in the text, escaped, as literals.
                    let text =
                        substituted(&pat, &values.iter().map(String::as_str).collect::<Vec<_>>());
                    let path = if upper {
                        path.to_ascii_uppercase()
                    } else {
                        path
                    };
                    return Some((
                        text,
                        path,
                        GlobSyntax {
                            literal_separator,
                            case_insensitive,
                        },
                    ));
                }
                let path = if upper {
                    path.to_ascii_uppercase()
                } else {
                    path
                };
                Some((
                    pat,
                    path,
                    GlobSyntax {
                        literal_separator,
                        case_insensitive,
                    },
                ))
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// A static glob matched by chars answers as the backtracking
        /// oracle always, and as globset (which reads bytes) on ASCII text,
        /// under each syntax globset is given.
        #[test]
        fn static_globs_agree_with_backtracking_and_globset((pat, text, syntax) in gen_static()) {
            let Some(glob) = static_glob(&pat, syntax) else {
                prop_assert!(globset::GlobBuilder::new(&pat).build().is_err(), "{}", pat);
                return Ok(());
            };
            let linear = glob.is_match(&text).decided();
            let oracle = glob.alternatives.iter().any(|tokens| backtrack(tokens, &text, &[]));
            prop_assert_eq!(linear, oracle, "oracle: {} {} {:?}", pat, text, syntax);
            if let Ok(built) = globset::GlobBuilder::new(&pat)
                .literal_separator(syntax.literal_separator)
                .case_insensitive(syntax.case_insensitive)
                .build()
                && text.is_ascii()
                && pat.is_ascii()
            {
                prop_assert_eq!(linear, built.compile_matcher().is_match(&text), "globset: {} {} {:?}", pat, text, syntax);
            }
        }
    }

    #[test]
    fn single_char_tokens_read_one_character_not_one_byte() {
        let resource = GlobSyntax {
            literal_separator: true,
            case_insensitive: false,
        };
        let name = GlobSyntax {
            literal_separator: false,
            case_insensitive: false,
        };
        let folded = GlobSyntax {
            literal_separator: false,
            case_insensitive: true,
        };
        for (pat, syntax, text, expected) in [
            ("prod/?/admin", resource, "prod/é/admin", true),
            ("prod/?/admin", resource, "prod/éé/admin", false),
            ("prod/??/admin", resource, "prod/é/admin", false),
            ("prod/[!x]/admin", resource, "prod/é/admin", true),
            ("prod/[é]/admin", resource, "prod/é/admin", true),
            ("prod/[à-ü]/admin", resource, "prod/é/admin", true),
            ("prod/[à-ü]/admin", resource, "prod/a/admin", false),
            ("prod/?", resource, "prod/🔑", true),
            ("prod/?", resource, "prod//", false),
            ("user:?", name, "user:é", true),
            ("user:?", name, "user:/", true),
            ("user:[!a]", name, "user:/", true),
            ("*/x", name, "a/b/x", true),
            ("CHG-?", folded, "chg-é", true),
            ("chg-[a-c]", folded, "CHG-B", true),
            ("chg-[!a-c]", folded, "CHG-B", false),
            ("é", folded, "É", false),
        ] {
            assert_eq!(
                static_glob(pat, syntax).unwrap().is_match(text).decided(),
                expected,
                "{pat} {text} {syntax:?}"
            );
        }
    }
}
