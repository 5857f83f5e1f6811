//! String commands (Redis's t_string.c): GET/SET and their variants, multi-key MGET/MSET,
//! APPEND/STRLEN/GETRANGE/SETRANGE, the integer and float counters, and LCS.
//!
//! Values are `Value::String(Bytes)`. INCRBYFLOAT computes in the x87 80-bit `long double` that
//! Redis uses on x86-64 Linux (emulated exactly in [`ld`]), so its results print digit for digit
//! as Redis prints them.

use super::table::cmd;
use super::{eq_ic, parse_int, CmdError, CmdResult, CommandSpec, Ctx};
use crate::notify::{notify, EventClass};
use crate::storage::{now_ms, StringForm, Value};
use bytes::{Bytes, BytesMut};
use std::sync::atomic::Ordering;

/// The string commands.
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd!("get", 2, ["readonly", "fast"], 1, 1, 1, ["read", "string", "fast"], "string", "1.0.0", "Returns the string value of a key.", get),
    cmd!("set", -3, ["write", "denyoom"], 1, 1, 1, ["write", "string", "slow"], "string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", set),
    cmd!("setnx", 3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "1.0.0", "Set the string value of a key only when the key doesn't exist.", setnx),
    cmd!("setex", 4, ["write", "denyoom"], 1, 1, 1, ["write", "string", "slow"], "string", "2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", setex),
    cmd!("psetex", 4, ["write", "denyoom"], 1, 1, 1, ["write", "string", "slow"], "string", "2.6.0", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", psetex),
    cmd!("getset", 3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "1.0.0", "Returns the previous string value of a key after setting it to a new value.", getset),
    cmd!("getdel", 2, ["write", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "6.2.0", "Returns the string value of a key after deleting the key.", getdel),
    cmd!("getex", -2, ["write", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "6.2.0", "Returns the string value of a key after setting its expiration time.", getex),
    cmd!("mget", -2, ["readonly", "fast"], 1, -1, 1, ["read", "string", "fast"], "string", "1.0.0", "Atomically returns the string values of one or more keys.", mget),
    cmd!("mset", -3, ["write", "denyoom"], 1, -1, 2, ["write", "string", "slow"], "string", "1.0.1", "Atomically creates or modifies the string values of one or more keys.", mset),
    cmd!("msetnx", -3, ["write", "denyoom"], 1, -1, 2, ["write", "string", "slow"], "string", "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", msetnx),
    cmd!("append", 3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", append),
    cmd!("strlen", 2, ["readonly", "fast"], 1, 1, 1, ["read", "string", "fast"], "string", "2.2.0", "Returns the length of a string value.", strlen),
    cmd!("getrange", 4, ["readonly"], 1, 1, 1, ["read", "string", "slow"], "string", "2.4.0", "Returns a substring of the string stored at a key.", getrange),
    cmd!("substr", 4, ["readonly"], 1, 1, 1, ["read", "string", "slow"], "string", "1.0.0", "Returns a substring from a string value.", getrange),
    cmd!("setrange", 4, ["write", "denyoom"], 1, 1, 1, ["write", "string", "slow"], "string", "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", setrange),
    cmd!("incr", 2, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", incr),
    cmd!("decr", 2, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", decr),
    cmd!("incrby", 3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", incrby),
    cmd!("decrby", 3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", decrby),
    cmd!("incrbyfloat", 3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "string", "fast"], "string", "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", incrbyfloat),
    cmd!("lcs", -3, ["readonly"], 1, 2, 1, ["read", "string", "slow"], "string", "7.0.0", "Finds the longest common substring.", lcs),
];

/// OBJECT ENCODING of a string value: for values made by SET and the like, decided from its
/// bytes as Redis's `tryObjectEncoding` would ("int" for a canonical 64-bit integer, "embstr" up
/// to 44 bytes, "raw" beyond); never "int" for a plain string object, always "raw" for one
/// modified in place.
pub fn string_encoding(v: &[u8], form: StringForm) -> &'static str {
    if form == StringForm::Raw {
        "raw"
    } else if form == StringForm::Auto
        && v.len() <= 20
        && crate::protocol::parser::parse_i64(v).is_some()
    {
        "int"
    } else if v.len() <= 44 {
        "embstr"
    } else {
        "raw"
    }
}

fn proto_max_bulk_len(ctx: &Ctx<'_>) -> i64 {
    ctx.shared.hot.proto_max_bulk_len.load(Ordering::Relaxed)
}

/// t_string.c `checkStringLength`.
fn check_string_length(ctx: &Ctx<'_>, size: usize, append: usize) -> CmdResult {
    let total = (size as u64).saturating_add(append as u64);
    if total > proto_max_bulk_len(ctx).max(0) as u64 {
        return Err(CmdError::Other(
            "string exceeds maximum allowed size (proto-max-bulk-len)".into(),
        ));
    }
    Ok(())
}

fn copy(b: &[u8]) -> Bytes {
    Bytes::copy_from_slice(b)
}

// ---------------------------------------------------------------------------------------------
// GET / SET family
// ---------------------------------------------------------------------------------------------

/// GET key
pub fn get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    match ks.db(ctx.conn.db).get_read(&args[1]).map(|e| &e.value) {
        None => ctx.out.null(),
        Some(Value::String(v)) => ctx.out.bulk(v),
        Some(_) => return Err(CmdError::WrongType),
    }
    Ok(())
}

/// How an expire argument is to be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireKind {
    Ex,
    Px,
    ExAt,
    PxAt,
}

/// Options of SET and GETEX (t_string.c `parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
struct StrOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(ExpireKind, &'a [u8])>,
}

fn parse_str_opts(args: &[Bytes], from: usize, is_set: bool) -> Result<StrOpts<'_>, CmdError> {
    let mut o = StrOpts::default();
    let mut j = from;
    while j < args.len() {
        let a = &args[j];
        let next = args.get(j + 1);
        let no_expire = o.expire.is_none();
        let kind = if eq_ic(a, "ex") {
            Some(ExpireKind::Ex)
        } else if eq_ic(a, "px") {
            Some(ExpireKind::Px)
        } else if eq_ic(a, "exat") {
            Some(ExpireKind::ExAt)
        } else if eq_ic(a, "pxat") {
            Some(ExpireKind::PxAt)
        } else {
            None
        };
        if is_set && eq_ic(a, "nx") && !o.xx {
            o.nx = true;
        } else if is_set && eq_ic(a, "xx") && !o.nx {
            o.xx = true;
        } else if is_set && eq_ic(a, "get") {
            o.get = true;
        } else if is_set && eq_ic(a, "keepttl") && !o.persist && no_expire {
            o.keepttl = true;
        } else if !is_set && eq_ic(a, "persist") && no_expire && !o.keepttl {
            o.persist = true;
        } else if let (Some(kind), Some(v)) = (kind, next) {
            // The same unit may repeat (the last value wins); two different units conflict.
            let same_or_none = o.expire.is_none_or(|(k, _)| k == kind);
            if o.keepttl || o.persist || !same_or_none {
                return Err(CmdError::Syntax);
            }
            o.expire = Some((kind, v));
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// t_string.c `getExpireMillisecondsOrReply`: the absolute expiry in ms, or the error naming
/// `cmd`.
fn expire_at_ms(kind: ExpireKind, arg: &[u8], cmd: &str) -> Result<i64, CmdError> {
    let v = parse_int(arg)?;
    let invalid = || CmdError::Other(format!("invalid expire time in '{cmd}' command"));
    let seconds = matches!(kind, ExpireKind::Ex | ExpireKind::ExAt);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(invalid());
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if matches!(kind, ExpireKind::Ex | ExpireKind::Px) {
        ms = ms.checked_add(now_ms()).ok_or_else(invalid)?;
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}

/// What SET-like commands reply when the value was (not) set.
#[derive(Clone, Copy)]
enum SetReply {
    /// `+OK` / null bulk (SET, SETEX, PSETEX).
    OkNull,
    /// `:1` / `:0` (SETNX).
    OneZero,
}

/// t_string.c `setGenericCommand`.
fn set_generic(
    ctx: &mut Ctx<'_>,
    opts: &StrOpts<'_>,
    key: &Bytes,
    val: &Bytes,
    cmd: &str,
    reply: SetReply,
) -> CmdResult {
    let expire = match opts.expire {
        Some((kind, arg)) => Some(expire_at_ms(kind, arg, cmd)?),
        None => None,
    };
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let (found, old_ttl) = match db.get(key) {
        None => {
            if opts.get {
                // SET ... GET reads the old value first (Redis's getGenericCommand).
                db.key_miss(key);
                ctx.out.null();
            }
            (false, None)
        }
        Some(e) => {
            if opts.get {
                match &e.value {
                    Value::String(v) => ctx.out.bulk(v),
                    _ => return Err(CmdError::WrongType),
                }
            }
            (true, e.expires_at)
        }
    };
    if (opts.nx && found) || (opts.xx && !found) {
        if !opts.get {
            match reply {
                SetReply::OkNull => ctx.out.null(),
                SetReply::OneZero => ctx.out.int(0),
            }
        }
        return Ok(());
    }
    let ttl = if opts.keepttl { old_ttl } else { expire };
    db.set(copy(key), Value::String(copy(val)), ttl);
    db.touch(key);
    notify(ctx.shared, EventClass::String, "set", key, ctx.conn.db);
    if expire.is_some() {
        notify(ctx.shared, EventClass::Generic, "expire", key, ctx.conn.db);
    }
    if !opts.get {
        match reply {
            SetReply::OkNull => ctx.out.ok(),
            SetReply::OneZero => ctx.out.int(1),
        }
    }
    Ok(())
}

/// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
pub fn set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let opts = parse_str_opts(args, 3, true)?;
    set_generic(ctx, &opts, &args[1], &args[2], "set", SetReply::OkNull)
}

/// SETNX key value
pub fn setnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let opts = StrOpts {
        nx: true,
        ..StrOpts::default()
    };
    set_generic(ctx, &opts, &args[1], &args[2], "setnx", SetReply::OneZero)
}

/// SETEX key seconds value
pub fn setex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let opts = StrOpts {
        expire: Some((ExpireKind::Ex, &args[2])),
        ..StrOpts::default()
    };
    set_generic(ctx, &opts, &args[1], &args[3], "setex", SetReply::OkNull)
}

/// PSETEX key milliseconds value
pub fn psetex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let opts = StrOpts {
        expire: Some((ExpireKind::Px, &args[2])),
        ..StrOpts::default()
    };
    set_generic(ctx, &opts, &args[1], &args[3], "psetex", SetReply::OkNull)
}

/// GETSET key value
pub fn getset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match db.get_read(&args[1]).map(|e| &e.value) {
        None => ctx.out.null(),
        Some(Value::String(v)) => ctx.out.bulk(v),
        Some(_) => return Err(CmdError::WrongType),
    }
    db.set(copy(&args[1]), Value::String(copy(&args[2])), None);
    db.touch(&args[1]);
    notify(ctx.shared, EventClass::String, "set", &args[1], ctx.conn.db);
    Ok(())
}

/// GETDEL key
pub fn getdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match db.get_read(&args[1]).map(|e| &e.value) {
        None => {
            ctx.out.null();
            return Ok(());
        }
        Some(Value::String(v)) => ctx.out.bulk(v),
        Some(_) => return Err(CmdError::WrongType),
    }
    db.remove(&args[1]);
    db.touch(&args[1]);
    notify(
        ctx.shared,
        EventClass::Generic,
        "del",
        &args[1],
        ctx.conn.db,
    );
    Ok(())
}

/// GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]
pub fn getex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let opts = parse_str_opts(args, 2, false)?;
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let (value, ttl) = match db.get_read(key) {
        None => {
            ctx.out.null();
            return Ok(());
        }
        Some(e) => match &e.value {
            Value::String(v) => (v.clone(), e.expires_at),
            _ => return Err(CmdError::WrongType),
        },
    };
    let expire = match opts.expire {
        Some((kind, arg)) => Some((kind, expire_at_ms(kind, arg, "getex")?)),
        None => None,
    };
    ctx.out.bulk(&value);
    match expire {
        Some((ExpireKind::ExAt | ExpireKind::PxAt, at)) if at <= now_ms() => {
            db.remove(key);
            db.touch(key);
            notify(ctx.shared, EventClass::Generic, "del", key, ctx.conn.db);
        }
        Some((_, at)) => {
            db.set(copy(key), Value::String(value), Some(at));
            db.touch(key);
            notify(ctx.shared, EventClass::Generic, "expire", key, ctx.conn.db);
        }
        None if opts.persist && ttl.is_some() => {
            db.set(copy(key), Value::String(value), None);
            db.touch(key);
            notify(ctx.shared, EventClass::Generic, "persist", key, ctx.conn.db);
        }
        None => {}
    }
    Ok(())
}

