//! The canonical formatter: golden outputs for messy inputs, and properties
//! (idempotence, same-shape round trip) over generated policy sources.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use policy_lang::{ExprKind, PolicyFile, format, parse};
use proptest::prelude::*;

/// Parses `source`, panicking with rendered diagnostics when it fails.
fn parse_ok(name: &str, source: &str) -> PolicyFile {
    match parse(name, source) {
        Ok(file) => file,
        Err(error) => {
            let rendered: Vec<String> = error
                .diagnostics()
                .iter()
                .map(|d| d.render(source))
                .collect();
            panic!("{name} does not parse:\n{source}\n{}", rendered.join("\n"));
        }
    }
}

/// `format(parse(source)) == expected`, and `expected` is a fixed point that
/// parses back to the same tree.
fn check(source: &str, expected: &str) {
    let file = parse_ok("input", source);
    let formatted = format(&file);
    assert_eq!(
        formatted, expected,
        "\n--- got ---\n{formatted}--- want ---\n{expected}"
    );
    let again = parse_ok("formatted", &formatted);
    assert!(
        file.same_shape(&again),
        "round trip changed the tree:\n{formatted}"
    );
    assert_eq!(format(&again), formatted, "formatting is not idempotent");
}

// ---------------------------------------------------------------------------
// Golden tests.

