//! RDB snapshots: round trips of every type and encoding through SAVE and a restart, all
//! databases, expiries, large values, compression and checksum options, corrupt and torn
//! files, BGSAVE under concurrent writes, `save` rules, LASTSAVE and INFO persistence.

mod common;
mod rdb_support;

use common::{info_field, start_with, TestServer};
use herald::server::StartError;
use herald::{Config, Server};
use rdb_support::*;

async fn server_in(dir: &TempDir, edit: impl FnOnce(&mut Config)) -> TestServer {
    let d = dir.dir();
    start_with(move |c| {
        c.rdb.dir = d;
        edit(c);
    })
    .await
}

async fn start_err(dir: &TempDir) -> StartError {
    let cfg = Config {
        port: 0,
        bind: vec!["127.0.0.1".into()],
        rdb: herald::persistence::RdbConfig {
            dir: dir.dir(),
            ..Default::default()
        },
        ..Config::default()
    };
    match Server::start(cfg).await {
        Ok(_) => panic!("a server started on a broken snapshot"),
        Err(e) => e,
    }
}

async fn save(c: &mut redis::aio::MultiplexedConnection) {
    let r: String = redis::cmd("SAVE").query_async(c).await.unwrap();
    assert_eq!(r, "OK");
}

#[tokio::test]
async fn every_type_and_encoding_survives_a_restart_in_all_dbs() {
    let dir = TempDir::new("roundtrip");
    let a = server_in(&dir, |_| {}).await;
    let mut c = a.conn().await;
    for db in 0..16 {
        run_all(&mut c, &dataset(db)).await;
    }
    run_all(&mut c, &dataset_hfe(3)).await;
    let before = fingerprint(
        &mut c,
        16,
        Fp {
            field_ttls: true,
            ..Fp::default()
        },
    )
    .await;
    assert!(before.len() > 16 * 20, "{}", before.len());
    for enc in [
        "intset",
        "listpack",
        "hashtable",
        "skiplist",
        "quicklist",
        "listpackex",
        "int",
        "embstr",
        "raw",
    ] {
        assert!(
            before.iter().any(|l| l.contains(&format!(" {enc} "))),
            "no {enc} value"
        );
    }
    save(&mut c).await;
    assert!(nonempty(&dir.dump()));
    let b = server_in(&dir, |_| {}).await;
    let mut c2 = b.conn().await;
    let after = fingerprint(
        &mut c2,
        16,
        Fp {
            field_ttls: true,
            ..Fp::default()
        },
    )
    .await;
    assert_eq!(before, after);
    a.server.shutdown().await;
    b.server.shutdown().await;
}

#[tokio::test]
async fn large_values_and_options_round_trip() {
    for (compress, checksum) in [(true, true), (false, false)] {
        let dir = TempDir::new(&format!("large-{compress}-{checksum}"));
        let a = server_in(&dir, |c| {
            c.rdb.compression = compress;
            c.rdb.checksum = checksum;
        })
        .await;
        let mut c = a.conn().await;
        let big: Vec<u8> = (0..10_000_000u32).map(|i| (i % 251) as u8).collect();
        let _: () = redis::cmd("SET")
            .arg("big")
            .arg(&big)
            .query_async(&mut c)
            .await
            .unwrap();
        let mut pipe = redis::pipe();
        for chunk in 0..100 {
            let mut cmd = redis::cmd("ZADD");
            cmd.arg("bigz");
            for i in 0..1000 {
                let n = chunk * 1000 + i;
                cmd.arg(n as f64 / 7.0).arg(format!("member:{n}"));
            }
            pipe.add_command(cmd).ignore();
        }
        let () = pipe.query_async(&mut c).await.unwrap();
        save(&mut c).await;
        let size = std::fs::metadata(dir.dump()).unwrap().len();
        if compress {
            assert!(size < 5_000_000, "compressed dump is {size} bytes");
        } else {
            assert!(size > 10_000_000, "uncompressed dump is {size} bytes");
        }
        let tail = std::fs::read(dir.dump()).unwrap();
        let crc = &tail[tail.len() - 8..];
        assert_eq!(crc == [0u8; 8], !checksum, "checksum bytes {crc:?}");
        let b = server_in(&dir, |_| {}).await;
        let mut c2 = b.conn().await;
        let got: Vec<u8> = redis::cmd("GET")
            .arg("big")
            .query_async(&mut c2)
            .await
            .unwrap();
        assert!(got == big, "10 MB string differs after reload");
        let n: i64 = redis::cmd("ZCARD")
            .arg("bigz")
            .query_async(&mut c2)
            .await
            .unwrap();
        assert_eq!(n, 100_000);
        let s: f64 = redis::cmd("ZSCORE")
            .arg("bigz")
            .arg("member:77777")
            .query_async(&mut c2)
            .await
            .unwrap();
        assert_eq!(s, 77777.0 / 7.0);
        let enc: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg("bigz")
            .query_async(&mut c2)
            .await
            .unwrap();
        assert_eq!(enc, "skiplist");
        a.server.shutdown().await;
        b.server.shutdown().await;
    }
}

