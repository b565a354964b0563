//! Server events: the [`ServerEvent`] enum and the bodies of session, conversation and input-buffer events.

use serde::{Deserialize, Serialize};

use super::error::ErrorDetail;
use super::item::Item;
use super::session::Session;
use super::streaming::{
    McpListToolsCompleted, McpListToolsFailed, McpListToolsInProgress, OutputAudioBufferCleared,
    OutputAudioBufferStarted, OutputAudioBufferStopped, RateLimitsUpdated, ResponseContentPartAdded,
    ResponseContentPartDone, ResponseCreated, ResponseDone, ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone, ResponseMcpCallArgumentsDelta, ResponseMcpCallArgumentsDone,
    ResponseMcpCallCompleted, ResponseMcpCallFailed, ResponseMcpCallInProgress, ResponseOutputAudioDelta,
    ResponseOutputAudioDone, ResponseOutputAudioTranscriptDelta, ResponseOutputAudioTranscriptDone,
    ResponseOutputItemAdded, ResponseOutputItemDone, ResponseOutputTextDelta, ResponseOutputTextDone,
};
use super::support::impl_from_bodies;
use super::transcription::{
    ConversationItemInputAudioTranscriptionCompleted, ConversationItemInputAudioTranscriptionDelta,
    ConversationItemInputAudioTranscriptionFailed, ConversationItemInputAudioTranscriptionSegment,
};
use crate::wire::tagged_events;

