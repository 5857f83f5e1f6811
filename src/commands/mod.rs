//! Commands: one table describing every command (name, arity, flags, key positions, ACL
//! categories, handler), and the dispatcher that checks a request against it and runs it.
//!
//! Handlers are plain synchronous functions `fn(&mut Ctx, &[Bytes]) -> Result<(), CmdError>`:
//! they parse their arguments, apply them, and describe the reply through [`ReplyBuf`]. They never
//! await and never touch the socket.

pub mod acl;
pub mod aof;
pub mod blocking;
pub mod client;
pub mod connection;
pub mod hashes;
pub mod keys;
pub mod lists;
pub mod persistence;
pub mod pubsub;
pub mod server;
pub mod sets;
pub mod streams;
pub mod strings;
pub mod table;
pub mod transactions;
pub mod zsets;

use crate::protocol::ReplyBuf;
use crate::server::connection::{ConnState, ReplyMode};
use crate::server::Shared;
use bytes::Bytes;
use std::sync::Arc;
pub use table::{all_commands, lookup, CommandSpec};
use thiserror::Error;

/// Everything a command handler may use.
pub struct Ctx<'a> {
    /// Server-wide state.
    pub shared: &'a Arc<Shared>,
    /// The calling connection's private state.
    pub conn: &'a mut ConnState,
    /// Where the reply goes.
    pub out: &'a mut ReplyBuf,
}

impl Ctx<'_> {
    /// Moves replies encoded so far into the client's outbox, so that frames queued directly
    /// (pub/sub confirmations) follow them in order.
    pub fn flush(&mut self) {
        if !self.out.is_empty() {
            let limit = self.shared.output_limits.get(self.conn.handle.class());
            self.conn.handle.outbox.push(self.out.take(), limit);
        }
    }
}

/// A command failure, rendered as a Redis error reply with the same text Redis uses.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CmdError {
    #[error("ERR wrong number of arguments for '{0}' command")]
    WrongArity(String),
    #[error("ERR syntax error")]
    Syntax,
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    #[error("ERR value is not a valid float")]
    NotFloat,
    #[error("ERR {0}")]
    Other(String),
    /// An error whose text already carries its code (NOAUTH, WRONGPASS, NOPROTO, ...).
    #[error("{0}")]
    Coded(String),
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    /// An error whose text quotes client bytes that need not be UTF-8 (an unknown command's
    /// name and arguments): sent byte for byte, as Redis does.
    #[error("{}", String::from_utf8_lossy(.0))]
    Binary(Vec<u8>),
}

impl CmdError {
    /// Writes the error reply.
    pub fn write_to(&self, out: &mut ReplyBuf) {
        match self {
            CmdError::Binary(text) => out.error_bytes(text),
            e => out.error(&e.to_string()),
        }
    }
}

impl From<crate::storage::WrongType> for CmdError {
    fn from(_: crate::storage::WrongType) -> Self {
        CmdError::WrongType
    }
}

/// The result of a command handler.
pub type CmdResult = Result<(), CmdError>;

/// Lower-cases a command name into a small stack buffer for table lookups.
fn lowercase_name(name: &[u8], buf: &mut [u8; 32]) -> Option<usize> {
    if name.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    Some(name.len())
}

/// The bytes Redis's `%.128s` prints of an argument: up to the first NUL, at most `max`.
fn arg_bytes(arg: &[u8], max: usize) -> &[u8] {
    let end = arg
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(arg.len())
        .min(max);
    &arg[..end]
}

/// Renders an argument for an error message as Redis's `%.128s` does (bytes up to the first NUL,
/// at most 128), lossily decoded.
pub fn arg_for_error(arg: &[u8], max: usize) -> String {
    String::from_utf8_lossy(arg_bytes(arg, max)).into_owned()
}

fn unknown_command(args: &[Bytes]) -> CmdError {
    let mut rest = Vec::new();
    for a in &args[1..] {
        if rest.len() >= 128 {
            break;
        }
        let room = 128 - rest.len();
        rest.push(b'\'');
        rest.extend_from_slice(arg_bytes(a, room));
        rest.extend_from_slice(b"' ");
    }
    let mut text = b"ERR unknown command '".to_vec();
    text.extend_from_slice(arg_bytes(&args[0], 128));
    text.extend_from_slice(b"', with args beginning with: ");
    text.extend_from_slice(&rest);
    CmdError::Binary(text)
}

