//! The fuzz bodies: one function per cargo-fuzz target in `fuzz/`.
//!
//! Each takes the raw input and panics on a finding (a panic in the code
//! under test, or a broken invariant); every other outcome is fine. The
//! targets in `fuzz/fuzz_targets/` are one-line wrappers around these, and
//! `tests/fuzz_regressions.rs` runs the same bodies on stable over every
//! file in `fuzz/regressions/<target>/`.
//!
//! | target | body | what must hold |
//! |---|---|---|
//! | `parse` | [`parse`] | `policy_lang::parse` never panics; diagnostics point inside the text; what parses compiles |
//! | `request_json` | [`request_json`] | `Request::from_json` agrees with its slow path; the JSON layer answers a decision or the request's error; the engine agrees with the reference interpreter |
//! | `compile_decide` | [`compile_decide`] | what compiles decides as `tessera::reference` does |
//! | `format_roundtrip` | [`format_roundtrip`] | `format` output parses to the same shape, and formatting is idempotent |
//! | `ffi` | [`ffi`] | the C entry points answer as the header documents, and as the Rust API does |
//! | `wasm_abi` | `wasm_abi` (feature `wasm`) | the core Wasm module answers byte for byte as the JSON layer does, and never traps |
//!
//! Most bodies read their input through [`Choices`], which turns bytes into
//! choices among small vocabularies ([`gen_policy_set`], [`gen_request`]), so
//! that random input often forms a policy that compiles and a request that
//! some statement applies to.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use std::fmt::Write as _;
use std::sync::OnceLock;
use tessera::policy_lang::{PolicyFile, parse_set};
use tessera::reference::{self, ReferenceDecision};
use tessera::{Decision, Engine, Outcome, Reason, Request, Source};

/// Every target, in the order `fuzz/run.sh` runs them.
pub const TARGETS: &[&str] = &[
    "parse",
    "request_json",
    "compile_decide",
    "format_roundtrip",
    "ffi",
    "wasm_abi",
];

/// Runs the body of `target` on `data`; `false` for an unknown target and for
/// `wasm_abi`, which needs a compiled module (see `wasm_abi`).
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "parse" => parse(data),
        "request_json" => request_json(data),
        "compile_decide" => compile_decide(data),
        "format_roundtrip" => format_roundtrip(data),
        "ffi" => ffi(data),
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------
// Choices: bytes in, decisions out.

/// Reads choices from fuzz input. When the input runs out every choice is
/// the first (or "no"), so any input, however short, gives a value.
#[derive(Debug, Clone)]
pub struct Choices<'a> {
    data: &'a [u8],
}

impl<'a> Choices<'a> {
    /// Choices read from `data`.
    pub fn new(data: &'a [u8]) -> Choices<'a> {
        Choices { data }
    }

    /// True when every byte was used.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte, 0 when none is left.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let raw = if n <= 256 {
            usize::from(self.byte())
        } else {
            (usize::from(self.byte()) << 8) | usize::from(self.byte())
        };
        raw % n
    }

    /// One of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// True with about `percent` % probability; false once the input is used up.
    pub fn chance(&mut self, percent: u8) -> bool {
        let b = self.byte();
        b != 0 && b % 100 < percent
    }

    /// Up to `max` raw bytes.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = self.below(max + 1).min(self.data.len());
        let (taken, rest) = self.data.split_at(n);
        self.data = rest;
        taken
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }

    /// A little-endian integer from the next 8 bytes.
    pub fn i64(&mut self) -> i64 {
        let mut raw = [0u8; 8];
        for b in &mut raw {
            *b = self.byte();
        }
        i64::from_le_bytes(raw)
    }

    /// A short string over `alphabet`, 0 to `max` characters.
    pub fn word(&mut self, alphabet: &str, max: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let n = self.below(max + 1);
        (0..n).map(|_| self.pick(&chars)).collect()
    }
}

// ---------------------------------------------------------------------------
// Vocabularies (after evaluator/tests/differential.rs, plus hostile corners).

const PRINCIPAL_PATTERNS: &[&str] = &[
    "service:api",
    "service:web",
    "user:ann",
    "group:ops",
    "group:dev",
    "service:*",
    "*",
    "**",
    "user:*",
    "group:*",
    "\"service:{api,web}\"",
    "group:o?s",
    "[su]*:a*",
    "*:ann",
    "service:[!w]*",
    "\"user:ann bob\"",
    "group:{ops,sec}",
    "\"user:\\\\*\"",
    "user:[*]",
];

const ACTION_PATTERNS: &[&str] = &[
    "secrets:GetSecretValue",
    "secrets:PutSecretValue",
    "secrets:DescribeSecret",
    "secrets:Get*",
    "*",
    "**",
    "secrets:*Secret",
    "\"secrets:{Get,Put}SecretValue\"",
    "secrets:?etSecretValue",
    "*:List*",
    "secrets:[A-Z]*",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "prod/db/main",
    "prod/*/main",
    "prod/**",
    "dev/**",
    "{prod,dev}/api/*",
    "prod/${principal.tags.team}/*",
    "**",
    "[a-p]rod/**",
    "**/main",
    "prod/**/main",
    "prod/?b/*",
    "${principal.tags.team}/**",
    "{dev,prod}/${principal.tags.team}/**",
    "prod/**/${principal.tags.team}",
    "**/${principal.tags.team}/main",
    "prod/${resource.tags.env}-*/**",
    "prod/${context.project}/*",
    "${version_stage}/*",
    "[!d]*/${principal.tags.team}/main",
    "prod/${principal.tags.team}-${resource.tags.env}",
    "*",
    "{,dev/}${principal.tags.team}/*",
    "prod/${principal.tags.team}{,-x}",
    "\"prod/{[,]x,y}/${principal.tags.team}\"",
    "\"prod/{a\\\\,b,c}/${principal.tags.team}\"",
    "\"prod/\\\\{a,b\\\\}/${principal.tags.team}\"",
    "\"prod/[[:alpha:]]*/${principal.tags.team}\"",
    "\"prod/[[:foo:]1]*/${principal.tags.team}\"",
    "\"prod/{[[:digit:]],x}*/${principal.tags.team}\"",
    "home/${principal.id}/*",
    "prod/*",
    "prod/*/*",
    "prod/db",
    "\"prod/a b/*\"",
    "prod/[*]/main",
    "prod/{db,api}",
    "prod/d*",
    "*/db/*",
    "prod/**/${principal.tags.team}/**",
    "${principal.tags.team}",
    "${principal.tags.team}${resource.tags.env}",
    "prod/*${principal.tags.team}*",
    "prod/?${principal.tags.team}",
    "prod/[!a]${principal.tags.team}",
];

/// Pieces of composed resource patterns, joined with `/`.
const RESOURCE_SEGMENTS: &[&str] = &[
    "prod",
    "dev",
    "db",
    "api",
    "main",
    "x",
    "*",
    "**",
    "?",
    "?b",
    "d*",
    "*b",
    "[a-p]*",
    "[!d]*",
    "[0-9]",
    "[*]",
    "{db,api}",
    "{,x}",
    "{a,b}*",
    "${principal.tags.team}",
    "${principal.tags.team}-*",
    "*-${principal.tags.team}",
    "${resource.tags.env}",
    "${context.project}",
    "${version_stage}",
    "${principal.id}",
    "a${principal.tags.team}b",
];

/// Pieces of composed principal and action patterns, concatenated.
const NAME_PIECES: &[&str] = &[
    "service:",
    "user:",
    "group:",
    "secrets:",
    "Get",
    "Put",
    "Secret",
    "Value",
    "api",
    "ann",
    "ops",
    "*",
    "?",
    "[a-z]",
    "[!s]",
    "{api,web}",
    "{Get,Put}",
    "-",
    "/",
    ".",
];

/// Balanced glob atoms, concatenated into patterns that usually compile.
const GLOB_ATOMS: &[&str] = &[
    "a",
    "b",
    "d",
    "x",
    "é",
    "-",
    ".",
    ":",
    "/",
    "*",
    "?",
    "[ab]",
    "[!a]",
    "[a-c]",
    "[*]",
    "[[]",
    "[]]",
    "[-]",
    "[!/]",
    "[é]",
    "{a,b}",
    "{,a}",
    "{a,}",
    "{[,],x}",
    "\\\\",
    "\\*",
    ",",
    " ",
    "#",
    "\"",
    "$",
    "${principal.tags.team}",
    "**",
];

/// Characters of raw pattern tokens: glob syntax and its corners.
const RAW_PATTERN_CHARS: &str = "abdprox09*?/-_.:@+=!%~$[]{},^\\ #\"é";

const STRING_VALUES: &[&str] = &[
    "\"AWSCURRENT\"",
    "\"AWSPREVIOUS\"",
    "\"db\"",
    "\"api\"",
    "\"prod\"",
    "\"\"",
    "\"CHG-1\"",
    "\"group:ops\"",
    "\"secrets:GetSecretValue\"",
    "\"user:ann\"",
    "\"*\"",
    "\"a\\\"b\"",
    "\"\\\\\"",
    "\"é\"",
];

const LIKE_PATTERNS: &[&str] = &[
    "\"AWS*\"",
    "\"aws*\"",
    "\"d*\"",
    "\"CHG-*\"",
    "\"chg-*\"",
    "\"secrets:Get*\"",
    "\"service:*\"",
    "\"prod/*\"",
    "\"PROD/**\"",
    "\"*\"",
    "\"**\"",
    "\"\"",
    "\"?\"",
    "\"[a-z]*\"",
    "\"[!a]*\"",
    "\"{db,api}\"",
    "\"{,x}\"",
    "\"[[:alpha:]]*\"",
    "\"*/**/*\"",
    "\"\\\\*\"",
    "\"[\"",
    "\"{a,{b,c}}\"",
    "\"é*\"",
    "\"[É]*\"",
];

const IP_LITERALS: &[&str] = &[
    "10.1.2.3",
    "fd00::1",
    "::1",
    "0.0.0.0",
    "255.255.255.255",
    "2001:db8::1",
];

