//! `--limit NAME=VALUE`: the engine's limits, for every command that
//! compiles policies or reads requests.

use crate::error::CliError;

/// The `--limit` option, flattened into each command that compiles.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LimitArgs {
    /// Change one of the engine's limits, such as max_pattern_bytes=2048 or
    /// max_groups=100000 (repeatable). Policy limits: max_source_bytes,
    /// max_statements, max_patterns_per_line, max_pattern_bytes,
    /// max_pattern_wildcards, max_alternatives. Request limits: max_bytes,
    /// max_path_bytes, max_path_segments, max_groups, max_tags,
    /// max_attributes, max_value_bytes. SECURITY.md gives the defaults.
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    limits: Vec<String>,
}

impl LimitArgs {
    /// The limits: the defaults with each `--limit` applied in order.
    pub fn limits(&self) -> Result<tessera::Limits, CliError> {
        let mut limits = tessera::Limits::default();
        for assignment in &self.limits {
            limits
                .set_text(assignment)
                .map_err(|e| CliError::Usage(format!("--limit {e}")))?;
        }
        Ok(limits)
    }
}
