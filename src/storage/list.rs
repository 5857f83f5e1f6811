//! The list type, laid out the way Redis 7.4 lays lists out so that OBJECT ENCODING reports the
//! same encoding Redis would for the same sequence of commands, and small lists stay small.
//!
//! * A small list is one packed byte buffer ([`Packed`], Redis's "listpack"): each element is
//!   stored as a length, its bytes and the length again (so it can be walked from either end),
//!   with no per-element allocation.
//! * A larger list is a sequence of packed nodes plus "plain" nodes for single huge elements
//!   (Redis's "quicklist"). Node splitting, merging and the size/count limits follow
//!   quicklist.c, and the moments a list converts between the two encodings follow t_list.c
//!   (`listTypeTryConvertListpack` / `listTypeTryConvertQuicklist`, including the conversion back
//!   to a listpack when a quicklist shrinks to half the limit).
//!
//! Redis decides node sizes from listpack byte counts, so every packed buffer also keeps the
//! byte size Redis's listpack encoding would have for the same elements ([`lp_entry_size`]).
//! The limits come from `list-max-listpack-size` (the `fill` argument of the mutating methods).

use bytes::Bytes;
use std::collections::VecDeque;

// -------------------------------------------------------------------------------------------
// Redis listpack size accounting
// -------------------------------------------------------------------------------------------

/// Listpack header (6 bytes) plus end marker (1 byte).
const LP_OVERHEAD: usize = 7;
/// quicklist.c `optimization_level`: node byte limits for fill -1 .. -5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// quicklist.c `SIZE_SAFETY_LIMIT`.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// quicklist.c `SIZE_ESTIMATE_OVERHEAD`.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// quicklist.c `FILL_MAX`.
const FILL_MAX: i64 = (1 << 15) - 1;

/// Parses `s` as listpack does (`lpStringToInt64`): a canonical decimal 64-bit integer (no sign
/// other than a leading `-`, no leading zeros, no `-0`). Such elements are stored as integers.
pub fn lp_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'0') if digits.len() == 1 && !neg => return Some(0),
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

/// Bytes of a listpack "backlen" field for an entry whose encoding takes `l` bytes.
fn lp_backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

/// Bytes one element takes in a Redis listpack (encoding + data + backlen).
pub fn lp_entry_size(s: &[u8]) -> usize {
    let enc = match lp_int(s) {
        Some(v) => match v {
            0..=127 => 1,
            -4096..=4095 => 2,
            -32768..=32767 => 3,
            -8_388_608..=8_388_607 => 4,
            -2_147_483_648..=2_147_483_647 => 5,
            _ => 9,
        },
        None if s.len() < 64 => 1 + s.len(),
        None if s.len() < 4096 => 2 + s.len(),
        None => 5 + s.len(),
    };
    enc + lp_backlen_size(enc)
}

// -------------------------------------------------------------------------------------------
// Packed buffer
// -------------------------------------------------------------------------------------------

fn varint_size(mut n: usize) -> usize {
    let mut size = 1;
    while n >= 0x80 {
        n >>= 7;
        size += 1;
    }
    size
}

/// Encodes one element: LEB128 length, the bytes, and the length again with its LEB128 bytes in
/// reverse order so a backwards walk can read it.
fn encode_entry(data: &[u8]) -> Vec<u8> {
    let n = varint_size(data.len());
    let mut out = Vec::with_capacity(2 * n + data.len());
    let mut len = data.len();
    let mut lead = [0u8; 10];
    for (i, slot) in lead.iter_mut().enumerate().take(n) {
        let more = i + 1 < n;
        *slot = (len & 0x7f) as u8 | if more { 0x80 } else { 0 };
        len >>= 7;
    }
    out.extend_from_slice(&lead[..n]);
    out.extend_from_slice(data);
    out.extend(lead[..n].iter().rev());
    out
}

/// A list of byte strings in one buffer: the listpack encoding, and each quicklist node.
///
/// Invariant: `buf` is a concatenation of `count` entries made by [`encode_entry`], and
/// `lp_bytes` is what Redis's listpack would take for the same elements.
#[derive(Debug, Clone)]
pub struct Packed {
    buf: Vec<u8>,
    count: u32,
    lp_bytes: u32,
}

impl Default for Packed {
    fn default() -> Self {
        Packed::new()
    }
}

