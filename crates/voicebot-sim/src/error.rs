//! The crate's error type.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong in the simulator or in a call on its handle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot bind the simulator on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A scenario file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    ReadScenario {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A scenario file is not a valid scenario.
    #[error("invalid scenario {path}: {source}")]
    ParseScenario {
        /// The file (or `<inline>` for text).
        path: PathBuf,
        /// The JSON error, naming the offending field.
        #[source]
        source: serde_json::Error,
    },
    /// A wait on the handle did not see what it waited for in time.
    #[error("timed out after {waited:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        waited: Duration,
    },
    /// The scenario pins the espeak-ng voice but espeak-ng is not installed.
    #[error(
        "the scenario pins \"voice\": \"espeak\" but espeak-ng was not found ({looked_for}); install it \
         (apt-get install espeak-ng), point VOICEBOT_ESPEAK or \"espeak_binary\" at it, or use \"voice\": \"auto\""
    )]
    EspeakUnavailable {
        /// Where it was looked for.
        looked_for: String,
    },
    /// The TLS certificates could not be made.
    #[error("{message}")]
    Tls {
        /// What went wrong, and what to change.
        message: String,
    },
    /// The CA certificate could not be written for clients to trust.
    #[error("cannot write the CA file {}: {source}; choose a writable path", path.display())]
    WriteCaFile {
        /// The file (or the folder made for it).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// No open connection has this id.
    #[error("no open connection with id {0}")]
    NoConnection(u64),
    /// The connection's command queue is full; it is not reading its commands.
    #[error("connection {0} is not accepting commands")]
    Busy(u64),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
