"""The samples of the Redis Pub/Sub article our users follow, run against Herald.

Each test is the article's code with only the port changed (Herald runs on a port of its own
choosing here rather than 6379), plus assertions on what the code gets back.

The article's subscriber sample calls ``pubsub.run_in_thread(sleep_time=0.001,
callback=message_handler)``. That does not run on any server: redis-py's ``run_in_thread`` has no
``callback`` argument (TypeError), and without it ``run_in_thread`` raises unless every channel was
subscribed with a handler. The working form, which the README shows, registers the handler at
subscribe time: ``pubsub.subscribe(**{channel: message_handler})`` and then
``pubsub.run_in_thread(sleep_time=0.001)``. Both facts are pinned down by tests below.
"""

from __future__ import annotations

import queue
import threading

import pytest
import redis
from redis.exceptions import PubSubError

from helpers import SOCKET_TIMEOUT, make_client, next_message, wait_numsub

WELCOME = "New event: Welcome to our chat room!"


@pytest.fixture
def port(r, herald_server):
    """Herald's port, with the database flushed (through the ``r`` fixture)."""
    return herald_server


def test_publish_sample_verbatim(port):
    # --- the article's publish sample (port changed) ---
    # Connect to the Redis server
    r = redis.Redis(host='localhost', port=port, db=0)

    # Define a channel
    channel = 'notifications'

    # Define a message
    message = 'New event: Welcome to our chat room!'

    # Publish the message to the channel
    result = r.publish(channel, message)
    # --- end of sample ---

    assert isinstance(result, int)
    assert result == 0  # nobody is subscribed yet
    r.close()


def test_publish_sample_counts_receivers(port):
    listener = make_client(port).pubsub()
    listener.subscribe('notifications')
    assert next_message(listener)['type'] == 'subscribe'

    r = redis.Redis(host='localhost', port=port, db=0)
    assert r.publish('notifications', WELCOME) == 1
    msg = next_message(listener)
    assert msg == {'type': 'message', 'pattern': None, 'channel': b'notifications',
                   'data': WELCOME.encode()}
    listener.close()
    r.close()


def test_subscriber_sample_working_form(port):
    received: queue.Queue = queue.Queue()
    handler_threads: list = []

    def message_handler(message):
        print(f"Received message: {message['data']}")
        handler_threads.append(threading.current_thread())
        received.put(message)

    # --- the article's subscriber sample, in its working form (port changed) ---
    # Connect to the Redis server
    r = redis.Redis(host='localhost', port=port, db=0)

    # Define a channel
    channel = 'notifications'

    # Subscribe to the channel, with the handler
    pubsub = r.pubsub()
    pubsub.subscribe(**{channel: message_handler})

    # Start listening for messages
    thread = pubsub.run_in_thread(sleep_time=0.001)
    # --- end of sample ---

    try:
        wait_numsub(r, channel, 1)
        assert r.publish(channel, WELCOME) == 1
        message = received.get(timeout=SOCKET_TIMEOUT)
        assert message['type'] == 'message'
        assert message['channel'] == b'notifications'
        assert message['pattern'] is None
        assert message['data'] == b'New event: Welcome to our chat room!'
        # The handler ran on the worker thread, and only for the published message (the
        # subscribe confirmation is not passed to it).
        assert handler_threads == [thread]
        assert received.empty()
    finally:
        thread.stop()
        thread.join(timeout=SOCKET_TIMEOUT)
    assert not thread.is_alive()
    r.close()


def test_article_literal_run_in_thread_raises_type_error(port):
    def message_handler(message):
        print(f"Received message: {message['data']}")

    r = redis.Redis(host='localhost', port=port, db=0)
    channel = 'notifications'
    pubsub = r.pubsub()
    pubsub.subscribe(channel)
    assert next_message(pubsub)['type'] == 'subscribe'

    # The article's literal call: redis-py's run_in_thread has no `callback` parameter.
    with pytest.raises(TypeError, match="callback"):
        pubsub.run_in_thread(sleep_time=0.001, callback=message_handler)

    # Dropping `callback` is not enough either: the channel has no handler registered.
    with pytest.raises(PubSubError, match="has no handler registered"):
        pubsub.run_in_thread(sleep_time=0.001)

    pubsub.close()
    r.close()