impl Packed {
    /// An empty buffer.
    pub fn new() -> Self {
        Packed {
            buf: Vec::new(),
            count: 0,
            lp_bytes: LP_OVERHEAD as u32,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Size Redis's listpack would have (`lpBytes`).
    pub fn lp_bytes(&self) -> usize {
        self.lp_bytes as usize
    }

    /// Heap bytes reserved by the buffer.
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity()
    }

    fn add_size(&mut self, data: &[u8]) {
        self.count += 1;
        self.lp_bytes += lp_entry_size(data) as u32;
    }

    fn sub_size(&mut self, data: &[u8]) {
        self.count -= 1;
        self.lp_bytes -= lp_entry_size(data) as u32;
    }

    /// Reads the entry starting at `pos`: (data start, data length, next entry start).
    fn read_at(&self, pos: usize) -> (usize, usize, usize) {
        let mut len = 0usize;
        let mut shift = 0;
        let mut p = pos;
        loop {
            let b = self.buf[p];
            len |= usize::from(b & 0x7f) << shift;
            p += 1;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        (p, len, p + len + varint_size(len))
    }

    /// Reads the entry ending at `end` (exclusive): (entry start, data start, data length).
    fn read_before(&self, end: usize) -> (usize, usize, usize) {
        let mut len = 0usize;
        let mut shift = 0;
        let mut p = end;
        loop {
            p -= 1;
            let b = self.buf[p];
            len |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let data = p - len;
        (data - varint_size(len), data, len)
    }

    /// Byte offset where entry `i` starts (`i == len()` gives the end).
    fn pos_of(&self, i: usize) -> usize {
        let n = self.len();
        if i >= n {
            return self.buf.len();
        }
        if i <= n / 2 {
            let mut pos = 0;
            for _ in 0..i {
                pos = self.read_at(pos).2;
            }
            pos
        } else {
            let mut pos = self.buf.len();
            for _ in 0..(n - i) {
                pos = self.read_before(pos).0;
            }
            pos
        }
    }

    /// Element `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len() {
            return None;
        }
        let (start, len, _) = self.read_at(self.pos_of(i));
        Some(&self.buf[start..start + len])
    }

    /// Appends an element.
    pub fn push_back(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(&encode_entry(data));
        self.add_size(data);
    }

    /// Prepends an element.
    pub fn push_front(&mut self, data: &[u8]) {
        self.insert(0, data);
    }

    /// Inserts an element so it becomes element `i` (`i <= len()`).
    pub fn insert(&mut self, i: usize, data: &[u8]) {
        let pos = self.pos_of(i);
        self.buf.splice(pos..pos, encode_entry(data));
        self.add_size(data);
    }

    /// Removes and returns element `i`.
    pub fn remove(&mut self, i: usize) -> Option<Bytes> {
        if i >= self.len() {
            return None;
        }
        let pos = self.pos_of(i);
        let (start, len, next) = self.read_at(pos);
        let value = Bytes::copy_from_slice(&self.buf[start..start + len]);
        self.buf.drain(pos..next);
        self.sub_size(&value);
        Some(value)
    }

    /// Removes the first element.
    pub fn pop_front(&mut self) -> Option<Bytes> {
        self.remove(0)
    }

    /// Removes the last element.
    pub fn pop_back(&mut self) -> Option<Bytes> {
        if self.is_empty() {
            return None;
        }
        let (entry, start, len) = self.read_before(self.buf.len());
        let value = Bytes::copy_from_slice(&self.buf[start..start + len]);
        self.buf.truncate(entry);
        self.sub_size(&value);
        Some(value)
    }

    /// Removes `n` elements starting at `start` (clipped to the end).
    pub fn remove_range(&mut self, start: usize, n: usize) {
        let n = n.min(self.len().saturating_sub(start));
        if n == 0 {
            return;
        }
        let from = self.pos_of(start);
        let mut pos = from;
        let mut lp = 0;
        for _ in 0..n {
            let (s, len, next) = self.read_at(pos);
            lp += lp_entry_size(&self.buf[s..s + len]);
            pos = next;
        }
        self.buf.drain(from..pos);
        self.count -= n as u32;
        self.lp_bytes -= lp as u32;
    }

    /// Replaces element `i`; false if there is no such element.
    pub fn replace(&mut self, i: usize, data: &[u8]) -> bool {
        if i >= self.len() {
            return false;
        }
        let pos = self.pos_of(i);
        let (start, len, next) = self.read_at(pos);
        let old = lp_entry_size(&self.buf[start..start + len]);
        self.buf.splice(pos..next, encode_entry(data));
        self.lp_bytes = self.lp_bytes - old as u32 + lp_entry_size(data) as u32;
        true
    }

    /// Moves elements `at..` into a new buffer.
    pub fn split_off(&mut self, at: usize) -> Packed {
        let pos = self.pos_of(at);
        let tail = Packed {
            buf: self.buf.split_off(pos),
            count: 0,
            lp_bytes: LP_OVERHEAD as u32,
        };
        let mut tail = tail;
        let mut p = 0;
        while p < tail.buf.len() {
            let (s, len, next) = tail.read_at(p);
            tail.count += 1;
            tail.lp_bytes += lp_entry_size(&tail.buf[s..s + len]) as u32;
            p = next;
        }
        self.count -= tail.count;
        self.lp_bytes -= tail.lp_bytes - LP_OVERHEAD as u32;
        tail
    }

    /// Appends every element of `other`.
    pub fn append(&mut self, other: Packed) {
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
        self.lp_bytes += other.lp_bytes - LP_OVERHEAD as u32;
    }

    /// Removes elements equal to `value`, at most `limit` of them (0 = all), scanning from the
    /// head or from the tail. Returns how many were removed.
    pub fn remove_matching(&mut self, value: &[u8], limit: usize, from_tail: bool) -> usize {
        let mut matches: Vec<(usize, usize)> = Vec::new();
        if from_tail {
            let mut end = self.buf.len();
            while end > 0 && (limit == 0 || matches.len() < limit) {
                let (entry, s, len) = self.read_before(end);
                if &self.buf[s..s + len] == value {
                    matches.push((entry, end));
                }
                end = entry;
            }
            matches.reverse();
        } else {
            let mut pos = 0;
            while pos < self.buf.len() && (limit == 0 || matches.len() < limit) {
                let (s, len, next) = self.read_at(pos);
                if &self.buf[s..s + len] == value {
                    matches.push((pos, next));
                }
                pos = next;
            }
        }
        if matches.is_empty() {
            return 0;
        }
        let mut out = Vec::with_capacity(self.buf.len());
        let mut last = 0;
        for &(a, b) in &matches {
            out.extend_from_slice(&self.buf[last..a]);
            last = b;
        }
        out.extend_from_slice(&self.buf[last..]);
        self.buf = out;
        let n = matches.len();
        self.count -= n as u32;
        self.lp_bytes -= (n * lp_entry_size(value)) as u32;
        n
    }

    /// Iterates the elements, head first (reversible).
    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter {
            packed: self,
            front: 0,
            back: self.buf.len(),
            remaining: self.len(),
        }
    }

    /// Iterates from element `i` towards the tail.
    fn iter_from(&self, i: usize) -> PackedIter<'_> {
        PackedIter {
            packed: self,
            front: self.pos_of(i),
            back: self.buf.len(),
            remaining: self.len().saturating_sub(i),
        }
    }

    /// Iterates from element `i` towards the head (element `i` first).
    fn iter_rev_from(&self, i: usize) -> std::iter::Rev<PackedIter<'_>> {
        let back = if i + 1 >= self.len() {
            self.buf.len()
        } else {
            self.pos_of(i + 1)
        };
        PackedIter {
            packed: self,
            front: 0,
            back,
            remaining: (i + 1).min(self.len()),
        }
        .rev()
    }
}

/// Iterator over a [`Packed`] buffer.
pub struct PackedIter<'a> {
    packed: &'a Packed,
    front: usize,
    back: usize,
    remaining: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let (s, len, next) = self.packed.read_at(self.front);
        self.front = next;
        self.remaining -= 1;
        Some(&self.packed.buf[s..s + len])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for PackedIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let (entry, s, len) = self.packed.read_before(self.back);
        self.back = entry;
        self.remaining -= 1;
        Some(&self.packed.buf[s..s + len])
    }
}

// -------------------------------------------------------------------------------------------
// Quicklist
// -------------------------------------------------------------------------------------------

/// One quicklist node: packed elements, or one large element on its own ("plain").
#[derive(Debug, Clone)]
enum Node {
    /// `sz` is quicklist's `node->sz`: normally the listpack size, but Redis leaves it at the
    /// raw element size for a node made by `__quicklistCreateNode`, and limits read it as is.
    Packed {
        lp: Packed,
        sz: usize,
    },
    Plain(Bytes),
}

impl Node {
    /// quicklistCreateNode + lpPrepend + quicklistNodeUpdateSz.
    fn with(data: &[u8]) -> Node {
        let mut lp = Packed::new();
        lp.push_back(data);
        let sz = lp.lp_bytes();
        Node::Packed { lp, sz }
    }

    fn from_packed(lp: Packed) -> Node {
        let sz = lp.lp_bytes();
        Node::Packed { lp, sz }
    }

    fn count(&self) -> usize {
        match self {
            Node::Packed { lp, .. } => lp.len(),
            Node::Plain(_) => 1,
        }
    }

    fn sz(&self) -> usize {
        match self {
            Node::Packed { sz, .. } => *sz,
            Node::Plain(b) => b.len(),
        }
    }

    fn is_plain(&self) -> bool {
        matches!(self, Node::Plain(_))
    }

