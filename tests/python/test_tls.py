"""TLS with redis-py (``ssl=True``): a real herald-server with ``tls-port`` next to its plain
port, certificates made for the test by the openssl CLI (a CA, a server certificate for
127.0.0.1, a client certificate), client-certificate checks, CONFIG SET of the TLS directives,
and Pub/Sub of large messages over TLS."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from conftest import free_port, start_herald, stop_process
from helpers import SOCKET_TIMEOUT, make_client, wait_until

if shutil.which("openssl") is None:  # scripts/test.sh installs it
    pytest.skip("the openssl CLI is needed to make test certificates", allow_module_level=True)


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def issue(d: Path, name: str, ca: str, usage: str) -> None:
    """``name``.pem / ``name``.key signed by ``ca``.pem / ``ca``.key."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    (d / f"{name}.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        f"extendedKeyUsage={usage}\n"
    )
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
            cwd=d)


def make_ca(d: Path, name: str) -> None:
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN={name}", cwd=d)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("tls")
    make_ca(d, "ca")
    issue(d, "server", "ca", "serverAuth")
    issue(d, "client", "ca", "clientAuth")
    make_ca(d, "otherca")
    issue(d, "stranger", "otherca", "clientAuth")
    return d


@pytest.fixture(scope="module")
def tls_server(certs, tmp_path_factory):
    """(plain port, TLS port) of a herald-server requiring client certificates."""
    tls_port = free_port()
    proc, port = start_herald(
        tmp_path_factory.mktemp("herald-tls") / "herald.log",
        (
            "--tls-port", str(tls_port),
            "--tls-cert-file", str(certs / "server.pem"),
            "--tls-key-file", str(certs / "server.key"),
            "--tls-ca-cert-file", str(certs / "ca.pem"),
            "--tls-auth-clients", "yes",
        ),
    )
    try:
        yield port, tls_port
    finally:
        stop_process(proc)


def tls_client(certs: Path, port: int, cert: str | None = "client", **kwargs) -> redis.Redis:
    # No reconnect attempts: a refused handshake must fail at once (redis-py 8 otherwise retries
    # with back-off for seconds).
    kwargs.setdefault("retry", Retry(NoBackoff(), 0))
    if cert is not None:
        kwargs.update(ssl_certfile=str(certs / f"{cert}.pem"), ssl_keyfile=str(certs / f"{cert}.key"))
    return make_client(
        port,
        ssl=True,
        ssl_ca_certs=str(certs / "ca.pem"),
        ssl_cert_reqs="required",
        ssl_check_hostname=True,
        **kwargs,
    )


def test_tls_and_plain_ports_share_the_data(certs, tls_server):
    port, tls_port = tls_server
    t = tls_client(certs, tls_port)
    plain = make_client(port)
    try:
        assert t.ping() is True
        assert t.set("tls:key", "secret") is True
        assert plain.get("tls:key") == b"secret"
        big = b"z" * (2 * 1024 * 1024 + 3)
        plain.set("tls:big", big)
        assert t.get("tls:big") == big
        assert t.config_get("tls-port") == {"tls-port": str(tls_port)}
    finally:
        t.close()
        plain.close()


def test_client_certificate_is_required(certs, tls_server):
    _, tls_port = tls_server
    for cert in (None, "stranger"):
        c = tls_client(certs, tls_port, cert=cert)
        try:
            with pytest.raises(redis.ConnectionError):
                c.ping()
        finally:
            c.close()


def test_pubsub_large_messages_over_tls(certs, tls_server):
    _, tls_port = tls_server
    sub_client = tls_client(certs, tls_port)
    pub = tls_client(certs, tls_port)
    p = sub_client.pubsub(ignore_subscribe_messages=True)
    try:
        p.subscribe("tls:news")
        wait_until(lambda: pub.pubsub_numsub("tls:news")[0][1] == 1)
        payloads = [bytes([65 + i]) * (300 * 1024) for i in range(8)]
        received: list[bytes] = []

        def reader():
            # get_message also returns None for the (ignored) subscribe confirmation.
            deadline = time.monotonic() + 3 * SOCKET_TIMEOUT
            while len(received) < len(payloads) and time.monotonic() < deadline:
                m = p.get_message(timeout=SOCKET_TIMEOUT)
                if m is not None:
                    received.append(m["data"])

        t = threading.Thread(target=reader)
        t.start()
        for data in payloads:
            assert pub.publish("tls:news", data) == 1
        t.join(timeout=3 * SOCKET_TIMEOUT)
        assert received == payloads
    finally:
        p.close()
        sub_client.close()
        pub.close()


def test_config_set_tls_directives(certs, tls_server):
    port, tls_port = tls_server
    admin = make_client(port)
    try:
        # optional: a client without a certificate is accepted, a wrong one still is not.
        assert admin.config_set("tls-auth-clients", "optional") is True
        anon = tls_client(certs, tls_port, cert=None)
        assert anon.ping() is True
        anon.close()
        stranger = tls_client(certs, tls_port, cert="stranger")
        with pytest.raises(redis.ConnectionError):
            stranger.ping()
        stranger.close()

        # TLS 1.2 only: a client insisting on TLS 1.3 cannot connect, a default one can.
        assert admin.config_set("tls-protocols", "TLSv1.2") is True
        strict = tls_client(certs, tls_port, ssl_min_version=ssl.TLSVersion.TLSv1_3)
        with pytest.raises(redis.ConnectionError):
            strict.ping()
        strict.close()
        ok = tls_client(certs, tls_port)
        assert ok.ping() is True
        ok.close()

        with pytest.raises(redis.ResponseError) as e:
            admin.config_set("tls-cert-file", str(certs / "missing.pem"))
        assert str(e.value) == (
            "CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
            "Unable to update TLS configuration. Check server logs."
        )
        assert admin.config_get("tls-cert-file") == {"tls-cert-file": str(certs / "server.pem")}
    finally:
        admin.config_set("tls-protocols", "")
        admin.config_set("tls-auth-clients", "yes")
        admin.close()
