//! Hash commands (HSET ... HSCAN) and Redis 7.4's hash field expiry (HEXPIRE ... HPERSIST),
//! with Redis's replies, errors, encodings and keyspace events.
//!
//! Expired fields are reclaimed lazily: every command that touches a hash first removes its
//! expired fields (publishing `hexpired`, and `del` if nothing is left). The server's active
//! expiry cycle can call [`expire_hash_fields`] so fields also vanish on their own.

use super::sets::{is_resp3, parse_range, parse_scan_cursor, parse_scan_opts, scan_reply_head};
use super::table::cmd;
use super::{eq_ic, parse_int, CmdError, CmdResult, CommandSpec, Ctx};
use crate::config::EncodingLimits;
use crate::notify::{notify, EventClass};
use crate::protocol::ReplyBuf;
use crate::server::Shared;
use crate::storage::hash::long_double::{self, Ld};
use crate::storage::hash::{ExpireCond, ExpireOutcome, FieldTtl, Hash};
use crate::storage::set::{random_index, sample_distinct};
use crate::storage::{now_ms, Db, Value};
use bytes::Bytes;

/// Largest absolute field expiry Redis 7.4 accepts (`HFE_MAX_ABS_TIME_MSEC`, 2^46 - 1 ms).
const HFE_MAX_ABS_TIME_MSEC: i64 = ((1i64 << 48) - 1) >> 2;

fn pick(v: &Value) -> Option<&Hash> {
    match v {
        Value::Hash(h) => Some(h),
        _ => None,
    }
}

fn pick_mut(v: &mut Value) -> Option<&mut Hash> {
    match v {
        Value::Hash(h) => Some(h),
        _ => None,
    }
}

/// Removes the expired fields of the hash at `key` in database `db` (number `dbi`), publishing
/// `hexpired` and, when the hash is left empty (and so deleted), `del`. Returns how many fields
/// went. Does nothing for missing keys, other types and hashes without due fields. The
/// server's active-expiry cycle calls this for hashes whose
/// [`Hash::next_field_expiry`] has passed.
pub fn expire_hash_fields(shared: &Shared, db: &mut Db, dbi: usize, key: &[u8], now: i64) -> usize {
    let mut hdel: Vec<Vec<u8>> = Vec::new();
    let (n, empty) = match db.typed_mut(key, pick_mut) {
        Ok(Some(h)) if h.next_field_expiry().is_some_and(|t| t <= now) => {
            if shared.aof.feeding() {
                // The AOF gets HDEL of the expired fields (Redis 7.4's propagation).
                hdel = vec![b"HDEL".to_vec(), key.to_vec()];
                hdel.extend(
                    h.iter()
                        .filter(|&(f, _)| matches!(h.field_ttl(f), FieldTtl::At(t) if t <= now))
                        .map(|(f, _)| f.to_vec()),
                );
            }
            let n = h.expire_fields(now);
            (n, h.is_empty())
        }
        _ => return 0,
    };
    if n == 0 {
        return 0;
    }
    if hdel.len() > 2 {
        shared.aof.feed_event(dbi, &hdel);
    }
    notify(shared, EventClass::Hash, "hexpired", key, dbi);
    if empty {
        db.remove(key);
        notify(shared, EventClass::Generic, "del", key, dbi);
    }
    db.touch(key);
    n
}

/// Whether a hash is looked up for a read command (which raises `keymiss` when there is none,
/// as Redis's `lookupKeyRead`) or for a write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lookup {
    Read,
    Write,
}

/// The hash at `key` after lazy field expiry; `Ok(None)` if there is none (any more).
fn hash_mut<'a>(
    shared: &Shared,
    dbi: usize,
    db: &'a mut Db,
    key: &[u8],
    now: i64,
    lookup: Lookup,
) -> Result<Option<&'a mut Hash>, CmdError> {
    let due = match db.typed_mut(key, pick_mut)? {
        None => {
            if lookup == Lookup::Read {
                db.key_miss(key);
            }
            return Ok(None);
        }
        Some(h) => h.next_field_expiry().is_some_and(|t| t <= now),
    };
    if due {
        expire_hash_fields(shared, db, dbi, key, now);
    }
    Ok(db.typed_mut(key, pick_mut)?)
}

