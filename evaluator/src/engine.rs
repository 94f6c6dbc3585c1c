//! The compiled engine: a flat statement table, indexes that hold statement
//! ids, and one function that decides.

use crate::compile::{CompileError, GlobBank};
use crate::condition::{Attr, Cond, Problem, Truth};
use crate::decision::*;
use crate::glob::VariablePattern;
use crate::limits::Limits;
use crate::request::Request;
use chrono::{DateTime, Utc};
use globset::{Glob, GlobBuilder};
use policy_lang::{BlockKind, Effect, Matcher, Pattern, PolicyFile, Span, Statement};
use smallvec::SmallVec;
use std::cell::RefCell;
use std::collections::HashMap;

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
    /// Static resource globs of indexed statements.
    resource_index: ResourceIndex,
    /// Statements not in the resource index, by exact action.
    by_action: HashMap<Box<str>, Vec<u32>>,
    /// Statements found by neither index: checked on every request.
    always: Vec<u32>,
    files: Vec<PolicyFile>,
    /// `sha256:HEX` over the sources' names and texts.
    revision: String,
    /// The limits it was compiled under; requests are read under its
    /// request limits.
    limits: Limits,
}

#[derive(Debug)]
struct CompiledStatement {
    effect: Effect,
    policy: Box<str>,
    name: Box<str>,
    principal: NameMatcher,
    action: NameMatcher,
    /// `None` when the resource index matches the resource line.
    resource: Option<ResourceMatcher>,
    /// `(holds when true, condition)`: `when` blocks must be true, `unless` blocks false.
    blocks: Vec<(BlockKind, Cond)>,
    /// Text of each matcher line, for explanations.
    lines: [Box<str>; 3],
}

