//! The stream type (XADD, XREAD, consumer groups...), stored compactly as Redis does.
//!
//! Entries live in chunks of up to [`CHUNK_MAX_ENTRIES`] entries or about [`CHUNK_MAX_BYTES`]
//! bytes, kept in a B-tree keyed by the ID of each chunk's first entry (Redis's rax of
//! listpacks). A chunk stores the field names of its first entry once (its "master" fields);
//! an entry with the same field names stores only its values, and every ID is stored as a delta
//! from the chunk's first ID, so a small entry costs a dozen bytes. XDEL only flags an entry as
//! deleted; a chunk whose entries are all deleted is dropped. Trimming with `~` drops whole
//! chunks only.
//!
//! Consumer groups, their consumers and pending-entry lists (PELs) are plain ordered maps with
//! public fields, and [`Stream::entries`], [`Stream::append_raw`] and [`Stream::set_meta`] let
//! persistence walk a stream and rebuild it exactly.

use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Most entries (live or deleted) in one chunk: Redis's `stream-node-max-entries` default.
pub const CHUNK_MAX_ENTRIES: u32 = 100;
/// Most encoded bytes in one chunk: Redis's `stream-node-max-bytes` default.
pub const CHUNK_MAX_BYTES: usize = 4096;

/// An entry ID: milliseconds and a sequence number, ordered as a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The smallest ID (`0-0`).
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// An ID from its two parts.
    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// True for `0-0`.
    pub fn is_zero(&self) -> bool {
        self.ms == 0 && self.seq == 0
    }

    /// The next ID in order, or `None` after [`StreamId::MAX`].
    pub fn incr(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous ID in order, or `None` before [`StreamId::MIN`].
    pub fn decr(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// The fields of one entry as `(field, value)` slices into the stream's storage.
pub type Fields<'a> = Vec<(&'a [u8], &'a [u8])>;

// ---------------------------------------------------------------------------------------------
// Chunk encoding
// ---------------------------------------------------------------------------------------------

/// Entry flag: deleted by XDEL or an exact trim.
const F_DELETED: u8 = 1;
/// Entry flag: the entry has the chunk's master field names and stores only its values.
const F_SAME_FIELDS: u8 = 2;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn get_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

fn get_bytes<'a>(data: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(get_varint(data, pos)?).ok()?;
    let end = pos.checked_add(len)?;
    let s = data.get(*pos..end)?;
    *pos = end;
    Some(s)
}

/// One decoded entry of a chunk.
struct Decoded<'a> {
    /// Offset of the entry's flag byte in the chunk.
    offset: usize,
    id: StreamId,
    deleted: bool,
    fields: Fields<'a>,
}

/// Up to [`CHUNK_MAX_ENTRIES`] consecutive entries (Redis's listpack node).
#[derive(Debug, Clone)]
struct Chunk {
    /// ID of the chunk's first entry; every entry's ID is stored relative to it.
    first: StreamId,
    /// ID of the last entry (deleted or not).
    last: StreamId,
    /// Field names of the first entry.
    master: Box<[Bytes]>,
    /// The encoded entries: flags, ms delta, seq (delta when in the same ms), then the values
    /// (same fields) or the count and the field/value pairs.
    data: Vec<u8>,
    /// Entries not deleted.
    live: u32,
    /// Entries, deleted ones included.
    total: u32,
}

impl Chunk {
    fn new(id: StreamId, fields: &[(&[u8], &[u8])]) -> Chunk {
        Chunk {
            first: id,
            last: id,
            master: fields
                .iter()
                .map(|(f, _)| Bytes::copy_from_slice(f))
                .collect(),
            data: Vec::new(),
            live: 0,
            total: 0,
        }
    }

    fn same_fields(&self, fields: &[(&[u8], &[u8])]) -> bool {
        self.master.len() == fields.len()
            && self
                .master
                .iter()
                .zip(fields)
                .all(|(m, (f, _))| m.as_ref() == *f)
    }

