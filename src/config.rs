//! Server configuration: the directives Herald supports, parsed from a redis.conf-style file,
//! from `--directive value` arguments, and changed at run time by CONFIG SET.
//!
//! One table ([`DIRECTIVES`]) names every directive with how to read and write it, so that the
//! config file, the command line, CONFIG GET (with glob patterns) and CONFIG SET agree.

use crate::protocol::parser::split_args;
use crate::pubsub::glob::glob_match;
use std::fmt::Write as _;
use thiserror::Error;

/// The Redis version whose behaviour Herald follows; reported as `redis_version`.
pub const REDIS_COMPAT_VERSION: &str = "7.4.0";
/// Herald's own version.
pub const HERALD_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a directive could not be applied.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The name is not a directive Herald knows.
    #[error("Bad directive or wrong number of arguments")]
    UnknownDirective(String),
    /// The value could not be parsed or is out of range.
    #[error("{0}")]
    BadValue(String),
    /// The directive can only be set at start-up.
    #[error("can't set immutable config")]
    Immutable,
    /// A config file could not be read or had an error on a line.
    #[error("{0}")]
    File(String),
}

/// Output buffer limits for one client class (`client-output-buffer-limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputLimit {
    /// Disconnect as soon as the buffer exceeds this many bytes (0 = no limit).
    pub hard: u64,
    /// Disconnect when the buffer stays above this many bytes ...
    pub soft: u64,
    /// ... for this many seconds.
    pub soft_seconds: u64,
}

/// The client classes that have output buffer limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientClass {
    /// Ordinary clients.
    Normal,
    /// Replicas (kept for config compatibility).
    Replica,
    /// Clients subscribed to at least one channel or pattern.
    Pubsub,
}

/// All configuration values.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: Vec<String>,
    pub port: u16,
    pub databases: usize,
    pub requirepass: Option<Vec<u8>>,
    pub maxclients: usize,
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub tcp_backlog: u32,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: u64,
    pub output_limits: [OutputLimit; 3],
    pub loglevel: String,
    pub hz: u64,
    /// `notify-keyspace-events` as a mask of [`crate::notify::EventClass`] bits.
    pub notify_keyspace_events: u32,
    pub protected_mode: bool,
    /// Thresholds for compact encodings of small collections.
    pub encoding: EncodingLimits,
    /// `enable-debug-command`: `no` (Redis's default), `yes`, or `local` (loopback clients only).
    pub enable_debug_command: String,
    /// `maxmemory` in bytes (0 = no limit).
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub maxmemory_policy: MaxmemoryPolicy,
    /// `maxmemory-samples`: keys sampled per eviction.
    pub maxmemory_samples: u64,
    /// `lfu-log-factor`.
    pub lfu_log_factor: u64,
    /// `lfu-decay-time` (minutes).
    pub lfu_decay_time: u64,
    /// `acl-pubsub-default`: true for `allchannels`, false for `resetchannels` (Redis 7's default).
    pub acl_pubsub_default_all: bool,
    /// `aclfile`: where ACL LOAD/SAVE read and write users (empty: none).
    pub aclfile: String,
    /// `acllog-max-len`: entries kept by ACL LOG.
    pub acllog_max_len: u64,
    /// `user <name> <rules...>` lines of the config file, applied at start-up.
    pub users: Vec<Vec<String>>,
    /// Snapshot directives (`save`, `dir`, `dbfilename`, `rdbcompression`, ...).
    pub rdb: crate::persistence::RdbConfig,
    /// The append-only file directives.
    pub aof: crate::aof::AofConfig,
    /// The `tls-*` directives.
    pub tls: crate::tls::TlsSettings,
}

/// What to do when `maxmemory` is reached (`maxmemory-policy`), with Redis's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum MaxmemoryPolicy {
    /// Reject commands that may add data.
    #[default]
    NoEviction = 0,
    AllkeysLru = 1,
    VolatileLru = 2,
    AllkeysLfu = 3,
    VolatileLfu = 4,
    AllkeysRandom = 5,
    VolatileRandom = 6,
    VolatileTtl = 7,
}

