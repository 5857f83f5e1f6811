//! Crash trials: a real `herald-server` process with the AOF on is killed with SIGKILL at a
//! random moment while clients write; after a restart on the same directory every write that
//! got its reply must be there and nothing that was never sent may appear.
//!
//! With `appendfsync always` a reply is only sent once its record is fsynced, so nothing
//! acknowledged may be missing. With `everysec` the loss is bounded (the issue allows ~2 s);
//! the test reports the measured loss and checks that nothing is invented. (SIGKILL keeps the
//! operating system's page cache, so what these trials catch is a reply sent before its record
//! was handed to the kernel.)

mod common;

use redis::aio::MultiplexedConnection;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A small xorshift generator: random kill moments without a dependency.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Rng(t | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("herald-aofcrash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Starts the server binary on `dir` and returns it with the port it logged.
fn spawn(dir: &Path, fsync: &str) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald-server"))
        .args(["--port", "0", "--bind", "127.0.0.1", "--appendonly", "yes"])
        .args(["--appendfsync", fsync, "--dir"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn herald-server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.split("accepting connections on 127.0.0.1:").nth(1) {
            let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
            // Keep draining the log so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return (child, port.parse().expect("port"));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("herald-server did not log its port");
}

async fn connect(port: u16) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("url");
    common::within("connect", client.get_multiplexed_async_connection())
        .await
        .expect("connect")
}

/// What one writer did: acknowledged INCRs and SETs, and how many it sent.
#[derive(Debug, Default, Clone, Copy)]
struct Progress {
    acked: u64,
    sent: u64,
}

/// Writes `INCR counter{w}` and `SET w{w}:{i} {i}` until the connection dies.
async fn writer(port: u16, w: usize, progress: std::sync::Arc<std::sync::Mutex<Progress>>) {
    let mut c = connect(port).await;
    for i in 1u64.. {
        progress.lock().unwrap().sent = i;
        let incr: redis::RedisResult<i64> = redis::cmd("INCR")
            .arg(format!("counter{w}"))
            .query_async(&mut c)
            .await;
        if incr.is_err() {
            return;
        }
        let set: redis::RedisResult<()> = redis::cmd("SET")
            .arg(format!("w{w}:{i}"))
            .arg(i)
            .query_async(&mut c)
            .await;
        if set.is_err() {
            return;
        }
        progress.lock().unwrap().acked = i;
    }
}

/// One trial: write for a random time, SIGKILL, restart, check. Returns the acknowledged
/// writes lost (always 0 for `always`).
async fn trial(dir: &Path, fsync: &str, rng: &mut Rng) -> u64 {
    let _ = std::fs::remove_file(dir.join("appendonly.aof"));
    let (mut child, port) = spawn(dir, fsync);
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let p = std::sync::Arc::new(std::sync::Mutex::new(Progress::default()));
            let task = tokio::spawn(writer(port, w, p.clone()));
            (p, task)
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30 + rng.below(250))).await;
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let mut seen = Vec::new();
    for (p, task) in writers {
        let _ = common::within("writer ends", task).await;
        let progress = *p.lock().unwrap();
        seen.push(progress);
    }

    assert!(
        seen.iter().any(|p| p.acked > 0),
        "no write was acknowledged: {seen:?}"
    );
    let (mut child, port) = spawn(dir, fsync);
    let mut c = connect(port).await;
    let mut lost = 0;
    for (w, p) in seen.iter().enumerate() {
        let counter: Option<u64> = redis::cmd("GET")
            .arg(format!("counter{w}"))
            .query_async(&mut c)
            .await
            .expect("get");
        let counter = counter.unwrap_or(0);
        // Nothing invented: never more increments than were sent.
        assert!(counter <= p.sent, "counter{w}={counter} > sent {}", p.sent);
        // Every SET that was answered is there, unless lost within the everysec window.
        let mut present = 0;
        for i in 1..=p.sent {
            let v: Option<u64> = redis::cmd("GET")
                .arg(format!("w{w}:{i}"))
                .query_async(&mut c)
                .await
                .expect("get");
            if let Some(v) = v {
                assert_eq!(v, i, "w{w}:{i} holds what was written");
                present = i;
            }
        }
        if fsync == "always" {
            assert!(
                counter >= p.acked,
                "counter{w}={counter} < acked {}",
                p.acked
            );
            assert!(
                present >= p.acked,
                "w{w}: last SET present {present} < acked {}",
                p.acked
            );
        }
        let missing: Option<u64> = redis::cmd("GET")
            .arg(format!("w{w}:{}", p.sent + 1))
            .query_async(&mut c)
            .await
            .expect("get");
        assert_eq!(missing, None, "a write never sent appeared");
        lost += p.acked.saturating_sub(present);
    }
    drop(c);
    let _ = child.kill();
    let _ = child.wait();
    lost
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_with_appendfsync_always() {
    let dir = temp_dir("always");
    let mut rng = Rng::seeded();
    for _ in 0..8 {
        let lost = trial(&dir, "always", &mut rng).await;
        assert_eq!(lost, 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everysec_loses_at_most_a_bounded_tail_after_sigkill() {
    let dir = temp_dir("everysec");
    let mut rng = Rng::seeded();
    let mut worst = 0;
    for _ in 0..3 {
        worst = worst.max(trial(&dir, "everysec", &mut rng).await);
    }
    // Reported, not asserted against a time bound: the writer hands records to the kernel
    // within milliseconds, and SIGKILL keeps the page cache.
    eprintln!("everysec: at most {worst} acknowledged writes lost per trial");
    let _ = std::fs::remove_dir_all(&dir);
}
