//! Which request fields a record drops or masks.
//!
//! Selectors name fields: `context.NAME`, `principal.tags.NAME`,
//! `resource.tags.NAME` (`NAME` may be `*`, every key of that map),
//! `groups`, `source_ip`, `mfa`, `mfa_age_seconds` and `version_stage`.
//! When several rules reach a field the strictest applies: drop, then mask,
//! then keep. Custom context keys and tags whose names look secret are
//! masked whatever the configuration says.

use super::error::{AuditError, AuditErrorKind};
use std::collections::BTreeMap;

/// What a record shows in place of a masked value.
pub const MASKED: &str = "[masked]";

/// Parts of names that mark a custom context key or a tag as secret: a key
/// whose lowercase name contains one of them has its value masked in every
/// record, with or without configuration.
pub const SECRET_NAME_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "credential",
    "authorization",
    "cookie",
    "session",
    "private",
    "api_key",
    "apikey",
];

/// What happens to a field, from least to most strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Action {
    #[default]
    Keep,
    Mask,
    Drop,
}

/// The rules for one map of named values (context attributes, tags).
#[derive(Debug, Clone, Default)]
pub(crate) struct MapRules {
    /// The rule for every key (`NAME` = `*`).
    all: Action,
    /// Rules for single keys.
    named: BTreeMap<String, Action>,
}

impl MapRules {
    /// The action for key `name`: the strictest of its rules and the
    /// secret-name default.
    pub(crate) fn action(&self, name: &str) -> Action {
        let named = self.named.get(name).copied().unwrap_or_default();
        let default = if looks_secret(name) {
            Action::Mask
        } else {
            Action::Keep
        };
        self.all.max(named).max(default)
    }

    fn add(&mut self, name: &str, action: Action) {
        if name == "*" {
            self.all = self.all.max(action);
        } else {
            let entry = self.named.entry(name.to_string()).or_default();
            *entry = (*entry).max(action);
        }
    }
}

/// Every masking rule, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct MaskPlan {
    pub(crate) context: MapRules,
    pub(crate) principal_tags: MapRules,
    pub(crate) resource_tags: MapRules,
    pub(crate) groups: Action,
    pub(crate) source_ip: Action,
    pub(crate) mfa: Action,
    pub(crate) mfa_age_seconds: Action,
    pub(crate) version_stage: Action,
}

impl MaskPlan {
    /// Applies one checked selector.
    pub(crate) fn add(&mut self, selector: &str, action: Action) -> Result<(), AuditError> {
        let scalar = |plan: &mut MaskPlan, name: &str| -> Option<()> {
            let slot = match name {
                "groups" => &mut plan.groups,
                "source_ip" => &mut plan.source_ip,
                "mfa" => &mut plan.mfa,
                "mfa_age_seconds" => &mut plan.mfa_age_seconds,
                "version_stage" => &mut plan.version_stage,
                _ => return None,
            };
            *slot = (*slot).max(action);
            Some(())
        };
        if scalar(self, selector).is_some() {
            return Ok(());
        }
        type Rules = fn(&mut MaskPlan) -> &mut MapRules;
        let maps: [(&str, Rules); 3] = [
            ("context.", |p| &mut p.context),
            ("principal.tags.", |p| &mut p.principal_tags),
            ("resource.tags.", |p| &mut p.resource_tags),
        ];
        for (prefix, rules) in maps {
            if let Some(name) = selector.strip_prefix(prefix).filter(|n| !n.is_empty()) {
                rules(self).add(name, action);
                // `context.source_ip` and its kin are the request's context
                // keys of those names, whatever form they take.
                if prefix == "context." && name != "groups" {
                    let _ = scalar(self, name);
                }
                if name == "*" && prefix == "context." {
                    for known in ["source_ip", "mfa", "mfa_age_seconds", "version_stage"] {
                        let _ = scalar(self, known);
                    }
                }
                return Ok(());
            }
        }
        Err(unknown_selector(selector))
    }
}

