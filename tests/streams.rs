//! Streams over real connections with redis-rs: IDs (auto, `<ms>-*`, explicit) and their
//! errors, TYPE/OBJECT/SCAN TYPE, blocking XREAD/XREADGROUP with several consumers served in
//! order, timeouts, wake-ups from MULTI/EXEC, pending entries of a consumer that disconnected
//! recovered with XAUTOCLAIM, blocked group readers failed by a destroyed group or deleted
//! stream, XINFO shapes, and the keyspace events of every stream command.

mod common;

use common::{expect_err, within, TestServer};
use redis::aio::MultiplexedConnection;
use redis::Value;
use std::time::{Duration, Instant};

async fn q(conn: &mut MultiplexedConnection, args: &[&str]) -> Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    within("command", cmd.query_async(conn))
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// XADD `n` entries with IDs 1-0 .. n-0 and one field `f v` to `key`.
async fn add_entries(c: &mut MultiplexedConnection, key: &str, n: u64) {
    for i in 1..=n {
        let id = format!("{i}-0");
        q(c, &["XADD", key, &id, "f", "v"]).await;
    }
}

/// XREADGROUP GROUP `group` `consumer` COUNT `count` STREAMS `key` >.
async fn read_group(
    c: &mut MultiplexedConnection,
    key: &str,
    group: &str,
    consumer: &str,
    count: u64,
) -> Value {
    let count = count.to_string();
    q(
        c,
        &[
            "XREADGROUP",
            "GROUP",
            group,
            consumer,
            "COUNT",
            &count,
            "STREAMS",
            key,
            ">",
        ],
    )
    .await
}

fn cmd(args: &[&str]) -> redis::Cmd {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c
}

/// Every string and integer in a reply, depth first: enough to check what a stream reply holds.
fn flat(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::BulkString(b) => out.push(String::from_utf8_lossy(b).into_owned()),
            Value::SimpleString(s) => out.push(s.clone()),
            Value::Int(n) => out.push(n.to_string()),
            Value::Nil => out.push("nil".into()),
            Value::Array(a) | Value::Set(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Map(m) => m.iter().for_each(|(k, x)| {
                walk(k, out);
                walk(x, out);
            }),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

fn parse_id(s: &str) -> (u64, u64) {
    let (a, b) = s.split_once('-').expect("an ID");
    (a.parse().expect("ms"), b.parse().expect("seq"))
}

fn text(v: &Value) -> String {
    flat(v).join(" ")
}

#[tokio::test]
async fn ids_types_and_errors() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    let a = text(&q(&mut c, &["XADD", "s", "*", "f", "v"]).await);
    let b = text(&q(&mut c, &["XADD", "s", "*", "f", "v"]).await);
    assert!(parse_id(&b) > parse_id(&a), "{a} then {b}");
    let (ms, _) = parse_id(&b);
    let next = format!("{ms}-*");
    let c3 = text(&q(&mut c, &["XADD", "s", &next, "f", "v"]).await);
    assert_eq!(parse_id(&c3).0, ms);
    assert_eq!(parse_id(&c3).1, parse_id(&b).1 + 1);
    let e = expect_err(&mut c, &cmd(&["XADD", "s", "1-1", "f", "v"])).await;
    assert_eq!(
        e,
        "ERR The ID specified in XADD is equal or smaller than the target stream top item"
    );
    let e = expect_err(&mut c, &cmd(&["XADD", "t", "0-0", "f", "v"])).await;
    assert_eq!(e, "ERR The ID specified in XADD must be greater than 0-0");
    let e = expect_err(&mut c, &cmd(&["XRANGE", "s", "x", "+"])).await;
    assert_eq!(
        e,
        "ERR Invalid stream ID specified as stream command argument"
    );
    assert_eq!(
        q(&mut c, &["XADD", "none", "NOMKSTREAM", "*", "f", "v"]).await,
        Value::Nil
    );
    assert_eq!(q(&mut c, &["EXISTS", "none"]).await, Value::Int(0));
    assert_eq!(text(&q(&mut c, &["TYPE", "s"]).await), "stream");
    assert_eq!(
        text(&q(&mut c, &["OBJECT", "ENCODING", "s"]).await),
        "stream"
    );
    q(&mut c, &["SET", "str", "x"]).await;
    let scanned = text(&q(&mut c, &["SCAN", "0", "TYPE", "stream"]).await);
    assert_eq!(scanned, "0 s");
    let e = expect_err(&mut c, &cmd(&["XADD", "str", "*", "f", "v"])).await;
    assert!(e.starts_with("WRONGTYPE"), "{e}");
    // Streams stay when emptied, unlike lists.
    q(&mut c, &["XTRIM", "s", "MAXLEN", "0"]).await;
    assert_eq!(q(&mut c, &["XLEN", "s"]).await, Value::Int(0));
    assert_eq!(q(&mut c, &["EXISTS", "s"]).await, Value::Int(1));
}

/// Sends a blocking command on its own connection and returns the pending reply.
fn spawn_blocking(
    srv: &TestServer,
    args: &'static [&'static str],
) -> tokio::task::JoinHandle<Value> {
    let client = srv.client();
    tokio::spawn(async move {
        let mut conn = client
            .get_multiplexed_async_connection_with_config(
                &redis::AsyncConnectionConfig::new().set_response_timeout(None),
            )
            .await
            .expect("connect");
        cmd(args).query_async(&mut conn).await.expect("reply")
    })
}

