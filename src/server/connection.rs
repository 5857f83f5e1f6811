//! One client connection: a reader task that parses and executes commands, and a writer task
//! that sends the client's outbound queue to the socket.
//!
//! The reader drains every complete command in its input buffer, executes them in order, and
//! hands the batch's replies to the outbox in one piece, so a pipeline of N commands costs one
//! write. Pub/Sub pushes from other clients enter the same outbox, which keeps replies and pushes
//! in one order.

use super::client::ClientHandle;
use super::outbox::{self, CloseReason, Flushed};
use super::transport::Transport;
use super::Shared;
use crate::commands::{self, Ctx};
use crate::protocol::parser::{parse_command, ParseLimits, Parsed};
use crate::protocol::{Protocol, ReplyBuf};
use bytes::{Bytes, BytesMut};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much the reader asks the socket for at a time.
const READ_CHUNK: usize = 16 * 1024;
/// When this many reply bytes wait unsent, the reader pauses until the writer catches up, so a
/// client that pipelines without reading cannot grow server memory without bound.
const REPLY_BACKPRESSURE: u64 = 8 * 1024 * 1024;

/// How much room to make before a read. For a large bulk that has been announced but not yet
/// received, the buffer grows with what actually arrives (doubling, so a big value still costs
/// few copies) rather than by the announced length at once: a bare `$536870912` header must not
/// make the server allocate half a gigabyte for a client that then sends nothing.
fn read_reserve(hint: usize, have: usize) -> usize {
    let missing = hint.saturating_sub(have);
    READ_CHUNK.max(missing.min(have))
}

/// CLIENT REPLY mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// No replies are sent.
    Off,
    /// Set by CLIENT REPLY SKIP itself: becomes `Skip` once that command finishes.
    SkipNext,
    /// The current command's reply is not sent, then replies resume.
    Skip,
}

/// A connection's private state: only its reader task touches it.
pub struct ConnState {
    /// The part other tasks may see.
    pub handle: Arc<ClientHandle>,
    /// Selected database.
    pub db: usize,
    /// Whether AUTH succeeded (or no password is required).
    pub authenticated: bool,
    /// The ACL user the connection runs as.
    pub user: Arc<crate::acl::User>,
    /// Subscribed channels.
    pub channels: HashSet<Bytes>,
    /// Subscribed patterns.
    pub patterns: HashSet<Bytes>,
    /// Subscribed shard channels.
    pub shard_channels: HashSet<Bytes>,
    /// CLIENT REPLY mode.
    pub reply_mode: ReplyMode,
    /// Set by QUIT: close after this batch's replies are sent.
    pub close_after_reply: bool,
    /// Set by DEBUG SLEEP: pause this long after the batch.
    pub sleep: Option<Duration>,
    /// The last command run (CLIENT LIST `cmd`), published once per batch.
    pub last_cmd: &'static str,
    /// Commands queued since MULTI, if in a transaction.
    pub multi: Option<Vec<Vec<Bytes>>>,
    /// A command was rejected while queueing: EXEC must abort.
    pub multi_dirty: bool,
    /// True while EXEC runs the queue (the exec gate is already held).
    pub in_exec: bool,
    /// Keys watched by WATCH.
    pub watched: Vec<crate::commands::transactions::Watched>,
    /// Set by the keyspace when a watched key changes.
    pub watch_flag: crate::storage::WatchFlag,
    /// Set by a blocking command (BLPOP, ...) that found no data: the reader waits for it.
    pub blocked: Option<super::blocking::Blocked>,
}

impl ConnState {
    /// A fresh connection's state. Public so that a client can also be driven without a socket
    /// (the `commands` fuzz target runs the dispatcher this way).
    pub fn new(
        handle: Arc<ClientHandle>,
        authenticated: bool,
        user: Arc<crate::acl::User>,
    ) -> Self {
        ConnState {
            handle,
            db: 0,
            authenticated,
            user,
            channels: HashSet::new(),
            patterns: HashSet::new(),
            shard_channels: HashSet::new(),
            reply_mode: ReplyMode::On,
            close_after_reply: false,
            sleep: None,
            last_cmd: "NULL",
            multi: None,
            multi_dirty: false,
            in_exec: false,
            watched: Vec::new(),
            watch_flag: Default::default(),
            blocked: None,
        }
    }

    /// Channels plus patterns: the count in (p)subscribe confirmations.
    pub fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// True while the client is subscribed to anything (RESP2 subscribed mode).
    pub fn in_pubsub(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty() || !self.shard_channels.is_empty()
    }

