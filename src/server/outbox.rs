//! A client's outbound queue: the one ordered stream of bytes (command replies and pub/sub
//! pushes) that its writer task sends to the socket.
//!
//! Publishers on any thread append shared, already-encoded frames (a `Bytes` clone, no copy of
//! the payload) and wake the writer only when the queue goes from empty to non-empty, so a burst
//! of messages costs one wake-up. The queue counts its bytes and enforces
//! `client-output-buffer-limit`: crossing the hard limit, or staying over the soft limit for too
//! long, closes this client alone and frees what it held.

use crate::config::OutputLimit;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::Notify;

/// Why a client's connection was closed by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// CLIENT KILL, or the server shutting down.
    Killed,
    /// The output buffer exceeded `client-output-buffer-limit`.
    OutputLimit,
    /// The client asked (QUIT) or a protocol error: close after sending what is queued.
    AfterReply,
}

#[derive(Debug, Default)]
struct Queue {
    frames: VecDeque<Bytes>,
    /// Bytes queued plus bytes handed to the writer and not yet written.
    bytes: u64,
    /// When the queue first went above the soft limit, if it still is.
    soft_since: Option<Instant>,
    closed: Option<CloseReason>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Outbox {
    queue: Mutex<Queue>,
    /// Wakes the writer task: frames are queued, or the client is closing.
    pub(crate) wake_writer: Notify,
    /// Wakes the reader task when the client is being closed from elsewhere.
    pub(crate) wake_reader: Notify,
    /// Wakes a reader waiting for the writer to make room (reply backpressure).
    pub(crate) drained: Notify,
    /// Peak of `bytes`, for introspection.
    peak: AtomicU64,
    /// Set once the writer has closed the socket.
    pub(crate) finished: AtomicBool,
}

impl Outbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // A poisoned lock only means another thread panicked mid-push; the queue itself is
        // still consistent (every mutation is a single push/pop/add), so keep serving.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a frame, enforcing `limit` (all zeros = unlimited). Returns false if the client
    /// is closed (or was just closed for exceeding the limit) and the frame was dropped.
    pub fn push(&self, frame: Bytes, limit: OutputLimit) -> bool {
        let mut q = self.lock();
        if q.closed.is_some() {
            return false;
        }
        q.bytes += frame.len() as u64;
        let bytes = q.bytes;
        if over_limit(&mut q, limit, bytes) {
            q.closed = Some(CloseReason::OutputLimit);
            q.frames.clear();
            drop(q);
            self.wake_writer.notify_one();
            self.wake_reader.notify_one();
            return false;
        }
        let was_empty = q.frames.is_empty();
        q.frames.push_back(frame);
        drop(q);
        self.peak.fetch_max(bytes, Ordering::Relaxed);
        if was_empty {
            self.wake_writer.notify_one();
        }
        true
    }

    /// Moves queued frames into `into` (at most `max_frames`), returning how many bytes they
    /// hold. The bytes stay counted until [`Outbox::written`] is called.
    pub fn drain(&self, into: &mut Vec<Bytes>, max_frames: usize) -> Result<usize, CloseReason> {
        let mut q = self.lock();
        if let Some(reason) = q.closed {
            if reason != CloseReason::AfterReply || q.frames.is_empty() {
                return Err(reason);
            }
        }
        let n = q.frames.len().min(max_frames);
        let mut total = 0;
        for frame in q.frames.drain(..n) {
            total += frame.len();
            into.push(frame);
        }
        Ok(total)
    }

    /// Records that `n` bytes handed out by [`Outbox::drain`] reached the socket.
    pub fn written(&self, n: usize) {
        let mut q = self.lock();
        q.bytes = q.bytes.saturating_sub(n as u64);
        drop(q);
        self.drained.notify_one();
    }

    /// Closes the client: the writer stops (after flushing, for `AfterReply`) and the reader is
    /// woken to end the connection.
    pub fn close(&self, reason: CloseReason) {
        let mut q = self.lock();
        if q.closed.is_none() {
            q.closed = Some(reason);
            if reason != CloseReason::AfterReply {
                q.frames.clear();
            }
        }
        drop(q);
        self.wake_writer.notify_one();
        self.wake_reader.notify_one();
    }

    /// Why the client was closed, if it was.
    pub fn closed(&self) -> Option<CloseReason> {
        self.lock().closed
    }

    /// Bytes queued and not yet written (`omem` in CLIENT LIST).
    pub fn pending_bytes(&self) -> u64 {
        self.lock().bytes
    }

    /// Frames queued (`oll` in CLIENT LIST).
    pub fn pending_frames(&self) -> usize {
        self.lock().frames.len()
    }

    /// The most bytes ever queued at once.
    pub fn peak_bytes(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

/// Redis keeps the first 16 KiB of a client's replies in a fixed buffer that does not count
/// towards `client-output-buffer-limit`; only what overflows it does. Herald counts the same way
/// so that small limits behave identically.
const UNCOUNTED_BYTES: u64 = 16 * 1024;

fn over_limit(q: &mut Queue, limit: OutputLimit, bytes: u64) -> bool {
    let bytes = bytes.saturating_sub(UNCOUNTED_BYTES);
    if limit.hard > 0 && bytes >= limit.hard {
        return true;
    }
    if limit.soft > 0 && bytes >= limit.soft {
        let since = *q.soft_since.get_or_insert_with(Instant::now);
        return since.elapsed().as_secs() >= limit.soft_seconds;
    }
    q.soft_since = None;
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_limit_closes_and_frees() {
        let out = Outbox::default();
        let limit = OutputLimit {
            hard: 10,
            soft: 0,
            soft_seconds: 0,
        };
        assert!(out.push(Bytes::from(vec![0u8; 16 * 1024 + 5]), limit));
        assert!(!out.push(Bytes::from_static(b"123456"), limit));
        assert_eq!(out.closed(), Some(CloseReason::OutputLimit));
        assert_eq!(out.pending_frames(), 0);
        assert!(!out.push(Bytes::from_static(b"1"), limit));
    }

    #[test]
    fn soft_limit_with_zero_seconds_closes_at_once() {
        let out = Outbox::default();
        let limit = OutputLimit {
            hard: 0,
            soft: 4,
            soft_seconds: 0,
        };
        assert!(out.push(Bytes::from(vec![0u8; 16 * 1024 + 2]), limit));
        assert!(!out.push(Bytes::from_static(b"345"), limit));
    }

    #[test]
    fn written_bytes_are_released() {
        let out = Outbox::default();
        let limit = OutputLimit {
            hard: 8,
            soft: 0,
            soft_seconds: 0,
        };
        let big = 16 * 1024 + 7;
        assert!(out.push(Bytes::from(vec![0u8; big]), limit));
        let mut v = Vec::new();
        assert_eq!(out.drain(&mut v, 16), Ok(big));
        out.written(big);
        assert!(out.push(Bytes::from(vec![0u8; big]), limit));
        assert_eq!(out.pending_bytes(), big as u64);
    }

    #[test]
    fn after_reply_close_flushes_first() {
        let out = Outbox::default();
        assert!(out.push(Bytes::from_static(b"+OK\r\n"), OutputLimit::default()));
        out.close(CloseReason::AfterReply);
        let mut v = Vec::new();
        assert_eq!(out.drain(&mut v, 16), Ok(5));
        assert_eq!(out.drain(&mut v, 16), Err(CloseReason::AfterReply));
    }
}
