//! Generic key commands over real sockets, against Redis 7.4's replies and error texts: DEL,
//! UNLINK, EXISTS, TYPE, TOUCH, the EXPIRE and TTL families, PERSIST, KEYS, SCAN (including its
//! guarantee under concurrent writes), RANDOMKEY, RENAME(NX), COPY, MOVE, SWAPDB, OBJECT, and
//! the keyspace events they raise.

mod common;

use common::kv::*;
use common::*;
use redis::aio::MultiplexedConnection;
use std::collections::HashSet;
use std::time::Duration;

async fn with_events() -> (TestServer, KeyEvents) {
    let srv = start_notifying().await;
    let ev = KeyEvents::subscribe(&srv, "__keyevent@*__:*").await;
    (srv, ev)
}

// ---------------------------------------------------------------------------------------------
// DEL / UNLINK / EXISTS / TYPE / TOUCH
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn del_unlink_exists_type_touch() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "s", "v"]).await;
    q::<i64>(&mut c, &["RPUSH", "l", "a"]).await;
    q::<i64>(&mut c, &["SADD", "set", "a"]).await;
    q::<i64>(&mut c, &["ZADD", "z", "1", "a"]).await;
    q::<i64>(&mut c, &["HSET", "h", "f", "v"]).await;
    for (k, t) in [
        ("s", "string"),
        ("l", "list"),
        ("set", "set"),
        ("z", "zset"),
        ("h", "hash"),
        ("nokey", "none"),
    ] {
        assert_eq!(q::<String>(&mut c, &["TYPE", k]).await, t, "{k}");
    }
    // EXISTS counts a key each time it is named.
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "s", "s", "nokey", "l"]).await,
        3
    );
    assert_eq!(
        q::<i64>(&mut c, &["TOUCH", "s", "nokey", "s", "h"]).await,
        3
    );
    assert_eq!(q::<i64>(&mut c, &["DEL", "s", "s", "nokey"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["UNLINK", "l", "set", "l", "x"]).await, 2);
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "s", "l", "set", "z", "h"]).await,
        2
    );
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 2);
    for cmd in ["DEL", "UNLINK", "EXISTS", "TOUCH", "TYPE"] {
        assert_eq!(q_err(&mut c, &[cmd]).await, arity_err(&cmd.to_lowercase()));
    }
    assert_eq!(
        q_err(&mut c, &["TYPE", "a", "b"]).await,
        "ERR wrong number of arguments for 'type' command"
    );
    // TYPE is a status reply in both protocols.
    let mut raw = srv.raw().await;
    assert_eq!(raw.cmd("TYPE z").await, "+zset\r\n");
    assert_eq!(raw.cmd("TYPE nokey").await, "+none\r\n");
    raw.cmd("HELLO 3").await;
    assert_eq!(raw.cmd("TYPE h").await, "+hash\r\n");
}

