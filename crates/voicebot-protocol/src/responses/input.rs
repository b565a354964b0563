//! The request's `input`: a string or a list of items (messages, function call outputs, replayed output items).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::output::{
    FunctionCall, ItemStatus, OutputContent, OutputItem, OutputText, Phase, ReasoningItem, Refusal, Role,
};
use crate::serde_util::{known_body, open_tagged};

/// The `input` of a request (and the `instructions` echoed in a response): one user text, or a list of items.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Input {
    /// A single user message given as plain text.
    Text(String),
    /// A conversation: messages, function call outputs and replayed output items.
    Items(Vec<InputItem>),
}

impl<'de> Deserialize<'de> for Input {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Self::Text(text)),
            Value::Array(items) => items_from_values(items).map(Self::Items).map_err(D::Error::custom),
            other => {
                Err(D::Error::custom(format_args!("expected a string or an array of items, got {other}")))
            }
        }
    }
}

impl From<&str> for Input {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Input {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Vec<InputItem>> for Input {
    fn from(items: Vec<InputItem>) -> Self {
        Self::Items(items)
    }
}

/// One item of an input list.
///
/// Encoded with its `type` (a message is written with `"type":"message"`, which the API accepts); a message
/// without `type` decodes too.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum InputItem {
    /// A message from the user, the developer, the system, or a replayed assistant message.
    #[serde(rename = "message")]
    Message(InputMessage),
    /// The result of a function call, answering `call_id`.
    #[serde(rename = "function_call_output")]
    FunctionCallOutput(FunctionCallOutput),
    /// A replayed function call.
    #[serde(rename = "function_call")]
    FunctionCall(FunctionCall),
    /// A replayed reasoning item; it must stay paired with the item that followed it.
    #[serde(rename = "reasoning")]
    Reasoning(ReasoningItem),
    /// A reference to a stored item by id.
    #[serde(rename = "item_reference")]
    ItemReference(ItemReference),
    /// Any other item type, kept as raw JSON.
    #[serde(untagged)]
    Other(Value),
}

impl<'de> Deserialize<'de> for InputItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        item_from_value(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

fn item_from_value(value: Value) -> Result<InputItem, serde_json::Error> {
    let tag = match value.get("type") {
        None => None,
        Some(Value::String(tag)) => Some(tag.clone()),
        Some(_) => return Ok(InputItem::Other(value)),
    };
    match tag.as_deref() {
        None | Some("message") => known_body("message", value).map(InputItem::Message),
        Some("function_call_output") => {
            known_body("function_call_output", value).map(InputItem::FunctionCallOutput)
        }
        Some("function_call") => known_body("function_call", value).map(InputItem::FunctionCall),
        Some("reasoning") => known_body("reasoning", value).map(InputItem::Reasoning),
        Some("item_reference") => known_body("item_reference", value).map(InputItem::ItemReference),
        Some(_) => Ok(InputItem::Other(value)),
    }
}

fn items_from_values(items: Vec<Value>) -> Result<Vec<InputItem>, String> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            item_from_value(item).map_err(|message| format!("input item {index}: {message}"))
        })
        .collect()
}

impl InputItem {
    /// A user message with plain text.
    pub fn user(text: impl Into<String>) -> Self {
        Self::Message(InputMessage::new(Role::User, text))
    }

    /// A developer message with plain text.
    pub fn developer(text: impl Into<String>) -> Self {
        Self::Message(InputMessage::new(Role::Developer, text))
    }

    /// An assistant message with plain text, for a history written by hand.
    ///
    /// Reasoning models reject a replayed message id without its reasoning item; this one carries no id.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::Message(InputMessage::new(Role::Assistant, text))
    }

    /// The text result of a function call.
    pub fn function_call_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        Self::FunctionCallOutput(FunctionCallOutput {
            call_id: call_id.into(),
            output: MessageContent::Text(output.into()),
            id: None,
            status: None,
        })
    }
}

/// Replays an output item as input, unchanged (ids, reasoning pairing and `phase` included).
impl From<OutputItem> for InputItem {
    fn from(item: OutputItem) -> Self {
        match item {
            OutputItem::Message(message) => Self::Message(InputMessage {
                role: message.role,
                content: MessageContent::Parts(message.content.into_iter().map(InputContent::from).collect()),
                id: Some(message.id),
                status: message.status,
                phase: message.phase,
            }),
            OutputItem::Reasoning(reasoning) => Self::Reasoning(reasoning),
            OutputItem::FunctionCall(call) => Self::FunctionCall(call),
            OutputItem::Other(raw) => Self::Other(raw),
        }
    }
}

