//! The benchmark's message payload: a 16-byte header padded to the payload size.
//!
//! Layout (little-endian): bytes 0-1 `hb` (magic), 2-3 publisher id (u16), 4-7 sequence number
//! (u32, per publisher, from 0), 8-15 send time in nanoseconds since the run's shared start
//! `Instant` (u64). The rest is `.` padding. Publishers and subscribers live in one process, so
//! the shared monotonic clock gives exact end-to-end latency.

/// Size of the header, and so the smallest payload.
pub const HEADER_LEN: usize = 16;
const MAGIC: &[u8; 2] = b"hb";

/// A decoded header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub publisher: u16,
    pub seq: u32,
    pub sent_ns: u64,
}

/// A payload buffer of `size` bytes (at least [`HEADER_LEN`]) with padding filled in.
pub fn new_payload(size: usize) -> Vec<u8> {
    let mut p = vec![b'.'; size.max(HEADER_LEN)];
    p[..2].copy_from_slice(MAGIC);
    p
}

/// Writes the header into the front of `payload` (made by [`new_payload`]).
pub fn stamp(payload: &mut [u8], h: Header) {
    payload[..2].copy_from_slice(MAGIC);
    payload[2..4].copy_from_slice(&h.publisher.to_le_bytes());
    payload[4..8].copy_from_slice(&h.seq.to_le_bytes());
    payload[8..16].copy_from_slice(&h.sent_ns.to_le_bytes());
}

/// Reads the header of a received payload; `None` when it is not a benchmark payload.
pub fn decode(payload: &[u8]) -> Option<Header> {
    let head = payload.get(..HEADER_LEN)?;
    if &head[..2] != MAGIC {
        return None;
    }
    Some(Header {
        publisher: u16::from_le_bytes([head[2], head[3]]),
        seq: u32::from_le_bytes([head[4], head[5], head[6], head[7]]),
        sent_ns: u64::from_le_bytes([
            head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15],
        ]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut p = new_payload(64);
        let h = Header {
            publisher: 7,
            seq: 123_456,
            sent_ns: 9_876_543_210,
        };
        stamp(&mut p, h);
        assert_eq!(p.len(), 64);
        assert_eq!(decode(&p), Some(h));
        assert_eq!(decode(b"short"), None);
        assert_eq!(decode(&[0u8; 32]), None);
    }
}