impl MaxmemoryPolicy {
    /// Every policy, in the order Redis lists them in its error text.
    pub const ALL: [MaxmemoryPolicy; 8] = [
        MaxmemoryPolicy::VolatileLru,
        MaxmemoryPolicy::VolatileLfu,
        MaxmemoryPolicy::VolatileRandom,
        MaxmemoryPolicy::VolatileTtl,
        MaxmemoryPolicy::AllkeysLru,
        MaxmemoryPolicy::AllkeysLfu,
        MaxmemoryPolicy::AllkeysRandom,
        MaxmemoryPolicy::NoEviction,
    ];

    /// The name CONFIG GET and INFO show.
    pub fn name(self) -> &'static str {
        match self {
            MaxmemoryPolicy::NoEviction => "noeviction",
            MaxmemoryPolicy::AllkeysLru => "allkeys-lru",
            MaxmemoryPolicy::VolatileLru => "volatile-lru",
            MaxmemoryPolicy::AllkeysLfu => "allkeys-lfu",
            MaxmemoryPolicy::VolatileLfu => "volatile-lfu",
            MaxmemoryPolicy::AllkeysRandom => "allkeys-random",
            MaxmemoryPolicy::VolatileRandom => "volatile-random",
            MaxmemoryPolicy::VolatileTtl => "volatile-ttl",
        }
    }

    /// The policy stored as `repr(u8)` (for the hot-path atomic); unknown values are
    /// `noeviction`.
    pub fn from_u8(v: u8) -> MaxmemoryPolicy {
        MaxmemoryPolicy::ALL
            .into_iter()
            .find(|p| *p as u8 == v)
            .unwrap_or_default()
    }

    /// True for the LFU policies (entries then track access frequency).
    pub fn is_lfu(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::AllkeysLfu | MaxmemoryPolicy::VolatileLfu
        )
    }

    /// True for the policies that only evict keys with a TTL.
    pub fn is_volatile(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLru
                | MaxmemoryPolicy::VolatileLfu
                | MaxmemoryPolicy::VolatileRandom
                | MaxmemoryPolicy::VolatileTtl
        )
    }
}

/// When small collections switch from their compact encoding (listpack, intset) to the general
/// one, under Redis's directive names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingLimits {
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: u64,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: u64,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: u64,
    /// `set-max-listpack-entries`.
    pub set_max_listpack_entries: u64,
    /// `set-max-listpack-value`.
    pub set_max_listpack_value: u64,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: u64,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: u64,
    /// `stream-node-max-bytes`: most bytes in one chunk of stream entries (0 = no limit).
    pub stream_node_max_bytes: u64,
    /// `stream-node-max-entries`: most entries in one chunk of stream entries (0 = no limit).
    pub stream_node_max_entries: u64,
    /// `list-max-listpack-size` (negative: a size class in KiB, -2 = 8 KiB; positive: entries).
    pub list_max_listpack_size: i64,
}

impl Default for EncodingLimits {
    fn default() -> Self {
        EncodingLimits {
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: vec!["127.0.0.1".into(), "-::1".into()],
            port: 6379,
            databases: 16,
            requirepass: None,
            maxclients: 10000,
            timeout: 0,
            tcp_keepalive: 300,
            tcp_backlog: 511,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            output_limits: [
                OutputLimit::default(),
                OutputLimit {
                    hard: 256 * 1024 * 1024,
                    soft: 64 * 1024 * 1024,
                    soft_seconds: 60,
                },
                OutputLimit {
                    hard: 32 * 1024 * 1024,
                    soft: 8 * 1024 * 1024,
                    soft_seconds: 60,
                },
            ],
            loglevel: "notice".into(),
            hz: 10,
            notify_keyspace_events: 0,
            protected_mode: true,
            acl_pubsub_default_all: false,
            aclfile: String::new(),
            acllog_max_len: 128,
            users: Vec::new(),
            encoding: EncodingLimits::default(),
            enable_debug_command: "no".into(),
            maxmemory: 0,
            maxmemory_policy: MaxmemoryPolicy::NoEviction,
            maxmemory_samples: 5,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            rdb: crate::persistence::RdbConfig::default(),
            aof: crate::aof::AofConfig::default(),
            tls: Default::default(),
        }
    }
}

/// One configuration directive: its name and how to read and write it.
pub struct Directive {
    /// The name as written in the config file and CONFIG GET/SET.
    pub name: &'static str,
    /// False for directives only settable at start-up.
    pub mutable: bool,
    /// Renders the current value as CONFIG GET shows it.
    pub get: fn(&Config) -> String,
    /// Parses and applies a value (the arguments after the name, joined by spaces).
    pub set: fn(&mut Config, &[String]) -> Result<(), String>,
}

