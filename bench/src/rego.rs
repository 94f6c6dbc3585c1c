//! The Rego side: three ways to write the same set for regorus.
//!
//! - (a) `rules`: one Rego rule per statement (`permit if { ... }`,
//!   `deny if { ... }`), decision `allow if { permit; not deny }`;
//! - (b) `data`: the statements as JSON in `data.statements` and one
//!   generic policy that iterates over all of them;
//! - (c) `index`: the same data plus `data.index`, statement numbers keyed
//!   by the most selective key each has (user, group, team tag, action
//!   service, two-segment subtree; the rest in `rest`), so the generic
//!   policy only looks at the candidates for the request, as a Rego user
//!   would write it for speed.
//!
//! Globs are `glob.match(pattern, ["/"], path)` for resources and
//! `glob.match(pattern, [], action)` for actions (actions hold no `.`,
//! the default delimiter); addresses `net.cidr_contains`.

use crate::model::{Action, Cond, Principal, Req, Resource, Stmt};
use serde_json::{Map, Value as Json, json};
use std::fmt::Write as _;

/// The Rego variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// One rule per statement.
    Rules,
    /// Statements as data, one generic policy.
    Data,
    /// Statements as data with an index by key.
    Index,
}

impl Variant {
    /// Short name used in the table.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Rules => "rules",
            Variant::Data => "data",
            Variant::Index => "index",
        }
    }
}

/// The rule regorus is asked for.
pub const ENTRY: &str = "data.tessera.allow";

fn cond_expr(c: &Cond) -> String {
    match c {
        Cond::TeamIs(t) => format!("input.tags.team == \"{t}\""),
        Cond::IpIn(cidr) => format!("net.cidr_contains(\"{cidr}\", input.source_ip)"),
        Cond::Quarantined => "input.quarantined == true".into(),
    }
}

/// Variant (a): one rule per statement.
pub fn rules_policy(stmts: &[Stmt]) -> String {
    let mut out = String::from(
        "package tessera\n\nimport rego.v1\n\ndefault allow := false\n\nallow if {\n  permit\n  not deny\n}\n",
    );
    for s in stmts {
        let mut body: Vec<String> = Vec::new();
        match &s.principal {
            Principal::Any => {}
            Principal::User(u) => body.push(format!("input.principal == \"user:{u}\"")),
            Principal::Group(g) => body.push(format!("\"group:{g}\" in input.groups")),
        }
        match &s.action {
            Action::Any => {}
            Action::Exact(a) => body.push(format!("input.action == \"{a}\"")),
            Action::Prefix(p) => body.push(format!("glob.match(\"{p}*\", [], input.action)")),
        }
        match &s.resource {
            Resource::Any => {}
            Resource::Exact(p) => body.push(format!("input.path == \"{p}\"")),
            Resource::Subtree(p) => {
                body.push(format!("glob.match(\"{p}/**\", [\"/\"], input.path)"))
            }
        }
        if let Some(c) = &s.when {
            body.push(cond_expr(c));
        }
        if let Some(c) = &s.unless {
            body.push(format!("not {}", cond_expr(c)));
        }
        if body.is_empty() {
            body.push("true".into());
        }
        let _ = write!(
            out,
            "\n# {}\n{} if {{\n  {}\n}}\n",
            s.name,
            if s.allow { "permit" } else { "deny" },
            body.join("\n  ")
        );
    }
    out
}

/// The generic policy shared by (b) and (c); `candidates` says which
/// statements to look at.
fn generic_policy(candidates: &str) -> String {
    format!(
        r#"package tessera

import rego.v1

default allow := false

allow if {{
  permitted
  not denied
}}

{candidates}

principal_ok(p) if p.kind == "any"
principal_ok(p) if {{ p.kind == "user"; input.principal == p.value }}
principal_ok(p) if {{ p.kind == "group"; p.value in input.groups }}

action_ok(a) if a.kind == "any"
action_ok(a) if {{ a.kind == "exact"; input.action == a.value }}
action_ok(a) if {{ a.kind == "glob"; glob.match(a.value, [], input.action) }}

resource_ok(r) if r.kind == "any"
resource_ok(r) if {{ r.kind == "exact"; input.path == r.value }}
resource_ok(r) if {{ r.kind == "glob"; glob.match(r.value, ["/"], input.path) }}

cond(c) if {{ c.kind == "team"; input.tags.team == c.value }}
cond(c) if {{ c.kind == "ip"; net.cidr_contains(c.value, input.source_ip) }}
cond(c) if {{ c.kind == "quarantined"; input.quarantined == true }}

applies(s) if {{
  principal_ok(s.principal)
  action_ok(s.action)
  resource_ok(s.resource)
  every c in s.when {{ cond(c) }}
  every c in s.unless {{ not cond(c) }}
}}
"#
    )
}

