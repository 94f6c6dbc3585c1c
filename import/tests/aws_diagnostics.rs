//! Every kind of refusal and error the AWS importer reports, each located:
//! the diagnostic's line and column are those of the element it names,
//! found in the document by its text, and its message starts with the JSON
//! pointer of that element.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod aws_support;
use aws_support::*;

/// A document with one statement around `body` (the statement's members).
fn doc(body: &str) -> String {
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n{body}\n    }}\n  ]\n}}\n"
    )
}

const ALLOW_ALL: &str = "      \"Effect\": \"Allow\",\n      \"Action\": \"secretsmanager:GetSecretValue\",\n      \"Resource\": \"*\"";

/// A statement that allows, with a `Condition` of `condition` (an operator object's members).
fn cond(condition: &str) -> String {
    doc(&format!(
        "{ALLOW_ALL},\n      \"Condition\": {{\n        {condition}\n      }}"
    ))
}

/// The document is refused with a diagnostic at `needle` whose message holds `text`.
#[track_caller]
fn refused(source: &str, needle: &str, text: &str) -> Vec<tessera_import::Diagnostic> {
    let ds = refusals("doc.json", source);
    assert_refused_at(&ds, source, needle, text);
    ds
}

#[track_caller]
fn hint(ds: &[tessera_import::Diagnostic], hint: &str) {
    assert!(
        ds.iter().any(|d| d.hint() == Some(hint)),
        "no hint `{hint}` in {ds:?}"
    );
}

// ------------------------------------------------------------ the document

#[test]
fn json_that_is_not_json() {
    let source = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ ;\n}\n";
    refused(source, ";", "the document: is not valid JSON");
    refused(
        "{\n  // a comment\n  \"Version\": \"2012-10-17\"\n}",
        "// a comment",
        "is not valid JSON",
    );
    refused(
        "{\n  \"Version\": \"2012-10-17\",\n}",
        ",\n}",
        "is not valid JSON: Trailing commas are not allowed",
    );
    refused(
        "{\n  'Version': \"2012-10-17\"\n}",
        "'Version'",
        "is not valid JSON",
    );
    refused("", "", "the document: is empty");
}

#[test]
fn a_document_that_is_not_an_object() {
    refused(
        "\n  [1, 2]",
        "[1, 2]",
        "the document: expected a JSON object, found an array",
    );
}

#[test]
fn unknown_and_repeated_top_level_keys() {
    let source = "{\n  \"Version\": \"2012-10-17\",\n  \"Statment\": [],\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}\n}";
    let ds = refused(source, "\"Statment\"", "/Statment: unknown key `Statment`");
    hint(&ds, "did you mean `Statement`?");
    let source = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},\n  \"Version\": \"2008-10-17\"\n}";
    let second = &source[source.rfind("\"Version\"").unwrap()..];
    refused(source, second, "/Version: is given twice");
}

#[test]
fn versions() {
    let source = "{\n  \"Version\": \"2012-10-18\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}\n}";
    refused(
        source,
        "\"2012-10-18\"",
        "/Version: expected \"2012-10-17\" or \"2008-10-17\"",
    );
    let source = "{\n  \"Version\": 2012,\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}\n}";
    refused(source, "2012,", "/Version: expected");
}

#[test]
fn statements_missing_empty_or_not_objects() {
    refused(
        "{\n  \"Version\": \"2012-10-17\"\n}",
        "{",
        "the document: has no `Statement`",
    );
    refused(
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}",
        "[]",
        "/Statement: is empty",
    );
    refused(
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": \"Allow\"\n}",
        "\"Allow\"",
        "/Statement: expected an object or an array of objects, found a string",
    );
    refused(
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    42\n  ]\n}",
        "42",
        "/Statement/0: expected a statement object, found a number",
    );
}

// ----------------------------------------------------------- the statement

#[test]
fn unknown_statement_keys() {
    let ds = refused(
        &doc(
            "      \"Effect\": \"Allow\",\n      \"Actions\": \"*\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\"",
        ),
        "\"Actions\"",
        "/Statement/0/Actions: unknown key `Actions`",
    );
    hint(&ds, "did you mean `Action`?");
}

