//! Hostile input, through every face: each case is a policy set and a
//! request (JSON bytes, or the C library's request struct) that a hostile
//! or careless caller could send, with the one answer it must get: `allow`,
//! `deny`, a compile error with its diagnostic code, a request error with its
//! code, or an argument error of the face itself. Every case runs through
//!
//! - **native**: `tessera::Engine::compile_with` and the JSON layer
//!   (`tessera::json::evaluate_at`, plain and explained), checked against
//!   `Request::from_json_with`, `Engine::decide` and the reference
//!   interpreter; for a struct case, the request the C library would build,
//!   built and checked in Rust as `ffi/src`'s `fill_request` does;
//! - **C**: the C library's entry points (`tessera_engine_compile`,
//!   `tessera_engine_evaluate_json` with the raw bytes and their length,
//!   `tessera_engine_decide` for struct cases), the code of `ffi/src`
//!   compiled as an rlib (`fuzz/ffi-rlib`);
//! - **wasm**: the core module as it ships (`wasm/build.sh --core-only`)
//!   through the wasmtime host (`tessera_load`, `tessera_evaluate` and
//!   `tessera_explain` on the raw bytes), with the host's default limits
//!   (10 billion units of fuel per call, 1 GiB of memory).
//!
//! An answer is written as one line, the same on every face: `allow
//! allowed`, `deny explicit_deny`, `deny no_statement_applied`, `compile
//! CODES` (the diagnostics' codes, such as `limit-exceeded`), `request CODE
//! @FIELD` (the request error's `code` and `field`, as the JSON layer gives
//! them; `@` alone for the request as a whole), `invalid-argument [CODE]`
//! (`TESSERA_ERROR_INVALID_ARGUMENT` in C; the ABI's `invalid_argument`
//! answer and its code in Wasm), or `n/a: REASON`. A case expects such a
//! line or a prefix of it that ends at a word (`deny` is met by both
//! denies), and the faces held to the same expectation must answer exactly
//! alike. Plain and explained answers must agree on every face, and the
//! native face also checks `Request::from_json_with` and `Engine::decide`
//! against the JSON layer, and the reference interpreter against the engine.
//! Anything else is a failure, named by case and face: a panic, a Wasm
//! trap or exhausted fuel, an abort or a hang (see below).
//!
//! The output lists every case with each face's answer and time (and where
//! the time went, for the cases over half a second).
//!
//! A face keeps its last compiled policy set for the next case when that
//! case has the same sources and limits (`Kept`): the 20,000-glob cases
//! share their policies, and compiling those is most of the suite's time.
//!
//! Each face runs in a child process of this test binary (the test
//! `face_child`), so that an abort in the C library, a stack overflow or a
//! hang is reported as a failure of the case and face it happened in, and
//! the remaining cases still run. A face that cannot take a case (the Rust
//! API cannot hold invalid UTF-8; the Wasm ABI has no request struct; only
//! the Rust API takes other limits) answers `n/a` with the reason, and the
//! case expects exactly that.
//!
//! Environment: `TESSERA_HOSTILE_ONLY=TEXT` runs only the cases whose name
//! contains TEXT; `TESSERA_HOSTILE_TIMEOUT=SECONDS` (default 300) bounds
//! each case on each face.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tessera::{PolicyLimits, RequestLimits};

// ---------------------------------------------------------------------------
// The cases.

/// `2026-11-25T10:00:00Z`, the clock of every decision without `context.time`.
const NOW_MS: i64 = 1_795_600_800_000;

/// A face of Tessera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Face {
    Native,
    C,
    Wasm,
}

const FACES: [Face; 3] = [Face::Native, Face::C, Face::Wasm];

impl Face {
    fn name(self) -> &'static str {
        match self {
            Face::Native => "native",
            Face::C => "c",
            Face::Wasm => "wasm",
        }
    }

    fn from_name(name: &str) -> Option<Face> {
        FACES.into_iter().find(|f| f.name() == name)
    }
}

/// What a face is given, built only in the child that runs the case.
struct Inputs {
    /// `(name, text)` of each policy source; the text may be any bytes.
    sources: Vec<(String, Vec<u8>)>,
    request: Input,
}

enum Input {
    /// JSON request bytes (any bytes).
    Json(Vec<u8>),
    /// The C library's request struct (`tessera_request_t`).
    Struct(StructRequest),
}

/// A `tessera_request_t`, as owned Rust values.
#[derive(Clone)]
struct StructRequest {
    principal: String,
    groups: Vec<String>,
    /// `group_count` when it differs from `groups.len()`; the `groups`
    /// pointer is then NULL.
    group_count: Option<usize>,
    action: String,
    resource: String,
    source_ip: Option<String>,
    mfa: i32,
    mfa_age_seconds: i64,
    version_stage: Option<String>,
    time: Option<i64>,
}

impl StructRequest {
    fn new(principal: &str, action: &str, resource: &str) -> StructRequest {
        StructRequest {
            principal: principal.to_string(),
            groups: Vec::new(),
            group_count: None,
            action: action.to_string(),
            resource: resource.to_string(),
            source_ip: None,
            mfa: -1,
            mfa_age_seconds: -1,
            version_stage: None,
            time: Some(NOW_MS / 1000),
        }
    }
}

type Make = Box<dyn Fn() -> Inputs + Send + Sync>;

/// One hostile case: its name, the answer every face must give (an
/// expectation, see [`matches`]), per-face exceptions, and how to build its
/// inputs.
struct Case {
    name: String,
    expect: String,
    /// Per-face expectations that replace `expect` (native, c, wasm).
    overrides: [Option<String>; 3],
    /// Policy limits for the native face (the C library and the Wasm module
    /// compile with the defaults and cannot take others).
    policy_limits: Option<PolicyLimits>,
    /// Request limits for the native face (likewise).
    request_limits: Option<RequestLimits>,
    /// Whether the native face also asks the reference interpreter.
    reference: bool,
    make: Make,
}

impl Case {
    fn new(name: &str, expect: &str, make: impl Fn() -> Inputs + Send + Sync + 'static) -> Case {
        Case {
            name: name.to_string(),
            expect: expect.to_string(),
            overrides: [None, None, None],
            policy_limits: None,
            request_limits: None,
            reference: true,
            make: Box::new(make),
        }
    }

    /// A case deciding `request` (JSON bytes) against one policy source.
    fn json(
        name: &str,
        expect: &str,
        policy: impl Fn() -> String + Send + Sync + 'static,
        request: impl Fn() -> Vec<u8> + Send + Sync + 'static,
    ) -> Case {
        Case::new(name, expect, move || Inputs {
            sources: vec![("hostile.policy".to_string(), policy().into_bytes())],
            request: Input::Json(request()),
        })
    }

    /// A case deciding a C request struct against one policy source: the
    /// native face builds the same request in Rust and checks it as the C
    /// library does; the Wasm ABI has no struct.
    fn c_struct(
        name: &str,
        expect: &str,
        policy: impl Fn() -> String + Send + Sync + 'static,
        request: impl Fn() -> StructRequest + Send + Sync + 'static,
    ) -> Case {
        Case::new(name, expect, move || Inputs {
            sources: vec![("hostile.policy".to_string(), policy().into_bytes())],
            request: Input::Struct(request()),
        })
        .on(Face::Wasm, "n/a")
    }

    /// A case whose hostile part is the policy text (bytes), decided on
    /// `request`.
    fn policy_bytes(
        name: &str,
        expect: &str,
        policy: impl Fn() -> Vec<u8> + Send + Sync + 'static,
        request: impl Fn() -> Vec<u8> + Send + Sync + 'static,
    ) -> Case {
        Case::new(name, expect, move || Inputs {
            sources: vec![("hostile.policy".to_string(), policy())],
            request: Input::Json(request()),
        })
    }

    /// Another expectation on one face.
    fn on(mut self, face: Face, expect: &str) -> Case {
        self.overrides[face as usize] = Some(expect.to_string());
        self
    }

    /// Without the reference interpreter's check on the native face (shown
    /// as `reference-skipped` in the timings): for the 20,000-glob cases,
    /// where it walks every glob on its own, costing 3 to 6 s a case in a
    /// debug build, and the expectation is exact anyway. One such case keeps
    /// it.
    fn without_reference(mut self) -> Case {
        self.reference = false;
        self
    }

    /// Native only, under these policy limits.
    fn with_policy_limits(mut self, limits: PolicyLimits) -> Case {
        self.policy_limits = Some(limits);
        self.on(Face::C, "n/a").on(Face::Wasm, "n/a")
    }

    /// Native only, under these request limits.
    fn with_request_limits(mut self, limits: RequestLimits) -> Case {
        self.request_limits = Some(limits);
        self.on(Face::C, "n/a").on(Face::Wasm, "n/a")
    }

    fn expected(&self, face: Face) -> &str {
        self.overrides[face as usize]
            .as_deref()
            .unwrap_or(&self.expect)
    }
}

/// Does an observed answer meet an expectation? The expectation is the
/// observation or a prefix of it ending at a word: `deny` is met by
/// `deny explicit_deny`, `request invalid_value` by
/// `request invalid_value @resource.path`.
fn matches(expected: &str, observed: &str) -> bool {
    observed == expected
        || (observed.starts_with(expected) && observed[expected.len()..].starts_with([' ', ':']))
}

// Policies shared by many cases.

