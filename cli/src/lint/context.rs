//! The policy set as the rules see it: every statement with its file, its
//! policy and its prepared matchers, and helpers to build findings.

use super::model::{Finding, Related, rule};
use super::patterns::MatcherShape;
use crate::load::SourceFile;
use chrono::{DateTime, FixedOffset};
use policy_lang::{Effect, Policy, PolicyFile, Span, Statement};
use std::collections::HashMap;

/// One statement of the set.
#[derive(Debug)]
pub struct Unit<'a> {
    /// Index of its source file.
    pub file: usize,
    /// Its policy.
    pub policy: &'a Policy,
    /// The statement.
    pub statement: &'a Statement,
    /// Its principal line, prepared.
    pub principal: MatcherShape,
    /// Its action line, prepared.
    pub action: MatcherShape,
    /// Its resource line, prepared.
    pub resource: MatcherShape,
}

impl Unit<'_> {
    /// True for an allow statement.
    pub fn is_allow(&self) -> bool {
        self.statement.effect == Effect::Allow
    }

    /// True when the statement has no `when` or `unless` block.
    pub fn unconditional(&self) -> bool {
        self.statement.conditions.is_empty()
    }

    /// `allow `policy/name``, for messages.
    pub fn title(&self) -> String {
        format!(
            "{} `{}/{}`",
            self.statement.effect.keyword(),
            self.policy.name,
            self.statement.name
        )
    }

    /// From the effect keyword to the end of the name: where statement-level
    /// findings point.
    pub fn head(&self) -> Span {
        Span::new(self.statement.span.start, self.statement.name_span.end)
    }

    /// True when `self` is proven to match every request `other` matches
    /// (conditions aside).
    pub fn covers(&self, other: &Unit) -> bool {
        self.resource.covers(&other.resource)
            && self.action.covers(&other.action)
            && self.principal.covers(&other.principal)
    }
}

/// Everything a rule reads.
#[derive(Debug)]
pub struct Context<'a> {
    /// The source files, in the order of the parsed files.
    pub sources: &'a [SourceFile],
    /// Every statement, in file, policy and statement order.
    pub units: Vec<Unit<'a>>,
    /// The instant time windows are compared with.
    pub now: DateTime<FixedOffset>,
    /// For each source, the offsets at which its lines start.
    line_starts: Vec<Vec<usize>>,
}

impl<'a> Context<'a> {
    /// The context for parsed `files`, which came from `sources` in order.
    pub fn new(
        sources: &'a [SourceFile],
        files: &'a [PolicyFile],
        now: DateTime<FixedOffset>,
    ) -> Context<'a> {
        let mut units = Vec::new();
        for (file, parsed) in files.iter().enumerate() {
            for policy in &parsed.policies {
                for statement in &policy.statements {
                    units.push(Unit {
                        file,
                        policy,
                        statement,
                        principal: MatcherShape::new(&statement.principal),
                        action: MatcherShape::new(&statement.action),
                        resource: MatcherShape::new(&statement.resource),
                    });
                }
            }
        }
        let line_starts = sources
            .iter()
            .map(|s| {
                let mut starts = vec![0];
                starts.extend(s.text.match_indices('\n').map(|(i, _)| i + 1));
                starts
            })
            .collect();
        Context {
            sources,
            units,
            now,
            line_starts,
        }
    }

    /// The source text under `span` in file `file`.
    pub fn text(&self, file: usize, span: Span) -> &str {
        self.sources
            .get(file)
            .and_then(|s| s.text.get(span.start..span.end))
            .unwrap_or("")
    }

    /// `span` without the whitespace at its ends.
    pub fn trim(&self, file: usize, span: Span) -> Span {
        let text = self.text(file, span);
        let start = span.start + (text.len() - text.trim_start().len());
        let end = span.end - (text.len() - text.trim_end().len());
        Span::new(start, end.max(start))
    }

    /// The file's name as shown.
    pub fn file_name(&self, file: usize) -> &str {
        self.sources.get(file).map_or("", |s| s.name.as_str())
    }

    /// The text of the file.
    pub fn source(&self, file: usize) -> &str {
        self.sources.get(file).map_or("", |s| s.text.as_str())
    }

    /// `file:line:column` of a span's start.
    pub fn place(&self, file: usize, span: Span) -> String {
        let (line, column) = self.line_column(file, span.start);
        format!("{}:{line}:{column}", self.file_name(file))
    }

    /// 1-based line and column (in characters) of a byte offset of a file.
    pub fn line_column(&self, file: usize, offset: usize) -> (usize, usize) {
        let source = self.source(file);
        let offset = offset.min(source.len());
        let starts = self.line_starts.get(file).map_or(&[0][..], Vec::as_slice);
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        let column = source
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// A finding of rule `id` at `span` of statement `unit`, with the rule's
    /// default severity.
    pub fn finding(
        &self,
        id: &'static str,
        unit: usize,
        span: Span,
        message: String,
        hint: String,
    ) -> Finding {
        let (file, severity) = (
            self.units.get(unit).map_or(0, |u| u.file),
            rule(id).map_or(super::model::Severity::Warning, |(_, r)| r.severity),
        );
        Finding {
            rule: id,
            severity,
            message,
            hint,
            file,
            span,
            statement: unit,
            related: None,
        }
    }

    /// Points a finding at another statement's head as well.
    pub fn related_statement(&self, other: usize, message: &str) -> Option<Related> {
        let unit = self.units.get(other)?;
        Some(Related {
            file: unit.file,
            span: unit.head(),
            message: format!("{message}: {}", unit.title()),
        })
    }
}

