//! Hostile input: over-long, garbage, stray pointers, exhausted memory and
//! fuel. Each gives an error answer or a host error, never a crash, and the
//! host keeps working (in a fresh instance after a failure).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/skip.rs"]
mod skip;

use common::{POLICY, REQUEST};
use tessera::Engine;
use tessera_wasm_host::{Compiled, Export, Host, HostError, Limits};

/// The native answer to [`REQUEST`] under [`POLICY`].
fn expected() -> String {
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    tessera::json::evaluate(&engine, REQUEST, false)
}

/// A host with [`POLICY`] loaded.
fn loaded(limits: Limits) -> Option<Host> {
    let mut host = common::host(limits)?;
    let answer = host.load(&[("p.policy", POLICY)]).unwrap();
    assert_eq!(answer, r#"{"ok":true,"statements":1}"#);
    Some(host)
}

/// The native explained answer to [`REQUEST`] under [`POLICY`].
fn expected_explained() -> String {
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    tessera::json::evaluate(&engine, REQUEST, true)
}

/// The host still decides and explains correctly.
fn still_works(host: &mut Host) {
    assert_eq!(host.evaluate(REQUEST).unwrap(), expected());
    assert_eq!(host.explain(REQUEST).unwrap(), expected_explained());
}

#[test]
fn evaluating_before_loading_is_an_error_answer() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    let answer = host.evaluate(REQUEST).unwrap();
    assert!(answer.contains(r#""kind":"no_engine""#), "{answer}");
    let answer = host.explain(REQUEST).unwrap();
    assert!(answer.contains(r#""kind":"no_engine""#), "{answer}");
}

#[test]
fn an_over_long_request_is_an_error_answer() {
    let Some(mut host) = loaded(Limits::default()) else {
        return;
    };
    let huge = vec![b' '; 16 * 1024 * 1024 + 1];
    let answer = host.evaluate_bytes(&huge, 0).unwrap();
    assert!(answer.contains(r#""code":"too_large""#), "{answer}");
    let answer = host.explain_bytes(&huge, 0).unwrap();
    assert!(answer.contains(r#""code":"too_large""#), "{answer}");
    still_works(&mut host);
}

#[test]
fn garbage_is_an_error_answer() {
    let Some(mut host) = loaded(Limits::default()) else {
        return;
    };
    let answer = host.evaluate_bytes(&[0xff, 0x00, 0xfe, 0x80], 0).unwrap();
    assert!(answer.contains(r#""code":"not_utf8""#), "{answer}");
    let answer = host.explain_bytes(&[0xff, 0x00, 0xfe, 0x80], 0).unwrap();
    assert!(answer.contains(r#""code":"not_utf8""#), "{answer}");
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    for text in ["", "}{", "null", "[1,2]", "{\"principal\": 5}"] {
        assert_eq!(
            host.evaluate_bytes(text.as_bytes(), 0).unwrap(),
            tessera::json::evaluate(&engine, text, false),
            "{text:?}"
        );
        assert_eq!(
            host.explain_bytes(text.as_bytes(), 0).unwrap(),
            tessera::json::evaluate(&engine, text, true),
            "{text:?}"
        );
    }
    for document in [&b"\xff\xfe"[..], b"{}", b"{\"sources\": 3}", b"[]", b""] {
        let answer = host.load_document(document).unwrap();
        assert!(answer.contains(r#""code":"bad_document""#), "{answer}");
    }
    let answer = host.load(&[("q.policy", "policy {")]).unwrap();
    assert!(answer.contains(r#""kind":"compile""#), "{answer}");
    // The failed loads kept the policies.
    still_works(&mut host);
}

#[test]
fn stray_pointers_and_lengths_are_error_answers() {
    let Some(mut host) = loaded(Limits::default()) else {
        return;
    };
    let memory = u32::try_from(host.memory_size().unwrap()).unwrap();
    let ptr = host.alloc_raw(16).unwrap();
    assert_ne!(ptr, 0);
    for export in [Export::Load, Export::Evaluate, Export::Explain] {
        for (p, l) in [
            (0, 0),
            (0, 16),
            (8, 4),
            (memory - 4, 100),
            (memory, 1),
            (u32::MAX, u32::MAX),
            (u32::MAX - 2, 16),
            (ptr, 17),
            (ptr + 1, 16),
            (ptr, u32::MAX),
        ] {
            let answer = host.call_raw(export, p, l).unwrap();
            assert!(
                answer.contains(r#""code":"bad_pointer""#),
                "{export:?} {p} {l}: {answer}"
            );
        }
    }
    // Freeing strays, a wrong length, twice: ignored.
    host.free_raw(u32::MAX, 1).unwrap();
    host.free_raw(ptr, 15).unwrap();
    host.free_raw(ptr, 16).unwrap();
    host.free_raw(ptr, 16).unwrap();
    for export in [Export::Evaluate, Export::Explain] {
        let answer = host.call_raw(export, ptr, 16).unwrap();
        assert!(answer.contains(r#""code":"bad_pointer""#), "{answer}");
    }
    // An allocation past the memory cap fails cleanly.
    assert_eq!(host.alloc_raw(u32::MAX).unwrap(), 0);
    still_works(&mut host);
}

/// Requests of every size around the kept input buffer's: each fits the
/// kept buffer, replaces it with a larger one, or (over 64 KiB) gets a
/// buffer of its own; every answer is the native one and memory does not
/// grow from round to round.
#[test]
fn inputs_of_every_size_get_the_native_answer() {
    let Some(mut host) = loaded(Limits::default()) else {
        return;
    };
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    let kept = tessera_wasm_host::KEPT_INPUT_BYTES as usize;
    let sizes = [
        0,
        1,
        REQUEST.len(),
        1023,
        1024,
        1025,
        4096,
        kept - 1,
        kept,
        kept + 1,
        200_000,
        REQUEST.len() + 1,
    ];
    let texts: Vec<String> = sizes
        .iter()
        .map(|&size| {
            if size < REQUEST.len() {
                " ".repeat(size)
            } else {
                format!("{REQUEST}{}", " ".repeat(size - REQUEST.len()))
            }
        })
        .collect();
    let mut memory = Vec::new();
    for _ in 0..20 {
        for text in &texts {
            assert_eq!(
                host.evaluate_bytes(text.as_bytes(), 0).unwrap(),
                tessera::json::evaluate(&engine, text, false),
                "{} bytes",
                text.len()
            );
            assert_eq!(
                host.explain_bytes(text.as_bytes(), 0).unwrap(),
                tessera::json::evaluate(&engine, text, true),
                "{} bytes",
                text.len()
            );
        }
        memory.push(host.memory_size().unwrap());
    }
    assert_eq!(memory.first(), memory.last(), "{memory:?}");
    still_works(&mut host);
}

#[test]
fn without_fuel_metering_fuel_is_not_counted() {
    let Some(module) = common::module() else {
        return;
    };
    let compiled = Compiled::with_fuel_metering(&module, false).unwrap();
    assert!(!compiled.fuel_metering());
    let mut host = Host::from_compiled(&compiled, Limits::default()).unwrap();
    host.set_fuel(1_000);
    let answer = host.load(&[("p.policy", POLICY)]).unwrap();
    assert_eq!(answer, r#"{"ok":true,"statements":1}"#);
    still_works(&mut host);
    // The memory cap still holds.
    assert_eq!(host.alloc_raw(u32::MAX).unwrap(), 0);
    still_works(&mut host);
}

/// A policy file of `statements` statements.
fn big_policy(statements: usize) -> String {
    let mut text = String::from("policy \"big\" {\n");
    for i in 0..statements {
        text.push_str(&format!(
            "  allow \"s{i}\" {{ principal user:u{i} action secrets:GetSecretValue resource app/{i}/** }}\n"
        ));
    }
    text.push_str("}\n");
    text
}

#[test]
fn exhausting_memory_fails_and_a_fresh_instance_works() {
    let limits = Limits {
        memory_bytes: 32 * 1024 * 1024,
        ..Limits::default()
    };
    let Some(mut host) = loaded(limits) else {
        return;
    };
    let text = big_policy(100_000);
    assert!(text.len() > 8 * 1024 * 1024);
    let error = host.load(&[("big.policy", &text)]).unwrap_err();
    assert!(
        matches!(error, HostError::Trap(_) | HostError::Alloc(_)),
        "{error:?}"
    );
    // A fresh instance, with the policies that loaded before.
    still_works(&mut host);
    assert!(host.memory_size().unwrap() < 8 * 1024 * 1024);
}

#[test]
fn running_out_of_fuel_fails_and_a_fresh_instance_works() {
    let Some(mut host) = loaded(Limits::default()) else {
        return;
    };
    host.set_fuel(1_000);
    assert!(matches!(host.evaluate(REQUEST), Err(HostError::OutOfFuel)));
    assert!(matches!(host.explain(REQUEST), Err(HostError::OutOfFuel)));
    host.set_fuel(Limits::default().fuel);
    still_works(&mut host);
    // Fuel enough to start and reload, but not to compile a large file.
    host.set_fuel(50_000_000);
    let error = host
        .load(&[("big.policy", &big_policy(20_000))])
        .unwrap_err();
    assert!(matches!(error, HostError::OutOfFuel), "{error:?}");
    still_works(&mut host);
}

#[test]
fn a_module_that_is_not_tessera_is_refused() {
    if common::module().is_none() {
        return;
    }
    let error = Host::new(b"\0asm\x01\0\0\0", Limits::default()).unwrap_err();
    assert!(matches!(error, HostError::Module(_)), "{error:?}");
    let error = Host::new(b"garbage", Limits::default()).unwrap_err();
    assert!(matches!(error, HostError::Module(_)), "{error:?}");
}

/// `bytes` with every occurrence of `from` replaced by `to` (same length).
fn patched(bytes: &[u8], from: &[u8], to: &[u8]) -> (Vec<u8>, usize) {
    assert_eq!(from.len(), to.len());
    let mut bytes = bytes.to_vec();
    let mut found = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            found += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    (bytes, found)
}

#[test]
fn a_module_missing_tessera_explain_is_refused() {
    let Some(module) = common::module() else {
        return;
    };
    // Renaming the export (same length, so the module stays well formed)
    // hides it from the host. (Each Host::new compiles the module: one
    // export is checked here, not all of them.)
    let (bytes, found) = patched(&module, b"tessera_explain", b"tessera_explai!");
    assert!(found >= 1, "tessera_explain is not in the module");
    let error = Host::new(&bytes, Limits::default()).unwrap_err();
    assert!(
        matches!(&error, HostError::Module(m) if m.contains("tessera_explain")),
        "{error:?}"
    );
}
