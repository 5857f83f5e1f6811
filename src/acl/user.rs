//! One ACL user's definition and Redis 7's rule language (`on`, `>pass`, `~keys`, `&chan`,
//! `+cmd`, `-@cat`, ...): applying rules, describing a user back in the same language, and
//! checking a command against the user's permissions.
//!
//! Rules are applied to a copy of the definition; the copy replaces the live one only when every
//! rule was valid, so a bad ACL SETUSER changes nothing (as in Redis).

use super::commands::{self, CommandIds};
use crate::commands::CommandSpec;
use crate::pubsub::glob::glob_match;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use thiserror::Error;

/// Read permission of a key pattern (`%R~`).
pub const KEY_READ: u8 = 1;
/// Write permission of a key pattern (`%W~`).
pub const KEY_WRITE: u8 = 2;
/// Both (`~`).
pub const KEY_ALL: u8 = KEY_READ | KEY_WRITE;

/// Why a rule could not be applied, with Redis's texts (ACLSetUserStringError).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RuleError {
    #[error("Unknown command or category name in ACL")]
    UnknownCommand,
    #[error("Syntax error")]
    Syntax,
    #[error("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")]
    KeyAfterAll,
    #[error("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")]
    ChannelAfterAll,
    #[error("The password you are trying to remove from the user does not exist")]
    NoSuchPassword,
    #[error("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")]
    BadHash,
    #[error("Allowing first-arg of a subcommand is not supported")]
    FirstArgOfSubcommand,
    #[error("Duplicate user found. A user can only be defined once in config files")]
    DuplicateUser,
}

/// A key pattern with its access flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPattern {
    /// [`KEY_READ`], [`KEY_WRITE`] or both.
    pub flags: u8,
    /// Glob pattern.
    pub pattern: Vec<u8>,
}

/// Command, key and channel permissions (Redis's root selector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// Every command is allowed (cleared by any rule that blocks one).
    pub all_commands: bool,
    /// Started from `+@all` rather than `-@all` (Redis's reserved "future commands" bit), which
    /// decides how the rules are described.
    future_commands: bool,
    /// One bit per command id (see [`CommandIds`]).
    allowed: Vec<u64>,
    /// `+cmd|firstarg` rules: command id to allowed first arguments.
    first_args: HashMap<usize, Vec<Vec<u8>>>,
    /// The command rules as given, minus redundant ones, to describe the user back.
    command_rules: String,
    /// `allkeys` / `~*`.
    pub all_keys: bool,
    /// Key patterns, in the order added.
    pub keys: Vec<KeyPattern>,
    /// `allchannels` / `&*`.
    pub all_channels: bool,
    /// Channel patterns, in the order added.
    pub channels: Vec<Vec<u8>>,
}

impl Selector {
    fn new(all_channels: bool) -> Self {
        Selector {
            all_commands: false,
            future_commands: false,
            allowed: vec![0; commands::ids().len().div_ceil(64)],
            first_args: HashMap::new(),
            command_rules: String::new(),
            all_keys: false,
            keys: Vec::new(),
            all_channels,
            channels: Vec::new(),
        }
    }

    fn bit(&self, id: usize) -> bool {
        self.allowed[id / 64] & (1 << (id % 64)) != 0
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if on {
            self.allowed[id / 64] |= 1 << (id % 64);
        } else {
            self.allowed[id / 64] &= !(1 << (id % 64));
            self.all_commands = false;
        }
    }

    /// Allows or blocks a command; a container's subcommands follow it (ACLChangeSelectorPerm).
    fn change_perm(&mut self, ids: &CommandIds, spec: &'static CommandSpec, allow: bool) {
        if let Some(id) = ids.id(spec) {
            self.set_bit(id, allow);
            self.first_args.remove(&id);
        }
        for sub in spec.subcommands {
            if let Some(id) = ids.id(sub) {
                self.set_bit(id, allow);
            }
        }
    }

    /// Records a command rule, dropping earlier rules it makes redundant (the same rule, or the
    /// subcommand rules of a whole command).
    fn update_rules(&mut self, rule: &str, allow: bool) {
        let rule = rule.to_ascii_lowercase();
        let kept: Vec<&str> = self
            .command_rules
            .split(' ')
            .filter(|r| !r.is_empty())
            .filter(|r| {
                let body = &r[1..];
                !(body == rule
                    || (body.len() > rule.len()
                        && body.starts_with(rule.as_str())
                        && body.as_bytes()[rule.len()] == b'|'))
            })
            .collect();
        let mut rules = kept.join(" ");
        if !rules.is_empty() {
            rules.push(' ');
        }
        rules.push(if allow { '+' } else { '-' });
        rules.push_str(&rule);
        self.command_rules = rules;
    }

