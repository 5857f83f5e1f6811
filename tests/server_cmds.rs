//! Server commands (COMMAND, INFO, CONFIG, TIME, DBSIZE, FLUSHALL/FLUSHDB, DEBUG SLEEP, SHUTDOWN)
//! and Redis's error texts, over real sockets.

mod common;

use common::*;
use herald::config::{HERALD_VERSION, REDIS_COMPAT_VERSION};
use redis::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

async fn query<T: redis::FromRedisValue>(
    c: &mut redis::aio::MultiplexedConnection,
    args: &[&str],
) -> T {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    within("command", cmd.query_async(c))
        .await
        .unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

// ---------------------------------------------------------------------------------------------
// COMMAND
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_count_and_list() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let count: i64 = query(&mut c, &["COMMAND", "COUNT"]).await;
    let all: Vec<Value> = query(&mut c, &["COMMAND"]).await;
    assert_eq!(all.len() as i64, count, "COMMAND lists COUNT entries");
    let list: Vec<String> = query(&mut c, &["COMMAND", "LIST"]).await;
    // LIST names subcommands too (container|sub); the top-level names number COUNT.
    let top = list.iter().filter(|n| !n.contains('|')).count();
    assert_eq!(top as i64, count);
    for name in [
        "ping",
        "publish",
        "subscribe",
        "client",
        "client|kill",
        "config|set",
        "pubsub|numsub",
    ] {
        assert!(list.iter().any(|n| n == name), "COMMAND LIST lacks {name}");
    }
    let mut by_pattern: Vec<String> = query(
        &mut c,
        &["COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*"],
    )
    .await;
    by_pattern.sort();
    assert!(by_pattern.contains(&"client|kill".to_string()));
    assert!(by_pattern.iter().all(|n| n.starts_with("client|")));
    let by_cat: Vec<String> =
        query(&mut c, &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "pubsub"]).await;
    assert!(by_cat.contains(&"publish".to_string()));
    assert!(by_cat.contains(&"pubsub|numsub".to_string()));
    assert!(!by_cat.contains(&"get".to_string()));
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["COMMAND", "LIST", "FILTERBY", "FOO", "x"]).await,
        b"-ERR syntax error\r\n",
    );
    assert_bytes(
        &r.call(&["COMMAND", "COUNT", "x"]).await,
        b"-ERR wrong number of arguments for 'command|count' command\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_info_entries() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let info: Vec<Value> = query(&mut c, &["COMMAND", "INFO", "get", "PUBLISH"]).await;
    assert_eq!(info.len(), 2);
    let Value::Array(get) = &info[0] else {
        panic!("entry is an array: {:?}", info[0])
    };
    assert_eq!(get.len(), 10, "{get:?}");
    assert_eq!(get[0], Value::BulkString(b"get".to_vec()));
    assert_eq!(get[1], Value::Int(2));
    let Value::Array(flags) = &get[2] else {
        panic!("flags: {:?}", get[2])
    };
    assert!(
        flags.contains(&Value::SimpleString("readonly".into())),
        "{flags:?}"
    );
    assert_eq!(&get[3..6], &[Value::Int(1), Value::Int(1), Value::Int(1)]);
    let Value::Array(cats) = &get[6] else {
        panic!("categories: {:?}", get[6])
    };
    assert!(
        cats.contains(&Value::SimpleString("@read".into())),
        "{cats:?}"
    );
    let Value::Array(publish) = &info[1] else {
        panic!("entry is an array: {:?}", info[1])
    };
    assert_eq!(publish[0], Value::BulkString(b"publish".to_vec()));
    assert_eq!(publish[1], Value::Int(3));
    assert_eq!(publish[3], Value::Int(0), "PUBLISH has no keys");

    // Containers list their subcommands.
    let info: Vec<Value> = query(&mut c, &["COMMAND", "INFO", "client"]).await;
    let Value::Array(client) = &info[0] else {
        panic!("{info:?}")
    };
    assert_eq!(client[1], Value::Int(-2));
    let Value::Array(subs) = &client[9] else {
        panic!("{client:?}")
    };
    assert!(subs.iter().any(|s| matches!(s, Value::Array(e)
            if e[0] == Value::BulkString(b"client|kill".to_vec()))));
    let info: Vec<Value> = query(&mut c, &["COMMAND", "INFO", "config|set"]).await;
    let Value::Array(cs) = &info[0] else {
        panic!("{info:?}")
    };
    assert_eq!(cs[0], Value::BulkString(b"config|set".to_vec()));
    assert_eq!(cs[1], Value::Int(-4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_info_unknown_is_null_bulk() {
    let srv = start().await;
    let mut r = srv.raw().await;
    let reply = r.call(&["COMMAND", "INFO", "nosuchcmd"]).await;
    assert_bytes(&reply, b"*1\r\n$-1\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_docs_entries() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let docs: HashMap<String, HashMap<String, Value>> =
        query(&mut c, &["COMMAND", "DOCS", "get", "subscribe"]).await;
    assert_eq!(docs.len(), 2, "{docs:?}");
    let get = &docs["get"];
    assert_eq!(get["since"], Value::BulkString(b"1.0.0".to_vec()));
    assert_eq!(get["group"], Value::BulkString(b"string".to_vec()));
    assert!(matches!(&get["summary"], Value::BulkString(s) if !s.is_empty()));
    assert_eq!(
        docs["subscribe"]["group"],
        Value::BulkString(b"pubsub".to_vec())
    );
    let none: HashMap<String, Value> = query(&mut c, &["COMMAND", "DOCS", "nosuchcmd"]).await;
    assert!(none.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_getkeys() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let keys: Vec<String> = query(&mut c, &["COMMAND", "GETKEYS", "GET", "k1"]).await;
    assert_eq!(keys, ["k1"]);
    let keys: Vec<String> = query(&mut c, &["COMMAND", "GETKEYS", "DEL", "a", "b", "c"]).await;
    assert_eq!(keys, ["a", "b", "c"]);
    let keys: Vec<String> =
        query(&mut c, &["COMMAND", "GETKEYS", "SET", "k", "v", "EX", "5"]).await;
    assert_eq!(keys, ["k"]);
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["COMMAND", "GETKEYS", "PING", "x"]).await,
        b"-ERR The command has no key arguments\r\n",
    );
    assert_bytes(
        &r.call(&["COMMAND", "GETKEYS", "nosuch", "x"]).await,
        b"-ERR Invalid command specified\r\n",
    );
    assert_bytes(
        &r.call(&["COMMAND", "GETKEYS", "GET", "a", "b"]).await,
        b"-ERR Invalid number of arguments specified for command\r\n",
    );
    assert_bytes(
        &r.call(&["COMMAND", "GETKEYS"]).await,
        b"-ERR wrong number of arguments for 'command|getkeys' command\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_getkeys_reports_no_keys_before_arity() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["COMMAND", "GETKEYS", "ECHO", "a", "b"]).await,
        b"-ERR The command has no key arguments\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_getkeys_shard_channels_are_not_keys() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["COMMAND", "GETKEYS", "SSUBSCRIBE", "a", "b"])
            .await,
        b"-ERR The command has no key arguments\r\n",
    );
    assert_bytes(
        &r.call(&["COMMAND", "GETKEYS", "SPUBLISH", "a", "b"]).await,
        b"-ERR The command has no key arguments\r\n",
    );
}

// ---------------------------------------------------------------------------------------------
// INFO
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_server_fields() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let info: String = query(&mut c, &["INFO"]).await;
    let f = |k: &str| info_field(&info, k).unwrap_or_else(|| panic!("INFO lacks {k}"));
    assert_eq!(f("redis_version"), REDIS_COMPAT_VERSION);
    assert!(f("redis_version").starts_with("7."));
    assert_eq!(f("herald_version"), HERALD_VERSION);
    assert_eq!(f("herald_version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(f("redis_mode"), "standalone");
    assert_eq!(f("arch_bits"), usize::BITS.to_string());
    assert!(!f("os").is_empty());
    assert_eq!(f("process_id"), std::process::id().to_string());
    assert_eq!(f("tcp_port"), srv.port.to_string());
    assert_eq!(f("role"), "master");
    assert!(f("used_memory").parse::<u64>().unwrap() > 0);
    assert_eq!(f("run_id").len(), 40);
    for section in ["# Server", "# Clients", "# Memory", "# Stats"] {
        assert!(info.contains(section), "INFO lacks {section}");
    }
    assert!(info.contains("\r\n"), "INFO lines end with CRLF");

    // Section selection.
    let server: String = query(&mut c, &["INFO", "server"]).await;
    assert!(server.starts_with("# Server\r\n"), "{server}");
    assert!(!server.contains("# Clients"));
    let two: String = query(&mut c, &["INFO", "clients", "STATS"]).await;
    assert!(two.contains("# Clients") && two.contains("# Stats") && !two.contains("# Server"));
    let mut r = srv.raw().await;
    assert_bytes(&r.call(&["INFO", "nosuchsection"]).await, b"$0\r\n\r\n");
    // RESP3 gets a verbatim string.
    r.call(&["HELLO", "3"]).await;
    let v = r.call(&["INFO", "server"]).await;
    assert!(v.starts_with(b"="), "{}", esc(&v[..20]));
    assert!(bulk_text(&v).starts_with("# Server\r\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_connected_clients_follows_connections() {
    let srv = start().await;
    // `srv.info()` uses its own connection, so it counts itself.
    assert_eq!(srv.info_int("connected_clients").await, 1);
    let a = srv.raw().await;
    let mut b = srv.raw().await;
    b.call(&["PING"]).await;
    assert_eq!(srv.info_int("connected_clients").await, 3);
    drop(a);
    drop(b);
    eventually("connected_clients back to 1", || async {
        srv.info_int("connected_clients").await == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_pubsub_counts_change_with_subscriptions() {
    let srv = start().await;
    assert_eq!(srv.info_int("pubsub_channels").await, 0);
    assert_eq!(srv.info_int("pubsub_patterns").await, 0);
    assert_eq!(srv.info_int("pubsubshard_channels").await, 0);
    assert_eq!(srv.info_int("pubsub_shardchannels").await, 0);
    let mut s = srv.raw().await;
    let mut t = srv.raw().await;
    s.send_cmd(&["SUBSCRIBE", "a", "b"]).await;
    s.send_cmd(&["PSUBSCRIBE", "p*"]).await;
    s.send_cmd(&["SSUBSCRIBE", "s1", "s2", "s3"]).await;
    s.read_frames(6).await;
    // A second subscriber to the same names does not add channels.
    t.send_cmd(&["SUBSCRIBE", "a"]).await;
    t.send_cmd(&["PSUBSCRIBE", "p*"]).await;
    t.read_frames(2).await;
    assert_eq!(srv.info_int("pubsub_channels").await, 2);
    assert_eq!(srv.info_int("pubsub_patterns").await, 1);
    assert_eq!(srv.info_int("pubsubshard_channels").await, 3);
    assert_eq!(srv.info_int("pubsub_shardchannels").await, 3);
    assert_eq!(srv.info_int("pubsub_clients").await, 2);

    s.send_cmd(&["UNSUBSCRIBE", "b"]).await;
    s.send_cmd(&["SUNSUBSCRIBE", "s1"]).await;
    s.read_frames(2).await;
    assert_eq!(srv.info_int("pubsub_channels").await, 1);
    assert_eq!(srv.info_int("pubsubshard_channels").await, 2);
    drop(s);
    drop(t);
    eventually("pubsub counts back to zero", || async {
        let info = srv.info().await;
        ["pubsub_channels", "pubsub_patterns", "pubsubshard_channels"]
            .iter()
            .all(|k| info_field(&info, k).as_deref() == Some("0"))
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// CONFIG
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_get_globs_and_multiple_args() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let one: HashMap<String, String> = query(&mut c, &["CONFIG", "GET", "maxclients"]).await;
    assert_eq!(one, HashMap::from([("maxclients".into(), "10000".into())]));
    let many: HashMap<String, String> = query(
        &mut c,
        &["CONFIG", "GET", "maxclients", "timeout", "nosuch"],
    )
    .await;
    assert_eq!(
        many,
        HashMap::from([
            ("maxclients".into(), "10000".into()),
            ("timeout".into(), "0".into()),
        ])
    );
    let glob: HashMap<String, String> = query(&mut c, &["CONFIG", "GET", "*max*"]).await;
    assert!(glob.contains_key("maxclients"), "{glob:?}");
    assert!(glob.contains_key("proto-max-bulk-len"), "{glob:?}");
    assert!(!glob.contains_key("timeout"), "{glob:?}");
    // Overlapping patterns list a parameter once.
    let mut raw = srv.raw().await;
    let reply = raw.call(&["CONFIG", "GET", "maxclients", "maxc*"]).await;
    assert_bytes(&reply, b"*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    let all: HashMap<String, String> = query(&mut c, &["CONFIG", "GET", "*"]).await;
    for k in [
        "bind",
        "port",
        "timeout",
        "maxclients",
        "requirepass",
        "client-output-buffer-limit",
        "proto-max-bulk-len",
        "databases",
    ] {
        assert!(all.contains_key(k), "CONFIG GET * lacks {k}");
    }
    assert_eq!(all["bind"], "127.0.0.1");
    assert_eq!(all["databases"], "16");
    let cobl: HashMap<String, String> =
        query(&mut c, &["CONFIG", "GET", "client-output-buffer-limit"]).await;
    assert_eq!(
        cobl["client-output-buffer-limit"],
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    );
    let none: HashMap<String, String> = query(&mut c, &["CONFIG", "GET", "nosuch*"]).await;
    assert!(none.is_empty());
    assert_bytes(
        &raw.call(&["CONFIG", "GET"]).await,
        b"-ERR wrong number of arguments for 'config|get' command\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_get_echoes_the_requested_name() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["CONFIG", "GET", "MaxClients"]).await,
        b"*2\r\n$10\r\nMaxClients\r\n$5\r\n10000\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_set_single_and_atomic_multi() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let () = query(&mut c, &["CONFIG", "SET", "maxclients", "500"]).await;
    let v: HashMap<String, String> = query(&mut c, &["CONFIG", "GET", "maxclients"]).await;
    assert_eq!(v["maxclients"], "500");
    let () = query(&mut c, &["CONFIG", "SET", "Timeout", "7", "hz", "20"]).await;
    let v: HashMap<String, String> = query(&mut c, &["CONFIG", "GET", "timeout", "hz"]).await;
    assert_eq!(v["timeout"], "7");
    assert_eq!(v["hz"], "20");
    let () = query(
        &mut c,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 1mb 512kb 10",
        ],
    )
    .await;
    let v: HashMap<String, String> =
        query(&mut c, &["CONFIG", "GET", "client-output-buffer-limit"]).await;
    assert!(
        v["client-output-buffer-limit"].ends_with("pubsub 1048576 524288 10"),
        "{v:?}"
    );

    // All or nothing: a bad later value leaves the earlier one unapplied.
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["CONFIG", "SET", "maxclients", "50", "timeout", "x"]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n",
    );
    assert_bytes(
        &r.call(&["CONFIG", "SET", "maxclients", "50", "nosuch", "1"])
            .await,
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n",
    );
    assert_bytes(
        &r.call(&["CONFIG", "SET", "maxclients", "50", "databases", "1"]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n",
    );
    let v: HashMap<String, String> = query(&mut c, &["CONFIG", "GET", "maxclients"]).await;
    assert_eq!(v["maxclients"], "500");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_set_errors() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["CONFIG", "SET", "nosuch", "1"]).await,
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n",
    );
    assert_bytes(
        &r.call(&["CONFIG", "SET", "databases", "4"]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n",
    );
    assert_bytes(
        &r.call(&["CONFIG", "SET", "maxclients", "x"]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n",
    );
    assert_bytes(
        &r.call(&["CONFIG", "SET", "proto-max-bulk-len", "1000"]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n",
    );
    assert_bytes(
        &r.call(&["CONFIG", "SET", "maxclients"]).await,
        b"-ERR wrong number of arguments for 'config|set' command\r\n",
    );
    // An odd number of arguments past the first pair is a syntax error.
    assert_bytes(
        &r.call(&["CONFIG", "SET", "maxclients", "1", "timeout"])
            .await,
        b"-ERR syntax error\r\n",
    );
    assert_bytes(&r.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_set_duplicate_parameter() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["CONFIG", "SET", "maxclients", "1", "maxclients", "2"]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_resetstat_zeroes_counters() {
    let srv = start().await;
    let mut c = srv.raw().await;
    for _ in 0..20 {
        c.call(&["PING"]).await;
    }
    c.call(&["NOSUCH"]).await;
    let info = bulk_text(&c.call(&["INFO", "stats"]).await);
    let n = |info: &str, k: &str| -> i64 { info_field(info, k).unwrap().parse().unwrap() };
    assert!(n(&info, "total_commands_processed") >= 20, "{info}");
    assert!(n(&info, "total_connections_received") >= 1);
    assert!(n(&info, "total_error_replies") >= 1);
    assert_bytes(&c.call(&["CONFIG", "RESETSTAT"]).await, b"+OK\r\n");
    let info = bulk_text(&c.call(&["INFO", "stats"]).await);
    assert!(n(&info, "total_commands_processed") <= 2, "{info}");
    assert_eq!(n(&info, "total_connections_received"), 0);
    assert_eq!(n(&info, "total_error_replies"), 0);
    assert_eq!(n(&info, "rejected_connections"), 0);
}

// ---------------------------------------------------------------------------------------------
// TIME, DBSIZE, FLUSHALL, FLUSHDB, DEBUG SLEEP
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_reports_unix_seconds_and_micros() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let (secs, micros): (u64, u64) = query(&mut c, &["TIME"]).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs.abs_diff(now) <= 2, "TIME {secs} vs now {now}");
    assert!(micros < 1_000_000);
    // Raw shape: two bulk strings.
    let mut r = srv.raw().await;
    let reply = r.call(&["TIME"]).await;
    assert!(reply.starts_with(b"*2\r\n$10\r\n"), "{}", esc(&reply));
    assert_bytes(
        &r.call(&["TIME", "x"]).await,
        b"-ERR wrong number of arguments for 'time' command\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dbsize_flushdb_flushall() {
    let srv = start().await;
    let mut c = srv.conn().await;
    for k in ["a", "b", "c"] {
        let () = query(&mut c, &["SET", k, "v"]).await;
    }
    assert_eq!(query::<i64>(&mut c, &["DBSIZE"]).await, 3);
    let () = query(&mut c, &["SELECT", "1"]).await;
    let () = query(&mut c, &["SET", "x", "v"]).await;
    assert_eq!(query::<i64>(&mut c, &["DBSIZE"]).await, 1);
    // FLUSHDB clears only the selected database.
    let () = query(&mut c, &["FLUSHDB"]).await;
    assert_eq!(query::<i64>(&mut c, &["DBSIZE"]).await, 0);
    let () = query(&mut c, &["SELECT", "0"]).await;
    assert_eq!(query::<i64>(&mut c, &["DBSIZE"]).await, 3);
    let () = query(&mut c, &["SELECT", "2"]).await;
    let () = query(&mut c, &["SET", "y", "v"]).await;
    // FLUSHALL clears every database.
    let () = query(&mut c, &["FLUSHALL", "ASYNC"]).await;
    assert_eq!(query::<i64>(&mut c, &["DBSIZE"]).await, 0);
    let () = query(&mut c, &["SELECT", "0"]).await;
    assert_eq!(query::<i64>(&mut c, &["DBSIZE"]).await, 0);
    let () = query(&mut c, &["FLUSHDB", "SYNC"]).await;
    let () = query(&mut c, &["FLUSHALL"]).await;
    let mut r = srv.raw().await;
    assert_bytes(&r.call(&["FLUSHALL", "x"]).await, b"-ERR syntax error\r\n");
    assert_bytes(&r.call(&["FLUSHDB", "x"]).await, b"-ERR syntax error\r\n");
    assert_bytes(
        &r.call(&["DBSIZE", "x"]).await,
        b"-ERR wrong number of arguments for 'dbsize' command\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_is_refused_by_default() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["DEBUG", "SLEEP", "0"]).await,
        b"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_sleep() {
    let srv = start_with(|c| c.enable_debug_command = "yes".into()).await;
    let mut r = srv.raw().await;
    assert_bytes(&r.call(&["DEBUG", "SLEEP", "0"]).await, b"+OK\r\n");
    let t = Instant::now();
    assert_bytes(&r.call(&["DEBUG", "SLEEP", "0.2"]).await, b"+OK\r\n");
    r.send_cmd(&["PING"]).await;
    r.expect(b"+PONG\r\n").await;
    // The reply may come before the pause; the next command's reply comes after it.
    assert!(
        t.elapsed() >= Duration::from_millis(180),
        "{:?}",
        t.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// SHUTDOWN
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_accepting_and_closes_clients() {
    let srv = start().await;
    let mut bystander = srv.raw().await;
    bystander.call(&["PING"]).await;
    let mut c = srv.raw().await;
    assert_bytes(
        &c.call(&["SHUTDOWN", "ABORT"]).await,
        b"-ERR No shutdown in progress.\r\n",
    );
    assert_bytes(
        &c.call(&["SHUTDOWN", "FOO"]).await,
        b"-ERR syntax error\r\n",
    );
    c.send_cmd(&["SHUTDOWN", "NOSAVE"]).await;
    // No reply: the connection just closes.
    c.expect_eof().await;
    within("wait_for_shutdown", srv.server.wait_for_shutdown()).await;
    bystander.expect_eof().await;
    let port = srv.port;
    eventually("new connections are refused", || async move {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_server_shutdown_closes_everything() {
    let srv = start().await;
    let mut c = srv.raw().await;
    c.call(&["SUBSCRIBE", "x"]).await;
    let port = srv.port;
    within("Server::shutdown", srv.server.shutdown()).await;
    c.expect_eof().await;
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
}

// ---------------------------------------------------------------------------------------------
// Error texts
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_command_texts() {
    let srv = start().await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["foo", "a", "b"]).await,
        b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n",
    );
    assert_bytes(
        &r.call(&["FOO"]).await,
        b"-ERR unknown command 'FOO', with args beginning with: \r\n",
    );
    // Newlines in arguments are flattened so the error stays one line.
    assert_bytes(
        &r.call(&["foo", "a\r\nb", "x"]).await,
        b"-ERR unknown command 'foo', with args beginning with: 'a  b' 'x' \r\n",
    );
    // Arguments are shown up to 128 characters in total.
    let long = "a".repeat(200);
    let want = format!(
        "-ERR unknown command 'foo', with args beginning with: '{}' \r\n",
        "a".repeat(128)
    );
    assert_bytes(&r.call(&["foo", &long, "more"]).await, want.as_bytes());
    let long_name = "z".repeat(200);
    let want = format!(
        "-ERR unknown command '{}', with args beginning with: \r\n",
        "z".repeat(128)
    );
    assert_bytes(&r.call(&[long_name.as_str()]).await, want.as_bytes());
    // Inline form too.
    r.send(b"nosuch x y\r\n").await;
    r.expect(b"-ERR unknown command 'nosuch', with args beginning with: 'x' 'y' \r\n")
        .await;
    assert_bytes(&r.call(&["PING"]).await, b"+PONG\r\n");

    // Through redis-rs the code and detail come apart.
    let mut c = srv.conn().await;
    let err = expect_err(&mut c, redis::cmd("FOO").arg("a")).await;
    assert_eq!(
        err,
        "ERR unknown command 'FOO', with args beginning with: 'a' "
    );
    let pong: String = query(&mut c, &["PING"]).await;
    assert_eq!(pong, "PONG");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_arity_texts() {
    let srv = start().await;
    let mut r = srv.raw().await;
    for (cmd, name) in [
        (&["GET"][..], "get"),
        (&["GET", "a", "b"][..], "get"),
        (&["PUBLISH", "a"][..], "publish"),
        (&["SUBSCRIBE"][..], "subscribe"),
        (&["PSUBSCRIBE"][..], "psubscribe"),
        (&["SSUBSCRIBE"][..], "ssubscribe"),
        (&["SPUBLISH", "a"][..], "spublish"),
        (&["CLIENT"][..], "client"),
        (&["CONFIG"][..], "config"),
        (&["PUBSUB"][..], "pubsub"),
        (&["CLIENT", "ID", "x"][..], "client|id"),
        (&["CONFIG", "GET"][..], "config|get"),
        (&["ECHO"][..], "echo"),
        (&["SELECT"][..], "select"),
    ] {
        assert_bytes(
            &r.call(cmd).await,
            format!("-ERR wrong number of arguments for '{name}' command\r\n").as_bytes(),
        );
    }
    assert_bytes(&r.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_subcommand_texts() {
    let srv = start().await;
    let mut r = srv.raw().await;
    for (container, upper) in [
        ("CLIENT", "CLIENT"),
        ("config", "CONFIG"),
        ("Command", "COMMAND"),
        ("pubsub", "PUBSUB"),
    ] {
        assert_bytes(
            &r.call(&[container, "x"]).await,
            format!("-ERR unknown subcommand 'x'. Try {upper} HELP.\r\n").as_bytes(),
        );
    }
    assert_bytes(
        &r.call(&["CLIENT", "NoSuch", "arg"]).await,
        b"-ERR unknown subcommand 'NoSuch'. Try CLIENT HELP.\r\n",
    );
    // HELP works and the connection is fine.
    let help = r.call(&["CLIENT", "HELP"]).await;
    assert!(
        help.starts_with(b"*") && help.windows(4).any(|w| w == b"KILL"),
        "{}",
        esc(&help)
    );
    assert_bytes(&r.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syntax_errors_leave_the_connection_usable() {
    let srv = start().await;
    let mut r = srv.raw().await;
    for cmd in [
        &["FLUSHALL", "NOW"][..],
        &["CLIENT", "KILL", "foo", "bar"][..],
        &["CLIENT", "REPLY", "maybe"][..],
        &["SET", "k", "v", "BOGUS"][..],
        &["SHUTDOWN", "LATER"][..],
        &["COMMAND", "LIST", "FILTERBY", "x", "y"][..],
    ] {
        assert_bytes(&r.call(cmd).await, b"-ERR syntax error\r\n");
        assert_bytes(&r.call(&["PING"]).await, b"+PONG\r\n");
    }
    // Typed client sees the same error kind.
    let mut c = srv.conn().await;
    let err = expect_err(&mut c, redis::cmd("FLUSHALL").arg("NOW")).await;
    assert_eq!(err, "ERR syntax error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_counts_expired_keys_and_debug_toggles_active_expiry() {
    let srv = start_with(|c| c.enable_debug_command = "yes".into()).await;
    let mut r = srv.raw().await;
    assert_bytes(
        &r.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]).await,
        b"+OK\r\n",
    );
    r.call(&["SET", "k", "v", "PX", "1"]).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    // With the active cycle off the key is still counted until something touches it.
    assert_bytes(&r.call(&["DBSIZE"]).await, b":1\r\n");
    assert_eq!(srv.info_int("expired_keys").await, 0);
    assert_bytes(&r.call(&["GET", "k"]).await, b"$-1\r\n");
    assert_eq!(srv.info_int("expired_keys").await, 1);
    assert_bytes(&r.call(&["DBSIZE"]).await, b":0\r\n");
    assert_bytes(&r.call(&["CONFIG", "RESETSTAT"]).await, b"+OK\r\n");
    assert_eq!(srv.info_int("expired_keys").await, 0);
}
