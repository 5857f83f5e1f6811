//! Redis's RDB snapshot format: constants, the writer ([`write`]) and the loader ([`read`]).
//!
//! Herald writes version 10 (Redis 7.0; every Redis since loads it), or 12 (Redis 7.4) when a
//! hash has field TTLs, which older versions cannot express. It loads versions 1 to 12.

pub mod encoding;
pub mod read;
mod stream;
pub mod write;

pub use read::{load_bytes, load_file, LoadStats, RdbError};
pub use write::{version_for, write_keyspace, RdbWriter, WriteOptions};

/// The version Herald writes.
pub const RDB_VERSION: u32 = 10;
/// The version Herald writes when hashes have field TTLs (Redis 7.4's format).
pub const RDB_VERSION_HFE: u32 = 12;
/// The newest version Herald loads.
pub const RDB_MAX_VERSION: u32 = 12;

// Opcodes.
pub(crate) const OP_SLOT_INFO: u8 = 244;
pub(crate) const OP_FUNCTION2: u8 = 245;
pub(crate) const OP_FUNCTION_PRE_GA: u8 = 246;
pub(crate) const OP_MODULE_AUX: u8 = 247;
pub(crate) const OP_IDLE: u8 = 248;
pub(crate) const OP_FREQ: u8 = 249;
pub(crate) const OP_AUX: u8 = 250;
pub(crate) const OP_RESIZEDB: u8 = 251;
pub(crate) const OP_EXPIRETIME_MS: u8 = 252;
pub(crate) const OP_EXPIRETIME: u8 = 253;
pub(crate) const OP_SELECTDB: u8 = 254;
pub(crate) const OP_EOF: u8 = 255;

// Value types.
pub(crate) const TYPE_STRING: u8 = 0;
pub(crate) const TYPE_LIST: u8 = 1;
pub(crate) const TYPE_SET: u8 = 2;
pub(crate) const TYPE_ZSET: u8 = 3;
pub(crate) const TYPE_HASH: u8 = 4;
pub(crate) const TYPE_ZSET_2: u8 = 5;
pub(crate) const TYPE_MODULE_PRE_GA: u8 = 6;
pub(crate) const TYPE_MODULE_2: u8 = 7;
pub(crate) const TYPE_HASH_ZIPMAP: u8 = 9;
pub(crate) const TYPE_LIST_ZIPLIST: u8 = 10;
pub(crate) const TYPE_SET_INTSET: u8 = 11;
pub(crate) const TYPE_ZSET_ZIPLIST: u8 = 12;
pub(crate) const TYPE_HASH_ZIPLIST: u8 = 13;
pub(crate) const TYPE_LIST_QUICKLIST: u8 = 14;
pub(crate) const TYPE_STREAM_LISTPACKS: u8 = 15;
pub(crate) const TYPE_HASH_LISTPACK: u8 = 16;
pub(crate) const TYPE_ZSET_LISTPACK: u8 = 17;
pub(crate) const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub(crate) const TYPE_STREAM_LISTPACKS_2: u8 = 19;
pub(crate) const TYPE_SET_LISTPACK: u8 = 20;
pub(crate) const TYPE_STREAM_LISTPACKS_3: u8 = 21;
pub(crate) const TYPE_HASH_METADATA_PRE_GA: u8 = 22;
pub(crate) const TYPE_HASH_LISTPACK_EX_PRE_GA: u8 = 23;
pub(crate) const TYPE_HASH_METADATA: u8 = 24;
pub(crate) const TYPE_HASH_LISTPACK_EX: u8 = 25;

// Length / string encodings.
pub(crate) const LEN_32BIT: u8 = 0x80;
pub(crate) const LEN_64BIT: u8 = 0x81;
pub(crate) const ENC_MARK: u8 = 0xc0;
pub(crate) const ENC_INT8: u8 = 0;
pub(crate) const ENC_INT16: u8 = 1;
pub(crate) const ENC_INT32: u8 = 2;
pub(crate) const ENC_LZF: u8 = 3;

/// Quicklist node containers in RDB_TYPE_LIST_QUICKLIST_2.
pub(crate) const QUICKLIST_PLAIN: u64 = 1;
pub(crate) const QUICKLIST_PACKED: u64 = 2;