async fn wait_blocked(srv: &TestServer, n: i64) {
    common::eventually("clients blocked", || async {
        srv.info_int("blocked_clients").await == n
    })
    .await;
}

#[tokio::test]
async fn group_consumers_blocked_in_order_each_get_one_entry() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    q(&mut c, &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]).await;
    const C1: &[&str] = &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "COUNT",
        "1",
        "BLOCK",
        "0",
        "STREAMS",
        "q",
        ">",
    ];
    const C2: &[&str] = &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c2",
        "COUNT",
        "1",
        "BLOCK",
        "0",
        "STREAMS",
        "q",
        ">",
    ];
    const C3: &[&str] = &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c3",
        "COUNT",
        "1",
        "BLOCK",
        "0",
        "STREAMS",
        "q",
        ">",
    ];
    const R: &[&str] = &["XREAD", "BLOCK", "0", "STREAMS", "q", "$"];
    let h1 = spawn_blocking(&srv, C1);
    wait_blocked(&srv, 1).await;
    let h2 = spawn_blocking(&srv, C2);
    wait_blocked(&srv, 2).await;
    let h3 = spawn_blocking(&srv, C3);
    let hr = spawn_blocking(&srv, R);
    wait_blocked(&srv, 4).await;
    q(&mut c, &["XADD", "q", "1-1", "n", "1"]).await;
    // The first consumer to block gets the entry; the plain reader sees it too.
    let v1 = within("c1", h1).await.expect("task");
    assert_eq!(text(&v1), "q 1-1 n 1");
    let vr = within("reader", hr).await.expect("task");
    assert_eq!(text(&vr), "q 1-1 n 1");
    wait_blocked(&srv, 2).await;
    q(&mut c, &["XADD", "q", "2-1", "n", "2"]).await;
    assert_eq!(text(&within("c2", h2).await.expect("task")), "q 2-1 n 2");
    q(&mut c, &["XADD", "q", "3-1", "n", "3"]).await;
    assert_eq!(text(&within("c3", h3).await.expect("task")), "q 3-1 n 3");
    let pending = text(&q(&mut c, &["XPENDING", "q", "g"]).await);
    assert_eq!(pending, "3 1-1 3-1 c1 1 c2 1 c3 1");
}

#[tokio::test]
async fn block_times_out_and_multi_exec_wakes() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    let start = Instant::now();
    let v = q(&mut c, &["XREAD", "BLOCK", "150", "STREAMS", "q", "$"]).await;
    assert_eq!(v, Value::Nil);
    assert!(start.elapsed() >= Duration::from_millis(150));
    const R: &[&str] = &["XREAD", "BLOCK", "0", "STREAMS", "q", "0"];
    let h = spawn_blocking(&srv, R);
    wait_blocked(&srv, 1).await;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("XADD")
        .arg("q")
        .arg("5-1")
        .arg("a")
        .arg("1")
        .cmd("XADD")
        .arg("q")
        .arg("6-1")
        .arg("b")
        .arg("2");
    let _: Value = within("exec", pipe.query_async(&mut c))
        .await
        .expect("exec");
    // Served after EXEC: both entries are there.
    assert_eq!(
        text(&within("reader", h).await.expect("task")),
        "q 5-1 a 1 6-1 b 2"
    );
    assert_eq!(srv.info_int("blocked_clients").await, 0);
}

