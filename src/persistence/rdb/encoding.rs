//! The compact blobs RDB files embed inside string payloads: listpacks (Redis 7), ziplists
//! (older files), intsets, and the entry encodings they share. Decoders are bounds-checked
//! and return `None` on malformed input; the caller turns that into an error with the offset
//! of the blob.

use crate::storage::list::lp_int;

/// One element of a listpack or ziplist.
#[derive(Debug, Clone, PartialEq)]
pub enum Elem<'a> {
    /// A string element.
    Str(&'a [u8]),
    /// An integer element.
    Int(i64),
}

impl Elem<'_> {
    /// The element as Redis would reply with it.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Elem::Str(s) => s.to_vec(),
            Elem::Int(i) => i.to_string().into_bytes(),
        }
    }
}

/// Listpack header: total bytes (u32) and element count (u16).
const LP_HEADER: usize = 6;
const LP_EOF: u8 = 0xff;

/// Builds a listpack as Redis's `lpAppend` would: integers in the smallest integer encoding,
/// other strings with the smallest length prefix, each entry followed by its back-length.
#[derive(Debug)]
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        ListpackWriter::new()
    }
}

fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

impl ListpackWriter {
    /// An empty listpack.
    pub fn new() -> Self {
        ListpackWriter {
            buf: vec![0; LP_HEADER],
            count: 0,
        }
    }

    /// Appends a string element (stored as an integer when it is one in canonical form).
    pub fn push(&mut self, s: &[u8]) {
        match lp_int(s) {
            Some(v) => self.push_int(v),
            None => self.push_str(s),
        }
    }

