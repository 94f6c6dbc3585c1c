//! Vault ACL policies (HCL).
//!
//! [`convert`] reads every Vault policy file of a set together (Vault merges
//! the rules of all of a token's policies and picks the most specific path
//! across all of them) and writes one Tessera policy, `vault`, that decides
//! every request as Vault's ACL would.
//!
//! A Vault request for operation `O` on path `P` is the Tessera request with
//! action `O` and resource `P` (the path after `/v1/`, without a leading
//! slash); a `list` request on `P` is Vault's `LIST P/` (Vault's HTTP layer
//! always adds the trailing slash); the action `sudo` asks whether the caller
//! holds `sudo` on `P`. The request's body is `context.parameters` and its
//! response-wrapping TTL `context.wrap_ttl_seconds`: a rule's parameter
//! constraints and wrapping TTL bounds become `when` blocks on the
//! statements of the operations Vault checks them for (`params`).
//! docs/import.md describes every rule and where it comes from in Vault's
//! `vault/acl.go` and `vault/policy.go`.
//!
//! How priority is written: each merged path rule becomes a statement whose
//! `resource` line is the rule's own path and whose `unless` blocks are the
//! more specific Vault paths that take precedence over it where they overlap
//! (the carve-outs). A `deny` rule becomes a Tessera `deny` statement of the
//! same shape. Nothing is dropped: a file that cannot be converted exactly is
//! refused with located diagnostics.

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use policy_lang::{Diagnostic, DiagnosticKind, Span};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

mod params;

use params::{Params, Which};

// Capability bits (Vault's own order does not matter here; only the names do).
const DENY: u32 = 1;
const CREATE: u32 = 1 << 1;
const READ: u32 = 1 << 2;
const UPDATE: u32 = 1 << 3;
const DELETE: u32 = 1 << 4;
const LIST: u32 = 1 << 5;
const SUDO: u32 = 1 << 6;
const PATCH: u32 = 1 << 7;
const SUBSCRIBE: u32 = 1 << 8;
const RECOVER: u32 = 1 << 9;

/// The capabilities a Vault policy may grant (vault/policy.go).
const CAPABILITIES: [(&str, u32); 10] = [
    ("create", CREATE),
    ("read", READ),
    ("update", UPDATE),
    ("patch", PATCH),
    ("delete", DELETE),
    ("list", LIST),
    ("sudo", SUDO),
    ("deny", DENY),
    ("subscribe", SUBSCRIBE),
    ("recover", RECOVER),
];

/// Tessera actions and the capability each needs, in the order they are
/// written. Vault checks `revoke`, `renew` and `rollback` against `update`
/// (acl.go, AllowOperation).
const ACTIONS: [(&str, u32); 12] = [
    ("create", CREATE),
    ("read", READ),
    ("update", UPDATE),
    ("revoke", UPDATE),
    ("renew", UPDATE),
    ("rollback", UPDATE),
    ("patch", PATCH),
    ("delete", DELETE),
    ("list", LIST),
    ("sudo", SUDO),
    ("subscribe", SUBSCRIBE),
    ("recover", RECOVER),
];

/// The old `policy = "..."` shorthand, mapped as vault/policy.go maps it.
const SHORTHANDS: [(&str, u32); 4] = [
    ("deny", DENY),
    ("read", READ | LIST),
    ("write", CREATE | READ | UPDATE | DELETE | LIST),
    ("sudo", CREATE | READ | UPDATE | DELETE | LIST | SUDO),
];

/// Keys Vault accepts in a path block that change what a grant allows, which
/// Tessera cannot express yet. Ignoring one would loosen the policy.
const NOT_YET: [&str; 1] = ["subscribe_event_types"];

/// Keys of Vault Enterprise that need Vault itself (an MFA validation, a
/// control group's approvals) to decide.
const ENTERPRISE: [&str; 2] = ["control_group", "mfa_methods"];

/// Every key a path block may hold.
const PATH_KEYS: [&str; 11] = [
    "capabilities",
    "policy",
    "comment",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "control_group",
    "mfa_methods",
    "subscribe_event_types",
];

/// Converts the Vault ACL policy files `files` (name, HCL text), taken
/// together as the policies of one token, to formatted Tessera text holding
/// one policy named `vault`.
///
/// ```
/// let text = tessera_import::vault::convert(&[(
///     "dev.hcl",
///     r#"path "secret/*" { capabilities = ["read"] }
///        path "secret/admin" { capabilities = ["deny"] }"#,
/// )])
/// .unwrap();
/// assert!(text.contains(r#"deny "secret/admin""#));
/// ```
pub fn convert(files: &[(&str, &str)]) -> Result<String, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut rules = Rules::default();
    for (index, (name, source)) in files.iter().enumerate() {
        let mut reader = Reader {
            file: name,
            source,
            index,
            diagnostics: &mut diagnostics,
        };
        reader.read(&mut rules);
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    let text = Writer::new(&rules.into_sorted(), &names, files).write()?;
    let first = files.first().map_or(("vault", ""), |f| *f);
    match policy_lang::parse(first.0, &text) {
        Ok(parsed) => Ok(policy_lang::format(&parsed)),
        Err(error) => {
            let limit = error
                .diagnostics()
                .iter()
                .any(|d| d.kind() == DiagnosticKind::LimitExceeded);
            let detail = error
                .diagnostics()
                .first()
                .map(|d| {
                    format!(
                        "{} (line {}, column {})",
                        d.message(),
                        d.location().line,
                        d.location().column
                    )
                })
                .unwrap_or_else(|| "no detail".to_string());
            Err(vec![Diagnostic::new(
                DiagnosticKind::Import,
                first.0,
                first.1,
                Span::new(0, 0),
                if limit {
                    format!(
                        "these Vault policies convert to Tessera text over one of its limits: {detail}"
                    )
                } else {
                    format!(
                        "internal error: the Tessera text converted from these Vault policies does not parse: {detail}"
                    )
                },
                Some(if limit {
                    "nothing was loaded; the limit is named above (policy_lang::Limits)"
                } else {
                    "please report this; nothing was loaded"
                }),
            )])
        }
    }
}

// ---------------------------------------------------------------------------
// Reading HCL

/// Where a rule was written: the file's index and the path label's line.
#[derive(Debug, Clone)]
struct Origin {
    file: usize,
    line: usize,
}

/// How a Vault path matches (vault/policy.go, parsePaths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// The whole request path, exactly.
    Exact,
    /// A trailing `*` without `+` segments: any path starting with the key.
    Prefix,
    /// `+` segments (the key keeps a trailing `*`, if any).
    Segments,
}

#[derive(Debug, Clone)]
struct Rule {
    kind: Kind,
    /// Vault's key: the path without its leading `/`; without the trailing
    /// `*` for a prefix rule.
    key: String,
    /// As written (without the leading `/`), for names and comments.
    written: String,
    bits: u32,
    /// Parameter constraints (empty on a deny rule).
    params: Params,
    origins: Vec<Origin>,
}

#[derive(Default)]
struct Rules {
    by_key: BTreeMap<(Kind, String), Rule>,
}

