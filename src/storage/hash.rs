//! The hash type, with Redis 7.4's encodings and per-field expiry:
//!
//! * `listpack`: few, short fields; one packed buffer of `field, value` pairs in insertion order.
//! * `listpackex`: a listpack that has been given field TTLs (HEXPIRE and friends); entries are
//!   `field, value, ttl` triples ordered as Redis orders them: fields with a TTL first by
//!   ascending expiry time, then fields without one. Like Redis, it never goes back to plain
//!   `listpack`.
//! * `hashtable`: a [`DenseTable`] of entries plus an ordered index of field expiry times.
//!
//! Expired fields are removed by [`Hash::expire_fields`], which the command layer calls before
//! every access (lazy expiry) and the server's active-expiry cycle can call on its own.

use super::set::{random_index, scan_positions, DenseTable, Keyed, Packed};
use crate::config::EncodingLimits;
use bytes::Bytes;
use std::collections::BTreeSet;

/// One field of a table-encoded hash.
#[derive(Debug, Clone)]
pub struct HashEntry {
    /// The field name.
    pub field: Bytes,
    /// The value.
    pub value: Bytes,
    /// Absolute expiry in Unix milliseconds; 0 for none.
    pub expire_at: i64,
}

impl Keyed for HashEntry {
    fn key(&self) -> &[u8] {
        &self.field
    }
}

#[derive(Debug, Clone, Default)]
struct Table {
    map: DenseTable<HashEntry>,
    /// `(expire_at, field)` for every field with a TTL, soonest first.
    ttl: BTreeSet<(i64, Bytes)>,
}

#[derive(Debug, Clone)]
enum Enc {
    /// Pairs, or triples when the list's flag is set (listpackex).
    Packed(Packed),
    Table(Box<Table>),
}

/// A map of binary-safe fields to values (see the module documentation).
#[derive(Debug, Clone)]
pub struct Hash {
    enc: Enc,
}

impl Default for Hash {
    /// An empty listpack-encoded hash, as Redis's `createHashObject`.
    fn default() -> Self {
        Hash {
            enc: Enc::Packed(Packed::default()),
        }
    }
}

/// What a field's TTL lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldTtl {
    /// No such field.
    Missing,
    /// The field exists without a TTL.
    Persistent,
    /// The field expires at this Unix time in milliseconds.
    At(i64),
}

/// The NX / XX / GT / LT condition of HEXPIRE and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpireCond {
    /// No condition.
    #[default]
    Always,
    /// Only fields without a TTL.
    Nx,
    /// Only fields with a TTL.
    Xx,
    /// Only if the new time is later (a field without TTL counts as infinite).
    Gt,
    /// Only if the new time is earlier (a field without TTL counts as infinite).
    Lt,
}

/// Outcome of setting one field's TTL, with the integer HEXPIRE replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireOutcome {
    /// -2: no such field.
    NoField = -2,
    /// 0: the condition was not met.
    NotMet = 0,
    /// 1: the TTL was set.
    Set = 1,
    /// 2: the time was not in the future, so the field was deleted.
    Deleted = 2,
}

fn arity(ex: bool) -> usize {
    if ex {
        3
    } else {
        2
    }
}

/// A decoded tuple of a packed hash: offsets and contents.
struct Tuple<'a> {
    off: usize,
    field: &'a [u8],
    value_off: usize,
    value: &'a [u8],
    ttl: i64,
    next: usize,
}

fn tuple_at(list: &Packed, off: usize, ex: bool) -> Option<Tuple<'_>> {
    let (field, value_off) = list.item(off)?;
    let (value, after) = list.item(value_off)?;
    let (ttl, next) = if ex {
        let (t, n) = list.item(after)?;
        (Packed::ttl_value(t), n)
    } else {
        (0, after)
    };
    Some(Tuple {
        off,
        field,
        value_off,
        value,
        ttl,
        next,
    })
}

struct Tuples<'a> {
    list: &'a Packed,
    off: usize,
    ex: bool,
}

impl<'a> Iterator for Tuples<'a> {
    type Item = Tuple<'a>;
    fn next(&mut self) -> Option<Tuple<'a>> {
        let t = tuple_at(self.list, self.off, self.ex)?;
        self.off = t.next;
        Some(t)
    }
}

fn tuples(list: &Packed, ex: bool) -> Tuples<'_> {
    Tuples { list, off: 0, ex }
}

fn find_tuple<'a>(list: &'a Packed, ex: bool, field: &[u8]) -> Option<Tuple<'a>> {
    tuples(list, ex).find(|t| t.field == field)
}

/// Inserts a listpackex triple at the place Redis keeps it: before the first field without a
/// TTL or with a later-or-equal one (appended when `at` is 0).
fn insert_ordered(list: &mut Packed, field: &[u8], value: &[u8], at: i64) {
    let (tb, tn) = Packed::ttl_item(at);
    let pos = if at == 0 {
        None
    } else {
        tuples(list, true)
            .find(|t| t.ttl == 0 || t.ttl >= at)
            .map(|t| t.off)
    };
    let items: [&[u8]; 3] = [field, value, &tb[..tn]];
    match pos {
        Some(off) => list.insert(off, &items),
        None => {
            for it in items {
                list.push(it);
            }
        }
    }
}