    fn update_sz(&mut self) {
        if let Node::Packed { lp, sz } = self {
            *sz = lp.lp_bytes();
        }
    }

    fn get(&self, i: usize) -> Option<&[u8]> {
        match self {
            Node::Packed { lp, .. } => lp.get(i),
            Node::Plain(b) if i == 0 => Some(b),
            Node::Plain(_) => None,
        }
    }

    fn iter(&self) -> NodeIter<'_> {
        match self {
            Node::Packed { lp, .. } => NodeIter::Packed(lp.iter()),
            Node::Plain(b) => NodeIter::Plain(Some(b)),
        }
    }
}

enum NodeIter<'a> {
    Packed(PackedIter<'a>),
    Plain(Option<&'a [u8]>),
}

impl<'a> Iterator for NodeIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            NodeIter::Packed(it) => it.next(),
            NodeIter::Plain(v) => v.take(),
        }
    }
}

impl DoubleEndedIterator for NodeIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            NodeIter::Packed(it) => it.next_back(),
            NodeIter::Plain(v) => v.take(),
        }
    }
}

/// quicklist.c `quicklistNodeLimit`: (byte limit, count limit) of a node.
fn node_limit(fill: i64) -> (usize, usize) {
    if fill >= 0 {
        let count = if fill == 0 { 1 } else { fill };
        (usize::MAX, count.min(i64::from(u32::MAX)) as usize)
    } else {
        let offset = ((-fill) - 1).min(OPTIMIZATION_LEVEL.len() as i64 - 1) as usize;
        (OPTIMIZATION_LEVEL[offset], u32::MAX as usize)
    }
}

/// quicklist.c `quicklistNodeExceedsLimit`.
fn exceeds_limit(fill: i64, new_sz: usize, new_count: usize) -> bool {
    let (sz_limit, count_limit) = node_limit(fill);
    if sz_limit != usize::MAX {
        new_sz > sz_limit
    } else {
        new_sz > SIZE_SAFETY_LIMIT || new_count > count_limit
    }
}

/// quicklist.c `isLargeElement`: elements stored in a plain node of their own.
fn is_large(sz: usize, fill: i64) -> bool {
    if fill >= 0 {
        sz > SIZE_SAFETY_LIMIT
    } else {
        sz > node_limit(fill).0
    }
}

/// quicklist.c `_quicklistNodeAllowInsert`.
fn allow_insert(node: Option<&Node>, fill: i64, sz: usize) -> bool {
    match node {
        None => false,
        Some(n) if n.is_plain() || is_large(sz, fill) => false,
        Some(n) => !exceeds_limit(fill, n.sz() + sz + SIZE_ESTIMATE_OVERHEAD, n.count() + 1),
    }
}

/// quicklist.c `_quicklistNodeAllowMerge` (with its 32-bit size arithmetic).
fn allow_merge(a: Option<&Node>, b: Option<&Node>, fill: i64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) if !a.is_plain() && !b.is_plain() => {
            let merge_sz = (a.sz() as u32).wrapping_add(b.sz() as u32).wrapping_sub(7);
            !exceeds_limit(fill, merge_sz as usize, a.count() + b.count())
        }
        _ => false,
    }
}

/// Redis's quicklist: a sequence of nodes with the same splitting and merging rules.
#[derive(Debug, Clone)]
struct QuickList {
    nodes: VecDeque<Node>,
    count: usize,
    fill: i64,
}

impl QuickList {
    fn new(fill: i64) -> Self {
        QuickList {
            nodes: VecDeque::new(),
            count: 0,
            fill: fill.clamp(-5, FILL_MAX),
        }
    }

    fn push(&mut self, data: &[u8], left: bool) {
        let fill = self.fill;
        self.count += 1;
        let sz = data.len();
        if is_large(sz, fill) {
            let node = Node::Plain(Bytes::copy_from_slice(data));
            if left {
                self.nodes.push_front(node);
            } else {
                self.nodes.push_back(node);
            }
            return;
        }
        let end = if left {
            self.nodes.front_mut()
        } else {
            self.nodes.back_mut()
        };
        match end {
            Some(node @ Node::Packed { .. }) if allow_insert(Some(&*node), fill, sz) => {
                if let Node::Packed { lp, .. } = node {
                    if left {
                        lp.push_front(data);
                    } else {
                        lp.push_back(data);
                    }
                }
                node.update_sz();
            }
            _ => {
                let node = Node::with(data);
                if left {
                    self.nodes.push_front(node);
                } else {
                    self.nodes.push_back(node);
                }
            }
        }
    }

    fn pop(&mut self, left: bool) -> Option<Bytes> {
        let ni = if left {
            0
        } else {
            self.nodes.len().checked_sub(1)?
        };
        let node = self.nodes.get_mut(ni)?;
        let value = match node {
            Node::Plain(b) => {
                let b = b.clone();
                self.nodes.remove(ni);
                b
            }
            Node::Packed { lp, .. } => {
                let v = if left { lp.pop_front() } else { lp.pop_back() }?;
                if lp.is_empty() {
                    self.nodes.remove(ni);
                } else {
                    node.update_sz();
                }
                v
            }
        };
        self.count -= 1;
        Some(value)
    }

