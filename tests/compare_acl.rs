//! Byte-for-byte comparison of Herald's ACL against a real `redis-server` (harness in
//! `tests/compare/mod.rs`). Redis 7.2 changed the NOPERM texts, the DRYRUN texts and added the
//! `sanitize-payload` flag to new users: those steps are [`Scenario::diff`]s stating both.

mod compare;

use compare::{Norm, Scenario};

#[test]
fn setuser_errors() {
    let mut s = Scenario::new("acl_setuser_errors");
    for rule in [
        "+bogus",
        "+@bogus",
        "-select|0",
        "<nope",
        "!abc",
        "#ABC",
        "xyz",
        "%X~a",
        "%~a",
        "+config|get|x",
        "+select|",
    ] {
        s.cmd("a", &["ACL", "SETUSER", "u", "+get", rule]);
    }
    s.cmds(
        "a",
        &[
            &["ACL", "SETUSER", "u", "allkeys", "~a"],
            &["ACL", "SETUSER", "u", "allchannels", "&a"],
            &["ACL", "SETUSER", "a b"],
            &["ACL", "GETUSER", "u"],
            &["ACL", "SETUSER"],
            &["ACL", "GETUSER"],
            &["ACL", "DELUSER", "default"],
            &["ACL", "DELUSER", "nobody"],
            &["ACL", "NOPE"],
            &["ACL", "CAT", "nope"],
            &["ACL", "CAT", "a", "b"],
            &["ACL", "GENPASS", "0"],
            &["ACL", "GENPASS", "4097"],
            &["ACL", "GENPASS", "x"],
            &["ACL", "LOG", "x"],
            &["ACL", "LOG", "1", "2"],
            &["ACL", "LOAD"],
            &["ACL", "SAVE"],
            &["ACL", "WHOAMI"],
            &["ACL", "USERS"],
        ],
    );
    s.check();
}

#[test]
fn users_described() {
    let mut s = Scenario::new("acl_users_described");
    s.cmd(
        "a",
        &[
            "ACL", "SETUSER", "alice", "on", ">p1", "~foo*", "%R~r*", "%W~w*", "&chan*", "+get",
        ],
    );
    s.send("a", &["ACL", "LIST"]).diff(
        "a",
        "Redis 7.2 gives users the sanitize-payload flag",
        &[b"*2\r\n$129\r\nuser alice on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~foo* %R~r* %W~w* resetchannels &chan* -@all +get\r\n$34\r\nuser default on nopass ~* &* +@all\r\n"],
        &[b"*2\r\n$146\r\nuser alice on sanitize-payload #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~foo* %R~r* %W~w* resetchannels &chan* -@all +get\r\n$51\r\nuser default on nopass sanitize-payload ~* &* +@all\r\n"],
    );
    s.send("a", &["ACL", "GETUSER", "alice"]).diff(
        "a",
        "Redis 7.2 gives users the sanitize-payload flag",
        &[b"*12\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\nf64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$17\r\n~foo* %R~r* %W~w*\r\n$8\r\nchannels\r\n$6\r\n&chan*\r\n$9\r\nselectors\r\n*0\r\n"],
        &[b"*12\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$16\r\nsanitize-payload\r\n$9\r\npasswords\r\n*1\r\n$64\r\nf64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$17\r\n~foo* %R~r* %W~w*\r\n$8\r\nchannels\r\n$6\r\n&chan*\r\n$9\r\nselectors\r\n*0\r\n"],
    );
    s.cmds(
        "a",
        &[
            &["ACL", "SETUSER", "alice", "resetkeys", "~x", "%R~x", "%W~y"],
            &["ACL", "SETUSER", "alice", "<p1", "nopass"],
            &["ACL", "USERS"],
            &["ACL", "DELUSER", "alice", "nobody"],
            &["ACL", "USERS"],
        ],
    );
    s.check();
}

