//! The keyspace: numbered databases of binary-safe keys, each with an optional expiry.
//!
//! Commands run synchronously against it under one lock (see ARCHITECTURE.md), which makes each
//! command, and later MULTI/EXEC, atomic without further care.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub mod hash;
pub mod list;
pub mod set;
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
        }
    }
}

/// The key exists but holds a value of another type (Redis's WRONGTYPE error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongType;

/// A value with its absolute expiry time in Unix milliseconds, if any.
#[derive(Debug, Clone)]
pub struct Entry {
    pub value: Value,
    pub expires_at: Option<i64>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A client's WATCH state: set when any key it watches is modified.
pub type WatchFlag = Arc<AtomicBool>;

/// One numbered database.
#[derive(Debug, Default)]
pub struct Db {
    entries: HashMap<Bytes, Entry>,
    expiring: usize,
    /// Clients watching each key (WATCH), marked dirty by [`Db::touch`].
    watchers: HashMap<Bytes, Vec<WatchFlag>>,
}

impl Db {
    /// Looks a key up, deleting it first if it has expired (lazy expiry).
    pub fn get(&mut self, key: &[u8]) -> Option<&Entry> {
        self.expire_if_due(key);
        self.entries.get(key)
    }

    /// Stores a value, replacing any previous one and its expiry.
    pub fn set(&mut self, key: Bytes, value: Value, expires_at: Option<i64>) {
        if expires_at.is_some() {
            self.expiring += 1;
        }
        if let Some(old) = self.entries.insert(key, Entry { value, expires_at }) {
            if old.expires_at.is_some() {
                self.expiring -= 1;
            }
        }
    }

    /// Deletes a key; true if it existed (and had not expired).
    pub fn remove(&mut self, key: &[u8]) -> bool {
        self.expire_if_due(key);
        match self.entries.remove(key) {
            Some(old) => {
                if old.expires_at.is_some() {
                    self.expiring -= 1;
                }
                true
            }
            None => false,
        }
    }

    /// Deletes `key` if its expiry time has passed. Returns true if it did.
    pub fn expire_if_due(&mut self, key: &[u8]) -> bool {
        let due = self
            .entries
            .get(key)
            .and_then(|e| e.expires_at)
            .is_some_and(|at| at <= now_ms());
        if due {
            self.entries.remove(key);
            self.expiring -= 1;
            self.touch(key);
        }
        due
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
    /// not exist; `Err(WrongType)` if the key holds another type.
    pub fn typed_or_insert<T>(
        &mut self,
        key: &[u8],
        make: impl FnOnce() -> Value,
        pick: impl FnOnce(&mut Value) -> Option<&mut T>,
    ) -> Result<&mut T, WrongType> {
        self.expire_if_due(key);
        let entry = self
            .entries
            .entry(Bytes::copy_from_slice(key))
            .or_insert_with(|| Entry {
                value: make(),
                expires_at: None,
            });
        pick(&mut entry.value).ok_or(WrongType)
    }

    /// Looks a key up for modification, deleting it first if it has expired.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.expire_if_due(key);
        self.entries.get_mut(key)
    }

    /// Number of keys (including expired ones not yet collected, as Redis's DBSIZE).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the database holds no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of keys with an expiry (INFO keyspace `expires`).
    pub fn expiring(&self) -> usize {
        self.expiring
    }

    /// Removes every key, invalidating every WATCH on this database.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.expiring = 0;
        for flags in self.watchers.values() {
            for f in flags {
                f.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Records that `key` was modified: every client watching it will have its EXEC aborted.
    /// Commands call this after any change to a key (Redis's `signalModifiedKey`).
    pub fn touch(&mut self, key: &[u8]) {
        if let Some(flags) = self.watchers.get(key) {
            for f in flags {
                f.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Registers `flag` to be set when `key` is modified (WATCH).
    pub fn watch(&mut self, key: Bytes, flag: &WatchFlag) {
        let list = self.watchers.entry(key).or_default();
        if !list.iter().any(|f| Arc::ptr_eq(f, flag)) {
            list.push(flag.clone());
        }
    }

    /// Removes `flag` from the watchers of `key` (UNWATCH, EXEC, DISCARD, disconnect).
    pub fn unwatch(&mut self, key: &[u8], flag: &WatchFlag) {
        if let Some(list) = self.watchers.get_mut(key) {
            list.retain(|f| !Arc::ptr_eq(f, flag));
            if list.is_empty() {
                self.watchers.remove(key);
            }
        }
    }

    /// True if `key` exists but its expiry time has passed (it is logically gone even if not yet
    /// collected).
    pub fn is_logically_expired(&self, key: &[u8]) -> bool {
        self.entries
            .get(key)
            .and_then(|e| e.expires_at)
            .is_some_and(|at| at <= now_ms())
    }

    /// Number of keys with at least one watcher (INFO `total_watched_keys`).
    pub fn watched_keys(&self) -> usize {
        self.watchers.len()
    }
}

/// All databases.
#[derive(Debug)]
pub struct Keyspace {
    dbs: Vec<Db>,
}

impl Keyspace {
    /// `n` empty databases.
    pub fn new(n: usize) -> Self {
        Keyspace {
            dbs: (0..n).map(|_| Db::default()).collect(),
        }
    }

    /// Database `i`; callers validate `i` with SELECT.
    pub fn db(&mut self, i: usize) -> &mut Db {
        &mut self.dbs[i]
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
