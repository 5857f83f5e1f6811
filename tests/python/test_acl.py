"""ACL with redis-py: users made with ``acl_setuser``, logging in as them, NOPERM refusals, and a
per-user notification channel scenario (``user_{id}_notifications``) where each user may read
only its own channel and loses its subscription when that permission is taken away.

The server is shared by the whole session, so every test deletes the users it made.
"""

from __future__ import annotations

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from helpers import SOCKET_TIMEOUT, next_message, wait_numsub, wait_until


def login(client_factory, user: str, password: str) -> redis.Redis:
    """A client logged in as ``user`` that does not retry: a refused login or a connection the
    server closed shows at once instead of after reconnection attempts."""
    return client_factory(username=user, password=password, retry=Retry(NoBackoff(), 0))


@pytest.fixture
def users(r):
    """Names of users the test creates; deleted (with their connections) afterwards."""
    made: list[str] = []
    yield made
    if made:
        r.acl_deluser(*made)


def test_setuser_getuser_list(r, users):
    users.append("py_alice")
    assert r.acl_setuser(
        "py_alice",
        enabled=True,
        passwords=["+secret"],
        commands=["+get", "+set", "+config|get"],
        categories=["+@pubsub", "-@dangerous"],
        keys=["app:*"],
        channels=["news.*"],
    )
    user = r.acl_getuser("py_alice")
    assert "on" in user["flags"]
    assert len(user["passwords"]) == 1
    assert user["keys"] == ["~app:*"]
    assert user["channels"] == ["&news.*"]
    assert "+get" in user["commands"] and "+config|get" in user["commands"]
    assert "py_alice" in r.acl_users()
    lines = [l.decode() if isinstance(l, bytes) else l for l in r.acl_list()]
    line = next(l for l in lines if l.startswith("user py_alice "))
    assert "~app:* resetchannels &news.*" in line
    assert r.acl_getuser("py_nobody") is None
    with pytest.raises(redis.ResponseError, match="Unknown command or category name in ACL"):
        r.acl_setuser("py_alice", commands=["+nosuchcommand"])
    assert r.acl_whoami() in ("default", b"default")


def test_login_and_noperm(r, users, client_factory):
    users.append("py_reader")
    r.acl_setuser(
        "py_reader",
        enabled=True,
        passwords=["+pw"],
        commands=["+get", "+ping", "+acl|whoami"],
        keys=["%R~public:*"],
    )
    r.set("public:1", "hello")
    reader = login(client_factory, "py_reader", "pw")
    assert reader.get("public:1") == b"hello"
    assert reader.acl_whoami() in ("py_reader", b"py_reader")
    with pytest.raises(redis.exceptions.NoPermissionError, match="No permissions to access a key"):
        reader.get("private:1")
    with pytest.raises(
        redis.exceptions.NoPermissionError,
        match="User py_reader has no permissions to run the 'set' command",
    ):
        reader.set("public:1", "x")
    with pytest.raises(redis.exceptions.AuthenticationError):
        login(client_factory, "py_reader", "wrong").ping()
    # The refusals are in ACL LOG (newest first) and INFO.
    log = r.acl_log()
    reasons = [e["reason"] for e in log[:3]]
    assert reasons == ["auth", "command", "key"]
    assert log[1]["object"] == "set" and log[1]["username"] == "py_reader"
    assert log[2]["object"] == "private:1"
    stats = r.info("stats")
    assert stats["acl_access_denied_key"] >= 1
    assert stats["acl_access_denied_auth"] >= 1
    assert r.acl_dryrun("py_reader", "get", "public:2") in ("OK", b"OK")
    assert r.acl_log_reset()
    assert r.acl_log() == []


def test_genpass_cat(r):
    p = r.acl_genpass()
    assert len(p) == 64 and int(p, 16) >= 0
    assert len(r.acl_genpass(128)) == 32
    cats = r.acl_cat()
    assert "pubsub" in cats and "dangerous" in cats
    assert "publish" in r.acl_cat("pubsub")


def _notification_user(r, uid: int) -> None:
    r.acl_setuser(
        f"py_user_{uid}",
        enabled=True,
        passwords=[f"+pw{uid}"],
        commands=["+subscribe", "+unsubscribe", "+ping"],
        channels=[f"user_{uid}_notifications"],
    )


def test_per_user_notification_channels(r, users, client_factory):
    users.extend(["py_user_1", "py_user_2", "py_notifier"])
    _notification_user(r, 1)
    _notification_user(r, 2)
    # The backend may publish to every user's channel, and nothing else.
    r.acl_setuser(
        "py_notifier",
        enabled=True,
        passwords=["+npw"],
        commands=["+publish"],
        channels=["user_*_notifications"],
    )
    notifier = login(client_factory, "py_notifier", "npw")
    user1 = login(client_factory, "py_user_1", "pw1")
    user2 = login(client_factory, "py_user_2", "pw2")

    p1 = user1.pubsub()
    p1.subscribe("user_1_notifications")
    assert next_message(p1)["type"] == "subscribe"
    # A user cannot listen to another user's notifications.
    p_spy = user1.pubsub()
    with pytest.raises(redis.exceptions.NoPermissionError, match="No permissions to access a channel"):
        p_spy.subscribe("user_2_notifications")
        next_message(p_spy)
    p_spy.close()
    p2 = user2.pubsub()
    p2.subscribe("user_2_notifications")
    assert next_message(p2)["type"] == "subscribe"
    wait_numsub(r, "user_1_notifications", 1)
    wait_numsub(r, "user_2_notifications", 1)

    assert notifier.publish("user_1_notifications", "order shipped") == 1
    msg = next_message(p1)
    assert msg["channel"] == b"user_1_notifications" and msg["data"] == b"order shipped"
    with pytest.raises(redis.exceptions.NoPermissionError):
        notifier.publish("admin_channel", "x")

    # Taking user 2's channel away disconnects its subscriber; user 1 is untouched.
    r.acl_setuser("py_user_2", reset_channels=True, channels=["user_2_other"])
    wait_numsub(r, "user_2_notifications", 0)
    with pytest.raises(redis.exceptions.ConnectionError):
        p2.get_message(timeout=SOCKET_TIMEOUT)
        p2.get_message(timeout=SOCKET_TIMEOUT)
    assert notifier.publish("user_1_notifications", "second") == 1
    assert next_message(p1)["data"] == b"second"
    p1.close()
    p2.close()

    # Deleting a user disconnects its clients, and it can no longer log in.
    assert user1.ping()
    assert any(c.get("user") == "py_user_1" for c in r.client_list())
    assert r.acl_deluser("py_user_1") == 1
    users.remove("py_user_1")
    wait_until(lambda: not any(c.get("user") == "py_user_1" for c in r.client_list()))
    with pytest.raises((redis.exceptions.ConnectionError, redis.exceptions.AuthenticationError)):
        user1.ping()