#[tokio::test]
async fn expired_keys_are_not_saved() {
    let dir = TempDir::new("expired");
    let a = server_in(&dir, |_| {}).await;
    let mut c = a.conn().await;
    let _: () = redis::cmd("DEBUG")
        .arg("SET-ACTIVE-EXPIRE")
        .arg(0)
        .query_async(&mut c)
        .await
        .unwrap_or(());
    let _: () = redis::cmd("SET")
        .arg("gone")
        .arg("x")
        .arg("PX")
        .arg(1)
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("kept")
        .arg("y")
        .query_async(&mut c)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    save(&mut c).await;
    let b = server_in(&dir, |_| {}).await;
    let mut c2 = b.conn().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut c2)
        .await
        .unwrap();
    assert_eq!(keys, vec!["kept".to_string()]);
    a.server.shutdown().await;
    b.server.shutdown().await;
}

#[tokio::test]
async fn corrupt_and_torn_files_refuse_to_start_naming_the_offset() {
    let dir = TempDir::new("corrupt");
    let a = server_in(&dir, |_| {}).await;
    let mut c = a.conn().await;
    run_all(&mut c, &dataset(0)).await;
    save(&mut c).await;
    a.server.shutdown().await;
    let good = std::fs::read(dir.dump()).unwrap();
    // Torn at several places: every one refuses to start and names an offset inside the file.
    for cut in [
        5,
        20,
        good.len() / 3,
        good.len() / 2,
        good.len() - 9,
        good.len() - 3,
    ] {
        std::fs::write(dir.dump(), &good[..cut]).unwrap();
        let e = start_err(&dir).await;
        let text = e.to_string();
        let StartError::Load(err) = e else {
            panic!("wrong error {text}")
        };
        assert!(
            err.offset <= cut as u64,
            "offset {} beyond the cut {cut}: {text}",
            err.offset
        );
        assert!(text.contains(&format!("offset {}", err.offset)), "{text}");
    }
    // A flipped byte in a value: the checksum catches it, at the checksum's offset.
    let mut bad = good.clone();
    let mid = good.len() / 2;
    bad[mid] ^= 0x55;
    std::fs::write(dir.dump(), &bad).unwrap();
    let text = start_err(&dir).await.to_string();
    assert!(text.contains("offset"), "{text}");
    // An unknown type byte right after the header's aux fields.
    std::fs::write(dir.dump(), b"REDIS0010\xfe\x00\x42\x01k\x01v\xff").unwrap();
    let text = start_err(&dir).await.to_string();
    assert!(
        text.contains("unsupported value type 66") && text.contains("offset 11"),
        "{text}"
    );
    // A newer version than Herald knows.
    std::fs::write(dir.dump(), b"REDIS0099\xff").unwrap();
    let text = start_err(&dir).await.to_string();
    assert!(text.contains("version 0099"), "{text}");
}

