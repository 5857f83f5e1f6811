//! Reply encoding for RESP2 and RESP3 in one place.
//!
//! Commands describe their reply with these methods and never write protocol bytes themselves;
//! the encoder picks the RESP2 fallback (maps as flat arrays, doubles as bulk strings, ...)
//! exactly as Redis's `addReply*` family does.

use bytes::{BufMut, Bytes, BytesMut};

/// The protocol a client negotiated with HELLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

impl Protocol {
    /// The number HELLO and CLIENT LIST report.
    pub fn version(self) -> i64 {
        match self {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        }
    }
}

/// An output buffer that knows which protocol to speak.
#[derive(Debug, Default)]
pub struct ReplyBuf {
    buf: BytesMut,
    proto: Protocol,
}

impl ReplyBuf {
    /// An empty buffer speaking `proto`.
    pub fn new(proto: Protocol) -> Self {
        ReplyBuf {
            buf: BytesMut::with_capacity(4096),
            proto,
        }
    }

    /// The protocol replies are encoded in.
    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// Switches protocol (HELLO); later replies use the new one.
    pub fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
    }

    /// Bytes encoded so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes everything encoded so far, leaving the buffer empty.
    pub fn take(&mut self) -> Bytes {
        self.buf.split().freeze()
    }

    /// Drops encoded bytes past `len` (used by CLIENT REPLY OFF/SKIP).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Appends already-encoded protocol bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn header(&mut self, prefix: u8, n: i64) {
        let mut itoa = itoa::Buffer::new();
        self.buf.reserve(24);
        self.buf.put_u8(prefix);
        self.buf.extend_from_slice(itoa.format(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.raw(b"+OK\r\n");
    }

    /// A simple string (`+text`); `text` must not contain CR or LF.
    pub fn simple(&mut self, text: &str) {
        self.buf.reserve(text.len() + 3);
        self.buf.put_u8(b'+');
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error reply. `text` is the full message including its code (`ERR ...`,
    /// `WRONGTYPE ...`); newlines are replaced by spaces as Redis does.
    pub fn error(&mut self, text: &str) {
        self.buf.reserve(text.len() + 3);
        self.buf.put_u8(b'-');
        for &b in text.as_bytes() {
            self.buf
                .put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer.
    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    /// A bulk string.
    pub fn bulk(&mut self, data: &[u8]) {
        self.header(b'$', data.len() as i64);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding an integer's decimal form.
    pub fn bulk_int(&mut self, n: i64) {
        let mut itoa = itoa::Buffer::new();
        let s = itoa.format(n);
        self.bulk(s.as_bytes());
    }

    /// The null bulk string (`$-1` / `_`).
    pub fn null(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.raw(b"$-1\r\n"),
            Protocol::Resp3 => self.raw(b"_\r\n"),
        }
    }

    /// The null array (`*-1` / `_`).
    pub fn null_array(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.raw(b"*-1\r\n"),
            Protocol::Resp3 => self.raw(b"_\r\n"),
        }
    }

    /// Header of an array of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// Header of a map of `n` key/value pairs (RESP2: an array of 2n elements).
    pub fn map(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', 2 * n as i64),
            Protocol::Resp3 => self.header(b'%', n as i64),
        }
    }

    /// Header of a set of `n` elements (RESP2: an array).
    pub fn set(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n as i64),
            Protocol::Resp3 => self.header(b'~', n as i64),
        }
    }

    /// Header of an out-of-band push of `n` elements (RESP2: an array).
    pub fn push(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n as i64),
            Protocol::Resp3 => self.header(b'>', n as i64),
        }
    }

    /// A boolean (RESP2: the integer 1 or 0).
    pub fn boolean(&mut self, b: bool) {
        match self.proto {
            Protocol::Resp2 => self.int(i64::from(b)),
            Protocol::Resp3 => self.raw(if b { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    /// A double (RESP2: a bulk string), formatted as Redis formats doubles.
    pub fn double(&mut self, d: f64) {
        let text = format_double(d);
        match self.proto {
            Protocol::Resp2 => self.bulk(text.as_bytes()),
            Protocol::Resp3 => {
                self.buf.put_u8(b',');
                self.buf.extend_from_slice(text.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A verbatim string with a three-letter format such as `txt` (RESP2: a bulk string).
    pub fn verbatim(&mut self, format: &str, text: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header(b'=', (text.len() + 4) as i64);
                self.buf.extend_from_slice(format.as_bytes());
                self.buf.put_u8(b':');
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<T: AsRef<[u8]>>(&mut self, items: &[T]) {
        self.array(items.len());
        for item in items {
            self.bulk(item.as_ref());
        }
    }
}

/// Formats a double as Redis does in replies: `inf`/`-inf`, integers without a fractional part
/// when exactly representable, otherwise the shortest representation that round-trips (Redis 7
/// uses `%.17g`; the shortest round-trip form is what its `fpconv_dtoa` produces since 7.2).
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if d == d.trunc() && d.abs() < 1e17 {
        // Integral values print without ".0", as %.17g does.
        return format!("{}", d as i64);
    }
    let s = format!("{d}");
    // Rust prints very small/large numbers without exponent; Redis uses %g-style exponents.
    if s.len() > 21 {
        let e = format!("{d:e}");
        return e.replace("e", "e+").replace("e+-", "e-");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_fallbacks() {
        let mut r = ReplyBuf::new(Protocol::Resp2);
        r.map(1);
        r.null();
        r.boolean(true);
        r.double(1.5);
        r.set(0);
        r.push(2);
        r.verbatim("txt", b"hi");
        assert_eq!(
            &r.take()[..],
            b"*2\r\n$-1\r\n:1\r\n$3\r\n1.5\r\n*0\r\n*2\r\n$2\r\nhi\r\n"
        );
    }

    #[test]
    fn resp3_types() {
        let mut r = ReplyBuf::new(Protocol::Resp3);
        r.map(1);
        r.null();
        r.boolean(false);
        r.double(f64::INFINITY);
        r.set(0);
        r.push(2);
        r.verbatim("txt", b"hi");
        assert_eq!(
            &r.take()[..],
            b"%1\r\n_\r\n#f\r\n,inf\r\n~0\r\n>2\r\n=6\r\ntxt:hi\r\n"
        );
    }

    #[test]
    fn errors_have_newlines_replaced() {
        let mut r = ReplyBuf::new(Protocol::Resp2);
        r.error("ERR a\r\nb");
        assert_eq!(&r.take()[..], b"-ERR a  b\r\n");
    }

    #[test]
    fn doubles_format_like_redis() {
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(-0.25), "-0.25");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
    }
}
