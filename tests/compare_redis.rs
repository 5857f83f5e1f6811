//! Byte-for-byte comparison of Herald against a real `redis-server`.
//!
//! Every `#[test]` here is one scenario: a list of steps for one or more named connections
//! (send a command or raw bytes, read N replies, expect EOF, expect silence). The scenario runs
//! once against a freshly spawned `redis-server` and once against a fresh in-process Herald, each
//! run records a transcript of the raw reply bytes, and the two transcripts must be identical.
//!
//! The harness (servers, the RESP reader, normalizers, the step DSL, [`Scenario::diff`] for
//! expected Redis 7.0 vs 7.4 differences) lives in `tests/compare/mod.rs`, shared with
//! `compare_datatypes.rs`.
//!
//! Set `COMPARE_VERBOSE=1` to print every transcript, also for passing scenarios.

mod compare;

use compare::{encode, Norm, Scenario};

// =============================================================================================
// The scenarios
// =============================================================================================

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn errors_unknown_command() {
    let long_a = "a".repeat(200);
    let hundred = "b".repeat(100);
    let long_name = "X".repeat(150);
    let mut s = Scenario::new("errors_unknown_command");
    s.cmd("a", &["FOO"])
        .cmd("a", &["foo", "bar"])
        .cmd("a", &["NoSuchCmd", "a", "b", "c", "d"])
        .cmd("a", &["FOO", &long_a])
        .cmd("a", &["FOO", &hundred, &hundred, &hundred])
        .cmd("a", &["FOO", "x", &long_a])
        .cmd("a", &[&long_name, "x"])
        .cmd("a", &[""])
        .cmd("a", &["FOO", ""])
        .cmd_b("a", &[b"FOO", b"line\r\nbreak"])
        .cmd_b("a", &[b"FOO", b"nul\0byte", b"z"])
        // Still usable afterwards.
        .cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_wrong_arity() {
    let mut s = Scenario::new("errors_wrong_arity");
    for args in [
        &["GET"][..],
        &["GET", "a", "b"],
        &["SET", "k"],
        &["DEL"],
        &["EXISTS"],
        &["ECHO"],
        &["ECHO", "a", "b"],
        &["PING", "a", "b"],
        &["SELECT"],
        &["SELECT", "1", "2"],
        &["AUTH"],
        &["DBSIZE", "x"],
        &["TIME", "x"],
        &["RESET", "x"],
        &["PUBLISH", "ch"],
        &["PUBLISH", "ch", "m", "extra"],
        &["SPUBLISH", "ch"],
        &["SUBSCRIBE"],
        &["PSUBSCRIBE"],
        &["SSUBSCRIBE"],
        &["get"],
        &["gEt", "a", "b"],
    ] {
        s.cmd("a", args);
    }
    s.cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_config_set_odd_arguments() {
    let mut s = Scenario::new("errors_config_set_odd_arguments");
    s.cmd("a", &["CONFIG", "SET", "timeout", "0", "maxclients"])
        .cmd("a", &["CONFIG", "SET", "foo", "0", "bar"]);
    s.check();
}

#[test]
fn errors_wrong_arity_subcommands() {
    let mut s = Scenario::new("errors_wrong_arity_subcommands");
    for args in [
        &["CLIENT"][..],
        &["client"],
        &["CLIENT", "ID", "x"],
        &["CLIENT", "GETNAME", "x"],
        &["CLIENT", "SETNAME"],
        &["CLIENT", "SETNAME", "a", "b"],
        &["CLIENT", "REPLY"],
        &["CLIENT", "REPLY", "ON", "x"],
        &["CONFIG"],
        &["CONFIG", "GET"],
        &["CONFIG", "SET"],
        &["CONFIG", "SET", "timeout"],
        &["PUBSUB"],
        &["PUBSUB", "NUMPAT", "x"],
    ] {
        s.cmd("a", args);
    }
    s.cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_unknown_subcommand() {
    let long_sub = "s".repeat(150);
    let mut s = Scenario::new("errors_unknown_subcommand");
    s.cmd("a", &["CLIENT", "FOO"])
        .cmd("a", &["client", "foo", "bar"])
        .cmd("a", &["CONFIG", "FOO"])
        .cmd("a", &["config", "Nope", "x", "y"])
        .cmd("a", &["PUBSUB", "FOO"])
        .cmd("a", &["pubsub", "numsubx"])
        .cmd("a", &["CLIENT", &long_sub])
        .cmd("a", &["CLIENT", ""])
        .cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_select() {
    let mut s = Scenario::new("errors_select");
    for args in [
        &["SELECT", "16"][..],
        &["SELECT", "-1"],
        &["SELECT", "abc"],
        &["SELECT", "1.5"],
        &["SELECT", ""],
        &["SELECT", " 1"],
        &["SELECT", "99999999999999999999"],
        &["SELECT", "15"],
        &["SELECT", "0"],
        &["SELECT", "00"],
    ] {
        s.cmd("a", args);
    }
    s.check();
}

#[test]
fn errors_set_syntax() {
    let mut s = Scenario::new("errors_set_syntax");
    for args in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "EX", "abc"],
        &["SET", "k", "v", "EX", "0"],
        &["SET", "k", "v", "EX", "-5"],
        &["SET", "k", "v", "EX", "1.5"],
        &["SET", "k", "v", "PX", "0"],
        &["SET", "k", "v", "PX", "-1"],
        &["SET", "k", "v", "EX", "10", "PX", "100"],
        &["SET", "k", "v", "EX", "10", "KEEPTTL"],
        &["SET", "k", "v", "FOO"],
        &["SET", "k", "v", "EX", "9223372036854775807"],
        &["SET", "k", "v", "PX", "9223372036854775807"],
        &["SET", "k", "v", "EXAT", "0"],
        &["SET", "k", "v", "PXAT", "-1"],
        &["SET", "k", "v", "NX", "GET"],
        &["SET", "k", "v", "ex", "100"],
        &["SET", "k", "v", "XX"],
        &["SET", "k", "v", "NX"],
        &["SET", "k", "v2", "NX"],
        &["SET", "k", "v3", "GET"],
        &["SET", "k", "v4", "XX", "GET"],
        &["SET", "k", "v5", "KEEPTTL"],
        &["GET", "k"],
    ] {
        s.cmd("a", args);
    }
    s.check();
}

#[test]
fn errors_auth_without_password() {
    let mut s = Scenario::new("errors_auth_without_password");
    s.cmd("a", &["AUTH", "secret"])
        .cmd("a", &["AUTH", "default", "secret"])
        .cmd("a", &["AUTH", "nobody", "secret"])
        .cmd("a", &["AUTH", "a", "b", "c"])
        .cmd("a", &["PING"]);
    s.check();
}

#[test]
fn errors_hello() {
    let mut s = Scenario::new("errors_hello");
    s.cmd("a", &["HELLO", "4"])
        .cmd("a", &["HELLO", "1"])
        .cmd("a", &["HELLO", "0"])
        .cmd("a", &["HELLO", "-1"])
        .cmd("a", &["HELLO", "abc"])
        .cmd("a", &["HELLO", "3.0"])
        .cmd("a", &["HELLO", "3", "FOO"])
        .cmd("a", &["HELLO", "3", "AUTH", "default"])
        .cmd("a", &["HELLO", "3", "SETNAME"])
        .cmd("a", &["HELLO", "3", "SETNAME", "bad name"])
        .cmd("a", &["HELLO", "3", "AUTH", "nobody", "x"])
        // Nothing above switched the protocol: still RESP2.
        .cmd("a", &["GET", "missing"])
        .cmd("a", &["CLIENT", "GETNAME"]);
    s.check();
}

#[test]
fn errors_config_set_out_of_range() {
    let mut s = Scenario::new("errors_config_set_out_of_range");
    s.cmd("a", &["CONFIG", "SET", "timeout", "-1"])
        .cmd("a", &["CONFIG", "SET", "maxclients", "0"])
        .cmd("a", &["CONFIG", "SET", "timeout", "99999999999"]);
    s.check();
}

#[test]
fn errors_config_set_duplicate_parameter() {
    let mut s = Scenario::new("errors_config_set_duplicate_parameter");
    s.cmd("a", &["CONFIG", "SET", "timeout", "5", "timeout", "6"])
        .cmd("a", &["CONFIG", "SET", "timeout", "5", "TIMEOUT", "6"]);
    s.check();
}

#[test]
fn errors_pubsub_channels_extra_argument() {
    let mut s = Scenario::new("errors_pubsub_channels_extra_argument");
    s.cmd("a", &["PUBSUB", "CHANNELS", "a", "b"])
        .cmd("a", &["pubsub", "shardchannels", "a", "b"]);
    s.check();
}

#[test]
fn errors_config_set() {
    let mut s = Scenario::new("errors_config_set");
    s.cmd("a", &["CONFIG", "SET", "foo", "bar"])
        .cmd("a", &["CONFIG", "SET", "no-such-option", "1"])
        .cmd("a", &["CONFIG", "SET", "timeout", "abc"])
        .cmd("a", &["CONFIG", "SET", "maxclients", "abc"])
        .cmd("a", &["CONFIG", "SET", "timeout", "5", "foo", "6"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["PING"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Basic commands
// ---------------------------------------------------------------------------------------------

#[test]
fn basic_connection_commands() {
    let mut s = Scenario::new("basic_connection_commands");
    s.cmd("a", &["PING"])
        .cmd("a", &["ping", "hello world"])
        .cmd("a", &["PING", ""])
        .cmd("a", &["ECHO", "x"])
        .cmd("a", &["ECHO", ""])
        .cmd_b("a", &[b"ECHO", b"bin\0\r\n\xff"])
        .cmd_norm("a", &["CLIENT", "ID"], Norm::AnyInt)
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["CLIENT", "SETNAME", "conn-a"])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["CLIENT", "SETNAME", "has space"])
        .cmd("a", &["CLIENT", "SETNAME", "new\nline"])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["CLIENT", "SETNAME", ""])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd_norm("a", &["TIME"], Norm::Time)
        .cmd("a", &["QUIT"])
        .eof("a");
    s.check();
}

#[test]
fn basic_keys_and_dbs() {
    let mut s = Scenario::new("basic_keys_and_dbs");
    s.cmd("a", &["DBSIZE"])
        .cmd("a", &["SET", "k1", "v1"])
        .cmd("a", &["SET", "k2", ""])
        .cmd("a", &["GET", "k1"])
        .cmd("a", &["GET", "k2"])
        .cmd("a", &["GET", "nope"])
        .cmd("a", &["EXISTS", "k1", "k2", "nope", "k1"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["DEL", "k1", "nope", "k1"])
        .cmd("a", &["EXISTS", "k1"])
        .cmd("a", &["SELECT", "1"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["GET", "k2"])
        .cmd("a", &["SET", "k3", "v3"])
        .cmd("a", &["FLUSHDB"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["SELECT", "0"])
        .cmd("a", &["DBSIZE"])
        .cmd("a", &["FLUSHDB", "ASYNC"])
        .cmd("a", &["FLUSHDB", "SYNC"])
        .cmd("a", &["FLUSHDB", "FOO"])
        .cmd("a", &["FLUSHALL", "FOO"])
        .cmd("a", &["FLUSHALL", "ASYNC", "SYNC"])
        .cmd("a", &["SET", "k4", "v4"])
        .cmd("a", &["FLUSHALL"])
        .cmd("a", &["FLUSHALL", "sync"])
        .cmd("a", &["DBSIZE"]);
    s.check();
}

#[test]
fn basic_resp3_replies() {
    let mut s = Scenario::new("basic_resp3_replies");
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .cmd("a", &["GET", "nope"])
        .cmd("a", &["SET", "k", "v"])
        .cmd("a", &["GET", "k"])
        .cmd("a", &["EXISTS", "k"])
        .cmd("a", &["PING"])
        .cmd("a", &["PING", "x"])
        .cmd("a", &["ECHO", "x"])
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd("a", &["SET", "k", "v", "NX"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "GET", "nosuchthing"])
        .cmd_norm("a", &["TIME"], Norm::Time)
        .cmd("a", &["UNKNOWNCMD"])
        .cmd_norm("a", &["HELLO", "2"], Norm::Hello)
        .cmd("a", &["GET", "nope"]);
    s.check();
}

#[test]
fn hello_replies() {
    let mut s = Scenario::new("hello_replies");
    s.cmd_norm("a", &["HELLO"], Norm::Hello)
        .cmd_norm("a", &["HELLO", "2"], Norm::Hello)
        .cmd_norm("a", &["HELLO", "3", "SETNAME", "via-hello"], Norm::Hello)
        .cmd("a", &["CLIENT", "GETNAME"])
        .cmd_norm("a", &["HELLO"], Norm::Hello)
        .cmd_norm(
            "a",
            &["hello", "3", "auth", "default", "anything"],
            Norm::Hello,
        )
        .cmd_norm(
            "a",
            &["HELLO", "2", "AUTH", "default", "x", "SETNAME", "n2"],
            Norm::Hello,
        )
        .cmd("a", &["CLIENT", "GETNAME"]);
    s.check();
}

#[test]
fn config_get_set() {
    let mut s = Scenario::new("config_get_set");
    s.cmd("a", &["CONFIG", "SET", "timeout", "120"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["config", "set", "TIMEOUT", "0"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "SET", "maxclients", "100"])
        .cmd("a", &["CONFIG", "GET", "maxclients"])
        .cmd("a", &["CONFIG", "SET", "timeout", "7", "maxclients", "50"])
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "GET", "maxclients"])
        .cmd(
            "a",
            &[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 1mb 512kb 30",
            ],
        )
        .cmd(
            "a",
            &["CONFIG", "SET", "client-output-buffer-limit", "foo 1 2 3"],
        )
        .cmd(
            "a",
            &["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 2"],
        )
        .cmd("a", &["CONFIG", "GET", "nosuchthing"])
        .cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .cmd("a", &["CONFIG", "GET", "timeout"])
        .cmd("a", &["CONFIG", "GET", "nosuchthing"]);
    s.check();
}

#[test]
fn config_get_echoes_name_case() {
    let mut s = Scenario::new("config_get_echoes_name_case");
    s.cmd("a", &["CONFIG", "GET", "TIMEOUT"])
        .cmd("a", &["CONFIG", "GET", "MaxClients"]);
    s.check();
}

#[test]
fn config_get_client_output_buffer_limit() {
    let mut s = Scenario::new("config_get_client_output_buffer_limit");
    s.cmd("a", &["CONFIG", "GET", "client-output-buffer-limit"])
        .cmd(
            "a",
            &[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 1mb 512kb 30",
            ],
        )
        .cmd("a", &["CONFIG", "GET", "client-output-buffer-limit"]);
    s.check();
}

#[test]
fn config_small_normal_output_limit() {
    let mut s = Scenario::new("config_small_normal_output_limit");
    s.cmd(
        "a",
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 100 50 10",
        ],
    )
    .cmd("a", &["ECHO", &"x".repeat(300)])
    .cmd(
        "a",
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ],
    );
    s.check();
}

#[test]
fn client_reply_modes() {
    let mut s = Scenario::new("client_reply_modes");
    s.cmd("a", &["CLIENT", "REPLY", "FOO"])
        .send("a", &["CLIENT", "REPLY", "OFF"])
        .send("a", &["PING"])
        .send("a", &["GET", "x"])
        .send("a", &["NOSUCHCMD"])
        .quiet("a")
        .cmd("a", &["CLIENT", "REPLY", "ON"])
        .send("a", &["CLIENT", "REPLY", "SKIP"])
        .send("a", &["ECHO", "skipped"])
        .cmd("a", &["ECHO", "shown"])
        .cmd("a", &["client", "reply", "on"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// 7.2 additions (CLIENT SETINFO)
// ---------------------------------------------------------------------------------------------

#[test]
fn client_setinfo() {
    let mut s = Scenario::new("client_setinfo");
    // CLIENT SETINFO was added in Redis 7.2; 7.0 reports an unknown subcommand.
    s.send("a", &["CLIENT", "SETINFO", "LIB-NAME", "herald-test"])
        .diff(
            "a",
            "CLIENT SETINFO added in Redis 7.2",
            &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
            &[b"+OK\r\n"],
        );
    s.send("a", &["CLIENT", "SETINFO", "lib-ver", "1.2.3"])
        .diff(
            "a",
            "CLIENT SETINFO added in Redis 7.2",
            &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
            &[b"+OK\r\n"],
        );
    s.send("a", &["client", "setinfo", "foo", "bar"]).diff(
        "a",
        "CLIENT SETINFO added in Redis 7.2 (unknown attribute)",
        &[b"-ERR unknown subcommand 'setinfo'. Try CLIENT HELP.\r\n"],
        &[b"-ERR Unrecognized option 'foo'\r\n"],
    );
    s.send("a", &["CLIENT", "SETINFO", "lib-name", "has space"])
        .diff(
            "a",
            "CLIENT SETINFO added in Redis 7.2 (invalid value)",
            &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
            &[b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"],
        );
    s.send("a", &["CLIENT", "SETINFO", "lib-name"]).diff(
        "a",
        "CLIENT SETINFO added in Redis 7.2 (arity 4)",
        &[b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"],
        &[b"-ERR wrong number of arguments for 'client|setinfo' command\r\n"],
    );
    s.cmd("a", &["PING"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------

#[test]
fn protocol_inline_commands() {
    let mut s = Scenario::new("protocol_inline_commands");
    for line in [
        &b"PING\r\n"[..],
        &b"ping\n"[..],
        &b"ECHO hello\r\n"[..],
        &b"ECHO \"hello world\"\r\n"[..],
        &b"ECHO 'single quoted'\r\n"[..],
        &b"ECHO \"esc \\x41\\x7a \\n\\r\\t\\b\\a \\\" \\\\ \\q\"\r\n"[..],
        &b"ECHO 'it\\'s \\n raw'\r\n"[..],
        &b"ECHO \"\"\r\n"[..],
        &b"   SET   k    \"v v\"   \r\n"[..],
        &b"GET k\r\n"[..],
        &b"ECHO a b\r\n"[..],
        &b"NOSUCH 'x y' z\r\n"[..],
    ] {
        s.raw("a", line).read("a", 1);
    }
    s.check();
}

#[test]
fn protocol_pipelining_and_empty_requests() {
    let mut s = Scenario::new("protocol_pipelining_and_empty_requests");
    s.raw(
        "a",
        b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nPING inline\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    )
    .read("a", 5)
    // Empty lines, whitespace-only lines, `*0` and negative counts produce no reply.
    .raw("a", b"\r\n\r\n   \r\n\n*0\r\n*-1\r\n*-5\r\nPING\r\n")
    .read("a", 1)
    .raw("a", b"*0\r\n")
    .quiet("a")
    // A command split across writes.
    .raw("a", b"*2\r\n$4\r\nEC")
    .pause(30)
    .raw("a", b"HO\r\n$5\r\nhel")
    .pause(30)
    .raw("a", b"lo\r\n")
    .read("a", 1)
    // Pipelined errors do not stop the pipeline.
    .raw(
        "a",
        b"*1\r\n$3\r\nFOO\r\n*1\r\n$3\r\nGET\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n99\r\n*1\r\n$4\r\nPING\r\n",
    )
    .read("a", 4);
    s.check();
}

#[test]
fn protocol_errors_close_the_connection() {
    let mut s = Scenario::new("protocol_errors_close_the_connection");
    let cases: [(&'static str, &[u8]); 10] = [
        ("c1", b"*abc\r\n"),
        ("c2", b"*1\r\nxyz\r\n"),
        ("c3", b"*1\r\n$abc\r\n"),
        ("c4", b"*1\r\n$-5\r\n"),
        ("c5", b"*1\r\n$536870913\r\n"),
        ("c6", b"*3000000000\r\n"),
        ("c7", b"ECHO \"unbalanced\r\n"),
        ("c8", b"ECHO \"a\"b\r\n"),
        ("c9", b"ECHO 'x\r\n"),
        ("c10", b"*2\r\n$4\r\nECHO\r\n:1\r\n"),
    ];
    for (conn, bytes) in cases {
        s.raw(conn, bytes).read(conn, 1).eof(conn);
    }
    // Replies before the bad request are still delivered.
    s.raw("c11", b"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n")
        .read("c11", 3)
        .eof("c11");
    s.check();
}

#[test]
fn protocol_too_big_inline_request() {
    let mut s = Scenario::new("protocol_too_big_inline_request");
    // 64 KiB + 1 bytes without a newline: exactly what Redis reads before giving up, so no
    // unread bytes remain that would turn the close into a reset.
    let big = vec![b'a'; 64 * 1024 + 1];
    s.raw("a", &big).read("a", 1).eof("a");
    s.check();
}

#[test]
fn protocol_too_big_count_lines() {
    let mut s = Scenario::new("protocol_too_big_count_lines");
    // A multibulk count line and a bulk length line of 64 KiB + 1 bytes without CRLF.
    let mut mbulk = b"*".to_vec();
    mbulk.extend(std::iter::repeat_n(b'1', 64 * 1024));
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend(std::iter::repeat_n(b'1', 64 * 1024));
    s.raw("a", &mbulk).read("a", 1).eof("a");
    s.raw("b", &bulk).read("b", 1).eof("b");
    s.check();
}

#[test]
fn protocol_large_arguments_and_quit() {
    let big = "z".repeat(100_000);
    let mut s = Scenario::new("protocol_large_arguments_and_quit");
    let mut pipeline = encode(&[b"ECHO", big.as_bytes()]);
    pipeline.extend_from_slice(&encode(&[b"SET", b"big", big.as_bytes()]));
    pipeline.extend_from_slice(b"GET big\r\n");
    s.raw("a", &pipeline)
        .read("a", 3)
        .cmd("a", &["EXISTS", "big"])
        // Nothing after QUIT in the same write is executed.
        .raw("a", b"PING\r\nQUIT\r\nPING\r\n")
        .read("a", 2)
        .eof("a")
        .raw("b", b"*1\r\n$4\r\nQUIT\r\n")
        .read("b", 1)
        .eof("b");
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Pub/Sub, RESP2
// ---------------------------------------------------------------------------------------------

#[test]
fn pubsub_resp2_subscribe_publish() {
    let mut s = Scenario::new("pubsub_resp2_subscribe_publish");
    s.send("sub", &["SUBSCRIBE", "ch1", "ch2", "ch3"])
        .read("sub", 3)
        // Duplicate subscription: confirmed again, count unchanged.
        .cmd("sub", &["SUBSCRIBE", "ch1"])
        .send("sub", &["subscribe", "ch2", "ch4", "ch2"])
        .read("sub", 3)
        .cmd("pub", &["PUBLISH", "ch1", "hello"])
        .read("sub", 1)
        .cmd_b("pub", &[b"PUBLISH", b"ch2", b"bin\0\r\n"])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "ch2", ""])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "nobody", "x"])
        .cmd("pub", &["PUBLISH", "CH1", "case matters"])
        .quiet("sub")
        .cmd("pub", &["PUBLISH", "ch4", "last"])
        .read("sub", 1);
    s.check();
}

#[test]
fn pubsub_resp2_patterns() {
    let mut s = Scenario::new("pubsub_resp2_patterns");
    s.cmd("sub", &["SUBSCRIBE", "news.tech"])
        .cmd("sub", &["PSUBSCRIBE", "news.*"])
        .send("sub", &["PSUBSCRIBE", "news.*", "h?llo"])
        .read("sub", 2)
        // A channel matching both a subscription and a pattern: message first, then pmessage.
        .cmd("pub", &["PUBLISH", "news.tech", "both"])
        .read("sub", 2)
        .cmd("pub", &["PUBLISH", "news.sport", "pattern only"])
        .read("sub", 1)
        .cmd("pub", &["PUBLISH", "hallo", "h?llo"])
        .read("sub", 1)
        .cmd("sub", &["PSUBSCRIBE", "*.tech"])
        // Two patterns match: Redis walks its pattern dict, so the pmessage order is unordered.
        .cmd("pub", &["PUBLISH", "news.tech", "three"])
        .read("sub", 1)
        .read_unordered("sub", 2)
        .cmd("sub", &["PUNSUBSCRIBE", "news.*"])
        .cmd("sub", &["PUNSUBSCRIBE", "never-subscribed"])
        .send("sub", &["PUNSUBSCRIBE"])
        .read_unordered("sub", 2)
        .cmd("sub", &["PUNSUBSCRIBE"])
        .cmd("pub", &["PUBLISH", "news.sport", "nobody"])
        .cmd("sub", &["UNSUBSCRIBE"])
        // Out of pub/sub mode again.
        .cmd("sub", &["GET", "x"]);
    s.check();
}

#[test]
fn pubsub_resp2_unsubscribe() {
    let mut s = Scenario::new("pubsub_resp2_unsubscribe");
    // Unsubscribing when subscribed to nothing still replies, with a null channel.
    s.cmd("sub", &["UNSUBSCRIBE"])
        .cmd("sub", &["PUNSUBSCRIBE"])
        .cmd("sub", &["SUNSUBSCRIBE"])
        .cmd("sub", &["UNSUBSCRIBE", "never"])
        // Not in pub/sub mode after those.
        .cmd("sub", &["GET", "x"])
        .send("sub", &["SUBSCRIBE", "a", "b", "c"])
        .read("sub", 3)
        .cmd("sub", &["PSUBSCRIBE", "p*"])
        .send("sub", &["UNSUBSCRIBE", "b", "zzz"])
        .read("sub", 2)
        .send("sub", &["UNSUBSCRIBE"])
        .read_unordered("sub", 2)
        // Still subscribed to a pattern: still in pub/sub mode.
        .cmd("sub", &["GET", "x"])
        .cmd("sub", &["UNSUBSCRIBE"])
        .cmd("sub", &["PUNSUBSCRIBE", "p*"])
        .cmd("sub", &["GET", "x"]);
    s.check();
}

#[test]
fn pubsub_resp2_subscribed_mode_commands() {
    let mut s = Scenario::new("pubsub_resp2_subscribed_mode_commands");
    s.cmd("sub", &["SUBSCRIBE", "ch"])
        .cmd("sub", &["PING"])
        .cmd("sub", &["PING", "hi"])
        .cmd("sub", &["ping", ""])
        .cmd("sub", &["GET", "x"])
        .cmd("sub", &["set", "k", "v"])
        .cmd("sub", &["PUBLISH", "ch", "x"])
        .cmd("sub", &["CLIENT", "ID"])
        .cmd("sub", &["client", "setname", "x"])
        .cmd("sub", &["CONFIG", "GET", "timeout"])
        .cmd("sub", &["PUBSUB", "NUMPAT"])
        .cmd("sub", &["HELLO", "3"])
        .cmd("sub", &["ECHO", "x"])
        .cmd("sub", &["SELECT", "1"])
        // Errors that come before the context check.
        .cmd("sub", &["NOSUCHCMD", "x"])
        .cmd("sub", &["GET"])
        .cmd("sub", &["CLIENT", "NOSUCHSUB"])
        .raw("sub", b"PING\r\n")
        .read("sub", 1)
        // Subscribing more is allowed.
        .cmd("sub", &["PSUBSCRIBE", "x*"])
        .cmd("sub", &["SSUBSCRIBE", "s"])
        .cmd("sub", &["QUIT"])
        .eof("sub");
    s.check();
}

#[test]
fn pubsub_reset_while_subscribed() {
    let mut s = Scenario::new("pubsub_reset_while_subscribed");
    s.cmd("sub", &["SUBSCRIBE", "ch"])
        .cmd("sub", &["PSUBSCRIBE", "c*"])
        .cmd("sub", &["SSUBSCRIBE", "sh"])
        .cmd("sub", &["RESET"])
        .cmd("pub", &["PUBLISH", "ch", "after reset"])
        .cmd("pub", &["SPUBLISH", "sh", "after reset"])
        .cmd("pub", &["PUBSUB", "NUMSUB", "ch"])
        .cmd("pub", &["PUBSUB", "NUMPAT"])
        .cmd("pub", &["PUBSUB", "SHARDNUMSUB", "sh"])
        .quiet("sub")
        .cmd("sub", &["GET", "x"])
        // RESET in RESP3 while subscribed: back to RESP2 too.
        .cmd_norm("sub", &["HELLO", "3"], Norm::Hello)
        .cmd("sub", &["CLIENT", "SETNAME", "n"])
        .cmd("sub", &["SELECT", "2"])
        .cmd("sub", &["SUBSCRIBE", "ch"])
        .cmd("sub", &["RESET"])
        .cmd("sub", &["GET", "x"])
        .cmd("sub", &["CLIENT", "GETNAME"])
        .cmd("sub", &["DBSIZE"])
        .cmd("pub", &["PUBLISH", "ch", "after second reset"])
        .quiet("sub");
    s.check();
}

#[test]
fn pubsub_shard_channels() {
    let mut s = Scenario::new("pubsub_shard_channels");
    s.send("sub", &["SSUBSCRIBE", "s1", "s2"])
        .read("sub", 2)
        .cmd("sub", &["SSUBSCRIBE", "s1"])
        // SUBSCRIBE counts do not include shard channels, and vice versa.
        .cmd("sub", &["SUBSCRIBE", "c1"])
        .cmd("sub", &["SSUBSCRIBE", "s3"])
        .cmd("pub", &["SPUBLISH", "s1", "shard hello"])
        .read("sub", 1)
        .cmd("pub", &["SPUBLISH", "nobody", "x"])
        // PUBLISH does not reach shard subscribers, SPUBLISH does not reach plain ones.
        .cmd("pub", &["PUBLISH", "s1", "plain"])
        .cmd("pub", &["SPUBLISH", "c1", "shard"])
        .quiet("sub")
        .cmd("pub", &["PUBSUB", "SHARDNUMSUB", "s1", "s2", "nope"])
        .cmd("pub", &["PUBSUB", "SHARDNUMSUB"])
        .send("sub", &["SUNSUBSCRIBE", "s2", "nope"])
        .read("sub", 2)
        .cmd("sub", &["UNSUBSCRIBE", "c1"])
        // Still shard-subscribed: still in pub/sub mode.
        .cmd("sub", &["GET", "x"])
        .send("sub", &["SUNSUBSCRIBE"])
        .read_unordered("sub", 2)
        .cmd("sub", &["SUNSUBSCRIBE"])
        .cmd("sub", &["GET", "x"])
        .cmd("pub", &["PUBSUB", "SHARDCHANNELS"]);
    s.check();
}

#[test]
fn pubsub_introspection() {
    let mut s = Scenario::new("pubsub_introspection");
    s.cmd("q", &["PUBSUB", "CHANNELS"])
        .cmd("q", &["PUBSUB", "NUMPAT"])
        .cmd("q", &["PUBSUB", "NUMSUB"])
        .cmd("q", &["PUBSUB", "NUMSUB", "a"])
        .cmd("q", &["PUBSUB", "SHARDCHANNELS"])
        .send("s1", &["SUBSCRIBE", "chan.a", "chan.b", "other"])
        .read("s1", 3)
        .cmd("s2", &["SUBSCRIBE", "chan.a"])
        .send("s2", &["PSUBSCRIBE", "chan.*", "x*"])
        .read("s2", 2)
        .cmd("s3", &["PSUBSCRIBE", "chan.*"])
        .send("s3", &["SSUBSCRIBE", "shard.a", "shard.b"])
        .read("s3", 2)
        .cmd_norm("q", &["PUBSUB", "CHANNELS"], Norm::SortElements)
        .cmd_norm("q", &["PUBSUB", "CHANNELS", "chan.*"], Norm::SortElements)
        .cmd("q", &["PUBSUB", "CHANNELS", "oth?r"])
        .cmd("q", &["PUBSUB", "CHANNELS", "nomatch*"])
        .cmd(
            "q",
            &["PUBSUB", "NUMSUB", "chan.a", "chan.b", "nope", "chan.a"],
        )
        .cmd("q", &["PUBSUB", "NUMPAT"])
        .cmd_norm("q", &["PUBSUB", "SHARDCHANNELS"], Norm::SortElements)
        .cmd("q", &["PUBSUB", "SHARDCHANNELS", "*.b"])
        .cmd("q", &["PUBSUB", "SHARDNUMSUB", "shard.a", "nope"])
        .cmd("q", &["pubsub", "numsub", "CHAN.A"])
        // RESP3 forms.
        .cmd_norm("q3", &["HELLO", "3"], Norm::Hello)
        .cmd("q3", &["PUBSUB", "CHANNELS", "oth*"])
        .cmd("q3", &["PUBSUB", "NUMPAT"])
        // Unsubscribing updates the counts.
        .cmd("s2", &["PUNSUBSCRIBE", "chan.*"])
        .send("s1", &["UNSUBSCRIBE", "chan.a", "other"])
        .read("s1", 2)
        .cmd("q", &["PUBSUB", "NUMSUB", "chan.a", "other"])
        .cmd("q", &["PUBSUB", "NUMPAT"])
        .cmd_norm("q", &["PUBSUB", "CHANNELS"], Norm::SortElements)
        // Publish counts every receiver: 1 channel subscriber + 1 pattern subscriber.
        .cmd("q", &["PUBLISH", "chan.a", "m"])
        .read("s2", 1)
        .read("s3", 1);
    s.check();
}

#[test]
fn pubsub_numsub_resp3() {
    let mut s = Scenario::new("pubsub_numsub_resp3");
    s.cmd("s1", &["SUBSCRIBE", "chan.a"])
        .cmd("s1", &["SSUBSCRIBE", "shard.b"])
        .cmd_norm("q", &["HELLO", "3"], Norm::Hello)
        .cmd("q", &["PUBSUB", "NUMSUB", "chan.a", "nope"])
        .cmd("q", &["PUBSUB", "NUMSUB"])
        .cmd("q", &["PUBSUB", "SHARDNUMSUB", "shard.b", "nope"])
        .cmd("q", &["PUBSUB", "SHARDNUMSUB"]);
    s.check();
}

// ---------------------------------------------------------------------------------------------
// Pub/Sub, RESP3
// ---------------------------------------------------------------------------------------------

#[test]
fn pubsub_resp3_subscribe_publish() {
    let mut s = Scenario::new("pubsub_resp3_subscribe_publish");
    s.cmd_norm("sub", &["HELLO", "3"], Norm::Hello)
        .send("sub", &["SUBSCRIBE", "ch1", "ch2"])
        .read("sub", 2)
        .cmd("sub", &["SUBSCRIBE", "ch1"])
        .cmd("sub", &["PSUBSCRIBE", "ch*"])
        .cmd("sub", &["SSUBSCRIBE", "sh"])
        .cmd("pub", &["PUBLISH", "ch1", "hello"])
        .read("sub", 2)
        .cmd("pub", &["SPUBLISH", "sh", "shard"])
        .read("sub", 1)
        // Any command works while subscribed in RESP3.
        .cmd("sub", &["PING"])
        .cmd("sub", &["PING", "hi"])
        .cmd("sub", &["GET", "nope"])
        .cmd("sub", &["SET", "k", "v"])
        .cmd("sub", &["GET", "k"])
        .cmd("sub", &["ECHO", "e"])
        .cmd_norm("sub", &["CLIENT", "ID"], Norm::AnyInt)
        .cmd("sub", &["DBSIZE"])
        .cmd("sub", &["CONFIG", "GET", "timeout"])
        .cmd("sub", &["PUBLISH", "elsewhere", "x"])
        .cmd("sub", &["NOSUCHCMD"])
        .cmd("sub", &["GET"])
        .cmd("sub", &["UNSUBSCRIBE", "ch1"])
        .cmd("sub", &["UNSUBSCRIBE"])
        .cmd("sub", &["PUNSUBSCRIBE"])
        .cmd("sub", &["SUNSUBSCRIBE"])
        // Subscribed to nothing: null channel.
        .cmd("sub", &["UNSUBSCRIBE"])
        .cmd("sub", &["PUNSUBSCRIBE"])
        .cmd("sub", &["SUNSUBSCRIBE"])
        .cmd("sub", &["PING"]);
    s.check();
}

#[test]
fn pubsub_resp3_switch_protocol_while_subscribed() {
    let mut s = Scenario::new("pubsub_resp3_switch_protocol_while_subscribed");
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .cmd("a", &["SUBSCRIBE", "ch"])
        // HELLO 2 is allowed in RESP3 subscribed mode; afterwards the RESP2 rules apply.
        .cmd_norm("a", &["HELLO", "2"], Norm::Hello)
        .cmd("pub", &["PUBLISH", "ch", "now resp2"])
        .read("a", 1)
        .cmd("a", &["GET", "x"])
        .cmd("a", &["PING"])
        .cmd("a", &["HELLO", "3"])
        .cmd("a", &["UNSUBSCRIBE"])
        .cmd("a", &["GET", "x"])
        // RESP2 subscribed, then RESP3 via a fresh connection's HELLO: pushes switch format.
        .cmd("b", &["SUBSCRIBE", "ch"])
        .cmd("pub", &["PUBLISH", "ch", "m1"])
        .read("b", 1);
    s.check();
}

#[test]
fn pubsub_resp3_publish_to_self() {
    let mut s = Scenario::new("pubsub_resp3_publish_to_self");
    // Redis 7.2 (redis#12326, 7.2-rc3 release notes) postpones push messages a command
    // generates for the client running it until after that command's reply; 7.0 sent the
    // message first.
    const REASON: &str =
        "PUBLISH reply precedes the client's own message since Redis 7.2 (redis#12326)";
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello);
    // (subscription, publication, the pushes it sends to the publisher, the publication's reply)
    type Case = (
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static [u8]],
        &'static [u8],
    );
    let cases: [Case; 3] = [
        (
            &["SUBSCRIBE", "ch"],
            &["PUBLISH", "ch", "hi"],
            &[b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"],
            b":1\r\n",
        ),
        (
            &["PSUBSCRIBE", "c*"],
            &["PUBLISH", "ch", "x"],
            &[
                b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n",
                b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n",
            ],
            b":2\r\n",
        ),
        (
            &["SSUBSCRIBE", "sh"],
            &["SPUBLISH", "sh", "y"],
            &[b">3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n$1\r\ny\r\n"],
            b":1\r\n",
        ),
    ];
    for (subscribe, publish, pushes, reply) in cases {
        let redis70: Vec<&'static [u8]> = pushes.iter().copied().chain([reply]).collect();
        let redis74: Vec<&'static [u8]> =
            [reply].into_iter().chain(pushes.iter().copied()).collect();
        s.cmd("a", subscribe)
            .send("a", publish)
            .diff("a", REASON, &redis70, &redis74);
    }
    s.cmd("a", &["PING"]);
    s.check();
}

#[test]
fn pubsub_client_reply_off_still_gets_pushes() {
    // Pub/sub confirmations and messages are delivered even with CLIENT REPLY OFF (redis#11875,
    // Redis 7.2; the 7.0.15 reference behaves the same, so no expected difference here).
    let mut s = Scenario::new("pubsub_client_reply_off_still_gets_pushes");
    s.cmd_norm("a", &["HELLO", "3"], Norm::Hello)
        .send("a", &["CLIENT", "REPLY", "OFF"])
        .cmd("a", &["SUBSCRIBE", "ch"])
        .cmd("pub", &["PUBLISH", "ch", "m"])
        .read("a", 1)
        .send("a", &["PING"])
        .send("a", &["GET", "x"])
        .quiet("a")
        .cmd("a", &["CLIENT", "REPLY", "ON"])
        .cmd("a", &["PING"])
        // RESP2: the same, and RESET turns replies back on.
        .send("b", &["CLIENT", "REPLY", "OFF"])
        .cmd("b", &["SUBSCRIBE", "ch"])
        .cmd("pub", &["PUBLISH", "ch", "m2"])
        .read("a", 1)
        .read("b", 1)
        .send("b", &["PING"])
        .quiet("b")
        .cmd("b", &["RESET"])
        .cmd("b", &["PING"])
        // CLIENT REPLY SKIP skips only the next reply, not pushes.
        .send("a", &["CLIENT", "REPLY", "SKIP"])
        .cmd("a", &["PUBLISH", "ch", "to self"])
        .cmd("a", &["PING"]);
    s.check();
}