    /// Bytes the entry would take in this chunk.
    fn encoded_len(&self, id: StreamId, fields: &[(&[u8], &[u8])]) -> usize {
        let same = self.same_fields(fields);
        let mut n = 1 + varint_len(id.ms.wrapping_sub(self.first.ms)) + varint_len(id.seq);
        if !same {
            n += varint_len(fields.len() as u64);
        }
        for (f, v) in fields {
            if !same {
                n += varint_len(f.len() as u64) + f.len();
            }
            n += varint_len(v.len() as u64) + v.len();
        }
        n
    }

    fn push(&mut self, id: StreamId, fields: &[(&[u8], &[u8])], deleted: bool) {
        let same = self.same_fields(fields);
        let mut flags = if same { F_SAME_FIELDS } else { 0 };
        if deleted {
            flags |= F_DELETED;
        }
        self.data.push(flags);
        let ms_delta = id.ms - self.first.ms;
        put_varint(&mut self.data, ms_delta);
        // Within one millisecond the sequence is stored as a delta from the previous entry's,
        // which keeps it to one byte for bursts.
        let seq = if self.total > 0 && id.ms == self.last.ms {
            id.seq - self.last.seq
        } else {
            id.seq
        };
        put_varint(&mut self.data, seq);
        if !same {
            put_varint(&mut self.data, fields.len() as u64);
        }
        for (f, v) in fields {
            if !same {
                put_varint(&mut self.data, f.len() as u64);
                self.data.extend_from_slice(f);
            }
            put_varint(&mut self.data, v.len() as u64);
            self.data.extend_from_slice(v);
        }
        self.last = id;
        self.total += 1;
        if !deleted {
            self.live += 1;
        }
    }

    /// Every entry, deleted ones included, in ID order. Stops at the first undecodable byte
    /// (which the encoder never writes).
    fn decode(&self) -> Vec<Decoded<'_>> {
        let mut out = Vec::with_capacity(self.total as usize);
        let data = &self.data;
        let mut pos = 0;
        let mut prev: Option<StreamId> = None;
        while pos < data.len() {
            let offset = pos;
            let flags = data[pos];
            pos += 1;
            let Some(ms_delta) = get_varint(data, &mut pos) else {
                break;
            };
            let Some(seq) = get_varint(data, &mut pos) else {
                break;
            };
            let ms = self.first.ms.wrapping_add(ms_delta);
            let seq = match prev {
                Some(p) if p.ms == ms => p.seq.wrapping_add(seq),
                _ => seq,
            };
            let id = StreamId::new(ms, seq);
            prev = Some(id);
            let mut fields = Vec::new();
            let ok = if flags & F_SAME_FIELDS != 0 {
                self.master.iter().all(|m| match get_bytes(data, &mut pos) {
                    Some(v) => {
                        fields.push((m.as_ref(), v));
                        true
                    }
                    None => false,
                })
            } else {
                match get_varint(data, &mut pos) {
                    Some(n) => (0..n).all(|_| {
                        match (get_bytes(data, &mut pos), get_bytes(data, &mut pos)) {
                            (Some(f), Some(v)) => {
                                fields.push((f, v));
                                true
                            }
                            _ => false,
                        }
                    }),
                    None => false,
                }
            };
            if !ok {
                break;
            }
            out.push(Decoded {
                offset,
                id,
                deleted: flags & F_DELETED != 0,
                fields,
            });
        }
        out
    }

    /// Flags the entry at `offset` deleted.
    fn mark_deleted(&mut self, offset: usize) {
        if let Some(f) = self.data.get_mut(offset) {
            if *f & F_DELETED == 0 {
                *f |= F_DELETED;
                self.live -= 1;
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.master.iter().map(|m| m.len() + 32).sum::<usize>() + 96
    }
}

// ---------------------------------------------------------------------------------------------
// Consumer groups
// ---------------------------------------------------------------------------------------------

/// A delivered, not yet acknowledged entry of a group (Redis's `streamNACK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEntry {
    /// The consumer that owns it.
    pub consumer: Bytes,
    /// When it was last delivered (Unix ms).
    pub delivery_time: i64,
    /// How many times it was delivered.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consumer {
    /// Last time it attempted an interaction (read, claim...), Unix ms.
    pub seen_time: i64,
    /// Last time it successfully read or claimed something, Unix ms (-1: never).
    pub active_time: i64,
    /// The IDs of its pending entries (the group's PEL holds their details).
    pub pending: BTreeSet<StreamId>,
}

