//! Matching of resource patterns that hold policy variables.
//!
//! Static patterns go to `globset`; a pattern with `${...}` cannot, because
//! the variable's value is only known per request and must match literally.
//! This module tokenizes such a pattern once, following globset's syntax with
//! a literal separator (`*` stays inside a segment), and matches it with the
//! request's values standing in for the variables. No allocation per match.

use policy_lang::{Key, PatternPart};

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
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
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
        let mut raw = Vec::new();
        for part in parts {
            match part {
                PatternPart::Variable(key) => {
                    raw.push(Token::Variable(variables.len()));
                    variables.push(key.clone());
                }
                PatternPart::Glob(text) => raw.extend(text.chars().map(Token::Literal)),
            }
        }
        // The glob characters were pushed as literals. Expand the `{a,b}`
        // groups over the whole sequence, then give the characters meaning
        // over each whole alternative, so `**` next to a variable is seen right.
        let alternatives = expand_alternates(&raw)
            .iter()
            .map(|alt| interpret(alt))
            .collect();
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

/// Expands the `{a,b}` groups of a raw sequence into one sequence per choice,
/// reading them as globset does: a `\`-escaped character and a class (in
/// which `,`, `{` and `}` are members) never open, split or close a group,
/// and an empty alternative is dropped, so `{,x}` means `{x}`. Groups do not
/// nest (the parser rejects that).
fn expand_alternates(raw: &[Token]) -> Vec<Vec<Token>> {
    let lit = |i: usize| match raw.get(i) {
        Some(Token::Literal(c)) => Some(*c),
        _ => None,
    };
    let mut alternatives: Vec<Vec<Token>> = vec![Vec::new()];
    // The choices of the open group, and where it opened.
    let mut group: Option<(Vec<Vec<Token>>, usize)> = None;
    let mut i = 0;
    while i < raw.len() {
        // The tokens from `i` to `end` are taken as they are.
        let mut end = i + 1;
        match lit(i) {
            Some('\\') if i + 1 < raw.len() => end = i + 2,
            Some('[') => {
                if let Some((_, next)) = class(lit, i + 1) {
                    end = next;
                }
            }
            Some('{') if group.is_none() => {
                group = Some((vec![Vec::new()], i));
                i += 1;
                continue;
            }
            Some(',') if group.is_some() => {
                if let Some((choices, _)) = &mut group {
                    choices.push(Vec::new());
                }
                i += 1;
                continue;
            }
            Some('}') if group.is_some() => {
                if let Some((choices, _)) = group.take() {
                    let mut choices: Vec<Vec<Token>> =
                        choices.into_iter().filter(|c| !c.is_empty()).collect();
                    if choices.is_empty() {
                        choices.push(Vec::new());
                    }
                    alternatives = alternatives
                        .iter()
                        .flat_map(|alt| {
                            choices.iter().map(move |choice| {
                                let mut next = alt.clone();
                                next.extend(choice.iter().cloned());
                                next
                            })
                        })
                        .collect();
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        let run = raw.get(i..end).unwrap_or_default();
        match &mut group {
            Some((choices, _)) => {
                if let Some(choice) = choices.last_mut() {
                    choice.extend(run.iter().cloned());
                }
            }
            None => alternatives
                .iter_mut()
                .for_each(|alt| alt.extend(run.iter().cloned())),
        }
        i = end;
    }
    // An unclosed `{` (which the parser rejects) is kept as text.
    if let Some((_, start)) = group {
        let rest = raw.get(start..).unwrap_or_default();
        alternatives
            .iter_mut()
            .for_each(|alt| alt.extend(rest.iter().cloned()));
    }
    alternatives
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
            Some('[') => match class(lit, i + 1) {
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

/// Reads a class starting after `[`, as globset does; returns the token and
/// the index after `]`, or `None` when the class is not closed (or holds a
/// variable).
fn class(lit: impl Fn(usize) -> Option<char> + Copy, mut i: usize) -> Option<(Token, usize)> {
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
            '[' if !in_range && lit(i) == Some(':') => {
                // A POSIX class such as `[:alpha:]`. globset keeps only the
                // `[` of one with an unknown name, having read the name.
                match posix_class(lit, i - 1) {
                    Some((named, next)) => {
                        ranges.extend_from_slice(named.unwrap_or(&[('[', '[')]));
                        i = next;
                    }
                    None => ranges.push(('[', '[')),
                }
            }
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

/// A POSIX class `[:name:]` at `i` (the `[`) inside a class: its ranges
/// (`None` for an unknown name) and the index after its `]`; `None` when
/// the text there is not of that form.
#[allow(clippy::type_complexity)]
fn posix_class(
    lit: impl Fn(usize) -> Option<char>,
    i: usize,
) -> Option<(Option<&'static [(char, char)]>, usize)> {
    if lit(i) != Some('[') || lit(i + 1) != Some(':') {
        return None;
    }
    let mut name = String::new();
    let mut j = i + 2;
    loop {
        match lit(j) {
            Some(':') if lit(j + 1) == Some(']') => break,
            Some(c) if c.is_ascii_lowercase() && name.len() < 8 => name.push(c),
            _ => return None,
        }
        j += 1;
    }
    let ranges: Option<&'static [(char, char)]> = match name.as_str() {
        "alnum" => Some(&[('0', '9'), ('A', 'Z'), ('a', 'z')]),
        "alpha" => Some(&[('A', 'Z'), ('a', 'z')]),
        "blank" => Some(&[('\t', '\t'), (' ', ' ')]),
        "cntrl" => Some(&[('\x00', '\x1f'), ('\x7f', '\x7f')]),
        "digit" => Some(&[('0', '9')]),
        "graph" => Some(&[('!', '~')]),
        "lower" => Some(&[('a', 'z')]),
        "print" => Some(&[(' ', '~')]),
        "punct" => Some(&[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')]),
        "space" => Some(&[('\t', '\r'), (' ', ' ')]),
        "upper" => Some(&[('A', 'Z')]),
        "xdigit" => Some(&[('0', '9'), ('A', 'F'), ('a', 'f')]),
        _ => None,
    };
    Some((ranges, j + 2))
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
                || text
                    .strip_prefix('/')
                    .is_some_and(|t| match_tokens(rest, t, values))
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
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
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
            ("{,dev/}$V/*", "db", "db/main"),
            ("{,dev/}$V/*", "db", "dev/db/main"),
            ("prod/{[,]x,y}/$V", "db", "prod/,x/db"),
            ("prod/{a\\,b,c}/$V", "db", "prod/a,b/db"),
            ("prod/\\{a,b\\}/$V", "db", "prod/{a,b}/db"),
            ("prod/[[:alpha:]]*/$V", "db", "prod/a1/db"),
            ("prod/[[:alpha:]]*/$V", "db", "prod/1a/db"),
            ("prod/[[:foo:]1]/$V", "db", "prod/[/db"),
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
