//! Server commands: INFO, CONFIG, COMMAND, TIME, DBSIZE, FLUSHALL, FLUSHDB, SHUTDOWN, DEBUG.

use super::{all_commands, arg_for_error, eq_ic, resolve, CmdError, CmdResult, CommandSpec, Ctx};
use crate::config::{ConfigError, HERALD_VERSION, REDIS_COMPAT_VERSION};
use crate::pubsub::glob::glob_match;
use crate::pubsub::ChannelKind;
use bytes::Bytes;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Writes Redis's HELP reply: a header line, the given lines, and the HELP entry.
pub fn help_reply(ctx: &mut Ctx<'_>, command: &str, lines: &[&str]) {
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(&format!(
        "{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        ctx.out.simple(l);
    }
    ctx.out.simple("HELP");
    ctx.out.simple("    Print this help.");
}

fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / 1024.0 / 1024.0)
    } else {
        format!("{:.2}G", n / 1024.0 / 1024.0 / 1024.0)
    }
}

const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "keyspace",
];

/// Renders the INFO text for the requested sections.
pub fn info_text(ctx: &Ctx<'_>, requested: &[Bytes]) -> String {
    let mut sections: Vec<&str> = Vec::new();
    if requested.is_empty() {
        sections.extend(DEFAULT_SECTIONS);
    }
    for r in requested {
        let r = String::from_utf8_lossy(r).to_ascii_lowercase();
        match r.as_str() {
            "all" | "everything" | "default" => sections.extend(DEFAULT_SECTIONS),
            other => {
                if let Some(s) = DEFAULT_SECTIONS.iter().find(|s| **s == other) {
                    sections.push(s);
                }
            }
        }
    }
    let shared = ctx.shared;
    let mut out = String::new();
    let mut seen = std::collections::HashSet::new();
    for section in sections {
        if !seen.insert(section) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let mut s = String::new();
        match section {
            "server" => {
                let uptime = shared.started.elapsed().as_secs();
                let _ = write!(
                    s,
                    "# Server\r\nredis_version:{REDIS_COMPAT_VERSION}\r\nherald_version:{HERALD_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:{}\r\nmultiplexing_api:epoll\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nexecutable:{}\r\nconfig_file:\r\n",
                    std::env::consts::OS,
                    std::env::consts::ARCH,
                    usize::BITS,
                    std::process::id(),
                    shared.run_id,
                    shared.tcp_port,
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_micros()),
                    uptime,
                    uptime / 86400,
                    shared.config().hz,
                    std::env::current_exe()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                );
            }
            "clients" => {
                let clients = shared.clients.snapshot();
                let pubsub = clients
                    .iter()
                    .filter(|c| c.class() == crate::config::ClientClass::Pubsub)
                    .count();
                let _ = write!(
                    s,
                    "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\ntracking_clients:0\r\npubsub_clients:{}\r\nwatching_clients:0\r\nclients_in_timeout_table:{}\r\ntotal_watched_keys:0\r\ntotal_blocking_keys:{}\r\ntotal_blocking_keys_on_nokey:0\r\n",
                    clients.len(),
                    shared.config().maxclients,
                    clients.iter().map(|c| c.outbox.pending_bytes()).max().unwrap_or(0),
                    shared.blocking.blocked_clients(),
                    pubsub,
                    shared.blocking.clients_in_timeout_table(),
                    shared.blocking.total_blocking_keys(),
                );
            }
            "memory" => {
                let used = crate::memory::used_memory();
                let rss = crate::memory::rss_bytes();
                let maxmemory = shared.hot.maxmemory.load(Ordering::Relaxed);
                let _ = write!(
                    s,
                    "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nmaxmemory:{maxmemory}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_allocator:{}\r\n",
                    human_bytes(used),
                    human_bytes(rss),
                    human_bytes(maxmemory),
                    crate::config::MaxmemoryPolicy::from_u8(
                        shared.hot.maxmemory_policy.load(Ordering::Relaxed)
                    )
                    .name(),
                    crate::memory::allocator_name(),
                );
            }
            "persistence" => {
                s.push_str(&crate::persistence::info_section(ctx.shared));
            }
            "stats" => {
                let st = &shared.stats;
                let expiry = crate::server::expiry::stats(shared);
                let _ = write!(
                    s,
                    "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nexpired_subkeys:{}\r\nexpired_stale_perc:{:.2}\r\nexpired_time_cap_reached_count:{}\r\nexpire_cycle_cpu_milliseconds:{}\r\nevicted_keys:{}\r\nevicted_clients:0\r\nkeyspace_hits:0\r\nkeyspace_misses:0\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\npubsub_messages_published:{}\r\nclient_output_buffer_limit_disconnections:{}\r\ntotal_error_replies:{}\r\n",
                    st.connections_received.load(Ordering::Relaxed),
                    st.commands_processed.load(Ordering::Relaxed),
                    st.net_input_bytes.load(Ordering::Relaxed),
                    st.net_output_bytes.load(Ordering::Relaxed),
                    st.rejected_connections.load(Ordering::Relaxed),
                    expiry.expired_keys.load(Ordering::Relaxed),
                    expiry.expired_subkeys.load(Ordering::Relaxed),
                    expiry.stale_perc() * 100.0,
                    expiry.expired_time_cap_reached_count.load(Ordering::Relaxed),
                    expiry.expire_cycle_time_used_us.load(Ordering::Relaxed) / 1000,
                    st.evicted_keys.load(Ordering::Relaxed),
                    shared.pubsub.channel_count(ChannelKind::Plain),
                    shared.pubsub.pattern_count(),
                    shared.pubsub.channel_count(ChannelKind::Shard),
                    st.pubsub_messages.load(Ordering::Relaxed),
                    st.output_limit_disconnections.load(Ordering::Relaxed),
                    st.total_error_replies.load(Ordering::Relaxed),
                );
                // Redis 7.4 names the shard count `pubsubshard_channels`; the tools
                // also look for `pubsub_shardchannels`, so report both.
                let _ = write!(
                    s,
                    "pubsub_shardchannels:{}\r\nlatest_fork_usec:{}\r\n",
                    shared.pubsub.channel_count(ChannelKind::Shard),
                    shared.persistence.latest_fork_usec()
                );
                crate::commands::acl::info_stats(shared, &mut s);
            }
            "replication" => {
                s.push_str("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\n");
            }
            "cpu" => {
                s.push_str("# CPU\r\n");
            }
            "keyspace" => {
                s.push_str("# Keyspace\r\n");
                let ks = shared.keyspace();
                for (i, db) in ks.iter() {
                    if !db.is_empty() {
                        let _ = write!(
                            s,
                            "db{i}:keys={},expires={},avg_ttl={},subexpiry=0\r\n",
                            db.len(),
                            db.expiring(),
                            db.avg_ttl()
                        );
                    }
                }
            }
            _ => {}
        }
        out.push_str(&s);
    }
    out
}

