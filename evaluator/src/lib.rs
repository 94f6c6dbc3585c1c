//! Tessera evaluator.
