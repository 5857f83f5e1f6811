//! List commands (Redis's t_list.c), except the blocking ones (in `blocking`). The key-level
//! helpers [`push_to_key`], [`pop_from_key`] and [`move_element`] carry all of a push/pop's side effects
//! (encoding conversion, WATCH, keyspace events, deleting an emptied key) so the blocking
//! variants can reuse them when they serve a waiting client.

use super::table::cmd;
use super::{eq_ic, parse_int, CmdError, CmdResult, CommandSpec, Ctx};
use crate::notify::{notify, EventClass};
use crate::server::blocking::signal_key_ready;
use crate::server::Shared;
use crate::storage::list::List;
use crate::storage::{Db, Value, WrongType};
use bytes::Bytes;

/// The list commands.
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd!("lpush", -3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "list", "fast"], "list", "1.0.0", "Prepends one or more elements to a list. Creates the key if it doesn't exist.", lpush),
    cmd!("rpush", -3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "list", "fast"], "list", "1.0.0", "Appends one or more elements to a list. Creates the key if it doesn't exist.", rpush),
    cmd!("lpushx", -3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "list", "fast"], "list", "2.2.0", "Prepends one or more elements to a list only when the list exists.", lpushx),
    cmd!("rpushx", -3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "list", "fast"], "list", "2.2.0", "Appends an element to a list only when the list exists.", rpushx),
    cmd!("lpop", -2, ["write", "fast"], 1, 1, 1, ["write", "list", "fast"], "list", "1.0.0", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", lpop),
    cmd!("rpop", -2, ["write", "fast"], 1, 1, 1, ["write", "list", "fast"], "list", "1.0.0", "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", rpop),
    cmd!("llen", 2, ["readonly", "fast"], 1, 1, 1, ["read", "list", "fast"], "list", "1.0.0", "Returns the length of a list.", llen),
    cmd!("lrange", 4, ["readonly"], 1, 1, 1, ["read", "list", "slow"], "list", "1.0.0", "Returns a range of elements from a list.", lrange),
    cmd!("lindex", 3, ["readonly"], 1, 1, 1, ["read", "list", "slow"], "list", "1.0.0", "Returns an element from a list by its index.", lindex),
    cmd!("lset", 4, ["write", "denyoom"], 1, 1, 1, ["write", "list", "slow"], "list", "1.0.0", "Sets the value of an element in a list by its index.", lset),
    cmd!("linsert", 5, ["write", "denyoom"], 1, 1, 1, ["write", "list", "slow"], "list", "2.2.0", "Inserts an element before or after another element in a list.", linsert),
    cmd!("lrem", 4, ["write"], 1, 1, 1, ["write", "list", "slow"], "list", "1.0.0", "Removes elements from a list. Deletes the list if the last element was removed.", lrem),
    cmd!("ltrim", 4, ["write"], 1, 1, 1, ["write", "list", "slow"], "list", "1.0.0", "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", ltrim),
    cmd!("lpos", -3, ["readonly"], 1, 1, 1, ["read", "list", "slow"], "list", "6.0.6", "Returns the index of matching elements in a list.", lpos),
    cmd!("lmove", 5, ["write", "denyoom"], 1, 2, 1, ["write", "list", "slow"], "list", "6.2.0", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", lmove),
    cmd!("rpoplpush", 3, ["write", "denyoom"], 1, 2, 1, ["write", "list", "slow"], "list", "1.2.0", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", rpoplpush),
    cmd!("lmpop", -4, ["write", "movablekeys"], 0, 0, 0, ["write", "list", "slow"], "list", "7.0.0", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", lmpop),
];

/// The current `list-max-listpack-size`, read before the keyspace lock is taken.
pub fn list_fill(shared: &Shared) -> i64 {
    shared.config().encoding.list_max_listpack_size
}

fn pick(v: &Value) -> Option<&List> {
    match v {
        Value::List(l) => Some(l),
        _ => None,
    }
}

fn pick_mut(v: &mut Value) -> Option<&mut List> {
    match v {
        Value::List(l) => Some(l),
        _ => None,
    }
}

/// t_object.c `getRangeLongFromObjectOrReply`: an integer in `[min, max]`; `msg` replaces
/// both the parse and the range error when given.
fn range_long(arg: &[u8], min: i64, max: i64, msg: Option<&str>) -> Result<i64, CmdError> {
    let custom = || msg.map(|m| CmdError::Other(m.to_string()));
    let v = parse_int(arg).map_err(|e| custom().unwrap_or(e))?;
    if v < min || v > max {
        return Err(custom().unwrap_or_else(|| {
            CmdError::Other(format!(
                "value is out of range, value must between {min} and {max}"
            ))
        }));
    }
    Ok(v)
}

/// `getPositiveLongFromObjectOrReply`.
fn positive_long(arg: &[u8], msg: Option<&str>) -> Result<i64, CmdError> {
    range_long(
        arg,
        0,
        i64::MAX,
        Some(msg.unwrap_or("value is out of range, must be positive")),
    )
}

/// LEFT/RIGHT argument (true = LEFT), or a syntax error.
fn parse_side(arg: &[u8]) -> Result<bool, CmdError> {
    if eq_ic(arg, "left") {
        Ok(true)
    } else if eq_ic(arg, "right") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

fn side_event(left: bool, push: bool) -> &'static str {
    match (left, push) {
        (true, true) => "lpush",
        (false, true) => "rpush",
        (true, false) => "lpop",
        (false, false) => "rpop",
    }
}

// ---------------------------------------------------------------------------------------------
// Key-level operations shared with the blocking commands
// ---------------------------------------------------------------------------------------------

/// Pushes `items` onto the list at `key` (created if missing) and emits the push event.
/// Returns the new length.
pub fn push_to_key<T: AsRef<[u8]>>(
    shared: &Shared,
    db: &mut Db,
    dbi: usize,
    key: &[u8],
    items: &[T],
    left: bool,
    fill: i64,
) -> Result<usize, WrongType> {
    let list = db.typed_or_insert(key, || Value::List(List::new()), pick_mut)?;
    list.push(items, left, fill);
    let len = list.len();
    db.touch(key);
    notify(shared, EventClass::List, side_event(left, true), key, dbi);
    signal_key_ready(shared, dbi, key);
    Ok(len)
}

/// After elements were removed from the list at `key`: emits `event`, deletes the key (with a
/// `del` event) if the list is empty or else lets it shrink to a listpack, and marks the key
/// modified (t_list.c `listElementsRemoved`).
fn elements_removed(shared: &Shared, db: &mut Db, dbi: usize, key: &[u8], event: &str, fill: i64) {
    notify(shared, EventClass::List, event, key, dbi);
    let empty = match db.typed_mut(key, pick_mut) {
        Ok(Some(list)) if !list.is_empty() => {
            list.removed(fill);
            false
        }
        _ => true,
    };
    if empty {
        db.remove(key);
        notify(shared, EventClass::Generic, "del", key, dbi);
    }
    db.touch(key);
}

/// Pops up to `count` elements from the head (`left`) or tail of the list at `key`, with all
/// of Redis's side effects. `Ok(None)` when there is no such key.
pub fn pop_from_key(
    shared: &Shared,
    db: &mut Db,
    dbi: usize,
    key: &[u8],
    left: bool,
    count: usize,
    fill: i64,
) -> Result<Option<Vec<Bytes>>, WrongType> {
    let Some(list) = db.typed_mut(key, pick_mut)? else {
        return Ok(None);
    };
    if list.is_empty() {
        return Ok(None);
    }
    let items = list.pop(left, count, fill);
    elements_removed(shared, db, dbi, key, side_event(left, false), fill);
    Ok(Some(items))
}

/// LMOVE's core: pops from `src` (head if `from_left`) and pushes onto `dst` (head if
/// `to_left`), emitting the destination's push event before the source's pop event as Redis
/// does. `Ok(None)` when `src` does not exist; WRONGTYPE (with nothing changed) if either key
/// holds another type.
#[allow(clippy::too_many_arguments)]
pub fn move_element(
    shared: &Shared,
    db: &mut Db,
    dbi: usize,
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
    fill: i64,
) -> Result<Option<Bytes>, WrongType> {
    match db.typed(src, pick)? {
        None => return Ok(None),
        Some(l) if l.is_empty() => return Ok(None),
        Some(_) => {}
    }
    db.typed(dst, pick)?;
    let Some((value, int_encoded)) = db
        .typed_mut(src, pick_mut)?
        .and_then(|l| l.pop_for_move(from_left))
    else {
        return Ok(None);
    };
    let dst_list = db.typed_or_insert(dst, || Value::List(List::new()), pick_mut)?;
    dst_list.push_moved(&value, to_left, int_encoded, fill);
    db.touch(dst);
    notify(
        shared,
        EventClass::List,
        side_event(to_left, true),
        dst,
        dbi,
    );
    signal_key_ready(shared, dbi, dst);
    elements_removed(shared, db, dbi, src, side_event(from_left, false), fill);
    Ok(Some(value))
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

fn push_generic(ctx: &mut Ctx<'_>, args: &[Bytes], left: bool, only_existing: bool) -> CmdResult {
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let exists = db.typed(&args[1], pick)?.is_some();
    if only_existing && !exists {
        ctx.out.int(0);
        return Ok(());
    }
    let len = push_to_key(
        ctx.shared,
        db,
        ctx.conn.db,
        &args[1],
        &args[2..],
        left,
        fill,
    )?;
    ctx.out.int(len as i64);
    Ok(())
}

/// LPUSH key element [element ...]
pub fn lpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, true, false)
}

/// RPUSH key element [element ...]
pub fn rpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, false, false)
}

