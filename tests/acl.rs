//! ACL: users and rules, AUTH forms, command/key/channel permissions with Redis's NOPERM texts,
//! disconnecting clients whose permissions shrank, ACL LOG, DRYRUN, GENPASS, CAT, the ACL file
//! and `user` lines in the config file.

mod common;

use common::{assert_bytes, bulk_text, esc, expect_err, start, start_with, Raw, TestServer};
use redis::aio::MultiplexedConnection;
use redis::Value;
use std::time::Duration;

/// The refusal of a channel the user may not use.
const NOPERM_CHANNEL: &[u8] = b"-NOPERM No permissions to access a channel\r\n";
/// The refusal of a key the user may not use.
const NOPERM_KEY: &[u8] = b"-NOPERM No permissions to access a key\r\n";

/// Runs an ACL subcommand expecting `+OK`.
async fn acl_ok(c: &mut Raw, args: &[&str]) {
    let mut full = vec!["ACL"];
    full.extend_from_slice(args);
    assert_bytes(&c.call(&full).await, b"+OK\r\n");
}

/// ACL LIST as strings.
async fn acl_list(conn: &mut MultiplexedConnection) -> Vec<String> {
    redis::cmd("ACL")
        .arg("LIST")
        .query_async(conn)
        .await
        .unwrap()
}

/// A raw client logged in as `user`.
async fn raw_as(s: &TestServer, user: &str, pass: &str) -> Raw {
    let mut c = s.raw().await;
    assert_bytes(&c.call(&["AUTH", user, pass]).await, b"+OK\r\n");
    c
}

fn hash(pass: &str) -> String {
    herald::acl::user::hash_password(pass.as_bytes())
}

#[tokio::test]
async fn setuser_rules_and_descriptions() {
    let s = start().await;
    let mut c = s.raw().await;
    let mut conn = s.conn().await;
    assert_eq!(
        acl_list(&mut conn).await,
        vec!["user default on nopass sanitize-payload ~* &* +@all"]
    );
    acl_ok(&mut c, &["SETUSER", "bob"]).await;
    assert_eq!(
        acl_list(&mut conn).await[0],
        "user bob off sanitize-payload resetchannels -@all"
    );
    acl_ok(
        &mut c,
        &[
            "SETUSER",
            "alice",
            "on",
            ">p1",
            ">p2",
            "~foo*",
            "%R~r*",
            "%W~w*",
            "&chan*",
            "+get",
            "+@pubsub",
            "-publish",
            "+config|get",
            "+select|0",
        ],
    )
    .await;
    let want = format!(
        "user alice on sanitize-payload #{} #{} ~foo* %R~r* %W~w* resetchannels &chan* -@all +get +@pubsub -publish +config|get +select|0",
        hash("p1"),
        hash("p2")
    );
    assert_eq!(acl_list(&mut conn).await[0], want);
    // Removing passwords by clear text and by hash, adding one by hash.
    let h2 = hash("p2");
    acl_ok(
        &mut c,
        &[
            "SETUSER",
            "alice",
            "<p1",
            &format!("!{h2}"),
            &format!("#{}", hash("p3")),
        ],
    )
    .await;
    let getuser: Vec<Value> = redis::cmd("ACL")
        .arg("GETUSER")
        .arg("alice")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(getuser.len(), 12);
    assert_eq!(
        getuser[3],
        Value::Array(vec![Value::BulkString(hash("p3").into_bytes())])
    );
    assert_eq!(
        getuser[5],
        Value::BulkString(b"-@all +get +@pubsub -publish +config|get +select|0".to_vec())
    );
    assert_eq!(getuser[7], Value::BulkString(b"~foo* %R~r* %W~w*".to_vec()));
    assert_eq!(getuser[9], Value::BulkString(b"&chan*".to_vec()));
    // Whole-command rules supersede earlier subcommand rules; all/no commands reset the rules.
    acl_ok(
        &mut c,
        &["SETUSER", "alice", "+config", "-config|set", "-@dangerous"],
    )
    .await;
    assert!(acl_list(&mut conn).await[0]
        .ends_with("-@all +get +@pubsub -publish +select|0 +config -config|set -@dangerous"));
    acl_ok(
        &mut c,
        &[
            "SETUSER",
            "alice",
            "allcommands",
            "-debug",
            "allkeys",
            "allchannels",
        ],
    )
    .await;
    let line = acl_list(&mut conn).await[0].clone();
    assert!(line.ends_with("~* &* +@all -debug"), "{line}");
    acl_ok(
        &mut c,
        &[
            "SETUSER",
            "alice",
            "nocommands",
            "resetkeys",
            "resetchannels",
            "nopass",
        ],
    )
    .await;
    assert_eq!(
        acl_list(&mut conn).await[0],
        "user alice on nopass sanitize-payload resetchannels -@all"
    );
    acl_ok(
        &mut c,
        &["SETUSER", "alice", "resetpass", "+@all", "~*", "&*", "off"],
    )
    .await;
    assert_eq!(
        acl_list(&mut conn).await[0],
        "user alice off sanitize-payload ~* &* +@all"
    );
    acl_ok(&mut c, &["SETUSER", "alice", "reset"]).await;
    assert_eq!(
        acl_list(&mut conn).await[0],
        "user alice off sanitize-payload resetchannels -@all"
    );
    let users: Vec<String> = redis::cmd("ACL")
        .arg("USERS")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(users, vec!["alice", "bob", "default"]);
    assert_bytes(&c.call(&["ACL", "WHOAMI"]).await, b"$7\r\ndefault\r\n");
    assert_bytes(&c.call(&["ACL", "GETUSER", "nobody"]).await, b"$-1\r\n");
    assert_bytes(
        &c.call(&["ACL", "DELUSER", "bob", "nobody"]).await,
        b":1\r\n",
    );
    assert_bytes(
        &c.call(&["ACL", "DELUSER", "alice", "default"]).await,
        b"-ERR The 'default' user cannot be removed\r\n",
    );
}

