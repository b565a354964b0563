//! Server events of a response in flight: lifecycle, output items, audio/text deltas, tool calls, MCP, limits.

use serde::{Deserialize, Serialize};

use super::item::{ContentPart, Item};
use super::response::Response;
use crate::error::PcmError;
use crate::serde_util::string_enum;

/// `response.created`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseCreated {
    /// The server event id.
    pub event_id: String,
    /// The new response, `in_progress`, usually with empty output.
    pub response: Response,
}

/// `response.done`: the last event of every response, whatever its status.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseDone {
    /// The server event id.
    pub event_id: String,
    /// The final response with its output items (without audio bytes) and usage.
    pub response: Response,
}

/// `response.output_item.added`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseOutputItemAdded {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The new item (a message or a function call), `in_progress`.
    pub item: Item,
}

/// `response.output_item.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseOutputItemDone {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The final item.
    pub item: Item,
}

/// `response.content_part.added`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseContentPartAdded {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
    /// The new part; its type is `audio` or `text` (GA spellings `output_*` are accepted too).
    pub part: ContentPart,
}

/// `response.content_part.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseContentPartDone {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
    /// The final part, with its full text or transcript.
    pub part: ContentPart,
}

/// `response.output_audio.delta` (beta `response.audio.delta`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseOutputAudioDelta {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The assistant item the audio belongs to (the one to truncate on barge-in).
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
    /// Base64 audio in the session's output format.
    pub delta: String,
}

impl ResponseOutputAudioDelta {
    /// Decodes the delta as PCM16 samples (for the `audio/pcm` output format).
    ///
    /// # Errors
    /// A [`PcmError`] when the delta is not base64 or has an odd number of bytes.
    pub fn pcm(&self) -> Result<Vec<i16>, PcmError> {
        crate::pcm::decode_i16(&self.delta)
    }
}

/// `response.output_audio.done` (beta `response.audio.done`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseOutputAudioDone {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
}

/// `response.output_audio_transcript.delta` (beta `response.audio_transcript.delta`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseOutputAudioTranscriptDelta {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
    /// The new transcript text.
    pub delta: String,
}

/// `response.output_audio_transcript.done` (beta `response.audio_transcript.done`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseOutputAudioTranscriptDone {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
    /// The full transcript.
    pub transcript: String,
}

/// `response.output_text.delta` (beta `response.text.delta`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseOutputTextDelta {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
    /// The new text.
    pub delta: String,
}

/// `response.output_text.done` (beta `response.text.done`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseOutputTextDone {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The part's index in the item content.
    pub content_index: u32,
    /// The full text.
    pub text: String,
}

/// `response.function_call_arguments.delta`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseFunctionCallArgumentsDelta {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The `function_call` item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The call id.
    pub call_id: String,
    /// The new argument text.
    pub delta: String,
}

/// `response.function_call_arguments.done`: the call is complete and can run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseFunctionCallArgumentsDone {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The `function_call` item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The call id, to quote in the `function_call_output`.
    pub call_id: String,
    /// The function name.
    pub name: String,
    /// The arguments, as JSON text.
    pub arguments: String,
}

/// `rate_limits.updated`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RateLimitsUpdated {
    /// The server event id.
    pub event_id: String,
    /// One entry per limit.
    pub rate_limits: Vec<RateLimit>,
}

/// One rate limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RateLimit {
    /// What is limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<RateLimitName>,
    /// The maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// What is left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Seconds until the limit resets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_seconds: Option<f64>,
}

string_enum! {
    /// [`RateLimit::name`].
    pub enum RateLimitName {
        /// Requests per interval.
        Requests = "requests",
        /// Tokens per interval.
        Tokens = "tokens",
    }
}

/// `output_audio_buffer.started` (WebRTC and SIP only).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputAudioBufferStarted {
    /// The server event id.
    pub event_id: String,
    /// The response whose audio plays.
    pub response_id: String,
}

/// `output_audio_buffer.stopped` (WebRTC and SIP only).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputAudioBufferStopped {
    /// The server event id.
    pub event_id: String,
    /// The response whose audio finished.
    pub response_id: String,
}

/// `output_audio_buffer.cleared` (WebRTC and SIP only).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputAudioBufferCleared {
    /// The server event id.
    pub event_id: String,
    /// The response whose audio was cut.
    pub response_id: String,
}

/// `mcp_list_tools.in_progress`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct McpListToolsInProgress {
    /// The server event id.
    pub event_id: String,
    /// The `mcp_list_tools` item.
    pub item_id: String,
}

/// `mcp_list_tools.completed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct McpListToolsCompleted {
    /// The server event id.
    pub event_id: String,
    /// The `mcp_list_tools` item.
    pub item_id: String,
}

/// `mcp_list_tools.failed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct McpListToolsFailed {
    /// The server event id.
    pub event_id: String,
    /// The `mcp_list_tools` item.
    pub item_id: String,
}

/// `response.mcp_call_arguments.delta`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseMcpCallArgumentsDelta {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The `mcp_call` item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The new argument text.
    pub delta: String,
    /// Padding that hides the payload size, if the server adds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obfuscation: Option<String>,
}

/// `response.mcp_call_arguments.done`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseMcpCallArgumentsDone {
    /// The server event id.
    pub event_id: String,
    /// The response.
    pub response_id: String,
    /// The `mcp_call` item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
    /// The arguments, as JSON text.
    pub arguments: String,
}

/// `response.mcp_call.in_progress`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseMcpCallInProgress {
    /// The server event id.
    pub event_id: String,
    /// The `mcp_call` item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
}

/// `response.mcp_call.completed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseMcpCallCompleted {
    /// The server event id.
    pub event_id: String,
    /// The `mcp_call` item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
}

/// `response.mcp_call.failed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseMcpCallFailed {
    /// The server event id.
    pub event_id: String,
    /// The `mcp_call` item.
    pub item_id: String,
    /// The item's index in the response output.
    pub output_index: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_deltas_decode_to_pcm() {
        let delta =
            ResponseOutputAudioDelta { delta: crate::pcm::encode_i16(&[0, 1, -3]), ..Default::default() };
        assert_eq!(delta.pcm().unwrap(), [0, 1, -3]);
        let odd = ResponseOutputAudioDelta { delta: "AAAB".into(), ..Default::default() };
        assert!(odd.pcm().is_err());
    }
}