/// See [`Engine::revision`].
fn revision_of(sources: &[Source]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for source in sources {
        hasher.update((source.text.len() as u64).to_le_bytes());
        hasher.update(source.text.as_bytes());
    }
    let digest = hasher.finalize();
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in digest {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

thread_local! {
    static MATCHED_GLOBS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
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
        Engine::from_files(files, sources, limits)
    }

    /// Compiles one source; a shorthand for [`Engine::compile`].
    pub fn compile_str(name: &str, text: &str) -> Result<Engine, CompileError> {
        Engine::compile(&[Source::new(name, text)])
    }

    fn from_files(
        files: Vec<PolicyFile>,
        sources: &[Source],
        limits: &Limits,
    ) -> Result<Engine, CompileError> {
        let mut statements = Vec::new();
        let mut globs = Vec::new();
        let mut by_action: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut always = Vec::new();
        let mut errors = Vec::new();
        for (file, source) in files.iter().zip(sources) {
            let mut problems = Vec::new();
            for policy in &file.policies {
                for statement in &policy.statements {
                    let Ok(id) = u32::try_from(statements.len()) else {
                        problems.push(Problem {
                            span: statement.name_span,
                            message: format!("a policy set holds at most {} statements", u32::MAX),
                        });
                        break;
                    };
                    let indexed = indexable_resource_globs(&statement.resource);
                    let by_index = matches!(indexed, Ok(Some(_)));
                    let compiled = match CompiledStatement::new(
                        &policy.name,
                        statement,
                        source.text,
                        by_index,
                    ) {
                        Ok(compiled) => compiled,
                        Err(problem) => {
                            problems.push(problem);
                            continue;
                        }
                    };
                    match indexed {
                        Ok(Some(static_globs)) => globs.extend(
                            static_globs
                                .into_iter()
                                .map(|(glob, span)| (glob, id, span, errors.len())),
                        ),
                        Err(problem) => problems.push(problem),
                        Ok(None) => match exact_actions(&statement.action) {
                            Some(actions) => actions.into_iter().for_each(|action| {
                                by_action.entry(action.into()).or_default().push(id)
                            }),
                            None => always.push(id),
                        },
                    }
                    statements.push(compiled);
                }
            }
            errors.push(problems);
        }
        for ids in by_action.values_mut() {
            ids.dedup();
        }
        let resource_index = match ResourceIndex::build(&globs) {
            Ok(index) => index,
            Err((file, problem)) => {
                if let Some(problems) = errors.get_mut(file) {
                    problems.push(problem);
                }
                ResourceIndex::default()
            }
        };
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
        Ok(Engine {
            statements,
            resource_index,
            by_action,
            always,
            files,
            revision: revision_of(sources),
            limits: limits.clone(),
        })
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

    /// The parsed policy files the engine was compiled from.
    pub fn files(&self) -> &[PolicyFile] {
        &self.files
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
        let mut denies: SmallVec<[u32; 4]> = SmallVec::new();
        let mut allows: SmallVec<[u32; 4]> = SmallVec::new();
        let mut consider = |id: u32, resource_known: bool| {
            // Every id comes from the engine's own tables; were one ever not
            // to name a statement, the decision would deny rather than skip.
            let truth = self
                .statements
                .get(id as usize)
                .map_or(Truth::Unknown, |s| {
                    s.applies(request, now, resource_known.then_some(Truth::True))
                });
            let effect = self
                .statements
                .get(id as usize)
                .map_or(Effect::Deny, |s| s.effect);
            match (effect, truth) {
                (Effect::Deny, Truth::True | Truth::Unknown) => denies.push(id),
                (Effect::Allow, Truth::True) => allows.push(id),
                _ => {}
            }
        };
        let mut candidates: SmallVec<[u32; 32]> = SmallVec::new();
        let path = request.resource.path.as_str();
        MATCHED_GLOBS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                self.resource_index
                    .matches_into(path, &mut scratch, &mut candidates)
            }
            // Only reentrance could hold the buffer; a fresh one is as exact.
            Err(_) => self
                .resource_index
                .matches_into(path, &mut Vec::new(), &mut candidates),
        });
        candidates.sort_unstable();
        candidates.dedup();
        candidates.iter().for_each(|&id| consider(id, true));
        if let Some(ids) = self.by_action.get(request.action.as_str()) {
            ids.iter().for_each(|&id| consider(id, false));
        }
        self.always.iter().for_each(|&id| consider(id, false));

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
        // Statements matched by resource through the index, as `decide` finds them.
        let mut indexed: SmallVec<[u32; 32]> = SmallVec::new();
        let path = request.resource.path.as_str();
        self.resource_index
            .matches_into(path, &mut Vec::new(), &mut indexed);
        indexed.sort_unstable();
        let statements = self
            .statements
            .iter()
            .zip(0u32..)
            .filter_map(|(statement, id)| {
                let hit = indexed.binary_search(&id).is_ok();
                statement.report(self.reference(id)?, request, now, hit)
            })
            .collect();
        Explanation {
            decision,
            statements,
        }
    }

    fn reference(&self, id: u32) -> Option<StatementRef<'_>> {
        self.statements.get(id as usize).map(|s| StatementRef {
            policy: &s.policy,
            statement: &s.name,
        })
    }
}

