//! The set type.

use bytes::Bytes;
use std::collections::HashSet;

/// A set of binary-safe members.
#[derive(Debug, Clone, Default)]
pub struct Set {
    /// The members.
    pub members: HashSet<Bytes>,
}
