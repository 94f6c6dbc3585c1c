//! Deterministic generation of realistic policy sets and requests for the
//! benchmarks.
//!
//! The model is a large company's secret tree, `{env}/{team}/{app}/{secret}`
//! with `env` one of `prod`, `staging`, `dev`. Almost every statement is
//! written by one team about its own subtree; a constant handful of global
//! guardrails (a network deny on `prod/**`, policy-variable statements, an
//! audit allow) sit on top. The same `n` always gives the same text.

use std::fmt::Write as _;

/// The instant every benchmark request carries, so no decision reads the clock.
pub const TIME: &str = "2026-11-25T10:00:00Z";

/// Statements written by one team (so `n / 200` teams: 500 at `n = 100_000`).
const STATEMENTS_PER_TEAM: usize = 200;
/// Statements per policy; every policy is its own source file.
const STATEMENTS_PER_POLICY: usize = 50;
/// Applications per team.
const APPS_PER_TEAM: usize = 8;
/// The application the benchmark requests are about; every team's first
/// `APPS_PER_TEAM` statements let each app read its own prod secrets, so this
/// one exists as soon as the set has `GLOBAL_STATEMENTS + TARGET_APP + 1` statements.
const TARGET_APP: usize = 3;
/// The team the benchmark requests are about (see [`target_team`]).
const TARGET_TEAM: usize = 2;

const SECRETS: [&str; 8] = [
    "db-password",
    "api-key",
    "tls-cert",
    "db",
    "oauth-client-secret",
    "signing-key",
    "webhook-token",
    "redis-url",
];

