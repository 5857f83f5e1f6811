//! An index of `PSUBSCRIBE` glob patterns keyed by their literal prefix.
//!
//! Redis checks every subscribed pattern against every published channel, so
//! a publish costs `O(total patterns)`. Most real-world patterns start with a
//! literal namespace (`news.*`, `user:42:*`, `__keyspace@0__:*`), and every
//! channel a pattern matches must start with that literal prefix (see
//! [`literal_prefix`]). The index therefore groups patterns by their literal
//! prefix and, for a channel, only visits the groups whose prefix is a prefix
//! of the channel:
//!
//! * `groups` maps each literal prefix to the patterns sharing it;
//! * `prefix_lens` counts how many groups exist for each prefix *length*.
//!
//! For a channel `c`, the candidate groups are exactly `groups[c[..len]]` for
//! each distinct prefix length `len <= c.len()`: one hash lookup per distinct
//! length, then one [`glob_match`] per pattern in the groups found. Patterns
//! with an empty prefix (`*foo`, `?x`) live in the group for `""`, which is
//! always visited. A publish costs `O(distinct prefix lengths + patterns in
//! the matching groups)`, independent of how many patterns with other
//! prefixes exist.
//!
//! The maps are std `HashMap`s: their randomly keyed SipHash keeps
//! client-chosen patterns and channels from forcing collisions.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;

use super::glob::{glob_match, literal_prefix};

/// The patterns that share one literal prefix, with their payloads.
#[derive(Debug)]
struct Group<S> {
    patterns: HashMap<Bytes, S>,
}

/// A set of glob patterns, each carrying a payload `S` (for example the set
/// of subscribers of that pattern), that can efficiently find the patterns
/// matching a channel. See the [module documentation](self) for the design.
#[derive(Debug)]
pub struct PatternIndex<S> {
    /// Literal prefix -> the patterns with exactly that literal prefix.
    /// Never contains an empty group.
    groups: HashMap<Bytes, Group<S>>,
    /// Prefix length -> number of entries of `groups` with a key that long.
    /// Never contains a zero count.
    prefix_lens: BTreeMap<usize, usize>,
    /// Total number of patterns over all groups.
    len: usize,
}

impl<S> PatternIndex<S> {
    /// Creates an empty index.
    pub fn new() -> Self {
        Self {
            groups: HashMap::new(),
            prefix_lens: BTreeMap::new(),
            len: 0,
        }
    }

    /// Returns the number of distinct patterns in the index.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns `true` if the index holds no pattern.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns the payload of `pattern`, if it is in the index.
    pub fn get(&self, pattern: &[u8]) -> Option<&S> {
        self.groups
            .get(literal_prefix(pattern))?
            .patterns
            .get(pattern)
    }

    /// Returns the payload of `pattern` mutably, if it is in the index.
    pub fn get_mut(&mut self, pattern: &[u8]) -> Option<&mut S> {
        self.groups
            .get_mut(literal_prefix(pattern))?
            .patterns
            .get_mut(pattern)
    }

    /// Returns the payload of `pattern`, first inserting `make()` if the
    /// pattern is not in the index yet.
    pub fn get_or_insert_with(&mut self, pattern: Bytes, make: impl FnOnce() -> S) -> &mut S {
        let prefix = literal_prefix(&pattern);
        let group = match self.groups.entry(Bytes::copy_from_slice(prefix)) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                // A copy rather than `pattern.slice(..)`: the key may outlive
                // this pattern, and must not keep its buffer alive.
                *self.prefix_lens.entry(entry.key().len()).or_insert(0) += 1;
                entry.insert(Group {
                    patterns: HashMap::new(),
                })
            }
        };
        match group.patterns.entry(pattern) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                self.len += 1;
                entry.insert(make())
            }
        }
    }

    /// Removes `pattern` from the index, returning its payload if it was
    /// present.
    pub fn remove(&mut self, pattern: &[u8]) -> Option<S> {
        let prefix = literal_prefix(pattern);
        let group = self.groups.get_mut(prefix)?;
        let payload = group.patterns.remove(pattern)?;
        self.len -= 1;
        if group.patterns.is_empty() {
            self.groups.remove(prefix);
            if let Some(count) = self.prefix_lens.get_mut(&prefix.len()) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.prefix_lens.remove(&prefix.len());
                }
            }
        }
        Some(payload)
    }

    /// Calls `f` once for each pattern that matches `channel` (Redis glob
    /// semantics, see [`glob_match`]), with the pattern and its payload.
    ///
    /// Only the groups whose literal prefix is a prefix of `channel` are
    /// visited; the order of the calls is unspecified.
    pub fn for_each_match(&self, channel: &[u8], mut f: impl FnMut(&Bytes, &S)) {
        for &len in self.prefix_lens.range(..=channel.len()).map(|(len, _)| len) {
            let Some(group) = channel.get(..len).and_then(|p| self.groups.get(p)) else {
                continue;
            };
            for (pattern, payload) in &group.patterns {
                if glob_match(pattern, channel) {
                    f(pattern, payload);
                }
            }
        }
    }

    /// Iterates over all patterns and their payloads, in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &S)> {
        self.groups.values().flat_map(|group| group.patterns.iter())
    }
}

