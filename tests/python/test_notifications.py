"""Keyspace notifications (``notify-keyspace-events``) seen through redis-py's Pub/Sub.

A chat backend can watch its own keys instead of publishing by hand: a presence service
pattern-subscribes to ``__keyevent@0__:*`` / ``__keyspace@0__:*`` and learns of every SET, DEL,
LPUSH, HSET, SADD, ZADD or INCRBY. The tests check the exact channel, pattern and payload of every
event, in order, over RESP2 and RESP3, plus class filtering, the ``n`` (new key) class, events of
commands inside MULTI/EXEC, and silence when notifications are off. ``test_compare_*`` runs the
same sequence against a real redis-server and requires identical events.

``notify-keyspace-events`` is server-wide, so every test restores it to "" (the default).
"""

from __future__ import annotations

import pytest
import redis

from helpers import make_client, next_message

PROTOCOLS = [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")]

KEYSPACE = "__keyspace@0__:*"
KEYEVENT = "__keyevent@0__:*"


@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    return request.param


def _reset(port):
    c = make_client(port)
    try:
        c.config_set("notify-keyspace-events", "")
    finally:
        c.close()


@pytest.fixture
def herald(r, herald_server, protocol, client_factory):
    """(writer client, listener client) on Herald; notifications off again afterwards."""
    writer = client_factory(protocol=protocol)
    listener = client_factory(protocol=protocol)
    yield writer, listener
    _reset(herald_server)


@pytest.fixture
def both(both_servers):
    yield both_servers
    for port in both_servers.values():
        _reset(port)


def subscribe(client: redis.Redis, *patterns):
    p = client.pubsub()
    p.psubscribe(*patterns)
    for _ in patterns:
        assert next_message(p)["type"] == "psubscribe"
    return p


def events(p, n):
    """The next ``n`` messages as (pattern, channel, data) tuples, then checks nothing else came."""
    got = []
    for _ in range(n):
        m = next_message(p)
        assert m["type"] == "pmessage", m
        got.append((m["pattern"].decode(), m["channel"].decode(), m["data"].decode()))
    extra = p.get_message(timeout=0.1)
    assert extra is None, f"unexpected extra message {extra}"
    return got


def pair(key, event):
    """A keyspace then a keyevent message: the order Redis publishes one event in."""
    return [
        (KEYSPACE, f"__keyspace@0__:{key}", event),
        (KEYEVENT, f"__keyevent@0__:{event}", key),
    ]


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    "value, shown",
    [
        ("KEA", "AKE"),
        ("AKE", "AKE"),
        ("Kl", "lK"),
        ("Eg$", "g$E"),
        ("$lshzxegKE", "g$lshzxeKE"),
        ("KA", "AK"),
        ("Ex", "xE"),
        ("Khn", "hnK"),
        ("", ""),
    ],
)
def test_config_set_get_round_trip(herald, value, shown):
    writer, _ = herald
    assert writer.config_set("notify-keyspace-events", value) is True
    assert writer.config_get("notify-keyspace-events") == {"notify-keyspace-events": shown}


@pytest.mark.parametrize("value, shown", [("KEm", "KEm"), ("AKEn", "AKE"), ("AKEnm", "AKEm")])
def test_config_get_renders_m_and_n_like_redis(herald, value, shown):
    writer, _ = herald
    writer.config_set("notify-keyspace-events", value)
    assert writer.config_get("notify-keyspace-events") == {"notify-keyspace-events": shown}


def test_config_set_rejects_unknown_class(herald):
    writer, _ = herald
    with pytest.raises(redis.ResponseError) as e:
        writer.config_set("notify-keyspace-events", "KQ")
    assert str(e.value) == (
        "CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
        "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
    )
    assert writer.config_get("notify-keyspace-events") == {"notify-keyspace-events": ""}


# ------------------------------------------------------------------ events


