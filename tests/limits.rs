//! Limits: client-output-buffer-limit for Pub/Sub clients, maxclients, idle timeout and
//! proto-max-bulk-len, over real sockets.

mod common;

use common::*;
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;

/// A raw client with a tiny receive buffer, so that a subscriber that never reads fills up its
/// kernel buffers quickly and the server has to queue.
async fn tiny_buffer_client(port: u16) -> Raw {
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let stream = within(
        "connect",
        sock.connect(format!("127.0.0.1:{port}").parse().unwrap()),
    )
    .await
    .unwrap();
    Raw::from_stream(stream)
}

/// With `pubsub 64kb 0 0`, publishes 1 KB messages to a subscriber that never reads and one that
/// reads everything, until the slow one is dropped. Checks what both received and returns the
/// admin connection for further checks.
async fn slow_subscriber_scenario(srv: &TestServer) -> Raw {
    const PAYLOAD: usize = 1024;
    const BATCH: usize = 16;
    const MAX_MESSAGES: usize = 60_000;
    let mut admin = srv.raw().await;
    assert_bytes(
        &admin
            .call(&[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 64kb 0 0",
            ])
            .await,
        b"+OK\r\n",
    );

    // A subscriber that never reads.
    let mut slow = tiny_buffer_client(srv.port).await;
    slow.send_cmd(&["SUBSCRIBE", "firehose"]).await;
    slow.read_frame().await;

    // A subscriber that reads everything, through redis-rs.
    let mut healthy = srv.pubsub().await;
    healthy.subscribe("firehose").await.unwrap();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<usize>();
    let reader = tokio::spawn(async move {
        let mut stream = healthy.into_on_message();
        let mut next = 0usize;
        let mut total = None;
        let mut done_rx = done_rx;
        loop {
            if total == Some(next) {
                return (next, stream);
            }
            tokio::select! {
                msg = stream.next() => {
                    let msg = msg.expect("healthy subscriber stays connected");
                    let payload = msg.get_payload_bytes();
                    let seq: usize = std::str::from_utf8(&payload[..8]).unwrap().parse().unwrap();
                    assert_eq!(seq, next, "healthy subscriber got messages out of order");
                    assert_eq!(payload.len(), PAYLOAD);
                    next += 1;
                }
                t = &mut done_rx, if total.is_none() => total = Some(t.unwrap()),
            }
        }
    });

    // Publish 1 KB messages in small pipelined batches until a PUBLISH reaches only one
    // subscriber, i.e. the slow one was dropped.
    let mut publisher = srv.raw().await;
    let filler = "x".repeat(PAYLOAD - 8);
    let mut sent = 0usize;
    let mut dropped_at = None;
    let started = Instant::now();
    while dropped_at.is_none() && sent < MAX_MESSAGES {
        let mut batch = Vec::new();
        for i in 0..BATCH {
            let payload = format!("{:08}{filler}", sent + i);
            batch.extend_from_slice(&resp(&["PUBLISH", "firehose", &payload]));
        }
        publisher.send(&batch).await;
        for (i, reply) in publisher.read_frames(BATCH).await.into_iter().enumerate() {
            if reply == b":1\r\n" && dropped_at.is_none() {
                dropped_at = Some(sent + i);
            } else if dropped_at.is_none() {
                assert_bytes(&reply, b":2\r\n");
            } else {
                assert_bytes(&reply, b":1\r\n");
            }
        }
        sent += BATCH;
    }
    let dropped_at = dropped_at.unwrap_or_else(|| {
        panic!(
            "slow subscriber still connected after {sent} messages ({:?})",
            started.elapsed()
        )
    });
    // A few more messages after the drop still reach the healthy subscriber.
    for i in 0..BATCH {
        let payload = format!("{:08}{filler}", sent + i);
        assert_bytes(
            &publisher.call(&["PUBLISH", "firehose", &payload]).await,
            b":1\r\n",
        );
    }
    sent += BATCH;

    // The slow subscriber's socket is closed: it sees what was already in flight (a prefix of
    // the stream, whole messages in order), then EOF; what was queued beyond the limit is lost.
    let rest = slow.read_to_eof().await;
    let mut pos = 0;
    let mut seen = 0usize;
    while let Some(n) = frame_len(&rest, pos) {
        let want = format!("{:08}{filler}", seen);
        let frame = &rest[pos..pos + n];
        assert!(
            frame.starts_with(b"*3\r\n$7\r\nmessage\r\n$8\r\nfirehose\r\n$1024\r\n")
                && frame[frame.len() - 2 - PAYLOAD..frame.len() - 2] == *want.as_bytes(),
            "slow subscriber frame {seen} is not message {seen}"
        );
        pos += n;
        seen += 1;
    }
    assert!(
        seen <= dropped_at && dropped_at > 0,
        "slow subscriber received {seen} messages; dropped at {dropped_at}"
    );

    // The healthy subscriber received every message, in order.
    done_tx.send(sent).unwrap();
    let (got, _still_subscribed) = within("healthy subscriber", reader).await.unwrap();
    assert_eq!(got, sent);

    let numsub = admin.call(&["PUBSUB", "NUMSUB", "firehose"]).await;
    assert_bytes(&numsub, b"*2\r\n$8\r\nfirehose\r\n:1\r\n");
    let list = bulk_text(&admin.call(&["CLIENT", "LIST", "TYPE", "pubsub"]).await);
    assert_eq!(
        list.lines().count(),
        1,
        "only the healthy subscriber is left: {list}"
    );
    admin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_output_limit_disconnects_only_the_slow_subscriber() {
    let srv = start().await;
    let mut admin = slow_subscriber_scenario(&srv).await;
    assert_bytes(&admin.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_limit_disconnection_is_counted_in_info() {
    let srv = start().await;
    let mut admin = slow_subscriber_scenario(&srv).await;
    let info = bulk_text(&admin.call(&["INFO", "stats"]).await);
    assert_eq!(
        info_field(&info, "client_output_buffer_limit_disconnections").as_deref(),
        Some("1"),
        "{info}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_limit_does_not_apply_to_readers_that_keep_up() {
    let srv = start().await;
    let mut admin = srv.raw().await;
    admin
        .call(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 64kb 0 0",
        ])
        .await;
    let mut sub = srv.raw().await;
    sub.call(&["SUBSCRIBE", "c"]).await;
    let mut p = srv.raw().await;
    let payload = "y".repeat(1024);
    let one = [
        &b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1024\r\n"[..],
        payload.as_bytes(),
        b"\r\n",
    ]
    .concat();
    // 1 MB in total, far more than the limit, but read as it arrives.
    for _ in 0..64 {
        let mut batch = Vec::new();
        for _ in 0..16 {
            batch.extend_from_slice(&resp(&["PUBLISH", "c", &payload]));
        }
        p.send(&batch).await;
        for r in p.read_frames(16).await {
            assert_bytes(&r, b":1\r\n");
        }
        sub.expect(&one.repeat(16)).await;
    }
    let info = bulk_text(&admin.call(&["INFO", "stats"]).await);
    assert_eq!(
        info_field(&info, "client_output_buffer_limit_disconnections").as_deref(),
        Some("0")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maxclients_rejects_extra_connections() {
    let srv = start().await;
    let mut admin = srv.raw().await;
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "maxclients", "2"]).await,
        b"+OK\r\n",
    );
    let mut second = srv.raw().await;
    assert_bytes(&second.call(&["PING"]).await, b"+PONG\r\n");

    let mut third = srv.raw().await;
    let got = third.read_to_eof().await;
    assert_bytes(&got, b"-ERR max number of clients reached\r\n");

    // redis-rs sees the refusal as an error.
    let typed = srv.try_conn_url(&srv.url()).await;
    if let Ok(mut c) = typed {
        let r: redis::RedisResult<String> =
            within("typed ping", redis::cmd("PING").query_async(&mut c)).await;
        assert!(r.is_err(), "a third client must not be served: {r:?}");
    }

    let info = bulk_text(&admin.call(&["INFO", "everything"]).await);
    assert_eq!(info_field(&info, "connected_clients").as_deref(), Some("2"));
    assert_eq!(info_field(&info, "maxclients").as_deref(), Some("2"));
    assert!(
        info_field(&info, "rejected_connections")
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|n| n >= 2),
        "{info}"
    );

    // Freeing a slot lets a new client in.
    drop(second);
    let port = srv.port;
    eventually("a slot frees up", || async move {
        let mut c = Raw::connect(port).await;
        c.send_cmd(&["PING"]).await;
        let got = c.read_to_eof_or(Duration::from_millis(200)).await;
        got.starts_with(b"+PONG\r\n")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_closes_idle_normal_clients_but_not_subscribers() {
    let srv = start().await;
    let mut admin = srv.raw().await;
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "timeout", "1"]).await,
        b"+OK\r\n",
    );
    let mut idle = srv.raw().await;
    idle.call(&["PING"]).await;
    let idle_since = Instant::now();
    let mut sub = srv.raw().await;
    sub.call(&["SUBSCRIBE", "keep"]).await;
    let mut psub = srv.raw().await;
    psub.call(&["PSUBSCRIBE", "keep*"]).await;

    // A client that keeps talking is not idle.
    let port = srv.port;
    let chatty = tokio::spawn(async move {
        let mut c = Raw::connect(port).await;
        for _ in 0..8 {
            assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });

    assert!(
        idle.closed_within(Duration::from_secs(4)).await,
        "idle client not closed"
    );
    let after = idle_since.elapsed();
    assert!(
        after >= Duration::from_millis(900),
        "closed too early: {after:?}"
    );

    within("chatty client", chatty).await.unwrap();
    // Subscribers are exempt, well past the timeout.
    let wait = Duration::from_millis(2300).saturating_sub(idle_since.elapsed());
    sub.expect_silence(wait).await;
    psub.expect_silence(Duration::from_millis(1)).await;
    assert_bytes(
        &sub.call(&["PING"]).await,
        b"*2\r\n$4\r\npong\r\n$0\r\n\r\n",
    );
    let mut p = srv.raw().await;
    assert_bytes(&p.call(&["PUBLISH", "keep", "alive"]).await, b":2\r\n");
    sub.expect(b"*3\r\n$7\r\nmessage\r\n$4\r\nkeep\r\n$5\r\nalive\r\n")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_applies_to_clients_connected_before_it_was_set() {
    let srv = start().await;
    let mut idle = srv.raw().await;
    idle.call(&["PING"]).await;
    let mut admin = srv.raw().await;
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "timeout", "1"]).await,
        b"+OK\r\n",
    );
    assert!(
        idle.closed_within(Duration::from_secs(4)).await,
        "a client idle since before CONFIG SET timeout was never closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proto_max_bulk_len_limits_bulk_arguments() {
    let srv = start().await;
    let mut c = srv.raw().await;
    // The default (512 MB) admits a 2 MB argument.
    let two_mb = vec![b'a'; 2 * 1024 * 1024];
    let reply = c.call(&[&b"ECHO"[..], &two_mb]).await;
    assert_eq!(reply.len(), two_mb.len() + 12);
    assert_bytes(
        &c.call(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"])
            .await,
        b"+OK\r\n",
    );
    let mut v = srv.conn().await;
    let cfg: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("proto-max-bulk-len")
        .query_async(&mut v)
        .await
        .unwrap();
    assert_eq!(cfg, ["proto-max-bulk-len", "1048576"]);

    // Exactly the limit is fine.
    let one_mb = vec![b'b'; 1024 * 1024];
    let echoed: Vec<u8> = redis::cmd("ECHO")
        .arg(&one_mb[..])
        .query_async(&mut v)
        .await
        .unwrap();
    assert_eq!(echoed, one_mb);

    // One byte more is a protocol error, reported as soon as the header is seen.
    let mut big = srv.raw().await;
    big.send(b"*2\r\n$4\r\nECHO\r\n$1048577\r\n").await;
    let got = big.read_to_eof().await;
    assert_bytes(&got, b"-ERR Protocol error: invalid bulk length\r\n");
    // Inline commands are not bulk arguments.
    let mut inline = srv.raw().await;
    inline.send(b"PING\r\n").await;
    inline.expect(b"+PONG\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_clients_get_small_protocol_limits() {
    let srv = start_with(|c| c.requirepass = Some(b"pw".to_vec())).await;
    let mut a = srv.raw().await;
    a.send(b"*11\r\n").await;
    let got = a.read_to_eof_or(Duration::from_secs(1)).await;
    assert_bytes(
        &got,
        b"-ERR Protocol error: unauthenticated multibulk length\r\n",
    );
    let mut b = srv.raw().await;
    b.send(b"*1\r\n$16385\r\n").await;
    let got = b.read_to_eof_or(Duration::from_secs(1)).await;
    assert_bytes(
        &got,
        b"-ERR Protocol error: unauthenticated bulk length\r\n",
    );
    // Within the limits the usual NOAUTH applies.
    let mut c = srv.raw().await;
    assert_bytes(
        &c.call(&["PING"]).await,
        b"-NOAUTH Authentication required.\r\n",
    );
}
