//! String and generic key commands. This holds the handful the benchmarks and tools need
//! (GET, SET, DEL, EXISTS); the full keyspace command set builds on the same storage.

use super::{eq_ic, parse_int, CmdError, CmdResult, Ctx};
use crate::storage::{now_ms, Value};
use bytes::Bytes;

/// GET key
pub fn get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    match ks.db(ctx.conn.db).get(&args[1]).map(|e| &e.value) {
        None => ctx.out.null(),
        Some(Value::String(v)) => ctx.out.bulk(v),
        Some(_) => return Err(CmdError::WrongType),
    }
    Ok(())
}

/// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
pub fn set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut nx = false;
    let mut xx = false;
    let mut get = false;
    let mut keepttl = false;
    let mut expire: Option<i64> = None;
    let mut i = 3;
    while i < args.len() {
        let a = &args[i];
        let next = args.get(i + 1);
        if eq_ic(a, "nx") && !xx {
            nx = true;
        } else if eq_ic(a, "xx") && !nx {
            xx = true;
        } else if eq_ic(a, "get") {
            get = true;
        } else if eq_ic(a, "keepttl") && expire.is_none() {
            keepttl = true;
        } else if let (Some(unit), Some(v), false, None) = (
            ["ex", "px", "exat", "pxat"]
                .iter()
                .position(|u| eq_ic(a, u)),
            next,
            keepttl,
            expire,
        ) {
            let n = parse_int(v)?;
            let now = now_ms();
            let at = match unit {
                0 => n.checked_mul(1000).and_then(|ms| ms.checked_add(now)),
                1 => n.checked_add(now),
                2 => n.checked_mul(1000),
                _ => Some(n),
            };
            match at {
                Some(at) if n > 0 => expire = Some(at),
                _ => {
                    return Err(CmdError::Other(
                        "invalid expire time in 'set' command".into(),
                    ))
                }
            }
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let old_ttl = match db.get(&args[1]) {
        None => {
            if get {
                ctx.out.null();
            }
            None
        }
        Some(e) => {
            if get {
                match &e.value {
                    Value::String(v) => ctx.out.bulk(v),
                    _ => return Err(CmdError::WrongType),
                }
            }
            Some(e.expires_at)
        }
    };
    if (nx && old_ttl.is_some()) || (xx && old_ttl.is_none()) {
        if !get {
            ctx.out.null();
        }
        return Ok(());
    }
    let expires_at = if keepttl { old_ttl.flatten() } else { expire };
    db.set(
        Bytes::copy_from_slice(&args[1]),
        Value::String(Bytes::copy_from_slice(&args[2])),
        expires_at,
    );
    db.touch(&args[1]);
    if !get {
        ctx.out.ok();
    }
    Ok(())
}

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