fn limits(ctx: &Ctx<'_>) -> EncodingLimits {
    ctx.shared.config().encoding
}

fn hset_generic(ctx: &mut Ctx<'_>, args: &[Bytes], name: &str, hmset: bool) -> CmdResult {
    if args.len() % 2 == 1 {
        return Err(CmdError::WrongArity(name.into()));
    }
    let lim = limits(ctx);
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let key = &args[1];
    let pairs = &args[2..];
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    let apply = |h: &mut Hash| {
        h.prepare_for(pairs, &lim);
        pairs
            .chunks_exact(2)
            .filter(|p| h.set(&p[0], &p[1], false, &lim))
            .count()
    };
    let created = match hash_mut(shared, dbi, db, key, now_ms(), Lookup::Write)? {
        Some(h) => apply(h),
        None => {
            let mut h = Hash::default();
            let n = apply(&mut h);
            db.set(Bytes::copy_from_slice(key), Value::Hash(h), None);
            n
        }
    };
    db.touch(key);
    notify(shared, EventClass::Hash, "hset", key, dbi);
    if hmset {
        ctx.out.ok();
    } else {
        ctx.out.int(created as i64);
    }
    Ok(())
}

/// HSET key field value [field value ...]
pub fn hset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    hset_generic(ctx, args, "hset", false)
}

/// HMSET key field value [field value ...]
pub fn hmset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    hset_generic(ctx, args, "hmset", true)
}

/// HSETNX key field value
pub fn hsetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let lim = limits(ctx);
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let key = &args[1];
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    match hash_mut(shared, dbi, db, key, now_ms(), Lookup::Write)? {
        Some(h) if h.contains(&args[2]) => {
            ctx.out.int(0);
            return Ok(());
        }
        Some(h) => {
            h.prepare_for(&args[2..4], &lim);
            h.set(&args[2], &args[3], false, &lim);
        }
        None => {
            let mut h = Hash::default();
            h.prepare_for(&args[2..4], &lim);
            h.set(&args[2], &args[3], false, &lim);
            db.set(Bytes::copy_from_slice(key), Value::Hash(h), None);
        }
    }
    db.touch(key);
    notify(shared, EventClass::Hash, "hset", key, dbi);
    ctx.out.int(1);
    Ok(())
}

/// HGET key field
pub fn hget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)?
        .and_then(|h| h.get(&args[2]))
    {
        Some(v) => ctx.out.bulk(v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// HMGET key field [field ...]
pub fn hmget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let h = hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)?;
    let h = h.as_deref();
    ctx.out.array(args.len() - 2);
    for f in &args[2..] {
        match h.and_then(|h| h.get(f)) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// HDEL key field [field ...]
pub fn hdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let key = &args[1];
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    let Some(h) = hash_mut(shared, dbi, db, key, now_ms(), Lookup::Write)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let mut deleted = 0;
    for f in &args[2..] {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    let emptied = h.is_empty();
    if deleted > 0 {
        if emptied {
            db.remove(key);
        }
        db.touch(key);
        notify(shared, EventClass::Hash, "hdel", key, dbi);
        if emptied {
            notify(shared, EventClass::Generic, "del", key, dbi);
        }
    }
    ctx.out.int(deleted);
    Ok(())
}

/// HLEN key
pub fn hlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n =
        hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)?.map_or(0, |h| h.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// HSTRLEN key field
pub fn hstrlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)?
        .and_then(|h| h.get(&args[2]))
        .map_or(0, <[u8]>::len);
    ctx.out.int(n as i64);
    Ok(())
}

