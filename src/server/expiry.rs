//! Active expiry: a task that reclaims keys whose TTL has passed even if nobody touches them,
//! modelled on Redis 7.4's `activeExpireCycle` (expire.c).
//!
//! * A *slow cycle* runs `hz` times a second. For each database it walks the keys with a TTL
//!   in rounds of 20, deleting the due ones, and repeats while more than 10% of a round was
//!   expired (Redis's `ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE`), within a budget of 25% of the
//!   cycle period (`ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC`).
//! * When a cycle ran out of time, *fast cycles* of at most 1 ms run every 2 ms until the next
//!   slow cycle, as Redis runs them from `beforeSleep`.
//! * Hashes whose earliest field TTL has passed get their expired fields removed through
//!   [`crate::commands::hashes::expire_hash_fields`].
//!
//! Redis stalls every client for the whole cycle; here the keyspace lock is held for at most
//! [`SLICE`] at a time and released in between (yielding to other tasks), so clients wait at
//! most about one slice. Each slice also holds the exec gate for reading, so expiry never
//! interleaves with a running MULTI/EXEC.
//!
//! Deletions go through the database, which invalidates WATCHes, counts `expired_keys` and
//! raises the `expired` event through the sink [`install_event_sink`] connects to keyspace
//! notifications.

use super::Shared;
use crate::notify::notify;
use crate::storage::{now_ms, refresh_lru_clock, EventSink, ExpiryStats, Keyspace};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Keys looked at per round (`ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_LOOP: usize = 20;
/// A database is worked again while more than this percentage of a round was expired.
const ACCEPTABLE_STALE: usize = 10;
/// Share of each cycle period a slow cycle may use, in percent.
const SLOW_TIME_PERC: u64 = 25;
/// Budget of a fast cycle.
const FAST_DURATION: Duration = Duration::from_millis(1);
/// Longest time the keyspace lock is held in one go.
pub const SLICE: Duration = Duration::from_millis(1);
/// Databases visited per cycle (`CRON_DBS_PER_CALL`).
const DBS_PER_CALL: usize = 16;
/// Hashes with due fields handled per lock slice, per database.
const HASHES_PER_SLICE: usize = 64;

/// Connects the keyspace's own events (`new`, `expired`) to keyspace notifications, and expired
/// keys to the blocking registry (a blocked XREADGROUP on a stream that expires gets NOGROUP).
///
/// The sink holds the server strongly (a weak reference would cost an atomic read-modify-write
/// on every created key), which makes a cycle through the keyspace; the expiry task breaks it
/// with [`remove_event_sink`] when the server shuts down.
pub fn install_event_sink(shared: &Arc<Shared>) {
    let server = shared.clone();
    let sink: EventSink = Arc::new(move |class, event, key, db| {
        if matches!(event, "expired" | "evicted") {
            server.aof.feed_deletion(db, key);
        }
        if matches!(
            class,
            crate::notify::EventClass::Expired | crate::notify::EventClass::Evicted
        ) {
            // A blocked XREADGROUP on a stream that expired or was evicted fails (Redis's
            // signalDeletedKeyAsReady).
            crate::server::blocking::signal_key_ready(&server, db, key);
        }
        notify(&server, class, event, key, db);
    });
    shared.keyspace().set_event_sink(Some(sink));
}

/// Disconnects the keyspace's events, releasing the sink's hold on the server.
pub fn remove_event_sink(shared: &Shared) {
    shared.keyspace().set_event_sink(None);
}

/// The expiry counters of this server's keyspace (INFO stats `expired_keys`, ...).
pub fn stats(shared: &Shared) -> Arc<ExpiryStats> {
    shared.keyspace().expiry_stats()
}

/// Installs the event sink and starts the active-expiry task on the current runtime. The task
/// ends when the server shuts down.
pub fn start(shared: &Arc<Shared>) -> JoinHandle<()> {
    install_event_sink(shared);
    tokio::spawn(run(shared.clone()))
}

/// State carried from one cycle to the next, as the statics of Redis's `activeExpireCycle`.
#[derive(Debug, Default)]
struct CycleState {
    /// Next database to visit.
    current_db: usize,
    /// The previous cycle stopped on its time limit.
    timelimit_exit: bool,
    /// Running estimate of the share of sampled keys that were already expired.
    stale_perc: f64,
}

async fn run(shared: Arc<Shared>) {
    let mut stop = shared.shutdown_signal();
    let stats = stats(&shared);
    let mut state = CycleState::default();
    let mut next_slow = Instant::now();
    loop {
        let hz = shared.config().hz.clamp(1, 500);
        let period = Duration::from_micros(1_000_000 / hz);
        let now = Instant::now();
        // Fast cycles fill the gap while the last cycle ran out of time (Redis also compares
        // its stale-keys estimate, a fraction, with the 10 *percent* threshold, which never
        // triggers); otherwise sleep until the tick.
        let (wake, fast) = if state.timelimit_exit && now + 2 * FAST_DURATION < next_slow {
            (now + 2 * FAST_DURATION, true)
        } else {
            (next_slow, false)
        };
        tokio::select! {
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = stop.wait_for(|s| *s) => {
                remove_event_sink(&shared);
                return;
            }
        }
        if fast {
            cycle(&shared, &stats, &mut state, FAST_DURATION).await;
            crate::server::blocking::handle_ready(&shared);
            continue;
        }
        next_slow = Instant::now() + period;
        refresh_lru_clock();
        let budget = period * SLOW_TIME_PERC as u32 / 100;
        cycle(&shared, &stats, &mut state, budget).await;
        // Clients blocked on keys the cycle expired (XREADGROUP) are answered now.
        crate::server::blocking::handle_ready(&shared);
    }
}

/// One expiry cycle over the databases, within `budget`.
async fn cycle(
    shared: &Arc<Shared>,
    stats: &ExpiryStats,
    state: &mut CycleState,
    budget: Duration,
) {
    let start = Instant::now();
    let ndbs = shared.keyspace().len();
    if ndbs == 0 {
        return;
    }
    let dbs = if state.timelimit_exit {
        ndbs
    } else {
        DBS_PER_CALL.min(ndbs)
    };
    state.timelimit_exit = false;
    let (mut total_sampled, mut total_expired) = (0usize, 0usize);
    'dbs: for _ in 0..dbs {
        let dbi = state.current_db % ndbs;
        state.current_db = state.current_db.wrapping_add(1);
        loop {
            let (sampled, expired, done) = expire_keys_slice(shared, dbi, stats);
            total_sampled += sampled;
            total_expired += expired;
            let fields_done = expire_fields_slice(shared, dbi, stats);
            if done && fields_done {
                break;
            }
            if start.elapsed() > budget {
                state.timelimit_exit = true;
                stats
                    .expired_time_cap_reached_count
                    .fetch_add(1, Ordering::Relaxed);
                break 'dbs;
            }
            tokio::task::yield_now().await;
        }
    }
    let elapsed = start.elapsed().as_micros() as u64;
    stats
        .expire_cycle_time_used_us
        .fetch_add(elapsed, Ordering::Relaxed);
    let current = if total_sampled > 0 {
        total_expired as f64 / total_sampled as f64
    } else {
        0.0
    };
    state.stale_perc = current * 0.05 + state.stale_perc * 0.95;
    stats
        .expired_stale_perc_bits
        .store(state.stale_perc.to_bits(), Ordering::Relaxed);
}

/// Expires due keys of database `dbi` for at most one [`SLICE`]. Returns
/// `(sampled, expired, done)`, `done` when the database needs no more work this cycle.
fn expire_keys_slice(shared: &Shared, dbi: usize, stats: &ExpiryStats) -> (usize, usize, bool) {
    let _gate = shared.exec_gate_shared();
    let mut ks = shared.keyspace();
    let start = Instant::now();
    let out = expire_keys_locked(&mut ks, dbi, start);
    record_slice(stats, start);
    out
}

fn record_slice(stats: &ExpiryStats, start: Instant) {
    let held = start.elapsed().as_micros() as u64;
    if held > stats.longest_slice_us.load(Ordering::Relaxed) {
        stats.longest_slice_us.fetch_max(held, Ordering::Relaxed);
    }
}

fn expire_keys_locked(ks: &mut Keyspace, dbi: usize, start: Instant) -> (usize, usize, bool) {
    if !ks.active_expire_enabled() {
        return (0, 0, true);
    }
    let Some(db) = ks.get_db(dbi) else {
        return (0, 0, true);
    };
    let (mut sampled, mut expired) = (0, 0);
    loop {
        // An empty `expires` samples nothing (and resets the database's `avg_ttl`).
        let (s, e) = db.expire_sample(now_ms(), KEYS_PER_LOOP);
        sampled += s;
        expired += e;
        if s == 0 || e * 100 / s <= ACCEPTABLE_STALE {
            return (sampled, expired, true);
        }
        if start.elapsed() >= SLICE {
            return (sampled, expired, false);
        }
    }
}

/// Removes the expired fields of hashes in database `dbi` whose earliest field TTL has passed,
/// for at most one [`SLICE`]. True when none is left due.
fn expire_fields_slice(shared: &Shared, dbi: usize, stats: &ExpiryStats) -> bool {
    let _gate = shared.exec_gate_shared();
    let mut ks = shared.keyspace();
    let start = Instant::now();
    let done = expire_fields_locked(shared, &mut ks, dbi, stats, start);
    record_slice(stats, start);
    done
}

fn expire_fields_locked(
    shared: &Shared,
    ks: &mut Keyspace,
    dbi: usize,
    stats: &ExpiryStats,
    start: Instant,
) -> bool {
    if !ks.active_expire_enabled() {
        return true;
    }
    let Some(db) = ks.get_db(dbi) else {
        return true;
    };
    loop {
        let now = now_ms();
        let due = db.hashes_with_due_fields(now, HASHES_PER_SLICE);
        if due.is_empty() {
            return true;
        }
        for key in &due {
            let n = crate::commands::hashes::expire_hash_fields(shared, db, dbi, key, now);
            stats.expired_subkeys.fetch_add(n as u64, Ordering::Relaxed);
            db.refresh_field_expiry(key);
        }
        if start.elapsed() >= SLICE {
            return false;
        }
    }
}
