//! The Pub/Sub registry: who is subscribed to which channel, pattern and shard channel, and the
//! publish path that delivers a message to all of them.
//!
//! The registry is separate from the keyspace so that publishing never waits for data commands.
//! Channels are spread over independently locked shards; patterns live in a
//! [`pattern_index::PatternIndex`] so a publish only examines patterns that can match.
//!
//! Ordering guarantee: a subscriber's confirmation frame is queued while the registry lock for
//! that channel is held, and publishers queue messages while holding the same lock (for
//! reading). So every message a client receives for a channel comes after its subscribe reply
//! and before its unsubscribe reply, and messages from one publisher arrive in publish order.

pub mod glob;
pub mod pattern_index;

use crate::protocol::Protocol;
use crate::server::client::{ClientHandle, OutputLimits};
use bytes::{BufMut, Bytes, BytesMut};
use pattern_index::PatternIndex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

thread_local! {
    /// While a command runs, pushes addressed to the client running it are collected here and
    /// sent right after its reply, the order Redis 7.2+ uses (e.g. a RESP3 client publishing to
    /// a channel it is subscribed to gets `:1` and then the message).
    static DEFERRED: RefCell<Option<(u64, Vec<Bytes>)>> = const { RefCell::new(None) };
}

/// Starts collecting pushes for `client_id` (the client whose command runs on this thread).
pub fn begin_deferring(client_id: u64) {
    DEFERRED.with(|d| *d.borrow_mut() = Some((client_id, Vec::new())));
}

/// Stops collecting and returns the pushes to send after the command's reply.
pub fn end_deferring() -> Vec<Bytes> {
    DEFERRED.with(|d| d.borrow_mut().take().map(|(_, v)| v).unwrap_or_default())
}

fn deferring_for() -> Option<u64> {
    DEFERRED.with(|d| d.borrow().as_ref().map(|(id, _)| *id))
}

fn defer(frame: Bytes) {
    DEFERRED.with(|d| {
        if let Some((_, v)) = d.borrow_mut().as_mut() {
            v.push(frame);
        }
    });
}

/// Number of independently locked channel maps; publishes to different channels rarely contend.
const SHARDS: usize = 64;

/// The clients subscribed to one channel or pattern, by client id.
pub type Subscribers = HashMap<u64, Arc<ClientHandle>, foldhash::fast::RandomState>;

/// Plain channels (SUBSCRIBE/PUBLISH) or shard channels (SSUBSCRIBE/SPUBLISH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// SUBSCRIBE / PUBLISH.
    Plain,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

type ChannelMap = RwLock<HashMap<Bytes, Subscribers, ChannelHasher>>;

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    // Registry maps stay consistent across a panic elsewhere (each update is one insert or
    // remove), so a poisoned lock is still safe to use.
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// See the module documentation.
pub struct PubSub {
    plain: Vec<ChannelMap>,
    shard: Vec<ChannelMap>,
    patterns: RwLock<PatternIndex<Subscribers>>,
    plain_count: AtomicUsize,
    shard_count: AtomicUsize,
    pattern_count: AtomicUsize,
}

impl Default for PubSub {
    fn default() -> Self {
        PubSub {
            plain: (0..SHARDS).map(|_| RwLock::default()).collect(),
            shard: (0..SHARDS).map(|_| RwLock::default()).collect(),
            patterns: RwLock::new(PatternIndex::new()),
            plain_count: AtomicUsize::new(0),
            shard_count: AtomicUsize::new(0),
            pattern_count: AtomicUsize::new(0),
        }
    }
}

/// Encodes a message push once per protocol, on first use, so every subscriber speaking that
/// protocol shares the same bytes.
struct FrameCache<'a> {
    kind: &'static [u8],
    pattern: Option<&'a [u8]>,
    channel: &'a [u8],
    payload: &'a [u8],
    resp2: Option<Bytes>,
    resp3: Option<Bytes>,
}

