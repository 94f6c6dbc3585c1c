//! `policy serve`: a long-running decision loop for sidecars and for trying
//! reloads. Requests come in on standard input, one JSON object a line; each
//! gets one JSON answer line on standard output. With `--watch`, a thread
//! polls the policy files and swaps a changed set in through a
//! [`LiveEngine`], while the loop goes on answering with whichever set serves.
//!
//! The protocol, flags and reload rules are in `docs/serve.md`.

use crate::Status;
use crate::error::CliError;
use crate::load::{self, SourceFile};
use crate::render::{self, Style};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tessera::audit::{AuditError, Auditor};
use tessera::{Engine, LiveEngine};

/// A request line longer than this (in bytes, without its line break) is
/// answered with a `too_large` error and skipped; the limit the Wasm module
/// puts on one request.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// After the first audit failure, which is reported at once, further
/// failures are reported on standard error at most once per this interval.
pub const AUDIT_ALARM_INTERVAL: Duration = Duration::from_secs(10);

/// Arguments of `policy serve`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Protocol: one JSON request per line on standard input; one JSON \
answer per line on standard output, flushed at once, in the shape `policy eval` and the \
C and Wasm libraries use: a decision, or {\"error\": {\"kind\": ...}} for a line that is \
not a valid request (the loop goes on). Empty lines are skipped. End of input ends the \
loop with exit status 0.

Standard error gets `serving REVISION (N statements)` at start and, with --watch, one \
line per reload attempt: `reloaded: REVISION (N statements)`, or the diagnostics and \
`reload failed: keeping REVISION` (the old set keeps serving). A change is reloaded once \
the files have stayed the same for one interval. With --audit, records that cannot be \
written are reported there while serving: the first at once, then at most one line every \
10 seconds. Exit status 2 when the policies cannot be loaded at start. More in \
docs/serve.md."
)]
pub struct Args {
    /// Policy files or directories (searched recursively for *.policy,
    /// Vault *.hcl and AWS IAM *.json policies).
    #[arg(long, short = 'p', required = true, num_args = 1..)]
    policies: Vec<PathBuf>,
    /// Poll the policy paths and reload the set when a file is added,
    /// removed or changed; a set that does not compile is reported and the
    /// old one keeps serving.
    #[arg(long)]
    watch: bool,
    /// How often --watch reads the policy files, in milliseconds.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 500,
        requires = "watch",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    interval: u64,
    /// Add to every decision an `explanation`: each statement that applied
    /// or nearly did, and what failed.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
    #[command(flatten)]
    schema: crate::schema::SchemaArgs,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

pub fn run(args: Args, style: Style) -> Result<Status, CliError> {
    let sources = read_sources(&args.policies)?;
    let limits = args.limits.limits()?;
    // Every request is checked against the schema; with --watch, the
    // schema files are watched with the policies and reloaded with them.
    let schemas = args.schema.sources(&args.policies)?;
    let engine =
        crate::schema::compile(&sources, &schemas, &limits).map_err(|error| CliError::Compile {
            count: error.diagnostics().len(),
            rendered: render::human_all(
                &error,
                &crate::schema::with_schemas(&sources, &schemas),
                style.color_stderr,
            ),
        })?;
    say(&format!(
        "serving {} ({})\n",
        engine.revision(),
        statements(engine.statement_count())
    ));
    let auditor = args.audit.auditor()?;
    let mut audit = match (&auditor, args.audit.path()) {
        (Some(auditor), Some(path)) => Some(Audit::start(
            auditor,
            path,
            AUDIT_ALARM_INTERVAL,
            style,
            say,
        )),
        _ => None,
    };
    let live = Arc::new(LiveEngine::new(engine));
    let watcher = args.watch.then(|| {
        Watcher::start(
            live.clone(),
            Files {
                policies: args.policies.clone(),
                schema: args.schema.clone(),
            },
            Duration::from_millis(args.interval),
            Snapshot::Sources { sources, schemas },
            style,
        )
    });
    let served = serve(
        &live,
        audit.as_mut(),
        io::stdin().lock(),
        io::stdout().lock(),
        args.explain,
    );
    drop(watcher);
    // The alarm's last line comes before the total.
    drop(audit);
    crate::audit::finish(auditor.as_ref(), &args.audit)?;
    match served {
        Ok(()) => Ok(Status::Success),
        // The reader went away, as with `policy serve ... | head -1`: end
        // as `eval` does on a closed pipe (see `error::exit_quietly_on_broken_pipe`).
        Err(ServeError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            std::process::exit(141)
        }
        Err(ServeError::Write(e)) => Err(CliError::Usage(format!(
            "cannot write to standard output: {e}"
        ))),
        Err(ServeError::Read(e)) => Err(CliError::Usage(format!(
            "cannot read requests from standard input: {e}"
        ))),
    }
}

/// Why the loop stopped before the end of its input.
#[derive(Debug)]
enum ServeError {
    Read(io::Error),
    Write(io::Error),
}

/// Answers every request line of `input` with one line on `output`, flushed
/// at once, until the end of `input`.
fn serve(
    live: &LiveEngine,
    mut audit: Option<&mut Audit<'_>>,
    mut input: impl BufRead,
    mut output: impl Write,
    explain: bool,
) -> Result<(), ServeError> {
    let auditor = audit.as_ref().map(|a| a.auditor);
    let mut line = Vec::new();
    loop {
        line.clear();
        let answer = match read_line(&mut input, &mut line, MAX_LINE_BYTES) {
            Err(e) => return Err(ServeError::Read(e)),
            Ok(Line::End) => return Ok(()),
            Ok(Line::TooLong(length)) => invalid(
                "too_large",
                &format!("the request line is {length} bytes; the limit is {MAX_LINE_BYTES} bytes"),
            ),
            Ok(Line::Complete) => match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => {
                    let answer = answer(&live.current(), auditor, text, explain);
                    if let Some(audit) = audit.as_deref_mut() {
                        audit.check();
                    }
                    answer
                }
                Err(e) => invalid(
                    "not_utf8",
                    &format!(
                        "the request line is not valid UTF-8 (first bad byte at offset {})",
                        e.valid_up_to()
                    ),
                ),
            },
        };
        writeln!(output, "{answer}")
            .and_then(|()| output.flush())
            .map_err(ServeError::Write)?;
    }
}

