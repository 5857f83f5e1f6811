//! Abuse: hundreds of misbehaving connections at once (garbage, half commands, giant lengths,
//! invalid UTF-8, commands that never finish, query-buffer overflow) against a real
//! `herald-server` process, while well-behaved clients keep working. Checks that the server
//! stays up, answers the bad clients with Redis's exact protocol errors (and closes them where
//! Redis does), keeps its memory under a bound derived from the configured limits, and serves
//! the good clients correctly throughout.
//!
//! The server runs as a child process (not in-process as elsewhere) so that its `used_memory`
//! counts the server alone, not the test's own buffers.

mod common;

use common::*;
use futures_util::StreamExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `client-query-buffer-limit` and `proto-max-bulk-len` for this test (Redis's minimum for both).
const LIMIT: usize = 1024 * 1024;
/// Bytes of the value each "never-finishing SET" client sends before going silent.
const UNFINISHED_BYTES: usize = 200 * 1024;
/// What a connection may cost the server beyond its input: the client's handle, its two tasks,
/// socket bookkeeping. Generous on purpose; measured at a few KiB.
const PER_CONNECTION: u64 = 64 * 1024;
/// The read buffer a connection with a partial command holds.
const READ_CHUNK: u64 = 16 * 1024;

/// A `herald-server` child process, killed when dropped.
struct ChildServer {
    child: Child,
    port: u16,
}

impl ChildServer {
    fn start(args: &[&str]) -> ChildServer {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_herald-server"))
            .args(["--port", "0", "--bind", "127.0.0.1", "--loglevel", "notice"])
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start herald-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("server exited before it was ready")
                .expect("read server log");
            if let Some(rest) = line.split("accepting connections on 127.0.0.1:").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                break digits.parse().expect("port in the startup line");
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ChildServer { child, port }
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small deterministic generator for the garbage (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Requests Redis answers with a protocol error and closes, with that exact error.
fn protocol_error_cases() -> Vec<(Vec<u8>, &'static [u8])> {
    let huge_inline = vec![b'x'; 70_000];
    let mut huge_count = b"*".to_vec();
    huge_count.extend(std::iter::repeat_n(b'1', 70_000));
    vec![
        (
            b"*1\r\n$2147483648\r\n".to_vec(),
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            // One byte over proto-max-bulk-len.
            format!("*2\r\n$3\r\nGET\r\n${}\r\n", LIMIT + 1).into_bytes(),
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$-5\r\n".to_vec(),
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*abc\r\n".to_vec(),
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\nfoo\r\n".to_vec(),
            b"-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"set \"a\r\n".to_vec(),
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        (
            huge_inline,
            b"-ERR Protocol error: too big inline request\r\n",
        ),
        (
            huge_count,
            b"-ERR Protocol error: too big mbulk count string\r\n",
        ),
    ]
}

/// Samples INFO `used_memory` until stopped; returns the peak.
async fn sample_memory(port: u16, stop: Arc<AtomicBool>, peak: Arc<AtomicU64>) {
    let mut c = Raw::connect(port).await;
    while !stop.load(Ordering::Relaxed) {
        let info = bulk_text(&c.call(&["INFO", "memory"]).await);
        let used: u64 = info_field(&info, "used_memory")
            .and_then(|v| v.parse().ok())
            .expect("used_memory in INFO");
        peak.fetch_max(used, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn used_memory(c: &mut Raw) -> u64 {
    let info = bulk_text(&c.call(&["INFO", "memory"]).await);
    info_field(&info, "used_memory")
        .and_then(|v| v.parse().ok())
        .expect("used_memory in INFO")
}

/// A well-behaved key-value client: SET, GET and PING in a loop, every reply checked.
async fn kv_client(url: String, who: usize, stop: Arc<AtomicBool>, done: Arc<AtomicU64>) -> u64 {
    let client = redis::Client::open(url).expect("url");
    let mut c = within("connect", client.get_multiplexed_async_connection())
        .await
        .expect("connect");
    let mut ops = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("good:{who}:{}", ops % 100);
        let val = format!("value-{who}-{ops}");
        let _: () = within(
            "SET",
            redis::cmd("SET").arg(&key).arg(&val).query_async(&mut c),
        )
        .await
        .expect("SET");
        let got: String = within("GET", redis::cmd("GET").arg(&key).query_async(&mut c))
            .await
            .expect("GET");
        assert_eq!(got, val);
        let pong: String = within("PING", redis::cmd("PING").query_async(&mut c))
            .await
            .expect("PING");
        assert_eq!(pong, "PONG");
        ops += 3;
        done.fetch_add(3, Ordering::Relaxed);
    }
    ops
}

/// A publisher and a subscriber: every message arrives, in order.
async fn pubsub_pair(srv_url: String, stop: Arc<AtomicBool>) -> u64 {
    let client = redis::Client::open(srv_url).expect("url");
    let mut sub = within("subscriber connect", client.get_async_pubsub())
        .await
        .expect("subscriber");
    within("SUBSCRIBE", sub.subscribe("abuse-news"))
        .await
        .expect("subscribe");
    let mut publisher = within(
        "publisher connect",
        client.get_multiplexed_async_connection(),
    )
    .await
    .expect("publisher");
    let mut messages = sub.into_on_message();
    let mut sent = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let payload = format!("msg-{sent}");
        let receivers: i64 = within(
            "PUBLISH",
            redis::cmd("PUBLISH")
                .arg("abuse-news")
                .arg(&payload)
                .query_async(&mut publisher),
        )
        .await
        .expect("PUBLISH");
        assert_eq!(receivers, 1);
        let msg = within("message", messages.next())
            .await
            .expect("subscription open");
        assert_eq!(msg.get_payload::<String>().expect("text"), payload);
        sent += 1;
    }
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_survives_hundreds_of_abusive_connections() {
    let limit = LIMIT.to_string();
    let mut srv = ChildServer::start(&[
        "--client-query-buffer-limit",
        &limit,
        "--proto-max-bulk-len",
        &limit,
    ]);
    let port = srv.port;
    let url = format!("redis://127.0.0.1:{port}/");
    let mut admin = Raw::connect(port).await;
    let baseline = used_memory(&mut admin).await;

    // Well-behaved clients and the memory sampler run for the whole storm.
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(baseline));
    let sampler = tokio::spawn(sample_memory(port, stop.clone(), peak.clone()));
    let served = Arc::new(AtomicU64::new(0));
    let good: Vec<_> = (0..3)
        .map(|who| tokio::spawn(kv_client(url.clone(), who, stop.clone(), served.clone())))
        .collect();
    let pubsub = tokio::spawn(pubsub_pair(url.clone(), stop.clone()));
    let progress = |n: u64| {
        let served = served.clone();
        let from = served.load(Ordering::Relaxed);
        eventually("well-behaved clients are served", move || {
            let served = served.clone();
            async move { served.load(Ordering::Relaxed) >= from + n }
        })
    };
    progress(30).await;

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut bad = Vec::new();
    // What the connections still holding input may keep: their bytes, twice (the buffer grows
    // by doubling), plus a read chunk.
    let mut held_input = 0u64;

    // 1. Protocol errors: the exact error, then the connection is closed (20 of each kind).
    let cases = protocol_error_cases();
    for round in 0..20 {
        for (request, reply) in cases.iter().cloned() {
            bad.push(tokio::spawn(async move {
                let mut c = Raw::connect(port).await;
                c.send(&request).await;
                let got = c.read_to_eof().await;
                assert_bytes(&got, reply);
                round
            }));
        }
    }
    // 2. Garbage: any reply is an error, and the server closes once the client has gone.
    for _ in 0..60 {
        let len = 1 + (rng.next() % 4096) as usize;
        let garbage = rng.bytes(len);
        bad.push(tokio::spawn(async move {
            let mut c = Raw::connect(port).await;
            c.send(&garbage).await;
            let _ = tokio::io::AsyncWriteExt::shutdown(&mut c.stream).await;
            let got = c.read_to_eof().await;
            let mut pos = 0;
            while pos < got.len() {
                assert_eq!(
                    got[pos],
                    b'-',
                    "garbage got a non-error reply: {}",
                    esc(&got)
                );
                match got[pos..].windows(2).position(|w| w == b"\r\n") {
                    Some(end) => pos += end + 2,
                    None => panic!("truncated reply: {}", esc(&got)),
                }
            }
            0
        }));
    }
    // 3. Invalid UTF-8: commands and values are binary; the connection stays usable.
    for i in 0..20u8 {
        bad.push(tokio::spawn(async move {
            let mut c = Raw::connect(port).await;
            // Byte for byte what Redis 7 answers: the raw bytes quoted, not replaced.
            assert_bytes(
                &c.call(&[&b"\xff\xfe"[..], &b"\xc3\x28"[..]]).await,
                b"-ERR unknown command '\xff\xfe', with args beginning with: '\xc3\x28' \r\n",
            );
            let key = [&b"utf8:\xff\xc0"[..], &[i]].concat();
            let value: &[u8] = b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\x00";
            assert_bytes(&c.call(&[&b"SET"[..], &key, value]).await, b"+OK\r\n");
            let mut want = format!("${}\r\n", value.len()).into_bytes();
            want.extend_from_slice(value);
            want.extend_from_slice(b"\r\n");
            assert_bytes(&c.call(&[&b"GET"[..], &key]).await, &want);
            0
        }));
    }
    // 4. Half commands, finished at the end: the server keeps them waiting meanwhile.
    let mut pending = Vec::new();
    for i in 0..40 {
        let mut c = Raw::connect(port).await;
        let key = format!("half:{i}");
        let cmd = resp(&["SET", &key, "done"]);
        let cut = 1 + (rng.next() as usize % (cmd.len() - 1));
        c.send(&cmd[..cut]).await;
        held_input += 2 * cut as u64 + READ_CHUNK;
        pending.push((c, cmd[cut..].to_vec(), key, "done".len()));
    }
    // 5. Large values that stop arriving: a SET of 1 MB that has sent 200 KB.
    for i in 0..20 {
        let mut c = Raw::connect(port).await;
        let key = format!("big:{i}");
        let cmd = resp(&[b"SET".to_vec(), key.clone().into_bytes(), vec![b'v'; LIMIT]]);
        let sent = cmd.len() - LIMIT - 2 + UNFINISHED_BYTES;
        c.send(&cmd[..sent]).await;
        held_input += 2 * sent as u64 + READ_CHUNK;
        pending.push((c, cmd[sent..].to_vec(), key, LIMIT));
    }
    // 6. Query-buffer overflow: a command that never ends, past client-query-buffer-limit. The
    // server closes it without a reply.
    let overflow_clients = 10;
    for _ in 0..overflow_clients {
        bad.push(tokio::spawn(async move {
            let mut c = Raw::connect(port).await;
            let mut req = b"*100000\r\n".to_vec();
            let bulk = format!("$1000\r\n{}\r\n", "a".repeat(1000)).into_bytes();
            while req.len() <= LIMIT + 64 * 1024 {
                req.extend_from_slice(&bulk);
            }
            // The server may close mid-write: that is the expected outcome.
            let _ = tokio::io::AsyncWriteExt::write_all(&mut c.stream, &req).await;
            let got = c.read_to_eof().await;
            assert!(got.is_empty(), "overflow got a reply: {}", esc(&got));
            0
        }));
    }
    held_input += overflow_clients * 2 * (LIMIT as u64 + 64 * 1024);

    let bad_connections = bad.len() + pending.len();
    for t in bad {
        t.await.expect("bad client task");
    }

    // The waiting clients are still connected; finishing their commands works.
    let info = bulk_text(&admin.call(&["INFO", "clients"]).await);
    let connected: usize = info_field(&info, "connected_clients")
        .and_then(|v| v.parse().ok())
        .expect("connected_clients");
    assert!(connected > pending.len(), "{info}");
    let at_rest = used_memory(&mut admin).await;
    for (mut c, rest, key, len) in pending {
        c.send(&rest).await;
        c.expect(b"+OK\r\n").await;
        assert_bytes(
            &c.call(&["STRLEN", &key]).await,
            format!(":{len}\r\n").as_bytes(),
        );
    }

    // Service continues after the storm too.
    progress(30).await;
    stop.store(true, Ordering::Relaxed);
    let mut good_ops = 0;
    for g in good {
        good_ops += g.await.expect("well-behaved client");
    }
    let messages = pubsub.await.expect("pub/sub pair");
    sampler.await.expect("memory sampler");

    assert!(srv.is_running(), "the server died");
    assert_bytes(&admin.call(&["PING"]).await, b"+PONG\r\n");

    let peak = peak.load(Ordering::Relaxed);
    let connections = (bad_connections + 3 + 2 + 2) as u64;
    let bound = baseline + connections * PER_CONNECTION + held_input;
    println!(
        "abuse: {bad_connections} bad connections + 5 well-behaved; used_memory baseline {baseline} B, \
         peak {peak} B, with the waiting clients connected {at_rest} B, bound {bound} B; \
         well-behaved: {good_ops} kv commands, {messages} messages delivered in order"
    );
    assert!(
        peak <= bound,
        "used_memory peaked at {peak} B, over the bound of {bound} B"
    );
}
