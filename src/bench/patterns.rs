//! `patterns`: publish rate and latency on one channel while K patterns that match nothing are
//! subscribed (spread over a few connections), beside one matching subscriber.
//!
//! Redis checks every pattern on every PUBLISH, so its publish cost grows with K; a server with
//! a pattern index should not slow down.

use super::conn::{Conn, Target};
use super::error::Result;
use super::fanout::{run_fanout, subscribe_all, FanoutOutcome, FanoutParams};

/// Parameters of a `patterns` run.
#[derive(Debug, Clone)]
pub struct PatternsParams {
    /// Non-matching patterns.
    pub patterns: usize,
    /// Connections the non-matching patterns are spread over.
    pub pattern_conns: usize,
    /// The measured fan-out (one subscriber, one channel).
    pub fanout: FanoutParams,
}

/// The non-matching pattern `i`.
pub fn nomatch_pattern(prefix: &str, i: usize) -> String {
    format!("nomatch:{prefix}:{i}:*")
}

/// Runs the scenario; the non-matching subscribers stay connected during the fan-out.
pub async fn run(target: &Target, p: &PatternsParams) -> Result<FanoutOutcome> {
    let nconns = p.pattern_conns.clamp(1, p.patterns.max(1));
    let mut conns = Vec::with_capacity(nconns);
    if p.patterns > 0 {
        for c in 0..nconns {
            let names: Vec<String> = (c..p.patterns)
                .step_by(nconns)
                .map(|i| nomatch_pattern(&p.fanout.prefix, i))
                .collect();
            let mut conn = Conn::connect(target, &format!("pattern connection {c}")).await?;
            subscribe_all(&mut conn, "PSUBSCRIBE", b"psubscribe", &names).await?;
            conns.push(conn);
        }
    }
    let out = run_fanout(target, &p.fanout).await;
    drop(conns);
    out
}
