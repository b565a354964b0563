//! Typed wire models for the three APIs voicebot speaks: OpenAI Realtime, Gemini Live and the OpenAI Responses API.
//!
//! This crate is the single source of truth for what goes on the wire. The transport clients encode with it and
//! the simulator decodes with it, so a shape fixed here is fixed on both sides at once.
//!
//! # What it does
//! - [`openai`]: every OpenAI Realtime client event and every server event of the GA protocol. The retired beta
//!   event names (`response.audio.delta`, `conversation.item.created`, ...) decode as aliases of their GA
//!   equivalents, so third-party gateways that still speak beta work too.
//! - [`gemini`]: Gemini Live client messages (`setup`, `realtimeInput`, `clientContent`, `toolResponse`) and server
//!   messages, where one frame may carry several keys. camelCase on the wire, snake_case accepted on decode.
//! - [`responses`]: the Responses API request body, response object, error body and every SSE event.
//! - [`pcm`]: base64 PCM16 little-endian to and from `i16` and `f32` samples.
//!
//! Every message type implements [`WireMessage`]: `decode` never panics, an unknown kind becomes an `Unknown`
//! value holding the raw JSON, and a known kind with a malformed body is a [`DecodeError`] naming that kind.
//! Encoding produces what the real services accept: a GA `session.update` always carries `session.type`, and a
//! Gemini tool result is always a JSON object.
//!
//! # What it deliberately does not do
//! No I/O, no async, no sockets, no retry logic and no provider-neutral events: that is `voicebot-transport`.
//! It does not validate semantics across messages (say, a tool response for an unknown call id); the simulator
//! does that. Domain crates (`voicebot-state`, `voicebot-tools`) never see these types.
//!
//! # Example
//! ```
//! use voicebot_protocol::WireMessage;
//! use voicebot_protocol::openai::ServerEvent;
//!
//! // A beta event name from an old gateway decodes as its GA equivalent.
//! let frame = r#"{"type":"response.audio.delta","event_id":"e1","response_id":"r1","item_id":"i1",
//!                 "output_index":0,"content_index":0,"delta":"AAABAA=="}"#;
//! let event = ServerEvent::decode(frame)?;
//! assert_eq!(event.kind(), "response.output_audio.delta");
//!
//! // Kinds added by the provider after this crate was written are kept, not rejected.
//! let future = ServerEvent::decode(r#"{"type":"response.hologram.delta","x":1}"#)?;
//! assert!(future.is_unknown());
//! # Ok::<(), voicebot_protocol::DecodeError>(())
//! ```

mod error;
pub mod gemini;
pub mod openai;
pub mod pcm;
pub mod responses;
mod serde_util;
mod wire;

pub use error::{DecodeError, EncodeError, PcmError, RAW_EXCERPT_BYTES};
pub use wire::WireMessage;