def chat_activity(w: redis.Redis) -> None:
    """The writes a chat backend makes; each produces exactly one event."""
    w.set("session:alice", "token")  # set
    w.delete("session:alice")  # del
    w.lpush("room:general:history", "alice: hi")  # lpush
    w.hset("user:alice", mapping={"status": "online"})  # hset
    w.sadd("room:general:members", "alice")  # sadd
    w.zadd("leaderboard", {"alice": 1})  # zadd
    w.incrby("stats:messages", 5)  # incrby


CHAT_EVENTS = [
    ("session:alice", "set"),
    ("session:alice", "del"),
    ("room:general:history", "lpush"),
    ("user:alice", "hset"),
    ("room:general:members", "sadd"),
    ("leaderboard", "zadd"),
    ("stats:messages", "incrby"),
]


def test_keyspace_and_keyevent_events_in_order(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "KEA")
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    chat_activity(writer)
    assert events(p, 2 * len(CHAT_EVENTS)) == [m for k, e in CHAT_EVENTS for m in pair(k, e)]
    p.close()


def test_keyevent_only_with_message_dicts(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "Eg$lshz")
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    writer.set("session:bob", "t")
    writer.hset("user:bob", "status", "away")
    assert next_message(p) == {
        "type": "pmessage",
        "pattern": b"__keyevent@0__:*",
        "channel": b"__keyevent@0__:set",
        "data": b"session:bob",
    }
    assert next_message(p) == {
        "type": "pmessage",
        "pattern": b"__keyevent@0__:*",
        "channel": b"__keyevent@0__:hset",
        "data": b"user:bob",
    }
    assert p.get_message(timeout=0.1) is None
    p.close()


def test_plain_subscription_to_one_event_channel(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "E$")
    p = listener.pubsub()
    p.subscribe("__keyevent@0__:incrby")
    assert next_message(p)["type"] == "subscribe"
    writer.incrby("stats:messages", 1)
    writer.set("other", "x")  # a `set` event: another channel
    writer.incrby("stats:users", 2)
    got = [next_message(p) for _ in range(2)]
    assert [(m["type"], m["channel"], m["data"]) for m in got] == [
        ("message", b"__keyevent@0__:incrby", b"stats:messages"),
        ("message", b"__keyevent@0__:incrby", b"stats:users"),
    ]
    assert p.get_message(timeout=0.1) is None
    p.close()


def test_class_filtering(herald):
    writer, listener = herald
    # Keyspace channel, list class only.
    writer.config_set("notify-keyspace-events", "Kl")
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    writer.set("s", "v")
    writer.hset("h", "f", "v")
    writer.rpush("room:general:history", "a", "b")
    writer.sadd("set", "m")
    writer.lpop("room:general:history")
    writer.zadd("z", {"m": 1})
    writer.rpop("room:general:history")  # empties the list: `del` is class g, filtered out
    assert events(p, 3) == [
        (KEYSPACE, "__keyspace@0__:room:general:history", "rpush"),
        (KEYSPACE, "__keyspace@0__:room:general:history", "lpop"),
        (KEYSPACE, "__keyspace@0__:room:general:history", "rpop"),
    ]
    p.close()


