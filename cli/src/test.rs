//! `policy test`: run the policy tests beside the policies (being written).

use crate::Status;
use crate::error::CliError;
use crate::render::Style;
use std::path::PathBuf;

/// Arguments of `policy test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directories or test files (default: the current directory).
    paths: Vec<PathBuf>,
}

pub fn run(_args: Args, _style: Style) -> Result<Status, CliError> {
    Err(CliError::Usage(
        "`policy test` is not built yet".to_string(),
    ))
}