#[tokio::test]
async fn dead_consumer_entries_are_recovered_with_xautoclaim() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    q(
        &mut c,
        &["XGROUP", "CREATE", "jobs", "workers", "0", "MKSTREAM"],
    )
    .await;
    for i in 1..=5 {
        let id = format!("{i}-0");
        let v = format!("job{i}");
        q(&mut c, &["XADD", "jobs", &id, "task", &v]).await;
    }
    {
        // A worker takes three jobs and dies without acknowledging them.
        let mut dead = srv.conn().await;
        let got = q(
            &mut dead,
            &[
                "XREADGROUP",
                "GROUP",
                "workers",
                "w1",
                "COUNT",
                "3",
                "STREAMS",
                "jobs",
                ">",
            ],
        )
        .await;
        assert_eq!(text(&got), "jobs 1-0 task job1 2-0 task job2 3-0 task job3");
        q(&mut dead, &["XACK", "jobs", "workers", "1-0"]).await;
    }
    assert_eq!(
        text(&q(&mut c, &["XPENDING", "jobs", "workers"]).await),
        "2 2-0 3-0 w1 2"
    );
    // Entries pending for less than the idle threshold stay put.
    let none = q(
        &mut c,
        &["XAUTOCLAIM", "jobs", "workers", "w2", "60000", "0"],
    )
    .await;
    assert_eq!(text(&none), "0-0");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let claimed = q(
        &mut c,
        &[
            "XAUTOCLAIM",
            "jobs",
            "workers",
            "w2",
            "10",
            "0",
            "COUNT",
            "1",
        ],
    )
    .await;
    assert_eq!(text(&claimed), "3-0 2-0 task job2");
    let claimed = q(
        &mut c,
        &["XAUTOCLAIM", "jobs", "workers", "w2", "10", "3-0"],
    )
    .await;
    assert_eq!(text(&claimed), "0-0 3-0 task job3");
    let detail = text(
        &q(
            &mut c,
            &["XPENDING", "jobs", "workers", "-", "+", "10", "w2"],
        )
        .await,
    );
    let parts: Vec<&str> = detail.split(' ').collect();
    assert_eq!(
        (parts[0], parts[1], parts[3]),
        ("2-0", "w2", "2"),
        "{detail}"
    );
    // A deleted entry is dropped from the PEL and reported.
    q(&mut c, &["XDEL", "jobs", "3-0"]).await;
    let claimed = q(
        &mut c,
        &["XAUTOCLAIM", "jobs", "workers", "w3", "0", "0", "JUSTID"],
    )
    .await;
    assert_eq!(text(&claimed), "0-0 2-0 3-0");
    assert_eq!(
        q(&mut c, &["XACK", "jobs", "workers", "2-0", "3-0"]).await,
        Value::Int(1)
    );
    assert_eq!(
        text(&q(&mut c, &["XPENDING", "jobs", "workers"]).await),
        "0 nil nil nil"
    );
    // The remaining jobs go to the next reader.
    let got = q(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "workers",
            "w2",
            "STREAMS",
            "jobs",
            ">",
        ],
    )
    .await;
    assert_eq!(text(&got), "jobs 4-0 task job4 5-0 task job5");
    let consumers = text(&q(&mut c, &["XINFO", "CONSUMERS", "jobs", "workers"]).await);
    for name in ["w1", "w2", "w3", "pending", "idle", "inactive"] {
        assert!(consumers.contains(name), "{consumers}");
    }
}

