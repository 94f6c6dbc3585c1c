//! The background writer: a thread that chains and writes the records the
//! deciding threads queue.
//!
//! Deciding threads append each record's text to one shared buffer under a
//! mutex: no allocation and, while the writer is awake, no system call. The
//! writer swaps the buffer for an empty one every [`TICK`] (sooner when it
//! is half full or a flush is asked for), then seals and writes the batch.
//! A full buffer makes deciding threads wait: records are never dropped.

use super::auditor::Shared;
use super::error::{AuditError, AuditErrorKind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a busy writer takes the queued records.
const TICK: Duration = Duration::from_millis(1);
/// Buffered records are flushed to the sink at least this often while
/// records keep coming (and at once when they stop).
const MAX_AGE: Duration = Duration::from_millis(100);

/// Records waiting for the writer, and the flush and shutdown protocol.
#[derive(Default)]
struct Queue {
    /// The records' texts, one after another.
    bytes: Vec<u8>,
    /// Where each record's text ends in `bytes`.
    ends: Vec<usize>,
    /// The writer waits for work with no timeout: wake it on a record.
    writer_asleep: bool,
    /// Deciding threads waiting for room.
    waiting_for_room: usize,
    /// Flushes asked for so far, and the last one done with its result.
    flushes_asked: u64,
    flushes_done: u64,
    flush_result: Option<Result<(), AuditError>>,
    closed: bool,
}

struct State {
    queue: Mutex<Queue>,
    /// Wakes the writer.
    work: Condvar,
    /// Wakes deciding threads: room in the queue, or a flush done.
    progress: Condvar,
    capacity: usize,
}

impl State {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The queue to the writer thread and the thread.
pub(crate) struct Background {
    state: Arc<State>,
    thread: Option<JoinHandle<()>>,
}

fn stopped() -> AuditError {
    AuditError::new(
        AuditErrorKind::WriterStopped,
        "the background audit writer has stopped",
    )
}

impl Background {
    pub(crate) fn start(shared: Arc<Shared>, capacity: usize) -> Result<Background, AuditError> {
        let state = Arc::new(State {
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            progress: Condvar::new(),
            capacity: capacity.max(2),
        });
        let writer_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("tessera-audit".to_string())
            .spawn(move || run(&shared, &writer_state))
            .map_err(|e| AuditError::io("cannot start the background audit writer", &e))?;
        Ok(Background {
            state,
            thread: Some(thread),
        })
    }

    /// Queues a record's text; waits while the queue is full.
    pub(crate) fn send(&self, middle: &[u8]) -> Result<(), AuditError> {
        let state = &self.state;
        let mut queue = state.queue();
        while queue.ends.len() >= state.capacity && !queue.closed {
            queue.waiting_for_room += 1;
            queue = state
                .progress
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
            queue.waiting_for_room -= 1;
        }
        if queue.closed {
            return Err(stopped());
        }
        queue.bytes.extend_from_slice(middle);
        let end = queue.bytes.len();
        queue.ends.push(end);
        let hurry = queue.ends.len() == state.capacity / 2;
        if queue.writer_asleep || hurry {
            queue.writer_asleep = false;
            state.work.notify_one();
        }
        Ok(())
    }

    /// Waits until every record queued before is written, then flushes.
    pub(crate) fn flush(&self) -> Result<(), AuditError> {
        let state = &self.state;
        let mut queue = state.queue();
        if queue.closed {
            return Err(stopped());
        }
        queue.flushes_asked += 1;
        let asked = queue.flushes_asked;
        queue.writer_asleep = false;
        state.work.notify_one();
        while queue.flushes_done < asked && !queue.closed {
            queue = state
                .progress
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if queue.flushes_done < asked {
            return Err(stopped());
        }
        queue.flush_result.clone().unwrap_or(Ok(()))
    }
}

impl Drop for Background {
    /// Closes the queue and waits for the thread to write what it holds.
    fn drop(&mut self) {
        {
            let mut queue = self.state.queue();
            queue.closed = true;
            self.state.work.notify_one();
            self.state.progress.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread: takes the queued records each tick (or when woken),
/// seals and writes them in queue order, and flushes the sink when asked,
/// when a tick brought no record, or when the oldest unflushed record is
/// [`MAX_AGE`] old.
fn run(shared: &Shared, state: &State) {
    let _close = CloseOnExit(state);
    let mut bytes = Vec::new();
    let mut ends = Vec::new();
    let mut dirty_since: Option<Instant> = None;
    loop {
        let mut queue = state.queue();
        // Sleep until there is something to do.
        while queue.ends.is_empty()
            && queue.flushes_asked == queue.flushes_done
            && !queue.closed
            && dirty_since.is_none()
        {
            queue.writer_asleep = true;
            queue = state
                .work
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
        queue.writer_asleep = false;
        let asked = queue.flushes_asked;
        let flush_asked = asked > queue.flushes_done;
        let closed = queue.closed;
        std::mem::swap(&mut queue.bytes, &mut bytes);
        std::mem::swap(&mut queue.ends, &mut ends);
        if queue.waiting_for_room > 0 {
            state.progress.notify_all();
        }
        drop(queue);

        let mut writer = shared.writer();
        let mut start = 0;
        for &end in &ends {
            if let Some(middle) = bytes.get(start..end) {
                let _ = shared.note(writer.write(middle, false));
            }
            start = end;
        }
        let idle = ends.is_empty();
        if !idle {
            dirty_since.get_or_insert_with(Instant::now);
        }
        bytes.clear();
        ends.clear();
        let old = dirty_since.is_some_and(|since| since.elapsed() >= MAX_AGE);
        if flush_asked || closed || (dirty_since.is_some() && (idle || old)) {
            let result = writer.flush();
            drop(writer);
            dirty_since = None;
            if flush_asked {
                let mut queue = state.queue();
                queue.flushes_done = asked;
                queue.flush_result = Some(result);
                state.progress.notify_all();
            } else {
                let _ = shared.note(result);
            }
        } else {
            drop(writer);
        }

        let queue = state.queue();
        if closed && queue.ends.is_empty() {
            return;
        }
        // A tick for more records to come, unless there is work already.
        let busy = queue.ends.len() >= state.capacity / 2
            || queue.flushes_asked > queue.flushes_done
            || queue.closed;
        if !busy {
            let _ = state.work.wait_timeout(queue, TICK);
        }
    }
}

/// Closes the queue when the writer ends, however it ends (a host's sink
/// that panics included), so deciding threads get an error instead of
/// waiting for room forever.
struct CloseOnExit<'a>(&'a State);

impl Drop for CloseOnExit<'_> {
    fn drop(&mut self) {
        let mut queue = self.0.queue();
        queue.closed = true;
        self.0.progress.notify_all();
    }
}
