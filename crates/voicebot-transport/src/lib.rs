//! Clients for the providers voicebot talks to.
//!
//! # Role
//! The [`RealtimeTransport`] seam and its implementations ([`OpenAiRealtime`], [`GeminiLive`]) over WebSockets (OpenAI Realtime GA and Gemini Live), and
//! the [`TextModel`] seam with its OpenAI Responses API client ([`ResponsesClient`]). Each connection is a reader task, a writer task with
//! a bounded outbound audio queue that drops the oldest frame under backpressure (and counts it), and a supervisor
//! that reconnects with exponential backoff and full jitter, re-sends the session configuration and tells the caller.
//! Every failure is classified once, here ([`Error::class`]): permanent ones (a refused key, an unknown model, a
//! close 1007, or 1008 before set-up, an untrusted certificate) are never retried and name the [`Setting`] to fix;
//! transient ones are retried until the [`RetryPolicy`] gives up.
//! Provider wire types (from `voicebot-protocol`) stay inside this crate: callers see [`RealtimeEvent`]s.
//!
//! Endpoints follow the official SDKs ([`OpenAiEndpoint`], [`GeminiEndpoint`]), so the same code talks to the real
//! services, to the `voicebot-sim` simulator, or to any compatible gateway. Keys are [`ApiKey`]s, which never
//! print.
//!
//! # TLS
//! `wss://` and `https://` go through rustls. Every client trusts Mozilla's root certificates and whatever a
//! [`Trust`] adds from PEM files (`with_trust` on each client), built once into one rustls configuration shared by
//! all three clients. A server certificate that is refused (an unknown authority, another host's name, expired)
//! is [`Error::Certificate`], which is never retried.
//!
//! # What it deliberately does not do
//! It does not decide anything about a conversation: when to truncate, what to summarize or which tool to run is
//! the pipelines' job in `voicebot-core`. It never touches audio devices or resamples (audio arrives at the
//! provider's rate), and it never reads environment variables: endpoints, keys and the paths of CA files are
//! passed in (a CA file is the only file it reads, when [`Trust::with_ca_file`] is called).

mod backoff;
mod config;
mod endpoint;
mod error;
mod event;
mod gemini;
mod openai;
mod realtime;
mod responses_client;
mod secret;
mod session;
mod text;
mod tls;
mod ws;

pub use backoff::RetryPolicy;
pub use config::{Provider, SessionConfig, ToolSpec, Transcription, TurnDetection};
pub use endpoint::{
    GEMINI_DEFAULT_BASE_URL, GEMINI_LIVE_PATH, GeminiEndpoint, OPENAI_DEFAULT_BASE_URL, OpenAiEndpoint,
};
pub use error::{Error, ErrorClass, Failure, Result, Setting};
pub use event::{ItemRole, RealtimeEvent, TurnStatus, Usage};
pub use gemini::{GeminiLive, KeyPlacement};
pub use openai::{OpenAiDialect, OpenAiRealtime};
pub use realtime::{KeepAlive, Limits, RealtimeTransport};
pub use responses_client::{MAX_BODY_BYTES, RESPONSES_DEFAULT_TIMEOUT, ResponsesClient};
pub use secret::ApiKey;
pub use session::{SeedItem, SeedRole, Session, SessionStats};
pub use text::{TextModel, TextReply, TextRequest, TextUsage};
pub use tls::Trust;