/// The static globs of a resource line with their spans, or `None` when the
/// line cannot be indexed by resource (negated, match-all, or holding
/// variables).
fn indexable_resource_globs(matcher: &Matcher) -> Result<Option<Vec<(Glob, Span)>>, Problem> {
    if matcher.negated
        || matcher
            .patterns
            .iter()
            .any(|p| p.is_match_all() || p.has_variables())
    {
        return Ok(None);
    }
    matcher
        .patterns
        .iter()
        .map(|p| Ok((resource_glob(p)?, p.span)))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A static resource pattern as a glob (`*` stays inside a segment).
fn resource_glob(pattern: &Pattern) -> Result<Glob, Problem> {
    GlobBuilder::new(&pattern.source_text())
        .literal_separator(true)
        .build()
        .map_err(|e| refused(pattern, &e.kind().to_string()))
}

/// The problem for a pattern the glob engine refuses.
fn refused(pattern: &Pattern, why: &str) -> Problem {
    Problem {
        span: pattern.span,
        message: format!("the pattern cannot be compiled: {why}"),
    }
}

/// Static resource globs, indexed so that a decision costs time linear in
/// the path's length whatever the size of the policy set:
///
/// - a literal glob (`prod/team-17/app-3/db`) by the path it names;
/// - `DIR/**`, with `DIR` literal, by `DIR/`: it matches every path under it;
/// - any other glob by its literal directory, the text up to the last `/`
///   before its first metacharacter (`prod/team-17/` for `prod/team-17/*/db`,
///   `""` for `**/db`), in a small glob bank per directory.
///
/// A path can only match globs whose literal directory is one of its own
/// directory prefixes. The directories form a tree keyed by segment, so a
/// decision walks the path's segments once, hashing each once, and stops at
/// the first directory no glob names (hashing every prefix of a path of
/// 80,000 segments cost seconds).
#[derive(Debug, Default)]
struct ResourceIndex {
    /// Statements with a literal glob, by that path.
    exact: HashMap<Box<str>, Vec<u32>>,
    /// The directory tree; node 0 is the root, the directory `""`.
    dirs: Vec<DirNode>,
}

#[derive(Debug, Default)]
struct DirNode {
    /// Child directories by segment (`team-17` for `prod/team-17/`).
    children: HashMap<Box<str>, usize>,
    /// Statements with the glob `{dir}**`: every path under the directory.
    subtree: Vec<u32>,
    /// The other globs starting with the directory.
    globs: GlobBank,
    /// For each glob in `globs`, the statement it belongs to.
    owners: Vec<u32>,
}

impl ResourceIndex {
    /// The index of `(glob, statement, span, source)` entries, or the first
    /// glob that cannot be built, as a problem in its source.
    fn build(entries: &[(Glob, u32, Span, usize)]) -> Result<ResourceIndex, (usize, Problem)> {
        let mut exact: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        // Each node with its globs and where each came from.
        type Pending = Vec<(Glob, Span, usize)>;
        let mut tree: Vec<(DirNode, Pending)> = vec![Default::default()];
        for (glob, id, span, source) in entries {
            let text = glob.glob();
            if !has_glob_syntax(text) {
                exact.entry(text.into()).or_default().push(*id);
                continue;
            }
            let dir = literal_dir(text);
            let mut node = 0;
            for segment in dir.split_terminator('/') {
                let next = tree.len();
                let parent = &mut tree
                    .get_mut(node)
                    .ok_or_else(|| internal(*source, *span))?
                    .0;
                node = *parent.children.entry(segment.into()).or_insert(next);
                if node == next {
                    tree.push(Default::default());
                }
            }
            let (bucket, globs) = tree.get_mut(node).ok_or_else(|| internal(*source, *span))?;
            if text.get(dir.len()..) == Some("**") {
                bucket.subtree.push(*id);
            } else {
                bucket.owners.push(*id);
                globs.push((glob.clone(), *span, *source));
            }
        }
        let mut dirs = Vec::with_capacity(tree.len());
        for (mut bucket, globs) in tree {
            let only: Vec<Glob> = globs.iter().map(|(g, _, _)| g.clone()).collect();
            bucket.globs = GlobBank::build(&only).map_err(|(i, why)| match globs.get(i) {
                Some((glob, span, source)) => (
                    *source,
                    Problem {
                        span: *span,
                        message: format!("the pattern `{}` cannot be compiled: {why}", glob.glob()),
                    },
                ),
                None => internal(0, Span::default()),
            })?;
            bucket.subtree.dedup();
            dirs.push(bucket);
        }
        for ids in exact.values_mut() {
            ids.dedup();
        }
        Ok(ResourceIndex { exact, dirs })
    }

    /// Appends to `out` every statement with a glob matching `path` (possibly
    /// repeated); `scratch` is reused between glob sets.
    fn matches_into(&self, path: &str, scratch: &mut Vec<usize>, out: &mut SmallVec<[u32; 32]>) {
        if let Some(ids) = self.exact.get(path) {
            out.extend_from_slice(ids);
        }
        let mut candidate = None;
        let mut node = self.dirs.first();
        let mut segments = path.split('/');
        while let Some(bucket) = node {
            out.extend_from_slice(&bucket.subtree);
            if !bucket.globs.is_empty() {
                let candidate = candidate.get_or_insert_with(|| globset::Candidate::new(path));
                bucket.globs.matches_into(candidate, scratch, |glob| {
                    out.extend(bucket.owners.get(glob).copied());
                });
            }
            // The last piece of the path is its name, not a directory.
            node = match (segments.next(), segments.clone().next()) {
                (Some(segment), Some(_)) => bucket
                    .children
                    .get(segment)
                    .and_then(|&child| self.dirs.get(child)),
                _ => None,
            };
        }
    }
}

/// A broken invariant of the index, reported as a compile error rather
/// than a pattern left out.
fn internal(source: usize, span: Span) -> (usize, Problem) {
    (
        source,
        Problem {
            span,
            message: "internal error while indexing this pattern; please report it".into(),
        },
    )
}

/// The literal directory of a glob: up to and including the last `/` before
/// its first metacharacter.
fn literal_dir(glob: &str) -> &str {
    let literal = glob
        .find(GLOB_SYNTAX)
        .and_then(|i| glob.get(..i))
        .unwrap_or(glob);
    literal
        .rfind('/')
        .and_then(|i| literal.get(..=i))
        .unwrap_or("")
}

/// The actions of an action line, when every pattern is an exact name.
fn exact_actions(matcher: &Matcher) -> Option<Vec<String>> {
    if matcher.negated {
        return None;
    }
    matcher
        .patterns
        .iter()
        .map(|p| {
            let text = p.source_text();
            (!has_glob_syntax(&text)).then_some(text)
        })
        .collect()
}

/// The characters that make a pattern more than a literal name.
const GLOB_SYNTAX: [char; 7] = ['*', '?', '[', ']', '{', '}', '\\'];

fn has_glob_syntax(text: &str) -> bool {
    text.contains(GLOB_SYNTAX)
}

impl CompiledStatement {
    /// The compiled statement; `by_index` when the resource index matches
    /// its resource line (then it keeps no matcher of its own for it).
    fn new(
        policy: &str,
        statement: &Statement,
        source: &str,
        by_index: bool,
    ) -> Result<CompiledStatement, Problem> {
        let mut blocks = Vec::with_capacity(statement.conditions.len());
        for block in &statement.conditions {
            let all = block
                .exprs
                .iter()
                .map(|e| Cond::compile(e, source))
                .collect::<Result<_, _>>()?;
            blocks.push((block.kind, Cond::All(all)));
        }
        let line =
            |m: &Matcher| -> Box<str> { source.get(m.span.start..m.span.end).unwrap_or("").into() };
        Ok(CompiledStatement {
            effect: statement.effect,
            policy: policy.into(),
            name: statement.name.as_str().into(),
            principal: NameMatcher::new(&statement.principal)?,
            action: NameMatcher::new(&statement.action)?,
            resource: match by_index {
                true => None,
                false => Some(ResourceMatcher::new(&statement.resource)?),
            },
            blocks,
            lines: [
                line(&statement.principal),
                line(&statement.action),
                line(&statement.resource),
            ],
        })
    }

    /// Whether the statement applies, in three-valued logic; `resource` is
    /// the resource line's truth when the caller knows it (from the index).
    fn applies(&self, request: &Request, now: DateTime<Utc>, resource: Option<Truth>) -> Truth {
        if !self.action.matches(&request.action, &[]) {
            return Truth::False;
        }
        if !self
            .principal
            .matches(&request.principal.id, &request.principal.groups)
        {
            return Truth::False;
        }
        // A statement matched through the index has no matcher here; asked
        // without the index's answer it fails closed.
        let mut truth = resource.unwrap_or_else(|| {
            self.resource
                .as_ref()
                .map_or(Truth::Unknown, |m| m.matches(request, now))
        });
        for (kind, cond) in &self.blocks {
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
        statement: StatementRef<'e>,
        request: &Request,
        now: DateTime<Utc>,
        index_hit: bool,
    ) -> Option<StatementReport<'e>> {
        let principal = self
            .principal
            .matches(&request.principal.id, &request.principal.groups);
        let action = self.action.matches(&request.action, &[]);
        let resource = match &self.resource {
            Some(matcher) => matcher.matches(request, now),
            None => Truth::from_bool(index_hit),
        };
        let matched =
            usize::from(principal) + usize::from(action) + usize::from(resource == Truth::True);
        let truth = self.applies(request, now, Some(resource));
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
        if !principal {
            let mut actual = request.principal.id.clone();
            if !request.principal.groups.is_empty() {
                actual = format!("{actual} (groups: {})", request.principal.groups.join(", "));
            }
            line_failure(Part::Principal, &self.lines[0], actual, false);
        }
        if !action {
            line_failure(Part::Action, &self.lines[1], request.action.clone(), false);
        }
        if resource != Truth::True {
            line_failure(
                Part::Resource,
                &self.lines[2],
                request.resource.path.clone(),
                resource == Truth::Unknown,
            );
        }
        for (kind, cond) in &self.blocks {
            let mut leaves = Vec::new();
            cond.leaves(request, now, &mut leaves);
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

    fn matches(&self, id: &str, groups: &[String]) -> bool {
        let hit = self.ids.matches(id)
            || (!self.groups.is_empty() && groups.iter().any(|g| self.groups.matches(g)));
        hit != self.negated
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
            let text = pattern.source_text();
            if text == "*" || text == "**" {
                set.everything = true;
            } else if !has_glob_syntax(&text) {
                set.exact.push(text.into());
            } else if let Some(prefix) = text.strip_suffix('*').filter(|p| !has_glob_syntax(p)) {
                set.prefixes.push(prefix.into());
            } else {
                let glob = GlobBuilder::new(&text)
                    .build()
                    .map_err(|e| refused(pattern, &e.kind().to_string()))?;
                globs.push(glob);
                owners.push(*pattern);
            }
        }
        set.globs = GlobBank::build(&globs).map_err(|(i, why)| match owners.get(i) {
            Some(pattern) => refused(pattern, &why),
            None => Problem {
                span: Span::default(),
                message: format!("a pattern cannot be compiled: {why}"),
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

    fn matches(&self, name: &str) -> bool {
        self.everything
            || self.exact.iter().any(|e| **e == *name)
            || self.prefixes.iter().any(|p| name.starts_with(&**p))
            || self.globs.is_match(name)
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
            let text = pattern.source_text();
            if pattern.is_match_all() {
                everything = true;
            } else if !pattern.has_variables() && !has_glob_syntax(&text) {
                exact.push(text.into());
            } else if let Some(dir) = text
                .strip_suffix("**")
                .filter(|d| d.ends_with('/') && !has_glob_syntax(d))
            {
                subtrees.push(dir.into());
            } else if pattern.has_variables() {
                let compiled = VariablePattern::new(&pattern.parts);
                let attrs = compiled
                    .variables
                    .iter()
                    .map(|k| Attr::new(&k.path, 0))
                    .collect();
                variables.push((compiled, attrs));
            } else {
                statics.push(resource_glob(pattern)?);
                owners.push(pattern);
            }
        }
        let globs = GlobBank::build(&statics).map_err(|(i, why)| match owners.get(i) {
            Some(pattern) => refused(pattern, &why),
            None => Problem {
                span: matcher.span,
                message: format!("a pattern cannot be compiled: {why}"),
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
        let mut truth = Truth::from_bool(
            self.everything
                || self.exact.iter().any(|e| **e == *path)
                || self.subtrees.iter().any(|d| path.starts_with(&**d))
                || self.globs.is_match(path),
        );
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
                Truth::from_bool(pattern.is_match(path, &values))
            });
        }
        if self.negated { truth.not() } else { truth }
    }
}