// ---------------------------------------------------------------------------------------------
// EXPIRE family, TTL family, PERSIST
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expire_options_and_errors() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "k", "v"]).await;
    for (args, msg) in [
        (
            &["EXPIRE", "k", "10", "NX", "XX"][..],
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ),
        (
            &["EXPIRE", "k", "10", "nx", "gt"],
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ),
        (
            &["PEXPIRE", "k", "10", "lt", "NX"],
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ),
        (
            &["EXPIRE", "k", "10", "GT", "lt"],
            "ERR GT and LT options at the same time are not compatible",
        ),
        (&["EXPIRE", "k", "10", "foo"], "ERR Unsupported option foo"),
        // Options are checked before the time.
        (
            &["EXPIREAT", "k", "abc", "Bar"],
            "ERR Unsupported option Bar",
        ),
        (
            &["EXPIRE", "k", "abc"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["EXPIRE", "k", "1.5"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["EXPIRE", "k", "9223372036854775807"],
            "ERR invalid expire time in 'expire' command",
        ),
        (
            &["EXPIRE", "k", "-9223372036854775808"],
            "ERR invalid expire time in 'expire' command",
        ),
        (
            &["PEXPIRE", "k", "9223372036854775807"],
            "ERR invalid expire time in 'pexpire' command",
        ),
        (
            &["EXPIREAT", "k", "9223372036854776"],
            "ERR invalid expire time in 'expireat' command",
        ),
        (
            &["EXPIRE", "k"],
            "ERR wrong number of arguments for 'expire' command",
        ),
        (
            &["TTL", "k", "x"],
            "ERR wrong number of arguments for 'ttl' command",
        ),
        (
            &["PERSIST"],
            "ERR wrong number of arguments for 'persist' command",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    assert_eq!(
        q::<i64>(&mut c, &["TTL", "k"]).await,
        -1,
        "errors left k alone"
    );

    // NX / XX / GT / LT.
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "XX"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "GT"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, -1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "LT"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, 100);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "50", "NX"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "200", "LT"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "50", "GT"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "200", "gt"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, 200);
    assert_eq!(
        q::<i64>(&mut c, &["EXPIRE", "k", "150", "xx", "lt"]).await,
        1
    );
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, 150);
    q::<()>(&mut c, &["SET", "n", "v"]).await;
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "n", "50", "NX"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["TTL", "n"]).await, 50);
    // Missing keys.
    for cmd in ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"] {
        assert_eq!(q::<i64>(&mut c, &[cmd, "nokey", "100"]).await, 0);
    }
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "nokey"]).await, 0);

    // A time in the past deletes the key (LT with a negative time included).
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "-1", "LT"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]).await, 0);
    for args in [
        &["EXPIRE", "x", "0"][..],
        &["PEXPIRE", "x", "-9223372036854775808"],
        &["EXPIREAT", "x", "1"],
        &["PEXPIREAT", "x", "-5"],
    ] {
        q::<()>(&mut c, &["SET", "x", "v"]).await;
        assert_eq!(q::<i64>(&mut c, args).await, 1, "{args:?}");
        assert_eq!(q::<i64>(&mut c, &["EXISTS", "x"]).await, 0, "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_family_values() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "k", "v"]).await;
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(q::<i64>(&mut c, &[cmd, "nokey"]).await, -2, "{cmd}");
        assert_eq!(q::<i64>(&mut c, &[cmd, "k"]).await, -1, "{cmd}");
    }
    // Absolute times, exactly, with seconds rounded to the nearest.
    assert_eq!(
        q::<i64>(&mut c, &["PEXPIREAT", "k", "4102444800499"]).await,
        1
    );
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]).await, 4102444800499);
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "k"]).await, 4102444800);
    q::<i64>(&mut c, &["PEXPIREAT", "k", "4102444800500"]).await;
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "k"]).await, 4102444801);
    q::<i64>(&mut c, &["EXPIREAT", "k", "4102444800"]).await;
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]).await, 4102444800000);
    // The far end of the range, as Redis computes it.
    q::<i64>(&mut c, &["PEXPIREAT", "k", "9223372036854775807"]).await;
    assert_eq!(
        q::<i64>(&mut c, &["EXPIRETIME", "k"]).await,
        9223372036854776
    );
    assert_eq!(
        q::<i64>(&mut c, &["PEXPIRETIME", "k"]).await,
        9223372036854775807
    );
    // Relative times.
    let before = now_ms();
    q::<i64>(&mut c, &["PEXPIRE", "k", "100000"]).await;
    let after = now_ms();
    let at = q::<i64>(&mut c, &["PEXPIRETIME", "k"]).await;
    assert!(at >= before + 100_000 && at <= after + 100_000, "{at}");
    let pttl = q::<i64>(&mut c, &["PTTL", "k"]).await;
    assert!((99_000..=100_000).contains(&pttl), "{pttl}");
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, 100);
    q::<i64>(&mut c, &["PEXPIRE", "k", "1700"]).await;
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, 2, "1.7 s rounds up");
    q::<i64>(&mut c, &["PEXPIRE", "k", "1300"]).await;
    assert_eq!(
        q::<i64>(&mut c, &["TTL", "k"]).await,
        1,
        "1.3 s rounds down"
    );
    q::<i64>(&mut c, &["EXPIRE", "k", "3"]).await;
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, 3);

    // PERSIST.
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "nokey"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, -1);
    // Overwriting with SET clears the TTL; KEEPTTL keeps it.
    q::<i64>(&mut c, &["EXPIRE", "k", "100"]).await;
    q::<()>(&mut c, &["SET", "k", "v2"]).await;
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, -1);
    q::<i64>(&mut c, &["EXPIRE", "k", "100"]).await;
    q::<()>(&mut c, &["SET", "k", "v3", "KEEPTTL"]).await;
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]).await, 100);
}

// ---------------------------------------------------------------------------------------------
// KEYS / SCAN / RANDOMKEY
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_patterns() {
    let srv = start().await;
    let mut c = srv.conn().await;
    assert!(q::<Vec<String>>(&mut c, &["KEYS", "*"]).await.is_empty());
    for k in [
        "one", "two", "three", "four", "a*b", "h?llo", "hello", "hallo",
    ] {
        q::<()>(&mut c, &["SET", k, "v"]).await;
    }
    for (pat, want) in [
        (
            "*",
            &[
                "a*b", "four", "h?llo", "hallo", "hello", "one", "three", "two",
            ][..],
        ),
        ("t*", &["three", "two"]),
        ("*o", &["hallo", "hello", "h?llo", "two"]),
        ("h[ae]llo", &["hallo", "hello"]),
        ("h[^e]llo", &["h?llo", "hallo"]),
        ("h\\?llo", &["h?llo"]),
        ("a\\*b", &["a*b"]),
        ("???", &["a*b", "one", "two"]),
        ("nothing*", &[]),
        ("one", &["one"]),
    ] {
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(
            sorted(q::<Vec<String>>(&mut c, &["KEYS", pat]).await),
            want,
            "{pat}"
        );
    }
    // Logically expired keys are not listed (but KEYS leaves them for expiry to reclaim).
    srv.server.shared().keyspace().set_active_expire(false);
    q::<()>(&mut c, &["SET", "gone", "v", "PX", "1"]).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 9);
    assert!(!q::<Vec<String>>(&mut c, &["KEYS", "*"])
        .await
        .contains(&"gone".to_string()));
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 9);
    assert_eq!(
        q_err(&mut c, &["KEYS"]).await,
        "ERR wrong number of arguments for 'keys' command"
    );
}