const CIDR_LITERALS: &[&str] = &[
    "10.0.0.0/8",
    "fd00::/8",
    "192.168.1.0/24",
    "0.0.0.0/0",
    "::/0",
    "10.1.2.3/32",
    "172.16.0.0/12",
    "2001:db8::/32",
];

/// In increasing order, as are the other literal lists that ranges use.
const DURATIONS: &[&str] = &["0s", "30s", "5m", "15m", "1h", "1h30m", "1d2h3m4s", "7d"];

const TIMESTAMPS: &[&str] = &[
    "0000-01-01T00:00:00Z",
    "1970-01-01T00:00:00-14:00",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.5Z",
    "2026-06-01T00:00:00Z",
    "2026-11-25T10:00:00Z",
    "2026-11-25T23:00:00+01:00",
    "9999-12-31T23:59:59Z",
];

const CLOCKS: &[&str] = &[
    "00:00", "06:00", "09:00", "12:00", "17:00", "21:30", "22:00", "23:59:59", "24:00",
];

const WEEKDAYS: &[&str] = &[
    "Mon", "Tue", "Wed", "thu", "Friday", "Sat", "Sun", "\"sun\"",
];

const OFFSETS: &[&str] = &[
    "UTC",
    "Z",
    "+02:00",
    "-05:00",
    "UTC+05:30",
    "+14:00",
    "-14:00",
    "UTC-2",
    "+00:00",
];

const NUMBERS: &[&str] = &[
    "-1.5",
    "-0",
    "0.25",
    "1",
    "2",
    "2.5",
    "3",
    "4",
    "100000000000000000000",
];

/// Whole conditions (evaluator/tests/differential.rs's, and more).
const CONDITIONS: &[&str] = &[
    "source_ip in [10.0.0.0/8, fd00::/8]",
    "source_ip in 10.0.0.0/8",
    "source_ip == 10.1.2.3",
    "source_ip not in [172.16.0.0/12, 2001:db8::/32]",
    "mfa",
    "mfa == false",
    "mfa_age <= 15m",
    "mfa_age in 0s .. 5m",
    "version_stage in [\"AWSCURRENT\", \"AWSPREVIOUS\"]",
    "version_stage like \"AWS*\"",
    "time in 2026-01-01T00:00:00Z .. 2026-06-01T00:00:00Z",
    "time_of_day in 22:00 .. 06:00 at +02:00",
    "weekday in [Sat, Sun] at +10:00",
    "principal.tags.team == \"db\"",
    "resource.tags.env != \"dev\"",
    "context.level in 2 .. 5",
    "context.ticket like \"CHG-*\"",
    "context.break_glass",
    "context.origin in [10.1.2.3, fd00::/8]",
    "has context.ticket",
    "has principal.tags.team",
    "principal.groups contains \"group:ops\"",
    "action like \"secrets:Get*\"",
    "resource.path ilike \"PROD/**\"",
];

const PRINCIPAL_IDS: &[&str] = &[
    "service:api",
    "service:web",
    "user:ann",
    "user:bob",
    "group:ops",
    "user:*",
    "user:ann bob",
];
const GROUPS: &[&str] = &["group:ops", "group:dev", "group:sec", "group:o?s", ""];
const ACTIONS: &[&str] = &[
    "secrets:GetSecretValue",
    "secrets:PutSecretValue",
    "secrets:DescribeSecret",
    "secrets:ListSecrets",
    "secrets:*",
];
const PATHS: &[&str] = &[
    "prod/db/main",
    "prod/api/main",
    "prod/api/x",
    "dev/api/main",
    "dev/db/x",
    "prod/ops/main",
    "prod/db",
    "prod",
    "qa/db/main",
    "prod/a/b/main",
    "rod/x",
    "db/main",
    "main",
    "prod/*/main",
    "prod/d*/x",
    "prod/{db,api}/x",
    "prod/db-prod",
    "prod/db-dev/x",
    "AWSCURRENT/db",
    "prod/a/db",
    "prod/,x/db",
    "prod/a,b/db",
    "prod/a1/db",
    "prod/[1/db",
    "prod//db",
    "/db",
    "prod/db/",
    "prod/a b/x",
    "home/user:ann/x",
    "PROD/db/main",
    "prod/é/x",
];
/// Paths around the team tag (`<team>`), so that variables meet their value.
const TEAM_PATHS: &[&str] = &[
    "prod/<team>/main",
    "prod/<team>/x",
    "dev/<team>/main",
    "<team>/main",
    "<team>/x",
    "prod/<team>",
    "prod/<team>-x",
    "prod/<team>-prod",
    "prod/a/<team>",
    "prod/a/b/<team>/main",
    "prod/x<team>",
    "prod/a<team>b",
];
const TEAMS: &[&str] = &[
    "db", "api", "ops", "*", "d*", "", "a/b", "..", ".", "{db,api}", "[d]b", "main", "é", "a b",
    "\\", "?",
];
const ENVS: &[&str] = &["prod", "dev", "*", "", "x"];
const IPS: &[&str] = &[
    "10.1.2.3",
    "10.255.0.1",
    "192.168.1.5",
    "172.16.0.1",
    "fd00::1",
    "2001:db8::1",
    "::ffff:10.1.2.3",
    "0.0.0.0",
    "::",
];
const STAGES: &[&str] = &[
    "AWSCURRENT",
    "AWSPREVIOUS",
    "AWSPENDING",
    "awscurrent",
    "*",
    "",
];
const TIMES: &[&str] = &[
    "2026-11-25T10:00:00Z",
    "2026-11-25T21:30:00Z",
    "2026-11-25T22:00:00Z",
    "2026-11-25T23:59:59Z",
    "2026-01-01T00:00:00Z",
    "2026-06-01T00:00:00Z",
    "2026-11-29T23:59:59Z",
    "2026-11-28T04:00:00Z",
    "2026-03-02T15:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
];

// ---------------------------------------------------------------------------
// Policy generator.

/// Which matcher a pattern is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Principal,
    Action,
    Resource,
}

/// `text` as a quoted policy string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn gen_pattern(c: &mut Choices, line: Line) -> String {
    match c.below(40) {
        0..=23 => c
            .pick(match line {
                Line::Principal => PRINCIPAL_PATTERNS,
                Line::Action => ACTION_PATTERNS,
                Line::Resource => RESOURCE_PATTERNS,
            })
            .to_string(),
        24..=37 => {
            let text = if line == Line::Resource {
                let n = 1 + c.below(4);
                (0..n)
                    .map(|_| c.pick(RESOURCE_SEGMENTS))
                    .collect::<Vec<_>>()
                    .join("/")
            } else {
                let n = 1 + c.below(4);
                (0..n).map(|_| c.pick(NAME_PIECES)).collect::<String>()
            };
            if text.contains(['{', ' ']) && c.chance(50) {
                quoted(&text)
            } else {
                text
            }
        }
        // Glob atoms, quoted (they may hold `,`, spaces, `#` or quotes),
        // and, once in a while, raw characters, mostly refused but reaching
        // the glob checks' corners.
        _ => {
            if c.chance(90) {
                let atoms: String = (0..1 + c.below(6)).map(|_| c.pick(GLOB_ATOMS)).collect();
                if line == Line::Resource {
                    quoted(&atoms)
                } else {
                    quoted(&atoms.replace("${principal.tags.team}", "t"))
                }
            } else {
                let text = c.word(RAW_PATTERN_CHARS, 12);
                if c.chance(90) { quoted(&text) } else { text }
            }
        }
    }
}

fn gen_matcher(c: &mut Choices, line: Line) -> String {
    let keyword = match line {
        Line::Principal => "principal",
        Line::Action => "action",
        Line::Resource => "resource",
    };
    let negated = if c.chance(15) { "not " } else { "" };
    let n = 1 + c.below(3);
    let patterns: Vec<String> = (0..n).map(|_| gen_pattern(c, line)).collect();
    format!("{negated}{keyword} {}", patterns.join(", "))
}

/// A list of 1 to 3 literals from `items`, sometimes with a trailing comma.
fn gen_list(c: &mut Choices, items: &[&str]) -> String {
    let n = 1 + c.below(3);
    let parts: Vec<&str> = (0..n).map(|_| c.pick(items)).collect();
    let trailing = if c.chance(10) { "," } else { "" };
    format!("[{}{trailing}]", parts.join(", "))
}

/// `A .. B` from `sorted` (in increasing order): mostly with A before B, as
/// the parser wants (the other way round is an error, except for clocks).
fn gen_range(c: &mut Choices, sorted: &[&str]) -> String {
    let mut i = c.below(sorted.len());
    let mut j = c.below(sorted.len());
    if !c.chance(2) {
        if i > j {
            std::mem::swap(&mut i, &mut j);
        }
        if i == j {
            if j + 1 < sorted.len() {
                j += 1;
            } else {
                i = i.saturating_sub(1);
            }
        }
    }
    format!("{} .. {}", sorted[i], sorted[j])
}

/// `A .. B` of two different clock times; a range that wraps past
/// midnight (A after B) is allowed.
fn gen_clock_range(c: &mut Choices) -> String {
    let i = c.below(CLOCKS.len());
    let mut j = c.below(CLOCKS.len());
    if i == j && !c.chance(2) {
        j = (j + 1) % CLOCKS.len();
    }
    format!("{} .. {}", CLOCKS[i], CLOCKS[j])
}

