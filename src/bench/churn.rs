//! `churn`: clients subscribe and unsubscribe over and over while one publisher publishes
//! sequence-numbered messages to the channel; checks that each subscription sees exactly the
//! messages it must.
//!
//! # The invariant
//!
//! One publisher connection publishes to one channel; the server executes its PUBLISH commands
//! in order, so sequence number n is executed before n+1. Each client cycles: send SUBSCRIBE
//! (time `sub_send`), read the confirmation (`sub_conf`), read messages for a random hold time,
//! send UNSUBSCRIBE (`unsub_send`), read its confirmation (`unsub_conf`), stay unsubscribed
//! for a random gap. A server that executes commands atomically delivers to a client exactly
//! the publishes it executed between that client's SUBSCRIBE and UNSUBSCRIBE, and writes them
//! between the two confirmations. So, per client and per subscription:
//!
//! 1. **Contiguity**: the messages read between the subscribe confirmation and the unsubscribe
//!    confirmation have consecutive sequence numbers `first, first+1, ..., last` (no gap, no
//!    duplicate, no going back). Gaps count as `gaps_in_interval` (one per missing number),
//!    repeats as `duplicated`, decreases as `reordered`.
//! 2. **Nothing outside**: no message is read before the subscribe confirmation or after the
//!    unsubscribe confirmation (until the next subscribe confirmation): `outside_interval`.
//! 3. **Real-time bounds** (linearizability against the shared monotonic clock; the tool
//!    stamps a send before writing it and a receive after reading it, so each bound is
//!    conservative): publish n *must* have been delivered in the interval if it was sent after
//!    `sub_conf` and its reply arrived before `unsub_send` (`missing_required`); it *must not*
//!    have been delivered if its reply arrived before `sub_send` or it was sent after
//!    `unsub_conf` (`forbidden_received`).
//!
//! The publisher uses window 1 by default (one PUBLISH in flight); any window keeps the
//! invariant since one connection's commands execute in order.

use super::conn::{server_identity, Conn, Target};
use super::error::{BenchError, Result};
use super::fanout::{channel_name, classify, rate, subscription_name, Mode, PubSubFrame};
use super::payload::{decode, new_payload, stamp, Header, HEADER_LEN};
use super::progress::{Progress, Ticker};
use super::report::{new_histogram, Latency, Report};
use super::resp::Frame;
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A read that takes longer than this is a failure (a confirmation never came).
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Parameters of a `churn` run.
#[derive(Debug, Clone)]
pub struct ChurnParams {
    pub clients: usize,
    pub duration: Duration,
    /// Longest time subscribed per cycle (uniformly random from 0).
    pub hold_max: Duration,
    /// Longest time unsubscribed per cycle (uniformly random from 0).
    pub gap_max: Duration,
    pub mode: Mode,
    pub payload: usize,
    pub window: usize,
    pub seed: u64,
    pub prefix: String,
    pub quiet: bool,
}

/// One subscription of one client.
#[derive(Debug, Clone, Default)]
struct Interval {
    sub_send: u64,
    sub_conf: u64,
    unsub_send: u64,
    unsub_conf: u64,
    first: Option<u32>,
    last: Option<u32>,
}

#[derive(Debug, Default)]
struct ClientStats {
    intervals: Vec<Interval>,
    received: u64,
    gaps: u64,
    duplicated: u64,
    reordered: u64,
    outside: u64,
    errors: u64,
    error: Option<String>,
    hist: Option<Histogram<u64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Unsubscribed, waiting for the gap to end.
    Idle,
    /// SUBSCRIBE sent, confirmation not read yet.
    Subscribing,
    /// Subscribed, waiting for the hold to end.
    Holding,
    /// UNSUBSCRIBE sent, confirmation not read yet.
    Unsubscribing,
}

/// A small deterministic random generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniformly random duration in [0, max].
    fn duration(&mut self, max: Duration) -> Duration {
        let n = max.as_nanos() as u64;
        if n == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.next() % (n + 1))
    }
}

