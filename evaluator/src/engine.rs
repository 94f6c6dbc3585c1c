//! The compiled engine: a flat statement table, indexes that hold statement
//! ids, and one function that decides.

use crate::compile::{BankGlob, CompileError, GlobBank, Problem};
use crate::condition::{Attr, Cond, Pool, Texts, Truth};
use crate::decision::*;
use crate::glob::VariablePattern;
use crate::index::{
    Candidates, Index, IndexBuilder, Line, NAME_SYNTAX, NameKey, RESOURCE_SYNTAX, refused,
    resource_glob, subtree,
};
use crate::limits::Limits;
use crate::request::Request;
use chrono::{DateTime, Utc};
use policy_lang::{BlockKind, Effect, Matcher, MatcherKind, Pattern, PolicyFile, Span, Statement};
use smallvec::SmallVec;
use std::cell::RefCell;
use std::ops::Range;

/// One named policy source text.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The name diagnostics use, usually a file path.
    pub name: &'a str,
    /// The policy text.
    pub text: &'a str,
}

impl<'a> Source<'a> {
    /// A source named `name` holding `text`.
    pub fn new(name: &'a str, text: &'a str) -> Source<'a> {
        Source { name, text }
    }
}

/// A statement of a compiled set, as [`Engine::statements`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementInfo<'e> {
    /// Its policy's name.
    pub policy: &'e str,
    /// Its own name.
    pub statement: &'e str,
    /// Allow or deny.
    pub effect: Effect,
    /// Which source it is in: an index into the sources it was compiled from.
    pub source: usize,
    /// The byte offset where it starts in that source.
    pub offset: usize,
}

/// A compiled policy set. Immutable, `Send + Sync`: compile once, share it
/// between threads, decide many requests.
///
/// ```
/// use tessera::{Engine, Request, Source};
/// let engine = Engine::compile(&[Source::new("team.policy", r#"
/// policy "team" {
///   allow "own-team" {
///     principal *
///     action    secrets:GetSecretValue
///     resource  prod/${principal.tags.team}/**
///   }
/// }"#)]).unwrap();
/// let request = Request::new("user:ann", "secrets:GetSecretValue", "prod/payments/db")
///     .with_principal_tag("team", "payments");
/// assert!(engine.decide(&request).is_allowed());
/// let other = request.clone().with_principal_tag("team", "search");
/// assert!(!engine.decide(&other).is_allowed());
/// ```
#[derive(Debug)]
pub struct Engine {
    statements: Vec<CompiledStatement>,
    /// Finds the statements a request could concern.
    index: Index,
    /// Matchers and texts shared by the statements that read the same.
    shared: Shared,
    /// `sha256:HEX` over the sources' names and texts.
    revision: String,
    /// The limits it was compiled under; requests are read under its
    /// request limits.
    limits: Limits,
    /// The schema the JSON layer checks requests against, if any
    /// ([`Engine::compile_with_schema`]); never read while deciding.
    schema: Option<std::sync::Arc<crate::schema::Schema>>,
}

#[derive(Debug)]
struct CompiledStatement {
    effect: Effect,
    /// The source it is in.
    source: u32,
    /// Where it starts in its source.
    offset: usize,
    /// The policy's name, in [`Shared::texts`].
    policy: u32,
    /// Its own name, in [`Shared::texts`].
    name: u32,
    /// The line the index files it by, if any: it keeps no matcher of its
    /// own for that line, which the index matches.
    filed: Option<Line>,
    /// In [`Shared::names`].
    principal: Option<u32>,
    /// In [`Shared::names`].
    action: Option<u32>,
    /// In [`Shared::resources`].
    resource: Option<u32>,
    /// Its `when` and `unless` blocks, in [`Shared::blocks`].
    blocks: Range<u32>,
    /// Text of each matcher line, for explanations, in [`Shared::texts`].
    lines: [u32; 3],
}

/// What statements share: one matcher per distinct line, one copy of each
/// policy name and line text. Ten thousand statements reading
/// `principal *` and `action secrets:GetSecretValue` hold two matchers.
#[derive(Debug, Default)]
struct Shared {
    names: Vec<NameMatcher>,
    resources: Vec<ResourceMatcher>,
    /// Every text: policy and statement names, line and condition texts.
    texts: Texts,
    /// Every statement's `when` and `unless` blocks, each statement's
    /// together: `(kind, condition)`, `when` blocks must be true, `unless`
    /// blocks false. One allocation for them all rather than one each.
    blocks: Vec<(BlockKind, Cond)>,
}

