//! Command-line interface of `herald-bench`.

use super::churn::{self, ChurnParams};
use super::conn::{server_identity, Conn, Target};
use super::conns::{self, ConnsParams};
use super::error::{BenchError, IoContext, Result};
use super::fanout::{run_fanout, run_prefix, DrainTarget, FanoutParams, Mode};
use super::patterns::{self, PatternsParams};
use super::plot::percentile_svg;
use super::report::Report;
use super::slowsub::{self, SlowsubParams};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Pub/Sub load tester for Redis-compatible servers (Herald, Redis, Valkey).
#[derive(Debug, Parser)]
#[command(name = "herald-bench", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// Server host (loopback only unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1", global = true)]
    pub host: String,
    /// Server port.
    #[arg(long, default_value_t = 6379, global = true)]
    pub port: u16,
    /// Allow a host outside the loopback range.
    #[arg(long, global = true)]
    pub allow_remote: bool,
    /// Protocol version for the benchmark connections.
    #[arg(long, default_value = "2", value_parser = ["2", "3"], global = true)]
    pub resp: String,
    /// Print the summary as JSON on stdout (the table goes to stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Write the latency percentile plot to this SVG file.
    #[arg(long, value_name = "FILE.svg", global = true)]
    pub plot: Option<PathBuf>,
    /// No progress line.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Exit with status 3 when anything was lost, duplicated, reordered or failed.
    #[arg(long, global = true)]
    pub strict: bool,
}

/// The scenarios.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// S subscribers over C channels, P pipelined publishers: rates, latency, loss, order.
    Fanout(FanoutArgs),
    /// Server memory per idle subscriber connection.
    Conns(ConnsArgs),
    /// Publish rate and latency with K non-matching patterns subscribed.
    Patterns(PatternsArgs),
    /// A subscriber that stops reading beside healthy ones: is it dropped, what memory peaks.
    Slowsub(SlowsubArgs),
    /// Clients subscribing and unsubscribing while a publisher publishes: delivery invariant.
    Churn(ChurnArgs),
}

/// Publishing options shared by the fan-out based scenarios.
#[derive(Debug, Clone, Args)]
pub struct PublishArgs {
    /// Publisher connections.
    #[arg(short = 'p', long, default_value_t = 1)]
    pub publishers: usize,
    /// Payload size in bytes (at least 16: publisher id, sequence number, send time).
    #[arg(short = 'b', long, default_value_t = 64)]
    pub payload: usize,
    /// PUBLISH commands each publisher keeps in flight.
    #[arg(short = 'w', long, default_value_t = 16)]
    pub window: usize,
    /// Total publish rate limit in messages per second (default: as fast as possible).
    #[arg(long, value_parser = parse_positive)]
    pub rate: Option<f64>,
    /// Total messages to publish (stops at this or --duration, whichever comes first).
    #[arg(short = 'n', long)]
    pub messages: Option<u64>,
    /// Publishing time limit in seconds.
    #[arg(short = 'd', long, default_value = "5", value_parser = parse_secs)]
    pub duration: f64,
    /// After publishing, wait for deliveries until this many seconds pass without one.
    #[arg(long, default_value = "5", value_parser = parse_secs)]
    pub drain_timeout: f64,
}

/// `fanout` options.
#[derive(Debug, Args)]
pub struct FanoutArgs {
    /// Subscriber connections.
    #[arg(short = 's', long, default_value_t = 1)]
    pub subscribers: usize,
    /// Channels; subscribers are spread over them round-robin.
    #[arg(short = 'c', long, default_value_t = 1)]
    pub channels: usize,
    /// channels: SUBSCRIBE/PUBLISH; patterns: PSUBSCRIBE a pattern matching the channel;
    /// sharded: SSUBSCRIBE/SPUBLISH.
    #[arg(long, value_enum, default_value = "channels")]
    pub mode: Mode,
    #[command(flatten)]
    pub publish: PublishArgs,
}

/// `conns` options.
#[derive(Debug, Args)]
pub struct ConnsArgs {
    /// Subscriber connections to open.
    #[arg(short = 'n', long, default_value_t = 1000)]
    pub connections: usize,
    /// Distinct channels (connection i subscribes to channel i mod this; 0: one each).
    #[arg(long, default_value_t = 0)]
    pub channels: usize,
    /// Server process id: also report its RSS growth (from /proc/<pid>/status).
    #[arg(long)]
    pub pid: Option<u32>,
    /// Seconds to wait after the last subscription before measuring (Redis frees an idle
    /// client's query buffer only after ~2 s, so shorter waits overstate its memory).
    #[arg(long, default_value = "5", value_parser = parse_secs)]
    pub settle: f64,
}

