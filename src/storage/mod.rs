//! The keyspace: numbered databases of binary-safe keys, each with an optional expiry.
//!
//! Commands run synchronously against it under one lock (see ARCHITECTURE.md), which makes each
//! command, and later MULTI/EXEC, atomic without further care.
//!
//! # Layout of one database
//!
//! Keys live in a [`DenseTable`]: a dense vector of entries plus an open-addressing index. A
//! removal moves the *last* entry into the hole, so positions are stable except for that one
//! move. That gives Redis's two iteration guarantees cheaply:
//!
//! * SCAN walks positions from the end downwards (see [`set::scan_positions`]); an entry not yet
//!   visited can only move to a lower position, so every key present for the whole scan is
//!   returned at least once, whatever is added or removed in between, and one call costs
//!   O(COUNT).
//! * RANDOMKEY picks a uniformly random position.
//!
//! Keys with a TTL are also listed in a dense vector of positions (`expires`), each entry knowing
//! its own place in it, so the active-expiry cycle walks only volatile keys, as Redis walks its
//! `expires` dictionary. Hashes whose fields have TTLs are kept in an ordered index by their
//! earliest field expiry, so the cycle finds the hashes with due fields without scanning.
//!
//! # Events raised by the database itself
//!
//! A database can be given an [`EventSink`] (the server installs one that publishes keyspace
//! notifications). Through it the database reports, as Redis's `db.c` does, every key it creates
//! (`new`, class `n`) and every key it deletes because its TTL passed (`expired`, class `x`),
//! whether found lazily by a command's lookup or by the active cycle. Everything else (`del`,
//! `set`, `expire`, ...) is reported by the commands.

use crate::notify::EventClass;
use bytes::Bytes;
use set::{random_index, random_u64, scan_positions, DenseTable, Keyed};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub mod hash;
pub mod list;
pub mod set;
pub mod stream;
pub mod zset;

/// A stored value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A binary-safe string.
    String(Bytes),
    /// A list (LPUSH, RPUSH, ...).
    List(list::List),
    /// A hash (HSET, HGET, ...).
    Hash(hash::Hash),
    /// A set (SADD, SMEMBERS, ...).
    Set(set::Set),
    /// A sorted set (ZADD, ZRANGE, ...).
    ZSet(zset::ZSet),
    /// A stream (XADD, XREAD, consumer groups, ...), boxed: it is larger than the others.
    Stream(Box<stream::Stream>),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }
}

/// The key exists but holds a value of another type (Redis's WRONGTYPE error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongType;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

// ---------------------------------------------------------------------------------------------
// LRU clock
// ---------------------------------------------------------------------------------------------

/// Largest value of the LRU clock: like Redis, 24 bits of seconds (it wraps every ~194 days;
/// idle-time estimates account for one wrap).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

/// Marks the cached clock as not yet computed.
const LRU_UNSET: u32 = u32::MAX;

/// The cached LRU clock, refreshed by the server's cron (the active-expiry task) so that key
/// lookups record their access time without reading the system clock, as Redis's
/// `server.lruclock`.
static LRU_CLOCK: AtomicU32 = AtomicU32::new(LRU_UNSET);

fn real_lru_clock() -> u32 {
    ((now_ms().max(0) / 1000) as u64 & u64::from(LRU_CLOCK_MAX)) as u32
}

/// Re-reads the system clock into the cached LRU clock. The active-expiry task calls this on
/// every tick (`hz` times a second), which is finer than the clock's one-second resolution.
pub fn refresh_lru_clock() {
    LRU_CLOCK.store(real_lru_clock(), Ordering::Relaxed);
}

/// The current LRU clock (seconds, modulo 2^24), from the cache when it has been set.
pub fn lru_clock() -> u32 {
    match LRU_CLOCK.load(Ordering::Relaxed) {
        LRU_UNSET => {
            let c = real_lru_clock();
            LRU_CLOCK.store(c, Ordering::Relaxed);
            c
        }
        c => c,
    }
}

/// Milliseconds since an access recorded at LRU clock `lru`, as Redis's
/// `estimateObjectIdleTime`.
fn idle_ms_since(lru: u32) -> u64 {
    let now = lru_clock();
    let secs = if now >= lru {
        now - lru
    } else {
        now + (LRU_CLOCK_MAX - lru)
    };
    u64::from(secs) * 1000
}

// ---------------------------------------------------------------------------------------------
// LFU (Redis's 8-bit logarithmic access counter)
// ---------------------------------------------------------------------------------------------

/// Whether an LFU maxmemory policy is selected: then the 24 access bits of each entry hold
/// Redis's LFU data (16 bits of minutes since the last decrement, 8 bits of counter) instead of
/// the LRU clock, as Redis reuses its `lru` field.
static LFU_MODE: AtomicBool = AtomicBool::new(false);
/// `lfu-log-factor`.
static LFU_LOG_FACTOR: AtomicU32 = AtomicU32::new(10);
/// `lfu-decay-time` (minutes).
static LFU_DECAY_TIME: AtomicU32 = AtomicU32::new(1);
/// Counter of a new key, so that it is not evicted before it had a chance to be accessed.
const LFU_INIT_VAL: u32 = 5;

/// Sets how access is recorded: LFU counters (`enabled`) or LRU clock, with Redis's
/// `lfu-log-factor` and `lfu-decay-time`. The server calls this when the configuration changes.
pub fn set_lfu_params(enabled: bool, log_factor: u64, decay_time: u64) {
    LFU_MODE.store(enabled, Ordering::Relaxed);
    LFU_LOG_FACTOR.store(
        log_factor.min(u64::from(u32::MAX)) as u32,
        Ordering::Relaxed,
    );
    LFU_DECAY_TIME.store(
        decay_time.min(u64::from(u32::MAX)) as u32,
        Ordering::Relaxed,
    );
}

/// True when an LFU policy is selected (OBJECT FREQ works, OBJECT IDLETIME does not).
pub fn lfu_mode() -> bool {
    LFU_MODE.load(Ordering::Relaxed)
}

/// Minutes clock (16 bits) for LFU decay, from the cached LRU clock.
fn lfu_minutes() -> u32 {
    (lru_clock() / 60) & 0xFFFF
}

/// Redis's `LFUDecrAndReturn`: the counter in `bits` decayed by the periods elapsed since it
/// was last decremented.
fn lfu_decayed(bits: u32) -> u32 {
    let ldt = (bits >> 8) & 0xFFFF;
    let counter = bits & 0xFF;
    let now = lfu_minutes();
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        0xFFFF - ldt + now
    };
    let decay = LFU_DECAY_TIME.load(Ordering::Relaxed);
    let periods = elapsed.checked_div(decay).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// Redis's `LFULogIncr`: increments with probability `1 / ((counter - 5) * factor + 1)`.
fn lfu_log_incr(counter: u32) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let r = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(LFU_LOG_FACTOR.load(Ordering::Relaxed)) + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// The access bits of a new entry under the current mode.
fn initial_access_bits() -> u32 {
    if lfu_mode() {
        (lfu_minutes() << 8) | LFU_INIT_VAL
    } else {
        lru_clock()
    }
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

/// `exp_pos` of an entry without a TTL.
const NO_POS: u32 = u32::MAX;
/// Bits of `meta` holding the LRU clock.
const LRU_MASK: u32 = LRU_CLOCK_MAX;
/// `meta` flag: the value is a hash that may have gained or lost field TTLs since the
/// field-expiry index last looked at it.
const HFE_PENDING: u32 = 1 << 24;
/// `meta` flag: the key is in the field-expiry index.
const HFE_INDEXED: u32 = 1 << 25;
/// `meta` bits: how a string value was made, for OBJECT ENCODING (see [`StringForm`]).
const STR_FORM_MASK: u32 = 0b11 << 26;
const STR_FORM_PLAIN: u32 = 1 << 26;
const STR_FORM_RAW: u32 = 2 << 26;

/// How a string value was produced, which decides the encoding Redis would report for it: its
/// commands either let `tryObjectEncoding` pick from the bytes, create a plain string object
/// (INCRBYFLOAT), or modify a string in place, which makes it `raw` (APPEND, SETRANGE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringForm {
    /// `int`, `embstr` or `raw` from the bytes (SET, INCR, ...).
    Auto,
    /// `embstr` up to 44 bytes, else `raw`; never `int`.
    Plain,
    /// Always `raw`.
    Raw,
}

