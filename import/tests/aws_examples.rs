//! AWS's documented example policies (Secrets Manager and IAM user guides),
//! converted and decided through the engine. Each expected decision is
//! AWS's, worked out from AWS's documented evaluation rules for the document
//! evaluated alone (an allow is needed, an explicit deny wins; a condition
//! on a missing key is false, true for a negated operator or `...IfExists`),
//! never read off the converter's output. Sources are listed in
//! `tests/data/aws/SOURCES.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod aws_support;
use aws_support::*;
use serde_json::json;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const ANAYA: &str = "arn:aws:iam::123456789012:user/anaya";
const MATEO: &str = "arn:aws:iam::123456789012:user/mateo";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-a1b2c3";

/// Converts `name`, compiles it, and checks every `(request, allowed)` case.
fn check(name: &str, with_allow_all: bool, cases: &[(Req, bool)]) {
    let text = convert(&format!("{name}.json"), &data(name));
    assert!(text.contains(&format!("policy \"{name}\"")), "{text}");
    let engine = engine(&text, with_allow_all);
    for (i, (request, allowed)) in cases.iter().enumerate() {
        assert_eq!(
            request.allowed(&engine),
            *allowed,
            "{name}, case {i}: {}\n{text}",
            request.json()
        );
    }
}

#[test]
fn secrets_manager_resource_policy_for_anaya() {
    check(
        "sm-resource-anaya",
        false,
        &[
            (req(ANAYA, "secretsmanager:GetSecretValue", SECRET), true),
            (req(ANAYA, "secretsmanager:DeleteSecret", SECRET), true),
            // IAM matches the service prefix and action name ignoring case.
            (req(ANAYA, "SecretsManager:getsecretvalue", SECRET), true),
            (req(MATEO, "secretsmanager:GetSecretValue", SECRET), false),
            (req(ANAYA, "s3:GetObject", SECRET), false),
            // Principal ARNs are compared as written.
            (
                req(
                    "arn:aws:iam::123456789012:user/anaya2",
                    "secretsmanager:GetSecretValue",
                    SECRET,
                ),
                false,
            ),
        ],
    );
}

#[test]
fn secrets_manager_resource_policy_for_mateo() {
    check(
        "sm-resource-mateo",
        false,
        &[
            (req(MATEO, "secretsmanager:GetSecretValue", SECRET), true),
            (req(MATEO, "secretsmanager:PutSecretValue", SECRET), false),
            (req(ANAYA, "secretsmanager:GetSecretValue", SECRET), false),
        ],
    );
}

#[test]
fn secrets_manager_identity_policy_by_name_and_six_character_suffix() {
    let arn = |name: &str| format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}");
    check(
        "sm-identity-by-name",
        false,
        &[
            (
                req(
                    ALICE,
                    "secretsmanager:DescribeSecret",
                    &arn("anything-zzzzzz"),
                ),
                true,
            ),
            (req(ALICE, "secretsmanager:ListSecrets", "*"), true),
            (
                req(
                    ALICE,
                    "secretsmanager:ListSecretVersionIds",
                    &arn("x-aaaaaa"),
                ),
                true,
            ),
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &arn("anything-zzzzzz"),
                ),
                false,
            ),
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &arn("a_specific_secret_name-a1b2c3"),
                ),
                true,
            ),
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &arn("a_specific_secret_name-a1b2c4"),
                ),
                false,
            ),
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &arn("another_secret_name-x1y2z3"),
                ),
                true,
            ),
            // `??????` is exactly six characters.
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &arn("another_secret_name-x1y2z"),
                ),
                false,
            ),
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &arn("another_secret_name-x1y2z3w"),
                ),
                false,
            ),
            // IAM's `?` matches `/` too.
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &arn("another_secret_name-ab/cde"),
                ),
                true,
            ),
            (
                req(ALICE, "kms:Decrypt", &arn("a_specific_secret_name-a1b2c3")),
                false,
            ),
        ],
    );
}

#[test]
fn secrets_manager_abac_server_name_tag() {
    check(
        "sm-abac-server-name",
        false,
        &[
            (
                req(ALICE, "secretsmanager:DescribeSecret", SECRET).rtag("ServerName", "ServerABC"),
                true,
            ),
            // The tag key's case does not matter to IAM (the host sends it lower-cased).
            (
                req(ALICE, "secretsmanager:DescribeSecret", SECRET).rtag("servername", "ServerABC"),
                true,
            ),
            // The value's case does: StringEquals is case-sensitive.
            (
                req(ALICE, "secretsmanager:DescribeSecret", SECRET).rtag("ServerName", "serverabc"),
                false,
            ),
            // A missing tag makes StringEquals false.
            (req(ALICE, "secretsmanager:DescribeSecret", SECRET), false),
            (
                req(ALICE, "secretsmanager:GetSecretValue", SECRET).rtag("ServerName", "ServerABC"),
                false,
            ),
        ],
    );
}

