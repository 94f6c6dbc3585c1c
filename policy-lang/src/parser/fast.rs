//! The fast path: a hand-written recursive descent over `grammar.pest` for
//! sources that parse and check cleanly.
//!
//! `grammar.pest` stays the grammar of record and the pest path the one that
//! reports problems. This front end follows the grammar token by token, with
//! pest's rules for implicit whitespace and comments (`skip`), so that every
//! span it computes is the one pest's pairs would give; it feeds the same
//! lowering (`Lower`: literals, keys, patterns, limits, comments). Whenever
//! the text leaves the plain path (anything the grammar would reject, any
//! rule that only partly matches, a reserved word where a key could stand,
//! nested `{` in a pattern) or lowering reports a diagnostic, it gives up
//! with [`Bail`] and the caller parses the source again with pest, which
//! produces the diagnostics. So it can only be faster, never different: a
//! source it accepts is one pest accepts into the same tree.

use super::MAX_CONDITION_DEPTH;
use super::lower::{Lit, Lower, OperandSyntax, Shape, leaf};
use crate::ast::*;
// Names are hashed with foldhash, as the engine's index keys are: several
// times faster than SipHash on ten thousands of statement names.
use foldhash::{HashSet, HashSetExt};

/// The fast path gave up; the pest path decides.
pub(super) struct Bail;

type Fast<T> = Result<T, Bail>;

/// The words of `reserved` in the grammar. A key cannot be one of them;
/// one that starts with one and a `.` is left to the pest path.
const NOT_A_KEY: &[&str] = &[
    "and", "or", "not", "in", "has", "any", "all", "like", "ilike", "contains", "at",
];

pub(super) struct Parser<'l, 'm, 's> {
    lower: &'l mut Lower<'m, 's>,
    source: &'s str,
    bytes: &'s [u8],
    pos: usize,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `pattern_char` of the grammar, by byte: ASCII letters and digits and