/// The answer to one request line, decided entirely by `engine` (whose
/// [`Engine::revision`] names the policy set that decided): a decision or a
/// request error, exactly as `tessera::json::evaluate` gives it.
///
/// The one place a request meets an engine; with `--audit`, each decision
/// is recorded with the revision that made it.
fn answer(engine: &Engine, auditor: Option<&Auditor>, request: &str, explain: bool) -> String {
    match auditor {
        Some(auditor) => tessera::json::evaluate_audited(engine, auditor, request, explain),
        None => tessera::json::evaluate(engine, request, explain),
    }
}

/// A failure count and the latest failure, for the alarm thread.
type Failures = (u64, Option<AuditError>);

/// The auditor of `--audit`, and a thread that tells the operator on
/// standard error that records cannot be written, while serving: the first
/// failure at once, then at most one line per interval counting the
/// failures since the line before. (Each decision whose record failed is
/// already a deny with reason `audit_failed`; the lines are for people.)
/// Dropping it stops the thread; failures not yet reported are left to
/// the total printed at the end.
struct Audit<'a> {
    auditor: &'a Auditor,
    /// Failures already passed on to the thread.
    seen: u64,
    alarm: Option<mpsc::Sender<Failures>>,
    thread: Option<JoinHandle<()>>,
}

impl<'a> Audit<'a> {
    /// Starts the thread, which reports failures of records written to
    /// `path` through `report` (one line, with its line break, per call).
    fn start(
        auditor: &'a Auditor,
        path: &Path,
        interval: Duration,
        style: Style,
        mut report: impl FnMut(&str) + Send + 'static,
    ) -> Audit<'a> {
        let (alarm, failures) = mpsc::channel();
        let path = path.to_path_buf();
        let thread = std::thread::spawn(move || {
            raise_alarms(&failures, interval, &mut |count, reported, error| {
                report(&alarm_line(&path, count, reported, error, style));
            });
        });
        Audit {
            auditor,
            seen: 0,
            alarm: Some(alarm),
            thread: Some(thread),
        }
    }

    /// Passes failures since the last call on to the thread. Called after
    /// each decision: one atomic read when nothing failed.
    fn check(&mut self) {
        let failures = self.auditor.failures();
        if failures > self.seen {
            self.seen = failures;
            if let Some(alarm) = &self.alarm {
                let _ = alarm.send((failures, self.auditor.last_failure()));
            }
        }
    }
}