/// Runs a whole SCAN with extra arguments, checking each batch and the cursor.
async fn scan_all(c: &mut MultiplexedConnection, extra: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(extra);
        let (next, keys): (String, Vec<String>) = q(c, &args).await;
        out.extend(keys);
        if next == "0" {
            return out;
        }
        cursor = next;
    }
    panic!("scan did not terminate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_options_and_errors() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let (cur, keys): (String, Vec<String>) = q(&mut c, &["SCAN", "0"]).await;
    assert_eq!((cur.as_str(), keys.len()), ("0", 0));
    for i in 0..100 {
        q::<()>(&mut c, &["SET", &format!("str:{i}"), "v"]).await;
    }
    for i in 0..20 {
        q::<i64>(&mut c, &["RPUSH", &format!("list:{i}"), "v"]).await;
        q::<i64>(&mut c, &["HSET", &format!("hash:{i}"), "f", "v"]).await;
    }
    // Default COUNT is 10 keys per call; a full scan returns each key once here.
    let (cur, keys): (String, Vec<String>) = q(&mut c, &["SCAN", "0"]).await;
    assert_ne!(cur, "0");
    assert_eq!(keys.len(), 10);
    let all = scan_all(&mut c, &[]).await;
    assert_eq!(all.len(), 140);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 140);
    let (_, keys): (String, Vec<String>) = q(&mut c, &["SCAN", "0", "COUNT", "3"]).await;
    assert_eq!(keys.len(), 3);
    let (cur, keys): (String, Vec<String>) = q(&mut c, &["SCAN", "0", "COUNT", "1000"]).await;
    assert_eq!((cur.as_str(), keys.len()), ("0", 140));

    let lists = sorted(scan_all(&mut c, &["MATCH", "list:*", "COUNT", "7"]).await);
    let want: Vec<String> = sorted((0..20).map(|i| format!("list:{i}")).collect());
    assert_eq!(lists, want);
    assert_eq!(
        sorted(scan_all(&mut c, &["TYPE", "list"]).await),
        want,
        "TYPE filter"
    );
    assert_eq!(
        sorted(scan_all(&mut c, &["type", "LIST", "match", "list:1*"]).await),
        sorted(
            ["list:1", "list:10", "list:11", "list:12", "list:13", "list:14", "list:15"]
                .iter()
                .chain(["list:16", "list:17", "list:18", "list:19"].iter())
                .map(|s| s.to_string())
                .collect()
        )
    );
    assert_eq!(scan_all(&mut c, &["TYPE", "hash"]).await.len(), 20);
    assert_eq!(scan_all(&mut c, &["TYPE", "string"]).await.len(), 100);
    // An unknown type matches nothing (Redis 7.4 does not reject it yet).
    assert!(scan_all(&mut c, &["TYPE", "nosuchtype"]).await.is_empty());
    assert!(scan_all(&mut c, &["MATCH", "zzz*"]).await.is_empty());
    // The last option wins.
    assert_eq!(
        scan_all(&mut c, &["MATCH", "zzz*", "MATCH", "*"])
            .await
            .len(),
        140
    );

    for (args, msg) in [
        (&["SCAN", "abc"][..], "ERR invalid cursor"),
        (&["SCAN", " 1"], "ERR invalid cursor"),
        (&["SCAN", "1x"], "ERR invalid cursor"),
        (&["SCAN", "18446744073709551616"], "ERR invalid cursor"),
        (&["SCAN", "0", "COUNT", "0"], "ERR syntax error"),
        (&["SCAN", "0", "COUNT", "-1"], "ERR syntax error"),
        (
            &["SCAN", "0", "COUNT", "x"],
            "ERR value is not an integer or out of range",
        ),
        (&["SCAN", "0", "COUNT"], "ERR syntax error"),
        (&["SCAN", "0", "MATCH"], "ERR syntax error"),
        (&["SCAN", "0", "TYPE"], "ERR syntax error"),
        (&["SCAN", "0", "NOVALUES"], "ERR syntax error"),
        (&["SCAN", "0", "foo", "bar"], "ERR syntax error"),
        (
            &["SCAN"],
            "ERR wrong number of arguments for 'scan' command",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    // Cursors past the end and the largest cursor are valid.
    let _: (String, Vec<String>) = q(&mut c, &["SCAN", "18446744073709551615"]).await;
    let (cur, _): (String, Vec<String>) = q(&mut c, &["SCAN", "99999", "COUNT", "500"]).await;
    assert_eq!(cur, "0");

    // Expired keys are skipped and deleted, with or without TYPE.
    srv.server.shared().keyspace().set_active_expire(false);
    q::<i64>(&mut c, &["PEXPIRE", "str:1", "1"]).await;
    q::<i64>(&mut c, &["PEXPIRE", "list:1", "1"]).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 140);
    let all = scan_all(&mut c, &["MATCH", "str:*"]).await;
    assert_eq!(all.len(), 99);
    assert!(!all.contains(&"str:1".to_string()));
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 139);
    assert_eq!(scan_all(&mut c, &["TYPE", "list"]).await.len(), 19);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 138);

    // The reply's exact shape: cursor as a bulk string.
    let mut raw = srv.raw().await;
    raw.cmd("FLUSHDB").await;
    raw.cmd("SET only v").await;
    assert_eq!(
        raw.cmd("SCAN 0").await,
        "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n"
    );
}

/// Property: whatever is added and removed between SCAN calls, every key present for the whole
/// scan is returned at least once, and every call costs at most COUNT keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_guarantee_under_interleaved_changes() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..12 {
        q::<()>(&mut c, &["FLUSHDB"]).await;
        let stable: Vec<String> = (0..100 + rng.below(200))
            .map(|i| format!("stable:{round}:{i}"))
            .collect();
        let mut pipe = redis::pipe();
        for k in &stable {
            pipe.cmd("SET").arg(k).arg("v").ignore();
        }
        for i in 0..rng.below(300) {
            pipe.cmd("SET").arg(format!("churn:{i}")).arg("v").ignore();
        }
        let _: () = pipe.query_async(&mut c).await.unwrap();
        let count = 1 + rng.below(20);
        let mut cursor = "0".to_string();
        let mut seen = HashSet::new();
        let mut next_churn = 10_000;
        loop {
            let (next, keys): (String, Vec<String>) =
                q(&mut c, &["SCAN", &cursor, "COUNT", &count.to_string()]).await;
            assert!(keys.len() as u64 <= count);
            seen.extend(keys);
            if next == "0" {
                break;
            }
            cursor = next;
            // Between calls: delete and add a few churn keys (never stable ones).
            let mut pipe = redis::pipe();
            pipe.cmd("PING").ignore();
            for _ in 0..rng.below(8) {
                pipe.cmd("DEL")
                    .arg(format!("churn:{}", rng.below(next_churn)))
                    .ignore();
            }
            for _ in 0..rng.below(8) {
                pipe.cmd("SET")
                    .arg(format!("churn:{next_churn}"))
                    .arg("v")
                    .ignore();
                next_churn += 1;
            }
            let _: () = pipe.query_async(&mut c).await.unwrap();
        }
        for k in &stable {
            assert!(seen.contains(k), "round {round}: {k} was never returned");
        }
    }
}

