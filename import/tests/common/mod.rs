//! A small model of Vault's ACL, written from vault/acl.go and
//! vault/policy.go (hashicorp/vault) for the differential tests. It shares no
//! code with the importer: it keeps Vault's own data layout (exact rules,
//! prefix rules, segment-wildcard rules keyed by path) and walks
//! AllowOperation's steps on Vault's request path.

#![allow(dead_code, clippy::panic)]

use std::collections::HashMap;

pub const DENY: u32 = 1;
pub const CREATE: u32 = 2;
pub const READ: u32 = 4;
pub const UPDATE: u32 = 8;
pub const DELETE: u32 = 16;
pub const LIST: u32 = 32;
pub const SUDO: u32 = 64;
pub const PATCH: u32 = 128;
pub const SUBSCRIBE: u32 = 256;
pub const RECOVER: u32 = 512;

pub fn capability(name: &str) -> u32 {
    match name {
        "deny" => DENY,
        "create" => CREATE,
        "read" => READ,
        "update" => UPDATE,
        "delete" => DELETE,
        "list" => LIST,
        "sudo" => SUDO,
        "patch" => PATCH,
        "subscribe" => SUBSCRIBE,
        "recover" => RECOVER,
        other => panic!("not a capability: {other}"),
    }
}

/// policy.go's shorthand.
pub fn shorthand(name: &str) -> u32 {
    match name {
        "deny" => DENY,
        "read" => READ | LIST,
        "write" => CREATE | READ | UPDATE | DELETE | LIST,
        "sudo" => CREATE | READ | UPDATE | DELETE | LIST | SUDO,
        other => panic!("not a shorthand: {other}"),
    }
}

/// The capability an operation needs (acl.go, AllowOperation's switch).
pub fn needs(op: &str) -> Option<u32> {
    Some(match op {
        "read" => READ,
        "list" => LIST,
        "update" | "revoke" | "renew" | "rollback" => UPDATE,
        "delete" => DELETE,
        "create" => CREATE,
        "patch" => PATCH,
        "recover" => RECOVER,
        "sudo" => SUDO,
        "subscribe" => SUBSCRIBE,
        _ => return None,
    })
}

pub const OPERATIONS: [&str; 13] = [
    "create",
    "read",
    "update",
    "revoke",
    "renew",
    "rollback",
    "patch",
    "delete",
    "list",
    "sudo",
    "subscribe",
    "recover",
    "help",
];

#[derive(Default, Debug)]
pub struct Acl {
    exact: HashMap<String, u32>,
    prefix: HashMap<String, u32>,
    segment: HashMap<String, u32>,
}

fn merge(slot: Option<&mut u32>, bits: u32) -> Option<u32> {
    match slot {
        None => Some(bits),
        Some(existing) => {
            if *existing & DENY != 0 {
                // existing deny: keep it
            } else if bits & DENY != 0 {
                *existing = DENY;
            } else {
                *existing |= bits;
            }
            None
        }
    }
}

impl Acl {
    /// One `path` stanza: the path as written and its capability bits
    /// (already collapsed to DENY when deny is among them, as policy.go does).
    pub fn add(&mut self, written: &str, caps: u32) {
        let caps = if caps & DENY != 0 { DENY } else { caps };
        let mut path = written.strip_prefix('/').unwrap_or(written).to_string();
        assert!(!path.contains("+*"));
        let has_segment_wildcards = path == "+" || path.contains("/+") || path.starts_with("+/");
        let mut is_prefix = false;
        if path.ends_with('*') && !has_segment_wildcards {
            path.pop();
            is_prefix = true;
        }
        let map = if has_segment_wildcards {
            &mut self.segment
        } else if is_prefix {
            &mut self.prefix
        } else {
            &mut self.exact
        };
        if let Some(new) = merge(map.get_mut(&path), caps) {
            map.insert(path, new);
        }
    }

    fn non_exact(&self, path: &str) -> Option<u32> {
        // (firstWCOrGlob, isPrefix, wildcards, wcPath, perms)
        let mut candidates: Vec<(i64, bool, usize, String, u32)> = Vec::new();
        if let Some((prefix, perms)) = self
            .prefix
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
        {
            if self.segment.is_empty() {
                return Some(*perms);
            }
            candidates.push((prefix.len() as i64, true, 0, prefix.clone(), *perms));
        }
        let parts: Vec<&str> = path.split('/').collect();
        'rules: for (full, perms) in &self.segment {
            if full.is_empty() {
                continue;
            }
            let first = full.find('+').map_or(-1, |i| i as i64);
            let mut current = full.as_str();
            let mut is_prefix = false;
            if current.ends_with('*') {
                is_prefix = true;
                current = &current[..current.len() - 1];
            }
            let acl_parts: Vec<&str> = current.split('/').collect();
            if parts.len() < acl_parts.len() {
                continue;
            }
            if !is_prefix && acl_parts.len() != parts.len() {
                continue;
            }
            let mut wildcards = 0;
            for (i, acl_part) in acl_parts.iter().enumerate() {
                let matched = if *acl_part == "+" {
                    wildcards += 1;
                    true
                } else {
                    *acl_part == parts[i]
                        || (is_prefix && i == acl_parts.len() - 1 && parts[i].starts_with(acl_part))
                };
                if !matched {
                    continue 'rules;
                }
            }
            candidates.push((first, is_prefix, wildcards, current.to_string(), *perms));
        }
        // Vault sorts with `less` and takes the last: the greatest.
        candidates
            .into_iter()
            .max_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| b.1.cmp(&a.1)) // a prefix is lower
                    .then_with(|| b.2.cmp(&a.2)) // more wildcards is lower
                    .then_with(|| a.3.len().cmp(&b.3.len()))
                    .then_with(|| a.3.cmp(&b.3))
            })
            .map(|c| c.4)
    }

    /// The capabilities that decide operation `op` on Vault's request path
    /// `path` (AllowOperation before its switch), or None when no rule does.
    pub fn lookup(&self, op: &str, path: &str) -> Option<u32> {
        let path = path.trim_start_matches('/');
        if let Some(c) = self.exact.get(path) {
            return Some(*c);
        }
        if op == "list" {
            if let Some(c) = self.exact.get(path.strip_suffix('/').unwrap_or(path)) {
                return Some(*c);
            }
            if let Some(c) = path.strip_suffix('/').and_then(|t| self.non_exact(t)) {
                return Some(c);
            }
        }
        self.non_exact(path)
    }

    /// Whether Vault allows `op` on `path` (Vault's request path).
    pub fn allows(&self, op: &str, path: &str) -> bool {
        if op == "help" {
            return true;
        }
        let Some(need) = needs(op) else { return false };
        match self.lookup(op, path) {
            Some(caps) => caps & DENY == 0 && caps & need != 0,
            None => false,
        }
    }

    /// The Tessera request (action, normalized path `q`) as Vault sees it:
    /// a list on `q` is Vault's LIST `q/`.
    pub fn allows_tessera(&self, action: &str, q: &str) -> bool {
        if action == "list" {
            self.allows("list", &format!("{q}/"))
        } else {
            self.allows(action, q)
        }
    }
}

/// Decides with the converted text.
pub fn engine(text: &str) -> tessera::Engine {
    match tessera::Engine::compile_str("vault.policy", text) {
        Ok(engine) => engine,
        Err(e) => panic!("converted text does not compile: {e:?}\n{text}"),
    }
}

pub fn tessera_allows(engine: &tessera::Engine, action: &str, q: &str) -> bool {
    engine
        .decide(&tessera::Request::new("user:token", action, q))
        .is_allowed()
}