/// What a maxmemory policy ranks eviction candidates by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictBy {
    /// Longest idle time first (LRU).
    Idle,
    /// Lowest access frequency first (LFU).
    Freq,
    /// Nearest expiry first.
    Ttl,
    /// Any key.
    Random,
}

/// A value with its absolute expiry time in Unix milliseconds, if any.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// When the key expires (Unix ms). Read it freely, but change it only through
    /// [`Db::set_expiry`] (or [`Db::set`]): the database indexes the keys that have a TTL.
    pub expires_at: Option<i64>,
    /// Low 24 bits: LRU clock of the last access; high bits: `HFE_*` flags.
    meta: u32,
    /// Position in the database's `expires` vector, or `NO_POS`.
    exp_pos: u32,
}

impl Entry {
    /// A fresh entry, accessed now.
    pub fn new(value: Value, expires_at: Option<i64>) -> Entry {
        Entry {
            value,
            expires_at,
            meta: initial_access_bits(),
            exp_pos: NO_POS,
        }
    }

    /// Milliseconds since the key was last accessed (OBJECT IDLETIME), with the LRU clock's
    /// one-second resolution.
    pub fn idle_ms(&self) -> u64 {
        idle_ms_since(self.meta & LRU_MASK)
    }

    /// The LFU counter with decay applied (OBJECT FREQ), meaningful under an LFU policy.
    pub fn lfu_freq(&self) -> u8 {
        lfu_decayed(self.meta & LRU_MASK) as u8
    }

    /// Records an access: the LRU clock, or under an LFU policy a decayed and
    /// logarithmically incremented counter (Redis's `updateLFU`).
    fn touch_lru(&mut self) {
        let bits = if lfu_mode() {
            let counter = lfu_log_incr(lfu_decayed(self.meta & LRU_MASK));
            (lfu_minutes() << 8) | counter
        } else {
            lru_clock()
        };
        self.meta = (self.meta & !LRU_MASK) | bits;
    }

    /// How the string value was produced (meaningless for other types).
    pub fn string_form(&self) -> StringForm {
        match self.meta & STR_FORM_MASK {
            STR_FORM_PLAIN => StringForm::Plain,
            STR_FORM_RAW => StringForm::Raw,
            _ => StringForm::Auto,
        }
    }

    /// Records how the string value was produced; [`Db::set`] resets it to `Auto`.
    pub fn set_string_form(&mut self, form: StringForm) {
        let bits = match form {
            StringForm::Auto => 0,
            StringForm::Plain => STR_FORM_PLAIN,
            StringForm::Raw => STR_FORM_RAW,
        };
        self.meta = (self.meta & !STR_FORM_MASK) | bits;
    }

    fn has(&self, flag: u32) -> bool {
        self.meta & flag != 0
    }

    fn due(&self, now: i64) -> bool {
        // Redis's keyIsExpired: a key is still valid during the millisecond it expires at.
        self.expires_at.is_some_and(|at| now > at)
    }

    /// [`Entry::due`] at the current time, reading the clock only for keys with a TTL.
    fn due_now(&self) -> bool {
        self.expires_at.is_some_and(|at| now_ms() > at)
    }
}

#[derive(Debug, Clone)]
struct Slot {
    key: Bytes,
    entry: Entry,
}

impl Keyed for Slot {
    fn key(&self) -> &[u8] {
        &self.key
    }
}

// ---------------------------------------------------------------------------------------------
// Events and statistics
// ---------------------------------------------------------------------------------------------

/// Receives the events a database raises by itself: `(class, event, key, db index)`. The
/// server installs one that publishes keyspace notifications (see the module documentation).
pub type EventSink = Arc<dyn Fn(EventClass, &str, &[u8], usize) + Send + Sync>;

#[derive(Clone, Default)]
struct Events(Option<EventSink>);

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Events(sink)"
        } else {
            "Events(none)"
        })
    }
}

/// Keyspace counters for INFO, shared by all databases of a keyspace.
#[derive(Debug, Default)]
pub struct ExpiryStats {
    /// Key modifications ever made (every [`Db::touch`]): Redis's `server.dirty`. Persistence
    /// compares it with its value at the last save (`rdb_changes_since_last_save`, `save`
    /// rules); never reset by CONFIG RESETSTAT.
    pub dirty: AtomicU64,
    /// Keys deleted because their TTL passed, lazily or actively (`expired_keys`).
    pub expired_keys: AtomicU64,
    /// Hash fields deleted by the active cycle because their TTL passed (`expired_subkeys`,
    /// active part only: lazy field expiry happens in the hash commands).
    pub expired_subkeys: AtomicU64,
    /// Slow cycles that stopped because they used their whole time budget
    /// (`expired_time_cap_reached_count`).
    pub expired_time_cap_reached_count: AtomicU64,
    /// Total time spent in active expiry, in microseconds (`expire_cycle_cpu_milliseconds` is
    /// this / 1000).
    pub expire_cycle_time_used_us: AtomicU64,
    /// Longest time one slice of the active cycle held the keyspace lock, in microseconds (a
    /// Herald diagnostic: how long the cycle can make a client wait).
    pub longest_slice_us: AtomicU64,
    /// Running estimate of the share of volatile keys that are logically expired but not yet
    /// reclaimed, as `f64` bits (`expired_stale_perc` is this * 100).
    pub expired_stale_perc_bits: AtomicU64,
}

impl ExpiryStats {
    /// Estimated fraction (0..1) of volatile keys already expired but not yet reclaimed.
    pub fn stale_perc(&self) -> f64 {
        f64::from_bits(self.expired_stale_perc_bits.load(Ordering::Relaxed))
    }

