//! `maxmemory`: eviction policies, the OOM error, INFO fields and the config directives.
//!
//! Used memory is process-wide, so every test here runs under one lock and sets its limit
//! relative to the current reading.

mod common;

use common::*;
use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

const OOM_DETAIL: &str = "command not allowed when used memory > 'maxmemory'.";

async fn config_set(con: &mut MultiplexedConnection, name: &str, value: &str) {
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg(name)
        .arg(value)
        .query_async(con)
        .await
        .unwrap();
}

async fn config_get(con: &mut MultiplexedConnection, name: &str) -> Vec<String> {
    redis::cmd("CONFIG")
        .arg("GET")
        .arg(name)
        .query_async(con)
        .await
        .unwrap()
}

async fn info_field(con: &mut MultiplexedConnection, section: &str, field: &str) -> String {
    let text: String = redis::cmd("INFO")
        .arg(section)
        .query_async(con)
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
        .to_string()
}

/// Sets maxmemory to the current used memory plus `extra` bytes.
async fn limit_above_current(con: &mut MultiplexedConnection, extra: u64) {
    let used = herald::memory::used_memory();
    config_set(con, "maxmemory", &(used + extra).to_string()).await;
}

async fn set(con: &mut MultiplexedConnection, key: &str, len: usize) -> redis::RedisResult<()> {
    redis::cmd("SET")
        .arg(key)
        .arg(vec![b'x'; len])
        .query_async(con)
        .await
}

async fn exists(con: &mut MultiplexedConnection, keys: &[String]) -> i64 {
    redis::cmd("EXISTS")
        .arg(keys)
        .query_async(con)
        .await
        .unwrap()
}

