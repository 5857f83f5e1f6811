//! Pub/Sub over real sockets: exact RESP2 and RESP3 bytes of confirmations and messages,
//! subscribed-mode rules, PUBSUB introspection, glob patterns, ordering and cleanup.

mod common;

use common::kv::q;
use common::*;
use futures_util::StreamExt;
use std::time::Duration;

fn bulk(s: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", s.len()).into_bytes();
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
    out
}

fn frame(head: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("{}{}\r\n", head as char, parts.len()).into_bytes();
    for p in parts {
        out.extend_from_slice(&bulk(p));
    }
    out
}

/// A RESP2 `message` push.
fn message(channel: &str, payload: &str) -> Vec<u8> {
    frame(b'*', &[b"message", channel.as_bytes(), payload.as_bytes()])
}

/// A RESP2 `pmessage` push.
fn pmessage(pattern: &str, channel: &str, payload: &str) -> Vec<u8> {
    frame(
        b'*',
        &[
            b"pmessage",
            pattern.as_bytes(),
            channel.as_bytes(),
            payload.as_bytes(),
        ],
    )
}

/// A (un)subscribe confirmation in RESP2 (`*`) or RESP3 (`>`).
fn confirm(head: u8, kind: &str, channel: Option<&str>, count: i64) -> Vec<u8> {
    let mut out = format!("{}3\r\n", head as char).into_bytes();
    out.extend_from_slice(&bulk(kind.as_bytes()));
    match channel {
        Some(c) => out.extend_from_slice(&bulk(c.as_bytes())),
        None if head == b'>' => out.extend_from_slice(b"_\r\n"),
        None => out.extend_from_slice(b"$-1\r\n"),
    }
    out.extend_from_slice(format!(":{count}\r\n").as_bytes());
    out
}

fn c2(kind: &str, channel: &str, count: i64) -> Vec<u8> {
    confirm(b'*', kind, Some(channel), count)
}

async fn publish(c: &mut Raw, channel: &str, payload: &str) -> Vec<u8> {
    c.call(&["PUBLISH", channel, payload]).await
}

const SUBSCRIBED_ERR: &str =
    "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

