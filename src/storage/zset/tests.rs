//! Model tests: every operation on [`ZSet`] (in each encoding, and across conversions) and on
//! the raw [`SkipList`] is checked against a plain sorted `Vec`.

use super::*;
use proptest::prelude::*;

fn limits(entries: u64, value: u64) -> EncodingLimits {
    EncodingLimits {
        zset_max_listpack_entries: entries,
        zset_max_listpack_value: value,
        ..EncodingLimits::default()
    }
}

/// The reference: (member, score) sorted by score then member.
#[derive(Default, Clone, Debug)]
struct Model(Vec<(Vec<u8>, f64)>);

impl Model {
    fn sort(&mut self) {
        self.0
            .sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    }
    fn pos(&self, m: &[u8]) -> Option<usize> {
        self.0.iter().position(|(x, _)| x == m)
    }
    fn insert(&mut self, m: &[u8], s: f64) {
        if let Some(i) = self.pos(m) {
            self.0[i].1 = s;
        } else {
            self.0.push((m.to_vec(), s));
        }
        self.sort();
    }
    fn remove(&mut self, m: &[u8]) -> bool {
        match self.pos(m) {
            Some(i) => {
                self.0.remove(i);
                true
            }
            None => false,
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add(Vec<u8>, f64, u8),
    Remove(Vec<u8>),
    RemoveRanks(usize, usize),
    Pop(bool, usize),
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![b'a', b'b', b'c', 0u8, 0xff]),
        0..4,
    )
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.5,
            f64::INFINITY,
            f64::NEG_INFINITY
        ]),
        (-4i32..4).prop_map(f64::from),
        any::<f64>().prop_filter("no NaN", |f| !f.is_nan()),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (member(), score(), 0u8..8).prop_map(|(m, s, f)| Op::Add(m, s, f)),
        2 => member().prop_map(Op::Remove),
        1 => (0usize..12, 0usize..12).prop_map(|(a, b)| Op::RemoveRanks(a, b)),
        1 => (any::<bool>(), 0usize..4).prop_map(|(m, c)| Op::Pop(m, c)),
    ]
}

fn flags_of(f: u8) -> AddFlags {
    match f {
        0 => AddFlags {
            incr: true,
            ..AddFlags::default()
        },
        1 => AddFlags {
            nx: true,
            ..AddFlags::default()
        },
        2 => AddFlags {
            xx: true,
            ..AddFlags::default()
        },
        3 => AddFlags {
            gt: true,
            ..AddFlags::default()
        },
        4 => AddFlags {
            lt: true,
            xx: true,
            ..AddFlags::default()
        },
        _ => AddFlags::default(),
    }
}

/// What `zsetAdd` should do, computed on the model.
fn model_add(model: &mut Model, m: &[u8], s: f64, fl: AddFlags) -> Result<AddOutcome, NanScore> {
    match model.pos(m).map(|i| model.0[i].1) {
        Some(cur) => {
            if fl.nx {
                return Ok(AddOutcome::Skipped);
            }
            let mut s = s;
            if fl.incr {
                s += cur;
                if s.is_nan() {
                    return Err(NanScore);
                }
            }
            if (fl.lt && s >= cur) || (fl.gt && s <= cur) {
                return Ok(AddOutcome::Skipped);
            }
            if s == cur {
                return Ok(AddOutcome::Unchanged(s));
            }
            model.insert(m, s);
            Ok(AddOutcome::Updated(s))
        }
        None if fl.xx => Ok(AddOutcome::Skipped),
        None => {
            model.insert(m, s);
            Ok(AddOutcome::Added(s))
        }
    }
}

fn same_score(a: f64, b: f64) -> bool {
    a == b
}