#[test]
fn secrets_manager_identity_policy_read_one_secret() {
    let one = "arn:aws:secretsmanager:us-east-2:123456789012:secret:MySecret-a1b2c3";
    check(
        "sm-identity-read-one",
        false,
        &[
            (req(ALICE, "secretsmanager:GetSecretValue", one), true),
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &one.replace("a1b2c3", "a1b2c4"),
                ),
                false,
            ),
            (
                req(
                    ALICE,
                    "secretsmanager:GetSecretValue",
                    &one.replace("MySecret", "mysecret"),
                ),
                false,
            ),
            (req(ALICE, "secretsmanager:DescribeSecret", one), false),
        ],
    );
}

#[test]
fn iam_deny_outside_the_company_ranges() {
    // The document only denies: other policies allow everything.
    check(
        "iam-deny-outside-ip-range",
        true,
        &[
            (
                req(ALICE, "secretsmanager:GetSecretValue", SECRET)
                    .ctx("source_ip", json!("192.0.2.77")),
                true,
            ),
            (
                req(ALICE, "secretsmanager:GetSecretValue", SECRET)
                    .ctx("source_ip", json!("203.0.113.200")),
                true,
            ),
            (
                req(ALICE, "secretsmanager:GetSecretValue", SECRET)
                    .ctx("source_ip", json!("198.51.100.1")),
                false,
            ),
            (
                req(ALICE, "secretsmanager:GetSecretValue", SECRET)
                    .ctx("source_ip", json!("2001:db8::1")),
                false,
            ),
            // NotIpAddress on a missing key is true in IAM: the deny applies.
            (req(ALICE, "secretsmanager:GetSecretValue", SECRET), false),
        ],
    );
}

#[test]
fn iam_date_range() {
    let at =
        |t: &str| req(ALICE, "service-prefix:action-name", "arn:aws:s3:::x").ctx("time", json!(t));
    check(
        "iam-date-range",
        false,
        &[
            (at("2020-05-01T00:00:00Z"), true),
            (at("2020-04-01T00:00:00Z"), false),
            (at("2020-04-01T00:00:01Z"), true),
            (at("2020-06-30T23:59:58Z"), true),
            (at("2020-06-30T23:59:59Z"), false),
            (at("2020-07-01T00:00:00Z"), false),
            (at("2020-03-31T23:00:00Z"), false),
            // Offsets are instants: 02:00+02:00 is midnight UTC.
            (at("2020-04-01T02:00:00+02:00"), false),
            (
                req(ALICE, "SERVICE-PREFIX:Action-Name", "arn:aws:s3:::x")
                    .ctx("time", json!("2020-05-01T00:00:00Z")),
                true,
            ),
            (
                req(ALICE, "service-prefix:other", "arn:aws:s3:::x")
                    .ctx("time", json!("2020-05-01T00:00:00Z")),
                false,
            ),
        ],
    );
}

#[test]
fn iam_recent_mfa_for_ec2() {
    let ec2 = |age: Option<i64>| {
        let r = req(
            ALICE,
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
        );
        match age {
            Some(a) => r.ctx("mfa_age_seconds", json!(a)),
            None => r,
        }
    };
    check(
        "iam-mfa-age",
        false,
        &[
            (ec2(Some(100)), true),
            (ec2(Some(3599)), true),
            (ec2(Some(3600)), false),
            (ec2(Some(86_400)), false),
            // Long-term credentials carry no MFA age: NumericLessThan is false.
            (ec2(None), false),
            (
                req(ALICE, "s3:GetObject", "arn:aws:s3:::b/k").ctx("mfa_age_seconds", json!(1)),
                false,
            ),
        ],
    );
}