#[test]
fn effects() {
    let source = doc("      \"Action\": \"*\",\n      \"Resource\": \"*\"");
    refused(
        &source,
        "{\n      \"Action\"",
        "/Statement/0: has no `Effect`",
    );
    let ds = refused(
        &doc("      \"Effect\": \"allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\""),
        "\"allow\"",
        "/Statement/0/Effect: expected \"Allow\" or \"Deny\"",
    );
    hint(
        &ds,
        "did you mean \"Allow\"? (IAM reads the Effect case-sensitively)",
    );
}

#[test]
fn actions_and_resources_missing_or_doubled() {
    refused(
        &doc("      \"Effect\": \"Allow\",\n      \"Resource\": \"*\""),
        "{\n      \"Effect\"",
        "/Statement/0: has no `Action` or `NotAction`",
    );
    refused(
        &doc("      \"Effect\": \"Allow\",\n      \"Action\": \"*\""),
        "{\n      \"Effect\"",
        "/Statement/0: has no `Resource` or `NotResource`",
    );
    refused(
        &doc(
            "      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"NotAction\": \"s3:*\",\n      \"Resource\": \"*\"",
        ),
        "\"NotAction\"",
        "/Statement/0/NotAction: a statement has `Action` or `NotAction`, not both",
    );
    refused(
        &doc(
            "      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\",\n      \"NotResource\": \"*\"",
        ),
        "\"NotResource\"",
        "/Statement/0/NotResource: a statement has `Resource` or `NotResource`, not both",
    );
    refused(
        &doc(&format!(
            "{ALLOW_ALL},\n      \"Principal\": \"*\",\n      \"NotPrincipal\": \"*\""
        )),
        "\"NotPrincipal\"",
        "/Statement/0/NotPrincipal: a statement has `Principal` or `NotPrincipal`, not both",
    );
}

#[test]
fn principals_in_some_statements_only() {
    let source = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}\n  ]\n}";
    refused(
        source,
        "{\"Effect\": \"Deny\"",
        "/Statement/1: some statements name a `Principal` and others do not",
    );
}

#[test]
fn sids() {
    let source = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"Read\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},\n    {\"Sid\": \"Read\", \"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}\n  ]\n}";
    let second = &source[source.rfind("\"Read\"").unwrap()..];
    refused(
        source,
        second,
        "/Statement/1/Sid: duplicate Sid `Read` (first used at 4:13)",
    );
    // A Sid that is the name an unnamed statement gets.
    let source = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"statement-2\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}\n  ]\n}";
    refused(
        source,
        "{\"Effect\": \"Deny\"",
        "/Statement/1: the statement's name `statement-2` is already a Sid at 4:13",
    );
    refused(
        &doc(&format!("      \"Sid\": 7,\n{ALLOW_ALL}")),
        "7,",
        "/Statement/0/Sid: expected a string, found a number",
    );
    refused(
        &doc(&format!("      \"Sid\": \"a\\u0007b\",\n{ALLOW_ALL}")),
        "\"a\\u0007b\"",
        "/Statement/0/Sid: cannot be imported yet: a Sid with a control character",
    );
}

#[test]
fn actions() {
    let body = |a: &str| {
        doc(&format!(
            "      \"Effect\": \"Allow\",\n      \"Action\": {a},\n      \"Resource\": \"*\""
        ))
    };
    let ds = refused(
        &body("\"GetSecretValue\""),
        "\"GetSecretValue\"",
        "/Statement/0/Action: `GetSecretValue` is not an action",
    );
    hint(&ds, "such as \"secretsmanager:GetSecretValue\"");
    refused(&body("[]"), "[]", "/Statement/0/Action: is an empty list");
    refused(
        &body("[\"s3:GetObject\", 5]"),
        "5]",
        "/Statement/0/Action/1: expected a string, found a number",
    );
    refused(
        &body("{\"s3\": \"*\"}"),
        "{\"s3\"",
        "/Statement/0/Action: expected a string or an array of strings, found an object",
    );
    refused(
        &body("\"s3:${aws:username}\""),
        "\"s3:${aws:username}\"",
        "/Statement/0/Action: policy variables such as `${aws:username}` are not allowed here",
    );
    refused(
        &body("[\"s3:Get\", \"secretsmanager:Gét\"]"),
        "\"secretsmanager:Gét\"",
        "/Statement/0/Action/1: cannot be imported yet: a non-ASCII action",
    );
}

