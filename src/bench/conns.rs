//! `conns`: server memory per idle subscriber connection.
//!
//! Reads `used_memory` (and, with a pid, the server's RSS), opens N connections that each
//! subscribe to one channel, waits for the server to settle, reads them again and divides the
//! difference by N.

use super::conn::{info_field, rss_bytes, server_identity, Conn, Target};
use super::error::{BenchError, Result};
use super::fanout::{channel_name, subscribe_all, CONNECT_CONCURRENCY};
use super::report::Report;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Parameters of a `conns` run.
#[derive(Debug, Clone)]
pub struct ConnsParams {
    pub connections: usize,
    /// Distinct channels (connection i subscribes to channel i % channels).
    pub channels: usize,
    /// Server process id, for RSS.
    pub pid: Option<u32>,
    /// Pause before measuring after all connections subscribed.
    pub settle: Duration,
    pub prefix: String,
    pub quiet: bool,
}

/// Runs the scenario.
pub async fn run(target: &Target, p: &ConnsParams) -> Result<Report> {
    if p.connections == 0 || p.channels == 0 {
        return Err(BenchError::Config(
            "--connections and --channels must be at least 1".into(),
        ));
    }
    let mut ctl = Conn::connect(&target.with_resp3(false), "control connection").await?;
    let server = server_identity(&mut ctl).await?;
    let mut r = Report::new("conns", &server, &target.addr.to_string());
    r.param("connections", p.connections);
    r.param("channels", p.channels);
    r.param("resp", if target.resp3 { 3 } else { 2 });

    tokio::time::sleep(Duration::from_millis(200)).await;
    let mem_before = info_field(&mut ctl, "memory", "used_memory").await?;
    let rss_before = p.pid.map(rss_bytes).transpose()?;

    let start = Instant::now();
    let limit = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut tasks = Vec::with_capacity(p.connections);
    for i in 0..p.connections {
        let target = target.clone();
        let limit = limit.clone();
        let name = channel_name(&p.prefix, i % p.channels);
        tasks.push(tokio::spawn(async move {
            let _permit = limit
                .acquire()
                .await
                .map_err(|_| BenchError::Other("connection limiter closed".into()))?;
            let mut c = Conn::connect(&target, &format!("connection {i}")).await?;
            subscribe_all(&mut c, "SUBSCRIBE", b"subscribe", &[name]).await?;
            Ok::<Conn, BenchError>(c)
        }));
    }
    let mut conns = Vec::with_capacity(p.connections);
    let mut last_print = Instant::now();
    for (i, t) in tasks.into_iter().enumerate() {
        let c = t
            .await
            .map_err(|e| BenchError::Other(format!("connection task failed: {e}")))??;
        conns.push(c);
        if !p.quiet && last_print.elapsed() >= Duration::from_secs(1) {
            eprintln!("[conns] {} of {} connected", i + 1, p.connections);
            last_print = Instant::now();
        }
    }
    let connect_secs = start.elapsed().as_secs_f64();
    tokio::time::sleep(p.settle).await;
    let mem_after = info_field(&mut ctl, "memory", "used_memory").await?;
    let rss_after = p.pid.map(rss_bytes).transpose()?;
    let clients = info_field(&mut ctl, "clients", "connected_clients").await?;

    let n = p.connections as f64;
    r.extra("connect_secs", connect_secs);
    r.extra(
        "connects_per_sec",
        p.connections as f64 / connect_secs.max(1e-9),
    );
    if let Some(c) = clients {
        r.extra("connected_clients", c);
    }
    match (mem_before, mem_after) {
        (Some(b), Some(a)) => {
            r.extra("used_memory_before", b);
            r.extra("used_memory_after", a);
            r.extra("used_memory_per_conn", (a as f64 - b as f64) / n);
        }
        _ => r.notes.push("INFO memory has no used_memory field".into()),
    }
    if let (Some(b), Some(a)) = (rss_before, rss_after) {
        r.extra("rss_before", b);
        r.extra("rss_after", a);
        r.extra("rss_per_conn", (a as f64 - b as f64) / n);
    }
    drop(conns);
    Ok(r)
}
