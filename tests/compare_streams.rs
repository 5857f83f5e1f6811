//! Byte-for-byte comparison of Herald's stream commands against a real `redis-server`: every
//! command and option, ID edge cases and their errors, consumer groups and their counters
//! (entries-read, lag), RESP2 and RESP3 reply shapes, and blocking reads served by another
//! connection's XADD (harness: `tests/compare/mod.rs`).
//!
//! Replies that carry times (XPENDING idle, XINFO CONSUMERS idle, XINFO STREAM FULL seen-time)
//! or auto-generated IDs are left out: they differ between any two runs.

mod compare;

use compare::Scenario;

/// Splits a command line on spaces (no argument here contains one).
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Runs `lines` on one connection after `HELLO proto`, as one scenario.
fn run_lines(name: &'static str, proto: &str, lines: &[&str]) {
    let mut s = Scenario::new(name);
    if proto == "3" {
        s.cmd_norm("a", &["HELLO", "3"], compare::Norm::Hello);
    }
    for l in lines {
        s.cmd("a", &words(l));
    }
    s.check();
}

const BASICS: &[&str] = &[
    "XADD s 1-1 a 1",
    "XADD s 1-1 a 1",
    "XADD s 1-0 a 1",
    "XADD s 1-* b 2",
    "XADD s 2 c 3 d 4",
    "XADD s 0-0 a 1",
    "XADD t 0-0 a 1",
    "XADD t 0-* a 1",
    "XADD t NOMKSTREAM 5 a 1",
    "XADD u NOMKSTREAM 5 a 1",
    "XADD s a",
    "XADD s 5 a",
    "XADD s -5 a b",
    "XADD s + a b",
    "XADD s 5-x a b",
    "XADD s MAXLEN ~ -1 5 a b",
    "XADD s MAXLEN 2 MINID 1 5 a b",
    "XADD s LIMIT 5 6 a b",
    "XADD s MAXLEN 100 LIMIT 5 6 a b",
    "XADD s MAXLEN = 100 LIMIT 5 6 a b",
    "XADD s MAXLEN ~ 100 LIMIT -1 6 a b",
    "XADD s MAXLEN ~ 100 LIMIT 5 6 a b",
    "XADD s MAXLEN abc 7 a b",
    "XLEN s",
    "XLEN nokey",
    "XRANGE s - +",
    "XRANGE s - + COUNT 2",
    "XRANGE s - + COUNT 0",
    "XRANGE s - + COUNT -1",
    "XRANGE s (1-1 +",
    "XRANGE s 1 1",
    "XRANGE s (1 +",
    "XREVRANGE s + -",
    "XREVRANGE s + - COUNT 1",
    "XREVRANGE s (6 -",
    "XRANGE s - + FOO",
    "XRANGE s (- +",
    "XRANGE s ( +",
    "XRANGE s 18446744073709551615-18446744073709551615 +",
    "XRANGE s (18446744073709551615-18446744073709551615 +",
    "XRANGE s - (0-0",
    "XRANGE nokey - +",
    "XDEL s 1-1 1-1 99",
    "XDEL s abc",
    "XDEL nokey 1",
    "XLEN s",
    "XTRIM s MAXLEN 2",
    "XRANGE s - +",
    "XTRIM s MINID 7",
    "XTRIM s",
    "XTRIM s FOO 1",
    "XTRIM nokey MAXLEN 1",
    "XTRIM s MAXLEN ~ 0",
    "XTRIM s MAXLEN 0 LIMIT 1",
    "SET str x",
    "XADD str * a b",
    "XRANGE str - +",
    "XLEN str",
    "TYPE s",
    "OBJECT ENCODING s",
    "XADD s 18446744073709551615-18446744073709551615 a b",
    "XADD s 5 a b c",
    "XREAD STREAMS s",
    "XREAD STREAMS s 0",
    "XREAD COUNT 1 STREAMS s nokey 0 0",
    "XREAD STREAMS s $",
    "XREAD GROUP g c STREAMS s 0",
    "XREAD NOACK STREAMS s 0",
    "XREAD STREAMS s >",
    "XREAD FOO STREAMS s 0",
    "XREAD COUNT",
    "XREAD STREAMS str 0",
    "XREAD BLOCK -1 STREAMS s 0",
    "XREAD BLOCK abc STREAMS s 0",
];