    fn set_all_commands(&mut self, on: bool) {
        let fill = if on { u64::MAX } else { 0 };
        self.allowed.iter_mut().for_each(|w| *w = fill);
        self.all_commands = on;
        self.future_commands = on;
        self.command_rules.clear();
        self.first_args.clear();
    }

    /// Applies one selector rule (ACLSetSelector).
    fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        let ids = commands::ids();
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"allkeys" | b"~*" => {
                self.all_keys = true;
                self.keys.clear();
                return Ok(());
            }
            b"resetkeys" => {
                self.all_keys = false;
                self.keys.clear();
                return Ok(());
            }
            b"allchannels" | b"&*" => {
                self.all_channels = true;
                self.channels.clear();
                return Ok(());
            }
            b"resetchannels" => {
                self.all_channels = false;
                self.channels.clear();
                return Ok(());
            }
            b"allcommands" | b"+@all" => {
                self.set_all_commands(true);
                return Ok(());
            }
            b"nocommands" | b"-@all" => {
                self.set_all_commands(false);
                return Ok(());
            }
            _ => {}
        }
        match op.first() {
            Some(b'~' | b'%') => self.add_key_pattern(op),
            Some(b'&') => {
                if self.all_channels {
                    return Err(RuleError::ChannelAfterAll);
                }
                let pat = &op[1..];
                if has_spaces(pat) {
                    return Err(RuleError::Syntax);
                }
                if !self.channels.iter().any(|c| c == pat) {
                    self.channels.push(pat.to_vec());
                }
                Ok(())
            }
            Some(&sign @ (b'+' | b'-')) => {
                let allow = sign == b'+';
                let name = std::str::from_utf8(&op[1..]).map_err(|_| RuleError::UnknownCommand)?;
                if let Some(cat) = name.strip_prefix('@') {
                    let cat = cat.to_ascii_lowercase();
                    if !commands::CATEGORIES.contains(&cat.as_str()) {
                        return Err(RuleError::UnknownCommand);
                    }
                    self.update_rules(name, allow);
                    for spec in ids.with_category(&cat) {
                        self.change_perm(ids, spec, allow);
                    }
                    Ok(())
                } else if allow && name.contains('|') {
                    self.allow_sub_or_first_arg(ids, name)
                } else {
                    let spec = commands::lookup_acl(name).ok_or(RuleError::UnknownCommand)?;
                    self.change_perm(ids, spec, allow);
                    self.update_rules(spec.name, allow);
                    Ok(())
                }
            }
            _ => Err(RuleError::Syntax),
        }
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if self.all_keys {
            return Err(RuleError::KeyAfterAll);
        }
        let (flags, pat) = if op[0] == b'%' {
            let mut flags = 0;
            let mut i = 1;
            loop {
                match op.get(i).map(u8::to_ascii_uppercase) {
                    Some(b'R') if flags & KEY_READ == 0 => flags |= KEY_READ,
                    Some(b'W') if flags & KEY_WRITE == 0 => flags |= KEY_WRITE,
                    Some(b'~') if flags != 0 => break,
                    _ => return Err(RuleError::Syntax),
                }
                i += 1;
            }
            (flags, &op[i + 1..])
        } else {
            (KEY_ALL, &op[1..])
        };
        if has_spaces(pat) {
            return Err(RuleError::Syntax);
        }
        match self.keys.iter_mut().find(|k| k.pattern == pat) {
            Some(k) => k.flags |= flags,
            None => self.keys.push(KeyPattern {
                flags,
                pattern: pat.to_vec(),
            }),
        }
        Ok(())
    }

    /// `+container|sub` allows one subcommand; `+cmd|arg` (deprecated in Redis) allows a command
    /// only with that first argument.
    fn allow_sub_or_first_arg(&mut self, ids: &CommandIds, name: &str) -> Result<(), RuleError> {
        let (base, sub) = name.rsplit_once('|').ok_or(RuleError::Syntax)?;
        let spec = commands::lookup_acl(base).ok_or(RuleError::UnknownCommand)?;
        if spec.name.contains('|') {
            return Err(RuleError::FirstArgOfSubcommand);
        }
        if sub.is_empty() {
            return Err(RuleError::Syntax);
        }
        if !spec.subcommands.is_empty() {
            let sub_spec = commands::lookup_acl(name).ok_or(RuleError::UnknownCommand)?;
            self.change_perm(ids, sub_spec, true);
        } else if let Some(id) = ids.id(spec) {
            let list = self.first_args.entry(id).or_default();
            if !list.iter().any(|a| a.eq_ignore_ascii_case(sub.as_bytes())) {
                list.push(sub.as_bytes().to_vec());
            }
        }
        self.update_rules(name, true);
        Ok(())
    }

    /// `+@all`/`-@all` followed by the recorded rules (ACLDescribeSelectorCommandRules).
    pub fn describe_commands(&self) -> String {
        let mut s = String::from(if self.future_commands {
            "+@all"
        } else {
            "-@all"
        });
        if !self.command_rules.is_empty() {
            s.push(' ');
            s.push_str(&self.command_rules);
        }
        s
    }

    /// The key patterns as GETUSER shows them.
    pub fn describe_keys(&self) -> Vec<u8> {
        if self.all_keys {
            return b"~*".to_vec();
        }
        join(self.keys.iter().map(describe_key_pattern))
    }

    /// The channel patterns as GETUSER shows them.
    pub fn describe_channels(&self) -> Vec<u8> {
        if self.all_channels {
            return b"&*".to_vec();
        }
        join(self.channels.iter().map(|c| [b"&".as_slice(), c].concat()))
    }

    fn command_allowed(&self, ids: &CommandIds, spec: &CommandSpec, args: &[Bytes]) -> bool {
        if self.all_commands || spec.has_flag("no_auth") {
            return true;
        }
        let Some(id) = ids.id(spec) else {
            return false;
        };
        if self.bit(id) {
            return true;
        }
        let idx = if spec.name.contains('|') { 2 } else { 1 };
        match (self.first_args.get(&id), args.get(idx)) {
            (Some(list), Some(arg)) if args.len() >= 2 => {
                list.iter().any(|a| a.eq_ignore_ascii_case(arg))
            }
            _ => false,
        }
    }

    fn key_allowed(&self, key: &[u8], needed: u8) -> bool {
        self.all_keys
            || self
                .keys
                .iter()
                .any(|p| p.flags & needed == needed && glob_match(&p.pattern, key))
    }

    /// Whether a channel (or, for PSUBSCRIBE, a pattern taken literally) is allowed.
    pub fn channel_allowed(&self, channel: &[u8], is_pattern: bool) -> bool {
        self.all_channels || channel_in_list(&self.channels, channel, is_pattern)
    }

    /// Keys, channels and commands in rule form (ACLDescribeSelector).
    pub fn describe(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.all_keys {
            out.extend_from_slice(b"~* ");
        } else {
            for k in &self.keys {
                out.extend_from_slice(&describe_key_pattern(k));
                out.push(b' ');
            }
        }
        if self.all_channels {
            out.extend_from_slice(b"&* ");
        } else {
            out.extend_from_slice(b"resetchannels ");
            for c in &self.channels {
                out.push(b'&');
                out.extend_from_slice(c);
                out.push(b' ');
            }
        }
        out.extend_from_slice(self.describe_commands().as_bytes());
        out
    }

    /// Checks a command and its keys and channels (ACLSelectorCheckCmd).
    fn check(&self, spec: &CommandSpec, args: &[Bytes]) -> Result<(), Denied> {
        let root = self;
        if !root.command_allowed(commands::ids(), spec, args) {
            return Err(Denied::Command);
        }
        if !root.all_keys {
            for (pos, needed) in super::key_specs::keys(spec, args) {
                if !root.key_allowed(&args[pos], needed) {
                    return Err(Denied::Key(pos));
                }
            }
        }
        if !root.all_channels {
            let (from, to, is_pattern) = match spec.name {
                "publish" | "spublish" => (1, 2, false),
                "subscribe" | "ssubscribe" => (1, args.len(), false),
                "psubscribe" => (1, args.len(), true),
                _ => (0, 0, false),
            };
            for (pos, ch) in args.iter().enumerate().take(to).skip(from) {
                if !root.channel_allowed(ch, is_pattern) {
                    return Err(Denied::Channel(pos));
                }
            }
        }
        Ok(())
    }
}

