//! Differential tests: random Vault policy sets, converted to Tessera and
//! compiled, decide every random request as the small model of Vault's ACL in
//! `common` (written from vault/acl.go, sharing no code with the importer).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Acl;
use proptest::prelude::*;

const CAPS: [&str; 9] = [
    "create",
    "read",
    "update",
    "patch",
    "delete",
    "list",
    "sudo",
    "subscribe",
    "recover",
];
const SHORTHANDS: [&str; 4] = ["deny", "read", "write", "sudo"];

/// Segments that collide often: prefixes of each other, a literal `+x`
/// (which makes Vault treat the path as a segment-wildcard path), and
/// characters Tessera must escape or quote.
fn segment(special: bool) -> BoxedStrategy<String> {
    let plain = prop_oneof![
        4 => Just("a".to_string()),
        3 => Just("ab".to_string()),
        3 => Just("b".to_string()),
        1 => Just("abc".to_string()),
    ];
    if special {
        prop_oneof![
            8 => plain,
            1 => Just("+x".to_string()),
            1 => Just("x*y".to_string()),
            1 => Just("q?".to_string()),
            1 => Just("[k]".to_string()),
            1 => Just("{m,n}".to_string()),
            1 => Just("s p".to_string()),
            1 => Just("$d".to_string()),
            1 => Just("é".to_string()),
            1 => Just("(a".to_string()),
            1 => Just("!x".to_string()),
        ]
        .boxed()
    } else {
        plain.boxed()
    }
}

#[derive(Debug, Clone)]
enum Form {
    Exact,
    /// A trailing `*` after a prefix of the last segment (possibly empty).
    Star(usize),
    /// A trailing `/`.
    Slash,
}

#[derive(Debug, Clone)]
struct PathSpec {
    segs: Vec<Option<String>>, // None is `+`
    form: Form,
    leading_slash: bool,
}

impl PathSpec {
    fn render(&self) -> String {
        let mut segs: Vec<String> = self
            .segs
            .iter()
            .map(|s| s.clone().unwrap_or_else(|| "+".to_string()))
            .collect();
        let mut path = match self.form {
            Form::Exact => segs.join("/"),
            Form::Slash => format!("{}/", segs.join("/")),
            Form::Star(cut) => {
                let last = segs.pop().unwrap_or_default();
                // `+` never takes the star directly (`+*` is refused).
                let mut partial: String = if last == "+" {
                    String::new()
                } else {
                    last.chars().take(cut).collect()
                };
                if partial.ends_with('+') {
                    partial.pop();
                }
                segs.push(format!("{partial}*"));
                segs.join("/")
            }
        };
        if self.leading_slash {
            path.insert(0, '/');
        }
        path
    }

    fn has_plus(&self) -> bool {
        self.segs.iter().any(Option::is_none)
    }
}

fn path_spec(segment_prefix: bool, special: bool) -> impl Strategy<Value = PathSpec> {
    // An empty segment (`a//b`) matches no normalized path, now and then.
    let seg = prop_oneof![
        20 => segment(special).prop_map(Some),
        4 => Just(None),
        1 => Just(Some(String::new())),
    ];
    (
        prop::collection::vec(seg, 1..=4),
        prop_oneof![4 => Just(Form::Exact), 4 => (0usize..4).prop_map(Form::Star), 1 => Just(Form::Slash)],
        prop::bool::weighted(0.1),
    )
        .prop_map(move |(segs, form, leading_slash)| {
            let mut spec = PathSpec { segs, form, leading_slash };
            if !segment_prefix && spec.has_plus() && matches!(spec.form, Form::Star(_)) {
                spec.form = Form::Exact;
            }
            spec
        })
}