fn assert_oom(e: &redis::RedisError) {
    assert_eq!(e.code(), Some("OOM"), "{e}");
    assert_eq!(e.detail(), Some(OOM_DETAIL), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_round_trip_and_info() {
    let _g = SERIAL.lock().await;
    let srv = start().await;
    let mut con = srv.conn().await;
    assert_eq!(config_get(&mut con, "maxmemory").await, ["maxmemory", "0"]);
    assert_eq!(
        config_get(&mut con, "maxmemory-policy").await,
        ["maxmemory-policy", "noeviction"]
    );
    assert_eq!(
        config_get(&mut con, "maxmemory-samples").await,
        ["maxmemory-samples", "5"]
    );
    assert_eq!(
        config_get(&mut con, "lfu-log-factor").await,
        ["lfu-log-factor", "10"]
    );
    assert_eq!(
        config_get(&mut con, "lfu-decay-time").await,
        ["lfu-decay-time", "1"]
    );
    assert_eq!(info_field(&mut con, "memory", "maxmemory").await, "0");
    assert_eq!(
        info_field(&mut con, "memory", "maxmemory_human").await,
        "0B"
    );

    config_set(&mut con, "maxmemory", "1gb").await;
    config_set(&mut con, "maxmemory-policy", "ALLKEYS-LRU").await;
    config_set(&mut con, "maxmemory-samples", "10").await;
    assert_eq!(
        config_get(&mut con, "maxmemory").await,
        ["maxmemory", "1073741824"]
    );
    assert_eq!(
        config_get(&mut con, "maxmemory-policy").await,
        ["maxmemory-policy", "allkeys-lru"]
    );
    assert_eq!(
        config_get(&mut con, "maxmemory-samples").await,
        ["maxmemory-samples", "10"]
    );
    assert_eq!(
        info_field(&mut con, "memory", "maxmemory").await,
        "1073741824"
    );
    assert_eq!(
        info_field(&mut con, "memory", "maxmemory_human").await,
        "1.00G"
    );
    assert_eq!(
        info_field(&mut con, "memory", "maxmemory_policy").await,
        "allkeys-lru"
    );

    let e = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("lru")
        .query_async::<()>(&mut con)
        .await
        .unwrap_err();
    assert_eq!(
        e.detail(),
        Some("CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
    );
    let e = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-samples")
        .arg("0")
        .query_async::<()>(&mut con)
        .await
        .unwrap_err();
    assert_eq!(
        e.detail(),
        Some("CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be between 1 and 2147483647 inclusive")
    );

    // OBJECT FREQ only under an LFU policy; OBJECT IDLETIME only outside one.
    set(&mut con, "k", 1).await.unwrap();
    let e = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("k")
        .query_async::<i64>(&mut con)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("An LFU maxmemory policy is not selected"),
        "{e}"
    );
    config_set(&mut con, "maxmemory-policy", "allkeys-lfu").await;
    set(&mut con, "k2", 1).await.unwrap();
    let f: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("k2")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(f, 5, "new keys start at LFU_INIT_VAL");
    let e = redis::cmd("OBJECT")
        .arg("IDLETIME")
        .arg("k2")
        .query_async::<i64>(&mut con)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("An LFU maxmemory policy is selected"),
        "{e}"
    );
    config_set(&mut con, "maxmemory-policy", "noeviction").await;
    config_set(&mut con, "maxmemory", "0").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noeviction_refuses_writes_but_allows_reads_and_deletes() {
    let _g = SERIAL.lock().await;
    let srv = start().await;
    let mut con = srv.conn().await;
    set(&mut con, "keep", 10).await.unwrap();
    limit_above_current(&mut con, 2 << 20).await;
    let mut refused = None;
    for i in 0..2000 {
        if let Err(e) = set(&mut con, &format!("fill:{i}"), 8000).await {
            refused = Some(e);
            break;
        }
    }
    let e = refused.expect("never reached maxmemory");
    assert_oom(&e);
    // Stay over the limit for the rest of the test whatever the process's other threads free
    // meanwhile (used memory is process-wide; the DEL below frees a little too).
    config_set(&mut con, "maxmemory", "1").await;
    // Still refused; reads and deletes work.
    assert_oom(&set(&mut con, "another", 10).await.unwrap_err());
    let v: Vec<u8> = redis::cmd("GET")
        .arg("keep")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(v, vec![b'x'; 10]);
    let n: i64 = redis::cmd("DEL")
        .arg("keep")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Inside MULTI the rejection flags the transaction.
    let () = redis::cmd("MULTI").query_async(&mut con).await.unwrap();
    assert_oom(&set(&mut con, "m", 10).await.unwrap_err());
    let e = redis::cmd("EXEC")
        .query_async::<redis::Value>(&mut con)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("EXECABORT"), "{e}");
    assert_eq!(info_field(&mut con, "stats", "evicted_keys").await, "0");
    // Lifting the limit allows writes again.
    config_set(&mut con, "maxmemory", "0").await;
    set(&mut con, "another", 10).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allkeys_lru_evicts_idle_keys_and_notifies() {
    let _g = SERIAL.lock().await;
    let srv = start().await;
    let mut con = srv.conn().await;
    config_set(&mut con, "notify-keyspace-events", "Ee").await;
    let mut sub = srv.pubsub().await;
    sub.psubscribe("__keyevent@0__:evicted").await.unwrap();

    let cold: Vec<String> = (0..1000).map(|i| format!("cold:{i}")).collect();
    for k in &cold {
        set(&mut con, k, 4000).await.unwrap();
    }
    // Let the cold keys become idle (the LRU clock has one-second resolution).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let hot: Vec<String> = (0..20).map(|i| format!("hot:{i}")).collect();
    for k in &hot {
        set(&mut con, k, 4000).await.unwrap();
    }
    config_set(&mut con, "maxmemory-policy", "allkeys-lru").await;
    limit_above_current(&mut con, 512 << 10).await;
    for i in 0..400 {
        set(&mut con, &format!("new:{i}"), 4000)
            .await
            .expect("allkeys-lru never refuses while keys remain");
        if i % 50 == 0 {
            for k in &hot {
                let _: Option<Vec<u8>> = redis::cmd("GET")
                    .arg(k)
                    .query_async(&mut con)
                    .await
                    .unwrap();
            }
        }
    }
    assert_eq!(exists(&mut con, &hot).await, 20, "hot keys survive");
    assert!(
        exists(&mut con, &cold).await < 1000,
        "cold keys were evicted"
    );
    let evicted: u64 = info_field(&mut con, "stats", "evicted_keys")
        .await
        .parse()
        .unwrap();
    assert!(evicted > 0);
    let mut stream = sub.on_message();
    let msg = tokio::time::timeout(Duration::from_secs(2), stream.next())
        .await
        .expect("no evicted event")
        .unwrap();
    assert_eq!(msg.get_channel_name(), "__keyevent@0__:evicted");
    let key: String = msg.get_payload().unwrap();
    assert!(key.starts_with("cold:"), "{key}");
    config_set(&mut con, "maxmemory", "0").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allkeys_lfu_keeps_frequently_used_keys() {
    let _g = SERIAL.lock().await;
    let srv = start().await;
    let mut con = srv.conn().await;
    config_set(&mut con, "maxmemory-policy", "allkeys-lfu").await;
    let cold: Vec<String> = (0..1000).map(|i| format!("cold:{i}")).collect();
    for k in &cold {
        set(&mut con, k, 4000).await.unwrap();
    }
    let hot: Vec<String> = (0..20).map(|i| format!("hot:{i}")).collect();
    for k in &hot {
        set(&mut con, k, 4000).await.unwrap();
        for _ in 0..10 {
            let _: Vec<u8> = redis::cmd("GET")
                .arg(k)
                .query_async(&mut con)
                .await
                .unwrap();
        }
    }
    let f: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg("hot:0")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(f > 5, "{f}");
    limit_above_current(&mut con, 512 << 10).await;
    for i in 0..400 {
        set(&mut con, &format!("new:{i}"), 4000).await.unwrap();
    }
    assert_eq!(
        exists(&mut con, &hot).await,
        20,
        "frequently used keys survive"
    );
    assert!(
        exists(&mut con, &cold).await < 1000,
        "rarely used keys were evicted"
    );
    config_set(&mut con, "maxmemory", "0").await;
    config_set(&mut con, "maxmemory-policy", "noeviction").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volatile_policies_evict_only_keys_with_ttl() {
    let _g = SERIAL.lock().await;
    let srv = start().await;
    let mut con = srv.conn().await;
    for policy in [
        "volatile-lru",
        "volatile-ttl",
        "volatile-random",
        "volatile-lfu",
    ] {
        let () = redis::cmd("FLUSHALL").query_async(&mut con).await.unwrap();
        config_set(&mut con, "maxmemory", "0").await;
        config_set(&mut con, "maxmemory-policy", policy).await;
        let perm: Vec<String> = (0..200).map(|i| format!("perm:{i}")).collect();
        for k in &perm {
            set(&mut con, k, 4000).await.unwrap();
        }
        for i in 0..300 {
            let () = redis::cmd("SET")
                .arg(format!("vol:{i}"))
                .arg(vec![b'y'; 4000])
                .arg("EX")
                .arg(1000 + i)
                .query_async(&mut con)
                .await
                .unwrap();
        }
        limit_above_current(&mut con, 256 << 10).await;
        let mut refused = None;
        for i in 0..3000 {
            if let Err(e) = set(&mut con, &format!("new:{i}"), 4000).await {
                refused = Some(e);
                break;
            }
        }
        let e = refused.unwrap_or_else(|| panic!("{policy}: never refused"));
        assert_oom(&e);
        assert_eq!(
            exists(&mut con, &perm).await,
            200,
            "{policy}: keys without TTL stay"
        );
        let vol: Vec<String> = (0..300).map(|i| format!("vol:{i}")).collect();
        assert_eq!(
            exists(&mut con, &vol).await,
            0,
            "{policy}: volatile keys evicted first"
        );
    }
    config_set(&mut con, "maxmemory", "0").await;
    config_set(&mut con, "maxmemory-policy", "noeviction").await;
}

/// EXEC is refused over the limit when a queued command may add data (Redis's
/// `mstate.cmd_flags` check), discarding the transaction; a read-only transaction still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_queued_writes_is_refused_over_the_limit() {
    let _g = SERIAL.lock().await;
    let srv = start().await;
    let mut con = srv.conn().await;
    let mut admin = srv.conn().await;
    set(&mut con, "present", 5).await.unwrap();

    let () = redis::cmd("MULTI").query_async(&mut con).await.unwrap();
    let queued: String = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(queued, "QUEUED");
    config_set(&mut admin, "maxmemory", "1").await;
    let e = redis::cmd("EXEC")
        .query_async::<redis::Value>(&mut con)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("EXECABORT"), "{e}");
    assert_eq!(
        e.detail(),
        Some(format!("Transaction discarded because of: OOM {OOM_DETAIL}").as_str()),
        "{e}"
    );
    let v: Option<String> = redis::cmd("GET")
        .arg("k")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(v, None, "the aborted transaction must not have run");

    // The transaction is gone: EXEC now has no MULTI.
    let e = redis::cmd("EXEC")
        .query_async::<redis::Value>(&mut con)
        .await
        .unwrap_err();
    assert_eq!(e.detail(), Some("EXEC without MULTI"), "{e}");

    // Reads only: EXEC runs even over the limit.
    config_set(&mut admin, "maxmemory", "0").await;
    let () = redis::cmd("MULTI").query_async(&mut con).await.unwrap();
    let _: String = redis::cmd("GET")
        .arg("present")
        .query_async(&mut con)
        .await
        .unwrap();
    config_set(&mut admin, "maxmemory", "1").await;
    let got: Vec<String> = redis::cmd("EXEC").query_async(&mut con).await.unwrap();
    assert_eq!(got, vec!["xxxxx".to_string()]);
    config_set(&mut admin, "maxmemory", "0").await;
}
