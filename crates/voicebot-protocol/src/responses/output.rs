//! Output items of a response (messages, reasoning, function calls) and their content parts.

use serde::{Deserialize, Serialize};

use crate::serde_util::{open_tagged, string_enum};

open_tagged! {
    /// One item of `Response.output`, also carried by `response.output_item.added` and `.done`.
    ///
    /// Hosted tool calls (web search, file search, MCP, image generation, ...) are kept whole in `Other`; replaying
    /// them as input writes them back unchanged.
    pub enum OutputItem {
        /// An assistant message (`message`).
        Message(OutputMessage) = "message",
        /// A reasoning item (`reasoning`). Replay it together with the message that follows it.
        Reasoning(ReasoningItem) = "reasoning",
        /// A call of one of the request's function tools (`function_call`).
        FunctionCall(FunctionCall) = "function_call",
    }
}

/// An assistant message: output text and refusals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputMessage {
    /// Item id, `msg_…`.
    pub id: String,
    /// Always `assistant` for output.
    pub role: Role,
    /// `in_progress` while streaming, then `completed` or `incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The content parts, in order.
    #[serde(default)]
    pub content: Vec<OutputContent>,
    /// `commentary` or `final_answer` on models that label their messages; resend it when replaying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
}

open_tagged! {
    /// A content part of an output message, or the `part` of a `response.content_part.*` event.
    pub enum OutputContent {
        /// Visible text (`output_text`).
        OutputText(OutputText) = "output_text",
        /// The model declined (`refusal`).
        Refusal(Refusal) = "refusal",
        /// Raw reasoning text (`reasoning_text`), only on models that expose it.
        ReasoningText(ReasoningText) = "reasoning_text",
    }
}

/// Visible text produced by the model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OutputText {
    /// The text.
    pub text: String,
    /// Citations into `text`; always written, possibly empty.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
    /// Token log probabilities, when requested with `top_logprobs` / `include`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<Logprob>>,
}

/// A refusal explanation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Refusal {
    /// Why the model declined.
    pub refusal: String,
}

/// Raw reasoning text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReasoningText {
    /// The reasoning text.
    pub text: String,
}

open_tagged! {
    /// A citation attached to output text.
    pub enum Annotation {
        /// A file from file search (`file_citation`).
        FileCitation(FileCitation) = "file_citation",
        /// A web page (`url_citation`).
        UrlCitation(UrlCitation) = "url_citation",
        /// A file in a code interpreter container (`container_file_citation`).
        ContainerFileCitation(ContainerFileCitation) = "container_file_citation",
        /// A file path (`file_path`).
        FilePath(FilePath) = "file_path",
    }
}

/// A citation of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileCitation {
    /// File id.
    pub file_id: String,
    /// File name.
    pub filename: String,
    /// Position in the text.
    pub index: u32,
}

/// A citation of a web page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlCitation {
    /// The page URL.
    pub url: String,
    /// The page title.
    pub title: String,
    /// First character of the cited span.
    pub start_index: u32,
    /// Last character of the cited span.
    pub end_index: u32,
}

/// A citation of a container file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerFileCitation {
    /// Container id.
    pub container_id: String,
    /// File id.
    pub file_id: String,
    /// File name.
    pub filename: String,
    /// First character of the cited span.
    pub start_index: u32,
    /// Last character of the cited span.
    pub end_index: u32,
}

/// A path to a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilePath {
    /// File id.
    pub file_id: String,
    /// Index of the file in the list of files.
    pub index: u32,
}

/// The log probability of one token.
///
/// In a message `bytes` and `top_logprobs` are always present; in `response.output_text.delta` they may be absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logprob {
    /// The token.
    pub token: String,
    /// Its log probability.
    pub logprob: f64,
    /// The token's UTF-8 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
    /// The most likely alternatives at this position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<Vec<TopLogprob>>,
}

/// One alternative token and its log probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopLogprob {
    /// The token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Its log probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprob: Option<f64>,
    /// The token's UTF-8 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
}

