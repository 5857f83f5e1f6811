//! RDB interoperability with the real redis-server (Debian's 7.0.15): a dump Herald wrote
//! loads in Redis with the same keys, values, TTLs and encodings, and a dump Redis wrote
//! (explicit commands for every type and encoding, plus DEBUG POPULATE) loads in Herald.

mod common;
mod compare;
mod rdb_support;

use common::start_with;
use rdb_support::*;
use redis::aio::MultiplexedConnection;

/// The databases the interop dataset fills (a spread, to keep the test fast).
const DBS: [usize; 3] = [0, 7, 15];

async fn redis_conn(port: u16) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to redis-server")
}

fn redis_in(dir: &TempDir) -> compare::RedisGuard {
    compare::start_redis_with(&[
        "--dir",
        &dir.dir(),
        "--dbfilename",
        "dump.rdb",
        "--enable-debug-command",
        "yes",
        // Redis 7.0's built-in default is 512; 7.4 (and Herald) use 128.
        "--hash-max-listpack-entries",
        "128",
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_server_loads_a_dump_written_by_herald() {
    let dir = TempDir::new("interop-h2r");
    let d = dir.dir();
    let h = start_with(move |c| c.rdb.dir = d).await;
    let mut hc = h.conn().await;
    for db in DBS {
        run_all(&mut hc, &dataset(db)).await;
    }
    let herald_fp = fingerprint(
        &mut hc,
        16,
        Fp {
            redis70: true,
            ..Fp::default()
        },
    )
    .await;
    let r: String = redis::cmd("SAVE").query_async(&mut hc).await.unwrap();
    assert_eq!(r, "OK");
    h.server.shutdown().await;

    let redis = redis_in(&dir);
    let mut rc = redis_conn(redis.port()).await;
    let redis_fp = fingerprint(
        &mut rc,
        16,
        Fp {
            redis70: true,
            ..Fp::default()
        },
    )
    .await;
    assert_eq!(herald_fp.len(), redis_fp.len());
    for (h, r) in herald_fp.iter().zip(&redis_fp) {
        assert_eq!(h, r);
    }
    // And Redis's own DEBUG RELOAD of what it loaded still agrees (it re-reads its own save).
    let _: () = redis::cmd("DEBUG")
        .arg("RELOAD")
        .query_async(&mut rc)
        .await
        .unwrap();
    assert_eq!(
        fingerprint(
            &mut rc,
            16,
            Fp {
                redis70: true,
                ..Fp::default()
            }
        )
        .await,
        herald_fp
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_loads_a_dump_written_by_redis_server() {
    let dir = TempDir::new("interop-r2h");
    let redis = redis_in(&dir);
    let mut rc = redis_conn(redis.port()).await;
    for db in DBS {
        run_all(&mut rc, &dataset(db)).await;
    }
    let _: () = redis::cmd("SELECT")
        .arg(2)
        .query_async(&mut rc)
        .await
        .unwrap();
    let _: () = redis::cmd("DEBUG")
        .arg("POPULATE")
        .arg(2000)
        .query_async(&mut rc)
        .await
        .unwrap();
    let _: () = redis::cmd("SELECT")
        .arg(0)
        .query_async(&mut rc)
        .await
        .unwrap();
    let redis_fp = fingerprint(
        &mut rc,
        16,
        Fp {
            redis70: true,
            ..Fp::default()
        },
    )
    .await;
    assert!(redis_fp.len() > 2000);
    let r: String = redis::cmd("SAVE").query_async(&mut rc).await.unwrap();
    assert_eq!(r, "OK");
    drop(redis);
    assert!(nonempty(&dir.dump()));

    let d = dir.dir();
    let h = start_with(move |c| c.rdb.dir = d).await;
    let mut hc = h.conn().await;
    let herald_fp = fingerprint(
        &mut hc,
        16,
        Fp {
            redis70: true,
            ..Fp::default()
        },
    )
    .await;
    assert_eq!(herald_fp.len(), redis_fp.len());
    for (h, r) in herald_fp.iter().zip(&redis_fp) {
        assert_eq!(h, r);
    }
    h.server.shutdown().await;
}