    /// Appends an integer element.
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = if v < 0 { (1 << 13) + v } else { v } as u16;
            self.buf.push(((u >> 8) as u8) | 0xc0);
            self.buf.push((u & 0xff) as u8);
        } else if (-32768..=32767).contains(&v) {
            self.buf.push(0xf1);
            self.buf.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8_388_608..=8_388_607).contains(&v) {
            self.buf.push(0xf2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if i32::try_from(v).is_ok() {
            self.buf.push(0xf3);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.buf.push(0xf4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.finish_entry(start);
    }

    fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let n = s.len();
        if n < 64 {
            self.buf.push(0x80 | n as u8);
        } else if n < 4096 {
            self.buf.push(0xe0 | (n >> 8) as u8);
            self.buf.push((n & 0xff) as u8);
        } else {
            self.buf.push(0xf0);
            self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.finish_entry(start);
    }

    fn finish_entry(&mut self, start: usize) {
        let l = self.buf.len() - start;
        // lpEncodeBacklen: big-endian groups of 7 bits, every byte but the first (lowest
        // address) flagged with the high bit, so it reads backwards from the entry's end.
        let size = backlen_size(l);
        for k in (0..size).rev() {
            let b = ((l >> (7 * k)) & 0x7f) as u8;
            self.buf.push(if k == size - 1 { b } else { b | 0x80 });
        }
        self.count += 1;
    }

    /// Number of elements appended.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes the finished listpack will take.
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(LP_EOF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = if self.count < 65535 {
            self.count as u16
        } else {
            65535
        };
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

fn le_int(b: &[u8]) -> i64 {
    let mut v: u64 = 0;
    for (i, &x) in b.iter().enumerate() {
        v |= u64::from(x) << (8 * i);
    }
    // Sign-extend from the width read.
    let bits = 8 * b.len() as u32;
    if bits < 64 {
        let shift = 64 - bits;
        ((v << shift) as i64) >> shift
    } else {
        v as i64
    }
}

/// Decodes every element of a listpack; `None` if it is malformed.
pub fn listpack_elems(lp: &[u8]) -> Option<Vec<Elem<'_>>> {
    if lp.len() < LP_HEADER + 1 {
        return None;
    }
    let total = u32::from_le_bytes(lp.get(0..4)?.try_into().ok()?) as usize;
    if total != lp.len() {
        return None;
    }
    let count = u16::from_le_bytes(lp.get(4..6)?.try_into().ok()?) as usize;
    let mut out = Vec::with_capacity(count.min(65535));
    let mut p = LP_HEADER;
    loop {
        let b = *lp.get(p)?;
        if b == LP_EOF {
            break;
        }
        let (elem, len) = if b & 0x80 == 0 {
            (Elem::Int(i64::from(b)), 1)
        } else if b & 0xc0 == 0x80 {
            let n = usize::from(b & 0x3f);
            (Elem::Str(lp.get(p + 1..p + 1 + n)?), 1 + n)
        } else if b & 0xe0 == 0xc0 {
            let u = (u16::from(b & 0x1f) << 8) | u16::from(*lp.get(p + 1)?);
            let v = if u >= 1 << 12 {
                i64::from(u) - (1 << 13)
            } else {
                i64::from(u)
            };
            (Elem::Int(v), 2)
        } else if b & 0xf0 == 0xe0 {
            let n = (usize::from(b & 0x0f) << 8) | usize::from(*lp.get(p + 1)?);
            (Elem::Str(lp.get(p + 2..p + 2 + n)?), 2 + n)
        } else {
            match b {
                0xf0 => {
                    let n = u32::from_le_bytes(lp.get(p + 1..p + 5)?.try_into().ok()?) as usize;
                    (Elem::Str(lp.get(p + 5..p.checked_add(5 + n)?)?), 5 + n)
                }
                0xf1 => (Elem::Int(le_int(lp.get(p + 1..p + 3)?)), 3),
                0xf2 => (Elem::Int(le_int(lp.get(p + 1..p + 4)?)), 4),
                0xf3 => (Elem::Int(le_int(lp.get(p + 1..p + 5)?)), 5),
                0xf4 => (Elem::Int(le_int(lp.get(p + 1..p + 9)?)), 9),
                _ => return None,
            }
        };
        p = p.checked_add(len + backlen_size(len))?;
        if p >= lp.len() {
            return None;
        }
        out.push(elem);
    }
    if p != lp.len() - 1 || (count != 65535 && count != out.len()) {
        return None;
    }
    Some(out)
}

/// Decodes every element of a ziplist (RDB files from Redis before 7.0); `None` if malformed.
pub fn ziplist_elems(zl: &[u8]) -> Option<Vec<Elem<'_>>> {
    if zl.len() < 11 {
        return None;
    }
    let total = u32::from_le_bytes(zl.get(0..4)?.try_into().ok()?) as usize;
    if total != zl.len() {
        return None;
    }
    let mut out = Vec::new();
    let mut p = 10;
    loop {
        let b = *zl.get(p)?;
        if b == 0xff {
            break;
        }
        // prevlen: 1 byte, or 0xfe + 4 bytes.
        p += if b == 0xfe { 5 } else { 1 };
        let e = *zl.get(p)?;
        let (elem, len) = match e >> 6 {
            0 => {
                let n = usize::from(e & 0x3f);
                (Elem::Str(zl.get(p + 1..p + 1 + n)?), 1 + n)
            }
            1 => {
                let n = (usize::from(e & 0x3f) << 8) | usize::from(*zl.get(p + 1)?);
                (Elem::Str(zl.get(p + 2..p + 2 + n)?), 2 + n)
            }
            2 => {
                let n = u32::from_be_bytes(zl.get(p + 1..p + 5)?.try_into().ok()?) as usize;
                (Elem::Str(zl.get(p + 5..p.checked_add(5 + n)?)?), 5 + n)
            }
            _ => match e {
                0xc0 => (Elem::Int(le_int(zl.get(p + 1..p + 3)?)), 3),
                0xd0 => (Elem::Int(le_int(zl.get(p + 1..p + 5)?)), 5),
                0xe0 => (Elem::Int(le_int(zl.get(p + 1..p + 9)?)), 9),
                0xf0 => (Elem::Int(le_int(zl.get(p + 1..p + 4)?)), 4),
                0xfe => (Elem::Int(le_int(zl.get(p + 1..p + 2)?)), 2),
                0xf1..=0xfd => (Elem::Int(i64::from(e & 0x0f) - 1), 1),
                _ => return None,
            },
        };
        p += len;
        out.push(elem);
    }
    (p == zl.len() - 1).then_some(out)
}

/// Decodes an intset: sorted, distinct integers of 2, 4 or 8 bytes each.
pub fn intset_values(b: &[u8]) -> Option<Vec<i64>> {
    let width = u32::from_le_bytes(b.get(0..4)?.try_into().ok()?) as usize;
    let n = u32::from_le_bytes(b.get(4..8)?.try_into().ok()?) as usize;
    if !matches!(width, 2 | 4 | 8) || b.len() != 8 + width.checked_mul(n)? {
        return None;
    }
    let v: Vec<i64> = b[8..].chunks_exact(width).map(le_int).collect();
    v.windows(2).all(|w| w[0] < w[1]).then_some(v)
}

/// Encodes sorted, distinct integers as an intset of the narrowest width that fits them all.
pub fn intset_bytes(sorted: &[i64]) -> Vec<u8> {
    let fits = |lo: i64, hi: i64| sorted.iter().all(|v| (lo..=hi).contains(v));
    let width: usize = if fits(i64::from(i16::MIN), i64::from(i16::MAX)) {
        2
    } else if fits(i64::from(i32::MIN), i64::from(i32::MAX)) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * sorted.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listpack_round_trip_every_encoding() {
        let big = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let items: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"-1".to_vec(),
            b"4095".to_vec(),
            b"-4096".to_vec(),
            b"30000".to_vec(),
            b"-8000000".to_vec(),
            b"2000000000".to_vec(),
            b"-9223372036854775808".to_vec(),
            b"hello".to_vec(),
            b"".to_vec(),
            b"007".to_vec(),
            mid.clone(),
            big.clone(),
        ];
        let mut w = ListpackWriter::new();
        for i in &items {
            w.push(i);
        }
        let lp = w.finish();
        let got: Vec<Vec<u8>> = listpack_elems(&lp)
            .unwrap()
            .iter()
            .map(Elem::to_vec)
            .collect();
        assert_eq!(got, items);
    }

    #[test]
    fn malformed_listpacks_are_rejected() {
        let mut w = ListpackWriter::new();
        w.push(b"abc");
        let lp = w.finish();
        assert!(listpack_elems(&lp[..lp.len() - 1]).is_none());
        let mut bad = lp.clone();
        bad[6] = 0x8f; // string longer than the listpack
        assert!(listpack_elems(&bad).is_none());
    }

    #[test]
    fn intset_round_trip() {
        for vals in [
            vec![1i64, 2, 3],
            vec![-70000, 5],
            vec![i64::MIN, 0, i64::MAX],
        ] {
            assert_eq!(intset_values(&intset_bytes(&vals)).unwrap(), vals);
        }
        assert!(intset_values(&intset_bytes(&[3, 1])).is_none());
    }
}
