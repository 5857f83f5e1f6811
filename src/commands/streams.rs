//! Stream commands (XADD ... XINFO), with Redis 7.4's arguments, replies, errors and keyspace
//! events (`t_stream.c` is the reference). XREAD and XREADGROUP with BLOCK wait through the
//! server's blocking registry: [`StreamRead`] is what it re-runs when a stream gets an entry.

use super::table::cmd;
use super::{arg_for_error, eq_ic, parse_int, CmdError, CmdResult, CommandSpec, Ctx};
use crate::notify::{notify, EventClass};
use crate::protocol::{Protocol, ReplyBuf};
use crate::server::blocking::signal_key_ready;
use crate::server::Shared;
use crate::storage::stream::{ChunkLimits, ConsumerGroup, Fields, Stream, StreamId, Trim, TrimBy};
use crate::storage::{now_ms, Db, Value};
use bytes::Bytes;

fn stream_ref(v: &Value) -> Option<&Stream> {
    match v {
        Value::Stream(s) => Some(s.as_ref()),
        _ => None,
    }
}

fn stream_mut(v: &mut Value) -> Option<&mut Stream> {
    match v {
        Value::Stream(s) => Some(s.as_mut()),
        _ => None,
    }
}

/// `stream-node-max-entries` and `stream-node-max-bytes`.
fn chunk_limits(ctx: &Ctx<'_>) -> ChunkLimits {
    let e = ctx.shared.config().encoding;
    ChunkLimits {
        max_entries: e.stream_node_max_entries,
        max_bytes: e.stream_node_max_bytes,
    }
}

fn err(msg: &str) -> CmdError {
    CmdError::Other(msg.to_string())
}

/// `%s` of a key or name in an error message: up to the first NUL.
fn shown(arg: &[u8]) -> String {
    arg_for_error(arg, usize::MAX)
}

const INVALID_ID: &str = "Invalid stream ID specified as stream command argument";

fn invalid_id() -> CmdError {
    err(INVALID_ID)
}

fn nogroup(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::Coded(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        shown(key),
        shown(group)
    ))
}

fn event(ctx: &Ctx<'_>, name: &str, key: &[u8]) {
    notify(ctx.shared, EventClass::Stream, name, key, ctx.conn.db);
}

// ---------------------------------------------------------------------------------------------
// IDs
// ---------------------------------------------------------------------------------------------

