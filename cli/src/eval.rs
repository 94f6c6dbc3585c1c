//! `policy eval`: decide one request and print the decision.

use crate::error::CliError;
use crate::render::{self, Style};
use crate::{Status, load};
use std::io::Read;
use std::path::PathBuf;
use tessera::decision::{Explanation, Part};

/// Arguments of `policy eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files or directories (searched recursively for *.policy).
    #[arg(long, short = 'p', required = true, num_args = 1..)]
    policies: Vec<PathBuf>,
    /// The request as a JSON file, or `-` for standard input.
    #[arg(long, short = 'r')]
    request: String,
    /// Also print, for a person, why each near-miss statement did not apply.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let engine = compile(&args.policies, &args.limits.limits()?, style)?;
    let text = if args.request == "-" {
        read_stdin()?
    } else {
        load::read(std::path::Path::new(&args.request))?.text
    };
    if text.trim().is_empty() {
        return Err(CliError::Usage(format!(
            "invalid request {}: it is empty; expected a JSON object",
            request_name(&args.request)
        )));
    }
    // Read under the engine's request limits (`--limit max_groups=...`),
    // as `tessera::json::evaluate` reads it.
    let request =
        tessera::Request::from_json_with(&text, &engine.limits().request).map_err(|e| {
            CliError::Usage(format!(
                "invalid request {}: {e}",
                request_name(&args.request)
            ))
        })?;
    let auditor = args.audit.auditor()?;
    let decision = match &auditor {
        Some(auditor) => auditor.decide(&engine, &request),
        None => engine.decide(&request),
    };
    println!("{}", serde_json::to_string(&decision).unwrap_or_default());
    crate::audit::finish(auditor.as_ref(), &args.audit)?;
    if args.explain {
        print!(
            "{}",
            explain_text(&engine.explain(&request), style.color_stdout)
        );
    }
    Ok(Status::Success)
}

/// The request on standard input, with the same size limit and UTF-8 check as files.
fn read_stdin() -> Result<String, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(load::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            CliError::Usage(format!("cannot read the request from standard input: {e}"))
        })?;
    let stdin = std::path::PathBuf::from("<stdin>");
    if bytes.len() as u64 > load::MAX_FILE_BYTES {
        return Err(CliError::TooLarge {
            path: stdin,
            size: bytes.len() as u64,
            limit: load::MAX_FILE_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| CliError::NotUtf8 {
        path: stdin,
        offset: e.utf8_error().valid_up_to(),
    })
}

fn request_name(path: &str) -> String {
    if path == "-" {
        "on standard input".to_string()
    } else {
        format!("in {path}")
    }
}

/// Compiles the policy files under `paths`, rendering errors for people.
pub fn compile(
    paths: &[PathBuf],
    limits: &tessera::Limits,
    style: Style,
) -> Result<tessera::Engine, CliError> {
    let files = load::policy_files(paths)?;
    let sources = load::read_all(&files)?;
    let named: Vec<tessera::Source> = sources
        .iter()
        .map(|s| tessera::Source::new(&s.name, &s.text))
        .collect();
    tessera::Engine::compile_with(&named, limits).map_err(|error| CliError::Compile {
        count: error.diagnostics().len(),
        rendered: render::human_all(&error, &sources, style.color_stderr),
    })
}

/// The explanation as text: the decision, then each statement that applied
/// or nearly did, with what failed and the request's value.
pub fn explain_text(explanation: &Explanation, color: bool) -> String {
    let decision = &explanation.decision;
    let verdict = match decision.outcome {
        tessera::Outcome::Allow => render::paint(color, "1;32", "ALLOW"),
        tessera::Outcome::Deny => render::paint(color, "1;31", "DENY"),
    };
    let reason = match decision.reason {
        tessera::Reason::ExplicitDeny => "a deny statement applied",
        tessera::Reason::Allowed => "an allow statement applied and no deny did",
        tessera::Reason::NoStatementApplied => "no statement applied (default deny)",
        tessera::Reason::AuditFailed => "the audit record could not be written",
    };
    let mut out = format!("\n{verdict}: {reason}\n");
    if explanation.statements.is_empty() {
        out.push_str("  no statement matched two or more of principal, action and resource\n");
    }
    for report in &explanation.statements {
        let effect = match report.effect {
            tessera::Outcome::Allow => "allow",
            tessera::Outcome::Deny => "deny",
        };
        let name = format!("{}/{}", report.statement.policy, report.statement.statement);
        if report.applied && !report.failures.is_empty() {
            out.push_str(&format!(
                "  {effect} {name}: applied (a value it needs is missing, and a deny fails closed)\n"
            ));
        } else if report.applied {
            out.push_str(&format!("  {effect} {name}: applied\n"));
        } else {
            out.push_str(&format!("  {effect} {name}: did not apply\n"));
        }
        for failure in &report.failures {
            let part = match failure.part {
                Part::Principal => "principal",
                Part::Action => "action",
                Part::Resource => "resource",
                Part::When => "when",
                Part::Unless => "unless",
            };
            let actual = match (&failure.actual, failure.unknown) {
                (None, true) => "the request does not carry this value".to_string(),
                (Some(value), true) => format!("request has {value}, of another type"),
                (Some(value), false) => format!("request has {value}"),
                (None, false) => "no value".to_string(),
            };
            let verb = match failure.part {
                _ if failure.unknown => "is unknown",
                Part::Unless => "held",
                Part::When => "did not hold",
                _ => "did not match",
            };
            let expected = one_line(&failure.expected);
            if matches!(failure.part, Part::When | Part::Unless) {
                out.push_str(&format!("    {part} `{expected}` {verb}: {actual}\n"));
            } else {
                out.push_str(&format!("    `{expected}` {verb}: {actual}\n"));
            }
        }
    }
    out
}

/// Policy text as written, which may span lines or be aligned with spaces, on
/// one line: runs of whitespace outside quoted strings become one space.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut quoted, mut escaped, mut space) = (false, false, false);
    for c in text.trim().chars() {
        if !quoted && c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        if quoted && escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        }
    }
    out
}
