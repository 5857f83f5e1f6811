//! The ACL command (SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, LOG, DRYRUN,
//! LOAD, SAVE), the permission check the dispatcher runs before a command, and disconnecting
//! clients whose user was deleted or lost channels they are subscribed to.

use super::table::cmd;
use super::{arg_for_error, eq_ic, parse_int, resolve, CmdError, CmdResult, CommandSpec, Ctx};
use crate::acl::log::{now_ms, Reason};
use crate::acl::user::channel_in_list;
use crate::acl::{commands as acl_commands, user, Denied, Fallout};
use crate::server::Shared;
use bytes::Bytes;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Longest password ACL GENPASS makes, in bits.
const GENPASS_MAX_BITS: i64 = 4096;

/// Redis's reply to a known subcommand given the wrong number of arguments.
fn subcommand_syntax_error(args: &[Bytes]) -> CmdError {
    CmdError::Other(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        arg_for_error(&args[1], 128),
        String::from_utf8_lossy(&args[0]).to_ascii_uppercase()
    ))
}

/// The ACL log context of the command being checked.
fn log_context(ctx: &Ctx<'_>) -> &'static str {
    if ctx.conn.multi.is_some() || ctx.conn.in_exec {
        "multi"
    } else {
        "toplevel"
    }
}

/// Records a refusal of `command` in ACL LOG and INFO's counters.
pub fn log_denial(
    ctx: &Ctx<'_>,
    command: &'static str,
    reason: Reason,
    object: &[u8],
    username: &[u8],
) {
    let st = &ctx.shared.stats;
    let counter = match reason {
        Reason::Auth => &st.acl_denied_auth,
        Reason::Command => &st.acl_denied_cmd,
        Reason::Key => &st.acl_denied_key,
        Reason::Channel => &st.acl_denied_channel,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    let max_len = ctx.shared.config().acllog_max_len as usize;
    // The client info names the refused command, as Redis's does.
    ctx.conn.handle.info().last_cmd = command;
    ctx.shared.acl.log.add(
        reason,
        log_context(ctx),
        object,
        username,
        super::client::describe(&ctx.conn.handle, false),
        max_len,
    );
}

/// Checks the caller's permissions for a command, logging and refusing with Redis's NOPERM text.
pub fn check_permissions(ctx: &Ctx<'_>, spec: &CommandSpec, args: &[Bytes]) -> CmdResult {
    let user = &ctx.conn.user;
    let Err(denied) = user.def().check(spec, args) else {
        return Ok(());
    };
    if ctx.conn.in_exec {
        // Queued while allowed, refused at EXEC: Redis's execCommand wording.
        let (reason, object, why) = match denied {
            Denied::Command => (
                Reason::Command,
                spec.name.as_bytes(),
                "no permission to execute the command or subcommand",
            ),
            Denied::Key(i) => (
                Reason::Key,
                &args[i][..],
                "no permission to touch the specified keys",
            ),
            Denied::Channel(i) => (
                Reason::Channel,
                &args[i][..],
                "no permission to access one of the channels used as arguments",
            ),
        };
        log_denial(ctx, spec.name, reason, object, user.name.as_bytes());
        return Err(CmdError::Coded(format!("NOPERM ACLs rules changed between the moment the transaction was accumulated and its execution. The user is no longer able to execute the command ({why}).")));
    }
    let (reason, object, text) = match denied {
        Denied::Command => (
            Reason::Command,
            spec.name.as_bytes(),
            format!(
                "NOPERM User {} has no permissions to run the '{}' command",
                user.name, spec.name
            ),
        ),
        Denied::Key(i) => (
            Reason::Key,
            &args[i][..],
            "NOPERM No permissions to access a key".to_string(),
        ),
        Denied::Channel(i) => (
            Reason::Channel,
            &args[i][..],
            "NOPERM No permissions to access a channel".to_string(),
        ),
    };
    log_denial(ctx, spec.name, reason, object, user.name.as_bytes());
    Err(CmdError::Coded(text))
}

/// Closes the gap between checking a (P|S)SUBSCRIBE and registering it: if the user's channel
/// permissions shrank meanwhile, the ACL change may have scanned the registry before this
/// subscription was in it, so the client closes itself as that change would have closed it.
pub fn recheck_subscription(ctx: &mut Ctx<'_>, spec: &CommandSpec, args: &[Bytes]) {
    if matches!(spec.name, "subscribe" | "psubscribe" | "ssubscribe")
        && ctx.conn.user.def().check(spec, args).is_err()
    {
        ctx.conn.close_after_reply = true;
    }
}

/// The ACL lines of INFO stats.
pub fn info_stats(shared: &Shared, s: &mut String) {
    let st = &shared.stats;
    let _ = write!(
        s,
        "acl_access_denied_auth:{}\r\nacl_access_denied_cmd:{}\r\nacl_access_denied_key:{}\r\nacl_access_denied_channel:{}\r\n",
        st.acl_denied_auth.load(Ordering::Relaxed),
        st.acl_denied_cmd.load(Ordering::Relaxed),
        st.acl_denied_key.load(Ordering::Relaxed),
        st.acl_denied_channel.load(Ordering::Relaxed),
    );
}

/// Disconnects the clients an ACL change leaves without permission: every client of a deleted
/// user, and clients subscribed to channels their user may no longer read (Redis's
/// ACLFreeUserAndKillClients and ACLKillPubsubClientsIfNeeded).
fn apply_fallout(ctx: &mut Ctx<'_>, fallout: Fallout) {
    if fallout.removed.is_empty() && fallout.reduced.is_empty() {
        return;
    }
    let any_subscriptions = {
        use crate::pubsub::ChannelKind;
        let p = &ctx.shared.pubsub;
        p.channel_count(ChannelKind::Plain)
            + p.channel_count(ChannelKind::Shard)
            + p.pattern_count()
            > 0
    };
    let me = ctx.conn.handle.id;
    for c in ctx.shared.clients.snapshot() {
        let name = c.info().user.clone();
        let kill = if fallout.removed.contains(&name) {
            true
        } else if let (true, Some((_, keep))) = (
            any_subscriptions,
            fallout.reduced.iter().find(|(n, _)| *n == name),
        ) {
            let (channels, shard, patterns) = if c.id == me {
                (
                    ctx.conn.channels.iter().cloned().collect(),
                    ctx.conn.shard_channels.iter().cloned().collect(),
                    ctx.conn.patterns.iter().cloned().collect(),
                )
            } else {
                ctx.shared.pubsub.subscriptions_of(c.id)
            };
            patterns.iter().any(|p| !channel_in_list(keep, p, true))
                || channels
                    .iter()
                    .chain(shard.iter())
                    .any(|ch| !channel_in_list(keep, ch, false))
        } else {
            false
        };
        if kill {
            super::client::kill_one(ctx, &c);
        }
    }
}

/// ACL SETUSER username [rule ...]
pub fn setuser(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if !user::valid_username(&args[2]) {
        return Err(CmdError::Other(
            "Usernames can't contain spaces or null characters".into(),
        ));
    }
    let name = String::from_utf8_lossy(&args[2]).into_owned();
    let fallout = ctx
        .shared
        .acl
        .set_user(&name, &args[3..])
        .map_err(|e| CmdError::Other(e.to_string()))?;
    apply_fallout(ctx, fallout);
    ctx.out.ok();
    Ok(())
}

/// ACL GETUSER username
pub fn getuser(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let Some(u) = ctx.shared.acl.get(&args[2]) else {
        ctx.out.null();
        return Ok(());
    };
    let def = u.def();
    let out = &mut *ctx.out;
    out.map(6);
    out.bulk(b"flags");
    let flags = def.flags();
    out.set(flags.len());
    for f in flags {
        out.bulk(f.as_bytes());
    }
    out.bulk(b"passwords");
    out.bulk_array(&def.passwords);
    out.bulk(b"commands");
    out.bulk(def.root.describe_commands().as_bytes());
    out.bulk(b"keys");
    out.bulk(&def.root.describe_keys());
    out.bulk(b"channels");
    out.bulk(&def.root.describe_channels());
    out.bulk(b"selectors");
    out.array(def.selectors.len());
    for sel in &def.selectors {
        out.map(3);
        out.bulk(b"commands");
        out.bulk(sel.describe_commands().as_bytes());
        out.bulk(b"keys");
        out.bulk(&sel.describe_keys());
        out.bulk(b"channels");
        out.bulk(&sel.describe_channels());
    }
    Ok(())
}

/// ACL DELUSER username [username ...]
pub fn deluser(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args[2..].iter().any(|a| &a[..] == b"default") {
        return Err(CmdError::Other(
            "The 'default' user cannot be removed".into(),
        ));
    }
    let mut fallout = Fallout::default();
    for name in &args[2..] {
        if ctx.shared.acl.del_user(name) {
            fallout
                .removed
                .push(String::from_utf8_lossy(name).into_owned());
        }
    }
    let deleted = fallout.removed.len();
    apply_fallout(ctx, fallout);
    ctx.out.int(deleted as i64);
    Ok(())
}

/// ACL LIST: every user in rule form.
pub fn list(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let lines: Vec<Vec<u8>> = ctx
        .shared
        .acl
        .users()
        .iter()
        .map(|u| [b"user ", u.name.as_bytes(), b" ", &u.def().describe()].concat())
        .collect();
    ctx.out.bulk_array(&lines);
    Ok(())
}

/// ACL USERS: every user name.
pub fn users(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let names: Vec<String> = ctx
        .shared
        .acl
        .users()
        .iter()
        .map(|u| u.name.clone())
        .collect();
    ctx.out.bulk_array(&names);
    Ok(())
}

/// ACL WHOAMI
pub fn whoami(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.bulk(ctx.conn.user.name.as_bytes());
    Ok(())
}

/// ACL CAT [category]
pub fn cat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(subcommand_syntax_error(args));
    }
    let Some(wanted) = args.get(2) else {
        ctx.out.bulk_array(acl_commands::CATEGORIES);
        return Ok(());
    };
    let lower = String::from_utf8_lossy(wanted).to_ascii_lowercase();
    if !acl_commands::CATEGORIES.contains(&lower.as_str()) {
        return Err(CmdError::Other(format!(
            "Unknown category '{}'",
            arg_for_error(wanted, 128)
        )));
    }
    let names: Vec<&str> = acl_commands::ids()
        .with_category(&lower)
        .map(|s| s.name)
        .collect();
    ctx.out.bulk_array(&names);
    Ok(())
}