tagged_events! {
    /// A server event of the GA Realtime protocol. Retired beta names decode as aliases of their GA events.
    ///
    /// Every variant converts from its body, which is how the simulator builds events.
    // Session events are large and rare; audio deltas are small and frequent. Boxing the large ones would only
    // make construction and matching clumsier.
    #[allow(clippy::large_enum_variant)]
    pub enum ServerEvent {
        /// The first event of every session: the effective configuration.
        SessionCreated(SessionCreated) = "session.created",
        /// The effective configuration after a `session.update`.
        SessionUpdated(SessionUpdated) = "session.updated",
        /// The default conversation was created (beta; still in the GA SDK union).
        ConversationCreated(ConversationCreated) = "conversation.created",
        /// VAD heard speech start.
        InputAudioBufferSpeechStarted(InputAudioBufferSpeechStarted) = "input_audio_buffer.speech_started",
        /// VAD heard speech stop.
        InputAudioBufferSpeechStopped(InputAudioBufferSpeechStopped) = "input_audio_buffer.speech_stopped",
        /// The input buffer became a user item.
        InputAudioBufferCommitted(InputAudioBufferCommitted) = "input_audio_buffer.committed",
        /// The input buffer was discarded.
        InputAudioBufferCleared(InputAudioBufferCleared) = "input_audio_buffer.cleared",
        /// The idle timeout of server VAD fired.
        InputAudioBufferTimeoutTriggered(InputAudioBufferTimeoutTriggered) = "input_audio_buffer.timeout_triggered",
        /// A DTMF key press arrived (SIP).
        InputAudioBufferDtmfEventReceived(InputAudioBufferDtmfEventReceived) =
            "input_audio_buffer.dtmf_event_received",
        /// An item was added to the conversation (beta: `conversation.item.created`).
        ConversationItemAdded(ConversationItemAdded) = "conversation.item.added" | "conversation.item.created",
        /// An item is final.
        ConversationItemDone(ConversationItemDone) = "conversation.item.done",
        /// The answer to `conversation.item.retrieve`, audio included.
        ConversationItemRetrieved(ConversationItemRetrieved) = "conversation.item.retrieved",
        /// An item was deleted.
        ConversationItemDeleted(ConversationItemDeleted) = "conversation.item.deleted",
        /// An assistant audio item was truncated.
        ConversationItemTruncated(ConversationItemTruncated) = "conversation.item.truncated",
        /// Part of the user's transcript.
        ConversationItemInputAudioTranscriptionDelta(ConversationItemInputAudioTranscriptionDelta) =
            "conversation.item.input_audio_transcription.delta",
        /// The user's full transcript.
        ConversationItemInputAudioTranscriptionCompleted(ConversationItemInputAudioTranscriptionCompleted) =
            "conversation.item.input_audio_transcription.completed",
        /// Input transcription failed.
        ConversationItemInputAudioTranscriptionFailed(ConversationItemInputAudioTranscriptionFailed) =
            "conversation.item.input_audio_transcription.failed",
        /// A diarized transcript segment.
        ConversationItemInputAudioTranscriptionSegment(ConversationItemInputAudioTranscriptionSegment) =
            "conversation.item.input_audio_transcription.segment",
        /// A response started.
        ResponseCreated(ResponseCreated) = "response.created",
        /// A response ended: completed, cancelled, incomplete or failed.
        ResponseDone(ResponseDone) = "response.done",
        /// A response began an output item.
        ResponseOutputItemAdded(ResponseOutputItemAdded) = "response.output_item.added",
        /// An output item is final.
        ResponseOutputItemDone(ResponseOutputItemDone) = "response.output_item.done",
        /// An output item began a content part.
        ResponseContentPartAdded(ResponseContentPartAdded) = "response.content_part.added",
        /// A content part is final.
        ResponseContentPartDone(ResponseContentPartDone) = "response.content_part.done",
        /// A chunk of output audio (beta: `response.audio.delta`).
        ResponseOutputAudioDelta(ResponseOutputAudioDelta) = "response.output_audio.delta" | "response.audio.delta",
        /// Output audio of a part is complete (beta: `response.audio.done`).
        ResponseOutputAudioDone(ResponseOutputAudioDone) = "response.output_audio.done" | "response.audio.done",
        /// A chunk of the output audio's transcript (beta: `response.audio_transcript.delta`).
        ResponseOutputAudioTranscriptDelta(ResponseOutputAudioTranscriptDelta) =
            "response.output_audio_transcript.delta" | "response.audio_transcript.delta",
        /// The output audio's full transcript (beta: `response.audio_transcript.done`).
        ResponseOutputAudioTranscriptDone(ResponseOutputAudioTranscriptDone) =
            "response.output_audio_transcript.done" | "response.audio_transcript.done",
        /// A chunk of output text (beta: `response.text.delta`).
        ResponseOutputTextDelta(ResponseOutputTextDelta) = "response.output_text.delta" | "response.text.delta",
        /// The full output text (beta: `response.text.done`).
        ResponseOutputTextDone(ResponseOutputTextDone) = "response.output_text.done" | "response.text.done",
        /// A chunk of function-call arguments.
        ResponseFunctionCallArgumentsDelta(ResponseFunctionCallArgumentsDelta) =
            "response.function_call_arguments.delta",
        /// A function call is complete: run it.
        ResponseFunctionCallArgumentsDone(ResponseFunctionCallArgumentsDone) =
            "response.function_call_arguments.done",
        /// Rate limits, sent when a response starts.
        RateLimitsUpdated(RateLimitsUpdated) = "rate_limits.updated",
        /// The server began playing audio (WebRTC and SIP only).
        OutputAudioBufferStarted(OutputAudioBufferStarted) = "output_audio_buffer.started",
        /// The server finished playing audio (WebRTC and SIP only).
        OutputAudioBufferStopped(OutputAudioBufferStopped) = "output_audio_buffer.stopped",
        /// The server's audio buffer was cleared (WebRTC and SIP only).
        OutputAudioBufferCleared(OutputAudioBufferCleared) = "output_audio_buffer.cleared",
        /// An MCP server's tool list is loading.
        McpListToolsInProgress(McpListToolsInProgress) = "mcp_list_tools.in_progress",
        /// An MCP server's tool list loaded.
        McpListToolsCompleted(McpListToolsCompleted) = "mcp_list_tools.completed",
        /// An MCP server's tool list failed to load.
        McpListToolsFailed(McpListToolsFailed) = "mcp_list_tools.failed",
        /// A chunk of MCP call arguments.
        ResponseMcpCallArgumentsDelta(ResponseMcpCallArgumentsDelta) = "response.mcp_call_arguments.delta",
        /// MCP call arguments are complete.
        ResponseMcpCallArgumentsDone(ResponseMcpCallArgumentsDone) = "response.mcp_call_arguments.done",
        /// An MCP call started.
        ResponseMcpCallInProgress(ResponseMcpCallInProgress) = "response.mcp_call.in_progress",
        /// An MCP call succeeded.
        ResponseMcpCallCompleted(ResponseMcpCallCompleted) = "response.mcp_call.completed",
        /// An MCP call failed.
        ResponseMcpCallFailed(ResponseMcpCallFailed) = "response.mcp_call.failed",
        /// An error; the socket usually stays open. See [`ErrorDetail::is_benign`].
        Error(ErrorEvent) = "error",
    }
}

