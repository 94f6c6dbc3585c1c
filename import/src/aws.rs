//! AWS IAM policy documents (JSON).
