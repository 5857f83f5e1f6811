//! Streams in RDB files, byte-compatible with Redis: written as `RDB_TYPE_STREAM_LISTPACKS_2`
//! (Redis 7.0, RDB 10), loaded from types 15 (Redis 5 to 6.2), 19 and 21 (Redis 7.2+, whose
//! consumers also carry an active time).
//!
//! The entries are a rax of listpacks in Redis's stream node layout (`t_stream.c`,
//! `streamAppendItem`): each node is keyed by its master ID (16 bytes, big-endian) and starts
//! with a master entry (live count, deleted count, the master field names, a `0` terminator);
//! every entry then holds its flags, its ID as deltas from the master ID, its values alone when
//! its field names are the master's (else the count and the field/value pairs), and the
//! number of listpack elements it used. Herald keeps its own chunk format in memory, so the
//! writer re-encodes the live entries into nodes and the loader decodes nodes into entries.

use super::encoding::{listpack_elems, Elem, ListpackWriter};
use super::read::{Reader, R};
use super::write::RdbWriter;
use super::*;
use crate::storage::stream::{
    ChunkLimits, Consumer, ConsumerGroup, PendingEntry, Stream, StreamId, StreamMeta,
};
use crate::storage::Value;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Entry flag: deleted (Redis's `STREAM_ITEM_FLAG_DELETED`).
const FLAG_DELETED: i64 = 1;
/// Entry flag: same field names as the master entry (`STREAM_ITEM_FLAG_SAMEFIELDS`).
const FLAG_SAMEFIELDS: i64 = 2;
/// Redis's `SCG_INVALID_ENTRIES_READ` (-1) as the unsigned length it is saved as.
const ENTRIES_READ_UNKNOWN: u64 = u64::MAX;

/// A stream ID as Redis keys rax nodes and PEL entries: ms then seq, both big-endian.
fn id_bytes(id: StreamId) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&id.ms.to_be_bytes());
    b[8..].copy_from_slice(&id.seq.to_be_bytes());
    b
}

fn id_from_bytes(b: &[u8; 16]) -> StreamId {
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&b[..8]);
    seq.copy_from_slice(&b[8..]);
    StreamId::new(u64::from_be_bytes(ms), u64::from_be_bytes(seq))
}

type Entry = (StreamId, Vec<(Bytes, Bytes)>);

/// Encodes consecutive entries as one stream listpack node (none deleted).
fn node_listpack(entries: &[Entry]) -> Vec<u8> {
    let mut lp = ListpackWriter::new();
    let (master_id, master_fields) = (&entries[0].0, &entries[0].1);
    lp.push_int(entries.len() as i64);
    lp.push_int(0);
    lp.push_int(master_fields.len() as i64);
    for (f, _) in master_fields {
        lp.push(f);
    }
    lp.push_int(0);
    for (id, fields) in entries {
        let same = fields.len() == master_fields.len()
            && fields.iter().zip(master_fields).all(|(a, b)| a.0 == b.0);
        lp.push_int(if same { FLAG_SAMEFIELDS } else { 0 });
        lp.push_int(id.ms.wrapping_sub(master_id.ms) as i64);
        lp.push_int(id.seq.wrapping_sub(master_id.seq) as i64);
        if same {
            for (_, v) in fields {
                lp.push(v);
            }
            lp.push_int(fields.len() as i64 + 3);
        } else {
            lp.push_int(fields.len() as i64);
            for (f, v) in fields {
                lp.push(f);
                lp.push(v);
            }
            lp.push_int(fields.len() as i64 * 2 + 4);
        }
    }
    lp.finish()
}

/// Splits the live entries of `s` into nodes as Redis's defaults would
/// (`stream-node-max-entries` 100, `stream-node-max-bytes` 4096, by an estimate of the encoded
/// size) and encodes each; only one node's entries are copied at a time.
fn nodes(s: &Stream) -> Vec<(StreamId, Vec<u8>)> {
    let limits = ChunkLimits::default();
    let mut out = Vec::new();
    let mut cur: Vec<Entry> = Vec::new();
    let mut bytes = 0usize;
    s.range(StreamId::MIN, StreamId::MAX, false, |id, fields| {
        let size = 8 + fields
            .iter()
            .map(|(f, v)| f.len() + v.len() + 4)
            .sum::<usize>();
        if !cur.is_empty()
            && (cur.len() >= limits.max_entries as usize
                || bytes + size >= limits.max_bytes as usize)
        {
            out.push((cur[0].0, node_listpack(&cur)));
            cur.clear();
            bytes = 0;
        }
        bytes += size;
        let owned = fields
            .iter()
            .map(|(f, v)| (Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)))
            .collect();
        cur.push((id, owned));
        true
    });
    if !cur.is_empty() {
        out.push((cur[0].0, node_listpack(&cur)));
    }
    out
}

