//! `policy check`: parse, validate and compile; report every error. A set
//! that passes `check` compiles everywhere with the same limits: the engine
//! refuses exactly what `check` reports.

use crate::error::CliError;
use crate::render::{self, Style};
use crate::{Status, load};
use std::path::PathBuf;

/// Arguments of `policy check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories (searched recursively for *.policy,
    /// Vault *.hcl and AWS IAM *.json policies,
    /// skipping hidden directories and `target`) [default: .]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    schema: crate::schema::SchemaArgs,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
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
    let limits = args.limits.limits()?;
    let paths = load::or_current_dir(&args.paths);
    let policies = load::read_policies(&load::policy_files(&paths)?)?;
    let schemas = args.schema.sources(&paths)?;
    let result = crate::schema::compile(&policies, &schemas, &limits);
    // Diagnostics may be about a schema file too.
    let sources = crate::schema::with_schemas(&policies, &schemas);
    let diagnostics = match &result {
        Ok(_) => &[][..],
        Err(error) => error.diagnostics(),
    };
    let statements = result.as_ref().map_or(0, |engine| engine.statement_count());
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
                if !schemas.is_empty() {
                    println!(
                        "schema: {} file(s); every custom key is declared",
                        schemas.len()
                    );
                }
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
    // Policies that do not compile are invalid input, as in every command.
    Ok(if result.is_ok() {
        Status::Success
    } else {
        Status::Invalid
    })
}