/// True when `name`, lowercased and with `-` read as `_`, contains one of
/// [`SECRET_NAME_PARTS`]: the values of custom context keys and tags so
/// named are shown as [`MASKED`] in audit records and explanations, and
/// should be wherever else a request is shown.
///
/// ```
/// use tessera::audit::looks_secret;
///
/// assert!(looks_secret("session_token"));
/// assert!(looks_secret("X-Api-Key"));
/// assert!(looks_secret("DB_PASSWORD"));
/// assert!(!looks_secret("ticket"));
/// ```
pub fn looks_secret(name: &str) -> bool {
    let same = |a: &u8, b: &u8| a.eq_ignore_ascii_case(b) || (*a == b'-' && *b == b'_');
    let name = name.as_bytes();
    SECRET_NAME_PARTS.iter().any(|part| {
        let part = part.as_bytes();
        name.len() >= part.len()
            && name
                .windows(part.len())
                .any(|window| window.iter().zip(part).all(|(a, b)| same(a, b)))
    })
}

/// The error for a selector that names no field, with a suggestion.
fn unknown_selector(selector: &str) -> AuditError {
    let message = match selector {
        "principal" | "principal.id" | "action" | "resource" | "resource.path" => format!(
            "`{selector}` cannot be masked: the principal, action and resource path are what an audit record is for"
        ),
        "context.time" | "time" => format!(
            "`{selector}` cannot be masked: the record's `decided_at` is the request's time"
        ),
        _ => {
            let hint = suggestion(selector)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    "; selectors are `context.NAME`, `principal.tags.NAME`, `resource.tags.NAME` \
                     (NAME may be `*`), `groups`, `source_ip`, `mfa`, `mfa_age_seconds` and \
                     `version_stage`"
                        .to_string()
                });
            format!("unknown field selector `{}`{hint}", clip(selector))
        }
    };
    AuditError::new(AuditErrorKind::UnknownSelector, message)
}

/// The nearest valid selector, if one is close.
fn suggestion(selector: &str) -> Option<String> {
    // `principal.tag.team`, `contxt.token`: keep the name, fix the rest.
    let name = match selector.rsplit_once('.') {
        Some((_, name)) if !name.is_empty() => name,
        _ => selector,
    };
    let mut candidates: Vec<String> = [
        "groups",
        "source_ip",
        "mfa",
        "mfa_age_seconds",
        "version_stage",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for prefix in ["context", "principal.tags", "resource.tags"] {
        candidates.push(format!("{prefix}.{name}"));
    }
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(selector, &c), c))
        .filter(|(d, c)| *d > 0 && *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn clip(text: &str) -> String {
    if text.chars().count() <= 64 {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(64).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn secret_looking_names() {
        for name in [
            "session_token",
            "Password",
            "X-API-KEY",
            "db_passwd",
            "apikey",
            "AUTHORIZATION",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["team", "env", "ticket", "owner"] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn strictest_rule_wins() {
        let mut plan = MaskPlan::default();
        plan.add("context.ticket", Action::Mask).unwrap();
        plan.add("context.*", Action::Drop).unwrap();
        assert_eq!(plan.context.action("ticket"), Action::Drop);
        let mut plan = MaskPlan::default();
        plan.add("context.ticket", Action::Drop).unwrap();
        plan.add("context.ticket", Action::Mask).unwrap();
        assert_eq!(plan.context.action("ticket"), Action::Drop);
        assert_eq!(plan.context.action("other"), Action::Keep);
        assert_eq!(plan.context.action("auth_token"), Action::Mask);
    }

    #[test]
    fn context_aliases_reach_the_known_fields() {
        let mut plan = MaskPlan::default();
        plan.add("context.source_ip", Action::Drop).unwrap();
        assert_eq!(plan.source_ip, Action::Drop);
        let mut plan = MaskPlan::default();
        plan.add("context.*", Action::Mask).unwrap();
        assert_eq!(plan.mfa, Action::Mask);
        assert_eq!(plan.groups, Action::Keep);
    }

    #[test]
    fn suggestions() {
        let mut plan = MaskPlan::default();
        let err = |s: &str| plan.clone().add(s, Action::Mask).unwrap_err().to_string();
        assert!(err("contxt.token").contains("did you mean `context.token`?"));
        assert!(err("principal.tag.team").contains("did you mean `principal.tags.team`?"));
        assert!(err("sourceip").contains("did you mean `source_ip`?"));
        assert!(err("action").contains("cannot be masked"));
        assert!(err("context.").contains("unknown field selector"));
        assert!(err("zzzzzzzzzzzz").contains("selectors are"));
        plan.add("groups", Action::Mask).unwrap();
    }
}
