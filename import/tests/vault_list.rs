//! `list` on P, which is Vault's LIST P/, decided as current Vault decides
//! it (vault/acl.go, AllowOperation and resolveACLPermsForListOp): an exact
//! rule for `P/`, then one for `P`; then, among the non-exact rules matching
//! `P` or `P/` (the longest prefix rule of each form and every segment
//! rule), the highest that denies or grants `list` decides, and the rules
//! that do neither are passed over.
//!
//! Each case states Vault's answer, worked out by hand from acl.go; the
//! test checks it against the converted text and against the model of
//! Vault that the differential tests use, so that a wrong model cannot hide
//! behind an agreeing converter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Acl, DENY, LIST, READ};

/// A policy set as (path, capability bits); `deny` rules carry DENY alone,
/// as Vault's parser leaves them.
fn check(rules: &[(&str, u32)], cases: &[(&str, &str, bool)]) {
    let mut hcl = String::new();
    let mut model = Acl::default();
    for &(path, bits) in rules {
        let caps: Vec<String> = [(DENY, "deny"), (LIST, "list"), (READ, "read")]
            .iter()
            .filter(|(bit, _)| bits & bit != 0)
            .map(|(_, name)| format!("\"{name}\""))
            .collect();
        hcl.push_str(&format!(
            "path \"{path}\" {{\n  capabilities = [{}]\n}}\n",
            caps.join(", ")
        ));
        model.add(path, bits);
    }
    let text = match tessera_import::vault::convert(&[("list.hcl", hcl.as_str())]) {
        Ok(text) => text,
        Err(d) => panic!("refused: {d:?}\n{hcl}"),
    };
    let engine = common::engine(&text);
    for &(action, path, vault) in cases {
        assert_eq!(
            model.allows_tessera(action, path),
            vault,
            "the model of Vault is wrong on {action} {path}\n{hcl}"
        );
        assert_eq!(
            common::tessera_allows(&engine, action, path),
            vault,
            "{action} {path} (Vault: allowed = {vault})\n{hcl}\n{text}"
        );
    }
}

#[test]
fn a_deny_reached_through_the_trailing_slash_beats_a_less_specific_list_grant() {
    // LIST kv/private/: `kv/+` matches kv/private, the deny's prefix
    // kv/private/ matches kv/private/ and is more specific (position 11
    // against 3). Vault before resolveACLPermsForListOp answered from
    // `kv/+` alone and allowed it.
    check(
        &[("kv/+", LIST), ("kv/private/*", DENY)],
        &[
            ("list", "kv/private", false),
            ("list", "kv/public", true),
            ("read", "kv/private/x", false),
            ("list", "kv/private/x", false),
        ],
    );
}

#[test]
fn a_more_specific_rule_that_neither_denies_nor_lists_is_passed_over() {
    // LIST kv/private/: the longest prefix of kv/private is kv/ (lists), of
    // kv/private/ it is kv/private/ (reads only): the most specific rule
    // granting list decides.
    check(
        &[("kv/*", LIST), ("kv/private/*", READ)],
        &[
            ("list", "kv/private", true),
            ("list", "kv/private/x", false),
            ("read", "kv/private/x", true),
            ("read", "kv/private", false),
        ],
    );
}

#[test]
fn only_the_longest_prefix_rule_of_each_form_is_a_candidate() {
    // `kv/+` (position 3) lists; `kv/a*` (4) denies; `kv/ab*` (5) reads.
    // On kv/abc the longest prefix is kv/ab, which neither denies nor
    // lists, and kv/a is no candidate at all: `kv/+` decides. On kv/ax the
    // deny is the longest prefix and outranks `kv/+`.
    check(
        &[("kv/+", LIST), ("kv/a*", DENY), ("kv/ab*", READ)],
        &[
            ("list", "kv/abc", true),
            ("list", "kv/ax", false),
            ("list", "kv/b", true),
            ("read", "kv/abc", true),
            ("read", "kv/ax", false),
        ],
    );
}

#[test]
fn a_higher_list_grant_beats_a_lower_deny_and_exact_rules_come_first() {
    // `kv/+` and `kv/*` both place their wildcard at 3; the non-prefix
    // rule is higher. An exact rule for kv/x/ answers LIST kv/x/ before
    // any of them; an exact rule for kv/y answers LIST kv/y/ too.
    check(
        &[
            ("kv/*", DENY),
            ("kv/+", LIST),
            ("kv/x/", READ),
            ("kv/y", LIST),
            ("kv/z/", LIST),
            ("kv/z/*", DENY),
        ],
        &[
            ("list", "kv/w", true),
            ("read", "kv/w", false),
            ("list", "kv/x", false),
            ("list", "kv/y", true),
            ("list", "kv/z", true),
            ("list", "kv/w/v", false),
        ],
    );
}