impl<S> Default for PatternIndex<S> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashSet};

    fn matches(index: &PatternIndex<u32>, channel: &[u8]) -> BTreeSet<(Vec<u8>, u32)> {
        let mut found = BTreeSet::new();
        index.for_each_match(channel, |pattern, &payload| {
            let fresh = found.insert((pattern.to_vec(), payload));
            assert!(fresh, "pattern {pattern:?} reported twice");
        });
        found
    }

    fn names(found: &BTreeSet<(Vec<u8>, u32)>) -> Vec<&[u8]> {
        found.iter().map(|(p, _)| p.as_slice()).collect()
    }

    /// Checks the internal bookkeeping against the groups themselves.
    fn assert_consistent<S>(index: &PatternIndex<S>) {
        let mut lens = BTreeMap::new();
        let mut total = 0;
        for (prefix, group) in &index.groups {
            assert!(!group.patterns.is_empty(), "empty group {prefix:?}");
            for pattern in group.patterns.keys() {
                assert_eq!(literal_prefix(pattern), &prefix[..]);
            }
            *lens.entry(prefix.len()).or_insert(0) += 1;
            total += group.patterns.len();
        }
        assert_eq!(index.prefix_lens, lens);
        assert_eq!(index.len(), total);
        assert_eq!(index.iter().count(), total);
        assert_eq!(index.is_empty(), total == 0);
    }

    #[test]
    fn empty_index() {
        let index: PatternIndex<u32> = PatternIndex::default();
        assert!(index.is_empty());
        assert_eq!(index.len(), 0);
        assert!(index.get(b"*").is_none());
        assert!(matches(&index, b"news").is_empty());
        assert!(matches(&index, b"").is_empty());
        assert_eq!(index.iter().count(), 0);
        assert_consistent(&index);
    }

    #[test]
    fn insert_get_and_match() {
        let mut index = PatternIndex::new();
        for (i, pattern) in [
            "news.*",
            "news.sport",
            "new?",
            "*",
            "*.tech",
            "user:[0-9]*",
            "n*",
        ]
        .into_iter()
        .enumerate()
        {
            *index.get_or_insert_with(Bytes::from(pattern), || 0) = i as u32;
        }
        assert_eq!(index.len(), 7);
        assert_consistent(&index);
        assert_eq!(index.get(b"news.*"), Some(&0));
        assert_eq!(index.get(b"*.tech"), Some(&4));
        assert!(index.get(b"news.").is_none());
        assert!(index.get(b"nothing").is_none());

        assert_eq!(
            names(&matches(&index, b"news.tech")),
            vec![&b"*"[..], b"*.tech", b"n*", b"news.*"]
        );
        assert_eq!(
            names(&matches(&index, b"news.sport")),
            vec![&b"*"[..], b"n*", b"news.*", b"news.sport"]
        );
        assert_eq!(
            names(&matches(&index, b"news")),
            vec![&b"*"[..], b"n*", b"new?"]
        );
        assert_eq!(
            names(&matches(&index, b"user:7")),
            vec![&b"*"[..], b"user:[0-9]*"]
        );
        assert_eq!(names(&matches(&index, b"user:x")), vec![&b"*"[..]]);
        // Redis quirk: `*` does not match the empty channel.
        assert!(matches(&index, b"").is_empty());
    }

    #[test]
    fn get_or_insert_with_keeps_existing_payload() {
        let mut index = PatternIndex::new();
        *index.get_or_insert_with(Bytes::from_static(b"a*"), || 1) += 10;
        let payload = index.get_or_insert_with(Bytes::from_static(b"a*"), || unreachable!());
        assert_eq!(*payload, 11);
        *payload += 1;
        assert_eq!(index.len(), 1);
        if let Some(p) = index.get_mut(b"a*") {
            *p += 1;
        }
        assert_eq!(index.get(b"a*"), Some(&13));
        assert!(index.get_mut(b"b*").is_none());
        assert_consistent(&index);
    }

    #[test]
    fn remove_keeps_length_counts_right() {
        let mut index = PatternIndex::new();
        for pattern in ["ab*", "ab?", "cd*", "abc*", "*x", "?y"] {
            index.get_or_insert_with(Bytes::from(pattern), || 0u32);
        }
        assert_consistent(&index);
        assert_eq!(index.prefix_lens, BTreeMap::from([(0, 1), (2, 2), (3, 1)]));

        // Removing one of two patterns with prefix "ab" keeps the group.
        assert_eq!(index.remove(b"ab*"), Some(0));
        assert_consistent(&index);
        assert_eq!(index.prefix_lens, BTreeMap::from([(0, 1), (2, 2), (3, 1)]));
        // Removing the last pattern of prefix "ab" drops one group of length 2.
        assert_eq!(index.remove(b"ab?"), Some(0));
        assert_consistent(&index);
        assert_eq!(index.prefix_lens, BTreeMap::from([(0, 1), (2, 1), (3, 1)]));
        // Removing the last pattern of length 3 drops the length entirely.
        assert_eq!(index.remove(b"abc*"), Some(0));
        assert_consistent(&index);
        assert_eq!(index.prefix_lens, BTreeMap::from([(0, 1), (2, 1)]));
        assert!(index.get(b"abc*").is_none());
        assert!(matches(&index, b"abcd").is_empty());
        // Removing absent patterns changes nothing.
        assert_eq!(index.remove(b"abc*"), None);
        assert_eq!(index.remove(b"zz*"), None);
        assert_eq!(index.remove(b"c?*"), None);
        assert_consistent(&index);
        assert_eq!(index.len(), 3);

        for pattern in ["cd*", "*x", "?y"] {
            assert_eq!(index.remove(pattern.as_bytes()), Some(0));
        }
        assert!(index.is_empty());
        assert!(index.groups.is_empty());
        assert!(index.prefix_lens.is_empty());
        assert_consistent(&index);

        // The index is fully usable again after being emptied.
        index.get_or_insert_with(Bytes::from_static(b"ab*"), || 5);
        assert_eq!(names(&matches(&index, b"abz")), vec![&b"ab*"[..]]);
        assert_consistent(&index);
    }

    #[test]
    fn literal_patterns_and_binary_channels() {
        let mut index = PatternIndex::new();
        for pattern in [&b"exact"[..], b"", b"\x00\xff*", b"a\\*b", b"[\\"] {
            index.get_or_insert_with(Bytes::copy_from_slice(pattern), || 0u32);
        }
        assert_consistent(&index);
        assert_eq!(names(&matches(&index, b"exact")), vec![&b"exact"[..]]);
        assert!(matches(&index, b"exactly").is_empty());
        assert!(matches(&index, b"exac").is_empty());
        assert_eq!(names(&matches(&index, b"")), vec![&b""[..]]);
        assert_eq!(
            names(&matches(&index, b"\x00\xff\x01")),
            vec![&b"\x00\xff*"[..]]
        );
        assert_eq!(names(&matches(&index, b"a*b")), vec![&b"a\\*b"[..]]);
        assert!(matches(&index, b"axb").is_empty());
        assert_eq!(names(&matches(&index, b"\\")), vec![&b"[\\"[..]]);
    }

    #[test]
    fn skips_groups_with_other_prefixes() {
        let mut index = PatternIndex::new();
        for i in 0..10_000u32 {
            index.get_or_insert_with(Bytes::from(format!("ns{i}:*")), || i);
        }
        index.get_or_insert_with(Bytes::from_static(b"*"), || u32::MAX);
        let found = matches(&index, b"ns42:event");
        assert_eq!(
            found,
            BTreeSet::from([(b"*".to_vec(), u32::MAX), (b"ns42:*".to_vec(), 42)])
        );
        // The 10_000 prefixes "nsN:" have only the lengths 4..=7, plus "" for
        // `*`: a publish does five hash lookups and then runs `glob_match` on
        // the two patterns of the groups "" and "ns42:" only.
        assert_eq!(index.groups.len(), 10_001);
        assert_eq!(
            index.prefix_lens,
            BTreeMap::from([(0, 1), (4, 10), (5, 90), (6, 900), (7, 9_000)])
        );
        assert_consistent(&index);
    }

    fn pattern_strategy() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(b"ab:*?[]^-\\\x00\xff".to_vec()), 0..7)
    }

    fn channel_strategy() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(b"ab:*?[]\\\x00\xff".to_vec()), 0..8)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(Vec<u8>),
        Remove(Vec<u8>),
    }

    fn op_strategy() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => pattern_strategy().prop_map(Op::Insert),
            1 => pattern_strategy().prop_map(Op::Remove),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn for_each_match_equals_naive_scan(
            patterns in prop::collection::vec(pattern_strategy(), 0..40),
            channels in prop::collection::vec(channel_strategy(), 1..20),
        ) {
            let mut index = PatternIndex::new();
            let mut naive: Vec<(Vec<u8>, u32)> = Vec::new();
            for (i, pattern) in patterns.iter().enumerate() {
                index.get_or_insert_with(Bytes::copy_from_slice(pattern), || i as u32);
                if !naive.iter().any(|(p, _)| p == pattern) {
                    naive.push((pattern.clone(), i as u32));
                }
            }
            assert_consistent(&index);
            prop_assert_eq!(index.len(), naive.len());
            // Also probe each pattern's own bytes and their prefixes as channels.
            let probes = channels.iter().chain(patterns.iter());
            for channel in probes {
                for cut in 0..=channel.len() {
                    let channel = &channel[..cut];
                    let expected: BTreeSet<(Vec<u8>, u32)> = naive
                        .iter()
                        .filter(|(p, _)| glob_match(p, channel))
                        .cloned()
                        .collect();
                    prop_assert_eq!(matches(&index, channel), expected);
                }
            }
        }

        #[test]
        fn insert_remove_sequences_match_model(
            ops in prop::collection::vec(op_strategy(), 0..60),
            channels in prop::collection::vec(channel_strategy(), 1..10),
        ) {
            let mut index = PatternIndex::new();
            let mut model: HashMap<Vec<u8>, u32> = HashMap::new();
            for (step, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Insert(pattern) => {
                        let payload = *index
                            .get_or_insert_with(Bytes::copy_from_slice(&pattern), || step as u32);
                        let expected = *model.entry(pattern).or_insert(step as u32);
                        prop_assert_eq!(payload, expected);
                    }
                    Op::Remove(pattern) => {
                        prop_assert_eq!(index.remove(&pattern), model.remove(&pattern));
                    }
                }
                assert_consistent(&index);
                prop_assert_eq!(index.len(), model.len());
            }
            let listed: HashSet<(Vec<u8>, u32)> =
                index.iter().map(|(p, &s)| (p.to_vec(), s)).collect();
            let expected: HashSet<(Vec<u8>, u32)> =
                model.iter().map(|(p, &s)| (p.clone(), s)).collect();
            prop_assert_eq!(listed, expected);
            for (pattern, payload) in &model {
                prop_assert_eq!(index.get(pattern), Some(payload));
            }
            for channel in &channels {
                let expected: BTreeSet<(Vec<u8>, u32)> = model
                    .iter()
                    .filter(|(p, _)| glob_match(p, channel))
                    .map(|(p, &s)| (p.clone(), s))
                    .collect();
                prop_assert_eq!(matches(&index, channel), expected);
            }
        }
    }
}
