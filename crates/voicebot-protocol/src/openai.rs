//! OpenAI Realtime API (GA) over WebSocket: every client event, every server event, and the objects they carry.
//!
//! - [`ClientEvent`]: `session.update`, `input_audio_buffer.*`, `conversation.item.*`, `response.create` /
//!   `response.cancel` and `output_audio_buffer.clear`.
//! - [`ServerEvent`]: the GA server events, with the retired beta names (`response.audio.delta`,
//!   `response.text.*`, `response.audio_transcript.*`, `conversation.item.created`) accepted as aliases that
//!   decode to, and encode as, their GA equivalents.
//! - The objects inside them: [`Session`] (tagged by `session.type`, so a GA `session.update` can neither be
//!   encoded nor decoded without it), [`Item`] and [`ContentPart`], [`Response`] with [`Usage`], and
//!   [`ErrorDetail`].
//!
//! Values the provider keeps extending decode into an `Other` fallback instead of failing: unknown strings
//! (voices, statuses, reasons), and unknown tagged objects (items, tools, turn detection) kept as raw JSON.
//! Fields where `null` differs from absent (`turn_detection`, `noise_reduction`, `transcription`, `tracing`,
//! `prompt`) are `Option<Option<_>>`: `Some(None)` is written as `null`.
//!
//! # Example
//! ```
//! use voicebot_protocol::WireMessage;
//! use voicebot_protocol::openai::{ClientEvent, Item, RealtimeSession, ServerEvent, Tool, Voice};
//!
//! // A voice-agent session with one tool; `session.type` is always written.
//! let session = RealtimeSession {
//!     tools: Some(vec![Tool::function(
//!         "get_time",
//!         "Local time",
//!         serde_json::json!({"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}),
//!     )]),
//!     ..RealtimeSession::voice_agent("Be brief.", Voice::Marin)
//! };
//! let frame = ClientEvent::session_update(session).encode()?;
//! assert!(frame.starts_with(r#"{"type":"session.update","session":{"type":"realtime""#));
//!
//! // A tool result, then a request for the model to go on.
//! let output = ClientEvent::create_item(Item::function_call_output("call_1", r#"{"time":"12:00"}"#));
//! assert_eq!(output.kind(), "conversation.item.create");
//!
//! // Harmless races are reported as errors; tell them apart.
//! let event = ServerEvent::decode(
//!     r#"{"type":"error","event_id":"event_1","error":{"type":"invalid_request_error",
//!         "code":"response_cancel_not_active","message":"Cancellation failed: no active response found.",
//!         "param":null,"event_id":null}}"#,
//! )?;
//! if let ServerEvent::Error(error) = &event {
//!     assert!(error.error.is_benign());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod audio;
mod client;
mod error;
mod item;
mod response;
mod server;
mod session;
mod streaming;
mod support;
mod tools;
mod transcription;

#[cfg(test)]
mod strategies;

pub use audio::{
    AudioConfig, AudioFormat, AudioFormatType, AudioInput, AudioOutput, Eagerness, InputAudioTranscription,
    NoiseReduction, NoiseReductionType, PCM_RATE_HZ, SemanticVad, ServerVad, TurnDetection, Voice, VoiceId,
};
pub use client::{
    ClientEvent, ConversationItemCreate, ConversationItemDelete, ConversationItemRetrieve,
    ConversationItemTruncate, InputAudioBufferAppend, InputAudioBufferClear, InputAudioBufferCommit,
    OutputAudioBufferClear, ResponseCancel, ResponseCreate, SessionUpdate,
};
pub use error::{BENIGN_ERROR_CODES, ErrorDetail, ErrorType};
pub use item::{
    ContentKind, ContentPart, FunctionCall, FunctionCallOutput, Item, ItemReference, ItemStatus,
    McpApprovalRequest, McpApprovalResponse, McpCall, McpError, McpErrorKind, McpListTools, McpListedTool,
    Message, Role,
};
pub use response::{
    CachedTokensDetails, InputTokenDetails, OutputTokenDetails, Response, ResponseAudio, ResponseAudioOutput,
    ResponseConversation, ResponseCreateParams, ResponseStatus, StatusDetails, StatusError, StatusReason,
    Usage,
};
pub use server::{
    Conversation, ConversationCreated, ConversationItemAdded, ConversationItemDeleted, ConversationItemDone,
    ConversationItemRetrieved, ConversationItemTruncated, ErrorEvent, InputAudioBufferCleared,
    InputAudioBufferCommitted, InputAudioBufferDtmfEventReceived, InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped, InputAudioBufferTimeoutTriggered, ServerEvent, SessionCreated,
    SessionUpdated,
};
pub use session::{
    Include, MaxOutputTokens, Modality, Prompt, RealtimeSession, Reasoning, ReasoningEffort, Session,
    TokenLimits, Tracing, TracingConfig, TracingMode, TranscriptionAudio, TranscriptionSession, Truncation,
    TruncationMode, TruncationStrategy,
};
pub use streaming::{
    McpListToolsCompleted, McpListToolsFailed, McpListToolsInProgress, OutputAudioBufferCleared,
    OutputAudioBufferStarted, OutputAudioBufferStopped, RateLimit, RateLimitName, RateLimitsUpdated,
    ResponseContentPartAdded, ResponseContentPartDone, ResponseCreated, ResponseDone,
    ResponseFunctionCallArgumentsDelta, ResponseFunctionCallArgumentsDone, ResponseMcpCallArgumentsDelta,
    ResponseMcpCallArgumentsDone, ResponseMcpCallCompleted, ResponseMcpCallFailed, ResponseMcpCallInProgress,
    ResponseOutputAudioDelta, ResponseOutputAudioDone, ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone, ResponseOutputItemAdded, ResponseOutputItemDone,
    ResponseOutputTextDelta, ResponseOutputTextDone,
};
pub use tools::{ForcedTool, FunctionTool, McpTool, Tool, ToolChoice, ToolChoiceMode};
pub use transcription::{
    ConversationItemInputAudioTranscriptionCompleted, ConversationItemInputAudioTranscriptionDelta,
    ConversationItemInputAudioTranscriptionFailed, ConversationItemInputAudioTranscriptionSegment, LogProb,
    TranscriptionDurationUsage, TranscriptionError, TranscriptionInputTokenDetails, TranscriptionLanguage,
    TranscriptionTokenUsage, TranscriptionUsage,
};