impl_from_bodies!(ServerEvent {
    SessionCreated(SessionCreated),
    SessionUpdated(SessionUpdated),
    ConversationCreated(ConversationCreated),
    InputAudioBufferSpeechStarted(InputAudioBufferSpeechStarted),
    InputAudioBufferSpeechStopped(InputAudioBufferSpeechStopped),
    InputAudioBufferCommitted(InputAudioBufferCommitted),
    InputAudioBufferCleared(InputAudioBufferCleared),
    InputAudioBufferTimeoutTriggered(InputAudioBufferTimeoutTriggered),
    InputAudioBufferDtmfEventReceived(InputAudioBufferDtmfEventReceived),
    ConversationItemAdded(ConversationItemAdded),
    ConversationItemDone(ConversationItemDone),
    ConversationItemRetrieved(ConversationItemRetrieved),
    ConversationItemDeleted(ConversationItemDeleted),
    ConversationItemTruncated(ConversationItemTruncated),
    ConversationItemInputAudioTranscriptionDelta(ConversationItemInputAudioTranscriptionDelta),
    ConversationItemInputAudioTranscriptionCompleted(ConversationItemInputAudioTranscriptionCompleted),
    ConversationItemInputAudioTranscriptionFailed(ConversationItemInputAudioTranscriptionFailed),
    ConversationItemInputAudioTranscriptionSegment(ConversationItemInputAudioTranscriptionSegment),
    ResponseCreated(ResponseCreated),
    ResponseDone(ResponseDone),
    ResponseOutputItemAdded(ResponseOutputItemAdded),
    ResponseOutputItemDone(ResponseOutputItemDone),
    ResponseContentPartAdded(ResponseContentPartAdded),
    ResponseContentPartDone(ResponseContentPartDone),
    ResponseOutputAudioDelta(ResponseOutputAudioDelta),
    ResponseOutputAudioDone(ResponseOutputAudioDone),
    ResponseOutputAudioTranscriptDelta(ResponseOutputAudioTranscriptDelta),
    ResponseOutputAudioTranscriptDone(ResponseOutputAudioTranscriptDone),
    ResponseOutputTextDelta(ResponseOutputTextDelta),
    ResponseOutputTextDone(ResponseOutputTextDone),
    ResponseFunctionCallArgumentsDelta(ResponseFunctionCallArgumentsDelta),
    ResponseFunctionCallArgumentsDone(ResponseFunctionCallArgumentsDone),
    RateLimitsUpdated(RateLimitsUpdated),
    OutputAudioBufferStarted(OutputAudioBufferStarted),
    OutputAudioBufferStopped(OutputAudioBufferStopped),
    OutputAudioBufferCleared(OutputAudioBufferCleared),
    McpListToolsInProgress(McpListToolsInProgress),
    McpListToolsCompleted(McpListToolsCompleted),
    McpListToolsFailed(McpListToolsFailed),
    ResponseMcpCallArgumentsDelta(ResponseMcpCallArgumentsDelta),
    ResponseMcpCallArgumentsDone(ResponseMcpCallArgumentsDone),
    ResponseMcpCallInProgress(ResponseMcpCallInProgress),
    ResponseMcpCallCompleted(ResponseMcpCallCompleted),
    ResponseMcpCallFailed(ResponseMcpCallFailed),
    Error(ErrorEvent),
});

/// `session.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCreated {
    /// The server event id.
    pub event_id: String,
    /// The full effective configuration, with `id`, `object` and `expires_at`.
    pub session: Session,
}

/// `session.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionUpdated {
    /// The server event id.
    pub event_id: String,
    /// The full effective configuration after the update.
    pub session: Session,
}

/// `conversation.created`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationCreated {
    /// The server event id.
    pub event_id: String,
    /// The conversation.
    pub conversation: Conversation,
}

/// [`ConversationCreated::conversation`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// The conversation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `realtime.conversation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

/// `input_audio_buffer.speech_started`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferSpeechStarted {
    /// The server event id.
    pub event_id: String,
    /// Where speech started in the buffer, in ms since the session began (prefix padding included).
    pub audio_start_ms: u64,
    /// The id of the user item that the speech will become.
    pub item_id: String,
}

/// `input_audio_buffer.speech_stopped`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferSpeechStopped {
    /// The server event id.
    pub event_id: String,
    /// Where speech stopped, in ms since the session began.
    pub audio_end_ms: u64,
    /// The id of the user item.
    pub item_id: String,
}

/// `input_audio_buffer.committed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferCommitted {
    /// The server event id.
    pub event_id: String,
    /// The id of the user item created from the buffer.
    pub item_id: String,
    /// The item it follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_item_id: Option<String>,
}

/// `input_audio_buffer.cleared`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferCleared {
    /// The server event id.
    pub event_id: String,
}

