//! `policy lint`: least-privilege findings on a policy set, each with a
//! stable rule id, a severity, a location and a fix. The rules are
//! documented, with examples, in `docs/lint.md`.

mod conditions;
mod context;
mod model;
mod output;
mod patterns;
mod rules;
mod sarif;

use crate::error::CliError;
use crate::problem::Problem;
use crate::render::{self, Style};
use crate::{Status, load};
use chrono::{DateTime, FixedOffset};
use context::Context;
use model::{Finding, Severity};
use std::path::PathBuf;

/// Arguments of `policy lint`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 when no finding is at or above --min-severity, \
1 when some are, 2 for usage errors and policies that do not compile (with json, sarif and \
github their errors are also results in that format on standard output).\n\
Suppress one rule for one statement with a comment directly above it: \
`# lint: allow RULE-ID` (several ids separated by commas; text after `--` is a free explanation)."
)]
pub struct Args {
    /// Policy files or directories (searched recursively for *.policy,
    /// Vault *.hcl and AWS IAM *.json policies,
    /// skipping hidden directories and `target`), linted as one set
    /// [default: .]
    paths: Vec<PathBuf>,
    /// Output format: text (for people, on standard output), json (an array
    /// of findings), sarif (SARIF 2.1.0, for code-scanning tools) or github
    /// (GitHub Actions annotations).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Report only findings at or above this severity; the exit status
    /// follows the findings reported.
    #[arg(long, value_enum, default_value_t = Severity::Note)]
    min_severity: Severity,
    /// Turn a rule off for the whole run (repeatable), such as
    /// `--disable overlapping-statement`.
    #[arg(long, value_name = "RULE-ID")]
    disable: Vec<String>,
    /// The instant `expired-window` compares time windows with, in RFC 3339
    /// (default: the current time), such as 2026-01-01T00:00:00Z.
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_now)]
    now: Option<DateTime<FixedOffset>>,
    #[command(flatten)]
    schema: crate::schema::SchemaArgs,
}

/// How `lint` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style findings with the source line, then a summary.
    Text,
    /// A JSON array of findings.
    Json,
    /// A SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands: `::error`, `::warning` or
    /// `::notice` per finding.
    Github,
}

fn parse_now(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("expected an RFC 3339 timestamp such as 2026-01-01T00:00:00Z ({e})"))
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    check_rule_ids(&args.disable)?;
    let paths = load::or_current_dir(&args.paths);
    let sources = load::read_policies(&load::policy_files(&paths)?)?;
    let schemas = args.schema.sources(&paths)?;
    let parsed = match parse(&sources).and_then(|parsed| against_schema(parsed, &sources, &schemas))
    {
        Ok(parsed) => parsed,
        Err(error) => {
            // Errors are results too, so that code scanning and annotations
            // show why there are no findings; people get them on stderr.
            let sources = crate::schema::with_schemas(&sources, &schemas);
            let problems = Problem::from_diagnostics(error.diagnostics(), &sources);
            let printed = match args.format {
                Format::Text => String::new(),
                Format::Json => pretty(&serde_json::Value::Array(
                    problems.iter().map(Problem::json).collect(),
                )),
                Format::Sarif => pretty(&sarif::error_log(&sources, &problems)),
                Format::Github => problems.iter().map(|p| p.github() + "\n").collect(),
            };
            print!("{printed}");
            return Err(CliError::Compile {
                count: error.diagnostics().len(),
                rendered: render::human_all(&error, &sources, style.color_stderr),
            });
        }
    };
    let now = args
        .now
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let cx = Context::new(&sources, &parsed, now);
    let findings: Vec<Finding> = lint(&cx, &args.disable)
        .into_iter()
        .filter(|f| f.severity >= args.min_severity)
        .collect();
    let printed = match args.format {
        Format::Text => output::text(&cx, &findings, style.color_stdout),
        Format::Json => pretty(&output::json(&cx, &findings)),
        Format::Sarif => pretty(&sarif::log(&cx, &findings)),
        Format::Github => output::github(&cx, &findings),
    };
    print!("{printed}");
    Ok(if findings.is_empty() {
        Status::Success
    } else {
        Status::Findings
    })
}