#[tokio::test]
async fn bgsave_keeps_every_write_acknowledged_before_it() {
    let dir = TempDir::new("bgsave");
    let a = server_in(&dir, |_| {}).await;
    let mut c = a.conn().await;
    // Preload so the save takes a while.
    let mut pipe = redis::pipe();
    for i in 0..50_000 {
        pipe.cmd("SET").arg(format!("pre:{i}")).arg(i).ignore();
    }
    let () = pipe.query_async(&mut c).await.unwrap();
    // A writer that keeps writing and counts what was acknowledged.
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(-1));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut wc = a.conn().await;
    let (ack2, stop2) = (acked.clone(), stop.clone());
    let writer = tokio::spawn(async move {
        let mut i = 0i64;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) && i < 200_000 {
            let _: () = redis::cmd("SET")
                .arg(format!("w:{i}"))
                .arg(i)
                .query_async(&mut wc)
                .await
                .unwrap();
            ack2.store(i, std::sync::atomic::Ordering::SeqCst);
            i += 1;
        }
        i
    });
    while acked.load(std::sync::atomic::Ordering::SeqCst) < 200 {
        tokio::task::yield_now().await;
    }
    let before_bgsave = acked.load(std::sync::atomic::Ordering::SeqCst);
    let r: String = redis::cmd("BGSAVE").query_async(&mut c).await.unwrap();
    assert_eq!(r, "Background saving started");
    let again: redis::RedisResult<String> = redis::cmd("BGSAVE").query_async(&mut c).await;
    if let Err(e) = again {
        assert!(
            e.to_string()
                .contains("Background save already in progress"),
            "{e}"
        );
    }
    wait_bgsave_done(&mut c).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("persistence")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(
        info_field(&info, "rdb_last_bgsave_status").as_deref(),
        Some("ok"),
        "{info}"
    );
    let cow: u64 = info_field(&info, "rdb_last_cow_size")
        .unwrap()
        .parse()
        .unwrap();
    eprintln!("rdb_last_cow_size={cow}");
    let stats: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut c)
        .await
        .unwrap();
    let fork_usec: i64 = info_field(&stats, "latest_fork_usec")
        .unwrap()
        .parse()
        .unwrap();
    assert!(fork_usec > 0);
    eprintln!(
        "BGSAVE of 50k keys: latest_fork_usec={fork_usec}, writer wrote {written} keys meanwhile"
    );
    // Load the snapshot elsewhere: everything acknowledged before BGSAVE is there.
    let b = server_in(&dir, |_| {}).await;
    let mut c2 = b.conn().await;
    for i in [0, before_bgsave / 2, before_bgsave] {
        let v: Option<i64> = redis::cmd("GET")
            .arg(format!("w:{i}"))
            .query_async(&mut c2)
            .await
            .unwrap();
        assert_eq!(v, Some(i), "w:{i} acknowledged before BGSAVE is missing");
    }
    let mut pipe = redis::pipe();
    for i in 0..=before_bgsave {
        pipe.cmd("EXISTS").arg(format!("w:{i}"));
    }
    let exists: Vec<i64> = pipe.query_async(&mut c2).await.unwrap();
    assert!(exists.iter().all(|&e| e == 1));
    let pre: i64 = redis::cmd("DBSIZE").query_async(&mut c2).await.unwrap();
    assert!(pre > 50_000 + before_bgsave);
    a.server.shutdown().await;
    b.server.shutdown().await;
}

