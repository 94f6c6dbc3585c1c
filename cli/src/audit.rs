//! Audit records from the command line: the `--audit` options that `eval`,
//! `test` and `serve` share, and `policy audit verify`.

use crate::Status;
use crate::error::CliError;
use crate::render::{self, Style};
use std::path::{Path, PathBuf};
use tessera::audit::{Auditor, Durability, FileSink, Mode, VerifyReport};
use tessera::json::SelectorList;

/// The options that make a command write an audit record per decision.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuditArgs {
    /// Append an audit record for every decision to FILE (JSON lines,
    /// hash-chained; evaluator/AUDIT.md). A record that cannot be written
    /// turns its decision into deny (reason audit_failed), and the command
    /// exits 2 naming the audit log.
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// fsync each record before deciding the next request (default: each
    /// record reaches the operating system, not necessarily the disk).
    #[arg(long, requires = "audit")]
    audit_fsync: bool,
    /// Chain records with HMAC-SHA256 under the key in FILE (its bytes, a
    /// final newline ignored) instead of plain SHA-256.
    #[arg(long, value_name = "FILE", requires = "audit")]
    audit_key_file: Option<PathBuf>,
    /// Show "[masked]" instead of this request field in records, e.g.
    /// context.ticket or principal.tags.* (repeatable). Context keys and
    /// tags named like secrets (token, password, ...) are always masked.
    #[arg(long, value_name = "FIELD", requires = "audit")]
    audit_mask: Vec<String>,
    /// Leave this request field out of records (repeatable; same fields as
    /// --audit-mask).
    #[arg(long, value_name = "FIELD", requires = "audit")]
    audit_drop: Vec<String>,
}

impl AuditArgs {
    /// The audit log, FILE of `--audit FILE`.
    pub fn path(&self) -> Option<&Path> {
        self.audit.as_deref()
    }

    /// The auditor these options describe, or `None` without `--audit`.
    pub fn auditor(&self) -> Result<Option<Auditor>, CliError> {
        let Some(path) = &self.audit else {
            return Ok(None);
        };
        let options = tessera::json::AuditOptions {
            mode: Mode::Blocking,
            mask: self.audit_mask.clone(),
            drop: self.audit_drop.clone(),
            ..tessera::json::AuditOptions::default()
        };
        let mut config = options.config().map_err(|e| {
            let (flag, selectors) = match e.list {
                SelectorList::Mask => ("--audit-mask", &self.audit_mask),
                SelectorList::Drop => ("--audit-drop", &self.audit_drop),
            };
            let selector = selectors.get(e.index).map_or("", String::as_str);
            CliError::Usage(format!("{flag} {selector}: {}", e.error))
        })?;
        // Read after the selectors are checked: a bad selector is reported
        // before an unreadable key file.
        if let Some(key_file) = &self.audit_key_file {
            config.key(&read_key(key_file)?);
        }
        let durability = if self.audit_fsync {
            Durability::FsyncEach
        } else {
            Durability::Buffered
        };
        refuse_foreign_file(path)?;
        let sink = FileSink::open(path, durability).map_err(|e| audit_error(path, &e))?;
        Auditor::new(sink, &config)
            .map(Some)
            .map_err(|e| audit_error(path, &e))
    }
}

/// Flushes `auditor` at the end of a command; a failure is an input error.
pub fn finish(auditor: Option<&Auditor>, args: &AuditArgs) -> Result<(), CliError> {
    let (Some(auditor), Some(path)) = (auditor, &args.audit) else {
        return Ok(());
    };
    auditor.flush().map_err(|e| audit_error(path, &e))?;
    match auditor.last_failure() {
        Some(error) => Err(CliError::Usage(format!(
            "{} audit record(s) could not be written to {}: {error}",
            auditor.failures(),
            path.display()
        ))),
        None => Ok(()),
    }
}