#[test]
fn resources() {
    let body = |r: &str| {
        doc(&format!(
            "      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": {r}"
        ))
    };
    refused(
        &body("\"prod/db\""),
        "\"prod/db\"",
        "/Statement/0/Resource: `prod/db` is not a resource: expected an ARN",
    );
    refused(
        &body("[\"arn:aws:s3:::b\", \"arn:aws:s3:::home/${aws:UserName}/${aws:CurrentTime}\"]"),
        "\"arn:aws:s3:::home/${aws:UserName}/${aws:CurrentTime}\"",
        "/Statement/0/Resource/1: cannot be imported yet: the policy variable `${aws:CurrentTime}` is `time`",
    );
    refused(
        &body("\"arn:aws:s3:::b/${aws:username\""),
        "\"arn:aws:s3:::b/${aws:username\"",
        "cannot be imported yet: an unclosed policy variable",
    );
    refused(
        &body("\"arn:aws:s3:::b/a\\tb\""),
        "\"arn:aws:s3:::b/a\\tb\"",
        "/Statement/0/Resource: cannot be imported yet: a control character",
    );
}

#[test]
fn principals() {
    let body = |p: &str| doc(&format!("{ALLOW_ALL},\n      \"Principal\": {p}"));
    refused(
        &body("\"arn:aws:iam::123456789012:user/a\""),
        "\"arn:aws:iam::123456789012:user/a\"",
        "/Statement/0/Principal: expected \"*\" or an object",
    );
    refused(
        &body("{\"AWS\": \"arn:aws:iam::123456789012:user/*\"}"),
        "\"arn:aws:iam::123456789012:user/*\"",
        "/Statement/0/Principal/AWS: `arn:aws:iam::123456789012:user/*`: IAM principals take no wildcards",
    );
    refused(
        &body("{\"AWS\": [\"arn:aws:iam::1:user/a\", \"alice\"]}"),
        "\"alice\"",
        "/Statement/0/Principal/AWS/1: `alice` is not a principal",
    );
    refused(
        &body("{\"AWS\": \"arn:aws:iam::1234:root\"}"),
        "\"arn:aws:iam::1234:root\"",
        "/Statement/0/Principal/AWS: `arn:aws:iam::1234:root`: an account id is 12 digits",
    );
    refused(
        &body("{\"AWS\": \"arn:aws:sts::123456789012:assumed-role/r/s\"}"),
        "\"arn:aws:sts::",
        "cannot be imported yet: a role session (`sts`) principal",
    );
    refused(
        &body("{\"AWS\": \"arn:aws:iam::123456789012:group/ops\"}"),
        "\"arn:aws:iam::123456789012:group/ops\"",
        "cannot be imported yet: `arn:aws:iam::123456789012:group/ops`: only IAM user and role ARNs and accounts convert",
    );
    refused(
        &body("{\"Service\": [\"ec2.amazonaws.com\", \"*.amazonaws.com\"]}"),
        "\"*.amazonaws.com\"",
        "/Statement/0/Principal/Service/1: `*.amazonaws.com`: IAM principals take no wildcards",
    );
    refused(
        &body("{\"Federated\": \"\"}"),
        "\"\"}",
        "/Statement/0/Principal/Federated: an empty `Federated` principal",
    );
    refused(
        &body("{\"CanonicalUser\": \"a b\"}"),
        "\"a b\"",
        "/Statement/0/Principal/CanonicalUser: cannot be imported yet: `a b` holds a character",
    );
    // An account in the NotPrincipal of an Allow: which identities IAM checks is not documented.
    refused(
        &doc(&format!(
            "{ALLOW_ALL},\n      \"NotPrincipal\": {{\"AWS\": [\"arn:aws:iam::123456789012:user/a\", \"123456789012\"]}}"
        )),
        "\"123456789012\"]",
        "/Statement/0/NotPrincipal/AWS/1: cannot be imported yet: an account in the `NotPrincipal` of an `Allow`",
    );
    let ds = refused(
        &body("{\"Aws\": \"*\"}"),
        "\"Aws\"",
        "/Statement/0/Principal/Aws: unknown key `Aws`",
    );
    hint(&ds, "did you mean `AWS`?");
    refused(
        &body("{}"),
        "{}",
        "/Statement/0/Principal: is an empty object",
    );
}