impl Drop for Audit<'_> {
    fn drop(&mut self) {
        drop(self.alarm.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Calls `raise(count, reported, error)` for the failure counts coming
/// from `failures`: at once for the first, then at most once per
/// `interval` with the latest count (`reported` is the count of the call
/// before), until the channel closes.
fn raise_alarms(
    failures: &mpsc::Receiver<Failures>,
    interval: Duration,
    raise: &mut dyn FnMut(u64, u64, Option<&AuditError>),
) {
    let mut reported = 0;
    let mut quiet_until: Option<Instant> = None;
    let mut pending: Option<Failures> = None;
    loop {
        let received = match (&pending, quiet_until) {
            (Some(_), Some(until)) => {
                failures.recv_timeout(until.saturating_duration_since(Instant::now()))
            }
            _ => failures.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(latest) => pending = Some(latest),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let due = quiet_until.is_none_or(|until| Instant::now() >= until);
        if due && let Some((count, error)) = pending.take() {
            raise(count, reported, error.as_ref());
            reported = count;
            quiet_until = Instant::now().checked_add(interval);
        }
    }
}

/// The line for `count` failures, `reported` of them reported before.
/// Audit errors never quote a record, so no request value is printed.
fn alarm_line(
    path: &Path,
    count: u64,
    reported: u64,
    error: Option<&AuditError>,
    style: Style,
) -> String {
    let label = render::paint_error(style, "error");
    let cause = error.map_or_else(String::new, |e| format!(": {e}"));
    if reported == 0 {
        format!(
            "{label}: {count} audit record(s) could not be written to {}{cause}; \
             decisions whose record cannot be written are denied (reason audit_failed)\n",
            path.display()
        )
    } else {
        format!(
            "{label}: {} more audit record(s) could not be written to {} ({count} in all){cause}\n",
            count - reported,
            path.display()
        )
    }
}

/// An answer for a line that never reached the JSON layer, in the shape of
/// the Wasm module's own errors (wasm/ABI.md).
fn invalid(code: &str, message: &str) -> String {
    tessera::json::ErrorEnvelope::invalid(code, message).to_json()
}

/// What [`read_line`] read.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// The input ended before another line began.
    End,
    /// A line, now in the buffer without its `\n`.
    Complete,
    /// A line of this many bytes, over the limit: only its start was kept,
    /// the rest was read and dropped.
    TooLong(u64),
}

/// Reads one line into `line` (without its `\n`), keeping at most `limit`
/// bytes of it in memory however long it is.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
    let mut length: u64 = 0;
    let mut started = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() && !started {
            return Ok(Line::End);
        }
        let newline = chunk.iter().position(|&b| b == b'\n');
        let content = newline.unwrap_or(chunk.len());
        let room = limit.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..content.min(room)]);
        length += content as u64;
        started = true;
        let ended = newline.is_some() || chunk.is_empty();
        input.consume(newline.map_or(content, |at| at + 1));
        if ended {
            return Ok(if length > limit as u64 {
                Line::TooLong(length)
            } else {
                Line::Complete
            });
        }
    }
}

/// Every policy file under `paths`, read.
fn read_sources(paths: &[PathBuf]) -> Result<Vec<SourceFile>, CliError> {
    load::read_policies(&load::policy_files(paths)?)
}

fn named(sources: &[SourceFile]) -> Vec<tessera::Source<'_>> {
    sources
        .iter()
        .map(|s| tessera::Source::new(&s.name, &s.text))
        .collect()
}

fn statements(count: usize) -> String {
    if count == 1 {
        "1 statement".to_string()
    } else {
        format!("{count} statements")
    }
}

