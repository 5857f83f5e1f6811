//! Streams in the append-only file: after a restart with `appendonly yes`, streams, groups,
//! PELs (IDs, owners, delivery counts and times) and consumers are what they were, whether
//! the file holds the commands as propagated (XADD with `*`, approximate trims, XREADGROUP,
//! XCLAIM, XAUTOCLAIM, XGROUP CREATE with `$`) or a BGREWRITEAOF dump of them; and the real
//! redis-server (7.0) replays such a file to the same streams.

mod common;
mod compare;
mod stream_support;

use common::{start_with, TestServer};
use std::path::{Path, PathBuf};
use stream_support::*;

/// A fresh, empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("herald-aof-streams-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

async fn start_aof(dir: &Path) -> TestServer {
    let dir = dir.to_string_lossy().into_owned();
    start_with(move |c| {
        c.rdb.dir = dir;
        c.aof.enabled = true;
    })
    .await
}

/// The AOF's text, to check what was recorded.
fn aof_text(dir: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join("appendonly.aof")).expect("aof file"))
        .into_owned()
}

async fn rewrite(server: &TestServer) {
    let mut c = server.conn().await;
    call(&mut c, &["BGREWRITEAOF"]).await;
    let aof = &server.server.shared().aof;
    common::eventually("the AOF rewrite finishes", || async {
        aof.rewrites() >= 1 && !aof.rewrite_in_progress()
    })
    .await;
}

