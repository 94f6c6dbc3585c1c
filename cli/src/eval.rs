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
    /// Policy files or directories (searched recursively for *.policy,
    /// Vault *.hcl and AWS IAM *.json policies).
    #[arg(long, short = 'p', required = true, num_args = 1..)]
    policies: Vec<PathBuf>,
    /// The request as a JSON file, or `-` for standard input.
    #[arg(long, short = 'r')]
    request: String,
    /// Also explain the decision: each statement that applied or nearly
    /// did, and what failed (for a person with text, as an `explanation`
    /// array with json).
    #[arg(long)]
    explain: bool,
    /// With --explain: also list the statements that matched only two of
    /// principal, action and resource (otherwise counted).
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Output format: text (the decision as one JSON line, then with
    /// --explain the explanation for a person) or json (exactly one JSON
    /// document on standard output: the decision, with an `explanation`
    /// array when asked for; `{"error": ...}` for policies that do not
    /// compile or a request that is not valid).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 1 when the decision is deny (default: exit 0 for any decision),
    /// so that a script can branch on the exit status alone.
    #[arg(long)]
    fail_on_deny: bool,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
    #[command(flatten)]
    schema: crate::schema::SchemaArgs,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

/// How `eval` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The decision as one JSON line; with --explain, then the explanation
    /// for a person.
    Text,
    /// Exactly one JSON document.
    Json,
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let json = args.format == Format::Json;
    let limits = args.limits.limits()?;
    let policies = load::read_policies(&load::policy_files(&args.policies)?)?;
    let schemas = args.schema.sources(&args.policies)?;
    let sources = crate::schema::with_schemas(&policies, &schemas);
    let engine = match crate::schema::compile(&policies, &schemas, &limits) {
        Ok(engine) => engine,
        Err(error) => {
            // With json, the same `{"error": {"kind": "compile", ...}}`
            // answer as `serve` and the libraries, on standard output; drawn
            // for people on standard error in any case.
            if json {
                println!("{}", tessera::json::ErrorEnvelope::compile(&error));
            }
            return Err(CliError::Compile {
                count: error.diagnostics().len(),
                rendered: render::human_all(&error, &sources, style.color_stderr),
            });
        }
    };
    let text = if args.request == "-" {
        read_stdin()?
    } else {
        load::read(std::path::Path::new(&args.request))?.text
    };
    if text.trim().is_empty() {
        if json {
            // The library's own answer for an empty request, so that the
            // error has the documented shape and code.
            if let Err(e) = tessera::Request::from_json_with(&text, &engine.limits().request) {
                println!("{}", tessera::json::ErrorEnvelope::request(&e));
            }
        }
        return Err(CliError::Usage(format!(
            "invalid request {}: it is empty; expected a JSON object",
            request_name(&args.request)
        )));
    }
    // Read under the engine's request limits (`--limit max_groups=...`)
    // and checked against its schema, as `tessera::json::evaluate` reads it;
    // a person is told every schema problem at once (the JSON answer, like
    // every host's, carries the first).
    let request = match tessera::json::read_request(&engine, &text) {
        Ok(request) => request,
        Err(e) => {
            if json {
                println!("{}", tessera::json::ErrorEnvelope::request(&e));
            }
            let mut problems = vec![e.to_string()];
            if let (Some(schema), Ok(request)) = (
                engine.schema(),
                tessera::Request::from_json_with(&text, &engine.limits().request),
            ) {
                let all = schema.request_errors(&request);
                if all.len() > 1 {
                    problems = all.iter().map(ToString::to_string).collect();
                }
            }
            let name = request_name(&args.request);
            return Err(CliError::Usage(match problems.as_slice() {
                [one] => format!("invalid request {name}: {one}"),
                many => format!(
                    "invalid request {name}: {} problems:\n  {}",
                    many.len(),
                    many.join("\n  ")
                ),
            }));
        }
    };
    let auditor = args.audit.auditor()?;
    // One instant for the decision and its explanation, so that they agree.
    let now = chrono::Utc::now();
    let decided_at = request.context.time.unwrap_or(now);
    let decision = match &auditor {
        Some(auditor) => auditor.decide_at(&engine, &request, now),
        None => engine.decide_at(&request, decided_at),
    };
    // A decision denied because its record could not be written has no
    // explanation: the statements did not decide it.
    let explanation = (args.explain && decision.reason != tessera::Reason::AuditFailed)
        .then(|| engine.explain_at(&request, decided_at));
    let answer = tessera::json::Answer::Decision(tessera::json::DecisionAnswer {
        decision: decision.clone(),
        explanation: explanation
            .as_ref()
            .filter(|_| json)
            .map(|e| e.statements.clone()),
    });
    println!("{}", answer.to_json());
    crate::audit::finish(auditor.as_ref(), &args.audit)?;
    if let (false, Some(explanation)) = (json, &explanation) {
        print!(
            "{}",
            explain_text(explanation, args.verbose, style.color_stdout)
        );
    }
    Ok(match decision.outcome {
        tessera::Outcome::Deny if args.fail_on_deny => Status::Findings,
        _ => Status::Success,
    })
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

/// The explanation as text: the decision, then each statement that applied
/// or matched principal, action and resource but not its conditions, with
/// what failed and the request's value. Statements that missed one of
/// principal, action and resource are counted; `verbose` lists them too.
pub fn explain_text(explanation: &Explanation, verbose: bool, color: bool) -> String {
    let decision = &explanation.decision;
    let verdict = match decision.outcome {
        tessera::Outcome::Allow => render::paint(color, render::BOLD_GREEN, "ALLOW"),
        tessera::Outcome::Deny => render::paint(color, render::RED, "DENY"),
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
    // The near misses that matter: statements that applied, or whose
    // principal, action and resource all matched (only conditions failed).
    let matched_target = |report: &&tessera::decision::StatementReport| {
        report.applied
            || report
                .failures
                .iter()
                .all(|f| matches!(f.part, Part::When | Part::Unless))
    };
    let (focused, others): (Vec<_>, Vec<_>) =
        explanation.statements.iter().partition(matched_target);
    for report in &focused {
        statement_text(&mut out, report);
    }
    if !others.is_empty() {
        if verbose {
            out.push_str(&format!(
                "  {} statement(s) matched two of principal, action and resource:\n",
                others.len()
            ));
            for report in &others {
                statement_text(&mut out, report);
            }
        } else {
            out.push_str(&format!(
                "  and {} statement(s) that matched two of principal, action and resource (--verbose lists them)\n",
                others.len()
            ));
        }
    }
    out
}

/// One statement of an explanation: whether it applied, and each failure.
fn statement_text(out: &mut String, report: &tessera::decision::StatementReport) {
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
