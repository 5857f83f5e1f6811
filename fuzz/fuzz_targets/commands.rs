//! Feeds arbitrary command vectors through the real dispatcher (`commands::execute`) against an
//! in-process server state, as one client would: no panic, no hang, and every command's reply is
//! a sequence of complete, well-formed RESP frames.
//!
//! Input format (chosen so the fuzzer reaches every command quickly): lines separated by `\n` are
//! commands, `' '` separates arguments. A one-byte first argument is replaced by the name of the
//! command at that index of the command table, and a one-byte second argument of a command with
//! subcommands by one of its subcommand names; anything longer is used as it is.
#![no_main]

use bytes::Bytes;
use herald::commands::{self, all_commands, Ctx};
use herald::protocol::{Protocol, ReplyBuf};
use herald::server::client::ClientHandle;
use herald::server::connection::ConnState;
use herald::{Config, Server};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

/// Commands per input, to keep each run short.
const MAX_COMMANDS: usize = 64;
/// Integer arguments beyond this magnitude (and below the overflow range) are clamped: they are
/// legitimate requests for enormous replies (`SRANDMEMBER k -1000000000` makes Redis send a
/// billion elements too) and would only exhaust the fuzzer's memory and time.
const MAX_COUNT: i64 = 10_000;

struct Harness {
    /// Keeps the expiry task running.
    runtime: tokio::runtime::Runtime,
    server: Server,
    base: Config,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        // No bind address: the server state without any listener.
        let base = Config {
            bind: Vec::new(),
            port: 0,
            // Bounds what SETRANGE/APPEND may allocate, as it does in Redis.
            proto_max_bulk_len: 1024 * 1024,
            ..Config::default()
        };
        let server = runtime
            .block_on(Server::start(base.clone()))
            .expect("server state starts");
        Harness {
            runtime,
            server,
            base,
        }
    })
}

/// Checks that `buf[pos..]` starts with one complete RESP2/RESP3 frame; returns its end.
fn frame_end(buf: &[u8], pos: usize) -> Option<usize> {
    let kind = *buf.get(pos)?;
    let nl = pos + memchr_crlf(&buf[pos..])?;
    // Simple strings and errors may quote client bytes that are not UTF-8 (as Redis does); only
    // the lengths of the other types must be numbers.
    let line = std::str::from_utf8(&buf[pos + 1..nl]).unwrap_or("");
    let after = nl + 2;
    match kind {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => Some(after),
        b'$' | b'=' | b'!' => {
            let n: i64 = line.parse().ok()?;
            if n < 0 {
                return (n == -1).then_some(after);
            }
            let end = after + n as usize;
            (buf.get(end..end + 2)? == b"\r\n").then_some(end + 2)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = line.parse().ok()?;
            if n < 0 {
                return (n == -1 && kind == b'*').then_some(after);
            }
            let items = if kind == b'%' || kind == b'|' { n * 2 } else { n };
            let mut p = after;
            for _ in 0..items {
                p = frame_end(buf, p)?;
            }
            Some(p)
        }
        _ => None,
    }
}

fn memchr_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

#[track_caller]
fn assert_frames(buf: &[u8], cmd: &[Bytes]) {
    let mut p = 0;
    while p < buf.len() {
        match frame_end(buf, p) {
            Some(e) => p = e,
            None => panic!(
                "malformed reply to {:?}: {}",
                cmd,
                buf[p..].escape_ascii()
            ),
        }
    }
}

/// Splits the input into command vectors (see the module documentation).
fn commands_of(data: &[u8]) -> Vec<Vec<Bytes>> {
    let table = all_commands();
    data.split(|&b| b == b'\n')
        .take(MAX_COMMANDS)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut args: Vec<Bytes> = line
                .split(|&b| b == b' ')
                .map(|a| Bytes::copy_from_slice(clamp(a)))
                .collect();
            if args[0].len() == 1 {
                let spec = table[usize::from(args[0][0]) % table.len()];
                args[0] = Bytes::from_static(spec.name.as_bytes());
                if let Some(sub) = args.get_mut(1) {
                    if sub.len() == 1 && !spec.subcommands.is_empty() {
                        let s = &spec.subcommands[usize::from(sub[0]) % spec.subcommands.len()];
                        *sub = Bytes::from_static(s.subname().as_bytes());
                    }
                }
            }
            args
        })
        .collect()
}

fn clamp(arg: &[u8]) -> &[u8] {
    let n = std::str::from_utf8(arg).ok().and_then(|s| s.parse::<i64>().ok());
    match n {
        Some(n) if n.unsigned_abs() > MAX_COUNT as u64 && n.unsigned_abs() < 1 << 40 => {
            if n < 0 {
                b"-10000"
            } else {
                b"10000"
            }
        }
        _ => arg,
    }
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let _rt = h.runtime.enter();
    let shared = h.server.shared();
    let id = shared.next_id();
    let addr = "127.0.0.1:1".parse().expect("address");
    let handle = Arc::new(ClientHandle::new(id, addr, addr));
    shared.clients.register(handle.clone(), usize::MAX);
    let mut state = ConnState::new(handle, true, shared.acl.default_user());
    let mut out = ReplyBuf::new(Protocol::Resp2);
    for args in commands_of(data) {
        {
            let mut ctx = Ctx {
                shared,
                conn: &mut state,
                out: &mut out,
            };
            commands::execute(&mut ctx, args.clone());
        }
        // A blocked command would wait for a push that may never come: give up on it, as a
        // client disconnecting would.
        if state.blocked.take().is_some() {
            shared.blocking.cancel(id);
        }
        state.sleep = None;
        let reply = out.take();
        assert_frames(&reply, &args);
        if state.close_after_reply {
            break;
        }
    }
    // Leave the shared state as it was: no client, no data, the base configuration.
    state.teardown(shared);
    shared.keyspace().clear_all();
    *shared.config_mut() = h.base.clone();
    shared.config_changed();
});
