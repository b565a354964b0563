//! The response object, its usage and error, and the helpers that classify an outcome.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::config::{Reasoning, ServiceTier, TextConfig, Tool, ToolChoice, Truncation};
use super::input::{Input, InputItem};
use super::output::{FunctionCall, OutputContent, OutputItem};
use super::support::{serialize_seconds, string_or_number};
use crate::serde_util::string_enum;

/// A response: the body of a non-streaming call, and the `response` of `response.created` … `response.completed`.
///
/// Always written with `"object":"response"` (the field is not stored). Fields the SDK marks required but that
/// some gateways omit (`created_at`, `tool_choice`, `parallel_tool_calls`) are `Option` here.
///
/// `output_text` is not part of the JSON; [`Response::output_text`] computes it as the SDKs do.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "object", rename = "response")]
pub struct Response {
    /// Response id, `resp_…`.
    pub id: String,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "serialize_seconds")]
    pub created_at: Option<f64>,
    /// Unix seconds, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "serialize_seconds")]
    pub completed_at: Option<f64>,
    /// Where generation stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    /// Why generation failed, with `status: failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ResponseError>,
    /// Why generation stopped early, with `status: incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_details: Option<IncompleteDetails>,
    /// The model snapshot that answered, e.g. `gpt-5-mini-2025-08-07`.
    pub model: String,
    /// The request's instructions, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Input>,
    /// The generated items, in order. Always written.
    #[serde(default)]
    pub output: Vec<OutputItem>,
    /// Token usage; absent until the response finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The response this one chains onto.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// The request's token cap, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    /// The request's reasoning settings, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
    /// The request's text settings, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConfig>,
    /// The request's tools, echoed. Always written.
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// The request's tool choice, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether tool calls may run in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Sampling temperature used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Truncation strategy used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<Truncation>,
    /// The request's metadata, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// The tier that actually served the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
    /// Whether it ran in the background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// The request's safety identifier, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_identifier: Option<String>,
    /// The request's prompt cache key, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache_key: Option<String>,
}

string_enum! {
    /// `Response.status`.
    pub enum ResponseStatus {
        /// Finished normally.
        Completed = "completed",
        /// Stopped early; see `incomplete_details`.
        Incomplete = "incomplete",
        /// Failed; see `error`.
        Failed = "failed",
        /// Still generating.
        InProgress = "in_progress",
        /// Waiting to start (background mode).
        Queued = "queued",
        /// Cancelled (background mode).
        Cancelled = "cancelled",
    }
}

/// Why a response is incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IncompleteDetails {
    /// The reason, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<IncompleteReason>,
}

string_enum! {
    /// `incomplete_details.reason`.
    pub enum IncompleteReason {
        /// `max_output_tokens` ran out (reasoning tokens count).
        MaxOutputTokens = "max_output_tokens",
        /// The message limit was reached.
        MaxMessages = "max_messages",
        /// The content filter stopped the output.
        ContentFilter = "content_filter",
        /// Stopped at a safe boundary after a WebSocket `response.steer`.
        Steered = "steered",
    }
}

/// The error of a failed response (HTTP 200 with `status: failed`).
///
/// Read leniently (`code` and `message` may be missing or null, a numeric code becomes text) so that a failure is
/// never hidden behind a decode error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseError {
    /// `server_error`, `rate_limit_exceeded`, `invalid_prompt`, `vector_store_timeout`, an image error, ...
    #[serde(default, deserialize_with = "string_or_number", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What went wrong.
    #[serde(default)]
    pub message: String,
    /// The request parameter involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The original error type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl ResponseError {
    /// Whether the same request may succeed later: `server_error`, `rate_limit_exceeded`, `vector_store_timeout`.
    pub fn is_transient(&self) -> bool {
        matches!(self.code.as_deref(), Some("server_error" | "rate_limit_exceeded" | "vector_store_timeout"))
    }
}

/// Token usage. Counts a server leaves out read as 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Breakdown of input tokens.
    #[serde(default)]
    pub input_tokens_details: InputTokensDetails,
    /// Output tokens, reasoning included.
    #[serde(default)]
    pub output_tokens: u64,
    /// Breakdown of output tokens.
    #[serde(default)]
    pub output_tokens_details: OutputTokensDetails,
    /// Input plus output.
    #[serde(default)]
    pub total_tokens: u64,
}

/// Breakdown of input tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputTokensDetails {
    /// Tokens read from the prompt cache.
    #[serde(default)]
    pub cached_tokens: u64,
    /// Tokens written to the prompt cache, on servers that report it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
}

/// Breakdown of output tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputTokensDetails {
    /// Tokens spent reasoning (invisible).
    #[serde(default)]
    pub reasoning_tokens: u64,
}

impl Response {
    /// A response shell with this id and model and nothing else, for simulators.
    pub fn new(id: impl Into<String>, model: impl Into<String>) -> Self {
        Self { id: id.into(), model: model.into(), ..Self::default() }
    }

