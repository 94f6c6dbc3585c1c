//! Hot reload: one engine serving many threads, replaced atomically by a newly
//! compiled policy set while they decide.
//!
//! A [`LiveEngine`] holds the current [`Engine`]. Readers take it with
//! [`LiveEngine::current`] (or [`LiveEngine::with_current`]) and decide with
//! it; a reload compiles the new sources and swaps them in with one atomic
//! pointer store. Readers never wait for a reload, and a decision is made
//! entirely by the engine it started with, so it is always the answer of
//! exactly one revision, the one that [`Engine::revision`] names. A policy set
//! that does not compile is never swapped in: the old one keeps serving and
//! the [`ReloadError`] says why.
//!
//! ```
//! use tessera::reload::LiveEngine;
//! use tessera::{Engine, Request, Source};
//!
//! let allow = r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#;
//! let deny = r#"policy "p" { deny "read" { principal * action secrets:GetSecretValue resource app/** } }"#;
//! let live = LiveEngine::new(Engine::compile_str("p.policy", allow).unwrap());
//! let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
//!
//! // Take the engine once per decision; record its revision with the answer.
//! let engine = live.current();
//! assert!(engine.decide(&request).is_allowed());
//! let first = engine.revision().to_string();
//!
//! let reloaded = live.reload(&[Source::new("p.policy", deny)]).unwrap();
//! assert!(reloaded.changed());
//! assert_eq!(reloaded.previous, first);
//! assert!(!live.current().decide(&request).is_allowed());
//!
//! // A set that does not compile leaves the last good one serving.
//! let error = live.reload(&[Source::new("p.policy", "policy \"p\" {")]).unwrap_err();
//! assert_eq!(error.diagnostics()[0].file(), "p.policy");
//! assert_eq!(error.serving(), reloaded.revision);
//! assert!(!live.current().decide(&request).is_allowed());
//! ```

use crate::CompileError;
use crate::engine::{Engine, Source};
use crate::schema::Schema;
use arc_swap::ArcSwap;
use policy_lang::Diagnostic;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// An engine that can be replaced while other threads decide with it.
///
/// `Send + Sync`: share it (in an [`Arc`] or a `static`) between the threads
/// that decide and the one that reloads. Reading is lock-free; reloads are
/// serialized with each other and never block readers. An engine replaced by
/// a reload stays alive until the last reader holding it lets go.
#[derive(Debug)]
pub struct LiveEngine {
    engine: ArcSwap<Engine>,
    /// Held for the whole of a reload, so that reloads run one at a time and
    /// each one's report of what it replaced is exact.
    reloading: Mutex<()>,
}

impl LiveEngine {
    /// A holder serving `engine`.
    ///
    /// ```
    /// let engine = tessera::Engine::compile_str("p.policy", "policy \"p\" {}").unwrap();
    /// let revision = engine.revision().to_string();
    /// let live = tessera::reload::LiveEngine::new(engine);
    /// assert_eq!(live.current().revision(), revision);
    /// ```
    pub fn new(engine: Engine) -> LiveEngine {
        LiveEngine {
            engine: ArcSwap::from_pointee(engine),
            reloading: Mutex::new(()),
        }
    }

    /// The engine serving now. Cheap (no lock, no copy); keep the [`Arc`] for
    /// the length of one decision, and record its [`Engine::revision`] with
    /// the answer. A reload during the decision does not affect it: the
    /// returned engine is never modified, only replaced in the holder.
    ///
    /// ```
    /// use tessera::{Engine, Request, reload::LiveEngine};
    /// let live = LiveEngine::new(Engine::compile_str("p.policy",
    ///     r#"policy "p" { allow "a" { principal * action * resource app/** } }"#).unwrap());
    /// let engine = live.current();
    /// let decision = engine.decide(&Request::new("user:ann", "secrets:GetSecretValue", "app/db"));
    /// println!("{} decided by {}", serde_json::to_string(&decision).unwrap(), engine.revision());
    /// ```
    pub fn current(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    /// Calls `f` with the engine serving now and returns what it returns.
    /// Cheaper than [`LiveEngine::current`] when the engine is needed only
    /// briefly; like it, `f` sees one engine from start to end even if a
    /// reload replaces it meanwhile. `f` should not run long: the replaced
    /// engine stays in memory until it returns.
    ///
    /// ```
    /// use tessera::{Engine, Request, reload::LiveEngine};
    /// let live = LiveEngine::new(Engine::compile_str("p.policy",
    ///     r#"policy "p" { allow "a" { principal * action * resource app/** } }"#).unwrap());
    /// let request = Request::new("user:ann", "secrets:GetSecretValue", "app/db");
    /// let (allowed, revision) = live.with_current(|engine| {
    ///     (engine.decide(&request).is_allowed(), engine.revision().to_string())
    /// });
    /// assert!(allowed);
    /// assert_eq!(revision, live.current().revision());
    /// ```
    pub fn with_current<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        f(&self.engine.load())
    }

