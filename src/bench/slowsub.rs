//! `slowsub`: one subscriber that stops reading beside H healthy ones.
//!
//! The slow subscriber names itself with CLIENT SETNAME, subscribes, then never reads (its
//! socket stays open, with a small receive buffer so the server's output buffer fills sooner).
//! M messages of B bytes are published to the shared channel while a poller samples INFO
//! `used_memory` (and the RSS of `--pid`) every 50 ms. Afterwards the tool checks whether the
//! server dropped the slow client (CLIENT LIST no longer shows its name, and reading its socket
//! ends in EOF or a reset) and whether every healthy subscriber got every message.

use super::conn::{info_field, rss_bytes, server_identity, Conn, Target};
use super::error::{BenchError, Result};
use super::fanout::{run_fanout, subscribe_all, subscription_name, FanoutParams};
use super::report::Report;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Parameters of a `slowsub` run.
#[derive(Debug, Clone)]
pub struct SlowsubParams {
    /// The fan-out of the healthy subscribers (one channel; `messages` is M).
    pub fanout: FanoutParams,
    /// Receive buffer of the slow subscriber's socket.
    pub rcvbuf: u32,
    pub pid: Option<u32>,
    /// How long to read the slow socket at the end, at most.
    pub final_read: Duration,
}

/// How reading the slow socket at the end went.
#[derive(Debug)]
enum FinalRead {
    Eof,
    Reset(String),
    StillOpen,
}

/// Runs the scenario and fills `r`.
pub async fn run(target: &Target, p: &SlowsubParams) -> Result<Report> {
    let mut ctl = Conn::connect(&target.with_resp3(false), "control connection").await?;
    let server = server_identity(&mut ctl).await?;
    let mut r = Report::new("slowsub", &server, &target.addr.to_string());
    p.fanout.describe(&mut r);
    r.param("healthy", p.fanout.subscribers);
    r.param("rcvbuf", p.rcvbuf);
    let disconnections_before = info_field(
        &mut ctl,
        "stats",
        "client_output_buffer_limit_disconnections",
    )
    .await?;
    let mem_before = info_field(&mut ctl, "memory", "used_memory").await?;
    let rss_before = p.pid.map(rss_bytes).transpose()?;

    // The slow subscriber.
    let name = format!("{}-slow", p.fanout.prefix.replace(':', "-"));
    let mut slow = Conn::connect_small_rcvbuf(target, "slow subscriber", p.rcvbuf).await?;
    slow.command(&["CLIENT", "SETNAME", name.as_str()]).await?;
    let sub = subscription_name(p.fanout.mode, &p.fanout.prefix, 0);
    subscribe_all(
        &mut slow,
        p.fanout.mode.subscribe(),
        p.fanout.mode.subscribe_kind(),
        &[sub],
    )
    .await?;

    // Memory poller.
    let peak_mem = Arc::new(AtomicU64::new(mem_before.unwrap_or(0)));
    let peak_rss = Arc::new(AtomicU64::new(rss_before.unwrap_or(0)));
    let stop = Arc::new(AtomicBool::new(false));
    let mut poll_conn = Conn::connect(&target.with_resp3(false), "memory poller").await?;
    let poller = {
        let (peak_mem, peak_rss, stop) = (peak_mem.clone(), peak_rss.clone(), stop.clone());
        let pid = p.pid;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            let mut polls = 0u64;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                if let Ok(Some(m)) = info_field(&mut poll_conn, "memory", "used_memory").await {
                    peak_mem.fetch_max(m, Ordering::Relaxed);
                }
                if let Some(Ok(rss)) = pid.map(rss_bytes) {
                    peak_rss.fetch_max(rss, Ordering::Relaxed);
                }
                polls += 1;
            }
            polls
        })
    };

    let fan = run_fanout(target, &p.fanout).await;
    stop.store(true, Ordering::Relaxed);
    let polls = poller.await.unwrap_or(0);
    let fan = fan?;

    // Is the slow client still listed?
    let list = ctl.command_text(&["CLIENT", "LIST"]).await?;
    let listed = list
        .lines()
        .any(|l| l.split(' ').any(|kv| kv == format!("name={name}")));
    let disconnections_after = info_field(
        &mut ctl,
        "stats",
        "client_output_buffer_limit_disconnections",
    )
    .await?;

    // Finally read the slow socket.
    let (final_read, slow_bytes) = drain_slow(&mut slow, p.final_read).await;
    let disconnected = !listed || !matches!(final_read, FinalRead::StillOpen);

    fan.fill(&mut r);
    // The replies count the slow subscriber; judge the healthy ones on their own.
    let healthy_missing: u64 = fan
        .per_subscriber
        .iter()
        .map(|&got| fan.published.saturating_sub(got))
        .sum();
    let healthy_ok = healthy_missing == 0 && fan.published > 0;
    r.lost = healthy_missing;
    r.extra("slow_disconnected", disconnected);
    r.extra("slow_listed_after", listed);
    r.extra(
        "slow_final_read",
        match &final_read {
            FinalRead::Eof => "eof".to_string(),
            FinalRead::Reset(e) => format!("error: {e}"),
            FinalRead::StillOpen => "still open (no EOF)".to_string(),
        },
    );
    r.extra("slow_bytes_read_at_end", slow_bytes);
    r.extra("healthy_all_received", healthy_ok);
    r.extra("healthy_missing", healthy_missing);
    if let (Some(b), Some(a)) = (disconnections_before, disconnections_after) {
        r.extra("output_buffer_disconnections", a.saturating_sub(b));
    }
    if let Some(b) = mem_before {
        let peak = peak_mem.load(Ordering::Relaxed);
        r.extra("used_memory_before", b);
        r.extra("used_memory_peak", peak);
        r.extra("used_memory_peak_growth", peak.saturating_sub(b));
    }
    if let Some(b) = rss_before {
        let peak = peak_rss.load(Ordering::Relaxed);
        r.extra("rss_before", b);
        r.extra("rss_peak", peak);
        r.extra("rss_peak_growth", peak.saturating_sub(b));
    }
    r.extra("memory_polls", polls);
    r.extra("published_bytes", fan.published * p.fanout.payload as u64);
    Ok(r)
}

/// Reads the slow socket until EOF, an error, or `limit` (or 1 s without data) passes.
async fn drain_slow(slow: &mut Conn, limit: Duration) -> (FinalRead, u64) {
    let deadline = Instant::now() + limit;
    let mut bytes = 0u64;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (FinalRead::StillOpen, bytes);
        }
        let before = slow.reader.buffered();
        match tokio::time::timeout(left.min(Duration::from_secs(1)), slow.reader.fill()).await {
            Err(_) => return (FinalRead::StillOpen, bytes),
            Ok(Ok(true)) => {
                bytes += (slow.reader.buffered() - before) as u64;
                slow.reader.discard();
            }
            Ok(Ok(false)) => return (FinalRead::Eof, bytes),
            Ok(Err(e)) => return (FinalRead::Reset(e.to_string()), bytes),
        }
    }
}

/// Checks the slowsub parameters.
pub fn validate(p: &SlowsubParams) -> Result<()> {
    if p.fanout.channels != 1 {
        return Err(BenchError::Config("slowsub uses one channel".into()));
    }
    if p.fanout.messages.is_none() {
        return Err(BenchError::Config("slowsub needs --messages".into()));
    }
    Ok(())
}
