//! Errors that stop a subcommand: usage and input problems, exit code 2.

use crate::render::{self, Style};
use std::fmt;
use std::path::{Path, PathBuf};

/// A usage or input error.
#[derive(Debug)]
pub enum CliError {
    /// A path that does not exist or cannot be read.
    Io { path: PathBuf, message: String },
    /// A file that is not UTF-8; `offset` is the first bad byte.
    NotUtf8 { path: PathBuf, offset: usize },
    /// A file larger than the limit.
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// Directories given, but no policy file in them.
    NoPolicies { paths: Vec<PathBuf> },
    /// Policy sources that do not compile; each diagnostic is already rendered.
    Compile { rendered: String, count: usize },
    /// Anything else the user must fix, with a message.
    Usage(String),
}

impl CliError {
    pub fn io(path: &Path, error: &std::io::Error) -> CliError {
        let message = match error.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => error.to_string(),
        };
        CliError::Io {
            path: path.to_path_buf(),
            message,
        }
    }

    pub fn print(&self, style: Style) {
        match self {
            CliError::Compile { rendered, .. } => eprint!("{rendered}"),
            other => eprintln!("{}: {other}", render::paint_error(style, "error")),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Io { path, message } => write!(f, "{}: {message}", path.display()),
            CliError::NotUtf8 { path, offset } => write!(
                f,
                "{}: not valid UTF-8 (first bad byte at offset {offset}); policy files must be UTF-8 text",
                path.display()
            ),
            CliError::TooLarge { path, size, limit } => write!(
                f,
                "{}: file is {size} bytes; the limit is {limit} bytes",
                path.display()
            ),
            CliError::NoPolicies { paths } => {
                let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(f, "no policy files (*.policy) found in {}", list.join(", "))
            }
            CliError::Compile { count, .. } => write!(f, "{count} error(s) in the policy set"),
            CliError::Usage(message) => f.write_str(message),
        }
    }
}
