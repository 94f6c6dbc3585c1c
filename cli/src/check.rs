//! `policy check`: parse and validate; report every error.

use crate::error::CliError;
use crate::render::{self, Style};
use crate::{Status, load};
use std::path::PathBuf;

/// Arguments of `policy check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories (searched recursively for *.policy).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// How `check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics on standard error.
    Text,
    /// A JSON object on standard output.
    Json,
    /// GitHub Actions `::error` annotations on standard output.
    Github,
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let files = load::policy_files(&args.paths)?;
    let sources = load::read_all(&files)?;
    let pairs: Vec<(&str, &str)> = sources
        .iter()
        .map(|s| (s.name.as_str(), s.text.as_str()))
        .collect();
    let result = policy_lang::parse_set(&pairs);
    let diagnostics = result
        .as_ref()
        .err()
        .map(|e| e.diagnostics())
        .unwrap_or_default();
    let statements: usize = result
        .as_ref()
        .map(|files| {
            files
                .iter()
                .flat_map(|f| &f.policies)
                .map(|p| p.statements.len())
                .sum()
        })
        .unwrap_or(0);
    match args.format {
        Format::Text => {
            if let Err(error) = &result {
                eprint!("{}", render::human_all(error, &sources, style.color_stderr));
                eprintln!(
                    "{}: {} error(s) in {} file(s)",
                    render::paint_error(style, "error"),
                    diagnostics.len(),
                    sources.len()
                );
            } else {
                println!("ok: {} file(s), {statements} statement(s)", sources.len());
            }
        }
        Format::Json => {
            let value = serde_json::json!({
                "ok": result.is_ok(),
                "files": sources.len(),
                "statements": statements,
                "diagnostics": diagnostics.iter().map(tessera::json::diagnostic).collect::<Vec<_>>(),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Github => {
            for d in diagnostics {
                println!("{}", render::github(d));
            }
        }
    }
    Ok(if result.is_ok() {
        Status::Success
    } else {
        Status::Findings
    })
}
