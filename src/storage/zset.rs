//! The sorted set type, with Redis's two encodings and its conversion rules:
//!
//! * `listpack`: small sets (at most `zset-max-listpack-entries` members, none longer than
//!   `zset-max-listpack-value` bytes) live in one packed byte buffer sorted by (score, member),
//!   as Redis's listpack: one allocation per set, O(n) operations on a small n.
//! * `skiplist`: everything else; a [`SkipList`] (skiplist with spans + member index), so
//!   member lookups are O(1) and rank queries O(log n).
//!
//! A set converts to `skiplist` when an insertion would break a threshold and never converts
//! back (as Redis), except that computed results (ZUNIONSTORE and friends) start in whichever
//! encoding fits.
//!
//! Scores are `f64`, never NaN. Members order by score then by bytes; `-0.0` and `0.0` compare
//! equal. Like Redis's listpack (which stores integral scores as integers), the packed encoding
//! stores `-0.0` as `0`, while the skiplist keeps the sign.

mod skiplist;

pub use skiplist::SkipList;

use crate::config::EncodingLimits;
use bytes::Bytes;
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::ops::Range;

/// Redis's `SIZE_SAFETY_LIMIT` for one listpack (1 GiB).
const PACK_SAFETY_LIMIT: usize = 1 << 30;

thread_local! {
    static RNG: Cell<u64> = Cell::new(RandomState::new().hash_one(0x5eed_u64) | 1);
}