impl Rules {
    /// Merges `rule` into the rule for the same path, as acl.go's NewACL
    /// does: a deny on either side leaves only deny; otherwise the
    /// capabilities add up.
    fn add(&mut self, rule: Rule) {
        match self.by_key.get_mut(&(rule.kind, rule.key.clone())) {
            Some(existing) => {
                if (existing.bits | rule.bits) & DENY != 0 {
                    // A deny keeps nothing else, its parameter constraints
                    // included (NewACL clears them).
                    existing.bits = DENY;
                    existing.params = Params::default();
                } else {
                    existing.bits |= rule.bits;
                    existing.params.merge(&rule.params);
                }
                existing.origins.extend(rule.origins);
            }
            None => {
                self.by_key.insert((rule.kind, rule.key.clone()), rule);
            }
        }
    }

    /// The rules, exact ones first, then the others from the highest Vault
    /// priority to the lowest.
    fn into_sorted(self) -> Vec<Rule> {
        let mut rules: Vec<Rule> = self.by_key.into_values().collect();
        rules.sort_by(|a, b| match (a.kind, b.kind) {
            (Kind::Exact, Kind::Exact) => a.key.cmp(&b.key),
            (Kind::Exact, _) => std::cmp::Ordering::Less,
            (_, Kind::Exact) => std::cmp::Ordering::Greater,
            _ => priority(b).cmp(&priority(a)),
        });
        rules
    }
}

/// The priority of a non-exact rule, greater wins (acl.go,
/// CheckAllowedFromNonExactPaths): the position of the first `+` (for a
/// prefix rule, its length), then not being a prefix, then fewer `+`
/// segments, then the longer path, then the lexicographically greater one.
fn priority(rule: &Rule) -> (usize, bool, std::cmp::Reverse<usize>, usize, String) {
    match rule.kind {
        Kind::Segments => {
            let first = rule.key.find('+').unwrap_or(0);
            let is_prefix = rule.key.ends_with('*');
            let path = rule.key.strip_suffix('*').unwrap_or(&rule.key);
            let wildcards = path.split('/').filter(|p| *p == "+").count();
            (
                first,
                !is_prefix,
                std::cmp::Reverse(wildcards),
                path.len(),
                path.to_string(),
            )
        }
        _ => (
            rule.key.len(),
            false,
            std::cmp::Reverse(0),
            rule.key.len(),
            rule.key.clone(),
        ),
    }
}

