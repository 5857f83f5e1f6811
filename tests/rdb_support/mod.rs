//! Shared by the RDB tests: a scratch directory, a dataset covering every type and encoding,
//! and a fingerprint of a server's whole keyspace (types, encodings, contents, TTLs) to compare
//! two servers (Herald before and after a reload, Herald and redis-server).
#![allow(dead_code)]

use redis::aio::MultiplexedConnection;
use std::path::{Path, PathBuf};

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh, empty directory named after `name`.
    pub fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("herald-rdb-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    /// The directory as a `dir` directive value.
    pub fn dir(&self) -> String {
        self.0.display().to_string()
    }

    /// `dump.rdb` in it.
    pub fn dump(&self) -> PathBuf {
        self.0.join("dump.rdb")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn q<T: redis::FromRedisValue>(c: &mut MultiplexedConnection, args: &[&[u8]]) -> T {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(c)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(args[0])))
}

/// Runs each command (words split on spaces) on `c`.
pub async fn run_all(c: &mut MultiplexedConnection, cmds: &[String]) {
    let mut pipe = redis::pipe();
    for line in cmds {
        let mut words = line.split(' ');
        let mut cmd = redis::cmd(words.next().unwrap());
        for w in words {
            cmd.arg(w);
        }
        pipe.add_command(cmd).ignore();
    }
    let () = pipe.query_async(c).await.expect("dataset commands");
}

/// Commands creating every type in every encoding Redis 7 has, with and without TTLs, in
/// `db` (plus a few binary-safe and big values).
pub fn dataset(db: usize) -> Vec<String> {
    let mut c = vec![format!("SELECT {db}")];
    c.push(format!("SET str:int:{db} 12345"));
    c.push(format!("SET str:neg:{db} -2147483648"));
    c.push(format!("SET str:big:{db} 123456789012345678"));
    c.push(format!("SET str:emb:{db} hello-{db}"));
    c.push(format!("SET str:raw:{db} {}", "r".repeat(100)));
    c.push(format!("SET str:lzf:{db} {}", "abcdefgh".repeat(200)));
    c.push(format!("SET str:empty:{db} \"\""));
    c.push(format!("SET str:ttl:{db} v PX 500000"));
    c.push(format!("RPUSH list:lp:{db} a b 1 -5 300000 c"));
    let many: Vec<String> = (0..3000).map(|i| format!("item-{i}")).collect();
    c.push(format!("RPUSH list:ql:{db} {}", many.join(" ")));
    c.push(format!("RPUSH list:big:{db} {} x", "L".repeat(9000)));
    c.push(format!("SADD set:int:{db} 1 2 3 -7 100000 99999999999"));
    c.push(format!("SADD set:lp:{db} a b c 1"));
    let members: Vec<String> = (0..600).map(|i| format!("m{i}")).collect();
    c.push(format!("SADD set:ht:{db} {}", members.join(" ")));
    let ints: Vec<String> = (0..600).map(|i| (i * 3).to_string()).collect();
    c.push(format!("SADD set:bigint:{db} {}", ints.join(" ")));
    c.push(format!("ZADD zset:lp:{db} 1 a 2.5 b -3 c 1e20 d inf e"));
    let zm: Vec<String> = (0..300)
        .map(|i| format!("{} z{i}", i as f64 * 0.5))
        .collect();
    c.push(format!("ZADD zset:sl:{db} {}", zm.join(" ")));
    c.push(format!("ZADD zset:long:{db} 1 {}", "M".repeat(100)));
    c.push(format!("HSET hash:lp:{db} f1 v1 f2 2 f3 -3"));
    let hf: Vec<String> = (0..200).map(|i| format!("f{i} v{i}")).collect();
    c.push(format!("HSET hash:ht:{db} {}", hf.join(" ")));
    c.push(format!("HSET hash:longval:{db} f {}", "V".repeat(100)));
    c.push(format!("HSET list:ttl:{db} a b"));
    c.push(format!("PEXPIRE list:ttl:{db} 900000"));
    c.push(format!("PEXPIRE zset:sl:{db} 800000"));
    c
}

