//! Sorted set commands over real sockets: every command, its options, its exact replies in
//! RESP2 and RESP3, its exact error texts, keyspace events and the listpack/skiplist
//! conversion (observed through ZSCAN, which answers packed sets in one go).

mod common;

use common::kv::*;
use common::*;
use redis::aio::MultiplexedConnection;

impl Raw {
    /// Sends `args` and asserts the exact reply.
    #[track_caller]
    fn check<'a>(
        &'a mut self,
        args: &'a [&'a str],
        want: &'a str,
    ) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let got = self.call_text(args).await;
            assert_eq!(got, want, "{args:?} (at {caller})");
        }
    }
}

/// A connection to `srv` after it created the sorted set `z` of a..e scored 1..5.
async fn conn_with_abcde(srv: &TestServer) -> MultiplexedConnection {
    let mut c = srv.conn().await;
    let _: i64 = q(
        &mut c,
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
    )
    .await;
    c
}

/// A raw client of `srv` after it created the sorted set `z` of a..d scored 1..4.
async fn raw_with_abcd(srv: &TestServer) -> Raw {
    let mut r = srv.raw().await;
    r.check(
        &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
        ":4\r\n",
    )
    .await;
    r
}

const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const NOT_FLOAT: &str = "-ERR value is not a valid float\r\n";
const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NOT_FLOAT_RANGE: &str = "-ERR min or max is not a float\r\n";
const NOT_LEX_RANGE: &str = "-ERR min or max not valid string range item\r\n";

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zadd_options() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let added: i64 = redis::cmd("ZADD")
        .arg("z")
        .arg(1)
        .arg("a")
        .arg(2)
        .arg("b")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(added, 2);
    let mut r = srv.raw().await;
    r.check(&["ZADD", "z", "1", "a", "3", "c"], ":1\r\n").await;
    r.check(&["ZADD", "z", "CH", "5", "a", "2", "b", "4", "d"], ":2\r\n")
        .await;
    r.check(&["ZADD", "z", "NX", "9", "a", "9", "e"], ":1\r\n")
        .await;
    r.check(&["ZSCORE", "z", "a"], &bulk("5")).await;
    r.check(&["ZADD", "z", "XX", "CH", "7", "a", "7", "nope"], ":1\r\n")
        .await;
    r.check(&["ZSCORE", "z", "nope"], "$-1\r\n").await;
    r.check(&["ZADD", "z", "GT", "CH", "1", "a", "8", "b"], ":1\r\n")
        .await;
    r.check(
        &["ZADD", "z", "LT", "CH", "1", "a", "9", "b", "0", "f"],
        ":2\r\n",
    )
    .await;
    r.check(
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &arr(&["f", "0", "a", "1", "c", "3", "d", "4", "b", "8", "e", "9"]),
    )
    .await;
    // INCR replies with the new score, or nil when nothing was done.
    r.check(&["ZADD", "z", "INCR", "2.5", "a"], &bulk("3.5"))
        .await;
    r.check(&["ZADD", "z", "INCR", "NX", "1", "a"], "$-1\r\n")
        .await;
    r.check(&["ZADD", "z", "INCR", "XX", "1", "nope"], "$-1\r\n")
        .await;
    r.check(&["ZADD", "z", "INCR", "GT", "-1", "a"], "$-1\r\n")
        .await;
    r.check(&["ZADD", "z", "INCR", "LT", "-1", "a"], &bulk("2.5"))
        .await;
    // XX on a missing key creates nothing.
    r.check(&["ZADD", "nokey", "XX", "1", "a"], ":0\r\n").await;
    r.check(&["EXISTS", "nokey"], ":0\r\n").await;
    r.check(&["ZADD", "nokey", "XX", "INCR", "1", "a"], "$-1\r\n")
        .await;
    // Scores: hex, infinities, exponents.
    r.check(
        &[
            "ZADD", "s", "0x10", "hex", "-inf", "lo", "+inf", "hi", "1e3", "e",
        ],
        ":4\r\n",
    )
    .await;
    r.check(
        &["ZRANGE", "s", "0", "-1", "WITHSCORES"],
        &arr(&["lo", "-inf", "hex", "16", "e", "1000", "hi", "inf"]),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zadd_errors() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(
        &["ZADD", "z", "NX", "XX", "1", "a"],
        &err("ERR XX and NX options at the same time are not compatible"),
    )
    .await;
    for opts in [["GT", "LT"], ["GT", "NX"], ["NX", "LT"]] {
        r.check(
            &["ZADD", "z", opts[0], opts[1], "1", "a"],
            &err("ERR GT, LT, and/or NX options at the same time are not compatible"),
        )
        .await;
    }
    r.check(
        &["ZADD", "z", "INCR", "1", "a", "2", "b"],
        &err("ERR INCR option supports a single increment-element pair"),
    )
    .await;
    r.check(&["ZADD", "z", "1", "a", "2"], SYNTAX).await;
    r.check(&["ZADD", "z", "NX", "CH"], SYNTAX).await;
    r.check(
        &["ZADD", "z"],
        &err("ERR wrong number of arguments for 'zadd' command"),
    )
    .await;
    for bad in ["abc", "nan", " 1", "1 ", "", "1e400"] {
        r.check(&["ZADD", "z", bad, "a"], NOT_FLOAT).await;
    }
    // Nothing was created by the failed commands.
    r.check(&["EXISTS", "z"], ":0\r\n").await;
    r.check(&["ZADD", "z", "inf", "a"], ":1\r\n").await;
    r.check(
        &["ZADD", "z", "INCR", "-inf", "a"],
        &err("ERR resulting score is not a number (NaN)"),
    )
    .await;
    r.check(
        &["ZINCRBY", "z", "-inf", "a"],
        &err("ERR resulting score is not a number (NaN)"),
    )
    .await;
    r.check(&["ZSCORE", "z", "a"], &bulk("inf")).await;
    r.check(&["SET", "str", "x"], "+OK\r\n").await;
    r.check(&["ZADD", "str", "1", "a"], WRONGTYPE).await;
    // Score errors come before the type check.
    r.check(&["ZADD", "str", "x", "a"], NOT_FLOAT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zincrby() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let s: f64 = redis::cmd("ZINCRBY")
        .arg("z")
        .arg(2)
        .arg("m")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(s, 2.0);
    let mut r = srv.raw().await;
    r.check(&["ZINCRBY", "z", "0.5", "m"], &bulk("2.5")).await;
    r.check(&["ZINCRBY", "z", "-10", "m"], &bulk("-7.5")).await;
    r.check(&["ZINCRBY", "z", "abc", "m"], NOT_FLOAT).await;
    // The increment goes through ZADD's option parser, as in Redis.
    r.check(&["ZINCRBY", "z", "nx", "m"], SYNTAX).await;
    r.check(
        &["ZINCRBY", "z", "1"],
        &err("ERR wrong number of arguments for 'zincrby' command"),
    )
    .await;
    r.check(&["SET", "str", "x"], "+OK\r\n").await;
    r.check(&["ZINCRBY", "str", "1", "m"], WRONGTYPE).await;
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zscore_zmscore_zcard() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(&["ZADD", "z", "1", "a", "2.5", "b"], ":2\r\n")
        .await;
    r.check(&["ZSCORE", "z", "b"], &bulk("2.5")).await;
    r.check(&["ZSCORE", "nokey", "b"], "$-1\r\n").await;
    r.check(
        &["ZMSCORE", "z", "a", "x", "b"],
        "*3\r\n$1\r\n1\r\n$-1\r\n$3\r\n2.5\r\n",
    )
    .await;
    r.check(&["ZMSCORE", "nokey", "a", "b"], "*2\r\n$-1\r\n$-1\r\n")
        .await;
    r.check(&["ZCARD", "z"], ":2\r\n").await;
    r.check(&["ZCARD", "nokey"], ":0\r\n").await;
    r.check(&["SET", "str", "x"], "+OK\r\n").await;
    for cmd in [
        &["ZSCORE", "str", "a"][..],
        &["ZMSCORE", "str", "a"],
        &["ZCARD", "str"],
        &["ZRANK", "str", "a"],
        &["ZCOUNT", "str", "0", "1"],
        &["ZLEXCOUNT", "str", "-", "+"],
        &["ZRANGE", "str", "0", "1"],
        &["ZREM", "str", "a"],
        &["ZPOPMIN", "str"],
        &["ZRANDMEMBER", "str"],
        &["ZSCAN", "str", "0"],
        &["ZREMRANGEBYRANK", "str", "0", "1"],
    ] {
        r.check(cmd, WRONGTYPE).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn score_formatting() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(
        &[
            "ZADD",
            "z",
            "0.1",
            "a",
            "1e300",
            "b",
            "-0",
            "c",
            "1.5e-7",
            "d",
            "123456.789",
            "e",
            "4611686018427387904",
            "f",
            "9223372036854775808",
            "g",
        ],
        ":7\r\n",
    )
    .await;
    r.check(&["ZSCORE", "z", "a"], &bulk("0.1")).await;
    r.check(&["ZSCORE", "z", "b"], &bulk("1e+300")).await;
    // A listpack stores integral scores as integers, so -0 comes back as 0.
    r.check(&["ZSCORE", "z", "c"], &bulk("0")).await;
    r.check(&["ZSCORE", "z", "d"], &bulk("1.5e-7")).await;
    r.check(&["ZSCORE", "z", "e"], &bulk("123456.789")).await;
    r.check(&["ZSCORE", "z", "f"], &bulk("4611686018427387904"))
        .await;
    r.check(&["ZSCORE", "z", "g"], &bulk("9223372036854776000"))
        .await;
    r.check(&["ZINCRBY", "z", "0.2", "a"], &bulk("0.30000000000000004"))
        .await;
    // ZSCAN of a listpack shows the same strings.
    r.check(
        &["ZSCAN", "z", "0", "MATCH", "[bd]"],
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nd\r\n$6\r\n1.5e-7\r\n$1\r\nb\r\n$6\r\n1e+300\r\n",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zcount_and_zlexcount() {
    let srv = start().await;
    let mut r = raw_with_abcd(&srv).await;
    r.check(&["ZCOUNT", "z", "-inf", "+inf"], ":4\r\n").await;
    r.check(&["ZCOUNT", "z", "(1", "3"], ":2\r\n").await;
    r.check(&["ZCOUNT", "z", "1", "(3"], ":2\r\n").await;
    r.check(&["ZCOUNT", "z", "(1", "(2"], ":0\r\n").await;
    r.check(&["ZCOUNT", "z", "3", "1"], ":0\r\n").await;
    r.check(&["ZCOUNT", "z", "", "2"], ":2\r\n").await;
    r.check(&["ZCOUNT", "z", "0x1", "0x3"], ":3\r\n").await;
    r.check(&["ZCOUNT", "nokey", "0", "1"], ":0\r\n").await;
    for (lo, hi) in [
        ("a", "1"),
        ("1", "x"),
        ("[1", "2"),
        ("nan", "1"),
        ("1 ", "2"),
    ] {
        r.check(&["ZCOUNT", "z", lo, hi], NOT_FLOAT_RANGE).await;
    }
    r.check(
        &[
            "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
        ],
        ":5\r\n",
    )
    .await;
    r.check(&["ZLEXCOUNT", "l", "-", "+"], ":5\r\n").await;
    r.check(&["ZLEXCOUNT", "l", "[b", "[d"], ":3\r\n").await;
    r.check(&["ZLEXCOUNT", "l", "(b", "(d"], ":1\r\n").await;
    r.check(&["ZLEXCOUNT", "l", "+", "-"], ":0\r\n").await;
    r.check(&["ZLEXCOUNT", "l", "[c", "+"], ":3\r\n").await;
    r.check(&["ZLEXCOUNT", "nokey", "-", "+"], ":0\r\n").await;
    for (lo, hi) in [("a", "+"), ("-", "b"), ("", "+"), ("+a", "+"), ("-", "--")] {
        r.check(&["ZLEXCOUNT", "l", lo, hi], NOT_LEX_RANGE).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zrank_and_zrevrank() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let _: i64 = redis::cmd("ZADD")
        .arg("z")
        .arg(&["1", "a", "2", "b", "3", "c"])
        .query_async(&mut c)
        .await
        .unwrap();
    let rank: Option<i64> = redis::cmd("ZRANK")
        .arg("z")
        .arg("c")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(rank, Some(2));
    let mut r = srv.raw().await;
    r.check(&["ZRANK", "z", "a"], ":0\r\n").await;
    r.check(&["ZREVRANK", "z", "a"], ":2\r\n").await;
    r.check(&["ZRANK", "z", "x"], "$-1\r\n").await;
    r.check(&["ZRANK", "nokey", "x"], "$-1\r\n").await;
    r.check(&["ZRANK", "z", "b", "WITHSCORE"], "*2\r\n:1\r\n$1\r\n2\r\n")
        .await;
    r.check(
        &["ZREVRANK", "z", "b", "withscore"],
        "*2\r\n:1\r\n$1\r\n2\r\n",
    )
    .await;
    r.check(&["ZRANK", "z", "x", "WITHSCORE"], "*-1\r\n").await;
    r.check(&["ZRANK", "nokey", "x", "WITHSCORE"], "*-1\r\n")
        .await;
    r.check(&["ZRANK", "z", "b", "WITHSCORES"], SYNTAX).await;
    r.check(
        &["ZRANK", "z", "b", "WITHSCORE", "x"],
        &err("ERR wrong number of arguments for 'zrank' command"),
    )
    .await;
    r.check(
        &["ZREVRANK", "z", "b", "WITHSCORE", "x"],
        &err("ERR wrong number of arguments for 'zrevrank' command"),
    )
    .await;
    // RESP3: nulls and doubles.
    hello3(&mut r).await;
    r.check(&["ZRANK", "z", "b", "WITHSCORE"], "*2\r\n:1\r\n,2\r\n")
        .await;
    r.check(&["ZRANK", "z", "x", "WITHSCORE"], "_\r\n").await;
    r.check(&["ZRANK", "z", "x"], "_\r\n").await;
}

// ---------------------------------------------------------------------------------------------
// ZRANGE family
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zrange_by_rank_score_and_lex() {
    let srv = start().await;
    let mut c = conn_with_abcde(&srv).await;
    let all: Vec<String> = redis::cmd("ZRANGE")
        .arg("z")
        .arg(0)
        .arg(-1)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(all, ["a", "b", "c", "d", "e"]);
    let with: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg("z")
        .arg(-2)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(with, [("d".to_string(), 4.0), ("e".to_string(), 5.0)]);

    let mut r = srv.raw().await;
    r.check(&["ZRANGE", "z", "1", "2"], &arr(&["b", "c"])).await;
    r.check(
        &["ZRANGE", "z", "-100", "100"],
        &arr(&["a", "b", "c", "d", "e"]),
    )
    .await;
    r.check(&["ZRANGE", "z", "3", "1"], "*0\r\n").await;
    r.check(&["ZRANGE", "z", "5", "10"], "*0\r\n").await;
    r.check(
        &["ZRANGE", "z", "0", "1", "REV", "WITHSCORES"],
        &arr(&["e", "5", "d", "4"]),
    )
    .await;
    r.check(&["ZRANGE", "nokey", "0", "-1"], "*0\r\n").await;
    // BYSCORE with exclusive bounds, REV (max first) and LIMIT.
    r.check(
        &["ZRANGE", "z", "(1", "4", "BYSCORE"],
        &arr(&["b", "c", "d"]),
    )
    .await;
    r.check(
        &["ZRANGE", "z", "4", "(1", "BYSCORE", "REV"],
        &arr(&["d", "c", "b"]),
    )
    .await;
    r.check(
        &[
            "ZRANGE",
            "z",
            "-inf",
            "+inf",
            "BYSCORE",
            "LIMIT",
            "1",
            "2",
            "WITHSCORES",
        ],
        &arr(&["b", "2", "c", "3"]),
    )
    .await;
    r.check(
        &[
            "ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2",
        ],
        &arr(&["d", "c"]),
    )
    .await;
    r.check(
        &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "-1"],
        &arr(&["a", "b", "c", "d", "e"]),
    )
    .await;
    r.check(
        &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "5", "1"],
        "*0\r\n",
    )
    .await;
    r.check(
        &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "1"],
        "*0\r\n",
    )
    .await;
    r.check(
        &["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0"],
        "*0\r\n",
    )
    .await;
    // Option errors, in Redis's order.
    r.check(
        &["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
        &err(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ),
    )
    .await;
    r.check(
        &["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
        &err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
    )
    .await;
    r.check(&["ZRANGE", "z", "0", "1", "REV", "REV"], SYNTAX)
        .await;
    r.check(&["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"], SYNTAX)
        .await;
    r.check(&["ZRANGE", "z", "0", "1", "LIMIT", "0"], SYNTAX)
        .await;
    r.check(&["ZRANGE", "z", "0", "1", "FOO"], SYNTAX).await;
    r.check(
        &["ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1"],
        NOT_INT,
    )
    .await;
    r.check(&["ZRANGE", "z", "a", "1"], NOT_INT).await;
    r.check(&["ZRANGE", "z", "a", "1", "BYSCORE"], NOT_FLOAT_RANGE)
        .await;
    r.check(&["ZRANGE", "z", "a", "1", "BYLEX"], NOT_LEX_RANGE)
        .await;
    r.check(
        &["ZRANGE", "z", "0"],
        &err("ERR wrong number of arguments for 'zrange' command"),
    )
    .await;
    // BYLEX.
    r.check(
        &[
            "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
        ],
        ":5\r\n",
    )
    .await;
    r.check(&["ZRANGE", "l", "[b", "(d", "BYLEX"], &arr(&["b", "c"]))
        .await;
    r.check(
        &["ZRANGE", "l", "(d", "[b", "BYLEX", "REV"],
        &arr(&["c", "b"]),
    )
    .await;
    r.check(
        &["ZRANGE", "l", "-", "+", "BYLEX", "LIMIT", "1", "3"],
        &arr(&["b", "c", "d"]),
    )
    .await;
    r.check(
        &["ZRANGE", "l", "+", "-", "BYLEX", "REV", "LIMIT", "0", "2"],
        &arr(&["e", "d"]),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_range_commands() {
    let srv = start().await;
    let mut r = raw_with_abcd(&srv).await;
    r.check(
        &["ZREVRANGE", "z", "0", "1", "WITHSCORES"],
        &arr(&["d", "4", "c", "3"]),
    )
    .await;
    r.check(&["ZREVRANGE", "z", "-1", "-1"], &arr(&["a"])).await;
    r.check(&["ZREVRANGE", "z", "0", "1", "REV"], SYNTAX).await;
    r.check(&["ZREVRANGE", "z", "0", "1", "BYSCORE"], SYNTAX)
        .await;
    r.check(&["ZRANGEBYSCORE", "z", "2", "+inf"], &arr(&["b", "c", "d"]))
        .await;
    r.check(
        &[
            "ZRANGEBYSCORE",
            "z",
            "(2",
            "+inf",
            "WITHSCORES",
            "LIMIT",
            "1",
            "5",
        ],
        &arr(&["d", "4"]),
    )
    .await;
    r.check(&["ZRANGEBYSCORE", "z", "2", "+inf", "REV"], SYNTAX)
        .await;
    r.check(&["ZRANGEBYSCORE", "z", "x", "+inf"], NOT_FLOAT_RANGE)
        .await;
    r.check(&["ZREVRANGEBYSCORE", "z", "+inf", "(2"], &arr(&["d", "c"]))
        .await;
    r.check(
        &[
            "ZREVRANGEBYSCORE",
            "z",
            "3",
            "1",
            "WITHSCORES",
            "LIMIT",
            "1",
            "1",
        ],
        &arr(&["b", "2"]),
    )
    .await;
    r.check(&["ZREVRANGEBYSCORE", "z", "1", "3"], "*0\r\n")
        .await;
    r.check(&["ZADD", "l", "0", "a", "0", "b", "0", "c"], ":3\r\n")
        .await;
    r.check(&["ZRANGEBYLEX", "l", "(a", "+"], &arr(&["b", "c"]))
        .await;
    r.check(
        &["ZRANGEBYLEX", "l", "-", "+", "LIMIT", "2", "1"],
        &arr(&["c"]),
    )
    .await;
    r.check(
        &["ZRANGEBYLEX", "l", "-", "+", "WITHSCORES"],
        &err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
    )
    .await;
    r.check(&["ZRANGEBYLEX", "l", "a", "+"], NOT_LEX_RANGE)
        .await;
    r.check(&["ZREVRANGEBYLEX", "l", "+", "[b"], &arr(&["c", "b"]))
        .await;
    r.check(&["ZREVRANGEBYLEX", "l", "-", "+"], "*0\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zrangestore() {
    let srv = start().await;
    let mut r = raw_with_abcd(&srv).await;
    r.check(&["ZRANGESTORE", "dst", "z", "1", "2"], ":2\r\n")
        .await;
    r.check(
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &arr(&["b", "2", "c", "3"]),
    )
    .await;
    r.check(
        &[
            "ZRANGESTORE",
            "dst",
            "z",
            "+inf",
            "(1",
            "BYSCORE",
            "REV",
            "LIMIT",
            "0",
            "2",
        ],
        ":2\r\n",
    )
    .await;
    r.check(
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &arr(&["c", "3", "d", "4"]),
    )
    .await;
    r.check(
        &["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"],
        SYNTAX,
    )
    .await;
    // An empty result deletes the destination, whatever it held.
    r.check(&["SET", "str", "x"], "+OK\r\n").await;
    r.check(&["ZRANGESTORE", "str", "z", "0", "1"], ":2\r\n")
        .await;
    r.check(&["ZCARD", "str"], ":2\r\n").await;
    r.check(&["ZRANGESTORE", "dst", "z", "10", "20"], ":0\r\n")
        .await;
    r.check(&["EXISTS", "dst"], ":0\r\n").await;
    r.check(&["ZRANGESTORE", "str", "nokey", "0", "-1"], ":0\r\n")
        .await;
    r.check(&["EXISTS", "str"], ":0\r\n").await;
    r.check(&["SET", "str", "x"], "+OK\r\n").await;
    r.check(&["ZRANGESTORE", "dst", "str", "0", "-1"], WRONGTYPE)
        .await;
    r.check(
        &["ZRANGESTORE", "dst", "z", "0"],
        &err("ERR wrong number of arguments for 'zrangestore' command"),
    )
    .await;
    // Source and destination may be the same key.
    r.check(&["ZRANGESTORE", "z", "z", "0", "0"], ":1\r\n")
        .await;
    r.check(&["ZRANGE", "z", "0", "-1"], &arr(&["a"])).await;
}

// ---------------------------------------------------------------------------------------------
// Removal
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zrem_and_zremrange() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f",
        ],
        ":6\r\n",
    )
    .await;
    r.check(&["ZREM", "z", "a", "x", "b"], ":2\r\n").await;
    r.check(&["ZREM", "z", "x"], ":0\r\n").await;
    r.check(&["ZREM", "nokey", "x"], ":0\r\n").await;
    r.check(&["ZREMRANGEBYRANK", "z", "-1", "-1"], ":1\r\n")
        .await;
    r.check(&["ZREMRANGEBYRANK", "z", "5", "10"], ":0\r\n")
        .await;
    r.check(&["ZREMRANGEBYRANK", "z", "a", "1"], NOT_INT).await;
    r.check(&["ZREMRANGEBYRANK", "nokey", "0", "1"], ":0\r\n")
        .await;
    r.check(&["ZRANGE", "z", "0", "-1"], &arr(&["c", "d", "e"]))
        .await;
    r.check(&["ZREMRANGEBYSCORE", "z", "(3", "4"], ":1\r\n")
        .await;
    r.check(&["ZREMRANGEBYSCORE", "z", "x", "4"], NOT_FLOAT_RANGE)
        .await;
    r.check(&["ZREMRANGEBYSCORE", "nokey", "x", "4"], NOT_FLOAT_RANGE)
        .await;
    r.check(&["ZADD", "z", "0", "aa", "0", "ab", "0", "b"], ":3\r\n")
        .await;
    r.check(&["ZREMRANGEBYLEX", "z", "[aa", "(b"], ":2\r\n")
        .await;
    r.check(&["ZREMRANGEBYLEX", "z", "aa", "b"], NOT_LEX_RANGE)
        .await;
    r.check(&["ZRANGE", "z", "0", "-1"], &arr(&["b", "c", "e"]))
        .await;
    // Removing the last member deletes the key.
    r.check(&["ZREMRANGEBYSCORE", "z", "-inf", "+inf"], ":3\r\n")
        .await;
    r.check(&["EXISTS", "z"], ":0\r\n").await;
    r.check(&["ZADD", "z", "1", "a"], ":1\r\n").await;
    r.check(&["ZREM", "z", "a", "a"], ":1\r\n").await;
    r.check(&["EXISTS", "z"], ":0\r\n").await;
}

// ---------------------------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zpopmin_zpopmax() {
    let srv = start().await;
    let mut c = conn_with_abcde(&srv).await;
    let popped: Vec<(String, f64)> = redis::cmd("ZPOPMIN")
        .arg("z")
        .arg(2)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(popped, [("a".to_string(), 1.0), ("b".to_string(), 2.0)]);
    let mut r = srv.raw().await;
    r.check(&["ZPOPMAX", "z"], &arr(&["e", "5"])).await;
    r.check(&["ZPOPMIN", "z", "0"], "*0\r\n").await;
    r.check(
        &["ZPOPMIN", "z", "-1"],
        &err("ERR value is out of range, must be positive"),
    )
    .await;
    r.check(
        &["ZPOPMIN", "z", "x"],
        &err("ERR value is out of range, must be positive"),
    )
    .await;
    r.check(&["ZPOPMIN", "z", "1", "2"], SYNTAX).await;
    r.check(&["ZPOPMIN", "nokey"], "*0\r\n").await;
    r.check(&["ZPOPMIN", "nokey", "5"], "*0\r\n").await;
    r.check(&["ZPOPMAX", "z", "10"], &arr(&["d", "4", "c", "3"]))
        .await;
    r.check(&["EXISTS", "z"], ":0\r\n").await;
    // RESP3: a pair per member when COUNT is given, flat otherwise.
    r.check(&["ZADD", "z", "1", "a", "2", "b", "3", "c"], ":3\r\n")
        .await;
    hello3(&mut r).await;
    r.check(&["ZPOPMIN", "z"], "*2\r\n$1\r\na\r\n,1\r\n").await;
    r.check(&["ZPOPMIN", "z", "1"], "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n")
        .await;
    r.check(&["ZPOPMAX", "z", "5"], "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n")
        .await;
    r.check(&["ZPOPMAX", "z", "5"], "*0\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zmpop() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(&["ZADD", "z", "1", "a", "2", "b", "3", "c"], ":3\r\n")
        .await;
    r.check(&["ZADD", "y", "9", "x"], ":1\r\n").await;
    r.check(
        &["ZMPOP", "2", "nokey", "z", "MIN"],
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    )
    .await;
    r.check(
        &["ZMPOP", "2", "z", "y", "MAX", "COUNT", "5"],
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
    )
    .await;
    r.check(&["EXISTS", "z"], ":0\r\n").await;
    r.check(
        &["ZMPOP", "2", "z", "y", "min"],
        "*2\r\n$1\r\ny\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n9\r\n",
    )
    .await;
    r.check(&["ZMPOP", "1", "nokey", "MIN"], "*-1\r\n").await;
    r.check(
        &["ZMPOP", "0", "z", "MIN"],
        &err("ERR numkeys should be greater than 0"),
    )
    .await;
    r.check(
        &["ZMPOP", "x", "z", "MIN"],
        &err("ERR numkeys should be greater than 0"),
    )
    .await;
    r.check(&["ZMPOP", "3", "z", "MIN"], SYNTAX).await;
    r.check(&["ZMPOP", "1", "z", "MID"], SYNTAX).await;
    r.check(
        &["ZMPOP", "1", "z", "MIN", "COUNT", "0"],
        &err("ERR count should be greater than 0"),
    )
    .await;
    r.check(
        &["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"],
        SYNTAX,
    )
    .await;
    r.check(&["ZMPOP", "1", "z", "MIN", "COUNT"], SYNTAX).await;
    r.check(&["SET", "str", "x"], "+OK\r\n").await;
    r.check(&["ZMPOP", "2", "nokey", "str", "MIN"], WRONGTYPE)
        .await;
    r.check(&["ZADD", "z", "1", "a"], ":1\r\n").await;
    hello3(&mut r).await;
    r.check(
        &["ZMPOP", "1", "z", "MIN"],
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n",
    )
    .await;
    r.check(&["ZMPOP", "1", "z", "MIN"], "_\r\n").await;
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn union_inter_diff() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(&["ZADD", "z1", "1", "a", "2", "b", "3", "c"], ":3\r\n")
        .await;
    r.check(&["ZADD", "z2", "10", "b", "20", "c", "30", "d"], ":3\r\n")
        .await;
    r.check(&["SADD", "s", "a", "d", "e"], ":3\r\n").await;
    r.check(&["ZUNION", "2", "z1", "z2"], &arr(&["a", "b", "c", "d"]))
        .await;
    r.check(
        &["ZUNION", "2", "z1", "z2", "WITHSCORES"],
        &arr(&["a", "1", "b", "12", "c", "23", "d", "30"]),
    )
    .await;
    r.check(
        &[
            "ZUNION",
            "2",
            "z1",
            "z2",
            "WEIGHTS",
            "2",
            "-1",
            "WITHSCORES",
        ],
        &arr(&["d", "-30", "c", "-14", "b", "-6", "a", "2"]),
    )
    .await;
    r.check(
        &["ZUNION", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES"],
        &arr(&["a", "1", "b", "2", "c", "3", "d", "30"]),
    )
    .await;
    r.check(
        &["ZUNION", "2", "z1", "z2", "AGGREGATE", "max", "WITHSCORES"],
        &arr(&["a", "1", "b", "10", "c", "20", "d", "30"]),
    )
    .await;
    // Plain sets count as score 1.
    r.check(
        &["ZUNION", "2", "z1", "s", "WITHSCORES"],
        &arr(&["d", "1", "e", "1", "a", "2", "b", "2", "c", "3"]),
    )
    .await;
    r.check(
        &["ZINTER", "2", "z1", "z2", "WITHSCORES"],
        &arr(&["b", "12", "c", "23"]),
    )
    .await;
    r.check(&["ZINTER", "3", "z1", "z2", "s"], "*0\r\n").await;
    r.check(
        &["ZINTER", "2", "z1", "s", "WEIGHTS", "1", "5", "WITHSCORES"],
        &arr(&["a", "6"]),
    )
    .await;
    r.check(&["ZINTER", "2", "z1", "nokey"], "*0\r\n").await;
    r.check(&["ZDIFF", "2", "z1", "z2", "WITHSCORES"], &arr(&["a", "1"]))
        .await;
    r.check(&["ZDIFF", "2", "z2", "s"], &arr(&["b", "c"])).await;
    r.check(&["ZDIFF", "1", "nokey"], "*0\r\n").await;
    r.check(&["ZINTERCARD", "2", "z1", "z2"], ":2\r\n").await;
    r.check(&["ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"], ":1\r\n")
        .await;
    r.check(&["ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"], ":2\r\n")
        .await;
    // inf + -inf sums to 0; weight 0 times inf is 0.
    r.check(&["ZADD", "p", "inf", "m"], ":1\r\n").await;
    r.check(&["ZADD", "n", "-inf", "m"], ":1\r\n").await;
    r.check(&["ZUNION", "2", "p", "n", "WITHSCORES"], &arr(&["m", "0"]))
        .await;
    r.check(
        &["ZUNION", "2", "p", "n", "WEIGHTS", "0", "1", "WITHSCORES"],
        &arr(&["m", "-inf"]),
    )
    .await;
    // RESP3 pairs.
    hello3(&mut r).await;
    r.check(
        &["ZINTER", "2", "z1", "z2", "WITHSCORES"],
        "*2\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nc\r\n,23\r\n",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn union_inter_diff_errors() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(&["ZADD", "z1", "1", "a"], ":1\r\n").await;
    r.check(&["SET", "str", "x"], "+OK\r\n").await;
    r.check(
        &["ZUNION", "0", "z1"],
        &err("ERR at least 1 input key is needed for 'zunion' command"),
    )
    .await;
    r.check(
        &["ZUNIONSTORE", "d", "0", "z1"],
        &err("ERR at least 1 input key is needed for 'zunionstore' command"),
    )
    .await;
    r.check(
        &["ZINTERCARD", "-1", "z1"],
        &err("ERR at least 1 input key is needed for 'zintercard' command"),
    )
    .await;
    r.check(&["ZUNION", "x", "z1"], NOT_INT).await;
    r.check(&["ZUNION", "2", "z1"], SYNTAX).await;
    r.check(&["ZUNION", "1", "z1", "WEIGHTS"], SYNTAX).await;
    r.check(
        &["ZUNION", "1", "z1", "WEIGHTS", "x"],
        &err("ERR weight value is not a float"),
    )
    .await;
    r.check(&["ZUNION", "1", "z1", "AGGREGATE", "avg"], SYNTAX)
        .await;
    r.check(&["ZUNION", "1", "z1", "FOO"], SYNTAX).await;
    r.check(&["ZDIFF", "1", "z1", "WEIGHTS", "1"], SYNTAX).await;
    r.check(&["ZUNIONSTORE", "d", "1", "z1", "WITHSCORES"], SYNTAX)
        .await;
    r.check(&["ZINTERCARD", "1", "z1", "WITHSCORES"], SYNTAX)
        .await;
    r.check(
        &["ZINTERCARD", "1", "z1", "LIMIT", "-1"],
        &err("ERR LIMIT can't be negative"),
    )
    .await;
    r.check(
        &["ZINTERCARD", "1", "z1", "LIMIT", "x"],
        &err("ERR LIMIT can't be negative"),
    )
    .await;
    // Inputs are type-checked before the options are parsed.
    r.check(&["ZUNION", "2", "z1", "str", "FOO"], WRONGTYPE)
        .await;
    r.check(&["ZINTERCARD", "2", "str", "z1"], WRONGTYPE).await;
    r.check(
        &["ZUNION", "1"],
        &err("ERR wrong number of arguments for 'zunion' command"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_variants() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(&["ZADD", "z1", "1", "a", "2", "b"], ":2\r\n").await;
    r.check(&["ZADD", "z2", "5", "b", "6", "c"], ":2\r\n").await;
    r.check(&["SET", "d", "x"], "+OK\r\n").await;
    r.check(
        &["ZUNIONSTORE", "d", "2", "z1", "z2", "WEIGHTS", "1", "2"],
        ":3\r\n",
    )
    .await;
    r.check(
        &["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        &arr(&["a", "1", "b", "12", "c", "12"]),
    )
    .await;
    r.check(
        &["ZINTERSTORE", "d", "2", "z1", "z2", "AGGREGATE", "MAX"],
        ":1\r\n",
    )
    .await;
    r.check(&["ZRANGE", "d", "0", "-1", "WITHSCORES"], &arr(&["b", "5"]))
        .await;
    r.check(&["ZDIFFSTORE", "d", "2", "z1", "z2"], ":1\r\n")
        .await;
    r.check(&["ZRANGE", "d", "0", "-1", "WITHSCORES"], &arr(&["a", "1"]))
        .await;
    // The destination may be an input.
    r.check(&["ZUNIONSTORE", "z1", "2", "z1", "z2"], ":3\r\n")
        .await;
    r.check(
        &["ZRANGE", "z1", "0", "-1", "WITHSCORES"],
        &arr(&["a", "1", "c", "6", "b", "7"]),
    )
    .await;
    // Empty results delete the destination.
    r.check(&["ZINTERSTORE", "d", "2", "z1", "nokey"], ":0\r\n")
        .await;
    r.check(&["EXISTS", "d"], ":0\r\n").await;
    r.check(&["ZDIFFSTORE", "d", "1", "nokey"], ":0\r\n").await;
    r.check(&["EXISTS", "d"], ":0\r\n").await;
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER / ZSCAN
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zrandmember() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let mut r = srv.raw().await;
    r.check(&["ZRANDMEMBER", "nokey"], "$-1\r\n").await;
    r.check(&["ZRANDMEMBER", "nokey", "3"], "*0\r\n").await;
    r.check(&["ZRANDMEMBER", "nokey", "3", "WITHSCORES"], "*0\r\n")
        .await;
    r.check(&["ZADD", "z", "1", "a", "2", "b", "3", "c"], ":3\r\n")
        .await;
    r.check(&["ZRANDMEMBER", "z", "0"], "*0\r\n").await;
    // A count at least the size returns everything, from the highest score.
    r.check(
        &["ZRANDMEMBER", "z", "5", "WITHSCORES"],
        &arr(&["c", "3", "b", "2", "a", "1"]),
    )
    .await;
    for _ in 0..20 {
        let one: String = redis::cmd("ZRANDMEMBER")
            .arg("z")
            .query_async(&mut c)
            .await
            .unwrap();
        assert!(["a", "b", "c"].contains(&one.as_str()));
        let two: Vec<String> = redis::cmd("ZRANDMEMBER")
            .arg("z")
            .arg(2)
            .query_async(&mut c)
            .await
            .unwrap();
        assert_eq!(two.len(), 2);
        assert_ne!(two[0], two[1]);
        let many: Vec<(String, f64)> = redis::cmd("ZRANDMEMBER")
            .arg("z")
            .arg(-7)
            .arg("WITHSCORES")
            .query_async(&mut c)
            .await
            .unwrap();
        assert_eq!(many.len(), 7);
        for (m, s) in many {
            let want = match m.as_str() {
                "a" => 1.0,
                "b" => 2.0,
                "c" => 3.0,
                other => panic!("unexpected member {other}"),
            };
            assert_eq!(s, want);
        }
    }
    r.check(&["ZRANDMEMBER", "z", "x"], NOT_INT).await;
    r.check(&["ZRANDMEMBER", "z", "1", "FOO"], SYNTAX).await;
    r.check(&["ZRANDMEMBER", "z", "1", "WITHSCORES", "x"], SYNTAX)
        .await;
    r.check(&["ZRANDMEMBER", "z", "-9223372036854775808"], &err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"))
        .await;
    r.check(
        &["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"],
        &err("ERR value is out of range"),
    )
    .await;
    hello3(&mut r).await;
    r.check(
        &["ZRANDMEMBER", "z", "3", "WITHSCORES"],
        "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n",
    )
    .await;
    r.check(&["ZRANDMEMBER", "nokey"], "_\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zscan_listpack_and_skiplist() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(&["ZSCAN", "nokey", "0"], "*2\r\n$1\r\n0\r\n*0\r\n")
        .await;
    r.check(&["ZADD", "z", "1", "a", "2.5", "b", "3", "c"], ":3\r\n")
        .await;
    // Listpacks come back whole whatever COUNT says.
    r.check(
        &["ZSCAN", "z", "0", "COUNT", "1"],
        &format!(
            "*2\r\n$1\r\n0\r\n{}",
            arr(&["a", "1", "b", "2.5", "c", "3"])
        ),
    )
    .await;
    r.check(
        &["ZSCAN", "z", "0", "MATCH", "b*"],
        &format!("*2\r\n$1\r\n0\r\n{}", arr(&["b", "2.5"])),
    )
    .await;
    r.check(&["ZSCAN", "z", "0", "COUNT", "0"], SYNTAX).await;
    r.check(&["ZSCAN", "z", "0", "COUNT", "x"], NOT_INT).await;
    r.check(
        &["ZSCAN", "z", "0", "NOVALUES"],
        &err("ERR NOVALUES option can only be used in HSCAN"),
    )
    .await;
    r.check(&["ZSCAN", "z", "0", "TYPE", "zset"], SYNTAX).await;
    r.check(&["ZSCAN", "z", "0", "MATCH"], SYNTAX).await;
    for bad in ["x", "-1", "", "18446744073709551616"] {
        r.check(&["ZSCAN", "z", bad], &err("ERR invalid cursor"))
            .await;
    }
    // Options are only parsed for an existing key (as Redis).
    r.check(
        &["ZSCAN", "nokey", "0", "COUNT", "0"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    )
    .await;
    // Past zset-max-listpack-entries the set is a skiplist and scans in steps; every member
    // comes back, with `%.17g` scores.
    r.check(
        &["CONFIG", "SET", "zset-max-listpack-entries", "4"],
        "+OK\r\n",
    )
    .await;
    let mut args = vec!["ZADD".to_string(), "big".to_string()];
    for i in 0..50 {
        args.push(format!("{}", f64::from(i) / 10.0));
        args.push(format!("m{i}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    r.check(&args, ":50\r\n").await;
    let mut seen = std::collections::BTreeMap::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let reply = r.call_text(&["ZSCAN", "big", &cursor, "COUNT", "7"]).await;
        calls += 1;
        let parts: Vec<&str> = reply.split("\r\n").collect();
        cursor = parts[2].to_string();
        let items: Vec<&str> = parts[4..].iter().skip(1).step_by(2).copied().collect();
        for pair in items.chunks(2) {
            if pair.len() == 2 {
                seen.insert(pair[0].to_string(), pair[1].to_string());
            }
        }
        if cursor == "0" {
            break;
        }
        assert!(calls < 100);
    }
    assert!(calls > 1, "a skiplist scans in more than one call");
    assert_eq!(seen.len(), 50);
    assert_eq!(seen["m1"], "0.10000000000000001");
    assert_eq!(seen["m5"], "0.5");
    assert_eq!(seen["m0"], "0");
    // The same scores through ZSCORE use the shortest form.
    r.check(&["ZSCORE", "big", "m1"], &bulk("0.1")).await;
}

// ---------------------------------------------------------------------------------------------
// Encodings, big sets, RESP3, events
// ---------------------------------------------------------------------------------------------

/// Switches a raw connection to RESP3, discarding HELLO's reply.
async fn hello3(r: &mut Raw) {
    let reply = r.call_text(&["HELLO", "3"]).await;
    assert!(reply.starts_with('%'), "HELLO 3 -> {reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_skiplist_against_a_model() {
    let srv = start().await;
    let mut r = srv.raw().await;
    // 600 members with colliding scores: a skiplist past the default 128 entries.
    let mut model: Vec<(i64, String)> = Vec::new();
    let mut args = vec!["ZADD".to_string(), "big".to_string()];
    for i in 0..600i64 {
        let score = (i * 7919) % 97;
        let m = format!("member:{i:04}");
        args.push(score.to_string());
        args.push(m.clone());
        model.push((score, m));
    }
    model.sort();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    r.check(&args, ":600\r\n").await;
    let names = |v: &[(i64, String)]| -> String {
        let v: Vec<&str> = v.iter().map(|e| e.1.as_str()).collect();
        arr(&v)
    };
    r.check(&["ZCARD", "big"], ":600\r\n").await;
    for rank in [0usize, 1, 299, 598, 599] {
        let m = &model[rank].1;
        r.check(&["ZRANK", "big", m], &format!(":{rank}\r\n")).await;
        r.check(&["ZREVRANK", "big", m], &format!(":{}\r\n", 599 - rank))
            .await;
    }
    r.check(&["ZRANGE", "big", "100", "104"], &names(&model[100..105]))
        .await;
    let mut rev: Vec<(i64, String)> = model[495..500].to_vec();
    rev.reverse();
    r.check(&["ZREVRANGE", "big", "100", "104"], &names(&rev))
        .await;
    let in_range: Vec<(i64, String)> = model
        .iter()
        .filter(|e| e.0 > 10 && e.0 <= 12)
        .cloned()
        .collect();
    r.check(&["ZRANGEBYSCORE", "big", "(10", "12"], &names(&in_range))
        .await;
    r.check(
        &["ZCOUNT", "big", "(10", "12"],
        &format!(":{}\r\n", in_range.len()),
    )
    .await;
    r.check(
        &["ZRANGEBYSCORE", "big", "(10", "12", "LIMIT", "3", "4"],
        &names(&in_range[3..7]),
    )
    .await;
    r.check(&["ZREMRANGEBYRANK", "big", "10", "589"], ":580\r\n")
        .await;
    model.drain(10..590);
    r.check(&["ZRANGE", "big", "0", "-1"], &names(&model)).await;
    r.check(&["ZPOPMIN", "big", "2"], &{
        let a = format!("{}", model[0].0);
        let b = format!("{}", model[1].0);
        arr(&[&model[0].1, &a, &model[1].1, &b])
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encoding_thresholds_are_configurable() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(
        &["CONFIG", "SET", "zset-max-listpack-entries", "3"],
        "+OK\r\n",
    )
    .await;
    r.check(
        &["CONFIG", "SET", "zset-max-listpack-value", "5"],
        "+OK\r\n",
    )
    .await;
    let is_packed = |reply: &str| reply.starts_with("*2\r\n$1\r\n0\r\n");
    r.check(&["ZADD", "small", "1", "a", "2", "b", "3", "c"], ":3\r\n")
        .await;
    assert!(is_packed(
        &r.call_text(&["ZSCAN", "small", "0", "COUNT", "1"]).await
    ));
    // A fourth member converts to a skiplist, which then scans one step at a time.
    r.check(&["ZADD", "small", "4", "d"], ":1\r\n").await;
    assert!(!is_packed(
        &r.call_text(&["ZSCAN", "small", "0", "COUNT", "1"]).await
    ));
    // So does a long member, and it never converts back.
    r.check(&["ZADD", "long", "1", "a", "2", "abcdef"], ":2\r\n")
        .await;
    assert!(!is_packed(
        &r.call_text(&["ZSCAN", "long", "0", "COUNT", "1"]).await
    ));
    r.check(&["ZREM", "long", "abcdef"], ":1\r\n").await;
    r.check(&["ZADD", "long", "3", "b"], ":1\r\n").await;
    assert!(!is_packed(
        &r.call_text(&["ZSCAN", "long", "0", "COUNT", "1"]).await
    ));
    // Stored results pick the compact encoding when they fit.
    r.check(&["ZUNIONSTORE", "u", "1", "long"], ":2\r\n").await;
    assert!(is_packed(
        &r.call_text(&["ZSCAN", "u", "0", "COUNT", "1"]).await
    ));
    // In a skiplist -0 keeps its sign; in a listpack it is stored as 0.
    r.check(&["ZADD", "small", "-0", "z"], ":1\r\n").await;
    r.check(&["ZSCORE", "small", "z"], &bulk("-0")).await;
    r.check(&["ZADD", "tiny", "-0", "z"], ":1\r\n").await;
    r.check(&["ZSCORE", "tiny", "z"], &bulk("0")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp3_replies() {
    let srv = start().await;
    let mut r = srv.raw().await;
    hello3(&mut r).await;
    r.check(&["ZADD", "z", "1.5", "a", "inf", "b"], ":2\r\n")
        .await;
    r.check(&["ZSCORE", "z", "a"], ",1.5\r\n").await;
    r.check(&["ZSCORE", "z", "b"], ",inf\r\n").await;
    r.check(&["ZSCORE", "z", "x"], "_\r\n").await;
    r.check(&["ZMSCORE", "z", "a", "x"], "*2\r\n,1.5\r\n_\r\n")
        .await;
    r.check(&["ZINCRBY", "z", "1", "a"], ",2.5\r\n").await;
    r.check(&["ZADD", "z", "NX", "INCR", "1", "a"], "_\r\n")
        .await;
    r.check(
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        "*2\r\n*2\r\n$1\r\na\r\n,2.5\r\n*2\r\n$1\r\nb\r\n,inf\r\n",
    )
    .await;
    r.check(&["ZRANGE", "z", "0", "-1"], "*2\r\n$1\r\na\r\n$1\r\nb\r\n")
        .await;
    r.check(
        &[
            "ZRANGEBYSCORE",
            "z",
            "-inf",
            "+inf",
            "WITHSCORES",
            "LIMIT",
            "1",
            "1",
        ],
        "*1\r\n*2\r\n$1\r\nb\r\n,inf\r\n",
    )
    .await;
    r.check(
        &["ZUNION", "1", "z", "WITHSCORES"],
        "*2\r\n*2\r\n$1\r\na\r\n,2.5\r\n*2\r\n$1\r\nb\r\n,inf\r\n",
    )
    .await;
    r.check(
        &["ZSCAN", "z", "0"],
        &format!("*2\r\n$1\r\n0\r\n{}", arr(&["a", "2.5", "b", "inf"])),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyspace_events() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.check(
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
        "+OK\r\n",
    )
    .await;
    let mut sub = srv.raw().await;
    sub.call_text(&["PSUBSCRIBE", "__keyevent@0__:*"]).await;
    type Step<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let steps: &[Step] = &[
        (
            &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
            &[("zadd", "z")],
        ),
        (&["ZADD", "z", "1", "a"], &[]),
        (&["ZADD", "z", "INCR", "1", "a"], &[("zincr", "z")]),
        (&["ZINCRBY", "z", "1", "a"], &[("zincr", "z")]),
        (&["ZREM", "z", "nope"], &[]),
        (&["ZREM", "z", "a"], &[("zrem", "z")]),
        (
            &["ZREMRANGEBYRANK", "z", "0", "0"],
            &[("zremrangebyrank", "z")],
        ),
        (&["ZADD", "z", "5", "x", "6", "y"], &[("zadd", "z")]),
        (
            &["ZREMRANGEBYSCORE", "z", "5", "5"],
            &[("zremrangebyscore", "z")],
        ),
        (&["ZPOPMIN", "z"], &[("zpopmin", "z")]),
        (&["ZADD", "z", "0", "p", "0", "q"], &[("zadd", "z")]),
        (&["ZPOPMAX", "z", "1"], &[("zpopmax", "z")]),
        (
            &["ZREMRANGEBYLEX", "z", "-", "+"],
            &[("zremrangebylex", "z"), ("del", "z")],
        ),
        (&["ZADD", "z", "1", "a", "2", "b"], &[("zadd", "z")]),
        (
            &["ZMPOP", "1", "z", "MAX", "COUNT", "5"],
            &[("zpopmax", "z"), ("del", "z")],
        ),
        (&["ZADD", "z", "1", "a"], &[("zadd", "z")]),
        (&["ZUNIONSTORE", "d", "1", "z"], &[("zunionstore", "d")]),
        (&["ZINTERSTORE", "d", "1", "z"], &[("zinterstore", "d")]),
        (&["ZDIFFSTORE", "d", "1", "z"], &[("zdiffstore", "d")]),
        (
            &["ZRANGESTORE", "d", "z", "0", "-1"],
            &[("zrangestore", "d")],
        ),
        (&["ZRANGESTORE", "d", "z", "5", "6"], &[("del", "d")]),
        (&["ZINTERSTORE", "d", "2", "z", "nokey"], &[]),
        (&["ZREM", "z", "a"], &[("zrem", "z"), ("del", "z")]),
    ];
    for (cmd, events) in steps {
        r.call_text(cmd).await;
        for (event, key) in *events {
            let msg = sub.read_text().await;
            let want = format!(
                "*4\r\n{}{}{}{}",
                bulk("pmessage"),
                bulk("__keyevent@0__:*"),
                bulk(&format!("__keyevent@0__:{event}")),
                bulk(key)
            );
            assert_eq!(msg, want, "after {cmd:?}");
        }
    }
    // Nothing else was published.
    r.call_text(&["PUBLISH", "__keyevent@0__:marker", "end"])
        .await;
    let last = sub.read_text().await;
    assert!(last.contains("marker"), "unexpected event {last}");
}
