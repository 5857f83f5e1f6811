//! The network server: listeners, the state every connection shares, and start/stop of an
//! embeddable Herald instance.

pub mod blocking;
pub mod client;
pub mod connection;
pub mod evict;
pub mod expiry;
pub mod outbox;
pub mod transport;

use crate::config::Config;
use crate::pubsub::PubSub;
use crate::storage::Keyspace;
use client::{ClientHandle, ClientRegistry, OutputLimits};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Errors starting a server.
#[derive(Debug, Error)]
pub enum StartError {
    /// No listener could be bound.
    #[error("could not bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    /// A bind address was not an IP address.
    #[error("invalid bind address '{0}'")]
    BadAddress(String),
    /// The configured users or the ACL file could not be loaded.
    #[error("{0}")]
    Acl(String),
    /// The snapshot could not be loaded: Herald refuses to run with part of the data.
    #[error("Fatal error loading the DB, exiting: {0}")]
    Load(#[from] crate::persistence::rdb::RdbError),
    /// The append-only file could not be loaded or opened.
    #[error("{0}")]
    Aof(#[from] crate::aof::AofError),
    /// `tls-port` is set but the TLS configuration is unusable.
    #[error("failed to configure TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
}

/// Counters reported by INFO stats; reset by CONFIG RESETSTAT.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections_received: AtomicU64,
    pub commands_processed: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub net_input_bytes: AtomicU64,
    /// Shared with every client's outbox, which counts what it writes.
    pub net_output_bytes: Arc<AtomicU64>,
    pub pubsub_messages: AtomicU64,
    pub output_limit_disconnections: AtomicU64,
    pub unexpected_error_replies: AtomicU64,
    pub total_error_replies: AtomicU64,
    /// Keys deleted by the maxmemory policy.
    pub evicted_keys: AtomicU64,
    /// Failed authentications (`acl_access_denied_auth`).
    pub acl_denied_auth: AtomicU64,
    /// Commands refused by ACL (`acl_access_denied_cmd`).
    pub acl_denied_cmd: AtomicU64,
    /// Keys refused by ACL (`acl_access_denied_key`).
    pub acl_denied_key: AtomicU64,
    /// Channels refused by ACL (`acl_access_denied_channel`).
    pub acl_denied_channel: AtomicU64,
}

impl Stats {
    /// Zeroes every counter.
    pub fn reset(&self) {
        for c in [
            &self.connections_received,
            &self.commands_processed,
            &self.rejected_connections,
            &self.net_input_bytes,
            &*self.net_output_bytes,
            &self.pubsub_messages,
            &self.output_limit_disconnections,
            &self.unexpected_error_replies,
            &self.total_error_replies,
            &self.evicted_keys,
            &self.acl_denied_auth,
            &self.acl_denied_cmd,
            &self.acl_denied_key,
            &self.acl_denied_channel,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// Configuration values read on every request, mirrored in atomics so the hot path never takes
/// the configuration lock.
#[derive(Debug, Default)]
pub struct HotConfig {
    /// `timeout` in seconds (0 = never).
    pub timeout: AtomicU64,
    /// `proto-max-bulk-len`.
    pub proto_max_bulk_len: AtomicI64,
    /// `client-query-buffer-limit`.
    pub query_buffer_limit: AtomicU64,
    /// `notify-keyspace-events` mask.
    pub notify_flags: AtomicU32,
    /// `maxmemory` in bytes (0 = no limit).
    pub maxmemory: AtomicU64,
    /// `maxmemory-policy` as [`crate::config::MaxmemoryPolicy`]'s `u8`.
    pub maxmemory_policy: std::sync::atomic::AtomicU8,
    /// `maxmemory-samples`.
    pub maxmemory_samples: AtomicU64,
}

/// State shared by all connections of one server.
pub struct Shared {
    config: RwLock<Config>,
    /// Output-buffer limits, mirrored from the config for the publish path.
    pub output_limits: OutputLimits,
    /// Other per-request configuration values, mirrored from the config.
    pub hot: HotConfig,
    /// Connected clients.
    pub clients: ClientRegistry,
    /// The Pub/Sub registry.
    pub pubsub: PubSub,
    /// Clients blocked on keys (BLPOP, BZPOPMIN, ...).
    pub blocking: blocking::Blocking,
    /// ACL users.
    pub acl: crate::acl::Acl,
    keyspace: Mutex<Keyspace>,
    /// Held for reading by every keyspace command and for writing by EXEC, so that a
    /// transaction runs with no other client's keyspace command in between.
    exec_gate: RwLock<()>,
    /// INFO counters.
    pub stats: Stats,
    /// When the server started.
    pub started: Instant,
    /// Random 40-hex-digit id for this run (INFO `run_id`).
    pub run_id: String,
    /// The TCP port actually bound (after port 0 resolution).
    pub tcp_port: u16,
    /// The TLS configuration new connections on `tls-port` use (reloaded by CONFIG SET).
    pub tls: crate::tls::TlsAcceptor,
    /// The accept loops of `tls-port`, replaced when CONFIG SET changes the port.
    tls_listeners: Mutex<Vec<JoinHandle<()>>>,
    next_client_id: AtomicU64,
    shutdown_tx: watch::Sender<bool>,
    /// Bumped on every configuration change, so waiting connections re-read what they cache.
    config_epoch: watch::Sender<u64>,
    /// Set when SHUTDOWN was requested by a client, so the binary knows to exit.
    pub shutdown_requested: AtomicBool,
    /// Snapshot state (LASTSAVE, BGSAVE child, INFO persistence).
    pub persistence: crate::persistence::State,
    /// The append-only file.
    pub aof: crate::aof::Aof,
}

/// The keyspace lock, held for one command. Released, it appends the command to the AOF if
/// the command changed the keyspace meanwhile, so the AOF records changes in the order they
/// were applied (see `aof::propagate`).
pub struct KeyspaceGuard<'a> {
    guard: MutexGuard<'a, Keyspace>,
    aof: &'a crate::aof::Aof,
    /// The modification and AOF-event counters when the lock was taken with the AOF on.
    start: Option<(u64, u64)>,
}

impl std::ops::Deref for KeyspaceGuard<'_> {
    type Target = Keyspace;
    fn deref(&self) -> &Keyspace {
        &self.guard
    }
}

impl std::ops::DerefMut for KeyspaceGuard<'_> {
    fn deref_mut(&mut self) -> &mut Keyspace {
        &mut self.guard
    }
}

impl Drop for KeyspaceGuard<'_> {
    fn drop(&mut self) {
        if let Some((dirty, events)) = self.start {
            self.aof.on_release(&self.guard, dirty, events);
        }
    }
}

