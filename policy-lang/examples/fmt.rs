//! Parse a policy file: print its canonical form, or its rendered diagnostics.
//!
//! `cargo run -p policy-lang --example fmt -- FILE [--write]`
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: scratch FILE [--write]");
        return ExitCode::from(2);
    };
    let Ok(src) = std::fs::read_to_string(path) else {
        eprintln!("error: cannot read {path}");
        return ExitCode::from(2);
    };
    match policy_lang::parse(path, &src) {
        Ok(file) => {
            let formatted = policy_lang::format(&file);
            if args.iter().any(|a| a == "--write") {
                if std::fs::write(path, formatted).is_err() {
                    eprintln!("error: cannot write {path}");
                    return ExitCode::from(2);
                }
            } else {
                print!("{formatted}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            for d in e.diagnostics() {
                eprintln!("{}", d.render(&src));
            }
            ExitCode::from(1)
        }
    }
}