/// Buckets statements by the literal folders their resource patterns start
/// with, so that looking for a statement that covers another one does not
/// compare every pair. A statement can only cover a resource pattern whose
/// literal text starts with its own, so it is looked up under each folder
/// on the path of the covered pattern's literal text.
#[derive(Debug, Default)]
pub struct CoverIndex {
    /// Statements that may cover anything (match-all, negated, or patterns
    /// without a literal folder).
    wild: Vec<usize>,
    /// Statements by the deepest literal folder of each resource alternative.
    buckets: HashMap<String, Vec<usize>>,
}

impl CoverIndex {
    /// Indexes the statements `members` of `cx`.
    pub fn new(cx: &Context, members: impl Iterator<Item = usize>) -> CoverIndex {
        let mut index = CoverIndex::default();
        for member in members {
            let keys = cx.units.get(member).and_then(|u| folder_keys(&u.resource));
            match keys {
                Some(keys) => keys.into_iter().for_each(|k| {
                    let bucket = index.buckets.entry(k).or_default();
                    if bucket.last() != Some(&member) {
                        bucket.push(member);
                    }
                }),
                None => index.wild.push(member),
            }
        }
        index
    }

    /// The indexed statements that may cover `unit` (never `unit` itself), in
    /// statement order.
    pub fn candidates(&self, cx: &Context, unit: usize) -> Vec<usize> {
        let mut out = cx
            .units
            .get(unit)
            .map(|u| self.covering(&u.resource))
            .unwrap_or_default();
        out.retain(|c| *c != unit);
        out
    }

    /// The indexed statements whose resource line may cover `line`, in
    /// statement order.
    pub fn covering(&self, line: &MatcherShape) -> Vec<usize> {
        let mut out: Vec<usize> = self.wild.clone();
        for key in lookup_keys(line) {
            if let Some(bucket) = self.buckets.get(&key) {
                out.extend(bucket);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The deepest literal folder a prefix names: `prod/payment/` for
/// `prod/payment/stripe-`.
fn folder_key(prefix: &str) -> Option<String> {
    prefix
        .rfind('/')
        .and_then(|i| prefix.get(..=i))
        .map(str::to_string)
}

fn literal_prefix(alt: &[super::patterns::Tok]) -> String {
    alt.iter()
        .map_while(|t| match t {
            super::patterns::Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// The folders a resource line's alternatives start with; `None` when one
/// of them has no literal folder.
fn folder_keys(line: &MatcherShape) -> Option<Vec<String>> {
    if line.negated {
        return None;
    }
    let mut keys = Vec::new();
    for pattern in &line.patterns {
        for alt in pattern.alts.as_ref()? {
            keys.push(folder_key(&literal_prefix(alt))?);
        }
    }
    keys.sort();
    keys.dedup();
    Some(keys)
}

/// Every folder on the path of the literal text of the line's first
/// alternative: `a/`, `a/b/` for `a/b/c*`.
fn lookup_keys(line: &MatcherShape) -> Vec<String> {
    let first = line
        .patterns
        .first()
        .and_then(|p| p.alts.as_ref())
        .and_then(|alts| alts.first());
    let Some(first) = first.filter(|_| !line.negated) else {
        return Vec::new();
    };
    let prefix = literal_prefix(first);
    prefix
        .match_indices('/')
        .filter_map(|(i, _)| prefix.get(..=i).map(str::to_string))
        .collect()
}