// -------------------------------------------------------------- conditions

#[test]
fn condition_blocks() {
    refused(
        &doc(&format!("{ALLOW_ALL},\n      \"Condition\": {{}}")),
        "{}",
        "/Statement/0/Condition: is empty",
    );
    refused(
        &doc(&format!("{ALLOW_ALL},\n      \"Condition\": []")),
        "[]",
        "/Statement/0/Condition: expected an object of operators, found an array",
    );
    refused(
        &cond("\"StringEquals\": {}"),
        "{}",
        "/Statement/0/Condition/StringEquals: is empty",
    );
    refused(
        &cond("\"StringEquals\": \"x\""),
        "\"x\"",
        "/Statement/0/Condition/StringEquals: expected an object of condition keys, found a string",
    );
    refused(
        &cond("\"StringEquals\": {\"secretsmanager:VersionStage\": []}"),
        "[]",
        "/Statement/0/Condition/StringEquals/secretsmanager:VersionStage: is an empty list",
    );
    refused(
        &cond("\"StringEquals\": {\"secretsmanager:VersionStage\": {\"a\": 1}}"),
        "{\"a\": 1}",
        "/Statement/0/Condition/StringEquals/secretsmanager:VersionStage: expected a string, number or boolean, found an object",
    );
    let source = cond(
        "\"StringEquals\": {\"secretsmanager:VersionStage\": \"A\", \"secretsmanager:VersionStage\": \"B\"}",
    );
    let second = &source[source.rfind("\"secretsmanager:VersionStage\"").unwrap()..];
    refused(
        &source,
        second,
        "/Statement/0/Condition/StringEquals/secretsmanager:VersionStage: is given twice",
    );
}

#[test]
fn one_key_twice_in_another_case() {
    let source = cond(
        "\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\", \"AWS:SOURCEIP\": \"192.168.0.0/16\"}",
    );
    refused(
        &source,
        "\"AWS:SOURCEIP\"",
        "/Statement/0/Condition/IpAddress/AWS:SOURCEIP: is given twice: condition key names ignore case, and `aws:SourceIp` is the same key",
    );
}

#[test]
fn unknown_operators_suggest_the_closest() {
    let ds = refused(
        &cond("\"StringEqual\": {\"secretsmanager:VersionStage\": \"A\"}"),
        "\"StringEqual\"",
        "/Statement/0/Condition/StringEqual: unknown condition operator `StringEqual`",
    );
    hint(&ds, "did you mean `StringEquals`?");
    let ds = refused(
        &cond("\"ForAnyValue:StringEqual\": {\"secretsmanager:VersionStage\": \"A\"}"),
        "\"ForAnyValue:StringEqual\"",
        "unknown condition operator",
    );
    hint(&ds, "did you mean `ForAnyValue:StringEquals`?");
    let ds = refused(
        &cond("\"NumericLessThenIfExists\": {\"aws:MultiFactorAuthAge\": \"1\"}"),
        "\"NumericLessThenIfExists\"",
        "unknown condition operator",
    );
    hint(&ds, "did you mean `NumericLessThanIfExists`?");
}

#[test]
fn if_exists_on_null() {
    refused(
        &cond("\"NullIfExists\": {\"aws:SourceIp\": \"true\"}"),
        "\"NullIfExists\"",
        "/Statement/0/Condition/NullIfExists: `Null` takes no `IfExists`",
    );
}

#[test]
fn policy_variables_under_operators_that_do_not_take_them() {
    for (op, key) in [
        ("NumericLessThan", "aws:MultiFactorAuthAge"),
        ("DateGreaterThan", "aws:CurrentTime"),
        ("IpAddress", "aws:SourceIp"),
        ("Bool", "aws:MultiFactorAuthPresent"),
        ("Null", "aws:SourceIp"),
    ] {
        let source = cond(&format!("\"{op}\": {{\"{key}\": \"${{aws:username}}\"}}"));
        refused(
            &source,
            "\"${aws:username}\"",
            &format!("/Statement/0/Condition/{op}/{key}: a policy variable under `{op}`"),
        );
    }
    // Under `StringEquals` a whole variable converts (see aws_semantics);
    // the forms that stay refused are below.
}

