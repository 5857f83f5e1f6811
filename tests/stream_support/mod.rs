//! Shared by the stream persistence tests (RDB and AOF): commands building streams with
//! several nodes, deletions, trims, groups, PELs and consumers, and a fingerprint of every
//! stream of a server (XRANGE, XINFO STREAM FULL, XPENDING) to compare two servers.
#![allow(dead_code)]

use redis::aio::MultiplexedConnection;
use redis::Value;

/// Runs one command given as words.
pub async fn call(c: &mut MultiplexedConnection, words: &[&str]) -> Value {
    let mut cmd = redis::cmd(words[0]);
    for w in &words[1..] {
        cmd.arg(*w);
    }
    cmd.query_async(c)
        .await
        .unwrap_or_else(|e| panic!("{words:?}: {e}"))
}

/// Runs each command (words split on spaces) in order.
pub async fn run_lines(c: &mut MultiplexedConnection, lines: &[String]) {
    for line in lines {
        let words: Vec<&str> = line.split(' ').collect();
        call(c, &words).await;
    }
}

/// Commands building the streams `s:*` with explicit IDs, so that two servers given the same
/// commands hold the same streams (up to delivery and seen times).
pub fn stream_dataset() -> Vec<String> {
    let mut c = Vec::new();
    // Several nodes: 260 entries, mostly with the same field names, some with their own,
    // integers and strings as values.
    for i in 1..=260u64 {
        let ms = 1_700_000_000_000 + i / 3;
        let seq = i % 3;
        if i % 7 == 0 {
            c.push(format!("XADD s:chunks {ms}-{seq} other {i} extra -{i}"));
        } else {
            c.push(format!("XADD s:chunks {ms}-{seq} name user-{i} n {i}"));
        }
    }
    for id in ["1700000000000-1", "1700000000010-0", "1700000000020-2"] {
        c.push(format!("XDEL s:chunks {id}"));
    }
    c.push("XGROUP CREATE s:chunks g1 0".into());
    c.push("XREADGROUP GROUP g1 alice COUNT 5 STREAMS s:chunks >".into());
    c.push("XREADGROUP GROUP g1 bob COUNT 3 STREAMS s:chunks >".into());
    c.push("XACK s:chunks g1 1700000000001-0".into());
    c.push("XCLAIM s:chunks g1 bob 0 1700000000001-1".into());
    c.push("XGROUP CREATE s:chunks g2 $".into());
    c.push("XGROUP CREATECONSUMER s:chunks g2 carol".into());
    c.push("XGROUP CREATE s:chunks g3 1700000000050-0 ENTRIESREAD 40".into());
    // Trimmed, with large values (nodes split on bytes; LZF-compressed listpacks).
    for i in 1..=30u64 {
        c.push(format!(
            "XADD s:big {i}-0 blob {}",
            "x".repeat(700 + i as usize)
        ));
    }
    c.push("XTRIM s:big MAXLEN 20".into());
    c.push("XTRIM s:big MINID 15".into());
    // Empty, with groups that remember where they were.
    c.push("XADD s:empty MAXLEN 0 5-5 a b".into());
    c.push("XGROUP CREATE s:empty ge $".into());
    c.push("XGROUP CREATECONSUMER s:empty ge dave".into());
    c.push("XGROUP CREATE s:mk g $ MKSTREAM".into());
    c.push("XADD s:setid 1-1 f v".into());
    c.push("XDEL s:setid 1-1".into());
    c.push("XSETID s:setid 9-9 ENTRIESADDED 50 MAXDELETEDID 8-0".into());
    c
}

/// A reply flattened to tokens; `drop` keys (with their values) left out, and with
/// `loose_times` every integer that looks like a Unix time in ms replaced by `T`.
fn tokens(v: &Value, out: &mut Vec<String>, loose_times: bool) {
    match v {
        Value::Array(items) | Value::Set(items) => {
            out.push("[".into());
            let mut skip = false;
            for item in items {
                if skip {
                    skip = false;
                    continue;
                }
                if let Value::BulkString(b) = item {
                    if b == b"active-time" || b.starts_with(b"radix-tree-") {
                        skip = true;
                        continue;
                    }
                }
                tokens(item, out, loose_times);
            }
            out.push("]".into());
        }
        Value::BulkString(b) => out.push(format!("b:{}", String::from_utf8_lossy(b))),
        Value::Int(i) if loose_times && *i > 1_000_000_000_000 => out.push("T".into()),
        Value::Int(i) => out.push(format!("i:{i}")),
        Value::Nil => out.push("nil".into()),
        other => out.push(format!("{other:?}")),
    }
}

fn flat(v: &Value, loose_times: bool) -> String {
    let mut out = Vec::new();
    tokens(v, &mut out, loose_times);
    out.join(" ")
}

/// Every stream `s:*`: entries, XINFO STREAM FULL (without `active-time`, which Redis 7.0
/// lacks, and the node counts, which depend on how entries are chunked), the PEL summary and
/// each group's PEL with idle times left out. `loose_times` also hides delivery and seen times.
pub async fn stream_fingerprint(c: &mut MultiplexedConnection, loose_times: bool) -> Vec<String> {
    let mut out = Vec::new();
    let keys: Vec<String> = redis::from_redis_value(call(c, &["KEYS", "s:*"]).await).expect("KEYS");
    let mut keys = keys;
    keys.sort();
    for k in keys {
        out.push(format!(
            "{k} XRANGE {}",
            flat(&call(c, &["XRANGE", &k, "-", "+"]).await, false)
        ));
        let full = call(c, &["XINFO", "STREAM", &k, "FULL", "COUNT", "0"]).await;
        out.push(format!("{k} FULL {}", flat(&full, loose_times)));
        let groups: Vec<Vec<Value>> =
            redis::from_redis_value(call(c, &["XINFO", "GROUPS", &k]).await).expect("groups");
        for g in groups {
            let name: String = redis::from_redis_value(g[1].clone()).expect("group name");
            let summary = call(c, &["XPENDING", &k, &name]).await;
            out.push(format!("{k} {name} XPENDING {}", flat(&summary, false)));
            let ext: Vec<(String, String, i64, i64)> =
                redis::from_redis_value(call(c, &["XPENDING", &k, &name, "-", "+", "1000"]).await)
                    .expect("XPENDING extended");
            for (id, consumer, _idle, count) in ext {
                out.push(format!("{k} {name} pending {id} {consumer} {count}"));
            }
        }
    }
    out
}

/// Asserts two fingerprints are equal line by line (clearer failures than one big diff).
pub fn assert_same(what: &str, a: &[String], b: &[String]) {
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x, y, "{what}");
    }
    assert_eq!(a.len(), b.len(), "{what}: line counts");
}
