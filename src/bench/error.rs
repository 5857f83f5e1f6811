//! Errors of the benchmark tool: every failure carries enough context to say what was being done.

use std::io;

/// An error from a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// An I/O error, with what the tool was doing when it happened.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    /// The server sent bytes that are not valid RESP.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The server closed the connection.
    #[error("{0}: the server closed the connection")]
    Closed(String),
    /// The server answered a command with an error reply.
    #[error("the server answered {command} with an error: {message}")]
    Server { command: String, message: String },
    /// The server answered something the tool did not expect.
    #[error("unexpected reply to {command}: {reply}")]
    Unexpected { command: String, reply: String },
    /// A bad argument or setting.
    #[error("{0}")]
    Config(String),
    /// Anything else (time-outs, failed checks).
    #[error("{0}")]
    Other(String),
}

/// Result with [`BenchError`].
pub type Result<T> = std::result::Result<T, BenchError>;

/// Adds context to `io::Result`s.
pub trait IoContext<T> {
    /// Wraps an I/O error with the given context.
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| BenchError::Io {
            context: context(),
            source,
        })
    }
}
