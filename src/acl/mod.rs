//! Access control as in Redis 7: named users with passwords and command, key and channel
//! permissions; the `default` user every connection starts as; the ACL file; the ACL LOG.
//!
//! A connection holds an `Arc<User>`; a user's definition is an immutable snapshot that ACL
//! SETUSER replaces as a whole, so a check never sees half an update. A user with every
//! permission (the default user, normally) is marked unrestricted, which is the one flag the
//! dispatcher tests before every command.

pub mod commands;
pub mod key_specs;
pub mod log;
pub mod user;

use crate::config::Config;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
pub use user::{Denied, RuleError, UserDef};

/// A user as connections see it: its name and its current definition.
#[derive(Debug)]
pub struct User {
    /// The user name.
    pub name: String,
    def: RwLock<Arc<UserDef>>,
    unrestricted: AtomicBool,
}

impl User {
    fn new(name: &str, def: UserDef) -> Arc<User> {
        Arc::new(User {
            name: name.to_string(),
            unrestricted: AtomicBool::new(def.unrestricted()),
            def: RwLock::new(Arc::new(def)),
        })
    }

    /// The current definition.
    pub fn def(&self) -> Arc<UserDef> {
        self.def.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// True if the user may run every command on every key and channel (the fast path).
    #[inline]
    pub fn unrestricted(&self) -> bool {
        self.unrestricted.load(Ordering::Relaxed)
    }

    fn replace(&self, def: UserDef) {
        let unrestricted = def.unrestricted();
        *self.def.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(def);
        self.unrestricted.store(unrestricted, Ordering::Relaxed);
    }
}

/// What an ACL change means for connected clients.
#[derive(Debug, Default)]
pub struct Fallout {
    /// Users whose clients must all be disconnected (deleted users).
    pub removed: Vec<String>,
    /// Users whose channel permissions shrank, with the channel patterns they keep: their
    /// clients subscribed to anything no longer allowed must be disconnected.
    pub reduced: Vec<(String, Vec<Vec<u8>>)>,
}

/// The user registry.
#[derive(Debug)]
pub struct Acl {
    users: RwLock<BTreeMap<String, Arc<User>>>,
    default: Arc<User>,
    /// `acl-pubsub-default allchannels`.
    pubsub_default_all: AtomicBool,
    /// The `requirepass` last applied to the default user, to notice CONFIG SET changes.
    applied_requirepass: Mutex<Option<Vec<u8>>>,
    /// ACL LOG.
    pub log: log::AclLog,
}

/// Channels `new` still allows if it allows fewer than `old` (Redis's getUpcomingChannelList);
/// `None` when nothing was taken away.
pub fn reduced_channels(old: &UserDef, new: &UserDef) -> Option<Vec<Vec<u8>>> {
    let upcoming = new.channel_patterns()?;
    match old.channel_patterns() {
        Some(before) if before.iter().all(|c| upcoming.contains(c)) => None,
        _ => Some(upcoming),
    }
}

/// Why ACL SETUSER (or a `user` config line) was refused; the texts follow Redis's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetUserError {
    /// A rule (selectors already joined) is invalid.
    #[error("Error in ACL SETUSER modifier '{rule}': {err}", rule = String::from_utf8_lossy(.0), err = .1)]
    Rule(Vec<u8>, RuleError),
    /// A `(` selector is never closed.
    #[error("Unmatched parenthesis in acl selector starting at '{}'.", String::from_utf8_lossy(.0))]
    Unmatched(Vec<u8>),
}

/// Applies rule words to a definition, stopping at the first invalid one.
fn apply_rules<R: AsRef<[u8]>>(
    def: &mut UserDef,
    rules: &[R],
    pubsub_default_all: bool,
) -> Result<(), SetUserError> {
    for r in user::merge_selector_args(rules).map_err(SetUserError::Unmatched)? {
        def.apply(&r, pubsub_default_all)
            .map_err(|e| SetUserError::Rule(r.clone(), e))?;
    }
    Ok(())
}