/// HEXISTS key field
pub fn hexists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let is = hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)?
        .is_some_and(|h| h.contains(&args[2]));
    ctx.out.int(i64::from(is));
    Ok(())
}

#[derive(Clone, Copy)]
enum Part {
    Keys,
    Values,
    Both,
}

fn getall_generic(ctx: &mut Ctx<'_>, args: &[Bytes], part: Part) -> CmdResult {
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let h = hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)?;
    let n = h.as_ref().map_or(0, |h| h.len());
    match part {
        Part::Both => ctx.out.map(n),
        _ => ctx.out.array(n),
    }
    if let Some(h) = h {
        for (f, v) in h.iter() {
            match part {
                Part::Keys => ctx.out.bulk(f),
                Part::Values => ctx.out.bulk(v),
                Part::Both => {
                    ctx.out.bulk(f);
                    ctx.out.bulk(v);
                }
            }
        }
    }
    Ok(())
}

/// HGETALL key
pub fn hgetall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    getall_generic(ctx, args, Part::Both)
}

/// HKEYS key
pub fn hkeys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    getall_generic(ctx, args, Part::Keys)
}

/// HVALS key
pub fn hvals(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    getall_generic(ctx, args, Part::Values)
}

/// HINCRBY key field increment
pub fn hincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let incr = parse_int(&args[3])?;
    let lim = limits(ctx);
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let key = &args[1];
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    let h = hash_mut(shared, dbi, db, key, now_ms(), Lookup::Write)?;
    let old = match h.as_ref().and_then(|h| h.get(&args[2])) {
        Some(v) => crate::protocol::parser::parse_i64(v)
            .ok_or_else(|| CmdError::Other("hash value is not an integer".into()))?,
        None => 0,
    };
    let new = old
        .checked_add(incr)
        .ok_or_else(|| CmdError::Other("increment or decrement would overflow".into()))?;
    let text = itoa::Buffer::new().format(new).as_bytes().to_vec();
    match h {
        Some(h) => {
            h.set(&args[2], &text, true, &lim);
        }
        None => {
            let mut h = Hash::default();
            h.set(&args[2], &text, true, &lim);
            db.set(Bytes::copy_from_slice(key), Value::Hash(h), None);
        }
    }
    db.touch(key);
    notify(shared, EventClass::Hash, "hincrby", key, dbi);
    ctx.out.int(new);
    Ok(())
}

/// HINCRBYFLOAT key field increment
pub fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let incr = long_double::parse(&args[3]).ok_or(CmdError::NotFloat)?;
    if long_double::is_inf(incr) {
        return Err(CmdError::Other("value is NaN or Infinity".into()));
    }
    let lim = limits(ctx);
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let key = &args[1];
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    let h = hash_mut(shared, dbi, db, key, now_ms(), Lookup::Write)?;
    let old = match h.as_ref().and_then(|h| h.get(&args[2])) {
        Some(v) => long_double::parse(v)
            .ok_or_else(|| CmdError::Other("hash value is not a float".into()))?,
        None => Ld::Finite {
            neg: false,
            m: 0,
            e: 0,
        },
    };
    let new = long_double::add(old, incr)
        .filter(|v| !long_double::is_inf(*v))
        .ok_or_else(|| CmdError::Other("increment would produce NaN or Infinity".into()))?;
    let text = long_double::format_human(new);
    match h {
        Some(h) => {
            h.set(&args[2], text.as_bytes(), true, &lim);
        }
        None => {
            let mut h = Hash::default();
            h.set(&args[2], text.as_bytes(), true, &lim);
            db.set(Bytes::copy_from_slice(key), Value::Hash(h), None);
        }
    }
    db.touch(key);
    crate::aof::propagate::rewrite(&[&b"HSET"[..], key, &args[2], text.as_bytes()]);
    notify(shared, EventClass::Hash, "hincrbyfloat", key, dbi);
    ctx.out.bulk(text.as_bytes());
    Ok(())
}

