//! `policy lint`, run as a real binary on temporary directories: every rule
//! fires on a bad example and stays quiet on its good counterpart;
//! suppression comments; text, JSON and SARIF output; exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

/// Every run uses this instant, so that `expired-window` is reproducible.
const NOW: &str = "2026-06-01T00:00:00Z";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Writes `files` into a fresh directory and runs `policy lint . ARGS` there.
fn run_in(files: &[(&str, &str)], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    run_at(dir.path(), &["lint", "."], args)
}

fn run_at(dir: &Path, head: &[&str], args: &[&str]) -> Run {
    let now: &[&str] = if args.contains(&"--now") {
        &[]
    } else {
        &["--now", NOW]
    };
    let output = Command::new(env!("CARGO_BIN_EXE_policy"))
        .current_dir(dir)
        .args(head)
        .args(now)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The findings for one policy file, as JSON.
fn findings(policy: &str) -> Vec<Value> {
    let run = run_in(&[("p.policy", policy)], &["--format", "json"]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    let list = value.as_array().unwrap().clone();
    assert_eq!(
        run.code == 1,
        !list.is_empty(),
        "exit code follows the findings"
    );
    list
}

/// `(rule, severity, statement)` of each finding.
fn summary(policy: &str) -> Vec<(String, String, String)> {
    findings(policy)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["statement"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Wraps statements in a policy.
fn policy(statements: &str) -> String {
    format!("policy \"p\" {{\n{statements}\n}}\n")
}

/// Asserts that `bad` yields exactly one finding of `rule` with `severity`,
/// for statement `statement`, among its findings.
fn assert_fires(bad: &str, rule: &str, severity: &str, statement: &str) {
    let found = summary(&policy(bad));
    let hits: Vec<_> = found.iter().filter(|(r, _, _)| r == rule).collect();
    assert_eq!(
        hits.len(),
        1,
        "{rule} should fire once on:\n{bad}\nfound {found:?}"
    );
    assert_eq!(hits[0].1, severity, "{bad}");
    assert_eq!(hits[0].2, statement, "{bad}");
}

/// Asserts that `good` yields no finding at all.
fn assert_clean(good: &str) {
    let found = summary(&policy(good));
    assert!(
        found.is_empty(),
        "expected no findings on:\n{good}\nfound {found:?}"
    );
}

#[test]
fn allow_all_actions() {
    let star = r#"allow "ops" { principal group:ops action * resource dev/app/** }"#;
    assert_fires(star, "allow-all-actions", "error", "ops");
    let negated = r#"allow "ops" { principal group:ops not action secrets:DeleteSecret resource dev/app/** }"#;
    assert_fires(negated, "allow-all-actions", "warning", "ops");
    let service = r#"allow "ops" { principal group:ops action secrets:* resource dev/app/** }"#;
    assert_fires(service, "allow-all-actions", "warning", "ops");
    assert_clean(
        r#"allow "ops" { principal group:ops action secrets:GetSecretValue, secrets:Describe* resource dev/app/** }
           deny "no-deletes" { principal * action * resource dev/app/locked/** }
           deny "read-only" { principal group:ops not action secrets:Get* resource dev/app/** }"#,
    );
}

#[test]
fn allow_all_resources() {
    let globstar = r#"allow "ops" { principal group:ops action secrets:GetSecretValue resource dev/app/**, ** }"#;
    assert_fires(globstar, "allow-all-resources", "error", "ops");
    let star = r#"allow "ops" { principal group:ops action secrets:GetSecretValue resource * when { mfa } }"#;
    assert_fires(star, "allow-all-resources", "error", "ops");
    let negated = r#"allow "ops" { principal group:ops action secrets:GetSecretValue not resource dev/secret/** when { mfa } }"#;
    assert_fires(negated, "allow-all-resources", "warning", "ops");
    assert_clean(
        r#"allow "ops" { principal group:ops action secrets:GetSecretValue resource dev/app/** }
           deny "contractors" { principal group:contractors action * not resource sandbox/** }
           deny "no-deletes" { principal * action secrets:DeleteSecret resource ** }"#,
    );
}

#[test]
fn prod_without_guard() {
    let plain = r#"allow "read" { principal service:api action secrets:GetSecretValue resource prod/api/** }"#;
    assert_fires(plain, "prod-without-guard", "warning", "read");
    let long_name = r#"allow "read" { principal service:api action secrets:GetSecretValue resource production/api/** }"#;
    assert_fires(long_name, "prod-without-guard", "warning", "read");
    let glob = r#"allow "read" { principal service:api action secrets:GetSecretValue resource */db when { version_stage == "AWSCURRENT" } }"#;
    assert_fires(glob, "prod-without-guard", "warning", "read");
    let variable = r#"allow "read" { principal service:api action secrets:GetSecretValue resource ${principal.tags.env}/api/** }"#;
    assert_fires(variable, "prod-without-guard", "warning", "read");
    // A guard that covers only some of the principals does not count.
    let partial_guard = r#"
      allow "read" { principal service:api, user:* action secrets:GetSecretValue resource prod/api/** }
      deny "people-need-mfa" { principal user:* action * resource prod/** unless { mfa } }"#;
    assert_fires(partial_guard, "prod-without-guard", "warning", "read");
    // A deny with another condition besides the guard is no guard.
    let conditional_guard = r#"
      allow "read" { principal service:api action secrets:GetSecretValue resource prod/api/** }
      deny "network" { principal * action * resource prod/** when { context.strict == true } unless { source_ip in 10.0.0.0/8 } }"#;
    assert_fires(conditional_guard, "prod-without-guard", "warning", "read");
    // Nor is one with a second way out that needs neither network nor MFA.
    let ticket_exemption = r#"
      allow "read" { principal service:api action secrets:GetSecretValue resource prod/api/** }
      deny "network" { principal * action * resource prod/** unless { source_ip in 10.0.0.0/8 } unless { context.ticket like "CHG-*" } }"#;
    assert_fires(ticket_exemption, "prod-without-guard", "warning", "read");

    assert_clean(
        r#"allow "network" { principal service:api action secrets:GetSecretValue resource prod/api/** when { source_ip in 10.0.0.0/8 } }
           allow "mfa" { principal group:sre action secrets:GetSecretValue resource prod/db/** when { mfa and mfa_age <= 15m } }
           allow "dev" { principal group:dev action secrets:GetSecretValue resource dev/**, staging/${principal.tags.team}/** }"#,
    );
    // A deny on the whole path, unless the network check passes, guards it;
    // two exemptions that each need the network or MFA still do.
    assert_clean(
        r#"allow "read" { principal service:api action secrets:GetSecretValue resource prod/api/** }
           deny "network-or-mfa" { principal * action * resource prod/** unless { source_ip in 10.0.0.0/8 } unless { mfa } }"#,
    );
    assert_clean(
        r#"allow "read" { principal service:api action secrets:GetSecretValue resource prod/api/** }
           deny "network" { principal * action * resource prod/** unless { source_ip in [10.0.0.0/8, fd00::/8] } }"#,
    );
    // An unconditional deny takes prod away entirely; `*/ci/**` cannot
    // reach `production/`, which this set never names.
    assert_clean(
        r#"allow "ci" { principal service:build-* action secrets:GetSecretValue resource */ci/** }
           deny "no-prod" { principal service:build-* action * resource prod/** }"#,
    );
}

#[test]
fn never_applies_when_shadowed_by_a_deny() {
    let everything = r#"
      allow "read" { principal group:dev action secrets:GetSecretValue resource dev/app/** }
      deny "lockdown" { principal * action * resource ** }"#;
    assert_fires(everything, "never-applies", "warning", "read");
    let prefix = r#"
      allow "read" { principal group:pay action secrets:GetSecretValue resource prod/payment/** when { source_ip in 10.0.0.0/8 } }
      deny "no-prod" { principal group:* action secrets:* resource prod/** }"#;
    assert_fires(prefix, "never-applies", "warning", "read");
    let negated = r#"
      allow "read" { principal service:build-x action secrets:GetSecretValue resource dev/app/** }
      deny "only-deployers" { not principal service:deploy-* action * resource dev/** }"#;
    assert_fires(negated, "never-applies", "warning", "read");

    assert_clean(
        r#"allow "read" { principal group:dev action secrets:GetSecretValue resource dev/** }
           deny "locked" { principal * action * resource dev/locked/** }
           deny "off-hours" { principal * action * resource dev/** when { time_of_day in 22:00 .. 06:00 } }
           deny "deletes" { principal * action secrets:DeleteSecret resource dev/** }
           deny "interns" { principal group:interns action * resource dev/** }"#,
    );
}

#[test]
fn never_applies_when_conditions_contradict() {
    let cases = [
        "when { time < 2026-01-01T00:00:00Z and time > 2027-01-01T00:00:00Z }",
        "when { mfa and not mfa }",
        r#"when { version_stage == "AWSCURRENT" and version_stage == "AWSPENDING" }"#,
        "when { mfa_age <= 5m and mfa_age > 10m }",
        r#"when { version_stage in ["AWSCURRENT"] } unless { version_stage == "AWSCURRENT" }"#,
        "when { has context.ticket } when { not has context.ticket }",
    ];
    for conditions in cases {
        let bad = format!(
            r#"allow "read" {{ principal group:dev action secrets:GetSecretValue resource dev/** {conditions} }}"#
        );
        assert_fires(&bad, "never-applies", "warning", "read");
    }
    let found = findings(&policy(
        r#"deny "d" { principal * action * resource dev/** when { mfa and not mfa } }"#,
    ));
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("applies only to requests without `mfa`"),
        "{message}"
    );
    assert_eq!(found[0]["line"], 2);

    assert_clean(
        r#"allow "read" { principal group:dev action secrets:GetSecretValue resource dev/**
             when { mfa_age <= 10m and mfa_age > 5m }
             when { mfa or context.break_glass == true }
             when { version_stage in ["AWSCURRENT", "AWSPREVIOUS"] and version_stage != "AWSPREVIOUS" }
             when { time_of_day in 22:00 .. 06:00 and time_of_day < 05:00 }
             when { weekday == Mon at +10:00 and weekday == Sun at -10:00 }
             unless { mfa and not mfa } }"#,
    );
}

#[test]
fn expired_window() {
    let range = r#"allow "audit-2025" { principal group:audit action secrets:DescribeSecret resource dev/**
                     when { time in 2025-01-01T00:00:00Z .. 2026-01-01T00:00:00Z } }"#;
    assert_fires(range, "expired-window", "warning", "audit-2025");
    let before = r#"deny "freeze" { principal * action secrets:PutSecretValue resource dev/**
                      when { time < 2026-05-31T00:00:00Z } }"#;
    assert_fires(before, "expired-window", "warning", "freeze");
    let unless = r#"allow "temp" { principal group:audit action secrets:DescribeSecret resource dev/**
                      unless { time >= 2026-05-01T00:00:00Z } }"#;
    assert_fires(unless, "expired-window", "warning", "temp");

    assert_clean(
        r#"allow "audit" { principal group:audit action secrets:DescribeSecret resource dev/**
             when { time in 2026-01-01T00:00:00Z .. 2027-01-01T00:00:00Z } }
           allow "since" { principal group:audit action secrets:DescribeSecret resource dev/a/**
             when { time >= 2020-01-01T00:00:00Z } }
           allow "either" { principal group:audit action secrets:DescribeSecret resource dev/b/**
             when { time < 2020-01-01T00:00:00Z or mfa } }"#,
    );
    // The same window, linted before it ends, is fine.
    let run = run_in(
        &[("p.policy", &policy(range))],
        &["--now", "2025-06-01T00:00:00Z", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn open_network() {
    let everything = r#"allow "read" { principal service:api action secrets:GetSecretValue resource dev/**
                          when { source_ip in [10.0.0.0/8, 0.0.0.0/0] } }"#;
    assert_fires(everything, "open-network", "error", "read");
    let v6 = r#"allow "read" { principal service:api action secrets:GetSecretValue resource dev/** when { source_ip in ::/0 } }"#;
    assert_fires(v6, "open-network", "error", "read");
    let halves = r#"allow "read" { principal service:api action secrets:GetSecretValue resource dev/**
                      when { source_ip in [0.0.0.0/1, 128.0.0.0/1] } }"#;
    assert_fires(halves, "open-network", "error", "read");
    let huge = r#"allow "read" { principal service:api action secrets:GetSecretValue resource dev/** when { source_ip in 0.0.0.0/1 } }"#;
    assert_fires(huge, "open-network", "note", "read");
    let exemption = r#"deny "network" { principal * action * resource dev/** unless { source_ip in [10.0.0.0/8, 0.0.0.0/0] } }"#;
    assert_fires(exemption, "open-network", "error", "network");

    assert_clean(
        r#"allow "read" { principal service:api action secrets:GetSecretValue resource dev/**
             when { source_ip in [10.0.0.0/8, 192.168.0.0/16, fd00::/8, fc00::/7] } }
           deny "blocklist" { principal * action * resource dev/** when { source_ip in 0.0.0.0/0 and context.lockdown == true } }
           deny "network" { principal * action * resource dev/** unless { source_ip in [10.0.0.0/8, fd00::/8] } }"#,
    );
}

#[test]
fn duplicate_statement() {
    let bad = r#"
      allow "a" { principal group:a, group:b action secrets:GetSecretValue resource dev/q/** when { (mfa) } }
      # Same thing, written differently.
      allow "b" {
        principal group:b, group:a
        action    secrets:GetSecretValue
        resource  dev/q/**
        when { mfa }
      }"#;
    assert_fires(bad, "duplicate-statement", "warning", "b");
    let found = findings(&policy(bad));
    let dup = found
        .iter()
        .find(|f| f["rule"] == "duplicate-statement")
        .unwrap();
    assert_eq!(dup["related"]["line"], 3);

    // Across files and policies too.
    let run = run_in(
        &[
            (
                "a.policy",
                r#"policy "a" { allow "x" { principal * action secrets:Get* resource dev/x/** } }"#,
            ),
            (
                "b.policy",
                r#"policy "b" { allow "y" { principal * action secrets:Get* resource dev/x/** } }"#,
            ),
        ],
        &["--format", "json"],
    );
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    let rules: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["duplicate-statement"]);
    assert_eq!(list[0]["file"], "./b.policy");

    assert_clean(
        r#"allow "a" { principal group:a action secrets:GetSecretValue resource dev/q/** when { mfa } }
           allow "b" { principal group:a action secrets:GetSecretValue resource dev/q/** when { source_ip in 10.0.0.0/8 } }
           deny "c" { principal group:a action secrets:GetSecretValue resource dev/q/** when { mfa } }"#,
    );
}

#[test]
fn overlapping_statement() {
    let bad = r#"
      allow "team" { principal group:team-* action secrets:Get* resource team/** }
      allow "team-a" { principal group:team-a action secrets:GetSecretValue resource team/a/** when { mfa } }"#;
    assert_fires(bad, "overlapping-statement", "note", "team-a");
    let message = findings(&policy(bad))[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("restrict nothing"), "{message}");
    // Two unconditional allows that cover each other: reported once.
    let mutual = r#"
      allow "one" { principal group:x action secrets:GetSecretValue resource team/{a,b}/** }
      allow "two" { principal group:x action secrets:GetSecretValue resource team/b/**, team/a/** }"#;
    assert_fires(mutual, "overlapping-statement", "note", "two");

    assert_clean(
        r#"allow "team" { principal group:team-* action secrets:Get* resource team/** when { mfa } }
           allow "team-a" { principal group:team-a action secrets:GetSecretValue resource team/a/** }
           allow "other" { principal group:team-a action secrets:GetSecretValue resource other/** }"#,
    );
}

#[test]
fn wildcard_in_equality() {
    let cases = [
        r#"when { context.ticket == "CHG-*" }"#,
        r#"unless { context.ticket != "INC-?" }"#,
        r#"when { version_stage in ["AWSCURRENT", "AWS*"] }"#,
        r#"when { principal.tags.team not in ["pay*"] }"#,
        r#"when { principal.groups contains "group:sre-*" }"#,
    ];
    for conditions in cases {
        let bad = format!(
            r#"allow "read" {{ principal group:dev action secrets:GetSecretValue resource dev/** {conditions} }}"#
        );
        assert_fires(&bad, "wildcard-in-equality", "warning", "read");
    }
    let found = findings(&policy(
        r#"allow "read" { principal group:dev action secrets:GetSecretValue resource dev/** when { context.ticket == "CHG-*" } }"#,
    ));
    assert!(
        found[0]["hint"]
            .as_str()
            .unwrap()
            .contains(r#"context.ticket like "CHG-*""#)
    );

    // Under a quantifier each item is compared exactly too; the hint keeps
    // the quantifier (and turns it over for an exclusion).
    for (conditions, hint) in [
        (
            r#"when { any context.scopes == "admin*" }"#,
            r#"any context.scopes like "admin*""#,
        ),
        (
            r#"when { all context.scopes not in ["x*"] }"#,
            r#"not any context.scopes like "x*""#,
        ),
    ] {
        let bad = format!(
            r#"allow "read" {{ principal group:dev action secrets:GetSecretValue resource dev/** {conditions} }}"#
        );
        assert_fires(&bad, "wildcard-in-equality", "warning", "read");
        let found = findings(&policy(&bad));
        assert!(
            found[0]["hint"].as_str().unwrap().contains(hint),
            "{found:?}"
        );
    }

    assert_clean(
        r#"allow "read" { principal group:dev action secrets:GetSecretValue resource dev/**
             when { any context.scopes like ["admin*"] and all context.parameters in ["ttl"] }
             when { context.ticket like "CHG-*" and version_stage == "AWSCURRENT" }
             unless { principal.tags.team ilike "CONTRACT*" or principal.groups contains "group:sre" } }"#,
    );
}

const SUPPRESSIBLE: &str = r#"policy "p" {
  # Break-glass role, reviewed in SEC-42.
  # lint: allow allow-all-actions, prod-without-guard -- approved
  allow "break-glass" {
    principal group:sre
    action    *
    resource  prod/**
  }

  # lint: allow allow-all-actions

  allow "gap" {
    principal group:sre
    action    *
    resource  dev/**
  }

  # lint: allow never-applies
  allow "other-rule" {
    principal group:sre
    action    *
    resource  dev/x/**
  }
}
"#;

#[test]
fn suppression_comments() {
    let found = findings(SUPPRESSIBLE);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["statement"].as_str().unwrap(),
            )
        })
        .collect();
    // `break-glass` is silenced; a blank line breaks the comment's hold on
    // `gap`; `other-rule` silences another rule only.
    assert!(!got.iter().any(|(_, s)| *s == "break-glass"), "{got:?}");
    assert!(got.contains(&("allow-all-actions", "gap")), "{got:?}");
    assert!(
        got.contains(&("allow-all-actions", "other-rule")),
        "{got:?}"
    );
}

#[test]
fn json_fields_and_locations() {
    let source = "policy \"p\" {\n  allow \"ops\" {\n    principal group:ops\n    action    *\n    resource  dev/app/**\n  }\n}\n";
    let found = findings(source);
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f["rule"], "allow-all-actions");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], "./p.policy");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(15))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(4), Some(16))
    );
    assert_eq!(f["policy"], "p");
    assert_eq!(f["statement"], "ops");
    assert!(f["message"].as_str().unwrap().contains("every action"));
    assert!(!f["hint"].as_str().unwrap().is_empty());
    for key in [
        "rule",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "hint",
    ] {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    // Columns count characters, not bytes.
    let unicode =
        "policy \"p\" {\n  allow \"é\" { principal group:ops action * resource \"dév/**\" }\n}\n";
    let found = findings(unicode);
    let star = found
        .iter()
        .find(|f| f["rule"] == "allow-all-actions")
        .unwrap();
    assert_eq!(
        (star["line"].as_u64(), star["column"].as_u64()),
        (Some(2), Some(42))
    );
}

fn sarif(files: &[(&str, &str)]) -> (Run, Value) {
    let run = run_in(files, &["--format", "sarif"]);
    let value = serde_json::from_str(&run.stdout).unwrap();
    (run, value)
}

#[test]
fn sarif_log_is_well_formed() {
    let bad = policy(
        r#"allow "ops" { principal group:ops action * resource ** when { source_ip in 0.0.0.0/1 } }
           allow "ops2" { principal group:ops action secrets:GetSecretValue resource dev/** }"#,
    );
    let (run, log) = sarif(&[("nested/dir/bad.policy", &bad)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "tessera-policy-lint");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique");
    for expected in [
        "allow-all-actions",
        "allow-all-resources",
        "prod-without-guard",
        "never-applies",
        "expired-window",
        "open-network",
        "duplicate-statement",
        "overlapping-statement",
        "wildcard-in-equality",
        "misspelt-key",
    ] {
        assert!(ids.contains(&expected), "{expected}");
    }
    let levels = ["none", "note", "warning", "error"];
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(!rule[key]["text"].as_str().unwrap().is_empty(), "{key}");
        }
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(levels.contains(&level));
    }

    let results = runs[0]["results"].as_array().unwrap();
    assert!(results.len() >= 3, "{results:?}");
    for result in results {
        let id = result["ruleId"].as_str().unwrap();
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(ids[index], id, "ruleIndex points at the rule");
        assert!(levels.contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let locations = result["locations"].as_array().unwrap();
        assert!(!locations.is_empty());
        for location in locations {
            let physical = &location["physicalLocation"];
            assert_eq!(physical["artifactLocation"]["uri"], "nested/dir/bad.policy");
            let region = &physical["region"];
            for key in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(region[key].as_u64().unwrap() >= 1, "{key} in {region}");
            }
            assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
        }
    }
    let levels_seen: HashSet<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert!(
        levels_seen.contains("error") && levels_seen.contains("note"),
        "{levels_seen:?}"
    );
    let note = results
        .iter()
        .find(|r| r["ruleId"] == "open-network")
        .unwrap();
    assert_eq!(note["level"], "note");
    assert_eq!(
        note["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
}

#[test]
fn sarif_without_findings_still_lists_the_rules() {
    let (run, log) = sarif(&[(
        "ok.policy",
        r#"policy "p" { allow "a" { principal group:a action secrets:GetSecretValue resource dev/** } }"#,
    )]);
    assert_eq!(run.code, 0);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn text_output() {
    let run = run_in(
        &[(
            "p.policy",
            &policy(r#"allow "ops" { principal group:ops action * resource dev/app/** }"#),
        )],
        &[],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with("error[allow-all-actions]: allow `p/ops` grants every action"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(" --> ./p.policy:2:42\n"),
        "{}",
        run.stdout
    );
    // The rule's label under the carets, the fix as `= help:`.
    assert!(
        run.stdout.contains("^ too many actions\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  = help: list only the actions"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1 finding(s) in 1 file(s), 1 statement(s): 1 error(s)")
    );
    assert!(!run.stdout.contains('\x1b'), "no colour when piped");

    let colored = run_in(
        &[(
            "p.policy",
            &policy(
                r#"allow "ops" { principal group:ops action secrets:GetSecretValue resource dev/app/** }
                                     allow "o2" { principal group:ops action secrets:GetSecretValue resource dev/app/x/** }"#,
            ),
        )],
        &["--color", "always"],
    );
    assert!(colored.stdout.contains('\x1b'), "{}", colored.stdout);
    let plain = run_in(
        &[(
            "p.policy",
            &policy(
                r#"allow "ops" { principal group:ops action secrets:GetSecretValue resource dev/app/** }
                                     allow "o2" { principal group:ops action secrets:GetSecretValue resource dev/app/x/** }"#,
            ),
        )],
        &["--color", "never"],
    );
    assert!(
        plain.stdout.starts_with("note[overlapping-statement]: "),
        "{}",
        plain.stdout
    );
    // The related statement is drawn as a secondary place, marked `-`.
    assert!(plain.stdout.contains("  | ----"), "{}", plain.stdout);
    assert!(!plain.stdout.contains('\x1b'), "{}", plain.stdout);

    let clean = run_in(
        &[(
            "p.policy",
            &policy(
                r#"allow "ops" { principal group:ops action secrets:GetSecretValue resource dev/app/** }"#,
            ),
        )],
        &[],
    );
    assert_eq!(clean.code, 0);
    assert!(
        clean.stdout.starts_with("ok: no findings"),
        "{}",
        clean.stdout
    );
}

#[test]
fn exit_codes_and_min_severity() {
    let notes_only = policy(
        r#"allow "broad" { principal group:ops action secrets:GetSecretValue resource dev/** }
           allow "narrow" { principal group:ops action secrets:GetSecretValue resource dev/x/** }"#,
    );
    assert_eq!(run_in(&[("p.policy", &notes_only)], &[]).code, 1);
    let warnings = run_in(
        &[("p.policy", &notes_only)],
        &["--min-severity", "warning", "--format", "json"],
    );
    assert_eq!(warnings.code, 0);
    assert_eq!(warnings.stdout.trim(), "[]");
    let disabled = run_in(
        &[("p.policy", &notes_only)],
        &["--disable", "overlapping-statement"],
    );
    assert_eq!(disabled.code, 0, "{}", disabled.stdout);

    let errors_only = run_in(
        &[(
            "p.policy",
            &policy(
                r#"allow "a" { principal * action * resource dev/** }
                                     allow "b" { principal * action secrets:GetSecretValue resource dev/x/** }"#,
            ),
        )],
        &["--min-severity", "error", "--format", "json"],
    );
    assert_eq!(errors_only.code, 1);
    let list: Value = serde_json::from_str(&errors_only.stdout).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "error")
    );

    // Compile errors: diagnostics on standard error, exit 2; with json the
    // errors are the results on stdout (tests/ci_output.rs covers each format).
    let broken = run_in(
        &[("p.policy", r#"policy "p" { alow "x" { } }"#)],
        &["--format", "json"],
    );
    assert_eq!(broken.code, 2);
    assert!(
        broken.stderr.contains("unknown-keyword"),
        "{}",
        broken.stderr
    );
    let results: Value = serde_json::from_str(&broken.stdout).unwrap();
    assert_eq!(results[0]["code"], "unknown-keyword", "{}", broken.stdout);
    assert_eq!(results[0]["severity"], "error");
    assert_eq!(results[0]["line"], 1);
    let text = run_in(&[("p.policy", r#"policy "p" { alow "x" { } }"#)], &[]);
    assert_eq!(text.code, 2);
    assert!(text.stdout.is_empty(), "{}", text.stdout);

    // Usage errors.
    assert_eq!(
        run_in(&[("p.policy", &notes_only)], &["--disable", "no-such-rule"]).code,
        2
    );
    assert_eq!(
        run_in(&[("p.policy", &notes_only)], &["--format", "xml"]).code,
        2
    );
    assert_eq!(
        run_in(&[("p.policy", &notes_only)], &["--now", "tomorrow"]).code,
        2
    );
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_at(dir.path(), &["lint", "missing.policy"], &[]).code, 2);
    assert_eq!(
        run_at(dir.path(), &["lint", "."], &[]).code,
        2,
        "no policy files"
    );
    let help = run_at(dir.path(), &["lint", "--help"], &[]);
    assert_eq!(help.code, 0);
    for flag in [
        "--format",
        "--min-severity",
        "--disable",
        "--now",
        "lint: allow",
    ] {
        assert!(help.stdout.contains(flag), "{flag} in --help");
    }
}

#[test]
fn corpus_policy_sets_lint() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let known: HashSet<&str> = [
        "allow-all-actions",
        "allow-all-resources",
        "prod-without-guard",
        "never-applies",
        "expired-window",
        "open-network",
        "duplicate-statement",
        "overlapping-statement",
        "wildcard-in-equality",
        "misspelt-key",
    ]
    .into_iter()
    .collect();
    let mut sets = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() || dir.ends_with("invalid") {
            continue;
        }
        sets += 1;
        // Linted at a fixed instant so that time windows do not expire under the test.
        let run = run_at(
            &dir,
            &["lint", "."],
            &["--format", "json", "--now", "2026-11-25T12:00:00Z"],
        );
        let list: Value = serde_json::from_str(&run.stdout).unwrap();
        for finding in list.as_array().unwrap() {
            assert!(
                known.contains(finding["rule"].as_str().unwrap()),
                "{finding}"
            );
        }
        assert_eq!(
            (run.code, list.as_array().unwrap().len()),
            (0, 0),
            "{}: the corpus should lint clean: {}",
            dir.display(),
            run.stdout
        );
    }
    assert!(sets > 0);
}

/// The `tessera` blocks of docs/lint.md: `bad RULE` blocks fire the rule,
/// `good RULE` and plain blocks yield no finding at all.
#[test]
fn documentation_examples() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/lint.md");
    let text = std::fs::read_to_string(docs).unwrap();
    let mut checked = HashSet::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```tessera") else {
            continue;
        };
        let block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let source = block.join("\n") + "\n";
        let words: Vec<&str> = info.split_whitespace().collect();
        let rules: Vec<String> = summary(&source).into_iter().map(|(r, _, _)| r).collect();
        match words.as_slice() {
            ["bad", rule] => {
                assert!(
                    rules.iter().any(|r| r == rule),
                    "{rule} should fire on:\n{source}\ngot {rules:?}"
                );
                checked.insert((*rule).to_string());
            }
            ["good", rule] => {
                assert!(
                    rules.is_empty(),
                    "good example for {rule} has findings {rules:?}:\n{source}"
                );
            }
            [] => assert!(
                rules.is_empty(),
                "example has findings {rules:?}:\n{source}"
            ),
            other => panic!("unknown example tag {other:?}"),
        }
    }
    assert_eq!(
        checked.len(),
        10,
        "every rule has a bad example: {checked:?}"
    );
}

#[test]
fn misspelt_key_names_the_spelling_other_statements_use() {
    let text = r#"policy "p" {
  deny "a" { principal * action secrets:PutSecretValue resource app/** unless { context.incident == "x" } }
  deny "b" { principal * action secrets:DeleteSecret resource app/** unless { context.incident == "y" } }
  allow "c" { principal group:ops action secrets:GetSecretValue resource app/** when { context.incidnet == "z" and context.zone1 == "a" } }
  allow "d" { principal group:ops action secrets:GetSecretValue resource dev/${principal.tags.Team}/** when { context.zone2 == "b" } }
  allow "e" { principal group:ops action secrets:GetSecretValue resource qa/** when { principal.tags.team == "t" and principal.tags.team_name == "n" } }
}
"#;
    let found = summary(text);
    let misspelt: Vec<_> = found
        .iter()
        .filter(|(r, _, _)| r == "misspelt-key")
        .collect();
    // `incidnet` (one swap from a key two statements read) and one of
    // `Team`/`team` (case only; read once each, the later is reported).
    // `zone1`/`zone2` differ in digits only; `team`/`team_name` are far apart.
    let statements: Vec<&str> = misspelt.iter().map(|(_, _, s)| s.as_str()).collect();
    assert_eq!(statements, ["c", "e"], "{found:?}");
    assert!(
        misspelt
            .iter()
            .all(|(_, severity, _)| severity == "warning")
    );
}
