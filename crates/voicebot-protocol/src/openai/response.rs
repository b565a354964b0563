//! The response object of `response.created` / `response.done`, its usage, and `response.create` parameters.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::audio::{AudioFormat, Voice};
use super::item::{FunctionCall, Item};
use super::session::{MaxOutputTokens, Modality, Prompt, Reasoning};
use super::support::nullable;
use super::tools::{Tool, ToolChoice};
use crate::serde_util::string_enum;

/// A response: `in_progress` in `response.created`, final in `response.done`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Response {
    /// The response id, `resp_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `realtime.response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The response's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    /// Why the response ended as it did (absent or `null` while in progress and on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_details: Option<StatusDetails>,
    /// The items the response produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<Item>>,
    /// Token usage, on `response.done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The conversation the response was added to; absent for out-of-band responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The modalities of the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<Modality>>,
    /// The output token cap that applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxOutputTokens>,
    /// The output audio settings that applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<ResponseAudio>,
    /// The metadata given in `response.create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl Response {
    /// The output items (empty when there are none).
    pub fn output(&self) -> &[Item] {
        self.output.as_deref().unwrap_or_default()
    }

    /// The function calls among the output items, in order.
    pub fn function_calls(&self) -> impl Iterator<Item = &FunctionCall> {
        self.output().iter().filter_map(|item| match item {
            Item::FunctionCall(call) => Some(call),
            _ => None,
        })
    }

    /// Whether the response was cancelled because the user started speaking (VAD barge-in).
    pub fn cancelled_by_turn(&self) -> bool {
        self.status == Some(ResponseStatus::Cancelled)
            && self.status_details.as_ref().and_then(|details| details.reason.as_ref())
                == Some(&StatusReason::TurnDetected)
    }
}

string_enum! {
    /// A response status, also the `type` of [`StatusDetails`].
    pub enum ResponseStatus {
        /// Finished normally.
        Completed = "completed",
        /// Cancelled by the client or by barge-in.
        Cancelled = "cancelled",
        /// Failed; see [`StatusDetails::error`].
        Failed = "failed",
        /// Cut short, for example by `max_output_tokens` or a content filter.
        Incomplete = "incomplete",
        /// Still running.
        InProgress = "in_progress",
    }
}

/// `status_details`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StatusDetails {
    /// The status this explains.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ResponseStatus>,
    /// Why a response was cancelled or incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<StatusReason>,
    /// Why a response failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StatusError>,
}

string_enum! {
    /// [`StatusDetails::reason`].
    pub enum StatusReason {
        /// Cancelled: the user started speaking.
        TurnDetected = "turn_detected",
        /// Cancelled: the client sent `response.cancel`.
        ClientCancelled = "client_cancelled",
        /// Incomplete: the output token cap was reached.
        MaxOutputTokens = "max_output_tokens",
        /// Incomplete: a content filter stopped the output.
        ContentFilter = "content_filter",
    }
}

/// [`StatusDetails::error`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusError {
    /// The error type, for example `server_error`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Token usage of one response. Every field is optional; the accessors read missing values as 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Input plus output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    /// Input tokens, cached ones included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// The input tokens by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_token_details: Option<InputTokenDetails>,
    /// The output tokens by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_token_details: Option<OutputTokenDetails>,
}

impl Usage {
    /// `total_tokens`, or input plus output when the server left it out.
    pub fn total(&self) -> u64 {
        self.total_tokens
            .unwrap_or_else(|| self.input_tokens.unwrap_or(0).saturating_add(self.output_tokens.unwrap_or(0)))
    }

    /// Input tokens served from the prompt cache.
    pub fn cached_tokens(&self) -> u64 {
        self.input_token_details.as_ref().and_then(|details| details.cached_tokens).unwrap_or(0)
    }

    /// Input audio tokens (the user's speech).
    pub fn input_audio_tokens(&self) -> u64 {
        self.input_token_details.as_ref().and_then(|details| details.audio_tokens).unwrap_or(0)
    }

    /// Output audio tokens (the model's speech).
    pub fn output_audio_tokens(&self) -> u64 {
        self.output_token_details.as_ref().and_then(|details| details.audio_tokens).unwrap_or(0)
    }

