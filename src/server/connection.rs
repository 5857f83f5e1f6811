//! One client connection: a reader task that parses and executes commands, and a writer task
//! that sends the client's outbound queue to the socket.
//!
//! The reader drains every complete command in its input buffer, executes them in order, and
//! hands the batch's replies to the outbox in one piece, so a pipeline of N commands costs one
//! write. Pub/Sub pushes from other clients enter the same outbox, which keeps replies and pushes
//! in one order.

use super::client::ClientHandle;
use super::outbox::{self, CloseReason, Flushed};
use super::Shared;
use crate::commands::{self, Ctx};
use crate::protocol::parser::{parse_command, ParseLimits, Parsed};
use crate::protocol::{Protocol, ReplyBuf};
use bytes::{Bytes, BytesMut};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// How much the reader asks the socket for at a time.
const READ_CHUNK: usize = 16 * 1024;
/// When this many reply bytes wait unsent, the reader pauses until the writer catches up, so a
/// client that pipelines without reading cannot grow server memory without bound.
const REPLY_BACKPRESSURE: u64 = 8 * 1024 * 1024;

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
    /// A fresh connection state (also the fake client that replays the AOF).
    pub fn new(handle: Arc<ClientHandle>, authenticated: bool) -> Self {
        ConnState {
            handle,
            db: 0,
            authenticated,
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
pub async fn run(stream: TcpStream, shared: Arc<Shared>, handle: Arc<ClientHandle>) {
    let sock = Arc::new(stream);
    handle
        .outbox
        .attach(sock.clone(), shared.stats.net_output_bytes.clone());
    let writer = tokio::spawn(write_loop(sock.clone(), handle.clone(), shared.clone()));
    let rd = &*sock;
    let authenticated = shared.config().requirepass.is_none();
    let mut state = ConnState::new(handle.clone(), authenticated);
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
                input.reserve(READ_CHUNK.max(hint.saturating_sub(input.len())));
                match rd.try_read_buf(&mut input) {
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

    // Tear down: forget watched keys, leave every channel, deregister, let the writer flush or
    // stop.
    if state.blocked.take().is_some() {
        shared.blocking.cancel(handle.id);
    }
    if !state.watched.is_empty() {
        let mut ks = shared.keyspace();
        for w in state.watched.drain(..) {
            if w.db < ks.len() {
                ks.db(w.db).unwatch(&w.key, &state.watch_flag);
            }
        }
    }
    shared.pubsub.remove_client(
        &handle,
        state.channels.drain(),
        state.shard_channels.drain(),
        state.patterns.drain(),
    );
    if handle.outbox.closed().is_none() {
        handle.outbox.close(CloseReason::Killed);
    }
    shared.clients.remove(handle.id);
    let _ = writer.await;
    tracing::debug!(id = handle.id, "client disconnected");
}

/// Writes whatever the batch flushes could not: waits for the socket to become writable and
/// flushes again, until the client is closed.
async fn write_loop(sock: Arc<TcpStream>, handle: Arc<ClientHandle>, shared: Arc<Shared>) {
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
    let _ = socket2::SockRef::from(&*sock).shutdown(std::net::Shutdown::Write);
    handle.outbox.finished.store(true, Ordering::Relaxed);
}
