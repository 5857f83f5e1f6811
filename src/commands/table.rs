//! The command table, modelled on Redis's: every command Herald implements with its arity,
//! flags, key positions and ACL categories. Dispatch, COMMAND INFO/DOCS/COUNT/LIST/GETKEYS and
//! (later) ACL categories all read this one table.

use super::{client, connection, keys, pubsub, server, transactions, CmdResult, Ctx};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A command handler.
pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> CmdResult;

/// One command or subcommand.
pub struct CommandSpec {
    /// Lower-case name; subcommands are `container|sub` as Redis's `fullname`.
    pub name: &'static str,
    /// Redis arity: N means exactly N arguments including the name, -N means at least N.
    pub arity: i32,
    /// Redis command flags (`write`, `readonly`, `fast`, `pubsub`, `no_auth`, ...).
    pub flags: &'static [&'static str],
    /// Position of the first key (0 = no keys).
    pub first_key: i32,
    /// Position of the last key (-1 = the last argument).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// ACL categories, without the leading `@`.
    pub categories: &'static [&'static str],
    /// Documentation group (COMMAND DOCS).
    pub group: &'static str,
    /// Version of Redis that introduced the command.
    pub since: &'static str,
    /// One-line summary (COMMAND DOCS).
    pub summary: &'static str,
    /// The implementation.
    pub handler: Handler,
    /// Subcommands of a container command (CLIENT, CONFIG, ...).
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// True if `argc` arguments (including the name) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// True if the command has the flag.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    /// For a subcommand, the container's name (the part before `|`); else the name itself.
    pub fn base_name(&self) -> &'static str {
        self.name.split('|').next().unwrap_or(self.name)
    }

    /// For a subcommand, the part after `|`.
    pub fn subname(&self) -> &'static str {
        self.name.rsplit('|').next().unwrap_or(self.name)
    }

    /// Positions of the keys in `args`, following first/last/step.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        if self.first_key <= 0 {
            return Vec::new();
        }
        let first = self.first_key as usize;
        let last = if self.last_key < 0 {
            argc as i64 + i64::from(self.last_key)
        } else {
            i64::from(self.last_key)
        };
        let step = self.step.max(1) as usize;
        let mut out = Vec::new();
        let mut i = first;
        while (i as i64) <= last && i < argc {
            out.push(i);
            i += step;
        }
        out
    }
}

/// The handler of a container command itself (never run).
pub(crate) fn container(_: &mut Ctx<'_>, _: &[Bytes]) -> CmdResult {
    // Never reached: dispatch resolves a subcommand or reports arity first.
    Err(super::CmdError::Syntax)
}

/// Builds a [`CommandSpec`]: name, arity, [flags], first key, last key, step, [ACL categories],
/// doc group, since, summary, handler.
macro_rules! cmd {
    ($name:expr, $arity:expr, [$($flag:expr),*], $first:expr, $last:expr, $step:expr,
     [$($cat:expr),*], $group:expr, $since:expr, $summary:expr, $handler:expr) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: &[$($flag),*],
            first_key: $first,
            last_key: $last,
            step: $step,
            categories: &[$($cat),*],
            group: $group,
            since: $since,
            summary: $summary,
            handler: $handler,
            subcommands: &[],
        }
    };
}

/// Lets each command group's module build its own table with the same macro.
#[allow(unused_imports)] // used by the command-group modules as they are added
pub(crate) use cmd;

macro_rules! container {
    ($name:expr, [$($cat:expr),*], $group:expr, $since:expr, $summary:expr, $subs:expr) => {
        CommandSpec {
            name: $name,
            arity: -2,
            flags: &[],
            first_key: 0,
            last_key: 0,
            step: 0,
            categories: &[$($cat),*],
            group: $group,
            since: $since,
            summary: $summary,
            handler: container,
            subcommands: $subs,
        }
    };
}

static CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!(
        "client|id",
        2,
        ["noscript", "loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "connection",
        "5.0.0",
        "Returns the unique client ID of the connection.",
        client::id
    ),
    cmd!(
        "client|setname",
        3,
        ["noscript", "loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "connection",
        "2.6.9",
        "Sets the connection name.",
        client::setname
    ),
    cmd!(
        "client|getname",
        2,
        ["noscript", "loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "connection",
        "2.6.9",
        "Returns the name of the connection.",
        client::getname
    ),
    cmd!(
        "client|list",
        -2,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous", "connection"],
        "connection",
        "2.4.0",
        "Lists open connections.",
        client::list
    ),
    cmd!(
        "client|info",
        2,
        ["noscript", "loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "connection",
        "6.2.0",
        "Returns information about the connection.",
        client::info
    ),
    cmd!(
        "client|kill",
        -3,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous", "connection"],
        "connection",
        "2.4.0",
        "Terminates open connections.",
        client::kill
    ),
    cmd!(
        "client|setinfo",
        4,
        ["noscript", "loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "connection",
        "7.2.0",
        "Sets information specific to the client or connection.",
        client::setinfo
    ),
    cmd!(
        "client|reply",
        3,
        ["noscript", "loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "connection",
        "3.2.0",
        "Instructs the server whether to reply to commands.",
        client::reply
    ),
    cmd!(
        "client|help",
        2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "connection",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        client::help
    ),
    cmd!(
        "client|unblock",
        -3,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous", "connection"],
        "connection",
        "5.0.0",
        "Unblocks a client blocked by a blocking command from a different connection.",
        super::blocking::client_unblock
    ),
];

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!(
        "config|get",
        -3,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous"],
        "server",
        "2.0.0",
        "Returns the effective values of configuration parameters.",
        server::config_get
    ),
    cmd!(
        "config|set",
        -4,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous"],
        "server",
        "2.0.0",
        "Sets configuration parameters in-flight.",
        server::config_set
    ),
    cmd!(
        "config|resetstat",
        2,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous"],
        "server",
        "2.0.0",
        "Resets the server's statistics.",
        server::config_resetstat
    ),
    cmd!(
        "config|help",
        2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow"],
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        server::config_help
    ),
];

static COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!(
        "command|count",
        2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "server",
        "2.8.13",
        "Returns a count of commands.",
        server::command_count
    ),
    cmd!(
        "command|info",
        -2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "server",
        "2.8.13",
        "Returns information about one, multiple or all commands.",
        server::command_info
    ),
    cmd!(
        "command|docs",
        -2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "server",
        "7.0.0",
        "Returns documentary information about one, multiple or all commands.",
        server::command_docs
    ),
    cmd!(
        "command|list",
        -2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "server",
        "7.0.0",
        "Returns a list of command names.",
        server::command_list
    ),
    cmd!(
        "command|getkeys",
        -3,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "server",
        "2.8.13",
        "Extracts the key names from an arbitrary command.",
        server::command_getkeys
    ),
    cmd!(
        "command|help",
        2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow", "connection"],
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        server::command_help
    ),
];

static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!(
        "pubsub|channels",
        -2,
        ["pubsub", "loading", "stale"],
        0,
        0,
        0,
        ["pubsub", "slow"],
        "pubsub",
        "2.8.0",
        "Returns the active channels.",
        pubsub::channels
    ),
    cmd!(
        "pubsub|numsub",
        -2,
        ["pubsub", "loading", "stale"],
        0,
        0,
        0,
        ["pubsub", "slow"],
        "pubsub",
        "2.8.0",
        "Returns a count of subscribers to channels.",
        pubsub::numsub
    ),
    cmd!(
        "pubsub|numpat",
        2,
        ["pubsub", "loading", "stale"],
        0,
        0,
        0,
        ["pubsub", "slow"],
        "pubsub",
        "2.8.0",
        "Returns a count of unique pattern subscriptions.",
        pubsub::numpat
    ),
    cmd!(
        "pubsub|shardchannels",
        -2,
        ["pubsub", "loading", "stale"],
        0,
        0,
        0,
        ["pubsub", "slow"],
        "pubsub",
        "7.0.0",
        "Returns the active shard channels.",
        pubsub::shardchannels
    ),
    cmd!(
        "pubsub|shardnumsub",
        -2,
        ["pubsub", "loading", "stale"],
        0,
        0,
        0,
        ["pubsub", "slow"],
        "pubsub",
        "7.0.0",
        "Returns the count of subscribers of shard channels.",
        pubsub::shardnumsub
    ),
    cmd!(
        "pubsub|help",
        2,
        ["loading", "stale"],
        0,
        0,
        0,
        ["slow"],
        "pubsub",
        "6.2.0",
        "Returns helpful text about the different subcommands.",
        pubsub::help
    ),
];

static DEBUG_SUBCOMMANDS: &[CommandSpec] = &[
    cmd!(
        "debug|sleep",
        3,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous"],
        "server",
        "1.0.0",
        "Pauses the connection for a number of seconds.",
        server::debug_sleep
    ),
    cmd!(
        "debug|set-active-expire",
        3,
        ["admin", "noscript", "loading", "stale"],
        0,
        0,
        0,
        ["admin", "slow", "dangerous"],
        "server",
        "1.0.0",
        "Turns the active expiry cycle on (1) or off (0).",
        server::debug_set_active_expire
    ),
];

/// Connection, server and Pub/Sub commands, and the generic key commands.
#[rustfmt::skip]
static CORE_COMMANDS: &[CommandSpec] = &[
    // Connection
    cmd!("ping", -1, ["fast"], 0, 0, 0, ["fast", "connection"], "connection", "1.0.0", "Returns the server's liveliness response.", connection::ping),
    cmd!("echo", 2, ["fast"], 0, 0, 0, ["fast", "connection"], "connection", "1.0.0", "Returns the given string.", connection::echo),
    cmd!("quit", -1, ["allow_busy", "noscript", "loading", "stale", "fast", "no_auth"], 0, 0, 0, ["fast", "connection"], "connection", "1.0.0", "Closes the connection.", connection::quit),
    cmd!("reset", 1, ["noscript", "loading", "stale", "fast", "no_auth"], 0, 0, 0, ["fast", "connection"], "connection", "6.2.0", "Resets the connection.", connection::reset),
    cmd!("hello", -1, ["noscript", "loading", "stale", "fast", "no_auth"], 0, 0, 0, ["fast", "connection"], "connection", "6.0.0", "Handshakes with the Redis server.", connection::hello),
    cmd!("auth", -2, ["noscript", "loading", "stale", "fast", "no_auth"], 0, 0, 0, ["fast", "connection"], "connection", "1.0.0", "Authenticates the connection.", connection::auth),
    cmd!("select", 2, ["loading", "stale", "fast"], 0, 0, 0, ["fast", "connection"], "connection", "1.0.0", "Changes the selected database.", connection::select),
    container!("client", ["slow"], "connection", "2.4.0", "A container for client connection commands.", CLIENT_SUBCOMMANDS),
    // Server
    cmd!("info", -1, ["loading", "stale"], 0, 0, 0, ["slow", "dangerous"], "server", "1.0.0", "Returns information and statistics about the server.", server::info),
    container!("config", ["slow"], "server", "2.0.0", "A container for server configuration commands.", CONFIG_SUBCOMMANDS),
    CommandSpec {
        arity: -1,
        flags: &["loading", "stale"],
        handler: server::command_all,
        ..container!("command", ["slow", "connection"], "server", "2.8.13", "Returns detailed information about all commands.", COMMAND_SUBCOMMANDS)
    },
    cmd!("time", 1, ["loading", "stale", "fast"], 0, 0, 0, ["fast"], "server", "2.6.0", "Returns the server time.", server::time),
    cmd!("dbsize", 1, ["readonly", "fast"], 0, 0, 0, ["keyspace", "read", "fast"], "server", "1.0.0", "Returns the number of keys in the database.", server::dbsize),
    cmd!("flushall", -1, ["write"], 0, 0, 0, ["keyspace", "write", "slow", "dangerous"], "server", "1.0.0", "Removes all keys from all databases.", server::flushall),
    cmd!("flushdb", -1, ["write"], 0, 0, 0, ["keyspace", "write", "slow", "dangerous"], "server", "1.0.0", "Remove all keys from the current database.", server::flushdb),
    cmd!("shutdown", -1, ["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"], 0, 0, 0, ["admin", "slow", "dangerous"], "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.", server::shutdown),
    container!("debug", ["admin", "slow", "dangerous"], "server", "1.0.0", "A container for debugging commands.", DEBUG_SUBCOMMANDS),
    // Pub/Sub
    cmd!("subscribe", -2, ["pubsub", "noscript", "loading", "stale"], 0, 0, 0, ["pubsub", "slow"], "pubsub", "2.0.0", "Listens for messages published to channels.", pubsub::subscribe),
    cmd!("unsubscribe", -1, ["pubsub", "noscript", "loading", "stale"], 0, 0, 0, ["pubsub", "slow"], "pubsub", "2.0.0", "Stops listening to messages posted to channels.", pubsub::unsubscribe),
    cmd!("psubscribe", -2, ["pubsub", "noscript", "loading", "stale"], 0, 0, 0, ["pubsub", "slow"], "pubsub", "2.0.0", "Listens for messages published to channels that match one or more patterns.", pubsub::psubscribe),
    cmd!("punsubscribe", -1, ["pubsub", "noscript", "loading", "stale"], 0, 0, 0, ["pubsub", "slow"], "pubsub", "2.0.0", "Stops listening to messages published to channels that match one or more patterns.", pubsub::punsubscribe),
    cmd!("publish", 3, ["pubsub", "loading", "stale", "fast", "may_replicate"], 0, 0, 0, ["pubsub", "fast"], "pubsub", "2.0.0", "Posts a message to a channel.", pubsub::publish),
    cmd!("ssubscribe", -2, ["pubsub", "noscript", "loading", "stale"], 1, -1, 1, ["pubsub", "slow"], "pubsub", "7.0.0", "Listens for messages published to shard channels.", pubsub::ssubscribe),
    cmd!("sunsubscribe", -1, ["pubsub", "noscript", "loading", "stale"], 1, -1, 1, ["pubsub", "slow"], "pubsub", "7.0.0", "Stops listening to messages posted to shard channels.", pubsub::sunsubscribe),
    cmd!("spublish", 3, ["pubsub", "loading", "stale", "fast", "may_replicate"], 1, 1, 1, ["pubsub", "fast"], "pubsub", "7.0.0", "Post a message to a shard channel", pubsub::spublish),
    container!("pubsub", ["slow"], "pubsub", "2.8.0", "A container for Pub/Sub commands.", PUBSUB_SUBCOMMANDS),
    // Transactions
    cmd!("multi", 1, ["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0, ["fast", "transaction"], "transactions", "1.2.0", "Starts a transaction.", transactions::multi),
    cmd!("exec", 1, ["noscript", "loading", "stale", "skip_slowlog"], 0, 0, 0, ["slow", "transaction"], "transactions", "1.2.0", "Executes all commands in a transaction.", transactions::exec),
    cmd!("discard", 1, ["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0, ["fast", "transaction"], "transactions", "2.0.0", "Discards a transaction.", transactions::discard),
    cmd!("watch", -2, ["noscript", "loading", "stale", "fast", "allow_busy"], 1, -1, 1, ["fast", "transaction"], "transactions", "2.2.0", "Monitors changes to keys to determine the execution of a transaction.", transactions::watch),
    cmd!("unwatch", 1, ["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0, ["fast", "transaction"], "transactions", "2.2.0", "Forgets about watched keys of a transaction.", transactions::unwatch),
    // Keyspace
    cmd!("del", -2, ["write"], 1, -1, 1, ["keyspace", "write", "slow"], "generic", "1.0.0", "Deletes one or more keys.", keys::del),
    cmd!("exists", -2, ["readonly", "fast"], 1, -1, 1, ["keyspace", "read", "fast"], "generic", "1.0.0", "Determines whether one or more keys exist.", keys::exists),
];

/// Command groups, each a table of its own (as Redis keeps one JSON file per command): a new
/// group of commands is one more entry here.
static GROUPS: &[&[CommandSpec]] = &[
    CORE_COMMANDS,
    super::lists::COMMANDS,
    super::strings::COMMANDS,
    super::sets::COMMANDS,
    super::hashes::COMMANDS,
    super::zsets::COMMANDS,
    super::streams::COMMANDS,
    super::blocking::COMMANDS,
    super::keys::COMMANDS,
    super::acl::COMMANDS,
    super::persistence::COMMANDS,
];

/// Every top-level command, in table order.
pub fn all_commands() -> &'static [&'static CommandSpec] {
    static ALL: OnceLock<Vec<&'static CommandSpec>> = OnceLock::new();
    ALL.get_or_init(|| GROUPS.iter().flat_map(|g| g.iter()).collect())
}

/// Finds a top-level command by lower-case name.
pub fn lookup(name: &str) -> Option<&'static CommandSpec> {
    static INDEX: OnceLock<
        HashMap<&'static str, &'static CommandSpec, foldhash::fast::RandomState>,
    > = OnceLock::new();
    INDEX
        .get_or_init(|| all_commands().iter().map(|c| (c.name, *c)).collect())
        .get(name)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for c in all_commands() {
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert!(seen.insert(c.name), "duplicate {}", c.name);
            for s in c.subcommands {
                assert!(s.name.starts_with(&format!("{}|", c.name)));
            }
        }
    }

    #[test]
    fn arity_rules() {
        let get = lookup("get").unwrap();
        assert!(get.arity_ok(2));
        assert!(!get.arity_ok(3));
        let ping = lookup("ping").unwrap();
        assert!(ping.arity_ok(1) && ping.arity_ok(2));
        assert_eq!(lookup("del").unwrap().key_positions(4), vec![1, 2, 3]);
    }
}