/// INFO [section ...]
pub fn info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let text = info_text(ctx, &args[1..]);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// CONFIG GET parameter [parameter ...]
pub fn config_get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let patterns: Vec<&[u8]> = args[2..].iter().map(|a| &a[..]).collect();
    let pairs = ctx.shared.config().get_matching(&patterns);
    ctx.out.map(pairs.len());
    for (name, value) in pairs {
        ctx.out.bulk(name.as_bytes());
        ctx.out.bulk(value.as_bytes());
    }
    Ok(())
}

/// CONFIG SET parameter value [parameter value ...], all or nothing.
pub fn config_set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if !args.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let mut cfg = ctx.shared.config().clone();
    let mut seen = std::collections::HashSet::new();
    for pair in args[2..].chunks(2) {
        let typed = String::from_utf8_lossy(&pair[0]).into_owned();
        let name = typed.to_ascii_lowercase();
        if !seen.insert(name.clone()) {
            return Err(CmdError::Other(format!(
                "CONFIG SET failed (possibly related to argument '{typed}') - duplicate parameter"
            )));
        }
        let value = String::from_utf8_lossy(&pair[1]).into_owned();
        match cfg.set_runtime(&name, &value) {
            Ok(()) => {}
            Err(ConfigError::UnknownDirective(_)) => {
                return Err(CmdError::Other(format!(
                    "Unknown option or number of arguments for CONFIG SET - '{}'",
                    arg_for_error(&pair[0], 128)
                )))
            }
            Err(e) => {
                return Err(CmdError::Other(format!(
                    "CONFIG SET failed (possibly related to argument '{typed}') - {e}"
                )))
            }
        }
    }
    // Changed TLS settings must load (certificates, keys) before anything is applied; new TLS
    // connections then use them, existing ones keep their session.
    if cfg.tls.port != 0 && cfg.tls != ctx.shared.config().tls {
        if let Err(e) = ctx.shared.tls.reload(&cfg.tls) {
            tracing::warn!("Failed to configure TLS: {e}");
            let typed = args[2..]
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(&pair[0]).into_owned())
                .find(|name| name.to_ascii_lowercase().starts_with("tls-"))
                .unwrap_or_default();
            return Err(CmdError::Other(format!(
                "CONFIG SET failed (possibly related to argument '{typed}') - Unable to update TLS configuration. Check server logs."
            )));
        }
    }
    if cfg.tls.port != ctx.shared.config().tls.port {
        if let Err(e) = ctx.shared.set_tls_port(&cfg) {
            tracing::warn!("Failed to listen on tls-port {}: {e}", cfg.tls.port);
            return Err(CmdError::Other(
                "CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.".into(),
            ));
        }
    }
    *ctx.shared.config_mut() = cfg;
    ctx.shared.config_changed();
    ctx.out.ok();
    Ok(())
}