/// ACL GENPASS [bits]: a random password of `bits` bits (default 256) in hex.
pub fn genpass(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(subcommand_syntax_error(args));
    }
    let bits = match args.get(2) {
        Some(a) => parse_int(a)?,
        None => 256,
    };
    if bits <= 0 || bits > GENPASS_MAX_BITS {
        return Err(CmdError::Other(format!("ACL GENPASS argument must be the number of bits for the output password, a positive number up to {GENPASS_MAX_BITS}")));
    }
    let chars = ((bits + 3) / 4) as usize;
    let mut raw = vec![0u8; chars.div_ceil(2)];
    getrandom::fill(&mut raw)
        .map_err(|e| CmdError::Other(format!("failed to read random bytes: {e}")))?;
    let mut hex: Vec<u8> = raw
        .iter()
        .flat_map(|b| {
            [
                b"0123456789abcdef"[usize::from(b >> 4)],
                b"0123456789abcdef"[usize::from(b & 0xf)],
            ]
        })
        .collect();
    hex.truncate(chars);
    ctx.out.bulk(&hex);
    Ok(())
}

/// ACL LOG [count | RESET]
pub fn log(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(subcommand_syntax_error(args));
    }
    let mut count = 10;
    if let Some(a) = args.get(2) {
        if eq_ic(a, "reset") {
            ctx.shared.acl.log.reset();
            ctx.out.ok();
            return Ok(());
        }
        count = parse_int(a)?.max(0);
    }
    let entries = ctx.shared.acl.log.recent(count as usize);
    let now = now_ms();
    let out = &mut *ctx.out;
    out.array(entries.len());
    for e in entries {
        out.map(10);
        out.bulk(b"count");
        out.int(e.count as i64);
        out.bulk(b"reason");
        out.bulk(e.reason.name().as_bytes());
        out.bulk(b"context");
        out.bulk(e.context.as_bytes());
        out.bulk(b"object");
        out.bulk(&e.object);
        out.bulk(b"username");
        out.bulk(&e.username);
        out.bulk(b"age-seconds");
        out.double((now - e.updated_ms) as f64 / 1000.0);
        out.bulk(b"client-info");
        out.bulk(e.client_info.as_bytes());
        out.bulk(b"entry-id");
        out.int(e.entry_id as i64);
        out.bulk(b"timestamp-created");
        out.int(e.created_ms);
        out.bulk(b"timestamp-last-updated");
        out.int(e.updated_ms);
    }
    Ok(())
}

