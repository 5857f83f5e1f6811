//! Sorted set commands (ZADD ... ZSCAN), with Redis 7.4's replies, errors, encodings and
//! keyspace events (`t_zset.c` is the reference). The blocking pops (BZPOPMIN, BZPOPMAX,
//! BZMPOP) are in `blocking` and reuse [`pop_and_notify`] and [`reply_popped`].

use super::table::cmd;
use super::{eq_ic, parse_int, CmdError, CmdResult, CommandSpec, Ctx};
use crate::config::EncodingLimits;
use crate::notify::{notify, EventClass};
use crate::protocol::reply::format_double;
use crate::protocol::{Protocol, ReplyBuf};
use crate::pubsub::glob::glob_match;
use crate::server::blocking::signal_key_ready;
use crate::server::Shared;
use crate::storage::set::Set;
use crate::storage::zset::{
    random_below, AddFlags, AddOutcome, LexItem, LexRange, ScoreRange, ZSet,
};
use crate::storage::{Db, Value};
use bytes::Bytes;
use std::collections::HashMap;
use std::ops::Range;

/// Largest reply ZRANDMEMBER with a negative count builds before giving up: a count of
/// billions would otherwise exhaust memory (Redis stops only when an output limit closes the
/// client).
const MAX_SAMPLED_REPLY: usize = 1 << 30;

fn zset_ref(v: &Value) -> Option<&ZSet> {
    match v {
        Value::ZSet(z) => Some(z),
        _ => None,
    }
}

fn zset_mut(v: &mut Value) -> Option<&mut ZSet> {
    match v {
        Value::ZSet(z) => Some(z),
        _ => None,
    }
}

fn err(msg: &str) -> CmdError {
    CmdError::Other(msg.to_string())
}

fn is_resp3(out: &ReplyBuf) -> bool {
    out.protocol() == Protocol::Resp3
}

fn limits(ctx: &Ctx<'_>) -> EncodingLimits {
    ctx.shared.config().encoding
}

// ---------------------------------------------------------------------------------------------
// Argument parsing
// ---------------------------------------------------------------------------------------------

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_ic(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// C's `strtod` on `s`: the value, how many bytes it consumed (0 when nothing parses), and
/// whether it reported `ERANGE` with an infinite or zero result (overflow / total underflow).
/// Accepts leading whitespace, a sign, `inf`/`infinity`/`nan[(chars)]`, hexadecimal
/// (`0x1p3`) and decimal forms, as glibc does.
fn strtod(s: &[u8]) -> (f64, usize, bool) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if let Some(&c) = s.get(i) {
        if c == b'+' || c == b'-' {
            neg = c == b'-';
            i += 1;
        }
    }
    let sign = |v: f64| if neg { -v } else { v };
    let rest = &s[i..];
    if starts_with_ic(rest, b"inf") {
        let n = if starts_with_ic(rest, b"infinity") {
            8
        } else {
            3
        };
        return (sign(f64::INFINITY), i + n, false);
    }
    if starts_with_ic(rest, b"nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            let inner = rest[4..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            if rest.get(4 + inner) == Some(&b')') {
                n = 5 + inner;
            }
        }
        return (f64::NAN, i + n, false);
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        return match strtod_hex(&rest[2..]) {
            Some((v, n, range)) => (sign(v), i + 2 + n, range),
            // "0x" without hex digits: only the "0" converts.
            None => (sign(0.0), i + 1, false),
        };
    }
    let digits = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int_digits = digits(0);
    let mut j = int_digits;
    let mut frac_digits = 0;
    if rest.get(j) == Some(&b'.') {
        frac_digits = digits(j + 1);
        if int_digits + frac_digits > 0 {
            j += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return (0.0, 0, false);
    }
    let mantissa_nonzero = rest[..j].iter().any(|b| (b'1'..=b'9').contains(b));
    if matches!(rest.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(rest.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let exp_digits = digits(k);
        if exp_digits > 0 {
            j = k + exp_digits;
        }
    }
    let v: f64 = std::str::from_utf8(&rest[..j])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0);
    let range = v.is_infinite() || (v == 0.0 && mantissa_nonzero);
    (sign(v), i + j, range)
}

