"""Fixtures for the Python (redis-py) test suite.

Every test talks to a REAL server process over TCP:

* ``herald_server`` (session): starts ``target/release/herald-server --port 0 --bind 127.0.0.1``,
  reads the port it chose from its log, waits until PING answers, yields the port and
  terminates the process at the end of the session.
* ``r`` (function): a ``redis.Redis`` client on Herald; FLUSHALLs before each test.
* ``redis_server`` (session, optional): a real ``redis-server`` (``--save '' --appendonly no``
  on a free port) for comparison tests; skipped if no redis-server is installed.
* ``both_servers``: ``{"redis": port, "herald": port}`` for tests that run one scenario
  against both servers and compare the results.

``HERALD_BIN`` and ``REDIS_SERVER_BIN`` override the binaries used.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from helpers import make_client

REPO_ROOT = Path(__file__).resolve().parents[2]
HERALD_BIN = Path(os.environ.get("HERALD_BIN", REPO_ROOT / "target" / "release" / "herald-server"))
START_TIMEOUT = 15.0

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PORT_LINE = re.compile(r"accepting connections on \S*:(\d+)")


def free_port() -> int:
    """A TCP port that was free a moment ago (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_ping(port: int, proc: subprocess.Popen, log_path: Path, deadline: float) -> None:
    """Waits until the server on ``port`` answers PING, or fails with its log."""
    last_err: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with code {proc.returncode} before answering PING; log:\n"
                + log_path.read_text(errors="replace")
            )
        try:
            c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
            try:
                if c.ping() is True:
                    return
            finally:
                c.close()
        except redis.RedisError as e:  # not listening yet
            last_err = e
        time.sleep(0.02)
    raise RuntimeError(
        f"server on port {port} did not answer PING within {START_TIMEOUT}s ({last_err!r}); log:\n"
        + log_path.read_text(errors="replace")
    )


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def start_herald(log_path: Path, extra_args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, int]:
    """Starts herald-server on a port of its choosing (with ``extra_args``, e.g. TLS
    directives) and returns (process, port)."""
    if not HERALD_BIN.exists():
        raise RuntimeError(f"{HERALD_BIN} not found: run `cargo build --release --bins` first")
    log = open(log_path, "wb")
    env = dict(os.environ, NO_COLOR="1")
    env.pop("HERALD_LOG", None)
    proc = subprocess.Popen(
        [str(HERALD_BIN), "--port", "0", "--bind", "127.0.0.1", *extra_args],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    port = None
    while port is None:
        text = _ANSI.sub("", log_path.read_text(errors="replace"))
        m = _PORT_LINE.search(text)
        if m:
            port = int(m.group(1))
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process(proc)
            raise RuntimeError("herald-server did not log its port; log:\n" + text)
        time.sleep(0.02)
    try:
        wait_for_ping(port, proc, log_path, deadline)
    except Exception:
        stop_process(proc)
        raise
    return proc, port


def find_redis_server() -> str | None:
    env = os.environ.get("REDIS_SERVER_BIN")
    if env:
        return env
    if Path("/usr/bin/redis-server").exists():
        return "/usr/bin/redis-server"
    return shutil.which("redis-server")


def start_redis(binary: str, log_path: Path) -> tuple[subprocess.Popen, int]:
    """Starts a throwaway redis-server on a free port (retrying if the port was taken)."""
    last: Exception | None = None
    for _ in range(5):
        port = free_port()
        log = open(log_path, "wb")
        proc = subprocess.Popen(
            [
                binary,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", str(log_path.parent),
                "--logfile", "",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            wait_for_ping(port, proc, log_path, time.monotonic() + START_TIMEOUT)
            return proc, port
        except Exception as e:  # port race or slow start: try another port
            last = e
            stop_process(proc)
    raise RuntimeError(f"could not start redis-server: {last}")


@pytest.fixture(scope="session")
def herald_server(tmp_path_factory):
    """Port of a real herald-server process running for the whole session."""
    log_path = tmp_path_factory.mktemp("herald") / "herald.log"
    proc, port = start_herald(log_path)
    try:
        yield port
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """Port of a real redis-server process (for comparison tests)."""
    binary = find_redis_server()
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/test.sh installs it)")
    log_path = tmp_path_factory.mktemp("redis") / "redis.log"
    proc, port = start_redis(binary, log_path)
    try:
        yield port
    finally:
        stop_process(proc)


@pytest.fixture
def r(herald_server):
    """A redis-py client on Herald; the server is FLUSHALLed before each test."""
    client = make_client(herald_server)
    client.flushall()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def client_factory(herald_server):
    """Makes extra clients on Herald (closed at the end of the test)."""
    made: list[redis.Redis] = []

    def factory(**kwargs) -> redis.Redis:
        c = make_client(herald_server, **kwargs)
        made.append(c)
        return c

    yield factory
    for c in made:
        c.close()


@pytest.fixture
def both_servers(herald_server, redis_server):
    """Ports of both servers, each FLUSHALLed: {"redis": port, "herald": port}."""
    ports = {"redis": redis_server, "herald": herald_server}
    for port in ports.values():
        c = make_client(port)
        try:
            c.flushall()
        finally:
            c.close()
    return ports