/// ACL DRYRUN username command [arg ...]: would the user be allowed to run it?
pub fn dryrun(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let Some(u) = ctx.shared.acl.get(&args[2]) else {
        return Err(CmdError::Other(format!(
            "User '{}' not found",
            arg_for_error(&args[2], usize::MAX)
        )));
    };
    let target = &args[3..];
    let spec = resolve(target).map_err(|_| {
        CmdError::Other(format!(
            "Command '{}' not found",
            arg_for_error(&target[0], usize::MAX)
        ))
    })?;
    if !spec.arity_ok(target.len()) {
        return Err(CmdError::Other(format!(
            "wrong number of arguments for '{}' command",
            spec.name
        )));
    }
    match u.def().check(spec, target) {
        Ok(()) => ctx.out.ok(),
        Err(Denied::Command) => ctx.out.bulk(
            format!(
                "User {} has no permissions to run the '{}' command",
                u.name, spec.name
            )
            .as_bytes(),
        ),
        Err(Denied::Key(i)) => ctx.out.bulk(
            format!(
                "User {} has no permissions to access the '{}' key",
                u.name,
                arg_for_error(&target[i], usize::MAX)
            )
            .as_bytes(),
        ),
        Err(Denied::Channel(i)) => ctx.out.bulk(
            format!(
                "User {} has no permissions to access the '{}' channel",
                u.name,
                arg_for_error(&target[i], usize::MAX)
            )
            .as_bytes(),
        ),
    }
    Ok(())
}