/// `*?/-_.:@+=!%~$`.
const PATTERN_CHARS: [bool; 256] = {
    let mut chars = [false; 256];
    let mut b = 0;
    while b < 256 {
        chars[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let others = b"*?/-_.:@+=!%~$";
    let mut k = 0;
    while k < others.len() {
        chars[others[k] as usize] = true;
        k += 1;
    }
    chars
};

fn is_pattern_char(b: u8) -> bool {
    PATTERN_CHARS[usize::from(b)]
}

fn is_bare_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'/' | b'-' | b'+' | b'_')
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'l, 'm, 's> Parser<'l, 'm, 's> {
    pub(super) fn new(lower: &'l mut Lower<'m, 's>, source: &'s str) -> Self {
        Parser {
            lower,
            source,
            bytes: source.as_bytes(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// pest's implicit `skip`: whitespace and `#` comments (which stop
    /// before their newline).
    fn skip(&mut self) {
        while let Some(b) = self.peek() {
            if is_space(b) {
                self.pos += 1;
            } else if b == b'#' {
                while self.peek().is_some_and(|b| b != b'\n') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The run of word characters at the cursor: a keyword `kw` matches
    /// (`"kw" ~ word_end`) exactly when this run is `kw`.
    fn word(&self) -> &'s str {
        let rest = self.source.get(self.pos..).unwrap_or("");
        let len = rest.bytes().take_while(|b| is_word_byte(*b)).count();
        rest.get(..len).unwrap_or("")
    }

    fn at_word(&self, keyword: &str) -> bool {
        self.word() == keyword
    }

    fn expect(&mut self, byte: u8) -> Fast<usize> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(self.pos - 1)
        } else {
            Err(Bail)
        }
    }

    fn ok_if_clean(&self) -> Fast<()> {
        if self.lower.diagnostics.is_empty() {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    pub(super) fn file(mut self) -> Fast<PolicyFile> {
        let mut policies = Vec::new();
        let mut names: HashSet<String> = HashSet::new();
        self.skip();
        while self.pos < self.bytes.len() {
            if !self.at_word("policy") {
                return Err(Bail);
            }
            let policy = self.policy()?;
            if !names.insert(policy.name.clone()) {
                return Err(Bail);
            }
            policies.push(policy);
            self.skip();
        }
        self.ok_if_clean()?;
        Ok(PolicyFile {
            policies,
            trailing_comments: self.lower.comments.rest(),
        })
    }

    /// A quoted string at the cursor: its raw text (quotes included) and span.
    fn string(&mut self) -> Fast<(&'s str, Span)> {
        let start = self.expect(b'"')?;
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(Bail),
                Some(b'"') => break,
                // `"\\" ~ ANY`: the byte after a backslash is taken whatever
                // it is; a multi-byte character's other bytes are never a
                // quote, backslash or newline, so stepping bytes is the same.
                Some(b'\\') => {
                    if self.pos + 1 >= self.bytes.len() {
                        return Err(Bail);
                    }
                    self.pos += 2;
                }
                Some(_) => self.pos += 1,
            }
        }
        self.pos += 1;
        let raw = self.source.get(start..self.pos).ok_or(Bail)?;
        Ok((raw, Span::new(start, self.pos)))
    }

    fn name(&mut self) -> Fast<(String, Span)> {
        let (raw, span) = self.string()?;
        let name = self.lower.string_text(raw, span);
        if name.is_empty() {
            return Err(Bail);
        }
        Ok((name, span))
    }

    fn policy(&mut self) -> Fast<Policy> {
        let start = self.pos;
        let leading = self.lower.comments.before(start);
        self.pos += "policy".len();
        self.skip();
        let (name, name_span) = self.name()?;
        self.skip();
        self.expect(b'{')?;
        self.skip();
        let mut statements: Vec<Statement> = Vec::new();
        loop {
            let word = self.word();
            if word != "allow" && word != "deny" {
                break;
            }
            statements.push(self.statement(word)?);
            self.skip();
        }
        // A repeated name is a diagnostic: pest's path reports it.
        let mut names: HashSet<&str> = HashSet::with_capacity(statements.len());
        if !statements.iter().all(|s| names.insert(&s.name)) {
            return Err(Bail);
        }
        drop(names);
        let close = self.expect(b'}')?;
        let inner_trailing = self.lower.comments.before(close);
        let span = Span::new(start, self.pos);
        let trailing = self.lower.comments.trailing(span.end);
        Ok(Policy {
            name,
            name_span,
            statements,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        })
    }

    /// A statement, whose first word (`allow` or `deny`) is `effect_word`.
    fn statement(&mut self, effect_word: &str) -> Fast<Statement> {
        let start = self.pos;
        let leading = self.lower.comments.before(start);
        let effect = if effect_word == "allow" {
            Effect::Allow
        } else {
            Effect::Deny
        };
        self.pos += effect.keyword().len();
        self.skip();
        let (name, name_span) = self.name()?;
        self.skip();
        self.expect(b'{')?;
        self.skip();
        let mut matchers: [Option<Matcher>; 3] = [None, None, None];
        let mut conditions = Vec::new();
        loop {
            let word = self.word();
            match word {
                "not" | "principal" | "action" | "resource" => {
                    let matcher = self.matcher(word)?;
                    let slot = &mut matchers[matcher.kind as usize];
                    if slot.is_some() {
                        return Err(Bail);
                    }
                    *slot = Some(matcher);
                }
                "when" | "unless" => {
                    // Most statements hold one block: room for exactly that
                    // (a first push would make room for four).
                    if conditions.capacity() == 0 {
                        conditions.reserve_exact(1);
                    }
                    conditions.push(self.condition_block()?);
                }
                _ => break,
            }
            self.skip();
        }
        let close = self.expect(b'}')?;
        let inner_trailing = self.lower.comments.before(close);
        let span = Span::new(start, self.pos);
        let trailing = self.lower.comments.trailing(span.end);
        let [Some(principal), Some(action), Some(resource)] = matchers else {
            return Err(Bail);
        };
        Ok(Statement {
            effect,
            name,
            name_span,
            principal,
            action,
            resource,
            conditions,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        })
    }

    /// A matcher line, whose first word (the word at the cursor) is
    /// `first_word`.
    fn matcher(&mut self, first_word: &str) -> Fast<Matcher> {
        let start = self.pos;
        let mut negated = false;
        let mut word = first_word;
        if word == "not" {
            negated = true;
            self.pos += "not".len();
            self.skip();
            word = self.word();
        }
        let kind = match word {
            "principal" => MatcherKind::Principal,
            "action" => MatcherKind::Action,
            "resource" => MatcherKind::Resource,
            _ => return Err(Bail),
        };
        self.pos += kind.keyword().len();
        self.skip();
        let mut raw_patterns: smallvec::SmallVec<[(&'s str, bool, Span); 2]> =
            smallvec::smallvec![self.pattern()?];
        // `pattern ~ (comma ~ pattern)*`: with no comma, the rule ends after
        // the whitespace that follows the pattern; otherwise at the last one.
        let mut end;
        loop {
            end = self.pos;
            self.skip();
            if self.peek() != Some(b',') {
                if raw_patterns.len() == 1 {
                    end = self.pos;
                }
                break;
            }
            self.pos += 1;
            self.skip();
            raw_patterns.push(self.pattern()?);
        }
        self.pos = end;
        if raw_patterns.len() > self.lower.limits.max_patterns_per_line {
            return Err(Bail);
        }
        let span = Span::new(start, self.lower.comments.content_end(end));
        let mut leading = self.lower.comments.before(span.start);
        let mut patterns = smallvec::SmallVec::with_capacity(raw_patterns.len());
        for (raw, quoted, pattern_span) in raw_patterns {
            let pattern = self
                .lower
                .pattern_text(raw, quoted, pattern_span, kind)
                .ok_or(Bail)?;
            patterns.push(pattern);
        }
        self.ok_if_clean()?;
        leading.extend(self.lower.comments.before(span.end));
        let trailing = self.lower.comments.trailing(span.end);
        Ok(Matcher {
            kind,
            negated,
            patterns,
            comments: Comments { leading, trailing },
            span,
        })
    }

    /// `pattern = ${ string | bare_pattern }`: the raw text, whether it is
    /// quoted, and its span.
    fn pattern(&mut self) -> Fast<(&'s str, bool, Span)> {
        let start = self.pos;
        if self.peek() == Some(b'"') {
            let (raw, span) = self.string()?;
            return Ok((raw, true, span));
        }
        let stops = |b: u8| matches!(b, b'#' | b'"') || is_space(b);
        while let Some(b) = self.peek() {
            match b {
                b'{' => {
                    self.pos += 1;
                    while let Some(b) = self.peek() {
                        if b == b'}' {
                            self.pos += 1;
                            break;
                        }
                        if b == b'{' {
                            return Err(Bail);
                        }
                        if stops(b) {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    while let Some(b) = self.peek() {
                        if b == b']' {
                            self.pos += 1;
                            break;
                        }
                        if stops(b) {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                // A run of them at once: none opens an alternative or class.
                b if is_pattern_char(b) => {
                    let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
                    self.pos += rest.iter().take_while(|b| is_pattern_char(**b)).count();
                }
                _ => break,
            }
        }
        if self.pos == start {
            return Err(Bail);
        }
        let raw = self.source.get(start..self.pos).ok_or(Bail)?;
        Ok((raw, false, Span::new(start, self.pos)))
    }

    fn condition_block(&mut self) -> Fast<ConditionBlock> {
        let start = self.pos;
        let leading = self.lower.comments.before(start);
        let kind = if self.at_word("when") {
            BlockKind::When
        } else {
            BlockKind::Unless
        };
        self.pos += self.word().len();
        self.skip();
        self.expect(b'{')?;
        self.skip();
        let mut exprs = Vec::new();
        while self
            .peek()
            .is_some_and(|b| b == b'(' || b == b'_' || b.is_ascii_alphabetic())
        {
            let expr_start = self.pos;
            let (mut expr, pest_end) = self.expr()?;
            let end = self.lower.comments.content_end(pest_end);
            let mut expr_leading = self.lower.comments.before(expr_start);
            expr.span.end = end;
            expr_leading.extend(self.lower.comments.before(end));
            expr.comments = Comments {
                leading: expr_leading,
                trailing: self.lower.comments.trailing(end),
            };
            // Most blocks hold one line: room for exactly that.
            if exprs.capacity() == 0 {
                exprs.reserve_exact(1);
            }
            exprs.push(expr);
            self.pos = pest_end;
            self.skip();
        }
        let close = self.expect(b'}')?;
        let inner_trailing = self.lower.comments.before(close);
        if exprs.is_empty() {
            return Err(Bail);
        }
        let span = Span::new(start, self.pos);
        let trailing = self.lower.comments.trailing(span.end);
        Ok(ConditionBlock {
            kind,
            exprs,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        })
    }

    /// `expr = { and_expr ~ (kw_or ~ and_expr)* }` and `and_expr` alike:
    /// the lowered expression and where pest's rule ends.
    fn expr(&mut self) -> Fast<(Expr, usize)> {
        self.chain("or", Self::and_expr, ExprKind::Or)
    }

    // Inlined, as are `chain`, `unary` and `primary`: a condition's tree is
    // then built in place rather than copied out of each level in turn.
    #[inline]
    fn and_expr(&mut self) -> Fast<(Expr, usize)> {
        self.chain("and", Self::unary, ExprKind::And)
    }

    #[inline]
    fn chain(
        &mut self,
        connective: &str,
        item: impl Fn(&mut Self) -> Fast<(Expr, usize)>,
        kind: fn(Vec<Expr>) -> ExprKind,
    ) -> Fast<(Expr, usize)> {
        let start = self.pos;
        let (first, mut end) = item(self)?;
        self.pos = end;
        self.skip();
        if !self.at_word(connective) {
            // No tail matched: the rule ends after the whitespace skipped
            // before trying it; lowering keeps the single child's own span.
            return Ok((first, self.pos));
        }
        let mut children = vec![first];
        while self.at_word(connective) {
            self.pos += connective.len();
            self.skip();
            let (child, child_end) = item(self)?;
            children.push(child);
            end = child_end;
            self.pos = end;
            self.skip();
        }
        self.pos = end;
        Ok((leaf(kind(children), Span::new(start, end)), end))
    }

    /// `unary = { not_prefix* ~ primary }`.
    #[inline]
    fn unary(&mut self) -> Fast<(Expr, usize)> {
        let mut nots = Vec::new();
        while self.at_word("not") {
            nots.push(self.pos);
            self.pos += "not".len();
            self.skip();
        }
        if self.lower.depth + nots.len() > MAX_CONDITION_DEPTH {
            return Err(Bail);
        }
        self.lower.depth += nots.len();
        let inner = self.primary();
        self.lower.depth -= nots.len();
        let (mut expr, end) = inner?;
        for start in nots.into_iter().rev() {
            let span = Span::new(start, expr.span.end);
            expr = leaf(ExprKind::Not(Box::new(expr)), span);
        }
        Ok((expr, end))
    }

    /// `primary = _{ group | has_test | comparison }`.
    #[inline]
    fn primary(&mut self) -> Fast<(Expr, usize)> {
        let start = self.pos;
        if self.peek() == Some(b'(') {
            if self.lower.depth >= MAX_CONDITION_DEPTH {
                return Err(Bail);
            }
            self.pos += 1;
            self.skip();
            self.lower.depth += 1;
            let inner = self.expr();
            self.lower.depth -= 1;
            let (inner, inner_end) = inner?;
            self.pos = inner_end;
            self.skip();
            self.expect(b')')?;
            let span = Span::new(start, self.pos);
            return Ok((leaf(ExprKind::Group(Box::new(inner)), span), self.pos));
        }
        let quantifier = match self.word() {
            "any" => Some(Quantifier::Any),
            "all" => Some(Quantifier::All),
            _ => None,
        };
        if let Some(quantifier) = quantifier {
            return self.quantified(quantifier);
        }
        if self.at_word("has") {
            self.pos += "has".len();
            self.skip();
            let key = self.key()?;
            let span = Span::new(start, key.span.end);
            return Ok((leaf(ExprKind::Has(key), span), span.end));
        }
        self.comparison()
    }

    /// `key = @{ !reserved ~ ident ~ ("." ~ ident)* }`, lowered.
    fn key(&mut self) -> Fast<Key> {
        let start = self.pos;
        let ident = |p: &mut Self| -> bool {
            if !p
                .peek()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            {
                return false;
            }
            p.pos += 1;
            while p.peek().is_some_and(is_word_byte) {
                p.pos += 1;
            }
            true
        };
        if !ident(self) {
            return Err(Bail);
        }
        if NOT_A_KEY.contains(&self.source.get(start..self.pos).unwrap_or("")) {
            return Err(Bail);
        }
        loop {
            let dot = self.pos;
            if self.peek() != Some(b'.') {
                break;
            }
            self.pos += 1;
            if !ident(self) {
                self.pos = dot;
                break;
            }
        }
        // A quoted name (`context."aws:SourceVpce"`) is left to the pest path.
        if self
            .bytes
            .get(self.pos..)
            .unwrap_or(&[])
            .starts_with(b".\"")
        {
            return Err(Bail);
        }
        let text = self.source.get(start..self.pos).ok_or(Bail)?;
        self.lower
            .key_from_text(text, Span::new(start, self.pos))
            .ok_or(Bail)
    }

    /// `comparison = { key ~ (op ~ operand ~ offset?)? }`.
    fn comparison(&mut self) -> Fast<(Expr, usize)> {
        let start = self.pos;
        let key = self.key()?;
        self.skip();
        let Some((op, op_span)) = self.op()? else {
            // A bare key: the rule ends after the whitespace that follows it.
            let ty = key.path.value_type();
            if !matches!(ty, ValueType::Bool | ValueType::Any) {
                return Err(Bail);
            }
            let span = Span::new(start, self.pos);
            return Ok((leaf(ExprKind::Truthy(key), span), span.end));
        };
        self.skip();
        let syntax = self.operand()?;
        self.skip();
        let mut end = self.pos;
        let mut offset = None;
        if self.at_word("at") {
            self.pos += "at".len();
            self.skip();
            let (text, span) = self.bare()?;
            if !matches!(key.path, KeyPath::TimeOfDay | KeyPath::Weekday) {
                return Err(Bail);
            }
            let seconds_east = crate::literal::utc_offset(text).ok_or(Bail)?;
            offset = Some(UtcOffset { seconds_east, span });
            end = span.end;
        }
        let operand = self
            .lower
            .operand_syntax(&key, op, op_span, syntax)
            .ok_or(Bail)?;
        self.ok_if_clean()?;
        self.pos = end;
        let span = Span::new(start, end);
        let kind = ExprKind::Compare(Comparison {
            key,
            op,
            operand,
            offset,
        });
        Ok((leaf(kind, span), end))
    }

    /// `quantified = { quantifier ~ key ~ op ~ operand ~ offset? }`, the
    /// cursor on the quantifier. An `at`, a key on the right or anything
    /// the checks refuse is left to the pest path.
    fn quantified(&mut self, quantifier: Quantifier) -> Fast<(Expr, usize)> {
        let start = self.pos;
        self.pos += quantifier.keyword().len();
        self.skip();
        let key = self.key()?;
        self.skip();
        let (op, op_span) = self.op()?.ok_or(Bail)?;
        self.skip();
        let syntax = self.operand()?;
        self.skip();
        let end = self.pos;
        if self.at_word("at") {
            return Err(Bail);
        }
        let quantified = self
            .lower
            .quantified_syntax(quantifier, key, op, op_span, syntax)
            .ok_or(Bail)?;
        self.ok_if_clean()?;
        let span = Span::new(start, end);
        Ok((leaf(ExprKind::Quantified(quantified), span), end))
    }

    /// `op`, in the grammar's order; `None` when no operator stands here.
    fn op(&mut self) -> Fast<Option<(CompareOp, Span)>> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or(&[]);
        let symbol = [
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ]
        .into_iter()
        .find(|(text, _)| rest.starts_with(text.as_bytes()));
        let (len, op) = if let Some((text, op)) = symbol {
            (text.len(), op)
        } else {
            match self.word() {
                "in" => (2, CompareOp::In),
                "like" => (4, CompareOp::Like),
                "ilike" => (5, CompareOp::ILike),
                "contains" => (8, CompareOp::Contains),
                "not" => {
                    // `op_not_in = ${ kw_not ~ WHITESPACE+ ~ kw_in }`; any
                    // other `not` starts the next condition (pest's `op`
                    // fails, and so does the optional tail of `comparison`).
                    let spaces = rest
                        .get(3..)
                        .unwrap_or(&[])
                        .iter()
                        .take_while(|b| is_space(**b))
                        .count();
                    self.pos = start + 3 + spaces;
                    let not_in = spaces > 0 && self.at_word("in");
                    self.pos = start;
                    if !not_in {
                        return Ok(None);
                    }
                    (3 + spaces + 2, CompareOp::NotIn)
                }
                _ => return Ok(None),
            }
        };
        self.pos = start + len;
        Ok(Some((op, Span::new(start, self.pos))))
    }

    /// `operand = { list | range | literal }`.
    fn operand(&mut self) -> Fast<OperandSyntax<'s>> {
        let start = self.pos;
        if self.peek() == Some(b'[') {
            self.pos += 1;
            self.skip();
            let mut literals = smallvec::SmallVec::new();
            if self.peek() != Some(b']') {
                literals.push(self.literal()?);
                loop {
                    let after = self.pos;
                    self.skip();
                    if self.peek() != Some(b',') {
                        self.pos = after;
                        break;
                    }
                    self.pos += 1;
                    self.skip();
                    if !self.literal_starts() {
                        break;
                    }
                    literals.push(self.literal()?);
                }
                self.skip();
            }
            self.expect(b']')?;
            return Ok(OperandSyntax {
                shape: Shape::List,
                span: Span::new(start, self.pos),
                literals,
            });
        }
        let first = self.literal()?;
        let after = self.pos;
        self.skip();
        if self.bytes.get(self.pos..).unwrap_or(&[]).starts_with(b"..") {
            self.pos += 2;
            self.skip();
            let second = self.literal()?;
            return Ok(OperandSyntax {
                shape: Shape::Range,
                span: Span::new(start, self.pos),
                literals: smallvec::smallvec![first, second],
            });
        }
        self.pos = after;
        Ok(OperandSyntax {
            shape: Shape::One,
            span: first.span,
            literals: smallvec::smallvec![first],
        })
    }

    fn literal_starts(&self) -> bool {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        match rest.first() {
            Some(b'"') => true,
            Some(b) => is_bare_char(*b) && !rest.starts_with(b".."),
            None => false,
        }
    }

    /// `literal = { string | bare }`.
    fn literal(&mut self) -> Fast<Lit<'s>> {
        if self.peek() == Some(b'"') {
            let (raw, span) = self.string()?;
            return Ok(Lit { raw, span });
        }
        let (raw, span) = self.bare()?;
        // An attribute on the right (`principal.tags.team`,
        // `context."aws:TokenIssueTime"`) is left to the pest path.
        if super::check::names_a_key(raw) || self.peek() == Some(b'"') {
            return Err(Bail);
        }
        Ok(Lit { raw, span })
    }

    /// `bare = @{ (!".." ~ (ASCII_ALPHANUMERIC | "." | ":" | "/" | "-" | "+" | "_"))+ }`.
    fn bare(&mut self) -> Fast<(&'s str, Span)> {
        let start = self.pos;
        while self.peek().is_some_and(is_bare_char)
            && !self.bytes.get(self.pos..).unwrap_or(&[]).starts_with(b"..")
        {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(Bail);
        }
        let raw = self.source.get(start..self.pos).ok_or(Bail)?;
        Ok((raw, Span::new(start, self.pos)))
    }
}
