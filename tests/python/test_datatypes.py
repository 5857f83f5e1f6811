"""The data structures the Pub/Sub article pairs with channels, used through redis-py.

Each test is a realistic mini-scenario of a chat application: presence with a Set per room (and
a Hash of heartbeats with per-field TTLs, Redis 7.4), rankings with a Sorted Set, a Hash per user,
a capped List of recent messages, and strings with expiry for sessions and rate limits. Every
step asserts the exact value redis-py returns, over RESP2 and RESP3 (redis-py 8 speaks RESP3 by
default; the reply shapes that differ are spelled out per protocol).

The scenarios are plain functions of a client, so the ``test_compare_*`` tests run the very same
call sequence against Herald and against a real redis-server (the Debian 7.0 one), where the same
assertions must hold and every recorded result must be identical. Redis 7.4-only commands (hash
field expiry, ``ZRANK ... WITHSCORE`` is 7.2) are skipped on both sides of a comparison.
"""

from __future__ import annotations

import time

import pytest
import redis

from helpers import make_client, next_message

PROTOCOLS = [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")]


@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    return request.param


@pytest.fixture
def rp(r, protocol, client_factory):
    """A client on Herald speaking the parametrized protocol (database flushed)."""
    return client_factory(protocol=protocol)


class Recording:
    """Wraps a client and records the result (or error text) of every command called through it,
    so that two servers' runs of one scenario can be compared call by call."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self.log: list = []

    @property
    def protocol(self) -> int:
        return self.client.get_connection_kwargs().get("protocol") or 2

    def __getattr__(self, name):
        attr = getattr(self.client, name)
        if not callable(attr) or name in ("pipeline", "pubsub", "get_connection_kwargs"):
            return attr

        def call(*args, **kwargs):
            try:
                result = attr(*args, **kwargs)
            except redis.ResponseError as e:
                self.log.append((name, args, "error", str(e)))
                raise
            self.log.append((name, args, result))
            return result

        return call


def pairs(protocol: int, *items):
    """WITHSCORES-style replies: redis-py gives tuples over RESP2 and 2-element lists over RESP3."""
    if protocol == 2:
        return [tuple(i) for i in items]
    return [list(i) for i in items]


# ------------------------------------------------------------------ scenarios


def presence_scenario(r: Recording, v74: bool) -> None:
    """Who is in which room: one Set per room, kept in step with join/leave announcements."""
    listener = r.client.pubsub()
    listener.subscribe("room:general")
    assert next_message(listener)["type"] == "subscribe"

    # Joining: SADD returns how many were new, so a re-join is not announced twice.
    assert r.sadd("room:general:members", "alice", "bob") == 2
    assert r.sadd("room:general:members", "alice") == 0
    assert r.sadd("room:random:members", "alice", "carol") == 2
    assert r.publish("room:general", "bob joined") == 1

    assert r.scard("room:general:members") == 2
    assert r.scard("room:empty:members") == 0
    assert r.smembers("room:general:members") == {b"alice", b"bob"}
    assert r.smembers("room:empty:members") == set()
    assert r.sismember("room:general:members", "bob") == 1
    assert r.sismember("room:general:members", "carol") == 0
    assert r.smismember("room:general:members", ["alice", "carol", "bob"]) == [1, 0, 1]
    # Who is in both rooms, in either, in general only.
    assert r.sinter("room:general:members", "room:random:members") == {b"alice"}
    assert r.sunion("room:general:members", "room:random:members") == {b"alice", b"bob", b"carol"}
    assert r.sdiff("room:general:members", "room:random:members") == {b"bob"}
    assert r.sintercard(2, ["room:general:members", "room:random:members"]) == 1

    # Moving bob from general to random in one step.
    assert r.smove("room:general:members", "room:random:members", "bob") is True
    assert r.smove("room:general:members", "room:random:members", "bob") is False
    assert r.smembers("room:random:members") == {b"alice", b"bob", b"carol"}

    # Leaving: the last member out deletes the room's key.
    assert r.srem("room:general:members", "alice", "nobody") == 1
    assert r.exists("room:general:members") == 0
    assert r.srem("room:general:members", "alice") == 0

    assert next_message(listener)["data"] == b"bob joined"
    listener.close()


def presence_heartbeat_scenario(r: Recording) -> None:
    """Redis 7.4 hash field expiry: one field per online user, refreshed by heartbeats."""
    key = "room:general:heartbeat"
    assert r.hset(key, mapping={"alice": "1700000000", "bob": "1700000003"}) == 2
    assert r.hexpire(key, 30, "alice", "bob", "nobody") == [1, 1, -2]
    assert r.httl(key, "alice", "bob", "nobody") == [30, 30, -2]
    assert r.httl("no:such:key", "alice") == [-2]
    # NX: only fields without a TTL; GT: only if it extends it.
    assert r.hexpire(key, 60, "alice", nx=True) == [0]
    assert r.hexpire(key, 10, "alice", gt=True) == [0]
    assert r.hexpire(key, 60, "alice", gt=True) == [1]
    assert r.httl(key, "alice") == [60]
    # A heartbeat with HSET drops the TTL; HPERSIST does the same explicitly.
    assert r.hset(key, "bob", "1700000010") == 0
    assert r.httl(key, "bob") == [-1]
    assert r.hpersist(key, "alice", "bob") == [1, -1]
    # carol stops sending heartbeats: her field disappears.
    assert r.hset(key, "carol", "1700000005") == 1
    assert r.hpexpire(key, 50, "carol") == [1]
    time.sleep(0.12)
    assert r.hget(key, "carol") is None
    assert r.hexists(key, "carol") is False
    assert r.hgetall(key) == {b"alice": b"1700000000", b"bob": b"1700000010"}
    # A TTL of 0 deletes the field at once (2 = deleted).
    assert r.hexpire(key, 0, "bob") == [2]
    assert r.hgetall(key) == {b"alice": b"1700000000"}


def leaderboard_scenario(r: Recording, v74: bool) -> None:
    """Weekly message counts per user in a Sorted Set."""
    p = r.protocol
    key = "leaderboard:weekly"
    assert r.zadd(key, {"alice": 120, "bob": 95, "carol": 150}) == 3
    assert r.zadd(key, {"dave": 95}) == 1
    # ZINCRBY returns the new score, cast to float by redis-py.
    assert r.zincrby(key, 30, "bob") == 125.0
    assert r.zincrby(key, 2.5, "erin") == 2.5
    assert r.zscore(key, "bob") == 125.0
    assert r.zscore(key, "nobody") is None
    assert r.zmscore(key, ["alice", "nobody"]) == [120.0, None]
    assert r.zcard(key) == 5

    # Top three, highest first.
    assert r.zrevrange(key, 0, 2, withscores=True) == pairs(
        p, (b"carol", 150.0), (b"bob", 125.0), (b"alice", 120.0)
    )
    assert r.zrevrange(key, 0, 2) == [b"carol", b"bob", b"alice"]
    # score_cast_func applies to every score.
    assert r.zrevrange(key, 0, 1, withscores=True, score_cast_func=int) == pairs(
        p, (b"carol", 150), (b"bob", 125)
    )
    assert r.zrange(key, 0, 0, withscores=True) == pairs(p, (b"erin", 2.5))
    assert r.zrangebyscore(key, 100, "+inf") == [b"alice", b"bob", b"carol"]
    assert r.zrevrangebyscore(key, "+inf", 100, start=0, num=1, withscores=True) == pairs(
        p, (b"carol", 150.0)
    )
    assert r.zcount(key, "(95", "+inf") == 3

    # Ranks: 0-based, ZREVRANK from the top.
    assert r.zrevrank(key, "carol") == 0
    assert r.zrevrank(key, "alice") == 2
    assert r.zrank(key, "erin") == 0
    assert r.zrank(key, "nobody") is None
    if v74:
        # ZRANK ... WITHSCORE (Redis 7.2): [rank, score] in both protocols.
        assert r.zrank(key, "alice", withscore=True) == [2, 120.0]
        assert r.zrevrank(key, "alice", withscore=True) == [2, 120.0]

    # Ties order by member name.
    assert r.zadd(key, {"frank": 120}) == 1
    assert r.zrevrange(key, 2, 3) == [b"frank", b"alice"]
    assert r.zrange(key, 0, -1) == [b"erin", b"dave", b"alice", b"frank", b"bob", b"carol"]

    # End of the week: pop the winner, keep a copy of the top 3, reset.
    assert r.zpopmax(key) == ([(b"carol", 150.0)] if p == 2 else [b"carol", 150.0])
    assert r.zrangestore("leaderboard:hall-of-fame", key, 0, 2, desc=True) == 3
    assert r.zrange("leaderboard:hall-of-fame", 0, -1, withscores=True) == pairs(
        p, (b"alice", 120.0), (b"frank", 120.0), (b"bob", 125.0)
    )
    assert r.zremrangebyscore(key, "-inf", 100) == 2
    assert r.zrange(key, 0, -1) == [b"alice", b"frank", b"bob"]
    assert r.zpopmin(key, 2) == pairs(p, (b"alice", 120.0), (b"frank", 120.0))
    assert r.zrem(key, "bob", "nobody") == 1
    assert r.exists(key) == 0


def profile_scenario(r: Recording, v74: bool) -> None:
    """A Hash per user: profile fields plus counters."""
    key = "user:42"
    assert r.hset(key, mapping={"name": "Ada", "status": "online", "messages": 0}) == 3
    assert r.hset(key, mapping={"status": "away", "lang": "en"}) == 1
    assert r.hgetall(key) == {
        b"name": b"Ada",
        b"status": b"away",
        b"messages": b"0",
        b"lang": b"en",
    }
    assert r.hget(key, "name") == b"Ada"
    assert r.hget(key, "nope") is None
    assert r.hmget(key, ["name", "nope", "lang"]) == [b"Ada", None, b"en"]
    assert r.hincrby(key, "messages", 1) == 1
    assert r.hincrby(key, "messages", 41) == 42
    assert r.hincrbyfloat(key, "karma", 0.5) == 0.5
    assert r.hincrbyfloat(key, "karma", 2) == 2.5
    assert r.hlen(key) == 5
    assert r.hexists(key, "lang") is True
    assert r.hexists(key, "nope") is False
    assert r.hstrlen(key, "name") == 3
    assert r.hsetnx(key, "name", "Bob") == 0
    assert r.hsetnx(key, "avatar", "ada.png") == 1
    assert r.hkeys(key) == [b"name", b"status", b"messages", b"lang", b"karma", b"avatar"]
    assert r.hvals(key) == [b"Ada", b"away", b"42", b"en", b"2.5", b"ada.png"]
    assert r.hdel(key, "avatar", "nope") == 1
    assert r.hgetall("user:missing") == {}
    with pytest.raises(redis.ResponseError, match="^hash value is not an integer$"):
        r.hincrby(key, "name", 1)
    with pytest.raises(redis.ResponseError, match="^hash value is not a float$"):
        r.hincrbyfloat(key, "status", 1)


def history_scenario(r: Recording, v74: bool) -> None:
    """The last 10 messages of a room: LPUSH + LTRIM on every message, LRANGE to read."""
    key = "room:general:history"
    for i in range(1, 16):
        pipe = r.client.pipeline(transaction=False)
        pipe.lpush(key, f"msg {i}")
        pipe.ltrim(key, 0, 9)
        r.log.append(("pipeline", pipe.execute()))
    assert r.llen(key) == 10
    assert r.lrange(key, 0, 4) == [b"msg 15", b"msg 14", b"msg 13", b"msg 12", b"msg 11"]
    assert r.lrange(key, 0, -1) == [f"msg {i}".encode() for i in range(15, 5, -1)]
    assert r.lindex(key, -1) == b"msg 6"
    assert r.lrange(key, 20, 30) == []
    # Oldest first, for replay.
    assert r.lrange(key, -3, -1)[::-1] == [b"msg 6", b"msg 7", b"msg 8"]
    assert r.lpos(key, "msg 12") == 3
    assert r.lpos(key, "msg 1") is None
    # Moderation: remove a message, edit another.
    assert r.lrem(key, 0, "msg 13") == 1
    assert r.lset(key, 0, "msg 15 (edited)") is True
    assert r.lrange(key, 0, 2) == [b"msg 15 (edited)", b"msg 14", b"msg 12"]
    # A queue of messages to deliver: RPUSH in, LPOP out.
    assert r.rpush("outbox", "m1", "m2", "m3") == 3
    assert r.lpop("outbox") == b"m1"
    assert r.lpop("outbox", 5) == [b"m2", b"m3"]
    assert r.lpop("outbox") is None
    assert r.exists("outbox") == 0


def sessions_scenario(r: Recording, v74: bool) -> None:
    """Strings with expiry: sessions, one-time codes and a fixed-window rate limit."""
    # A session token: created once (NX), never overwritten by a second login race.
    assert r.set("session:tok123", "user:42", ex=1800, nx=True) is True
    assert r.set("session:tok123", "user:99", ex=1800, nx=True) is None
    assert r.get("session:tok123") == b"user:42"
    # Refresh in place, returning the old value (SET ... XX GET).
    assert r.set("session:tok123", "user:42", ex=3600, xx=True, get=True) == b"user:42"
    assert r.set("session:none", "x", xx=True) is None
    assert r.getdel("session:tok123") == b"user:42"
    assert r.get("session:tok123") is None

    # A one-time code that lives 100 ms.
    assert r.set("otp:42", "913377", px=100) is True
    assert r.get("otp:42") == b"913377"
    time.sleep(0.15)
    assert r.get("otp:42") is None

    # Fixed-window rate limit: at most 3 messages per window.
    allowed = []
    for _ in range(5):
        r.set("ratelimit:42:window", 0, ex=60, nx=True)
        allowed.append(r.incr("ratelimit:42:window") <= 3)
    assert allowed == [True, True, True, False, False]
    assert r.get("ratelimit:42:window") == b"5"

    # Counters.
    assert r.incrby("stats:messages", 10) == 10
    assert r.decr("stats:messages") == 9
    assert r.incrbyfloat("stats:bytes", 1.5) == 1.5
    assert r.mset({"flag:a": "1", "flag:b": "0"}) is True
    assert r.mget(["flag:a", "flag:b", "flag:c"]) == [b"1", b"0", None]
    assert r.append("log", "a") == 1
    assert r.append("log", "bc") == 3
    assert r.getrange("log", 1, -1) == b"bc"
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.incr("log")
    assert r.set("max", 2**63 - 1) is True
    with pytest.raises(redis.ResponseError, match="^increment or decrement would overflow$"):
        r.incr("max")


def wrongtype_scenario(r: Recording, v74: bool) -> None:
    r.set("str", "v")
    r.rpush("list", "a")
    r.hset("hash", "f", "v")
    r.sadd("set", "m")
    r.zadd("zset", {"m": 1})
    for call in (
        lambda: r.get("list"),
        lambda: r.lpush("str", "x"),
        lambda: r.hget("set", "f"),
        lambda: r.sadd("hash", "x"),
        lambda: r.zadd("str", {"x": 1}),
        lambda: r.smembers("zset"),
        lambda: r.zrange("hash", 0, -1),
        lambda: r.incr("list"),
        lambda: r.sinter("set", "str"),
    ):
        with pytest.raises(
            redis.ResponseError,
            match="^WRONGTYPE Operation against a key holding the wrong kind of value$",
        ):
            call()
    # MGET is the exception: a non-string is a nil.
    assert r.mget(["str", "list"]) == [b"v", None]


SCENARIOS = [
    pytest.param(presence_scenario, id="presence"),
    pytest.param(leaderboard_scenario, id="leaderboard"),
    pytest.param(profile_scenario, id="profile"),
    pytest.param(history_scenario, id="history"),
    pytest.param(sessions_scenario, id="sessions"),
    pytest.param(wrongtype_scenario, id="wrongtype"),
]


# ------------------------------------------------------------------ Herald


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_on_herald(rp, scenario):
    scenario(Recording(rp), v74=True)


def test_presence_heartbeat_hash_field_expiry(rp):
    presence_heartbeat_scenario(Recording(rp))


def test_hash_field_expiry_keyspace_commands(rp):
    # The TTL commands' other forms, on the same presence hash.
    key = "room:general:heartbeat"
    rp.hset(key, mapping={"alice": "1", "bob": "2"})
    assert rp.hexpireat(key, int(time.time()) + 100, "alice") == [1]
    assert 98 <= rp.httl(key, "alice")[0] <= 100
    assert rp.hpexpire(key, 5000, "bob") == [1]
    assert 4000 < rp.hpttl(key, "bob")[0] <= 5000
    expire_at = rp.hexpiretime(key, "bob", "nobody")
    assert expire_at[1] == -2
    assert int(time.time()) + 4 <= expire_at[0] <= int(time.time()) + 6  # rounded up
    assert rp.hpersist(key, "alice", "bob", "nobody") == [1, 1, -2]
    assert rp.httl(key, "alice", "bob") == [-1, -1]
    rp.set("str", "v")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        rp.hexpire("str", 10, "f")


# ------------------------------------------------------------------ Herald vs redis-server


def server_runs(both_servers, protocol, scenario):
    """Runs ``scenario`` on each server with a fresh client; returns each server's log."""
    logs = {}
    for name, port in both_servers.items():
        client = make_client(port, protocol=protocol)
        try:
            rec = Recording(client)
            scenario(rec, v74=False)
            logs[name] = rec.log
        finally:
            client.close()
    return logs


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_compare_scenario(both_servers, protocol, scenario):
    logs = server_runs(both_servers, protocol, scenario)
    assert logs["herald"] == logs["redis"]
    assert len(logs["herald"]) > 5


def test_compare_numeric_replies(both_servers, protocol):
    """Float and integer replies redis-py casts, incl. scores whose wire format changed in 7.2
    (redis-py parses both forms to the same float)."""

    def scenario(r: Recording, v74: bool):
        r.zadd("z", {"a": 0.1, "b": 1.1, "c": 1.5e-7, "d": 1e20, "e": float("inf")})
        r.zadd("z", {"f": float("-inf")})
        r.zrange("z", 0, -1, withscores=True)
        r.zscore("z", "a")
        r.zincrby("z", 0.2, "a")
        r.zadd("z", {"a": 1}, incr=True)
        r.zrangebyscore("z", "-inf", "+inf", withscores=True)
        r.incrbyfloat("f", 0.1)
        r.incrbyfloat("f", 0.2)
        r.hincrbyfloat("h", "f", "1e3")
        r.hincrbyfloat("h", "f", "-0.5")
        r.zunionstore("u", {"z": 2})
        r.zrange("u", 0, -1, withscores=True)
        with pytest.raises(redis.ResponseError, match="^value is not a valid float$"):
            r.zadd("z", {"x": "nan"})
        with pytest.raises(redis.ResponseError, match=r"^resulting score is not a number \(NaN\)$"):
            r.zincrby("z", float("-inf"), "e")

    logs = server_runs(both_servers, protocol, scenario)
    assert logs["herald"] == logs["redis"]