    /// Ends the client's presence in shared state: cancels a pending block, forgets watched
    /// keys, leaves every channel, closes the outbox and deregisters the client.
    pub fn teardown(&mut self, shared: &Shared) {
        let handle = self.handle.clone();
        if self.blocked.take().is_some() {
            shared.blocking.cancel(handle.id);
        }
        if !self.watched.is_empty() {
            let mut ks = shared.keyspace();
            for w in self.watched.drain(..) {
                if w.db < ks.len() {
                    ks.db(w.db).unwatch(&w.key, &self.watch_flag);
                }
            }
        }
        shared.pubsub.remove_client(
            &handle,
            self.channels.drain(),
            self.shard_channels.drain(),
            self.patterns.drain(),
        );
        if handle.outbox.closed().is_none() {
            handle.outbox.close(CloseReason::Killed);
        }
        shared.clients.remove(handle.id);
    }

    /// Publishes the subscription counts for CLIENT LIST and the output-buffer class.
    pub fn sync_subscriptions(&self) {
        self.handle.set_pubsub(self.in_pubsub());
        let mut info = self.handle.info();
        info.subscriptions = self.channels.len();
        info.patterns = self.patterns.len();
        info.shard_subscriptions = self.shard_channels.len();
    }
}

/// Serves one client until it disconnects, is killed, or the server shuts down.
pub async fn run(stream: Transport, shared: Arc<Shared>, handle: Arc<ClientHandle>) {
    let sock = Arc::new(stream);
    handle
        .outbox
        .attach(sock.clone(), shared.stats.net_output_bytes.clone());
    let writer = tokio::spawn(write_loop(sock.clone(), handle.clone(), shared.clone()));
    let rd = &*sock;
    let authenticated = !shared.acl.auth_required();
    let mut state = ConnState::new(handle.clone(), authenticated, shared.acl.default_user());
    let mut out = ReplyBuf::new(Protocol::Resp2);
    let mut input = BytesMut::new();
    let mut stop = shared.shutdown_signal();
    let mut hint = 0usize;
    let mut config_epoch = shared.config_epoch();
    let mut last_activity = tokio::time::Instant::now();

    'conn: loop {
        // Backpressure: wait while too many reply bytes are unsent.
        while handle.outbox.pending_bytes() > REPLY_BACKPRESSURE && handle.outbox.closed().is_none()
        {
            tokio::select! {
                _ = handle.outbox.drained.notified() => {}
                _ = handle.outbox.wake_reader.notified() => {}
            }
        }
        if handle.outbox.closed().is_some() {
            break;
        }
        let idle_deadline = {
            let t = shared.hot.timeout.load(Ordering::Relaxed);
            (t > 0 && !state.in_pubsub()).then(|| last_activity + Duration::from_secs(t))
        };
        let idle = async {
            match idle_deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let n = tokio::select! {
            // Wait for readability before reserving a read buffer, so that idle connections
            // hold no input memory.
            r = rd.readable() => {
                if r.is_err() {
                    break 'conn;
                }
                input.reserve(read_reserve(hint, input.len()));
                let read = rd.try_read_buf(&mut input);
                if rd.is_tls() {
                    // The read may have produced TLS handshake data (or let a handshake
                    // complete, unblocking queued replies): send what is pending.
                    handle.outbox.flush_now();
                }
                match read {
                    Ok(0) => break 'conn,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        // A spurious wake-up (e.g. the first poll of a new connection): give the
                        // reserved buffer back so an idle connection holds none.
                        if input.is_empty() {
                            input = BytesMut::new();
                        }
                        continue 'conn;
                    }
                    Err(_) => break 'conn,
                }
            }
            _ = idle => {
                tracing::debug!(id = handle.id, "closing idle client");
                break 'conn;
            }
            // A CONFIG SET (e.g. of `timeout`) re-evaluates the idle deadline.
            _ = config_epoch.changed() => continue 'conn,
            _ = handle.outbox.wake_reader.notified() => {
                if handle.outbox.closed().is_some() { break 'conn; }
                continue 'conn;
            }
            _ = stop.wait_for(|s| *s) => break 'conn,
        };
        last_activity = tokio::time::Instant::now();
        shared
            .stats
            .net_input_bytes
            .fetch_add(n as u64, Ordering::Relaxed);

        let max_bulk_len = shared.hot.proto_max_bulk_len.load(Ordering::Relaxed);
        // Frames this batch queues for any client (its own replies, published messages) are
        // written when the batch ends, one write per client.
        outbox::begin_batch();
        let mut processed = 0u64;
        // With `appendfsync always`, replies wait until the AOF is fsynced up to this offset.
        let mut aof_mark = 0u64;
        hint = 0;
        loop {
            // Per command: an AUTH earlier in the same batch lifts the unauthenticated limits.
            let limits = ParseLimits {
                max_bulk_len,
                unauthenticated: !state.authenticated,
            };
            match parse_command(&mut input, &limits) {
                Ok(Parsed::Command(args, _)) => {
                    if args.is_empty() {
                        continue;
                    }
                    processed += 1;
                    let mut ctx = Ctx {
                        shared: &shared,
                        conn: &mut state,
                        out: &mut out,
                    };
                    commands::execute(&mut ctx, args);
                    aof_mark = aof_mark.max(crate::aof::propagate::take_fed_mark());
                    if state.blocked.is_some() {
                        // Blocked: send the replies so far and wait; what the client pipelined
                        // after the blocking command runs once it is served, as in Redis.
                        if aof_mark > 0 {
                            outbox::end_batch();
                            shared.aof.wait_synced(std::mem::take(&mut aof_mark)).await;
                            outbox::begin_batch();
                        }
                        if !out.is_empty() {
                            let limit = shared.output_limits.get(handle.class());
                            handle.outbox.push(out.take(), limit);
                        }
                        outbox::end_batch();
                        let alive =
                            super::blocking::wait(&shared, &mut state, &mut out, rd, &mut input)
                                .await;
                        outbox::begin_batch();
                        // Served by another client's push: its AOF record precedes this offset.
                        aof_mark = shared.aof.fed_offset();
                        last_activity = tokio::time::Instant::now();
                        if !alive {
                            outbox::end_batch();
                            break 'conn;
                        }
                    }
                    if state.close_after_reply {
                        break;
                    }
                }
                Ok(Parsed::Incomplete { hint: h }) => {
                    hint = h;
                    let limit = shared.hot.query_buffer_limit.load(Ordering::Relaxed);
                    if input.len() as u64 > limit || h as u64 > limit.saturating_add(64) {
                        tracing::debug!(
                            id = handle.id,
                            "closing client that reached the query buffer limit"
                        );
                        state.close_after_reply = true;
                    }
                    break;
                }
                Err(e) => {
                    tracing::debug!(id = handle.id, "protocol error: {e}");
                    out.error(&format!("ERR Protocol error: {e}"));
                    state.close_after_reply = true;
                    break;
                }
            }
        }
        // Between requests a connection keeps no input buffer (arguments still in use hold
        // their own reference to the bytes they came from).
        if input.is_empty() {
            input = BytesMut::new();
        }
        shared
            .stats
            .commands_processed
            .fetch_add(processed, Ordering::Relaxed);
        {
            let mut info = handle.info();
            info.last_interaction = Instant::now();
            info.query_buf = input.len();
            info.last_cmd = state.last_cmd;
            info.in_multi = state.multi.as_ref().map(Vec::len);
        }
        // DEBUG SLEEP: like Redis, reply only once the pause is over.
        if let Some(d) = state.sleep.take() {
            outbox::end_batch();
            tokio::time::sleep(d).await;
            outbox::begin_batch();
        }
        if aof_mark > 0 {
            outbox::end_batch();
            shared.aof.wait_synced(aof_mark).await;
            outbox::begin_batch();
        }
        if !out.is_empty() {
            let limit = shared.output_limits.get(handle.class());
            handle.outbox.push(out.take(), limit);
        }
        outbox::end_batch();
        if state.close_after_reply {
            handle.outbox.close(CloseReason::AfterReply);
            break;
        }
    }

    // Tear down, then let the writer flush or stop.
    state.teardown(&shared);
    let _ = writer.await;
    tracing::debug!(id = handle.id, "client disconnected");
}

