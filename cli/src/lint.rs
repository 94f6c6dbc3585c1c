//! `policy lint`: least-privilege findings (being written).

use crate::Status;
use crate::error::CliError;
use crate::render::Style;
use std::path::PathBuf;

/// Arguments of `policy lint`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(_args: Args, _style: Style) -> Result<Status, CliError> {
    Err(CliError::Usage(
        "`policy lint` is not built yet".to_string(),
    ))
}
