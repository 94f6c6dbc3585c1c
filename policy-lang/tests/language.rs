//! Valid inputs for every language feature, checked against the lowered AST,
//! plus a check that every example in LANGUAGE.md parses.
//!
//! Most cases are one line: a source fragment and a compact rendering of what
//! it must lower to. Each case is its own named test, so a failure names it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use policy_lang::{
    BlockKind, ConditionBlock, Effect, Expr, ExprKind, Matcher, MatcherKind, Operand, Pattern,
    PatternNode, PolicyFile, Statement, ValueKind, parse, parse_set,
};

/// The sample policy of the brief; LANGUAGE.md's worked example must match it.
const SAMPLE: &str = r#"policy "payments" {
  allow "read-current-payment-secrets" {
    principal  service:payments-*, group:payments-oncall
    action     secrets:GetSecretValue, secrets:DescribeSecret
    resource   prod/payment/**
    when {
      version_stage in ["AWSCURRENT", "AWSPREVIOUS"]
      source_ip in [10.0.0.0/8, fd00::/8]
      mfa and mfa_age <= 15m
      time in 2026-01-01T00:00:00Z .. 2027-01-01T00:00:00Z
    }
  }
  deny "prod-secrets-never-leave-the-network" {
    principal *
    action    *
    resource  prod/**
    unless { source_ip in 10.0.0.0/8 }
  }
}
"#;

// ---------------------------------------------------------------------------
// Helpers.

/// Parses or fails the test with every diagnostic rendered.
fn parse_ok(source: &str) -> PolicyFile {
    match parse("test.policy", source) {
        Ok(file) => file,
        Err(error) => {
            let rendered: Vec<String> = error
                .diagnostics()
                .iter()
                .map(|d| d.render(source))
                .collect();
            panic!(
                "expected a clean parse of\n{source}\nbut got:\n{}",
                rendered.join("\n")
            );
        }
    }
}

/// One statement with the given body inside one policy.
fn statement(body: &str) -> Statement {
    let source = format!("policy \"p\" {{\n  allow \"s\" {{\n{body}\n  }}\n}}\n");
    let mut file = parse_ok(&source);
    assert_eq!(file.policies.len(), 1);
    let mut policy = file.policies.remove(0);
    assert_eq!(policy.statements.len(), 1);
    policy.statements.remove(0)
}

/// A statement whose other two matcher lines are `*`, rendered by `kind`.
fn matcher_line(line: &str) -> String {
    let kind = line
        .trim_start()
        .trim_start_matches("not ")
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let mut body = String::new();
    for k in ["principal", "action", "resource"] {
        if k == kind {
            body.push_str(&format!("    {line}\n"));
        } else {
            body.push_str(&format!("    {k} *\n"));
        }
    }
    let s = statement(&body);
    let m = match kind.as_str() {
        "principal" => &s.principal,
        "action" => &s.action,
        _ => &s.resource,
    };
    show_matcher(m)
}

/// The conditions of `when { CONDITION }`, one expression per line, rendered.
fn when(condition: &str) -> String {
    let s = statement(&format!(
        "    principal *\n    action *\n    resource *\n    when {{\n      {condition}\n    }}"
    ));
    assert_eq!(s.conditions.len(), 1);
    show_block(&s.conditions[0])
}

fn show_matcher(m: &Matcher) -> String {
    let patterns: Vec<String> = m.patterns.iter().map(show_pattern).collect();
    format!(
        "{}{} {}",
        if m.negated { "not " } else { "" },
        m.kind.keyword(),
        patterns.join(", ")
    )
}

/// Glob text as written; variables as `<key>`; group patterns prefixed `group=`.
fn show_pattern(p: &Pattern) -> String {
    let mut out = String::new();
    if p.is_group {
        out.push_str("group=");
    }
    for node in &p.nodes {
        match node {
            PatternNode::Variable(key) => out.push_str(&format!("<{key}>")),
            node => out.push_str(&node.to_string()),
        }
    }
    out
}

fn show_block(b: &ConditionBlock) -> String {
    let exprs: Vec<String> = b.exprs.iter().map(show).collect();
    let kind = match b.kind {
        BlockKind::When => "when",
        BlockKind::Unless => "unless",
    };
    format!("{kind}[{}]", exprs.join("; "))
}

/// An s-expression: `(op key operand)`, `(and a b)`, `(not a)`, `(group a)`,
/// `(has key)`, a bare key for a truthy test. Typed literals are tagged.
fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::And(items) => format!("(and {})", join(items)),
        ExprKind::Or(items) => format!("(or {})", join(items)),
        ExprKind::Not(inner) => format!("(not {})", show(inner)),
        ExprKind::Group(inner) => format!("(group {})", show(inner)),
        ExprKind::Has(key) => format!("(has {key})"),
        ExprKind::Truthy(key) => key.to_string(),
        ExprKind::CompareKeys(c) => format!("({} {} {})", c.op.symbol(), c.left, c.right),
        ExprKind::Quantified(q) => {
            let inner = Expr {
                kind: ExprKind::Compare(q.comparison.clone()),
                comments: Default::default(),
                span: e.span,
            };
            format!("({} {})", q.quantifier.keyword(), show(&inner))
        }
        ExprKind::Compare(c) => {
            let operand = match &c.operand {
                Operand::Value(v) => show_value(&v.kind),
                Operand::List(items) => {
                    let items: Vec<String> = items.iter().map(|v| show_value(&v.kind)).collect();
                    format!("[{}]", items.join(", "))
                }
                Operand::Range(a, b) => format!("{}..{}", show_value(&a.kind), show_value(&b.kind)),
            };
            let offset = c
                .offset
                .as_ref()
                .map_or(String::new(), |o| format!(" @{}", o.seconds_east));
            format!("({} {} {operand}{offset})", c.op.symbol(), c.key)
        }
    }
}

fn join(items: &[Expr]) -> String {
    items.iter().map(show).collect::<Vec<_>>().join(" ")
}

fn show_value(v: &ValueKind) -> String {
    match v {
        ValueKind::String(s) => format!("{s:?}"),
        ValueKind::Number(n) => format!("num:{n}"),
        ValueKind::Bool(b) => format!("bool:{b}"),
        ValueKind::Ip(ip) => format!("ip:{ip}"),
        ValueKind::Cidr(net) => format!("cidr:{net}"),
        ValueKind::Timestamp(t) => format!("ts:{}", t.to_rfc3339()),
        ValueKind::Duration(d) => format!("dur:{d}"),
        ValueKind::TimeOfDay(t) => format!("tod:{t}"),
        ValueKind::Weekday(d) => format!("day:{d}"),
    }
}

/// `name: input => rendering;` lines, each a named test running `$render`.
macro_rules! cases {
    ($render:ident { $($name:ident: $input:expr => $want:expr;)* }) => {
        $(
            #[test]
            fn $name() {
                assert_eq!($render($input), $want, "input: {}", $input);
            }
        )*
    };
}

// ---------------------------------------------------------------------------
// Matchers and globs.

mod matchers {
    use super::*;

    cases!(matcher_line {
        // Resources: every glob form.
        resource_star: "resource *" => "resource *";
        resource_double_star: "resource **" => "resource **";
        resource_subtree: "resource prod/payment/**" => "resource prod/payment/**";
        resource_middle_double_star: "resource prod/**/db" => "resource prod/**/db";
        resource_leading_double_star: "resource **/db" => "resource **/db";
        resource_one_segment_star: "resource prod/*/db" => "resource prod/*/db";
        resource_question: "resource prod/db-?" => "resource prod/db-?";
        resource_class: "resource prod/db-[a-z]" => "resource prod/db-[a-z]";
        resource_negated_class: "resource prod/db-[!0-9]" => "resource prod/db-[!0-9]";
        resource_literal_star_class: "resource prod/[*]" => "resource prod/[*]";
        resource_alternatives: "resource {prod,staging}/payment/*" => "resource {prod,staging}/payment/*";
        resource_several: "resource prod/a/*, prod/b/**" => "resource prod/a/*, prod/b/**";
        resource_quoted: r#"resource "prod/odd name/#1""# => "resource prod/odd name/#1";
        resource_quoted_escape: r#"resource "prod/say \"hi\"""# => "resource prod/say \"hi\"";
        resource_punctuation: "resource prod/a.b_c-d@e+f=g!h%i~j:k" => "resource prod/a.b_c-d@e+f=g!h%i~j:k";
        not_resource: "not resource prod/**" => "not resource prod/**";
        // Policy variables in resources.
        variable_principal_tag: "resource prod/${principal.tags.team}/**" => "resource prod/<principal.tags.team>/**";
        variable_principal_id: "resource home/${principal.id}/*" => "resource home/<principal.id>/*";
        variable_context: "resource tickets/${context.ticket}" => "resource tickets/<context.ticket>";
        variable_resource_tag: "resource ${resource.tags.env}/app" => "resource <resource.tags.env>/app";
        variable_version_stage: "resource x/${version_stage}" => "resource x/<version_stage>";
        variable_inside_segment: "resource prod/team-${principal.tags.team}-*" => "resource prod/team-<principal.tags.team>-*";
        variable_two: "resource ${principal.tags.env}/${principal.tags.team}/*" => "resource <principal.tags.env>/<principal.tags.team>/*";
        variable_quoted: r#"resource "prod/${principal.id}/x y""# => "resource prod/<principal.id>/x y";
        variable_with_alternatives: "resource {prod,dev}/${principal.id}" => "resource {prod,dev}/<principal.id>";
        dollar_without_brace_is_literal: "resource prod/$x" => "resource prod/$x";
        // Actions.
        action_exact: "action secrets:GetSecretValue" => "action secrets:GetSecretValue";
        action_wildcard: "action secrets:Get*" => "action secrets:Get*";
        action_list: "action secrets:GetSecretValue, secrets:DescribeSecret" => "action secrets:GetSecretValue, secrets:DescribeSecret";
        action_any: "action *" => "action *";
        action_question: "action secrets:?etSecretValue" => "action secrets:?etSecretValue";
        action_alternatives: "action secrets:{Get,Describe}*" => "action secrets:{Get,Describe}*";
        not_action: "not action secrets:Delete*, secrets:Put*" => "not action secrets:Delete*, secrets:Put*";
        // Principals: ids, globs and groups.
        principal_id: "principal user:alice" => "principal user:alice";
        principal_glob: "principal service:payments-*" => "principal service:payments-*";
        principal_group: "principal group:payments-oncall" => "principal group=group:payments-oncall";
        principal_group_glob: "principal group:payments-*" => "principal group=group:payments-*";
        principal_mixed: "principal service:payments-*, group:payments-oncall" => "principal service:payments-*, group=group:payments-oncall";
        principal_quoted_group: r#"principal "group:on call""# => "principal group=group:on call";
        principal_groupish_id_is_not_group: "principal user:group:x" => "principal user:group:x";
        not_principal: "not principal group:contractors" => "not principal group=group:contractors";
    });

    #[test]
    fn group_flag_only_on_principals() {
        // `group:` in an action or resource is plain text.
        assert_eq!(matcher_line("action group:x"), "action group:x");
        assert_eq!(matcher_line("resource group:x/*"), "resource group:x/*");
    }

    #[test]
    fn match_all_and_variables_helpers() {
        let s = statement(
            "    principal *\n    action **\n    resource prod/${principal.tags.team}/**",
        );
        assert!(s.principal.patterns[0].is_match_all());
        assert!(s.action.patterns[0].is_match_all());
        assert!(!s.resource.patterns[0].is_match_all());
        assert!(s.resource.patterns[0].has_variables());
        assert_eq!(
            s.resource.patterns[0].source_text(),
            "prod/${principal.tags.team}/**"
        );
    }

    #[test]
    fn matcher_lines_in_any_order_and_negation_flags() {
        let s = statement(
            "    resource prod/**\n    not action secrets:Delete*\n    principal group:ops",
        );
        assert_eq!(s.principal.kind, MatcherKind::Principal);
        assert!(!s.principal.negated);
        assert!(s.action.negated);
        assert!(!s.resource.negated);
        assert!(s.principal.patterns[0].is_group);
    }
}

