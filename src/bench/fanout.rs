//! The fan-out engine: S subscribers over C channels, P pipelined publishers.
//!
//! Every publisher stamps its id, a per-publisher sequence number and the send time into each
//! payload. Subscribers record end-to-end latency and check, per publisher, that sequence
//! numbers only increase. The number of deliveries the server promised is the sum of the
//! integer replies to PUBLISH; `lost` is that minus the distinct messages received.
//!
//! The other scenarios reuse this engine (`patterns` and `slowsub` run it beside connections of
//! their own).

use super::conn::{Conn, Reader, Target};
use super::error::{BenchError, Result};
use super::payload::{decode, new_payload, stamp, Header, HEADER_LEN};
use super::progress::{Progress, Ticker};
use super::report::{new_histogram, Latency, Report};
use super::resp::Frame;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// How many connections are opened at once.
pub const CONNECT_CONCURRENCY: usize = 128;
/// How long subscribing may take (per run).
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a publisher waits for the replies to its last in-flight publishes.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// Latency samples buffered by a subscriber before they go into the shared histogram.
const SAMPLE_BATCH: usize = 4096;
/// The most PUBLISH commands written in one write.
const MAX_WRITE_BATCH: usize = 256;

/// What the subscribers subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// SUBSCRIBE / PUBLISH.
    Channels,
    /// PSUBSCRIBE to a pattern matching exactly one channel / PUBLISH.
    Patterns,
    /// SSUBSCRIBE / SPUBLISH.
    Sharded,
}

impl Mode {
    /// The subscribe command.
    pub fn subscribe(self) -> &'static str {
        match self {
            Mode::Channels => "SUBSCRIBE",
            Mode::Patterns => "PSUBSCRIBE",
            Mode::Sharded => "SSUBSCRIBE",
        }
    }

    /// The unsubscribe command.
    pub fn unsubscribe(self) -> &'static str {
        match self {
            Mode::Channels => "UNSUBSCRIBE",
            Mode::Patterns => "PUNSUBSCRIBE",
            Mode::Sharded => "SUNSUBSCRIBE",
        }
    }

    /// The publish command.
    pub fn publish(self) -> &'static str {
        match self {
            Mode::Sharded => "SPUBLISH",
            _ => "PUBLISH",
        }
    }

    /// The first element of a subscribe confirmation.
    pub fn subscribe_kind(self) -> &'static [u8] {
        match self {
            Mode::Channels => b"subscribe",
            Mode::Patterns => b"psubscribe",
            Mode::Sharded => b"ssubscribe",
        }
    }

    /// The first element of an unsubscribe confirmation.
    pub fn unsubscribe_kind(self) -> &'static [u8] {
        match self {
            Mode::Channels => b"unsubscribe",
            Mode::Patterns => b"punsubscribe",
            Mode::Sharded => b"sunsubscribe",
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Channels => "channels",
            Mode::Patterns => "patterns",
            Mode::Sharded => "sharded",
        }
    }
}

/// Name of channel `i`. Channels end in `:c` so that the pattern `<prefix>:<i>:*` matches
/// exactly one of them (a bare `<channel>*` would also match channel 10 for channel 1).
pub fn channel_name(prefix: &str, i: usize) -> String {
    format!("{prefix}:{i}:c")
}

/// What a subscriber of channel `i` subscribes to in `mode`.
pub fn subscription_name(mode: Mode, prefix: &str, i: usize) -> String {
    match mode {
        Mode::Patterns => format!("{prefix}:{i}:*"),
        _ => channel_name(prefix, i),
    }
}

/// A prefix for this run's channel names, unlikely to collide with another run's.
pub fn run_prefix(scenario: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("hb:{scenario}:{:x}{:05x}", std::process::id(), nanos >> 12)
}

/// The channels subscriber `j` of `s` subscribes to, of `c` channels: subscribers are spread
/// round-robin over channels, and when there are fewer subscribers than channels each takes
/// every s-th channel so that every channel has a subscriber.
pub fn subscriber_channels(j: usize, s: usize, c: usize) -> Vec<usize> {
    if s >= c {
        vec![j % c]
    } else {
        (j..c).step_by(s).collect()
    }
}

/// When the drain after publishing is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainTarget {
    /// When the subscribers received the sum of the PUBLISH replies.
    FromReplies,
    /// When every subscriber received every published message (for one channel with extra,
    /// non-reading subscribers that the replies count).
    EverySubscriberGetsAll,
}

