//! Client connections: connect (checking the target is on loopback), send commands, read frames.

use super::error::{BenchError, IoContext, Result};
use super::resp::{encode_command, parse, Frame, Value};
use bytes::{Buf, BytesMut};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};

/// Read buffer growth step.
const READ_CHUNK: usize = 64 * 1024;

/// Where to connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// Resolved address.
    pub addr: SocketAddr,
    /// Speak RESP3 (send `HELLO 3` first).
    pub resp3: bool,
}

impl Target {
    /// Resolves `host:port`; refuses addresses outside loopback unless `allow_remote`.
    pub async fn resolve(host: &str, port: u16, allow_remote: bool, resp3: bool) -> Result<Self> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .ctx(|| format!("resolving {host}:{port}"))?
            .collect();
        let Some(addr) = addrs.first().copied() else {
            return Err(BenchError::Config(format!("{host} resolves to no address")));
        };
        if !allow_remote {
            if let Some(bad) = addrs.iter().find(|a| !a.ip().is_loopback()) {
                return Err(BenchError::Config(format!(
                    "{host} resolves to {}, which is not a loopback address; \
                     pass --allow-remote to load a remote server",
                    bad.ip()
                )));
            }
        }
        Ok(Target { addr, resp3 })
    }

    /// The same target with another protocol version.
    pub fn with_resp3(&self, resp3: bool) -> Self {
        Target {
            addr: self.addr,
            resp3,
        }
    }
}

/// Reading half: a socket and its buffer of unparsed bytes.
pub struct Reader {
    rd: OwnedReadHalf,
    buf: BytesMut,
    what: String,
}

/// Writing half: a socket and a buffer of encoded commands.
pub struct Writer {
    wr: OwnedWriteHalf,
    /// Encoded commands not yet written.
    pub buf: Vec<u8>,
    what: String,
}

/// A connection to the server.
pub struct Conn {
    pub reader: Reader,
    pub writer: Writer,
}

impl Conn {
    /// Connects, and says `HELLO 3` when the target speaks RESP3. `what` names the connection in
    /// error messages.
    pub async fn connect(target: &Target, what: &str) -> Result<Conn> {
        let stream = TcpStream::connect(target.addr)
            .await
            .map_err(|e| connect_error(e, target, what))?;
        Conn::setup(stream, target, what).await
    }

    /// Connects with a receive buffer of `rcvbuf` bytes (for a subscriber that stops reading).
    pub async fn connect_small_rcvbuf(target: &Target, what: &str, rcvbuf: u32) -> Result<Conn> {
        let sock = if target.addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .ctx(|| format!("{what}: creating a socket"))?;
        sock.set_recv_buffer_size(rcvbuf)
            .ctx(|| format!("{what}: setting SO_RCVBUF"))?;
        let stream = sock
            .connect(target.addr)
            .await
            .map_err(|e| connect_error(e, target, what))?;
        Conn::setup(stream, target, what).await
    }

    async fn setup(stream: TcpStream, target: &Target, what: &str) -> Result<Conn> {
        stream
            .set_nodelay(true)
            .ctx(|| format!("{what}: setting TCP_NODELAY"))?;
        let (rd, wr) = stream.into_split();
        let mut conn = Conn {
            reader: Reader {
                rd,
                buf: BytesMut::with_capacity(READ_CHUNK),
                what: what.to_string(),
            },
            writer: Writer {
                wr,
                buf: Vec::with_capacity(4096),
                what: what.to_string(),
            },
        };
        if target.resp3 {
            let reply = conn.command(&["HELLO", "3"]).await?;
            if !matches!(reply, Value::Map(_) | Value::Array(_)) {
                return Err(BenchError::Unexpected {
                    command: "HELLO 3".into(),
                    reply: reply.to_string(),
                });
            }
        }
        Ok(conn)
    }

    /// Sends one command and reads its reply, skipping pushes; error replies become errors.
    pub async fn command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Value> {
        self.writer.queue(args);
        self.writer.flush().await?;
        loop {
            let v = self.reader.read_value().await?;
            match v {
                Value::Push(_) => continue,
                Value::Error(e) => {
                    return Err(BenchError::Server {
                        command: command_name(args),
                        message: String::from_utf8_lossy(&e).into_owned(),
                    })
                }
                v => return Ok(v),
            }
        }
    }

    /// Sends one command and returns the integer it answers.
    pub async fn command_int<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<i64> {
        match self.command(args).await? {
            Value::Integer(i) => Ok(i),
            other => Err(BenchError::Unexpected {
                command: command_name(args),
                reply: other.to_string(),
            }),
        }
    }

    /// Sends one command and returns the string it answers.
    pub async fn command_text<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<String> {
        let v = self.command(args).await?;
        v.text().ok_or_else(|| BenchError::Unexpected {
            command: command_name(args),
            reply: v.to_string(),
        })
    }