impl Shared {
    fn name(&self, at: u32) -> Option<&NameMatcher> {
        self.names.get(at as usize)
    }

    fn text(&self, at: u32) -> &str {
        self.texts.get(at)
    }

    /// The blocks at `range`, or `None` were it not in the table (a broken
    /// invariant, which callers treat as an unknown condition).
    fn blocks(&self, range: &Range<u32>) -> Option<&[(BlockKind, Cond)]> {
        self.blocks.get(range.start as usize..range.end as usize)
    }
}

/// Builds [`Shared`], handing out one index per distinct key. Texts are
/// looked up by the policy text they are borrowed from (`'a`).
#[derive(Default)]
struct Interner<'a> {
    shared: Shared,
    names: foldhash::HashMap<String, u32>,
    resources: foldhash::HashMap<String, u32>,
    texts: foldhash::HashMap<&'a str, u32>,
    /// Each matcher line by its text: the text's index and, once built,
    /// its matcher's (in [`Shared::names`] for principals and actions, in
    /// [`Shared::resources`] for resources). A line's text (keyword
    /// included) determines its matcher, so lines that read the same share
    /// both without building their key.
    lines: foldhash::HashMap<&'a str, (u32, Option<u32>)>,
    /// The key of the line being looked up, reused between lookups.
    key: String,
}

impl<'a> Interner<'a> {
    fn text(&mut self, text: &'a str) -> Result<u32, Problem> {
        if let Some(&at) = self.texts.get(text) {
            return Ok(at);
        }
        let at = self.shared.texts.push(text)?;
        self.texts.insert(text, at);
        Ok(at)
    }

    /// The matcher line `matcher`, whose text is `text`: the index of its
    /// text and, if `with_matcher`, of its matcher.
    fn line(
        &mut self,
        matcher: &Matcher,
        text: &'a str,
        with_matcher: bool,
    ) -> Result<(u32, Option<u32>), Problem> {
        let known = self.lines.get(text).copied();
        // `lines` is the lookup of line texts: one not there is new.
        let text_at = match known {
            Some((at, _)) => at,
            None => self.shared.texts.push(text)?,
        };
        if !with_matcher {
            if known.is_none() {
                self.lines.insert(text, (text_at, None));
            }
            return Ok((text_at, None));
        }
        if let Some((_, Some(matcher_at))) = known {
            return Ok((text_at, Some(matcher_at)));
        }
        let matcher_at = match matcher.kind {
            MatcherKind::Resource => self.resource(matcher)?,
            MatcherKind::Principal | MatcherKind::Action => self.name(matcher)?,
        };
        // Only a text read from a span is a line's own (never the empty
        // text a span outside the source would give).
        if !text.is_empty() {
            self.lines.insert(text, (text_at, Some(matcher_at)));
        }
        Ok((text_at, Some(matcher_at)))
    }

    /// A text no other statement shares (a statement's name): stored
    /// without being looked up.
    fn unique_text(&mut self, text: &str) -> Result<u32, Problem> {
        self.shared.texts.push(text)
    }

    fn name(&mut self, matcher: &Matcher) -> Result<u32, Problem> {
        line_key(matcher, &mut self.key);
        if let Some(&at) = self.names.get(self.key.as_str()) {
            return Ok(at);
        }
        let at = next_id(self.shared.names.len())?;
        self.shared.names.push(NameMatcher::new(matcher)?);
        self.names.insert(self.key.clone(), at);
        Ok(at)
    }

    fn resource(&mut self, matcher: &Matcher) -> Result<u32, Problem> {
        line_key(matcher, &mut self.key);
        if let Some(&at) = self.resources.get(self.key.as_str()) {
            return Ok(at);
        }
        let at = next_id(self.shared.resources.len())?;
        self.shared.resources.push(ResourceMatcher::new(matcher)?);
        self.resources.insert(self.key.clone(), at);
        Ok(at)
    }
}

/// What makes two matcher lines match the same: negation, and each
/// pattern's kind and text; written into `key`.
fn line_key(matcher: &Matcher, key: &mut String) {
    key.clear();
    key.push(if matcher.negated { '!' } else { '=' });
    for pattern in &matcher.patterns {
        key.push(if pattern.is_group { 'g' } else { 'p' });
        pattern.write_source_text(key);
        key.push('\0');
    }
}

/// The id of the next entry of a table of `len`.
pub(crate) fn next_id(len: usize) -> Result<u32, Problem> {
    u32::try_from(len).map_err(|_| Problem::TooManyStatements {
        span: Span::default(),
    })
}

