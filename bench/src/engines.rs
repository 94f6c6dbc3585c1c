//! Building each engine from policy text, preparing requests for it, and
//! deciding; the equivalence check.

use crate::alloc::live_bytes;
use crate::model::{self, Action, Kind, Req, Shape, Stmt};
use crate::rego::{self, Variant};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// An engine (for regorus: a way of writing the Rego, and interpreter or RVM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// Tessera, from `../evaluator`.
    Tessera,
    /// cedar-policy.
    Cedar,
    /// regorus, with the Rego variant, on its interpreter (`rvm == false`) or
    /// compiled to its RVM bytecode (`rvm == true`).
    Rego(Variant, bool),
}

impl EngineKind {
    /// Every engine and variant, in table order.
    pub const ALL: [EngineKind; 8] = [
        EngineKind::Tessera,
        EngineKind::Cedar,
        EngineKind::Rego(Variant::Rules, false),
        EngineKind::Rego(Variant::Data, false),
        EngineKind::Rego(Variant::Index, false),
        EngineKind::Rego(Variant::Rules, true),
        EngineKind::Rego(Variant::Data, true),
        EngineKind::Rego(Variant::Index, true),
    ];

    /// Its name (also its criterion id).
    pub fn name(self) -> String {
        match self {
            EngineKind::Tessera => "tessera".into(),
            EngineKind::Cedar => "cedar".into(),
            EngineKind::Rego(v, false) => format!("rego-{}", v.name()),
            EngineKind::Rego(v, true) => format!("rvm-{}", v.name()),
        }
    }

    /// True for the regorus variants.
    pub fn is_rego(self) -> bool {
        matches!(self, EngineKind::Rego(..))
    }
}

/// The instant every Tessera decision is made at (nothing reads the clock).
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
        .expect("fixed time")
        .with_timezone(&Utc)
}

/// A compiled policy set, ready to decide.
pub enum Built {
    /// Tessera's engine.
    Tessera(tessera::Engine, DateTime<Utc>),
    /// Cedar's policy set and authorizer.
    Cedar(cedar_policy::PolicySet, cedar_policy::Authorizer),
    /// regorus's interpreter, policies and data added and prepared.
    Rego(Box<regorus::Engine>),
    /// regorus's RVM with the program loaded and data set.
    Rvm(Box<regorus::rvm::RegoVM>),
}

/// A request in the form an engine takes, prepared outside the timing.
pub enum Prepared {
    /// Tessera's request.
    Tessera(tessera::Request),
    /// Cedar's request and the entities it needs (the principal with its
    /// groups and attributes, the secret with its `path`, the action with
    /// the action groups it belongs to).
    Cedar(cedar_policy::Request, cedar_policy::Entities),
    /// The Rego input document, already converted to a regorus value.
    Rego(regorus::Value),
}

/// What building an engine cost.
pub struct Cost {
    /// Policy text to ready engine.
    pub compile: Duration,
    /// Live heap bytes after building minus before.
    pub memory: isize,
}

/// The text an engine is built from (policy text, and data for Rego (b)/(c)).
pub struct Text {
    policy: String,
    data: Option<String>,
}

/// Generates an engine's text for a statement list.
pub fn text(kind: EngineKind, stmts: &[Stmt]) -> Text {
    match kind {
        EngineKind::Tessera => Text {
            policy: crate::tessera_text(stmts),
            data: None,
        },
        EngineKind::Cedar => Text {
            policy: crate::cedar_text(stmts),
            data: None,
        },
        EngineKind::Rego(Variant::Rules, _) => Text {
            policy: rego::rules_policy(stmts),
            data: None,
        },
        EngineKind::Rego(Variant::Data, _) => Text {
            policy: rego::data_policy(),
            data: Some(rego::data_json(stmts, false)),
        },
        EngineKind::Rego(Variant::Index, _) => Text {
            policy: rego::index_policy(),
            data: Some(rego::data_json(stmts, true)),
        },
    }
}

/// Builds an engine from its text, measuring time and memory. The text is
/// allocated before the first reading and alive after the last.
pub fn build_from(kind: EngineKind, text: &Text) -> Result<(Built, Cost), String> {
    let before = live_bytes();
    let start = Instant::now();
    let built = build_inner(kind, text)?;
    let compile = start.elapsed();
    let memory = live_bytes() - before;
    Ok((built, Cost { compile, memory }))
}

