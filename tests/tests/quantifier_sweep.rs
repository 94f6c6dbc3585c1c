//! The fuzz bodies `compile_decide` and `format_roundtrip` over a fixed sweep
//! of pseudo-random inputs: generated policy sets whose conditions include
//! `any` / `all` quantifiers, `like` lists and nested attributes, decided on
//! generated requests that carry arrays (empty, mixed), objects and nested
//! objects, by the engine and the reference interpreter, which must agree;
//! and each generated file formats to a fixed point of the same shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tessera_tests::fuzz::{self, Choices};

/// Input `seed` of the sweep: 2,048 bytes from a xorshift generator, the
/// first even (the generated mode of both bodies).
fn input(seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes: Vec<u8> = (0..2048)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect();
    bytes[0] &= 0xFE;
    bytes
}

const SEEDS: u64 = 300;

#[test]
fn the_sweep_generates_quantifiers_like_lists_nested_keys_and_sets() {
    let mut sources = String::new();
    let mut requests = String::new();
    // Sets that compile and quantify, so that the sweep below decides them.
    let mut compiled_quantified = 0;
    for seed in 0..SEEDS {
        let data = input(seed);
        let mut c = Choices::new(&data[1..]);
        let files = fuzz::gen_policy_set(&mut c);
        let set: Vec<tessera::Source> = files
            .iter()
            .map(|(n, t)| tessera::Source::new(n, t))
            .collect();
        let quantified = files
            .iter()
            .any(|(_, t)| t.contains(" any ") || t.contains(" all "));
        if quantified && tessera::Engine::compile(&set).is_ok() {
            compiled_quantified += 1;
        }
        for (_, text) in files {
            sources.push_str(&text);
        }
        requests.push_str(&fuzz::gen_request_json(&mut c));
    }
    assert!(
        compiled_quantified >= SEEDS / 10,
        "only {compiled_quantified} of {SEEDS} generated sets compile with a quantifier"
    );
    for wanted in [
        "any principal.groups",
        "all context.",
        " like [",
        "context.meta.",
        "context.params",
    ] {
        assert!(
            sources.contains(wanted),
            "no generated condition has `{wanted}`"
        );
    }
    for wanted in [
        r#""scopes":[]"#,
        r#""params":{"#,
        r#""meta":{"#,
        r#""nums":["#,
    ] {
        assert!(
            requests.contains(wanted),
            "no generated request has `{wanted}`"
        );
    }
}

#[test]
fn generated_policy_sets_with_quantifiers_decide_as_the_reference() {
    for seed in 0..SEEDS {
        fuzz::compile_decide(&input(seed));
    }
}

#[test]
fn generated_files_with_quantifiers_format_to_the_same_shape() {
    for seed in 0..SEEDS {
        fuzz::format_roundtrip(&input(seed));
    }
}
