//! Generic key commands, as Redis 7.4's `db.c`, `expire.c` and `object.c`: DEL, UNLINK, EXISTS,
//! TYPE, the EXPIRE family, TTL family, PERSIST, TOUCH, KEYS, SCAN, RANDOMKEY, RENAME(NX), COPY,
//! MOVE, SWAPDB and OBJECT. The string commands live in `strings`; DBSIZE / FLUSHDB / FLUSHALL in
//! `server`.
//!
//! Lookups follow Redis's flags: TTL, TYPE, EXISTS and OBJECT use [`Db::peek`] (no access-time
//! update, `LOOKUP_NOTOUCH`); everything else records the access. Every lookup expires a due key
//! on the spot, and the database itself raises `expired` (and `new` for created keys); the
//! commands raise the generic events (`del`, `expire`, `persist`, `rename_from`, ...).

use super::sets::{parse_scan_cursor, scan_reply_head};
use super::table::cmd;
use super::{arg_for_error, eq_ic, parse_int, CmdError, CmdResult, CommandSpec, Ctx};
use crate::notify::{notify, EventClass};
use crate::pubsub::glob::glob_match;
use crate::server::blocking::{signal_db_ready, signal_key_ready};
use crate::storage::{now_ms, Db, Value};
use bytes::Bytes;

fn copy(b: &[u8]) -> Bytes {
    Bytes::copy_from_slice(b)
}

/// Parses a database number as Redis's `getIntFromObjectOrReply`: a 32-bit integer. Errors
/// with `msg` when given, else with Redis's default texts.
fn parse_db_index(arg: &[u8], msg: Option<&str>) -> Result<i64, CmdError> {
    let custom = || msg.map(|m| CmdError::Other(m.into()));
    let v = parse_int(arg).map_err(|e| custom().unwrap_or(e))?;
    if i32::try_from(v).is_err() {
        return Err(custom().unwrap_or_else(|| {
            CmdError::Other(format!(
                "value is out of range, value must between {} and {}",
                i32::MIN,
                i32::MAX
            ))
        }));
    }
    Ok(v)
}

/// Raises `keymiss` (class `m`), as Redis's read lookups do when a key is not found.
fn keymiss(ctx: &Ctx<'_>, key: &[u8]) {
    notify(ctx.shared, EventClass::KeyMiss, "keymiss", key, ctx.conn.db);
}

fn out_of_range() -> CmdError {
    CmdError::Other("DB index is out of range".into())
}

fn same_object() -> CmdError {
    CmdError::Other("source and destination objects are the same".into())
}

// ---------------------------------------------------------------------------------------------
// DEL / UNLINK / EXISTS / TYPE / TOUCH
// ---------------------------------------------------------------------------------------------

/// DEL key [key ...]
pub fn del(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let dbi = ctx.conn.db;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(dbi);
    let mut n = 0;
    for key in &args[1..] {
        if db.remove(key) {
            db.touch(key);
            notify(ctx.shared, EventClass::Generic, "del", key, dbi);
            n += 1;
        }
    }
    ctx.out.int(n);
    Ok(())
}

/// UNLINK key [key ...]: DEL; values are freed in place (Herald has no lazy-free thread, and
/// dropping is what the deleting thread would do anyway).
pub fn unlink(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    del(ctx, args)
}

/// EXISTS key [key ...]: a key named twice counts twice.
pub fn exists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let mut n = 0;
    for k in &args[1..] {
        if db.peek(k).is_some() {
            n += 1;
        } else {
            keymiss(ctx, k);
        }
    }
    ctx.out.int(n);
    Ok(())
}

/// TYPE key
pub fn type_(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let name = db.peek(&args[1]).map(|e| e.value.type_name());
    if name.is_none() {
        keymiss(ctx, &args[1]);
    }
    ctx.out.simple(name.unwrap_or("none"));
    Ok(())
}

/// TOUCH key [key ...]: records an access to each key; replies how many exist.
pub fn touch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let mut n = 0;
    for k in &args[1..] {
        if db.get(k).is_some() {
            n += 1;
        } else {
            keymiss(ctx, k);
        }
    }
    ctx.out.int(n);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// EXPIRE family
// ---------------------------------------------------------------------------------------------