/// See [`Engine::revision`].
fn revision_of(sources: &[Source]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for source in sources {
        hasher.update((source.text.len() as u64).to_le_bytes());
        hasher.update(source.text.as_bytes());
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

thread_local! {
    static GLOB_SCRATCH: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl Engine {
    /// Parses, checks and compiles policy sources into an engine, under the
    /// default [`Limits`].
    ///
    /// Every problem in every source is returned at once. Compiling is exact
    /// or refused: see [`CompileError`].
    pub fn compile(sources: &[Source]) -> Result<Engine, CompileError> {
        Engine::compile_with(sources, &Limits::default())
    }

    /// [`Engine::compile`] under the given limits. The engine keeps them:
    /// the JSON layer reads requests for it under `limits.request`.
    ///
    /// ```
    /// use tessera::{Engine, Limits, Source};
    /// let text = r#"policy "p" { deny "d" { principal * action * resource team-*-a*b*c } }"#;
    /// let mut strict = Limits::default();
    /// strict.policy.max_pattern_wildcards = 2;
    /// let error = Engine::compile_with(&[Source::new("p.policy", text)], &strict).unwrap_err();
    /// assert!(error.diagnostics()[0].message().contains("max_pattern_wildcards"));
    /// assert!(Engine::compile_str("p.policy", text).is_ok());
    /// ```
    pub fn compile_with(sources: &[Source], limits: &Limits) -> Result<Engine, CompileError> {
        let pairs: Vec<(&str, &str)> = sources.iter().map(|s| (s.name, s.text)).collect();
        let files = policy_lang::parse_set_with(&pairs, &limits.policy)?;
        Engine::from_files(&files, sources, limits)
    }

    /// Compiles one source; a shorthand for [`Engine::compile`].
    pub fn compile_str(name: &str, text: &str) -> Result<Engine, CompileError> {
        Engine::compile(&[Source::new(name, text)])
    }

    pub(crate) fn from_files(
        files: &[PolicyFile],
        sources: &[Source],
        limits: &Limits,
    ) -> Result<Engine, CompileError> {
        let mut errors: Vec<Vec<Problem>> = sources.iter().map(|_| Vec::new()).collect();
        let mut problem = |source: usize, problem: Problem| {
            if let Some(problems) = errors.get_mut(source) {
                problems.push(problem);
            }
        };
        // Conditions first: the index files statements by them too.
        let mut pending = Vec::new();
        let mut pool = Pool::default();
        let mut blocks = Vec::new();
        for (n, (file, source)) in files.iter().zip(sources).enumerate() {
            for policy in &file.policies {
                for statement in &policy.statements {
                    let id = match next_id(pending.len()) {
                        Ok(id) => id,
                        Err(too_many) => {
                            problem(n, too_many.at(statement.name_span));
                            break;
                        }
                    };
                    match compile_blocks(statement, source.text, &mut pool, &mut blocks) {
                        Ok(range) => pending.push((id, n, policy.name.as_str(), statement, range)),
                        Err(failed) => problem(n, failed),
                    }
                }
            }
        }
        let mut index = IndexBuilder::with_capacity(pending.len());
        for (id, n, _, statement, range) in &pending {
            match blocks.get(range.start as usize..range.end as usize) {
                Some(conditions) => index.add(*id, *n, statement, conditions),
                None => problem(*n, internal(statement.span)),
            }
        }
        let (index, filed_by_line) = match index.build() {
            Ok(built) => built,
            Err(failures) => {
                failures.into_iter().for_each(|(n, p)| problem(n, p));
                Default::default()
            }
        };
        let mut interner = Interner::default();
        // The conditions' texts go on with the others.
        interner.shared.texts = pool.texts;
        let mut statements = Vec::with_capacity(pending.len());
        interner.shared.blocks = blocks;
        for (at, (_, n, policy, statement, range)) in pending.into_iter().enumerate() {
            let text = sources.get(n).map_or("", |s| s.text);
            // A statement the index did not file by a line (or any, were
            // the two ever out of step) matches every line itself.
            let by_index = filed_by_line.get(at).copied().flatten();
            let compiled = next_id(n).and_then(|source| {
                CompiledStatement::new(&mut interner, policy, statement, range, text, by_index)
                    .map(|compiled| CompiledStatement { source, ..compiled })
            });
            match compiled {
                Ok(compiled) => statements.push(compiled),
                Err(failed) => problem(n, failed),
            }
        }
        let error = errors
            .into_iter()
            .zip(sources)
            .filter(|(problems, _)| !problems.is_empty())
            .map(|(problems, source)| {
                CompileError::from_problems(source.name, source.text, problems)
            })
            .reduce(CompileError::merge);
        if let Some(error) = error {
            return Err(error);
        }
        let mut shared = interner.shared;
        // The tables grew as they were filled: held for the engine's life,
        // they keep only what they hold.
        shared.blocks.shrink_to_fit();
        shared.texts.shrink_to_fit();
        Ok(Engine {
            statements,
            index,
            shared,
            revision: revision_of(sources),
            limits: limits.clone(),
            schema: None,
        })
    }

    /// The engine, keeping `schema` for the JSON layer to check requests with.
    pub(crate) fn with_schema(self, schema: crate::schema::Schema) -> Engine {
        Engine {
            schema: Some(std::sync::Arc::new(schema)),
            ..self
        }
    }

    /// The schema requests are checked against when the JSON layer reads
    /// them: the one given to [`Engine::compile_with_schema`], if any.
    pub fn schema(&self) -> Option<&crate::schema::Schema> {
        self.schema.as_deref()
    }

    /// The policy set's revision: `sha256:` and the hex SHA-256 of its
    /// sources' texts, each prefixed by its length in bytes, in the order
    /// given. The same texts always give the same revision, whatever the
    /// files are called or however their paths are spelled (names change no
    /// decision); any changed character gives another. Audit records carry
    /// it, so a decision can be traced to the exact policy text.
    ///
    /// ```
    /// use tessera::Engine;
    /// let a = Engine::compile_str("a.policy", "policy \"p\" {}").unwrap();
    /// let b = Engine::compile_str("./dir/../a.policy", "policy \"p\" {}").unwrap();
    /// let c = Engine::compile_str("a.policy", "policy \"q\" {}").unwrap();
    /// assert_eq!(a.revision(), b.revision());
    /// assert_ne!(a.revision(), c.revision());
    /// assert!(a.revision().starts_with("sha256:") && a.revision().len() == 7 + 64);
    /// ```
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// The limits the engine was compiled under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every statement of the set, in policy-set order: the order of the
    /// sources given to [`Engine::compile`], then of the text.
    ///
    /// The engine keeps no syntax tree (it would hold several times the
    /// memory of the compiled set); tools that need one, such as the
    /// [`reference`](crate::reference) interpreter, parse the sources with
    /// [`policy_lang::parse_set`].
    ///
    /// ```
    /// use tessera::{Engine, policy_lang::Effect};
    /// let engine = Engine::compile_str("p.policy", r#"policy "p" {
    ///   allow "read" { principal * action secrets:GetSecretValue resource prod/** }
    /// }"#).unwrap();
    /// let read = engine.statements().next().unwrap();
    /// assert_eq!((read.policy, read.statement, read.effect), ("p", "read", Effect::Allow));
    /// assert_eq!((read.source, read.offset), (0, 15));
    /// ```
    pub fn statements(&self) -> impl ExactSizeIterator<Item = StatementInfo<'_>> + '_ {
        self.statements.iter().map(|s| StatementInfo {
            policy: self.shared.text(s.policy),
            statement: self.shared.text(s.name),
            effect: s.effect,
            source: s.source as usize,
            offset: s.offset,
        })
    }

    /// Number of statements in the policy set.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Decides a request. A request without `context.time` is decided at the
    /// current time.
    pub fn decide(&self, request: &Request) -> Decision<'_> {
        self.decide_at(request, request.context.time.unwrap_or_else(Utc::now))
    }

    /// Decides a request as if it were made at `now` (when it carries no time).
    ///
    /// Default deny; any applicable deny beats every allow. A statement whose
    /// truth is unknown (a value it reads is missing) counts as applying when
    /// it is a deny and as not applying when it is an allow.
    pub fn decide_at(&self, request: &Request, now: DateTime<Utc>) -> Decision<'_> {
        let now = request.context.time.unwrap_or(now);
        let mut found = Candidates::default();
        GLOB_SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self
                .index
                .candidates(request, now, &mut scratch, &mut found),
            // Only reentrance could hold the buffer; a fresh one is as exact.
            Err(_) => self
                .index
                .candidates(request, now, &mut Vec::new(), &mut found),
        });
        let mut denies: SmallVec<[u32; 4]> = SmallVec::new();
        let mut allows: SmallVec<[u32; 4]> = SmallVec::new();
        for (id, matched) in found.iter() {
            // Every id comes from the engine's own tables; were one ever not
            // to name a statement, the decision would deny rather than skip.
            let (effect, truth) =
                self.statements
                    .get(id as usize)
                    .map_or((Effect::Deny, Truth::Unknown), |s| {
                        let matched = |line| matched.truth(line);
                        (s.effect, s.applies(&self.shared, request, now, &matched))
                    });
            match (effect, truth) {
                (Effect::Deny, Truth::True | Truth::Unknown) => denies.push(id),
                (Effect::Allow, Truth::True) => allows.push(id),
                _ => {}
            }
        }
        let (outcome, reason, mut ids) = if !denies.is_empty() {
            (Outcome::Deny, Reason::ExplicitDeny, denies)
        } else if !allows.is_empty() {
            (Outcome::Allow, Reason::Allowed, allows)
        } else {
            (Outcome::Deny, Reason::NoStatementApplied, SmallVec::new())
        };
        ids.sort_unstable();
        ids.dedup();
        Decision {
            outcome,
            reason,
            determining: ids.iter().filter_map(|&id| self.reference(id)).collect(),
        }
    }

    /// Decides and tells why: which statements applied, and for each near miss
    /// which matcher or condition failed, with the request's value.
    ///
    /// ```
    /// use tessera::{Engine, Request, decision::Part};
    /// let engine = Engine::compile_str("net.policy", r#"policy "net" {
    ///   allow "office" { principal * action * resource app/** when { source_ip in 10.0.0.0/8 } }
    /// }"#).unwrap();
    /// let request = Request::new("user:bo", "secrets:GetSecretValue", "app/db")
    ///     .with_source_ip("192.168.1.9".parse().unwrap());
    /// let explanation = engine.explain(&request);
    /// let failure = &explanation.statements[0].failures[0];
    /// assert_eq!(failure.part, Part::When);
    /// assert_eq!(failure.expected, "source_ip in 10.0.0.0/8");
    /// assert_eq!(failure.actual.as_deref(), Some("192.168.1.9"));
    /// ```
    pub fn explain(&self, request: &Request) -> Explanation<'_> {
        self.explain_at(request, request.context.time.unwrap_or_else(Utc::now))
    }

    /// [`Engine::explain`] at a given time.
    pub fn explain_at(&self, request: &Request, now: DateTime<Utc>) -> Explanation<'_> {
        let decision = self.decide_at(request, now);
        let now = request.context.time.unwrap_or(now);
        // The lines the index matched, as `decide` finds them.
        let mut found = Candidates::default();
        self.index
            .candidates(request, now, &mut Vec::new(), &mut found);
        let statements = self
            .statements
            .iter()
            .zip(0u32..)
            .filter_map(|(statement, id)| {
                let matched = |line| found.matched(id, line);
                statement.report(&self.shared, self.reference(id)?, request, now, &matched)
            })
            .collect();
        Explanation {
            decision,
            statements,
        }
    }

    fn reference(&self, id: u32) -> Option<StatementRef<'_>> {
        self.statements.get(id as usize).map(|s| StatementRef {
            policy: self.shared.text(s.policy),
            statement: self.shared.text(s.name),
        })
    }
}