fn ns(t0: Instant) -> u64 {
    t0.elapsed().as_nanos() as u64
}

#[allow(clippy::too_many_arguments)]
async fn client(
    id: usize,
    target: Target,
    mode: Mode,
    sub: String,
    p: ChurnParams,
    t0: Instant,
    deadline: Instant,
    progress: Arc<Progress>,
) -> ClientStats {
    let mut st = ClientStats {
        hist: Some(new_histogram()),
        ..ClientStats::default()
    };
    if let Err(e) = client_loop(
        id, &target, mode, &sub, &p, t0, deadline, &progress, &mut st,
    )
    .await
    {
        st.errors += 1;
        st.error = Some(e.to_string());
    }
    st
}

#[allow(clippy::too_many_arguments)]
async fn client_loop(
    id: usize,
    target: &Target,
    mode: Mode,
    sub: &str,
    p: &ChurnParams,
    t0: Instant,
    deadline: Instant,
    progress: &Progress,
    st: &mut ClientStats,
) -> Result<()> {
    let mut conn = Conn::connect(target, &format!("churn client {id}")).await?;
    let mut rng = Rng::new(p.seed ^ (id as u64).wrapping_mul(0x1000_0000_01B3));
    let mut state = State::Idle;
    let mut action_at = Instant::now();
    let mut cur = Interval::default();
    let mut hist = st.hist.take().unwrap_or_else(new_histogram);
    loop {
        let now = Instant::now();
        match state {
            State::Idle if now >= action_at => {
                if now >= deadline {
                    break;
                }
                cur = Interval {
                    sub_send: ns(t0),
                    ..Interval::default()
                };
                conn.writer.queue(&[mode.subscribe(), sub]);
                conn.writer.flush().await?;
                state = State::Subscribing;
            }
            State::Holding if now >= action_at => {
                cur.unsub_send = ns(t0);
                conn.writer.queue(&[mode.unsubscribe(), sub]);
                conn.writer.flush().await?;
                state = State::Unsubscribing;
            }
            _ => {}
        }
        let timed = matches!(state, State::Idle | State::Holding);
        let wake = if timed {
            action_at
        } else {
            Instant::now() + READ_TIMEOUT
        };
        let mut batch_now = 0u64;
        let mut error: Option<String> = None;
        let before = st.received;
        let r = tokio::select! {
            r = conn.reader.read_batch(|f: Frame<'_>| {
                if batch_now == 0 {
                    batch_now = ns(t0);
                }
                match classify(&f) {
                    PubSubFrame::Message(payload) => {
                        st.received += 1;
                        let Some(h) = decode(payload) else {
                            return Ok(());
                        };
                        let _ = hist.record(batch_now.saturating_sub(h.sent_ns).max(1));
                        if matches!(state, State::Holding | State::Unsubscribing) {
                            match cur.last {
                                None => {
                                    cur.first = Some(h.seq);
                                    cur.last = Some(h.seq);
                                }
                                Some(l) if h.seq == l.wrapping_add(1) => cur.last = Some(h.seq),
                                Some(l) if h.seq == l => st.duplicated += 1,
                                Some(l) if h.seq < l => st.reordered += 1,
                                Some(l) => {
                                    st.gaps += (h.seq - l - 1) as u64;
                                    cur.last = Some(h.seq);
                                }
                            }
                        } else {
                            st.outside += 1;
                        }
                    }
                    PubSubFrame::Confirm(kind, _) => {
                        if state == State::Subscribing && kind == mode.subscribe_kind() {
                            cur.sub_conf = batch_now;
                            state = State::Holding;
                            action_at = Instant::now() + rng.duration(p.hold_max);
                        } else if state == State::Unsubscribing && kind == mode.unsubscribe_kind() {
                            cur.unsub_conf = batch_now;
                            st.intervals.push(std::mem::take(&mut cur));
                            state = State::Idle;
                            action_at = Instant::now() + rng.duration(p.gap_max);
                        } else {
                            error.get_or_insert_with(|| format!(
                                "unexpected {} confirmation in state {state:?}",
                                String::from_utf8_lossy(kind)
                            ));
                        }
                    }
                    PubSubFrame::Error(e) => {
                        error.get_or_insert_with(|| String::from_utf8_lossy(e).into_owned());
                    }
                    PubSubFrame::Other => {}
                }
                Ok(())
            }) => Some(r),
            _ = tokio::time::sleep_until(wake.into()) => None,
        };
        progress.add_delivered(st.received - before);
        if let Some(e) = error {
            return Err(BenchError::Other(format!("churn client {id}: {e}")));
        }
        match r {
            Some(r) => {
                r?;
            }
            None if !timed => {
                return Err(BenchError::Other(format!(
                    "churn client {id}: no confirmation within {READ_TIMEOUT:?} (state {state:?})"
                )))
            }
            None => {}
        }
    }
    st.hist = Some(hist);
    Ok(())
}

