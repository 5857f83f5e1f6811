//! ACL LOG: recent denied commands, keys, channels and failed authentications, grouped as Redis
//! groups them (same reason, context, object and user within 60 seconds count as one entry).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Entries this close in time (ms) with the same fields are merged into one.
const GROUPING_MAX_DELTA_MS: i64 = 60_000;
/// How many recent entries are searched for one to merge with.
const GROUPING_SCAN: usize = 10;

/// Why something was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// AUTH / HELLO AUTH failed.
    Auth,
    /// The command is not allowed.
    Command,
    /// A key is not allowed.
    Key,
    /// A channel is not allowed.
    Channel,
}

impl Reason {
    /// The name ACL LOG shows.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Auth => "auth",
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Channel => "channel",
        }
    }
}

/// One ACL LOG entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub count: u64,
    pub reason: Reason,
    /// `toplevel` or `multi`.
    pub context: &'static str,
    /// The command, key or channel refused (for auth: the command name as sent).
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    /// Last update, ms since the epoch.
    pub updated_ms: i64,
    /// The client's CLIENT LIST line at the last update.
    pub client_info: String,
    pub entry_id: u64,
    pub created_ms: i64,
}

#[derive(Debug, Default)]
struct State {
    entries: VecDeque<Entry>,
    next_id: u64,
}

/// The log, newest entry first.
#[derive(Debug, Default)]
pub struct AclLog {
    state: Mutex<State>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl AclLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a refusal, merging it with a similar recent entry, keeping at most `max_len`.
    pub fn add(
        &self,
        reason: Reason,
        context: &'static str,
        object: &[u8],
        username: &[u8],
        client_info: String,
        max_len: usize,
    ) {
        let mut st = self.lock();
        if max_len == 0 {
            st.entries.clear();
            return;
        }
        let now = now_ms();
        let similar = st.entries.iter().take(GROUPING_SCAN).position(|e| {
            e.reason == reason
                && e.context == context
                && (e.updated_ms - now).abs() <= GROUPING_MAX_DELTA_MS
                && e.object == object
                && e.username == username
        });
        if let Some(i) = similar {
            if let Some(mut e) = st.entries.remove(i) {
                e.count += 1;
                e.updated_ms = now;
                e.client_info = client_info;
                st.entries.push_front(e);
            }
            return;
        }
        let entry_id = st.next_id;
        st.next_id += 1;
        st.entries.push_front(Entry {
            count: 1,
            reason,
            context,
            object: object.to_vec(),
            username: username.to_vec(),
            updated_ms: now,
            client_info,
            entry_id,
            created_ms: now,
        });
        st.entries.truncate(max_len);
    }

    /// The `n` newest entries.
    pub fn recent(&self, n: usize) -> Vec<Entry> {
        self.lock().entries.iter().take(n).cloned().collect()
    }

    /// ACL LOG RESET.
    pub fn reset(&self) {
        self.lock().entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_trims() {
        let log = AclLog::default();
        log.add(Reason::Command, "toplevel", b"get", b"u", "a".into(), 2);
        log.add(Reason::Command, "toplevel", b"get", b"u", "b".into(), 2);
        let e = log.recent(10);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].count, 2);
        assert_eq!(e[0].client_info, "b");
        log.add(Reason::Key, "toplevel", b"k", b"u", "c".into(), 2);
        log.add(Reason::Auth, "toplevel", b"AUTH", b"x", "d".into(), 2);
        let e = log.recent(10);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].reason, Reason::Auth);
        assert_eq!(e[0].entry_id, 2);
        log.reset();
        assert!(log.recent(10).is_empty());
    }
}