/// LPUSHX key element [element ...]
pub fn lpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, true, true)
}

/// RPUSHX key element [element ...]
pub fn rpushx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, false, true)
}

fn pop_generic(ctx: &mut Ctx<'_>, args: &[Bytes], left: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::WrongArity(
            if left { "lpop" } else { "rpop" }.into(),
        ));
    }
    let count = match args.get(2) {
        Some(a) => Some(positive_long(a, None)? as usize),
        None => None,
    };
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match db.typed(&args[1], pick)? {
        None => {
            if count.is_some() {
                ctx.out.null_array();
            } else {
                ctx.out.null();
            }
            return Ok(());
        }
        Some(_) if count == Some(0) => {
            ctx.out.array(0);
            return Ok(());
        }
        Some(_) => {}
    }
    let items = pop_from_key(
        ctx.shared,
        db,
        ctx.conn.db,
        &args[1],
        left,
        count.unwrap_or(1),
        fill,
    )?
    .unwrap_or_default();
    match count {
        None => match items.first() {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        },
        Some(_) => ctx.out.bulk_array(&items),
    }
    Ok(())
}

/// LPOP key [count]
pub fn lpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, true)
}

/// RPOP key [count]
pub fn rpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, false)
}

/// LLEN key
pub fn llen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let len = ks
        .db(ctx.conn.db)
        .typed_read(&args[1], pick)?
        .map_or(0, List::len);
    ctx.out.int(len as i64);
    Ok(())
}

