//! Candidate selection: for a request, the statements that could apply to it,
//! found without scanning the set.
//!
//! Every statement is filed under exactly one dimension, the one that
//! narrows it best:
//!
//! - **resource**: its static resource globs ([`ResourceIndex`]);
//! - **action**: its action patterns, exact names in a hash map, prefixes
//!   (`secrets:Get*`) by length, other globs in glob sets;
//! - **principal**: the same, for principal ids and, separately, groups;
//! - **condition**: a `when` conjunct `key == "v"` or `key in ["v", ...]`
//!   ([`AttrIndex`]), by value;
//! - **always**: none of these narrows it (`principal *`, `action *`,
//!   `resource **`, negated lines, variables): checked on every request.
//!
//! A dimension narrows a statement by the keys it is filed under. Of the
//! dimensions a statement can be filed under, the one whose keys are shared
//! by the fewest statements is chosen (exact keys before prefixes, prefixes
//! before other globs), so that N statements on one path keyed by principal
//! are filed by principal and N statements of one principal on their own
//! subtrees by resource.
//!
//! An index may return a statement that does not apply (the engine checks
//! every candidate whole), but never leaves out one that might: a key is only
//! skipped when the request's value makes the statement false.

use crate::compile::{BankGlob, GlobBank, Problem};
use crate::condition::{Attr, Cond, Lit, Test, Truth, Val};
use crate::glob::GlobSyntax;
use crate::request::Request;
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use globset::{Candidate, Glob, GlobBuilder};
use policy_lang::{
    BlockKind, Effect, Matcher, Pattern, PatternNode, Span, Statement, pattern_text,
};
use smallvec::SmallVec;
use std::sync::Arc;

/// Candidate statement ids, sorted and without repeats.
pub(crate) type Ids = SmallVec<[u32; 32]>;

/// The statements filed under one key: most keys file one or a few, held
/// inline (in the space of an empty `Vec`) rather than in an allocation of
/// their own.
type Bucket = SmallVec<[u32; 4]>;

/// A statement's keys in one dimension: most lines hold one pattern.
type Keys<T> = SmallVec<[T; 1]>;

