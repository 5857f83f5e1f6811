//! The append-only file: what is written for each kind of command, and what a restart loads.
//!
//! Each test runs a real in-process server with `appendonly yes` in a fresh directory, writes
//! through TCP, shuts it down (which flushes and fsyncs), starts another server on the same
//! directory and reads the data back.

mod common;

use common::{start_with, TestServer};
use redis::aio::MultiplexedConnection;
use redis::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh, empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "herald-aof-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

async fn start_aof(dir: &Path, fsync: &str) -> TestServer {
    let dir = dir.to_string_lossy().into_owned();
    let fsync = herald::aof::FsyncPolicy::parse(fsync).expect("policy");
    start_with(move |c| {
        c.rdb.dir = dir;
        c.aof.enabled = true;
        c.aof.fsync = fsync;
    })
    .await
}

async fn restart(server: TestServer, dir: &Path) -> TestServer {
    server.server.shutdown().await;
    start_aof(dir, "everysec").await
}

async fn q(c: &mut MultiplexedConnection, args: &[&str]) -> Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(c).await.expect(args[0])
}

fn aof_text(dir: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join("appendonly.aof")).expect("aof file"))
        .into_owned()
}

/// The commands in an AOF, each as its arguments.
fn aof_commands(dir: &Path) -> Vec<Vec<String>> {
    let text = aof_text(dir);
    let mut lines = text.split("\r\n");
    let mut out = Vec::new();
    while let Some(head) = lines.next() {
        let Some(n) = head.strip_prefix('*') else {
            break;
        };
        let n: usize = n.parse().expect("count");
        let mut cmd = Vec::new();
        for _ in 0..n {
            lines.next();
            cmd.push(lines.next().expect("arg").to_string());
        }
        out.push(cmd);
    }
    out
}

