//! The append-only file: every change to the keyspace, written as the RESP commands that redo
//! it, so that a restart replays the file and gets the data back (Redis's `aof.c`).
//!
//! * Propagation: a write command that changed the keyspace is appended while it still holds
//!   the keyspace lock (see [`propagate`] and `server::KeyspaceGuard`), so the file's order is
//!   the keyspace's order even though commands run on several threads. Commands whose effect
//!   differs from their text are rewritten by their handlers (relative TTLs become absolute,
//!   SPOP becomes SREM, blocking pops become plain pops, ...); keys deleted by expiry or
//!   eviction are written as DEL.
//! * Writing: records are encoded into one buffer under a short lock; a dedicated thread writes
//!   it to the file and fsyncs it as `appendfsync` asks. With `always` a client's replies wait
//!   until its records are fsynced (one fsync serves every client that wrote meanwhile: a group
//!   commit); with `everysec` the thread fsyncs once a second.
//! * Loading ([`load`]), the background rewrite ([`rewrite`]) and `--check-aof`.
//!
//! Unlike Redis 7's multi-part AOF (a directory with a manifest), Herald keeps one file named by
//! `appendfilename` in `dir`, the layout of Redis up to 6 (which Redis 7 still loads and
//! migrates). `appenddirname` is accepted and ignored; `aof-use-rdb-preamble` is accepted but the
//! file is always pure RESP.

pub mod load;
pub mod propagate;
pub mod rewrite;
pub mod stream;
mod writer;

use crate::config::Config;
use crate::server::Shared;
use crate::storage::Keyspace;
use std::fmt::Write as _;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Instant;
use thiserror::Error;

/// Encoded records waiting for the writer beyond this size make writers wait (the disk is
/// slower than the clients): the buffer every client can grow stays bounded.
const BUFFER_LIMIT: usize = 64 * 1024 * 1024;

/// Errors of the AOF: opening, loading, rewriting.
#[derive(Debug, Error)]
pub enum AofError {
    /// A file system operation failed.
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// The file is not a valid AOF (offset in bytes).
    #[error("Bad file format reading the append only file {path} at offset {offset}: {reason}. Make a backup of it, then use herald-server --check-aof --fix <filename>")]
    Corrupt {
        path: String,
        offset: u64,
        reason: String,
    },
    /// The file ends in the middle of a command and `aof-load-truncated` is off.
    #[error("Unexpected end of file reading the append only file {path} at offset {offset}. Make a backup of it, then use herald-server --check-aof --fix <filename>, or set aof-load-truncated yes")]
    Truncated { path: String, offset: u64 },
    /// The file names a command Herald does not know.
    #[error("Unknown command '{name}' reading the append only file {path} at offset {offset}")]
    UnknownCommand {
        name: String,
        path: String,
        offset: u64,
    },
    /// BGREWRITEAOF while one runs.
    #[error("Background append only file rewriting already in progress")]
    RewriteInProgress,
    /// The rewrite was abandoned (AOF turned off meanwhile, or shutdown).
    #[error("rewrite cancelled")]
    Cancelled,
}

/// `appendfsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum FsyncPolicy {
    /// fsync after every write, before the replies of the commands written go out.
    Always = 0,
    /// fsync once a second.
    #[default]
    Everysec = 1,
    /// Leave it to the operating system.
    No = 2,
}

impl FsyncPolicy {
    /// The name CONFIG GET shows.
    pub fn name(self) -> &'static str {
        match self {
            FsyncPolicy::Always => "always",
            FsyncPolicy::Everysec => "everysec",
            FsyncPolicy::No => "no",
        }
    }

    /// Parses a directive value (case-insensitive).
    pub fn parse(s: &str) -> Option<FsyncPolicy> {
        match s.to_ascii_lowercase().as_str() {
            "always" => Some(FsyncPolicy::Always),
            "everysec" => Some(FsyncPolicy::Everysec),
            "no" => Some(FsyncPolicy::No),
            _ => None,
        }
    }

    fn from_u8(v: u8) -> FsyncPolicy {
        match v {
            0 => FsyncPolicy::Always,
            2 => FsyncPolicy::No,
            _ => FsyncPolicy::Everysec,
        }
    }
}

