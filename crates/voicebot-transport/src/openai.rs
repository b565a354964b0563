//! [`OpenAiRealtime`]: the OpenAI Realtime (GA) WebSocket client.
//!
//! `Authorization: Bearer <key>` and `?model=` on the URL, no `OpenAI-Beta` header (GA rejects it), and a
//! `session.update` built with `voicebot-protocol`, so it always carries `session.type: "realtime"`.
//! Beta event names from old gateways decode as their GA equivalents. A beta dialect can be chosen for gateways
//! that still need the beta header and session shape.
//!
//! # Reconnects and tool results
//! A new OpenAI connection is a new, empty conversation, so the transport reports
//! [`RealtimeEvent::Reconnected`](crate::RealtimeEvent::Reconnected) with `resumed: false` and the caller re-seeds
//! context. Tool results are not left to the caller: a call stays open from its
//! [`RealtimeEvent::ToolCall`](crate::RealtimeEvent::ToolCall) until the response that reads its result has
//! finished. A result given after a reconnect is sent with the `function_call` item re-created first (the new
//! conversation has never seen the call), and a result given before a reconnect whose answer had not finished is
//! sent again on the new connection, followed by `response.create`. So a tool result is never lost and never
//! refused as an unknown call, and an answer that was already given is not asked for twice.

mod calls;
mod dialect;
mod session;

use async_trait::async_trait;

use crate::backoff::RetryPolicy;
use crate::config::{Provider, SessionConfig};
use crate::endpoint::OpenAiEndpoint;
use crate::error::{Error, Result};
use crate::realtime::{KeepAlive, Limits, RealtimeTransport, connection_builders};
use crate::secret::ApiKey;
use crate::session::Session;
use crate::tls::Trust;
use crate::ws::driver;

/// Which shape of the Realtime protocol to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenAiDialect {
    /// The GA protocol, the only one api.openai.com accepts.
    #[default]
    Ga,
    /// The retired beta protocol (`OpenAI-Beta: realtime=v1` and the beta `session.update`), for gateways
    /// that still speak it.
    Beta,
}

/// OpenAI Realtime over WebSocket.
///
/// ```no_run
/// use voicebot_transport::{ApiKey, OpenAiEndpoint, OpenAiRealtime, RealtimeTransport, SessionConfig};
/// # async fn demo() -> voicebot_transport::Result<()> {
/// let transport = OpenAiRealtime::new(OpenAiEndpoint::default(), ApiKey::new("sk-..."));
/// let session = transport.connect(SessionConfig::new("gpt-realtime-2.1", "Be brief.")).await?;
/// session.send_audio(&[0; 480])?; // 20 ms at 24 kHz
/// while let Some(event) = session.next_event().await {
///     println!("{event:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OpenAiRealtime {
    endpoint: OpenAiEndpoint,
    key: ApiKey,
    dialect: OpenAiDialect,
    retry: RetryPolicy,
    keepalive: KeepAlive,
    limits: Limits,
    trust: Trust,
}

impl OpenAiRealtime {
    /// A client for `endpoint` authenticating with `key`: GA dialect, default retry policy and keepalive.
    pub fn new(endpoint: OpenAiEndpoint, key: ApiKey) -> Self {
        OpenAiRealtime {
            endpoint,
            key,
            dialect: OpenAiDialect::Ga,
            retry: RetryPolicy::default(),
            keepalive: KeepAlive::OPENAI,
            limits: Limits::default(),
            trust: Trust::new(),
        }
    }

    /// Chooses the protocol dialect (GA by default).
    #[must_use]
    pub fn with_dialect(mut self, dialect: OpenAiDialect) -> Self {
        self.dialect = dialect;
        self
    }
}

connection_builders!(OpenAiRealtime);

#[async_trait]
impl RealtimeTransport for OpenAiRealtime {
    fn provider(&self) -> Provider {
        Provider::OpenAi
    }

    async fn connect(&self, config: SessionConfig) -> Result<Session> {
        if self.key.is_empty() {
            return Err(Error::MissingKey { variable: "OPENAI_API_KEY", needed_for: "OpenAI Realtime" });
        }
        let wire =
            dialect::OpenAiWire::new(self.endpoint.clone(), self.key.clone(), self.dialect, self.keepalive)
                .with_trust(self.trust.clone());
        driver::start(wire, config, &self.retry, self.limits).await
    }
}