def test_data_type_commands_event_names(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "EA")
    p = subscribe(listener, KEYEVENT)
    writer.rpush("l", "a", "b")
    writer.lmove("l", "l2", "LEFT", "RIGHT")  # the push is reported before the pop
    writer.linsert("l", "BEFORE", "b", "x")
    writer.lset("l", 0, "y")
    writer.ltrim("l", 0, 0)
    writer.hincrbyfloat("h", "f", 1.5)
    writer.hdel("h", "f")  # the last field: the key goes too
    writer.sadd("s", "a", "b")
    writer.smove("s", "s2", "a")
    writer.sinterstore("dst", ["s", "s2"])  # empty result, no dst before: no event at all
    writer.zadd("z", {"a": 1})
    writer.zincrby("z", 2, "a")
    writer.zpopmin("z")
    writer.incrbyfloat("n", 0.5)
    writer.append("n", "0")
    writer.getdel("n")
    assert [e[1:] for e in events(p, 19)] == [
        ("__keyevent@0__:rpush", "l"),
        ("__keyevent@0__:rpush", "l2"),
        ("__keyevent@0__:lpop", "l"),
        ("__keyevent@0__:linsert", "l"),
        ("__keyevent@0__:lset", "l"),
        ("__keyevent@0__:ltrim", "l"),
        ("__keyevent@0__:hincrbyfloat", "h"),
        ("__keyevent@0__:hdel", "h"),
        ("__keyevent@0__:del", "h"),
        ("__keyevent@0__:sadd", "s"),
        ("__keyevent@0__:srem", "s"),
        ("__keyevent@0__:sadd", "s2"),
        ("__keyevent@0__:zadd", "z"),
        ("__keyevent@0__:zincr", "z"),
        ("__keyevent@0__:zpopmin", "z"),
        ("__keyevent@0__:del", "z"),
        ("__keyevent@0__:incrbyfloat", "n"),
        ("__keyevent@0__:append", "n"),
        ("__keyevent@0__:del", "n"),
    ]
    p.close()


def test_no_event_for_writes_that_change_nothing(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "KEA")
    writer.sadd("s", "a")
    writer.hset("h", "f", "v")
    writer.zadd("z", {"a": 1})
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    writer.sadd("s", "a")  # already a member
    writer.srem("s", "nope")
    writer.hdel("h", "nope")
    writer.zadd("z", {"b": 2}, xx=True)  # XX on a new member: nothing
    writer.zrem("z", "nope")
    writer.set("s", "x", nx=True)  # exists: not set
    writer.lrem("missing", 0, "x")
    writer.get("nokey")
    writer.smembers("s")
    with pytest.raises(redis.ResponseError):
        writer.incr("h")  # WRONGTYPE: nothing happened
    assert p.get_message(timeout=0.2) is None
    p.close()


@pytest.mark.parametrize("flags", ["", "KE", "A", "g$lshz"])
def test_no_events_when_disabled(herald, flags):
    """Off by default; K/E without a class, or classes without K/E, publish nothing either."""
    writer, listener = herald
    writer.config_set("notify-keyspace-events", flags)
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    chat_activity(writer)
    assert p.get_message(timeout=0.2) is None
    p.close()


def test_disabling_stops_events(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "E$")
    p = subscribe(listener, KEYEVENT)
    writer.set("a", "1")
    assert events(p, 1) == [(KEYEVENT, "__keyevent@0__:set", "a")]
    writer.config_set("notify-keyspace-events", "")
    writer.set("a", "2")
    writer.incrby("a", 1)
    assert p.get_message(timeout=0.2) is None
    p.close()


def test_events_of_a_transaction_arrive_at_exec_in_order(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "KEA")
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    pipe = writer.pipeline(transaction=True)
    pipe.incr("room:general:next_id")
    pipe.hset("room:general:last", "text", "hi")
    pipe.lpush("room:general:history", "hi")
    pipe.lpush("room:general:next_id", "x")  # WRONGTYPE at EXEC: no event
    pipe.zincrby("leaderboard", 1, "alice")
    pipe.execute(raise_on_error=False)
    assert events(p, 8) == (
        pair("room:general:next_id", "incrby")
        + pair("room:general:last", "hset")
        + pair("room:general:history", "lpush")
        + pair("leaderboard", "zincr")
    )
    p.close()


def test_events_carry_the_database_number(herald):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "KE$")
    p = subscribe(listener, "__key*@*__:*")
    db3 = make_client(writer.get_connection_kwargs()["port"], db=3)
    try:
        db3.set("k", "v")
    finally:
        db3.close()
    assert events(p, 2) == [
        ("__key*@*__:*", "__keyspace@3__:k", "set"),
        ("__key*@*__:*", "__keyevent@3__:set", "k"),
    ]
    p.close()


# ------------------------------------------------------------------ `n`: new keys



