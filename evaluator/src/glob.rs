//! Matching of resource patterns that hold policy variables.
//!
//! Static patterns go to `globset`; a pattern with `${...}` cannot, because
//! the variable's value is only known per request and must match literally.
//! This module tokenizes such a pattern once, following globset's syntax with
//! a literal separator (`*` stays inside a segment), and matches it with the
//! request's values standing in for the variables. No allocation per match.

use policy_lang::{PatternPart, Key};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// Index into the pattern's variables.
    Variable(usize),
    /// `?`: one character other than `/`.
    AnyChar,
    /// `*`: a run of characters other than `/`.
    Star,
    /// `**/` at the start: nothing, or anything ending in `/`.
    RecursivePrefix,
    /// `/**` at the end: `/` then anything.
    RecursiveSuffix,
    /// `/**/` in the middle: `/`, or `/` anything `/`.
    RecursiveMiddle,
    /// The whole pattern is `**`.
    Everything,
    Class { negated: bool, ranges: Vec<(char, char)> },
}

/// A pattern with variables, expanded over its `{a,b}` alternatives.
#[derive(Debug, Clone)]
pub(crate) struct VariablePattern {
    alternatives: Vec<Vec<Token>>,
    /// The keys read, in order of their index.
    pub(crate) variables: Vec<Key>,
}

impl VariablePattern {
    pub(crate) fn new(parts: &[PatternPart]) -> VariablePattern {
        let mut variables = Vec::new();
        let mut alternatives: Vec<Vec<Token>> = vec![Vec::new()];
        for part in parts {
            match part {
                PatternPart::Variable(key) => {
                    let index = variables.len();
                    variables.push(key.clone());
                    for alt in &mut alternatives {
                        alt.push(Token::Variable(index));
                    }
                }
                PatternPart::Glob(text) => {
                    for segment in split_alternates(text) {
                        alternatives = match segment {
                            Piece::Text(t) => alternatives
                                .into_iter()
                                .map(|mut alt| {
                                    alt.extend(t.chars().map(Token::Literal));
                                    alt
                                })
                                .collect(),
                            Piece::Choices(choices) => alternatives
                                .iter()
                                .flat_map(|alt| {
                                    choices.iter().map(move |c| {
                                        let mut next = alt.clone();
                                        next.extend(c.chars().map(Token::Literal));
                                        next
                                    })
                                })
                                .collect(),
                        };
                    }
                }
            }
        }
        // The glob characters were pushed as literals; give them meaning now,
        // over the whole sequence, so `**` next to a variable is seen right.
        let alternatives = alternatives.into_iter().map(|alt| interpret(&alt)).collect();
        VariablePattern {
            alternatives,
            variables,
        }
    }

    /// True when `path` matches with `values[i]` standing for variable `i`.
    /// A value that is empty, holds `/`, or is `.` / `..` never matches.
    pub(crate) fn is_match(&self, path: &str, values: &[&str]) -> bool {
        if values
            .iter()
            .any(|v| v.is_empty() || v.contains('/') || *v == "." || *v == "..")
        {
            return false;
        }
        self.alternatives
            .iter()
            .any(|tokens| match_tokens(tokens, path, values))
    }
}