impl Shared {
    /// The configuration, for reading.
    pub fn config(&self) -> RwLockReadGuard<'_, Config> {
        self.config.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The configuration, for CONFIG SET. Call [`Shared::config_changed`] afterwards.
    pub fn config_mut(&self) -> RwLockWriteGuard<'_, Config> {
        self.config.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Propagates configuration values that are cached elsewhere.
    pub fn config_changed(&self) {
        let cfg = self.config();
        self.output_limits.store(&cfg.output_limits);
        self.hot.timeout.store(cfg.timeout, Ordering::Relaxed);
        self.hot
            .proto_max_bulk_len
            .store(cfg.proto_max_bulk_len, Ordering::Relaxed);
        self.hot
            .query_buffer_limit
            .store(cfg.client_query_buffer_limit, Ordering::Relaxed);
        self.hot
            .notify_flags
            .store(cfg.notify_keyspace_events, Ordering::Relaxed);
        self.hot.maxmemory.store(cfg.maxmemory, Ordering::Relaxed);
        self.hot
            .maxmemory_policy
            .store(cfg.maxmemory_policy as u8, Ordering::Relaxed);
        self.hot
            .maxmemory_samples
            .store(cfg.maxmemory_samples, Ordering::Relaxed);
        self.acl.sync_config(&cfg);
        crate::storage::set_lfu_params(
            cfg.maxmemory_policy.is_lfu(),
            cfg.lfu_log_factor,
            cfg.lfu_decay_time,
        );
        let aof = cfg.aof.clone();
        drop(cfg);
        self.aof.apply_config(&aof);
        self.config_epoch.send_modify(|e| *e += 1);
    }