/// Generates the text and builds.
pub fn build(kind: EngineKind, stmts: &[Stmt]) -> Result<(Built, Cost), String> {
    let t = text(kind, stmts);
    let r = build_from(kind, &t);
    drop(t);
    r
}

fn build_inner(kind: EngineKind, text: &Text) -> Result<Built, String> {
    match kind {
        EngineKind::Tessera => {
            let engine =
                tessera::Engine::compile(&[tessera::Source::new("bench.policy", &text.policy)])
                    .map_err(|e| format!("tessera: {e}"))?;
            Ok(Built::Tessera(engine, now()))
        }
        EngineKind::Cedar => {
            let set = cedar_policy::PolicySet::from_str(&text.policy)
                .map_err(|e| format!("cedar: {e:?}"))?;
            Ok(Built::Cedar(set, cedar_policy::Authorizer::new()))
        }
        EngineKind::Rego(_, rvm) => {
            let mut engine = regorus::Engine::new();
            // The default limits (1 MiB, 20,000 lines per file) refuse the
            // rule-per-statement text from N = 10,000 on; lift them, as a
            // host with such sets would.
            engine.set_policy_length_config(regorus::PolicyLengthConfig {
                max_col: std::num::NonZeroU32::MAX,
                max_file_bytes: std::num::NonZeroUsize::MAX,
                max_lines: std::num::NonZeroUsize::MAX,
            });
            engine
                .add_policy("tessera.rego".into(), text.policy.clone())
                .map_err(|e| format!("regorus add_policy: {e}"))?;
            if let Some(data) = &text.data {
                let value = regorus::Value::from_json_str(data)
                    .map_err(|e| format!("regorus data: {e}"))?;
                engine
                    .add_data(value)
                    .map_err(|e| format!("regorus add_data: {e}"))?;
            }
            let entry: regorus::Rc<str> = regorus::Rc::from(rego::ENTRY);
            let compiled = engine
                .compile_with_entrypoint(&entry)
                .map_err(|e| format!("regorus compile: {e}"))?;
            if !rvm {
                drop(compiled);
                return Ok(Built::Rego(Box::new(engine)));
            }
            let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(
                &compiled,
                &[rego::ENTRY],
            )
            .map_err(|e| format!("regorus RVM compile: {e}"))?;
            let data = engine.get_data();
            drop(engine);
            let mut vm = regorus::rvm::RegoVM::new_with_policy(compiled);
            // The default limit (25,000 instructions) stops a linear scan
            // of a few hundred statements; no limit is what a host deciding
            // over large sets would set.
            vm.set_max_instructions(usize::MAX);
            vm.load_program(program);
            vm.set_data(data)
                .map_err(|e| format!("regorus RVM set_data: {e}"))?;
            Ok(Built::Rvm(Box::new(vm)))
        }
    }
}

fn uid(ty: &str, id: &str) -> cedar_policy::EntityUid {
    cedar_policy::EntityUid::from_type_name_and_id(
        cedar_policy::EntityTypeName::from_str(ty).expect("entity type"),
        cedar_policy::EntityId::new(id),
    )
}

