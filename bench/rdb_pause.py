"""BGSAVE pause and save times, Herald vs Redis, on N keys (default 1M).

Starts target/release/herald-server and /usr/bin/redis-server in temporary directories, loads
the same N keys into each (a mix: 70% short strings, 10% each of 3-member hashes, sets and
sorted sets), then for each server:

* SAVE: wall time of the foreground save, and the file size;
* load: seconds from process start until the server answers PING with the dump loaded;
* BGSAVE: `latest_fork_usec` (the pause at the start; for Herald also the whole keyspace-lock
  hold, `herald_bgsave_lock_usec`), wall time until the snapshot is on disk, and the slowest
  reply a client doing GETs back to back saw while the BGSAVE ran (stalls show up there).

Usage: .venv/bin/python bench/rdb_pause.py [N]
Prints a Markdown table. Loopback only; stops both servers at the end.
"""
import os, shutil, subprocess, sys, tempfile, threading, time
import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERALD = os.environ.get("HERALD_BIN", os.path.join(ROOT, "target", "release", "herald-server"))
REDIS = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, d):
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d]
    if binary == REDIS:
        args += ["--appendonly", "no", "--hash-max-listpack-entries", "128"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = redis.Redis(port=port, protocol=2)
    for _ in range(3000):
        try:
            c.ping()
            return proc, c
        except redis.ConnectionError:
            time.sleep(0.02)
    raise RuntimeError(f"{binary} did not start")


def fill(c, n):
    p = c.pipeline(transaction=False)
    for i in range(n):
        m = i % 10
        if m < 7:
            p.set(f"s:{i}", f"value-{i}")
        elif m == 7:
            p.hset(f"h:{i}", mapping={"name": "alice", "n": i})
        elif m == 8:
            p.sadd(f"set:{i}", "a", "b", i)
        else:
            p.zadd(f"z:{i}", {"a": 1, "b": 2, str(i): 3})
        if i % 5000 == 4999:
            p.execute()
    p.execute()


def bgsave_done(c):
    return c.info("persistence")["rdb_bgsave_in_progress"] == 0


def measure(c, port, d):
    t = time.perf_counter(); c.save(); save_s = time.perf_counter() - t
    size = os.path.getsize(os.path.join(d, "dump.rdb"))
    stop = threading.Event(); worst = [0.0]
    def getter():
        g = redis.Redis(port=port, protocol=2)
        while not stop.is_set():
            t0 = time.perf_counter(); g.get("s:1"); worst[0] = max(worst[0], time.perf_counter() - t0)
    th = threading.Thread(target=getter); th.start(); time.sleep(0.2); worst[0] = 0.0
    t = time.perf_counter(); c.bgsave()
    while not bgsave_done(c):
        time.sleep(0.005)
    bg_s = time.perf_counter() - t
    stop.set(); th.join()
    info = c.info("all")
    return {
        "save_s": save_s, "size_mb": size / 1e6, "bgsave_s": bg_s,
        "fork_us": int(info["latest_fork_usec"]), "lock_us": info.get("herald_bgsave_lock_usec", "-"),
        "worst_get_ms": worst[0] * 1000, "status": info["rdb_last_bgsave_status"],
    }


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rows = []
    for name, binary in (("Herald", HERALD), ("Redis", REDIS)):
        d = tempfile.mkdtemp(prefix="rdb-pause-")
        proc, c = start(binary, d)
        try:
            fill(c, n)
            port = c.connection_pool.connection_kwargs["port"]
            m = measure(c, port, d)
            keys = c.dbsize()
            proc.terminate(); proc.wait(timeout=60)
            t = time.perf_counter(); proc, c = start(binary, d); m["load_s"] = time.perf_counter() - t
            assert c.dbsize() == keys, "reload lost keys"
            rows.append((name, keys, m))
        finally:
            proc.terminate(); proc.wait(timeout=60); shutil.rmtree(d, ignore_errors=True)
    print("| server | keys | SAVE s | dump MB | load s | BGSAVE s | latest_fork_usec | lock held us | slowest GET during BGSAVE ms | status |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, keys, m in rows:
        print(f"| {name} | {keys} | {m['save_s']:.2f} | {m['size_mb']:.1f} | {m['load_s']:.2f} | {m['bgsave_s']:.2f} | {m['fork_us']} | {m['lock_us']} | {m['worst_get_ms']:.1f} | {m['status']} |")


if __name__ == "__main__":
    main()