#[test]
fn malformed_values() {
    let ds = refused(
        &cond("\"IpAddress\": {\"aws:SourceIp\": [\"10.0.0.0/8\", \"10.0.0.300/8\"]}"),
        "\"10.0.0.300/8\"",
        "/Statement/0/Condition/IpAddress/aws:SourceIp/1: `10.0.0.300/8` is not an IP address range",
    );
    hint(
        &ds,
        "write a CIDR range such as \"203.0.113.0/24\" or \"2001:db8::/32\"",
    );
    refused(
        &cond("\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/33\"}"),
        "\"10.0.0.0/33\"",
        "is not an IP address range",
    );
    refused(
        &cond("\"IpAddress\": {\"aws:SourceIp\": 10}"),
        "10}",
        "expected an address range",
    );
    refused(
        &cond("\"DateLessThan\": {\"aws:CurrentTime\": \"yesterday\"}"),
        "\"yesterday\"",
        "/Statement/0/Condition/DateLessThan/aws:CurrentTime: `yesterday` is not a date",
    );
    refused(
        &cond("\"DateLessThan\": {\"aws:CurrentTime\": \"2026-13-01T00:00:00Z\"}"),
        "\"2026-13-01T00:00:00Z\"",
        "is not a date",
    );
    refused(
        &cond("\"DateLessThan\": {\"aws:CurrentTime\": \"2026-02-29T00:00:00Z\"}"),
        "\"2026-02-29T00:00:00Z\"",
        "is not a date",
    );
    refused(
        &cond("\"NumericLessThan\": {\"aws:MultiFactorAuthAge\": \"ten\"}"),
        "\"ten\"",
        "/Statement/0/Condition/NumericLessThan/aws:MultiFactorAuthAge: `ten` is not a number",
    );
    refused(
        &cond("\"Bool\": {\"aws:MultiFactorAuthPresent\": \"yes\"}"),
        "\"yes\"",
        "/Statement/0/Condition/Bool/aws:MultiFactorAuthPresent: `Bool` takes \"true\" or \"false\"",
    );
    refused(
        &cond("\"Null\": {\"aws:SourceIp\": \"maybe\"}"),
        "\"maybe\"",
        "`Null` takes \"true\" or \"false\"",
    );
}

// -------------------------------------------------- refused for now (located)

#[test]
fn quantifiers() {
    // Custom attributes may be lists: only string operators convert yet.
    for q in ["ForAllValues", "ForAnyValue"] {
        refused(
            &cond(&format!(
                "\"{q}:NumericLessThan\": {{\"example:Sizes\": \"5\"}}"
            )),
            "\"example:Sizes\"",
            &format!(
                "/Statement/0/Condition/{q}:NumericLessThan/example:Sizes: cannot be imported yet: `{q}` with a non-string operator on `example:Sizes`"
            ),
        );
    }
    refused(
        &cond("\"ForAllValues:Null\": {\"aws:SourceIp\": \"true\"}"),
        "\"ForAllValues:Null\"",
        "/Statement/0/Condition/ForAllValues:Null: `Null` takes no `ForAllValues:` or `ForAnyValue:`",
    );
}

