//! Every engine decides alike, at N = 10, 100 and 1,000, for every shape:
//! the four timed requests and 50 random ones (what the benchmark checks
//! before timing, at every size it times).

use tessera_bench::{EngineKind, Shape, check};

fn shape(shape: Shape) {
    for n in [10, 100, 1_000] {
        match check(shape, n, &EngineKind::ALL) {
            Ok(checked) => eprintln!(
                "{} N={n}: all {} engines agree; {} of 50 random requests allowed",
                shape.name(),
                checked.engines.len(),
                checked.random_allowed
            ),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn subtree() {
    shape(Shape::Subtree);
}

#[test]
fn principal() {
    shape(Shape::Principal);
}

#[test]
fn group() {
    shape(Shape::Group);
}

#[test]
fn tag() {
    shape(Shape::Tag);
}

#[test]
fn action() {
    shape(Shape::Action);
}

#[test]
fn mix() {
    shape(Shape::Mix);
}

/// The check is strict: one engine built from a set whose middle statement
/// is turned into a deny makes it fail, naming the shape, N, the request and
/// every engine's answer.
#[test]
fn a_disagreement_is_caught() {
    use tessera_bench::engines::check_tampered;
    use tessera_bench::model::{Kind, target};
    let n = 100;
    for shape in Shape::ALL {
        let i = target(shape, n);
        let result = check_tampered(shape, n, &EngineKind::ALL, &|kind, stmts| {
            if kind == EngineKind::Cedar {
                stmts[i].allow = false;
            }
        });
        let error = match result {
            Ok(_) => panic!("{}: a tampered Cedar set passed the check", shape.name()),
            Err(e) => e,
        };
        for part in [
            "engines disagree",
            &format!("shape {} N={n}", shape.name()),
            Kind::Allowed.name(),
            "tessera=allow",
            "cedar=deny",
            "rego-rules=allow",
        ] {
            assert!(error.contains(part), "`{part}` missing from: {error}");
        }
    }
}