impl<'a> FrameCache<'a> {
    fn new(
        kind: &'static [u8],
        pattern: Option<&'a [u8]>,
        channel: &'a [u8],
        payload: &'a [u8],
    ) -> Self {
        FrameCache {
            kind,
            pattern,
            channel,
            payload,
            resp2: None,
            resp3: None,
        }
    }

    fn get(&mut self, proto: Protocol) -> Bytes {
        let slot = match proto {
            Protocol::Resp2 => &mut self.resp2,
            Protocol::Resp3 => &mut self.resp3,
        };
        slot.get_or_insert_with(|| {
            let mut parts: Vec<&[u8]> = vec![self.kind];
            if let Some(p) = self.pattern {
                parts.push(p);
            }
            parts.push(self.channel);
            parts.push(self.payload);
            encode_push(proto, &parts)
        })
        .clone()
    }
}

/// Encodes a push frame of bulk strings (`message`, `subscribe`, ...) in `proto`.
pub fn encode_push(proto: Protocol, parts: &[&[u8]]) -> Bytes {
    let size: usize = parts.iter().map(|p| p.len() + 16).sum::<usize>() + 8;
    let mut buf = BytesMut::with_capacity(size);
    let mut itoa = itoa::Buffer::new();
    buf.put_u8(if proto == Protocol::Resp3 { b'>' } else { b'*' });
    buf.extend_from_slice(itoa.format(parts.len()).as_bytes());
    buf.extend_from_slice(b"\r\n");
    for p in parts {
        buf.put_u8(b'$');
        buf.extend_from_slice(itoa.format(p.len()).as_bytes());
        buf.extend_from_slice(b"\r\n");
        buf.extend_from_slice(p);
        buf.extend_from_slice(b"\r\n");
    }
    buf.freeze()
}

/// Encodes a (un)subscribe confirmation: kind, channel (or null), running count.
pub fn encode_confirmation(
    proto: Protocol,
    kind: &[u8],
    channel: Option<&[u8]>,
    count: usize,
) -> Bytes {
    let mut buf = BytesMut::with_capacity(64 + channel.map_or(0, <[u8]>::len));
    let mut itoa = itoa::Buffer::new();
    buf.extend_from_slice(if proto == Protocol::Resp3 {
        b">3\r\n$"
    } else {
        b"*3\r\n$"
    });
    buf.extend_from_slice(itoa.format(kind.len()).as_bytes());
    buf.extend_from_slice(b"\r\n");
    buf.extend_from_slice(kind);
    buf.extend_from_slice(b"\r\n");
    match channel {
        Some(c) => {
            buf.put_u8(b'$');
            buf.extend_from_slice(itoa.format(c.len()).as_bytes());
            buf.extend_from_slice(b"\r\n");
            buf.extend_from_slice(c);
            buf.extend_from_slice(b"\r\n");
        }
        None if proto == Protocol::Resp3 => buf.extend_from_slice(b"_\r\n"),
        None => buf.extend_from_slice(b"$-1\r\n"),
    }
    buf.put_u8(b':');
    buf.extend_from_slice(itoa.format(count).as_bytes());
    buf.extend_from_slice(b"\r\n");
    buf.freeze()
}

/// The hasher for channel names: fast, and randomly seeded per process so clients cannot
/// aim channel names at one bucket.
type ChannelHasher = foldhash::fast::RandomState;

fn shard_of(channel: &[u8]) -> usize {
    static SEED: OnceLock<ChannelHasher> = OnceLock::new();
    (SEED.get_or_init(ChannelHasher::default).hash_one(channel) as usize) % SHARDS
}

impl PubSub {
    fn maps(&self, kind: ChannelKind) -> (&[ChannelMap], &AtomicUsize) {
        match kind {
            ChannelKind::Plain => (&self.plain, &self.plain_count),
            ChannelKind::Shard => (&self.shard, &self.shard_count),
        }
    }