/// Commands allowed in RESP2 while subscribed.
fn allowed_in_pubsub_context(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "ssubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// Resolves `args` to a command (or subcommand) spec, or the error Redis gives.
pub fn resolve(args: &[Bytes]) -> Result<&'static CommandSpec, CmdError> {
    let mut buf = [0u8; 32];
    let spec = lowercase_name(&args[0], &mut buf)
        .and_then(|n| std::str::from_utf8(&buf[..n]).ok())
        .and_then(lookup)
        .ok_or_else(|| unknown_command(args))?;
    if spec.subcommands.is_empty() || args.len() < 2 {
        return Ok(spec);
    }
    let mut sbuf = [0u8; 32];
    lowercase_name(&args[1], &mut sbuf)
        .and_then(|n| std::str::from_utf8(&sbuf[..n]).ok())
        .and_then(|sub| spec.subcommands.iter().find(|s| s.subname() == sub))
        .ok_or_else(|| {
            let mut text = b"ERR unknown subcommand '".to_vec();
            text.extend_from_slice(arg_bytes(&args[1], 128));
            text.extend_from_slice(
                format!("'. Try {} HELP.", spec.name.to_ascii_uppercase()).as_bytes(),
            );
            CmdError::Binary(text)
        })
}

/// Checks and runs one command, writing its reply (or error) to `ctx.out`.
pub fn execute(ctx: &mut Ctx<'_>, args: Vec<Bytes>) {
    let reply_start = ctx.out.len();
    crate::pubsub::begin_deferring(ctx.conn.handle.id);
    let result = check_and_run(ctx, &args);
    // Serve clients blocked on keys this command made ready, before its own reply goes out.
    if !ctx.conn.in_exec {
        crate::server::blocking::handle_ready(ctx.shared);
    }
    let own_pushes = crate::pubsub::end_deferring();
    if let Err(e) = result {
        ctx.shared
            .stats
            .total_error_replies
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!(id = ctx.conn.handle.id, "error reply: {e}");
        e.write_to(ctx.out);
    }
    if let Some(blocked) = ctx.conn.blocked.as_mut() {
        // The reply comes when the wait ends; CLIENT REPLY OFF/SKIP decides about it now.
        blocked.suppress_reply = ctx.conn.reply_mode != ReplyMode::On;
    }
    match ctx.conn.reply_mode {
        ReplyMode::On => {}
        ReplyMode::Off => ctx.out.truncate(reply_start),
        ReplyMode::Skip => {
            ctx.out.truncate(reply_start);
            ctx.conn.reply_mode = ReplyMode::On;
        }
        ReplyMode::SkipNext => {
            ctx.out.truncate(reply_start);
            ctx.conn.reply_mode = ReplyMode::Skip;
        }
    }
    // Pushes are delivered whatever the CLIENT REPLY mode, as in Redis 7.2+.
    for frame in own_pushes {
        ctx.out.raw(&frame);
    }
}