/// Parameters of a fan-out run.
#[derive(Debug, Clone)]
pub struct FanoutParams {
    pub subscribers: usize,
    pub channels: usize,
    pub publishers: usize,
    pub payload: usize,
    pub window: usize,
    /// Total publish rate limit, messages per second.
    pub rate: Option<f64>,
    pub mode: Mode,
    /// Total messages to publish.
    pub messages: Option<u64>,
    pub duration: Duration,
    /// The drain stops after this long without a delivery.
    pub drain_timeout: Duration,
    pub prefix: String,
    pub drain: DrainTarget,
    pub quiet: bool,
    pub label: String,
}

impl FanoutParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(BenchError::Config(m.to_string()));
        if self.subscribers == 0 && self.drain == DrainTarget::EverySubscriberGetsAll {
            return bad("at least one subscriber is needed");
        }
        if self.channels == 0 {
            return bad("--channels must be at least 1");
        }
        if self.publishers == 0 || self.publishers > u16::MAX as usize {
            return bad("--publishers must be between 1 and 65535");
        }
        if self.payload < HEADER_LEN {
            return bad("--payload must be at least 16 bytes (the header)");
        }
        if self.payload > 512 * 1024 * 1024 {
            return bad("--payload must be at most 512 MB");
        }
        if self.window == 0 || self.window > 1_000_000 {
            return bad("--window must be between 1 and 1000000");
        }
        if let Some(r) = self.rate {
            if !(r.is_finite() && r > 0.0) {
                return bad("--rate must be a positive number");
            }
        }
        if self.messages == Some(0) {
            return bad("--messages must be at least 1");
        }
        if let Some(m) = self.messages {
            if m / self.publishers as u64 >= u32::MAX as u64 {
                return bad("--messages: at most 4294967295 per publisher");
            }
        }
        Ok(())
    }

    /// Records the parameters in a report.
    pub fn describe(&self, r: &mut Report) {
        r.param("subscribers", self.subscribers);
        r.param("channels", self.channels);
        r.param("publishers", self.publishers);
        r.param("payload", self.payload);
        r.param("window", self.window);
        r.param("mode", self.mode.name());
        if let Some(rate) = self.rate {
            r.param("rate", rate);
        }
        if let Some(m) = self.messages {
            r.param("messages", m);
        }
        r.param("duration_s", self.duration.as_secs_f64());
    }
}

/// What one subscriber saw.
#[derive(Debug, Default, Clone)]
struct SubStats {
    received: u64,
    duplicated: u64,
    reordered: u64,
    /// Messages without a benchmark header.
    foreign: u64,
    errors: u64,
    last_recv_ns: u64,
    error: Option<String>,
}

/// What one publisher did.
#[derive(Debug, Default, Clone)]
struct PubStats {
    acked: u64,
    errors: u64,
    expected: u64,
    first_send_ns: u64,
    last_reply_ns: u64,
    error: Option<String>,
}

/// The result of a fan-out run.
#[derive(Debug, Clone)]
pub struct FanoutOutcome {
    /// PUBLISH commands acknowledged (with an integer or an error).
    pub published: u64,
    pub publish_errors: u64,
    /// Sum of the PUBLISH replies: deliveries the server promised.
    pub expected: u64,
    pub received: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub foreign: u64,
    pub subscriber_errors: u64,
    pub publish_secs: f64,
    pub deliver_secs: f64,
    /// Messages received by each subscriber.
    pub per_subscriber: Vec<u64>,
    /// Whether the drain reached its target (false: it gave up after the drain timeout).
    pub drained: bool,
    pub histogram: Histogram<u64>,
    /// First errors seen, for the report's notes.
    pub notes: Vec<String>,
}

impl FanoutOutcome {
    /// Deliveries promised but not received.
    pub fn lost(&self) -> u64 {
        self.expected
            .saturating_sub(self.received.saturating_sub(self.duplicated))
    }