    /// Adds `client` to `channel` and queues `confirmation` to it atomically with respect to
    /// publishers on that channel.
    pub fn subscribe(
        &self,
        kind: ChannelKind,
        channel: &Bytes,
        client: &Arc<ClientHandle>,
        confirmation: Bytes,
        limits: &OutputLimits,
    ) {
        let (maps, count) = self.maps(kind);
        let mut map = write(&maps[shard_of(channel)]);
        let subs = map.entry(channel.clone()).or_insert_with(|| {
            count.fetch_add(1, Ordering::Relaxed);
            Subscribers::default()
        });
        subs.insert(client.id, client.clone());
        client.outbox.push(confirmation, limits.get(client.class()));
    }

    /// Removes `client` from `channel` and queues `confirmation` atomically with respect to
    /// publishers on that channel.
    pub fn unsubscribe(
        &self,
        kind: ChannelKind,
        channel: &[u8],
        client: &Arc<ClientHandle>,
        confirmation: Bytes,
        limits: &OutputLimits,
    ) {
        let (maps, count) = self.maps(kind);
        let mut map = write(&maps[shard_of(channel)]);
        if let Some(subs) = map.get_mut(channel) {
            subs.remove(&client.id);
            if subs.is_empty() {
                map.remove(channel);
                count.fetch_sub(1, Ordering::Relaxed);
            }
        }
        client.outbox.push(confirmation, limits.get(client.class()));
    }

    /// Adds `client` to `pattern`, queueing `confirmation` under the pattern lock.
    pub fn psubscribe(
        &self,
        pattern: &Bytes,
        client: &Arc<ClientHandle>,
        confirmation: Bytes,
        limits: &OutputLimits,
    ) {
        let mut idx = write(&self.patterns);
        let subs = idx.get_or_insert_with(pattern.clone(), Subscribers::default);
        subs.insert(client.id, client.clone());
        self.pattern_count.store(idx.len(), Ordering::Relaxed);
        client.outbox.push(confirmation, limits.get(client.class()));
    }

    /// Removes `client` from `pattern`, queueing `confirmation` under the pattern lock.
    pub fn punsubscribe(
        &self,
        pattern: &[u8],
        client: &Arc<ClientHandle>,
        confirmation: Bytes,
        limits: &OutputLimits,
    ) {
        let mut idx = write(&self.patterns);
        let now_empty = match idx.get_mut(pattern) {
            Some(subs) => {
                subs.remove(&client.id);
                subs.is_empty()
            }
            None => false,
        };
        if now_empty {
            idx.remove(pattern);
        }
        self.pattern_count.store(idx.len(), Ordering::Relaxed);
        client.outbox.push(confirmation, limits.get(client.class()));
    }

