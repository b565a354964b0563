//! Gemini Live (`BidiGenerateContent` over WebSocket): every client message and every server message.
//!
//! # Client to server: [`ClientMessage`]
//! Each frame is a JSON object with exactly one top-level key: `setup` (first, then wait for
//! `setupComplete`), `realtimeInput` (audio, video, text, activity markers), `clientContent` (ordered turns),
//! `toolResponse` (function results) or `contextUpdate`. Constructors cover the common frames:
//! [`ClientMessage::audio`] builds `realtimeInput.audio` with `audio/pcm;rate=16000`, and
//! [`FunctionResponse::result`] wraps a scalar tool result as `{"result": ...}`, because the service accepts
//! only an object there.
//!
//! # Server to client: [`ServerEvent`] and [`ServerMessage`]
//! Server frames arrive as binary WebSocket frames holding UTF-8 JSON (use
//! [`WireMessage::decode_bytes`](crate::WireMessage::decode_bytes)). One frame may carry several keys at once
//! (`serverContent` with `usageMetadata`), so a [`ServerMessage`] has one optional field per key and keeps
//! unknown keys in `extra`. [`ServerEvent`] is its [`WireMessage`](crate::WireMessage) form: `Message` when
//! at least one known key is present, `Unknown { kind, raw }` when none is, and a
//! [`DecodeError`](crate::DecodeError) naming the key when a known key's body is malformed. Its `kind()`
//! joins the known keys present with `+`: `serverContent+usageMetadata`.
//!
//! # Casing
//! Encoding always writes camelCase. Decoding also accepts snake_case field names at every level, as the
//! service does and as the Python SDK sends them (`{"realtime_input":{"audio":{"mime_type":...}}}`). Keys
//! inside user data (function arguments, tool results, JSON schemas) are never renamed. int64 values decode
//! from JSON numbers and from decimal strings; enum strings this crate does not know decode as `Other`.
//!
//! # Example
//! ```
//! use voicebot_protocol::WireMessage;
//! use voicebot_protocol::gemini::{ClientMessage, FunctionResponse, ServerEvent};
//!
//! let audio = ClientMessage::audio(&[0, 1, 2, -3], 16_000);
//! let expected = r#"{"realtimeInput":{"audio":{"mimeType":"audio/pcm;rate=16000","data":"AAABAAIA/f8="}}}"#;
//! assert_eq!(audio.encode()?, expected);
//!
//! let frame = br#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000",
//!     "data":"AAABAA=="}}]}},"usageMetadata":{"totalTokenCount":"42"}}"#;
//! let event = ServerEvent::decode_bytes(frame)?;
//! assert_eq!(event.kind(), "serverContent+usageMetadata");
//! let message = event.message().expect("a known message");
//! let content = message.server_content.as_ref().expect("serverContent");
//! let mut samples = Vec::new();
//! for blob in content.audio() {
//!     blob.decode_i16_into(&mut samples)?;
//! }
//! assert_eq!(samples, vec![0, 1]);
//!
//! let result = FunctionResponse::result("call-1", "get_time", "12:00".into());
//! let reply = ClientMessage::tool_response(vec![result]);
//! assert!(reply.encode()?.contains(r#""response":{"result":"12:00"}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod content;
mod enums;
mod serde_util;
mod server;
mod server_content;
mod session;
mod setup;
mod tools;
mod usage;

#[cfg(test)]
mod strategies;

pub use client::{
    ActivityEnd, ActivityStart, ClientContent, ClientMessage, ContextUpdate, ContextUpdateTools,
    RealtimeInput,
};
pub use content::{
    Blob, Content, FileData, INPUT_AUDIO_MIME_TYPE, INPUT_SAMPLE_RATE_HZ, OUTPUT_SAMPLE_RATE_HZ, Part,
    pcm_mime_type,
};
pub use enums::{
    ActivityHandling, Behavior, EndSensitivity, FunctionResponseScheduling, InteractionStatus, MediaModality,
    MediaResolution, Modality, Role, StartSensitivity, ThinkingLevel, TrafficType, TurnCompleteReason,
    TurnCoverage, VadSignalType, VoiceActivityType,
};
pub use server::{ServerEvent, ServerMessage};
pub use server_content::{ServerContent, Transcription};
pub use session::{
    GoAway, SessionResumptionUpdate, SetupComplete, VoiceActivity, VoiceActivityDetectionSignal,
    VoiceConsentSignature, parse_duration,
};
pub use setup::{
    AudioTranscriptionConfig, AutomaticActivityDetection, ContextWindowCompressionConfig, GenerationConfig,
    HistoryConfig, PrebuiltVoiceConfig, ProactivityConfig, RealtimeInputConfig, SessionResumptionConfig,
    Setup, SlidingWindow, SpeechConfig, ThinkingConfig, VoiceConfig,
};
pub use tools::{
    FunctionCall, FunctionDeclaration, FunctionResponse, Tool, ToolCall, ToolCallCancellation, ToolResponse,
};
pub use usage::{ModalityTokenCount, UsageMetadata};