/// Redis's ACLCheckChannelAgainstList: a pattern must be listed literally, a channel must match.
pub fn channel_in_list(list: &[Vec<u8>], channel: &[u8], is_pattern: bool) -> bool {
    list.iter().any(|p| {
        if is_pattern {
            p == channel
        } else {
            glob_match(p, channel)
        }
    })
}

fn describe_key_pattern(k: &KeyPattern) -> Vec<u8> {
    let prefix: &[u8] = match k.flags {
        KEY_READ => b"%R~",
        KEY_WRITE => b"%W~",
        _ => b"~",
    };
    [prefix, &k.pattern].concat()
}

fn join(parts: impl Iterator<Item = Vec<u8>>) -> Vec<u8> {
    let parts: Vec<Vec<u8>> = parts.collect();
    parts.join(&b' ')
}

fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| c.is_ascii_whitespace() || c == 0 || c == 0x0b)
}

/// Checks a username as ACL SETUSER does.
pub fn valid_username(name: &[u8]) -> bool {
    !has_spaces(name)
}

/// The SHA-256 hex digest Redis stores for a password.
pub fn hash_password(pass: &[u8]) -> String {
    let digest = Sha256::digest(pass);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 0xf)]));
    }
    hex
}

fn check_hash(hash: &[u8]) -> Result<String, RuleError> {
    if hash.len() != 64 || !hash.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(RuleError::BadHash);
    }
    Ok(String::from_utf8_lossy(hash).into_owned())
}

