//! Byte-for-byte comparison of Herald against a real `redis-server`.
//!
//! Every `#[test]` here is one scenario: a list of steps for one or more named connections
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
const REDIS_SERVER: &str = "/usr/bin/redis-server";
/// How long to wait for one reply (or for EOF) before recording a failure.
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a connection must stay silent for a `quiet` step.
const QUIET_WINDOW: Duration = Duration::from_millis(150);
/// How long to wait for a spawned redis-server to accept connections.
const REDIS_START_TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/// Which server a transcript was recorded from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
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

fn runtime() -> &'static tokio::runtime::Runtime {
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
struct HeraldGuard {
    server: Option<herald::Server>,
    port: u16,
}

impl HeraldGuard {
    fn start() -> HeraldGuard {
        let config = herald::Config {
            port: 0,
            bind: vec!["127.0.0.1".into()],
            ..Default::default()
        };
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
struct RedisGuard {
    child: Child,
    port: u16,
}

impl Drop for RedisGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// The version of the reference redis-server, e.g. "7.0.15".
fn redis_version() -> &'static str {
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
fn redis_is_70() -> bool {
    redis_version().starts_with("7.0.")
}

fn redis_server() -> String {
    std::env::var("HERALD_REDIS_SERVER").unwrap_or_else(|_| REDIS_SERVER.to_string())
}

fn require_redis() -> String {
    let path = redis_server();
    if !Path::new(&path).exists() {
        panic!(
            "{path} is missing: the Redis comparison tests need a real redis-server. \
             Run scripts/test.sh, which installs it (Debian package redis-server)."
        );
    }
    path
}

fn start_redis() -> RedisGuard {
    let path = require_redis();
    let mut last_err = String::new();
    for _attempt in 0..3 {
        let port = free_port();
        let child = Command::new(&path)
            .args(["--save", "", "--appendonly", "no", "--port"])
            .arg(port.to_string())
            .args(["--bind", "127.0.0.1"])
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

fn redis_ping(port: u16) -> bool {
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

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| from + i)
}

fn parse_len(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad length {:?}", escape(line)))
}

/// If a complete RESP2/RESP3 value starts at `pos`, returns the offset just past it; `None` if
/// more bytes are needed.
fn value_end(buf: &[u8], pos: usize) -> Result<Option<usize>, String> {
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
fn elements(v: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
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
enum Norm {
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
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_decimal(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Returns the normalized form, or `None` for [`Norm::Exact`].
fn normalize(norm: Norm, raw: &[u8]) -> Option<Vec<u8>> {
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
    }
}

/// Normalizes N push frames whose order comes from a hash table walk (UNSUBSCRIBE with no
/// arguments, several patterns matching one message): the frames are sorted with their trailing
/// count replaced, and the counts are kept in arrival order, so "which channels" and "how the
/// count went down" are both still compared exactly.
fn normalize_unordered(frames: &[Vec<u8>]) -> Vec<u8> {
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
enum Step {
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
    /// An expected difference between Redis 7.0 and 7.4 (see [`Scenario::diff`]).
    Diff {
        conn: &'static str,
        reason: &'static str,
        redis70: Vec<&'static [u8]>,
        redis74: Vec<&'static [u8]>,
    },
}

struct Scenario {
    name: &'static str,
    steps: Vec<Step>,
}

/// Encodes a command as a RESP multibulk.
fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn describe_args(args: &[&[u8]]) -> String {
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
    fn new(name: &'static str) -> Scenario {
        Scenario {
            name,
            steps: Vec::new(),
        }
    }

    /// Sends a command (binary-safe arguments) without reading.
    fn send_b(&mut self, conn: &'static str, args: &[&[u8]]) -> &mut Self {
        self.steps.push(Step::Send {
            conn,
            bytes: encode(args),
            desc: describe_args(args),
        });
        self
    }

    /// Sends a command without reading.
    fn send(&mut self, conn: &'static str, args: &[&str]) -> &mut Self {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send_b(conn, &args)
    }

    /// Sends a command and reads one reply.
    fn cmd(&mut self, conn: &'static str, args: &[&str]) -> &mut Self {
        self.send(conn, args).read(conn, 1)
    }

    /// Sends a command (binary-safe arguments) and reads one reply.
    fn cmd_b(&mut self, conn: &'static str, args: &[&[u8]]) -> &mut Self {
        self.send_b(conn, args).read(conn, 1)
    }

    /// Sends a command and reads one reply, normalized.
    fn cmd_norm(&mut self, conn: &'static str, args: &[&str], norm: Norm) -> &mut Self {
        self.send(conn, args).read_norm(conn, 1, norm)
    }

    /// Writes raw bytes in one write call.
    fn raw(&mut self, conn: &'static str, bytes: &[u8]) -> &mut Self {
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
    fn read(&mut self, conn: &'static str, n: usize) -> &mut Self {
        self.read_norm(conn, n, Norm::Exact)
    }

    fn read_norm(&mut self, conn: &'static str, n: usize, norm: Norm) -> &mut Self {
        self.steps.push(Step::Read { conn, n, norm });
        self
    }

    /// Reads `n` push frames that Redis emits in hash-table order.
    fn read_unordered(&mut self, conn: &'static str, n: usize) -> &mut Self {
        self.steps.push(Step::ReadUnordered { conn, n });
        self
    }

    fn quiet(&mut self, conn: &'static str) -> &mut Self {
        self.steps.push(Step::Quiet { conn });
        self
    }

    fn eof(&mut self, conn: &'static str) -> &mut Self {
        self.steps.push(Step::Eof { conn });
        self
    }

    fn pause(&mut self, ms: u64) -> &mut Self {
        self.steps.push(Step::Pause(Duration::from_millis(ms)));
        self
    }

    /// An expected Redis 7.0 vs 7.4 difference: reads as many values as the server's side lists
    /// (none = the connection must stay quiet) and checks them against the literal bytes. Redis
    /// 7.0.x must produce `redis70`, Herald (and a Redis >= 7.2) must produce `redis74`.
    fn diff(
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
    fn check(&self) {
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

    fn run(&self, target: Target, port: u16) -> Vec<Entry> {
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
                Step::Pause(_) => None,
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

struct Conn {
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

enum ReadErr {
    Timeout,
    Io(String),
}

// ---------------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
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
struct Entry {
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

fn escape(b: &[u8]) -> String {
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
fn show(b: &[u8]) -> String {
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

fn render_entry(e: &Entry) -> String {
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

fn render(target: Target, tr: &[Entry]) -> String {
    let mut s = format!(" --- {} transcript ---\n", target.label().trim());
    for e in tr {
        s.push_str(&render_entry(e));
        s.push('\n');
    }
    s
}

/// Compares the transcripts; on mismatch returns a report with both transcripts.
fn compare(sc: &Scenario, redis: &[Entry], herald: &[Entry]) -> Result<(), String> {
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

// =============================================================================================
// The scenarios
// =============================================================================================

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn errors_unknown_command() {
    let long_a = "a".repeat(200);
    let hundred = "b".repeat(100);
    let long_name = "X".repeat(150);
    let mut s = Scenario::new("errors_unknown_command");
    s.cmd("a", &["FOO"])
        .cmd("a", &["foo", "bar"])
        .cmd("a", &["NoSuchCmd", "a", "b", "c", "d"])
        .cmd("a", &["FOO", &long_a])
        .cmd("a", &["FOO", &hundred, &hundred, &hundred])
        .cmd("a", &["FOO", "x", &long_a])
        .cmd("a", &[&long_name, "x"])
        .cmd("a", &[""])
        .cmd("a", &["FOO", ""])
        .cmd_b("a", &[b"FOO", b"line\r\nbreak"])
        .cmd_b("a", &[b"FOO", b"nul\0byte", b"z"])
        // Still usable afterwards.
        .cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_wrong_arity() {
    let mut s = Scenario::new("errors_wrong_arity");
    for args in [
        &["GET"][..],
        &["GET", "a", "b"],
        &["SET", "k"],
        &["DEL"],
        &["EXISTS"],
        &["ECHO"],
        &["ECHO", "a", "b"],
        &["PING", "a", "b"],
        &["SELECT"],
        &["SELECT", "1", "2"],
        &["AUTH"],
        &["DBSIZE", "x"],
        &["TIME", "x"],
        &["RESET", "x"],
        &["PUBLISH", "ch"],
        &["PUBLISH", "ch", "m", "extra"],
        &["SPUBLISH", "ch"],
        &["SUBSCRIBE"],
        &["PSUBSCRIBE"],
        &["SSUBSCRIBE"],
        &["get"],
        &["gEt", "a", "b"],
    ] {
        s.cmd("a", args);
    }
    s.cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_config_set_odd_arguments() {
    let mut s = Scenario::new("errors_config_set_odd_arguments");
    s.cmd("a", &["CONFIG", "SET", "timeout", "0", "maxclients"])
        .cmd("a", &["CONFIG", "SET", "foo", "0", "bar"]);
    s.check();
}

#[test]
fn errors_wrong_arity_subcommands() {
    let mut s = Scenario::new("errors_wrong_arity_subcommands");
    for args in [
        &["CLIENT"][..],
        &["client"],
        &["CLIENT", "ID", "x"],
        &["CLIENT", "GETNAME", "x"],
        &["CLIENT", "SETNAME"],
        &["CLIENT", "SETNAME", "a", "b"],
        &["CLIENT", "REPLY"],
        &["CLIENT", "REPLY", "ON", "x"],
        &["CONFIG"],
        &["CONFIG", "GET"],
        &["CONFIG", "SET"],
        &["CONFIG", "SET", "timeout"],
        &["PUBSUB"],
        &["PUBSUB", "NUMPAT", "x"],
    ] {
        s.cmd("a", args);
    }
    s.cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_unknown_subcommand() {
    let long_sub = "s".repeat(150);
    let mut s = Scenario::new("errors_unknown_subcommand");
    s.cmd("a", &["CLIENT", "FOO"])
        .cmd("a", &["client", "foo", "bar"])
        .cmd("a", &["CONFIG", "FOO"])
        .cmd("a", &["config", "Nope", "x", "y"])
        .cmd("a", &["PUBSUB", "FOO"])
        .cmd("a", &["pubsub", "numsubx"])
        .cmd("a", &["CLIENT", &long_sub])
        .cmd("a", &["CLIENT", ""])
        .cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_select() {
    let mut s = Scenario::new("errors_select");
    for args in [
        &["SELECT", "16"][..],
        &["SELECT", "-1"],
        &["SELECT", "abc"],
        &["SELECT", "1.5"],
        &["SELECT", ""],
        &["SELECT", " 1"],
        &["SELECT", "99999999999999999999"],
        &["SELECT", "15"],
        &["SELECT", "0"],
        &["SELECT", "00"],
    ] {
        s.cmd("a", args);
    }
    s.check();
}

#[test]
fn errors_set_syntax() {
    let mut s = Scenario::new("errors_set_syntax");
    for args in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "EX", "abc"],
        &["SET", "k", "v", "EX", "0"],
        &["SET", "k", "v", "EX", "-5"],
        &["SET", "k", "v", "EX", "1.5"],
        &["SET", "k", "v", "PX", "0"],
        &["SET", "k", "v", "PX", "-1"],
        &["SET", "k", "v", "EX", "10", "PX", "100"],
        &["SET", "k", "v", "EX", "10", "KEEPTTL"],
        &["SET", "k", "v", "FOO"],
        &["SET", "k", "v", "EX", "9223372036854775807"],
        &["SET", "k", "v", "PX", "9223372036854775807"],
        &["SET", "k", "v", "EXAT", "0"],
        &["SET", "k", "v", "PXAT", "-1"],
        &["SET", "k", "v", "NX", "GET"],
        &["SET", "k", "v", "ex", "100"],
        &["SET", "k", "v", "XX"],
        &["SET", "k", "v", "NX"],
        &["SET", "k", "v2", "NX"],
        &["SET", "k", "v3", "GET"],
        &["SET", "k", "v4", "XX", "GET"],
        &["SET", "k", "v5", "KEEPTTL"],
        &["GET", "k"],
    ] {
        s.cmd("a", args);
    }
    s.check();
}

#[test]
fn errors_auth_without_password() {
    let mut s = Scenario::new("errors_auth_without_password");
    s.cmd("a", &["AUTH", "secret"])
        .cmd("a", &["AUTH", "default", "secret"])
        .cmd("a", &["AUTH", "nobody", "secret"])
        .cmd("a", &["AUTH", "a", "b", "c"])
        .cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_hello() {
    let mut s = Scenario::new("errors_hello");
    s.cmd("a", &["HELLO", "4"])
        .cmd("a", &["HELLO", "1"])
        .cmd("a", &["HELLO", "0"])
        .cmd("a", &["HELLO", "-1"])
        .cmd("a", &["HELLO", "abc"])
        .cmd("a", &["HELLO", "3.0"])
        .cmd("a", &["HELLO", "3", "FOO"])
        .cmd("a", &["HELLO", "3", "AUTH", "default"])
        .cmd("a", &["HELLO", "3", "SETNAME"])
        .cmd("a", &["HELLO", "3", "SETNAME", "bad name"])
        .cmd("a", &["HELLO", "3", "AUTH", "nobody", "x"])
        // Nothing above switched the protocol: still RESP2.
        .cmd("a", &["GET", "missing"])
        .cmd("a", &["CLIENT", "GETNAME"]);
    s.check();
}

#[test]
fn errors_config_set_out_of_range() {
    let mut s = Scenario::new("errors_config_set_out_of_range");
    s.cmd("a", &["CONFIG", "SET", "timeout", "-1"])
        .cmd("a", &["CONFIG", "SET", "maxclients", "0"])
        .cmd("a", &["CONFIG", "SET", "timeout", "99999999999"]);
    s.check();
}

#[test]
fn errors_config_set_duplicate_parameter() {
    let mut s = Scenario::new("errors_config_set_duplicate_parameter");
    s.cmd("a", &["CONFIG", "SET", "timeout", "5", "timeout", "6"])
        .cmd("a", &["CONFIG", "SET", "timeout", "5", "TIMEOUT", "6"]);
    s.check();
}

#[test]
fn errors_pubsub_channels_extra_argument() {
    let mut s = Scenario::new("errors_pubsub_channels_extra_argument");
    s.cmd("a", &["PUBSUB", "CHANNELS", "a", "b"])
        .cmd("a", &["pubsub", "shardchannels", "a", "b"]);
    s.check();
}

#[test]
fn errors_config_set() {
    let mut s = Scenario::new("errors_config_set");
    s.cmd("a", &["CONFIG", "SET", "foo", "bar"])
        .cmd("a", &["CONFIG", "SET", "no-such-option", "1"])
        .cmd("a", &["CONFIG", "SET", "timeout", "abc"])
        .cmd("a", &["CONFIG", "SET", "maxclients", "abc"])
        .cmd("a", &["CONFIG", "SET", "timeout", "5", "foo", "6"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["PING"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Basic commands
// ---------------------------------------------------------------------------------------------

#[test]
fn basic_connection_commands() {
    let mut s = Scenario::new("basic_connection_commands");
    s.cmd("a", &["PING"])
        .cmd("a", &["ping", "hello world"])
        .cmd("a", &["PING", ""])
        .cmd("a", &["ECHO", "x"])
        .cmd("a", &["ECHO", ""])
        .cmd_b("a", &[b"ECHO", b"bin\0\r\n\xff"])
        .cmd_norm("a", &["CLIENT", "ID"], Norm::AnyInt)
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["CLIENT", "SETNAME", "conn-a"])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["CLIENT", "SETNAME", "has space"])
        .cmd("a", &["CLIENT", "SETNAME", "new\nline"])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["CLIENT", "SETNAME", ""])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd_norm("a", &["TIME"], Norm::Time)
        .cmd("a", &["QUIT"])
        .eof("a");
    s.check();
}

#[test]
fn basic_keys_and_dbs() {
    let mut s = Scenario::new("basic_keys_and_dbs");
    s.cmd("a", &["DBSIZE"])
        .cmd("a", &["SET", "k1", "v1"])
        .cmd("a", &["SET", "k2", ""])
        .cmd("a", &["GET", "k1"])
        .cmd("a", &["GET", "k2"])
        .cmd("a", &["GET", "nope"])
        .cmd("a", &["EXISTS", "k1", "k2", "nope", "k1"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["DEL", "k1", "nope", "k1"])
        .cmd("a", &["EXISTS", "k1"])
        .cmd("a", &["SELECT", "1"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["GET", "k2"])
        .cmd("a", &["SET", "k3", "v3"])
        .cmd("a", &["FLUSHDB"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["SELECT", "0"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["FLUSHDB", "ASYNC"])
        .cmd("a", &["FLUSHDB", "SYNC"])
        .cmd("a", &["FLUSHDB", "FOO"])
        .cmd("a", &["FLUSHALL", "FOO"])
        .cmd("a", &["FLUSHALL", "ASYNC", "SYNC"])
        .cmd("a", &["SET", "k4", "v4"])
        .cmd("a", &["FLUSHALL"])
        .cmd("a", &["FLUSHALL", "sync"])
        .cmd("a", &["DBSIZE"]);
    s.check();
}

#[test]
fn basic_resp3_replies() {
    let mut s = Scenario::new("basic_resp3_replies");
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .cmd("a", &["GET", "nope"])
        .cmd("a", &["SET", "k", "v"])
        .cmd("a", &["GET", "k"])
        .cmd("a", &["EXISTS", "k"])
        .cmd("a", &["PING"])
        .cmd("a", &["PING", "x"])
        .cmd("a", &["ECHO", "x"])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["SET", "k", "v", "NX"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "GET", "nosuchthing"])
        .cmd_norm("a", &["TIME"], Norm::Time)
        .cmd("a", &["UNKNOWNCMD"])
        .cmd_norm("a", &["HELLO", "2"], Norm::Hello)
        .cmd("a", &["GET", "nope"]);
    s.check();
}

#[test]
fn hello_replies() {
    let mut s = Scenario::new("hello_replies");
    s.cmd_norm("a", &["HELLO"], Norm::Hello)
        .cmd_norm("a", &["HELLO", "2"], Norm::Hello)
        .cmd_norm("a", &["HELLO", "3", "SETNAME", "via-hello"], Norm::Hello)
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd_norm("a", &["HELLO"], Norm::Hello)
        .cmd_norm(
            "a",
            &["hello", "3", "auth", "default", "anything"],
            Norm::Hello,
        )
        .cmd_norm(
            "a",
            &["HELLO", "2", "AUTH", "default", "x", "SETNAME", "n2"],
            Norm::Hello,
        )
        .cmd("a", &["CLIENT", "GETNAME"]);
    s.check();
}

#[test]
fn config_get_set() {
    let mut s = Scenario::new("config_get_set");
    s.cmd("a", &["CONFIG", "SET", "timeout", "120"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["config", "set", "TIMEOUT", "0"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "SET", "maxclients", "100"])
        .cmd("a", &["CONFIG", "GET", "maxclients"])
        .cmd("a", &["CONFIG", "SET", "timeout", "7", "maxclients", "50"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "GET", "maxclients"])
        .cmd(
            "a",
            &[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 1mb 512kb 30",
            ],
        )
        .cmd(
            "a",
            &["CONFIG", "SET", "client-output-buffer-limit", "foo 1 2 3"],
        )
        .cmd(
            "a",
            &["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 2"],
        )
        .cmd("a", &["CONFIG", "GET", "nosuchthing"])
        .cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "GET", "nosuchthing"]);
    s.check();
}

#[test]
fn config_get_echoes_name_case() {
    let mut s = Scenario::new("config_get_echoes_name_case");
    s.cmd("a", &["CONFIG", "GET", "TIMEOUT"])
        .cmd("a", &["CONFIG", "GET", "MaxClients"]);
    s.check();
}

#[test]
fn config_get_client_output_buffer_limit() {
    let mut s = Scenario::new("config_get_client_output_buffer_limit");
    s.cmd("a", &["CONFIG", "GET", "client-output-buffer-limit"])
        .cmd(
            "a",
            &[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 1mb 512kb 30",
            ],
        )
        .cmd("a", &["CONFIG", "GET", "client-output-buffer-limit"]);
    s.check();
}

#[test]
fn config_small_normal_output_limit() {
    let mut s = Scenario::new("config_small_normal_output_limit");
    s.cmd(
        "a",
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 100 50 10",
        ],
    )
    .cmd("a", &["ECHO", &"x".repeat(300)])
    .cmd(
        "a",
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ],
    );
    s.check();
}

#[test]
fn client_reply_modes() {
    let mut s = Scenario::new("client_reply_modes");
    s.cmd("a", &["CLIENT", "REPLY", "FOO"])
        .send("a", &["CLIENT", "REPLY", "OFF"])
        .send("a", &["PING"])
        .send("a", &["GET", "x"])
        .send("a", &["NOSUCHCMD"])
        .quiet("a")
        .cmd("a", &["CLIENT", "REPLY", "ON"])
        .send("a", &["CLIENT", "REPLY", "SKIP"])
        .send("a", &["ECHO", "skipped"])
        .cmd("a", &["ECHO", "shown"])
        .cmd("a", &["client", "reply", "on"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// 7.2 additions (CLIENT SETINFO)
// ---------------------------------------------------------------------------------------------

#[test]
fn client_setinfo() {
    let mut s = Scenario::new("client_setinfo");
    // CLIENT SETINFO was added in Redis 7.2; 7.0 reports an unknown subcommand.
    s.send("a", &["CLIENT", "SETINFO", "LIB-NAME", "herald-test"])
        .diff(
            "a",
            "CLIENT SETINFO added in Redis 7.2",
            &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
            &[b"+OK\r\n"],
        );
    s.send("a", &["CLIENT", "SETINFO", "lib-ver", "1.2.3"])
        .diff(
            "a",
            "CLIENT SETINFO added in Redis 7.2",
            &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
            &[b"+OK\r\n"],
        );
    s.send("a", &["client", "setinfo", "foo", "bar"]).diff(
        "a",
        "CLIENT SETINFO added in Redis 7.2 (unknown attribute)",
        &[b"-ERR unknown subcommand 'setinfo'. Try CLIENT HELP.\r\n"],
        &[b"-ERR Unrecognized option 'foo'\r\n"],
    );
    s.send("a", &["CLIENT", "SETINFO", "lib-name", "has space"])
        .diff(
            "a",
            "CLIENT SETINFO added in Redis 7.2 (invalid value)",
            &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
            &[b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"],
        );
    s.send("a", &["CLIENT", "SETINFO", "lib-name"]).diff(
        "a",
        "CLIENT SETINFO added in Redis 7.2 (arity 4)",
        &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
        &[b"-ERR wrong number of arguments for 'client|setinfo' command\r\n"],
    );
    s.cmd("a", &["PING"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------

#[test]
fn protocol_inline_commands() {
    let mut s = Scenario::new("protocol_inline_commands");
    s.raw("a", b"PING\r\n")
        .read("a", 1)
        .raw("a", b"ping\n")
        .read("a", 1)
        .raw("a", b"ECHO hello\r\n")
        .read("a", 1)
        .raw("a", b"ECHO \"hello world\"\r\n")
        .read("a", 1)
        .raw("a", b"ECHO 'single quoted'\r\n")
        .read("a", 1)
        .raw(
            "a",
            b"ECHO \"esc \\x41\\x7a \\n\\r\\t\\b\\a \\\" \\\\ \\q\"\r\n",
        )
        .read("a", 1)
        .raw("a", b"ECHO 'it\\'s \\n raw'\r\n")
        .read("a", 1)
        .raw("a", b"ECHO \"\"\r\n")
        .read("a", 1)
        .raw("a", b"   SET   k    \"v v\"   \r\n")
        .read("a", 1)
        .raw("a", b"GET k\r\n")
        .read("a", 1)
        .raw("a", b"ECHO a b\r\n")
        .read("a", 1)
        .raw("a", b"NOSUCH 'x y' z\r\n")
        .read("a", 1);
    s.check();
}

#[test]
fn protocol_pipelining_and_empty_requests() {
    let mut s = Scenario::new("protocol_pipelining_and_empty_requests");
    s.raw(
        "a",
        b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nPING inline\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    )
    .read("a", 5)
    // Empty lines, whitespace-only lines, `*0` and negative counts produce no reply.
    .raw("a", b"\r\n\r\n   \r\n\n*0\r\n*-1\r\n*-5\r\nPING\r\n")
    .read("a", 1)
    .raw("a", b"*0\r\n")
    .quiet("a")
    // A command split across writes.
    .raw("a", b"*2\r\n$4\r\nEC")
    .pause(30)
    .raw("a", b"HO\r\n$5\r\nhel")
    .pause(30)
    .raw("a", b"lo\r\n")
    .read("a", 1)
    // Pipelined errors do not stop the pipeline.
    .raw(
        "a",
        b"*1\r\n$3\r\nFOO\r\n*1\r\n$3\r\nGET\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n99\r\n*1\r\n$4\r\nPING\r\n",
    )
    .read("a", 4);
    s.check();
}

#[test]
fn protocol_errors_close_the_connection() {
    let mut s = Scenario::new("protocol_errors_close_the_connection");
    let cases: [(&'static str, &[u8]); 10] = [
        ("c1", b"*abc\r\n"),
        ("c2", b"*1\r\nxyz\r\n"),
        ("c3", b"*1\r\n$abc\r\n"),
        ("c4", b"*1\r\n$-5\r\n"),
        ("c5", b"*1\r\n$536870913\r\n"),
        ("c6", b"*3000000000\r\n"),
        ("c7", b"ECHO \"unbalanced\r\n"),
        ("c8", b"ECHO \"a\"b\r\n"),
        ("c9", b"ECHO 'x\r\n"),
        ("c10", b"*2\r\n$4\r\nECHO\r\n:1\r\n"),
    ];
    for (conn, bytes) in cases {
        s.raw(conn, bytes).read(conn, 1).eof(conn);
    }
    // Replies before the bad request are still delivered.
    s.raw("c11", b"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n")
        .read("c11", 3)
        .eof("c11");
    s.check();
}

#[test]
fn protocol_too_big_inline_request() {
    let mut s = Scenario::new("protocol_too_big_inline_request");
    // 64 KiB + 1 bytes without a newline: exactly what Redis reads before giving up, so no
    // unread bytes remain that would turn the close into a reset.
    let big = vec![b'a'; 64 * 1024 + 1];
    s.raw("a", &big).read("a", 1).eof("a");
    s.check();
}

#[test]
fn protocol_too_big_count_lines() {
    let mut s = Scenario::new("protocol_too_big_count_lines");
    // A multibulk count line and a bulk length line of 64 KiB + 1 bytes without CRLF.
    let mut mbulk = b"*".to_vec();
    mbulk.extend(std::iter::repeat_n(b'1', 64 * 1024));
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend(std::iter::repeat_n(b'1', 64 * 1024));
    s.raw("a", &mbulk).read("a", 1).eof("a");
    s.raw("b", &bulk).read("b", 1).eof("b");
    s.check();
}

#[test]
fn protocol_large_arguments_and_quit() {
    let big = "z".repeat(100_000);
    let mut s = Scenario::new("protocol_large_arguments_and_quit");
    let mut pipeline = encode(&[b"ECHO", big.as_bytes()]);
    pipeline.extend_from_slice(&encode(&[b"SET", b"big", big.as_bytes()]));
    pipeline.extend_from_slice(b"GET big\r\n");
    s.raw("a", &pipeline)
        .read("a", 3)
        .cmd("a", &["EXISTS", "big"])
        // Nothing after QUIT in the same write is executed.
        .raw("a", b"PING\r\nQUIT\r\nPING\r\n")
        .read("a", 2)
        .eof("a")
        .raw("b", b"*1\r\n$4\r\nQUIT\r\n")
        .read("b", 1)
        .eof("b");
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Pub/Sub, RESP2
// ---------------------------------------------------------------------------------------------

#[test]
fn pubsub_resp2_subscribe_publish() {
    let mut s = Scenario::new("pubsub_resp2_subscribe_publish");
    s.send("sub", &["SUBSCRIBE", "ch1", "ch2", "ch3"])
        .read("sub", 3)
        // Duplicate subscription: confirmed again, count unchanged.
        .send("sub", &["SUBSCRIBE", "ch1"])
        .read("sub", 1)
        .send("sub", &["subscribe", "ch2", "ch4", "ch2"])
        .read("sub", 3)
        .cmd("pub", &["PUBLISH", "ch1", "hello"])
        .read("sub", 1)
        .cmd_b("pub", &[b"PUBLISH", b"ch2", b"bin\0\r\n"])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "ch2", ""])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "nobody", "x"])
        .cmd("pub", &["PUBLISH", "CH1", "case matters"])
        .quiet("sub")
        .cmd("pub", &["PUBLISH", "ch4", "last"])
        .read("sub", 1);
    s.check();
}

#[test]
fn pubsub_resp2_patterns() {
    let mut s = Scenario::new("pubsub_resp2_patterns");
    s.send("sub", &["SUBSCRIBE", "news.tech"])
        .read("sub", 1)
        .send("sub", &["PSUBSCRIBE", "news.*"])
        .read("sub", 1)
        .send("sub", &["PSUBSCRIBE", "news.*", "h?llo"])
        .read("sub", 2)
        // A channel matching both a subscription and a pattern: message first, then pmessage.
        .cmd("pub", &["PUBLISH", "news.tech", "both"])
        .read("sub", 2)
        .cmd("pub", &["PUBLISH", "news.sport", "pattern only"])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "hallo", "h?llo"])
        .read("sub", 1)
        .send("sub", &["PSUBSCRIBE", "*.tech"])
        .read("sub", 1)
        // Two patterns match: Redis walks its pattern dict, so the pmessage order is unordered.
        .cmd("pub", &["PUBLISH", "news.tech", "three"])
        .read("sub", 1)
        .read_unordered("sub", 2)
        .send("sub", &["PUNSUBSCRIBE", "news.*"])
        .read("sub", 1)
        .send("sub", &["PUNSUBSCRIBE", "never-subscribed"])
        .read("sub", 1)
        .send("sub", &["PUNSUBSCRIBE"])
        .read_unordered("sub", 2)
        .send("sub", &["PUNSUBSCRIBE"])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "news.sport", "nobody"])
        .send("sub", &["UNSUBSCRIBE"])
        .read("sub", 1)
        // Out of pub/sub mode again.
        .cmd("sub", &["GET", "x"]);
    s.check();
}

#[test]
fn pubsub_resp2_unsubscribe() {
    let mut s = Scenario::new("pubsub_resp2_unsubscribe");
    // Unsubscribing when subscribed to nothing still replies, with a null channel.
    s.send("sub", &["UNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["PUNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["SUNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["UNSUBSCRIBE", "never"])
        .read("sub", 1)
        // Not in pub/sub mode after those.
        .cmd("sub", &["GET", "x"])
        .send("sub", &["SUBSCRIBE", "a", "b", "c"])
        .read("sub", 3)
        .send("sub", &["PSUBSCRIBE", "p*"])
        .read("sub", 1)
        .send("sub", &["UNSUBSCRIBE", "b", "zzz"])
        .read("sub", 2)
        .send("sub", &["UNSUBSCRIBE"])
        .read_unordered("sub", 2)
        // Still subscribed to a pattern: still in pub/sub mode.
        .cmd("sub", &["GET", "x"])
        .send("sub", &["UNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["PUNSUBSCRIBE", "p*"])
        .read("sub", 1)
        .cmd("sub", &["GET", "x"]);
    s.check();
}

#[test]
fn pubsub_resp2_subscribed_mode_commands() {
    let mut s = Scenario::new("pubsub_resp2_subscribed_mode_commands");
    s.send("sub", &["SUBSCRIBE", "ch"])
        .read("sub", 1)
        .cmd("sub", &["PING"])
        .cmd("sub", &["PING", "hi"])
        .cmd("sub", &["ping", ""])
        .cmd("sub", &["GET", "x"])
        .cmd("sub", &["set", "k", "v"])
        .cmd("sub", &["PUBLISH", "ch", "x"])
        .cmd("sub", &["CLIENT", "ID"])
        .cmd("sub", &["client", "setname", "x"])
        .cmd("sub", &["CONFIG", "GET", "timeout"])
        .cmd("sub", &["PUBSUB", "NUMPAT"])
        .cmd("sub", &["HELLO", "3"])
        .cmd("sub", &["ECHO", "x"])
        .cmd("sub", &["SELECT", "1"])
        // Errors that come before the context check.
        .cmd("sub", &["NOSUCHCMD", "x"])
        .cmd("sub", &["GET"])
        .cmd("sub", &["CLIENT", "NOSUCHSUB"])
        .raw("sub", b"PING\r\n")
        .read("sub", 1)
        // Subscribing more is allowed.
        .send("sub", &["PSUBSCRIBE", "x*"])
        .read("sub", 1)
        .send("sub", &["SSUBSCRIBE", "s"])
        .read("sub", 1)
        .cmd("sub", &["QUIT"])
        .eof("sub");
    s.check();
}

#[test]
fn pubsub_reset_while_subscribed() {
    let mut s = Scenario::new("pubsub_reset_while_subscribed");
    s.send("sub", &["SUBSCRIBE", "ch"])
        .read("sub", 1)
        .send("sub", &["PSUBSCRIBE", "c*"])
        .read("sub", 1)
        .send("sub", &["SSUBSCRIBE", "sh"])
        .read("sub", 1)
        .cmd("sub", &["RESET"])
        .cmd("pub", &["PUBLISH", "ch", "after reset"])
        .cmd("pub", &["SPUBLISH", "sh", "after reset"])
        .cmd("pub", &["PUBSUB", "NUMSUB", "ch"])
        .cmd("pub", &["PUBSUB", "NUMPAT"])
        .cmd("pub", &["PUBSUB", "SHARDNUMSUB", "sh"])
        .quiet("sub")
        .cmd("sub", &["GET", "x"])
        // RESET in RESP3 while subscribed: back to RESP2 too.
        .cmd_norm("sub", &["HELLO", "3"], Norm::Hello)
        .cmd("sub", &["CLIENT", "SETNAME", "n"])
        .cmd("sub", &["SELECT", "2"])
        .send("sub", &["SUBSCRIBE", "ch"])
        .read("sub", 1)
        .cmd("sub", &["RESET"])
        .cmd("sub", &["GET", "x"])
        .cmd("sub", &["CLIENT", "GETNAME"])
        .cmd("sub", &["DBSIZE"])
        .cmd("pub", &["PUBLISH", "ch", "after second reset"])
        .quiet("sub");
    s.check();
}

#[test]
fn pubsub_shard_channels() {
    let mut s = Scenario::new("pubsub_shard_channels");
    s.send("sub", &["SSUBSCRIBE", "s1", "s2"])
        .read("sub", 2)
        .send("sub", &["SSUBSCRIBE", "s1"])
        .read("sub", 1)
        // SUBSCRIBE counts do not include shard channels, and vice versa.
        .send("sub", &["SUBSCRIBE", "c1"])
        .read("sub", 1)
        .send("sub", &["SSUBSCRIBE", "s3"])
        .read("sub", 1)
        .cmd("pub", &["SPUBLISH", "s1", "shard hello"])
        .read("sub", 1)
        .cmd("pub", &["SPUBLISH", "nobody", "x"])
        // PUBLISH does not reach shard subscribers, SPUBLISH does not reach plain ones.
        .cmd("pub", &["PUBLISH", "s1", "plain"])
        .cmd("pub", &["SPUBLISH", "c1", "shard"])
        .quiet("sub")
        .cmd("pub", &["PUBSUB", "SHARDNUMSUB", "s1", "s2", "nope"])
        .cmd("pub", &["PUBSUB", "SHARDNUMSUB"])
        .send("sub", &["SUNSUBSCRIBE", "s2", "nope"])
        .read("sub", 2)
        .send("sub", &["UNSUBSCRIBE", "c1"])
        .read("sub", 1)
        // Still shard-subscribed: still in pub/sub mode.
        .cmd("sub", &["GET", "x"])
        .send("sub", &["SUNSUBSCRIBE"])
        .read_unordered("sub", 2)
        .send("sub", &["SUNSUBSCRIBE"])
        .read("sub", 1)
        .cmd("sub", &["GET", "x"])
        .cmd("pub", &["PUBSUB", "SHARDCHANNELS"]);
    s.check();
}

#[test]
fn pubsub_introspection() {
    let mut s = Scenario::new("pubsub_introspection");
    s.cmd("q", &["PUBSUB", "CHANNELS"])
        .cmd("q", &["PUBSUB", "NUMPAT"])
        .cmd("q", &["PUBSUB", "NUMSUB"])
        .cmd("q", &["PUBSUB", "NUMSUB", "a"])
        .cmd("q", &["PUBSUB", "SHARDCHANNELS"])
        .send("s1", &["SUBSCRIBE", "chan.a", "chan.b", "other"])
        .read("s1", 3)
        .send("s2", &["SUBSCRIBE", "chan.a"])
        .read("s2", 1)
        .send("s2", &["PSUBSCRIBE", "chan.*", "x*"])
        .read("s2", 2)
        .send("s3", &["PSUBSCRIBE", "chan.*"])
        .read("s3", 1)
        .send("s3", &["SSUBSCRIBE", "shard.a", "shard.b"])
        .read("s3", 2)
        .cmd_norm("q", &["PUBSUB", "CHANNELS"], Norm::SortElements)
        .cmd_norm("q", &["PUBSUB", "CHANNELS", "chan.*"], Norm::SortElements)
        .cmd("q", &["PUBSUB", "CHANNELS", "oth?r"])
        .cmd("q", &["PUBSUB", "CHANNELS", "nomatch*"])
        .cmd(
            "q",
            &["PUBSUB", "NUMSUB", "chan.a", "chan.b", "nope", "chan.a"],
        )
        .cmd("q", &["PUBSUB", "NUMPAT"])
        .cmd_norm("q", &["PUBSUB", "SHARDCHANNELS"], Norm::SortElements)
        .cmd("q", &["PUBSUB", "SHARDCHANNELS", "*.b"])
        .cmd("q", &["PUBSUB", "SHARDNUMSUB", "shard.a", "nope"])
        .cmd("q", &["pubsub", "numsub", "CHAN.A"])
        // RESP3 forms.
        .cmd_norm("q3", &["HELLO", "3"], Norm::Hello)
        .cmd("q3", &["PUBSUB", "CHANNELS", "oth*"])
        .cmd("q3", &["PUBSUB", "NUMPAT"])
        // Unsubscribing updates the counts.
        .send("s2", &["PUNSUBSCRIBE", "chan.*"])
        .read("s2", 1)
        .send("s1", &["UNSUBSCRIBE", "chan.a", "other"])
        .read("s1", 2)
        .cmd("q", &["PUBSUB", "NUMSUB", "chan.a", "other"])
        .cmd("q", &["PUBSUB", "NUMPAT"])
        .cmd_norm("q", &["PUBSUB", "CHANNELS"], Norm::SortElements)
        // Publish counts every receiver: 1 channel subscriber + 1 pattern subscriber.
        .cmd("q", &["PUBLISH", "chan.a", "m"])
        .read("s2", 1)
        .read("s3", 1);
    s.check();
}

#[test]
fn pubsub_numsub_resp3() {
    let mut s = Scenario::new("pubsub_numsub_resp3");
    s.send("s1", &["SUBSCRIBE", "chan.a"])
        .read("s1", 1)
        .send("s1", &["SSUBSCRIBE", "shard.b"])
        .read("s1", 1)
        .cmd_norm("q", &["HELLO", "3"], Norm::Hello)
        .cmd("q", &["PUBSUB", "NUMSUB", "chan.a", "nope"])
        .cmd("q", &["PUBSUB", "NUMSUB"])
        .cmd("q", &["PUBSUB", "SHARDNUMSUB", "shard.b", "nope"])
        .cmd("q", &["PUBSUB", "SHARDNUMSUB"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Pub/Sub, RESP3
// ---------------------------------------------------------------------------------------------

#[test]
fn pubsub_resp3_subscribe_publish() {
    let mut s = Scenario::new("pubsub_resp3_subscribe_publish");
    s.cmd_norm("sub", &["HELLO", "3"], Norm::Hello)
        .send("sub", &["SUBSCRIBE", "ch1", "ch2"])
        .read("sub", 2)
        .send("sub", &["SUBSCRIBE", "ch1"])
        .read("sub", 1)
        .send("sub", &["PSUBSCRIBE", "ch*"])
        .read("sub", 1)
        .send("sub", &["SSUBSCRIBE", "sh"])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "ch1", "hello"])
        .read("sub", 2)
        .cmd("pub", &["SPUBLISH", "sh", "shard"])
        .read("sub", 1)
        // Any command works while subscribed in RESP3.
        .cmd("sub", &["PING"])
        .cmd("sub", &["PING", "hi"])
        .cmd("sub", &["GET", "nope"])
        .cmd("sub", &["SET", "k", "v"])
        .cmd("sub", &["GET", "k"])
        .cmd("sub", &["ECHO", "e"])
        .cmd_norm("sub", &["CLIENT", "ID"], Norm::AnyInt)
        .cmd("sub", &["DBSIZE"])
        .cmd("sub", &["CONFIG", "GET", "timeout"])
        .cmd("sub", &["PUBLISH", "elsewhere", "x"])
        .cmd("sub", &["NOSUCHCMD"])
        .cmd("sub", &["GET"])
        .send("sub", &["UNSUBSCRIBE", "ch1"])
        .read("sub", 1)
        .send("sub", &["UNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["PUNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["SUNSUBSCRIBE"])
        .read("sub", 1)
        // Subscribed to nothing: null channel.
        .send("sub", &["UNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["PUNSUBSCRIBE"])
        .read("sub", 1)
        .send("sub", &["SUNSUBSCRIBE"])
        .read("sub", 1)
        .cmd("sub", &["PING"]);
    s.check();
}

#[test]
fn pubsub_resp3_switch_protocol_while_subscribed() {
    let mut s = Scenario::new("pubsub_resp3_switch_protocol_while_subscribed");
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .send("a", &["SUBSCRIBE", "ch"])
        .read("a", 1)
        // HELLO 2 is allowed in RESP3 subscribed mode; afterwards the RESP2 rules apply.
        .cmd_norm("a", &["HELLO", "2"], Norm::Hello)
        .cmd("pub", &["PUBLISH", "ch", "now resp2"])
        .read("a", 1)
        .cmd("a", &["GET", "x"])
        .cmd("a", &["PING"])
        .cmd("a", &["HELLO", "3"])
        .send("a", &["UNSUBSCRIBE"])
        .read("a", 1)
        .cmd("a", &["GET", "x"])
        // RESP2 subscribed, then RESP3 via a fresh connection's HELLO: pushes switch format.
        .send("b", &["SUBSCRIBE", "ch"])
        .read("b", 1)
        .cmd("pub", &["PUBLISH", "ch", "m1"])
        .read("b", 1);
    s.check();
}

#[test]
fn pubsub_resp3_publish_to_self() {
    let mut s = Scenario::new("pubsub_resp3_publish_to_self");
    // Redis 7.2 (redis#12326, 7.2-rc3 release notes) postpones push messages a command
    // generates for the client running it until after that command's reply; 7.0 sent the
    // message first.
    const REASON: &str =
        "PUBLISH reply precedes the client's own message since Redis 7.2 (redis#12326)";
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .send("a", &["SUBSCRIBE", "ch"])
        .read("a", 1)
        .send("a", &["PUBLISH", "ch", "hi"])
        .diff(
            "a",
            REASON,
            &[
                b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
                b":1\r\n",
            ],
            &[
                b":1\r\n",
                b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
            ],
        )
        .send("a", &["PSUBSCRIBE", "c*"])
        .read("a", 1)
        .send("a", &["PUBLISH", "ch", "x"])
        .diff(
            "a",
            REASON,
            &[
                b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n",
                b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n",
                b":2\r\n",
            ],
            &[
                b":2\r\n",
                b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n",
                b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n",
            ],
        )
        .send("a", &["SSUBSCRIBE", "sh"])
        .read("a", 1)
        .send("a", &["SPUBLISH", "sh", "y"])
        .diff(
            "a",
            REASON,
            &[
                b">3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n$1\r\ny\r\n",
                b":1\r\n",
            ],
            &[
                b":1\r\n",
                b">3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n$1\r\ny\r\n",
            ],
        )
        .cmd("a", &["PING"]);
    s.check();
}

#[test]
fn pubsub_client_reply_off_still_gets_pushes() {
    // Pub/sub confirmations and messages are delivered even with CLIENT REPLY OFF (redis#11875,
    // Redis 7.2; the 7.0.15 reference behaves the same, so no expected difference here).
    let mut s = Scenario::new("pubsub_client_reply_off_still_gets_pushes");
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .send("a", &["CLIENT", "REPLY", "OFF"])
        .send("a", &["SUBSCRIBE", "ch"])
        .read("a", 1)
        .cmd("pub", &["PUBLISH", "ch", "m"])
        .read("a", 1)
        .send("a", &["PING"])
        .send("a", &["GET", "x"])
        .quiet("a")
        .cmd("a", &["CLIENT", "REPLY", "ON"])
        .cmd("a", &["PING"])
        // RESP2: the same, and RESET turns replies back on.
        .send("b", &["CLIENT", "REPLY", "OFF"])
        .send("b", &["SUBSCRIBE", "ch"])
        .read("b", 1)
        .cmd("pub", &["PUBLISH", "ch", "m2"])
        .read("a", 1)
        .read("b", 1)
        .send("b", &["PING"])
        .quiet("b")
        .cmd("b", &["RESET"])
        .cmd("b", &["PING"])
        // CLIENT REPLY SKIP skips only the next reply, not pushes.
        .send("a", &["CLIENT", "REPLY", "SKIP"])
        .send("a", &["PUBLISH", "ch", "to self"])
        .read("a", 1)
        .cmd("a", &["PING"]);
    s.check();
}