/// The chain of thought of a reasoning model, usually only a summary and an encrypted blob.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReasoningItem {
    /// Item id, `rs_…`.
    pub id: String,
    /// Summary parts; empty unless `reasoning.summary` was requested. Always written.
    #[serde(default)]
    pub summary: Vec<SummaryText>,
    /// Raw reasoning text parts (`reasoning_text`), on models that expose them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<OutputContent>>,
    /// The opaque reasoning state, when `include: ["reasoning.encrypted_content"]` was sent. Needed to replay
    /// reasoning with `store: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_content: Option<String>,
    /// Item status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
}

/// One part of a reasoning summary; written with `"type":"summary_text"`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename = "summary_text")]
pub struct SummaryText {
    /// The summary text.
    pub text: String,
}

/// A call of a function tool. `arguments` is a JSON text produced by the model and may be invalid JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCall {
    /// Item id, `fc_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The id to answer with in a `function_call_output` item, `call_…`.
    pub call_id: String,
    /// Function name.
    pub name: String,
    /// Arguments as a JSON text.
    pub arguments: String,
    /// Namespace of the function, for namespaced tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Item status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
}

impl FunctionCall {
    /// Parses `arguments`.
    ///
    /// # Errors
    /// When the model produced text that is not JSON.
    pub fn parsed_arguments(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.arguments)
    }
}

string_enum! {
    /// Who wrote a message.
    pub enum Role {
        /// The end user.
        User = "user",
        /// The model.
        Assistant = "assistant",
        /// System instructions.
        System = "system",
        /// Developer instructions.
        Developer = "developer",
    }
}

string_enum! {
    /// The status of an item.
    pub enum ItemStatus {
        /// Still being generated.
        InProgress = "in_progress",
        /// Finished.
        Completed = "completed",
        /// Cut short (token budget, content filter, ...).
        Incomplete = "incomplete",
    }
}

string_enum! {
    /// How an assistant message is labelled by models that separate commentary from the answer.
    pub enum Phase {
        /// Intermediate commentary.
        Commentary = "commentary",
        /// The final answer.
        FinalAnswer = "final_answer",
    }
}

impl OutputItem {
    /// The item id, when the item has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Message(message) => Some(&message.id),
            Self::Reasoning(reasoning) => Some(&reasoning.id),
            Self::FunctionCall(call) => call.id.as_deref(),
            Self::Other(raw) => raw.get("id").and_then(serde_json::Value::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_item_decodes_and_encodes_with_its_tags() {
        let json = r#"{"type":"message","id":"msg_1","role":"assistant","status":"completed",
            "content":[{"type":"output_text","text":"Hi","annotations":[]},{"type":"refusal","refusal":"No"}]}"#;
        let item: OutputItem = serde_json::from_str(json).unwrap();
        let OutputItem::Message(message) = &item else { panic!("{item:?}") };
        assert_eq!(message.content.len(), 2);
        assert_eq!(item.id(), Some("msg_1"));
        let encoded = serde_json::to_value(&item).unwrap();
        assert_eq!(encoded, serde_json::from_str::<serde_json::Value>(json).unwrap());
    }

    #[test]
    fn summary_parts_carry_their_type_and_hosted_tool_items_stay_raw() {
        let item: OutputItem = serde_json::from_str(
            r#"{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"t"}]}"#,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&item).unwrap(),
            r#"{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"t"}]}"#
        );
        let raw = r#"{"type":"web_search_call","id":"ws_1","status":"completed"}"#;
        let item: OutputItem = serde_json::from_str(raw).unwrap();
        assert_eq!(item.type_name(), Some("web_search_call"));
        assert_eq!(item.id(), Some("ws_1"));
    }

    #[test]
    fn a_malformed_message_is_an_error_not_an_other_item() {
        let err = serde_json::from_str::<OutputItem>(r#"{"type":"message","id":1}"#).unwrap_err();
        assert!(err.to_string().contains("`message`"), "{err}");
    }

    #[test]
    fn function_call_arguments_parse_on_demand() {
        let call = FunctionCall {
            call_id: "call_1".into(),
            name: "f".into(),
            arguments: r#"{"a":1}"#.into(),
            ..Default::default()
        };
        assert_eq!(call.parsed_arguments().unwrap()["a"], 1);
        let bad = FunctionCall { arguments: "{".into(), ..call };
        assert!(bad.parsed_arguments().is_err());
    }
}
