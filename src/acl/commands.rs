//! What ACL rules name: every command and subcommand of the command table with a dense id (the
//! bit it occupies in a user's permissions), and Redis's ACL categories.

use crate::commands::{all_commands, lookup, CommandSpec};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Redis's ACL categories, in the order ACL CAT lists them.
pub const CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Commands and subcommands by id.
pub struct CommandIds {
    specs: Vec<&'static CommandSpec>,
    by_name: HashMap<&'static str, usize>,
}

impl CommandIds {
    /// Number of ids.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// True if the table is empty (never, in practice).
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// The id of a command or subcommand.
    pub fn id(&self, spec: &CommandSpec) -> Option<usize> {
        self.by_name.get(spec.name).copied()
    }

    /// Every command and subcommand in a category (`@all` is every one), containers before
    /// their subcommands.
    pub fn with_category<'a>(
        &'a self,
        cat: &'a str,
    ) -> impl Iterator<Item = &'static CommandSpec> + 'a {
        self.specs
            .iter()
            .copied()
            .filter(move |s| cat == "all" || s.categories.contains(&cat))
    }
}

/// The id table, built once from the command table.
pub fn ids() -> &'static CommandIds {
    static IDS: OnceLock<CommandIds> = OnceLock::new();
    IDS.get_or_init(|| {
        let mut specs = Vec::new();
        for c in all_commands() {
            specs.push(*c);
            specs.extend(c.subcommands.iter());
        }
        let by_name = specs.iter().enumerate().map(|(i, s)| (s.name, i)).collect();
        CommandIds { specs, by_name }
    })
}

/// Finds a command (`get`) or subcommand (`config|get`) by name, any case.
pub fn lookup_acl(name: &str) -> Option<&'static CommandSpec> {
    let lower = name.to_ascii_lowercase();
    let mut parts = lower.split('|');
    let base = lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) => base.subcommands.iter().find(|s| s.subname() == sub),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(lookup_acl("GET").map(|s| s.name), Some("get"));
        assert_eq!(lookup_acl("config|GET").map(|s| s.name), Some("config|get"));
        assert!(lookup_acl("config|nope").is_none());
        assert!(lookup_acl("get|x").is_none());
        assert!(ids().len() > 100);
        assert!(ids().with_category("pubsub").any(|s| s.name == "publish"));
    }
}
