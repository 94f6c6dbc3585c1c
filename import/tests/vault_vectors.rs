//! Vault's own ACL test vectors (hashicorp/vault, vault/acl_test.go), decided
//! by a Tessera engine compiled from the converted text. The expected results
//! are Vault's, copied from its tests; the policies are its test policies, in
//! tests/data/vault/.
//!
//! Two mapping notes, both from docs/import.md: Tessera request paths are
//! normalized, so Vault's cases on paths ending in `/` for non-list
//! operations (`test/segment/at/end/foo/` and the like) have no Tessera
//! request and are left out here (the differential tests cover list's
//! trailing slash); and a Tessera `list` on P is Vault's LIST P/, which is
//! what Vault's HTTP layer sends (Vault's tests call the ACL with P; for
//! every list case below the answer is the same).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vault")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn convert(names: &[&str]) -> String {
    let sources: Vec<(String, String)> = names.iter().map(|n| (n.to_string(), read(n))).collect();
    let files: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    match tessera_import::vault::convert(&files) {
        Ok(text) => text,
        Err(diagnostics) => panic!(
            "refused: {}",
            diagnostics
                .iter()
                .map(|d| d.message().to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// (operation, path, allowed, rootPrivs): Vault's tcase rows.
type Case = (&'static str, &'static str, bool, bool);

fn check(names: &[&str], cases: &[Case]) {
    let text = convert(names);
    let engine = common::engine(&text);
    for &(op, path, allowed, root) in cases {
        assert_eq!(
            common::tessera_allows(&engine, op, path),
            allowed,
            "{op} {path} (expected allowed = {allowed})\n{text}"
        );
        if op != "help" {
            // RootPrivs: whether the capabilities that decided hold sudo.
            assert_eq!(
                common::tessera_allows(&engine, "sudo", path),
                root,
                "sudo on {path} (expected rootPrivs = {root})\n{text}"
            );
        }
    }
}

#[test]
fn acl_single() {
    // TestACL_Single: sys/mount/foo has no root privileges.
    check(
        &["acl_policy.hcl"],
        &[
            ("read", "sys/mount/foo", false, false),
            ("read", "root", false, false),
            ("help", "root", true, false),
            ("read", "dev/foo", true, true),
            ("update", "dev/foo", true, true),
            ("delete", "stage/foo", true, false),
            ("list", "stage/aws/foo", true, true),
            ("update", "stage/aws/foo", true, true),
            ("update", "stage/aws/policy/foo", true, true),
            ("delete", "prod/foo", false, false),
            ("update", "prod/foo", false, false),
            ("read", "prod/foo", true, false),
            ("list", "prod/foo", true, false),
            ("read", "prod/aws/foo", false, false),
            ("read", "foo/bar", true, true),
            ("list", "foo/bar", false, true),
            ("update", "foo/bar", false, true),
            ("create", "foo/bar", true, true),
            ("read", "baz/quux", true, false),
            ("create", "baz/quux", true, false),
            ("patch", "baz/quux", true, false),
            ("list", "baz/quux", false, false),
            ("update", "baz/quux", false, false),
            // Path segment wildcards
            ("read", "test/foo/bar/segment", false, false),
            ("read", "test/foo/segment", true, false),
            ("read", "test/bar/segment", true, false),
            ("read", "test/segment/at/frond", false, false),
            ("read", "test/segment/at/front", true, false),
            ("read", "test/segment/at/end/foo", true, false),
            // Path segment wildcards vs glob
            ("read", "1/2/3/4", false, false),
            ("read", "1/2/3", true, false),
            ("update", "1/2/3", false, false),
            ("update", "1/2/3/4", true, false),
            ("create", "1/2/3/4/5", true, false),
            ("recover", "1/2/3/4", true, false),
        ],
    );
}

#[test]
fn acl_layered() {
    // TestACL_Layered: both policies of one token, merged.
    check(
        &["acl_policy.hcl", "acl_policy2.hcl"],
        &[
            ("read", "sys/mount/foo", false, false),
            ("read", "root", false, false),
            ("help", "root", true, false),
            ("read", "dev/foo", true, true),
            ("update", "dev/foo", true, true),
            ("read", "dev/hide/foo", false, false),
            ("update", "dev/hide/foo", false, false),
            ("delete", "stage/foo", true, false),
            ("list", "stage/aws/foo", true, true),
            ("update", "stage/aws/foo", true, true),
            ("update", "stage/aws/policy/foo", false, false),
            ("delete", "prod/foo", true, false),
            ("update", "prod/foo", true, false),
            ("read", "prod/foo", true, false),
            ("list", "prod/foo", true, false),
            ("read", "prod/aws/foo", false, false),
            ("read", "sys/status", false, false),
            ("update", "sys/seal", true, true),
            ("read", "foo/bar", false, false),
            ("list", "foo/bar", false, false),
            ("update", "foo/bar", false, false),
            ("create", "foo/bar", false, false),
            ("read", "baz/quux", false, false),
            ("list", "baz/quux", false, false),
            ("update", "baz/quux", false, false),
            ("create", "baz/quux", false, false),
            ("patch", "baz/quux", false, false),
        ],
    );
}

#[test]
fn acl_granting_policies() {
    // TestACLGrantingPolicies: the allowed column, one policy and both.
    let one: &[(&str, &str, bool)] = &[
        ("read", "kv/foo", true),
        ("update", "kv/foo", true),
        ("read", "kv/bad", false),
        ("read", "kv/deny", false),
        ("read", "kv/path/foo", true),
        ("read", "kv/path/longer", true),
    ];
    let both: &[(&str, &str, bool)] = &[
        ("read", "kv/foo", true),
        ("read", "kv/path/longer3", true),
        ("read", "kv/bar", true),
        ("read", "kv/deny", false),
        ("update", "kv/path/longer", true),
        ("read", "kv/path/foo", true),
        ("recover", "ns1/kv/foo", true),
    ];
    for (names, cases) in [
        (&["granting.hcl"][..], one),
        (&["granting.hcl", "granting_merged.hcl"][..], both),
    ] {
        let text = convert(names);
        let engine = common::engine(&text);
        for &(op, path, allowed) in cases {
            assert_eq!(
                common::tessera_allows(&engine, op, path),
                allowed,
                "{op} {path}\n{text}"
            );
        }
    }
}

#[test]
fn segment_wildcard_priority() {
    // TestACL_SegmentWildcardPriority: update wins, read loses.
    let cases = [
        (1, "foo/bar/bar/baz"),
        (2, "foo/bar/bar/baz"),
        (3, "foo/bar/bar/baz"),
        (4, "foo/bar/bar/baz"),
        (5, "foo/(ar/(ar/baz"),
        (6, "foo/bar/bar/baz"),
        (7, "foo/bar/bar/baz"),
    ];
    for (case, path) in cases {
        let name = format!("segment_priority_{case}.hcl");
        let text = convert(&[name.as_str()]);
        let engine = common::engine(&text);
        assert!(
            common::tessera_allows(&engine, "update", path),
            "case {case}\n{text}"
        );
        assert!(
            !common::tessera_allows(&engine, "read", path),
            "case {case}\n{text}"
        );
    }
}
