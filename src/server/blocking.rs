//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...), as Redis's `blocked.c`.
//!
//! A blocking command that finds no data registers its client here, while it still holds the
//! keyspace lock (so no push can slip in between the check and the registration), in a FIFO
//! queue per `(db, key)`. Commands that may make a key ready (a push, a ZADD, a RENAME onto the
//! key...) call [`signal_key_ready`] under the keyspace lock; that only records the key. When
//! the command (or the whole EXEC) has finished, the dispatcher calls [`handle_ready`], which
//! serves the waiters of every recorded key in the order they blocked, re-running each one's
//! command in its non-blocking form, exactly as Redis 7.4 re-processes a blocked client's
//! command from `handleClientsBlockedOnKeys`. The reply is handed to the waiting connection
//! through a oneshot channel; its reader task writes it and goes on with the commands that
//! were pipelined behind the blocking one.
//!
//! Because serving happens in the task of the client that made the key ready, before that
//! client's own reply is sent, a client that pushes and then reads the list sees what the
//! blocked clients left, as with Redis's single thread.
//!
//! Lock order: exec gate, then `serving`, then the keyspace, then `state`, then `ready`.
//! Nothing takes the keyspace while holding `state`.

use super::connection::ConnState;
use super::transport::Transport;
use super::Shared;
use crate::commands::blocking::BlockedCommand;
use crate::protocol::{Protocol, ReplyBuf};
use crate::storage::Value;
use bytes::{Bytes, BytesMut};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;

/// How much a blocked reader asks the socket for at a time (it only looks for a disconnect,
/// keeping what the client pipelines for after the wait).
const READ_CHUNK: usize = 16 * 1024;

/// Deadlines further away than this are treated as "block forever" (tokio's timer cannot
/// represent arbitrary instants, and nobody waits a century).
const MAX_WAIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The type of value a blocked client waits for (Redis's BLOCKED_LIST / BLOCKED_ZSET).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP.
    List,
    /// BZPOPMIN, BZPOPMAX, BZMPOP.
    ZSet,
    /// XREAD, XREADGROUP with BLOCK.
    Stream,
}

impl Kind {
    fn of(v: &Value) -> Option<Kind> {
        match v {
            Value::List(_) => Some(Kind::List),
            Value::ZSet(_) => Some(Kind::ZSet),
            Value::Stream(_) => Some(Kind::Stream),
            _ => None,
        }
    }
}

/// How a blocked client's wait ended, as sent to its connection.
#[derive(Debug)]
pub enum Outcome {
    /// The command was served: its complete reply (or error), encoded in the client's protocol.
    Reply(Bytes),
    /// CLIENT UNBLOCK [TIMEOUT]: answered like a timeout.
    Timeout,
    /// CLIENT UNBLOCK ERROR.
    Error,
}

/// What a connection keeps while one of its commands is blocked (`ConnState::blocked`).
#[derive(Debug)]
pub struct Blocked {
    /// Receives the outcome when the client is served or unblocked.
    pub rx: oneshot::Receiver<Outcome>,
    /// When to give up (None = forever).
    pub deadline: Option<tokio::time::Instant>,
    /// CLIENT REPLY OFF/SKIP was in force for the blocking command: its eventual reply is
    /// dropped.
    pub suppress_reply: bool,
}

impl Blocked {
    /// A ticket for a wait of `timeout_ms` milliseconds (0 = forever).
    pub fn new(rx: oneshot::Receiver<Outcome>, timeout_ms: u64) -> Self {
        let deadline = (timeout_ms > 0)
            .then(|| Duration::from_millis(timeout_ms))
            .filter(|d| *d < MAX_WAIT)
            .and_then(|d| tokio::time::Instant::now().checked_add(d));
        Blocked {
            rx,
            deadline,
            suppress_reply: false,
        }
    }
}

