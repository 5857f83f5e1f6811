//! Blocking list and sorted set commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
//! BZPOPMAX, BZMPOP) and CLIENT UNBLOCK, as Redis 7.4's `t_list.c`, `t_zset.c` and
//! `blocked.c`.
//!
//! A handler first runs the command's non-blocking form ([`BlockedCommand::serve`]); when no
//! key has data it registers the client in the server's blocking registry
//! ([`crate::server::blocking`]) and writes no reply; the connection then waits. The registry
//! runs the same [`BlockedCommand::serve`] again when a key becomes ready, so a served blocked
//! client gets exactly the reply (or error) the command would have given with the data there.

use super::streams::StreamRead;
use super::table::cmd;
use super::{arg_for_error, eq_ic, lists, parse_int, zsets, CmdError, CmdResult, CommandSpec, Ctx};
use crate::aof::int_arg;
use crate::protocol::ReplyBuf;
use crate::server::blocking::{Kind, Outcome};
use crate::server::Shared;
use crate::storage::Db;
use bytes::Bytes;

pub use crate::server::blocking::{signal_db_ready, signal_key_ready};

/// The blocking commands (CLIENT UNBLOCK, [`client_unblock`], is in the CLIENT container's table).
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    cmd!("blpop", -3, ["write", "blocking"], 1, -2, 1, ["write", "list", "slow", "blocking"], "list", "2.0.0", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", blpop),
    cmd!("brpop", -3, ["write", "blocking"], 1, -2, 1, ["write", "list", "slow", "blocking"], "list", "2.0.0", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", brpop),
    cmd!("brpoplpush", 4, ["write", "denyoom", "blocking"], 1, 2, 1, ["write", "list", "slow", "blocking"], "list", "2.2.0", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", brpoplpush),
    cmd!("blmove", 6, ["write", "denyoom", "blocking"], 1, 2, 1, ["write", "list", "slow", "blocking"], "list", "6.2.0", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", blmove),
    cmd!("blmpop", -5, ["write", "blocking", "movablekeys"], 0, 0, 0, ["write", "list", "slow", "blocking"], "list", "7.0.0", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", blmpop),
    cmd!("bzpopmin", -3, ["write", "blocking", "fast"], 1, -2, 1, ["write", "sortedset", "fast", "blocking"], "sorted-set", "5.0.0", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", bzpopmin),
    cmd!("bzpopmax", -3, ["write", "blocking", "fast"], 1, -2, 1, ["write", "sortedset", "fast", "blocking"], "sorted-set", "5.0.0", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", bzpopmax),
    cmd!("bzmpop", -5, ["write", "blocking", "movablekeys"], 0, 0, 0, ["write", "sortedset", "slow", "blocking"], "sorted-set", "7.0.0", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", bzmpop),
];

/// A blocking command, parsed: what the registry re-runs when one of its keys becomes ready.
#[derive(Debug, Clone)]
pub enum BlockedCommand {
    /// BLPOP/BRPOP (`count` None: reply `[key, element]`) and BLMPOP (`count` Some: reply
    /// `[key, [elements]]`).
    ListPop {
        keys: Vec<Bytes>,
        left: bool,
        count: Option<usize>,
    },
    /// BLMOVE / BRPOPLPUSH.
    ListMove {
        src: Bytes,
        dst: Bytes,
        from_left: bool,
        to_left: bool,
    },
    /// BZPOPMIN/BZPOPMAX (`count` None: reply `[key, member, score]`) and BZMPOP (`count`
    /// Some: reply `[key, [[member, score], ...]]`).
    ZPop {
        keys: Vec<Bytes>,
        max: bool,
        count: Option<usize>,
    },
    /// XREAD / XREADGROUP with BLOCK.
    StreamRead(Box<StreamRead>),
}

impl BlockedCommand {
    /// The type of value the command waits for.
    pub fn kind(&self) -> Kind {
        match self {
            BlockedCommand::ListPop { .. } | BlockedCommand::ListMove { .. } => Kind::List,
            BlockedCommand::ZPop { .. } => Kind::ZSet,
            BlockedCommand::StreamRead(_) => Kind::Stream,
        }
    }

    /// True when the command must be re-run on a signal even if its key is gone or of another
    /// type (XREADGROUP, which then fails).
    pub fn runs_without_data(&self) -> bool {
        matches!(self, BlockedCommand::StreamRead(r) if r.is_group())
    }

    /// The keys the client waits on (BLMOVE waits on its source only).
    pub fn keys(&self) -> &[Bytes] {
        match self {
            BlockedCommand::ListPop { keys, .. } | BlockedCommand::ZPop { keys, .. } => keys,
            BlockedCommand::ListMove { src, .. } => std::slice::from_ref(src),
            BlockedCommand::StreamRead(r) => &r.keys,
        }
    }

    /// A copy whose keys own their bytes, so a long wait does not pin the request buffer.
    fn detach(self) -> Self {
        let own = |keys: Vec<Bytes>| -> Vec<Bytes> {
            keys.iter().map(|k| Bytes::copy_from_slice(k)).collect()
        };
        match self {
            BlockedCommand::ListPop { keys, left, count } => BlockedCommand::ListPop {
                keys: own(keys),
                left,
                count,
            },
            BlockedCommand::ListMove {
                src,
                dst,
                from_left,
                to_left,
            } => BlockedCommand::ListMove {
                src: Bytes::copy_from_slice(&src),
                dst: Bytes::copy_from_slice(&dst),
                from_left,
                to_left,
            },
            BlockedCommand::ZPop { keys, max, count } => BlockedCommand::ZPop {
                keys: own(keys),
                max,
                count,
            },
            BlockedCommand::StreamRead(r) => BlockedCommand::StreamRead(Box::new(r.detach())),
        }
    }

    /// Runs the command's non-blocking form against `db`: true (reply written to `out`) when a
    /// key had data; false, with nothing written or changed, when the client has to wait.
    /// WRONGTYPE when a key before the first non-empty one holds another type (or, for
    /// BLMOVE, when the destination does).
    pub fn serve(
        &self,
        shared: &Shared,
        db: &mut Db,
        dbi: usize,
        fill: i64,
        out: &mut ReplyBuf,
    ) -> Result<bool, CmdError> {
        match self {
            BlockedCommand::ListPop { keys, left, count } => {
                for key in keys {
                    let n = count.unwrap_or(1);
                    let Some(items) = lists::pop_from_key(shared, db, dbi, key, *left, n, fill)?
                    else {
                        continue;
                    };
                    let cmd: &[u8] = if *left { b"LPOP" } else { b"RPOP" };
                    propagate_effect(shared, dbi, &[cmd, key, &int_arg(items.len() as i64)]);
                    out.array(2);
                    out.bulk(key);
                    match count {
                        Some(_) => out.bulk_array(&items),
                        None => match items.first() {
                            Some(v) => out.bulk(v),
                            None => out.null(),
                        },
                    }
                    return Ok(true);
                }
                Ok(false)
            }
            BlockedCommand::ListMove {
                src,
                dst,
                from_left,
                to_left,
            } => {
                match lists::move_element(shared, db, dbi, src, dst, *from_left, *to_left, fill)? {
                    Some(v) => {
                        let side = |l: bool| -> &[u8] {
                            if l {
                                b"LEFT"
                            } else {
                                b"RIGHT"
                            }
                        };
                        propagate_effect(
                            shared,
                            dbi,
                            &[b"LMOVE", src, dst, side(*from_left), side(*to_left)],
                        );
                        out.bulk(&v);
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
            BlockedCommand::ZPop { keys, max, count } => {
                for key in keys {
                    let n = count.unwrap_or(1);
                    let Some(popped) = zsets::pop_and_notify(shared, db, dbi, key, *max, n)? else {
                        continue;
                    };
                    let cmd: &[u8] = if *max { b"ZPOPMAX" } else { b"ZPOPMIN" };
                    propagate_effect(shared, dbi, &[cmd, key, &int_arg(popped.len() as i64)]);
                    match count {
                        Some(_) => {
                            out.array(2);
                            out.bulk(key);
                            zsets::reply_popped(out, &popped, true);
                        }
                        None => {
                            let Some((m, s)) = popped.first() else {
                                continue;
                            };
                            out.array(3);
                            out.bulk(key);
                            out.bulk(m);
                            out.double(*s);
                        }
                    }
                    return Ok(true);
                }
                Ok(false)
            }
            BlockedCommand::StreamRead(r) => r.serve(shared, db, dbi, out),
        }
    }

    /// The reply when the client may not block (inside EXEC) and no key has data.
    fn reply_without_blocking(&self, out: &mut ReplyBuf) {
        match self {
            BlockedCommand::ListMove { .. } => out.null(),
            _ => out.null_array(),
        }
    }
}

/// Records what a (blocking) pop did in the AOF as its plain form: inside the command's own
/// run, as the command's rewrite; when served later by another client's push, directly.
pub(crate) fn propagate_effect(shared: &Shared, dbi: usize, args: &[&[u8]]) {
    if crate::aof::propagate::active() {
        crate::aof::propagate::rewrite(args);
    } else {
        shared.aof.feed(dbi, args);
    }
}

/// Parses a blocking timeout in seconds as Redis's `getTimeoutFromObjectOrReply`
/// (`UNIT_SECONDS`): milliseconds, rounded up, 0 meaning forever.
pub fn parse_timeout(arg: &[u8]) -> Result<u64, CmdError> {
    let secs = parse_long_double(arg)
        .ok_or_else(|| CmdError::Other("timeout is not a float or out of range".into()))?;
    let ms = secs * 1000.0;
    if ms > i64::MAX as f64 {
        return Err(CmdError::Other("timeout is out of range".into()));
    }
    // `(long long) ceill(ms)`: -inf converts to LLONG_MIN on the platforms Redis runs on.
    let ms = ms.ceil();
    if ms < 0.0 {
        return Err(CmdError::Other("timeout is negative".into()));
    }
    let ms = ms as i64;
    if ms > 0 && ms > i64::MAX - crate::storage::now_ms() {
        return Err(CmdError::Other("timeout is out of range".into()));
    }
    Ok(ms as u64)
}

/// `string2ld`: the whole argument must be a number `strtold` accepts (decimal, hexadecimal,
/// `inf`/`infinity`), with no leading space, not NaN, and within `long double` range. Values
/// beyond `f64` but within `long double` come back infinite; values too small for `f64` but
/// not for `long double` come back as the smallest normal `f64` of their sign.
fn parse_long_double(arg: &[u8]) -> Option<f64> {
    /// `MAX_LONG_DOUBLE_CHARS`.
    const MAX_CHARS: usize = 5 * 1024;
    /// Decimal exponent range of x87 `long double`.
    const MAX_EXP10: i64 = 4932;
    const MIN_EXP10: i64 = -4951;
    if arg.is_empty() || arg.len() >= MAX_CHARS || arg[0].is_ascii_whitespace() || arg[0] == 0x0b {
        return None;
    }
    let s = std::str::from_utf8(arg).ok()?;
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let sign = |v: f64| if neg { -v } else { v };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(sign(f64::INFINITY));
    }
    let bytes = body.as_bytes();
    if bytes.len() > 2 && bytes[0] == b'0' && (bytes[1] | 0x20) == b'x' {
        return parse_hex(&bytes[2..]).map(sign);
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
    let mut i = 0;
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &bytes[int_start..i];
    let mut frac_digits: &[u8] = &[];
    if i < bytes.len() && bytes[i] == b'.' {
        let f = i + 1;
        i = f;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &bytes[f..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if i < bytes.len() && (bytes[i] | 0x20) == b'e' {
        i += 1;
        let mut eneg = false;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            eneg = bytes[i] == b'-';
            i += 1;
        }
        let e = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            exp = exp
                .saturating_mul(10)
                .saturating_add(i64::from(bytes[i] - b'0'));
            i += 1;
        }
        if e == i {
            return None;
        }
        if eneg {
            exp = -exp;
        }
    }
    if i != bytes.len() {
        return None;
    }
    // Decimal exponent of the leading significant digit, to tell what `long double` makes of
    // values `f64` cannot hold.
    let lead = if let Some(p) = int_digits.iter().position(|&d| d != b'0') {
        Some((int_digits.len() - p) as i64 - 1)
    } else {
        frac_digits
            .iter()
            .position(|&d| d != b'0')
            .map(|p| -(p as i64) - 1)
    };
    let Some(lead) = lead else {
        return Some(sign(0.0));
    };
    let e10 = lead.saturating_add(exp);
    if !(MIN_EXP10..=MAX_EXP10).contains(&e10) {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    if v == 0.0 {
        return Some(sign(f64::MIN_POSITIVE));
    }
    Some(sign(v))
}

/// The hexadecimal part of `strtold` after `0x`: hex digits, optional fraction, optional
/// binary exponent `p[sign]digits`.
fn parse_hex(b: &[u8]) -> Option<f64> {
    let mut mant = 0f64;
    let mut any = false;
    let mut scale: i64 = 0;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_hexdigit() {
        mant = mant * 16.0 + f64::from((b[i] as char).to_digit(16)?);
        any = true;
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            mant = mant * 16.0 + f64::from((b[i] as char).to_digit(16)?);
            scale -= 4;
            any = true;
            i += 1;
        }
    }
    if !any {
        return None;
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] | 0x20) == b'p' {
        i += 1;
        let mut eneg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            eneg = b[i] == b'-';
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exp = exp
                .saturating_mul(10)
                .saturating_add(i64::from(b[i] - b'0'));
            i += 1;
        }
        if e == i {
            return None;
        }
        if eneg {
            exp = -exp;
        }
    }
    if i != b.len() {
        return None;
    }
    if mant == 0.0 {
        return Some(0.0);
    }
    let e2 = exp.saturating_add(scale);
    // x87 `long double` binary exponent range.
    let top = e2.saturating_add(mant.log2().floor() as i64);
    if !(-16445..=16383).contains(&top) {
        return None;
    }
    let v = mant * 2f64.powi(e2.clamp(-2000, 2000) as i32);
    Some(if v == 0.0 { f64::MIN_POSITIVE } else { v })
}

/// `getRangeLongFromObjectOrReply` with a custom message for both failures.
fn ranged(arg: &[u8], min: i64, msg: &str) -> Result<usize, CmdError> {
    match parse_int(arg) {
        Ok(v) if v >= min => usize::try_from(v).map_err(|_| CmdError::Other(msg.into())),
        _ => Err(CmdError::Other(msg.into())),
    }
}

/// LEFT/RIGHT (true = LEFT), or a syntax error.
fn side(arg: &[u8]) -> Result<bool, CmdError> {
    if eq_ic(arg, "left") {
        Ok(true)
    } else if eq_ic(arg, "right") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// Serves the command at once if a key has data; otherwise replies as a timeout inside EXEC,
/// or blocks the client (no reply now; the connection waits for the outcome).
fn run(ctx: &mut Ctx<'_>, cmd: BlockedCommand, timeout_ms: u64) -> CmdResult {
    let fill = lists::list_fill(ctx.shared);
    let dbi = ctx.conn.db;
    let mut ks = ctx.shared.keyspace();
    let db = ks.db(dbi);
    if cmd.serve(ctx.shared, db, dbi, fill, ctx.out)? {
        return Ok(());
    }
    if ctx.conn.in_exec {
        cmd.reply_without_blocking(ctx.out);
        return Ok(());
    }
    // Registered while the keyspace is still locked: no push can fall between the check above
    // and the registration.
    let ticket = ctx.shared.blocking.block(
        ctx.conn.handle.id,
        dbi,
        cmd.detach(),
        ctx.out.protocol(),
        timeout_ms,
    );
    drop(ks);
    ctx.conn.blocked = Some(ticket);
    Ok(())
}

/// XREAD/XREADGROUP: served at once when a stream has entries; otherwise with BLOCK
/// (`timeout_ms`, 0 = forever) the client waits, and without it the reply is a null array.
pub fn run_stream_read(ctx: &mut Ctx<'_>, read: StreamRead, timeout_ms: Option<u64>) -> CmdResult {
    let cmd = BlockedCommand::StreamRead(Box::new(read));
    match timeout_ms {
        Some(ms) => run(ctx, cmd, ms),
        None => {
            let dbi = ctx.conn.db;
            let mut ks = ctx.shared.keyspace();
            if !cmd.serve(ctx.shared, ks.db(dbi), dbi, 0, ctx.out)? {
                ctx.out.null_array();
            }
            Ok(())
        }
    }
}

fn bpop(ctx: &mut Ctx<'_>, args: &[Bytes], left: bool) -> CmdResult {
    let last = args.len() - 1;
    let timeout = parse_timeout(&args[last])?;
    let cmd = BlockedCommand::ListPop {
        keys: args[1..last].to_vec(),
        left,
        count: None,
    };
    run(ctx, cmd, timeout)
}

/// BLPOP key [key ...] timeout
pub fn blpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    bpop(ctx, args, true)
}

/// BRPOP key [key ...] timeout
pub fn brpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    bpop(ctx, args, false)
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
pub fn blmove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let from_left = side(&args[3])?;
    let to_left = side(&args[4])?;
    let timeout = parse_timeout(&args[5])?;
    let cmd = BlockedCommand::ListMove {
        src: args[1].clone(),
        dst: args[2].clone(),
        from_left,
        to_left,
    };
    run(ctx, cmd, timeout)
}

/// BRPOPLPUSH source destination timeout
pub fn brpoplpush(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let timeout = parse_timeout(&args[3])?;
    let cmd = BlockedCommand::ListMove {
        src: args[1].clone(),
        dst: args[2].clone(),
        from_left: false,
        to_left: true,
    };
    run(ctx, cmd, timeout)
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn blmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (keys, left, count) = lists::parse_mpop(args, 2)?;
    let timeout = parse_timeout(&args[1])?;
    let cmd = BlockedCommand::ListPop {
        keys: keys.to_vec(),
        left,
        count: Some(count),
    };
    run(ctx, cmd, timeout)
}

fn bzpop(ctx: &mut Ctx<'_>, args: &[Bytes], max: bool) -> CmdResult {
    let last = args.len() - 1;
    let timeout = parse_timeout(&args[last])?;
    let cmd = BlockedCommand::ZPop {
        keys: args[1..last].to_vec(),
        max,
        count: None,
    };
    run(ctx, cmd, timeout)
}

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    bzpop(ctx, args, false)
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    bzpop(ctx, args, true)
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
pub fn bzmpop(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let numkeys = ranged(&args[2], 1, "numkeys should be greater than 0")?;
    let where_idx = numkeys
        .checked_add(3)
        .filter(|&w| w < args.len())
        .ok_or(CmdError::Syntax)?;
    let max = if eq_ic(&args[where_idx], "min") {
        false
    } else if eq_ic(&args[where_idx], "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count: Option<usize> = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && eq_ic(&args[j], "count") && j + 1 < args.len() {
            count = Some(ranged(&args[j + 1], 1, "count should be greater than 0")?);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let timeout = parse_timeout(&args[1])?;
    let cmd = BlockedCommand::ZPop {
        keys: args[3..where_idx].to_vec(),
        max,
        count: Some(count.unwrap_or(1)),
    };
    run(ctx, cmd, timeout)
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
pub fn client_unblock(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 4 {
        return Err(CmdError::Other(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
            arg_for_error(&args[1], 128),
            String::from_utf8_lossy(&args[0]).to_ascii_uppercase()
        )));
    }
    let error = match args.get(3) {
        None => false,
        Some(a) if eq_ic(a, "timeout") => false,
        Some(a) if eq_ic(a, "error") => true,
        Some(_) => {
            return Err(CmdError::Other(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR".into(),
            ))
        }
    };
    let id = parse_int(&args[2])?;
    let outcome = if error {
        Outcome::Error
    } else {
        Outcome::Timeout
    };
    let done = u64::try_from(id).is_ok_and(|id| ctx.shared.blocking.unblock(id, outcome));
    ctx.out.int(i64::from(done));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(arg: &str) -> String {
        match parse_timeout(arg.as_bytes()) {
            Ok(ms) => format!("ok {ms}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn timeouts_parse_like_redis() {
        assert_eq!(err("0"), "ok 0");
        assert_eq!(err("1"), "ok 1000");
        assert_eq!(err("0.1"), "ok 100");
        assert_eq!(err("0.0001"), "ok 1");
        assert_eq!(err("-0.0001"), "ok 0");
        assert_eq!(err("1.5e1"), "ok 15000");
        assert_eq!(err(".5"), "ok 500");
        assert_eq!(err("5."), "ok 5000");
        assert_eq!(err("+2"), "ok 2000");
        assert_eq!(err("0x10"), "ok 16000");
        assert_eq!(err("0x1p-1"), "ok 500");
        assert_eq!(err("1e-400"), "ok 1");
        assert_eq!(err("-1"), "ERR timeout is negative");
        assert_eq!(err("-inf"), "ERR timeout is negative");
        assert_eq!(err("inf"), "ERR timeout is out of range");
        assert_eq!(err("+Infinity"), "ERR timeout is out of range");
        assert_eq!(err("1e400"), "ERR timeout is out of range");
        assert_eq!(err("0x7FFFFFFFFFFFFF"), "ERR timeout is out of range");
        assert_eq!(err("9223372036854775"), "ERR timeout is out of range");
        let nf = "ERR timeout is not a float or out of range";
        for bad in [
            "", " 1", "1 ", "abc", "nan", "1e", "e5", ".", "0x", "0xg", "1e5000", "- 1", "1..2",
            "inf1",
        ] {
            assert_eq!(err(bad), nf, "{bad:?}");
        }
    }

    #[test]
    fn long_double_parse() {
        assert_eq!(parse_long_double(b"3.25"), Some(3.25));
        assert_eq!(parse_long_double(b"-0"), Some(-0.0));
        assert_eq!(parse_long_double(b"0x1.8p1"), Some(3.0));
        assert_eq!(parse_long_double(b"0X.8"), Some(0.5));
        assert_eq!(parse_long_double(b"1e308"), Some(1e308));
        assert_eq!(parse_long_double(b"1e4000"), Some(f64::INFINITY));
        assert_eq!(parse_long_double(b"0x1p20000"), None);
        assert_eq!(parse_long_double(b"0x1p"), None);
    }
}
