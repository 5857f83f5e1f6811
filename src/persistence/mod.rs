//! Persistence: RDB snapshots (SAVE, BGSAVE, `save` rules, loading at start-up, saving at
//! shutdown) and the INFO persistence section. The append-only file lives beside it (its own
//! module) and plugs into [`on_shutdown`] and [`info_section`].
//!
//! # Point-in-time BGSAVE
//!
//! BGSAVE forks, as Redis does: the child process gets a copy-on-write image of the whole
//! address space at the instant of the fork (taken while holding the keyspace lock, so no
//! command is half-applied), serializes it to a temporary file, and exits; the parent goes on
//! serving clients at once. The only pause clients see is the `fork()` call itself (copying
//! page tables: milliseconds per GB), reported as `latest_fork_usec`. Normal commands pay
//! nothing and entries carry no snapshot bookkeeping; the price is memory for pages written
//! during the save, as in Redis. The child runs only our serializer and `_exit`s: it takes no
//! lock but the keyspace guard it inherited, writes no log, and closes the inherited sockets.

pub mod crc64;
pub mod lzf;
pub mod rdb;

use crate::config::Config;
use crate::server::Shared;
use crate::storage::Keyspace;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;

/// Redis 7's default `save` rules: after 3600 s if 1 change, 300 s if 100, 60 s if 10000.
pub const REDIS_DEFAULT_SAVE: [(u64, u64); 3] = [(3600, 1), (300, 100), (60, 10000)];

/// After a failed BGSAVE, `save` rules wait this long before trying again (Redis's
/// `CONFIG_BGSAVE_RETRY_DELAY`).
const BGSAVE_RETRY_DELAY_SECS: i64 = 5;

/// What write commands get while snapshots fail and `stop-writes-on-bgsave-error` is on.
pub const MISCONF_ERROR: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// The snapshot directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdbConfig {
    /// `save`: `(seconds, changes)` rules; empty turns automatic snapshots off.
    pub save: Vec<(u64, u64)>,
    /// `dir`: where the snapshot (and the AOF) live.
    pub dir: String,
    /// `dbfilename`.
    pub dbfilename: String,
    /// `rdbcompression`.
    pub compression: bool,
    /// `rdbchecksum`.
    pub checksum: bool,
    /// `stop-writes-on-bgsave-error`.
    pub stop_writes_on_bgsave_error: bool,
}

impl Default for RdbConfig {
    /// The embeddable server's defaults: Redis's, except that no `save` rule is set (the
    /// `herald-server` binary applies Redis's rules), so an embedding or a test never writes
    /// files it did not ask for.
    fn default() -> Self {
        RdbConfig {
            save: Vec::new(),
            dir: ".".into(),
            dbfilename: "dump.rdb".into(),
            compression: true,
            checksum: true,
            stop_writes_on_bgsave_error: true,
        }
    }
}

impl RdbConfig {
    /// The snapshot's path.
    pub fn path(&self) -> PathBuf {
        Path::new(&self.dir).join(&self.dbfilename)
    }

