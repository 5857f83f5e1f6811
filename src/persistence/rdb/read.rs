//! Loading RDB files (versions 1 to 12) into a keyspace.
//!
//! The whole file is read into memory and parsed with bounds checks everywhere: a torn or
//! corrupt file yields an [`RdbError`] naming the byte offset where parsing failed, never a
//! panic or a half-loaded keyspace the server would run with.

use super::encoding::{intset_values, listpack_elems, ziplist_elems, Elem};
use super::*;
use crate::config::EncodingLimits;
use crate::persistence::{crc64, lzf};
use crate::storage::hash::{ExpireCond, Hash};
use crate::storage::list::List;
use crate::storage::set::Set;
use crate::storage::zset::ZSet;
use crate::storage::{Keyspace, Value};
use bytes::Bytes;
use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use thiserror::Error;

/// A file that cannot be loaded, with the offset at which it went wrong.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("RDB file is invalid at offset {offset}: {what}")]
pub struct RdbError {
    /// Byte offset in the file.
    pub offset: u64,
    /// What was wrong there.
    pub what: String,
}

/// What a successful load found.
#[derive(Debug, Default, Clone)]
pub struct LoadStats {
    /// The file's RDB version.
    pub version: u32,
    /// Keys loaded.
    pub keys: u64,
    /// Keys skipped because their TTL had passed.
    pub expired_skipped: u64,
    /// Auxiliary fields (`redis-ver`, `ctime`, ...).
    pub aux: Vec<(String, String)>,
}

pub(super) type R<T> = Result<T, RdbError>;

pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn err<T>(&self, at: usize, what: impl Into<String>) -> R<T> {
        Err(RdbError {
            offset: at as u64,
            what: what.into(),
        })
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        match self
            .pos
            .checked_add(n)
            .and_then(|end| self.buf.get(self.pos..end))
        {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => self.err(
                self.pos,
                format!(
                    "unexpected end of file (needed {n} bytes, {} left)",
                    self.buf.len().saturating_sub(self.pos)
                ),
            ),
        }
    }

    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn array<const N: usize>(&mut self) -> R<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A length, or `(value, true)` for the special string encodings.
    fn len_or_enc(&mut self) -> R<(u64, bool)> {
        let b = self.u8()?;
        match b >> 6 {
            0 => Ok((u64::from(b & 0x3f), false)),
            1 => Ok(((u64::from(b & 0x3f) << 8) | u64::from(self.u8()?), false)),
            2 => match b {
                LEN_32BIT => Ok((u64::from(u32::from_be_bytes(self.array()?)), false)),
                LEN_64BIT => Ok((u64::from_be_bytes(self.array()?), false)),
                _ => self.err(self.pos - 1, format!("unknown length encoding 0x{b:02x}")),
            },
            _ => Ok((u64::from(b & 0x3f), true)),
        }
    }

    pub(super) fn len(&mut self) -> R<u64> {
        let at = self.pos;
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            (_, true) => self.err(at, "expected a length, found an encoded string"),
        }
    }

    /// A count of items each at least `min_bytes` long: bounded by what the file can hold,
    /// so a corrupt count cannot make us reserve huge memory.
    pub(super) fn count(&mut self, min_bytes: usize) -> R<usize> {
        let at = self.pos;
        let n = self.len()?;
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(min_bytes as u64) > left {
            return self.err(at, format!("count {n} exceeds the remaining file size"));
        }
        Ok(n as usize)
    }

    pub(super) fn string(&mut self) -> R<Cow<'a, [u8]>> {
        let at = self.pos;
        let (n, enc) = self.len_or_enc()?;
        if !enc {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            return Ok(Cow::Borrowed(self.take(n)?));
        }
        let int = match n as u8 {
            ENC_INT8 => i64::from(self.u8()? as i8),
            ENC_INT16 => i64::from(i16::from_le_bytes(self.array()?)),
            ENC_INT32 => i64::from(i32::from_le_bytes(self.array()?)),
            ENC_LZF => {
                let clen = self.len()?;
                let ulen = self.len()?;
                // LZF expands at most 132x (a 2-byte reference yields 264 bytes).
                if ulen > clen.saturating_mul(132) + 32 {
                    return self.err(at, format!("LZF string claims {ulen} bytes from {clen}"));
                }
                let data = self.take(usize::try_from(clen).unwrap_or(usize::MAX))?;
                return match lzf::decompress(data, ulen as usize) {
                    Ok(v) => Ok(Cow::Owned(v)),
                    Err(e) => self.err(at, format!("bad LZF string: {e}")),
                };
            }
            other => return self.err(at, format!("unknown string encoding {other}")),
        };
        Ok(Cow::Owned(int.to_string().into_bytes()))
    }

    pub(super) fn bytes(&mut self) -> R<Bytes> {
        Ok(match self.string()? {
            Cow::Borrowed(b) => Bytes::copy_from_slice(b),
            Cow::Owned(v) => Bytes::from(v),
        })
    }

    /// The old textual score of RDB_TYPE_ZSET.
    fn text_double(&mut self) -> R<f64> {
        let at = self.pos;
        match self.u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let s = self.take(usize::from(n))?;
                match std::str::from_utf8(s).ok().and_then(|s| s.parse().ok()) {
                    Some(v) => Ok(v),
                    None => self.err(at, "invalid score"),
                }
            }
        }
    }
}

