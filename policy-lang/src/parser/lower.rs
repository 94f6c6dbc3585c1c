//! The third stage: pest's concrete tree to the [`PolicyFile`] syntax tree.
//!
//! [`Lower`] walks the pairs, attaches comments and hands each piece that
//! needs checking (patterns, keys, operands, names) to the checks of
//! `check.rs`; every problem it meets is reported as a [`Problem`] and
//! rendered once, in `error.rs`. The hand-written front end (`fast.rs`)
//! feeds the same checks.

use super::MAX_CONDITION_DEPTH;
use super::check::{Names, example_for, names_a_key};
use super::error::Problem;
use super::scan::{CommentPool, scan, statement_chunks};
use super::tree::{Rule, keyword_fix, read, span_of, syntax_problem};
use crate::ast::*;
use crate::diagnostic::{Diagnostic, SourceMap};
use crate::limits::Limits;
use crate::literal;
use pest::iterators::Pair;

/// How many misspelt keywords one statement block is read past.
const MAX_KEYWORD_FIXES: usize = 8;

/// The lowering of one source: where it reads from, the comments still to
/// hand out and the diagnostics found so far.
pub(super) struct Lower<'m, 's> {
    pub(super) map: &'m SourceMap<'s>,
    pub(super) comments: CommentPool<'s>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Parentheses and `not`s around the condition being lowered.
    pub(super) depth: usize,
    pub(super) limits: &'m Limits,
}

impl<'m, 's> Lower<'m, 's> {
    /// A lowering of the source `map` reads, with its scanned `comments`.
    pub(super) fn new(map: &'m SourceMap<'s>, comments: Vec<Comment>, limits: &'m Limits) -> Self {
        Lower {
            map,
            comments: CommentPool {
                comments,
                next: 0,
                source: map.source(),
            },
            diagnostics: Vec::new(),
            depth: 0,
            limits,
        }
    }
}

impl Lower<'_, '_> {
    /// Reports `problem`.
    pub(super) fn report(&mut self, problem: Problem) {
        let d = problem.diagnostic(self.map);
        self.diagnostics.push(d);
    }

    /// After a syntax error: report it, then parse each statement block on its
    /// own so that errors in other statements are found too.
    ///
    /// Within a block, a misspelt keyword with a close match (`principl`) is
    /// read as that keyword and the block parsed again, up to
    /// [`MAX_KEYWORD_FIXES`] times, so that the rest of the statement is
    /// still checked. Only diagnostics come of a repaired block (the file
    /// is refused either way), placed in the source as written.
    pub(super) fn recover(&mut self, source: &str, first: Diagnostic) {
        let first_offset = first.span().start;
        self.diagnostics.push(first);
        for chunk in statement_chunks(source) {
            let mut text = std::borrow::Cow::Borrowed(&source[chunk.start..chunk.end]);
            // Each repair, in the order made: where it stands in the text
            // it was made in, the length of the word it replaced and of the
            // keyword put there.
            let mut fixes: Vec<(usize, usize, usize)> = Vec::new();
            loop {
                // An offset in `text` as an offset in `source`: the repairs
                // undone from the last to the first, each in the coordinates
                // of the text it was made in (a later repair may stand before
                // an earlier one). The map never decreases, so a span stays
                // a span.
                let to_source = |at: usize| {
                    let at = fixes.iter().rev().fold(at, |at, &(start, old, new)| {
                        if at >= start + new {
                            at - new + old
                        } else if at > start {
                            start + (at - start).min(old)
                        } else {
                            at
                        }
                    });
                    chunk.start + at
                };
                match read(Rule::statement_only, &text) {
                    Ok(mut pairs) => {
                        let statement = pairs
                            .next()
                            .and_then(|p| p.into_inner().find(|p| p.as_rule() == Rule::statement));
                        if let Some(statement) = statement {
                            // Lowered against `text` and its own comments
                            // (every offset in `text`), then moved back.
                            let edited = SourceMap::new(self.map.file(), &text);
                            let mut lower = Lower::new(&edited, scan(&text).comments, self.limits);
                            lower.statement(statement, 0);
                            for mut d in lower.diagnostics {
                                self.map.relocate(&mut d, to_source);
                                self.diagnostics.push(d);
                            }
                        }
                        break;
                    }
                    Err(error) => {
                        let edited = SourceMap::new(self.map.file(), &text);
                        let problem = syntax_problem(&text, &error);
                        let fix = keyword_fix(&text, &problem);
                        let mut d = problem.diagnostic(&edited);
                        self.map.relocate(&mut d, to_source);
                        if d.span().start != first_offset {
                            self.diagnostics.push(d);
                        }
                        let Some((span, keyword)) = fix.filter(|_| fixes.len() < MAX_KEYWORD_FIXES)
                        else {
                            break;
                        };
                        let mut repaired = text.into_owned();
                        repaired.replace_range(span.start..span.end, keyword);
                        fixes.push((span.start, span.end - span.start, keyword.len()));
                        text = repaired.into();
                    }
                }
            }
        }
    }

