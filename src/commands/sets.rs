//! Set commands (SADD ... SSCAN), with Redis 7.4's replies, errors, encodings and keyspace
//! events. Also the argument helpers the hash commands share: Redis's ranged integer parsing,
//! the SCAN cursor and the SCAN options.

use super::table::cmd;
use super::{eq_ic, parse_int, CmdError, CmdResult, CommandSpec, Ctx};
use crate::config::EncodingLimits;
use crate::notify::{notify, EventClass};
use crate::protocol::{Protocol, ReplyBuf};
use crate::storage::set::{random_index, sample_distinct, Member, Set};
use crate::storage::{Db, Value};
use bytes::Bytes;

/// Largest reply a random-sampling command builds before giving up: a negative count of
/// billions would otherwise exhaust memory (Redis stops only when an output limit closes the
/// client).
pub(crate) const MAX_SAMPLED_REPLY: usize = 1 << 30;

/// Redis's `getRangeLongFromObjectOrReply`: `msg` (when given) is the error for both a
/// non-integer and an out-of-range value.
pub(crate) fn parse_range(
    arg: &[u8],
    min: i64,
    max: i64,
    msg: Option<&str>,
) -> Result<i64, CmdError> {
    let err = |m: &str| CmdError::Other(m.to_string());
    let v = match parse_int(arg) {
        Ok(v) => v,
        Err(e) => return Err(msg.map_or(e, err)),
    };
    if v < min || v > max {
        return Err(match msg {
            Some(m) => err(m),
            None => CmdError::Other(format!(
                "value is out of range, value must between {min} and {max}"
            )),
        });
    }
    Ok(v)
}