/// How the measured subscriber of `patterns` subscribes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchMode {
    /// PSUBSCRIBE to a pattern matching the channel.
    Pattern,
    /// SUBSCRIBE to the channel.
    Channel,
}

/// `patterns` options.
#[derive(Debug, Args)]
pub struct PatternsArgs {
    /// Non-matching patterns (`nomatch:<prefix>:<i>:*`).
    #[arg(short = 'k', long, default_value_t = 1000)]
    pub patterns: usize,
    /// Connections the non-matching patterns are spread over.
    #[arg(long, default_value_t = 10)]
    pub pattern_conns: usize,
    /// How the one matching subscriber subscribes.
    #[arg(long, value_enum, default_value = "pattern")]
    pub match_mode: MatchMode,
    #[command(flatten)]
    pub publish: PublishArgs,
}

/// `slowsub` options.
#[derive(Debug, Args)]
pub struct SlowsubArgs {
    /// Healthy subscribers (they read everything).
    #[arg(long, default_value_t = 2)]
    pub healthy: usize,
    /// Messages to publish.
    #[arg(short = 'n', long, default_value_t = 100_000)]
    pub messages: u64,
    /// Payload size in bytes.
    #[arg(short = 'b', long, default_value_t = 1024)]
    pub payload: usize,
    /// PUBLISH commands the publisher keeps in flight.
    #[arg(short = 'w', long, default_value_t = 64)]
    pub window: usize,
    /// Publishing time limit in seconds.
    #[arg(short = 'd', long, default_value = "30", value_parser = parse_secs)]
    pub duration: f64,
    /// After publishing, wait for deliveries until this many seconds pass without one.
    #[arg(long, default_value = "5", value_parser = parse_secs)]
    pub drain_timeout: f64,
    /// Receive buffer (SO_RCVBUF) of the slow subscriber's socket.
    #[arg(long, default_value_t = 16384)]
    pub rcvbuf: u32,
    /// Server process id: also sample its RSS.
    #[arg(long)]
    pub pid: Option<u32>,
    /// At the end, read the slow socket for at most this many seconds.
    #[arg(long, default_value = "5", value_parser = parse_secs)]
    pub final_read: f64,
}

/// `churn` options.
#[derive(Debug, Args)]
pub struct ChurnArgs {
    /// Clients that subscribe and unsubscribe.
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Seconds of churn.
    #[arg(short = 'd', long, default_value = "5", value_parser = parse_secs)]
    pub duration: f64,
    /// Longest time subscribed per cycle, in milliseconds (random from 0).
    #[arg(long, default_value = "5", value_parser = parse_secs)]
    pub hold_max_ms: f64,
    /// Longest time unsubscribed per cycle, in milliseconds (random from 0).
    #[arg(long, default_value = "2", value_parser = parse_secs)]
    pub gap_max_ms: f64,
    #[arg(long, value_enum, default_value = "channels")]
    pub mode: Mode,
    /// Payload size in bytes.
    #[arg(short = 'b', long, default_value_t = 16)]
    pub payload: usize,
    /// PUBLISH commands in flight.
    #[arg(short = 'w', long, default_value_t = 1)]
    pub window: usize,
    /// Seed for the hold and gap times.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A number of seconds (or milliseconds): finite, 0 or more, at most ~31 years.
fn parse_secs(s: &str) -> std::result::Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if !v.is_finite() || !(0.0..=1e9).contains(&v) {
        return Err(format!("{s:?} must be between 0 and 1e9"));
    }
    Ok(v)
}

fn parse_positive(s: &str) -> std::result::Result<f64, String> {
    let v = parse_secs(s)?;
    if v <= 0.0 {
        return Err(format!("{s:?} must be above 0"));
    }
    Ok(v)
}

fn fanout_params(
    label: &str,
    subscribers: usize,
    channels: usize,
    mode: Mode,
    a: &PublishArgs,
    quiet: bool,
) -> FanoutParams {
    FanoutParams {
        subscribers,
        channels,
        publishers: a.publishers,
        payload: a.payload,
        window: a.window,
        rate: a.rate,
        mode,
        messages: a.messages,
        duration: Duration::from_secs_f64(a.duration),
        drain_timeout: Duration::from_secs_f64(a.drain_timeout),
        prefix: run_prefix(label),
        drain: DrainTarget::FromReplies,
        quiet,
        label: label.to_string(),
    }
}

