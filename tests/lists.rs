//! List commands over real sockets: every command and option, exact replies (RESP2 and RESP3
//! nulls), Redis's error texts, negative indexes, empty results, large elements and long lists
//! checked against a model, and keyspace events.

mod common;

use common::kv::*;
use common::*;

const OK: &str = "+OK\r\n";
const NIL: &str = "$-1\r\n";
const NIL_ARRAY: &str = "*-1\r\n";
const EMPTY: &str = "*0\r\n";
const WRONG: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_and_range() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let n: i64 = redis::cmd("LPUSH")
        .arg("l")
        .arg("a")
        .arg("b")
        .arg("c")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 3);
    let n: i64 = redis::cmd("RPUSH")
        .arg("l")
        .arg("d")
        .arg("e")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 5);
    let all: Vec<String> = redis::cmd("LRANGE")
        .arg("l")
        .arg(0)
        .arg(-1)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(all, ["c", "b", "a", "d", "e"]);
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("LPUSHX nope a").await, ":0\r\n");
    assert_eq!(r.cmd("RPUSHX nope a b").await, ":0\r\n");
    assert_eq!(r.cmd("EXISTS nope").await, ":0\r\n");
    assert_eq!(r.cmd("LPUSHX l x y").await, ":7\r\n");
    assert_eq!(r.cmd("RPUSHX l z").await, ":8\r\n");
    assert_eq!(r.cmd("LLEN l").await, ":8\r\n");
    assert_eq!(r.cmd("LLEN nope").await, ":0\r\n");
    for (range, want) in [
        ("0 -1", vec!["y", "x", "c", "b", "a", "d", "e", "z"]),
        ("0 0", vec!["y"]),
        ("-3 -1", vec!["d", "e", "z"]),
        ("-100 1", vec!["y", "x"]),
        ("6 100", vec!["e", "z"]),
        ("5 2", vec![]),
        ("100 200", vec![]),
        ("-1 -3", vec![]),
        ("-100 -50", vec![]),
    ] {
        assert_eq!(
            r.cmd(&format!("LRANGE l {range}")).await,
            arr(&want),
            "{range}"
        );
    }
    assert_eq!(r.cmd("LRANGE nope 0 -1").await, EMPTY);
    assert_eq!(
        r.cmd("LRANGE l a 1").await,
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r.cmd("SET s v").await, OK);
    for cmd in [
        "LPUSH s a",
        "RPUSH s a",
        "LPUSHX s a",
        "RPUSHX s a",
        "LLEN s",
        "LRANGE s 0 1",
    ] {
        assert_eq!(r.cmd(cmd).await, WRONG, "{cmd}");
    }
    // Binary-safe elements, including empty ones.
    let bin: &[u8] = b"\x00\xff\r\n";
    assert_eq!(
        r.call_text::<&[u8]>(&[b"RPUSH", b"b", bin, b""]).await,
        ":2\r\n"
    );
    let got: Vec<Vec<u8>> = redis::cmd("LRANGE")
        .arg("b")
        .arg(0)
        .arg(-1)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(got, vec![bin.to_vec(), vec![]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pop_with_and_without_count() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("RPUSH q a b c d e").await, ":5\r\n");
    assert_eq!(r.cmd("LPOP q").await, bulk("a"));
    assert_eq!(r.cmd("RPOP q").await, bulk("e"));
    assert_eq!(r.cmd("LPOP q 2").await, arr(&["b", "c"]));
    assert_eq!(r.cmd("RPOP q 0").await, EMPTY);
    assert_eq!(r.cmd("RPOP q 10").await, arr(&["d"]));
    assert_eq!(r.cmd("EXISTS q").await, ":0\r\n");
    assert_eq!(r.cmd("RPUSH q 1 2 3").await, ":3\r\n");
    assert_eq!(r.cmd("RPOP q 2").await, arr(&["3", "2"]));
    // Missing keys: null bulk without count, null array with one (even 0).
    assert_eq!(r.cmd("LPOP nope").await, NIL);
    assert_eq!(r.cmd("LPOP nope 1").await, NIL_ARRAY);
    assert_eq!(r.cmd("RPOP nope 0").await, NIL_ARRAY);
    let range = err("ERR value is out of range, must be positive");
    assert_eq!(r.cmd("LPOP q -1").await, range);
    assert_eq!(r.cmd("LPOP q abc").await, range);
    assert_eq!(
        r.cmd("LPOP q 1 2").await,
        err("ERR wrong number of arguments for 'lpop' command")
    );
    assert_eq!(
        r.cmd("RPOP q 1 2").await,
        err("ERR wrong number of arguments for 'rpop' command")
    );
    assert_eq!(r.cmd("SET s v").await, OK);
    assert_eq!(r.cmd("LPOP s").await, WRONG);
    assert_eq!(r.cmd("RPOP s 0").await, WRONG);
    // RESP3 nulls.
    assert!(r.cmd("HELLO 3").await.starts_with('%'));
    assert_eq!(r.cmd("LPOP nope").await, "_\r\n");
    assert_eq!(r.cmd("LPOP nope 2").await, "_\r\n");
    assert_eq!(r.cmd("LMPOP 1 nope LEFT").await, "_\r\n");
    assert_eq!(r.cmd("LINDEX nope 0").await, "_\r\n");
    assert_eq!(r.cmd("LPOS q x").await, "_\r\n");
    assert_eq!(r.cmd("LMOVE nope q LEFT LEFT").await, "_\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lindex_lset_linsert() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("RPUSH l a b c").await, ":3\r\n");
    assert_eq!(r.cmd("LINDEX l 0").await, bulk("a"));
    assert_eq!(r.cmd("LINDEX l -1").await, bulk("c"));
    assert_eq!(r.cmd("LINDEX l -3").await, bulk("a"));
    assert_eq!(r.cmd("LINDEX l 3").await, NIL);
    assert_eq!(r.cmd("LINDEX l -4").await, NIL);
    assert_eq!(r.cmd("LINDEX nope x").await, NIL);
    assert_eq!(
        r.cmd("LINDEX l x").await,
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r.cmd("LSET l 0 A").await, OK);
    assert_eq!(r.cmd("LSET l -1 C").await, OK);
    assert_eq!(r.cmd("LSET l 3 x").await, err("ERR index out of range"));
    assert_eq!(r.cmd("LSET l -4 x").await, err("ERR index out of range"));
    assert_eq!(r.cmd("LSET nope 0 x").await, err("ERR no such key"));
    assert_eq!(r.cmd("LSET nope x x").await, err("ERR no such key"));
    assert_eq!(
        r.cmd("LSET l x x").await,
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r.cmd("LINSERT l BEFORE A first").await, ":4\r\n");
    assert_eq!(r.cmd("LINSERT l after C last").await, ":5\r\n");
    assert_eq!(r.cmd("LINSERT l AFTER b b2").await, ":6\r\n");
    assert_eq!(r.cmd("LINSERT l BEFORE nope x").await, ":-1\r\n");
    assert_eq!(r.cmd("LINSERT nope BEFORE a x").await, ":0\r\n");
    assert_eq!(r.cmd("LINSERT l MIDDLE a x").await, err("ERR syntax error"));
    assert_eq!(
        r.cmd("LINSERT nope MIDDLE a x").await,
        err("ERR syntax error")
    );
    assert_eq!(
        r.cmd("LRANGE l 0 -1").await,
        arr(&["first", "A", "b", "b2", "C", "last"])
    );
    assert_eq!(r.cmd("SET s v").await, OK);
    assert_eq!(r.cmd("LINDEX s 0").await, WRONG);
    assert_eq!(r.cmd("LSET s 0 x").await, WRONG);
    assert_eq!(r.cmd("LINSERT s BEFORE a x").await, WRONG);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lrem_and_ltrim() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("RPUSH r a b a c a d a").await, ":7\r\n");
    assert_eq!(r.cmd("LREM r 2 a").await, ":2\r\n");
    assert_eq!(
        r.cmd("LRANGE r 0 -1").await,
        arr(&["b", "c", "a", "d", "a"])
    );
    assert_eq!(r.cmd("LREM r -1 a").await, ":1\r\n");
    assert_eq!(r.cmd("LRANGE r 0 -1").await, arr(&["b", "c", "a", "d"]));
    assert_eq!(r.cmd("LREM r 0 a").await, ":1\r\n");
    assert_eq!(r.cmd("LREM r 0 zzz").await, ":0\r\n");
    assert_eq!(r.cmd("LREM nope 0 a").await, ":0\r\n");
    assert_eq!(
        r.cmd("LREM r x a").await,
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r.cmd("LREM r -9223372036854775808 a").await,
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(r.cmd("LREM r 0 b").await, ":1\r\n");
    assert_eq!(r.cmd("LREM r 0 c").await, ":1\r\n");
    assert_eq!(r.cmd("LREM r 5 d").await, ":1\r\n");
    assert_eq!(r.cmd("EXISTS r").await, ":0\r\n");

    assert_eq!(r.cmd("RPUSH t 1 2 3 4 5 6 7 8 9").await, ":9\r\n");
    assert_eq!(r.cmd("LTRIM t 1 -2").await, OK);
    assert_eq!(
        r.cmd("LRANGE t 0 -1").await,
        arr(&["2", "3", "4", "5", "6", "7", "8"])
    );
    assert_eq!(r.cmd("LTRIM t -3 100").await, OK);
    assert_eq!(r.cmd("LRANGE t 0 -1").await, arr(&["6", "7", "8"]));
    assert_eq!(r.cmd("LTRIM t -100 0").await, OK);
    assert_eq!(r.cmd("LRANGE t 0 -1").await, arr(&["6"]));
    assert_eq!(r.cmd("LTRIM t 5 2").await, OK);
    assert_eq!(r.cmd("EXISTS t").await, ":0\r\n");
    assert_eq!(r.cmd("LTRIM nope 0 1").await, OK);
    assert_eq!(
        r.cmd("LTRIM t 0 x").await,
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r.cmd("SET s v").await, OK);
    assert_eq!(r.cmd("LREM s 0 a").await, WRONG);
    assert_eq!(r.cmd("LTRIM s 0 1").await, WRONG);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lpos_options() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("RPUSH p a b c 1 2 3 c c").await, ":8\r\n");
    for (args, want) in [
        ("c", ":2\r\n".to_string()),
        ("c RANK 2", ":6\r\n".into()),
        ("c RANK -1", ":7\r\n".into()),
        ("c RANK -3", ":2\r\n".into()),
        ("c RANK 4", NIL.into()),
        ("c COUNT 0", "*3\r\n:2\r\n:6\r\n:7\r\n".into()),
        ("c COUNT 2", "*2\r\n:2\r\n:6\r\n".into()),
        ("c RANK 2 COUNT 0", "*2\r\n:6\r\n:7\r\n".into()),
        ("c RANK -1 COUNT 2", "*2\r\n:7\r\n:6\r\n".into()),
        ("c MAXLEN 2", NIL.into()),
        ("c MAXLEN 3", ":2\r\n".into()),
        ("c COUNT 0 MAXLEN 7", "*2\r\n:2\r\n:6\r\n".into()),
        ("c RANK -1 MAXLEN 1 COUNT 0", "*1\r\n:7\r\n".into()),
        ("zz", NIL.into()),
        ("zz COUNT 1", EMPTY.into()),
    ] {
        assert_eq!(r.cmd(&format!("LPOS p {args}")).await, want, "{args}");
    }
    assert_eq!(r.cmd("LPOS nope a").await, NIL);
    assert_eq!(r.cmd("LPOS nope a COUNT 0").await, EMPTY);
    for (args, want) in [
        ("RANK 0", "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
        ("RANK x", "ERR value is not an integer or out of range"),
        ("RANK -9223372036854775808", "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
        ("COUNT -1", "ERR COUNT can't be negative"),
        ("COUNT x", "ERR COUNT can't be negative"),
        ("MAXLEN -1", "ERR MAXLEN can't be negative"),
        ("MAXLEN x", "ERR MAXLEN can't be negative"),
        ("FOO", "ERR syntax error"),
        ("RANK", "ERR syntax error"),
    ] {
        assert_eq!(r.cmd(&format!("LPOS p c {args}")).await, err(want), "{args}");
        // Options are checked before the key is looked up.
        assert_eq!(r.cmd(&format!("LPOS nope c {args}")).await, err(want), "{args}");
    }
    assert_eq!(r.cmd("SET s v").await, OK);
    assert_eq!(r.cmd("LPOS s a").await, WRONG);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lmove_rpoplpush_lmpop() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("RPUSH m1 1 2 3").await, ":3\r\n");
    assert_eq!(r.cmd("RPUSH m2 a b").await, ":2\r\n");
    assert_eq!(r.cmd("LMOVE m1 m2 LEFT RIGHT").await, bulk("1"));
    assert_eq!(r.cmd("LMOVE m1 m2 right left").await, bulk("3"));
    assert_eq!(r.cmd("LRANGE m2 0 -1").await, arr(&["3", "a", "b", "1"]));
    assert_eq!(r.cmd("LMOVE m2 m2 LEFT RIGHT").await, bulk("3"));
    assert_eq!(r.cmd("LRANGE m2 0 -1").await, arr(&["a", "b", "1", "3"]));
    assert_eq!(r.cmd("LMOVE m1 m1 LEFT LEFT").await, bulk("2"));
    assert_eq!(r.cmd("LMOVE m1 new LEFT LEFT").await, bulk("2"));
    assert_eq!(r.cmd("EXISTS m1").await, ":0\r\n");
    assert_eq!(r.cmd("LMOVE nope m2 LEFT LEFT").await, NIL);
    assert_eq!(r.cmd("LMOVE m2 m2 UP LEFT").await, err("ERR syntax error"));
    assert_eq!(
        r.cmd("LMOVE m2 m2 LEFT DOWN").await,
        err("ERR syntax error")
    );
    assert_eq!(r.cmd("SET s v").await, OK);
    assert_eq!(r.cmd("LMOVE m2 s LEFT LEFT").await, WRONG);
    assert_eq!(r.cmd("LMOVE s m2 LEFT LEFT").await, WRONG);
    assert_eq!(r.cmd("LLEN m2").await, ":4\r\n");
    assert_eq!(r.cmd("RPOPLPUSH m2 m3").await, bulk("3"));
    assert_eq!(r.cmd("RPOPLPUSH m2 m3").await, bulk("1"));
    assert_eq!(r.cmd("LRANGE m3 0 -1").await, arr(&["1", "3"]));
    assert_eq!(r.cmd("RPOPLPUSH nope m3").await, NIL);
    assert_eq!(r.cmd("RPOPLPUSH m3 s").await, WRONG);

    assert_eq!(r.cmd("RPUSH x1 a b c").await, ":3\r\n");
    assert_eq!(r.cmd("RPUSH x2 d e").await, ":2\r\n");
    assert_eq!(
        r.cmd("LMPOP 2 nope x1 LEFT").await,
        "*2\r\n$2\r\nx1\r\n*1\r\n$1\r\na\r\n"
    );
    assert_eq!(
        r.cmd("LMPOP 2 nope x2 RIGHT COUNT 10").await,
        "*2\r\n$2\r\nx2\r\n*2\r\n$1\r\ne\r\n$1\r\nd\r\n"
    );
    assert_eq!(r.cmd("EXISTS x2").await, ":0\r\n");
    assert_eq!(r.cmd("LMPOP 2 nope nope2 LEFT").await, NIL_ARRAY);
    for (args, want) in [
        ("0 x1 LEFT", "ERR numkeys should be greater than 0"),
        ("-1 x1 LEFT", "ERR numkeys should be greater than 0"),
        ("abc x1 LEFT", "ERR numkeys should be greater than 0"),
        ("5 x1 LEFT", "ERR syntax error"),
        ("1 x1 UP", "ERR syntax error"),
        ("1 x1 LEFT COUNT 0", "ERR count should be greater than 0"),
        ("1 x1 LEFT COUNT abc", "ERR count should be greater than 0"),
        ("1 x1 LEFT COUNT 1 COUNT 1", "ERR syntax error"),
        ("1 x1 LEFT COUNT", "ERR syntax error"),
        ("1 x1 LEFT FOO", "ERR syntax error"),
        ("9223372036854775807 x1 LEFT", "ERR syntax error"),
    ] {
        assert_eq!(r.cmd(&format!("LMPOP {args}")).await, err(want), "{args}");
    }
    assert_eq!(r.cmd("LMPOP 2 s x1 LEFT").await, WRONG);
    assert_eq!(
        r.cmd("LMPOP 2 x1 s LEFT COUNT 5").await,
        "*2\r\n$2\r\nx1\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(
        r.cmd("LMPOP 1").await,
        err("ERR wrong number of arguments for 'lmpop' command")
    );
}

/// Random list operations on long lists (many nodes, some 10 KB elements stored on their own)
/// checked against a `VecDeque`, under several `list-max-listpack-size` values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lists_match_a_model() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for fill in ["-2", "-1", "3", "128"] {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("list-max-listpack-size")
            .arg(fill)
            .query_async(&mut c)
            .await
            .unwrap();
        let _: i64 = redis::cmd("DEL")
            .arg("big")
            .query_async(&mut c)
            .await
            .unwrap();
        let mut model: std::collections::VecDeque<Vec<u8>> = Default::default();
        for round in 0..400 {
            let value = |rng: &mut Rng| -> Vec<u8> {
                match rng.below(10) {
                    0 => vec![b'L'; 10_000 + rng.below(100) as usize],
                    1..=3 => rng.below(1000).to_string().into_bytes(),
                    _ => format!("v{}", rng.below(50)).into_bytes(),
                }
            };
            let len = model.len() as i64;
            match rng.below(8) {
                0 | 1 => {
                    let vals: Vec<Vec<u8>> =
                        (0..1 + rng.below(20)).map(|_| value(&mut rng)).collect();
                    let left = rng.below(2) == 0;
                    let n: i64 = redis::cmd(if left { "LPUSH" } else { "RPUSH" })
                        .arg("big")
                        .arg(&vals)
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    for v in vals {
                        if left {
                            model.push_front(v)
                        } else {
                            model.push_back(v)
                        }
                    }
                    assert_eq!(n, model.len() as i64);
                }
                2 => {
                    let n = rng.below(8);
                    let left = rng.below(2) == 0;
                    let got: Option<Vec<Vec<u8>>> = redis::cmd(if left { "LPOP" } else { "RPOP" })
                        .arg("big")
                        .arg(n)
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    let mut want = Vec::new();
                    for _ in 0..n {
                        if let Some(v) = if left {
                            model.pop_front()
                        } else {
                            model.pop_back()
                        } {
                            want.push(v);
                        }
                    }
                    if len == 0 {
                        assert_eq!(got, None);
                    } else {
                        assert_eq!(got, Some(want));
                    }
                }
                3 if len > 0 => {
                    let i = rng.below(len as u64) as i64 - if rng.below(2) == 0 { len } else { 0 };
                    let v = value(&mut rng);
                    let _: () = redis::cmd("LSET")
                        .arg("big")
                        .arg(i)
                        .arg(&v[..])
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    let idx = if i < 0 { len + i } else { i } as usize;
                    model[idx] = v;
                }
                4 if len > 0 => {
                    let pivot = model[rng.below(len as u64) as usize].clone();
                    let v = value(&mut rng);
                    let after = rng.below(2) == 0;
                    let n: i64 = redis::cmd("LINSERT")
                        .arg("big")
                        .arg(if after { "AFTER" } else { "BEFORE" })
                        .arg(&pivot[..])
                        .arg(&v[..])
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    let pos = model.iter().position(|e| *e == pivot).unwrap();
                    model.insert(if after { pos + 1 } else { pos }, v);
                    assert_eq!(n, model.len() as i64);
                }
                5 if len > 0 => {
                    let target = format!("v{}", rng.below(50)).into_bytes();
                    let count = rng.below(5) as i64 - 2;
                    let n: i64 = redis::cmd("LREM")
                        .arg("big")
                        .arg(count)
                        .arg(&target[..])
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    let mut removed = 0;
                    let limit = count.unsigned_abs() as usize;
                    if count < 0 {
                        let mut i = model.len();
                        while i > 0 {
                            i -= 1;
                            if model[i] == target && (limit == 0 || removed < limit) {
                                model.remove(i);
                                removed += 1;
                            }
                        }
                    } else {
                        let mut i = 0;
                        while i < model.len() {
                            if model[i] == target && (limit == 0 || removed < limit) {
                                model.remove(i);
                                removed += 1;
                            } else {
                                i += 1;
                            }
                        }
                    }
                    assert_eq!(n, removed as i64);
                }
                6 if len > 20 && round % 5 == 0 => {
                    let start = rng.below(5) as i64;
                    let end = -(rng.below(5) as i64) - 1;
                    let _: () = redis::cmd("LTRIM")
                        .arg("big")
                        .arg(start)
                        .arg(end)
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    let s = start as usize;
                    let e = (len + end) as usize;
                    model = model.iter().skip(s).take(e + 1 - s).cloned().collect();
                }
                _ => {
                    let i = rng.below(len as u64 + 3) as i64 - 1;
                    let got: Option<Vec<u8>> = redis::cmd("LINDEX")
                        .arg("big")
                        .arg(i)
                        .query_async(&mut c)
                        .await
                        .unwrap();
                    let idx = if i < 0 { len + i } else { i };
                    let want = (0..len).contains(&idx).then(|| model[idx as usize].clone());
                    assert_eq!(got, want);
                }
            }
            if round % 50 == 0 || round == 399 {
                let all: Vec<Vec<u8>> = redis::cmd("LRANGE")
                    .arg("big")
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut c)
                    .await
                    .unwrap();
                assert_eq!(all.len(), model.len(), "fill {fill} round {round}");
                assert!(all.iter().eq(model.iter()), "fill {fill} round {round}");
                let n: i64 = redis::cmd("LLEN")
                    .arg("big")
                    .query_async(&mut c)
                    .await
                    .unwrap();
                assert_eq!(n, model.len() as i64);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_elements() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let mut pipe = redis::pipe();
    for chunk in 0..100 {
        let vals: Vec<String> = (chunk * 1000..(chunk + 1) * 1000)
            .map(|i| i.to_string())
            .collect();
        pipe.cmd("RPUSH").arg("n").arg(vals).ignore();
    }
    let _: () = pipe.query_async(&mut c).await.unwrap();
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("LLEN n").await, ":100000\r\n");
    assert_eq!(r.cmd("LINDEX n 54321").await, bulk("54321"));
    assert_eq!(r.cmd("LINDEX n -1").await, bulk("99999"));
    assert_eq!(
        r.cmd("LRANGE n 50000 50002").await,
        arr(&["50000", "50001", "50002"])
    );
    assert_eq!(r.cmd("LPOS n 99998").await, ":99998\r\n");
    assert_eq!(r.cmd("LPOS n 5 RANK -1").await, ":5\r\n");
    assert_eq!(r.cmd("LINSERT n AFTER 49999 x").await, ":100001\r\n");
    assert_eq!(r.cmd("LINDEX n 50000").await, bulk("x"));
    assert_eq!(r.cmd("LREM n 0 x").await, ":1\r\n");
    assert_eq!(r.cmd("LTRIM n 10 -11").await, OK);
    assert_eq!(r.cmd("LRANGE n 0 0").await, arr(&["10"]));
    assert_eq!(r.cmd("LRANGE n -1 -1").await, arr(&["99989"]));
    assert_eq!(r.cmd("LLEN n").await, ":99980\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyspace_events() {
    let srv = start_notifying().await;
    assert_events(
        &srv,
        &[
            "LPUSH l a b",
            "RPUSH l c d e",
            "LPUSHX nope a",
            "LPOP l",
            "RPOP l 2",
            "LPOP l 0",
            "LINSERT l BEFORE a x",
            "LINSERT l BEFORE zz x",
            "LSET l 0 y",
            "LREM l 0 zz",
            "LREM l 1 y",
            "LTRIM l 1 -1",
            "RPUSH m 1",
            "LMOVE l m LEFT RIGHT",
            "RPOPLPUSH m m",
            "LMPOP 1 m RIGHT COUNT 5",
            "RPUSH t 1",
            "LTRIM t 1 0",
        ],
        &[
            ("lpush", "l"),
            ("rpush", "l"),
            ("lpop", "l"),
            ("rpop", "l"),
            ("linsert", "l"),
            ("lset", "l"),
            ("lrem", "l"),
            ("ltrim", "l"),
            ("rpush", "m"),
            ("rpush", "m"),
            ("lpop", "l"),
            ("del", "l"),
            ("lpush", "m"),
            ("rpop", "m"),
            ("rpop", "m"),
            ("del", "m"),
            ("rpush", "t"),
            ("ltrim", "t"),
            ("del", "t"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arity_errors() {
    let srv = start().await;
    assert_arity_errors(
        &srv,
        &[
            ("LPUSH l", "lpush"),
            ("RPUSH", "rpush"),
            ("LPUSHX l", "lpushx"),
            ("RPUSHX l", "rpushx"),
            ("LPOP", "lpop"),
            ("RPOP", "rpop"),
            ("LLEN", "llen"),
            ("LRANGE l 0", "lrange"),
            ("LINDEX l", "lindex"),
            ("LSET l 0", "lset"),
            ("LINSERT l BEFORE a", "linsert"),
            ("LREM l 0", "lrem"),
            ("LTRIM l 0", "ltrim"),
            ("LPOS l", "lpos"),
            ("LMOVE a b LEFT", "lmove"),
            ("RPOPLPUSH a", "rpoplpush"),
            ("LMPOP 1 a", "lmpop"),
        ],
    )
    .await;
}
