//! LZF, the compression Redis uses for long strings in RDB files (`rdbcompression`).
//!
//! Hand-written rather than a crate: the format is tiny and Redis-specific, and what matters is
//! that Redis's `lzf_d` decodes what we write and that we decode what `lzf_c` writes. The
//! stream is a sequence of literal runs (`000LLLLL` + L+1 bytes) and back references
//! (`LLLooooo oooooooo`, length L+2 with L = 7 meaning an extra length byte follows; offset
//! + 1 back from the current position, up to 8 KiB).

use thiserror::Error;

/// Longest literal run one control byte describes.
const MAX_LIT: usize = 32;
/// Longest back reference: 2 + 7 + 255.
const MAX_REF: usize = 264;
/// Farthest back a reference reaches.
const MAX_OFF: usize = 1 << 13;
/// Hash table size (log2) for finding 3-byte matches.
const HLOG: u32 = 14;

/// Why a compressed payload could not be expanded.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum LzfError {
    /// A run or reference points outside the input or output.
    #[error("invalid LZF data")]
    Corrupt,
    /// The expanded size is not the size the file announced.
    #[error("LZF data expands to {got} bytes, expected {want}")]
    WrongLength {
        /// Bytes produced.
        got: usize,
        /// Bytes announced.
        want: usize,
    },
}

fn hash3(d: &[u8], i: usize) -> usize {
    let v = u32::from(d[i]) << 16 | u32::from(d[i + 1]) << 8 | u32::from(d[i + 2]);
    (v.wrapping_mul(2_654_435_761) >> (32 - HLOG)) as usize
}

/// Compresses `input`; `None` when the result would not be shorter than `max_out` bytes (the
/// caller then stores the data uncompressed, as Redis does).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    let mut out = Vec::with_capacity(max_out.min(n + n / 16 + 64));
    let mut table = vec![usize::MAX; 1 << HLOG];
    let mut lit_start = 0usize;
    let mut i = 0usize;
    let flush_literals = |out: &mut Vec<u8>, from: usize, to: usize| {
        let mut s = from;
        while s < to {
            let run = (to - s).min(MAX_LIT);
            out.push((run - 1) as u8);
            out.extend_from_slice(&input[s..s + run]);
            s += run;
        }
    };
    while i + 2 < n {
        let h = hash3(input, i);
        let cand = table[h];
        table[h] = i;
        if cand != usize::MAX && i - cand <= MAX_OFF && input[cand..cand + 3] == input[i..i + 3] {
            let max_len = (n - i).min(MAX_REF);
            let mut len = 3;
            while len < max_len && input[cand + len] == input[i + len] {
                len += 1;
            }
            flush_literals(&mut out, lit_start, i);
            let off = i - cand - 1;
            let l = len - 2;
            if l < 7 {
                out.push(((l as u8) << 5) | (off >> 8) as u8);
            } else {
                out.push((7 << 5) | (off >> 8) as u8);
                out.push((l - 7) as u8);
            }
            out.push((off & 0xff) as u8);
            if out.len() >= max_out {
                return None;
            }
            // Index a couple of positions inside the match so later data can refer to it.
            let end = i + len;
            let mut j = i + 1;
            while j < end && j + 2 < n {
                table[hash3(input, j)] = j;
                j += 1;
            }
            i = end;
            lit_start = i;
        } else {
            i += 1;
        }
    }
    flush_literals(&mut out, lit_start, n);
    (out.len() < max_out).then_some(out)
}

/// Expands `input` into exactly `expected` bytes.
pub fn decompress(input: &[u8], expected: usize) -> Result<Vec<u8>, LzfError> {
    let mut out: Vec<u8> = Vec::with_capacity(expected);
    let mut i = 0usize;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let lit = input.get(i..i + run).ok_or(LzfError::Corrupt)?;
            if out.len() + run > expected {
                return Err(LzfError::Corrupt);
            }
            out.extend_from_slice(lit);
            i += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(i).ok_or(LzfError::Corrupt)?);
                i += 1;
            }
            len += 2;
            let lo = usize::from(*input.get(i).ok_or(LzfError::Corrupt)?);
            i += 1;
            let back = ((ctrl & 0x1f) << 8 | lo) + 1;
            if back > out.len() || out.len() + len > expected {
                return Err(LzfError::Corrupt);
            }
            let start = out.len() - back;
            // Byte by byte: a reference may overlap what it produces.
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
    }
    if out.len() != expected {
        return Err(LzfError::WrongLength {
            got: out.len(),
            want: expected,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn compresses_repetitive_data() {
        let data = b"abcabcabcabcabcabcabcabcabcabcabcabcabcabc".repeat(100);
        let c = compress(&data, data.len()).expect("compressible");
        assert!(c.len() < data.len() / 10);
        assert_eq!(decompress(&c, data.len()).unwrap(), data);
    }

    #[test]
    fn refuses_incompressible_within_budget() {
        let data: Vec<u8> = (0..64u32).map(|i| (i * 97 + 13) as u8).collect();
        assert!(compress(&data, data.len() - 4).is_none());
    }

    #[test]
    fn corrupt_input_is_an_error() {
        assert_eq!(decompress(&[0x20, 0x00], 10), Err(LzfError::Corrupt));
        assert_eq!(decompress(&[5, 1, 2], 6), Err(LzfError::Corrupt));
        assert!(decompress(&[0, b'a'], 2).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), any::<u8>()], 0..3000)) {
            if let Some(c) = compress(&data, data.len() + 64) {
                prop_assert_eq!(decompress(&c, data.len()).unwrap(), data);
            }
        }
    }
}
