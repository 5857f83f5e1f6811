//! Request parsing: RESP multibulk and inline commands, as `redis-server` accepts them.
//!
//! Hand-written rather than taken from a crate because it is on the hot path of every command and
//! must reproduce Redis's exact limits and protocol-error texts (`networking.c`:
//! `processMultibulkBuffer` / `processInlineBuffer`).
//!
//! The parser is pure: it looks at a byte buffer and either returns one complete command and how
//! many bytes it used, asks for more input, or reports a protocol error. Callers keep unconsumed
//! bytes and call again when more arrive, so any split of the input parses the same.

use bytes::{Bytes, BytesMut};
use thiserror::Error;

/// Longest inline command, and longest `*<n>` / `$<n>` header line, that Redis accepts (64 KiB).
pub const INLINE_MAX_SIZE: usize = 64 * 1024;
/// Largest multibulk element count Redis accepts from an authenticated client.
pub const MULTIBULK_MAX_LEN: i64 = i32::MAX as i64;
/// Before authentication Redis accepts at most this many elements ...
pub const UNAUTH_MULTIBULK_MAX_LEN: i64 = 10;
/// ... and bulks of at most this many bytes, so an unauthenticated client cannot make the
/// server allocate much.
pub const UNAUTH_BULK_MAX_LEN: i64 = 16 * 1024;
/// Bulk arguments at least this large are read into a buffer sized for them up front.
pub const BIG_ARG: usize = 32 * 1024;

/// Limits a parser enforces; `proto-max-bulk-len` is configurable at run time.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// `proto-max-bulk-len`: the largest single bulk argument.
    pub max_bulk_len: i64,
    /// The client has not authenticated while a password is required.
    pub unauthenticated: bool,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_bulk_len: 512 * 1024 * 1024,
            unauthenticated: false,
        }
    }
}

/// A violation of the protocol; Redis replies `-ERR Protocol error: <text>` and closes the
/// connection.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    #[error("too big inline request")]
    InlineTooBig,
    #[error("unbalanced quotes in request")]
    UnbalancedQuotes,
    #[error("too big mbulk count string")]
    MbulkCountTooBig,
    #[error("invalid multibulk length")]
    InvalidMultibulkLength,
    #[error("too big bulk count string")]
    BulkCountTooBig,
    #[error("expected '$', got '{0}'")]
    ExpectedDollar(char),
    #[error("invalid bulk length")]
    InvalidBulkLength,
    #[error("unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    #[error("unauthenticated bulk length")]
    UnauthenticatedBulkLength,
}

/// What one parse step found at the start of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A complete command (possibly empty, e.g. a blank inline line or `*0`), and the number of
    /// bytes it occupied.
    Command(Vec<Bytes>, usize),
    /// The buffer holds only part of a command. `hint` is how many bytes in total the buffer
    /// should hold before parsing again is worthwhile (0 if unknown), so large bulks can be
    /// preallocated and not re-scanned on every read.
    Incomplete { hint: usize },
}

/// Parses one command from the front of `buf`.
///
/// Arguments are returned as `Bytes` slices of a frozen copy of the command's bytes so that they
/// can be kept (e.g. as a channel name) without another copy.
pub fn parse_command(buf: &mut BytesMut, limits: &ParseLimits) -> Result<Parsed, ProtocolError> {
    match buf.first() {
        None => Ok(Parsed::Incomplete { hint: 0 }),
        Some(b'*') => parse_multibulk(buf, limits),
        Some(_) => parse_inline(buf),
    }
}

/// Splits the consumed prefix off `buf` and returns it frozen, for zero-copy argument slices.
fn take_frozen(buf: &mut BytesMut, len: usize) -> Bytes {
    buf.split_to(len).freeze()
}

fn parse_inline(buf: &mut BytesMut) -> Result<Parsed, ProtocolError> {
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > INLINE_MAX_SIZE {
            return Err(ProtocolError::InlineTooBig);
        }
        return Ok(Parsed::Incomplete { hint: 0 });
    };
    let mut line_end = nl;
    if line_end > 0 && buf[line_end - 1] == b'\r' {
        line_end -= 1;
    }
    let args = split_args(&buf[..line_end]).ok_or(ProtocolError::UnbalancedQuotes)?;
    let used = nl + 1;
    buf.advance_by(used);
    Ok(Parsed::Command(args, used))
}

/// Small extension so parsing code reads naturally.
trait AdvanceBy {
    fn advance_by(&mut self, n: usize);
}

impl AdvanceBy for BytesMut {
    fn advance_by(&mut self, n: usize) {
        bytes::Buf::advance(self, n);
    }
}

