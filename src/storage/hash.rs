//! The hash type.

use bytes::Bytes;
use std::collections::HashMap;

/// A map of binary-safe fields to values.
#[derive(Debug, Clone, Default)]
pub struct Hash {
    /// Field to value.
    pub fields: HashMap<Bytes, Bytes>,
}
