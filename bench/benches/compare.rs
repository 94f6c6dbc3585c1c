//! Tessera side by side with cedar-policy and regorus (BENCHMARKS.md).
//!
//! ```text
//! cargo bench --manifest-path bench/Cargo.toml                  # full run (about 19 minutes on 2 cores)
//! BENCH_QUICK=1 cargo bench --manifest-path bench/Cargo.toml    # quick run (about 7 minutes)
//! ```
//!
//! Options, by environment variable: `BENCH_QUICK=1` (shorter criterion
//! measurements, fewer compile repetitions), `BENCH_SHAPES=subtree,mix`
//! (some shapes only), `BENCH_MAX_N=1000` (sizes up to this one only).
//!
//! For each shape and size: every engine is built from generated text (time
//! and heap measured), all engines are checked to decide alike (the run
//! stops with the request and every engine's answer if not), then each
//! request kind is timed per engine with criterion, in the same run. The
//! criterion medians (`<target>/criterion/<shape>-n<N>-<kind>/<engine>/new/estimates.json`)
//! make one table, printed at the end and written to `bench/results.md`
//! (`bench/results-quick.md` in quick mode, `bench/results-partial.md` when
//! `BENCH_SHAPES` or `BENCH_MAX_N` narrows the run); a second table gives
//! every regorus variant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, SamplingMode};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tessera_bench::engines::{self, Cost};
use tessera_bench::{EngineKind, Kind, SIZES, Shape, check, model};

/// Peers are measured up to this size; Tessera also at 100,000.
const PEER_MAX_N: usize = 10_000;
/// A peer whose decision would take longer than this at N = 10,000
/// (extrapolated linearly from N = 1,000) is skipped there.
const TOO_SLOW: Duration = Duration::from_millis(50);

/// Every shape and size run, with each engine's cell.
type Results = Vec<(Shape, usize, Vec<(EngineKind, Cell)>)>;

/// One row of the table: a figure and its text from a cell.
type Measure = Box<dyn Fn(&Cell) -> Option<(f64, String)>>;

/// What one engine got for one shape and size.
enum Cell {
    /// Measured: ns per decision per kind, compile time, memory.
    Measured {
        ns: [f64; 4],
        compile: Duration,
        memory: isize,
    },
    /// Not measured, and why.
    Skipped(String),
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() - 1) / 2]
}

fn criterion_median(dir: &Path, group: &str, id: &str) -> f64 {
    let path = dir.join(group).join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| fail(&format!("reading {}: {e}", path.display())));
    let json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| fail(&format!("parsing {}: {e}", path.display())));
    json["median"]["point_estimate"]
        .as_f64()
        .unwrap_or_else(|| fail(&format!("no median in {}", path.display())))
}