fn reply_pair(out: &mut ReplyBuf, f: &[u8], v: &[u8], withvalues: bool) {
    if withvalues && is_resp3(out) {
        out.array(2);
    }
    out.bulk(f);
    if withvalues {
        out.bulk(v);
    }
}

/// HRANDFIELD key [count [WITHVALUES]]
pub fn hrandfield(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut count = None;
    let mut withvalues = false;
    if let Some(a) = args.get(2) {
        let l = parse_range(a, -i64::MAX, i64::MAX, None)?;
        if args.len() > 4 || (args.len() == 4 && !eq_ic(&args[3], "withvalues")) {
            return Err(CmdError::Syntax);
        }
        if args.len() == 4 {
            withvalues = true;
            if !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
                return Err(CmdError::Other("value is out of range".into()));
            }
        }
        count = Some(l);
    }
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let h = hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)?;
    let Some(l) = count else {
        match h.and_then(|h| h.random_entry()) {
            Some((f, _)) => ctx.out.bulk(f),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let Some(h) = h else {
        ctx.out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs();
    if count == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    let resp2_flat = withvalues && !is_resp3(ctx.out);
    let header = |out: &mut ReplyBuf, n: usize| out.array(if resp2_flat { n * 2 } else { n });
    let size = h.len();
    if l < 0 || count == 1 {
        let start = ctx.out.len();
        header(ctx.out, usize::try_from(count).unwrap_or(usize::MAX / 2));
        let entries = (h.encoding() != "hashtable").then(|| h.entries());
        for i in 0..count {
            let e = match &entries {
                Some(v) => v.get(random_index(v.len())).copied(),
                None => h.random_entry(),
            };
            if let Some((f, v)) = e {
                reply_pair(ctx.out, f, v, withvalues);
            }
            if i % 1024 == 1023 && ctx.out.len() - start > super::sets::MAX_SAMPLED_REPLY {
                ctx.out.truncate(start);
                return Err(CmdError::Other("reply too large".into()));
            }
        }
        return Ok(());
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let entries = h.entries();
    if count >= size {
        header(ctx.out, size);
        for (f, v) in entries {
            reply_pair(ctx.out, f, v, withvalues);
        }
        return Ok(());
    }
    let mut picks = sample_distinct(size, count);
    if h.encoding() != "hashtable" {
        // Redis samples listpacks in order.
        picks.sort_unstable();
    }
    header(ctx.out, count);
    for i in picks {
        if let Some(&(f, v)) = entries.get(i) {
            reply_pair(ctx.out, f, v, withvalues);
        }
    }
    Ok(())
}

/// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]
pub fn hscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_scan_cursor(&args[2])?;
    let shared = ctx.shared;
    let mut ks = shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(h) = hash_mut(shared, ctx.conn.db, db, &args[1], now_ms(), Lookup::Read)? else {
        scan_reply_head(ctx.out, 0, 0);
        return Ok(());
    };
    let opts = parse_scan_opts(args, 3, true)?;
    let (next, items) = h.scan(cursor, opts.count, opts.pattern.as_deref());
    let per = if opts.novalues { 1 } else { 2 };
    scan_reply_head(ctx.out, next, items.len() * per);
    for (f, v) in &items {
        ctx.out.bulk(f);
        if !opts.novalues {
            ctx.out.bulk(v);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Field expiry (Redis 7.4)
// ---------------------------------------------------------------------------------------------

/// Parses `FIELDS numfields field...` starting at `at` (the FIELDS token) and returns the
/// fields, with Redis 7.4's error texts.
fn parse_fields<'a>(
    args: &'a [Bytes],
    at: usize,
    numfields_msg: &str,
) -> Result<&'a [Bytes], CmdError> {
    if !args.get(at).is_some_and(|a| eq_ic(a, "fields")) {
        return Err(CmdError::Other(
            "Mandatory argument FIELDS is missing or not at the right position".into(),
        ));
    }
    let n = match args.get(at + 1) {
        Some(a) => parse_range(a, 1, i64::MAX, Some(numfields_msg))?,
        None => return Err(CmdError::Other(numfields_msg.into())),
    };
    let fields = args.get(at + 2..).unwrap_or(&[]);
    if n != fields.len() as i64 {
        return Err(CmdError::Other(
            "The `numfields` parameter must match the number of arguments".into(),
        ));
    }
    Ok(fields)
}

#[derive(Clone, Copy)]
enum TimeUnit {
    Seconds,
    Millis,
}

fn hexpire_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    name: &str,
    relative: bool,
    unit: TimeUnit,
) -> CmdResult {
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let key = &args[1];
    let now = now_ms();
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    // Type first, then the time, as Redis.
    db.typed(key, pick)?;
    let mut expire = parse_int(&args[2])?;
    if expire < 0 {
        return Err(CmdError::Other("invalid expire time, must be >= 0".into()));
    }
    let bad_time = || CmdError::Other(format!("invalid expire time in '{name}' command"));
    if let TimeUnit::Seconds = unit {
        if expire > HFE_MAX_ABS_TIME_MSEC / 1000 {
            return Err(bad_time());
        }
        expire *= 1000;
    }
    let base = if relative { now } else { 0 };
    if expire > HFE_MAX_ABS_TIME_MSEC - base {
        return Err(bad_time());
    }
    let at = expire + base;
    let (cond, fields_at) = match args.get(3) {
        Some(a) if eq_ic(a, "nx") => (ExpireCond::Nx, 4),
        Some(a) if eq_ic(a, "xx") => (ExpireCond::Xx, 4),
        Some(a) if eq_ic(a, "gt") => (ExpireCond::Gt, 4),
        Some(a) if eq_ic(a, "lt") => (ExpireCond::Lt, 4),
        _ => (ExpireCond::Always, 3),
    };
    let fields = parse_fields(
        args,
        fields_at,
        "Parameter `numFields` should be greater than 0",
    )?;
    let Some(h) = hash_mut(shared, dbi, db, key, now, Lookup::Write)? else {
        ctx.out.array(fields.len());
        for _ in fields {
            ctx.out.int(ExpireOutcome::NoField as i64);
        }
        return Ok(());
    };
    h.enable_field_ttl();
    ctx.out.array(fields.len());
    let (mut updated, mut deleted) = (0, 0);
    // The AOF gets HPEXPIREAT (absolute ms) for the fields given a TTL, HDEL for the fields a
    // past time deleted.
    let propagating = crate::aof::propagate::active();
    let mut set_args: Vec<&[u8]> = Vec::new();
    let mut del_args: Vec<&[u8]> = Vec::new();
    for f in fields {
        let r = h.set_field_expiry(f, at, cond, now);
        match r {
            ExpireOutcome::Set => {
                updated += 1;
                if propagating {
                    set_args.push(f);
                }
            }
            ExpireOutcome::Deleted => {
                deleted += 1;
                if propagating {
                    del_args.push(f);
                }
            }
            _ => {}
        }
        ctx.out.int(r as i64);
    }
    if propagating && updated + deleted > 0 {
        if !set_args.is_empty() {
            let at = crate::aof::int_arg(at);
            let n = crate::aof::int_arg(set_args.len() as i64);
            let mut cmd: Vec<&[u8]> = vec![b"HPEXPIREAT", key, &at, b"FIELDS", &n];
            cmd.extend(set_args);
            crate::aof::propagate::rewrite(&cmd);
        }
        if !del_args.is_empty() {
            let mut cmd: Vec<&[u8]> = vec![b"HDEL", key];
            cmd.extend(del_args);
            crate::aof::propagate::rewrite(&cmd);
        }
    }
    if updated + deleted > 0 {
        let emptied = h.is_empty();
        if emptied {
            db.remove(key);
        }
        db.touch(key);
        let ev = if deleted > 0 { "hdel" } else { "hexpire" };
        notify(shared, EventClass::Hash, ev, key, dbi);
        if emptied {
            notify(shared, EventClass::Generic, "del", key, dbi);
        }
    }
    Ok(())
}

/// HEXPIRE key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
pub fn hexpire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, args, "hexpire", true, TimeUnit::Seconds)
}

