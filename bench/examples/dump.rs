//! Writes Tessera's text for every shape at one size, for profiling the
//! compiler outside the comparison: `cargo run --release --manifest-path
//! bench/Cargo.toml --example dump -- 10000 DIR`.
use tessera_bench::{Shape, model, tessera_text};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = args.next().unwrap_or_else(|| ".".into());
    for shape in Shape::ALL {
        let text = tessera_text(&model::statements(shape, n));
        let path = format!("{dir}/{}-{n}.policy", shape.name());
        std::fs::write(&path, text).expect("write");
        println!("{path}");
    }
}
