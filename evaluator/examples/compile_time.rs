//! Times parsing and compiling policy files: best of five runs each.
//! `cargo run --release -p tessera --example compile_time -- FILE...`
use std::time::{Duration, Instant};
use tessera::{Engine, Source};

fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    for path in std::env::args().skip(1) {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        if let Err(error) = Engine::compile(&[Source::new(&path, &text)]) {
            eprintln!("{error}");
            std::process::exit(2);
        }
        // Both succeed (checked above); the timed runs drop their results.
        let parse = best(5, || drop(policy_lang::parse(&path, &text)));
        let compile = best(5, || drop(Engine::compile(&[Source::new(&path, &text)])));
        println!(
            "{path}: parse {:.2} ms, compile (with parse) {:.2} ms",
            parse.as_secs_f64() * 1e3,
            compile.as_secs_f64() * 1e3
        );
    }
}