impl Hash {
    /// Redis's name for the current encoding (OBJECT ENCODING).
    pub fn encoding(&self) -> &'static str {
        match &self.enc {
            Enc::Packed(list) if !list.flag() => "listpack",
            Enc::Packed(_) => "listpackex",
            Enc::Table(_) => "hashtable",
        }
    }

    /// Number of fields (including expired ones not yet removed by [`Hash::expire_fields`]).
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Packed(list) => list.items() / arity(list.flag()),
            Enc::Table(t) => t.map.len(),
        }
    }

    /// True when the hash has no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn convert_to_table(&mut self, cap: usize) {
        let Enc::Packed(list) = &self.enc else {
            return;
        };
        let mut t = Table {
            map: DenseTable::with_capacity(cap.max(list.items() / arity(list.flag()))),
            ttl: BTreeSet::new(),
        };
        for tu in tuples(list, list.flag()) {
            let field = Bytes::copy_from_slice(tu.field);
            if tu.ttl != 0 {
                t.ttl.insert((tu.ttl, field.clone()));
            }
            t.map.insert_new(HashEntry {
                field,
                value: Bytes::copy_from_slice(tu.value),
                expire_at: tu.ttl,
            });
        }
        self.enc = Enc::Table(Box::new(t));
    }

    /// Converts up front before setting the `field, value, ...` pairs in `args`, as Redis's
    /// `hashTypeTryConversion`: too many pairs or any argument too long for a listpack.
    pub fn prepare_for(&mut self, args: &[Bytes], lim: &EncodingLimits) {
        if matches!(self.enc, Enc::Table(_)) {
            return;
        }
        let new_fields = args.len() / 2;
        if new_fields as u64 > lim.hash_max_listpack_entries {
            self.convert_to_table(new_fields);
            return;
        }
        if args
            .iter()
            .any(|a| a.len() as u64 > lim.hash_max_listpack_value)
        {
            self.convert_to_table(0);
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.enc {
            Enc::Packed(list) => find_tuple(list, list.flag(), field).map(|t| t.value),
            Enc::Table(t) => t.map.get(field).map(|e| &e.value[..]),
        }
    }

    /// True if `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Sets `field` to `value`; true if the field is new. Without `keep_ttl` an existing
    /// field loses its TTL (HSET); with it the TTL stays (HINCRBY, HINCRBYFLOAT). Converts to a
    /// hash table when the field or value is too long or there are too many fields.
    pub fn set(
        &mut self,
        field: &[u8],
        value: &[u8],
        keep_ttl: bool,
        lim: &EncodingLimits,
    ) -> bool {
        if matches!(self.enc, Enc::Packed(_))
            && (field.len() as u64 > lim.hash_max_listpack_value
                || value.len() as u64 > lim.hash_max_listpack_value)
        {
            self.convert_to_table(0);
        }
        match &mut self.enc {
            Enc::Packed(list) => {
                let ex = list.flag();
                let found = find_tuple(list, ex, field).map(|t| (t.off, t.value_off, t.ttl));
                let created = match found {
                    Some((off, value_off, ttl)) => {
                        if ex && ttl != 0 && !keep_ttl {
                            list.remove(off, 3);
                            insert_ordered(list, field, value, 0);
                        } else {
                            list.replace(value_off, value);
                        }
                        false
                    }
                    None => {
                        list.push(field);
                        list.push(value);
                        if ex {
                            list.push(&[]);
                        }
                        true
                    }
                };
                if self.len() as u64 > lim.hash_max_listpack_entries {
                    self.convert_to_table(0);
                }
                created
            }
            Enc::Table(t) => match t.map.get_mut(field) {
                Some(e) => {
                    e.value = Bytes::copy_from_slice(value);
                    if e.expire_at != 0 && !keep_ttl {
                        let at = std::mem::take(&mut e.expire_at);
                        t.ttl.remove(&(at, e.field.clone()));
                    }
                    false
                }
                None => {
                    t.map.insert_new(HashEntry {
                        field: Bytes::copy_from_slice(field),
                        value: Bytes::copy_from_slice(value),
                        expire_at: 0,
                    });
                    true
                }
            },
        }
    }

    /// Deletes `field`; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Packed(list) => {
                let ex = list.flag();
                match find_tuple(list, ex, field).map(|t| t.off) {
                    Some(off) => {
                        list.remove(off, arity(ex));
                        true
                    }
                    None => false,
                }
            }
            Enc::Table(t) => match t.map.remove(field) {
                Some(e) => {
                    if e.expire_at != 0 {
                        t.ttl.remove(&(e.expire_at, e.field));
                    }
                    true
                }
                None => false,
            },
        }
    }

    /// Iterates `(field, value)` in encoding order.
    pub fn iter(&self) -> HashIter<'_> {
        match &self.enc {
            Enc::Packed(list) => HashIter(IterInner::Packed(tuples(list, list.flag()))),
            Enc::Table(t) => HashIter(IterInner::Table(t.map.entries().iter())),
        }
    }

    /// A uniformly random `(field, value)`.
    pub fn random_entry(&self) -> Option<(&[u8], &[u8])> {
        match &self.enc {
            Enc::Packed(_) => {
                let n = random_index(self.len());
                self.iter().nth(n)
            }
            Enc::Table(t) => t.map.random().map(|e| (&e.field[..], &e.value[..])),
        }
    }

    /// The entries as a vector (random access for sampling).
    pub fn entries(&self) -> Vec<(&[u8], &[u8])> {
        self.iter().collect()
    }

    /// One HSCAN step: `(field, value)` pairs whose field matches `pattern` (all when `None`).
    /// Listpacks return everything with cursor 0, as Redis does.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        pattern: Option<&[u8]>,
    ) -> (u64, Vec<(Bytes, Bytes)>) {
        let keep = |b: &[u8]| pattern.is_none_or(|p| crate::pubsub::glob::glob_match(p, b));
        match &self.enc {
            Enc::Table(t) => {
                let (range, next) = scan_positions(t.map.len(), cursor, count);
                let out = t.map.entries()[range]
                    .iter()
                    .rev()
                    .filter(|e| keep(&e.field))
                    .map(|e| (e.field.clone(), e.value.clone()))
                    .collect();
                (next, out)
            }
            Enc::Packed(_) => {
                let out = self
                    .iter()
                    .filter(|(f, _)| keep(f))
                    .map(|(f, v)| (Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)))
                    .collect();
                (0, out)
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Field expiry
    // -----------------------------------------------------------------------------------------

    /// The earliest field expiry time, if any field has a TTL. The active-expiry cycle uses it
    /// to find hashes worth visiting.
    pub fn next_field_expiry(&self) -> Option<i64> {
        match &self.enc {
            Enc::Packed(list) if !list.flag() => None,
            Enc::Packed(list) => {
                tuple_at(list, 0, true).and_then(|t| (t.ttl != 0).then_some(t.ttl))
            }
            Enc::Table(t) => t.ttl.first().map(|(at, _)| *at),
        }
    }

    /// Deletes every field whose expiry time is at or before `now_ms`; returns how many. Callers
    /// publish `hexpired` (and `del` when the hash is left empty, which they then delete).
    pub fn expire_fields(&mut self, now_ms: i64) -> usize {
        match &mut self.enc {
            Enc::Packed(list) if !list.flag() => 0,
            Enc::Packed(list) => {
                let n = tuples(list, true)
                    .take_while(|t| t.ttl != 0 && t.ttl <= now_ms)
                    .count();
                if n > 0 {
                    list.remove(0, 3 * n);
                }
                n
            }
            Enc::Table(t) => {
                let mut n = 0;
                while let Some((at, _)) = t.ttl.first() {
                    if *at > now_ms {
                        break;
                    }
                    if let Some((_, field)) = t.ttl.pop_first() {
                        t.map.remove(&field);
                        n += 1;
                    }
                }
                n
            }
        }
    }

    /// The TTL state of `field`.
    pub fn field_ttl(&self, field: &[u8]) -> FieldTtl {
        match &self.enc {
            Enc::Packed(list) => match find_tuple(list, list.flag(), field) {
                None => FieldTtl::Missing,
                Some(t) if t.ttl == 0 => FieldTtl::Persistent,
                Some(t) => FieldTtl::At(t.ttl),
            },
            Enc::Table(t) => match t.map.get(field) {
                None => FieldTtl::Missing,
                Some(e) if e.expire_at == 0 => FieldTtl::Persistent,
                Some(e) => FieldTtl::At(e.expire_at),
            },
        }
    }

    /// Prepares the hash for field TTLs: a listpack becomes a listpackex (Redis does this as
    /// soon as HEXPIRE and friends touch an existing hash, whatever the outcome).
    pub fn enable_field_ttl(&mut self) {
        if let Enc::Packed(list) = &mut self.enc {
            if !list.flag() {
                let mut nl = Packed::default();
                for t in tuples(list, false) {
                    nl.push(t.field);
                    nl.push(t.value);
                    nl.push(&[]);
                }
                nl.set_flag(true);
                *list = nl;
            }
        }
    }

    /// Sets `field` to expire at `at` (Unix ms) under `cond`, as HEXPIRE does in Redis 7.4: a
    /// time at or before `now_ms` deletes the field.
    pub fn set_field_expiry(
        &mut self,
        field: &[u8],
        at: i64,
        cond: ExpireCond,
        now_ms: i64,
    ) -> ExpireOutcome {
        let prev = match self.field_ttl(field) {
            FieldTtl::Missing => return ExpireOutcome::NoField,
            FieldTtl::Persistent => None,
            FieldTtl::At(t) => Some(t),
        };
        let met = match (prev, cond) {
            (None, ExpireCond::Xx | ExpireCond::Gt) => false,
            (None, _) => true,
            (Some(_), ExpireCond::Nx) => false,
            (Some(p), ExpireCond::Gt) => at > p,
            (Some(p), ExpireCond::Lt) => at < p,
            (Some(_), _) => true,
        };
        if !met {
            return ExpireOutcome::NotMet;
        }
        if at <= now_ms {
            self.remove(field);
            return ExpireOutcome::Deleted;
        }
        self.enable_field_ttl();
        self.retime(field, at);
        ExpireOutcome::Set
    }

    /// Gives an existing `field` the expiry `at` (0 = none), keeping Redis's listpackex order.
    fn retime(&mut self, field: &[u8], at: i64) {
        match &mut self.enc {
            Enc::Packed(list) => {
                let ex = list.flag();
                let Some(t) = find_tuple(list, ex, field) else {
                    return;
                };
                let (off, value) = (t.off, t.value.to_vec());
                if ex {
                    list.remove(off, 3);
                    insert_ordered(list, field, &value, at);
                }
            }
            Enc::Table(t) => {
                if let Some(e) = t.map.get_mut(field) {
                    if e.expire_at != 0 {
                        t.ttl.remove(&(e.expire_at, e.field.clone()));
                    }
                    e.expire_at = at;
                    if at != 0 {
                        t.ttl.insert((at, e.field.clone()));
                    }
                }
            }
        }
    }

    /// Removes `field`'s TTL: -2 no such field, -1 no TTL, 1 removed (HPERSIST's replies).
    pub fn persist_field(&mut self, field: &[u8]) -> i64 {
        match self.field_ttl(field) {
            FieldTtl::Missing => -2,
            FieldTtl::Persistent => -1,
            FieldTtl::At(_) => {
                self.retime(field, 0);
                1
            }
        }
    }
}

/// Iterator over a [`Hash`]'s `(field, value)` pairs.
pub struct HashIter<'a>(IterInner<'a>);

