//! A minimal RESP2/RESP3 encoder and incremental reader.
//!
//! Written for the benchmark alone (it shares nothing with Herald's server protocol code), so
//! that the same client measures every server. [`parse`] reads one frame from the front of a
//! buffer, borrowing from it; it returns `Ok(None)` when the buffer holds only part of a frame.

use super::error::{BenchError, Result};
use std::fmt;

/// Deepest nesting accepted (the benchmark never sees more than 2 levels).
const MAX_DEPTH: usize = 32;
/// Largest element count preallocated for an aggregate (more are still accepted, just grown).
const MAX_PREALLOC: usize = 1024;

/// One RESP frame, borrowing its strings from the read buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame<'a> {
    /// `+OK`
    Simple(&'a [u8]),
    /// `-ERR ...` or a RESP3 blob error `!`.
    Error(&'a [u8]),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`, RESP3 verbatim strings `=` (with their `txt:` prefix), doubles `,` and big
    /// numbers `(` (as their text).
    Bulk(&'a [u8]),
    /// `$-1`, `*-1` or RESP3 `_`.
    Null,
    /// `#t` / `#f`
    Bool(bool),
    /// `*N` and RESP3 sets `~N`.
    Array(Vec<Frame<'a>>),
    /// RESP3 maps `%N`, flattened to key, value, key, value...
    Map(Vec<Frame<'a>>),
    /// RESP3 out-of-band pushes `>N`.
    Push(Vec<Frame<'a>>),
}

impl Frame<'_> {
    /// The elements of an array or push (the two shapes a Pub/Sub message can take).
    pub fn items(&self) -> Option<&[Frame<'_>]> {
        match self {
            Frame::Array(v) | Frame::Push(v) => Some(v),
            _ => None,
        }
    }

    /// The bytes of a simple or bulk string.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Frame::Simple(b) | Frame::Bulk(b) => Some(b),
            _ => None,
        }
    }

    /// Converts to an owned [`Value`].
    pub fn to_value(&self) -> Value {
        match self {
            Frame::Simple(b) => Value::Simple(b.to_vec()),
            Frame::Error(b) => Value::Error(b.to_vec()),
            Frame::Integer(i) => Value::Integer(*i),
            Frame::Bulk(b) => Value::Bulk(b.to_vec()),
            Frame::Null => Value::Null,
            Frame::Bool(b) => Value::Bool(*b),
            Frame::Array(v) => Value::Array(v.iter().map(Frame::to_value).collect()),
            Frame::Map(v) => Value::Map(v.iter().map(Frame::to_value).collect()),
            Frame::Push(v) => Value::Push(v.iter().map(Frame::to_value).collect()),
        }
    }
}

/// An owned RESP value, for command replies outside the hot path.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Integer(i64),
    Bulk(Vec<u8>),
    Null,
    Bool(bool),
    Array(Vec<Value>),
    Map(Vec<Value>),
    Push(Vec<Value>),
}

impl Value {
    /// The bytes of a simple or bulk string.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Simple(b) | Value::Bulk(b) => Some(b),
            _ => None,
        }
    }

    /// The elements of an array, set or push.
    pub fn items(&self) -> Option<&[Value]> {
        match self {
            Value::Array(v) | Value::Push(v) => Some(v),
            _ => None,
        }
    }

    /// The text of a simple or bulk string, lossily decoded.
    pub fn text(&self) -> Option<String> {
        self.bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, open: &str, v: &[Value]) -> fmt::Result {
            f.write_str(open)?;
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{x}")?;
            }
            f.write_str("]")
        }
        match self {
            Value::Simple(b) => write!(f, "+{}", String::from_utf8_lossy(b)),
            Value::Error(b) => write!(f, "-{}", String::from_utf8_lossy(b)),
            Value::Integer(i) => write!(f, "(integer) {i}"),
            Value::Bulk(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            Value::Null => f.write_str("(nil)"),
            Value::Bool(b) => write!(f, "({b})"),
            Value::Array(v) => list(f, "[", v),
            Value::Map(v) => list(f, "map[", v),
            Value::Push(v) => list(f, "push[", v),
        }
    }
}

/// Appends a command (an array of bulk strings) to `out`.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    let mut num = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(num.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(num.format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Parses one frame from the front of `buf`: `Ok(Some((frame, bytes used)))`, `Ok(None)` when
/// more bytes are needed, or an error for bytes that are not RESP.
pub fn parse(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>> {
    parse_at(buf, 0, 0)
}

fn proto(msg: impl Into<String>) -> BenchError {
    BenchError::Protocol(msg.into())
}

/// The line starting at `pos` (without its CRLF) and the position after the CRLF.
fn line(buf: &[u8], pos: usize) -> Result<Option<(&[u8], usize)>> {
    let rest = match buf.get(pos..) {
        Some(r) => r,
        None => return Ok(None),
    };
    match memchr::memchr(b'\n', rest) {
        None => {
            if rest.len() > 64 * 1024 {
                return Err(proto("line longer than 64 KiB"));
            }
            Ok(None)
        }
        Some(i) => {
            if i == 0 || rest[i - 1] != b'\r' {
                return Err(proto("line not terminated by CRLF"));
            }
            Ok(Some((&rest[..i - 1], pos + i + 1)))
        }
    }
}

fn int(b: &[u8]) -> Result<i64> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| proto(format!("bad integer {:?}", String::from_utf8_lossy(b))))
}

