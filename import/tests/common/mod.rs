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

/// A value of `allowed_parameters` or `denied_parameters` as Vault's HCL 1
/// decoder hands it to the ACL.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// A request body value as Vault's JSON decoder (`UseNumber`) hands it to
/// the ACL: numbers stay `json.Number`, a type of its own.
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    Nil,
    Str(String),
    Number(String),
    Bool(bool),
    List(Vec<GoValue>),
    Map(Vec<(String, GoValue)>),
}

impl GoValue {
    pub fn from_json(value: &serde_json::Value) -> GoValue {
        match value {
            serde_json::Value::Null => GoValue::Nil,
            serde_json::Value::Bool(b) => GoValue::Bool(*b),
            serde_json::Value::Number(n) => GoValue::Number(n.to_string()),
            serde_json::Value::String(s) => GoValue::Str(s.clone()),
            serde_json::Value::Array(items) => {
                GoValue::List(items.iter().map(GoValue::from_json).collect())
            }
            serde_json::Value::Object(map) => GoValue::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), GoValue::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// ACLPermissions: capabilities and parameter constraints. `None` is Go's
/// nil map.
#[derive(Debug, Clone, Default)]
pub struct Perms {
    pub bits: u32,
    pub allowed: Option<HashMap<String, Vec<PolicyValue>>>,
    pub denied: Option<HashMap<String, Vec<PolicyValue>>>,
    pub required: Vec<String>,
    /// Wrapping TTL bounds in seconds, 0 when not set.
    pub min_wrap: u64,
    pub max_wrap: u64,
}

/// Go's strings.ToLower, for the characters the tests use: per character,
/// with U+0130 (capital I with dot) going to a plain `i` as in Go.
pub fn go_lower(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let lowered: Vec<char> = if c == '\u{130}' {
                vec!['i']
            } else {
                c.to_lowercase().collect()
            };
            lowered
        })
        .collect()
}

/// policy.go: the names of allowed and denied parameters are lower-cased
/// when read; a deny reads no parameter constraints at all.
pub fn perms_from_policy(
    bits: u32,
    allowed: Option<&[(String, Vec<PolicyValue>)]>,
    denied: Option<&[(String, Vec<PolicyValue>)]>,
    required: &[String],
) -> Perms {
    let bits = if bits & DENY != 0 { DENY } else { bits };
    if bits == DENY {
        return Perms {
            bits,
            ..Perms::default()
        };
    }
    let map = |entries: Option<&[(String, Vec<PolicyValue>)]>| {
        entries.map(|e| {
            e.iter()
                .map(|(k, v)| (go_lower(k), v.clone()))
                .collect::<HashMap<_, _>>()
        })
    };
    Perms {
        bits,
        allowed: map(allowed),
        denied: map(denied),
        required: required.to_vec(),
        min_wrap: 0,
        max_wrap: 0,
    }
}

/// NewACL's merge of the parameter maps of two rules on one path.
fn merge_map(
    existing: &mut Option<HashMap<String, Vec<PolicyValue>>>,
    new: &Option<HashMap<String, Vec<PolicyValue>>>,
) {
    let Some(new) = new else { return };
    if new.is_empty() {
        return;
    }
    match existing {
        None => *existing = Some(new.clone()),
        Some(existing) => {
            for (key, value) in new {
                let old = existing.get(key);
                if value.is_empty() || old.is_some_and(Vec::is_empty) {
                    existing.insert(key.clone(), Vec::new());
                } else {
                    let mut merged = value.clone();
                    merged.extend(old.cloned().unwrap_or_default());
                    existing.insert(key.clone(), merged);
                }
            }
        }
    }
}