#[test]
fn keys_and_operators_a_custom_attribute_cannot_take() {
    // Other keys are custom attributes; what Tessera cannot compare them with is refused.
    refused(
        &cond("\"ArnEquals\": {\"aws:SourceArn\": [\"arn:aws:s3:::b\", \"arn:aws:s3\"]}"),
        "\"arn:aws:s3\"",
        "/Statement/0/Condition/ArnEquals/aws:SourceArn/1: cannot be imported yet: an ARN pattern with 3 colon-separated components",
    );
    refused(
        &cond("\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:s3:::${aws:username}\"}"),
        "\"arn:aws:s3:::${aws:username}\"",
        "cannot be imported yet: the policy variable `${aws:username}`",
    );
    refused(
        &cond("\"BinaryEquals\": {\"aws:SourceVpce\": \"QmluYXJ\"}"),
        "\"QmluYXJ\"",
        "/Statement/0/Condition/BinaryEquals/aws:SourceVpce: cannot be imported yet: `QmluYXJ` under `BinaryEquals`: not padded base64",
    );
    refused(
        &cond("\"BinaryEquals\": {\"aws:SourceVpce\": \"QmluYXJ5-_==\"}"),
        "\"QmluYXJ5-_==\"",
        "not standard base64",
    );
    refused(
        &cond("\"BinaryEquals\": {\"aws:SourceVpce\": \"QR==\"}"),
        "\"QR==\"",
        "not canonical base64 (non-zero bits after the last byte)",
    );
    refused(
        &cond("\"DateGreaterThan\": {\"aws:TokenIssueTime\": 1577836801}"),
        "1577836801",
        "/Statement/0/Condition/DateGreaterThan/aws:TokenIssueTime: cannot be imported yet: a date given as a number",
    );
    refused(
        &cond("\"NumericLessThan\": {\"s3:max-keys\": \"1e3\"}"),
        "\"1e3\"",
        "/Statement/0/Condition/NumericLessThan/s3:max-keys: cannot be imported yet: `1e3`: only integers and decimal fractions (`1.5`) convert for a custom attribute",
    );
    refused(
        &cond("\"NumericLessThan\": {\"s3:max-keys\": \"0.1000000000000001\"}"),
        "\"0.1000000000000001\"",
        "cannot be imported yet: `0.1000000000000001` has more than 15 significant digits",
    );
    refused(
        &cond("\"NumericLessThan\": {\"s3:max-keys\": \"9007199254740993\"}"),
        "\"9007199254740993\"",
        "cannot be imported yet: the number `9007199254740993` is past 2^53",
    );
    refused(
        &cond("\"StringEquals\": {\"SourceVpce\": \"v\"}"),
        "\"SourceVpce\"",
        "/Statement/0/Condition/StringEquals/SourceVpce: cannot be imported yet: the condition key `SourceVpce` is not `service:name`",
    );
    refused(
        &cond("\"StringEquals\": {\"aws:PrincipalTag/Équipe\": \"a\"}"),
        "\"aws:PrincipalTag/Équipe\"",
        "cannot be imported yet: the condition key `aws:PrincipalTag/Équipe` holds `É`, a letter with case beyond ASCII",
    );
    refused(
        &cond("\"StringEquals\": {\"aws:ResourceTag/\": \"1\"}"),
        "\"aws:ResourceTag/\"",
        "cannot be imported yet: the tag key in `aws:ResourceTag/` is empty",
    );
}

#[test]
fn policy_variables_in_conditions_that_stay_refused() {
    refused(
        &cond("\"StringNotEquals\": {\"aws:ResourceTag/owner\": \"${aws:PrincipalTag/team}\"}"),
        "\"${aws:PrincipalTag/team}\"",
        "/Statement/0/Condition/StringNotEquals/aws:ResourceTag~1owner: cannot be imported yet: the policy variable `${aws:PrincipalTag/team}` under an operator other than `StringEquals`",
    );
    refused(
        &cond(
            "\"StringEqualsIfExists\": {\"aws:ResourceTag/owner\": \"${aws:PrincipalTag/team}\"}",
        ),
        "\"${aws:PrincipalTag/team}\"",
        "the policy variable `${aws:PrincipalTag/team}` under an operator other than `StringEquals`",
    );
    refused(
        &cond("\"StringLike\": {\"aws:ResourceTag/owner\": \"${aws:PrincipalTag/team}\"}"),
        "\"${aws:PrincipalTag/team}\"",
        "under an operator other than `StringEquals`",
    );
    refused(
        &cond("\"StringEquals\": {\"aws:ResourceTag/owner\": \"team-${aws:PrincipalTag/team}\"}"),
        "\"team-${aws:PrincipalTag/team}\"",
        "cannot be imported yet: the policy variable `${aws:PrincipalTag/team}` joined to other text: Tessera compares a request value with another only whole",
    );
    refused(
        &cond("\"StringLike\": {\"aws:ResourceTag/owner\": \"${aws:username}-*\"}"),
        "\"${aws:username}-*\"",
        "/Statement/0/Condition/StringLike/aws:ResourceTag~1owner: cannot be imported yet: the policy variable `${aws:username}` joined to other text",
    );
    refused(
        &cond("\"ArnEquals\": {\"aws:SourceArn\": \"${aws:PrincipalArn}\"}"),
        "\"${aws:PrincipalArn}\"",
        "cannot be imported yet: the policy variable `${aws:PrincipalArn}` under an ARN operator",
    );
    refused(
        &cond("\"StringEquals\": {\"aws:ResourceTag/owner\": \"${aws:SourceIp}\"}"),
        "\"${aws:SourceIp}\"",
        "the policy variable `${aws:SourceIp}` is `source_ip`, which Tessera does not hold as a string",
    );
    refused(
        &cond("\"StringEquals\": {\"aws:ResourceTag/owner\": \"${aws:username, 'nobody'}\"}"),
        "\"${aws:username, 'nobody'}\"",
        "cannot be imported yet: the policy variable `${aws:username, 'nobody'}`",
    );
}