fn s(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(t) => t.clone(),
        Value::Int(i) => i.to_string(),
        Value::Nil => "(nil)".into(),
        Value::Array(items) | Value::Set(items) => {
            let parts: Vec<String> = items.iter().map(s).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Double(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn every_type_survives_a_restart() {
    let dir = temp_dir("types");
    let server = start_aof(&dir, "everysec").await;
    let mut c = server.conn().await;
    let big = "x".repeat(600_000);
    q(&mut c, &["SET", "str", "hello"]).await;
    q(&mut c, &["SET", "big", &big]).await;
    q(&mut c, &["INCRBY", "n", "41"]).await;
    q(&mut c, &["INCR", "n"]).await;
    q(&mut c, &["APPEND", "str", " world"]).await;
    q(&mut c, &["RPUSH", "list", "a", "b", "c"]).await;
    q(&mut c, &["LPUSH", "list", "z"]).await;
    q(&mut c, &["LSET", "list", "1", "A"]).await;
    q(&mut c, &["SADD", "set", "1", "2", "three"]).await;
    q(&mut c, &["SREM", "set", "2"]).await;
    q(&mut c, &["ZADD", "zs", "1.5", "a", "-inf", "b", "3", "c"]).await;
    q(&mut c, &["ZINCRBY", "zs", "0.25", "a"]).await;
    q(&mut c, &["HSET", "h", "f1", "v1", "f2", "v2"]).await;
    q(&mut c, &["HDEL", "h", "f2"]).await;
    q(&mut c, &["SELECT", "5"]).await;
    q(&mut c, &["SET", "in5", "five"]).await;
    q(&mut c, &["SELECT", "15"]).await;
    q(&mut c, &["SET", "in15", "fifteen"]).await;
    q(&mut c, &["SELECT", "8"]).await;
    q(&mut c, &["SET", "swapme", "x"]).await;
    q(&mut c, &["SWAPDB", "8", "9"]).await;
    q(&mut c, &["SELECT", "0"]).await;
    q(&mut c, &["DEL", "nothing-here"]).await;
    drop(c);

    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["GET", "str"]).await), "hello world");
    assert_eq!(s(&q(&mut c, &["GET", "big"]).await).len(), big.len());
    assert_eq!(s(&q(&mut c, &["GET", "n"]).await), "42");
    assert_eq!(
        s(&q(&mut c, &["LRANGE", "list", "0", "-1"]).await),
        "[z,A,b,c]"
    );
    assert_eq!(s(&q(&mut c, &["SCARD", "set"]).await), "2");
    assert_eq!(
        s(&q(&mut c, &["SMISMEMBER", "set", "1", "2", "three"]).await),
        "[1,0,1]"
    );
    assert_eq!(
        s(&q(&mut c, &["ZRANGE", "zs", "0", "-1", "WITHSCORES"]).await),
        "[b,-inf,a,1.75,c,3]"
    );
    assert_eq!(s(&q(&mut c, &["HGETALL", "h"]).await), "[f1,v1]");
    q(&mut c, &["SELECT", "5"]).await;
    assert_eq!(s(&q(&mut c, &["GET", "in5"]).await), "five");
    q(&mut c, &["SELECT", "15"]).await;
    assert_eq!(s(&q(&mut c, &["GET", "in15"]).await), "fifteen");
    assert_eq!(s(&q(&mut c, &["DBSIZE"]).await), "1");
    q(&mut c, &["SELECT", "9"]).await;
    assert_eq!(s(&q(&mut c, &["GET", "swapme"]).await), "x");
    q(&mut c, &["SELECT", "8"]).await;
    assert_eq!(s(&q(&mut c, &["DBSIZE"]).await), "0");
    drop(c);

    // SELECT is written only when the database changes; reads and no-op writes not at all.
    let cmds = aof_commands(&dir);
    let selects: Vec<&str> = cmds
        .iter()
        .filter(|c| c[0] == "SELECT")
        .map(|c| c[1].as_str())
        .collect();
    assert_eq!(selects, ["0", "5", "15", "8"]);
    assert!(!cmds.iter().any(|c| c[0].eq_ignore_ascii_case("del")));
    assert!(!cmds.iter().any(|c| c[0].eq_ignore_ascii_case("get")));
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn transactions_are_written_between_multi_and_exec() {
    let dir = temp_dir("multi");
    let server = start_aof(&dir, "always").await;
    let mut c = server.conn().await;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("SET")
        .arg("k")
        .arg("1")
        .cmd("INCR")
        .arg("k")
        .cmd("GET")
        .arg("k");
    let _: Value = pipe.query_async(&mut c).await.expect("exec");
    drop(c);
    let cmds = aof_commands(&dir);
    let names: Vec<String> = cmds.iter().map(|c| c[0].to_ascii_uppercase()).collect();
    assert_eq!(names, ["SELECT", "MULTI", "SET", "INCR", "EXEC"]);
    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["GET", "k"]).await), "2");
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The commands of the file whose name is `name` (case-insensitive).
fn named(cmds: &[Vec<String>], name: &str) -> Vec<Vec<String>> {
    cmds.iter()
        .filter(|c| c[0].eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

#[tokio::test]
async fn commands_with_random_or_relative_effects_are_written_as_their_effect() {
    let dir = temp_dir("rewrites");
    let server = start_aof(&dir, "always").await;
    let mut c = server.conn().await;
    // Relative and second-based expiries become absolute milliseconds.
    q(&mut c, &["SET", "e1", "v", "EX", "1000"]).await;
    q(&mut c, &["SETEX", "e2", "1000", "v"]).await;
    q(&mut c, &["SET", "e3", "v"]).await;
    q(&mut c, &["EXPIRE", "e3", "1000"]).await;
    q(&mut c, &["SET", "gone", "v"]).await;
    q(&mut c, &["EXPIRE", "gone", "-1"]).await;
    q(&mut c, &["SET", "gx", "v"]).await;
    q(&mut c, &["GETEX", "gx", "PX", "500000"]).await;
    q(&mut c, &["SET", "gd", "v"]).await;
    q(&mut c, &["GETDEL", "gd"]).await;
    // Floats are written as their result.
    q(&mut c, &["INCRBYFLOAT", "f", "0.1"]).await;
    q(&mut c, &["INCRBYFLOAT", "f", "0.2"]).await;
    q(&mut c, &["HINCRBYFLOAT", "h", "x", "1.5"]).await;
    q(&mut c, &["HSET", "h", "y", "1"]).await;
    q(&mut c, &["HEXPIRE", "h", "1000", "FIELDS", "1", "y"]).await;
    // Random pops are written as the members that went.
    q(&mut c, &["SADD", "s", "a", "b", "c", "d", "e"]).await;
    let one = s(&q(&mut c, &["SPOP", "s"]).await);
    let two = q(&mut c, &["SPOP", "s", "2"]).await;
    q(&mut c, &["SRANDMEMBER", "s"]).await;
    // Multi-key pops become plain pops.
    q(&mut c, &["RPUSH", "l", "1", "2", "3"]).await;
    q(&mut c, &["LMPOP", "1", "l", "LEFT", "COUNT", "2"]).await;
    q(&mut c, &["BLPOP", "l", "0"]).await;
    q(&mut c, &["ZADD", "z", "1", "a", "2", "b"]).await;
    q(&mut c, &["ZMPOP", "1", "z", "MAX"]).await;
    let ttls: Vec<String> = {
        let mut v = Vec::new();
        for k in ["e1", "e2", "e3", "gx"] {
            v.push(s(&q(&mut c, &["PEXPIRETIME", k]).await));
        }
        v
    };
    let field_ttl = s(&q(&mut c, &["HPEXPIRETIME", "h", "FIELDS", "1", "y"]).await);
    let left: Vec<String> = match q(&mut c, &["SMEMBERS", "s"]).await {
        Value::Array(v) | Value::Set(v) => v.iter().map(s).collect(),
        other => panic!("{other:?}"),
    };
    drop(c);

    let cmds = aof_commands(&dir);
    let sets = named(&cmds, "SET");
    assert!(sets.iter().any(|c| c[1] == "e1" && c[3] == "PXAT"));
    assert!(sets.iter().any(|c| c[1] == "e2" && c[3] == "PXAT"));
    assert!(named(&cmds, "SETEX").is_empty() && named(&cmds, "EXPIRE").is_empty());
    assert!(named(&cmds, "PEXPIREAT").iter().any(|c| c[1] == "e3"));
    assert!(named(&cmds, "DEL").iter().any(|c| c[1] == "gone"));
    assert!(named(&cmds, "DEL").iter().any(|c| c[1] == "gd"));
    assert!(named(&cmds, "GETEX").is_empty() && named(&cmds, "GETDEL").is_empty());
    assert!(named(&cmds, "INCRBYFLOAT").is_empty());
    assert!(sets
        .iter()
        .any(|c| c[1] == "f" && c[2] == "0.3" && c[3] == "KEEPTTL"));
    assert!(named(&cmds, "HSET")
        .iter()
        .any(|c| c[2] == "x" && c[3] == "1.5"));
    assert!(named(&cmds, "HPEXPIREAT").iter().any(|c| c[1] == "h"));
    let srems = named(&cmds, "SREM");
    assert_eq!(srems.len(), 2);
    assert_eq!(srems[0][2], one);
    assert_eq!(srems[1].len(), 4, "{two:?} written as SREM of both members");
    assert!(named(&cmds, "SPOP").is_empty() && named(&cmds, "SRANDMEMBER").is_empty());
    assert!(named(&cmds, "LPOP")
        .iter()
        .any(|c| c[1] == "l" && c[2] == "2"));
    assert!(named(&cmds, "LPOP")
        .iter()
        .any(|c| c[1] == "l" && c[2] == "1"));
    assert!(named(&cmds, "BLPOP").is_empty() && named(&cmds, "LMPOP").is_empty());
    assert!(named(&cmds, "ZPOPMAX").iter().any(|c| c[1] == "z"));

    // After a restart: the same absolute expiries, the same members left.
    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    for (k, want) in ["e1", "e2", "e3", "gx"].iter().zip(&ttls) {
        assert_eq!(&s(&q(&mut c, &["PEXPIRETIME", k]).await), want, "{k}");
    }
    assert_eq!(
        s(&q(&mut c, &["HPEXPIRETIME", "h", "FIELDS", "1", "y"]).await),
        field_ttl
    );
    assert_eq!(s(&q(&mut c, &["EXISTS", "gone", "gd"]).await), "0");
    assert_eq!(s(&q(&mut c, &["GET", "f"]).await), "0.3");
    assert_eq!(s(&q(&mut c, &["HGET", "h", "x"]).await), "1.5");
    let mut after: Vec<String> = match q(&mut c, &["SMEMBERS", "s"]).await {
        Value::Array(v) | Value::Set(v) => v.iter().map(s).collect(),
        other => panic!("{other:?}"),
    };
    let mut left = left;
    left.sort();
    after.sort();
    assert_eq!(after, left);
    assert_eq!(s(&q(&mut c, &["EXISTS", "l"]).await), "0");
    assert_eq!(s(&q(&mut c, &["ZRANGE", "z", "0", "-1"]).await), "[a]");
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_blocked_pop_served_later_is_written_as_the_pop() {
    let dir = temp_dir("blocked");
    let server = start_aof(&dir, "always").await;
    let mut waiter = server.conn().await;
    let mut pusher = server.conn().await;
    let wait = tokio::spawn(async move {
        let v: Value = redis::cmd("BRPOP")
            .arg("q")
            .arg("0")
            .query_async(&mut waiter)
            .await
            .expect("brpop");
        v
    });
    common::eventually("the client blocks", || async {
        server.info_int("blocked_clients").await == 1
    })
    .await;
    q(&mut pusher, &["LPUSH", "q", "a", "b"]).await;
    let got = common::within("served", wait).await.expect("join");
    assert_eq!(s(&got), "[q,a]");
    drop(pusher);
    let cmds = aof_commands(&dir);
    let names: Vec<String> = cmds.iter().map(|c| c[0].to_ascii_uppercase()).collect();
    assert_eq!(names, ["SELECT", "LPUSH", "RPOP"]);
    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["LRANGE", "q", "0", "-1"]).await), "[b]");
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn keys_that_expire_are_written_as_del() {
    let dir = temp_dir("expired");
    let server = start_aof(&dir, "always").await;
    let mut c = server.conn().await;
    q(&mut c, &["SET", "short", "v", "PX", "30"]).await;
    q(&mut c, &["HSET", "hf", "a", "1", "b", "2"]).await;
    q(&mut c, &["HPEXPIRE", "hf", "30", "FIELDS", "1", "a"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    // Lazily (a read finds it expired) or by the active cycle: either way a DEL / HDEL.
    q(&mut c, &["GET", "short"]).await;
    q(&mut c, &["HGETALL", "hf"]).await;
    drop(c);
    let cmds = aof_commands(&dir);
    assert!(
        named(&cmds, "DEL").iter().any(|c| c[1] == "short"),
        "{cmds:?}"
    );
    assert!(
        named(&cmds, "HDEL")
            .iter()
            .any(|c| c[1] == "hf" && c[2] == "a"),
        "{cmds:?}"
    );
    assert!(named(&cmds, "GET").is_empty());
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn resp(args: &[&str]) -> Vec<u8> {
    common::resp(args)
}

async fn start_on_file(
    dir: &Path,
    contents: &[u8],
    load_truncated: bool,
) -> Result<TestServer, String> {
    std::fs::write(dir.join("appendonly.aof"), contents).expect("write aof");
    let d = dir.to_string_lossy().into_owned();
    let mut config = herald::Config {
        port: 0,
        bind: vec!["127.0.0.1".into()],
        ..herald::Config::default()
    };
    config.rdb.dir = d;
    config.aof.enabled = true;
    config.aof.load_truncated = load_truncated;
    match herald::Server::start(config).await {
        Ok(server) => Ok(TestServer {
            port: server.port(),
            server,
        }),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test]
async fn a_truncated_last_command_is_dropped_and_cut_off() {
    let dir = temp_dir("truncated");
    let mut good = resp(&["SET", "a", "1"]);
    good.extend(resp(&["SET", "b", "2"]));
    let mut torn = good.clone();
    torn.extend(&resp(&["SET", "c", "3"])[..14]);
    // aof-load-truncated no: refuses to start, naming the offset.
    let err = start_on_file(&dir, &torn, false)
        .await
        .err()
        .expect("refused");
    // The torn command's last argument header starts 13 bytes into it.
    assert!(
        err.contains(&format!("offset {}", good.len() + 13)),
        "{err}"
    );
    assert!(err.contains("Unexpected end of file"), "{err}");
    // aof-load-truncated yes: loads what is complete and truncates the file to it.
    let server = start_on_file(&dir, &torn, true).await.expect("starts");
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["MGET", "a", "b", "c"]).await), "[1,2,(nil)]");
    assert_eq!(
        std::fs::read(dir.join("appendonly.aof")).unwrap().len(),
        good.len()
    );
    // New records follow the cut.
    q(&mut c, &["SET", "d", "4"]).await;
    drop(c);
    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["MGET", "a", "b", "d"]).await), "[1,2,4]");
    drop(c);
    server.server.shutdown().await;

    // A transaction without its EXEC is dropped whole.
    let mut open_multi = good.clone();
    open_multi.extend(resp(&["MULTI"]));
    open_multi.extend(resp(&["SET", "x", "1"]));
    let server = start_on_file(&dir, &open_multi, true)
        .await
        .expect("starts");
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["EXISTS", "a", "x"]).await), "1");
    drop(c);
    server.server.shutdown().await;
    assert_eq!(
        std::fs::read(dir.join("appendonly.aof")).unwrap().len(),
        good.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn corruption_in_the_middle_refuses_to_start_with_the_offset() {
    let dir = temp_dir("corrupt");
    let first = resp(&["SET", "a", "1"]);
    let mut data = first.clone();
    data.extend(b"+garbage\r\n");
    data.extend(resp(&["SET", "b", "2"]));
    for load_truncated in [true, false] {
        let err = start_on_file(&dir, &data, load_truncated)
            .await
            .err()
            .expect("refused");
        assert!(err.contains(&format!("offset {}", first.len())), "{err}");
        assert!(err.contains("Bad file format"), "{err}");
    }
    // The file is left as it was.
    assert_eq!(std::fs::read(dir.join("appendonly.aof")).unwrap(), data);
    // A bulk whose length does not match its CRLF is corruption too.
    let mut bad_len = first.clone();
    bad_len.extend(b"*2\r\n$3\r\nGET\r\n$1\r\nab\r\n");
    let err = start_on_file(&dir, &bad_len, true)
        .await
        .err()
        .expect("refused");
    assert!(err.contains("Bad file format"), "{err}");
    // An unknown command refuses too.
    let mut unknown = first.clone();
    unknown.extend(resp(&["NOSUCHCMD", "x"]));
    let err = start_on_file(&dir, &unknown, true)
        .await
        .err()
        .expect("refused");
    assert!(err.contains("Unknown command 'NOSUCHCMD'"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn check_aof(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_herald-server"))
        .arg("--check-aof")
        .args(args)
        .output()
        .expect("run herald-server --check-aof");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn check_aof_reports_valid_truncated_and_corrupt_files() {
    let dir = temp_dir("check");
    let file = dir.join("x.aof");
    let path = file.to_str().expect("utf-8 path");
    let good = resp(&["SET", "a", "1"]);
    std::fs::write(&file, &good).unwrap();
    let (ok, out) = check_aof(&[path]);
    assert!(ok, "{out}");
    assert!(out.contains("is valid"), "{out}");

    let mut torn = good.clone();
    torn.extend(b"*2\r\n$3\r\nGE");
    std::fs::write(&file, &torn).unwrap();
    let (ok, out) = check_aof(&[path]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("truncated") && out.contains(&format!("ok_up_to={}", good.len())),
        "{out}"
    );
    let (ok, out) = check_aof(&["--fix", path]);
    assert!(ok, "{out}");
    assert_eq!(std::fs::read(&file).unwrap(), good);

    let mut corrupt = good.clone();
    corrupt.extend(b"hello\r\n");
    corrupt.extend(&good);
    std::fs::write(&file, &corrupt).unwrap();
    let (ok, out) = check_aof(&[path]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("format error at offset {}", good.len())),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Waits until `n` rewrites have finished.
async fn rewrites_done(server: &TestServer, n: u64) {
    let aof = &server.server.shared().aof;
    common::eventually("the AOF rewrite finishes", || async {
        aof.rewrites() >= n && !aof.rewrite_in_progress()
    })
    .await;
}

#[tokio::test]
async fn bgrewriteaof_compacts_the_file_to_the_current_state() {
    let dir = temp_dir("compact");
    let server = start_aof(&dir, "everysec").await;
    let mut c = server.conn().await;
    for _ in 0..300 {
        q(&mut c, &["INCR", "counter"]).await;
    }
    q(&mut c, &["RPUSH", "l", "a", "b"]).await;
    q(&mut c, &["SET", "ttl", "v", "PX", "900000"]).await;
    q(&mut c, &["HSET", "h", "f", "v", "g", "w"]).await;
    q(&mut c, &["HPEXPIRE", "h", "900000", "FIELDS", "1", "g"]).await;
    q(&mut c, &["SADD", "s", "1", "x"]).await;
    q(&mut c, &["ZADD", "z", "2.5", "m"]).await;
    let ttl = s(&q(&mut c, &["PEXPIRETIME", "ttl"]).await);
    q(&mut c, &["SELECT", "3"]).await;
    q(&mut c, &["SET", "three", "3"]).await;
    let before = std::fs::metadata(dir.join("appendonly.aof")).unwrap().len();
    let reply = q(&mut c, &["BGREWRITEAOF"]).await;
    assert_eq!(s(&reply), "Background append only file rewriting started");
    rewrites_done(&server, 1).await;
    q(&mut c, &["SELECT", "0"]).await;
    q(&mut c, &["SET", "after", "1"]).await;
    drop(c);
    server.server.shutdown().await;
    let after = std::fs::metadata(dir.join("appendonly.aof")).unwrap().len();
    assert!(after < before, "{after} < {before}");
    let cmds = aof_commands(&dir);
    assert!(named(&cmds, "INCR").is_empty(), "{cmds:?}");
    assert!(named(&cmds, "SET")
        .iter()
        .any(|c| c[1] == "counter" && c[2] == "300"));
    // The records after the rewrite follow it, with their own SELECT.
    let last = cmds.last().expect("commands");
    assert_eq!(last[..2], ["SET".to_string(), "after".to_string()]);
    assert_eq!(cmds[cmds.len() - 2][0], "SELECT");

    let server = start_aof(&dir, "everysec").await;
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["GET", "counter"]).await), "300");
    assert_eq!(s(&q(&mut c, &["LRANGE", "l", "0", "-1"]).await), "[a,b]");
    assert_eq!(s(&q(&mut c, &["PEXPIRETIME", "ttl"]).await), ttl);
    assert_eq!(s(&q(&mut c, &["HMGET", "h", "f", "g"]).await), "[v,w]");
    assert_eq!(s(&q(&mut c, &["HLEN", "h"]).await), "2");
    assert_ne!(
        s(&q(&mut c, &["HPEXPIRETIME", "h", "FIELDS", "1", "g"]).await),
        "[-1]"
    );
    assert_eq!(s(&q(&mut c, &["SCARD", "s"]).await), "2");
    assert_eq!(s(&q(&mut c, &["ZSCORE", "z", "m"]).await), "2.5");
    q(&mut c, &["SELECT", "3"]).await;
    assert_eq!(s(&q(&mut c, &["GET", "three"]).await), "3");
    q(&mut c, &["SELECT", "0"]).await;
    assert_eq!(s(&q(&mut c, &["GET", "after"]).await), "1");
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sets `k0` ... `k{n-1}` to `x`, in pipelines of 1000.
async fn fill(c: &mut MultiplexedConnection, n: usize) {
    for chunk in 0..n / 1000 {
        let mut p = redis::pipe();
        for i in 0..1000 {
            p.cmd("SET")
                .arg(format!("k{}", chunk * 1000 + i))
                .arg("x")
                .ignore();
        }
        let _: () = p.query_async(c).await.expect("fill");
    }
}

/// Asks for three rewrites, `pause_ms` apart, each after the previous one finished; returns
/// how many started.
async fn rewrite_repeatedly(
    server: &TestServer,
    c: &mut MultiplexedConnection,
    pause_ms: u64,
) -> u64 {
    let mut started = 0;
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
        if s(&q(c, &["BGREWRITEAOF"]).await).contains("started") {
            started += 1;
            rewrites_done(server, started).await;
        }
    }
    started
}

/// The values of `k0` ... `k19999`.
async fn all_k(c: &mut MultiplexedConnection) -> Vec<String> {
    let mut p = redis::pipe();
    for i in 0..20000 {
        p.cmd("GET").arg(format!("k{i}"));
    }
    let got: Vec<Value> = p.query_async(c).await.expect("gets");
    got.iter().map(s).collect()
}

#[tokio::test]
async fn bgrewriteaof_while_clients_write_loses_nothing() {
    let dir = temp_dir("concurrent");
    let server = start_aof(&dir, "everysec").await;
    let mut c = server.conn().await;
    // Enough keys that the dump spans many lock slices.
    fill(&mut c, 20_000).await;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let mut conn = c.clone();
            tokio::spawn(async move {
                let mut acked = 0u64;
                for i in 0..400u64 {
                    let _: i64 = redis::cmd("INCR")
                        .arg(format!("counter{w}"))
                        .query_async(&mut conn)
                        .await
                        .expect("incr");
                    // Also change keys the dump walks over: overwrite, delete, create.
                    let k = format!("k{}", (i * 37 + w) % 20000);
                    let _: () = redis::cmd("SET")
                        .arg(&k)
                        .arg(format!("w{w}-{i}"))
                        .query_async(&mut conn)
                        .await
                        .expect("set");
                    let _: i64 = redis::cmd("DEL")
                        .arg(format!("k{}", (i * 53 + 7 * w) % 20000))
                        .query_async(&mut conn)
                        .await
                        .expect("del");
                    let _: i64 = redis::cmd("RPUSH")
                        .arg(format!("list{w}"))
                        .arg(i)
                        .query_async(&mut conn)
                        .await
                        .expect("rpush");
                    acked += 1;
                }
                acked
            })
        })
        .collect();
    let started = rewrite_repeatedly(&server, &mut c, 15).await;
    assert!(started >= 1);
    let mut acked = Vec::new();
    for w in writers {
        acked.push(w.await.expect("writer"));
    }
    rewrites_done(&server, started).await;
    // The state the clients saw, to compare after the restart.
    let want = all_k(&mut c).await;
    drop(c);
    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    for (w, n) in acked.iter().enumerate() {
        assert_eq!(
            s(&q(&mut c, &["GET", &format!("counter{w}")]).await),
            n.to_string()
        );
        assert_eq!(
            s(&q(&mut c, &["LLEN", &format!("list{w}")]).await),
            n.to_string()
        );
    }
    assert_eq!(all_k(&mut c).await, want);
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn config_set_appendonly_yes_starts_the_file_from_a_rewrite() {
    let dir = temp_dir("runtime");
    let d = dir.to_string_lossy().into_owned();
    let server = start_with(move |c| c.rdb.dir = d).await;
    let mut c = server.conn().await;
    q(&mut c, &["SET", "before", "1"]).await;
    q(&mut c, &["RPUSH", "l", "x"]).await;
    assert_eq!(
        s(&q(&mut c, &["CONFIG", "GET", "appendonly"]).await),
        "[appendonly,no]"
    );
    q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]).await;
    rewrites_done(&server, 1).await;
    q(&mut c, &["SET", "after", "2"]).await;
    drop(c);
    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["MGET", "before", "after"]).await), "[1,2]");
    assert_eq!(s(&q(&mut c, &["LRANGE", "l", "0", "-1"]).await), "[x]");
    // And off again: nothing more is written.
    q(&mut c, &["CONFIG", "SET", "appendonly", "no"]).await;
    let len = std::fs::metadata(dir.join("appendonly.aof")).unwrap().len();
    q(&mut c, &["SET", "ignored", "1"]).await;
    drop(c);
    server.server.shutdown().await;
    assert_eq!(
        std::fs::metadata(dir.join("appendonly.aof")).unwrap().len(),
        len
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_file_is_rewritten_automatically_when_it_doubles() {
    let dir = temp_dir("auto");
    let d = dir.to_string_lossy().into_owned();
    let server = start_with(move |c| {
        c.rdb.dir = d;
        c.aof.enabled = true;
        c.aof.rewrite_min_size = 4096;
        c.aof.rewrite_percentage = 100;
    })
    .await;
    let mut c = server.conn().await;
    let info = {
        let mut out = String::new();
        server.server.shared().aof.write_info_fields(&mut out);
        out
    };
    assert!(
        info.contains("aof_enabled:1\r\n") && info.contains("aof_rewrites:0\r\n"),
        "{info}"
    );
    for _ in 0..400 {
        q(&mut c, &["INCR", "n"]).await;
    }
    rewrites_done(&server, 1).await;
    let mut out = String::new();
    server.server.shared().aof.write_info_fields(&mut out);
    assert!(out.contains("aof_last_bgrewrite_status:ok"), "{out}");
    drop(c);
    server.server.shutdown().await;
    let cmds = aof_commands(&dir);
    assert!(named(&cmds, "SET").iter().any(|c| c[1] == "n"), "{cmds:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn with_appendfsync_always_replies_keep_flowing_through_a_rewrite() {
    let dir = temp_dir("always-rewrite");
    let server = start_aof(&dir, "always").await;
    let mut c = server.conn().await;
    fill(&mut c, 5_000).await;
    let mut w = c.clone();
    let writer = tokio::spawn(async move {
        for i in 1..=300i64 {
            // Each reply waits for its fsync; a rewrite's switch must not hold one forever
            // (the connection's response timeout would fail the test).
            let n: i64 = redis::cmd("INCR")
                .arg("n")
                .query_async(&mut w)
                .await
                .expect("incr");
            assert_eq!(n, i);
        }
    });
    assert!(rewrite_repeatedly(&server, &mut c, 0).await >= 1);
    common::within("writer", writer).await.expect("writer");
    drop(c);
    let server = restart(server, &dir).await;
    let mut c = server.conn().await;
    assert_eq!(s(&q(&mut c, &["GET", "n"]).await), "300");
    assert_eq!(s(&q(&mut c, &["DBSIZE"]).await), "5001");
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
