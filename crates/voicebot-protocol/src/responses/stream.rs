//! Every server-sent event of a streamed response (the SDK's `ResponseStreamEvent` union), tagged by `type`.

mod text;
mod tools;

use serde::{Deserialize, Serialize};

pub use self::text::{
    ContentDelta, ResponseAudioDelta, ResponseAudioDone, ResponseContentPart, ResponseOutputItem,
    ResponseOutputTextAnnotationAdded, ResponseOutputTextDelta, ResponseOutputTextDone,
    ResponseReasoningSummaryPart, ResponseReasoningSummaryTextDelta, ResponseReasoningSummaryTextDone,
    ResponseReasoningTextDone, ResponseRefusalDone,
};
pub use self::tools::{
    ArgumentsDone, ItemDelta, ItemProgress, ResponseCodeInterpreterCallCodeDone,
    ResponseCustomToolCallInputDone, ResponseImageGenerationCallPartialImage, ResponseShellCallCommand,
    ResponseShellCallCommandDelta, ResponseShellCallOutputContentDelta, ResponseShellCallOutputContentDone,
    ShellOutputDelta,
};
use super::response::Response;
use super::support::string_or_number;
use crate::wire::tagged_events;

/// The lifecycle events `response.created`, `.in_progress`, `.queued`, `.completed`, `.incomplete` and `.failed`,
/// each carrying the whole response as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseSnapshot {
    /// The response; final in the terminal events.
    pub response: Response,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// The `error` event. Its fields are at the top level, not under `error`. It ends the stream, so it is read
/// leniently: only `type` is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamError {
    /// The error code, e.g. `server_error` or `rate_limit_exceeded`.
    #[serde(default, deserialize_with = "string_or_number", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What went wrong (empty when a gateway leaves it out).
    #[serde(default)]
    pub message: String,
    /// The request parameter involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// Position of this event in the stream (0 when a gateway leaves it out).
    #[serde(default)]
    pub sequence_number: u64,
}