#[test]
fn operators_that_do_not_fit_the_key() {
    refused(
        &cond("\"StringEquals\": {\"aws:SourceIp\": \"10.0.0.1\"}"),
        "\"aws:SourceIp\"",
        "/Statement/0/Condition/StringEquals/aws:SourceIp: cannot be imported yet: `StringEquals` compares `aws:SourceIp` as a string, and Tessera's `source_ip` holds an IP address",
    );
    refused(
        &cond("\"ArnEquals\": {\"aws:SourceIp\": \"arn:aws:s3:::b\"}"),
        "\"aws:SourceIp\"",
        "`ArnEquals` compares `aws:SourceIp` as an ARN",
    );
    refused(
        &cond("\"BinaryEquals\": {\"aws:PrincipalTag/k\": \"QmluYXJ5\"}"),
        "\"aws:PrincipalTag/k\"",
        "`BinaryEquals` compares `aws:PrincipalTag/k` as binary data",
    );
    refused(
        &cond("\"NumericLessThan\": {\"aws:CurrentTime\": \"5\"}"),
        "\"aws:CurrentTime\"",
        "`NumericLessThan` compares `aws:CurrentTime` as a number",
    );
    refused(
        &cond("\"Bool\": {\"secretsmanager:VersionStage\": \"true\"}"),
        "\"secretsmanager:VersionStage\"",
        "`Bool` compares `secretsmanager:VersionStage` as a boolean",
    );
    refused(
        &cond("\"Null\": {\"aws:CurrentTime\": \"true\"}"),
        "\"aws:CurrentTime\"",
        "cannot be imported yet: `Null` on `time`, which every request carries",
    );
}