/// Parses an element of a listpack/ziplist holding a score.
fn elem_score(e: &Elem<'_>) -> Option<f64> {
    match e {
        Elem::Int(i) => Some(*i as f64),
        Elem::Str(s) => std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| !v.is_nan()),
    }
}

/// Reads the RDB file at `path` into `ks` (see [`load_bytes`]).
pub fn load_file(
    path: &Path,
    ks: &mut Keyspace,
    lim: &EncodingLimits,
    verify_checksum: bool,
) -> R<LoadStats> {
    let data = std::fs::read(path).map_err(|e| RdbError {
        offset: 0,
        what: format!("cannot read {}: {e}", path.display()),
    })?;
    load_bytes(&data, ks, lim, verify_checksum)
}

/// Loads an RDB image into `ks`, which should be empty. Keys whose TTL has passed are skipped,
/// as a Redis master does. On error `ks` may hold part of the data: callers discard it.
pub fn load_bytes(
    data: &[u8],
    ks: &mut Keyspace,
    lim: &EncodingLimits,
    verify_checksum: bool,
) -> R<LoadStats> {
    let mut r = Reader { buf: data, pos: 0 };
    let magic = r.take(9)?;
    if &magic[..5] != b"REDIS" {
        return r.err(0, "wrong signature trying to load DB from file");
    }
    let version: u32 = match std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(v) if (1..=RDB_MAX_VERSION).contains(&v) => v,
        _ => {
            return r.err(
                5,
                format!(
                    "can't handle RDB format version {}",
                    String::from_utf8_lossy(&magic[5..])
                ),
            )
        }
    };
    let mut stats = LoadStats {
        version,
        ..LoadStats::default()
    };
    let now = crate::storage::now_ms();
    let mut db = 0usize;
    let mut expires_at: Option<i64> = None;
    loop {
        let op_at = r.pos;
        let op = r.u8()?;
        match op {
            OP_EOF => break,
            OP_SELECTDB => {
                let n = r.len()?;
                if n >= ks.len() as u64 {
                    return r.err(
                        op_at,
                        format!(
                            "the file uses database {n}, but only {} are configured",
                            ks.len()
                        ),
                    );
                }
                db = n as usize;
            }
            OP_RESIZEDB => {
                r.len()?;
                r.len()?;
            }
            OP_EXPIRETIME_MS => expires_at = Some(i64::from_le_bytes(r.array()?)),
            OP_EXPIRETIME => {
                expires_at = Some(i64::from(i32::from_le_bytes(r.array()?)) * 1000);
            }
            OP_IDLE => {
                r.len()?;
            }
            OP_FREQ => {
                r.u8()?;
            }
            OP_AUX => {
                let k = r.string()?;
                let v = r.string()?;
                stats.aux.push((
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                ));
            }
            OP_SLOT_INFO => {
                r.len()?;
                r.len()?;
                r.len()?;
            }
            OP_MODULE_AUX | OP_FUNCTION2 | OP_FUNCTION_PRE_GA => {
                return r.err(
                    op_at,
                    format!("unsupported opcode {op} (modules and functions are not supported)"),
                );
            }
            ty => {
                let key = r.bytes()?;
                let value = read_value(&mut r, ty, op_at, &key, lim, now)?;
                let at = expires_at.take();
                if ks.db(db).peek(&key).is_some() {
                    return r.err(
                        op_at,
                        format!(
                            "duplicated key '{}' in DB {db}",
                            String::from_utf8_lossy(&key)
                        ),
                    );
                }
                let Some(value) = value else {
                    continue;
                };
                if at.is_some_and(|at| at < now) {
                    stats.expired_skipped += 1;
                    continue;
                }
                ks.db(db).set(key, value, at);
                stats.keys += 1;
            }
        }
    }
    if version >= 5 {
        let at = r.pos;
        let stored = u64::from_le_bytes(r.array()?);
        if verify_checksum && stored != 0 {
            let computed = crc64::update(0, &data[..at]);
            if computed != stored {
                return r.err(
                    at,
                    format!("wrong RDB checksum expected: ({stored:016x}) got: ({computed:016x})"),
                );
            }
        }
    }
    Ok(stats)
}