/// HPEXPIRE key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
pub fn hpexpire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, args, "hpexpire", true, TimeUnit::Millis)
}

/// HEXPIREAT key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
pub fn hexpireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, args, "hexpireat", false, TimeUnit::Seconds)
}

/// HPEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
pub fn hpexpireat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, args, "hpexpireat", false, TimeUnit::Millis)
}

fn httl_generic(ctx: &mut Ctx<'_>, args: &[Bytes], relative: bool, unit: TimeUnit) -> CmdResult {
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let now = now_ms();
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    db.typed_read(&args[1], pick)?;
    let fields = parse_fields(args, 2, "Number of fields must be a positive integer")?;
    let h = hash_mut(shared, dbi, db, &args[1], now, Lookup::Write)?;
    ctx.out.array(fields.len());
    let base = if relative { now } else { 0 };
    for f in fields {
        let r = match h.as_ref().map_or(FieldTtl::Missing, |h| h.field_ttl(f)) {
            FieldTtl::Missing => -2,
            FieldTtl::Persistent => -1,
            FieldTtl::At(at) => match unit {
                TimeUnit::Seconds => (at + 999 - base) / 1000,
                TimeUnit::Millis => at - base,
            },
        };
        ctx.out.int(r);
    }
    Ok(())
}

/// HTTL key FIELDS numfields field [field ...]
pub fn httl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    httl_generic(ctx, args, true, TimeUnit::Seconds)
}

