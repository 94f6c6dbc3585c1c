//! Schema files: parsing, their diagnostics, and policies checked against them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use policy_lang::{AttributeType, DiagnosticKind, Limits, Schema, SchemaKey, parse, parse_schema};

const SCHEMA: &str = r#"# The attributes our requests carry.
schema {
  context.incident: string optional
  context.ticket_count: number
  context.break_glass: bool optional
  context.client_ip: ip optional
  context.expires: time optional
  context.session_age: duration optional
  principal.tags.team: enum ["payments", "search", "ops"]
  resource.tags.env: enum [
    "dev",
    "staging",
    "prod",
  ] required
}
"#;

fn schema() -> Schema {
    Schema::parse_set(&[("app.schema", SCHEMA)], &Limits::default()).unwrap()
}

/// `(code, line, column, hint)` of every diagnostic for a schema text.
fn schema_errors(text: &str) -> Vec<(&'static str, usize, usize, Option<String>)> {
    let error = parse_schema("s.schema", text).unwrap_err();
    error
        .diagnostics()
        .iter()
        .map(|d| {
            (
                d.kind().code(),
                d.location().line,
                d.location().column,
                d.hint().map(str::to_string),
            )
        })
        .collect()
}

/// `(code, message, hint)` of every diagnostic for `conditions` in a statement.
fn check(conditions: &str) -> Vec<(&'static str, String, Option<String>)> {
    let text = format!(
        "policy \"p\" {{\n  allow \"a\" {{\n    principal *\n    action *\n    resource **\n    when {{ {conditions} }}\n  }}\n}}\n"
    );
    let file = parse("p.policy", &text).unwrap();
    schema()
        .check("p.policy", &text, &file)
        .iter()
        .map(|d| {
            (
                d.kind().code(),
                d.message().to_string(),
                d.hint().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn a_schema_declares_types_and_what_is_required() {
    let schema = schema();
    let get = |key: SchemaKey| schema.get(&key).unwrap().clone();
    let incident = get(SchemaKey::Context("incident".into()));
    assert_eq!(
        (incident.ty, incident.required),
        (AttributeType::String, false)
    );
    let count = get(SchemaKey::Context("ticket_count".into()));
    assert_eq!((count.ty, count.required), (AttributeType::Number, true));
    let env = get(SchemaKey::ResourceTag("env".into()));
    assert!(env.required);
    assert_eq!(
        env.ty,
        AttributeType::Enum(["dev", "prod", "staging"].map(String::from).into())
    );
    assert_eq!(schema.iter().count(), 8);
    assert_eq!(
        get(SchemaKey::Context("client_ip".into())).ty,
        AttributeType::Ip
    );
    assert_eq!(
        get(SchemaKey::Context("expires".into())).ty,
        AttributeType::Time
    );
    assert_eq!(
        get(SchemaKey::Context("session_age".into())).ty,
        AttributeType::Duration
    );
}

#[test]
fn an_empty_file_and_an_empty_block_declare_nothing() {
    assert!(parse_schema("s", "").unwrap().declarations.is_empty());
    assert!(
        parse_schema("s", "# none\nschema { }\n")
            .unwrap()
            .declarations
            .is_empty()
    );
    let two = parse_schema(
        "s",
        "schema { context.a: string }\nschema { context.b: bool }",
    )
    .unwrap();
    assert_eq!(two.declarations.len(), 2);
}

#[test]
fn a_misspelt_type_gets_a_suggestion() {
    assert_eq!(
        schema_errors("schema {\n  context.a: strng\n}"),
        [("unknown-type", 2, 14, Some("did you mean `string`?".into()))]
    );
    let hint = |ty: &str| {
        schema_errors(&format!("schema {{ context.a: {ty} }}"))[0]
            .3
            .clone()
    };
    assert_eq!(hint("boolean").as_deref(), Some("did you mean `bool`?"));
    assert_eq!(hint("integer").as_deref(), Some("did you mean `number`?"));
    assert_eq!(hint("timestamp").as_deref(), Some("did you mean `time`?"));
    assert_eq!(
        hint("durration").as_deref(),
        Some("did you mean `duration`?")
    );
    assert_eq!(hint("list").as_deref(), Some("did you mean `set<string>`?"));
    assert_eq!(
        hint("array").as_deref(),
        Some("did you mean `set<string>`?")
    );
    assert!(hint("zzz").unwrap().contains("`string`, `enum [...]`"));
}

#[test]
fn sets_of_strings_are_declared_for_context_attributes_only() {
    let text = "schema {\n  context.scopes: set<string>\n  context.roles: set<enum [\"reader\", \"admin\"]> optional\n}";
    let schema = Schema::parse_set(&[("s.schema", text)], &Limits::default()).unwrap();
    let get = |name: &str| {
        schema
            .get(&SchemaKey::Context(name.into()))
            .unwrap()
            .clone()
    };
    assert_eq!(
        (get("scopes").ty, get("scopes").required),
        (AttributeType::Set(Box::new(AttributeType::String)), true)
    );
    assert_eq!(
        get("roles").ty,
        AttributeType::Set(Box::new(AttributeType::Enum(
            ["admin", "reader"].map(String::from).into()
        )))
    );
    let errors = schema_errors(
        "schema {\n  context.a: set<number>\n  principal.tags.t: set<string>\n  context.b: set<set<string>>\n  context.c: set string\n  context.d: set<string\n}",
    );
    let codes: Vec<(&str, usize)> = errors.iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(
        codes,
        [
            ("invalid-declaration", 2),
            ("invalid-declaration", 3),
            ("invalid-declaration", 4),
            ("syntax", 5),
            ("syntax", 6),
        ],
        "{errors:?}"
    );
    assert!(errors[0].3.as_deref().unwrap().contains("`set<string>`"));
}

#[test]
fn a_declared_set_is_tested_with_contains_and_nothing_else() {
    let text =
        "schema {\n  context.roles: set<enum [\"reader\", \"admin\"]>\n  context.ticket: string\n}";
    let schema = Schema::parse_set(&[("s.schema", text)], &Limits::default()).unwrap();
    let problems = |conditions: &str| -> Vec<(&'static str, String)> {
        let policy = format!(
            "policy \"p\" {{\n  allow \"a\" {{\n    principal *\n    action *\n    resource **\n    when {{ {conditions} }}\n  }}\n}}\n"
        );
        let file = parse("p.policy", &policy).unwrap();
        schema
            .check("p.policy", &policy, &file)
            .iter()
            .map(|d| (d.kind().code(), d.message().to_string()))
            .collect()
    };
    assert_eq!(problems(r#"context.roles contains "admin""#), []);
    let outside = problems(r#"context.roles contains "amdin""#);
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0].0, "schema-mismatch");
    assert!(
        outside[0].1.contains("\"amdin\" is not a value"),
        "{outside:?}"
    );
    let equality = problems(r#"context.roles == "admin""#);
    assert_eq!(
        equality[0].1,
        "`context.roles` is declared as a set; `==` cannot compare it"
    );
    let not_a_set = problems(r#"context.ticket contains "CHG-1""#);
    assert_eq!(
        not_a_set[0].1,
        "`context.ticket` is declared as `string`; `contains` tests a set"
    );
}

#[test]
fn every_error_in_a_file_is_reported_at_once() {
    let text = "schema {\n  context.a: strng\n  context.b number\n  principal.tags.t: number\n  context.source_ip: ip\n  context.c: enum []\n  context.d: enum [\"x\", \"x\"]\n  principal.team: string\n  sorce_ip: ip\n  context.e: string optinal\n  context.f: enum [\n    \"a\",\n    b,\n    \"c\",\n  ]\n  context.g: string\n}\n";
    let codes: Vec<(&str, usize)> = schema_errors(text)
        .into_iter()
        .map(|(code, line, _, _)| (code, line))
        .collect();
    assert_eq!(
        codes,
        [
            ("unknown-type", 2),
            ("syntax", 3),
            ("invalid-declaration", 4),
            ("invalid-declaration", 5),
            ("invalid-declaration", 6),
            ("invalid-declaration", 7),
            ("unknown-key", 8),
            ("unknown-key", 9),
            ("unknown-keyword", 10),
            ("syntax", 13),
        ]
    );
    let hints: Vec<Option<String>> = schema_errors(text).into_iter().map(|e| e.3).collect();
    assert_eq!(
        hints[6].as_deref(),
        Some("did you mean `principal.tags.team`?")
    );
    assert_eq!(
        hints[7].as_deref(),
        Some("did you mean `context.sorce_ip`?")
    );
    assert_eq!(hints[8].as_deref(), Some("did you mean `optional`?"));
}

#[test]
fn built_in_keys_are_not_declared() {
    let errors = schema_errors("schema { source_ip: ip }");
    assert_eq!(errors[0].0, "invalid-declaration");
    assert!(errors[0].3.as_deref().unwrap().contains("built-in key"));
}

#[test]
fn structure_errors_are_located() {
    assert_eq!(
        schema_errors("schema {\n  context.a: string\n"),
        [(
            "syntax",
            1,
            1,
            Some("add `}` after its last declaration".into())
        )]
    );
    assert_eq!(
        schema_errors("shema { }"),
        [(
            "unknown-keyword",
            1,
            1,
            Some("did you mean `schema`?".into())
        )]
    );
    assert_eq!(schema_errors("schema context.a: string")[0].0, "syntax");
    assert_eq!(
        schema_errors("schema {\n  context.a: enum [\"x ]\n}"),
        [(
            "unterminated-string",
            2,
            20,
            Some("close the string with `\"` on the same line".into())
        )]
    );
    assert_eq!(
        schema_errors("schema { context.a: enum [\"\\q\"] }")[0].0,
        "invalid-escape"
    );
    assert_eq!(
        schema_errors("schema { context.a: string } }")[0].0,
        "syntax"
    );
}

#[test]
fn a_key_declared_twice_is_an_error_in_one_file_or_two() {
    let one = Schema::parse_set(
        &[(
            "a.schema",
            "schema {\n  context.a: string\n  context.a: number\n}",
        )],
        &Limits::default(),
    )
    .unwrap_err();
    let d = &one.diagnostics()[0];
    assert_eq!(d.kind(), DiagnosticKind::DuplicateDeclaration);
    assert_eq!(d.location().line, 3);
    assert_eq!(d.related()[0].location.line, 2);
    let two = Schema::parse_set(
        &[
            ("a.schema", "schema {\n  context.a: string\n}"),
            ("b.schema", "schema { context.a: string }"),
        ],
        &Limits::default(),
    )
    .unwrap_err();
    let d = &two.diagnostics()[0];
    assert_eq!(d.file(), "b.schema");
    assert!(
        d.hint()
            .unwrap()
            .starts_with("first declared in a.schema:2:3")
    );
}

#[test]
fn the_source_limit_holds_and_hostile_text_never_panics() {
    let limits = Limits {
        max_source_bytes: 10,
        ..Limits::default()
    };
    let error = policy_lang::parse_schema_with("s", SCHEMA, &limits).unwrap_err();
    assert_eq!(error.diagnostics()[0].kind(), DiagnosticKind::LimitExceeded);
    for text in [
        "[".repeat(100_000),
        format!("schema {{ context.a: enum {} }}", "[".repeat(100_000)),
        "{".repeat(100_000),
        "schema {".repeat(10_000),
        "\"".repeat(10_001),
        "schema { context.a: enum [\"".to_string() + &"\\".repeat(10_000),
        "\u{0}\u{ffff}é\r\n".repeat(1000),
    ] {
        assert!(parse_schema("s", &text).is_err());
    }
    let many = format!(
        "schema {{\n{}}}\n",
        (0..20_000)
            .map(|i| format!("  context.a{i}: enum [\"x{i}\", \"y\"]\n"))
            .collect::<String>()
    );
    assert_eq!(parse_schema("s", &many).unwrap().declarations.len(), 20_000);
}

#[test]
fn a_well_typed_policy_passes() {
    assert_eq!(
        check(
            r#"context.incident like "INC-*" and context.ticket_count >= 2 and context.ticket_count in 1 .. 5
      context.break_glass or context.break_glass == false
      context.client_ip in [10.0.0.0/8, 192.168.1.7]
      principal.tags.team in ["payments", "ops"] and resource.tags.env != "prod"
      has context.expires and source_ip in 10.0.0.0/8 and principal.tags.team ilike "PAY*""#
        ),
        []
    );
}

#[test]
fn an_undeclared_key_is_reported_with_a_suggestion() {
    assert_eq!(
        check(r#"context.incidnet like "INC-*""#),
        [(
            "undeclared-key",
            "`context.incidnet` is not declared in the schema".into(),
            Some("did you mean `context.incident`?".into())
        )]
    );
    let found =
        check(r#"principal.tags.tema == "ops" or has resource.tags.owner or context.team == "x""#);
    assert_eq!(found.len(), 3);
    assert_eq!(
        found[2].2.as_deref(),
        Some("did you mean `principal.tags.team`?")
    );
    assert_eq!(
        found[0].2.as_deref(),
        Some("did you mean `principal.tags.team`?")
    );
    assert!(
        found[1]
            .2
            .as_deref()
            .unwrap()
            .contains("declare it in a schema file")
    );
}

#[test]
fn literals_that_do_not_fit_the_declared_type_are_reported() {
    let codes = |c: &str| -> Vec<String> { check(c).into_iter().map(|(_, m, _)| m).collect() };
    assert_eq!(
        codes(r#"context.ticket_count == "3""#),
        ["`context.ticket_count` is declared as `number`, but is compared with a string"]
    );
    assert_eq!(
        codes(r#"context.ticket_count like "1*""#),
        ["`context.ticket_count` is declared as `number`, but is compared with a string"]
    );
    assert_eq!(
        codes(r#"context.incident == 3"#),
        ["`context.incident` is declared as `string`, but is compared with a number"]
    );
    assert_eq!(
        codes("context.incident"),
        ["`context.incident` is declared as `string`; alone, a key must be a `bool`"]
    );
    assert_eq!(
        codes(r#"context.client_ip == "10.0.0.1""#),
        ["`context.client_ip` is declared as `ip`, but is compared with a string"]
    );
    let expires = check(r#"context.expires == "2026""#);
    assert!(
        expires[0]
            .2
            .as_deref()
            .unwrap()
            .contains("compare it with a timestamp")
    );
    // A declared `time` or `duration` takes a timestamp or a duration.
    assert_eq!(check("context.expires > 2026-01-01T00:00:00Z"), vec![]);
    assert_eq!(check("context.session_age in 0s .. 15m"), vec![]);
    assert_eq!(
        codes("context.ticket_count > 2026-01-01T00:00:00Z"),
        ["`context.ticket_count` is declared as `number`, but is compared with a timestamp"]
    );
    // Each item of a list is checked.
    assert_eq!(check("context.ticket_count in [\"1\", \"2\"]").len(), 2);
}

#[test]
fn an_enumeration_value_outside_it_is_reported() {
    let found = check(r#"resource.tags.env in ["dev", "prd"] or principal.tags.team != "serch""#);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].1, "\"prd\" is not a value of `resource.tags.env`");
    assert_eq!(found[0].2.as_deref(), Some("did you mean \"prod\"?"));
    assert_eq!(found[1].2.as_deref(), Some("did you mean \"search\"?"));
    assert!(found.iter().all(|f| f.0 == "schema-mismatch"));
}

#[test]
fn policy_variables_are_checked_too() {
    let text = "policy \"p\" { allow \"a\" { principal * action * resource prod/${principal.tags.taem}/${context.ticket_count}/${principal.tags.team} } }";
    let file = parse("p.policy", text).unwrap();
    let found = schema().check("p.policy", text, &file);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].kind(), DiagnosticKind::UndeclaredKey);
    assert_eq!(found[0].hint(), Some("did you mean `principal.tags.team`?"));
    assert_eq!(found[1].kind(), DiagnosticKind::SchemaMismatch);
    assert!(
        found[1]
            .message()
            .contains("a policy variable takes a string")
    );
}

#[test]
fn suggestions_stay_cheap_for_long_keys_and_many_typos() {
    let long = format!("context.{}", "incident".repeat(40));
    let found = check(&format!("has {long}"));
    assert!(found[0].2.as_deref().unwrap().starts_with("declare it"));
    // Past 64 undeclared keys in a file, the hint no longer searches.
    let many: Vec<String> = (0..70)
        .map(|i| format!("has context.incidentt{i}"))
        .collect();
    let found = check(&many.join(" or "));
    assert_eq!(found.len(), 70);
    assert!(found[0].2.as_deref().unwrap().starts_with("did you mean"));
    assert!(found[69].2.as_deref().unwrap().starts_with("declare it"));
}

#[test]
fn an_empty_schema_declares_no_custom_key() {
    let empty = Schema::parse_set(&[("s", "schema { }")], &Limits::default()).unwrap();
    assert!(empty.is_empty());
    let text = "policy \"p\" { allow \"a\" { principal * action * resource ** when { context.x == 1 and mfa } } }";
    let file = parse("p.policy", text).unwrap();
    let found = empty.check("p.policy", text, &file);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind(), DiagnosticKind::UndeclaredKey);
}

proptest::proptest! {
    /// Any text, and any cut or splice of a valid schema, parses or fails
    /// with located diagnostics; it never panics.
    #[test]
    fn schema_parsing_never_panics(text in "\\PC{0,200}", cut in 0usize..400, insert in "[\\[\\]{}:,\"a-z. \\n\\\\#]{0,12}") {
        let _ = parse_schema("s", &text);
        let at = SCHEMA.char_indices().map(|(i, _)| i).nth(cut % SCHEMA.chars().count()).unwrap_or(0);
        let spliced = format!("{}{insert}{}", &SCHEMA[..at], &SCHEMA[at..]);
        if let Err(error) = parse_schema("s", &spliced) {
            for d in error.diagnostics() {
                proptest::prop_assert!(d.span().end <= spliced.len());
                proptest::prop_assert!(d.location().line >= 1);
            }
        }
    }
}

#[test]
fn schema_files_declare_quoted_names() {
    let source = "schema {\n  context.\"aws:SourceVpce\": string\n  principal.tags.\"cost center\": enum [\"a\", \"b\"]\n}\n";
    let schema = Schema::parse_set(&[("a.schema", source)], &Limits::default()).unwrap();
    assert!(
        schema
            .get(&SchemaKey::Context("aws:SourceVpce".into()))
            .is_some()
    );
    assert!(
        schema
            .get(&SchemaKey::PrincipalTag("cost center".into()))
            .is_some()
    );
    let empty = "schema {\n  context.\"\": string\n}\n";
    let error = Schema::parse_set(&[("b.schema", empty)], &Limits::default()).unwrap_err();
    assert_eq!(
        error.diagnostics()[0].message(),
        "empty attribute name after `context.`"
    );
}

#[test]
fn two_declared_keys_compared_must_have_one_type() {
    // Types that agree, or a custom side the schema types like the built-in one.
    assert_eq!(check("context.expires > time"), vec![]);
    assert_eq!(check("context.client_ip == source_ip"), vec![]);
    assert_eq!(check("context.session_age <= mfa_age"), vec![]);
    assert_eq!(check("principal.tags.team == resource.tags.env"), vec![]);
    assert_eq!(check("context.incident != principal.id"), vec![]);
    // Types that differ.
    assert_eq!(
        check("context.ticket_count == principal.tags.team"),
        vec![(
            "schema-mismatch",
            "`context.ticket_count` is declared as `number` and `principal.tags.team` is declared as `enum`; they cannot be compared".to_string(),
            None
        )]
    );
    assert_eq!(
        check("context.expires < mfa_age"),
        vec![(
            "schema-mismatch",
            "`context.expires` is declared as `time` and `mfa_age` holds a duration; they cannot be compared".to_string(),
            None
        )]
    );
    // One type, an operator that does not compare it.
    assert_eq!(
        check("context.incident < context.incident"),
        vec![(
            "schema-mismatch",
            "`context.incident` is declared as `string`; `<` cannot compare it with another attribute".to_string(),
            None
        )]
    );
    // An undeclared side is reported as any undeclared key is.
    let undeclared = check("context.incidnet == principal.id");
    assert_eq!(undeclared.len(), 1);
    assert_eq!(undeclared[0].0, "undeclared-key");
}

#[test]
fn quantifiers_take_sets_and_objects_and_nested_keys_need_an_object() {
    let text = "schema {\n  context.roles: set<enum [\"reader\", \"admin\"]>\n  context.levels: set<string>\n  context.parameters: object optional\n  context.ticket: string\n}";
    let schema = Schema::parse_set(&[("s.schema", text)], &Limits::default()).unwrap();
    assert_eq!(
        schema
            .get(&SchemaKey::Context("parameters".into()))
            .unwrap()
            .ty,
        AttributeType::Object
    );
    let problems = |conditions: &str| -> Vec<(&'static str, String)> {
        let policy = format!(
            "policy \"p\" {{\n  allow \"a\" {{\n    principal *\n    action *\n    resource **\n    when {{ {conditions} }}\n  }}\n}}\n"
        );
        let file = parse("p.policy", &policy).unwrap();
        schema
            .check("p.policy", &policy, &file)
            .iter()
            .map(|d| (d.kind().code(), d.message().to_string()))
            .collect()
    };
    // Items of a set take its item type; names of an object are strings.
    assert_eq!(problems(r#"all context.roles in ["reader", "admin"]"#), []);
    assert_eq!(problems(r#"all context.parameters in ["ttl"]"#), []);
    assert_eq!(problems(r#"any context.parameters like ["max_*"]"#), []);
    let outside = problems(r#"any context.roles == "amdin""#);
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert!(
        outside[0].1.contains("\"amdin\" is not a value"),
        "{outside:?}"
    );
    let number_name = problems("any context.parameters == 3");
    assert_eq!(number_name.len(), 1, "{number_name:?}");
    assert_eq!(number_name[0].0, "schema-mismatch");
    assert_eq!(
        problems(r#"any context.ticket == "x""#),
        [(
            "schema-mismatch",
            "`context.ticket` is declared as `string`; `any` takes a set".to_string()
        )]
    );
    // A nested key is covered by an `object`, whose members are untyped.
    assert_eq!(problems("context.parameters.ttl <= 3600"), []);
    assert_eq!(problems(r#"has context.parameters."max-ttl""#), []);
    assert_eq!(
        problems(r#"context.ticket.id == "x""#),
        [(
            "schema-mismatch",
            "`context.ticket` is declared as `string`; `context.ticket.id` reads a member of an `object`"
                .to_string()
        )]
    );
    let undeclared = problems("context.params.ttl <= 3600");
    assert_eq!(undeclared[0].0, "undeclared-key");
    assert_eq!(
        undeclared[0].1,
        "`context.params` is not declared in the schema"
    );
}