/// The same guarantee with a second client writing concurrently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_guarantee_with_concurrent_writer() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let stable: Vec<String> = (0..2000).map(|i| format!("stable:{i}")).collect();
    let mut pipe = redis::pipe();
    for k in &stable {
        pipe.cmd("SET").arg(k).arg("v").ignore();
    }
    for i in 0..2000 {
        pipe.cmd("SET").arg(format!("churn:{i}")).arg("v").ignore();
    }
    let _: () = pipe.query_async(&mut c).await.unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut w = srv.conn().await;
    let writer_stop = stop.clone();
    let writer = tokio::spawn(async move {
        let mut rng = Rng(12345);
        let mut n = 0u64;
        while !writer_stop.load(std::sync::atomic::Ordering::Relaxed) {
            let mut pipe = redis::pipe();
            for _ in 0..20 {
                pipe.cmd("DEL")
                    .arg(format!("churn:{}", rng.below(4000)))
                    .ignore();
                pipe.cmd("SET")
                    .arg(format!("churn:{}", rng.below(4000)))
                    .arg("v")
                    .ignore();
                // Overwriting a stable key keeps it present.
                pipe.cmd("SET")
                    .arg(format!("stable:{}", rng.below(2000)))
                    .arg("w")
                    .ignore();
            }
            let _: () = pipe.query_async(&mut w).await.unwrap();
            n += 1;
        }
        n
    });
    for _ in 0..3 {
        let seen: HashSet<String> = scan_all(&mut c, &["COUNT", "25"])
            .await
            .into_iter()
            .collect();
        for k in &stable {
            assert!(seen.contains(k), "{k} was never returned");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(writer.await.unwrap() > 0, "the writer ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn randomkey_replies() {
    let srv = start().await;
    let mut c = srv.conn().await;
    assert_eq!(q::<Option<String>>(&mut c, &["RANDOMKEY"]).await, None);
    q::<()>(&mut c, &["SET", "a", "v"]).await;
    q::<()>(&mut c, &["SET", "b", "v"]).await;
    let mut seen = HashSet::new();
    for _ in 0..100 {
        seen.insert(q::<String>(&mut c, &["RANDOMKEY"]).await);
    }
    assert_eq!(seen, HashSet::from(["a".to_string(), "b".to_string()]));
    // Expired keys are never returned, and are deleted when met.
    srv.server.shared().keyspace().set_active_expire(false);
    q::<()>(&mut c, &["FLUSHDB"]).await;
    for i in 0..10 {
        q::<()>(&mut c, &["SET", &format!("e{i}"), "v", "PX", "1"]).await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 10);
    assert_eq!(q::<Option<String>>(&mut c, &["RANDOMKEY"]).await, None);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 0);
    assert_eq!(
        q_err(&mut c, &["RANDOMKEY", "x"]).await,
        "ERR wrong number of arguments for 'randomkey' command"
    );
    let mut raw = srv.raw().await;
    assert_eq!(raw.cmd("RANDOMKEY").await, "$-1\r\n");
    raw.cmd("HELLO 3").await;
    assert_eq!(raw.cmd("RANDOMKEY").await, "_\r\n");
}

// ---------------------------------------------------------------------------------------------
// RENAME / RENAMENX / COPY / MOVE / SWAPDB
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_and_renamenx() {
    let srv = start().await;
    let mut c = srv.conn().await;
    assert_eq!(
        q_err(&mut c, &["RENAME", "nokey", "x"]).await,
        "ERR no such key"
    );
    assert_eq!(
        q_err(&mut c, &["RENAME", "nokey", "nokey"]).await,
        "ERR no such key"
    );
    assert_eq!(
        q_err(&mut c, &["RENAMENX", "nokey", "x"]).await,
        "ERR no such key"
    );
    q::<()>(&mut c, &["SET", "a", "1"]).await;
    // Renaming to itself changes nothing.
    assert_eq!(q::<String>(&mut c, &["RENAME", "a", "a"]).await, "OK");
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "a", "a"]).await, 0);
    assert_eq!(q::<String>(&mut c, &["GET", "a"]).await, "1");
    // The TTL goes with the value.
    q::<i64>(&mut c, &["PEXPIREAT", "a", "4102444800000"]).await;
    assert_eq!(q::<String>(&mut c, &["RENAME", "a", "b"]).await, "OK");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "a"]).await, 0);
    assert_eq!(q::<String>(&mut c, &["GET", "b"]).await, "1");
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "b"]).await, 4102444800000);
    // Overwrite: the destination's value and TTL are replaced.
    q::<i64>(&mut c, &["RPUSH", "l", "x", "y"]).await;
    q::<()>(&mut c, &["SET", "c", "3", "EX", "100"]).await;
    assert_eq!(q::<String>(&mut c, &["RENAME", "l", "c"]).await, "OK");
    assert_eq!(q::<String>(&mut c, &["TYPE", "c"]).await, "list");
    assert_eq!(q::<i64>(&mut c, &["TTL", "c"]).await, -1);
    assert_eq!(
        q::<Vec<String>>(&mut c, &["LRANGE", "c", "0", "-1"]).await,
        ["x", "y"]
    );
    // RENAMENX refuses an existing destination.
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "b", "c"]).await, 0);
    assert_eq!(q::<String>(&mut c, &["GET", "b"]).await, "1");
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "b", "d"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "d"]).await, 4102444800000);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 2);
    // An expired source is no such key; an expired destination is simply replaced.
    srv.server.shared().keyspace().set_active_expire(false);
    q::<()>(&mut c, &["SET", "old", "v", "PX", "1"]).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        q_err(&mut c, &["RENAME", "old", "x"]).await,
        "ERR no such key"
    );
    q::<()>(&mut c, &["SET", "old", "v", "PX", "1"]).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "d", "old"]).await, 1);
    for cmd in ["RENAME", "RENAMENX"] {
        assert_eq!(
            q_err(&mut c, &[cmd, "a"]).await,
            arity_err(&cmd.to_lowercase())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_command() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "s", "v"]).await;
    for (args, msg) in [
        (
            &["COPY", "s", "s"][..],
            "ERR source and destination objects are the same",
        ),
        (
            &["COPY", "s", "s", "DB", "0"],
            "ERR source and destination objects are the same",
        ),
        (
            &["COPY", "s", "t", "DB", "16"],
            "ERR DB index is out of range",
        ),
        (
            &["COPY", "s", "t", "DB", "-1"],
            "ERR DB index is out of range",
        ),
        (
            &["COPY", "s", "t", "DB", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["COPY", "s", "t", "DB", "4294967296"],
            "ERR value is out of range, value must between -2147483648 and 2147483647",
        ),
        (&["COPY", "s", "t", "DB"], "ERR syntax error"),
        (&["COPY", "s", "t", "foo"], "ERR syntax error"),
        (
            &["COPY", "s"],
            "ERR wrong number of arguments for 'copy' command",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    assert_eq!(q::<i64>(&mut c, &["COPY", "nokey", "t"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["COPY", "s", "t"]).await, 1);
    assert_eq!(q::<String>(&mut c, &["GET", "t"]).await, "v");
    q::<()>(&mut c, &["SET", "s", "v2", "PX", "100000"]).await;
    assert_eq!(q::<i64>(&mut c, &["COPY", "s", "t"]).await, 0, "exists");
    assert_eq!(q::<String>(&mut c, &["GET", "t"]).await, "v");
    assert_eq!(
        q::<i64>(&mut c, &["COPY", "s", "t", "REPLACE", "replace"]).await,
        1
    );
    assert_eq!(q::<String>(&mut c, &["GET", "t"]).await, "v2");
    let (a, b): (i64, i64) = (
        q(&mut c, &["PEXPIRETIME", "s"]).await,
        q(&mut c, &["PEXPIRETIME", "t"]).await,
    );
    assert_eq!(a, b, "the TTL is copied");
    // Collections are deep copies.
    q::<i64>(&mut c, &["SADD", "set", "a", "b"]).await;
    q::<i64>(&mut c, &["HSET", "h", "f", "v"]).await;
    q::<i64>(&mut c, &["ZADD", "z", "1", "m"]).await;
    q::<i64>(&mut c, &["RPUSH", "l", "1"]).await;
    for k in ["set", "h", "z", "l"] {
        let dst = format!("{k}2");
        assert_eq!(q::<i64>(&mut c, &["COPY", k, &dst]).await, 1);
    }
    q::<i64>(&mut c, &["SADD", "set2", "c"]).await;
    q::<i64>(&mut c, &["HSET", "h2", "g", "v"]).await;
    q::<i64>(&mut c, &["ZADD", "z2", "2", "n"]).await;
    q::<i64>(&mut c, &["RPUSH", "l2", "2"]).await;
    assert_eq!(q::<i64>(&mut c, &["SCARD", "set"]).await, 2);
    assert_eq!(q::<i64>(&mut c, &["SCARD", "set2"]).await, 3);
    assert_eq!(q::<i64>(&mut c, &["HLEN", "h"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["ZCARD", "z"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "l"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "l2"]).await, 2);
    // To another database.
    assert_eq!(
        q::<i64>(&mut c, &["COPY", "set", "set", "DB", "3"]).await,
        1
    );
    assert_eq!(
        q::<i64>(&mut c, &["COPY", "set", "set", "DB", "3"]).await,
        0
    );
    assert_eq!(
        q::<i64>(&mut c, &["COPY", "set", "set", "db", "3", "REPLACE"]).await,
        1
    );
    q::<()>(&mut c, &["SELECT", "3"]).await;
    assert_eq!(q::<i64>(&mut c, &["SCARD", "set"]).await, 2);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_and_swapdb() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "k", "v", "EX", "1000"]).await;
    for (args, msg) in [
        (
            &["MOVE", "k", "0"][..],
            "ERR source and destination objects are the same",
        ),
        (&["MOVE", "k", "16"], "ERR DB index is out of range"),
        (&["MOVE", "k", "-1"], "ERR DB index is out of range"),
        (
            &["MOVE", "k", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["MOVE", "k", "2147483648"],
            "ERR value is out of range, value must between -2147483648 and 2147483647",
        ),
        (
            &["MOVE", "k"],
            "ERR wrong number of arguments for 'move' command",
        ),
        (&["SWAPDB", "0", "x"], "ERR invalid second DB index"),
        (&["SWAPDB", "x", "0"], "ERR invalid first DB index"),
        (&["SWAPDB", "4294967296", "0"], "ERR invalid first DB index"),
        (&["SWAPDB", "0", "16"], "ERR DB index is out of range"),
        (&["SWAPDB", "-1", "0"], "ERR DB index is out of range"),
        (
            &["SWAPDB", "0"],
            "ERR wrong number of arguments for 'swapdb' command",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    assert_eq!(q::<i64>(&mut c, &["MOVE", "nokey", "1"]).await, 0);
    let at: i64 = q(&mut c, &["PEXPIRETIME", "k"]).await;
    assert_eq!(q::<i64>(&mut c, &["MOVE", "k", "1"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]).await, 0);
    q::<()>(&mut c, &["SET", "k", "other"]).await;
    assert_eq!(
        q::<i64>(&mut c, &["MOVE", "k", "1"]).await,
        0,
        "exists there"
    );
    assert_eq!(q::<String>(&mut c, &["GET", "k"]).await, "other");
    q::<()>(&mut c, &["SELECT", "1"]).await;
    assert_eq!(q::<String>(&mut c, &["GET", "k"]).await, "v");
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]).await, at);

    // SWAPDB exchanges whole databases; a connection stays on its number.
    q::<i64>(&mut c, &["RPUSH", "only1", "x"]).await;
    assert_eq!(q::<String>(&mut c, &["SWAPDB", "0", "1"]).await, "OK");
    assert_eq!(q::<String>(&mut c, &["GET", "k"]).await, "other");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "only1"]).await, 0);
    q::<()>(&mut c, &["SELECT", "0"]).await;
    assert_eq!(q::<String>(&mut c, &["GET", "k"]).await, "v");
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]).await, at);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "only1"]).await, 1);
    assert_eq!(q::<String>(&mut c, &["SWAPDB", "5", "5"]).await, "OK");
    assert_eq!(q::<String>(&mut c, &["SWAPDB", "0", "15"]).await, "OK");
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 0);

    // SWAPDB aborts transactions watching keys present in either database.
    let mut w = srv.conn().await;
    q::<()>(&mut w, &["SELECT", "15"]).await;
    q::<()>(&mut w, &["WATCH", "k"]).await;
    q::<()>(&mut c, &["SWAPDB", "15", "14"]).await;
    q::<()>(&mut w, &["MULTI"]).await;
    q::<()>(&mut w, &["PING"]).await;
    assert_eq!(q::<Option<Vec<String>>>(&mut w, &["EXEC"]).await, None);
    // ... but not those watching keys absent from both.
    q::<()>(&mut w, &["WATCH", "nothing"]).await;
    q::<()>(&mut c, &["SWAPDB", "15", "14"]).await;
    q::<()>(&mut w, &["MULTI"]).await;
    q::<()>(&mut w, &["PING"]).await;
    assert_eq!(
        q::<Option<Vec<String>>>(&mut w, &["EXEC"]).await,
        Some(vec!["PONG".to_string()])
    );
}

