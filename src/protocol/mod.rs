//! The Redis wire protocol: parsing requests and encoding replies, with no I/O.

pub mod parser;
pub mod reply;

pub use reply::{Protocol, ReplyBuf};
