//! Microbenchmarks of the Pub/Sub matching code: glob matching and the pattern index.
//!
//! Run with `cargo bench --bench pubsub`; see bench/README.md ("Microbenchmarks").

mod common;

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use herald::pubsub::glob::glob_match;
use herald::pubsub::pattern_index::PatternIndex;

fn bench_glob(c: &mut Criterion) {
    let mut group = c.benchmark_group("glob");

    // (name, pattern, channel, expected)
    let cases: [(&str, &[u8], &[u8], bool); 5] = [
        (
            "user_star_notifications/match",
            b"user_*_notifications",
            b"user_1234567_notifications",
            true,
        ),
        (
            "user_star_notifications/miss",
            b"user_*_notifications",
            b"user_1234567_messages_archive",
            false,
        ),
        (
            "news_class_star/match",
            b"news.[a-z]*",
            b"news.sports.football",
            true,
        ),
        (
            "news_class_star/miss",
            b"news.[a-z]*",
            b"news.2024.sports",
            false,
        ),
        // `*` matches every non-empty channel, so there is no realistic miss to time.
        (
            "star/match",
            b"*",
            b"__keyspace@0__:user:1234:session",
            true,
        ),
    ];
    for (name, pattern, channel, expected) in cases {
        assert_eq!(glob_match(pattern, channel), expected, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| glob_match(black_box(pattern), black_box(channel)))
        });
    }

    // Worst-case backtracking: five stars, then a `b` that never comes, so every star is
    // retried at every position (bounded by O(pattern x string) in Herald's matcher).
    let pattern = b"a*a*a*a*a*b";
    let channel = vec![b'a'; 1024];
    assert!(!glob_match(pattern, &channel));
    group.throughput(Throughput::Bytes(channel.len() as u64));
    group.bench_function("pathological_5_stars_1kib", |b| {
        b.iter(|| glob_match(black_box(pattern), black_box(&channel)))
    });

    group.finish();
}

fn bench_pattern_index(c: &mut Criterion) {
    let mut group = c.benchmark_group("pattern_index");
    let channel: &[u8] = b"news.sports.football";
    let matching = Bytes::from_static(b"news.*");

    for n in [10usize, 1_000, 10_000] {
        // `n` patterns with distinct literal prefixes that cannot match, plus one that does.
        let mut patterns: Vec<Bytes> = (0..n)
            .map(|i| Bytes::from(format!("nomatch:{i}:*")))
            .collect();
        patterns.push(matching.clone());

        let mut index = PatternIndex::new();
        for (i, p) in patterns.iter().enumerate() {
            *index.get_or_insert_with(p.clone(), || 0u64) = i as u64;
        }
        assert_eq!(index.len(), n + 1);

        let index_matches = |channel: &[u8]| {
            let mut found = 0u64;
            index.for_each_match(channel, |_, &payload| found += payload + 1);
            found
        };
        // A PSUBSCRIBE-everything server (Redis) checks each pattern in turn.
        let scan_matches = |channel: &[u8]| {
            let mut found = 0u64;
            for (i, p) in patterns.iter().enumerate() {
                if glob_match(p, channel) {
                    found += i as u64 + 1;
                }
            }
            found
        };
        // Both find exactly the matching pattern (the last one, payload n).
        assert_eq!(index_matches(channel), n as u64 + 1);
        assert_eq!(scan_matches(channel), n as u64 + 1);

        group.bench_with_input(BenchmarkId::new("index", n), &channel, |b, &ch| {
            b.iter(|| index_matches(black_box(ch)))
        });
        group.bench_with_input(BenchmarkId::new("scan", n), &channel, |b, &ch| {
            b.iter(|| scan_matches(black_box(ch)))
        });
    }

    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_glob, bench_pattern_index
}
criterion_main!(benches);
