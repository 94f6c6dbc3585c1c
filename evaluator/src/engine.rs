//! The compiled engine: a flat statement table, indexes that hold statement
//! ids, and one function that decides.

use crate::condition::{Attr, Cond, Truth};
use crate::decision::*;
use crate::glob::VariablePattern;
use crate::request::Request;
use chrono::{DateTime, Utc};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use policy_lang::{BlockKind, Effect, Matcher, ParseError, Pattern, PolicyFile, Statement};
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
}

#[derive(Debug)]
struct CompiledStatement {
    effect: Effect,
    policy: Box<str>,
    name: Box<str>,
    principal: NameMatcher,
    action: NameMatcher,
    resource: ResourceMatcher,
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
    /// Parses, checks and compiles policy sources into an engine.
    ///
    /// Every problem in every source is returned at once.
    pub fn compile(sources: &[Source]) -> Result<Engine, ParseError> {
        let pairs: Vec<(&str, &str)> = sources.iter().map(|s| (s.name, s.text)).collect();
        let files = policy_lang::parse_set(&pairs)?;
        Ok(Engine::from_files(files, sources))
    }

    /// Compiles one source; a shorthand for [`Engine::compile`].
    pub fn compile_str(name: &str, text: &str) -> Result<Engine, ParseError> {
        Engine::compile(&[Source::new(name, text)])
    }

