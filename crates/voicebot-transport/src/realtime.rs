//! The [`RealtimeTransport`] seam and the connection options shared by its implementations.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::{Provider, SessionConfig};
use crate::error::Result;
use crate::session::Session;

/// Something that opens realtime voice sessions: OpenAI Realtime ([`crate::OpenAiRealtime`]) or Gemini Live
/// ([`crate::GeminiLive`]).
///
/// # Contract
/// - **Connect**: [`RealtimeTransport::connect`] opens the socket, sends the session configuration
///   (`session.update` or `setup`) and returns a [`Session`]. A refused handshake (HTTP 401/403, a bad model)
///   is an error here, not an event; a transient failure (I/O, 5xx) is retried with the transport's
///   [`RetryPolicy`](crate::RetryPolicy) before giving up.
/// - **Cancellation safety**: dropping the `connect` future before it resolves leaves nothing behind (no task
///   has been spawned yet). Dropping the [`Session`] cancels its tasks; [`Session::close`] closes cleanly.
/// - **Backpressure**: audio never blocks the caller; it waits in a bounded drop-oldest queue whose drops are
///   counted. Commands wait for room in a bounded queue. Events go through a bounded channel, so a caller that
///   stops reading events eventually stops the session reading its socket.
/// - **Thread affinity**: none. Implementations and sessions are `Send + Sync`; the session's tasks run on
///   the ambient tokio runtime, which must be running when `connect` is called. No method blocks a thread.
/// - **Reconnects**: a session re-sends its configuration after every reconnect and reports
///   [`RealtimeEvent::Reconnected`](crate::RealtimeEvent::Reconnected); when `resumed` is false the caller
///   should seed context again with [`Session::seed`].
#[async_trait]
pub trait RealtimeTransport: Send + Sync + Debug {
    /// The provider this transport speaks to.
    fn provider(&self) -> Provider;

    /// Opens a session configured as `config`.
    ///
    /// # Errors
    /// [`Error::Rejected`](crate::Error::Rejected) when the server refuses the handshake (a bad key gives 401),
    /// [`Error::RetriesExhausted`](crate::Error::RetriesExhausted) when it cannot be reached, and
    /// [`Error::Closed`](crate::Error::Closed) when it closes the socket with a final code during the handshake.
    async fn connect(&self, config: SessionConfig) -> Result<Session>;
}

/// Liveness checking: a ping every `interval`, and the connection counts as dead when nothing at all (a pong,
/// any frame) has arrived for `timeout`. Gemini answers pings slowly (tens of seconds), so its default timeout
/// is generous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    /// How often to ping.
    pub interval: Duration,
    /// How long a connection may stay silent before it is considered dead and replaced.
    pub timeout: Duration,
}

impl KeepAlive {
    /// The OpenAI default: a ping every 15 s, dead after 45 s of silence.
    pub const OPENAI: KeepAlive =
        KeepAlive { interval: Duration::from_secs(15), timeout: Duration::from_secs(45) };
    /// The Gemini default: a ping every 20 s, dead after 120 s of silence (its pongs can take tens of seconds).
    pub const GEMINI: KeepAlive =
        KeepAlive { interval: Duration::from_secs(20), timeout: Duration::from_secs(120) };
}

/// Queue sizes and timeouts of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Outbound audio frames held before the oldest is dropped (256 frames of 20 ms is about 5 s).
    pub audio_queue: usize,
    /// Commands waiting for the socket before callers wait.
    pub command_queue: usize,
    /// Events waiting for the caller before the session stops reading its socket.
    pub event_queue: usize,
    /// How long one connection attempt (TCP, TLS, WebSocket handshake) may take.
    pub connect_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            audio_queue: 256,
            command_queue: 64,
            event_queue: 1024,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Adds the connection builders every realtime transport offers to a type with `retry`, `keepalive`, `limits`
/// and `trust` fields, so the two transports cannot drift apart.
macro_rules! connection_builders {
    ($ty:ty) => {
        impl $ty {
            /// Sets the reconnect policy.
            #[must_use]
            pub fn with_retry(mut self, retry: $crate::backoff::RetryPolicy) -> Self {
                self.retry = retry;
                self
            }

            /// Sets the keepalive. Keep the timeout generous for Gemini, whose pongs may take tens of seconds.
            #[must_use]
            pub fn with_keepalive(mut self, keepalive: $crate::realtime::KeepAlive) -> Self {
                self.keepalive = keepalive;
                self
            }

            /// Sets queue sizes and the connect timeout.
            #[must_use]
            pub fn with_limits(mut self, limits: $crate::realtime::Limits) -> Self {
                self.limits = limits;
                self
            }

            /// Sets the certificate authorities a `wss://` connection trusts (Mozilla's roots by default). The
            /// TLS configuration inside is built once, with the [`Trust`](crate::Trust), not per connection.
            #[must_use]
            pub fn with_trust(mut self, trust: $crate::tls::Trust) -> Self {
                self.trust = trust;
                self
            }
        }
    };
}

pub(crate) use connection_builders;