impl Acl {
    /// Builds the registry from the configuration: the default user (with `requirepass`), then
    /// the config file's `user` lines or the `aclfile`. Errors are Redis's start-up messages.
    pub fn from_config(cfg: &Config) -> Result<Acl, String> {
        let acl = Acl {
            users: RwLock::new(BTreeMap::new()),
            default: User::new("default", UserDef::default_user()),
            pubsub_default_all: AtomicBool::new(cfg.acl_pubsub_default_all),
            applied_requirepass: Mutex::new(None),
            log: log::AclLog::default(),
        };
        acl.write_users()
            .insert("default".into(), acl.default.clone());
        acl.sync_config(cfg);
        if !cfg.aclfile.is_empty() && !cfg.users.is_empty() {
            return Err("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.".into());
        }
        for line in &cfg.users {
            let Some((name, rules)) = line.split_first() else {
                continue;
            };
            let mut def = if name == "default" {
                let mut d = UserDef::default_user();
                let _ = d.apply(b"reset", cfg.acl_pubsub_default_all);
                d
            } else {
                UserDef::new(cfg.acl_pubsub_default_all)
            };
            apply_rules(&mut def, rules, cfg.acl_pubsub_default_all).map_err(|e| match e {
                SetUserError::Rule(rule, e) => format!(
                    "Error loading ACL rule '{}' for the user named '{name}': {e}",
                    String::from_utf8_lossy(&rule)
                ),
                e => e.to_string(),
            })?;
            acl.put(name, def);
        }
        if !cfg.aclfile.is_empty() {
            acl.load_file(&cfg.aclfile)
                .map_err(|e| format!("Aborting Redis startup because of ACL errors: {e}"))?;
        }
        Ok(acl)
    }