fn merge(slot: Option<&mut Perms>, perms: Perms) -> Option<Perms> {
    match slot {
        None => Some(perms),
        Some(existing) => {
            if existing.bits & DENY != 0 {
                // existing deny: keep it
            } else if perms.bits & DENY != 0 {
                existing.bits = DENY;
                existing.allowed = None;
                existing.denied = None;
            } else {
                existing.bits |= perms.bits;
                merge_map(&mut existing.allowed, &perms.allowed);
                merge_map(&mut existing.denied, &perms.denied);
                for r in perms.required {
                    if !existing.required.contains(&r) {
                        existing.required.push(r);
                    }
                }
                if perms.max_wrap > 0
                    && (existing.max_wrap == 0 || perms.max_wrap < existing.max_wrap)
                {
                    existing.max_wrap = perms.max_wrap;
                }
                if perms.min_wrap > 0
                    && (existing.min_wrap == 0 || perms.min_wrap < existing.min_wrap)
                {
                    existing.min_wrap = perms.min_wrap;
                }
            }
            None
        }
    }
}

/// strutil.GlobbedStringsMatch.
pub fn globbed_strings_match(item: &str, val: &str) -> bool {
    if item.len() < 2 {
        return val == item;
    }
    let has_prefix = item.starts_with('*');
    let has_suffix = item.ends_with('*');
    if has_prefix && has_suffix {
        val.contains(&item[1..item.len() - 1])
    } else if has_prefix {
        val.ends_with(&item[1..])
    } else if has_suffix {
        val.starts_with(&item[..item.len() - 1])
    } else {
        val == item
    }
}

/// acl.go, valueInParameterList: strings by glob, others by DeepEqual (an
/// HCL number never equals a `json.Number`).
fn value_in_parameter_list(v: &GoValue, list: &[PolicyValue]) -> bool {
    list.iter().any(|el| match (el, v) {
        (_, GoValue::Nil) => false,
        (PolicyValue::Str(item), GoValue::Str(val)) => globbed_strings_match(item, val),
        (PolicyValue::Str(_), _) => false,
        (PolicyValue::Bool(a), GoValue::Bool(b)) => a == b,
        _ => false,
    })
}

/// parseutil.ParseCommaStringSlice on a string: split at commas, trimmed;
/// the empty string is the empty list.
fn comma_parts(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(|p| p.trim().to_string()).collect()
}

fn value_in_allowed(v: &GoValue, list: &[PolicyValue]) -> bool {
    if list.is_empty() || value_in_parameter_list(v, list) {
        return true;
    }
    match v {
        GoValue::List(items) => items.iter().all(|i| value_in_parameter_list(i, list)),
        GoValue::Str(s) => comma_parts(s)
            .into_iter()
            .all(|p| value_in_parameter_list(&GoValue::Str(p), list)),
        _ => false,
    }
}

fn value_in_denied(v: &GoValue, list: &[PolicyValue]) -> bool {
    if list.is_empty() || value_in_parameter_list(v, list) {
        return true;
    }
    match v {
        GoValue::List(items) => items.iter().any(|i| value_in_parameter_list(i, list)),
        GoValue::Str(s) => comma_parts(s)
            .into_iter()
            .any(|p| value_in_parameter_list(&GoValue::Str(p), list)),
        _ => false,
    }
}