const GROUPS: &[&str] = &[
    "XADD s 1 a 1",
    "XADD s 2 b 2",
    "XADD s 3 c 3",
    "XADD s 4 d 4",
    "XGROUP CREATE s g 0",
    "XGROUP CREATE s g 0",
    "XGROUP CREATE nokey g 0",
    "XGROUP CREATE nokey g $ MKSTREAM",
    "XGROUP CREATE s g2 $ ENTRIESREAD 3",
    "XGROUP CREATE s g3 $ ENTRIESREAD -2",
    "XGROUP CREATE s g3 $ FOO",
    "XGROUP CREATE s g3 abc",
    "XGROUP SETID s nog 0",
    "XGROUP SETID s g3 0",
    "XGROUP SETID s g2 0 ENTRIESREAD",
    "XGROUP CREATECONSUMER s g alice",
    "XGROUP CREATECONSUMER s g alice",
    "XGROUP CREATECONSUMER s nog alice",
    "XINFO GROUPS s",
    "XREADGROUP GROUP g bob COUNT 2 STREAMS s >",
    "XREADGROUP GROUP g bob STREAMS s 0",
    "XREADGROUP GROUP g bob STREAMS s >",
    "XREADGROUP GROUP g bob STREAMS s >",
    "XREADGROUP GROUP nog bob STREAMS s >",
    "XREADGROUP GROUP g bob STREAMS s $",
    "XREADGROUP GROUP g bob STREAMS s",
    "XREADGROUP GROUP g bob STREAMS s nokey > >",
    "XREADGROUP g bob STREAMS s >",
    "XREADGROUP COUNT 1 STREAMS s >",
    "XPENDING s g",
    "XPENDING s g IDLE 0 - +",
    "XPENDING s g - + abc",
    "XPENDING s nog",
    "XPENDING nokey2 g",
    "XPENDING s g -",
    "XACK s g 1 2 99",
    "XACK s g abc",
    "XACK s nog 1",
    "XPENDING s g",
    "XCLAIM s g carol 0 3 4 JUSTID",
    "XCLAIM s g carol 0 3 4 RETRYCOUNT 7",
    "XCLAIM s g dave 0 3 FORCE JUSTID",
    "XCLAIM s g dave 0 1 FORCE",
    "XCLAIM s g dave 0 3 FOO",
    "XCLAIM s g dave abc 3",
    "XCLAIM s g dave 0 3 IDLE abc",
    "XCLAIM s nog dave 0 3",
    "XCLAIM s g dave 100000 3",
    "XDEL s 3",
    "XCLAIM s g dave 0 3",
    "XAUTOCLAIM s g eve 0 0",
    "XAUTOCLAIM s g eve 0 0 COUNT 1",
    "XAUTOCLAIM s g eve 0 0 COUNT 0",
    "XAUTOCLAIM s g eve 0 0 JUSTID",
    "XAUTOCLAIM s g eve abc 0",
    "XAUTOCLAIM s nog eve 0 0",
    "XAUTOCLAIM s g eve 0 0 FOO",
    "XGROUP DELCONSUMER s g eve",
    "XGROUP DELCONSUMER s g eve",
    "XPENDING s g",
    "XGROUP DESTROY s g",
    "XGROUP DESTROY s g",
    "XGROUP FOO s g",
    "XGROUP CREATE s g 0 MKSTREAM ENTRIESREAD 1 x",
    "XSETID s 10",
    "XSETID s 1",
    "XSETID s 11 ENTRIESADDED 1",
    "XSETID s 11 ENTRIESADDED -1",
    "XSETID s 11 MAXDELETEDID 12",
    "XSETID s 11 MAXDELETEDID 2",
    "XSETID nokey 11",
    "XSETID s 11 FOO",
    "XINFO STREAM nokey",
    "XINFO STREAM s FULL COUNT",
    "XINFO STREAM s FOO",
    "XINFO CONSUMERS s nog",
];