/// Compares secrets without an early exit on the first differing byte.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The command (or subcommand) is not allowed.
    Command,
    /// The key at this argument position is not allowed.
    Key(usize),
    /// The channel at this argument position is not allowed.
    Channel(usize),
}

impl Denied {
    /// Redis's order of relevance between refusals (ACL_DENIED_CMD < KEY < CHANNEL), then the
    /// argument position.
    fn rank(self) -> (u8, usize) {
        match self {
            Denied::Command => (1, 0),
            Denied::Key(i) => (2, i),
            Denied::Channel(i) => (4, i),
        }
    }
}

/// Joins a selector written over several arguments (`(+get`, `~k)`) into one rule, as Redis's
/// ACLMergeSelectorArguments does; `Err` names the argument whose parenthesis is not closed.
pub fn merge_selector_args<R: AsRef<[u8]>>(rules: &[R]) -> Result<Vec<Vec<u8>>, Vec<u8>> {
    let mut out = Vec::new();
    // The argument that opened the selector, and the selector so far.
    let mut open: Option<(Vec<u8>, Vec<u8>)> = None;
    for r in rules {
        let r = r.as_ref();
        match open.as_mut() {
            Some((_, sel)) => {
                sel.push(b' ');
                sel.extend_from_slice(r);
                if r.ends_with(b")") {
                    out.extend(open.take().map(|(_, sel)| sel));
                }
            }
            None if r.starts_with(b"(") && !r.ends_with(b")") => {
                open = Some((r.to_vec(), r.to_vec()));
            }
            None => out.push(r.to_vec()),
        }
    }
    match open {
        Some((first, _)) => Err(first),
        None => Ok(out),
    }
}

/// A user's whole definition: flags, passwords and permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDef {
    /// `on` / `off`.
    pub enabled: bool,
    /// `nopass`: any password authenticates.
    pub nopass: bool,
    /// `skip-sanitize-payload` (kept for compatibility; RESTORE is not implemented).
    pub skip_sanitize: bool,
    /// SHA-256 hex digests, in the order added.
    pub passwords: Vec<String>,
    /// The permissions.
    pub root: Selector,
    /// Further permission sets (`(...)` rules): a command is allowed if the root or any of
    /// these allows it.
    pub selectors: Vec<Selector>,
}

impl UserDef {
    /// A new user: off, no passwords, no permissions, channels per `acl-pubsub-default`.
    pub fn new(all_channels: bool) -> Self {
        UserDef {
            enabled: false,
            nopass: false,
            skip_sanitize: false,
            passwords: Vec::new(),
            root: Selector::new(all_channels),
            selectors: Vec::new(),
        }
    }

    /// The `default` user as Redis creates it: `on nopass ~* &* +@all`.
    pub fn default_user() -> Self {
        let mut u = UserDef::new(true);
        u.enabled = true;
        u.nopass = true;
        u.root.all_keys = true;
        u.root.set_all_commands(true);
        u
    }