fn check_against(z: &ZSet, model: &Model, probes: &[(Vec<u8>, f64)]) {
    let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
    assert_eq!(got.len(), model.0.len());
    for (g, w) in got.iter().zip(&model.0) {
        assert_eq!(g.0, w.0);
        assert!(same_score(g.1, w.1), "{g:?} vs {w:?}");
    }
    assert_eq!(z.len(), model.0.len());
    for (i, (m, s)) in model.0.iter().enumerate() {
        assert_eq!(z.score(m).map(|x| x == *s), Some(true));
        assert_eq!(z.rank(m, false).map(|r| r.0), Some(i));
        assert_eq!(z.rank(m, true).map(|r| r.0), Some(model.0.len() - 1 - i));
    }
    let n = model.0.len();
    for (pm, ps) in probes {
        if model.pos(pm).is_none() {
            assert_eq!(z.score(pm), None);
            assert_eq!(z.rank(pm, false), None);
        }
        // Score and lex spans against a linear count.
        for (minex, maxex) in [(false, false), (true, false), (false, true), (true, true)] {
            let r = ScoreRange {
                min: *ps,
                max: ps + 1.0,
                minex,
                maxex,
            };
            let want: Vec<usize> = (0..n)
                .filter(|&i| r.gte_min(model.0[i].1) && r.lte_max(model.0[i].1))
                .collect();
            let span = z.score_span(&r);
            assert_eq!(span.len(), want.len(), "{r:?}");
            if let Some(&first) = want.first() {
                assert_eq!(span.start, first);
            }
        }
        let lr = LexRange {
            min: LexItem::Str(pm.clone()),
            minex: false,
            max: LexItem::Max,
            maxex: true,
        };
        // Lexicographic ranges are only defined when every score is the same.
        if model.0.windows(2).all(|w| w[0].1 == w[1].1) {
            let span = z.lex_span(&lr);
            assert_eq!(
                span.start,
                model.0.iter().take_while(|(m, _)| m < pm).count()
            );
            assert_eq!(span.end, n);
        }
    }
    // Rank windows in both directions.
    for start in 0..=n {
        for end in start..=n.min(start + 3) {
            let mut fwd = Vec::new();
            z.for_each_in(start..end, false, |m, _| fwd.push(m.to_vec()));
            let want: Vec<Vec<u8>> = model.0[start..end].iter().map(|e| e.0.clone()).collect();
            assert_eq!(fwd, want);
            let mut rev = Vec::new();
            z.for_each_in(start..end, true, |m, _| rev.push(m.to_vec()));
            let mut want_rev = want.clone();
            want_rev.reverse();
            assert_eq!(rev, want_rev);
        }
    }
    let ranks: Vec<usize> = (0..n).rev().collect();
    let at: Vec<Vec<u8>> = z
        .entries_at(&ranks)
        .into_iter()
        .map(|e| e.0.to_vec())
        .collect();
    let want: Vec<Vec<u8>> = model.0.iter().rev().map(|e| e.0.clone()).collect();
    assert_eq!(at, want);
    // A full scan returns every member.
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        cursor = z.scan(cursor, 3, |m, _, _| seen.push(m.to_vec()));
        if cursor == 0 {
            break;
        }
    }
    seen.sort();
    let mut all: Vec<Vec<u8>> = model.0.iter().map(|e| e.0.clone()).collect();
    all.sort();
    assert_eq!(seen, all);
}