/// The hexadecimal part of `strtod` after `0x`: magnitude, bytes consumed, range error.
fn strtod_hex(h: &[u8]) -> Option<(f64, usize, bool)> {
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut any = false;
    let mut i = 0;
    let mut seen_dot = false;
    while let Some(&c) = h.get(i) {
        if c == b'.' && !seen_dot {
            seen_dot = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        any = true;
        if mant >> 56 == 0 {
            mant = (mant << 4) | u64::from(d);
            if seen_dot {
                exp -= 4;
            }
        } else if !seen_dot {
            exp += 4;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if matches!(h.get(i), Some(b'p' | b'P')) {
        let mut k = i + 1;
        let mut eneg = false;
        if let Some(&c) = h.get(k) {
            if c == b'+' || c == b'-' {
                eneg = c == b'-';
                k += 1;
            }
        }
        let n = h[k..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n > 0 {
            let mut e: i64 = 0;
            for &b in &h[k..k + n] {
                e = (e * 10 + i64::from(b - b'0')).min(1 << 20);
            }
            exp += if eneg { -e } else { e };
            i = k + n;
        }
    }
    let mut v = mant as f64;
    let mut e = exp.clamp(-5000, 5000) as i32;
    while e > 0 {
        let step = e.min(1000);
        v *= 2f64.powi(step);
        e -= step;
    }
    while e < 0 {
        let step = e.max(-1000);
        v *= 2f64.powi(step);
        e -= step;
    }
    let range = v.is_infinite() || (v == 0.0 && mant != 0);
    Some((v, i, range))
}

/// A score argument (ZADD, ZINCRBY, WEIGHTS) as Redis's `string2d`: the whole argument must
/// parse, no leading space, no overflow or total underflow, no NaN.
fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || is_c_space(arg[0]) {
        return None;
    }
    let (v, used, range) = strtod(arg);
    (used == arg.len() && !range && !v.is_nan()).then_some(v)
}

/// The NUL-terminated prefix of an argument, as C string functions see it.
fn c_str(arg: &[u8]) -> &[u8] {
    &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())]
}

/// One bound of a score range (`zslParseRange`): `(` makes it exclusive; otherwise anything
/// `strtod` reads entirely (even an empty string, which is 0) except NaN.
fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let s = c_str(arg);
    let (ex, body) = match s.first() {
        Some(b'(') => (true, &s[1..]),
        _ => (false, s),
    };
    let (v, used, _) = strtod(body);
    (used == body.len() && !v.is_nan()).then_some((v, ex))
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    let bad = || err("min or max is not a float");
    let (min, minex) = parse_score_bound(min).ok_or_else(bad)?;
    let (max, maxex) = parse_score_bound(max).ok_or_else(bad)?;
    Ok(ScoreRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// One bound of a lexicographic range (`zslParseLexRangeItem`).
fn parse_lex_item(arg: &[u8]) -> Option<(LexItem, bool)> {
    let ends_here = |i: usize| arg.get(i).is_none_or(|&b| b == 0);
    match arg.first()? {
        b'+' if ends_here(1) => Some((LexItem::Max, true)),
        b'-' if ends_here(1) => Some((LexItem::Min, true)),
        b'(' => Some((LexItem::Str(arg[1..].to_vec()), true)),
        b'[' => Some((LexItem::Str(arg[1..].to_vec()), false)),
        _ => None,
    }
}

fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
    let bad = || err("min or max not valid string range item");
    let (min, minex) = parse_lex_item(min).ok_or_else(bad)?;
    let (max, maxex) = parse_lex_item(max).ok_or_else(bad)?;
    Ok(LexRange {
        min,
        minex,
        max,
        maxex,
    })
}

/// Redis's `getRangeLongFromObjectOrReply`: `msg` (when given) is the error for both a
/// non-integer and an out-of-range value.
fn parse_ranged(arg: &[u8], min: i64, max: i64, msg: Option<&str>) -> Result<i64, CmdError> {
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

/// A ZSCAN cursor as Redis 7.4's `string2ull`: a non-negative `string2ll` integer, or
/// whatever `strtoull` reads entirely (leading spaces, `+`, leading zeros, values above
/// `i64::MAX`; a `-` wraps around).
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let s = c_str(arg);
    if let Some(v) = crate::protocol::parser::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
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
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// `%.17g` (Redis's `ld2string(..., LD_STR_AUTO)`), the score format ZSCAN uses for
/// skiplist-encoded sets.
fn format_g17(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{d:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..17).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", trim(mantissa), sign, exp.abs())
    } else {
        trim(&format!("{:.*}", (16 - exp) as usize, d))
    }
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

/// Writes members with ranks in `ranks` (descending when `reverse`) as ZRANGE does: a flat
/// array in RESP2, `[member, score]` pairs in RESP3 when `withscores`.
fn reply_ranks(out: &mut ReplyBuf, z: &ZSet, ranks: Range<usize>, reverse: bool, withscores: bool) {
    let n = ranks.len();
    let resp3 = is_resp3(out);
    out.array(if withscores && !resp3 { n * 2 } else { n });
    z.for_each_in(ranks, reverse, |m, s| {
        if withscores && resp3 {
            out.array(2);
        }
        out.bulk(m);
        if withscores {
            out.double(s);
        }
    });
}

/// Writes `(member, score)` pairs: `[m, s, m, s]` or, when `nested`, `[[m, s], [m, s]]`.
pub fn reply_popped(out: &mut ReplyBuf, items: &[(Bytes, f64)], nested: bool) {
    out.array(if nested { items.len() } else { items.len() * 2 });
    for (m, s) in items {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        out.double(*s);
    }
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY / ZREM
// ---------------------------------------------------------------------------------------------

/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
pub fn zadd(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, false)
}

/// ZINCRBY key increment member
pub fn zincrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, true)
}