struct Waiter {
    /// Position in every key queue (smaller = blocked earlier).
    seq: u64,
    db: usize,
    keys: Vec<Bytes>,
    cmd: BlockedCommand,
    protocol: Protocol,
    has_timeout: bool,
    tx: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct State {
    next_seq: u64,
    /// Waiting clients per key, in blocking order: seq -> client id.
    keys: HashMap<(usize, Bytes), BTreeMap<u64, u64>>,
    /// Blocked clients by client id (a client blocks on one command at a time).
    waiters: HashMap<u64, Waiter>,
}

impl State {
    /// Takes a waiter out of every queue it is in.
    fn remove(&mut self, client: u64) -> Option<Waiter> {
        let w = self.waiters.remove(&client)?;
        for key in &w.keys {
            let slot = (w.db, key.clone());
            if let Some(q) = self.keys.get_mut(&slot) {
                q.remove(&w.seq);
                if q.is_empty() {
                    self.keys.remove(&slot);
                }
            }
        }
        Some(w)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ReadyEntry {
    Key(usize, Bytes),
    /// Every key of a database with waiters (SWAPDB).
    Db(usize),
}

#[derive(Default)]
struct Ready {
    list: Vec<ReadyEntry>,
    set: HashSet<ReadyEntry>,
}

/// The registry of blocked clients (one per server, in [`Shared`]).
#[derive(Default)]
pub struct Blocking {
    state: Mutex<State>,
    ready: Mutex<Ready>,
    /// Keys were signalled and not yet fully handled.
    dirty: AtomicBool,
    /// Held while ready keys are served, so that a client whose command signalled a key does
    /// not reply before the waiters of that key were served by another task.
    serving: Mutex<()>,
    /// Blocked clients (INFO `blocked_clients`); also the quick exit of [`signal_key_ready`].
    blocked: AtomicUsize,
    /// Blocked clients with a timeout (INFO `clients_in_timeout_table`).
    with_timeout: AtomicUsize,
    /// Blocked XREADGROUP clients: while there are any, writes signal the keys they touch so
    /// that a deleted or replaced stream (or a destroyed group) fails them at once.
    group_readers: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Blocking {
    /// Registers `client` as waiting on `cmd`'s keys in database `db`. Must be called with the
    /// keyspace lock held, right after the command found no data.
    pub fn block(
        &self,
        client: u64,
        db: usize,
        cmd: BlockedCommand,
        protocol: Protocol,
        timeout_ms: u64,
    ) -> Blocked {
        let (tx, rx) = oneshot::channel();
        let mut keys: Vec<Bytes> = Vec::new();
        for k in cmd.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        let ticket = Blocked::new(rx, timeout_ms);
        let has_timeout = ticket.deadline.is_some();
        let mut st = lock(&self.state);
        // A client never has two blocked commands; drop a stale registration defensively.
        if let Some(old) = st.remove(client) {
            self.forget(&old);
        }
        let seq = st.next_seq;
        st.next_seq += 1;
        for k in &keys {
            st.keys
                .entry((db, k.clone()))
                .or_default()
                .insert(seq, client);
        }
        st.waiters.insert(
            client,
            Waiter {
                seq,
                db,
                keys,
                cmd,
                protocol,
                has_timeout,
                tx,
            },
        );
        self.blocked.fetch_add(1, Ordering::Relaxed);
        if has_timeout {
            self.with_timeout.fetch_add(1, Ordering::Relaxed);
        }
        if st
            .waiters
            .get(&client)
            .is_some_and(|w| w.cmd.runs_without_data())
        {
            self.group_readers.fetch_add(1, Ordering::Relaxed);
        }
        ticket
    }

    fn forget(&self, w: &Waiter) {
        if w.cmd.runs_without_data() {
            self.group_readers.fetch_sub(1, Ordering::Relaxed);
        }
        self.blocked.fetch_sub(1, Ordering::Relaxed);
        if w.has_timeout {
            self.with_timeout.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Removes `client`'s registration (timeout, disconnect). False if it was not registered,
    /// i.e. it was already served or unblocked and its outcome is in its channel.
    pub fn cancel(&self, client: u64) -> bool {
        let mut st = lock(&self.state);
        match st.remove(client) {
            Some(w) => {
                self.forget(&w);
                true
            }
            None => false,
        }
    }

    /// CLIENT UNBLOCK: ends `client`'s wait with `outcome`. False if it was not blocked.
    pub fn unblock(&self, client: u64, outcome: Outcome) -> bool {
        let mut st = lock(&self.state);
        match st.remove(client) {
            Some(w) => {
                self.forget(&w);
                let _ = w.tx.send(outcome);
                true
            }
            None => false,
        }
    }

    /// Whether `client` is blocked on keys right now.
    pub fn is_blocked(&self, client: u64) -> bool {
        lock(&self.state).waiters.contains_key(&client)
    }

    /// INFO `blocked_clients`.
    pub fn blocked_clients(&self) -> usize {
        self.blocked.load(Ordering::Relaxed)
    }

    /// INFO `clients_in_timeout_table`: blocked clients with a timeout.
    pub fn clients_in_timeout_table(&self) -> usize {
        self.with_timeout.load(Ordering::Relaxed)
    }

    /// INFO `total_blocking_keys`: distinct keys (per database) with at least one waiter.
    pub fn total_blocking_keys(&self) -> usize {
        if self.blocked_clients() == 0 {
            return 0;
        }
        lock(&self.state).keys.len()
    }

    fn signal(&self, entry: ReadyEntry) {
        if self.blocked.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut r = lock(&self.ready);
        if r.set.insert(entry.clone()) {
            r.list.push(entry);
        }
        self.dirty.store(true, Ordering::Release);
    }

    /// Keys of database `db` that have waiters.
    fn keys_of_db(&self, db: usize) -> Vec<Bytes> {
        let st = lock(&self.state);
        let mut keys: Vec<(u64, Bytes)> = st
            .keys
            .iter()
            .filter(|((d, _), _)| *d == db)
            .map(|((_, k), q)| (q.keys().next().copied().unwrap_or(0), k.clone()))
            .collect();
        // Oldest waiter first, for a deterministic order.
        keys.sort();
        keys.into_iter().map(|(_, k)| k).collect()
    }
}

/// Records that `key` in database `db` may now hold data a blocked client waits for (after a
/// push, a ZADD, or a RENAME/COPY/MOVE/RESTORE/SORT STORE that created it). Call it with the
/// keyspace lock held, from the command that changed the key; the waiters are served when the
/// command (or the EXEC running it) is over. Costs one atomic load while nobody is blocked.
pub fn signal_key_ready(shared: &Shared, db: usize, key: &[u8]) {
    if shared.blocking.blocked.load(Ordering::Relaxed) == 0 {
        return;
    }
    shared
        .blocking
        .signal(ReadyEntry::Key(db, Bytes::copy_from_slice(key)));
}

/// Records that every key of database `db` may have changed (SWAPDB, as Redis's
/// `scanDatabaseForReadyKeys`): each key with waiters is checked when the command is over.
pub fn signal_db_ready(shared: &Shared, db: usize) {
    shared.blocking.signal(ReadyEntry::Db(db));
}

/// After a write command (the caller checks the flag): while XREADGROUP clients are blocked, signals the keys the command
/// wrote (every database for FLUSHALL, the current one for FLUSHDB), as Redis's
/// `signalDeletedKeyAsReady`, so a blocked XREADGROUP whose stream was deleted or replaced is
/// re-run and gets its error. Costs one atomic load otherwise.
pub fn signal_written_keys(
    shared: &Shared,
    db: usize,
    spec: &crate::commands::CommandSpec,
    args: &[Bytes],
) {
    if shared.blocking.group_readers.load(Ordering::Relaxed) == 0 {
        return;
    }
    match spec.name {
        "flushall" => {
            let n = shared.keyspace().len();
            for i in 0..n {
                signal_db_ready(shared, i);
            }
        }
        "flushdb" => signal_db_ready(shared, db),
        _ => {
            for i in spec.key_positions(args.len()) {
                if let Some(k) = args.get(i) {
                    signal_key_ready(shared, db, k);
                }
            }
        }
    }
}

/// Serves the clients blocked on every key signalled so far, in the order they blocked, until
/// no signalled key is left (serving a BLMOVE may signal its destination). Called by the
/// dispatcher after each command outside EXEC; returns at once when nothing was signalled.
pub fn handle_ready(shared: &Arc<Shared>) {
    let b = &shared.blocking;
    if !b.dirty.load(Ordering::Acquire) {
        return;
    }
    let _gate = shared.exec_gate_shared();
    let _serving = lock(&b.serving);
    loop {
        let batch = {
            let mut r = lock(&b.ready);
            if r.list.is_empty() {
                b.dirty.store(false, Ordering::Release);
                break;
            }
            r.set.clear();
            std::mem::take(&mut r.list)
        };
        for entry in batch {
            match entry {
                ReadyEntry::Key(db, key) => serve_key(shared, db, &key),
                ReadyEntry::Db(db) => {
                    for key in b.keys_of_db(db) {
                        serve_key(shared, db, &key);
                    }
                }
            }
        }
    }
}

/// Serves the waiters of one key while it holds a value of the type they wait for.
fn serve_key(shared: &Shared, dbi: usize, key: &Bytes) {
    let b = &shared.blocking;
    let fill = crate::commands::lists::list_fill(shared);
    let mut ks = shared.keyspace();
    if dbi >= ks.len() {
        return;
    }
    let db = ks.db(dbi);
    let mut st = lock(&b.state);
    // The clients waiting now, oldest first (Redis's `handleClientsBlockedOnKey`).
    let order: Vec<u64> = match st.keys.get(&(dbi, key.clone())) {
        Some(q) => q.values().copied().collect(),
        None => return,
    };
    for client in order {
        let kind = db.get(key).and_then(|e| Kind::of(&e.value));
        let Some(w) = st.waiters.get(&client) else {
            continue;
        };
        // XREADGROUP is re-run even when its stream is gone or replaced, to get its error
        // (NOGROUP, WRONGTYPE), as Redis 7.4 re-processes it.
        if (Some(w.cmd.kind()) != kind && !w.cmd.runs_without_data()) || w.db != dbi {
            continue;
        }
        let mut out = ReplyBuf::new(w.protocol);
        match w.cmd.serve(shared, db, dbi, fill, &mut out) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => {
                shared
                    .stats
                    .total_error_replies
                    .fetch_add(1, Ordering::Relaxed);
                e.write_to(&mut out);
            }
        }
        if let Some(w) = st.remove(client) {
            b.forget(&w);
            let _ = w.tx.send(Outcome::Reply(out.take()));
        }
    }
}

/// Waits for the end of the blocked command of `state` (set by its handler): served, timed
/// out, unblocked, or the client gone. Meanwhile it keeps reading the socket into `input`
/// (what the client pipelines runs after the wait, as in Redis) so that a disconnect is
/// noticed. Writes the command's reply to `out`; returns false when the connection must close.
pub async fn wait(
    shared: &Arc<Shared>,
    state: &mut ConnState,
    out: &mut ReplyBuf,
    rd: &Transport,
    input: &mut BytesMut,
) -> bool {
    let Some(ticket) = state.blocked.take() else {
        return true;
    };
    let handle = state.handle.clone();
    let id = handle.id;
    let mut rx = ticket.rx;
    let mut deadline = ticket.deadline;
    let mut stop = shared.shutdown_signal();
    let outcome = loop {
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            r = &mut rx => break r.ok(),
            _ = timer => {
                if shared.blocking.cancel(id) {
                    break Some(Outcome::Timeout);
                }
                // Served or unblocked at the same moment: the outcome is in the channel.
                deadline = None;
            }
            _ = handle.outbox.wake_reader.notified() => {
                if handle.outbox.closed().is_some() {
                    break None;
                }
            }
            _ = stop.wait_for(|s| *s) => break None,
            r = rd.readable() => {
                if r.is_err() {
                    break None;
                }
                input.reserve(READ_CHUNK);
                match rd.try_read_buf(input) {
                    Ok(0) => break None,
                    Ok(n) => {
                        shared
                            .stats
                            .net_input_bytes
                            .fetch_add(n as u64, Ordering::Relaxed);
                        let limit = shared.hot.query_buffer_limit.load(Ordering::Relaxed);
                        if input.len() as u64 > limit {
                            tracing::debug!(id, "blocked client reached the query buffer limit");
                            break None;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => break None,
                }
            }
        }
    };
    let Some(outcome) = outcome else {
        // Disconnected, killed or shutting down. If it was served at the same instant, the
        // reply has nowhere to go (as when a Redis client dies right after being served).
        shared.blocking.cancel(id);
        return false;
    };
    if ticket.suppress_reply {
        return true;
    }
    match outcome {
        Outcome::Reply(bytes) => out.raw(&bytes),
        Outcome::Timeout => out.null_array(),
        Outcome::Error => {
            shared
                .stats
                .total_error_replies
                .fetch_add(1, Ordering::Relaxed);
            out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
        }
    }
    true
}
