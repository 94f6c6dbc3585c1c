//! Tests across crates live in `tests/`.