impl Consumer {
    /// A consumer created now, never active.
    pub fn new(now: i64) -> Consumer {
        Consumer {
            seen_time: now,
            active_time: -1,
            pending: BTreeSet::new(),
        }
    }
}

/// A consumer group (Redis's `streamCG`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsumerGroup {
    /// Last ID delivered to a consumer with `>`.
    pub last_id: StreamId,
    /// Logical count of entries the group has read (`entries-read`); `None` when unknown.
    pub entries_read: Option<u64>,
    /// Pending entries by ID.
    pub pel: BTreeMap<StreamId, PendingEntry>,
    /// Consumers by name.
    pub consumers: BTreeMap<Bytes, Consumer>,
}

impl ConsumerGroup {
    /// A new group positioned at `last_id`.
    pub fn new(last_id: StreamId, entries_read: Option<u64>) -> ConsumerGroup {
        ConsumerGroup {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// The consumer `name`, created now if missing; true in the second value if created.
    pub fn consumer_or_create(&mut self, name: &[u8], now: i64) -> (&mut Consumer, bool) {
        let created = !self.consumers.contains_key(name);
        let c = self
            .consumers
            .entry(Bytes::copy_from_slice(name))
            .or_insert_with(|| Consumer::new(now));
        (c, created)
    }

    /// Removes a consumer and its pending entries; the number of pending entries it had, or
    /// `None` when there was no such consumer.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pending {
            self.pel.remove(id);
        }
        Some(c.pending.len())
    }

    /// Acknowledges `id`: true if it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(p) => {
                if let Some(c) = self.consumers.get_mut(&p.consumer) {
                    c.pending.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Makes `id` pending for `consumer` (which must exist), delivered at `now`, moving it from
    /// its previous owner; `count` is the new delivery count.
    pub fn assign(&mut self, id: StreamId, consumer: &Bytes, now: i64, count: u64) {
        if let Some(old) = self.pel.get(&id) {
            if old.consumer != *consumer {
                if let Some(c) = self.consumers.get_mut(&old.consumer) {
                    c.pending.remove(&id);
                }
            }
        }
        self.pel.insert(
            id,
            PendingEntry {
                consumer: consumer.clone(),
                delivery_time: now,
                delivery_count: count,
            },
        );
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pending.insert(id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stream
// ---------------------------------------------------------------------------------------------

/// How XADD/XTRIM trim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimBy {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove entries with a smaller ID.
    MinId(StreamId),
}

/// A trim request: the strategy, whether `~` (whole chunks only), and LIMIT (0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trim {
    /// What to keep.
    pub by: TrimBy,
    /// `~`: remove only whole chunks.
    pub approx: bool,
    /// Most entries to remove (0: unlimited).
    pub limit: u64,
}

/// A stream: entries, their bookkeeping, and consumer groups.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    chunks: BTreeMap<StreamId, Chunk>,
    length: u64,
    last_id: StreamId,
    first_id: StreamId,
    max_deleted_id: StreamId,
    entries_added: u64,
    /// Consumer groups by name.
    pub groups: BTreeMap<Bytes, ConsumerGroup>,
}

/// The counters of a stream that are not implied by its entries (persistence saves them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamMeta {
    /// The last ID ever added (or set by XSETID).
    pub last_id: StreamId,
    /// The largest ID ever deleted.
    pub max_deleted_id: StreamId,
    /// How many entries were ever added.
    pub entries_added: u64,
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Number of entries (XLEN).
    pub fn len(&self) -> u64 {
        self.length
    }

    /// True when the stream has no entries (it may still have groups).
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The last ID ever added (`last-generated-id`).
    pub fn last_id(&self) -> StreamId {
        self.last_id
    }

    /// ID of the first entry (`0-0` when empty).
    pub fn first_id(&self) -> StreamId {
        self.first_id
    }