#[derive(Debug, Clone)]
enum Grant {
    Caps(Vec<&'static str>),
    Shorthand(&'static str),
}

fn grant() -> impl Strategy<Value = Grant> {
    prop_oneof![
        8 => prop::collection::vec(prop::sample::select(&CAPS[..]), 0..4).prop_map(Grant::Caps),
        2 => Just(Grant::Caps(vec!["deny"])),
        1 => prop::collection::vec(prop::sample::select(&CAPS[..]), 1..3).prop_map(|mut c| { c.push("deny"); Grant::Caps(c) }),
        2 => prop::sample::select(&SHORTHANDS[..]).prop_map(Grant::Shorthand),
    ]
}

#[derive(Debug, Clone)]
struct Set {
    /// Files of (path, grant).
    files: Vec<Vec<(String, Grant)>>,
}

impl Set {
    fn sources(&self) -> Vec<(String, String)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, rules)| {
                let mut text = String::new();
                for (path, grant) in rules {
                    let escaped = path.replace('\\', "\\\\").replace('"', "\\\"");
                    match grant {
                        Grant::Caps(caps) => {
                            let list = caps
                                .iter()
                                .map(|c| format!("\"{c}\""))
                                .collect::<Vec<_>>()
                                .join(", ");
                            text.push_str(&format!(
                                "path \"{escaped}\" {{\n  capabilities = [{list}]\n}}\n"
                            ));
                        }
                        Grant::Shorthand(s) => {
                            text.push_str(&format!(
                                "path \"{escaped}\" {{\n  policy = \"{s}\"\n}}\n"
                            ));
                        }
                    }
                }
                (format!("p{i}.hcl"), text)
            })
            .collect()
    }

    fn model(&self) -> Acl {
        let mut acl = Acl::default();
        for rules in &self.files {
            for (path, grant) in rules {
                let bits = match grant {
                    Grant::Caps(caps) => caps.iter().fold(0, |b, c| b | common::capability(c)),
                    Grant::Shorthand(s) => common::shorthand(s),
                };
                acl.add(path, bits);
            }
        }
        acl
    }
}

/// `count` rules over 1 to 3 files; a third of the rules reuse a path from
/// a shared pool, so that files merge rules for the same path.
fn set(
    count: std::ops::RangeInclusive<usize>,
    segment_prefix: bool,
    special: bool,
) -> impl Strategy<Value = Set> {
    (
        prop::collection::vec(path_spec(segment_prefix, special), 1..8),
        prop::collection::vec(
            (
                path_spec(segment_prefix, special),
                grant(),
                any::<prop::sample::Index>(),
                prop::bool::weighted(0.3),
                0usize..3,
            ),
            count,
        ),
        1usize..=3,
    )
        .prop_map(|(pool, rules, files)| {
            let mut out = vec![Vec::new(); files];
            for (spec, grant, pick, shared, file) in rules {
                let path = if shared {
                    pool[pick.index(pool.len())].render()
                } else {
                    spec.render()
                };
                out[file % files].push((path, grant));
            }
            Set { files: out }
        })
}

fn request(special: bool) -> impl Strategy<Value = (String, &'static str)> {
    (
        prop::collection::vec(prop_oneof![6 => segment(special), 1 => Just("zz".to_string()), 1 => Just("+".to_string())], 1..=5),
        prop::sample::select(&common::OPERATIONS[..]),
    )
        .prop_map(|(segs, op)| (segs.join("/"), op))
}