// ---------------------------------------------------------------------------------------------
// Confirmations
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmations_carry_running_counts() {
    let srv = start().await;
    let mut s = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "a", "b"]).await;
    s.expect(&[c2("subscribe", "a", 1), c2("subscribe", "b", 2)].concat())
        .await;
    s.send_cmd(&["PSUBSCRIBE", "p*"]).await;
    s.expect(&c2("psubscribe", "p*", 3)).await;
    // Shard channels are counted on their own.
    s.send_cmd(&["SSUBSCRIBE", "s1", "s2"]).await;
    s.expect(&[c2("ssubscribe", "s1", 1), c2("ssubscribe", "s2", 2)].concat())
        .await;
    s.send_cmd(&["UNSUBSCRIBE", "a"]).await;
    s.expect(&c2("unsubscribe", "a", 2)).await;
    s.send_cmd(&["PUNSUBSCRIBE"]).await;
    s.expect(&c2("punsubscribe", "p*", 1)).await;
    s.send_cmd(&["SUNSUBSCRIBE", "s2"]).await;
    s.expect(&c2("sunsubscribe", "s2", 1)).await;
    s.send_cmd(&["SUNSUBSCRIBE"]).await;
    s.expect(&c2("sunsubscribe", "s1", 0)).await;
    s.send_cmd(&["UNSUBSCRIBE"]).await;
    s.expect(&c2("unsubscribe", "b", 0)).await;
    // Out of subscribed mode: ordinary commands work again.
    assert_bytes(&s.call(&["GET", "k"]).await, b"$-1\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribe_with_nothing_subscribed() {
    let srv = start().await;
    let mut s = srv.raw().await;
    assert_bytes(
        &s.call(&["UNSUBSCRIBE"]).await,
        b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
    );
    assert_bytes(
        &s.call(&["PUNSUBSCRIBE"]).await,
        b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n",
    );
    assert_bytes(
        &s.call(&["SUNSUBSCRIBE"]).await,
        b"*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n",
    );
    // Naming a channel that was never subscribed still confirms it.
    assert_bytes(
        &s.call(&["UNSUBSCRIBE", "x"]).await,
        &c2("unsubscribe", "x", 0),
    );
    // The client never entered subscribed mode.
    assert_bytes(&s.call(&["GET", "k"]).await, b"$-1\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_subscriptions_and_foreign_unsubscribes_keep_counts() {
    let srv = start().await;
    let mut s = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "a", "a"]).await;
    s.expect(&[c2("subscribe", "a", 1), c2("subscribe", "a", 1)].concat())
        .await;
    s.send_cmd(&["PSUBSCRIBE", "a"]).await;
    s.expect(&c2("psubscribe", "a", 2)).await;
    // UNSUBSCRIBE of a name only subscribed as a pattern leaves the pattern.
    s.send_cmd(&["UNSUBSCRIBE", "zzz"]).await;
    s.expect(&c2("unsubscribe", "zzz", 2)).await;
    let mut p = srv.raw().await;
    // One delivery per subscription, not per SUBSCRIBE call.
    assert_bytes(&publish(&mut p, "a", "x").await, b":2\r\n");
    s.expect(&[message("a", "x"), pmessage("a", "a", "x")].concat())
        .await;
    s.expect_silence(Duration::from_millis(50)).await;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_pmessage_smessage_bytes() {
    let srv = start().await;
    let mut s = srv.raw().await;
    let mut p = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "news"]).await;
    s.read_frame().await;
    assert_bytes(&publish(&mut p, "news", "hello").await, b":1\r\n");
    s.expect(b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n")
        .await;

    let mut ps = srv.raw().await;
    ps.send_cmd(&["PSUBSCRIBE", "n*"]).await;
    ps.read_frame().await;
    assert_bytes(&publish(&mut p, "news", "").await, b":2\r\n");
    s.expect(b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$0\r\n\r\n")
        .await;
    ps.expect(b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$0\r\n\r\n")
        .await;

    let mut ss = srv.raw().await;
    ss.send_cmd(&["SSUBSCRIBE", "news"]).await;
    ss.expect(&c2("ssubscribe", "news", 1)).await;
    assert_bytes(&p.call(&["SPUBLISH", "news", "sharded"]).await, b":1\r\n");
    ss.expect(b"*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$7\r\nsharded\r\n")
        .await;
    // Plain and shard channels are separate namespaces.
    s.expect_silence(Duration::from_millis(30)).await;
    ps.expect_silence(Duration::from_millis(1)).await;
    assert_bytes(&publish(&mut p, "news", "plain").await, b":2\r\n");
    ss.expect_silence(Duration::from_millis(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_channel_names_and_payloads() {
    let srv = start().await;
    let mut s = srv.raw().await;
    let mut p = srv.raw().await;
    let channel: &[u8] = b"ch\0\r\n*1";
    let payload: &[u8] = b"\0\xff\r\n$3\r\n";
    s.send_cmd(&[&b"SUBSCRIBE"[..], channel]).await;
    s.expect(
        &[
            &b"*3\r\n"[..],
            &bulk(b"subscribe"),
            &bulk(channel),
            b":1\r\n",
        ]
        .concat(),
    )
    .await;
    assert_bytes(
        &p.call(&[&b"PUBLISH"[..], channel, payload]).await,
        b":1\r\n",
    );
    s.expect(&frame(b'*', &[b"message", channel, payload]))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_and_matching_pattern_both_deliver() {
    let srv = start().await;
    let mut s = srv.raw().await;
    let mut p = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "news.tech"]).await;
    s.send_cmd(&["PSUBSCRIBE", "news.*"]).await;
    s.expect(
        &[
            c2("subscribe", "news.tech", 1),
            c2("psubscribe", "news.*", 2),
        ]
        .concat(),
    )
    .await;
    assert_bytes(&publish(&mut p, "news.tech", "rust").await, b":2\r\n");
    s.expect(
        &[
            message("news.tech", "rust"),
            pmessage("news.*", "news.tech", "rust"),
        ]
        .concat(),
    )
    .await;
    assert_bytes(&publish(&mut p, "news.art", "paint").await, b":1\r\n");
    s.expect(&pmessage("news.*", "news.art", "paint")).await;
    assert_bytes(&publish(&mut p, "weather", "rain").await, b":0\r\n");
    s.expect_silence(Duration::from_millis(50)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_counts_receivers() {
    let srv = start().await;
    let mut p = srv.raw().await;
    assert_bytes(&publish(&mut p, "c", "x").await, b":0\r\n");
    let mut subs = Vec::new();
    for _ in 0..3 {
        let mut s = srv.raw().await;
        s.call(&["SUBSCRIBE", "c"]).await;
        subs.push(s);
    }
    let mut pat = srv.raw().await;
    pat.call(&["PSUBSCRIBE", "*"]).await;
    let mut shard = srv.raw().await;
    shard.call(&["SSUBSCRIBE", "c"]).await;
    assert_bytes(&publish(&mut p, "c", "x").await, b":4\r\n");
    for s in &mut subs {
        s.expect(&message("c", "x")).await;
    }
    pat.expect(&pmessage("*", "c", "x")).await;
    // Shard subscribers only see SPUBLISH, which patterns do not match.
    assert_bytes(&p.call(&["SPUBLISH", "c", "y"]).await, b":1\r\n");
    shard.expect(&frame(b'*', &[b"smessage", b"c", b"y"])).await;
    assert_bytes(&p.call(&["SPUBLISH", "other", "y"]).await, b":0\r\n");
    pat.expect_silence(Duration::from_millis(30)).await;

    // After an unsubscribe the client is no longer counted nor sent anything.
    subs[0].send_cmd(&["UNSUBSCRIBE", "c"]).await;
    subs[0].expect(&c2("unsubscribe", "c", 0)).await;
    assert_bytes(&publish(&mut p, "c", "z").await, b":3\r\n");
    subs[0].expect_silence(Duration::from_millis(30)).await;
}

// ---------------------------------------------------------------------------------------------
// Subscribed mode
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp2_subscribed_mode_allows_only_pubsub_commands() {
    let srv = start().await;
    let mut s = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "a"]).await;
    s.read_frame().await;
    assert_bytes(
        &s.call(&["GET", "x"]).await,
        format!("-ERR Can't execute 'get': {SUBSCRIBED_ERR}\r\n").as_bytes(),
    );
    assert_bytes(
        &s.call(&["CLIENT", "ID"]).await,
        format!("-ERR Can't execute 'client|id': {SUBSCRIBED_ERR}\r\n").as_bytes(),
    );
    assert_bytes(
        &s.call(&["PUBLISH", "a", "x"]).await,
        format!("-ERR Can't execute 'publish': {SUBSCRIBED_ERR}\r\n").as_bytes(),
    );
    // Unknown commands and arity errors are reported as such first.
    assert_bytes(
        &s.call(&["NOSUCH"]).await,
        b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n",
    );
    // PING answers with a two-element array.
    assert_bytes(&s.call(&["PING"]).await, b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_bytes(
        &s.call(&["PING", "hi"]).await,
        b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n",
    );
    // Still subscribed after the errors.
    let mut p = srv.raw().await;
    assert_bytes(&publish(&mut p, "a", "still").await, b":1\r\n");
    s.expect(&message("a", "still")).await;
    // Shard subscriptions alone also put the client in subscribed mode.
    let mut ss = srv.raw().await;
    ss.call(&["SSUBSCRIBE", "s"]).await;
    assert_bytes(
        &ss.call(&["GET", "x"]).await,
        format!("-ERR Can't execute 'get': {SUBSCRIBED_ERR}\r\n").as_bytes(),
    );
    // QUIT works in subscribed mode.
    s.send_cmd(&["QUIT"]).await;
    s.expect(b"+OK\r\n").await;
    s.expect_eof().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp3_pushes_and_any_command_while_subscribed() {
    let srv = start().await;
    let mut s = srv.raw().await;
    let mut p = srv.raw().await;
    s.call(&["HELLO", "3"]).await;
    assert_bytes(
        &s.call(&["SUBSCRIBE", "a"]).await,
        b">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n",
    );
    // Any command may run while subscribed in RESP3.
    assert_bytes(&s.call(&["GET", "x"]).await, b"_\r\n");
    assert_bytes(&s.call(&["SET", "x", "1"]).await, b"+OK\r\n");
    assert_bytes(&s.call(&["PING"]).await, b"+PONG\r\n");
    assert_bytes(&s.call(&["ECHO", "e"]).await, b"$1\r\ne\r\n");
    assert_bytes(&publish(&mut p, "a", "hi").await, b":1\r\n");
    s.expect(b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n")
        .await;
    assert_bytes(
        &s.call(&["PSUBSCRIBE", "a*"]).await,
        b">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:2\r\n",
    );
    assert_bytes(&publish(&mut p, "a", "both").await, b":2\r\n");
    s.expect(
        b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nboth\r\n>4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$4\r\nboth\r\n",
    )
    .await;
    // A subscriber publishing to itself gets the reply first: Redis 7.2+ defers pushes to the
    // calling client until after the command's reply.
    s.send_cmd(&["PUBLISH", "a", "self"]).await;
    s.expect(
        b":2\r\n>3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nself\r\n>4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$4\r\nself\r\n",
    )
    .await;
    assert_bytes(
        &s.call(&["SSUBSCRIBE", "s"]).await,
        b">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n",
    );
    assert_bytes(&p.call(&["SPUBLISH", "s", "sh"]).await, b":1\r\n");
    s.expect(b">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$2\r\nsh\r\n")
        .await;
    assert_bytes(
        &s.call(&["UNSUBSCRIBE"]).await,
        b">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n",
    );
    assert_bytes(
        &s.call(&["PUNSUBSCRIBE"]).await,
        b">3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:0\r\n",
    );
    assert_bytes(
        &s.call(&["UNSUBSCRIBE"]).await,
        b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n",
    );
    assert_bytes(
        &s.call(&["SUNSUBSCRIBE"]).await,
        b">3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp3_typed_subscriber_receives_pushes() {
    let srv = start().await;
    let (mut sub, mut pushes) = srv.conn_resp3().await;
    sub.subscribe("events").await.unwrap();
    sub.psubscribe("ev*").await.unwrap();
    // Ordinary commands on the same connection while subscribed.
    let () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async(&mut sub)
        .await
        .unwrap();
    let v: String = redis::cmd("GET")
        .arg("k")
        .query_async(&mut sub)
        .await
        .unwrap();
    assert_eq!(v, "v");

    let mut publisher = srv.conn().await;
    let n: i64 = redis::cmd("PUBLISH")
        .arg("events")
        .arg("payload-1")
        .query_async(&mut publisher)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let mut got = Vec::new();
    while got.len() < 2 {
        let push = within("push", pushes.recv())
            .await
            .expect("push channel open");
        match push.kind {
            redis::PushKind::Message | redis::PushKind::PMessage => got.push(push),
            _ => {} // subscription confirmations
        }
    }
    assert_eq!(got[0].kind, redis::PushKind::Message);
    assert_eq!(
        got[0].data,
        vec![
            redis::Value::BulkString(b"events".to_vec()),
            redis::Value::BulkString(b"payload-1".to_vec()),
        ]
    );
    assert_eq!(got[1].kind, redis::PushKind::PMessage);
    assert_eq!(
        got[1].data,
        vec![
            redis::Value::BulkString(b"ev*".to_vec()),
            redis::Value::BulkString(b"events".to_vec()),
            redis::Value::BulkString(b"payload-1".to_vec()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp2_typed_pubsub_connection() {
    let srv = start().await;
    let mut sub = srv.pubsub().await;
    sub.subscribe("orders").await.unwrap();
    sub.psubscribe("ord?rs").await.unwrap();
    let mut publisher = srv.conn().await;
    let n: i64 = redis::cmd("PUBLISH")
        .arg("orders")
        .arg("42")
        .query_async(&mut publisher)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let mut stream = sub.on_message();
    let first = within("message", stream.next()).await.unwrap();
    assert_eq!(first.get_channel_name(), "orders");
    assert!(!first.from_pattern());
    assert_eq!(first.get_payload::<i64>().unwrap(), 42);
    let second = within("pmessage", stream.next()).await.unwrap();
    assert!(second.from_pattern());
    assert_eq!(second.get_pattern::<String>().unwrap(), "ord?rs");
    assert_eq!(second.get_channel_name(), "orders");
    assert_eq!(second.get_payload_bytes(), b"42");
}

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_arrive_in_publish_order() {
    const N: usize = 10_000;
    let srv = start().await;
    let mut sub = srv.pubsub().await;
    sub.subscribe("seq").await.unwrap();
    let mut raw_sub = srv.raw().await;
    raw_sub.call(&["SUBSCRIBE", "seq"]).await;

    let reader = tokio::spawn(async move {
        let mut stream = sub.into_on_message();
        let mut got = Vec::with_capacity(N);
        while got.len() < N {
            let msg = within("typed message", stream.next())
                .await
                .expect("stream open");
            got.push(msg.get_payload::<String>().unwrap());
        }
        got
    });

    let mut p = srv.raw().await;
    let mut batch = Vec::new();
    for i in 0..N {
        batch.extend_from_slice(&resp(&["PUBLISH", "seq", &i.to_string()]));
    }
    p.send(&batch).await;
    for r in p.read_frames(N).await {
        assert_bytes(&r, b":2\r\n");
    }
    let mut want = Vec::new();
    for i in 0..N {
        want.extend_from_slice(&message("seq", &i.to_string()));
    }
    raw_sub.expect(&want).await;
    let got = within("typed reader", reader).await.unwrap();
    let expected: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    assert!(
        got == expected,
        "typed subscriber saw messages out of order"
    );
}

// ---------------------------------------------------------------------------------------------
// PUBSUB introspection
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_channels_numsub_numpat() {
    let srv = start().await;
    let mut q = srv.conn().await;
    let chans: Vec<String> = redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .query_async(&mut q)
        .await
        .unwrap();
    assert!(chans.is_empty());

    let mut s1 = srv.raw().await;
    let mut s2 = srv.raw().await;
    s1.send_cmd(&["SUBSCRIBE", "news.a", "news.b", "sport"])
        .await;
    s1.read_frames(3).await;
    s2.send_cmd(&["SUBSCRIBE", "news.a"]).await;
    s2.read_frame().await;
    s1.send_cmd(&["PSUBSCRIBE", "news.*", "x*"]).await;
    s1.read_frames(2).await;
    s2.send_cmd(&["PSUBSCRIBE", "news.*"]).await;
    s2.read_frame().await;
    s2.send_cmd(&["SSUBSCRIBE", "shard.1", "shard.2"]).await;
    s2.read_frames(2).await;

    let mut chans: Vec<String> = redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .query_async(&mut q)
        .await
        .unwrap();
    chans.sort();
    assert_eq!(chans, ["news.a", "news.b", "sport"]);
    let mut chans: Vec<String> = redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .arg("news.*")
        .query_async(&mut q)
        .await
        .unwrap();
    chans.sort();
    assert_eq!(chans, ["news.a", "news.b"]);

    let numsub: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("news.a")
        .arg("sport")
        .arg("nobody")
        .arg("shard.1")
        .query_async(&mut q)
        .await
        .unwrap();
    assert_eq!(
        numsub,
        [
            ("news.a".to_string(), 2),
            ("sport".to_string(), 1),
            ("nobody".to_string(), 0),
            ("shard.1".to_string(), 0),
        ]
    );
    let empty: Vec<String> = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .query_async(&mut q)
        .await
        .unwrap();
    assert!(empty.is_empty());

    // NUMPAT counts distinct patterns.
    let numpat: i64 = redis::cmd("PUBSUB")
        .arg("NUMPAT")
        .query_async(&mut q)
        .await
        .unwrap();
    assert_eq!(numpat, 2);

    let mut shards: Vec<String> = redis::cmd("PUBSUB")
        .arg("SHARDCHANNELS")
        .query_async(&mut q)
        .await
        .unwrap();
    shards.sort();
    assert_eq!(shards, ["shard.1", "shard.2"]);
    let shards: Vec<String> = redis::cmd("PUBSUB")
        .arg("SHARDCHANNELS")
        .arg("*2")
        .query_async(&mut q)
        .await
        .unwrap();
    assert_eq!(shards, ["shard.2"]);
    let shardnumsub: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg("SHARDNUMSUB")
        .arg("shard.1")
        .arg("news.a")
        .query_async(&mut q)
        .await
        .unwrap();
    assert_eq!(
        shardnumsub,
        [("shard.1".to_string(), 1), ("news.a".to_string(), 0)]
    );

    // Raw bytes of the flat RESP2 reply.
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["PUBSUB", "NUMSUB", "sport", "none"]).await,
        b"*4\r\n$5\r\nsport\r\n:1\r\n$4\r\nnone\r\n:0\r\n",
    );
    assert_bytes(&r.call(&["PUBSUB", "NUMPAT"]).await, b":2\r\n");
    assert_bytes(
        &r.call(&["PUBSUB", "NUMPAT", "x"]).await,
        b"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n",
    );
    assert_bytes(
        &r.call(&["PUBSUB", "NOPE"]).await,
        b"-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_channels_with_too_many_arguments() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["PUBSUB", "CHANNELS", "a", "b"]).await,
        b"-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n",
    );
    assert_bytes(
        &r.call(&["PUBSUB", "shardchannels", "a", "b"]).await,
        b"-ERR unknown subcommand or wrong number of arguments for 'shardchannels'. Try PUBSUB HELP.\r\n",
    );
}

// ---------------------------------------------------------------------------------------------
// Glob patterns
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn glob_patterns_match_like_redis() {
    let srv = start().await;
    let patterns = ["h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo"];
    let mut s = srv.raw().await;
    s.send_cmd(&[&["PSUBSCRIBE"][..], &patterns[..]].concat())
        .await;
    s.read_frames(patterns.len()).await;
    let mut p = srv.raw().await;

    // channel -> patterns (in subscription order) that must match it
    let cases: &[(&str, &[&str])] = &[
        ("hello", &["h?llo", "h[ae]llo"]),
        ("hallo", &["h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo"]),
        ("hbllo", &["h?llo", "h[^e]llo", "h[a-b]llo"]),
        ("hxllo", &["h?llo", "h[^e]llo"]),
        ("h*llo", &["h?llo", "h[^e]llo", "h\\*llo"]),
        ("hllo", &[]),
        ("heello", &[]),
        ("hello!", &[]),
    ];
    for (channel, matching) in cases {
        let n = publish(&mut p, channel, "m").await;
        assert_bytes(&n, format!(":{}\r\n", matching.len()).as_bytes());
        let frames = s.read_frames(matching.len()).await;
        let mut got: Vec<Vec<u8>> = frames;
        let mut want: Vec<Vec<u8>> = matching
            .iter()
            .map(|pat| pmessage(pat, channel, "m"))
            .collect();
        // Delivery order across patterns is not specified; compare as sets.
        got.sort();
        want.sort();
        assert!(
            got == want,
            "channel {channel}: got {:?}",
            got.iter().map(|f| esc(f)).collect::<Vec<_>>()
        );
    }
    s.expect_silence(Duration::from_millis(30)).await;

    // PUBSUB CHANNELS filters with the same globs.
    let mut sub = srv.raw().await;
    sub.send_cmd(&["SUBSCRIBE", "hello", "hallo", "hxllo", "h*llo"])
        .await;
    sub.read_frames(4).await;
    let mut q = srv.conn().await;
    for (pattern, want) in [
        ("h[ae]llo", vec!["hallo", "hello"]),
        ("h[^e]llo", vec!["h*llo", "hallo", "hxllo"]),
        ("h\\*llo", vec!["h*llo"]),
        ("h?llo", vec!["h*llo", "hallo", "hello", "hxllo"]),
    ] {
        let mut got: Vec<String> = redis::cmd("PUBSUB")
            .arg("CHANNELS")
            .arg(pattern)
            .query_async(&mut q)
            .await
            .unwrap();
        got.sort();
        assert_eq!(got, want, "PUBSUB CHANNELS {pattern}");
    }
}

// ---------------------------------------------------------------------------------------------
// Cleanup
// ---------------------------------------------------------------------------------------------

async fn numsub(q: &mut redis::aio::MultiplexedConnection, sub: &str, ch: &str) -> i64 {
    let v: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg(sub)
        .arg(ch)
        .query_async(q)
        .await
        .unwrap();
    v[0].1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_removes_subscriptions() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let mut s = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "gone"]).await;
    s.send_cmd(&["PSUBSCRIBE", "gone*"]).await;
    s.send_cmd(&["SSUBSCRIBE", "gone-shard"]).await;
    s.read_frames(3).await;
    assert_eq!(numsub(&mut c, "NUMSUB", "gone").await, 1);
    assert_eq!(numsub(&mut c, "SHARDNUMSUB", "gone-shard").await, 1);
    drop(s);
    let poll = c.clone();
    eventually("NUMSUB drops to 0 after disconnect", || {
        let mut c = poll.clone();
        async move { numsub(&mut c, "NUMSUB", "gone").await == 0 }
    })
    .await;
    assert_eq!(numsub(&mut c, "SHARDNUMSUB", "gone-shard").await, 0);
    assert_eq!(q::<i64>(&mut c, &["PUBSUB", "NUMPAT"]).await, 0);
    let chans: Vec<String> = q(&mut c, &["PUBSUB", "CHANNELS"]).await;
    assert!(chans.is_empty(), "{chans:?}");
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "gone", "x"]).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_leaves_all_subscriptions() {
    let srv = start().await;
    let mut s = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "r"]).await;
    s.send_cmd(&["PSUBSCRIBE", "r*"]).await;
    s.send_cmd(&["SSUBSCRIBE", "rs"]).await;
    s.read_frames(3).await;
    assert_bytes(&s.call(&["RESET"]).await, b"+RESET\r\n");
    // Out of subscribed mode: plain PONG, ordinary commands allowed.
    assert_bytes(&s.call(&["PING"]).await, b"+PONG\r\n");
    assert_bytes(&s.call(&["GET", "x"]).await, b"$-1\r\n");
    let mut c = srv.conn().await;
    assert_eq!(numsub(&mut c, "NUMSUB", "r").await, 0);
    assert_eq!(numsub(&mut c, "SHARDNUMSUB", "rs").await, 0);
    assert_eq!(q::<i64>(&mut c, &["PUBSUB", "NUMPAT"]).await, 0);
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "r", "x"]).await, 0);
    s.expect_silence(Duration::from_millis(30)).await;
}
