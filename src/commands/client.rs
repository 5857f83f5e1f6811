//! CLIENT subcommands: introspection and control of connections.

use super::connection::validate_client_name;
use super::{arg_for_error, eq_ic, parse_int, server::help_reply, CmdError, CmdResult, Ctx};
use crate::server::client::ClientHandle;
use crate::server::connection::ReplyMode;
use crate::server::outbox::CloseReason;
use bytes::Bytes;
use std::fmt::Write as _;
use std::sync::Arc;

/// CLIENT ID
pub fn id(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(ctx.conn.handle.id as i64);
    Ok(())
}

/// CLIENT SETNAME name
pub fn setname(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    validate_client_name(&args[2])?;
    ctx.conn.handle.info().name = args[2].to_vec();
    ctx.out.ok();
    Ok(())
}

/// CLIENT GETNAME
pub fn getname(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let name = ctx.conn.handle.info().name.clone();
    if name.is_empty() {
        ctx.out.null();
    } else {
        ctx.out.bulk(&name);
    }
    Ok(())
}

/// One CLIENT LIST line (without the trailing newline), with Redis 7.4's fields.
pub fn describe(c: &ClientHandle, blocked: bool) -> String {
    let info = c.info().clone();
    let now = std::time::Instant::now();
    let mut flags = String::new();
    if info.subscriptions + info.patterns + info.shard_subscriptions > 0 {
        flags.push('P');
    }
    if blocked {
        flags.push('b');
    }
    if info.in_multi.is_some() {
        flags.push('x');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let omem = c.outbox.pending_bytes();
    let mut s = String::with_capacity(256);
    let _ = write!(
        s,
        "id={} addr={} laddr={} fd=0 name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} watch=0 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll={} omem={} tot-mem={} events=r cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
        c.id,
        c.addr,
        c.laddr,
        String::from_utf8_lossy(&info.name),
        now.duration_since(c.created).as_secs(),
        now.duration_since(info.last_interaction).as_secs(),
        flags,
        info.db,
        info.subscriptions,
        info.patterns,
        info.shard_subscriptions,
        info.in_multi.map_or(-1, |n| n as i64),
        info.query_buf,
        c.outbox.pending_frames(),
        omem,
        omem as usize + info.query_buf + 16384,
        info.last_cmd,
        info.user,
        c.protocol().version(),
        String::from_utf8_lossy(&info.lib_name),
        String::from_utf8_lossy(&info.lib_ver),
    );
    s
}

/// Publishes the caller's own per-batch fields (the command running now) before it is listed.
fn sync_self(ctx: &Ctx<'_>) {
    ctx.conn.handle.info().last_cmd = ctx.conn.last_cmd;
}

/// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]
pub fn list(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    sync_self(ctx);
    let mut clients = ctx.shared.clients.snapshot();
    let mut i = 2;
    while i < args.len() {
        if eq_ic(&args[i], "type") && i + 1 < args.len() {
            let t = &args[i + 1];
            let want_pubsub = if eq_ic(t, "pubsub") {
                true
            } else if eq_ic(t, "normal") {
                false
            } else if eq_ic(t, "master") || eq_ic(t, "replica") || eq_ic(t, "slave") {
                clients.clear();
                false
            } else {
                return Err(CmdError::Other(format!(
                    "Unknown client type '{}'",
                    arg_for_error(t, 128)
                )));
            };
            clients.retain(|c| (c.class() == crate::config::ClientClass::Pubsub) == want_pubsub);
            i += 2;
        } else if eq_ic(&args[i], "id") && i + 1 < args.len() {
            let mut ids = Vec::new();
            for a in &args[i + 1..] {
                match parse_int(a) {
                    Ok(n) if n > 0 => ids.push(n as u64),
                    _ => return Err(CmdError::Other("Invalid client ID".into())),
                }
            }
            clients.retain(|c| ids.contains(&c.id));
            i = args.len();
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let mut text = String::new();
    for c in &clients {
        text.push_str(&describe(c, ctx.shared.blocking.is_blocked(c.id)));
        text.push('\n');
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// CLIENT INFO
pub fn info(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    sync_self(ctx);
    let mut text = describe(&ctx.conn.handle, false);
    text.push('\n');
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// Filters of CLIENT KILL's new form.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<String>,
    pubsub: Option<bool>,
    maxage: Option<u64>,
    skipme: bool,
}

impl KillFilter {
    fn matches(&self, c: &ClientHandle, me: u64) -> bool {
        if self.skipme && c.id == me {
            return false;
        }
        if self.id.is_some_and(|id| id != c.id) {
            return false;
        }
        if self.addr.as_ref().is_some_and(|a| *a != c.addr.to_string()) {
            return false;
        }
        if self
            .laddr
            .as_ref()
            .is_some_and(|a| *a != c.laddr.to_string())
        {
            return false;
        }
        if let Some(u) = &self.user {
            if *u != c.info().user {
                return false;
            }
        }
        if let Some(p) = self.pubsub {
            if (c.class() == crate::config::ClientClass::Pubsub) != p {
                return false;
            }
        }
        if let Some(age) = self.maxage {
            if c.created.elapsed().as_secs() < age {
                return false;
            }
        }
        true
    }
}

/// Disconnects a client (the caller itself after its reply).
pub fn kill_one(ctx: &mut Ctx<'_>, c: &Arc<ClientHandle>) {
    if c.id == ctx.conn.handle.id {
        // Killing ourselves: the reply is still sent, then the connection closes.
        ctx.conn.close_after_reply = true;
    } else {
        c.outbox.close(CloseReason::Killed);
        // Gone from CLIENT LIST (and later KILLs) at once, as in Redis, even before its
        // connection task has finished tearing down.
        ctx.shared.clients.remove(c.id);
    }
}

/// CLIENT KILL addr:port | CLIENT KILL <filter> <value> ...
pub fn kill(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let me = ctx.conn.handle.id;
    if args.len() == 3 {
        let addr = String::from_utf8_lossy(&args[2]).into_owned();
        let target = ctx
            .shared
            .clients
            .snapshot()
            .into_iter()
            .find(|c| c.addr.to_string() == addr);
        return match target {
            Some(c) => {
                kill_one(ctx, &c);
                ctx.out.ok();
                Ok(())
            }
            None => Err(CmdError::Other("No such client".into())),
        };
    }
    let mut f = KillFilter {
        skipme: true,
        ..KillFilter::default()
    };
    let mut i = 2;
    while i < args.len() {
        if i + 1 >= args.len() {
            return Err(CmdError::Syntax);
        }
        let v = &args[i + 1];
        let text = String::from_utf8_lossy(v).into_owned();
        let opt = &args[i];
        if eq_ic(opt, "id") {
            match parse_int(v) {
                Ok(n) if n > 0 => f.id = Some(n as u64),
                _ => return Err(CmdError::Other("client-id should be greater than 0".into())),
            }
        } else if eq_ic(opt, "addr") {
            f.addr = Some(text);
        } else if eq_ic(opt, "laddr") {
            f.laddr = Some(text);
        } else if eq_ic(opt, "user") {
            f.user = Some(text);
        } else if eq_ic(opt, "type") {
            f.pubsub = Some(if eq_ic(v, "pubsub") {
                true
            } else if eq_ic(v, "normal") {
                false
            } else {
                return Err(CmdError::Other(format!("Unknown client type '{text}'")));
            });
        } else if eq_ic(opt, "skipme") {
            f.skipme = if eq_ic(v, "yes") {
                true
            } else if eq_ic(v, "no") {
                false
            } else {
                return Err(CmdError::Syntax);
            };
        } else if eq_ic(opt, "maxage") {
            f.maxage = Some(parse_int(v)?.max(0) as u64);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let mut killed = 0;
    for c in ctx.shared.clients.snapshot() {
        if f.matches(&c, me) {
            kill_one(ctx, &c);
            killed += 1;
        }
    }
    ctx.out.int(killed);
    Ok(())
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value
pub fn setinfo(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let (attr, is_name) = if eq_ic(&args[2], "lib-name") {
        ("lib-name", true)
    } else if eq_ic(&args[2], "lib-ver") {
        ("lib-ver", false)
    } else {
        return Err(CmdError::Other(format!(
            "Unrecognized option '{}'",
            arg_for_error(&args[2], 128)
        )));
    };
    if args[3].iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::Other(format!(
            "{attr} cannot contain spaces, newlines or special characters."
        )));
    }
    let mut info = ctx.conn.handle.info();
    if is_name {
        info.lib_name = args[3].to_vec();
    } else {
        info.lib_ver = args[3].to_vec();
    }
    drop(info);
    ctx.out.ok();
    Ok(())
}

/// CLIENT REPLY ON|OFF|SKIP
pub fn reply(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if eq_ic(&args[2], "on") {
        ctx.conn.reply_mode = ReplyMode::On;
        ctx.out.ok();
    } else if eq_ic(&args[2], "off") {
        ctx.conn.reply_mode = ReplyMode::Off;
    } else if eq_ic(&args[2], "skip") {
        // The SKIP applies to the next command, not to this one (which has no reply); while
        // replies are off it has nothing to do, as in Redis.
        if ctx.conn.reply_mode != ReplyMode::Off {
            ctx.conn.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(())
}

/// CLIENT HELP
pub fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    help_reply(
        ctx,
        "CLIENT",
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "    * MAXAGE <maxage>",
            "      Kill connections older than the specified age.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
        ],
    );
    Ok(())
}
