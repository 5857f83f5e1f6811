//! The list type.

use bytes::Bytes;
use std::collections::VecDeque;

/// A list of binary-safe elements.
#[derive(Debug, Clone, Default)]
pub struct List {
    /// The elements, head first.
    pub items: VecDeque<Bytes>,
}