fn type_name(ty: u8) -> &'static str {
    match ty {
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => "stream",
        TYPE_MODULE_PRE_GA | TYPE_MODULE_2 => "module",
        _ => "unknown",
    }
}

/// One value of type `ty`; `None` for an empty collection, which Redis skips too.
fn read_value(
    r: &mut Reader<'_>,
    ty: u8,
    type_at: usize,
    key: &[u8],
    lim: &EncodingLimits,
    now: i64,
) -> R<Option<Value>> {
    let at = r.pos;
    let bad = |what: &str| -> R<Option<Value>> {
        Err(RdbError {
            offset: at as u64,
            what: format!("{what} (key '{}')", String::from_utf8_lossy(key)),
        })
    };
    let v = match ty {
        TYPE_STRING => Value::String(r.bytes()?),
        TYPE_LIST => {
            let n = r.count(1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(r.string()?.into_owned());
            }
            return Ok(make_list(items, lim));
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let n = r.count(1)?;
            let mut items: Vec<Vec<u8>> = Vec::new();
            for _ in 0..n {
                let container = if ty == TYPE_LIST_QUICKLIST_2 {
                    r.len()?
                } else {
                    QUICKLIST_PACKED
                };
                let node_at = r.pos;
                let blob = r.string()?;
                match container {
                    QUICKLIST_PLAIN => items.push(blob.into_owned()),
                    QUICKLIST_PACKED => {
                        let elems = if ty == TYPE_LIST_QUICKLIST {
                            ziplist_elems(&blob)
                        } else {
                            listpack_elems(&blob)
                        };
                        let Some(elems) = elems else {
                            return r.err(node_at, "quicklist node integrity check failed");
                        };
                        items.extend(elems.iter().map(Elem::to_vec));
                    }
                    _ => return bad("quicklist integrity check failed"),
                }
            }
            return Ok(make_list(items, lim));
        }
        TYPE_LIST_ZIPLIST => {
            let blob = r.string()?;
            let Some(elems) = ziplist_elems(&blob) else {
                return bad("list ziplist integrity check failed");
            };
            return Ok(make_list(elems.iter().map(Elem::to_vec).collect(), lim));
        }
        TYPE_SET => {
            let n = r.count(1)?;
            let mut members = Vec::with_capacity(n);
            for _ in 0..n {
                members.push(r.string()?.into_owned());
            }
            return make_set(members, lim).or_else(&bad);
        }
        TYPE_SET_INTSET => {
            let blob = r.string()?;
            let Some(vals) = intset_values(&blob) else {
                return bad("intset integrity check failed");
            };
            let members = vals.iter().map(|v| v.to_string().into_bytes()).collect();
            return make_set(members, lim).or_else(&bad);
        }
        TYPE_SET_LISTPACK => {
            let blob = r.string()?;
            let Some(elems) = listpack_elems(&blob) else {
                return bad("set listpack integrity check failed");
            };
            return make_set(elems.iter().map(Elem::to_vec).collect(), lim).or_else(&bad);
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.count(2)?;
            let mut entries = Vec::with_capacity(n);
            for _ in 0..n {
                let m = r.string()?.into_owned();
                let s = if ty == TYPE_ZSET {
                    r.text_double()?
                } else {
                    f64::from_le_bytes(r.array()?)
                };
                entries.push((m, s));
            }
            return make_zset(entries, lim).or_else(&bad);
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let blob = r.string()?;
            let elems = if ty == TYPE_ZSET_ZIPLIST {
                ziplist_elems(&blob)
            } else {
                listpack_elems(&blob)
            };
            let Some(elems) = elems.filter(|e| e.len().is_multiple_of(2)) else {
                return bad("zset listpack integrity check failed");
            };
            let mut entries = Vec::with_capacity(elems.len() / 2);
            for pair in elems.chunks_exact(2) {
                let Some(score) = elem_score(&pair[1]) else {
                    return bad("invalid score in zset listpack");
                };
                entries.push((pair[0].to_vec(), score));
            }
            return make_zset(entries, lim).or_else(&bad);
        }
        TYPE_HASH => {
            let n = r.count(2)?;
            let mut fields = Vec::with_capacity(n);
            for _ in 0..n {
                let f = r.string()?.into_owned();
                let v = r.string()?.into_owned();
                fields.push((f, v, 0));
            }
            return make_hash(fields, lim, now).or_else(&bad);
        }
        TYPE_HASH_METADATA | TYPE_HASH_METADATA_PRE_GA => {
            let min = if ty == TYPE_HASH_METADATA {
                i64::from_le_bytes(r.array()?)
            } else {
                0
            };
            let n = r.count(3)?;
            let mut fields = Vec::with_capacity(n);
            for _ in 0..n {
                let ttl = r.len()?;
                let at = match (ty, ttl) {
                    (_, 0) => 0,
                    (TYPE_HASH_METADATA, t) => (t as i64).saturating_add(min).saturating_sub(1),
                    (_, t) => t as i64,
                };
                let f = r.string()?.into_owned();
                let v = r.string()?.into_owned();
                fields.push((f, v, at));
            }
            return make_hash(fields, lim, now).or_else(&bad);
        }
        TYPE_HASH_ZIPLIST
        | TYPE_HASH_LISTPACK
        | TYPE_HASH_LISTPACK_EX
        | TYPE_HASH_LISTPACK_EX_PRE_GA => {
            if ty == TYPE_HASH_LISTPACK_EX {
                r.array::<8>()?;
            }
            let blob = r.string()?;
            let elems = if ty == TYPE_HASH_ZIPLIST {
                ziplist_elems(&blob)
            } else {
                listpack_elems(&blob)
            };
            let width = if ty == TYPE_HASH_ZIPLIST || ty == TYPE_HASH_LISTPACK {
                2
            } else {
                3
            };
            let Some(elems) = elems.filter(|e| e.len().is_multiple_of(width)) else {
                return bad("hash listpack integrity check failed");
            };
            let mut fields = Vec::with_capacity(elems.len() / width);
            for t in elems.chunks_exact(width) {
                let at = match t.get(2) {
                    Some(Elem::Int(i)) => *i,
                    Some(Elem::Str(_)) => return bad("invalid field TTL in hash listpack"),
                    None => 0,
                };
                fields.push((t[0].to_vec(), t[1].to_vec(), at));
            }
            return make_hash(fields, lim, now).or_else(&bad);
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
            r.stream(ty, key)?
        }
        TYPE_HASH_ZIPMAP => {
            let blob = r.string()?;
            let Some(pairs) = zipmap_pairs(&blob) else {
                return bad("zipmap integrity check failed");
            };
            let fields = pairs.into_iter().map(|(f, v)| (f, v, 0)).collect();
            return make_hash(fields, lim, now).or_else(&bad);
        }
        other => {
            return r.err(
                type_at,
                format!(
                    "unsupported value type {other} ({}) for key '{}'",
                    type_name(other),
                    String::from_utf8_lossy(key)
                ),
            )
        }
    };
    Ok(Some(v))
}

