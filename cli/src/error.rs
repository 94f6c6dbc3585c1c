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
    /// Vault or AWS IAM files that cannot be converted to Tessera.
    Import(policy_cli::imports::ImportError),
    /// Anything else the user must fix, with a message.
    Usage(String),
}

impl CliError {
    pub fn io(path: &Path, error: &std::io::Error) -> CliError {
        let message = match error.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => "is a directory, not a file".to_string(),
            _ => error.to_string(),
        };
        CliError::Io {
            path: path.to_path_buf(),
            message,
        }
    }

    pub fn print(&self, style: Style) {
        match self {
            CliError::Compile { rendered, .. } => {
                eprint!("{rendered}");
                eprintln!("{}: {self}", render::paint_error(style, "error"));
            }
            CliError::Import(error) => {
                eprint!("{}", error.render(style.color_stderr));
                eprintln!(
                    "{}: {} error(s) in imported policies",
                    render::paint_error(style, "error"),
                    error.diagnostics.len()
                );
            }
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
                "{}: not valid UTF-8 (first bad byte at offset {offset}); expected UTF-8 text",
                path.display()
            ),
            CliError::TooLarge { path, size, limit } => write!(
                f,
                "{}: file is {size} bytes; the limit is {limit} bytes",
                path.display()
            ),
            CliError::NoPolicies { paths } => {
                let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "no policy files (*.policy, *.hcl, *.json) found in {}",
                    list.join(", ")
                )
            }
            CliError::Compile { count, .. } => write!(f, "{count} error(s) in the policy set"),
            CliError::Import(error) => write!(
                f,
                "{}{} error(s) in imported policies",
                error.render(false),
                error.diagnostics.len()
            ),
            CliError::Usage(message) => f.write_str(message),
        }
    }
}

/// Ends the process quietly when standard output or error is a closed pipe.
///
/// A reader that stops early (`policy check --format github . | head -1`)
/// closes the pipe, and the next `println!` panics. Instead of a panic
/// message, exit with 141, the status of a command killed by SIGPIPE, as
/// `grep` or `cat` would report in the same pipeline.
pub fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or("");
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
