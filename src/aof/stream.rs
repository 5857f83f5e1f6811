//! Streams in the AOF, as Redis writes them: the commands that rebuild a stream in a rewrite
//! (`rewriteStreamObject`) and the plain commands stream operations propagate instead of their
//! own text (`streamPropagateXCLAIM`, `streamPropagateGroupID`, the consumer creation), so that
//! replaying the file gives the same entries, counters, groups, PELs and consumers whatever
//! the time or the IDs generated at replay.

use super::encode_command;
use crate::storage::stream::{ConsumerGroup, PendingEntry, Stream, StreamId};

/// An ID as a command argument.
fn id_arg(id: StreamId) -> Vec<u8> {
    id.to_string().into_bytes()
}

fn num(v: impl ToString) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// A group's `entries_read` as Redis propagates it (-1 when unknown).
fn entries_read_arg(g: &ConsumerGroup) -> Vec<u8> {
    g.entries_read.map_or_else(|| b"-1".to_vec(), num)
}

/// `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n JUSTID FORCE [LASTID id]`: makes `id`
/// pending for the consumer with exactly the given delivery time and count (the consumer is
/// created if missing, the entry need not exist any more).
pub fn xclaim(
    key: &[u8],
    group: &[u8],
    id: StreamId,
    p: &PendingEntry,
    last_id: Option<StreamId>,
) -> Vec<Vec<u8>> {
    let mut args = vec![
        b"XCLAIM".to_vec(),
        key.to_vec(),
        group.to_vec(),
        p.consumer.to_vec(),
        b"0".to_vec(),
        id_arg(id),
        b"TIME".to_vec(),
        num(p.delivery_time),
        b"RETRYCOUNT".to_vec(),
        num(p.delivery_count),
        b"JUSTID".to_vec(),
        b"FORCE".to_vec(),
    ];
    if let Some(last) = last_id {
        args.push(b"LASTID".to_vec());
        args.push(id_arg(last));
    }
    args
}

/// `XGROUP SETID key group last-id ENTRIESREAD n`: the group's read position.
pub fn group_setid(key: &[u8], group: &[u8], g: &ConsumerGroup) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"SETID".to_vec(),
        key.to_vec(),
        group.to_vec(),
        id_arg(g.last_id),
        b"ENTRIESREAD".to_vec(),
        entries_read_arg(g),
    ]
}

/// `XGROUP CREATECONSUMER key group consumer`.
pub fn create_consumer(key: &[u8], group: &[u8], consumer: &[u8]) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"CREATECONSUMER".to_vec(),
        key.to_vec(),
        group.to_vec(),
        consumer.to_vec(),
    ]
}

/// Appends the commands rebuilding `s` at `key` (Redis's `rewriteStreamObject`): an XADD per
/// entry with its ID (an empty stream: `XADD key MAXLEN 0 0-1 x y`), XSETID with the
/// counters, then per group XGROUP CREATE with its position, XGROUP CREATECONSUMER for
/// consumers without pending entries and an XCLAIM per pending entry.
pub fn dump(out: &mut Vec<u8>, key: &[u8], s: &Stream) {
    if s.is_empty() {
        encode_command(
            out,
            &[&b"XADD"[..], key, b"MAXLEN", b"0", b"0-1", b"x", b"y"],
        );
    }
    s.range(StreamId::MIN, StreamId::MAX, false, |id, fields| {
        let mut args: Vec<&[u8]> = Vec::with_capacity(3 + fields.len() * 2);
        let id = id_arg(id);
        args.extend([&b"XADD"[..], key, &id]);
        for (f, v) in fields {
            args.push(f);
            args.push(v);
        }
        encode_command(out, &args);
        true
    });
    encode_command(
        out,
        &[
            &b"XSETID"[..],
            key,
            &id_arg(s.last_id()),
            b"ENTRIESADDED",
            &num(s.entries_added()),
            b"MAXDELETEDID",
            &id_arg(s.max_deleted_id()),
        ],
    );
    for (name, g) in &s.groups {
        encode_command(
            out,
            &[
                &b"XGROUP"[..],
                b"CREATE",
                key,
                name,
                &id_arg(g.last_id),
                b"ENTRIESREAD",
                &entries_read_arg(g),
            ],
        );
        for (cname, c) in &g.consumers {
            if c.pending.is_empty() {
                encode_command(out, &create_consumer(key, name, cname));
            }
            for id in &c.pending {
                if let Some(p) = g.pel.get(id) {
                    encode_command(out, &xclaim(key, name, *id, p, None));
                }
            }
        }
    }
}
