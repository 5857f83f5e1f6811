//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Queueing happens in the dispatcher (see `commands::check_and_run`); EXEC runs the queue while
//! holding the server's exec gate for writing, so no other client's keyspace command can run in
//! between: the transaction is atomic, as in Redis.

use super::{check_and_run, CmdError, CmdResult, Ctx};
use crate::storage::WatchFlag;
use bytes::Bytes;
use std::sync::atomic::Ordering;

/// A key watched by WATCH: which database, which key, and whether it was already logically
/// expired when watched (so that only an expiry *after* WATCH aborts EXEC, as in Redis 7).
#[derive(Debug, Clone)]
pub struct Watched {
    pub db: usize,
    pub key: Bytes,
    pub was_expired: bool,
}

/// MULTI
pub fn multi(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    if ctx.conn.multi.is_some() {
        return Err(CmdError::Other("MULTI calls can not be nested".into()));
    }
    ctx.conn.multi = Some(Vec::new());
    ctx.conn.multi_dirty = false;
    ctx.out.ok();
    Ok(())
}

/// Forgets every watched key (UNWATCH, EXEC, DISCARD, RESET, disconnect).
pub fn unwatch_all(ctx: &mut Ctx<'_>) {
    if ctx.conn.watched.is_empty() {
        return;
    }
    let flag: WatchFlag = ctx.conn.watch_flag.clone();
    let mut ks = ctx.shared.keyspace();
    for w in ctx.conn.watched.drain(..) {
        if w.db < ks.len() {
            ks.db(w.db).unwatch(&w.key, &flag);
        }
    }
    flag.store(false, Ordering::Relaxed);
}

/// DISCARD
pub fn discard(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    if ctx.conn.multi.take().is_none() {
        return Err(CmdError::Other("DISCARD without MULTI".into()));
    }
    ctx.conn.multi_dirty = false;
    unwatch_all(ctx);
    ctx.out.ok();
    Ok(())
}

/// True if a watched key was modified, or expired after it was watched (the keyspace applies
/// Redis 7's rules for keys that were already stale when watched).
fn watch_broken(ctx: &Ctx<'_>) -> bool {
    if ctx.conn.watch_flag.load(Ordering::Relaxed) {
        return true;
    }
    let mut ks = ctx.shared.keyspace();
    let flag = &ctx.conn.watch_flag;
    ctx.conn
        .watched
        .iter()
        .any(|w| w.db < ks.len() && ks.db(w.db).watched_key_expired(&w.key, flag))
}

/// EXEC
pub fn exec(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let Some(queue) = ctx.conn.multi.take() else {
        return Err(CmdError::Other("EXEC without MULTI".into()));
    };
    if std::mem::take(&mut ctx.conn.multi_dirty) {
        unwatch_all(ctx);
        return Err(CmdError::Coded(
            "EXECABORT Transaction discarded because of previous errors.".into(),
        ));
    }
    let shared = ctx.shared.clone();
    let _gate = shared.exec_gate_exclusive();
    if watch_broken(ctx) {
        unwatch_all(ctx);
        ctx.out.null_array();
        return Ok(());
    }
    unwatch_all(ctx);
    ctx.out.array(queue.len());
    ctx.conn.in_exec = true;
    // The AOF gets the transaction's effects between MULTI and EXEC.
    crate::aof::propagate::begin_exec();
    for cmd in &queue {
        if let Err(e) = check_and_run(ctx, cmd) {
            ctx.out.error(&e.to_string());
        }
    }
    shared.aof.end_exec();
    ctx.conn.in_exec = false;
    Ok(())
}

/// WATCH key [key ...]
pub fn watch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if ctx.conn.multi.is_some() {
        return Err(CmdError::Other("WATCH inside MULTI is not allowed".into()));
    }
    let db_index = ctx.conn.db;
    let flag = ctx.conn.watch_flag.clone();
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(db_index);
    for key in &args[1..] {
        if ctx
            .conn
            .watched
            .iter()
            .any(|w| w.db == db_index && w.key == *key)
        {
            continue;
        }
        let key = Bytes::copy_from_slice(key);
        db.watch(key.clone(), &flag);
        ctx.conn.watched.push(Watched {
            db: db_index,
            was_expired: db.is_logically_expired(&key),
            key,
        });
    }
    drop(ks);
    ctx.out.ok();
    Ok(())
}

/// UNWATCH
pub fn unwatch(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    unwatch_all(ctx);
    ctx.out.ok();
    Ok(())
}