fn one(args: &[String]) -> Result<&str, String> {
    match args {
        [v] => Ok(v.as_str()),
        _ => Err("wrong number of arguments".into()),
    }
}

const INT_MAX: i64 = i32::MAX as i64;
const UINT_MAX: i64 = u32::MAX as i64;

/// Parses a numeric directive (memory units allowed) and checks Redis's bounds for it, with
/// Redis's error texts.
fn bounded(args: &[String], min: i64, max: i64) -> Result<u64, String> {
    let v = one(args)?;
    let (neg, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let magnitude = parse_memory(digits)
        .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
    let n = i128::from(magnitude) * if neg { -1 } else { 1 };
    if n < i128::from(min) || n > i128::from(max) {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    u64::try_from(n).map_err(|_| format!("argument must be between {min} and {max} inclusive"))
}

fn parse_bool(args: &[String]) -> Result<bool, String> {
    match one(args)?.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// Parses a memory amount as Redis's `memtoull`: a number with an optional unit `b`, `k`
/// (1000), `kb` (1024), `m`, `mb`, `g`, `gb` (case-insensitive).
pub fn parse_memory(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    if num.is_empty() {
        return None;
    }
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(mul)
}

fn class_name(i: usize) -> &'static str {
    // Redis still renders the replica class under its old name.
    ["normal", "slave", "pubsub"][i]
}

fn parse_output_limits(cfg: &mut Config, args: &[String]) -> Result<(), String> {
    // Accept either separate arguments or one string holding them all (CONFIG SET form).
    let words: Vec<String> = args
        .iter()
        .flat_map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut new = cfg.output_limits;
    for chunk in words.chunks(4) {
        let class = match chunk[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "replica" | "slave" => 1,
            "pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        };
        let hard = parse_memory(&chunk[1]);
        let soft = parse_memory(&chunk[2]);
        let secs = chunk[3].parse::<u64>().ok();
        match (hard, soft, secs) {
            (Some(hard), Some(soft), Some(soft_seconds)) => {
                new[class] = OutputLimit {
                    hard,
                    soft,
                    soft_seconds,
                }
            }
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                )
            }
        }
    }
    cfg.output_limits = new;
    Ok(())
}

/// Every directive Herald supports, in the order CONFIG GET * lists them.
pub static DIRECTIVES: &[Directive] = &[
    Directive {
        name: "bind",
        mutable: false,
        get: |c| c.bind.join(" "),
        set: |c, a| {
            let words: Vec<String> = a
                .iter()
                .flat_map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .collect();
            if words.is_empty() {
                return Err("wrong number of arguments".into());
            }
            c.bind = words;
            Ok(())
        },
    },
    Directive {
        name: "port",
        mutable: false,
        get: |c| c.port.to_string(),
        set: |c, a| {
            c.port = one(a)?
                .parse()
                .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
            Ok(())
        },
    },
    Directive {
        name: "databases",
        mutable: false,
        get: |c| c.databases.to_string(),
        set: |c, a| {
            c.databases = bounded(a, 1, INT_MAX)? as usize;
            Ok(())
        },
    },
    Directive {
        name: "requirepass",
        mutable: true,
        get: |c| {
            c.requirepass
                .as_ref()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default()
        },
        set: |c, a| {
            let v = one(a)?;
            c.requirepass = if v.is_empty() {
                None
            } else {
                Some(v.as_bytes().to_vec())
            };
            Ok(())
        },
    },
    Directive {
        name: "maxclients",
        mutable: true,
        get: |c| c.maxclients.to_string(),
        set: |c, a| {
            c.maxclients = bounded(a, 1, UINT_MAX)? as usize;
            Ok(())
        },
    },
    // TLS. A CONFIG SET of these reloads the certificates for new connections, and of tls-port
    // moves the TLS listener (see `commands::server::config_set`).
    Directive {
        name: "tls-port",
        mutable: true,
        get: |c| c.tls.port.to_string(),
        set: |c, a| {
            c.tls.port = bounded(a, 0, 65535)? as u16;
            Ok(())
        },
    },
    Directive {
        name: "tls-cert-file",
        mutable: true,
        get: |c| c.tls.cert_file.clone(),
        set: |c, a| {
            c.tls.cert_file = one(a)?.to_string();
            Ok(())
        },
    },
    Directive {
        name: "tls-key-file",
        mutable: true,
        get: |c| c.tls.key_file.clone(),
        set: |c, a| {
            c.tls.key_file = one(a)?.to_string();
            Ok(())
        },
    },
    Directive {
        name: "tls-ca-cert-file",
        mutable: true,
        get: |c| c.tls.ca_cert_file.clone(),
        set: |c, a| {
            c.tls.ca_cert_file = one(a)?.to_string();
            Ok(())
        },
    },
    Directive {
        name: "tls-auth-clients",
        mutable: true,
        get: |c| c.tls.auth_clients.name().to_string(),
        set: |c, a| {
            c.tls.auth_clients = crate::tls::AuthClients::parse(one(a)?)
                .ok_or("argument(s) must be one of the following: no, yes, optional")?;
            Ok(())
        },
    },
    Directive {
        name: "tls-protocols",
        mutable: true,
        get: |c| c.tls.protocols.clone(),
        set: |c, a| {
            c.tls.protocols = a.join(" ");
            Ok(())
        },
    },
    Directive {
        name: "tls-ciphersuites",
        mutable: true,
        get: |c| c.tls.ciphersuites.clone(),
        set: |c, a| {
            c.tls.ciphersuites = one(a)?.to_string();
            Ok(())
        },
    },
    Directive {
        name: "timeout",
        mutable: true,
        get: |c| c.timeout.to_string(),
        set: |c, a| {
            c.timeout = bounded(a, 0, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "tcp-keepalive",
        mutable: true,
        get: |c| c.tcp_keepalive.to_string(),
        set: |c, a| {
            c.tcp_keepalive = bounded(a, 0, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "tcp-backlog",
        mutable: false,
        get: |c| c.tcp_backlog.to_string(),
        set: |c, a| {
            c.tcp_backlog = bounded(a, 0, INT_MAX)? as u32;
            Ok(())
        },
    },
    Directive {
        name: "proto-max-bulk-len",
        mutable: true,
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, a| {
            let n = bounded(a, 0, i64::MAX)?;
            if n < 1024 * 1024 {
                return Err(
                    "argument must be between 1048576 and 9223372036854775807 inclusive".into(),
                );
            }
            c.proto_max_bulk_len = i64::try_from(n).map_err(|e| e.to_string())?;
            Ok(())
        },
    },
    Directive {
        name: "client-query-buffer-limit",
        mutable: true,
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, a| {
            let n = bounded(a, 0, i64::MAX)?;
            if n < 1024 * 1024 {
                return Err(
                    "argument must be between 1048576 and 9223372036854775807 inclusive".into(),
                );
            }
            c.client_query_buffer_limit = n;
            Ok(())
        },
    },
    Directive {
        name: "client-output-buffer-limit",
        mutable: true,
        get: |c| {
            let mut s = String::new();
            for (i, l) in c.output_limits.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                let _ = write!(
                    s,
                    "{} {} {} {}",
                    class_name(i),
                    l.hard,
                    l.soft,
                    l.soft_seconds
                );
            }
            s
        },
        set: parse_output_limits,
    },
    Directive {
        name: "loglevel",
        mutable: true,
        get: |c| c.loglevel.clone(),
        set: |c, a| {
            let v = one(a)?.to_ascii_lowercase();
            match v.as_str() {
                "debug" | "verbose" | "notice" | "warning" | "nothing" => {
                    c.loglevel = v;
                    Ok(())
                }
                _ => Err("argument(s) must be one of the following: debug, verbose, notice, warning, nothing".into()),
            }
        },
    },
    Directive {
        name: "hz",
        mutable: true,
        get: |c| c.hz.to_string(),
        set: |c, a| {
            c.hz = bounded(a, 0, INT_MAX)?.clamp(1, 500);
            Ok(())
        },
    },
    Directive {
        name: "notify-keyspace-events",
        mutable: true,
        get: |c| crate::notify::render_flags(c.notify_keyspace_events),
        set: |c, a| {
            c.notify_keyspace_events = crate::notify::parse_flags(one(a)?).ok_or_else(|| {
                "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()
            })?;
            Ok(())
        },
    },
    Directive {
        name: "protected-mode",
        mutable: true,
        get: |c| yes_no(c.protected_mode),
        set: |c, a| {
            c.protected_mode = parse_bool(a)?;
            Ok(())
        },
    },
    Directive {
        name: "hash-max-listpack-entries",
        mutable: true,
        get: |c| c.encoding.hash_max_listpack_entries.to_string(),
        set: |c, a| {
            c.encoding.hash_max_listpack_entries = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "hash-max-listpack-value",
        mutable: true,
        get: |c| c.encoding.hash_max_listpack_value.to_string(),
        set: |c, a| {
            c.encoding.hash_max_listpack_value = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "set-max-intset-entries",
        mutable: true,
        get: |c| c.encoding.set_max_intset_entries.to_string(),
        set: |c, a| {
            c.encoding.set_max_intset_entries = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "set-max-listpack-entries",
        mutable: true,
        get: |c| c.encoding.set_max_listpack_entries.to_string(),
        set: |c, a| {
            c.encoding.set_max_listpack_entries = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "set-max-listpack-value",
        mutable: true,
        get: |c| c.encoding.set_max_listpack_value.to_string(),
        set: |c, a| {
            c.encoding.set_max_listpack_value = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "zset-max-listpack-entries",
        mutable: true,
        get: |c| c.encoding.zset_max_listpack_entries.to_string(),
        set: |c, a| {
            c.encoding.zset_max_listpack_entries = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "zset-max-listpack-value",
        mutable: true,
        get: |c| c.encoding.zset_max_listpack_value.to_string(),
        set: |c, a| {
            c.encoding.zset_max_listpack_value = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "list-max-listpack-size",
        mutable: true,
        get: |c| c.encoding.list_max_listpack_size.to_string(),
        set: |c, a| {
            c.encoding.list_max_listpack_size = one(a)?
                .parse()
                .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
            Ok(())
        },
    },
    Directive {
        name: "stream-node-max-bytes",
        mutable: true,
        get: |c| c.encoding.stream_node_max_bytes.to_string(),
        set: |c, a| {
            c.encoding.stream_node_max_bytes = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "stream-node-max-entries",
        mutable: true,
        get: |c| c.encoding.stream_node_max_entries.to_string(),
        set: |c, a| {
            c.encoding.stream_node_max_entries = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "maxmemory",
        mutable: true,
        get: |c| c.maxmemory.to_string(),
        set: |c, a| {
            let v = one(a)?;
            c.maxmemory =
                parse_memory(v).ok_or_else(|| "argument must be a memory value".to_string())?;
            Ok(())
        },
    },
    Directive {
        name: "maxmemory-policy",
        mutable: true,
        get: |c| c.maxmemory_policy.name().to_string(),
        set: |c, a| {
            let v = one(a)?.to_ascii_lowercase();
            match MaxmemoryPolicy::ALL.into_iter().find(|p| p.name() == v) {
                Some(p) => {
                    c.maxmemory_policy = p;
                    Ok(())
                }
                None => Err("argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction".into()),
            }
        },
    },
    Directive {
        name: "maxmemory-samples",
        mutable: true,
        get: |c| c.maxmemory_samples.to_string(),
        set: |c, a| {
            c.maxmemory_samples = bounded(a, 1, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "lfu-log-factor",
        mutable: true,
        get: |c| c.lfu_log_factor.to_string(),
        set: |c, a| {
            c.lfu_log_factor = bounded(a, 0, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "lfu-decay-time",
        mutable: true,
        get: |c| c.lfu_decay_time.to_string(),
        set: |c, a| {
            c.lfu_decay_time = bounded(a, 0, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "save",
        mutable: true,
        get: |c| c.rdb.save_text(),
        set: |c, a| {
            c.rdb.save = crate::persistence::RdbConfig::parse_save(a)?;
            Ok(())
        },
    },
    Directive {
        name: "dir",
        mutable: true,
        get: |c| {
            std::fs::canonicalize(&c.rdb.dir)
                .map_or_else(|_| c.rdb.dir.clone(), |p| p.display().to_string())
        },
        set: |c, a| {
            let d = one(a)?;
            if !std::path::Path::new(d).is_dir() {
                return Err("No such file or directory".into());
            }
            c.rdb.dir = d.to_string();
            Ok(())
        },
    },
    Directive {
        name: "dbfilename",
        mutable: true,
        get: |c| c.rdb.dbfilename.clone(),
        set: |c, a| {
            let f = one(a)?;
            if f.contains('/') || f.is_empty() {
                return Err("dbfilename can't be a path, just a filename".into());
            }
            c.rdb.dbfilename = f.to_string();
            Ok(())
        },
    },
    Directive {
        name: "rdbcompression",
        mutable: true,
        get: |c| yes_no(c.rdb.compression),
        set: |c, a| {
            c.rdb.compression = parse_bool(a)?;
            Ok(())
        },
    },
    Directive {
        name: "rdbchecksum",
        mutable: false,
        get: |c| yes_no(c.rdb.checksum),
        set: |c, a| {
            c.rdb.checksum = parse_bool(a)?;
            Ok(())
        },
    },
    Directive {
        name: "stop-writes-on-bgsave-error",
        mutable: true,
        get: |c| yes_no(c.rdb.stop_writes_on_bgsave_error),
        set: |c, a| {
            c.rdb.stop_writes_on_bgsave_error = parse_bool(a)?;
            Ok(())
        },
    },
    Directive {
        name: "enable-debug-command",
        mutable: false,
        get: |c| c.enable_debug_command.clone(),
        set: |c, a| {
            let v = one(a)?.to_ascii_lowercase();
            match v.as_str() {
                "yes" | "no" | "local" => {
                    c.enable_debug_command = v;
                    Ok(())
                }
                _ => Err("argument(s) must be one of the following: no, yes, local".into()),
            }
        },
    },
    // No append-only file yet; this reports that truthfully so tools that ask
    // (redis-benchmark, redis-cli) see a server with the AOF off.
    Directive {
        name: "acl-pubsub-default",
        mutable: true,
        get: |c| {
            if c.acl_pubsub_default_all {
                "allchannels"
            } else {
                "resetchannels"
            }
            .into()
        },
        set: |c, a| {
            c.acl_pubsub_default_all = match one(a)?.to_ascii_lowercase().as_str() {
                "allchannels" => true,
                "resetchannels" => false,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: allchannels, resetchannels"
                            .into(),
                    )
                }
            };
            Ok(())
        },
    },
    Directive {
        name: "aclfile",
        mutable: false,
        get: |c| c.aclfile.clone(),
        set: |c, a| {
            c.aclfile = one(a)?.to_string();
            Ok(())
        },
    },
    Directive {
        name: "acllog-max-len",
        mutable: true,
        get: |c| c.acllog_max_len.to_string(),
        set: |c, a| {
            c.acllog_max_len = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "appendonly",
        mutable: true,
        get: |c| yes_no(c.aof.enabled),
        set: |c, a| {
            c.aof.enabled = parse_bool(a)?;
            Ok(())
        },
    },
    Directive {
        name: "appendfilename",
        mutable: false,
        get: |c| c.aof.filename.clone(),
        set: |c, a| {
            let v = one(a)?;
            if v.is_empty() || v.contains('/') || v.contains('\\') {
                return Err("appendfilename can't be a path, just a filename".into());
            }
            c.aof.filename = v.to_string();
            Ok(())
        },
    },
    Directive {
        name: "appenddirname",
        mutable: false,
        get: |c| c.aof.dirname.clone(),
        set: |c, a| {
            let v = one(a)?;
            if v.is_empty() || v.contains('/') || v.contains('\\') {
                return Err("appenddirname can't be a path, just a dirname".into());
            }
            c.aof.dirname = v.to_string();
            Ok(())
        },
    },
    Directive {
        name: "appendfsync",
        mutable: true,
        get: |c| c.aof.fsync.name().to_string(),
        set: |c, a| {
            c.aof.fsync = crate::aof::FsyncPolicy::parse(one(a)?).ok_or_else(|| {
                "argument(s) must be one of the following: always, everysec, no".to_string()
            })?;
            Ok(())
        },
    },
    Directive {
        name: "auto-aof-rewrite-percentage",
        mutable: true,
        get: |c| c.aof.rewrite_percentage.to_string(),
        set: |c, a| {
            c.aof.rewrite_percentage = bounded(a, 0, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "auto-aof-rewrite-min-size",
        mutable: true,
        get: |c| c.aof.rewrite_min_size.to_string(),
        set: |c, a| {
            c.aof.rewrite_min_size = bounded(a, 0, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "aof-load-truncated",
        mutable: true,
        get: |c| yes_no(c.aof.load_truncated),
        set: |c, a| {
            c.aof.load_truncated = parse_bool(a)?;
            Ok(())
        },
    },
    Directive {
        name: "aof-use-rdb-preamble",
        mutable: true,
        get: |c| yes_no(c.aof.use_rdb_preamble),
        set: |c, a| {
            c.aof.use_rdb_preamble = parse_bool(a)?;
            Ok(())
        },
    },
];

/// Finds a directive by name (case-insensitive), accepting Redis's old `slave` aliases.
pub fn directive(name: &str) -> Option<&'static Directive> {
    let lower = name.to_ascii_lowercase();
    DIRECTIVES.iter().find(|d| d.name == lower)
}

impl Config {
    /// Applies one directive with its arguments (`port 6380`).
    pub fn apply(&mut self, name: &str, args: &[String]) -> Result<(), ConfigError> {
        if name.eq_ignore_ascii_case("user") {
            return crate::acl::check_config_user(self, args).map_err(ConfigError::BadValue);
        }
        let d = directive(name).ok_or_else(|| ConfigError::UnknownDirective(name.to_string()))?;
        (d.set)(self, args).map_err(ConfigError::BadValue)
    }

    /// Applies a CONFIG SET at run time.
    pub fn set_runtime(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let d = directive(name).ok_or_else(|| ConfigError::UnknownDirective(name.to_string()))?;
        if !d.mutable {
            return Err(ConfigError::Immutable);
        }
        (d.set)(self, &[value.to_string()]).map_err(ConfigError::BadValue)
    }

    /// Name/value pairs for CONFIG GET: each argument is a glob pattern, or an exact name
    /// (case-insensitive) which Redis echoes back as the client wrote it. Each directive is
    /// listed once.
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in patterns {
            let is_glob = p.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
            if is_glob {
                let lower = p.to_ascii_lowercase();
                for d in DIRECTIVES {
                    if glob_match(&lower, d.name.as_bytes()) && seen.insert(d.name) {
                        out.push((d.name.to_string(), (d.get)(self)));
                    }
                }
            } else if let Some(d) = std::str::from_utf8(p).ok().and_then(directive) {
                if seen.insert(d.name) {
                    out.push((String::from_utf8_lossy(p).into_owned(), (d.get)(self)));
                }
            }
        }
        out
    }

    /// Applies the text of a config file: one directive per line, `#` comments, quoted
    /// arguments as in redis.conf.
    pub fn apply_text(&mut self, text: &str) -> Result<(), ConfigError> {
        self.apply_file_text(text, &mut false)
    }

    /// Applies one start-up line (config file or command line). `save` lines accumulate, the
    /// first one replacing the built-in rules, as in redis-server; `save ""` clears them.
    fn apply_startup(
        &mut self,
        name: &str,
        args: &[String],
        save_seen: &mut bool,
    ) -> Result<(), ConfigError> {
        if name.eq_ignore_ascii_case("save") && *save_seen {
            let more =
                crate::persistence::RdbConfig::parse_save(args).map_err(ConfigError::BadValue)?;
            if more.is_empty() {
                self.rdb.save.clear();
            } else {
                self.rdb.save.extend(more);
            }
            return Ok(());
        }
        *save_seen |= name.eq_ignore_ascii_case("save");
        self.apply(name, args)
    }

    fn apply_file_text(&mut self, text: &str, save_seen: &mut bool) -> Result<(), ConfigError> {
        for (lineno, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = split_args(line.as_bytes()).ok_or_else(|| {
                ConfigError::File(format!("line {}: unbalanced quotes", lineno + 1))
            })?;
            let words: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            self.apply_startup(name, args, save_seen).map_err(|e| {
                ConfigError::File(format!(
                    "*** FATAL CONFIG FILE ERROR ***\nline {}: >>> '{}'\n{}",
                    lineno + 1,
                    line,
                    e
                ))
            })?;
        }
        Ok(())
    }

    /// Builds a configuration from redis-server style arguments:
    /// `[/path/to/config] [--directive value ...]`. Returns `Ok(None)` for nothing to override.
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        // redis-server's built-in snapshot rules (the embeddable default has none).
        cfg.rdb.save = crate::persistence::REDIS_DEFAULT_SAVE.to_vec();
        let mut save_seen = false;
        let mut rest = args;
        if let Some(first) = rest.first() {
            if !first.starts_with("--") {
                let text = std::fs::read_to_string(first).map_err(|e| {
                    ConfigError::File(format!(
                        "Fatal error, can't open config file '{first}': {e}"
                    ))
                })?;
                cfg.apply_file_text(&text, &mut save_seen)?;
                rest = &rest[1..];
            }
        }
        // As redis-server does, turn `--name v1 v2 --other v` into config lines appended
        // after the file's contents.
        let mut i = 0;
        while i < rest.len() {
            let Some(name) = rest[i].strip_prefix("--") else {
                return Err(ConfigError::File(format!(
                    "Invalid argument '{}': options start with --",
                    rest[i]
                )));
            };
            let mut values = Vec::new();
            i += 1;
            while i < rest.len() && !rest[i].starts_with("--") {
                values.push(rest[i].clone());
                i += 1;
            }
            cfg.apply_startup(name, &values, &mut save_seen)
                .map_err(|e| ConfigError::File(format!("Invalid option --{name}: {e}")))?;
        }
        Ok(cfg)
    }

    /// The limits for a client class.
    pub fn output_limit(&self, class: ClientClass) -> OutputLimit {
        self.output_limits[class as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn save_lines_accumulate_at_startup_as_in_redis() {
        let c = Config::from_args(&s(&[])).unwrap();
        assert_eq!(c.rdb.save, vec![(3600, 1), (300, 100), (60, 10000)]);
        let c = Config::from_args(&s(&["--save", "900", "1", "--save", "300 10"])).unwrap();
        assert_eq!(c.rdb.save, vec![(900, 1), (300, 10)]);
        let c = Config::from_args(&s(&["--save", ""])).unwrap();
        assert!(c.rdb.save.is_empty());
        let mut c = Config::default();
        c.apply_text("save 900 1\nsave 60 10000\n").unwrap();
        assert_eq!(c.rdb.save, vec![(900, 1), (60, 10000)]);
        assert!(Config::from_args(&s(&["--save", "1"])).is_err());
    }

    #[test]
    fn args_override_defaults() {
        let cfg = Config::from_args(&s(&["--port", "6380", "--bind", "127.0.0.1", "::1"])).unwrap();
        assert_eq!(cfg.port, 6380);
        assert_eq!(cfg.bind, vec!["127.0.0.1", "::1"]);
        assert_eq!(cfg.databases, 16);
    }

    #[test]
    fn output_limits_parse_with_units() {
        let mut cfg = Config::default();
        cfg.set_runtime("client-output-buffer-limit", "pubsub 1mb 512kb 10")
            .unwrap();
        assert_eq!(
            cfg.output_limit(ClientClass::Pubsub),
            OutputLimit {
                hard: 1024 * 1024,
                soft: 512 * 1024,
                soft_seconds: 10
            }
        );
        assert_eq!(
            (directive("client-output-buffer-limit").unwrap().get)(&cfg),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10"
        );
        assert!(cfg
            .set_runtime("client-output-buffer-limit", "bogus 1 1 1")
            .is_err());
    }

    #[test]
    fn config_get_globs() {
        let cfg = Config::default();
        let got = cfg.get_matching(&[b"*max*"]);
        let names: Vec<_> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"maxclients"));
        assert!(names.contains(&"proto-max-bulk-len"));
        assert!(!names.contains(&"port"));
    }

    #[test]
    fn immutable_and_unknown() {
        let mut cfg = Config::default();
        assert_eq!(cfg.set_runtime("port", "1"), Err(ConfigError::Immutable));
        assert!(matches!(
            cfg.set_runtime("nope", "1"),
            Err(ConfigError::UnknownDirective(_))
        ));
    }

    #[test]
    fn config_file_lines() {
        let mut cfg = Config::default();
        cfg.apply_text("# comment\nport 7000\nrequirepass \"se cret\"\n")
            .unwrap();
        assert_eq!(cfg.port, 7000);
        assert_eq!(cfg.requirepass.as_deref(), Some(&b"se cret"[..]));
        assert!(cfg.apply_text("nosuch 1\n").is_err());
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("1k"), Some(1000));
        assert_eq!(parse_memory("1KB"), Some(1024));
        assert_eq!(parse_memory("2gb"), Some(2 << 30));
        assert_eq!(parse_memory("x"), None);
        assert_eq!(parse_memory("1xb"), None);
    }
}