    /// `save` as CONFIG GET shows it.
    pub fn save_text(&self) -> String {
        self.save
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses `save` arguments (`""` or pairs of integers).
    pub fn parse_save(args: &[String]) -> Result<Vec<(u64, u64)>, String> {
        let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
        if !words.len().is_multiple_of(2) {
            return Err("Invalid save parameters".into());
        }
        words
            .chunks(2)
            .map(|p| match (p[0].parse::<u64>(), p[1].parse::<u64>()) {
                (Ok(s), Ok(c)) => Ok((s, c)),
                _ => Err("Invalid save parameters".to_string()),
            })
            .collect()
    }
}

/// Why a save or load failed.
#[derive(Debug, Error)]
pub enum PersistError {
    /// Writing or renaming the file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A background save is running.
    #[error("Background save already in progress")]
    InProgress,
    /// `fork()` failed.
    #[error("Can't save in background: fork: {0}")]
    Fork(std::io::Error),
    /// The file could not be loaded.
    #[error(transparent)]
    Load(#[from] rdb::RdbError),
}

/// A BGSAVE child being waited for.
#[derive(Debug)]
struct Child {
    pid: i32,
    started: Instant,
    /// `dirty` when the snapshot was taken: what is saved once the child succeeds.
    dirty_at_fork: u64,
    tmp: PathBuf,
    target: PathBuf,
    /// Copy-on-write bytes last measured (`current_cow_size`), their peak, and when sampled.
    cow: u64,
    cow_peak: u64,
    cow_at: Option<Instant>,
}

/// Bytes of the child's memory no longer shared with the parent (pages either side wrote
/// since the fork): the `Private_Dirty` total of `/proc/<pid>/smaps_rollup`, which is what
/// Redis's child reports about itself. `None` where the file is unavailable.
fn cow_bytes(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Private_Dirty:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Samples the running child's copy-on-write size about once a second (reading the page
/// table summary costs kernel time proportional to the dataset).
fn sample_cow(shared: &Shared) {
    let mut slot = shared.persistence.child();
    let Some(child) = slot.as_mut() else {
        return;
    };
    if child
        .cow_at
        .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
    {
        return;
    }
    if let Some(b) = cow_bytes(child.pid) {
        child.cow = b;
        child.cow_peak = child.cow_peak.max(b);
    }
    child.cow_at = Some(Instant::now());
}

/// Snapshot state and INFO persistence counters (Redis's `server.lastsave`, `dirty`, ...).
#[derive(Debug)]
pub struct State {
    /// Keyspace `dirty` at the last successful save (or load).
    dirty_at_last_save: AtomicU64,
    /// Unix seconds of the last successful save (LASTSAVE).
    last_save: AtomicI64,
    /// Unix seconds of the last BGSAVE attempt.
    last_bgsave_try: AtomicI64,
    /// Whether the last BGSAVE succeeded.
    last_bgsave_ok: AtomicBool,
    /// Duration of the last BGSAVE in seconds (-1: none yet).
    last_bgsave_secs: AtomicI64,
    /// Successful saves since start.
    saves: AtomicU64,
    /// Microseconds the last fork took (`latest_fork_usec`).
    latest_fork_usec: AtomicU64,
    /// Microseconds the keyspace lock was held to start the last BGSAVE (a Herald field).
    latest_bgsave_lock_usec: AtomicU64,
    /// Peak copy-on-write bytes of the last BGSAVE (`rdb_last_cow_size`).
    last_cow_size: AtomicU64,
    /// A BGSAVE SCHEDULE waiting for the running one to end.
    scheduled: AtomicBool,
    child: Mutex<Option<Child>>,
    /// What the start-up load found (`rdb_last_load_keys_loaded` / `_expired`).
    loaded: rdb::LoadStats,
}

fn unix_now() -> i64 {
    crate::storage::now_ms() / 1000
}

impl State {
    /// Fresh state for a keyspace whose modification counter is at `dirty`, loaded as
    /// `loaded` says.
    pub fn new(dirty: u64, loaded: rdb::LoadStats) -> State {
        State {
            dirty_at_last_save: AtomicU64::new(dirty),
            last_save: AtomicI64::new(unix_now()),
            last_bgsave_try: AtomicI64::new(0),
            last_bgsave_ok: AtomicBool::new(true),
            last_bgsave_secs: AtomicI64::new(-1),
            saves: AtomicU64::new(0),
            latest_fork_usec: AtomicU64::new(0),
            latest_bgsave_lock_usec: AtomicU64::new(0),
            last_cow_size: AtomicU64::new(0),
            scheduled: AtomicBool::new(false),
            child: Mutex::new(None),
            loaded,
        }
    }

    fn child(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True while a BGSAVE child runs.
    pub fn bgsave_in_progress(&self) -> bool {
        self.child().is_some()
    }

    /// Unix time of the last successful save (LASTSAVE).
    pub fn last_save(&self) -> i64 {
        self.last_save.load(Ordering::Relaxed)
    }

    /// `latest_fork_usec`.
    pub fn latest_fork_usec(&self) -> u64 {
        self.latest_fork_usec.load(Ordering::Relaxed)
    }

    fn saved(&self, dirty: u64) {
        self.dirty_at_last_save.store(dirty, Ordering::Relaxed);
        self.last_save.store(unix_now(), Ordering::Relaxed);
        self.saves.fetch_add(1, Ordering::Relaxed);
    }
}

fn write_opts(cfg: &RdbConfig) -> rdb::WriteOptions {
    rdb::WriteOptions {
        compress: cfg.compression,
        checksum: cfg.checksum,
    }
}

/// Writes `ks` to `tmp`, fsyncs it and renames it over `target` (Redis's `rdbSave`).
fn write_file(
    ks: &Keyspace,
    version: u32,
    tmp: &Path,
    target: &Path,
    opts: rdb::WriteOptions,
) -> std::io::Result<u64> {
    let file = std::fs::File::create(tmp)?;
    let out = std::io::BufWriter::with_capacity(1 << 16, file);
    let result = rdb::write_keyspace(ks, version, out, opts).and_then(|(out, n)| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(n)
    });
    match result {
        Ok(n) => {
            std::fs::rename(tmp, target)?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(tmp);
            Err(e)
        }
    }
}

/// Saves the locked keyspace in the foreground (SAVE, shutdown).
/// The caller makes sure no BGSAVE runs (its lock order is child slot, then keyspace).
pub fn save_locked(shared: &Shared, ks: &mut Keyspace) -> Result<(), PersistError> {
    let cfg = shared.config().rdb.clone();
    let target = cfg.path();
    let tmp = Path::new(&cfg.dir).join(format!("temp-{}.rdb", std::process::id()));
    let version = rdb::version_for(ks);
    let started = Instant::now();
    match write_file(ks, version, &tmp, &target, write_opts(&cfg)) {
        Ok(bytes) => {
            shared.persistence.saved(ks.dirty());
            tracing::info!(
                bytes,
                ms = started.elapsed().as_millis() as u64,
                "DB saved on disk"
            );
            Ok(())
        }
        Err(e) => {
            tracing::warn!("Failed saving the DB: {e}");
            Err(e.into())
        }
    }
}

/// SAVE: a foreground save holding the keyspace lock throughout, as Redis blocks.
pub fn save(shared: &Shared) -> Result<(), PersistError> {
    if shared.persistence.bgsave_in_progress() {
        return Err(PersistError::InProgress);
    }
    let mut ks = shared.keyspace();
    save_locked(shared, &mut ks)
}

/// Starts a BGSAVE. Errors if one is running.
pub fn bgsave(shared: &Shared) -> Result<(), PersistError> {
    let mut slot = shared.persistence.child();
    if slot.is_some() {
        return Err(PersistError::InProgress);
    }
    let cfg = shared.config().rdb.clone();
    let opts = write_opts(&cfg);
    let target = cfg.path();
    shared
        .persistence
        .last_bgsave_try
        .store(unix_now(), Ordering::Relaxed);
    let lock_start = Instant::now();
    let mut ks = shared.keyspace();
    let version = rdb::version_for(&mut ks);
    let dirty = ks.dirty();
    // The child writes to a file named after its own pid, as Redis's `temp-<pid>.rdb`; the
    // parent learns the pid from fork, so the name is derived from the parent's pid and a
    // counter instead, known to both before the fork.
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let tmp = Path::new(&cfg.dir).join(format!(
        "temp-{}-{}.rdb",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let fork_start = Instant::now();
    let pid = fork_and_save(&ks, version, &tmp, &target, opts);
    let fork_usec = fork_start.elapsed().as_micros() as u64;
    drop(ks);
    let lock_usec = lock_start.elapsed().as_micros() as u64;
    let pid = match pid {
        Ok(pid) => pid,
        Err(e) => {
            shared
                .persistence
                .last_bgsave_ok
                .store(false, Ordering::Relaxed);
            tracing::warn!("Can't save in background: fork: {e}");
            return Err(PersistError::Fork(e));
        }
    };
    let p = &shared.persistence;
    p.latest_fork_usec.store(fork_usec, Ordering::Relaxed);
    p.latest_bgsave_lock_usec
        .store(lock_usec, Ordering::Relaxed);
    *slot = Some(Child {
        pid,
        started: Instant::now(),
        dirty_at_fork: dirty,
        tmp,
        target,
        cow: 0,
        cow_peak: 0,
        cow_at: None,
    });
    tracing::info!(pid, fork_usec, "Background saving started");
    Ok(())
}

/// Forks; the child writes the snapshot of `ks` and exits with 0 on success. Returns the
/// child's pid in the parent.
#[allow(unsafe_code)]
fn fork_and_save(
    ks: &Keyspace,
    version: u32,
    tmp: &Path,
    target: &Path,
    opts: rdb::WriteOptions,
) -> std::io::Result<i32> {
    // SAFETY: fork() in a multi-threaded process leaves the child with only this thread.
    // The child touches no lock other threads may hold: the keyspace is reached through the
    // guard this thread holds, the allocator (jemalloc) re-initialises its locks in its
    // atfork handler, and nothing is logged. It never returns into the caller's frames: it
    // leaves through `_exit`, also after a panic, which is caught.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: closing inherited descriptors (listening and client sockets) only affects
        // this child's descriptor table; stdio (0-2) stays.
        unsafe {
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
        }
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            write_file(ks, version, tmp, target, opts).is_ok()
        }))
        .unwrap_or(false);
        // SAFETY: ends the child at once, running no destructors or atexit handlers that
        // belong to the parent's state.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) }
    }
    Ok(pid)
}

/// Reaps a finished BGSAVE child, if any, and records its outcome (Redis's
/// `backgroundSaveDoneHandler`). With `wait`, blocks until it ends.
fn reap(shared: &Shared, wait: bool) {
    let mut slot = shared.persistence.child();
    let Some(child) = slot.as_ref() else {
        return;
    };
    let mut status: libc::c_int = 0;
    let flags = if wait { 0 } else { libc::WNOHANG };
    // SAFETY: waits for our own child by pid; `status` is a valid out-pointer.
    #[allow(unsafe_code)]
    let r = unsafe { libc::waitpid(child.pid, &mut status, flags) };
    if r == 0 {
        return;
    }
    let ok = r == child.pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    // A child we stopped ourselves (FLUSHALL, shutdown) is not a failed save, as in Redis.
    let killed_by_us = libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGUSR1;
    let p = &shared.persistence;
    p.last_bgsave_secs
        .store(child.started.elapsed().as_secs() as i64, Ordering::Relaxed);
    p.last_cow_size.store(child.cow_peak, Ordering::Relaxed);
    if !killed_by_us {
        p.last_bgsave_ok.store(ok, Ordering::Relaxed);
    }
    if ok {
        p.saved(child.dirty_at_fork);
        tracing::info!("Background saving terminated with success");
    } else {
        let _ = std::fs::remove_file(&child.tmp);
        tracing::warn!(
            "Background saving error (child status {status}, target {})",
            child.target.display()
        );
    }
    *slot = None;
}

/// Stops a running BGSAVE (shutdown, FLUSHALL in Redis) and removes its temporary file.
pub fn kill_bgsave(shared: &Shared) {
    let pid = shared.persistence.child().as_ref().map(|c| c.pid);
    if let Some(pid) = pid {
        // SAFETY: signals our own child process by pid.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(pid, libc::SIGUSR1);
        }
        reap(shared, true);
    }
}

