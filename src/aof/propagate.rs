//! What a running command propagates to the AOF, kept per thread (Redis's `alsoPropagate` /
//! `rewriteClientCommandVector`).
//!
//! A command's effects must reach the AOF in the order the keyspace applied them, so the
//! record is appended while the command still holds the keyspace lock: when its
//! [`crate::server::KeyspaceGuard`] is released after the keyspace's modification counter went up.
//! Handlers run synchronously on one thread, so the dispatcher leaves the command here
//! ([`begin`]) for that guard to find, and handlers whose effect differs from their text (SPOP,
//! EXPIRE, INCRBYFLOAT, blocking pops, ...) replace it with [`rewrite`] before they release the
//! lock.

use super::encode_command;
use std::cell::RefCell;

/// The command running on this thread and what it will propagate.
#[derive(Default)]
pub(crate) struct Pending {
    /// A write command runs with the AOF on.
    pub(crate) active: bool,
    /// The client's database.
    pub(crate) db: usize,
    /// The command as received, encoded.
    pub(crate) original: Vec<u8>,
    /// The handler replaced what is propagated...
    pub(crate) replaced: bool,
    /// ... with these commands (possibly none).
    pub(crate) replacement: Vec<u8>,
    /// Already appended (a command is recorded once even if it locks the keyspace twice).
    pub(crate) fed: bool,
    /// EXEC is running: the first record of the transaction is preceded by MULTI.
    pub(crate) in_exec: bool,
    /// MULTI was written for the running EXEC.
    pub(crate) multi_written: bool,
    /// The AOF offset this thread's clients must see fsynced before their replies go out.
    pub(crate) fed_mark: u64,
}

thread_local! {
    pub(crate) static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// Called by the dispatcher before a write command runs while the AOF is on.
pub fn begin(db: usize, args: &[bytes::Bytes]) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.active = true;
        p.db = db;
        p.original.clear();
        encode_command(&mut p.original, args);
        p.replaced = false;
        p.replacement.clear();
        p.fed = false;
    });
}

/// Called by the dispatcher when the command is over.
pub fn end() {
    PENDING.with(|p| p.borrow_mut().active = false);
}

/// True while a command whose effects are recorded runs on this thread: handlers build a
/// rewritten form only then.
pub fn active() -> bool {
    PENDING.with(|p| p.borrow().active)
}

/// Propagates `args` instead of the command as received; several calls add several commands.
/// Call it while still holding the keyspace lock.
pub fn rewrite<A: AsRef<[u8]>>(args: &[A]) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if !p.active {
            return;
        }
        if !p.replaced {
            p.replaced = true;
            p.replacement.clear();
        }
        encode_command(&mut p.replacement, args);
    });
}

/// Propagates nothing for this command (its effect was recorded otherwise).
pub fn suppress() {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.replaced = true;
        p.replacement.clear();
    });
}

/// EXEC starts: its effects are wrapped in MULTI ... EXEC.
pub fn begin_exec() {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.in_exec = true;
        p.multi_written = false;
    });
}

/// EXEC ended; true if MULTI was written (so EXEC must be).
pub fn end_exec() -> bool {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.in_exec = false;
        std::mem::take(&mut p.multi_written)
    })
}

/// The AOF offset this thread's latest commands reached, reset to 0: with `appendfsync
/// always` the connection waits for it to be fsynced before sending the replies.
pub fn take_fed_mark() -> u64 {
    PENDING.with(|p| std::mem::take(&mut p.borrow_mut().fed_mark))
}
