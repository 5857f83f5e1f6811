//! Blocking list and sorted set commands over real connections: immediate data, blocking and
//! wake-up by another client, FIFO service, timeouts, several keys, BLMOVE/BRPOPLPUSH,
//! BZPOPMIN/BZPOPMAX/BZMPOP, MULTI/EXEC on both sides, WRONGTYPE, CLIENT UNBLOCK, CLIENT KILL,
//! disconnects, and commands pipelined behind a blocked one. Exact reply bytes are checked with
//! raw sockets, as Redis 7.4 sends them.

mod common;

use common::kv::*;
use common::*;
use std::time::{Duration, Instant};

/// How long a blocked client must stay silent to count as blocked.
const QUIET: Duration = Duration::from_millis(50);

impl TestServer {
    fn blocked(&self) -> usize {
        self.server.shared().blocking.blocked_clients()
    }

    /// Waits until exactly `n` clients are blocked.
    async fn wait_blocked(&self, n: usize) {
        let start = Instant::now();
        while self.blocked() != n {
            assert!(
                start.elapsed() < TIMEOUT,
                "expected {n} blocked clients, have {}",
                self.blocked()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

impl Raw {
    /// This connection's CLIENT ID.
    async fn id(&mut self) -> i64 {
        let r = self.cmd("CLIENT ID").await;
        r.trim_start_matches(':').trim().parse().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_available_behaves_like_the_non_blocking_form() {
    let srv = start().await;
    let mut c = srv.conn_without_timeout().await;
    let _: i64 = q(&mut c, &["RPUSH", "l", "a", "b", "c"]).await;
    let r: (String, String) = q(&mut c, &["BLPOP", "l", "0"]).await;
    assert_eq!(r, ("l".into(), "a".into()));
    let r: (String, String) = q(&mut c, &["BRPOP", "l", "1"]).await;
    assert_eq!(r, ("l".into(), "c".into()));
    let r: String = q(&mut c, &["BLMOVE", "l", "dst", "LEFT", "RIGHT", "0"]).await;
    assert_eq!(r, "b");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "l"]).await, 0);
    let _: i64 = q(&mut c, &["RPUSH", "l", "x", "y", "z"]).await;
    let r: (String, Vec<String>) = q(
        &mut c,
        &["BLMPOP", "0", "2", "none", "l", "RIGHT", "COUNT", "2"],
    )
    .await;
    assert_eq!(r, ("l".into(), vec!["z".into(), "y".into()]));
    let r: String = q(&mut c, &["BRPOPLPUSH", "l", "dst", "0"]).await;
    assert_eq!(r, "x");
    assert_eq!(
        q::<Vec<String>>(&mut c, &["LRANGE", "dst", "0", "-1"]).await,
        vec!["x", "b"]
    );

    let mut raw = srv.raw().await;
    raw.cmd("ZADD z 1 a 2 b 3 c").await;
    assert_eq!(raw.cmd("BZPOPMIN z 0").await, arr(&["z", "a", "1"]));
    assert_eq!(raw.cmd("BZPOPMAX nokey z 0").await, arr(&["z", "c", "3"]));
    raw.cmd("ZADD z 1.5 a").await;
    assert_eq!(
        raw.cmd("BZMPOP 0 1 z MIN COUNT 5").await,
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\na\r\n$3\r\n1.5\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(raw.cmd("EXISTS z").await, ":0\r\n");
    assert_eq!(srv.blocked(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_wakes_the_client_blocked_on_that_key() {
    let srv = start().await;
    let mut a = srv.raw().await;
    let mut b = srv.raw().await;
    let mut pusher = srv.conn_without_timeout().await;
    a.send_line("BLPOP la 0").await;
    srv.wait_blocked(1).await;
    b.send_line("BRPOP lb 0").await;
    srv.wait_blocked(2).await;
    assert_eq!(srv.server.shared().blocking.total_blocking_keys(), 2);
    // The push's reply comes after the waiter was served: the list is already empty.
    assert_eq!(q::<i64>(&mut pusher, &["RPUSH", "lb", "x", "y"]).await, 2);
    assert_eq!(q::<i64>(&mut pusher, &["LLEN", "lb"]).await, 1);
    assert_eq!(b.read_text().await, arr(&["lb", "y"]));
    a.expect_silence(QUIET).await;
    assert_eq!(srv.blocked(), 1);
    let _: i64 = q(&mut pusher, &["LPUSH", "la", "v"]).await;
    assert_eq!(a.read_text().await, arr(&["la", "v"]));
    assert_eq!(q::<i64>(&mut pusher, &["EXISTS", "la"]).await, 0);
    srv.wait_blocked(0).await;
    assert_eq!(srv.server.shared().blocking.total_blocking_keys(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_clients_are_served_in_fifo_order() {
    let srv = start().await;
    let mut clients = Vec::new();
    for i in 0..3 {
        let mut c = srv.raw().await;
        c.send_line("BRPOP q 0").await;
        srv.wait_blocked(i + 1).await;
        clients.push(c);
    }
    let mut p = srv.raw().await;
    // One push of two elements serves the first two, in the order they blocked.
    assert_eq!(p.cmd("RPUSH q x y").await, ":2\r\n");
    assert_eq!(clients[0].read_text().await, arr(&["q", "y"]));
    assert_eq!(clients[1].read_text().await, arr(&["q", "x"]));
    clients[2].expect_silence(QUIET).await;
    assert_eq!(p.cmd("EXISTS q").await, ":0\r\n");
    p.cmd("LPUSH q z").await;
    assert_eq!(clients[2].read_text().await, arr(&["q", "z"]));

    // The same with the redis crate: three connections, three elements, each its own.
    let mut tasks = Vec::new();
    for i in 0..3 {
        let mut c = srv.conn_without_timeout().await;
        tasks.push(tokio::spawn(async move {
            let r: (String, String) = q(&mut c, &["BLPOP", "fifo", "0"]).await;
            r.1
        }));
        srv.wait_blocked(i + 1).await;
    }
    p.cmd("RPUSH fifo first second third").await;
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    assert_eq!(got, vec!["first", "second", "third"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_reply_null_after_the_given_time() {
    let srv = start().await;
    let mut c = srv.raw().await;
    for (cmd, reply) in [
        ("BLPOP empty 0.1", "*-1\r\n"),
        ("BRPOP empty other 0.1", "*-1\r\n"),
        ("BLMPOP 0.1 1 empty LEFT", "*-1\r\n"),
        // Redis 7.4 answers every list/zset blocking timeout with a null array, BLMOVE too.
        ("BLMOVE empty d LEFT LEFT 0.1", "*-1\r\n"),
        ("BRPOPLPUSH empty d 0.1", "*-1\r\n"),
        ("BZPOPMIN empty 0.1", "*-1\r\n"),
        ("BZMPOP 0.1 1 empty MAX", "*-1\r\n"),
    ] {
        let start = Instant::now();
        assert_eq!(c.cmd(cmd).await, reply, "{cmd}");
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(95) && took < Duration::from_millis(900),
            "{cmd} took {took:?}"
        );
    }
    assert_eq!(srv.blocked(), 0);
    c.cmd("HELLO 3").await;
    assert_eq!(c.cmd("BLPOP empty 0.01").await, "_\r\n");
    assert_eq!(c.cmd("BLMOVE empty d RIGHT LEFT 0.01").await, "_\r\n");

    // The redis crate sees nil.
    let mut con = srv.conn_without_timeout().await;
    let r: Option<(String, String)> = q(&mut con, &["BLPOP", "empty", "0.05"]).await;
    assert_eq!(r, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_argument_errors() {
    let srv = start().await;
    let mut c = srv.conn_without_timeout().await;
    for t in ["abc", "nan", " 1", "1x", ""] {
        assert_eq!(
            q_err(&mut c, &["BLPOP", "l", t]).await,
            "ERR timeout is not a float or out of range",
            "{t:?}"
        );
    }
    for t in ["-1", "-0.5", "-inf"] {
        assert_eq!(
            q_err(&mut c, &["BRPOP", "l", t]).await,
            "ERR timeout is negative",
            "{t:?}"
        );
    }
    for t in ["inf", "1e300", "0x7FFFFFFFFFFFFF"] {
        assert_eq!(
            q_err(&mut c, &["BZPOPMIN", "l", t]).await,
            "ERR timeout is out of range",
            "{t:?}"
        );
    }
    assert_eq!(
        q_err(&mut c, &["BLMOVE", "a", "b", "UP", "LEFT", "x"]).await,
        "ERR syntax error"
    );
    assert_eq!(
        q_err(&mut c, &["BLMOVE", "a", "b", "LEFT", "LEFT", "x"]).await,
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        q_err(&mut c, &["BLMPOP", "0", "0", "a", "LEFT"]).await,
        "ERR numkeys should be greater than 0"
    );
    assert_eq!(
        q_err(&mut c, &["BLMPOP", "0", "2", "a", "LEFT"]).await,
        "ERR syntax error"
    );
    assert_eq!(
        q_err(&mut c, &["BLMPOP", "x", "1", "a", "LEFT", "COUNT", "0"]).await,
        "ERR count should be greater than 0"
    );
    // Options are checked before the timeout.
    assert_eq!(
        q_err(&mut c, &["BZMPOP", "x", "1", "a", "MIDDLE"]).await,
        "ERR syntax error"
    );
    assert_eq!(
        q_err(&mut c, &["BZMPOP", "x", "1", "a", "MIN"]).await,
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        q_err(&mut c, &["BLPOP", "l"]).await,
        "ERR wrong number of arguments for 'blpop' command"
    );
    // A tiny negative timeout rounds to 0: block forever (Redis's ceil), until data comes.
    let mut raw = srv.raw().await;
    raw.send_line("BLPOP l -0.0001").await;
    srv.wait_blocked(1).await;
    raw.expect_silence(QUIET).await;
    let _: i64 = q(&mut c, &["RPUSH", "l", "v"]).await;
    assert_eq!(raw.read_text().await, arr(&["l", "v"]));
    // Very long timeouts (years, centuries) wait like any other.
    for t in ["100000000", "4000000000"] {
        raw.send_line(&format!("BLPOP far {t}")).await;
        srv.wait_blocked(1).await;
        raw.expect_silence(QUIET).await;
        let _: i64 = q(&mut c, &["RPUSH", "far", t]).await;
        assert_eq!(raw.read_text().await, arr(&["far", t]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_keys_first_non_empty_wins_and_reply_names_the_key() {
    let srv = start().await;
    let mut p = srv.raw().await;
    let mut c = srv.raw().await;
    p.cmd("RPUSH b b1").await;
    p.cmd("RPUSH c c1").await;
    assert_eq!(c.cmd("BLPOP a b c 0").await, arr(&["b", "b1"]));
    assert_eq!(c.cmd("BLPOP a b c 0").await, arr(&["c", "c1"]));

    c.send_line("BLPOP a b c 0").await;
    srv.wait_blocked(1).await;
    assert_eq!(srv.server.shared().blocking.total_blocking_keys(), 3);
    p.cmd("RPUSH c c2").await;
    assert_eq!(c.read_text().await, arr(&["c", "c2"]));
    srv.wait_blocked(0).await;
    assert_eq!(srv.server.shared().blocking.total_blocking_keys(), 0);

    // A key given twice, and BLMPOP woken by a transaction pushing two keys: the command runs
    // again as a whole, so the first key in argument order is served (Redis 7.2+).
    c.send_line("BLMPOP 0 3 x y x LEFT COUNT 10").await;
    srv.wait_blocked(1).await;
    p.cmd("MULTI").await;
    p.cmd("RPUSH y 1 2").await;
    p.cmd("RPUSH x 3").await;
    p.cmd("EXEC").await;
    assert_eq!(c.read_text().await, "*2\r\n$1\r\nx\r\n*1\r\n$1\r\n3\r\n");
    assert_eq!(p.cmd("LRANGE y 0 -1").await, arr(&["1", "2"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blmove_and_brpoplpush_move_atomically() {
    let srv = start().await;
    let mut p = srv.raw().await;
    let mut c = srv.raw().await;
    c.send_line("BLMOVE src dst RIGHT LEFT 0").await;
    srv.wait_blocked(1).await;
    p.cmd("RPUSH dst old").await;
    assert_eq!(p.cmd("RPUSH src a b").await, ":2\r\n");
    // Served before the pusher's next command: b moved, a left.
    assert_eq!(p.cmd("LRANGE dst 0 -1").await, arr(&["b", "old"]));
    assert_eq!(p.cmd("LRANGE src 0 -1").await, arr(&["a"]));
    assert_eq!(c.read_text().await, bulk("b"));

    // Linked moves: serving the first waiter's push wakes the second one.
    p.cmd("DEL src dst").await;
    let mut c2 = srv.raw().await;
    c.send_line("BRPOPLPUSH l1 l2 0").await;
    srv.wait_blocked(1).await;
    c2.send_line("BLMOVE l2 l3 LEFT RIGHT 0").await;
    srv.wait_blocked(2).await;
    p.cmd("RPUSH l1 foo").await;
    assert_eq!(c.read_text().await, bulk("foo"));
    assert_eq!(c2.read_text().await, bulk("foo"));
    assert_eq!(p.cmd("EXISTS l1 l2").await, ":0\r\n");
    assert_eq!(p.cmd("LRANGE l3 0 -1").await, arr(&["foo"]));

    // A list moved onto itself.
    c.send_line("BRPOPLPUSH self self 0").await;
    srv.wait_blocked(1).await;
    p.cmd("RPUSH self x").await;
    assert_eq!(c.read_text().await, bulk("x"));
    assert_eq!(p.cmd("LRANGE self 0 -1").await, arr(&["x"]));

    // A client blocked on the destination is served by the move.
    p.cmd("DEL target").await;
    c.send_line("BLPOP target 0").await;
    srv.wait_blocked(1).await;
    p.cmd("RPUSH from v").await;
    assert_eq!(p.cmd("BLMOVE from target LEFT RIGHT 0").await, bulk("v"));
    assert_eq!(c.read_text().await, arr(&["target", "v"]));
    assert_eq!(p.cmd("EXISTS target from").await, ":0\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sorted_set_blocking_pops() {
    let srv = start().await;
    let mut p = srv.conn_without_timeout().await;
    let mut a = srv.raw().await;
    let mut b = srv.raw().await;
    let mut m = srv.raw().await;
    a.send_line("BZPOPMIN z1 0").await;
    srv.wait_blocked(1).await;
    b.send_line("BZPOPMAX z2 z1 0").await;
    srv.wait_blocked(2).await;
    m.cmd("HELLO 3").await;
    m.send_line("BZMPOP 0 1 z3 MAX COUNT 2").await;
    srv.wait_blocked(3).await;

    let _: i64 = q(&mut p, &["ZADD", "z1", "3", "c", "1", "a", "2", "b"]).await;
    assert_eq!(a.read_text().await, arr(&["z1", "a", "1"]));
    assert_eq!(b.read_text().await, arr(&["z1", "c", "3"]));
    assert_eq!(
        q::<Vec<String>>(&mut p, &["ZRANGE", "z1", "0", "-1"]).await,
        vec!["b"]
    );
    let _: f64 = q(&mut p, &["ZINCRBY", "z3", "2.5", "m"]).await;
    assert_eq!(
        m.read_text().await,
        "*2\r\n$2\r\nz3\r\n*1\r\n*2\r\n$1\r\nm\r\n,2.5\r\n"
    );
    assert_eq!(q::<i64>(&mut p, &["EXISTS", "z3"]).await, 0);

    // A sorted set stored by ZUNIONSTORE wakes a BZPOPMAX.
    a.send_line("BZPOPMAX dest 0").await;
    srv.wait_blocked(1).await;
    let _: i64 = q(&mut p, &["ZUNIONSTORE", "dest", "1", "z1"]).await;
    assert_eq!(a.read_text().await, arr(&["dest", "b", "2"]));
    srv.wait_blocked(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_multi_a_blocking_command_never_blocks() {
    let srv = start().await;
    let mut c = srv.raw().await;
    c.cmd("RPUSH full x").await;
    c.cmd("MULTI").await;
    for cmd in [
        "BLPOP empty 0",
        "BLMOVE empty d LEFT LEFT 0",
        "BRPOPLPUSH empty d 0",
        "BLMPOP 0 1 empty LEFT",
        "BZPOPMIN empty 0",
        "BZMPOP 0 1 empty MIN",
        "BRPOP full 0",
    ] {
        assert_eq!(c.cmd(cmd).await, "+QUEUED\r\n");
    }
    let start = Instant::now();
    assert_eq!(
        c.cmd("EXEC").await,
        format!(
            "*7\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n{}",
            arr(&["full", "x"])
        )
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(srv.blocked(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_inside_exec_wakes_the_waiter_after_the_transaction() {
    let srv = start().await;
    let mut w = srv.raw().await;
    let mut t = srv.raw().await;
    w.send_line("BLPOP l 0").await;
    srv.wait_blocked(1).await;
    t.cmd("MULTI").await;
    t.cmd("LPUSH l a").await;
    t.cmd("LPUSH l b").await;
    t.cmd("LPUSH l c").await;
    assert_eq!(t.cmd("EXEC").await, "*3\r\n:1\r\n:2\r\n:3\r\n");
    // Served once, with the state the whole transaction left.
    assert_eq!(w.read_text().await, arr(&["l", "c"]));
    assert_eq!(t.cmd("LRANGE l 0 -1").await, arr(&["b", "a"]));

    // A push undone within the same transaction wakes nobody.
    t.cmd("DEL l").await;
    w.send_line("BLPOP l 0").await;
    srv.wait_blocked(1).await;
    t.cmd("MULTI").await;
    t.cmd("LPUSH l a").await;
    t.cmd("DEL l").await;
    t.cmd("EXEC").await;
    w.expect_silence(QUIET).await;
    assert_eq!(srv.blocked(), 1);
    t.cmd("RPUSH l z").await;
    assert_eq!(w.read_text().await, arr(&["l", "z"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_types() {
    let srv = start().await;
    let mut c = srv.conn_without_timeout().await;
    let wt = "WRONGTYPE Operation against a key holding the wrong kind of value";
    let _: () = q(&mut c, &["SET", "s", "x"]).await;
    let _: i64 = q(&mut c, &["RPUSH", "l", "v"]).await;
    assert_eq!(q_err(&mut c, &["BLPOP", "s", "0"]).await, wt);
    assert_eq!(
        q_err(&mut c, &["BLPOP", "missing", "s", "l", "0"]).await,
        wt
    );
    assert_eq!(q_err(&mut c, &["BZPOPMIN", "l", "0"]).await, wt);
    assert_eq!(q_err(&mut c, &["BZMPOP", "0", "1", "s", "MIN"]).await, wt);
    assert_eq!(
        q_err(&mut c, &["BLMOVE", "l", "s", "LEFT", "LEFT", "0"]).await,
        wt
    );
    assert_eq!(q::<i64>(&mut c, &["LLEN", "l"]).await, 1);
    // A non-empty key before the wrong one is served.
    let r: (String, String) = q(&mut c, &["BLPOP", "l", "s", "0"]).await;
    assert_eq!(r, ("l".into(), "v".into()));

    // The destination turns out to be of the wrong type when the waiter is served: it gets
    // the error and the element stays where it was.
    let mut w = srv.raw().await;
    w.send_line("BRPOPLPUSH src s 0").await;
    srv.wait_blocked(1).await;
    let _: i64 = q(&mut c, &["RPUSH", "src", "a", "b"]).await;
    assert_eq!(w.read_text().await, format!("-{wt}\r\n"));
    assert_eq!(
        q::<Vec<String>>(&mut c, &["LRANGE", "src", "0", "-1"]).await,
        vec!["a", "b"]
    );

    // A waited key re-created as another type does not wake the client; once it is a list
    // again, the client is served.
    w.send_line("BLPOP k 0").await;
    srv.wait_blocked(1).await;
    let _: i64 = q(&mut c, &["ZADD", "k", "1", "m"]).await;
    let _: () = q(&mut c, &["DEL", "k"]).await;
    let _: () = q(&mut c, &["SET", "k", "str"]).await;
    w.expect_silence(QUIET).await;
    assert_eq!(srv.blocked(), 1);
    let _: () = q(&mut c, &["DEL", "k"]).await;
    let _: i64 = q(&mut c, &["RPUSH", "k", "x", "y"]).await;
    assert_eq!(w.read_text().await, arr(&["k", "x"]));

    // Served by another key while an earlier key became a string: the whole command runs
    // again, so it fails on the first key (Redis 7.2+).
    w.send_line("BLPOP k1 k2 0").await;
    srv.wait_blocked(1).await;
    let _: () = q(&mut c, &["SET", "k1", "str"]).await;
    let _: i64 = q(&mut c, &["RPUSH", "k2", "v"]).await;
    assert_eq!(w.read_text().await, format!("-{wt}\r\n"));
    assert_eq!(q::<i64>(&mut c, &["LLEN", "k2"]).await, 1);

    // A sorted set waiter is skipped by a list push, in favour of a list waiter behind it.
    let mut lw = srv.raw().await;
    w.send_line("BZPOPMIN mixed 0").await;
    srv.wait_blocked(1).await;
    lw.send_line("BLPOP mixed 0").await;
    srv.wait_blocked(2).await;
    let _: i64 = q(&mut c, &["RPUSH", "mixed", "e"]).await;
    assert_eq!(lw.read_text().await, arr(&["mixed", "e"]));
    w.expect_silence(QUIET).await;
    let _: i64 = q(&mut c, &["ZADD", "mixed", "5", "m"]).await;
    assert_eq!(w.read_text().await, arr(&["mixed", "m", "5"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_unblock() {
    let srv = start().await;
    let mut w = srv.raw().await;
    let id = w.id().await;
    let mut c = srv.conn_without_timeout().await;
    let id_s = id.to_string();

    w.send_line("BLPOP l 0").await;
    srv.wait_blocked(1).await;
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "UNBLOCK", &id_s]).await, 1);
    assert_eq!(w.read_text().await, "*-1\r\n");

    w.send_line("BLMOVE l d LEFT LEFT 0").await;
    srv.wait_blocked(1).await;
    assert_eq!(
        q::<i64>(&mut c, &["CLIENT", "UNBLOCK", &id_s, "timeout"]).await,
        1
    );
    assert_eq!(w.read_text().await, "*-1\r\n");

    w.send_line("BZPOPMIN z 0").await;
    srv.wait_blocked(1).await;
    assert_eq!(
        q::<i64>(&mut c, &["CLIENT", "UNBLOCK", &id_s, "ERROR"]).await,
        1
    );
    assert_eq!(
        w.read_text().await,
        "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    assert_eq!(srv.blocked(), 0);

    // Not blocked, unknown, or malformed.
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "UNBLOCK", &id_s]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "UNBLOCK", "99999"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "UNBLOCK", "-1"]).await, 0);
    assert_eq!(
        q_err(&mut c, &["CLIENT", "UNBLOCK", "abc"]).await,
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        q_err(&mut c, &["CLIENT", "UNBLOCK", "abc", "ERROR1"]).await,
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    );
    assert_eq!(
        q_err(&mut c, &["CLIENT", "UNBLOCK", &id_s, "TIMEOUT", "x"]).await,
        "ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP."
    );
    // The unblocked client is usable and data pushed later stays in the list.
    assert_eq!(w.cmd("PING").await, "+PONG\r\n");
    let _: i64 = q(&mut c, &["RPUSH", "l", "kept"]).await;
    assert_eq!(q::<i64>(&mut c, &["LLEN", "l"]).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_and_disconnect_release_the_wait() {
    let srv = start().await;
    let mut c = srv.conn_without_timeout().await;

    let mut w = srv.raw().await;
    let id = w.id().await.to_string();
    w.send_line("BLPOP l 0").await;
    srv.wait_blocked(1).await;
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "KILL", "ID", &id]).await, 1);
    w.expect_eof().await;
    srv.wait_blocked(0).await;
    let _: i64 = q(&mut c, &["RPUSH", "l", "a"]).await;
    assert_eq!(
        q::<Vec<String>>(&mut c, &["LRANGE", "l", "0", "-1"]).await,
        vec!["a"]
    );

    // A client that disconnects while blocked leaves no waiter behind: a later push is not
    // lost.
    for cmd in [
        "BLPOP gone 0",
        "BZPOPMAX gonez 10",
        "BLMOVE gone x LEFT LEFT 0",
    ] {
        let mut d = srv.raw().await;
        d.send_line(cmd).await;
        srv.wait_blocked(1).await;
        drop(d);
        srv.wait_blocked(0).await;
    }
    assert_eq!(srv.server.shared().blocking.total_blocking_keys(), 0);
    assert_eq!(srv.server.shared().blocking.clients_in_timeout_table(), 0);
    let _: i64 = q(&mut c, &["RPUSH", "gone", "kept"]).await;
    let _: i64 = q(&mut c, &["ZADD", "gonez", "1", "m"]).await;
    assert_eq!(
        q::<Vec<String>>(&mut c, &["LRANGE", "gone", "0", "-1"]).await,
        vec!["kept"]
    );
    assert_eq!(q::<i64>(&mut c, &["ZCARD", "gonez"]).await, 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "x"]).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_commands_wait_behind_a_blocked_one() {
    let srv = start().await;
    let mut w = srv.raw().await;
    let mut p = srv.raw().await;
    w.send(b"PING\r\nBLPOP p 0\r\nECHO after\r\nLPOP p\r\nRPUSH mine 1\r\n")
        .await;
    // Replies before the blocking command arrive; the rest waits.
    assert_eq!(w.read_text().await, "+PONG\r\n");
    srv.wait_blocked(1).await;
    w.expect_silence(QUIET).await;
    assert_eq!(p.cmd("EXISTS mine").await, ":0\r\n");
    // More input while blocked is kept for later too.
    w.send(b"LLEN mine\r\n").await;
    w.expect_silence(QUIET).await;
    p.cmd("RPUSH p v1 v2").await;
    assert_eq!(w.read_text().await, arr(&["p", "v1"]));
    assert_eq!(w.read_text().await, bulk("after"));
    assert_eq!(w.read_text().await, bulk("v2"));
    assert_eq!(w.read_text().await, ":1\r\n");
    assert_eq!(w.read_text().await, ":1\r\n");
    // A second blocking command later in the same pipeline blocks again.
    w.send(b"BLPOP p 0.05\r\nBLPOP p 0\r\nPING\r\n").await;
    assert_eq!(w.read_text().await, "*-1\r\n");
    srv.wait_blocked(1).await;
    w.expect_silence(QUIET).await;
    p.cmd("RPUSH p last").await;
    assert_eq!(w.read_text().await, arr(&["p", "last"]));
    assert_eq!(w.read_text().await, "+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reply_skip_applies_to_the_blocked_reply() {
    let srv = start().await;
    let mut w = srv.raw().await;
    let mut p = srv.raw().await;
    w.send(b"CLIENT REPLY SKIP\r\nBLPOP l 0\r\nPING\r\n").await;
    srv.wait_blocked(1).await;
    p.cmd("RPUSH l v").await;
    assert_eq!(w.read_text().await, "+PONG\r\n");
    assert_eq!(p.cmd("EXISTS l").await, ":0\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_in_other_databases_are_separate() {
    let srv = start().await;
    let mut w = srv.raw().await;
    let mut p = srv.raw().await;
    w.cmd("SELECT 1").await;
    w.send_line("BLPOP l 0").await;
    srv.wait_blocked(1).await;
    p.cmd("RPUSH l db0").await;
    w.expect_silence(QUIET).await;
    p.cmd("SELECT 1").await;
    p.cmd("RPUSH l db1").await;
    assert_eq!(w.read_text().await, arr(&["l", "db1"]));
    p.cmd("SELECT 0").await;
    assert_eq!(p.cmd("LRANGE l 0 -1").await, arr(&["db0"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_consumers_get_every_element_exactly_once() {
    let srv = start().await;
    const PRODUCERS: usize = 4;
    const PER_PRODUCER: usize = 100;
    let total = PRODUCERS * PER_PRODUCER;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut consumers = Vec::new();
    for i in 0..8 {
        let mut c = srv.conn_without_timeout().await;
        let done = done.clone();
        consumers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            // Short timeouts race with the pushes on purpose: a timed-out wait must never
            // swallow an element.
            let timeout = if i % 2 == 0 { "0.01" } else { "0.2" };
            while done.load(std::sync::atomic::Ordering::SeqCst) < total {
                let cmd = if i % 3 == 0 { "BRPOP" } else { "BLPOP" };
                let r: Option<(String, String)> = q(&mut c, &[cmd, "work", timeout]).await;
                if let Some((_, v)) = r {
                    got.push(v);
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
            got
        }));
    }
    let mut producers = Vec::new();
    for p in 0..PRODUCERS {
        let mut c = srv.conn_without_timeout().await;
        producers.push(tokio::spawn(async move {
            for j in 0..PER_PRODUCER {
                let _: i64 = q(&mut c, &["RPUSH", "work", &format!("{p}-{j}")]).await;
                if j % 10 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    for p in producers {
        p.await.unwrap();
    }
    let mut all = Vec::new();
    for c in consumers {
        all.extend(tokio::time::timeout(TIMEOUT, c).await.unwrap().unwrap());
    }
    all.sort();
    let mut want: Vec<String> = (0..PRODUCERS)
        .flat_map(|p| (0..PER_PRODUCER).map(move |j| format!("{p}-{j}")))
        .collect();
    want.sort();
    assert_eq!(all, want);
    srv.wait_blocked(0).await;
    let mut c = srv.conn_without_timeout().await;
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "work"]).await, 0);
}