fn make_list(items: Vec<Vec<u8>>, lim: &EncodingLimits) -> Option<Value> {
    if items.is_empty() {
        return None;
    }
    Some(Value::List(List::from_items(
        &items,
        lim.list_max_listpack_size,
    )))
}

fn make_set(members: Vec<Vec<u8>>, lim: &EncodingLimits) -> Result<Option<Value>, &'static str> {
    let Some(first) = members.first() else {
        return Ok(None);
    };
    let mut set = Set::for_members(first, members.len(), lim);
    for m in &members {
        if !set.insert(m, lim) {
            return Err("duplicate set members detected");
        }
    }
    Ok(Some(Value::Set(set)))
}

fn make_zset(
    mut entries: Vec<(Vec<u8>, f64)>,
    lim: &EncodingLimits,
) -> Result<Option<Value>, &'static str> {
    if entries.is_empty() {
        return Ok(None);
    }
    if entries.iter().any(|(_, s)| s.is_nan()) {
        return Err("zset score is not a number");
    }
    entries.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let mut seen = HashSet::with_capacity(entries.len());
    if !entries.iter().all(|(m, _)| seen.insert(m.as_slice())) {
        return Err("duplicate zset members detected");
    }
    drop(seen);
    // -0.0 and 0.0 compare equal for Redis: normalise so the order matches its skiplist.
    for e in &mut entries {
        if e.1 == 0.0 {
            e.1 = 0.0;
        }
    }
    entries.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Some(Value::ZSet(ZSet::from_sorted(entries, lim))))
}