// ---------------------------------------------------------------------------
// Conditions.

mod conditions {
    use super::*;

    cases!(when {
        // Strings.
        string_eq: r#"version_stage == "AWSCURRENT""# => r#"when[(== version_stage "AWSCURRENT")]"#;
        string_ne: r#"version_stage != "AWSPENDING""# => r#"when[(!= version_stage "AWSPENDING")]"#;
        string_in: r#"version_stage in ["AWSCURRENT", "AWSPREVIOUS"]"# => r#"when[(in version_stage ["AWSCURRENT", "AWSPREVIOUS"])]"#;
        string_in_trailing_comma: r#"version_stage in ["AWSCURRENT",]"# => r#"when[(in version_stage ["AWSCURRENT"])]"#;
        string_not_in: r#"version_stage not in ["AWSPENDING"]"# => r#"when[(not in version_stage ["AWSPENDING"])]"#;
        string_like: r#"context.ticket like "CHG-*""# => r#"when[(like context.ticket "CHG-*")]"#;
        string_ilike: r#"context.ticket ilike "chg-[0-9]*""# => r#"when[(ilike context.ticket "chg-[0-9]*")]"#;
        string_empty: r#"version_stage == """# => r#"when[(== version_stage "")]"#;
        string_escapes: r#"context.note == "a\"b\\c\nd\te""# => r#"when[(== context.note "a\"b\\c\nd\te")]"#;
        string_unicode: r#"principal.tags.owner == "Zoë""# => r#"when[(== principal.tags.owner "Zoë")]"#;
        principal_tag: r#"principal.tags.team == "payments""# => r#"when[(== principal.tags.team "payments")]"#;
        resource_tag: r#"resource.tags.env == "prod""# => r#"when[(== resource.tags.env "prod")]"#;
        principal_id_like: r#"principal.id like "service:*""# => r#"when[(like principal.id "service:*")]"#;
        resource_path_like: r#"resource.path like "prod/*/db""# => r#"when[(like resource.path "prod/*/db")]"#;
        action_eq: r#"action == "secrets:GetSecretValue""# => r#"when[(== action "secrets:GetSecretValue")]"#;
        groups_contains: r#"principal.groups contains "group:x""# => r#"when[(contains principal.groups "group:x")]"#;
        // Custom attributes: typed by their literal.
        context_string: r#"context.ticket == "CHG-1""# => r#"when[(== context.ticket "CHG-1")]"#;
        context_number_gt: "context.risk_score > 3" => "when[(> context.risk_score num:3)]";
        context_number_le_negative: "context.delta <= -1.5" => "when[(<= context.delta num:-1.5)]";
        context_number_eq: "context.count == 10" => "when[(== context.count num:10)]";
        context_number_in_list: "context.level in [1, 2, 3]" => "when[(in context.level [num:1, num:2, num:3])]";
        context_number_range: "context.level in 1 .. 5" => "when[(in context.level num:1..num:5)]";
        context_bool_bare: "context.break_glass" => "when[context.break_glass]";
        context_bool_eq: "context.break_glass == true" => "when[(== context.break_glass bool:true)]";
        context_ip_in: "context.client_ip in 10.0.0.0/8" => "when[(in context.client_ip cidr:10.0.0.0/8)]";
        context_ip_eq: "context.client_ip == 10.1.2.3" => "when[(== context.client_ip ip:10.1.2.3)]";
        context_name_with_dash: r#"context.change-id == "x""# => r#"when[(== context.change-id "x")]"#;
        // Quantifiers: each item of a set compared, joined with `or` / `and`.
        any_groups_like: r#"any principal.groups like "group:ops-*""# => r#"when[(any (like principal.groups "group:ops-*"))]"#;
        all_groups_in: r#"all principal.groups in ["a", "b"]"# => r#"when[(all (in principal.groups ["a", "b"]))]"#;
        all_object_names_in: r#"all context.parameters in ["ttl", "policies"]"# => r#"when[(all (in context.parameters ["ttl", "policies"]))]"#;
        any_number_gt: "any context.scores > 3" => "when[(any (> context.scores num:3))]";
        all_number_range: "all context.ports in 1 .. 1024" => "when[(all (in context.ports num:1..num:1024))]";
        any_bool: "any context.flags == true" => "when[(any (== context.flags bool:true))]";
        any_cidr: "any context.addresses in 10.0.0.0/8" => "when[(any (in context.addresses cidr:10.0.0.0/8))]";
        all_ne: r#"all context.scopes != "admin""# => r#"when[(all (!= context.scopes "admin"))]"#;
        all_not_in: r#"all context.scopes not in ["admin"]"# => r#"when[(all (not in context.scopes ["admin"]))]"#;
        any_ilike_list: r#"any context.scopes ilike ["read:*", "list:*"]"# => r#"when[(any (ilike context.scopes ["read:*", "list:*"]))]"#;
        any_timestamp: "any context.expiries < 2026-01-01T00:00:00Z" => "when[(any (< context.expiries ts:2026-01-01T00:00:00+00:00))]";
        any_duration: "all context.ttls <= 1h" => "when[(all (<= context.ttls dur:3600))]";
        quantifier_nested_key: r#"all context.parameters.policies in ["default"]"# => r#"when[(all (in context.parameters.policies ["default"]))]"#;
        quantifier_in_logic: r#"has context.tags and not any context.tags == "x""# => r#"when[(and (has context.tags) (not (any (== context.tags "x"))))]"#;
        any_as_a_name: r#"context.any == "x" and context.all == 1"# => r#"when[(and (== context.any "x") (== context.all num:1))]"#;
        // `like` with a list of patterns.
        like_list: r#"resource.path like ["prod/*", "staging/*"]"# => r#"when[(like resource.path ["prod/*", "staging/*"])]"#;
        ilike_list_custom: r#"context.ticket ilike ["chg-*", "inc-*",]"# => r#"when[(ilike context.ticket ["chg-*", "inc-*"])]"#;
        // Nested custom attributes.
        nested_context: "context.parameters.ttl <= 3600" => "when[(<= context.parameters.ttl num:3600)]";
        nested_context_quoted: r#"context.parameters."max-ttl" == "1h""# => r#"when[(== context.parameters.max-ttl "1h")]"#;
        nested_context_quoted_dot: r#"context.a."b.c" == "x""# => r#"when[(== context.a."b.c" "x")]"#;
        nested_context_has: "has context.a.b.c" => "when[(has context.a.b.c)]";
        nested_context_bare: "context.flags.break_glass" => "when[context.flags.break_glass]";
        nested_context_keys: "context.a.b == context.c.d" => "when[(== context.a.b context.c.d)]";
        nested_context_eight: "has context.a.b.c.d.e.f.g.h" => "when[(has context.a.b.c.d.e.f.g.h)]";
        // Booleans.
        mfa_bare: "mfa" => "when[mfa]";
        mfa_eq_false: "mfa == false" => "when[(== mfa bool:false)]";
        mfa_ne_true: "mfa != true" => "when[(!= mfa bool:true)]";
        mfa_not: "not mfa" => "when[(not mfa)]";
        // IPs and CIDRs, v4 and v6.
        ip_in_cidr_v4: "source_ip in 10.0.0.0/8" => "when[(in source_ip cidr:10.0.0.0/8)]";
        ip_in_cidr_v6: "source_ip in fd00::/8" => "when[(in source_ip cidr:fd00::/8)]";
        ip_eq_v4: "source_ip == 10.1.2.3" => "when[(== source_ip ip:10.1.2.3)]";
        ip_eq_v6: "source_ip == fd00::1" => "when[(== source_ip ip:fd00::1)]";
        ip_ne: "source_ip != 10.1.2.3" => "when[(!= source_ip ip:10.1.2.3)]";
        ip_in_single_address: "source_ip in 10.1.2.3" => "when[(in source_ip ip:10.1.2.3)]";
        ip_in_mixed_list: "source_ip in [10.0.0.0/8, 192.168.1.7, fd00::/8, ::1]" => "when[(in source_ip [cidr:10.0.0.0/8, ip:192.168.1.7, cidr:fd00::/8, ip:::1])]";
        ip_not_in: "source_ip not in [10.66.0.0/16]" => "when[(not in source_ip [cidr:10.66.0.0/16])]";
        ip_cidr_zero: "source_ip in 0.0.0.0/0" => "when[(in source_ip cidr:0.0.0.0/0)]";
        ip_cidr_v6_any: "source_ip in ::/0" => "when[(in source_ip cidr:::/0)]";
        ip_cidr_full_length: "source_ip in 10.1.2.3/32" => "when[(in source_ip cidr:10.1.2.3/32)]";
        // Timestamps.
        time_lt: "time < 2027-01-01T00:00:00Z" => "when[(< time ts:2027-01-01T00:00:00+00:00)]";
        time_ge_offset: "time >= 2026-06-01T09:00:00+02:00" => "when[(>= time ts:2026-06-01T09:00:00+02:00)]";
        time_range: "time in 2026-01-01T00:00:00Z .. 2027-01-01T00:00:00Z" => "when[(in time ts:2026-01-01T00:00:00+00:00..ts:2027-01-01T00:00:00+00:00)]";
        time_fraction: "time > 2026-01-01T00:00:00.5Z" => "when[(> time ts:2026-01-01T00:00:00.500+00:00)]";
        // Durations.
        duration_minutes: "mfa_age <= 15m" => "when[(<= mfa_age dur:900)]";
        duration_compound: "mfa_age <= 1h30m" => "when[(<= mfa_age dur:5400)]";
        duration_all_units: "mfa_age < 1d2h3m4s" => "when[(< mfa_age dur:93784)]";
        duration_seconds: "mfa_age > 0s" => "when[(> mfa_age dur:0)]";
        duration_days: "mfa_age >= 7d" => "when[(>= mfa_age dur:604800)]";
        duration_eq: "mfa_age == 30s" => "when[(== mfa_age dur:30)]";
        duration_range: "mfa_age in 0s .. 15m" => "when[(in mfa_age dur:0..dur:900)]";
        // Clock keys.
        time_of_day_range_offset: "time_of_day in 09:00 .. 17:00 at +02:00" => "when[(in time_of_day tod:32400..tod:61200 @7200)]";
        time_of_day_default_utc: "time_of_day in 09:00 .. 17:00" => "when[(in time_of_day tod:32400..tod:61200)]";
        time_of_day_wraps: "time_of_day in 22:00 .. 06:00" => "when[(in time_of_day tod:79200..tod:21600)]";
        time_of_day_seconds: "time_of_day >= 08:30:15" => "when[(>= time_of_day tod:30615)]";
        time_of_day_end_of_day: "time_of_day in 18:00 .. 24:00" => "when[(in time_of_day tod:64800..tod:86400)]";
        time_of_day_negative_offset: "time_of_day < 12:00 at -05:30" => "when[(< time_of_day tod:43200 @-19800)]";
        weekday_list_offset: "weekday in [Mon, Fri] at UTC-05:00" => "when[(in weekday [day:0, day:4] @-18000)]";
        weekday_eq: "weekday == Sun" => "when[(== weekday day:6)]";
        weekday_long_names: "weekday in [monday, Tuesday, WED]" => "when[(in weekday [day:0, day:1, day:2])]";
        weekday_quoted: r#"weekday == "Sat""# => "when[(== weekday day:5)]";
        weekday_not_in: "weekday not in [Sat, Sun]" => "when[(not in weekday [day:5, day:6])]";
        offset_utc: "weekday == Mon at UTC" => "when[(== weekday day:0 @0)]";
        offset_z: "weekday == Mon at Z" => "when[(== weekday day:0 @0)]";
        offset_utc_plus_hours: "weekday == Mon at UTC+2" => "when[(== weekday day:0 @7200)]";
        offset_plus_fourteen: "weekday == Mon at +14:00" => "when[(== weekday day:0 @50400)]";
        // `has`.
        has_fixed: "has mfa_age" => "when[(has mfa_age)]";
        has_custom: "has context.ticket" => "when[(has context.ticket)]";
        has_tag: "has principal.tags.team" => "when[(has principal.tags.team)]";
        // Connectives and precedence: not > and > or.
        and_chain: "mfa and mfa_age <= 15m and has context.x" => "when[(and mfa (<= mfa_age dur:900) (has context.x))]";
        or_chain: "mfa or has context.x" => "when[(or mfa (has context.x))]";
        and_binds_tighter_than_or: "mfa or context.a and context.b" => "when[(or mfa (and context.a context.b))]";
        not_binds_tighter_than_and: "not mfa and context.a" => "when[(and (not mfa) context.a)]";
        not_applies_to_comparison: "not source_ip in 10.0.0.0/8" => "when[(not (in source_ip cidr:10.0.0.0/8))]";
        double_not: "not not mfa" => "when[(not (not mfa))]";
        parentheses: "(mfa or context.a) and context.b" => "when[(and (group (or mfa context.a)) context.b)]";
        not_group: "not (mfa and context.a)" => "when[(not (group (and mfa context.a)))]";
        nested_groups: "((mfa))" => "when[(group (group mfa))]";
        absence_handled: r#"not has context.ticket or context.ticket like "CHG-*""# => r#"when[(or (not (has context.ticket)) (like context.ticket "CHG-*"))]"#;
        // Lines of a block are separate expressions, joined with `and`.
        lines_are_separate: "mfa\n      mfa_age <= 15m\n      source_ip in 10.0.0.0/8" => "when[mfa; (<= mfa_age dur:900); (in source_ip cidr:10.0.0.0/8)]";
        operator_across_lines: "mfa\n      and has context.x" => "when[(and mfa (has context.x))]";
        keywords_inside_names: "context.android and context.order" => "when[(and context.android context.order)]";
        keywords_after_a_dot: r#"context.in == "x" and has context.not"# => r#"when[(and (== context.in "x") (has context.not))]"#;
        not_at_line_start_is_a_new_condition: "mfa\n      not has context.x" => "when[mfa; (not (has context.x))]";
    });