/// Parses a SCAN cursor as Redis's `parseScanCursorOrReply` (`strtoul`): optional sign, decimal
/// digits, no leading space, no trailing garbage, no overflow; a negative value wraps.
pub(crate) fn parse_scan_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let err = || CmdError::Other("invalid cursor".into());
    let s = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    if s.is_empty() {
        return Ok(0);
    }
    if matches!(s[0], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        return Err(err());
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(err());
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(err)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// Options of SSCAN / HSCAN.
pub(crate) struct ScanOpts {
    /// COUNT (default 10).
    pub count: usize,
    /// MATCH pattern, `None` when absent or `*`.
    pub pattern: Option<Bytes>,
    /// NOVALUES (HSCAN only).
    pub novalues: bool,
}

/// Parses SCAN options from `args[start..]` as Redis's `scanGenericCommand`.
pub(crate) fn parse_scan_opts(
    args: &[Bytes],
    start: usize,
    is_hash: bool,
) -> Result<ScanOpts, CmdError> {
    let mut opts = ScanOpts {
        count: 10,
        pattern: None,
        novalues: false,
    };
    let mut i = start;
    while i < args.len() {
        let more = args.len() - i >= 2;
        if eq_ic(&args[i], "count") && more {
            let n = parse_int(&args[i + 1])?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            opts.count = usize::try_from(n).unwrap_or(usize::MAX);
            i += 2;
        } else if eq_ic(&args[i], "match") && more {
            let p = &args[i + 1];
            opts.pattern = (&p[..] != b"*").then(|| p.clone());
            i += 2;
        } else if eq_ic(&args[i], "novalues") {
            if !is_hash {
                return Err(CmdError::Other(
                    "NOVALUES option can only be used in HSCAN".into(),
                ));
            }
            opts.novalues = true;
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(opts)
}

/// Writes a SCAN reply header and cursor: `[cursor, [...]]`.
pub(crate) fn scan_reply_head(out: &mut ReplyBuf, cursor: u64, n: usize) {
    out.array(2);
    out.bulk(itoa::Buffer::new().format(cursor).as_bytes());
    out.array(n);
}

fn pick(v: &Value) -> Option<&Set> {
    match v {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

fn pick_mut(v: &mut Value) -> Option<&mut Set> {
    match v {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

fn reply_member(out: &mut ReplyBuf, m: Member<'_>) {
    match m {
        Member::Int(i) => out.bulk_int(i),
        Member::Str(s) => out.bulk(s),
    }
}

fn limits(ctx: &Ctx<'_>) -> EncodingLimits {
    ctx.shared.config().encoding
}

fn event(ctx: &Ctx<'_>, class: EventClass, name: &str, key: &[u8]) {
    notify(ctx.shared, class, name, key, ctx.conn.db);
}

/// SADD key member [member ...]
pub fn sadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let lim = limits(ctx);
    let key = &args[1];
    let members = &args[2..];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let added = match db.typed_mut(key, pick_mut)? {
        Some(set) => {
            set.maybe_convert(members.len(), &lim);
            members.iter().filter(|m| set.insert(m, &lim)).count()
        }
        None => {
            let mut set = Set::for_members(&members[0], members.len(), &lim);
            let n = members.iter().filter(|m| set.insert(m, &lim)).count();
            db.set(Bytes::copy_from_slice(key), Value::Set(set), None);
            n
        }
    };
    if added > 0 {
        db.touch(key);
        event(ctx, EventClass::Set, "sadd", key);
    }
    ctx.out.int(added as i64);
    Ok(())
}

/// SREM key member [member ...]
pub fn srem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(set) = db.typed_mut(key, pick_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let mut removed = 0;
    for m in &args[2..] {
        if set.remove(m) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    let emptied = set.is_empty();
    if removed > 0 {
        if emptied {
            db.remove(key);
        }
        db.touch(key);
        event(ctx, EventClass::Set, "srem", key);
        if emptied {
            event(ctx, EventClass::Generic, "del", key);
        }
    }
    ctx.out.int(removed);
    Ok(())
}

/// SMOVE source destination member
pub fn smove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let lim = limits(ctx);
    let (src, dst, member) = (&args[1], &args[2], &args[3]);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    // A missing source answers 0 before any type check, as in Redis.
    if db.get(src).is_none() {
        ctx.out.int(0);
        return Ok(());
    }
    db.typed(src, pick)?;
    db.typed(dst, pick)?;
    if src == dst {
        let is = db.typed(src, pick)?.is_some_and(|s| s.contains(member));
        ctx.out.int(i64::from(is));
        return Ok(());
    }
    let Some(set) = db.typed_mut(src, pick_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    if !set.remove(member) {
        ctx.out.int(0);
        return Ok(());
    }
    let emptied = set.is_empty();
    event(ctx, EventClass::Set, "srem", src);
    if emptied {
        db.remove(src);
        event(ctx, EventClass::Generic, "del", src);
    }
    db.touch(src);
    let added = match db.typed_mut(dst, pick_mut)? {
        Some(d) => d.insert(member, &lim),
        None => {
            let mut d = Set::for_members(member, 1, &lim);
            d.insert(member, &lim);
            db.set(Bytes::copy_from_slice(dst), Value::Set(d), None);
            true
        }
    };
    if added {
        db.touch(dst);
        event(ctx, EventClass::Set, "sadd", dst);
    }
    ctx.out.int(1);
    Ok(())
}

/// SISMEMBER key member
pub fn sismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let is = db
        .typed_read(&args[1], pick)?
        .is_some_and(|s| s.contains(&args[2]));
    ctx.out.int(i64::from(is));
    Ok(())
}

/// SMISMEMBER key member [member ...]
pub fn smismember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let set = db.typed_read(&args[1], pick)?;
    ctx.out.array(args.len() - 2);
    for m in &args[2..] {
        ctx.out.int(i64::from(set.is_some_and(|s| s.contains(m))));
    }
    Ok(())
}

/// SCARD key
pub fn scard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = db.typed_read(&args[1], pick)?.map_or(0, Set::len);
    ctx.out.int(n as i64);
    Ok(())
}

/// SMEMBERS key
pub fn smembers(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match db.typed_read(&args[1], pick)? {
        None => ctx.out.set(0),
        Some(s) => {
            ctx.out.set(s.len());
            for m in s.iter() {
                reply_member(ctx.out, m);
            }
        }
    }
    Ok(())
}

/// SRANDMEMBER key [count]
pub fn srandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match args.get(2) {
        Some(a) => Some(parse_range(a, -i64::MAX, i64::MAX, None)?),
        None => None,
    };
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let set = db.typed_read(&args[1], pick)?;
    let Some(l) = count else {
        match set.and_then(Set::random_member) {
            Some(m) => reply_member(ctx.out, m),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let Some(set) = set else {
        ctx.out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs();
    if count == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    let size = set.len();
    if l < 0 || count == 1 {
        let start = ctx.out.len();
        ctx.out.array(usize::try_from(count).unwrap_or(usize::MAX));
        let members = (set.encoding() == "listpack").then(|| set.members());
        for i in 0..count {
            let m = match &members {
                Some(v) => v.get(random_index(v.len())).copied(),
                None => set.random_member(),
            };
            if let Some(m) = m {
                reply_member(ctx.out, m);
            }
            if i % 1024 == 1023 && ctx.out.len() - start > MAX_SAMPLED_REPLY {
                ctx.out.truncate(start);
                return Err(CmdError::Other("reply too large".into()));
            }
        }
        return Ok(());
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if count >= size {
        ctx.out.array(size);
        for m in set.iter() {
            reply_member(ctx.out, m);
        }
        return Ok(());
    }
    let mut picks = sample_distinct(size, count);
    ctx.out.array(count);
    if set.encoding() == "listpack" {
        // Redis samples listpacks in order.
        picks.sort_unstable();
        let members = set.members();
        for i in picks {
            if let Some(&m) = members.get(i) {
                reply_member(ctx.out, m);
            }
        }
    } else {
        for i in picks {
            if let Some(m) = set.member_at(i) {
                reply_member(ctx.out, m);
            }
        }
    }
    Ok(())
}

/// SPOP key [count]
pub fn spop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let key = &args[1];
    let count = match args.get(2) {
        Some(a) => Some(parse_range(
            a,
            0,
            i64::MAX,
            Some("value is out of range, must be positive"),
        )?),
        None => None,
    };
    let lim = limits(ctx);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(set) = db.typed_mut(key, pick_mut)? else {
        match count {
            Some(_) => ctx.out.set(0),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let Some(count) = count else {
        let popped = set.pop_random();
        let emptied = set.is_empty();
        event(ctx, EventClass::Set, "spop", key);
        match popped {
            Some(b) => ctx.out.bulk(&b),
            None => ctx.out.null(),
        }
        if emptied {
            db.remove(key);
            event(ctx, EventClass::Generic, "del", key);
        }
        db.touch(key);
        return Ok(());
    };
    if count == 0 {
        ctx.out.set(0);
        return Ok(());
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let size = set.len();
    event(ctx, EventClass::Set, "spop", key);
    if count >= size {
        ctx.out.set(size);
        for m in set.iter() {
            reply_member(ctx.out, m);
        }
        db.remove(key);
        event(ctx, EventClass::Generic, "del", key);
        db.touch(key);
        return Ok(());
    }
    let popped = set.pop_many(count, &lim);
    ctx.out.set(popped.len());
    for b in &popped {
        ctx.out.bulk(b);
    }
    db.touch(key);
    Ok(())
}

/// The sets named by `keys`, moved out of the keyspace for the duration of a multi-key
/// operation (so they can be read together without copies) and put back by
/// [`SetArgs::restore`]. A key named twice is taken once.
struct SetArgs {
    unique: Vec<(Bytes, Option<Set>)>,
    /// For each argument, its index in `unique`.
    index: Vec<usize>,
}

impl SetArgs {
    fn take(db: &mut Db, keys: &[Bytes]) -> Result<SetArgs, CmdError> {
        // Type-check everything first so an error leaves the keyspace untouched.
        for k in keys {
            db.typed_read(k, pick)?;
        }
        let mut unique: Vec<(Bytes, Option<Set>)> = Vec::new();
        let mut index = Vec::with_capacity(keys.len());
        for k in keys {
            if let Some(i) = unique.iter().position(|(u, _)| u == k) {
                index.push(i);
                continue;
            }
            let set = db.typed_mut(k, pick_mut)?.map(std::mem::take);
            index.push(unique.len());
            unique.push((k.clone(), set));
        }
        Ok(SetArgs { unique, index })
    }

    fn get(&self, arg: usize) -> Option<&Set> {
        self.index
            .get(arg)
            .and_then(|&i| self.unique.get(i))
            .and_then(|(_, s)| s.as_ref())
    }

    fn restore(self, db: &mut Db) {
        for (k, set) in self.unique {
            if let Some(set) = set {
                if let Ok(Some(slot)) = db.typed_mut(&k, pick_mut) {
                    *slot = set;
                }
            }
        }
    }
}

/// Members of the intersection, in the order of the smallest set; stops after `limit` (0 =
/// no limit).
fn intersection<'a>(sets: &'a SetArgs, n: usize, limit: usize) -> Option<Vec<Member<'a>>> {
    let mut order: Vec<(usize, &Set)> = Vec::with_capacity(n);
    for i in 0..n {
        order.push((sets.index[i], sets.get(i)?));
    }
    order.sort_by_key(|(_, s)| s.len());
    let (first_id, first) = *order.first()?;
    let mut out = Vec::new();
    for m in first.iter() {
        if order
            .iter()
            .skip(1)
            .all(|(id, s)| *id == first_id || s.contains_member(m))
        {
            out.push(m);
            if limit != 0 && out.len() >= limit {
                break;
            }
        }
    }
    Some(out)
}

fn smallest_is_intset(sets: &SetArgs, n: usize) -> bool {
    (0..n)
        .filter_map(|i| sets.get(i))
        .min_by_key(|s| s.len())
        .is_some_and(|s| s.encoding() == "intset")
}

/// Stores `result` at `dst` (or deletes `dst` when empty) with the event Redis emits, and
/// replies with the cardinality.
fn store_result(ctx: &mut Ctx<'_>, db: &mut Db, dst: &[u8], result: Set, event_name: &str) {
    let n = result.len();
    if n > 0 {
        db.set(Bytes::copy_from_slice(dst), Value::Set(result), None);
        db.touch(dst);
        event(ctx, EventClass::Set, event_name, dst);
    } else if db.remove(dst) {
        db.touch(dst);
        event(ctx, EventClass::Generic, "del", dst);
    }
    ctx.out.int(n as i64);
}

fn sinter_generic(ctx: &mut Ctx<'_>, keys: &[Bytes], dst: Option<&Bytes>) -> CmdResult {
    let lim = limits(ctx);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let sets = SetArgs::take(db, keys)?;
    let members = intersection(&sets, keys.len(), 0).unwrap_or_default();
    match dst {
        None => {
            ctx.out.set(members.len());
            for &m in &members {
                reply_member(ctx.out, m);
            }
            drop(members);
            sets.restore(db);
        }
        Some(dst) => {
            let mut result = if smallest_is_intset(&sets, keys.len()) {
                Set::default()
            } else {
                Set::new_packed()
            };
            for &m in &members {
                m.with_bytes(|b| result.insert(b, &lim));
            }
            result.maybe_to_intset(&lim);
            result.shrink();
            drop(members);
            sets.restore(db);
            store_result(ctx, db, dst, result, "sinterstore");
        }
    }
    Ok(())
}

/// SINTER key [key ...]
pub fn sinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &args[1..], None)
}

/// SINTERSTORE destination key [key ...]
pub fn sinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &args[2..], Some(&args[1]))
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let numkeys = parse_range(
        &args[1],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    )?;
    if numkeys > args.len() as i64 - 2 {
        return Err(CmdError::Other(
            "Number of keys can't be greater than number of args".into(),
        ));
    }
    let numkeys = numkeys as usize;
    let mut limit = 0i64;
    let mut i = 2 + numkeys;
    while i < args.len() {
        if eq_ic(&args[i], "limit") && i + 1 < args.len() {
            limit = parse_range(&args[i + 1], 0, i64::MAX, Some("LIMIT can't be negative"))?;
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let keys = &args[2..2 + numkeys];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let sets = SetArgs::take(db, keys)?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let n = intersection(&sets, keys.len(), limit).map_or(0, |v| v.len());
    sets.restore(db);
    ctx.out.int(n as i64);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

fn sunion_diff_generic(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    dst: Option<&Bytes>,
    op: SetOp,
) -> CmdResult {
    let lim = limits(ctx);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let sets = SetArgs::take(db, keys)?;
    // Like Redis, the result starts as an intset and converts as members arrive.
    let mut result = Set::default();
    match op {
        SetOp::Union => {
            for i in 0..keys.len() {
                if let Some(s) = sets.get(i) {
                    for m in s.iter() {
                        m.with_bytes(|b| result.insert(b, &lim));
                    }
                }
            }
        }
        SetOp::Diff => {
            let first_id = sets.index.first().copied();
            let same = sets.index.iter().skip(1).any(|&i| Some(i) == first_id);
            if let (Some(first), false) = (sets.get(0), same) {
                let others: Vec<&Set> = (1..keys.len()).filter_map(|i| sets.get(i)).collect();
                for m in first.iter() {
                    if !others.iter().any(|s| s.contains_member(m)) {
                        m.with_bytes(|b| result.insert(b, &lim));
                    }
                }
            }
        }
    }
    sets.restore(db);
    match dst {
        None => {
            ctx.out.set(result.len());
            for m in result.iter() {
                reply_member(ctx.out, m);
            }
        }
        Some(dst) => {
            result.shrink();
            let name = if op == SetOp::Union {
                "sunionstore"
            } else {
                "sdiffstore"
            };
            store_result(ctx, db, dst, result, name);
        }
    }
    Ok(())
}

/// SUNION key [key ...]
pub fn sunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &args[1..], None, SetOp::Union)
}

/// SUNIONSTORE destination key [key ...]
pub fn sunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &args[2..], Some(&args[1]), SetOp::Union)
}

/// SDIFF key [key ...]
pub fn sdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &args[1..], None, SetOp::Diff)
}