/// Reads a `<prefix><integer>\r\n` header starting at `pos`. Returns the value and the position
/// after the line, `None` if the line is not complete yet, or `Err(())` if the line is longer than
/// Redis allows.
fn read_header(buf: &[u8], pos: usize) -> Option<Result<(Option<i64>, usize), ()>> {
    let rest = &buf[pos..];
    match memchr::memchr(b'\r', rest) {
        None => {
            if rest.len() > INLINE_MAX_SIZE {
                Some(Err(()))
            } else {
                None
            }
        }
        Some(cr) => {
            if cr > INLINE_MAX_SIZE {
                return Some(Err(()));
            }
            // Redis needs the "\r\n" pair; the byte after '\r' may not have arrived.
            if cr + 1 >= rest.len() {
                return None;
            }
            let value = parse_i64(&rest[1..cr]);
            Some(Ok((value, pos + cr + 2)))
        }
    }
}

fn parse_multibulk(buf: &mut BytesMut, limits: &ParseLimits) -> Result<Parsed, ProtocolError> {
    let (count, mut pos) = match read_header(buf, 0) {
        None => return Ok(Parsed::Incomplete { hint: 0 }),
        Some(Err(())) => return Err(ProtocolError::MbulkCountTooBig),
        Some(Ok((v, p))) => (v, p),
    };
    let count = match count {
        Some(c) if c > UNAUTH_MULTIBULK_MAX_LEN && limits.unauthenticated => {
            return Err(ProtocolError::UnauthenticatedMultibulkLength)
        }
        Some(c) if c <= MULTIBULK_MAX_LEN => c,
        _ => return Err(ProtocolError::InvalidMultibulkLength),
    };
    if count <= 0 {
        buf.advance_by(pos);
        return Ok(Parsed::Command(Vec::new(), pos));
    }
    // Validate every header we can see before deciding the command is incomplete, so that
    // errors are reported as soon as Redis would report them.
    let mut spans = Vec::with_capacity(count.min(1024) as usize);
    for _ in 0..count {
        let Some(&first) = buf.get(pos) else {
            return Ok(Parsed::Incomplete { hint: 0 });
        };
        if first != b'$' {
            return Err(ProtocolError::ExpectedDollar(first as char));
        }
        let (len, next) = match read_header(buf, pos) {
            None => return Ok(Parsed::Incomplete { hint: 0 }),
            Some(Err(())) => return Err(ProtocolError::BulkCountTooBig),
            Some(Ok((v, p))) => (v, p),
        };
        let len = match len {
            Some(l) if l > UNAUTH_BULK_MAX_LEN && limits.unauthenticated => {
                return Err(ProtocolError::UnauthenticatedBulkLength)
            }
            Some(l) if (0..=limits.max_bulk_len).contains(&l) => l as usize,
            _ => return Err(ProtocolError::InvalidBulkLength),
        };
        let end = next + len + 2;
        if buf.len() < end {
            return Ok(Parsed::Incomplete { hint: end });
        }
        spans.push((next, next + len));
        pos = end;
    }
    let frame = take_frozen(buf, pos);
    let args = spans.into_iter().map(|(s, e)| frame.slice(s..e)).collect();
    Ok(Parsed::Command(args, pos))
}