/// After FLUSHALL, as Redis's `flushAllDataAndResetRDB`: a running BGSAVE would write the
/// old data, so it is stopped; with `save` rules the (now empty) snapshot is written at once.
pub fn after_flushall(shared: &Shared) {
    kill_bgsave(shared);
    if !shared.config().rdb.save.is_empty() {
        let _ = save(shared);
    }
}

/// Redis's `serverCron` persistence part, every 100 ms: reap a finished child, start a
/// scheduled BGSAVE, and apply the `save` rules.
pub fn cron(shared: &Shared) {
    reap(shared, false);
    sample_cow(shared);
    let p = &shared.persistence;
    if p.bgsave_in_progress() {
        return;
    }
    if p.scheduled.swap(false, Ordering::Relaxed) {
        let _ = bgsave(shared);
        return;
    }
    let rules = shared.config().rdb.save.clone();
    if rules.is_empty() {
        return;
    }
    let changes = changes_since_last_save(shared);
    let now = unix_now();
    let since_save = now - p.last_save();
    let may_retry = p.last_bgsave_ok.load(Ordering::Relaxed)
        || now - p.last_bgsave_try.load(Ordering::Relaxed) > BGSAVE_RETRY_DELAY_SECS;
    let due = rules
        .iter()
        .any(|&(secs, n)| changes >= n && since_save > secs as i64);
    if due && may_retry {
        tracing::info!("{changes} changes in {since_save} seconds. Saving...");
        let _ = bgsave(shared);
    }
}