/// SDIFFSTORE destination key [key ...]
pub fn sdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &args[2..], Some(&args[1]), SetOp::Diff)
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
pub fn sscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_scan_cursor(&args[2])?;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(set) = db.typed_read(&args[1], pick)? else {
        scan_reply_head(ctx.out, 0, 0);
        return Ok(());
    };
    let opts = parse_scan_opts(args, 3, false)?;
    let (next, items) = set.scan(cursor, opts.count, opts.pattern.as_deref());
    scan_reply_head(ctx.out, next, items.len());
    for b in &items {
        ctx.out.bulk(b);
    }
    Ok(())
}

/// True when replies for `out` use RESP3 types.
pub(crate) fn is_resp3(out: &ReplyBuf) -> bool {
    out.protocol() == Protocol::Resp3
}

/// The set commands, with Redis 7.4's arity, flags, key positions and ACL categories.
pub static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "sadd",
        -3,
        ["write", "denyoom", "fast"],
        1,
        1,
        1,
        ["write", "set", "fast"],
        "set",
        "1.0.0",
        "Adds one or more members to a set. Creates the key if it doesn't exist.",
        sadd
    ),
    cmd!(
        "scard",
        2,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "set", "fast"],
        "set",
        "1.0.0",
        "Returns the number of members in a set.",
        scard
    ),
    cmd!(
        "sdiff",
        -2,
        ["readonly"],
        1,
        -1,
        1,
        ["read", "set", "slow"],
        "set",
        "1.0.0",
        "Returns the difference of multiple sets.",
        sdiff
    ),
    cmd!(
        "sdiffstore",
        -3,
        ["write", "denyoom"],
        1,
        -1,
        1,
        ["write", "set", "slow"],
        "set",
        "1.0.0",
        "Stores the difference of multiple sets in a key.",
        sdiffstore
    ),
    cmd!(
        "sinter",
        -2,
        ["readonly"],
        1,
        -1,
        1,
        ["read", "set", "slow"],
        "set",
        "1.0.0",
        "Returns the intersect of multiple sets.",
        sinter
    ),
    cmd!(
        "sintercard",
        -3,
        ["readonly", "movablekeys"],
        0,
        0,
        0,
        ["read", "set", "slow"],
        "set",
        "7.0.0",
        "Returns the number of members of the intersect of multiple sets.",
        sintercard
    ),
    cmd!(
        "sinterstore",
        -3,
        ["write", "denyoom"],
        1,
        -1,
        1,
        ["write", "set", "slow"],
        "set",
        "1.0.0",
        "Stores the intersect of multiple sets in a key.",
        sinterstore
    ),
    cmd!(
        "sismember",
        3,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "set", "fast"],
        "set",
        "1.0.0",
        "Determines whether a member belongs to a set.",
        sismember
    ),
    cmd!(
        "smembers",
        2,
        ["readonly"],
        1,
        1,
        1,
        ["read", "set", "slow"],
        "set",
        "1.0.0",
        "Returns all members of a set.",
        smembers
    ),
    cmd!(
        "smismember",
        -3,
        ["readonly", "fast"],
        1,
        1,
        1,
        ["read", "set", "fast"],
        "set",
        "6.2.0",
        "Determines whether multiple members belong to a set.",
        smismember
    ),
    cmd!(
        "smove",
        4,
        ["write", "fast"],
        1,
        2,
        1,
        ["write", "set", "fast"],
        "set",
        "1.0.0",
        "Moves a member from one set to another.",
        smove
    ),
    cmd!(
        "spop",
        -2,
        ["write", "fast"],
        1,
        1,
        1,
        ["write", "set", "fast"],
        "set",
        "1.0.0",
        "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
        spop
    ),
    cmd!(
        "srandmember",
        -2,
        ["readonly"],
        1,
        1,
        1,
        ["read", "set", "slow"],
        "set",
        "1.0.0",
        "Get one or multiple random members from a set",
        srandmember
    ),
    cmd!(
        "srem",
        -3,
        ["write", "fast"],
        1,
        1,
        1,
        ["write", "set", "fast"],
        "set",
        "1.0.0",
        "Removes one or more members from a set. Deletes the set if the last member was removed.",
        srem
    ),
    cmd!(
        "sscan",
        -3,
        ["readonly"],
        1,
        1,
        1,
        ["read", "set", "slow"],
        "set",
        "2.8.0",
        "Iterates over members of a set.",
        sscan
    ),
    cmd!(
        "sunion",
        -2,
        ["readonly"],
        1,
        -1,
        1,
        ["read", "set", "slow"],
        "set",
        "1.0.0",
        "Returns the union of multiple sets.",
        sunion
    ),
    cmd!(
        "sunionstore",
        -3,
        ["write", "denyoom"],
        1,
        -1,
        1,
        ["write", "set", "slow"],
        "set",
        "1.0.0",
        "Stores the union of multiple sets in a key.",
        sunionstore
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_cursor_like_strtoul() {
        assert_eq!(parse_scan_cursor(b"0").unwrap(), 0);
        assert_eq!(parse_scan_cursor(b"").unwrap(), 0);
        assert_eq!(parse_scan_cursor(b"+7").unwrap(), 7);
        assert_eq!(parse_scan_cursor(b"007").unwrap(), 7);
        assert_eq!(parse_scan_cursor(b"-1").unwrap(), u64::MAX);
        assert_eq!(
            parse_scan_cursor(b"18446744073709551615").unwrap(),
            u64::MAX
        );
        for bad in [
            &b" 1"[..],
            b"1 ",
            b"abc",
            b"18446744073709551616",
            b"-",
            b"1x",
        ] {
            assert!(parse_scan_cursor(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranged_ints() {
        assert_eq!(parse_range(b"5", 0, 10, None).unwrap(), 5);
        assert_eq!(
            parse_range(b"x", 0, 10, None).unwrap_err(),
            CmdError::NotInteger
        );
        assert_eq!(
            parse_range(b"11", 0, 10, None).unwrap_err().to_string(),
            "ERR value is out of range, value must between 0 and 10"
        );
        assert_eq!(
            parse_range(b"x", 0, 10, Some("bad"))
                .unwrap_err()
                .to_string(),
            "ERR bad"
        );
    }
}