    fn from_files(files: Vec<PolicyFile>, sources: &[Source]) -> Engine {
        let mut statements = Vec::new();
        let mut globs = Vec::new();
        let mut by_action: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut always = Vec::new();
        for (file, source) in files.iter().zip(sources) {
            for policy in &file.policies {
                for statement in &policy.statements {
                    let Ok(id) = u32::try_from(statements.len()) else {
                        continue;
                    };
                    let compiled = CompiledStatement::new(&policy.name, statement, source.text);
                    let static_globs = indexable_resource_globs(&statement.resource);
                    if let Some(static_globs) = static_globs {
                        globs.extend(static_globs.into_iter().map(|glob| (glob, id)));
                    } else if let Some(actions) = exact_actions(&statement.action) {
                        for action in actions {
                            by_action.entry(action.into()).or_default().push(id);
                        }
                    } else {
                        always.push(id);
                    }
                    statements.push(compiled);
                }
            }
        }
        for ids in by_action.values_mut() {
            ids.dedup();
        }
        // Statements whose glob bucket cannot be built are checked on every
        // request rather than silently never.
        let (resource_index, unindexed) = ResourceIndex::build(globs);
        always.extend(unindexed);
        always.sort_unstable();
        always.dedup();
        Engine {
            statements,
            resource_index,
            by_action,
            always,
            files,
            revision: revision_of(sources),
        }
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
            let Some(statement) = self.statements.get(id as usize) else {
                return;
            };
            let truth = statement.applies(request, now, resource_known);
            match (statement.effect, truth) {
                (Effect::Deny, Truth::True | Truth::Unknown) => denies.push(id),
                (Effect::Allow, Truth::True) => allows.push(id),
                _ => {}
            }
        };
        let mut candidates: SmallVec<[u32; 32]> = SmallVec::new();
        MATCHED_GLOBS.with(|cell| {
            let Ok(mut matched) = cell.try_borrow_mut() else {
                return;
            };
            self.resource_index.matches_into(
                request.resource.path.as_str(),
                &mut matched,
                &mut candidates,
            );
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
        let statements = self
            .statements
            .iter()
            .enumerate()
            .filter_map(|(id, statement)| {
                let reference = self.reference(u32::try_from(id).ok()?)?;
                statement.report(reference, request, now)
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

/// The static globs of a resource line, or `None` when the line cannot be
/// indexed by resource (negated, match-all, or holding variables).
fn indexable_resource_globs(matcher: &Matcher) -> Option<Vec<globset::Glob>> {
    if matcher.negated
        || matcher
            .patterns
            .iter()
            .any(|p| p.is_match_all() || p.has_variables())
    {
        return None;
    }
    matcher
        .patterns
        .iter()
        .map(|p| {
            GlobBuilder::new(&p.source_text())
                .literal_separator(true)
                .build()
                .ok()
        })
        .collect()
}

/// Static resource globs, indexed so that a decision costs a few hash lookups
/// per path segment whatever the size of the policy set:
///
/// - a literal glob (`prod/team-17/app-3/db`) by the path it names;
/// - `DIR/**`, with `DIR` literal, by `DIR/`: it matches every path under it;
/// - any other glob by its literal directory, the text up to the last `/`
///   before its first metacharacter (`prod/team-17/` for `prod/team-17/*/db`,
///   `""` for `**/db`), in a small `GlobSet` per directory.
///
/// A path can only match globs whose literal directory is one of its own
/// directory prefixes, so a decision looks up one bucket per path segment.
/// (One `GlobSet` over every glob costs time linear in its regex-backed globs
/// on each match, and fails to build past some tens of thousands of them.)
#[derive(Debug)]
struct ResourceIndex {
    /// Statements with a literal glob, by that path.
    exact: HashMap<Box<str>, Vec<u32>>,
    /// The other globs, by literal directory.
    dirs: HashMap<Box<str>, DirBucket>,
}

#[derive(Debug, Default)]
struct DirBucket {
    /// Statements with the glob `{dir}**`: every path under the directory.
    subtree: Vec<u32>,
    /// The other globs starting with the directory.
    globs: Option<GlobSet>,
    /// For each glob in `globs`, the statement it belongs to.
    owners: Vec<u32>,
}

impl ResourceIndex {
    /// The index of `(glob, statement)` pairs, and the statements whose glob
    /// set could not be built (they must be checked some other way).
    fn build(entries: Vec<(globset::Glob, u32)>) -> (ResourceIndex, Vec<u32>) {
        let mut exact: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut dirs: HashMap<Box<str>, DirBucket> = HashMap::new();
        let mut builders: HashMap<Box<str>, GlobSetBuilder> = HashMap::new();
        for (glob, id) in entries {
            let text = glob.glob();
            if !has_glob_syntax(text) {
                exact.entry(text.into()).or_default().push(id);
                continue;
            }
            let dir = literal_dir(text);
            let bucket = dirs.entry(dir.into()).or_default();
            if text.get(dir.len()..) == Some("**") {
                bucket.subtree.push(id);
            } else {
                bucket.owners.push(id);
                builders
                    .entry(dir.into())
                    .or_insert_with(GlobSetBuilder::new)
                    .add(glob);
            }
        }
        let mut failed = Vec::new();
        for (dir, builder) in builders {
            let Some(bucket) = dirs.get_mut(&dir) else {
                continue;
            };
            match builder.build() {
                Ok(globs) => bucket.globs = Some(globs),
                Err(_) => failed.append(&mut bucket.owners),
            }
        }
        for ids in exact
            .values_mut()
            .chain(dirs.values_mut().map(|b| &mut b.subtree))
        {
            ids.dedup();
        }
        (ResourceIndex { exact, dirs }, failed)
    }

    /// Appends to `out` every statement with a glob matching `path` (possibly
    /// repeated); `scratch` is reused between glob sets.
    fn matches_into(&self, path: &str, scratch: &mut Vec<usize>, out: &mut SmallVec<[u32; 32]>) {
        if let Some(ids) = self.exact.get(path) {
            out.extend_from_slice(ids);
        }
        if self.dirs.is_empty() {
            return;
        }
        let mut candidate = None;
        let dirs = std::iter::once(0).chain(path.match_indices('/').map(|(i, _)| i + 1));
        for end in dirs {
            let Some(bucket) = path.get(..end).and_then(|dir| self.dirs.get(dir)) else {
                continue;
            };
            out.extend_from_slice(&bucket.subtree);
            if let Some(globs) = &bucket.globs {
                let candidate = candidate.get_or_insert_with(|| globset::Candidate::new(path));
                globs.matches_candidate_into(candidate, scratch);
                out.extend(
                    scratch
                        .iter()
                        .filter_map(|&glob| bucket.owners.get(glob).copied()),
                );
            }
        }
    }
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
    fn new(policy: &str, statement: &Statement, source: &str) -> CompiledStatement {
        let blocks = statement
            .conditions
            .iter()
            .map(|block| {
                let all = block
                    .exprs
                    .iter()
                    .map(|e| Cond::compile(e, source))
                    .collect();
                (block.kind, Cond::All(all))
            })
            .collect();
        let line =
            |m: &Matcher| -> Box<str> { source.get(m.span.start..m.span.end).unwrap_or("").into() };
        CompiledStatement {
            effect: statement.effect,
            policy: policy.into(),
            name: statement.name.as_str().into(),
            principal: NameMatcher::new(&statement.principal),
            action: NameMatcher::new(&statement.action),
            resource: ResourceMatcher::new(&statement.resource),
            blocks,
            lines: [
                line(&statement.principal),
                line(&statement.action),
                line(&statement.resource),
            ],
        }
    }

    /// Whether the statement applies, in three-valued logic.
    fn applies(&self, request: &Request, now: DateTime<Utc>, resource_known: bool) -> Truth {
        if !self.action.matches(&request.action, &[]) {
            return Truth::False;
        }
        if !self
            .principal
            .matches(&request.principal.id, &request.principal.groups)
        {
            return Truth::False;
        }
        let mut truth = if resource_known {
            Truth::True
        } else {
            self.resource.matches(request, now)
        };
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
    ) -> Option<StatementReport<'e>> {
        let principal = self
            .principal
            .matches(&request.principal.id, &request.principal.groups);
        let action = self.action.matches(&request.action, &[]);
        let resource = self.resource.matches(request, now);
        let matched =
            usize::from(principal) + usize::from(action) + usize::from(resource == Truth::True);
        let truth = self.applies(request, now, false);
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
    fn new(matcher: &Matcher) -> NameMatcher {
        let (groups, ids): (Vec<&Pattern>, Vec<&Pattern>) =
            matcher.patterns.iter().partition(|p| p.is_group);
        NameMatcher {
            negated: matcher.negated,
            ids: NameSet::new(&ids),
            groups: NameSet::new(&groups),
        }
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
    globs: Option<GlobSet>,
}

impl NameSet {
    fn new(patterns: &[&Pattern]) -> NameSet {
        let mut set = NameSet::default();
        let mut globs = GlobSetBuilder::new();
        let mut any_glob = false;
        for pattern in patterns {
            let text = pattern.source_text();
            if text == "*" || text == "**" {
                set.everything = true;
            } else if !has_glob_syntax(&text) {
                set.exact.push(text.into());
            } else if let Some(prefix) = text.strip_suffix('*').filter(|p| !has_glob_syntax(p)) {
                set.prefixes.push(prefix.into());
            } else if let Ok(glob) = GlobBuilder::new(&text).build() {
                globs.add(glob);
                any_glob = true;
            }
        }
        if any_glob {
            set.globs = globs.build().ok();
        }
        set
    }

    fn is_empty(&self) -> bool {
        !self.everything
            && self.exact.is_empty()
            && self.prefixes.is_empty()
            && self.globs.is_none()
    }

    fn matches(&self, name: &str) -> bool {
        self.everything
            || self.exact.iter().any(|e| **e == *name)
            || self.prefixes.iter().any(|p| name.starts_with(&**p))
            || self.globs.as_ref().is_some_and(|g| g.is_match(name))
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
    globs: Option<GlobSet>,
    variables: Vec<(VariablePattern, Vec<Attr>)>,
}

impl ResourceMatcher {
    fn new(matcher: &Matcher) -> ResourceMatcher {
        let mut everything = false;
        let mut exact = Vec::new();
        let mut subtrees = Vec::new();
        let mut statics = GlobSetBuilder::new();
        let mut any_static = false;
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
            } else if let Ok(glob) = GlobBuilder::new(&text).literal_separator(true).build() {
                // The parser built this same glob, so it cannot fail here.
                statics.add(glob);
                any_static = true;
            }
        }
        ResourceMatcher {
            negated: matcher.negated,
            everything,
            exact,
            subtrees,
            globs: if any_static {
                statics.build().ok()
            } else {
                None
            },
            variables,
        }
    }

    fn matches(&self, request: &Request, now: DateTime<Utc>) -> Truth {
        let path = request.resource.path.as_str();
        let mut truth = Truth::from_bool(
            self.everything
                || self.exact.iter().any(|e| **e == *path)
                || self.subtrees.iter().any(|d| path.starts_with(&**d))
                || self.globs.as_ref().is_some_and(|g| g.is_match(path)),
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