    /// Compiles `sources` and, if they compile, makes them the engine that
    /// serves, under the limits of the engine serving now. Sources whose
    /// revision is the one serving change nothing (the serving engine is
    /// kept; [`Reloaded::changed`] is false).
    ///
    /// Compiling takes place while readers go on with the old engine. If
    /// another reload is under way, this one waits for it to finish.
    ///
    /// # Errors
    ///
    /// When the sources do not compile: the old engine keeps serving, and the
    /// error holds every diagnostic (with file, line and column) and the
    /// revision still serving.
    ///
    /// ```
    /// use tessera::{Engine, Source, reload::LiveEngine};
    /// let text = r#"policy "p" { allow "a" { principal * action * resource app/** } }"#;
    /// let live = LiveEngine::new(Engine::compile_str("p.policy", text).unwrap());
    /// let same = live.reload(&[Source::new("p.policy", text)]).unwrap();
    /// assert!(!same.changed());
    /// assert_eq!(same.statements, 1);
    ///
    /// let broken = "policy \"p\" {\n  allow \"a\" { principal * action * resource * when { mfa == maybe } }\n}";
    /// let error = live.reload(&[Source::new("p.policy", broken)]).unwrap_err();
    /// assert_eq!(error.diagnostics()[0].location().line, 2);
    /// assert_eq!(error.diagnostics()[0].message(), "expected a boolean, found `maybe`");
    /// assert_eq!(error.serving(), same.revision);
    /// ```
    pub fn reload(&self, sources: &[Source]) -> Result<Reloaded, ReloadError> {
        self.reload_checked(sources, |serving| serving.schema().cloned())
    }

    /// [`LiveEngine::reload`] with a new schema, or none: the sources are
    /// checked against `schema`, and once swapped in, requests are read
    /// against it. A change of schema alone swaps too
    /// ([`Reloaded::schema_changed`]).
    ///
    /// ```
    /// use tessera::{Engine, Limits, Schema, Source, reload::LiveEngine};
    /// let text = r#"policy "p" { allow "a" { principal * action * resource app/**
    ///     when { context.ticket like "CHG-*" } } }"#;
    /// let live = LiveEngine::new(Engine::compile_str("p.policy", text).unwrap());
    /// let schema = Schema::compile(&[Source::new("s", "schema { context.ticket: string }")]).unwrap();
    /// let reloaded = live.reload_with_schema(&[Source::new("p.policy", text)], Some(&schema)).unwrap();
    /// assert!(reloaded.changed() && reloaded.schema_changed);
    /// assert_eq!(reloaded.revision, reloaded.previous);
    /// assert_eq!(live.current().schema(), Some(&schema));
    ///
    /// // Policies that do not fit the new schema keep the old pair serving.
    /// let typo = Schema::compile(&[Source::new("s", "schema { context.tikcet: string }")]).unwrap();
    /// assert!(live.reload_with_schema(&[Source::new("p.policy", text)], Some(&typo)).is_err());
    /// assert_eq!(live.current().schema(), Some(&schema));
    /// ```
    pub fn reload_with_schema(
        &self,
        sources: &[Source],
        schema: Option<&Schema>,
    ) -> Result<Reloaded, ReloadError> {
        self.reload_checked(sources, |_| schema.cloned())
    }

    /// Compiles `sources` under the serving engine's limits, against the
    /// schema `schema` picks (given the serving engine), and swaps.
    fn reload_checked(
        &self,
        sources: &[Source],
        schema: impl FnOnce(&Engine) -> Option<Schema>,
    ) -> Result<Reloaded, ReloadError> {
        let _one_at_a_time = self.lock();
        let serving = self.engine.load();
        let limits = serving.limits().clone();
        let compiled = match schema(&serving) {
            Some(schema) => Engine::compile_with_schema(sources, &limits, &schema),
            None => Engine::compile_with(sources, &limits),
        };
        match compiled {
            Ok(engine) => Ok(self.swap_locked(engine)),
            Err(error) => Err(ReloadError {
                error,
                serving: self.engine.load().revision().to_string(),
            }),
        }
    }

