//! `policy`: check, format, evaluate, test, lint and serve Tessera policies,
//! and import Vault and AWS IAM policies.
//!
//! Exit codes, the same in every subcommand (README.md has the table):
//! 0 success, 1 the command's finding (failed tests, lint findings, files
//! that would change, a deny with `eval --fail-on-deny`, a failed audit
//! verification), 2 no verdict: usage errors and invalid input (policies
//! that do not compile, unreadable files, bad requests, bad test files).

mod audit;
mod check;
mod error;
mod eval;
mod fmt;
mod import;
mod limits;
mod lint;
mod load;
mod problem;
mod render;
mod schema;
mod serve;
mod test;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Check, format, evaluate, test, lint and serve Tessera policies.
#[derive(Debug, Parser)]
#[command(name = "policy", version, about, propagate_version = true)]
struct Cli {
    /// When to colour output: auto (on a terminal), always or never.
    #[arg(long, global = true, value_enum, default_value_t = render::ColorChoice::Auto)]
    color: render::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and validate policy files or directories; report every error.
    Check(check::Args),
    /// Rewrite policy files in canonical form, or list those that would change.
    Fmt(fmt::Args),
    /// Decide one request against a policy set and print the decision as JSON.
    Eval(eval::Args),
    /// Run the policy tests found beside the policies.
    Test(test::Args),
    /// Report least-privilege findings with rule ids, locations and fixes.
    Lint(lint::Args),
    /// Answer JSON requests from standard input, one per line; reload changed
    /// policies with --watch.
    Serve(serve::Args),
    /// Work with audit logs written by --audit: verify their hash chain.
    Audit(audit::Args),
    /// Print a JSON Schema (draft 2020-12) for requests: the built-in fields
    /// and the custom attributes and tags the *.schema files declare.
    Schema(schema::Args),
    /// Print Vault ACL policies (HCL) or an AWS IAM policy document (JSON)
    /// as Tessera text; every command also loads *.hcl and *.json policy
    /// files directly.
    Import(import::Args),
}

/// How a subcommand ended, when it reported everything itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Success,
    /// Exit 1: failed tests, lint findings, files that need formatting, a
    /// deny with `eval --fail-on-deny`, a failed audit verification.
    Findings,
    /// Exit 2: the input is invalid (such as policies that do not compile),
    /// and the command has already reported why, in the format asked for.
    Invalid,
}

/// The exit code for the same condition in every subcommand.
pub mod exit {
    /// Success: no finding, every test passed, the request was decided.
    pub const SUCCESS: u8 = 0;
    /// The command's own negative verdict.
    pub const FINDINGS: u8 = 1;
    /// No verdict: a usage error or invalid input.
    pub const INVALID: u8 = 2;
}

fn main() -> ExitCode {
    error::exit_quietly_on_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                exit::INVALID
            } else {
                exit::SUCCESS
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let style = render::Style::new(cli.color);
    let result = match cli.command {
        Command::Check(args) => check::run(args, style),
        Command::Fmt(args) => fmt::run(args, style),
        Command::Eval(args) => eval::run(args, style),
        Command::Test(args) => test::run(args, style),
        Command::Lint(args) => lint::run(args, style),
        Command::Serve(args) => serve::run(args, style),
        Command::Audit(args) => audit::run(args, style),
        Command::Schema(args) => schema::run(args, style),
        Command::Import(args) => import::run(args, style),
    };
    match result {
        Ok(Status::Success) => ExitCode::from(exit::SUCCESS),
        Ok(Status::Findings) => ExitCode::from(exit::FINDINGS),
        Ok(Status::Invalid) => ExitCode::from(exit::INVALID),
        Err(error) => {
            error.print(style);
            ExitCode::from(exit::INVALID)
        }
    }
}
