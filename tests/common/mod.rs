//! Shared helpers for the integration tests: an in-process Herald on an ephemeral port, typed
//! `redis` clients connected to it, and a raw TCP client that speaks RESP byte for byte.
//!
//! Every wait is bounded by [`TIMEOUT`] so a misbehaving server fails a test instead of hanging
//! the suite.

#![allow(dead_code)]

pub mod kv;

use herald::{Config, Server};
use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for any single wait in a test.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A Herald server running inside the test's tokio runtime.
pub struct TestServer {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// The server itself.
    pub server: Server,
}

/// Starts a server with the default configuration on 127.0.0.1 and an OS-chosen port.
pub async fn start() -> TestServer {
    start_with(|_| {}).await
}

/// A new empty directory for one test server's files, so that no server loads a snapshot or
/// append-only file left in the working directory (or another test's).
pub fn isolated_dir() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("herald-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a test directory");
    dir.to_string_lossy().into_owned()
}

/// Starts a server after letting `edit` adjust the configuration. Its `dir` is a fresh empty
/// directory unless `edit` sets another.
pub async fn start_with(edit: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = Config {
        port: 0,
        bind: vec!["127.0.0.1".into()],
        ..Config::default()
    };
    config.rdb.dir = isolated_dir();
    edit(&mut config);
    let server = Server::start(config).await.expect("server starts");
    let port = server.port();
    assert_ne!(port, 0, "port 0 must be resolved to the bound port");
    TestServer { port, server }
}

fn connection_config() -> AsyncConnectionConfig {
    AsyncConnectionConfig::new()
        .set_connection_timeout(Some(TIMEOUT))
        .set_response_timeout(Some(TIMEOUT))
}

impl TestServer {
    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A `redis` client for this server.
    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url()).expect("valid url")
    }

    /// A RESP2 multiplexed connection.
    pub async fn conn(&self) -> MultiplexedConnection {
        self.try_conn_url(&self.url()).await.expect("connect")
    }

    /// A multiplexed connection to an arbitrary URL (for passwords, RESP3, ...).
    pub async fn try_conn_url(&self, url: &str) -> redis::RedisResult<MultiplexedConnection> {
        let client = redis::Client::open(url)?;
        within(
            "redis connect",
            client.get_multiplexed_async_connection_with_config(&connection_config()),
        )
        .await
    }

    /// A RESP3 multiplexed connection whose pushes (pub/sub messages) arrive on the receiver.
    pub async fn conn_resp3(
        &self,
    ) -> (
        MultiplexedConnection,
        tokio::sync::mpsc::UnboundedReceiver<redis::PushInfo>,
    ) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let client = redis::Client::open(format!("{}?protocol=resp3", self.url())).unwrap();
        let config = connection_config().set_push_sender(tx);
        let conn = within(
            "redis resp3 connect",
            client.get_multiplexed_async_connection_with_config(&config),
        )
        .await
        .expect("connect resp3");
        (conn, rx)
    }

    /// A dedicated RESP2 Pub/Sub connection.
    pub async fn pubsub(&self) -> redis::aio::PubSub {
        within("pubsub connect", self.client().get_async_pubsub())
            .await
            .expect("pubsub connect")
    }

    /// A raw TCP client.
    pub async fn raw(&self) -> Raw {
        Raw::connect(self.port).await
    }

    /// The INFO text (all default sections), fetched over a fresh raw connection that is
    /// closed again before returning.
    pub async fn info(&self) -> String {
        let mut c = self.raw().await;
        let reply = c.call(&["INFO", "everything"]).await;
        bulk_text(&reply)
    }

    /// One INFO field, parsed as an integer.
    pub async fn info_int(&self, field: &str) -> i64 {
        let info = self.info().await;
        info_field(&info, field)
            .unwrap_or_else(|| panic!("INFO has no field {field}:\n{info}"))
            .parse()
            .unwrap_or_else(|_| panic!("INFO field {field} is not an integer"))
    }
}

/// Runs `fut` with the standard timeout, panicking with `what` if it does not finish.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {TIMEOUT:?} waiting for {what}"),
    }
}