/// HPTTL key FIELDS numfields field [field ...]
pub fn hpttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    httl_generic(ctx, args, true, TimeUnit::Millis)
}

/// HEXPIRETIME key FIELDS numfields field [field ...]
pub fn hexpiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    httl_generic(ctx, args, false, TimeUnit::Seconds)
}

/// HPEXPIRETIME key FIELDS numfields field [field ...]
pub fn hpexpiretime(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    httl_generic(ctx, args, false, TimeUnit::Millis)
}

/// HPERSIST key FIELDS numfields field [field ...]
pub fn hpersist(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let shared = ctx.shared;
    let dbi = ctx.conn.db;
    let key = &args[1];
    let mut ks = shared.keyspace();
    let db = ks.db(dbi);
    db.typed(key, pick)?;
    let fields = parse_fields(args, 2, "Number of fields must be a positive integer")?;
    let Some(h) = hash_mut(shared, dbi, db, key, now_ms(), Lookup::Write)? else {
        ctx.out.array(fields.len());
        for _ in fields {
            ctx.out.int(-2);
        }
        return Ok(());
    };
    ctx.out.array(fields.len());
    let mut changed = false;
    for f in fields {
        let r = h.persist_field(f);
        changed |= r == 1;
        ctx.out.int(r);
    }
    if changed {
        db.touch(key);
        notify(shared, EventClass::Hash, "hpersist", key, dbi);
    }
    Ok(())
}