/// MGET key [key ...]
pub fn mget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    ctx.out.array(args.len() - 1);
    for key in &args[1..] {
        match db.get_read(key).map(|e| &e.value) {
            Some(Value::String(v)) => ctx.out.bulk(v),
            _ => ctx.out.null(),
        }
    }
    Ok(())
}

fn mset_generic(ctx: &mut Ctx<'_>, args: &[Bytes], nx: bool) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::WrongArity(
            if nx { "msetnx" } else { "mset" }.into(),
        ));
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    if nx && args[1..].chunks(2).any(|kv| db.get(&kv[0]).is_some()) {
        ctx.out.int(0);
        return Ok(());
    }
    for kv in args[1..].chunks(2) {
        if let [k, v] = kv {
            db.set(copy(k), Value::String(copy(v)), None);
            db.touch(k);
            notify(ctx.shared, EventClass::String, "set", k, ctx.conn.db);
        }
    }
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

/// MSET key value [key value ...]
pub fn mset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    mset_generic(ctx, args, false)
}

/// MSETNX key value [key value ...]
pub fn msetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    mset_generic(ctx, args, true)
}

// ---------------------------------------------------------------------------------------------
// APPEND / STRLEN / GETRANGE / SETRANGE
// ---------------------------------------------------------------------------------------------

/// The string at `key` for modification: `Ok(None)` if missing, WRONGTYPE if not a string.
fn string_entry(
    db: &mut crate::storage::Db,
    key: &[u8],
) -> Result<Option<(Bytes, Option<i64>)>, CmdError> {
    match db.get(key) {
        None => Ok(None),
        Some(e) => match &e.value {
            Value::String(v) => Ok(Some((v.clone(), e.expires_at))),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Replaces the string at `key`, keeping its expiry.
fn replace_string(db: &mut crate::storage::Db, key: &[u8], v: Bytes, ttl: Option<i64>) {
    db.set(copy(key), Value::String(v), ttl);
    db.touch(key);
}

/// Runs `f` on the string at `key` in place (without copying it when nobody else holds it),
/// keeping its expiry; false if the key holds no string.
fn modify_string(db: &mut crate::storage::Db, key: &[u8], f: impl FnOnce(&mut BytesMut)) -> bool {
    let Some(Value::String(b)) = db.get_mut(key).map(|e| &mut e.value) else {
        return false;
    };
    let taken = std::mem::take(b);
    let mut m = taken
        .try_into_mut()
        .unwrap_or_else(|shared| BytesMut::from(&shared[..]));
    f(&mut m);
    *b = m.freeze();
    if let Some(e) = db.get_mut(key) {
        e.set_string_form(StringForm::Raw);
    }
    db.touch(key);
    true
}

/// APPEND key value
pub fn append(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let total = match db.get(key).map(|e| &e.value) {
        None => {
            replace_string(db, key, copy(&args[2]), None);
            args[2].len()
        }
        Some(Value::String(old)) => {
            check_string_length(ctx, old.len(), args[2].len())?;
            let mut total = 0;
            modify_string(db, key, |m| {
                m.extend_from_slice(&args[2]);
                total = m.len();
            });
            total
        }
        Some(_) => return Err(CmdError::WrongType),
    };
    notify(ctx.shared, EventClass::String, "append", key, ctx.conn.db);
    ctx.out.int(total as i64);
    Ok(())
}

/// STRLEN key
pub fn strlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    match ks.db(ctx.conn.db).get_read(&args[1]).map(|e| &e.value) {
        None => ctx.out.int(0),
        Some(Value::String(v)) => ctx.out.int(v.len() as i64),
        Some(_) => return Err(CmdError::WrongType),
    }
    Ok(())
}

/// GETRANGE key start end (and SUBSTR)
pub fn getrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut start = parse_int(&args[2])?;
    let mut end = parse_int(&args[3])?;
    let mut ks = ctx.shared.keyspace();
    let v = match ks.db(ctx.conn.db).get_read(&args[1]).map(|e| &e.value) {
        None => {
            ctx.out.bulk(b"");
            return Ok(());
        }
        Some(Value::String(v)) => v,
        Some(_) => return Err(CmdError::WrongType),
    };
    let len = v.len() as i64;
    if start < 0 && end < 0 && start > end {
        ctx.out.bulk(b"");
        return Ok(());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        ctx.out.bulk(b"");
    } else {
        ctx.out.bulk(&v[start as usize..=end as usize]);
    }
    Ok(())
}

/// SETRANGE key offset value
pub fn setrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let offset = parse_int(&args[2])?;
    if offset < 0 {
        return Err(CmdError::Other("offset is out of range".into()));
    }
    let offset = offset as usize;
    let key = &args[1];
    let value = &args[3];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let old_len = match db.get(key).map(|e| &e.value) {
        None => None,
        Some(Value::String(v)) => Some(v.len()),
        Some(_) => return Err(CmdError::WrongType),
    };
    if value.is_empty() {
        ctx.out.int(old_len.unwrap_or(0) as i64);
        return Ok(());
    }
    check_string_length(ctx, offset, value.len())?;
    let end = offset + value.len();
    let write = |m: &mut BytesMut| {
        if m.len() < end {
            m.resize(end, 0);
        }
        m[offset..end].copy_from_slice(value);
    };
    let new_len = match old_len {
        None => {
            let mut m = BytesMut::new();
            write(&mut m);
            replace_string(db, key, m.freeze(), None);
            if let Some(e) = db.get_mut(key) {
                e.set_string_form(StringForm::Raw);
            }
            end
        }
        Some(n) => {
            modify_string(db, key, write);
            n.max(end)
        }
    };
    notify(ctx.shared, EventClass::String, "setrange", key, ctx.conn.db);
    ctx.out.int(new_len as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------------

/// t_string.c `incrDecrCommand`.
fn incr_decr(ctx: &mut Ctx<'_>, key: &Bytes, incr: i64) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let (old, ttl) = match string_entry(db, key)? {
        None => (0, None),
        Some((v, ttl)) => (parse_int(&v)?, ttl),
    };
    let value = old
        .checked_add(incr)
        .ok_or_else(|| CmdError::Other("increment or decrement would overflow".into()))?;
    let mut buf = itoa::Buffer::new();
    replace_string(db, key, copy(buf.format(value).as_bytes()), ttl);
    notify(ctx.shared, EventClass::String, "incrby", key, ctx.conn.db);
    ctx.out.int(value);
    Ok(())
}

/// INCR key
pub fn incr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &args[1], 1)
}

