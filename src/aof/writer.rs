//! The AOF writer thread: moves the feed buffer to the file and fsyncs as `appendfsync` asks,
//! so that commands never wait for the disk (except with `always`, where the replies wait for
//! the group fsync that covers them).

use super::{lock, Core, FsyncPolicy};
use std::fs::File;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the writer sleeps when idle (the `everysec` fsync tick).
const TICK: Duration = Duration::from_secs(1);
/// With `everysec` or `no`, the pause after each write during which records accumulate.
const GATHER: Duration = Duration::from_millis(1);

/// Writes everything pending to the file, fsyncing after it if `sync` (or if the policy says
/// so) and publishing the offset fsynced. Returns false if a write failed (the data is kept and
/// retried).
pub(super) fn flush(core: &Core, sync: bool) -> bool {
    let order = lock(&core.write_lock);
    let (data, file, end) = {
        let mut f = lock(&core.feed);
        let Some(file) = f.file.clone() else {
            return true;
        };
        // With `sync` the fsync happens even with nothing new: it also publishes the offset
        // (after a rewrite's switch, which held publishing back).
        if f.buf.is_empty() && !sync {
            return true;
        }
        let data = std::mem::take(&mut f.buf);
        (data, file, f.fed)
    };
    core.room.notify_all();
    if !data.is_empty() {
        if let Err(e) = (&*file).write_all(&data) {
            tracing::warn!("error writing to the AOF: {e}");
            core.stats.last_write_ok.store(false, Ordering::Relaxed);
            // Put the data back in front so that nothing is lost or reordered.
            let mut f = lock(&core.feed);
            let mut rest = data;
            rest.extend_from_slice(&f.buf);
            f.buf = rest;
            return false;
        }
        core.stats.last_write_ok.store(true, Ordering::Relaxed);
        core.stats
            .current_size
            .fetch_add(data.len() as u64, Ordering::Relaxed);
    }
    // The fsync needs no ordering with later writes (it covers at least this chunk), and must
    // not hold a rewrite's switch to a new file back.
    drop(order);
    let policy = core.policy();
    if sync || policy == FsyncPolicy::Always {
        fsync(core, &file, end);
    } else {
        lock(&core.feed).unsynced = true;
    }
    true
}

fn fsync(core: &Core, file: &File, end: u64) {
    // Cleared first: a write that lands during the fsync sets it again.
    lock(&core.feed).unsynced = false;
    match file.sync_data() {
        Ok(()) if core.switching.load(Ordering::SeqCst) => {
            // Synced in a file not yet renamed into place: the rewrite publishes it.
        }
        Ok(()) => {
            core.synced.send_modify(|s| *s = (*s).max(end));
        }
        Err(e) => {
            lock(&core.feed).unsynced = true;
            core.stats.last_write_ok.store(false, Ordering::Relaxed);
            tracing::warn!("error fsyncing the AOF: {e}");
        }
    }
}

/// The thread's loop: runs until [`super::Aof::shutdown`].
pub(super) fn run(core: Arc<Core>) {
    let mut last_fsync = Instant::now();
    loop {
        {
            let mut f = lock(&core.feed);
            while f.buf.is_empty() || f.file.is_none() {
                if f.stop {
                    return;
                }
                if f.unsynced
                    && f.file.is_some()
                    && core.policy() == FsyncPolicy::Everysec
                    && last_fsync.elapsed() >= TICK
                {
                    break;
                }
                f.writer_idle = true;
                let (g, _) = core
                    .wake
                    .wait_timeout(f, TICK)
                    .unwrap_or_else(|e| e.into_inner());
                f = g;
                f.writer_idle = false;
            }
        }
        let policy = core.policy();
        let due = policy == FsyncPolicy::Everysec && last_fsync.elapsed() >= TICK;
        if !flush(&core, due) {
            std::thread::sleep(TICK);
            continue;
        }
        if due || policy == FsyncPolicy::Always {
            last_fsync = Instant::now();
        }
        super::rewrite::maybe_auto_rewrite(&core);
        if policy != FsyncPolicy::Always {
            // Nobody waits for these writes: gather a millisecond of records per write (Redis
            // writes once per event-loop turn) instead of being woken for every command.
            std::thread::sleep(GATHER);
        }
    }
}