    /// Splits into halves that can be used from different tasks.
    pub fn split(self) -> (Reader, Writer) {
        (self.reader, self.writer)
    }
}

fn connect_error(e: std::io::Error, target: &Target, what: &str) -> BenchError {
    let hint = if e.raw_os_error() == Some(24) {
        " (too many open files: raise the limit with `ulimit -n 65536`)"
    } else {
        ""
    };
    BenchError::Io {
        context: format!("{what}: connecting to {}{hint}", target.addr),
        source: e,
    }
}

/// The command's name (its first argument) for error messages.
pub fn command_name<A: AsRef<[u8]>>(args: &[A]) -> String {
    args.first()
        .map(|a| String::from_utf8_lossy(a.as_ref()).to_uppercase())
        .unwrap_or_default()
}

impl Writer {
    /// Appends an encoded command to the write buffer.
    pub fn queue<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        encode_command(&mut self.buf, args);
    }

    /// Writes the whole buffer out.
    pub async fn flush(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let what = &self.what;
        self.wr
            .write_all(&self.buf)
            .await
            .ctx(|| format!("{what}: writing to the server"))?;
        self.buf.clear();
        Ok(())
    }
}

impl Reader {
    /// Reads more bytes into the buffer: `Ok(false)` at end of stream.
    pub async fn fill(&mut self) -> Result<bool> {
        if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
            self.buf.reserve(READ_CHUNK);
        }
        let what = &self.what;
        let n = self
            .rd
            .read_buf(&mut self.buf)
            .await
            .ctx(|| format!("{what}: reading from the server"))?;
        Ok(n > 0)
    }

    /// Reads one frame as an owned value; the end of stream is an error.
    pub async fn read_value(&mut self) -> Result<Value> {
        loop {
            if let Some((frame, used)) = parse(&self.buf)? {
                let v = frame.to_value();
                self.buf.advance(used);
                return Ok(v);
            }
            if !self.fill().await? {
                return Err(BenchError::Closed(self.what.clone()));
            }
        }
    }

    /// Hands every complete frame in the buffer to `f`, reading from the socket first when the
    /// buffer holds none. Returns the number of frames handled; the end of stream is an error.
    /// Cancel-safe: no bytes are lost when the future is dropped.
    pub async fn read_batch<F>(&mut self, mut f: F) -> Result<usize>
    where
        F: FnMut(Frame<'_>) -> Result<()>,
    {
        loop {
            let mut pos = 0;
            let mut n = 0;
            while let Some((frame, used)) = parse(&self.buf[pos..])? {
                pos += used;
                n += 1;
                f(frame)?;
            }
            self.buf.advance(pos);
            if n > 0 {
                return Ok(n);
            }
            if !self.fill().await? {
                return Err(BenchError::Closed(self.what.clone()));
            }
        }
    }

    /// Bytes buffered but not yet parsed.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Drops all buffered bytes.
    pub fn discard(&mut self) {
        self.buf.clear();
    }
}

/// Reads an `INFO` field (e.g. `used_memory`) as an integer.
pub async fn info_field(conn: &mut Conn, section: &str, field: &str) -> Result<Option<u64>> {
    let text = conn.command_text(&["INFO", section]).await?;
    Ok(parse_info_field(&text, field))
}

/// Finds `field:value` in INFO text.
pub fn parse_info_field(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if k == field {
            v.trim().parse().ok()
        } else {
            None
        }
    })
}

/// Server name and version from `INFO server`: "herald X (redis Y)", "valkey X" or "redis X".
pub async fn server_identity(conn: &mut Conn) -> Result<String> {
    let text = conn.command_text(&["INFO", "server"]).await?;
    let get = |k: &str| {
        text.lines().find_map(|l| {
            let (a, b) = l.split_once(':')?;
            (a == k).then(|| b.trim().to_string())
        })
    };
    Ok(if let Some(h) = get("herald_version") {
        format!("herald {h}")
    } else if let Some(v) = get("valkey_version") {
        format!("valkey {v}")
    } else {
        format!(
            "redis {}",
            get("redis_version").unwrap_or_else(|| "?".into())
        )
    })
}

/// Resident set size of a local process in bytes, from `/proc/<pid>/status`.
pub fn rss_bytes(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).ctx(|| format!("reading {path}"))?;
    text.lines()
        .find_map(|l| {
            let rest = l.strip_prefix("VmRSS:")?;
            let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
            Some(kb * 1024)
        })
        .ok_or_else(|| BenchError::Other(format!("no VmRSS line in {path}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields() {
        let t = "# Memory\r\nused_memory:1234\r\nused_memory_human:1.2K\r\n";
        assert_eq!(parse_info_field(t, "used_memory"), Some(1234));
        assert_eq!(parse_info_field(t, "used_memory_peak"), None);
    }
}