    /// What one client is subscribed to: (channels, shard channels, patterns). Scans the whole
    /// registry; ACL uses it when a user's channel permissions shrink.
    pub fn subscriptions_of(&self, id: u64) -> (Vec<Bytes>, Vec<Bytes>, Vec<Bytes>) {
        let scan = |maps: &[ChannelMap]| -> Vec<Bytes> {
            maps.iter()
                .flat_map(|m| {
                    read(m)
                        .iter()
                        .filter(|(_, subs)| subs.contains_key(&id))
                        .map(|(ch, _)| ch.clone())
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let patterns = read(&self.patterns)
            .iter()
            .filter(|(_, subs)| subs.contains_key(&id))
            .map(|(p, _)| p.clone())
            .collect();
        (scan(&self.plain), scan(&self.shard), patterns)
    }

    /// Removes a disconnecting client from everything it was subscribed to, without replies.
    pub fn remove_client(
        &self,
        client: &ClientHandle,
        channels: impl Iterator<Item = Bytes>,
        shard_channels: impl Iterator<Item = Bytes>,
        patterns: impl Iterator<Item = Bytes>,
    ) {
        for (kind, list) in [
            (ChannelKind::Plain, channels.collect::<Vec<_>>()),
            (ChannelKind::Shard, shard_channels.collect()),
        ] {
            let (maps, count) = self.maps(kind);
            for ch in list {
                let mut map = write(&maps[shard_of(&ch)]);
                if let Some(subs) = map.get_mut(&ch) {
                    subs.remove(&client.id);
                    if subs.is_empty() {
                        map.remove(&ch);
                        count.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
        }
        let patterns: Vec<Bytes> = patterns.collect();
        if !patterns.is_empty() {
            let mut idx = write(&self.patterns);
            for p in patterns {
                let now_empty = idx.get_mut(&p).is_some_and(|subs| {
                    subs.remove(&client.id);
                    subs.is_empty()
                });
                if now_empty {
                    idx.remove(&p);
                }
            }
            self.pattern_count.store(idx.len(), Ordering::Relaxed);
        }
    }

    /// Delivers `payload` to the subscribers of `channel` (and, for plain channels, of every
    /// matching pattern). Returns how many deliveries were made, as PUBLISH replies.
    pub fn publish(
        &self,
        kind: ChannelKind,
        channel: &[u8],
        payload: &[u8],
        limits: &OutputLimits,
    ) -> usize {
        let mut receivers = 0;
        let me = deferring_for();
        let (maps, _) = self.maps(kind);
        let label: &'static [u8] = match kind {
            ChannelKind::Plain => b"message",
            ChannelKind::Shard => b"smessage",
        };
        {
            let map = read(&maps[shard_of(channel)]);
            if let Some(subs) = map.get(channel) {
                let mut frames = FrameCache::new(label, None, channel, payload);
                for client in subs.values() {
                    let frame = frames.get(client.protocol());
                    if Some(client.id) == me {
                        defer(frame);
                        receivers += 1;
                    } else if client.outbox.push(frame, limits.get(client.class())) {
                        receivers += 1;
                    }
                }
            }
        }
        if kind == ChannelKind::Plain && self.pattern_count.load(Ordering::Relaxed) > 0 {
            let idx = read(&self.patterns);
            idx.for_each_match(channel, |pattern, subs| {
                let mut frames = FrameCache::new(b"pmessage", Some(pattern), channel, payload);
                for client in subs.values() {
                    let frame = frames.get(client.protocol());
                    if Some(client.id) == me {
                        defer(frame);
                        receivers += 1;
                    } else if client.outbox.push(frame, limits.get(client.class())) {
                        receivers += 1;
                    }
                }
            });
        }
        receivers
    }

    /// Active channels (with at least one subscriber) matching an optional glob pattern.
    pub fn channels(&self, kind: ChannelKind, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let (maps, _) = self.maps(kind);
        let mut out = Vec::new();
        for m in maps {
            for ch in read(m).keys() {
                if pattern.is_none_or(|p| glob::glob_match(p, ch)) {
                    out.push(ch.clone());
                }
            }
        }
        out
    }

    /// Number of subscribers of a channel (PUBSUB NUMSUB / SHARDNUMSUB).
    pub fn numsub(&self, kind: ChannelKind, channel: &[u8]) -> usize {
        let (maps, _) = self.maps(kind);
        read(&maps[shard_of(channel)])
            .get(channel)
            .map_or(0, HashMap::len)
    }

    /// Number of distinct patterns subscribed (PUBSUB NUMPAT, `pubsub_patterns`).
    pub fn pattern_count(&self) -> usize {
        self.pattern_count.load(Ordering::Relaxed)
    }

    /// Number of channels with subscribers (`pubsub_channels` / `pubsub_shardchannels`).
    pub fn channel_count(&self, kind: ChannelKind) -> usize {
        self.maps(kind).1.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_frames_are_redis_bytes() {
        assert_eq!(
            &encode_push(Protocol::Resp2, &[b"message", b"ch", b"hi"])[..],
            b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            &encode_confirmation(Protocol::Resp3, b"unsubscribe", None, 0)[..],
            b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"
        );
        assert_eq!(
            &encode_confirmation(Protocol::Resp2, b"subscribe", Some(b"a"), 1)[..],
            b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
        );
    }
}
