//! Helpers for the data-type tests (keys, strings, lists, hashes, sets, sorted sets, expiry,
//! blocking): terse redis-rs queries written as argument lists, raw commands written as one
//! line of text with their replies as text, expected reply bytes, and keyspace-event readers.

use super::{err_text, start_with, Raw, TestServer, TIMEOUT};
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Redis's WRONGTYPE error text (without the `-` and CRLF of the reply).
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// Starts a server that publishes every keyspace and keyevent notification (`KEA`).
pub async fn start_notifying() -> TestServer {
    start_with(|c| c.notify_keyspace_events = herald::notify::parse_flags("KEA").unwrap()).await
}

/// A redis-rs command from its name and arguments.
pub fn command(args: &[&str]) -> redis::Cmd {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c
}

/// Runs a command that must succeed and converts its reply; panics naming the command if not.
pub async fn q<T: redis::FromRedisValue>(c: &mut MultiplexedConnection, args: &[&str]) -> T {
    command(args)
        .query_async(c)
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Runs a command that must fail and returns the error as the server wrote it (`CODE detail`).
pub async fn q_err(c: &mut MultiplexedConnection, args: &[&str]) -> String {
    let e = command(args)
        .query_async::<redis::Value>(c)
        .await
        .expect_err(&format!("{args:?} should fail"));
    err_text(&e)
}

/// The bulk string reply holding `s`.
pub fn bulk(s: &str) -> String {
    format!("${}\r\n{}\r\n", s.len(), s)
}

/// The array reply of bulk strings `items`.
pub fn arr(items: &[&str]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for i in items {
        out.push_str(&bulk(i));
    }
    out
}

/// The error reply with text `s`.
pub fn err(s: &str) -> String {
    format!("-{s}\r\n")
}

/// Redis's error text for a command called with the wrong number of arguments.
pub fn arity_err(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
}

/// Asserts that each command line gets the arity error reply naming its command `name`.
pub async fn assert_arity_errors(srv: &TestServer, cases: &[(&str, &str)]) {
    let mut r = srv.raw().await;
    for (cmd, name) in cases {
        assert_eq!(r.cmd(cmd).await, err(&arity_err(name)), "{cmd}");
    }
}

/// `v` sorted, for comparing replies whose order is unspecified.
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The server's clock, to compare with absolute expiry times.
pub fn now_ms() -> i64 {
    herald::storage::now_ms()
}

impl TestServer {
    /// A RESP2 connection without a response timeout, for commands that block.
    pub async fn conn_without_timeout(&self) -> MultiplexedConnection {
        let config = super::connection_config().set_response_timeout(None);
        super::within(
            "redis connect",
            self.client()
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await
        .expect("connect")
    }
}

impl Raw {
    /// Sends a command written as one line, its arguments separated by single spaces.
    pub async fn send_line(&mut self, line: &str) {
        let args: Vec<&str> = line.split(' ').collect();
        self.send_cmd(&args).await;
    }

    /// Sends a command written as one line and returns its reply as text.
    pub async fn cmd(&mut self, line: &str) -> String {
        self.send_line(line).await;
        self.read_text().await
    }

    /// Sends a command and returns its reply as text.
    pub async fn call_text<A: AsRef<[u8]>>(&mut self, args: &[A]) -> String {
        let reply = self.call(args).await;
        String::from_utf8_lossy(&reply).into_owned()
    }

    /// Reads the next reply as text.
    pub async fn read_text(&mut self) -> String {
        String::from_utf8_lossy(&self.read_frame().await).into_owned()
    }

    /// The next reply, if it arrives complete within `wait`; panics if the connection closes.
    pub async fn read_within(&mut self, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(n) = super::frame_len(&self.buf, 0) {
                let frame: Vec<u8> = self.buf.drain(..n).collect();
                return Some(String::from_utf8_lossy(&frame).into_owned());
            }
            let mut chunk = vec![0u8; 64 * 1024];
            let n = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk))
                .await
                .ok()?
                .expect("read from server");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Keyspace events from a RESP2 pattern subscription to `__keyevent@<db>__:<event>` channels.
pub struct KeyEvents {
    raw: Raw,
    with_db: bool,
}

impl KeyEvents {
    /// Subscribes to `pattern`; events read as `"<db>:<event> <key>"`.
    pub async fn subscribe(srv: &TestServer, pattern: &str) -> KeyEvents {
        let mut raw = srv.raw().await;
        raw.send_cmd(&["PSUBSCRIBE", pattern]).await;
        raw.read_frame().await;
        KeyEvents { raw, with_db: true }
    }

    /// Subscribes to every event of database 0; events read as `"<event> <key>"`.
    pub async fn db0(srv: &TestServer) -> KeyEvents {
        let mut events = KeyEvents::subscribe(srv, "__keyevent@0__:*").await;
        events.with_db = false;
        events
    }

    /// The next event, if one arrives within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<String> {
        let frame = self.raw.read_within(wait).await?;
        // *4 $8 pmessage $pat pat $chan chan $key key
        let parts: Vec<&str> = frame.split("\r\n").collect();
        let chan = parts[6].trim_start_matches("__keyevent@");
        let (db, event) = chan
            .split_once("__:")
            .unwrap_or_else(|| panic!("not a keyevent: {frame}"));
        Some(if self.with_db {
            format!("{db}:{event} {}", parts[8])
        } else {
            format!("{event} {}", parts[8])
        })
    }

    /// The next `n` events.
    pub async fn next(&mut self, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(self.next_within(TIMEOUT).await.expect("event in time"));
        }
        out
    }

    /// Asserts that no further event (nor any other byte) arrives shortly.
    pub async fn none(&mut self) {
        self.raw.expect_silence(Duration::from_millis(100)).await;
    }
}

/// Runs `commands` (one line each) and asserts they raised exactly the keyspace events `want`
/// of database 0, in order, as `(event, key)`.
pub async fn assert_events(srv: &TestServer, commands: &[&str], want: &[(&str, &str)]) {
    let got = events_of(srv, commands).await;
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

/// Runs `commands` (one line each) and returns the keyspace events of database 0 they raised,
/// in order, as `(event, key)`; a marker published afterwards shows that none is missing.
pub async fn events_of(srv: &TestServer, commands: &[&str]) -> Vec<(String, String)> {
    let mut sub = srv.raw().await;
    assert!(sub
        .cmd("PSUBSCRIBE __keyevent@0__:*")
        .await
        .contains("psubscribe"));
    assert!(sub.cmd("SUBSCRIBE done").await.contains("subscribe"));
    let mut c = srv.raw().await;
    for cmd in commands {
        c.cmd(cmd).await;
    }
    c.cmd("PUBLISH done x").await;
    let mut out = Vec::new();
    loop {
        let frame = sub.read_text().await;
        let parts: Vec<&str> = frame.split("\r\n").collect();
        if parts.get(4) == Some(&"done") {
            return out;
        }
        // *4 pmessage pattern channel key
        let channel = parts[6].trim_start_matches("__keyevent@0__:").to_string();
        out.push((channel, parts[8].to_string()));
    }
}

/// A deterministic pseudo-random sequence (xorshift) for the property-style tests.
pub struct Rng(pub u64);

impl Rng {
    /// The next number of the sequence.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