#[test]
fn everything_on_one_line() {
    let source = concat!(
        "policy   \"payments\"{allow \"read-current-payment-secrets\"{ resource prod/payment/**  ",
        "action secrets:GetSecretValue,secrets:DescribeSecret principal service:payments-*,group:payments-oncall ",
        "when{version_stage in [\"AWSCURRENT\",\"AWSPREVIOUS\"] source_ip in [10.0.0.0/8,fd00::/8] ",
        "mfa and mfa_age<=15m time in 2026-01-01T00:00:00Z..2027-01-01T00:00:00Z}} ",
        "deny \"prod-secrets-never-leave-the-network\" {principal * action * resource prod/** ",
        "unless {source_ip in 10.0.0.0/8}}}"
    );
    let expected = r#"policy "payments" {
  allow "read-current-payment-secrets" {
    principal service:payments-*, group:payments-oncall
    action    secrets:GetSecretValue, secrets:DescribeSecret
    resource  prod/payment/**
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
    unless {
      source_ip in 10.0.0.0/8
    }
  }
}
"#;
    check(source, expected);
}

#[test]
fn comments_in_every_place() {
    let source = r#"# file header
#no space after the hash
policy "teams" {   # after the brace
  # above the statement
  allow "team-secrets" {
      when { has principal.tags.team }   # after the block
    resource   prod/${principal.tags.team}/** ,
       # inside the pattern list
       "shared/team space/*"   # after the resource line
      not   action secrets:Delete* , secrets:Put*
    principal group:eng
    when {
      # above an expression
      principal.groups contains "group:ops"   or
        # inside an expression
        context.ticket like "CHG-*"   # after the expression
      source_ip not   in [
        10.0.0.0/8,   # first network
        # between networks
        192.168.0.0/16
      ]
      mfa   # after a bare key
      # before the closing brace
    }
    # at the end of the statement
  } # after the statement
  deny "no-deletes" { not principal group:admins action secrets:Delete* resource ** }
  # end of policy
} # after the policy
# end of file
"#;
    let expected = r#"# file header
#no space after the hash
policy "teams" {
  # after the brace
  # above the statement
  allow "team-secrets" {
    principal group:eng
    not action secrets:Delete*, secrets:Put*
    # inside the pattern list
    resource  prod/${principal.tags.team}/**, "shared/team space/*" # after the resource line
    when {
      has principal.tags.team
    } # after the block
    when {
      # above an expression
      # inside an expression
      principal.groups contains "group:ops" or context.ticket like "CHG-*" # after the expression
      # first network
      # between networks
      source_ip not in [10.0.0.0/8, 192.168.0.0/16]
      mfa # after a bare key
      # before the closing brace
    }
    # at the end of the statement
  } # after the statement

  deny "no-deletes" {
    not principal group:admins
    action    secrets:Delete*
    resource  **
  }

  # end of policy
} # after the policy

# end of file
"#;
    check(source, expected);
}

#[test]
fn trailing_comments_on_single_pattern_matchers_stay_put() {
    let source = "policy \"p\" {\n  allow \"a\" {\n    principal a # who\n    action    x # what\n    resource  y # where\n    when {\n      mfa # one\n      mfa_age < 1m # two\n      has context.ticket # three\n    }\n  }\n}\n";
    check(source, source);
}

#[test]
fn every_value_type() {
    let source = r#"policy "values" { allow "every-type" {
    principal *  action *
    resource "prod/{a,b}/[x-z]?", "odd\"quote", prod/[!a]/x, "back\\slash", "has space"
    when {
      context.note == "tab	raw \ttab \"quoted\" back\\slash new\nline"
      context.count >= -1.50 and context.ratio in 0 .. 2.5 and context.flag == true
      context.client == 10.1.2.3 and context.nets in [10.0.0.0/8, FD00:0:0::/8, 2001:db8::1]
      time in 2026-01-01T09:00:00+02:00 .. 2026-06-30T23:59:59.5-05:30
      time >= 2026-01-01T00:00:00+00:00
      mfa_age < 90m and mfa_age >= 0s and mfa_age == 86400s and mfa_age <= 1d2h3m4s
      time_of_day in 09:00 .. 17:30 at +02:00
      time_of_day in 09:00 .. 17:30:15 at UTC-05:00
      weekday in [mon, "Tuesday", WED, fri] at UTC
      weekday != Sun at Z
      resource.tags.env ilike "PROD*" and not resource.path like "tmp/*"
      version_stage not in ["AWSPENDING"] and principal.id != "svc:batch"
    }
} }"#;
    let expected = r#"policy "values" {
  allow "every-type" {
    principal *
    action    *
    resource  prod/{a,b}/[x-z]?, "odd\"quote", prod/[!a]/x, "back\\slash", "has space"
    when {
      context.note == "tab\traw \ttab \"quoted\" back\\slash new\nline"
      context.count >= -1.5 and context.ratio in 0 .. 2.5 and context.flag == true
      context.client == 10.1.2.3 and context.nets in [10.0.0.0/8, fd00::/8, 2001:db8::1]
      time in 2026-01-01T09:00:00+02:00 .. 2026-06-30T23:59:59.500-05:30
      time >= 2026-01-01T00:00:00Z
      mfa_age < 1h30m and mfa_age >= 0s and mfa_age == 1d and mfa_age <= 1d2h3m4s
      time_of_day in 09:00 .. 17:30 at +02:00
      time_of_day in 09:00 .. 17:30:15 at -05:00
      weekday in [Mon, Tue, Wed, Fri] at UTC
      weekday != Sun at UTC
      resource.tags.env ilike "PROD*" and not resource.path like "tmp/*"
      version_stage not in ["AWSPENDING"] and principal.id != "svc:batch"
    }
  }
}
"#;
    check(source, expected);
}

#[test]
fn groups_and_negations_keep_their_shape() {
    let source = r#"policy "p" { deny "d" { principal * action * resource * when {
      not(mfa or((has context.override)and not not context.break_glass))
      ( ( mfa ) )
      mfa or mfa and not mfa or (mfa or mfa) and mfa
    } } }"#;
    let expected = r#"policy "p" {
  deny "d" {
    principal *
    action    *
    resource  *
    when {
      not (mfa or ((has context.override) and not not context.break_glass))
      ((mfa))
      mfa or mfa and not mfa or (mfa or mfa) and mfa
    }
  }
}
"#;
    check(source, expected);
}

#[test]
fn negated_matchers() {
    let source = r#"policy "p" { allow "a" { not principal group:contractors, "user:guest one"
      not action secrets:Delete*   not resource prod/** } }"#;
    let expected = r#"policy "p" {
  allow "a" {
    not principal group:contractors, "user:guest one"
    not action secrets:Delete*
    not resource prod/**
  }
}
"#;
    check(source, expected);
}

#[test]
fn long_lines_are_broken() {
    let source = r#"policy "long" { allow "l" {
  principal service:payments-api-*, service:payments-batch-*, service:payments-reconciler-*, group:payments-oncall # who
  not action secrets:GetSecretValue, secrets:DescribeSecret, secrets:ListSecretVersionIds, secrets:GetResourcePolicy
  resource x
  when { version_stage in ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "CUSTOM-STAGE-ONE", "CUSTOM-STAGE-TWO"] and mfa # long
  (context.env in ["production-eu-west-1", "production-us-east-1", "production-ap-south-1"] or mfa)
  } } }"#;
    let expected = r#"policy "long" {
  allow "l" {
    principal service:payments-api-*,
              service:payments-batch-*,
              service:payments-reconciler-*,
              group:payments-oncall # who
    not action secrets:GetSecretValue,
               secrets:DescribeSecret,
               secrets:ListSecretVersionIds,
               secrets:GetResourcePolicy
    resource  x
    when {
      version_stage in [
        "AWSCURRENT",
        "AWSPREVIOUS",
        "AWSPENDING",
        "CUSTOM-STAGE-ONE",
        "CUSTOM-STAGE-TWO",
      ] and mfa # long
      (context.env in [
        "production-eu-west-1",
        "production-us-east-1",
        "production-ap-south-1",
      ] or mfa)
    }
  }
}
"#;
    check(source, expected);
    assert!(expected.lines().all(|l| l.chars().count() <= 100));
}

#[test]
fn lines_of_exactly_100_columns_stay_whole() {
    let source = r#"policy "w" { allow "w" {
    action secrets:GetSecretValue, secrets:DescribeSecret, secrets:ListSecretVersionIds, secrets:*
    resource prod/payments/alpha/**, prod/payments/beta/**, prod/payments/gamma/**, prod/payme/d/**
    principal * when {
      version_stage in ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "CUSTOM-STG-1", "CUSTOM-STAGE-2"]
      version_stage in ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "CUSTOM-STAGE1", "CUSTOM-STAGE-2"]
    } } }"#;
    let expected = r#"policy "w" {
  allow "w" {
    principal *
    action    secrets:GetSecretValue,
              secrets:DescribeSecret,
              secrets:ListSecretVersionIds,
              secrets:*
    resource  prod/payments/alpha/**, prod/payments/beta/**, prod/payments/gamma/**, prod/payme/d/**
    when {
      version_stage in ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "CUSTOM-STG-1", "CUSTOM-STAGE-2"]
      version_stage in [
        "AWSCURRENT",
        "AWSPREVIOUS",
        "AWSPENDING",
        "CUSTOM-STAGE1",
        "CUSTOM-STAGE-2",
      ]
    }
  }
}
"#;
    check(source, expected);
    assert_eq!(expected.lines().map(|l| l.chars().count()).max(), Some(100));
}

#[test]
fn empty_policies_and_comment_only_files() {
    check("", "");
    check(
        "  # just a comment\n#\n\n\n# another",
        "# just a comment\n#\n# another\n",
    );
    check(
        "policy \"a\" {}\npolicy \"b\" { # inside\n } # after",
        "policy \"a\" {\n}\n\npolicy \"b\" {\n  # inside\n} # after\n",
    );
}

#[test]
fn quoted_names_are_escaped() {
    check(
        r#"policy "pay \"ments\"	\\ x" { allow "tab\tname" { principal * action * resource * } }"#,
        "policy \"pay \\\"ments\\\"\\t\\\\ x\" {\n  allow \"tab\\tname\" {\n    principal *\n    action    *\n    resource  *\n  }\n}\n",
    );
}

#[test]
fn patterns_are_bare_only_when_they_read_back_whole() {
    let source = r#"policy "p" { allow "a" {
      principal "plain/*", "{x,y}/[ab]", "a b", "x,y"
      action "[[]x", "{a,[b]}", "ünï/*", "{ü,b}", "a=b@c%d~e+f!"
      resource "${principal.id}/**", "$${context.app}" } }"#;
    let expected = r#"policy "p" {
  allow "a" {
    principal plain/*, {x,y}/[ab], "a b", "x,y"
    action    "[[]x", "{a,[b]}", "ünï/*", {ü,b}, a=b@c%d~e+f!
    resource  ${principal.id}/**, $${context.app}
  }
}
"#;
    check(source, expected);
}

#[test]
fn hand_built_trees_get_defensive_parentheses() {
    let mut file = parse_ok(
        "hand",
        r#"policy "p" { allow "a" { principal * action * resource * when {
            not (mfa and has context.x)
            (mfa or mfa) and mfa
            ((mfa or mfa) or mfa)
        } } }"#,
    );
    let exprs = &mut file.policies[0].statements[0].conditions[0].exprs;
    // Strip every group: the printed text must still say the same thing.
    fn ungroup(kind: &mut ExprKind) {
        match kind {
            ExprKind::Group(inner) => {
                ungroup(&mut inner.kind);
                *kind = inner.kind.clone();
            }
            ExprKind::Not(inner) => ungroup(&mut inner.kind),
            ExprKind::And(items) | ExprKind::Or(items) => {
                items.iter_mut().for_each(|e| ungroup(&mut e.kind));
            }
            _ => {}
        }
    }
    exprs.iter_mut().for_each(|e| ungroup(&mut e.kind));
    let formatted = format(&file);
    assert!(
        formatted.contains("      not (mfa and has context.x)\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("      (mfa or mfa) and mfa\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("      (mfa or mfa) or mfa\n"),
        "{formatted}"
    );
}

// ---------------------------------------------------------------------------
// Properties over generated sources.

/// Whitespace between tokens: at least one character.
fn ws() -> impl Strategy<Value = String> {
    prop::sample::select(vec![" ", "  ", "\n", "\n    ", "\t", " \n\n  "]).prop_map(String::from)
}

fn comment_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        " note",
        "#double",
        " with \"quote\" and {brace}",
        "  two  spaces",
        " ünïcode",
    ])
    .prop_map(String::from)
}

/// Whitespace between tokens, sometimes holding a comment.
fn sep() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => ws(),
        1 => (ws(), comment_text(), ws()).prop_map(|(a, c, b)| format!("{a}#{c}\n{b}")),
    ]
}

/// Like [`sep`], but may be empty (around `,`, `(`, `[`).
fn sep0() -> impl Strategy<Value = String> {
    prop_oneof![2 => Just(String::new()), 3 => sep()]
}

fn pick(items: &[&'static str]) -> impl Strategy<Value = String> + use<> {
    prop::sample::select(items.to_vec()).prop_map(String::from)
}

fn patterns(kind: &'static str) -> BoxedStrategy<String> {
    let vocab: &[&'static str] = match kind {
        "principal" => &[
            "*",
            "service:payments-*",
            "group:ops",
            "\"group:on call\"",
            "user:{alice,bob}",
            "svc-[a-c]?",
            "\"tab\\tname\"",
            "service:a-rather-long-service-name-that-helps-lines-wrap-*",
        ],
        "action" => &[
            "*",
            "secrets:Get*",
            "secrets:{Get,Put}*",
            "\"secrets:Describe Secret\"",
            "secrets:Delete*",
            "\"secrets:*\"",
        ],
        _ => &[
            "**",
            "prod/**",
            "prod/${principal.tags.team}/**",
            "\"prod/${principal.id}/x y\"",
            "prod/[!t]mp/*",
            "\"odd\\\"quote/*\"",
            "$${context.app}/*",
            "\"back\\\\slash\"",
            "\"x,y\"",
            "prod/payments/a-rather-long-secret-path-that-helps-lines-wrap/**",
        ],
    };
    let list = prop::collection::vec((pick(vocab), sep0(), sep0()), 1..6);
    (any::<bool>(), sep(), sep(), list)
        .prop_map(move |(negated, s1, s2, list)| {
            let mut out = if negated {
                format!("not{s1}{kind}{s2}")
            } else {
                format!("{kind}{s2}")
            };
            for (i, (pattern, before, after)) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(&format!("{before},{after}"));
                }
                out.push_str(pattern);
            }
            out
        })
        .boxed()
}

const STRINGS: &[&str] = &[
    "\"AWSCURRENT\"",
    "\"AWSPREVIOUS\"",
    "\"a \\\"quoted\\\" word\"",
    "\"tab\\there\"",
    "\"hash # inside\"",
    "\"a-rather-long-string-value-to-push-the-line-past-one-hundred\"",
];

/// A list operand with separators (and comments) between its items.
fn list(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        prop::collection::vec((pick(items), sep0(), sep0()), 1..6),
        sep0(),
        any::<bool>(),
    )
        .prop_map(|(items, end, trailing_comma)| {
            let mut out = String::from("[");
            for (i, (item, before, after)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!("{before}{item}{after}"));
            }
            if trailing_comma {
                out.push(',');
            }
            out.push_str(&end);
            out.push(']');
            out
        })
}

fn leaf() -> BoxedStrategy<String> {
    let fixed = pick(&[
        "mfa",
        "context.flag",
        "has context.ticket",
        "has principal.tags.team",
        "mfa_age <= 90m",
        "mfa_age>1h30m",
        "mfa_age == 3600s",
        "mfa == false",
        "source_ip in 10.0.0.0/8",
        "source_ip == ::1",
        "source_ip not in [fd00::/8, 10.1.2.3]",
        "source_ip not  \n in [10.0.0.0/8]",
        "time in 2026-01-01T00:00:00+02:00 .. 2027-01-01T00:00:00Z",
        "time < 2026-03-01T12:30:00.25Z",
        "time_of_day in 09:00 .. 17:30 at +02:00",
        "time_of_day >= 22:00 at UTC-05:00",
        "weekday in [Mon, \"tue\", friday] at UTC",
        "weekday == Sat",
        "principal.groups contains \"group:ops\"",
        "resource.tags.env like \"prod-*\"",
        "context.app ilike \"PAY*\"",
        "principal.id != \"svc:a\\\"b\"",
        "context.count >= -2.50",
        "context.ratio in 0 .. 1.5",
        "context.flag == true",
        "context.client == 10.1.2.3",
        "context.nets in [10.0.0.0/8, FD00::/8]",
        "action == \"secrets:GetSecretValue\"",
        "resource.path like \"prod/*\"",
    ]);
    let stages = (sep(), list(STRINGS)).prop_map(|(s, l)| format!("version_stage in{s}{l}"));
    let nets = (
        sep(),
        list(&["10.0.0.0/8", "192.168.0.0/16", "fd00::/8", "2001:db8::1"]),
    )
        .prop_map(|(s, l)| format!("source_ip not in{s}{l}"));
    let days = (sep(), list(&["Mon", "Tue", "\"wednesday\"", "Fri"]), sep())
        .prop_map(|(s, l, t)| format!("weekday in{s}{l}{t}at +05:30"));
    prop_oneof![4 => fixed, 1 => stages, 1 => nets, 1 => days].boxed()
}

fn expr() -> BoxedStrategy<String> {
    leaf()
        .prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                (ws(), inner.clone()).prop_map(|(s, e)| format!("not{s}{e}")),
                (sep0(), inner.clone(), sep0()).prop_map(|(a, e, b)| format!("({a}{e}{b})")),
                (inner.clone(), sep(), sep(), inner.clone())
                    .prop_map(|(l, a, b, r)| format!("{l}{a}and{b}{r}")),
                (inner.clone(), sep(), sep(), inner)
                    .prop_map(|(l, a, b, r)| format!("{l}{a}or{b}{r}")),
            ]
        })
        .boxed()
}

fn block() -> impl Strategy<Value = String> {
    (
        pick(&["when", "unless"]),
        sep0(),
        prop::collection::vec((sep(), expr()), 1..4),
        sep(),
    )
        .prop_map(|(kind, s, exprs, end)| {
            let body: String = exprs.iter().map(|(s, e)| format!("{s}{e}")).collect();
            format!("{kind}{s}{{{body}{end}}}")
        })
}

fn statement(index: usize) -> impl Strategy<Value = String> {
    let clauses = (
        patterns("principal"),
        patterns("action"),
        patterns("resource"),
        prop::collection::vec(block(), 0..3),
    )
        .prop_flat_map(|(p, a, r, blocks)| {
            let mut all = vec![p, a, r];
            all.extend(blocks);
            Just(all).prop_shuffle()
        });
    (
        pick(&["allow", "deny"]),
        pick(&["", " with space", "-\\\"esc\\\"", "\\ttab"]),
        sep(),
        sep0(),
        prop::collection::vec(sep(), 4),
        clauses,
        sep(),
    )
        .prop_map(move |(effect, suffix, s1, s2, seps, clauses, end)| {
            let body: String = clauses
                .iter()
                .zip(seps.iter().cycle())
                .map(|(c, s)| format!("{s}{c}"))
                .collect();
            format!("{effect}{s1}\"s{index}{suffix}\"{s2}{{{body}{end}}}")
        })
}

fn policy(index: usize) -> impl Strategy<Value = String> {
    let statements =
        (0..3usize).prop_flat_map(|n| (0..n).map(|i| (sep(), statement(i))).collect::<Vec<_>>());
    (sep(), sep0(), statements, sep0()).prop_map(move |(s1, s2, statements, end)| {
        let body: String = statements
            .iter()
            .map(|(s, st)| format!("{s}{st}"))
            .collect();
        format!("policy{s1}\"p{index}\"{s2}{{{body}{end}}}")
    })
}

fn file_source() -> impl Strategy<Value = String> {
    let policies =
        (0..3usize).prop_flat_map(|n| (0..n).map(|i| (sep0(), policy(i))).collect::<Vec<_>>());
    (policies, sep0()).prop_map(|(policies, end)| {
        let body: String = policies.iter().map(|(s, p)| format!("{s}{p}")).collect();
        format!("{body}{end}")
    })
}

/// Characters that stress the choice between bare and quoted patterns.
fn tricky_text() -> impl Strategy<Value = String> {
    let bare = pick(&[
        "a", "Z", "9", "*", "?", "/", "-", "_", ".", ":", "@", "+", "=", "!", "%", "~", "$",
    ]);
    let structure = pick(&["{", "}", "[", "]", ",", "${principal.id}", "${context.app}"]);
    let other = pick(&[" ", "\t", "#", "\"", "\\", "ü", "'", "(", ";", "\r"]);
    prop::collection::vec(prop_oneof![6 => bare, 3 => structure, 1 => other], 1..12)
        .prop_map(|parts| parts.concat())
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\t', "\\t")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn format_is_idempotent_and_keeps_the_tree(source in file_source()) {
        let file = parse_ok("generated", &source);
        let formatted = format(&file);
        let again = parse_ok("formatted", &formatted);
        prop_assert!(file.same_shape(&again), "source:\n{}\nformatted:\n{}", source, formatted);
        prop_assert_eq!(format(&again), formatted);
    }

    #[test]
    fn any_valid_pattern_or_string_round_trips(text in tricky_text()) {
        let quoted = escape(&text);
        let source = format!(
            "policy \"p\" {{ allow \"a\" {{ principal * action * resource \"{quoted}\" \
             when {{ context.note == \"{quoted}\" }} }} }}"
        );
        // Most random texts are not valid globs; only the valid ones matter.
        if let Ok(file) = parse("generated", &source) {
            let formatted = format(&file);
            let again = parse_ok("formatted", &formatted);
            prop_assert!(file.same_shape(&again), "formatted:\n{}", formatted);
            prop_assert_eq!(format(&again), formatted);
        }
    }
}

#[test]
fn attribute_names_are_bare_when_they_can_be_and_quoted_otherwise() {
    let source = r#"policy "q" { allow "a" { principal * action * resource * when {
        context."aws:SourceVpce" == "vpce-1" and principal.tags."cost center" == "x"
        has resource.tags."aws:cloudformation:stack-name"
        context."ticket" like "CHG-*"
        context."a\"b\\c" or context."n-1_x"
    } } }"#;
    let expected = r#"policy "q" {
  allow "a" {
    principal *
    action    *
    resource  *
    when {
      context."aws:SourceVpce" == "vpce-1" and principal.tags."cost center" == "x"
      has resource.tags."aws:cloudformation:stack-name"
      context.ticket like "CHG-*"
      context."a\"b\\c" or context.n-1_x
    }
  }
}
"#;
    check(source, expected);
}

#[test]
fn two_keys_compared_print_as_keys() {
    let source = r#"policy "k" { allow "a" { principal * action * resource * when {
        resource.tags.owner==principal.tags.team context.a!=principal.id
        context.n<context.m and time < context."aws:TokenIssueTime"
        mfa == true and weekday != Sun
    } } }"#;
    let expected = r#"policy "k" {
  allow "a" {
    principal *
    action    *
    resource  *
    when {
      resource.tags.owner == principal.tags.team
      context.a != principal.id
      context.n < context.m and time < context."aws:TokenIssueTime"
      mfa == true and weekday != Sun
    }
  }
}
"#;
    check(source, expected);
    let file = parse_ok("input", source);
    let when = &file.policies[0].statements[0].conditions[0].exprs;
    assert!(matches!(when[0].kind, ExprKind::CompareKeys(_)));
    // `true` and `Sun` name no attribute: they stay literals.
    let ExprKind::And(last) = &when[3].kind else {
        panic!("{:?}", when[3].kind)
    };
    assert!(last.iter().all(|e| matches!(e.kind, ExprKind::Compare(_))));
}

/// Quantifiers, `like` lists and nested attributes print in canonical form
/// (names bare where they can be) and read back to the same tree.
#[test]
fn quantifiers_like_lists_and_nested_attributes() {
    let source = concat!(
        "policy \"q\" { allow \"a\" { principal * action * resource * when { ",
        "any   principal.groups like[\"group:ops-*\",\"group:sre-*\",] ",
        "all context.\"parameters\" in [\"ttl\",\"policies\"] ",
        "not any context.scores>=3 or all context.ports not in 1..1024 ",
        "context.parameters.\"max-ttl\" <= 3600 and has context.a.\"b\".c ",
        "resource.path ilike [\"prod/*\"] } } }"
    );
    let expected = r#"policy "q" {
  allow "a" {
    principal *
    action    *
    resource  *
    when {
      any principal.groups like ["group:ops-*", "group:sre-*"]
      all context.parameters in ["ttl", "policies"]
      not any context.scores >= 3 or all context.ports not in 1 .. 1024
      context.parameters.max-ttl <= 3600 and has context.a.b.c
      resource.path ilike ["prod/*"]
    }
  }
}
"#;
    check(source, expected);
}