#[test]
fn values_tessera_cannot_compare_yet() {
    refused(
        &cond("\"StringEquals\": {\"secretsmanager:VersionStage\": 5}"),
        "5}",
        "/Statement/0/Condition/StringEquals/secretsmanager:VersionStage: cannot be imported yet: a number under a string operator",
    );
    refused(
        &cond("\"StringEqualsIgnoreCase\": {\"aws:PrincipalTag/team\": \"Zürich\"}"),
        "\"Zürich\"",
        "cannot be imported yet: a non-ASCII value under an IgnoreCase operator",
    );
    refused(
        &cond("\"DateLessThan\": {\"aws:CurrentTime\": \"2026-01-01T00:00:00.5Z\"}"),
        "\"2026-01-01T00:00:00.5Z\"",
        "cannot be imported yet: the date `2026-01-01T00:00:00.5Z`",
    );
    refused(
        &cond("\"DateLessThan\": {\"aws:CurrentTime\": \"2026-01-01\"}"),
        "\"2026-01-01\"",
        "cannot be imported yet: the date `2026-01-01`",
    );
    refused(
        &cond("\"DateLessThan\": {\"aws:CurrentTime\": 1767225600}"),
        "1767225600",
        "cannot be imported yet: a date given as a number",
    );
    refused(
        &cond("\"DateLessThan\": {\"aws:CurrentTime\": \"9999-12-31T23:59:59Z\"}"),
        "\"9999-12-31T23:59:59Z\"",
        "cannot be imported yet: the date `9999-12-31T23:59:59Z` is at the end of the calendar",
    );
    refused(
        &cond("\"NumericLessThan\": {\"aws:MultiFactorAuthAge\": \"1.5\"}"),
        "\"1.5\"",
        "cannot be imported yet: `1.5`: `mfa_age` compares whole seconds from 0",
    );
    refused(
        &cond("\"NumericLessThan\": {\"aws:MultiFactorAuthAge\": -1}"),
        "-1}",
        "cannot be imported yet: `-1`",
    );
    refused(
        &cond("\"NumericLessThan\": {\"aws:MultiFactorAuthAge\": \"99999999999\"}"),
        "\"99999999999\"",
        "cannot be imported yet: the number `99999999999` is out of range",
    );
    refused(
        &cond("\"IpAddress\": {\"aws:SourceIp\": \"::ffff:10.0.0.0/104\"}"),
        "\"::ffff:10.0.0.0/104\"",
        "cannot be imported yet: an IPv4-mapped IPv6 range",
    );
    refused(
        &cond("\"StringEquals\": {\"secretsmanager:VersionStage\": \"a\\u0001\"}"),
        "\"a\\u0001\"",
        "cannot be imported yet: a control character",
    );
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let source = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\", \"Condition\": {\"ArnEquals\": {\"aws:SourceVpce\": \"v\"}}}\n  ]\n}";
    let ds = refusals("doc.json", source);
    assert_refused_at(&ds, source, "\"s3\"", "/Statement/0/Action");
    assert_refused_at(
        &ds,
        source,
        "\"v\"",
        "/Statement/1/Condition/ArnEquals/aws:SourceVpce",
    );
    assert_eq!(ds.len(), 2, "{ds:?}");
    assert!(ds.iter().all(|d| d.file() == "doc.json"));
}

#[test]
fn policy_variables_in_resources_that_cannot_be_strict() {
    let deny = |r: &str| {
        doc(&format!(
            "      \"Effect\": \"Deny\",\n      \"Action\": \"*\",\n      \"Resource\": {r}"
        ))
    };
    refused(
        &deny("\"arn:aws:s3:::home/${aws:username}\""),
        "\"arn:aws:s3:::home/${aws:username}\"",
        "/Statement/0/Resource: cannot be imported yet: a policy variable in the `Resource` of a `Deny`",
    );
    let allow_not = doc(
        "      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"NotResource\": [\"arn:aws:s3:::x\", \"arn:aws:s3:::home/${aws:username}\"]",
    );
    refused(
        &allow_not,
        "\"arn:aws:s3:::home/${aws:username}\"",
        "/Statement/0/NotResource/1: cannot be imported yet: a policy variable in the `NotResource` of an `Allow`",
    );
    let allow = |r: &str| {
        doc(&format!(
            "      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": {r}"
        ))
    };
    refused(
        &allow("\"arn:aws:s3:::a*b*c*d*e*f/${aws:username}\""),
        "\"arn:aws:s3:::a*b*c*d*e*f/${aws:username}\"",
        "cannot be imported yet: an ARN with a policy variable and more than 4 wildcards",
    );
    refused(
        &allow("\"arn:aws:s3:::a[b]/${aws:username}\""),
        "\"arn:aws:s3:::a[b]/${aws:username}\"",
        "cannot be imported yet: the character `[` beside a policy variable",
    );
    refused(
        &allow("\"arn:aws:s3:::a/../${aws:username}\""),
        "\"arn:aws:s3:::a/../${aws:username}\"",
        "cannot be imported yet: a `..` path segment",
    );
    refused(
        &allow("\"arn:aws:s3:::a/${aws:SourceIp}\""),
        "\"arn:aws:s3:::a/${aws:SourceIp}\"",
        "cannot be imported yet: the policy variable `${aws:SourceIp}` is `source_ip`",
    );
    refused(
        &allow("\"arn:aws:s3:::a/${aws:username, 'x'}\""),
        "\"arn:aws:s3:::a/${aws:username, 'x'}\"",
        "cannot be imported yet: the policy variable `${aws:username, 'x'}`: only `${key}` converts",
    );
}