/// The AOF configuration (directives in `config.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofConfig {
    /// `appendonly`.
    pub enabled: bool,
    /// `appendfilename`.
    pub filename: String,
    /// `appenddirname` (accepted, not used: see the module documentation).
    pub dirname: String,
    /// `appendfsync`.
    pub fsync: FsyncPolicy,
    /// `auto-aof-rewrite-percentage` (0 = off).
    pub rewrite_percentage: u64,
    /// `auto-aof-rewrite-min-size` in bytes.
    pub rewrite_min_size: u64,
    /// `aof-load-truncated`.
    pub load_truncated: bool,
    /// `aof-use-rdb-preamble` (accepted; the file is pure RESP).
    pub use_rdb_preamble: bool,
}

impl Default for AofConfig {
    fn default() -> Self {
        AofConfig {
            enabled: false,
            filename: "appendonly.aof".into(),
            dirname: "appendonlydir".into(),
            fsync: FsyncPolicy::Everysec,
            rewrite_percentage: 100,
            rewrite_min_size: 64 * 1024 * 1024,
            load_truncated: true,
            use_rdb_preamble: true,
        }
    }
}

/// The AOF's path for a configuration: `appendfilename` in `dir`.
pub fn path_of(cfg: &Config) -> PathBuf {
    PathBuf::from(&cfg.rdb.dir).join(&cfg.aof.filename)
}

/// What is fed and not yet written, and where it goes.
#[derive(Default)]
struct Feed {
    /// Encoded records waiting for the writer.
    buf: Vec<u8>,
    /// The database the last record in the file applies to (a SELECT precedes a change).
    last_db: Option<usize>,
    /// Bytes ever fed (a logical offset: `appendfsync always` waits for it to be synced).
    fed: u64,
    /// The open file; `None` while the AOF is off or its first rewrite is running.
    file: Option<Arc<File>>,
    /// The writer thread sleeps and must be woken.
    writer_idle: bool,
    /// The writer thread must exit.
    stop: bool,
    /// Bytes written since the last fsync.
    unsynced: bool,
}

/// Counters for INFO persistence.
#[derive(Debug, Default)]
struct Stats {
    current_size: AtomicU64,
    base_size: AtomicU64,
    rewrite_in_progress: AtomicBool,
    rewrites: AtomicU64,
    last_rewrite_ok: AtomicBool,
    rewrites_consecutive_failures: AtomicU64,
    last_rewrite_ms: AtomicU64,
    last_write_ok: AtomicBool,
    rewrite_started: Mutex<Option<Instant>>,
    /// When the last rewrite failed: automatic rewrites wait a minute before trying again.
    last_failure: Mutex<Option<Instant>>,
    delayed_fsync: AtomicU64,
}

/// The state shared by everyone who appends, the writer thread and rewrites.
pub(crate) struct Core {
    feeding: AtomicBool,
    policy: AtomicU8,
    rewrite_percentage: AtomicU64,
    rewrite_min_size: AtomicU64,
    feed: Mutex<Feed>,
    /// Wakes the writer.
    wake: Condvar,
    /// Wakes appenders waiting for room in the buffer.
    room: Condvar,
    /// Held by whoever writes to the file, so chunks reach it in feed order.
    write_lock: Mutex<()>,
    /// The logical offset known to be fsynced.
    synced: tokio::sync::watch::Sender<u64>,
    /// Deletions fed on behalf of the keyspace (expiry, eviction); changed under its lock.
    event_feeds: AtomicU64,
    /// A rewrite switched the writer to a new file not yet fsynced and renamed into place:
    /// fsyncs must not release `appendfsync always` replies until it is.
    switching: AtomicBool,
    stats: Stats,
    /// For rewrites started by the writer (auto-rewrite) or by CONFIG SET.
    server: OnceLock<Weak<Shared>>,
}

/// The AOF of one server (a field of [`Shared`]).
pub struct Aof {
    core: Arc<Core>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set once start-up loading is over: CONFIG SET appendonly acts from then on.
    started: AtomicBool,
}