/// Normalizes a Redis range over `len` elements: `(start, count)`, or None if empty.
fn normalize_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, (end - start + 1) as usize))
}

/// LRANGE key start stop
pub fn lrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    let mut ks = ctx.shared.keyspace();
    let Some(list) = ks.db(ctx.conn.db).typed_read(&args[1], pick)? else {
        ctx.out.array(0);
        return Ok(());
    };
    match normalize_range(start, end, list.len()) {
        None => ctx.out.array(0),
        Some((from, n)) => {
            ctx.out.array(n);
            for item in list.iter_from(from).take(n) {
                ctx.out.bulk(item);
            }
        }
    }
    Ok(())
}

/// LINDEX key index
pub fn lindex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let Some(list) = ks.db(ctx.conn.db).typed_read(&args[1], pick)? else {
        ctx.out.null();
        return Ok(());
    };
    let index = parse_int(&args[2])?;
    match list.resolve_index(index).and_then(|i| list.get(i)) {
        Some(v) => ctx.out.bulk(v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// LSET key index element
pub fn lset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(list) = db.typed_mut(&args[1], pick_mut)? else {
        return Err(CmdError::Other("no such key".into()));
    };
    let index = parse_int(&args[2])?;
    if !list.set(index, &args[3], fill) {
        return Err(CmdError::Other("index out of range".into()));
    }
    db.touch(&args[1]);
    notify(ctx.shared, EventClass::List, "lset", &args[1], ctx.conn.db);
    ctx.out.ok();
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element
pub fn linsert(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let after = if eq_ic(&args[2], "after") {
        true
    } else if eq_ic(&args[2], "before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(list) = db.typed_mut(&args[1], pick_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    match list.insert(&args[3], &args[4], after, fill) {
        None => ctx.out.int(-1),
        Some(len) => {
            db.touch(&args[1]);
            notify(
                ctx.shared,
                EventClass::List,
                "linsert",
                &args[1],
                ctx.conn.db,
            );
            signal_key_ready(ctx.shared, ctx.conn.db, &args[1]);
            ctx.out.int(len as i64);
        }
    }
    Ok(())
}

/// LREM key count element
pub fn lrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let count = range_long(&args[2], -i64::MAX, i64::MAX, None)?;
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(list) = db.typed_mut(&args[1], pick_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let removed = list.remove(&args[3], count, fill);
    let empty = list.is_empty();
    if removed > 0 {
        notify(ctx.shared, EventClass::List, "lrem", &args[1], ctx.conn.db);
        if empty {
            db.remove(&args[1]);
            notify(
                ctx.shared,
                EventClass::Generic,
                "del",
                &args[1],
                ctx.conn.db,
            );
        }
        db.touch(&args[1]);
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// LTRIM key start stop
pub fn ltrim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(list) = db.typed_mut(&args[1], pick_mut)? else {
        ctx.out.ok();
        return Ok(());
    };
    list.trim(start, end, fill);
    let empty = list.is_empty();
    notify(ctx.shared, EventClass::List, "ltrim", &args[1], ctx.conn.db);
    if empty {
        db.remove(&args[1]);
        notify(
            ctx.shared,
            EventClass::Generic,
            "del",
            &args[1],
            ctx.conn.db,
        );
    }
    db.touch(&args[1]);
    ctx.out.ok();
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        if eq_ic(&args[j], "rank") && more {
            j += 1;
            rank = range_long(&args[j], -i64::MAX, i64::MAX, None)?;
            if rank == 0 {
                return Err(CmdError::Other(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list".into(),
                ));
            }
        } else if eq_ic(&args[j], "count") && more {
            j += 1;
            count = Some(positive_long(&args[j], Some("COUNT can't be negative"))?);
        } else if eq_ic(&args[j], "maxlen") && more {
            j += 1;
            maxlen = positive_long(&args[j], Some("MAXLEN can't be negative"))?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let from_tail = rank < 0;
    let rank = rank.unsigned_abs();
    let mut ks = ctx.shared.keyspace();
    let Some(list) = ks.db(ctx.conn.db).typed_read(&args[1], pick)? else {
        if count.is_some() {
            ctx.out.array(0);
        } else {
            ctx.out.null();
        }
        return Ok(());
    };
    let len = list.len();
    let want = &args[2][..];
    let mut found: Vec<i64> = Vec::new();
    let mut matches: u64 = 0;
    let mut scan = |index: usize, item: &[u8]| -> bool {
        // Returns true to stop.
        if item != want {
            return false;
        }
        matches += 1;
        if matches < rank {
            return false;
        }
        let pos = if from_tail { len - index - 1 } else { index } as i64;
        found.push(pos);
        match count {
            None => true,
            Some(0) => false,
            Some(c) => matches - rank + 1 >= c as u64,
        }
    };
    let limit = if maxlen == 0 {
        usize::MAX
    } else {
        maxlen as usize
    };
    if from_tail {
        for (index, item) in list.iter().rev().take(limit).enumerate() {
            if scan(index, item) {
                break;
            }
        }
    } else {
        for (index, item) in list.iter().take(limit).enumerate() {
            if scan(index, item) {
                break;
            }
        }
    }
    match count {
        Some(_) => {
            ctx.out.array(found.len());
            for p in found {
                ctx.out.int(p);
            }
        }
        None => match found.first() {
            Some(&p) => ctx.out.int(p),
            None => ctx.out.null(),
        },
    }
    Ok(())
}

fn lmove_generic(ctx: &mut Ctx<'_>, args: &[Bytes], from_left: bool, to_left: bool) -> CmdResult {
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match move_element(
        ctx.shared,
        db,
        ctx.conn.db,
        &args[1],
        &args[2],
        from_left,
        to_left,
        fill,
    )? {
        Some(v) => ctx.out.bulk(&v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub fn lmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let from_left = parse_side(&args[3])?;
    let to_left = parse_side(&args[4])?;
    lmove_generic(ctx, args, from_left, to_left)
}

/// RPOPLPUSH source destination
pub fn rpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    lmove_generic(ctx, args, false, true)
}

/// Parsed LMPOP/BLMPOP arguments after the numkeys position: the keys, the side (true =
/// LEFT) and the count (1 when not given).
pub fn parse_mpop(args: &[Bytes], numkeys_idx: usize) -> Result<(&[Bytes], bool, usize), CmdError> {
    let numkeys = range_long(
        &args[numkeys_idx],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    )? as usize;
    let where_idx = numkeys_idx
        .checked_add(numkeys)
        .and_then(|n| n.checked_add(1))
        .filter(|&n| n < args.len())
        .ok_or(CmdError::Syntax)?;
    let left = parse_side(&args[where_idx])?;
    let mut count: Option<i64> = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && eq_ic(&args[j], "count") && j + 1 < args.len() {
            j += 1;
            count = Some(range_long(
                &args[j],
                1,
                i64::MAX,
                Some("count should be greater than 0"),
            )?);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let keys = &args[numkeys_idx + 1..where_idx];
    Ok((keys, left, count.unwrap_or(1) as usize))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn lmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (keys, left, count) = parse_mpop(args, 1)?;
    let fill = list_fill(ctx.shared);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    for key in keys {
        if let Some(items) = pop_from_key(ctx.shared, db, ctx.conn.db, key, left, count, fill)? {
            ctx.out.array(2);
            ctx.out.bulk(key);
            ctx.out.bulk_array(&items);
            return Ok(());
        }
    }
    ctx.out.null_array();
    Ok(())
}