/// `expireGenericCommand`: `relative` adds the current time, `seconds` scales argv[2] by 1000.
fn expire_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    name: &str,
    relative: bool,
    seconds: bool,
) -> CmdResult {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &args[3..] {
        if eq_ic(opt, "nx") {
            nx = true;
        } else if eq_ic(opt, "xx") {
            xx = true;
        } else if eq_ic(opt, "gt") {
            gt = true;
        } else if eq_ic(opt, "lt") {
            lt = true;
        } else {
            return Err(CmdError::Other(format!(
                "Unsupported option {}",
                arg_for_error(opt, usize::MAX)
            )));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::Other(
            "NX and XX, GT or LT options at the same time are not compatible".into(),
        ));
    }
    if gt && lt {
        return Err(CmdError::Other(
            "GT and LT options at the same time are not compatible".into(),
        ));
    }
    let invalid = || CmdError::Other(format!("invalid expire time in '{name}' command"));
    let mut when = parse_int(&args[2])?;
    let now = now_ms();
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    if relative {
        if when > i64::MAX - now {
            return Err(invalid());
        }
        when += now;
    }

    let key = &args[1];
    let dbi = ctx.conn.db;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(dbi);
    let Some(e) = db.get(key) else {
        ctx.out.int(0);
        return Ok(());
    };
    let current = e.expires_at;
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|c| when <= c))
        || (lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.out.int(0);
        return Ok(());
    }
    if when <= now {
        // Already in the past: the key is deleted, and Redis reports it as `del`.
        db.remove(key);
        db.touch(key);
        notify(ctx.shared, EventClass::Generic, "del", key, dbi);
    } else {
        db.set_expiry(key, Some(when));
        db.touch(key);
        notify(ctx.shared, EventClass::Generic, "expire", key, dbi);
    }
    ctx.out.int(1);
    Ok(())
}

/// EXPIRE key seconds [NX | XX | GT | LT]
pub fn expire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, "expire", true, true)
}

/// PEXPIRE key milliseconds [NX | XX | GT | LT]
pub fn pexpire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, "pexpire", true, false)
}

/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
pub fn expireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, "expireat", false, true)
}

/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
pub fn pexpireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, "pexpireat", false, false)
}

/// `ttlGenericCommand`: -2 for no key, -1 for no TTL, else the (remaining or absolute) time,
/// in milliseconds or rounded to the nearest second.
fn ttl_generic(ctx: &mut Ctx<'_>, args: &[Bytes], ms: bool, absolute: bool) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let reply = match db.peek(&args[1]) {
        None => {
            keymiss(ctx, &args[1]);
            -2
        }
        Some(e) => match e.expires_at {
            None => -1,
            Some(at) => {
                let t = if absolute { at } else { at - now_ms() }.max(0);
                if ms {
                    t
                } else {
                    ((i128::from(t) + 500) / 1000) as i64
                }
            }
        },
    };
    ctx.out.int(reply);
    Ok(())
}

/// TTL key
pub fn ttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, false, false)
}

/// PTTL key
pub fn pttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, true, false)
}

/// EXPIRETIME key
pub fn expiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, false, true)
}

/// PEXPIRETIME key
pub fn pexpiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, args, true, true)
}

