//! Hostile input: over-long, garbage, stray pointers, exhausted memory and
//! fuel. Each gives an error answer or a host error, never a crash, and the
//! host keeps working (in a fresh instance after a failure).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{POLICY, REQUEST};
use tessera::Engine;
use tessera_wasm_host::{Host, HostError, Limits};

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

/// The host still decides correctly.
fn still_works(host: &mut Host) {
    assert_eq!(host.evaluate(REQUEST).unwrap(), expected());
}

#[test]
fn evaluating_before_loading_is_an_error_answer() {
    let Some(mut host) = common::host(Limits::default()) else {
        return;
    };
    let answer = host.evaluate(REQUEST).unwrap();
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
    still_works(&mut host);
}

#[test]
fn garbage_is_an_error_answer() {
    let Some(mut host) = loaded(Limits::default()) else {
        return;
    };
    let answer = host.evaluate_bytes(&[0xff, 0x00, 0xfe, 0x80], 0).unwrap();
    assert!(answer.contains(r#""code":"not_utf8""#), "{answer}");
    let engine = Engine::compile_str("p.policy", POLICY).unwrap();
    for text in ["", "}{", "null", "[1,2]", "{\"principal\": 5}"] {
        assert_eq!(
            host.evaluate_bytes(text.as_bytes(), 0).unwrap(),
            tessera::json::evaluate(&engine, text, false),
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
    for evaluate in [false, true] {
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
            let answer = host.call_raw(evaluate, p, l).unwrap();
            assert!(
                answer.contains(r#""code":"bad_pointer""#),
                "{p} {l}: {answer}"
            );
        }
    }
    // Freeing strays, a wrong length, twice: ignored.
    host.free_raw(u32::MAX, 1).unwrap();
    host.free_raw(ptr, 15).unwrap();
    host.free_raw(ptr, 16).unwrap();
    host.free_raw(ptr, 16).unwrap();
    let answer = host.call_raw(true, ptr, 16).unwrap();
    assert!(answer.contains(r#""code":"bad_pointer""#), "{answer}");
    // An allocation past the memory cap fails cleanly.
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
