//! The set type, with Redis's three encodings and its conversion rules (Redis 7.2+):
//!
//! * `intset`: every member is a canonical 64-bit integer; a sorted `Vec<i64>`.
//! * `listpack`: few, short members; one packed byte buffer ([`Packed`]) in insertion order.
//! * `hashtable`: everything else; a [`DenseTable`] (members in a dense vector plus an
//!   open-addressing index), which gives O(1) membership, fair O(1) random picks and a scan
//!   cursor that survives concurrent changes.
//!
//! Small sets never cost a hash table: millions of tiny presence sets stay a single allocation
//! each. Like Redis, a set never converts back to a smaller encoding on removal.
//!
//! The module also holds the building blocks the hash type shares: [`Packed`], [`DenseTable`],
//! the random helpers and the descending scan cursor.

use crate::config::EncodingLimits;
use crate::protocol::parser::parse_i64;
use bytes::Bytes;
use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

thread_local! {
    static RNG: Cell<u64> = Cell::new(RandomState::new().hash_one(0x9e37_79b9_u64) | 1);
}

/// A fast per-thread pseudo-random number (wyrand). Random commands (SPOP, SRANDMEMBER,
/// HRANDFIELD) need speed and fairness, not cryptographic strength.
pub fn random_u64() -> u64 {
    RNG.with(|c| {
        let s = c.get().wrapping_add(0xa076_1d64_78bd_642f);
        c.set(s);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// A uniformly random index below `n` (0 when `n` is 0).
pub fn random_index(n: usize) -> usize {
    ((u128::from(random_u64()) * n as u128) >> 64) as usize
}

/// `count` distinct random indices below `n` (`count < n`), in random order.
pub fn sample_distinct(n: usize, count: usize) -> Vec<usize> {
    if count.saturating_mul(3) > n {
        // Partial Fisher-Yates over all indices: cheap when a large share is wanted.
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..count.min(n) {
            let j = i + random_index(n - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    } else {
        let mut seen = std::collections::HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let i = random_index(n);
            if seen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Packed: a listpack-like byte buffer
// ---------------------------------------------------------------------------------------------

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(buf: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(pos)?;
        pos += 1;
        v |= u64::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some((v, pos));
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// A compact sequence of byte strings in one buffer (each item is a varint length followed by
/// its bytes): the role Redis's listpack plays for small collections. Lookups are linear, which
/// is what keeps small collections cheap; the encoding thresholds keep them short.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    buf: Vec<u8>,
    items: u32,
    /// A flag for the owner's use (the hash type marks listpackex with it); it lives in what
    /// would otherwise be padding, so owners stay 32 bytes.
    flag: bool,
}

impl Packed {
    /// Number of items (not tuples).
    pub fn items(&self) -> usize {
        self.items as usize
    }

    /// The owner's flag.
    pub fn flag(&self) -> bool {
        self.flag
    }

    /// Sets the owner's flag.
    pub fn set_flag(&mut self, flag: bool) {
        self.flag = flag;
    }

    /// Size of the encoded buffer in bytes.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// The item starting at byte offset `off` and the offset of the next item.
    pub fn item(&self, off: usize) -> Option<(&[u8], usize)> {
        let (len, start) = read_varint(&self.buf, off)?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        Some((self.buf.get(start..end)?, end))
    }

    fn encode(out: &mut Vec<u8>, item: &[u8]) {
        write_varint(out, item.len() as u64);
        out.extend_from_slice(item);
    }

    /// Appends one item.
    pub fn push(&mut self, item: &[u8]) {
        Self::encode(&mut self.buf, item);
        self.items += 1;
    }

    /// Inserts `items` at byte offset `off` (an item boundary).
    pub fn insert(&mut self, off: usize, items: &[&[u8]]) {
        let mut enc = Vec::with_capacity(items.iter().map(|i| i.len() + 2).sum());
        for i in items {
            Self::encode(&mut enc, i);
        }
        let off = off.min(self.buf.len());
        self.buf.splice(off..off, enc);
        self.items += items.len() as u32;
    }

    /// Removes `n` items starting at byte offset `off`.
    pub fn remove(&mut self, off: usize, n: usize) {
        let mut end = off;
        let mut removed = 0u32;
        for _ in 0..n {
            match self.item(end) {
                Some((_, next)) => {
                    end = next;
                    removed += 1;
                }
                None => break,
            }
        }
        if end > off {
            self.buf.drain(off..end);
            self.items -= removed;
        }
    }

    /// Replaces the item at byte offset `off`.
    pub fn replace(&mut self, off: usize, item: &[u8]) {
        if let Some((_, end)) = self.item(off) {
            let mut enc = Vec::with_capacity(item.len() + 2);
            Self::encode(&mut enc, item);
            self.buf.splice(off..end, enc);
        }
    }

    /// Iterates `(offset, item)`.
    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter { p: self, off: 0 }
    }

    /// Releases spare capacity (after bulk builds).
    pub fn shrink(&mut self) {
        self.buf.shrink_to_fit();
    }

    /// Encodes a TTL (or 0 for none) as a short item: little-endian without trailing zeros.
    pub fn ttl_item(at: i64) -> ([u8; 8], usize) {
        let b = at.to_le_bytes();
        let n = 8 - (at as u64).leading_zeros() as usize / 8;
        (b, n)
    }

    /// Decodes an item written by [`Packed::ttl_item`].
    pub fn ttl_value(item: &[u8]) -> i64 {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(item) {
            *d = *s;
        }
        i64::from_le_bytes(b)
    }
}

/// Iterator over a [`Packed`] buffer.
pub struct PackedIter<'a> {
    p: &'a Packed,
    off: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (usize, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let off = self.off;
        let (item, next) = self.p.item(off)?;
        self.off = next;
        Some((off, item))
    }
}

// ---------------------------------------------------------------------------------------------
// DenseTable: dense storage plus an open-addressing index
// ---------------------------------------------------------------------------------------------

/// Something stored in a [`DenseTable`], identified by its key bytes.
pub trait Keyed {
    /// The key the table indexes.
    fn key(&self) -> &[u8];
}

impl Keyed for Bytes {
    fn key(&self) -> &[u8] {
        self
    }
}

/// A hash table whose entries live in a dense vector (removal swaps the last entry into the
/// hole) with a linear-probing index of `u64` slots (32 bits of hash, 32 bits of position).
///
/// Why not `std::collections::HashSet`: Redis semantics need fair random picks (SPOP,
/// SRANDMEMBER, HRANDFIELD) and a SCAN cursor that still returns every element present for the
/// whole scan while the table changes underneath. Both fall out of the dense vector: a random
/// position is a fair pick, and scanning positions from the end downwards never moves an unseen
/// element into the seen region (a removal only moves the *last* element, which is seen first).
#[derive(Debug, Clone)]
pub struct DenseTable<E> {
    entries: Vec<E>,
    slots: Vec<u64>,
    state: RandomState,
}

impl<E: Keyed> Default for DenseTable<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

const EMPTY: u64 = 0;

impl<E: Keyed> DenseTable<E> {
    /// An empty table sized for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        DenseTable {
            entries: Vec::with_capacity(n),
            slots: vec![EMPTY; Self::slots_for(n)],
            state: RandomState::new(),
        }
    }

    fn slots_for(n: usize) -> usize {
        // Load factor at most 3/4.
        (n.saturating_mul(4) / 3 + 1).next_power_of_two().max(8)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in table order.
    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn hash(&self, key: &[u8]) -> u32 {
        self.state.hash_one(key) as u32
    }

    fn home(&self, h: u32) -> usize {
        h as usize & self.mask()
    }

    /// Slot position and entry index of `key`.
    fn find(&self, key: &[u8]) -> Option<(usize, usize)> {
        let h = self.hash(key);
        let mut pos = self.home(h);
        loop {
            let s = *self.slots.get(pos)?;
            if s == EMPTY {
                return None;
            }
            if (s >> 32) as u32 == h {
                let idx = (s as u32 as usize).wrapping_sub(1);
                if self.entries.get(idx).is_some_and(|e| e.key() == key) {
                    return Some((pos, idx));
                }
            }
            pos = (pos + 1) & self.mask();
        }
    }

    /// Slot position of the entry at index `idx` (whose key is `key`).
    fn slot_of_index(&self, key: &[u8], idx: usize) -> Option<usize> {
        let h = self.hash(key);
        let want = (u64::from(h) << 32) | (idx as u64 + 1);
        let mut pos = self.home(h);
        loop {
            let s = *self.slots.get(pos)?;
            if s == EMPTY {
                return None;
            }
            if s == want {
                return Some(pos);
            }
            pos = (pos + 1) & self.mask();
        }
    }

    /// Index of `key` in [`DenseTable::entries`].
    pub fn position(&self, key: &[u8]) -> Option<usize> {
        self.find(key).map(|(_, i)| i)
    }

    /// True if `key` is present.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// The entry for `key`.
    pub fn get(&self, key: &[u8]) -> Option<&E> {
        self.find(key).and_then(|(_, i)| self.entries.get(i))
    }

    /// The entry for `key`, mutably. The caller must not change the entry's key.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut E> {
        let (_, i) = self.find(key)?;
        self.entries.get_mut(i)
    }

    /// The entry at `idx`, mutably. The caller must not change the entry's key.
    pub fn entry_mut(&mut self, idx: usize) -> Option<&mut E> {
        self.entries.get_mut(idx)
    }

    fn place(&mut self, h: u32, idx: usize) {
        let mut pos = self.home(h);
        while self.slots[pos & self.mask()] != EMPTY {
            pos = (pos + 1) & self.mask();
        }
        let mask = self.mask();
        self.slots[pos & mask] = (u64::from(h) << 32) | (idx as u64 + 1);
    }

    fn rebuild(&mut self, nslots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; nslots]);
        for s in old {
            if s != EMPTY {
                let h = (s >> 32) as u32;
                let idx = (s as u32 as usize).wrapping_sub(1);
                self.place(h, idx);
            }
        }
    }

    /// Adds an entry whose key is not present (callers check with [`DenseTable::contains`]).
    pub fn insert_new(&mut self, e: E) {
        if (self.entries.len() + 1) * 4 > self.slots.len() * 3 {
            let n = self.slots.len() * 2;
            self.rebuild(n);
        }
        let h = self.hash(e.key());
        let idx = self.entries.len();
        self.entries.push(e);
        self.place(h, idx);
    }

    fn clear_slot(&mut self, pos: usize) {
        // Backward-shift deletion keeps probe sequences unbroken without tombstones.
        let mask = self.mask();
        let mut hole = pos;
        let mut j = (pos + 1) & mask;
        loop {
            let s = self.slots[j];
            if s == EMPTY {
                break;
            }
            let home = self.home((s >> 32) as u32);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.slots[hole] = s;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.slots[hole] = EMPTY;
    }

    /// Removes and returns the entry at index `idx`; the last entry takes its place.
    pub fn swap_remove(&mut self, idx: usize) -> Option<E> {
        let key_slot = self.slot_of_index(self.entries.get(idx)?.key(), idx)?;
        self.clear_slot(key_slot);
        let last = self.entries.len() - 1;
        if idx != last {
            let moved = self.slot_of_index(self.entries[last].key(), last);
            if let Some(pos) = moved {
                let h = self.slots[pos] >> 32;
                self.slots[pos] = (h << 32) | (idx as u64 + 1);
            }
        }
        let e = self.entries.swap_remove(idx);
        if self.slots.len() > 16 && self.entries.len() * 8 < self.slots.len() {
            let n = Self::slots_for(self.entries.len());
            self.rebuild(n);
            self.entries.shrink_to(self.entries.len() * 2);
        }
        Some(e)
    }

    /// Removes the entry for `key`.
    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let (_, idx) = self.find(key)?;
        self.swap_remove(idx)
    }

    /// A uniformly random entry.
    pub fn random(&self) -> Option<&E> {
        self.entries.get(random_index(self.entries.len()))
    }
}

/// One step of a scan over a dense vector of `len` elements, from the end downwards.
///
/// `cursor` 0 starts a scan; otherwise positions `[0, cursor)` remain to be visited. Returns
/// the positions to visit now (at most `count`) and the next cursor (0 when done). Elements
/// present for the whole scan are returned at least once whatever the changes in between: an
/// unseen element can only move to a lower position (a removal moves the last element, which
/// has already been seen, into the hole).
pub fn scan_positions(len: usize, cursor: u64, count: usize) -> (std::ops::Range<usize>, u64) {
    let start = if cursor == 0 {
        len
    } else {
        usize::try_from(cursor).unwrap_or(usize::MAX).min(len)
    };
    let lo = start.saturating_sub(count.max(1));
    (lo..start, lo as u64)
}

// ---------------------------------------------------------------------------------------------
// Set
// ---------------------------------------------------------------------------------------------

/// A set member as stored: intsets keep integers, other encodings keep bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// An integer member of an intset.
    Int(i64),
    /// A member stored as bytes.
    Str(&'a [u8]),
}

impl Member<'_> {
    /// The member as owned bytes.
    pub fn to_bytes(self) -> Bytes {
        match self {
            Member::Int(i) => Bytes::copy_from_slice(itoa::Buffer::new().format(i).as_bytes()),
            Member::Str(s) => Bytes::copy_from_slice(s),
        }
    }

    /// Calls `f` with the member's bytes (integers formatted on the stack).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Int(i) => f(itoa::Buffer::new().format(i).as_bytes()),
            Member::Str(s) => f(s),
        }
    }
}

