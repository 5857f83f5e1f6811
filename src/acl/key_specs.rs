//! Which arguments of a command are keys, and whether each is read or written, from Redis's key
//! specifications (the `key_specs` of COMMAND INFO): ACL key patterns `%R~` and `%W~` are checked
//! per key against what the command does with it, as Redis 7 does.
//!
//! The table was generated from redis-server's `COMMAND INFO` for every command Herald
//! implements (`ACCESS` means read; `INSERT`, `DELETE` and `UPDATE` mean write). Commands missing
//! from it (those newer than the generating server) fall back to the command table's key
//! positions and its `readonly`/`write` flags.

use super::user::{KEY_READ, KEY_WRITE};
use crate::commands::CommandSpec;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Where a key specification starts looking.
#[derive(Debug, Clone, Copy)]
pub enum Begin {
    /// At this argument.
    Index(i32),
    /// After this keyword, searched from this argument (negative: from the end, backwards).
    Keyword(&'static str, i32),
}

/// How a key specification finds its keys from where it starts.
#[derive(Debug, Clone, Copy)]
pub enum Find {
    /// Keys up to `last` (negative: from the end) every `step`; a `limit` of N means the keys
    /// are 1/N of the remaining arguments.
    Range { last: i32, step: i32, limit: i32 },
    /// The number of keys is the argument at `index`; keys start `first` after the start.
    Keynum { index: i32, first: i32, step: i32 },
}

/// One key specification.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// [`KEY_READ`] and/or [`KEY_WRITE`] (0: neither, any pattern allows it).
    pub needs: u8,
    pub begin: Begin,
    pub find: Find,
}

/// Key positions with what they need, as Redis's getKeysUsingKeySpecs finds them. A spec that
/// does not fit the arguments yields no keys at all (the command then reports its own error).
fn keys_from_specs(specs: &[KeySpec], args: &[Bytes], variadic: bool) -> Vec<(usize, u8)> {
    let argc = args.len() as i64;
    let mut out = Vec::new();
    for spec in specs {
        let first: i64 = match spec.begin {
            Begin::Index(i) => i64::from(i),
            Begin::Keyword(word, from) => {
                let from = i64::from(from);
                let (start, end, step) = if from > 0 {
                    (from, argc - 1, 1)
                } else {
                    (argc + from, 0, -1)
                };
                let mut i = start;
                let mut found = None;
                while i != end && (1..argc).contains(&i) {
                    if args[i as usize].eq_ignore_ascii_case(word.as_bytes()) {
                        found = Some(i + 1);
                        break;
                    }
                    i += step;
                }
                match found {
                    Some(f) => f,
                    None => continue,
                }
            }
        };
        let (first, last, step) = match spec.find {
            Find::Range { last, step, limit } => {
                let last = i64::from(last);
                let last = if last >= 0 {
                    first + last
                } else if limit == 0 {
                    argc + last
                } else {
                    first + ((argc - first) / i64::from(limit) + last)
                };
                (first, last, i64::from(step))
            }
            Find::Keynum {
                index,
                first: offset,
                step,
            } => {
                let at = first + i64::from(index);
                if at >= argc {
                    return Vec::new();
                }
                let Some(n) =
                    crate::protocol::parser::parse_i64(&args[at as usize]).filter(|n| *n >= 0)
                else {
                    return Vec::new();
                };
                let first = first + i64::from(offset);
                (first, first + n - 1, i64::from(step))
            }
        };
        if last >= argc || last < first || first >= argc {
            return Vec::new();
        }
        let mut i = first;
        while i <= last {
            if i >= argc {
                if variadic {
                    i += step.max(1);
                    continue;
                }
                return Vec::new();
            }
            out.push((i as usize, spec.needs));
            i += step.max(1);
        }
    }
    out
}

/// The keys of a command and the access each needs.
pub fn keys(spec: &CommandSpec, args: &[Bytes]) -> Vec<(usize, u8)> {
    if let Some(specs) = table().get(spec.name) {
        let mut keys = keys_from_specs(specs, args, spec.arity < 0);
        if spec.name == "set" {
            // Redis's setGetKeys: the key is only read with the GET option.
            let reads = args.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
            for k in &mut keys {
                k.1 = if reads {
                    KEY_READ | KEY_WRITE
                } else {
                    KEY_WRITE
                };
            }
        }
        return keys;
    }
    if spec.first_key <= 0 || spec.has_flag("pubsub") {
        return Vec::new();
    }
    let mut needs = 0;
    if spec.has_flag("readonly") {
        needs |= KEY_READ;
    }
    if spec.has_flag("write") {
        needs |= KEY_WRITE;
    }
    spec.key_positions(args.len())
        .into_iter()
        .map(|p| (p, needs))
        .collect()
}

fn table() -> &'static HashMap<&'static str, &'static [KeySpec]> {
    static TABLE: OnceLock<HashMap<&'static str, &'static [KeySpec]>> = OnceLock::new();
    TABLE.get_or_init(|| KEY_SPECS.iter().copied().collect())
}