/// Allows reading `app/**` and anything on `dev/**`; denies `prod/**`.
const BASE: &str = r#"policy "base" {
  allow "read-app" {
    principal *
    action    secrets:GetSecretValue
    resource  app/**
  }
  allow "dev" {
    principal *
    action    *
    resource  dev/**
  }
  deny "no-prod" {
    principal *
    action    *
    resource  prod/**
  }
}
"#;

/// Exact names, for requests that try to pass as someone else.
const STRICT: &str = r#"policy "strict" {
  allow "svc-a" {
    principal svc-a
    action    secrets:GetSecretValue
    resource  prod/**
  }
  allow "ops" {
    principal group:ops
    action    secrets:GetSecretValue
    resource  ops/**
  }
}
"#;

/// Everything is allowed, except from outside 10.0.0.0/8.
const OFFNET: &str = r#"policy "net" {
  allow "all" {
    principal *
    action    *
    resource  **
  }
  deny "offnet" {
    principal *
    action    *
    resource  **
    unless { source_ip in [10.0.0.0/8] }
  }
}
"#;

/// The team's own folder: `teams/${principal.tags.team}/*-*-*-*`.
const TEAMS: &str = r#"policy "teams" {
  allow "own-team" {
    principal *
    action    *
    resource  teams/${principal.tags.team}/*-*-*-*
  }
}
"#;

fn base() -> String {
    BASE.to_string()
}

fn strict() -> String {
    STRICT.to_string()
}

fn offnet() -> String {
    OFFNET.to_string()
}

/// A request from JSON fragments (each already JSON: `"\"svc-a\""`), with a
/// time.
fn request(principal: &str, action: &str, resource: &str) -> Vec<u8> {
    request_ctx(principal, action, resource, "")
}

/// [`request`] with more context members (`"mfa": true`, comma-free at the
/// ends).
fn request_ctx(principal: &str, action: &str, resource: &str, context: &str) -> Vec<u8> {
    let extra = if context.is_empty() {
        String::new()
    } else {
        format!(", {context}")
    };
    format!(
        r#"{{"principal": {principal}, "action": {action}, "resource": {resource}, "context": {{"time": "2026-11-25T10:00:00Z"{extra}}}}}"#
    )
    .into_bytes()
}

/// `"TEXT"` as a JSON string.
fn js(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Reads `app/db`: allowed by [`BASE`].
fn app_read() -> Vec<u8> {
    request(r#""user:a""#, r#""secrets:GetSecretValue""#, r#""app/db""#)
}

/// A request for `path` by `user:a` reading.
fn read_path(path: &str) -> Vec<u8> {
    request(r#""user:a""#, r#""secrets:GetSecretValue""#, &js(path))
}

/// `svc-a` reading `prod/db`: allowed by [`STRICT`].
fn strict_read(principal: &str, resource: &str) -> Vec<u8> {
    request(&js(principal), r#""secrets:GetSecretValue""#, &js(resource))
}

/// A request with `context` replaced by `context_json` (raw).
fn with_context(context_json: &str) -> Vec<u8> {
    format!(
        r#"{{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db", "context": {context_json}}}"#
    )
    .into_bytes()
}

/// A request whose `principal` member is `principal_json` (raw).
fn with_principal(principal_json: &str) -> Vec<u8> {
    request(principal_json, r#""secrets:GetSecretValue""#, r#""app/db""#)
}

/// A policy allowing everything whose statement `s` has `body` as its
/// matcher lines and conditions.
fn one_statement(body: &str) -> String {
    format!("policy \"p\" {{\n  allow \"s\" {{\n    {body}\n  }}\n}}\n")
}

/// `allow` everything, and deny the principals/actions/resources listed in
/// `line` (`principal LIST`, `action LIST` or `resource LIST`).
fn allow_all_but(deny_line: &str) -> String {
    let mut lines = vec![
        "principal *".to_string(),
        "action *".to_string(),
        "resource **".to_string(),
    ];
    let keyword = deny_line.split(' ').next().unwrap_or("");
    for l in &mut lines {
        if l.starts_with(keyword) {
            *l = deny_line.to_string();
        }
    }
    format!(
        "policy \"p\" {{\n  allow \"all\" {{\n    principal *\n    action *\n    resource **\n  }}\n  deny \"many\" {{\n    {}\n  }}\n}}\n",
        lines.join("\n    ")
    )
}

/// The three kinds of regex-backed globs of the 20,000-pattern deny, and a
/// value that glob `n` of each names.
#[derive(Clone, Copy)]
enum GlobKind {
    /// `svc-*-*-*-N-*`
    Stars,
    /// `"svc-{a,b,c}-N-[a-z][0-9]*"`
    Braces,
    /// `svc-?N*x*`
    Marks,
}

impl GlobKind {
    fn pattern(self, n: usize) -> String {
        match self {
            GlobKind::Stars => format!("svc-*-*-*-{n}-*"),
            GlobKind::Braces => format!("\"svc-{{a,b,c}}-{n}-[a-z][0-9]*\""),
            GlobKind::Marks => format!("svc-?{n}*x*"),
        }
    }

    /// A value glob `n` matches.
    fn named(self, n: usize) -> String {
        match self {
            GlobKind::Stars => format!("svc-q-r-s-{n}-t"),
            GlobKind::Braces => format!("svc-b-{n}-k7tail"),
            GlobKind::Marks => format!("svc-k{n}-x"),
        }
    }

    /// A value no glob of `1..=count` matches.
    fn unnamed(self, count: usize) -> String {
        match self {
            GlobKind::Stars => format!("svc-q-r-s-{}-t", count + 1),
            GlobKind::Braces => format!("svc-d-{}-k7tail", count),
            GlobKind::Marks => format!("svc-k{}-y", count + 1),
        }
    }

    fn label(self) -> &'static str {
        match self {
            GlobKind::Stars => "svc-*-*-*-N-*",
            GlobKind::Braces => "svc-{a,b,c}-N-[a-z][0-9]*",
            GlobKind::Marks => "svc-?N*x*",
        }
    }
}

/// How many globs the big deny lists.
const MANY: usize = 20_000;

/// `allow all` beside a deny whose `line` lists [`MANY`] globs of `kind`.
fn many_globs(line: &str, kind: GlobKind) -> String {
    let list: Vec<String> = (1..=MANY).map(|n| kind.pattern(n)).collect();
    allow_all_but(&format!("{line} {}", list.join(", ")))
}

/// A request whose `line` value is `value` (the others ordinary).
fn request_on(line: &str, value: &str) -> Vec<u8> {
    let (mut p, mut a, mut r) = ("user:a", "secrets:GetSecretValue", "app/db");
    match line {
        "principal" => p = value,
        "action" => a = value,
        _ => r = value,
    }
    request(&js(p), &js(a), &js(r))
}

/// The JSON text of `n` groups `g0`, `g1`, ...
fn groups_json(n: usize) -> String {
    let groups: Vec<String> = (0..n).map(|i| format!("\"group:g{i}\"")).collect();
    format!("[{}]", groups.join(","))
}

/// An object of `n` members `"k0": "v"`, ...
fn members_json(n: usize) -> String {
    let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\": \"v\"")).collect();
    format!("{{{}}}", members.join(","))
}

fn raised_request_limits() -> RequestLimits {
    RequestLimits {
        max_path_bytes: 1 << 20,
        max_path_segments: 1 << 20,
        max_value_bytes: 1 << 20,
        ..RequestLimits::default()
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    policy_cases(&mut cases);
    glob_cases(&mut cases);
    request_syntax_cases(&mut cases);
    request_shape_cases(&mut cases);
    path_cases(&mut cases);
    identity_cases(&mut cases);
    address_and_time_cases(&mut cases);
    limit_cases(&mut cases);
    linear_cost_cases(&mut cases);
    struct_cases(&mut cases);
    cases
}

/// Policy text: the parser's limits and its corners.
fn policy_cases(cases: &mut Vec<Case>) {
    cases.push(Case::json(
        "policy: a pattern of 1,025 bytes",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal {}\n    action *\n    resource **",
                "a".repeat(1025)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: a pattern with 65 `*` runs",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal {}\n    action *\n    resource **",
                "*a".repeat(65)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: a pattern with 65 `?`",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal {}\n    action *\n    resource **",
                "a?".repeat(65)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: a pattern with 65 `[...]` classes",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource {}",
                "[ab]".repeat(65)
            ))
        },
        app_read,
    ));
    // 64 wildcards and exactly 1,024 bytes: at both limits, still compiled
    // and matched.
    cases.push(Case::json(
        "policy: a pattern at 1,024 bytes and 64 wildcards compiles and matches",
        "allow allowed",
        || {
            let pattern = format!("{}{}", "*a".repeat(64), "b".repeat(1024 - 128));
            assert_eq!(pattern.len(), 1024);
            one_statement(&format!(
                "principal {pattern}\n    action *\n    resource **"
            ))
        },
        || with_principal(&js(&format!("{}{}", "a".repeat(64), "b".repeat(896)))),
    ));
    cases.push(Case::json(
        "policy: 65,537 patterns on one principal line",
        "compile limit-exceeded",
        || {
            let list: Vec<String> = (0..65_537).map(|i| format!("u{i}")).collect();
            one_statement(&format!(
                "principal {}\n    action *\n    resource **",
                list.join(", ")
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: a pattern expanding to 512 {a,b} alternatives",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal \"{}\"\n    action *\n    resource **",
                "{a,b}".repeat(9)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: a pattern of exactly 256 alternatives compiles and matches",
        "allow allowed",
        || {
            one_statement(&format!(
                "principal \"{}\"\n    action *\n    resource **",
                "{a,b}".repeat(8)
            ))
        },
        || with_principal(r#""abbaabba""#),
    ));
    cases.push(
        Case::policy_bytes(
            "policy: a source of 64 MiB + 1 byte",
            "compile limit-exceeded",
            || {
                let mut text = BASE.as_bytes().to_vec();
                let filler = b"# filler filler filler filler filler filler filler filler\n";
                while text.len() + filler.len() <= 64 * 1024 * 1024 {
                    text.extend_from_slice(filler);
                }
                text.resize(64 * 1024 * 1024, b'#');
                text.push(b'\n');
                assert_eq!(text.len(), 64 * 1024 * 1024 + 1);
                text
            },
            app_read,
        )
        // TESSERA_MAX_INPUT_LEN: the C library refuses the argument itself.
        .on(Face::C, "invalid-argument")
        // The load document (which holds the source) is over 64 MiB.
        .on(Face::Wasm, "invalid-argument too_large"),
    );
    cases.push(
        Case::json(
            "policy: 11 statements past max_statements 10",
            "compile limit-exceeded",
            || {
                let mut text = String::from("policy \"p\" {\n");
                for i in 0..11 {
                    text.push_str(&format!(
                        "  allow \"s{i}\" {{ principal * action * resource app/** }}\n"
                    ));
                }
                text.push_str("}\n");
                text
            },
            app_read,
        )
        .with_policy_limits(PolicyLimits {
            max_statements: 10,
            ..PolicyLimits::default()
        }),
    );
    cases.push(
        Case::new(
            "policy: 11 statements over two sources past max_statements 10",
            "compile limit-exceeded",
            || {
                let source = |policy: &str, count: usize| {
                    let mut text = format!("policy \"{policy}\" {{\n");
                    for i in 0..count {
                        text.push_str(&format!(
                            "  allow \"s{i}\" {{ principal * action * resource app/** }}\n"
                        ));
                    }
                    text.push_str("}\n");
                    text.into_bytes()
                };
                Inputs {
                    sources: vec![
                        ("a.policy".to_string(), source("a", 6)),
                        ("b.policy".to_string(), source("b", 5)),
                    ],
                    request: Input::Json(app_read()),
                }
            },
        )
        .with_policy_limits(PolicyLimits {
            max_statements: 10,
            ..PolicyLimits::default()
        }),
    );
    cases.push(Case::json(
        "policy: `like` with 73,000 `*a`",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ context.ticket like \"{}b\" }}",
                "*a".repeat(73_000)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: `like` with 65 wildcards in 131 bytes",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ context.ticket like \"{}b\" }}",
                "*a".repeat(65)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: `like` operand of 1,025 bytes without wildcards",
        "compile limit-exceeded",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ context.ticket like \"{}\" }}",
                "a".repeat(1025)
            ))
        },
        app_read,
    ));
    cases.push(Case::policy_bytes(
        "policy: a NUL byte between tokens",
        "compile syntax",
        || {
            BASE.replacen("allow \"dev\"", "allow\0\"dev\"", 1)
                .into_bytes()
        },
        app_read,
    ));
    cases.push(Case::policy_bytes(
        "policy: a NUL byte inside a quoted pattern",
        "deny no_statement_applied",
        || one_statement("principal \"svc-a\0x\"\n    action *\n    resource **").into_bytes(),
        || with_principal(r#""svc-a""#),
    ));
    cases.push(Case::policy_bytes(
        "policy: a NUL byte in a comment",
        "allow allowed",
        || format!("# a comment \0 with a NUL\n{BASE}").into_bytes(),
        app_read,
    ));
    cases.push(Case::policy_bytes(
        "policy: starts with a UTF-8 byte-order mark",
        "compile syntax",
        || format!("\u{FEFF}{BASE}").into_bytes(),
        app_read,
    ));
    cases.push(
        Case::policy_bytes(
            "policy: invalid UTF-8 (0xFF) in a comment",
            "n/a",
            || {
                let mut text = b"# \xff\xfe\n".to_vec();
                text.extend_from_slice(BASE.as_bytes());
                text
            },
            app_read,
        )
        .on(Face::C, "invalid-argument")
        .on(Face::Wasm, "invalid-argument bad_document"),
    );
    cases.push(Case::json(
        "policy: 100,000 nested parentheses in a condition",
        "compile",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ {}mfa{} }}",
                "(".repeat(100_000),
                ")".repeat(100_000)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: 100,000 chained `not`",
        "compile",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ {}mfa }}",
                "not ".repeat(100_000)
            ))
        },
        app_read,
    ));
    cases.push(Case::json(
        "policy: 100,000 conditions joined by `and`",
        "allow allowed",
        || {
            let terms = vec!["mfa"; 100_000].join(" and ");
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ {terms} }}"
            ))
        },
        || with_context(r#"{"mfa": true, "time": "2026-11-25T10:00:00Z"}"#),
    ));
    cases.push(Case::json(
        "policy: 100,000 conditions joined by `or`, the last one true",
        "allow allowed",
        || {
            let mut terms = vec!["mfa == false"; 99_999];
            terms.push("mfa");
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ {} }}",
                terms.join(" or ")
            ))
        },
        || with_context(r#"{"mfa": true, "time": "2026-11-25T10:00:00Z"}"#),
    ));
    cases.push(Case::json(
        "policy: an empty source denies everything",
        "deny no_statement_applied",
        String::new,
        app_read,
    ));
    cases.push(Case::json(
        "policy: CRLF line endings",
        "allow allowed",
        || BASE.replace('\n', "\r\n"),
        app_read,
    ));
    cases.push(Case::json(
        "policy: an unterminated string at the end",
        "compile",
        || format!("{BASE}policy \"q"),
        app_read,
    ));
    cases.push(Case::json(
        "policy: a statement name of 1 MiB",
        "allow allowed",
        || {
            format!(
                "policy \"p\" {{\n  allow \"{}\" {{ principal * action * resource app/** }}\n}}\n",
                "n".repeat(1 << 20)
            )
        },
        app_read,
    ));
    cases.push(
        Case::new(
            "policy: a source name of 4,097 bytes",
            "allow allowed",
            || Inputs {
                sources: vec![("n".repeat(4097), BASE.as_bytes().to_vec())],
                request: Input::Json(app_read()),
            },
        )
        // TESSERA_MAX_NAME_LEN.
        .on(Face::C, "invalid-argument"),
    );
    cases.push(Case::json(
        "policy: a tag name with a dot in a condition",
        "compile",
        || one_statement("principal *\n    action *\n    resource **\n    when { principal.tags.team.name == \"ops\" }"),
        || with_principal(r#"{"id": "user:a", "tags": {"team.name": "ops"}}"#),
    ));
    cases.push(Case::json(
        "policy: a variable whose value is `*` matches literally",
        "deny no_statement_applied",
        || TEAMS.to_string(),
        || {
            request(
                r#"{"id": "user:a", "tags": {"team": "*"}}"#,
                r#""secrets:GetSecretValue""#,
                r#""teams/payments/a-b-c-d""#,
            )
        },
    ));
    cases.push(Case::json(
        "policy: a variable whose value is `{a,b}` matches literally",
        "deny no_statement_applied",
        || TEAMS.to_string(),
        || {
            request(
                r#"{"id": "user:a", "tags": {"team": "{a,b}"}}"#,
                r#""secrets:GetSecretValue""#,
                r#""teams/a/a-b-c-d""#,
            )
        },
    ));
    variable_and_type_cases(cases);
}

/// Variables and condition types: a value the request lacks, or holds in
/// another type, makes a test unknown, which fails closed.
fn variable_and_type_cases(cases: &mut Vec<Case>) {
    let team = |team: &str, path: &str| {
        let principal = match team {
            "<none>" => r#"{"id": "user:a"}"#.to_string(),
            team => format!(r#"{{"id": "user:a", "tags": {{"team": {}}}}}"#, js(team)),
        };
        request(&principal, r#""secrets:GetSecretValue""#, &js(path))
    };
    cases.push(Case::json(
        "variable: a team tag holding `/` never matches (`a/b` on teams/a/b/...)",
        "deny no_statement_applied",
        || TEAMS.to_string(),
        move || team("a/b", "teams/a/b/a-b-c-d"),
    ));
    cases.push(Case::json(
        "variable: an empty team tag never matches",
        "deny no_statement_applied",
        || TEAMS.to_string(),
        move || team("", "teams/a-b-c-d"),
    ));
    cases.push(Case::json(
        "variable: the team tag itself (control)",
        "allow allowed",
        || TEAMS.to_string(),
        move || team("a", "teams/a/a-b-c-d"),
    ));
    cases.push(Case::json(
        "variable: a missing team tag: the allow does not apply",
        "deny no_statement_applied",
        || TEAMS.to_string(),
        move || team("<none>", "teams/a/a-b-c-d"),
    ));
    let fenced = || {
        r#"policy "fence" {
  allow "all" {
    principal *
    action    *
    resource  **
  }
  deny "own-folder-only" {
    principal *
    action    *
    resource  home/${principal.tags.team}/locked/**
  }
}
"#
        .to_string()
    };
    cases.push(Case::json(
        "variable: a missing team tag makes a deny on a variable path apply",
        "deny explicit_deny",
        fenced,
        move || team("<none>", "home/a/locked/x"),
    ));
    cases.push(Case::json(
        "variable: another team's tag does not trigger the deny (control)",
        "allow allowed",
        fenced,
        move || team("b", "home/a/locked/x"),
    ));
    let level = || {
        r#"policy "levels" {
  allow "all" {
    principal *
    action    *
    resource  **
  }
  deny "low-level" {
    principal *
    action    *
    resource  **
    unless { context.level > 2 }
  }
  allow "break-glass" {
    principal *
    action    *
    resource  sealed/**
    when { context.break_glass == true }
  }
}
"#
        .to_string()
    };
    cases.push(Case::json(
        "type: level 3 as a number passes `context.level > 2` (control)",
        "allow allowed",
        level,
        || with_context(r#"{"level": 3, "time": "2026-11-25T10:00:00Z"}"#),
    ));
    cases.push(Case::json(
        "type: level \"3\" as a string cannot pass `context.level > 2`: the deny applies",
        "deny explicit_deny",
        level,
        || with_context(r#"{"level": "3", "time": "2026-11-25T10:00:00Z"}"#),
    ));
    cases.push(Case::json(
        "type: level `true` cannot pass `context.level > 2`: the deny applies",
        "deny explicit_deny",
        level,
        || with_context(r#"{"level": true, "time": "2026-11-25T10:00:00Z"}"#),
    ));
    cases.push(Case::json(
        "type: break_glass \"true\" as a string does not open `== true`",
        "deny no_statement_applied",
        || {
            one_statement(
                "principal *\n    action *\n    resource sealed/**\n    when { context.break_glass == true }",
            )
        },
        || {
            request_ctx(
                r#""user:a""#,
                r#""secrets:GetSecretValue""#,
                r#""sealed/x""#,
                r#""break_glass": "true""#,
            )
        },
    ));
    cases.push(Case::json(
        "type: break_glass 1 as a number does not open `== true`",
        "deny no_statement_applied",
        || {
            one_statement(
                "principal *\n    action *\n    resource sealed/**\n    when { context.break_glass == true }",
            )
        },
        || {
            request_ctx(
                r#""user:a""#,
                r#""secrets:GetSecretValue""#,
                r#""sealed/x""#,
                r#""break_glass": 1"#,
            )
        },
    ));
}

/// The critical deny: 20,000 regex-backed globs on one line must still
/// deny the request they name.
fn glob_cases(cases: &mut Vec<Case>) {
    let named = |line: &'static str, kind: GlobKind, n: usize| {
        Case::json(
            &format!(
                "globs: a deny of 20,000 `{}` on the {line} line names the request{}",
                kind.label(),
                if n == MANY - 1 {
                    String::new()
                } else {
                    format!(" (glob {n})")
                }
            ),
            "deny explicit_deny",
            move || many_globs(line, kind),
            move || request_on(line, &kind.named(n)),
        )
    };
    let unnamed = |line: &'static str, kind: GlobKind| {
        Case::json(
            &format!(
                "globs: a deny of 20,000 `{}` on the {line} line, a request it does not name",
                kind.label()
            ),
            "allow allowed",
            move || many_globs(line, kind),
            move || request_on(line, &kind.unnamed(MANY)),
        )
        .without_reference()
    };
    // Cases on the same policy follow each other: each face compiles it once
    // (see `Kept`). The reference interpreter checks the first case only.
    for line in ["principal", "action", "resource"] {
        let first = named(line, GlobKind::Stars, MANY - 1);
        cases.push(if line == "principal" {
            first
        } else {
            first.without_reference()
        });
        cases.push(unnamed(line, GlobKind::Stars));
        cases.push(named(line, GlobKind::Braces, MANY - 1).without_reference());
        if line == "principal" {
            cases.push(named(line, GlobKind::Braces, 1).without_reference());
        }
        cases.push(named(line, GlobKind::Marks, MANY - 1).without_reference());
        if line == "principal" {
            cases.push(unnamed(line, GlobKind::Marks));
        }
    }
}

/// Request text that is not a plain JSON request.
fn request_syntax_cases(cases: &mut Vec<Case>) {
    let json = |name: &str, expect: &str, request: fn() -> Vec<u8>| {
        Case::json(name, expect, base, request)
    };
    cases.push(json(
        "request: a key repeated at the top level",
        "request duplicate_key @action",
        || {
            br#"{"principal": "user:a", "action": "secrets:GetSecretValue", "action": "secrets:PutSecretValue", "resource": "app/db"}"#.to_vec()
        },
    ));
    cases.push(json(
        "request: a key repeated in the context",
        "request duplicate_key @context.mfa",
        || with_context(r#"{"mfa": true, "mfa": false}"#),
    ));
    cases.push(json(
        "request: a tag name repeated",
        "request duplicate_key @principal.tags.team",
        || with_principal(r#"{"id": "user:a", "tags": {"team": "a", "team": "b"}}"#),
    ));
    cases.push(json(
        "request: a key repeated through an escape (`\\u0061ction`)",
        "request duplicate_key @action",
        || {
            br#"{"principal": "user:a", "action": "secrets:GetSecretValue", "\u0061ction": "secrets:PutSecretValue", "resource": "app/db"}"#.to_vec()
        },
    ));
    cases.push(json(
        "request: a key repeated deep inside a refused value",
        "request duplicate_key @context.x.a",
        || with_context(r#"{"x": {"a": 1, "a": 2}}"#),
    ));
    cases.push(json(
        "request: a key repeated after a `null` first copy",
        "request duplicate_key @context",
        || {
            br#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db", "context": null, "context": {"mfa": true}}"#.to_vec()
        },
    ));
    cases.push(json(
        "request: starts with a UTF-8 byte-order mark",
        "request syntax @",
        || {
            let mut bytes = "\u{FEFF}".as_bytes().to_vec();
            bytes.extend_from_slice(&app_read());
            bytes
        },
    ));
    cases.push(json("request: empty", "request syntax @", Vec::new));
    cases.push(json("request: whitespace only", "request syntax @", || {
        b" \n\t\r ".to_vec()
    }));
    cases.push(json("request: a raw NUL byte between tokens", "request syntax @", || {
        br#"{"principal": "user:a",\0 "action": "secrets:GetSecretValue", "resource": "app/db"}"#
            .to_vec()
    }));
    cases.push(json(
        "request: a NUL byte after the JSON (a C string's terminator)",
        "request syntax @",
        || {
            let mut bytes = app_read();
            bytes.push(0);
            bytes
        },
    ));
    cases.push(json(
        "request: a raw NUL byte inside a string",
        "request syntax @",
        || with_principal("\"user:a\0\""),
    ));
    cases.push(
        json(
            "request: invalid UTF-8 (0xFF 0xFE) inside a string",
            "n/a",
            || {
                with_principal("\"user:\u{0}\"")
                    .into_iter()
                    .map(|b| if b == 0 { 0xff } else { b })
                    .collect()
            },
        )
        .on(Face::C, "invalid-argument")
        .on(Face::Wasm, "invalid-argument not_utf8"),
    );
    cases.push(
        json("request: an overlong UTF-8 encoding of `/` (0xC0 0xAF)", "n/a", || {
            let mut bytes = br#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "dev/"#.to_vec();
            bytes.extend_from_slice(&[0xc0, 0xaf]);
            bytes.extend_from_slice(br#"x"}"#);
            bytes
        })
        .on(Face::C, "invalid-argument")
        .on(Face::Wasm, "invalid-argument not_utf8"),
    );
    cases.push(
        json(
            "request: a UTF-8-encoded surrogate (0xED 0xA0 0x80)",
            "n/a",
            || {
                let mut bytes = br#"{"principal": "user:"#.to_vec();
                bytes.extend_from_slice(&[0xed, 0xa0, 0x80]);
                bytes.extend_from_slice(
                    br#"", "action": "secrets:GetSecretValue", "resource": "app/db"}"#,
                );
                bytes
            },
        )
        .on(Face::C, "invalid-argument")
        .on(Face::Wasm, "invalid-argument not_utf8"),
    );
    cases.push(
        json(
            "request: cut in the middle of a UTF-8 sequence",
            "n/a",
            || {
                let mut bytes = br#"{"principal": "user:"#.to_vec();
                bytes.push(0xe2);
                bytes
            },
        )
        .on(Face::C, "invalid-argument")
        .on(Face::Wasm, "invalid-argument not_utf8"),
    );
    cases.push(json(
        "request: a lone surrogate escape (`\\ud800`)",
        "request syntax @",
        || with_principal(r#""user:\ud800""#),
    ));
    cases.push(json(
        "request: 100,000 nested arrays",
        "request syntax @",
        || format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
    ));
    cases.push(json(
        "request: 200 nested arrays in a context value",
        "request syntax @",
        || {
            with_context(&format!(
                r#"{{"x": {}{}}}"#,
                "[".repeat(200),
                "]".repeat(200)
            ))
        },
    ));
    cases.push(json(
        "request: 100 nested arrays in a context value (under the reader's limit)",
        "request wrong_type @context.x[0]",
        || {
            with_context(&format!(
                r#"{{"x": {}{}}}"#,
                "[".repeat(100),
                "]".repeat(100)
            ))
        },
    ));
    cases.push(json(
        "request: a 400-digit number in a custom attribute",
        "request invalid_value @context.level",
        || with_context(&format!(r#"{{"level": 1{}}}"#, "0".repeat(399))),
    ));
    cases.push(json(
        "request: a 400-digit mfa_age_seconds",
        "request invalid_value @context.mfa_age_seconds",
        || with_context(&format!(r#"{{"mfa_age_seconds": 9{}}}"#, "9".repeat(399))),
    ));
    cases.push(json(
        "request: -1e400 in a custom attribute",
        "request invalid_value @context.level",
        || with_context(r#"{"level": -1e400}"#),
    ));
    cases.push(json(
        "request: a 400-digit number as the whole request",
        "request invalid_value @",
        || format!("1{}", "0".repeat(399)).into_bytes(),
    ));
    cases.push(json(
        "request: mfa_age_seconds of 2^63",
        "request invalid_value @context.mfa_age_seconds",
        || with_context(r#"{"mfa_age_seconds": 9223372036854775808}"#),
    ));
    cases.push(json(
        "request: a negative mfa_age_seconds",
        "request wrong_type @context.mfa_age_seconds",
        || with_context(r#"{"mfa_age_seconds": -1}"#),
    ));
    cases.push(json(
        "request: a fractional mfa_age_seconds",
        "request wrong_type @context.mfa_age_seconds",
        || with_context(r#"{"mfa_age_seconds": 1.5}"#),
    ));
    cases.push(json("request: JSON with a comment", "request syntax @", || {
        br#"{"principal": "user:a", /* me */ "action": "secrets:GetSecretValue", "resource": "app/db"}"#.to_vec()
    }));
    cases.push(json(
        "request: a trailing comma",
        "request syntax @",
        || {
            br#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db",}"#
                .to_vec()
        },
    ));
    cases.push(json("request: single quotes", "request syntax @", || {
        br#"{'principal': 'user:a', 'action': 'secrets:GetSecretValue', 'resource': 'app/db'}"#
            .to_vec()
    }));
    cases.push(json("request: NaN as a value", "request syntax @", || {
        with_context(r#"{"level": NaN}"#)
    }));
    cases.push(json(
        "request: two JSON objects in a row",
        "request syntax @",
        || {
            let mut bytes = app_read();
            bytes.extend_from_slice(&app_read());
            bytes
        },
    ));
}