fn command_line(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0")
        || std::env::args().any(|a| a == "--quick");
    let shapes: Vec<Shape> = match std::env::var("BENCH_SHAPES") {
        Ok(list) => list
            .split(',')
            .map(|name| {
                Shape::ALL
                    .into_iter()
                    .find(|s| s.name() == name.trim())
                    .unwrap_or_else(|| fail(&format!("BENCH_SHAPES: no shape `{name}`")))
            })
            .collect(),
        Err(_) => Shape::ALL.to_vec(),
    };
    let max_n: usize = std::env::var("BENCH_MAX_N")
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| fail("BENCH_MAX_N: not a number"))
        })
        .unwrap_or(usize::MAX);
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("target"));
    let criterion_dir = target.join("criterion");
    let (warm_up, measurement, samples) = if quick {
        (Duration::from_millis(100), Duration::from_millis(300), 10)
    } else {
        (Duration::from_millis(300), Duration::from_millis(1000), 20)
    };
    let mut c = Criterion::default()
        .output_directory(&criterion_dir)
        .without_plots()
        .warm_up_time(warm_up)
        .measurement_time(measurement)
        .sample_size(samples)
        .nresamples(10_000);
    let started = Instant::now();

    // results[(shape, n)] = cells in EngineKind::ALL order.
    let mut results: Results = Vec::new();
    for &shape in &shapes {
        // Per-decision time at N = 1,000 (the slowest kind), for the skip rule.
        let mut at_1000: HashMap<String, f64> = HashMap::new();
        for n in SIZES.into_iter().filter(|&n| n <= max_n) {
            let mut cells: Vec<(EngineKind, Cell)> = Vec::new();
            let mut kinds = Vec::new();
            for kind in EngineKind::ALL {
                if kind != EngineKind::Tessera && n > PEER_MAX_N {
                    cells.push((
                        kind,
                        Cell::Skipped(format!("skipped (peers run up to N={PEER_MAX_N})")),
                    ));
                    continue;
                }
                if kind != EngineKind::Tessera
                    && n == PEER_MAX_N
                    && let Some(&ns) = at_1000.get(&kind.name())
                    && ns * 10.0 > TOO_SLOW.as_nanos() as f64
                {
                    cells.push((
                        kind,
                        Cell::Skipped(format!(
                            "skipped (too slow: {:.1} ms/decision at N=1000)",
                            ns / 1e6
                        )),
                    ));
                    continue;
                }
                kinds.push(kind);
            }
            eprintln!(
                "[{:>5.0}s] {} N={n}: building {} engines and checking they agree",
                started.elapsed().as_secs_f64(),
                shape.name(),
                kinds.len()
            );
            let mut checked = check(shape, n, &kinds).unwrap_or_else(|e| fail(&e));
            eprintln!(
                "[{:>5.0}s] {} N={n}: all agree ({} of {} random requests allowed)",
                started.elapsed().as_secs_f64(),
                shape.name(),
                checked.random_allowed,
                engines::RANDOM_REQUESTS
            );
            for (kind, error) in &checked.unsupported {
                eprintln!("{} N={n}: {} not run: {error}", shape.name(), kind.name());
                cells.push((*kind, Cell::Skipped(format!("not run: {error}"))));
            }
            // Compile time: the median of several builds; memory: the last
            // build (one-time global initialisation falls in the first).
            let stmts = model::statements(shape, n);
            let reps = match (quick, n) {
                (true, _) | (false, 100_000) => 1,
                (false, 10_000) => 3,
                _ => 5,
            };
            let mut costs: HashMap<String, (Duration, isize)> = HashMap::new();
            for (kind, _, first, _) in &checked.engines {
                let text = engines::text(*kind, &stmts);
                let mut times = vec![first.compile];
                let mut memory = first.memory;
                for _ in 0..reps {
                    let (built, Cost { compile, memory: m }) =
                        engines::build_from(*kind, &text).unwrap_or_else(|e| fail(&e));
                    drop(built);
                    times.push(compile);
                    memory = m;
                }
                costs.insert(kind.name(), (median(times), memory));
            }
            let typical: HashMap<String, Duration> = checked
                .typical
                .iter()
                .map(|(k, d)| (k.name(), *d))
                .collect();
            let mut ns: HashMap<String, [f64; 4]> = HashMap::new();
            for (ki, kind) in Kind::ALL.iter().enumerate() {
                let group_name = format!("{}-n{n}-{}", shape.name(), kind.name());
                let mut group = c.benchmark_group(&group_name);
                for (engine, built, _, prepared) in checked.engines.iter_mut() {
                    if typical[&engine.name()] > TOO_SLOW {
                        continue;
                    }
                    if typical[&engine.name()] > Duration::from_millis(1) {
                        group.sampling_mode(SamplingMode::Flat);
                    } else {
                        group.sampling_mode(SamplingMode::Auto);
                    }
                    let request = &prepared[ki];
                    group.bench_function(engine.name(), |b| {
                        b.iter(|| built.decide(black_box(request)))
                    });
                }
                group.finish();
                for (engine, ..) in &checked.engines {
                    if typical[&engine.name()] > TOO_SLOW {
                        continue;
                    }
                    ns.entry(engine.name()).or_insert([0.0; 4])[ki] =
                        criterion_median(&criterion_dir, &group_name, &engine.name());
                }
            }
            for (engine, ..) in &checked.engines {
                let name = engine.name();
                let cell = match ns.get(&name) {
                    Some(times) => {
                        if n == 1_000 {
                            at_1000.insert(name.clone(), times.iter().copied().fold(0.0, f64::max));
                        }
                        let (compile, memory) = costs[&name];
                        Cell::Measured {
                            ns: *times,
                            compile,
                            memory,
                        }
                    }
                    None => Cell::Skipped(format!(
                        "skipped (too slow: {:.1} ms/decision at N={n}, median of the checked requests)",
                        typical[&name].as_secs_f64() * 1e3
                    )),
                };
                cells.push((*engine, cell));
            }
            cells.sort_by_key(|(k, _)| EngineKind::ALL.iter().position(|x| x == k));
            results.push((shape, n, cells));
        }
    }
    c.final_summary();
    let elapsed = started.elapsed();

    let mode = if quick { "quick" } else { "full" };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Mode: **{mode}** ({}: criterion warm-up {} ms, measurement {} ms, {} samples; compile time the median of {} builds). Run took {:.1} min.\n",
        if quick { "BENCH_QUICK=1" } else { "default" },
        warm_up.as_millis(),
        measurement.as_millis(),
        samples,
        if quick {
            "2"
        } else {
            "6 (4 at N=10,000, 2 at 100,000)"
        },
        elapsed.as_secs_f64() / 60.0
    );
    let _ = writeln!(
        out,
        "Machine: {} cores ({}), {}; tessera at {}, cedar-policy 4.14.1, regorus 0.14.1.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        command_line("rustc", &["--version"]),
        {
            let rev = command_line(
                "git",
                &[
                    "-C",
                    env!("CARGO_MANIFEST_DIR"),
                    "rev-parse",
                    "--short",
                    "HEAD",
                ],
            );
            if rev.is_empty() {
                "../evaluator".to_string()
            } else {
                format!("commit {rev}")
            }
        }
    );
    out.push_str(&main_table(&results));
    out.push('\n');
    out.push_str(&regorus_table(&results));
    println!("\n{out}");
    // A narrowed run does not overwrite the committed tables.
    let partial = shapes.len() < Shape::ALL.len() || max_n < SIZES[SIZES.len() - 1];
    let file = manifest.join(match (partial, quick) {
        (true, _) => "results-partial.md",
        (false, true) => "results-quick.md",
        (false, false) => "results.md",
    });
    if let Err(e) = std::fs::write(&file, &out) {
        fail(&format!("writing {}: {e}", file.display()));
    }
    eprintln!("written to {}", file.display());
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e4 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn fmt_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn fmt_bytes(b: isize) -> String {
    let b = b as f64;
    if b.abs() >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else if r >= 1.0 {
        format!("{r:.1}x")
    } else if r >= 0.1 {
        format!("{r:.2}x")
    } else {
        format!("{r:.3}x")
    }
}