    /// Shared hold on the exec gate, for the duration of one keyspace command.
    pub fn exec_gate_shared(&self) -> RwLockReadGuard<'_, ()> {
        self.exec_gate.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive hold on the exec gate, for the duration of EXEC.
    pub fn exec_gate_exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.exec_gate.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The keyspace, locked for one command.
    pub fn keyspace(&self) -> KeyspaceGuard<'_> {
        let guard = self.keyspace.lock().unwrap_or_else(|e| e.into_inner());
        let start = self
            .aof
            .feeding()
            .then(|| (guard.dirty(), self.aof.event_feeds()));
        KeyspaceGuard {
            guard,
            aof: &self.aof,
            start,
        }
    }

    /// Asks the server to stop accepting and close every connection.
    pub fn request_shutdown(&self) {
        self.shutdown_requested.store(true, Ordering::SeqCst);
        let _ = self.shutdown_tx.send(true);
    }

    /// A receiver that changes whenever the configuration does.
    pub fn config_epoch(&self) -> watch::Receiver<u64> {
        self.config_epoch.subscribe()
    }

    /// A receiver that resolves when shutdown is requested.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown_tx.subscribe()
    }

    fn tls_listeners(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.tls_listeners.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts TLS clients on `listeners`, in place of the previous TLS listeners (closed).
    fn serve_tls(self: &Arc<Self>, listeners: Vec<TcpListener>) {
        let tasks = listeners
            .into_iter()
            .map(|l| tokio::spawn(accept_loop(l, self.clone(), true)))
            .collect();
        for old in std::mem::replace(&mut *self.tls_listeners(), tasks) {
            old.abort();
        }
    }

    /// Moves the TLS listeners to `config.tls.port` (0 closes them), as CONFIG SET tls-port
    /// does. The new port is bound before the old one is closed; on error nothing changes.
    pub fn set_tls_port(self: &Arc<Self>, config: &Config) -> Result<(), StartError> {
        let listeners = match config.tls.port {
            0 => Vec::new(),
            port => bind_all(config, port)?.0,
        };
        self.serve_tls(listeners);
        Ok(())
    }

    /// A client id never used before in this server.
    pub fn next_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// A running Herald server. Dropping it does not stop it; call [`Server::shutdown`].
pub struct Server {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

fn random_hex(n: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut s = String::with_capacity(n);
    while s.len() < n {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        s.push_str(&format!("{:016x}", h.finish()));
    }
    s.truncate(n);
    s
}

impl Server {
    /// Binds every configured address and starts accepting clients on the current tokio
    /// runtime. With port 0 the OS picks a free port, shared by all bind addresses.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        // Load the snapshot before accepting anyone.
        let mut keyspace = Keyspace::new(config.databases);
        let loaded = crate::persistence::load_at_start(&config, &mut keyspace)?;
        let (listeners, port) = bind_all(&config, config.port)?;
        let tls = crate::tls::TlsAcceptor::default();
        let tls_listeners = if config.tls.port == 0 {
            Vec::new()
        } else {
            tls.reload(&config.tls)?;
            bind_all(&config, config.tls.port)?.0
        };
        let acl = crate::acl::Acl::from_config(&config).map_err(StartError::Acl)?;
        let (shutdown_tx, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            acl,
            output_limits: OutputLimits::default(),
            hot: HotConfig::default(),
            clients: ClientRegistry::default(),
            pubsub: PubSub::default(),
            blocking: blocking::Blocking::default(),
            persistence: crate::persistence::State::new(keyspace.dirty(), loaded),
            keyspace: Mutex::new(keyspace),
            exec_gate: RwLock::new(()),
            stats: Stats::default(),
            started: Instant::now(),
            run_id: random_hex(40),
            tcp_port: port,
            tls,
            tls_listeners: Mutex::new(Vec::new()),
            next_client_id: AtomicU64::new(1),
            shutdown_tx,
            config_epoch: watch::channel(0).0,
            shutdown_requested: AtomicBool::new(false),
            aof: crate::aof::Aof::default(),
            config: RwLock::new(config),
        });
        shared.config_changed();
        // Before any client is accepted: the AOF, when enabled, is the data set to start from.
        shared.aof.start(&shared)?;
        let addrs: Vec<SocketAddr> = listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect();
        let mut tasks: Vec<JoinHandle<()>> = listeners
            .into_iter()
            .map(|l| tokio::spawn(accept_loop(l, shared.clone(), false)))
            .collect();
        shared.serve_tls(tls_listeners);
        // Active expiry (and the keyspace's own `new` / `expired` events); stops on shutdown.
        tasks.push(expiry::start(&shared));
        // Snapshot rules and BGSAVE children.
        tasks.push(crate::persistence::start_cron(&shared));
        Ok(Server {
            shared,
            addrs,
            tasks,
        })
    }

    /// The addresses actually bound.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The TCP port clients connect to.
    pub fn port(&self) -> u16 {
        self.shared.tcp_port
    }

    /// The shared state (for embedding and tests).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Resolves when a client sent SHUTDOWN (or [`Server::shutdown`] was called elsewhere).
    pub async fn wait_for_shutdown(&self) {
        let mut rx = self.shared.shutdown_signal();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Stops accepting, disconnects every client and waits for the listeners to finish.
    pub async fn shutdown(self) {
        self.shared.request_shutdown();
        for c in self.shared.clients.snapshot() {
            c.outbox.close(outbox::CloseReason::Killed);
        }
        let tls_tasks = std::mem::take(&mut *self.shared.tls_listeners());
        for t in self.tasks.into_iter().chain(tls_tasks) {
            let _ = t.await;
        }
        self.shared.aof.shutdown();
    }
}

fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog as i32)?;
    TcpListener::from_std(socket.into())
}

