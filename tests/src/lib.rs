//! Tests across crates live in `tests/`.

pub mod fuzz;