def _subscribers(port, channel, n):
    subs = []
    for _ in range(n):
        p = make_client(port).pubsub(ignore_subscribe_messages=True)
        p.subscribe(channel)
        subs.append(p)
    return subs


def test_chat_room_broadcast(port):
    r = redis.Redis(host='localhost', port=port, db=0)
    subs = _subscribers(port, 'chatroom', 3)
    wait_numsub(r, 'chatroom', 3)

    # --- the article's chat sample ---
    # Publishing a chat message
    chat_channel = 'chatroom'
    chat_message = 'User123: Hello, everyone!'
    receivers = r.publish(chat_channel, chat_message)
    # --- end of sample ---

    assert receivers == 3
    for p in subs:
        msg = next_message(p)
        assert msg == {'type': 'message', 'pattern': None, 'channel': b'chatroom',
                       'data': b'User123: Hello, everyone!'}
        p.close()
    r.close()


def test_live_feed(port):
    r = redis.Redis(host='localhost', port=port, db=0)
    subs = _subscribers(port, 'live_feed', 2)
    wait_numsub(r, 'live_feed', 2)

    # --- the article's live feed sample ---
    # Publishing a new post in a live feed
    feed_channel = 'live_feed'
    new_post = 'New post: Redis Pub/Sub in action!'
    receivers = r.publish(feed_channel, new_post)
    # --- end of sample ---

    assert receivers == 2
    for p in subs:
        msg = next_message(p)
        assert msg['type'] == 'message'
        assert msg['channel'] == b'live_feed'
        assert msg['data'] == b'New post: Redis Pub/Sub in action!'
        p.close()
    r.close()


def test_user_notifications_reach_the_right_user_only(port):
    r = redis.Redis(host='localhost', port=port, db=0)
    pubsub = r.pubsub()
    user_id = 42

    # --- the article's notifications sample ---
    # Subscribing to notifications
    user_channel = f'user_{user_id}_notifications'
    pubsub.subscribe(user_channel)
    # --- end of sample ---

    assert next_message(pubsub) == {'type': 'subscribe', 'pattern': None,
                                    'channel': b'user_42_notifications', 'data': 1}
    assert r.publish('user_7_notifications', 'for user 7') == 0
    assert r.publish('user_420_notifications', 'for user 420') == 0
    assert r.publish(user_channel, 'You have a new follower') == 1
    # The first (and only) message is user 42's.
    assert next_message(pubsub) == {'type': 'message', 'pattern': None,
                                    'channel': b'user_42_notifications',
                                    'data': b'You have a new follower'}
    assert pubsub.get_message(timeout=0.2) is None
    pubsub.close()
    r.close()


def test_pattern_subscription_receives_every_users_notifications(port):
    r = redis.Redis(host='localhost', port=port, db=0)
    watcher = r.pubsub()
    watcher.psubscribe('user_*_notifications')
    assert next_message(watcher) == {'type': 'psubscribe', 'pattern': None,
                                     'channel': b'user_*_notifications', 'data': 1}
    user42 = make_client(port).pubsub()
    user42.subscribe('user_42_notifications')
    assert next_message(user42)['type'] == 'subscribe'

    assert r.publish('user_7_notifications', 'hello 7') == 1  # the pattern only
    assert r.publish('user_42_notifications', 'hello 42') == 2  # pattern + user 42
    assert r.publish('user_notifications', 'nobody') == 0  # `*` needs the two underscores
    assert r.publish('admin_7_notifications', 'nobody') == 0

    assert next_message(watcher) == {'type': 'pmessage', 'pattern': b'user_*_notifications',
                                     'channel': b'user_7_notifications', 'data': b'hello 7'}
    assert next_message(watcher) == {'type': 'pmessage', 'pattern': b'user_*_notifications',
                                     'channel': b'user_42_notifications', 'data': b'hello 42'}
    assert watcher.get_message(timeout=0.2) is None
    assert next_message(user42) == {'type': 'message', 'pattern': None,
                                    'channel': b'user_42_notifications', 'data': b'hello 42'}
    assert r.pubsub_numpat() == 1
    watcher.close()
    user42.close()
    r.close()