/// Hash field TTLs (Redis 7.4): only for servers that support HEXPIRE.
pub fn dataset_hfe(db: usize) -> Vec<String> {
    vec![
        format!("SELECT {db}"),
        format!("HSET hfe:lp:{db} a 1 b 2 c 3"),
        format!("HPEXPIRE hfe:lp:{db} 700000 FIELDS 1 a"),
        format!(
            "HSET hfe:ht:{db} {}",
            (0..200)
                .map(|i| format!("f{i} v{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        format!("HPEXPIRE hfe:ht:{db} 600000 FIELDS 2 f1 f2"),
    ]
}

/// Options for [`fingerprint`].
#[derive(Clone, Copy, Default)]
pub struct Fp {
    /// Leave out the encodings Redis 7.0 lacks (listpack sets and lists).
    pub redis70: bool,
    /// Report field TTLs of hashes (HPTTL, Redis 7.4).
    pub field_ttls: bool,
}

/// Every key of every database with its type, encoding, contents and whether it has a TTL
/// (and roughly how long), sorted.
pub async fn fingerprint(c: &mut MultiplexedConnection, dbs: usize, opts: Fp) -> Vec<String> {
    let mut out = Vec::new();
    for db in 0..dbs {
        let _: () = q(c, &[b"SELECT", db.to_string().as_bytes()]).await;
        let keys: Vec<Vec<u8>> = q(c, &[b"KEYS", b"*"]).await;
        for key in keys {
            let ty: String = q(c, &[b"TYPE", &key]).await;
            let mut enc: String = q(c, &[b"OBJECT", b"ENCODING", &key]).await;
            if opts.redis70 && ((ty == "set" && enc != "intset") || ty == "list") {
                enc = "-".into();
            }
            let body: String = match ty.as_str() {
                "string" => {
                    let v: Vec<u8> = q(c, &[b"GET", &key]).await;
                    format!("{}:{}", v.len(), digest(&v))
                }
                "list" => {
                    let v: Vec<Vec<u8>> = q(c, &[b"LRANGE", &key, b"0", b"-1"]).await;
                    digest(&v.concat()) + &format!("/{}", v.len())
                }
                "set" => {
                    let mut v: Vec<Vec<u8>> = q(c, &[b"SMEMBERS", &key]).await;
                    v.sort();
                    digest(&v.join(&b","[..])) + &format!("/{}", v.len())
                }
                "zset" => {
                    let v: Vec<Vec<u8>> =
                        q(c, &[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"]).await;
                    digest(&v.join(&b","[..])) + &format!("/{}", v.len())
                }
                "hash" => {
                    let mut v: Vec<(Vec<u8>, Vec<u8>)> = q(c, &[b"HGETALL", &key]).await;
                    v.sort();
                    let mut s = digest(
                        &v.iter()
                            .map(|(f, x)| [f.as_slice(), b"=", x.as_slice()].concat())
                            .collect::<Vec<_>>()
                            .join(&b","[..]),
                    ) + &format!("/{}", v.len());
                    if opts.field_ttls {
                        let mut ttls = Vec::new();
                        for (f, _) in &v {
                            let t: Vec<i64> = q(c, &[b"HPTTL", &key, b"FIELDS", b"1", f]).await;
                            // Rounded to 100 s so the time between the two reads does not show.
                            ttls.push(
                                t.first()
                                    .map_or(-3, |t| if *t > 0 { t / 100_000 } else { *t }),
                            );
                        }
                        s += &format!(" fttl={ttls:?}");
                    }
                    s
                }
                other => format!("unexpected type {other}"),
            };
            let pttl: i64 = q(c, &[b"PTTL", &key]).await;
            let ttl = if pttl > 0 {
                format!("ttl~{}", pttl / 100_000)
            } else {
                pttl.to_string()
            };
            out.push(format!(
                "db{db} {} {ty} {enc} {body} {ttl}",
                String::from_utf8_lossy(&key)
            ));
        }
    }
    let _: () = q(c, &[b"SELECT", b"0"]).await;
    out.sort();
    out
}

/// A short content digest (FNV-1a), so fingerprints of big values stay small.
pub fn digest(b: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Polls INFO persistence until no BGSAVE runs.
pub async fn wait_bgsave_done(c: &mut MultiplexedConnection) {
    for _ in 0..500 {
        let info: String = q(c, &[b"INFO", b"persistence"]).await;
        if info.contains("rdb_bgsave_in_progress:0") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("BGSAVE did not finish within 10 s");
}

/// True if `p` exists and is a non-empty file.
pub fn nonempty(p: &Path) -> bool {
    std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false)
}
