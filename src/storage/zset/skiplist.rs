//! The `skiplist` encoding of a sorted set: Redis's skiplist with spans (an order-statistic
//! structure, so ranks are O(log n)) plus a member index, built without `unsafe`.
//!
//! * Nodes live in one dense arena (`Vec<Node>`) and point at each other by `u32` index.
//!   Removing a node moves the last node of the arena into the hole (and re-points its
//!   neighbours), so the arena never has gaps: memory follows the live size, and arena
//!   positions double as a stable-enough scan order (see [`SkipList::scan`]).
//! * The member index is an open-addressing table of `u32` node indices (linear probing,
//!   backward-shift deletion): 4 bytes a slot instead of a second copy of every member.
//! * Each node stores its level-0 link inline; only the ~25% of nodes taller than one level
//!   allocate their upper links.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// Redis's `ZSKIPLIST_MAXLEVEL`.
pub const MAX_LEVEL: usize = 32;
/// "No node".
const NIL: u32 = u32::MAX;
/// The header pseudo-node (its links live in [`SkipList::head`]).
const HEAD: u32 = u32::MAX - 1;
/// Smallest index table.
const MIN_SLOTS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Level {
    next: u32,
    span: u32,
}

const EMPTY_LEVEL: Level = Level { next: NIL, span: 0 };

#[derive(Debug, Clone)]
struct Node {
    member: Box<[u8]>,
    score: f64,
    /// Previous node on level 0 (`NIL` for the first).
    back: u32,
    /// The member's hash (folded to 32 bits) for the index.
    hash: u32,
    level0: Level,
    upper: Box<[Level]>,
}

impl Node {
    fn height(&self) -> usize {
        1 + self.upper.len()
    }

    fn level(&self, k: usize) -> Level {
        if k == 0 {
            self.level0
        } else {
            self.upper.get(k - 1).copied().unwrap_or(EMPTY_LEVEL)
        }
    }

    fn level_mut(&mut self, k: usize) -> Option<&mut Level> {
        if k == 0 {
            Some(&mut self.level0)
        } else {
            self.upper.get_mut(k - 1)
        }
    }
}

/// `(s1, m1) < (s2, m2)` in sorted-set order: by score, then by member bytes.
fn less(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

fn hash_member(member: &[u8]) -> u32 {
    static STATE: OnceLock<RandomState> = OnceLock::new();
    let h = STATE.get_or_init(RandomState::new).hash_one(member);
    (h ^ (h >> 32)) as u32
}

/// A level for a new node: 1 plus a geometric number with p = 1/4, as `zslRandomLevel`.
fn random_level() -> usize {
    let mut level = 1;
    let mut bits = super::random_u64();
    while level < MAX_LEVEL && bits & 3 == 0 {
        level += 1;
        bits >>= 2;
        if bits == 0 {
            bits = super::random_u64();
        }
    }
    level
}

/// A sorted set with O(log n) insert, delete, rank and rank lookup.
#[derive(Debug, Clone)]
pub struct SkipList {
    nodes: Vec<Node>,
    head: [Level; MAX_LEVEL],
    level: usize,
    tail: u32,
    /// Member index: node indices by member hash, `NIL` for an empty slot.
    slots: Vec<u32>,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList {
            nodes: Vec::new(),
            head: [EMPTY_LEVEL; MAX_LEVEL],
            level: 1,
            tail: NIL,
            slots: Vec::new(),
        }
    }
}

impl SkipList {
    /// An empty skiplist with room for `n` members.
    pub fn with_capacity(n: usize) -> Self {
        let mut s = SkipList::default();
        s.nodes.reserve(n);
        s
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn node(&self, x: u32) -> &Node {
        &self.nodes[x as usize]
    }

    fn link(&self, x: u32, k: usize) -> Level {
        if x == HEAD {
            self.head[k]
        } else {
            self.node(x).level(k)
        }
    }

    fn set_link(&mut self, x: u32, k: usize, l: Level) {
        if x == HEAD {
            self.head[k] = l;
        } else if let Some(slot) = self.nodes[x as usize].level_mut(k) {
            *slot = l;
        }
    }

    fn key_less_node(&self, x: u32, score: f64, member: &[u8]) -> bool {
        let n = self.node(x);
        less(n.score, &n.member, score, member)
    }

    // -----------------------------------------------------------------------------------------
    // Member index
    // -----------------------------------------------------------------------------------------

    fn home(&self, hash: u32) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// The node holding `member`.
    pub fn find(&self, member: &[u8]) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let hash = hash_member(member);
        let mask = self.slots.len() - 1;
        let mut p = self.home(hash);
        loop {
            let s = self.slots[p];
            if s == NIL {
                return None;
            }
            let n = self.node(s);
            if n.hash == hash && *n.member == *member {
                return Some(s);
            }
            p = (p + 1) & mask;
        }
    }

