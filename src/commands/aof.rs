//! BGREWRITEAOF: compacts the append-only file in the background (see `aof::rewrite`).

use super::table::cmd;
use super::{CmdError, CmdResult, CommandSpec, Ctx};
use bytes::Bytes;

/// The AOF commands.
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd!("bgrewriteaof", 1, ["admin", "noscript", "no_async_loading"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "1.0.0", "Asynchronously rewrites the append-only file to disk.", bgrewriteaof),
];

/// BGREWRITEAOF
pub fn bgrewriteaof(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    match crate::aof::rewrite::start(ctx.shared) {
        Ok(()) => {
            ctx.out
                .simple("Background append only file rewriting started");
            Ok(())
        }
        Err(e @ crate::aof::AofError::RewriteInProgress) => Err(CmdError::Other(e.to_string())),
        Err(e) => Err(CmdError::Other(format!(
            "Background append only file rewriting failed: {e}"
        ))),
    }
}