impl<W: Write> RdbWriter<W> {
    fn stream_id(&mut self, id: StreamId) -> io::Result<()> {
        self.len(id.ms)?;
        self.len(id.seq)
    }

    /// A stream as Redis 7.0's `rdbSaveObject` writes it (`RDB_TYPE_STREAM_LISTPACKS_2`).
    pub(super) fn stream(&mut self, key: &[u8], s: &Stream) -> io::Result<()> {
        self.byte(TYPE_STREAM_LISTPACKS_2)?;
        self.string(key)?;
        let nodes = nodes(s);
        self.len(nodes.len() as u64)?;
        for (master, lp) in &nodes {
            self.string(&id_bytes(*master))?;
            self.string(lp)?;
        }
        self.len(s.len())?;
        self.stream_id(s.last_id())?;
        self.stream_id(s.first_id())?;
        self.stream_id(s.max_deleted_id())?;
        self.len(s.entries_added())?;
        self.len(s.groups.len() as u64)?;
        for (name, g) in &s.groups {
            self.string(name)?;
            self.stream_id(g.last_id)?;
            self.len(g.entries_read.unwrap_or(ENTRIES_READ_UNKNOWN))?;
            self.len(g.pel.len() as u64)?;
            for (id, p) in &g.pel {
                self.raw(&id_bytes(*id))?;
                self.raw(&p.delivery_time.to_le_bytes())?;
                self.len(p.delivery_count)?;
            }
            self.len(g.consumers.len() as u64)?;
            for (cname, c) in &g.consumers {
                self.string(cname)?;
                self.raw(&c.seen_time.to_le_bytes())?;
                self.len(c.pending.len() as u64)?;
                for id in &c.pending {
                    self.raw(&id_bytes(*id))?;
                }
            }
        }
        Ok(())
    }
}

/// An integer element of a stream node (Redis stores them as listpack integers).
fn elem_int(e: Option<&Elem<'_>>) -> Option<i64> {
    match e? {
        Elem::Int(i) => Some(*i),
        Elem::Str(s) => std::str::from_utf8(s).ok()?.parse().ok(),
    }
}

fn elem_bytes(e: Option<&Elem<'_>>) -> Option<Bytes> {
    Some(Bytes::from(e?.to_vec()))
}

/// Decodes one node, appending its live entries to `s`, which must all follow `last`.
fn load_node(
    s: &mut Stream,
    master: StreamId,
    lp: &[u8],
    last: &mut Option<StreamId>,
) -> Option<()> {
    let elems = listpack_elems(lp)?;
    let mut it = elems.iter();
    let count = u64::try_from(elem_int(it.next())?).ok()?;
    let deleted = u64::try_from(elem_int(it.next())?).ok()?;
    let nfields = usize::try_from(elem_int(it.next())?).ok()?;
    let master_fields: Vec<Bytes> = (0..nfields)
        .map(|_| elem_bytes(it.next()))
        .collect::<Option<_>>()?;
    if elem_int(it.next())? != 0 {
        return None;
    }
    let mut live = 0u64;
    for _ in 0..count.checked_add(deleted)? {
        let flags = elem_int(it.next())?;
        let ms = master.ms.wrapping_add(elem_int(it.next())? as u64);
        let seq = master.seq.wrapping_add(elem_int(it.next())? as u64);
        let id = StreamId::new(ms, seq);
        if last.is_some_and(|l| id <= l) {
            return None;
        }
        *last = Some(id);
        let fields: Vec<(Bytes, Bytes)> = if flags & FLAG_SAMEFIELDS != 0 {
            master_fields
                .iter()
                .map(|f| Some((f.clone(), elem_bytes(it.next())?)))
                .collect::<Option<_>>()?
        } else {
            let n = usize::try_from(elem_int(it.next())?).ok()?;
            (0..n)
                .map(|_| Some((elem_bytes(it.next())?, elem_bytes(it.next())?)))
                .collect::<Option<_>>()?
        };
        elem_int(it.next())?; // lp-count, used by Redis to walk backwards
        if flags & FLAG_DELETED == 0 {
            let refs: Vec<(&[u8], &[u8])> = fields
                .iter()
                .map(|(f, v)| (f.as_ref(), v.as_ref()))
                .collect();
            s.append_raw(id, &refs, ChunkLimits::default());
            live += 1;
        }
    }
    (it.next().is_none() && live == count).then_some(())
}

