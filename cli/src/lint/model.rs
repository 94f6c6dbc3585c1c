//! Severities, the rule table and findings.

use policy_lang::Span;

/// How serious a finding is. Ordered: note < warning < error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Severity {
    /// Worth knowing; nothing is wrong as such.
    Note,
    /// Probably a mistake, or more access than needed.
    Warning,
    /// Grants far more than least privilege allows.
    Error,
}

impl Severity {
    /// The name used in every output format (and SARIF's `level`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One lint rule: a stable id and its documentation.
#[derive(Debug)]
pub struct Rule {
    /// Stable, kebab-case id; used in output and in `# lint: allow ID`.
    pub id: &'static str,
    /// The severity of most of its findings.
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// A few words drawn under the code at fault.
    pub label: &'static str,
    /// What the rule reports and why it matters.
    pub description: &'static str,
    /// How to fix a finding.
    pub help: &'static str,
}

/// Every rule, in documentation order. Ids never change.
pub const RULES: &[Rule] = &[
    Rule {
        id: "allow-all-actions",
        severity: Severity::Error,
        summary: "An allow grants every action",
        label: "too many actions",
        description: "An allow statement with `action *` grants every action, including deletes and writes; `not action ...` grants every action but the listed ones, including actions added to the service later; `secrets:*` grants every action of one service.",
        help: "List only the actions the principals need, such as `action secrets:GetSecretValue, secrets:DescribeSecret`; keep `not action` for deny statements.",
    },
    Rule {
        id: "allow-all-resources",
        severity: Severity::Error,
        summary: "An allow applies to every secret",
        label: "too many secrets",
        description: "An allow statement with `resource *` or `resource **` applies to every secret; `not resource ...` applies to every secret but the listed ones, including paths created later.",
        help: "Name the folders the principals need, such as `resource app/payments/**`; keep `not resource` for deny statements.",
    },
    Rule {
        id: "prod-without-guard",
        severity: Severity::Warning,
        summary: "An allow reaches production secrets without a network or MFA condition",
        label: "production without a network or MFA guard",
        description: "An allow statement whose resource patterns can match a path under `prod/` or `production/` (including `*/db` and `**`) has no condition on `source_ip`, `mfa` or `mfa_age`, and no deny with the same or broader reach guards it with `unless { source_ip ... }` or `unless { mfa ... }`. Stolen credentials then read production secrets from anywhere.",
        help: "Add `when { source_ip in [10.0.0.0/8] }` (your private ranges) or `when { mfa and mfa_age <= 15m }`, or guard the whole path with `deny ... resource prod/** unless { source_ip in [...] }`.",
    },
    Rule {
        id: "never-applies",
        severity: Severity::Warning,
        summary: "A statement can never apply",
        label: "never applies as intended",
        description: "An allow statement that an unconditional deny covers entirely (same or broader principal, action and resource patterns), or a statement whose conditions contradict each other (`mfa and not mfa`, `mfa_age <= 5m and mfa_age > 10m`, two different `==` values). Dead statements mislead reviewers about who has access.",
        help: "Remove the statement, or fix the condition or the covering deny so that the statement means what was intended.",
    },
    Rule {
        id: "expired-window",
        severity: Severity::Warning,
        summary: "A statement's time window has ended",
        label: "window has ended",
        description: "A statement requires `time` to be before an instant that has passed (`time < T`, `time <= T`, `time in A .. T`), so it can never apply again.",
        help: "Remove the statement if the access was temporary, or extend the window if it is still needed.",
    },
    Rule {
        id: "open-network",
        severity: Severity::Error,
        summary: "A network condition admits every address",
        label: "admits (nearly) every address",
        description: "A `source_ip` range such as `0.0.0.0/0` or `::/0` (or ranges that together cover every address) in an allow's condition, or in a deny's exemption, restricts nothing; a huge range such as `0.0.0.0/1` or `2000::/3` is reported as a note.",
        help: "List your private or egress ranges, such as `source_ip in [10.0.0.0/8, fd00::/8]`.",
    },
    Rule {
        id: "duplicate-statement",
        severity: Severity::Warning,
        summary: "Two statements say the same thing",
        label: "repeats another statement",
        description: "Two statements have the same effect, principal, action, resource and conditions (names, comments, layout, parentheses and the order of patterns aside). One of them is dead weight, and a later edit to only one of them will surprise.",
        help: "Remove one of the two statements.",
    },
    Rule {
        id: "overlapping-statement",
        severity: Severity::Note,
        summary: "An allow is already granted by an unconditional allow",
        label: "already granted",
        description: "Another allow without conditions has the same or broader principal, action and resource patterns, so this allow grants nothing more; if it has conditions, they restrict nothing.",
        help: "Remove the narrower allow, or narrow the broader one (or give it the same conditions) if it grants more than intended.",
    },
    Rule {
        id: "wildcard-in-equality",
        severity: Severity::Warning,
        summary: "A wildcard in an exact comparison",
        label: "compared exactly, not as a pattern",
        description: "`==`, `!=`, `in`, `not in` and `contains` compare strings exactly: `*` and `?` in the literal are plain characters, so `context.ticket == \"CHG-*\"` only matches the text `CHG-*`.",
        help: "Use `like` (or `ilike`) to match a pattern, such as `context.ticket like \"CHG-*\"`; for `!=`, write `not context.ticket like \"CHG-*\"`.",
    },
    Rule {
        id: "misspelt-key",
        severity: Severity::Warning,
        summary: "A custom attribute that looks like a misspelling of another",
        label: "read here only; a near-identical key is read elsewhere",
        description: "A custom attribute (`context.NAME`, `principal.tags.NAME` or `resource.tags.NAME`) is read by one statement only, while another statement reads a near-identical name: the same but for case, `_` and `-`, or one or two letters apart. Requests carry one spelling, so the statement with the other silently never matches (an allow never grants, a deny never guards). Without a schema the linter cannot know which keys exist; this catches the usual typo.",
        help: "Spell the key as the other statements do, or suppress the finding with `# lint: allow misspelt-key` if both keys are real.",
    },
];

/// The rule with this id, with its index in [`RULES`].
pub fn rule(id: &str) -> Option<(usize, &'static Rule)> {
    RULES.iter().enumerate().find(|(_, r)| r.id == id)
}

/// A second place a finding points at, such as the statement it repeats.
#[derive(Debug, Clone)]
pub struct Related {
    /// Index of the source file.
    pub file: usize,
    /// Where.
    pub span: Span,
    /// What this place is.
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// This finding's severity.
    pub severity: Severity,
    /// One-line description.
    pub message: String,
    /// How to fix it.
    pub hint: String,
    /// Index of the source file.
    pub file: usize,
    /// The statement, matcher, pattern or condition at fault.
    pub span: Span,
    /// Index of the statement in the lint context (for suppression).
    pub statement: usize,
    /// Another place involved.
    pub related: Option<Related>,
}
