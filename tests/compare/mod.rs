//! The harness for byte-for-byte comparison of Herald against a real `redis-server`, shared by
//! `compare_redis.rs` and `compare_datatypes.rs` (each declares `mod compare;`).
//!
//! Every `#[test]` in those files is one scenario: a list of steps for one or more named connections
//! (send a command or raw bytes, read N replies, expect EOF, expect silence). The scenario runs
//! once against a freshly spawned `redis-server` and once against a fresh in-process Herald, each
//! run records a transcript of the raw reply bytes, and the two transcripts must be identical.
//!
//! No client library is used: commands are encoded by hand and replies are read with a small
//! RESP2/RESP3 reader that returns the exact bytes of one complete value, so the comparison is on
//! the wire bytes.
//!
//! Only three kinds of deviation from exact bytes exist, all explicit at the step that needs them:
//!
//! * a [`Norm`] normalizer for values that legitimately differ between two servers (client ids,
//!   the `version` field of HELLO, TIME, and the element order of replies Redis builds by walking
//!   a hash table);
//! * [`Scenario::diff`], an expected difference between Redis 7.0 (the Debian `redis-server` the
//!   test runs) and Redis 7.4 (what Herald follows). Such a step states the 7.0 bytes, the 7.4
//!   bytes and the reason; the spawned Redis must produce the former (or the latter, if it is 7.2
//!   or newer) and Herald the latter.
//!
//! Set `COMPARE_VERBOSE=1` to print every transcript, also for passing scenarios.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// The reference server. `scripts/test.sh` installs it. `HERALD_REDIS_SERVER` may point
/// elsewhere; a missing binary is a test failure, never a skip.
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
/// How long to wait for one reply (or for EOF) before recording a failure.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a connection must stay silent for a `quiet` step.
pub const QUIET_WINDOW: Duration = Duration::from_millis(150);
/// How long to wait for a spawned redis-server to accept connections.
pub const REDIS_START_TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/// Which server a transcript was recorded from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Redis,
    Herald,
}

impl Target {
    fn label(self) -> &'static str {
        match self {
            Target::Redis => "redis ",
            Target::Herald => "herald",
        }
    }
}

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// An in-process Herald, shut down on drop.
pub struct HeraldGuard {
    server: Option<herald::Server>,
    port: u16,
}

impl HeraldGuard {
    fn start() -> HeraldGuard {
        let mut config = herald::Config {
            port: 0,
            bind: vec!["127.0.0.1".into()],
            ..Default::default()
        };
        // No snapshot from the working directory: a fresh, empty one.
        let dir = std::env::temp_dir().join(format!("herald-compare-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        config.rdb.dir = dir.to_string_lossy().into_owned();
        let server = runtime()
            .block_on(herald::Server::start(config))
            .expect("start herald");
        let port = server.port();
        HeraldGuard {
            server: Some(server),
            port,
        }
    }
}

impl Drop for HeraldGuard {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = runtime().block_on(async {
                tokio::time::timeout(Duration::from_secs(5), server.shutdown()).await
            });
        }
    }
}

/// A spawned redis-server, killed on drop.
pub struct RedisGuard {
    child: Child,
    port: u16,
}

impl RedisGuard {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for RedisGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// The version of the reference redis-server, e.g. "7.0.15".
pub fn redis_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let out = Command::new(require_redis())
            .arg("--version")
            .output()
            .expect("run redis-server --version");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split_whitespace()
            .find_map(|w| w.strip_prefix("v="))
            .unwrap_or("unknown")
            .to_string()
    })
}

/// Whether the reference server predates 7.2 and so shows the 7.0 side of [`Scenario::diff`].
pub fn redis_is_70() -> bool {
    redis_version().starts_with("7.0.")
}

pub fn redis_server() -> String {
    std::env::var("HERALD_REDIS_SERVER").unwrap_or_else(|_| REDIS_SERVER.to_string())
}

