//! The [`TextModel`] seam: one instruction plus one input in, one text answer out (the "brain").

use std::fmt::Debug;

use async_trait::async_trait;

use crate::error::Result;

/// A text model that answers one request at a time: the OpenAI Responses API ([`crate::ResponsesClient`]), or a
/// fake in tests.
///
/// # Contract
/// - **Never empty.** `Ok` always carries non-empty text. An answer that stopped early (`incomplete`, for example
///   because reasoning spent the whole `max_output_tokens` budget) is [`Error::Incomplete`](crate::Error::Incomplete);
///   a `failed` response, a stream `error` event, a refusal or a completed response without text is
///   [`Error::Failed`](crate::Error::Failed). Callers never have to check for an empty string.
/// - **Errors** say what failed and never contain the API key: [`Error::Http`](crate::Error::Http) for an error
///   status (after retries), [`Error::Connect`](crate::Error::Connect) when the server cannot be reached or the
///   connection breaks, [`Error::Timeout`](crate::Error::Timeout) when the whole call (retries included) passes the
///   implementation's time limit.
/// - **Cancellation safe.** Dropping the returned future aborts the call, including any HTTP request in flight;
///   nothing keeps running in the background.
/// - **Thread affinity:** none; implementations are `Send + Sync` and may be shared behind an `Arc`, and concurrent
///   calls are independent.
#[async_trait]
pub trait TextModel: Send + Sync + Debug {
    /// Asks the model and waits for the whole answer.
    ///
    /// # Errors
    /// See the trait's contract.
    async fn complete(&self, request: TextRequest) -> Result<TextReply>;
}

/// What to ask a [`TextModel`].
///
/// ```
/// use voicebot_transport::TextRequest;
///
/// let request = TextRequest::new("Answer in one short spoken sentence.", "How far is the moon?")
///     .with_max_output_tokens(2000)
///     .with_reasoning_effort("low");
/// assert_eq!(request.max_output_tokens, Some(2000));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TextRequest {
    /// System instructions for this request; empty means none.
    pub instructions: String,
    /// The user's input text.
    pub input: String,
    /// Upper bound on reasoning plus visible output tokens; `None` for the model's default.
    pub max_output_tokens: Option<u32>,
    /// Reasoning effort (`none`, `minimal`, `low`, `medium`, `high`, ...; which values work depends on the model);
    /// `None` for the model's default.
    pub reasoning_effort: Option<String>,
}

impl TextRequest {
    /// A request with these instructions and this input, everything else left to the model's defaults.
    pub fn new(instructions: impl Into<String>, input: impl Into<String>) -> Self {
        TextRequest { instructions: instructions.into(), input: input.into(), ..TextRequest::default() }
    }

    /// Sets the output token budget (reasoning tokens count against it).
    #[must_use]
    pub fn with_max_output_tokens(mut self, tokens: u32) -> Self {
        self.max_output_tokens = Some(tokens);
        self
    }

    /// Sets the reasoning effort.
    #[must_use]
    pub fn with_reasoning_effort(mut self, effort: impl Into<String>) -> Self {
        self.reasoning_effort = Some(effort.into());
        self
    }
}

/// A [`TextModel`]'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextReply {
    /// The answer; never empty when returned by [`TextModel::complete`].
    pub text: String,
    /// Token usage, zero where the server did not report it.
    pub usage: TextUsage,
    /// The provider's response id (`resp_...`), empty when there is none.
    pub response_id: String,
    /// The model snapshot that answered, as the server reports it.
    pub model: String,
    /// Failed attempts that were retried before this answer (a 429, a 5xx, a dropped connection).
    pub retries: u32,
}

/// Token counts of one [`TextReply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextUsage {
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens, reasoning included.
    pub output_tokens: u64,
    /// The part of the output tokens spent on (invisible) reasoning.
    pub reasoning_tokens: u64,
    /// Input plus output.
    pub total_tokens: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_sets_only_what_is_asked() {
        let request = TextRequest::new("be brief", "hi");
        assert_eq!((request.max_output_tokens, request.reasoning_effort.as_deref()), (None, None));
        let request = request.with_max_output_tokens(10).with_reasoning_effort("minimal");
        assert_eq!(request.max_output_tokens, Some(10));
        assert_eq!(request.reasoning_effort.as_deref(), Some("minimal"));
    }
}