/// Number of characters of `v` in decimal (Redis's `sdigits10`).
fn sdigits10(v: i64) -> usize {
    itoa::Buffer::new().format(v).len()
}

#[derive(Debug, Clone)]
enum Enc {
    Ints(Vec<i64>),
    Packed(Packed),
    Table(Box<DenseTable<Bytes>>),
}

/// A set of binary-safe members (see the module documentation for the encodings).
#[derive(Debug, Clone)]
pub struct Set {
    enc: Enc,
}

impl Default for Set {
    /// An empty intset, as Redis's `createIntsetObject`.
    fn default() -> Self {
        Set {
            enc: Enc::Ints(Vec::new()),
        }
    }
}

fn intset_max(lim: &EncodingLimits) -> u64 {
    lim.set_max_intset_entries.min(1 << 30)
}

impl Set {
    /// An empty set in the encoding Redis's `setTypeCreate` picks for a first member `first`
    /// and about `size_hint` members to come.
    pub fn for_members(first: &[u8], size_hint: usize, lim: &EncodingLimits) -> Set {
        let hint = size_hint as u64;
        let enc = if parse_i64(first).is_some() && hint <= lim.set_max_intset_entries {
            Enc::Ints(Vec::new())
        } else if hint <= lim.set_max_listpack_entries {
            Enc::Packed(Packed::default())
        } else {
            Enc::Table(Box::new(DenseTable::with_capacity(size_hint)))
        };
        Set { enc }
    }