/// What the publisher did: per sequence number, when it was sent and when its reply came.
#[derive(Debug, Default)]
struct PubLog {
    send_ns: Vec<u64>,
    reply_ns: Vec<u64>,
    expected: u64,
    errors: u64,
    error: Option<String>,
}

async fn publisher(
    target: Target,
    mode: Mode,
    channel: String,
    p: ChurnParams,
    t0: Instant,
    stop: Arc<AtomicBool>,
    progress: Arc<Progress>,
) -> PubLog {
    let mut log = PubLog::default();
    let run = async {
        let mut conn = Conn::connect(&target, "churn publisher").await?;
        let mut payload = new_payload(p.payload);
        let mut inflight = 0usize;
        let mut seq: u32 = 0;
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            if stopping && inflight == 0 {
                return Ok::<(), BenchError>(());
            }
            if !stopping && inflight < p.window {
                while inflight < p.window {
                    let sent = ns(t0);
                    stamp(
                        &mut payload,
                        Header {
                            publisher: 0,
                            seq,
                            sent_ns: sent,
                        },
                    );
                    log.send_ns.push(sent);
                    conn.writer
                        .queue(&[mode.publish().as_bytes(), channel.as_bytes(), &payload]);
                    seq = seq.wrapping_add(1);
                    inflight += 1;
                }
                conn.writer.flush().await?;
            }
            let mut now = 0u64;
            let mut bad: Option<String> = None;
            let read = conn.reader.read_batch(|f| {
                if now == 0 {
                    now = ns(t0);
                }
                match f {
                    Frame::Integer(n) => {
                        log.expected += n.max(0) as u64;
                    }
                    Frame::Error(e) => {
                        log.errors += 1;
                        bad.get_or_insert_with(|| String::from_utf8_lossy(e).into_owned());
                    }
                    Frame::Push(_) => return Ok(()),
                    other => {
                        return Err(BenchError::Unexpected {
                            command: mode.publish().into(),
                            reply: other.to_value().to_string(),
                        })
                    }
                }
                log.reply_ns.push(now);
                inflight -= 1;
                Ok(())
            });
            let n = tokio::time::timeout(READ_TIMEOUT, read)
                .await
                .map_err(|_| BenchError::Other("churn publisher: no reply within 10 s".into()))??;
            progress.add_published(n as u64);
            if let Some(b) = bad {
                log.error.get_or_insert(format!("PUBLISH error: {b}"));
            }
        }
    };
    let res = run.await;
    if let Err(e) = res {
        log.errors += 1;
        log.error.get_or_insert(e.to_string());
    }
    log
}

/// Violations of the real-time bounds for one interval.
#[derive(Debug, Default, PartialEq, Eq)]
struct Bounds {
    missing_required: u64,
    forbidden: u64,
}