tagged_events! {
    /// A server-sent event of a streamed response: the JSON `data` of one SSE frame.
    ///
    /// The typical order is `response.created`, `response.in_progress`, then per item `output_item.added`,
    /// `content_part.added`, `output_text.delta`…, `output_text.done`, `content_part.done`, `output_item.done`,
    /// and finally one terminal event (see [`StreamEvent::is_terminal`]). Stop reading there.
    pub enum StreamEvent {
        /// The response was created.
        ResponseCreated(ResponseSnapshot) = "response.created",
        /// Generation started.
        ResponseInProgress(ResponseSnapshot) = "response.in_progress",
        /// Queued (background mode).
        ResponseQueued(ResponseSnapshot) = "response.queued",
        /// Terminal: finished normally.
        ResponseCompleted(ResponseSnapshot) = "response.completed",
        /// Terminal: stopped early; see `incomplete_details`.
        ResponseIncomplete(ResponseSnapshot) = "response.incomplete",
        /// Terminal: failed; see `response.error`.
        ResponseFailed(ResponseSnapshot) = "response.failed",
        /// Terminal: an error outside the response.
        Error(StreamError) = "error",
        /// An output item started.
        ResponseOutputItemAdded(ResponseOutputItem) = "response.output_item.added",
        /// An output item finished.
        ResponseOutputItemDone(ResponseOutputItem) = "response.output_item.done",
        /// A content part started.
        ResponseContentPartAdded(ResponseContentPart) = "response.content_part.added",
        /// A content part finished.
        ResponseContentPartDone(ResponseContentPart) = "response.content_part.done",
        /// More visible text.
        ResponseOutputTextDelta(ResponseOutputTextDelta) = "response.output_text.delta",
        /// A text part is complete.
        ResponseOutputTextDone(ResponseOutputTextDone) = "response.output_text.done",
        /// A citation was added to a text part.
        ResponseOutputTextAnnotationAdded(ResponseOutputTextAnnotationAdded) = "response.output_text.annotation.added",
        /// More refusal text.
        ResponseRefusalDelta(ContentDelta) = "response.refusal.delta",
        /// A refusal is complete.
        ResponseRefusalDone(ResponseRefusalDone) = "response.refusal.done",
        /// More raw reasoning text.
        ResponseReasoningTextDelta(ContentDelta) = "response.reasoning_text.delta",
        /// Raw reasoning text is complete.
        ResponseReasoningTextDone(ResponseReasoningTextDone) = "response.reasoning_text.done",
        /// A reasoning summary part started.
        ResponseReasoningSummaryPartAdded(ResponseReasoningSummaryPart) = "response.reasoning_summary_part.added",
        /// A reasoning summary part finished.
        ResponseReasoningSummaryPartDone(ResponseReasoningSummaryPart) = "response.reasoning_summary_part.done",
        /// More reasoning summary text.
        ResponseReasoningSummaryTextDelta(ResponseReasoningSummaryTextDelta) = "response.reasoning_summary_text.delta",
        /// A reasoning summary text is complete.
        ResponseReasoningSummaryTextDone(ResponseReasoningSummaryTextDone) = "response.reasoning_summary_text.done",
        /// More audio (base64).
        ResponseAudioDelta(ResponseAudioDelta) = "response.audio.delta",
        /// The audio is complete.
        ResponseAudioDone(ResponseAudioDone) = "response.audio.done",
        /// More audio transcript.
        ResponseAudioTranscriptDelta(ResponseAudioDelta) = "response.audio.transcript.delta",
        /// The audio transcript is complete.
        ResponseAudioTranscriptDone(ResponseAudioDone) = "response.audio.transcript.done",
        /// More function call arguments.
        ResponseFunctionCallArgumentsDelta(ItemDelta) = "response.function_call_arguments.delta",
        /// Function call arguments are complete.
        ResponseFunctionCallArgumentsDone(ArgumentsDone) = "response.function_call_arguments.done",
        /// More MCP call arguments.
        ResponseMcpCallArgumentsDelta(ItemDelta) = "response.mcp_call_arguments.delta",
        /// MCP call arguments are complete.
        ResponseMcpCallArgumentsDone(ArgumentsDone) = "response.mcp_call_arguments.done",
        /// More custom tool input.
        ResponseCustomToolCallInputDelta(ItemDelta) = "response.custom_tool_call_input.delta",
        /// Custom tool input is complete.
        ResponseCustomToolCallInputDone(ResponseCustomToolCallInputDone) = "response.custom_tool_call_input.done",
        /// More code interpreter code.
        ResponseCodeInterpreterCallCodeDelta(ItemDelta) = "response.code_interpreter_call_code.delta",
        /// Code interpreter code is complete.
        ResponseCodeInterpreterCallCodeDone(ResponseCodeInterpreterCallCodeDone) = "response.code_interpreter_call_code.done",
        /// A code interpreter call started.
        ResponseCodeInterpreterCallInProgress(ItemProgress) = "response.code_interpreter_call.in_progress",
        /// A code interpreter call is running the code.
        ResponseCodeInterpreterCallInterpreting(ItemProgress) = "response.code_interpreter_call.interpreting",
        /// A code interpreter call finished.
        ResponseCodeInterpreterCallCompleted(ItemProgress) = "response.code_interpreter_call.completed",
        /// A web search started.
        ResponseWebSearchCallInProgress(ItemProgress) = "response.web_search_call.in_progress",
        /// A web search is searching.
        ResponseWebSearchCallSearching(ItemProgress) = "response.web_search_call.searching",
        /// A web search finished.
        ResponseWebSearchCallCompleted(ItemProgress) = "response.web_search_call.completed",
        /// A file search started.
        ResponseFileSearchCallInProgress(ItemProgress) = "response.file_search_call.in_progress",
        /// A file search is searching.
        ResponseFileSearchCallSearching(ItemProgress) = "response.file_search_call.searching",
        /// A file search finished.
        ResponseFileSearchCallCompleted(ItemProgress) = "response.file_search_call.completed",
        /// An image generation started.
        ResponseImageGenerationCallInProgress(ItemProgress) = "response.image_generation_call.in_progress",
        /// An image is being generated.
        ResponseImageGenerationCallGenerating(ItemProgress) = "response.image_generation_call.generating",
        /// A partial image is available.
        ResponseImageGenerationCallPartialImage(ResponseImageGenerationCallPartialImage) = "response.image_generation_call.partial_image",
        /// An image generation finished.
        ResponseImageGenerationCallCompleted(ItemProgress) = "response.image_generation_call.completed",
        /// An MCP call started.
        ResponseMcpCallInProgress(ItemProgress) = "response.mcp_call.in_progress",
        /// An MCP call finished.
        ResponseMcpCallCompleted(ItemProgress) = "response.mcp_call.completed",
        /// An MCP call failed.
        ResponseMcpCallFailed(ItemProgress) = "response.mcp_call.failed",
        /// Listing the tools of an MCP server started.
        ResponseMcpListToolsInProgress(ItemProgress) = "response.mcp_list_tools.in_progress",
        /// Listing the tools of an MCP server finished.
        ResponseMcpListToolsCompleted(ItemProgress) = "response.mcp_list_tools.completed",
        /// Listing the tools of an MCP server failed.
        ResponseMcpListToolsFailed(ItemProgress) = "response.mcp_list_tools.failed",
        /// The context is being compacted.
        ResponseCompactionCompacting(ItemProgress) = "response.compaction.compacting",
        /// A shell command started.
        ResponseShellCallCommandAdded(ResponseShellCallCommand) = "response.shell_call_command.added",
        /// More shell command text.
        ResponseShellCallCommandDelta(ResponseShellCallCommandDelta) = "response.shell_call_command.delta",
        /// A shell command is complete.
        ResponseShellCallCommandDone(ResponseShellCallCommand) = "response.shell_call_command.done",
        /// More shell command output.
        ResponseShellCallOutputContentDelta(ResponseShellCallOutputContentDelta) = "response.shell_call_output_content.delta",
        /// Shell command output is complete.
        ResponseShellCallOutputContentDone(ResponseShellCallOutputContentDone) = "response.shell_call_output_content.done",
    }
}