    /// Input text tokens.
    pub fn input_text_tokens(&self) -> u64 {
        self.input_token_details.as_ref().and_then(|details| details.text_tokens).unwrap_or(0)
    }

    /// Output text tokens.
    pub fn output_text_tokens(&self) -> u64 {
        self.output_token_details.as_ref().and_then(|details| details.text_tokens).unwrap_or(0)
    }
}

/// [`Usage::input_token_details`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputTokenDetails {
    /// Text tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<u64>,
    /// Audio tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Image tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tokens: Option<u64>,
    /// Tokens served from the cache (all kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
    /// The cached tokens by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_tokens_details: Option<CachedTokensDetails>,
}

/// [`InputTokenDetails::cached_tokens_details`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CachedTokensDetails {
    /// Cached text tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<u64>,
    /// Cached audio tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Cached image tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tokens: Option<u64>,
}

/// [`Usage::output_token_details`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputTokenDetails {
    /// Text tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<u64>,
    /// Audio tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
}

/// `response.audio` in a response or in `response.create`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseAudio {
    /// Output audio settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<ResponseAudioOutput>,
}

/// [`ResponseAudio::output`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseAudioOutput {
    /// The output format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    /// The voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Voice>,
}

/// The `response` parameters of `response.create`. Unset fields inherit the session's settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseCreateParams {
    /// Instructions for this response only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// `["audio"]` or `["text"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<Modality>>,
    /// Output audio settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<ResponseAudio>,
    /// Tools for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model chooses tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether the model may call several tools at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Which conversation the response joins: `auto` (the default one) or `none` (out of band).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ResponseConversation>,
    /// The input of an out-of-band response: items, or `item_reference`s to existing ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Vec<Item>>,
    /// Metadata echoed in the response, to recognise it in `response.done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// The output token cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxOutputTokens>,
    /// A stored prompt template; `Some(None)` (`null`) removes the session's one for this response.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Option<Prompt>>,
    /// Reasoning settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
}

string_enum! {
    /// [`ResponseCreateParams::conversation`]; a conversation id arrives as `Other`.
    pub enum ResponseConversation {
        /// The default conversation.
        Auto = "auto",
        /// No conversation: an out-of-band response.
        None = "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_accessors_read_missing_values_as_zero() {
        let usage: Usage = serde_json::from_str(
            r#"{"total_tokens":412,"input_tokens":300,"output_tokens":112,
                "input_token_details":{"text_tokens":120,"audio_tokens":180,"image_tokens":0,"cached_tokens":64,
                  "cached_tokens_details":{"text_tokens":64,"audio_tokens":0,"image_tokens":0}},
                "output_token_details":{"text_tokens":22,"audio_tokens":90}}"#,
        )
        .unwrap();
        assert_eq!(usage.total(), 412);
        assert_eq!(usage.cached_tokens(), 64);
        assert_eq!(usage.input_audio_tokens(), 180);
        assert_eq!(usage.output_audio_tokens(), 90);
        assert_eq!(usage.input_text_tokens(), 120);
        assert_eq!(usage.output_text_tokens(), 22);

        let partial = Usage { input_tokens: Some(5), output_tokens: Some(7), ..Usage::default() };
        assert_eq!(partial.total(), 12);
        assert_eq!(partial.cached_tokens(), 0);
        assert_eq!(Usage::default().total(), 0);
    }

    #[test]
    fn response_helpers_find_calls_and_barge_in() {
        let response: Response = serde_json::from_str(
            r#"{"id":"resp_1","status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"},
                "output":[{"type":"function_call","call_id":"call_1","name":"get_time","arguments":"{}"}]}"#,
        )
        .unwrap();
        assert!(response.cancelled_by_turn());
        assert_eq!(
            response.function_calls().map(|call| call.name.as_str()).collect::<Vec<_>>(),
            ["get_time"]
        );
        assert!(Response::default().output().is_empty());
        assert!(!Response::default().cancelled_by_turn());
    }

    #[test]
    fn null_status_details_decodes_as_absent() {
        let response: Response =
            serde_json::from_str(r#"{"status":"completed","status_details":null}"#).unwrap();
        assert_eq!(response.status_details, None);
    }
}