const COUNTERS: &[&str] = &[
    "XADD s 1 a 1",
    "XADD s 2 b 2",
    "XADD s 3 c 3",
    "XADD s 4 d 4",
    "XADD s 5 e 5",
    "XGROUP CREATE s g1 0",
    "XGROUP CREATE s g2 $",
    "XGROUP CREATE s g3 2 ENTRIESREAD 2",
    "XINFO GROUPS s",
    "XREADGROUP GROUP g1 a COUNT 2 STREAMS s >",
    "XINFO GROUPS s",
    "XDEL s 4",
    "XINFO GROUPS s",
    "XREADGROUP GROUP g1 a STREAMS s >",
    "XINFO GROUPS s",
    "XINFO STREAM s",
    "XTRIM s MAXLEN 1",
    "XINFO STREAM s",
    "XINFO GROUPS s",
    "XADD s 6 f 6",
    "XINFO GROUPS s",
    "XGROUP SETID s g1 0",
    "XINFO GROUPS s",
    "XGROUP SETID s g1 $ ENTRIESREAD 3",
    "XINFO GROUPS s",
    "XREADGROUP GROUP g3 z NOACK STREAMS s >",
    "XINFO GROUPS s",
    "XPENDING s g3",
    "XREAD COUNT 1 STREAMS s s 0 3",
    "XREADGROUP GROUP g1 a STREAMS s 0",
    "XREADGROUP GROUP g1 a COUNT 1 STREAMS s 0",
    "XLEN big",
    "XTRIM big MINID 0",
];

#[test]
fn add_range_delete_trim_read_resp2() {
    run_lines("streams_basics_resp2", "2", BASICS);
}

#[test]
fn add_range_delete_trim_read_resp3() {
    run_lines("streams_basics_resp3", "3", BASICS);
}

#[test]
fn consumer_groups_resp2() {
    run_lines("streams_groups_resp2", "2", GROUPS);
}

#[test]
fn consumer_groups_resp3() {
    run_lines("streams_groups_resp3", "3", GROUPS);
}

#[test]
fn group_counters_and_info_resp2() {
    run_lines("streams_counters_resp2", "2", COUNTERS);
}

#[test]
fn group_counters_and_info_resp3() {
    run_lines("streams_counters_resp3", "3", COUNTERS);
}

#[test]
fn many_entries_across_chunks() {
    let mut s = Scenario::new("streams_many_entries");
    for i in 1..=450 {
        let id = format!("{i}-1");
        let v = i.to_string();
        if i % 50 == 0 {
            s.cmd("a", &["XADD", "m", &id, "other", &v]);
        } else {
            s.cmd("a", &["XADD", "m", &id, "f", &v, "g", "x"]);
        }
    }
    s.cmds(
        "a",
        &[
            &["XRANGE", "m", "95", "105"],
            &["XREVRANGE", "m", "(305", "295"],
            &["XDEL", "m", "1-1", "100-1", "101-1", "450-1"],
            &["XRANGE", "m", "-", "+", "COUNT", "3"],
            &["XREVRANGE", "m", "+", "-", "COUNT", "3"],
            &["XTRIM", "m", "MAXLEN", "~", "300"],
            &["XLEN", "m"],
            &["XTRIM", "m", "MINID", "~", "250"],
            &["XLEN", "m"],
            &["XTRIM", "m", "MINID", "260"],
            &["XRANGE", "m", "-", "+", "COUNT", "2"],
            &["XTRIM", "m", "MAXLEN", "=", "10"],
            &["XRANGE", "m", "-", "+"],
            &["XADD", "m", "MAXLEN", "5", "500", "f", "1"],
            &["XRANGE", "m", "-", "+"],
            &["XINFO", "STREAM", "m"],
        ],
    );
    s.check();
}

#[test]
fn blocking_reads_are_served_by_xadd() {
    let mut s = Scenario::new("streams_blocking");
    s.cmd("w", &["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"]);
    // Separate connections have no order between them: pause so that each blocks in turn.
    s.send("r1", &["XREAD", "BLOCK", "0", "STREAMS", "q", "$"]);
    s.await_blocked(1);
    s.send(
        "r2",
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c1",
            "BLOCK",
            "0",
            "STREAMS",
            "q",
            ">",
        ],
    );
    s.await_blocked(2);
    s.send(
        "r3",
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c2",
            "BLOCK",
            "0",
            "STREAMS",
            "q",
            ">",
        ],
    );
    s.await_blocked(3);
    s.quiet("r1").quiet("r2");
    s.cmd("w", &["XADD", "q", "1-1", "a", "1"]);
    s.read("r1", 1).read("r2", 1).quiet("r3");
    // Inside MULTI/EXEC the waiter is served after EXEC.
    s.cmd("w", &["MULTI"])
        .cmd("w", &["XADD", "q", "2-1", "b", "2"]);
    s.cmd("w", &["XADD", "q", "3-1", "c", "3"])
        .cmd("w", &["EXEC"]);
    s.read("r3", 1);
    s.cmd("w", &["XPENDING", "q", "g"]);
    // A timeout is a null reply; a blocking read inside MULTI does not block.
    s.cmd("r1", &["XREAD", "BLOCK", "50", "STREAMS", "q", "$"]);
    s.cmd("w", &["MULTI"])
        .cmd("w", &["XREAD", "BLOCK", "0", "STREAMS", "q", "$"]);
    s.cmd("w", &["EXEC"]);
    s.check();
}