/// A comparison whose operator and literal fit its key, mostly.
fn gen_comparison(c: &mut Choices) -> String {
    const STRING_KEYS: &[&str] = &[
        "version_stage",
        "principal.tags.team",
        "resource.tags.env",
        "context.ticket",
        "context.project",
        "action",
        "principal.id",
        "resource.path",
    ];
    const ORDER: &[&str] = &["==", "!=", "<", "<=", ">", ">="];
    match c.below(15) {
        0 => {
            let key = c.pick(STRING_KEYS);
            match c.below(4) {
                0 => format!("{key} {} {}", c.pick(&["==", "!="]), c.pick(STRING_VALUES)),
                1 => format!(
                    "{key} {} {}",
                    c.pick(&["in", "not in"]),
                    gen_list(c, STRING_VALUES)
                ),
                _ => format!(
                    "{key} {} {}",
                    c.pick(&["like", "ilike"]),
                    c.pick(LIKE_PATTERNS)
                ),
            }
        }
        1 => {
            let key = c.pick(&["source_ip", "context.origin"]);
            match c.below(3) {
                0 => format!("{key} {} {}", c.pick(&["==", "!="]), c.pick(IP_LITERALS)),
                1 => format!(
                    "{key} {} {}",
                    c.pick(&["in", "not in"]),
                    c.pick(CIDR_LITERALS)
                ),
                _ => {
                    let mixed: Vec<&str> =
                        IP_LITERALS.iter().chain(CIDR_LITERALS).copied().collect();
                    format!(
                        "{key} {} {}",
                        c.pick(&["in", "not in"]),
                        gen_list(c, &mixed)
                    )
                }
            }
        }
        2 => {
            let key = c.pick(&["mfa", "context.break_glass"]);
            match c.below(3) {
                0 => key.to_string(),
                _ => format!(
                    "{key} {} {}",
                    c.pick(&["==", "!="]),
                    c.pick(&["true", "false"])
                ),
            }
        }
        3 => match c.below(2) {
            0 => format!("mfa_age {} {}", c.pick(ORDER), c.pick(DURATIONS)),
            _ => format!(
                "mfa_age {} {}",
                c.pick(&["in", "not in"]),
                gen_range(c, DURATIONS)
            ),
        },
        4 => match c.below(2) {
            0 => format!(
                "time {} {}",
                c.pick(&["<", "<=", ">", ">="]),
                c.pick(TIMESTAMPS)
            ),
            _ => format!(
                "time {} {}",
                c.pick(&["in", "not in"]),
                gen_range(c, TIMESTAMPS)
            ),
        },
        5 => {
            let at = if c.chance(50) {
                format!(" at {}", c.pick(OFFSETS))
            } else {
                String::new()
            };
            match c.below(2) {
                0 => format!(
                    "time_of_day {} {}{at}",
                    c.pick(&["<", "<=", ">", ">="]),
                    c.pick(CLOCKS)
                ),
                _ => format!(
                    "time_of_day {} {}{at}",
                    c.pick(&["in", "not in"]),
                    gen_clock_range(c)
                ),
            }
        }
        6 => {
            let at = if c.chance(50) {
                format!(" at {}", c.pick(OFFSETS))
            } else {
                String::new()
            };
            match c.below(2) {
                0 => format!("weekday {} {}{at}", c.pick(&["==", "!="]), c.pick(WEEKDAYS)),
                _ => format!(
                    "weekday {} {}{at}",
                    c.pick(&["in", "not in"]),
                    gen_list(c, WEEKDAYS)
                ),
            }
        }
        7 => match c.below(3) {
            0 => format!("context.level {} {}", c.pick(ORDER), c.pick(NUMBERS)),
            1 => format!(
                "context.level {} {}",
                c.pick(&["in", "not in"]),
                gen_list(c, NUMBERS)
            ),
            _ => format!(
                "context.level {} {}",
                c.pick(&["in", "not in"]),
                gen_range(c, NUMBERS)
            ),
        },
        8 => format!(
            "principal.groups contains {}",
            c.pick(&["\"group:ops\"", "\"group:dev\"", "\"\"", "\"group:*\""])
        ),
        9 => format!(
            "has {}",
            c.pick(&[
                "context.ticket",
                "source_ip",
                "mfa_age",
                "principal.tags.team",
                "resource.tags.env",
                "time",
                "version_stage",
                "context.level",
            ])
        ),
        10 => gen_quantified(c),
        11 => {
            let key = c.pick(STRING_KEYS);
            let op = c.pick(&["like", "ilike"]);
            format!("{key} {op} {}", gen_list(c, LIKE_PATTERNS))
        }
        12 => c.pick(NESTED_CONDITIONS).to_string(),
        _ => c.pick(CONDITIONS).to_string(),
    }
}

/// Item strings of the sets requests send (`scopes`, `params` names,
/// groups) and patterns over them.
const SET_STRINGS: &[&str] = &[
    "\"read\"",
    "\"write\"",
    "\"admin\"",
    "\"ttl\"",
    "\"policies\"",
    "\"group:ops\"",
    "\"\"",
];
const SET_PATTERNS: &[&str] = &["\"r*\"", "\"*a*\"", "\"group:*\"", "\"?tl\"", "\"*\""];

/// Conditions on nested attributes: alone, `has`, compared with literals,
/// with keys and under quantifiers.
const NESTED_CONDITIONS: &[&str] = &[
    "context.meta.team == \"db\"",
    "context.meta.team == principal.tags.team",
    "has context.meta.tags",
    "has context.params.ttl",
    "context.meta.level > 2",
    "context.meta.deep.flag",
    "context.params.ttl <= 3600",
    "context.params.\"max_ttl\" < context.params.ttl",
    "all context.meta.tags like [\"team-*\", \"env-*\"]",
    "any context.meta.deep.list == 1",
    "not has context.scopes or all context.scopes in [\"read\", \"write\"]",
    "has context.scopes and any context.scopes == \"admin\"",
];

/// `any|all KEY OP VALUE` over sets of strings, numbers and object names.
fn gen_quantified(c: &mut Choices) -> String {
    let q = c.pick(&["any", "all"]);
    let key = c.pick(&[
        "principal.groups",
        "context.scopes",
        "context.params",
        "context.nums",
        "context.meta.tags",
    ]);
    match c.below(5) {
        0 => format!(
            "{q} {key} {} {}",
            c.pick(&["==", "!="]),
            c.pick(SET_STRINGS)
        ),
        1 => format!(
            "{q} {key} {} {}",
            c.pick(&["in", "not in"]),
            gen_list(c, SET_STRINGS)
        ),
        2 if c.chance(50) => format!(
            "{q} {key} {} {}",
            c.pick(&["like", "ilike"]),
            gen_list(c, SET_PATTERNS)
        ),
        2 => format!(
            "{q} {key} {} {}",
            c.pick(&["like", "ilike"]),
            c.pick(SET_PATTERNS)
        ),
        _ if key == "principal.groups" => {
            format!(
                "{q} {key} == {}",
                c.pick(&["\"group:ops\"", "\"group:dev\""])
            )
        }
        3 => format!(
            "{q} {key} {} {}",
            c.pick(&["==", "!=", "<", "<=", ">", ">="]),
            c.pick(NUMBERS)
        ),
        _ => format!(
            "{q} {key} {} {}",
            c.pick(&["in", "not in"]),
            gen_range(c, NUMBERS)
        ),
    }
}

fn gen_expr(c: &mut Choices, depth: usize) -> String {
    if depth == 0 {
        return gen_comparison(c);
    }
    match c.below(8) {
        0 => format!("not {}", gen_expr(c, depth - 1)),
        1 => format!("({})", gen_expr(c, depth - 1)),
        2 => format!("{} and {}", gen_expr(c, depth - 1), gen_expr(c, depth - 1)),
        3 => format!("({}) or {}", gen_expr(c, depth - 1), gen_expr(c, depth - 1)),
        4 => format!("{} or {}", gen_expr(c, depth - 1), gen_expr(c, depth - 1)),
        _ => gen_comparison(c),
    }
}

/// A comment, sometimes, for the formatter to keep.
fn gen_comment(c: &mut Choices) -> &'static str {
    if c.chance(8) {
        c.pick(&[
            " # a comment\n",
            "\n# own line\n",
            " #\n",
            " # \"quoted\" { }\n",
        ])
    } else {
        ""
    }
}

fn gen_statement(c: &mut Choices, name: &str, out: &mut String) {
    let effect = if c.below(3) == 0 { "deny" } else { "allow" };
    let _ = writeln!(out, "  {effect} {} {{{}", quoted(name), gen_comment(c));
    let mut clauses = vec![
        gen_matcher(c, Line::Principal),
        gen_matcher(c, Line::Action),
        gen_matcher(c, Line::Resource),
    ];
    for _ in 0..c.below(3) {
        let kind = c.pick(&["when", "unless"]);
        let n = 1 + c.below(2);
        let exprs: Vec<String> = (0..n).map(|_| gen_expr(c, 2)).collect();
        clauses.push(format!(
            "{kind} {{\n      {}\n    }}",
            exprs.join(&format!("{}\n      ", gen_comment(c)))
        ));
    }
    // The clause order does not matter to the language; shuffle it a little.
    if c.chance(20) {
        let i = c.below(clauses.len());
        let j = c.below(clauses.len());
        clauses.swap(i, j);
    }
    for clause in clauses {
        let _ = writeln!(out, "    {clause}{}", gen_comment(c));
    }
    out.push_str("  }\n");
}

/// A policy set of 1 or 2 files, each of 1 or 2 policies of 1 to 4
/// statements, from the vocabularies above: `(name, text)` per file.
pub fn gen_policy_set(c: &mut Choices) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut policy_number = 0;
    for f in 0..1 + c.below(2) {
        let mut text = String::new();
        text.push_str(gen_comment(c));
        for _ in 0..1 + c.below(2) {
            policy_number += 1;
            let name = if c.chance(3) {
                c.word("ab\"\\ é-", 4)
            } else {
                format!("p{policy_number}")
            };
            let _ = writeln!(text, "policy {} {{{}", quoted(&name), gen_comment(c));
            for s in 0..1 + c.below(4) {
                gen_statement(c, &format!("s{s}"), &mut text);
            }
            text.push_str("}\n");
            text.push_str(gen_comment(c));
        }
        files.push((format!("f{f}.policy"), text));
    }
    files
}

// ---------------------------------------------------------------------------
// Request generator.

