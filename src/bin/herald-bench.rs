//! `herald-bench`: a Pub/Sub load tester for Redis-compatible servers.
//!
//! `herald-bench [--host H] [--port P] [--resp 2|3] [--json] [--plot FILE.svg] <scenario> ...`
//! with the scenarios `fanout`, `conns`, `patterns`, `slowsub` and `churn`; see `--help` and
//! `bench/README.md`.

use clap::Parser;
use herald::bench::cli::{output, run, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("herald-bench: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(&cli));
    // Connections still open in spawned tasks are closed with the runtime.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result.and_then(|r| output(&cli, &r)) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("herald-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