#[tokio::test]
async fn setuser_errors_change_nothing() {
    let s = start().await;
    let mut c = s.raw().await;
    let cases: &[(&str, &str)] = &[
        ("+bogus", "Unknown command or category name in ACL"),
        ("+@bogus", "Unknown command or category name in ACL"),
        ("-select|0", "Unknown command or category name in ACL"),
        ("<nope", "The password you are trying to remove from the user does not exist"),
        ("!abc", "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"),
        ("xyz", "Syntax error"),
        ("%X~a", "Syntax error"),
        ("+config|get|x", "Allowing first-arg of a subcommand is not supported"),
    ];
    for (rule, text) in cases {
        let want = format!("-ERR Error in ACL SETUSER modifier '{rule}': {text}\r\n");
        assert_bytes(
            &c.call(&["ACL", "SETUSER", "u", "+get", rule]).await,
            want.as_bytes(),
        );
    }
    assert_bytes(&c.call(&["ACL", "GETUSER", "u"]).await, b"$-1\r\n");
    assert_bytes(
        &c.call(&["ACL", "SETUSER", "u", "allkeys", "~a"]).await,
        b"-ERR Error in ACL SETUSER modifier '~a': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns\r\n",
    );
    assert_bytes(
        &c.call(&["ACL", "SETUSER", "a b"]).await,
        b"-ERR Usernames can't contain spaces or null characters\r\n",
    );
}