/// Binds every `bind` address on `port`; port 0 is resolved by the first bind and shared by the
/// rest. Returns the listeners and the port.
fn bind_all(config: &Config, mut port: u16) -> Result<(Vec<TcpListener>, u16), StartError> {
    let mut listeners = Vec::new();
    for spec in &config.bind {
        // A leading '-' marks an address that may be unavailable (e.g. no IPv6), as in Redis.
        let (optional, host) = match spec.strip_prefix('-') {
            Some(h) => (true, h),
            None => (false, spec.as_str()),
        };
        let host = if host == "*" { "0.0.0.0" } else { host };
        let ip: std::net::IpAddr = host
            .parse()
            .map_err(|_| StartError::BadAddress(spec.clone()))?;
        let addr = SocketAddr::new(ip, port);
        match bind(addr, config.tcp_backlog) {
            Ok(l) => {
                if port == 0 {
                    port = l.local_addr().map(|a| a.port()).unwrap_or(0);
                }
                listeners.push(l);
            }
            Err(e) if optional => {
                tracing::warn!("could not bind {addr} ({e}), continuing without it");
            }
            Err(source) => {
                return Err(StartError::Bind {
                    addr: addr.to_string(),
                    source,
                })
            }
        }
    }
    Ok((listeners, port))
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tls: bool) {
    let mut stop = shared.shutdown_signal();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        match accepted {
            Ok((stream, addr)) => accept_client(stream, addr, &shared, tls),
            Err(e) => {
                // Typically EMFILE: back off briefly rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// What Redis 7 tells a non-loopback client when protected mode is on and no password is set.
const PROTECTED_MODE_DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Sends a refused client its error and closes the connection. On the TLS port the error would
/// arrive as plaintext in the middle of a TLS handshake, so the connection is just closed.
fn refuse(stream: TcpStream, reply: &'static [u8], tls: bool) {
    if tls {
        return;
    }
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut stream = stream;
        let _ = stream.write_all(reply).await;
    });
}

/// Accepts a client on the plain port, or on the TLS port (`tls`: its session starts with the
/// TLS configuration in force now).
fn accept_client(stream: TcpStream, addr: SocketAddr, shared: &Arc<Shared>, tls: bool) {
    shared
        .stats
        .connections_received
        .fetch_add(1, Ordering::Relaxed);
    let _ = stream.set_nodelay(true);
    let keepalive = shared.config().tcp_keepalive;
    if keepalive > 0 {
        let sock = socket2::SockRef::from(&stream);
        let ka = socket2::TcpKeepalive::new().with_time(std::time::Duration::from_secs(keepalive));
        let _ = sock.set_tcp_keepalive(&ka);
    }
    // "No password set" means the default user is `nopass`, as in Redis 7.
    let protected = shared.config().protected_mode && shared.acl.default_is_nopass();
    if protected && !addr.ip().is_loopback() {
        shared
            .stats
            .rejected_connections
            .fetch_add(1, Ordering::Relaxed);
        refuse(stream, PROTECTED_MODE_DENIED.as_bytes(), tls);
        return;
    }
    let laddr = stream.local_addr().unwrap_or(addr);
    let handle = Arc::new(ClientHandle::new(shared.next_id(), addr, laddr));
    let max = shared.config().maxclients;
    if !shared.clients.register(handle.clone(), max) {
        shared
            .stats
            .rejected_connections
            .fetch_add(1, Ordering::Relaxed);
        refuse(stream, b"-ERR max number of clients reached\r\n", tls);
        return;
    }
    let transport = if tls {
        match shared
            .tls
            .current()
            .map(|config| transport::TlsStream::new(stream, config))
        {
            Some(Ok(t)) => transport::Transport::Tls(Box::new(t)),
            _ => {
                tracing::warn!(%addr, "TLS unavailable, closing the connection");
                shared.clients.remove(handle.id);
                return;
            }
        }
    } else {
        transport::Transport::Plain(stream)
    };
    tracing::debug!(id = handle.id, %addr, tls, "client connected");
    tokio::spawn(connection::run(transport, shared.clone(), handle));
}
