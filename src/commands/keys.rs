//! Generic key commands (DEL, EXISTS); the string commands live in `strings`.

use super::{CmdResult, Ctx};
use bytes::Bytes;

/// DEL key [key ...]
pub fn del(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = args[1..].iter().filter(|k| db.remove(k)).count();
    ctx.out.int(n as i64);
    Ok(())
}

/// EXISTS key [key ...]
pub fn exists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = args[1..].iter().filter(|k| db.get(k).is_some()).count();
    ctx.out.int(n as i64);
    Ok(())
}