    /// An empty listpack-encoded set.
    pub fn new_packed() -> Set {
        Set {
            enc: Enc::Packed(Packed::default()),
        }
    }

    /// Converts up front when about `size_hint` members are about to be added (Redis's
    /// `setTypeMaybeConvert`), so that a big SADD does not convert half-way.
    pub fn maybe_convert(&mut self, size_hint: usize, lim: &EncodingLimits) {
        let hint = size_hint as u64;
        let convert = match &self.enc {
            Enc::Packed(_) => hint > lim.set_max_listpack_entries,
            Enc::Ints(_) => hint > lim.set_max_intset_entries,
            Enc::Table(_) => false,
        };
        if convert {
            self.convert_to_table(size_hint);
        }
    }

    /// Redis's name for the current encoding (OBJECT ENCODING).
    pub fn encoding(&self) -> &'static str {
        match self.enc {
            Enc::Ints(_) => "intset",
            Enc::Packed(_) => "listpack",
            Enc::Table(_) => "hashtable",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Ints(v) => v.len(),
            Enc::Packed(p) => p.items(),
            Enc::Table(t) => t.len(),
        }
    }

    /// True when the set has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn convert_to_table(&mut self, cap: usize) {
        let mut t = DenseTable::with_capacity(cap.max(self.len()));
        for m in self.iter() {
            t.insert_new(m.to_bytes());
        }
        self.enc = Enc::Table(Box::new(t));
    }

    fn convert_to_packed(&mut self) {
        let mut p = Packed::default();
        for m in self.iter() {
            m.with_bytes(|b| p.push(b));
        }
        self.enc = Enc::Packed(p);
    }

    /// Converts to an intset if every member is an integer and the intset limit allows it
    /// (Redis's `maybeConvertToIntset`, used by SINTERSTORE).
    pub fn maybe_to_intset(&mut self, lim: &EncodingLimits) {
        if matches!(self.enc, Enc::Ints(_)) || self.len() as u64 > intset_max(lim) {
            return;
        }
        let mut v = Vec::with_capacity(self.len());
        for m in self.iter() {
            match m {
                Member::Int(i) => v.push(i),
                Member::Str(s) => match parse_i64(s) {
                    Some(i) => v.push(i),
                    None => return,
                },
            }
        }
        v.sort_unstable();
        v.dedup();
        self.enc = Enc::Ints(v);
    }

    /// Releases spare capacity after a bulk build.
    pub fn shrink(&mut self) {
        match &mut self.enc {
            Enc::Ints(v) => v.shrink_to_fit(),
            Enc::Packed(p) => p.shrink(),
            Enc::Table(_) => {}
        }
    }

    /// Adds `m`; true if it was not already a member. Converts encodings exactly where Redis's
    /// `setTypeAddAux` does.
    pub fn insert(&mut self, m: &[u8], lim: &EncodingLimits) -> bool {
        match &mut self.enc {
            Enc::Ints(v) => {
                if let Some(i) = parse_i64(m) {
                    match v.binary_search(&i) {
                        Ok(_) => false,
                        Err(pos) => {
                            v.insert(pos, i);
                            if v.len() as u64 > intset_max(lim) {
                                self.convert_to_table(0);
                            }
                            true
                        }
                    }
                } else {
                    let n = v.len();
                    let maxelelen = match (v.first(), v.last()) {
                        (Some(&lo), Some(&hi)) => sdigits10(lo).max(sdigits10(hi)),
                        _ => 0,
                    };
                    if (n as u64) < lim.set_max_listpack_entries
                        && m.len() as u64 <= lim.set_max_listpack_value
                        && maxelelen as u64 <= lim.set_max_listpack_value
                    {
                        self.convert_to_packed();
                        if let Enc::Packed(p) = &mut self.enc {
                            p.push(m);
                        }
                    } else {
                        self.convert_to_table(n + 1);
                        if let Enc::Table(t) = &mut self.enc {
                            t.insert_new(Bytes::copy_from_slice(m));
                        }
                    }
                    true
                }
            }
            Enc::Packed(p) => {
                if p.iter().any(|(_, it)| it == m) {
                    return false;
                }
                if (p.items() as u64) < lim.set_max_listpack_entries
                    && m.len() as u64 <= lim.set_max_listpack_value
                {
                    p.push(m);
                } else {
                    let n = p.items() + 1;
                    self.convert_to_table(n);
                    if let Enc::Table(t) = &mut self.enc {
                        t.insert_new(Bytes::copy_from_slice(m));
                    }
                }
                true
            }
            Enc::Table(t) => {
                if t.contains(m) {
                    false
                } else {
                    t.insert_new(Bytes::copy_from_slice(m));
                    true
                }
            }
        }
    }

    /// Removes `m`; true if it was a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Ints(v) => match parse_i64(m).map(|i| v.binary_search(&i)) {
                Some(Ok(pos)) => {
                    v.remove(pos);
                    true
                }
                _ => false,
            },
            Enc::Packed(p) => match p.iter().find(|(_, it)| *it == m) {
                Some((off, _)) => {
                    p.remove(off, 1);
                    true
                }
                None => false,
            },
            Enc::Table(t) => t.remove(m).is_some(),
        }
    }

    /// True if `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.enc {
            Enc::Ints(v) => parse_i64(m).is_some_and(|i| v.binary_search(&i).is_ok()),
            Enc::Packed(p) => p.iter().any(|(_, it)| it == m),
            Enc::Table(t) => t.contains(m),
        }
    }

    /// True if the member `m` (as yielded by another set's iterator) is a member.
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (&self.enc, m) {
            (Enc::Ints(v), Member::Int(i)) => v.binary_search(&i).is_ok(),
            _ => m.with_bytes(|b| self.contains(b)),
        }
    }

    /// Iterates the members in encoding order (sorted for intsets, insertion order for
    /// listpacks).
    pub fn iter(&self) -> SetIter<'_> {
        match &self.enc {
            Enc::Ints(v) => SetIter::Ints(v.iter()),
            Enc::Packed(p) => SetIter::Packed(p.iter()),
            Enc::Table(t) => SetIter::Table(t.entries().iter()),
        }
    }

    /// The members as a vector (random access for sampling).
    pub fn members(&self) -> Vec<Member<'_>> {
        self.iter().collect()
    }

    /// The member at position `i` of [`Set::iter`] (O(1) except for listpacks).
    pub fn member_at(&self, i: usize) -> Option<Member<'_>> {
        match &self.enc {
            Enc::Ints(v) => v.get(i).map(|&x| Member::Int(x)),
            Enc::Packed(p) => p.iter().nth(i).map(|(_, it)| Member::Str(it)),
            Enc::Table(t) => t.entries().get(i).map(|b| Member::Str(b)),
        }
    }

    /// A uniformly random member.
    pub fn random_member(&self) -> Option<Member<'_>> {
        match &self.enc {
            Enc::Ints(v) => v.get(random_index(v.len())).map(|&i| Member::Int(i)),
            Enc::Packed(p) => {
                let n = random_index(p.items());
                p.iter().nth(n).map(|(_, it)| Member::Str(it))
            }
            Enc::Table(t) => t.random().map(|b| Member::Str(b)),
        }
    }

    /// Removes and returns a uniformly random member.
    pub fn pop_random(&mut self) -> Option<Bytes> {
        match &mut self.enc {
            Enc::Ints(v) => {
                if v.is_empty() {
                    return None;
                }
                let i = v.remove(random_index(v.len()));
                Some(Member::Int(i).to_bytes())
            }
            Enc::Packed(p) => {
                let n = random_index(p.items());
                let (off, it) = p.iter().nth(n)?;
                let b = Bytes::copy_from_slice(it);
                p.remove(off, 1);
                Some(b)
            }
            Enc::Table(t) => {
                let idx = random_index(t.len());
                t.swap_remove(idx)
            }
        }
    }

    /// Removes `count` random members (`count < len`) and returns them, following Redis's
    /// `spopWithCountCommand` strategies so the remaining set ends in the encoding Redis leaves:
    /// when most of the set goes, the few survivors are moved into a fresh set (an intset for
    /// intsets, otherwise a listpack that converts again if the survivors need it).
    pub fn pop_many(&mut self, count: usize, lim: &EncodingLimits) -> Vec<Bytes> {
        let size = self.len();
        let remaining = size.saturating_sub(count);
        if remaining.saturating_mul(5) > count {
            let mut out = Vec::with_capacity(count);
            for _ in 0..count {
                match self.pop_random() {
                    Some(b) => out.push(b),
                    None => break,
                }
            }
            return out;
        }
        let members = self.members();
        let keep = sample_distinct(members.len(), remaining);
        let mut kept = vec![false; members.len()];
        for &i in &keep {
            kept[i] = true;
        }
        let mut newset = match self.enc {
            Enc::Ints(_) => Set::default(),
            _ => Set::new_packed(),
        };
        for &i in &keep {
            if let Some(m) = members.get(i) {
                m.with_bytes(|b| newset.insert(b, lim));
            }
        }
        let popped = members
            .iter()
            .zip(&kept)
            .filter(|(_, k)| !**k)
            .map(|(m, _)| m.to_bytes())
            .collect();
        newset.shrink();
        *self = newset;
        popped
    }

    /// One SSCAN step: members matching `pattern` (all when `None`). Compact encodings return
    /// everything with cursor 0, as Redis does.
    pub fn scan(&self, cursor: u64, count: usize, pattern: Option<&[u8]>) -> (u64, Vec<Bytes>) {
        let keep = |b: &[u8]| pattern.is_none_or(|p| crate::pubsub::glob::glob_match(p, b));
        match &self.enc {
            Enc::Table(t) => {
                let (range, next) = scan_positions(t.len(), cursor, count);
                let out = t.entries()[range]
                    .iter()
                    .rev()
                    .filter(|b| keep(b))
                    .cloned()
                    .collect();
                (next, out)
            }
            _ => {
                let out = self
                    .iter()
                    .filter_map(|m| m.with_bytes(|b| keep(b).then(|| Bytes::copy_from_slice(b))))
                    .collect();
                (0, out)
            }
        }
    }
}