fn zadd_generic(ctx: &mut Ctx<'_>, args: &[Bytes], incrby: bool) -> CmdResult {
    let mut flags = AddFlags {
        incr: incrby,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut idx = 2;
    while let Some(a) = args.get(idx) {
        if eq_ic(a, "nx") {
            flags.nx = true;
        } else if eq_ic(a, "xx") {
            flags.xx = true;
        } else if eq_ic(a, "ch") {
            ch = true;
        } else if eq_ic(a, "incr") {
            flags.incr = true;
        } else if eq_ic(a, "gt") {
            flags.gt = true;
        } else if eq_ic(a, "lt") {
            flags.lt = true;
        } else {
            break;
        }
        idx += 1;
    }
    let pairs = &args[idx..];
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let elements = pairs.len() / 2;
    if flags.nx && flags.xx {
        return Err(err("XX and NX options at the same time are not compatible"));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && elements > 1 {
        return Err(err("INCR option supports a single increment-element pair"));
    }
    let scores = pairs
        .chunks(2)
        .map(|p| parse_score(&p[0]).ok_or(CmdError::NotFloat))
        .collect::<Result<Vec<f64>, _>>()?;

    let lim = limits(ctx);
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let exists = db.typed(key, zset_ref)?.is_some();
    let mut added = 0i64;
    let mut updated = 0i64;
    let mut processed = 0;
    let mut last = 0.0;
    let mut nan = false;
    if exists || !flags.xx {
        let z = db.typed_or_insert(
            key,
            || Value::ZSet(ZSet::new_for(elements, pairs[1].len(), &lim)),
            zset_mut,
        )?;
        if exists {
            z.maybe_convert(elements, &lim);
        }
        for (pair, &score) in pairs.chunks(2).zip(&scores) {
            match z.add(&pair[1], score, flags, &lim) {
                Err(_) => {
                    nan = true;
                    break;
                }
                Ok(AddOutcome::Added(s)) => {
                    added += 1;
                    processed += 1;
                    last = s;
                }
                Ok(AddOutcome::Updated(s)) => {
                    updated += 1;
                    processed += 1;
                    last = s;
                }
                Ok(AddOutcome::Unchanged(s)) => {
                    processed += 1;
                    last = s;
                }
                Ok(AddOutcome::Skipped) => {}
            }
        }
    }
    if added + updated > 0 {
        db.touch(key);
        let event = if flags.incr { "zincr" } else { "zadd" };
        notify(ctx.shared, EventClass::ZSet, event, key, ctx.conn.db);
        signal_key_ready(ctx.shared, ctx.conn.db, key);
    }
    if nan {
        return Err(err("resulting score is not a number (NaN)"));
    }
    if flags.incr {
        if processed > 0 {
            ctx.out.double(last);
        } else {
            ctx.out.null();
        }
    } else {
        ctx.out.int(if ch { added + updated } else { added });
    }
    Ok(())
}

/// ZREM key member [member ...]
pub fn zrem(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(z) = db.typed_mut(key, zset_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let mut deleted = 0;
    let mut emptied = false;
    for m in &args[2..] {
        if z.remove(m) {
            deleted += 1;
        }
        if z.is_empty() {
            emptied = true;
            break;
        }
    }
    if emptied {
        db.remove(key);
    }
    if deleted > 0 {
        notify(ctx.shared, EventClass::ZSet, "zrem", key, ctx.conn.db);
        if emptied {
            notify(ctx.shared, EventClass::Generic, "del", key, ctx.conn.db);
        }
        db.touch(key);
    }
    ctx.out.int(deleted);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Clamps a rank interval as Redis does (negative indexes count from the end); `None` when
/// it is empty.
fn rank_window(start: i64, end: i64, len: usize) -> Option<Range<usize>> {
    let llen = len as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some(start as usize..end as usize + 1)
}

fn zremrange(ctx: &mut Ctx<'_>, args: &[Bytes], kind: RangeKind) -> CmdResult {
    enum Parsed {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let (parsed, event) = match kind {
        RangeKind::Rank => (
            Parsed::Rank(parse_int(&args[2])?, parse_int(&args[3])?),
            "zremrangebyrank",
        ),
        RangeKind::Score => (
            Parsed::Score(parse_score_range(&args[2], &args[3])?),
            "zremrangebyscore",
        ),
        _ => (
            Parsed::Lex(parse_lex_range(&args[2], &args[3])?),
            "zremrangebylex",
        ),
    };
    let key = &args[1];
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(z) = db.typed_mut(key, zset_mut)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let ranks = match &parsed {
        Parsed::Rank(start, end) => match rank_window(*start, *end, z.len()) {
            Some(r) => r,
            None => {
                ctx.out.int(0);
                return Ok(());
            }
        },
        Parsed::Score(r) => z.score_span(r),
        Parsed::Lex(r) => z.lex_span(r),
    };
    let deleted = z.remove_ranks(ranks);
    let emptied = z.is_empty();
    if emptied {
        db.remove(key);
    }
    if deleted > 0 {
        db.touch(key);
        notify(ctx.shared, EventClass::ZSet, event, key, ctx.conn.db);
        if emptied {
            notify(ctx.shared, EventClass::Generic, "del", key, ctx.conn.db);
        }
    }
    ctx.out.int(deleted as i64);
    Ok(())
}

/// ZREMRANGEBYRANK key start stop
pub fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zremrange(ctx, args, RangeKind::Rank)
}

/// ZREMRANGEBYSCORE key min max
pub fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zremrange(ctx, args, RangeKind::Score)
}

/// ZREMRANGEBYLEX key min max
pub fn zremrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zremrange(ctx, args, RangeKind::Lex)
}

// ---------------------------------------------------------------------------------------------
// Reads: ZCARD ZSCORE ZMSCORE ZCOUNT ZLEXCOUNT ZRANK ZREVRANK
// ---------------------------------------------------------------------------------------------

/// ZCARD key
pub fn zcard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = db.typed_read(&args[1], zset_ref)?.map_or(0, ZSet::len);
    ctx.out.int(n as i64);
    Ok(())
}

/// ZSCORE key member
pub fn zscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    match db
        .typed_read(&args[1], zset_ref)?
        .and_then(|z| z.score(&args[2]))
    {
        Some(s) => ctx.out.double(s),
        None => ctx.out.null(),
    }
    Ok(())
}

/// ZMSCORE key member [member ...]
pub fn zmscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let z = db.typed_read(&args[1], zset_ref)?;
    ctx.out.array(args.len() - 2);
    for m in &args[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// ZCOUNT key min max
pub fn zcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let range = parse_score_range(&args[2], &args[3])?;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = db
        .typed_read(&args[1], zset_ref)?
        .map_or(0, |z| z.score_span(&range).len());
    ctx.out.int(n as i64);
    Ok(())
}

/// ZLEXCOUNT key min max
pub fn zlexcount(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let range = parse_lex_range(&args[2], &args[3])?;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let n = db
        .typed_read(&args[1], zset_ref)?
        .map_or(0, |z| z.lex_span(&range).len());
    ctx.out.int(n as i64);
    Ok(())
}

fn zrank_generic(ctx: &mut Ctx<'_>, args: &[Bytes], reverse: bool) -> CmdResult {
    if args.len() > 4 {
        let name = if reverse { "zrevrank" } else { "zrank" };
        return Err(CmdError::WrongArity(name.into()));
    }
    let withscore = match args.get(3) {
        None => false,
        Some(a) if eq_ic(a, "withscore") => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let found = db
        .typed_read(&args[1], zset_ref)?
        .and_then(|z| z.rank(&args[2], reverse));
    match (found, withscore) {
        (Some((rank, score)), true) => {
            ctx.out.array(2);
            ctx.out.int(rank as i64);
            ctx.out.double(score);
        }
        (Some((rank, _)), false) => ctx.out.int(rank as i64),
        (None, true) => ctx.out.null_array(),
        (None, false) => ctx.out.null(),
    }
    Ok(())
}

/// ZRANK key member [WITHSCORE]
pub fn zrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, args, false)
}

/// ZREVRANK key member [WITHSCORE]
pub fn zrevrank(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, args, true)
}

// ---------------------------------------------------------------------------------------------
// ZRANGE family
// ---------------------------------------------------------------------------------------------

