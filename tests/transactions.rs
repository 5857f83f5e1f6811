//! MULTI/EXEC/DISCARD/WATCH/UNWATCH over real sockets, with Redis's exact reply bytes.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_commands_run_in_order_at_exec() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(&r.call(&["MULTI"]).await, b"+OK\r\n");
    assert_bytes(&r.call(&["SET", "k", "v"]).await, b"+QUEUED\r\n");
    assert_bytes(&r.call(&["INCR", "k"]).await, b"+QUEUED\r\n");
    assert_bytes(&r.call(&["GET", "k"]).await, b"+QUEUED\r\n");
    // A runtime error inside EXEC does not abort the other commands.
    assert_bytes(
        &r.call(&["EXEC"]).await,
        b"*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nv\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_time_errors_abort_exec() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.call(&["MULTI"]).await;
    assert_bytes(
        &r.call(&["SET", "k"]).await,
        b"-ERR wrong number of arguments for 'set' command\r\n",
    );
    assert_bytes(&r.call(&["SET", "k", "1"]).await, b"+QUEUED\r\n");
    assert_bytes(
        &r.call(&["EXEC"]).await,
        b"-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    assert_bytes(&r.call(&["EXISTS", "k"]).await, b":0\r\n");
    assert_bytes(&r.call(&["EXEC"]).await, b"-ERR EXEC without MULTI\r\n");
    assert_bytes(
        &r.call(&["DISCARD"]).await,
        b"-ERR DISCARD without MULTI\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nesting_watch_inside_multi_and_no_multi_commands() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.call(&["MULTI"]).await;
    assert_bytes(
        &r.call(&["MULTI"]).await,
        b"-ERR MULTI calls can not be nested\r\n",
    );
    assert_bytes(
        &r.call(&["WATCH", "a"]).await,
        b"-ERR WATCH inside MULTI is not allowed\r\n",
    );
    assert_bytes(&r.call(&["PING"]).await, b"+QUEUED\r\n");
    // Neither error above flags the transaction.
    assert_bytes(&r.call(&["EXEC"]).await, b"*1\r\n+PONG\r\n");
    r.call(&["MULTI"]).await;
    assert_bytes(
        &r.call(&["SHUTDOWN"]).await,
        b"-ERR Command not allowed inside a transaction\r\n",
    );
    assert_bytes(
        &r.call(&["EXEC"]).await,
        b"-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discard_drops_the_queue() {
    let srv = start().await;
    let mut r = srv.raw().await;
    r.call(&["MULTI"]).await;
    r.call(&["SET", "k", "1"]).await;
    assert_bytes(&r.call(&["DISCARD"]).await, b"+OK\r\n");
    assert_bytes(&r.call(&["EXISTS", "k"]).await, b":0\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_aborts_exec_when_another_client_writes() {
    let srv = start().await;
    let mut a = srv.raw().await;
    let mut b = srv.raw().await;
    assert_bytes(&a.call(&["WATCH", "k"]).await, b"+OK\r\n");
    assert_bytes(&b.call(&["SET", "k", "other"]).await, b"+OK\r\n");
    a.call(&["MULTI"]).await;
    a.call(&["SET", "k", "mine"]).await;
    assert_bytes(&a.call(&["EXEC"]).await, b"*-1\r\n");
    assert_bytes(&a.call(&["GET", "k"]).await, b"$5\r\nother\r\n");
    // EXEC unwatched everything: the next transaction goes through.
    a.call(&["MULTI"]).await;
    a.call(&["SET", "k", "mine"]).await;
    assert_bytes(&a.call(&["EXEC"]).await, b"*1\r\n+OK\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_survives_unrelated_writes_and_unwatch_forgets() {
    let srv = start().await;
    let mut a = srv.raw().await;
    let mut b = srv.raw().await;
    a.call(&["WATCH", "k"]).await;
    b.call(&["SET", "unrelated", "1"]).await;
    a.call(&["MULTI"]).await;
    a.call(&["SET", "k", "1"]).await;
    assert_bytes(&a.call(&["EXEC"]).await, b"*1\r\n+OK\r\n");
    a.call(&["WATCH", "k"]).await;
    assert_bytes(&a.call(&["UNWATCH"]).await, b"+OK\r\n");
    b.call(&["SET", "k", "2"]).await;
    a.call(&["MULTI"]).await;
    a.call(&["GET", "k"]).await;
    assert_bytes(&a.call(&["EXEC"]).await, b"*1\r\n$1\r\n2\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_is_broken_by_flushall_and_in_resp3_exec_abort_is_null() {
    let srv = start().await;
    let mut a = srv.raw().await;
    let mut b = srv.raw().await;
    a.call(&["HELLO", "3"]).await;
    a.call(&["SET", "k", "1"]).await;
    a.call(&["WATCH", "k"]).await;
    b.call(&["FLUSHALL"]).await;
    a.call(&["MULTI"]).await;
    a.call(&["GET", "k"]).await;
    assert_bytes(&a.call(&["EXEC"]).await, b"_\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_is_atomic_with_respect_to_other_clients() {
    let srv = start().await;
    let mut a = srv.raw().await;
    // Many increments from a second client race with one long transaction; the transaction
    // must see no interleaved write between its two reads.
    let port = srv.port;
    let racer = tokio::spawn(async move {
        let mut b = Raw::connect(port).await;
        for _ in 0..2000 {
            b.call(&["INCR", "n"]).await;
        }
    });
    for _ in 0..50 {
        a.call(&["MULTI"]).await;
        a.call(&["GET", "n"]).await;
        for _ in 0..20 {
            a.call(&["PING"]).await;
        }
        a.call(&["GET", "n"]).await;
        let reply = a.call(&["EXEC"]).await;
        let frames = split_exec(&reply);
        assert_eq!(
            frames.first(),
            frames.last(),
            "EXEC saw another client's write"
        );
    }
    racer.await.expect("racer");
}

/// The first and last elements of an EXEC array reply, as raw frames.
fn split_exec(reply: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let header_end = reply.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
    let mut pos = header_end;
    while pos < reply.len() {
        let len = frame_len(reply, pos).expect("complete frame");
        out.push(reply[pos..pos + len].to_vec());
        pos += len;
    }
    vec![out[0].clone(), out[out.len() - 1].clone()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp3_publish_to_self_inside_multi_arrives_after_exec() {
    // Redis 7.2+ (#12326): a push to the client running EXEC follows the whole EXEC reply.
    let srv = start().await;
    let mut a = srv.raw().await;
    a.call(&["HELLO", "3"]).await;
    assert_bytes(
        &a.call(&["SUBSCRIBE", "ch"]).await,
        b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    a.call(&["MULTI"]).await;
    a.call(&["PING"]).await;
    a.call(&["PUBLISH", "ch", "hi"]).await;
    a.call(&["PING"]).await;
    a.send_cmd(&["EXEC"]).await;
    a.expect(b"*3\r\n+PONG\r\n:1\r\n+PONG\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_rs_atomic_pipeline() {
    let srv = start().await;
    let mut con = srv.conn().await;
    let (a, b): (i64, i64) = redis::pipe()
        .atomic()
        .cmd("INCR")
        .arg("c")
        .cmd("INCRBY")
        .arg("c")
        .arg(10)
        .query_async(&mut con)
        .await
        .expect("atomic pipeline");
    assert_eq!((a, b), (1, 11));
}
