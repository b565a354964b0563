//! [`GeminiLive`]: the Gemini Live (`BidiGenerateContent`) WebSocket client.
//!
//! The key goes in the `x-goog-api-key` header (or, optionally, the `?key=` query). `setup` is the first frame
//! and no audio is sent before `setupComplete`: audio waits in the session's queue. Server frames are parsed
//! whether they arrive as binary or text. The latest resumable `sessionResumptionUpdate.newHandle` is kept and
//! used on every reconnect; on `goAway` the replacement connection is opened and set up before the old one
//! closes, and mic audio waits in the queue across the switch, so no input frame is lost. A resumed session
//! is sent again the tool responses, texts and context it had not consumed (by the server's
//! `lastConsumedClientMessageIndex` when it sends one, see [`GeminiLive::with_transparent_resumption`]).
//!
//! Audio input must be PCM16 mono at 16 kHz ([`Provider::input_rate_hz`](crate::Provider::input_rate_hz)).

mod dialect;
mod setup;

use async_trait::async_trait;

use crate::backoff::RetryPolicy;
use crate::config::{Provider, SessionConfig};
use crate::endpoint::GeminiEndpoint;
use crate::error::{Error, Result};
use crate::realtime::{KeepAlive, Limits, RealtimeTransport, connection_builders};
use crate::secret::ApiKey;
use crate::session::Session;
use crate::tls::Trust;
use crate::ws::driver;

/// Where the Gemini API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyPlacement {
    /// The `x-goog-api-key` header, as the Python SDK does (the default; keeps the key out of URLs).
    #[default]
    Header,
    /// The `?key=` query parameter, for gateways that need it. The URL is then never logged.
    Query,
}

/// Gemini Live over WebSocket.
///
/// ```no_run
/// use voicebot_transport::{ApiKey, GeminiEndpoint, GeminiLive, RealtimeTransport, SessionConfig};
/// # async fn demo() -> voicebot_transport::Result<()> {
/// let transport = GeminiLive::new(GeminiEndpoint::default(), ApiKey::new("AIza..."));
/// let config = SessionConfig::new("gemini-2.5-flash-native-audio-preview-12-2025", "Be brief.");
/// let session = transport.connect(config).await?;
/// session.send_audio(&[0; 320])?; // 20 ms at 16 kHz; queued until setupComplete
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GeminiLive {
    endpoint: GeminiEndpoint,
    key: ApiKey,
    placement: KeyPlacement,
    retry: RetryPolicy,
    keepalive: KeepAlive,
    limits: Limits,
    transparent: bool,
    trust: Trust,
}

impl GeminiLive {
    /// A client for `endpoint` authenticating with `key` in the header, with the default retry policy and a
    /// keepalive tolerant of slow pongs ([`KeepAlive::GEMINI`]).
    pub fn new(endpoint: GeminiEndpoint, key: ApiKey) -> Self {
        GeminiLive {
            endpoint,
            key,
            placement: KeyPlacement::Header,
            retry: RetryPolicy::default(),
            keepalive: KeepAlive::GEMINI,
            limits: Limits::default(),
            transparent: false,
            trust: Trust::new(),
        }
    }

    /// Chooses where the key travels.
    #[must_use]
    pub fn with_key_placement(mut self, placement: KeyPlacement) -> Self {
        self.placement = placement;
        self
    }

    /// Asks for transparent session resumption (`sessionResumption.transparent`), so that every resumption
    /// update says which client message it includes (`lastConsumedClientMessageIndex`) and a resumed session
    /// is sent exactly the commands it had not consumed. Vertex AI offers it; the Gemini Developer API does
    /// not (the official SDK refuses the option there), so it is off by default. Without it, the commands
    /// written after the latest handle arrived are sent again, which never sends one twice.
    #[must_use]
    pub fn with_transparent_resumption(mut self, transparent: bool) -> Self {
        self.transparent = transparent;
        self
    }
}

connection_builders!(GeminiLive);

#[async_trait]
impl RealtimeTransport for GeminiLive {
    fn provider(&self) -> Provider {
        Provider::Gemini
    }

    async fn connect(&self, config: SessionConfig) -> Result<Session> {
        if self.key.is_empty() {
            return Err(Error::MissingKey { variable: "GEMINI_API_KEY", needed_for: "Gemini Live" });
        }
        let wire =
            dialect::GeminiWire::new(self.endpoint.clone(), self.key.clone(), self.placement, self.keepalive)
                .with_transparent_resumption(self.transparent)
                .with_trust(self.trust.clone());
        driver::start(wire, config, &self.retry, self.limits).await
    }
}
