//! BGREWRITEAOF and the automatic rewrite: replaces the AOF with the shortest command stream
//! that rebuilds the current keyspace, in the background.
//!
//! Herald has no fork, so there is no copy-on-write snapshot. Instead:
//!
//! 1. Under the keyspace lock the keyspace starts recording which keys change
//!    ([`Keyspace::start_change_tracking`]: every `Db::touch`, plus whole databases for
//!    FLUSHDB/FLUSHALL/SWAPDB).
//! 2. Each database is dumped into a temporary file in slices of about a millisecond under the
//!    lock, walking it with SCAN's cursor (which returns every key present for the whole walk;
//!    a key met twice is dumped once).
//! 3. Catch-up rounds: the changes recorded so far are taken (and recording starts afresh),
//!    and the keys that changed are written again, in lock slices, as `DEL key` plus their
//!    current state (a database that changed wholesale as `FLUSHDB` plus a new dump of it),
//!    until a round saw fewer than [`SWITCH_AT_MOST`] changed keys.
//! 4. The temporary file is fsynced, then, holding the exec gate exclusively and the keyspace
//!    lock, the keys that changed during the last round are written again the same way and
//!    the AOF writer is switched to the file, dropping the records it had not written yet for
//!    the old one. Released, the file is fsynced, renamed over the AOF and the directory
//!    fsynced; until then `appendfsync always` replies for records in the new file are held
//!    back (a crash before the rename leaves the old file, which lacks only unacknowledged
//!    records).
//!
//! Why this is exact: a key that never changed after step 1 has the same value in every slice,
//! so its dump is its current state. Every other key was touched, so the file ends with its
//! current state after a DEL that discards whatever was dumped of it before: a key re-dumped in
//! a round either stays unchanged afterwards (the re-dump is its current state) or is recorded
//! again and re-dumped later. Keys created or deleted during the walk were touched too. Step 4
//! runs with no command in flight (the exec gate excludes both transactions and single
//! commands), and everything the old file had pending is part of the state written, so the
//! switch loses and repeats nothing. Its cost under the lock is proportional to the keys
//! written during the last catch-up round, not during the whole rewrite.

use super::{encode_command, int_arg, lock, open_append, AofError, Core};
use crate::server::Shared;
use crate::storage::hash::FieldTtl;
use crate::storage::{now_ms, Db, Entry, Value};
use bytes::Bytes;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// Items per RPUSH/SADD/ZADD/HSET command in the rewritten file (Redis's
/// `AOF_REWRITE_ITEMS_PER_CMD`).
const ITEMS_PER_CMD: usize = 64;
/// An automatic rewrite is not retried sooner than this after a failure (Redis waits too).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60);
/// Catch-up rounds at most before the switch.
const CATCH_UP_ROUNDS: usize = 8;
/// The switch happens once a round saw fewer changed keys than this.
const SWITCH_AT_MOST: usize = 1000;
/// Changed keys re-dumped per hold of the keyspace lock in a catch-up round.
const KEYS_PER_SLICE: usize = 256;
/// Longest hold of the keyspace lock while dumping.
const SLICE: Duration = Duration::from_millis(1);

/// Starts a rewrite in a background thread (BGREWRITEAOF, auto-rewrite, CONFIG SET appendonly
/// yes).
pub fn start(shared: &Arc<Shared>) -> Result<(), AofError> {
    let core = shared.aof.core.clone();
    if core.stats.rewrite_in_progress.swap(true, Ordering::SeqCst) {
        return Err(AofError::RewriteInProgress);
    }
    *lock(&core.stats.rewrite_started) = Some(Instant::now());
    shared.keyspace().start_change_tracking();
    let server = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("herald-aof-rw".into())
        .spawn(move || {
            let started = Instant::now();
            let result = run(&server);
            finish(&server, result, started);
        });
    if let Err(e) = spawned {
        shared.keyspace().take_changes();
        core.stats
            .rewrite_in_progress
            .store(false, Ordering::SeqCst);
        *lock(&core.stats.rewrite_started) = None;
        return Err(AofError::Io {
            what: "can't start the rewrite thread",
            path: String::new(),
            source: e,
        });
    }
    Ok(())
}