    pub(super) fn file(&mut self, pair: Option<Pair<Rule>>) -> PolicyFile {
        let mut policies = Vec::new();
        let mut names = Names::default();
        if let Some(pair) = pair {
            for p in pair.into_inner().filter(|p| p.as_rule() == Rule::policy) {
                let policy = self.policy(p);
                if let Some(first) = names.first(&policy.name, policy.name_span) {
                    self.report(Problem::DuplicatePolicy {
                        span: policy.name_span,
                        name: policy.name.clone(),
                        first,
                    });
                }
                policies.push(policy);
            }
        }
        PolicyFile {
            policies,
            trailing_comments: self.comments.rest(),
        }
    }

    fn policy(&mut self, pair: Pair<Rule>) -> Policy {
        let span = span_of(&pair, 0);
        let leading = self.comments.before(span.start);
        let mut name = String::new();
        let mut name_span = span;
        let mut statements: Vec<Statement> = Vec::new();
        let mut names = Names::default();
        let mut inner_trailing = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::string => {
                    name_span = span_of(&p, 0);
                    name = self.string(p, 0);
                    if name.is_empty() {
                        self.report(Problem::EmptyName {
                            span: name_span,
                            what: "policy",
                        });
                    }
                }
                Rule::statement => {
                    let statement = self.statement(p, 0);
                    if let Some(first) = names.first(&statement.name, statement.name_span) {
                        self.report(Problem::DuplicateStatement {
                            span: statement.name_span,
                            name: statement.name.clone(),
                            policy: name.clone(),
                            first,
                        });
                    }
                    statements.push(statement);
                }
                Rule::rbrace => inner_trailing = self.comments.before(p.as_span().start()),
                _ => {}
            }
        }
        let trailing = self.comments.trailing(span.end);
        Policy {
            name,
            name_span,
            statements,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        }
    }

    fn statement(&mut self, pair: Pair<Rule>, base: usize) -> Statement {
        let span = span_of(&pair, base);
        let leading = self.comments.before(span.start);
        let mut effect = Effect::Deny;
        let mut name = String::new();
        let mut name_span = span;
        let mut matchers: [Option<Matcher>; 3] = [None, None, None];
        let mut conditions = Vec::new();
        let mut inner_trailing = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::effect => {
                    effect = if p.as_str() == "allow" {
                        Effect::Allow
                    } else {
                        Effect::Deny
                    }
                }
                Rule::string => {
                    name_span = span_of(&p, base);
                    name = self.string(p, base);
                    if name.is_empty() {
                        self.report(Problem::EmptyName {
                            span: name_span,
                            what: "statement",
                        });
                    }
                }
                Rule::matcher => {
                    let matcher = self.matcher(p, base);
                    let slot = &mut matchers[matcher.kind as usize];
                    if let Some(first) = slot {
                        let problem = Problem::DuplicateMatcher {
                            span: matcher.span,
                            statement: name.clone(),
                            kind: matcher.kind,
                            first: first.span,
                        };
                        self.report(problem);
                    } else {
                        *slot = Some(matcher);
                    }
                }
                Rule::condition_block => conditions.push(self.condition_block(p, base)),
                Rule::rbrace => inner_trailing = self.comments.before(base + p.as_span().start()),
                _ => {}
            }
        }
        let trailing = self.comments.trailing(span.end);
        let [principal, action, resource] = matchers;
        let mut take = |slot: Option<Matcher>, kind: MatcherKind| {
            slot.unwrap_or_else(|| {
                self.report(Problem::MissingMatcher {
                    span: name_span,
                    statement: name.clone(),
                    kind,
                });
                Matcher {
                    kind,
                    negated: false,
                    patterns: smallvec::SmallVec::new(),
                    comments: Comments::default(),
                    span: name_span,
                }
            })
        };
        let principal = take(principal, MatcherKind::Principal);
        let action = take(action, MatcherKind::Action);
        let resource = take(resource, MatcherKind::Resource);
        Statement {
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
        }
    }

    fn matcher(&mut self, pair: Pair<Rule>, base: usize) -> Matcher {
        let mut span = span_of(&pair, base);
        span.end = self.comments.content_end(span.end);
        let mut leading = self.comments.before(span.start);
        let mut negated = false;
        let mut kind = MatcherKind::Resource;
        let mut patterns = smallvec::SmallVec::new();
        let mut count = 0usize;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::negation => negated = true,
                Rule::matcher_kind => {
                    kind = match p.as_str() {
                        "principal" => MatcherKind::Principal,
                        "action" => MatcherKind::Action,
                        _ => MatcherKind::Resource,
                    }
                }
                Rule::pattern => {
                    count += 1;
                    if count == self.limits.max_patterns_per_line + 1 {
                        self.report(Problem::TooManyPatterns {
                            span: span_of(&p, base),
                            kind,
                            max: self.limits.max_patterns_per_line,
                        });
                    }
                    if count > self.limits.max_patterns_per_line {
                        continue;
                    }
                    if let Some(pattern) = self.pattern(p, base, kind) {
                        patterns.push(pattern);
                    }
                }
                _ => {}
            }
        }
        leading.extend(self.comments.before(span.end));
        let trailing = self.comments.trailing(span.end);
        Matcher {
            kind,
            negated,
            patterns,
            comments: Comments { leading, trailing },
            span,
        }
    }

    fn pattern(&mut self, pair: Pair<Rule>, base: usize, kind: MatcherKind) -> Option<Pattern> {
        let span = span_of(&pair, base);
        let inner = pair.into_inner().next()?;
        let quoted = inner.as_rule() == Rule::string;
        self.pattern_text(inner.as_str(), quoted, span, kind)
    }

    /// Lowers the pattern `raw` (a quoted string with its quotes when
    /// `quoted`, else a bare pattern) that stands at `span`.
    fn condition_block(&mut self, pair: Pair<Rule>, base: usize) -> ConditionBlock {
        let span = span_of(&pair, base);
        let leading = self.comments.before(span.start);
        let mut kind = BlockKind::When;
        let mut exprs = Vec::new();
        let mut inner_trailing = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::block_kind if p.as_str() == "unless" => kind = BlockKind::Unless,
                Rule::expr => {
                    let start = base + p.as_span().start();
                    let end = self.comments.content_end(base + p.as_span().end());
                    let mut expr_leading = self.comments.before(start);
                    let mut expr = self.expr(p, base);
                    expr.span.end = end;
                    expr_leading.extend(self.comments.before(end));
                    expr.comments = Comments {
                        leading: expr_leading,
                        trailing: self.comments.trailing(end),
                    };
                    exprs.push(expr);
                }
                Rule::rbrace => inner_trailing = self.comments.before(base + p.as_span().start()),
                _ => {}
            }
        }
        if exprs.is_empty() {
            self.report(Problem::EmptyBlock { span, kind });
        }
        let trailing = self.comments.trailing(span.end);
        ConditionBlock {
            kind,
            exprs,
            comments: Comments { leading, trailing },
            inner_trailing_comments: inner_trailing,
            span,
        }
    }

    fn expr(&mut self, pair: Pair<Rule>, base: usize) -> Expr {
        let span = span_of(&pair, base);
        let rule = pair.as_rule();
        let mut children: Vec<Expr> = Vec::new();
        match rule {
            Rule::expr | Rule::and_expr => {
                for p in pair.into_inner() {
                    if matches!(p.as_rule(), Rule::and_expr | Rule::unary) {
                        children.push(self.expr(p, base));
                    }
                }
                if children.len() == 1 {
                    return children.pop().unwrap_or_else(|| {
                        leaf(
                            ExprKind::Group(Box::new(leaf(
                                ExprKind::Truthy(missing_key(span)),
                                span,
                            ))),
                            span,
                        )
                    });
                }
                let kind = if rule == Rule::expr {
                    ExprKind::Or(children)
                } else {
                    ExprKind::And(children)
                };
                leaf(kind, span)
            }
            Rule::unary => {
                let mut nots = Vec::new();
                let mut primary = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::not_prefix {
                        nots.push(span_of(&p, base).start);
                    } else {
                        primary = Some(p);
                    }
                }
                if self.depth + nots.len() > MAX_CONDITION_DEPTH {
                    // Point at the first `not` past the limit.
                    let at = nots
                        .get(MAX_CONDITION_DEPTH.saturating_sub(self.depth))
                        .copied()
                        .unwrap_or(span.start);
                    self.report(Problem::ConditionTooDeep {
                        span: Span::new(at, (at + 3).min(span.end)),
                    });
                    return leaf(ExprKind::Truthy(missing_key(span)), span);
                }
                self.depth += nots.len();
                let inner = primary.map(|p| self.expr(p, base));
                self.depth -= nots.len();
                let mut expr =
                    inner.unwrap_or_else(|| leaf(ExprKind::Truthy(missing_key(span)), span));
                for start in nots.into_iter().rev() {
                    let s = Span::new(start, expr.span.end);
                    expr = leaf(ExprKind::Not(Box::new(expr)), s);
                }
                expr
            }
            Rule::group => {
                if self.depth >= MAX_CONDITION_DEPTH {
                    let paren = Span::new(span.start, (span.start + 1).min(span.end));
                    self.report(Problem::ConditionTooDeep { span: paren });
                    return leaf(ExprKind::Truthy(missing_key(span)), span);
                }
                self.depth += 1;
                let inner = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p, base))
                    .unwrap_or_else(|| leaf(ExprKind::Truthy(missing_key(span)), span));
                self.depth -= 1;
                leaf(ExprKind::Group(Box::new(inner)), span)
            }
            Rule::has_test => {
                let key = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::key)
                    .and_then(|p| self.key(&p, base))
                    .unwrap_or_else(|| missing_key(span));
                leaf(ExprKind::Has(key), span)
            }
            Rule::comparison => self.comparison(pair, base),
            Rule::quantified => self.quantified(pair, base),
            _ => leaf(ExprKind::Truthy(missing_key(span)), span),
        }
    }

    fn comparison(&mut self, pair: Pair<Rule>, base: usize) -> Expr {
        let span = span_of(&pair, base);
        let mut inner = pair.into_inner();
        let key_pair = inner.next();
        let key = key_pair.as_ref().and_then(|p| self.key(p, base));
        let op_pair = inner.next();
        let operand_pair = inner.next();
        let offset_pair = inner.next();
        let Some(key) = key else {
            return leaf(ExprKind::Truthy(missing_key(span)), span);
        };
        let (Some(op_pair), Some(operand_pair)) = (op_pair, operand_pair) else {
            // A bare key: must be boolean.
            let ty = key.path.value_type();
            if !matches!(ty, ValueType::Bool | ValueType::Any) {
                self.report(Problem::NotBoolean {
                    span: key.span,
                    example: example_for(&key.path),
                    key: key.path.clone(),
                    ty,
                });
            }
            return leaf(ExprKind::Truthy(key), span);
        };
        let op = compare_op(op_pair.as_str());
        let op_span = span_of(&op_pair, base);
        // `key op key`: two request values.
        if let Some(right) = operand_pair
            .clone()
            .into_inner()
            .next()
            .filter(|p| p.as_rule() == Rule::key_operand && names_a_key(p.as_str()))
        {
            let right = self.key(&right, base);
            if let Some(at) = offset_pair {
                self.report(Problem::OffsetNotAllowed {
                    span: span_of(&at, base),
                    key: key.path.clone(),
                });
                return leaf(ExprKind::Truthy(missing_key(span)), span);
            }
            let Some(right) = right else {
                return leaf(ExprKind::Truthy(missing_key(span)), span);
            };
            return match self.key_comparison(key, op, op_span, right) {
                Some(comparison) => leaf(ExprKind::CompareKeys(comparison), span),
                None => leaf(ExprKind::Truthy(missing_key(span)), span),
            };
        }
        let operand = self.operand(&key, op, op_span, operand_pair, base);
        let offset = offset_pair.and_then(|p| {
            let bare = p.into_inner().find(|p| p.as_rule() == Rule::bare)?;
            let s = span_of(&bare, base);
            if !matches!(key.path, KeyPath::TimeOfDay | KeyPath::Weekday) {
                self.report(Problem::OffsetNotAllowed {
                    span: s,
                    key: key.path.clone(),
                });
                return None;
            }
            match literal::utc_offset(bare.as_str()) {
                Some(seconds_east) => Some(UtcOffset {
                    seconds_east,
                    span: s,
                }),
                None => {
                    self.report(Problem::InvalidOffset {
                        span: s,
                        text: bare.as_str().to_string(),
                    });
                    None
                }
            }
        });
        match operand {
            Some(operand) => leaf(
                ExprKind::Compare(Comparison {
                    key,
                    op,
                    operand,
                    offset,
                }),
                span,
            ),
            None => leaf(ExprKind::Truthy(missing_key(span)), span),
        }
    }

    /// `any|all key op operand [at offset]`: the checks of `check.rs`
    /// decide which keys, operators and operands fit.
    fn quantified(&mut self, pair: Pair<Rule>, base: usize) -> Expr {
        let span = span_of(&pair, base);
        let mut inner = pair.into_inner();
        let quantifier = match inner.next() {
            Some(p) if p.as_str() == "all" => Quantifier::All,
            _ => Quantifier::Any,
        };
        let key = inner.next().and_then(|p| self.key(&p, base));
        let (op_pair, operand_pair, offset_pair) = (inner.next(), inner.next(), inner.next());
        let (Some(key), Some(op_pair), Some(operand_pair)) = (key, op_pair, operand_pair) else {
            return leaf(ExprKind::Truthy(missing_key(span)), span);
        };
        let op = compare_op(op_pair.as_str());
        let op_span = span_of(&op_pair, base);
        if let Some(right) = operand_pair
            .clone()
            .into_inner()
            .next()
            .filter(|p| p.as_rule() == Rule::key_operand && names_a_key(p.as_str()))
        {
            self.report(Problem::QuantifiedKeyOperand {
                span: span_of(&right, base),
                quantifier,
            });
            return leaf(ExprKind::Truthy(missing_key(span)), span);
        }
        if let Some(at) = offset_pair {
            self.report(Problem::OffsetNotAllowed {
                span: span_of(&at, base),
                key: key.path.clone(),
            });
            return leaf(ExprKind::Truthy(missing_key(span)), span);
        }
        let quantified = self
            .operand_syntax_of(operand_pair, base)
            .and_then(|syntax| self.quantified_syntax(quantifier, key, op, op_span, syntax));
        match quantified {
            Some(q) => leaf(ExprKind::Quantified(q), span),
            None => leaf(ExprKind::Truthy(missing_key(span)), span),
        }
    }

    /// Types the operand against the key and operator; reports mismatches.
    fn operand(
        &mut self,
        key: &Key,
        op: CompareOp,
        op_span: Span,
        pair: Pair<Rule>,
        base: usize,
    ) -> Option<Operand> {
        let syntax = self.operand_syntax_of(pair, base)?;
        self.operand_syntax(key, op, op_span, syntax)
    }

    /// The operand `pair` as written: its shape and literals.
    fn operand_syntax_of<'p>(
        &mut self,
        pair: Pair<'p, Rule>,
        base: usize,
    ) -> Option<OperandSyntax<'p>> {
        let inner = pair.into_inner().next()?;
        let shape = match inner.as_rule() {
            Rule::list => Shape::List,
            Rule::range => Shape::Range,
            _ => Shape::One,
        };
        fn lit<'s>(p: &Pair<'s, Rule>, base: usize) -> Lit<'s> {
            Lit {
                raw: p.as_str(),
                span: span_of(p, base),
            }
        }
        let span = span_of(&inner, base);
        let literals: Literals = match shape {
            Shape::One => smallvec::smallvec![lit(&inner, base)],
            _ => inner
                .into_inner()
                .filter(|p| p.as_rule() == Rule::literal)
                .map(|p| lit(&p, base))
                .collect(),
        };
        Some(OperandSyntax {
            shape,
            span,
            literals,
        })
    }

    fn key(&mut self, pair: &Pair<Rule>, base: usize) -> Option<Key> {
        self.key_from_text(pair.as_str(), span_of(pair, base))
    }

    /// The text of a string literal, escapes resolved.
    fn string(&mut self, pair: Pair<Rule>, base: usize) -> String {
        self.string_text(pair.as_str(), span_of(&pair, base))
    }

    /// The text of the string literal `raw` (quotes included) at `span`,
    /// escapes resolved; each unknown escape is reported.
    pub(super) fn string_text(&mut self, raw: &str, span: Span) -> String {
        let body = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        if !body.contains('\\') {
            return body.to_string();
        }
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                other => {
                    let end = other.map_or(i + 1, |(j, c)| j + c.len_utf8());
                    let s = Span::new(span.start + 1 + i, span.start + 1 + end);
                    self.report(Problem::UnknownEscape {
                        span: s,
                        escape: body.get(i..end).unwrap_or("\\").to_string(),
                    });
                }
            }
        }
        out
    }
}

