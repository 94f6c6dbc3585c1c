//! What the converted text says and how it decides, element by element,
//! where IAM's meaning differs from Tessera's defaults.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod aws_support;
use aws_support::*;
use serde_json::{Value, json};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// A 2012-10-17 document with one statement `body`.
fn one(body: &str) -> String {
    format!("{{\"Version\": \"2012-10-17\", \"Statement\": {{{body}}}}}")
}

#[test]
fn the_converted_text() {
    let source = r#"{"Version": "2012-10-17", "Id": "payments", "Statement": [
      {"Sid": "ReadCurrent", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/payments"]},
       "Action": ["secretsmanager:GetSecretValue", "secretsmanager:Describe*"],
       "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/*",
       "Condition": {"StringEquals": {"secretsmanager:VersionStage": ["AWSCURRENT", "AWSPREVIOUS"]},
                     "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
      {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
       "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}"#;
    let text = convert("policies/payments.json", source);
    let expected = r#"# Imported from the AWS IAM policy document policies/payments.json (Version 2012-10-17).
# Requests: principal.id is the caller's ARN, action is `service:Name`, resource.path is the resource ARN.
# Id: payments
policy "payments" {
  # /Statement/0
  # IAM matches actions ignoring case; `ilike` does the same (ASCII).
  # The resource line holds every ARN that starts as the statement's patterns do, so that the index finds the statement; the `when` condition says exactly which ARNs it matches.
  # IAM reads a condition on a key the request lacks as false (true for a negated operator or ...IfExists); the `has` tests say so explicitly.
  allow "ReadCurrent" {
    principal arn:aws:iam::111122223333:role/payments
    action    *
    resource  arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/**
    when {
      action ilike "secretsmanager:GetSecretValue" or action ilike "secretsmanager:Describe*"
      resource.path like "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/*"
      has version_stage and version_stage in ["AWSCURRENT", "AWSPREVIOUS"]
      has source_ip and source_ip in [10.0.0.0/8]
    }
  }

  # /Statement/1
  # IAM matches actions ignoring case; `ilike` does the same (ASCII).
  # IAM reads a condition on a key the request lacks as false (true for a negated operator or ...IfExists); the `has` tests say so explicitly.
  deny "statement-2" {
    principal *
    action    *
    resource  **
    when {
      action ilike "secretsmanager:*"
      not has mfa or mfa == false
    }
  }
}
"#;
    assert_eq!(text, expected);
    // Canonical: `policy fmt` leaves it as it is.
    assert_eq!(
        policy_lang::format(&policy_lang::parse("x.policy", &text).unwrap()),
        text
    );
}

#[test]
fn policy_named_after_the_file_stem_statements_after_sid_or_position() {
    let source = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "Second", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let text = convert("some/dir/read.only.json", source);
    assert!(text.contains("policy \"read.only\" {"), "{text}");
    for name in ["\"statement-1\"", "\"Second\"", "\"statement-3\""] {
        assert!(text.contains(&format!("allow {name} {{")), "{name}: {text}");
    }
}

#[test]
fn a_deny_on_a_missing_key_is_iam_s_not_tessera_s() {
    // Tessera alone would apply a deny whose condition reads a missing tag
    // (unknown fails closed); IAM does not (StringEquals on a missing key is
    // false). The converted text says IAM's meaning with `has`.
    let source = one(r#""Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/employment": "contractor"}}"#);
    let e = engine(&convert("d.json", &source), true);
    let r = || {
        req(
            ALICE,
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:1:secret:x",
        )
    };
    assert!(r().allowed(&e), "no tag: the deny does not apply");
    assert!(!r().ptag("employment", "contractor").allowed(&e));
    assert!(r().ptag("employment", "staff").allowed(&e));
    // And a negated operator on a missing key applies the deny.
    let source = one(r#""Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/employment": "staff"}}"#);
    let e = engine(&convert("d.json", &source), true);
    assert!(
        !r().allowed(&e),
        "no tag: StringNotEquals is true, the deny applies"
    );
    assert!(r().ptag("employment", "staff").allowed(&e));
    assert!(!r().ptag("employment", "contractor").allowed(&e));
}

#[test]
fn null_tests_presence() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"Null": {"aws:MultiFactorAuthAge": "true", "aws:ResourceTag/owner": "false"}}"#);
    let e = engine(&convert("n.json", &source), false);
    let r = || req(ALICE, "s3:GetObject", "arn:aws:s3:::b/k");
    assert!(r().rtag("owner", "x").allowed(&e));
    assert!(!r().allowed(&e));
    assert!(
        !r().rtag("owner", "x")
            .ctx("mfa_age_seconds", json!(5))
            .allowed(&e)
    );
}

#[test]
fn version_2008_reads_variables_as_text() {
    // In 2008-10-17 (and without a Version) `${...}` is plain text.
    for version in ["\"Version\": \"2008-10-17\", ", ""] {
        let source = format!(
            "{{{version}\"Statement\": {{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::home/${{aws:username}}/*\"}}}}"
        );
        let text = convert("v.json", &source);
        assert!(text.contains("Version 2008-10-17"), "{text}");
        let e = engine(&text, false);
        assert!(req(ALICE, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/k").allowed(&e));
        assert!(!req(ALICE, "s3:GetObject", "arn:aws:s3:::home/alice/k").allowed(&e));
    }
}

#[test]
fn escapes_in_2012_are_the_characters() {
    let source =
        one(r#""Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${*}${?}${$}*""#);
    let e = engine(&convert("e.json", &source), false);
    assert!(req(ALICE, "s3:GetObject", "arn:aws:s3:::b/*?$").allowed(&e));
    assert!(req(ALICE, "s3:GetObject", "arn:aws:s3:::b/*?$x/y").allowed(&e));
    assert!(!req(ALICE, "s3:GetObject", "arn:aws:s3:::b/ab$").allowed(&e));
}

#[test]
fn glob_characters_in_arns_are_literal() {
    let source = one(
        r#""Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::b/[x]{y,z}\\w", "arn:aws:s3:::c/[x]*"]"#,
    );
    let e = engine(&convert("g.json", &source), false);
    assert!(req(ALICE, "s3:GetObject", "arn:aws:s3:::b/[x]{y,z}\\w").allowed(&e));
    assert!(!req(ALICE, "s3:GetObject", "arn:aws:s3:::b/x{y,z}\\w").allowed(&e));
    assert!(!req(ALICE, "s3:GetObject", "arn:aws:s3:::b/[x]y\\w").allowed(&e));
    assert!(req(ALICE, "s3:GetObject", "arn:aws:s3:::c/[x]").allowed(&e));
    assert!(req(ALICE, "s3:GetObject", "arn:aws:s3:::c/[x]/deep/er").allowed(&e));
    assert!(!req(ALICE, "s3:GetObject", "arn:aws:s3:::c/x").allowed(&e));
}

#[test]
fn exact_arns_are_plain_resource_patterns() {
    let source = one(
        r#""Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/k", "arn:aws:s3:::b/./k"]"#,
    );
    let text = convert("x.json", &source);
    // `.` cannot stand in a resource pattern: that list is compared with `==`.
    assert!(
        text.contains("resource.path == \"arn:aws:s3:::b/./k\""),
        "{text}"
    );
    let source =
        one(r#""Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k""#);
    let text = convert("x.json", &source);
    assert!(text.contains("resource  arn:aws:s3:::b/k\n"), "{text}");
}

#[test]
fn not_principal_not_action_not_resource() {
    let source = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:role/admin", "111122223333"]},
         "NotAction": ["secretsmanager:Get*", "secretsmanager:Describe*"],
         "NotResource": "arn:aws:secretsmanager:*:*:secret:sandbox/*"}]}"#;
    let e = engine(&convert("guard.json", source), false);
    let prod = "arn:aws:secretsmanager:us-east-1:1:secret:prod/db";
    let sandbox = "arn:aws:secretsmanager:us-east-1:1:secret:sandbox/x/y";
    let admin = "arn:aws:iam::111122223333:role/admin";
    assert!(req(ALICE, "secretsmanager:GetSecretValue", prod).allowed(&e));
    assert!(req(ALICE, "SecretsManager:describesecret", prod).allowed(&e));
    assert!(!req(ALICE, "secretsmanager:PutSecretValue", prod).allowed(&e));
    assert!(req(ALICE, "secretsmanager:PutSecretValue", sandbox).allowed(&e));
    assert!(req(admin, "secretsmanager:PutSecretValue", prod).allowed(&e));
}

#[test]
fn several_values_or_negated_nor_operators_and() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"StringLike": {"secretsmanager:VersionStage": ["AWSCURRENT", "custom-*"]},
                      "StringNotEqualsIgnoreCase": {"aws:ResourceTag/env": ["prod", "staging"]}}"#);
    let e = engine(&convert("m.json", &source), false);
    let r = |stage: &str| {
        req(
            ALICE,
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:1:secret:a",
        )
        .ctx("version_stage", json!(stage))
    };
    assert!(r("AWSCURRENT").allowed(&e));
    assert!(r("custom-1").allowed(&e));
    assert!(!r("AWSPENDING").allowed(&e));
    assert!(r("AWSCURRENT").rtag("env", "dev").allowed(&e));
    assert!(!r("AWSCURRENT").rtag("env", "PROD").allowed(&e));
    assert!(!r("AWSCURRENT").rtag("env", "Staging").allowed(&e));
}

#[test]
fn dates_compare_to_the_second() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"DateEquals": {"aws:CurrentTime": "2026-03-01T12:00:00Z"}}"#);
    let e = engine(&convert("t.json", &source), false);
    let at = |t: &str| req(ALICE, "a:b", "arn:aws:s3:::b").ctx("time", json!(t));
    assert!(at("2026-03-01T12:00:00Z").allowed(&e));
    assert!(at("2026-03-01T12:00:00.999Z").allowed(&e));
    assert!(at("2026-03-01T14:00:00+02:00").allowed(&e));
    assert!(!at("2026-03-01T12:00:01Z").allowed(&e));
    assert!(!at("2026-03-01T11:59:59.999Z").allowed(&e));
}

#[test]
fn addresses_and_ranges() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["10.1.2.3/8", "2001:db8::/32", "192.0.2.7"]}}"#);
    let text = convert("ip.json", &source);
    assert!(
        text.contains("source_ip in [10.0.0.0/8, 2001:db8::/32, 192.0.2.7/32]"),
        "{text}"
    );
    let e = engine(&text, false);
    let from = |ip: &str| req(ALICE, "a:b", "arn:aws:s3:::b").ctx("source_ip", json!(ip));
    assert!(from("10.200.0.1").allowed(&e));
    assert!(from("2001:db8:1::1").allowed(&e));
    assert!(from("192.0.2.7").allowed(&e));
    assert!(!from("192.0.2.8").allowed(&e));
    assert!(!req(ALICE, "a:b", "arn:aws:s3:::b").allowed(&e));
}

#[test]
fn statement_may_be_one_object() {
    let text = convert(
        "o.json",
        &one(r#""Effect": "Deny", "Action": "*", "Resource": "*""#),
    );
    assert!(text.contains("# /Statement\n"), "{text}");
    assert!(text.contains("deny \"statement-1\""), "{text}");
    // No principal anywhere: an identity-based policy, applying to every caller.
    assert!(text.contains("\n# An identity-based policy: IAM applies it to the principals it is attached to; here it applies to every caller.\npolicy \"o\" {"), "{text}");
}

#[test]
fn which_json_files_are_policy_documents() {
    use tessera_import::aws::is_policy_document;
    assert!(is_policy_document(
        r#"{"Version": "2012-10-17", "Statement": []}"#
    ));
    assert!(is_policy_document(r#"{"Statement": {}}"#));
    // The key names are IAM's, exactly: other JSON with a `version` is left alone.
    assert!(!is_policy_document(r#"{"version": "2012-10-17"}"#));
    assert!(is_policy_document(
        r#"{"version": "2012-10-17", "Statement": []}"#
    ));
    // Broken JSON: reported, never skipped.
    assert!(is_policy_document("{\"Version\": "));
    // Requests and other JSON: left alone.
    assert!(!is_policy_document(
        r#"{"principal": "user:alice", "action": "a", "resource": "r"}"#
    ));
    assert!(!is_policy_document("[1, 2]"));
    assert!(!is_policy_document("\"Version\""));
}

/// The `when` lines of a converted one-statement document.
fn when_lines(text: &str) -> Vec<String> {
    let start = text.find("when {").unwrap() + "when {".len();
    let end = start + text[start..].find("}\n").unwrap();
    text[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn other_keys_are_custom_attributes_named_in_lower_case() {
    let source = one(
        r#""Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
        "Condition": {
          "StringEquals": {"aws:SourceVpce": ["vpce-1a2b3c4d", "vpce-5"], "aws:PrincipalTag/cost center": "cc-1"},
          "StringNotLikeIfExists": {"aws:RequestTag/Env": "prod-*"},
          "Bool": {"aws:ViaAWSService": "false"},
          "NumericLessThanEquals": {"s3:max-keys": "10"},
          "IpAddress": {"aws:VpcSourceIp": ["10.0.0.0/8", "192.168.1.7"]}
        }"#,
    );
    let text = convert("custom.json", &source);
    assert_eq!(
        when_lines(&text),
        [
            r#"action ilike "secretsmanager:GetSecretValue""#,
            r#"has context."aws:sourcevpce" and context."aws:sourcevpce" in ["vpce-1a2b3c4d", "vpce-5"]"#,
            r#"has principal.tags."cost center" and principal.tags."cost center" == "cc-1""#,
            r#"not has context."aws:requesttag/env" or not (context."aws:requesttag/env" like "prod-*")"#,
            r#"has context."aws:viaawsservice" and context."aws:viaawsservice" == false"#,
            r#"has context."s3:max-keys" and context."s3:max-keys" <= 10"#,
            r#"has context."aws:vpcsourceip" and context."aws:vpcsourceip" in [10.0.0.0/8, 192.168.1.7/32]"#,
        ],
        "{text}"
    );
    let e = engine(&text, false);
    let get = "secretsmanager:GetSecretValue";
    let ok = || {
        req(ALICE, get, "arn:x")
            .ctx("aws:sourcevpce", json!("vpce-5"))
            .ptag("cost center", "cc-1")
            .ctx("aws:viaawsservice", json!(false))
            .ctx("s3:max-keys", json!(10))
            .ctx("aws:vpcsourceip", json!("10.1.2.3"))
    };
    assert!(ok().allowed(&e));
    // The request's names are lower case: another spelling is another key.
    let mut r = ok();
    r.context.remove("aws:sourcevpce");
    assert!(!r.ctx("aws:SourceVpce", json!("vpce-5")).allowed(&e));
    assert!(!ok().ctx("aws:sourcevpce", json!("vpce-6")).allowed(&e));
    assert!(!ok().ctx("aws:requesttag/env", json!("prod-1")).allowed(&e));
    assert!(ok().ctx("aws:requesttag/env", json!("dev")).allowed(&e));
    assert!(!ok().ctx("aws:viaawsservice", json!(true)).allowed(&e));
    assert!(!ok().ctx("s3:max-keys", json!(11)).allowed(&e));
    assert!(!ok().ctx("aws:vpcsourceip", json!("8.8.8.8")).allowed(&e));
    // A value of another type is unknown: the allow does not apply.
    assert!(!ok().ctx("s3:max-keys", json!("10")).allowed(&e));
    assert!(!ok().ctx("aws:viaawsservice", json!("false")).allowed(&e));
}

#[test]
fn a_deny_on_a_custom_key_holds_when_the_key_is_missing_or_mistyped() {
    let source = one(r#""Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}"#);
    let text = convert("deny.json", &source);
    let e = engine(&text, true);
    let r = || req(ALICE, "secretsmanager:GetSecretValue", "arn:x");
    assert!(r().ctx("aws:sourcevpce", json!("vpce-1")).allowed(&e));
    assert!(!r().ctx("aws:sourcevpce", json!("vpce-2")).allowed(&e));
    assert!(!r().allowed(&e));
    assert!(!r().ctx("aws:sourcevpce", json!(1)).allowed(&e));
}

#[test]
fn a_whole_policy_variable_under_string_equals_compares_two_request_values() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {
          "aws:ResourceTag/Owner": ["${aws:PrincipalTag/Team}", "root"],
          "s3:prefix": "${aws:username}"
        }}"#);
    let text = convert("vars.json", &source);
    assert_eq!(
        when_lines(&text),
        [
            r#"has resource.tags.owner and (has principal.tags.team and resource.tags.owner == principal.tags.team or resource.tags.owner == "root")"#,
            r#"has context."s3:prefix" and has context."aws:username" and context."aws:username" like "*" and context."s3:prefix" == context."aws:username""#,
        ],
        "{text}"
    );
    let e = engine(&text, false);
    let r = || {
        req(ALICE, "s3:GetObject", "arn:x")
            .ctx("s3:prefix", json!("alice"))
            .ctx("aws:username", json!("alice"))
    };
    assert!(r().ptag("team", "a").rtag("owner", "a").allowed(&e));
    assert!(r().rtag("owner", "root").allowed(&e));
    assert!(!r().ptag("team", "a").rtag("owner", "b").allowed(&e));
    assert!(!r().rtag("owner", "a").allowed(&e));
    assert!(!r().ptag("team", "a").allowed(&e));
    // The username must be there, equal, and a string.
    let owner = |q: Req| q.rtag("owner", "root");
    assert!(!owner(r().ctx("aws:username", json!("bob"))).allowed(&e));
    let mut missing = owner(r());
    missing.context.remove("aws:username");
    assert!(!missing.allowed(&e));
    assert!(!owner(r().ctx("s3:prefix", json!(1)).ctx("aws:username", json!(1))).allowed(&e));
}

#[test]
fn key_names_with_quotes_and_backslashes_are_read_exactly() {
    // JSON `"x:a\" or true or \"\\b"` is the key `x:a" or true or "\b`.
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"x:a\" or true or \"\\b": "v", "aws:PrincipalTag/t\"x": "w"}}"#);
    let text = convert("quotes.json", &source);
    assert_eq!(
        when_lines(&text),
        [
            // The name's ` or ` makes the importer group the test: harmless.
            r#"has context."x:a\" or true or \"\\b" and (context."x:a\" or true or \"\\b" == "v")"#,
            r#"has principal.tags."t\"x" and principal.tags."t\"x" == "w""#,
        ],
        "{text}"
    );
    let e = engine(&text, false);
    let r = || req(ALICE, "s3:GetObject", "arn:x");
    assert!(
        r().ctx("x:a\" or true or \"\\b", json!("v"))
            .ptag("t\"x", "w")
            .allowed(&e)
    );
    assert!(!r().ctx("x:a", json!("v")).ptag("t\"x", "w").allowed(&e));
    assert!(!r().ctx("x:a\" or true or \"\\b", json!("v")).allowed(&e));
}

#[test]
fn arn_operators_match_the_six_components_one_by_one() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {
          "ArnLike": {"aws:SourceArn": ["arn:aws:s3:::bucket-?/*", "arn:aws:sns:us-?-1:1:t"]},
          "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}
        }"#);
    let text = convert("arn.json", &source);
    assert_eq!(
        when_lines(&text),
        [
            r#"has context."aws:sourcearn" and (context."aws:sourcearn" like "arn:aws:s3:::bucket-?/*" or context."aws:sourcearn" like "arn:aws:sns:us-[!:]-1:1:t")"#,
            r#"has context."aws:principalarn" and context."aws:principalarn" like "arn:aws:iam::*:role/app" and not context."aws:principalarn" like "*:*:*:*:*:*:*""#,
        ],
        "{text}"
    );
    let e = engine(&text, false);
    let r = |source: &str, principal: &str| {
        req(ALICE, "s3:GetObject", "arn:x")
            .ctx("aws:sourcearn", json!(source))
            .ctx("aws:principalarn", json!(principal))
    };
    let role = "arn:aws:iam::111122223333:role/app";
    assert!(r("arn:aws:s3:::bucket-a/key", role).allowed(&e));
    // In the resource component, `*` and `?` cross `:` and `/`.
    assert!(r("arn:aws:s3:::bucket-:/a:b", role).allowed(&e));
    assert!(r("arn:aws:sns:us-e-1:1:t", role).allowed(&e));
    // In the first five, `?` is one character other than `:`, `*` a run without `:`.
    assert!(!r("arn:aws:sns:us-:-1:1:t", role).allowed(&e));
    assert!(!r("arn:aws:iam::1:2:role/app", "").allowed(&e));
    assert!(!r("arn:aws:s3:::bucket-a/key", "arn:aws:iam::1:2:role/app").allowed(&e));
    assert!(!r("arn:aws:s3:::bucket-a/key", "arn:aws:iam::1:role/app:x").allowed(&e));
    assert!(r("arn:aws:s3:::bucket-a/key", "arn:aws:iam:::role/app").allowed(&e));
    // Case-sensitive, and an ARN of fewer than six components matches nothing.
    assert!(!r("arn:aws:S3:::bucket-a/key", role).allowed(&e));
    assert!(!r("arn:aws:s3:bucket-a/key", role).allowed(&e));
    // Missing, or not a string: the allow does not apply.
    let mut missing = r("arn:aws:s3:::bucket-a/key", role);
    missing.context.remove("aws:principalarn");
    assert!(!missing.allowed(&e));
    assert!(
        !r("arn:aws:s3:::bucket-a/key", role)
            .ctx("aws:sourcearn", json!(1))
            .allowed(&e)
    );
}

#[test]
fn arn_not_like_on_a_missing_key_holds_and_exact_arns_are_equalities() {
    let source = one(r#""Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"ArnNotEquals": {"aws:SourceArn": ["arn:p:s:::a", "arn:p:s:::b"]}}"#);
    let text = convert("arn-not.json", &source);
    // The formatter spreads the list over lines.
    assert_eq!(
        when_lines(&text).concat(),
        r#"not has context."aws:sourcearn" or not (context."aws:sourcearn" in ["arn:p:s:::a","arn:p:s:::b",])"#,
        "{text}"
    );
    let e = engine(&text, true);
    let r = || req(ALICE, "s3:GetObject", "arn:x");
    assert!(r().ctx("aws:sourcearn", json!("arn:p:s:::b")).allowed(&e));
    assert!(!r().ctx("aws:sourcearn", json!("arn:p:s:::c")).allowed(&e));
    assert!(!r().allowed(&e));
}

#[test]
fn binary_equals_compares_canonical_base64_text() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"BinaryEqualsIfExists": {"example:Blob": ["QmluYXJ5", "QQ=="]}}"#);
    let text = convert("bin.json", &source);
    assert_eq!(
        when_lines(&text),
        [r#"not has context."example:blob" or context."example:blob" in ["QmluYXJ5", "QQ=="]"#],
        "{text}"
    );
    let e = engine(&text, false);
    let r = || req(ALICE, "s3:GetObject", "arn:x");
    assert!(r().ctx("example:blob", json!("QQ==")).allowed(&e));
    assert!(r().allowed(&e));
    assert!(!r().ctx("example:blob", json!("Qg==")).allowed(&e));
}

#[test]
fn decimal_fractions_of_at_most_15_digits_compare_as_decimals() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"NumericLessThan": {"example:Ratio": ["0.1", "+002.50"]},
                      "NumericGreaterThanEquals": {"example:Ratio": -1.25}}"#);
    let text = convert("frac.json", &source);
    assert_eq!(
        when_lines(&text),
        [
            r#"has context."example:ratio" and (context."example:ratio" < 0.1 or context."example:ratio" < 2.5)"#,
            r#"has context."example:ratio" and context."example:ratio" >= -1.25"#,
        ],
        "{text}"
    );
    let e = engine(&text, false);
    let r = |x: Value| req(ALICE, "s3:GetObject", "arn:x").ctx("example:ratio", x);
    assert!(r(json!(2.49)).allowed(&e));
    assert!(!r(json!(2.5)).allowed(&e));
    assert!(r(json!(-1.25)).allowed(&e));
    assert!(!r(json!(-1.26)).allowed(&e));
    assert!(!r(json!("1")).allowed(&e));
}

#[test]
fn accounts_services_and_providers_as_principals() {
    let source = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws-cn:iam::210987654321:root"],
          "Service": "secretsmanager.amazonaws.com", "Federated": "cognito-identity.amazonaws.com",
          "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
         "Action": "*", "Resource": "*"}]}"#;
    let text = convert("who.json", source);
    assert!(
        text.contains("An account in `Principal` stands for every IAM and STS principal"),
        "{text}"
    );
    let e = engine(&text, false);
    let get = |who: &str| req(who, "secretsmanager:GetSecretValue", "arn:x").allowed(&e);
    // Every IAM and STS principal of the account, in its partition.
    assert!(get("arn:aws:iam::123456789012:user/alice"));
    assert!(get("arn:aws:iam::123456789012:role/app"));
    assert!(get("arn:aws:iam::123456789012:root"));
    assert!(get("arn:aws:sts::123456789012:federated-user/bob"));
    assert!(get("arn:aws-cn:iam::210987654321:user/a"));
    assert!(!get("arn:aws:iam::210987654321:user/a"));
    assert!(!get("arn:aws:iam::999999999999:user/alice"));
    assert!(!get("arn:aws:s3::123456789012:x"));
    assert!(!get("arn:aws:iam::1234567890123:user/alice"));
    // Services, providers and canonical users by their prefixed names.
    assert!(get("service:secretsmanager.amazonaws.com"));
    assert!(!get("secretsmanager.amazonaws.com"));
    assert!(!get("service:ec2.amazonaws.com"));
    assert!(get("federated:cognito-identity.amazonaws.com"));
    assert!(!get("service:cognito-identity.amazonaws.com"));
    assert!(get(
        "canonical-user:79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    ));
}

#[test]
fn not_principal_in_a_deny_spares_a_caller_only_with_its_account() {
    let source = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:role/admin",
           "arn:aws:iam::444455556666:user/bob", "111122223333"], "Service": "backup.amazonaws.com"},
         "Action": "*", "Resource": "*"}]}"#;
    let text = convert("np.json", source);
    let e = engine(&text, false);
    let get = |who: &str| req(who, "secretsmanager:GetSecretValue", "arn:x").allowed(&e);
    // Named with its account: spared.
    assert!(get("arn:aws:iam::111122223333:role/admin"));
    assert!(get("arn:aws:iam::111122223333:root"));
    assert!(get("service:backup.amazonaws.com"));
    // Named without its account: IAM may deny the account first, so the deny applies.
    assert!(!get("arn:aws:iam::444455556666:user/bob"));
    // An account named alone spares its root user only.
    assert!(!get("arn:aws:iam::111122223333:user/alice"));
    assert!(!get(ALICE));

    // Nobody spared at all: the deny applies to every caller.
    let source = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:user/bob"},
         "Action": "*", "Resource": "*"}]}"#;
    let e = engine(&convert("np2.json", source), false);
    let r = req(
        "arn:aws:iam::444455556666:user/bob",
        "secretsmanager:GetSecretValue",
        "arn:x",
    );
    assert!(!r.allowed(&e));
}

#[test]
fn policy_variables_in_an_allow_s_resource_are_pattern_variables() {
    let source = one(r#""Effect": "Allow", "Action": "*",
        "Resource": ["arn:aws:iam::*:user/${aws:username}", "arn:aws:s3:::b/${aws:PrincipalTag/Team}/a?x"]"#);
    let text = convert("vars.json", &source);
    assert!(
        text.contains(r#"resource  "arn:aws:iam::*:user/${context.\"aws:username\"}","#),
        "{text}"
    );
    assert!(
        text.contains("arn:aws:s3:::b/${principal.tags.team}/a/x"),
        "{text}"
    );
    assert!(text.contains("matches its value literally"), "{text}");
    let e = engine(&text, false);
    let r = |resource: &str| {
        req(ALICE, "iam:GetUser", resource)
            .ctx("aws:username", json!("alice"))
            .ptag("team", "blue")
    };
    // IAM's `*` crosses `/` and `:`; `?` is any one character, `/` too.
    assert!(r("arn:aws:iam::111122223333:user/alice").allowed(&e));
    assert!(r("arn:aws:iam::1:2/3:user/alice").allowed(&e));
    assert!(!r("arn:aws:iam::1:user/bob").allowed(&e));
    assert!(!r("arn:aws:iam::1:user/alice/x").allowed(&e));
    assert!(r("arn:aws:s3:::b/blue/abx").allowed(&e));
    assert!(r("arn:aws:s3:::b/blue/a/x").allowed(&e));
    assert!(!r("arn:aws:s3:::b/red/abx").allowed(&e));
    // The value is matched literally: `*` in a user name is a star.
    let star = req(ALICE, "iam:GetUser", "arn:aws:iam::1:user/bob").ctx("aws:username", json!("*"));
    assert!(!star.allowed(&e));
    // Missing, or of another type: no match (unknown, the allow does not apply).
    assert!(!req(ALICE, "iam:GetUser", "arn:aws:iam::1:user/alice").allowed(&e));
    let number = req(ALICE, "iam:GetUser", "arn:aws:iam::1:user/1").ctx("aws:username", json!(1));
    assert!(!number.allowed(&e));
    // Stricter than IAM where Tessera's variables are: a value holding `/`
    // matches nothing (IAM would match `user/a/b` as text).
    let slash =
        req(ALICE, "iam:GetUser", "arn:aws:iam::1:user/a/b").ctx("aws:username", json!("a/b"));
    assert!(!slash.allowed(&e));
}

#[test]
fn policy_variables_in_a_deny_s_not_resource_deny_at_least_where_iam_does() {
    let source = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::home/${aws:username}/*"}]}"#;
    let text = convert("home.json", source);
    let e = engine(&text, false);
    let r = |resource: &str, user: Option<&str>| {
        let q = req(ALICE, "s3:GetObject", resource);
        match user {
            Some(u) => q.ctx("aws:username", json!(u)),
            None => q,
        }
    };
    assert!(r("arn:aws:s3:::home/alice/a/b", Some("alice")).allowed(&e));
    assert!(!r("arn:aws:s3:::home/bob/a", Some("alice")).allowed(&e));
    // No user name: IAM's pattern matches nothing, so NotResource holds and
    // the deny applies; Tessera's is unknown, and the deny applies too.
    assert!(!r("arn:aws:s3:::home/alice/a", None).allowed(&e));
}

#[test]
fn key_names_beyond_ascii_convert_when_their_letters_have_no_case() {
    // `成本` and `€` have no case, so every case folding leaves them alone;
    // the rest of the name is lower-cased as usual.
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/Team成本": "a", "Example:Price€": "b"}}"#);
    let text = convert("cjk.json", &source);
    assert_eq!(
        when_lines(&text),
        [
            r#"has principal.tags."team成本" and principal.tags."team成本" == "a""#,
            r#"has context."example:price€" and context."example:price€" == "b""#,
        ],
        "{text}"
    );
    let e = engine(&text, false);
    let r = req(ALICE, "s3:GetObject", "arn:x")
        .ptag("team成本", "a")
        .ctx("example:price€", json!("b"));
    assert!(r.allowed(&e));
    assert!(!r.ptag("team成本", "b").allowed(&e));
}

#[test]
fn quantifiers_on_keys_that_hold_one_value() {
    // IAM reads one value as a set of one, a missing key or an empty string
    // as an empty set: ForAnyValue is false there, ForAllValues true.
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {
          "ForAnyValue:StringLike": {"aws:PrincipalTag/team": ["pay*", "bill*"]},
          "ForAllValues:StringNotEquals": {"aws:ResourceTag/env": "prod"},
          "ForAllValues:IpAddress": {"aws:SourceIp": "10.0.0.0/8"}
        }"#);
    let text = convert("q.json", &source);
    assert_eq!(
        when_lines(&text),
        [
            r#"has principal.tags.team and principal.tags.team != "" and (principal.tags.team like "pay*" or principal.tags.team like "bill*")"#,
            r#"not has resource.tags.env or resource.tags.env == "" or not (resource.tags.env == "prod")"#,
            r#"not has source_ip or source_ip in [10.0.0.0/8]"#,
        ],
        "{text}"
    );
    let e = engine(&text, false);
    let r = || req(ALICE, "s3:GetObject", "arn:x").ptag("team", "payments");
    assert!(r().allowed(&e));
    assert!(r().rtag("env", "dev").allowed(&e));
    assert!(r().rtag("env", "").allowed(&e));
    assert!(!r().rtag("env", "prod").allowed(&e));
    assert!(r().ctx("source_ip", json!("10.1.2.3")).allowed(&e));
    assert!(!r().ctx("source_ip", json!("8.8.8.8")).allowed(&e));
    assert!(!req(ALICE, "s3:GetObject", "arn:x").allowed(&e));
    assert!(
        !req(ALICE, "s3:GetObject", "arn:x")
            .ptag("team", "")
            .allowed(&e)
    );
    assert!(
        !req(ALICE, "s3:GetObject", "arn:x")
            .ptag("team", "ops")
            .allowed(&e)
    );
}

#[test]
fn for_any_value_on_an_empty_string_takes_the_stricter_reading() {
    // Whether IAM reads an empty value as no value (ForAnyValue false) or
    // as the value "" is not documented: an Allow applies under both, a
    // Deny under either.
    let doc = |effect: &str| {
        one(&format!(
            r#""Effect": "{effect}", "Action": "*", "Resource": "*",
            "Condition": {{"ForAnyValue:StringNotEquals": {{"aws:PrincipalTag/team": "ops"}}}}"#
        ))
    };
    let allow = convert("a.json", &doc("Allow"));
    assert_eq!(
        when_lines(&allow),
        [
            r#"has principal.tags.team and principal.tags.team != "" and not (principal.tags.team == "ops")"#
        ],
        "{allow}"
    );
    let deny = convert("d.json", &doc("Deny"));
    assert_eq!(
        when_lines(&deny),
        [r#"has principal.tags.team and not (principal.tags.team == "ops")"#],
        "{deny}"
    );
    let empty = req(ALICE, "s3:GetObject", "arn:x").ptag("team", "");
    assert!(!empty.allowed(&engine(&allow, false)));
    assert!(!empty.allowed(&engine(&deny, true)));
    let dev = req(ALICE, "s3:GetObject", "arn:x").ptag("team", "dev");
    assert!(dev.allowed(&engine(&allow, false)));
    assert!(!dev.allowed(&engine(&deny, true)));
    let ops = req(ALICE, "s3:GetObject", "arn:x").ptag("team", "ops");
    assert!(!ops.allowed(&engine(&allow, false)));
    assert!(ops.allowed(&engine(&deny, true)));
}

#[test]
fn arn_patterns_that_like_cannot_say_exactly_are_bounded_strictly() {
    // `*` in the account component and in the resource part: IAM keeps the
    // first inside its component, which `like` cannot say. An Allow takes
    // the narrower test (exactly five colons), a Deny the wider one.
    let doc = |effect: &str, op: &str| {
        one(&format!(
            r#""Effect": "{effect}", "Action": "*", "Resource": "*",
            "Condition": {{"{op}": {{"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}}}"#
        ))
    };
    let allow = convert("a.json", &doc("Allow", "ArnLike"));
    assert!(allow.contains("is bounded, not exact"), "{allow}");
    assert_eq!(
        when_lines(&allow),
        [
            r#"has context."aws:principalarn" and context."aws:principalarn" like "arn:aws:iam::*:role/*" and not context."aws:principalarn" like "*:*:*:*:*:*:*""#
        ],
        "{allow}"
    );
    let deny = convert("d.json", &doc("Deny", "ArnLike"));
    assert_eq!(
        when_lines(&deny),
        [
            r#"has context."aws:principalarn" and context."aws:principalarn" like "arn:aws:iam::*:role/*""#
        ],
        "{deny}"
    );
    let r = |arn: &str| req(ALICE, "s3:GetObject", "arn:x").ctx("aws:principalarn", json!(arn));
    let (a, d) = (engine(&allow, false), engine(&deny, true));
    // IAM matches: the Allow applies, the Deny applies.
    assert!(r("arn:aws:iam::111122223333:role/app").allowed(&a));
    assert!(!r("arn:aws:iam::111122223333:role/app").allowed(&d));
    // IAM does not match (the account holds a colon): neither applies in
    // the Allow; the Deny, wider, applies (stricter than IAM).
    assert!(!r("arn:aws:iam::1:2:role/app").allowed(&a));
    assert!(!r("arn:aws:iam::1:2:role/app").allowed(&d));
    // IAM matches (a colon in the resource part): the narrower Allow does
    // not apply (stricter than IAM); the Deny does.
    assert!(!r("arn:aws:iam::1:role/a:b").allowed(&a));
    assert!(!r("arn:aws:iam::1:role/a:b").allowed(&d));
    // Negated: the bounds swap.
    let not_allow = convert("na.json", &doc("Allow", "ArnNotLike"));
    assert!(!when_lines(&not_allow)[0].contains("*:*:*"), "{not_allow}");
    let not_deny = convert("nd.json", &doc("Deny", "ArnNotLike"));
    assert!(
        when_lines(&not_deny)[0].contains("*:*:*:*:*:*:*"),
        "{not_deny}"
    );
}

#[test]
fn for_any_value_if_exists_takes_the_stricter_reading() {
    // What IfExists changes under ForAnyValue is not documented: an Allow
    // reads a missing key as false, a Deny as true.
    let doc = |effect: &str| {
        one(&format!(
            r#""Effect": "{effect}", "Action": "*", "Resource": "*",
            "Condition": {{"ForAnyValue:StringEqualsIfExists": {{"aws:ResourceTag/env": "prod"}}}}"#
        ))
    };
    let allow = convert("a.json", &doc("Allow"));
    let deny = convert("d.json", &doc("Deny"));
    assert_eq!(
        when_lines(&deny),
        [r#"not has resource.tags.env or resource.tags.env == "" or resource.tags.env == "prod""#],
        "{deny}"
    );
    let none = req(ALICE, "s3:GetObject", "arn:x");
    assert!(!none.allowed(&engine(&allow, false)));
    assert!(!none.allowed(&engine(&deny, true)));
    let prod = req(ALICE, "s3:GetObject", "arn:x").rtag("env", "prod");
    assert!(prod.allowed(&engine(&allow, false)));
    assert!(!prod.allowed(&engine(&deny, true)));
    let dev = req(ALICE, "s3:GetObject", "arn:x").rtag("env", "dev");
    assert!(!dev.allowed(&engine(&allow, false)));
    assert!(dev.allowed(&engine(&deny, true)));
}

#[test]
fn quantifiers_over_lists_are_any_and_all() {
    let source = one(r#""Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {
          "ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com", "glue.amazonaws.com"]},
          "ForAllValues:StringLike": {"aws:TagKeys": ["env*", "team*"]},
          "ForAllValues:StringNotEqualsIgnoreCase": {"example:Roles": "Admin"}
        }"#);
    let text = convert("lists.json", &source);
    let flat: Vec<String> = when_lines(&text);
    let joined = flat.concat();
    for line in [
        r#"has context."aws:calledvia" and any context."aws:calledvia" in ["#,
        r#"not has context."aws:tagkeys" or all context."aws:tagkeys" like ["env*", "team*"]"#,
        r#"not has context."example:roles" or not any context."example:roles" ilike "Admin""#,
    ] {
        assert!(joined.contains(line), "{line}\n{text}");
    }
    let e = engine(&text, false);
    let r = |via: Value| req(ALICE, "s3:GetObject", "arn:x").ctx("aws:calledvia", via);
    assert!(r(json!(["glue.amazonaws.com"])).allowed(&e));
    assert!(r(json!(["x", "athena.amazonaws.com"])).allowed(&e));
    assert!(!r(json!(["x"])).allowed(&e));
    // An empty set or a missing key: ForAnyValue false.
    assert!(!r(json!([])).allowed(&e));
    assert!(!req(ALICE, "s3:GetObject", "arn:x").allowed(&e));
    // One string rather than a list: unknown in Tessera (IAM reads a set of
    // one), so the allow does not apply: stricter, never looser.
    assert!(!r(json!("glue.amazonaws.com")).allowed(&e));
    let ok = || r(json!(["glue.amazonaws.com"]));
    assert!(
        ok().ctx("aws:tagkeys", json!(["env", "team-a"]))
            .allowed(&e)
    );
    assert!(ok().ctx("aws:tagkeys", json!([])).allowed(&e));
    assert!(!ok().ctx("aws:tagkeys", json!(["env", "cost"])).allowed(&e));
    assert!(
        !ok()
            .ctx("example:roles", json!(["reader", "ADMIN"]))
            .allowed(&e)
    );
    assert!(ok().ctx("example:roles", json!(["reader"])).allowed(&e));
}