/// Statements every set holds whatever its size; they count towards `n`.
/// The two `${principal.tags.team}` statements are the only ones neither
/// engine index can select by resource (the `secrets:Get*` one lands in the
/// engine's always-checked list, the exact-action one in the action index).
const GLOBAL: &str = r#"policy "global-guardrails" {
  deny "prod-network-only" {
    principal *
    action    *
    resource  prod/**
    unless { source_ip in [10.0.0.0/8, fd00::/8] }
  }
  deny "prod-delete-needs-fresh-mfa" {
    principal *
    action    secrets:DeleteSecret, secrets:PutResourcePolicy
    resource  prod/**
    unless { mfa and mfa_age <= 5m }
  }
  allow "own-team-dev" {
    principal *
    action    secrets:GetSecretValue, secrets:DescribeSecret
    resource  dev/${principal.tags.team}/**
  }
  allow "own-team-describe-prod" {
    principal *
    action    secrets:Get*, secrets:Describe*
    resource  prod/${principal.tags.team}/**
    when { source_ip in 10.0.0.0/8 }
  }
  allow "security-audit" {
    principal group:security-auditors
    action    secrets:DescribeSecret, secrets:ListSecretVersionIds
    resource  prod/**, staging/**, dev/**
    when { mfa and mfa_age <= 1h }
  }
}
"#;

/// Number of statements in [`GLOBAL`].
pub const GLOBAL_STATEMENTS: usize = 5;

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `prod` 40 %, `staging` 30 %, `dev` 30 %.
    fn env(&mut self) -> &'static str {
        match self.below(10) {
            0..=3 => "prod",
            4..=6 => "staging",
            _ => "dev",
        }
    }
}

/// Number of teams in a set of `n` statements.
pub fn team_count(n: usize) -> usize {
    n.saturating_sub(GLOBAL_STATEMENTS)
        .div_ceil(STATEMENTS_PER_TEAM)
        .max(1)
}

/// The team the benchmark requests are about. Each team's statements are
/// drawn from a generator seeded by the team alone, so from `n = 1000` on (5
/// teams) the requests meet the very same team statements at every size, and
/// only the rest of the set grows.
pub fn target_team(n: usize) -> usize {
    TARGET_TEAM.min(team_count(n) - 1)
}

/// A policy set of exactly `n` statements (`n >= GLOBAL_STATEMENTS`), as
/// `(file name, text)` pairs: one file for the global guardrails, then one
/// file per team policy of at most 50 statements.
pub fn policy_set(n: usize) -> Vec<(String, String)> {
    assert!(
        n >= GLOBAL_STATEMENTS,
        "a policy set holds at least the {GLOBAL_STATEMENTS} global statements"
    );
    let mut files = vec![("global.policy".to_string(), GLOBAL.to_string())];
    let teams = team_count(n);
    let team_statements = n - GLOBAL_STATEMENTS;
    let mut emitted = 0;
    for team in 0..teams {
        let mut rng = Rng(0x7E55_E4A0 + team as u64);
        let count = STATEMENTS_PER_TEAM.min(team_statements - emitted);
        for (part, start) in (0..count).step_by(STATEMENTS_PER_POLICY).enumerate() {
            let end = (start + STATEMENTS_PER_POLICY).min(count);
            let mut text = format!("policy \"team-{team}-part-{part}\" {{\n");
            for j in start..end {
                statement(&mut text, &mut rng, team, teams, j);
            }
            text.push_str("}\n");
            files.push((format!("teams/team-{team}/part-{part}.policy"), text));
        }
        emitted += count;
    }
    files
}

/// Appends statement `j` of `team` to `out`.
fn statement(out: &mut String, rng: &mut Rng, team: usize, teams: usize, j: usize) {
    let t = format!("team-{team}");
    if j < APPS_PER_TEAM {
        // Every app reads its own current prod secrets from inside the network.
        let _ = write!(
            out,
            r#"  allow "s{j}-app-{j}-reads-prod" {{
    principal service:{t}-app-{j}, group:{t}-app-{j}-oncall
    action    secrets:GetSecretValue, secrets:DescribeSecret
    resource  prod/{t}/app-{j}/**
    when {{
      version_stage in ["AWSCURRENT", "AWSPREVIOUS"]
      source_ip in [10.0.0.0/8, fd00::/8]
    }}
  }}
"#
        );
        return;
    }
    let env = rng.env();
    let app = rng.below(APPS_PER_TEAM);
    let secret = rng.pick(&SECRETS);
    let net = format!("10.{}.0.0/16", rng.below(256));
    let (effect, principal, action, resource, conditions) = match rng.below(100) {
        // An app reads its own secrets in one environment.
        0..=29 => (
            "allow",
            format!("service:{t}-app-{app}"),
            rng.pick(&["secrets:GetSecretValue, secrets:DescribeSecret", "secrets:Get*"]).to_string(),
            format!("{env}/{t}/app-{app}/**"),
            rng.pick(&[
                "",
                "when { version_stage == \"AWSCURRENT\" }",
                "when { version_stage in [\"AWSCURRENT\", \"AWSPREVIOUS\"] }",
            ])
            .to_string(),
        ),
        // The team group reads one named secret, with fresh MFA.
        30..=44 => (
            "allow",
            format!("group:{t}"),
            "secrets:Get*".to_string(),
            format!("{env}/{t}/app-{app}/{secret}"),
            "when { mfa and mfa_age <= 15m }".to_string(),
        ),
        // On-call reads one kind of secret across the team's apps, from a subnet.
        45..=54 => (
            "allow",
            format!("group:{t}-oncall"),
            "secrets:GetSecretValue".to_string(),
            format!("{env}/{t}/*/{secret}"),
            format!("when {{ source_ip in [{net}, fd00::/8] }}"),
        ),
        // Team admins write, with MFA, from the network.
        55..=64 => (
            "allow",
            format!("group:{t}-admins"),
            "secrets:PutSecretValue, secrets:UpdateSecret, secrets:RotateSecret, secrets:TagResource".to_string(),
            format!("{env}/{t}/**"),
            "when { mfa and mfa_age <= 15m source_ip in 10.0.0.0/8 }".to_string(),
        ),
        // CI reads build-time secrets.
        65..=74 => (
            "allow",
            format!("service:ci-{t}-*"),
            "secrets:GetSecretValue".to_string(),
            format!("{env}/{t}/app-{app}/ci/*, {env}/{t}/app-{app}/build-*"),
            format!("when {{ source_ip in {net} }}"),
        ),
        // Another team's app reads a shared secret.
        75..=84 => (
            "allow",
            format!("service:team-{}-app-{}", rng.below(teams), rng.below(APPS_PER_TEAM)),
            "secrets:GetSecretValue".to_string(),
            format!("prod/{t}/app-{app}/shared/*"),
            "when { version_stage == \"AWSCURRENT\" }".to_string(),
        ),
        // The rotation function manages the team's secrets.
        85..=89 => (
            "allow",
            format!("service:rotator-{t}"),
            "secrets:GetSecretValue, secrets:PutSecretValue, secrets:UpdateSecretVersionStage".to_string(),
            format!("{env}/{t}/**"),
            String::new(),
        ),
        // Denies, about 5 % of team statements.
        90..=91 => (
            "deny",
            format!("user:contractor-*, group:{t}-interns"),
            "*".to_string(),
            format!("prod/{t}/app-{app}/**"),
            String::new(),
        ),
        92..=93 => (
            "deny",
            "*".to_string(),
            "secrets:GetSecretValue".to_string(),
            format!("{env}/{t}/app-{app}/**"),
            "when { version_stage == \"AWSPENDING\" }".to_string(),
        ),
        94 => (
            "deny",
            "*".to_string(),
            "secrets:DeleteSecret, secrets:RestoreSecret".to_string(),
            format!("{env}/{t}/**"),
            "unless { mfa and mfa_age <= 5m }".to_string(),
        ),
        // Break-glass: everything on the team's prod tree with very fresh MFA.
        _ => (
            "allow",
            format!("group:{t}-breakglass"),
            "*".to_string(),
            format!("prod/{t}/**"),
            "when { mfa and mfa_age <= 5m }".to_string(),
        ),
    };
    let _ = writeln!(out, "  {effect} \"s{j}\" {{");
    let _ = writeln!(out, "    principal {principal}");
    let _ = writeln!(out, "    action    {action}");
    let _ = writeln!(out, "    resource  {resource}");
    if !conditions.is_empty() {
        let _ = writeln!(out, "    {conditions}");
    }
    out.push_str("  }\n");
}

