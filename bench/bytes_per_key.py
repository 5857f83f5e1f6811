"""Bytes per key, Herald vs Redis: INFO used_memory growth per key for 100k small keys of each
type (the presence/ranking/session shapes real-time apps use).

Usage: .venv/bin/python bench/bytes_per_key.py HERALD_PORT REDIS_PORT
Prints a Markdown table: type, Herald bytes/key, Redis bytes/key, ratio. FLUSHALLs both servers.
"""
import redis, sys
def measure(port, kind, n=100000):
    r = redis.Redis(port=port, protocol=2); r.flushall()
    def used(): return int(r.info("memory")["used_memory"])
    b = used(); p = r.pipeline(transaction=False)
    for i in range(n):
        k = f"{kind}:{i}"
        if kind == "set": p.sadd(k, "u1", "u2", "u3")
        elif kind == "hash": p.hset(k, mapping={"name": "alice", "status": "online"})
        elif kind == "zset": p.zadd(k, {"a": 1, "b": 2, "c": 3})
        elif kind == "string": p.set(k, "some-session-token")
        elif kind == "list": p.rpush(k, "m1", "m2", "m3")
        if i % 1000 == 999: p.execute()
    p.execute(); a = used(); r.flushall()
    return (a - b) / n
print("| type | Herald B/key | Redis B/key | Herald/Redis |")
print("|---|---:|---:|---:|")
for kind in ["string", "set", "hash", "zset", "list"]:
    h = measure(int(sys.argv[1]), kind); rd = measure(int(sys.argv[2]), kind)
    print(f"| {kind} | {h:.0f} | {rd:.0f} | {h/rd:.2f} |")