    /// Makes `engine`, compiled elsewhere, the engine that serves, unless it
    /// has the revision serving now (then nothing changes). Waits for a
    /// reload under way to finish.
    ///
    /// ```
    /// use tessera::{Engine, reload::LiveEngine};
    /// let live = LiveEngine::new(Engine::compile_str("a.policy", "policy \"a\" {}").unwrap());
    /// let next = Engine::compile_str("b.policy", "policy \"b\" {}").unwrap();
    /// let revision = next.revision().to_string();
    /// let replaced = live.replace(next);
    /// assert!(replaced.changed());
    /// assert_eq!(live.current().revision(), revision);
    /// ```
    pub fn replace(&self, engine: Engine) -> Reloaded {
        let _one_at_a_time = self.lock();
        self.swap_locked(engine)
    }

    /// Swaps `engine` in unless it is the serving revision; the caller holds
    /// the reload lock, so the engine read here is the one replaced.
    fn swap_locked(&self, engine: Engine) -> Reloaded {
        let old = self.engine.load_full();
        let report = Reloaded {
            previous: old.revision().to_string(),
            previous_statements: old.statement_count(),
            revision: engine.revision().to_string(),
            statements: engine.statement_count(),
            schema_changed: old.schema() != engine.schema(),
        };
        if report.changed() {
            self.engine.store(Arc::new(engine));
        }
        report
    }

    /// The reload lock. It guards no data, so a reload that panicked while
    /// holding it (leaving it poisoned) leaves nothing inconsistent.
    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl From<Engine> for LiveEngine {
    fn from(engine: Engine) -> LiveEngine {
        LiveEngine::new(engine)
    }
}

/// What a successful [`LiveEngine::reload`] or [`LiveEngine::replace`] did:
/// the revision that served before and the one that serves now.
///
/// ```
/// use tessera::{Engine, Source, reload::LiveEngine};
/// let live = LiveEngine::new(Engine::compile_str("p.policy", "policy \"p\" {}").unwrap());
/// let two = r#"policy "p" { allow "a" { principal * action * resource a/** }
///                          deny "b" { principal * action * resource b/** } }"#;
/// let reloaded = live.reload(&[Source::new("p.policy", two)]).unwrap();
/// assert_eq!((reloaded.previous_statements, reloaded.statements), (0, 2));
/// assert_eq!(reloaded.revision, live.current().revision());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reloaded {
    /// The revision that served before.
    pub previous: String,
    /// Its number of statements.
    pub previous_statements: usize,
    /// The revision that serves now; the same as `previous` when nothing
    /// changed.
    pub revision: String,
    /// Its number of statements.
    pub statements: usize,
    /// True when the engine that serves now checks requests against another
    /// schema (or none, or one where there was none), whatever the policies.
    pub schema_changed: bool,
}

impl Reloaded {
    /// True when another engine serves now: another revision, or the same
    /// policies against another schema. False when the new sources (and
    /// schema) were those already serving, and the serving engine was kept.
    ///
    /// ```
    /// use tessera::{Engine, reload::LiveEngine};
    /// let live = LiveEngine::new(Engine::compile_str("p.policy", "policy \"p\" {}").unwrap());
    /// assert!(!live.replace(Engine::compile_str("p.policy", "policy \"p\" {}").unwrap()).changed());
    /// ```
    pub fn changed(&self) -> bool {
        self.previous != self.revision || self.schema_changed
    }
}

/// A reload whose sources did not compile. The revision named by
/// [`ReloadError::serving`] still serves.
///
/// ```
/// use tessera::{Engine, Source, reload::LiveEngine};
/// let live = LiveEngine::new(Engine::compile_str("p.policy", "policy \"p\" {}").unwrap());
/// let error = live.reload(&[Source::new("q.policy", "policy \"q\" { allow }")]).unwrap_err();
/// let first = &error.diagnostics()[0];
/// assert_eq!((first.file(), first.location().line), ("q.policy", 1));
/// assert_eq!(error.serving(), live.current().revision());
/// assert!(error.to_string().starts_with("1 error(s) in the new policy set; still serving sha256:"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadError {
    error: CompileError,
    serving: String,
}

impl ReloadError {
    /// Every problem in the new sources, in source order, each with its file,
    /// line and column.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        self.error.diagnostics()
    }

    /// The compile error, to render or to turn into JSON with
    /// [`crate::json::compile_error`].
    pub fn compile_error(&self) -> &CompileError {
        &self.error
    }

    /// Takes the compile error out.
    pub fn into_compile_error(self) -> CompileError {
        self.error
    }

    /// The revision that still serves.
    pub fn serving(&self) -> &str {
        &self.serving
    }
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} error(s) in the new policy set; still serving {}",
            self.error.diagnostics().len(),
            self.serving
        )
    }
}

impl std::error::Error for ReloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<LiveEngine>();
        assert_send_sync::<ReloadError>();
    }
}