/// The `aclfile` path, or Redis's error when none is configured.
fn aclfile(ctx: &Ctx<'_>) -> Result<String, CmdError> {
    let path = ctx.shared.config().aclfile.clone();
    if path.is_empty() {
        return Err(CmdError::Other("This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.".into()));
    }
    Ok(path)
}

/// ACL LOAD: replaces the users with the ACL file's.
pub fn load(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let path = aclfile(ctx)?;
    let fallout = ctx.shared.acl.load_file(&path).map_err(CmdError::Other)?;
    apply_fallout(ctx, fallout);
    ctx.out.ok();
    Ok(())
}

/// ACL SAVE: writes the users to the ACL file.
pub fn save(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let path = aclfile(ctx)?;
    if let Err(e) = ctx.shared.acl.save_file(&path) {
        tracing::warn!("Saving ACL file {path}: {e}");
        return Err(CmdError::Other("There was an error trying to save the ACLs. Please check the server logs for more information".into()));
    }
    ctx.out.ok();
    Ok(())
}

/// ACL HELP
pub fn help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    super::server::help_reply(
        ctx,
        "ACL",
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    );
    Ok(())
}

/// Makes `user` the connection's user after a successful AUTH or HELLO AUTH.
pub fn log_in(ctx: &mut Ctx<'_>, user: Arc<crate::acl::User>) {
    ctx.conn.authenticated = true;
    ctx.conn.handle.info().user = user.name.clone();
    ctx.conn.user = user;
}

/// Checks a username/password pair; a failure is logged and answered with WRONGPASS.
pub fn authenticate(
    ctx: &Ctx<'_>,
    args: &[Bytes],
    name: &[u8],
    pass: &[u8],
) -> Result<Arc<crate::acl::User>, CmdError> {
    ctx.shared.acl.authenticate(name, pass).ok_or_else(|| {
        let command = if eq_ic(&args[0], "hello") {
            "hello"
        } else {
            "auth"
        };
        log_denial(ctx, command, Reason::Auth, &args[0], name);
        CmdError::Coded("WRONGPASS invalid username-password pair or user is disabled.".into())
    })
}

#[rustfmt::skip]
static ACL_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!("acl|cat", -2, ["noscript", "loading", "stale"], 0, 0, 0, ["slow"], "server", "6.0.0", "Lists the ACL categories, or the commands inside a category.", cat),
    cmd!("acl|deluser", -3, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Deletes ACL users, and terminates their connections.", deluser),
    cmd!("acl|dryrun", -4, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "7.0.0", "Simulates the execution of a command by a user, without executing the command.", dryrun),
    cmd!("acl|genpass", -2, ["noscript", "loading", "stale"], 0, 0, 0, ["slow"], "server", "6.0.0", "Generates a pseudorandom, secure password that can be used to identify ACL users.", genpass),
    cmd!("acl|getuser", 3, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Lists the ACL rules of a user.", getuser),
    cmd!("acl|list", 2, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Dumps the effective rules in ACL file format.", list),
    cmd!("acl|load", 2, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Reloads the rules from the configured ACL file.", load),
    cmd!("acl|log", -2, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Lists recent security events generated due to ACL rules.", log),
    cmd!("acl|save", 2, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Saves the effective ACL rules in the configured ACL file.", save),
    cmd!("acl|setuser", -3, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Creates and modifies an ACL user and its rules.", setuser),
    cmd!("acl|users", 2, ["admin", "noscript", "loading", "stale"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "6.0.0", "Lists all ACL users.", users),
    cmd!("acl|whoami", 2, ["noscript", "loading", "stale"], 0, 0, 0, ["slow"], "server", "6.0.0", "Returns the authenticated username of the current connection.", whoami),
    cmd!("acl|help", 2, ["loading", "stale"], 0, 0, 0, ["slow"], "server", "6.0.0", "Returns helpful text about the different subcommands.", help),
];

/// The ACL container command.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "acl",
    arity: -2,
    flags: &[],
    first_key: 0,
    last_key: 0,
    step: 0,
    categories: &["slow"],
    group: "server",
    since: "6.0.0",
    summary: "A container for Access List Control commands.",
    handler: super::table::container,
    subcommands: ACL_SUBCOMMANDS,
}];