/// A fast per-thread pseudo-random number (wyrand), for skiplist levels and ZRANDMEMBER.
pub fn random_u64() -> u64 {
    RNG.with(|c| {
        let s = c.get().wrapping_add(0xa076_1d64_78bd_642f);
        c.set(s);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// A uniformly random number below `n` (0 when `n` is 0).
pub fn random_below(n: usize) -> usize {
    ((u128::from(random_u64()) * n as u128) >> 64) as usize
}

// ---------------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------------

/// A score interval as ZRANGEBYSCORE takes it (`zrangespec`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// The lower bound is exclusive (`(min`).
    pub minex: bool,
    /// The upper bound is exclusive (`(max`).
    pub maxex: bool,
}

impl ScoreRange {
    /// `score` is at or past the lower bound.
    pub fn gte_min(&self, score: f64) -> bool {
        if self.minex {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// `score` is at or before the upper bound.
    pub fn lte_max(&self, score: f64) -> bool {
        if self.maxex {
            score < self.max
        } else {
            score <= self.max
        }
    }
}

/// One end of a lexicographic range: `-`, `+`, or a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexItem {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[str` or `(str`.
    Str(Vec<u8>),
}

impl LexItem {
    /// How `value` compares to this item (Redis's `sdscmplex`).
    fn cmp_value(&self, value: &[u8]) -> Ordering {
        match self {
            LexItem::Min => Ordering::Greater,
            LexItem::Max => Ordering::Less,
            LexItem::Str(s) => value.cmp(s),
        }
    }
}

/// A lexicographic interval as ZRANGEBYLEX takes it (`zlexrangespec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexRange {
    /// Lower bound.
    pub min: LexItem,
    /// The lower bound is exclusive (always for `-` and `+`).
    pub minex: bool,
    /// Upper bound.
    pub max: LexItem,
    /// The upper bound is exclusive (always for `-` and `+`).
    pub maxex: bool,
}

impl LexRange {
    /// `value` is at or past the lower bound.
    pub fn gte_min(&self, value: &[u8]) -> bool {
        match self.min.cmp_value(value) {
            Ordering::Greater => true,
            Ordering::Equal => !self.minex,
            Ordering::Less => false,
        }
    }

    /// `value` is at or before the upper bound.
    pub fn lte_max(&self, value: &[u8]) -> bool {
        match self.max.cmp_value(value) {
            Ordering::Less => true,
            Ordering::Equal => !self.maxex,
            Ordering::Greater => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packed (listpack) encoding
// ---------------------------------------------------------------------------------------------

/// Entries `[score: f64 LE][member length: LEB128][member]`, sorted by (score, member).
#[derive(Debug, Clone, Default)]
struct Pack {
    buf: Vec<u8>,
    len: u32,
}

/// One decoded packed entry.
#[derive(Clone, Copy)]
struct PackEntry<'a> {
    score: f64,
    member: &'a [u8],
    /// Offset of the entry and of the next one.
    start: usize,
    end: usize,
}

fn read_varint(buf: &[u8], mut off: usize) -> Option<(usize, usize)> {
    let mut v = 0usize;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(off)?;
        off += 1;
        v |= usize::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some((v, off));
        }
        shift += 7;
    }
}

fn write_varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Score as the packed encoding stores it: Redis's listpack keeps integral scores as
/// integers, which turns `-0.0` into `0`.
fn pack_score(score: f64) -> f64 {
    if score == 0.0 {
        0.0
    } else {
        score
    }
}

impl Pack {
    fn entry(&self, start: usize) -> Option<PackEntry<'_>> {
        let raw: [u8; 8] = self.buf.get(start..start + 8)?.try_into().ok()?;
        let (mlen, moff) = read_varint(&self.buf, start + 8)?;
        let member = self.buf.get(moff..moff.checked_add(mlen)?)?;
        Some(PackEntry {
            score: f64::from_le_bytes(raw),
            member,
            start,
            end: moff + mlen,
        })
    }

    fn iter(&self) -> PackIter<'_> {
        PackIter { pack: self, off: 0 }
    }

    fn find(&self, member: &[u8]) -> Option<(usize, PackEntry<'_>)> {
        self.iter().enumerate().find(|(_, e)| e.member == member)
    }

    /// Offsets of the entries with ranks in `ranks`, plus the end offset of the last one.
    fn byte_range(&self, ranks: Range<usize>) -> Range<usize> {
        let mut start = self.buf.len();
        let mut end = self.buf.len();
        for (i, e) in self.iter().enumerate() {
            if i == ranks.start {
                start = e.start;
            }
            if i + 1 == ranks.end {
                end = e.end;
                break;
            }
        }
        start..end.max(start)
    }

    fn insert(&mut self, member: &[u8], score: f64) {
        let score = pack_score(score);
        let at = self
            .iter()
            .find(|e| less(score, member, e.score, e.member))
            .map_or(self.buf.len(), |e| e.start);
        let mut entry = Vec::with_capacity(member.len() + 10);
        entry.extend_from_slice(&score.to_le_bytes());
        write_varint(&mut entry, member.len());
        entry.extend_from_slice(member);
        // Grow by exactly one entry, as a listpack reallocates: small sets stay tight.
        self.buf.reserve_exact(entry.len());
        self.buf.splice(at..at, entry);
        self.len += 1;
    }

    fn remove_bytes(&mut self, bytes: Range<usize>, entries: usize) {
        self.buf.drain(bytes);
        self.len -= entries as u32;
        if self.buf.capacity() > 64 && self.buf.capacity() > self.buf.len() * 2 {
            self.buf.shrink_to_fit();
        }
    }

    fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (bytes, score) = self.find(member).map(|(_, e)| (e.start..e.end, e.score))?;
        self.remove_bytes(bytes, 1);
        Some(score)
    }

    fn count_while(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        self.iter().take_while(|e| pred(e.score, e.member)).count()
    }
}

struct PackIter<'a> {
    pack: &'a Pack,
    off: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = PackEntry<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let e = self.pack.entry(self.off)?;
        self.off = e.end;
        Some(e)
    }
}