fn finish(shared: &Shared, result: Result<(), AofError>, started: Instant) {
    let s = &shared.aof.core.stats;
    match &result {
        Ok(()) => {
            tracing::info!("Background AOF rewrite finished successfully");
            s.last_rewrite_ok.store(true, Ordering::Relaxed);
            s.rewrites_consecutive_failures.store(0, Ordering::Relaxed);
        }
        Err(AofError::Cancelled) => tracing::info!("Background AOF rewrite cancelled"),
        Err(e) => {
            tracing::warn!("Background AOF rewrite failed: {e}");
            s.last_rewrite_ok.store(false, Ordering::Relaxed);
            s.rewrites_consecutive_failures
                .fetch_add(1, Ordering::Relaxed);
            *lock(&s.last_failure) = Some(Instant::now());
        }
    }
    if result.is_err() {
        shared.keyspace().take_changes();
    }
    s.last_rewrite_ms
        .store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
    *lock(&s.rewrite_started) = None;
    s.rewrites.fetch_add(1, Ordering::SeqCst);
    s.rewrite_in_progress.store(false, Ordering::SeqCst);
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> AofError + 'a {
    move |source| AofError::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}

/// Appends the commands that recreate `key` (skipped if it is logically expired at `now`).
pub fn dump_entry(out: &mut Vec<u8>, key: &[u8], e: &Entry, now: i64) {
    if e.expires_at.is_some_and(|at| now > at) {
        return;
    }
    match &e.value {
        Value::Stream(st) => super::stream::dump(out, key, st),
        Value::String(v) => encode_command(out, &[&b"SET"[..], key, v]),
        Value::List(l) => batched(out, b"RPUSH", key, l.iter().map(|i| vec![i.to_vec()])),
        Value::Set(s) => batched(
            out,
            b"SADD",
            key,
            s.iter().map(|m| vec![m.with_bytes(|b| b.to_vec())]),
        ),
        Value::ZSet(z) => batched(
            out,
            b"ZADD",
            key,
            z.iter()
                .map(|(m, score)| vec![format_score(score).into_bytes(), m.to_vec()]),
        ),
        Value::Hash(h) => {
            batched(
                out,
                b"HSET",
                key,
                h.iter().map(|(f, v)| vec![f.to_vec(), v.to_vec()]),
            );
            for (f, _) in h.iter() {
                if let FieldTtl::At(at) = h.field_ttl(f) {
                    encode_command(
                        out,
                        &[&b"HPEXPIREAT"[..], key, &int_arg(at), b"FIELDS", b"1", f],
                    );
                }
            }
        }
    }
    if let Some(at) = e.expires_at {
        encode_command(out, &[&b"PEXPIREAT"[..], key, &int_arg(at)]);
    }
}

/// A score that parses back to the same double (shortest round-trip form; `inf`/`-inf`).
fn format_score(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    format!("{v}")
}

/// `cmd key items...` in commands of at most [`ITEMS_PER_CMD`] items.
fn batched(out: &mut Vec<u8>, cmd: &[u8], key: &[u8], items: impl Iterator<Item = Vec<Vec<u8>>>) {
    let mut args: Vec<Vec<u8>> = vec![cmd.to_vec(), key.to_vec()];
    let mut n = 0;
    for item in items {
        args.extend(item);
        n += 1;
        if n == ITEMS_PER_CMD {
            encode_command(out, &args);
            args.truncate(2);
            n = 0;
        }
    }
    if n > 0 {
        encode_command(out, &args);
    }
}

fn select(out: &mut Vec<u8>, db: usize) {
    encode_command(out, &[&b"SELECT"[..], &int_arg(db as i64)]);
}