#[test]
fn auth_and_noperm() {
    let mut s = Scenario::new("acl_auth_and_noperm");
    s.cmds(
        "admin",
        &[
            &[
                "ACL",
                "SETUSER",
                "u",
                "on",
                ">p1",
                "+get",
                "+set",
                "+config|get",
                "+@pubsub",
                "-pubsub",
                "%R~r*",
                "~rw*",
                "&news.*",
            ],
            &["AUTH", "p1"],
        ],
    );
    s.cmds(
        "u",
        &[
            &["AUTH", "u", "wrong"],
            &["AUTH", "nobody", "p1"],
            &["AUTH", "a", "b", "c"],
            &["AUTH", "u", "p1"],
            &["GET", "r1"],
            &["SET", "rw1", "v"],
        ],
    );
    let noperm = |s: &mut Scenario, args: &[&str], r70: &'static [u8], r74: &'static [u8]| {
        s.send("u", args)
            .diff("u", "Redis 7.2 reworded the NOPERM errors", &[r70], &[r74]);
    };
    noperm(
        &mut s,
        &["SET", "r1", "v"],
        b"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n",
        b"-NOPERM No permissions to access a key\r\n",
    );
    noperm(
        &mut s,
        &["DEL", "rw1"],
        b"-NOPERM this user has no permissions to run the 'del' command\r\n",
        b"-NOPERM User u has no permissions to run the 'del' command\r\n",
    );
    noperm(
        &mut s,
        &["CONFIG", "SET", "timeout", "0"],
        b"-NOPERM this user has no permissions to run the 'config|set' command\r\n",
        b"-NOPERM User u has no permissions to run the 'config|set' command\r\n",
    );
    noperm(
        &mut s,
        &["PUBLISH", "other", "m"],
        b"-NOPERM this user has no permissions to access one of the channels used as arguments\r\n",
        b"-NOPERM No permissions to access a channel\r\n",
    );
    noperm(
        &mut s,
        &["PSUBSCRIBE", "news.a*"],
        b"-NOPERM this user has no permissions to access one of the channels used as arguments\r\n",
        b"-NOPERM No permissions to access a channel\r\n",
    );
    s.cmds(
        "u",
        &[&["PUBLISH", "news.a", "m"], &["PSUBSCRIBE", "news.*"]],
    );
    s.send("u", &["PING"]).diff(
        "u",
        "Redis 7.2 reworded the NOPERM errors",
        &[b"-NOPERM this user has no permissions to run the 'ping' command\r\n"],
        &[b"-NOPERM User u has no permissions to run the 'ping' command\r\n"],
    );
    s.cmd("admin", &["ACL", "DRYRUN", "u", "GET", "r1"]);
    s.send("admin", &["ACL", "DRYRUN", "u", "GET", "x"]).diff(
        "admin",
        "Redis 7.2 reworded the DRYRUN answers",
        &[b"$50\r\nThis user has no permissions to access the 'x' key\r\n"],
        &[b"$47\r\nUser u has no permissions to access the 'x' key\r\n"],
    );
    s.send("admin", &["ACL", "DRYRUN", "u", "DEL", "x"]).diff(
        "admin",
        "Redis 7.2 reworded the DRYRUN answers",
        &[b"$53\r\nThis user has no permissions to run the 'del' command\r\n"],
        &[b"$50\r\nUser u has no permissions to run the 'del' command\r\n"],
    );
    s.cmds(
        "admin",
        &[
            &["ACL", "DRYRUN", "nobody", "GET", "x"],
            &["ACL", "DRYRUN", "u", "NOCMD"],
            &["ACL", "DRYRUN", "u", "GET"],
        ],
    );
    s.check();
}

#[test]
fn categories() {
    let mut s = Scenario::new("acl_categories");
    s.cmd("a", &["ACL", "CAT"]);
    // Only categories whose every command Herald implements.
    s.cmd_norm("a", &["ACL", "CAT", "pubsub"], Norm::SortElements);
    s.check();
}

#[test]
fn read_and_write_key_patterns() {
    let mut s = Scenario::new("acl_read_and_write_key_patterns");
    s.cmd(
        "admin",
        &[
            "ACL", "SETUSER", "kw", "on", "nopass", "+@all", "%W~w*", "%R~r*",
        ],
    );
    s.cmd("kw", &["AUTH", "kw", "x"]);
    // What each command does with each key decides: SET only writes (unless GET), INCR reads
    // and writes, EXISTS does neither, ZUNIONSTORE reads its sources and writes its destination.
    s.cmds(
        "kw",
        &[
            &["SET", "w1", "1"],
            &["EXISTS", "r1", "w1"],
            &["ZUNIONSTORE", "w1", "1", "r1"],
        ],
    );
    for args in [
        &["INCR", "w1"][..],
        &["SET", "w1", "1", "GET"],
        &["ZUNIONSTORE", "w1", "1", "x"],
        &["LMOVE", "r1", "w1", "LEFT", "RIGHT"],
        &["LMOVE", "w1", "w2", "LEFT", "RIGHT"],
    ] {
        s.send("kw", args).diff(
            "kw",
            "Redis 7.2 reworded the NOPERM errors",
            &[b"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"],
            &[b"-NOPERM No permissions to access a key\r\n"],
        );
    }
    s.check();
}
