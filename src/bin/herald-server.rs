//! `herald-server`: runs Herald with redis-server's argument forms:
//! `herald-server [/path/to/herald.conf] [--port 6380] [--<directive> <value> ...]`.

use herald::config::{Config, HERALD_VERSION, REDIS_COMPAT_VERSION};
use herald::{persistence, Server};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

const HELP: &str = "Usage: herald-server [/path/to/herald.conf] [options] [-]
       herald-server -v or --version
       herald-server -h or --help
       herald-server --check-aof [--fix] <file.aof>

Options are configuration directives, each given as --<directive> <value...>.

Examples:
       herald-server (run with the default configuration: port 6379, bind 127.0.0.1 and ::1)
       herald-server /etc/herald/6379.conf
       herald-server --port 7777
       herald-server --port 0 (pick a free port; the chosen port is logged)
       herald-server /etc/myherald.conf --loglevel verbose
       herald-server --check-rdb dump.rdb (check a snapshot and exit)
";

fn log_filter(level: &str) -> EnvFilter {
    if let Ok(f) = EnvFilter::try_from_env("HERALD_LOG") {
        return f;
    }
    EnvFilter::new(match level {
        "debug" => "debug",
        "verbose" => "info",
        "warning" => "warn",
        "nothing" => "off",
        _ => "info",
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some("--check-aof") => return check_aof(&args[1..]),
        Some("-v" | "--version") => {
            println!("Herald server v={HERALD_VERSION} (Redis {REDIS_COMPAT_VERSION} compatible)");
            return ExitCode::SUCCESS;
        }
        Some("--check-rdb") => return check_rdb(args.get(1)),
        _ => {}
    }
    let config = match Config::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(log_filter(&config.loglevel))
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match Server::start(config).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let addrs: Vec<String> = server.local_addrs().iter().map(|a| a.to_string()).collect();
        tracing::info!(
            version = HERALD_VERSION,
            pid = std::process::id(),
            port = server.port(),
            "Herald started, Redis {REDIS_COMPAT_VERSION} compatible, accepting connections on {}",
            addrs.join(", ")
        );
        let tls_port = server.shared().config().tls.port;
        if tls_port != 0 {
            tracing::info!(tls_port, "accepting TLS connections on port {tls_port}");
        }
        loop {
            tokio::select! {
                _ = server.wait_for_shutdown() => break,
                _ = shutdown_signal() => {
                    tracing::info!("Received signal, scheduling shutdown...");
                    // Save as configured (and flush what must be flushed) before exiting; if
                    // the final save fails, keep running as Redis does.
                    let shared = server.shared().clone();
                    let done = tokio::task::spawn_blocking(move || {
                        persistence::on_shutdown(&shared, persistence::ShutdownSave::Default, None)
                    })
                    .await;
                    match done {
                        Ok(Ok(())) => break,
                        Ok(Err(e)) => tracing::error!(
                            "Errors trying to shut down the server ({e}). Check the logs for more information."
                        ),
                        Err(e) => tracing::error!("shutdown task failed: {e}"),
                    }
                }
            }
        }
        server.shutdown().await;
        tracing::info!("Herald is now ready to exit, bye bye...");
        ExitCode::SUCCESS
    })
}

/// `--check-rdb FILE`: says whether a snapshot loads, and where it is broken if not.
fn check_rdb(path: Option<&String>) -> ExitCode {
    let Some(path) = path else {
        eprintln!("Usage: herald-server --check-rdb <file.rdb>");
        return ExitCode::FAILURE;
    };
    match persistence::check_rdb(std::path::Path::new(path)) {
        Ok(report) => {
            println!("[offset 0] Checking RDB file {path}\n{report}\nRDB looks OK!");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!(
                "--- RDB ERROR DETECTED ---\n[offset {}] {}\n{e}",
                e.offset, e.what
            );
            ExitCode::FAILURE
        }
    }
}

/// `--check-aof [--fix] FILE`: reports whether FILE is a valid AOF (exit status 0) or where it
/// breaks (1); `--fix` truncates it to its valid part.
fn check_aof(args: &[String]) -> ExitCode {
    let (fix, file) = match args {
        [f] => (false, f),
        [flag, f] if flag == "--fix" => (true, f),
        _ => {
            eprintln!("Usage: herald-server --check-aof [--fix] <file.aof>");
            return ExitCode::FAILURE;
        }
    };
    match herald::aof::load::check_file(std::path::Path::new(file), fix) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