/// CONFIG RESETSTAT
pub fn config_resetstat(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.shared.stats.reset();
    crate::server::expiry::stats(ctx.shared).reset();
    ctx.out.ok();
    Ok(())
}

/// CONFIG HELP
pub fn config_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    help_reply(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
        ],
    );
    Ok(())
}

fn command_info_entry(ctx: &mut Ctx<'_>, c: &CommandSpec) {
    let out = &mut *ctx.out;
    out.array(10);
    out.bulk(c.name.as_bytes());
    out.int(i64::from(c.arity));
    out.set(c.flags.len());
    for f in c.flags {
        out.simple(f);
    }
    out.int(i64::from(c.first_key));
    out.int(i64::from(c.last_key));
    out.int(i64::from(c.step));
    out.set(c.categories.len());
    for cat in c.categories {
        out.simple(&format!("@{cat}"));
    }
    out.array(0); // tips
    out.array(0); // key specs
    out.array(c.subcommands.len());
    for s in c.subcommands {
        command_info_entry(ctx, s);
    }
}

/// COMMAND (no subcommand): information about every command.
pub fn command_all(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.array(all_commands().len());
    for c in all_commands() {
        command_info_entry(ctx, c);
    }
    Ok(())
}

/// COMMAND COUNT
pub fn command_count(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    ctx.out.int(all_commands().len() as i64);
    Ok(())
}

/// Finds a command or `container|sub` by name, case-insensitively.
fn find_by_name(name: &[u8]) -> Option<&'static CommandSpec> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let (top, sub) = match lower.split_once('|') {
        Some((t, s)) => (t.to_string(), Some(s.to_string())),
        None => (lower, None),
    };
    let spec = super::lookup(&top)?;
    match sub {
        None => Some(spec),
        Some(s) => spec.subcommands.iter().find(|c| c.subname() == s),
    }
}

