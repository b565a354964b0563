//! Bodies of the streaming events about output items, content parts, text, refusals, reasoning and audio.

use serde::{Deserialize, Serialize};

use crate::responses::output::{Annotation, ItemStatus, Logprob, OutputContent, OutputItem, SummaryText};

/// `response.output_item.added` and `response.output_item.done`.
///
/// Replay the item of `.done`, not `.added`: only the finished reasoning item carries complete
/// `encrypted_content`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseOutputItem {
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The item, partial in `.added`, final in `.done`.
    pub item: OutputItem,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.content_part.added` and `response.content_part.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseContentPart {
    /// The message item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the item's content.
    pub content_index: u32,
    /// The part, empty in `.added`, final in `.done`.
    pub part: OutputContent,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.output_text.delta`: the next piece of visible text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseOutputTextDelta {
    /// The message item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the item's content.
    pub content_index: u32,
    /// The text to append.
    pub delta: String,
    /// Log probabilities of the delta's tokens; empty unless requested. Always written.
    #[serde(default)]
    pub logprobs: Vec<Logprob>,
    /// Random padding against length side channels; ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obfuscation: Option<String>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.output_text.done`: the whole text of one part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseOutputTextDone {
    /// The message item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the item's content.
    pub content_index: u32,
    /// The final text of the part.
    pub text: String,
    /// Log probabilities; empty unless requested. Always written.
    #[serde(default)]
    pub logprobs: Vec<Logprob>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.output_text.annotation.added`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseOutputTextAnnotationAdded {
    /// The message item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the item's content.
    pub content_index: u32,
    /// Position of the annotation in the part.
    pub annotation_index: u32,
    /// The annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<Annotation>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// A text delta inside a content part: `response.refusal.delta` and `response.reasoning_text.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentDelta {
    /// The item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the item's content.
    pub content_index: u32,
    /// The text to append.
    pub delta: String,
    /// Random padding against length side channels; ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obfuscation: Option<String>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.refusal.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRefusalDone {
    /// The message item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the item's content.
    pub content_index: u32,
    /// The final refusal text.
    pub refusal: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.reasoning_text.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseReasoningTextDone {
    /// The reasoning item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the item's content.
    pub content_index: u32,
    /// The final reasoning text.
    pub text: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.reasoning_summary_part.added` and `response.reasoning_summary_part.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseReasoningSummaryPart {
    /// The reasoning item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the summary.
    pub summary_index: u32,
    /// The part, empty in `.added`, final in `.done`.
    pub part: SummaryText,
    /// `incomplete` in `.done` when generation was interrupted; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.reasoning_summary_text.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseReasoningSummaryTextDelta {
    /// The reasoning item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the summary.
    pub summary_index: u32,
    /// The text to append.
    pub delta: String,
    /// Random padding against length side channels; ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obfuscation: Option<String>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.reasoning_summary_text.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseReasoningSummaryTextDone {
    /// The reasoning item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the part in the summary.
    pub summary_index: u32,
    /// The final summary text.
    pub text: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.audio.delta` (base64 audio) and `response.audio.transcript.delta` (text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseAudioDelta {
    /// The chunk: base64 audio bytes, or transcript text.
    pub delta: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.audio.done` and `response.audio.transcript.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseAudioDone {
    /// Position of this event in the stream.
    pub sequence_number: u64,
}
