//! Large and hostile documents: refused or converted in time linear in
//! their size, never a crash.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[test]
fn many_statements() {
    let n = 5_000;
    let statements: Vec<String> = (0..n)
        .map(|i| format!("{{\"Effect\": \"Allow\", \"Action\": \"s3:Get{i}\", \"Resource\": \"arn:aws:s3:::b/{i}/*\"}}"))
        .collect();
    let doc = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}",
        statements.join(",")
    );
    let (text, took) = timed(|| tessera_import::aws::convert("many.json", &doc));
    let text = text.unwrap();
    assert!(text.contains("allow \"statement-5000\""));
    assert!(took < Duration::from_secs(60), "{took:?}");
    // Every statement repeating one Sid: one diagnostic per repeat, quickly.
    let same: Vec<String> = (0..n)
        .map(|_| {
            "{\"Sid\": \"S\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}"
                .to_string()
        })
        .collect();
    let doc = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}",
        same.join(",")
    );
    let (ds, took) = timed(|| tessera_import::aws::convert("same.json", &doc).unwrap_err());
    assert_eq!(ds.len(), n - 1);
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn many_keys_in_one_object() {
    let n = 20_000;
    let keys: Vec<String> = (0..n)
        .map(|i| format!("\"aws:PrincipalTag/t{i}\": \"v\""))
        .collect();
    let doc = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": {{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", \"Condition\": {{\"StringEquals\": {{{}}}}}}}}}",
        keys.join(",")
    );
    let (text, took) = timed(|| tessera_import::aws::convert("keys.json", &doc));
    assert!(text.unwrap().contains("principal.tags.t19999"));
    assert!(took < Duration::from_secs(60), "{took:?}");
    // The same key repeated: one diagnostic each, quickly.
    let dup: Vec<String> = (0..n).map(|_| "\"Sid\": \"x\"".to_string()).collect();
    let doc = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": {{{}}}}}",
        dup.join(",")
    );
    let (ds, took) = timed(|| tessera_import::aws::convert("dup.json", &doc).unwrap_err());
    assert!(ds.len() >= n - 1);
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let doc = format!(
        "{{\"Statement\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let ds = tessera_import::aws::convert("deep.json", &doc).unwrap_err();
    assert!(ds[0].message().contains("is not valid JSON"), "{:?}", ds[0]);
    assert!(tessera_import::aws::is_policy_document(&doc));
}

#[test]
fn long_values_and_many_wildcards() {
    // Past Tessera's pattern limits: refused (located at the statement), never loosened.
    let resource = format!("arn:aws:s3:::{}", "a*".repeat(200));
    let doc = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": {{\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"{resource}\"}}}}"
    );
    let ds = tessera_import::aws::convert("wild.json", &doc).unwrap_err();
    assert!(
        ds.iter().all(|d| d
            .message()
            .starts_with("/Statement: cannot be imported: the converted statement is past a Tessera limit: the pattern holds 200 wildcards")),
        "{ds:?}"
    );
    let at = doc.find("{\"Effect\"").unwrap();
    assert_eq!(
        (ds[0].location().line, ds[0].location().column),
        (1, at + 1)
    );
}

#[test]
fn arn_patterns_past_the_limits_are_refused_never_loosened() {
    // A `*` in the first five components with a literal resource part of
    // 20,000 colons: the colon count test is past Tessera's limits.
    let colons = ":".repeat(20_000);
    let classes = "?".repeat(20_000);
    for value in [
        format!("arn:aws:s*:::{colons}"),
        format!("arn:aws:{classes}:::x"),
    ] {
        let doc = format!(
            "{{\"Version\": \"2012-10-17\", \"Statement\": {{\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\", \"Condition\": {{\"ArnLike\": {{\"aws:SourceArn\": \"{value}\"}}}}}}}}"
        );
        let ds = tessera_import::aws::convert("arn.json", &doc).unwrap_err();
        assert!(
            ds.iter().all(|d| d.message().starts_with(
                "/Statement: cannot be imported: the converted statement is past a Tessera limit"
            )),
            "{ds:?}"
        );
    }
    // Many account principals and variables: converted, each one pattern pair.
    let accounts: Vec<String> = (0..2_000).map(|i| format!("\"{i:012}\"")).collect();
    let doc = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": {{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": [{}]}}, \"Action\": \"*\", \"Resource\": \"arn:aws:s3:::home/${{aws:username}}/*\"}}}}",
        accounts.join(",")
    );
    let text = tessera_import::aws::convert("many.json", &doc).unwrap();
    assert!(
        text.contains("arn:aws:sts::000000001999:*"),
        "{}",
        &text[..200]
    );
}
