//! `policy fmt`: canonical formatting in place, or `--check`.

use crate::error::CliError;
use crate::render::{self, Style};
use crate::{Status, load};
use std::path::PathBuf;

/// Arguments of `policy fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories (searched recursively for *.policy).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing; list the files that are not in canonical form and exit 1 if any.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let files = load::policy_files(&args.paths)?;
    let sources = load::read_all(&files)?;
    // Parse everything first: a file that does not parse stops the run before
    // any file is written.
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    let mut failed = 0;
    for source in &sources {
        match policy_lang::parse(&source.name, &source.text) {
            Ok(file) => parsed.push((source, policy_lang::format(&file))),
            Err(e) => {
                failed += 1;
                errors.push(e);
            }
        }
    }
    if let Some(error) = policy_lang::ParseError::merge(errors) {
        eprint!(
            "{}",
            render::human_all(&error, &sources, style.color_stderr)
        );
        return Err(CliError::Usage(format!(
            "{} error(s) in {} file(s); no file was changed",
            error.diagnostics().len(),
            failed
        )));
    }
    let mut changed = 0;
    for (source, formatted) in parsed {
        if formatted == source.text {
            continue;
        }
        changed += 1;
        if args.check {
            println!("{}", source.name);
        } else {
            write_atomically(&source.path, &formatted)?;
            println!("formatted {}", source.name);
        }
    }
    if args.check && changed > 0 {
        eprintln!("{changed} file(s) would be reformatted; run `policy fmt` on them");
        return Ok(Status::Findings);
    }
    Ok(Status::Success)
}

/// Writes beside the file, then renames over it, so a crash never leaves half a file.
/// A symbolic link is followed: its target is rewritten and the link stays.
fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    let path = &std::fs::canonicalize(path).map_err(|e| CliError::io(path, &e))?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".fmt-tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text).map_err(|e| CliError::io(&temporary, &e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temporary, meta.permissions());
    }
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        CliError::io(path, &e)
    })
}
