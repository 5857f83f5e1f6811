//! Writing RDB files: one function per value type, each choosing the RDB type Redis would
//! write for the value's encoding (listpacks for small hashes and sorted sets, intsets, a
//! quicklist of listpacks for lists), so that Redis 7.0 and later load the file and keep the
//! compact encodings.

use super::encoding::{intset_bytes, ListpackWriter};
use super::*;
use crate::persistence::{crc64, lzf};
use crate::protocol::reply::format_double;
use crate::storage::hash::FieldTtl;
use crate::storage::set::Member;
use crate::storage::{Db, Entry, Keyspace, Value};
use std::io::{self, Write};

/// A quicklist node is closed once its listpack reaches this size (Redis's default
/// `list-max-listpack-size -2`, 8 KiB); Redis re-balances nodes as the list changes.
const LIST_NODE_BYTES: usize = 8192;

/// Options of one save.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// `rdbcompression`: LZF-compress strings longer than 20 bytes when it helps.
    pub compress: bool,
    /// `rdbchecksum`: append the CRC-64 (else eight zero bytes, which loaders skip).
    pub checksum: bool,
}

/// Serializes a keyspace into an RDB stream, keeping the running checksum.
pub struct RdbWriter<W: Write> {
    out: W,
    crc: u64,
    opts: WriteOptions,
    /// Bytes written so far.
    written: u64,
}

impl<W: Write> RdbWriter<W> {
    /// A writer over `out`.
    pub fn new(out: W, opts: WriteOptions) -> Self {
        RdbWriter {
            out,
            crc: 0,
            opts,
            written: 0,
        }
    }

