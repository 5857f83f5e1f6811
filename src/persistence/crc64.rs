//! CRC-64/Jones, the checksum Redis appends to RDB files (its `crc64.c`): reflected polynomial
//! 0xad93d23594c935a9, initial value 0, no final xor. Table-driven, eight bytes at a time
//! ("slicing by 8"), so checksumming does not dominate a save.

/// The reflected form of the Jones polynomial.
const POLY: u64 = 0x95ac_9329_ac4b_c9b5;

/// Eight 256-entry tables: `TABLES[0]` is the classic byte table, `TABLES[k]` advances a byte
/// that is followed by `k` more.
static TABLES: [[u64; 256]; 8] = build_tables();

const fn build_tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// Continues the checksum `crc` over `data` (start with 0).
pub fn update(mut crc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let v = crc ^ u64::from_le_bytes(w);
        crc = TABLES[7][(v & 0xff) as usize]
            ^ TABLES[6][((v >> 8) & 0xff) as usize]
            ^ TABLES[5][((v >> 16) & 0xff) as usize]
            ^ TABLES[4][((v >> 24) & 0xff) as usize]
            ^ TABLES[3][((v >> 32) & 0xff) as usize]
            ^ TABLES[2][((v >> 40) & 0xff) as usize]
            ^ TABLES[1][((v >> 48) & 0xff) as usize]
            ^ TABLES[0][(v >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = TABLES[0][((crc ^ u64::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_test_vectors() {
        // The vectors of Redis's crc64.c self-test.
        assert_eq!(update(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        let lorem = b"This is a test of the emergency broadcast system.";
        let whole = update(0, lorem);
        let split = update(update(0, &lorem[..13]), &lorem[13..]);
        assert_eq!(whole, split);
    }

    #[test]
    fn sliced_matches_bytewise() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut bytewise = 0u64;
        for &b in &data {
            bytewise = TABLES[0][((bytewise ^ u64::from(b)) & 0xff) as usize] ^ (bytewise >> 8);
        }
        assert_eq!(update(0, &data), bytewise);
    }
}
