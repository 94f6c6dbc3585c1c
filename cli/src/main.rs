//! `policy`: check, format, evaluate, test, lint and serve Tessera policies.
//!
//! Exit codes: 0 success, 1 failed tests or findings, 2 usage or input errors.

mod audit;
mod check;
mod error;
mod eval;
mod fmt;
mod limits;
mod lint;
mod load;
mod render;
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
}

/// What a subcommand found: success, or findings / failed tests (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Success,
    /// Exit 1: failed tests, lint findings, files that need formatting.
    Findings,
}

fn main() -> ExitCode {
    error::exit_quietly_on_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
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
    };
    match result {
        Ok(Status::Success) => ExitCode::SUCCESS,
        Ok(Status::Findings) => ExitCode::from(1),
        Err(error) => {
            error.print(style);
            ExitCode::from(2)
        }
    }
}
