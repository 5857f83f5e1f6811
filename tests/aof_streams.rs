//! Streams in the append-only file: after a restart with `appendonly yes`, streams, groups,
//! PELs (IDs, owners, delivery counts and times) and consumers are what they were, whether
//! the file holds the commands as propagated (XADD with `*`, approximate trims, XREADGROUP,
//! XCLAIM, XAUTOCLAIM, XGROUP CREATE with `$`) or a BGREWRITEAOF dump of them.

mod common;
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