/// acl.go, normalizePolicyParameterValue.
fn normalize(name: &str, v: &GoValue) -> GoValue {
    if !matches!(go_lower(name).as_str(), "policies" | "token_policies") {
        return v.clone();
    }
    match v {
        GoValue::Str(s) => GoValue::Str(go_lower(s)),
        GoValue::List(items) => GoValue::List(
            items
                .iter()
                .map(|i| match i {
                    GoValue::Str(s) => GoValue::Str(go_lower(s)),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// AllowOperation's parameter checks, for the operations it runs them for.
pub fn parameters_pass(perms: &Perms, data: &[(String, GoValue)]) -> bool {
    for r in &perms.required {
        let want = go_lower(r);
        if !data.iter().any(|(n, _)| *n == want) {
            return false;
        }
    }
    if data.is_empty() {
        return true;
    }
    if let Some(denied) = perms.denied.as_ref().filter(|d| !d.is_empty()) {
        if denied.contains_key("*") {
            return false;
        }
        for (name, value) in data {
            if let Some(list) = denied.get(&go_lower(name))
                && value_in_denied(&normalize(name, value), list)
            {
                return false;
            }
        }
    }
    let Some(allowed) = perms.allowed.as_ref().filter(|a| !a.is_empty()) else {
        return true;
    };
    let allowed_all = allowed.contains_key("*");
    if allowed.len() == 1 && allowed_all {
        return true;
    }
    for (name, value) in data {
        match allowed.get(&go_lower(name)) {
            None if !allowed_all => return false,
            None => {}
            Some(list) if !value_in_allowed(&normalize(name, value), list) => return false,
            Some(_) => {}
        }
    }
    true
}

/// A non-exact candidate: (firstWCOrGlob, isPrefix, wildcards, wcPath,
/// perms).
type Candidate<'a> = (i64, bool, usize, String, &'a Perms);

/// Vault's priority of two candidates (wildcardPathDescriptorComparePriority),
/// as an ordering: greater wins.
fn compare_candidates(a: &Candidate<'_>, b: &Candidate<'_>) -> std::cmp::Ordering {
    a.0.cmp(&b.0)
        .then_with(|| b.1.cmp(&a.1)) // a prefix is lower
        .then_with(|| b.2.cmp(&a.2)) // more wildcards is lower
        .then_with(|| a.3.len().cmp(&b.3.len()))
        .then_with(|| a.3.cmp(&b.3))
}

#[derive(Default, Debug)]
pub struct Acl {
    exact: HashMap<String, Perms>,
    prefix: HashMap<String, Perms>,
    segment: HashMap<String, Perms>,
}

impl Acl {
    /// One `path` stanza: the path as written and its capability bits
    /// (already collapsed to DENY when deny is among them, as policy.go does).
    pub fn add(&mut self, written: &str, caps: u32) {
        self.add_perms(written, perms_from_policy(caps, None, None, &[]));
    }

    /// One `path` stanza with its permissions (see [`perms_from_policy`]).
    pub fn add_perms(&mut self, written: &str, caps: Perms) {
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

    /// The longest prefix rule matching `path` and every segment rule
    /// matching it (acl.go, prefixAndWCCandidatesForPath).
    fn candidates(&self, path: &str) -> Vec<Candidate<'_>> {
        // (firstWCOrGlob, isPrefix, wildcards, wcPath, perms)
        let mut candidates: Vec<Candidate<'_>> = Vec::new();
        if let Some((prefix, perms)) = self
            .prefix
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
        {
            candidates.push((prefix.len() as i64, true, 0, prefix.clone(), perms));
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
            candidates.push((first, is_prefix, wildcards, current.to_string(), perms));
        }
        candidates
    }

    /// The highest non-exact rule matching `path` (Vault sorts with `less`
    /// and takes the last: the greatest).
    fn non_exact(&self, path: &str) -> Option<&Perms> {
        self.candidates(path)
            .into_iter()
            .max_by(compare_candidates)
            .map(|c| c.4)
    }

    /// LIST on `path` ending in `/`, no exact rule: candidates of both the
    /// path and the path without its slash; the highest deny wins unless a
    /// higher candidate grants `list`; else the highest candidate granting
    /// `list`; else the highest of all (acl.go, resolveACLPermsForListOp).
    fn non_exact_list(&self, path: &str) -> Option<&Perms> {
        let trimmed = path.strip_suffix('/').unwrap_or(path);
        let mut all = self.candidates(trimmed);
        all.extend(self.candidates(path));
        let best = |bit: u32| {
            all.iter()
                .filter(|c| c.4.bits & bit != 0)
                .max_by(|a, b| compare_candidates(a, b))
        };
        let (deny, list) = (best(DENY), best(LIST));
        match (deny, list) {
            (Some(d), Some(l)) if compare_candidates(l, d).is_lt() => Some(d.4),
            (Some(d), None) => Some(d.4),
            (_, Some(l)) => Some(l.4),
            (None, None) => all
                .iter()
                .max_by(|a, b| compare_candidates(a, b))
                .map(|c| c.4),
        }
    }

    /// The capabilities that decide operation `op` on Vault's request path
    /// `path` (AllowOperation before its switch), or None when no rule does.
    pub fn lookup(&self, op: &str, path: &str) -> Option<&Perms> {
        let path = path.trim_start_matches('/');
        if let Some(c) = self.exact.get(path) {
            return Some(c);
        }
        if op == "list" {
            if let Some(c) = self.exact.get(path.strip_suffix('/').unwrap_or(path)) {
                return Some(c);
            }
            if path.ends_with('/') {
                return self.non_exact_list(path);
            }
        }
        self.non_exact(path)
    }

    /// Whether Vault allows `op` on `path` (Vault's request path).
    pub fn allows(&self, op: &str, path: &str) -> bool {
        self.allows_with(op, path, &[])
    }

    /// Whether Vault allows `op` on `path` with the request body `data`.
    pub fn allows_with(&self, op: &str, path: &str, data: &[(String, GoValue)]) -> bool {
        self.allows_wrapped(op, path, data, None)
    }

    /// ... and the response-wrapping TTL `wrap` (seconds), if wrapped.
    pub fn allows_wrapped(
        &self,
        op: &str,
        path: &str,
        data: &[(String, GoValue)],
        wrap: Option<u64>,
    ) -> bool {
        if op == "help" {
            return true;
        }
        let Some(need) = needs(op) else { return false };
        let Some(perms) = self.lookup(op, path) else {
            return false;
        };
        if perms.bits & DENY != 0 || perms.bits & need == 0 {
            return false;
        }
        // The wrapping TTL bounds, for every operation a capability allows
        // (the sudo and subscribe questions are answered before).
        if !matches!(op, "sudo" | "subscribe") {
            if perms.max_wrap > 0 && wrap.is_none_or(|t| t > perms.max_wrap) {
                return false;
            }
            if perms.min_wrap > 0 && wrap.is_none_or(|t| t < perms.min_wrap) {
                return false;
            }
            if perms.min_wrap != 0 && perms.max_wrap != 0 && perms.max_wrap < perms.min_wrap {
                return false;
            }
        }
        // The operations acl.go checks parameters for.
        if matches!(op, "read" | "update" | "create" | "patch" | "recover") {
            return parameters_pass(perms, data);
        }
        true
    }

    /// The Tessera request (action, normalized path `q`) as Vault sees it:
    /// a list on `q` is Vault's LIST `q/`.
    pub fn allows_tessera(&self, action: &str, q: &str) -> bool {
        self.allows_tessera_with(action, q, &[])
    }

    pub fn allows_tessera_with(&self, action: &str, q: &str, data: &[(String, GoValue)]) -> bool {
        self.allows_tessera_wrapped(action, q, data, None)
    }

    pub fn allows_tessera_wrapped(
        &self,
        action: &str,
        q: &str,
        data: &[(String, GoValue)],
        wrap: Option<u64>,
    ) -> bool {
        if action == "list" {
            self.allows_wrapped("list", &format!("{q}/"), data, wrap)
        } else {
            self.allows_wrapped(action, q, data, wrap)
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

/// Decides with the converted text, the request's body (when given) as
/// `context.parameters`.
pub fn tessera_allows_with(
    engine: &tessera::Engine,
    action: &str,
    q: &str,
    parameters: Option<&serde_json::Value>,
) -> bool {
    tessera_allows_wrapped(engine, action, q, parameters, None)
}

/// ... and the wrapping TTL as `context.wrap_ttl_seconds`.
pub fn tessera_allows_wrapped(
    engine: &tessera::Engine,
    action: &str,
    q: &str,
    parameters: Option<&serde_json::Value>,
    wrap: Option<u64>,
) -> bool {
    let mut request = serde_json::json!({
        "principal": "user:token",
        "action": action,
        "resource": q,
        "context": {},
    });
    if let Some(p) = parameters {
        request["context"]["parameters"] = p.clone();
    }
    if let Some(t) = wrap {
        request["context"]["wrap_ttl_seconds"] = serde_json::json!(t);
    }
    // A request Tessera's reader refuses (a `null` member) is an error for
    // the host, never an allow.
    match tessera::Request::from_json(&request.to_string()) {
        Ok(r) => engine.decide(&r).is_allowed(),
        Err(_) => false,
    }
}