/// A broken invariant of compiling, reported as a compile error rather than
/// a statement left out or changed.
fn internal(span: Span) -> Problem {
    Problem::CompileInvariant { span }
}

/// Compiles a statement's `when` and `unless` blocks onto `blocks`: where
/// they stand there.
fn compile_blocks<'a>(
    statement: &'a Statement,
    source: &str,
    pool: &mut Pool<'a>,
    blocks: &mut Vec<(BlockKind, Cond)>,
) -> Result<Range<u32>, Problem> {
    let start = blocks.len();
    let compiled = compile_blocks_onto(statement, source, pool, blocks)
        .and_then(|()| Ok(next_id(start)?..next_id(blocks.len())?));
    if compiled.is_err() {
        // A statement that fails leaves nothing behind.
        blocks.truncate(start);
    }
    compiled
}

fn compile_blocks_onto<'a>(
    statement: &'a Statement,
    source: &str,
    pool: &mut Pool<'a>,
    blocks: &mut Vec<(BlockKind, Cond)>,
) -> Result<(), Problem> {
    for block in &statement.conditions {
        // A block of one line is that line: `all` of one condition holds,
        // fails and is unknown exactly when the condition is.
        let cond = match block.exprs.as_slice() {
            [only] => Cond::compile(only, source, pool)?,
            exprs => Cond::All(
                exprs
                    .iter()
                    .map(|e| Cond::compile(e, source, pool))
                    .collect::<Result<_, _>>()?,
            ),
        };
        blocks.push((block.kind, cond));
    }
    Ok(())
}