/// Generated from redis-server's COMMAND INFO (see the module documentation).
#[rustfmt::skip]
static KEY_SPECS: &[(&str, &[KeySpec])] = &[
    ("append", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("blmove", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("blmpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(2), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("blpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -2, step: 1, limit: 0 } }]),
    ("brpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -2, step: 1, limit: 0 } }]),
    ("brpoplpush", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("bzmpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(2), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("bzpopmax", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -2, step: 1, limit: 0 } }]),
    ("bzpopmin", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -2, step: 1, limit: 0 } }]),
    ("copy", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("decr", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("decrby", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("del", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("exists", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("expire", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("expireat", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("expiretime", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("get", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("getdel", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("getex", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("getrange", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("getset", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hdel", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hexists", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hget", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hgetall", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hincrby", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hincrbyfloat", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hkeys", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hlen", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hmget", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hmset", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hrandfield", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hscan", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hset", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hsetnx", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hstrlen", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("hvals", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("incr", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("incrby", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("incrbyfloat", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lcs", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 1, step: 1, limit: 0 } }]),
    ("lindex", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("linsert", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("llen", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lmove", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lmpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("lpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lpos", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lpush", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lpushx", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lrange", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lrem", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("lset", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("ltrim", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("mget", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("move", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("mset", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -1, step: 2, limit: 0 } }]),
    ("msetnx", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -1, step: 2, limit: 0 } }]),
    ("object|encoding", &[KeySpec { needs: 0, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("object|freq", &[KeySpec { needs: 0, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("object|idletime", &[KeySpec { needs: 0, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("object|refcount", &[KeySpec { needs: 0, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("persist", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("pexpire", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("pexpireat", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("pexpiretime", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("psetex", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("pttl", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("rename", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("renamenx", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("rpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("rpoplpush", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("rpush", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("rpushx", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("sadd", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("scard", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("sdiff", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("sdiffstore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("set", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("setex", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("setnx", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("setrange", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("sinter", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("sintercard", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("sinterstore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("sismember", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("smembers", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("smismember", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("smove", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("spop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("srandmember", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("srem", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("sscan", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("strlen", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("substr", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("sunion", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("sunionstore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("touch", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("ttl", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("type", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("unlink", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("watch", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: -1, step: 1, limit: 0 } }]),
    ("xack", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xadd", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xautoclaim", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xclaim", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xdel", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xgroup|create", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xgroup|createconsumer", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xgroup|delconsumer", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xgroup|destroy", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xgroup|setid", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xinfo|consumers", &[KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xinfo|groups", &[KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xinfo|stream", &[KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xlen", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xpending", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xrange", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xread", &[KeySpec { needs: KEY_READ, begin: Begin::Keyword("streams", 1), find: Find::Range { last: -1, step: 1, limit: 2 } }]),
    ("xreadgroup", &[KeySpec { needs: KEY_READ, begin: Begin::Keyword("streams", 4), find: Find::Range { last: -1, step: 1, limit: 2 } }]),
    ("xrevrange", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xsetid", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("xtrim", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zadd", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zcard", &[KeySpec { needs: 0, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zcount", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zdiff", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("zdiffstore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("zincrby", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zinter", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("zintercard", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("zinterstore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("zlexcount", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zmpop", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("zmscore", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zpopmax", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zpopmin", &[KeySpec { needs: KEY_READ | KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrandmember", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrange", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrangebylex", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrangebyscore", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrangestore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrank", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrem", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zremrangebylex", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zremrangebyrank", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zremrangebyscore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrevrange", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrevrangebylex", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrevrangebyscore", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zrevrank", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zscan", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zscore", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }]),
    ("zunion", &[KeySpec { needs: KEY_READ, begin: Begin::Index(1), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
    ("zunionstore", &[KeySpec { needs: KEY_WRITE, begin: Begin::Index(1), find: Find::Range { last: 0, step: 1, limit: 0 } }, KeySpec { needs: KEY_READ, begin: Begin::Index(2), find: Find::Keynum { index: 0, first: 1, step: 1 } }]),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    fn keys_of(v: &[&str]) -> Vec<(usize, u8)> {
        let a = args(v);
        let spec = crate::commands::resolve(&a).unwrap();
        keys(spec, &a)
    }

    #[test]
    fn read_write_per_key() {
        assert_eq!(keys_of(&["set", "k", "v"]), vec![(1, KEY_WRITE)]);
        assert_eq!(
            keys_of(&["set", "k", "v", "GET"]),
            vec![(1, KEY_READ | KEY_WRITE)]
        );
        assert_eq!(keys_of(&["incr", "k"]), vec![(1, KEY_READ | KEY_WRITE)]);
        assert_eq!(keys_of(&["exists", "a", "b"]), vec![(1, 0), (2, 0)]);
        assert_eq!(
            keys_of(&["lmove", "a", "b", "left", "right"]),
            vec![(1, KEY_READ | KEY_WRITE), (2, KEY_WRITE)]
        );
    }

    #[test]
    fn movable_keys() {
        assert_eq!(
            keys_of(&["zunionstore", "d", "2", "a", "b", "weights", "1", "2"]),
            vec![(1, KEY_WRITE), (3, KEY_READ), (4, KEY_READ)]
        );
        assert_eq!(
            keys_of(&["xread", "count", "1", "streams", "s1", "s2", "0", "0"]),
            vec![(4, KEY_READ), (5, KEY_READ)]
        );
        assert_eq!(keys_of(&["zunionstore", "d", "x", "a"]), vec![]);
        assert_eq!(keys_of(&["zunionstore", "d", "5", "a"]), vec![]);
    }
}