    /// (node index, offset in node) of element `index` (< count).
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.count {
            return None;
        }
        if index <= self.count / 2 {
            let mut accum = 0;
            for (ni, n) in self.nodes.iter().enumerate() {
                if accum + n.count() > index {
                    return Some((ni, index - accum));
                }
                accum += n.count();
            }
        } else {
            let mut accum = self.count;
            for (ni, n) in self.nodes.iter().enumerate().rev() {
                accum -= n.count();
                if index >= accum {
                    return Some((ni, index - accum));
                }
            }
        }
        None
    }

    fn get(&self, index: usize) -> Option<&[u8]> {
        let (ni, off) = self.locate(index)?;
        self.nodes.get(ni)?.get(off)
    }

    /// quicklist.c `_quicklistSplitNode`: with `after`, node `ni` keeps `[0, offset]` and the
    /// returned node holds the rest; otherwise the returned node holds `[0, offset)`.
    fn split(&mut self, ni: usize, offset: usize, after: bool) -> Node {
        let Some(Node::Packed { lp, sz }) = self.nodes.get_mut(ni) else {
            return Node::from_packed(Packed::new());
        };
        if after {
            let tail = lp.split_off(offset + 1);
            *sz = lp.lp_bytes();
            Node::from_packed(tail)
        } else {
            let tail = lp.split_off(offset);
            let head = std::mem::replace(lp, tail);
            *sz = lp.lp_bytes();
            Node::from_packed(head)
        }
    }

    /// `_quicklistListpackMerge` of nodes `a` and `a + 1`; the merged node is at `a`.
    fn merge_pair(&mut self, a: usize) {
        let Some(Node::Packed { lp: second, .. }) = self.nodes.remove(a + 1) else {
            return;
        };
        if let Some(node @ Node::Packed { .. }) = self.nodes.get_mut(a) {
            if let Node::Packed { lp, .. } = node {
                lp.append(second);
            }
            node.update_sz();
        }
    }

    /// quicklist.c `_quicklistMergeNodes` around node `center`; returns the resulting center.
    fn merge_nodes(&mut self, center: usize) -> usize {
        let fill = self.fill;
        let mut center = center;
        if center >= 2 && allow_merge(self.nodes.get(center - 1), self.nodes.get(center - 2), fill)
        {
            self.merge_pair(center - 2);
            center -= 1;
        }
        if allow_merge(self.nodes.get(center + 1), self.nodes.get(center + 2), fill) {
            self.merge_pair(center + 1);
        }
        let mut target = center;
        if center >= 1 && allow_merge(self.nodes.get(center), self.nodes.get(center - 1), fill) {
            self.merge_pair(center - 1);
            target = center - 1;
        }
        if allow_merge(self.nodes.get(target), self.nodes.get(target + 1), fill) {
            self.merge_pair(target);
        }
        target
    }

    /// quicklist.c `_quicklistInsert`: inserts `data` before or after element `offset` of node
    /// `ni`.
    fn insert_at(&mut self, ni: usize, offset: usize, data: &[u8], after: bool) {
        let fill = self.fill;
        let sz = data.len();
        let Some(node) = self.nodes.get(ni) else {
            return;
        };
        let node_count = node.count();
        let node_plain = node.is_plain();
        let full = !allow_insert(Some(node), fill, sz);
        let at_tail = after && offset + 1 == node_count;
        let avail_next = at_tail && allow_insert(self.nodes.get(ni + 1), fill, sz);
        let at_head = !after && offset == 0;
        let avail_prev = at_head && ni > 0 && allow_insert(self.nodes.get(ni - 1), fill, sz);
        self.count += 1;

        if is_large(sz, fill) {
            let plain = Node::Plain(Bytes::copy_from_slice(data));
            if node_plain || at_tail || at_head {
                self.nodes.insert(if after { ni + 1 } else { ni }, plain);
            } else {
                let new_node = self.split(ni, offset, after);
                if after {
                    self.nodes.insert(ni + 1, plain);
                    self.nodes.insert(ni + 2, new_node);
                } else {
                    self.nodes.insert(ni, plain);
                    self.nodes.insert(ni, new_node);
                }
            }
            return;
        }

        if !full {
            if let Some(node @ Node::Packed { .. }) = self.nodes.get_mut(ni) {
                if let Node::Packed { lp, .. } = node {
                    lp.insert(if after { offset + 1 } else { offset }, data);
                }
                node.update_sz();
            }
        } else if at_tail && avail_next {
            if let Some(next @ Node::Packed { .. }) = self.nodes.get_mut(ni + 1) {
                if let Node::Packed { lp, .. } = next {
                    lp.push_front(data);
                }
                next.update_sz();
            }
        } else if at_head && avail_prev {
            if let Some(prev @ Node::Packed { .. }) = self.nodes.get_mut(ni - 1) {
                if let Node::Packed { lp, .. } = prev {
                    lp.push_back(data);
                }
                prev.update_sz();
            }
        } else if at_tail || at_head {
            self.nodes
                .insert(if after { ni + 1 } else { ni }, Node::with(data));
        } else {
            let mut new_node = self.split(ni, offset, after);
            if let Node::Packed { lp, .. } = &mut new_node {
                if after {
                    lp.push_front(data);
                } else {
                    lp.push_back(data);
                }
            }
            new_node.update_sz();
            let center = if after {
                self.nodes.insert(ni + 1, new_node);
                ni
            } else {
                self.nodes.insert(ni, new_node);
                ni + 1
            };
            self.merge_nodes(center);
        }
    }

    /// quicklist.c `quicklistDelIndex`: removes element `offset` of node `ni`.
    fn del_index(&mut self, ni: usize, offset: usize) {
        let Some(node) = self.nodes.get_mut(ni) else {
            return;
        };
        let gone = match node {
            Node::Plain(_) => true,
            Node::Packed { lp, .. } => {
                lp.remove(offset);
                lp.is_empty()
            }
        };
        if gone {
            self.nodes.remove(ni);
        } else {
            node.update_sz();
        }
        self.count -= 1;
    }

    /// quicklist.c `quicklistReplaceEntry` for element `index`.
    fn replace(&mut self, index: usize, data: &[u8]) -> bool {
        let fill = self.fill;
        let Some((ni, offset)) = self.locate(index) else {
            return false;
        };
        let large = is_large(data.len(), fill);
        let Some(node) = self.nodes.get_mut(ni) else {
            return false;
        };
        match node {
            Node::Packed { lp, .. } if !large => {
                lp.replace(offset, data);
                node.update_sz();
            }
            Node::Plain(b) if large => *b = Bytes::copy_from_slice(data),
            Node::Plain(_) => {
                // quicklistInsertAfter the plain node, then delete the plain node.
                self.insert_at(ni, 0, data, true);
                self.nodes.remove(ni);
                self.count -= 1;
            }
            Node::Packed { lp, .. } => {
                let count = lp.len();
                let split = if offset + 1 != count {
                    Some(self.split(ni, offset, true))
                } else {
                    None
                };
                self.nodes
                    .insert(ni + 1, Node::Plain(Bytes::copy_from_slice(data)));
                if let Some(s) = split {
                    self.nodes.insert(ni + 2, s);
                }
                self.count += 1;
                let remaining = self.nodes.get(ni).map_or(0, Node::count);
                if remaining == 1 {
                    self.nodes.remove(ni);
                    self.count -= 1;
                } else {
                    self.del_index(ni, remaining - 1);
                    self.merge_nodes(ni + 1);
                }
            }
        }
        true
    }

    /// quicklist.c `quicklistDelRange` with a non-negative start.
    fn del_range(&mut self, start: usize, n: usize) {
        let mut extent = n.min(self.count.saturating_sub(start));
        let Some((mut ni, mut offset)) = self.locate(start) else {
            return;
        };
        while extent > 0 {
            let Some(node) = self.nodes.get_mut(ni) else {
                break;
            };
            let count = node.count();
            let del = (count - offset).min(extent);
            if (offset == 0 && extent >= count) || node.is_plain() {
                self.nodes.remove(ni);
            } else {
                if let Node::Packed { lp, .. } = node {
                    lp.remove_range(offset, del);
                }
                node.update_sz();
                if node.count() == 0 {
                    self.nodes.remove(ni);
                } else {
                    ni += 1;
                }
            }
            self.count -= del;
            extent -= del;
            offset = 0;
        }
    }

    /// Removes up to `limit` (0 = all) elements equal to `value` (LREM), walking from the head
    /// or the tail; nodes left empty are dropped (no merging, as in Redis).
    fn remove_matching(&mut self, value: &[u8], limit: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let order: Vec<usize> = if from_tail {
            (0..self.nodes.len()).rev().collect()
        } else {
            (0..self.nodes.len()).collect()
        };
        let mut emptied = Vec::new();
        for ni in order {
            if limit != 0 && removed >= limit {
                break;
            }
            let Some(node) = self.nodes.get_mut(ni) else {
                continue;
            };
            let left = if limit == 0 { 0 } else { limit - removed };
            let n = match node {
                Node::Plain(b) => usize::from(&b[..] == value),
                Node::Packed { lp, .. } => lp.remove_matching(value, left, from_tail),
            };
            if n > 0 {
                if node.is_plain() || node.count() == 0 {
                    emptied.push(ni);
                } else {
                    node.update_sz();
                }
            }
            removed += n;
        }
        emptied.sort_unstable();
        for ni in emptied.into_iter().rev() {
            self.nodes.remove(ni);
        }
        self.count -= removed;
        removed
    }
}