impl CompiledStatement {
    /// The compiled statement; `filed` is the line the index matches for it
    /// (it then keeps no matcher of its own for that line).
    fn new<'a>(
        interner: &mut Interner<'a>,
        policy: &'a str,
        statement: &Statement,
        blocks: Range<u32>,
        source: &'a str,
        filed: Option<Line>,
    ) -> Result<CompiledStatement, Problem> {
        // A line the index matches needs no matcher of its own.
        let mut line = |m: &Matcher, line: Line| {
            let text = source.get(m.span.start..m.span.end).unwrap_or("");
            interner.line(m, text, filed != Some(line))
        };
        let (principal_text, principal) = line(&statement.principal, Line::Principal)?;
        let (action_text, action) = line(&statement.action, Line::Action)?;
        let (resource_text, resource) = line(&statement.resource, Line::Resource)?;
        Ok(CompiledStatement {
            effect: statement.effect,
            source: 0,
            offset: statement.span.start,
            policy: interner.text(policy)?,
            name: interner.unique_text(&statement.name)?,
            filed,
            principal,
            action,
            resource,
            blocks,
            lines: [principal_text, action_text, resource_text],
        })
    }

    /// The truth of the principal, action and resource lines. A line the
    /// statement is filed by is the index's answer (`matched`); a matcher
    /// missing otherwise (a broken invariant) is unknown, so that the
    /// statement fails closed.
    fn lines_match(
        &self,
        shared: &Shared,
        request: &Request,
        now: DateTime<Utc>,
        matched: &dyn Fn(Line) -> Truth,
    ) -> [Truth; 3] {
        let by_index = |line: Line| match self.filed == Some(line) {
            true => matched(line),
            false => Truth::Unknown,
        };
        let principal = self.principal.and_then(|at| shared.name(at)).map_or_else(
            || by_index(Line::Principal),
            |m| m.matches(&request.principal.id, &request.principal.groups),
        );
        let action = self.action.and_then(|at| shared.name(at)).map_or_else(
            || by_index(Line::Action),
            |m| m.matches(&request.action, &[]),
        );
        let resource = self
            .resource
            .and_then(|at| shared.resources.get(at as usize))
            .map_or_else(|| by_index(Line::Resource), |m| m.matches(request, now));
        [principal, action, resource]
    }

    /// Whether the statement applies, in three-valued logic; `matched` says
    /// whether the index matched a line.
    fn applies(
        &self,
        shared: &Shared,
        request: &Request,
        now: DateTime<Utc>,
        matched: &dyn Fn(Line) -> Truth,
    ) -> Truth {
        let [principal, action, resource] = self.lines_match(shared, request, now, matched);
        let mut truth = action.and(principal).and(resource);
        let Some(blocks) = shared.blocks(&self.blocks) else {
            // Blocks it cannot read: unknown, so that the statement fails
            // closed.
            return truth.and(Truth::Unknown);
        };
        for (kind, cond) in blocks {
            if truth == Truth::False {
                break;
            }
            let held = cond.eval(request, now);
            truth = truth.and(if *kind == BlockKind::When {
                held
            } else {
                held.not()
            });
        }
        truth
    }

    /// The statement's report for an explanation, if it applied or nearly did.
    fn report<'e>(
        &'e self,
        shared: &'e Shared,
        statement: StatementRef<'e>,
        request: &Request,
        now: DateTime<Utc>,
        index: &dyn Fn(Line) -> Truth,
    ) -> Option<StatementReport<'e>> {
        let [principal, action, resource] = self.lines_match(shared, request, now, index);
        let matched = [principal, action, resource]
            .iter()
            .filter(|t| **t == Truth::True)
            .count();
        let truth = self.applies(shared, request, now, index);
        let applied = match self.effect {
            Effect::Allow => truth == Truth::True,
            Effect::Deny => truth != Truth::False,
        };
        if !applied && matched < 2 {
            return None;
        }
        let mut failures = Vec::new();
        let mut line_failure = |part: Part, line: &str, actual: String, unknown: bool| {
            failures.push(Failure {
                part,
                expected: line.to_string(),
                actual: (!unknown).then_some(actual),
                unknown,
            });
        };
        if principal != Truth::True {
            let mut actual = request.principal.id.clone();
            if !request.principal.groups.is_empty() {
                actual = format!("{actual} (groups: {})", request.principal.groups.join(", "));
            }
            line_failure(
                Part::Principal,
                shared.text(self.lines[0]),
                actual,
                principal == Truth::Unknown,
            );
        }
        if action != Truth::True {
            line_failure(
                Part::Action,
                shared.text(self.lines[1]),
                request.action.clone(),
                action == Truth::Unknown,
            );
        }
        if resource != Truth::True {
            line_failure(
                Part::Resource,
                shared.text(self.lines[2]),
                request.resource.path.clone(),
                resource == Truth::Unknown,
            );
        }
        let blocks = match shared.blocks(&self.blocks) {
            Some(blocks) => blocks,
            None => {
                // Blocks it cannot read (a broken invariant) are unknown, as
                // `applies` took them; the report says so.
                failures.push(Failure {
                    part: Part::When,
                    expected: "its conditions (internal error: they cannot be read)".into(),
                    actual: None,
                    unknown: true,
                });
                &[]
            }
        };
        for (kind, cond) in blocks {
            let mut leaves = Vec::new();
            cond.leaves(&shared.texts, request, now, &mut leaves);
            let (part, failing) = match kind {
                BlockKind::When => (Part::When, Truth::False),
                BlockKind::Unless => (Part::Unless, Truth::True),
            };
            for (text, result, actual) in leaves {
                if result == failing || result == Truth::Unknown {
                    failures.push(Failure {
                        part,
                        expected: text,
                        actual,
                        unknown: result == Truth::Unknown,
                    });
                }
            }
        }
        Some(StatementReport {
            statement,
            effect: match self.effect {
                Effect::Allow => Outcome::Allow,
                Effect::Deny => Outcome::Deny,
            },
            applied,
            failures,
        })
    }
}

