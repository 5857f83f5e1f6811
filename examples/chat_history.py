#!/usr/bin/env python3
"""Chat history that survives a disconnect, with Redis Streams (redis-py).

Pub/Sub delivers a message only to the subscribers connected at that moment: a client whose
connection drops misses everything published until it is back. A stream keeps the history, so a
reader that remembers the ID of the last message it saw can reconnect and carry on from there
with ``XREAD ... STREAMS room <last-id>``: nothing is lost, nothing is seen twice.

This program plays both sides against a running server:

* a *poster* thread appends ``--messages`` chat messages to the stream ``chat:<room>`` with
  XADD (trimmed with ``MAXLEN ~`` so the history stays bounded), a few milliseconds apart;
* a *reader* follows the room with ``XREAD BLOCK``; after ``--cut-after`` messages its
  connection is killed from the server side (``CLIENT KILL ID``, what a network failure looks
  like to the client), it stays away while messages keep coming, then reconnects and resumes
  from the last ID it saw.

At the end it prints a JSON summary and exits with 0 only if the reader received every message
exactly once and in order::

    python examples/chat_history.py --port 6379
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def poster(client: redis.Redis, key: str, count: int, interval: float, done: threading.Event):
    """Appends ``count`` numbered messages to the room."""
    try:
        for i in range(count):
            client.xadd(key, {"from": f"user{i % 3}", "text": f"message {i}"}, maxlen=10_000, approximate=True)
            time.sleep(interval)
    finally:
        done.set()


def connect_reader(args) -> redis.Redis:
    """The reader's connection, without redis-py's automatic retries, so that a dropped
    connection surfaces as an error and the reconnection is the program's own."""
    return redis.Redis(
        host=args.host, port=args.port, socket_timeout=10, retry=Retry(NoBackoff(), 0),
        protocol=args.protocol,
    )


def follow(args) -> dict:
    key = f"chat:{args.room}"
    admin = redis.Redis(host=args.host, port=args.port, socket_timeout=10)
    admin.delete(key)
    posted = threading.Event()
    sender = threading.Thread(
        target=poster,
        args=(redis.Redis(host=args.host, port=args.port, socket_timeout=10), key, args.messages,
              args.interval, posted),
        daemon=True,
    )

    received: list[str] = []
    seen_ids: list[str] = []
    reconnects = 0
    last_id = "0"  # everything from the start of the room
    reader = connect_reader(args)
    reader_id = reader.client_id()
    sender.start()
    cut = False
    posted_while_away = 0
    deadline = time.monotonic() + args.timeout
    while len(received) < args.messages and time.monotonic() < deadline:
        try:
            reply = reader.xread({key: last_id}, count=100, block=200)
        except redis.ConnectionError:
            # The connection is gone: everything posted meanwhile stays in the stream.
            reconnects += 1
            time.sleep(args.away)
            reader = connect_reader(args)
            continue
        # RESP2 gives [[key, entries]]; RESP3 a {key: entries} map, which redis-py turns into
        # {key: [entries]}.
        if isinstance(reply, dict):
            streams = [(k, v[0] if v and isinstance(v[0], list) else v) for k, v in reply.items()]
        else:
            streams = reply or []
        for _, entries in streams:
            for entry_id, fields in entries:
                entry_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                seen_ids.append(entry_id)
                received.append(fields[b"text"].decode())
                last_id = entry_id
        if not cut and len(received) >= args.cut_after:
            # A network failure: the server drops the reader's connection, and the reader is
            # away for a while as the room goes on.
            cut = True
            admin.client_kill_filter(_id=reader_id)
            time.sleep(args.away)
            posted_while_away = admin.xlen(key) - len(received)
            # Back: a new connection (redis-py reconnects on the next command).
            if reader.client_id() != reader_id:
                reconnects += 1
    sender.join(timeout=args.timeout)
    expected = [f"message {i}" for i in range(args.messages)]
    missing = [m for m in expected if m not in set(received)]
    duplicates = len(received) - len(set(received))
    return {
        "sent": args.messages,
        "received": len(received),
        "missing": len(missing),
        "duplicates": duplicates,
        "in_order": received == expected[: len(received)],
        "ids_increasing": seen_ids == sorted(seen_ids, key=lambda s: tuple(map(int, s.split("-")))),
        "reconnects": reconnects,
        "posted_while_away": posted_while_away,
        "stream_length": admin.xlen(key),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=6379)
    p.add_argument("--room", default="lobby")
    p.add_argument("--messages", type=int, default=60)
    p.add_argument("--cut-after", type=int, default=10, help="messages read before the disconnect")
    p.add_argument("--away", type=float, default=0.3, help="seconds the reader stays disconnected")
    p.add_argument("--interval", type=float, default=0.01, help="seconds between two messages")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--protocol", type=int, choices=[2, 3], default=3, help="RESP version of the reader")
    args = p.parse_args()
    summary = follow(args)
    print(json.dumps(summary, sort_keys=True))
    ok = (
        summary["received"] == summary["sent"]
        and summary["missing"] == 0
        and summary["duplicates"] == 0
        and summary["in_order"]
        and summary["reconnects"] >= 1
        and summary["posted_while_away"] > 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