/// Parses a decimal integer the way Redis's `string2ll` does: optional '-', no '+', no leading
/// zeros, no spaces, within i64.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        None => return None,
        Some((b'-', rest)) => (true, rest),
        Some(_) => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    if digits[0] == b'0' {
        return if digits.len() == 1 && !neg {
            Some(0)
        } else {
            None
        };
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Splits an inline command line into arguments as Redis's `sdssplitargs` does: whitespace
/// separated, with "double quotes" (supporting \n \r \t \b \a \\ \" and \xHH escapes) and 'single
/// quotes' (supporting \'). A closing quote must be followed by whitespace or the end. Returns
/// `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Bytes>> {
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && line[i + 2].is_ascii_hexdigit()
                    && line[i + 3].is_ascii_hexdigit()
                {
                    cur.push(hex_val(line[i + 2]) * 16 + hex_val(line[i + 3]));
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
            } else if in_sq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        i += 1;
                        break;
                    }
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        args.push(Bytes::from(cur));
    }
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Bytes>>, ProtocolError> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        let limits = ParseLimits::default();
        loop {
            match parse_command(&mut buf, &limits)? {
                Parsed::Command(args, _) => out.push(args),
                Parsed::Incomplete { .. } => return Ok(out),
            }
        }
    }

    /// Feeds the input in the given chunk sizes, parsing after each chunk as a connection does.
    fn parse_chunked(input: &[u8], chunks: &[usize]) -> Result<Vec<Vec<Bytes>>, ProtocolError> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let limits = ParseLimits::default();
        let mut pos = 0;
        let mut chunk_iter = chunks.iter().cycle();
        while pos < input.len() {
            let step = (*chunk_iter.next().unwrap_or(&1)).max(1);
            let end = (pos + step).min(input.len());
            buf.extend_from_slice(&input[pos..end]);
            pos = end;
            while let Parsed::Command(args, _) = parse_command(&mut buf, &limits)? {
                out.push(args);
            }
        }
        Ok(out)
    }

    fn strs(v: &[&str]) -> Vec<Bytes> {
        v.iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    #[test]
    fn multibulk_and_pipelining() {
        let cmds = parse_all(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n").unwrap();
        assert_eq!(
            cmds,
            vec![
                strs(&["PING"]),
                vec![Bytes::from("ECHO"), Bytes::from(&b"a\0b"[..])]
            ]
        );
    }

    #[test]
    fn inline_commands_with_quotes() {
        let cmds = parse_all(b"set k \"a b\\x41\\n\" 'it\\'s'\r\nPING\n\r\n").unwrap();
        assert_eq!(cmds[0], strs(&["set", "k", "a bA\n", "it's"]));
        assert_eq!(cmds[1], strs(&["PING"]));
        assert!(cmds[2].is_empty());
    }

    #[test]
    fn protocol_errors_match_redis() {
        assert_eq!(
            parse_all(b"set \"k\r\n"),
            Err(ProtocolError::UnbalancedQuotes)
        );
        assert_eq!(
            parse_all(b"*1\r\n+foo\r\n"),
            Err(ProtocolError::ExpectedDollar('+'))
        );
        assert_eq!(
            parse_all(b"*x\r\n"),
            Err(ProtocolError::InvalidMultibulkLength)
        );
        assert_eq!(
            parse_all(b"*2147483648\r\n"),
            Err(ProtocolError::InvalidMultibulkLength)
        );
        assert_eq!(
            parse_all(b"*1\r\n$-1\r\n"),
            Err(ProtocolError::InvalidBulkLength)
        );
        assert_eq!(
            parse_all(b"*1\r\n$536870913\r\n"),
            Err(ProtocolError::InvalidBulkLength)
        );
        let long_inline = vec![b'a'; INLINE_MAX_SIZE + 1];
        assert_eq!(parse_all(&long_inline), Err(ProtocolError::InlineTooBig));
        let mut long_count = b"*".to_vec();
        long_count.extend(vec![b'1'; INLINE_MAX_SIZE + 1]);
        assert_eq!(parse_all(&long_count), Err(ProtocolError::MbulkCountTooBig));
        assert_eq!(
            ProtocolError::ExpectedDollar('+').to_string(),
            "expected '$', got '+'"
        );
    }

    #[test]
    fn unauthenticated_limits() {
        let limits = ParseLimits {
            unauthenticated: true,
            ..ParseLimits::default()
        };
        let mut buf = BytesMut::from(&b"*11\r\n"[..]);
        assert_eq!(
            parse_command(&mut buf, &limits),
            Err(ProtocolError::UnauthenticatedMultibulkLength)
        );
        let mut buf = BytesMut::from(&b"*1\r\n$16385\r\n"[..]);
        assert_eq!(
            parse_command(&mut buf, &limits),
            Err(ProtocolError::UnauthenticatedBulkLength)
        );
        let mut buf = BytesMut::from(&b"*1\r\n$4\r\nPING\r\n"[..]);
        assert!(matches!(
            parse_command(&mut buf, &limits),
            Ok(Parsed::Command(_, _))
        ));
    }

    #[test]
    fn empty_multibulk_is_skipped() {
        assert_eq!(
            parse_all(b"*0\r\n*-1\r\n").unwrap(),
            vec![Vec::<Bytes>::new(), Vec::new()]
        );
    }

    #[test]
    fn incomplete_bulk_gives_size_hint() {
        let mut buf = BytesMut::from(&b"*1\r\n$10\r\nabc"[..]);
        assert_eq!(
            parse_command(&mut buf, &ParseLimits::default()).unwrap(),
            Parsed::Incomplete { hint: 4 + 5 + 12 }
        );
    }

    #[test]
    fn integers_parse_like_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_i64(b""), None);
    }

    fn arb_command() -> impl Strategy<Value = Vec<Vec<u8>>> {
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..6)
    }

    fn encode(cmds: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let mut out = Vec::new();
        for cmd in cmds {
            out.extend_from_slice(format!("*{}\r\n", cmd.len()).as_bytes());
            for arg in cmd {
                out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
                out.extend_from_slice(arg);
                out.extend_from_slice(b"\r\n");
            }
        }
        out
    }

    proptest! {
        #[test]
        fn any_split_parses_the_same(
            cmds in prop::collection::vec(arb_command(), 1..8),
            chunks in prop::collection::vec(1usize..20, 1..10),
        ) {
            let input = encode(&cmds);
            let whole = parse_all(&input).unwrap();
            let split = parse_chunked(&input, &chunks).unwrap();
            let expected: Vec<Vec<Bytes>> = cmds
                .iter()
                .map(|c| c.iter().map(|a| Bytes::copy_from_slice(a)).collect())
                .collect();
            prop_assert_eq!(&whole, &expected);
            prop_assert_eq!(split, expected);
        }

        #[test]
        fn garbage_never_panics(input in prop::collection::vec(any::<u8>(), 0..200),
                                chunks in prop::collection::vec(1usize..20, 1..10)) {
            let whole = parse_all(&input);
            let split = parse_chunked(&input, &chunks);
            // The outcome may be commands or an error, but never a panic, and chunking never
            // turns an error into success.
            if whole.is_err() {
                prop_assert!(split.is_err());
            }
        }
    }
}
