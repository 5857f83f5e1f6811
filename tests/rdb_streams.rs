//! Streams in RDB files: a dump Herald writes loads in the real redis-server (Debian's 7.0.15)
//! with the same entries, counters, groups, PELs (delivery times and counts) and consumers;
//! a dump redis-server writes loads in Herald with the same replies; and Herald reloads its
//! own dump identically.

mod common;
mod compare;
mod rdb_support;
mod stream_support;

use common::start_with;
use rdb_support::TempDir;
use redis::aio::MultiplexedConnection;
use stream_support::*;

async fn redis_conn(port: u16) -> MultiplexedConnection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to redis-server")
}

fn redis_in(dir: &TempDir) -> compare::RedisGuard {
    compare::start_redis_with(&["--dir", &dir.dir(), "--dbfilename", "dump.rdb"])
}

async fn save(c: &mut MultiplexedConnection) {
    let r: String = redis::cmd("SAVE").query_async(c).await.unwrap();
    assert_eq!(r, "OK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_server_loads_streams_written_by_herald() {
    let dir = TempDir::new("streams-h2r");
    let d = dir.dir();
    let h = start_with(move |c| c.rdb.dir = d).await;
    let mut hc = h.conn().await;
    run_lines(&mut hc, &stream_dataset()).await;
    let herald_fp = stream_fingerprint(&mut hc, false).await;
    assert!(herald_fp.iter().any(|l| l.contains("alice")));
    save(&mut hc).await;
    h.server.shutdown().await;

    let redis = redis_in(&dir);
    let mut rc = redis_conn(redis.port()).await;
    assert_same(
        "redis-server loading Herald's dump",
        &herald_fp,
        &stream_fingerprint(&mut rc, false).await,
    );
    // Redis appends to what it loaded as to its own streams.
    let id: String = redis::cmd("XADD")
        .arg("s:chunks")
        .arg("*")
        .arg("name")
        .arg("new")
        .query_async(&mut rc)
        .await
        .unwrap();
    assert!(!id.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_loads_streams_written_by_redis_server() {
    let dir = TempDir::new("streams-r2h");
    let redis = redis_in(&dir);
    let mut rc = redis_conn(redis.port()).await;
    run_lines(&mut rc, &stream_dataset()).await;
    let redis_fp = stream_fingerprint(&mut rc, false).await;
    save(&mut rc).await;
    drop(redis);

    let d = dir.dir();
    let h = start_with(move |c| c.rdb.dir = d).await;
    let mut hc = h.conn().await;
    assert_same(
        "Herald loading redis-server's dump",
        &redis_fp,
        &stream_fingerprint(&mut hc, false).await,
    );
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_reloads_its_own_streams() {
    let dir = TempDir::new("streams-h2h");
    let d = dir.dir();
    let h = start_with(move |c| c.rdb.dir = d).await;
    let mut hc = h.conn().await;
    run_lines(&mut hc, &stream_dataset()).await;
    let before = stream_fingerprint(&mut hc, false).await;
    save(&mut hc).await;
    h.server.shutdown().await;

    let d = dir.dir();
    let h = start_with(move |c| c.rdb.dir = d).await;
    let mut hc = h.conn().await;
    assert_same(
        "Herald reloading its dump",
        &before,
        &stream_fingerprint(&mut hc, false).await,
    );
    h.server.shutdown().await;
}