/// Matches a name (principal id or action) and, for principals, groups.
#[derive(Debug)]
struct NameMatcher {
    negated: bool,
    ids: NameSet,
    groups: NameSet,
}

impl NameMatcher {
    fn new(matcher: &Matcher) -> Result<NameMatcher, Problem> {
        let (groups, ids): (Vec<&Pattern>, Vec<&Pattern>) =
            matcher.patterns.iter().partition(|p| p.is_group);
        Ok(NameMatcher {
            negated: matcher.negated,
            ids: NameSet::new(&ids)?,
            groups: NameSet::new(&groups)?,
        })
    }

    fn matches(&self, id: &str, groups: &[String]) -> Truth {
        let mut hit = self.ids.matches(id);
        if !self.groups.is_empty() {
            for group in groups {
                if hit == Truth::True {
                    break;
                }
                hit = hit.or(self.groups.matches(group));
            }
        }
        if self.negated { hit.not() } else { hit }
    }
}

/// Name patterns sorted by how cheaply they match.
#[derive(Debug, Default)]
struct NameSet {
    everything: bool,
    exact: Vec<Box<str>>,
    prefixes: Vec<Box<str>>,
    globs: GlobBank,
}

impl NameSet {
    fn new(patterns: &[&Pattern]) -> Result<NameSet, Problem> {
        let mut set = NameSet::default();
        let mut globs = Vec::new();
        let mut owners = Vec::new();
        for pattern in patterns {
            match NameKey::of(pattern) {
                NameKey::Everything => set.everything = true,
                NameKey::Exact(name) => set.exact.push(name.into()),
                NameKey::Prefix(prefix) => set.prefixes.push(prefix.into()),
                NameKey::Glob(nodes) => {
                    let glob = NameKey::glob(nodes).map_err(|why| refused(pattern.span, &why))?;
                    globs.push(BankGlob { glob, nodes });
                    owners.push(*pattern);
                }
            }
        }
        set.globs =
            GlobBank::build(&globs, NAME_SYNTAX).map_err(|(i, why)| match owners.get(i) {
                Some(pattern) => refused(pattern.span, &why),
                None => Problem::BankRefused {
                    span: Span::default(),
                    why,
                },
            })?;
        Ok(set)
    }