NEW_KEY_WRITES = [
    pytest.param(
        lambda w, i: w.hset("user:carol", "status", f"s{i}"), "hset", id="hset"
    ),
    pytest.param(
        lambda w, i: w.sadd("room:general:members", f"user{i}"), "sadd", id="sadd"
    ),
    pytest.param(lambda w, i: w.set("session:carol", f"t{i}"), "set", id="set"),
    pytest.param(lambda w, i: w.lpush("room:general:history", f"msg {i}"), "lpush", id="lpush"),
    pytest.param(lambda w, i: w.zadd("leaderboard", {f"user{i}": 1}), "zadd", id="zadd"),
    pytest.param(lambda w, i: w.incrby("stats:messages", 1), "incrby", id="incrby"),
]


@pytest.mark.parametrize("write, event", NEW_KEY_WRITES)
def test_new_key_event(herald, write, event):
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "KEAn")
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    write(writer, 1)
    got = events(p, 4)
    key = got[0][1].split(":", 1)[1]
    # Creating the key reports `new` first, then the command's own event ...
    assert got == pair(key, "new") + pair(key, event)
    # ... writing it again only the command's event.
    write(writer, 2)
    assert events(p, 2) == pair(key, event)
    p.close()


def test_new_key_event_alone(herald):
    """With only `n` and K, a new key is reported and nothing else."""
    writer, listener = herald
    writer.config_set("notify-keyspace-events", "Kn")
    p = subscribe(listener, KEYEVENT, KEYSPACE)
    writer.hset("user:dave", "status", "online")
    writer.hset("user:dave", "status", "away")
    writer.sadd("room:general:members", "dave")
    assert events(p, 2) == [
        (KEYSPACE, "__keyspace@0__:user:dave", "new"),
        (KEYSPACE, "__keyspace@0__:room:general:members", "new"),
    ]
    p.close()


# ------------------------------------------------------------------ Herald vs redis-server


def record(port, protocol, flags, activity):
    writer = make_client(port, protocol=protocol)
    listener = make_client(port, protocol=protocol)
    try:
        writer.config_set("notify-keyspace-events", flags)
        p = subscribe(listener, KEYEVENT, KEYSPACE)
        activity(writer)
        got = []
        while (m := p.get_message(timeout=0.15)) is not None:
            got.append((m["type"], m["pattern"], m["channel"], m["data"]))
        p.close()
        return writer.config_get("notify-keyspace-events"), got
    finally:
        writer.close()
        listener.close()


def test_compare_chat_activity_events(both, protocol):
    runs = {name: record(port, protocol, "KEA", chat_activity) for name, port in both.items()}
    assert runs["herald"] == runs["redis"]
    assert len(runs["herald"][1]) == 2 * len(CHAT_EVENTS)


def test_compare_data_type_events(both, protocol):
    def activity(w):
        w.rpush("l", "a", "b", "c")
        w.rpoplpush("l", "l2")
        w.lrem("l", 0, "a")
        w.lmpop(2, "nokey", "l", direction="RIGHT", count=5)
        w.hset("h", mapping={"a": "1", "b": "2"})
        w.hsetnx("h", "c", "3")
        w.hincrby("h", "a", 1)
        w.hdel("h", "a", "b", "c")
        w.sadd("s1", "a", "b")
        w.sadd("s2", "b")
        w.sunionstore("u", ["s1", "s2"])
        w.sdiffstore("u", ["s1", "s1"])  # empty: u deleted
        w.spop("s2")
        w.zadd("z", {"a": 1, "b": 2, "c": 3})
        w.zadd("z", {"a": 5}, incr=True)
        w.zremrangebyscore("z", 2, 2)
        w.zremrangebyrank("z", 0, 0)
        w.zunionstore("zu", ["z"])
        w.zrangestore("zr", "z", 0, -1)
        w.zmpop(1, ["z"], max=True)
        w.mset({"m1": "1", "m2": "2"})
        w.setrange("m1", 3, "x")
        w.getset("m2", "3")
        w.set("m2", "4", get=True)
        w.decrby("m2", 2)

    runs = {name: record(port, protocol, "KEA", activity) for name, port in both.items()}
    assert runs["herald"] == runs["redis"]
    assert len(runs["herald"][1]) > 40


