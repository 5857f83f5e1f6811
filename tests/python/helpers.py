"""Bounded-wait helpers shared by the Python tests (every wait has a time-out)."""

from __future__ import annotations

import threading
import time

import redis

# Bound on every blocking read a test makes; no test waits longer than this.
SOCKET_TIMEOUT = 5.0


def make_client(port: int, **kwargs) -> redis.Redis:
    """A redis-py client on 127.0.0.1:port whose reads and connects time out."""
    kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT)
    kwargs.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
    return redis.Redis(host="127.0.0.1", port=port, **kwargs)



def wait_until(predicate, timeout: float = SOCKET_TIMEOUT, interval: float = 0.005):
    """Polls ``predicate`` until it returns a truthy value; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


def numsub(client: redis.Redis, channel) -> int:
    """Subscribers of ``channel`` per PUBSUB NUMSUB.

    Reads the raw reply and accepts a map as well as Redis's flat array, so that tests which only
    need to wait for a subscription do not depend on the reply's shape; the shape itself is
    asserted by the PUBSUB NUMSUB tests.
    """
    reply = client.execute_command("PUBSUB", "NUMSUB", channel)
    if isinstance(reply, dict):
        return next(iter(reply.values()))
    return reply[1]


def wait_numsub(client: redis.Redis, channel, count: int, timeout: float = SOCKET_TIMEOUT):
    """Waits until PUBSUB NUMSUB reports ``count`` subscribers on ``channel``."""
    wait_until(lambda: numsub(client, channel) == count, timeout)


def next_message(pubsub, timeout: float = SOCKET_TIMEOUT, sharded: bool = False):
    """The next message a PubSub object receives, or an AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no message within {timeout}s")
        if sharded:
            msg = pubsub.get_sharded_message(timeout=min(remaining, 0.5))
        else:
            msg = pubsub.get_message(timeout=min(remaining, 0.5))
        if msg is not None:
            return msg


def collect_listen(pubsub, count: int, timeout: float = SOCKET_TIMEOUT) -> list:
    """Takes ``count`` items from ``pubsub.listen()`` in a thread, bounded by ``timeout``.

    redis-py's listen() blocks with no timeout, so it runs in a daemon thread; on time-out the
    connection is closed to unblock it and the test fails.
    """
    got: list = []
    errors: list = []

    def run():
        try:
            for item in pubsub.listen():
                got.append(item)
                if len(got) >= count:
                    return
        except Exception as e:  # surfaced in the assertion below
            errors.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        try:
            if pubsub.connection is not None:
                pubsub.connection.disconnect()
        except Exception:
            pass
        t.join(1)
        raise AssertionError(f"listen() gave {len(got)} of {count} items within {timeout}s: {got}")
    if errors:
        raise errors[0]
    return got
