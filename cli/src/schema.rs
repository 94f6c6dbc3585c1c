//! Schemas for the `policy` command: `--schema FILE`, the `*.schema` files
//! found beside the policies, and `policy schema`, which prints a JSON
//! Schema for requests.

use crate::Status;
use crate::error::CliError;
use crate::load::{self, SourceFile};
use crate::render::{self, Style};
use std::path::PathBuf;
use tessera::{CompileError, Engine, Limits, Schema, Source};

/// The extension of schema files.
pub const SCHEMA_EXTENSION: &str = "schema";

/// The `--schema` option, flattened into each command that compiles
/// policies or reads requests.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SchemaArgs {
    /// A schema file declaring the custom context attributes and tags
    /// requests carry, and their types (repeatable). Without it, the
    /// `*.schema` files found in the directories searched for policies are
    /// used. With a schema, policies that read an undeclared key and
    /// requests that do not fit are errors.
    #[arg(long = "schema", value_name = "FILE")]
    files: Vec<PathBuf>,
}

impl SchemaArgs {
    /// The schema files: those named with `--schema`, else every
    /// `*.schema` file under the directories among `searched` (named files
    /// are policies, not searched), sorted. Empty when there is no schema.
    pub fn sources(&self, searched: &[PathBuf]) -> Result<Vec<SourceFile>, CliError> {
        if !self.files.is_empty() {
            return load::read_all(&self.files);
        }
        let mut files = Vec::new();
        for path in searched {
            if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
                load::walk(path, &mut |p| {
                    if p.extension().is_some_and(|x| x == SCHEMA_EXTENSION) {
                        files.push(p.to_path_buf());
                    }
                })?;
            }
        }
        files.sort();
        let mut seen = std::collections::HashSet::new();
        files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
        load::read_all(&files)
    }
}

impl SchemaArgs {
    /// The schema files of the policy set in `dir` (as `policy test` takes
    /// it): those named with `--schema`, else the `*.schema` files directly
    /// in `dir`, sorted.
    pub fn sources_beside(&self, dir: &std::path::Path) -> Result<Vec<SourceFile>, CliError> {
        if !self.files.is_empty() {
            return load::read_all(&self.files);
        }
        let mut files = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| CliError::io(dir, &e))?;
        for entry in entries {
            let path = entry.map_err(|e| CliError::io(dir, &e))?.path();
            if path.extension().is_some_and(|x| x == SCHEMA_EXTENSION) && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        load::read_all(&files)
    }
}

fn named(sources: &[SourceFile]) -> Vec<Source<'_>> {
    sources
        .iter()
        .map(|s| Source::new(&s.name, &s.text))
        .collect()
}

/// The schema the files declare, `None` without schema files.
pub fn compile_schema(
    schemas: &[SourceFile],
    limits: &Limits,
) -> Option<Result<Schema, CompileError>> {
    (!schemas.is_empty()).then(|| Schema::compile_with(&named(schemas), &limits.policy))
}

/// The policies compiled under `limits`, and checked against the schema
/// when there are schema files: every problem of both, at once.
pub fn compile(
    policies: &[SourceFile],
    schemas: &[SourceFile],
    limits: &Limits,
) -> Result<Engine, CompileError> {
    match compile_schema(schemas, limits) {
        None => Engine::compile_with(&named(policies), limits),
        Some(Ok(schema)) => Engine::compile_with_schema(&named(policies), limits, &schema),
        // The policies cannot be checked against a broken schema; their
        // own errors are still reported.
        Some(Err(error)) => match Engine::compile_with(&named(policies), limits) {
            Ok(_) => Err(error),
            Err(more) => Err(error.merge(more)),
        },
    }
}

/// The policy and schema sources in one list, for drawing diagnostics
/// from either.
pub fn with_schemas(policies: &[SourceFile], schemas: &[SourceFile]) -> Vec<SourceFile> {
    policies.iter().chain(schemas).cloned().collect()
}

/// Arguments of `policy schema`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 when the JSON Schema was printed, 2 when a schema file is not valid \
or cannot be read."
)]
pub struct Args {
    /// Schema files, or directories searched for *.schema files (skipping
    /// hidden directories and `target`) [default: .]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    schema: SchemaArgs,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

/// `policy schema`: prints a JSON Schema (draft 2020-12) for requests: the
/// built-in fields and the declared custom attributes and tags.
pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let limits = args.limits.limits()?;
    let paths = load::or_current_dir(&args.paths);
    let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) = paths.into_iter().partition(|p| p.is_dir());
    let mut schemas = args.schema.sources(&dirs)?;
    schemas.extend(load::read_all(&files)?);
    let schema = match compile_schema(&schemas, &limits) {
        None => {
            eprintln!(
                "note: no *.schema file found and none named with --schema; printing the request schema without custom attributes"
            );
            None
        }
        Some(Ok(schema)) => Some(schema),
        Some(Err(error)) => {
            return Err(CliError::Compile {
                count: error.diagnostics().len(),
                rendered: render::human_all(&error, &schemas, style.color_stderr),
            });
        }
    };
    let document = tessera::request_json_schema(schema.as_ref());
    println!(
        "{}",
        serde_json::to_string_pretty(&document).unwrap_or_default()
    );
    Ok(Status::Success)
}