/// Checks one interval against the publisher's log (see the module docs, rule 3).
fn check_bounds(iv: &Interval, send_ns: &[u64], reply_ns: &[u64]) -> Bounds {
    let mut b = Bounds::default();
    // Required: sent after sub_conf and answered before unsub_send.
    let a = send_ns.partition_point(|&s| s <= iv.sub_conf) as u64;
    let end = reply_ns.partition_point(|&r| r < iv.unsub_send) as u64; // exclusive
    let got = match (iv.first, iv.last) {
        (Some(f), Some(l)) => Some((f as u64, l as u64)),
        _ => None,
    };
    if a < end {
        b.missing_required = match got {
            None => end - a,
            Some((f, l)) => {
                let below = f.saturating_sub(a).min(end - a);
                let above = end.saturating_sub(l + 1).min(end - a);
                below + above
            }
        };
    }
    if let Some((f, l)) = got {
        // Forbidden: answered before sub_send, or sent after unsub_conf.
        let c = reply_ns.partition_point(|&r| r < iv.sub_send) as u64;
        if f < c {
            b.forbidden += c - f;
        }
        let d = send_ns.partition_point(|&s| s <= iv.unsub_conf) as u64;
        if l >= d {
            b.forbidden += l - d + 1;
        }
    }
    b
}

