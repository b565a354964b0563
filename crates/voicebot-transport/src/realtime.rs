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
/// - **Connect**: [`RealtimeTransport::connect`] makes one connection attempt, sends the session configuration
///   (`session.update` or `setup`) and returns a [`Session`]. A permanent failure of that attempt (HTTP 401/403,
///   an unknown model, an untrusted certificate: [`Error::is_permanent`](crate::Error::is_permanent)) is an error
///   here. A transient one (refused or reset connection, DNS, 5xx, 429, a timeout) still returns the session:
///   it retries with the transport's [`RetryPolicy`](crate::RetryPolicy) (full-jitter backoff, capped, with a
///   give-up time), reporting every attempt as
///   [`RealtimeEvent::Reconnecting`](crate::RealtimeEvent::Reconnecting).
/// - **Failures**: a session ends (with [`RealtimeEvent::Closed`](crate::RealtimeEvent::Closed) carrying a
///   classified [`Failure`](crate::Failure)) only when retrying cannot help or the policy gave up; everything
///   else is reconnected under the caller.
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
    /// Only permanent errors of the first attempt: [`Error::Rejected`](crate::Error::Rejected) when the server
    /// refuses the handshake (a bad key gives 401), [`Error::BadUrl`](crate::Error::BadUrl) and the like.
    /// Transient failures are retried under the returned session.
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
    /// The largest WebSocket frame or message accepted from the server; a larger one is refused as its header
    /// arrives (never buffered whole) and the connection is replaced. Default 16 MiB.
    pub max_message_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            audio_queue: 256,
            command_queue: 64,
            event_queue: 1024,
            connect_timeout: Duration::from_secs(10),
            max_message_bytes: 16 << 20,
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