fn compare(
    set: &Set,
    requests: &[(String, &'static str)],
    allow_refusal: bool,
) -> Result<(), TestCaseError> {
    let sources = set.sources();
    let files: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let text = match tessera_import::vault::convert(&files) {
        Ok(text) => text,
        Err(diagnostics) => {
            let expected = diagnostics.iter().all(|d| {
                d.message()
                    .contains("cannot be imported yet: the more specific path")
            });
            prop_assert!(
                allow_refusal && expected,
                "refused: {:?}\n{:?}",
                diagnostics.iter().map(|d| d.message()).collect::<Vec<_>>(),
                sources
            );
            return Ok(());
        }
    };
    let engine = common::engine(&text);
    let rules: usize = set.files.iter().map(Vec::len).sum();
    if rules >= 150 {
        eprintln!(
            "{rules} Vault paths: {} Tessera statements, {} bytes of text",
            engine.statement_count(),
            text.len()
        );
    }
    let model = set.model();
    for (q, op) in requests {
        let vault = model.allows_tessera(op, q);
        let tessera = common::tessera_allows(&engine, op, q);
        prop_assert_eq!(
            tessera,
            vault,
            "{} {}\nsources: {:?}\n{}",
            op,
            q,
            sources,
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Exact paths, `*` suffixes and `+` segments (never with a `*` in the
    /// same path): never refused.
    #[test]
    fn small_sets_decide_as_vault(
        set in set(1..=30, false, false),
        requests in prop::collection::vec(request(false), 60),
    ) {
        compare(&set, &requests, false)?;
    }

    /// Paths with characters that must be escaped or quoted.
    #[test]
    fn special_characters_decide_as_vault(
        set in set(1..=20, false, true),
        requests in prop::collection::vec(request(true), 60),
    ) {
        compare(&set, &requests, false)?;
    }

    /// Special characters with `+` and `*` in one path: a carve-out spelled
    /// segment by segment may meet a character a class cannot hold, and is
    /// then refused with that reason.
    #[test]
    fn special_characters_with_segment_prefixes_decide_as_vault_or_are_refused(
        set in set(1..=20, true, true),
        requests in prop::collection::vec(request(true), 60),
    ) {
        compare(&set, &requests, true)?;
    }

}

/// `+` segments with a trailing `*` too: the sets Tessera cannot state yet
/// are refused (with that reason); all others decide as Vault. Most are
/// decided, not refused.
#[test]
fn segment_prefix_sets_decide_as_vault_or_are_refused() {
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::Cell;
    let decided = Cell::new(0usize);
    let refused = Cell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases: 256,
        ..Config::default()
    });
    let strategy = (
        set(1..=20, true, false),
        prop::collection::vec(request(false), 60),
    );
    runner
        .run(&strategy, |(set, requests)| {
            let sources = set.sources();
            let files: Vec<(&str, &str)> = sources
                .iter()
                .map(|(n, s)| (n.as_str(), s.as_str()))
                .collect();
            if tessera_import::vault::convert(&files).is_ok() {
                decided.set(decided.get() + 1);
            } else {
                refused.set(refused.get() + 1);
            }
            compare(&set, &requests, true)
        })
        .unwrap();
    eprintln!(
        "segment-prefix sets: {} decided as Vault, {} refused",
        decided.get(),
        refused.get()
    );
    assert!(
        decided.get() > refused.get(),
        "{} decided, {} refused",
        decided.get(),
        refused.get()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Large sets with `+` and `*` in one path.
    #[test]
    fn large_segment_prefix_sets_decide_as_vault_or_are_refused(
        set in set(100..=200, true, false),
        requests in prop::collection::vec(request(false), 300),
    ) {
        compare(&set, &requests, true)?;
    }

    /// Sets of the size users write: 150 to 400 paths.
    #[test]
    fn large_sets_decide_as_vault(
        set in set(150..=400, false, false),
        requests in prop::collection::vec(request(false), 400),
    ) {
        compare(&set, &requests, false)?;
    }
}

// ---------------------------------------------------------------------------
// Parameter constraints: random `allowed_parameters`, `denied_parameters`
// and `required_parameters` over a few overlapping paths and several files,
// and random request bodies, decided by the model of acl.go in `common` and
// by the converted text. Tessera may be stricter than Vault (docs/import.md
// lists where), never looser; on plain bodies (lower-case ASCII names,
// strings without commas, spaces or characters outside ASCII, numbers and
// booleans; no `null`, array or object) it decides exactly as Vault.

use common::{GoValue, PolicyValue};
use serde_json::{Value as Json, json};

const PARAM_PATHS: [&str; 7] = ["a/b", "a/*", "a/+", "a/b*", "+/b", "*", "a/b/"];
const PARAM_NAMES: [&str; 8] = [
    "foo", "bar", "Foo", "policies", "*", "max-ttl", "BAR", "x y",
];
const POLICY_STRINGS: [&str; 12] = [
    "zip", "za*", "*ip", "*a*", "*", "**", "", "a,b", "Root", "root", "z\\p", "q?[x]",
];
const BODY_NAMES: [&str; 10] = [
    "foo", "bar", "Foo", "policies", "*", "max-ttl", "baz", "é", "BAR", "x y",
];
const BODY_STRINGS: [&str; 16] = [
    "zip", "zap", "za", "zip,zap", "zip, zap", "", "root", "ROOT", "x*", "é", "a,b", "b", "Root",
    "z\\p", "q?[x]", " zip",
];
const PARAM_OPS: [&str; 10] = [
    "read",
    "create",
    "update",
    "patch",
    "recover",
    "delete",
    "renew",
    "list",
    "sudo",
    "subscribe",
];

fn policy_value() -> impl Strategy<Value = PolicyValue> {
    prop_oneof![
        8 => prop::sample::select(&POLICY_STRINGS[..]).prop_map(|s| PolicyValue::Str(s.to_string())),
        1 => any::<bool>().prop_map(PolicyValue::Bool),
        1 => (-3i64..4).prop_map(PolicyValue::Int),
        1 => Just(PolicyValue::Float(1.5)),
    ]
}

type ParamMap = Vec<(String, Vec<PolicyValue>)>;

fn param_map() -> impl Strategy<Value = Option<ParamMap>> {
    prop_oneof![
        3 => Just(None),
        4 => prop::collection::btree_map(
            prop::sample::select(&PARAM_NAMES[..]),
            prop::collection::vec(policy_value(), 0..3),
            0..3,
        )
        .prop_map(|m| {
            // Names equal once lower-cased are refused by the importer (Vault
            // keeps one at random): keep the first.
            let mut seen: Vec<String> = Vec::new();
            let mut out = Vec::new();
            for (k, v) in m {
                let lower = k.to_lowercase();
                if !seen.contains(&lower) {
                    seen.push(lower);
                    out.push((k.to_string(), v));
                }
            }
            Some(out)
        }),
    ]
}

#[derive(Debug, Clone)]
struct ParamRule {
    path: &'static str,
    grant: Grant,
    allowed: Option<ParamMap>,
    denied: Option<ParamMap>,
    required: Vec<String>,
    /// min_wrapping_ttl and max_wrapping_ttl in seconds (0: not given).
    wrap: (u64, u64),
}

fn hcl_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn hcl_value(v: &PolicyValue) -> String {
    match v {
        PolicyValue::Str(s) => hcl_string(s),
        PolicyValue::Int(i) => i.to_string(),
        PolicyValue::Float(f) => f.to_string(),
        PolicyValue::Bool(b) => b.to_string(),
    }
}

impl ParamRule {
    fn hcl(&self) -> String {
        let mut text = format!("path {} {{\n", hcl_string(self.path));
        match &self.grant {
            Grant::Caps(caps) => {
                let list = caps
                    .iter()
                    .map(|c| hcl_string(c))
                    .collect::<Vec<_>>()
                    .join(", ");
                text.push_str(&format!("  capabilities = [{list}]\n"));
            }
            Grant::Shorthand(s) => text.push_str(&format!("  policy = {}\n", hcl_string(s))),
        }
        for (key, map) in [
            ("allowed_parameters", &self.allowed),
            ("denied_parameters", &self.denied),
        ] {
            if let Some(map) = map {
                text.push_str(&format!("  {key} = {{\n"));
                for (name, values) in map {
                    let list = values.iter().map(hcl_value).collect::<Vec<_>>().join(", ");
                    text.push_str(&format!("    {} = [{list}]\n", hcl_string(name)));
                }
                text.push_str("  }\n");
            }
        }
        if !self.required.is_empty() {
            let list = self
                .required
                .iter()
                .map(|r| hcl_string(r))
                .collect::<Vec<_>>()
                .join(", ");
            text.push_str(&format!("  required_parameters = [{list}]\n"));
        }
        // Both forms Vault reads: a number of seconds, Go duration text.
        if self.wrap.0 > 0 {
            text.push_str(&format!("  min_wrapping_ttl = {}\n", self.wrap.0));
        }
        if self.wrap.1 > 0 {
            let (m, sec) = (self.wrap.1 / 60, self.wrap.1 % 60);
            text.push_str(&format!("  max_wrapping_ttl = \"{m}m{sec}s\"\n"));
        }
        text.push_str("}\n");
        text
    }
}

fn param_rule() -> impl Strategy<Value = ParamRule> {
    (
        prop::sample::select(&PARAM_PATHS[..]),
        prop_oneof![
            6 => prop::collection::vec(prop::sample::select(&CAPS[..]), 1..5).prop_map(Grant::Caps),
            1 => Just(Grant::Caps(vec!["deny"])),
            1 => prop::sample::select(&SHORTHANDS[..]).prop_map(Grant::Shorthand),
        ],
        param_map(),
        param_map(),
        prop::collection::vec(prop::sample::select(&PARAM_NAMES[..]), 0..2),
        prop_oneof![
            4 => Just((0u64, 0u64)),
            1 => (0u64..4, 0u64..4).prop_map(|(a, b)| (a * 60, b * 60 + 30)),
        ],
    )
        .prop_map(|(path, grant, allowed, denied, required, wrap)| ParamRule {
            path,
            grant,
            allowed,
            denied,
            required: required.into_iter().map(str::to_string).collect(),
            // policy.go refuses a max below the min in one rule.
            wrap: if wrap.0 > 0 && wrap.1 < wrap.0 {
                (wrap.0, 0)
            } else {
                wrap
            },
        })
}

fn body_value() -> impl Strategy<Value = Json> {
    let scalar = prop_oneof![
        8 => prop::sample::select(&BODY_STRINGS[..]).prop_map(|s| json!(s)),
        1 => any::<bool>().prop_map(|b| json!(b)),
        1 => (-3i64..4).prop_map(|i| json!(i)),
        1 => Just(json!(1.5)),
    ];
    prop_oneof![
        6 => scalar.clone(),
        1 => Just(Json::Null),
        3 => prop::collection::vec(scalar, 0..3).prop_map(Json::Array),
    ]
}

fn body() -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        1 => Just(None),
        6 => prop::collection::btree_map(prop::sample::select(&BODY_NAMES[..]), body_value(), 0..4)
            .prop_map(|m| Some(Json::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))),
    ]
}

/// Whether Tessera must decide `body` exactly as Vault (see above).
fn plain(body: &Option<Json>) -> bool {
    let plain_string = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_graphic() && c != ',' && c != '\\')
    };
    let Some(Json::Object(map)) = body else {
        return true;
    };
    map.iter().all(|(name, value)| {
        name.chars()
            .all(|c| c.is_ascii_graphic() && !c.is_ascii_uppercase())
            && match value {
                Json::String(s) => plain_string(s),
                Json::Bool(_) | Json::Number(_) => true,
                _ => false,
            }
    })
}

