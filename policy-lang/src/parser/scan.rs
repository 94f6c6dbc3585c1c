//! The first stage: one table-driven scan over the raw text, before pest
//! sees it. It collects comments (for the formatter), reports unterminated
//! strings and finds brackets nested past what the grammar may recurse
//! into. It also hands out comments to the items they belong to
//! ([`CommentPool`]) and cuts a source into statement blocks for recovery.

use super::MAX_CONDITION_DEPTH;
use super::error::Problem;
use crate::ast::{Comment, Span};

/// How deeply `(`, `[` and `{` may nest in the raw text, outside strings
/// and comments: the condition limit plus room for the policy, statement and
/// `when` blocks. pest recurses once per level; natively it also stops when
/// the stack runs low, but it cannot probe the stack in Wasm, so this check
/// is what keeps hostile input from overflowing it there.
const MAX_TEXT_DEPTH: usize = MAX_CONDITION_DEPTH + 16;

/// What the scan finds.
pub(super) struct Scan {
    pub(super) comments: Vec<Comment>,
    pub(super) problems: Vec<Problem>,
    /// The offset of the first bracket past [`MAX_TEXT_DEPTH`], if any.
    pub(super) too_deep: Option<usize>,
}

/// Scans `source` for comments, unterminated strings and bracket depth.
pub(super) fn scan(source: &str) -> Scan {
    let mut comments = Vec::new();
    let mut problems = Vec::new();
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut too_deep = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_TEXT_DEPTH {
                    too_deep = Some(i);
                    break;
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'#' => {
                let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                comments.push(Comment {
                    text: source[i + 1..end].trim_end().to_string(),
                    span: Span::new(i, end),
                });
                i = end;
            }
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => {
                            problems.push(Problem::UnterminatedString {
                                span: Span::new(start, start + 1),
                            });
                            break;
                        }
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            _ => i = skip_plain(bytes, i + 1),
        }
    }
    Scan {
        comments,
        problems,
        too_deep,
    }
}

/// The bytes [`scan`] stops at: brackets, `#` and `"`.
const SCAN_STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut k = 0;
    let bytes = b"()[]{}#\"";
    while k < bytes.len() {
        stops[bytes[k] as usize] = true;
        k += 1;
    }
    stops
};

/// Where the first byte [`scan`] stops at stands in `bytes`, from
/// `i` on (the length if none does): the text between needs no other look.
pub(super) fn skip_plain(bytes: &[u8], i: usize) -> usize {
    let rest = bytes.get(i..).unwrap_or(&[]);
    i + rest
        .iter()
        .position(|&b| SCAN_STOPS[usize::from(b)])
        .unwrap_or(rest.len())
}

/// "text nests too deeply to parse", at the byte offset `at`.
pub(super) fn too_deep_to_parse(source: &str, at: usize) -> Problem {
    let end = source
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8());
    Problem::TooDeepToParse {
        span: Span::new(at, end),
    }
}

/// Hands out comments in source order to the items they belong to.
pub(super) struct CommentPool<'s> {
    pub(super) comments: Vec<Comment>,
    pub(super) next: usize,
    pub(super) source: &'s str,
}

impl CommentPool<'_> {
    /// Every not yet taken comment that starts before `offset`.
    pub(super) fn before(&mut self, offset: usize) -> Vec<Comment> {
        let mut out = Vec::new();
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= offset {
                break;
            }
            out.push(c.clone());
            self.next += 1;
        }
        out
    }

    /// The next comment, if only spaces stand between `offset` and it.
    pub(super) fn trailing(&mut self, offset: usize) -> Option<Comment> {
        let c = self.comments.get(self.next)?;
        let between = self.source.get(offset..c.span.start)?;
        if !between.chars().all(|ch| ch == ' ' || ch == '\t') {
            return None;
        }
        self.next += 1;
        Some(c.clone())
    }

    /// Every comment not yet taken.
    pub(super) fn rest(&mut self) -> Vec<Comment> {
        self.before(usize::MAX)
    }

    /// `end` moved back over whitespace and comments. pest counts the
    /// whitespace (comments included) skipped before an optional or repeated
    /// tail that then matched nothing as part of the rule, so a rule such as
    /// `matcher` or `expr` can end after the comment on its line.
    pub(super) fn content_end(&self, mut end: usize) -> usize {
        loop {
            let text = self.source.get(..end).unwrap_or("");
            // The length without trailing ` `, `\t`, `\r` and `\n`: all
            // ASCII, so trimming bytes trims the same characters.
            let trimmed = text
                .as_bytes()
                .iter()
                .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .map_or(0, |last| last + 1);
            let i = self.comments.partition_point(|c| c.span.start < trimmed);
            match i.checked_sub(1).and_then(|i| self.comments.get(i)) {
                Some(c) if c.span.end >= trimmed => end = c.span.start,
                _ => return trimmed,
            }
        }
    }
}

/// Byte ranges of every statement block (`allow|deny "name" { ... }`) inside a
/// policy, found by brace depth alone, so that statements can be re-parsed one
/// by one after a syntax error.
pub(super) fn statement_chunks(source: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = source.as_bytes();
    let mut chunks = Vec::new();
    let mut depth = 0usize;
    let mut chunk_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                i = source[i..].find('\n').map_or(source.len(), |n| i + n);
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => {
                depth += 1;
                if depth == 1 {
                    chunk_start = i + 1;
                }
            }
            b'}' => {
                if depth == 2 {
                    chunks.push(chunk_start..i + 1);
                    chunk_start = i + 1;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        i += 1;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `skip_plain` finds the first stop byte from where it starts.
    #[test]
    fn skip_plain_finds_the_first_stop_byte() {
        for stop in b"()[]{}#\"" {
            let mut text = "ab c\u{e9}\n".repeat(4).into_bytes();
            text[9] = *stop;
            assert_eq!(skip_plain(&text, 0), 9);
            assert_eq!(skip_plain(&text, 9), 9);
            assert_eq!(skip_plain(&text, 10), text.len());
        }
        assert_eq!(skip_plain(b"abc", 5), 5);
    }
}
