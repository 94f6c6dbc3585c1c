//! `policy import`: print Vault ACL policies or an AWS IAM policy document as
//! Tessera text (docs/import.md). The same conversion runs whenever a
//! command loads `*.hcl` or `*.json` files beside `*.policy` files; this
//! shows what they load as, for review or to keep as Tessera source.

use crate::Status;
use crate::error::CliError;
use crate::load;
use crate::render::Style;
use policy_cli::imports::{ImportError, Named};
use std::path::PathBuf;

/// Arguments of `policy import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    from: From,
}

#[derive(Debug, clap::Subcommand)]
enum From {
    /// Vault ACL policies (HCL), taken together as the policies of one token:
    /// Vault picks the most specific path across all of them.
    Vault {
        /// The policy files (*.hcl).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// An AWS IAM policy document (JSON).
    Aws {
        /// The policy document (*.json).
        file: PathBuf,
    },
}

pub fn run(args: Args, _style: Style) -> Result<Status, CliError> {
    let text = match args.from {
        From::Vault { files } => {
            let sources = load::read_all(&files)?;
            let pairs: Vec<(&str, &str)> = sources
                .iter()
                .map(|s| (s.name.as_str(), s.text.as_str()))
                .collect();
            tessera_import::vault::convert(&pairs).map_err(|diagnostics| {
                CliError::Import(ImportError {
                    diagnostics,
                    sources: named(&sources),
                })
            })?
        }
        From::Aws { file } => {
            let source = load::read(&file)?;
            tessera_import::aws::convert(&source.name, &source.text).map_err(|diagnostics| {
                CliError::Import(ImportError {
                    diagnostics,
                    sources: named(std::slice::from_ref(&source)),
                })
            })?
        }
    };
    print!("{text}");
    Ok(Status::Success)
}

fn named(sources: &[load::SourceFile]) -> Vec<Named> {
    sources
        .iter()
        .map(|s| Named {
            name: s.name.clone(),
            text: s.text.clone(),
        })
        .collect()
}