/// Applies LIMIT offset/count to the ranks of a score or lex range (as
/// `genericZrangebyscoreCommand`); `reverse` walks from the top of the range.
fn apply_limit(
    span: Range<usize>,
    len: usize,
    offset: i64,
    limit: i64,
    reverse: bool,
) -> Range<usize> {
    if offset < 0 || (offset > 0 && offset as u64 >= len as u64) {
        return 0..0;
    }
    let off = offset as usize;
    if span.len() <= off {
        return 0..0;
    }
    let avail = span.len() - off;
    let n = if limit < 0 {
        avail
    } else {
        avail.min(usize::try_from(limit).unwrap_or(usize::MAX))
    };
    if reverse {
        span.end - off - n..span.end - off
    } else {
        span.start + off..span.start + off + n
    }
}

/// ZRANGE / ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX] forms
/// (`zrangeGenericCommand`). `first` is the index of the source key; `dst` is ZRANGESTORE's
/// destination.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    first: usize,
    dst: Option<&Bytes>,
    mut kind: RangeKind,
    direction: Option<bool>,
) -> CmdResult {
    let store = dst.is_some();
    let mut reverse = direction;
    let mut withscores = false;
    let mut offset = 0i64;
    let mut limit = -1i64;
    let mut j = first + 3;
    while j < args.len() {
        let a = &args[j];
        let left = args.len() - j - 1;
        if !store && eq_ic(a, "withscores") {
            withscores = true;
        } else if eq_ic(a, "limit") && left >= 2 {
            offset = parse_int(&args[j + 1])?;
            limit = parse_int(&args[j + 2])?;
            j += 2;
        } else if direction.is_none() && reverse.is_none() && eq_ic(a, "rev") {
            reverse = Some(true);
        } else if kind == RangeKind::Auto && eq_ic(a, "bylex") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && eq_ic(a, "byscore") {
            kind = RangeKind::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let reverse = reverse.unwrap_or(false);
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    if limit != -1 && kind == RangeKind::Rank {
        return Err(err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == RangeKind::Lex {
        return Err(err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut lo_arg, mut hi_arg) = (&args[first + 1], &args[first + 2]);
    if reverse && kind != RangeKind::Rank {
        std::mem::swap(&mut lo_arg, &mut hi_arg);
    }
    enum Parsed {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let parsed = match kind {
        RangeKind::Score => Parsed::Score(parse_score_range(lo_arg, hi_arg)?),
        RangeKind::Lex => Parsed::Lex(parse_lex_range(lo_arg, hi_arg)?),
        _ => Parsed::Rank(parse_int(lo_arg)?, parse_int(hi_arg)?),
    };

    let lim = limits(ctx);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let result = match db.typed_read(&args[first], zset_ref)? {
        None => None,
        Some(z) => {
            let len = z.len();
            let ranks = match &parsed {
                Parsed::Rank(start, end) => match rank_window(*start, *end, len) {
                    Some(w) if reverse => len - w.end..len - w.start,
                    Some(w) => w,
                    None => 0..0,
                },
                Parsed::Score(r) => apply_limit(z.score_span(r), len, offset, limit, reverse),
                Parsed::Lex(r) => apply_limit(z.lex_span(r), len, offset, limit, reverse),
            };
            if store {
                let hint = if matches!(parsed, Parsed::Rank(..)) {
                    ranks.len()
                } else {
                    0
                };
                let mut out = ZSet::new_for(hint, 0, &lim);
                z.for_each_in(ranks, reverse, |m, s| {
                    let _ = out.add(m, s, AddFlags::default(), &lim);
                });
                Some(out)
            } else {
                reply_ranks(ctx.out, z, ranks, reverse, withscores);
                return Ok(());
            }
        }
    };
    match dst {
        None => ctx.out.array(0),
        Some(dst) => store_result(
            ctx.shared,
            db,
            ctx.conn.db,
            ctx.out,
            dst,
            result,
            "zrangestore",
        ),
    }
    Ok(())
}

/// Stores a computed set at `dst` (replacing whatever was there, TTL included) or deletes
/// `dst` when the result is empty, replying with the stored size.
fn store_result(
    shared: &Shared,
    db: &mut Db,
    dbi: usize,
    out: &mut ReplyBuf,
    dst: &Bytes,
    result: Option<ZSet>,
    event: &str,
) {
    match result.filter(|z| !z.is_empty()) {
        Some(z) => {
            let n = z.len();
            db.set(Bytes::copy_from_slice(dst), Value::ZSet(z), None);
            db.touch(dst);
            out.int(n as i64);
            notify(shared, EventClass::ZSet, event, dst, dbi);
            signal_key_ready(shared, dbi, dst);
        }
        None => {
            out.int(0);
            if db.remove(dst) {
                db.touch(dst);
                notify(shared, EventClass::Generic, "del", dst, dbi);
            }
        }
    }
}

/// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
pub fn zrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeKind::Auto, None)
}

/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
pub fn zrangestore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let dst = args[1].clone();
    zrange_generic(ctx, args, 2, Some(&dst), RangeKind::Auto, None)
}

/// ZREVRANGE key start stop [WITHSCORES]
pub fn zrevrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeKind::Rank, Some(true))
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
pub fn zrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeKind::Score, Some(false))
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
pub fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeKind::Score, Some(true))
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
pub fn zrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeKind::Lex, Some(false))
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
pub fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, RangeKind::Lex, Some(true))
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE) / ZINTERCARD
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// `zunionInterAggregate`: sums that come out NaN (`inf + -inf`) count as 0.
fn aggregate(target: &mut f64, val: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// An input of ZUNION and friends: sorted sets, and plain sets whose members score 1.
enum Source<'a> {
    Z(&'a ZSet),
    S(&'a Set),
}

impl Source<'_> {
    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Source::Z(z) => {
                for (m, s) in z.iter() {
                    f(m, s);
                }
            }
            Source::S(s) => {
                for m in s.iter() {
                    m.with_bytes(|b| f(b, 1.0));
                }
            }
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Z(z) => z.score(member),
            Source::S(s) => s.contains(member).then_some(1.0),
        }
    }
}

