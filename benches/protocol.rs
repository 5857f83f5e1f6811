//! Microbenchmarks of the wire protocol: request parsing and reply encoding.
//!
//! Run with `cargo bench --bench protocol`; see bench/README.md ("Microbenchmarks").

mod common;

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use herald::protocol::parser::{parse_command, ParseLimits, Parsed};
use herald::protocol::reply::format_double;
use herald::protocol::{Protocol, ReplyBuf};
use herald::pubsub::encode_push;

/// Appends one RESP multibulk command to `out`.
fn multibulk(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Parses every command in `buf` (as a connection's read loop does) and returns how many there
/// were; panics on anything but complete commands so a broken input cannot go unnoticed.
fn parse_all(mut buf: BytesMut, limits: &ParseLimits) -> usize {
    let mut commands = 0;
    while !buf.is_empty() {
        match parse_command(&mut buf, limits) {
            Ok(Parsed::Command(args, _)) => {
                black_box(args);
                commands += 1;
            }
            other => panic!("unexpected parse result: {other:?}"),
        }
    }
    commands
}

fn bench_parser(c: &mut Criterion) {
    let limits = ParseLimits::default();
    let mut group = c.benchmark_group("parse");

    // 100 pipelined PUBLISH commands with 64-byte payloads, as one read would deliver them.
    let payload = [b'x'; 64];
    let mut pipelined = Vec::new();
    for i in 0..100 {
        let channel = format!("channel:{i}");
        multibulk(
            &mut pipelined,
            &[b"PUBLISH", channel.as_bytes(), payload.as_slice()],
        );
    }
    let pipelined = BytesMut::from(pipelined.as_slice());
    assert_eq!(parse_all(pipelined.clone(), &limits), 100);
    group.throughput(Throughput::Elements(100));
    group.bench_function("publish_64b_pipelined_x100", |b| {
        b.iter_batched(
            || pipelined.clone(),
            |buf| parse_all(buf, &limits),
            BatchSize::SmallInput,
        )
    });

    // One SET with a 16 KiB value.
    let value = vec![b'v'; 16 * 1024];
    let mut set = Vec::new();
    multibulk(&mut set, &[b"SET", b"key:1", &value]);
    let set = BytesMut::from(set.as_slice());
    assert_eq!(parse_all(set.clone(), &limits), 1);
    group.throughput(Throughput::Bytes(set.len() as u64));
    group.bench_function("set_16kib", |b| {
        b.iter_batched(
            || set.clone(),
            |buf| parse_all(buf, &limits),
            BatchSize::SmallInput,
        )
    });

    // 100 inline `PING` lines (telnet / redis-benchmark style).
    let inline = BytesMut::from("PING\r\n".repeat(100).as_bytes());
    assert_eq!(parse_all(inline.clone(), &limits), 100);
    group.throughput(Throughput::Elements(100));
    group.bench_function("inline_ping_x100", |b| {
        b.iter_batched(
            || inline.clone(),
            |buf| parse_all(buf, &limits),
            BatchSize::SmallInput,
        )
    });

    group.finish();
}

fn bench_reply(c: &mut Criterion) {
    let mut group = c.benchmark_group("reply");

    // Each iteration starts from an empty ReplyBuf and takes the bytes out at the end, as a
    // connection does for each batch of replies (take() leaves no buffer behind).
    let members: Vec<String> = (0..100).map(|i| format!("member:{i:05}")).collect();
    group.throughput(Throughput::Elements(100));
    group.bench_function("bulk_array_x100", |b| {
        b.iter(|| {
            let mut out = ReplyBuf::new(Protocol::Resp2);
            out.bulk_array(black_box(&members));
            out.take()
        })
    });

    let ints: Vec<i64> = (0..100i64)
        .map(|i| match i % 4 {
            0 => i,
            1 => -i * 1_000,
            2 => i * 1_000_000_007,
            _ => i64::MAX - i,
        })
        .collect();
    group.throughput(Throughput::Elements(100));
    group.bench_function("int_array_x100", |b| {
        b.iter(|| {
            let mut out = ReplyBuf::new(Protocol::Resp2);
            out.array(ints.len());
            for &n in black_box(&ints) {
                out.int(n);
            }
            out.take()
        })
    });

    // An HGETALL-like map of 32 field/value pairs, in RESP3 (`%`) and its RESP2 fallback.
    let fields: Vec<(String, String)> = (0..32)
        .map(|i| {
            (
                format!("field:{i}"),
                format!("value-{i}-{}", "x".repeat(16)),
            )
        })
        .collect();
    for (name, proto) in [
        ("map_x32_resp3", Protocol::Resp3),
        ("map_x32_resp2", Protocol::Resp2),
    ] {
        group.throughput(Throughput::Elements(32));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut out = ReplyBuf::new(proto);
                out.map(fields.len());
                for (k, v) in black_box(&fields) {
                    out.bulk(k.as_bytes());
                    out.bulk(v.as_bytes());
                }
                out.take()
            })
        });
    }

    // Doubles as ZSCORE / INCRBYFLOAT / RESP3 replies produce them: integral values, short and
    // long fractions, tiny and huge magnitudes, and the special values.
    let doubles = [
        0.0,
        -0.0,
        1.0,
        42.0,
        -3.5,
        0.1,
        1.0 / 3.0,
        std::f64::consts::PI,
        123_456.789,
        1e-7,
        1.5e20,
        -2.5e-300,
        4_611_686_018_427_387_904.0,
        f64::MAX,
        f64::INFINITY,
        f64::NAN,
    ];
    group.throughput(Throughput::Elements(doubles.len() as u64));
    group.bench_function("format_double_mix_x16", |b| {
        b.iter(|| {
            let mut total = 0;
            for &d in black_box(&doubles) {
                total += format_double(d).len();
            }
            total
        })
    });

    // A `message` push as every subscriber of a PUBLISH receives it (encoded once per publish).
    for (name, size) in [("encode_push_64b", 64), ("encode_push_1kib", 1024)] {
        let payload = vec![b'p'; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                encode_push(
                    Protocol::Resp2,
                    black_box(&[b"message".as_slice(), b"news.sports", &payload]),
                )
            })
        });
    }

    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_parser, bench_reply
}
criterion_main!(benches);
