//! String commands over real sockets: every command and option, exact replies (RESP2 and
//! RESP3 bytes where the protocol matters), Redis's error texts, TTL handling, overflow,
//! INCRBYFLOAT formatting, LCS, large values and keyspace events.

use std::time::Duration;

mod common;

use common::kv::*;
use common::*;

const OK: &str = "+OK\r\n";
const NIL: &str = "$-1\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_set_basics_and_types() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async(&mut c)
        .await
        .unwrap();
    let v: String = redis::cmd("GET")
        .arg("k")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(v, "v");
    let none: Option<String> = redis::cmd("GET")
        .arg("nope")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(none, None);
    // Binary safety and empty values.
    let bin = vec![0u8, 255, b'\r', b'\n', 7];
    let _: () = redis::cmd("SET")
        .arg("b")
        .arg(&bin[..])
        .query_async(&mut c)
        .await
        .unwrap();
    let got: Vec<u8> = redis::cmd("GET")
        .arg("b")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(got, bin);
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("SET e ").await, OK);
    assert_eq!(r.cmd("GET e").await, "$0\r\n\r\n");
    // GET on a list is a type error; SET overwrites any type.
    assert_eq!(r.cmd("RPUSH l a").await, ":1\r\n");
    assert_eq!(
        r.cmd("GET l").await,
        err("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
    assert_eq!(r.cmd("SET l x").await, OK);
    assert_eq!(r.cmd("GET l").await, bulk("x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_options_and_errors() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("SET k v1 NX").await, OK);
    assert_eq!(r.cmd("SET k v2 NX").await, NIL);
    assert_eq!(r.cmd("SET k v3 XX").await, OK);
    assert_eq!(r.cmd("SET missing v XX").await, NIL);
    assert_eq!(r.cmd("GET missing").await, NIL);
    assert_eq!(r.cmd("SET k v4 GET").await, bulk("v3"));
    assert_eq!(r.cmd("SET k v5 nx get").await, bulk("v4"));
    assert_eq!(r.cmd("GET k").await, bulk("v4"));
    assert_eq!(r.cmd("SET new v GET").await, NIL);
    assert_eq!(r.cmd("SET new2 v XX GET").await, NIL);
    assert_eq!(r.cmd("GET new2").await, NIL);
    // Conflicting or malformed options.
    for bad in [
        "SET k v NX XX",
        "SET k v XX NX",
        "SET k v EX 10 PX 100",
        "SET k v PX 100 EXAT 5",
        "SET k v EX 10 KEEPTTL",
        "SET k v KEEPTTL PX 10",
        "SET k v EX",
        "SET k v FOO",
        "SET k v PERSIST",
    ] {
        assert_eq!(r.cmd(bad).await, err("ERR syntax error"), "{bad}");
    }
    // The same unit twice is accepted (the last wins).
    assert_eq!(r.cmd("SET k v EX 10 EX 20").await, OK);
    for bad in [
        "SET k v EX 0",
        "SET k v EX -1",
        "SET k v PX 0",
        "SET k v EXAT 0",
        "SET k v PXAT -5",
        "SET k v EX 9223372036854775807",
        "SET k v PX 9223372036854775807",
    ] {
        assert_eq!(
            r.cmd(bad).await,
            err("ERR invalid expire time in 'set' command"),
            "{bad}"
        );
    }
    assert_eq!(
        r.cmd("SET k v EX abc").await,
        err("ERR value is not an integer or out of range")
    );
    // SET ... GET against a non-string fails without writing.
    assert_eq!(r.cmd("RPUSH l a").await, ":1\r\n");
    assert_eq!(
        r.cmd("SET l v GET").await,
        err("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
    assert_eq!(r.cmd("LLEN l").await, ":1\r\n");
    assert_eq!(
        r.cmd("SET").await,
        err("ERR wrong number of arguments for 'set' command")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_options_take_effect() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("SET a v PX 150").await, OK);
    assert_eq!(r.cmd("SET b v EX 100").await, OK);
    assert_eq!(r.cmd("PSETEX c 150 v").await, OK);
    assert_eq!(r.cmd("SETEX d 100 v").await, OK);
    // KEEPTTL keeps the short expiry; plain SET clears it.
    assert_eq!(r.cmd("SET e v PX 150").await, OK);
    assert_eq!(r.cmd("SET e w KEEPTTL").await, OK);
    assert_eq!(r.cmd("SET f v PX 150").await, OK);
    assert_eq!(r.cmd("SET f w").await, OK);
    // Counters and APPEND keep the expiry too.
    assert_eq!(r.cmd("SET g 1 PX 150").await, OK);
    assert_eq!(r.cmd("INCR g").await, ":2\r\n");
    assert_eq!(r.cmd("SET h x PX 150").await, OK);
    assert_eq!(r.cmd("APPEND h y").await, ":2\r\n");
    // An absolute time in the past expires at once.
    assert_eq!(r.cmd("SET i v PXAT 1").await, OK);
    assert_eq!(r.cmd("GET i").await, NIL);
    // GETSET clears the expiry.
    assert_eq!(r.cmd("SET j v PX 150").await, OK);
    assert_eq!(r.cmd("GETSET j w").await, bulk("v"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (key, alive) in [
        ("a", false),
        ("b", true),
        ("c", false),
        ("d", true),
        ("e", false),
        ("f", true),
        ("g", false),
        ("h", false),
        ("j", true),
    ] {
        let got = r.call_text::<&[u8]>(&[b"EXISTS", key.as_bytes()]).await;
        assert_eq!(got, if alive { ":1\r\n" } else { ":0\r\n" }, "{key}");
    }
    assert_eq!(
        r.cmd("SETEX k 0 v").await,
        err("ERR invalid expire time in 'setex' command")
    );
    assert_eq!(
        r.cmd("PSETEX k -1 v").await,
        err("ERR invalid expire time in 'psetex' command")
    );
    assert_eq!(
        r.cmd("SETEX k abc v").await,
        err("ERR value is not an integer or out of range")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setnx_getset_getdel_getex() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("SETNX k a").await, ":1\r\n");
    assert_eq!(r.cmd("SETNX k b").await, ":0\r\n");
    assert_eq!(r.cmd("GET k").await, bulk("a"));
    assert_eq!(r.cmd("GETSET k b").await, bulk("a"));
    assert_eq!(r.cmd("GETSET nokey b").await, NIL);
    assert_eq!(r.cmd("GET nokey").await, bulk("b"));
    assert_eq!(r.cmd("GETDEL k").await, bulk("b"));
    assert_eq!(r.cmd("GETDEL k").await, NIL);
    assert_eq!(r.cmd("EXISTS k").await, ":0\r\n");
    assert_eq!(r.cmd("RPUSH l a").await, ":1\r\n");
    let wrong = err("WRONGTYPE Operation against a key holding the wrong kind of value");
    assert_eq!(r.cmd("GETSET l x").await, wrong);
    assert_eq!(r.cmd("GETDEL l").await, wrong);
    assert_eq!(r.cmd("GETEX l").await, wrong);
    assert_eq!(r.cmd("GETEX l EX 0").await, wrong);

    assert_eq!(r.cmd("SET g v").await, OK);
    assert_eq!(r.cmd("GETEX g").await, bulk("v"));
    assert_eq!(r.cmd("GETEX nope EX 0").await, NIL);
    assert_eq!(
        r.cmd("GETEX g EX 0").await,
        err("ERR invalid expire time in 'getex' command")
    );
    for bad in [
        "GETEX g PERSIST EX 10",
        "GETEX g EX 10 PERSIST",
        "GETEX g KEEPTTL",
        "GETEX g NX",
        "GETEX g GET",
        "GETEX g EX 1 PX 1",
        "GETEX g PX",
    ] {
        assert_eq!(r.cmd(bad).await, err("ERR syntax error"), "{bad}");
    }
    assert_eq!(r.cmd("GETEX g PX 150").await, bulk("v"));
    assert_eq!(r.cmd("SET p v PX 150").await, OK);
    assert_eq!(r.cmd("GETEX p PERSIST").await, bulk("v"));
    assert_eq!(r.cmd("SET x v").await, OK);
    assert_eq!(r.cmd("GETEX x PXAT 1").await, bulk("v"));
    assert_eq!(r.cmd("EXISTS x").await, ":0\r\n");
    assert_eq!(r.cmd("SET y v").await, OK);
    assert_eq!(r.cmd("GETEX y EXAT 99999999999").await, bulk("v"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(r.cmd("EXISTS g").await, ":0\r\n");
    assert_eq!(r.cmd("EXISTS p").await, ":1\r\n");
    assert_eq!(r.cmd("EXISTS y").await, ":1\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mget_mset_msetnx() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let _: () = redis::cmd("MSET")
        .arg("a")
        .arg("1")
        .arg("b")
        .arg("2")
        .query_async(&mut c)
        .await
        .unwrap();
    let _: i64 = redis::cmd("RPUSH")
        .arg("l")
        .arg("x")
        .query_async(&mut c)
        .await
        .unwrap();
    let got: Vec<Option<String>> = redis::cmd("MGET")
        .arg("a")
        .arg("nope")
        .arg("l")
        .arg("b")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(got, vec![Some("1".into()), None, None, Some("2".into())]);
    let mut r = srv.raw().await;
    assert_eq!(
        r.cmd("MSET a 1 b").await,
        err("ERR wrong number of arguments for 'mset' command")
    );
    assert_eq!(
        r.cmd("MSETNX a").await,
        err("ERR wrong number of arguments for 'msetnx' command")
    );
    assert_eq!(
        r.cmd("MSETNX x 1 y").await,
        err("ERR wrong number of arguments for 'msetnx' command")
    );
    assert_eq!(r.cmd("MSETNX a 9 z 9").await, ":0\r\n");
    assert_eq!(r.cmd("EXISTS z").await, ":0\r\n");
    assert_eq!(r.cmd("MSETNX x 1 y 2").await, ":1\r\n");
    assert_eq!(r.cmd("MSETNX x3 1 x3 2").await, ":1\r\n");
    assert_eq!(r.cmd("GET x3").await, bulk("2"));
    // MSET overwrites other types.
    assert_eq!(r.cmd("MSET l s").await, OK);
    assert_eq!(
        r.cmd("MGET l x y").await,
        "*3\r\n$1\r\ns\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_strlen_getrange_setrange() {
    let srv = start_with(|c| c.proto_max_bulk_len = 1024 * 1024).await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("APPEND k Hello").await, ":5\r\n");
    assert_eq!(
        r.call_text::<&[u8]>(&[b"APPEND", b"k", b" World"]).await,
        ":11\r\n"
    );
    assert_eq!(r.cmd("STRLEN k").await, ":11\r\n");
    assert_eq!(r.cmd("STRLEN nope").await, ":0\r\n");
    for (range, want) in [
        ("0 4", "Hello"),
        ("-5 -1", "World"),
        ("0 -1", "Hello World"),
        ("0 100", "Hello World"),
        ("-100 2", "Hel"),
        ("5 3", ""),
        ("-1 -5", ""),
        ("100 200", ""),
        ("-100 -50", "H"),
        ("10 10", "d"),
    ] {
        assert_eq!(
            r.cmd(&format!("GETRANGE k {range}")).await,
            bulk(want),
            "{range}"
        );
    }
    assert_eq!(r.cmd("SUBSTR k 0 1").await, bulk("He"));
    assert_eq!(r.cmd("GETRANGE nope 0 -1").await, bulk(""));
    assert_eq!(
        r.cmd("GETRANGE k a 1").await,
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r.cmd("SETRANGE s 3 ab").await, ":5\r\n");
    assert_eq!(r.cmd("GET s").await, "$5\r\n\0\0\0ab\r\n");
    assert_eq!(r.cmd("SETRANGE s 0 XYZW").await, ":5\r\n");
    assert_eq!(r.cmd("GET s").await, bulk("XYZWb"));
    assert_eq!(
        r.call_text::<&[u8]>(&[b"SETRANGE", b"s", b"1", b""]).await,
        ":5\r\n"
    );
    assert_eq!(
        r.call_text::<&[u8]>(&[b"SETRANGE", b"empty", b"5", b""])
            .await,
        ":0\r\n"
    );
    assert_eq!(r.cmd("EXISTS empty").await, ":0\r\n");
    assert_eq!(
        r.cmd("SETRANGE s -1 x").await,
        err("ERR offset is out of range")
    );
    assert_eq!(
        r.cmd("SETRANGE s x x").await,
        err("ERR value is not an integer or out of range")
    );
    let too_big = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    assert_eq!(r.cmd("SETRANGE s 1048576 x").await, too_big);
    assert_eq!(r.cmd("SETRANGE big 1048575 x").await, ":1048576\r\n");
    assert_eq!(r.cmd("APPEND big x").await, too_big);
    assert_eq!(r.cmd("STRLEN big").await, ":1048576\r\n");
    assert_eq!(r.cmd("GETRANGE big -1 -1").await, bulk("x"));
    assert_eq!(r.cmd("GETRANGE big 0 0").await, "$1\r\n\0\r\n");
    let wrong = err("WRONGTYPE Operation against a key holding the wrong kind of value");
    assert_eq!(r.cmd("RPUSH l a").await, ":1\r\n");
    assert_eq!(r.cmd("APPEND l x").await, wrong);
    assert_eq!(r.cmd("STRLEN l").await, wrong);
    assert_eq!(r.cmd("GETRANGE l 0 1").await, wrong);
    assert_eq!(r.cmd("SETRANGE l 0 x").await, wrong);
    assert_eq!(
        r.call_text::<&[u8]>(&[b"SETRANGE", b"l", b"0", b""]).await,
        wrong
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_appends_build_a_large_value() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let mut pipe = redis::pipe();
    for _ in 0..20_000 {
        pipe.cmd("APPEND").arg("big").arg("0123456789").ignore();
    }
    let _: () = pipe.query_async(&mut c).await.unwrap();
    let len: i64 = redis::cmd("STRLEN")
        .arg("big")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(len, 200_000);
    let tail: String = redis::cmd("GETRANGE")
        .arg("big")
        .arg(-12)
        .arg(-1)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(tail, "890123456789");
    // A 5 MB value round-trips.
    let v = vec![b'z'; 5 << 20];
    let _: () = redis::cmd("SET")
        .arg("huge")
        .arg(&v[..])
        .query_async(&mut c)
        .await
        .unwrap();
    let got: Vec<u8> = redis::cmd("GET")
        .arg("huge")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(got.len(), v.len());
    assert!(got == v);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integer_counters() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let n: i64 = redis::cmd("INCR")
        .arg("n")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("INCRBY n 10").await, ":11\r\n");
    assert_eq!(r.cmd("DECR n").await, ":10\r\n");
    assert_eq!(r.cmd("DECRBY n 15").await, ":-5\r\n");
    assert_eq!(r.cmd("INCRBY n -5").await, ":-10\r\n");
    assert_eq!(r.cmd("GET n").await, bulk("-10"));
    assert_eq!(r.cmd("DECR fresh").await, ":-1\r\n");
    let overflow = err("ERR increment or decrement would overflow");
    assert_eq!(r.cmd("SET max 9223372036854775807").await, OK);
    assert_eq!(r.cmd("INCR max").await, overflow);
    assert_eq!(r.cmd("SET min -9223372036854775808").await, OK);
    assert_eq!(r.cmd("DECR min").await, overflow);
    assert_eq!(r.cmd("INCRBY min -1").await, overflow);
    assert_eq!(r.cmd("DECRBY max -1").await, overflow);
    assert_eq!(
        r.cmd("DECRBY n -9223372036854775808").await,
        err("ERR decrement would overflow")
    );
    assert_eq!(r.cmd("INCRBY min 9223372036854775807").await, ":-1\r\n");
    let not_int = err("ERR value is not an integer or out of range");
    for v in [
        "abc",
        "1.5",
        " 1",
        "01",
        "+1",
        "-0",
        "9223372036854775808",
        "",
    ] {
        assert_eq!(
            r.call_text::<&[u8]>(&[b"SET", b"bad", v.as_bytes()]).await,
            OK
        );
        assert_eq!(r.cmd("INCR bad").await, not_int, "{v:?}");
    }
    assert_eq!(r.cmd("INCRBY n abc").await, not_int);
    assert_eq!(r.cmd("INCRBY n 99999999999999999999").await, not_int);
    assert_eq!(r.cmd("RPUSH l a").await, ":1\r\n");
    assert_eq!(
        r.cmd("INCR l").await,
        err("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incrbyfloat_matches_redis_formatting() {
    let srv = start().await;
    let mut r = srv.raw().await;
    for (start, incr, want) in [
        ("10.5", "0.1", "10.6"),
        ("0", "0.1", "0.1"),
        ("1", "-1.1", "-0.1"),
        ("0.1", "0.2", "0.3"),
        ("5.0e3", "2.0e2", "5200"),
        ("3", "-3", "0"),
        ("17179869184", "1.5", "17179869185.5"),
        ("1", "1e-20", "1"),
        ("0", "0x10", "16"),
        ("-1", "0.5", "-0.5"),
        ("1.0", "2", "3"),
        ("100", "1e20", "100000000000000000096"),
    ] {
        assert_eq!(
            r.call_text::<&[u8]>(&[b"SET", b"f", start.as_bytes()])
                .await,
            OK
        );
        assert_eq!(
            r.call_text::<&[u8]>(&[b"INCRBYFLOAT", b"f", incr.as_bytes()])
                .await,
            bulk(want),
            "{start} + {incr}"
        );
        assert_eq!(r.cmd("GET f").await, bulk(want));
    }
    // No negative zero.
    assert_eq!(r.cmd("DEL z").await, ":0\r\n");
    assert_eq!(
        r.cmd("INCRBYFLOAT z 0.024390243902439025").await,
        bulk("0.02439024390243902")
    );
    assert_eq!(
        r.cmd("INCRBYFLOAT z -0.024390243902439025").await,
        bulk("0")
    );
    assert_eq!(r.cmd("INCRBYFLOAT fresh 1.25").await, bulk("1.25"));
    let not_float = err("ERR value is not a valid float");
    for bad in ["abc", " 1", "1 ", "nan", "1e", "", "1e5000"] {
        assert_eq!(
            r.call_text::<&[u8]>(&[b"INCRBYFLOAT", b"f", bad.as_bytes()])
                .await,
            not_float,
            "{bad:?}"
        );
    }
    assert_eq!(r.cmd("SET s hello").await, OK);
    assert_eq!(r.cmd("INCRBYFLOAT s 1").await, not_float);
    let nan_inf = err("ERR increment would produce NaN or Infinity");
    assert_eq!(r.cmd("INCRBYFLOAT f inf").await, nan_inf);
    assert_eq!(r.cmd("INCRBYFLOAT f -inf").await, nan_inf);
    assert_eq!(r.cmd("SET f 1.18e4932").await, OK);
    assert_eq!(r.cmd("INCRBYFLOAT f 1e4932").await, nan_inf);
    assert_eq!(r.cmd("RPUSH l a").await, ":1\r\n");
    assert_eq!(
        r.cmd("INCRBYFLOAT l 1").await,
        err("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
    // Many small steps accumulate in 80-bit precision, as in Redis.
    assert_eq!(r.cmd("DEL acc").await, ":0\r\n");
    let mut last = String::new();
    for _ in 0..10 {
        last = r.cmd("INCRBYFLOAT acc 0.1").await;
    }
    assert_eq!(last, bulk("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lcs_all_options() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_eq!(r.cmd("MSET key1 ohmytext key2 mynewtext").await, OK);
    assert_eq!(r.cmd("LCS key1 key2").await, bulk("mytext"));
    assert_eq!(r.cmd("LCS key1 key2 LEN").await, ":6\r\n");
    assert_eq!(
        r.cmd("LCS key1 key2 IDX").await,
        "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(
        r.cmd("LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN").await,
        "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(
        r.cmd("LCS key1 key2 IDX WITHMATCHLEN MINMATCHLEN -5").await,
        "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(r.cmd("LCS key1 nope").await, bulk(""));
    assert_eq!(r.cmd("LCS nope nope2 LEN").await, ":0\r\n");
    assert_eq!(
        r.cmd("LCS key1 key2 LEN IDX").await,
        err("ERR If you want both the length and indexes, please just use IDX.")
    );
    assert_eq!(r.cmd("LCS key1 key2 FOO").await, err("ERR syntax error"));
    assert_eq!(
        r.cmd("LCS key1 key2 MINMATCHLEN").await,
        err("ERR syntax error")
    );
    assert_eq!(
        r.cmd("LCS key1 key2 MINMATCHLEN x").await,
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r.cmd("RPUSH l a").await, ":1\r\n");
    assert_eq!(
        r.cmd("LCS key1 l").await,
        err("ERR The specified keys must contain string values")
    );
    // RESP3 renders IDX as a map.
    assert!(r.cmd("HELLO 3").await.starts_with('%'));
    assert_eq!(
        r.cmd("LCS key1 key2 IDX MINMATCHLEN 4").await,
        "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(r.cmd("GET nope").await, "_\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyspace_events() {
    let srv = start_notifying().await;
    assert_events(
        &srv,
        &[
            "SET a 1",
            "SET a 2 EX 100",
            "SET a 3 NX",
            "SETRANGE a 1 x",
            "APPEND a y",
            "INCR n",
            "DECRBY n 2",
            "INCRBYFLOAT f 1.5",
            "GETEX a PERSIST",
            "GETEX a PX 1000",
            "GETEX a PERSIST",
            "GETDEL a",
            "MSET m1 1 m2 2",
            "MSETNX m1 1",
            "GETSET g 1",
            "SETNX g 2",
            "SETEX x 100 v",
            "GETEX x EXAT 1",
            "INCR nope-not-int-no",
        ],
        &[
            ("set", "a"),
            ("set", "a"),
            ("expire", "a"),
            ("setrange", "a"),
            ("append", "a"),
            ("incrby", "n"),
            ("incrby", "n"),
            ("incrbyfloat", "f"),
            ("persist", "a"),
            ("expire", "a"),
            ("persist", "a"),
            ("del", "a"),
            ("set", "m1"),
            ("set", "m2"),
            ("set", "g"),
            ("set", "x"),
            ("expire", "x"),
            ("del", "x"),
            ("incrby", "nope-not-int-no"),
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
            ("GET", "get"),
            ("GET a b", "get"),
            ("SETNX a", "setnx"),
            ("SETEX a 1", "setex"),
            ("PSETEX a 1", "psetex"),
            ("GETSET a", "getset"),
            ("GETDEL", "getdel"),
            ("GETEX", "getex"),
            ("MGET", "mget"),
            ("MSET a", "mset"),
            ("APPEND a", "append"),
            ("STRLEN", "strlen"),
            ("GETRANGE a 1", "getrange"),
            ("SETRANGE a 1", "setrange"),
            ("INCR", "incr"),
            ("DECRBY a", "decrby"),
            ("INCRBYFLOAT a", "incrbyfloat"),
            ("LCS a", "lcs"),
        ],
    )
    .await;
}
