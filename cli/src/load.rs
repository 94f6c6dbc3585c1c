//! Finding and reading policy files.

use crate::error::CliError;
use std::path::{Path, PathBuf};

/// The extension of policy files.
pub const POLICY_EXTENSION: &str = "policy";

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

/// Every `*.policy` file named or found (recursively) under `paths`, sorted,
/// without duplicates. A named file is taken whatever its extension.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| CliError::io(path, &e))?;
        if meta.is_dir() {
            walk(path, &mut |p| {
                if p.extension().is_some_and(|x| x == POLICY_EXTENSION) {
                    files.push(p.to_path_buf());
                }
            })?;
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