impl Built {
    /// The request in this engine's form. `stmts` is the set (Cedar's action
    /// groups are read from it: the action groups a real deployment keeps in
    /// its entity store).
    pub fn prepare(&self, stmts: &[Stmt], r: &Req) -> Prepared {
        match self {
            Built::Tessera(..) => {
                let mut q = tessera::Request::new(&format!("user:{}", r.user), &r.action, &r.path)
                    .with_source_ip(r.source_ip.into())
                    .with_attribute("quarantined", tessera::Attribute::Bool(r.quarantined));
                for g in &r.groups {
                    q = q.with_group(&format!("group:{g}"));
                }
                if let Some(t) = &r.team {
                    q = q.with_principal_tag("team", t);
                }
                Prepared::Tessera(q)
            }
            Built::Cedar(..) => {
                use cedar_policy::{Entity, RestrictedExpression as X};
                let principal = uid("User", &r.user);
                let groups: HashSet<_> = r.groups.iter().map(|g| uid("Group", g)).collect();
                let mut attrs = HashMap::new();
                if let Some(t) = &r.team {
                    attrs.insert("team".to_string(), X::new_string(t.clone()));
                }
                let mut entities = vec![
                    Entity::new(principal.clone(), attrs, groups.clone()).expect("user entity"),
                ];
                entities.extend(groups.iter().map(|g| Entity::with_uid(g.clone())));
                let resource = uid("Secret", &r.path);
                entities.push(
                    Entity::new(
                        resource.clone(),
                        HashMap::from([("path".to_string(), X::new_string(r.path.clone()))]),
                        HashSet::new(),
                    )
                    .expect("secret entity"),
                );
                let action = uid("Action", &r.action);
                let action_groups: HashSet<_> = stmts
                    .iter()
                    .filter_map(|s| match &s.action {
                        Action::Prefix(p) if r.action.starts_with(p.as_str()) => {
                            Some(uid("Action", &format!("{p}*")))
                        }
                        _ => None,
                    })
                    .collect();
                entities.extend(action_groups.iter().map(|g| Entity::with_uid(g.clone())));
                entities.push(
                    Entity::new(action.clone(), HashMap::new(), action_groups)
                        .expect("action entity"),
                );
                let entities =
                    cedar_policy::Entities::from_entities(entities, None).expect("entities");
                let context = cedar_policy::Context::from_pairs([
                    ("source_ip".to_string(), X::new_ip(r.source_ip.to_string())),
                    ("quarantined".to_string(), X::new_bool(r.quarantined)),
                ])
                .expect("context");
                let request =
                    cedar_policy::Request::new(principal, action, resource, context, None)
                        .expect("cedar request");
                Prepared::Cedar(request, entities)
            }
            Built::Rego(_) | Built::Rvm(_) => Prepared::Rego(
                regorus::Value::from_json_str(&rego::input_json(r)).expect("rego input"),
            ),
        }
    }

    /// One decision: true for allow. For regorus this sets the input and
    /// evaluates `data.tessera.allow`.
    #[inline]
    pub fn decide(&mut self, p: &Prepared) -> bool {
        match (self, p) {
            (Built::Tessera(engine, now), Prepared::Tessera(q)) => {
                engine.decide_at(q, *now).is_allowed()
            }
            (Built::Cedar(set, authorizer), Prepared::Cedar(q, entities)) => {
                authorizer.is_authorized(q, set, entities).decision()
                    == cedar_policy::Decision::Allow
            }
            (Built::Rego(engine), Prepared::Rego(input)) => {
                engine.set_input(input.clone());
                engine
                    .eval_rule(rego::ENTRY.to_string())
                    .expect("regorus eval")
                    == regorus::Value::Bool(true)
            }
            (Built::Rvm(vm), Prepared::Rego(input)) => {
                vm.set_input(input.clone());
                vm.execute_entry_point_by_name(rego::ENTRY)
                    .expect("regorus RVM eval")
                    == regorus::Value::Bool(true)
            }
            _ => panic!("a request prepared for another engine"),
        }
    }

    /// Details for the equivalence check: errors Cedar reports, Tessera's reason.
    fn detail(&mut self, p: &Prepared) -> String {
        match (self, p) {
            (Built::Tessera(engine, now), Prepared::Tessera(q)) => {
                format!("{:?}", engine.decide_at(q, *now).reason)
            }
            (Built::Cedar(set, authorizer), Prepared::Cedar(q, entities)) => {
                let response = authorizer.is_authorized(q, set, entities);
                let errors: Vec<String> = response
                    .diagnostics()
                    .errors()
                    .map(|e| e.to_string())
                    .collect();
                if errors.is_empty() {
                    String::new()
                } else {
                    format!("errors: {}", errors.join("; "))
                }
            }
            _ => String::new(),
        }
    }
}

/// Random requests checked per shape and size, on top of the four kinds.
pub const RANDOM_REQUESTS: usize = 50;

/// The result of checking one shape and size.
pub struct Checked {
    /// Each engine built, with its cost, and its requests of the four kinds.
    pub engines: Vec<(EngineKind, Built, Cost, Vec<Prepared>)>,
    /// The Rego variants regorus could not build, with its error.
    pub unsupported: Vec<(EngineKind, String)>,
    /// The median single decision time of each engine over the checked
    /// requests (wall clock, one call each: a rough figure for the skip rule).
    pub typical: Vec<(EngineKind, Duration)>,
    /// Allowed / denied among the random requests.
    pub random_allowed: usize,
}