/// The regorus variant with the lowest sum of decision times over the four
/// kinds, among those measured.
fn best_rego(cells: &[(EngineKind, Cell)]) -> Option<(EngineKind, &Cell)> {
    cells
        .iter()
        .filter(|(k, c)| k.is_rego() && matches!(c, Cell::Measured { .. }))
        .min_by(|a, b| {
            let sum = |c: &Cell| match c {
                Cell::Measured { ns, .. } => ns.iter().sum::<f64>(),
                Cell::Skipped(_) => f64::MAX,
            };
            sum(&a.1).total_cmp(&sum(&b.1))
        })
        .map(|(k, c)| (*k, c))
}

fn main_table(results: &Results) -> String {
    let mut t = String::from(
        "| shape | N | measure | tessera | cedar | cedar / tessera | regorus (best variant) | regorus / tessera | regorus variant |\n\
         |---|---:|---|---:|---:|---:|---:|---:|---|\n",
    );
    for (shape, n, cells) in results {
        let get = |k: EngineKind| cells.iter().find(|(x, _)| *x == k).map(|(_, c)| c);
        let tessera = get(EngineKind::Tessera);
        let cedar = get(EngineKind::Cedar);
        let best = best_rego(cells);
        let rego_skip = cells
            .iter()
            .filter(|(k, _)| k.is_rego())
            .find_map(|(_, c)| match c {
                Cell::Skipped(why) => Some(why.clone()),
                Cell::Measured { .. } => None,
            });
        let variant = match (&best, &rego_skip) {
            (Some((k, _)), None) => k.name(),
            (Some((k, _)), Some(_)) => format!("{} (others skipped, see below)", k.name()),
            (None, _) => "-".into(),
        };
        let rows: Vec<(String, Measure)> = {
            let mut rows: Vec<(String, Measure)> = Kind::ALL
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let f: Measure = Box::new(move |c: &Cell| match c {
                        Cell::Measured { ns, .. } => Some((ns[i], fmt_ns(ns[i]))),
                        Cell::Skipped(_) => None,
                    });
                    (format!("{} (per decision)", k.name()), f)
                })
                .collect();
            rows.push((
                "compile".into(),
                Box::new(|c: &Cell| match c {
                    Cell::Measured { compile, .. } => {
                        Some((compile.as_secs_f64(), fmt_ms(*compile)))
                    }
                    Cell::Skipped(_) => None,
                }),
            ));
            rows.push((
                "memory".into(),
                Box::new(|c: &Cell| match c {
                    Cell::Measured { memory, .. } => Some((*memory as f64, fmt_bytes(*memory))),
                    Cell::Skipped(_) => None,
                }),
            ));
            rows
        };
        for (label, f) in &rows {
            let base = tessera.and_then(f);
            let peer = |c: Option<&Cell>| -> (String, String) {
                match c {
                    Some(Cell::Skipped(why)) => (why.clone(), "-".into()),
                    Some(cell) => match (f(cell), &base) {
                        (Some((v, s)), Some((b, _))) if *b > 0.0 => (s, fmt_ratio(v / b)),
                        (Some((_, s)), _) => (s, "-".into()),
                        (None, _) => ("-".into(), "-".into()),
                    },
                    None => ("-".into(), "-".into()),
                }
            };
            let (cedar_s, cedar_r) = peer(cedar);
            let (rego_s, rego_r) = match &best {
                Some((_, c)) => peer(Some(c)),
                None => (rego_skip.clone().unwrap_or_else(|| "-".into()), "-".into()),
            };
            let _ = writeln!(
                t,
                "| {} | {n} | {label} | {} | {cedar_s} | {cedar_r} | {rego_s} | {rego_r} | {variant} |",
                shape.name(),
                base.map_or("-".into(), |(_, s)| s),
            );
        }
    }
    t
}