/// Runs the scenario.
pub async fn run(target: &Target, p: &ChurnParams) -> Result<Report> {
    if p.clients == 0 {
        return Err(BenchError::Config("--clients must be at least 1".into()));
    }
    if p.payload < HEADER_LEN {
        return Err(BenchError::Config("--payload must be at least 16".into()));
    }
    if p.window == 0 {
        return Err(BenchError::Config("--window must be at least 1".into()));
    }
    let mut ctl = Conn::connect(&target.with_resp3(false), "control connection").await?;
    let server = server_identity(&mut ctl).await?;
    let mut r = Report::new("churn", &server, &target.addr.to_string());
    r.param("clients", p.clients);
    r.param("duration_s", p.duration.as_secs_f64());
    r.param("hold_max_ms", p.hold_max.as_secs_f64() * 1e3);
    r.param("gap_max_ms", p.gap_max.as_secs_f64() * 1e3);
    r.param("mode", p.mode.name());
    r.param("payload", p.payload);
    r.param("window", p.window);
    r.param("resp", if target.resp3 { 3 } else { 2 });
    r.param("seed", p.seed);

    let t0 = Instant::now();
    let progress = Progress::new();
    let channel = channel_name(&p.prefix, 0);
    let sub = subscription_name(p.mode, &p.prefix, 0);
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = Ticker::start(progress.clone(), "churn", p.quiet);
    let pub_task = tokio::spawn(publisher(
        target.clone(),
        p.mode,
        channel,
        p.clone(),
        t0,
        stop.clone(),
        progress.clone(),
    ));
    let deadline = Instant::now() + p.duration;
    let mut tasks = Vec::with_capacity(p.clients);
    for id in 0..p.clients {
        tasks.push(tokio::spawn(client(
            id,
            target.clone(),
            p.mode,
            sub.clone(),
            p.clone(),
            t0,
            deadline,
            progress.clone(),
        )));
    }
    let mut clients = Vec::with_capacity(tasks.len());
    for t in tasks {
        clients.push(t.await.unwrap_or_else(|e| ClientStats {
            errors: 1,
            error: Some(format!("client task failed: {e}")),
            ..ClientStats::default()
        }));
    }
    stop.store(true, Ordering::Relaxed);
    let log = pub_task.await.unwrap_or_else(|e| PubLog {
        errors: 1,
        error: Some(format!("publisher task failed: {e}")),
        ..PubLog::default()
    });
    ticker.stop().await;

    let mut hist = new_histogram();
    let (mut cycles, mut received, mut gaps, mut dups, mut reord, mut outside, mut errors) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64, log.errors);
    let (mut missing, mut forbidden) = (0u64, 0u64);
    let mut last_unsub = 0u64;
    for c in &clients {
        cycles += c.intervals.len() as u64;
        received += c.received;
        gaps += c.gaps;
        dups += c.duplicated;
        reord += c.reordered;
        outside += c.outside;
        errors += c.errors;
        if let Some(h) = &c.hist {
            let _ = hist.add(h);
        }
        if let Some(e) = &c.error {
            if r.notes.len() < 5 {
                r.notes.push(e.clone());
            }
        }
        for iv in &c.intervals {
            let b = check_bounds(iv, &log.send_ns, &log.reply_ns);
            missing += b.missing_required;
            forbidden += b.forbidden;
            last_unsub = last_unsub.max(iv.unsub_conf);
        }
    }
    if let Some(e) = &log.error {
        r.notes.push(e.clone());
    }
    let published = log.reply_ns.len() as u64;
    let pub_secs = match (log.send_ns.first(), log.reply_ns.last()) {
        (Some(a), Some(b)) => b.saturating_sub(*a) as f64 / 1e9,
        _ => 0.0,
    };
    r.published = published;
    r.publish_rate = rate(published, pub_secs);
    r.delivered = received;
    r.delivered_rate = rate(received, pub_secs);
    r.latency = Latency::from_histogram(&hist);
    r.histogram = Some(hist);
    r.lost = gaps + missing;
    r.duplicated = dups;
    r.reordered = reord;
    r.errors = errors;
    let violations = gaps + dups + reord + outside + missing + forbidden;
    r.extra("cycles", cycles);
    r.extra("gaps_in_interval", gaps);
    r.extra("outside_interval", outside);
    r.extra("missing_required", missing);
    r.extra("forbidden_received", forbidden);
    r.extra("violations", violations);
    r.extra("expected_deliveries", log.expected);
    r.extra(
        "invariant",
        "per subscription: messages between the subscribe and unsubscribe confirmations are \
         consecutive sequence numbers; none outside; publishes sent after the subscribe \
         confirmation and answered before UNSUBSCRIBE was sent are all delivered; publishes \
         answered before SUBSCRIBE was sent or sent after the unsubscribe confirmation are not",
    );
    if violations > 0 {
        r.notes.push(format!("{violations} invariant violations"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(sub_send: u64, sub_conf: u64, unsub_send: u64, unsub_conf: u64) -> Interval {
        Interval {
            sub_send,
            sub_conf,
            unsub_send,
            unsub_conf,
            first: None,
            last: None,
        }
    }

    #[test]
    fn bounds() {
        // Publish n sent at 10n+1, answered at 10n+5.
        let send: Vec<u64> = (0..100).map(|n| 10 * n + 1).collect();
        let reply: Vec<u64> = (0..100).map(|n| 10 * n + 5).collect();
        // Subscribed from t=100 (sent) / 103 (confirmed) to 300 (sent) / 303 (confirmed).
        let mut i = iv(100, 103, 300, 303);
        // Required: sent after 103 -> n >= 11; answered before 300 -> n <= 29.
        assert_eq!(
            check_bounds(&i, &send, &reply),
            Bounds {
                missing_required: 19,
                forbidden: 0
            }
        );
        i.first = Some(10);
        i.last = Some(30);
        assert_eq!(check_bounds(&i, &send, &reply), Bounds::default());
        i.first = Some(12);
        i.last = Some(28);
        assert_eq!(check_bounds(&i, &send, &reply).missing_required, 2);
        // Answered before SUBSCRIBE was sent: n <= 9 is forbidden.
        i.first = Some(8);
        i.last = Some(30);
        assert_eq!(check_bounds(&i, &send, &reply).forbidden, 2);
        // Sent after the unsubscribe confirmation (303): n >= 31 is forbidden.
        i.first = Some(10);
        i.last = Some(31);
        assert_eq!(check_bounds(&i, &send, &reply).forbidden, 1);
    }

    #[test]
    fn rng_stays_in_range() {
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            assert!(r.duration(Duration::from_millis(3)) <= Duration::from_millis(3));
        }
        assert_eq!(r.duration(Duration::ZERO), Duration::ZERO);
    }
}