/// Polls `check` every 10 ms until it returns true, panicking after [`TIMEOUT`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if check().await {
            return;
        }
        if Instant::now() >= deadline {
            panic!("condition never became true within {TIMEOUT:?}: {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Encodes a command as a RESP multibulk request.
pub fn resp<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Bytes rendered with escapes, for readable assertion failures.
pub fn esc(b: &[u8]) -> String {
    b.escape_ascii().to_string()
}

/// Asserts two byte strings are equal, printing both escaped on failure.
#[track_caller]
pub fn assert_bytes(got: &[u8], want: &[u8]) {
    assert!(
        got == want,
        "bytes differ\n  got:  {}\n  want: {}",
        esc(got),
        esc(want)
    );
}

/// The payload of a bulk (`$`) or verbatim (`=`) string reply as text.
pub fn bulk_text(reply: &[u8]) -> String {
    let nl = reply
        .windows(2)
        .position(|w| w == b"\r\n")
        .expect("reply has a header line");
    let body = &reply[nl + 2..reply.len() - 2];
    let body = if reply[0] == b'=' { &body[4..] } else { body };
    assert!(
        reply[0] == b'$' || reply[0] == b'=',
        "not a bulk reply: {}",
        esc(reply)
    );
    String::from_utf8_lossy(body).into_owned()
}

/// Finds `name:value` in INFO text.
pub fn info_field(info: &str, name: &str) -> Option<String> {
    info.lines().find_map(|l| {
        l.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim_end().to_string())
    })
}

/// Finds `name=value` in a CLIENT LIST / CLIENT INFO line.
pub fn client_field(line: &str, name: &str) -> Option<String> {
    line.split_ascii_whitespace().find_map(|kv| {
        kv.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
            .map(str::to_string)
    })
}

fn line_end(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| from + p)
}

fn header_int(buf: &[u8], start: usize, end: usize) -> i64 {
    std::str::from_utf8(&buf[start + 1..end])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad RESP header: {}", esc(&buf[start..end])))
}

/// Length of the complete RESP2/RESP3 frame at `buf[from..]`, or `None` if incomplete.
pub fn frame_len(buf: &[u8], from: usize) -> Option<usize> {
    let kind = *buf.get(from)?;
    let end = line_end(buf, from)?;
    let after = end + 2;
    match kind {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => Some(after - from),
        b'$' | b'=' | b'!' => {
            let n = header_int(buf, from, end);
            if n < 0 {
                return Some(after - from);
            }
            let total = after + n as usize + 2;
            (buf.len() >= total).then_some(total - from)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = header_int(buf, from, end);
            let items = if kind == b'%' || kind == b'|' {
                n * 2
            } else {
                n
            };
            let mut pos = after;
            for _ in 0..items.max(0) {
                pos += frame_len(buf, pos)?;
            }
            Some(pos - from)
        }
        other => panic!(
            "unexpected RESP type byte {:?} in {}",
            other as char,
            esc(&buf[from..])
        ),
    }
}

/// A raw TCP client: writes bytes, reads and checks reply bytes, detects EOF.
pub struct Raw {
    /// The socket.
    pub stream: TcpStream,
    buf: Vec<u8>,
    eof: bool,
}

impl Raw {
    /// Connects to 127.0.0.1:`port`.
    pub async fn connect(port: u16) -> Raw {
        let stream = within("tcp connect", TcpStream::connect(("127.0.0.1", port)))
            .await
            .expect("tcp connect");
        stream.set_nodelay(true).unwrap();
        Raw::from_stream(stream)
    }

    /// Wraps an already connected socket.
    pub fn from_stream(stream: TcpStream) -> Raw {
        Raw {
            stream,
            buf: Vec::new(),
            eof: false,
        }
    }

    /// This client's local address as the server sees it (`ip:port`).
    pub fn local_addr(&self) -> String {
        self.stream.local_addr().unwrap().to_string()
    }

    /// Writes bytes as they are.
    pub async fn send(&mut self, data: &[u8]) {
        within("write", self.stream.write_all(data))
            .await
            .expect("write to server");
    }