/// A usage error for an id that names no rule.
fn check_rule_ids(ids: &[String]) -> Result<(), CliError> {
    match ids.iter().find(|id| model::rule(id).is_none()) {
        None => Ok(()),
        Some(id) => {
            let known: Vec<&str> = model::RULES.iter().map(|r| r.id).collect();
            Err(CliError::Usage(format!(
                "unknown rule `{id}` for --disable; the rules are: {}",
                known.join(", ")
            )))
        }
    }
}

/// With schema files: the parsed policies when every key they read is
/// declared and fits its type, else every problem (the schema's own first).
fn against_schema(
    parsed: Vec<policy_lang::PolicyFile>,
    sources: &[load::SourceFile],
    schemas: &[load::SourceFile],
) -> Result<Vec<policy_lang::PolicyFile>, policy_lang::ParseError> {
    if schemas.is_empty() {
        return Ok(parsed);
    }
    let pairs: Vec<(&str, &str)> = schemas
        .iter()
        .map(|s| (s.name.as_str(), s.text.as_str()))
        .collect();
    let schema = policy_lang::Schema::parse_set(&pairs, &policy_lang::Limits::default())?;
    let mut problems = Vec::new();
    for (file, source) in parsed.iter().zip(sources) {
        problems.extend(schema.check(&source.name, &source.text, file));
    }
    match policy_lang::ParseError::from_diagnostics(problems) {
        Some(error) => Err(error),
        None => Ok(parsed),
    }
}

/// Parses the sources as one policy set.
fn parse(
    sources: &[load::SourceFile],
) -> Result<Vec<policy_lang::PolicyFile>, policy_lang::ParseError> {
    let pairs: Vec<(&str, &str)> = sources
        .iter()
        .map(|s| (s.name.as_str(), s.text.as_str()))
        .collect();
    policy_lang::parse_set(&pairs)
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// Every finding of every rule but the `disabled` ones, without suppressed
/// ones, in source order.
fn lint(cx: &Context, disabled: &[String]) -> Vec<Finding> {
    let mut findings: Vec<Finding> = rules::CHECKS
        .iter()
        .filter(|(id, _)| !disabled.iter().any(|d| d == id))
        .flat_map(|(_, check)| check(cx))
        .filter(|f| !suppressed(cx, f))
        .collect();
    findings.sort_by_key(|f| {
        let rule_index = model::rule(f.rule).map_or(usize::MAX, |(i, _)| i);
        (f.file, f.span.start, rule_index)
    });
    findings
}

/// True when a `# lint: allow RULE-ID` comment stands directly above the
/// finding's statement: in the run of comment lines that ends on the line
/// before it, with no blank line between.
fn suppressed(cx: &Context, finding: &Finding) -> bool {
    let Some(unit) = cx.units.get(finding.statement) else {
        return false;
    };
    let source = cx.source(unit.file);
    let mut cursor = unit.statement.span.start;
    for comment in unit.statement.comments.leading.iter().rev() {
        let between = source.get(comment.span.end..cursor).unwrap_or("\n\n");
        if !between.trim().is_empty() || between.matches('\n').count() > 1 {
            break;
        }
        if allowed_rules(&comment.text).any(|id| id == finding.rule) {
            return true;
        }
        cursor = comment.span.start;
    }
    false
}

/// The rule ids of a `lint: allow ID, ID -- why` comment (text after `#`).
fn allowed_rules(comment: &str) -> impl Iterator<Item = &str> {
    let ids = comment
        .trim()
        .strip_prefix("lint:")
        .map(str::trim_start)
        .and_then(|rest| rest.strip_prefix("allow"))
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .map(|rest| rest.split("--").next().unwrap_or(""))
        .unwrap_or("");
    ids.split([',', ' ', '\t']).filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn suppression_comments_are_read() {
        let ids: Vec<&str> = allowed_rules(" lint: allow a-b, c-d -- because").collect();
        assert_eq!(ids, ["a-b", "c-d"]);
        assert_eq!(allowed_rules(" lint: allowed x").count(), 0);
        assert_eq!(allowed_rules(" lint:allow x").collect::<Vec<_>>(), ["x"]);
        assert_eq!(allowed_rules(" not a lint: allow x").count(), 0);
    }
}