/// Writes whatever the batch flushes could not: waits for the socket to become writable and
/// flushes again, until the client is closed.
async fn write_loop(sock: Arc<Transport>, handle: Arc<ClientHandle>, shared: Arc<Shared>) {
    loop {
        match handle.outbox.try_flush() {
            Flushed::All => handle.outbox.wake_writer.notified().await,
            Flushed::WouldBlock => {
                tokio::select! {
                    r = sock.writable() => if r.is_err() {
                        handle.outbox.close(CloseReason::Killed);
                        break;
                    },
                    _ = handle.outbox.wake_writer.notified() => {}
                }
            }
            Flushed::Closed => break,
        }
    }
    if handle.outbox.closed() == Some(CloseReason::OutputLimit) {
        shared
            .stats
            .output_limit_disconnections
            .fetch_add(1, Ordering::Relaxed);
        tracing::info!(id = handle.id, addr = %handle.addr,
            "client closed for overcoming of output buffer limits");
    }
    sock.shutdown_write();
    handle.outbox.finished.store(true, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_bulk_is_not_reserved_up_front() {
        // Only a header has arrived: one ordinary chunk, not the announced 512 MB.
        assert_eq!(read_reserve(512 << 20, 20), READ_CHUNK);
        // Half a megabyte has arrived: room for as much again.
        assert_eq!(read_reserve(512 << 20, 512 << 10), 512 << 10);
        // Nearly complete: just what is missing (but at least a chunk).
        assert_eq!(read_reserve(1 << 20, (1 << 20) - 100), READ_CHUNK);
        assert_eq!(read_reserve(0, 0), READ_CHUNK);
    }
}