    fn is_empty(&self) -> bool {
        !self.everything
            && self.exact.is_empty()
            && self.prefixes.is_empty()
            && self.globs.is_empty()
    }

    fn matches(&self, name: &str) -> Truth {
        let plain = self.everything
            || self.exact.iter().any(|e| **e == *name)
            || self.prefixes.iter().any(|p| name.starts_with(&**p));
        if plain {
            Truth::True
        } else {
            self.globs.is_match(name)
        }
    }
}

/// Matches a secret path, for statements checked outside the resource index.
#[derive(Debug)]
struct ResourceMatcher {
    negated: bool,
    everything: bool,
    /// Patterns without glob syntax: the path itself.
    exact: Vec<Box<str>>,
    /// `DIR/**` with a literal `DIR`: every path starting with `DIR/`.
    subtrees: Vec<Box<str>>,
    /// Every other static pattern.
    globs: GlobBank,
    variables: Vec<(VariablePattern, Vec<Attr>)>,
}

impl ResourceMatcher {
    fn new(matcher: &Matcher) -> Result<ResourceMatcher, Problem> {
        let mut everything = false;
        let mut exact = Vec::new();
        let mut subtrees = Vec::new();
        let mut statics = Vec::new();
        let mut owners = Vec::new();
        let mut variables = Vec::new();
        for pattern in &matcher.patterns {
            if pattern.is_match_all() {
                everything = true;
            } else if let Some(literal) = pattern.literal() {
                exact.push(literal.into());
            } else if let Some(dir) = subtree(&pattern.nodes) {
                subtrees.push(dir.into());
            } else if pattern.has_variables() {
                let compiled = VariablePattern::new(&pattern.nodes)
                    .map_err(|why| refused(pattern.span, &why))?;
                let attrs = compiled
                    .variables
                    .iter()
                    .map(|k| Attr::new(&k.path, 0))
                    .collect();
                variables.push((compiled, attrs));
            } else {
                let glob = resource_glob(&pattern.source_text())
                    .map_err(|why| refused(pattern.span, &why))?;
                statics.push(BankGlob {
                    glob,
                    nodes: &pattern.nodes,
                });
                owners.push(pattern);
            }
        }
        let globs =
            GlobBank::build(&statics, RESOURCE_SYNTAX).map_err(|(i, why)| match owners.get(i) {
                Some(pattern) => refused(pattern.span, &why),
                None => Problem::BankRefused {
                    span: matcher.span,
                    why,
                },
            })?;
        Ok(ResourceMatcher {
            negated: matcher.negated,
            everything,
            exact,
            subtrees,
            globs,
            variables,
        })
    }