/// C's `strtoull` over the whole string, as Redis's `string2ull` falls back to: leading
/// whitespace, an optional sign (a minus negates modulo 2^64), decimal digits, nothing after.
fn strtoull(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::protocol::parser::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let mut neg = false;
    if let Some(&c) = s.get(i) {
        if c == b'+' || c == b'-' {
            neg = c == b'-';
            i += 1;
        }
    }
    let digits = &s[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Redis's `streamGenericParseIDOrReply`: `-`/`+` (unless `strict`), `<ms>`, `<ms>-<seq>`, and
/// with `allow_auto_seq` `<ms>-*` (second value false: sequence not given).
fn parse_id_full(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    allow_auto_seq: bool,
) -> Result<(StreamId, bool), CmdError> {
    if arg.len() > 127 {
        return Err(invalid_id());
    }
    // The C code sees the argument as a NUL-terminated string.
    let arg = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    match arg {
        b"-" | b"+" if strict => return Err(invalid_id()),
        b"-" => return Ok((StreamId::MIN, true)),
        b"+" => return Ok((StreamId::MAX, true)),
        _ => {}
    }
    let (ms_part, seq_part) = match arg.iter().position(|&b| b == b'-') {
        Some(p) => (&arg[..p], Some(&arg[p + 1..])),
        None => (arg, None),
    };
    let ms = strtoull(ms_part).ok_or_else(invalid_id)?;
    match seq_part {
        Some(b"*") if allow_auto_seq => Ok((StreamId::new(ms, 0), false)),
        Some(s) => Ok((StreamId::new(ms, strtoull(s).ok_or_else(invalid_id)?), true)),
        None => Ok((StreamId::new(ms, missing_seq), true)),
    }
}

/// A strict ID (no `-`/`+`), the sequence defaulting to 0.
fn parse_strict_id(arg: &[u8]) -> Result<StreamId, CmdError> {
    parse_id_full(arg, 0, true, false).map(|(id, _)| id)
}

/// A range bound: `-`, `+`, an ID, or `(ID` (exclusive), as `streamParseIntervalIDOrReply`
/// followed by the increment/decrement of an exclusive bound.
fn parse_range_bound(arg: &[u8], end: bool) -> Result<StreamId, CmdError> {
    let missing_seq = if end { u64::MAX } else { 0 };
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_id_full(&arg[1..], missing_seq, true, false)?.0;
        let moved = if end { id.decr() } else { id.incr() };
        return moved.ok_or_else(|| {
            err(if end {
                "invalid end ID for the interval"
            } else {
                "invalid start ID for the interval"
            })
        });
    }
    parse_id_full(arg, missing_seq, false, false).map(|(id, _)| id)
}

fn bulk_id(out: &mut ReplyBuf, id: StreamId) {
    out.bulk(id.to_string().as_bytes());
}

/// One entry as Redis replies it: `[id, [field, value, ...]]`.
fn reply_entry(out: &mut ReplyBuf, id: StreamId, fields: &Fields<'_>) {
    out.array(2);
    bulk_id(out, id);
    out.array(fields.len() * 2);
    for (f, v) in fields {
        out.bulk(f);
        out.bulk(v);
    }
}

/// Entries of `s` in `start..=end` (reversed if `rev`), at most `count` (0 = all), written as an
/// array; returns how many.
fn reply_range(
    out: &mut ReplyBuf,
    s: &Stream,
    start: StreamId,
    end: StreamId,
    count: u64,
    rev: bool,
) -> usize {
    let mut body = ReplyBuf::new(out.protocol());
    let mut n = 0u64;
    s.range(start, end, rev, |id, fields| {
        reply_entry(&mut body, id, fields);
        n += 1;
        count == 0 || n < count
    });
    out.array(n as usize);
    out.raw(&body.take());
    n as usize
}

/// Writes `[id, fields]` for the entry `id`, or nothing; true if written.
fn reply_one(out: &mut ReplyBuf, s: &Stream, id: StreamId) -> bool {
    s.with_entry(id, |fields| reply_entry(out, id, fields))
}

/// A map (RESP3) or a flat array of pairs (RESP2) with `n` pairs.
fn map_header(out: &mut ReplyBuf, n: usize) {
    if out.protocol() == Protocol::Resp3 {
        out.map(n);
    } else {
        out.array(n * 2);
    }
}

// ---------------------------------------------------------------------------------------------
// XADD, XTRIM
// ---------------------------------------------------------------------------------------------

/// Parsed XADD/XTRIM options.
struct AddTrimArgs {
    trim: Option<Trim>,
    nomkstream: bool,
    /// The explicit ID and whether its sequence was given (`<ms>-*` leaves it to the stream).
    id: Option<(StreamId, bool)>,
    /// Index of the ID argument (XADD), where the field/value pairs start after.
    id_pos: usize,
}

/// Redis's `streamParseAddOrTrimArgsOrReply`.
fn parse_add_trim(
    args: &[Bytes],
    xadd: bool,
    chunks: ChunkLimits,
) -> Result<AddTrimArgs, CmdError> {
    let mut by: Option<TrimBy> = None;
    let mut approx = false;
    let mut limit: Option<i64> = None;
    let mut nomkstream = false;
    let mut id = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = &args[i];
        if xadd && opt.as_ref() == b"*" {
            break;
        } else if (eq_ic(opt, "maxlen") || eq_ic(opt, "minid")) && more > 0 {
            if by.is_some() {
                return Err(err(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            approx = false;
            let next = &args[i + 1];
            if more >= 2 && next.as_ref() == b"~" {
                approx = true;
                i += 1;
            } else if more >= 2 && next.as_ref() == b"=" {
                i += 1;
            }
            if eq_ic(opt, "maxlen") {
                let n = parse_int(&args[i + 1])?;
                if n < 0 {
                    return Err(err("The MAXLEN argument must be >= 0."));
                }
                by = Some(TrimBy::MaxLen(n as u64));
            } else {
                by = Some(TrimBy::MinId(parse_strict_id(&args[i + 1])?));
            }
            i += 1;
        } else if eq_ic(opt, "limit") && more > 0 {
            let n = parse_int(&args[i + 1])?;
            if n < 0 {
                return Err(err("The LIMIT argument must be >= 0."));
            }
            limit = Some(n);
            i += 1;
        } else if xadd && eq_ic(opt, "nomkstream") {
            nomkstream = true;
        } else if xadd {
            id = Some(parse_id_full(opt, 0, true, true)?);
            break;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if limit.is_some_and(|l| l != 0) && by.is_none() {
        return Err(err(
            "syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && by.is_none() {
        return Err(err(
            "syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    let limit = match limit {
        Some(_) if !approx => {
            return Err(err(
                "syntax error, LIMIT cannot be used without the special ~ option",
            ))
        }
        Some(l) => l as u64,
        None if approx => chunks.default_trim_limit(),
        None => 0,
    };
    Ok(AddTrimArgs {
        trim: by.map(|by| Trim { by, approx, limit }),
        nomkstream,
        id,
        id_pos: i,
    })
}

/// The ID XADD gives a new entry, or Redis's error (`streamAppendItem`).
fn next_add_id(s: &Stream, given: Option<(StreamId, bool)>) -> Result<StreamId, CmdError> {
    let last = s.last_id();
    let id = match given {
        Some((id, true)) => id,
        Some((id, false)) => {
            if last.ms == id.ms {
                if last.seq == u64::MAX {
                    return Err(too_small());
                }
                StreamId::new(id.ms, last.seq + 1)
            } else {
                id
            }
        }
        None => {
            let ms = now_ms().max(0) as u64;
            if ms > last.ms {
                StreamId::new(ms, 0)
            } else {
                last.incr().ok_or_else(too_small)?
            }
        }
    };
    if id <= last {
        return Err(too_small());
    }
    Ok(id)
}

fn too_small() -> CmdError {
    err("The ID specified in XADD is equal or smaller than the target stream top item")
}

/// The arguments of XADD/XTRIM up to `end` (XADD's ID) as propagated after an approximate
/// trim (Redis's `streamRewriteApproxSpecifier` and `streamRewriteTrimArgument`): `~` becomes
/// `=` with the threshold the trim reached (the length, or the first ID left), and LIMIT,
/// which only `~` allows, is dropped; so replaying removes exactly what was removed.
fn exact_trim_args(args: &[Bytes], end: usize, s: &Stream) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = args[..2].iter().map(|a| a.to_vec()).collect();
    let mut i = 2;
    while i < end {
        let a = &args[i];
        if (eq_ic(a, "maxlen") || eq_ic(a, "minid")) && i + 2 < end && args[i + 1].as_ref() == b"~"
        {
            let reached = if eq_ic(a, "maxlen") {
                s.len().to_string()
            } else {
                s.edge_id(false).unwrap_or(StreamId::MAX).to_string()
            };
            out.extend([a.to_vec(), b"=".to_vec(), reached.into_bytes()]);
            i += 3;
        } else if eq_ic(a, "limit") && i + 1 < end {
            i += 2;
        } else {
            out.push(a.to_vec());
            i += 1;
        }
    }
    out
}

/// [`propagate_group_effect`] for XCLAIM and XAUTOCLAIM (`args`: name, key, group, consumer).
fn propagate_claims(
    ctx: &Ctx<'_>,
    args: &[Bytes],
    g: &ConsumerGroup,
    created: bool,
    ids: &[StreamId],
    old_position: (StreamId, Option<u64>),
) {
    propagate_group_effect(
        ctx.shared,
        ctx.conn.db,
        &args[1],
        &args[2],
        g,
        created.then_some(args[3].as_ref()),
        ids,
        old_position,
    );
}

/// Propagates what a group operation (XREADGROUP, XCLAIM, XAUTOCLAIM) did instead of its
/// text, as Redis does: the consumer's creation, for each entry in `ids` an exact XCLAIM if it
/// is pending (XACK if it left the PEL), and the group's position if it moved.
#[allow(clippy::too_many_arguments)]
fn propagate_group_effect(
    shared: &Shared,
    dbi: usize,
    key: &[u8],
    name: &[u8],
    g: &ConsumerGroup,
    created: Option<&[u8]>,
    ids: &[StreamId],
    old_position: (StreamId, Option<u64>),
) {
    use crate::aof::stream as aof;
    if !shared.aof.feeding() {
        return;
    }
    if crate::aof::propagate::active() {
        crate::aof::propagate::suppress();
    }
    let emit = |args: &[Vec<u8>]| {
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        super::blocking::propagate_effect(shared, dbi, &args);
    };
    if let Some(consumer) = created {
        emit(&aof::create_consumer(key, name, consumer));
    }
    for &id in ids {
        match g.pel.get(&id) {
            Some(p) => emit(&aof::xclaim(key, name, id, p, Some(g.last_id))),
            None => emit(&[
                b"XACK".to_vec(),
                key.to_vec(),
                name.to_vec(),
                id.to_string().into_bytes(),
            ]),
        }
    }
    if (g.last_id, g.entries_read) != old_position {
        emit(&aof::group_setid(key, name, g));
    }
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
pub fn xadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let chunks = chunk_limits(ctx);
    let parsed = parse_add_trim(args, true, chunks)?;
    let field_pos = parsed.id_pos + 1;
    let nfields = args.len().saturating_sub(field_pos);
    if nfields < 2 || nfields % 2 == 1 {
        return Err(CmdError::WrongArity("xadd".into()));
    }
    if let Some((id, true)) = parsed.id {
        if id.is_zero() {
            return Err(err("The ID specified in XADD must be greater than 0-0"));
        }
    }
    let key = &args[1];
    let dbi = ctx.conn.db;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(dbi);
    let exists = db.typed(key, stream_ref)?.is_some();
    if !exists && parsed.nomkstream {
        ctx.out.null();
        return Ok(());
    }
    let s = db.typed_or_insert(key, || Value::Stream(Box::default()), stream_mut)?;
    if s.last_id() == StreamId::MAX {
        return Err(err(
            "The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let id = next_add_id(s, parsed.id)?;
    let fields: Vec<(&[u8], &[u8])> = args[field_pos..]
        .chunks(2)
        .map(|p| (p[0].as_ref(), p[1].as_ref()))
        .collect();
    s.append(id, &fields, chunks);
    bulk_id(ctx.out, id);
    let trimmed = parsed.trim.is_some_and(|t| s.trim(t) > 0);
    let approx = parsed.trim.is_some_and(|t| t.approx);
    if crate::aof::propagate::active() && (approx || !matches!(parsed.id, Some((_, true)))) {
        let mut rewritten = exact_trim_args(args, parsed.id_pos, s);
        rewritten.push(id.to_string().into_bytes());
        rewritten.extend(args[field_pos..].iter().map(|a| a.to_vec()));
        crate::aof::propagate::rewrite(&rewritten);
    }
    db.touch(key);
    event(ctx, "xadd", key);
    if trimmed {
        event(ctx, "xtrim", key);
    }
    signal_key_ready(ctx.shared, dbi, key);
    Ok(())
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
pub fn xtrim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let chunks = chunk_limits(ctx);
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed_mut(key, stream_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let parsed = parse_add_trim(args, false, chunks)?;
    let deleted = parsed.trim.map_or(0, |t| s.trim(t));
    if deleted > 0 && parsed.trim.is_some_and(|t| t.approx) {
        crate::aof::propagate::rewrite(&exact_trim_args(args, args.len(), s));
    }
    if deleted > 0 {
        db.touch(key);
        event(ctx, "xtrim", key);
    }
    ctx.out.int(deleted as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XLEN, XRANGE, XREVRANGE, XDEL
// ---------------------------------------------------------------------------------------------

/// XLEN key
pub fn xlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = db.typed(&args[1], stream_ref)?.map_or(0, Stream::len);
    ctx.out.int(n as i64);
    Ok(())
}

fn range_generic(ctx: &mut Ctx<'_>, args: &[Bytes], rev: bool) -> CmdResult {
    let (start_arg, end_arg) = if rev {
        (&args[3], &args[2])
    } else {
        (&args[2], &args[3])
    };
    let start = parse_range_bound(start_arg, false)?;
    let end = parse_range_bound(end_arg, true)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < args.len() {
        if eq_ic(&args[j], "count") && j + 1 < args.len() {
            count = parse_int(&args[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed(&args[1], stream_ref)? else {
        ctx.out.array(0);
        return Ok(());
    };
    if count == 0 {
        ctx.out.null_array();
        return Ok(());
    }
    let count = if count < 0 { 0 } else { count as u64 };
    reply_range(ctx.out, s, start, end, count, rev);
    Ok(())
}

/// XRANGE key start end [COUNT count]
pub fn xrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    range_generic(ctx, args, false)
}

/// XREVRANGE key end start [COUNT count]
pub fn xrevrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    range_generic(ctx, args, true)
}

/// XDEL key id [id ...]
pub fn xdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed_mut(key, stream_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let ids = args[2..]
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let deleted = ids.into_iter().filter(|&id| s.delete(id)).count();
    if deleted > 0 {
        db.touch(key);
        event(ctx, "xdel", key);
    }
    ctx.out.int(deleted as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XREAD, XREADGROUP
// ---------------------------------------------------------------------------------------------

/// Where a stream is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// Entries with a greater ID (XREAD; XREADGROUP history: the consumer's pending entries).
    After(StreamId),
    /// `>`: entries never delivered to the group.
    New,
}

/// A parsed XREAD/XREADGROUP: what the blocking registry re-runs when a key gets data.
#[derive(Debug, Clone)]
pub struct StreamRead {
    /// `(group, consumer)` for XREADGROUP.
    pub group: Option<(Bytes, Bytes)>,
    /// COUNT (0: no limit).
    pub count: u64,
    /// NOACK.
    pub noack: bool,
    /// The stream keys, in order.
    pub keys: Vec<Bytes>,
    /// Where each stream is read from (`$` already resolved).
    pub from: Vec<ReadFrom>,
}

impl StreamRead {
    /// A copy whose byte strings own their memory, so a long wait does not pin the request
    /// buffer.
    pub fn detach(self) -> StreamRead {
        let own = |b: &Bytes| Bytes::copy_from_slice(b);
        StreamRead {
            group: self.group.as_ref().map(|(g, c)| (own(g), own(c))),
            keys: self.keys.iter().map(own).collect(),
            ..self
        }
    }

    /// True for XREADGROUP.
    pub fn is_group(&self) -> bool {
        self.group.is_some()
    }

    /// Serves the read against `db`: true (reply written) when some stream had something to
    /// return; false, with nothing written, when the client has to wait. Errors (NOGROUP,
    /// WRONGTYPE) come first, as Redis checks every key before serving any.
    pub fn serve(
        &self,
        shared: &Shared,
        db: &mut Db,
        dbi: usize,
        out: &mut ReplyBuf,
    ) -> Result<bool, CmdError> {
        for key in &self.keys {
            let s = db.typed(key, stream_ref)?;
            if let Some((group, _)) = &self.group {
                if !s.is_some_and(|s| s.groups.contains_key(group)) {
                    return Err(CmdError::Coded(format!(
                        "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                        shown(key),
                        shown(group)
                    )));
                }
            }
        }
        let now = now_ms();
        let mut body = ReplyBuf::new(out.protocol());
        let mut served = 0usize;
        for (key, from) in self.keys.iter().zip(&self.from) {
            let Ok(Some(s)) = db.typed_mut(key, stream_mut) else {
                continue;
            };
            let Some((group_name, consumer_name)) = &self.group else {
                // XREAD: serve when the stream has an entry after the given ID.
                let ReadFrom::After(after) = *from else {
                    continue;
                };
                if s.is_empty() || s.edge_id(true).is_none_or(|last| last <= after) {
                    continue;
                }
                served += 1;
                if body.protocol() == Protocol::Resp2 {
                    body.array(2);
                }
                body.bulk(key);
                if let Some(start) = after.incr() {
                    reply_range(&mut body, s, start, StreamId::MAX, self.count, false);
                } else {
                    body.array(0);
                }
                continue;
            };
            let (group_opt, created) = take_group(s, group_name, consumer_name, now);
            let Some(mut group) = group_opt else {
                continue;
            };
            if created {
                notify(
                    shared,
                    EventClass::Stream,
                    "xgroup-createconsumer",
                    key,
                    dbi,
                );
            }
            let old_position = (group.last_id, group.entries_read);
            let mut ids = Vec::new();
            let serve = match from {
                ReadFrom::After(_) => true,
                ReadFrom::New => s.edge_id(true).is_some_and(|last| last > group.last_id),
            };
            if serve {
                served += 1;
                if body.protocol() == Protocol::Resp2 {
                    body.array(2);
                }
                body.bulk(key);
                ids = match from {
                    ReadFrom::After(after) => reply_history(
                        &mut body,
                        s,
                        &mut group,
                        consumer_name,
                        *after,
                        self.count,
                        now,
                    ),
                    ReadFrom::New => deliver_new(
                        &mut body,
                        s,
                        &mut group,
                        consumer_name,
                        self.count,
                        self.noack,
                        now,
                    ),
                };
            }
            propagate_group_effect(
                shared,
                dbi,
                key,
                group_name,
                &group,
                created.then_some(consumer_name.as_ref()),
                &ids,
                old_position,
            );
            s.groups.insert(group_name.clone(), group);
            if serve || created {
                db.touch(key);
            }
        }
        if served == 0 {
            return Ok(false);
        }
        if out.protocol() == Protocol::Resp3 {
            out.map(served);
        } else {
            out.array(served);
        }
        out.raw(&body.take());
        Ok(true)
    }
}

/// Takes group `name` out of `s` (so it and the stream can be borrowed apart), with the
/// consumer created if missing (second value: created) and its seen-time updated.
fn take_group(
    s: &mut Stream,
    name: &Bytes,
    consumer: &[u8],
    now: i64,
) -> (Option<ConsumerGroup>, bool) {
    let Some(mut g) = s.groups.remove(name) else {
        return (None, false);
    };
    let (c, created) = g.consumer_or_create(consumer, now);
    c.seen_time = now;
    (Some(g), created)
}

/// XREADGROUP with `>`: the entries after the group's last ID, added to the PEL unless NOACK.
fn deliver_new(
    out: &mut ReplyBuf,
    s: &Stream,
    g: &mut ConsumerGroup,
    consumer: &Bytes,
    count: u64,
    noack: bool,
    now: i64,
) -> Vec<StreamId> {
    let Some(start) = g.last_id.incr() else {
        out.array(0);
        return Vec::new();
    };
    let mut ids = Vec::new();
    let mut body = ReplyBuf::new(out.protocol());
    s.range(start, StreamId::MAX, false, |id, fields| {
        reply_entry(&mut body, id, fields);
        ids.push(id);
        count == 0 || (ids.len() as u64) < count
    });
    let consumer = g
        .consumers
        .get_key_value(consumer.as_ref())
        .map_or_else(|| consumer.clone(), |(k, _)| k.clone());
    for &id in &ids {
        s.advance_group(g, id);
        if !noack {
            g.assign(id, &consumer, now, 1);
            if let Some(c) = g.consumers.get_mut(&consumer) {
                c.active_time = now;
            }
        }
    }
    out.array(ids.len());
    out.raw(&body.take());
    if noack {
        Vec::new()
    } else {
        ids
    }
}

/// XREADGROUP with an ID: the consumer's own pending entries after it (a deleted entry shows
/// as `[id, nil]`), counted as delivered again.
fn reply_history(
    out: &mut ReplyBuf,
    s: &Stream,
    g: &mut ConsumerGroup,
    consumer: &Bytes,
    after: StreamId,
    count: u64,
    now: i64,
) -> Vec<StreamId> {
    let Some(start) = after.incr() else {
        out.array(0);
        return Vec::new();
    };
    let ids: Vec<StreamId> = g
        .consumers
        .get(consumer)
        .map(|c| {
            c.pending
                .range(start..)
                .take(if count == 0 {
                    usize::MAX
                } else {
                    count as usize
                })
                .copied()
                .collect()
        })
        .unwrap_or_default();
    out.array(ids.len());
    let mut redelivered = Vec::with_capacity(ids.len());
    for id in ids {
        if reply_one(out, s, id) {
            if let Some(p) = g.pel.get_mut(&id) {
                p.delivery_time = now;
                p.delivery_count += 1;
                redelivered.push(id);
            }
        } else {
            out.array(2);
            bulk_id(out, id);
            out.null_array();
        }
    }
    redelivered
}

/// A parsed XREAD/XREADGROUP with its BLOCK timeout (ms; `None` without BLOCK).
fn parse_read(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    xreadgroup: bool,
) -> Result<(StreamRead, Option<u64>), CmdError> {
    let mut timeout = None;
    let mut count = 0u64;
    let mut streams_arg = 0;
    let mut noack = false;
    let mut group: Option<(Bytes, Bytes)> = None;
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - i - 1;
        let o = &args[i];
        if eq_ic(o, "block") && more > 0 {
            i += 1;
            timeout = Some(parse_block_ms(&args[i])?);
        } else if eq_ic(o, "count") && more > 0 {
            i += 1;
            count = parse_int(&args[i])?.max(0) as u64;
        } else if eq_ic(o, "streams") && more > 0 {
            streams_arg = i + 1;
            if !(args.len() - streams_arg).is_multiple_of(2) {
                let (name, sym) = if xreadgroup {
                    ("xreadgroup", '>')
                } else {
                    ("xread", '$')
                };
                return Err(err(&format!(
                    "Unbalanced '{name}' list of streams: for each stream key an ID or '{sym}' must be specified."
                )));
            }
            break;
        } else if eq_ic(o, "group") && more >= 2 {
            if !xreadgroup {
                return Err(err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group = Some((args[i + 1].clone(), args[i + 2].clone()));
            i += 2;
        } else if eq_ic(o, "noack") {
            if !xreadgroup {
                return Err(err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if streams_arg == 0 {
        return Err(CmdError::Syntax);
    }
    if xreadgroup && group.is_none() {
        return Err(err("Missing GROUP option for XREADGROUP"));
    }
    let n = (args.len() - streams_arg) / 2;
    let keys: Vec<Bytes> = args[streams_arg..streams_arg + n].to_vec();
    let mut from = Vec::with_capacity(n);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    for (key, arg) in keys.iter().zip(&args[streams_arg + n..]) {
        let s = db.typed(key, stream_ref)?;
        if let Some((g, _)) = &group {
            if !s.is_some_and(|s| s.groups.contains_key(g)) {
                return Err(CmdError::Coded(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    shown(key),
                    shown(g)
                )));
            }
        }
        let f = match arg.as_ref() {
            b"$" | b"+" if xreadgroup => {
                let sym = if arg.as_ref() == b"$" { "$" } else { "+" };
                return Err(err(&format!(
                    "The {sym} ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The {sym} ID would just return an empty result set."
                )));
            }
            b"$" => ReadFrom::After(s.map_or(StreamId::MIN, Stream::last_id)),
            // Redis 7.4: the last entry.
            b"+" => ReadFrom::After(
                s.and_then(|s| s.edge_id(true))
                    .and_then(StreamId::decr)
                    .unwrap_or(StreamId::MIN),
            ),
            b">" if xreadgroup => ReadFrom::New,
            b">" => {
                return Err(err(
                    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                ))
            }
            _ => ReadFrom::After(parse_strict_id(arg)?),
        };
        from.push(f);
    }
    Ok((
        StreamRead {
            group,
            count,
            noack,
            keys,
            from,
        },
        timeout,
    ))
}

/// A BLOCK argument: milliseconds, as `getTimeoutFromObjectOrReply` with `UNIT_MILLISECONDS`.
fn parse_block_ms(arg: &[u8]) -> Result<u64, CmdError> {
    let v = crate::protocol::parser::parse_i64(arg)
        .ok_or_else(|| err("timeout is not an integer or out of range"))?;
    if v < 0 {
        return Err(err("timeout is negative"));
    }
    if v > 0 && v > i64::MAX - now_ms() {
        return Err(err("timeout is out of range"));
    }
    Ok(v as u64)
}

fn read_generic(ctx: &mut Ctx<'_>, args: &[Bytes], xreadgroup: bool) -> CmdResult {
    let (read, timeout) = parse_read(ctx, args, xreadgroup)?;
    super::blocking::run_stream_read(ctx, read, timeout)
}

/// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
pub fn xread(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    read_generic(ctx, args, false)
}

/// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key
/// [key ...] id [id ...]
pub fn xreadgroup(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    read_generic(ctx, args, true)
}

// ---------------------------------------------------------------------------------------------
// XGROUP
// ---------------------------------------------------------------------------------------------

fn subcommand_syntax(args: &[Bytes]) -> CmdError {
    err(&format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        arg_for_error(&args[1], 128),
        String::from_utf8_lossy(&args[0]).to_ascii_uppercase()
    ))
}

/// The `ENTRIESREAD` value: `None` for -1.
fn parse_entries_read(arg: &[u8]) -> Result<Option<u64>, CmdError> {
    let n = parse_int(arg)?;
    if n < 0 && n != -1 {
        return Err(err("value for ENTRIESREAD must be positive or -1"));
    }
    Ok(u64::try_from(n).ok())
}

/// XGROUP CREATE / SETID / DESTROY / CREATECONSUMER / DELCONSUMER (one handler, as Redis's
/// `xgroupCommand`, so the checks shared by the subcommands run in the same order).
pub fn xgroup(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let create = sub == "create";
    let mut mkstream = false;
    let mut entries_read: Option<u64> = None;
    if create || sub == "setid" {
        let mut i = 5;
        while i < args.len() {
            if create && eq_ic(&args[i], "mkstream") {
                mkstream = true;
                i += 1;
            } else if eq_ic(&args[i], "entriesread") && i + 1 < args.len() {
                entries_read = parse_entries_read(&args[i + 1])?;
                i += 2;
            } else {
                return Err(subcommand_syntax(args));
            }
        }
    }
    let key = &args[2];
    let group = &args[3];
    let dbi = ctx.conn.db;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(dbi);
    let exists = db.typed(key, stream_ref)?.is_some();
    if !exists && !mkstream {
        return Err(err("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
    }
    let has_group = exists
        && db
            .typed(key, stream_ref)?
            .is_some_and(|s| s.groups.contains_key(group.as_ref()));
    if !has_group && matches!(sub.as_str(), "setid" | "createconsumer" | "delconsumer") {
        return Err(CmdError::Coded(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            shown(group),
            shown(key)
        )));
    }
    let now = now_ms();
    match sub.as_str() {
        "create" if args.len() <= 8 => {
            let id = if args[4].as_ref() == b"$" {
                db.typed(key, stream_ref)?
                    .map_or(StreamId::MIN, Stream::last_id)
            } else {
                parse_strict_id(&args[4])?
            };
            let s = db.typed_or_insert(key, || Value::Stream(Box::default()), stream_mut)?;
            if s.groups.contains_key(group.as_ref()) {
                return Err(CmdError::Coded(
                    "BUSYGROUP Consumer Group name already exists".into(),
                ));
            }
            let g = ConsumerGroup::new(id, entries_read);
            if args[4].as_ref() == b"$" {
                // Propagated with the ID `$` stood for.
                let mut exact: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
                exact[4] = id.to_string().into_bytes();
                crate::aof::propagate::rewrite(&exact);
            }
            s.groups.insert(Bytes::copy_from_slice(group), g);
            db.touch(key);
            ctx.out.ok();
            event(ctx, "xgroup-create", key);
        }
        "setid" if args.len() == 5 || args.len() == 7 => {
            let Some(s) = db.typed_mut(key, stream_mut)? else {
                return Err(CmdError::Syntax);
            };
            let id = if args[4].as_ref() == b"$" {
                s.last_id()
            } else {
                parse_id_full(&args[4], 0, false, false)?.0
            };
            if let Some(g) = s.groups.get_mut(group.as_ref()) {
                g.last_id = id;
                g.entries_read = entries_read;
            }
            db.touch(key);
            ctx.out.ok();
            event(ctx, "xgroup-setid", key);
        }
        "destroy" => {
            let removed = db
                .typed_mut(key, stream_mut)?
                .is_some_and(|s| s.groups.remove(group.as_ref()).is_some());
            if removed {
                db.touch(key);
                ctx.out.int(1);
                event(ctx, "xgroup-destroy", key);
                // Blocked XREADGROUP clients of the group get NOGROUP.
                signal_key_ready(ctx.shared, dbi, key);
            } else {
                ctx.out.int(0);
            }
        }
        "createconsumer" => {
            let created = db
                .typed_mut(key, stream_mut)?
                .and_then(|s| s.groups.get_mut(group.as_ref()))
                .is_some_and(|g| g.consumer_or_create(&args[4], now).1);
            if created {
                db.touch(key);
                event(ctx, "xgroup-createconsumer", key);
            }
            ctx.out.int(i64::from(created));
        }
        "delconsumer" => {
            let pending = db
                .typed_mut(key, stream_mut)?
                .and_then(|s| s.groups.get_mut(group.as_ref()))
                .and_then(|g| g.delete_consumer(&args[4]));
            if pending.is_some() {
                db.touch(key);
                event(ctx, "xgroup-delconsumer", key);
            }
            ctx.out.int(pending.unwrap_or(0) as i64);
        }
        _ => return Err(subcommand_syntax(args)),
    }
    Ok(())
}

/// XGROUP HELP
pub fn xgroup_help(ctx: &mut Ctx<'_>, _: &[Bytes]) -> CmdResult {
    super::server::help_reply(
        ctx,
        "XGROUP",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XACK, XPENDING, XCLAIM, XAUTOCLAIM
// ---------------------------------------------------------------------------------------------

/// XACK key group id [id ...]
pub fn xack(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(g) = db
        .typed_mut(key, stream_mut)?
        .and_then(|s| s.groups.get_mut(args[2].as_ref()))
    else {
        ctx.out.int(0);
        return Ok(());
    };
    let ids = args[3..]
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let acked = ids.into_iter().filter(|&id| g.ack(id)).count();
    if acked > 0 {
        db.touch(key);
    }
    ctx.out.int(acked as i64);
    Ok(())
}

/// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
pub fn xpending(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let argc = args.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(CmdError::Syntax);
    }
    let mut min_idle = 0i64;
    let mut range = None;
    let mut consumer_name = None;
    if argc >= 6 {
        let mut idx = 3;
        if eq_ic(&args[3], "idle") {
            min_idle = parse_int(&args[4])?;
            if argc < 8 {
                return Err(CmdError::Syntax);
            }
            idx += 2;
        }
        let count = parse_int(&args[idx + 2])?.max(0) as u64;
        let start = parse_range_bound(&args[idx], false)?;
        let end = parse_range_bound(&args[idx + 1], true)?;
        range = Some((start, end, count));
        consumer_name = args.get(idx + 3);
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(g) = db
        .typed(&args[1], stream_ref)?
        .and_then(|s| s.groups.get(args[2].as_ref()))
    else {
        return Err(nogroup(&args[1], &args[2]));
    };
    let out = &mut *ctx.out;
    let Some((start, end, count)) = range else {
        out.array(4);
        out.int(g.pel.len() as i64);
        match (g.pel.keys().next(), g.pel.keys().next_back()) {
            (Some(&first), Some(&last)) => {
                bulk_id(out, first);
                bulk_id(out, last);
                let owners: Vec<(&Bytes, usize)> = g
                    .consumers
                    .iter()
                    .filter(|(_, c)| !c.pending.is_empty())
                    .map(|(n, c)| (n, c.pending.len()))
                    .collect();
                out.array(owners.len());
                for (name, n) in owners {
                    out.array(2);
                    out.bulk(name);
                    out.bulk_int(n as i64);
                }
            }
            _ => {
                out.null();
                out.null();
                out.null_array();
            }
        }
        return Ok(());
    };
    // Walked lazily: COUNT bounds the work, not the size of the PEL.
    let ids: Box<dyn Iterator<Item = StreamId> + '_> = match consumer_name {
        Some(name) => match g.consumers.get(name.as_ref()) {
            Some(c) if start <= end => Box::new(c.pending.range(start..=end).copied()),
            Some(_) => Box::new(std::iter::empty()),
            None => {
                out.array(0);
                return Ok(());
            }
        },
        None if start <= end => Box::new(g.pel.range(start..=end).map(|(id, _)| *id)),
        None => Box::new(std::iter::empty()),
    };
    let now = now_ms();
    let mut body = ReplyBuf::new(out.protocol());
    let mut n = 0u64;
    for id in ids {
        if n >= count {
            break;
        }
        let Some(p) = g.pel.get(&id) else {
            continue;
        };
        let idle = now - p.delivery_time;
        if min_idle != 0 && idle < min_idle {
            continue;
        }
        n += 1;
        body.array(4);
        bulk_id(&mut body, id);
        body.bulk(&p.consumer);
        body.int(idle.max(0));
        body.int(p.delivery_count as i64);
    }
    out.array(n as usize);
    out.raw(&body.take());
    Ok(())
}

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
/// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
pub fn xclaim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed_mut(key, stream_mut)? else {
        return Err(nogroup(key, &args[2]));
    };
    if !s.groups.contains_key(args[2].as_ref()) {
        return Err(nogroup(key, &args[2]));
    }
    let int_or = |a: &[u8], msg: &str| parse_int(a).map_err(|_| err(msg));
    let min_idle = int_or(&args[4], "Invalid min-idle-time argument for XCLAIM")?.max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < args.len() {
        match parse_strict_id(&args[j]) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = now_ms();
    let (mut force, mut justid) = (false, false);
    let mut retrycount: Option<i64> = None;
    let mut delivery: Option<i64> = None;
    let mut last_id = StreamId::MIN;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = &args[j];
        if eq_ic(opt, "force") {
            force = true;
        } else if eq_ic(opt, "justid") {
            justid = true;
        } else if eq_ic(opt, "idle") && more > 0 {
            j += 1;
            delivery = Some(now - int_or(&args[j], "Invalid IDLE option argument for XCLAIM")?);
        } else if eq_ic(opt, "time") && more > 0 {
            j += 1;
            delivery = Some(int_or(&args[j], "Invalid TIME option argument for XCLAIM")?);
        } else if eq_ic(opt, "retrycount") && more > 0 {
            j += 1;
            retrycount = Some(int_or(
                &args[j],
                "Invalid RETRYCOUNT option argument for XCLAIM",
            )?);
        } else if eq_ic(opt, "lastid") && more > 0 {
            j += 1;
            last_id = parse_strict_id(&args[j])?;
        } else {
            return Err(err(&format!("Unrecognized XCLAIM option '{}'", shown(opt))));
        }
        j += 1;
    }
    let delivery = match delivery {
        Some(t) if (0..=now).contains(&t) => t,
        _ => now,
    };
    let (group, created) = take_group(s, &args[2], &args[3], now);
    let Some(mut g) = group else {
        return Err(nogroup(key, &args[2]));
    };
    let old_position = (g.last_id, g.entries_read);
    if last_id > g.last_id {
        g.last_id = last_id;
    }
    let consumer = Bytes::copy_from_slice(&args[3]);
    let mut body = ReplyBuf::new(ctx.out.protocol());
    let mut n = 0usize;
    let mut touched = Vec::with_capacity(ids.len());
    for id in ids {
        touched.push(id);
        if !s.contains(id) {
            // The entry is gone: drop it from the PEL.
            g.ack(id);
            continue;
        }
        let existing = g.pel.get(&id).cloned();
        let (owner_known, old_count, old_time) = match &existing {
            Some(p) => (true, p.delivery_count, p.delivery_time),
            None if force => (false, 1, now),
            None => continue,
        };
        if owner_known && min_idle > 0 && now - old_time < min_idle {
            continue;
        }
        let count = match retrycount {
            Some(r) if r >= 0 => r as u64,
            _ if justid => old_count,
            _ => old_count + 1,
        };
        g.assign(id, &consumer, delivery, count);
        if justid {
            bulk_id(&mut body, id);
        } else {
            reply_one(&mut body, s, id);
        }
        n += 1;
        if let Some(c) = g.consumers.get_mut(&consumer) {
            c.active_time = now;
        }
    }
    touched.retain(|id| g.pel.get(id).is_none_or(|p| p.consumer == consumer));
    propagate_claims(ctx, args, &g, created, &touched, old_position);
    s.groups.insert(args[2].clone(), g);
    db.touch(key);
    if created {
        event(ctx, "xgroup-createconsumer", key);
    }
    ctx.out.array(n);
    ctx.out.raw(&body.take());
    Ok(())
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
pub fn xautoclaim(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let min_idle = parse_int(&args[4])
        .map_err(|_| err("Invalid min-idle-time argument for XAUTOCLAIM"))?
        .max(0);
    let start = parse_range_bound(&args[5], false)?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if eq_ic(&args[j], "count") && more > 0 {
            let max = i64::MAX / 16;
            count = match parse_int(&args[j + 1]) {
                Ok(c) if (1..=max).contains(&c) => c,
                _ => return Err(err("COUNT must be > 0")),
            };
            j += 1;
        } else if eq_ic(&args[j], "justid") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed_mut(key, stream_mut)? else {
        return Err(nogroup(key, &args[2]));
    };
    if !s.groups.contains_key(args[2].as_ref()) {
        return Err(nogroup(key, &args[2]));
    }
    let now = now_ms();
    let (group, created) = take_group(s, &args[2], &args[3], now);
    let Some(mut g) = group else {
        return Err(nogroup(key, &args[2]));
    };
    let consumer = Bytes::copy_from_slice(&args[3]);
    let mut attempts = count.saturating_mul(10);
    let mut body = ReplyBuf::new(ctx.out.protocol());
    let mut claimed = 0usize;
    let mut deleted = Vec::new();
    let mut touched = Vec::new();
    let old_position = (g.last_id, g.entries_read);
    let mut cursor = Some(start);
    while attempts > 0 && count > 0 {
        attempts -= 1;
        let Some(from) = cursor else {
            break;
        };
        let Some((&id, p)) = g.pel.range(from..).next() else {
            cursor = None;
            break;
        };
        let (old_count, old_time) = (p.delivery_count, p.delivery_time);
        cursor = id.incr();
        if !s.contains(id) {
            g.ack(id);
            deleted.push(id);
            count -= 1;
            continue;
        }
        if min_idle > 0 && now - old_time < min_idle {
            continue;
        }
        let n = if justid { old_count } else { old_count + 1 };
        g.assign(id, &consumer, now, n);
        touched.push(id);
        if justid {
            bulk_id(&mut body, id);
        } else {
            reply_one(&mut body, s, id);
        }
        claimed += 1;
        count -= 1;
        if let Some(c) = g.consumers.get_mut(&consumer) {
            c.active_time = now;
        }
    }
    let next = cursor
        .and_then(|c| g.pel.range(c..).next().map(|(id, _)| *id))
        .unwrap_or(StreamId::MIN);
    touched.extend(&deleted);
    propagate_claims(ctx, args, &g, created, &touched, old_position);
    s.groups.insert(args[2].clone(), g);
    db.touch(key);
    if created {
        event(ctx, "xgroup-createconsumer", key);
    }
    let out = &mut *ctx.out;
    out.array(3);
    bulk_id(out, next);
    out.array(claimed);
    out.raw(&body.take());
    out.array(deleted.len());
    for id in deleted {
        bulk_id(out, id);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// XINFO, XSETID
// ---------------------------------------------------------------------------------------------

fn no_such_key() -> CmdError {
    err("no such key")
}

fn entry_or_nil(out: &mut ReplyBuf, s: &Stream, last: bool) {
    match s.edge_id(last) {
        Some(id) => {
            reply_one(out, s, id);
        }
        None => out.null(),
    }
}

fn reply_opt_u64(out: &mut ReplyBuf, v: Option<u64>) {
    match v {
        Some(n) => out.int(n as i64),
        None => out.null(),
    }
}

/// The `radix-tree-nodes` figure: Herald's B-tree has no radix nodes; report the chunks plus
/// the tree's inner nodes, the closest equivalent.
fn tree_nodes(s: &Stream) -> usize {
    let c = s.chunk_count();
    (c + c.div_ceil(11)).max(1)
}

/// XINFO STREAM key [FULL [COUNT count]]
pub fn xinfo_stream(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut full = false;
    let mut count: u64 = 10;
    if args.len() > 3 {
        if !eq_ic(&args[3], "full") {
            return Err(subcommand_syntax(args));
        }
        full = true;
        match args.len() {
            4 => {}
            6 if eq_ic(&args[4], "count") => {
                count = parse_int(&args[5])?.max(0) as u64;
            }
            _ => return Err(subcommand_syntax(args)),
        }
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed(&args[2], stream_ref)? else {
        return Err(no_such_key());
    };
    let out = &mut *ctx.out;
    map_header(out, if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.len() as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.chunk_count() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(tree_nodes(s) as i64);
    out.bulk(b"last-generated-id");
    bulk_id(out, s.last_id());
    out.bulk(b"max-deleted-entry-id");
    bulk_id(out, s.max_deleted_id());
    out.bulk(b"entries-added");
    out.int(s.entries_added() as i64);
    out.bulk(b"recorded-first-entry-id");
    bulk_id(out, s.first_id());
    if !full {
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        out.bulk(b"first-entry");
        entry_or_nil(out, s, false);
        out.bulk(b"last-entry");
        entry_or_nil(out, s, true);
        return Ok(());
    }
    out.bulk(b"entries");
    reply_range(out, s, StreamId::MIN, StreamId::MAX, count, false);
    out.bulk(b"groups");
    out.array(s.groups.len());
    let limit = if count == 0 {
        usize::MAX
    } else {
        count as usize
    };
    for (name, g) in &s.groups {
        map_header(out, 7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        bulk_id(out, g.last_id);
        out.bulk(b"entries-read");
        reply_opt_u64(out, g.entries_read);
        out.bulk(b"lag");
        reply_opt_u64(out, s.group_lag(g));
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        let n = g.pel.len().min(limit);
        out.array(n);
        for (id, p) in g.pel.iter().take(n) {
            out.array(4);
            bulk_id(out, *id);
            out.bulk(&p.consumer);
            out.int(p.delivery_time);
            out.int(p.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array(g.consumers.len());
        for (cname, c) in &g.consumers {
            map_header(out, 5);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time);
            out.bulk(b"active-time");
            out.int(c.active_time);
            out.bulk(b"pel-count");
            out.int(c.pending.len() as i64);
            out.bulk(b"pending");
            let n = c.pending.len().min(limit);
            out.array(n);
            for id in c.pending.iter().take(n) {
                let (t, dc) = g
                    .pel
                    .get(id)
                    .map_or((0, 0), |p| (p.delivery_time, p.delivery_count));
                out.array(3);
                bulk_id(out, *id);
                out.int(t);
                out.int(dc as i64);
            }
        }
    }
    Ok(())
}

/// XINFO GROUPS key
pub fn xinfo_groups(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed(&args[2], stream_ref)? else {
        return Err(no_such_key());
    };
    let out = &mut *ctx.out;
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        map_header(out, 6);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"consumers");
        out.int(g.consumers.len() as i64);
        out.bulk(b"pending");
        out.int(g.pel.len() as i64);
        out.bulk(b"last-delivered-id");
        bulk_id(out, g.last_id);
        out.bulk(b"entries-read");
        reply_opt_u64(out, g.entries_read);
        out.bulk(b"lag");
        reply_opt_u64(out, s.group_lag(g));
    }
    Ok(())
}

/// XINFO CONSUMERS key group
pub fn xinfo_consumers(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed(&args[2], stream_ref)? else {
        return Err(no_such_key());
    };
    let Some(g) = s.groups.get(args[3].as_ref()) else {
        return Err(CmdError::Coded(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            shown(&args[3]),
            shown(&args[2])
        )));
    };
    let now = now_ms();
    let out = &mut *ctx.out;
    out.array(g.consumers.len());
    for (name, c) in &g.consumers {
        map_header(out, 4);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"pending");
        out.int(c.pending.len() as i64);
        out.bulk(b"idle");
        out.int((now - c.seen_time).max(0));
        out.bulk(b"inactive");
        out.int(if c.active_time == -1 {
            -1
        } else {
            (now - c.active_time).max(0)
        });
    }
    Ok(())
}

/// XINFO HELP
pub fn xinfo_help(ctx: &mut Ctx<'_>, _: &[Bytes]) -> CmdResult {
    super::server::help_reply(
        ctx,
        "XINFO",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    );
    Ok(())
}

/// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
pub fn xsetid(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let id = parse_strict_id(&args[2])?;
    let mut entries_added: Option<u64> = None;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if eq_ic(&args[i], "entriesadded") && more > 0 {
            let n = parse_int(&args[i + 1])?;
            if n < 0 {
                return Err(err("entries_added must be positive"));
            }
            entries_added = Some(n as u64);
            i += 2;
        } else if eq_ic(&args[i], "maxdeletedid") && more > 0 {
            max_deleted = parse_strict_id(&args[i + 1])?;
            if id < max_deleted {
                return Err(err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(s) = db.typed_mut(key, stream_mut)? else {
        return Err(no_such_key());
    };
    if !s.is_empty() {
        if s.edge_id(true).is_some_and(|top| id < top) {
            return Err(err(
                "The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if entries_added.is_some_and(|n| s.len() > n) {
            return Err(err(
                "The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    if id < s.max_deleted_id() {
        return Err(err(
            "The ID specified in XSETID is smaller than current max_deleted_entry_id",
        ));
    }
    s.set_last_id(
        id,
        entries_added,
        (!max_deleted.is_zero()).then_some(max_deleted),
    );
    db.touch(key);
    ctx.out.ok();
    event(ctx, "xsetid", key);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Command table
// ---------------------------------------------------------------------------------------------

fn container(_: &mut Ctx<'_>, _: &[Bytes]) -> CmdResult {
    // Never reached: dispatch resolves a subcommand or reports arity first.
    Err(CmdError::Syntax)
}

#[rustfmt::skip]
static XGROUP_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!("xgroup|create", -5, ["write", "denyoom"], 2, 2, 1, ["write", "stream", "slow"], "stream", "5.0.0", "Creates a consumer group.", xgroup),
    cmd!("xgroup|createconsumer", 5, ["write", "denyoom"], 2, 2, 1, ["write", "stream", "slow"], "stream", "6.2.0", "Creates a consumer in a consumer group.", xgroup),
    cmd!("xgroup|delconsumer", 5, ["write"], 2, 2, 1, ["write", "stream", "slow"], "stream", "5.0.0", "Deletes a consumer from a consumer group.", xgroup),
    cmd!("xgroup|destroy", 4, ["write"], 2, 2, 1, ["write", "stream", "slow"], "stream", "5.0.0", "Destroys a consumer group.", xgroup),
    cmd!("xgroup|setid", -5, ["write"], 2, 2, 1, ["write", "stream", "slow"], "stream", "5.0.0", "Sets the last-delivered ID of a consumer group.", xgroup),
    cmd!("xgroup|help", 2, ["loading", "stale"], 0, 0, 0, ["stream", "slow"], "stream", "5.0.0", "Returns helpful text about the different subcommands.", xgroup_help),
];

#[rustfmt::skip]
static XINFO_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!("xinfo|consumers", 4, ["readonly"], 2, 2, 1, ["read", "stream", "slow"], "stream", "5.0.0", "Returns a list of the consumers in a consumer group.", xinfo_consumers),
    cmd!("xinfo|groups", 3, ["readonly"], 2, 2, 1, ["read", "stream", "slow"], "stream", "5.0.0", "Returns a list of the consumer groups of a stream.", xinfo_groups),
    cmd!("xinfo|stream", -3, ["readonly"], 2, 2, 1, ["read", "stream", "slow"], "stream", "5.0.0", "Returns information about a stream.", xinfo_stream),
    cmd!("xinfo|help", 2, ["loading", "stale"], 0, 0, 0, ["stream", "slow"], "stream", "5.0.0", "Returns helpful text about the different subcommands.", xinfo_help),
];

/// A container command of this group (XGROUP, XINFO).
const fn stream_container(
    name: &'static str,
    summary: &'static str,
    subcommands: &'static [CommandSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -2,
        flags: &[],
        first_key: 0,
        last_key: 0,
        step: 0,
        categories: &["slow"],
        group: "stream",
        since: "5.0.0",
        summary,
        handler: container,
        subcommands,
    }
}

/// The stream commands.
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd!("xadd", -5, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "stream", "fast"], "stream", "5.0.0", "Appends a new message to a stream. Creates the key if it doesn't exist.", xadd),
    cmd!("xlen", 2, ["readonly", "fast"], 1, 1, 1, ["read", "stream", "fast"], "stream", "5.0.0", "Return the number of messages in a stream.", xlen),
    cmd!("xrange", -4, ["readonly"], 1, 1, 1, ["read", "stream", "slow"], "stream", "5.0.0", "Returns the messages from a stream within a range of IDs.", xrange),
    cmd!("xrevrange", -4, ["readonly"], 1, 1, 1, ["read", "stream", "slow"], "stream", "5.0.0", "Returns the messages from a stream within a range of IDs in reverse order.", xrevrange),
    cmd!("xdel", -3, ["write", "fast"], 1, 1, 1, ["write", "stream", "fast"], "stream", "5.0.0", "Returns the number of messages after removing them from a stream.", xdel),
    cmd!("xtrim", -4, ["write"], 1, 1, 1, ["write", "stream", "slow"], "stream", "5.0.0", "Deletes messages from the beginning of a stream.", xtrim),
    cmd!("xread", -4, ["readonly", "blocking", "movablekeys"], 0, 0, 0, ["read", "stream", "slow", "blocking"], "stream", "5.0.0", "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", xread),
    cmd!("xreadgroup", -7, ["write", "blocking", "movablekeys"], 0, 0, 0, ["write", "stream", "slow", "blocking"], "stream", "5.0.0", "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", xreadgroup),
    cmd!("xack", -4, ["write", "fast"], 1, 1, 1, ["write", "stream", "fast"], "stream", "5.0.0", "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", xack),
    cmd!("xpending", -3, ["readonly"], 1, 1, 1, ["read", "stream", "slow"], "stream", "5.0.0", "Returns the information and entries from a stream consumer group's pending entries list.", xpending),
    cmd!("xclaim", -6, ["write", "fast"], 1, 1, 1, ["write", "stream", "fast"], "stream", "5.0.0", "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", xclaim),
    cmd!("xautoclaim", -6, ["write", "fast"], 1, 1, 1, ["write", "stream", "fast"], "stream", "6.2.0", "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", xautoclaim),
    cmd!("xsetid", -3, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "stream", "fast"], "stream", "5.0.0", "An internal command for replicating stream values.", xsetid),
    stream_container("xgroup", "A container for consumer groups commands.", XGROUP_SUBCOMMANDS),
    stream_container("xinfo", "A container for stream introspection commands.", XINFO_SUBCOMMANDS),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Result<(StreamId, bool), String> {
        parse_id_full(s.as_bytes(), 0, true, true).map_err(|e| e.to_string())
    }

    #[test]
    fn ids_parse_like_redis() {
        assert_eq!(id("5"), Ok((StreamId::new(5, 0), true)));
        assert_eq!(id("5-3"), Ok((StreamId::new(5, 3), true)));
        assert_eq!(id("5-*"), Ok((StreamId::new(5, 0), false)));
        assert_eq!(id("+5-1"), Ok((StreamId::new(5, 1), true)));
        assert_eq!(
            id("18446744073709551615-18446744073709551615"),
            Ok((StreamId::MAX, true))
        );
        for bad in [
            "-",
            "+",
            "",
            "a",
            "5-",
            "-5",
            "5-x",
            "5--1",
            "18446744073709551616",
            "5-*-1",
        ] {
            assert_eq!(id(bad), Err(format!("ERR {INVALID_ID}")), "{bad:?}");
        }
        assert_eq!(
            parse_range_bound(b"(5-3", false).map_err(|e| e.to_string()),
            Ok(StreamId::new(5, 4))
        );
        assert_eq!(
            parse_range_bound(b"5", true).map_err(|e| e.to_string()),
            Ok(StreamId::new(5, u64::MAX))
        );
        assert_eq!(
            parse_range_bound(b"(0-0", true).map_err(|e| e.to_string()),
            Err("ERR invalid end ID for the interval".into())
        );
    }
}
