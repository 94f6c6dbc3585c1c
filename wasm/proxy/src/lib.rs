//! Tessera as a proxy-wasm HTTP filter (ABI 0.2.1, built for
//! `wasm32-wasip1` by `wasm/build.sh` as `tessera_proxy.wasm`; README.md
//! documents the configuration and the behaviour).
//!
//! Each request's headers become a Tessera request ([`filter::request_json`]),
//! decided by the engine the current plugin configuration compiled to, with
//! the JSON answer every face of Tessera gives ([`decide`]); an allow
//! continues (optionally with the decision in a request header), anything
//! else is answered locally with the deny status and the JSON as body.
//! Every decision is audited (`tessera::audit` records) through the host's
//! log and/or a shared queue.
//!
//! The modules but `glue` and `host` make no host call and are tested
//! natively; those two exist on wasm32 only.

pub mod config;
pub mod decide;
pub mod filter;
pub mod header_map;
pub mod path;
pub mod refusal;

#[cfg(target_arch = "wasm32")]
mod glue;
#[cfg(target_arch = "wasm32")]
mod host;
