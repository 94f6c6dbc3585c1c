//! What the engine answers: allow or deny, why, and which statements decided.

use serde::Serialize;
use smallvec::SmallVec;

/// Allow or deny.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The request may proceed.
    Allow,
    /// The request is refused.
    Deny,
}

/// Why the engine decided as it did.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// At least one deny statement applied.
    ExplicitDeny,
    /// At least one allow statement applied and no deny did.
    Allowed,
    /// No statement applied: denied by default.
    NoStatementApplied,
    /// Denied because the decision's audit record could not be written: an
    /// [`crate::audit::Auditor`] in [`crate::audit::Mode::Blocking`] refuses
    /// to decide what it cannot record. The engine itself never answers this.
    AuditFailed,
}

/// A statement, named by its policy and its own name.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StatementRef<'e> {
    /// The policy's name.
    pub policy: &'e str,
    /// The statement's name.
    pub statement: &'e str,
}

/// The answer to one request: allow or deny, why, and the statements that
/// decided (in Rust, borrowed from the engine that made it).
///
/// Serializes as `{"decision": "allow", "reason": "allowed", "determining": [{"policy": ..., "statement": ...}]}`.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision<'e> {
    /// Allow or deny.
    #[serde(rename = "decision")]
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// The statements that decided: every applicable deny when a deny
    /// applied, else every applicable allow; empty when nothing applied.
    /// In policy-set order.
    #[cfg_attr(feature = "typescript", tsify(type = "StatementRef[]"))]
    pub determining: SmallVec<[StatementRef<'e>; 2]>,
}

impl Decision<'_> {
    /// True for [`Outcome::Allow`].
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allow
    }

    /// The decision as a JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Which part of a statement kept it from applying.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The `principal` line.
    Principal,
    /// The `action` line.
    Action,
    /// The `resource` line.
    Resource,
    /// A test in a `when` block that did not hold.
    When,
    /// A test in an `unless` block that held.
    Unless,
}

/// One reason a statement did not apply, with the request's value.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Which part failed.
    pub part: Part,
    /// The matcher or condition as written in the policy.
    pub expected: String,
    /// The request's value; absent (null) when the request does not carry it.
    pub actual: Option<String>,
    /// True when the part's truth is unknown because a value is missing or of another type.
    pub unknown: bool,
}

/// How one statement fared against a request.
#[cfg_attr(
    feature = "typescript",
    derive(tsify::Tsify),
    tsify(rename = "ExplainedStatement")
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementReport<'e> {
    /// Which statement.
    #[serde(flatten)]
    pub statement: StatementRef<'e>,
    /// Allow or deny.
    pub effect: Outcome,
    /// True when it applied (for a deny, including when a missing value made it apply).
    pub applied: bool,
    /// Why it did not apply, or, for a deny that applied on unknown values, which parts were unknown.
    pub failures: Vec<Failure>,
}

/// A decision with the story behind it, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation<'e> {
    /// The decision, identical to what [`crate::Engine::decide`] returns.
    #[serde(flatten)]
    pub decision: Decision<'e>,
    /// Statements that applied, and near misses: statements that matched at
    /// least two of principal, action and resource but did not apply.
    pub statements: Vec<StatementReport<'e>>,
}
