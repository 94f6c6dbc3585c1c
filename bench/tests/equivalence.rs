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