pub fn require_redis() -> String {
    let path = redis_server();
    if !Path::new(&path).exists() {
        panic!(
            "{path} is missing: the Redis comparison tests need a real redis-server. \
             Run scripts/test.sh, which installs it (Debian package redis-server)."
        );
    }
    path
}

pub fn start_redis() -> RedisGuard {
    start_redis_with(&[])
}

/// Starts redis-server with extra arguments (e.g. `--dir`), after the defaults.
pub fn start_redis_with(extra: &[&str]) -> RedisGuard {
    let path = require_redis();
    // Run it in an empty directory, so it loads no dump.rdb lying in the working directory.
    let cwd = std::env::temp_dir().join(format!("herald-compare-redis-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&cwd);
    let mut last_err = String::new();
    for _attempt in 0..3 {
        let port = free_port();
        let child = Command::new(&path)
            .current_dir(&cwd)
            .args(["--save", "", "--appendonly", "no", "--port"])
            .arg(port.to_string())
            .args(["--bind", "127.0.0.1"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {path}: {e}"));
        let mut guard = RedisGuard { child, port };
        let deadline = Instant::now() + REDIS_START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = guard.child.try_wait() {
                last_err = format!("redis-server on port {port} exited with {status}");
                break;
            }
            if redis_ping(port) {
                return guard;
            }
            if Instant::now() > deadline {
                last_err = format!("redis-server on port {port} did not answer PING in time");
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(guard);
    }
    panic!("could not start {path}: {last_err}");
}

pub fn redis_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

// ---------------------------------------------------------------------------------------------
// RESP reading
// ---------------------------------------------------------------------------------------------

pub fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| from + i)
}

pub fn parse_len(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad length {:?}", escape(line)))
}

/// If a complete RESP2/RESP3 value starts at `pos`, returns the offset just past it; `None` if
/// more bytes are needed.
pub fn value_end(buf: &[u8], pos: usize) -> Result<Option<usize>, String> {
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    let Some(line_end) = find_crlf(buf, pos + 1) else {
        if buf.len() - pos > 1 << 20 {
            return Err("header line longer than 1 MiB".into());
        }
        return Ok(None);
    };
    let line = &buf[pos + 1..line_end];
    let next = line_end + 2;
    match kind {
        // Simple string, error, integer, null, double, boolean, big number.
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Ok(Some(next)),
        // Bulk string, bulk error, verbatim string.
        b'$' | b'!' | b'=' => {
            let n = parse_len(line)?;
            if n == -1 && kind == b'$' {
                return Ok(Some(next));
            }
            let n = usize::try_from(n).map_err(|_| format!("negative length {n}"))?;
            let end = next + n + 2;
            if buf.len() < end {
                return Ok(None);
            }
            if &buf[end - 2..end] != b"\r\n" {
                return Err("bulk payload not followed by CRLF".into());
            }
            Ok(Some(end))
        }
        // Array, set, push, map, attribute.
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = parse_len(line)?;
            if n == -1 && kind == b'*' {
                return Ok(Some(next));
            }
            let n = usize::try_from(n).map_err(|_| format!("negative count {n}"))?;
            let count = if kind == b'%' || kind == b'|' {
                2 * n
            } else {
                n
            };
            let mut p = next;
            for _ in 0..count {
                match value_end(buf, p)? {
                    Some(e) => p = e,
                    None => return Ok(None),
                }
            }
            if kind == b'|' {
                // An attribute is a prefix of the value it describes.
                return value_end(buf, p);
            }
            Ok(Some(p))
        }
        other => Err(format!("unknown RESP type byte {:?}", other as char)),
    }
}

/// The header line and the spans of the direct children of an aggregate value.
pub fn elements(v: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    if !matches!(v.first(), Some(b'*' | b'~' | b'>' | b'%')) {
        return None;
    }
    let line_end = find_crlf(v, 1)?;
    let n: usize = std::str::from_utf8(&v[1..line_end]).ok()?.parse().ok()?;
    let count = if v[0] == b'%' { 2 * n } else { n };
    let mut p = line_end + 2;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let e = value_end(v, p).ok()??;
        out.push(&v[p..e]);
        p = e;
    }
    (p == v.len()).then_some((&v[..line_end + 2], out))
}

// ---------------------------------------------------------------------------------------------
// Normalizers
// ---------------------------------------------------------------------------------------------

/// How a recorded reply is normalized before comparison. Keep these minimal: everything not
/// named here is compared byte for byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// Exact bytes.
    Exact,
    /// HELLO reply: the `version` value and the `id` integer are replaced; the rest is exact.
    Hello,
    /// TIME: checks the shape (array of two decimal bulk strings, seconds close to now,
    /// microseconds < 1e6) and replaces the values.
    Time,
    /// An integer whose value differs by design (CLIENT ID): checked to be an integer.
    AnyInt,
    /// An aggregate whose element order comes from a hash table walk (PUBSUB CHANNELS): the
    /// elements are sorted.
    SortElements,
    /// A map, or a flat array of field/value pairs, whose pair order comes from a hash table walk
    /// (HGETALL of a hashtable-encoded hash): the pairs are sorted, each kept together.
    SortPairs,
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn is_decimal(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Returns the normalized form, or `None` for [`Norm::Exact`].
pub fn normalize(norm: Norm, raw: &[u8]) -> Option<Vec<u8>> {
    match norm {
        Norm::Exact => None,
        Norm::Hello => {
            let mut out = raw.to_vec();
            let key = b"$7\r\nversion\r\n";
            if let Some(i) = find(&out, key) {
                let start = i + key.len();
                if out.get(start) == Some(&b'$') {
                    if let Ok(Some(end)) = value_end(&out, start) {
                        out.splice(start..end, b"<version>\r\n".iter().copied());
                    }
                }
            }
            let key = b"$2\r\nid\r\n";
            if let Some(i) = find(&out, key) {
                let start = i + key.len();
                if out.get(start) == Some(&b':') {
                    if let Ok(Some(end)) = value_end(&out, start) {
                        if is_decimal(&out[start + 1..end - 2]) {
                            out.splice(start..end, b"<id>\r\n".iter().copied());
                        }
                    }
                }
            }
            Some(out)
        }
        Norm::Time => {
            let ok = (|| {
                let (header, items) = elements(raw)?;
                if header != b"*2\r\n" || items.len() != 2 {
                    return None;
                }
                let mut nums = Vec::new();
                for it in items {
                    let (h, rest) = it.split_at(find_crlf(it, 0)? + 2);
                    let digits = rest.strip_suffix(b"\r\n")?;
                    if !is_decimal(digits) || h != format!("${}\r\n", digits.len()).as_bytes() {
                        return None;
                    }
                    nums.push(std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?);
                }
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()?
                    .as_secs();
                (nums[0].abs_diff(now) < 60 && nums[1] < 1_000_000).then_some(())
            })()
            .is_some();
            Some(if ok {
                b"*2\r\n<unix seconds>\r\n<microseconds>\r\n".to_vec()
            } else {
                raw.to_vec()
            })
        }
        Norm::AnyInt => {
            let ok = raw.first() == Some(&b':')
                && raw.ends_with(b"\r\n")
                && is_decimal(
                    raw[1..raw.len() - 2]
                        .strip_prefix(b"-")
                        .unwrap_or(&raw[1..raw.len() - 2]),
                );
            Some(if ok {
                b":<int>\r\n".to_vec()
            } else {
                raw.to_vec()
            })
        }
        Norm::SortElements => Some(match elements(raw) {
            Some((header, mut items)) if raw[0] != b'%' => {
                items.sort();
                let mut out = header.to_vec();
                items.iter().for_each(|i| out.extend_from_slice(i));
                out
            }
            _ => raw.to_vec(),
        }),
        Norm::SortPairs => Some(match elements(raw) {
            Some((header, items)) if items.len() % 2 == 0 && matches!(raw[0], b'*' | b'%') => {
                let mut pairs: Vec<&[&[u8]]> = items.chunks(2).collect();
                pairs.sort();
                let mut out = header.to_vec();
                pairs.concat().iter().for_each(|i| out.extend_from_slice(i));
                out
            }
            _ => raw.to_vec(),
        }),
    }
}

/// Normalizes N push frames whose order comes from a hash table walk (UNSUBSCRIBE with no
/// arguments, several patterns matching one message): the frames are sorted with their trailing
/// count replaced, and the counts are kept in arrival order, so "which channels" and "how the
/// count went down" are both still compared exactly.
pub fn normalize_unordered(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut counts = Vec::new();
    let mut sorted: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| match elements(f) {
            Some((header, items)) if items.last().is_some_and(|l| l.first() == Some(&b':')) => {
                counts.push(
                    String::from_utf8_lossy(items[items.len() - 1])
                        .trim()
                        .to_string(),
                );
                let mut out = header.to_vec();
                items[..items.len() - 1]
                    .iter()
                    .for_each(|i| out.extend_from_slice(i));
                out.extend_from_slice(b":<count>\r\n");
                out
            }
            _ => f.clone(),
        })
        .collect();
    sorted.sort();
    let mut out = sorted.concat();
    out.extend_from_slice(format!("<counts in order: {}>", counts.join(" ")).as_bytes());
    out
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub enum Step {
    /// Write bytes (one write call).
    Send {
        conn: &'static str,
        bytes: Vec<u8>,
        desc: String,
    },
    /// Read `n` complete values, each normalized with `norm`.
    Read {
        conn: &'static str,
        n: usize,
        norm: Norm,
    },
    /// Read `n` values whose relative order is not defined (see [`normalize_unordered`]).
    ReadUnordered { conn: &'static str, n: usize },
    /// Nothing may arrive for [`QUIET_WINDOW`].
    Quiet { conn: &'static str },
    /// The server must close the connection (after everything read so far).
    Eof { conn: &'static str },
    /// Sleep briefly (to split a request across TCP segments).
    Pause(Duration),
    /// Waits (on a side connection, outside the transcript) until the server reports this many
    /// blocked clients: a sync point for blocking scenarios that does not depend on timing.
    AwaitBlocked(usize),
    /// An expected difference between Redis 7.0 and 7.4 (see [`Scenario::diff`]).
    Diff {
        conn: &'static str,
        reason: &'static str,
        redis70: Vec<&'static [u8]>,
        redis74: Vec<&'static [u8]>,
    },
}

pub struct Scenario {
    name: &'static str,
    steps: Vec<Step>,
}

/// Encodes a command as a RESP multibulk.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

pub fn describe_args(args: &[&[u8]]) -> String {
    args.iter()
        .map(|a| {
            if a.len() > 40 {
                format!("<{} bytes: {}...>", a.len(), escape(&a[..16]))
            } else if !a.is_empty() && a.iter().all(|c| c.is_ascii_graphic()) {
                escape(a)
            } else {
                format!("\"{}\"", escape(a))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Scenario {
    pub fn new(name: &'static str) -> Scenario {
        Scenario {
            name,
            steps: Vec::new(),
        }
    }

    /// Sends a command (binary-safe arguments) without reading.
    pub fn send_b(&mut self, conn: &'static str, args: &[&[u8]]) -> &mut Self {
        self.steps.push(Step::Send {
            conn,
            bytes: encode(args),
            desc: describe_args(args),
        });
        self
    }

    /// Sends a command without reading.
    pub fn send(&mut self, conn: &'static str, args: &[&str]) -> &mut Self {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send_b(conn, &args)
    }

    /// Sends a command and reads one reply.
    pub fn cmd(&mut self, conn: &'static str, args: &[&str]) -> &mut Self {
        self.send(conn, args).read(conn, 1)
    }

    /// Sends a command (binary-safe arguments) and reads one reply.
    pub fn cmd_b(&mut self, conn: &'static str, args: &[&[u8]]) -> &mut Self {
        self.send_b(conn, args).read(conn, 1)
    }

    /// Sends a command and reads one reply, normalized.
    pub fn cmd_norm(&mut self, conn: &'static str, args: &[&str], norm: Norm) -> &mut Self {
        self.send(conn, args).read_norm(conn, 1, norm)
    }

    /// Sends each command in turn, reading one reply to each.
    pub fn cmds(&mut self, conn: &'static str, commands: &[&[&str]]) -> &mut Self {
        for args in commands {
            self.cmd(conn, args);
        }
        self
    }

    /// Sends a command and reads one reply whose element order Redis leaves unspecified (a
    /// set's members): compared with the elements sorted ([`Norm::SortElements`]).
    pub fn cmd_sorted(&mut self, conn: &'static str, args: &[&str]) -> &mut Self {
        self.cmd_norm(conn, args, Norm::SortElements)
    }

    /// Writes raw bytes in one write call.
    pub fn raw(&mut self, conn: &'static str, bytes: &[u8]) -> &mut Self {
        let desc = if bytes.len() > 120 {
            format!("raw <{} bytes: {}...>", bytes.len(), escape(&bytes[..40]))
        } else {
            format!("raw \"{}\"", escape(bytes))
        };
        self.steps.push(Step::Send {
            conn,
            bytes: bytes.to_vec(),
            desc,
        });
        self
    }

    /// Reads `n` replies or push frames.
    pub fn read(&mut self, conn: &'static str, n: usize) -> &mut Self {
        self.read_norm(conn, n, Norm::Exact)
    }

    pub fn read_norm(&mut self, conn: &'static str, n: usize, norm: Norm) -> &mut Self {
        self.steps.push(Step::Read { conn, n, norm });
        self
    }

    /// Reads `n` push frames that Redis emits in hash-table order.
    pub fn read_unordered(&mut self, conn: &'static str, n: usize) -> &mut Self {
        self.steps.push(Step::ReadUnordered { conn, n });
        self
    }

    pub fn quiet(&mut self, conn: &'static str) -> &mut Self {
        self.steps.push(Step::Quiet { conn });
        self
    }

    pub fn eof(&mut self, conn: &'static str) -> &mut Self {
        self.steps.push(Step::Eof { conn });
        self
    }

    pub fn pause(&mut self, ms: u64) -> &mut Self {
        self.steps.push(Step::Pause(Duration::from_millis(ms)));
        self
    }

    /// Waits until INFO clients shows `n` blocked clients (up to 10 s; a scenario that never
    /// gets there then shows the difference in its next reads).
    pub fn await_blocked(&mut self, n: usize) -> &mut Self {
        self.steps.push(Step::AwaitBlocked(n));
        self
    }

    /// An expected Redis 7.0 vs 7.4 difference: reads as many values as the server's side lists
    /// (none = the connection must stay quiet) and checks them against the literal bytes. Redis
    /// 7.0.x must produce `redis70`, Herald (and a Redis >= 7.2) must produce `redis74`.
    pub fn diff(
        &mut self,
        conn: &'static str,
        reason: &'static str,
        redis70: &[&'static [u8]],
        redis74: &[&'static [u8]],
    ) -> &mut Self {
        self.steps.push(Step::Diff {
            conn,
            reason,
            redis70: redis70.to_vec(),
            redis74: redis74.to_vec(),
        });
        self
    }

    /// Runs against both servers and asserts identical transcripts.
    pub fn check(&self) {
        let redis = start_redis();
        let redis_tr = self.run(Target::Redis, redis.port);
        drop(redis);
        let herald = HeraldGuard::start();
        let herald_tr = self.run(Target::Herald, herald.port);
        drop(herald);
        if let Err(report) = compare(self, &redis_tr, &herald_tr) {
            panic!("{report}");
        }
        if std::env::var_os("COMPARE_VERBOSE").is_some() {
            eprintln!(
                "scenario `{}`: OK\n{}",
                self.name,
                render(Target::Herald, &herald_tr)
            );
        }
    }

    pub fn run(&self, target: Target, port: u16) -> Vec<Entry> {
        let mut conns: Vec<(&'static str, Conn)> = Vec::new();
        let mut out = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let conn_name = match step {
                Step::Send { conn, .. }
                | Step::Read { conn, .. }
                | Step::ReadUnordered { conn, .. }
                | Step::Quiet { conn }
                | Step::Eof { conn }
                | Step::Diff { conn, .. } => Some(*conn),
                Step::Pause(_) | Step::AwaitBlocked(_) => None,
            };
            let conn = match conn_name {
                Some(name) => {
                    if !conns.iter().any(|(n, _)| *n == name) {
                        match Conn::connect(port) {
                            Ok(c) => conns.push((name, c)),
                            Err(e) => {
                                out.push(Entry::new(i, name, Event::Fail(format!("connect: {e}"))));
                                break;
                            }
                        }
                    }
                    conns.iter_mut().find(|(n, _)| *n == name).map(|(_, c)| c)
                }
                None => None,
            };
            let name = conn_name.unwrap_or("-");
            let event = match (step, conn) {
                (Step::Pause(d), _) => {
                    std::thread::sleep(*d);
                    continue;
                }
                (Step::AwaitBlocked(n), _) => {
                    wait_for_blocked(port, *n);
                    continue;
                }
                (Step::Send { bytes, desc, .. }, Some(c)) => {
                    // A failed write is not recorded: the reads that follow show what happened.
                    let _ = c.stream.write_all(bytes);
                    Event::Sent(desc.clone())
                }
                (Step::Read { n, norm, .. }, Some(c)) => {
                    let mut failed = None;
                    for _ in 0..*n {
                        match c.read_value() {
                            Ok(raw) => {
                                let norm = normalize(*norm, &raw);
                                out.push(Entry::new(i, name, Event::Reply { raw, norm }));
                            }
                            Err(e) => {
                                failed = Some(e);
                                break;
                            }
                        }
                    }
                    match failed {
                        Some(e) => Event::Fail(e),
                        None => continue,
                    }
                }
                (Step::ReadUnordered { n, .. }, Some(c)) => {
                    let frames: Result<Vec<Vec<u8>>, String> =
                        (0..*n).map(|_| c.read_value()).collect();
                    match frames {
                        Ok(frames) => Event::Reply {
                            norm: Some(normalize_unordered(&frames)),
                            raw: frames.concat(),
                        },
                        Err(e) => Event::Fail(e),
                    }
                }
                (Step::Quiet { .. }, Some(c)) => match c.quiet() {
                    Ok(()) => Event::Quiet,
                    Err(e) => Event::Fail(e),
                },
                (Step::Eof { .. }, Some(c)) => match c.eof() {
                    Ok(()) => Event::Eof,
                    Err(e) => Event::Fail(e),
                },
                (
                    Step::Diff {
                        redis70, redis74, ..
                    },
                    Some(c),
                ) => {
                    let expected = if target == Target::Redis && redis_is_70() {
                        redis70
                    } else {
                        redis74
                    };
                    if expected.is_empty() {
                        match c.quiet() {
                            Ok(()) => Event::DiffReply(Vec::new()),
                            Err(e) => Event::Fail(e),
                        }
                    } else {
                        let frames: Result<Vec<Vec<u8>>, String> =
                            expected.iter().map(|_| c.read_value()).collect();
                        match frames {
                            Ok(f) => Event::DiffReply(f.concat()),
                            Err(e) => Event::Fail(e),
                        }
                    }
                }
                (_, None) => unreachable!("every step but Pause names a connection"),
            };
            let failed = matches!(event, Event::Fail(_));
            out.push(Entry::new(i, name, event));
            if failed {
                break;
            }
        }
        out
    }
}

pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn connect(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Reads into the buffer until `deadline`. Ok(0) = EOF.
    fn fill(&mut self, deadline: Instant) -> Result<usize, ReadErr> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ReadErr::Timeout);
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|e| ReadErr::Io(e.to_string()))?;
            let mut tmp = [0u8; 16384];
            match self.stream.read(&mut tmp) {
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(ReadErr::Timeout)
                }
                // A reset after the server closed is an EOF as far as the client can tell.
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(0),
                Err(e) => return Err(ReadErr::Io(e.to_string())),
            }
        }
    }

    /// Reads exactly one complete RESP value and returns its raw bytes.
    fn read_value(&mut self) -> Result<Vec<u8>, String> {
        let deadline = Instant::now() + READ_TIMEOUT;
        loop {
            match value_end(&self.buf, 0) {
                Ok(Some(end)) => return Ok(self.buf.drain(..end).collect()),
                Ok(None) => {}
                Err(e) => return Err(format!("malformed reply ({e}): {}", show(&self.buf))),
            }
            match self.fill(deadline) {
                Ok(0) => {
                    return Err(format!(
                        "connection closed while waiting for a reply (buffered: {})",
                        show(&self.buf)
                    ))
                }
                Ok(_) => {}
                Err(ReadErr::Timeout) => {
                    return Err(format!(
                        "no complete reply within {READ_TIMEOUT:?} (buffered: {})",
                        show(&self.buf)
                    ))
                }
                Err(ReadErr::Io(e)) => return Err(format!("read error: {e}")),
            }
        }
    }

    fn quiet(&mut self) -> Result<(), String> {
        if self.buf.is_empty() {
            match self.fill(Instant::now() + QUIET_WINDOW) {
                Err(ReadErr::Timeout) => return Ok(()),
                Ok(0) => return Err("expected silence, got EOF".into()),
                Ok(_) => {}
                Err(ReadErr::Io(e)) => return Err(format!("read error: {e}")),
            }
        }
        Err(format!("expected silence, got {}", show(&self.buf)))
    }

    fn eof(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READ_TIMEOUT;
        loop {
            if !self.buf.is_empty() {
                return Err(format!("expected EOF, got {}", show(&self.buf)));
            }
            match self.fill(deadline) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(ReadErr::Timeout) => {
                    return Err(format!(
                        "expected EOF, connection still open after {READ_TIMEOUT:?}"
                    ))
                }
                Err(ReadErr::Io(e)) => return Err(format!("read error: {e}")),
            }
        }
    }
}

pub enum ReadErr {
    Timeout,
    Io(String),
}

// ---------------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Sent(String),
    /// A reply; `norm` is what is compared when a normalizer applied.
    Reply {
        raw: Vec<u8>,
        norm: Option<Vec<u8>>,
    },
    /// The bytes read by a [`Step::Diff`] step (empty: the connection stayed quiet).
    DiffReply(Vec<u8>),
    Quiet,
    Eof,
    Fail(String),
}

#[derive(Clone, Debug)]
pub struct Entry {
    step: usize,
    conn: &'static str,
    event: Event,
}

impl Entry {
    fn new(step: usize, conn: &'static str, event: Event) -> Entry {
        Entry { step, conn, event }
    }

    /// The bytes compared for this entry.
    fn key(&self) -> Event {
        match &self.event {
            Event::Reply { raw, norm } => Event::Reply {
                raw: norm.clone().unwrap_or_else(|| raw.clone()),
                norm: None,
            },
            e => e.clone(),
        }
    }
}

pub fn escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &c in b {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s
}

/// Escaped bytes in quotes, shortened if very long.
pub fn show(b: &[u8]) -> String {
    if b.len() > 600 {
        format!(
            "\"{}\"...({} bytes)...\"{}\"",
            escape(&b[..400]),
            b.len(),
            escape(&b[b.len() - 100..])
        )
    } else {
        format!("\"{}\"", escape(b))
    }
}

pub fn render_entry(e: &Entry) -> String {
    let body = match &e.event {
        Event::Sent(d) => format!("{}> {d}", e.conn),
        Event::Reply { raw, norm: None } => format!("{}< {}", e.conn, show(raw)),
        Event::Reply { raw, norm: Some(n) } => format!(
            "{}< {}\n          normalized: {}",
            e.conn,
            show(raw),
            show(n)
        ),
        Event::DiffReply(b) if b.is_empty() => format!("{}< (silence) [7.0/7.4 diff step]", e.conn),
        Event::DiffReply(b) => format!("{}< {} [7.0/7.4 diff step]", e.conn, show(b)),
        Event::Quiet => format!("{}< (silence)", e.conn),
        Event::Eof => format!("{}< EOF", e.conn),
        Event::Fail(m) => format!("{}! FAILED: {m}", e.conn),
    };
    format!("  #{:<3} {body}", e.step)
}

pub fn render(target: Target, tr: &[Entry]) -> String {
    let mut s = format!(" --- {} transcript ---\n", target.label().trim());
    for e in tr {
        s.push_str(&render_entry(e));
        s.push('\n');
    }
    s
}

/// Compares the transcripts; on mismatch returns a report with both transcripts.
pub fn compare(sc: &Scenario, redis: &[Entry], herald: &[Entry]) -> Result<(), String> {
    let mut problems = Vec::new();
    for tr in [(Target::Redis, redis), (Target::Herald, herald)] {
        for e in tr.1 {
            if let Event::Fail(m) = &e.event {
                problems.push(format!("{} failed at step #{}: {m}", tr.0.label(), e.step));
            }
        }
    }
    // The expected-difference steps, checked against their literal bytes.
    for (target, tr) in [(Target::Redis, redis), (Target::Herald, herald)] {
        for e in tr {
            if let Event::DiffReply(got) = &e.event {
                let Step::Diff {
                    reason,
                    redis70,
                    redis74,
                    ..
                } = &sc.steps[e.step]
                else {
                    unreachable!()
                };
                let (side, want) = if target == Target::Redis && redis_is_70() {
                    ("Redis 7.0", redis70.concat())
                } else {
                    ("Redis 7.4", redis74.concat())
                };
                if *got != want {
                    problems.push(format!(
                        "{} at step #{} (expected 7.0/7.4 difference: {reason}): expected the {side} bytes {}, got {}",
                        target.label(),
                        e.step,
                        if want.is_empty() { "(silence)".to_string() } else { show(&want) },
                        if got.is_empty() { "(silence)".to_string() } else { show(got) },
                    ));
                }
            }
        }
    }
    let n = redis.len().max(herald.len());
    for i in 0..n {
        match (redis.get(i), herald.get(i)) {
            (Some(r), Some(h)) => {
                let same = match (&r.event, &h.event) {
                    (Event::DiffReply(_), Event::DiffReply(_)) => r.step == h.step,
                    _ => r.step == h.step && r.conn == h.conn && r.key() == h.key(),
                };
                if !same {
                    problems.push(format!(
                        "first difference at transcript entry {i}:\n  redis : {}\n  herald: {}",
                        render_entry(r).trim(),
                        render_entry(h).trim()
                    ));
                    break;
                }
            }
            (r, h) => {
                problems.push(format!(
                    "transcripts differ in length at entry {i}: redis has {}, herald has {}",
                    r.map_or("nothing".into(), |e| render_entry(e).trim().to_string()),
                    h.map_or("nothing".into(), |e| render_entry(e).trim().to_string()),
                ));
                break;
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "scenario `{}` (reference redis-server {}): MISMATCH\n{}\n\n{}\n{}",
        sc.name,
        redis_version(),
        problems.join("\n"),
        render(Target::Redis, redis),
        render(Target::Herald, herald)
    ))
}

/// Polls INFO clients on a fresh connection until `blocked_clients` is `n` (at most 10 s).
fn wait_for_blocked(port: u16, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let Ok(mut c) = Conn::connect(port) else {
        return;
    };
    let want = format!("blocked_clients:{n}\r\n");
    while std::time::Instant::now() < deadline {
        if c.stream.write_all(&encode(&[b"INFO", b"clients"])).is_err() {
            return;
        }
        match c.read_value() {
            Ok(raw) if String::from_utf8_lossy(&raw).contains(&want) => return,
            Ok(_) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => return,
        }
    }
}