/// DECR key
pub fn decr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &args[1], -1)
}

/// INCRBY key increment
pub fn incrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let n = parse_int(&args[2])?;
    incr_decr(ctx, &args[1], n)
}

/// DECRBY key decrement
pub fn decrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let n = parse_int(&args[2])?;
    if n == i64::MIN {
        return Err(CmdError::Other("decrement would overflow".into()));
    }
    incr_decr(ctx, &args[1], -n)
}

/// INCRBYFLOAT key increment
pub fn incrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let entry = string_entry(db, key)?;
    let (current, ttl) = match &entry {
        None => (ld::Ld::ZERO, None),
        Some((v, ttl)) => (ld::parse(v).ok_or(CmdError::NotFloat)?, *ttl),
    };
    let incr = ld::parse(&args[2]).ok_or(CmdError::NotFloat)?;
    let sum = current
        .checked_add(incr)
        .filter(|v| v.is_finite())
        .ok_or_else(|| CmdError::Other("increment would produce NaN or Infinity".into()))?;
    let text = Bytes::from(sum.to_human_string());
    replace_string(db, key, text.clone(), ttl);
    if let Some(e) = db.get_mut(key) {
        e.set_string_form(StringForm::Plain);
    }
    notify(
        ctx.shared,
        EventClass::String,
        "incrbyfloat",
        key,
        ctx.conn.db,
    );
    ctx.out.bulk(&text);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------------------------

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
pub fn lcs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (a, b) = {
        let mut ks = ctx.shared.keyspace();
        let db = ks.db(ctx.conn.db);
        let mut fetch = |k: &[u8]| match db.get_read(k).map(|e| &e.value) {
            None => Ok(Bytes::new()),
            Some(Value::String(v)) => Ok(v.clone()),
            Some(_) => Err(CmdError::Other(
                "The specified keys must contain string values".into(),
            )),
        };
        let a = fetch(&args[1]);
        let b = fetch(&args[2]);
        (a?, b?)
    };
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        if eq_ic(opt, "idx") {
            getidx = true;
        } else if eq_ic(opt, "len") {
            getlen = true;
        } else if eq_ic(opt, "withmatchlen") {
            withmatchlen = true;
        } else if eq_ic(opt, "minmatchlen") && j + 1 < args.len() {
            minmatchlen = parse_int(&args[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if getlen && getidx {
        return Err(CmdError::Other(
            "If you want both the length and indexes, please just use IDX.".into(),
        ));
    }
    if a.len() >= (u32::MAX - 1) as usize || b.len() >= (u32::MAX - 1) as usize {
        return Err(CmdError::Other("String too long for LCS".into()));
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    let bytes = cells.saturating_mul(4);
    if bytes > proto_max_bulk_len(ctx).max(0) as u64 {
        return Err(CmdError::Other(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len".into(),
        ));
    }
    let mut table: Vec<u32> = Vec::new();
    if table.try_reserve_exact(cells as usize).is_err() {
        return Err(CmdError::Other(
            "Insufficient memory, failed allocating transient memory for LCS".into(),
        ));
    }
    table.resize(cells as usize, 0);
    let w = blen + 1;
    for i in 1..=alen {
        for jj in 1..=blen {
            table[i * w + jj] = if a[i - 1] == b[jj - 1] {
                table[(i - 1) * w + jj - 1] + 1
            } else {
                table[(i - 1) * w + jj].max(table[i * w + jj - 1])
            };
        }
    }
    let total = table[alen * w + blen];

    // Walk back from the end, collecting the LCS and (for IDX) the matching ranges.
    let computelcs = getidx || !getlen;
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut matches: Vec<[u32; 5]> = Vec::new();
    let alen32 = alen as u32;
    let (mut arange_start, mut arange_end, mut brange_start, mut brange_end) = (alen32, 0, 0, 0);
    let (mut i, mut jj) = (alen, blen);
    while computelcs && i > 0 && jj > 0 {
        let mut emit = false;
        if a[i - 1] == b[jj - 1] {
            result[idx - 1] = a[i - 1];
            let (ii, jv) = ((i - 1) as u32, (jj - 1) as u32);
            if arange_start == alen32 {
                arange_start = ii;
                arange_end = ii;
                brange_start = jv;
                brange_end = jv;
            } else if arange_start == ii + 1 && brange_start == jv + 1 {
                arange_start -= 1;
                brange_start -= 1;
            } else {
                emit = true;
            }
            if arange_start == 0 || brange_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            jj -= 1;
        } else {
            let lcs1 = table[(i - 1) * w + jj];
            let lcs2 = table[i * w + jj - 1];
            if lcs1 > lcs2 {
                i -= 1;
            } else {
                jj -= 1;
            }
            if arange_start != alen32 {
                emit = true;
            }
        }
        let match_len = arange_end.wrapping_sub(arange_start).wrapping_add(1);
        if emit {
            if minmatchlen == 0 || i64::from(match_len) >= minmatchlen {
                matches.push([
                    arange_start,
                    arange_end,
                    brange_start,
                    brange_end,
                    match_len,
                ]);
            }
            arange_start = alen32;
        }
    }

    if getidx {
        ctx.out.map(2);
        ctx.out.bulk(b"matches");
        ctx.out.array(matches.len());
        for m in &matches {
            ctx.out.array(if withmatchlen { 3 } else { 2 });
            ctx.out.array(2);
            ctx.out.int(i64::from(m[0]));
            ctx.out.int(i64::from(m[1]));
            ctx.out.array(2);
            ctx.out.int(i64::from(m[2]));
            ctx.out.int(i64::from(m[3]));
            if withmatchlen {
                ctx.out.int(i64::from(m[4]));
            }
        }
        ctx.out.bulk(b"len");
        ctx.out.int(i64::from(total));
    } else if getlen {
        ctx.out.int(i64::from(total));
    } else {
        ctx.out.bulk(&result);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 80-bit long double emulation for INCRBYFLOAT
// ---------------------------------------------------------------------------------------------

/// Exact emulation of the x87 80-bit extended `long double` (64-bit significand, exponent range
/// of 15 bits, round-to-nearest-even) as far as INCRBYFLOAT needs it: `strtold` parsing
/// (decimal, hexadecimal, `inf`), addition, and `%.17Lf` formatting with Redis's trimming
/// (`ld2string` in human-friendly mode).
pub mod ld {
    use std::cmp::Ordering as Cmp;

    /// Lowest binary exponent of the least significant significand bit (denormals included).
    const MIN_EXP: i64 = -16445;
    /// Highest exponent of the most significant bit of a finite value.
    const MAX_TOP: i64 = 16383;

    /// An unsigned big integer (little-endian 32-bit limbs, no trailing zero limbs).
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Big(Vec<u32>);

    impl Big {
        fn from_u128(mut v: u128) -> Big {
            let mut limbs = Vec::new();
            while v > 0 {
                limbs.push(v as u32);
                v >>= 32;
            }
            Big(limbs)
        }

        fn is_zero(&self) -> bool {
            self.0.is_empty()
        }

        fn trim(&mut self) {
            while self.0.last() == Some(&0) {
                self.0.pop();
            }
        }

        fn bits(&self) -> i64 {
            match self.0.last() {
                None => 0,
                Some(&top) => {
                    (self.0.len() as i64 - 1) * 32 + (32 - i64::from(top.leading_zeros()))
                }
            }
        }

        fn bit(&self, i: i64) -> bool {
            if i < 0 {
                return false;
            }
            let (limb, off) = ((i / 32) as usize, i % 32);
            self.0.get(limb).is_some_and(|l| (l >> off) & 1 == 1)
        }

        /// True if any bit below position `i` is set.
        fn any_below(&self, i: i64) -> bool {
            if i <= 0 {
                return false;
            }
            let full = (i / 32) as usize;
            if self.0.iter().take(full).any(|&l| l != 0) {
                return true;
            }
            let rem = i % 32;
            rem > 0
                && self
                    .0
                    .get(full)
                    .is_some_and(|&l| l & ((1u32 << rem) - 1) != 0)
        }

        fn mul_small(&mut self, m: u32) {
            let mut carry = 0u64;
            for l in &mut self.0 {
                let v = u64::from(*l) * u64::from(m) + carry;
                *l = v as u32;
                carry = v >> 32;
            }
            if carry > 0 {
                self.0.push(carry as u32);
            }
            self.trim();
        }

        fn add_small(&mut self, a: u32) {
            let mut carry = u64::from(a);
            for l in &mut self.0 {
                if carry == 0 {
                    break;
                }
                let v = u64::from(*l) + carry;
                *l = v as u32;
                carry = v >> 32;
            }
            if carry > 0 {
                self.0.push(carry as u32);
            }
        }

        fn plus(&self, o: &Big) -> Big {
            let mut out = Vec::with_capacity(self.0.len().max(o.0.len()) + 1);
            let mut carry = 0u64;
            for i in 0..self.0.len().max(o.0.len()) {
                let v = u64::from(self.0.get(i).copied().unwrap_or(0))
                    + u64::from(o.0.get(i).copied().unwrap_or(0))
                    + carry;
                out.push(v as u32);
                carry = v >> 32;
            }
            if carry > 0 {
                out.push(carry as u32);
            }
            let mut b = Big(out);
            b.trim();
            b
        }

        /// `self - o`, requiring `self >= o`.
        fn sub(&self, o: &Big) -> Big {
            let mut out = Vec::with_capacity(self.0.len());
            let mut borrow = 0i64;
            for i in 0..self.0.len() {
                let mut v =
                    i64::from(self.0[i]) - i64::from(o.0.get(i).copied().unwrap_or(0)) - borrow;
                borrow = 0;
                if v < 0 {
                    v += 1 << 32;
                    borrow = 1;
                }
                out.push(v as u32);
            }
            let mut b = Big(out);
            b.trim();
            b
        }

        fn cmp(&self, o: &Big) -> Cmp {
            self.0
                .len()
                .cmp(&o.0.len())
                .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
        }

        fn shl(&self, n: i64) -> Big {
            if self.is_zero() || n <= 0 {
                return self.clone();
            }
            let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
            let mut out = vec![0u32; limbs];
            let mut carry = 0u32;
            for &l in &self.0 {
                if bits == 0 {
                    out.push(l);
                } else {
                    out.push((l << bits) | carry);
                    carry = l >> (32 - bits);
                }
            }
            if carry > 0 {
                out.push(carry);
            }
            Big(out)
        }

        fn shr(&self, n: i64) -> Big {
            if n <= 0 {
                return self.clone();
            }
            let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
            if limbs >= self.0.len() {
                return Big(Vec::new());
            }
            let src = &self.0[limbs..];
            let mut out = Vec::with_capacity(src.len());
            for i in 0..src.len() {
                let lo = src[i] >> bits;
                let hi = if bits == 0 {
                    0
                } else {
                    src.get(i + 1).map_or(0, |&h| h << (32 - bits))
                };
                out.push(lo | hi);
            }
            let mut b = Big(out);
            b.trim();
            b
        }

        /// Divides by `d`, returning the remainder.
        fn div_small(&mut self, d: u32) -> u32 {
            let mut rem = 0u64;
            for l in self.0.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*l);
                *l = (cur / u64::from(d)) as u32;
                rem = cur % u64::from(d);
            }
            self.trim();
            rem as u32
        }

        fn to_u64(&self) -> u64 {
            u64::from(self.0.first().copied().unwrap_or(0))
                | (u64::from(self.0.get(1).copied().unwrap_or(0)) << 32)
        }

        fn pow10(n: u32) -> Big {
            let mut b = Big::from_u128(1);
            let mut left = n;
            while left > 0 {
                let step = left.min(9);
                b.mul_small(10u32.pow(step));
                left -= step;
            }
            b
        }

        fn to_decimal(&self) -> String {
            if self.is_zero() {
                return "0".into();
            }
            let mut n = self.clone();
            let mut chunks = Vec::new();
            while !n.is_zero() {
                chunks.push(n.div_small(1_000_000_000));
            }
            let mut s = String::new();
            for (i, c) in chunks.iter().rev().enumerate() {
                if i == 0 {
                    s.push_str(&c.to_string());
                } else {
                    s.push_str(&format!("{c:09}"));
                }
            }
            s
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Kind {
        Zero,
        /// `mant * 2^exp`, `mant != 0`, `mant < 2^64`.
        Finite {
            mant: u64,
            exp: i64,
        },
        Inf,
    }

    /// A `long double` value (NaN is never produced: callers reject it).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Ld {
        neg: bool,
        kind: Kind,
    }

    impl Ld {
        /// Positive zero.
        pub const ZERO: Ld = Ld {
            neg: false,
            kind: Kind::Zero,
        };

        /// False for infinities.
        pub fn is_finite(&self) -> bool {
            self.kind != Kind::Inf
        }

        /// Rounds `q * 2^exp2` (plus a nonzero amount below the last bit of `q` if `sticky`)
        /// to a `long double`, as the hardware would.
        fn round(neg: bool, q: &Big, sticky: bool, exp2: i64) -> Ld {
            let qb = q.bits();
            if qb == 0 {
                return Ld {
                    neg,
                    kind: Kind::Zero,
                };
            }
            let drop = (qb - 64).max(MIN_EXP - exp2);
            let (mut mant, mut exp) = if drop <= 0 {
                (q.shl(-drop).to_u64(), exp2 + drop)
            } else {
                let mut kept = q.shr(drop).to_u64();
                let round = q.bit(drop - 1);
                let rest = sticky || q.any_below(drop - 1);
                let mut e = exp2 + drop;
                if round && (rest || kept & 1 == 1) {
                    match kept.checked_add(1) {
                        Some(k) => kept = k,
                        None => {
                            kept = 1 << 63;
                            e += 1;
                        }
                    }
                }
                (kept, e)
            };
            if mant == 0 {
                return Ld {
                    neg,
                    kind: Kind::Zero,
                };
            }
            // Keep the representation canonical: no trailing zero bits needed, but bound size.
            let top = exp + 63 - i64::from(mant.leading_zeros());
            if top > MAX_TOP {
                return Ld {
                    neg,
                    kind: Kind::Inf,
                };
            }
            while mant & 1 == 0 {
                mant >>= 1;
                exp += 1;
            }
            Ld {
                neg,
                kind: Kind::Finite { mant, exp },
            }
        }

        /// Rounds `num / den * 2^exp2`.
        fn from_ratio(neg: bool, num: &Big, den: &Big, exp2: i64) -> Ld {
            if num.is_zero() {
                return Ld {
                    neg,
                    kind: Kind::Zero,
                };
            }
            // Scale so the quotient has 66..68 bits, then long-divide bit by bit.
            let s = 66 + den.bits() - num.bits();
            let (n, d) = if s >= 0 {
                (num.shl(s), den.clone())
            } else {
                (num.clone(), den.shl(-s))
            };
            let mut rem = n;
            let mut q: u128 = 0;
            for i in (0..=68).rev() {
                let t = d.shl(i);
                if rem.cmp(&t) != Cmp::Less {
                    rem = rem.sub(&t);
                    q |= 1u128 << i;
                }
            }
            Ld::round(neg, &Big::from_u128(q), !rem.is_zero(), exp2 - s)
        }

        fn big_parts(&self) -> Option<(Big, i64)> {
            match self.kind {
                Kind::Finite { mant, exp } => Some((Big::from_u128(u128::from(mant)), exp)),
                _ => None,
            }
        }

        /// `self + o` rounded to nearest; None for NaN (infinities of opposite signs).
        pub fn checked_add(self, o: Ld) -> Option<Ld> {
            match (self.kind, o.kind) {
                (Kind::Inf, Kind::Inf) if self.neg != o.neg => None,
                (Kind::Inf, _) => Some(self),
                (_, Kind::Inf) => Some(o),
                (Kind::Zero, Kind::Zero) => Some(Ld {
                    neg: self.neg && o.neg,
                    kind: Kind::Zero,
                }),
                (Kind::Zero, _) => Some(o),
                (_, Kind::Zero) => Some(self),
                _ => {
                    let (a, ea) = self.big_parts()?;
                    let (b, eb) = o.big_parts()?;
                    let e = ea.min(eb);
                    let a = a.shl(ea - e);
                    let b = b.shl(eb - e);
                    if self.neg == o.neg {
                        Some(Ld::round(self.neg, &a.plus(&b), false, e))
                    } else {
                        match a.cmp(&b) {
                            Cmp::Equal => Some(Ld::ZERO),
                            Cmp::Greater => Some(Ld::round(self.neg, &a.sub(&b), false, e)),
                            Cmp::Less => Some(Ld::round(o.neg, &b.sub(&a), false, e)),
                        }
                    }
                }
            }
        }

        /// Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf`, trailing zeros and a bare dot
        /// removed, `-0` shown as `0`.
        pub fn to_human_string(&self) -> String {
            let (mant, exp) = match self.kind {
                Kind::Inf => {
                    return if self.neg {
                        "-inf".into()
                    } else {
                        "inf".into()
                    }
                }
                Kind::Zero => (0u64, 0i64),
                Kind::Finite { mant, exp } => (mant, exp),
            };
            let mut t = Big::from_u128(u128::from(mant));
            t = mul_pow10(t, 17);
            let n = if exp >= 0 {
                t.shl(exp)
            } else {
                let k = -exp;
                let mut q = t.shr(k);
                let half = t.bit(k - 1);
                let rest = t.any_below(k - 1);
                if half && (rest || q.bit(0)) {
                    q.add_small(1);
                }
                q
            };
            let mut digits = n.to_decimal();
            if digits.len() < 18 {
                digits = format!("{}{}", "0".repeat(18 - digits.len()), digits);
            }
            let (int, frac) = digits.split_at(digits.len() - 17);
            let frac = frac.trim_end_matches('0');
            let mut s = String::new();
            if self.neg {
                s.push('-');
            }
            s.push_str(int);
            if !frac.is_empty() {
                s.push('.');
                s.push_str(frac);
            }
            if s == "-0" {
                s = "0".into();
            }
            s
        }
    }

    fn mul_pow10(mut b: Big, n: u32) -> Big {
        let mut left = n;
        while left > 0 {
            let step = left.min(9);
            b.mul_small(10u32.pow(step));
            left -= step;
        }
        b
    }

    /// Parses as Redis's `string2ld` (glibc `strtold` on the whole string, no leading space,
    /// no NaN, no overflow, no underflow to zero); None when Redis would say "not a valid
    /// float".
    pub fn parse(s: &[u8]) -> Option<Ld> {
        if s.is_empty() || s.len() >= 5 * 1024 {
            return None;
        }
        let (neg, body) = match s.split_first() {
            Some((b'-', r)) => (true, r),
            Some((b'+', r)) => (false, r),
            _ => (false, s),
        };
        let lower = body.to_ascii_lowercase();
        if lower == b"inf" || lower == b"infinity" {
            return Some(Ld {
                neg,
                kind: Kind::Inf,
            });
        }
        let r = if lower.starts_with(b"0x") {
            parse_hex(neg, &lower[2..])?
        } else {
            parse_dec(neg, body)?
        };
        match (r.0.kind, r.1) {
            (Kind::Inf, _) => None,
            (Kind::Zero, true) => None,
            _ => Some(r.0),
        }
    }

    /// Decimal form; returns the value and whether the input was nonzero.
    fn parse_dec(neg: bool, s: &[u8]) -> Option<(Ld, bool)> {
        let mut i = 0;
        let mut digits = Big(Vec::new());
        let mut ndigits = 0usize;
        let mut exp10: i64 = 0;
        let mut seen = false;
        while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
            seen = true;
            push_digit(&mut digits, &mut ndigits, *c - b'0', &mut exp10, false);
            i += 1;
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
                seen = true;
                push_digit(&mut digits, &mut ndigits, *c - b'0', &mut exp10, true);
                i += 1;
            }
        }
        if !seen {
            return None;
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            let mut k = i + 1;
            let eneg = match s.get(k) {
                Some(b'-') => {
                    k += 1;
                    true
                }
                Some(b'+') => {
                    k += 1;
                    false
                }
                _ => false,
            };
            let start = k;
            let mut e: i64 = 0;
            while let Some(c) = s.get(k).filter(|c| c.is_ascii_digit()) {
                e = (e * 10 + i64::from(*c - b'0')).min(1_000_000_000);
                k += 1;
            }
            if k > start {
                exp10 += if eneg { -e } else { e };
                i = k;
            }
        }
        if i != s.len() {
            return None;
        }
        if digits.is_zero() {
            return Some((
                Ld {
                    neg,
                    kind: Kind::Zero,
                },
                false,
            ));
        }
        let nd = ndigits as i64;
        if exp10 + nd > 4940 {
            return Some((
                Ld {
                    neg,
                    kind: Kind::Inf,
                },
                true,
            ));
        }
        if exp10 + nd < -4960 {
            return Some((
                Ld {
                    neg,
                    kind: Kind::Zero,
                },
                true,
            ));
        }
        let v = if exp10 >= 0 {
            Ld::from_ratio(neg, &mul_pow10(digits, exp10 as u32), &Big::from_u128(1), 0)
        } else {
            Ld::from_ratio(neg, &digits, &Big::pow10((-exp10) as u32), 0)
        };
        Some((v, true))
    }

    /// Accumulates significant digits (leading zeros skipped); after 800 significant digits
    /// further ones only matter as a sticky nonzero tail, kept as one extra digit.
    fn push_digit(digits: &mut Big, ndigits: &mut usize, d: u8, exp10: &mut i64, frac: bool) {
        if digits.is_zero() && d == 0 {
            if frac {
                *exp10 -= 1;
            }
            return;
        }
        if *ndigits < 800 {
            digits.mul_small(10);
            digits.add_small(u32::from(d));
            *ndigits += 1;
            if frac {
                *exp10 -= 1;
            }
        } else {
            if !frac {
                *exp10 += 1;
            }
            if d != 0 && *ndigits == 800 {
                // One sticky digit below the kept ones: enough to break rounding ties.
                digits.mul_small(10);
                digits.add_small(1);
                *ndigits += 1;
                *exp10 -= 1;
            }
        }
    }

    /// Hexadecimal form after `0x` (already lower-cased).
    fn parse_hex(neg: bool, s: &[u8]) -> Option<(Ld, bool)> {
        let mut i = 0;
        let mut mant = Big(Vec::new());
        let mut exp2: i64 = 0;
        let mut seen = false;
        let mut sticky = false;
        let mut bits = 0i64;
        let hexval = |c: u8| (c as char).to_digit(16);
        while let Some(v) = s.get(i).and_then(|&c| hexval(c)) {
            seen = true;
            push_hex(&mut mant, &mut bits, &mut sticky, &mut exp2, v, false);
            i += 1;
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            while let Some(v) = s.get(i).and_then(|&c| hexval(c)) {
                seen = true;
                push_hex(&mut mant, &mut bits, &mut sticky, &mut exp2, v, true);
                i += 1;
            }
        }
        if !seen {
            return None;
        }
        if s.get(i) == Some(&b'p') {
            let mut k = i + 1;
            let eneg = match s.get(k) {
                Some(b'-') => {
                    k += 1;
                    true
                }
                Some(b'+') => {
                    k += 1;
                    false
                }
                _ => false,
            };
            let start = k;
            let mut e: i64 = 0;
            while let Some(c) = s.get(k).filter(|c| c.is_ascii_digit()) {
                e = (e * 10 + i64::from(*c - b'0')).min(1_000_000_000);
                k += 1;
            }
            if k > start {
                exp2 += if eneg { -e } else { e };
                i = k;
            }
        }
        if i != s.len() {
            return None;
        }
        if mant.is_zero() {
            return Some((
                Ld {
                    neg,
                    kind: Kind::Zero,
                },
                sticky,
            ));
        }
        Some((Ld::round(neg, &mant, sticky, exp2), true))
    }

    fn push_hex(
        mant: &mut Big,
        bits: &mut i64,
        sticky: &mut bool,
        exp2: &mut i64,
        v: u32,
        frac: bool,
    ) {
        if mant.is_zero() && v == 0 {
            if frac {
                *exp2 -= 4;
            }
            return;
        }
        if *bits < 128 {
            mant.mul_small(16);
            mant.add_small(v);
            *bits = mant.bits();
            if frac {
                *exp2 -= 4;
            }
        } else {
            if v != 0 {
                *sticky = true;
            }
            if !frac {
                *exp2 += 4;
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn incr(a: &str, b: &str) -> String {
            parse(a.as_bytes())
                .unwrap()
                .checked_add(parse(b.as_bytes()).unwrap())
                .unwrap()
                .to_human_string()
        }

        #[test]
        fn formats_like_redis() {
            assert_eq!(incr("10.5", "0.1"), "10.6");
            assert_eq!(incr("0", "0.1"), "0.1");
            assert_eq!(incr("1", "-1.1"), "-0.1");
            assert_eq!(incr("0.1", "0.2"), "0.3");
            assert_eq!(incr("5.0e3", "2.0e2"), "5200");
            assert_eq!(incr("1", "1"), "2");
            assert_eq!(incr("17179869184", "1.5"), "17179869185.5");
            assert_eq!(incr("0", "1e-20"), "0");
            assert_eq!(incr("0", "0x10"), "16");
            assert_eq!(incr("3.0", "-3.0"), "0");
            assert_eq!(incr("0.0244", "-0.0244"), "0");
        }

        /// Pairs and results captured from a real Redis (x86-64, 80-bit long double).
        #[test]
        fn matches_captured_redis_results() {
            for (a, b, want) in [
                ("0.760", "-553.5785237023545", "-552.8185237023545"),
                ("0.0000000000000000090", "-934e-29", "0.00000000000000001"),
                (
                    "-534.6782132185208",
                    "0.00000000000000000204",
                    "-534.67821321852080002",
                ),
                (
                    "0.00000000000000000430",
                    "178.53136775181747",
                    "178.53136775181746999",
                ),
                (
                    "-9.87002480643878e-11",
                    "3.9627878997645385e-11",
                    "-0.00000000005907237",
                ),
                (
                    "-59241.28221",
                    "-3.2681090977474644e-11",
                    "-59241.2822100000326806",
                ),
                (
                    "-806.567246333072",
                    "2.0745206273378208e-11",
                    "-806.56724633305125483",
                ),
                (
                    "4.594635733876358e-11",
                    "993e29",
                    "99299999999999999998940753690624",
                ),
                (
                    "44715.38427",
                    "2.37039504728492e-11",
                    "44715.38427000002370448",
                ),
                ("1.5470429051352414e-11", "0.0678", "0.06780000001547043"),
                (
                    "-421.2240727957857",
                    "-534.4182272779396",
                    "-955.64230007372530001",
                ),
                (
                    "-444.0527937798157",
                    "0.00000000000167",
                    "-444.05279377981403",
                ),
                (
                    "-45078.87841",
                    "873.3091754249879",
                    "-44205.56923457501209995",
                ),
                (
                    "0.0000000000000000000651",
                    "458.25359590069843",
                    "458.25359590069842999",
                ),
                (
                    "-241.0891164847044",
                    "2.799995197081856e-11",
                    "-241.08911648467640006",
                ),
                ("403e-10", "5.519998230924896e-11", "0.00000004035519998"),
                (
                    "-935.7995121919245",
                    "-29813.8675",
                    "-30749.66701219192449912",
                ),
                (
                    "885.8194286701089",
                    "-3.7064423840304414e-11",
                    "885.81942867007183562",
                ),
                (
                    "0.000000000000906",
                    "-8.229629482520242e-12",
                    "-0.00000000000732363",
                ),
                ("-506.7449846120331", "-461e17", "-46100000000000000508"),
                ("839e7", "-42506.18131", "8389957493.81869000010192394"),
                ("-813e18", "-780.7017392986817", "-813000000000000000768"),
                (
                    "0.0000000000000611",
                    "-236.7614269869265",
                    "-236.7614269869264389",
                ),
                (
                    "5.822869019827397e-12",
                    "7.215594044689961e-11",
                    "0.00000000007797881",
                ),
                (
                    "441.44363872038934",
                    "0.00000000000000000769",
                    "441.44363872038933999",
                ),
                (
                    "281.92359715961607",
                    "-130.46949866179",
                    "151.45409849782607001",
                ),
                (
                    "89293.94329",
                    "1.1722261005966175",
                    "89295.11551610059661499",
                ),
                (
                    "825.255678689641",
                    "-4.031104171027342e-11",
                    "825.25567868960068896",
                ),
                (
                    "0.0000000000000000000204",
                    "525.0216001503024",
                    "525.02160015030239998",
                ),
                ("595e29", "-998e8", "59500000000000000000060666413056"),
                (
                    "-94894.14662",
                    "7.574437556463685e-11",
                    "-94894.14661999992425478",
                ),
                (
                    "-3.849717491946771e-11",
                    "756.0191984080811",
                    "756.01919840804260287",
                ),
                (
                    "-8.286930958642424e-11",
                    "-81856.99693",
                    "-81856.99693000008286958",
                ),
                ("-742e-22", "0.00000000000000000170", "0"),
                (
                    "744.8660821705148",
                    "-44478.70686",
                    "-43733.84077782948519797",
                ),
                ("0.000000731", "76079.85180", "76079.85180073099999731"),
                (
                    "35680.59177",
                    "-550.6053259368853",
                    "35129.98644406311469979",
                ),
                (
                    "54222.72603",
                    "-559.565231096881",
                    "53663.16079890311900158",
                ),
                (
                    "262.2059145401979",
                    "810.840026012256",
                    "1073.04594055245390005",
                ),
                (
                    "-8.582853002226931e-11",
                    "337.95555659256115",
                    "337.95555659247532146",
                ),
            ] {
                assert_eq!(incr(a, b), want, "{a} + {b}");
            }
        }

        #[test]
        fn parses_like_strtold() {
            assert!(parse(b" 1").is_none());
            assert!(parse(b"1 ").is_none());
            assert!(parse(b"nan").is_none());
            assert!(parse(b"1e").is_none());
            assert!(parse(b"").is_none());
            assert!(parse(b".").is_none());
            assert!(parse(b"1e5000").is_none());
            assert!(parse(b"1e-5000").is_none());
            assert!(parse(b"0e-5000").is_some());
            assert!(parse(b"inf").is_some_and(|v| !v.is_finite()));
            assert_eq!(
                parse(b".5").map(|v| v.to_human_string()).as_deref(),
                Some("0.5")
            );
            assert_eq!(
                parse(b"5.").map(|v| v.to_human_string()).as_deref(),
                Some("5")
            );
            assert_eq!(
                parse(b"-0").map(|v| v.to_human_string()).as_deref(),
                Some("0")
            );
        }
    }
}