    /// All `output_text` parts of all message items, concatenated without separator (the SDKs' `output_text`).
    ///
    /// Empty when the model produced no text, for example when reasoning spent the whole token budget.
    pub fn output_text(&self) -> String {
        self.message_parts()
            .filter_map(|part| match part {
                OutputContent::OutputText(text) => Some(text.text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// All refusal parts concatenated, or `None` when the model did not refuse.
    pub fn refusal(&self) -> Option<String> {
        let mut refusals = self
            .message_parts()
            .filter_map(|part| match part {
                OutputContent::Refusal(refusal) => Some(refusal.refusal.as_str()),
                _ => None,
            })
            .peekable();
        refusals.peek()?;
        Some(refusals.collect())
    }

    /// The function calls the model made, in order.
    pub fn function_calls(&self) -> impl Iterator<Item = &FunctionCall> {
        self.output.iter().filter_map(|item| match item {
            OutputItem::FunctionCall(call) => Some(call),
            _ => None,
        })
    }

    /// Whether the output holds nothing but reasoning items (or nothing at all).
    pub fn has_only_reasoning(&self) -> bool {
        self.output.iter().all(|item| matches!(item, OutputItem::Reasoning(_)))
    }

    /// Whether the token budget ran out while the model was still reasoning: `incomplete` for
    /// `max_output_tokens` with only reasoning in the output. Retry with a larger `max_output_tokens` or lower
    /// effort; the empty [`Response::output_text`] is not an answer.
    pub fn budget_spent_on_reasoning(&self) -> bool {
        self.status == Some(ResponseStatus::Incomplete)
            && self.incomplete_details.as_ref().and_then(|details| details.reason.as_ref())
                == Some(&IncompleteReason::MaxOutputTokens)
            && self.has_only_reasoning()
    }

    /// Whether the status is final: completed, incomplete, failed or cancelled.
    pub fn is_finished(&self) -> bool {
        matches!(
            self.status,
            Some(
                ResponseStatus::Completed
                    | ResponseStatus::Incomplete
                    | ResponseStatus::Failed
                    | ResponseStatus::Cancelled
            )
        )
    }

    /// The output as input items, to replay the turn by hand (reasoning and message pairs stay together).
    pub fn to_input_items(&self) -> Vec<InputItem> {
        self.output.iter().cloned().map(InputItem::from).collect()
    }

    fn message_parts(&self) -> impl Iterator<Item = &OutputContent> {
        self.output.iter().flat_map(|item| match item {
            OutputItem::Message(message) => message.content.as_slice(),
            _ => &[],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responses::output::{OutputMessage, OutputText, ReasoningItem, Refusal, Role};

    fn message(parts: Vec<OutputContent>) -> OutputItem {
        OutputItem::Message(OutputMessage {
            id: "msg_1".into(),
            role: Role::Assistant,
            status: None,
            content: parts,
            phase: None,
        })
    }

    fn text(t: &str) -> OutputContent {
        OutputContent::OutputText(OutputText { text: t.into(), ..Default::default() })
    }

    fn reasoning() -> OutputItem {
        OutputItem::Reasoning(ReasoningItem { id: "rs_1".into(), ..Default::default() })
    }

    #[test]
    fn output_text_joins_every_text_part_of_every_message() {
        let mut response = Response::new("resp_1", "gpt-5-mini");
        response.output =
            vec![reasoning(), message(vec![text("Which "), text("evening?")]), message(vec![text("!")])];
        assert_eq!(response.output_text(), "Which evening?!");
        assert_eq!(response.refusal(), None);
        assert!(!response.has_only_reasoning());
    }

    #[test]
    fn refusals_are_reported_apart_from_text() {
        let mut response = Response::new("resp_1", "m");
        response.output = vec![message(vec![OutputContent::Refusal(Refusal {
            refusal: "I can't help with that.".into(),
        })])];
        assert_eq!(response.output_text(), "");
        assert_eq!(response.refusal().as_deref(), Some("I can't help with that."));
    }

    #[test]
    fn a_budget_spent_on_reasoning_is_recognised() {
        let mut response = Response::new("resp_1", "m");
        response.status = Some(ResponseStatus::Incomplete);
        response.incomplete_details =
            Some(IncompleteDetails { reason: Some(IncompleteReason::MaxOutputTokens) });
        response.output = vec![reasoning()];
        assert!(response.budget_spent_on_reasoning());
        assert!(response.is_finished());
        assert_eq!(response.output_text(), "");
        response.output.push(message(vec![text("Partial")]));
        assert!(!response.budget_spent_on_reasoning());
    }

    #[test]
    fn a_failure_decodes_even_with_a_sparse_error() {
        let response: Response = serde_json::from_str(
            r#"{"id":"r","model":"m","status":"failed","error":{"code":null,"message":"boom"}}"#,
        )
        .unwrap();
        let error = response.error.unwrap();
        assert_eq!((error.code, error.message.as_str()), (None, "boom"));
        let error: ResponseError = serde_json::from_str(r#"{"code":"server_error","message":"x"}"#).unwrap();
        assert!(error.is_transient());
        let usage: Usage = serde_json::from_str(r#"{"input_tokens":3,"output_tokens":4}"#).unwrap();
        assert_eq!(usage.total_tokens, 0);
    }

    #[test]
    fn the_object_tag_is_written_and_tolerated() {
        let response = Response::new("resp_1", "m");
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"object":"response","id":"resp_1","model":"m","output":[],"tools":[]}"#
        );
        let back: Response = serde_json::from_str(r#"{"id":"resp_1","model":"m"}"#).unwrap();
        assert_eq!(back, response);
    }
}
