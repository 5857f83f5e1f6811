//! Settings shared by the Criterion benchmarks, so every bench program measures the same way.

use criterion::Criterion;
use std::time::Duration;

/// Short runs: the whole `cargo bench` suite should finish in about a minute on 2 cores.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .without_plots()
}
