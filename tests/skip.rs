//! Reporting a test that cannot run, shared by the test crates that need a
//! tool the machine may lack (valgrind, node, wasm-bindgen, `/dev/full`...).
//! Include it with `#[path = ".../tests/skip.rs"] mod skip;`.
//!
//! The Rust test harness has no "skipped" outcome: a test that returns
//! early passes. So a skip is made visible outside the harness: under `CI`
//! it fails (CI installs every tool); otherwise it appends one line, the
//! package, test and reason, to the file `TESSERA_SKIP_LOG` names, which
//! `scripts/test.sh` (the README's test command) sets, empties first and
//! lists at the end as "skipped (these did not run)".

/// Records that the current test does not run, and why. The caller returns
/// right after.
#[allow(dead_code)]
pub fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}: CI must provide it (.ci/run and scripts/test.sh install it)"
    );
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("main");
    println!("note: {why}; skipping");
    if let Some(path) = std::env::var_os("TESSERA_SKIP_LOG") {
        use std::io::Write as _;
        let written = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut log| writeln!(log, "{} {test}: {why}", env!("CARGO_PKG_NAME")));
        // An unrecorded skip would read as a pass.
        assert!(
            written.is_ok(),
            "cannot record a skipped test in {}: {written:?}",
            std::path::Path::new(&path).display()
        );
    }
}