// ---------------------------------------------------------------------------------------------
// OBJECT
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_subcommands() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let long = "x".repeat(45);
    q::<()>(&mut c, &["SET", "int", "12345"]).await;
    q::<()>(&mut c, &["SET", "shared", "9999"]).await;
    q::<()>(&mut c, &["SET", "embstr", "hello"]).await;
    q::<()>(&mut c, &["SET", "raw", &long]).await;
    q::<i64>(&mut c, &["RPUSH", "list", "a"]).await;
    q::<i64>(&mut c, &["SADD", "intset", "1", "2"]).await;
    q::<i64>(&mut c, &["SADD", "lpset", "a"]).await;
    q::<i64>(&mut c, &["HSET", "hash", "f", "v"]).await;
    q::<i64>(&mut c, &["HSET", "bighash", "f", &"v".repeat(100)]).await;
    q::<i64>(&mut c, &["ZADD", "zset", "1", "a"]).await;
    q::<i64>(&mut c, &["ZADD", "bigzset", "1", &"m".repeat(100)]).await;
    for (k, enc) in [
        ("int", "int"),
        ("shared", "int"),
        ("embstr", "embstr"),
        ("raw", "raw"),
        ("list", "listpack"),
        ("intset", "intset"),
        ("lpset", "listpack"),
        ("hash", "listpack"),
        ("bighash", "hashtable"),
        ("zset", "listpack"),
        ("bigzset", "skiplist"),
    ] {
        assert_eq!(
            q::<String>(&mut c, &["OBJECT", "ENCODING", k]).await,
            enc,
            "{k}"
        );
    }
    assert_eq!(
        q::<Option<String>>(&mut c, &["OBJECT", "ENCODING", "nokey"]).await,
        None
    );
    // Small integers are shared objects in Redis.
    assert_eq!(
        q::<i64>(&mut c, &["OBJECT", "REFCOUNT", "shared"]).await,
        2147483647
    );
    for k in ["int", "embstr", "list", "hash"] {
        assert_eq!(q::<i64>(&mut c, &["object", "refcount", k]).await, 1, "{k}");
    }
    assert_eq!(
        q::<Option<i64>>(&mut c, &["OBJECT", "REFCOUNT", "nokey"]).await,
        None
    );
    assert_eq!(q::<i64>(&mut c, &["OBJECT", "IDLETIME", "int"]).await, 0);
    assert_eq!(
        q::<Option<i64>>(&mut c, &["OBJECT", "IDLETIME", "nokey"]).await,
        None
    );
    assert_eq!(
        q::<Option<i64>>(&mut c, &["OBJECT", "FREQ", "nokey"]).await,
        None
    );
    assert_eq!(
        q_err(&mut c, &["OBJECT", "FREQ", "int"]).await,
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    );
    for (args, msg) in [
        (
            &["OBJECT", "foo"][..],
            "ERR unknown subcommand 'foo'. Try OBJECT HELP.",
        ),
        (
            &["OBJECT", "foo", "k"],
            "ERR unknown subcommand 'foo'. Try OBJECT HELP.",
        ),
        (
            &["OBJECT"],
            "ERR wrong number of arguments for 'object' command",
        ),
        (
            &["OBJECT", "ENCODING"],
            "ERR wrong number of arguments for 'object|encoding' command",
        ),
        (
            &["OBJECT", "ENCODING", "a", "b"],
            "ERR wrong number of arguments for 'object|encoding' command",
        ),
        (
            &["OBJECT", "HELP", "x"],
            "ERR wrong number of arguments for 'object|help' command",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    let help: Vec<String> = q(&mut c, &["OBJECT", "HELP"]).await;
    assert_eq!(help.len(), 15);
    assert_eq!(
        help[0],
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
    assert_eq!(help[14], "    Prints this help.");
    let mut raw = srv.raw().await;
    let reply = raw.cmd("OBJECT HELP").await;
    assert!(reply.starts_with("*15\r\n+OBJECT <subcommand>"), "{reply}");
    assert_eq!(raw.cmd("OBJECT ENCODING nokey").await, "$-1\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_idletime_tracks_access() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "a", "v"]).await;
    q::<()>(&mut c, &["SET", "b", "v"]).await;
    q::<()>(&mut c, &["SET", "c", "v"]).await;
    tokio::time::sleep(Duration::from_millis(2300)).await;
    // Lookups that do not count as an access.
    q::<String>(&mut c, &["TYPE", "a"]).await;
    q::<i64>(&mut c, &["TTL", "a"]).await;
    q::<i64>(&mut c, &["EXISTS", "a"]).await;
    q::<String>(&mut c, &["OBJECT", "ENCODING", "a"]).await;
    let idle: i64 = q(&mut c, &["OBJECT", "IDLETIME", "a"]).await;
    assert!((2..=3).contains(&idle), "{idle}");
    // Reads, writes and TOUCH do.
    q::<String>(&mut c, &["GET", "a"]).await;
    q::<i64>(&mut c, &["TOUCH", "b"]).await;
    q::<i64>(&mut c, &["APPEND", "c", "x"]).await;
    for k in ["a", "b", "c"] {
        assert_eq!(q::<i64>(&mut c, &["OBJECT", "IDLETIME", k]).await, 0, "{k}");
    }
}

// ---------------------------------------------------------------------------------------------
// Keyspace events
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_events() {
    let (srv, mut ev) = with_events().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "a", "1"]).await;
    assert_eq!(ev.next(1).await, ["0:set a"]);
    q::<i64>(&mut c, &["DEL", "a", "nokey"]).await;
    q::<i64>(&mut c, &["UNLINK", "nokey"]).await;
    q::<()>(&mut c, &["SET", "a", "1"]).await;
    q::<i64>(&mut c, &["UNLINK", "a"]).await;
    assert_eq!(ev.next(3).await, ["0:del a", "0:set a", "0:del a"]);
    q::<()>(&mut c, &["SET", "k", "1"]).await;
    q::<i64>(&mut c, &["EXPIRE", "k", "100"]).await;
    q::<i64>(&mut c, &["EXPIRE", "k", "50", "GT"]).await; // refused: no event
    q::<i64>(&mut c, &["PEXPIREAT", "k", "4102444800000"]).await;
    q::<i64>(&mut c, &["PERSIST", "k"]).await;
    q::<i64>(&mut c, &["PERSIST", "k"]).await; // no TTL: no event
    q::<i64>(&mut c, &["EXPIRE", "k", "-1"]).await; // past: deleted, reported as del
    assert_eq!(
        ev.next(5).await,
        [
            "0:set k",
            "0:expire k",
            "0:expire k",
            "0:persist k",
            "0:del k"
        ]
    );
    q::<()>(&mut c, &["SET", "x", "1"]).await;
    q::<()>(&mut c, &["SET", "y", "1"]).await;
    q::<()>(&mut c, &["RENAME", "x", "x"]).await; // no event
    q::<()>(&mut c, &["RENAME", "x", "y"]).await; // y is overwritten without `del`
    q::<i64>(&mut c, &["RENAMENX", "y", "x"]).await;
    assert_eq!(
        ev.next(6).await,
        [
            "0:set x",
            "0:set y",
            "0:rename_from x",
            "0:rename_to y",
            "0:rename_from y",
            "0:rename_to x"
        ]
    );
    q::<i64>(&mut c, &["COPY", "x", "z"]).await;
    q::<i64>(&mut c, &["COPY", "x", "z", "DB", "2"]).await;
    q::<i64>(&mut c, &["COPY", "x", "z"]).await; // exists: no event
    q::<i64>(&mut c, &["MOVE", "z", "3"]).await;
    assert_eq!(
        ev.next(4).await,
        ["0:copy_to z", "2:copy_to z", "0:move_from z", "3:move_to z"]
    );
    q::<String>(&mut c, &["SWAPDB", "0", "1"]).await; // no key events
    q::<i64>(&mut c, &["TOUCH", "x"]).await;
    q::<String>(&mut c, &["TYPE", "x"]).await;
    ev.none().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_key_events() {
    let srv =
        start_with(|c| c.notify_keyspace_events = herald::notify::parse_flags("KEgn$l").unwrap())
            .await;
    let mut ev = KeyEvents::subscribe(&srv, "__keyevent@*__:*").await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "a", "1"]).await;
    q::<()>(&mut c, &["SET", "a", "2"]).await; // exists: no `new`
    q::<i64>(&mut c, &["RPUSH", "l", "x"]).await;
    q::<i64>(&mut c, &["RPUSH", "l", "y"]).await;
    q::<()>(&mut c, &["RENAME", "a", "b"]).await;
    q::<i64>(&mut c, &["COPY", "b", "c"]).await;
    q::<i64>(&mut c, &["MOVE", "c", "4"]).await;
    assert_eq!(
        ev.next(14).await,
        [
            "0:new a",
            "0:set a",
            "0:set a",
            "0:new l",
            "0:rpush l",
            "0:rpush l",
            "0:new b",
            "0:rename_from a",
            "0:rename_to b",
            "0:new c",
            "0:copy_to c",
            "4:new c",
            "0:move_from c",
            "4:move_to c",
        ]
    );
    // Without the `n` class nothing about new keys is published.
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "KEg"]).await;
    q::<()>(&mut c, &["SET", "fresh", "1"]).await;
    q::<i64>(&mut c, &["DEL", "fresh"]).await;
    assert_eq!(ev.next(1).await, ["0:del fresh"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_table_entries() {
    let srv = start().await;
    let mut c = srv.conn().await;
    fn flatten(v: &redis::Value, out: &mut Vec<String>) {
        match v {
            redis::Value::BulkString(b) => out.push(String::from_utf8_lossy(b).into_owned()),
            redis::Value::SimpleString(s) => out.push(s.clone()),
            redis::Value::Int(i) => out.push(i.to_string()),
            redis::Value::Array(a) | redis::Value::Set(a) => a.iter().for_each(|x| flatten(x, out)),
            _ => {}
        }
    }
    let info: redis::Value = q(&mut c, &["COMMAND", "INFO", "rename", "object"]).await;
    let mut words = Vec::new();
    flatten(&info, &mut words);
    for needle in [
        "rename",
        "@keyspace",
        "object|encoding",
        "object|help",
        "readonly",
    ] {
        assert!(words.iter().any(|w| w == needle), "{needle} in {words:?}");
    }
    for name in [
        "unlink",
        "type",
        "touch",
        "expire",
        "pexpire",
        "expireat",
        "pexpireat",
        "ttl",
        "pttl",
        "expiretime",
        "pexpiretime",
        "persist",
        "keys",
        "scan",
        "randomkey",
        "rename",
        "renamenx",
        "copy",
        "move",
        "swapdb",
        "object",
        "del",
        "exists",
    ] {
        let spec = herald::commands::lookup(name).unwrap_or_else(|| panic!("{name} exists"));
        assert_eq!(spec.group, "generic", "{name}");
        assert!(
            spec.categories.contains(&"keyspace") || name == "object",
            "{name}"
        );
    }
    let rename = herald::commands::lookup("rename").unwrap();
    assert_eq!(rename.key_positions(3), vec![1, 2]);
    let object = herald::commands::lookup("object").unwrap();
    assert_eq!(object.subcommands.len(), 5);
    assert_eq!(
        herald::commands::all_commands()
            .iter()
            .filter(|c| c.name == "object" || c.name == "scan")
            .count(),
        2,
        "no duplicates"
    );
}

/// Keys created by RENAME, COPY, MOVE and SWAPDB serve clients blocked on them, as Redis's
/// `dbAdd` / `scanDatabaseForReadyKeys` signal them ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_keys_wake_blocked_clients() {
    let srv = start().await;
    let mut c = srv.conn().await;
    async fn blpop(srv: &TestServer, db: &str, key: &str) -> tokio::task::JoinHandle<Vec<String>> {
        let mut b = srv.conn().await;
        q::<()>(&mut b, &["SELECT", db]).await;
        let key = key.to_string();
        let h = tokio::spawn(async move { q::<Vec<String>>(&mut b, &["BLPOP", &key, "5"]).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        h
    }
    let waiter = blpop(&srv, "0", "renamed").await;
    q::<i64>(&mut c, &["RPUSH", "src", "a"]).await;
    q::<()>(&mut c, &["RENAME", "src", "renamed"]).await;
    assert_eq!(waiter.await.unwrap(), ["renamed", "a"]);

    let waiter = blpop(&srv, "2", "copied").await;
    q::<i64>(&mut c, &["RPUSH", "src", "b"]).await;
    q::<i64>(&mut c, &["COPY", "src", "copied", "DB", "2"]).await;
    assert_eq!(waiter.await.unwrap(), ["copied", "b"]);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "src"]).await, 1);

    let waiter = blpop(&srv, "3", "src").await;
    q::<i64>(&mut c, &["MOVE", "src", "3"]).await;
    assert_eq!(waiter.await.unwrap(), ["src", "b"]);

    let waiter = blpop(&srv, "0", "swapped").await;
    q::<()>(&mut c, &["SELECT", "7"]).await;
    q::<i64>(&mut c, &["RPUSH", "swapped", "c"]).await;
    q::<()>(&mut c, &["SWAPDB", "0", "7"]).await;
    assert_eq!(waiter.await.unwrap(), ["swapped", "c"]);
}