// -------------------------------------------------------------------------------------------
// The list
// -------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Repr {
    Listpack(Packed),
    /// Boxed so a small (listpack) list stays as small as its buffer handle.
    Quicklist(Box<QuickList>),
}

/// A list of binary-safe elements.
///
/// Mutating methods take `fill`, the current `list-max-listpack-size`, because Redis checks
/// encoding conversions against the configuration in force at the time of each command.
#[derive(Debug, Clone)]
pub struct List {
    repr: Repr,
}

impl Default for List {
    fn default() -> Self {
        List::new()
    }
}

impl List {
    /// An empty list in the listpack encoding.
    pub fn new() -> Self {
        List {
            repr: Repr::Listpack(Packed::new()),
        }
    }

    /// Builds a list from elements (head first), converting as RPUSH of all of them would.
    pub fn from_items<T: AsRef<[u8]>>(items: &[T], fill: i64) -> Self {
        let mut list = List::new();
        list.push(items, false, fill);
        list
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len(),
            Repr::Quicklist(ql) => ql.count,
        }
    }

    /// True when the list holds nothing (the key should then be deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING reports: "listpack" or "quicklist".
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Quicklist(_) => "quicklist",
        }
    }

    /// Number of quicklist nodes (1 for a listpack), as DEBUG OBJECT's `ql_nodes`.
    pub fn node_count(&self) -> usize {
        match &self.repr {
            Repr::Listpack(_) => 1,
            Repr::Quicklist(ql) => ql.nodes.len(),
        }
    }

    /// Approximate heap bytes held by the list (for MEMORY USAGE-style accounting).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.heap_bytes(),
            Repr::Quicklist(ql) => {
                ql.nodes.capacity() * std::mem::size_of::<Node>()
                    + ql.nodes
                        .iter()
                        .map(|n| match n {
                            Node::Packed { lp, .. } => lp.heap_bytes(),
                            Node::Plain(b) => b.len(),
                        })
                        .sum::<usize>()
            }
        }
    }

    /// t_list.c `listTypeTryConvertListpack`: before adding `add_count` elements of
    /// `add_bytes` total length, switch to a quicklist if the listpack would exceed the limit.
    fn grow_check(&mut self, fill: i64, add_bytes: usize, add_count: usize) {
        let Repr::Listpack(lp) = &mut self.repr else {
            return;
        };
        if exceeds_limit(
            fill,
            lp.lp_bytes().saturating_add(add_bytes),
            lp.len() + add_count,
        ) {
            let lp = std::mem::take(lp);
            let mut ql = QuickList::new(fill);
            if !lp.is_empty() {
                ql.count = lp.len();
                ql.nodes.push_back(Node::from_packed(lp));
            }
            self.repr = Repr::Quicklist(Box::new(ql));
        }
    }

    /// t_list.c `listTypeTryConvertQuicklist` after the list shrank: back to a listpack when a
    /// single packed node is under half the limits.
    fn shrink_check(&mut self, fill: i64) {
        let Repr::Quicklist(ql) = &mut self.repr else {
            return;
        };
        if ql.nodes.len() != 1 {
            return;
        }
        let Some(Node::Packed { sz, .. }) = ql.nodes.front() else {
            return;
        };
        let (sz_limit, count_limit) = node_limit(fill);
        if *sz > sz_limit / 2 || ql.count > count_limit / 2 {
            return;
        }
        if let Some(Node::Packed { lp, .. }) = ql.nodes.pop_front() {
            self.repr = Repr::Listpack(lp);
        }
    }

    fn push_one(&mut self, data: &[u8], left: bool) {
        match &mut self.repr {
            Repr::Listpack(lp) => {
                if left {
                    lp.push_front(data)
                } else {
                    lp.push_back(data)
                }
            }
            Repr::Quicklist(ql) => ql.push(data, left),
        }
    }

    /// LPUSH (`left`) or RPUSH of `items` in order.
    pub fn push<T: AsRef<[u8]>>(&mut self, items: &[T], left: bool, fill: i64) {
        let bytes = items.iter().map(|i| i.as_ref().len()).sum();
        self.grow_check(fill, bytes, items.len());
        for item in items {
            self.push_one(item.as_ref(), left);
        }
    }

    /// Push of a value that LMOVE popped: Redis does not count the length of a value that it
    /// holds as an integer object (`int_encoded`) when deciding on conversion.
    pub fn push_moved(&mut self, value: &[u8], left: bool, int_encoded: bool, fill: i64) {
        let bytes = if int_encoded { 0 } else { value.len() };
        self.grow_check(fill, bytes, 1);
        self.push_one(value, left);
    }

    fn pop_one(&mut self, left: bool) -> Option<Bytes> {
        match &mut self.repr {
            Repr::Listpack(lp) => {
                if left {
                    lp.pop_front()
                } else {
                    lp.pop_back()
                }
            }
            Repr::Quicklist(ql) => ql.pop(left),
        }
    }

    /// Pops up to `count` elements from the head (`left`) or the tail, in pop order. The
    /// caller deletes the key if the list is then empty.
    pub fn pop(&mut self, left: bool, count: usize, fill: i64) -> Vec<Bytes> {
        let mut out = Vec::with_capacity(count.min(self.len()));
        while out.len() < count {
            match self.pop_one(left) {
                Some(v) => out.push(v),
                None => break,
            }
        }
        if !out.is_empty() && !self.is_empty() {
            self.shrink_check(fill);
        }
        out
    }

    /// Pops one element for LMOVE, also telling whether Redis would hand it over as an
    /// integer-encoded object (only quicklist pops of integer elements are). Unlike [`List::pop`]
    /// this leaves the encoding alone: LMOVE pushes to the destination first and then calls
    /// [`List::removed`] on the source, which matters when both are the same list.
    pub fn pop_for_move(&mut self, left: bool) -> Option<(Bytes, bool)> {
        let quick = matches!(self.repr, Repr::Quicklist(_));
        let v = self.pop_one(left)?;
        let int = quick && lp_int(&v).is_some();
        Some((v, int))
    }

    /// The encoding check Redis runs after elements were removed (`listElementsRemoved`).
    pub fn removed(&mut self, fill: i64) {
        if !self.is_empty() {
            self.shrink_check(fill);
        }
    }

    /// Element at a 0-based index from the head.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        match &self.repr {
            Repr::Listpack(lp) => lp.get(index),
            Repr::Quicklist(ql) => ql.get(index),
        }
    }

    /// Resolves a Redis index (negative counts from the tail) to a 0-based one.
    pub fn resolve_index(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let i = if index < 0 { len + index } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// Iterates all elements, head first (reversible with `.rev()`).
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// Iterates from element `start` (0-based) towards the tail.
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        match &self.repr {
            Repr::Listpack(lp) => Iter(IterInner::Packed(lp.iter_from(start))),
            Repr::Quicklist(ql) => {
                let (ni, off) = ql.locate(start).unwrap_or((ql.nodes.len(), 0));
                let mut first = ql.nodes.get(ni).map(|n| match n {
                    Node::Packed { lp, .. } => NodeIter::Packed(lp.iter_from(off)),
                    Node::Plain(b) => NodeIter::Plain(Some(b)),
                });
                if first.is_none() {
                    first = Some(NodeIter::Plain(None));
                }
                Iter(IterInner::Quick {
                    nodes: ql.nodes.range(ql.nodes.len().min(ni + 1)..),
                    front: first,
                    back: None,
                })
            }
        }
    }

    /// Iterates from element `start` (0-based) towards the head, element `start` first.
    pub fn iter_rev_from(&self, start: usize) -> Box<dyn Iterator<Item = &[u8]> + '_> {
        match &self.repr {
            Repr::Listpack(lp) => Box::new(lp.iter_rev_from(start)),
            Repr::Quicklist(ql) => {
                let Some((ni, off)) = ql.locate(start) else {
                    return Box::new(std::iter::empty());
                };
                let first: Box<dyn Iterator<Item = &[u8]>> = match ql.nodes.get(ni) {
                    Some(Node::Packed { lp, .. }) => Box::new(lp.iter_rev_from(off)),
                    Some(Node::Plain(b)) => Box::new(std::iter::once(&b[..])),
                    None => Box::new(std::iter::empty()),
                };
                Box::new(first.chain(ql.nodes.range(..ni).rev().flat_map(|n| n.iter().rev())))
            }
        }
    }

    /// LSET: replaces element `index` (0-based); false if out of range. The conversion to a
    /// quicklist is checked first, as Redis does, even when the index turns out invalid.
    pub fn set(&mut self, index: i64, value: &[u8], fill: i64) -> bool {
        self.grow_check(fill, value.len(), 1);
        let Some(i) = self.resolve_index(index) else {
            return false;
        };
        let done = match &mut self.repr {
            Repr::Listpack(lp) => lp.replace(i, value),
            Repr::Quicklist(ql) => ql.replace(i, value),
        };
        if done {
            self.shrink_check(fill);
        }
        done
    }

    /// LINSERT: inserts `value` before or after the first element equal to `pivot`. Returns
    /// the new length, or None if the pivot is absent (the encoding may still have changed,
    /// as in Redis).
    pub fn insert(&mut self, pivot: &[u8], value: &[u8], after: bool, fill: i64) -> Option<usize> {
        self.grow_check(fill, value.len(), 1);
        match &mut self.repr {
            Repr::Listpack(lp) => {
                let i = lp.iter().position(|e| e == pivot)?;
                lp.insert(if after { i + 1 } else { i }, value);
            }
            Repr::Quicklist(ql) => {
                let (ni, off) =
                    ql.nodes.iter().enumerate().find_map(|(ni, n)| {
                        n.iter().position(|e| e == pivot).map(|off| (ni, off))
                    })?;
                ql.insert_at(ni, off, value, after);
            }
        }
        Some(self.len())
    }

    /// LREM: removes elements equal to `value`; `count` > 0 from the head, < 0 from the tail,
    /// 0 all of them. Returns how many were removed.
    pub fn remove(&mut self, value: &[u8], count: i64, fill: i64) -> usize {
        let limit = count.unsigned_abs() as usize;
        let from_tail = count < 0;
        let removed = match &mut self.repr {
            Repr::Listpack(lp) => lp.remove_matching(value, limit, from_tail),
            Repr::Quicklist(ql) => ql.remove_matching(value, limit, from_tail),
        };
        if removed > 0 && !self.is_empty() {
            self.shrink_check(fill);
        }
        removed
    }

    /// Removes `n` elements starting at 0-based `start`.
    fn del_range(&mut self, start: usize, n: usize) {
        match &mut self.repr {
            Repr::Listpack(lp) => lp.remove_range(start, n),
            Repr::Quicklist(ql) => ql.del_range(start, n),
        }
    }

    /// LTRIM with Redis's index rules; returns how many elements were removed.
    pub fn trim(&mut self, start: i64, end: i64, fill: i64) -> usize {
        let len = self.len() as i64;
        let mut start = if start < 0 { len + start } else { start };
        let end = if end < 0 { len + end } else { end };
        if start < 0 {
            start = 0;
        }
        let (ltrim, rtrim) = if start > end || start >= len {
            (len, 0)
        } else {
            let end = end.min(len - 1);
            (start, len - end - 1)
        };
        self.del_range(0, ltrim as usize);
        let now = self.len();
        self.del_range(now - (rtrim as usize).min(now), rtrim as usize);
        if !self.is_empty() {
            self.shrink_check(fill);
        }
        (ltrim + rtrim) as usize
    }
}