    fn matches(&self, request: &Request, now: DateTime<Utc>) -> Truth {
        let path = request.resource.path.as_str();
        let plain = self.everything
            || self.exact.iter().any(|e| **e == *path)
            || self.subtrees.iter().any(|d| path.starts_with(&**d));
        let mut truth = if plain {
            Truth::True
        } else {
            self.globs.is_match(path)
        };
        for (pattern, attrs) in &self.variables {
            if truth == Truth::True {
                break;
            }
            let mut values: SmallVec<[&str; 2]> = SmallVec::new();
            let mut missing = false;
            for attr in attrs {
                match attr.read(request, now) {
                    Some(crate::condition::Val::Str(s)) => values.push(s),
                    _ => missing = true,
                }
            }
            truth = truth.or(if missing {
                Truth::Unknown
            } else {
                Truth::known(pattern.is_match(path, &values))
            });
        }
        if self.negated { truth.not() } else { truth }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::index::{Candidates, Found};

    /// When the index cannot decide the line a statement is filed by (its
    /// glob matcher left the match undecided), the line is unknown: a deny
    /// then applies and an allow does not, as for a missing value.
    #[test]
    fn an_undecided_filed_line_makes_a_deny_apply_and_an_allow_not() {
        let engine = Engine::compile_str(
            "t.policy",
            r#"policy "p" {
              deny "d" { principal * action * resource prod/[a-z]*x }
              allow "a" { principal * action * resource prod/[a-z]*x }
            }"#,
        )
        .unwrap();
        let request = Request::new("user:a", "read", "prod/bx");
        let now = Utc::now();
        let undecided = Candidates {
            undecided: SmallVec::from_slice(&[0, 1]),
            ..Candidates::default()
        };
        assert!(undecided.iter().all(|(_, found)| found == Found::Undecided));
        for (id, statement) in (0u32..).zip(&engine.statements) {
            assert_eq!(statement.filed, Some(Line::Resource));
            assert_eq!(undecided.matched(id, Line::Resource), Truth::Unknown);
            let truth = statement.applies(&engine.shared, &request, now, &|line| {
                Found::Undecided.truth(line)
            });
            assert_eq!(truth, Truth::Unknown, "{:?}", statement.effect);
            // And decided, the same lines match.
            let decided = statement.applies(&engine.shared, &request, now, &|line| {
                Found::Line(Line::Resource).truth(line)
            });
            assert_eq!(decided, Truth::True);
        }
        assert_eq!(engine.decide_at(&request, now).outcome, Outcome::Deny);
    }
}