/// The shape of an operand: one value, a list or a range.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Shape {
    One,
    List,
    Range,
}

/// A literal as written: a quoted string (quotes included) or a bare word.
#[derive(Clone, Copy)]
pub(super) struct Lit<'s> {
    pub(super) raw: &'s str,
    pub(super) span: Span,
}

impl<'s> Lit<'s> {
    pub(super) fn quoted(&self) -> bool {
        self.raw.starts_with('"')
    }

    /// The text between the quotes (escapes not resolved), or the bare word.
    pub(super) fn text(&self) -> &'s str {
        if self.quoted() {
            self.raw
                .get(1..self.raw.len().saturating_sub(1))
                .unwrap_or("")
        } else {
            self.raw
        }
    }
}

/// An operand as written: its shape, where it stands and its literals.
pub(super) struct OperandSyntax<'s> {
    pub(super) shape: Shape,
    pub(super) span: Span,
    pub(super) literals: Literals<'s>,
}

/// An operand's literals: one or two (a range) held inline.
pub(super) type Literals<'s> = smallvec::SmallVec<[Lit<'s>; 2]>;

/// The operator `text` spells (as the grammar's `op` reads it; `not in`
/// with any whitespace between).
pub(super) fn compare_op(text: &str) -> CompareOp {
    let mut words = text.split_whitespace();
    match (words.next(), words.next()) {
        (Some("=="), None) => CompareOp::Eq,
        (Some("!="), None) => CompareOp::Ne,
        (Some("<"), None) => CompareOp::Lt,
        (Some("<="), None) => CompareOp::Le,
        (Some(">"), None) => CompareOp::Gt,
        (Some(">="), None) => CompareOp::Ge,
        (Some("in"), None) => CompareOp::In,
        (Some("not"), Some("in")) => CompareOp::NotIn,
        (Some("like"), None) => CompareOp::Like,
        (Some("ilike"), None) => CompareOp::ILike,
        _ => CompareOp::Contains,
    }
}

/// An expression without comments.
pub(super) fn leaf(kind: ExprKind, span: Span) -> Expr {
    Expr {
        kind,
        comments: Comments::default(),
        span,
    }
}

/// Placeholder for an expression whose error was already reported; never
/// reaches a caller because the parse then fails.
fn missing_key(span: Span) -> Key {
    Key {
        path: KeyPath::Mfa,
        span,
    }
}
