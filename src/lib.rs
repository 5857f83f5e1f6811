//! Herald: a Redis-compatible real-time messaging server.
//!
//! The library is the whole server, embeddable in-process: build a [`Config`], call
//! [`Server::start`] on a tokio runtime, read the bound port, and [`Server::shutdown`] when done.
//! The `herald-server` binary is a thin wrapper around it.

pub mod acl;
pub mod aof;
pub mod bench;
pub mod commands;
pub mod config;
pub mod memory;
pub mod notify;
pub mod persistence;
pub mod protocol;
pub mod pubsub;
pub mod server;
pub mod storage;
pub mod tls;

pub use config::Config;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
pub use server::Server;