/// Iterator over a [`List`], head first; `.rev()` walks from the tail.
pub struct Iter<'a>(IterInner<'a>);

enum IterInner<'a> {
    Packed(PackedIter<'a>),
    Quick {
        nodes: std::collections::vec_deque::Iter<'a, Node>,
        front: Option<NodeIter<'a>>,
        back: Option<NodeIter<'a>>,
    },
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        match &mut self.0 {
            IterInner::Packed(it) => it.next(),
            IterInner::Quick { nodes, front, back } => loop {
                if let Some(v) = front.as_mut().and_then(Iterator::next) {
                    return Some(v);
                }
                match nodes.next() {
                    Some(n) => *front = Some(n.iter()),
                    None => return back.as_mut().and_then(Iterator::next),
                }
            },
        }
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterInner::Packed(it) => it.next_back(),
            IterInner::Quick { nodes, front, back } => loop {
                if let Some(v) = back.as_mut().and_then(DoubleEndedIterator::next_back) {
                    return Some(v);
                }
                match nodes.next_back() {
                    Some(n) => *back = Some(n.iter()),
                    None => return front.as_mut().and_then(DoubleEndedIterator::next_back),
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(<[u8]>::to_vec).collect()
    }

    /// Structural invariants of the quicklist.
    fn check(l: &List) {
        let n = l.len();
        assert_eq!(l.iter().count(), n);
        assert_eq!(l.iter().rev().count(), n);
        if let Repr::Quicklist(ql) = &l.repr {
            assert_eq!(ql.nodes.iter().map(Node::count).sum::<usize>(), ql.count);
            for node in &ql.nodes {
                assert!(node.count() > 0, "empty node left behind");
                if let Node::Packed { lp, .. } = node {
                    let real: usize = LP_OVERHEAD + lp.iter().map(lp_entry_size).sum::<usize>();
                    assert_eq!(real, lp.lp_bytes());
                }
            }
        }
    }

    #[test]
    fn small_list_handle_is_compact() {
        assert!(
            std::mem::size_of::<List>() <= 32,
            "{}",
            std::mem::size_of::<List>()
        );
    }

    #[test]
    fn lp_int_matches_listpack() {
        assert_eq!(lp_int(b"0"), Some(0));
        assert_eq!(lp_int(b"-0"), None);
        assert_eq!(lp_int(b"007"), None);
        assert_eq!(lp_int(b"+7"), None);
        assert_eq!(lp_int(b"-"), None);
        assert_eq!(lp_int(b""), None);
        assert_eq!(lp_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(lp_int(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(lp_int(b"9223372036854775808"), None);
        assert_eq!(lp_int(b"12a"), None);
    }

    #[test]
    fn entry_sizes_match_listpack() {
        assert_eq!(lp_entry_size(b"1"), 2);
        assert_eq!(lp_entry_size(b"128"), 3);
        assert_eq!(lp_entry_size(b"-4096"), 3);
        assert_eq!(lp_entry_size(b"40000"), 5);
        assert_eq!(lp_entry_size(b"9999999999"), 10);
        assert_eq!(lp_entry_size(b"a"), 3);
        assert_eq!(lp_entry_size(&[b'x'; 63]), 65);
        assert_eq!(lp_entry_size(&[b'x'; 64]), 67);
        assert_eq!(lp_entry_size(&[b'x'; 126]), 130);
        assert_eq!(lp_entry_size(&[b'x'; 5000]), 5007);
    }

    #[test]
    fn packed_basic_operations() {
        let mut p = Packed::new();
        for i in 0..300 {
            p.push_back(format!("v{i}").as_bytes());
        }
        p.push_front(&[7u8; 200]);
        assert_eq!(p.len(), 301);
        assert_eq!(p.get(0), Some(&[7u8; 200][..]));
        assert_eq!(p.get(300), Some(&b"v299"[..]));
        assert_eq!(p.pop_back().as_deref(), Some(&b"v299"[..]));
        assert_eq!(p.remove(0).map(|b| b.len()), Some(200));
        p.insert(1, b"x");
        assert_eq!(p.get(1), Some(&b"x"[..]));
        assert!(p.replace(1, b"yy"));
        assert_eq!(p.get(1), Some(&b"yy"[..]));
        let tail = p.split_off(100);
        assert_eq!(p.len() + tail.len(), 300);
        assert_eq!(tail.get(0), p.get(99).map(|_| &b"v99"[..]));
        p.append(tail);
        assert_eq!(p.len(), 300);
        let rev: Vec<_> = p.iter().rev().take(2).collect();
        assert_eq!(rev, vec![&b"v298"[..], &b"v297"[..]]);
        p.remove_range(0, 1000);
        assert!(p.is_empty());
        assert_eq!(p.lp_bytes(), LP_OVERHEAD);
    }

    #[test]
    fn converts_like_redis_at_8k() {
        // 8 KiB limit: RPUSH of elements until the listpack would exceed 8192 bytes.
        let mut l = List::new();
        let v = vec![b'a'; 100];
        for _ in 0..80 {
            l.push(&[&v], false, -2);
        }
        // 80 * 104 + 7 = 8327 > 8192 once the 79th is added (7 + 78*104 + 100 = 8219).
        assert_eq!(l.encoding(), "quicklist");
        // Shrinking below half the limit converts back.
        l.pop(true, 45, -2);
        assert_eq!(l.len(), 35);
        assert_eq!(l.encoding(), "quicklist", "two nodes still");
        let mut l = List::new();
        for _ in 0..10 {
            l.push(&[&v], false, -2);
        }
        l.push(&[vec![b'b'; 9000]], false, -2);
        assert_eq!(l.encoding(), "quicklist");
        l.pop(false, 1, -2);
        assert_eq!(l.encoding(), "listpack");
    }

    #[test]
    fn count_fill_converts_on_entries() {
        let mut l = List::new();
        l.push(&[b"a", b"b", b"c"], false, 3);
        assert_eq!(l.encoding(), "listpack");
        l.push(&[b"d"], false, 3);
        assert_eq!(l.encoding(), "quicklist");
        l.pop(true, 3, 3);
        assert_eq!(l.encoding(), "listpack");
    }

    /// Builds a list by single RPUSHes, as the Redis test suite's helpers do.
    fn pushed(items: &[&[u8]], fill: i64) -> List {
        let mut l = List::new();
        for i in items {
            l.push(&[i], false, fill);
        }
        l
    }

    /// Redis's "List listpack -> quicklist encoding conversion" test (list.tcl).
    #[test]
    fn redis_suite_listpack_to_quicklist() {
        let large = vec![b'x'; 8192];
        for (fill, big) in [(3i64, &b"hello"[..]), (-1, &large[..])] {
            let mut l = pushed(&[b"a", b"b", b"c"], fill);
            assert_eq!(l.encoding(), "listpack");
            l.push(&[big], false, fill);
            assert_eq!(l.encoding(), "quicklist", "RPUSH fill {fill}");

            let mut l = pushed(&[b"a", b"b", b"c"], fill);
            assert_eq!(l.insert(b"b", big, true, fill), Some(4));
            assert_eq!(l.encoding(), "quicklist", "LINSERT fill {fill}");

            let mut l = pushed(&[b"a", b"b", b"c"], fill);
            assert!(l.set(0, big, fill));
            assert_eq!(l.encoding(), "quicklist", "LSET fill {fill}");

            let mut src = pushed(&[b"a", b"b", b"c", big], fill);
            assert_eq!(src.encoding(), "quicklist");
            let mut dst = pushed(&[b"d", b"e", b"f"], fill);
            let (v, int) = src.pop_for_move(false).unwrap();
            dst.push_moved(&v, false, int, fill);
            src.removed(fill);
            assert_eq!(dst.encoding(), "quicklist", "LMOVE fill {fill}");
        }
    }

    /// Redis's "List quicklist -> listpack encoding conversion" test (list.tcl).
    #[test]
    fn redis_suite_quicklist_to_listpack() {
        let mut l = pushed(&[b"a", b"b", b"c", b"d"], 3);
        assert_eq!(l.encoding(), "quicklist");
        l.pop(false, 3, 3);
        assert_eq!(l.encoding(), "listpack");

        let mut l = pushed(&[b"a", b"a", b"a", b"d"], 3);
        assert_eq!(l.remove(b"a", 3, 3), 3);
        assert_eq!(l.encoding(), "listpack");

        let mut l = pushed(&[b"a", b"b", b"c", b"d"], 3);
        l.trim(1, 1, 3);
        assert_eq!(l.encoding(), "listpack");

        let large = vec![b'x'; 8192];
        let mut l = pushed(&[b"a", b"b", b"c", &large], -1);
        assert_eq!(l.encoding(), "quicklist");
        l.pop(false, 1, -1);
        assert_eq!(l.encoding(), "listpack");

        let mut l = pushed(&[b"a", &large], -1);
        assert_eq!(l.remove(&large, 1, -1), 1);
        assert_eq!(l.encoding(), "listpack");

        let mut l = pushed(&[b"a", b"b", &large], -1);
        l.trim(0, 1, -1);
        assert_eq!(l.encoding(), "listpack");

        let mut l = pushed(&[&large, b"a", b"b"], -1);
        l.pop(false, 2, -1);
        assert_eq!(
            l.encoding(),
            "quicklist",
            "a lone plain node stays a quicklist"
        );
        assert!(l.set(-1, b"c", -1));
        assert_eq!(l.encoding(), "listpack");
        assert_eq!(l.get(0), Some(&b"c"[..]));
    }

    /// Redis's "List invalid list-max-listpack-size config" and "List of various encodings".
    #[test]
    fn redis_suite_odd_configs_and_encodings() {
        let mut l = pushed(&[b"a"], 0);
        assert_eq!(l.encoding(), "listpack");
        l.push(&[b"b"], false, 0);
        assert_eq!(l.encoding(), "quicklist");

        let mut l = pushed(&[&[b'x'; 60000][..]], -6);
        assert_eq!(l.encoding(), "listpack");
        l.push(&[vec![b'x'; 5536]], false, -6);
        assert_eq!(l.encoding(), "quicklist");

        let mut l = List::new();
        let values: Vec<Vec<u8>> = vec![
            b"127".to_vec(),
            b"32767".to_vec(),
            b"2147483647".to_vec(),
            b"9223372036854775808".to_vec(),
            b"0".to_vec(),
            b"12".to_vec(),
            vec![b'x'; 31],
            vec![b'x'; 8191],
            vec![b'x'; 65535],
        ];
        for v in &values {
            l.push(&[v], true, -1);
        }
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.get(5), Some(&b"9223372036854775808"[..]));
        assert_eq!(l.get(l.resolve_index(-5).unwrap()), Some(&b"0"[..]));
        let popped = l.pop(true, 3, -1);
        assert_eq!(popped[0].len(), 65535);
        assert_eq!(popped[1].len(), 8191);
        assert_eq!(popped[2].len(), 31);
        let rest: Vec<&[u8]> = l.iter().collect();
        assert_eq!(
            rest,
            vec![
                &b"12"[..],
                b"0",
                b"9223372036854775808",
                b"2147483647",
                b"32767",
                b"127"
            ]
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(bool, Vec<Vec<u8>>),
        Pop(bool, usize),
        Set(i64, Vec<u8>),
        Insert(u8, Vec<u8>, bool),
        Rem(i64, u8),
        Trim(i64, i64),
    }

    fn elem() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            8 => (0u8..6).prop_map(|b| vec![b'a' + b]),
            3 => (0u32..2000).prop_map(|n| n.to_string().into_bytes()),
            2 => (1usize..300).prop_map(|n| vec![b'x'; n]),
            1 => (4000usize..9000).prop_map(|n| vec![b'L'; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<bool>(), prop::collection::vec(elem(), 1..8)).prop_map(|(l, v)| Op::Push(l, v)),
            3 => (any::<bool>(), 1usize..10).prop_map(|(l, n)| Op::Pop(l, n)),
            2 => (-20i64..20, elem()).prop_map(|(i, v)| Op::Set(i, v)),
            2 => (0u8..6, elem(), any::<bool>()).prop_map(|(p, v, a)| Op::Insert(p, v, a)),
            1 => (-3i64..3, 0u8..6).prop_map(|(c, v)| Op::Rem(c, v)),
            1 => (-30i64..30, -30i64..30).prop_map(|(a, b)| Op::Trim(a, b)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn behaves_like_a_deque(fill in prop_oneof![Just(-1i64), Just(-2), Just(1), Just(2), Just(5), Just(0)],
                                ops in prop::collection::vec(op(), 1..80)) {
            let mut l = List::new();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(left, vs) => {
                        l.push(&vs, left, fill);
                        for v in vs { if left { m.push_front(v) } else { m.push_back(v) } }
                    }
                    Op::Pop(left, n) => {
                        let got = l.pop(left, n, fill);
                        let mut want = Vec::new();
                        for _ in 0..n { if let Some(v) = if left { m.pop_front() } else { m.pop_back() } { want.push(v) } }
                        prop_assert_eq!(got.iter().map(|b| b.to_vec()).collect::<Vec<_>>(), want);
                    }
                    Op::Set(i, v) => {
                        let len = m.len() as i64;
                        let idx = if i < 0 { len + i } else { i };
                        let ok = l.set(i, &v, fill);
                        prop_assert_eq!(ok, (0..len).contains(&idx));
                        if ok { m[idx as usize] = v; }
                    }
                    Op::Insert(p, v, after) => {
                        let pivot = vec![b'a' + p];
                        let got = l.insert(&pivot, &v, after, fill);
                        match m.iter().position(|e| *e == pivot) {
                            Some(i) => { m.insert(if after { i + 1 } else { i }, v); prop_assert_eq!(got, Some(m.len())); }
                            None => prop_assert_eq!(got, None),
                        }
                    }
                    Op::Rem(c, v) => {
                        let val = vec![b'a' + v];
                        let got = l.remove(&val, c, fill);
                        let limit = c.unsigned_abs() as usize;
                        let mut removed = 0;
                        if c < 0 {
                            let mut i = m.len();
                            while i > 0 { i -= 1; if m[i] == val && (limit == 0 || removed < limit) { m.remove(i); removed += 1; } }
                        } else {
                            let mut i = 0;
                            while i < m.len() { if m[i] == val && (limit == 0 || removed < limit) { m.remove(i); removed += 1; } else { i += 1; } }
                        }
                        prop_assert_eq!(got, removed);
                    }
                    Op::Trim(a, b) => {
                        l.trim(a, b, fill);
                        let len = m.len() as i64;
                        let mut s = if a < 0 { len + a } else { a };
                        let e = if b < 0 { len + b } else { b };
                        if s < 0 { s = 0; }
                        if s > e || s >= len { m.clear(); } else {
                            let e = e.min(len - 1);
                            m = m.iter().skip(s as usize).take((e - s + 1) as usize).cloned().collect();
                        }
                    }
                }
                check(&l);
                prop_assert_eq!(items(&l), m.iter().cloned().collect::<Vec<_>>());
                let rev: Vec<Vec<u8>> = l.iter().rev().map(<[u8]>::to_vec).collect();
                prop_assert_eq!(rev, m.iter().rev().cloned().collect::<Vec<_>>());
                for (i, want) in m.iter().enumerate() {
                    prop_assert_eq!(l.get(i), Some(&want[..]));
                    prop_assert_eq!(l.iter_from(i).next(), Some(&want[..]));
                    prop_assert_eq!(l.iter_rev_from(i).next(), Some(&want[..]));
                }
                prop_assert_eq!(l.iter_rev_from(m.len().saturating_sub(1)).count(), m.len());
            }
        }
    }
}