fn regorus_table(results: &Results) -> String {
    let rego: Vec<EngineKind> = EngineKind::ALL
        .into_iter()
        .filter(|k| k.is_rego())
        .collect();
    let mut t = String::from(
        "Every regorus variant (per decision for the four kinds; compile; memory):\n\n| shape | N | measure |",
    );
    for k in &rego {
        let _ = write!(t, " {} |", k.name());
    }
    t.push_str("\n|---|---:|---|");
    for _ in &rego {
        t.push_str("---:|");
    }
    t.push('\n');
    for (shape, n, cells) in results {
        if *n > PEER_MAX_N {
            continue;
        }
        let labels = [
            "allowed",
            "deny",
            "no_match",
            "condition",
            "compile",
            "memory",
        ];
        for (row, label) in labels.iter().enumerate() {
            let _ = write!(t, "| {} | {n} | {label} |", shape.name());
            for k in &rego {
                let s = match cells.iter().find(|(x, _)| x == k).map(|(_, c)| c) {
                    Some(Cell::Measured {
                        ns,
                        compile,
                        memory,
                    }) => match row {
                        0..=3 => fmt_ns(ns[row]),
                        4 => fmt_ms(*compile),
                        _ => fmt_bytes(*memory),
                    },
                    Some(Cell::Skipped(why)) => why.clone(),
                    None => "-".into(),
                };
                let _ = write!(t, " {s} |");
            }
            t.push('\n');
        }
    }
    t
}