/// Refuses an existing file that does not start like an audit log.
///
/// `FileSink::open` continues the chain of a file that ends in a record and
/// refuses one whose last complete line is not a record, but it reads a
/// file without any line break as one torn record and appends to it: a
/// mistyped `--audit request.json` (a one-line JSON file without a final
/// newline) would get records appended. Every audit log starts with a
/// record, or with the start of one when its first write was torn.
fn refuse_foreign_file(path: &Path) -> Result<(), CliError> {
    use std::io::Read;
    const START: &[u8] = b"{\"seq\":";
    // Missing: a new log. Not a regular file (a device such as /dev/full,
    // a pipe, a directory): left to `FileSink::open`, unread.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = Vec::with_capacity(START.len());
    if file
        .take(START.len() as u64)
        .read_to_end(&mut head)
        .is_err()
    {
        return Ok(());
    }
    if START.starts_with(&head) {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "{} is not an audit log (it does not start with an audit record), so no record is \
         appended to it; check it with `policy audit verify`, or choose another file",
        path.display()
    )))
}

fn audit_error(path: &Path, error: &tessera::audit::AuditError) -> CliError {
    CliError::Usage(format!("audit log {}: {error}", path.display()))
}

/// An HMAC key from a file: its bytes, without one final newline.
fn read_key(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut key = std::fs::read(path).map_err(|e| CliError::io(path, &e))?;
    if key.last() == Some(&b'\n') {
        key.pop();
        if key.last() == Some(&b'\r') {
            key.pop();
        }
    }
    if key.is_empty() {
        return Err(CliError::Usage(format!(
            "the audit key file {} is empty",
            path.display()
        )));
    }
    Ok(key)
}

/// Arguments of `policy audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Check audit logs: every record's mac, every link of the chain, every
    /// seq. Names each deleted, inserted, reordered or edited line and a
    /// truncated tail. Exit 0 when clean, 1 with findings.
    Verify(VerifyArgs),
}

/// Arguments of `policy audit verify`.
#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The audit logs to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The HMAC key the logs were written with (a file; a final newline is
    /// ignored).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// `FILE:LINE: CODE: message` per finding, then a summary per file.
    Text,
    /// One JSON document: per file, its totals, chain end and findings.
    Json,
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    match args.command {
        AuditCommand::Verify(args) => verify(&args, style),
    }
}

fn verify(args: &VerifyArgs, style: Style) -> Result<Status, CliError> {
    let key = args.key_file.as_deref().map(read_key).transpose()?;
    let mut reports = Vec::new();
    for file in &args.files {
        // The error names the file already.
        let report = tessera::audit::verify_file(file, key.as_deref())
            .map_err(|e| CliError::Usage(e.to_string()))?;
        reports.push((file, report));
    }
    let clean = reports.iter().all(|(_, r)| r.is_clean());
    match args.format {
        Format::Text => {
            for (file, report) in &reports {
                print_text(file, report, style);
            }
        }
        Format::Json => {
            let files: Vec<serde_json::Value> = reports
                .iter()
                .map(|(file, report)| {
                    let mut value = serde_json::to_value(report).unwrap_or_default();
                    if let Some(object) = value.as_object_mut() {
                        object.insert("file".into(), file.display().to_string().into());
                        object.insert("clean".into(), report.is_clean().into());
                    }
                    value
                })
                .collect();
            println!("{}", serde_json::json!({"files": files, "clean": clean}));
        }
    }
    Ok(if clean {
        Status::Success
    } else {
        Status::Findings
    })
}

fn print_text(file: &Path, report: &VerifyReport, style: Style) {
    for finding in &report.findings {
        println!(
            "{}:{}: {}: {}",
            file.display(),
            finding.line,
            render::paint(style.color_stdout, render::RED, finding.kind.code()),
            finding.kind
        );
    }
    let chain = match (report.first_seq, report.last_seq, &report.last_mac) {
        (Some(first), Some(last), Some(mac)) => format!(", seq {first} to {last}, last mac {mac}"),
        _ => String::new(),
    };
    // `N finding(s)`, as `policy lint` counts its findings.
    let verdict = if report.is_clean() {
        render::paint(style.color_stdout, render::BOLD_GREEN, "ok")
    } else {
        let count = report.findings.len();
        render::paint(
            style.color_stdout,
            render::RED,
            &format!("{count} finding(s)"),
        )
    };
    println!(
        "{}: {verdict}: {} record(s) in {} line(s){chain}",
        file.display(),
        report.records,
        report.lines
    );
}