    /// True when this user may run anything on any key and channel: the dispatcher then skips
    /// the permission check entirely.
    pub fn unrestricted(&self) -> bool {
        self.root.all_commands && self.root.all_keys && self.root.all_channels
    }

    /// Applies one rule (ACLSetUser).
    pub fn apply(&mut self, op: &[u8], pubsub_default_all: bool) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"on" => self.enabled = true,
            b"off" => self.enabled = false,
            b"skip-sanitize-payload" => self.skip_sanitize = true,
            b"sanitize-payload" => self.skip_sanitize = false,
            b"nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            b"resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            b"clearselectors" => self.selectors.clear(),
            b"reset" => {
                let fresh = UserDef::new(pubsub_default_all);
                self.nopass = false;
                self.passwords.clear();
                self.enabled = false;
                self.skip_sanitize = false;
                self.root = fresh.root;
                self.selectors.clear();
            }
            _ => match op[0] {
                b'>' | b'#' => {
                    let hash = if op[0] == b'>' {
                        hash_password(&op[1..])
                    } else {
                        check_hash(&op[1..])?
                    };
                    if !self.passwords.contains(&hash) {
                        self.passwords.push(hash);
                    }
                    self.nopass = false;
                }
                b'<' | b'!' => {
                    let hash = if op[0] == b'<' {
                        hash_password(&op[1..])
                    } else {
                        check_hash(&op[1..])?
                    };
                    let pos = self
                        .passwords
                        .iter()
                        .position(|p| *p == hash)
                        .ok_or(RuleError::NoSuchPassword)?;
                    self.passwords.remove(pos);
                }
                b'(' if op.ends_with(b")") => {
                    let mut sel = Selector::new(pubsub_default_all);
                    for rule in op[1..op.len() - 1]
                        .split(|c| c.is_ascii_whitespace())
                        .filter(|r| !r.is_empty())
                    {
                        sel.apply(rule)?;
                    }
                    self.selectors.push(sel);
                }
                _ => self.root.apply(op)?,
            },
        }
        Ok(())
    }

    /// True if `pass` authenticates this user (an enabled user with `nopass` or a matching
    /// password); every stored hash is compared in constant time.
    pub fn password_ok(&self, pass: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let hashed = hash_password(pass);
        self.passwords.iter().fold(false, |ok, p| {
            constant_time_eq(p.as_bytes(), hashed.as_bytes()) | ok
        })
    }

    /// The flags GETUSER lists, in Redis's order.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        f.push(if self.skip_sanitize {
            "skip-sanitize-payload"
        } else {
            "sanitize-payload"
        });
        f
    }

    /// The user in rule form, as ACL LIST and the ACL file show it (ACLDescribeUser).
    pub fn describe(&self) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for f in self.flags() {
            out.extend_from_slice(f.as_bytes());
            out.push(b' ');
        }
        for p in &self.passwords {
            out.push(b'#');
            out.extend_from_slice(p.as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(&self.root.describe());
        for sel in &self.selectors {
            out.extend_from_slice(b" (");
            out.extend_from_slice(&sel.describe());
            out.push(b')');
        }
        out
    }

    /// Checks a command against the root permissions and then each selector: allowed if any
    /// allows it; otherwise the most relevant refusal, chosen as Redis's
    /// ACLCheckAllUserCommandPerm does (a channel over a key over a command, then the later
    /// argument).
    pub fn check(&self, spec: &CommandSpec, args: &[Bytes]) -> Result<(), Denied> {
        let mut worst = match self.root.check(spec, args) {
            Ok(()) => return Ok(()),
            Err(d) => d,
        };
        for sel in &self.selectors {
            match sel.check(spec, args) {
                Ok(()) => return Ok(()),
                Err(d) if d.rank() > worst.rank() => worst = d,
                Err(_) => {}
            }
        }
        Err(worst)
    }

    /// Every channel pattern any of the user's permissions allows, or `None` for all channels.
    pub fn channel_patterns(&self) -> Option<Vec<Vec<u8>>> {
        let all = std::iter::once(&self.root).chain(&self.selectors);
        let mut out: Vec<Vec<u8>> = Vec::new();
        for sel in all {
            if sel.all_channels {
                return None;
            }
            out.extend(sel.channels.iter().cloned());
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(rules: &[&str]) -> Result<UserDef, RuleError> {
        let mut u = UserDef::new(false);
        for r in rules {
            u.apply(r.as_bytes(), false)?;
        }
        Ok(u)
    }

    #[test]
    fn describes_like_redis() {
        let u = user(&[
            "on", ">p1", "~foo*", "&chan*", "+get", "+@pubsub", "-publish",
        ])
        .unwrap();
        assert_eq!(
            String::from_utf8(u.describe()).unwrap(),
            format!(
                "on sanitize-payload #{} ~foo* resetchannels &chan* -@all +get +@pubsub -publish",
                hash_password(b"p1")
            )
        );
        let d = UserDef::default_user();
        assert_eq!(d.describe(), b"on nopass sanitize-payload ~* &* +@all");
        assert!(d.unrestricted());
    }

    #[test]
    fn redundant_rules_are_dropped() {
        let u = user(&["+config|get", "+select|0", "+config", "-config|set"]).unwrap();
        assert_eq!(
            u.root.describe_commands(),
            "-@all +select|0 +config -config|set"
        );
        let u = user(&["+get", "+set", "+get"]).unwrap();
        assert_eq!(u.root.describe_commands(), "-@all +set +get");
    }

    #[test]
    fn rule_errors() {
        assert_eq!(user(&["+bogus"]), Err(RuleError::UnknownCommand));
        assert_eq!(user(&["+@bogus"]), Err(RuleError::UnknownCommand));
        assert_eq!(user(&["<nope"]), Err(RuleError::NoSuchPassword));
        assert_eq!(user(&["#abc"]), Err(RuleError::BadHash));
        assert_eq!(user(&["xyz"]), Err(RuleError::Syntax));
        assert_eq!(user(&["%X~a"]), Err(RuleError::Syntax));
        assert_eq!(user(&["%~a"]), Err(RuleError::Syntax));
        assert_eq!(user(&["allkeys", "~a"]), Err(RuleError::KeyAfterAll));
        assert_eq!(user(&["&*", "&a"]), Err(RuleError::ChannelAfterAll));
        assert_eq!(
            user(&["+config|get|x"]),
            Err(RuleError::FirstArgOfSubcommand)
        );
        assert_eq!(user(&["+select|"]), Err(RuleError::Syntax));
    }

    #[test]
    fn key_patterns_merge_flags() {
        let u = user(&["%R~x", "%W~y", "%RW~z", "%W~x"]).unwrap();
        assert_eq!(u.root.describe_keys(), b"~x %W~y ~z");
    }

    #[test]
    fn checks_commands_keys_channels() {
        let u = user(&[
            "+get",
            "+set",
            "+publish",
            "+psubscribe",
            "%R~r*",
            "~rw*",
            "&news.*",
        ])
        .unwrap();
        let get = crate::commands::lookup("get").unwrap();
        let set = crate::commands::lookup("set").unwrap();
        let args = |v: &[&str]| -> Vec<Bytes> {
            v.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        assert_eq!(u.check(get, &args(&["get", "r1"])), Ok(()));
        assert_eq!(
            u.check(set, &args(&["set", "r1", "v"])),
            Err(Denied::Key(1))
        );
        assert_eq!(u.check(set, &args(&["set", "rw1", "v"])), Ok(()));
        let del = crate::commands::lookup("del").unwrap();
        assert_eq!(u.check(del, &args(&["del", "x"])), Err(Denied::Command));
        let publish = crate::commands::lookup("publish").unwrap();
        assert_eq!(u.check(publish, &args(&["publish", "news.a", "m"])), Ok(()));
        assert_eq!(
            u.check(publish, &args(&["publish", "other", "m"])),
            Err(Denied::Channel(1))
        );
        let psub = crate::commands::lookup("psubscribe").unwrap();
        assert_eq!(u.check(psub, &args(&["psubscribe", "news.*"])), Ok(()));
        assert_eq!(
            u.check(psub, &args(&["psubscribe", "news.a*"])),
            Err(Denied::Channel(1))
        );
    }

    #[test]
    fn passwords() {
        let mut u = user(&["on", ">secret"]).unwrap();
        assert!(u.password_ok(b"secret"));
        assert!(!u.password_ok(b"other"));
        u.apply(b"off", false).unwrap();
        assert!(!u.password_ok(b"secret"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
