//! Hash commands over real sockets: exact replies (RESP2 and RESP3 bytes), Redis 7.4's error
//! texts, HINCRBYFLOAT's long-double formatting, encodings (listpack, listpackex, hashtable),
//! HRANDFIELD, HSCAN, per-field expiry and keyspace events.

mod common;

use common::kv::*;
use common::*;
use herald::storage::hash::Hash;
use herald::storage::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

impl TestServer {
    /// Runs `f` on the hash at `key` in db 0 of the embedded server.
    fn with_hash<R>(&self, key: &str, f: impl FnOnce(&Hash) -> R) -> Option<R> {
        let mut ks = self.server.shared().keyspace();
        ks.db(0)
            .typed(key.as_bytes(), |v| match v {
                Value::Hash(h) => Some(h),
                _ => None,
            })
            .ok()
            .flatten()
            .map(f)
    }

    fn encoding(&self, key: &str) -> Option<&'static str> {
        self.with_hash(key, Hash::encoding)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_commands() {
    let srv = start().await;
    let mut c = srv.conn().await;
    assert_eq!(
        q::<i64>(&mut c, &["HSET", "h", "a", "1", "b", "2"]).await,
        2
    );
    assert_eq!(
        q::<i64>(&mut c, &["HSET", "h", "a", "3", "c", "4", "c", "5"]).await,
        1
    );
    assert_eq!(q::<String>(&mut c, &["HGET", "h", "a"]).await, "3");
    assert_eq!(
        q::<Option<String>>(&mut c, &["HGET", "h", "zz"]).await,
        None
    );
    assert_eq!(
        q::<Option<String>>(&mut c, &["HGET", "nokey", "a"]).await,
        None
    );
    assert_eq!(
        q::<Vec<Option<String>>>(&mut c, &["HMGET", "h", "a", "zz", "c"]).await,
        vec![Some("3".into()), None, Some("5".into())]
    );
    assert_eq!(
        q::<Vec<Option<String>>>(&mut c, &["HMGET", "nokey", "a"]).await,
        vec![None]
    );
    assert_eq!(q::<i64>(&mut c, &["HLEN", "h"]).await, 3);
    assert_eq!(q::<i64>(&mut c, &["HLEN", "nokey"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["HSTRLEN", "h", "a"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["HSTRLEN", "h", "zz"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "h", "b"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "h", "zz"]).await, 0);
    assert_eq!(
        q::<Vec<String>>(&mut c, &["HKEYS", "h"]).await,
        vec!["a", "b", "c"]
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["HVALS", "h"]).await,
        vec!["3", "2", "5"]
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["HGETALL", "h"]).await,
        vec!["a", "3", "b", "2", "c", "5"]
    );
    assert!(q::<Vec<String>>(&mut c, &["HGETALL", "nokey"])
        .await
        .is_empty());
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "h", "a", "9"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "h", "d", "9"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "new", "f", "v"]).await, 1);
    assert_eq!(
        q::<String>(&mut c, &["HMSET", "h", "x", "1", "y", "2"]).await,
        "OK"
    );
    assert_eq!(q::<i64>(&mut c, &["HDEL", "h", "a", "zz", "x"]).await, 2);
    assert_eq!(q::<i64>(&mut c, &["HDEL", "nokey", "a"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["HDEL", "new", "f"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "new"]).await, 0);
    // Binary-safe fields and values.
    let (f, v): (&[u8], &[u8]) = (b"\x00f\r\n", b"\xff\x00v");
    let _: i64 = redis::cmd("HSET")
        .arg("bin")
        .arg(f)
        .arg(v)
        .query_async(&mut c)
        .await
        .unwrap();
    let got: Vec<u8> = redis::cmd("HGET")
        .arg("bin")
        .arg(f)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(got, v);
    // Arity and types.
    assert_eq!(
        q_err(&mut c, &["HSET", "h", "a", "1", "b"]).await,
        "ERR wrong number of arguments for 'hset' command"
    );
    assert_eq!(
        q_err(&mut c, &["HMSET", "h", "a", "1", "b"]).await,
        "ERR wrong number of arguments for 'hmset' command"
    );
    assert_eq!(
        q_err(&mut c, &["HSET", "h", "a"]).await,
        "ERR wrong number of arguments for 'hset' command"
    );
    q::<()>(&mut c, &["SET", "str", "v"]).await;
    for args in [
        &["HSET", "str", "a", "1"][..],
        &["HSETNX", "str", "a", "1"],
        &["HGET", "str", "a"],
        &["HMGET", "str", "a"],
        &["HDEL", "str", "a"],
        &["HLEN", "str"],
        &["HSTRLEN", "str", "a"],
        &["HEXISTS", "str", "a"],
        &["HKEYS", "str"],
        &["HVALS", "str"],
        &["HGETALL", "str"],
        &["HINCRBY", "str", "a", "1"],
        &["HINCRBYFLOAT", "str", "a", "1"],
        &["HRANDFIELD", "str"],
        &["HRANDFIELD", "str", "1"],
        &["HSCAN", "str", "0"],
        &["HEXPIRE", "str", "1", "FIELDS", "1", "a"],
        &["HTTL", "str", "FIELDS", "1", "a"],
        &["HPERSIST", "str", "FIELDS", "1", "a"],
    ] {
        assert_eq!(q_err(&mut c, args).await, WRONGTYPE, "{args:?}");
    }
    // Parse errors come before the type check where Redis does it that way.
    assert_eq!(
        q_err(&mut c, &["HINCRBY", "str", "a", "x"]).await,
        "ERR value is not an integer or out of range"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp3_replies() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert!(r.cmd("HELLO 3").await.starts_with('%'));
    assert_eq!(r.cmd("HSET h f1 v1 f2 v2").await, ":2\r\n");
    assert_eq!(
        r.cmd("HGETALL h").await,
        "%2\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n"
    );
    assert_eq!(r.cmd("HGETALL nokey").await, "%0\r\n");
    assert_eq!(r.cmd("HKEYS nokey").await, "*0\r\n");
    assert_eq!(r.cmd("HGET h nope").await, "_\r\n");
    assert_eq!(r.cmd("HRANDFIELD nokey").await, "_\r\n");
    assert_eq!(r.cmd("HMGET h f1 nope").await, "*2\r\n$2\r\nv1\r\n_\r\n");
    assert_eq!(
        r.cmd("HRANDFIELD h 2 WITHVALUES").await,
        "*2\r\n*2\r\n$2\r\nf1\r\n$2\r\nv1\r\n*2\r\n$2\r\nf2\r\n$2\r\nv2\r\n"
    );
    assert_eq!(r.cmd("HSET one f v").await, ":1\r\n");
    assert_eq!(
        r.cmd("HRANDFIELD one -2 WITHVALUES").await,
        "*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
    assert_eq!(
        r.cmd("HRANDFIELD one -2").await,
        "*2\r\n$1\r\nf\r\n$1\r\nf\r\n"
    );
    assert_eq!(r.cmd("HINCRBYFLOAT h n 1.5").await, "$3\r\n1.5\r\n");
    let mut r2 = srv.raw().await;
    assert_eq!(r2.cmd("HGETALL one").await, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    assert_eq!(
        r2.cmd("HRANDFIELD one -2 WITHVALUES").await,
        "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
    assert_eq!(r2.cmd("HGETALL nokey").await, "*0\r\n");
    assert_eq!(r2.cmd("HGET h nope").await, "$-1\r\n");
    assert_eq!(
        r2.cmd("HSCAN one 0").await,
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn increments() {
    let srv = start().await;
    let mut c = srv.conn().await;
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "h", "n", "5"]).await, 5);
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "h", "n", "-10"]).await, -5);
    q::<i64>(
        &mut c,
        &[
            "HSET",
            "h",
            "s",
            "hello",
            "sp",
            " 1",
            "f",
            "1.5",
            "big",
            "9223372036854775807",
        ],
    )
    .await;
    for (args, msg) in [
        (
            &["HINCRBY", "h", "n", "x"][..],
            "ERR value is not an integer or out of range",
        ),
        (
            &["HINCRBY", "h", "s", "1"],
            "ERR hash value is not an integer",
        ),
        (
            &["HINCRBY", "h", "sp", "1"],
            "ERR hash value is not an integer",
        ),
        (
            &["HINCRBY", "h", "f", "1"],
            "ERR hash value is not an integer",
        ),
        (
            &["HINCRBY", "h", "big", "1"],
            "ERR increment or decrement would overflow",
        ),
        (
            &["HINCRBYFLOAT", "h", "s", "1"],
            "ERR hash value is not a float",
        ),
        (
            &["HINCRBYFLOAT", "h", "sp", "1"],
            "ERR hash value is not a float",
        ),
        (
            &["HINCRBYFLOAT", "h", "f", "abc"],
            "ERR value is not a valid float",
        ),
        (
            &["HINCRBYFLOAT", "h", "f", "nan"],
            "ERR value is not a valid float",
        ),
        (
            &["HINCRBYFLOAT", "h", "f", "inf"],
            "ERR value is NaN or Infinity",
        ),
        (
            &["HINCRBYFLOAT", "h", "f", "-inf"],
            "ERR value is NaN or Infinity",
        ),
        (
            &["HINCRBYFLOAT", "h", "f", "1e99999"],
            "ERR value is not a valid float",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    assert_eq!(
        q::<String>(&mut c, &["HGET", "h", "big"]).await,
        "9223372036854775807"
    );
    q::<i64>(&mut c, &["HSET", "h", "neg", "-9223372036854775808"]).await;
    assert_eq!(
        q_err(&mut c, &["HINCRBY", "h", "neg", "-1"]).await,
        "ERR increment or decrement would overflow"
    );
    // Redis's long double arithmetic and %.17Lf formatting.
    for (start, incr, want) in [
        ("1", "1.1", "2.1"),
        ("0.1", "0.2", "0.3"),
        ("5.0e3", "2.0e2", "5200"),
        ("17179869184", "1.5", "17179869185.5"),
        ("10.5", "-10.5", "0"),
        ("0", "1e20", "100000000000000000000"),
        ("0", "-1e-20", "0"),
        ("0", "0x10", "16"),
        ("3", "1.23456789012345678", "4.23456789012345678"),
    ] {
        q::<i64>(&mut c, &["HSET", "fl", "v", start]).await;
        assert_eq!(
            q::<String>(&mut c, &["HINCRBYFLOAT", "fl", "v", incr]).await,
            want,
            "{start} + {incr}"
        );
        assert_eq!(q::<String>(&mut c, &["HGET", "fl", "v"]).await, want);
    }
    q::<i64>(&mut c, &["HSET", "fl", "inf", "inf"]).await;
    assert_eq!(
        q_err(&mut c, &["HINCRBYFLOAT", "fl", "inf", "1"]).await,
        "ERR increment would produce NaN or Infinity"
    );
    assert_eq!(
        q::<String>(&mut c, &["HINCRBYFLOAT", "nf", "x", "2.5"]).await,
        "2.5"
    );
    assert_eq!(q::<i64>(&mut c, &["HLEN", "nf"]).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encodings_follow_redis() {
    let srv = start_with(|c| {
        c.encoding.hash_max_listpack_entries = 3;
        c.encoding.hash_max_listpack_value = 6;
    })
    .await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["HSET", "h", "a", "1", "b", "2", "c", "3"]).await;
    assert_eq!(srv.encoding("h"), Some("listpack"));
    q::<i64>(&mut c, &["HSET", "h", "d", "4"]).await;
    assert_eq!(srv.encoding("h"), Some("hashtable"));
    q::<i64>(&mut c, &["HDEL", "h", "a", "b", "c"]).await;
    assert_eq!(srv.encoding("h"), Some("hashtable"));
    // Too many pairs in one HSET converts up front, even for repeated fields.
    q::<i64>(
        &mut c,
        &["HSET", "m", "a", "1", "a", "1", "a", "1", "a", "1"],
    )
    .await;
    assert_eq!(srv.encoding("m"), Some("hashtable"));
    // Long values and fields.
    q::<i64>(&mut c, &["HSET", "v", "f", "1234567"]).await;
    assert_eq!(srv.encoding("v"), Some("hashtable"));
    q::<i64>(&mut c, &["HSETNX", "w", "1234567", "x"]).await;
    assert_eq!(srv.encoding("w"), Some("hashtable"));
    // HINCRBYFLOAT producing a long value converts too.
    q::<String>(&mut c, &["HINCRBYFLOAT", "x", "f", "1.23456"]).await;
    assert_eq!(srv.encoding("x"), Some("hashtable"));
    q::<i64>(&mut c, &["HINCRBY", "y", "f", "1"]).await;
    assert_eq!(srv.encoding("y"), Some("listpack"));
    // Field TTLs make a listpack a listpackex, for good.
    q::<Vec<i64>>(&mut c, &["HEXPIRE", "y", "100", "FIELDS", "1", "nope"]).await;
    assert_eq!(srv.encoding("y"), Some("listpackex"));
    q::<Vec<i64>>(&mut c, &["HEXPIRE", "y", "100", "FIELDS", "1", "f"]).await;
    q::<Vec<i64>>(&mut c, &["HPERSIST", "y", "FIELDS", "1", "f"]).await;
    assert_eq!(srv.encoding("y"), Some("listpackex"));
    // A listpackex converts to a hash table keeping its TTLs.
    q::<Vec<i64>>(&mut c, &["HEXPIRE", "y", "100", "FIELDS", "1", "f"]).await;
    q::<i64>(&mut c, &["HSET", "y", "g", "1", "h", "1", "i", "1"]).await;
    assert_eq!(srv.encoding("y"), Some("hashtable"));
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "y", "FIELDS", "2", "f", "g"]).await,
        vec![100, -1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hrandfield_counts() {
    let srv = start().await;
    let mut c = srv.conn().await;
    for (key, n) in [("small", 5usize), ("big", 300)] {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(key);
        for i in 0..n {
            cmd.arg(format!("f{i}")).arg(format!("v{i}"));
        }
        let _: i64 = cmd.query_async(&mut c).await.unwrap();
        let universe: BTreeSet<String> = (0..n).map(|i| format!("f{i}")).collect();
        let one: String = q(&mut c, &["HRANDFIELD", key]).await;
        assert!(universe.contains(&one));
        for count in [1usize, 3, 4, 299, 300, 1000] {
            let got: Vec<String> = q(&mut c, &["HRANDFIELD", key, &count.to_string()]).await;
            let distinct: BTreeSet<String> = got.iter().cloned().collect();
            assert_eq!(got.len(), count.min(n), "{key} {count}");
            assert_eq!(distinct.len(), got.len());
            assert!(distinct.is_subset(&universe));
            let pairs: Vec<String> = q(
                &mut c,
                &["HRANDFIELD", key, &count.to_string(), "WITHVALUES"],
            )
            .await;
            assert_eq!(pairs.len(), 2 * count.min(n));
            for p in pairs.chunks(2) {
                assert_eq!(p[1], p[0].replace('f', "v"));
            }
        }
        let got: Vec<String> = q(&mut c, &["HRANDFIELD", key, "-500"]).await;
        assert_eq!(got.len(), 500);
        assert!(got.iter().all(|f| universe.contains(f)));
        assert!(q::<Vec<String>>(&mut c, &["HRANDFIELD", key, "0"])
            .await
            .is_empty());
    }
    assert!(q::<Vec<String>>(&mut c, &["HRANDFIELD", "nokey", "3"])
        .await
        .is_empty());
    assert_eq!(
        q::<Option<String>>(&mut c, &["HRANDFIELD", "nokey"]).await,
        None
    );
    for (args, msg) in [
        (&["HRANDFIELD", "big", "x"][..], "ERR value is not an integer or out of range"),
        (&["HRANDFIELD", "big", "1", "foo"], "ERR syntax error"),
        (&["HRANDFIELD", "big", "1", "WITHVALUES", "x"], "ERR syntax error"),
        (
            &["HRANDFIELD", "big", "9223372036854775807", "WITHVALUES"],
            "ERR value is out of range",
        ),
        (
            &["HRANDFIELD", "big", "-9223372036854775808"],
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hscan_options_and_coverage() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["HSET", "small", "a", "1", "ab", "2", "b", "3"]).await;
    let (cur, items): (String, Vec<String>) =
        q(&mut c, &["HSCAN", "small", "0", "COUNT", "1"]).await;
    assert_eq!(cur, "0");
    assert_eq!(items, vec!["a", "1", "ab", "2", "b", "3"]);
    let (_, items): (String, Vec<String>) =
        q(&mut c, &["HSCAN", "small", "0", "MATCH", "a*", "NOVALUES"]).await;
    assert_eq!(items, vec!["a", "ab"]);
    let (cur, items): (String, Vec<String>) =
        q(&mut c, &["HSCAN", "nokey", "0", "NOVALUES", "COUNT", "0"]).await;
    assert_eq!((cur.as_str(), items.len()), ("0", 0));
    for (args, msg) in [
        (&["HSCAN", "small", "x"][..], "ERR invalid cursor"),
        (&["HSCAN", "small", "0", "COUNT", "0"], "ERR syntax error"),
        (&["HSCAN", "small", "0", "COUNT", "-1"], "ERR syntax error"),
        (&["HSCAN", "small", "0", "MATCH"], "ERR syntax error"),
        (
            &["HSCAN", "small", "0", "NOVALUES", "X"],
            "ERR syntax error",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    let mut cmd = redis::cmd("HSET");
    cmd.arg("big");
    for i in 0..1000 {
        cmd.arg(format!("k{i}")).arg(format!("v{i}"));
    }
    let _: i64 = cmd.query_async(&mut c).await.unwrap();
    assert_eq!(srv.encoding("big"), Some("hashtable"));
    let mut seen = BTreeMap::new();
    let mut cursor = "0".to_string();
    let mut round = 0;
    loop {
        let (next, items): (String, Vec<String>) =
            q(&mut c, &["HSCAN", "big", &cursor, "COUNT", "30"]).await;
        for p in items.chunks(2) {
            seen.insert(p[0].clone(), p[1].clone());
        }
        q::<i64>(&mut c, &["HDEL", "big", &format!("k{}", 500 + round)]).await;
        q::<i64>(&mut c, &["HSET", "big", &format!("n{round}"), "x"]).await;
        round += 1;
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    for i in 0..500 {
        assert_eq!(seen.get(&format!("k{i}")), Some(&format!("v{i}")), "k{i}");
    }
    let (_, keys): (String, Vec<String>) = q(
        &mut c,
        &[
            "HSCAN", "big", "0", "COUNT", "5000", "MATCH", "k1?", "NOVALUES",
        ],
    )
    .await;
    let keys: BTreeSet<String> = keys.into_iter().collect();
    assert_eq!(keys, (10..20).map(|i| format!("k{i}")).collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_expiry_commands() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<i64>(
        &mut c,
        &["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"],
    )
    .await;
    // Missing key: every field -2.
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HEXPIRE", "nokey", "10", "FIELDS", "2", "a", "b"]).await,
        vec![-2, -2]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "nokey", "FIELDS", "1", "a"]).await,
        vec![-2]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HPERSIST", "nokey", "FIELDS", "1", "a"]).await,
        vec![-2]
    );
    // Plain listpack: no TTLs yet.
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "h", "FIELDS", "2", "a", "zz"]).await,
        vec![-1, -2]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HEXPIRE", "h", "100", "FIELDS", "3", "a", "zz", "c"]
        )
        .await,
        vec![1, -2, 1]
    );
    // HGETALL order follows Redis's listpackex: fields with a TTL first, a field goes before
    // any field with an equal or later time.
    assert_eq!(
        q::<Vec<String>>(&mut c, &["HKEYS", "h"]).await,
        vec!["c", "a", "b", "d"]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "h", "FIELDS", "2", "a", "b"]).await,
        vec![100, -1]
    );
    let pttl: Vec<i64> = q(&mut c, &["HPTTL", "h", "FIELDS", "1", "a"]).await;
    assert!(pttl[0] > 99_000 && pttl[0] <= 100_000, "{pttl:?}");
    // Conditions.
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HEXPIRE", "h", "200", "NX", "FIELDS", "2", "a", "b"]
        )
        .await,
        vec![0, 1]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HEXPIRE", "h", "300", "XX", "FIELDS", "2", "a", "d"]
        )
        .await,
        vec![1, 0]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HEXPIRE", "h", "250", "GT", "FIELDS", "3", "a", "c", "d"]
        )
        .await,
        vec![0, 1, 0]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HEXPIRE", "h", "50", "LT", "FIELDS", "2", "a", "d"]
        )
        .await,
        vec![1, 1]
    );
    // Absolute times.
    let at = 4_102_444_800_123i64;
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HPEXPIREAT", "h", &at.to_string(), "FIELDS", "1", "b"]
        )
        .await,
        vec![1]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HPEXPIRETIME", "h", "FIELDS", "2", "b", "zz"]).await,
        vec![at, -2]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HEXPIRETIME", "h", "FIELDS", "1", "b"]).await,
        vec![4_102_444_801]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HEXPIREAT", "h", "4102444800", "FIELDS", "1", "b"]
        )
        .await,
        vec![1]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HPEXPIRETIME", "h", "FIELDS", "1", "b"]).await,
        vec![4_102_444_800_000]
    );
    let expiretime: Vec<i64> = q(&mut c, &["HEXPIRETIME", "h", "FIELDS", "1", "a"]).await;
    assert!((expiretime[0] - (now_ms() / 1000 + 50)).abs() <= 2);
    // HPERSIST.
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HPERSIST", "h", "FIELDS", "3", "a", "zz", "a"]).await,
        vec![1, -2, -1]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "h", "FIELDS", "1", "a"]).await,
        vec![-1]
    );
    // HSET drops a field's TTL, HINCRBY keeps it.
    q::<i64>(&mut c, &["HSET", "h", "b", "x"]).await;
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "h", "FIELDS", "1", "b"]).await,
        vec![-1]
    );
    q::<i64>(&mut c, &["HINCRBY", "h", "c", "1"]).await;
    let ttl: Vec<i64> = q(&mut c, &["HTTL", "h", "FIELDS", "1", "c"]).await;
    assert!(ttl[0] > 0, "{ttl:?}");
    // A time in the past deletes (reply 2); the last field takes the key with it.
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HPEXPIREAT", "h", "1", "FIELDS", "2", "a", "zz"]).await,
        vec![2, -2]
    );
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "h", "a"]).await, 0);
    q::<i64>(&mut c, &["HSET", "one", "f", "v"]).await;
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HEXPIRE", "one", "0", "FIELDS", "1", "f"]).await,
        vec![2]
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "one"]).await, 0);
    // Table encoding behaves the same (absolute times keep the conditions deterministic).
    let mut cmd = redis::cmd("HSET");
    cmd.arg("t");
    for i in 0..200 {
        cmd.arg(format!("f{i}")).arg("v");
    }
    let _: i64 = cmd.query_async(&mut c).await.unwrap();
    let t = |ms: i64| ms.to_string();
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HPEXPIREAT", "t", &t(at), "FIELDS", "2", "f1", "nope"]
        )
        .await,
        vec![1, -2]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HPEXPIREAT", "t", &t(at), "GT", "FIELDS", "2", "f1", "f2"]
        )
        .await,
        vec![0, 0]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HPEXPIREAT", "t", &t(at + 1), "GT", "FIELDS", "1", "f1"]
        )
        .await,
        vec![1]
    );
    assert_eq!(
        q::<Vec<i64>>(
            &mut c,
            &["HPEXPIREAT", "t", &t(at), "LT", "FIELDS", "2", "f1", "f2"]
        )
        .await,
        vec![1, 1]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HPEXPIRETIME", "t", "FIELDS", "2", "f1", "f2"]).await,
        vec![at, at]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HPERSIST", "t", "FIELDS", "2", "f1", "f3"]).await,
        vec![1, -1]
    );
    assert_eq!(srv.encoding("t"), Some("hashtable"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_expiry_errors() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["HSET", "h", "f", "v"]).await;
    let max_s = ((1i64 << 46) - 1) / 1000;
    for (args, msg) in [
        (
            &["HEXPIRE", "h", "x", "FIELDS", "1", "f"][..],
            "ERR value is not an integer or out of range",
        ),
        (
            &["HEXPIRE", "h", "-1", "FIELDS", "1", "f"],
            "ERR invalid expire time, must be >= 0",
        ),
        (
            &["HEXPIRE", "h", &(max_s + 1).to_string(), "FIELDS", "1", "f"],
            "ERR invalid expire time in 'hexpire' command",
        ),
        (
            &[
                "HEXPIREAT",
                "h",
                &(max_s + 1).to_string(),
                "FIELDS",
                "1",
                "f",
            ],
            "ERR invalid expire time in 'hexpireat' command",
        ),
        (
            &[
                "HPEXPIREAT",
                "h",
                &(1i64 << 46).to_string(),
                "FIELDS",
                "1",
                "f",
            ],
            "ERR invalid expire time in 'hpexpireat' command",
        ),
        (
            &[
                "HPEXPIRE",
                "h",
                &((1i64 << 46) - 1).to_string(),
                "FIELDS",
                "1",
                "f",
            ],
            "ERR invalid expire time in 'hpexpire' command",
        ),
        (
            &["HEXPIRE", "h", "10", "BAD", "FIELDS", "1", "f"],
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (
            &["HEXPIRE", "h", "10", "NX", "XX", "1", "f"],
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "0", "f"],
            "ERR Parameter `numFields` should be greater than 0",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "x", "f"],
            "ERR Parameter `numFields` should be greater than 0",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "2", "f"],
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "1", "f", "g"],
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            &["HTTL", "h", "NOTFIELDS", "1", "f"],
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (
            &["HTTL", "h", "FIELDS", "0", "f"],
            "ERR Number of fields must be a positive integer",
        ),
        (
            &["HPTTL", "h", "FIELDS", "-1", "f"],
            "ERR Number of fields must be a positive integer",
        ),
        (
            &["HPERSIST", "h", "FIELDS", "x", "f"],
            "ERR Number of fields must be a positive integer",
        ),
        (
            &["HEXPIRETIME", "h", "FIELDS", "2", "f"],
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            &["HEXPIRE", "h", "10", "FIELDS", "1"],
            "ERR wrong number of arguments for 'hexpire' command",
        ),
        (
            &["HTTL", "h", "FIELDS", "1"],
            "ERR wrong number of arguments for 'httl' command",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    // Nothing above touched the hash.
    assert_eq!(srv.encoding("h"), Some("listpack"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lazy_expiry_and_events() {
    let srv = start_notifying().await;
    let mut ev = KeyEvents::db0(&srv).await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["HSET", "h", "a", "1", "b", "2"]).await;
    q::<i64>(&mut c, &["HSETNX", "h", "a", "1"]).await; // exists: no event
    q::<i64>(&mut c, &["HSETNX", "h", "c", "3"]).await;
    q::<i64>(&mut c, &["HINCRBY", "h", "n", "1"]).await;
    q::<String>(&mut c, &["HINCRBYFLOAT", "h", "n", "1.5"]).await;
    q::<i64>(&mut c, &["HDEL", "h", "zz"]).await; // nothing deleted: no event
    q::<i64>(&mut c, &["HDEL", "h", "n"]).await;
    q::<Vec<i64>>(&mut c, &["HEXPIRE", "h", "100", "FIELDS", "1", "zz"]).await; // no event
    q::<Vec<i64>>(&mut c, &["HPEXPIRE", "h", "100000", "FIELDS", "1", "c"]).await;
    q::<Vec<i64>>(&mut c, &["HPERSIST", "h", "FIELDS", "1", "c"]).await;
    q::<Vec<i64>>(&mut c, &["HPERSIST", "h", "FIELDS", "1", "c"]).await; // no TTL: no event
    q::<Vec<i64>>(&mut c, &["HPEXPIREAT", "h", "1", "FIELDS", "1", "c"]).await;
    q::<Vec<i64>>(&mut c, &["HPEXPIRE", "h", "40", "FIELDS", "1", "a"]).await;
    assert_eq!(
        ev.next(9).await,
        vec![
            "hset h",
            "hset h",
            "hincrby h",
            "hincrbyfloat h",
            "hdel h",
            "hexpire h",
            "hpersist h",
            "hdel h",
            "hexpire h",
        ]
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    // Lazily reclaimed on access.
    assert_eq!(q::<Option<String>>(&mut c, &["HGET", "h", "a"]).await, None);
    assert_eq!(ev.next(1).await, vec!["hexpired h"]);
    assert_eq!(q::<i64>(&mut c, &["HLEN", "h"]).await, 1);
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "h", "FIELDS", "1", "a"]).await,
        vec![-2]
    );
    // The last field expiring deletes the hash.
    q::<Vec<i64>>(&mut c, &["HPEXPIRE", "h", "30", "FIELDS", "1", "b"]).await;
    assert_eq!(ev.next(1).await, vec!["hexpire h"]);
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(q::<Vec<String>>(&mut c, &["HGETALL", "h"]).await.is_empty());
    assert_eq!(ev.next(2).await, vec!["hexpired h", "del h"]);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "h"]).await, 0);
    // Writes after expiry see a fresh hash.
    q::<i64>(&mut c, &["HSET", "g", "x", "1"]).await;
    q::<Vec<i64>>(&mut c, &["HPEXPIRE", "g", "30", "FIELDS", "1", "x"]).await;
    assert_eq!(ev.next(2).await, vec!["hset g", "hexpire g"]);
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "g", "x", "5"]).await, 5);
    assert_eq!(ev.next(3).await, vec!["hexpired g", "del g", "hincrby g"]);
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["HTTL", "g", "FIELDS", "1", "x"]).await,
        vec![-1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_expiry_hook() {
    let srv = start_notifying().await;
    let mut ev = KeyEvents::db0(&srv).await;
    let mut c = srv.conn().await;
    let mut cmd = redis::cmd("HSET");
    cmd.arg("t");
    for i in 0..300 {
        cmd.arg(format!("f{i}")).arg("v");
    }
    let _: i64 = cmd.query_async(&mut c).await.unwrap();
    let before = now_ms();
    q::<Vec<i64>>(&mut c, &["HPEXPIRE", "t", "20", "FIELDS", "2", "f1", "f2"]).await;
    assert_eq!(ev.next(2).await, vec!["hset t", "hexpire t"]);
    let next = srv
        .with_hash("t", |h| h.next_field_expiry())
        .flatten()
        .unwrap();
    assert!(next >= before + 20 && next <= now_ms() + 20, "{next}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let removed = {
        let shared = srv.server.shared();
        let mut ks = shared.keyspace();
        herald::commands::hashes::expire_hash_fields(shared, ks.db(0), 0, b"t", now_ms())
    };
    assert_eq!(removed, 2);
    assert_eq!(ev.next(1).await, vec!["hexpired t"]);
    assert_eq!(
        srv.with_hash("t", |h| (h.len(), h.next_field_expiry())),
        Some((298, None))
    );
    let removed = {
        let shared = srv.server.shared();
        let mut ks = shared.keyspace();
        herald::commands::hashes::expire_hash_fields(shared, ks.db(0), 0, b"t", now_ms())
    };
    assert_eq!(removed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_key_events() {
    let srv =
        start_with(|c| c.notify_keyspace_events = herald::notify::parse_flags("Ehn").unwrap())
            .await;
    let mut ev = KeyEvents::db0(&srv).await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["HSET", "h", "a", "1"]).await;
    q::<i64>(&mut c, &["HSET", "h", "b", "1"]).await;
    q::<i64>(&mut c, &["HINCRBY", "i", "a", "1"]).await;
    q::<String>(&mut c, &["HINCRBYFLOAT", "f", "a", "1"]).await;
    q::<i64>(&mut c, &["HSETNX", "n", "a", "1"]).await;
    assert_eq!(
        ev.next(9).await,
        vec![
            "new h",
            "hset h",
            "hset h",
            "new i",
            "hincrby i",
            "new f",
            "hincrbyfloat f",
            "new n",
            "hset n",
        ]
    );
}