struct Reader<'a> {
    file: &'a str,
    source: &'a str,
    index: usize,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn refuse(&mut self, span: Option<Range<usize>>, message: String, hint: Option<String>) {
        let span = span.unwrap_or(0..0);
        self.diagnostics.push(Diagnostic::new(
            DiagnosticKind::Import,
            self.file,
            self.source,
            Span::new(span.start, span.end),
            message,
            hint.as_deref(),
        ));
    }

    fn line_of(&self, offset: usize) -> usize {
        self.source
            .get(..offset)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }

    fn read(&mut self, rules: &mut Rules) {
        let body = match hcl_edit::parser::parse_body(self.source) {
            Ok(body) => body,
            Err(error) => {
                let at = error.location().offset();
                let end = self.source.len().min(at + 1);
                self.refuse(
                    Some(at..end.max(at)),
                    format!(
                        "this Vault policy is not valid HCL: {}",
                        error.message().lines().next().unwrap_or("syntax error")
                    ),
                    None,
                );
                return;
            }
        };
        self.read_body(&body, rules);
    }

    fn read_body(&mut self, body: &Body, rules: &mut Rules) {
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) if attribute.key.as_str() == "name" => {}
                Structure::Block(block) if block.ident.as_str() == "path" => {
                    self.read_path(block, rules);
                }
                other => {
                    let key = match other {
                        Structure::Attribute(a) => a.key.as_str(),
                        Structure::Block(b) => b.ident.as_str(),
                    };
                    let hint = policy_lang::closest(key, ["path", "name"])
                        .map(|c| format!("did you mean `{c}`?"))
                        .or_else(|| {
                            Some("a Vault policy holds `path \"...\" { ... }` blocks".into())
                        });
                    let span = match other {
                        Structure::Attribute(a) => a.key.span(),
                        Structure::Block(b) => b.ident.span(),
                    };
                    self.refuse(span, format!("unknown key `{key}` in a Vault policy"), hint);
                }
            }
        }
    }

    fn read_path(&mut self, block: &hcl_edit::structure::Block, rules: &mut Rules) {
        let [label] = block.labels.as_slice() else {
            self.refuse(
                block.ident.span(),
                format!(
                    "a `path` block takes exactly one quoted path; this one has {}",
                    block.labels.len()
                ),
                Some("write `path \"secret/data/*\" { capabilities = [\"read\"] }`".into()),
            );
            return;
        };
        let label_span = label.span();
        let raw = label.as_str();
        let Some(key_info) = self.check_path(raw, label_span.clone()) else {
            // check_path reported why.
            return;
        };
        let mut bits: Option<u32> = None;
        let mut params = Params::default();
        let mut ok = true;
        let mut seen: Vec<&str> = Vec::new();
        for structure in block.body.iter() {
            let (key, span) = match structure {
                Structure::Attribute(a) => (a.key.as_str(), a.key.span()),
                Structure::Block(b) => (b.ident.as_str(), b.ident.span()),
            };
            if seen.contains(&key) {
                self.refuse(
                    span,
                    format!("`{key}` is given twice in the block of path \"{raw}\""),
                    Some("give each key once".into()),
                );
                ok = false;
                continue;
            }
            seen.push(key);
            if ENTERPRISE.contains(&key) {
                self.refuse(
                    span,
                    format!("`{key}` cannot be imported (path \"{raw}\")"),
                    Some(format!(
                        "`{key}` is a Vault Enterprise check that Vault itself carries out (an MFA validation or a control group's approvals), outside the policy; Tessera cannot decide it, and ignoring it would grant more than Vault does"
                    )),
                );
                ok = false;
                continue;
            }
            if NOT_YET.contains(&key) {
                self.refuse(
                    span,
                    format!("`{key}` cannot be imported yet (path \"{raw}\")"),
                    Some(format!(
                        "Tessera has no equivalent of Vault's `{key}` yet, and ignoring it would grant more than Vault does; remove it only if that is what you mean"
                    )),
                );
                ok = false;
                continue;
            }
            let value = match structure {
                Structure::Attribute(a) if key != "control_group" => &a.value,
                _ => {
                    let hint = policy_lang::closest(key, PATH_KEYS)
                        .map(|c| format!("did you mean `{c}`?"));
                    self.refuse(
                        span,
                        format!("unknown key `{key}` in the block of path \"{raw}\""),
                        hint.or_else(|| {
                            Some(format!("a path block holds {}", PATH_KEYS.join(", ")))
                        }),
                    );
                    ok = false;
                    continue;
                }
            };
            match key {
                "comment" => {}
                "capabilities" => match self.capabilities(value, raw) {
                    Some(b) => bits = Some(bits.unwrap_or(0) | b),
                    None => ok = false,
                },
                "policy" => match self.shorthand(value, raw) {
                    Some(b) => bits = Some(bits.unwrap_or(0) | b),
                    None => ok = false,
                },
                "allowed_parameters" => match self.parameter_map(value, Which::Allowed, raw) {
                    Some(map) => params.allowed = map,
                    None => ok = false,
                },
                "denied_parameters" => match self.parameter_map(value, Which::Denied, raw) {
                    Some(map) => params.denied = map,
                    None => ok = false,
                },
                "required_parameters" => match self.required(value, raw) {
                    Some(names) => params.required = names,
                    None => ok = false,
                },
                "min_wrapping_ttl" | "max_wrapping_ttl" => match params::parse_ttl(value) {
                    Some(seconds) if key == "min_wrapping_ttl" => params.min_wrap = seconds,
                    Some(seconds) => params.max_wrap = seconds,
                    None => {
                        self.refuse(
                            value.span(),
                            format!("`{key}` of path \"{raw}\" cannot be imported: it is not a duration the importer reads"),
                            Some("write whole seconds (`300`) or whole hours, minutes and seconds, largest first (`\"1h30m\"`)".into()),
                        );
                        ok = false;
                    }
                },
                _ => {
                    let hint = policy_lang::closest(key, PATH_KEYS)
                        .map(|c| format!("did you mean `{c}`?"));
                    self.refuse(
                        span,
                        format!("unknown key `{key}` in the block of path \"{raw}\""),
                        hint.or_else(|| {
                            Some(format!("a path block holds {}", PATH_KEYS.join(", ")))
                        }),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return;
        }
        // A deny among the capabilities leaves only deny (policy.go).
        let bits = bits.unwrap_or(0);
        let bits = if bits & DENY != 0 { DENY } else { bits };
        // policy.go reads no parameter constraint for a deny.
        if bits & DENY != 0 {
            params = Params::default();
        } else if params.min_wrap > 0 && params.max_wrap > 0 && params.max_wrap < params.min_wrap {
            // policy.go refuses it.
            self.refuse(
                label_span.clone(),
                format!("path \"{raw}\": `max_wrapping_ttl` cannot be less than `min_wrapping_ttl` (Vault refuses this policy too)"),
                None,
            );
            return;
        }
        let line = self.line_of(label_span.map_or(0, |s| s.start));
        let (kind, key) = key_info;
        rules.add(Rule {
            kind,
            key,
            written: raw.strip_prefix('/').unwrap_or(raw).to_string(),
            bits,
            params,
            origins: vec![Origin {
                file: self.index,
                line,
            }],
        });
    }

    /// Checks a path label and works out Vault's kind and key for it, or
    /// reports why it cannot be imported.
    fn check_path(&mut self, raw: &str, span: Option<Range<usize>>) -> Option<(Kind, String)> {
        let malformed = |reason: &str| format!("malformed Vault path \"{raw}\": {reason}");
        // Vault strips one leading `/` (policy.go).
        let path = raw.strip_prefix('/').unwrap_or(raw);
        let problem: Option<(String, Option<String>)> = if path.contains("+*") {
            Some((
                malformed("`+*` is not allowed (Vault refuses it too)"),
                Some("write `+/*` or `+` ".into()),
            ))
        } else if path.contains("{{") {
            Some((
                format!("templated Vault path \"{raw}\" cannot be imported yet"),
                Some("a `{{...}}` template is filled in per token; convert the policy of each token with the values filled in".into()),
            ))
        } else if path.contains("${") || path.contains("%{") {
            Some((
                malformed("`${` and `%{` read differently in HCL 1 (Vault) and HCL 2"),
                None,
            ))
        } else if path.chars().any(|c| c.is_control()) {
            Some((malformed("it holds a control character"), None))
        } else if path.contains('\\') {
            Some((
                format!("Vault path \"{raw}\" cannot be imported yet: it holds a `\\`"),
                Some("Tessera patterns have no way to match `\\` literally yet".into()),
            ))
        } else {
            let body = path.strip_suffix('*').unwrap_or(path);
            body.split('/')
                .find(|s| *s == "." || *s == "..")
                .map(|s| {
                    (
                        malformed(&format!("it has a `{s}` segment")),
                        Some("Tessera never resolves `.` or `..` in a secret path and refuses them in patterns; write the path as the secrets manager stores it".into()),
                    )
                })
        };
        if let Some((message, hint)) = problem {
            self.refuse(span, message, hint);
            return None;
        }
        let segments = path == "+" || path.contains("/+") || path.starts_with("+/");
        if segments {
            Some((Kind::Segments, path.to_string()))
        } else if let Some(prefix) = path.strip_suffix('*') {
            Some((Kind::Prefix, prefix.to_string()))
        } else {
            Some((Kind::Exact, path.to_string()))
        }
    }

    fn capabilities(&mut self, value: &Expression, raw: &str) -> Option<u32> {
        let Expression::Array(array) = value else {
            self.refuse(
                value.span(),
                format!("`capabilities` of path \"{raw}\" must be a list of strings"),
                Some("write `capabilities = [\"read\", \"list\"]`".into()),
            );
            return None;
        };
        let mut bits = 0;
        let mut ok = true;
        for item in array.iter() {
            let Expression::String(name) = item else {
                self.refuse(
                    item.span(),
                    format!("a capability of path \"{raw}\" must be a quoted string"),
                    None,
                );
                ok = false;
                continue;
            };
            match CAPABILITIES.iter().find(|(n, _)| *n == name.as_str()) {
                Some((_, bit)) => bits |= bit,
                None => {
                    let hint = policy_lang::closest(name.as_str(), CAPABILITIES.map(|(n, _)| n))
                        .map(|c| format!("did you mean `{c}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "Vault's capabilities are {}",
                                CAPABILITIES.map(|(n, _)| n).join(", ")
                            )
                        });
                    self.refuse(
                        item.span(),
                        format!("unknown capability `{}` on path \"{raw}\"", name.as_str()),
                        Some(hint),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(bits)
    }

    fn shorthand(&mut self, value: &Expression, raw: &str) -> Option<u32> {
        let names = SHORTHANDS.map(|(n, _)| n);
        let found = match value {
            Expression::String(s) => SHORTHANDS
                .iter()
                .find(|(n, _)| *n == s.as_str())
                .map(|(_, b)| *b)
                .ok_or_else(|| s.as_str().to_string()),
            _ => Err(String::new()),
        };
        match found {
            Ok(bits) => Some(bits),
            Err(word) => {
                let hint = policy_lang::closest(&word, names)
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| format!("the old shorthand is one of {}", names.join(", ")));
                self.refuse(
                    value.span(),
                    format!("invalid `policy` shorthand on path \"{raw}\""),
                    Some(hint),
                );
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Matching sets
//
// Requests reach Tessera with normalized paths (no empty, `.` or `..`
// segment, no leading or trailing `/`), so each rule's sets are written for
// normalized paths `Q` only. A Vault `list` request on `Q` is Vault's path
// `Q/`.

/// One segment of a shape.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Exactly this text.
    Lit(String),
    /// Any one segment (Vault's `+`).
    Any,
    /// Any segment starting with this (non-empty) text.
    Prefix(String),
}

/// A set of normalized paths: these segments, then (when `more`) one or
/// more further segments.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    segs: Vec<Seg>,
    more: bool,
}

/// The segments of `path`, each a literal or (when `plus`) `+` as any
/// segment; `None` when one is empty (no normalized path then matches).
fn segments(path: &str, plus: bool) -> Option<Vec<Seg>> {
    path.split('/')
        .map(|s| match s {
            "" => None,
            "+" if plus => Some(Seg::Any),
            s => Some(Seg::Lit(s.to_string())),
        })
        .collect()
}

/// A prefix rule's paths: `d/t` becomes `d/t*` and `d/t*/**`, `d/` becomes
/// `d/**`, the empty prefix every path.
fn prefix_shapes(head: Option<Vec<Seg>>, last: &str) -> Vec<Shape> {
    let Some(segs) = head else {
        return Vec::new();
    };
    if last.is_empty() {
        return vec![Shape { segs, more: true }];
    }
    let mut segs = segs;
    segs.push(Seg::Prefix(last.to_string()));
    vec![
        Shape {
            segs: segs.clone(),
            more: false,
        },
        Shape { segs, more: true },
    ]
}

/// Splits `path` at its last `/`: the segments before it (none when there is
/// no `/`), and the last part.
fn split_last(path: &str, plus: bool) -> (Option<Vec<Seg>>, &str) {
    match path.rsplit_once('/') {
        Some((head, last)) => (segments(head, plus), last),
        None => (Some(Vec::new()), path),
    }
}

/// The one fixed-depth shape of `segs`; none when a segment is empty (no
/// normalized path has one).
fn one(segs: Option<Vec<Seg>>) -> Vec<Shape> {
    match segs {
        Some(segs) => vec![Shape { segs, more: false }],
        None => Vec::new(),
    }
}

impl Rule {
    /// The normalized paths `Q` this rule matches (as Vault's path `Q`).
    fn matches(&self) -> Vec<Shape> {
        match self.kind {
            Kind::Exact => one(segments(&self.key, false)),
            Kind::Prefix => {
                let (head, last) = split_last(&self.key, false);
                prefix_shapes(head, last)
            }
            Kind::Segments => match self.key.strip_suffix('*') {
                None => one(segments(&self.key, true)),
                Some(path) => {
                    let (head, last) = split_last(path, true);
                    prefix_shapes(head, last)
                }
            },
        }
    }

    /// The normalized paths `Q` such that this rule matches Vault's `Q/` but
    /// not `Q`: what a `list` on `Q` finds only through the trailing slash.
    fn slash_matches(&self) -> Vec<Shape> {
        match self.kind {
            // `Q/` is the key itself.
            Kind::Exact | Kind::Prefix => match self.key.strip_suffix('/') {
                Some(dir) if !dir.is_empty() => one(segments(dir, false)),
                _ => Vec::new(),
            },
            Kind::Segments => match self.key.strip_suffix('*') {
                // `a/+/` (from `a/+/*`): `a/x/` matches, `a/x` does not.
                Some(path) => match path.strip_suffix('/') {
                    Some(dir) if !dir.is_empty() => one(segments(dir, true)),
                    _ => Vec::new(),
                },
                // `a/b/+` and `a/b/` match `a/b/` (a `+` matches the empty
                // last segment).
                None => match self.key.rsplit_once('/') {
                    Some((dir, "" | "+")) if !dir.is_empty() => one(segments(dir, true)),
                    _ => Vec::new(),
                },
            },
        }
    }
}

fn seg_overlaps(a: &Seg, b: &Seg) -> bool {
    match (a, b) {
        (Seg::Any, _) | (_, Seg::Any) => true,
        (Seg::Lit(x), Seg::Lit(y)) => x == y,
        (Seg::Lit(x), Seg::Prefix(p)) | (Seg::Prefix(p), Seg::Lit(x)) => x.starts_with(p.as_str()),
        (Seg::Prefix(x), Seg::Prefix(y)) => x.starts_with(y.as_str()) || y.starts_with(x.as_str()),
    }
}

/// Whether some normalized path is in both shapes.
fn shape_overlaps(a: &Shape, b: &Shape) -> bool {
    let range = |s: &Shape| {
        if s.more {
            (s.segs.len() + 1, usize::MAX)
        } else {
            (s.segs.len(), s.segs.len())
        }
    };
    let (a_low, a_high) = range(a);
    let (b_low, b_high) = range(b);
    if a_low.max(b_low) > a_high.min(b_high) {
        return false;
    }
    a.segs.iter().zip(&b.segs).all(|(x, y)| seg_overlaps(x, y))
}

/// Whether segment `a` matches every segment `b` matches.
fn seg_contains(a: &Seg, b: &Seg) -> bool {
    match (a, b) {
        (Seg::Any, _) => true,
        (_, Seg::Any) => false,
        (Seg::Lit(x), Seg::Lit(y)) => x == y,
        (Seg::Lit(_), Seg::Prefix(_)) => false,
        (Seg::Prefix(p), Seg::Lit(y)) | (Seg::Prefix(p), Seg::Prefix(y)) => {
            y.starts_with(p.as_str())
        }
    }
}

/// Whether shape `a` holds every path of shape `b`.
fn shape_contains(a: &Shape, b: &Shape) -> bool {
    let (m, n) = (a.segs.len(), b.segs.len());
    let depth_ok = match (a.more, b.more) {
        (false, false) => m == n,
        (true, false) => n > m,
        (false, true) => false,
        (true, true) => m <= n,
    };
    depth_ok && a.segs.iter().zip(&b.segs).all(|(x, y)| seg_contains(x, y))
}

fn overlaps(a: &[Shape], b: &[Shape]) -> bool {
    a.iter().any(|x| b.iter().any(|y| shape_overlaps(x, y)))
}

/// The intersection of two segment sets, when not empty.
fn seg_intersect(a: &Seg, b: &Seg) -> Option<Seg> {
    match (a, b) {
        (Seg::Any, x) | (x, Seg::Any) => Some(x.clone()),
        (Seg::Lit(x), Seg::Lit(y)) => (x == y).then(|| a.clone()),
        (Seg::Lit(x), Seg::Prefix(p)) | (Seg::Prefix(p), Seg::Lit(x)) => {
            x.starts_with(p.as_str()).then(|| Seg::Lit(x.clone()))
        }
        (Seg::Prefix(x), Seg::Prefix(y)) => {
            if x.starts_with(y.as_str()) {
                Some(a.clone())
            } else if y.starts_with(x.as_str()) {
                Some(b.clone())
            } else {
                None
            }
        }
    }
}

/// The segments of `base` but not of any of `minus` (literals and prefixes).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SegSet {
    base: Seg,
    minus: Vec<Seg>,
}

impl SegSet {
    fn plain(base: Seg) -> SegSet {
        SegSet {
            base,
            minus: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.minus.iter().any(|m| seg_contains(m, &self.base))
    }

    fn intersect(&self, other: &Seg) -> Option<SegSet> {
        let base = seg_intersect(&self.base, other)?;
        let minus = self
            .minus
            .iter()
            .filter(|m| seg_overlaps(m, &base))
            .cloned()
            .collect();
        let set = SegSet { base, minus };
        (!set.is_empty()).then_some(set)
    }

    fn without(&self, other: &Seg) -> Option<SegSet> {
        if !seg_overlaps(&self.base, other) {
            return Some(self.clone());
        }
        if matches!(other, Seg::Any) {
            return None;
        }
        let mut set = self.clone();
        set.minus.push(other.clone());
        (!set.is_empty()).then_some(set)
    }

    /// Glob alternatives for one segment, or `None` when a character would
    /// need escaping inside a class.
    fn globs(&self) -> Option<Vec<String>> {
        match &self.base {
            Seg::Lit(l) => Some(vec![escape_glob(l)]),
            Seg::Any => globs_without("", &self.minus),
            Seg::Prefix(p) => globs_without(p, &self.minus),
        }
    }
}

/// Globs for the non-empty segments that start with `start` and are in none
/// of `minus`, built one character at a time: `start` itself, each next
/// character some excluded text continues with (recursively), and every
/// other next character as a negated class.
fn globs_without(start: &str, minus: &[Seg]) -> Option<Vec<String>> {
    let text = |m: &Seg| match m {
        Seg::Lit(t) | Seg::Prefix(t) => Some(t.clone()),
        Seg::Any => None,
    };
    if minus.iter().any(|m| {
        matches!(m, Seg::Prefix(p) if start.starts_with(p.as_str())) || matches!(m, Seg::Any)
    }) {
        return Some(Vec::new());
    }
    let relevant: Vec<&Seg> = minus
        .iter()
        .filter(|m| text(m).is_some_and(|t| t.starts_with(start)))
        .collect();
    if relevant.is_empty() {
        return Some(vec![format!("{}*", escape_glob(start))]);
    }
    let mut out = Vec::new();
    if !start.is_empty() && !relevant.iter().any(|m| **m == Seg::Lit(start.to_string())) {
        out.push(escape_glob(start));
    }
    let mut next: Vec<char> = relevant
        .iter()
        .filter_map(|m| text(m).and_then(|t| t[start.len()..].chars().next()))
        .collect();
    next.sort_unstable();
    next.dedup();
    if next.is_empty() {
        out.push(format!("{}?*", escape_glob(start)));
        return Some(out);
    }
    for c in &next {
        if !(c.is_ascii_alphanumeric() || "_.:@+=%~".contains(*c)) {
            return None;
        }
        let longer = format!("{start}{c}");
        let owned: Vec<Seg> = relevant.iter().map(|m| (*m).clone()).collect();
        out.extend(globs_without(&longer, &owned)?);
    }
    out.push(format!(
        "{}[!{}]*",
        escape_glob(start),
        next.iter().collect::<String>()
    ));
    Some(out)
}

/// A statement's own paths: segment sets, then (when `more`) one or more
/// further segments.
#[derive(Debug, Clone)]
struct Own {
    segs: Vec<SegSet>,
    more: bool,
}

impl Own {
    fn from_shape(shape: &Shape) -> Own {
        Own {
            segs: shape.segs.iter().cloned().map(SegSet::plain).collect(),
            more: shape.more,
        }
    }

    /// These paths without those of `x`, as pieces; `self` and `x` are both
    /// open (`more`). Both are brought to one depth, then the difference of
    /// two products is the union over each position `i` of: the common part
    /// before `i`, this set without `x`'s at `i`, this set after `i`.
    fn subtract(&self, x: &Shape) -> Option<Vec<Own>> {
        let (n, m) = (self.segs.len(), x.segs.len());
        let mut pieces = Vec::new();
        let mut mine = self.segs.clone();
        if m > n {
            // Depths n + 1 ..= m are below x's: kept as they are.
            for depth in n + 1..=m {
                let mut segs = self.segs.clone();
                segs.resize(depth, SegSet::plain(Seg::Any));
                pieces.push(Own { segs, more: false });
            }
            mine.resize(m, SegSet::plain(Seg::Any));
        }
        let mut theirs = x.segs.clone();
        theirs.resize(mine.len(), Seg::Any);
        let mut common: Vec<SegSet> = Vec::new();
        for (i, (a, b)) in mine.iter().zip(&theirs).enumerate() {
            if let Some(rest) = a.without(b) {
                let mut segs = common.clone();
                segs.push(rest);
                segs.extend(mine.iter().skip(i + 1).cloned());
                pieces.push(Own { segs, more: true });
            }
            match a.intersect(b) {
                Some(both) => common.push(both),
                // No path in both: nothing to take out.
                None => return Some(vec![self.clone()]),
            }
        }
        Some(pieces)
    }

    /// The resource patterns, or `None` when they cannot be written. A
    /// segment with a few alternatives is one `{...}` group; with many (each
    /// adds to the pattern's wildcards, which Tessera limits), or with
    /// characters a group would misread, each alternative is a pattern.
    fn patterns(&self) -> Option<Vec<String>> {
        let mut texts: Vec<Vec<String>> = vec![Vec::new()];
        for set in &self.segs {
            let globs = set.globs()?;
            let options: Vec<String> = match globs.as_slice() {
                [] => return None,
                [one] => vec![one.clone()],
                many if many.len() <= 8
                    && !many.iter().any(|g| g.contains("[,]") || g.contains('{')) =>
                {
                    vec![format!("{{{}}}", many.join(","))]
                }
                many => many.to_vec(),
            };
            if texts.len() * options.len() > 4096 {
                return None;
            }
            texts = texts
                .iter()
                .flat_map(|t| {
                    options.iter().map(move |o| {
                        let mut t = t.clone();
                        t.push(o.clone());
                        t
                    })
                })
                .collect();
        }
        Some(
            texts
                .into_iter()
                .map(|mut parts| {
                    if self.more {
                        parts.push("**".to_string());
                    }
                    finish_pattern(parts.join("/"))
                })
                .collect(),
        )
    }
}

// ---------------------------------------------------------------------------
// Writing Tessera

/// `text` with every glob-special character in a one-character class. A
/// `!` is special only right after `[` (which is always escaped), so it
/// stays as it is: `[!]` would open a negated class.
fn escape_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' | '?' | '[' | ']' | '{' | '}' | '$' | ',' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

/// A Tessera string literal.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A pattern's text made safe to write: a lone `*` (which as a whole
/// pattern matches every path) becomes `?*`, one segment; quoted when it
/// holds characters a bare pattern cannot.
fn finish_pattern(mut text: String) -> String {
    if text == "*" {
        text = "?*".to_string();
    }
    let bare = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "*?/-_.:@+=%~[]{}$!".contains(c))
        && !text.contains("[]]")
        && !text.contains(',');
    if bare { text } else { quote(&text) }
}

/// A `like` pattern for segments whose count is fixed by the caller.
fn like_segments(segs: &[Seg]) -> String {
    segs.iter()
        .map(|s| match s {
            Seg::Lit(l) => escape_glob(l),
            Seg::Any => "*".to_string(),
            Seg::Prefix(p) => format!("{}*", escape_glob(p)),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A condition that holds exactly for the paths of `segs` with no further
/// segment. In `like`, `*` crosses `/`; a path with exactly `n - 1` slashes
/// that matches `n` `/`-separated parts has each `*` inside one segment.
fn fixed_condition(segs: &[Seg]) -> String {
    if segs.iter().all(|s| matches!(s, Seg::Lit(_))) {
        let literal = segs
            .iter()
            .map(|s| match s {
                Seg::Lit(l) => l.as_str(),
                _ => "",
            })
            .collect::<Vec<_>>()
            .join("/");
        return format!("resource.path == {}", quote(&literal));
    }
    let more_slashes = vec!["*"; segs.len() + 1].join("/");
    format!(
        "resource.path like {} and not resource.path like {}",
        quote(&like_segments(segs)),
        quote(&more_slashes)
    )
}

/// A condition that holds exactly for the paths of `shape` (any count), or
/// `None` when `like` cannot say it (a `+` before an open end).
fn open_condition(shape: &Shape) -> Option<String> {
    if !shape.more {
        return Some(fixed_condition(&shape.segs));
    }
    // In `like`, `*` crosses `/`, so a literal or a prefix after a `+` (or
    // after a prefix) would no longer be anchored to its segment. Literals
    // first, then a prefix or `+` segments only, then more segments: each
    // `*` then stands for one or more whole segments' worth of text, and a
    // normalized path (no empty segment) that matches has at least as many
    // segments as the shape.
    let first_open = shape
        .segs
        .iter()
        .position(|s| !matches!(s, Seg::Lit(_)))
        .unwrap_or(shape.segs.len());
    if shape
        .segs
        .iter()
        .skip(first_open + 1)
        .any(|s| !matches!(s, Seg::Any))
    {
        return None;
    }
    let text = like_segments(&shape.segs);
    if text.is_empty() {
        return Some("resource.path like \"*\"".to_string());
    }
    Some(format!(
        "resource.path like {}",
        quote(&format!("{text}/*"))
    ))
}

/// The shapes of `carve` restricted to paths of exactly `count` segments.
fn restrict(carve: &Shape, count: usize) -> Option<Vec<Seg>> {
    let n = carve.segs.len();
    let fits = if carve.more { count > n } else { count == n };
    if !fits {
        return None;
    }
    let mut segs = carve.segs.clone();
    segs.resize(count, Seg::Any);
    Some(segs)
}

/// Which requests a statement is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Every action but `list` (and `list` too, when it has the same
    /// exceptions).
    Main,
    /// `list` on the rule's own paths, when its exceptions differ.
    List,
    /// `list` on `Q` found through Vault's trailing slash (`Q/`).
    Slash,
}

struct Writer<'a> {
    rules: &'a [Rule],
    names: &'a [&'a str],
    files: &'a [(&'a str, &'a str)],
    matches: Vec<Vec<Shape>>,
    slash: Vec<Vec<Shape>>,
    out: String,
    diagnostics: Vec<Diagnostic>,
    /// `when` blocks for the next statement (wrapping TTL and parameter
    /// checks), each with its comment.
    when: Vec<(String, String)>,
    /// Whether this rule's "never decides" comment is written.
    said_never: bool,
}

impl<'a> Writer<'a> {
    fn new(rules: &'a [Rule], names: &'a [&'a str], files: &'a [(&'a str, &'a str)]) -> Self {
        Writer {
            rules,
            names,
            files,
            matches: rules.iter().map(Rule::matches).collect(),
            slash: rules.iter().map(Rule::slash_matches).collect(),
            out: String::new(),
            diagnostics: Vec::new(),
            when: Vec::new(),
            said_never: false,
        }
    }

    fn origins(&self, rule: &Rule) -> String {
        rule.origins
            .iter()
            .map(|o| {
                format!(
                    "{}:{}",
                    self.names.get(o.file).copied().unwrap_or("?"),
                    o.line
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn write(mut self) -> Result<String, Vec<Diagnostic>> {
        let _ = writeln!(
            self.out,
            "# Converted from Vault ACL policies ({}) by `policy import vault`.\n\
             # Vault decides a request by the most specific matching path across all of\n\
             # these files (vault/acl.go). Each statement below holds exactly the requests\n\
             # its Vault path decides: its `unless` blocks are the more specific paths that\n\
             # take precedence where they overlap. The policies apply to every principal.",
            self.names.join(", ")
        );
        self.out.push_str("policy \"vault\" {\n");
        self.out.push_str(
            "  # Vault always answers `help` (acl.go, AllowOperation).\n  # lint: allow allow-all-resources, prod-without-guard -- Vault answers help on every path\n  allow \"help\" {\n    principal *\n    action help\n    resource **\n  }\n",
        );
        let rules = self.rules;
        for (index, rule) in rules.iter().enumerate() {
            self.rule(index, rule);
        }
        self.out.push_str("}\n");
        if self.diagnostics.is_empty() {
            Ok(self.out)
        } else {
            Err(self.diagnostics)
        }
    }

    fn rule(&mut self, index: usize, rule: &Rule) {
        let caps: Vec<&str> = if rule.bits & DENY != 0 {
            ACTIONS.iter().map(|(n, _)| *n).collect()
        } else {
            ACTIONS
                .iter()
                .filter(|(_, bit)| rule.bits & bit != 0)
                .map(|(n, _)| *n)
                .collect()
        };
        let granted = CAPABILITIES
            .iter()
            .filter(|(_, bit)| rule.bits & bit != 0)
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            self.out,
            "\n  # Vault path {} ({}): {}.",
            quote(&rule.written),
            self.origins(rule),
            if granted.is_empty() {
                "no capabilities".to_string()
            } else {
                format!("capabilities {granted}")
            }
        );
        if rule.origins.len() > 1 {
            self.out
                .push_str("  # The rules for this path are merged, as Vault merges them.\n");
        }
        if let Some(summary) = rule.params.summary() {
            let _ = writeln!(self.out, "  # Constraints: {summary}.");
        }
        if caps.is_empty() {
            self.out.push_str(
                "  # It grants nothing, but where it is the most specific path it still\n  # decides (no capability): the less specific paths below leave it out.\n",
            );
            return;
        }
        if self.matches[index].is_empty() && self.slash[index].is_empty() {
            self.out.push_str(
                "  # It never matches a path Tessera accepts (a normalized path has no empty\n  # segment), so it never decides.\n",
            );
            return;
        }
        let has_list = caps.contains(&"list");
        let others: Vec<&str> = caps.iter().copied().filter(|c| *c != "list").collect();
        let main_carves = self.carves(index, Part::Main);
        let list_carves = self.carves(index, Part::List);
        let list_with_main = main_carves == list_carves;
        let effect = if rule.bits & DENY != 0 {
            "deny"
        } else {
            "allow"
        };
        let list_only = ["list"];
        // Vault checks wrapping TTLs for most operations, and parameters
        // for some: each set goes to a statement of its own, with the
        // checks as `when` blocks.
        let (wrap, param) = if effect == "allow" {
            (rule.params.wrap_conditions(), rule.params.conditions())
        } else {
            (Vec::new(), Vec::new())
        };
        let by_wrap = |a: &&str| !wrap.is_empty() && params::wrap_checked(a);
        let by_param = |a: &&str| !param.is_empty() && params::CHECKED.contains(a);
        let mut plain: Vec<&str> = Vec::new();
        let mut wrapped: Vec<&str> = Vec::new();
        let mut checked: Vec<&str> = Vec::new();
        for a in &others {
            if by_param(a) {
                checked.push(a);
            } else if by_wrap(a) {
                wrapped.push(a);
            } else {
                plain.push(a);
            }
        }
        if has_list && list_with_main {
            if by_wrap(&"list") {
                wrapped.push("list");
            } else {
                plain.push("list");
            }
        }
        let mut all_checks = wrap.clone();
        all_checks.extend(param.iter().cloned());
        self.said_never = false;
        if !self.matches[index].is_empty() {
            let groups = [
                (plain, Vec::new(), ""),
                (wrapped, wrap.clone(), " [wrapping TTL]"),
                (checked, all_checks, " [parameters]"),
            ];
            let mut named = false;
            for (actions, conditions, suffix) in groups {
                if actions.is_empty() {
                    continue;
                }
                let name = if named {
                    format!("{}{suffix}", rule.written)
                } else {
                    rule.written.clone()
                };
                named = true;
                self.when = conditions;
                self.statement(index, effect, &name, &actions, Part::Main, &main_carves);
                self.when = Vec::new();
            }
            if has_list && !list_with_main && self.list_reachable(index) {
                let name = format!("{} [list]", rule.written);
                self.when = wrap.clone();
                self.statement(index, effect, &name, &list_only, Part::List, &list_carves);
                self.when = Vec::new();
            }
        }
        if has_list && !self.slash[index].is_empty() {
            let carves = self.carves(index, Part::Slash);
            let name = format!("{} [list, trailing slash]", rule.written);
            self.when = wrap;
            self.statement(index, effect, &name, &list_only, Part::Slash, &carves);
            self.when = Vec::new();
        }
    }

    /// False when an exact rule for `Q/` takes `list` on every path of this
    /// exact rule.
    fn list_reachable(&self, index: usize) -> bool {
        match self.rules.get(index) {
            Some(rule) if rule.kind == Kind::Exact => {
                let slashed = format!("{}/", rule.key);
                !self
                    .rules
                    .iter()
                    .any(|r| r.kind == Kind::Exact && r.key == slashed)
            }
            _ => true,
        }
    }

    /// The rules that take precedence over rule `index` for `part`, as
    /// (rule index, whether its trailing-slash set is meant), pruned to those
    /// that overlap.
    ///
    /// Every operation but `list` on `Q`: an exact rule for `Q`, then the
    /// highest non-exact rule matching `Q`. `list` on `Q` (Vault's `LIST
    /// Q/`): an exact rule for `Q/`, then one for `Q`; then, among the
    /// non-exact rules matching `Q` or `Q/` (the longest prefix rule of
    /// each form, every segment rule), the highest that denies or grants
    /// `list` decides, and the others are passed over (acl.go,
    /// `resolveACLPermsForListOp`).
    fn carves(&self, index: usize, part: Part) -> Vec<(usize, bool)> {
        let own = match part {
            Part::Slash => &self.slash[index],
            _ => &self.matches[index],
        };
        let rule = &self.rules[index];
        let mut out = Vec::new();
        for (other, r) in self.rules.iter().enumerate() {
            if other == index {
                continue;
            }
            let exact = r.kind == Kind::Exact;
            // Rules are sorted: exact first, then by falling priority.
            let higher = other < index;
            let (plain, slashed) = match part {
                // An exact rule is never overlapped by another exact one.
                Part::Main => (rule.kind != Kind::Exact && (exact || higher), false),
                // An exact rule for `Q/` comes first of all.
                _ if rule.kind == Kind::Exact => (false, exact && part == Part::List),
                _ if exact => (true, true),
                _ if higher && r.bits & (DENY | LIST) != 0 => (true, true),
                // A longer prefix rule matching `Q` is the one prefix rule
                // Vault looks at on `Q`, whatever it grants.
                _ => (
                    higher && r.kind == Kind::Prefix && rule.kind == Kind::Prefix,
                    false,
                ),
            };
            if plain && overlaps(own, &self.matches[other]) {
                out.push((other, false));
            }
            if slashed && overlaps(own, &self.slash[other]) {
                out.push((other, true));
            }
        }
        out
    }

    /// For a `list` statement of a segment rule: the longer prefix rules
    /// that keep prefix rule `other` from being the one prefix rule Vault
    /// looks at on `Q` (it is only a candidate where none of them matches).
    fn shadowing(&self, index: usize, other: usize, part: Part) -> Vec<usize> {
        let (rule, r) = (&self.rules[index], &self.rules[other]);
        if part == Part::Main || rule.kind != Kind::Segments || r.kind != Kind::Prefix {
            return Vec::new();
        }
        let own = match part {
            Part::Slash => &self.slash[index],
            _ => &self.matches[index],
        };
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, longer)| {
                longer.kind == Kind::Prefix
                    && longer.key.len() > r.key.len()
                    && longer.key.starts_with(r.key.as_str())
            })
            .filter(|&(i, _)| overlaps(own, &self.matches[i]))
            .map(|(i, _)| i)
            .collect()
    }

    fn statement(
        &mut self,
        index: usize,
        effect: &str,
        name: &str,
        actions: &[&str],
        part: Part,
        carves: &[(usize, bool)],
    ) {
        let rules = self.rules;
        let own: Vec<Shape> = match part {
            Part::Slash => self.slash[index].clone(),
            _ => self.matches[index].clone(),
        };
        // Paths all taken by more specific rules: the statement would never
        // apply, so it is left out.
        let taken = own.iter().all(|o| {
            carves.iter().any(|&(other, slashed)| {
                if !slashed && !self.shadowing(index, other, part).is_empty() {
                    return false;
                }
                let shapes = if slashed {
                    &self.slash[other]
                } else {
                    &self.matches[other]
                };
                shapes.iter().any(|c| shape_contains(c, o))
            })
        });
        if taken {
            if part == Part::Main && !self.said_never {
                self.said_never = true;
                self.out.push_str(
                    "  # More specific Vault paths take all of its paths: it never decides.\n",
                );
            }
            return;
        }
        // The statement's own paths, as the resource line will say them: a
        // more specific path that conditions cannot single out is taken out
        // of them instead.
        let mut own_sets: Vec<Own> = own.iter().map(Own::from_shape).collect();
        let mut hard = index;
        let mut taken_out: Vec<String> = Vec::new();
        // Exact paths together, as one list.
        let mut literals: Vec<String> = Vec::new();
        // Whether all of them come from exact Vault paths.
        let mut all_exact = true;
        let mut blocks: Vec<(String, String)> = Vec::new();
        for &(other, slashed) in carves {
            // `carves` holds indices into `rules` (and the parallel
            // `matches` and `slash`).
            let r = &rules[other];
            let shapes = if slashed {
                &self.slash[other]
            } else {
                &self.matches[other]
            };
            let what = if slashed {
                format!(
                    "Vault path {} (through LIST's trailing slash)",
                    quote(&r.written)
                )
            } else {
                format!("Vault path {}", quote(&r.written))
            };
            let literal_only = shapes
                .iter()
                .all(|s| !s.more && s.segs.iter().all(|g| matches!(g, Seg::Lit(_))));
            if literal_only {
                all_exact &= r.kind == Kind::Exact;
                for s in shapes {
                    literals.push(
                        s.segs
                            .iter()
                            .map(|g| match g {
                                Seg::Lit(l) => l.as_str(),
                                _ => "",
                            })
                            .collect::<Vec<_>>()
                            .join("/"),
                    );
                }
                continue;
            }
            let mut conditions: Vec<String> = Vec::new();
            if r.kind == Kind::Prefix && !slashed {
                // Vault's prefix match is a string prefix, which `like`
                // says with a trailing `*` (crossing `/`).
                let pattern = format!("{}*", escape_glob(&r.key));
                let mut condition = format!("resource.path like {}", quote(&pattern));
                let shadowing = self.shadowing(index, other, part);
                let what = if shadowing.is_empty() {
                    what
                } else {
                    format!("{what}, where no longer prefix path matches,")
                };
                // For `list`, Vault only looks at the longest prefix rule
                // matching `Q`: where a longer one matches, this one is
                // passed over.
                for longer in shadowing {
                    let pattern = format!("{}*", escape_glob(&rules[longer].key));
                    let _ = write!(condition, " and not resource.path like {}", quote(&pattern));
                }
                blocks.push((what, condition));
                continue;
            }
            for shape in shapes {
                if !overlaps(&own, std::slice::from_ref(shape)) {
                    continue;
                }
                match open_condition(shape) {
                    Some(c) => conditions.push(c),
                    None => {
                        // Paths of a fixed depth: the carve-out restricted
                        // to that depth is a condition. Paths of any depth:
                        // the carve-out is taken out of the resource line.
                        let mut next = Vec::new();
                        for set in own_sets {
                            if set.more {
                                hard = other;
                                let q = quote(&r.written);
                                if !taken_out.contains(&q) {
                                    taken_out.push(q);
                                }
                                match set.subtract(shape) {
                                    Some(pieces) => next.extend(pieces),
                                    None => {
                                        self.cannot(index, other);
                                        return;
                                    }
                                }
                            } else {
                                if let Some(segs) = restrict(shape, set.segs.len()) {
                                    let c = fixed_condition(&segs);
                                    if !conditions.contains(&c) {
                                        conditions.push(c);
                                    }
                                }
                                next.push(set);
                            }
                        }
                        own_sets = next;
                    }
                }
            }
            for c in conditions {
                blocks.push((what.clone(), c));
            }
        }
        if own_sets.is_empty() {
            if part == Part::Main && !self.said_never {
                self.said_never = true;
                self.out.push_str(
                    "  # More specific Vault paths take all of its paths: it never decides.\n",
                );
            }
            return;
        }
        let mut resources: Vec<String> = Vec::new();
        for set in &own_sets {
            match set.patterns() {
                Some(p) => resources.extend(p),
                None => {
                    self.cannot(index, hard);
                    return;
                }
            }
        }
        match part {
            Part::Main => {}
            Part::List => self.out.push_str(
                "  # `list` on a path P is Vault's LIST P/: exact paths \"P/\" and \"P\" come first,\n  # then the most specific path matching P or P/ that denies or grants list.\n",
            ),
            Part::Slash => self.out.push_str(
                "  # `list` on P is Vault's LIST P/, which this path matches and P does not.\n",
            ),
        }
        if effect == "deny" {
            self.out.push_str(
                "  # Vault's deny takes every capability here, whatever any policy grants on this path.\n",
            );
        } else if actions.contains(&"revoke") {
            self.out.push_str(
                "  # `update` also grants Vault's revoke, renew and rollback operations.\n",
            );
        }
        if !taken_out.is_empty() {
            let _ = writeln!(
                self.out,
                "  # The resource line leaves out the paths of Vault path {}, which takes\n  # precedence there: spelled segment by segment, as a condition cannot say it.",
                taken_out.join(", ")
            );
        }
        let _ = writeln!(
            self.out,
            "  {effect} {} {{\n    principal *\n    action {}\n    resource {}",
            quote(name),
            actions.join(", "),
            resources.join(", ")
        );
        if !literals.is_empty() {
            literals.sort();
            literals.dedup();
            self.out.push_str(if all_exact {
                "    # More specific exact Vault paths decide these themselves.\n"
            } else {
                "    # More specific Vault paths decide these themselves.\n"
            });
            if let [one] = literals.as_slice() {
                let _ = writeln!(self.out, "    unless {{ resource.path == {} }}", quote(one));
            } else {
                let list = literals
                    .iter()
                    .map(|l| quote(l))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = writeln!(self.out, "    unless {{ resource.path in [{list}] }}");
            }
        }
        for (what, condition) in blocks {
            let _ = writeln!(self.out, "    # {what} takes precedence here.");
            let _ = writeln!(self.out, "    unless {{ {condition} }}");
        }
        if !self.when.is_empty() {
            self.out.push_str(
                "    # Vault's checks of this path for these operations (acl.go, see\n    # docs/import.md): the request's body is context.parameters, its wrapping\n    # TTL context.wrap_ttl_seconds.\n",
            );
            for (comment, condition) in &self.when {
                let _ = writeln!(self.out, "    # {comment}\n    when {{ {condition} }}");
            }
        }
        self.out.push_str("  }\n");
    }

    /// Refuses: rule `other` takes precedence over rule `index` on paths
    /// that a condition cannot single out yet.
    fn cannot(&mut self, index: usize, other: usize) {
        let (rule, over) = (&self.rules[index], &self.rules[other]);
        let origin = rule.origins.first().map_or(0, |o| o.file);
        let (file, source) = self.files.get(origin).copied().unwrap_or(("vault", ""));
        let span = find_label(source, &rule.written);
        self.diagnostics.push(Diagnostic::new(
            DiagnosticKind::Import,
            file,
            source,
            span,
            format!(
                "Vault path \"{}\" cannot be imported yet: the more specific path \"{}\" ({}) takes precedence over it on paths of any depth below a `+` segment, and spelling the rest out segment by segment would need a character class holding a character other than letters, digits and `_.:@+=%~`",
                rule.written,
                over.written,
                self.origins(over)
            ),
            Some("a `not resource` line beside the `resource` line would say this directly (not in the language yet); until then, split the `*` path into paths of fixed depth"),
        ));
    }
}

/// The span of the path label `path` (as written, without its leading `/`)
/// in `source`, for diagnostics found after reading.
fn find_label(source: &str, path: &str) -> Span {
    for candidate in [format!("\"{path}\""), format!("\"/{path}\"")] {
        if let Some(at) = source.find(&candidate) {
            return Span::new(at, at + candidate.len());
        }
    }
    Span::new(0, 0)
}