/// JSON of the wrong shape: other types, nulls, unknown fields.
fn request_shape_cases(cases: &mut Vec<Case>) {
    let json = |name: &str, expect: &str, request: fn() -> Vec<u8>| {
        Case::json(name, expect, base, request)
    };
    cases.push(json("request: a JSON array", "request wrong_type @", || {
        br#"[{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db"}]"#
            .to_vec()
    }));
    cases.push(json(
        "request: a JSON string",
        "request wrong_type @",
        || br#""user:a""#.to_vec(),
    ));
    cases.push(json("request: `null`", "request wrong_type @", || {
        b"null".to_vec()
    }));
    cases.push(json("request: `true`", "request wrong_type @", || {
        b"true".to_vec()
    }));
    cases.push(json(
        "request: an empty object",
        "request missing_field @principal",
        || b"{}".to_vec(),
    ));
    cases.push(json(
        "request: an unknown top-level field",
        "request unknown_field @admin",
        || {
            br#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db", "admin": true}"#.to_vec()
        },
    ));
    cases.push(json(
        "request: an unknown principal field",
        "request unknown_field @principal.role",
        || with_principal(r#"{"id": "user:a", "role": "admin"}"#),
    ));
    cases.push(json(
        "request: an unknown resource field",
        "request unknown_field @resource.owner",
        || {
            request(
                r#""user:a""#,
                r#""secrets:GetSecretValue""#,
                r#"{"path": "app/db", "owner": "user:a"}"#,
            )
        },
    ));
    cases.push(json(
        "request: a field name in another case (`Action`)",
        "request unknown_field @Action",
        || {
            br#"{"principal": "user:a", "Action": "secrets:GetSecretValue", "resource": "app/db"}"#
                .to_vec()
        },
    ));
    cases.push(json(
        "request: an unknown context key is a custom attribute",
        "allow allowed",
        || with_context(r#"{"admin": true, "time": "2026-11-25T10:00:00Z"}"#),
    ));
    cases.push(json(
        "request: `principal: null`",
        "request missing_field @principal",
        || with_principal("null"),
    ));
    cases.push(json(
        "request: `action: null`",
        "request missing_field @action",
        || request(r#""user:a""#, "null", r#""app/db""#),
    ));
    cases.push(json(
        "request: `resource.path: null`",
        "request missing_field @resource.path",
        || {
            request(
                r#""user:a""#,
                r#""secrets:GetSecretValue""#,
                r#"{"path": null}"#,
            )
        },
    ));
    cases.push(json(
        "request: `groups: null` is no groups",
        "allow allowed",
        || with_principal(r#"{"id": "user:a", "groups": null}"#),
    ));
    cases.push(json(
        "request: a `null` group",
        "request wrong_type @principal.groups[0]",
        || with_principal(r#"{"id": "user:a", "groups": [null]}"#),
    ));
    cases.push(json(
        "request: a `null` tag value",
        "request wrong_type @principal.tags.team",
        || with_principal(r#"{"id": "user:a", "tags": {"team": null}}"#),
    ));
    cases.push(json(
        "request: `context: null` is no context",
        "allow allowed",
        || with_context("null"),
    ));
    cases.push(json(
        "request: an array as the action",
        "request wrong_type @action",
        || {
            request(
                r#""user:a""#,
                r#"["secrets:GetSecretValue"]"#,
                r#""app/db""#,
            )
        },
    ));
    cases.push(json(
        "request: a number as the principal",
        "request wrong_type @principal",
        || with_principal("7"),
    ));
    cases.push(json(
        "request: a number as the principal id",
        "request wrong_type @principal.id",
        || with_principal(r#"{"id": 7}"#),
    ));
    cases.push(json(
        "request: an array as the resource",
        "request wrong_type @resource",
        || {
            request(
                r#""user:a""#,
                r#""secrets:GetSecretValue""#,
                r#"["app/db"]"#,
            )
        },
    ));
    cases.push(json(
        "request: a string as the groups",
        "request wrong_type @principal.groups",
        || with_principal(r#"{"id": "user:a", "groups": "group:ops"}"#),
    ));
    cases.push(json(
        "request: a number as a group",
        "request wrong_type @principal.groups[0]",
        || with_principal(r#"{"id": "user:a", "groups": [7]}"#),
    ));
    cases.push(json(
        "request: the string \"true\" as mfa",
        "request wrong_type @context.mfa",
        || with_context(r#"{"mfa": "true"}"#),
    ));
    cases.push(json(
        "request: a number as source_ip",
        "request wrong_type @context.source_ip",
        || with_context(r#"{"source_ip": 167772161}"#),
    ));
    cases.push(json(
        "request: a number as version_stage",
        "request wrong_type @context.version_stage",
        || with_context(r#"{"version_stage": 1}"#),
    ));
    cases.push(json(
        "request: an array of strings as a custom attribute (a set)",
        "allow allowed",
        || with_context(r#"{"x": ["a"]}"#),
    ));
    cases.push(json(
        "request: an array holding an array as a custom attribute",
        "request wrong_type @context.x[1]",
        || with_context(r#"{"x": ["a", [1]]}"#),
    ));
    cases.push(json(
        "request: a set of 65,537 items (past max_groups)",
        "request limit_exceeded @context.x",
        || {
            let items = vec!["\"g\""; 65_537].join(",");
            with_context(&format!(r#"{{"x": [{items}]}}"#))
        },
    ));
    cases.push(json(
        "request: a set of 65,536 one-byte items (at max_groups)",
        "allow allowed",
        || {
            let items = vec!["\"g\""; 65_536].join(",");
            with_context(&format!(r#"{{"x": [{items}]}}"#))
        },
    ));
    cases.push(json(
        "request: an object with a null member as a custom attribute",
        "request wrong_type @context.x.a",
        || with_context(r#"{"x": {"a": null}}"#),
    ));
    cases.push(json(
        "request: objects nested past max_attribute_depth",
        "request limit_exceeded @context.x.a.a.a.a.a.a.a.a",
        || {
            let depth = 9;
            with_context(&format!(
                r#"{{"x": {}1{}}}"#,
                r#"{"a": "#.repeat(depth),
                "}".repeat(depth)
            ))
        },
    ));
    cases.push(json(
        "request: an object of 1,025 members (past max_attributes)",
        "request limit_exceeded @context.x",
        || {
            let members: Vec<String> = (0..1025).map(|i| format!(r#""m{i}": {i}"#)).collect();
            with_context(&format!(r#"{{"x": {{{}}}}}"#, members.join(",")))
        },
    ));
    cases.push(json(
        "request: an array as the context",
        "request wrong_type @context",
        || with_context(r#"[{"mfa": true}]"#),
    ));
    cases.push(json(
        "request: an empty principal id",
        "request invalid_value @principal",
        || with_principal(r#""""#),
    ));
    cases.push(json(
        "request: an empty action",
        "request invalid_value @action",
        || request(r#""user:a""#, r#""""#, r#""app/db""#),
    ));
    cases.push(Case::json(
        "request: a tag name with a dot is not the tag before the dot",
        "deny no_statement_applied",
        || {
            one_statement(
                "principal *\n    action *\n    resource **\n    when { principal.tags.team == \"ops\" }",
            )
        },
        || with_principal(r#"{"id": "user:a", "tags": {"team.x": "ops", "x.team": "ops"}}"#),
    ));
}

/// Resource paths: normalization is refused, never resolved; bytes are
/// never decoded.
fn path_cases(cases: &mut Vec<Case>) {
    let path = |name: &str, expect: &str, p: &'static str| {
        Case::json(name, expect, base, move || read_path(p))
    };
    cases.push(path(
        "path: `prod/../dev/x` (allowed dev/**, denied prod/**)",
        "request invalid_value @resource",
        "prod/../dev/x",
    ));
    cases.push(path(
        "path: a `.` segment",
        "request invalid_value @resource",
        "dev/./x",
    ));
    cases.push(path(
        "path: `..` at the start",
        "request invalid_value @resource",
        "../prod/x",
    ));
    cases.push(path(
        "path: `//`",
        "request invalid_value @resource",
        "dev//x",
    ));
    cases.push(path(
        "path: a leading `/`",
        "request invalid_value @resource",
        "/dev/x",
    ));
    cases.push(path(
        "path: a trailing `/`",
        "request invalid_value @resource",
        "dev/x/",
    ));
    cases.push(path(
        "path: only `/`",
        "request invalid_value @resource",
        "/",
    ));
    cases.push(path("path: empty", "request invalid_value @resource", ""));
    cases.push(path(
        "path: a control character (U+0001)",
        "request invalid_value @resource",
        "dev/\u{1}x",
    ));
    cases.push(path(
        "path: a newline",
        "request invalid_value @resource",
        "dev/x\nprod/y",
    ));
    cases.push(path(
        "path: DEL (U+007F)",
        "request invalid_value @resource",
        "dev/x\u{7f}",
    ));
    cases.push(path(
        "path: an escaped NUL (`\\u0000`)",
        "request invalid_value @resource",
        "dev/x\u{0}",
    ));
    cases.push(Case::json(
        "path: `..` in the object form",
        "request invalid_value @resource.path",
        base,
        || {
            request(
                r#""user:a""#,
                r#""secrets:GetSecretValue""#,
                r#"{"path": "prod/../dev/x"}"#,
            )
        },
    ));
    cases.push(path(
        "path: `...` is an ordinary segment",
        "allow allowed",
        "dev/.../x",
    ));
    cases.push(path(
        "path: backslashes are not separators",
        "deny no_statement_applied",
        "dev\\..\\prod\\x",
    ));
    cases.push(Case::json(
        "path: `prod%2Fdb` does not match prod/**",
        "deny no_statement_applied",
        strict,
        || strict_read("svc-a", "prod%2Fdb"),
    ));
    cases.push(Case::json(
        "path: `dev%2F..%2Fprod` is one literal segment",
        "deny no_statement_applied",
        base,
        || read_path("dev%2F..%2Fprod"),
    ));
    cases.push(Case::json(
        "path: a Cyrillic `р` in `рrod/x` does not match prod/**",
        "deny no_statement_applied",
        strict,
        || strict_read("svc-a", "\u{440}rod/x"),
    ));
    cases.push(Case::json(
        "path: a fullwidth solidus (`prod／db`) does not match prod/**",
        "deny no_statement_applied",
        strict,
        || strict_read("svc-a", "prod\u{ff0f}db"),
    ));
    cases.push(Case::json(
        "path: `PROD/db` does not match prod/**",
        "deny no_statement_applied",
        strict,
        || strict_read("svc-a", "PROD/db"),
    ));
    cases.push(Case::json(
        "path: an escaped `\\/` is a JSON escape and decodes to `/`",
        "allow allowed",
        strict,
        || request(r#""svc-a""#, r#""secrets:GetSecretValue""#, r#""prod\/db""#),
    ));
    cases.push(Case::json(
        "path: `**` as the path does not match `prod/db`",
        "deny no_statement_applied",
        || one_statement("principal *\n    action *\n    resource prod/db"),
        || read_path("**"),
    ));
}

/// Principals, groups and actions holding glob characters or look-alikes.
fn identity_cases(cases: &mut Vec<Case>) {
    let who = |name: &str, expect: &str, principal: &'static str| {
        Case::json(name, expect, strict, move || {
            with_principal_strict(principal)
        })
    };
    cases.push(who(
        "identity: `svc-a` itself (control)",
        "allow allowed",
        "svc-a",
    ));
    cases.push(who(
        "identity: principal `*` does not match `principal svc-a`",
        "deny no_statement_applied",
        "*",
    ));
    cases.push(who(
        "identity: principal `svc-*` does not match `principal svc-a`",
        "deny no_statement_applied",
        "svc-*",
    ));
    cases.push(who(
        "identity: principal `svc-?` does not match `principal svc-a`",
        "deny no_statement_applied",
        "svc-?",
    ));
    cases.push(who(
        "identity: principal `svc-[a]` does not match `principal svc-a`",
        "deny no_statement_applied",
        "svc-[a]",
    ));
    cases.push(who(
        "identity: principal `svc-{a,b}` does not match `principal svc-a`",
        "deny no_statement_applied",
        "svc-{a,b}",
    ));
    cases.push(who(
        "identity: principal `**` does not match `principal svc-a`",
        "deny no_statement_applied",
        "**",
    ));
    cases.push(who(
        "identity: a Cyrillic `ѕ` in `ѕvc-a`",
        "deny no_statement_applied",
        "\u{455}vc-a",
    ));
    cases.push(who(
        "identity: a non-breaking hyphen in `svc‑a`",
        "deny no_statement_applied",
        "svc\u{2011}a",
    ));
    cases.push(who(
        "identity: a trailing space in `svc-a `",
        "deny no_statement_applied",
        "svc-a ",
    ));
    cases.push(who(
        "identity: a byte-order mark before `svc-a`",
        "deny no_statement_applied",
        "\u{feff}svc-a",
    ));
    cases.push(who(
        "identity: an escaped NUL after `svc-a`",
        "deny no_statement_applied",
        "svc-a\u{0}",
    ));
    cases.push(who(
        "identity: `SVC-A` in upper case",
        "deny no_statement_applied",
        "SVC-A",
    ));
    cases.push(who(
        "identity: a newline in the principal id",
        "deny no_statement_applied",
        "svc-a\nsvc-a",
    ));
    cases.push(Case::json(
        "identity: an action with a trailing space",
        "deny no_statement_applied",
        strict,
        || request(r#""svc-a""#, r#""secrets:GetSecretValue ""#, r#""prod/db""#),
    ));
    cases.push(Case::json(
        "identity: group `group:ops` (control)",
        "allow allowed",
        strict,
        || {
            request(
                r#"{"id": "user:a", "groups": ["group:ops"]}"#,
                r#""secrets:GetSecretValue""#,
                r#""ops/db""#,
            )
        },
    ));
    cases.push(Case::json(
        "identity: group `group:*` does not match `principal group:ops`",
        "deny no_statement_applied",
        strict,
        || {
            request(
                r#"{"id": "user:a", "groups": ["group:*", "*"]}"#,
                r#""secrets:GetSecretValue""#,
                r#""ops/db""#,
            )
        },
    ));
    cases.push(Case::json(
        "identity: a principal id `group:ops` is not the group",
        "deny no_statement_applied",
        strict,
        || {
            request(
                r#""group:ops""#,
                r#""secrets:GetSecretValue""#,
                r#""ops/db""#,
            )
        },
    ));
    cases.push(Case::json(
        "identity: action `*` does not match `action secrets:GetSecretValue`",
        "deny no_statement_applied",
        strict,
        || request(r#""svc-a""#, r#""*""#, r#""prod/db""#),
    ));
    cases.push(Case::json(
        "identity: action `secrets:*` does not match `action secrets:GetSecretValue`",
        "deny no_statement_applied",
        strict,
        || request(r#""svc-a""#, r#""secrets:*""#, r#""prod/db""#),
    ));
}

/// `strict_read` of `prod/db` by `principal`.
fn with_principal_strict(principal: &str) -> Vec<u8> {
    strict_read(principal, "prod/db")
}

/// Source addresses and times.
fn address_and_time_cases(cases: &mut Vec<Case>) {
    let ip = |name: &str, expect: &str, address: &'static str| {
        Case::json(name, expect, offnet, move || {
            with_context(&format!(
                r#"{{"source_ip": {}, "time": "2026-11-25T10:00:00Z"}}"#,
                js(address)
            ))
        })
    };
    cases.push(ip("ip: 10.0.0.1 (control)", "allow allowed", "10.0.0.1"));
    cases.push(Case::json(
        "ip: a misspelled `source_IP` is a custom attribute: the address is missing, the deny applies",
        "deny explicit_deny",
        offnet,
        || with_context(r#"{"source_IP": "10.0.0.1", "time": "2026-11-25T10:00:00Z"}"#),
    ));
    cases.push(ip(
        "ip: an IPv6 zone id (`fe80::1%eth0`)",
        "request invalid_value @context.source_ip",
        "fe80::1%eth0",
    ));
    cases.push(ip(
        "ip: IPv4-mapped `::ffff:192.0.2.1` is 192.0.2.1: denied off the network",
        "deny explicit_deny",
        "::ffff:192.0.2.1",
    ));
    cases.push(ip(
        "ip: IPv4-mapped `::ffff:10.0.0.1` is 10.0.0.1: not denied",
        "allow allowed",
        "::ffff:10.0.0.1",
    ));
    cases.push(ip(
        "ip: a leading zero (`010.0.0.1`)",
        "request invalid_value @context.source_ip",
        "010.0.0.1",
    ));
    cases.push(ip(
        "ip: IPv4-compatible `::10.0.0.1` is IPv6, not 10.0.0.1",
        "deny explicit_deny",
        "::10.0.0.1",
    ));
    cases.push(ip(
        "ip: a CIDR as the address",
        "request invalid_value @context.source_ip",
        "10.0.0.0/8",
    ));
    cases.push(ip(
        "ip: surrounding spaces",
        "request invalid_value @context.source_ip",
        " 10.0.0.1 ",
    ));
    cases.push(ip(
        "ip: a decimal integer as text",
        "request invalid_value @context.source_ip",
        "167772161",
    ));
    let time = |name: &str, expect: &str, value: &'static str| {
        Case::json(name, expect, base, move || {
            with_context(&format!(r#"{{"time": {value}}}"#))
        })
    };
    cases.push(time(
        "time: year 99999",
        "request invalid_value @context.time",
        r#""99999-01-01T00:00:00Z""#,
    ));
    cases.push(time(
        "time: month 13",
        "request invalid_value @context.time",
        r#""2026-13-01T00:00:00Z""#,
    ));
    cases.push(time(
        "time: February 30",
        "request invalid_value @context.time",
        r#""2026-02-30T00:00:00Z""#,
    ));
    cases.push(time(
        "time: February 29 of a common year",
        "request invalid_value @context.time",
        r#""2026-02-29T00:00:00Z""#,
    ));
    cases.push(time(
        "time: hour 24",
        "request invalid_value @context.time",
        r#""2026-11-25T24:00:00Z""#,
    ));
    cases.push(time(
        "time: no offset",
        "request invalid_value @context.time",
        r#""2026-11-25T10:00:00""#,
    ));
    cases.push(time(
        "time: an offset of +24:00",
        "request invalid_value @context.time",
        r#""2026-11-25T10:00:00+24:00""#,
    ));
    cases.push(time(
        "time: a number of seconds",
        "request wrong_type @context.time",
        "1795600800",
    ));
    cases.push(time(
        "time: a leap second (23:59:60)",
        "allow allowed",
        r#""2016-12-31T23:59:60Z""#,
    ));
    cases.push(time(
        "time: year 0000",
        "allow allowed",
        r#""0000-01-01T00:00:00Z""#,
    ));
    cases.push(time(
        "time: 30 fractional digits",
        "allow allowed",
        r#""2026-11-25T10:00:00.123456789012345678901234567890Z""#,
    ));
}

/// Request limits (`tessera::RequestLimits`, the defaults every face
/// enforces) and the request-size limits of each face.
fn limit_cases(cases: &mut Vec<Case>) {
    cases.push(Case::json(
        "limits: 65,536 groups (at the limit)",
        "allow allowed",
        base,
        || {
            with_principal(&format!(
                r#"{{"id": "user:a", "groups": {}}}"#,
                groups_json(65_536)
            ))
        },
    ));
    cases.push(Case::json(
        "limits: 65,537 groups",
        "request limit_exceeded @principal.groups",
        base,
        || {
            with_principal(&format!(
                r#"{{"id": "user:a", "groups": {}}}"#,
                groups_json(65_537)
            ))
        },
    ));
    cases.push(Case::json(
        "limits: 100,000 groups",
        "request limit_exceeded @principal.groups",
        base,
        || {
            with_principal(&format!(
                r#"{{"id": "user:a", "groups": {}}}"#,
                groups_json(100_000)
            ))
        },
    ));
    cases.push(Case::json(
        "limits: 1,025 principal tags",
        "request limit_exceeded @principal.tags",
        base,
        || {
            with_principal(&format!(
                r#"{{"id": "user:a", "tags": {}}}"#,
                members_json(1025)
            ))
        },
    ));
    cases.push(Case::json(
        "limits: 1,025 resource tags",
        "request limit_exceeded @resource.tags",
        base,
        || {
            request(
                r#""user:a""#,
                r#""secrets:GetSecretValue""#,
                &format!(r#"{{"path": "app/db", "tags": {}}}"#, members_json(1025)),
            )
        },
    ));
    cases.push(Case::json(
        "limits: 1,025 custom context attributes",
        "request limit_exceeded @context",
        base,
        || with_context(&members_json(1025)),
    ));
    cases.push(Case::json(
        "limits: a principal id of 65,536 bytes (at the limit)",
        "allow allowed",
        base,
        || with_principal(&js(&"u".repeat(65_536))),
    ));
    cases.push(Case::json(
        "limits: a principal id of 65,537 bytes",
        "request limit_exceeded @principal.id",
        base,
        || with_principal(&js(&"u".repeat(65_537))),
    ));
    cases.push(Case::json(
        "limits: an action of 65,537 bytes",
        "request limit_exceeded @action",
        base,
        || request(r#""user:a""#, &js(&"a".repeat(65_537)), r#""app/db""#),
    ));
    cases.push(Case::json(
        "limits: a group of 65,537 bytes",
        "request limit_exceeded @principal.groups[0]",
        base,
        || {
            with_principal(&format!(
                r#"{{"id": "user:a", "groups": [{}]}}"#,
                js(&"g".repeat(65_537))
            ))
        },
    ));
    cases.push(Case::json(
        "limits: a tag name of 65,537 bytes",
        "request limit_exceeded @principal.tags",
        base,
        || {
            with_principal(&format!(
                r#"{{"id": "user:a", "tags": {{{}: "x"}}}}"#,
                js(&"t".repeat(65_537))
            ))
        },
    ));
    cases.push(Case::json(
        "limits: a custom attribute name of 65,537 bytes",
        "request limit_exceeded @context",
        base,
        || with_context(&format!(r#"{{{}: 1}}"#, js(&"k".repeat(65_537)))),
    ));
    cases.push(Case::json(
        "limits: a version stage of 65,537 bytes",
        "request limit_exceeded @context.version_stage",
        base,
        || {
            with_context(&format!(
                r#"{{"version_stage": {}}}"#,
                js(&"S".repeat(65_537))
            ))
        },
    ));
    cases.push(Case::json(
        "limits: a path of 65,537 bytes",
        "request limit_exceeded @resource.path",
        base,
        || read_path(&format!("app/{}", "p".repeat(65_533))),
    ));
    cases.push(Case::json(
        "limits: a path of 1,025 segments",
        "request limit_exceeded @resource.path",
        base,
        || read_path(&format!("app{}", "/s".repeat(1024))),
    ));
    cases.push(Case::json(
        "limits: a path of 1,024 segments (at the limit)",
        "allow allowed",
        base,
        || read_path(&format!("app{}", "/s".repeat(1023))),
    ));
    cases.push(
        Case::json(
            "limits: a request of 16 MiB + 1 byte",
            "request limit_exceeded @",
            base,
            || {
                let mut bytes = app_read();
                bytes.resize(16 * 1024 * 1024 + 1, b' ');
                bytes
            },
        )
        // The module refuses the input before reading it (ABI.md).
        .on(Face::Wasm, "invalid-argument too_large"),
    );
    cases.push(Case::json(
        "limits: a request of exactly 16 MiB (padded with spaces)",
        "allow allowed",
        base,
        || {
            let mut bytes = app_read();
            bytes.resize(16 * 1024 * 1024, b' ');
            bytes
        },
    ));
    cases.push(
        Case::json(
            "limits: a 16 MiB string in the request",
            "request limit_exceeded @",
            base,
            || {
                with_context(&format!(
                    r#"{{"x": {}}}"#,
                    js(&"x".repeat(16 * 1024 * 1024))
                ))
            },
        )
        .on(Face::Wasm, "invalid-argument too_large"),
    );
}

/// Inputs that cost too much with a naive matcher: they must decide (or be
/// refused) in reasonable time.
fn linear_cost_cases(cases: &mut Vec<Case>) {
    let prod_allow = || one_statement("principal *\n    action *\n    resource prod/**");
    let deep = || format!("prod{}", "/x".repeat(80_000));
    cases.push(Case::json(
        "cost: a path of 80,000 `x/` segments under prod/** (default limits)",
        "request limit_exceeded @resource.path",
        prod_allow,
        move || read_path(&deep()),
    ));
    cases.push(
        Case::json(
            "cost: a path of 80,000 `x/` segments under prod/** (limits raised)",
            "allow allowed",
            prod_allow,
            move || read_path(&deep()),
        )
        .with_request_limits(raised_request_limits()),
    );
    let team_request = |segment: String| {
        request(
            r#"{"id": "user:a", "tags": {"team": "a"}}"#,
            r#""secrets:GetSecretValue""#,
            &js(&format!("teams/a/{segment}")),
        )
    };
    cases.push(Case::json(
        "cost: `teams/${principal.tags.team}/*-*-*-*` on a 100 KB `a-a-...` segment (default limits)",
        "request limit_exceeded @resource.path",
        || TEAMS.to_string(),
        move || team_request(format!("{}a", "a-".repeat(50_000))),
    ));
    cases.push(
        Case::json(
            "cost: `teams/${principal.tags.team}/*-*-*-*` on a 100 KB `a-a-...` segment (limits raised)",
            "allow allowed",
            || TEAMS.to_string(),
            move || team_request(format!("{}a", "a-".repeat(50_000))),
        )
        .with_request_limits(raised_request_limits()),
    );
    cases.push(
        Case::json(
            "cost: `teams/${principal.tags.team}/*-*-*-*` on a 100 KB segment with 2 dashes (limits raised)",
            "deny no_statement_applied",
            || TEAMS.to_string(),
            move || team_request(format!("a-a-{}", "a".repeat(100_000))),
        )
        .with_request_limits(raised_request_limits()),
    );
    cases.push(Case::json(
        "cost: `teams/${principal.tags.team}/*-*-*-*` on a 60 KB `a-a-...` segment",
        "allow allowed",
        || TEAMS.to_string(),
        move || team_request(format!("{}a", "a-".repeat(30_000))),
    ));
    cases.push(Case::json(
        "cost: `teams/${principal.tags.team}/*-*-*-*` on a 60 KB segment with 2 dashes",
        "deny no_statement_applied",
        || TEAMS.to_string(),
        move || team_request(format!("a-a-{}", "a".repeat(60_000))),
    ));
    cases.push(Case::json(
        "cost: a principal pattern of 64 `*-` against a 60 KB id without enough dashes",
        "deny no_statement_applied",
        || {
            one_statement(&format!(
                "principal svc{}\n    action *\n    resource **",
                "*-".repeat(63)
            ))
        },
        || {
            with_principal(&js(&format!(
                "svc{}{}",
                "-a".repeat(10),
                "a".repeat(60_000)
            )))
        },
    ));
    cases.push(Case::json(
        "cost: `like` at 64 wildcards against a 60 KB value that never matches",
        "deny no_statement_applied",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ context.ticket like \"{}b\" }}",
                "*a".repeat(64)
            ))
        },
        || {
            with_context(&format!(
                r#"{{"ticket": {}, "time": "2026-11-25T10:00:00Z"}}"#,
                js(&"a".repeat(60_000))
            ))
        },
    ));
    cases.push(Case::json(
        "cost: `like` at 64 wildcards against a 60 KB value that matches at the end",
        "allow allowed",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource **\n    when {{ context.ticket like \"{}b\" }}",
                "*a".repeat(64)
            ))
        },
        || {
            with_context(&format!(
                r#"{{"ticket": {}, "time": "2026-11-25T10:00:00Z"}}"#,
                js(&format!("{}b", "a".repeat(60_000)))
            ))
        },
    ));
    cases.push(Case::json(
        "cost: `**/**/**/...` (64) against a path of 1,024 segments that never matches",
        "deny no_statement_applied",
        || {
            one_statement(&format!(
                "principal *\n    action *\n    resource {}/z",
                vec!["**"; 63].join("/")
            ))
        },
        || read_path(&format!("a{}", "/a".repeat(1023))),
    ));
}

/// The C library's request struct (`tessera_engine_decide`).
fn struct_cases(cases: &mut Vec<Case>) {
    cases.push(Case::c_struct(
        "struct: an ordinary request (control)",
        "allow allowed",
        base,
        || StructRequest::new("user:a", "secrets:GetSecretValue", "app/db"),
    ));
    cases.push(Case::c_struct(
        "struct: 65,536 groups (at the limit)",
        "allow allowed",
        base,
        || StructRequest {
            groups: (0..65_536).map(|i| format!("group:g{i}")).collect(),
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: 65,537 groups",
        "request limit_exceeded @principal.groups",
        base,
        || StructRequest {
            groups: (0..65_537).map(|i| format!("group:g{i}")).collect(),
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: group_count SIZE_MAX with a NULL array",
        "request limit_exceeded @principal.groups",
        base,
        || StructRequest {
            group_count: Some(usize::MAX),
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: `prod/../dev/x`",
        "request invalid_value @resource",
        base,
        || StructRequest::new("user:a", "secrets:GetSecretValue", "prod/../dev/x"),
    ));
    cases.push(Case::c_struct(
        "struct: a path with a control character",
        "request invalid_value @resource",
        base,
        || StructRequest::new("user:a", "secrets:GetSecretValue", "dev/\u{1}x"),
    ));
    cases.push(Case::c_struct(
        "struct: a path of 1,025 segments",
        "request limit_exceeded @resource.path",
        base,
        || {
            StructRequest::new(
                "user:a",
                "secrets:GetSecretValue",
                &format!("app{}", "/s".repeat(1024)),
            )
        },
    ));
    cases.push(Case::c_struct(
        "struct: `prod%2Fdb` does not match prod/**",
        "deny no_statement_applied",
        strict,
        || StructRequest::new("svc-a", "secrets:GetSecretValue", "prod%2Fdb"),
    ));
    cases.push(Case::c_struct(
        "struct: principal `*` does not match `principal svc-a`",
        "deny no_statement_applied",
        strict,
        || StructRequest::new("*", "secrets:GetSecretValue", "prod/db"),
    ));
    cases.push(Case::c_struct(
        "struct: a principal id of 65,537 bytes",
        "request limit_exceeded @principal.id",
        base,
        || StructRequest::new(&"u".repeat(65_537), "secrets:GetSecretValue", "app/db"),
    ));
    cases.push(Case::c_struct(
        "struct: an IPv6 zone id",
        "request invalid_value @context.source_ip",
        offnet,
        || StructRequest {
            source_ip: Some("fe80::1%eth0".to_string()),
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: IPv4-mapped `::ffff:192.0.2.1`: denied off the network",
        "deny explicit_deny",
        offnet,
        || StructRequest {
            source_ip: Some("::ffff:192.0.2.1".to_string()),
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: IPv4-mapped `::ffff:10.0.0.1`: not denied",
        "allow allowed",
        offnet,
        || StructRequest {
            source_ip: Some("::ffff:10.0.0.1".to_string()),
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: a time of i64::MAX seconds",
        "request invalid_value @context.time",
        base,
        || StructRequest {
            time: Some(i64::MAX),
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: mfa 7",
        "request invalid_value @context.mfa",
        base,
        || StructRequest {
            mfa: 7,
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: mfa_age_seconds i64::MIN",
        "request invalid_value @context.mfa_age_seconds",
        base,
        || StructRequest {
            mfa_age_seconds: i64::MIN,
            ..StructRequest::new("user:a", "secrets:GetSecretValue", "app/db")
        },
    ));
    cases.push(Case::c_struct(
        "struct: an empty principal",
        "request invalid_value @principal",
        base,
        || StructRequest::new("", "secrets:GetSecretValue", "app/db"),
    ));
}

// ---------------------------------------------------------------------------
// Answers, as one line each.

/// An answer in JSON (decision or error), as an observation: `allow
/// allowed`, `deny explicit_deny`, `request CODE @FIELD`, `compile CODES`,
/// `invalid-argument CODE`, or the kind of any other error.
fn observe_answer(answer: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(answer) else {
        return format!("BAD ANSWER (not JSON): {}", clip(answer));
    };
    if let Some(decision) = value["decision"].as_str() {
        return format!("{decision} {}", value["reason"].as_str().unwrap_or("?"));
    }
    if value["ok"] == true {
        return "loaded".to_string();
    }
    let error = &value["error"];
    match error["kind"].as_str() {
        Some("request") => format!(
            "request {} @{}",
            error["code"].as_str().unwrap_or("?"),
            error["field"].as_str().unwrap_or("?")
        ),
        Some("compile") => {
            let codes: Vec<&str> = error["diagnostics"]
                .as_array()
                .map(|d| d.iter().filter_map(|d| d["code"].as_str()).collect())
                .unwrap_or_default();
            format!("compile {}", dedup(&codes))
        }
        Some("invalid_argument") => {
            format!("invalid-argument {}", error["code"].as_str().unwrap_or("?"))
        }
        Some(kind) => format!("{kind}: {}", clip(error["message"].as_str().unwrap_or(""))),
        None => format!("BAD ANSWER: {}", clip(answer)),
    }
}

/// Codes without consecutive repeats, comma-separated.
fn dedup(codes: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for code in codes {
        if out.last() != Some(code) {
            out.push(code);
        }
    }
    out.join(",")
}

fn clip(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= 160 {
        one_line
    } else {
        let head: String = one_line.chars().take(160).collect();
        format!("{head}...")
    }
}

/// The plain and the explained answer agree on the observation.
fn both(plain: String, explained: String) -> String {
    if plain == explained {
        plain
    } else {
        format!("INCONSISTENT: evaluate gives `{plain}`, explain gives `{explained}`")
    }
}

/// What a compiled policy set depends on: the sources and the limits.
type Key = (Vec<(String, Vec<u8>)>, String);

/// A face's compiled policy set, kept for the next case when it compiles
/// the same sources under the same limits (the 20,000-glob cases share
/// their policies, and compiling them is most of the suite's time).
type Kept<T> = Option<(Key, T)>;

fn key(case: &Case, inputs: &Inputs) -> Key {
    (
        inputs.sources.clone(),
        format!("{:?} {:?}", case.policy_limits, case.request_limits),
    )
}

/// The kept value when `key` is its key (timed as `compile-kept`); the
/// kept value is dropped otherwise.
fn reuse<T>(kept: &mut Kept<T>, key: &Key) -> Option<T> {
    match kept.take() {
        Some((k, value)) if &k == key => {
            timed("compile-kept", || ());
            Some(value)
        }
        _ => None,
    }
}

thread_local! {
    /// Where a face spent its time on the current case.
    static PHASES: std::cell::RefCell<Vec<(&'static str, Duration)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `body`, counting its time under `phase`.
fn timed<T>(phase: &'static str, body: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = body();
    let elapsed = started.elapsed();
    PHASES.with(|p| p.borrow_mut().push((phase, elapsed)));
    result
}

/// The phases of the current case as `compile=1.2ms,decide=0.3ms` (each
/// phase once, in first-seen order), and forgets them; `-` when none.
fn take_phases() -> String {
    let phases = PHASES.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let mut totals: Vec<(&str, Duration)> = Vec::new();
    for (phase, elapsed) in phases {
        match totals.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, total)) => *total += elapsed,
            None => totals.push((phase, elapsed)),
        }
    }
    if totals.is_empty() {
        return "-".to_string();
    }
    totals
        .iter()
        .map(|(p, d)| format!("{p}={:.1}ms", d.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(",")
}

// ---------------------------------------------------------------------------
// The native face.

mod native {
    use super::{
        Case, Input, Inputs, Kept, NOW_MS, StructRequest, both, dedup, key, observe_answer, reuse,
        timed,
    };
    use chrono::{DateTime, Utc};
    use tessera::{Engine, Request, RequestError, RequestLimits, Resource, Source, reference};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(NOW_MS).unwrap()
    }

    thread_local! {
        /// The parsed sources of each engine compiled here, by revision,
        /// for the reference interpreter (the engine keeps no syntax tree).
        static FILES: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<Vec<tessera::policy_lang::PolicyFile>>>> =
            Default::default();
    }

    pub(super) fn run(case: &Case, inputs: &Inputs, kept: &mut Kept<Engine>) -> String {
        let key = key(case, inputs);
        let engine = match reuse(kept, &key) {
            Some(engine) => engine,
            None => match compile(case, inputs) {
                Ok(engine) => engine,
                Err(observed) => return observed,
            },
        };
        let observed = match &inputs.request {
            Input::Json(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => json(&engine, text, case.reference),
                Err(_) => {
                    "n/a: the Rust API takes request text as &str, which cannot hold invalid UTF-8"
                        .to_string()
                }
            },
            Input::Struct(request) => decide_struct(&engine, request, case.reference),
        };
        *kept = Some((key, engine));
        observed
    }

    /// The engine, or the observation of why not.
    fn compile(case: &Case, inputs: &Inputs) -> Result<Engine, String> {
        let mut texts = Vec::new();
        for (name, bytes) in &inputs.sources {
            match std::str::from_utf8(bytes) {
                Ok(text) => texts.push((name.as_str(), text)),
                Err(_) => {
                    return Err("n/a: the Rust API takes policy text as &str, which cannot hold invalid UTF-8".to_string());
                }
            }
        }
        let sources: Vec<Source> = texts.iter().map(|(n, t)| Source::new(n, t)).collect();
        let limits = tessera::Limits {
            policy: case.policy_limits.unwrap_or_default(),
            request: case.request_limits.clone().unwrap_or_default(),
        };
        let engine =
            timed("compile", || Engine::compile_with(&sources, &limits)).map_err(|error| {
                let codes: Vec<&str> = error
                    .diagnostics()
                    .iter()
                    .map(|d| d.kind().code())
                    .collect();
                format!("compile {}", dedup(&codes))
            })?;
        if case.reference {
            let files = tessera::policy_lang::parse_set_with(&texts, &limits.policy)
                .expect("sources the engine compiled parse");
            FILES.with(|cell| {
                cell.borrow_mut()
                    .insert(engine.revision().to_string(), std::rc::Rc::new(files))
            });
        }
        Ok(engine)
    }

    /// The JSON layer, plain and explained, checked against
    /// `Request::from_json_with` (the engine's limits), the engine and the
    /// reference interpreter.
    fn json(engine: &Engine, text: &str, reference: bool) -> String {
        let plain = timed("json", || {
            observe_answer(&tessera::json::evaluate_at(engine, text, false, now()))
        });
        let explained = timed("json-explain", || {
            observe_answer(&tessera::json::evaluate_at(engine, text, true, now()))
        });
        let observed = both(plain, explained);
        let parsed = match timed("parse", || {
            Request::from_json_with(text, &engine.limits().request)
        }) {
            Ok(request) => decided(engine, &request, reference),
            Err(error) => request_error(&error),
        };
        if parsed != observed {
            return format!(
                "INCONSISTENT: the JSON layer gives `{observed}`, Request::from_json and Engine::decide give `{parsed}`"
            );
        }
        observed
    }

    fn request_error(error: &RequestError) -> String {
        observe_answer(&tessera::json::request_error(error).to_string())
    }

    /// The engine's decision, explained and plain, and the reference
    /// interpreter's (unless `with_reference` is false).
    fn decided(engine: &Engine, request: &Request, with_reference: bool) -> String {
        let decision = timed("decide", || engine.decide_at(request, now()));
        let plain = observe_answer(&decision.to_json().to_string());
        let explanation = timed("explain", || engine.explain_at(request, now()));
        let explained = observe_answer(&explanation.decision.to_json().to_string());
        let observed = both(plain, explained);
        if !with_reference {
            timed("reference-skipped", || ());
            return observed;
        }
        let reference = timed("reference", || {
            let files = FILES
                .with(|cell| cell.borrow().get(engine.revision()).cloned())
                .expect("the engine's sources were parsed when it was compiled");
            reference::decide(&files, request, now())
        });
        if reference.outcome != decision.outcome || reference.reason != decision.reason {
            return format!(
                "INCONSISTENT: the engine gives `{observed}`, the reference interpreter {:?} {:?}",
                reference.outcome, reference.reason
            );
        }
        observed
    }

    /// The request the C library builds from its struct, checked as it
    /// checks it (`ffi/src/lib.rs`, `fill_request`), then decided.
    fn decide_struct(engine: &Engine, s: &StructRequest, with_reference: bool) -> String {
        let invalid = |field: &str| format!("request invalid_value @{field}");
        for (text, field) in [
            (&s.principal, "principal"),
            (&s.action, "action"),
            (&s.resource, "resource"),
        ] {
            if text.is_empty() {
                return invalid(field);
            }
        }
        if let Err(error) = Resource::check_path(&s.resource, "resource") {
            return request_error(&error);
        }
        let count = s.group_count.unwrap_or(s.groups.len());
        if let Err(error) = RequestLimits::DEFAULT.check_group_count(count) {
            return request_error(&error);
        }
        let mut request = Request::new(&s.principal, &s.action, &s.resource);
        request.principal.groups = s.groups.clone();
        if let Some(ip) = &s.source_ip {
            match ip.parse::<std::net::IpAddr>() {
                Ok(ip) => request.context.source_ip = Some(ip.to_canonical()),
                Err(_) => return invalid("context.source_ip"),
            }
        }
        request.context.mfa = match s.mfa {
            -1 => None,
            0 => Some(false),
            1 => Some(true),
            _ => return invalid("context.mfa"),
        };
        request.context.mfa_age_seconds = match s.mfa_age_seconds {
            -1 => None,
            age if age >= 0 => Some(age),
            _ => return invalid("context.mfa_age_seconds"),
        };
        request.context.version_stage = s.version_stage.clone();
        if let Some(time) = s.time {
            match DateTime::from_timestamp(time, 0) {
                Some(time) => request.context.time = Some(time),
                None => return invalid("context.time"),
            }
        }
        if let Err(error) = request.check_limits(&RequestLimits::DEFAULT) {
            return request_error(&error);
        }
        decided(engine, &request, with_reference)
    }
}

// ---------------------------------------------------------------------------
// The C face: the C library's entry points.

#[allow(unsafe_code)]
mod c_face {
    use super::{
        Case, Input, Inputs, Kept, StructRequest, both, clip, dedup, key, observe_answer, reuse,
        timed,
    };
    use std::ffi::{CStr, CString, c_char};
    use std::ptr;
    use tessera_ffi::{
        ErrorCode, Outcome, Reason, TesseraDecision, TesseraEngine, TesseraError, TesseraRequest,
        TesseraSource,
    };

    /// A borrowed C string, or `None` for NULL.
    fn read(p: *const c_char) -> Option<String> {
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-NULL string the library documents as NUL-terminated.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }

    /// The observation for a failed call's error, which it frees.
    fn error_observation(code: ErrorCode, err: *mut TesseraError) -> String {
        if err.is_null() {
            return format!("BAD ERROR: code {code:?} with *err NULL");
        }
        // SAFETY: a live error from the library, read then freed once.
        let observed = unsafe {
            let message = read(tessera_ffi::tessera_error_message(err)).unwrap_or_default();
            match code {
                ErrorCode::Compile => {
                    let count = tessera_ffi::tessera_error_diagnostic_count(err);
                    let codes: Vec<String> = (0..count)
                        .map(|i| {
                            read(tessera_ffi::tessera_error_diagnostic_code(err, i))
                                .unwrap_or_else(|| "?".to_string())
                        })
                        .collect();
                    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
                    format!("compile {}", dedup(&codes))
                }
                ErrorCode::Request => {
                    let json = read(tessera_ffi::tessera_error_json(err)).unwrap_or_default();
                    let observed = observe_answer(&json);
                    let field = read(tessera_ffi::tessera_error_field(err)).unwrap_or_default();
                    if observed.ends_with(&format!("@{field}")) {
                        observed
                    } else {
                        format!(
                            "INCONSISTENT: error JSON `{observed}`, tessera_error_field `{field}`"
                        )
                    }
                }
                ErrorCode::InvalidArgument => "invalid-argument".to_string(),
                other => format!("{other:?}: {}", clip(&message)),
            }
        };
        // SAFETY: freed once.
        unsafe { tessera_ffi::tessera_error_free(err) };
        observed
    }

    /// An engine handle, freed when dropped.
    pub(super) struct Handle(*mut TesseraEngine);

    impl Drop for Handle {
        fn drop(&mut self) {
            // SAFETY: a live handle from `tessera_engine_compile`, freed once.
            unsafe { tessera_ffi::tessera_engine_free(self.0) };
        }
    }

    pub(super) fn run(case: &Case, inputs: &Inputs, kept: &mut Kept<Handle>) -> String {
        let key = key(case, inputs);
        let engine = match reuse(kept, &key) {
            Some(engine) => engine,
            None => match compile(inputs) {
                Ok(engine) => engine,
                Err(observed) => return observed,
            },
        };
        let observed = match &inputs.request {
            Input::Json(bytes) => both(
                timed("evaluate", || evaluate(engine.0, bytes, 0)),
                timed("explain", || evaluate(engine.0, bytes, 1)),
            ),
            Input::Struct(request) => timed("decide", || decide(engine.0, request)),
        };
        *kept = Some((key, engine));
        observed
    }

    /// `tessera_engine_compile`: the engine, or the observation of why not.
    fn compile(inputs: &Inputs) -> Result<Handle, String> {
        let names: Vec<CString> = inputs
            .sources
            .iter()
            .map(|(n, _)| CString::new(n.as_str()).unwrap())
            .collect();
        let sources: Vec<TesseraSource> = names
            .iter()
            .zip(&inputs.sources)
            .map(|(name, (_, text))| TesseraSource {
                name: name.as_ptr(),
                text: text.as_ptr().cast(),
                text_len: text.len(),
            })
            .collect();
        let mut engine: *mut TesseraEngine = ptr::null_mut();
        let mut err: *mut TesseraError = ptr::null_mut();
        // SAFETY: `sources` holds valid names and texts for the call.
        let code = timed("compile", || unsafe {
            tessera_ffi::tessera_engine_compile(
                sources.as_ptr(),
                sources.len(),
                &mut engine,
                &mut err,
            )
        });
        if code != ErrorCode::Ok {
            return Err(error_observation(code, err));
        }
        if engine.is_null() {
            return Err("BAD ANSWER: TESSERA_OK with *out NULL".to_string());
        }
        Ok(Handle(engine))
    }

    /// `tessera_engine_evaluate_json` on the raw bytes.
    fn evaluate(engine: *const TesseraEngine, bytes: &[u8], explain: i32) -> String {
        let mut out: *mut c_char = ptr::null_mut();
        let mut out_len: usize = usize::MAX;
        let mut err: *mut TesseraError = ptr::null_mut();
        // SAFETY: a live engine; `bytes` is readable for its length; the
        // outputs are writable.
        let code = unsafe {
            tessera_ffi::tessera_engine_evaluate_json(
                engine,
                bytes.as_ptr().cast(),
                bytes.len(),
                explain,
                &mut out,
                &mut out_len,
                &mut err,
            )
        };
        let answer = read(out);
        // SAFETY: NULL or a string from the library, freed once.
        unsafe { tessera_ffi::tessera_string_free(out) };
        match code {
            ErrorCode::Ok => match answer {
                Some(answer) if answer.len() == out_len => observe_answer(&answer),
                Some(answer) => format!("BAD ANSWER: length {out_len}, {} bytes", answer.len()),
                None => "BAD ANSWER: TESSERA_OK with *out_json NULL".to_string(),
            },
            ErrorCode::Request => {
                let error = error_observation(code, err);
                match answer {
                    Some(answer) if observe_answer(&answer) == error => error,
                    Some(answer) => format!(
                        "INCONSISTENT: *out_json `{}`, the error `{error}`",
                        observe_answer(&answer)
                    ),
                    None => "BAD ANSWER: TESSERA_ERROR_REQUEST with *out_json NULL".to_string(),
                }
            }
            code => {
                if answer.is_some() {
                    return format!("BAD ANSWER: {code:?} with *out_json set");
                }
                error_observation(code, err)
            }
        }
    }

    /// A NUL-terminated copy (the test texts hold no NUL).
    fn c(text: &str) -> CString {
        CString::new(text).unwrap()
    }

    /// `tessera_engine_decide` on the struct.
    fn decide(engine: *const TesseraEngine, s: &StructRequest) -> String {
        let principal = c(&s.principal);
        let action = c(&s.action);
        let resource = c(&s.resource);
        let groups: Vec<CString> = s.groups.iter().map(|g| c(g)).collect();
        let group_ptrs: Vec<*const c_char> = groups.iter().map(|g| g.as_ptr()).collect();
        let source_ip = s.source_ip.as_deref().map(c);
        let version_stage = s.version_stage.as_deref().map(c);
        let (groups_ptr, group_count) = match s.group_count {
            Some(count) => (ptr::null(), count),
            None => (group_ptrs.as_ptr(), group_ptrs.len()),
        };
        let request = TesseraRequest {
            principal: principal.as_ptr(),
            groups: groups_ptr,
            group_count,
            action: action.as_ptr(),
            resource: resource.as_ptr(),
            source_ip: source_ip.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            mfa: s.mfa,
            mfa_age_seconds: s.mfa_age_seconds,
            version_stage: version_stage.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            time: s.time.unwrap_or(0),
            has_time: i32::from(s.time.is_some()),
        };
        let mut out = TesseraDecision {
            outcome: Outcome::Allow,
            reason: Reason::Allowed,
            determining_count: 99,
            policy: ptr::dangling(),
            statement: ptr::dangling(),
        };
        let mut err: *mut TesseraError = ptr::null_mut();
        // SAFETY: a live engine; every pointer in `request` is NULL or a
        // NUL-terminated string that outlives the call (a NULL `groups` goes
        // with a count the library refuses before reading).
        let code =
            unsafe { tessera_ffi::tessera_engine_decide(engine, &request, &mut out, &mut err) };
        if code != ErrorCode::Ok {
            if out.outcome != Outcome::Deny || out.determining_count != 0 {
                return format!("BAD ANSWER: {code:?} left *out {out:?}");
            }
            return error_observation(code, err);
        }
        let decision = match out.outcome {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
        };
        let reason = match out.reason {
            Reason::Allowed => "allowed",
            Reason::ExplicitDeny => "explicit_deny",
            Reason::NoStatementApplied => "no_statement_applied",
            Reason::AuditFailed => "audit_failed",
        };
        format!("{decision} {reason}")
    }
}

// ---------------------------------------------------------------------------
// The Wasm face: the core module through the wasmtime host.

#[cfg(feature = "wasm")]
mod wasm_face {
    use super::{Case, Input, Inputs, Kept, NOW_MS, both, key, observe_answer, reuse, timed};
    use std::path::PathBuf;
    use std::process::Command;
    use tessera_wasm_host::{Compiled, Host, HostError, Limits};

    /// True when the standard library for wasm32-unknown-unknown is installed.
    fn wasm32_installed() -> bool {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let Ok(output) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
            return false;
        };
        let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        sysroot
            .join("lib/rustlib/wasm32-unknown-unknown/lib")
            .is_dir()
    }

    /// The core module, built as wasm/host's tests build it (`wasm/build.sh
    /// --core-only` into `target/wasm-host-test`, which they share), or why
    /// not.
    pub(super) fn compiled() -> Result<Compiled, String> {
        if !wasm32_installed() {
            assert!(
                std::env::var_os("CI").is_none(),
                "the wasm32-unknown-unknown target is not installed: CI must install it"
            );
            return Err(
                "the wasm32-unknown-unknown target is not installed (rustup target add wasm32-unknown-unknown)"
                    .to_string(),
            );
        }
        let exe = std::env::current_exe().unwrap();
        let target = exe
            .ancestors()
            .nth(3)
            .expect("the test executable lives in target/PROFILE/deps")
            .to_path_buf();
        let out = target.join("wasm-host-test");
        let script = super::repo().join("wasm/build.sh");
        let output = Command::new("bash")
            .arg(script)
            .arg("--core-only")
            .arg(&out)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run wasm/build.sh");
        assert!(
            output.status.success(),
            "wasm/build.sh --core-only failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let bytes = std::fs::read(out.join("tessera_core.wasm")).unwrap();
        Compiled::new(&bytes).map_err(|e| e.to_string())
    }

    fn host_error(what: &str, error: &HostError) -> String {
        match error {
            HostError::OutOfFuel => format!("OUT OF FUEL in {what}"),
            HostError::Trap(_) | HostError::OutOfBounds => format!("TRAP in {what}: {error}"),
            other => format!("HOST ERROR in {what}: {other}"),
        }
    }

    /// A load document holding the sources as they are: JSON strings when
    /// they are UTF-8, raw bytes otherwise (which the module must refuse).
    fn document(inputs: &Inputs) -> Vec<u8> {
        let mut doc = b"{\"sources\": [".to_vec();
        for (i, (name, text)) in inputs.sources.iter().enumerate() {
            if i > 0 {
                doc.push(b',');
            }
            doc.extend_from_slice(b"{\"name\": ");
            doc.extend_from_slice(
                serde_json::Value::from(name.as_str())
                    .to_string()
                    .as_bytes(),
            );
            doc.extend_from_slice(b", \"text\": ");
            match std::str::from_utf8(text) {
                Ok(text) => {
                    doc.extend_from_slice(serde_json::Value::from(text).to_string().as_bytes())
                }
                Err(_) => {
                    doc.push(b'"');
                    doc.extend_from_slice(text);
                    doc.push(b'"');
                }
            }
            doc.push(b'}');
        }
        doc.extend_from_slice(b"]}");
        doc
    }

    pub(super) fn run(
        compiled: &Compiled,
        case: &Case,
        inputs: &Inputs,
        kept: &mut Kept<Host>,
    ) -> String {
        let key = key(case, inputs);
        if let Some(mut host) = reuse(kept, &key) {
            let observed = decide(&mut host, &inputs.request);
            *kept = Some((key, host));
            return observed;
        }
        let mut host = match Host::from_compiled(compiled, Limits::default()) {
            Ok(host) => host,
            Err(e) => return host_error("instantiating", &e),
        };
        let document = document(inputs);
        let loaded = match timed("load", || host.load_document(&document)) {
            Ok(answer) => observe_answer(&answer),
            Err(HostError::OutOfFuel) => {
                // Report what more fuel would give, for the record; the case
                // still fails.
                let more = Limits {
                    fuel: Limits::default().fuel * 10,
                    ..Limits::default()
                };
                let retried = match Host::from_compiled(compiled, more) {
                    Ok(mut host) => {
                        match timed("load-10x-fuel", || host.load_document(&document)) {
                            Ok(answer) if observe_answer(&answer) == "loaded" => {
                                decide(&mut host, &inputs.request)
                            }
                            Ok(answer) => observe_answer(&answer),
                            Err(e) => host_error("tessera_load", &e),
                        }
                    }
                    Err(e) => host_error("instantiating", &e),
                };
                return format!(
                    "OUT OF FUEL in tessera_load at the host's default {} units; with 10 times as much: {retried}",
                    Limits::default().fuel
                );
            }
            Err(e) => return host_error("tessera_load", &e),
        };
        if loaded != "loaded" {
            return loaded;
        }
        let observed = decide(&mut host, &inputs.request);
        *kept = Some((key, host));
        observed
    }

    /// `tessera_evaluate` and `tessera_explain` on the request bytes.
    fn decide(host: &mut Host, request: &Input) -> String {
        let Input::Json(bytes) = request else {
            return "n/a: the core Wasm ABI takes requests as JSON only (no struct)".to_string();
        };
        let plain = match timed("evaluate", || host.evaluate_bytes(bytes, NOW_MS)) {
            Ok(answer) => observe_answer(&answer),
            Err(e) => return host_error("tessera_evaluate", &e),
        };
        let explained = match timed("explain", || host.explain_bytes(bytes, NOW_MS)) {
            Ok(answer) => observe_answer(&answer),
            Err(e) => return host_error("tessera_explain", &e),
        };
        both(plain, explained)
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

// ---------------------------------------------------------------------------
// The child: one face over the cases, one line each on stdout.

const FACE_ENV: &str = "TESSERA_HOSTILE_FACE";
const FROM_ENV: &str = "TESSERA_HOSTILE_FROM";
const ONLY_ENV: &str = "TESSERA_HOSTILE_ONLY";
const TIMEOUT_ENV: &str = "TESSERA_HOSTILE_TIMEOUT";
const MARK: &str = "@@hostile";

fn selected(case: &Case) -> bool {
    match std::env::var(ONLY_ENV) {
        Ok(only) => case.name.contains(&only),
        Err(_) => true,
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs as a child of `hostile_inputs_through_every_face` (and does nothing
/// otherwise): every case from `TESSERA_HOSTILE_FROM` on, through the face
/// `TESSERA_HOSTILE_FACE`, printing `@@hostile start I` before a case and
/// `@@hostile result I MICROS OBSERVATION` after it.
#[test]
fn face_child() {
    let Ok(face) = std::env::var(FACE_ENV) else {
        return;
    };
    let face = Face::from_name(&face).expect("a face name");
    let from: usize = std::env::var(FROM_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let cases = cases();
    #[cfg(feature = "wasm")]
    let compiled = if face == Face::Wasm {
        match wasm_face::compiled() {
            Ok(compiled) => Some(compiled),
            Err(reason) => {
                println!("{MARK} skip-face {reason}");
                return;
            }
        }
    } else {
        None
    };
    #[cfg(not(feature = "wasm"))]
    if face == Face::Wasm {
        println!("{MARK} skip-face tessera-tests was built without its `wasm` feature");
        return;
    }
    let mut kept_native: Kept<tessera::Engine> = None;
    let mut kept_c: Kept<c_face::Handle> = None;
    #[cfg(feature = "wasm")]
    let mut kept_wasm: Kept<tessera_wasm_host::Host> = None;
    for (i, case) in cases.iter().enumerate().skip(from) {
        if !selected(case) {
            continue;
        }
        println!("{MARK} start {i}");
        take_phases();
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            let inputs = (case.make)();
            match face {
                Face::Native => native::run(case, &inputs, &mut kept_native),
                Face::C => {
                    if case.policy_limits.is_some() || case.request_limits.is_some() {
                        "n/a: the C library compiles and reads requests with the default limits only".to_string()
                    } else {
                        c_face::run(case, &inputs, &mut kept_c)
                    }
                }
                Face::Wasm => {
                    if case.policy_limits.is_some() || case.request_limits.is_some() {
                        return "n/a: the Wasm module compiles and reads requests with the default limits only".to_string();
                    }
                    #[cfg(feature = "wasm")]
                    {
                        wasm_face::run(compiled.as_ref().unwrap(), case, &inputs, &mut kept_wasm)
                    }
                    #[cfg(not(feature = "wasm"))]
                    unreachable!()
                }
            }
        }));
        let observed = match result {
            Ok(observed) => observed,
            Err(payload) => format!("PANIC: {}", panic_text(&*payload)),
        };
        println!(
            "{MARK} result {i} {} {} {}",
            started.elapsed().as_micros(),
            take_phases(),
            observed.replace(['\n', '\r'], " ")
        );
    }
    println!("{MARK} done");
}

// ---------------------------------------------------------------------------
// The parent: every face in a child process, then the table.

/// What one face did on one case.
#[derive(Clone)]
struct Observation {
    observed: String,
    micros: u128,
    /// Where the time went (`compile=1.2ms,decide=0.3ms`), `-` if unknown.
    phases: String,
}

/// Runs `face` over every case in child processes, starting a new child
/// after one dies or hangs; the observations by case index, or the reason
/// the face was skipped.
fn run_face(face: Face, count: usize) -> Result<BTreeMap<usize, Observation>, String> {
    let timeout = Duration::from_secs(
        std::env::var(TIMEOUT_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
    );
    let mut results = BTreeMap::new();
    let mut from = 0;
    while from < count {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["face_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(FACE_ENV, face.name())
            .env(FROM_ENV, from.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a face child");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (lines_tx, lines) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let err_reader = std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = stderr.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        });
        let mut current: Option<usize> = None;
        let mut done = false;
        let mut hung = false;
        loop {
            match lines.recv_timeout(timeout) {
                Ok(line) => {
                    let Some(rest) = line.strip_prefix(MARK) else {
                        continue;
                    };
                    let mut words = rest.trim_start().splitn(5, ' ');
                    match words.next() {
                        Some("start") => current = words.next().and_then(|w| w.parse().ok()),
                        Some("result") => {
                            let i: usize = words.next().unwrap().parse().unwrap();
                            let micros: u128 = words.next().unwrap().parse().unwrap();
                            let phases = words.next().unwrap_or("-").to_string();
                            let observed = words.next().unwrap_or("").to_string();
                            results.insert(
                                i,
                                Observation {
                                    observed,
                                    micros,
                                    phases,
                                },
                            );
                            current = None;
                        }
                        Some("skip-face") => {
                            let reason = rest.trim_start()["skip-face".len()..].trim().to_string();
                            let _ = child.wait();
                            return Err(reason);
                        }
                        Some("done") => done = true,
                        _ => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if current.is_some() {
                        hung = true;
                        // Our own child, by its handle.
                        let _ = child.kill();
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait().expect("wait for a face child");
        let stderr_text = err_reader.join().unwrap_or_default();
        if done && status.success() {
            break;
        }
        match current {
            Some(i) => {
                let tail: String = {
                    let lines: Vec<&str> = stderr_text.lines().rev().take(6).collect();
                    lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
                };
                let observed = if hung {
                    format!("HUNG: no answer within {} s (killed)", timeout.as_secs())
                } else {
                    format!("CRASHED ({status}): {}", clip(&tail))
                };
                results.insert(
                    i,
                    Observation {
                        observed,
                        micros: 0,
                        phases: "-".to_string(),
                    },
                );
                from = i + 1;
            }
            None => {
                panic!(
                    "the {} child ended ({status}) outside any case:\n{stderr_text}",
                    face.name()
                );
            }
        }
    }
    Ok(results)
}

#[test]
fn hostile_inputs_through_every_face() {
    if std::env::var_os(FACE_ENV).is_some() {
        return;
    }
    let cases = cases();
    // Names are unique: a failure names its case.
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(
            names.insert(case.name.as_str()),
            "two cases are named {}",
            case.name
        );
    }
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let started = Instant::now();
    let handles: Vec<_> = FACES
        .into_iter()
        .map(|face| {
            let count = cases.len();
            std::thread::spawn(move || (face, run_face(face, count)))
        })
        .collect();
    let mut by_face: BTreeMap<Face, Result<BTreeMap<usize, Observation>, String>> = BTreeMap::new();
    for handle in handles {
        let (face, results) = handle.join().expect("a face runner");
        by_face.insert(face, results);
    }
    let mut report = String::new();
    let mut failures = Vec::new();
    let mut skipped_faces = Vec::new();
    for (face, results) in &by_face {
        if let Err(reason) = results {
            skipped_faces.push(format!(
                "SKIPPED FACE {}: every case; {reason}",
                face.name()
            ));
        }
    }
    let mut ran = 0;
    for (i, case) in cases.iter().enumerate() {
        if !selected(case) {
            continue;
        }
        ran += 1;
        report.push_str(&format!("\n{}\n", case.name));
        let mut seen: Vec<(Face, String)> = Vec::new();
        for face in FACES {
            let expected = case.expected(face);
            let (observed, micros, phases) = match &by_face[&face] {
                Err(reason) => (format!("SKIPPED: {reason}"), None, "-"),
                Ok(results) => match results.get(&i) {
                    Some(o) => (o.observed.clone(), Some(o.micros), o.phases.as_str()),
                    None => (
                        "MISSING: the child printed no result".to_string(),
                        None,
                        "-",
                    ),
                },
            };
            let skipped = observed.starts_with("SKIPPED");
            let ok = skipped || matches(expected, &observed);
            // Where the time went, for the cases that take a while.
            let time = match micros {
                Some(m) if m >= 500_000 => {
                    format!(" ({:.1} ms: {phases})", m as f64 / 1000.0)
                }
                Some(m) => format!(" ({:.1} ms)", m as f64 / 1000.0),
                None => String::new(),
            };
            report.push_str(&format!(
                "  {:<6} {} {observed}{time}{}\n",
                face.name(),
                if ok { "ok  " } else { "FAIL" },
                if ok {
                    String::new()
                } else {
                    format!("   [expected: {expected}]")
                }
            ));
            if !ok {
                failures.push(format!(
                    "{} [{}]: expected `{expected}`, got `{observed}`",
                    case.name,
                    face.name()
                ));
            }
            // Only answers that met the expectation are compared: a failed
            // face is reported once, above.
            if ok
                && !skipped
                && !observed.starts_with("n/a")
                && case.overrides[face as usize].is_none()
            {
                seen.push((face, observed));
            }
        }
        // Faces held to the same expectation answer exactly alike.
        if let Some((first_face, first)) = seen.first() {
            for (face, observed) in &seen[1..] {
                if observed != first {
                    failures.push(format!(
                        "{}: the faces disagree: {} `{first}`, {} `{observed}`",
                        case.name,
                        first_face.name(),
                        face.name()
                    ));
                }
            }
        }
    }
    println!(
        "hostile inputs: {ran} cases through 3 faces in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for line in &skipped_faces {
        println!("{line}");
    }
    println!("{report}");
    assert!(
        failures.is_empty(),
        "{} hostile-input failures:\n{}\n{}",
        failures.len(),
        failures.join("\n"),
        skipped_faces.join("\n")
    );
}