#[tokio::test]
async fn blocked_group_readers_fail_when_group_or_stream_goes() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    q(&mut c, &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]).await;
    let client = srv.client();
    let reader = |client: redis::Client| async move {
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect");
        let r: redis::RedisResult<Value> = cmd(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "BLOCK",
            "0",
            "STREAMS",
            "q",
            ">",
        ])
        .query_async(&mut conn)
        .await;
        r.map_err(|e| common::err_text(&e))
    };
    let h = tokio::spawn(reader(client.clone()));
    wait_blocked(&srv, 1).await;
    q(&mut c, &["XGROUP", "DESTROY", "q", "g"]).await;
    let e = within("reader", h)
        .await
        .expect("task")
        .expect_err("NOGROUP");
    assert_eq!(
        e,
        "NOGROUP No such key 'q' or consumer group 'g' in XREADGROUP with GROUP option"
    );
    q(&mut c, &["XGROUP", "CREATE", "q", "g", "$"]).await;
    let h = tokio::spawn(reader(client.clone()));
    wait_blocked(&srv, 1).await;
    q(&mut c, &["SET", "q", "now a string"]).await;
    let e = within("reader", h)
        .await
        .expect("task")
        .expect_err("WRONGTYPE");
    assert!(e.starts_with("WRONGTYPE"), "{e}");
    // A plain XREAD keeps waiting through a delete, and a disconnect unregisters it.
    let mut raw = srv.raw().await;
    raw.send_cmd(&["XREAD", "BLOCK", "0", "STREAMS", "gone", "0"])
        .await;
    wait_blocked(&srv, 1).await;
    q(&mut c, &["DEL", "gone"]).await;
    assert_eq!(srv.info_int("blocked_clients").await, 1);
    drop(raw);
    wait_blocked(&srv, 0).await;
}

#[tokio::test]
async fn xinfo_reports_stream_groups_and_consumers() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    add_entries(&mut c, "s", 3).await;
    q(&mut c, &["XGROUP", "CREATE", "s", "g", "0"]).await;
    read_group(&mut c, "s", "g", "alice", 2).await;
    let info = text(&q(&mut c, &["XINFO", "STREAM", "s"]).await);
    assert!(info.starts_with("length 3 radix-tree-keys 1"), "{info}");
    assert!(info.contains("last-generated-id 3-0"), "{info}");
    assert!(
        info.contains("groups 1 first-entry 1-0 f v last-entry 3-0 f v"),
        "{info}"
    );
    let full = text(&q(&mut c, &["XINFO", "STREAM", "s", "FULL", "COUNT", "1"]).await);
    assert!(full.contains("entries 1-0 f v groups name g last-delivered-id 2-0 entries-read 2 lag 1 pel-count 2 pending 1-0 alice"), "{full}");
    assert!(full.contains("consumers name alice seen-time"), "{full}");
    let groups = text(&q(&mut c, &["XINFO", "GROUPS", "s"]).await);
    assert_eq!(
        groups,
        "name g consumers 1 pending 2 last-delivered-id 2-0 entries-read 2 lag 1"
    );
    let e = expect_err(&mut c, &cmd(&["XINFO", "CONSUMERS", "s", "nog"])).await;
    assert_eq!(e, "NOGROUP No such consumer group 'nog' for key name 's'");
    let e = expect_err(&mut c, &cmd(&["XINFO", "STREAM", "nokey"])).await;
    assert_eq!(e, "ERR no such key");
}

#[tokio::test]
async fn every_stream_command_raises_its_event() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    q(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "Et"]).await;
    let mut sub = srv.pubsub().await;
    within("psubscribe", sub.psubscribe("__keyevent@0__:*"))
        .await
        .expect("psubscribe");
    let steps: &[&[&str]] = &[
        &["XADD", "s", "1-0", "f", "v"],
        &["XADD", "s", "MAXLEN", "1", "2-0", "f", "v"],
        &["XDEL", "s", "2-0"],
        &["XADD", "s", "3-0", "f", "v"],
        &["XTRIM", "s", "MAXLEN", "0"],
        &["XGROUP", "CREATE", "s", "g", "$"],
        &["XGROUP", "CREATECONSUMER", "s", "g", "c"],
        &["XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">"],
        &["XGROUP", "SETID", "s", "g", "0"],
        &["XGROUP", "DELCONSUMER", "s", "g", "c"],
        &["XSETID", "s", "10-0"],
        &["XGROUP", "DESTROY", "s", "g"],
    ];
    for s in steps {
        q(&mut c, s).await;
    }
    let want = [
        "xadd",
        "xadd",
        "xtrim",
        "xdel",
        "xadd",
        "xtrim",
        "xgroup-create",
        "xgroup-createconsumer",
        "xgroup-createconsumer",
        "xgroup-setid",
        "xgroup-delconsumer",
        "xsetid",
        "xgroup-destroy",
    ];
    let mut stream = sub.on_message();
    for w in want {
        use futures_util::StreamExt;
        let msg = within("event", stream.next()).await.expect("message");
        let channel = msg.get_channel_name().to_string();
        assert_eq!(channel, format!("__keyevent@0__:{w}"));
        let key: String = msg.get_payload().expect("payload");
        assert_eq!(key, "s");
    }
}

