"""redis-py Pub/Sub API coverage against a real Herald process.

Expected values are what Redis 7 produces. Tests marked ``resp2``/``resp3`` run the same code over
both protocols (redis-py 8 speaks RESP3 by default, older clients RESP2). The ``test_compare_*``
tests run one scenario against Herald and against a real redis-server and require identical
results. Where Herald differs from Redis, the test keeps asserting Redis's behaviour and is
marked ``xfail(strict=True)`` with the difference in its reason.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import redis
import redis.asyncio as aioredis

from helpers import SOCKET_TIMEOUT, collect_listen, make_client, next_message, wait_numsub, wait_until

PROTOCOLS = [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")]



@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    return request.param


@pytest.fixture
def rp(r, herald_server, protocol, client_factory):
    """A client on Herald speaking the parametrized protocol (database flushed)."""
    return client_factory(protocol=protocol)


def msg(type_, channel, data, pattern=None):
    return {"type": type_, "pattern": pattern, "channel": channel, "data": data}


def drain(p, n, **kw):
    return [next_message(p, **kw) for _ in range(n)]


def read_reply(p, timeout=SOCKET_TIMEOUT):
    """Reads one reply on a PubSub connection even when redis-py thinks it is not subscribed
    (its get_message() then returns None without reading), as a get_message-style dict."""
    response = p.parse_response(block=False, timeout=timeout)
    return None if response is None else p.handle_message(response)


# ------------------------------------------------------------------ get_message / confirmations


def test_subscribe_confirmations_count_like_redis(rp):
    p = rp.pubsub()
    p.subscribe("a", "b")
    p.psubscribe("p*")
    p.subscribe("a")  # already subscribed: confirmed again, count unchanged
    assert drain(p, 4) == [
        msg("subscribe", b"a", 1),
        msg("subscribe", b"b", 2),
        msg("psubscribe", b"p*", 3),
        msg("subscribe", b"a", 3),
    ]
    p.unsubscribe("a")
    p.unsubscribe("never")  # not subscribed: confirmed with the current count
    p.punsubscribe("p*")
    p.unsubscribe("b")
    assert drain(p, 4) == [
        msg("unsubscribe", b"a", 2),
        msg("unsubscribe", b"never", 2),
        msg("punsubscribe", b"p*", 1),
        msg("unsubscribe", b"b", 0),
    ]
    assert p.get_message(timeout=0.1) is None
    assert not p.subscribed
    p.close()


def test_unsubscribe_without_subscriptions(rp):
    p = rp.pubsub()
    p.subscribe("x")
    p.unsubscribe("x")
    assert drain(p, 2) == [msg("subscribe", b"x", 1), msg("unsubscribe", b"x", 0)]
    # UNSUBSCRIBE / PUNSUBSCRIBE with nothing subscribed: one reply with a nil channel.
    # (redis-py's get_message() does not read while nothing is subscribed, hence read_reply.)
    p.unsubscribe()
    assert read_reply(p) == msg("unsubscribe", None, 0)
    p.punsubscribe()
    assert read_reply(p) == msg("punsubscribe", None, 0)
    assert read_reply(p, timeout=0.1) is None
    p.close()


def test_get_message_returns_published_message(rp):
    p = rp.pubsub()
    p.subscribe("news")
    assert next_message(p) == msg("subscribe", b"news", 1)
    assert p.get_message(timeout=0.05) is None
    assert rp.publish("news", "hello") == 1
    assert rp.publish("other", "nobody") == 0
    assert next_message(p) == msg("message", b"news", b"hello")
    assert p.get_message(timeout=0.1) is None
    p.close()


def test_listen_yields_confirmations_then_messages(rp):
    p = rp.pubsub()
    p.subscribe("l1", "l2")
    wait_numsub(rp, "l2", 1)
    assert rp.publish("l2", "two") == 1
    assert rp.publish("l1", "one") == 1
    got = collect_listen(p, 4)
    assert got == [
        msg("subscribe", b"l1", 1),
        msg("subscribe", b"l2", 2),
        msg("message", b"l2", b"two"),
        msg("message", b"l1", b"one"),
    ]
    p.close()


def test_ignore_subscribe_messages(rp):
    p = rp.pubsub(ignore_subscribe_messages=True)
    p.subscribe("quiet")
    p.psubscribe("qu*")
    # The confirmations are read and dropped: get_message returns None for them.
    wait_numsub(rp, "quiet", 1)
    wait_until(lambda: rp.pubsub_numpat() == 1)
    assert rp.publish("quiet", "m") == 2
    assert drain(p, 2) == [
        msg("message", b"quiet", b"m"),
        msg("pmessage", b"quiet", b"m", pattern=b"qu*"),
    ]
    p.unsubscribe("quiet")
    p.punsubscribe()
    assert p.get_message(timeout=0.2) is None
    # The per-call flag does the same on a PubSub that keeps them by default.
    p2 = rp.pubsub()
    p2.subscribe("loud")
    wait_numsub(rp, "loud", 1)
    rp.publish("loud", "x")
    first = None
    deadline = time.monotonic() + SOCKET_TIMEOUT
    while first is None and time.monotonic() < deadline:
        first = p2.get_message(ignore_subscribe_messages=True, timeout=0.2)
    assert first == msg("message", b"loud", b"x")
    p.close()
    p2.close()


def test_message_handlers_via_keyword_subscribe(rp):
    received = []
    p = rp.pubsub()
    p.subscribe(**{"handled": received.append})
    p.psubscribe(**{"hand*": received.append})
    drain(p, 2)
    assert rp.publish("handled", "payload") == 2
    deadline = time.monotonic() + SOCKET_TIMEOUT
    while len(received) < 2 and time.monotonic() < deadline:
        assert p.get_message(timeout=0.2) is None  # handled messages are not returned
    assert received == [
        msg("message", b"handled", b"payload"),
        msg("pmessage", b"handled", b"payload", pattern=b"hand*"),
    ]
    p.close()


# ------------------------------------------------------------------ patterns


def test_psubscribe_pattern_matching(rp):
    p = rp.pubsub()
    p.psubscribe("news.*", "h?llo", "h[ae]llo", "log:[^d]*")
    assert drain(p, 4) == [
        msg("psubscribe", b"news.*", 1),
        msg("psubscribe", b"h?llo", 2),
        msg("psubscribe", b"h[ae]llo", 3),
        msg("psubscribe", b"log:[^d]*", 4),
    ]
    assert rp.publish("news.sport", "goal") == 1
    assert rp.publish("news", "no dot") == 0
    assert rp.publish("hello", "both") == 2  # h?llo and h[ae]llo
    assert rp.publish("hxllo", "one") == 1  # h?llo only
    assert rp.publish("hllo", "none") == 0
    assert rp.publish("log:info", "i") == 1
    assert rp.publish("log:debug", "d") == 0
    got = drain(p, 5)
    assert got[0] == msg("pmessage", b"news.sport", b"goal", pattern=b"news.*")
    # One publish matching two patterns: one pmessage per pattern, in no defined order.
    assert sorted(got[1:3], key=lambda m: m["pattern"]) == [
        msg("pmessage", b"hello", b"both", pattern=b"h?llo"),
        msg("pmessage", b"hello", b"both", pattern=b"h[ae]llo"),
    ]
    assert got[3:] == [
        msg("pmessage", b"hxllo", b"one", pattern=b"h?llo"),
        msg("pmessage", b"log:info", b"i", pattern=b"log:[^d]*"),
    ]
    assert p.get_message(timeout=0.1) is None
    p.close()


def test_channel_and_pattern_subscriber_gets_both(rp):
    p = rp.pubsub()
    p.subscribe("orders")
    p.psubscribe("ord*", "*")
    drain(p, 3)
    assert rp.publish("orders", "o1") == 3
    got = drain(p, 3)
    assert got[0] == msg("message", b"orders", b"o1")
    assert sorted((m["type"], m["pattern"]) for m in got[1:]) == [
        ("pmessage", b"*"),
        ("pmessage", b"ord*"),
    ]
    assert all(m["channel"] == b"orders" and m["data"] == b"o1" for m in got)
    p.close()


def test_punsubscribe_stops_pattern_delivery(rp):
    p = rp.pubsub()
    p.psubscribe("a*", "b*")
    drain(p, 2)
    p.punsubscribe("a*")
    assert next_message(p) == msg("punsubscribe", b"a*", 1)
    assert rp.publish("apple", "x") == 0
    assert rp.publish("banana", "y") == 1
    assert next_message(p) == msg("pmessage", b"banana", b"y", pattern=b"b*")
    p.punsubscribe()
    assert next_message(p) == msg("punsubscribe", b"b*", 0)
    assert rp.publish("banana", "z") == 0
    assert p.get_message(timeout=0.1) is None
    p.close()


# ------------------------------------------------------------------ PUBSUB introspection


def test_pubsub_channels_and_numpat(rp, client_factory, protocol):
    subs = []
    for chans in (["a", "b"], ["a"], ["news.1"]):
        p = client_factory(protocol=protocol).pubsub()
        p.subscribe(*chans)
        drain(p, len(chans))
        subs.append(p)
    pat1 = client_factory(protocol=protocol).pubsub()
    pat1.psubscribe("p*", "q*")
    pat2 = client_factory(protocol=protocol).pubsub()
    pat2.psubscribe("p*")
    drain(pat1, 2)
    drain(pat2, 1)

    assert sorted(rp.pubsub_channels()) == [b"a", b"b", b"news.1"]
    assert sorted(rp.pubsub_channels("news.*")) == [b"news.1"]
    assert rp.pubsub_channels("zzz*") == []
    # NUMPAT counts distinct patterns, not pattern subscriptions.
    assert rp.pubsub_numpat() == 2
    # Patterns are not channels.
    assert sorted(rp.pubsub_channels()) == [b"a", b"b", b"news.1"]

    subs[0].unsubscribe("a")
    next_message(subs[0])
    pat1.punsubscribe("q*")
    next_message(pat1)
    assert rp.pubsub_numpat() == 1
    subs[1].unsubscribe()
    next_message(subs[1])
    assert sorted(rp.pubsub_channels()) == [b"b", b"news.1"]
    for p in subs + [pat1, pat2]:
        p.close()


@pytest.mark.parametrize(
    "numsub_protocol",
    [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")],
)
def test_pubsub_numsub(r, client_factory, numsub_protocol):
    c = client_factory(protocol=numsub_protocol)
    a1 = c.pubsub()
    a1.subscribe("a", "b")
    a2 = client_factory().pubsub()
    a2.subscribe("a")
    pat = client_factory().pubsub()
    pat.psubscribe("a*")
    drain(a1, 2)
    drain(a2, 1)
    drain(pat, 1)
    # Pattern subscribers are not counted; unknown channels count 0; order follows the request.
    assert c.pubsub_numsub("a", "b", "zz") == [(b"a", 2), (b"b", 1), (b"zz", 0)]
    assert c.pubsub_numsub() == []
    for p in (a1, a2, pat):
        p.close()


@pytest.mark.parametrize(
    "numsub_protocol",
    [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")],
)
def test_pubsub_numsub_raw_reply(r, client_factory, numsub_protocol):
    c = client_factory(protocol=numsub_protocol)
    p = client_factory().pubsub()
    p.subscribe("a")
    drain(p, 1)
    assert c.execute_command("PUBSUB", "NUMSUB", "a", "zz") == [b"a", 1, b"zz", 0]
    assert c.execute_command("PUBSUB", "SHARDNUMSUB", "a") == [b"a", 0]
    p.close()


def test_disconnect_removes_subscriptions(rp, client_factory, protocol):
    c = client_factory(protocol=protocol)
    p = c.pubsub()
    p.subscribe("gone")
    p.psubscribe("gone*")
    drain(p, 2)
    assert rp.publish("gone", "x") == 2
    p.close()  # closes the connection
    wait_until(lambda: rp.publish("gone", "y") == 0)
    assert rp.pubsub_channels() == []
    assert rp.pubsub_numpat() == 0


# ------------------------------------------------------------------ sharded pub/sub


def test_ssubscribe_spublish(rp, client_factory, protocol):
    p = rp.pubsub()
    p.ssubscribe("s1", "s2")
    assert drain(p, 2, sharded=True) == [msg("ssubscribe", b"s1", 1), msg("ssubscribe", b"s2", 2)]
    watcher = client_factory(protocol=protocol).pubsub()
    watcher.psubscribe("s*")
    watcher.subscribe("s1")
    drain(watcher, 2)

    assert rp.spublish("s1", "x") == 1  # plain channel and pattern subscribers don't count
    assert next_message(p, sharded=True) == msg("smessage", b"s1", b"x")
    assert rp.publish("s1", "plain") == 2  # and shard subscribers don't get PUBLISH
    assert p.get_sharded_message(timeout=0.1) is None
    assert drain(watcher, 2) == [
        msg("message", b"s1", b"plain"),
        msg("pmessage", b"s1", b"plain", pattern=b"s*"),
    ]
    assert watcher.get_message(timeout=0.1) is None

    assert sorted(rp.pubsub_shardchannels()) == [b"s1", b"s2"]
    assert rp.pubsub_shardchannels("*2") == [b"s2"]
    assert rp.pubsub_channels() == [b"s1"]

    p.sunsubscribe("s1")
    assert next_message(p, sharded=True) == msg("sunsubscribe", b"s1", 1)
    assert rp.spublish("s1", "after") == 0
    assert rp.spublish("s2", "still") == 1
    assert next_message(p, sharded=True) == msg("smessage", b"s2", b"still")
    p.sunsubscribe()
    assert next_message(p, sharded=True) == msg("sunsubscribe", b"s2", 0)
    assert rp.pubsub_shardchannels() == []
    p.close()
    watcher.close()


def test_shard_counts_are_separate_from_channel_counts(rp):
    p = rp.pubsub()
    p.subscribe("c1")
    p.psubscribe("p1")
    p.ssubscribe("s1")
    p.ssubscribe("s2")
    p.subscribe("c2")
    got = [next_message(p, sharded=True) for _ in range(5)]
    assert got == [
        msg("subscribe", b"c1", 1),
        msg("psubscribe", b"p1", 2),
        msg("ssubscribe", b"s1", 1),
        msg("ssubscribe", b"s2", 2),
        msg("subscribe", b"c2", 3),
    ]
    p.close()


def test_pubsub_shardnumsub_resp2(client_factory, r):
    c = client_factory(protocol=2)
    p = client_factory().pubsub()
    p.ssubscribe("s1")
    next_message(p, sharded=True)
    assert c.pubsub_shardnumsub("s1", "none") == [(b"s1", 1), (b"none", 0)]
    p.close()


# ------------------------------------------------------------------ subscribed mode, health checks


def test_ping_while_subscribed(rp):
    p = rp.pubsub()
    p.subscribe("c")
    next_message(p)
    p.ping()
    assert next_message(p) == msg("pong", None, b"")
    p.ping("hello")
    assert next_message(p) == msg("pong", None, b"hello")
    # Messages still flow after the pings.
    assert rp.publish("c", "after-ping") == 1
    assert next_message(p) == msg("message", b"c", b"after-ping")
    p.close()


def test_health_check_ping_in_subscribed_mode(herald_server, r, protocol):
    c = make_client(herald_server, protocol=protocol, health_check_interval=1)
    p = c.pubsub()
    p.subscribe("hc")
    assert next_message(p) == msg("subscribe", b"hc", 1)
    sent = []
    send_command = p.connection.send_command

    def spy(*args, **kwargs):
        sent.append(args)
        return send_command(*args, **kwargs)

    p.connection.send_command = spy
    time.sleep(1.1)  # past the interval: the next read sends PING redis-py-health-check first
    assert r.publish("hc", "after-health-check") == 1
    # The health-check reply is recognised and swallowed; only the message comes back.
    assert next_message(p) == msg("message", b"hc", b"after-health-check")
    assert p.get_message(timeout=0.1) is None
    assert ("PING", "redis-py-health-check") in sent
    assert p.health_check_response_counter == 0
    p.close()
    c.close()


def test_resp2_only_pubsub_commands_allowed_while_subscribed(herald_server, r):
    conn = redis.Connection(host="127.0.0.1", port=herald_server, protocol=2, socket_timeout=SOCKET_TIMEOUT)
    conn.connect()
    try:
        conn.send_command("SUBSCRIBE", "a")
        assert conn.read_response() == [b"subscribe", b"a", 1]
        conn.send_command("GET", "x")
        with pytest.raises(redis.ResponseError) as e:
            conn.read_response()
        assert str(e.value) == (
            "Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
            "are allowed in this context"
        )
        conn.send_command("RESET")
        assert conn.read_response() == b"RESET"
        conn.send_command("GET", "x")
        assert conn.read_response() is None
    finally:
        conn.disconnect()


def test_resp3_any_command_allowed_while_subscribed(herald_server, r):
    r.set("k", "v")
    conn = redis.Connection(host="127.0.0.1", port=herald_server, protocol=3, socket_timeout=SOCKET_TIMEOUT)
    conn.connect()
    try:
        conn.send_command("SUBSCRIBE", "a")
        assert conn.read_response(push_request=True) == [b"subscribe", b"a", 1]
        conn.send_command("GET", "k")
        assert conn.read_response() == b"v"
        conn.send_command("PING")
        assert conn.read_response() == b"PONG"
        r.publish("a", "pushed")
        assert conn.read_response(push_request=True) == [b"message", b"a", b"pushed"]
    finally:
        conn.disconnect()


# ------------------------------------------------------------------ RESP3 push handler


def test_protocol3_push_handler_receives_pushes(herald_server, r):
    r3 = make_client(herald_server, protocol=3)
    assert r3.connection_pool.connection_kwargs["protocol"] == 3
    pushes = []
    p = r3.pubsub(push_handler_func=pushes.append)
    p.subscribe("events")
    p.psubscribe("ev*")
    # With a push handler, every push goes to it and get_message returns None.
    deadline = time.monotonic() + SOCKET_TIMEOUT
    while len(pushes) < 2 and time.monotonic() < deadline:
        assert p.get_message(timeout=0.1) is None
    assert pushes == [[b"subscribe", b"events", 1], [b"psubscribe", b"ev*", 2]]
    assert r3.publish("events", "e1") == 2
    deadline = time.monotonic() + SOCKET_TIMEOUT
    while len(pushes) < 4 and time.monotonic() < deadline:
        assert p.get_message(timeout=0.1) is None
    assert pushes[2:] == [[b"message", b"events", b"e1"], [b"pmessage", b"ev*", b"events", b"e1"]]
    p.close()
    r3.close()


def test_protocol3_hello_reports_resp3(herald_server, r):
    r3 = make_client(herald_server, protocol=3)
    hello = r3.execute_command("HELLO")
    assert hello[b"proto"] == 3
    assert hello[b"server"] == b"redis"
    assert hello[b"mode"] == b"standalone"
    assert hello[b"role"] == b"master"
    r3.close()


# ------------------------------------------------------------------ volume, order, payloads


def test_many_messages_arrive_in_order(rp, client_factory):
    n = 2000
    p = rp.pubsub(ignore_subscribe_messages=True)
    p.subscribe("seq")
    wait_numsub(rp, "seq", 1)
    pub = client_factory()
    pipe = pub.pipeline(transaction=False)
    for i in range(n):
        pipe.publish("seq", str(i))
    assert pipe.execute() == [1] * n
    got = []
    deadline = time.monotonic() + 20
    while len(got) < n and time.monotonic() < deadline:
        m = p.get_message(timeout=0.5)
        if m is not None:
            got.append(m["data"])
    assert got == [str(i).encode() for i in range(n)]
    p.close()


def test_messages_from_two_publishers_keep_per_publisher_order(r, client_factory):
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe("mix")
    wait_numsub(r, "mix", 1)
    per_pub = 300

    def publish(tag):
        c = client_factory()
        for i in range(per_pub):
            c.publish("mix", f"{tag}:{i}")

    threads = [threading.Thread(target=publish, args=(t,)) for t in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SOCKET_TIMEOUT * 4)
    got = []
    deadline = time.monotonic() + 10
    while len(got) < 2 * per_pub and time.monotonic() < deadline:
        m = p.get_message(timeout=0.5)
        if m is not None:
            got.append(m["data"].decode())
    assert len(got) == 2 * per_pub
    for tag in ("A", "B"):
        assert [int(x.split(":")[1]) for x in got if x.startswith(tag)] == list(range(per_pub))
    p.close()


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(bytes(range(256)), id="all-bytes"),
        pytest.param(b"\r\n$5\r\n*1\r\n", id="resp-lookalike"),
        pytest.param(b"\x00\x00\x00", id="nuls"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe" * 300_000, id="600KB"),
    ],
)
def test_binary_payloads(rp, payload):
    p = rp.pubsub()
    p.subscribe(b"bin\x00chan\xff")
    p.psubscribe(b"bin\x00*")
    drain(p, 2)
    assert rp.publish(b"bin\x00chan\xff", payload) == 2
    assert drain(p, 2) == [
        msg("message", b"bin\x00chan\xff", payload),
        msg("pmessage", b"bin\x00chan\xff", payload, pattern=b"bin\x00*"),
    ]
    p.close()


def test_unicode_channels(herald_server, r, protocol):
    c = make_client(herald_server, protocol=protocol, decode_responses=True)
    p = c.pubsub()
    p.subscribe("канал-😀")
    p.psubscribe("チャン*")
    assert drain(p, 2) == [msg("subscribe", "канал-😀", 1), msg("psubscribe", "チャン*", 2)]
    assert c.publish("канал-😀", "привет 👋") == 1
    assert c.publish("チャンネル", "こんにちは") == 1
    assert c.publish("チ", "no") == 0
    assert drain(p, 2) == [
        msg("message", "канал-😀", "привет 👋"),
        msg("pmessage", "チャンネル", "こんにちは", pattern="チャン*"),
    ]
    assert c.pubsub_channels() == ["канал-😀"]
    # `?` matches one byte, not one character (Redis globs are byte-wise).
    p2 = c.pubsub()
    p2.psubscribe("?")
    next_message(p2)
    assert c.publish("é", "two bytes") == 0
    assert c.publish("e", "one byte") == 1
    p.close()
    p2.close()
    c.close()


# ------------------------------------------------------------------ pipelines


def test_pipeline_of_publishes_returns_receiver_counts(rp, client_factory, protocol):
    a = client_factory(protocol=protocol).pubsub()
    a.subscribe("x", "y")
    b = client_factory(protocol=protocol).pubsub()
    b.subscribe("x")
    b.psubscribe("y*")
    drain(a, 2)
    drain(b, 2)
    pipe = rp.pipeline(transaction=False)
    pipe.publish("x", "1").publish("y", "2").publish("yy", "3").publish("none", "4")
    assert pipe.execute() == [2, 2, 1, 0]
    assert drain(a, 2) == [msg("message", b"x", b"1"), msg("message", b"y", b"2")]
    assert drain(b, 3) == [
        msg("message", b"x", b"1"),
        msg("pmessage", b"y", b"2", pattern=b"y*"),
        msg("pmessage", b"yy", b"3", pattern=b"y*"),
    ]
    a.close()
    b.close()


def test_transactional_pipeline_of_publishes(r, client_factory):
    p = client_factory().pubsub()
    p.subscribe("t")
    drain(p, 1)
    pipe = r.pipeline()  # transaction=True: MULTI ... EXEC
    pipe.publish("t", "1").publish("u", "2")
    assert pipe.execute() == [1, 0]
    p.close()


# ------------------------------------------------------------------ asyncio


@pytest.mark.asyncio
@pytest.mark.parametrize("aproto", [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")])
async def test_asyncio_pubsub(herald_server, r, aproto):
    client = aioredis.Redis(host="127.0.0.1", port=herald_server, protocol=aproto,
                            socket_timeout=SOCKET_TIMEOUT)
    pubsub = client.pubsub()
    await pubsub.subscribe("async-chan")
    await pubsub.psubscribe("async-*")

    async def next_msg():
        while True:
            m = await pubsub.get_message(timeout=0.5)
            if m is not None:
                return m

    async with asyncio.timeout(SOCKET_TIMEOUT):
        assert await next_msg() == msg("subscribe", b"async-chan", 1)
        assert await next_msg() == msg("psubscribe", b"async-*", 2)
        assert await client.publish("async-chan", "hi") == 2
        assert await next_msg() == msg("message", b"async-chan", b"hi")
        assert await next_msg() == msg("pmessage", b"async-chan", b"hi", pattern=b"async-*")

        # listen() as an async iterator
        for i in range(3):
            assert await client.publish("async-other", f"n{i}") == 1
        got = []
        async for m in pubsub.listen():
            got.append(m)
            if len(got) == 3:
                break
        assert [m["data"] for m in got] == [b"n0", b"n1", b"n2"]
        assert {m["pattern"] for m in got} == {b"async-*"}

        await pubsub.unsubscribe("async-chan")
        await pubsub.punsubscribe("async-*")
        assert await next_msg() == msg("unsubscribe", b"async-chan", 1)
        assert await next_msg() == msg("punsubscribe", b"async-*", 0)
        assert await client.publish("async-chan", "gone") == 0
    await pubsub.aclose()
    await client.aclose()


@pytest.mark.asyncio
async def test_asyncio_concurrent_subscribers(herald_server, r):
    n_subs = 5
    clients = [aioredis.Redis(host="127.0.0.1", port=herald_server, socket_timeout=SOCKET_TIMEOUT)
               for _ in range(n_subs + 1)]
    pubsubs = [c.pubsub(ignore_subscribe_messages=True) for c in clients[:n_subs]]
    for ps in pubsubs:
        await ps.subscribe("fanout")

    async def first_message(ps):
        while True:
            m = await ps.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if m is not None:
                return m

    pub = clients[-1]
    async with asyncio.timeout(SOCKET_TIMEOUT):
        while True:
            reply = await pub.execute_command("PUBSUB", "NUMSUB", "fanout")
            count = reply[b"fanout"] if isinstance(reply, dict) else reply[1]
            if count == n_subs:
                break
            await asyncio.sleep(0.01)
        assert await pub.publish("fanout", "all") == n_subs
        results = await asyncio.gather(*(first_message(ps) for ps in pubsubs))
    assert results == [msg("message", b"fanout", b"all")] * n_subs
    for ps in pubsubs:
        await ps.aclose()
    for c in clients:
        await c.aclose()


# ------------------------------------------------------------------ comparison with real Redis


def raw_replies(port: int, protocol: int, commands: list) -> list:
    """Sends each command on one raw connection and records each reply (errors as text).

    A command given as the string "READ" reads one more reply without sending anything.
    """
    conn = redis.Connection(host="127.0.0.1", port=port, protocol=protocol, socket_timeout=SOCKET_TIMEOUT)
    conn.connect()
    out = []
    try:
        for cmd in commands:
            if cmd != "READ":
                conn.send_command(*cmd)
            try:
                out.append(conn.read_response(push_request=True))
            except redis.ResponseError as e:
                out.append(("error", str(e)))
    finally:
        conn.disconnect()
    return out


def get_message_scenario(port: int, protocol: int) -> list:
    """A subscribe / publish / unsubscribe scenario, recorded as redis-py sees it."""
    sub = make_client(port, protocol=protocol)
    pub = make_client(port, protocol=protocol)
    p = sub.pubsub()
    log = []
    p.subscribe("s-a", "s-b")
    log += drain(p, 2)
    p.psubscribe("s-*")
    log += drain(p, 1)
    log.append(pub.publish("s-a", "one"))
    log += drain(p, 2)
    log.append(pub.publish("s-zzz", "two"))
    log += drain(p, 1)
    p.ping()
    log += drain(p, 1)
    p.unsubscribe("s-a")
    log += drain(p, 1)
    log.append(pub.publish("s-a", "three"))
    log += drain(p, 1)
    p.unsubscribe("s-b")
    p.punsubscribe("s-*")
    log += drain(p, 2)
    log.append(pub.publish("s-a", "four"))
    log.append(read_reply(p, timeout=0.1))
    p.unsubscribe()
    log.append(read_reply(p))
    p.close()
    sub.close()
    pub.close()
    return log


@pytest.mark.parametrize("proto", [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")])
def test_compare_get_message_sequence(both_servers, proto):
    redis_log = get_message_scenario(both_servers["redis"], proto)
    herald_log = get_message_scenario(both_servers["herald"], proto)
    assert len(redis_log) == 17
    assert redis_log[3] == 2  # sanity: the reference server did what the scenario expects
    assert herald_log == redis_log


ERROR_COMMANDS = [
    ("PUBLISH", "a"),
    ("PUBLISH", "a", "b", "c"),
    ("FOO",),
    ("FOO", "bar", "baz"),
    ("SUBSCRIBE",),
    ("PSUBSCRIBE",),
    ("SSUBSCRIBE",),
    ("SPUBLISH", "a"),
    ("PUBSUB",),
    ("PUBSUB", "FOO"),
    ("PUBSUB", "NUMPAT", "x"),
    ("GET",),
    ("SET", "k"),
]


@pytest.mark.parametrize("cmd", [pytest.param(c, id=" ".join(c)) for c in ERROR_COMMANDS])
def test_compare_error_messages(both_servers, cmd):
    expected = raw_replies(both_servers["redis"], 2, [cmd])
    assert expected[0][0] == "error"
    assert raw_replies(both_servers["herald"], 2, [cmd]) == expected


def test_compare_error_messages_via_redis_py(both_servers):
    def errors(port):
        c = make_client(port)
        out = []
        for args in (("PUBLISH", "a"), ("FOO",)):
            with pytest.raises(redis.ResponseError) as e:
                c.execute_command(*args)
            out.append(str(e.value))
        c.close()
        return out

    expected = errors(both_servers["redis"])
    assert expected == [
        "wrong number of arguments for 'publish' command",
        "unknown command 'FOO', with args beginning with: ",
    ]
    assert errors(both_servers["herald"]) == expected


@pytest.mark.parametrize("cmd", [("PUBSUB", "channels", "a", "b"), ("PUBSUB", "SHARDCHANNELS", "a", "b")],
                         ids=["channels", "shardchannels"])
def test_compare_pubsub_channels_arity_error(both_servers, cmd):
    expected = raw_replies(both_servers["redis"], 2, [cmd])
    assert expected[0][0] == "error" and "Try PUBSUB HELP." in expected[0][1]
    assert raw_replies(both_servers["herald"], 2, [cmd]) == expected


SUBSCRIBED_MODE = [
    ("UNSUBSCRIBE",),
    ("PUNSUBSCRIBE",),
    ("SUNSUBSCRIBE",),
    ("SUBSCRIBE", "a", "b"), "READ",
    ("SUBSCRIBE", "a"),
    ("PSUBSCRIBE", "a*"),
    ("SSUBSCRIBE", "s1"),
    ("SUBSCRIBE", "c"),
    ("PING",),
    ("PING", "hi"),
    ("GET", "x"),
    ("UNSUBSCRIBE", "a", "nope"), "READ",
    ("SUNSUBSCRIBE", "s1"),
    ("PUNSUBSCRIBE", "a*"),
    ("UNSUBSCRIBE", "b"),
    ("UNSUBSCRIBE", "c"),
    ("PING",),
    ("SUBSCRIBE", "x"),
    ("RESET",),
    ("PING",),
    ("PUBLISH", "x", "nobody"),
]


@pytest.mark.parametrize("proto", [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")])
def test_compare_subscribed_mode_replies(both_servers, proto):
    expected = raw_replies(both_servers["redis"], proto, SUBSCRIBED_MODE)
    assert expected[0] == [b"unsubscribe", None, 0]
    assert raw_replies(both_servers["herald"], proto, SUBSCRIBED_MODE) == expected


@pytest.mark.parametrize("proto", [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")])
def test_compare_unsubscribe_all_replies(both_servers, proto):
    """UNSUBSCRIBE with no argument: one reply per channel (in no defined order), counting down."""
    cmds = [("SUBSCRIBE", "u1", "u2", "u3"), "READ", "READ", ("UNSUBSCRIBE",), "READ", "READ"]

    def run(port):
        replies = raw_replies(port, proto, cmds)
        unsubs = replies[3:]
        return replies[:3], sorted(r[1] for r in unsubs), [r[2] for r in unsubs]

    expected = run(both_servers["redis"])
    assert expected[1:] == ([b"u1", b"u2", b"u3"], [2, 1, 0])
    assert run(both_servers["herald"]) == expected


def introspection_scenario(port: int, protocol: int) -> list:
    subs = [make_client(port) for _ in range(3)]
    ps = [c.pubsub() for c in subs]
    ps[0].subscribe("i-a", "i-b")
    ps[1].subscribe("i-a")
    ps[1].psubscribe("i-*")
    ps[2].psubscribe("i-*", "other*")
    ps[2].ssubscribe("sh-1")
    for p, n in zip(ps, (2, 2, 3)):
        for _ in range(n):
            next_message(p, sharded=True)
    c = make_client(port, protocol=protocol)
    out = [
        sorted(c.execute_command("PUBSUB", "CHANNELS")),
        sorted(c.execute_command("PUBSUB", "CHANNELS", "i-[a]")),
        c.execute_command("PUBSUB", "NUMPAT"),
        c.execute_command("PUBSUB", "SHARDCHANNELS"),
        c.execute_command("PUBLISH", "i-a", "m"),
        c.execute_command("PUBLISH", "other", "m"),
        c.execute_command("SPUBLISH", "sh-1", "m"),
    ]
    for p in ps:
        p.close()
    for x in subs + [c]:
        x.close()
    return out


@pytest.mark.parametrize("proto", [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")])
def test_compare_introspection(both_servers, proto):
    expected = introspection_scenario(both_servers["redis"], proto)
    assert expected == [[b"i-a", b"i-b"], [b"i-a"], 2, [b"sh-1"], 4, 1, 1]
    assert introspection_scenario(both_servers["herald"], proto) == expected


@pytest.mark.parametrize(
    "proto",
    [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")],
)
def test_compare_numsub_replies(both_servers, proto):
    cmds = [("PUBSUB", "NUMSUB", "a", "zz"), ("PUBSUB", "NUMSUB"), ("PUBSUB", "SHARDNUMSUB", "q")]
    expected = raw_replies(both_servers["redis"], proto, cmds)
    assert expected == [[b"a", 0, b"zz", 0], [], [b"q", 0]]
    assert raw_replies(both_servers["herald"], proto, cmds) == expected


GLOB_PATTERNS = ["*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo", "news.*",
                 "[", "x[a-]", "\\", "[!a]", "*a*b*", "[z-a]x", "??", "h[\\]]llo", "ca[^]t"]
GLOB_CHANNELS = ["hello", "hallo", "hbllo", "hllo", "heeeello", "h*llo", "news.sport", "news", "[",
                 "a[", "xa", "x-", "\\", "]", "!", "ab", "xaxbx", "bx", "cx", "h]llo", "ca]t", "cat"]


def glob_scenario(port: int) -> list:
    """Publishes to each channel and records the publish count and the patterns that matched."""
    clients, subs = [], []
    for pat in GLOB_PATTERNS:
        c = make_client(port)
        p = c.pubsub()
        p.psubscribe(pat)
        assert next_message(p)["type"] == "psubscribe"
        clients.append(c)
        subs.append(p)
    pub = make_client(port)
    result = []
    for ch in GLOB_CHANNELS:
        n = pub.publish(ch, "x")
        matched = [False] * len(subs)
        deadline = time.monotonic() + SOCKET_TIMEOUT
        while sum(matched) < n and time.monotonic() < deadline:
            for i, p in enumerate(subs):
                m = p.get_message(timeout=0)
                if m is not None:
                    assert m["channel"] == ch.encode() and m["pattern"] == GLOB_PATTERNS[i].encode()
                    matched[i] = True
            time.sleep(0.001)
        result.append((ch, n, [pat for pat, hit in zip(GLOB_PATTERNS, matched) if hit]))
    # Nothing is left over: each matching pattern got exactly one message per publish.
    leftovers = [p.get_message(timeout=0.01) for p in subs]
    result.append(("leftovers", leftovers))
    for p in subs:
        p.close()
    for c in clients + [pub]:
        c.close()
    return result


def test_compare_glob_patterns(both_servers):
    expected = glob_scenario(both_servers["redis"])
    assert ("hello", 4, ["*", "h?llo", "h*llo", "h[ae]llo"]) in expected
    assert ("h*llo", 5, ["*", "h?llo", "h*llo", "h[^e]llo", "h\\*llo"]) in expected
    assert expected[-1] == ("leftovers", [None] * len(GLOB_PATTERNS))
    assert glob_scenario(both_servers["herald"]) == expected