/// Writes `text` to standard error in one piece. A closed standard error
/// must not stop the decisions, so failures are ignored.
fn say(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// What `--watch` reads: the policies given, and the schema files named
/// with `--schema` or found beside them.
struct Files {
    policies: Vec<PathBuf>,
    schema: crate::schema::SchemaArgs,
}

/// The policy and schema files as last read: their names and texts, or why
/// they could not be read.
#[derive(Debug)]
enum Snapshot {
    Sources {
        sources: Vec<SourceFile>,
        schemas: Vec<SourceFile>,
    },
    Unreadable(CliError),
}

impl Snapshot {
    fn read(files: &Files) -> Snapshot {
        let read = || -> Result<Snapshot, CliError> {
            Ok(Snapshot::Sources {
                sources: read_sources(&files.policies)?,
                schemas: files.schema.sources(&files.policies)?,
            })
        };
        read().unwrap_or_else(Snapshot::Unreadable)
    }
}

impl PartialEq for Snapshot {
    /// Same files with the same texts, or the same error.
    fn eq(&self, other: &Snapshot) -> bool {
        let same = |a: &[SourceFile], b: &[SourceFile]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(a, b)| a.name == b.name && a.text == b.text)
        };
        match (self, other) {
            (
                Snapshot::Sources { sources, schemas },
                Snapshot::Sources {
                    sources: other_sources,
                    schemas: other_schemas,
                },
            ) => same(sources, other_sources) && same(schemas, other_schemas),
            (Snapshot::Unreadable(a), Snapshot::Unreadable(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

/// The `--watch` thread; dropping it stops the thread and waits for it.
struct Watcher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Polls `files` every `interval`, starting from `applied`, the files the
    /// serving set was compiled from.
    fn start(
        live: Arc<LiveEngine>,
        files: Files,
        interval: Duration,
        applied: Snapshot,
        style: Style,
    ) -> Watcher {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            watch(&live, &files, interval, applied, &stopped, style);
        });
        Watcher {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        // Closing the channel wakes the thread at once.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads the policy and schema files every `interval` until `stop` closes. A
/// change is reloaded once the files have read the same twice in a row, one
/// interval apart, so that a save in progress, or a change spread over
/// several files, is not compiled half done.
fn watch(
    live: &LiveEngine,
    files: &Files,
    interval: Duration,
    mut applied: Snapshot,
    stop: &mpsc::Receiver<()>,
    style: Style,
) {
    let mut pending: Option<Snapshot> = None;
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(interval) {
        let now = Snapshot::read(files);
        if now == applied {
            pending = None;
        } else if pending.as_ref() == Some(&now) {
            say(&reload(live, &now, style));
            applied = now;
            pending = None;
        } else {
            pending = Some(now);
        }
    }
}

/// Reloads `snapshot` into `live`; returns what to print on standard error.
fn reload(live: &LiveEngine, snapshot: &Snapshot, style: Style) -> String {
    let error = render::paint_error(style, "error");
    match snapshot {
        Snapshot::Sources { sources, schemas } => {
            let drawn = || crate::schema::with_schemas(sources, schemas);
            let limits = live.current().limits().clone();
            let reloaded = match crate::schema::compile_schema(schemas, &limits) {
                None => live.reload_with_schema(&named(sources), None),
                Some(Ok(schema)) => live.reload_with_schema(&named(sources), Some(&schema)),
                Some(Err(broken)) => {
                    return format!(
                        "{}{error}: {} error(s) in the schema\nreload failed: keeping {}\n",
                        render::human_all(&broken, &drawn(), style.color_stderr),
                        broken.diagnostics().len(),
                        live.current().revision()
                    );
                }
            };
            match reloaded {
                Ok(reloaded) => format!(
                    "reloaded: {} ({}{})\n",
                    reloaded.revision,
                    statements(reloaded.statements),
                    match (reloaded.changed(), reloaded.schema_changed) {
                        (false, _) => ", unchanged",
                        (true, true) => ", new schema",
                        (true, false) => "",
                    }
                ),
                Err(failed) => format!(
                    "{}{error}: {} error(s) in the policy set\nreload failed: keeping {}\n",
                    render::human_all(failed.compile_error(), &drawn(), style.color_stderr),
                    failed.diagnostics().len(),
                    failed.serving()
                ),
            }
        }
        Snapshot::Unreadable(cause) => format!(
            "{error}: {cause}\nreload failed: keeping {}\n",
            live.current().revision()
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const ALLOW: &str = r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#;

    fn lines(input: &[u8], limit: usize) -> Vec<(Line, Vec<u8>)> {
        let mut reader = io::BufReader::with_capacity(4, input);
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            let read = read_line(&mut reader, &mut line, limit).unwrap();
            if read == Line::End {
                return out;
            }
            out.push((read, line));
        }
    }

    #[test]
    fn lines_are_split_and_capped() {
        assert_eq!(lines(b"", 8), vec![]);
        assert_eq!(
            lines(b"ab\n\ncd", 8),
            vec![
                (Line::Complete, b"ab".to_vec()),
                (Line::Complete, vec![]),
                (Line::Complete, b"cd".to_vec()),
            ]
        );
        assert_eq!(
            lines(b"0123456789abc\nok\n12345678\n", 8),
            vec![
                (Line::TooLong(13), b"01234567".to_vec()),
                (Line::Complete, b"ok".to_vec()),
                (Line::Complete, b"12345678".to_vec()),
            ]
        );
        assert_eq!(
            lines(b"123456789", 8),
            vec![(Line::TooLong(9), b"12345678".to_vec())]
        );
    }

    fn served(input: &[u8]) -> Vec<String> {
        let live = LiveEngine::new(Engine::compile_str("p.policy", ALLOW).unwrap());
        let mut output = Vec::new();
        serve(&live, None, input, &mut output, false).unwrap();
        String::from_utf8(output)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_line_gets_one_answer_and_blank_lines_none() {
        let request =
            r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db"}"#;
        let mut bytes = Vec::new();
        for line in [
            request.as_bytes(),
            b"",
            b"  \r",
            b"{oops",
            b"\xff",
            request.as_bytes(),
        ] {
            bytes.extend_from_slice(line);
            bytes.push(b'\n');
        }
        let answers = served(&bytes);
        assert_eq!(answers.len(), 4, "{answers:?}");
        assert!(
            answers[0].starts_with(r#"{"decision":"allow""#),
            "{}",
            answers[0]
        );
        assert!(answers[1].contains(r#""kind":"request""#), "{}", answers[1]);
        assert!(
            answers[2].contains(r#""code":"not_utf8""#),
            "{}",
            answers[2]
        );
        assert_eq!(answers[3], answers[0]);
    }

    /// Runs [`raise_alarms`] on a thread; returns the channel to it, what
    /// it raised (count, reported before, when) and the thread.
    #[allow(clippy::type_complexity)]
    fn alarms(
        interval: Duration,
    ) -> (
        mpsc::Sender<Failures>,
        Arc<std::sync::Mutex<Vec<(u64, u64, Instant)>>>,
        JoinHandle<()>,
    ) {
        let (send, receive) = mpsc::channel();
        let raised = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = raised.clone();
        let thread = std::thread::spawn(move || {
            raise_alarms(&receive, interval, &mut |count, reported, _| {
                kept.lock().unwrap().push((count, reported, Instant::now()));
            });
        });
        (send, raised, thread)
    }

    /// Waits until `raised` holds a call for `count` failures.
    fn wait_for(raised: &std::sync::Mutex<Vec<(u64, u64, Instant)>>, count: u64) {
        let started = Instant::now();
        while !raised.lock().unwrap().iter().any(|r| r.0 == count) {
            assert!(started.elapsed() < Duration::from_secs(20), "no alarm");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn the_first_audit_failure_is_raised_at_once_and_the_rest_summed_per_interval() {
        let interval = Duration::from_millis(300);
        let (send, raised, thread) = alarms(interval);
        send.send((1, None)).unwrap();
        wait_for(&raised, 1);
        for count in 2..=40 {
            send.send((count, None)).unwrap();
        }
        wait_for(&raised, 40);
        drop(send);
        thread.join().unwrap();
        let raised = raised.lock().unwrap();
        assert_eq!((raised[0].0, raised[0].1), (1, 0));
        assert_eq!(raised.last().map(|r| r.0), Some(40), "{raised:?}");
        for pair in raised.windows(2) {
            assert_eq!(pair[1].1, pair[0].0, "each line counts from the last");
            assert!(pair[1].2 - pair[0].2 >= interval, "{raised:?}");
        }
    }

    #[test]
    fn no_audit_alarm_before_its_interval_is_up() {
        let (send, raised, thread) = alarms(Duration::from_secs(3600));
        send.send((1, None)).unwrap();
        wait_for(&raised, 1);
        send.send((2, None)).unwrap();
        send.send((3, None)).unwrap();
        // Closing the channel ends the thread at once; the total is
        // printed by the command, not by the alarm.
        drop(send);
        thread.join().unwrap();
        assert_eq!(raised.lock().unwrap().len(), 1);
    }

    #[test]
    fn audit_alarm_lines_name_the_log_and_the_counts() {
        let style = Style {
            color_stderr: false,
            color_stdout: false,
        };
        let path = Path::new("/var/log/audit.jsonl");
        let first = alarm_line(path, 1, 0, None, style);
        assert_eq!(
            first,
            "error: 1 audit record(s) could not be written to /var/log/audit.jsonl; \
             decisions whose record cannot be written are denied (reason audit_failed)\n"
        );
        assert_eq!(
            alarm_line(path, 12, 1, None, style),
            "error: 11 more audit record(s) could not be written to /var/log/audit.jsonl (12 in all)\n"
        );
    }

    #[test]
    fn an_overlong_line_is_refused_and_the_loop_goes_on() {
        let mut input = vec![b' '; MAX_LINE_BYTES + 1];
        input.extend_from_slice(b"\n{}\n");
        let answers = served(&input);
        assert_eq!(answers.len(), 2, "{answers:?}");
        assert!(
            answers[0].contains(r#""code":"too_large""#),
            "{}",
            answers[0]
        );
        assert!(answers[1].contains(r#""kind":"request""#), "{}", answers[1]);
    }
}