#[tokio::test]
async fn save_rules_lastsave_and_info_persistence() {
    let dir = TempDir::new("rules");
    let a = server_in(&dir, |c| c.rdb.save = vec![(1, 2)]).await;
    let mut c = a.conn().await;
    let save_cfg: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("save")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(save_cfg, vec!["save".to_string(), "1 2".to_string()]);
    let first: i64 = redis::cmd("LASTSAVE").query_async(&mut c).await.unwrap();
    let _: () = redis::cmd("SET")
        .arg("a")
        .arg(1)
        .query_async(&mut c)
        .await
        .unwrap();
    let info = a.info().await;
    assert_eq!(
        info_field(&info, "rdb_changes_since_last_save").as_deref(),
        Some("1")
    );
    let _: () = redis::cmd("SET")
        .arg("b")
        .arg(2)
        .query_async(&mut c)
        .await
        .unwrap();
    common::eventually("save rule fires", || async {
        let info = a.info().await;
        info_field(&info, "rdb_saves").as_deref() == Some("1")
            && info_field(&info, "rdb_bgsave_in_progress").as_deref() == Some("0")
    })
    .await;
    assert!(nonempty(&dir.dump()));
    let info = a.info().await;
    assert_eq!(
        info_field(&info, "rdb_changes_since_last_save").as_deref(),
        Some("0")
    );
    assert_eq!(
        info_field(&info, "rdb_last_bgsave_status").as_deref(),
        Some("ok")
    );
    let last: i64 = redis::cmd("LASTSAVE").query_async(&mut c).await.unwrap();
    assert!(last > first, "LASTSAVE {last} not after {first}");
    for f in [
        "loading",
        "async_loading",
        "rdb_last_save_time",
        "rdb_last_bgsave_time_sec",
        "rdb_current_bgsave_time_sec",
        "aof_enabled",
        "aof_rewrite_in_progress",
    ] {
        assert!(info_field(&info, f).is_some(), "INFO lacks {f}");
    }
    let r: redis::RedisResult<()> = redis::cmd("BGSAVE").arg("NOW").query_async(&mut c).await;
    assert!(r.unwrap_err().to_string().contains("syntax error"));
    // With save rules, FLUSHALL writes the emptied dataset at once (as Redis).
    let _: () = redis::cmd("FLUSHALL").query_async(&mut c).await.unwrap();
    let b = server_in(&dir, |_| {}).await;
    let mut c2 = b.conn().await;
    let n: i64 = redis::cmd("DBSIZE").query_async(&mut c2).await.unwrap();
    assert_eq!(n, 0);
    a.server.shutdown().await;
    b.server.shutdown().await;
}

#[tokio::test]
async fn failed_bgsave_stops_writes_with_misconf() {
    let dir = TempDir::new("misconf");
    let gone = dir.0.join("sub");
    std::fs::create_dir_all(&gone).unwrap();
    let g = gone.display().to_string();
    let a = start_with(move |c| {
        c.rdb.dir = g;
        c.rdb.save = vec![(3600, 1)];
    })
    .await;
    let mut c = a.conn().await;
    std::fs::remove_dir_all(&gone).unwrap();
    let r: String = redis::cmd("BGSAVE").query_async(&mut c).await.unwrap();
    assert_eq!(r, "Background saving started");
    wait_bgsave_done(&mut c).await;
    let info = a.info().await;
    assert_eq!(
        info_field(&info, "rdb_last_bgsave_status").as_deref(),
        Some("err")
    );
    let e = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async::<()>(&mut c)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("MISCONF"), "{e}");
    let v: Option<String> = redis::cmd("GET")
        .arg("k")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(v, None);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("stop-writes-on-bgsave-error")
        .arg("no")
        .query_async(&mut c)
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async(&mut c)
        .await
        .unwrap();
    let e = redis::cmd("SAVE")
        .query_async::<()>(&mut c)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ERR"), "{e}");
    a.server.shutdown().await;
}

#[tokio::test]
async fn bgsave_inside_exec_is_scheduled() {
    let dir = TempDir::new("exec");
    let a = server_in(&dir, |_| {}).await;
    let mut c = a.conn().await;
    let (r,): (String,) = redis::pipe()
        .atomic()
        .cmd("SET")
        .arg("k")
        .arg("v")
        .ignore()
        .cmd("BGSAVE")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(r, "Background saving scheduled");
    common::eventually("scheduled BGSAVE runs", || async {
        let info = a.info().await;
        info_field(&info, "rdb_saves").as_deref() == Some("1")
            && info_field(&info, "rdb_bgsave_in_progress").as_deref() == Some("0")
    })
    .await;
    assert!(nonempty(&dir.dump()));
    a.server.shutdown().await;
}