#[test]
fn iam_ec2_stop_and_terminate_need_mfa() {
    let i = "arn:aws:ec2:us-east-1:123456789012:instance/i-1";
    check(
        "iam-ec2-require-mfa",
        false,
        &[
            (req(ALICE, "ec2:DescribeInstances", i), true),
            (
                req(ALICE, "ec2:StopInstances", i).ctx("mfa", json!(true)),
                true,
            ),
            (
                req(ALICE, "ec2:StopInstances", i).ctx("mfa", json!(false)),
                false,
            ),
            // BoolIfExists on a missing key is true: the deny applies.
            (req(ALICE, "ec2:StopInstances", i), false),
            (
                req(ALICE, "ec2:terminateinstances", i).ctx("mfa", json!(false)),
                false,
            ),
            (
                req(ALICE, "ec2:TerminateInstances", i).ctx("mfa", json!(true)),
                true,
            ),
            (req(ALICE, "s3:GetObject", i).ctx("mfa", json!(true)), false),
        ],
    );
}

#[test]
fn s3_production_bucket_needs_recent_mfa() {
    check(
        "s3-production-requires-recent-mfa",
        false,
        &[
            (
                req(ALICE, "s3:ListAllMyBuckets", "arn:aws-cn:s3:::anything"),
                true,
            ),
            (req(ALICE, "s3:ListBucket", "arn:aws-cn:s3:::reports"), true),
            // IAM's `*` crosses `/`: `*/*` holds every object key.
            (
                req(
                    ALICE,
                    "s3:GetObject",
                    "arn:aws-cn:s3:::reports/2026/06/summary.csv",
                ),
                true,
            ),
            (req(ALICE, "s3:GetObject", "arn:aws-cn:s3:::reports"), false),
            (
                req(ALICE, "s3:GetObject", "arn:aws-cn:s3:::Production/a/b")
                    .ctx("mfa_age_seconds", json!(100)),
                true,
            ),
            (
                req(ALICE, "s3:GetObject", "arn:aws-cn:s3:::Production/a/b")
                    .ctx("mfa_age_seconds", json!(1800)),
                true,
            ),
            (
                req(ALICE, "s3:GetObject", "arn:aws-cn:s3:::Production/a/b")
                    .ctx("mfa_age_seconds", json!(1801)),
                false,
            ),
            // NumericGreaterThanIfExists on a missing key is true: the deny applies.
            (
                req(ALICE, "s3:GetObject", "arn:aws-cn:s3:::Production/a/b"),
                false,
            ),
            (
                req(ALICE, "s3:ListBucket", "arn:aws-cn:s3:::Production")
                    .ctx("mfa_age_seconds", json!(2000)),
                false,
            ),
            (
                req(ALICE, "s3:ListBucket", "arn:aws-cn:s3:::Production"),
                false,
            ),
            // Resource ARNs are case-sensitive: another bucket.
            (
                req(ALICE, "s3:GetObject", "arn:aws-cn:s3:::production/a"),
                true,
            ),
        ],
    );
}

#[test]
fn iam_access_keys_from_one_range() {
    let user = "arn:aws:iam::account-id:user/bob";
    check(
        "iam-access-keys-from-ip-range",
        false,
        &[
            (
                req(ALICE, "iam:CreateAccessKey", user).ctx("source_ip", json!("203.0.113.7")),
                true,
            ),
            (
                req(ALICE, "iam:ListAccessKeys", user).ctx("source_ip", json!("203.0.113.7")),
                true,
            ),
            (
                req(
                    ALICE,
                    "iam:CreateAccessKey",
                    "arn:aws:iam::account-id:user/division/bob",
                )
                .ctx("source_ip", json!("203.0.113.7")),
                true,
            ),
            (
                req(ALICE, "iam:CreateAccessKey", user).ctx("source_ip", json!("203.0.114.7")),
                false,
            ),
            (req(ALICE, "iam:CreateAccessKey", user), false),
            (
                req(ALICE, "iam:GetUser", user).ctx("source_ip", json!("203.0.113.7")),
                false,
            ),
            (
                req(
                    ALICE,
                    "iam:CreateAccessKey",
                    "arn:aws:iam::account-id:role/r",
                )
                .ctx("source_ip", json!("203.0.113.7")),
                false,
            ),
        ],
    );
}

#[test]
fn iam_access_keys_for_tagged_admins() {
    let user = "arn:aws:iam::account-id:user/bob";
    check(
        "iam-access-keys-by-principal-tag",
        false,
        &[
            (
                req(ALICE, "iam:UpdateAccessKey", user).ptag("job-category", "iamuser-admin"),
                true,
            ),
            (
                req(ALICE, "iam:UpdateAccessKey", user).ptag("Job-Category", "iamuser-admin"),
                true,
            ),
            (
                req(ALICE, "iam:UpdateAccessKey", user).ptag("job-category", "IAMUSER-ADMIN"),
                false,
            ),
            (
                req(ALICE, "iam:UpdateAccessKey", user).ptag("job-category", "developer"),
                false,
            ),
            (req(ALICE, "iam:UpdateAccessKey", user), false),
        ],
    );
}