fn make_hash(
    fields: Vec<(Vec<u8>, Vec<u8>, i64)>,
    lim: &EncodingLimits,
    now: i64,
) -> Result<Option<Value>, &'static str> {
    let mut h = Hash::default();
    if fields.len() as u64 > lim.hash_max_listpack_entries {
        let args: Vec<Bytes> = fields
            .iter()
            .flat_map(|(f, v, _)| [Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)])
            .collect();
        h.prepare_for(&args, lim);
    }
    for (f, v, _) in &fields {
        if !h.set(f, v, false, lim) {
            return Err("duplicate hash fields detected");
        }
    }
    for (f, _, at) in &fields {
        if *at != 0 {
            h.set_field_expiry(f, *at, ExpireCond::Always, now);
        }
    }
    Ok((!h.is_empty()).then_some(Value::Hash(h)))
}

/// Decodes a zipmap (hashes in RDB files from Redis 2.x).
fn zipmap_pairs(b: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut p = 1usize;
    let mut out = Vec::new();
    let read_len = |p: &mut usize| -> Option<usize> {
        let l = *b.get(*p)?;
        match l {
            0..=253 => {
                *p += 1;
                Some(usize::from(l))
            }
            254 => {
                let v = u32::from_le_bytes(b.get(*p + 1..*p + 5)?.try_into().ok()?);
                *p += 5;
                Some(v as usize)
            }
            _ => None,
        }
    };
    loop {
        if *b.get(p)? == 0xff {
            return (p == b.len() - 1).then_some(out);
        }
        let klen = read_len(&mut p)?;
        let k = b.get(p..p.checked_add(klen)?)?.to_vec();
        p += klen;
        let vlen = read_len(&mut p)?;
        let free = usize::from(*b.get(p)?);
        p += 1;
        let v = b.get(p..p.checked_add(vlen)?)?.to_vec();
        p += vlen + free;
        out.push((k, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::rdb::encoding::ListpackWriter;

    /// A length-prefixed string (short strings only).
    fn s(b: &[u8]) -> Vec<u8> {
        assert!(b.len() < 64);
        let mut v = vec![b.len() as u8];
        v.extend_from_slice(b);
        v
    }

    /// A long blob with a 32-bit length.
    fn blob(b: &[u8]) -> Vec<u8> {
        let mut v = vec![LEN_32BIT];
        v.extend_from_slice(&(b.len() as u32).to_be_bytes());
        v.extend_from_slice(b);
        v
    }

    /// A ziplist of short strings and (for numeric items) 16-bit integers.
    fn ziplist(items: &[&str]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        for it in items {
            let start = body.len();
            body.push(prev as u8);
            match it.parse::<i16>() {
                Ok(v) => {
                    body.push(0xc0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                Err(_) => {
                    body.push(it.len() as u8);
                    body.extend_from_slice(it.as_bytes());
                }
            }
            prev = body.len() - start;
        }
        let total = 10 + body.len() + 1;
        let mut z = Vec::new();
        z.extend_from_slice(&(total as u32).to_le_bytes());
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(&(items.len() as u16).to_le_bytes());
        z.extend_from_slice(&body);
        z.push(0xff);
        z
    }

    fn listpack(items: &[&[u8]]) -> Vec<u8> {
        let mut w = ListpackWriter::new();
        for i in items {
            w.push(i);
        }
        w.finish()
    }

    fn file(version: u32, body: &[u8]) -> Vec<u8> {
        let mut f = format!("REDIS{version:04}").into_bytes();
        f.extend_from_slice(&[OP_SELECTDB, 0]);
        f.extend_from_slice(body);
        f.push(OP_EOF);
        f.extend_from_slice(&[0; 8]);
        f
    }

    fn load(version: u32, body: &[u8]) -> Result<Keyspace, RdbError> {
        let mut ks = Keyspace::new(16);
        load_bytes(
            &file(version, body),
            &mut ks,
            &EncodingLimits::default(),
            true,
        )?;
        Ok(ks)
    }

    fn key(ty: u8, k: &str, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![ty];
        v.extend(s(k.as_bytes()));
        v.extend_from_slice(payload);
        v
    }

    fn list_items(ks: &mut Keyspace, k: &str) -> Vec<Vec<u8>> {
        match ks.db(0).peek(k.as_bytes()).map(|e| &e.value) {
            Some(Value::List(l)) => l.iter().map(<[u8]>::to_vec).collect(),
            other => panic!("{k}: {other:?}"),
        }
    }

    #[test]
    fn legacy_plain_types() {
        let mut body = Vec::new();
        body.extend(key(
            TYPE_LIST,
            "l",
            &[&[2u8][..], &s(b"a"), &s(b"b")].concat(),
        ));
        body.extend(key(
            TYPE_SET,
            "s",
            &[&[2u8][..], &s(b"x"), &s(b"7")].concat(),
        ));
        let mut z = vec![2u8];
        z.extend(s(b"m1"));
        z.extend(s(b"1.5"));
        z.extend(s(b"m2"));
        z.push(254);
        body.extend(key(TYPE_ZSET, "z", &z));
        body.extend(key(
            TYPE_HASH,
            "h",
            &[&[1u8][..], &s(b"f"), &s(b"v")].concat(),
        ));
        let mut ks = load(6, &body).unwrap();
        assert_eq!(list_items(&mut ks, "l"), vec![b"a".to_vec(), b"b".to_vec()]);
        let Some(Value::ZSet(zs)) = ks.db(0).peek(b"z").map(|e| e.value.clone()) else {
            panic!()
        };
        assert_eq!(zs.score(b"m2"), Some(f64::INFINITY));
        assert_eq!(zs.score(b"m1"), Some(1.5));
        let Some(Value::Set(set)) = ks.db(0).peek(b"s").map(|e| e.value.clone()) else {
            panic!()
        };
        assert!(set.contains(b"7") && set.contains(b"x"));
        let Some(Value::Hash(h)) = ks.db(0).peek(b"h").map(|e| e.value.clone()) else {
            panic!()
        };
        assert_eq!(h.get(b"f"), Some(&b"v"[..]));
    }

    #[test]
    fn ziplist_types_and_quicklist_v1() {
        let mut body = Vec::new();
        body.extend(key(
            TYPE_LIST_ZIPLIST,
            "lz",
            &blob(&ziplist(&["a", "12", "-300"])),
        ));
        let mut ql = vec![2u8];
        ql.extend(blob(&ziplist(&["x", "y"])));
        ql.extend(blob(&ziplist(&["5"])));
        body.extend(key(TYPE_LIST_QUICKLIST, "lq", &ql));
        body.extend(key(
            TYPE_ZSET_ZIPLIST,
            "zz",
            &blob(&ziplist(&["m", "3", "n", "4"])),
        ));
        body.extend(key(
            TYPE_HASH_ZIPLIST,
            "hz",
            &blob(&ziplist(&["f", "1", "g", "two"])),
        ));
        let mut ks = load(9, &body).unwrap();
        assert_eq!(
            list_items(&mut ks, "lz"),
            vec![b"a".to_vec(), b"12".to_vec(), b"-300".to_vec()]
        );
        assert_eq!(
            list_items(&mut ks, "lq"),
            vec![b"x".to_vec(), b"y".to_vec(), b"5".to_vec()]
        );
        let Some(Value::ZSet(z)) = ks.db(0).peek(b"zz").map(|e| e.value.clone()) else {
            panic!()
        };
        assert_eq!((z.score(b"m"), z.score(b"n")), (Some(3.0), Some(4.0)));
        let Some(Value::Hash(h)) = ks.db(0).peek(b"hz").map(|e| e.value.clone()) else {
            panic!()
        };
        assert_eq!(h.get(b"g"), Some(&b"two"[..]));
    }

    #[test]
    fn redis_7_2_and_7_4_types() {
        let far = crate::storage::now_ms() + 3_600_000;
        let mut body = Vec::new();
        body.extend(key(
            TYPE_SET_LISTPACK,
            "sl",
            &blob(&listpack(&[b"a", b"b", b"3"])),
        ));
        // Listpack with field TTLs: (field, value, ttl) triples, 0 = no TTL.
        let mut ex = far.to_le_bytes().to_vec();
        let mut w = ListpackWriter::new();
        w.push(b"f1");
        w.push(b"v1");
        w.push_int(far);
        w.push(b"f2");
        w.push(b"v2");
        w.push_int(0);
        ex.extend(blob(&w.finish()));
        body.extend(key(TYPE_HASH_LISTPACK_EX, "hx", &ex));
        // An expiry in seconds (RDB before version 3 style opcode).
        body.push(OP_EXPIRETIME);
        body.extend_from_slice(&((far / 1000) as i32).to_le_bytes());
        body.extend(key(TYPE_STRING, "old-ttl", &s(b"v")));
        let mut ks = load(12, &body).unwrap();
        let Some(Value::Set(set)) = ks.db(0).peek(b"sl").map(|e| e.value.clone()) else {
            panic!()
        };
        assert_eq!((set.len(), set.encoding()), (3, "listpack"));
        let Some(Value::Hash(h)) = ks.db(0).peek(b"hx").map(|e| e.value.clone()) else {
            panic!()
        };
        assert_eq!(h.field_ttl(b"f1"), crate::storage::hash::FieldTtl::At(far));
        assert_eq!(
            h.field_ttl(b"f2"),
            crate::storage::hash::FieldTtl::Persistent
        );
        assert_eq!(
            ks.db(0).peek(b"old-ttl").and_then(|e| e.expires_at),
            Some(far / 1000 * 1000)
        );
    }

    #[test]
    fn zipmap_hash() {
        // zmlen, then len key len free value, then 0xff.
        let zm = [&[1u8, 1, b'k', 2, 0, b'v', b'1'][..], &[0xff]].concat();
        let mut ks = load(3, &key(TYPE_HASH_ZIPMAP, "zm", &s(&zm))).unwrap();
        let Some(Value::Hash(h)) = ks.db(0).peek(b"zm").map(|e| e.value.clone()) else {
            panic!()
        };
        assert_eq!(h.get(b"k"), Some(&b"v1"[..]));
    }

    #[test]
    fn errors_name_what_and_where() {
        let e = load(10, &key(TYPE_MODULE_2, "md", &[])).err().unwrap();
        assert_eq!(e.offset, 11);
        assert!(e.what.contains("module"), "{e}");
        let dup = [
            key(TYPE_STRING, "k", &s(b"1")),
            key(TYPE_STRING, "k", &s(b"2")),
        ]
        .concat();
        let e = load(10, &dup).err().unwrap();
        assert!(e.what.contains("duplicated key 'k'"), "{e}");
        assert_eq!(e.offset, 11 + 5);
        let mut ks = Keyspace::new(2);
        let e = load_bytes(
            b"REDIS0010\xfe\x05\xff",
            &mut ks,
            &EncodingLimits::default(),
            true,
        )
        .err()
        .unwrap();
        assert!(e.what.contains("database 5"), "{e}");
        let e = load(
            10,
            &key(TYPE_SET, "s", &[&[2u8][..], &s(b"a"), &s(b"a")].concat()),
        )
        .err()
        .unwrap();
        assert!(e.what.contains("duplicate set members"), "{e}");
        let e = load(10, &key(TYPE_LIST, "l", &[0x80, 0xff, 0xff, 0xff, 0xff]))
            .err()
            .unwrap();
        assert!(e.what.contains("exceeds the remaining file size"), "{e}");
    }
}
