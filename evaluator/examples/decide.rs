//! Decide one JSON request against the policy files of a directory.
//!
//! `cargo run -p tessera --example decide -- POLICY_DIR REQUEST.json [--explain]`
//! prints the decision as JSON; compile errors are rendered with carets.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let explain = args.iter().any(|a| a == "--explain");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [dir, request_path] = positional.as_slice() else {
        eprintln!("usage: decide POLICY_DIR REQUEST.json [--explain]");
        return ExitCode::from(2);
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "policy"))
            .collect(),
        Err(e) => {
            eprintln!("error: cannot read {dir}: {e}");
            return ExitCode::from(2);
        }
    };
    files.sort();
    let mut texts = Vec::new();
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(text) => texts.push((file.display().to_string(), text)),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", file.display());
                return ExitCode::from(2);
            }
        }
    }
    let sources: Vec<tessera::Source> = texts
        .iter()
        .map(|(n, t)| tessera::Source::new(n, t))
        .collect();
    let engine = match tessera::Engine::compile(&sources) {
        Ok(engine) => engine,
        Err(error) => {
            for d in error.diagnostics() {
                let text = texts
                    .iter()
                    .find(|(n, _)| n == d.file())
                    .map_or("", |(_, t)| t);
                eprintln!("{}", d.render(text));
            }
            return ExitCode::from(2);
        }
    };
    let request = match std::fs::read_to_string(request_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {request_path}: {e}");
            return ExitCode::from(2);
        }
    };
    let answer = tessera::json::evaluate(&engine, &request, explain);
    println!("{answer}");
    if answer.starts_with(r#"{"error""#) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