    /// Fills the common fields of a report.
    pub fn fill(&self, r: &mut Report) {
        r.published = self.published;
        r.publish_rate = rate(self.published, self.publish_secs);
        r.delivered = self.received;
        r.delivered_rate = rate(self.received, self.deliver_secs);
        r.latency = Latency::from_histogram(&self.histogram);
        r.histogram = Some(self.histogram.clone());
        r.lost = self.lost();
        r.duplicated = self.duplicated;
        r.reordered = self.reordered;
        r.errors = self.publish_errors + self.subscriber_errors;
        r.extra("expected_deliveries", self.expected);
        if self.foreign > 0 {
            r.extra("foreign_messages", self.foreign);
        }
        if !self.drained {
            r.notes.push(format!(
                "drain gave up: {} of {} expected deliveries arrived",
                self.received, self.expected
            ));
        }
        r.notes.extend(self.notes.iter().cloned());
    }
}

/// `n / secs`, 0 when no time passed.
pub fn rate(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

fn ns_since(t0: Instant) -> u64 {
    t0.elapsed().as_nanos() as u64
}

/// A Pub/Sub frame, classified.
pub enum PubSubFrame<'a> {
    /// A message (`message`, `pmessage` or `smessage`) with its payload.
    Message(&'a [u8]),
    /// A subscribe or unsubscribe confirmation: kind and the channel or pattern.
    Confirm(&'a [u8], &'a [u8]),
    /// An error reply.
    Error(&'a [u8]),
    /// Anything else.
    Other,
}

/// Classifies a frame read by a subscriber.
pub fn classify<'a>(f: &'a Frame<'a>) -> PubSubFrame<'a> {
    if let Frame::Error(e) = f {
        return PubSubFrame::Error(e);
    }
    let Some(items) = f.items() else {
        return PubSubFrame::Other;
    };
    let Some(kind) = items.first().and_then(Frame::bytes) else {
        return PubSubFrame::Other;
    };
    match (kind, items.len()) {
        (b"message" | b"smessage", 3) => match items[2].bytes() {
            Some(p) => PubSubFrame::Message(p),
            None => PubSubFrame::Other,
        },
        (b"pmessage", 4) => match items[3].bytes() {
            Some(p) => PubSubFrame::Message(p),
            None => PubSubFrame::Other,
        },
        (
            b"subscribe" | b"psubscribe" | b"ssubscribe" | b"unsubscribe" | b"punsubscribe"
            | b"sunsubscribe",
            3,
        ) => PubSubFrame::Confirm(kind, items[1].bytes().unwrap_or(b"")),
        _ => PubSubFrame::Other,
    }
}

/// Sends `cmd` for every name (in chunks) and waits for one `confirm` per name. Messages that
/// arrive meanwhile are dropped (callers subscribe before anything is published).
pub async fn subscribe_all(
    conn: &mut Conn,
    cmd: &str,
    confirm: &[u8],
    names: &[String],
) -> Result<()> {
    for chunk in names.chunks(1000) {
        let mut args: Vec<&[u8]> = Vec::with_capacity(chunk.len() + 1);
        args.push(cmd.as_bytes());
        args.extend(chunk.iter().map(|s| s.as_bytes()));
        conn.writer.queue(&args);
    }
    conn.writer.flush().await?;
    wait_confirmations(&mut conn.reader, cmd, confirm, names.len()).await
}

/// Reads until `n` confirmations of kind `confirm` arrived.
pub async fn wait_confirmations(
    reader: &mut Reader,
    cmd: &str,
    confirm: &[u8],
    n: usize,
) -> Result<()> {
    let mut got = 0;
    let mut err: Option<String> = None;
    while got < n {
        reader
            .read_batch(|f| {
                match classify(&f) {
                    PubSubFrame::Confirm(k, _) if k == confirm => got += 1,
                    PubSubFrame::Error(e) => {
                        err.get_or_insert_with(|| String::from_utf8_lossy(e).into_owned());
                    }
                    _ => {}
                }
                Ok(())
            })
            .await?;
        if let Some(message) = err.take() {
            return Err(BenchError::Server {
                command: cmd.to_string(),
                message,
            });
        }
    }
    Ok(())
}

struct SubShared {
    hist: Mutex<Histogram<u64>>,
    progress: Arc<Progress>,
    t0: Instant,
    publishers: usize,
}

impl SubShared {
    fn flush(&self, samples: &mut Vec<u64>) {
        let mut h = self.hist.lock().unwrap_or_else(|e| e.into_inner());
        for &s in samples.iter() {
            // Auto-resizing histograms accept any u64.
            let _ = h.record(s.max(1));
        }
        samples.clear();
    }
}

/// Per-publisher sequence tracking for one subscriber.
struct SeqCheck {
    /// Last sequence number + 1 seen from each publisher (0: none yet).
    next: Vec<u64>,
}

impl SeqCheck {
    fn new(publishers: usize) -> Self {
        SeqCheck {
            next: vec![0; publishers],
        }
    }

    /// Records `h`; returns (duplicate, reordered).
    fn see(&mut self, h: &Header) -> (bool, bool) {
        let Some(slot) = self.next.get_mut(h.publisher as usize) else {
            return (false, false);
        };
        let seq = h.seq as u64 + 1;
        if seq == *slot {
            (true, false)
        } else if seq < *slot {
            (false, true)
        } else {
            *slot = seq;
            (false, false)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn subscriber(
    j: usize,
    target: Target,
    mode: Mode,
    names: Vec<String>,
    shared: Arc<SubShared>,
    connect_limit: Arc<Semaphore>,
    ready: mpsc::Sender<Result<()>>,
    mut stop: watch::Receiver<bool>,
) -> SubStats {
    let what = format!("subscriber {j}");
    let setup = async {
        let _permit = connect_limit
            .acquire()
            .await
            .map_err(|_| BenchError::Other("connection limiter closed".into()))?;
        let mut conn = Conn::connect(&target, &what).await?;
        subscribe_all(&mut conn, mode.subscribe(), mode.subscribe_kind(), &names).await?;
        Ok::<Conn, BenchError>(conn)
    };
    let conn = match setup.await {
        Ok(c) => {
            let _ = ready.send(Ok(())).await;
            c
        }
        Err(e) => {
            let msg = e.to_string();
            let _ = ready.send(Err(e)).await;
            return SubStats {
                error: Some(msg),
                ..SubStats::default()
            };
        }
    };
    drop(ready);
    let (mut reader, _writer) = conn.split();
    let mut st = SubStats::default();
    let mut seqs = SeqCheck::new(shared.publishers);
    let mut samples: Vec<u64> = Vec::with_capacity(SAMPLE_BATCH);
    loop {
        let before = st.received;
        let mut now_ns = 0u64;
        let r = tokio::select! {
            biased;
            _ = stop.changed() => break,
            r = reader.read_batch(|f| {
                match classify(&f) {
                    PubSubFrame::Message(payload) => {
                        if now_ns == 0 {
                            now_ns = ns_since(shared.t0);
                        }
                        st.received += 1;
                        match decode(payload) {
                            Some(h) => {
                                samples.push(now_ns.saturating_sub(h.sent_ns));
                                let (dup, reord) = seqs.see(&h);
                                st.duplicated += dup as u64;
                                st.reordered += reord as u64;
                            }
                            None => st.foreign += 1,
                        }
                    }
                    PubSubFrame::Error(e) => {
                        st.errors += 1;
                        st.error
                            .get_or_insert_with(|| String::from_utf8_lossy(e).into_owned());
                    }
                    _ => {}
                }
                Ok(())
            }) => r,
        };
        if let Err(e) = r {
            st.errors += 1;
            st.error.get_or_insert_with(|| e.to_string());
            break;
        }
        let n = st.received - before;
        if n > 0 {
            st.last_recv_ns = now_ns;
            shared.progress.add_delivered(n);
        }
        if samples.len() >= SAMPLE_BATCH {
            shared.flush(&mut samples);
        }
    }
    shared.flush(&mut samples);
    st
}

/// How one publisher runs.
#[derive(Clone)]
struct PubPlan {
    id: u16,
    channels: Arc<Vec<Vec<u8>>>,
    cmd: &'static str,
    payload: usize,
    window: usize,
    /// Messages per second for this publisher.
    rate: Option<f64>,
    quota: Option<u64>,
    deadline: Instant,
    t0: Instant,
}

#[derive(Default)]
struct PubShared {
    acked: AtomicU64,
    errors: AtomicU64,
    expected: AtomicU64,
    last_reply_ns: AtomicU64,
    error: Mutex<Option<String>>,
}

async fn publisher(plan: PubPlan, conn: Conn, progress: Arc<Progress>) -> PubStats {
    let (mut reader, mut writer) = conn.split();
    let sem = Arc::new(Semaphore::new(plan.window));
    let shared = Arc::new(PubShared::default());
    let reader_task: JoinHandle<()> = {
        let sem = sem.clone();
        let shared = shared.clone();
        let t0 = plan.t0;
        tokio::spawn(async move {
            loop {
                let mut bad: Option<String> = None;
                let r = reader
                    .read_batch(|f| {
                        match f {
                            Frame::Integer(n) => {
                                shared
                                    .expected
                                    .fetch_add(n.max(0) as u64, Ordering::Relaxed);
                            }
                            Frame::Error(e) => {
                                shared.errors.fetch_add(1, Ordering::Relaxed);
                                bad.get_or_insert_with(|| {
                                    format!("PUBLISH error: {}", String::from_utf8_lossy(e))
                                });
                            }
                            Frame::Push(_) => return Ok(()),
                            other => {
                                return Err(BenchError::Unexpected {
                                    command: "PUBLISH".into(),
                                    reply: other.to_value().to_string(),
                                })
                            }
                        }
                        shared.acked.fetch_add(1, Ordering::Relaxed);
                        Ok(())
                    })
                    .await;
                if let Some(b) = bad {
                    let mut e = shared.error.lock().unwrap_or_else(|e| e.into_inner());
                    e.get_or_insert(b);
                }
                match r {
                    Ok(n) => {
                        shared.last_reply_ns.store(ns_since(t0), Ordering::Relaxed);
                        sem.add_permits(n);
                        progress.add_published(n as u64);
                    }
                    Err(e) => {
                        let mut slot = shared.error.lock().unwrap_or_else(|e| e.into_inner());
                        slot.get_or_insert(e.to_string());
                        sem.close();
                        return;
                    }
                }
            }
        })
    };

    let mut st = PubStats::default();
    let mut payload = new_payload(plan.payload);
    let start = Instant::now();
    let mut seq: u64 = 0;
    let max_batch = plan.window.min(MAX_WRITE_BATCH) as u64;
    let mut write_error: Option<String> = None;
    loop {
        if plan.quota.is_some_and(|q| seq >= q) || Instant::now() >= plan.deadline {
            break;
        }
        let Ok(permit) = sem.acquire().await else {
            break;
        };
        permit.forget();
        let mut n: u64 = 1;
        while n < max_batch && plan.quota.is_none_or(|q| seq + n < q) {
            match sem.try_acquire() {
                Ok(p) => {
                    p.forget();
                    n += 1;
                }
                Err(_) => break,
            }
        }
        if let Some(r) = plan.rate {
            let due = start + Duration::from_secs_f64(seq as f64 / r);
            if due > Instant::now() {
                tokio::time::sleep_until(due.into()).await;
            }
            let due_now = (start.elapsed().as_secs_f64() * r) as u64 + 1;
            let allowed = due_now.saturating_sub(seq).max(1);
            if n > allowed {
                sem.add_permits((n - allowed) as usize);
                n = allowed;
            }
            if Instant::now() >= plan.deadline {
                // Hand back the permits taken for messages that will not be sent.
                sem.add_permits(n as usize);
                break;
            }
        }
        for _ in 0..n {
            let sent_ns = ns_since(plan.t0);
            if seq == 0 {
                st.first_send_ns = sent_ns;
            }
            stamp(
                &mut payload,
                Header {
                    publisher: plan.id,
                    seq: seq as u32,
                    sent_ns,
                },
            );
            let ch = &plan.channels[(plan.id as usize + seq as usize) % plan.channels.len()];
            writer.queue(&[plan.cmd.as_bytes(), ch.as_slice(), payload.as_slice()]);
            seq += 1;
        }
        if let Err(e) = writer.flush().await {
            write_error = Some(e.to_string());
            break;
        }
    }
    // Wait for the replies to everything in flight.
    let all = u32::try_from(plan.window).unwrap_or(u32::MAX);
    match timeout(REPLY_TIMEOUT, sem.acquire_many(all)).await {
        Ok(Ok(p)) => p.forget(),
        Ok(Err(_)) => {} // closed: the reader stopped with an error, recorded below
        Err(_) => {
            write_error.get_or_insert_with(|| {
                format!(
                    "publisher {}: {} publishes unanswered after {:?}",
                    plan.id,
                    seq - shared.acked.load(Ordering::Relaxed),
                    REPLY_TIMEOUT
                )
            });
        }
    }
    reader_task.abort();
    let _ = reader_task.await;
    st.acked = shared.acked.load(Ordering::Relaxed);
    st.errors = shared.errors.load(Ordering::Relaxed);
    st.expected = shared.expected.load(Ordering::Relaxed);
    st.last_reply_ns = shared.last_reply_ns.load(Ordering::Relaxed);
    let reader_error = shared
        .error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    st.error = write_error.or(reader_error);
    if st.error.is_some() && st.errors == 0 && st.acked < seq {
        st.errors = 1;
    }
    st
}

/// Runs a fan-out: subscribes everyone, publishes, drains, and gathers the results.
pub async fn run_fanout(target: &Target, p: &FanoutParams) -> Result<FanoutOutcome> {
    p.validate()?;
    let t0 = Instant::now();
    let progress = Progress::new();
    let shared = Arc::new(SubShared {
        hist: Mutex::new(new_histogram()),
        progress: progress.clone(),
        t0,
        publishers: p.publishers,
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let (ready_tx, mut ready_rx) = mpsc::channel(p.subscribers.clamp(1, 4096));
    let limit = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut subs = Vec::with_capacity(p.subscribers);
    for j in 0..p.subscribers {
        let names: Vec<String> = subscriber_channels(j, p.subscribers, p.channels)
            .into_iter()
            .map(|i| subscription_name(p.mode, &p.prefix, i))
            .collect();
        subs.push(tokio::spawn(subscriber(
            j,
            target.clone(),
            p.mode,
            names,
            shared.clone(),
            limit.clone(),
            ready_tx.clone(),
            stop_rx.clone(),
        )));
    }
    drop(ready_tx);
    let stop_all = |stop_tx: &watch::Sender<bool>| {
        let _ = stop_tx.send(true);
    };
    let setup_deadline = Instant::now() + SETUP_TIMEOUT;
    for _ in 0..p.subscribers {
        let left = setup_deadline.saturating_duration_since(Instant::now());
        match timeout(left, ready_rx.recv()).await {
            Ok(Some(Ok(()))) => {}
            Ok(Some(Err(e))) => {
                stop_all(&stop_tx);
                return Err(e);
            }
            Ok(None) => {
                stop_all(&stop_tx);
                return Err(BenchError::Other("a subscriber task died".into()));
            }
            Err(_) => {
                stop_all(&stop_tx);
                return Err(BenchError::Other(format!(
                    "subscribing took longer than {SETUP_TIMEOUT:?}"
                )));
            }
        }
    }

    let channels: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..p.channels)
            .map(|i| channel_name(&p.prefix, i).into_bytes())
            .collect(),
    );
    let mut pub_conns = Vec::with_capacity(p.publishers);
    for i in 0..p.publishers {
        match Conn::connect(target, &format!("publisher {i}")).await {
            Ok(c) => pub_conns.push(c),
            Err(e) => {
                stop_all(&stop_tx);
                return Err(e);
            }
        }
    }
    let ticker = Ticker::start(progress.clone(), &p.label, p.quiet);
    let deadline = Instant::now() + p.duration;
    let np = p.publishers as u64;
    let mut pubs = Vec::with_capacity(p.publishers);
    for (i, conn) in pub_conns.into_iter().enumerate() {
        let plan = PubPlan {
            id: i as u16,
            channels: channels.clone(),
            cmd: p.mode.publish(),
            payload: p.payload,
            window: p.window,
            rate: p.rate.map(|r| r / np as f64),
            quota: p.messages.map(|m| m / np + u64::from((i as u64) < m % np)),
            deadline,
            t0,
        };
        pubs.push(tokio::spawn(publisher(plan, conn, progress.clone())));
    }
    let mut pstats = Vec::with_capacity(pubs.len());
    for h in pubs {
        match h.await {
            Ok(s) => pstats.push(s),
            Err(e) => pstats.push(PubStats {
                error: Some(format!("publisher task failed: {e}")),
                errors: 1,
                ..PubStats::default()
            }),
        }
    }
    let published: u64 = pstats.iter().map(|s| s.acked).sum();
    let expected: u64 = pstats.iter().map(|s| s.expected).sum();
    let first_send = pstats
        .iter()
        .filter(|s| s.acked > 0)
        .map(|s| s.first_send_ns)
        .min()
        .unwrap_or(0);
    let last_reply = pstats.iter().map(|s| s.last_reply_ns).max().unwrap_or(0);

    // Drain: wait for the deliveries in flight.
    let want = match p.drain {
        DrainTarget::FromReplies => expected,
        DrainTarget::EverySubscriberGetsAll => published * p.subscribers as u64,
    };
    let mut last_seen = progress.delivered();
    let mut last_change = Instant::now();
    let mut drained = true;
    while progress.delivered() < want {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let d = progress.delivered();
        if d != last_seen {
            last_seen = d;
            last_change = Instant::now();
        } else if last_change.elapsed() >= p.drain_timeout {
            drained = false;
            break;
        }
    }
    stop_all(&stop_tx);
    ticker.stop().await;

    let mut out = FanoutOutcome {
        published,
        publish_errors: pstats.iter().map(|s| s.errors).sum(),
        expected,
        received: 0,
        duplicated: 0,
        reordered: 0,
        foreign: 0,
        subscriber_errors: 0,
        publish_secs: last_reply.saturating_sub(first_send) as f64 / 1e9,
        deliver_secs: 0.0,
        per_subscriber: Vec::with_capacity(subs.len()),
        drained,
        histogram: new_histogram(),
        notes: Vec::new(),
    };
    for s in &pstats {
        if let Some(e) = &s.error {
            if out.notes.len() < 5 {
                out.notes.push(e.clone());
            }
        }
    }
    let mut last_recv = 0u64;
    for h in subs {
        let s = match h.await {
            Ok(s) => s,
            Err(e) => SubStats {
                errors: 1,
                error: Some(format!("subscriber task failed: {e}")),
                ..SubStats::default()
            },
        };
        out.received += s.received;
        out.duplicated += s.duplicated;
        out.reordered += s.reordered;
        out.foreign += s.foreign;
        out.subscriber_errors += s.errors;
        out.per_subscriber.push(s.received);
        last_recv = last_recv.max(s.last_recv_ns);
        if let Some(e) = s.error {
            if out.notes.len() < 5 {
                out.notes.push(e);
            }
        }
    }
    out.deliver_secs = last_recv.saturating_sub(first_send) as f64 / 1e9;
    out.histogram = match Arc::try_unwrap(shared) {
        Ok(s) => s.hist.into_inner().unwrap_or_else(|e| e.into_inner()),
        Err(s) => s.hist.lock().unwrap_or_else(|e| e.into_inner()).clone(),
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_subscribers() {
        assert_eq!(subscriber_channels(5, 10, 3), vec![2]);
        assert_eq!(subscriber_channels(1, 2, 5), vec![1, 3]);
        assert_eq!(subscriber_channels(0, 1, 3), vec![0, 1, 2]);
    }

    #[test]
    fn patterns_match_one_channel() {
        // The pattern of channel 1 must not match channel 10.
        let p = subscription_name(Mode::Patterns, "x", 1);
        assert_eq!(p, "x:1:*");
        assert!(!channel_name("x", 10).starts_with("x:1:"));
    }

    #[test]
    fn sequence_checks() {
        let mut s = SeqCheck::new(2);
        let h = |publisher, seq| Header {
            publisher,
            seq,
            sent_ns: 0,
        };
        assert_eq!(s.see(&h(0, 0)), (false, false));
        assert_eq!(s.see(&h(0, 5)), (false, false));
        assert_eq!(s.see(&h(0, 5)), (true, false));
        assert_eq!(s.see(&h(0, 3)), (false, true));
        assert_eq!(s.see(&h(1, 0)), (false, false));
        assert_eq!(s.see(&h(9, 0)), (false, false));
    }

    #[test]
    fn classifies_frames() {
        let f = Frame::Push(vec![
            Frame::Bulk(b"pmessage"),
            Frame::Bulk(b"p*"),
            Frame::Bulk(b"pc"),
            Frame::Bulk(b"data"),
        ]);
        assert!(matches!(classify(&f), PubSubFrame::Message(b"data")));
        let f = Frame::Array(vec![
            Frame::Bulk(b"subscribe"),
            Frame::Bulk(b"c"),
            Frame::Integer(1),
        ]);
        assert!(matches!(
            classify(&f),
            PubSubFrame::Confirm(b"subscribe", b"c")
        ));
    }
}