    /// Sends one command as a multibulk request.
    pub async fn send_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send(&resp(args)).await;
    }

    /// Sends a command and returns its raw reply frame.
    pub async fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send_cmd(args).await;
        self.read_frame().await
    }

    /// Reads more bytes into the buffer; returns false at EOF (or a reset connection).
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let mut chunk = vec![0u8; 64 * 1024];
        match within("server bytes", self.stream.read(&mut chunk)).await {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Reads one complete RESP frame.
    pub async fn read_frame(&mut self) -> Vec<u8> {
        loop {
            if let Some(n) = frame_len(&self.buf, 0) {
                return self.buf.drain(..n).collect();
            }
            if !self.fill().await {
                panic!(
                    "connection closed while waiting for a reply; have {}",
                    esc(&self.buf)
                );
            }
        }
    }

    /// Reads `n` complete frames.
    pub async fn read_frames(&mut self, n: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.read_frame().await);
        }
        out
    }

    /// Reads exactly `want.len()` bytes and asserts they equal `want`.
    #[track_caller]
    pub fn expect<'a>(&'a mut self, want: &'a [u8]) -> impl Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            while self.buf.len() < want.len() {
                if !self.fill().await {
                    panic!(
                        "[{caller}] connection closed early\n  got:  {}\n  want: {}",
                        esc(&self.buf),
                        esc(want)
                    );
                }
                if !want.starts_with(&self.buf[..self.buf.len().min(want.len())]) {
                    break;
                }
            }
            let n = want.len().min(self.buf.len());
            let got: Vec<u8> = self.buf.drain(..n).collect();
            assert!(
                got == want,
                "[{caller}] reply bytes differ\n  got:  {}\n  want: {}",
                esc(&got),
                esc(want)
            );
        }
    }

    /// Reads until the server closes the connection; returns what arrived meanwhile.
    pub async fn read_to_eof(&mut self) -> Vec<u8> {
        while self.fill().await {}
        std::mem::take(&mut self.buf)
    }

    /// Reads until EOF or until `wait` passes; returns what arrived meanwhile.
    pub async fn read_to_eof_or(&mut self, wait: Duration) -> Vec<u8> {
        self.closed_within(wait).await;
        std::mem::take(&mut self.buf)
    }

    /// Asserts the server closes the connection with nothing more to say.
    #[track_caller]
    pub fn expect_eof(&mut self) -> impl Future<Output = ()> + '_ {
        let caller = std::panic::Location::caller();
        async move {
            let rest = self.read_to_eof().await;
            assert!(
                rest.is_empty(),
                "[{caller}] expected EOF, got more bytes: {}",
                esc(&rest)
            );
        }
    }

    /// True if the server closed the connection within `wait`.
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        if self.eof {
            return true;
        }
        let mut chunk = vec![0u8; 64 * 1024];
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => {
                    self.eof = true;
                    return true;
                }
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Asserts nothing arrives for `wait` (and the connection stays open).
    #[track_caller]
    pub fn expect_silence(&mut self, wait: Duration) -> impl Future<Output = ()> + '_ {
        let caller = std::panic::Location::caller();
        async move {
            let closed = self.closed_within(wait).await;
            assert!(
                self.buf.is_empty() && !closed,
                "[{caller}] expected silence, got {} (closed: {closed})",
                esc(&self.buf)
            );
        }
    }
}

/// Renders a redis-rs error as the server's text (`CODE detail`).
pub fn err_text(e: &redis::RedisError) -> String {
    match (e.code(), e.detail()) {
        (Some(c), Some(d)) => format!("{c} {d}"),
        (Some(c), None) => c.to_string(),
        _ => e.to_string(),
    }
}

/// Runs a command over a redis-rs connection expecting an error, and returns its text.
pub async fn expect_err(conn: &mut MultiplexedConnection, cmd: &redis::Cmd) -> String {
    let r: redis::RedisResult<redis::Value> = within("command", cmd.query_async(conn)).await;
    match r {
        Err(e) => err_text(&e),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}