#[test]
fn blocking_reads_resp3_and_group_errors() {
    let mut s = Scenario::new("streams_blocking_resp3");
    s.cmd_norm("r1", &["HELLO", "3"], compare::Norm::Hello);
    s.cmd("w", &["XADD", "a", "1-1", "x", "1"]);
    s.cmd("w", &["XGROUP", "CREATE", "a", "g", "$"]);
    // Several streams: the reply is a map with only the streams that have entries.
    s.send(
        "r1",
        &["XREAD", "BLOCK", "0", "STREAMS", "b", "a", "$", "$"],
    );
    s.await_blocked(1);
    s.send(
        "r2",
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "BLOCK",
            "0",
            "STREAMS",
            "a",
            ">",
        ],
    );
    s.await_blocked(2);
    s.quiet("r1");
    s.cmd("w", &["XADD", "b", "5-1", "y", "2"]);
    s.read("r1", 1).quiet("r2");
    s.cmd("w", &["XADD", "a", "6-1", "z", "3"]);
    s.read("r2", 1);
    s.cmd("w", &["XINFO", "GROUPS", "a"]);
    // A timeout in RESP3 is a null.
    s.cmd("r1", &["XREAD", "BLOCK", "30", "STREAMS", "a", "$"]);
    s.check();
}

#[test]
fn small_chunks_trim_whole_chunks_like_redis() {
    let mut s = Scenario::new("streams_small_chunks");
    s.cmd_norm(
        "a",
        &["CONFIG", "GET", "stream-node-max-*"],
        compare::Norm::SortPairs,
    );
    s.cmds(
        "a",
        &[
            &["CONFIG", "SET", "stream-node-max-entries", "3"],
            &["CONFIG", "SET", "stream-node-max-bytes", "0"],
        ],
    );
    for i in 1..=10 {
        let id = format!("{i}-0");
        s.cmd("a", &["XADD", "s", &id, "f", "v"]);
    }
    s.cmds(
        "a",
        &[
            // 10 entries in chunks of 3: `~` removes only whole chunks.
            &["XTRIM", "s", "MAXLEN", "~", "8"],
            &["XTRIM", "s", "MAXLEN", "~", "6"],
            &["XRANGE", "s", "-", "+", "COUNT", "1"],
            &["XTRIM", "s", "MINID", "~", "9"],
            &["XRANGE", "s", "-", "+", "COUNT", "1"],
            &["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "2"],
            &["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "3"],
            &["XLEN", "s"],
            &["XADD", "s", "MAXLEN", "~", "2", "11-0", "f", "v"],
            &["XLEN", "s"],
            &["XDEL", "s", "10-0", "11-0"],
            &["XRANGE", "s", "-", "+"],
            &["CONFIG", "SET", "stream-node-max-bytes", "4kb"],
            &["CONFIG", "GET", "stream-node-max-bytes"],
        ],
    );
    s.check();
}

#[test]
fn xread_plus_reads_the_last_entry_in_74() {
    let mut s = Scenario::new("streams_xread_plus");
    s.cmd("a", &["XADD", "s", "1-1", "a", "1"]);
    s.cmd("a", &["XADD", "s", "2-1", "b", "2"]);
    s.send("a", &["XREAD", "STREAMS", "s", "+"]);
    s.diff(
        "a",
        "Redis 7.4 added `+` to XREAD: the last entry of the stream",
        &[b"-ERR Invalid stream ID specified as stream command argument\r\n"],
        &[b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"],
    );
    s.check();
}
