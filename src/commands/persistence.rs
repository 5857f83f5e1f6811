//! Snapshot commands: SAVE, BGSAVE [SCHEDULE], LASTSAVE. SHUTDOWN (in `server`) saves through
//! [`crate::persistence::on_shutdown`].

use super::table::{cmd, CommandSpec};
use super::{eq_ic, CmdError, CmdResult, Ctx};
use crate::persistence::{self, PersistError};
use bytes::Bytes;

/// The commands of this group.
pub static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "save",
        1,
        ["admin", "noscript", "no_async_loading", "no_multi"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous"],
        "server",
        "1.0.0",
        "Synchronously saves the database(s) to disk.",
        save
    ),
    cmd!(
        "bgsave",
        -1,
        ["admin", "noscript", "no_async_loading"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous"],
        "server",
        "1.0.0",
        "Asynchronously saves the database(s) to disk.",
        bgsave
    ),
    cmd!(
        "lastsave",
        1,
        ["loading", "stale", "fast"],
        0,
        0,
        0,
        ["admin", "fast", "dangerous"],
        "server",
        "1.0.0",
        "Returns the Unix timestamp of the last successful save to disk.",
        lastsave
    ),
];

/// SAVE
pub fn save(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    match persistence::save(ctx.shared) {
        Ok(()) => {
            ctx.out.ok();
            Ok(())
        }
        Err(PersistError::InProgress) => Err(CmdError::Other(
            "Background save already in progress".into(),
        )),
        // Redis replies with its bare shared.err.
        Err(_) => Err(CmdError::Coded("ERR".into())),
    }
}

/// BGSAVE [SCHEDULE]
pub fn bgsave(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let schedule = match args.len() {
        1 => false,
        2 if eq_ic(&args[1], "schedule") => true,
        _ => return Err(CmdError::Syntax),
    };
    // Inside EXEC Redis defers the fork until the transaction is over.
    if ctx.conn.in_exec {
        persistence::schedule_bgsave(ctx.shared);
        ctx.out.simple("Background saving scheduled");
        return Ok(());
    }
    if ctx.shared.persistence.bgsave_in_progress() {
        if schedule {
            persistence::schedule_bgsave(ctx.shared);
            ctx.out.simple("Background saving scheduled");
            return Ok(());
        }
        return Err(CmdError::Other(
            "Background save already in progress".into(),
        ));
    }
    match persistence::bgsave(ctx.shared) {
        Ok(()) => {
            ctx.out.simple("Background saving started");
            Ok(())
        }
        Err(PersistError::InProgress) => Err(CmdError::Other(
            "Background save already in progress".into(),
        )),
        Err(_) => Err(CmdError::Coded("ERR".into())),
    }
}

/// LASTSAVE
pub fn lastsave(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(ctx.shared.persistence.last_save());
    Ok(())
}