/// `(s1, m1) < (s2, m2)` in sorted-set order.
fn less(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

// ---------------------------------------------------------------------------------------------
// ZSet
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Enc {
    Pack(Pack),
    Skip(Box<SkipList>),
}

/// A set of members ordered by score (see the module documentation for the encodings).
#[derive(Debug, Clone)]
pub struct ZSet {
    enc: Enc,
}

impl Default for ZSet {
    /// An empty `listpack`-encoded set.
    fn default() -> Self {
        ZSet {
            enc: Enc::Pack(Pack::default()),
        }
    }
}

/// ZADD's options (`ZADD_IN_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Add the score to the current one (missing members count as 0).
    pub incr: bool,
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update when the new score is greater.
    pub gt: bool,
    /// Only update when the new score is less.
    pub lt: bool,
}

/// What [`ZSet::add`] did (`ZADD_OUT_*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AddOutcome {
    /// The member was new; it now has this score.
    Added(f64),
    /// The member's score changed to this one.
    Updated(f64),
    /// The member was processed but kept its score (same score, or a zero increment).
    Unchanged(f64),
    /// Nothing was done because of NX, XX, GT or LT.
    Skipped,
}

/// An increment produced NaN (`+inf` plus `-inf`); nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NanScore;

fn fits_pack(entries: usize, member_len: usize, lim: &EncodingLimits) -> bool {
    entries as u64 <= lim.zset_max_listpack_entries
        && member_len as u64 <= lim.zset_max_listpack_value
}

impl ZSet {
    /// An empty set in the encoding Redis's `zsetTypeCreate` picks for about `size_hint`
    /// members of about `member_len_hint` bytes.
    pub fn new_for(size_hint: usize, member_len_hint: usize, lim: &EncodingLimits) -> ZSet {
        if fits_pack(size_hint, member_len_hint, lim) {
            ZSet::default()
        } else {
            ZSet {
                enc: Enc::Skip(Box::new(SkipList::with_capacity(size_hint.min(1 << 20)))),
            }
        }
    }

    /// A set holding `entries`, which must be sorted by (score, member) without duplicate
    /// members, encoded as Redis's `zsetConvertToListpackIfNeeded` would leave a computed
    /// result (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE).
    pub fn from_sorted(entries: Vec<(Vec<u8>, f64)>, lim: &EncodingLimits) -> ZSet {
        let max_len = entries.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let total: usize = entries.iter().map(|(m, _)| m.len()).sum();
        if fits_pack(entries.len(), max_len, lim) && total <= PACK_SAFETY_LIMIT {
            let mut pack = Pack::default();
            for (m, s) in &entries {
                pack.buf.extend_from_slice(&pack_score(*s).to_le_bytes());
                write_varint(&mut pack.buf, m.len());
                pack.buf.extend_from_slice(m);
            }
            pack.len = entries.len() as u32;
            ZSet {
                enc: Enc::Pack(pack),
            }
        } else {
            let mut list = SkipList::with_capacity(entries.len());
            for (m, s) in entries.into_iter().rev() {
                list.insert(m.into_boxed_slice(), s);
            }
            ZSet {
                enc: Enc::Skip(Box::new(list)),
            }
        }
    }