/// The hash commands, with Redis 7.4's arity, flags, key positions and ACL categories.
pub static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "hdel",
        -3,
        ["write", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "2.0.0",
        "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
        hdel
    ),
    cmd!(
        "hexists",
        3,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "2.0.0",
        "Determines whether a field exists in a hash.",
        hexists
    ),
    cmd!(
        "hexpire",
        -6,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "7.4.0",
        "Set expiry for hash field using relative time to expire (seconds)",
        hexpire
    ),
    cmd!(
        "hexpireat",
        -6,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "7.4.0",
        "Set expiry for hash field using an absolute Unix timestamp (seconds)",
        hexpireat
    ),
    cmd!(
        "hexpiretime",
        -5,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "7.4.0",
        "Returns the expiration time of a hash field as a Unix timestamp, in seconds.",
        hexpiretime
    ),
    cmd!(
        "hget",
        3,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "2.0.0",
        "Returns the value of a field in a hash.",
        hget
    ),
    cmd!(
        "hgetall",
        2,
        ["readonly"],
        1,
        1,
        1,
        ["read", "hash", "slow"],
        "hash",
        "2.0.0",
        "Returns all fields and values in a hash.",
        hgetall
    ),
    cmd!(
        "hincrby",
        4,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "2.0.0",
        "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
        hincrby
    ),
    cmd!(
        "hincrbyfloat",
        4,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "2.6.0",
        "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
        hincrbyfloat
    ),
    cmd!(
        "hkeys",
        2,
        ["readonly"],
        1,
        1,
        1,
        ["read", "hash", "slow"],
        "hash",
        "2.0.0",
        "Returns all fields in a hash.",
        hkeys
    ),
    cmd!(
        "hlen",
        2,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "2.0.0",
        "Returns the number of fields in a hash.",
        hlen
    ),
    cmd!(
        "hmget",
        -3,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "2.0.0",
        "Returns the values of all fields in a hash.",
        hmget
    ),
    cmd!(
        "hmset",
        -4,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "2.0.0",
        "Sets the values of multiple fields.",
        hmset
    ),
    cmd!(
        "hpersist",
        -5,
        ["write", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "7.4.0",
        "Removes the expiration time for each specified field",
        hpersist
    ),
    cmd!(
        "hpexpire",
        -6,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "7.4.0",
        "Set expiry for hash field using relative time to expire (milliseconds)",
        hpexpire
    ),
    cmd!(
        "hpexpireat",
        -6,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "7.4.0",
        "Set expiry for hash field using an absolute Unix timestamp (milliseconds)",
        hpexpireat
    ),
    cmd!(
        "hpexpiretime",
        -5,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "7.4.0",
        "Returns the expiration time of a hash field as a Unix timestamp, in msec.",
        hpexpiretime
    ),
    cmd!(
        "hpttl",
        -5,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "7.4.0",
        "Returns the TTL in milliseconds of a hash field.",
        hpttl
    ),
    cmd!(
        "hrandfield",
        -2,
        ["readonly"],
        1,
        1,
        1,
        ["read", "hash", "slow"],
        "hash",
        "6.2.0",
        "Returns one or more random fields from a hash.",
        hrandfield
    ),
    cmd!(
        "hscan",
        -3,
        ["readonly"],
        1,
        1,
        1,
        ["read", "hash", "slow"],
        "hash",
        "2.8.0",
        "Iterates over fields and values of a hash.",
        hscan
    ),
    cmd!(
        "hset",
        -4,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "2.0.0",
        "Creates or modifies the value of a field in a hash.",
        hset
    ),
    cmd!(
        "hsetnx",
        4,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "hash", "fast"],
        "hash",
        "2.0.0",
        "Sets the value of a field in a hash only when the field doesn't exist.",
        hsetnx
    ),
    cmd!(
        "hstrlen",
        3,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "3.2.0",
        "Returns the length of the value of a field.",
        hstrlen
    ),
    cmd!(
        "httl",
        -5,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "hash", "fast"],
        "hash",
        "7.4.0",
        "Returns the TTL in seconds of a hash field.",
        httl
    ),
    cmd!(
        "hvals",
        2,
        ["readonly"],
        1,
        1,
        1,
        ["read", "hash", "slow"],
        "hash",
        "2.0.0",
        "Returns all values in a hash.",
        hvals
    ),
];
