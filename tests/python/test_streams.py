"""Redis Streams through redis-py, against a real herald-server process.

Each command is used the way applications use it (chat history, work queues with consumer
groups), over RESP2 and RESP3: redis-py parses the two protocols' reply shapes differently
(XREAD is a list of ``[key, entries]`` in RESP2 and a ``{key: entries}`` map in RESP3; XINFO
replies are maps), so both are checked. The comparison test runs one scenario against Herald and
a real redis-server and requires identical results. The last test runs
``examples/chat_history.py`` against Herald and checks that the reader it disconnects loses and
duplicates nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from helpers import make_client, wait_until

PROTOCOLS = [pytest.param(2, id="resp2"), pytest.param(3, id="resp3")]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=PROTOCOLS)
def rp(r, request, client_factory):
    """A client on Herald speaking the parametrized protocol (database flushed)."""
    return client_factory(protocol=request.param)


def streams_of(reply):
    """XREAD/XREADGROUP reply as ``{key: entries}`` whatever the protocol (redis-py wraps each
    RESP3 map value in a one-element list)."""
    if isinstance(reply, dict):
        return {k: v[0] for k, v in reply.items()}
    return {k: v for k, v in (reply or [])}


def test_history_ranges_and_trimming(rp):
    ids = [rp.xadd("room", {"from": "ann", "text": f"m{i}"}, id=f"{i + 1}-0") for i in range(10)]
    assert ids[0] == b"1-0" and ids[-1] == b"10-0"
    assert rp.xlen("room") == 10
    first = rp.xrange("room", count=2)
    assert first == [(b"1-0", {b"from": b"ann", b"text": b"m0"}), (b"2-0", {b"from": b"ann", b"text": b"m1"})]
    assert [i for i, _ in rp.xrevrange("room", max="(10-0", min="8", count=5)] == [b"9-0", b"8-0"]
    assert [i for i, _ in rp.xrange("room", min="(8-0")] == [b"9-0", b"10-0"]
    assert rp.xdel("room", "1-0", "99-0") == 1
    assert rp.xtrim("room", maxlen=5, approximate=False) == 4
    assert rp.xlen("room") == 5
    assert rp.xtrim("room", minid="8-0") == 0  # `~` (redis-py default) drops whole chunks only
    assert rp.xtrim("room", minid="8-0", approximate=False) == 2
    assert [i for i, _ in rp.xrange("room")] == [b"8-0", b"9-0", b"10-0"]
    assert rp.xadd("room", {"t": "x"}, id="20-*") == b"20-0"
    assert rp.xadd("room", {"t": "y"}, id="20-*") == b"20-1"
    with pytest.raises(redis.ResponseError, match="equal or smaller than the target stream top item"):
        rp.xadd("room", {"t": "z"}, id="19-5")
    assert rp.xadd("nothing", {"t": "x"}, nomkstream=True) is None
    assert rp.type("room") == b"stream"


def test_xread_several_streams(rp):
    rp.xadd("a", {"n": "1"}, id="1-0")
    rp.xadd("b", {"n": "2"}, id="2-0")
    got = streams_of(rp.xread({"a": "0", "b": "0", "c": "0"}))
    assert got == {b"a": [(b"1-0", {b"n": b"1"})], b"b": [(b"2-0", {b"n": b"2"})]}
    assert not rp.xread({"a": "$"})
    assert not rp.xread({"a": "$"}, block=50)


def test_work_queue_with_consumer_groups(rp):
    rp.xgroup_create("jobs", "workers", id="0", mkstream=True)
    with pytest.raises(redis.ResponseError, match="BUSYGROUP Consumer Group name already exists"):
        rp.xgroup_create("jobs", "workers", id="0")
    for i in range(6):
        rp.xadd("jobs", {"job": str(i)}, id=f"{i + 1}-0")
    got = streams_of(rp.xreadgroup("workers", "w1", {"jobs": ">"}, count=4))
    assert [i for i, _ in got[b"jobs"]] == [b"1-0", b"2-0", b"3-0", b"4-0"]
    assert rp.xack("jobs", "workers", "1-0", "2-0") == 2
    summary = rp.xpending("jobs", "workers")
    assert summary["pending"] == 2 and summary["min"] == b"3-0" and summary["max"] == b"4-0"
    assert summary["consumers"] == [{"name": b"w1", "pending": 2}]
    # History: w1's own pending entries, delivered again.
    again = streams_of(rp.xreadgroup("workers", "w1", {"jobs": "0"}))
    assert [i for i, _ in again[b"jobs"]] == [b"3-0", b"4-0"]
    detail = rp.xpending_range("jobs", "workers", min="-", max="+", count=10)
    assert [(d["message_id"], d["consumer"], d["times_delivered"]) for d in detail] == [
        (b"3-0", b"w1", 2),
        (b"4-0", b"w1", 2),
    ]
    # w1 dies; w2 takes its entries over.
    time.sleep(0.02)
    cursor, claimed, deleted = rp.xautoclaim("jobs", "workers", "w2", min_idle_time=10, start_id="0")
    assert cursor == b"0-0" and deleted == []
    assert [i for i, _ in claimed] == [b"3-0", b"4-0"]
    assert rp.xclaim("jobs", "workers", "w3", 0, ["4-0"], justid=True) == [b"4-0"]
    groups = rp.xinfo_groups("jobs")
    assert groups == [{
        "name": b"workers", "consumers": 3, "pending": 2, "last-delivered-id": b"4-0",
        "entries-read": 4, "lag": 2,
    }]
    consumers = {c["name"]: c for c in rp.xinfo_consumers("jobs", "workers")}
    assert consumers[b"w1"]["pending"] == 0 and consumers[b"w2"]["pending"] == 1
    assert consumers[b"w3"]["pending"] == 1 and consumers[b"w3"]["inactive"] >= 0
    info = rp.xinfo_stream("jobs")
    assert info["length"] == 6 and info["groups"] == 1
    assert info["first-entry"] == (b"1-0", {b"job": b"0"})
    assert rp.xgroup_delconsumer("jobs", "workers", "w2") == 1
    assert rp.xgroup_destroy("jobs", "workers") == 1
    with pytest.raises(redis.ResponseError, match="NOGROUP"):
        rp.xreadgroup("workers", "w1", {"jobs": ">"})


def test_blocked_consumers_share_new_entries(r, client_factory):
    r.xgroup_create("q", "g", id="$", mkstream=True)
    results: dict[str, list] = {}

    def consume(name):
        c = client_factory()
        got = streams_of(c.xreadgroup("g", name, {"q": ">"}, count=1, block=4000))
        results[name] = [i for i, _ in got.get(b"q", [])]

    threads = [threading.Thread(target=consume, args=(f"c{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    wait_until(lambda: r.info("clients")["blocked_clients"] == 3)
    for i in range(3):
        r.xadd("q", {"n": str(i)}, id=f"{i + 1}-0")
    for t in threads:
        t.join(timeout=5)
    delivered = sorted(i for ids in results.values() for i in ids)
    assert delivered == [b"1-0", b"2-0", b"3-0"], results
    assert r.xpending("q", "g")["pending"] == 3


def scenario(c: redis.Redis) -> list:
    """A deterministic stream session whose every result is recorded (no times, no `*` IDs)."""
    out = []

    def rec(f, *a, **kw):
        try:
            out.append(f(*a, **kw))
        except redis.ResponseError as e:
            out.append(f"error: {e}")

    for i in range(1, 8):
        rec(c.xadd, "s", {"f": str(i), "g": "x"}, id=f"{i}-1")
    rec(c.xadd, "s", {"f": "0"}, id="3-1")
    rec(c.xrange, "s", "(2-1", "+", count=3)
    rec(c.xrevrange, "s", "+", "-", count=2)
    rec(c.xdel, "s", "2-1", "9-9")
    rec(c.xtrim, "s", maxlen=5, approximate=False)
    rec(c.xgroup_create, "s", "g", id="0")
    rec(c.xreadgroup, "g", "alice", {"s": ">"}, count=2)
    rec(c.xreadgroup, "g", "bob", {"s": ">"}, noack=True)
    rec(c.xinfo_groups, "s")
    rec(c.xack, "s", "g", "3-1")
    rec(c.xpending, "s", "g")
    rec(c.xclaim, "s", "g", "bob", 0, ["4-1"], justid=True)
    rec(c.xautoclaim, "s", "g", "carol", 0, "0", justid=True)
    rec(c.xgroup_setid, "s", "g", "0", entries_read=0)
    rec(c.xinfo_groups, "s")
    rec(c.execute_command, "XSETID", "s", "1-1")
    rec(c.execute_command, "XSETID", "s", "100-0", "ENTRIESADDED", "50")
    rec(c.xread, {"s": "5-1"})
    return out


def test_compare_with_redis(both_servers):
    results = {}
    for name, port in both_servers.items():
        c = make_client(port, protocol=3)
        c.flushall()
        results[name] = scenario(c)
        c.close()
    assert results["herald"] == results["redis"]


@pytest.mark.parametrize("protocol", ["2", "3"])
def test_chat_history_example_survives_disconnect(herald_server, protocol):
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "chat_history.py"), "--port", str(herald_server),
         "--messages", "40", "--cut-after", "8", "--away", "0.2", "--room", "pytest" + protocol,
         "--protocol", protocol],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["sent"] == summary["received"] == 40
    assert summary["missing"] == 0 and summary["duplicates"] == 0
    assert summary["in_order"] and summary["ids_increasing"]
    assert summary["reconnects"] == 1 and summary["posted_while_away"] > 0