/// A length or count: -1 means null, anything else below 0 is an error.
fn length(b: &[u8]) -> Result<Option<usize>> {
    let n = int(b)?;
    if n == -1 {
        return Ok(None);
    }
    usize::try_from(n)
        .map(Some)
        .map_err(|_| proto(format!("bad length {n}")))
}

fn parse_at(buf: &[u8], pos: usize, depth: usize) -> Result<Option<(Frame<'_>, usize)>> {
    if depth > MAX_DEPTH {
        return Err(proto("frames nested too deeply"));
    }
    let Some(&tag) = buf.get(pos) else {
        return Ok(None);
    };
    let Some((head, next)) = line(buf, pos + 1)? else {
        return Ok(None);
    };
    match tag {
        b'+' => Ok(Some((Frame::Simple(head), next))),
        b'-' => Ok(Some((Frame::Error(head), next))),
        b':' => Ok(Some((Frame::Integer(int(head)?), next))),
        b',' | b'(' => Ok(Some((Frame::Bulk(head), next))),
        b'_' => Ok(Some((Frame::Null, next))),
        b'#' => match head {
            b"t" => Ok(Some((Frame::Bool(true), next))),
            b"f" => Ok(Some((Frame::Bool(false), next))),
            _ => Err(proto("bad boolean")),
        },
        b'$' | b'=' | b'!' => {
            let Some(len) = length(head)? else {
                return Ok(Some((Frame::Null, next)));
            };
            let end = next
                .checked_add(len)
                .ok_or_else(|| proto("bulk length overflows"))?;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(proto("bulk string not terminated by CRLF"));
            }
            let body = &buf[next..end];
            let frame = if tag == b'!' {
                Frame::Error(body)
            } else {
                Frame::Bulk(body)
            };
            Ok(Some((frame, end + 2)))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let Some(count) = length(head)? else {
                return Ok(Some((Frame::Null, next)));
            };
            let n = if matches!(tag, b'%' | b'|') {
                count
                    .checked_mul(2)
                    .ok_or_else(|| proto("map size overflows"))?
            } else {
                count
            };
            let mut items = Vec::with_capacity(n.min(MAX_PREALLOC));
            let mut at = next;
            for _ in 0..n {
                match parse_at(buf, at, depth + 1)? {
                    Some((f, after)) => {
                        items.push(f);
                        at = after;
                    }
                    None => return Ok(None),
                }
            }
            match tag {
                // An attribute annotates the frame after it: skip to that frame.
                b'|' => parse_at(buf, at, depth + 1),
                b'%' => Ok(Some((Frame::Map(items), at))),
                b'>' => Ok(Some((Frame::Push(items), at))),
                _ => Ok(Some((Frame::Array(items), at))),
            }
        }
        other => Err(proto(format!("unknown type byte {:?}", other as char))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_commands() {
        let mut out = Vec::new();
        encode_command(&mut out, &["PUBLISH", "ch", ""]);
        assert_eq!(out, b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$0\r\n\r\n");
    }

    #[test]
    fn parses_resp2_and_resp3() {
        let cases: Vec<(&[u8], Frame<'_>)> = vec![
            (b"+OK\r\n", Frame::Simple(b"OK")),
            (b"-ERR x\r\n", Frame::Error(b"ERR x")),
            (b":-12\r\n", Frame::Integer(-12)),
            (b"$3\r\nfoo\r\n", Frame::Bulk(b"foo")),
            (b"$-1\r\n", Frame::Null),
            (b"_\r\n", Frame::Null),
            (b"#t\r\n", Frame::Bool(true)),
            (b",1.5\r\n", Frame::Bulk(b"1.5")),
            (b"!3\r\nERR\r\n", Frame::Error(b"ERR")),
            (
                b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\n\r\n\r\n",
                Frame::Array(vec![
                    Frame::Bulk(b"message"),
                    Frame::Bulk(b"c"),
                    Frame::Bulk(b"\r\n"),
                ]),
            ),
            (
                b">2\r\n+a\r\n:1\r\n",
                Frame::Push(vec![Frame::Simple(b"a"), Frame::Integer(1)]),
            ),
            (
                b"%1\r\n+k\r\n+v\r\n",
                Frame::Map(vec![Frame::Simple(b"k"), Frame::Simple(b"v")]),
            ),
            (b"|1\r\n+k\r\n+v\r\n:7\r\n", Frame::Integer(7)),
        ];
        for (bytes, want) in cases {
            let (got, used) = parse(bytes).unwrap().unwrap();
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(bytes));
            assert_eq!(used, bytes.len());
            // Every strict prefix is incomplete, never an error.
            for cut in 0..bytes.len() {
                assert!(parse(&bytes[..cut]).unwrap().is_none(), "prefix {cut}");
            }
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"?x\r\n").is_err());
        assert!(parse(b"$3\r\nfooXY").is_err());
        assert!(parse(b":abc\r\n").is_err());
        assert!(parse(b"*-2\r\n").is_err());
    }
}
