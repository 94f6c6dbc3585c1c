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
/// `target`.
pub fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) -> Result<(), CliError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::io(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str());
        if name.is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        if entry.is_dir() {
            if name != Some("target") {
                walk(&entry, visit)?;
            }
        } else {
            visit(&entry);
        }
    }
    Ok(())
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