/// Commands that run at once even inside MULTI (everything else is queued).
fn runs_inside_multi(name: &str) -> bool {
    matches!(
        name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// Ends the open transaction because its EXEC was rejected, with Redis's `EXECABORT` text
/// (Redis's `execCommandAbort`, which even applies outside MULTI).
fn abort_exec(ctx: &mut Ctx<'_>, e: CmdError) -> CmdError {
    ctx.conn.multi = None;
    ctx.conn.multi_dirty = false;
    transactions::unwatch_all(ctx);
    let text = e.to_string();
    let reason = text.strip_prefix("ERR ").unwrap_or(&text);
    CmdError::Coded(format!(
        "EXECABORT Transaction discarded because of: {reason}"
    ))
}

/// Whether the command may add data, so that it is refused over `maxmemory`: the `denyoom`
/// flag, or for EXEC any queued command with it (Redis's `mstate.cmd_flags`).
fn may_grow_memory(ctx: &Ctx<'_>, spec: &CommandSpec) -> bool {
    if spec.base_name() == "exec" {
        return ctx.conn.multi.as_ref().is_some_and(|queue| {
            queue
                .iter()
                .any(|cmd| resolve(cmd).is_ok_and(|s| s.has_flag("denyoom")))
        });
    }
    spec.has_flag("denyoom")
}

/// Checks a command (table, arity, auth, subscribed mode), queues it if a transaction is open,
/// or runs it. A rejection while queueing makes the transaction's EXEC fail, as in Redis.
fn check_and_run(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let is_exec = eq_ic(&args[0], "exec");
    let spec = match check(ctx, args) {
        Ok(spec) => spec,
        Err(e) if is_exec => return Err(abort_exec(ctx, e)),
        Err(e) => {
            if ctx.conn.multi.is_some() {
                ctx.conn.multi_dirty = true;
            }
            return Err(e);
        }
    };
    if !ctx.conn.in_exec
        && ctx
            .shared
            .hot
            .maxmemory
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    {
        // Redis's processCommand: evict first; refuse commands that may add data (and, inside
        // MULTI, anything that would be queued) if memory is still over the limit.
        let queueing = ctx.conn.multi.is_some()
            && !matches!(spec.base_name(), "exec" | "discard" | "quit" | "reset");
        if !crate::server::evict::perform_evictions(ctx.shared)
            && (queueing || may_grow_memory(ctx, spec))
        {
            let oom = CmdError::Coded(crate::server::evict::OOM_ERROR.into());
            if is_exec {
                return Err(abort_exec(ctx, oom));
            }
            if ctx.conn.multi.is_some() {
                ctx.conn.multi_dirty = true;
            }
            return Err(oom);
        }
    }
    // The cheap atomic test first: this runs for every command.
    if crate::persistence::writes_denied(ctx.shared)
        && (spec.name == "ping" || spec.has_flag("write"))
    {
        // Redis's writeCommandsDeniedByDiskError: the last BGSAVE failed.
        if ctx.conn.multi.is_some() {
            ctx.conn.multi_dirty = true;
        }
        return Err(CmdError::Coded(crate::persistence::MISCONF_ERROR.into()));
    }
    if let Some(queue) = ctx.conn.multi.as_mut() {
        if !runs_inside_multi(spec.base_name()) {
            if spec.has_flag("no_multi") {
                ctx.conn.multi_dirty = true;
                return Err(CmdError::Other(
                    "Command not allowed inside a transaction".into(),
                ));
            }
            queue.push(args.to_vec());
            ctx.out.simple("QUEUED");
            return Ok(());
        }
    }
    ctx.conn.last_cmd = spec.name;
    let is_write = spec.has_flag("write");
    let touches_keyspace = spec.first_key > 0 || is_write || spec.has_flag("readonly");
    let shared = ctx.shared.clone();
    let _gate = (touches_keyspace && !ctx.conn.in_exec).then(|| shared.exec_gate_shared());
    // What a write command changes is appended to the AOF when it releases the keyspace.
    let propagating = is_write && shared.aof.feeding();
    if propagating {
        crate::aof::propagate::begin(ctx.conn.db, args);
    }
    let result = (spec.handler)(ctx, args);
    if is_write {
        crate::server::blocking::signal_written_keys(&shared, ctx.conn.db, spec, args);
    }
    if propagating {
        crate::aof::propagate::end();
    }
    if !ctx.conn.user.unrestricted() && spec.has_flag("pubsub") {
        acl::recheck_subscription(ctx, spec, args);
    }
    result
}

/// The checks Redis makes before running or queueing a command.
fn check(ctx: &Ctx<'_>, args: &[Bytes]) -> Result<&'static CommandSpec, CmdError> {
    let spec = resolve(args)?;
    if !spec.arity_ok(args.len()) {
        return Err(CmdError::WrongArity(spec.name.to_string()));
    }
    if !ctx.conn.authenticated && !spec.has_flag("no_auth") && ctx.shared.acl.auth_required() {
        return Err(CmdError::Coded("NOAUTH Authentication required.".into()));
    }
    // One flag test for a user with every permission (the default user, normally).
    if !ctx.conn.user.unrestricted() {
        acl::check_permissions(ctx, spec, args)?;
    }
    if ctx.conn.in_pubsub()
        && ctx.out.protocol() == crate::protocol::Protocol::Resp2
        && !allowed_in_pubsub_context(spec.base_name())
    {
        return Err(CmdError::Other(format!(
            "Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            spec.name
        )));
    }
    Ok(spec)
}

/// Parses an integer argument with Redis's rules and error text.
pub fn parse_int(arg: &[u8]) -> Result<i64, CmdError> {
    crate::protocol::parser::parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// Parses a float argument as Redis's `getDoubleFromObject` does: decimal or exponent forms and
/// `inf`/`-inf`/`+inf` (any case); no NaN, no surrounding spaces.
pub fn parse_float(arg: &[u8]) -> Result<f64, CmdError> {
    let s = std::str::from_utf8(arg).map_err(|_| CmdError::NotFloat)?;
    if s.is_empty() || s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return Err(CmdError::NotFloat);
    }
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Ok(f64::INFINITY),
        "-inf" | "-infinity" => return Ok(f64::NEG_INFINITY),
        _ => {}
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(CmdError::NotFloat),
    }
}

/// Compares an argument to a keyword, ignoring ASCII case.
pub fn eq_ic(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}
