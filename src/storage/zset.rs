//! The sorted set type.

use bytes::Bytes;
use std::collections::HashMap;

/// A set of members ordered by score.
#[derive(Debug, Clone, Default)]
pub struct ZSet {
    /// Member to score.
    pub scores: HashMap<Bytes, f64>,
}