/// Builds every engine of `kinds` for the shape and size, and checks that all
/// of them, and the model, decide the four kinds of request (as expected)
/// and [`RANDOM_REQUESTS`] random requests alike. An error names the shape,
/// N, request and each engine's answer.
pub fn check(shape: Shape, n: usize, kinds: &[EngineKind]) -> Result<Checked, String> {
    check_tampered(shape, n, kinds, &|_, _| {})
}

/// [`check`], with `tamper` given a chance to change the statements one
/// engine is built from: for the test that a disagreement is caught.
pub fn check_tampered(
    shape: Shape,
    n: usize,
    kinds: &[EngineKind],
    tamper: &dyn Fn(EngineKind, &mut Vec<Stmt>),
) -> Result<Checked, String> {
    let stmts = model::statements(shape, n);
    let mut engines = Vec::new();
    let mut unsupported = Vec::new();
    for &kind in kinds {
        let mut own = stmts.clone();
        tamper(kind, &mut own);
        match build(kind, &own) {
            Ok((built, cost)) => engines.push((kind, built, cost)),
            // A Rego variant regorus cannot build (the RVM's program size
            // limit) is reported, not fatal.
            Err(e) if kind.is_rego() => unsupported.push((kind, e)),
            Err(e) => {
                return Err(format!(
                    "{} N={n}: building {}: {e}",
                    shape.name(),
                    kind.name()
                ));
            }
        }
    }
    let kinds: Vec<EngineKind> = engines.iter().map(|(k, ..)| *k).collect();
    let mut requests: Vec<(String, Req, Option<Kind>)> = Kind::ALL
        .iter()
        .map(|&k| (k.name().to_string(), model::request(shape, n, k), Some(k)))
        .collect();
    for (i, r) in model::random_requests(shape, n, RANDOM_REQUESTS)
        .into_iter()
        .enumerate()
    {
        requests.push((format!("random #{i}"), r, None));
    }
    let mut times: Vec<Vec<Duration>> = kinds.iter().map(|_| Vec::new()).collect();
    let mut random_allowed = 0;
    for (label, r, kind) in &requests {
        let expected = model::model_decides(&stmts, r);
        let mut answers = Vec::new();
        let mut wrong = false;
        if let Some(k) = kind
            && k.expect_allow() != expected
        {
            wrong = true;
        }
        for (i, (engine_kind, built, _)) in engines.iter_mut().enumerate() {
            let engine_kind = *engine_kind;
            let p = built.prepare(&stmts, r);
            let start = Instant::now();
            let allowed = built.decide(&p);
            let took = start.elapsed();
            times[i].push(took);
            let detail = built.detail(&p);
            let tessera_reason_ok = match (engine_kind, kind) {
                (EngineKind::Tessera, Some(k)) => {
                    detail
                        == match k {
                            Kind::Allowed => "Allowed",
                            Kind::Deny => "ExplicitDeny",
                            Kind::NoMatch | Kind::Condition => "NoStatementApplied",
                        }
                }
                _ => true,
            };
            let cedar_ok = engine_kind != EngineKind::Cedar || detail.is_empty();
            if allowed != expected || !tessera_reason_ok || !cedar_ok {
                wrong = true;
            }
            answers.push(format!(
                "{}={}{}",
                engine_kind.name(),
                if allowed { "allow" } else { "deny" },
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                }
            ));
        }
        if wrong {
            return Err(format!(
                "engines disagree: shape {} N={n} request {label}{} {r:?}: model={} {}",
                shape.name(),
                kind.map_or(String::new(), |k| format!(
                    " (expected {})",
                    if k.expect_allow() { "allow" } else { "deny" }
                )),
                if expected { "allow" } else { "deny" },
                answers.join(" ")
            ));
        }
        if kind.is_none() && expected {
            random_allowed += 1;
        }
    }
    let engines = engines
        .into_iter()
        .map(|(kind, built, cost)| {
            let prepared = Kind::ALL
                .iter()
                .map(|&k| built.prepare(&stmts, &model::request(shape, n, k)))
                .collect();
            (kind, built, cost, prepared)
        })
        .collect();
    let typical = kinds
        .iter()
        .zip(times)
        .map(|(&k, mut t)| {
            t.sort();
            (k, t[t.len() / 2])
        })
        .collect();
    Ok(Checked {
        engines,
        unsupported,
        typical,
        random_allowed,
    })
}
