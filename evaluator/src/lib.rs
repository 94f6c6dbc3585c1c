//! Tessera decides, for every request to a secrets manager, whether this
//! principal may do this action on this secret, now, from this address, with
//! or without MFA, on this version stage; and names the statements that
//! decided.
//!
//! Compile a policy set once into an [`Engine`] (immutable, `Send + Sync`),
//! then decide many [`Request`]s against it.
//!
//! ```
//! use tessera::{Engine, Request, Source, Outcome, Reason};
//!
//! let engine = Engine::compile(&[Source::new("payments.policy", r#"
//! policy "payments" {
//!   allow "read-current" {
//!     principal service:payments-*
//!     action    secrets:GetSecretValue
//!     resource  prod/payment/**
//!     when { version_stage == "AWSCURRENT" }
//!   }
//!   deny "office-network-only" {
//!     principal *
//!     action    *
//!     resource  prod/**
//!     unless { source_ip in 10.0.0.0/8 }
//!   }
//! }"#)]).unwrap();
//!
//! let request = Request::new("service:payments-api", "secrets:GetSecretValue", "prod/payment/stripe")
//!     .with_version_stage("AWSCURRENT")
//!     .with_source_ip("10.1.2.3".parse().unwrap());
//! let decision = engine.decide(&request);
//! assert_eq!(decision.outcome, Outcome::Allow);
//! assert_eq!(decision.determining[0].statement, "read-current");
//!
//! // No source IP: the deny's condition is unknown, and a deny fails closed.
//! let mut from_nowhere = request.clone();
//! from_nowhere.context.source_ip = None;
//! assert_eq!(engine.decide(&from_nowhere).reason, Reason::ExplicitDeny);
//! ```
//!
//! # Semantics
//!
//! Default deny; any applicable deny beats every allow; statement order never
//! matters. Conditions use three-valued logic: a value the request lacks makes
//! a test unknown, and a statement whose truth is unknown applies if it is a
//! deny and does not if it is an allow. `policy-lang/LANGUAGE.md` has the full
//! language and rules.
//!
//! # Modules
//!
//! - [`audit`]: an audit record of every decision, one JSON line each: masked,
//!   hash-chained, written to a file, stdout or a host callback, and verified.
//! - [`json`]: the JSON call/answer layer every host binding wraps.
//! - [`reference`]: a plain interpreter over the AST, used to check the engine.
//! - [`reload`]: [`LiveEngine`], an engine replaced atomically by a newly
//!   compiled policy set while other threads decide with it.
//!
//! A [`Schema`] declares the custom attributes and tags requests carry:
//! [`Engine::compile_with_schema`] checks the policies against it, and the
//! JSON layer every host wraps refuses requests that do not fit it.

#![deny(missing_docs)]

pub mod audit;
mod compile;
mod condition;
pub mod decision;
mod engine;
mod glob;
mod index;
pub mod json;
mod limits;
pub mod reference;
pub mod reload;
mod request;
mod schema;

pub use compile::CompileError;
pub use decision::{Decision, Explanation, Outcome, Reason, StatementRef};
pub use engine::{Engine, Source, StatementInfo};
pub use limits::Limits;
pub use policy_lang;
pub use policy_lang::{Diagnostic, DiagnosticKind, Limits as PolicyLimits, ParseError};
pub use reload::LiveEngine;
pub use request::{
    Attribute, Context, Principal, Request, RequestError, RequestErrorKind, RequestLimits, Resource,
};
pub use schema::{Schema, request_json_schema};

/// The README's Rust example, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Engine>();
    }
}