enum IterInner<'a> {
    Packed(Tuples<'a>),
    Table(std::slice::Iter<'a, HashEntry>),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterInner::Packed(it) => it.next().map(|t| (t.field, t.value)),
            IterInner::Table(it) => it.next().map(|e| (&e.field[..], &e.value[..])),
        }
    }
}

/// Exact emulation of the x87 80-bit `long double` arithmetic Redis (on x86-64) uses for
/// HINCRBYFLOAT and INCRBYFLOAT: `strtold` parsing, one correctly rounded addition, and
/// `%.17Lf` formatting with trailing zeros removed. `f64` would print `2.10000000000000009`
/// where Redis prints `2.1`, so the 64-bit significand and its rounding are reproduced with a
/// small big-integer implementation.
pub mod long_double {
    use std::cmp::Ordering;

    /// An extended-precision value: `(-1)^neg * m * 2^e`, or an infinity.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Ld {
        /// A finite value (`m == 0` is zero).
        Finite {
            /// Sign.
            neg: bool,
            /// Significand (at most 64 bits).
            m: u64,
            /// Binary exponent of the significand's lowest bit.
            e: i64,
        },
        /// An infinity.
        Inf {
            /// Sign.
            neg: bool,
        },
    }

    /// Lowest bit exponent of an x87 extended value (the smallest subnormal is 2^-16445).
    const MIN_LSB: i64 = -16445;
    /// Values at or above 2^16384 overflow.
    const MAX_EXP: i64 = 16384;

    /// Little-endian base-2^32 unsigned integer, just what parsing and printing need.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Big(Vec<u32>);

    impl Big {
        fn from_u128(mut v: u128) -> Big {
            let mut l = Vec::new();
            while v != 0 {
                l.push(v as u32);
                v >>= 32;
            }
            Big(l)
        }
        fn trim(&mut self) {
            while self.0.last() == Some(&0) {
                self.0.pop();
            }
        }
        fn is_zero(&self) -> bool {
            self.0.iter().all(|&x| x == 0)
        }
        fn bit_len(&self) -> i64 {
            for (i, &l) in self.0.iter().enumerate().rev() {
                if l != 0 {
                    return i as i64 * 32 + (32 - i64::from(l.leading_zeros()));
                }
            }
            0
        }
        fn bit(&self, i: i64) -> bool {
            if i < 0 {
                return false;
            }
            let (w, b) = ((i / 32) as usize, (i % 32) as u32);
            self.0.get(w).is_some_and(|&l| l >> b & 1 == 1)
        }
        fn any_below(&self, i: i64) -> bool {
            // Any bit set strictly below position i.
            if i <= 0 {
                return false;
            }
            let w = (i / 32) as usize;
            let b = (i % 32) as u32;
            if self.0.iter().take(w.min(self.0.len())).any(|&l| l != 0) {
                return true;
            }
            b > 0 && self.0.get(w).is_some_and(|&l| l & ((1u32 << b) - 1) != 0)
        }
        fn mul_small(&mut self, m: u32) {
            let mut carry = 0u64;
            for l in &mut self.0 {
                let v = u64::from(*l) * u64::from(m) + carry;
                *l = v as u32;
                carry = v >> 32;
            }
            if carry != 0 {
                self.0.push(carry as u32);
            }
        }
        fn add_small(&mut self, a: u32) {
            let mut carry = u64::from(a);
            for l in &mut self.0 {
                if carry == 0 {
                    return;
                }
                let v = u64::from(*l) + carry;
                *l = v as u32;
                carry = v >> 32;
            }
            if carry != 0 {
                self.0.push(carry as u32);
            }
        }
        fn mul_pow(&mut self, base: u32, mut k: u64) {
            // base^chunk must fit in u32.
            let (chunk, big) = if base == 5 {
                (13, 1_220_703_125u32)
            } else {
                (9, 1_000_000_000u32)
            };
            while k >= chunk {
                self.mul_small(big);
                k -= chunk;
            }
            if k > 0 {
                self.mul_small(base.pow(k as u32));
            }
        }
        fn shl(&self, bits: u64) -> Big {
            let (w, b) = ((bits / 32) as usize, (bits % 32) as u32);
            let mut out = vec![0u32; w];
            if b == 0 {
                out.extend_from_slice(&self.0);
            } else {
                let mut carry = 0u32;
                for &l in &self.0 {
                    out.push((l << b) | carry);
                    carry = l >> (32 - b);
                }
                out.push(carry);
            }
            let mut r = Big(out);
            r.trim();
            r
        }
        fn shr(&self, bits: u64) -> Big {
            let (w, b) = ((bits / 32) as usize, (bits % 32) as u32);
            if w >= self.0.len() {
                return Big(Vec::new());
            }
            let src = &self.0[w..];
            let mut out = Vec::with_capacity(src.len());
            for i in 0..src.len() {
                let lo = src[i] >> b;
                let hi = if b == 0 {
                    0
                } else {
                    src.get(i + 1).map_or(0, |&h| h << (32 - b))
                };
                out.push(lo | hi);
            }
            let mut r = Big(out);
            r.trim();
            r
        }
        fn cmp(&self, o: &Big) -> Ordering {
            let (a, b) = (self.bit_len(), o.bit_len());
            if a != b {
                return a.cmp(&b);
            }
            let n = self.0.len().max(o.0.len());
            for i in (0..n).rev() {
                let x = self.0.get(i).copied().unwrap_or(0);
                let y = o.0.get(i).copied().unwrap_or(0);
                if x != y {
                    return x.cmp(&y);
                }
            }
            Ordering::Equal
        }
        fn sub_assign(&mut self, o: &Big) {
            // Requires self >= o.
            let mut borrow = 0i64;
            for i in 0..self.0.len() {
                let y = i64::from(o.0.get(i).copied().unwrap_or(0));
                let mut v = i64::from(self.0[i]) - y - borrow;
                borrow = 0;
                if v < 0 {
                    v += 1 << 32;
                    borrow = 1;
                }
                self.0[i] = v as u32;
            }
            self.trim();
        }
        fn add(&self, o: &Big) -> Big {
            let n = self.0.len().max(o.0.len());
            let mut out = Vec::with_capacity(n + 1);
            let mut carry = 0u64;
            for i in 0..n {
                let v = u64::from(self.0.get(i).copied().unwrap_or(0))
                    + u64::from(o.0.get(i).copied().unwrap_or(0))
                    + carry;
                out.push(v as u32);
                carry = v >> 32;
            }
            if carry != 0 {
                out.push(carry as u32);
            }
            Big(out)
        }
        fn to_u128(&self) -> u128 {
            self.0
                .iter()
                .take(4)
                .rev()
                .fold(0u128, |acc, &l| (acc << 32) | u128::from(l))
        }
        /// Divides in place by `d`, returning the remainder.
        fn div_small(&mut self, d: u32) -> u32 {
            let mut rem = 0u64;
            for l in self.0.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*l);
                *l = (cur / u64::from(d)) as u32;
                rem = cur % u64::from(d);
            }
            self.trim();
            rem as u32
        }
        fn to_decimal(&self) -> String {
            if self.is_zero() {
                return "0".into();
            }
            let mut n = self.clone();
            let mut chunks = Vec::new();
            while !n.is_zero() {
                chunks.push(n.div_small(1_000_000_000));
            }
            let mut s = String::new();
            for (i, c) in chunks.iter().rev().enumerate() {
                if i == 0 {
                    s.push_str(&c.to_string());
                } else {
                    s.push_str(&format!("{c:09}"));
                }
            }
            s
        }
    }

    /// Rounds `(n + sticky*eps) * 2^e` to the nearest extended value (ties to even).
    fn round(neg: bool, n: &Big, e: i64, sticky: bool) -> Ld {
        if n.is_zero() {
            return Ld::Finite { neg, m: 0, e: 0 };
        }
        let bl = n.bit_len();
        let shift = (bl - 64).max(MIN_LSB.saturating_sub(e));
        let (m, exp) = if shift <= 0 {
            (n.to_u128() as u64, e)
        } else {
            let q = n.shr(shift as u64);
            let mut m = q.to_u128();
            let half = n.bit(shift - 1);
            let lower = sticky || n.any_below(shift - 1);
            if half && (lower || m & 1 == 1) {
                m += 1;
            }
            let mut exp = e + shift;
            if m >> 64 != 0 {
                m >>= 1;
                exp += 1;
            }
            (m as u64, exp)
        };
        if m == 0 {
            return Ld::Finite { neg, m: 0, e: 0 };
        }
        let top = exp + (64 - i64::from(m.leading_zeros()));
        if top > MAX_EXP {
            return Ld::Inf { neg };
        }
        Ld::Finite { neg, m, e: exp }
    }

    fn is_c_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    }

    fn digits(s: &[u8], i: &mut usize, radix: u32) -> usize {
        let start = *i;
        while s.get(*i).is_some_and(|c| (*c as char).is_digit(radix)) {
            *i += 1;
        }
        *i - start
    }

    fn parse_exp(s: &[u8], i: &mut usize) -> Option<i64> {
        let mut j = *i + 1;
        let neg = match s.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let start = j;
        let mut v: i64 = 0;
        while let Some(c) = s.get(j).filter(|c| c.is_ascii_digit()) {
            v = (v * 10 + i64::from(c - b'0')).min(1_000_000_000);
            j += 1;
        }
        if j == start {
            return None; // the exponent marker is not part of the number
        }
        *i = j;
        Some(if neg { -v } else { v })
    }

    /// Parses like Redis's `string2ld`: `strtold` syntax (decimal, hex, inf/infinity), the whole
    /// string consumed, no leading space, no NaN, no overflow and no underflow to zero.
    pub fn parse(input: &[u8]) -> Option<Ld> {
        // Redis copies into a C buffer: the string ends at the first NUL.
        let s = &input[..input.iter().position(|&b| b == 0).unwrap_or(input.len())];
        if input.is_empty() || input.len() >= 5 * 1024 || s.first().is_none_or(|&b| is_c_space(b)) {
            return None;
        }
        let mut i = 0;
        let neg = match s.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let rest = &s[i..];
        let lower: Vec<u8> = rest.iter().map(|b| b.to_ascii_lowercase()).collect();
        if lower == b"inf" || lower == b"infinity" {
            return Some(Ld::Inf { neg });
        }
        if lower.starts_with(b"nan") || lower.starts_with(b"inf") {
            return None;
        }
        if lower.starts_with(b"0x")
            && lower.get(2).is_some_and(|c| {
                c.is_ascii_hexdigit()
                    || (*c == b'.' && lower.get(3).is_some_and(|d| d.is_ascii_hexdigit()))
            })
        {
            return parse_hex(neg, &rest[2..]);
        }
        let mut j = 0;
        let int_start = j;
        let nint = digits(rest, &mut j, 10);
        let int_digits = &rest[int_start..int_start + nint];
        let mut frac_digits: &[u8] = &[];
        if rest.get(j) == Some(&b'.') {
            let fs = j + 1;
            let mut k = fs;
            let nf = digits(rest, &mut k, 10);
            frac_digits = &rest[fs..fs + nf];
            j = k;
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return None;
        }
        let mut exp = 0i64;
        if matches!(rest.get(j), Some(b'e' | b'E')) {
            if let Some(x) = parse_exp(rest, &mut j) {
                exp = x;
            }
        }
        if j != rest.len() {
            return None;
        }
        let all = int_digits.iter().chain(frac_digits).copied();
        let mut d = Big(Vec::new());
        let mut nd = 0i64;
        for c in all.skip_while(|&c| c == b'0') {
            d.mul_small(10);
            d.add_small(u32::from(c - b'0'));
            nd += 1;
        }
        if nd == 0 {
            return Some(Ld::Finite { neg, m: 0, e: 0 });
        }
        let e10 = exp - frac_digits.len() as i64;
        // 10^(nd-1+e10) <= value < 10^(nd+e10)
        if nd - 1 + e10 > 4933 || nd + e10 < -4952 {
            return None;
        }
        let v = if e10 >= 0 {
            d.mul_pow(10, e10 as u64);
            round(neg, &d, 0, false)
        } else {
            let k = (-e10) as u64;
            let mut b = Big::from_u128(1);
            b.mul_pow(5, k);
            // q = floor(d * 2^s / (b * 2^t)), with 2^66 <= q < 2^68.
            let diff = d.bit_len() - b.bit_len();
            let (s_, t_) = if 67 - diff >= 0 {
                ((67 - diff) as u64, 0u64)
            } else {
                (0, (diff - 67) as u64)
            };
            let mut a = d.shl(s_);
            let bs = b.shl(t_);
            let mut q: u128 = 0;
            for bit in (0..70u32).rev() {
                let sh = bs.shl(u64::from(bit));
                if a.cmp(&sh) != Ordering::Less {
                    a.sub_assign(&sh);
                    q |= 1u128 << bit;
                }
            }
            let e = t_ as i64 - s_ as i64 - k as i64;
            round(neg, &Big::from_u128(q), e, !a.is_zero())
        };
        match v {
            Ld::Finite { m: 0, .. } | Ld::Inf { .. } => None, // ERANGE
            v => Some(v),
        }
    }

    fn parse_hex(neg: bool, s: &[u8]) -> Option<Ld> {
        let mut j = 0;
        let ni = digits(s, &mut j, 16);
        let int = &s[..ni];
        let mut frac: &[u8] = &[];
        if s.get(j) == Some(&b'.') {
            let fs = j + 1;
            let mut k = fs;
            let nf = digits(s, &mut k, 16);
            frac = &s[fs..fs + nf];
            j = k;
        }
        let mut exp = 0i64;
        if matches!(s.get(j), Some(b'p' | b'P')) {
            if let Some(x) = parse_exp(s, &mut j) {
                exp = x;
            }
        }
        if j != s.len() {
            return None;
        }
        let mut d = Big(Vec::new());
        for c in int.iter().chain(frac).skip_while(|&&c| c == b'0') {
            d.mul_small(16);
            d.add_small((*c as char).to_digit(16).unwrap_or(0));
        }
        if d.is_zero() {
            return Some(Ld::Finite { neg, m: 0, e: 0 });
        }
        let e = exp.saturating_sub(4 * frac.len() as i64);
        match round(neg, &d, e, false) {
            Ld::Finite { m: 0, .. } | Ld::Inf { .. } => None,
            v => Some(v),
        }
    }

    /// True for an infinity.
    pub fn is_inf(v: Ld) -> bool {
        matches!(v, Ld::Inf { .. })
    }

    /// The correctly rounded sum; `None` for NaN (infinities of opposite signs).
    pub fn add(a: Ld, b: Ld) -> Option<Ld> {
        match (a, b) {
            (Ld::Inf { neg: x }, Ld::Inf { neg: y }) => (x == y).then_some(a),
            (Ld::Inf { .. }, _) => Some(a),
            (_, Ld::Inf { .. }) => Some(b),
            (
                Ld::Finite {
                    neg: n1,
                    m: m1,
                    e: e1,
                },
                Ld::Finite {
                    neg: n2,
                    m: m2,
                    e: e2,
                },
            ) => {
                if m1 == 0 {
                    return Some(if m2 == 0 {
                        // -0 + -0 = -0, otherwise +0.
                        Ld::Finite {
                            neg: n1 && n2,
                            m: 0,
                            e: 0,
                        }
                    } else {
                        b
                    });
                }
                if m2 == 0 {
                    return Some(a);
                }
                // Order by exponent; a tiny operand far below only matters as a sticky bit.
                let ((na, ma, ea), (nb, mb, eb)) = if e1 >= e2 {
                    ((n1, m1, e1), (n2, m2, e2))
                } else {
                    ((n2, m2, e2), (n1, m1, e1))
                };
                let (mb, eb, far) = if ea - eb > 140 {
                    (1u64, ea - 140, true)
                } else {
                    (mb, eb, false)
                };
                let x = Big::from_u128(u128::from(ma)).shl((ea - eb) as u64);
                let y = Big::from_u128(u128::from(mb));
                let _ = far;
                let (neg, n) = if na == nb {
                    (na, x.add(&y))
                } else {
                    match x.cmp(&y) {
                        Ordering::Equal => {
                            return Some(Ld::Finite {
                                neg: false,
                                m: 0,
                                e: 0,
                            })
                        }
                        Ordering::Greater => {
                            let mut r = x;
                            r.sub_assign(&y);
                            (na, r)
                        }
                        Ordering::Less => {
                            let mut r = y;
                            r.sub_assign(&x);
                            (nb, r)
                        }
                    }
                };
                Some(round(neg, &n, eb, false))
            }
        }
    }

    /// Formats as Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf`, trailing zeros and a bare
    /// point removed, `-0` shown as `0`. Infinities print as `inf` / `-inf`.
    pub fn format_human(v: Ld) -> String {
        let (neg, m, e) = match v {
            Ld::Inf { neg } => return if neg { "-inf" } else { "inf" }.into(),
            Ld::Finite { neg, m, e } => (neg, m, e),
        };
        let mut x = Big::from_u128(u128::from(m));
        x.mul_pow(10, 17);
        let q = if e >= 0 {
            x.shl(e as u64)
        } else {
            let k = -e;
            let mut q = x.shr(k as u64);
            let half = x.bit(k - 1);
            let lower = x.any_below(k - 1);
            if half && (lower || q.bit(0)) {
                q.add_small(1);
            }
            q
        };
        let mut digits = q.to_decimal();
        while digits.len() < 18 {
            digits.insert(0, '0');
        }
        let (int, frac) = digits.split_at(digits.len() - 17);
        let frac = frac.trim_end_matches('0');
        let mut s = String::with_capacity(digits.len() + 2);
        if neg {
            s.push('-');
        }
        s.push_str(int);
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        if s == "-0" {
            s = "0".into();
        }
        s
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn incr(a: &str, b: &str) -> String {
            let x = parse(a.as_bytes()).unwrap();
            let y = parse(b.as_bytes()).unwrap();
            format_human(add(x, y).unwrap())
        }

        #[test]
        fn matches_redis_x87_results() {
            assert_eq!(incr("1", "1.1"), "2.1");
            assert_eq!(incr("0", "0.1"), "0.1");
            assert_eq!(incr("0.1", "0.2"), "0.3");
            assert_eq!(incr("10.5", "0.1"), "10.6");
            assert_eq!(incr("5.0e3", "2.0e2"), "5200");
            assert_eq!(incr("17179869184", "1.5"), "17179869185.5");
            assert_eq!(incr("0", "3.0e3"), "3000");
            assert_eq!(incr("1", "-1"), "0");
            assert_eq!(incr("-1", "-0.5"), "-1.5");
            assert_eq!(incr("0", "1e20"), "100000000000000000000");
            assert_eq!(incr("0", "-1e-20"), "0");
            assert_eq!(incr("0", "0x10"), "16");
            assert_eq!(incr("0", "1.23456789012345678"), "1.23456789012345678");
            // 1/3 is not exact: %.17Lf shows the long double's digits.
            assert_eq!(incr("0", "0.33333333333333333"), "0.33333333333333333");
            assert_eq!(incr("0", ".5"), "0.5");
            assert_eq!(incr("0", "5."), "5");
        }

        #[test]
        fn parse_rejections() {
            for bad in [
                "", " 1", "1 ", "abc", "nan", "1e", "1e+", "--1", "0x", "1.2.3", "1e99999",
                "1e-99999", "infinit", "+",
            ] {
                assert_eq!(parse(bad.as_bytes()), None, "{bad:?}");
            }
            assert!(is_inf(parse(b"inf").unwrap()));
            assert!(is_inf(parse(b"-Infinity").unwrap()));
            assert_eq!(
                parse(b"0e99999"),
                Some(Ld::Finite {
                    neg: false,
                    m: 0,
                    e: 0
                })
            );
            assert!(parse(b"1e4000").is_some());
            assert!(parse(b"1e-4940").is_some());
            assert!(parse(b"1e5000").is_none());
        }

        #[test]
        fn overflow_to_infinity() {
            let big = parse(b"1e4932").unwrap();
            assert!(is_inf(add(big, big).unwrap()));
            let inf = parse(b"inf").unwrap();
            let minf = parse(b"-inf").unwrap();
            assert_eq!(add(inf, minf), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn lim() -> EncodingLimits {
        EncodingLimits::default()
    }

    fn small_lim() -> EncodingLimits {
        EncodingLimits {
            hash_max_listpack_entries: 4,
            hash_max_listpack_value: 8,
            ..EncodingLimits::default()
        }
    }

    fn fields(h: &Hash) -> Vec<String> {
        h.iter()
            .map(|(f, _)| String::from_utf8_lossy(f).into_owned())
            .collect()
    }

    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<Hash>() <= 32);
    }

    #[test]
    fn set_get_remove_and_convert() {
        let l = small_lim();
        let mut h = Hash::default();
        assert!(h.set(b"a", b"1", false, &l));
        assert!(!h.set(b"a", b"2", false, &l));
        assert_eq!(h.get(b"a"), Some(&b"2"[..]));
        assert_eq!(h.encoding(), "listpack");
        for f in ["b", "c", "d"] {
            h.set(f.as_bytes(), b"x", false, &l);
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"e", b"x", false, &l);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 5);
        assert!(h.remove(b"a"));
        assert!(!h.remove(b"a"));
        let mut h = Hash::default();
        h.set(b"a", b"123456789", false, &l);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn listpackex_order_follows_redis() {
        let l = lim();
        let mut h = Hash::default();
        for f in ["a", "b", "c", "d"] {
            h.set(f.as_bytes(), b"v", false, &l);
        }
        let now = 1_000;
        assert_eq!(
            h.set_field_expiry(b"c", 5_000, ExpireCond::Always, now),
            ExpireOutcome::Set
        );
        assert_eq!(h.encoding(), "listpackex");
        assert_eq!(fields(&h), ["c", "a", "b", "d"]);
        h.set_field_expiry(b"d", 3_000, ExpireCond::Always, now);
        assert_eq!(fields(&h), ["d", "c", "a", "b"]);
        assert_eq!(h.next_field_expiry(), Some(3_000));
        // HSET drops the TTL and moves the field to the end.
        h.set(b"d", b"w", false, &l);
        assert_eq!(fields(&h), ["c", "a", "b", "d"]);
        // HINCRBY keeps it in place.
        h.set(b"c", b"w", true, &l);
        assert_eq!(h.field_ttl(b"c"), FieldTtl::At(5_000));
        assert_eq!(h.persist_field(b"c"), 1);
        assert_eq!(h.persist_field(b"c"), -1);
        assert_eq!(h.persist_field(b"zz"), -2);
        assert_eq!(fields(&h), ["a", "b", "d", "c"]);
        assert_eq!(h.encoding(), "listpackex");
    }

    #[test]
    fn expiry_conditions() {
        let l = lim();
        let mut h = Hash::default();
        h.set(b"f", b"v", false, &l);
        let now = 100;
        use ExpireCond::*;
        use ExpireOutcome::*;
        assert_eq!(h.set_field_expiry(b"nope", 500, Always, now), NoField);
        assert_eq!(h.set_field_expiry(b"f", 500, Xx, now), NotMet);
        assert_eq!(h.set_field_expiry(b"f", 500, Gt, now), NotMet);
        assert_eq!(h.set_field_expiry(b"f", 500, Lt, now), Set);
        assert_eq!(h.set_field_expiry(b"f", 600, Nx, now), NotMet);
        assert_eq!(h.set_field_expiry(b"f", 400, Gt, now), NotMet);
        assert_eq!(h.set_field_expiry(b"f", 600, Gt, now), Set);
        assert_eq!(h.set_field_expiry(b"f", 700, Lt, now), NotMet);
        assert_eq!(h.set_field_expiry(b"f", 550, Xx, now), Set);
        assert_eq!(h.field_ttl(b"f"), FieldTtl::At(550));
        assert_eq!(h.set_field_expiry(b"f", now, Always, now), Deleted);
        assert!(h.is_empty());
    }

    #[test]
    fn expire_fields_both_encodings() {
        for l in [lim(), small_lim()] {
            let mut h = Hash::default();
            for i in 0..6 {
                h.set(format!("f{i}").as_bytes(), b"v", false, &l);
            }
            for i in 0..4 {
                h.set_field_expiry(format!("f{i}").as_bytes(), 10 + i, ExpireCond::Always, 0);
            }
            assert_eq!(h.next_field_expiry(), Some(10));
            assert_eq!(h.expire_fields(11), 2);
            assert_eq!(h.len(), 4);
            assert_eq!(h.next_field_expiry(), Some(12));
            assert_eq!(h.expire_fields(100), 2);
            assert_eq!(h.next_field_expiry(), None);
            assert_eq!(h.expire_fields(1000), 0);
            assert_eq!(h.len(), 2);
        }
    }

    #[test]
    fn conversion_carries_ttls() {
        let l = small_lim();
        let mut h = Hash::default();
        h.set(b"a", b"1", false, &l);
        h.set_field_expiry(b"a", 50, ExpireCond::Always, 0);
        for f in ["b", "c", "d", "e"] {
            h.set(f.as_bytes(), b"x", false, &l);
        }
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.field_ttl(b"a"), FieldTtl::At(50));
        assert_eq!(h.next_field_expiry(), Some(50));
        assert_eq!(h.expire_fields(50), 1);
        assert_eq!(h.get(b"a"), None);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(u8, u8),
        Del(u8),
        Expire(u8, i64),
        Persist(u8),
        Tick(i64),
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec(prop_oneof![
                (0u8..12, 0u8..20).prop_map(|(f, v)| Op::Set(f, v)),
                (0u8..12).prop_map(Op::Del),
                (0u8..12, 1i64..50).prop_map(|(f, t)| Op::Expire(f, t)),
                (0u8..12).prop_map(Op::Persist),
                (0i64..20).prop_map(Op::Tick),
            ], 0..120), small in any::<bool>()) {
            let l = if small { small_lim() } else { lim() };
            let mut h = Hash::default();
            // field -> (value, expire_at)
            let mut model: BTreeMap<Vec<u8>, (Vec<u8>, i64)> = BTreeMap::new();
            let mut now = 0i64;
            for op in ops {
                match op {
                    Op::Set(f, v) => {
                        let (f, v) = (vec![b'f', f], vec![b'v'; v as usize]);
                        let created = h.set(&f, &v, false, &l);
                        prop_assert_eq!(created, model.insert(f, (v, 0)).is_none());
                    }
                    Op::Del(f) => {
                        let f = vec![b'f', f];
                        prop_assert_eq!(h.remove(&f), model.remove(&f).is_some());
                    }
                    Op::Expire(f, t) => {
                        let f = vec![b'f', f];
                        let got = h.set_field_expiry(&f, now + t, ExpireCond::Always, now);
                        match model.get_mut(&f) {
                            None => prop_assert_eq!(got, ExpireOutcome::NoField),
                            Some(e) => { prop_assert_eq!(got, ExpireOutcome::Set); e.1 = now + t; }
                        }
                    }
                    Op::Persist(f) => {
                        let f = vec![b'f', f];
                        let want = match model.get_mut(&f) {
                            None => -2,
                            Some(e) if e.1 == 0 => -1,
                            Some(e) => { e.1 = 0; 1 }
                        };
                        prop_assert_eq!(h.persist_field(&f), want);
                    }
                    Op::Tick(d) => {
                        now += d;
                        let before = model.len();
                        model.retain(|_, (_, at)| *at == 0 || *at > now);
                        prop_assert_eq!(h.expire_fields(now), before - model.len());
                    }
                }
                prop_assert_eq!(h.len(), model.len());
                let min = model.values().filter(|(_, at)| *at != 0).map(|(_, at)| *at).min();
                prop_assert_eq!(h.next_field_expiry(), min);
            }
            let got: BTreeMap<Vec<u8>, Vec<u8>> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            let want: BTreeMap<Vec<u8>, Vec<u8>> = model.iter().map(|(f, (v, _))| (f.clone(), v.clone())).collect();
            prop_assert_eq!(got, want);
            for (f, (_, at)) in &model {
                let ttl = if *at == 0 { FieldTtl::Persistent } else { FieldTtl::At(*at) };
                prop_assert_eq!(h.field_ttl(f), ttl);
            }
        }
    }
}