    /// Zeroes the counters (CONFIG RESETSTAT).
    pub fn reset(&self) {
        for c in [
            &self.expired_keys,
            &self.expired_subkeys,
            &self.expired_time_cap_reached_count,
            &self.expire_cycle_time_used_us,
            &self.longest_slice_us,
            &self.expired_stale_perc_bits,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// A client's WATCH state: set when any key it watches is modified.
pub type WatchFlag = Arc<AtomicBool>;

/// One client watching one key (Redis's `watchedKey`).
#[derive(Debug)]
struct Watcher {
    flag: WatchFlag,
    /// The key was logically expired when watched (or became so through SWAPDB): its deletion
    /// is not a change, as in Redis 7.
    expired: bool,
}

// ---------------------------------------------------------------------------------------------
// Store: the data of one database (what SWAPDB exchanges)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Store {
    table: DenseTable<Slot>,
    /// Positions in `table` of the keys with a TTL; each entry's `exp_pos` points back here.
    expires: Vec<u32>,
    /// Where the active cycle resumes its walk of `expires`.
    exp_cursor: usize,
    /// Running estimate of the remaining TTL of volatile keys, from the active cycle's samples
    /// (INFO keyspace `avg_ttl`, ms).
    avg_ttl: i64,
    /// `(earliest field expiry, key)` of every hash with field TTLs.
    hfe: BTreeSet<(i64, Bytes)>,
    /// The earliest field expiry recorded in `hfe` for each of its keys.
    hfe_at: HashMap<Bytes, i64>,
    /// Positions of entries flagged `HFE_PENDING` (a handful at most: they are reconciled on
    /// the next mutable access to the database).
    pending: Vec<u32>,
}

impl Store {
    fn find(&self, key: &[u8]) -> Option<usize> {
        self.table.position(key)
    }

    fn slot(&self, idx: usize) -> Option<&Slot> {
        self.table.entries().get(idx)
    }

    fn entry_mut(&mut self, idx: usize) -> Option<&mut Entry> {
        self.table.entry_mut(idx).map(|s| &mut s.entry)
    }

    /// Appends a key that is not present; returns its position.
    fn insert(&mut self, key: Bytes, mut entry: Entry) -> usize {
        entry.exp_pos = NO_POS;
        entry.meta &= LRU_MASK | STR_FORM_MASK;
        let has_ttl = entry.expires_at.is_some();
        let is_hash = matches!(entry.value, Value::Hash(_));
        let idx = self.table.len();
        self.table.insert_new(Slot { key, entry });
        if has_ttl {
            self.exp_add(idx);
        }
        if is_hash {
            self.pend(idx);
        }
        idx
    }

    fn exp_add(&mut self, idx: usize) {
        let p = self.expires.len();
        if let Some(s) = self.table.entry_mut(idx) {
            if s.entry.exp_pos == NO_POS {
                s.entry.exp_pos = p as u32;
                self.expires.push(idx as u32);
            }
        }
    }

    fn exp_del(&mut self, idx: usize) {
        let Some(e) = self.entry_mut(idx) else {
            return;
        };
        let p = e.exp_pos;
        if p == NO_POS {
            return;
        }
        e.exp_pos = NO_POS;
        let p = p as usize;
        if p < self.expires.len() {
            self.expires.swap_remove(p);
            if let Some(&moved) = self.expires.get(p) {
                if let Some(m) = self.entry_mut(moved as usize) {
                    m.exp_pos = p as u32;
                }
            }
        }
    }

    fn set_expiry(&mut self, idx: usize, at: Option<i64>) {
        if let Some(e) = self.entry_mut(idx) {
            e.expires_at = at;
        }
        if at.is_some() {
            self.exp_add(idx);
        } else {
            self.exp_del(idx);
        }
    }

    /// Flags the entry at `idx` for a look by the field-expiry index.
    fn pend(&mut self, idx: usize) {
        if let Some(s) = self.table.entry_mut(idx) {
            if !s.entry.has(HFE_PENDING) {
                s.entry.meta |= HFE_PENDING;
                self.pending.push(idx as u32);
            }
        }
    }

    fn unpend(&mut self, idx: usize) {
        if let Some(s) = self.table.entry_mut(idx) {
            if s.entry.has(HFE_PENDING) {
                s.entry.meta &= !HFE_PENDING;
                self.pending.retain(|&p| p as usize != idx);
            }
        }
    }

    fn hfe_unindex(&mut self, idx: usize) {
        let Some(slot) = self.table.entry_mut(idx) else {
            return;
        };
        if !slot.entry.has(HFE_INDEXED) {
            return;
        }
        slot.entry.meta &= !HFE_INDEXED;
        if let Some(at) = self.hfe_at.remove(&slot.key) {
            self.hfe.remove(&(at, slot.key.clone()));
        }
    }

    /// Brings the field-expiry index up to date for the entry at `idx` (which must not be in
    /// `pending` any more, or be removed from it by the caller).
    fn reconcile(&mut self, idx: usize) {
        let Some(slot) = self.table.entry_mut(idx) else {
            return;
        };
        slot.entry.meta &= !HFE_PENDING;
        let next = match &slot.entry.value {
            Value::Hash(h) => h.next_field_expiry(),
            _ => None,
        };
        let cur = if slot.entry.has(HFE_INDEXED) {
            self.hfe_at.get(&slot.key).copied()
        } else {
            None
        };
        if next == cur {
            return;
        }
        if let Some(at) = cur {
            self.hfe.remove(&(at, slot.key.clone()));
        }
        match next {
            Some(at) => {
                self.hfe.insert((at, slot.key.clone()));
                self.hfe_at.insert(slot.key.clone(), at);
                slot.entry.meta |= HFE_INDEXED;
            }
            None => {
                self.hfe_at.remove(&slot.key);
                slot.entry.meta &= !HFE_INDEXED;
            }
        }
    }

    /// Reconciles every pending entry but `except` (the one about to be handed out mutably,
    /// which would only be flagged again).
    fn process_pending(&mut self, except: Option<usize>) {
        if self.pending.is_empty() {
            return;
        }
        let mut list = std::mem::take(&mut self.pending);
        for &p in &list {
            if Some(p as usize) != except {
                self.reconcile(p as usize);
            }
        }
        list.retain(|&p| Some(p as usize) == except);
        self.pending = list;
    }

    /// Removes the entry at `idx` with all its index bookkeeping; the last entry takes its
    /// place.
    fn remove_at(&mut self, idx: usize) -> Option<Slot> {
        if idx >= self.table.len() {
            return None;
        }
        self.exp_del(idx);
        self.hfe_unindex(idx);
        self.unpend(idx);
        let last = self.table.len() - 1;
        let slot = self.table.swap_remove(idx)?;
        if idx != last {
            if let Some(moved) = self.table.entry_mut(idx) {
                if moved.entry.exp_pos != NO_POS {
                    if let Some(p) = self.expires.get_mut(moved.entry.exp_pos as usize) {
                        *p = idx as u32;
                    }
                }
                if moved.entry.has(HFE_PENDING) {
                    for p in &mut self.pending {
                        if *p as usize == last {
                            *p = idx as u32;
                        }
                    }
                }
            }
        }
        Some(slot)
    }
}

// ---------------------------------------------------------------------------------------------
// Db
// ---------------------------------------------------------------------------------------------

/// One numbered database.
#[derive(Debug, Default)]
pub struct Db {
    store: Store,
    /// This database's number, for the events it raises.
    index: usize,
    /// Clients watching each key (WATCH), marked dirty by [`Db::touch`]. Not part of the data:
    /// SWAPDB leaves watchers where they are, as Redis.
    watchers: HashMap<Bytes, Vec<Watcher>>,
    events: Events,
    stats: Arc<ExpiryStats>,
}

impl Db {
    fn emit(&self, class: EventClass, event: &str, key: &[u8]) {
        if let Some(sink) = &self.events.0 {
            sink(class, event, key, self.index);
        }
    }

    /// Deletes the entry at `idx` because its TTL passed: counts it, invalidates WATCHes and
    /// raises `expired` (Redis's `deleteExpiredKeyAndPropagate`).
    fn expire_index(&mut self, idx: usize) {
        if let Some(slot) = self.store.remove_at(idx) {
            self.stats.expired_keys.fetch_add(1, Ordering::Relaxed);
            self.emit(EventClass::Expired, "expired", &slot.key);
            self.touch(&slot.key);
        }
    }

    /// Position of `key`, deleting it first if its TTL has passed (lazy expiry).
    fn lookup(&mut self, key: &[u8]) -> Option<usize> {
        let idx = self.store.find(key)?;
        if self.store.slot(idx)?.entry.due_now() {
            self.expire_index(idx);
            return None;
        }
        Some(idx)
    }

    /// Bookkeeping before handing out the entry at `idx` mutably: reconcile other pending
    /// hashes, and flag this one if it is a hash (its field TTLs may change).
    fn prepare_mut(&mut self, idx: usize) {
        self.store.process_pending(Some(idx));
        if matches!(
            self.store.slot(idx).map(|s| &s.entry.value),
            Some(Value::Hash(_))
        ) {
            self.store.pend(idx);
        }
    }

    /// Looks a key up, deleting it first if it has expired (lazy expiry), and records the
    /// access (OBJECT IDLETIME).
    pub fn get(&mut self, key: &[u8]) -> Option<&Entry> {
        let idx = self.lookup(key)?;
        let e = self.store.entry_mut(idx)?;
        e.touch_lru();
        Some(e)
    }

    /// A read command's lookup (Redis's `lookupKeyRead`): [`Db::get`], and a `keymiss` event
    /// when the key is absent. Write commands use [`Db::get`], which raises none.
    pub fn get_read(&mut self, key: &[u8]) -> Option<&Entry> {
        let Some(idx) = self.lookup(key) else {
            self.key_miss(key);
            return None;
        };
        let e = self.store.entry_mut(idx)?;
        e.touch_lru();
        Some(e)
    }

    /// Raises `keymiss` (class `m`) for a read of an absent key.
    pub fn key_miss(&self, key: &[u8]) {
        self.emit(EventClass::KeyMiss, "keymiss", key);
    }

    /// Like [`Db::get`] but without recording an access (Redis's `LOOKUP_NOTOUCH`: TTL, TYPE,
    /// EXISTS, OBJECT).
    pub fn peek(&mut self, key: &[u8]) -> Option<&Entry> {
        let idx = self.lookup(key)?;
        self.store.slot(idx).map(|s| &s.entry)
    }

    /// Looks a key up for modification, deleting it first if it has expired.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Entry> {
        let idx = self.lookup(key)?;
        self.prepare_mut(idx);
        let e = self.store.entry_mut(idx)?;
        e.touch_lru();
        Some(e)
    }

    /// Stores a value, replacing any previous one and its expiry. A key that did not exist
    /// raises `new`.
    pub fn set(&mut self, key: Bytes, value: Value, expires_at: Option<i64>) {
        match self.lookup(&key) {
            Some(idx) => {
                let is_hash = matches!(value, Value::Hash(_));
                let mut was_indexed = false;
                if let Some(e) = self.store.entry_mut(idx) {
                    was_indexed = e.has(HFE_INDEXED);
                    e.value = value;
                    e.set_string_form(StringForm::Auto);
                    e.touch_lru();
                }
                self.store.set_expiry(idx, expires_at);
                self.store.process_pending(Some(idx));
                if is_hash || was_indexed {
                    // Reconciled on the next access or active cycle.
                    self.store.pend(idx);
                }
            }
            None => {
                let k = key.clone();
                self.store.insert(key, Entry::new(value, expires_at));
                self.emit(EventClass::New, "new", &k);
            }
        }
    }

    /// Inserts a whole entry (value, TTL and access time kept), replacing any existing key
    /// silently: RENAME and MOVE, which Redis implements as delete + `dbAdd`, so `new` is
    /// raised.
    pub fn insert_entry(&mut self, key: Bytes, entry: Entry) {
        if let Some(idx) = self.lookup(&key) {
            self.store.remove_at(idx);
        }
        let k = key.clone();
        self.store.insert(key, entry);
        self.emit(EventClass::New, "new", &k);
    }

    /// Removes a key and returns its entry (expired keys are expired instead, and give
    /// `None`).
    pub fn take(&mut self, key: &[u8]) -> Option<Entry> {
        let idx = self.lookup(key)?;
        self.store.remove_at(idx).map(|s| s.entry)
    }

    /// Deletes a key; true if it existed (and had not expired).
    pub fn remove(&mut self, key: &[u8]) -> bool {
        match self.lookup(key) {
            Some(idx) => self.store.remove_at(idx).is_some(),
            None => false,
        }
    }

    /// Sets or clears the TTL of an existing key (absolute Unix ms); false if there is no such
    /// key. Does not check that the time is in the future, nor raise events.
    pub fn set_expiry(&mut self, key: &[u8], at: Option<i64>) -> bool {
        match self.lookup(key) {
            Some(idx) => {
                self.store.set_expiry(idx, at);
                true
            }
            None => false,
        }
    }

    /// Deletes `key` if its expiry time has passed. Returns true if it did.
    pub fn expire_if_due(&mut self, key: &[u8]) -> bool {
        let due = self
            .store
            .find(key)
            .and_then(|idx| self.store.slot(idx).map(|s| (idx, s.entry.due_now())));
        match due {
            Some((idx, true)) => {
                self.expire_index(idx);
                true
            }
            _ => false,
        }
    }

    /// The value at `key` if `pick` accepts its type; `Err(WrongType)` if the key holds another
    /// type; `Ok(None)` if there is no such key.
    pub fn typed<T>(
        &mut self,
        key: &[u8],
        pick: impl FnOnce(&Value) -> Option<&T>,
    ) -> Result<Option<&T>, WrongType> {
        match self.get(key) {
            None => Ok(None),
            Some(e) => pick(&e.value).map(Some).ok_or(WrongType),
        }
    }

    /// [`Db::typed`] for a read command: raises `keymiss` when the key is absent.
    pub fn typed_read<T>(
        &mut self,
        key: &[u8],
        pick: impl FnOnce(&Value) -> Option<&T>,
    ) -> Result<Option<&T>, WrongType> {
        match self.get_read(key) {
            None => Ok(None),
            Some(e) => pick(&e.value).map(Some).ok_or(WrongType),
        }
    }

    /// Mutable form of [`Db::typed`].
    pub fn typed_mut<T>(
        &mut self,
        key: &[u8],
        pick: impl FnOnce(&mut Value) -> Option<&mut T>,
    ) -> Result<Option<&mut T>, WrongType> {
        match self.get_mut(key) {
            None => Ok(None),
            Some(e) => pick(&mut e.value).map(Some).ok_or(WrongType),
        }
    }

    /// The value at `key` if `pick` accepts its type, creating it with `make` if the key does
    /// not exist (raising `new`); `Err(WrongType)` if the key holds another type.
    pub fn typed_or_insert<T>(
        &mut self,
        key: &[u8],
        make: impl FnOnce() -> Value,
        pick: impl FnOnce(&mut Value) -> Option<&mut T>,
    ) -> Result<&mut T, WrongType> {
        let idx = match self.lookup(key) {
            Some(idx) => idx,
            None => {
                let idx = self
                    .store
                    .insert(Bytes::copy_from_slice(key), Entry::new(make(), None));
                self.emit(EventClass::New, "new", key);
                idx
            }
        };
        self.prepare_mut(idx);
        let e = self.store.entry_mut(idx).ok_or(WrongType)?;
        e.touch_lru();
        pick(&mut e.value).ok_or(WrongType)
    }

    /// Number of keys (including expired ones not yet collected, as Redis's DBSIZE).
    pub fn len(&self) -> usize {
        self.store.table.len()
    }

    /// True when the database holds no keys.
    pub fn is_empty(&self) -> bool {
        self.store.table.is_empty()
    }

    /// Number of keys with an expiry (INFO keyspace `expires`).
    pub fn expiring(&self) -> usize {
        self.store.expires.len()
    }

    /// Number of hashes with field TTLs (the active cycle's field-expiry index).
    pub fn hashes_with_field_ttls(&mut self) -> usize {
        self.store.process_pending(None);
        self.store.hfe.len()
    }

    /// Every key with its entry, in table order, expired ones included (KEYS filters them).
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Entry)> {
        self.store
            .table
            .entries()
            .iter()
            .map(|s| (&s.key, &s.entry))
    }

