//! Connection commands (PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT, CLIENT ...) and the wire
//! protocol (inline commands, pipelining, binary safety, protocol errors), over real sockets.

mod common;

use common::kv::q;
use common::*;
use herald::config::REDIS_COMPAT_VERSION;
use std::time::Duration;

/// The HELLO reply Redis gives for `proto` and client `id`.
fn hello_reply(proto: u8, id: i64) -> Vec<u8> {
    let head = if proto == 3 { "%7" } else { "*14" };
    format!(
        "{head}\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n${}\r\n{}\r\n$5\r\nproto\r\n:{proto}\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
        REDIS_COMPAT_VERSION.len(),
        REDIS_COMPAT_VERSION
    )
    .into_bytes()
}

async fn client_id(c: &mut Raw) -> i64 {
    let reply = c.call(&["CLIENT", "ID"]).await;
    std::str::from_utf8(&reply[1..reply.len() - 2])
        .unwrap()
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// PING / ECHO / QUIT / RESET
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_and_echo_typed() {
    let srv = start().await;
    let mut c = srv.conn().await;
    let pong: String = redis::cmd("PING").query_async(&mut c).await.unwrap();
    assert_eq!(pong, "PONG");
    let msg: String = redis::cmd("PING")
        .arg("hello")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(msg, "hello");
    let payload: Vec<u8> = vec![0, 1, b'\r', b'\n', 255, b'x'];
    let echoed: Vec<u8> = redis::cmd("ECHO")
        .arg(&payload[..])
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(echoed, payload);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_and_echo_raw_bytes() {
    let srv = start().await;
    let mut c = srv.raw().await;
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
    assert_bytes(&c.call(&["ping", "hi there"]).await, b"$8\r\nhi there\r\n");
    assert_bytes(&c.call(&["ECHO", ""]).await, b"$0\r\n\r\n");
    assert_bytes(
        &c.call(&["PING", "a", "b"]).await,
        b"-ERR wrong number of arguments for 'ping' command\r\n",
    );
    assert_bytes(
        &c.call(&["ECHO"]).await,
        b"-ERR wrong number of arguments for 'echo' command\r\n",
    );
    assert_bytes(
        &c.call(&["ECHO", "a", "b"]).await,
        b"-ERR wrong number of arguments for 'echo' command\r\n",
    );
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quit_replies_ok_then_closes_without_running_later_commands() {
    let srv = start().await;
    let mut c = srv.raw().await;
    c.send(b"PING\r\nQUIT\r\nPING\r\n").await;
    c.expect(b"+PONG\r\n+OK\r\n").await;
    c.expect_eof().await;
    // The server forgot the client.
    let mut other = srv.raw().await;
    let list = bulk_text(&other.call(&["CLIENT", "LIST"]).await);
    assert_eq!(list.lines().count(), 1, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_restores_fresh_connection_state() {
    let srv = start().await;
    let mut c = srv.raw().await;
    let id = client_id(&mut c).await;
    assert_bytes(&c.call(&["CLIENT", "SETNAME", "before"]).await, b"+OK\r\n");
    assert_bytes(&c.call(&["SELECT", "3"]).await, b"+OK\r\n");
    c.call(&["HELLO", "3"]).await;
    // RESP3 null before the reset.
    assert_bytes(&c.call(&["GET", "nokey"]).await, b"_\r\n");
    assert_bytes(&c.call(&["RESET"]).await, b"+RESET\r\n");
    // Back to RESP2, no name, db 0, same client id.
    assert_bytes(&c.call(&["GET", "nokey"]).await, b"$-1\r\n");
    assert_bytes(&c.call(&["CLIENT", "GETNAME"]).await, b"$-1\r\n");
    let info = bulk_text(&c.call(&["CLIENT", "INFO"]).await);
    assert_eq!(client_field(&info, "db").as_deref(), Some("0"), "{info}");
    assert_eq!(client_field(&info, "resp").as_deref(), Some("2"), "{info}");
    assert_eq!(client_field(&info, "name").as_deref(), Some(""), "{info}");
    assert_eq!(client_id(&mut c).await, id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_turns_client_reply_back_on() {
    let srv = start().await;
    let mut c = srv.raw().await;
    c.send(b"CLIENT REPLY OFF\r\nPING\r\nRESET\r\nPING\r\n")
        .await;
    // RESET's own reply is sent (the mode is reset before replying), then replies resume.
    c.expect(b"+RESET\r\n+PONG\r\n").await;
}

// ---------------------------------------------------------------------------------------------
// HELLO
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_switches_between_resp2_and_resp3() {
    let srv = start().await;
    let mut c = srv.raw().await;
    let id = client_id(&mut c).await;
    assert_bytes(&c.call(&["HELLO"]).await, &hello_reply(2, id));
    assert_bytes(&c.call(&["HELLO", "3"]).await, &hello_reply(3, id));
    // RESP3 encodings are now used: null, and HELLO without a version keeps RESP3.
    assert_bytes(&c.call(&["CLIENT", "GETNAME"]).await, b"_\r\n");
    assert_bytes(&c.call(&["HELLO"]).await, &hello_reply(3, id));
    assert_bytes(&c.call(&["HELLO", "2"]).await, &hello_reply(2, id));
    assert_bytes(&c.call(&["CLIENT", "GETNAME"]).await, b"$-1\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_typed_resp3_connection() {
    let srv = start().await;
    let (mut c, _pushes) = srv.conn_resp3().await;
    let v: redis::Value = redis::cmd("HELLO").query_async(&mut c).await.unwrap();
    let redis::Value::Map(pairs) = v else {
        panic!("HELLO over RESP3 must be a map, got {v:?}")
    };
    let proto = pairs
        .iter()
        .find(|(k, _)| *k == redis::Value::BulkString(b"proto".to_vec()))
        .map(|(_, v)| v.clone());
    assert_eq!(proto, Some(redis::Value::Int(3)));
    let name: Option<String> = redis::cmd("CLIENT")
        .arg("GETNAME")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(name, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_rejects_unsupported_versions_and_bad_options() {
    let srv = start().await;
    let mut c = srv.raw().await;
    assert_bytes(
        &c.call(&["HELLO", "4"]).await,
        b"-NOPROTO unsupported protocol version\r\n",
    );
    assert_bytes(
        &c.call(&["HELLO", "1"]).await,
        b"-NOPROTO unsupported protocol version\r\n",
    );
    assert_bytes(
        &c.call(&["HELLO", "x"]).await,
        b"-ERR Protocol version is not an integer or out of range\r\n",
    );
    assert_bytes(
        &c.call(&["HELLO", "3", "foo"]).await,
        b"-ERR Syntax error in HELLO option 'foo'\r\n",
    );
    // None of those switched the protocol, and the connection is still usable.
    assert_bytes(&c.call(&["GET", "nokey"]).await, b"$-1\r\n");
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_setname_names_the_connection() {
    let srv = start().await;
    let mut c = srv.raw().await;
    let id = client_id(&mut c).await;
    assert_bytes(
        &c.call(&["HELLO", "3", "SETNAME", "worker-1"]).await,
        &hello_reply(3, id),
    );
    assert_bytes(&c.call(&["CLIENT", "GETNAME"]).await, b"$8\r\nworker-1\r\n");
    // An invalid name fails the whole HELLO: no protocol switch, name unchanged.
    assert_bytes(
        &c.call(&["HELLO", "2", "SETNAME", "a b"]).await,
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    assert_bytes(&c.call(&["GET", "nokey"]).await, b"_\r\n");
    assert_bytes(&c.call(&["CLIENT", "GETNAME"]).await, b"$8\r\nworker-1\r\n");
}

// ---------------------------------------------------------------------------------------------
// AUTH
// ---------------------------------------------------------------------------------------------

async fn start_with_password() -> TestServer {
    start_with(|c| c.requirepass = Some(b"s3cret".to_vec())).await
}

const NOAUTH: &[u8] = b"-NOAUTH Authentication required.\r\n";
const WRONGPASS: &[u8] = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_required_by_requirepass_raw() {
    let srv = start_with_password().await;
    let mut c = srv.raw().await;
    assert_bytes(&c.call(&["PING"]).await, NOAUTH);
    assert_bytes(&c.call(&["CLIENT", "ID"]).await, NOAUTH);
    assert_bytes(&c.call(&["SUBSCRIBE", "ch"]).await, NOAUTH);
    assert_bytes(&c.call(&["AUTH", "wrong"]).await, WRONGPASS);
    assert_bytes(&c.call(&["AUTH", "nobody", "s3cret"]).await, WRONGPASS);
    assert_bytes(
        &c.call(&["AUTH", "a", "b", "c"]).await,
        b"-ERR syntax error\r\n",
    );
    assert_bytes(&c.call(&["PING"]).await, NOAUTH);
    assert_bytes(&c.call(&["AUTH", "s3cret"]).await, b"+OK\r\n");
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");

    // The `default` user with the configured password.
    let mut d = srv.raw().await;
    assert_bytes(&d.call(&["AUTH", "default", "s3cret"]).await, b"+OK\r\n");
    assert_bytes(&d.call(&["PING"]).await, b"+PONG\r\n");
    // RESET makes the connection unauthenticated again.
    assert_bytes(&d.call(&["RESET"]).await, b"+RESET\r\n");
    assert_bytes(&d.call(&["PING"]).await, NOAUTH);

    // QUIT is allowed without authenticating.
    let mut q = srv.raw().await;
    assert_bytes(&q.call(&["QUIT"]).await, b"+OK\r\n");
    q.expect_eof().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_auth_with_requirepass() {
    let srv = start_with_password().await;
    let mut c = srv.raw().await;
    assert_bytes(
        &c.call(&["HELLO", "3"]).await,
        b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n",
    );
    assert_bytes(
        &c.call(&["HELLO", "3", "AUTH", "default", "nope"]).await,
        WRONGPASS,
    );
    let reply = c
        .call(&["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "me"])
        .await;
    assert!(reply.starts_with(b"%7\r\n"), "{}", esc(&reply));
    assert_bytes(&c.call(&["CLIENT", "GETNAME"]).await, b"$2\r\nme\r\n");
    assert_bytes(&c.call(&["GET", "nokey"]).await, b"_\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_with_redis_rs_urls() {
    let srv = start_with_password().await;
    let url = format!("redis://:s3cret@127.0.0.1:{}/", srv.port);
    let mut ok = srv.try_conn_url(&url).await.expect("right password");
    let pong: String = redis::cmd("PING").query_async(&mut ok).await.unwrap();
    assert_eq!(pong, "PONG");
    let url_user = format!("redis://default:s3cret@127.0.0.1:{}/", srv.port);
    let mut ok2 = srv.try_conn_url(&url_user).await.expect("default user");
    let pong: String = redis::cmd("PING").query_async(&mut ok2).await.unwrap();
    assert_eq!(pong, "PONG");

    let bad = format!("redis://:wrong@127.0.0.1:{}/", srv.port);
    let err = srv
        .try_conn_url(&bad)
        .await
        .expect_err("wrong password must fail");
    assert_eq!(err.kind(), redis::ErrorKind::AuthenticationFailed, "{err}");

    let mut anon = srv.conn().await;
    let err = expect_err(&mut anon, &redis::cmd("PING")).await;
    assert_eq!(err, "NOAUTH Authentication required.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_without_a_configured_password() {
    let srv = start().await;
    let mut c = srv.raw().await;
    assert_bytes(
        &c.call(&["AUTH", "x"]).await,
        b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
    assert_bytes(&c.call(&["AUTH", "someone", "x"]).await, WRONGPASS);
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requirepass_set_at_runtime_applies_to_new_connections() {
    let srv = start().await;
    let mut admin = srv.raw().await;
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "requirepass", "pw"]).await,
        b"+OK\r\n",
    );
    // Already connected clients stay authenticated.
    assert_bytes(&admin.call(&["PING"]).await, b"+PONG\r\n");
    let mut fresh = srv.raw().await;
    assert_bytes(&fresh.call(&["PING"]).await, NOAUTH);
    assert_bytes(&fresh.call(&["AUTH", "pw"]).await, b"+OK\r\n");
    assert_bytes(&fresh.call(&["PING"]).await, b"+PONG\r\n");
}

// ---------------------------------------------------------------------------------------------
// SELECT
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_range_and_errors() {
    let srv = start().await;
    let mut c = srv.raw().await;
    assert_bytes(&c.call(&["SELECT", "15"]).await, b"+OK\r\n");
    assert_bytes(&c.call(&["SELECT", "0"]).await, b"+OK\r\n");
    for bad in ["16", "-1", "2147483647"] {
        assert_bytes(
            &c.call(&["SELECT", bad]).await,
            b"-ERR DB index is out of range\r\n",
        );
    }
    for bad in ["x", "1.5", "", " 1", "99999999999999999999"] {
        assert_bytes(
            &c.call(&["SELECT", bad]).await,
            b"-ERR value is not an integer or out of range\r\n",
        );
    }
    assert_bytes(
        &c.call(&["SELECT", "1", "2"]).await,
        b"-ERR wrong number of arguments for 'select' command\r\n",
    );
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_isolates_databases() {
    let srv = start().await;
    let mut c = srv.conn().await;
    q::<()>(&mut c, &["SET", "k", "zero"]).await;
    q::<()>(&mut c, &["SELECT", "5"]).await;
    assert_eq!(q::<Option<String>>(&mut c, &["GET", "k"]).await, None);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]).await, 0);
    q::<()>(&mut c, &["SELECT", "0"]).await;
    assert_eq!(
        q::<Option<String>>(&mut c, &["GET", "k"]).await.as_deref(),
        Some("zero")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_index_beyond_int_range() {
    let srv = start().await;
    let mut c = srv.raw().await;
    for bad in ["2147483648", "-2147483649", "100000000000"] {
        assert_bytes(
            &c.call(&["SELECT", bad]).await,
            b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// CLIENT
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_id_setname_getname() {
    let srv = start().await;
    let mut a = srv.raw().await;
    let mut b = srv.raw().await;
    let ia = client_id(&mut a).await;
    let ib = client_id(&mut b).await;
    assert!(ia > 0 && ib > ia, "ids increase: {ia} then {ib}");
    assert_eq!(client_id(&mut a).await, ia, "id is stable");

    assert_bytes(&a.call(&["CLIENT", "GETNAME"]).await, b"$-1\r\n");
    assert_bytes(&a.call(&["CLIENT", "SETNAME", "alpha"]).await, b"+OK\r\n");
    assert_bytes(&a.call(&["CLIENT", "GETNAME"]).await, b"$5\r\nalpha\r\n");
    assert_bytes(&b.call(&["CLIENT", "GETNAME"]).await, b"$-1\r\n");
    for bad in ["a b", "a\nb", "caf\u{e9}"] {
        assert_bytes(
            &a.call(&["CLIENT", "SETNAME", bad]).await,
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        );
    }
    assert_bytes(&a.call(&["CLIENT", "GETNAME"]).await, b"$5\r\nalpha\r\n");
    // An empty name removes the name.
    assert_bytes(&a.call(&["CLIENT", "SETNAME", ""]).await, b"+OK\r\n");
    assert_bytes(&a.call(&["CLIENT", "GETNAME"]).await, b"$-1\r\n");
    assert_bytes(
        &a.call(&["CLIENT", "SETNAME"]).await,
        b"-ERR wrong number of arguments for 'client|setname' command\r\n",
    );

    // The typed client agrees.
    let mut t = srv.conn().await;
    let () = redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("typed")
        .query_async(&mut t)
        .await
        .unwrap();
    let name: Option<String> = redis::cmd("CLIENT")
        .arg("GETNAME")
        .query_async(&mut t)
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("typed"));
    let id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut t)
        .await
        .unwrap();
    assert!(id > ib);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_list_and_info_fields() {
    let srv = start().await;
    let mut a = srv.raw().await;
    let mut b = srv.raw().await;
    let ia = client_id(&mut a).await;
    let ib = client_id(&mut b).await;
    a.call(&["CLIENT", "SETNAME", "lister"]).await;
    a.call(&["SELECT", "2"]).await;
    b.call(&["SUBSCRIBE", "c1", "c2"]).await;
    b.read_frame().await;
    b.send_cmd(&["PSUBSCRIBE", "p*"]).await;
    b.read_frame().await;

    let info = bulk_text(&a.call(&["CLIENT", "INFO"]).await);
    assert!(
        info.ends_with('\n') && info.lines().count() == 1,
        "{info:?}"
    );
    let f = |k: &str| client_field(&info, k);
    assert_eq!(f("id"), Some(ia.to_string()));
    assert_eq!(f("addr"), Some(a.local_addr()));
    assert_eq!(f("laddr"), Some(format!("127.0.0.1:{}", srv.port)));
    assert_eq!(f("name").as_deref(), Some("lister"));
    assert_eq!(f("db").as_deref(), Some("2"));
    assert_eq!(f("flags").as_deref(), Some("N"));
    assert_eq!(f("sub").as_deref(), Some("0"));
    assert_eq!(f("user").as_deref(), Some("default"));
    assert_eq!(f("resp").as_deref(), Some("2"));

    let list = bulk_text(&a.call(&["CLIENT", "LIST"]).await);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    let line_b = lines
        .iter()
        .find(|l| client_field(l, "id") == Some(ib.to_string()))
        .expect("b listed");
    assert_eq!(client_field(line_b, "addr"), Some(b.local_addr()));
    assert_eq!(client_field(line_b, "flags").as_deref(), Some("P"));
    assert_eq!(client_field(line_b, "sub").as_deref(), Some("2"));
    assert_eq!(client_field(line_b, "psub").as_deref(), Some("1"));
    assert_eq!(client_field(line_b, "ssub").as_deref(), Some("0"));
    assert_eq!(client_field(line_b, "cmd").as_deref(), Some("psubscribe"));

    // Filters.
    let pubsub = bulk_text(&a.call(&["CLIENT", "LIST", "TYPE", "pubsub"]).await);
    assert_eq!(pubsub.lines().count(), 1, "{pubsub}");
    assert_eq!(client_field(&pubsub, "id"), Some(ib.to_string()));
    let normal = bulk_text(&a.call(&["CLIENT", "LIST", "TYPE", "normal"]).await);
    assert_eq!(normal.lines().count(), 1, "{normal}");
    assert_eq!(client_field(&normal, "id"), Some(ia.to_string()));
    let by_id = bulk_text(
        &a.call(&["CLIENT", "LIST", "ID", &ib.to_string(), "999999"])
            .await,
    );
    assert_eq!(by_id.lines().count(), 1, "{by_id}");
    assert_eq!(client_field(&by_id, "id"), Some(ib.to_string()));
    assert_bytes(
        &a.call(&["CLIENT", "LIST", "ID", "x"]).await,
        b"-ERR Invalid client ID\r\n",
    );
    assert_bytes(
        &a.call(&["CLIENT", "LIST", "TYPE", "foo"]).await,
        b"-ERR Unknown client type 'foo'\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_info_and_list_show_the_running_command() {
    let srv = start().await;
    let mut a = srv.raw().await;
    a.call(&["SELECT", "1"]).await;
    let info = bulk_text(&a.call(&["CLIENT", "INFO"]).await);
    assert_eq!(
        client_field(&info, "cmd").as_deref(),
        Some("client|info"),
        "{info}"
    );
    let list = bulk_text(&a.call(&["CLIENT", "LIST"]).await);
    assert_eq!(
        client_field(&list, "cmd").as_deref(),
        Some("client|list"),
        "{list}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_info_shows_redis_rs_library_and_resp3() {
    let srv = start().await;
    let (mut c, _pushes) = srv.conn_resp3().await;
    let info: String = redis::cmd("CLIENT")
        .arg("INFO")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(client_field(&info, "lib-name").as_deref(), Some("redis-rs"));
    assert!(
        client_field(&info, "lib-ver").is_some_and(|v| !v.is_empty()),
        "{info}"
    );
    assert_eq!(client_field(&info, "resp").as_deref(), Some("3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_setinfo() {
    let srv = start().await;
    let mut c = srv.raw().await;
    assert_bytes(
        &c.call(&["CLIENT", "SETINFO", "LIB-NAME", "mylib"]).await,
        b"+OK\r\n",
    );
    assert_bytes(
        &c.call(&["CLIENT", "SETINFO", "lib-ver", "1.2.3"]).await,
        b"+OK\r\n",
    );
    let info = bulk_text(&c.call(&["CLIENT", "INFO"]).await);
    assert_eq!(client_field(&info, "lib-name").as_deref(), Some("mylib"));
    assert_eq!(client_field(&info, "lib-ver").as_deref(), Some("1.2.3"));
    assert_bytes(
        &c.call(&["CLIENT", "SETINFO", "foo", "x"]).await,
        b"-ERR Unrecognized option 'foo'\r\n",
    );
    assert_bytes(
        &c.call(&["CLIENT", "SETINFO", "lib-name", "a b"]).await,
        b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n",
    );
    assert_bytes(
        &c.call(&["CLIENT", "SETINFO", "lib-name"]).await,
        b"-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_by_id_closes_the_connection() {
    let srv = start().await;
    let mut killer = srv.raw().await;
    let mut victim = srv.raw().await;
    let vid = client_id(&mut victim).await;
    assert_bytes(
        &killer
            .call(&["CLIENT", "KILL", "ID", &vid.to_string()])
            .await,
        b":1\r\n",
    );
    victim.expect_eof().await;
    assert_bytes(
        &killer
            .call(&["CLIENT", "KILL", "ID", &vid.to_string()])
            .await,
        b":0\r\n",
    );
    let list = bulk_text(&killer.call(&["CLIENT", "LIST"]).await);
    assert_eq!(list.lines().count(), 1, "{list}");

    // A typed connection that is killed fails its next command.
    let mut typed = srv.conn().await;
    let tid: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut typed)
        .await
        .unwrap();
    assert_bytes(
        &killer
            .call(&["CLIENT", "KILL", "ID", &tid.to_string()])
            .await,
        b":1\r\n",
    );
    let r: redis::RedisResult<String> = within(
        "killed typed connection",
        redis::cmd("PING").query_async(&mut typed),
    )
    .await;
    assert!(r.is_err(), "killed connection still answered: {r:?}");
}

/// A client to issue CLIENT KILL and two connected clients (each has run a command) to kill.
async fn killer_and_two_victims(srv: &TestServer) -> (Raw, Raw, Raw) {
    let killer = srv.raw().await;
    let mut v1 = srv.raw().await;
    let mut v2 = srv.raw().await;
    v1.call(&["PING"]).await;
    v2.call(&["PING"]).await;
    (killer, v1, v2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_by_addr_old_and_new_forms() {
    let srv = start().await;
    let (mut killer, mut v1, mut v2) = killer_and_two_victims(&srv).await;
    assert_bytes(
        &killer.call(&["CLIENT", "KILL", &v1.local_addr()]).await,
        b"+OK\r\n",
    );
    v1.expect_eof().await;
    assert_bytes(
        &killer
            .call(&["CLIENT", "KILL", "ADDR", &v2.local_addr()])
            .await,
        b":1\r\n",
    );
    v2.expect_eof().await;
    assert_bytes(
        &killer.call(&["CLIENT", "KILL", "1.2.3.4:5"]).await,
        b"-ERR No such client\r\n",
    );
    assert_bytes(
        &killer.call(&["CLIENT", "KILL", "ADDR", "1.2.3.4:5"]).await,
        b":0\r\n",
    );
    assert_bytes(&killer.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_laddr_skips_the_caller_by_default() {
    let srv = start().await;
    let (mut killer, mut v1, mut v2) = killer_and_two_victims(&srv).await;
    let laddr = format!("127.0.0.1:{}", srv.port);
    assert_bytes(
        &killer.call(&["CLIENT", "KILL", "LADDR", &laddr]).await,
        b":2\r\n",
    );
    v1.expect_eof().await;
    v2.expect_eof().await;
    assert_bytes(
        &killer
            .call(&["CLIENT", "KILL", "LADDR", "127.0.0.1:1", "SKIPME", "no"])
            .await,
        b":0\r\n",
    );
    assert_bytes(&killer.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_user_skipme_no_kills_the_caller_after_replying() {
    let srv = start().await;
    let mut killer = srv.raw().await;
    let mut other = srv.raw().await;
    other.call(&["PING"]).await;
    assert_bytes(
        &killer.call(&["CLIENT", "KILL", "USER", "nobody"]).await,
        b":0\r\n",
    );
    killer
        .send(&resp(&[
            "CLIENT", "KILL", "USER", "default", "SKIPME", "no",
        ]))
        .await;
    killer.expect(b":2\r\n").await;
    killer.expect_eof().await;
    other.expect_eof().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_errors() {
    let srv = start().await;
    let mut c = srv.raw().await;
    for bad in ["0", "x", "-5"] {
        assert_bytes(
            &c.call(&["CLIENT", "KILL", "ID", bad]).await,
            b"-ERR client-id should be greater than 0\r\n",
        );
    }
    assert_bytes(
        &c.call(&["CLIENT", "KILL", "foo", "bar"]).await,
        b"-ERR syntax error\r\n",
    );
    assert_bytes(
        &c.call(&["CLIENT", "KILL", "ID", "1", "SKIPME"]).await,
        b"-ERR syntax error\r\n",
    );
    assert_bytes(
        &c.call(&["CLIENT", "KILL", "SKIPME", "maybe"]).await,
        b"-ERR syntax error\r\n",
    );
    assert_bytes(
        &c.call(&["CLIENT", "KILL"]).await,
        b"-ERR wrong number of arguments for 'client|kill' command\r\n",
    );
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reply_off_on_skip() {
    let srv = start().await;
    let mut c = srv.raw().await;
    // OFF suppresses replies (errors too) until ON, whose +OK is sent.
    c.send(b"CLIENT REPLY OFF\r\nPING\r\nNOSUCHCMD\r\nECHO a\r\nCLIENT REPLY ON\r\nPING\r\n")
        .await;
    c.expect(b"+OK\r\n+PONG\r\n").await;
    // SKIP suppresses exactly the next command's reply.
    c.send(b"CLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\n").await;
    c.expect(b"$1\r\n2\r\n").await;
    assert_bytes(
        &c.call(&["CLIENT", "REPLY", "maybe"]).await,
        b"-ERR syntax error\r\n",
    );
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reply_skip_while_off_keeps_replies_off() {
    let srv = start().await;
    let mut c = srv.raw().await;
    c.send(b"CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\nCLIENT REPLY ON\r\nPING 3\r\n")
        .await;
    // Redis: SKIP is a no-op while OFF, so only ON's +OK and PING 3 are answered.
    c.expect(b"+OK\r\n$1\r\n3\r\n").await;
}

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_commands() {
    let srv = start().await;
    let mut c = srv.raw().await;
    c.send(b"PING\r\n").await;
    c.expect(b"+PONG\r\n").await;
    c.send(b"ping\n").await;
    c.expect(b"+PONG\r\n").await;
    // Blank lines and empty multibulks are ignored without a reply.
    c.send(b"\r\n\r\n   \r\n*0\r\n*-1\r\nPING\r\n").await;
    c.expect(b"+PONG\r\n").await;
    c.send(b"ECHO    spaced    \r\n").await;
    c.expect(b"$6\r\nspaced\r\n").await;
    c.send(b"ECHO \"hello world\"\r\n").await;
    c.expect(b"$11\r\nhello world\r\n").await;
    c.send(b"ECHO \"a\\x00b\\r\\n\\t\\\"q\\\\\"\r\n").await;
    c.expect(b"$9\r\na\x00b\r\n\t\"q\\\r\n").await;
    c.send(b"ECHO 'it\\'s'\r\n").await;
    c.expect(b"$4\r\nit's\r\n").await;
    c.send(b"ECHO ''\r\n").await;
    c.expect(b"$0\r\n\r\n").await;
    c.send(b"SET k \"v 1\"\r\nGET k\r\n").await;
    c.expect(b"+OK\r\n$3\r\nv 1\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelining_1000_commands_in_one_write() {
    let srv = start().await;
    let mut c = srv.raw().await;
    let mut batch = Vec::new();
    let mut want = Vec::new();
    for i in 0..1000 {
        let msg = format!("msg-{i}");
        if i % 3 == 0 {
            batch.extend_from_slice(format!("ECHO {msg}\r\n").as_bytes());
        } else {
            batch.extend_from_slice(&resp(&["ECHO", &msg]));
        }
        want.extend_from_slice(format!("${}\r\n{msg}\r\n", msg.len()).as_bytes());
    }
    c.send(&batch).await;
    let replies = c.read_frames(1000).await;
    assert_bytes(&replies.concat(), &want);
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_safe_arguments() {
    let srv = start().await;
    let mut c = srv.raw().await;
    let arg: &[u8] = b"a\0b\r\nc\xff\r\n*1\r\n";
    let mut want = format!("${}\r\n", arg.len()).into_bytes();
    want.extend_from_slice(arg);
    want.extend_from_slice(b"\r\n");
    assert_bytes(&c.call(&[&b"ECHO"[..], arg]).await, &want);
    assert_bytes(&c.call(&[&b"SET"[..], arg, arg]).await, b"+OK\r\n");
    assert_bytes(&c.call(&[&b"GET"[..], arg]).await, &want);

    let mut t = srv.conn().await;
    let key: Vec<u8> = vec![0, b'\n', 1, 2, 0xfe];
    let value: Vec<u8> = (0..=255u8).collect();
    let () = redis::cmd("SET")
        .arg(&key[..])
        .arg(&value[..])
        .query_async(&mut t)
        .await
        .unwrap();
    let got: Vec<u8> = redis::cmd("GET")
        .arg(&key[..])
        .query_async(&mut t)
        .await
        .unwrap();
    assert_eq!(got, value);
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let echoed: Vec<u8> = redis::cmd("ECHO")
        .arg(&big[..])
        .query_async(&mut t)
        .await
        .unwrap();
    assert_eq!(echoed, big);
}

async fn expect_protocol_error(srv: &TestServer, input: &[u8], error: &str) {
    let mut c = srv.raw().await;
    c.send(input).await;
    let got = c.read_to_eof().await;
    assert_bytes(&got, format!("-ERR Protocol error: {error}\r\n").as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors_reply_then_close() {
    let srv = start().await;
    expect_protocol_error(&srv, b"*1\r\n+x\r\n", "expected '$', got '+'").await;
    expect_protocol_error(&srv, b"*2\r\n$4\r\nECHO\r\n:1\r\n", "expected '$', got ':'").await;
    expect_protocol_error(&srv, b"*1\r\n$x\r\n", "invalid bulk length").await;
    expect_protocol_error(&srv, b"*1\r\n$-1\r\n", "invalid bulk length").await;
    expect_protocol_error(&srv, b"*x\r\n", "invalid multibulk length").await;
    expect_protocol_error(&srv, b"*3000000000\r\n", "invalid multibulk length").await;
    expect_protocol_error(&srv, b"ECHO \"abc\r\n", "unbalanced quotes in request").await;
    expect_protocol_error(&srv, b"ECHO 'abc\r\n", "unbalanced quotes in request").await;
    expect_protocol_error(&srv, b"ECHO \"a\"b\r\n", "unbalanced quotes in request").await;
    expect_protocol_error(&srv, &[b'a'; 70_000], "too big inline request").await;
    let mut count = b"*".to_vec();
    count.extend_from_slice(&[b'1'; 70_000]);
    expect_protocol_error(&srv, &count, "too big mbulk count string").await;
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend_from_slice(&[b'1'; 70_000]);
    expect_protocol_error(&srv, &bulk, "too big bulk count string").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_error_after_valid_commands_in_the_same_write() {
    let srv = start().await;
    let mut c = srv.raw().await;
    c.send(b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n+x\r\nPING\r\n")
        .await;
    let got = c.read_to_eof().await;
    assert_bytes(
        &got,
        b"+PONG\r\n+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n",
    );
    // The server is fine and the broken client is gone.
    let mut d = srv.raw().await;
    let list = bulk_text(&d.call(&["CLIENT", "LIST"]).await);
    assert_eq!(list.lines().count(), 1, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_split_across_writes_are_reassembled() {
    let srv = start().await;
    let mut c = srv.raw().await;
    let req = resp(&["ECHO", "split-across-many-writes"]);
    for chunk in req.chunks(3) {
        c.send(chunk).await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    c.expect(b"$24\r\nsplit-across-many-writes\r\n").await;
    c.send(b"PI").await;
    c.expect_silence(Duration::from_millis(50)).await;
    c.send(b"NG\r\n").await;
    c.expect(b"+PONG\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multibulk_with_more_than_a_million_arguments() {
    let srv = start().await;
    let mut c = srv.raw().await;
    // The header alone is valid: Redis waits for the arguments.
    c.send(b"*1048577\r\n").await;
    c.expect_silence(Duration::from_millis(200)).await;
    let mut rest = b"$4\r\nECHO\r\n".to_vec();
    for _ in 0..1_048_576 {
        rest.extend_from_slice(b"$1\r\na\r\n");
    }
    c.send(&rest).await;
    c.expect(b"-ERR wrong number of arguments for 'echo' command\r\n")
        .await;
    assert_bytes(&c.call(&["PING"]).await, b"+PONG\r\n");
}