/// A name pattern (principal id, group or action) by how it can be looked
/// up, borrowing the pattern's nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NameKey<'a> {
    /// `*` or `**`: every name.
    Everything,
    /// A literal: the name itself.
    Exact(&'a str),
    /// `PREFIX*` with a literal prefix: every name starting with it.
    Prefix(&'a str),
    /// Any other glob, by its nodes.
    Glob(&'a [PatternNode]),
}

impl<'a> NameKey<'a> {
    pub(crate) fn of(pattern: &'a Pattern) -> NameKey<'a> {
        match pattern.nodes.as_slice() {
            [PatternNode::Star | PatternNode::DoubleStar] => NameKey::Everything,
            [PatternNode::Literal(name)] => NameKey::Exact(name),
            [PatternNode::Literal(prefix), PatternNode::Star] => NameKey::Prefix(prefix),
            nodes => NameKey::Glob(nodes),
        }
    }

    /// The glob of a name pattern (`*` crosses `/` in names), read with
    /// [`NAME_SYNTAX`] from the text printed from its nodes.
    pub(crate) fn glob(nodes: &[PatternNode]) -> Result<Glob, String> {
        GlobBuilder::new(&pattern_text(nodes))
            .build()
            .map_err(|e| e.kind().to_string())
    }

    /// How many requests one key can be expected to admit, relatively.
    fn breadth(&self) -> u64 {
        match self {
            NameKey::Everything => u64::MAX,
            NameKey::Exact(_) => 1,
            NameKey::Prefix(_) => 2,
            NameKey::Glob(_) => 3,
        }
    }
}

/// A static resource pattern by how it can be looked up, borrowing the
/// pattern's nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ResourceKey<'a> {
    /// A literal: the path itself.
    Exact(&'a str),
    /// `DIR/**` with a literal `DIR/`: every path under it.
    Subtree(&'a str),
    /// Any other glob, by its nodes.
    Glob(&'a [PatternNode]),
}

impl<'a> ResourceKey<'a> {
    fn of(nodes: &'a [PatternNode]) -> ResourceKey<'a> {
        if let [PatternNode::Literal(path)] = nodes {
            ResourceKey::Exact(path)
        } else if let Some(dir) = subtree(nodes) {
            ResourceKey::Subtree(dir)
        } else {
            ResourceKey::Glob(nodes)
        }
    }

    /// How broad the key is, relatively (see [`NameKey::breadth`]).
    fn breadth(&self) -> u64 {
        match self {
            ResourceKey::Exact(_) => 1,
            ResourceKey::Subtree(_) => 2,
            ResourceKey::Glob(_) => 3,
        }
    }
}

/// The directory `DIR/` of a pattern `DIR/**` whose `DIR` is literal.
pub(crate) fn subtree(nodes: &[PatternNode]) -> Option<&str> {
    match nodes {
        [PatternNode::Literal(dir), PatternNode::DoubleStar] if dir.ends_with('/') => Some(dir),
        _ => None,
    }
}

/// The ways one statement could be filed, each as its keys.
struct Options<'a> {
    /// `(key, span)`.
    resource: Option<Keys<(ResourceKey<'a>, Span)>>,
    /// `(is_group, key)`; `is_group` is always false for actions.
    action: Option<Keys<(bool, NameKey<'a>, Span)>>,
    principal: Option<Keys<(bool, NameKey<'a>, Span)>>,
    /// Each indexable `when` conjunct: the attribute and its values.
    conditions: SmallVec<[Conjunct<'a>; 1]>,
}

/// A `when` conjunct comparing an attribute with string literals: the
/// attribute, whether both sides are compared ASCII lower-cased (`ilike`
/// with plain patterns), and the literals (lower-cased then), each a whole
/// value or (`true`) a prefix, borrowed from the compiled condition.
type Conjunct<'a> = (&'a Attr, bool, Keys<(bool, &'a Arc<str>)>);

/// A key as counted across the set: which dimension, and its text.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Counted<'a> {
    Resource(ResourceKey<'a>),
    Action(NameKey<'a>),
    Principal(bool, NameKey<'a>),
    Condition(&'a Attr, bool, bool, &'a str),
}

/// The dimension a statement is filed under, with its keys.
pub(crate) enum Filing<'a> {
    Resource(Keys<(ResourceKey<'a>, Span)>),
    Action(Keys<(bool, NameKey<'a>, Span)>),
    Principal(Keys<(bool, NameKey<'a>, Span)>),
    Condition(Conjunct<'a>),
    Always,
}

/// Collects statements, then files each under its best dimension.
#[derive(Default)]
pub(crate) struct IndexBuilder<'a> {
    /// `(statement, effect, source, options)`.
    pending: Vec<(u32, Effect, usize, Options<'a>)>,
}

impl<'a> IndexBuilder<'a> {
    /// A builder with room for `statements`.
    pub(crate) fn with_capacity(statements: usize) -> IndexBuilder<'a> {
        IndexBuilder {
            pending: Vec::with_capacity(statements),
        }
    }

    /// Adds a statement (checked, and compiled as `conditions`) from source
    /// number `source`.
    pub(crate) fn add(
        &mut self,
        id: u32,
        source: usize,
        statement: &'a Statement,
        conditions: &'a [(BlockKind, Cond)],
    ) {
        let options = Options {
            resource: resource_keys(&statement.resource),
            action: name_keys(&statement.action),
            principal: name_keys(&statement.principal),
            conditions: equality_conjuncts(conditions),
        };
        self.pending.push((id, statement.effect, source, options));
    }

    /// Chooses each statement's filing and builds the index; says, in the
    /// order the statements were added, which line (if any) the index
    /// matches for each: the statement then needs no matcher of its own for
    /// it.
    /// Problems (globs the engine refuses) come with their source number.
    #[allow(clippy::type_complexity)]
    pub(crate) fn build(self) -> Result<(Index, Vec<Option<Line>>), Vec<(usize, Problem)>> {
        // Each distinct key gets a slot counting the statements filed under
        // it; each statement's keys are visited twice in the same order (to
        // count, then to weigh), the second time reading the slots noted the
        // first, without hashing again.
        let mut slots: HashMap<Counted, usize> =
            HashMap::with_capacity_and_hasher(self.pending.len(), Default::default());
        let mut counts: Vec<u64> = Vec::new();
        let mut key_slots: Vec<usize> = Vec::with_capacity(self.pending.len() * 3);
        let mut count_key = |key: Counted<'a>| {
            let slot = *slots.entry(key).or_insert(counts.len());
            match counts.get_mut(slot) {
                Some(count) => *count += 1,
                None => counts.push(1),
            }
            key_slots.push(slot);
        };
        for (_, _, _, options) in &self.pending {
            for (key, _) in options.resource.iter().flatten() {
                count_key(Counted::Resource(*key));
            }
            for (_, key, _) in options.action.iter().flatten() {
                count_key(Counted::Action(*key));
            }
            for (group, key, _) in options.principal.iter().flatten() {
                count_key(Counted::Principal(*group, *key));
            }
            for (attr, folded, values) in &options.conditions {
                for (prefix, value) in values {
                    count_key(Counted::Condition(attr, *folded, *prefix, value));
                }
            }
        }
        drop(slots);
        // The counts of the keys in the order they were visited. (Each
        // visited key has a counted slot: the default never applies, and a
        // count only steers which dimension files a statement, never whether
        // it is a candidate.)
        let mut visited = key_slots
            .iter()
            .map(|&slot| counts.get(slot).copied().unwrap_or(1));
        let mut count = || visited.next().unwrap_or(1);
        let mut choices = Vec::with_capacity(self.pending.len());
        for (_, _, _, options) in &self.pending {
            // The cost of a dimension: the statements sharing each key,
            // weighted by how broad the key is, summed over the keys.
            let mut best: (u64, usize) = (u64::MAX, usize::MAX);
            let mut consider = |cost: u64, choice: usize| {
                if cost < best.0 {
                    best = (cost, choice);
                }
            };
            if let Some(keys) = &options.resource {
                consider(
                    keys.iter()
                        .map(|(key, _)| count().saturating_mul(key.breadth()))
                        .fold(0, u64::saturating_add),
                    0,
                );
            }
            if let Some(keys) = &options.action {
                consider(
                    keys.iter()
                        .map(|(_, key, _)| count().saturating_mul(key.breadth()))
                        .fold(0, u64::saturating_add),
                    1,
                );
            }
            if let Some(keys) = &options.principal {
                consider(
                    keys.iter()
                        .map(|(_, key, _)| count().saturating_mul(key.breadth()))
                        .fold(0, u64::saturating_add),
                    2,
                );
            }
            for (n, (_, _, values)) in options.conditions.iter().enumerate() {
                // A prefix admits more values than one value does.
                consider(
                    values
                        .iter()
                        .map(|(prefix, _)| count().saturating_mul(if *prefix { 4 } else { 1 }))
                        .fold(0, u64::saturating_add),
                    3 + n,
                );
            }
            choices.push(best.1);
        }
        drop(counts);
        let mut filings = Vec::with_capacity(self.pending.len());
        let mut by_resource = Vec::with_capacity(self.pending.len());
        for ((id, effect, source, options), choice) in self.pending.into_iter().zip(choices) {
            let filing = match choice {
                0 => options.resource.map(Filing::Resource),
                1 => options.action.map(Filing::Action),
                2 => options.principal.map(Filing::Principal),
                n => n
                    .checked_sub(3)
                    .and_then(|n| options.conditions.into_iter().nth(n))
                    .map(Filing::Condition),
            };
            let filing = filing.unwrap_or(Filing::Always);
            by_resource.push(match filing {
                Filing::Resource(_) => Some(Line::Resource),
                Filing::Action(_) => Some(Line::Action),
                Filing::Principal(_) => Some(Line::Principal),
                Filing::Condition(..) | Filing::Always => None,
            });
            filings.push((id, effect, source, filing));
        }
        Ok((Index::build(filings)?, by_resource))
    }
}

/// The keys of a resource line, or `None` when the line cannot be indexed
/// by resource (negated, match-all, or holding variables).
fn resource_keys(matcher: &Matcher) -> Option<Keys<(ResourceKey<'_>, Span)>> {
    if matcher.negated || matcher.patterns.iter().any(Pattern::is_match_all) {
        return None;
    }
    // A pattern with a variable is no static glob: the line is not indexed.
    matcher
        .patterns
        .iter()
        .map(|p| (!p.has_variables()).then(|| (ResourceKey::of(&p.nodes), p.span)))
        .collect()
}

/// The keys of a principal or action line, or `None` when it admits every
/// name (negated, or holding `*`).
fn name_keys(matcher: &Matcher) -> Option<Keys<(bool, NameKey<'_>, Span)>> {
    if matcher.negated {
        return None;
    }
    // Names hold no variables; were one there, the line is not indexed.
    let keys: Keys<(bool, NameKey, Span)> = matcher
        .patterns
        .iter()
        .map(|p: &Pattern| (!p.has_variables()).then(|| (p.is_group, NameKey::of(p), p.span)))
        .collect::<Option<_>>()?;
    let everything = keys.iter().any(|(_, k, _)| *k == NameKey::Everything);
    (!everything).then_some(keys)
}

/// The `when` conjuncts that compare a value with string literals (`==`,
/// `in`, `like` or `ilike` of plain text or of plain text then one `*`, or
/// an `or` of such tests of one attribute): a request whose value is a
/// string that none of them equals or starts with makes the statement
/// false. A conjunct left out is not filed by, which only means the
/// statement is tried on more requests.
fn equality_conjuncts(blocks: &[(BlockKind, Cond)]) -> SmallVec<[Conjunct<'_>; 1]> {
    /// The literals one test holds its attribute to.
    fn literals<'c>(cond: &'c Cond) -> Option<Conjunct<'c>> {
        let Cond::Test { attr, test, .. } = cond else {
            return None;
        };
        let (folded, values): (bool, Keys<(bool, &Arc<str>)>) = match test {
            Test::Compare(orderings, Lit::Str(value))
                if *orderings == [std::cmp::Ordering::Equal] =>
            {
                (false, smallvec::smallvec![(false, value)])
            }
            Test::OneOf(lits) if !lits.is_empty() => (
                false,
                lits.iter()
                    .map(|lit| match lit {
                        Lit::Str(value) => Some((false, value)),
                        _ => None,
                    })
                    .collect::<Option<_>>()?,
            ),
            Test::Like(_, Some(plain)) => (
                plain.folded,
                plain
                    .values
                    .iter()
                    .map(|v| (false, v))
                    .chain(plain.prefixes.iter().map(|p| (true, p)))
                    .collect(),
            ),
            _ => return None,
        };
        attr.reads_strings().then_some((attr, folded, values))
    }
    fn walk<'c>(cond: &'c Cond, out: &mut SmallVec<[Conjunct<'c>; 1]>) {
        match cond {
            Cond::All(items) => items.iter().for_each(|c| walk(c, out)),
            Cond::Test { .. } => out.extend(literals(cond)),
            // `a or b`: filed by the union when every branch holds the same
            // attribute, read the same way, to literals.
            Cond::Any(items) => {
                let mut branches = items.iter().map(literals);
                let Some(Some((attr, folded, mut values))) = branches.next() else {
                    return;
                };
                for branch in branches {
                    match branch {
                        Some((a, f, more)) if a == attr && f == folded => values.extend(more),
                        _ => return,
                    }
                }
                out.push((attr, folded, values));
            }
            // Two request values compared: nothing to file by.
            // A quantified test reads a set's items, not one value.
            Cond::Not(_) | Cond::Has(_) | Cond::Pair { .. } | Cond::Quantified { .. } => {}
        }
    }
    let mut out = SmallVec::new();
    for (kind, cond) in blocks {
        if *kind == BlockKind::When {
            walk(cond, &mut out);
        }
    }
    out
}

/// The built indexes.
#[derive(Debug, Default)]
pub(crate) struct Index {
    resources: ResourceIndex,
    actions: NameIndex,
    principals: NameIndex,
    groups: NameIndex,
    conditions: Vec<AttrIndex>,
    /// Statements no index narrows.
    always: Vec<u32>,
}

/// A matcher line of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    Principal,
    Action,
    Resource,
}

/// What a request collects from the indexes.
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    /// Filed by resource: their resource line matched.
    pub(crate) by_resource: Ids,
    /// Filed by action: their action line matched.
    pub(crate) by_action: Ids,
    /// Filed by principal: their principal line matched.
    pub(crate) by_principal: Ids,
    /// Filed by condition or always checked: every line still to be checked.
    pub(crate) others: Ids,
    /// Filed by a line whose glob the matcher could not decide: that line is
    /// unknown (so a deny applies), never "not matched".
    pub(crate) undecided: Ids,
}

/// What the index says of a candidate's filed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// The index matched this line.
    Line(Line),
    /// Filed by condition or always checked: the index matched no line.
    Checked,
    /// The index could not decide the statement's filed line.
    Undecided,
}

impl Found {
    /// The truth of `line` by the index, for the line a statement is filed by.
    pub(crate) fn truth(self, line: Line) -> Truth {
        match self {
            Found::Line(matched) => Truth::from_bool(matched == line),
            Found::Checked => Truth::False,
            Found::Undecided => Truth::Unknown,
        }
    }
}

impl Candidates {
    /// Each candidate with what the index found for it.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, Found)> + '_ {
        fn with(ids: &Ids, found: Found) -> impl Iterator<Item = (u32, Found)> + '_ {
            ids.iter().map(move |&id| (id, found))
        }
        with(&self.by_resource, Found::Line(Line::Resource))
            .chain(with(&self.by_action, Found::Line(Line::Action)))
            .chain(with(&self.by_principal, Found::Line(Line::Principal)))
            .chain(with(&self.others, Found::Checked))
            .chain(with(&self.undecided, Found::Undecided))
    }

    /// The truth of `line` for statement `id` by the index: matched, not
    /// matched, or undecided.
    pub(crate) fn matched(&self, id: u32, line: Line) -> Truth {
        let ids = match line {
            Line::Resource => &self.by_resource,
            Line::Action => &self.by_action,
            Line::Principal => &self.by_principal,
        };
        if ids.binary_search(&id).is_ok() {
            Truth::True
        } else if self.undecided.binary_search(&id).is_ok() {
            Truth::Unknown
        } else {
            Truth::False
        }
    }
}

impl Index {
    fn build(
        filings: Vec<(u32, Effect, usize, Filing<'_>)>,
    ) -> Result<Index, Vec<(usize, Problem)>> {
        let mut index = Index::default();
        let mut resources = Vec::new();
        let mut actions = NameIndexBuilder::default();
        let mut principals = NameIndexBuilder::default();
        let mut groups = NameIndexBuilder::default();
        let mut conditions: HashMap<(Attr, bool), AttrIndex> = HashMap::default();
        for (id, effect, source, filing) in filings {
            match filing {
                Filing::Resource(keys) => {
                    resources.extend(keys.into_iter().map(|(key, span)| (key, id, span, source)))
                }
                Filing::Action(keys) => keys
                    .into_iter()
                    .for_each(|(_, key, span)| actions.add(key, id, span, source)),
                Filing::Principal(keys) => keys.into_iter().for_each(|(group, key, span)| {
                    let builder = if group { &mut groups } else { &mut principals };
                    builder.add(key, id, span, source)
                }),
                Filing::Condition((attr, folded, values)) => {
                    let entry =
                        conditions
                            .entry((attr.clone(), folded))
                            .or_insert_with(|| AttrIndex {
                                attr: attr.clone(),
                                folded,
                                by_value: HashMap::default(),
                                by_prefix: Vec::new(),
                                denies: Vec::new(),
                            });
                    for (prefix, value) in values {
                        let map = if prefix {
                            let len = value.len();
                            let at = match entry.by_prefix.binary_search_by_key(&len, |(l, _)| *l) {
                                Ok(at) => at,
                                Err(at) => {
                                    entry.by_prefix.insert(at, (len, HashMap::default()));
                                    at
                                }
                            };
                            match entry.by_prefix.get_mut(at) {
                                Some((_, map)) => map,
                                None => &mut entry.by_value,
                            }
                        } else {
                            &mut entry.by_value
                        };
                        map.entry(value.clone()).or_default().push(id);
                    }
                    if effect == Effect::Deny {
                        entry.denies.push(id);
                    }
                }
                Filing::Always => index.always.push(id),
            }
        }
        let mut problems = Vec::new();
        match ResourceIndex::build(&resources) {
            Ok(built) => index.resources = built,
            Err(problem) => problems.push(problem),
        }
        for (builder, slot) in [
            (actions, &mut index.actions),
            (principals, &mut index.principals),
            (groups, &mut index.groups),
        ] {
            match builder.build() {
                Ok(built) => *slot = built,
                Err(mut more) => problems.append(&mut more),
            }
        }
        index.conditions = conditions.into_values().collect();
        for attr in &mut index.conditions {
            attr.by_value.values_mut().for_each(|ids| ids.dedup());
            for (_, map) in &mut attr.by_prefix {
                map.values_mut().for_each(|ids| ids.dedup());
            }
        }
        if problems.is_empty() {
            Ok(index)
        } else {
            Err(problems)
        }
    }

    /// The statements that could apply to `request`; `scratch` is reused
    /// by glob sets.
    pub(crate) fn candidates(
        &self,
        request: &Request,
        now: DateTime<Utc>,
        scratch: &mut Vec<usize>,
        out: &mut Candidates,
    ) {
        let undecided = &mut out.undecided;
        self.resources.matches_into(
            &request.resource.path,
            scratch,
            &mut out.by_resource,
            undecided,
        );
        self.actions
            .matches_into(&request.action, scratch, &mut out.by_action, undecided);
        let principals = &mut out.by_principal;
        self.principals
            .matches_into(&request.principal.id, scratch, principals, undecided);
        if !self.groups.is_empty() {
            for group in &request.principal.groups {
                self.groups
                    .matches_into(group, scratch, principals, undecided);
            }
        }
        for attr in &self.conditions {
            attr.matches_into(request, now, &mut out.others);
        }
        out.others.extend_from_slice(&self.always);
        for ids in [
            &mut out.by_resource,
            &mut out.by_action,
            &mut out.by_principal,
            &mut out.others,
            &mut out.undecided,
        ] {
            ids.sort_unstable();
            ids.dedup();
        }
    }
}

/// Statements filed by one `when` conjunct on one attribute.
#[derive(Debug)]
struct AttrIndex {
    attr: Attr,
    /// Keys and the request's value compared ASCII lower-cased.
    folded: bool,
    /// By each value the conjunct accepts (shared with the statement's
    /// compiled condition).
    by_value: HashMap<Arc<str>, Bucket>,
    /// By each prefix a conjunct accepts (`like "PREFIX*"`), grouped by
    /// length, shortest first: a value has one prefix of each length.
    by_prefix: Vec<(usize, HashMap<Arc<str>, Bucket>)>,
    /// The deny statements among them: when the request's value is missing
    /// or not a string the conjunct is unknown, and a deny then applies.
    /// (An allow then does not: unknown never grants.)
    denies: Vec<u32>,
}

impl AttrIndex {
    fn matches_into(&self, request: &Request, now: DateTime<Utc>, out: &mut Ids) {
        match self.attr.read(request, now) {
            Some(Val::Str(value)) => {
                // Lower-cased only when it holds an ASCII capital, on the
                // stack when short (action names are): no allocation.
                let mut stack = [0u8; 128];
                let heap;
                let value = if !self.folded || !value.bytes().any(|b| b.is_ascii_uppercase()) {
                    value
                } else if let Some(buf) = stack.get_mut(..value.len()) {
                    buf.copy_from_slice(value.as_bytes());
                    buf.make_ascii_lowercase();
                    // Lower-casing ASCII letters keeps UTF-8 valid; were it
                    // not to, the copy below reads the same.
                    match std::str::from_utf8(buf) {
                        Ok(lowered) => lowered,
                        Err(_) => {
                            heap = value.to_ascii_lowercase();
                            heap.as_str()
                        }
                    }
                } else {
                    heap = value.to_ascii_lowercase();
                    heap.as_str()
                };
                if let Some(ids) = self.by_value.get(value) {
                    out.extend_from_slice(ids);
                }
                for (len, by_prefix) in &self.by_prefix {
                    // Longer than the value, or not at a character boundary:
                    // no prefix of that length.
                    if let Some(ids) = value.get(..*len).and_then(|start| by_prefix.get(start)) {
                        out.extend_from_slice(ids);
                    }
                }
            }
            _ => out.extend_from_slice(&self.denies),
        }
    }
}

/// Statement ids by a name or value.
type ByName = HashMap<Box<str>, Bucket>;

/// Names (principal ids, groups or actions) by exact text, prefix and glob.
#[derive(Debug, Default)]
struct NameIndex {
    /// Statements admitting every name.
    everything: Vec<u32>,
    exact: ByName,
    /// Prefixes by length, shortest first: a name has at most one prefix of
    /// each length, found by one lookup.
    prefixes: Vec<(usize, ByName)>,
    globs: GlobBank,
    /// For each glob in `globs`, the statement it belongs to.
    owners: Vec<u32>,
}

#[derive(Default)]
struct NameIndexBuilder<'a> {
    index: NameIndex,
    /// `(glob nodes, span, source)` for each owner.
    globs: Vec<(&'a [PatternNode], Span, usize)>,
}

impl<'a> NameIndexBuilder<'a> {
    fn add(&mut self, key: NameKey<'a>, id: u32, span: Span, source: usize) {
        let index = &mut self.index;
        match key {
            NameKey::Exact(name) => index.exact.entry(name.into()).or_default().push(id),
            NameKey::Prefix(prefix) => {
                let len = prefix.len();
                let at = match index.prefixes.binary_search_by_key(&len, |(l, _)| *l) {
                    Ok(at) => at,
                    Err(at) => {
                        index.prefixes.insert(at, (len, HashMap::default()));
                        at
                    }
                };
                if let Some((_, map)) = index.prefixes.get_mut(at) {
                    map.entry(prefix.into()).or_default().push(id);
                }
            }
            NameKey::Glob(nodes) => {
                index.owners.push(id);
                self.globs.push((nodes, span, source));
            }
            // Not filed by name (such a line admits every name), but were
            // one filed, it would be a candidate for every name.
            NameKey::Everything => index.everything.push(id),
        }
    }

    fn build(self) -> Result<NameIndex, Vec<(usize, Problem)>> {
        let mut index = self.index;
        let mut globs = Vec::with_capacity(self.globs.len());
        let mut problems = Vec::new();
        for &(nodes, span, source) in &self.globs {
            match NameKey::glob(nodes) {
                Ok(glob) => globs.push(BankGlob { glob, nodes }),
                Err(why) => problems.push((source, refused(span, &why))),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        index.globs = GlobBank::build(&globs, NAME_SYNTAX).map_err(|(i, why)| {
            let (span, source) = self
                .globs
                .get(i)
                .map_or((Span::default(), 0), |(_, span, source)| (*span, *source));
            vec![(source, refused(span, &why))]
        })?;
        for ids in index.exact.values_mut() {
            ids.dedup();
        }
        Ok(index)
    }
}

impl NameIndex {
    fn is_empty(&self) -> bool {
        self.everything.is_empty()
            && self.exact.is_empty()
            && self.prefixes.is_empty()
            && self.globs.is_empty()
    }

    fn matches_into(
        &self,
        name: &str,
        scratch: &mut Vec<usize>,
        out: &mut Ids,
        undecided: &mut Ids,
    ) {
        if let Some(ids) = self.exact.get(name) {
            out.extend_from_slice(ids);
        }
        out.extend_from_slice(&self.everything);
        for (len, map) in &self.prefixes {
            if *len > name.len() {
                break;
            }
            // A name not split at a character boundary at `len` starts with
            // no prefix of that length.
            if let Some(ids) = name.get(..*len).and_then(|start| map.get(start)) {
                out.extend_from_slice(ids);
            }
        }
        if !self.globs.is_empty() {
            self.globs.matches_into(
                name,
                &Candidate::new(name),
                scratch,
                |glob| out.extend(self.owners.get(glob).copied()),
                |glob| undecided.extend(self.owners.get(glob).copied()),
            );
        }
    }
}

/// The problem for a pattern the glob engine refuses.
pub(crate) fn refused(span: Span, why: &str) -> Problem {
    Problem::PatternRefused {
        span,
        why: why.to_string(),
    }
}

/// How name patterns are read: `*`, `?` and classes may match `/`.
pub(crate) const NAME_SYNTAX: GlobSyntax = GlobSyntax {
    literal_separator: false,
    case_insensitive: false,
};

/// How resource patterns are read: `*`, `?` and classes stay inside a
/// segment.
pub(crate) const RESOURCE_SYNTAX: GlobSyntax = GlobSyntax {
    literal_separator: true,
    case_insensitive: false,
};

/// A static resource pattern as a glob (`*` stays inside a segment), read
/// with [`RESOURCE_SYNTAX`].
pub(crate) fn resource_glob(text: &str) -> Result<Glob, String> {
    GlobBuilder::new(text)
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())
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
    exact: ByName,
    /// The directory tree; node 0 is the root, the directory `""`.
    dirs: Vec<DirNode>,
}

#[derive(Debug, Default)]
struct DirNode {
    /// Child directories by segment (`team-17` for `prod/team-17/`).
    children: HashMap<Box<str>, usize>,
    /// Statements with the glob `{dir}**`: every path under the directory.
    subtree: Bucket,
    /// The other globs starting with the directory.
    globs: GlobBank,
    /// For each glob in `globs`, the statement it belongs to.
    owners: Vec<u32>,
}

impl ResourceIndex {
    /// The index of `(key, statement, span, source)` entries, or the
    /// first glob that cannot be built, as a problem in its source.
    fn build(
        entries: &[(ResourceKey<'_>, u32, Span, usize)],
    ) -> Result<ResourceIndex, (usize, Problem)> {
        let mut exact = ByName::default();
        // Each node with its globs and where each came from.
        type Pending<'n> = Vec<(Glob, &'n [PatternNode], Span, usize)>;
        let mut tree: Vec<(DirNode, Pending)> = vec![Default::default()];
        for &(key, id, span, source) in entries {
            // A literal, or `DIR/**` with `DIR` literal, is no glob the
            // engine could refuse (nor the parser, which checked every
            // pattern): it is filed without building one. Any other glob is
            // built here, and refused here if it cannot be.
            let dir = match key {
                ResourceKey::Exact(path) => {
                    exact.entry(path.into()).or_default().push(id);
                    continue;
                }
                ResourceKey::Subtree(dir) => dir,
                ResourceKey::Glob(nodes) => literal_dir(nodes),
            };
            let mut node = 0;
            for segment in dir.split_terminator('/') {
                let next = tree.len();
                let parent = &mut tree.get_mut(node).ok_or_else(|| internal(source, span))?.0;
                // Looked up first: the segment is copied only for a new child.
                node = match parent.children.get(segment) {
                    Some(&child) => child,
                    None => {
                        parent.children.insert(segment.into(), next);
                        next
                    }
                };
                if node == next {
                    tree.push(Default::default());
                }
            }
            let (bucket, globs) = tree.get_mut(node).ok_or_else(|| internal(source, span))?;
            match key {
                ResourceKey::Glob(nodes) => {
                    let glob = resource_glob(&pattern_text(nodes))
                        .map_err(|why| (source, refused(span, &why)))?;
                    bucket.owners.push(id);
                    globs.push((glob, nodes, span, source));
                }
                _ => bucket.subtree.push(id),
            }
        }
        let mut dirs = Vec::with_capacity(tree.len());
        for (mut bucket, globs) in tree {
            // Most directories hold no other glob: their bank stays empty,
            // as building it from none would leave it.
            if !globs.is_empty() {
                let only: Vec<BankGlob> = globs
                    .iter()
                    .map(|(glob, nodes, _, _)| BankGlob {
                        glob: glob.clone(),
                        nodes,
                    })
                    .collect();
                bucket.globs = GlobBank::build(&only, RESOURCE_SYNTAX).map_err(|(i, why)| {
                    match globs.get(i) {
                        Some((glob, _, span, source)) => (
                            *source,
                            Problem::IndexedPatternRefused {
                                span: *span,
                                pattern: glob.glob().to_string(),
                                why,
                            },
                        ),
                        None => internal(0, Span::default()),
                    }
                })?;
            }
            bucket.subtree.dedup();
            dirs.push(bucket);
        }
        for ids in exact.values_mut() {
            ids.dedup();
        }
        Ok(ResourceIndex { exact, dirs })
    }

    /// Appends to `out` every statement with a glob matching `path` (possibly
    /// repeated), and to `undecided` every one with a glob the matcher could
    /// not decide; `scratch` is reused between glob sets.
    fn matches_into(
        &self,
        path: &str,
        scratch: &mut Vec<usize>,
        out: &mut Ids,
        undecided: &mut Ids,
    ) {
        if let Some(ids) = self.exact.get(path) {
            out.extend_from_slice(ids);
        }
        let mut candidate = None;
        let mut node = self.dirs.first();
        let mut segments = path.split('/');
        while let Some(bucket) = node {
            out.extend_from_slice(&bucket.subtree);
            if !bucket.globs.is_empty() {
                let candidate = candidate.get_or_insert_with(|| Candidate::new(path));
                bucket.globs.matches_into(
                    path,
                    candidate,
                    scratch,
                    |glob| out.extend(bucket.owners.get(glob).copied()),
                    |glob| undecided.extend(bucket.owners.get(glob).copied()),
                );
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
    (source, Problem::IndexInvariant { span })
}

/// The literal directory of a glob: the literal text it starts with, up to
/// and including its last `/` (`""` when it starts otherwise).
fn literal_dir(nodes: &[PatternNode]) -> &str {
    match nodes.first() {
        Some(PatternNode::Literal(text)) => {
            text.rfind('/').and_then(|i| text.get(..=i)).unwrap_or("")
        }
        _ => "",
    }
}