/// `input_audio_buffer.timeout_triggered`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferTimeoutTriggered {
    /// The server event id.
    pub event_id: String,
    /// The id of the (empty) user item added for the timeout.
    pub item_id: String,
    /// Start of the idle audio, in ms since the session began.
    pub audio_start_ms: u64,
    /// End of the idle audio, in ms since the session began.
    pub audio_end_ms: u64,
}

/// `input_audio_buffer.dtmf_event_received`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferDtmfEventReceived {
    /// The server event id (the SDK does not list one for this event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The key pressed: `0`-`9`, `*`, `#`, `A`-`D`.
    pub event: String,
    /// When the key press arrived, in Unix seconds.
    pub received_at: i64,
}

/// `conversation.item.added` (and beta `conversation.item.created`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationItemAdded {
    /// The server event id.
    pub event_id: String,
    /// The item it follows; absent or `null` at the start of the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_item_id: Option<String>,
    /// The item, without audio bytes.
    pub item: Item,
}

/// `conversation.item.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationItemDone {
    /// The server event id.
    pub event_id: String,
    /// The item it follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_item_id: Option<String>,
    /// The final item, without audio bytes.
    pub item: Item,
}

/// `conversation.item.retrieved`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationItemRetrieved {
    /// The server event id.
    pub event_id: String,
    /// The item with its full content, audio included.
    pub item: Item,
}

/// `conversation.item.deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationItemDeleted {
    /// The server event id.
    pub event_id: String,
    /// The deleted item.
    pub item_id: String,
}

/// `conversation.item.truncated`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationItemTruncated {
    /// The server event id.
    pub event_id: String,
    /// The truncated assistant item.
    pub item_id: String,
    /// The truncated content part.
    pub content_index: u32,
    /// Where the audio now ends, in ms.
    pub audio_end_ms: u64,
}

/// `error`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// The server event id.
    pub event_id: String,
    /// What went wrong.
    pub error: ErrorDetail,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WireMessage;
    use crate::openai::{ContentKind, RealtimeSession};

    #[test]
    fn beta_names_decode_as_their_ga_events() {
        let created = ServerEvent::decode(
            r#"{"type":"conversation.item.created","event_id":"e1","previous_item_id":null,
                "item":{"type":"message","role":"user","content":[{"type":"input_audio","transcript":null}]}}"#,
        )
        .unwrap();
        assert_eq!(created.kind(), "conversation.item.added");
        assert!(created.encode().unwrap().starts_with(r#"{"type":"conversation.item.added""#));

        let text = ServerEvent::decode(
            r#"{"type":"response.text.delta","event_id":"e2","response_id":"r","item_id":"i",
                "output_index":0,"content_index":0,"delta":"Hi"}"#,
        )
        .unwrap();
        assert_eq!(text.kind(), "response.output_text.delta");
    }

    #[test]
    fn content_parts_accept_every_spelling() {
        for spelling in ["audio", "text", "output_audio", "output_text"] {
            let frame = format!(
                r#"{{"type":"response.content_part.added","event_id":"e","response_id":"r","item_id":"i",
                    "output_index":0,"content_index":0,"part":{{"type":"{spelling}","transcript":""}}}}"#
            );
            let ServerEvent::ResponseContentPartAdded(event) = ServerEvent::decode(&frame).unwrap() else {
                panic!("{spelling}")
            };
            assert_ne!(event.part.kind, ContentKind::Other(spelling.into()));
        }
    }

    #[test]
    fn session_events_need_a_typed_session() {
        let event = ServerEvent::from(SessionUpdated {
            event_id: "e".into(),
            session: RealtimeSession { id: Some("sess_1".into()), ..RealtimeSession::default() }.into(),
        });
        let text = event.encode().unwrap();
        assert!(text.contains(r#""session":{"type":"realtime","id":"sess_1"}"#), "{text}");
        let err = ServerEvent::decode(r#"{"type":"session.created","event_id":"e","session":{"id":"s"}}"#)
            .unwrap_err();
        assert_eq!(err.event_kind(), Some("session.created"));
    }

    #[test]
    fn malformed_known_events_are_errors_and_unknown_ones_are_kept() {
        let err = ServerEvent::decode(r#"{"type":"input_audio_buffer.speech_started","event_id":"e"}"#)
            .unwrap_err();
        assert_eq!(err.event_kind(), Some("input_audio_buffer.speech_started"));
        let unknown = ServerEvent::decode(r#"{"type":"response.hologram.delta","event_id":"e"}"#).unwrap();
        assert!(unknown.is_unknown());
        for garbage in ["", "null", "[]", "{}", r#"{"type":5}"#, "\u{0}"] {
            assert!(ServerEvent::decode(garbage).is_err(), "{garbage:?}");
        }
    }
}