impl Reader<'_> {
    fn stream_id(&mut self) -> R<StreamId> {
        Ok(StreamId::new(self.len()?, self.len()?))
    }

    fn raw_id(&mut self) -> R<StreamId> {
        Ok(id_from_bytes(&self.array()?))
    }

    fn ms_time(&mut self) -> R<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// A stream of type 15, 19 or 21, as Redis's `rdbLoadObject` reads it.
    pub(super) fn stream(&mut self, ty: u8, key: &[u8]) -> R<Value> {
        let key = String::from_utf8_lossy(key);
        let mut s = Stream::new();
        let mut last = None;
        let nodes = self.count(2)?;
        for _ in 0..nodes {
            let at = self.pos;
            let node_key = self.string()?;
            let Ok(master) = <&[u8; 16]>::try_from(node_key.as_ref()) else {
                return self.err(
                    at,
                    format!("stream node key is not a stream ID (key '{key}')"),
                );
            };
            let master = id_from_bytes(master);
            let at = self.pos;
            let lp = self.string()?;
            if load_node(&mut s, master, &lp, &mut last).is_none() {
                return self.err(
                    at,
                    format!("stream listpack integrity check failed (key '{key}')"),
                );
            }
        }
        let at = self.pos;
        if self.len()? != s.len() {
            return self.err(
                at,
                format!("stream length does not match its entries (key '{key}')"),
            );
        }
        let last_id = self.stream_id()?;
        let meta = if ty == TYPE_STREAM_LISTPACKS {
            StreamMeta {
                last_id,
                max_deleted_id: StreamId::MIN,
                entries_added: s.len(),
            }
        } else {
            self.stream_id()?; // first ID: implied by the entries
            let max_deleted_id = self.stream_id()?;
            StreamMeta {
                last_id,
                max_deleted_id,
                entries_added: self.len()?,
            }
        };
        s.set_meta(meta);
        let groups = self.count(4)?;
        for _ in 0..groups {
            let at = self.pos;
            let name = self.bytes()?;
            let last_id = self.stream_id()?;
            let entries_read = if ty == TYPE_STREAM_LISTPACKS {
                s.estimate_entries_read(last_id)
            } else {
                Some(self.len()?).filter(|&n| n != ENTRIES_READ_UNKNOWN)
            };
            let g = self.group(last_id, entries_read, ty, &key)?;
            if s.groups.insert(name, g).is_some() {
                return self.err(at, format!("duplicated consumer group name (key '{key}')"));
            }
        }
        Ok(Value::Stream(Box::new(s)))
    }

    /// A consumer group's global PEL and consumers (each with its own PEL).
    fn group(
        &mut self,
        last_id: StreamId,
        entries_read: Option<u64>,
        ty: u8,
        key: &str,
    ) -> R<ConsumerGroup> {
        let mut g = ConsumerGroup::new(last_id, entries_read);
        let mut unowned: BTreeMap<StreamId, (i64, u64)> = BTreeMap::new();
        let n = self.count(25)?;
        for _ in 0..n {
            let at = self.pos;
            let id = self.raw_id()?;
            let time = self.ms_time()?;
            let count = self.len()?;
            if unowned.insert(id, (time, count)).is_some() {
                return self.err(at, format!("duplicated global PEL entry (key '{key}')"));
            }
        }
        let n = self.count(10)?;
        for _ in 0..n {
            let at = self.pos;
            let name = self.bytes()?;
            let seen_time = self.ms_time()?;
            let active_time = if ty == TYPE_STREAM_LISTPACKS_3 {
                self.ms_time()?
            } else {
                seen_time
            };
            let mut c = Consumer {
                seen_time,
                active_time,
                ..Consumer::default()
            };
            let pending = self.count(16)?;
            for _ in 0..pending {
                let at = self.pos;
                let id = self.raw_id()?;
                let Some((delivery_time, delivery_count)) = unowned.remove(&id) else {
                    return self.err(
                        at,
                        format!("consumer entry not found in group global PEL (key '{key}')"),
                    );
                };
                g.pel.insert(
                    id,
                    PendingEntry {
                        consumer: name.clone(),
                        delivery_time,
                        delivery_count,
                    },
                );
                c.pending.insert(id);
            }
            if g.consumers.insert(name, c).is_some() {
                return self.err(at, format!("duplicated consumer name (key '{key}')"));
            }
        }
        if !unowned.is_empty() {
            return self.err(
                self.pos,
                format!("group PEL entries without a consumer (key '{key}')"),
            );
        }
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_layout_matches_redis() {
        // XADD s 5-1 a 1 b x ; XADD s 5-2 a 2 b y ; XADD s 7-0 c z
        let e = |ms, seq, kv: &[(&str, &str)]| -> Entry {
            (
                StreamId::new(ms, seq),
                kv.iter()
                    .map(|(f, v)| (Bytes::from(f.to_string()), Bytes::from(v.to_string())))
                    .collect(),
            )
        };
        let entries = vec![
            e(5, 1, &[("a", "1"), ("b", "x")]),
            e(5, 2, &[("a", "2"), ("b", "y")]),
            e(7, 0, &[("c", "z")]),
        ];
        let lp = node_listpack(&entries);
        let got: Vec<Vec<u8>> = listpack_elems(&lp)
            .unwrap()
            .iter()
            .map(Elem::to_vec)
            .collect();
        let want: Vec<&str> = vec![
            "3", "0", "2", "a", "b", "0", // master entry
            "2", "0", "0", "1", "x", "5", // same fields
            "2", "0", "1", "2", "y", "5", // same fields, seq delta from the master
            "0", "2", "-1", "1", "c", "z", "6", // own fields; ms and seq deltas
        ];
        let want: Vec<Vec<u8>> = want.iter().map(|s| s.as_bytes().to_vec()).collect();
        assert_eq!(got, want);
        let mut s = Stream::new();
        let mut last = None;
        load_node(&mut s, StreamId::new(5, 1), &lp, &mut last).unwrap();
        assert_eq!(s.entries(), entries);
    }

    #[test]
    fn deleted_entries_are_skipped_and_order_is_checked() {
        let mut lp = ListpackWriter::new();
        for v in [1, 1, 1] {
            lp.push_int(v);
        }
        lp.push(b"f");
        lp.push_int(0);
        for v in [FLAG_SAMEFIELDS | FLAG_DELETED, 0, 0] {
            lp.push_int(v);
        }
        lp.push(b"gone");
        lp.push_int(4);
        for v in [FLAG_SAMEFIELDS, 0, 1] {
            lp.push_int(v);
        }
        lp.push(b"kept");
        lp.push_int(4);
        let lp = lp.finish();
        let mut s = Stream::new();
        let mut last = None;
        load_node(&mut s, StreamId::new(9, 0), &lp, &mut last).unwrap();
        let ids: Vec<StreamId> = s.entries().iter().map(|e| e.0).collect();
        assert_eq!(ids, vec![StreamId::new(9, 1)]);
        // The same node again is out of order.
        assert!(load_node(&mut s, StreamId::new(9, 0), &lp, &mut last).is_none());
    }

    /// Loads a one-key file whose stream payload `body` writes (after the type and key).
    fn load_stream(ty: u8, body: impl FnOnce(&mut RdbWriter<Vec<u8>>) -> io::Result<()>) -> Stream {
        let opts = super::super::WriteOptions {
            compress: false,
            checksum: false,
        };
        let mut w = RdbWriter::new(Vec::new(), opts);
        w.raw(b"REDIS0011").unwrap();
        w.byte(ty).unwrap();
        w.string(b"st").unwrap();
        body(&mut w).unwrap();
        let (file, _) = w.finish().unwrap();
        let mut ks = crate::storage::Keyspace::new(1);
        super::super::load_bytes(&file, &mut ks, &Default::default(), true).unwrap();
        match ks.db(0).peek(b"st").map(|e| e.value.clone()) {
            Some(Value::Stream(s)) => *s,
            other => panic!("{other:?}"),
        }
    }

    /// One node with entry 5-0, length and last ID; then `counters` (type-dependent), a group
    /// `g` at 5-0 with `entries_read` and entry 5-0 pending for consumer `c`.
    fn write_one(w: &mut RdbWriter<Vec<u8>>, ty: u8) -> io::Result<()> {
        let id = StreamId::new(5, 0);
        let entry = (
            id,
            vec![(Bytes::from_static(b"f"), Bytes::from_static(b"v"))],
        );
        w.len(1)?;
        w.string(&id_bytes(id))?;
        w.string(&node_listpack(&[entry]))?;
        w.len(1)?;
        w.stream_id(id)?;
        if ty != TYPE_STREAM_LISTPACKS {
            w.stream_id(id)?;
            w.stream_id(StreamId::new(3, 0))?;
            w.len(7)?;
        }
        w.len(1)?;
        w.string(b"g")?;
        w.stream_id(id)?;
        if ty != TYPE_STREAM_LISTPACKS {
            w.len(ENTRIES_READ_UNKNOWN)?;
        }
        w.len(1)?;
        w.raw(&id_bytes(id))?;
        w.raw(&1000i64.to_le_bytes())?;
        w.len(2)?;
        w.len(1)?;
        w.string(b"c")?;
        w.raw(&2000i64.to_le_bytes())?;
        if ty == TYPE_STREAM_LISTPACKS_3 {
            w.raw(&3000i64.to_le_bytes())?;
        }
        w.len(1)?;
        w.raw(&id_bytes(id))
    }

    #[test]
    fn redis_5_and_7_2_stream_types_load() {
        for ty in [
            TYPE_STREAM_LISTPACKS,
            TYPE_STREAM_LISTPACKS_2,
            TYPE_STREAM_LISTPACKS_3,
        ] {
            let s = load_stream(ty, |w| write_one(w, ty));
            assert_eq!(s.len(), 1);
            assert_eq!(s.last_id(), StreamId::new(5, 0));
            let g = &s.groups[&b"g"[..]];
            let p = &g.pel[&StreamId::new(5, 0)];
            assert_eq!(
                (p.consumer.as_ref(), p.delivery_time, p.delivery_count),
                (&b"c"[..], 1000, 2)
            );
            let c = &g.consumers[&b"c"[..]];
            assert_eq!(c.seen_time, 2000);
            if ty == TYPE_STREAM_LISTPACKS {
                // Redis 5's format has no counters: they follow from the entries.
                assert_eq!((s.entries_added(), s.max_deleted_id()), (1, StreamId::MIN));
                assert_eq!(g.entries_read, Some(1));
            } else {
                assert_eq!(
                    (s.entries_added(), s.max_deleted_id()),
                    (7, StreamId::new(3, 0))
                );
                assert_eq!(g.entries_read, None);
            }
            let active = if ty == TYPE_STREAM_LISTPACKS_3 {
                3000
            } else {
                2000
            };
            assert_eq!(c.active_time, active);
        }
    }

    #[test]
    fn truncated_or_corrupt_streams_are_errors_not_panics() {
        let opts = super::super::WriteOptions {
            compress: false,
            checksum: false,
        };
        let mut w = RdbWriter::new(Vec::new(), opts);
        w.raw(b"REDIS0011").unwrap();
        w.byte(TYPE_STREAM_LISTPACKS_3).unwrap();
        w.string(b"st").unwrap();
        write_one(&mut w, TYPE_STREAM_LISTPACKS_3).unwrap();
        let (file, _) = w.finish().unwrap();
        let load = |b: &[u8]| {
            let mut ks = crate::storage::Keyspace::new(1);
            super::super::load_bytes(b, &mut ks, &Default::default(), false)
        };
        assert!(load(&file).is_ok());
        for cut in 12..file.len() - 9 {
            assert!(load(&file[..cut]).is_err(), "cut at {cut}");
        }
        for at in 12..file.len() - 9 {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = file.clone();
                bad[at] ^= flip;
                let _ = load(&bad);
            }
        }
    }

    #[test]
    fn nodes_split_on_entry_count() {
        let mut s = Stream::new();
        for i in 0..250 {
            s.append(
                StreamId::new(i, 0),
                &[(b"f", i.to_string().as_bytes())],
                ChunkLimits::default(),
            );
        }
        let n = nodes(&s);
        assert_eq!(n.len(), 3);
        assert_eq!(n[1].0, StreamId::new(100, 0));
    }
}