    /// The largest ID ever deleted (`max-deleted-entry-id`).
    pub fn max_deleted_id(&self) -> StreamId {
        self.max_deleted_id
    }

    /// Entries ever added (`entries-added`).
    pub fn entries_added(&self) -> u64 {
        self.entries_added
    }

    /// The counters persistence saves.
    pub fn meta(&self) -> StreamMeta {
        StreamMeta {
            last_id: self.last_id,
            max_deleted_id: self.max_deleted_id,
            entries_added: self.entries_added,
        }
    }

    /// Restores the counters (after [`Stream::append_raw`] of every entry, when loading).
    pub fn set_meta(&mut self, meta: StreamMeta) {
        self.last_id = meta.last_id;
        self.max_deleted_id = meta.max_deleted_id;
        self.entries_added = meta.entries_added;
    }

    /// Sets the last ID (XSETID), and optionally the other counters.
    pub fn set_last_id(
        &mut self,
        id: StreamId,
        entries_added: Option<u64>,
        max_deleted: Option<StreamId>,
    ) {
        self.last_id = id;
        if let Some(n) = entries_added {
            self.entries_added = n;
        }
        if let Some(m) = max_deleted {
            self.max_deleted_id = m;
        }
    }

    /// Number of chunks (XINFO STREAM `radix-tree-nodes` approximation).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Approximate heap bytes used by the entries (MEMORY USAGE-style accounting).
    pub fn heap_bytes(&self) -> usize {
        self.chunks.values().map(Chunk::heap_bytes).sum()
    }

    /// Appends an entry whose ID the caller checked is greater than [`Stream::last_id`]; counts
    /// it in `entries_added`. Field names and values are copied.
    pub fn append(&mut self, id: StreamId, fields: &[(&[u8], &[u8])]) {
        self.append_raw(id, fields);
        self.last_id = id;
        self.entries_added += 1;
    }

    /// Appends an entry without touching the counters of [`StreamMeta`]: what a loader calls
    /// for each saved entry, in ID order, before [`Stream::set_meta`].
    pub fn append_raw(&mut self, id: StreamId, fields: &[(&[u8], &[u8])]) {
        let fits = self.chunks.values().next_back().is_some_and(|c| {
            c.total < CHUNK_MAX_ENTRIES
                && c.data.len() + c.encoded_len(id, fields) < CHUNK_MAX_BYTES
                && id > c.last
        });
        if !fits {
            if let Some(c) = self.chunks.values_mut().next_back() {
                c.data.shrink_to_fit();
            }
            self.chunks.insert(id, Chunk::new(id, fields));
        }
        if let Some(c) = self.chunks.values_mut().next_back() {
            c.push(id, fields, false);
        }
        if self.length == 0 {
            self.first_id = id;
        }
        self.length += 1;
    }