/// COMMAND INFO [command ...]
pub fn command_info(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 {
        return command_all(ctx, args);
    }
    ctx.out.array(args.len() - 2);
    for name in &args[2..] {
        match find_by_name(name) {
            Some(c) => command_info_entry(ctx, c),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

fn command_docs_entry(ctx: &mut Ctx<'_>, c: &CommandSpec) {
    let out = &mut *ctx.out;
    out.bulk(c.name.as_bytes());
    let fields = if c.subcommands.is_empty() { 3 } else { 4 };
    out.map(fields);
    out.bulk(b"summary");
    out.bulk(c.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(c.since.as_bytes());
    out.bulk(b"group");
    out.bulk(c.group.as_bytes());
    if !c.subcommands.is_empty() {
        out.bulk(b"subcommands");
        out.map(c.subcommands.len());
        for s in c.subcommands {
            command_docs_entry(ctx, s);
        }
    }
}

/// COMMAND DOCS [command ...]
pub fn command_docs(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let specs: Vec<&CommandSpec> = if args.len() == 2 {
        all_commands().to_vec()
    } else {
        args[2..].iter().filter_map(|a| find_by_name(a)).collect()
    };
    ctx.out.map(specs.len());
    for c in specs {
        command_docs_entry(ctx, c);
    }
    Ok(())
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
pub fn command_list(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let mut names: Vec<&str> = Vec::new();
    for c in all_commands() {
        names.push(c.name);
        names.extend(c.subcommands.iter().map(|s| s.name));
    }
    match args.len() {
        2 => {}
        5 if eq_ic(&args[2], "filterby") => {
            let v = &args[4];
            if eq_ic(&args[3], "module") {
                names.clear();
            } else if eq_ic(&args[3], "aclcat") {
                let cat = String::from_utf8_lossy(v).to_ascii_lowercase();
                names.retain(|n| {
                    find_by_name(n.as_bytes()).is_some_and(|c| c.categories.contains(&cat.as_str()))
                });
            } else if eq_ic(&args[3], "pattern") {
                names.retain(|n| glob_match(&v.to_ascii_lowercase(), n.as_bytes()));
            } else {
                return Err(CmdError::Syntax);
            }
        }
        _ => return Err(CmdError::Syntax),
    }
    ctx.out.bulk_array(&names);
    Ok(())
}

/// COMMAND GETKEYS command [arg ...]
pub fn command_getkeys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    let target = &args[2..];
    let spec = resolve(target).map_err(|_| CmdError::Other("Invalid command specified".into()))?;
    // Shard channels sit in key positions (for cluster routing) but are not keys.
    if spec.first_key <= 0 || spec.has_flag("pubsub") {
        return Err(CmdError::Other("The command has no key arguments".into()));
    }
    if !spec.arity_ok(target.len()) {
        return Err(CmdError::Other(
            "Invalid number of arguments specified for command".into(),
        ));
    }
    let keys = spec.key_positions(target.len());
    ctx.out.array(keys.len());
    for k in keys {
        ctx.out.bulk(&target[k]);
    }
    Ok(())
}

/// COMMAND HELP
pub fn command_help(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    help_reply(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
        ],
    );
    Ok(())
}

/// TIME
pub fn time(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk_int(now.as_secs() as i64);
    ctx.out.bulk_int(i64::from(now.subsec_micros()));
    Ok(())
}

/// DBSIZE
pub fn dbsize(ctx: &mut Ctx<'_>, _args: &[Bytes]) -> CmdResult {
    let n = ctx.shared.keyspace().db(ctx.conn.db).len();
    ctx.out.int(n as i64);
    Ok(())
}

fn flush_mode_ok(args: &[Bytes]) -> CmdResult {
    match args.len() {
        1 => Ok(()),
        2 if eq_ic(&args[1], "async") || eq_ic(&args[1], "sync") => Ok(()),
        _ => Err(CmdError::Syntax),
    }
}

/// FLUSHALL [ASYNC|SYNC]
pub fn flushall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    flush_mode_ok(args)?;
    ctx.shared.keyspace().clear_all();
    crate::persistence::after_flushall(ctx.shared);
    ctx.out.ok();
    Ok(())
}

/// FLUSHDB [ASYNC|SYNC]
pub fn flushdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    flush_mode_ok(args)?;
    ctx.shared.keyspace().db(ctx.conn.db).clear();
    ctx.out.ok();
    Ok(())
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
pub fn shutdown(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    use crate::persistence::ShutdownSave;
    let mut abort = false;
    let mut force = false;
    let (mut save, mut nosave) = (false, false);
    for a in &args[1..] {
        if eq_ic(a, "abort") {
            abort = true;
        } else if eq_ic(a, "nosave") {
            nosave = true;
        } else if eq_ic(a, "save") {
            save = true;
        } else if eq_ic(a, "force") {
            force = true;
        } else if !eq_ic(a, "now") {
            return Err(CmdError::Syntax);
        }
    }
    if save && nosave {
        return Err(CmdError::Syntax);
    }
    if abort {
        if args.len() > 2 {
            return Err(CmdError::Syntax);
        }
        return Err(CmdError::Other("No shutdown in progress.".into()));
    }
    tracing::warn!("User requested shutdown...");
    let mode = if nosave {
        ShutdownSave::NoSave
    } else if save {
        ShutdownSave::Save
    } else {
        ShutdownSave::Default
    };
    let me = Some(ctx.conn.handle.id);
    if let Err(e) = crate::persistence::on_shutdown(ctx.shared, mode, me) {
        if !force {
            tracing::warn!("Errors trying to shut down the server: {e}");
            return Err(CmdError::Other(
                "Errors trying to SHUTDOWN. Check logs.".into(),
            ));
        }
        crate::persistence::on_shutdown(ctx.shared, ShutdownSave::NoSave, me)
            .map_err(|e| CmdError::Other(e.to_string()))?;
    }
    // As in Redis, a successful SHUTDOWN closes the connection without a reply.
    ctx.conn.close_after_reply = true;
    Ok(())
}

/// DEBUG is refused unless `enable-debug-command` allows it for this client, as in Redis 7.
fn debug_allowed(ctx: &Ctx<'_>) -> CmdResult {
    let allowed = match ctx.shared.config().enable_debug_command.as_str() {
        "yes" => true,
        "local" => ctx.conn.handle.addr.ip().is_loopback(),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(CmdError::Other("DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.".into()))
    }
}

/// DEBUG SLEEP seconds: pauses this connection (the server keeps serving others).
pub fn debug_sleep(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    debug_allowed(ctx)?;
    let secs: f64 = std::str::from_utf8(&args[2])
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
        .unwrap_or(0.0);
    ctx.conn.sleep = Some(Duration::from_secs_f64(secs.min(3600.0)));
    ctx.out.ok();
    Ok(())
}

/// DEBUG SET-ACTIVE-EXPIRE 0|1: stops or restarts the active expiry cycle (tests use it to
/// observe lazy expiry alone, as Redis's test suite does).
pub fn debug_set_active_expire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> CmdResult {
    debug_allowed(ctx)?;
    let on = super::parse_int(&args[2])? != 0;
    ctx.shared.keyspace().set_active_expire(on);
    ctx.out.ok();
    Ok(())
}
