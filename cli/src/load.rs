//! Finding and reading policy files.

use crate::error::CliError;
use policy_cli::imports;
use std::path::{Path, PathBuf};

/// Larger files are refused before they are read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A policy (or test) file read into memory.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given or found.
    pub path: PathBuf,
    /// The path as shown in diagnostics.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// The paths given, or the current directory when none is.
pub fn or_current_dir(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    }
}

/// Every policy file named or found (recursively) under `paths`, sorted,
/// without duplicates: `*.policy`, Vault's `*.hcl`, and the `*.json` files
/// that hold AWS IAM policy documents (see [`imports::found_in_walk`]). A
/// named file is taken whatever its extension.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| CliError::io(path, &e))?;
        if meta.is_dir() {
            let mut failed = None;
            walk(path, &mut |p| match imports::found_in_walk(p) {
                Ok(true) => files.push(p.to_path_buf()),
                Ok(false) => {}
                Err(e) => {
                    failed.get_or_insert_with(|| CliError::io(p, &e));
                }
            })?;
            if let Some(error) = failed {
                return Err(error);
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    // One file reached twice (`dir` and `dir/a.policy`, or through `./`) is
    // read once; otherwise its policies would clash with themselves.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    if files.is_empty() {
        return Err(CliError::NoPolicies {
            paths: paths.to_vec(),
        });
    }
    Ok(files)
}

/// Calls `visit` for every file under `dir`, in sorted order, skipping hidden
/// files and directories (such as an editor's `.#app.policy` lock link) and
/// directories named `target`.
///
/// Symbolic links to directories are followed; a link back to a directory
/// already being walked is not entered again (its files are visited once,
/// from the directory itself). Any other entry that cannot be read is an
/// error, never a file silently left out.
pub fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) -> Result<(), CliError> {
    let entries = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !(hidden(entry.path())
                    || (entry.file_type().is_dir() && entry.file_name() == "target"))
        });
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) if error.loop_ancestor().is_some() => continue,
            // A link that leads nowhere is a file for `visit` to judge by its
            // name (reading a `*.policy` one then fails), unless it is hidden.
            Err(error) if error.depth() > 0 && error.path().is_some_and(dangling) => {
                if let Some(path) = error.path().filter(|p| !hidden(p)) {
                    visit(path);
                }
                continue;
            }
            Err(error) => {
                let path = error.path().unwrap_or(dir).to_path_buf();
                return Err(match error.io_error() {
                    Some(io) => CliError::io(&path, io),
                    None => CliError::Io {
                        path,
                        message: error.to_string(),
                    },
                });
            }
        };
        if !entry.file_type().is_dir() {
            visit(entry.path());
        }
    }
    Ok(())
}

/// True when the file name starts with a dot.
fn hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// True for a symbolic link whose target does not exist.
fn dangling(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && std::fs::metadata(path).is_err()
}

/// Reads one file as UTF-8 text, refusing files over [`MAX_FILE_BYTES`].
pub fn read(path: &Path) -> Result<SourceFile, CliError> {
    let size = std::fs::metadata(path)
        .map_err(|e| CliError::io(path, &e))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(CliError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, &e))?;
    // A byte-order mark is kept: the policy parser and the request reader
    // refuse it, as they do for the C library and the Wasm modules, so that
    // every host reads a file alike.
    let text = String::from_utf8(bytes).map_err(|e| CliError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    Ok(SourceFile {
        path: path.to_path_buf(),
        name: path.display().to_string(),
        text,
    })
}

/// Reads every file.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<SourceFile>, CliError> {
    paths.iter().map(|p| read(p)).collect()
}

/// Reads the policy files `paths` as Tessera text: Vault (`*.hcl`) and AWS
/// IAM (`*.json`) files converted ([`imports::convert`]), so that every
/// command loads the same set. A file that cannot be converted stops the
/// command with its located diagnostics (exit 2), like a policy that does
/// not parse.
pub fn read_policies(paths: &[PathBuf]) -> Result<Vec<SourceFile>, CliError> {
    let files = read_all(paths)?;
    let named = files
        .iter()
        .map(|f| imports::Named {
            name: f.name.clone(),
            text: f.text.clone(),
        })
        .collect();
    let converted = imports::convert(named).map_err(CliError::Import)?;
    Ok(converted
        .into_iter()
        .map(|n| {
            // A file read as it is keeps its path; a converted one is named
            // after the files it came from, and placed where the first was.
            let from = |f: &&SourceFile| {
                n.name.strip_prefix(f.name.as_str()).is_some_and(|rest| {
                    rest.starts_with(" (converted from") || rest.starts_with(", ")
                })
            };
            let path = files
                .iter()
                .find(|f| n.name == f.name)
                .or_else(|| files.iter().find(from))
                .map_or_else(|| PathBuf::from(&n.name), |f| f.path.clone());
            SourceFile {
                path,
                name: n.name,
                text: n.text,
            }
        })
        .collect())
}

/// Only the Tessera files of `paths` (`policy fmt` leaves Vault and AWS IAM
/// files alone).
pub fn tessera_only(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths
        .into_iter()
        .filter(|p| tessera_import::Format::of(p) == tessera_import::Format::Tessera)
        .collect()
}
