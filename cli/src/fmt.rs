//! `policy fmt`: canonical formatting in place, or `--check`.

use crate::error::CliError;
use crate::render::{self, Style};
use crate::{Status, load};
use std::path::PathBuf;

/// Arguments of `policy fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories (searched recursively for *.policy,
    /// skipping hidden directories and `target`) [default: .]
    paths: Vec<PathBuf>,
    /// Change nothing; print a unified diff (`--- a/FILE`, `+++ b/FILE`,
    /// hunks with three lines of context) of each file that is not in
    /// canonical form, and exit 1 if any is not.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let files = load::tessera_only(load::policy_files(&load::or_current_dir(&args.paths))?);
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
            print!("{}", unified_diff(&source.name, &source.text, &formatted));
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

/// What formatting would change in the file named `name`, as a unified diff
/// with three lines of context. A relative name gets git's `a/` and `b/`
/// prefixes (so `git apply` and `patch -p1` take the diff); an absolute one
/// is shown as it is on both lines.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let (before, after) = if std::path::Path::new(name).is_absolute() {
        (name.to_string(), name.to_string())
    } else {
        let relative = name.strip_prefix("./").unwrap_or(name);
        (format!("a/{relative}"), format!("b/{relative}"))
    };
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&before, &after)
        .to_string()
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