# Commands run on absent keys: read lookups raise `keymiss` (class m), write lookups do not.
# `{k}`, `{k2}`, `{d}` are fresh keys for each command.
KEYMISS_COMMANDS = [
    "GET {k}", "GETSET {k} v", "GETDEL {k}", "GETEX {k}", "MGET {k} {k2}", "STRLEN {k}",
    "GETRANGE {k} 0 1", "LCS {k} {k2}", "SET {k} v GET", "SET {k} v", "APPEND {k} v",
    "SETRANGE {k} 0 v", "INCR {k}", "INCRBYFLOAT {k} 1",
    "LLEN {k}", "LRANGE {k} 0 -1", "LINDEX {k} 0", "LPOS {k} a", "LPOP {k}", "RPOP {k}",
    "LMOVE {k} {d} LEFT LEFT", "LPUSHX {k} a", "LREM {k} 0 a", "LTRIM {k} 0 1", "LMPOP 1 {k} LEFT",
    "SISMEMBER {k} a", "SMISMEMBER {k} a", "SCARD {k}", "SMEMBERS {k}", "SRANDMEMBER {k}",
    "SSCAN {k} 0", "SINTER {k} {k2}", "SUNION {k}", "SDIFF {k}", "SINTERCARD 1 {k}",
    "SINTERSTORE {d} {k}", "SUNIONSTORE {d} {k}", "SDIFFSTORE {d} {k}", "SMOVE {k} {d} a",
    "SPOP {k}", "SREM {k} a",
    "ZCARD {k}", "ZSCORE {k} a", "ZMSCORE {k} a", "ZCOUNT {k} 0 1", "ZLEXCOUNT {k} - +",
    "ZRANK {k} a", "ZREVRANK {k} a", "ZRANGE {k} 0 -1", "ZRANGESTORE {d} {k} 0 -1",
    "ZRANGEBYSCORE {k} 0 1", "ZREVRANGE {k} 0 1", "ZRANDMEMBER {k}", "ZRANDMEMBER {k} 2",
    "ZSCAN {k} 0", "ZUNION 1 {k}", "ZINTER 2 {k} {k2}", "ZDIFF 1 {k}", "ZINTERCARD 1 {k}",
    "ZUNIONSTORE {d} 1 {k}", "ZINTERSTORE {d} 1 {k}", "ZDIFFSTORE {d} 1 {k}", "ZPOPMIN {k}",
    "ZMPOP 1 {k} MIN", "ZREM {k} a", "ZINCRBY {k} 1 a",
    "HGET {k} f", "HMGET {k} f", "HLEN {k}", "HSTRLEN {k} f", "HEXISTS {k} f", "HKEYS {k}",
    "HVALS {k}", "HGETALL {k}", "HRANDFIELD {k}", "HRANDFIELD {k} 2", "HSCAN {k} 0",
    "HDEL {k} f", "HINCRBY {k} f 1",
    "EXISTS {k}", "TYPE {k}", "TTL {k}", "PTTL {k}", "EXPIRETIME {k}", "OBJECT ENCODING {k}",
    "COPY {k} {d}", "RENAME {k} {d}", "DEL {k}", "EXPIRE {k} 10", "PERSIST {k}", "TOUCH {k}",
]


def test_compare_keymiss_events(both, protocol):
    def activity(w):
        for i, cmd in enumerate(KEYMISS_COMMANDS):
            args = cmd.format(k=f"k{i}", k2=f"k2:{i}", d=f"d{i}").split()
            try:
                w.execute_command(*args)
            except redis.ResponseError:
                pass  # RENAME of a missing key: an error, and no event either way

    runs = {name: record(port, protocol, "KEm", activity) for name, port in both.items()}
    assert runs["herald"] == runs["redis"]
    # Most of the reads above miss; the writes do not.
    assert len(runs["herald"][1]) > 60
