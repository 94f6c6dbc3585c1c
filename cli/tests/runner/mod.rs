//! Running the `policy` binary for the CLI tests (`cli.rs`, `audit.rs`):
//! both outputs read while it runs; a timeout, a death by signal, a panic or
//! a stack overflow fails the test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const TIME_LIMIT: Duration = Duration::from_secs(180);

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn both(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "{}", self.both());
        self
    }

    pub fn assert_stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.both()
        );
        self
    }
}

/// How to run the binary: arguments, working directory, standard input and
/// extra environment.
#[derive(Default)]
pub struct Invocation<'a> {
    pub args: Vec<&'a str>,
    pub dir: Option<&'a Path>,
    pub stdin: Option<Vec<u8>>,
    pub env: Vec<(&'a str, &'a str)>,
}

pub fn invoke(invocation: Invocation<'_>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_policy"));
    command
        .args(&invocation.args)
        .env_remove("NO_COLOR")
        .stdin(if invocation.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = invocation.dir {
        command.current_dir(dir);
    }
    for (key, value) in &invocation.env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let feeder = invocation.stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        // The command may stop reading early; a broken pipe is fine.
        std::thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout_pipe.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let stderr = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stderr_pipe.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "policy {:?} ran longer than {TIME_LIMIT:?}",
                invocation.args
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(feeder) = feeder {
        feeder.join().unwrap();
    }
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
    };
    assert!(
        status.code().is_some(),
        "policy {:?} was killed by a signal ({status:?}):\n{}",
        invocation.args,
        run.both()
    );
    for output in [&run.stdout, &run.stderr] {
        assert!(
            !output.contains("panicked") && !output.contains("overflowed its stack"),
            "policy {:?} crashed:\n{}",
            invocation.args,
            run.both()
        );
    }
    run
}