    /// One SCAN step over the key names: up to `count` keys (expired ones included, the caller
    /// filters them) and the next cursor, 0 when the scan is complete. See the module
    /// documentation for the guarantee.
    pub fn scan(&self, cursor: u64, count: usize) -> (u64, Vec<Bytes>) {
        let entries = self.store.table.entries();
        let (range, next) = scan_positions(entries.len(), cursor, count);
        let keys = entries
            .get(range)
            .unwrap_or_default()
            .iter()
            .rev()
            .map(|s| s.key.clone())
            .collect();
        (next, keys)
    }

    /// A uniformly random key that has not expired (expired ones met on the way are deleted,
    /// as Redis's `dbRandomKey`).
    pub fn random_key(&mut self) -> Option<Bytes> {
        let now = now_ms();
        loop {
            let n = self.store.table.len();
            if n == 0 {
                return None;
            }
            let idx = random_index(n);
            let slot = self.store.slot(idx)?;
            if slot.entry.due(now) {
                self.expire_index(idx);
                continue;
            }
            return Some(slot.key.clone());
        }
    }

    /// Samples up to `samples` keys (from the keys with a TTL when `volatile`) and returns the
    /// best eviction candidate by `by` with its score (higher = evict first), as Redis's
    /// `evictionPoolPopulate` samples with `dictGetSomeKeys`. `None` when there is nothing to
    /// sample.
    pub fn eviction_candidate(
        &self,
        by: EvictBy,
        volatile: bool,
        samples: usize,
    ) -> Option<(u64, Bytes)> {
        let n = if volatile {
            self.store.expires.len()
        } else {
            self.store.table.len()
        };
        if n == 0 {
            return None;
        }
        // `maxmemory-samples` may be up to INT_MAX: cap the work done under the keyspace lock.
        let rounds = if by == EvictBy::Random {
            1
        } else {
            samples.clamp(1, 1024)
        };
        let mut best: Option<(u64, &Slot)> = None;
        for _ in 0..rounds {
            let pos = random_index(n);
            let idx = if volatile {
                self.store
                    .expires
                    .get(pos)
                    .map_or(usize::MAX, |&i| i as usize)
            } else {
                pos
            };
            let Some(slot) = self.store.slot(idx) else {
                continue;
            };
            let score = match by {
                EvictBy::Idle => slot.entry.idle_ms(),
                EvictBy::Freq => 255 - u64::from(slot.entry.lfu_freq()),
                EvictBy::Ttl => {
                    u64::MAX - (slot.entry.expires_at.unwrap_or(i64::MAX).max(0) as u64)
                }
                EvictBy::Random => 0,
            };
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, slot));
            }
        }
        best.map(|(score, slot)| (score, slot.key.clone()))
    }

    /// Deletes `key` to free memory (maxmemory): invalidates WATCHes and raises `evicted`.
    /// True if the key existed.
    pub fn evict(&mut self, key: &[u8]) -> bool {
        let Some(idx) = self.store.find(key) else {
            return false;
        };
        if self.store.remove_at(idx).is_none() {
            return false;
        }
        self.emit(EventClass::Evicted, "evicted", key);
        self.touch(key);
        true
    }

    /// Removes every key, invalidating the WATCHes on the keys that existed (Redis's
    /// `touchAllWatchedKeysInDb`).
    pub fn clear(&mut self) {
        self.stats.dirty.fetch_add(1, Ordering::Relaxed);
        self.touch_all_watched(None);
        self.store = Store::default();
    }

    /// Redis's `touchAllWatchedKeysInDb`: this database's data is being dropped (FLUSHDB) or
    /// replaced with `replaced_with` (SWAPDB). A watched key that exists in either is a change,
    /// except that a key logically expired when watched may disappear, or stay expired, and a
    /// missing key may be replaced with an expired one, without aborting EXEC.
    fn touch_all_watched(&mut self, replaced_with: Option<&Store>) {
        let now = now_ms();
        let here = &self.store;
        for (key, list) in self.watchers.iter_mut() {
            let exists_here = here.find(key).is_some();
            let there = replaced_with.and_then(|o| o.find(key).and_then(|i| o.slot(i)));
            if !exists_here && there.is_none() {
                continue;
            }
            let expired_there = there.is_some_and(|s| s.entry.due(now));
            for w in list.iter_mut() {
                if w.expired {
                    if there.is_none() {
                        w.expired = false;
                        continue;
                    }
                    if expired_there {
                        continue;
                    }
                } else if !exists_here && expired_there {
                    w.expired = true;
                    continue;
                }
                w.flag.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Records that `key` was modified: every client watching it will have its EXEC aborted.
    /// Commands call this after any change to a key (Redis's `signalModifiedKey`). The deletion
    /// of a key that was already expired when watched is not a change (Redis 7).
    pub fn touch(&mut self, key: &[u8]) {
        self.stats.dirty.fetch_add(1, Ordering::Relaxed);
        if self.watchers.is_empty() {
            return;
        }
        let Some(list) = self.watchers.get_mut(key) else {
            return;
        };
        let absent = self.store.find(key).is_none();
        for w in list.iter_mut() {
            if w.expired {
                // Redis leaves a stale watcher alone while the key is still there (it even
                // stops looking at the remaining watchers); once the key is gone the watcher
                // is an ordinary one again.
                if absent {
                    w.expired = false;
                }
                continue;
            }
            w.flag.store(true, Ordering::Relaxed);
        }
    }

    /// Registers `flag` to be set when `key` is modified (WATCH). Remembers whether the key was
    /// already logically expired, as Redis does.
    pub fn watch(&mut self, key: Bytes, flag: &WatchFlag) {
        let expired = self.is_logically_expired(&key);
        let list = self.watchers.entry(key).or_default();
        if !list.iter().any(|w| Arc::ptr_eq(&w.flag, flag)) {
            list.push(Watcher {
                flag: flag.clone(),
                expired,
            });
        }
    }

    /// Removes `flag` from the watchers of `key` (UNWATCH, EXEC, DISCARD, disconnect).
    pub fn unwatch(&mut self, key: &[u8], flag: &WatchFlag) {
        if let Some(list) = self.watchers.get_mut(key) {
            list.retain(|w| !Arc::ptr_eq(&w.flag, flag));
            if list.is_empty() {
                self.watchers.remove(key);
            }
        }
    }

    /// Redis's `isWatchedKeyExpired` for one key, to be checked at EXEC: true if `key` is
    /// logically expired now although it was not when `flag`'s client watched it (nor became
    /// a stale watch through SWAPDB). Such an expiry aborts the transaction.
    pub fn watched_key_expired(&self, key: &[u8], flag: &WatchFlag) -> bool {
        let stale = self
            .watchers
            .get(key)
            .and_then(|l| l.iter().find(|w| Arc::ptr_eq(&w.flag, flag)))
            .is_some_and(|w| w.expired);
        !stale && self.is_logically_expired(key)
    }

    /// True if `key` exists but its expiry time has passed (it is logically gone even if not yet
    /// collected).
    pub fn is_logically_expired(&self, key: &[u8]) -> bool {
        self.store
            .find(key)
            .and_then(|idx| self.store.slot(idx))
            .is_some_and(|s| s.entry.due_now())
    }

    /// Number of keys with at least one watcher (INFO `total_watched_keys`).
    pub fn watched_keys(&self) -> usize {
        self.watchers.len()
    }

    /// This database's number.
    pub fn index(&self) -> usize {
        self.index
    }

    // -----------------------------------------------------------------------------------------
    // Active expiry
    // -----------------------------------------------------------------------------------------

    /// One sampling round of the active-expiry cycle: looks at up to `max` keys with a TTL
    /// (continuing a walk of the volatile keys where the previous round stopped, as Redis walks
    /// its `expires` table with a cursor) and expires the due ones. Returns
    /// `(sampled, expired)`.
    pub fn expire_sample(&mut self, now: i64, max: usize) -> (usize, usize) {
        if self.store.expires.is_empty() {
            self.store.avg_ttl = 0;
            return (0, 0);
        }
        let want = max.min(self.store.expires.len());
        let (mut sampled, mut expired) = (0, 0);
        let (mut ttl_sum, mut ttl_samples) = (0i64, 0i64);
        while sampled < want && !self.store.expires.is_empty() {
            if self.store.exp_cursor >= self.store.expires.len() {
                self.store.exp_cursor = 0;
            }
            let idx = self.store.expires[self.store.exp_cursor] as usize;
            sampled += 1;
            let at = self.store.slot(idx).and_then(|s| s.entry.expires_at);
            if at.is_some_and(|at| now > at) {
                // The last volatile key moves into the cursor's place: look at it next.
                self.expire_index(idx);
                expired += 1;
            } else {
                if let Some(ttl) = at.map(|at| at.saturating_sub(now)).filter(|&t| t > 0) {
                    ttl_sum = ttl_sum.saturating_add(ttl);
                    ttl_samples += 1;
                }
                self.store.exp_cursor += 1;
            }
        }
        if ttl_samples > 0 {
            // Redis's running average: 2% weight for the new sample.
            let avg = ttl_sum / ttl_samples;
            if self.store.avg_ttl == 0 {
                self.store.avg_ttl = avg;
            }
            self.store.avg_ttl = (self.store.avg_ttl / 50) * 49 + avg / 50;
        }
        (sampled, expired)
    }

    /// Estimated average remaining TTL of the volatile keys in ms (INFO keyspace `avg_ttl`), as
    /// Redis estimates it from the active cycle's samples; 0 when unknown or no key has a TTL.
    pub fn avg_ttl(&self) -> i64 {
        self.store.avg_ttl
    }

    /// Up to `max` hashes whose earliest field expiry is at or before `now`, soonest first.
    /// The active cycle expires their fields, then calls [`Db::refresh_field_expiry`].
    pub fn hashes_with_due_fields(&mut self, now: i64, max: usize) -> Vec<Bytes> {
        self.store.process_pending(None);
        self.store
            .hfe
            .iter()
            .take_while(|(at, _)| *at <= now)
            .take(max)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Re-reads the earliest field expiry of the hash at `key` into the field-expiry index
    /// (or drops it from the index if it is gone or has no field TTLs any more).
    pub fn refresh_field_expiry(&mut self, key: &[u8]) {
        match self.store.find(key) {
            Some(idx) => {
                self.store.unpend(idx);
                self.store.reconcile(idx);
            }
            None => {
                // Not in the table: drop any index entry left behind.
                if let Some(at) = self.store.hfe_at.remove(key) {
                    self.store.hfe.remove(&(at, Bytes::copy_from_slice(key)));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Keyspace
// ---------------------------------------------------------------------------------------------

/// All databases.
#[derive(Debug)]
pub struct Keyspace {
    dbs: Vec<Db>,
    stats: Arc<ExpiryStats>,
    /// False stops the active-expiry cycle (Redis's `DEBUG SET-ACTIVE-EXPIRE 0`); lazy expiry
    /// on access is unaffected.
    active_expire: bool,
}

impl Keyspace {
    /// `n` empty databases.
    pub fn new(n: usize) -> Self {
        let stats = Arc::new(ExpiryStats::default());
        Keyspace {
            dbs: (0..n)
                .map(|index| Db {
                    index,
                    stats: stats.clone(),
                    ..Db::default()
                })
                .collect(),
            stats,
            active_expire: true,
        }
    }

    /// Enables or disables the active-expiry cycle (for DEBUG SET-ACTIVE-EXPIRE and tests that
    /// need to observe lazy expiry alone).
    pub fn set_active_expire(&mut self, enabled: bool) {
        self.active_expire = enabled;
    }

    /// Whether the active-expiry cycle runs.
    pub fn active_expire_enabled(&self) -> bool {
        self.active_expire
    }

    /// Installs (or, with `None`, removes) the receiver of the events databases raise by
    /// themselves (`new`, `expired`).
    pub fn set_event_sink(&mut self, sink: Option<EventSink>) {
        for db in &mut self.dbs {
            db.events = Events(sink.clone());
        }
    }

    /// Key modifications ever made (Redis's `server.dirty`), for persistence.
    pub fn dirty(&self) -> u64 {
        self.stats.dirty.load(Ordering::Relaxed)
    }

    /// The expiry counters (INFO stats); clone the `Arc` to read them without the lock.
    pub fn expiry_stats(&self) -> Arc<ExpiryStats> {
        self.stats.clone()
    }

    /// Database `i`; callers validate `i` with SELECT.
    pub fn db(&mut self, i: usize) -> &mut Db {
        &mut self.dbs[i]
    }

    /// Database `i`, or `None` if out of range.
    pub fn get_db(&mut self, i: usize) -> Option<&mut Db> {
        self.dbs.get_mut(i)
    }

    /// Two distinct databases at once (MOVE, COPY ... DB); `None` if `a == b` or either is out
    /// of range.
    pub fn two_dbs(&mut self, a: usize, b: usize) -> Option<(&mut Db, &mut Db)> {
        if a == b || a >= self.dbs.len() || b >= self.dbs.len() {
            return None;
        }
        if a < b {
            let (lo, hi) = self.dbs.split_at_mut(b);
            Some((lo.get_mut(a)?, hi.get_mut(0)?))
        } else {
            let (lo, hi) = self.dbs.split_at_mut(a);
            Some((hi.get_mut(0)?, lo.get_mut(b)?))
        }
    }

    /// Exchanges the data of databases `a` and `b` (SWAPDB). Watchers stay with their database
    /// number, and those watching a key present in either database are invalidated, as in
    /// Redis. False if either index is out of range.
    pub fn swap_dbs(&mut self, a: usize, b: usize) -> bool {
        if a >= self.dbs.len() || b >= self.dbs.len() {
            return false;
        }
        if a == b {
            return true;
        }
        if let Some((da, db)) = self.two_dbs(a, b) {
            da.touch_all_watched(Some(&db.store));
            db.touch_all_watched(Some(&da.store));
            std::mem::swap(&mut da.store, &mut db.store);
        }
        true
    }

    /// Number of databases.
    pub fn len(&self) -> usize {
        self.dbs.len()
    }

    /// True if configured with no databases (never in practice).
    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    /// Iterates databases with their index.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Db)> {
        self.dbs.iter().enumerate()
    }

    /// Empties every database.
    pub fn clear_all(&mut self) {
        for db in &mut self.dbs {
            db.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap as Model, HashSet};
    use std::sync::Mutex;

    type Log = Arc<Mutex<Vec<(String, Vec<u8>, usize)>>>;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn s(v: &str) -> Value {
        Value::String(b(v))
    }

    /// A keyspace whose events are recorded.
    fn logged(n: usize) -> (Keyspace, Log) {
        let log: Log = Arc::default();
        let l = log.clone();
        let mut ks = Keyspace::new(n);
        ks.set_event_sink(Some(Arc::new(move |_class, event, key, db| {
            l.lock()
                .unwrap()
                .push((event.to_string(), key.to_vec(), db));
        })));
        (ks, log)
    }

    fn events(log: &Log) -> Vec<(String, String, usize)> {
        log.lock()
            .unwrap()
            .drain(..)
            .map(|(e, k, d)| (e, String::from_utf8(k).unwrap(), d))
            .collect()
    }

    fn ev(e: &str, k: &str, d: usize) -> (String, String, usize) {
        (e.to_string(), k.to_string(), d)
    }

    fn hash_with_ttl(at: i64) -> Value {
        let lim = crate::config::EncodingLimits::default();
        let mut h = hash::Hash::default();
        h.set(b"f", b"v", false, &lim);
        h.set(b"g", b"v", false, &lim);
        h.set_field_expiry(b"f", at, hash::ExpireCond::Always, 0);
        Value::Hash(h)
    }

    /// Every index agrees with the entries.
    fn check(db: &Db) {
        let st = &db.store;
        let entries = st.table.entries();
        let mut volatile = 0;
        for (i, slot) in entries.iter().enumerate() {
            let e = &slot.entry;
            match e.expires_at {
                Some(_) => {
                    volatile += 1;
                    assert_eq!(
                        st.expires[e.exp_pos as usize] as usize, i,
                        "exp back-pointer"
                    );
                }
                None => assert_eq!(e.exp_pos, NO_POS),
            }
            assert_eq!(
                e.has(HFE_PENDING),
                st.pending.contains(&(i as u32)),
                "pending flag of {i}"
            );
            assert_eq!(e.has(HFE_INDEXED), st.hfe_at.contains_key(&slot.key));
            assert_eq!(st.table.position(&slot.key), Some(i));
        }
        assert_eq!(st.expires.len(), volatile);
        assert_eq!(st.hfe.len(), st.hfe_at.len());
        for (at, k) in &st.hfe {
            assert_eq!(st.hfe_at.get(k), Some(at));
        }
        let distinct: HashSet<&u32> = st.pending.iter().collect();
        assert_eq!(distinct.len(), st.pending.len());
    }

    #[test]
    fn entry_is_valid_during_its_expiry_millisecond() {
        let e = Entry::new(s("v"), Some(1000));
        assert!(!e.due(999));
        assert!(!e.due(1000));
        assert!(e.due(1001));
        assert!(!Entry::new(s("v"), None).due(i64::MAX));
    }

    #[test]
    fn new_is_raised_only_for_created_keys() {
        let (mut ks, log) = logged(2);
        let db = ks.db(1);
        db.set(b("a"), s("1"), None);
        db.set(b("a"), s("2"), None);
        db.typed_or_insert(b"l", || s(""), |v| Some(v)).unwrap();
        db.typed_or_insert(b"l", || s(""), |v| Some(v)).unwrap();
        db.insert_entry(b("m"), Entry::new(s("x"), None));
        assert_eq!(
            events(&log),
            vec![ev("new", "a", 1), ev("new", "l", 1), ev("new", "m", 1)]
        );
        check(ks.db(1));
    }

    #[test]
    fn lazy_expiry_raises_expired_counts_and_touches() {
        let (mut ks, log) = logged(1);
        let stats = ks.expiry_stats();
        let flag: WatchFlag = Arc::default();
        let db = ks.db(0);
        db.set(b("k"), s("v"), Some(now_ms() + 20));
        db.set(b("p"), s("v"), Some(now_ms() + 100_000));
        db.watch(b("k"), &flag); // watched while alive
        std::thread::sleep(std::time::Duration::from_millis(30));
        events(&log);
        assert_eq!(db.len(), 2);
        assert!(db.is_logically_expired(b"k"));
        assert!(db.get(b"k").is_none());
        assert_eq!(events(&log), vec![ev("expired", "k", 0)]);
        assert!(flag.load(Ordering::Relaxed));
        assert_eq!(stats.expired_keys.load(Ordering::Relaxed), 1);
        assert_eq!((db.len(), db.expiring()), (1, 1));
        assert!(db.get(b"p").is_some());
        // Every accessor expires lazily.
        db.set(b("k"), s("v"), Some(now_ms() - 10));
        assert!(!db.remove(b"k"));
        db.set(b("k"), s("v"), Some(now_ms() - 10));
        assert!(db.peek(b"k").is_none());
        db.set(b("k"), s("v"), Some(now_ms() - 10));
        assert!(db.get_mut(b"k").is_none());
        db.set(b("k"), s("v"), Some(now_ms() - 10));
        assert!(db.take(b"k").is_none());
        db.set(b("k"), s("v"), Some(now_ms() - 10));
        assert!(!db.set_expiry(b"k", None));
        assert_eq!(stats.expired_keys.load(Ordering::Relaxed), 6);
        check(db);
    }

    #[test]
    fn set_replaces_value_and_ttl_in_place() {
        let mut db = Db::default();
        db.set(b("a"), s("1"), Some(now_ms() + 10_000));
        db.set(b("b"), s("1"), None);
        assert_eq!(db.expiring(), 1);
        db.set(b("a"), s("2"), None);
        assert_eq!(db.expiring(), 0);
        assert!(db.get(b"a").unwrap().expires_at.is_none());
        db.set(b("b"), s("2"), Some(now_ms() + 10_000));
        assert_eq!(db.expiring(), 1);
        assert!(db.set_expiry(b"a", Some(now_ms() + 5000)));
        assert!(db.set_expiry(b"a", Some(now_ms() + 6000)));
        assert_eq!(db.expiring(), 2);
        check(&db);
        assert!(db.remove(b"b"));
        assert_eq!(db.expiring(), 1);
        check(&db);
    }

    #[test]
    fn active_sampling_expires_everything_due() {
        let (mut ks, log) = logged(1);
        let db = ks.db(0);
        let now = now_ms();
        for i in 0..100 {
            let at = if i % 2 == 0 { now - 5 } else { now + 100_000 };
            db.set(b(&format!("k{i}")), s("v"), Some(at));
        }
        for i in 0..50 {
            db.set(b(&format!("p{i}")), s("v"), None);
        }
        events(&log);
        let mut expired = 0;
        for _ in 0..20 {
            let (sampled, e) = db.expire_sample(now, 20);
            assert!(sampled <= 20);
            expired += e;
            check(db);
        }
        assert_eq!(expired, 50);
        assert_eq!((db.len(), db.expiring()), (100, 50));
        let evs = events(&log);
        assert_eq!(evs.len(), 50);
        assert!(evs
            .iter()
            .all(|(e, k, _)| e == "expired" && k.starts_with('k')));
        assert!(
            db.avg_ttl() > 90_000 && db.avg_ttl() <= 100_000,
            "{}",
            db.avg_ttl()
        );
        // A lone volatile key is sampled once per round, not 20 times.
        let mut one = Db::default();
        one.set(b("x"), s("v"), Some(now + 1000));
        assert_eq!(one.expire_sample(now, 20), (1, 0));
        assert_eq!(one.expire_sample(now + 1001, 20), (1, 1));
        assert_eq!(one.expire_sample(now + 1001, 20), (0, 0));
    }

    #[test]
    fn random_key_skips_and_deletes_expired() {
        let mut db = Db::default();
        assert!(db.random_key().is_none());
        for i in 0..20 {
            db.set(b(&format!("e{i}")), s("v"), Some(now_ms() - 1));
        }
        assert!(db.random_key().is_none());
        assert_eq!(db.len(), 0);
        db.set(b("live"), s("v"), None);
        for i in 0..20 {
            db.set(b(&format!("e{i}")), s("v"), Some(now_ms() - 1));
        }
        for _ in 0..5 {
            assert_eq!(db.random_key(), Some(b("live")));
        }
        check(&db);
    }

    #[test]
    fn field_ttl_index_follows_hashes() {
        let far = now_ms() + 100_000;
        let mut db = Db::default();
        db.set(b("h"), hash_with_ttl(far), None);
        db.set(b("plain"), s("v"), None);
        assert_eq!(db.hashes_with_field_ttls(), 1);
        assert!(db.hashes_with_due_fields(far - 1, 10).is_empty());
        assert_eq!(db.hashes_with_due_fields(far, 10), vec![b("h")]);
        check(&db);
        // A TTL given through a mutable access is noticed at the next access.
        let lim = crate::config::EncodingLimits::default();
        let h2 = db
            .typed_or_insert(
                b"h2",
                || Value::Hash(hash::Hash::default()),
                |v| match v {
                    Value::Hash(h) => Some(h),
                    _ => None,
                },
            )
            .unwrap();
        h2.set(b"a", b"1", false, &lim);
        h2.set_field_expiry(b"a", far - 50, hash::ExpireCond::Always, 0);
        check(&db);
        assert!(db.get(b"plain").is_some());
        assert_eq!(db.hashes_with_due_fields(far, 10), vec![b("h2"), b("h")]);
        // ... and so is a TTL removed.
        if let Some(Value::Hash(h)) = db.get_mut(b"h").map(|e| &mut e.value) {
            h.persist_field(b"f");
        }
        db.refresh_field_expiry(b"h");
        assert_eq!(db.hashes_with_due_fields(far, 10), vec![b("h2")]);
        // Replacing or deleting the hash drops it.
        db.set(b("h2"), s("now a string"), None);
        assert_eq!(db.hashes_with_field_ttls(), 0);
        db.set(b("h3"), hash_with_ttl(far), None);
        assert!(db.remove(b"h3"));
        assert_eq!(db.hashes_with_field_ttls(), 0);
        check(&db);
    }

    #[test]
    fn clear_touches_only_watchers_of_existing_keys() {
        let mut db = Db::default();
        let (present, absent): (WatchFlag, WatchFlag) = (Arc::default(), Arc::default());
        db.set(b("a"), s("v"), None);
        db.watch(b("a"), &present);
        db.watch(b("zz"), &absent);
        db.clear();
        assert!(present.load(Ordering::Relaxed));
        assert!(!absent.load(Ordering::Relaxed));
        assert_eq!((db.len(), db.expiring()), (0, 0));
        assert_eq!(db.watched_keys(), 2);
    }

    #[test]
    fn stale_watches_follow_redis() {
        let stale = || Some(now_ms() - 10);
        let (mut ks, _log) = logged(2);
        let (fa, fb, fc, fd): (WatchFlag, WatchFlag, WatchFlag, WatchFlag) = (
            Arc::default(),
            Arc::default(),
            Arc::default(),
            Arc::default(),
        );
        // Watched while already expired: its deletion is no change.
        ks.db(0).set(b("x"), s("v"), stale());
        ks.db(0).watch(b("x"), &fa);
        assert!(!ks.db(0).watched_key_expired(b"x", &fa));
        assert!(ks.db(0).get(b"x").is_none());
        assert!(!fa.load(Ordering::Relaxed));
        // ... but a later write is.
        ks.db(0).set(b("x"), s("new"), None);
        ks.db(0).touch(b"x");
        assert!(fa.load(Ordering::Relaxed));
        // Watched while alive, then expired: at EXEC it counts as changed.
        ks.db(0).set(b("y"), s("v"), Some(now_ms() + 30));
        ks.db(0).watch(b("y"), &fb);
        assert!(!ks.db(0).watched_key_expired(b"y", &fb));
        std::thread::sleep(std::time::Duration::from_millis(40));
        assert!(ks.db(0).watched_key_expired(b"y", &fb));
        assert!(!fb.load(Ordering::Relaxed));
        assert!(ks.db(0).expire_if_due(b"y"));
        assert!(fb.load(Ordering::Relaxed));
        // FLUSHDB drops a stale watched key without aborting.
        ks.db(0).set(b("z"), s("v"), stale());
        ks.db(0).watch(b("z"), &fc);
        ks.db(0).clear();
        assert!(!fc.load(Ordering::Relaxed));
        // SWAPDB: a missing key replaced with an expired one is no change, and then counts as
        // a stale watch.
        ks.db(1).set(b("w"), s("v"), stale());
        ks.db(0).watch(b("w"), &fd);
        assert!(ks.swap_dbs(0, 1));
        assert!(!fd.load(Ordering::Relaxed));
        assert!(!ks.db(0).watched_key_expired(b"w", &fd));
        // A stale key replaced with another stale key: no change either; with a live one: a
        // change.
        ks.db(1).set(b("w"), s("v"), stale());
        assert!(ks.swap_dbs(0, 1));
        assert!(!fd.load(Ordering::Relaxed));
        ks.db(1).set(b("w"), s("live"), None);
        assert!(ks.swap_dbs(0, 1));
        assert!(fd.load(Ordering::Relaxed));
    }

    #[test]
    fn swap_exchanges_data_but_not_watchers() {
        let (mut ks, _log) = logged(3);
        let (w0, w1, w2): (WatchFlag, WatchFlag, WatchFlag) =
            (Arc::default(), Arc::default(), Arc::default());
        ks.db(0).set(b("a"), s("zero"), Some(now_ms() + 10_000));
        ks.db(1).set(b("b"), s("one"), None);
        ks.db(0).watch(b("b"), &w0); // exists only in the other database
        ks.db(1).watch(b("nothing"), &w1);
        ks.db(2).watch(b("a"), &w2); // not involved
        assert!(ks.swap_dbs(0, 1));
        assert!(w0.load(Ordering::Relaxed));
        assert!(!w1.load(Ordering::Relaxed));
        assert!(!w2.load(Ordering::Relaxed));
        assert!(ks.db(0).get(b"b").is_some());
        assert_eq!(ks.db(1).expiring(), 1);
        assert!(ks.db(1).get(b"a").is_some());
        assert_eq!((ks.db(0).index(), ks.db(1).index()), (0, 1));
        assert!(ks.swap_dbs(2, 2));
        assert!(!ks.swap_dbs(0, 3));
        assert!(ks.two_dbs(1, 1).is_none());
        let (x, y) = ks.two_dbs(1, 0).unwrap();
        assert_eq!((x.index(), y.index()), (1, 0));
    }

    #[test]
    fn idle_time_counts_from_last_access() {
        let mut e = Entry::new(s("v"), None);
        e.meta = (e.meta & !LRU_MASK) | (lru_clock().wrapping_sub(5) & LRU_MASK);
        assert_eq!(e.idle_ms(), 5000);
        e.touch_lru();
        assert_eq!(e.idle_ms(), 0);
        // One wrap of the 24-bit clock.
        let now = lru_clock();
        let ms = idle_ms_since(now.wrapping_add(10) & LRU_MASK);
        assert!(ms > 1000 * u64::from(LRU_CLOCK_MAX - 20), "{ms}");
    }

    #[test]
    fn scan_visits_each_key_once_when_nothing_changes() {
        let mut db = Db::default();
        for i in 0..1000 {
            db.set(b(&format!("k{i}")), s("v"), None);
        }
        let (mut cursor, mut seen, mut calls) = (0, Vec::new(), 0);
        loop {
            let (next, keys) = db.scan(cursor, 7);
            assert!(keys.len() <= 7);
            seen.extend(keys);
            calls += 1;
            if next == 0 {
                break;
            }
            cursor = next;
        }
        assert_eq!(seen.len(), 1000);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 1000);
        assert_eq!(calls, 143);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(u8, Option<i64>),
        Hash(u8, bool),
        Remove(u8),
        Expire(u8, Option<i64>),
        Rename(u8, u8),
        Sample,
        Scan(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let ttl = prop_oneof![Just(None), (-50i64..50).prop_map(Some)];
        prop_oneof![
            (any::<u8>(), ttl.clone()).prop_map(|(k, t)| Op::Set(k % 48, t)),
            (any::<u8>(), any::<bool>()).prop_map(|(k, t)| Op::Hash(k % 48, t)),
            any::<u8>().prop_map(|k| Op::Remove(k % 48)),
            (any::<u8>(), ttl).prop_map(|(k, t)| Op::Expire(k % 48, t)),
            (any::<u8>(), any::<u8>()).prop_map(|(a, c)| Op::Rename(a % 48, c % 48)),
            Just(Op::Sample),
            (1usize..6).prop_map(Op::Scan),
        ]
    }

    proptest! {
        /// The database behaves like a map of keys to TTLs, its indexes stay consistent, and a
        /// scan interleaved with the changes returns every key present throughout.
        #[test]
        fn db_matches_model_and_scan_guarantee_holds(ops in prop::collection::vec(op(), 1..200)) {
            let base = now_ms() + 1_000_000; // TTL offsets are relative to a far "now"
            let mut db = Db::default();
            let mut model: Model<Vec<u8>, Option<i64>> = Model::new();
            let mut cursor = 0u64;
            let mut scanning = true;
            let mut present_throughout: HashSet<Vec<u8>> = HashSet::new();
            let mut seen: HashSet<Vec<u8>> = HashSet::new();
            let key = |k: u8| format!("key:{k}").into_bytes();
            let mut started = false;
            for op in ops {
                match op {
                    Op::Set(k, t) => {
                        let at = t.map(|t| base + t);
                        db.set(Bytes::from(key(k)), s("v"), at);
                        model.insert(key(k), at);
                    }
                    Op::Hash(k, with_ttl) => {
                        let v = if with_ttl { hash_with_ttl(base) } else { Value::Hash(hash::Hash::default()) };
                        db.set(Bytes::from(key(k)), v, None);
                        model.insert(key(k), None);
                    }
                    Op::Remove(k) => {
                        let existed = model.remove(&key(k)).is_some();
                        prop_assert_eq!(db.remove(&key(k)), existed);
                        present_throughout.remove(&key(k));
                    }
                    Op::Expire(k, t) => {
                        let at = t.map(|t| base + t);
                        let existed = model.contains_key(&key(k));
                        if existed {
                            model.insert(key(k), at);
                        }
                        prop_assert_eq!(db.set_expiry(&key(k), at), existed);
                    }
                    Op::Rename(a, c) => {
                        if let Some(e) = db.take(&key(a)) {
                            let at = model.remove(&key(a)).flatten();
                            prop_assert_eq!(e.expires_at, at);
                            db.insert_entry(Bytes::from(key(c)), e);
                            model.insert(key(c), at);
                            present_throughout.remove(&key(a));
                            present_throughout.remove(&key(c));
                        }
                    }
                    Op::Sample => {
                        // Nothing is due at real time: TTLs are far in the future.
                        let (_, expired) = db.expire_sample(now_ms(), 20);
                        prop_assert_eq!(expired, 0);
                    }
                    Op::Scan(count) => {
                        if scanning {
                            if !started {
                                started = true;
                                present_throughout = model.keys().cloned().collect();
                            }
                            let (next, keys) = db.scan(cursor, count);
                            prop_assert!(keys.len() <= count);
                            seen.extend(keys.iter().map(|k| k.to_vec()));
                            cursor = next;
                            if next == 0 {
                                scanning = false;
                            }
                        }
                    }
                }
                check(&db);
                prop_assert_eq!(db.len(), model.len());
                prop_assert_eq!(db.expiring(), model.values().filter(|t| t.is_some()).count());
            }
            if started && !scanning {
                for k in &present_throughout {
                    prop_assert!(seen.contains(k), "missed {:?}", String::from_utf8_lossy(k));
                }
            }
            for (k, at) in &model {
                prop_assert_eq!(db.peek(k).map(|e| e.expires_at), Some(*at));
            }
        }
    }
}

#[cfg(test)]
mod lfu_tests {
    use super::*;

    #[test]
    fn lfu_counter_grows_logarithmically() {
        // From the initial value the first increment is certain.
        for _ in 0..100 {
            assert_eq!(lfu_log_incr(LFU_INIT_VAL), LFU_INIT_VAL + 1);
        }
        assert_eq!(lfu_log_incr(255), 255);
        let mut c = LFU_INIT_VAL;
        for _ in 0..1000 {
            c = lfu_log_incr(c);
        }
        // With factor 10, 1000 hits give a counter around 18 in Redis's table (100 hits ~ 10).
        assert!((8..=40).contains(&c), "{c}");
    }

    #[test]
    fn lfu_counter_decays_per_elapsed_period() {
        let now = lfu_minutes();
        assert_eq!(lfu_decayed((now << 8) | 20), 20);
        let three_ago = (now + 0x10000 - 3) & 0xFFFF;
        assert_eq!(lfu_decayed((three_ago << 8) | 20), 17);
        assert_eq!(lfu_decayed((three_ago << 8) | 2), 0);
    }
}