/// A message in the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputMessage {
    /// `user`, `assistant`, `system` or `developer`.
    pub role: Role,
    /// Plain text or content parts.
    pub content: MessageContent,
    /// The item id of a replayed assistant message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The status of a replayed item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The phase of a replayed assistant message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
}

impl InputMessage {
    /// A message with plain text.
    pub fn new(role: Role, text: impl Into<String>) -> Self {
        Self { role, content: MessageContent::Text(text.into()), id: None, status: None, phase: None }
    }
}

/// Message content, or a function call output: plain text or a list of parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Content parts.
    Parts(Vec<InputContent>),
}

impl<'de> Deserialize<'de> for MessageContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Self::Text(text)),
            parts @ Value::Array(_) => {
                serde_json::from_value(parts).map(Self::Parts).map_err(D::Error::custom)
            }
            other => {
                Err(D::Error::custom(format_args!("expected a string or an array of parts, got {other}")))
            }
        }
    }
}

open_tagged! {
    /// A content part of an input message. Images, files and audio are kept raw in `Other`.
    pub enum InputContent {
        /// Text from the user, developer or system (`input_text`).
        InputText(InputText) = "input_text",
        /// Text of a replayed assistant message (`output_text`).
        OutputText(OutputText) = "output_text",
        /// A replayed refusal (`refusal`).
        Refusal(Refusal) = "refusal",
    }
}

impl From<OutputContent> for InputContent {
    fn from(part: OutputContent) -> Self {
        match part {
            OutputContent::OutputText(text) => Self::OutputText(text),
            OutputContent::Refusal(refusal) => Self::Refusal(refusal),
            OutputContent::ReasoningText(reasoning) => {
                Self::Other(serde_json::json!({ "type": "reasoning_text", "text": reasoning.text }))
            }
            OutputContent::Other(raw) => Self::Other(raw),
        }
    }
}

/// Text given to the model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputText {
    /// The text.
    pub text: String,
}

/// The result of a function call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallOutput {
    /// The `call_id` of the `function_call` this answers.
    pub call_id: String,
    /// The result: usually a JSON text, or content parts.
    pub output: MessageContent,
    /// Item id, when replayed from the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Item status, when replayed from the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
}

/// A reference to a stored item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemReference {
    /// The item id.
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responses::output::OutputMessage;

    #[test]
    fn input_is_a_string_or_a_list_of_items() {
        let text: Input = serde_json::from_str(r#""Hello""#).unwrap();
        assert_eq!(text, Input::from("Hello"));
        let items: Input = serde_json::from_str(
            r#"[{"role":"user","content":"Hi"},
                {"type":"message","role":"developer","content":[{"type":"input_text","text":"Be brief."}]},
                {"type":"function_call_output","call_id":"call_1","output":"{\"ok\":true}"},
                {"type":"item_reference","id":"msg_0"},
                {"type":"input_image_ref","id":"img_1"}]"#,
        )
        .unwrap();
        let Input::Items(items) = items else { panic!() };
        assert_eq!(items[0], InputItem::user("Hi"));
        assert!(matches!(&items[1], InputItem::Message(m) if m.role == Role::Developer));
        assert_eq!(items[2], InputItem::function_call_output("call_1", r#"{"ok":true}"#));
        assert!(matches!(items[3], InputItem::ItemReference(_)));
        assert!(matches!(items[4], InputItem::Other(_)));
        assert!(serde_json::from_str::<Input>("3").is_err());
    }

    #[test]
    fn messages_are_written_with_their_type() {
        let encoded = serde_json::to_string(&InputItem::user("Hi")).unwrap();
        assert_eq!(encoded, r#"{"type":"message","role":"user","content":"Hi"}"#);
    }

    #[test]
    fn a_bad_item_names_its_position_and_type() {
        let err = serde_json::from_str::<Input>(
            r#"[{"role":"user","content":"a"},{"type":"function_call_output"}]"#,
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("input item 1") && message.contains("`function_call_output`"), "{message}");
    }

    #[test]
    fn output_items_replay_as_input_unchanged() {
        let message = OutputItem::Message(OutputMessage {
            id: "msg_1".into(),
            role: Role::Assistant,
            status: Some(ItemStatus::Completed),
            content: vec![OutputContent::OutputText(OutputText { text: "Hi".into(), ..Default::default() })],
            phase: None,
        });
        let replayed = serde_json::to_value(InputItem::from(message.clone())).unwrap();
        assert_eq!(replayed, serde_json::to_value(&message).unwrap());
    }
}
