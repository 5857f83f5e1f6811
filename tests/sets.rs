//! Set commands over real sockets: exact replies (RESP2 and RESP3 bytes), Redis 7.4's error
//! texts, encodings and their conversions, random commands, SSCAN and keyspace events.

mod common;

use common::kv::*;
use common::*;
use herald::storage::set::Set;
use herald::storage::Value;
use std::collections::BTreeSet;

impl TestServer {
    /// The encoding of the set at `key` in db 0, read from the embedded server.
    fn encoding(&self, key: &str) -> Option<&'static str> {
        let mut ks = self.server.shared().keyspace();
        ks.db(0)
            .typed(key.as_bytes(), |v| match v {
                Value::Set(s) => Some(s),
                _ => None,
            })
            .ok()
            .flatten()
            .map(Set::encoding)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_remove_and_membership() {
    let srv = start().await;
    let mut c = srv.conn().await;
    assert_eq!(q::<i64>(&mut c, &["SADD", "s", "a", "b", "a"]).await, 2);
    assert_eq!(q::<i64>(&mut c, &["SADD", "s", "b", "c"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["SCARD", "s"]).await, 3);
    assert_eq!(q::<i64>(&mut c, &["SCARD", "nokey"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", "a"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", "z"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "nokey", "z"]).await, 0);
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["SMISMEMBER", "s", "a", "z", "c"]).await,
        vec![1, 0, 1]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["SMISMEMBER", "nokey", "a", "b"]).await,
        vec![0, 0]
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "s"]).await,
        vec!["a", "b", "c"]
    );
    assert_eq!(q::<i64>(&mut c, &["SREM", "s", "a", "z"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["SREM", "nokey", "a"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["SREM", "s", "b", "c", "d"]).await, 2);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "s"]).await, 0);
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "nokey"]).await,
        Vec::<String>::new()
    );
    // Binary-safe members.
    let bin: &[u8] = b"\x00\xff\r\n";
    let n: i64 = redis::cmd("SADD")
        .arg("b")
        .arg(bin)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let m: Vec<Vec<u8>> = redis::cmd("SMEMBERS")
        .arg("b")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(m, vec![bin.to_vec()]);
    // Wrong type and arity.
    q::<()>(&mut c, &["SET", "str", "v"]).await;
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SCARD", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SMEMBERS", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SSCAN", "str", "0"],
        &["SINTER", "str"],
        &["SUNION", "b", "str"],
        &["SDIFF", "b", "str"],
        &["SINTERCARD", "1", "str"],
        &["SINTERSTORE", "d", "b", "str"],
    ] {
        assert_eq!(q_err(&mut c, args).await, WRONGTYPE, "{args:?}");
    }
    assert_eq!(
        q_err(&mut c, &["SADD", "s"]).await,
        "ERR wrong number of arguments for 'sadd' command"
    );
    assert_eq!(
        q_err(&mut c, &["SMISMEMBER", "s"]).await,
        "ERR wrong number of arguments for 'smismember' command"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encodings_follow_redis() {
    let srv = start_with(|c| {
        c.encoding.set_max_intset_entries = 4;
        c.encoding.set_max_listpack_entries = 3;
        c.encoding.set_max_listpack_value = 5;
    })
    .await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["SADD", "i", "3", "1", "2"]).await;
    assert_eq!(srv.encoding("i"), Some("intset"));
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "i"]).await,
        vec!["1", "2", "3"]
    );
    q::<i64>(&mut c, &["SADD", "i", "x"]).await;
    // 3 members < 3 listpack entries is false: straight to a hash table.
    assert_eq!(srv.encoding("i"), Some("hashtable"));
    q::<i64>(&mut c, &["SADD", "j", "1", "2"]).await;
    q::<i64>(&mut c, &["SADD", "j", "y"]).await;
    assert_eq!(srv.encoding("j"), Some("listpack"));
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "j"]).await,
        vec!["1", "2", "y"]
    );
    q::<i64>(&mut c, &["SADD", "j", "toolong"]).await;
    assert_eq!(srv.encoding("j"), Some("hashtable"));
    // intset over its limit.
    q::<i64>(&mut c, &["SADD", "k", "1", "2", "3", "4"]).await;
    assert_eq!(srv.encoding("k"), Some("intset"));
    q::<i64>(&mut c, &["SADD", "k", "5"]).await;
    assert_eq!(srv.encoding("k"), Some("hashtable"));
    // Size hint: a first SADD with many members picks the final encoding up front.
    q::<i64>(&mut c, &["SADD", "h", "a", "b", "c", "d"]).await;
    assert_eq!(srv.encoding("h"), Some("hashtable"));
    q::<i64>(&mut c, &["SADD", "l", "a"]).await;
    assert_eq!(srv.encoding("l"), Some("listpack"));
    q::<i64>(&mut c, &["SADD", "l", "a", "b", "c", "d"]).await;
    assert_eq!(srv.encoding("l"), Some("hashtable"));
    // Never converted back.
    q::<i64>(&mut c, &["SREM", "l", "b", "c", "d"]).await;
    assert_eq!(srv.encoding("l"), Some("hashtable"));
    // SINTERSTORE of integers gives an intset; SUNIONSTORE starts as an intset too.
    q::<i64>(&mut c, &["SADD", "m1", "1", "a", "2"]).await;
    q::<i64>(&mut c, &["SADD", "m2", "2", "1", "b"]).await;
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", "d", "m1", "m2"]).await, 2);
    assert_eq!(srv.encoding("d"), Some("intset"));
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "d"]).await,
        vec!["1", "2"]
    );
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "u", "d"]).await, 2);
    assert_eq!(srv.encoding("u"), Some("intset"));
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "u", "m1"]).await, 3);
    assert_eq!(srv.encoding("u"), Some("listpack"));
    // SMOVE creates the destination as SADD would for one member.
    q::<i64>(&mut c, &["SMOVE", "m1", "mv", "2"]).await;
    assert_eq!(srv.encoding("mv"), Some("intset"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp3_set_replies_and_order() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert!(r.cmd("HELLO 3").await.starts_with('%'));
    assert_eq!(r.cmd("SADD s 10 -5 3").await, ":3\r\n");
    assert_eq!(
        r.cmd("SMEMBERS s").await,
        "~3\r\n$2\r\n-5\r\n$1\r\n3\r\n$2\r\n10\r\n"
    );
    assert_eq!(r.cmd("SMEMBERS nokey").await, "~0\r\n");
    assert_eq!(r.cmd("SADD t 3 z").await, ":2\r\n");
    assert_eq!(r.cmd("SINTER s t").await, "~1\r\n$1\r\n3\r\n");
    assert_eq!(r.cmd("SINTER s nokey").await, "~0\r\n");
    assert_eq!(
        r.cmd("SUNION s t").await,
        "~4\r\n$2\r\n-5\r\n$1\r\n3\r\n$2\r\n10\r\n$1\r\nz\r\n"
    );
    assert_eq!(r.cmd("SDIFF t s").await, "~1\r\n$1\r\nz\r\n");
    assert_eq!(r.cmd("SPOP nokey 2").await, "~0\r\n");
    assert_eq!(r.cmd("SPOP s 0").await, "~0\r\n");
    assert_eq!(r.cmd("SPOP nokey").await, "_\r\n");
    assert_eq!(r.cmd("SRANDMEMBER nokey").await, "_\r\n");
    assert_eq!(r.cmd("SRANDMEMBER nokey 3").await, "*0\r\n");
    assert_eq!(r.cmd("SMISMEMBER s 3 4").await, "*2\r\n:1\r\n:0\r\n");
    assert_eq!(r.cmd("SINTERCARD 2 s t").await, ":1\r\n");
    assert_eq!(
        r.cmd("SPOP t 5").await,
        "~2\r\n$1\r\n3\r\n$1\r\nz\r\n",
        "whole set in order"
    );
    // RESP2 for comparison.
    let mut r2 = srv.raw().await;
    assert_eq!(
        r2.cmd("SMEMBERS s").await,
        "*3\r\n$2\r\n-5\r\n$1\r\n3\r\n$2\r\n10\r\n"
    );
    assert_eq!(r2.cmd("SPOP nokey 2").await, "*0\r\n");
    assert_eq!(r2.cmd("SPOP nokey").await, "$-1\r\n");
    assert_eq!(
        r2.cmd("SSCAN s 0").await,
        "*2\r\n$1\r\n0\r\n*3\r\n$2\r\n-5\r\n$1\r\n3\r\n$2\r\n10\r\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smove_semantics() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["SADD", "a", "1", "2"]).await;
    q::<()>(&mut c, &["SET", "str", "v"]).await;
    // Missing source answers 0 even if the destination has the wrong type.
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "nokey", "str", "1"]).await, 0);
    assert_eq!(q_err(&mut c, &["SMOVE", "str", "a", "1"]).await, WRONGTYPE);
    assert_eq!(q_err(&mut c, &["SMOVE", "a", "str", "1"]).await, WRONGTYPE);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "a", "a", "1"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "a", "a", "9"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "a", "b", "9"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "b"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "a", "b", "1"]).await, 1);
    q::<i64>(&mut c, &["SADD", "b", "2"]).await;
    // Already in the destination: still 1, source loses it and is deleted when empty.
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "a", "b", "2"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "a"]).await, 0);
    assert_eq!(
        sorted(q::<Vec<String>>(&mut c, &["SMEMBERS", "b"]).await),
        vec!["1", "2"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn algebra_and_stores() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["SADD", "a", "x", "y", "z", "1", "2"]).await;
    q::<i64>(&mut c, &["SADD", "b", "y", "z", "2", "3"]).await;
    q::<i64>(&mut c, &["SADD", "c", "z", "2", "q"]).await;
    assert_eq!(
        sorted(q(&mut c, &["SINTER", "a", "b", "c"]).await),
        vec!["2", "z"]
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SINTER", "a", "b", "nokey"]).await,
        Vec::<String>::new()
    );
    assert_eq!(
        sorted(q(&mut c, &["SINTER", "a", "a"]).await),
        vec!["1", "2", "x", "y", "z"]
    );
    assert_eq!(
        sorted(q(&mut c, &["SUNION", "a", "b", "c", "nokey"]).await),
        vec!["1", "2", "3", "q", "x", "y", "z"]
    );
    assert_eq!(
        sorted(q(&mut c, &["SDIFF", "a", "b", "c"]).await),
        vec!["1", "x"]
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SDIFF", "a", "b", "a"]).await,
        Vec::<String>::new()
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SDIFF", "nokey", "a"]).await,
        Vec::<String>::new()
    );
    assert_eq!(
        q::<i64>(&mut c, &["SINTERCARD", "3", "a", "b", "c"]).await,
        2
    );
    assert_eq!(
        q::<i64>(&mut c, &["SINTERCARD", "2", "a", "b", "LIMIT", "1"]).await,
        1
    );
    assert_eq!(
        q::<i64>(&mut c, &["SINTERCARD", "2", "a", "b", "limit", "0"]).await,
        3
    );
    assert_eq!(
        q::<i64>(&mut c, &["SINTERCARD", "2", "a", "nokey"]).await,
        0
    );
    for (args, msg) in [
        (
            &["SINTERCARD", "0", "a"][..],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "x", "a"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "3", "a"],
            "ERR Number of keys can't be greater than number of args",
        ),
        (&["SINTERCARD", "1", "a", "LIMIT"], "ERR syntax error"),
        (&["SINTERCARD", "1", "a", "FOO", "1"], "ERR syntax error"),
        (
            &["SINTERCARD", "1", "a", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (
            &["SINTERCARD", "1", "a", "LIMIT", "x"],
            "ERR LIMIT can't be negative",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    // Stores: result replaces any value, an empty result deletes the destination.
    q::<()>(&mut c, &["SET", "d", "string"]).await;
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", "d", "a", "b"]).await, 3);
    assert_eq!(
        sorted(q(&mut c, &["SMEMBERS", "d"]).await),
        vec!["2", "y", "z"]
    );
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "d", "b", "c"]).await, 5);
    assert_eq!(q::<i64>(&mut c, &["SDIFFSTORE", "d", "a", "b"]).await, 2);
    assert_eq!(sorted(q(&mut c, &["SMEMBERS", "d"]).await), vec!["1", "x"]);
    assert_eq!(
        q::<i64>(&mut c, &["SINTERSTORE", "d", "a", "nokey"]).await,
        0
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "d"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["SDIFFSTORE", "d", "a", "a"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "d", "nokey"]).await, 0);
    // Destination may be one of the sources.
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", "a", "a", "b"]).await, 3);
    assert_eq!(
        sorted(q(&mut c, &["SMEMBERS", "a"]).await),
        vec!["2", "y", "z"]
    );
    // Sources untouched by reads.
    assert_eq!(q::<i64>(&mut c, &["SCARD", "b"]).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srandmember_counts() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let mut all = Vec::new();
    for i in 0..300 {
        all.push(format!("m{i}"));
    }
    for (key, members) in [("small", &all[..5]), ("big", &all[..])] {
        let mut command = redis::cmd("SADD");
        command.arg(key).arg(members);
        let _: i64 = command.query_async(&mut c).await.unwrap();
        let universe: BTreeSet<String> = members.iter().cloned().collect();
        let one: String = q(&mut c, &["SRANDMEMBER", key]).await;
        assert!(universe.contains(&one));
        for n in [1usize, 3, 4, 100, 299, 300, 1000] {
            let got: Vec<String> = q(&mut c, &["SRANDMEMBER", key, &n.to_string()]).await;
            let distinct: BTreeSet<String> = got.iter().cloned().collect();
            assert_eq!(got.len(), n.min(members.len()), "{key} {n}");
            assert_eq!(distinct.len(), got.len(), "distinct {key} {n}");
            assert!(distinct.is_subset(&universe));
        }
        let got: Vec<String> = q(&mut c, &["SRANDMEMBER", key, "-1000"]).await;
        assert_eq!(got.len(), 1000);
        assert!(got.iter().all(|m| universe.contains(m)));
        let distinct: BTreeSet<&String> = got.iter().collect();
        assert!(distinct.len() > 3, "negative count samples the whole set");
        let none: Vec<String> = q(&mut c, &["SRANDMEMBER", key, "0"]).await;
        assert!(none.is_empty());
    }
    assert_eq!(
        q_err(&mut c, &["SRANDMEMBER", "big", "x"]).await,
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        q_err(&mut c, &["SRANDMEMBER", "big", "-9223372036854775808"]).await,
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
    assert_eq!(
        q_err(&mut c, &["SRANDMEMBER", "big", "1", "2"]).await,
        "ERR syntax error"
    );
    assert_eq!(q::<i64>(&mut c, &["SCARD", "big"]).await, 300);
    // Fairness: every member of a hash-table set comes up in a long negative sample.
    let got: Vec<String> = q(&mut c, &["SRANDMEMBER", "big", "-30000"]).await;
    let distinct: BTreeSet<&String> = got.iter().collect();
    assert_eq!(distinct.len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spop_counts_and_errors() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let members: Vec<String> = (0..200).map(|i| format!("e{i}")).collect();
    let _: i64 = redis::cmd("SADD")
        .arg("s")
        .arg(&members)
        .query_async(&mut c)
        .await
        .unwrap();
    let mut seen = BTreeSet::new();
    let one: String = q(&mut c, &["SPOP", "s"]).await;
    seen.insert(one);
    for n in [10usize, 170] {
        let got: Vec<String> = q(&mut c, &["SPOP", "s", &n.to_string()]).await;
        assert_eq!(got.len(), n);
        for m in got {
            assert!(seen.insert(m), "popped twice");
        }
    }
    assert_eq!(q::<i64>(&mut c, &["SCARD", "s"]).await, 19);
    // Most of a hash table popped (survivors * 5 <= count): the survivors move into a fresh
    // listpack, as in Redis.
    assert_eq!(srv.encoding("s"), Some("listpack"));
    let rest: Vec<String> = q(&mut c, &["SPOP", "s", "100"]).await;
    assert_eq!(rest.len(), 19);
    seen.extend(rest);
    assert_eq!(seen.len(), 200);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "s"]).await, 0);
    q::<i64>(&mut c, &["SADD", "s", "x"]).await;
    assert_eq!(q::<String>(&mut c, &["SPOP", "s"]).await, "x");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "s"]).await, 0);
    for (args, msg) in [
        (
            &["SPOP", "s", "x"][..],
            "ERR value is out of range, must be positive",
        ),
        (
            &["SPOP", "s", "-1"],
            "ERR value is out of range, must be positive",
        ),
        (&["SPOP", "s", "1", "2"], "ERR syntax error"),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg);
    }
    // Intsets stay intsets.
    q::<i64>(&mut c, &["SADD", "i", "1", "2", "3", "4", "5", "6", "7"]).await;
    let got: Vec<i64> = q(&mut c, &["SPOP", "i", "6"]).await;
    assert_eq!(got.len(), 6);
    assert_eq!(srv.encoding("i"), Some("intset"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sscan_options_and_coverage() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["SADD", "small", "a", "b", "ab", "1"]).await;
    let (cur, items): (String, Vec<String>) =
        q(&mut c, &["SSCAN", "small", "0", "COUNT", "1"]).await;
    assert_eq!(
        (cur.as_str(), items),
        ("0", vec!["a".into(), "b".into(), "ab".into(), "1".into()])
    );
    let (_, items): (String, Vec<String>) =
        q(&mut c, &["SSCAN", "small", "0", "MATCH", "a*"]).await;
    assert_eq!(items, vec!["a", "ab"]);
    let (_, items): (String, Vec<String>) = q(&mut c, &["SSCAN", "small", "0", "match", "*"]).await;
    assert_eq!(items.len(), 4);
    // Missing key: empty scan, before option parsing.
    let (cur, items): (String, Vec<String>) =
        q(&mut c, &["SSCAN", "nokey", "0", "COUNT", "0"]).await;
    assert_eq!((cur.as_str(), items.len()), ("0", 0));
    for (args, msg) in [
        (&["SSCAN", "small", "abc"][..], "ERR invalid cursor"),
        (&["SSCAN", "small", " 1"], "ERR invalid cursor"),
        (&["SSCAN", "nokey", "x"], "ERR invalid cursor"),
        (&["SSCAN", "small", "0", "COUNT", "0"], "ERR syntax error"),
        (
            &["SSCAN", "small", "0", "COUNT", "x"],
            "ERR value is not an integer or out of range",
        ),
        (&["SSCAN", "small", "0", "MATCH"], "ERR syntax error"),
        (&["SSCAN", "small", "0", "FOO", "1"], "ERR syntax error"),
        (
            &["SSCAN", "small", "0", "NOVALUES"],
            "ERR NOVALUES option can only be used in HSCAN",
        ),
    ] {
        assert_eq!(q_err(&mut c, args).await, msg, "{args:?}");
    }
    // A hash-table set: every member present throughout is returned despite churn.
    let members: Vec<String> = (0..1000).map(|i| format!("k{i}")).collect();
    let _: i64 = redis::cmd("SADD")
        .arg("big")
        .arg(&members)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(srv.encoding("big"), Some("hashtable"));
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut round = 0;
    loop {
        let (next, items): (String, Vec<String>) =
            q(&mut c, &["SSCAN", "big", &cursor, "COUNT", "25"]).await;
        assert!(items.len() <= 25);
        seen.extend(items);
        // Remove a volatile member and add a new one between calls.
        q::<i64>(&mut c, &["SREM", "big", &format!("k{}", 500 + round)]).await;
        q::<i64>(&mut c, &["SADD", "big", &format!("new{round}")]).await;
        round += 1;
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    for i in 0..500 {
        assert!(seen.contains(&format!("k{i}")), "k{i} missed");
    }
    let (_, items): (String, Vec<String>) = q(
        &mut c,
        &["SSCAN", "big", "0", "COUNT", "2000", "MATCH", "k99*"],
    )
    .await;
    assert_eq!(
        sorted(items),
        vec!["k99", "k990", "k991", "k992", "k993", "k994", "k995", "k996", "k997", "k998", "k999"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyspace_events() {
    let srv = start_notifying().await;
    let mut ev = KeyEvents::db0(&srv).await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["SADD", "s", "a", "b", "c"]).await;
    q::<i64>(&mut c, &["SADD", "s", "a"]).await; // nothing added: no event
    q::<i64>(&mut c, &["SREM", "s", "zz"]).await; // nothing removed: no event
    q::<i64>(&mut c, &["SREM", "s", "a"]).await;
    q::<i64>(&mut c, &["SMOVE", "s", "t", "b"]).await;
    q::<String>(&mut c, &["SPOP", "s"]).await;
    q::<i64>(&mut c, &["SADD", "x", "1", "2"]).await;
    q::<i64>(&mut c, &["SINTERSTORE", "d", "x", "x"]).await;
    q::<i64>(&mut c, &["SUNIONSTORE", "d", "x"]).await;
    q::<i64>(&mut c, &["SDIFFSTORE", "d", "x", "t"]).await;
    q::<i64>(&mut c, &["SINTERSTORE", "d", "x", "nokey"]).await;
    q::<Vec<String>>(&mut c, &["SPOP", "x", "5"]).await;
    q::<i64>(&mut c, &["SMOVE", "t", "t2", "b"]).await;
    assert_eq!(
        ev.next(16).await,
        vec![
            "sadd s",
            "srem s",
            "srem s",
            "sadd t",
            "spop s",
            "del s",
            "sadd x",
            "sinterstore d",
            "sunionstore d",
            "sdiffstore d",
            "del d",
            "spop x",
            "del x",
            "srem t",
            "del t",
            "sadd t2",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_key_events() {
    let srv =
        start_with(|c| c.notify_keyspace_events = herald::notify::parse_flags("Esn").unwrap())
            .await;
    let mut ev = KeyEvents::db0(&srv).await;
    let mut c = srv.conn().await;
    q::<i64>(&mut c, &["SADD", "s", "a"]).await;
    q::<i64>(&mut c, &["SADD", "s", "b"]).await;
    q::<i64>(&mut c, &["SMOVE", "s", "t", "a"]).await;
    q::<i64>(&mut c, &["SUNIONSTORE", "u", "s", "t"]).await;
    q::<i64>(&mut c, &["SUNIONSTORE", "u", "s"]).await;
    assert_eq!(
        ev.next(9).await,
        vec![
            "new s",
            "sadd s",
            "sadd s",
            "srem s",
            "new t",
            "sadd t",
            "new u",
            "sunionstore u",
            "sunionstore u",
        ]
    );
}
