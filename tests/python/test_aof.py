"""The append-only file through redis-py: data written by a client survives a restart of a real
herald-server process, and the commands written for non-deterministic or relative commands are
the ones real redis-server writes."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from conftest import find_redis_server, start_herald, stop_process, wait_for_ping, free_port, START_TIMEOUT
from helpers import make_client


def aof_commands(path: Path) -> list[list[bytes]]:
    """The commands in an AOF file, as lists of arguments."""
    data = path.read_bytes()
    out, pos = [], 0
    while pos < len(data):
        assert data[pos:pos + 1] == b"*", f"not a multibulk at {pos}"
        nl = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:nl])
        pos = nl + 2
        args = []
        for _ in range(argc):
            nl = data.index(b"\r\n", pos)
            n = int(data[pos + 1:nl])
            args.append(data[nl + 2:nl + 2 + n])
            pos = nl + 2 + n + 2
        out.append(args)
    return out


def herald(tmp: Path, *args: str):
    return start_herald(tmp / f"herald-{time.monotonic_ns()}.log",
                        ("--appendonly", "yes", "--dir", str(tmp), *args))


def test_every_type_with_ttls_survives_a_restart(tmp_path):
    proc, port = herald(tmp_path, "--appendfsync", "always")
    try:
        r = make_client(port)
        r.set("s", "v", px=900_000)
        r.rpush("l", *range(200))
        r.sadd("set", "a", "b", 7)
        r.zadd("z", {"m": 1.25, "n": -3})
        r.hset("h", mapping={"f": "1", "g": "2"})
        r.hpexpire("h", 900_000, "g")
        r.select(9)
        r.set("nine", "9")
        r.select(0)
        ttl = r.pexpiretime("s")
        field_ttl = r.hpexpiretime("h", "g")
        r.close()
    finally:
        stop_process(proc)  # SIGTERM: flushed and fsynced on the way out
    proc, port = herald(tmp_path)
    try:
        r = make_client(port)
        assert r.get("s") == b"v" and r.pexpiretime("s") == ttl
        assert r.lrange("l", 0, -1) == [str(i).encode() for i in range(200)]
        assert r.smembers("set") == {b"a", b"b", b"7"}
        assert r.zrange("z", 0, -1, withscores=True) == [(b"n", -3.0), (b"m", 1.25)]
        assert r.hgetall("h") == {b"f": b"1", b"g": b"2"}
        assert r.hpexpiretime("h", "g") == field_ttl
        r.select(9)
        assert r.get("nine") == b"9"
        r.close()
    finally:
        stop_process(proc)


SCENARIO = [
    ("SET", "a", "1", "EX", "1000"),
    ("SETEX", "b", "1000", "x"),
    ("EXPIRE", "a", "2000"),
    ("PEXPIRE", "b", "-5"),
    ("INCRBYFLOAT", "f", "1.5"),
    ("SADD", "s", "x"),
    ("SPOP", "s"),
    ("RPUSH", "l", "1", "2"),
    ("LMPOP", "1", "l", "LEFT", "COUNT", "5"),
    ("ZADD", "z", "1", "a"),
    ("ZMPOP", "1", "z", "MIN"),
    ("GET", "a"),
    ("SRANDMEMBER", "s"),
    ("SET", "g", "1"),
    ("GETDEL", "g"),
]


def written_names(path: Path) -> list[str]:
    return [c[0].decode().upper() for c in aof_commands(path) if c[0].upper() != b"SELECT"]


def run_scenario(proc: subprocess.Popen, port: int) -> None:
    """Runs SCENARIO on the server at ``port``, then stops it (SIGTERM: the AOF is flushed)."""
    try:
        r = make_client(port)
        for cmd in SCENARIO:
            r.execute_command(*cmd)
        r.close()
    finally:
        stop_process(proc)


def test_the_commands_written_match_redis(tmp_path):
    binary = find_redis_server()
    if binary is None:
        pytest.skip("redis-server is not installed")
    hdir, rdir = tmp_path / "h", tmp_path / "r"
    hdir.mkdir()
    rdir.mkdir()
    run_scenario(*herald(hdir, "--appendfsync", "always"))
    herald_names = written_names(hdir / "appendonly.aof")

    rport = free_port()
    log = open(rdir / "redis.log", "wb")
    rproc = subprocess.Popen(
        [binary, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
         "--appendfsync", "always", "--aof-use-rdb-preamble", "no", "--dir", str(rdir)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    try:
        wait_for_ping(rport, rproc, rdir / "redis.log", time.monotonic() + START_TIMEOUT)
    except Exception:
        stop_process(rproc)
        raise
    run_scenario(rproc, rport)
    incr = sorted((rdir / "appendonlydir").glob("*.incr.aof"))
    assert incr, "redis wrote no incremental AOF"
    redis_names = written_names(incr[-1])
    assert herald_names == redis_names
