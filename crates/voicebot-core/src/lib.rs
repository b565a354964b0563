//! The facade of voicebot: what other Rust projects depend on.
//!
//! # Role
//! `voicebot-core` joins the leaf crates into the two assistants: the *direct* pipeline (one OpenAI Realtime
//! session, streaming playback, barge-in, tools, summarization) and the *handoff* pipeline (a Gemini Live main
//! session that hears a wake phrase and calls one tool, a text "brain" over the Responses API, a reader session that
//! speaks the result verbatim). It also holds configuration, metrics and the event journal, and the adapters that
//! need two leaves at once (the LLM summarizer and `ask_brain`, both over `TextModel`).
//!
//! Downstream users depend on this crate alone; the leaf crates are re-exported under short names.
//!
//! # What it deliberately does not do
//! It never reads the process environment on its own (the app passes the variables to [`config::Config::load`],
//! which reads only the files it is given), never installs a tracing subscriber and never builds a runtime.
//!
//! # Main types
//! - [`HandoffPipeline`] and [`DirectPipeline`]: the two assistants, each an actor driving a pure state machine;
//!   [`assemble`] builds them from a [`config::Config`].
//! - [`config`]: layered configuration (defaults, `voicebot.toml`, `.env`, environment, command line).
//! - [`journal`]: the JSON-lines record of a run; [`brain`], [`adapters`]: the text model behind `ask_brain` and
//!   the summarizer.

pub mod adapters;
pub mod assemble;
pub mod brain;
pub mod config;
mod direct;
mod error;
mod handoff;
mod health;
pub mod journal;
pub mod prompts;
mod sessions;
mod watchdog;
pub mod wer;

pub use direct::{DirectOutcome, DirectPipeline};
pub use error::{ConfigError, PipelineError, SetupError};
pub use handoff::{DEFAULT_READER_TIMEOUT, DEFAULT_WER_WARNING, HandoffOutcome, HandoffPipeline};
pub use voicebot_audio as audio;
pub use voicebot_protocol as protocol;
pub use voicebot_state as state;
pub use voicebot_tools as tools;
pub use voicebot_transport as transport;
