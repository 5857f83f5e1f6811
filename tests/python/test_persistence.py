"""Snapshots across process restarts: SIGTERM and SHUTDOWN save as configured and a restart
restores the data; SHUTDOWN NOSAVE and `save ""` write nothing; a failing final save keeps
the server running; a corrupt snapshot stops the server from starting; --check-rdb."""

from __future__ import annotations

import signal
import subprocess

import pytest
import redis

from conftest import HERALD_BIN, start_herald, stop_process


def client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=5, decode_responses=True)


def fill(c: redis.Redis) -> None:
    c.set("s", "v")
    c.set("n", 42)
    c.set("t", "ttl", px=600_000)
    c.rpush("l", "a", "b", "c")
    c.sadd("set", "x", "y", 1)
    c.zadd("z", {"a": 1.5, "b": -2})
    c.hset("h", mapping={"f": "1", "g": "2"})
    c.select(9)
    c.set("in9", "nine")
    c.select(0)


def check(c: redis.Redis) -> None:
    assert c.get("s") == "v"
    assert c.get("n") == "42"
    assert 0 < c.pttl("t") <= 600_000
    assert c.lrange("l", 0, -1) == ["a", "b", "c"]
    assert c.smembers("set") == {"x", "y", "1"}
    assert c.zrange("z", 0, -1, withscores=True) == [("b", -2.0), ("a", 1.5)]
    assert c.hgetall("h") == {"f": "1", "g": "2"}
    c.select(9)
    assert c.get("in9") == "nine"
    c.select(0)


def wait_exit(proc: subprocess.Popen) -> int:
    return proc.wait(timeout=15)


def test_sigterm_saves_with_default_rules_and_restart_restores(tmp_path):
    proc, port = start_herald(tmp_path / "a.log")
    try:
        c = client(port)
        assert c.config_get("save") == {"save": "3600 1 300 100 60 10000"}
        fill(c)
        proc.send_signal(signal.SIGTERM)
        assert wait_exit(proc) == 0
    finally:
        stop_process(proc)
    assert (tmp_path / "dump.rdb").stat().st_size > 0
    proc, port = start_herald(tmp_path / "b.log")
    try:
        check(client(port))
    finally:
        stop_process(proc)


def test_sigint_saves_too(tmp_path):
    proc, port = start_herald(tmp_path / "a.log")
    try:
        client(port).set("k", "v")
        proc.send_signal(signal.SIGINT)
        assert wait_exit(proc) == 0
    finally:
        stop_process(proc)
    proc, port = start_herald(tmp_path / "b.log")
    try:
        assert client(port).get("k") == "v"
    finally:
        stop_process(proc)


def test_shutdown_save_and_nosave(tmp_path):
    proc, port = start_herald(tmp_path / "a.log", ("--save", ""))
    try:
        c = client(port)
        fill(c)
        c.shutdown(nosave=True)
        assert wait_exit(proc) == 0
    finally:
        stop_process(proc)
    assert not (tmp_path / "dump.rdb").exists()

    proc, port = start_herald(tmp_path / "b.log", ("--save", ""))
    try:
        c = client(port)
        assert c.dbsize() == 0
        fill(c)
        c.shutdown(save=True)
        assert wait_exit(proc) == 0
    finally:
        stop_process(proc)
    proc, port = start_herald(tmp_path / "c.log", ("--save", ""))
    try:
        check(client(port))
    finally:
        stop_process(proc)


def test_sigterm_without_save_rules_writes_nothing(tmp_path):
    proc, port = start_herald(tmp_path / "a.log", ("--save", ""))
    try:
        client(port).set("k", "v")
        proc.send_signal(signal.SIGTERM)
        assert wait_exit(proc) == 0
    finally:
        stop_process(proc)
    assert not (tmp_path / "dump.rdb").exists()


def test_failed_final_save_keeps_running(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    proc, port = start_herald(tmp_path / "a.log", ("--dir", str(sub)))
    try:
        c = client(port)
        c.set("k", "v")
        sub.rmdir()
        with pytest.raises(redis.ResponseError, match="Errors trying to SHUTDOWN. Check logs."):
            c.shutdown()
        assert c.get("k") == "v"
        assert proc.poll() is None
        # FORCE exits anyway.
        c.shutdown(force=True)
        assert wait_exit(proc) == 0
    finally:
        stop_process(proc)


def test_corrupt_snapshot_refuses_to_start_and_check_rdb(tmp_path):
    proc, port = start_herald(tmp_path / "a.log", ("--save", ""))
    try:
        c = client(port)
        fill(c)
        c.save()
        c.shutdown(nosave=True)
        wait_exit(proc)
    finally:
        stop_process(proc)
    dump = tmp_path / "dump.rdb"
    ok = subprocess.run([str(HERALD_BIN), "--check-rdb", str(dump)], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "RDB looks OK" in ok.stdout
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) // 2])
    bad = subprocess.run([str(HERALD_BIN), "--check-rdb", str(dump)], capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0
    assert "offset" in bad.stdout
    log = tmp_path / "b.log"
    run = subprocess.run(
        [str(HERALD_BIN), "--port", "0", "--bind", "127.0.0.1", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=30,
    )
    assert run.returncode != 0
    out = run.stdout + run.stderr
    assert "Fatal error loading the DB" in out and "offset" in out, out
    del log
