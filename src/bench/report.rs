//! The summary of a run: a human table on stderr/stdout and the same data as JSON.

use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub samples: u64,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
}

impl Latency {
    /// Percentiles of a histogram recorded in nanoseconds; `None` when it is empty.
    pub fn from_histogram(h: &Histogram<u64>) -> Option<Latency> {
        if h.is_empty() {
            return None;
        }
        let us = |ns: u64| ns as f64 / 1000.0;
        Some(Latency {
            samples: h.len(),
            mean_us: h.mean() / 1000.0,
            p50_us: us(h.value_at_quantile(0.50)),
            p90_us: us(h.value_at_quantile(0.90)),
            p99_us: us(h.value_at_quantile(0.99)),
            p999_us: us(h.value_at_quantile(0.999)),
            max_us: us(h.max()),
        })
    }
}

/// A histogram for latencies in nanoseconds (3 significant digits, growing as needed).
pub fn new_histogram() -> Histogram<u64> {
    // Only a precision above 5 digits is rejected; 3 is a constant.
    let mut h = Histogram::<u64>::new(3).expect("3 significant digits is a valid precision");
    h.auto(true);
    h
}

/// The summary of one scenario run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    /// The server as it describes itself in `INFO server`.
    pub server: String,
    pub target: String,
    /// The run's parameters.
    pub params: BTreeMap<String, Json>,
    /// PUBLISH commands acknowledged.
    pub published: u64,
    /// Acknowledged publishes per second over the publishing phase.
    pub publish_rate: f64,
    /// Messages received by all subscribers.
    pub delivered: u64,
    /// Deliveries per second, from the first publish to the last delivery.
    pub delivered_rate: f64,
    pub latency: Option<Latency>,
    /// Deliveries the server promised (sum of PUBLISH replies) but that never arrived.
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    /// Error replies and other failures counted during the run.
    pub errors: u64,
    /// Scenario-specific results.
    pub extra: BTreeMap<String, Json>,
    /// Human-readable notes (e.g. failed checks).
    pub notes: Vec<String>,
    #[serde(skip)]
    pub histogram: Option<Histogram<u64>>,
}

impl Report {
    /// An empty report for `scenario` against `server`.
    pub fn new(scenario: &str, server: &str, target: &str) -> Report {
        Report {
            scenario: scenario.to_string(),
            server: server.to_string(),
            target: target.to_string(),
            params: BTreeMap::new(),
            published: 0,
            publish_rate: 0.0,
            delivered: 0,
            delivered_rate: 0.0,
            latency: None,
            lost: 0,
            duplicated: 0,
            reordered: 0,
            errors: 0,
            extra: BTreeMap::new(),
            notes: Vec::new(),
            histogram: None,
        }
    }

    /// Records a parameter.
    pub fn param(&mut self, k: &str, v: impl Into<Json>) {
        self.params.insert(k.to_string(), v.into());
    }

    /// Records a scenario-specific result.
    pub fn extra(&mut self, k: &str, v: impl Into<Json>) {
        self.extra.insert(k.to_string(), v.into());
    }

    /// The report as a human-readable table.
    pub fn table(&self) -> String {
        let mut rows: Vec<(String, String)> = Vec::new();
        rows.push(("scenario".into(), self.scenario.clone()));
        rows.push((
            "server".into(),
            format!("{} at {}", self.server, self.target),
        ));
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", json_short(v)))
            .collect();
        rows.push(("params".into(), params.join(" ")));
        if self.published > 0 || self.delivered > 0 {
            rows.push((
                "published".into(),
                format!(
                    "{} ({} msg/s)",
                    self.published,
                    human_rate(self.publish_rate)
                ),
            ));
            rows.push((
                "delivered".into(),
                format!(
                    "{} ({} msg/s)",
                    self.delivered,
                    human_rate(self.delivered_rate)
                ),
            ));
        }
        if let Some(l) = &self.latency {
            rows.push((
                "latency (µs)".into(),
                format!(
                    "p50 {:.1}  p90 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}  (mean {:.1}, n={})",
                    l.p50_us, l.p90_us, l.p99_us, l.p999_us, l.max_us, l.mean_us, l.samples
                ),
            ));
        }
        if self.published > 0 || self.delivered > 0 {
            rows.push((
                "lost / dup / reordered".into(),
                format!("{} / {} / {}", self.lost, self.duplicated, self.reordered),
            ));
        }
        rows.push(("errors".into(), self.errors.to_string()));
        for (k, v) in &self.extra {
            rows.push((k.clone(), json_short(v)));
        }
        for n in &self.notes {
            rows.push(("note".into(), n.clone()));
        }
        let w = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        let rule = "-".repeat(w + 2 + 50);
        let _ = writeln!(out, "{rule}");
        for (k, v) in rows {
            let pad = w - k.chars().count();
            let _ = writeln!(out, "{k}{}  {v}", " ".repeat(pad));
        }
        let _ = writeln!(out, "{rule}");
        out
    }
}

fn json_short(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.2}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// `1234567.8` -> `1.23M`.
pub fn human_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2}M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1}k", r / 1e3)
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_percentiles() {
        let mut h = new_histogram();
        for i in 1..=1000u64 {
            h.record(i * 1000).unwrap();
        }
        let l = Latency::from_histogram(&h).unwrap();
        assert!((l.p50_us - 500.0).abs() < 1.0, "{l:?}");
        assert!((l.max_us - 1000.0).abs() < 1.0, "{l:?}");
        assert!(Latency::from_histogram(&new_histogram()).is_none());
    }

    #[test]
    fn table_and_json() {
        let mut r = Report::new("fanout", "redis 7.0.15", "127.0.0.1:6379");
        r.param("subscribers", 10);
        r.extra("rss_per_conn", 1234);
        let t = r.table();
        assert!(t.contains("subscribers=10"), "{t}");
        let j = serde_json::to_string(&r).unwrap();
        assert!(j.contains("\"scenario\":\"fanout\""), "{j}");
    }
}
