//! The keyspace: numbered databases of binary-safe keys, each with an optional expiry.
//!
//! Commands run synchronously against it under one lock (see ARCHITECTURE.md), which makes each
//! command, and later MULTI/EXEC, atomic without further care.

use bytes::Bytes;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// A stored value. More types arrive with the data-type commands.
#[derive(Debug, Clone)]
pub enum Value {
    /// A binary-safe string.
    String(Bytes),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
        }
    }
}

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

/// One numbered database.
#[derive(Debug, Default)]
pub struct Db {
    entries: HashMap<Bytes, Entry>,
    expiring: usize,
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

    fn expire_if_due(&mut self, key: &[u8]) {
        let due = self
            .entries
            .get(key)
            .and_then(|e| e.expires_at)
            .is_some_and(|at| at <= now_ms());
        if due {
            self.entries.remove(key);
            self.expiring -= 1;
        }
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

    /// Removes every key.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.expiring = 0;
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