    /// Redis's name for the encoding (OBJECT ENCODING).
    pub fn encoding(&self) -> &'static str {
        match self.enc {
            Enc::Pack(_) => "listpack",
            Enc::Skip(_) => "skiplist",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Pack(p) => p.len as usize,
            Enc::Skip(s) => s.len(),
        }
    }

    /// True when there are no members (the key should then be deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Converts to `skiplist` (never back).
    fn convert_to_skiplist(&mut self, capacity: usize) {
        if let Enc::Pack(p) = &self.enc {
            let mut list = SkipList::with_capacity(capacity.max(p.len as usize));
            let entries: Vec<_> = p.iter().collect();
            for e in entries.into_iter().rev() {
                list.insert(e.member.into(), e.score);
            }
            self.enc = Enc::Skip(Box::new(list));
        }
    }

    /// Redis's `zsetTypeMaybeConvert`: a command about to add `size_hint` members converts a
    /// packed set that could not hold that many.
    pub fn maybe_convert(&mut self, size_hint: usize, lim: &EncodingLimits) {
        if matches!(self.enc, Enc::Pack(_)) && size_hint as u64 > lim.zset_max_listpack_entries {
            self.convert_to_skiplist(self.len() + size_hint);
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.enc {
            Enc::Pack(p) => p.find(member).map(|(_, e)| e.score),
            Enc::Skip(s) => s.score(member),
        }
    }

    /// Adds or updates `member` as Redis's `zsetAdd` does, converting the encoding when the
    /// set outgrows the packed limits.
    pub fn add(
        &mut self,
        member: &[u8],
        score: f64,
        flags: AddFlags,
        lim: &EncodingLimits,
    ) -> Result<AddOutcome, NanScore> {
        if score.is_nan() {
            return Err(NanScore);
        }
        if let Some(cur) = self.score(member) {
            if flags.nx {
                return Ok(AddOutcome::Skipped);
            }
            let mut score = score;
            if flags.incr {
                score += cur;
                if score.is_nan() {
                    return Err(NanScore);
                }
            }
            if (flags.lt && score >= cur) || (flags.gt && score <= cur) {
                return Ok(AddOutcome::Skipped);
            }
            if score == cur {
                return Ok(AddOutcome::Unchanged(score));
            }
            match &mut self.enc {
                Enc::Pack(p) => {
                    p.remove(member);
                    p.insert(member, score);
                }
                Enc::Skip(s) => s.update_score(member, score),
            }
            return Ok(AddOutcome::Updated(score));
        }
        if flags.xx {
            return Ok(AddOutcome::Skipped);
        }
        if let Enc::Pack(p) = &self.enc {
            if !fits_pack(p.len as usize + 1, member.len(), lim)
                || p.buf.len() + member.len() > PACK_SAFETY_LIMIT
            {
                self.convert_to_skiplist(p.len as usize + 1);
            }
        }
        match &mut self.enc {
            Enc::Pack(p) => p.insert(member, score),
            Enc::Skip(s) => s.insert(member.into(), score),
        }
        Ok(AddOutcome::Added(score))
    }

    /// Removes `member`; true if it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Pack(p) => p.remove(member).is_some(),
            Enc::Skip(s) => s.remove(member).is_some(),
        }
    }

    /// The 0-based rank of `member` (counted from the highest score when `reverse`) and its
    /// score.
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<(usize, f64)> {
        let (rank, score) = match &self.enc {
            Enc::Pack(p) => p.find(member).map(|(i, e)| (i, e.score))?,
            Enc::Skip(s) => s.rank(member)?,
        };
        Some((if reverse { self.len() - 1 - rank } else { rank }, score))
    }

    /// How many leading members satisfy `pred`, which must hold for a prefix of the order.
    /// O(log n) for skiplists.
    pub fn count_while(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        match &self.enc {
            Enc::Pack(p) => p.count_while(pred),
            Enc::Skip(s) => s.count_while(pred),
        }
    }

    /// The ranks of the members whose scores are in `range`.
    pub fn score_span(&self, range: &ScoreRange) -> Range<usize> {
        let lo = self.count_while(|s, _| !range.gte_min(s));
        let hi = self.count_while(|s, _| range.lte_max(s));
        lo..hi.max(lo)
    }

    /// The ranks of the members in the lexicographic `range` (meaningful when all scores
    /// are equal, as Redis documents).
    pub fn lex_span(&self, range: &LexRange) -> Range<usize> {
        let lo = self.count_while(|_, m| !range.gte_min(m));
        let hi = self.count_while(|_, m| range.lte_max(m));
        lo..hi.max(lo)
    }

    /// Calls `f` for the members with ranks in `ranks`, in ascending order, or descending when
    /// `reverse`.
    pub fn for_each_in(&self, ranks: Range<usize>, reverse: bool, mut f: impl FnMut(&[u8], f64)) {
        let end = ranks.end.min(self.len());
        if ranks.start >= end {
            return;
        }
        let n = end - ranks.start;
        match &self.enc {
            Enc::Pack(p) => {
                let entries = p.iter().skip(ranks.start).take(n);
                if reverse {
                    let v: Vec<_> = entries.collect();
                    for e in v.into_iter().rev() {
                        f(e.member, e.score);
                    }
                } else {
                    for e in entries {
                        f(e.member, e.score);
                    }
                }
            }
            Enc::Skip(s) => {
                let from = if reverse { end - 1 } else { ranks.start };
                for (m, sc) in s.iter_from(from, reverse).take(n) {
                    f(m, sc);
                }
            }
        }
    }

    /// All members in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        match &self.enc {
            Enc::Pack(p) => Iter(IterInner::Pack(p.iter())),
            Enc::Skip(s) => Iter(IterInner::Skip(s.iter_from(0, false))),
        }
    }

    /// The members at the given 0-based ranks (each must be below [`ZSet::len`]).
    pub fn entries_at(&self, ranks: &[usize]) -> Vec<(&[u8], f64)> {
        match &self.enc {
            Enc::Pack(p) => {
                let all: Vec<_> = p.iter().map(|e| (e.member, e.score)).collect();
                ranks.iter().filter_map(|&r| all.get(r).copied()).collect()
            }
            Enc::Skip(s) => ranks.iter().filter_map(|&r| s.get(r)).collect(),
        }
    }

    /// Removes the members with ranks in `ranks`; returns how many were removed.
    pub fn remove_ranks(&mut self, ranks: Range<usize>) -> usize {
        let end = ranks.end.min(self.len());
        if ranks.start >= end {
            return 0;
        }
        let n = end - ranks.start;
        match &mut self.enc {
            Enc::Pack(p) => {
                let bytes = p.byte_range(ranks.start..end);
                p.remove_bytes(bytes, n);
            }
            Enc::Skip(s) => {
                for _ in 0..n {
                    s.remove_rank(ranks.start);
                }
            }
        }
        n
    }

    /// Removes and returns up to `count` members with the lowest scores (highest when `max`),
    /// in pop order. Shared by ZPOPMIN/ZPOPMAX/ZMPOP and their blocking variants.
    pub fn pop(&mut self, max: bool, count: usize) -> Vec<(Bytes, f64)> {
        let n = count.min(self.len());
        if n == 0 {
            return Vec::new();
        }
        let len = self.len();
        match &mut self.enc {
            Enc::Pack(p) => {
                let ranks = if max { len - n..len } else { 0..n };
                let bytes = p.byte_range(ranks.clone());
                let mut taken: Vec<(Bytes, f64)> = p
                    .iter()
                    .skip(ranks.start)
                    .take(n)
                    .map(|e| (Bytes::copy_from_slice(e.member), e.score))
                    .collect();
                if max {
                    taken.reverse();
                }
                p.remove_bytes(bytes, n);
                taken
            }
            Enc::Skip(s) => {
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    let rank = if max { s.len() - 1 } else { 0 };
                    if let Some((m, sc)) = s.remove_rank(rank) {
                        out.push((Bytes::from(m), sc));
                    }
                }
                out
            }
        }
    }

    /// One step of ZSCAN: calls `f` for some members and returns the next cursor (0 when the
    /// scan is complete). Packed sets are returned whole, as Redis does for listpacks.
    /// `f` also receives whether the set is packed (Redis formats scores differently then).
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(&'a [u8], f64, bool),
    ) -> u64 {
        match &self.enc {
            Enc::Pack(p) => {
                for e in p.iter() {
                    f(e.member, e.score, true);
                }
                0
            }
            Enc::Skip(s) => s.scan(cursor, count, |m, sc| f(m, sc, false)),
        }
    }
}

/// Iterator over `(member, score)` in ascending order.
pub struct Iter<'a>(IterInner<'a>);

enum IterInner<'a> {
    Pack(PackIter<'a>),
    Skip(skiplist::Iter<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterInner::Pack(it) => it.next().map(|e| (e.member, e.score)),
            IterInner::Skip(it) => it.next(),
        }
    }
}

#[cfg(test)]
mod tests;