/// Variant (b): iterate over every statement.
pub fn data_policy() -> String {
    generic_policy(
        r#"permitted if {
  some s in data.statements
  s.allow == true
  applies(s)
}

denied if {
  some s in data.statements
  s.allow == false
  applies(s)
}"#,
    )
}

/// Variant (c): only the candidates the index gives for the request.
pub fn index_policy() -> String {
    generic_policy(
        r#"candidates contains i if some i in data.index.user[input.principal]
candidates contains i if {
  some g in input.groups
  some i in data.index.group[g]
}
candidates contains i if some i in data.index.team[input.tags.team]
candidates contains i if some i in data.index.service[split(input.action, ":")[0]]
candidates contains i if {
  parts := split(input.path, "/")
  some i in data.index.subtree[concat("/", array.slice(parts, 0, 2))]
}
candidates contains i if some i in data.index.rest

permitted if {
  some i in candidates
  s := data.statements[i]
  s.allow == true
  applies(s)
}

denied if {
  some i in candidates
  s := data.statements[i]
  s.allow == false
  applies(s)
}"#,
    )
}

fn cond_json(c: &Cond) -> Json {
    match c {
        Cond::TeamIs(t) => json!({"kind": "team", "value": t}),
        Cond::IpIn(cidr) => json!({"kind": "ip", "value": cidr}),
        Cond::Quarantined => json!({"kind": "quarantined"}),
    }
}

fn stmt_json(s: &Stmt) -> Json {
    let principal = match &s.principal {
        Principal::Any => json!({"kind": "any"}),
        Principal::User(u) => json!({"kind": "user", "value": format!("user:{u}")}),
        Principal::Group(g) => json!({"kind": "group", "value": format!("group:{g}")}),
    };
    let action = match &s.action {
        Action::Any => json!({"kind": "any"}),
        Action::Exact(a) => json!({"kind": "exact", "value": a}),
        Action::Prefix(p) => json!({"kind": "glob", "value": format!("{p}*")}),
    };
    let resource = match &s.resource {
        Resource::Any => json!({"kind": "any"}),
        Resource::Exact(p) => json!({"kind": "exact", "value": p}),
        Resource::Subtree(p) => json!({"kind": "glob", "value": format!("{p}/**")}),
    };
    json!({
        "name": s.name,
        "allow": s.allow,
        "principal": principal,
        "action": action,
        "resource": resource,
        "when": s.when.iter().map(cond_json).collect::<Vec<_>>(),
        "unless": s.unless.iter().map(cond_json).collect::<Vec<_>>(),
    })
}

/// `data` for (b) (`index == false`) and (c) (`index == true`), as JSON text.
pub fn data_json(stmts: &[Stmt], index: bool) -> String {
    let statements: Vec<Json> = stmts.iter().map(stmt_json).collect();
    let mut data = Map::new();
    data.insert("statements".into(), Json::Array(statements));
    if index {
        let mut buckets: [Map<String, Json>; 5] = Default::default();
        let mut rest = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            let key = match (&s.principal, &s.when, &s.action, &s.resource) {
                (Principal::User(u), ..) => Some((0, format!("user:{u}"))),
                (Principal::Group(g), ..) => Some((1, format!("group:{g}"))),
                (_, Some(Cond::TeamIs(t)), ..) => Some((2, t.clone())),
                (_, _, Action::Prefix(p), _) if p.contains(':') => {
                    p.split_once(':').map(|(svc, _)| (3, svc.to_string()))
                }
                (_, _, _, Resource::Subtree(p)) if p.matches('/').count() == 1 => {
                    Some((4, p.clone()))
                }
                _ => None,
            };
            match key {
                Some((b, k)) => {
                    let entry = buckets[b]
                        .entry(k)
                        .or_insert_with(|| Json::Array(Vec::new()));
                    if let Json::Array(v) = entry {
                        v.push(json!(i));
                    }
                }
                None => rest.push(json!(i)),
            }
        }
        let [user, group, team, service, subtree] = buckets;
        data.insert(
            "index".into(),
            json!({"user": user, "group": group, "team": team, "service": service,
                   "subtree": subtree, "rest": rest}),
        );
    }
    Json::Object(data).to_string()
}

/// The input document for a request.
pub fn input_json(r: &Req) -> String {
    let mut tags = Map::new();
    if let Some(t) = &r.team {
        tags.insert("team".into(), json!(t));
    }
    json!({
        "principal": format!("user:{}", r.user),
        "groups": r.groups.iter().map(|g| format!("group:{g}")).collect::<Vec<_>>(),
        "tags": tags,
        "action": r.action,
        "path": r.path,
        "source_ip": r.source_ip.to_string(),
        "quarantined": r.quarantined,
    })
    .to_string()
}