/// The (id, consumer, idle ms, deliveries) rows of an extended XPENDING reply.
fn pending_rows(v: &Value) -> Vec<(String, String, i64, i64)> {
    let Value::Array(rows) = v else {
        panic!("not an array: {v:?}");
    };
    rows.iter()
        .map(|r| {
            let f = flat(r);
            (
                f[0].clone(),
                f[1].clone(),
                f[2].parse().expect("idle"),
                f[3].parse().expect("count"),
            )
        })
        .collect()
}

#[tokio::test]
async fn claim_options_idle_time_retrycount_force_lastid_and_noack() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    add_entries(&mut c, "s", 4).await;
    q(&mut c, &["XGROUP", "CREATE", "s", "g", "0"]).await;
    read_group(&mut c, "s", "g", "a", 2).await;
    // IDLE sets the delivery time in the past; RETRYCOUNT sets the counter.
    let v = q(
        &mut c,
        &[
            "XCLAIM",
            "s",
            "g",
            "b",
            "0",
            "1-0",
            "IDLE",
            "60000",
            "RETRYCOUNT",
            "9",
            "JUSTID",
        ],
    )
    .await;
    assert_eq!(text(&v), "1-0");
    let rows = pending_rows(&q(&mut c, &["XPENDING", "s", "g", "-", "+", "10"]).await);
    assert_eq!((rows[0].1.as_str(), rows[0].3), ("b", 9));
    assert!(rows[0].2 >= 60000, "{rows:?}");
    assert!(rows[1].2 < 60000, "{rows:?}");
    // XPENDING IDLE keeps only entries idle that long.
    let idle = pending_rows(
        &q(
            &mut c,
            &["XPENDING", "s", "g", "IDLE", "30000", "-", "+", "10"],
        )
        .await,
    );
    assert_eq!(idle.len(), 1);
    assert_eq!(idle[0].0, "1-0");
    // min-idle-time: 2-0 was delivered just now, so it is not claimed.
    let v = q(&mut c, &["XCLAIM", "s", "g", "b", "30000", "2-0"]).await;
    assert_eq!(v, Value::Array(vec![]));
    // TIME: an absolute delivery time; a future one counts as now.
    let past = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis()
        - 5000)
        .to_string();
    q(
        &mut c,
        &["XCLAIM", "s", "g", "b", "0", "2-0", "TIME", &past],
    )
    .await;
    let rows = pending_rows(&q(&mut c, &["XPENDING", "s", "g", "-", "+", "10", "b"]).await);
    assert_eq!(rows.len(), 2);
    assert!(rows[1].2 >= 5000 && rows[1].3 == 2, "{rows:?}");
    // FORCE creates a PEL entry for an entry never delivered; LASTID moves the group forward.
    let v = q(
        &mut c,
        &[
            "XCLAIM", "s", "g", "c", "0", "4-0", "FORCE", "LASTID", "3-0", "JUSTID",
        ],
    )
    .await;
    assert_eq!(text(&v), "4-0");
    let groups = text(&q(&mut c, &["XINFO", "GROUPS", "s"]).await);
    assert!(
        groups.contains("pending 3 last-delivered-id 3-0"),
        "{groups}"
    );
    // Without FORCE an entry that is not pending is not claimed.
    let v = q(&mut c, &["XCLAIM", "s", "g", "c", "0", "3-0"]).await;
    assert_eq!(v, Value::Array(vec![]));
    // NOACK: delivered, not pending.
    let got = q(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "d",
            "NOACK",
            "STREAMS",
            "s",
            ">",
        ],
    )
    .await;
    assert_eq!(text(&got), "s 4-0 f v");
    assert_eq!(
        text(&q(&mut c, &["XPENDING", "s", "g"]).await),
        "3 1-0 4-0 b 2 c 1"
    );
    let e = expect_err(
        &mut c,
        &cmd(&["XCLAIM", "s", "g", "c", "0", "1-0", "BOGUS"]),
    )
    .await;
    assert_eq!(e, "ERR Unrecognized XCLAIM option 'BOGUS'");
    let e = expect_err(&mut c, &cmd(&["XCLAIM", "s", "g", "c", "x", "1-0"])).await;
    assert_eq!(e, "ERR Invalid min-idle-time argument for XCLAIM");
}

