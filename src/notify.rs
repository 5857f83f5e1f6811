//! Keyspace notifications (`notify-keyspace-events`): events about keys published as ordinary
//! Pub/Sub messages on `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>`, so every
//! subscriber mechanism (patterns included) works for them unchanged.

use crate::pubsub::ChannelKind;
use crate::server::Shared;
use std::sync::atomic::Ordering;

/// One class of event, with the flag character Redis uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum EventClass {
    /// `K`: publish on `__keyspace@<db>__:<key>`.
    Keyspace = 1 << 0,
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    Keyevent = 1 << 1,
    /// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
    Generic = 1 << 2,
    /// `$`: string commands.
    String = 1 << 3,
    /// `l`: list commands.
    List = 1 << 4,
    /// `s`: set commands.
    Set = 1 << 5,
    /// `h`: hash commands.
    Hash = 1 << 6,
    /// `z`: sorted set commands.
    ZSet = 1 << 7,
    /// `x`: keys expired.
    Expired = 1 << 8,
    /// `e`: keys evicted by maxmemory.
    Evicted = 1 << 9,
    /// `t`: stream commands.
    Stream = 1 << 10,
    /// `m`: key misses.
    KeyMiss = 1 << 11,
    /// `d`: module events.
    Module = 1 << 12,
    /// `n`: new keys.
    New = 1 << 13,
}

const FLAGS: &[(char, u32)] = &[
    ('K', EventClass::Keyspace as u32),
    ('E', EventClass::Keyevent as u32),
    ('g', EventClass::Generic as u32),
    ('$', EventClass::String as u32),
    ('l', EventClass::List as u32),
    ('s', EventClass::Set as u32),
    ('h', EventClass::Hash as u32),
    ('z', EventClass::ZSet as u32),
    ('x', EventClass::Expired as u32),
    ('e', EventClass::Evicted as u32),
    ('t', EventClass::Stream as u32),
    ('m', EventClass::KeyMiss as u32),
    ('d', EventClass::Module as u32),
    ('n', EventClass::New as u32),
];

/// `A`: every class but key misses and new-key events, as in Redis.
const ALL: u32 = EventClass::Generic as u32
    | EventClass::String as u32
    | EventClass::List as u32
    | EventClass::Set as u32
    | EventClass::Hash as u32
    | EventClass::ZSet as u32
    | EventClass::Expired as u32
    | EventClass::Evicted as u32
    | EventClass::Stream as u32
    | EventClass::Module as u32;

/// Parses a `notify-keyspace-events` value into a bit mask; `None` for an unknown character.
pub fn parse_flags(s: &str) -> Option<u32> {
    let mut mask = 0;
    for c in s.chars() {
        if c == 'A' {
            mask |= ALL;
            continue;
        }
        mask |= FLAGS.iter().find(|(f, _)| *f == c)?.1;
    }
    Some(mask)
}

/// Renders a mask the way CONFIG GET shows it, in Redis's order: `A` or the class flags
/// (`n` only without `A`), then `K`, `E`, `m`.
pub fn render_flags(mask: u32) -> String {
    let mut out = String::new();
    if mask & ALL == ALL {
        out.push('A');
    } else {
        for (c, bit) in FLAGS.iter().filter(|(c, _)| !matches!(c, 'K' | 'E' | 'm')) {
            if mask & bit != 0 {
                out.push(*c);
            }
        }
    }
    for c in ['K', 'E', 'm'] {
        if FLAGS.iter().any(|(f, bit)| *f == c && mask & bit != 0) {
            out.push(c);
        }
    }
    out
}

/// Publishes a keyspace event if its class is enabled. Called by commands after they change a
/// key (and by expiry and eviction), with the event name Redis uses (`set`, `hset`, `del`, ...).
pub fn notify(shared: &Shared, class: EventClass, event: &str, key: &[u8], db: usize) {
    let mask = shared.hot.notify_flags.load(Ordering::Relaxed);
    if mask & class as u32 == 0 {
        return;
    }
    let limits = &shared.output_limits;
    if mask & EventClass::Keyspace as u32 != 0 {
        let mut channel = format!("__keyspace@{db}__:").into_bytes();
        channel.extend_from_slice(key);
        shared
            .pubsub
            .publish(ChannelKind::Plain, &channel, event.as_bytes(), limits);
    }
    if mask & EventClass::Keyevent as u32 != 0 {
        let channel = format!("__keyevent@{db}__:{event}");
        shared
            .pubsub
            .publish(ChannelKind::Plain, channel.as_bytes(), key, limits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_like_redis() {
        assert_eq!(render_flags(parse_flags("KEA").unwrap()), "AKE");
        assert_eq!(render_flags(parse_flags("Kx").unwrap()), "xK");
        assert_eq!(render_flags(parse_flags("Eg$").unwrap()), "g$E");
        assert_eq!(parse_flags("Q"), None);
        assert_eq!(parse_flags(""), Some(0));
        assert_eq!(render_flags(parse_flags("KEm").unwrap()), "KEm");
        assert_eq!(render_flags(parse_flags("AKEn").unwrap()), "AKE");
        assert_eq!(render_flags(parse_flags("AKEnm").unwrap()), "AKEm");
        assert_eq!(render_flags(parse_flags("gn").unwrap()), "gn");
    }
}