    /// The slot holding node index `x`.
    fn slot_of(&self, x: u32) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut p = self.home(self.node(x).hash);
        loop {
            match self.slots[p] {
                NIL => return None,
                s if s == x => return Some(p),
                _ => p = (p + 1) & mask,
            }
        }
    }

    fn place(&mut self, x: u32) {
        let mask = self.slots.len() - 1;
        let mut p = self.home(self.node(x).hash);
        while self.slots[p] != NIL {
            p = (p + 1) & mask;
        }
        self.slots[p] = x;
    }

    fn rebuild_index(&mut self, cap: usize) {
        self.slots = vec![NIL; cap];
        for x in 0..self.nodes.len() as u32 {
            self.place(x);
        }
    }

    fn index_insert(&mut self, x: u32) {
        let n = self.nodes.len();
        if n * 2 > self.slots.len() {
            self.rebuild_index((n * 2).next_power_of_two().max(MIN_SLOTS));
        } else {
            self.place(x);
        }
    }

    fn index_remove(&mut self, x: u32) {
        let Some(mut hole) = self.slot_of(x) else {
            return;
        };
        let mask = self.slots.len() - 1;
        self.slots[hole] = NIL;
        // Backward-shift deletion: pull later members of the probe run into the hole when
        // the hole lies between their home slot and where they sit.
        let mut i = hole;
        loop {
            i = (i + 1) & mask;
            let s = self.slots[i];
            if s == NIL {
                break;
            }
            let home = self.home(self.node(s).hash);
            if (i.wrapping_sub(home) & mask) >= (i.wrapping_sub(hole) & mask) {
                self.slots[hole] = s;
                self.slots[i] = NIL;
                hole = i;
            }
        }
    }

    fn maybe_shrink_index(&mut self) {
        let n = self.nodes.len();
        if n == 0 {
            self.slots = Vec::new();
        } else if self.slots.len() > MIN_SLOTS && n * 8 < self.slots.len() {
            self.rebuild_index((n * 2).next_power_of_two().max(MIN_SLOTS));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Structure
    // -----------------------------------------------------------------------------------------

    /// Inserts a member that is not present (the caller checks with [`SkipList::find`]).
    pub fn insert(&mut self, member: Box<[u8]>, score: f64) {
        let hash = hash_member(&member);
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let l = self.link(x, i);
                if l.next != NIL && self.key_less_node(l.next, score, &member) {
                    rank[i] += l.span;
                    x = l.next;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let height = random_level();
        if height > self.level {
            for i in self.level..height {
                rank[i] = 0;
                update[i] = HEAD;
                self.head[i].span = self.nodes.len() as u32;
            }
            self.level = height;
        }
        let idx = self.nodes.len() as u32;
        self.nodes.push(Node {
            member,
            score,
            back: if update[0] == HEAD { NIL } else { update[0] },
            hash,
            level0: EMPTY_LEVEL,
            upper: vec![EMPTY_LEVEL; height - 1].into_boxed_slice(),
        });
        for i in 0..height {
            let ul = self.link(update[i], i);
            self.set_link(
                idx,
                i,
                Level {
                    next: ul.next,
                    span: ul.span - (rank[0] - rank[i]),
                },
            );
            self.set_link(
                update[i],
                i,
                Level {
                    next: idx,
                    span: rank[0] - rank[i] + 1,
                },
            );
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(height) {
            let mut l = self.link(u, i);
            l.span += 1;
            self.set_link(u, i, l);
        }
        let next = self.node(idx).level0.next;
        if next == NIL {
            self.tail = idx;
        } else {
            self.nodes[next as usize].back = idx;
        }
        self.index_insert(idx);
    }

    /// The predecessors of `(score, member)` on every level.
    fn path_to(&self, score: f64, member: &[u8]) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let next = self.link(x, i).next;
                if next != NIL && self.key_less_node(next, score, member) {
                    x = next;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        update
    }

    /// The predecessors of the node at 0-based `rank` on every level.
    fn path_to_rank(&self, rank: usize) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next != NIL && traversed + (l.span as usize) <= rank {
                    traversed += l.span as usize;
                    x = l.next;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        update
    }

    /// Unlinks node `x` (whose predecessors are `update`), takes it out of the index and the
    /// arena, and returns it.
    fn remove_node(&mut self, x: u32, update: &[u32; MAX_LEVEL]) -> Node {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let ul = self.link(u, i);
            if ul.next == x {
                let xl = self.node(x).level(i);
                self.set_link(
                    u,
                    i,
                    Level {
                        next: xl.next,
                        span: ul.span + xl.span - 1,
                    },
                );
            } else {
                self.set_link(
                    u,
                    i,
                    Level {
                        next: ul.next,
                        span: ul.span.wrapping_sub(1),
                    },
                );
            }
        }
        let (next, back) = {
            let n = self.node(x);
            (n.level0.next, n.back)
        };
        if next == NIL {
            self.tail = back;
        } else {
            self.nodes[next as usize].back = back;
        }
        while self.level > 1 && self.head[self.level - 1].next == NIL {
            self.level -= 1;
        }
        self.index_remove(x);
        let last = (self.nodes.len() - 1) as u32;
        if x != last {
            self.retarget(last, x);
        }
        let node = self.nodes.swap_remove(x as usize);
        self.maybe_shrink_index();
        node
    }

    /// Points every reference to node `from` at index `to` (where `swap_remove` is about to
    /// move it). Node `to` is already unlinked, so no search passes through it.
    fn retarget(&mut self, from: u32, to: u32) {
        let (score, height, next) = {
            let n = self.node(from);
            (n.score, n.height(), n.level0.next)
        };
        let member = std::mem::take(&mut self.nodes[from as usize].member);
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let n = self.link(x, i).next;
                if n != NIL && n != from && self.key_less_node(n, score, &member) {
                    x = n;
                } else {
                    break;
                }
            }
            if i < height {
                let mut l = self.link(x, i);
                if l.next == from {
                    l.next = to;
                    self.set_link(x, i, l);
                }
            }
        }
        self.nodes[from as usize].member = member;
        if next == NIL {
            self.tail = to;
        } else {
            self.nodes[next as usize].back = to;
        }
        if let Some(p) = self.slot_of(from) {
            self.slots[p] = to;
        }
    }

    /// Removes `member`; returns its score if it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let x = self.find(member)?;
        let score = self.node(x).score;
        let update = self.path_to(score, member);
        let node = self.remove_node(x, &update);
        Some(node.score)
    }

    /// Removes the member at 0-based `rank`.
    pub fn remove_rank(&mut self, rank: usize) -> Option<(Box<[u8]>, f64)> {
        if rank >= self.len() {
            return None;
        }
        let update = self.path_to_rank(rank);
        let x = self.link(update[0], 0).next;
        if x == NIL {
            return None;
        }
        let node = self.remove_node(x, &update);
        Some((node.member, node.score))
    }

    /// Changes the score of an existing member (`zslUpdateScore`): in place when the order is
    /// unchanged, otherwise by removing and re-inserting the node.
    pub fn update_score(&mut self, member: &[u8], score: f64) {
        let Some(x) = self.find(member) else {
            return;
        };
        let (back, next) = {
            let n = self.node(x);
            (n.back, n.level0.next)
        };
        let after_back = back == NIL || self.key_less_node(back, score, member);
        let before_next = next == NIL || {
            let n = self.node(next);
            less(score, member, n.score, &n.member)
        };
        if after_back && before_next {
            self.nodes[x as usize].score = score;
            return;
        }
        let cur = self.node(x).score;
        let update = self.path_to(cur, member);
        let node = self.remove_node(x, &update);
        self.insert(node.member, score);
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|x| self.node(x).score)
    }

    /// The 0-based rank of `member` and its score.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let target = self.find(member)?;
        let score = self.node(target).score;
        let mut x = HEAD;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next != NIL && (l.next == target || self.key_less_node(l.next, score, member))
                {
                    rank += l.span as usize;
                    x = l.next;
                } else {
                    break;
                }
            }
            if x == target {
                return Some((rank - 1, score));
            }
        }
        None
    }

    /// The node at 0-based `rank`.
    fn at_rank(&self, rank: usize) -> u32 {
        let want = rank + 1;
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next != NIL && traversed + (l.span as usize) <= want {
                    traversed += l.span as usize;
                    x = l.next;
                } else {
                    break;
                }
            }
            if traversed == want {
                return x;
            }
        }
        NIL
    }

    /// The member and score at 0-based `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        match self.at_rank(rank) {
            NIL | HEAD => None,
            x => {
                let n = self.node(x);
                Some((&n.member, n.score))
            }
        }
    }

    /// How many leading members (in order) satisfy `pred`, which must hold for a prefix of
    /// the order (true, ..., true, false, ...). O(log n).
    pub fn count_while(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut x = HEAD;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next == NIL {
                    break;
                }
                let n = self.node(l.next);
                if pred(n.score, &n.member) {
                    rank += l.span as usize;
                    x = l.next;
                } else {
                    break;
                }
            }
        }
        rank
    }

    /// Iterates from 0-based `rank` upwards (or downwards when `reverse`).
    pub fn iter_from(&self, rank: usize, reverse: bool) -> Iter<'_> {
        let start = if rank >= self.len() {
            NIL
        } else if reverse && rank + 1 == self.len() {
            self.tail
        } else if !reverse && rank == 0 {
            self.head[0].next
        } else {
            self.at_rank(rank)
        };
        Iter {
            list: self,
            cur: start,
            reverse,
        }
    }

    /// Visits up to `count` members by arena position, descending from `cursor` (0 = start),
    /// and returns the next cursor (0 when done). A member present for the whole scan is
    /// visited at least once: removals move the last arena node, which was already visited,
    /// into the hole, and insertions go to the end.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        let len = self.nodes.len();
        let start = if cursor == 0 {
            len
        } else {
            usize::try_from(cursor).unwrap_or(usize::MAX).min(len)
        };
        let lo = start.saturating_sub(count.max(1));
        for n in self.nodes[lo..start].iter().rev() {
            f(&n.member, n.score);
        }
        lo as u64
    }

    /// Checks every structural invariant (tests only).
    #[cfg(test)]
    pub fn check(&self) {
        let n = self.nodes.len();
        // Level 0 visits every node in strictly increasing order, with consistent back links.
        let mut x = self.head[0].next;
        let mut prev = NIL;
        let mut seen = 0;
        while x != NIL {
            let node = self.node(x);
            assert_eq!(node.back, prev);
            if prev != NIL {
                let p = self.node(prev);
                assert!(less(p.score, &p.member, node.score, &node.member));
            }
            prev = x;
            x = node.level0.next;
            seen += 1;
        }
        assert_eq!(seen, n);
        assert_eq!(self.tail, prev);
        // Spans: on every level, the sum of spans from the head to each node is its rank.
        let mut rank_of = vec![0usize; n];
        let mut x = self.head[0].next;
        let mut r = 1;
        while x != NIL {
            rank_of[x as usize] = r;
            r += 1;
            x = self.node(x).level0.next;
        }
        for i in 0..self.level {
            let mut x = HEAD;
            let mut acc = 0usize;
            loop {
                let l = self.link(x, i);
                if l.next == NIL {
                    break;
                }
                acc += l.span as usize;
                assert_eq!(acc, rank_of[l.next as usize], "span at level {i}");
                x = l.next;
            }
        }
        // The index holds every node exactly once and finds it.
        assert_eq!(self.slots.iter().filter(|&&s| s != NIL).count(), n);
        for (i, node) in self.nodes.iter().enumerate() {
            assert_eq!(self.find(&node.member), Some(i as u32));
        }
    }
}

/// Iterator over `(member, score)` along level 0.
pub struct Iter<'a> {
    list: &'a SkipList,
    cur: u32,
    reverse: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.cur == NIL || self.cur == HEAD {
            return None;
        }
        let n = self.list.node(self.cur);
        self.cur = if self.reverse { n.back } else { n.level0.next };
        Some((&n.member, n.score))
    }
}