enum Piece<'t> {
    Text(&'t str),
    Choices(Vec<&'t str>),
}

/// Splits glob text into plain runs and `{a,b}` groups (classes are kept whole).
fn split_alternates(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_class = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' if !in_class => {
                in_class = true;
                // `]` right after `[` or `[!` is a literal member.
                if matches!(bytes.get(i + 1), Some(b'!' | b'^')) {
                    i += 1;
                }
                if bytes.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if in_class => in_class = false,
            b'{' if !in_class => {
                if let Some(close) = text[i..].find('}') {
                    if start < i {
                        pieces.push(Piece::Text(&text[start..i]));
                    }
                    pieces.push(Piece::Choices(text[i + 1..i + close].split(',').collect()));
                    i += close;
                    start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        pieces.push(Piece::Text(&text[start..]));
    }
    pieces
}

/// Turns literal glob characters into glob tokens, as globset reads them.
fn interpret(raw: &[Token]) -> Vec<Token> {
    let lit = |i: usize| match raw.get(i) {
        Some(Token::Literal(c)) => Some(*c),
        _ => None,
    };
    if raw.len() == 2 && lit(0) == Some('*') && lit(1) == Some('*') {
        return vec![Token::Everything];
    }
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        match lit(i) {
            Some('*') if lit(i + 1) == Some('*') => {
                let at_start = i == 0;
                let after_separator = out.last() == Some(&Token::Literal('/'));
                let next = raw.get(i + 2);
                let next_is_separator = lit(i + 2) == Some('/');
                if at_start && (next.is_none() || next_is_separator) {
                    out.push(Token::RecursivePrefix);
                    i += if next_is_separator { 3 } else { 2 };
                } else if after_separator && next.is_none() {
                    out.pop();
                    out.push(Token::RecursiveSuffix);
                    i += 2;
                } else if after_separator && next_is_separator {
                    out.pop();
                    out.push(Token::RecursiveMiddle);
                    i += 3;
                } else {
                    out.push(Token::Star);
                    out.push(Token::Star);
                    i += 2;
                }
            }
            Some('*') => {
                out.push(Token::Star);
                i += 1;
            }
            Some('?') => {
                out.push(Token::AnyChar);
                i += 1;
            }
            Some('\\') if lit(i + 1).is_some() => {
                out.push(raw[i + 1].clone());
                i += 2;
            }
            Some('[') => match class(raw, i + 1) {
                Some((token, next)) => {
                    out.push(token);
                    i = next;
                }
                None => {
                    out.push(Token::Literal('['));
                    i += 1;
                }
            },
            _ => {
                out.push(raw[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// Reads a class starting after `[`; returns the token and the index after `]`.
fn class(raw: &[Token], mut i: usize) -> Option<(Token, usize)> {
    let lit = |i: usize| match raw.get(i) {
        Some(Token::Literal(c)) => Some(*c),
        _ => None,
    };
    let negated = matches!(lit(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut first = true;
    let mut in_range = false;
    loop {
        let c = lit(i)?;
        i += 1;
        match c {
            ']' if !first => break,
            '-' if !first && !in_range => in_range = true,
            c => {
                if in_range {
                    if let Some(last) = ranges.last_mut() {
                        last.1 = c;
                    }
                    in_range = false;
                } else {
                    ranges.push((c, c));
                }
            }
        }
        first = false;
    }
    if in_range {
        ranges.push(('-', '-'));
    }
    Some((Token::Class { negated, ranges }, i))
}

fn match_tokens(tokens: &[Token], text: &str, values: &[&str]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match token {
        Token::Literal(c) => text
            .strip_prefix(*c)
            .is_some_and(|t| match_tokens(rest, t, values)),
        Token::Variable(i) => values
            .get(*i)
            .and_then(|v| text.strip_prefix(v))
            .is_some_and(|t| match_tokens(rest, t, values)),
        Token::AnyChar => first_char(text)
            .filter(|c| *c != '/')
            .is_some_and(|c| match_tokens(rest, &text[c.len_utf8()..], values)),
        Token::Class { negated, ranges } => first_char(text)
            .filter(|c| {
                let inside = ranges.iter().any(|(lo, hi)| lo <= c && c <= hi);
                *c != '/' && inside != *negated
            })
            .is_some_and(|c| match_tokens(rest, &text[c.len_utf8()..], values)),
        Token::Star => {
            let segment_end = text.find('/').unwrap_or(text.len());
            char_boundaries(&text[..segment_end]).any(|at| match_tokens(rest, &text[at..], values))
        }
        Token::Everything => true,
        Token::RecursivePrefix => {
            match_tokens(rest, text, values)
                || text.strip_prefix('/').is_some_and(|t| match_tokens(rest, t, values))
                || text
                    .match_indices('/')
                    .any(|(at, _)| match_tokens(rest, &text[at + 1..], values))
        }
        Token::RecursiveSuffix => text.starts_with('/') && rest.is_empty(),
        Token::RecursiveMiddle => {
            text.starts_with('/')
                && text
                    .match_indices('/')
                    .any(|(at, _)| match_tokens(rest, &text[at + 1..], values))
        }
    }
}

fn first_char(text: &str) -> Option<char> {
    text.chars().next()
}

/// Every char boundary of `text`, including both ends.
fn char_boundaries(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use policy_lang::{KeyPath, Span};

    fn pattern(text: &str) -> VariablePattern {
        let parts: Vec<PatternPart> = text
            .split("$V")
            .enumerate()
            .flat_map(|(i, chunk)| {
                let var = (i > 0).then(|| {
                    PatternPart::Variable(Key {
                        path: KeyPath::PrincipalTag(format!("v{i}")),
                        span: Span::default(),
                    })
                });
                var.into_iter()
                    .chain((!chunk.is_empty()).then(|| PatternPart::Glob(chunk.to_string())))
            })
            .collect();
        VariablePattern::new(&parts)
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
        ];
        for (pat, value, path) in cases {
            let escaped: String = value
                .chars()
                .map(|c| if "?*[]{},\\".contains(c) { format!("[{c}]") } else { c.to_string() })
                .collect();
            let glob = globset::GlobBuilder::new(&pat.replace("$V", &escaped))
                .literal_separator(true)
                .build()
                .unwrap()
                .compile_matcher();
            assert_eq!(
                pattern(pat).is_match(path, &[value]),
                glob.is_match(path),
                "pattern {pat} value {value} path {path}"
            );
        }
    }

    #[test]
    fn values_that_could_widen_never_match() {
        let p = pattern("prod/$V/db");
        assert!(!p.is_match("prod/a/b/db", &["a/b"]));
        assert!(!p.is_match("prod/../db", &[".."]));
        assert!(!p.is_match("prod//db", &[""]));
        assert!(p.is_match("prod/team/db", &["team"]));
    }
}