/// Asks for a BGSAVE as soon as the running one ends (BGSAVE SCHEDULE).
pub fn schedule_bgsave(shared: &Shared) {
    shared.persistence.scheduled.store(true, Ordering::Relaxed);
}

/// Starts the 100 ms persistence timer; it stops on shutdown.
pub fn start_cron(shared: &Arc<Shared>) -> tokio::task::JoinHandle<()> {
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut stop = shared.shutdown_signal();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            let s = shared.clone();
            let _ = tokio::task::spawn_blocking(move || cron(&s)).await;
        }
    })
}

/// Modifications since the last successful save (`rdb_changes_since_last_save`).
pub fn changes_since_last_save(shared: &Shared) -> u64 {
    let dirty = shared.keyspace().dirty();
    dirty.saturating_sub(
        shared
            .persistence
            .dirty_at_last_save
            .load(Ordering::Relaxed),
    )
}

/// True when write commands must be refused with [`MISCONF_ERROR`]: the last BGSAVE failed,
/// `save` rules exist and `stop-writes-on-bgsave-error` is on.
pub fn writes_denied(shared: &Shared) -> bool {
    if shared.persistence.last_bgsave_ok.load(Ordering::Relaxed) {
        return false;
    }
    let cfg = shared.config();
    cfg.rdb.stop_writes_on_bgsave_error && !cfg.rdb.save.is_empty()
}