impl StreamEvent {
    /// Whether this event ends the stream: `response.completed`, `response.incomplete`, `response.failed` or
    /// `error`. Stop reading here; do not wait for `[DONE]`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::ResponseCompleted(_)
                | Self::ResponseIncomplete(_)
                | Self::ResponseFailed(_)
                | Self::Error(_)
        )
    }

    /// The response carried by a lifecycle event (`response.created`, …, `response.failed`).
    pub fn response(&self) -> Option<&Response> {
        match self {
            Self::ResponseCreated(body)
            | Self::ResponseInProgress(body)
            | Self::ResponseQueued(body)
            | Self::ResponseCompleted(body)
            | Self::ResponseIncomplete(body)
            | Self::ResponseFailed(body) => Some(&body.response),
            _ => None,
        }
    }

    /// The text of a `response.output_text.delta`.
    pub fn text_delta(&self) -> Option<&str> {
        match self {
            Self::ResponseOutputTextDelta(body) => Some(&body.delta),
            _ => None,
        }
    }

    /// The event's `sequence_number` (for an unknown event, read from the raw JSON when present).
    pub fn sequence_number(&self) -> Option<u64> {
        let number = match self {
            Self::ResponseCreated(b)
            | Self::ResponseInProgress(b)
            | Self::ResponseQueued(b)
            | Self::ResponseCompleted(b)
            | Self::ResponseIncomplete(b)
            | Self::ResponseFailed(b) => b.sequence_number,
            Self::Error(b) => b.sequence_number,
            Self::ResponseOutputItemAdded(b) | Self::ResponseOutputItemDone(b) => b.sequence_number,
            Self::ResponseContentPartAdded(b) | Self::ResponseContentPartDone(b) => b.sequence_number,
            Self::ResponseOutputTextDelta(b) => b.sequence_number,
            Self::ResponseOutputTextDone(b) => b.sequence_number,
            Self::ResponseOutputTextAnnotationAdded(b) => b.sequence_number,
            Self::ResponseRefusalDelta(b) | Self::ResponseReasoningTextDelta(b) => b.sequence_number,
            Self::ResponseRefusalDone(b) => b.sequence_number,
            Self::ResponseReasoningTextDone(b) => b.sequence_number,
            Self::ResponseReasoningSummaryPartAdded(b) | Self::ResponseReasoningSummaryPartDone(b) => {
                b.sequence_number
            }
            Self::ResponseReasoningSummaryTextDelta(b) => b.sequence_number,
            Self::ResponseReasoningSummaryTextDone(b) => b.sequence_number,
            Self::ResponseAudioDelta(b) | Self::ResponseAudioTranscriptDelta(b) => b.sequence_number,
            Self::ResponseAudioDone(b) | Self::ResponseAudioTranscriptDone(b) => b.sequence_number,
            Self::ResponseFunctionCallArgumentsDelta(b)
            | Self::ResponseMcpCallArgumentsDelta(b)
            | Self::ResponseCustomToolCallInputDelta(b)
            | Self::ResponseCodeInterpreterCallCodeDelta(b) => b.sequence_number,
            Self::ResponseFunctionCallArgumentsDone(b) | Self::ResponseMcpCallArgumentsDone(b) => {
                b.sequence_number
            }
            Self::ResponseCustomToolCallInputDone(b) => b.sequence_number,
            Self::ResponseCodeInterpreterCallCodeDone(b) => b.sequence_number,
            Self::ResponseCodeInterpreterCallInProgress(b)
            | Self::ResponseCodeInterpreterCallInterpreting(b)
            | Self::ResponseCodeInterpreterCallCompleted(b)
            | Self::ResponseWebSearchCallInProgress(b)
            | Self::ResponseWebSearchCallSearching(b)
            | Self::ResponseWebSearchCallCompleted(b)
            | Self::ResponseFileSearchCallInProgress(b)
            | Self::ResponseFileSearchCallSearching(b)
            | Self::ResponseFileSearchCallCompleted(b)
            | Self::ResponseImageGenerationCallInProgress(b)
            | Self::ResponseImageGenerationCallGenerating(b)
            | Self::ResponseImageGenerationCallCompleted(b)
            | Self::ResponseMcpCallInProgress(b)
            | Self::ResponseMcpCallCompleted(b)
            | Self::ResponseMcpCallFailed(b)
            | Self::ResponseMcpListToolsInProgress(b)
            | Self::ResponseMcpListToolsCompleted(b)
            | Self::ResponseMcpListToolsFailed(b)
            | Self::ResponseCompactionCompacting(b) => b.sequence_number,
            Self::ResponseImageGenerationCallPartialImage(b) => b.sequence_number,
            Self::ResponseShellCallCommandAdded(b) | Self::ResponseShellCallCommandDone(b) => {
                b.sequence_number
            }
            Self::ResponseShellCallCommandDelta(b) => b.sequence_number,
            Self::ResponseShellCallOutputContentDelta(b) => b.sequence_number,
            Self::ResponseShellCallOutputContentDone(b) => b.sequence_number,
            Self::Unknown { raw, .. } => {
                return raw.get("sequence_number").and_then(serde_json::Value::as_u64);
            }
        };
        Some(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WireMessage;

    #[test]
    fn the_error_event_has_its_fields_at_the_top_level_and_is_terminal() {
        let event = StreamEvent::decode(
            r#"{"type":"error","code":"server_error","message":"The server had an error","param":null,"sequence_number":4}"#,
        )
        .unwrap();
        let StreamEvent::Error(error) = &event else { panic!("{event:?}") };
        assert_eq!(error.code.as_deref(), Some("server_error"));
        assert!(event.is_terminal());
        assert_eq!(event.sequence_number(), Some(4));
    }

    #[test]
    fn terminal_events_carry_the_response() {
        let event = StreamEvent::decode(
            r#"{"type":"response.incomplete","sequence_number":9,"response":{"id":"resp_1","object":"response",
                "model":"m","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
                "output":[{"type":"reasoning","id":"rs_1","summary":[]}]}}"#,
        )
        .unwrap();
        assert!(event.is_terminal());
        assert!(event.response().unwrap().budget_spent_on_reasoning());
        let created = StreamEvent::decode(
            r#"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","model":"m"}}"#,
        )
        .unwrap();
        assert!(!created.is_terminal());
    }

    #[test]
    fn text_deltas_decode_with_or_without_logprobs_and_obfuscation() {
        let event = StreamEvent::decode(
            r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,
                "delta":"Which","sequence_number":5,"obfuscation":"kX9"}"#,
        )
        .unwrap();
        assert_eq!(event.text_delta(), Some("Which"));
        let encoded = event.encode().unwrap();
        assert!(
            encoded.contains(r#""logprobs":[]"#) && encoded.contains(r#""obfuscation":"kX9""#),
            "{encoded}"
        );
    }

    #[test]
    fn unknown_events_keep_their_sequence_number() {
        let event =
            StreamEvent::decode(r#"{"type":"response.hologram.delta","sequence_number":12}"#).unwrap();
        assert!(event.is_unknown() && !event.is_terminal());
        assert_eq!(event.sequence_number(), Some(12));
    }

    #[test]
    fn a_known_event_with_a_bad_body_names_its_kind() {
        let err = StreamEvent::decode(r#"{"type":"response.output_text.delta","delta":5}"#).unwrap_err();
        assert_eq!(err.event_kind(), Some("response.output_text.delta"));
    }

    #[test]
    fn there_is_one_variant_per_sdk_event() {
        assert_eq!(StreamEvent::KINDS.len(), 59);
    }
}