#[test]
fn s3_deny_all_but_product_managers() {
    // The document only denies: other policies allow everything.
    let object = "arn:aws:s3:::productionbucket/reports/q1.csv";
    check(
        "s3-deny-all-but-product-managers",
        true,
        &[
            (
                req(ALICE, "s3:PutObject", object).ptag("job-title", "Product-Manager"),
                true,
            ),
            (
                req(ALICE, "s3:PutObject", object).ptag("job-title", "Engineer"),
                false,
            ),
            // StringNotEquals on a missing tag is true: the deny applies.
            (req(ALICE, "s3:PutObject", object), false),
            (
                req(ALICE, "s3:GetObject", object).ptag("job-title", "Engineer"),
                true,
            ),
            (
                req(ALICE, "s3:PutObject", "arn:aws:s3:::otherbucket/x")
                    .ptag("job-title", "Engineer"),
                true,
            ),
        ],
    );
}

// ------------------------------------------------- other keys: custom attributes

#[test]
fn secrets_manager_deny_outside_a_vpc_endpoint() {
    // `aws:sourceVpce` is the custom attribute `context."aws:sourcevpce"`
    // (the request sends the key name lower-cased). StringNotEquals on a
    // missing key is true: a request from no endpoint is denied.
    let get = "secretsmanager:GetSecretValue";
    check(
        "sm-deny-outside-vpce",
        true,
        &[
            (
                req(ALICE, get, SECRET).ctx("aws:sourcevpce", json!("vpce-1234a5678b9012c")),
                true,
            ),
            (
                req(ALICE, get, SECRET).ctx("aws:sourcevpce", json!("vpce-0000a5678b9012c")),
                false,
            ),
            (req(ALICE, get, SECRET), false),
            // Only GetSecretValue is denied.
            (req(ALICE, "secretsmanager:DescribeSecret", SECRET), true),
        ],
    );
}

#[test]
fn iam_deny_outside_an_ip_range_unless_via_an_aws_service() {
    // Both conditions must hold for the deny: outside the ranges (or no
    // address, NotIpAddress on a missing key is true) and
    // aws:ViaAWSService false (a missing key makes Bool false).
    let get = "secretsmanager:GetSecretValue";
    let via = |v: bool| req(ALICE, get, SECRET).ctx("aws:viaawsservice", json!(v));
    check(
        "iam-deny-outside-ip-range-via-service",
        true,
        &[
            (via(false).ctx("source_ip", json!("192.0.2.7")), true),
            (via(false).ctx("source_ip", json!("203.0.113.9")), true),
            (via(false).ctx("source_ip", json!("198.51.100.1")), false),
            (via(false), false),
            (via(true).ctx("source_ip", json!("198.51.100.1")), true),
            (
                req(ALICE, get, SECRET).ctx("source_ip", json!("198.51.100.1")),
                true,
            ),
        ],
    );
}

#[test]
fn secrets_manager_abac_matching_tags() {
    // `${aws:PrincipalTag/AccessProject}` is the principal's tag: allowed
    // when the secret's AccessProject tag equals it. A variable the request
    // lacks has no value and equals nothing, and a missing key makes
    // StringEquals false.
    let get = "secretsmanager:GetSecretValue";
    check(
        "sm-abac-matching-tags",
        false,
        &[
            (
                req(ALICE, get, SECRET)
                    .ptag("AccessProject", "payments")
                    .rtag("AccessProject", "payments"),
                true,
            ),
            (
                req(ALICE, get, SECRET)
                    .ptag("AccessProject", "payments")
                    .rtag("AccessProject", "billing"),
                false,
            ),
            // Values compare case-sensitively.
            (
                req(ALICE, get, SECRET)
                    .ptag("AccessProject", "payments")
                    .rtag("AccessProject", "Payments"),
                false,
            ),
            (
                req(ALICE, get, SECRET).rtag("AccessProject", "payments"),
                false,
            ),
            (
                req(ALICE, get, SECRET).ptag("AccessProject", "payments"),
                false,
            ),
            (req(ALICE, get, SECRET), false),
            (
                req(ALICE, "secretsmanager:PutSecretValue", SECRET)
                    .ptag("AccessProject", "payments")
                    .rtag("AccessProject", "payments"),
                false,
            ),
        ],
    );
}