fn go_body(body: &Option<Json>) -> Vec<(String, GoValue)> {
    match body {
        Some(Json::Object(map)) => map
            .iter()
            .map(|(k, v)| (k.clone(), GoValue::from_json(v)))
            .collect(),
        _ => Vec::new(),
    }
}

fn grant_bits(grant: &Grant) -> u32 {
    match grant {
        Grant::Caps(caps) => caps.iter().fold(0, |b, c| b | common::capability(c)),
        Grant::Shorthand(s) => common::shorthand(s),
    }
}

fn compare_parameters(
    files: &[Vec<ParamRule>],
    requests: &[(&'static str, &'static str, Option<Json>, Option<u64>)],
    stats: &mut (usize, usize),
) -> Result<(), TestCaseError> {
    let sources: Vec<(String, String)> = files
        .iter()
        .enumerate()
        .map(|(i, rules)| {
            (
                format!("p{i}.hcl"),
                rules.iter().map(ParamRule::hcl).collect(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let text = match tessera_import::vault::convert(&refs) {
        Ok(text) => text,
        Err(diagnostics) => {
            // Only a `*` glob with a `\` in an allowed list is refused here.
            let expected = diagnostics
                .iter()
                .all(|d| d.message().contains("it has a `*` and a `\\`"));
            prop_assert!(
                expected,
                "refused: {:?}\n{:?}",
                diagnostics.iter().map(|d| d.message()).collect::<Vec<_>>(),
                sources
            );
            return Ok(());
        }
    };
    let engine = common::engine(&text);
    let mut acl = common::Acl::default();
    for rule in files.iter().flatten() {
        let mut perms = common::perms_from_policy(
            grant_bits(&rule.grant),
            rule.allowed.as_deref(),
            rule.denied.as_deref(),
            &rule.required,
        );
        if perms.bits & common::DENY == 0 {
            (perms.min_wrap, perms.max_wrap) = rule.wrap;
        }
        acl.add_perms(rule.path, perms);
    }
    for (op, q, body, wrap) in requests {
        let vault = acl.allows_tessera_wrapped(op, q, &go_body(body), *wrap);
        let tessera = common::tessera_allows_wrapped(&engine, op, q, body.as_ref(), *wrap);
        prop_assert!(
            !tessera || vault,
            "Tessera allows what Vault denies: {} {} {:?} wrapped {:?}\nsources: {:?}\n{}",
            op,
            q,
            body,
            wrap,
            sources,
            text
        );
        if plain(body) {
            prop_assert_eq!(
                tessera,
                vault,
                "{} {} {:?} wrapped {:?}\nsources: {:?}\n{}",
                op,
                q,
                body,
                wrap,
                sources,
                text
            );
            stats.0 += 1;
        } else if tessera == vault {
            stats.1 += 1;
        }
    }
    Ok(())
}

/// Random constraints merged over up to three files, random bodies: never
/// looser than Vault, exact on plain bodies, and most of the others agree
/// too.
#[test]
fn parameter_constraints_decide_as_vault_or_stricter() {
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::RefCell;
    let stats = RefCell::new((0usize, 0usize));
    let mut runner = TestRunner::new(Config {
        cases: 256,
        ..Config::default()
    });
    let strategy = (
        prop::collection::vec(prop::collection::vec(param_rule(), 1..4), 1..4),
        prop::collection::vec(
            (
                prop::sample::select(&PARAM_OPS[..]),
                prop::sample::select(&["a/b", "a/c", "b/b", "a/b/c", "a"][..]),
                body(),
                prop_oneof![2 => Just(None), 1 => (0u64..300).prop_map(Some)],
            ),
            40,
        ),
    );
    runner
        .run(&strategy, |(files, requests)| {
            compare_parameters(&files, &requests, &mut stats.borrow_mut())
        })
        .unwrap();
    let (plain, agreed) = *stats.borrow();
    eprintln!(
        "parameter bodies: {plain} plain (decided exactly), {agreed} others decided as Vault"
    );
    assert!(plain > 1000, "{plain} plain bodies");
}
