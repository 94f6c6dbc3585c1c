//! Side-by-side benchmark of Tessera against cedar-policy and regorus.
//!
//! Run it with (see `README.md` here and `BENCHMARKS.md` at the repository root):
//!
//! ```text
//! cargo bench --manifest-path bench/Cargo.toml                  # full run
//! BENCH_QUICK=1 cargo bench --manifest-path bench/Cargo.toml    # quick run
//! cargo test --manifest-path bench/Cargo.toml                   # equivalence only, N = 10, 100, 1000
//! ```
//!
//! Every policy set is first written as an engine-neutral [`model::Stmt`]
//! list; each engine's text is generated from that list
//! ([`tessera_text`], [`cedar_text`], [`rego`]), and every request from one
//! [`model::Req`]. [`check`] then asserts that all engines decide every
//! request alike before anything is timed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod alloc;
pub mod engines;
pub mod model;
pub mod rego;

pub use engines::{Built, EngineKind, build, check};
pub use model::{Kind, Req, Shape, Stmt};

/// Generated statements per set; the fixed statements of [`model::fixed`]
/// come on top.
pub const SIZES: [usize; 5] = [10, 100, 1_000, 10_000, 100_000];

/// Tessera's text for a statement list: one policy, statements in order.
pub fn tessera_text(stmts: &[Stmt]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("policy \"bench\" {\n");
    for s in stmts {
        let _ = writeln!(
            out,
            "  {} \"{}\" {{\n    principal {}\n    action    {}\n    resource  {}",
            if s.allow { "allow" } else { "deny" },
            s.name,
            s.principal.tessera(),
            s.action.tessera(),
            s.resource.tessera()
        );
        if let Some(c) = &s.when {
            let _ = writeln!(out, "    when {{ {} }}", c.tessera());
        }
        if let Some(c) = &s.unless {
            let _ = writeln!(out, "    unless {{ {} }}", c.tessera());
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

/// Cedar's text for a statement list: one `permit`/`forbid` per statement.
pub fn cedar_text(stmts: &[Stmt]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for s in stmts {
        let _ = write!(
            out,
            "@id(\"{}\")\n{}(\n  {},\n  {},\n  {}\n)",
            s.name,
            if s.allow { "permit" } else { "forbid" },
            s.principal.cedar(),
            s.action.cedar(),
            s.resource.cedar_scope()
        );
        if let Some(like) = s.resource.cedar_like() {
            let _ = write!(out, "\nwhen {{ {like} }}");
        }
        if let Some(c) = &s.when {
            let _ = write!(out, "\nwhen {{ {} }}", c.cedar());
        }
        if let Some(c) = &s.unless {
            let _ = write!(out, "\nunless {{ {} }}", c.cedar());
        }
        out.push_str(";\n");
    }
    out
}
