//! `herald-bench`: a Pub/Sub load tester for any Redis-compatible server.
//!
//! This module is the library half of the `herald-bench` binary. It deliberately shares no code
//! with Herald's server modules: it has its own RESP encoder and reader ([`resp`]) so that it
//! measures Herald, Redis and Valkey the same way, over TCP.
//!
//! Scenarios:
//! - [`fanout`]: S subscribers over C channels, P publishers, end-to-end latency, loss,
//!   duplicates and reordering.
//! - [`conns`]: server memory per idle subscriber connection.
//! - [`patterns`]: publish cost with many non-matching pattern subscriptions.
//! - [`slowsub`]: a subscriber that never reads, beside healthy ones.
//! - [`churn`]: clients subscribing and unsubscribing while a publisher publishes; checks that
//!   each subscription sees exactly the messages it must.

pub mod churn;
pub mod cli;
pub mod conn;
pub mod conns;
pub mod error;
pub mod fanout;
pub mod patterns;
pub mod payload;
pub mod plot;
pub mod progress;
pub mod report;
pub mod resp;
pub mod slowsub;

pub use error::{BenchError, Result};