/// The rewrite itself (see the module documentation).
fn run(shared: &Arc<Shared>) -> Result<(), AofError> {
    let (path, dir) = {
        let c = shared.config();
        (super::path_of(&c), PathBuf::from(&c.rdb.dir))
    };
    let temp = dir.join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()));
    let result = write_and_switch(shared, &path, &dir, &temp);
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Dumps database `dbi` into `file` in lock slices of about [`SLICE`], walking it with SCAN's
/// cursor (a key met twice is dumped once).
fn dump_db(
    shared: &Shared,
    dbi: usize,
    file: &mut std::fs::File,
    temp: &Path,
) -> Result<(), AofError> {
    let mut chunk = Vec::new();
    let mut dumped: HashSet<Bytes> = HashSet::new();
    let mut cursor = 0u64;
    let mut selected = false;
    loop {
        {
            let ks = shared.keyspace();
            let Some(db) = ks.db_ref(dbi) else {
                return Ok(());
            };
            let t = Instant::now();
            let now = now_ms();
            loop {
                let (next, keys) = db.scan(cursor, 64);
                for k in keys {
                    let Some(e) = db.entry_ref(&k) else { continue };
                    if !dumped.insert(k.clone()) {
                        continue;
                    }
                    if !selected {
                        select(&mut chunk, dbi);
                        selected = true;
                    }
                    dump_entry(&mut chunk, &k, e, now);
                }
                cursor = next;
                if cursor == 0 || t.elapsed() >= SLICE {
                    break;
                }
            }
        }
        file.write_all(&chunk).map_err(io("can't write", temp))?;
        chunk.clear();
        if !shared.aof.rewrite_wanted() {
            return Err(AofError::Cancelled);
        }
        if cursor == 0 {
            return Ok(());
        }
    }
}

/// `DEL key` plus the current state of each key (the keys that changed while a dump ran).
fn redump_keys<'a>(out: &mut Vec<u8>, db: &Db, keys: impl Iterator<Item = &'a Bytes>, now: i64) {
    for k in keys {
        encode_command(out, &[&b"DEL"[..], k]);
        if let Some(e) = db.entry_ref(k) {
            dump_entry(out, k, e, now);
        }
    }
}

/// Catch-up rounds before the exclusive switch: re-dumps what changed during the previous
/// round (in lock slices, tracking changes afresh), until little is left, so that the switch,
/// which holds every client off, only writes what changed during the last round.
fn catch_up(shared: &Shared, file: &mut std::fs::File, temp: &Path) -> Result<(), AofError> {
    for _ in 0..CATCH_UP_ROUNDS {
        let changes = {
            let mut ks = shared.keyspace();
            let c = ks.take_changes();
            ks.start_change_tracking();
            c
        };
        let mut changed = 0usize;
        for (dbi, ch) in changes.into_iter().enumerate() {
            if ch.all {
                changed += SWITCH_AT_MOST;
                let mut head = Vec::new();
                select(&mut head, dbi);
                encode_command(&mut head, &[b"FLUSHDB"]);
                file.write_all(&head).map_err(io("can't write", temp))?;
                dump_db(shared, dbi, file, temp)?;
                continue;
            }
            changed += ch.keys.len();
            let keys: Vec<Bytes> = ch.keys.into_iter().collect();
            for part in keys.chunks(KEYS_PER_SLICE) {
                let mut chunk = Vec::new();
                select(&mut chunk, dbi);
                {
                    let ks = shared.keyspace();
                    let Some(db) = ks.db_ref(dbi) else { break };
                    redump_keys(&mut chunk, db, part.iter(), now_ms());
                }
                file.write_all(&chunk).map_err(io("can't write", temp))?;
            }
            if !shared.aof.rewrite_wanted() {
                return Err(AofError::Cancelled);
            }
        }
        if changed < SWITCH_AT_MOST {
            break;
        }
    }
    Ok(())
}