/// What a benchmark request is expected to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Allowed.
    Allowed,
    /// Denied by an explicit deny statement.
    Denied,
    /// Denied because no statement applied.
    NoMatch,
}

impl Expect {
    /// All three cases, in benchmark order.
    pub const ALL: [Expect; 3] = [Expect::Allowed, Expect::Denied, Expect::NoMatch];

    /// The name used in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Expect::Allowed => "allowed",
            Expect::Denied => "denied",
            Expect::NoMatch => "no_match",
        }
    }
}

/// The JSON text of the request for `case` against the set of `n` statements.
///
/// All three read the same prod secret of the target team, so the resource
/// index hands the engine the same candidate statements each time:
/// - allowed: the team's app, from inside the network;
/// - denied: the same app from outside the network (the global
///   `prod-network-only` deny);
/// - no match: a visitor who belongs to no team, from inside the network.
pub fn request_json(n: usize, case: Expect) -> String {
    let t = format!("team-{}", target_team(n));
    let (principal, groups, team_tag, ip) = match case {
        Expect::Allowed => (
            format!("service:{t}-app-{TARGET_APP}"),
            format!("group:{t}"),
            t.clone(),
            "10.1.2.3",
        ),
        Expect::Denied => (
            format!("service:{t}-app-{TARGET_APP}"),
            format!("group:{t}"),
            t.clone(),
            "203.0.113.7",
        ),
        Expect::NoMatch => (
            "user:visitor-7".to_string(),
            "group:visitors".to_string(),
            "visitors".to_string(),
            "10.1.2.3",
        ),
    };
    format!(
        r#"{{"principal": {{"id": "{principal}", "groups": ["{groups}"], "tags": {{"team": "{team_tag}"}}}}, "action": "secrets:GetSecretValue", "resource": {{"path": "prod/{t}/app-{TARGET_APP}/db-password", "tags": {{"env": "prod"}}}}, "context": {{"source_ip": "{ip}", "mfa": true, "mfa_age_seconds": 120, "version_stage": "AWSCURRENT", "time": "{TIME}"}}}}"#
    )
}