/// Runs `f` on the input at `key` (`None` when missing). Inputs are borrowed one at a time,
/// since the keyspace hands out one reference at a time.
fn with_source<R>(db: &mut Db, key: &[u8], f: impl FnOnce(Option<Source<'_>>) -> R) -> R {
    match db.get(key).map(|e| &e.value) {
        Some(Value::ZSet(z)) => f(Some(Source::Z(z))),
        Some(Value::Set(s)) => f(Some(Source::S(s))),
        _ => f(None),
    }
}

/// `zunionInterDiffGenericCommand`.
fn zsetop(
    ctx: &mut Ctx<'_>,
    args: &[Bytes],
    numkeys_idx: usize,
    op: SetOp,
    dst: Option<&Bytes>,
    card_only: bool,
    name: &str,
) -> CmdResult {
    let setnum = parse_int(&args[numkeys_idx])?;
    if setnum < 1 {
        return Err(CmdError::Other(format!(
            "at least 1 input key is needed for '{name}' command"
        )));
    }
    if setnum > (args.len() - (numkeys_idx + 1)) as i64 {
        return Err(CmdError::Syntax);
    }
    let setnum = setnum as usize;
    let keys = &args[numkeys_idx + 1..numkeys_idx + 1 + setnum];

    let lim = limits(ctx);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    // Inputs are looked up (and type-checked) before the options are parsed, as Redis does;
    // a missing input is a `keymiss`, even for the STORE forms (a read lookup in Redis).
    let mut sizes = Vec::with_capacity(setnum);
    for k in keys {
        sizes.push(match db.get_read(k).map(|e| &e.value) {
            None => 0,
            Some(Value::ZSet(z)) => z.len(),
            Some(Value::Set(s)) => s.len(),
            Some(_) => return Err(CmdError::WrongType),
        });
    }

    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = numkeys_idx + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = &args[j];
        if op != SetOp::Diff && !card_only && remaining > setnum && eq_ic(a, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = parse_score(&args[j]).ok_or_else(|| err("weight value is not a float"))?;
                j += 1;
            }
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && eq_ic(a, "aggregate") {
            let v = &args[j + 1];
            how = if eq_ic(v, "sum") {
                Aggregate::Sum
            } else if eq_ic(v, "min") {
                Aggregate::Min
            } else if eq_ic(v, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if dst.is_none() && !card_only && eq_ic(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && eq_ic(a, "limit") {
            let v = parse_ranged(&args[j + 1], 0, i64::MAX, Some("LIMIT can't be negative"))?;
            limit = usize::try_from(v).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }

    // Union and intersection visit inputs from the smallest, as Redis sorts them.
    let mut order: Vec<usize> = (0..setnum).collect();
    if op != SetOp::Diff {
        order.sort_by_key(|&i| sizes[i]);
    }
    let weighted = |w: f64, s: f64| {
        let v = w * s;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut result: Vec<(Vec<u8>, f64)> = match op {
        SetOp::Union => {
            let biggest = sizes.iter().copied().max().unwrap_or(0);
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::with_capacity(biggest);
            for &i in &order {
                if sizes[i] == 0 {
                    continue;
                }
                let w = weights[i];
                with_source(db, &keys[i], |src| {
                    if let Some(src) = src {
                        src.for_each(|m, s| {
                            let v = weighted(w, s);
                            match acc.get_mut(m) {
                                Some(t) => aggregate(t, v, how),
                                None => {
                                    acc.insert(m.to_vec(), v);
                                }
                            }
                        });
                    }
                });
            }
            acc.into_iter().collect()
        }
        SetOp::Inter => {
            let first = order[0];
            let mut cand = Vec::new();
            if sizes[first] > 0 {
                let w = weights[first];
                with_source(db, &keys[first], |src| {
                    if let Some(src) = src {
                        cand.reserve(sizes[first]);
                        src.for_each(|m, s| cand.push((m.to_vec(), weighted(w, s))));
                    }
                });
                for &i in &order[1..] {
                    let w = weights[i];
                    with_source(db, &keys[i], |src| match src {
                        None => cand.clear(),
                        Some(src) => cand.retain_mut(|(m, score)| match src.score(m) {
                            Some(v) => {
                                aggregate(score, v * w, how);
                                true
                            }
                            None => false,
                        }),
                    });
                    if cand.is_empty() {
                        break;
                    }
                }
            }
            cand
        }
        SetOp::Diff => {
            let mut cand = Vec::new();
            if sizes[0] > 0 {
                with_source(db, &keys[0], |src| {
                    if let Some(src) = src {
                        cand.reserve(sizes[0]);
                        src.for_each(|m, s| cand.push((m.to_vec(), s)));
                    }
                });
                for (i, k) in keys.iter().enumerate().skip(1) {
                    if cand.is_empty() {
                        break;
                    }
                    if sizes[i] == 0 {
                        continue;
                    }
                    with_source(db, k, |src| {
                        if let Some(src) = src {
                            cand.retain(|(m, _)| src.score(m).is_none());
                        }
                    });
                }
            }
            cand
        }
    };

    if card_only {
        let n = if limit > 0 {
            result.len().min(limit)
        } else {
            result.len()
        };
        ctx.out.int(n as i64);
        return Ok(());
    }
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    match dst {
        Some(dst) => {
            let event = match op {
                SetOp::Union => "zunionstore",
                SetOp::Inter => "zinterstore",
                SetOp::Diff => "zdiffstore",
            };
            let z = (!result.is_empty()).then(|| ZSet::from_sorted(result, &lim));
            store_result(ctx.shared, db, ctx.conn.db, ctx.out, dst, z, event);
        }
        None => {
            let resp3 = is_resp3(ctx.out);
            let n = result.len();
            ctx.out.array(if withscores && !resp3 { n * 2 } else { n });
            for (m, s) in &result {
                if withscores && resp3 {
                    ctx.out.array(2);
                }
                ctx.out.bulk(m);
                if withscores {
                    ctx.out.double(*s);
                }
            }
        }
    }
    Ok(())
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zunion(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, 1, SetOp::Union, None, false, "zunion")
}

/// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zinter(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, 1, SetOp::Inter, None, false, "zinter")
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
pub fn zdiff(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, 1, SetOp::Diff, None, false, "zdiff")
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE ...]
pub fn zunionstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let dst = args[1].clone();
    zsetop(ctx, args, 2, SetOp::Union, Some(&dst), false, "zunionstore")
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE ...]
pub fn zinterstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let dst = args[1].clone();
    zsetop(ctx, args, 2, SetOp::Inter, Some(&dst), false, "zinterstore")
}

/// ZDIFFSTORE destination numkeys key [key ...]
pub fn zdiffstore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let dst = args[1].clone();
    zsetop(ctx, args, 2, SetOp::Diff, Some(&dst), false, "zdiffstore")
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zsetop(ctx, args, 1, SetOp::Inter, None, true, "zintercard")
}

// ---------------------------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------------------------

/// Pops up to `count` (> 0) members from the sorted set at `key` (lowest scores first, or
/// highest when `max`), emitting `zpopmin`/`zpopmax` (and `del` when the set empties) and
/// marking the key modified. `Ok(None)` when the key does not exist; WRONGTYPE when it holds
/// another type. Shared with the blocking pops.
pub fn pop_and_notify(
    shared: &Shared,
    db: &mut Db,
    dbi: usize,
    key: &[u8],
    max: bool,
    count: usize,
) -> Result<Option<Vec<(Bytes, f64)>>, CmdError> {
    let Some(z) = db.typed_mut(key, zset_mut)? else {
        return Ok(None);
    };
    let popped = z.pop(max, count);
    let emptied = z.is_empty();
    if !popped.is_empty() {
        let event = if max { "zpopmax" } else { "zpopmin" };
        notify(shared, EventClass::ZSet, event, key, dbi);
    }
    if emptied {
        db.remove(key);
        notify(shared, EventClass::Generic, "del", key, dbi);
    }
    db.touch(key);
    Ok(Some(popped))
}

fn zpop_minmax(ctx: &mut Ctx<'_>, args: &[Bytes], max: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match args.get(2) {
        Some(a) => Some(parse_ranged(
            a,
            0,
            i64::MAX,
            Some("value is out of range, must be positive"),
        )?),
        None => None,
    };
    let nested = is_resp3(ctx.out) && count.is_some();
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    if db.typed(&args[1], zset_ref)?.is_none() || count == Some(0) {
        ctx.out.array(0);
        return Ok(());
    }
    let n = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    let popped = pop_and_notify(ctx.shared, db, ctx.conn.db, &args[1], max, n)?.unwrap_or_default();
    reply_popped(ctx.out, &popped, nested);
    Ok(())
}

