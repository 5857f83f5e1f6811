//! Shared counters and the once-a-second progress line on stderr.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Counters updated by publishers and subscribers.
#[derive(Debug, Default)]
pub struct Progress {
    /// PUBLISH commands acknowledged by the server.
    pub published: AtomicU64,
    /// Messages received by subscribers.
    pub delivered: AtomicU64,
    stop: AtomicBool,
}

impl Progress {
    /// New zeroed counters.
    pub fn new() -> Arc<Self> {
        Arc::new(Progress::default())
    }

    /// Adds acknowledged publishes.
    pub fn add_published(&self, n: u64) {
        self.published.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds received messages.
    pub fn add_delivered(&self, n: u64) {
        self.delivered.fetch_add(n, Ordering::Relaxed);
    }

    /// Messages received so far.
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Publishes acknowledged so far.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }
}

/// The running progress printer; stops when dropped or on [`Ticker::stop`].
pub struct Ticker {
    progress: Arc<Progress>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Prints `label`, published/s and delivered/s once a second until stopped (unless `quiet`).
    pub fn start(progress: Arc<Progress>, label: &str, quiet: bool) -> Ticker {
        if quiet {
            return Ticker {
                progress,
                handle: None,
            };
        }
        let p = progress.clone();
        let label = label.to_string();
        let handle = tokio::spawn(async move {
            let tty = std::io::stderr().is_terminal();
            let start = Instant::now();
            let mut last = (0u64, 0u64, start);
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            loop {
                tick.tick().await;
                if p.stop.load(Ordering::Relaxed) {
                    break;
                }
                let now = Instant::now();
                let (pb, dl) = (p.published(), p.delivered());
                let dt = now.duration_since(last.2).as_secs_f64().max(1e-9);
                let line = format!(
                    "[{label} {:>4.0}s] published {:>10.0}/s  delivered {:>11.0}/s  (total {} / {})",
                    now.duration_since(start).as_secs_f64(),
                    (pb - last.0) as f64 / dt,
                    (dl - last.1) as f64 / dt,
                    pb,
                    dl
                );
                last = (pb, dl, now);
                let mut err = std::io::stderr().lock();
                let _ = if tty {
                    write!(err, "\r\x1b[2K{line}")
                } else {
                    writeln!(err, "{line}")
                };
                let _ = err.flush();
            }
            if tty {
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            }
        });
        Ticker {
            progress,
            handle: Some(handle),
        }
    }

    /// Stops printing and clears the line.
    pub async fn stop(mut self) {
        self.progress.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            h.abort();
            let _ = h.await;
            if std::io::stderr().is_terminal() {
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            }
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}
