//! The request body of `POST /v1/responses`, with a builder for the common case.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::config::{
    Reasoning, ReasoningEffort, ReasoningSummary, ServiceTier, StreamOptions, TextConfig, Tool, ToolChoice,
    Truncation,
};
use super::input::{Input, InputItem};

/// The body of `POST /v1/responses` (`ResponseCreateParams` in the SDK).
///
/// Every optional field is left out when `None` (or empty), so the API applies its defaults.
///
/// ```
/// use voicebot_protocol::responses::{CreateResponse, ReasoningEffort};
///
/// let request = CreateResponse::user_text("gpt-5-mini", "Plan the reply.", "Book a table for two.")
///     .with_max_output_tokens(1200)
///     .with_reasoning_effort(ReasoningEffort::Low)
///     .with_store(false);
/// assert_eq!(request.model, "gpt-5-mini");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateResponse {
    /// Model id, e.g. `gpt-5-mini`.
    pub model: String,
    /// The conversation: a user text or a list of items. May be absent with `previous_response_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Input>,
    /// A system/developer message for this request only; not carried over by `previous_response_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Upper bound on reasoning plus visible output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    /// Upper bound on hosted tool calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_calls: Option<u32>,
    /// Reasoning effort and summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
    /// `true` asks for server-sent events instead of one JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Streaming options; only with `stream: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Whether the response is stored (API default `true`); `false` is stateless.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// Chain onto a stored response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// Extra output to include, e.g. `reasoning.encrypted_content` (needed to replay reasoning with
    /// `store: false`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// How the model picks tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether tool calls may run in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Text format and verbosity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConfig>,
    /// Sampling temperature; many reasoning models reject it with a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling; many reasoning models reject it with a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// How many most likely tokens to return per position (0 to 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u8>,
    /// What to do when the input exceeds the context window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<Truncation>,
    /// Up to 16 string pairs stored with the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// A stable hash of the end user, for abuse detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_identifier: Option<String>,
    /// A key that groups requests sharing a prompt prefix, for cache hits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache_key: Option<String>,
    /// Processing tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
    /// Run in the background and poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
}

impl CreateResponse {
    /// A request for `model` with this input; everything else left to the API defaults.
    pub fn new(model: impl Into<String>, input: impl Into<Input>) -> Self {
        Self { model: model.into(), input: Some(input.into()), ..Self::default() }
    }

    /// The common case: instructions plus one user message.
    pub fn user_text(
        model: impl Into<String>,
        instructions: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self::new(model, vec![InputItem::user(text)]).with_instructions(instructions)
    }

    /// Sets `instructions`.
    #[must_use]
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets `max_output_tokens` (reasoning tokens count against it).
    #[must_use]
    pub fn with_max_output_tokens(mut self, tokens: u32) -> Self {
        self.max_output_tokens = Some(tokens);
        self
    }

    /// Sets `reasoning.effort`, keeping any summary setting.
    #[must_use]
    pub fn with_reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning.get_or_insert_with(Reasoning::default).effort = Some(effort);
        self
    }

    /// Sets `reasoning.summary`, keeping any effort setting.
    #[must_use]
    pub fn with_reasoning_summary(mut self, summary: ReasoningSummary) -> Self {
        self.reasoning.get_or_insert_with(Reasoning::default).summary = Some(summary);
        self
    }

    /// Sets `stream`.
    #[must_use]
    pub fn with_stream(mut self, stream: bool) -> Self {
        self.stream = Some(stream);
        self
    }

    /// Sets `store`.
    #[must_use]
    pub fn with_store(mut self, store: bool) -> Self {
        self.store = Some(store);
        self
    }

    /// Sets `previous_response_id`.
    #[must_use]
    pub fn with_previous_response_id(mut self, id: impl Into<String>) -> Self {
        self.previous_response_id = Some(id.into());
        self
    }

    /// Adds a tool.
    #[must_use]
    pub fn with_tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WireMessage;

    #[test]
    fn the_common_case_encodes_only_what_was_set() {
        let request = CreateResponse::user_text("gpt-5-mini", "Plan the reply.", "Book a table for two.")
            .with_max_output_tokens(1200)
            .with_reasoning_effort(ReasoningEffort::Low)
            .with_store(false);
        assert_eq!(
            request.encode().unwrap(),
            concat!(
                r#"{"model":"gpt-5-mini","input":[{"type":"message","role":"user","content":"Book a table for two."}],"#,
                r#""instructions":"Plan the reply.","max_output_tokens":1200,"reasoning":{"effort":"low"},"store":false}"#
            )
        );
        assert_eq!(CreateResponse::new("m", "hi").encode().unwrap(), r#"{"model":"m","input":"hi"}"#);
    }

    #[test]
    fn reasoning_builders_keep_each_other() {
        let request = CreateResponse::new("m", "hi")
            .with_reasoning_summary(ReasoningSummary::Auto)
            .with_reasoning_effort(ReasoningEffort::Minimal);
        assert_eq!(
            request.reasoning,
            Some(Reasoning { effort: Some(ReasoningEffort::Minimal), summary: Some(ReasoningSummary::Auto) })
        );
    }
}