/// Iterator over a [`Set`]'s members.
pub enum SetIter<'a> {
    /// Over an intset.
    Ints(std::slice::Iter<'a, i64>),
    /// Over a listpack.
    Packed(PackedIter<'a>),
    /// Over a hash table.
    Table(std::slice::Iter<'a, Bytes>),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Member<'a>;
    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            SetIter::Ints(it) => it.next().map(|&i| Member::Int(i)),
            SetIter::Packed(it) => it.next().map(|(_, b)| Member::Str(b)),
            SetIter::Table(it) => it.next().map(|b| Member::Str(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn lim() -> EncodingLimits {
        EncodingLimits::default()
    }

    fn small_lim() -> EncodingLimits {
        EncodingLimits {
            set_max_intset_entries: 8,
            set_max_listpack_entries: 4,
            set_max_listpack_value: 6,
            ..EncodingLimits::default()
        }
    }

    fn set_of(members: &[&str], lim: &EncodingLimits) -> Set {
        let mut s = Set::for_members(members[0].as_bytes(), members.len(), lim);
        for m in members {
            s.insert(m.as_bytes(), lim);
        }
        s
    }

    fn contents(s: &Set) -> Vec<Vec<u8>> {
        s.iter().map(|m| m.to_bytes().to_vec()).collect()
    }

    #[test]
    fn stays_small_and_compact() {
        assert!(std::mem::size_of::<Set>() <= 32);
        assert!(std::mem::size_of::<Packed>() <= 32);
    }

    #[test]
    fn intset_sorted_and_converts_to_listpack_on_string() {
        let l = lim();
        let mut s = set_of(&["3", "1", "2"], &l);
        assert_eq!(s.encoding(), "intset");
        assert_eq!(
            contents(&s),
            vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]
        );
        assert!(!s.insert(b"2", &l));
        assert!(s.insert(b"a", &l));
        assert_eq!(s.encoding(), "listpack");
        assert_eq!(
            contents(&s),
            vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec(), b"a".to_vec()]
        );
        // Not canonical integers: not members of an intset.
        let s = set_of(&["1"], &l);
        assert!(!s.contains(b"01"));
        assert!(!s.contains(b"+1"));
        assert!(s.contains(b"1"));
    }

    #[test]
    fn conversion_thresholds() {
        let l = small_lim();
        // intset over its limit goes to hashtable.
        let mut s = Set::for_members(b"1", 1, &l);
        for i in 0..9 {
            s.insert(i.to_string().as_bytes(), &l);
        }
        assert_eq!(s.encoding(), "hashtable");
        // Long string goes straight to hashtable.
        let mut s = Set::for_members(b"1", 1, &l);
        s.insert(b"1", &l);
        s.insert(b"toolongvalue", &l);
        assert_eq!(s.encoding(), "hashtable");
        // intset whose integers are too long for a listpack goes to hashtable.
        let mut s = Set::for_members(b"1", 1, &l);
        s.insert(b"12345678", &l);
        s.insert(b"x", &l);
        assert_eq!(s.encoding(), "hashtable");
        // listpack over its entry limit.
        let mut s = set_of(&["a", "b", "c", "d"], &l);
        assert_eq!(s.encoding(), "listpack");
        s.insert(b"e", &l);
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 5);
        // Size hints.
        assert_eq!(Set::for_members(b"a", 4, &l).encoding(), "listpack");
        assert_eq!(Set::for_members(b"1", 9, &l).encoding(), "hashtable");
        assert_eq!(Set::for_members(b"1", 8, &l).encoding(), "intset");
        assert_eq!(Set::for_members(b"a", 5, &l).encoding(), "hashtable");
        let mut s = set_of(&["a"], &l);
        s.maybe_convert(5, &l);
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn dense_table_basics() {
        let mut t: DenseTable<Bytes> = DenseTable::default();
        for i in 0..1000 {
            t.insert_new(Bytes::from(format!("m{i}")));
        }
        assert_eq!(t.len(), 1000);
        for i in (0..1000).step_by(2) {
            assert!(t.remove(format!("m{i}").as_bytes()).is_some());
        }
        assert_eq!(t.len(), 500);
        for i in 0..1000 {
            assert_eq!(t.contains(format!("m{i}").as_bytes()), i % 2 == 1, "m{i}");
        }
        for i in (1..1000).step_by(2) {
            assert!(t.remove(format!("m{i}").as_bytes()).is_some());
        }
        assert!(t.is_empty());
        assert!(t.slots.len() <= 16);
    }

    #[test]
    fn packed_ttl_items_round_trip() {
        for v in [0i64, 1, 255, 256, 1 << 40, i64::MAX] {
            let (b, n) = Packed::ttl_item(v);
            assert_eq!(Packed::ttl_value(&b[..n]), v);
        }
        assert_eq!(Packed::ttl_item(0).1, 0);
    }

    #[test]
    fn scan_covers_stable_members_under_churn() {
        let l = lim();
        let mut s = Set::default();
        for i in 0..2000 {
            s.insert(format!("k{i}").as_bytes(), &l);
        }
        assert_eq!(s.encoding(), "hashtable");
        let stable: BTreeSet<Vec<u8>> = (0..1000).map(|i| format!("k{i}").into_bytes()).collect();
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            let (next, items) = s.scan(cursor, 10, None);
            seen.extend(items.iter().map(|b| b.to_vec()));
            // Churn: remove volatile members, add new ones.
            s.remove(format!("k{}", 1000 + round).as_bytes());
            s.insert(format!("new{round}").as_bytes(), &l);
            round += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        assert!(stable.is_subset(&seen));
    }

    #[test]
    fn pop_many_leaves_redis_encodings() {
        let l = small_lim();
        let mut s = set_of(&["1", "2", "3", "4", "5", "6"], &l);
        assert_eq!(s.encoding(), "intset");
        let popped = s.pop_many(5, &l);
        assert_eq!(popped.len(), 5);
        assert_eq!(s.len(), 1);
        assert_eq!(s.encoding(), "intset");
        let mut s = Set::default();
        for i in 0..20 {
            s.insert(format!("x{i}").as_bytes(), &l);
        }
        assert_eq!(s.encoding(), "hashtable");
        let popped = s.pop_many(19, &l);
        assert_eq!(popped.len(), 19);
        assert_eq!(s.encoding(), "listpack");
        let mut all: BTreeSet<Vec<u8>> = popped.iter().map(|b| b.to_vec()).collect();
        all.extend(contents(&s));
        assert_eq!(all.len(), 20);
    }

    #[test]
    fn maybe_to_intset() {
        let l = lim();
        let mut s = Set::new_packed();
        s.insert(b"5", &l);
        s.insert(b"-3", &l);
        s.maybe_to_intset(&l);
        assert_eq!(s.encoding(), "intset");
        assert_eq!(contents(&s), vec![b"-3".to_vec(), b"5".to_vec()]);
        let mut s = Set::new_packed();
        s.insert(b"5", &l);
        s.insert(b"x", &l);
        s.maybe_to_intset(&l);
        assert_eq!(s.encoding(), "listpack");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8, bool),
        Rem(u8, bool),
        Pop,
    }

    fn member(n: u8, int: bool) -> Vec<u8> {
        if int {
            format!("{}", i64::from(n) - 20).into_bytes()
        } else {
            format!("m{n}").into_bytes()
        }
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(ops in proptest::collection::vec(
            prop_oneof![
                (0u8..60, any::<bool>()).prop_map(|(n, i)| Op::Add(n, i)),
                (0u8..60, any::<bool>()).prop_map(|(n, i)| Op::Rem(n, i)),
                Just(Op::Pop),
            ], 0..200),
            small in any::<bool>())
        {
            let l = if small { small_lim() } else { lim() };
            let mut s = Set::default();
            let mut model = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Add(n, i) => {
                        let m = member(n, i);
                        prop_assert_eq!(s.insert(&m, &l), model.insert(m));
                    }
                    Op::Rem(n, i) => {
                        let m = member(n, i);
                        prop_assert_eq!(s.remove(&m), model.remove(&m));
                    }
                    Op::Pop => {
                        match s.pop_random() {
                            Some(b) => prop_assert!(model.remove(&b.to_vec())),
                            None => prop_assert!(model.is_empty()),
                        }
                    }
                }
                prop_assert_eq!(s.len(), model.len());
            }
            let got: BTreeSet<Vec<u8>> = contents(&s).into_iter().collect();
            prop_assert_eq!(&got, &model);
            for m in &model {
                prop_assert!(s.contains(m));
            }
            let (cursor, all) = {
                let mut cur = 0;
                let mut acc = BTreeSet::new();
                loop {
                    let (next, items) = s.scan(cur, 7, None);
                    acc.extend(items.into_iter().map(|b| b.to_vec()));
                    cur = next;
                    if cur == 0 { break (cur, acc); }
                }
            };
            prop_assert_eq!(cursor, 0);
            prop_assert_eq!(all, model);
        }
    }
}
