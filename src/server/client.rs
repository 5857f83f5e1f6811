//! What the rest of the server may see of a connected client: its identity, its outbound
//! queue, and the fields CLIENT LIST reports. The connection task owns everything else.

use super::outbox::Outbox;
use crate::config::{ClientClass, OutputLimit};
use crate::protocol::Protocol;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Introspection fields that change while the client runs.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub name: Vec<u8>,
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
    pub db: usize,
    pub last_cmd: &'static str,
    pub last_interaction: Instant,
    pub user: String,
    pub subscriptions: usize,
    pub patterns: usize,
    pub shard_subscriptions: usize,
    pub in_multi: Option<usize>,
    pub query_buf: usize,
}

/// A connected client as other tasks see it (shared through `Arc`).
#[derive(Debug)]
pub struct ClientHandle {
    /// Unique, increasing id (CLIENT ID).
    pub id: u64,
    /// The peer's address.
    pub addr: SocketAddr,
    /// Our local address for this connection.
    pub laddr: SocketAddr,
    /// When the connection was accepted.
    pub created: Instant,
    /// Outbound queue shared with publishers.
    pub outbox: Arc<Outbox>,
    proto: AtomicU8,
    /// True while the client has at least one (pattern/shard) subscription: its output buffer is
    /// then limited by the `pubsub` class.
    pubsub: AtomicBool,
    info: Mutex<ClientInfo>,
}

impl ClientHandle {
    /// A handle for a newly accepted connection.
    pub fn new(id: u64, addr: SocketAddr, laddr: SocketAddr) -> Self {
        let now = Instant::now();
        ClientHandle {
            id,
            addr,
            laddr,
            created: now,
            outbox: Arc::new(Outbox::default()),
            proto: AtomicU8::new(2),
            pubsub: AtomicBool::new(false),
            info: Mutex::new(ClientInfo {
                name: Vec::new(),
                lib_name: Vec::new(),
                lib_ver: Vec::new(),
                db: 0,
                last_cmd: "NULL",
                last_interaction: now,
                user: "default".into(),
                subscriptions: 0,
                patterns: 0,
                shard_subscriptions: 0,
                in_multi: None,
                query_buf: 0,
            }),
        }
    }

    /// Locks the introspection fields.
    pub fn info(&self) -> MutexGuard<'_, ClientInfo> {
        self.info.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The protocol pushes must be encoded in.
    pub fn protocol(&self) -> Protocol {
        if self.proto.load(Ordering::Relaxed) == 3 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        }
    }

    /// Records a protocol switch (HELLO).
    pub fn set_protocol(&self, p: Protocol) {
        self.proto.store(p.version() as u8, Ordering::Relaxed);
    }

    /// Marks whether the client is subscribed to anything.
    pub fn set_pubsub(&self, on: bool) {
        self.pubsub.store(on, Ordering::Relaxed);
    }

    /// The output-buffer class that applies to this client now.
    pub fn class(&self) -> ClientClass {
        if self.pubsub.load(Ordering::Relaxed) {
            ClientClass::Pubsub
        } else {
            ClientClass::Normal
        }
    }
}

/// Output-buffer limits per class, readable on the publish path without locking the config.
#[derive(Debug, Default)]
pub struct OutputLimits {
    values: [[AtomicUsize; 3]; 3],
}

impl OutputLimits {
    /// Stores the limits from the configuration.
    pub fn store(&self, limits: &[OutputLimit; 3]) {
        for (slot, l) in self.values.iter().zip(limits) {
            slot[0].store(l.hard as usize, Ordering::Relaxed);
            slot[1].store(l.soft as usize, Ordering::Relaxed);
            slot[2].store(l.soft_seconds as usize, Ordering::Relaxed);
        }
    }

    /// The limits for one class.
    pub fn get(&self, class: ClientClass) -> OutputLimit {
        let slot = &self.values[class as usize];
        OutputLimit {
            hard: slot[0].load(Ordering::Relaxed) as u64,
            soft: slot[1].load(Ordering::Relaxed) as u64,
            soft_seconds: slot[2].load(Ordering::Relaxed) as u64,
        }
    }
}

/// Every connected client by id (CLIENT LIST, CLIENT KILL, INFO clients, maxclients).
#[derive(Debug, Default)]
pub struct ClientRegistry {
    clients: Mutex<HashMap<u64, Arc<ClientHandle>>>,
}

impl ClientRegistry {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<ClientHandle>>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a client unless `max` are already connected.
    pub fn register(&self, client: Arc<ClientHandle>, max: usize) -> bool {
        let mut map = self.lock();
        if map.len() >= max {
            return false;
        }
        map.insert(client.id, client);
        true
    }

    /// Forgets a client that disconnected.
    pub fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Number of connected clients.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no client is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All clients, ordered by id.
    pub fn snapshot(&self) -> Vec<Arc<ClientHandle>> {
        let mut v: Vec<_> = self.lock().values().cloned().collect();
        v.sort_by_key(|c| c.id);
        v
    }

    /// One client by id.
    pub fn get(&self, id: u64) -> Option<Arc<ClientHandle>> {
        self.lock().get(&id).cloned()
    }
}