impl Default for Aof {
    fn default() -> Self {
        let stats = Stats {
            last_rewrite_ok: AtomicBool::new(true),
            last_write_ok: AtomicBool::new(true),
            ..Stats::default()
        };
        Aof {
            core: Arc::new(Core {
                feeding: AtomicBool::new(false),
                policy: AtomicU8::new(FsyncPolicy::Everysec as u8),
                rewrite_percentage: AtomicU64::new(100),
                rewrite_min_size: AtomicU64::new(64 * 1024 * 1024),
                feed: Mutex::default(),
                wake: Condvar::new(),
                room: Condvar::new(),
                write_lock: Mutex::new(()),
                synced: tokio::sync::watch::channel(0).0,
                event_feeds: AtomicU64::new(0),
                switching: AtomicBool::new(false),
                stats,
                server: OnceLock::new(),
            }),
            writer: Mutex::new(None),
            started: AtomicBool::new(false),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Appends `args` as a RESP multibulk command.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    let mut num = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(num.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(num.format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// The decimal text of an integer, for building propagated commands.
pub fn int_arg(v: i64) -> Vec<u8> {
    itoa::Buffer::new().format(v).as_bytes().to_vec()
}

impl Core {
    fn policy(&self) -> FsyncPolicy {
        FsyncPolicy::from_u8(self.policy.load(Ordering::Relaxed))
    }

    /// Appends encoded records for database `db` (`None`: no SELECT needed, e.g. EXEC). Called
    /// with the keyspace lock held, except for EXEC's closing record.
    fn append(&self, db: Option<usize>, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut f = lock(&self.feed);
        if f.file.is_none() {
            // Off, or waiting for the first rewrite, whose snapshot will include this change.
            return;
        }
        while f.buf.len() > BUFFER_LIMIT && !f.stop && f.file.is_some() {
            f = self.room.wait(f).unwrap_or_else(|e| e.into_inner());
        }
        let start = f.buf.len();
        if let Some(db) = db {
            if f.last_db != Some(db) {
                let n = int_arg(db as i64);
                encode_command(&mut f.buf, &[&b"SELECT"[..], &n]);
                f.last_db = Some(db);
            }
        }
        propagate::PENDING.with(|p| {
            let mut p = p.borrow_mut();
            if p.in_exec && !p.multi_written && db.is_some() {
                p.multi_written = true;
                encode_command(&mut f.buf, &[b"MULTI"]);
            }
        });
        f.buf.extend_from_slice(bytes);
        f.fed += (f.buf.len() - start) as u64;
        let fed = f.fed;
        if f.writer_idle {
            f.writer_idle = false;
            self.wake.notify_one();
        }
        drop(f);
        propagate::PENDING.with(|p| p.borrow_mut().fed_mark = fed);
    }
}

impl Aof {
    /// True while changes are recorded (cheap: one atomic load).
    pub fn feeding(&self) -> bool {
        self.core.feeding.load(Ordering::Relaxed)
    }

    /// Deletions fed on behalf of the keyspace so far (see [`Aof::on_release`]).
    pub fn event_feeds(&self) -> u64 {
        self.core.event_feeds.load(Ordering::Relaxed)
    }

    /// Called when a keyspace lock taken with the AOF on is released: if the keyspace's
    /// modification counter went up by more than the deletions fed meanwhile for expiry and
    /// eviction, the running command changed something and is appended (once), in its
    /// rewritten form if its handler gave one.
    pub fn on_release(&self, ks: &Keyspace, dirty_before: u64, events_before: u64) {
        let own = (ks.dirty() - dirty_before).saturating_sub(self.event_feeds() - events_before);
        if own == 0 {
            return;
        }
        let record = propagate::PENDING.with(|p| {
            let mut p = p.borrow_mut();
            if !p.active || p.fed {
                return None;
            }
            p.fed = true;
            let bytes = if p.replaced {
                std::mem::take(&mut p.replacement)
            } else {
                std::mem::take(&mut p.original)
            };
            Some((p.db, bytes))
        });
        if let Some((db, bytes)) = record {
            self.core.append(Some(db), &bytes);
        }
    }

    /// Appends one command for database `db` now (a blocked client served by another
    /// client's push). Call it with the keyspace lock held.
    pub fn feed<A: AsRef<[u8]>>(&self, db: usize, args: &[A]) {
        if !self.feeding() {
            return;
        }
        let mut buf = Vec::new();
        encode_command(&mut buf, args);
        self.core.append(Some(db), &buf);
    }

    /// A key deleted by expiry or eviction: appends DEL (Redis's `propagateDeletion`). Called
    /// from the keyspace's event sink, under its lock.
    pub fn feed_deletion(&self, db: usize, key: &[u8]) {
        self.feed_event(db, &[&b"DEL"[..], key]);
    }

    /// Appends a change the keyspace made by itself (a key or hash fields expired, a key
    /// evicted): it is not the running command's doing. Call it under the keyspace lock, with
    /// exactly one `Db::touch` for the change.
    pub fn feed_event<A: AsRef<[u8]>>(&self, db: usize, args: &[A]) {
        if !self.feeding() {
            return;
        }
        self.core.event_feeds.fetch_add(1, Ordering::Relaxed);
        self.feed(db, args);
    }

    /// Closes a transaction's records with EXEC if any were written.
    pub fn end_exec(&self) {
        if propagate::end_exec() {
            let mut buf = Vec::new();
            encode_command(&mut buf, &[b"EXEC"]);
            self.core.append(None, &buf);
        }
    }

    /// Bytes fed so far (a logical offset).
    pub fn fed_offset(&self) -> u64 {
        lock(&self.core.feed).fed
    }

    /// With `appendfsync always`, waits until everything up to `mark` is fsynced (the replies
    /// of the commands that fed it may then go out). Returns at once otherwise.
    pub async fn wait_synced(&self, mark: u64) {
        if mark == 0 || self.core.policy() != FsyncPolicy::Always || !self.feeding() {
            return;
        }
        if *self.core.synced.borrow() >= mark {
            return;
        }
        let mut rx = self.core.synced.subscribe();
        let _ = rx.wait_for(|s| *s >= mark).await;
    }

    /// Start-up: loads the AOF if `appendonly` is on (true if it did, so the RDB must not be
    /// loaded), then opens it for appending and starts the writer thread.
    pub fn start(&self, shared: &Arc<Shared>) -> Result<bool, AofError> {
        let _ = self.core.server.set(Arc::downgrade(shared));
        let (cfg, path) = {
            let c = shared.config();
            (c.aof.clone(), path_of(&c))
        };
        self.apply_config(&cfg);
        let loaded = if cfg.enabled {
            if path.exists() {
                load::load(shared, &path, cfg.load_truncated)?;
            }
            let file = open_append(&path)?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            self.core.stats.current_size.store(size, Ordering::Relaxed);
            self.core.stats.base_size.store(size, Ordering::Relaxed);
            self.install_file(file, true);
            self.core.feeding.store(true, Ordering::SeqCst);
            true
        } else {
            false
        };
        self.started.store(true, Ordering::SeqCst);
        Ok(loaded)
    }

    fn ensure_writer(&self) {
        let mut w = lock(&self.writer);
        if w.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        lock(&self.core.feed).stop = false;
        let core = self.core.clone();
        *w = std::thread::Builder::new()
            .name("herald-aof".into())
            .spawn(move || writer::run(core))
            .map_err(|e| tracing::warn!("could not start the AOF writer thread: {e}"))
            .ok();
    }

    /// Makes `file` the AOF: pending records for the old file are dropped (the caller made sure
    /// the new file already holds their effect), the next record starts with SELECT.
    /// `durable`: the file is already fsynced and in place, so everything fed so far counts
    /// as synced; otherwise the rewrite publishes that once it has fsynced and renamed it.
    fn install_file(&self, file: File, durable: bool) {
        self.ensure_writer();
        let _w = lock(&self.core.write_lock);
        let mut f = lock(&self.core.feed);
        f.buf.clear();
        f.last_db = None;
        f.file = Some(Arc::new(file));
        f.unsynced = !durable;
        let fed = f.fed;
        drop(f);
        self.core.room.notify_all();
        if durable {
            self.core.synced.send_replace(fed);
        }
    }

    /// Mirrors the configuration; turns the AOF on (by a rewrite, as Redis does) or off when
    /// CONFIG SET changed `appendonly` at run time.
    pub fn apply_config(&self, cfg: &AofConfig) {
        let c = &self.core;
        c.policy.store(cfg.fsync as u8, Ordering::Relaxed);
        c.rewrite_percentage
            .store(cfg.rewrite_percentage, Ordering::Relaxed);
        c.rewrite_min_size
            .store(cfg.rewrite_min_size, Ordering::Relaxed);
        if !self.started.load(Ordering::SeqCst) || cfg.enabled == self.feeding() {
            return;
        }
        if cfg.enabled {
            // Records are dropped until the rewrite installs the file (its snapshot has them).
            c.feeding.store(true, Ordering::SeqCst);
            self.ensure_writer();
            if let Some(shared) = c.server.get().and_then(Weak::upgrade) {
                if let Err(e) = rewrite::start(&shared) {
                    tracing::warn!("could not start the AOF: {e}");
                }
            }
        } else {
            self.flush_and_sync();
            c.feeding.store(false, Ordering::SeqCst);
            let mut f = lock(&c.feed);
            f.file = None;
            f.buf.clear();
            drop(f);
            c.room.notify_all();
        }
    }

    /// Writes every pending record and fsyncs the file (SHUTDOWN, SIGTERM, turning the AOF
    /// off). Returns false if the data could not be written.
    pub fn flush_and_sync(&self) -> bool {
        writer::flush(&self.core, true)
    }

    /// Flushes, fsyncs and stops the writer thread (server shutdown).
    pub fn shutdown(&self) {
        self.flush_and_sync();
        {
            let mut f = lock(&self.core.feed);
            f.stop = true;
            self.core.wake.notify_all();
        }
        self.core.room.notify_all();
        if let Some(h) = lock(&self.writer).take() {
            let _ = h.join();
        }
    }

    /// True while a rewrite runs.
    pub fn rewrite_in_progress(&self) -> bool {
        self.core.stats.rewrite_in_progress.load(Ordering::SeqCst)
    }

    /// Completed rewrites (successful or not) since start.
    pub fn rewrites(&self) -> u64 {
        self.core.stats.rewrites.load(Ordering::SeqCst)
    }

    /// Writes the `aof_*` fields of INFO persistence, with Redis's names and CRLF line ends.
    pub fn write_info_fields(&self, out: &mut String) {
        let s = &self.core.stats;
        let on = self.feeding();
        let current_rewrite = lock(&s.rewrite_started).map_or(-1, |t| t.elapsed().as_secs() as i64);
        let last_ms = s.last_rewrite_ms.load(Ordering::Relaxed);
        let last_secs = if s.rewrites.load(Ordering::Relaxed) == 0 {
            -1
        } else {
            (last_ms / 1000) as i64
        };
        let status = |ok: bool| if ok { "ok" } else { "err" };
        let _ = write!(
            out,
            "aof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:{last_secs}\r\naof_current_rewrite_time_sec:{current_rewrite}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
            u8::from(on),
            u8::from(self.rewrite_in_progress()),
            status(s.last_rewrite_ok.load(Ordering::Relaxed)),
            s.rewrites.load(Ordering::Relaxed),
            s.rewrites_consecutive_failures.load(Ordering::Relaxed),
            status(s.last_write_ok.load(Ordering::Relaxed)),
        );
        if on {
            let buffered = lock(&self.core.feed).buf.len();
            let _ = write!(
                out,
                "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:0\r\naof_buffer_length:{buffered}\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:{}\r\n",
                s.current_size.load(Ordering::Relaxed),
                s.base_size.load(Ordering::Relaxed),
                s.delayed_fsync.load(Ordering::Relaxed),
            );
        }
    }
}

/// Opens (creating it if needed) the AOF for appending.
fn open_append(path: &std::path::Path) -> Result<File, AofError> {
    File::options()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| AofError::Io {
            what: "can't open the append-only file",
            path: path.display().to_string(),
            source,
        })
}