/// Loads the snapshot named by the configuration into `ks` at start-up. A missing file is an
/// empty dataset; a corrupt one is an error (the server must not start with half the data).
pub fn load_at_start(config: &Config, ks: &mut Keyspace) -> Result<rdb::LoadStats, rdb::RdbError> {
    let path = config.rdb.path();
    // With the append-only file on, it alone is the data set (Redis's loadDataFromDisk).
    if config.aof.enabled || !path.exists() {
        return Ok(rdb::LoadStats::default());
    }
    let started = Instant::now();
    let stats = rdb::load_file(&path, ks, &config.encoding, config.rdb.checksum)?;
    tracing::info!(
        keys = stats.keys,
        expired = stats.expired_skipped,
        version = stats.version,
        ms = started.elapsed().as_millis() as u64,
        "DB loaded from disk: {}",
        path.display()
    );
    Ok(stats)
}

/// `herald-server --check-rdb FILE`: loads the file into a scratch keyspace and describes it.
pub fn check_rdb(path: &Path) -> Result<String, rdb::RdbError> {
    let cfg = Config::default();
    let mut ks = Keyspace::new(cfg.databases.max(16));
    let stats = rdb::load_file(path, &mut ks, &cfg.encoding, true)?;
    Ok(format!(
        "RDB version {}: {} keys loaded, {} already expired; the file is valid",
        stats.version, stats.keys, stats.expired_skipped
    ))
}

/// How a shutdown treats the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownSave {
    /// Save if `save` rules are configured (SIGTERM, plain SHUTDOWN).
    Default,
    /// SHUTDOWN SAVE.
    Save,
    /// SHUTDOWN NOSAVE.
    NoSave,
}

/// Everything persistence does before the process exits: stop a BGSAVE child, then, holding
/// the keyspace lock, save as configured and close every client except `except` (the one
/// that sent SHUTDOWN), so no write can be acknowledged after the final snapshot. On error
/// nothing is closed and the server keeps running, as Redis refuses to exit when the final
/// save fails. The append-only file's flush and fsync belong here too.
pub fn on_shutdown(
    shared: &Shared,
    mode: ShutdownSave,
    except: Option<u64>,
) -> Result<(), PersistError> {
    kill_bgsave(shared);
    let mut ks = shared.keyspace();
    let save = match mode {
        ShutdownSave::Save => true,
        ShutdownSave::NoSave => false,
        ShutdownSave::Default => !shared.config().rdb.save.is_empty(),
    };
    if save {
        tracing::info!("Saving the final RDB snapshot before exiting.");
        save_locked(shared, &mut ks)?;
    }
    // Stop accepting first, so no client registers after the list below is taken.
    shared.request_shutdown();
    for c in shared.clients.snapshot() {
        if Some(c.id) != except {
            c.outbox.close(crate::server::outbox::CloseReason::Killed);
        }
    }
    drop(ks);
    // Outside the keyspace lock (the AOF writer never waits for it, but a rewrite slice may).
    if shared.aof.feeding() && !shared.aof.flush_and_sync() {
        tracing::warn!("Error flushing the append only file on shutdown");
    }
    Ok(())
}

/// The INFO persistence section, with Redis's field names.
pub fn info_section(shared: &Shared) -> String {
    let p = &shared.persistence;
    let child = p.child();
    let (in_progress, current_secs, cow, cow_peak, cow_age) = match child.as_ref() {
        Some(c) => (
            1,
            c.started.elapsed().as_secs() as i64,
            c.cow,
            c.cow_peak,
            c.cow_at.map_or(0, |t| t.elapsed().as_secs()),
        ),
        None => (0, -1, 0, 0, 0),
    };
    drop(child);
    format!(
        "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:{cow_peak}\r\ncurrent_cow_size:{cow}\r\ncurrent_cow_size_age:{cow_age}\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{in_progress}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{current_secs}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\nherald_bgsave_lock_usec:{}\r\n{}",
        changes_since_last_save(shared),
        p.last_save(),
        if p.last_bgsave_ok.load(Ordering::Relaxed) { "ok" } else { "err" },
        p.last_bgsave_secs.load(Ordering::Relaxed),
        p.saves.load(Ordering::Relaxed),
        p.last_cow_size.load(Ordering::Relaxed),
        p.loaded.expired_skipped,
        p.loaded.keys,
        p.latest_bgsave_lock_usec.load(Ordering::Relaxed),
        aof_info_fields(shared),
    )
}

/// The `aof_*` fields of INFO persistence, from the append-only file module.
fn aof_info_fields(shared: &Shared) -> String {
    let mut out = String::new();
    shared.aof.write_info_fields(&mut out);
    out
}