    /// Calls `f` with each entry with an ID in `start..=end`, in order (reversed if `rev`),
    /// until it returns false.
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        mut f: impl FnMut(StreamId, &Fields<'_>) -> bool,
    ) {
        if start > end {
            return;
        }
        // The chunk that may hold `start` begins at or before it.
        let from = self
            .chunks
            .range(..=start)
            .next_back()
            .map_or(start, |(k, _)| *k);
        let chunks = self.chunks.range(from..=end);
        let mut visit = |c: &Chunk| -> bool {
            if c.live == 0 || c.last < start {
                return true;
            }
            let entries = c.decode();
            let mut go = |e: &Decoded<'_>| -> Option<bool> {
                if e.deleted || e.id < start || e.id > end {
                    return None;
                }
                Some(f(e.id, &e.fields))
            };
            if rev {
                for e in entries.iter().rev() {
                    if go(e) == Some(false) {
                        return false;
                    }
                }
            } else {
                for e in &entries {
                    if go(e) == Some(false) {
                        return false;
                    }
                }
            }
            true
        };
        if rev {
            for (_, c) in chunks.rev() {
                if !visit(c) {
                    return;
                }
            }
        } else {
            for (_, c) in chunks {
                if !visit(c) {
                    return;
                }
            }
        }
    }

    /// Every live entry in order: what persistence saves (with [`Stream::meta`] and
    /// [`Stream::groups`]).
    pub fn entries(&self) -> Vec<(StreamId, Vec<(Bytes, Bytes)>)> {
        let mut out = Vec::with_capacity(self.length as usize);
        self.range(StreamId::MIN, StreamId::MAX, false, |id, fields| {
            out.push((
                id,
                fields
                    .iter()
                    .map(|(f, v)| (Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)))
                    .collect(),
            ));
            true
        });
        out
    }

    /// Calls `f` with the entry `id` if it exists (not deleted); false if it does not.
    pub fn with_entry(&self, id: StreamId, f: impl FnOnce(&Fields<'_>)) -> bool {
        let mut f = Some(f);
        let mut found = false;
        self.range(id, id, false, |_, fields| {
            if let Some(f) = f.take() {
                f(fields);
            }
            found = true;
            false
        });
        found
    }

    /// True if the entry `id` exists.
    pub fn contains(&self, id: StreamId) -> bool {
        self.with_entry(id, |_| {})
    }

    /// The first (or last, `last`) live entry's ID.
    pub fn edge_id(&self, last: bool) -> Option<StreamId> {
        let mut found = None;
        self.range(StreamId::MIN, StreamId::MAX, last, |id, _| {
            found = Some(id);
            false
        });
        found
    }

    fn refresh_first_id(&mut self) {
        self.first_id = if self.length == 0 {
            StreamId::MIN
        } else {
            self.edge_id(false).unwrap_or(StreamId::MIN)
        };
    }

    /// XDEL of one ID: true if it existed. Updates `max-deleted-entry-id` and the first ID.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((&key, chunk)) = self.chunks.range_mut(..=id).next_back() else {
            return false;
        };
        let offset = chunk
            .decode()
            .iter()
            .find(|e| e.id == id && !e.deleted)
            .map(|e| e.offset);
        let Some(offset) = offset else {
            return false;
        };
        chunk.mark_deleted(offset);
        if chunk.live == 0 {
            self.chunks.remove(&key);
        }
        self.length -= 1;
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        if id == self.first_id {
            self.refresh_first_id();
        }
        true
    }

    /// Trims as Redis's `streamTrim`: whole chunks first; then, unless `approx`, entries of
    /// the first remaining chunk. Returns how many entries were removed.
    pub fn trim(&mut self, trim: Trim) -> u64 {
        let mut deleted = 0u64;
        while let Some((&key, chunk)) = self.chunks.iter_mut().next() {
            if let TrimBy::MaxLen(max) = trim.by {
                if self.length <= max {
                    break;
                }
            }
            let entries = u64::from(chunk.live);
            if trim.limit > 0 && deleted + entries > trim.limit {
                break;
            }
            let remove_chunk = match trim.by {
                TrimBy::MaxLen(max) => self.length - entries >= max,
                TrimBy::MinId(min) => chunk.last < min,
            };
            if remove_chunk {
                self.chunks.remove(&key);
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if trim.approx {
                break;
            }
            let victims: Vec<usize> = chunk
                .decode()
                .iter()
                .filter(|e| !e.deleted)
                .map(|e| (e.id, e.offset))
                .take_while(|&(id, _)| match trim.by {
                    TrimBy::MinId(min) => id < min,
                    TrimBy::MaxLen(_) => true,
                })
                .map(|(_, o)| o)
                .collect();
            for offset in victims {
                if let TrimBy::MaxLen(max) = trim.by {
                    if self.length <= max {
                        break;
                    }
                }
                chunk.mark_deleted(offset);
                self.length -= 1;
                deleted += 1;
            }
            if chunk.live == 0 {
                self.chunks.remove(&key);
            }
            break;
        }
        self.refresh_first_id();
        deleted
    }

    /// Whether an XDEL'd ID ("tombstone") lies in `start..=end` (`end` None = no end):
    /// Redis's `streamRangeHasTombstones`.
    pub fn range_has_tombstones(&self, start: StreamId, end: Option<StreamId>) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        let end = end.unwrap_or(StreamId::MAX);
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// The logical read counter of `id` if it can be known: Redis's
    /// `streamEstimateDistanceFromFirstEverEntry` (`None` = `SCG_INVALID_ENTRIES_READ`).
    pub fn estimate_entries_read(&self, id: StreamId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.length == 0 && id <= self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        } else if id > self.last_id {
            return None;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return Some(self.entries_added - self.length);
            } else if id == self.first_id {
                return Some(self.entries_added - self.length + 1);
            }
        }
        None
    }

    /// The lag of a group (XINFO GROUPS `lag`): `None` when it cannot be known.
    pub fn group_lag(&self, g: &ConsumerGroup) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if let Some(read) = g.entries_read {
            if !self.range_has_tombstones(g.last_id, None) {
                return Some(self.entries_added.saturating_sub(read));
            }
        }
        self.estimate_entries_read(g.last_id)
            .map(|read| self.entries_added.saturating_sub(read))
    }

    /// Advances a group past `id` as delivering it with `>` does (last ID and read counter).
    pub fn advance_group(&self, g: &mut ConsumerGroup, id: StreamId) {
        if id <= g.last_id {
            return;
        }
        match g.entries_read {
            Some(n) if !self.range_has_tombstones(id, None) => g.entries_read = Some(n + 1),
            _ if self.entries_added > 0 => g.entries_read = self.estimate_entries_read(id),
            _ => {}
        }
        g.last_id = id;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn ids(s: &Stream, rev: bool) -> Vec<StreamId> {
        let mut v = Vec::new();
        s.range(StreamId::MIN, StreamId::MAX, rev, |id, _| {
            v.push(id);
            true
        });
        v
    }

    #[test]
    fn entries_round_trip_through_chunks() {
        let mut s = Stream::new();
        for i in 0..250u64 {
            let v = i.to_string();
            if i % 7 == 0 {
                s.append(id(i / 3, i), &[(b"other", v.as_bytes())]);
            } else {
                s.append(id(i / 3, i), &[(b"a", v.as_bytes()), (b"b", b"x")]);
            }
        }
        assert_eq!(s.len(), 250);
        assert!(s.chunk_count() >= 3);
        let all = s.entries();
        assert_eq!(all.len(), 250);
        assert_eq!(all[7].1, vec![(Bytes::from("other"), Bytes::from("7"))]);
        assert_eq!(all[8].1[0], (Bytes::from("a"), Bytes::from("8")));
        let fwd = ids(&s, false);
        let mut back = ids(&s, true);
        back.reverse();
        assert_eq!(fwd, back);
        assert!(s.contains(id(33, 100)));
        assert!(!s.contains(id(33, 102)));
    }

    #[test]
    fn delete_and_trim() {
        let mut s = Stream::new();
        for i in 1..=300u64 {
            s.append(id(i, 0), &[(b"f", b"v")]);
        }
        assert!(s.delete(id(1, 0)));
        assert!(!s.delete(id(1, 0)));
        assert_eq!(s.first_id(), id(2, 0));
        assert_eq!(s.max_deleted_id(), id(1, 0));
        // Approximate: only whole chunks (the first holds 99 live entries).
        let n = s.trim(Trim {
            by: TrimBy::MaxLen(250),
            approx: true,
            limit: 0,
        });
        assert_eq!(n, 0);
        let n = s.trim(Trim {
            by: TrimBy::MaxLen(150),
            approx: true,
            limit: 0,
        });
        assert_eq!(n, 99);
        let n = s.trim(Trim {
            by: TrimBy::MaxLen(150),
            approx: false,
            limit: 0,
        });
        assert_eq!(n, 50);
        assert_eq!(s.len(), 150);
        assert_eq!(s.first_id(), id(151, 0));
        let n = s.trim(Trim {
            by: TrimBy::MinId(id(200, 0)),
            approx: false,
            limit: 0,
        });
        assert_eq!(n, 49);
        assert_eq!(s.first_id(), id(200, 0));
        assert_eq!(ids(&s, false).len(), 101);
    }
}
