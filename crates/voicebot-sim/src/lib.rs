//! A wire-faithful simulator of OpenAI Realtime, Gemini Live and the OpenAI Responses API.
//!
//! # Role
//! In-process servers for all three APIs on one `127.0.0.1` port (plain, or TLS with a certificate it generates),
//! at the real services' paths, driven by scenarios
//! that are data under `fixtures/sim/`. Tests get base URLs and a handle to inspect what was received and to inject
//! faults (close codes, `goAway`, malformed frames, dropped connections, slow or failing HTTP answers).
//! It records protocol violations (a GA `session.update` without `session.type`, audio before `setupComplete`,
//! a tool response for an unknown call id, ...) so that a happy-path test can assert there were none.
//! It is a product, not a test toy: `voicebot sim --port N` runs it standalone.
//!
//! # The three APIs
//! - OpenAI Realtime GA, WebSocket `/v1/realtime?model=...`, `Authorization: Bearer <key>`. Sending
//!   `OpenAI-Beta: realtime=v1` gets the `beta_api_shape_disabled` error and a close, as on the real service.
//!   Server VAD, user items with scripted transcription, spoken responses with transcript deltas, the
//!   function-call flow, barge-in, `response.cancel`, item create, delete, retrieve and truncate with the real errors.
//! - Gemini Live, WebSocket `/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent`, key in
//!   `x-goog-api-key` or `?key=`. Server frames are binary, as on the real service. A session whose setup declares
//!   functions is a *main* (VAD, scripted transcription and tool calls); one without is a *reader* (speaks the text
//!   it is given). Session resumption and `goAway` are modelled.
//! - Responses, HTTP `POST /v1/responses`, plain JSON or SSE with `stream: true`.
//!
//! Transcriptions are sent only when the session asks for them (`inputAudioTranscription`,
//! `outputAudioTranscription`, `audio.input.transcription`), as on the real services.
//!
//! A missing or invalid key (any key listed in [`Scenario::invalid_keys`], by default `invalid`) gets HTTP 401 with
//! the service's JSON error body at the handshake. Every frame is decoded with `voicebot-protocol`.
//!
//! # Main types
//! [`Sim`] starts a simulator and returns a [`SimHandle`]: base URLs, [`Frame`]s, [`Connection`]s,
//! [`Violation`]s, `push`, `inject(`[`Fault`]`)`, `wait_*` helpers that never sleep, and `shutdown`.
//! [`Scenario`] is the script, loaded from JSON with unknown fields refused.
//!
//! # Timeline and deaf windows
//! Every connection's monotonic timeline is recorded: connect, each `setup` / `session.update` received and
//! acknowledged, first and latest input audio frame and their count, each `turnComplete` / spoken
//! `response.done` sent, each tool call sent and its response received, close. [`SimHandle::timeline`] returns
//! it as [`SessionTimeline`]s and [`SimHandle::deaf_windows`] computes, for each reader session (one that
//! declares no tools), the time from its final turn to the first audio frame of the next main session
//! ([`DeafWindow`]). A program outside the process gets all of it, with the violations, as a [`Report`] from
//! `GET /sim/report`.
//!
//! # Scripts across sessions
//! The Gemini utterance script is shared by the main sessions of one simulator: a new main session goes on
//! where the previous one stopped, as the handoff pipeline replaces its main after every narration.
//!
//! # Audio
//! Input audio goes through an energy VAD (RMS in dBFS over 20 ms windows, threshold -45 dBFS, 60 ms of speech to
//! start, 500 ms hangover to end; see [`VadConfig`]). Output audio is 24 kHz PCM16 in 80 ms chunks sent at 4x real
//! time by default ([`AudioConfig`]). The [`Voice`] is real speech from espeak-ng, resampled from its native
//! rate with rubato's FFT resampler, or a clearly synthetic 120 Hz buzz, about 70 ms per character, peaking at
//! -12 dBFS: `auto` (the default) picks espeak-ng when it is installed, a scenario can pin either, and pinning
//! `espeak` where it is missing makes [`Sim::start`] fail with [`Error::EspeakUnavailable`]. The binary is the
//! scenario's `espeak_binary`, else `$VOICEBOT_ESPEAK`, else `espeak-ng` on `PATH`
//! (`VOICEBOT_ESPEAK=/nonexistent` simulates a machine without it). Speech is generated on tokio's blocking
//! pool and cached per simulator by voice and text (64 texts, 10 minutes of audio at most), so a session
//! keeps answering pings, cancels and truncates while espeak-ng runs.
//!
//! # What it deliberately does not do
//! It never talks to a real provider and never proxies. It shares wire types with the clients through
//! `voicebot-protocol` but never imports the transport crate, so a bug in a client cannot hide behind the same
//! bug in the simulator. It understands no language: transcripts and answers come from the scenario or are
//! derived mechanically from the input. No WebRTC, no ephemeral tokens. Scenario files are JSON only.
//!
//! # TLS
//! [`Sim::start_tls`] serves `https://` and `wss://` instead: rcgen generates a CA and a server certificate for
//! `localhost`, `127.0.0.1` and `::1` (or the names in [`TlsOptions`]) at start, and the CA is written to a PEM
//! file ([`SimHandle::ca_file`]) for clients to trust. [`TlsOptions::for_names`] makes a certificate for another
//! host and [`TlsOptions::signed_by_unpublished_ca`] one no client can trust, to test how clients refuse them;
//! [`SimHandle::tls_handshakes`] records every handshake and why it failed.
//!
//! # Example
//! ```no_run
//! # async fn demo() -> voicebot_sim::Result<()> {
//! use std::time::Duration;
//! use voicebot_sim::{Api, Fault, Scenario, Sim};
//!
//! let sim = Sim::start(Scenario::from_file("fixtures/sim/handoff.json")?).await?;
//! // OPENAI_BASE_URL=sim.openai_base_url(), GEMINI_BASE_URL=sim.gemini_base_url(); run the client...
//! sim.inject(Fault::Close { api: Api::Gemini, code: 1011, reason: "Internal error encountered.".into(), after_ms: 0 })?;
//! let connections = sim.wait_connections(2, Duration::from_secs(5)).await?;
//! assert!(sim.violations().is_empty(), "{:?}", sim.violations());
//! # let _ = connections;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod error;
mod fault;
mod gemini;
mod handle;
mod link;
mod openai;
mod record;
mod responses;
mod scenario;
mod server;
mod shared;
mod speech;
mod timeline;
mod tls;
mod vad;

pub use error::{Error, Result};
pub use fault::Fault;
pub use handle::{Sim, SimHandle};
pub use record::{Api, AudioStats, CloseRecord, Connection, Direction, Frame, Marks, Violation};
pub use scenario::{
    AudioConfig, GeminiScript, OpenAiScript, OpenAiTurn, ResponsesScript, Scenario, ScriptedAnswer,
    TokensPerTurn, ToolCallScript, Utterance, VadConfig, Voice,
};
pub use timeline::{DeafWindow, Report, SessionRole, SessionTimeline, ToolCallTiming, deaf_windows};
pub use tls::{DEFAULT_TLS_NAMES, TlsHandshake, TlsOptions};