fn write_and_switch(
    shared: &Arc<Shared>,
    path: &Path,
    dir: &Path,
    temp: &Path,
) -> Result<(), AofError> {
    let mut file = std::fs::File::create(temp).map_err(io("can't create", temp))?;
    let ndb = shared.keyspace().len();
    for dbi in 0..ndb {
        dump_db(shared, dbi, &mut file, temp)?;
    }
    catch_up(shared, &mut file, temp)?;
    let chunk = Vec::new();
    file.sync_data().map_err(io("can't fsync", temp))?;

    // The switch: nothing else runs meanwhile. Only the last changes are written under it;
    // the writer goes on in the new file while it is fsynced and renamed, and with `appendfsync
    // always` no reply is released until that is done (`switching`).
    let core = &shared.aof.core;
    core.switching.store(true, Ordering::SeqCst);
    let switched = switch(shared, &mut file, chunk, temp);
    let durable = switched.and_then(|()| {
        file.sync_data().map_err(io("can't fsync", temp))?;
        std::fs::rename(temp, path).map_err(io("can't rename the rewritten AOF to", path))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    });
    core.switching.store(false, Ordering::SeqCst);
    // Publishes what the new file holds as fsynced (the writer held that back meanwhile).
    super::writer::flush(core, true);
    durable
}

/// The exclusive step: the keys changed during the last catch-up round are written to the new
/// file, and the writer is pointed at it.
fn switch(
    shared: &Shared,
    file: &mut std::fs::File,
    mut chunk: Vec<u8>,
    temp: &Path,
) -> Result<(), AofError> {
    let _gate = shared.exec_gate_exclusive();
    let started = Instant::now();
    let mut ks = shared.keyspace();
    if !shared.aof.rewrite_wanted() {
        return Err(AofError::Cancelled);
    }
    let changes = ks.take_changes();
    let now = now_ms();
    for (dbi, ch) in changes.into_iter().enumerate() {
        if !ch.all && ch.keys.is_empty() {
            continue;
        }
        let Some(db) = ks.db_ref(dbi) else {
            continue;
        };
        select(&mut chunk, dbi);
        if ch.all {
            encode_command(&mut chunk, &[b"FLUSHDB"]);
            for (k, e) in db.iter() {
                dump_entry(&mut chunk, k, e, now);
            }
        } else {
            redump_keys(&mut chunk, db, ch.keys.iter(), now);
        }
    }
    file.write_all(&chunk).map_err(io("can't write", temp))?;
    let new = open_append(temp)?;
    let size = new.metadata().map(|m| m.len()).unwrap_or(0);
    let s = &shared.aof.core.stats;
    s.current_size.store(size, Ordering::Relaxed);
    s.base_size.store(size, Ordering::Relaxed);
    if shared.aof.feeding() {
        shared.aof.install_file(new, false);
    }
    drop(ks);
    tracing::info!(
        "AOF rewrite: the switch to the new file held clients for {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

impl super::Aof {
    /// A rewrite should go on: the AOF is on, or BGREWRITEAOF was asked with it off (the
    /// server is not shutting down either way).
    fn rewrite_wanted(&self) -> bool {
        !lock(&self.core.feed).stop
    }
}

/// Starts a rewrite if the file grew past `auto-aof-rewrite-percentage` of its size after the
/// last rewrite (and past `auto-aof-rewrite-min-size`), as Redis's `serverCron` does.
pub(super) fn maybe_auto_rewrite(core: &Core) {
    let perc = core.rewrite_percentage.load(Ordering::Relaxed);
    if perc == 0 || core.stats.rewrite_in_progress.load(Ordering::Relaxed) {
        return;
    }
    let size = core.stats.current_size.load(Ordering::Relaxed);
    if size < core.rewrite_min_size.load(Ordering::Relaxed) {
        return;
    }
    if lock(&core.stats.last_failure).is_some_and(|t| t.elapsed() < RETRY_AFTER_FAILURE) {
        return;
    }
    let base = core.stats.base_size.load(Ordering::Relaxed).max(1);
    let growth = size.saturating_sub(base) * 100 / base;
    if growth < perc {
        return;
    }
    if let Some(shared) = core.server.get().and_then(Weak::upgrade) {
        tracing::info!("Starting automatic rewriting of AOF on {growth}% growth");
        if let Err(e) = start(&shared) {
            tracing::debug!("automatic AOF rewrite not started: {e}");
        }
    }
}