#[tokio::test]
async fn group_positions_counters_and_setid() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    add_entries(&mut c, "s", 5).await;
    q(&mut c, &["XGROUP", "CREATE", "s", "late", "$"]).await;
    q(
        &mut c,
        &["XGROUP", "CREATE", "s", "early", "0", "ENTRIESREAD", "0"],
    )
    .await;
    let groups = text(&q(&mut c, &["XINFO", "GROUPS", "s"]).await);
    assert_eq!(
        groups,
        "name early consumers 0 pending 0 last-delivered-id 0-0 entries-read 0 lag 5 \
         name late consumers 0 pending 0 last-delivered-id 5-0 entries-read nil lag 0"
    );
    q(
        &mut c,
        &["XGROUP", "SETID", "s", "early", "3-0", "ENTRIESREAD", "3"],
    )
    .await;
    let got = q(
        &mut c,
        &["XREADGROUP", "GROUP", "early", "x", "STREAMS", "s", ">"],
    )
    .await;
    assert_eq!(text(&got), "s 4-0 f v 5-0 f v");
    let full = text(&q(&mut c, &["XINFO", "STREAM", "s", "FULL", "COUNT", "0"]).await);
    assert!(full.contains("entries-read 5 lag 0 pel-count 2"), "{full}");
    // XSETID: the stream's last ID and counters; never below the top entry.
    let e = expect_err(&mut c, &cmd(&["XSETID", "s", "4-0"])).await;
    assert_eq!(
        e,
        "ERR The ID specified in XSETID is smaller than the target stream top item"
    );
    q(
        &mut c,
        &[
            "XSETID",
            "s",
            "9-0",
            "ENTRIESADDED",
            "20",
            "MAXDELETEDID",
            "8-0",
        ],
    )
    .await;
    let info = text(&q(&mut c, &["XINFO", "STREAM", "s"]).await);
    assert!(
        info.contains("last-generated-id 9-0 max-deleted-entry-id 8-0 entries-added 20"),
        "{info}"
    );
    let id = text(&q(&mut c, &["XADD", "s", "9-*", "f", "v"]).await);
    assert_eq!(id, "9-1");
}

#[tokio::test]
async fn blocked_group_reader_fails_when_its_stream_expires() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    q(&mut c, &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]).await;
    q(&mut c, &["PEXPIRE", "q", "100"]).await;
    let mut raw = srv.raw().await;
    raw.send_cmd(&[
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "q",
        ">",
    ])
    .await;
    // Nobody touches the key: the active expiry cycle deletes it and fails the reader.
    let reply = raw.read_frame().await;
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "-NOGROUP No such key 'q' or consumer group 'g' in XREADGROUP with GROUP option\r\n"
    );
    assert_eq!(srv.info_int("blocked_clients").await, 0);
}

#[tokio::test]
async fn blocked_group_reader_fails_when_its_stream_is_evicted() {
    let srv = common::start().await;
    let mut c = srv.conn().await;
    q(&mut c, &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]).await;
    // The only key with a TTL, so volatile-ttl evicts it first.
    q(&mut c, &["EXPIRE", "q", "100000"]).await;
    q(
        &mut c,
        &["CONFIG", "SET", "maxmemory-policy", "volatile-ttl"],
    )
    .await;
    let mut raw = srv.raw().await;
    raw.send_cmd(&[
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "q",
        ">",
    ])
    .await;
    let waited = Instant::now();
    while srv.info_int("blocked_clients").await != 1 {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "reader never blocked"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Over the limit: the next command evicts the stream, which fails the blocked reader.
    q(&mut c, &["CONFIG", "SET", "maxmemory", "1"]).await;
    let _ = redis::cmd("SET")
        .arg("x")
        .arg("y")
        .query_async::<Value>(&mut c)
        .await;
    let reply = raw.read_frame().await;
    q(&mut c, &["CONFIG", "SET", "maxmemory", "0"]).await;
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "-NOGROUP No such key 'q' or consumer group 'g' in XREADGROUP with GROUP option\r\n"
    );
    assert_eq!(q(&mut c, &["EXISTS", "q"]).await, Value::Int(0));
    assert_eq!(srv.info_int("blocked_clients").await, 0);
}