#[test]
fn iam_access_keys_by_token_issue_time() {
    // DateGreaterThan 2020-01-01T00:00:01Z on aws:TokenIssueTime: IAM
    // compares to the second, so 00:00:01.5 is not after it; a request
    // without temporary credentials lacks the key, and the allow does not apply.
    let user = "arn:aws:iam::account-id:user/bob";
    let r = |t: &str| req(ALICE, "iam:CreateAccessKey", user).ctx("aws:tokenissuetime", json!(t));
    check(
        "iam-access-keys-by-token-issue-time",
        false,
        &[
            (r("2020-01-01T00:00:02Z"), true),
            (r("2021-06-01T12:00:00Z"), true),
            (r("2020-01-01T00:00:01Z"), false),
            (r("2020-01-01T00:00:01.500Z"), false),
            (r("2019-12-31T23:59:59Z"), false),
            // The same instant at another offset.
            (r("2020-01-01T01:00:02+01:00"), true),
            (req(ALICE, "iam:CreateAccessKey", user), false),
            // Not a timestamp: unknown, the allow does not apply.
            (
                req(ALICE, "iam:CreateAccessKey", user).ctx("aws:tokenissuetime", json!(1)),
                false,
            ),
            (r("2021-06-01T12:00:00Z").ctx("x", json!(1)), true),
        ],
    );
}

// ------------------------------------------------------- refused for now

#[test]
fn secrets_manager_account_reads_the_current_version() {
    // Principal `arn:aws:iam::123456789012:root`: every IAM and STS
    // principal of the account. `ForAnyValue:StringEquals` on the one
    // version stage a request names: the stage is AWSCURRENT; a request
    // naming no stage has an empty set of them, and the allow does not apply.
    let secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/ServerA-a1b2c3";
    let get = "secretsmanager:GetSecretValue";
    let stage = |who: &str, s: &str| req(who, get, secret).ctx("version_stage", json!(s));
    check(
        "sm-resource-root-current-version",
        false,
        &[
            (stage(ALICE, "AWSCURRENT"), true),
            (
                stage("arn:aws:iam::123456789012:role/app", "AWSCURRENT"),
                true,
            ),
            (stage("arn:aws:iam::123456789012:root", "AWSCURRENT"), true),
            (
                stage("arn:aws:sts::123456789012:federated-user/f", "AWSCURRENT"),
                true,
            ),
            (stage(ALICE, "AWSPREVIOUS"), false),
            (stage(ALICE, ""), false),
            (req(ALICE, get, secret), false),
            (
                stage("arn:aws:iam::210987654321:user/alice", "AWSCURRENT"),
                false,
            ),
            (
                req(ALICE, "secretsmanager:PutSecretValue", secret)
                    .ctx("version_stage", json!("AWSCURRENT")),
                false,
            ),
        ],
    );
}

#[test]
fn iam_self_managed_mfa_by_user_name() {
    // `${aws:username}` in a Resource: the request's `aws:username`.
    let user = |name: &str| format!("arn:aws:iam::123456789012:user/{name}");
    let alice = "arn:aws:iam::123456789012:user/alice";
    let r = |action: &str, resource: &str| {
        req(alice, action, resource).ctx("aws:username", json!("alice"))
    };
    check(
        "iam-mfa-self-manage",
        false,
        &[
            (r("iam:ListUsers", "*"), true),
            (
                r(
                    "iam:CreateVirtualMFADevice",
                    "arn:aws:iam::123456789012:mfa/alice",
                ),
                true,
            ),
            (r("iam:EnableMFADevice", &user("alice")), true),
            (r("iam:ResyncMFADevice", &user("alice")), true),
            (r("iam:EnableMFADevice", &user("bob")), false),
            // Deactivating needs MFA; without it the deny of everything else applies.
            (
                r("iam:DeactivateMFADevice", &user("alice")).ctx("mfa", json!(true)),
                true,
            ),
            (r("iam:DeactivateMFADevice", &user("alice")), false),
            (
                r("iam:DeactivateMFADevice", &user("alice")).ctx("mfa", json!(false)),
                false,
            ),
            (
                r("iam:DeactivateMFADevice", &user("bob")).ctx("mfa", json!(true)),
                false,
            ),
            // No user name in the request: the variable has no value, no match.
            (req(alice, "iam:EnableMFADevice", &user("alice")), false),
            // Anything else without MFA is denied, with MFA not granted here.
            (r("iam:DeleteUser", &user("alice")), false),
        ],
    );
}