fn run(ops: Vec<Op>, lim: EncodingLimits, start_skip: bool) {
    let mut z = ZSet::new_for(if start_skip { usize::MAX } else { 0 }, 0, &lim);
    let mut model = Model::default();
    let mut probes = Vec::new();
    for op in ops {
        match op {
            Op::Add(m, s, f) => {
                let fl = flags_of(f);
                let want = model_add(&mut model, &m, s, fl);
                let got = z.add(&m, s, fl, &lim);
                match (got, want) {
                    (Ok(AddOutcome::Added(a)), Ok(AddOutcome::Added(b)))
                    | (Ok(AddOutcome::Updated(a)), Ok(AddOutcome::Updated(b)))
                    | (Ok(AddOutcome::Unchanged(a)), Ok(AddOutcome::Unchanged(b))) => {
                        assert!(same_score(a, b))
                    }
                    (g, w) => assert_eq!(g, w),
                }
                probes.push((m, s));
            }
            Op::Remove(m) => assert_eq!(z.remove(&m), model.remove(&m)),
            Op::RemoveRanks(a, b) => {
                let (a, b) = (a.min(b), a.max(b));
                let removed = z.remove_ranks(a..b);
                let end = b.min(model.0.len());
                let want = end.saturating_sub(a);
                if a < end {
                    model.0.drain(a..end);
                }
                assert_eq!(removed, want);
            }
            Op::Pop(max, count) => {
                let got = z.pop(max, count);
                let n = count.min(model.0.len());
                let want: Vec<(Vec<u8>, f64)> = if max {
                    let len = model.0.len();
                    model.0.drain(len - n..).rev().collect()
                } else {
                    model.0.drain(..n).collect()
                };
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(&g.0[..], &w.0[..]);
                }
            }
        }
        if let Enc::Skip(s) = &z.enc {
            s.check();
        }
        check_against(&z, &model, &probes);
    }
    if model.0.len() as u64 > lim.zset_max_listpack_entries {
        assert_eq!(z.encoding(), "skiplist");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn packed_matches_model(ops in prop::collection::vec(op(), 0..60)) {
        run(ops, limits(1000, 1000), false);
    }

    #[test]
    fn skiplist_matches_model(ops in prop::collection::vec(op(), 0..60)) {
        run(ops, limits(0, 0), true);
    }

    #[test]
    fn conversion_matches_model(ops in prop::collection::vec(op(), 0..60)) {
        run(ops, limits(4, 2), false);
    }

    #[test]
    fn raw_skiplist_structure(
        ops in prop::collection::vec((0u16..300, -20i32..20, 0u8..4), 0..400)
    ) {
        let mut list = SkipList::default();
        let mut model = Model::default();
        for (m, s, what) in ops {
            let member = m.to_be_bytes().to_vec();
            let score = f64::from(s);
            match what {
                0 | 1 => {
                    if list.find(&member).is_some() {
                        list.update_score(&member, score);
                    } else {
                        list.insert(member.clone().into_boxed_slice(), score);
                    }
                    model.insert(&member, score);
                }
                2 => {
                    assert_eq!(list.remove(&member).is_some(), model.remove(&member));
                }
                _ => {
                    let rank = usize::from(m) % (model.0.len() + 1);
                    let got = list.remove_rank(rank).map(|(m, _)| m.to_vec());
                    let want = (rank < model.0.len()).then(|| model.0.remove(rank).0);
                    assert_eq!(got, want);
                }
            }
            list.check();
        }
        let got: Vec<Vec<u8>> = list.iter_from(0, false).map(|(m, _)| m.to_vec()).collect();
        let want: Vec<Vec<u8>> = model.0.iter().map(|e| e.0.clone()).collect();
        assert_eq!(got, want);
        for (i, (m, _)) in model.0.iter().enumerate() {
            assert_eq!(list.rank(m).map(|r| r.0), Some(i));
            assert_eq!(list.get(i).map(|e| e.0.to_vec()), Some(m.clone()));
            let below = list.count_while(|sc, mem| less(sc, mem, model.0[i].1, m));
            assert_eq!(below, i);
        }
    }
}