/// Read lookups that miss raise `keymiss` (class `m`); write lookups and OBJECT do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keymiss_events() {
    let srv =
        start_with(|c| c.notify_keyspace_events = herald::notify::parse_flags("Em").unwrap()).await;
    let mut ev = KeyEvents::subscribe(&srv, "__keyevent@*__:*").await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "present", "v"]).await;
    for args in [
        &["EXISTS", "m1", "present"][..],
        &["TYPE", "m2"],
        &["TTL", "m3"],
        &["TOUCH", "m4", "present"],
        &["OBJECT", "ENCODING", "nope"],
        &["DEL", "nope"],
        &["EXPIRE", "nope", "10"],
        &["PERSIST", "nope"],
        &["MOVE", "nope", "1"],
        &["COPY", "m5", "x"],
        &["PTTL", "m6"],
        &["EXPIRETIME", "m7"],
        &["PEXPIRETIME", "m8"],
    ] {
        q::<redis::Value>(&mut c, args).await;
    }
    assert_eq!(
        ev.next(8).await,
        [
            "0:keymiss m1",
            "0:keymiss m2",
            "0:keymiss m3",
            "0:keymiss m4",
            "0:keymiss m5",
            "0:keymiss m6",
            "0:keymiss m7",
            "0:keymiss m8"
        ]
    );
    ev.none().await;
}