fn gen_text(c: &mut Choices, vocabulary: &[&str]) -> String {
    if c.chance(10) {
        c.word("abdeoprs:/*?.-{},[] é\\\"\u{0}", 10)
    } else {
        c.pick(vocabulary).to_string()
    }
}

/// The decision instant for requests without a time, from `TIMES` or, now
/// and then, any instant chrono can hold.
pub fn gen_now(c: &mut Choices) -> DateTime<Utc> {
    if c.chance(10) {
        let extremes = [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            Utc.timestamp_opt(0, 0).unwrap(),
        ];
        if c.chance(50) {
            return c.pick(&extremes);
        }
        let seconds = c.i64() % 8_000_000_000_000;
        if let Some(t) = DateTime::from_timestamp(seconds, 0) {
            return t;
        }
    }
    parse_time(c.pick(TIMES))
}

fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A request as JSON text (the documented shape), from the vocabularies
/// above; it usually parses.
pub fn gen_request_json(c: &mut Choices) -> String {
    use serde_json::{Map, Value, json};
    let team = if c.chance(70) {
        Some(gen_text(c, TEAMS))
    } else {
        None
    };
    let mut principal = Map::new();
    principal.insert("id".into(), json!(gen_text(c, PRINCIPAL_IDS)));
    let groups: Vec<String> = (0..c.below(3)).map(|_| gen_text(c, GROUPS)).collect();
    if !groups.is_empty() || c.chance(20) {
        principal.insert("groups".into(), json!(groups));
    }
    if let Some(team) = &team {
        principal.insert("tags".into(), json!({ "team": team }));
    }
    let path = if c.chance(50) {
        gen_text(c, PATHS)
    } else {
        c.pick(TEAM_PATHS)
            .replace("<team>", team.as_deref().unwrap_or("db"))
    };
    let mut resource = Map::new();
    resource.insert("path".into(), json!(path));
    if c.chance(50) {
        resource.insert("tags".into(), json!({ "env": gen_text(c, ENVS) }));
    }
    let mut context = Map::new();
    if c.chance(60) {
        context.insert("source_ip".into(), json!(c.pick(IPS)));
    }
    if c.chance(60) {
        context.insert("mfa".into(), json!(c.chance(50)));
    }
    if c.chance(50) {
        let age = c.pick(&[0i64, 60, 300, 900, 901, 3600, 3601, 7200, i64::MAX]);
        context.insert("mfa_age_seconds".into(), json!(age));
    }
    if c.chance(50) {
        context.insert("version_stage".into(), json!(gen_text(c, STAGES)));
    }
    if c.chance(70) {
        context.insert("time".into(), json!(c.pick(TIMES)));
    }
    let attribute = |c: &mut Choices, strings: &[&str], numbers: &[f64]| -> Value {
        match c.below(4) {
            0 => json!(c.pick(numbers)),
            1 => json!(c.chance(50)),
            _ => json!(c.pick(strings)),
        }
    };
    if c.chance(40) {
        let v = attribute(
            c,
            &["3", "high"],
            &[1.0, 2.0, 2.5, 3.0, 4.0, 5.0, -0.0, 1e300],
        );
        context.insert("level".into(), v);
    }
    if c.chance(40) {
        let v = attribute(c, &["CHG-1", "chg-42", "INC-7", "CHG-"], &[7.0]);
        context.insert("ticket".into(), v);
    }
    if c.chance(30) {
        let v = attribute(c, &["true"], &[1.0]);
        context.insert("break_glass".into(), v);
    }
    if c.chance(30) {
        let v = attribute(
            c,
            &["10.1.2.3", "fd00::5", "192.168.0.1", "not-an-ip"],
            &[10.0],
        );
        context.insert("origin".into(), v);
    }
    if c.chance(30) {
        let v = attribute(c, &["db", "api", "*", "a/b"], &[1.0]);
        context.insert("project".into(), v);
    }
    // Sets: arrays (empty, of strings, mixed), objects (their names),
    // scalars (unknown under a quantifier) and nested objects.
    let item = |c: &mut Choices| -> Value {
        match c.below(6) {
            0 => json!(c.pick(&[1.0, 2.5, 4.0])),
            1 => json!(c.chance(50)),
            _ => json!(c.pick(&["read", "write", "admin", "ttl", "team-a", "env-b", ""])),
        }
    };
    let array = |c: &mut Choices, mixed: bool| -> Value {
        let n = c.below(4);
        Value::Array(
            (0..n)
                .map(|_| {
                    if mixed {
                        item(c)
                    } else {
                        json!(c.pick(&["read", "write", "admin", "team-a", "env-b"]))
                    }
                })
                .collect(),
        )
    };
    if c.chance(50) {
        let v = match c.below(5) {
            0 => json!("read"),
            1 => array(c, true),
            _ => array(c, false),
        };
        context.insert("scopes".into(), v);
    }
    if c.chance(40) {
        let v = match c.below(4) {
            0 => array(c, true),
            _ => {
                let mut params = Map::new();
                for name in ["ttl", "policies", "max_ttl", "password"] {
                    if c.chance(40) {
                        params.insert(name.into(), item(c));
                    }
                }
                Value::Object(params)
            }
        };
        context.insert("params".into(), v);
    }
    if c.chance(30) {
        let v = array(c, true);
        context.insert("nums".into(), v);
    }
    if c.chance(40) {
        let v = match c.below(5) {
            0 => json!("flat"),
            _ => {
                let mut meta = Map::new();
                if c.chance(60) {
                    meta.insert("team".into(), json!(gen_text(c, TEAMS)));
                }
                if c.chance(60) {
                    let mixed = c.chance(30);
                    let tags = array(c, mixed);
                    meta.insert("tags".into(), tags);
                }
                if c.chance(50) {
                    meta.insert("level".into(), json!(c.pick(&[1.0, 3.0])));
                }
                if c.chance(50) {
                    let flag = c.chance(50);
                    let list = array(c, true);
                    meta.insert("deep".into(), json!({ "flag": flag, "list": list }));
                }
                Value::Object(meta)
            }
        };
        context.insert("meta".into(), v);
    }
    let mut request = Map::new();
    request.insert("principal".into(), Value::Object(principal));
    request.insert("action".into(), json!(gen_text(c, ACTIONS)));
    request.insert("resource".into(), Value::Object(resource));
    if !context.is_empty() || c.chance(20) {
        request.insert("context".into(), Value::Object(context));
    }
    Value::Object(request).to_string()
}

/// A request from the vocabularies, when its JSON parses.
pub fn gen_request(c: &mut Choices) -> Option<Request> {
    Request::from_json(&gen_request_json(c)).ok()
}

// ---------------------------------------------------------------------------
// Shared checks.

type Summary = (Outcome, Reason, Vec<(String, String)>);

fn summary(decision: &Decision) -> Summary {
    let pairs = decision
        .determining
        .iter()
        .map(|s| (s.policy.to_string(), s.statement.to_string()))
        .collect();
    (decision.outcome, decision.reason, pairs)
}

fn reference_summary(decision: ReferenceDecision) -> Summary {
    (decision.outcome, decision.reason, decision.determining)
}

/// The engine and the reference interpreter decide `request` alike at `now`,
/// and the explanation carries the decision.
fn assert_agrees(
    engine: &Engine,
    files: &[PolicyFile],
    request: &Request,
    now: DateTime<Utc>,
    policy: &dyn Fn() -> String,
) {
    let decision = engine.decide_at(request, now);
    let got = summary(&decision);
    let expected = reference_summary(reference::decide(files, request, now));
    assert_eq!(
        got,
        expected,
        "the engine (left) and the reference interpreter (right) disagree\n\
         policy:\n{}\nrequest: {request:?}\nnow: {now}",
        policy()
    );
    let explained = engine.explain_at(request, now);
    assert_eq!(
        explained.decision,
        decision,
        "explain_at and decide_at disagree\npolicy:\n{}\nrequest: {request:?}",
        policy()
    );
}

/// Every diagnostic of a failed parse of `text` points inside it, at the
/// line and column of its span's start, and renders.
fn check_diagnostics(text: &str, error: &tessera::ParseError) {
    assert!(
        !error.diagnostics().is_empty(),
        "a ParseError without diagnostics"
    );
    for d in error.diagnostics() {
        let span = d.span();
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "diagnostic span {span:?} outside the text ({} bytes): {d:?}",
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "diagnostic span {span:?} splits a character: {d:?}"
        );
        let before = &text[..span.start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let at = d.location();
        assert_eq!(
            (at.line, at.column),
            (line, column),
            "diagnostic location does not match its span {span:?}: {d:?}"
        );
        let _ = d.render(text);
        let _ = d.to_string();
    }
}

// ---------------------------------------------------------------------------
// Targets.

/// `parse`: the input as a policy file (non-UTF-8 is read lossily, as a
/// host that decodes a file for the parser would). Never panics; a failure
/// has well-placed diagnostics; a file that parses compiles.
pub fn parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match policy_lang::parse("fuzz.policy", &text) {
        Ok(file) => {
            let _ = Engine::compile_str("fuzz.policy", &text)
                .unwrap_or_else(|e| panic!("parses but does not compile: {e}\n{text}"));
            let _ = file.same_shape(&file);
        }
        Err(error) => check_diagnostics(&text, &error),
    }
}

/// The engine `request_json` decides with (a bit of every kind of line),
/// and its policy parsed for the reference interpreter.
fn request_json_engine() -> &'static (Engine, Vec<PolicyFile>) {
    static ENGINE: OnceLock<(Engine, Vec<PolicyFile>)> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let text = r#"
