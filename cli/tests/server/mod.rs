//! A running `policy serve` for the CLI tests (`serve.rs`, `audit.rs`),
//! driven line by line through pipes: each step waits, up to a generous
//! deadline, for the output line it expects.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long any one expected output line may take to come.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A running `policy serve`, read line by line.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// Every standard error line read so far.
    log: Vec<String>,
}

fn lines(pipe: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            if send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policy"))
            .arg("serve")
            .args(args)
            .env_remove("NO_COLOR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Server {
            child,
            stdin,
            stdout,
            stderr,
            log: Vec::new(),
        }
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The next answer line, as JSON.
    pub fn answer(&mut self) -> Value {
        match self.stdout.recv_timeout(DEADLINE) {
            Ok(line) => serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("answer {line:?} is not JSON: {e}")),
            Err(e) => panic!(
                "no answer within {DEADLINE:?} ({e:?}); stderr:\n{}",
                self.log()
            ),
        }
    }

    /// Sends `line` and returns its answer, as JSON.
    pub fn ask(&mut self, line: &str) -> Value {
        self.send(line);
        self.answer()
    }

    /// The decision for `line`: "allow" or "deny".
    pub fn decide(&mut self, line: &str) -> String {
        self.send(line);
        let answer = self.answer();
        answer["decision"]
            .as_str()
            .unwrap_or_else(|| panic!("not a decision: {answer}"))
            .to_string()
    }

    /// Reads standard error until a line contains `needle`; returns that line.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let left = DEADLINE.saturating_sub(started.elapsed());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    assert!(!line.contains("panicked"), "panic:\n{}\n{line}", self.log());
                    self.log.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no {needle:?} on stderr within {DEADLINE:?}:\n{}",
                        self.log()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("stderr closed before {needle:?}:\n{}", self.log())
                }
            }
        }
    }

    /// The revision in the `serving ...` line.
    pub fn serving(&mut self) -> String {
        let line = self.wait_for("serving ");
        revision_in(&line)
    }

    pub fn log(&self) -> String {
        self.log.join("\n")
    }

    /// Closes standard input and waits for the exit; returns the exit code
    /// and the rest of standard error.
    pub fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "still running {DEADLINE:?} after end of input:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(line) = self.stderr.recv_timeout(DEADLINE) {
            self.log.push(line);
        }
        let log = self.log();
        assert!(!log.contains("panicked"), "{log}");
        (status.code().expect("killed by a signal"), log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `sha256:...` word of a status line.
pub fn revision_in(line: &str) -> String {
    line.split_whitespace()
        .find(|w| w.starts_with("sha256:"))
        .unwrap_or_else(|| panic!("no revision in {line:?}"))
        .to_string()
}