    pub(super) fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        if self.opts.checksum {
            self.crc = crc64::update(self.crc, b);
        }
        self.written += b.len() as u64;
        self.out.write_all(b)
    }

    pub(super) fn byte(&mut self, b: u8) -> io::Result<()> {
        self.raw(&[b])
    }

    /// A length in Redis's variable-size form.
    pub(super) fn len(&mut self, n: u64) -> io::Result<()> {
        if n < 1 << 6 {
            self.byte(n as u8)
        } else if n < 1 << 14 {
            self.raw(&[0x40 | (n >> 8) as u8, (n & 0xff) as u8])
        } else if n <= u64::from(u32::MAX) {
            self.byte(LEN_32BIT)?;
            self.raw(&(n as u32).to_be_bytes())
        } else {
            self.byte(LEN_64BIT)?;
            self.raw(&n.to_be_bytes())
        }
    }

    /// A string, integer-encoded or LZF-compressed where Redis would do so.
    pub(super) fn string(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() <= 11 {
            if let Some(v) = crate::storage::list::lp_int(s) {
                if let Ok(v) = i8::try_from(v) {
                    return self.raw(&[ENC_MARK | ENC_INT8, v as u8]);
                }
                if let Ok(v) = i16::try_from(v) {
                    self.byte(ENC_MARK | ENC_INT16)?;
                    return self.raw(&v.to_le_bytes());
                }
                if let Ok(v) = i32::try_from(v) {
                    self.byte(ENC_MARK | ENC_INT32)?;
                    return self.raw(&v.to_le_bytes());
                }
            }
        }
        if self.opts.compress && s.len() > 20 {
            if let Some(c) = lzf::compress(s, s.len() - 4) {
                self.byte(ENC_MARK | ENC_LZF)?;
                self.len(c.len() as u64)?;
                self.len(s.len() as u64)?;
                return self.raw(&c);
            }
        }
        self.len(s.len() as u64)?;
        self.raw(s)
    }

    fn aux(&mut self, key: &str, value: &str) -> io::Result<()> {
        self.byte(OP_AUX)?;
        self.string(key.as_bytes())?;
        self.string(value.as_bytes())
    }

    /// The magic, version and the auxiliary fields Redis writes.
    pub fn header(&mut self, version: u32, now_ms: i64) -> io::Result<()> {
        self.raw(format!("REDIS{version:04}").as_bytes())?;
        self.aux("redis-ver", crate::config::REDIS_COMPAT_VERSION)?;
        self.aux("redis-bits", "64")?;
        self.aux("ctime", &(now_ms / 1000).to_string())?;
        self.aux("used-mem", &crate::memory::used_memory().to_string())?;
        self.aux("aof-base", "0")?;
        self.aux("herald-ver", crate::config::HERALD_VERSION)
    }

    /// One database: SELECTDB, RESIZEDB and every key not yet expired at `now_ms`.
    pub fn db(&mut self, db: &Db, now_ms: i64) -> io::Result<()> {
        if db.is_empty() {
            return Ok(());
        }
        self.byte(OP_SELECTDB)?;
        self.len(db.index() as u64)?;
        self.byte(OP_RESIZEDB)?;
        self.len(db.len() as u64)?;
        self.len(db.expiring() as u64)?;
        for (key, entry) in db.iter() {
            if entry.expires_at.is_some_and(|at| now_ms > at) {
                continue;
            }
            self.entry(key, entry)?;
        }
        Ok(())
    }

    /// One key with its expiry.
    pub fn entry(&mut self, key: &[u8], entry: &Entry) -> io::Result<()> {
        if let Some(at) = entry.expires_at {
            self.byte(OP_EXPIRETIME_MS)?;
            self.raw(&at.to_le_bytes())?;
        }
        match &entry.value {
            Value::String(s) => {
                self.byte(TYPE_STRING)?;
                self.string(key)?;
                self.string(s)
            }
            Value::List(l) => self.list(key, l),
            Value::Set(s) => self.set(key, s),
            Value::ZSet(z) => self.zset(key, z),
            Value::Hash(h) => self.hash(key, h),
            Value::Stream(st) => self.stream(key, st),
        }
    }

    fn list(&mut self, key: &[u8], l: &crate::storage::list::List) -> io::Result<()> {
        let mut nodes: Vec<Vec<u8>> = Vec::new();
        let mut cur = ListpackWriter::new();
        for item in l.iter() {
            cur.push(item);
            if cur.bytes() >= LIST_NODE_BYTES {
                nodes.push(std::mem::take(&mut cur).finish());
            }
        }
        if !cur.is_empty() {
            nodes.push(cur.finish());
        }
        self.byte(TYPE_LIST_QUICKLIST_2)?;
        self.string(key)?;
        self.len(nodes.len() as u64)?;
        for n in nodes {
            self.len(QUICKLIST_PACKED)?;
            self.string(&n)?;
        }
        Ok(())
    }

    fn set(&mut self, key: &[u8], s: &crate::storage::set::Set) -> io::Result<()> {
        if s.encoding() == "intset" {
            let mut ints: Vec<i64> = s
                .iter()
                .filter_map(|m| match m {
                    Member::Int(i) => Some(i),
                    Member::Str(b) => crate::storage::list::lp_int(b),
                })
                .collect();
            ints.sort_unstable();
            if ints.len() == s.len() {
                self.byte(TYPE_SET_INTSET)?;
                self.string(key)?;
                return self.string(&intset_bytes(&ints));
            }
        }
        // RDB 10 has no listpack set type (Redis 7.2 added it): small sets are written as
        // plain sets, which loaders re-encode as listpacks.
        self.byte(TYPE_SET)?;
        self.string(key)?;
        self.len(s.len() as u64)?;
        for m in s.iter() {
            match m {
                Member::Int(i) => self.string(i.to_string().as_bytes())?,
                Member::Str(b) => self.string(b)?,
            }
        }
        Ok(())
    }

    fn zset(&mut self, key: &[u8], z: &crate::storage::zset::ZSet) -> io::Result<()> {
        if z.encoding() == "listpack" {
            let mut lp = ListpackWriter::new();
            for (m, score) in z.iter() {
                lp.push(m);
                lp.push(format_double(score).as_bytes());
            }
            self.byte(TYPE_ZSET_LISTPACK)?;
            self.string(key)?;
            return self.string(&lp.finish());
        }
        self.byte(TYPE_ZSET_2)?;
        self.string(key)?;
        self.len(z.len() as u64)?;
        // Highest score first, as Redis writes them, so a loader inserts at the head.
        let items: Vec<(&[u8], f64)> = z.iter().collect();
        for (m, score) in items.into_iter().rev() {
            self.string(m)?;
            self.raw(&score.to_le_bytes())?;
        }
        Ok(())
    }

    fn hash(&mut self, key: &[u8], h: &crate::storage::hash::Hash) -> io::Result<()> {
        if let Some(min) = h.next_field_expiry() {
            // Redis 7.4's hash with field TTLs: the earliest expiry, then each field's TTL
            // relative to it (+1; 0 = no TTL).
            self.byte(TYPE_HASH_METADATA)?;
            self.string(key)?;
            self.raw(&min.to_le_bytes())?;
            self.len(h.len() as u64)?;
            for (f, v) in h.iter() {
                let rel = match h.field_ttl(f) {
                    FieldTtl::At(at) if at > 0 => (at - min + 1).max(1) as u64,
                    _ => 0,
                };
                self.len(rel)?;
                self.string(f)?;
                self.string(v)?;
            }
            return Ok(());
        }
        if h.encoding() != "hashtable" {
            let mut lp = ListpackWriter::new();
            for (f, v) in h.iter() {
                lp.push(f);
                lp.push(v);
            }
            self.byte(TYPE_HASH_LISTPACK)?;
            self.string(key)?;
            return self.string(&lp.finish());
        }
        self.byte(TYPE_HASH)?;
        self.string(key)?;
        self.len(h.len() as u64)?;
        for (f, v) in h.iter() {
            self.string(f)?;
            self.string(v)?;
        }
        Ok(())
    }

    /// The EOF marker and checksum; returns the inner writer and the bytes written.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        self.byte(OP_EOF)?;
        let crc = if self.opts.checksum { self.crc } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.out.flush()?;
        Ok((self.out, self.written + 8))
    }
}

/// The RDB version a dump of `ks` needs: 10 (loadable by Redis 7.0+) unless a hash has field
/// TTLs, which only Redis 7.4's version 12 can express.
pub fn version_for(ks: &mut Keyspace) -> u32 {
    let n = ks.len();
    let hfe = (0..n).any(|i| ks.db(i).hashes_with_field_ttls() > 0);
    if hfe {
        RDB_VERSION_HFE
    } else {
        RDB_VERSION
    }
}

/// Writes the whole keyspace (whose HFE bookkeeping is current, see [`version_for`]) to `out`.
pub fn write_keyspace<W: Write>(
    ks: &Keyspace,
    version: u32,
    out: W,
    opts: WriteOptions,
) -> io::Result<(W, u64)> {
    let now = crate::storage::now_ms();
    let mut w = RdbWriter::new(out, opts);
    w.header(version, now)?;
    for (_, db) in ks.iter() {
        w.db(db, now)?;
    }
    w.finish()
}