/// ZPOPMIN key [count]
pub fn zpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, args, false)
}

/// ZPOPMAX key [count]
pub fn zpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, args, true)
}

/// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
pub fn zmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let numkeys = parse_ranged(
        &args[1],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    )?;
    let where_idx = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(2))
        .filter(|&w| w < args.len())
        .ok_or(CmdError::Syntax)?;
    let max = if eq_ic(&args[where_idx], "min") {
        false
    } else if eq_ic(&args[where_idx], "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count: Option<i64> = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && eq_ic(&args[j], "count") && j + 1 < args.len() {
            count = Some(parse_ranged(
                &args[j + 1],
                1,
                i64::MAX,
                Some("count should be greater than 0"),
            )?);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let count = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    for key in &args[2..where_idx] {
        if db.typed(key, zset_ref)?.is_none() {
            continue;
        }
        let popped =
            pop_and_notify(ctx.shared, db, ctx.conn.db, key, max, count)?.unwrap_or_default();
        ctx.out.array(2);
        ctx.out.bulk(key);
        reply_popped(ctx.out, &popped, true);
        return Ok(());
    }
    ctx.out.null_array();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER / ZSCAN
// ---------------------------------------------------------------------------------------------

/// `count` distinct indexes below `n` (`count < n`), in random order.
fn sample_distinct(n: usize, count: usize) -> Vec<usize> {
    if count.saturating_mul(3) > n {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..count {
            let j = i + random_below(n - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    } else {
        let mut seen = std::collections::HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let i = random_below(n);
            if seen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

/// ZRANDMEMBER key [count [WITHSCORES]]
pub fn zrandmember(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() < 3 {
        let mut ks = ctx.shared.keyspace();
        let db = ks.db(ctx.conn.db);
        match db.typed_read(&args[1], zset_ref)? {
            Some(z) if !z.is_empty() => {
                let pick = z.entries_at(&[random_below(z.len())]);
                match pick.first() {
                    Some((m, _)) => ctx.out.bulk(m),
                    None => ctx.out.null(),
                }
            }
            _ => ctx.out.null(),
        }
        return Ok(());
    }
    let l = parse_ranged(&args[2], -i64::MAX, i64::MAX, None)?;
    if args.len() > 4 || (args.len() == 4 && !eq_ic(&args[3], "withscores")) {
        return Err(CmdError::Syntax);
    }
    let withscores = args.len() == 4;
    if withscores && !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
        return Err(err("value is out of range"));
    }
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(z) = db.typed_read(&args[1], zset_ref)? else {
        ctx.out.array(0);
        return Ok(());
    };
    let size = z.len();
    let count = usize::try_from(l.unsigned_abs()).unwrap_or(usize::MAX);
    let uniq = l >= 0;
    if count == 0 || size == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    let resp3 = is_resp3(ctx.out);
    let header =
        |out: &mut ReplyBuf, n: usize| out.array(if withscores && !resp3 { n * 2 } else { n });
    let emit = |out: &mut ReplyBuf, m: &[u8], s: f64| {
        if withscores && resp3 {
            out.array(2);
        }
        out.bulk(m);
        if withscores {
            out.double(s);
        }
    };
    if !uniq || count == 1 {
        // With repetitions, in random order, sampled in batches like Redis.
        let start = ctx.out.len();
        header(ctx.out, count);
        let mut left = count;
        while left > 0 {
            let batch = left.min(1000);
            left -= batch;
            let ranks: Vec<usize> = (0..batch).map(|_| random_below(size)).collect();
            for (m, s) in z.entries_at(&ranks) {
                emit(ctx.out, m, s);
            }
            if ctx.out.len() - start > MAX_SAMPLED_REPLY {
                ctx.out.truncate(start);
                return Err(err("reply too large"));
            }
        }
        return Ok(());
    }
    if count >= size {
        // The whole set, walked from the highest score as Redis's iterator does.
        header(ctx.out, size);
        z.for_each_in(0..size, true, |m, s| emit(ctx.out, m, s));
        return Ok(());
    }
    header(ctx.out, count);
    if z.encoding() == "listpack" {
        // Distinct members in set order (`lpRandomPairsUnique`).
        let mut ranks = Vec::with_capacity(count);
        let mut need = count;
        for i in 0..size {
            if random_below(size - i) < need {
                ranks.push(i);
                need -= 1;
            }
        }
        for (m, s) in z.entries_at(&ranks) {
            emit(ctx.out, m, s);
        }
    } else {
        for (m, s) in z.entries_at(&sample_distinct(size, count)) {
            emit(ctx.out, m, s);
        }
    }
    Ok(())
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
pub fn zscan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[2]).ok_or_else(|| err("invalid cursor"))?;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(ctx.conn.db);
    let Some(z) = db.typed_read(&args[1], zset_ref)? else {
        ctx.out.array(2);
        ctx.out.bulk(b"0");
        ctx.out.array(0);
        return Ok(());
    };
    let mut count = 10i64;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < args.len() {
        let left = args.len() - i;
        let a = &args[i];
        if eq_ic(a, "count") && left >= 2 {
            count = parse_int(&args[i + 1])?;
            if count < 1 {
                return Err(CmdError::Syntax);
            }
            i += 2;
        } else if eq_ic(a, "match") && left >= 2 {
            let p = &args[i + 1][..];
            pattern = (p != b"*").then_some(p);
            i += 2;
        } else if eq_ic(a, "novalues") {
            return Err(err("NOVALUES option can only be used in HSCAN"));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let mut items: Vec<(&[u8], String)> = Vec::new();
    let next = z.scan(
        cursor,
        usize::try_from(count).unwrap_or(usize::MAX),
        |m, s, packed| {
            if pattern.is_some_and(|p| !glob_match(p, m)) {
                return;
            }
            let score = if packed {
                format_double(s)
            } else {
                format_g17(s)
            };
            items.push((m, score));
        },
    );
    ctx.out.array(2);
    ctx.out.bulk_int(next as i64);
    ctx.out.array(items.len() * 2);
    for (m, s) in &items {
        ctx.out.bulk(m);
        ctx.out.bulk(s.as_bytes());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Command table
// ---------------------------------------------------------------------------------------------

/// The sorted set commands, with Redis 7.4's arity, flags, key positions and ACL categories.
pub static COMMANDS: &[CommandSpec] = &[
    cmd!("zadd", -4, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "sortedset", "fast"], "sorted-set", "1.2.0", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", zadd),
    cmd!("zincrby", 4, ["write", "denyoom", "fast"], 1, 1, 1, ["write", "sortedset", "fast"], "sorted-set", "1.2.0", "Increments the score of a member in a sorted set.", zincrby),
    cmd!("zrem", -3, ["write", "fast"], 1, 1, 1, ["write", "sortedset", "fast"], "sorted-set", "1.2.0", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", zrem),
    cmd!("zremrangebyrank", 4, ["write"], 1, 1, 1, ["write", "sortedset", "slow"], "sorted-set", "2.0.0", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", zremrangebyrank),
    cmd!("zremrangebyscore", 4, ["write"], 1, 1, 1, ["write", "sortedset", "slow"], "sorted-set", "1.2.0", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", zremrangebyscore),
    cmd!("zremrangebylex", 4, ["write"], 1, 1, 1, ["write", "sortedset", "slow"], "sorted-set", "2.8.9", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", zremrangebylex),
    cmd!("zcard", 2, ["readonly", "fast"], 1, 1, 1, ["read", "sortedset", "fast"], "sorted-set", "1.2.0", "Returns the number of members in a sorted set.", zcard),
    cmd!("zscore", 3, ["readonly", "fast"], 1, 1, 1, ["read", "sortedset", "fast"], "sorted-set", "1.2.0", "Returns the score of a member in a sorted set.", zscore),
    cmd!("zmscore", -3, ["readonly", "fast"], 1, 1, 1, ["read", "sortedset", "fast"], "sorted-set", "6.2.0", "Returns the score of one or more members in a sorted set.", zmscore),
    cmd!("zcount", 4, ["readonly", "fast"], 1, 1, 1, ["read", "sortedset", "fast"], "sorted-set", "2.0.0", "Returns the count of members in a sorted set that have scores within a range.", zcount),
    cmd!("zlexcount", 4, ["readonly", "fast"], 1, 1, 1, ["read", "sortedset", "fast"], "sorted-set", "2.8.9", "Returns the number of members in a sorted set within a lexicographical range.", zlexcount),
    cmd!("zrank", -3, ["readonly", "fast"], 1, 1, 1, ["read", "sortedset", "fast"], "sorted-set", "2.0.0", "Returns the index of a member in a sorted set ordered by ascending scores.", zrank),
    cmd!("zrevrank", -3, ["readonly", "fast"], 1, 1, 1, ["read", "sortedset", "fast"], "sorted-set", "2.0.0", "Returns the index of a member in a sorted set ordered by descending scores.", zrevrank),
    cmd!("zrange", -4, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "1.2.0", "Returns members in a sorted set within a range of indexes.", zrange),
    cmd!("zrangestore", -5, ["write", "denyoom"], 1, 2, 1, ["write", "sortedset", "slow"], "sorted-set", "6.2.0", "Stores a range of members from sorted set in a key.", zrangestore),
    cmd!("zrevrange", -4, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "1.2.0", "Returns members in a sorted set within a range of indexes in reverse order.", zrevrange),
    cmd!("zrangebyscore", -4, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "1.0.5", "Returns members in a sorted set within a range of scores.", zrangebyscore),
    cmd!("zrevrangebyscore", -4, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "2.2.0", "Returns members in a sorted set within a range of scores in reverse order.", zrevrangebyscore),
    cmd!("zrangebylex", -4, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "2.8.9", "Returns members in a sorted set within a lexicographical range.", zrangebylex),
    cmd!("zrevrangebylex", -4, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "2.8.9", "Returns members in a sorted set within a lexicographical range in reverse order.", zrevrangebylex),
    cmd!("zpopmin", -2, ["write", "fast"], 1, 1, 1, ["write", "sortedset", "fast"], "sorted-set", "5.0.0", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", zpopmin),
    cmd!("zpopmax", -2, ["write", "fast"], 1, 1, 1, ["write", "sortedset", "fast"], "sorted-set", "5.0.0", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", zpopmax),
    cmd!("zmpop", -4, ["write", "movablekeys"], 0, 0, 0, ["write", "sortedset", "slow"], "sorted-set", "7.0.0", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", zmpop),
    cmd!("zunion", -3, ["readonly", "movablekeys"], 0, 0, 0, ["read", "sortedset", "slow"], "sorted-set", "6.2.0", "Returns the union of multiple sorted sets.", zunion),
    cmd!("zinter", -3, ["readonly", "movablekeys"], 0, 0, 0, ["read", "sortedset", "slow"], "sorted-set", "6.2.0", "Returns the intersect of multiple sorted sets.", zinter),
    cmd!("zdiff", -3, ["readonly", "movablekeys"], 0, 0, 0, ["read", "sortedset", "slow"], "sorted-set", "6.2.0", "Returns the difference between multiple sorted sets.", zdiff),
    cmd!("zunionstore", -4, ["write", "denyoom", "movablekeys"], 1, 1, 1, ["write", "sortedset", "slow"], "sorted-set", "2.0.0", "Stores the union of multiple sorted sets in a key.", zunionstore),
    cmd!("zinterstore", -4, ["write", "denyoom", "movablekeys"], 1, 1, 1, ["write", "sortedset", "slow"], "sorted-set", "2.0.0", "Stores the intersect of multiple sorted sets in a key.", zinterstore),
    cmd!("zdiffstore", -4, ["write", "denyoom", "movablekeys"], 1, 1, 1, ["write", "sortedset", "slow"], "sorted-set", "6.2.0", "Stores the difference of multiple sorted sets in a key.", zdiffstore),
    cmd!("zintercard", -3, ["readonly", "movablekeys"], 0, 0, 0, ["read", "sortedset", "slow"], "sorted-set", "7.0.0", "Returns the number of members of the intersect of multiple sorted sets.", zintercard),
    cmd!("zrandmember", -2, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "6.2.0", "Returns one or more random members from a sorted set.", zrandmember),
    cmd!("zscan", -3, ["readonly"], 1, 1, 1, ["read", "sortedset", "slow"], "sorted-set", "2.8.0", "Iterates over members and scores of a sorted set.", zscan),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_follows_glibc() {
        assert_eq!(strtod(b"1.5"), (1.5, 3, false));
        assert_eq!(strtod(b"  -2e3x"), (-2000.0, 6, false));
        assert_eq!(strtod(b"0x10"), (16.0, 4, false));
        assert_eq!(strtod(b"0x1p3"), (8.0, 5, false));
        assert_eq!(strtod(b"0x"), (0.0, 1, false));
        assert_eq!(strtod(b"1e"), (1.0, 1, false));
        assert_eq!(strtod(b".5"), (0.5, 2, false));
        assert_eq!(strtod(b"5."), (5.0, 2, false));
        assert_eq!(strtod(b"."), (0.0, 0, false));
        assert_eq!(strtod(b""), (0.0, 0, false));
        assert_eq!(strtod(b"Infinity"), (f64::INFINITY, 8, false));
        assert_eq!(strtod(b"-inf"), (f64::NEG_INFINITY, 4, false));
        assert!(strtod(b"nan(123)").0.is_nan() && strtod(b"nan(123)").1 == 8);
        assert_eq!(strtod(b"1e400"), (f64::INFINITY, 5, true));
        assert_eq!(strtod(b"1e-400"), (0.0, 6, true));
        assert_eq!(strtod(b"0e-400"), (0.0, 6, false));
    }

    #[test]
    fn score_arguments_parse_like_string2d() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"-infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"2e-320"), Some(2e-320));
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"1e400",
            b"1e-400",
            b"abc",
            b"1\x002",
        ] {
            assert_eq!(parse_score(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn score_bounds_parse_like_zsl_parse_range() {
        assert_eq!(parse_score_bound(b"(1.5"), Some((1.5, true)));
        assert_eq!(parse_score_bound(b""), Some((0.0, false)));
        assert_eq!(parse_score_bound(b"("), Some((0.0, true)));
        assert_eq!(parse_score_bound(b" 1"), Some((1.0, false)));
        assert_eq!(parse_score_bound(b"1e400"), Some((f64::INFINITY, false)));
        assert_eq!(parse_score_bound(b"3\0junk"), Some((3.0, false)));
        assert_eq!(parse_score_bound(b"1 "), None);
        assert_eq!(parse_score_bound(b"nan"), None);
        assert_eq!(parse_score_bound(b"[1"), None);
    }

    #[test]
    fn lex_items() {
        assert_eq!(parse_lex_item(b"-"), Some((LexItem::Min, true)));
        assert_eq!(parse_lex_item(b"+"), Some((LexItem::Max, true)));
        assert_eq!(
            parse_lex_item(b"[a"),
            Some((LexItem::Str(b"a".to_vec()), false))
        );
        assert_eq!(parse_lex_item(b"("), Some((LexItem::Str(Vec::new()), true)));
        assert_eq!(parse_lex_item(b"+a"), None);
        assert_eq!(parse_lex_item(b"a"), None);
        assert_eq!(parse_lex_item(b""), None);
    }

    #[test]
    fn cursors_parse_like_string2ull() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b"42"), Some(42));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b" 7"), Some(7));
        assert_eq!(parse_cursor(b"007"), Some(7));
        assert_eq!(parse_cursor(b"-1"), None);
        assert_eq!(parse_cursor(b""), None);
        assert_eq!(parse_cursor(b"1x"), None);
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
    }

    #[test]
    fn g17_matches_printf() {
        assert_eq!(format_g17(0.1), "0.10000000000000001");
        assert_eq!(format_g17(1.5), "1.5");
        assert_eq!(format_g17(3.0), "3");
        assert_eq!(format_g17(-0.0), "-0");
        assert_eq!(format_g17(1e300), "1.0000000000000001e+300");
        assert_eq!(format_g17(1e-5), "1.0000000000000001e-05");
        assert_eq!(format_g17(0.0001), "0.0001");
        assert_eq!(format_g17(123456789012345680.0), "1.2345678901234568e+17");
        assert_eq!(format_g17(12345678901234567.0), "12345678901234568");
        assert_eq!(format_g17(f64::NEG_INFINITY), "-inf");
    }
}