async fn identify(target: &Target) -> Result<String> {
    let mut c = Conn::connect(&target.with_resp3(false), "control connection").await?;
    server_identity(&mut c).await
}

/// Runs the chosen scenario and returns its report.
pub async fn run(cli: &Cli) -> Result<Report> {
    let g = &cli.global;
    let resp3 = g.resp == "3";
    let target = Target::resolve(&g.host, g.port, g.allow_remote, resp3).await?;
    let addr = target.addr.to_string();
    let resp = if resp3 { 3 } else { 2 };
    match &cli.command {
        Command::Fanout(a) => {
            let server = identify(&target).await?;
            let p = fanout_params(
                "fanout",
                a.subscribers,
                a.channels,
                a.mode,
                &a.publish,
                g.quiet,
            );
            let mut r = Report::new("fanout", &server, &addr);
            p.describe(&mut r);
            r.param("resp", resp);
            let out = run_fanout(&target, &p).await?;
            out.fill(&mut r);
            Ok(r)
        }
        Command::Conns(a) => {
            let p = ConnsParams {
                connections: a.connections,
                channels: if a.channels == 0 {
                    a.connections
                } else {
                    a.channels
                },
                pid: a.pid,
                settle: Duration::from_secs_f64(a.settle),
                prefix: run_prefix("conns"),
                quiet: g.quiet,
            };
            conns::run(&target, &p).await
        }
        Command::Patterns(a) => {
            let server = identify(&target).await?;
            let mode = match a.match_mode {
                MatchMode::Pattern => Mode::Patterns,
                MatchMode::Channel => Mode::Channels,
            };
            let p = PatternsParams {
                patterns: a.patterns,
                pattern_conns: a.pattern_conns,
                fanout: fanout_params("patterns", 1, 1, mode, &a.publish, g.quiet),
            };
            let mut r = Report::new("patterns", &server, &addr);
            p.fanout.describe(&mut r);
            r.param("patterns", a.patterns);
            r.param("pattern_conns", a.pattern_conns);
            r.param("resp", resp);
            let out = patterns::run(&target, &p).await?;
            out.fill(&mut r);
            Ok(r)
        }
        Command::Slowsub(a) => {
            let publish = PublishArgs {
                publishers: 1,
                payload: a.payload,
                window: a.window,
                rate: None,
                messages: Some(a.messages),
                duration: a.duration,
                drain_timeout: a.drain_timeout,
            };
            let mut fanout =
                fanout_params("slowsub", a.healthy, 1, Mode::Channels, &publish, g.quiet);
            fanout.drain = DrainTarget::EverySubscriberGetsAll;
            let p = SlowsubParams {
                fanout,
                rcvbuf: a.rcvbuf,
                pid: a.pid,
                final_read: Duration::from_secs_f64(a.final_read),
            };
            slowsub::validate(&p)?;
            let mut r = slowsub::run(&target, &p).await?;
            r.param("resp", resp);
            Ok(r)
        }
        Command::Churn(a) => {
            let p = ChurnParams {
                clients: a.clients,
                duration: Duration::from_secs_f64(a.duration),
                hold_max: Duration::from_secs_f64(a.hold_max_ms / 1e3),
                gap_max: Duration::from_secs_f64(a.gap_max_ms / 1e3),
                mode: a.mode,
                payload: a.payload,
                window: a.window,
                seed: a.seed,
                prefix: run_prefix("churn"),
                quiet: g.quiet,
            };
            churn::run(&target, &p).await
        }
    }
}

/// Prints the report (table, JSON), writes the plot; returns the process exit status.
pub fn output(cli: &Cli, r: &Report) -> Result<i32> {
    let table = r.table();
    if cli.global.json {
        eprint!("{table}");
        let json = serde_json::to_string_pretty(r)
            .map_err(|e| BenchError::Other(format!("encoding the JSON summary: {e}")))?;
        println!("{json}");
    } else {
        print!("{table}");
    }
    if let Some(path) = &cli.global.plot {
        match &r.histogram {
            Some(h) => {
                let title = format!("{} latency — {}", r.scenario, r.server);
                std::fs::write(path, percentile_svg(h, &title))
                    .ctx(|| format!("writing {}", path.display()))?;
                eprintln!("latency plot written to {}", path.display());
            }
            None => eprintln!("no latency samples in this scenario: no plot written"),
        }
    }
    let bad = r.lost
        + r.duplicated
        + r.reordered
        + r.errors
        + r.extra
            .get("violations")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
    Ok(if cli.global.strict && bad > 0 { 3 } else { 0 })
}