#[tokio::test]
async fn auth_forms_and_hello() {
    let s = start().await;
    let mut admin = s.raw().await;
    let mut c = s.raw().await;
    assert_bytes(
        &c.call(&["AUTH", "pw"]).await,
        b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
    acl_ok(
        &mut admin,
        &["SETUSER", "alice", "on", ">secret", "+@all", "~*"],
    )
    .await;
    assert_bytes(
        &c.call(&["AUTH", "alice", "wrong"]).await,
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    assert_bytes(&c.call(&["AUTH", "alice", "secret"]).await, b"+OK\r\n");
    assert_bytes(&c.call(&["ACL", "WHOAMI"]).await, b"$5\r\nalice\r\n");
    let list = bulk_text(&c.call(&["CLIENT", "INFO"]).await);
    assert!(list.contains(" user=alice "), "{list}");
    // A disabled user cannot log in; nopass accepts any password.
    acl_ok(&mut admin, &["SETUSER", "carol", "off", "nopass"]).await;
    assert_bytes(
        &c.call(&["AUTH", "carol", "x"]).await,
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    acl_ok(&mut admin, &["SETUSER", "carol", "on"]).await;
    assert_bytes(&c.call(&["AUTH", "carol", "anything"]).await, b"+OK\r\n");
    // HELLO AUTH switches user and protocol together.
    let reply = c.call(&["HELLO", "3", "AUTH", "alice", "secret"]).await;
    assert!(reply.starts_with(b"%7\r\n"), "{}", esc(&reply));
    assert_bytes(&c.call(&["ACL", "WHOAMI"]).await, b"$5\r\nalice\r\n");
    assert_bytes(
        &c.call(&["HELLO", "3", "AUTH", "alice", "nope"]).await,
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    // RESET returns to the default user.
    assert_bytes(&c.call(&["RESET"]).await, b"+RESET\r\n");
    assert_bytes(&c.call(&["ACL", "WHOAMI"]).await, b"$7\r\ndefault\r\n");

    // redis-rs logs in with a URL's username and password.
    let url = format!("redis://alice:secret@127.0.0.1:{}/", s.port);
    let mut conn = s.try_conn_url(&url).await.unwrap();
    let me: String = redis::cmd("ACL")
        .arg("WHOAMI")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(me, "alice");
    let bad = format!("redis://alice:nope@127.0.0.1:{}/", s.port);
    assert!(s.try_conn_url(&bad).await.is_err());
}

#[tokio::test]
async fn requirepass_is_the_default_users_password() {
    let s = start_with(|c| c.requirepass = Some(b"pw".to_vec())).await;
    let mut c = s.raw().await;
    assert_bytes(
        &c.call(&["GET", "k"]).await,
        b"-NOAUTH Authentication required.\r\n",
    );
    assert_bytes(&c.call(&["AUTH", "pw"]).await, b"+OK\r\n");
    let list = bulk_text(&c.call(&["ACL", "LIST"]).await.split_off(4));
    assert!(list.contains(&format!("#{}", hash("pw"))), "{list}");
    assert_bytes(
        &c.call(&["CONFIG", "SET", "requirepass", "new"]).await,
        b"+OK\r\n",
    );
    let mut d = s.raw().await;
    assert_bytes(
        &d.call(&["AUTH", "pw"]).await,
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    assert_bytes(&d.call(&["AUTH", "default", "new"]).await, b"+OK\r\n");
    assert_bytes(
        &c.call(&["CONFIG", "SET", "requirepass", ""]).await,
        b"+OK\r\n",
    );
    let mut e = s.raw().await;
    assert_bytes(&e.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test]
async fn command_and_key_permissions() {
    let s = start().await;
    let mut admin = s.raw().await;
    acl_ok(
        &mut admin,
        &[
            "SETUSER",
            "u",
            "on",
            ">p",
            "+get",
            "+set",
            "+config|get",
            "+select|0",
            "+multi",
            "+exec",
            "%R~r*",
            "~rw*",
        ],
    )
    .await;
    let mut c = raw_as(&s, "u", "p").await;
    assert_bytes(&c.call(&["GET", "r1"]).await, b"$-1\r\n");
    assert_bytes(&c.call(&["SET", "rw1", "v"]).await, b"+OK\r\n");
    assert_bytes(&c.call(&["SET", "r1", "v"]).await, NOPERM_KEY);
    assert_bytes(&c.call(&["GET", "other"]).await, NOPERM_KEY);
    assert_bytes(
        &c.call(&["DEL", "rw1"]).await,
        b"-NOPERM User u has no permissions to run the 'del' command\r\n",
    );
    assert_bytes(
        &c.call(&["CONFIG", "SET", "timeout", "0"]).await,
        b"-NOPERM User u has no permissions to run the 'config|set' command\r\n",
    );
    assert!(c
        .call(&["CONFIG", "GET", "timeout"])
        .await
        .starts_with(b"*2\r\n"));
    assert_bytes(&c.call(&["SELECT", "0"]).await, b"+OK\r\n");
    assert_bytes(
        &c.call(&["SELECT", "1"]).await,
        b"-NOPERM User u has no permissions to run the 'select' command\r\n",
    );
    // Commands allowed without authentication stay allowed.
    assert_bytes(&c.call(&["AUTH", "u", "p"]).await, b"+OK\r\n");
    // A refusal while queueing aborts the transaction.
    assert_bytes(&c.call(&["MULTI"]).await, b"+OK\r\n");
    assert_bytes(
        &c.call(&["DEL", "x"]).await,
        b"-NOPERM User u has no permissions to run the 'del' command\r\n",
    );
    assert_bytes(
        &c.call(&["EXEC"]).await,
        b"-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    // Permissions taken away between MULTI and EXEC refuse the queued command at EXEC.
    assert_bytes(&c.call(&["MULTI"]).await, b"+OK\r\n");
    assert_bytes(&c.call(&["GET", "rw1"]).await, b"+QUEUED\r\n");
    acl_ok(&mut admin, &["SETUSER", "u", "-get"]).await;
    assert_bytes(
        &c.call(&["EXEC"]).await,
        b"*1\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and its execution. The user is no longer able to execute the command (no permission to execute the command or subcommand).\r\n",
    );
    acl_ok(&mut admin, &["SETUSER", "u", "+get"]).await;
    // Permissions change for connected clients at once.
    acl_ok(&mut admin, &["SETUSER", "u", "+del"]).await;
    assert_bytes(&c.call(&["DEL", "rw1"]).await, b":1\r\n");
    acl_ok(&mut admin, &["SETUSER", "u", "-@all"]).await;
    assert_bytes(
        &c.call(&["GET", "rw1"]).await,
        b"-NOPERM User u has no permissions to run the 'get' command\r\n",
    );
    assert_bytes(
        &c.call(&["PING"]).await,
        b"-NOPERM User u has no permissions to run the 'ping' command\r\n",
    );
}

#[tokio::test]
async fn channel_permissions() {
    let s = start().await;
    let mut admin = s.raw().await;
    acl_ok(
        &mut admin,
        &[
            "SETUSER",
            "u",
            "on",
            "nopass",
            "+@pubsub",
            "&user_1_*",
            "&news",
        ],
    )
    .await;
    let mut c = raw_as(&s, "u", "x").await;
    assert_bytes(
        &c.call(&["PUBLISH", "user_1_notifications", "m"]).await,
        b":0\r\n",
    );
    assert_bytes(
        &c.call(&["PUBLISH", "user_2_notifications", "m"]).await,
        NOPERM_CHANNEL,
    );
    assert_bytes(
        &c.call(&["SPUBLISH", "user_2_notifications", "m"]).await,
        NOPERM_CHANNEL,
    );
    assert_bytes(
        &c.call(&["SUBSCRIBE", "news", "secret"]).await,
        NOPERM_CHANNEL,
    );
    // PSUBSCRIBE needs the pattern itself to be allowed, literally.
    assert_bytes(&c.call(&["PSUBSCRIBE", "user_1_n*"]).await, NOPERM_CHANNEL);
    assert_bytes(
        &c.call(&["PSUBSCRIBE", "user_1_*"]).await,
        b"*3\r\n$10\r\npsubscribe\r\n$8\r\nuser_1_*\r\n:1\r\n",
    );
    assert_bytes(
        &c.call(&["SSUBSCRIBE", "user_1_x"]).await,
        b"*3\r\n$10\r\nssubscribe\r\n$8\r\nuser_1_x\r\n:1\r\n",
    );
    assert_bytes(&c.call(&["SSUBSCRIBE", "nope"]).await, NOPERM_CHANNEL);
    assert_bytes(
        &c.call(&["SUBSCRIBE", "news"]).await,
        b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:2\r\n",
    );
    // acl-pubsub-default allchannels gives new users every channel.
    assert_bytes(
        &admin
            .call(&["CONFIG", "SET", "acl-pubsub-default", "allchannels"])
            .await,
        b"+OK\r\n",
    );
    acl_ok(&mut admin, &["SETUSER", "w"]).await;
    let getuser = admin.call(&["ACL", "GETUSER", "w"]).await;
    assert!(esc(&getuser).contains("&*"), "{}", esc(&getuser));
}

#[tokio::test]
async fn reduced_channel_permissions_disconnect_subscribers() {
    let s = start().await;
    let mut admin = s.raw().await;
    acl_ok(
        &mut admin,
        &["SETUSER", "u", "on", "nopass", "+@all", "&a*", "&b"],
    )
    .await;
    let mut sub_a = raw_as(&s, "u", "x").await;
    let mut sub_b = raw_as(&s, "u", "x").await;
    let mut pat = raw_as(&s, "u", "x").await;
    let mut idle = raw_as(&s, "u", "x").await;
    sub_a.call(&["SUBSCRIBE", "a1"]).await;
    sub_b.call(&["SUBSCRIBE", "b"]).await;
    pat.call(&["PSUBSCRIBE", "a*"]).await;
    // Adding channels disconnects nobody.
    acl_ok(&mut admin, &["SETUSER", "u", "&c"]).await;
    // Taking `b` away: only the subscriber of `b` goes.
    acl_ok(&mut admin, &["SETUSER", "u", "resetchannels", "&a*"]).await;
    assert!(sub_b.closed_within(Duration::from_secs(2)).await);
    assert_bytes(&admin.call(&["PUBLISH", "a1", "m"]).await, b":2\r\n");
    sub_a
        .expect(b"*3\r\n$7\r\nmessage\r\n$2\r\na1\r\n$1\r\nm\r\n")
        .await;
    // Narrowing the pattern: the PSUBSCRIBE of `a*` is no longer allowed, `a1` still is.
    acl_ok(&mut admin, &["SETUSER", "u", "resetchannels", "&a1"]).await;
    assert!(pat.closed_within(Duration::from_secs(2)).await);
    sub_a.expect_silence(Duration::from_millis(100)).await;
    assert_bytes(&idle.call(&["PING"]).await, b"+PONG\r\n");
    // Deleting the user disconnects all of its clients, the caller included (after its reply).
    assert_bytes(
        &sub_a.call(&["PING"]).await,
        b"*2\r\n$4\r\npong\r\n$0\r\n\r\n",
    );
    assert_bytes(&idle.call(&["ACL", "DELUSER", "u"]).await, b":1\r\n");
    assert!(idle.closed_within(Duration::from_secs(2)).await);
    assert!(sub_a.closed_within(Duration::from_secs(2)).await);
    assert_bytes(&admin.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test]
async fn client_kill_user_and_client_list() {
    let s = start().await;
    let mut admin = s.raw().await;
    acl_ok(&mut admin, &["SETUSER", "u", "on", "nopass", "+@all"]).await;
    let mut c = raw_as(&s, "u", "x").await;
    let list = bulk_text(&admin.call(&["CLIENT", "LIST"]).await);
    assert_eq!(list.matches(" user=u ").count(), 1, "{list}");
    assert_bytes(
        &admin.call(&["CLIENT", "KILL", "USER", "u"]).await,
        b":1\r\n",
    );
    assert!(c.closed_within(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn acl_log_and_info_counters() {
    let s = start().await;
    let mut admin = s.raw().await;
    acl_ok(
        &mut admin,
        &[
            "SETUSER", "u", "on", ">p", "+get", "+publish", "+multi", "~k",
        ],
    )
    .await;
    let mut c = raw_as(&s, "u", "p").await;
    c.call(&["SET", "k", "v"]).await;
    c.call(&["GET", "x"]).await;
    c.call(&["PUBLISH", "ch", "m"]).await;
    c.call(&["AUTH", "u", "bad"]).await;
    c.call(&["AUTH", "u", "bad"]).await;
    assert_eq!(s.info_int("acl_access_denied_cmd").await, 1);
    assert_eq!(s.info_int("acl_access_denied_key").await, 1);
    assert_eq!(s.info_int("acl_access_denied_channel").await, 1);
    assert_eq!(s.info_int("acl_access_denied_auth").await, 2);

    let mut conn = s.conn().await;
    let log: Vec<Vec<Value>> = redis::cmd("ACL")
        .arg("LOG")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(log.len(), 4);
    let field = |e: &[Value], name: &str| -> Value {
        let i = e
            .iter()
            .position(|v| *v == Value::BulkString(name.as_bytes().to_vec()))
            .unwrap_or_else(|| panic!("no field {name}"));
        e[i + 1].clone()
    };
    let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
    // Newest first; the two failed AUTHs are one entry counted twice.
    assert_eq!(log[0].len(), 20);
    assert_eq!(field(&log[0], "count"), Value::Int(2));
    assert_eq!(field(&log[0], "reason"), bulk("auth"));
    assert_eq!(field(&log[0], "object"), bulk("AUTH"));
    assert_eq!(field(&log[0], "username"), bulk("u"));
    assert_eq!(field(&log[0], "context"), bulk("toplevel"));
    assert_eq!(field(&log[1], "reason"), bulk("channel"));
    assert_eq!(field(&log[1], "object"), bulk("ch"));
    assert_eq!(field(&log[2], "reason"), bulk("key"));
    assert_eq!(field(&log[2], "object"), bulk("x"));
    assert_eq!(field(&log[3], "reason"), bulk("command"));
    assert_eq!(field(&log[3], "object"), bulk("set"));
    assert_eq!(field(&log[3], "entry-id"), Value::Int(0));
    let Value::BulkString(info) = field(&log[3], "client-info") else {
        panic!("client-info is not a string");
    };
    let info = String::from_utf8(info).unwrap();
    assert!(
        info.contains(" user=u ") && info.contains(" cmd=set "),
        "{info}"
    );
    let created = field(&log[3], "timestamp-created");
    assert_eq!(created, field(&log[3], "timestamp-last-updated"));

    let one: Vec<Value> = redis::cmd("ACL")
        .arg("LOG")
        .arg(1)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_bytes(&admin.call(&["ACL", "LOG", "RESET"]).await, b"+OK\r\n");
    assert_bytes(&admin.call(&["ACL", "LOG"]).await, b"*0\r\n");
    // A refusal while queueing a transaction is logged in the `multi` context.
    assert_bytes(&c.call(&["MULTI"]).await, b"+OK\r\n");
    let r = c.call(&["DEL", "k"]).await;
    assert!(r.starts_with(b"-NOPERM"), "{}", esc(&r));
    let log: Vec<Vec<Value>> = redis::cmd("ACL")
        .arg("LOG")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(field(&log[0], "context"), bulk("multi"));
    // acllog-max-len bounds the log.
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "acllog-max-len", "1"]).await,
        b"+OK\r\n",
    );
    let mut d = raw_as(&s, "u", "p").await;
    d.call(&["GET", "other"]).await;
    d.call(&["AUTH", "nobody", "x"]).await;
    let log: Vec<Vec<Value>> = redis::cmd("ACL")
        .arg("LOG")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(field(&log[0], "reason"), bulk("auth"));
    assert_bytes(&admin.call(&["CONFIG", "RESETSTAT"]).await, b"+OK\r\n");
    assert_eq!(s.info_int("acl_access_denied_cmd").await, 0);
}

#[tokio::test]
async fn dryrun_genpass_cat() {
    let s = start().await;
    let mut c = s.raw().await;
    acl_ok(&mut c, &["SETUSER", "u", "+get", "~k*", "&ch"]).await;
    assert_bytes(
        &c.call(&["ACL", "DRYRUN", "u", "GET", "k1"]).await,
        b"+OK\r\n",
    );
    assert_bytes(
        &c.call(&["ACL", "DRYRUN", "u", "GET", "x"]).await,
        b"$47\r\nUser u has no permissions to access the 'x' key\r\n",
    );
    assert_bytes(
        &c.call(&["ACL", "DRYRUN", "u", "SET", "k1", "v"]).await,
        b"$50\r\nUser u has no permissions to run the 'set' command\r\n",
    );
    assert_bytes(
        &c.call(&["ACL", "DRYRUN", "nobody", "GET", "x"]).await,
        b"-ERR User 'nobody' not found\r\n",
    );
    assert_bytes(
        &c.call(&["ACL", "DRYRUN", "u", "NOCMD"]).await,
        b"-ERR Command 'NOCMD' not found\r\n",
    );
    assert_bytes(
        &c.call(&["ACL", "DRYRUN", "u", "GET"]).await,
        b"-ERR wrong number of arguments for 'get' command\r\n",
    );
    // GENPASS: 256 bits by default, hex, different every time.
    let a = bulk_text(&c.call(&["ACL", "GENPASS"]).await);
    let b = bulk_text(&c.call(&["ACL", "GENPASS"]).await);
    assert_eq!(a.len(), 64);
    assert!(a.bytes().all(|ch| ch.is_ascii_hexdigit()));
    assert_ne!(a, b);
    assert_eq!(bulk_text(&c.call(&["ACL", "GENPASS", "5"]).await).len(), 2);
    assert_bytes(
        &c.call(&["ACL", "GENPASS", "0"]).await,
        b"-ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096\r\n",
    );
    let mut conn = s.conn().await;
    let cats: Vec<String> = redis::cmd("ACL")
        .arg("CAT")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(cats.len(), 21);
    assert_eq!(cats[0], "keyspace");
    let pubsub: Vec<String> = redis::cmd("ACL")
        .arg("CAT")
        .arg("pubsub")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        pubsub.contains(&"publish".to_string()) && pubsub.contains(&"pubsub|numsub".to_string())
    );
    assert!(!pubsub.contains(&"get".to_string()));
    assert_eq!(
        expect_err(&mut conn, redis::cmd("ACL").arg("CAT").arg("nope")).await,
        "ERR Unknown category 'nope'"
    );
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("herald-acl-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn aclfile_save_and_load() {
    let dir = temp_dir("file");
    let path = dir.join("users.acl");
    std::fs::write(
        &path,
        format!(
            "user alice on #{} ~a* &a +get +@pubsub\n\nuser default on nopass ~* &* +@all\n",
            hash("pw")
        ),
    )
    .unwrap();
    let p = path.to_str().unwrap().to_string();
    let s = start_with(|c| c.aclfile = p.clone()).await;
    let mut admin = s.raw().await;
    let mut alice = raw_as(&s, "alice", "pw").await;
    alice.call(&["SUBSCRIBE", "a"]).await;
    acl_ok(&mut admin, &["SETUSER", "bob", "on", ">b", "+@all"]).await;
    let mut bob = raw_as(&s, "bob", "b").await;
    acl_ok(&mut admin, &["SAVE"]).await;
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(saved.lines().count(), 3, "{saved}");
    let want = format!(
        "user bob on sanitize-payload #{} resetchannels +@all\n",
        hash("b")
    );
    assert!(saved.contains(&want), "{saved}");
    // Edit the file: bob disappears, alice loses channel `a`.
    std::fs::write(
        &path,
        format!("user alice on #{} ~a* &z +get +@pubsub\n", hash("pw")),
    )
    .unwrap();
    acl_ok(&mut admin, &["LOAD"]).await;
    assert!(bob.closed_within(Duration::from_secs(2)).await);
    assert!(alice.closed_within(Duration::from_secs(2)).await);
    let mut conn = s.conn().await;
    let users: Vec<String> = redis::cmd("ACL")
        .arg("USERS")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(users, vec!["alice", "default"]);
    // A broken file changes nothing.
    std::fs::write(&path, "user carol on +nope\nfoo\n").unwrap();
    let err = expect_err(&mut conn, redis::cmd("ACL").arg("LOAD")).await;
    assert!(
        err.contains(&format!(
            "{}:1: Error in applying operation '+nope': Unknown command or category name in ACL. ",
            path.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}:2 should start with user keyword followed by the username. ",
            path.display()
        )),
        "{err}"
    );
    assert!(err.ends_with("WARNING: ACL errors detected, no change to the previously active ACL rules was performed"), "{err}");
    let users: Vec<String> = redis::cmd("ACL")
        .arg("USERS")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(users, vec!["alice", "default"]);
    let _ = std::fs::remove_dir_all(&dir);

    // Without an aclfile, LOAD and SAVE explain why not.
    let s = start().await;
    let mut c = s.raw().await;
    let reply = c.call(&["ACL", "SAVE"]).await;
    assert!(
        reply.starts_with(b"-ERR This Redis instance is not configured to use an ACL file."),
        "{}",
        esc(&reply)
    );
}

#[tokio::test]
async fn users_in_the_config_file() {
    let mut cfg = herald::Config::default();
    cfg.apply_text("user alice on >pw ~* +@read\nuser default on >dpw ~* &* +@all\n")
        .unwrap();
    let dup = cfg
        .clone()
        .apply_text("user alice on\n")
        .unwrap_err()
        .to_string();
    assert!(dup.contains("Duplicate user found"), "{dup}");
    let bad = herald::Config::default()
        .apply_text("user x on %Q~a\n")
        .unwrap_err()
        .to_string();
    assert!(bad.contains("Syntax error"), "{bad}");
    let users = cfg.users.clone();
    let s = start_with(|c| c.users = users).await;
    let mut c = s.raw().await;
    assert_bytes(
        &c.call(&["GET", "k"]).await,
        b"-NOAUTH Authentication required.\r\n",
    );
    assert_bytes(&c.call(&["AUTH", "dpw"]).await, b"+OK\r\n");
    let mut a = raw_as(&s, "alice", "pw").await;
    assert_bytes(&a.call(&["GET", "k"]).await, b"$-1\r\n");
    assert_bytes(
        &a.call(&["SET", "k", "v"]).await,
        b"-NOPERM User alice has no permissions to run the 'set' command\r\n",
    );
    // A missing aclfile is refused at start-up, as is one together with config users.
    let missing = herald::Server::start(herald::Config {
        port: 0,
        bind: vec!["127.0.0.1".into()],
        aclfile: "/nonexistent/users.acl".into(),
        ..herald::Config::default()
    })
    .await;
    assert!(missing.is_err());
    let conflict = herald::Server::start(herald::Config {
        port: 0,
        bind: vec!["127.0.0.1".into()],
        aclfile: "/nonexistent.acl".into(),
        users: vec![vec!["bob".into(), "on".into()]],
        ..herald::Config::default()
    })
    .await;
    assert!(conflict.is_err());
}

#[tokio::test]
async fn selectors() {
    let s = start().await;
    let mut admin = s.raw().await;
    acl_ok(
        &mut admin,
        &[
            "SETUSER",
            "s",
            "on",
            "nopass",
            "(+get ~a*)",
            "(+set",
            "~b*)",
        ],
    )
    .await;
    let mut conn = s.conn().await;
    assert_eq!(
        acl_list(&mut conn).await[1],
        "user s on nopass sanitize-payload resetchannels -@all (~a* resetchannels -@all +get) (~b* resetchannels -@all +set)"
    );
    let getuser = admin.call(&["ACL", "GETUSER", "s"]).await;
    assert!(
        getuser.ends_with(b"$9\r\nselectors\r\n*2\r\n*6\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$3\r\n~a*\r\n$8\r\nchannels\r\n$0\r\n\r\n*6\r\n$8\r\ncommands\r\n$10\r\n-@all +set\r\n$4\r\nkeys\r\n$3\r\n~b*\r\n$8\r\nchannels\r\n$0\r\n\r\n"),
        "{}",
        esc(&getuser)
    );
    let mut c = raw_as(&s, "s", "x").await;
    assert_bytes(&c.call(&["GET", "a1"]).await, b"$-1\r\n");
    assert_bytes(&c.call(&["SET", "b1", "v"]).await, b"+OK\r\n");
    // Each selector is checked whole: `get` is allowed only on a* keys.
    assert_bytes(&c.call(&["GET", "b1"]).await, NOPERM_KEY);
    assert_bytes(
        &c.call(&["DEL", "a1"]).await,
        b"-NOPERM User s has no permissions to run the 'del' command\r\n",
    );
    assert_bytes(
        &admin.call(&["ACL", "DRYRUN", "s", "GET", "b1"]).await,
        b"$48\r\nUser s has no permissions to access the 'b1' key\r\n",
    );
    assert_bytes(
        &admin.call(&["ACL", "SETUSER", "s", "(+get"]).await,
        b"-ERR Unmatched parenthesis in acl selector starting at '(+get'.\r\n",
    );
    acl_ok(&mut admin, &["SETUSER", "s", "clearselectors"]).await;
    assert_eq!(
        acl_list(&mut conn).await[1],
        "user s on nopass sanitize-payload resetchannels -@all"
    );
    assert_bytes(
        &c.call(&["GET", "a1"]).await,
        b"-NOPERM User s has no permissions to run the 'get' command\r\n",
    );
}
