//! The OpenAI Responses API (`POST /v1/responses`), the "brain" behind the voice session: request body, response
//! object, HTTP error body, every streaming event, and an SSE parser.
//!
//! - [`CreateResponse`] is the request body, with a builder for the common case. Optional fields are left out
//!   when unset.
//! - [`Response`] is the response object. `output_text` is an SDK convenience, not JSON: [`Response::output_text`]
//!   computes it. [`Response::budget_spent_on_reasoning`] and [`Response::refusal`] tell an empty answer apart
//!   from a real one.
//! - [`ErrorBody`] is the body of a 4xx/5xx reply.
//! - [`StreamEvent`] is one SSE `data` payload with `stream: true`; [`SseDecoder`] cuts the byte stream into
//!   frames. Stop at [`StreamEvent::is_terminal`]: a trailing `data: [DONE]` is tolerated but not awaited.
//!
//! All four implement [`WireMessage`](crate::WireMessage). The three HTTP bodies have no `type` tag, so each has
//! a fixed kind: `response.create`, `response` and `error`. Item unions ([`OutputItem`], [`InputItem`],
//! [`Tool`], ...) keep types this crate does not model as raw JSON in an `Other` variant, so hosted-tool items
//! replay unchanged.
//!
//! # Example
//! ```
//! use voicebot_protocol::WireMessage;
//! use voicebot_protocol::responses::{CreateResponse, Response};
//!
//! let request = CreateResponse::user_text("gpt-5-mini", "Plan the reply.", "Book a table for two.")
//!     .with_max_output_tokens(1200);
//! let body = request.encode()?; // POST this to /v1/responses
//!
//! let reply = Response::decode(r#"{"id":"resp_7","object":"response","status":"incomplete","model":"gpt-5-mini",
//!     "incomplete_details":{"reason":"max_output_tokens"},
//!     "output":[{"type":"reasoning","id":"rs_1","summary":[]}]}"#)?;
//! assert_eq!(reply.output_text(), "");
//! assert!(reply.budget_spent_on_reasoning()); // not an answer: retry with a larger budget
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body;
mod config;
mod http_error;
mod input;
mod output;
mod request;
mod response;
mod sse;
mod stream;
mod support;

#[cfg(test)]
mod strategies;

pub use self::config::{
    FunctionTool, Reasoning, ReasoningEffort, ReasoningSummary, ServiceTier, StreamOptions, TextConfig,
    TextFormat, TextFormatJsonObject, TextFormatJsonSchema, TextFormatText, Tool, ToolChoice,
    ToolChoiceFunction, ToolChoiceMode, Truncation, Verbosity,
};
pub use self::http_error::{ApiError, ErrorBody};
pub use self::input::{
    FunctionCallOutput, Input, InputContent, InputItem, InputMessage, InputText, ItemReference,
    MessageContent,
};
pub use self::output::{
    Annotation, ContainerFileCitation, FileCitation, FilePath, FunctionCall, ItemStatus, Logprob,
    OutputContent, OutputItem, OutputMessage, OutputText, Phase, ReasoningItem, ReasoningText, Refusal, Role,
    SummaryText, TopLogprob, UrlCitation,
};
pub use self::request::CreateResponse;
pub use self::response::{
    IncompleteDetails, IncompleteReason, InputTokensDetails, OutputTokensDetails, Response, ResponseError,
    ResponseStatus, Usage,
};
pub use self::sse::{DEFAULT_MAX_FRAME_BYTES, SseDecoder, SseError, SseFrame, SseItem};
pub use self::stream::{
    ArgumentsDone, ContentDelta, ItemDelta, ItemProgress, ResponseAudioDelta, ResponseAudioDone,
    ResponseCodeInterpreterCallCodeDone, ResponseContentPart, ResponseCustomToolCallInputDone,
    ResponseImageGenerationCallPartialImage, ResponseOutputItem, ResponseOutputTextAnnotationAdded,
    ResponseOutputTextDelta, ResponseOutputTextDone, ResponseReasoningSummaryPart,
    ResponseReasoningSummaryTextDelta, ResponseReasoningSummaryTextDone, ResponseReasoningTextDone,
    ResponseRefusalDone, ResponseShellCallCommand, ResponseShellCallCommandDelta,
    ResponseShellCallOutputContentDelta, ResponseShellCallOutputContentDone, ResponseSnapshot,
    ShellOutputDelta, StreamError, StreamEvent,
};
