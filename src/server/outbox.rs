//! A client's outbound queue: the one ordered stream of bytes (command replies and pub/sub
//! pushes) that goes to its socket.
//!
//! Publishers on any thread append shared, already-encoded frames (a `Bytes` clone, no copy of
//! the payload). Writes happen with the queue's lock held, so they can never reorder, and they
//! are done directly by whoever filled the queue, at the end of its batch of commands, as Redis
//! writes pending replies before it sleeps: a publisher that ran 16 pipelined PUBLISHes flushes
//! each touched subscriber once, with one `writev`, and a request/response client writes its own
//! replies without waking another task. Only when the socket cannot take everything (or the
//! frames came from outside a command batch) is the client's writer task woken, to wait for the
//! socket to become writable.
//!
//! The queue counts its bytes and enforces `client-output-buffer-limit`: crossing the hard limit,
//! or staying over the soft limit for too long, closes this client alone and frees what it held.

use super::transport::Transport;
use crate::config::OutputLimit;
use bytes::Bytes;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use tokio::sync::Notify;

/// Frames per vectored write.
const WRITE_BATCH: usize = 64;
/// At the end of a batch, the first this-many touched clients are written by the batch's own
/// thread; the rest are handed to their writer tasks so other cores share a large fan-out.
const DIRECT_FLUSH_LIMIT: usize = 32;

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
    /// Bytes queued and not yet written.
    bytes: u64,
    /// When the queue first went above the soft limit, if it still is.
    soft_since: Option<Instant>,
    closed: Option<CloseReason>,
}

/// What one write attempt achieved.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flushed {
    /// The queue is empty.
    All,
    /// The socket is full; frames remain.
    WouldBlock,
    /// The connection is gone (or closed with nothing left to send).
    Closed,
}

thread_local! {
    /// Outboxes that received frames during the command batch running on this thread, to be
    /// flushed when the batch ends (Redis's "clients pending write").
    static PENDING: RefCell<Option<Vec<Arc<Outbox>>>> = const { RefCell::new(None) };
}

/// Starts a command batch on this thread: outboxes filled from now on are flushed by
/// [`end_batch`] rather than by waking their writer tasks.
pub fn begin_batch() {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.is_none() {
            *p = Some(Vec::new());
        }
    });
}

/// Ends the batch: writes every outbox filled during it (the first few directly, the rest by
/// their writer tasks). Must be called before the task awaits.
pub fn end_batch() {
    let pending = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
    for (i, outbox) in pending.into_iter().enumerate() {
        if i < DIRECT_FLUSH_LIMIT {
            outbox.flush_now();
        } else {
            outbox.wake_writer.notify_one();
        }
    }
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Outbox {
    queue: Mutex<Queue>,
    /// The client's transport (plain or TLS socket), set when its connection starts.
    sock: OnceLock<Arc<Transport>>,
    /// The server's count of bytes written to clients (INFO `total_net_output_bytes`).
    written_total: OnceLock<Arc<AtomicU64>>,
    /// Wakes the writer task: frames wait for a writable socket, or the client is closing.
    pub(crate) wake_writer: Notify,
    /// Wakes the reader task when the client is being closed from elsewhere.
    pub(crate) wake_reader: Notify,
    /// Wakes a reader waiting for the socket to take its replies (reply backpressure).
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

    /// Attaches the transport the frames go to.
    pub(crate) fn attach(&self, sock: Arc<Transport>, written_total: Arc<AtomicU64>) {
        let _ = self.sock.set(sock);
        let _ = self.written_total.set(written_total);
    }

    /// Appends a frame, enforcing `limit` (all zeros = unlimited). Returns false if the client
    /// is closed (or was just closed for exceeding the limit) and the frame was dropped.
    pub fn push(self: &Arc<Self>, frame: Bytes, limit: OutputLimit) -> bool {
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
        // A plain load first: the read-modify-write is only needed when a new peak is set.
        if bytes > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(bytes, Ordering::Relaxed);
        }
        if was_empty {
            self.schedule();
        }
        true
    }

    /// Arranges for queued frames to be written: at the end of the current batch if one runs on
    /// this thread, else by the writer task.
    fn schedule(self: &Arc<Self>) {
        let queued = PENDING.with(|p| match p.borrow_mut().as_mut() {
            Some(list) => {
                list.push(self.clone());
                true
            }
            None => false,
        });
        if !queued {
            self.wake_writer.notify_one();
        }
    }

    /// Writes as much as the socket takes right now; wakes the writer task for the rest.
    pub(crate) fn flush_now(&self) {
        match self.try_flush() {
            Flushed::All => {}
            Flushed::WouldBlock | Flushed::Closed => self.wake_writer.notify_one(),
        }
    }

    /// Writes queued frames without blocking, under the queue lock so that writes from any
    /// thread keep the queue's order.
    pub(crate) fn try_flush(&self) -> Flushed {
        let Some(sock) = self.sock.get() else {
            return Flushed::WouldBlock;
        };
        let mut q = self.lock();
        let result = loop {
            match q.closed {
                Some(CloseReason::AfterReply) | None => {}
                Some(_) => break Flushed::Closed,
            }
            if q.frames.is_empty() {
                // TLS may still hold ciphertext of frames it took: that goes out first.
                match sock.flush_pending() {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        break Flushed::WouldBlock
                    }
                    Err(_) => break Flushed::Closed,
                }
                break if q.closed.is_some() {
                    Flushed::Closed
                } else {
                    Flushed::All
                };
            }
            let mut slices = [IoSlice::new(&[]); WRITE_BATCH];
            let mut count = 0;
            for (slot, frame) in slices.iter_mut().zip(q.frames.iter()) {
                *slot = IoSlice::new(frame);
                count += 1;
            }
            match sock.try_write_vectored(&slices[..count]) {
                Ok(0) => break Flushed::Closed,
                Ok(mut n) => {
                    q.bytes = q.bytes.saturating_sub(n as u64);
                    if let Some(total) = self.written_total.get() {
                        total.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    while n > 0 {
                        let Some(front) = q.frames.front_mut() else {
                            break;
                        };
                        if n >= front.len() {
                            n -= front.len();
                            q.frames.pop_front();
                        } else {
                            *front = front.slice(n..);
                            n = 0;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break Flushed::WouldBlock,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    q.closed.get_or_insert(CloseReason::Killed);
                    q.frames.clear();
                    break Flushed::Closed;
                }
            }
        };
        if q.frames.is_empty() {
            q.soft_since = None;
        }
        drop(q);
        self.drained.notify_one();
        result
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
        let out = Arc::new(Outbox::default());
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
        let out = Arc::new(Outbox::default());
        let limit = OutputLimit {
            hard: 0,
            soft: 4,
            soft_seconds: 0,
        };
        assert!(out.push(Bytes::from(vec![0u8; 16 * 1024 + 2]), limit));
        assert!(!out.push(Bytes::from_static(b"345"), limit));
    }

    #[test]
    fn after_reply_close_keeps_queued_frames() {
        let out = Arc::new(Outbox::default());
        assert!(out.push(Bytes::from_static(b"+OK\r\n"), OutputLimit::default()));
        out.close(CloseReason::AfterReply);
        assert_eq!(out.pending_frames(), 1);
        out.close(CloseReason::Killed);
        assert_eq!(out.closed(), Some(CloseReason::AfterReply));
    }
}