    fn write_users(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<User>>> {
        self.users.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read_users(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<User>>> {
        self.users.read().unwrap_or_else(|e| e.into_inner())
    }

    fn put(&self, name: &str, def: UserDef) {
        let mut users = self.write_users();
        match users.get(name) {
            Some(u) => u.replace(def),
            None => {
                users.insert(name.to_string(), User::new(name, def));
            }
        }
    }

    /// Follows `requirepass` (the default user's password) and `acl-pubsub-default` after a
    /// configuration change.
    pub fn sync_config(&self, cfg: &Config) {
        self.pubsub_default_all
            .store(cfg.acl_pubsub_default_all, Ordering::Relaxed);
        let mut applied = self
            .applied_requirepass
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if *applied == cfg.requirepass {
            return;
        }
        let mut def = (*self.default.def()).clone();
        let _ = def.apply(b"resetpass", false);
        match &cfg.requirepass {
            Some(p) => {
                let _ = def.apply(&[b">".as_slice(), p].concat(), false);
            }
            None => {
                let _ = def.apply(b"nopass", false);
            }
        }
        self.default.replace(def);
        applied.clone_from(&cfg.requirepass);
    }

    /// Whether new users get `allchannels`.
    pub fn pubsub_default_all(&self) -> bool {
        self.pubsub_default_all.load(Ordering::Relaxed)
    }

    /// The `default` user.
    pub fn default_user(&self) -> Arc<User> {
        self.default.clone()
    }

    /// True when connections must authenticate before running commands (the default user has
    /// a password or is disabled).
    pub fn auth_required(&self) -> bool {
        let d = self.default.def();
        !d.nopass || !d.enabled
    }

    /// True when the default user needs no password (protected mode's "no password set").
    pub fn default_is_nopass(&self) -> bool {
        self.default.def().nopass
    }

    /// A user by name.
    pub fn get(&self, name: &[u8]) -> Option<Arc<User>> {
        let name = std::str::from_utf8(name).ok()?;
        self.read_users().get(name).cloned()
    }

    /// Every user, ordered by name.
    pub fn users(&self) -> Vec<Arc<User>> {
        self.read_users().values().cloned().collect()
    }

    /// The user that `pass` authenticates as `name`, if any.
    pub fn authenticate(&self, name: &[u8], pass: &[u8]) -> Option<Arc<User>> {
        self.get(name).filter(|u| u.def().password_ok(pass))
    }

    /// ACL SETUSER: applies every rule to a copy of the user (a fresh one if new) and installs
    /// it only if all are valid. Returns whose channel permissions shrank.
    pub fn set_user<R: AsRef<[u8]>>(
        &self,
        name: &str,
        rules: &[R],
    ) -> Result<Fallout, SetUserError> {
        let all = self.pubsub_default_all();
        let mut users = self.write_users();
        let existing = users.get(name).cloned();
        let old = existing.as_ref().map(|u| u.def());
        let mut def = old.as_deref().cloned().unwrap_or_else(|| UserDef::new(all));
        apply_rules(&mut def, rules, all)?;
        let mut fallout = Fallout::default();
        if let Some(old) = &old {
            if let Some(keep) = reduced_channels(old, &def) {
                fallout.reduced.push((name.to_string(), keep));
            }
        }
        match existing {
            Some(u) => u.replace(def),
            None => {
                users.insert(name.to_string(), User::new(name, def));
            }
        }
        Ok(fallout)
    }

    /// ACL DELUSER of one user; true if it existed.
    pub fn del_user(&self, name: &[u8]) -> bool {
        match std::str::from_utf8(name) {
            Ok(n) if n != "default" => self.write_users().remove(n).is_some(),
            _ => false,
        }
    }

    /// Parses an ACL file into user definitions, or Redis's error text.
    fn parse_file(&self, path: &str) -> Result<Vec<(String, UserDef)>, String> {
        let text = std::fs::read(path)
            .map_err(|e| format!("Error loading ACLs, opening file '{path}': {}", io_text(&e)))?;
        let all = self.pubsub_default_all();
        let mut errors = String::new();
        let mut defs: Vec<(String, UserDef)> = Vec::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            let lineno = i + 1;
            let line = trim(line);
            if line.is_empty() {
                continue;
            }
            let words: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            if words[0] != b"user" || words.len() < 2 {
                errors.push_str(&format!(
                    "{path}:{lineno} should start with user keyword followed by the username. "
                ));
                continue;
            }
            let name = String::from_utf8_lossy(words[1]).into_owned();
            if !user::valid_username(words[1]) {
                errors.push_str(&format!(
                    "'{path}:{lineno}: username '{name}' contains invalid characters. "
                ));
                continue;
            }
            if defs.iter().any(|(n, _)| *n == name) {
                errors.push_str(&format!(
                    "WARNING: Duplicate user '{name}' found on line {lineno}. "
                ));
                continue;
            }
            let mut def = UserDef::new(all);
            let mut syntax_error = false;
            let Ok(ops) = user::merge_selector_args(&words[2..]) else {
                errors.push_str(&format!(
                    "{path}:{lineno}: Unmatched parenthesis in selector definition."
                ));
                continue;
            };
            for op in &ops {
                if let Err(e) = def.apply(trim(op), all) {
                    if e == RuleError::UnknownCommand {
                        errors.push_str(&format!(
                            "{path}:{lineno}: Error in applying operation '{}': {e}. ",
                            String::from_utf8_lossy(op)
                        ));
                    } else if !syntax_error {
                        errors.push_str(&format!("{path}:{lineno}: {e}. "));
                        syntax_error = true;
                    }
                }
            }
            defs.push((name, def));
        }
        if errors.is_empty() {
            Ok(defs)
        } else {
            errors.push_str(
                "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
            );
            Err(errors)
        }
    }

    /// ACL LOAD: replaces every user with the file's (all or nothing). The default user keeps
    /// its identity and is reset to the file's definition (or to `on nopass ~* &* +@all`).
    pub fn load_file(&self, path: &str) -> Result<Fallout, String> {
        let defs = self.parse_file(path)?;
        let mut fallout = Fallout::default();
        let mut users = self.write_users();
        let mut next: BTreeMap<String, Arc<User>> = BTreeMap::new();
        let mut new_default = UserDef::default_user();
        for (name, def) in defs {
            if name == "default" {
                new_default = def;
                continue;
            }
            match users.get(&name) {
                Some(u) => {
                    if let Some(keep) = reduced_channels(&u.def(), &def) {
                        fallout.reduced.push((name.clone(), keep));
                    }
                    u.replace(def);
                    next.insert(name, u.clone());
                }
                None => {
                    next.insert(name.clone(), User::new(&name, def));
                }
            }
        }
        if let Some(keep) = reduced_channels(&self.default.def(), &new_default) {
            fallout.reduced.push(("default".into(), keep));
        }
        self.default.replace(new_default);
        next.insert("default".into(), self.default.clone());
        fallout.removed = users
            .keys()
            .filter(|n| !next.contains_key(*n))
            .cloned()
            .collect();
        *users = next;
        Ok(fallout)
    }

    /// ACL SAVE: writes every user in ACL file form, through a temporary file and a rename.
    pub fn save_file(&self, path: &str) -> std::io::Result<()> {
        let mut text = Vec::new();
        for u in self.users() {
            text.extend_from_slice(b"user ");
            text.extend_from_slice(u.name.as_bytes());
            text.push(b' ');
            text.extend_from_slice(&u.def().describe());
            text.push(b'\n');
        }
        let tmp = format!("{path}.tmp-{}", std::process::id());
        let result = (|| {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Validates a config file `user <name> <rules...>` line and records it for start-up (Redis's
/// ACLAppendUserForLoading: rules naming unknown commands are reported only when applied).
pub fn check_config_user(cfg: &mut Config, args: &[String]) -> Result<(), String> {
    let Some((name, rules)) = args.split_first() else {
        return Err("wrong number of arguments".into());
    };
    if cfg.users.iter().any(|u| u.first() == Some(name)) {
        return Err(RuleError::DuplicateUser.to_string());
    }
    let mut def = UserDef::new(cfg.acl_pubsub_default_all);
    let rules = user::merge_selector_args(rules)
        .map_err(|first| SetUserError::Unmatched(first).to_string())?;
    for r in &rules {
        match def.apply(r, cfg.acl_pubsub_default_all) {
            Ok(()) | Err(RuleError::UnknownCommand) => {}
            Err(e) => {
                return Err(format!(
                    "Error in user declaration '{}': {e}",
                    String::from_utf8_lossy(r)
                ))
            }
        }
    }
    cfg.users.push(args.to_vec());
    Ok(())
}

/// An I/O error as C's strerror words it.
fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let start = s.iter().position(|c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !is_space(c))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirepass_sets_default_password() {
        let mut cfg = Config {
            requirepass: Some(b"pw".to_vec()),
            ..Config::default()
        };
        let acl = Acl::from_config(&cfg).unwrap();
        assert!(acl.auth_required());
        assert!(acl.authenticate(b"default", b"pw").is_some());
        assert!(acl.authenticate(b"default", b"nope").is_none());
        cfg.requirepass = None;
        acl.sync_config(&cfg);
        assert!(!acl.auth_required());
        assert!(acl.default_is_nopass());
    }

    #[test]
    fn reduced_channels_only_when_something_is_taken_away() {
        let acl = Acl::from_config(&Config::default()).unwrap();
        let f = acl.set_user("u", &["&a", "&b"]).unwrap();
        assert!(f.reduced.is_empty());
        let f = acl.set_user("u", &["&c"]).unwrap();
        assert!(f.reduced.is_empty());
        let f = acl.set_user("u", &["resetchannels", "&a"]).unwrap();
        assert_eq!(f.reduced, vec![("u".to_string(), vec![b"a".to_vec()])]);
        assert!(acl.set_user("u", &["+get", "+bogus"]).is_err());
        assert_eq!(
            acl.get(b"u").unwrap().def().root.describe_commands(),
            "-@all"
        );
    }

    #[test]
    fn file_round_trip() {
        let dir = std::env::temp_dir().join(format!("herald-acl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users.acl");
        let path = path.to_str().unwrap();
        let acl = Acl::from_config(&Config::default()).unwrap();
        acl.set_user("alice", &["on", ">pw", "~k*", "&c", "+get"])
            .unwrap();
        acl.save_file(path).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.starts_with("user alice on sanitize-payload #"));
        acl.del_user(b"alice");
        acl.set_user("bob", &["on"]).unwrap();
        let f = acl.load_file(path).unwrap();
        assert_eq!(f.removed, vec!["bob".to_string()]);
        assert!(acl.authenticate(b"alice", b"pw").is_some());
        std::fs::write(path, "user x on +nope\nbad line\n").unwrap();
        let err = acl.load_file(path).unwrap_err();
        assert!(
            err.contains(":1: Error in applying operation '+nope'"),
            "{err}"
        );
        assert!(err.contains(":2 should start with user keyword"), "{err}");
        assert!(acl.get(b"alice").is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