fn lex_item() -> impl Strategy<Value = (LexItem, bool)> {
    prop_oneof![
        Just((LexItem::Min, true)),
        Just((LexItem::Max, true)),
        (member(), any::<bool>()).prop_map(|(m, ex)| (LexItem::Str(m), ex)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lex_spans_match_a_filter(
        members in prop::collection::vec(member(), 0..30),
        (min, minex) in lex_item(),
        (max, maxex) in lex_item(),
        skip in any::<bool>(),
    ) {
        let lim = if skip { limits(0, 0) } else { limits(1000, 1000) };
        let mut z = ZSet::new_for(0, 0, &lim);
        for m in &members {
            z.add(m, 0.0, AddFlags::default(), &lim).unwrap();
        }
        let r = LexRange { min, minex, max, maxex };
        let all: Vec<Vec<u8>> = z.iter().map(|(m, _)| m.to_vec()).collect();
        let want: Vec<usize> = (0..all.len())
            .filter(|&i| r.gte_min(&all[i]) && r.lte_max(&all[i]))
            .collect();
        let span = z.lex_span(&r);
        prop_assert_eq!(span.len(), want.len());
        if let Some(&first) = want.first() {
            prop_assert_eq!(span.start, first);
        }
    }
}

#[test]
fn negative_zero_is_normalized_only_in_packed_sets() {
    let lim = limits(128, 64);
    let mut z = ZSet::new_for(1, 1, &lim);
    z.add(b"a", -0.0, AddFlags::default(), &lim).unwrap();
    assert!(z.score(b"a").unwrap().is_sign_positive());
    let mut z = ZSet::new_for(1000, 1, &lim);
    assert_eq!(z.encoding(), "skiplist");
    z.add(b"a", -0.0, AddFlags::default(), &lim).unwrap();
    assert!(z.score(b"a").unwrap().is_sign_negative());
    // 0 and -0 are the same score: no update.
    assert_eq!(
        z.add(b"a", 0.0, AddFlags::default(), &lim),
        Ok(AddOutcome::Unchanged(0.0))
    );
}

#[test]
fn conversion_thresholds_follow_redis() {
    let lim = limits(2, 3);
    let mut z = ZSet::new_for(1, 1, &lim);
    assert_eq!(z.encoding(), "listpack");
    z.add(b"a", 1.0, AddFlags::default(), &lim).unwrap();
    z.add(b"b", 2.0, AddFlags::default(), &lim).unwrap();
    assert_eq!(z.encoding(), "listpack");
    z.add(b"c", 3.0, AddFlags::default(), &lim).unwrap();
    assert_eq!(z.encoding(), "skiplist");
    // A long member converts even a small set; a new set for many members starts big.
    let mut z = ZSet::new_for(1, 1, &lim);
    z.add(b"long", 1.0, AddFlags::default(), &lim).unwrap();
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(ZSet::new_for(3, 1, &lim).encoding(), "skiplist");
    assert_eq!(ZSet::new_for(2, 4, &lim).encoding(), "skiplist");
    // Existing packed sets convert when a command brings more members than fit.
    let mut z = ZSet::new_for(1, 1, &lim);
    z.maybe_convert(2, &lim);
    assert_eq!(z.encoding(), "listpack");
    z.maybe_convert(3, &lim);
    assert_eq!(z.encoding(), "skiplist");
    // Never back.
    z.remove(b"x");
    assert_eq!(z.encoding(), "skiplist");
    // Computed results pick the encoding that fits.
    let small = vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.0)];
    assert_eq!(ZSet::from_sorted(small, &lim).encoding(), "listpack");
    let long = vec![(b"abcd".to_vec(), 1.0)];
    assert_eq!(ZSet::from_sorted(long, &lim).encoding(), "skiplist");
}

#[test]
fn nan_increment_is_rejected_without_change() {
    let lim = limits(128, 64);
    let mut z = ZSet::default();
    z.add(b"a", f64::INFINITY, AddFlags::default(), &lim)
        .unwrap();
    let incr = AddFlags {
        incr: true,
        ..AddFlags::default()
    };
    assert_eq!(z.add(b"a", f64::NEG_INFINITY, incr, &lim), Err(NanScore));
    assert_eq!(z.score(b"a"), Some(f64::INFINITY));
    assert_eq!(
        z.add(b"b", f64::NAN, AddFlags::default(), &lim),
        Err(NanScore)
    );
    assert_eq!(z.len(), 1);
}

#[test]
fn big_skiplist_ranks_and_removal() {
    let lim = limits(0, 0);
    let mut z = ZSet::new_for(usize::MAX, 0, &lim);
    for i in 0..5000u32 {
        let m = format!("m{i:05}");
        z.add(m.as_bytes(), f64::from(i % 100), AddFlags::default(), &lim)
            .unwrap();
    }
    assert_eq!(z.len(), 5000);
    // Score 0 holds m00000, m00100, ..., 50 members.
    let span = z.score_span(&ScoreRange {
        min: 0.0,
        max: 0.0,
        minex: false,
        maxex: false,
    });
    assert_eq!(span, 0..50);
    assert_eq!(z.rank(b"m00100", false), Some((1, 0.0)));
    assert_eq!(z.remove_ranks(10..4990), 4980);
    assert_eq!(z.len(), 20);
    if let Enc::Skip(s) = &z.enc {
        s.check();
    }
    let popped = z.pop(true, 3);
    assert_eq!(popped.len(), 3);
    assert_eq!(popped[0].1, 99.0);
}