/// PERSIST key
pub fn persist(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let dbi = ctx.conn.db;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(dbi);
    let had_ttl = db.get(key).is_some_and(|e| e.expires_at.is_some());
    if had_ttl {
        db.set_expiry(key, None);
        db.touch(key);
        notify(ctx.shared, EventClass::Generic, "persist", key, dbi);
    }
    ctx.out.int(i64::from(had_ttl));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// KEYS / SCAN / RANDOMKEY
// ---------------------------------------------------------------------------------------------

/// KEYS pattern: every key matching the glob pattern, skipping logically expired keys (which
/// KEYS, like Redis, leaves in place).
pub fn keys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let pattern = &args[1];
    let all = &pattern[..] == b"*";
    let now = now_ms();
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let found: Vec<&Bytes> = db
        .iter()
        .filter(|(k, e)| (all || glob_match(pattern, k)) && e.expires_at.is_none_or(|at| now <= at))
        .map(|(k, _)| k)
        .collect();
    ctx.out.array(found.len());
    for k in found {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
pub fn scan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_scan_cursor(&args[1])?;
    let mut count: usize = 10;
    let mut pattern: Option<&Bytes> = None;
    let mut type_name: Option<&Bytes> = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i >= 2;
        if eq_ic(&args[i], "count") && more {
            let n = parse_int(&args[i + 1])?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if eq_ic(&args[i], "match") && more {
            let p = &args[i + 1];
            pattern = (&p[..] != b"*").then_some(p);
        } else if eq_ic(&args[i], "type") && more {
            type_name = Some(&args[i + 1]);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let (next, mut found) = db.scan(cursor, count);
    if let Some(p) = pattern {
        found.retain(|k| glob_match(p, k));
    }
    // As Redis 7.4: with TYPE, a lookup (which also expires the key) decides; an unknown type
    // name matches nothing. Without it, expired keys are deleted and left out.
    found.retain(|k| match type_name {
        Some(t) => db.peek(k).is_some_and(|e| eq_ic(t, e.value.type_name())),
        None => !db.expire_if_due(k),
    });
    scan_reply_head(ctx.out, next, found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// RANDOMKEY
pub fn randomkey(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match db.random_key() {
        Some(k) => ctx.out.bulk(&k),
        None => ctx.out.null(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// RENAME / RENAMENX / COPY / MOVE / SWAPDB
// ---------------------------------------------------------------------------------------------

fn rename_generic(ctx: &mut Ctx<'_>, args: &[Bytes], nx: bool) -> CmdResult {
    let (src, dst) = (&args[1], &args[2]);
    let dbi = ctx.conn.db;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(dbi);
    if db.get(src).is_none() {
        return Err(CmdError::Other("no such key".into()));
    }
    if src == dst {
        if nx {
            ctx.out.int(0);
        } else {
            ctx.out.ok();
        }
        return Ok(());
    }
    if db.get(dst).is_some() {
        if nx {
            ctx.out.int(0);
            return Ok(());
        }
        // Overwritten without a `del` event, as Redis.
        db.remove(dst);
    }
    if let Some(entry) = db.take(src) {
        // Value, TTL and access time move with the name.
        db.insert_entry(copy(dst), entry);
    }
    db.touch(src);
    db.touch(dst);
    signal_key_ready(ctx.shared, dbi, dst);
    notify(ctx.shared, EventClass::Generic, "rename_from", src, dbi);
    notify(ctx.shared, EventClass::Generic, "rename_to", dst, dbi);
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

/// RENAME key newkey
pub fn rename(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, false)
}

/// RENAMENX key newkey
pub fn renamenx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// COPY source destination [DB destination-db] [REPLACE]
pub fn copy_cmd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let src_i = ctx.conn.db;
    let mut dst_i = src_i;
    let mut replace = false;
    let mut ks = ctx.shared.keyspace();
    let ndbs = ks.len();
    let mut j = 3;
    while j < args.len() {
        let additional = args.len() - j - 1;
        if eq_ic(&args[j], "replace") {
            replace = true;
        } else if eq_ic(&args[j], "db") && additional >= 1 {
            let id = parse_db_index(&args[j + 1], None)?;
            dst_i = usize::try_from(id)
                .ok()
                .filter(|&i| i < ndbs)
                .ok_or_else(out_of_range)?;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let (key, newkey) = (&args[1], &args[2]);
    if src_i == dst_i && key == newkey {
        return Err(same_object());
    }
    if ks.db(src_i).get(key).is_none() {
        keymiss(ctx, key);
        ctx.out.int(0);
        return Ok(());
    }
    let dst_exists = ks.db(dst_i).get(newkey).is_some();
    if dst_exists && !replace {
        ctx.out.int(0);
        return Ok(());
    }
    let Some((value, expires_at)) = ks
        .db(src_i)
        .peek(key)
        .map(|e| (e.value.clone(), e.expires_at))
    else {
        ctx.out.int(0);
        return Ok(());
    };
    let dst = ks.db(dst_i);
    if dst_exists {
        dst.remove(newkey);
    }
    dst.set(copy(newkey), value, expires_at);
    dst.touch(newkey);
    signal_key_ready(ctx.shared, dst_i, newkey);
    notify(ctx.shared, EventClass::Generic, "copy_to", newkey, dst_i);
    ctx.out.int(1);
    Ok(())
}

/// MOVE key db
pub fn move_cmd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let src_i = ctx.conn.db;
    let id = parse_db_index(&args[2], None)?;
    let mut ks = ctx.shared.keyspace();
    let dst_i = usize::try_from(id)
        .ok()
        .filter(|&i| i < ks.len())
        .ok_or_else(out_of_range)?;
    if dst_i == src_i {
        return Err(same_object());
    }
    let Some((src, dst)) = ks.two_dbs(src_i, dst_i) else {
        return Err(out_of_range());
    };
    if src.get(key).is_none() || dst.get(key).is_some() {
        ctx.out.int(0);
        return Ok(());
    }
    if let Some(entry) = src.take(key) {
        dst.insert_entry(copy(key), entry);
    }
    src.touch(key);
    dst.touch(key);
    signal_key_ready(ctx.shared, dst_i, key);
    notify(ctx.shared, EventClass::Generic, "move_from", key, src_i);
    notify(ctx.shared, EventClass::Generic, "move_to", key, dst_i);
    ctx.out.int(1);
    Ok(())
}

/// SWAPDB index1 index2
pub fn swapdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let a = parse_db_index(&args[1], Some("invalid first DB index"))?;
    let b = parse_db_index(&args[2], Some("invalid second DB index"))?;
    let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
        return Err(out_of_range());
    };
    if !ctx.shared.keyspace().swap_dbs(a, b) {
        return Err(out_of_range());
    }
    if a != b {
        // Clients blocked on keys of either database may find data there now.
        signal_db_ready(ctx.shared, a);
        signal_db_ready(ctx.shared, b);
    }
    ctx.out.ok();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// OBJECT
// ---------------------------------------------------------------------------------------------

/// The encoding OBJECT ENCODING reports, from the type modules.
pub fn encoding_of(entry: &crate::storage::Entry) -> &'static str {
    match &entry.value {
        Value::String(s) => super::strings::string_encoding(s, entry.string_form()),
        Value::List(l) => l.encoding(),
        Value::Hash(h) => h.encoding(),
        Value::Set(s) => s.encoding(),
        Value::ZSet(z) => z.encoding(),
        Value::Stream(_) => "stream",
    }
}

/// Redis's `OBJ_SHARED_REFCOUNT`, reported for shared objects.
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// Redis shares the integers 0..9999 (`OBJ_SHARED_INTEGERS`) among all keys holding them as
/// int-encoded strings (no maxmemory policy is configurable here, so always).
fn refcount_of(entry: &crate::storage::Entry) -> i64 {
    match &entry.value {
        Value::String(s) if super::strings::string_encoding(s, entry.string_form()) == "int" => {
            match crate::protocol::parser::parse_i64(s) {
                Some(n) if (0..10_000).contains(&n) => SHARED_REFCOUNT,
                _ => 1,
            }
        }
        _ => 1,
    }
}

/// Runs `f` on the entry at argv[2] (looked up without recording an access, as Redis's
/// `objectCommandLookup`), or replies null if there is none.
fn object_lookup(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    f: impl FnOnce(&mut Ctx<'_>, &crate::storage::Entry) -> CmdResult,
) -> CmdResult {
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db: &mut Db = ks.db(ctx.conn.db);
    match db.peek(&args[2]) {
        None => {
            ctx.out.null();
            Ok(())
        }
        Some(e) => f(ctx, e),
    }
}

/// OBJECT ENCODING key
pub fn object_encoding(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    object_lookup(ctx, args, |ctx, e| {
        ctx.out.bulk(encoding_of(e).as_bytes());
        Ok(())
    })
}

/// OBJECT REFCOUNT key
pub fn object_refcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    object_lookup(ctx, args, |ctx, e| {
        ctx.out.int(refcount_of(e));
        Ok(())
    })
}

/// OBJECT IDLETIME key: seconds since the last access; not tracked under an LFU policy (the
/// access bits hold the LFU counter then), as in Redis.
pub fn object_idletime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    object_lookup(ctx, args, |ctx, e| {
        if crate::storage::lfu_mode() {
            return Err(CmdError::Other(
                "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.".into(),
            ));
        }
        ctx.out.int((e.idle_ms() / 1000) as i64);
        Ok(())
    })
}

/// OBJECT FREQ key: the logarithmic access counter, tracked only under an LFU maxmemory
/// policy.
pub fn object_freq(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    object_lookup(ctx, args, |ctx, e| {
        if !crate::storage::lfu_mode() {
            return Err(CmdError::Other(
                "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.".into(),
            ));
        }
        ctx.out.int(i64::from(e.lfu_freq()));
        Ok(())
    })
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// OBJECT HELP
pub fn object_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.array(OBJECT_HELP.len());
    for line in OBJECT_HELP {
        ctx.out.simple(line);
    }
    Ok(())
}

fn object_container(_: &mut Ctx<'_>, _: &[Bytes]) -> CmdResult {
    // Never reached: dispatch resolves a subcommand or reports arity first.
    Err(CmdError::Syntax)
}

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!(
        "object|encoding",
        3,
        ["readonly"],
        2,
        2,
        1,
        ["keyspace", "read", "slow"],
        "generic",
        "2.2.3",
        "Returns the internal encoding of a Redis object.",
        object_encoding
    ),
    cmd!(
        "object|freq",
        3,
        ["readonly"],
        2,
        2,
        1,
        ["keyspace", "read", "slow"],
        "generic",
        "4.0.0",
        "Returns the logarithmic access frequency counter of a Redis object.",
        object_freq
    ),
    cmd!(
        "object|help",
        2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["keyspace", "slow"],
        "generic",
        "6.2.0",
        "Returns helpful text about the different subcommands.",
        object_help
    ),
    cmd!(
        "object|idletime",
        3,
        ["readonly"],
        2,
        2,
        1,
        ["keyspace", "read", "slow"],
        "generic",
        "2.2.3",
        "Returns the time since the last access to a Redis object.",
        object_idletime
    ),
    cmd!(
        "object|refcount",
        3,
        ["readonly"],
        2,
        2,
        1,
        ["keyspace", "read", "slow"],
        "generic",
        "2.2.3",
        "Returns the reference count of a value of a key.",
        object_refcount
    ),
];

/// The generic key commands (DEL and EXISTS are in the core table), with Redis 7.4's arity,
/// flags, key positions and ACL categories.
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd!("unlink", -2, ["write", "fast"], 1, -1, 1, ["keyspace", "write", "fast"], "generic", "4.0.0", "Asynchronously deletes one or more keys.", unlink),
    cmd!("type", 2, ["readonly", "fast"], 1, 1, 1, ["keyspace", "read", "fast"], "generic", "1.0.0", "Determines the type of value stored at a key.", type_),
    cmd!("touch", -2, ["readonly", "fast"], 1, -1, 1, ["keyspace", "read", "fast"], "generic", "3.2.1", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", touch),
    cmd!("expire", -3, ["write", "fast"], 1, 1, 1, ["keyspace", "write", "fast"], "generic", "1.0.0", "Sets the expiration time of a key in seconds.", expire),
    cmd!("pexpire", -3, ["write", "fast"], 1, 1, 1, ["keyspace", "write", "fast"], "generic", "2.6.0", "Sets the expiration time of a key in milliseconds.", pexpire),
    cmd!("expireat", -3, ["write", "fast"], 1, 1, 1, ["keyspace", "write", "fast"], "generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", expireat),
    cmd!("pexpireat", -3, ["write", "fast"], 1, 1, 1, ["keyspace", "write", "fast"], "generic", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", pexpireat),
    cmd!("ttl", 2, ["readonly", "fast"], 1, 1, 1, ["keyspace", "read", "fast"], "generic", "1.0.0", "Returns the expiration time in seconds of a key.", ttl),
    cmd!("pttl", 2, ["readonly", "fast"], 1, 1, 1, ["keyspace", "read", "fast"], "generic", "2.6.0", "Returns the expiration time in milliseconds of a key.", pttl),
    cmd!("expiretime", 2, ["readonly", "fast"], 1, 1, 1, ["keyspace", "read", "fast"], "generic", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", expiretime),
    cmd!("pexpiretime", 2, ["readonly", "fast"], 1, 1, 1, ["keyspace", "read", "fast"], "generic", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", pexpiretime),
    cmd!("persist", 2, ["write", "fast"], 1, 1, 1, ["keyspace", "write", "fast"], "generic", "2.2.0", "Removes the expiration time of a key.", persist),
    cmd!("keys", 2, ["readonly"], 0, 0, 0, ["keyspace", "read", "slow", "dangerous"], "generic", "1.0.0", "Returns all key names that match a pattern.", keys),
    cmd!("scan", -2, ["readonly"], 0, 0, 0, ["keyspace", "read", "slow"], "generic", "2.8.0", "Iterates over the key names in the database.", scan),
    cmd!("randomkey", 1, ["readonly"], 0, 0, 0, ["keyspace", "read", "slow"], "generic", "1.0.0", "Returns a random key name from the database.", randomkey),
    cmd!("rename", 3, ["write"], 1, 2, 1, ["keyspace", "write", "slow"], "generic", "1.0.0", "Renames a key and overwrites the destination.", rename),
    cmd!("renamenx", 3, ["write", "fast"], 1, 2, 1, ["keyspace", "write", "fast"], "generic", "1.0.0", "Renames a key only when the target key name doesn't exist.", renamenx),
    cmd!("copy", -3, ["write", "denyoom"], 1, 2, 1, ["keyspace", "write", "slow"], "generic", "6.2.0", "Copies the value of a key to a new key.", copy_cmd),
    cmd!("move", 3, ["write", "fast"], 1, 1, 1, ["keyspace", "write", "fast"], "generic", "1.0.0", "Moves a key to another database.", move_cmd),
    cmd!("swapdb", 3, ["write", "fast"], 0, 0, 0, ["keyspace", "write", "fast", "dangerous"], "generic", "4.0.0", "Swaps two Redis databases.", swapdb),
    CommandSpec {
        name: "object",
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        categories: &["slow"],
        group: "generic",
        since: "2.2.3",
        summary: "A container for object introspection commands.",
        handler: object_container,
        subcommands: OBJECT_SUBCOMMANDS,
    },
];