/// Runs `lines`, optionally rewrites the AOF, restarts, and compares every stream.
async fn survives_restart(name: &str, lines: &[String], bgrewrite: bool) -> String {
    let dir = temp_dir(name);
    let server = start_aof(&dir).await;
    let mut c = server.conn().await;
    run_lines(&mut c, lines).await;
    if bgrewrite {
        rewrite(&server).await;
    }
    let before = stream_fingerprint(&mut c, true).await;
    assert!(!before.is_empty());
    drop(c);
    server.server.shutdown().await;
    let text = aof_text(&dir);
    let server = start_aof(&dir).await;
    let mut c = server.conn().await;
    assert_same(name, &before, &stream_fingerprint(&mut c, true).await);
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bgrewriteaof_dumps_streams_groups_and_pels() {
    let text = survives_restart("rewrite", &stream_dataset(), true).await;
    assert!(!text.contains("XREADGROUP"), "the dump holds no reads");
    assert!(text.contains("XSETID") && text.contains("ENTRIESADDED"));
    assert!(text.contains("XCLAIM") && text.contains("CREATECONSUMER"));
}

/// Commands whose replay would differ from their first run (generated IDs, approximate trims,
/// reads and claims that depend on the time) and must be recorded by their effect.
fn effect_commands() -> Vec<String> {
    let mut c = vec!["XGROUP CREATE p:empty-read g $ MKSTREAM".to_string()];
    for i in 0..260 {
        c.push(format!("XADD p:auto MAXLEN ~ 150 * n {i}"));
    }
    c.push("XGROUP CREATE p:auto late $".into());
    c.push("XGROUP CREATE p:auto g 0".into());
    c.push("XREADGROUP GROUP g alice COUNT 4 STREAMS p:auto >".into());
    c.push("XREADGROUP GROUP g alice COUNT 2 STREAMS p:auto 0".into());
    c.push("XREADGROUP GROUP g bob COUNT 3 NOACK STREAMS p:auto >".into());
    c.push("XREADGROUP GROUP g carol COUNT 3 STREAMS p:auto >".into());
    c.push("XREADGROUP GROUP g idle COUNT 3 STREAMS p:empty-read >".into());
    c.push("XTRIM p:auto MAXLEN ~ 120".into());
    c.push("XADD p:minid * a 1".into());
    c.push("XTRIM p:minid MINID ~ 0".into());
    c.push("XAUTOCLAIM p:auto g dave 0 0-0 COUNT 2".into());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_commands_are_recorded_by_their_effect() {
    let dir = temp_dir("effects");
    let server = start_aof(&dir).await;
    let mut c = server.conn().await;
    call(
        &mut c,
        &["XGROUP", "CREATE", "p:block", "g", "$", "MKSTREAM"],
    )
    .await;
    run_lines(&mut c, &effect_commands()).await;
    // XCLAIM of an entry of alice's by erin, then one whose entry was deleted.
    let pending: Vec<(String, String, i64, i64)> = redis::from_redis_value(
        call(
            &mut c,
            &["XPENDING", "p:auto", "g", "-", "+", "10", "alice"],
        )
        .await,
    )
    .unwrap();
    call(
        &mut c,
        &["XCLAIM", "p:auto", "g", "erin", "0", &pending[0].0],
    )
    .await;
    call(&mut c, &["XDEL", "p:auto", &pending[1].0]).await;
    call(
        &mut c,
        &["XCLAIM", "p:auto", "g", "erin", "0", &pending[1].0],
    )
    .await;
    // A blocked XREADGROUP served by a later XADD.
    let mut blocked = server.conn().await;
    let waiter = tokio::spawn(async move {
        call(
            &mut blocked,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "frank",
                "BLOCK",
                "0",
                "STREAMS",
                "p:block",
                ">",
            ],
        )
        .await
    });
    common::eventually("the reader blocks", || async {
        server.info_int("blocked_clients").await == 1
    })
    .await;
    call(&mut c, &["XADD", "p:block", "*", "late", "1"]).await;
    let served = waiter.await.expect("reader");
    assert!(format!("{served:?}").contains("late"));
    // Delivery times are kept: an entry's idle time only grows across the restart.
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let idle_before = idle_of(&mut c, "carol").await;
    assert!(idle_before >= 30);

    let before = stream_fingerprint_p(&mut c).await;
    drop(c);
    server.server.shutdown().await;
    let text = aof_text(&dir);
    for absent in ["XREADGROUP", "XAUTOCLAIM", " ~\r", "\r\n*\r\n", "\r\n$\r\n"] {
        assert!(!text.contains(absent), "{absent:?} recorded");
    }
    for present in [
        "LASTID",
        "CREATECONSUMER",
        "XACK",
        "ENTRIESREAD",
        "\r\n=\r\n",
    ] {
        assert!(text.contains(present), "{present:?} not recorded");
    }
    let server = start_aof(&dir).await;
    let mut c = server.conn().await;
    assert_same("effects", &before, &stream_fingerprint_p(&mut c).await);
    assert!(idle_of(&mut c, "carol").await >= idle_before);
    drop(c);
    server.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The idle time of the first entry pending for `consumer` in `p:auto`'s group `g`.
async fn idle_of(c: &mut redis::aio::MultiplexedConnection, consumer: &str) -> i64 {
    let p: Vec<(String, String, i64, i64)> = redis::from_redis_value(
        call(c, &["XPENDING", "p:auto", "g", "-", "+", "1", consumer]).await,
    )
    .unwrap();
    p[0].2
}

/// [`stream_fingerprint`] of the `p:*` streams (renamed to `s:*` for it).
async fn stream_fingerprint_p(c: &mut redis::aio::MultiplexedConnection) -> Vec<String> {
    let keys: Vec<String> = redis::from_redis_value(call(c, &["KEYS", "p:*"]).await).unwrap();
    assert!(keys.len() >= 3);
    for k in &keys {
        call(c, &["RENAME", k, &format!("s:{k}")]).await;
    }
    let fp = stream_fingerprint(c, true).await;
    for k in &keys {
        call(c, &["RENAME", &format!("s:{k}"), k]).await;
    }
    fp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_server_replays_the_aof_herald_wrote() {
    let dir = temp_dir("interop");
    let server = start_aof(&dir).await;
    let mut c = server.conn().await;
    run_lines(&mut c, &stream_dataset()).await;
    rewrite(&server).await;
    run_lines(&mut c, &effect_commands()).await;
    let before = stream_fingerprint_p(&mut c).await;
    drop(c);
    server.server.shutdown().await;

    let d = dir.to_string_lossy().into_owned();
    let redis = compare::start_redis_with(&[
        "--dir",
        &d,
        "--appendonly",
        "yes",
        "--appendfilename",
        "appendonly.aof",
    ]);
    let mut rc = redis::Client::open(format!("redis://127.0.0.1:{}/", redis.port()))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to redis-server");
    assert_same(
        "redis-server replaying Herald's AOF",
        &before,
        &stream_fingerprint_p(&mut rc).await,
    );
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}