policy "p" {
  allow "read" {
    principal service:*, group:ops
    action    secrets:Get*
    resource  prod/**
    when { version_stage in ["AWSCURRENT", "AWSPREVIOUS"] }
  }
  allow "own" {
    principal *
    action    *
    resource  prod/${principal.tags.team}/*, home/${principal.id}/**
    when { mfa and mfa_age <= 15m }
  }
  deny "office" {
    principal *
    action    *
    resource  prod/**
    unless { source_ip in [10.0.0.0/8, fd00::/8] or context.origin in 10.0.0.0/8 }
  }
  deny "hours" {
    not principal group:sre
    action    secrets:Put*
    resource  *
    when {
      not (time_of_day in 09:00 .. 17:00 at +02:00) or weekday in [Sat, Sun]
      context.level < 3 or has context.ticket and context.ticket like "CHG-*"
    }
  }
  allow "tagged" {
    principal *
    action    *
    not resource secret/**
    when {
      resource.tags.env != "prod"
      principal.groups contains "group:dev"
      time < 2030-01-01T00:00:00Z
      context.break_glass == false
    }
  }
}"#;
        let engine = Engine::compile_str("request.policy", text).unwrap();
        (engine, parse_set(&[("request.policy", text)]).unwrap())
    })
}

/// `request_json`: the input as a request (non-UTF-8 read lossily).
/// `Request::from_json` agrees with its slow path; the JSON layer answers the
/// request's error or a decision, which the reference interpreter agrees with.
pub fn request_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = Request::from_json(&text);
    let slow = Request::from_json_via_value(&text);
    assert_eq!(
        parsed, slow,
        "from_json and from_json_via_value differ on {text:?}"
    );
    if let Some(fast) = Request::from_json_fast_path(&text) {
        assert_eq!(
            Ok(&fast),
            slow.as_ref(),
            "the fast path differs on {text:?}"
        );
    }
    let (engine, files) = request_json_engine();
    let now = parse_time("2026-11-25T10:00:00Z");
    for explain in [false, true] {
        let answer = tessera::json::evaluate_at(engine, &text, explain, now);
        let value: serde_json::Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {answer}"));
        match &parsed {
            Err(error) => assert_eq!(
                value,
                tessera::json::request_error(error),
                "the answer is not the request's error: {text:?}"
            ),
            Ok(request) => {
                assert!(
                    answer.starts_with(r#"{"decision":"#),
                    "a parsed request answered {answer}"
                );
                let decision = engine.decide_at(request, now);
                assert_eq!(
                    value["decision"],
                    serde_json::to_value(decision.outcome).unwrap()
                );
                assert_eq!(value.get("explanation").is_some(), explain, "{answer}");
            }
        }
    }
    if let Ok(request) = &parsed {
        assert_agrees(engine, files, request, now, &|| {
            "request.policy".to_string()
        });
    }
}

/// `compile_decide`: a policy set and requests, either generated from the
/// input (first byte even) or split from it (first byte odd: policy text,
/// a NUL byte, request JSON). What compiles decides as the reference
/// interpreter does.
pub fn compile_decide(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        let (policy, request) = match rest.iter().position(|&b| b == 0) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &b""[..]),
        };
        let policy = String::from_utf8_lossy(policy);
        let Ok(engine) = Engine::compile_str("fuzz.policy", &policy) else {
            return;
        };
        let files = parse_set(&[("fuzz.policy", &policy)]).expect("a compiled policy parses");
        let request = String::from_utf8_lossy(request);
        let request = match Request::from_json(&request) {
            Ok(request) => request,
            Err(_) => Request::new("user:ann", "secrets:GetSecretValue", "prod/db/main"),
        };
        let now = parse_time("2026-11-25T10:00:00Z");
        assert_agrees(&engine, &files, &request, now, &|| policy.to_string());
        return;
    }
    let mut c = Choices::new(rest);
    let files = gen_policy_set(&mut c);
    let sources: Vec<Source> = files.iter().map(|(n, t)| Source::new(n, t)).collect();
    let Ok(engine) = Engine::compile(&sources) else {
        return;
    };
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let parsed = parse_set(&pairs).expect("a compiled policy set parses");
    let policy = || {
        files
            .iter()
            .map(|(n, t)| format!("# {n}\n{t}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for _ in 0..1 + c.below(6) {
        let Some(request) = gen_request(&mut c) else {
            continue;
        };
        let now = gen_now(&mut c);
        assert_agrees(&engine, &parsed, &request, now, &policy);
        if c.is_empty() {
            break;
        }
    }
}

/// `format_roundtrip`: a policy file, generated (first byte even) or the
/// rest of the input as text (first byte odd). What parses formats to text
/// that parses to the same shape, and formatting that is idempotent.
pub fn format_roundtrip(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = if mode & 1 == 1 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let mut c = Choices::new(rest);
        gen_policy_set(&mut c).swap_remove(0).1
    };
    let Ok(file) = policy_lang::parse("fuzz.policy", &text) else {
        return;
    };
    let formatted = policy_lang::format(&file);
    let again = policy_lang::parse("fuzz.policy", &formatted).unwrap_or_else(|e| {
        panic!("the formatted text does not parse: {e}\ninput:\n{text}\nformatted:\n{formatted}")
    });
    assert!(
        file.same_shape(&again),
        "the formatted text parses to another shape\ninput:\n{text}\nformatted:\n{formatted}"
    );
    let twice = policy_lang::format(&again);
    assert_eq!(
        formatted, twice,
        "formatting is not idempotent\ninput:\n{text}"
    );
}

// ---------------------------------------------------------------------------
// The C library, called from Rust.

#[allow(unsafe_code)]
mod c_api {
    use super::{Choices, gen_policy_set, gen_request_json};
    use std::ffi::{CStr, c_char, c_int, c_void};
    use std::ptr;
    use tessera::{Engine, Request, Source};
    use tessera_ffi::{
        AuditCallback, ErrorCode, Outcome as COutcome, Reason as CReason, TesseraAuditOptions,
        TesseraAuditor, TesseraDecision, TesseraEngine, TesseraError, TesseraRequest,
        TesseraSource,
    };

    /// A byte string with a NUL appended (it may hold others, which end it
    /// for C), or NULL.
    struct CText(Option<Vec<u8>>);

    impl CText {
        fn new(bytes: &[u8]) -> CText {
            let mut v = bytes.to_vec();
            v.push(0);
            CText(Some(v))
        }
        fn null() -> CText {
            CText(None)
        }
        fn ptr(&self) -> *const c_char {
            self.0.as_ref().map_or(ptr::null(), |v| v.as_ptr().cast())
        }
        /// What C sees: the bytes up to the first NUL; `None` for NULL.
        fn seen(&self) -> Option<&[u8]> {
            let v = self.0.as_ref()?;
            let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
            Some(&v[..end])
        }
        /// What C sees, as UTF-8; `None` for NULL or invalid UTF-8.
        fn text(&self) -> Option<&str> {
            std::str::from_utf8(self.seen()?).ok()
        }
    }

    /// Reads a borrowed C string, which must not be NULL.
    fn read(p: *const c_char, what: &str) -> String {
        assert!(!p.is_null(), "{what} is NULL");
        // SAFETY: a non-NULL string the library documents as NUL-terminated.
        unsafe { CStr::from_ptr(p) }
            .to_str()
            .unwrap_or_else(|e| panic!("{what} is not UTF-8: {e}"))
            .to_string()
    }

    /// Checks an error handle's accessors against `code`, then frees it.
    fn check_error(err: *mut TesseraError, code: ErrorCode, diagnostics: Option<usize>) {
        assert!(!err.is_null(), "a failed call left *err NULL ({code:?})");
        // SAFETY: `err` is a live error from the library, read then freed once.
        unsafe {
            assert_eq!(tessera_ffi::tessera_error_code(err), code);
            let message = read(tessera_ffi::tessera_error_message(err), "message");
            assert!(!message.is_empty(), "an empty error message");
            let json = read(tessera_ffi::tessera_error_json(err), "json");
            let value: serde_json::Value = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("tessera_error_json is not JSON ({e}): {json}"));
            assert!(value["error"]["kind"].is_string(), "{json}");
            let field = tessera_ffi::tessera_error_field(err);
            assert_eq!(
                field.is_null(),
                code != ErrorCode::Request,
                "tessera_error_field for {code:?}"
            );
            let count = tessera_ffi::tessera_error_diagnostic_count(err);
            if let Some(expected) = diagnostics {
                assert_eq!(count, expected, "diagnostic count");
            }
            if code != ErrorCode::Compile {
                assert_eq!(count, 0);
            }
            for i in 0..=count {
                let file = tessera_ffi::tessera_error_diagnostic_file(err, i);
                let message = tessera_ffi::tessera_error_diagnostic_message(err, i);
                let dcode = tessera_ffi::tessera_error_diagnostic_code(err, i);
                let line = tessera_ffi::tessera_error_diagnostic_line(err, i);
                let column = tessera_ffi::tessera_error_diagnostic_column(err, i);
                if i < count {
                    read(file, "diagnostic file");
                    read(message, "diagnostic message");
                    read(dcode, "diagnostic code");
                    assert!(
                        line >= 1 && column >= 1,
                        "diagnostic {i} at {line}:{column}"
                    );
                } else {
                    assert!(file.is_null() && message.is_null() && dcode.is_null());
                    assert_eq!((line, column), (0, 0));
                }
            }
            tessera_ffi::tessera_error_free(err);
        }
    }

    /// A policy text for a source: generated, or raw bytes.
    fn source_text(c: &mut Choices) -> Vec<u8> {
        if c.chance(70) {
            gen_policy_set(c).swap_remove(0).1.into_bytes()
        } else {
            c.bytes(64).to_vec()
        }
    }

    /// Compiles sources read from `c` through `tessera_engine_compile`,
    /// checking the code against the Rust API; the engine when it compiled.
    fn compile(c: &mut Choices) -> *mut TesseraEngine {
        let count = c.below(3);
        let mut names = Vec::new();
        let mut texts: Vec<Option<Vec<u8>>> = Vec::new();
        for i in 0..count {
            names.push(match c.below(20) {
                0 => CText::null(),
                1 => CText::new(c.bytes(8)),
                _ => CText::new(format!("f{i}.policy").as_bytes()),
            });
            texts.push(if c.chance(3) {
                None
            } else {
                Some(source_text(c))
            });
        }
        let sources: Vec<TesseraSource> = names
            .iter()
            .zip(&texts)
            .map(|(name, text)| TesseraSource {
                name: name.ptr(),
                text: text.as_ref().map_or(ptr::null(), |t| t.as_ptr().cast()),
                text_len: text.as_ref().map_or(c.below(3), Vec::len),
            })
            .collect();
        // What the header says the call must answer.
        let mut invalid = false;
        let mut checked: Vec<(String, String)> = Vec::new();
        for (name, text) in names.iter().zip(&texts) {
            match (name.text(), text.as_ref().map(|t| std::str::from_utf8(t))) {
                (Some(name), Some(Ok(text))) => checked.push((name.into(), text.into())),
                _ => invalid = true,
            }
        }
        let native = if invalid {
            None
        } else {
            let sources: Vec<Source> = checked.iter().map(|(n, t)| Source::new(n, t)).collect();
            Some(Engine::compile(&sources).map_err(|e| e.diagnostics().len()))
        };
        let sources_ptr = if count == 0 && c.chance(50) {
            ptr::null()
        } else {
            sources.as_ptr()
        };
        let mut engine: *mut TesseraEngine = ptr::dangling_mut();
        let mut err: *mut TesseraError = ptr::dangling_mut();
        let want_err = c.below(8) != 0;
        let err_ptr: *mut *mut TesseraError = if want_err { &mut err } else { ptr::null_mut() };
        // SAFETY: `sources` holds `count` sources whose pointers are NULL or
        // valid for the call; `engine` and `err` are writable.
        let code = unsafe {
            tessera_ffi::tessera_engine_compile(sources_ptr, count, &mut engine, err_ptr)
        };
        let expected = match &native {
            None => ErrorCode::InvalidArgument,
            Some(Ok(_)) => ErrorCode::Ok,
            Some(Err(_)) => ErrorCode::Compile,
        };
        assert_eq!(code, expected, "tessera_engine_compile");
        if code == ErrorCode::Ok {
            assert!(!engine.is_null());
            if want_err {
                assert!(err.is_null(), "*err not NULL after success");
            }
            engine
        } else {
            assert!(engine.is_null(), "*out not NULL after a failure");
            if want_err {
                let diagnostics = match &native {
                    Some(Err(n)) => Some(*n),
                    _ => None,
                };
                check_error(err, code, diagnostics);
            }
            ptr::null_mut()
        }
    }

    /// `tessera_engine_compile_with_limits` on one generated source and a
    /// limits document read from `c`: NULL limits answer as
    /// `tessera_engine_compile`; other documents answer OK, an invalid
    /// argument (not such an object) or compile errors (a limit exceeded),
    /// never an internal error. The engine is checked and freed.
    fn compile_with_limits(c: &mut Choices) {
        const LIMITS: &[&str] = &[
            "{}",
            r#"{"policy": {"max_pattern_bytes": 4}}"#,
            r#"{"policy": {"max_statements": 1, "max_patterns_per_line": 1}}"#,
            r#"{"policy": {"max_pattern_wildcards": 0, "max_alternatives": 0}}"#,
            r#"{"policy": {"max_source_bytes": 0}}"#,
            r#"{"request": {"max_groups": 0, "max_path_segments": 1, "max_value_bytes": 1}}"#,
            r#"{"request": {"max_bytes": 18446744073709551615}}"#,
            r#"{"policy": {"max_pattern_bytes": -1}}"#,
            r#"{"policy": {"nope": 1}}"#,
            r#"{"policy": {"max_pattern_bytes": 1}, "policy": {}}"#,
            "[]",
            "null",
            "",
        ];
        let text = gen_policy_set(c).swap_remove(0).1;
        let source = TesseraSource {
            name: c"limits.policy".as_ptr(),
            text: text.as_ptr().cast(),
            text_len: text.len(),
        };
        let limits: Option<Vec<u8>> = match c.below(8) {
            0 => None,
            1 => Some(c.bytes(24).to_vec()),
            _ => Some(c.pick(LIMITS).as_bytes().to_vec()),
        };
        let mut engine: *mut TesseraEngine = ptr::dangling_mut();
        let mut err: *mut TesseraError = ptr::dangling_mut();
        // SAFETY: one valid source; the limits are NULL or `len` readable
        // bytes; the outputs are writable.
        let code = unsafe {
            tessera_ffi::tessera_engine_compile_with_limits(
                &source,
                1,
                limits.as_ref().map_or(ptr::null(), |l| l.as_ptr().cast()),
                limits.as_ref().map_or(0, Vec::len),
                &mut engine,
                &mut err,
            )
        };
        let limits_text = limits.as_deref().map(String::from_utf8_lossy);
        if limits.is_none() {
            let expected = match Engine::compile_str("limits.policy", &text) {
                Ok(_) => ErrorCode::Ok,
                Err(_) => ErrorCode::Compile,
            };
            assert_eq!(
                code, expected,
                "tessera_engine_compile_with_limits, NULL limits"
            );
        } else {
            assert!(
                matches!(
                    code,
                    ErrorCode::Ok | ErrorCode::InvalidArgument | ErrorCode::Compile
                ),
                "tessera_engine_compile_with_limits gave {code:?} for the limits {limits_text:?}"
            );
        }
        if code == ErrorCode::Ok {
            assert!(!engine.is_null() && err.is_null());
            // SAFETY: a live engine, freed once.
            unsafe { tessera_ffi::tessera_engine_free(engine) };
        } else {
            assert!(engine.is_null());
            check_error(err, code, None);
        }
    }

    /// `tessera_engine_evaluate_json` on a request read from `c`, checked
    /// against `tessera::json::evaluate`.
    fn evaluate_json(
        c: &mut Choices,
        engine: *const TesseraEngine,
        native: &Engine,
        audit: Option<&mut Audit>,
    ) {
        let request: Vec<u8> = if c.chance(70) {
            gen_request_json(c).into_bytes()
        } else {
            c.bytes(48).to_vec()
        };
        let explain = i32::from(c.byte() & 1);
        let mut out: *mut c_char = ptr::dangling_mut();
        let mut out_len: usize = usize::MAX;
        let mut err: *mut TesseraError = ptr::dangling_mut();
        let want_len = c.below(4) != 0;
        let want_err = c.below(4) != 0;
        let len_ptr: *mut usize = if want_len {
            &mut out_len
        } else {
            ptr::null_mut()
        };
        let err_ptr: *mut *mut TesseraError = if want_err { &mut err } else { ptr::null_mut() };
        let auditor = audit.as_ref().map(|a| a.handle);
        // SAFETY: `engine` (and the auditor) are live; `request` holds `len`
        // bytes; the outputs are writable or NULL.
        let code = unsafe {
            match auditor {
                None => tessera_ffi::tessera_engine_evaluate_json(
                    engine,
                    request.as_ptr().cast(),
                    request.len(),
                    explain,
                    &mut out,
                    len_ptr,
                    err_ptr,
                ),
                Some(auditor) => tessera_engine_evaluate_json_audited(
                    engine,
                    auditor,
                    request.as_ptr().cast(),
                    request.len(),
                    explain,
                    &mut out,
                    len_ptr,
                    err_ptr,
                ),
            }
        };
        let Ok(text) = std::str::from_utf8(&request) else {
            assert_eq!(code, ErrorCode::InvalidArgument, "non-UTF-8 request");
            assert!(out.is_null());
            if want_len {
                assert_eq!(out_len, 0);
            }
            if want_err {
                check_error(err, code, None);
            }
            return;
        };
        let parsed = Request::from_json(text);
        let expected_code = if parsed.is_ok() {
            ErrorCode::Ok
        } else {
            ErrorCode::Request
        };
        assert_eq!(
            code, expected_code,
            "tessera_engine_evaluate_json on {text:?}"
        );
        let answer = read(out, "*out_json");
        if want_len {
            assert_eq!(out_len, answer.len(), "*out_len");
        }
        // A request without a time is decided at the clock; compare the
        // bytes only when both sides are sure to read the same instant.
        let timed = parsed.as_ref().map_or(true, |r| r.context.time.is_some());
        let audit_failed = match audit {
            Some(audit) if parsed.is_ok() => {
                audit.decisions += 1;
                audit.blocking && audit.refuses()
            }
            _ => false,
        };
        if audit_failed {
            assert_eq!(
                answer, r#"{"decision":"deny","reason":"audit_failed","determining":[]}"#,
                "a blocking auditor whose callback refused"
            );
        } else if timed {
            assert_eq!(
                answer,
                tessera::json::evaluate(native, text, explain != 0),
                "the C answer differs from tessera::json::evaluate on {text:?}"
            );
        } else {
            assert!(answer.starts_with(r#"{"decision":"#), "{answer}");
        }
        // SAFETY: a string the library returned, freed once.
        unsafe { tessera_ffi::tessera_string_free(out) };
        if want_err {
            if code == ErrorCode::Ok {
                assert!(err.is_null());
            } else {
                if let Err(e) = &parsed {
                    // SAFETY: `err` is live until check_error frees it.
                    let field = read(unsafe { tessera_ffi::tessera_error_field(err) }, "field");
                    assert_eq!(field, e.field());
                }
                check_error(err, code, None);
            }
        }
    }

    /// `tessera_engine_decide` on a struct read from `c`.
    fn decide(
        c: &mut Choices,
        engine: *const TesseraEngine,
        native: &Engine,
        audit: Option<&mut Audit>,
    ) {
        let text = |c: &mut Choices, vocabulary: &[&str]| -> CText {
            match c.below(16) {
                0 => CText::null(),
                1 => CText::new(c.bytes(6)),
                2 => CText::new(b""),
                _ => CText::new(c.pick(vocabulary).as_bytes()),
            }
        };
        let principal = text(c, &["user:ann", "service:api", "group:ops"]);
        let action = text(c, &["secrets:GetSecretValue", "secrets:PutSecretValue"]);
        let resource = text(
            c,
            &[
                "prod/db/main",
                "prod/db",
                "dev/x",
                "prod/../x",
                "prod/./x",
                "a//b",
                "prod/db/",
            ],
        );
        let groups: Vec<CText> = (0..c.below(3))
            .map(|_| text(c, &["group:ops", "group:dev", ""]))
            .collect();
        let group_ptrs: Vec<*const c_char> = groups.iter().map(CText::ptr).collect();
        let source_ip = if c.chance(50) {
            text(
                c,
                &[
                    "10.1.2.3",
                    "fd00::1",
                    "10.1.2",
                    "::ffff:1.2.3.4",
                    " 10.1.2.3",
                ],
            )
        } else {
            CText::null()
        };
        let version_stage = if c.chance(50) {
            text(c, &["AWSCURRENT", "AWSPENDING", ""])
        } else {
            CText::null()
        };
        let mfa = c.pick(&[-1, -1, 0, 1, 2, -2, i32::MIN]);
        let mfa_age_seconds = c.pick(&[-1, -1, 0, 60, 900, 901, -2, i64::MIN, i64::MAX]);
        let has_time = c.pick(&[0, 1, 1, 7]);
        let time = c.pick(&[
            1_795_600_800, // 2026-11-25T10:00:00Z
            0,
            -1,
            253_402_300_799,   // 9999-12-31T23:59:59Z
            8_210_266_876_799, // chrono's last second
            8_210_266_876_800,
            -8_334_601_228_800, // chrono's first second
            i64::MIN,
            i64::MAX,
        ]);
        let group_count = if c.chance(5) {
            groups.len() + 1
        } else {
            groups.len()
        };
        let groups_null = group_count > groups.len() || (groups.is_empty() && c.chance(50));
        let request = TesseraRequest {
            principal: principal.ptr(),
            groups: if groups_null {
                ptr::null()
            } else {
                group_ptrs.as_ptr()
            },
            group_count: if groups_null && group_count > 0 {
                group_count
            } else {
                groups.len()
            },
            action: action.ptr(),
            resource: resource.ptr(),
            source_ip: source_ip.ptr(),
            mfa,
            mfa_age_seconds,
            version_stage: version_stage.ptr(),
            time,
            has_time,
        };
        let mut out = TesseraDecision {
            outcome: COutcome::Allow,
            reason: CReason::Allowed,
            determining_count: 99,
            policy: ptr::dangling(),
            statement: ptr::dangling(),
        };
        let mut err: *mut TesseraError = ptr::dangling_mut();
        // SAFETY: `engine` is live; every pointer in `request` is NULL or a
        // NUL-terminated string that outlives the call (a NULL `groups` goes
        // with a count the library must refuse before reading).
        let code = unsafe {
            match audit.as_ref().map(|a| a.handle) {
                None => tessera_ffi::tessera_engine_decide(engine, &request, &mut out, &mut err),
                Some(auditor) => {
                    tessera_engine_decide_audited(engine, auditor, &request, &mut out, &mut err)
                }
            }
        };
        // NULL required pointers and invalid UTF-8 are invalid arguments (or
        // a request error found first); everything else is checked as
        // Request::from_json checks the same request given as JSON.
        let required = [&principal, &action, &resource];
        let invalid_argument = required.iter().any(|t| t.text().is_none())
            || groups_null && request.group_count > 0
            || !groups_null && groups.iter().any(|g| g.text().is_none())
            || source_ip.seen().is_some() && source_ip.text().is_none()
            || version_stage.seen().is_some() && version_stage.text().is_none();
        if invalid_argument {
            assert!(
                matches!(code, ErrorCode::InvalidArgument | ErrorCode::Request),
                "tessera_engine_decide gave {code:?} for an invalid argument"
            );
        }
        let time = (has_time != 0).then(|| chrono::DateTime::from_timestamp(time, 0));
        // What JSON cannot say: these the struct alone must refuse.
        let struct_only_invalid =
            !(-1..=1).contains(&mfa) || mfa_age_seconds < -1 || matches!(time, Some(None));
        let mut twin = None;
        if !invalid_argument {
            use serde_json::json;
            let mut context = serde_json::Map::new();
            if let Some(ip) = source_ip.text() {
                context.insert("source_ip".into(), json!(ip));
            }
            match mfa {
                0 => drop(context.insert("mfa".into(), json!(false))),
                1 => drop(context.insert("mfa".into(), json!(true))),
                _ => {}
            }
            if mfa_age_seconds >= 0 {
                context.insert("mfa_age_seconds".into(), json!(mfa_age_seconds));
            }
            if let Some(stage) = version_stage.text() {
                context.insert("version_stage".into(), json!(stage));
            }
            // RFC 3339 has four-digit years: a later time is set afterwards.
            let time = time.flatten();
            if let Some(t) = time.filter(|t| (0..=9999).contains(&chrono::Datelike::year(t))) {
                let text = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                context.insert("time".into(), json!(text));
            }
            let groups: Vec<&str> = groups.iter().filter_map(CText::text).collect();
            let json = json!({
                "principal": {"id": principal.text(), "groups": groups},
                "action": action.text(),
                "resource": resource.text(),
                "context": context,
            })
            .to_string();
            let parsed = Request::from_json(&json);
            if struct_only_invalid {
                assert_eq!(code, ErrorCode::Request, "tessera_engine_decide on {json}");
            } else {
                assert_eq!(
                    code == ErrorCode::Ok,
                    parsed.is_ok(),
                    "tessera_engine_decide ({code:?}) and Request::from_json ({parsed:?}) \
                     disagree on the request {json}"
                );
            }
            if let Ok(mut parsed) = parsed {
                parsed.context.time = time;
                twin = Some(parsed);
            }
        }
        if code != ErrorCode::Ok {
            assert_eq!(out.outcome, COutcome::Deny);
            assert_eq!(out.reason, CReason::NoStatementApplied);
            assert_eq!(out.determining_count, 0);
            assert!(out.policy.is_null() && out.statement.is_null());
            check_error(err, code, None);
            return;
        }
        assert!(err.is_null());
        if let Some(audit) = audit {
            audit.decisions += 1;
            if audit.blocking && audit.refuses() {
                assert_eq!(out.outcome, COutcome::Deny);
                assert_eq!(out.reason, CReason::AuditFailed);
                assert_eq!(out.determining_count, 0);
                return;
            }
        }
        // Without a time the library decides at its clock: compare only timed.
        let (Some(request), true) = (twin, has_time != 0) else {
            return;
        };
        let decision = native.decide(&request);
        assert_eq!(out.outcome == COutcome::Allow, decision.is_allowed());
        assert_eq!(out.determining_count, decision.determining.len());
        match decision.determining.first() {
            Some(first) => {
                assert_eq!(read(out.policy, "policy"), first.policy.replace('\0', ""));
                assert_eq!(
                    read(out.statement, "statement"),
                    first.statement.replace('\0', "")
                );
            }
            None => assert!(out.policy.is_null() && out.statement.is_null()),
        }
    }

    // The audit entry points: `tessera_ffi` keeps their module private, so
    // they are reached by their C names, as C reaches them. The handles are
    // opaque: only pointers to them cross.
    #[allow(improper_ctypes)]
    unsafe extern "C" {
        fn tessera_auditor_new_callback(
            callback: AuditCallback,
            user_data: *mut c_void,
            options: *const TesseraAuditOptions,
            out: *mut *mut TesseraAuditor,
            err: *mut *mut TesseraError,
        ) -> ErrorCode;
        fn tessera_engine_evaluate_json_audited(
            engine: *const TesseraEngine,
            auditor: *mut TesseraAuditor,
            request: *const c_char,
            len: usize,
            explain: c_int,
            out_json: *mut *mut c_char,
            out_len: *mut usize,
            err: *mut *mut TesseraError,
        ) -> ErrorCode;
        fn tessera_engine_decide_audited(
            engine: *const TesseraEngine,
            auditor: *mut TesseraAuditor,
            request: *const TesseraRequest,
            out: *mut TesseraDecision,
            err: *mut *mut TesseraError,
        ) -> ErrorCode;
        fn tessera_auditor_flush(
            auditor: *mut TesseraAuditor,
            err: *mut *mut TesseraError,
        ) -> ErrorCode;
        fn tessera_auditor_head(
            auditor: *const TesseraAuditor,
            out_next_seq: *mut u64,
            out_prev: *mut *mut c_char,
            err: *mut *mut TesseraError,
        ) -> ErrorCode;
        fn tessera_auditor_free(auditor: *mut TesseraAuditor);
    }

    /// What the callback saw, and whether it refuses records.
    struct Sink {
        records: Vec<String>,
        refuse: bool,
    }

    unsafe extern "C" fn record(
        user_data: *mut c_void,
        record: *const c_char,
        len: usize,
    ) -> c_int {
        // SAFETY: `user_data` is the `Sink` the auditor was made with, alive
        // until after it is freed; `record` holds `len` bytes for the call.
        let (sink, bytes) = unsafe {
            (
                &mut *user_data.cast::<Sink>(),
                std::slice::from_raw_parts(record.cast::<u8>(), len),
            )
        };
        let line = std::str::from_utf8(bytes).expect("an audit record is UTF-8");
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("an audit record is not JSON ({e}): {line}"));
        assert!(value.is_object(), "{line}");
        sink.records.push(line.to_string());
        c_int::from(sink.refuse)
    }

    /// A callback auditor and what it should have recorded.
    struct Audit {
        handle: *mut TesseraAuditor,
        sink: Box<Sink>,
        blocking: bool,
        /// Decisions made through it (a malformed request is none).
        decisions: u64,
    }

    impl Audit {
        /// A callback auditor, blocking or best-effort, keyed or not, whose
        /// callback may refuse every record.
        fn new(c: &mut Choices) -> Option<Audit> {
            let blocking = c.chance(50);
            let key = b"fuzz-key";
            let masked = [c"context.ticket".as_ptr(), c"principal.tags.team".as_ptr()];
            let options = TesseraAuditOptions {
                mode: if blocking { 0 } else { 1 },
                key: if c.chance(50) {
                    key.as_ptr().cast()
                } else {
                    ptr::null()
                },
                key_len: key.len(),
                mask_fields: masked.as_ptr(),
                mask_field_count: c.below(3),
                ..TesseraAuditOptions::default()
            };
            let options = TesseraAuditOptions {
                key_len: if options.key.is_null() { 0 } else { key.len() },
                ..options
            };
            let mut sink = Box::new(Sink {
                records: Vec::new(),
                refuse: c.chance(25),
            });
            let mut handle = ptr::null_mut();
            let mut err = ptr::null_mut();
            // SAFETY: the options' pointers are valid for the call; `sink`
            // outlives the auditor (freed in `finish`); outputs writable.
            let code = unsafe {
                tessera_auditor_new_callback(
                    Some(record),
                    (&raw mut *sink).cast(),
                    &options,
                    &mut handle,
                    &mut err,
                )
            };
            assert_eq!(code, ErrorCode::Ok, "tessera_auditor_new_callback");
            Some(Audit {
                handle,
                sink,
                blocking,
                decisions: 0,
            })
        }

        fn refuses(&self) -> bool {
            self.sink.refuse
        }

        /// Flushes, checks the chain's head and the records, and frees.
        fn finish(self) {
            let mut next_seq = u64::MAX;
            let mut prev = ptr::null_mut();
            let mut err = ptr::null_mut();
            // SAFETY: a live auditor; outputs writable; freed once, after
            // which the callback is never called and the sink may go.
            unsafe {
                let flushed = tessera_auditor_flush(self.handle, &mut err);
                assert!(
                    flushed == ErrorCode::Ok || self.refuses(),
                    "tessera_auditor_flush: {flushed:?}"
                );
                if !err.is_null() {
                    check_error(err, flushed, None);
                }
                let code = tessera_auditor_head(self.handle, &mut next_seq, &mut prev, &mut err);
                assert_eq!(code, ErrorCode::Ok, "tessera_auditor_head");
                let head = read(prev, "prev");
                assert!(
                    head.starts_with("sha256:") || head.starts_with("hmac-sha256:"),
                    "{head}"
                );
                tessera_ffi::tessera_string_free(prev);
                tessera_auditor_free(self.handle);
            }
            assert_eq!(next_seq, self.decisions, "the chain's next seq");
            assert_eq!(
                self.sink.records.len() as u64,
                self.decisions,
                "records handed to the callback"
            );
        }
    }

    /// The `ffi` target's body.
    pub fn run(data: &[u8]) {
        let mut c = Choices::new(data);
        let mut engine = compile(&mut c);
        if engine.is_null() {
            // An empty set compiles to an engine that denies everything.
            let mut err: *mut TesseraError = ptr::null_mut();
            // SAFETY: count 0 with NULL sources is allowed; outputs writable.
            let code = unsafe {
                tessera_ffi::tessera_engine_compile(ptr::null(), 0, &mut engine, &mut err)
            };
            assert_eq!(code, ErrorCode::Ok);
        }
        // SAFETY: a live engine handle.
        let native = unsafe { (*engine).engine() };
        if c.chance(15) {
            compile_with_limits(&mut c);
        }
        let mut audit = if c.chance(30) {
            Audit::new(&mut c)
        } else {
            None
        };
        for _ in 0..1 + c.below(4) {
            let through = if c.chance(60) { audit.as_mut() } else { None };
            if c.chance(50) {
                evaluate_json(&mut c, engine, native, through);
            } else {
                decide(&mut c, engine, native, through);
            }
            if c.is_empty() {
                break;
            }
        }
        if let Some(audit) = audit {
            audit.finish();
        }
        // SAFETY: freed once; NULL is ignored.
        unsafe {
            tessera_ffi::tessera_engine_free(engine);
            tessera_ffi::tessera_engine_free(ptr::null_mut());
            tessera_ffi::tessera_string_free(ptr::null_mut());
            tessera_ffi::tessera_error_free(ptr::null_mut());
        }
    }
}

/// `ffi`: the C library's entry points (`ffi/include/tessera.h`), called
/// from Rust with sources, requests and structs read from the input: every
/// code is the one the header documents, every answer the Rust API's, every
/// error's accessors work, and everything is freed.
pub fn ffi(data: &[u8]) {
    c_api::run(data);
}

// ---------------------------------------------------------------------------
// The core Wasm module.

#[cfg(feature = "wasm")]
pub use wasm::wasm_abi;

#[cfg(feature = "wasm")]
mod wasm {
    use super::{Choices, gen_policy_set, gen_request_json};
    use tessera::Engine;
    use tessera_wasm_host::{Compiled, Export, Host, HostError, Limits};

    /// The limits the target runs the module with: a tighter memory cap and
    /// fuel than the defaults, so that a hostile input fails fast.
    pub const LIMITS: Limits = Limits {
        fuel: 2_000_000_000,
        memory_bytes: 256 << 20,
    };

    /// `wasm_abi`: a session of calls into the module through the wasmtime
    /// host (`wasm/host`), read from the input: loads, evaluations and
    /// explanations, whose answers must be the JSON layer's byte for byte;
    /// calls with stray pointers and lengths; allocations and frees. The
    /// module never traps (running out of fuel is allowed), and the host
    /// keeps answering.
    pub fn wasm_abi(compiled: &Compiled, data: &[u8]) {
        let mut host = Host::from_compiled(compiled, LIMITS).expect("the module instantiates");
        let mut c = Choices::new(data);
        let mut engine: Option<Engine> = None;
        for _ in 0..1 + c.below(8) {
            match c.below(8) {
                0 | 1 => {
                    let document: Vec<u8> = match c.below(4) {
                        0 => c.bytes(64).to_vec(),
                        _ => {
                            let files = gen_policy_set(&mut c);
                            let sources: Vec<_> = files
                                .iter()
                                .map(|(n, t)| serde_json::json!({"name": n, "text": t}))
                                .collect();
                            serde_json::json!({ "sources": sources })
                                .to_string()
                                .into_bytes()
                        }
                    };
                    let answer = match host.load_document(&document) {
                        Ok(answer) => answer,
                        Err(HostError::OutOfFuel) => continue,
                        Err(e) => panic!("tessera_load failed: {e}"),
                    };
                    let (expected, compiled) = tessera_wasm::compile_document(&document);
                    assert_eq!(answer, expected, "tessera_load's answer");
                    if let Some(compiled) = compiled {
                        engine = Some(compiled);
                    }
                }
                2..=5 => {
                    let request: Vec<u8> = if c.chance(70) {
                        gen_request_json(&mut c).into_bytes()
                    } else {
                        c.bytes(48).to_vec()
                    };
                    let now_ms = match c.below(8) {
                        0 => c.i64(),
                        _ => 1_795_600_800_000,
                    };
                    let explain = c.chance(40);
                    let result = if explain {
                        host.explain_bytes(&request, now_ms)
                    } else {
                        host.evaluate_bytes(&request, now_ms)
                    };
                    let answer = match result {
                        Ok(answer) => answer,
                        Err(HostError::OutOfFuel) => continue,
                        Err(e) => panic!("tessera_evaluate failed: {e}"),
                    };
                    let expected =
                        tessera_wasm::evaluate_request(engine.as_ref(), &request, now_ms, explain);
                    assert_eq!(
                        answer,
                        expected,
                        "the module's answer to {:?}",
                        String::from_utf8_lossy(&request)
                    );
                    if let (Some(engine), Ok(text)) = (&engine, std::str::from_utf8(&request))
                        && let Some(now) = chrono::DateTime::from_timestamp_millis(now_ms)
                    {
                        assert_eq!(
                            answer,
                            tessera::json::evaluate_at(engine, text, explain, now)
                        );
                    }
                }
                6 => {
                    let export = c.pick(&[Export::Load, Export::Evaluate, Export::Explain]);
                    let ptr = match c.below(3) {
                        0 => c.below(1 << 16) as u32,
                        1 => u32::MAX - c.below(256) as u32,
                        _ => (c.i64() & 0xFFFF_FFFF) as u32,
                    };
                    let len = match c.below(3) {
                        0 => c.below(1 << 16) as u32,
                        1 => u32::MAX - c.below(256) as u32,
                        _ => (c.i64() & 0xFFFF_FFFF) as u32,
                    };
                    match host.call_raw(export, ptr, len) {
                        Ok(answer) => {
                            assert!(answer.starts_with('{'), "{answer}");
                            if export == Export::Load && answer.starts_with(r#"{"ok":true"#) {
                                // A stray range that happened to hold a load
                                // document: the module's engine is not ours.
                                return;
                            }
                        }
                        Err(HostError::OutOfFuel) => {}
                        Err(e) => panic!("a raw call ({export:?}, {ptr}, {len}) failed: {e}"),
                    }
                }
                _ => {
                    let len = match c.below(4) {
                        0 => u32::MAX - c.below(256) as u32,
                        1 => (c.i64() & 0xFFFF_FFFF) as u32,
                        _ => c.below(1 << 16) as u32,
                    };
                    match host.alloc_raw(len) {
                        Ok(ptr) => {
                            if ptr != 0 && c.chance(80) {
                                let free_len = if c.chance(80) {
                                    len
                                } else {
                                    len.wrapping_add(1)
                                };
                                host.free_raw(ptr, free_len).expect("tessera_free");
                            }
                            if c.chance(30) {
                                host.free_raw((c.i64() & 0xFFFF_FFFF) as u32, len)
                                    .expect("tessera_free of a stray pointer");
                            }
                        }
                        Err(HostError::OutOfFuel) => {}
                        Err(e) => panic!("tessera_alloc({len}) failed: {e}"),
                    }
                }
            }
            if c.is_empty() {
                break;
            }
        }
    }
}