    #[test]
    fn unless_blocks_and_several_blocks() {
        let s = statement(
            "    principal *\n    action *\n    resource prod/**\n    when { mfa }\n    unless { source_ip in 10.0.0.0/8 }\n    when { has context.ticket }",
        );
        let blocks: Vec<String> = s.conditions.iter().map(show_block).collect();
        assert_eq!(
            blocks,
            [
                "when[mfa]",
                "unless[(in source_ip cidr:10.0.0.0/8)]",
                "when[(has context.ticket)]",
            ]
        );
    }
}

// ---------------------------------------------------------------------------
// Files, policies and statements.

mod structure {
    use super::*;

    #[test]
    fn empty_file_and_comment_only_file() {
        assert!(parse_ok("").policies.is_empty());
        let file = parse_ok("# nothing here\n   \n# still nothing\n");
        assert!(file.policies.is_empty());
        assert_eq!(file.trailing_comments.len(), 2);
    }

    #[test]
    fn empty_policy() {
        let file = parse_ok("policy \"empty\" {}");
        assert_eq!(file.policies[0].name, "empty");
        assert!(file.policies[0].statements.is_empty());
    }

    #[test]
    fn allow_and_deny_with_names_and_order_kept() {
        let file = parse_ok(
            r#"policy "p" {
  deny "d" { principal * action * resource x }
  allow "a" { principal * action * resource x }
}"#,
        );
        let statements = &file.policies[0].statements;
        assert_eq!(statements[0].effect, Effect::Deny);
        assert_eq!(statements[0].name, "d");
        assert_eq!(statements[1].effect, Effect::Allow);
        assert_eq!(statements[1].name, "a");
    }

    #[test]
    fn same_statement_name_in_two_policies_is_fine() {
        let file = parse_ok(
            r#"policy "p" { allow "read" { principal * action * resource x } }
policy "q" { allow "read" { principal * action * resource x } }"#,
        );
        assert_eq!(file.policies.len(), 2);
    }

    #[test]
    fn names_may_hold_any_text() {
        let file = parse_ok(
            r#"policy "team: payments (prod)" { allow "say \"hi\"" { principal * action * resource x } }"#,
        );
        assert_eq!(file.policies[0].name, "team: payments (prod)");
        assert_eq!(file.policies[0].statements[0].name, "say \"hi\"");
    }

    #[test]
    fn one_line_layout() {
        let s = statement(
            "principal * action * resource prod/** when { mfa } unless { has context.x }",
        );
        assert_eq!(s.conditions.len(), 2);
        assert_eq!(show_matcher(&s.resource), "resource prod/**");
    }

    #[test]
    fn comments_everywhere() {
        let file = parse_ok(
            r#"# Leading comment.
policy "p" { # after the brace
  # above the statement
  allow "a" {
    principal * # trailing
    # between lines
    action *
    resource prod/** # a resource comment
    when {
      # above a condition
      mfa # trailing on a condition
    }
  }
  # at the end of the policy
}
# at the end of the file
"#,
        );
        let policy = &file.policies[0];
        assert_eq!(policy.comments.leading[0].text, " Leading comment.");
        let statement = &policy.statements[0];
        assert!(!statement.comments.leading.is_empty());
        assert_eq!(
            statement
                .principal
                .comments
                .trailing
                .as_ref()
                .map(|c| c.text.as_str()),
            Some(" trailing")
        );
        assert_eq!(
            statement.conditions[0].exprs[0].comments.leading[0].text,
            " above a condition"
        );
        assert_eq!(
            policy.inner_trailing_comments[0].text,
            " at the end of the policy"
        );
        assert_eq!(file.trailing_comments[0].text, " at the end of the file");
    }

    #[test]
    fn hash_inside_strings_is_not_a_comment() {
        let s = statement(
            r##"    principal *
    action *
    resource "prod/#1"
    when { context.ticket == "#42" }"##,
        );
        assert_eq!(show_matcher(&s.resource), "resource prod/#1");
        assert_eq!(
            show_block(&s.conditions[0]),
            r##"when[(== context.ticket "#42")]"##
        );
    }

    #[test]
    fn windows_line_endings() {
        let file = parse_ok(
            "policy \"p\" {\r\n  allow \"a\" {\r\n    principal *\r\n    action *\r\n    resource x\r\n  }\r\n}\r\n",
        );
        assert_eq!(file.policies[0].statements[0].name, "a");
    }

    #[test]
    fn spans_point_at_names() {
        let source = "policy \"p\" {\n  allow \"read\" { principal * action * resource x }\n}";
        let file = parse_ok(source);
        let s = &file.policies[0].statements[0];
        assert_eq!(&source[s.name_span.start..s.name_span.end], "\"read\"");
        assert_eq!(
            &source[s.resource.span.start..s.resource.span.end],
            "resource x"
        );
    }

    #[test]
    fn parse_set_accepts_distinct_names() {
        let a = r#"policy "a" { allow "x" { principal * action * resource x } }"#;
        let b = r#"policy "b" { allow "x" { principal * action * resource x } }"#;
        let files = parse_set(&[("a.policy", a), ("b.policy", b)]).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[1].policies[0].name, "b");
    }

    #[test]
    fn the_sample_policy() {
        let file = parse_ok(SAMPLE);
        let policy = &file.policies[0];
        assert_eq!(policy.name, "payments");
        let allow = &policy.statements[0];
        assert_eq!(allow.effect, Effect::Allow);
        assert_eq!(
            show_matcher(&allow.principal),
            "principal service:payments-*, group=group:payments-oncall"
        );
        assert_eq!(
            show_matcher(&allow.action),
            "action secrets:GetSecretValue, secrets:DescribeSecret"
        );
        assert_eq!(
            show_block(&allow.conditions[0]),
            concat!(
                r#"when[(in version_stage ["AWSCURRENT", "AWSPREVIOUS"]); "#,
                "(in source_ip [cidr:10.0.0.0/8, cidr:fd00::/8]); ",
                "(and mfa (<= mfa_age dur:900)); ",
                "(in time ts:2026-01-01T00:00:00+00:00..ts:2027-01-01T00:00:00+00:00)]"
            )
        );
        let deny = &policy.statements[1];
        assert_eq!(deny.effect, Effect::Deny);
        assert_eq!(
            show_block(&deny.conditions[0]),
            "unless[(in source_ip cidr:10.0.0.0/8)]"
        );
    }
}

// ---------------------------------------------------------------------------
// LANGUAGE.md: every example parses.

/// Fenced blocks of LANGUAGE.md with the given info string, with the line each
/// starts on.
fn fenced_blocks(markdown: &str, tag: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```")
                    && info.trim() == tag
                {
                    current = Some((index + 2, String::new()));
                }
            }
            Some((_, text)) => {
                if trimmed == "```" {
                    blocks.extend(current.take());
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "unclosed ```{tag} block in LANGUAGE.md");
    blocks
}

fn language_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/LANGUAGE.md");
    std::fs::read_to_string(path).expect("LANGUAGE.md is readable")
}

/// Parses every block, reporting each failing one with its LANGUAGE.md line.
fn check_blocks(tag: &str, wrap: impl Fn(&str) -> String, at_least: usize) {
    let markdown = language_md();
    let blocks = fenced_blocks(&markdown, tag);
    assert!(
        blocks.len() >= at_least,
        "expected at least {at_least} ```{tag} blocks in LANGUAGE.md, found {}",
        blocks.len()
    );
    let mut failures = Vec::new();
    for (line, text) in &blocks {
        let source = wrap(text);
        if let Err(error) = parse(&format!("LANGUAGE.md:{line}"), &source) {
            let rendered: Vec<String> = error
                .diagnostics()
                .iter()
                .map(|d| d.render(&source))
                .collect();
            failures.push(format!(
                "block at LANGUAGE.md line {line}:\n{source}\n{}",
                rendered.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn language_md_complete_examples_parse() {
    check_blocks("tessera", str::to_string, 10);
}

#[test]
fn language_md_statement_examples_parse() {
    check_blocks(
        "tessera-statement",
        |text| format!("policy \"doc\" {{\n{text}}}\n"),
        1,
    );
}

#[test]
fn language_md_condition_examples_parse() {
    check_blocks(
        "tessera-when",
        |text| {
            format!(
                "policy \"doc\" {{\n  allow \"doc\" {{\n    principal *\n    action *\n    resource *\n    when {{\n{text}    }}\n  }}\n}}\n"
            )
        },
        1,
    );
}

#[test]
fn language_md_schema_examples_parse() {
    let markdown = language_md();
    let blocks = fenced_blocks(&markdown, "tessera-schema");
    assert!(!blocks.is_empty(), "LANGUAGE.md should show a schema");
    for (line, text) in &blocks {
        let file = policy_lang::parse_schema(&format!("LANGUAGE.md:{line}"), text);
        assert!(file.is_ok(), "block at LANGUAGE.md line {line}: {file:?}");
    }
}

#[test]
fn language_md_worked_example_is_the_sample() {
    // The worked example must stay the sample this suite checks in detail.
    let markdown = language_md();
    let blocks = fenced_blocks(&markdown, "tessera");
    let sample = parse_ok(SAMPLE);
    assert!(
        blocks
            .iter()
            .any(|(_, text)| parse("x", text).is_ok_and(|f| f.same_shape(&sample))),
        "LANGUAGE.md should contain the payments sample as a ```tessera block"
    );
}
