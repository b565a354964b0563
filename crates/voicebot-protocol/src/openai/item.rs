//! Conversation items: messages, function calls and their outputs, and MCP items.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::serde_util::{open_tagged, string_enum};

open_tagged! {
    /// A conversation item, tagged by `type`. Items the client creates carry no `id`, `object` or `status`;
    /// the server fills them in.
    pub enum Item {
        /// A user, assistant or system message.
        Message(Message) = "message",
        /// A function call the model made.
        FunctionCall(FunctionCall) = "function_call",
        /// The client's result for a function call.
        FunctionCallOutput(FunctionCallOutput) = "function_call_output",
        /// The model asks to call an MCP tool that needs approval.
        McpApprovalRequest(McpApprovalRequest) = "mcp_approval_request",
        /// The client's answer to an approval request.
        McpApprovalResponse(McpApprovalResponse) = "mcp_approval_response",
        /// The tools an MCP server offers.
        McpListTools(McpListTools) = "mcp_list_tools",
        /// An MCP tool call the server made.
        McpCall(McpCall) = "mcp_call",
        /// A reference to an existing item; valid only in `response.create`'s `input`.
        ItemReference(ItemReference) = "item_reference",
    }
}

impl Item {
    /// A user message with one `input_text` part.
    pub fn user_text(text: impl Into<String>) -> Self {
        Item::Message(Message::new(Role::User, vec![ContentPart::input_text(text)]))
    }

    /// A user message with one `input_audio` part (base64 audio in the session's input format).
    pub fn user_audio(audio: impl Into<String>) -> Self {
        Item::Message(Message::new(Role::User, vec![ContentPart::input_audio(audio)]))
    }

    /// A system message with one `input_text` part.
    pub fn system_text(text: impl Into<String>) -> Self {
        Item::Message(Message::new(Role::System, vec![ContentPart::input_text(text)]))
    }

    /// An assistant message with one `output_text` part (assistant *audio* items cannot be created).
    pub fn assistant_text(text: impl Into<String>) -> Self {
        Item::Message(Message::new(Role::Assistant, vec![ContentPart::output_text(text)]))
    }

    /// The result of a function call; `output` is usually JSON text.
    pub fn function_call_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        Item::FunctionCallOutput(FunctionCallOutput {
            call_id: call_id.into(),
            output: output.into(),
            ..FunctionCallOutput::default()
        })
    }

    /// The item's id, if it has one (items the client creates often do not).
    pub fn id(&self) -> Option<&str> {
        match self {
            Item::Message(item) => item.id.as_deref(),
            Item::FunctionCall(item) => item.id.as_deref(),
            Item::FunctionCallOutput(item) => item.id.as_deref(),
            Item::McpApprovalRequest(item) => Some(&item.id),
            Item::McpApprovalResponse(item) => Some(&item.id),
            Item::McpListTools(item) => item.id.as_deref(),
            Item::McpCall(item) => Some(&item.id),
            Item::ItemReference(item) => Some(&item.id),
            Item::Other(raw) => raw.get("id").and_then(Value::as_str),
        }
    }
}

string_enum! {
    /// The processing state of an item.
    pub enum ItemStatus {
        /// Finished.
        Completed = "completed",
        /// Cut short (for example by a cancelled response).
        Incomplete = "incomplete",
        /// Still being produced.
        InProgress = "in_progress",
    }
}

/// A message item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The item id (server-assigned unless the client sets one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Server only: always `realtime.item`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Server only: the item's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// Who speaks.
    pub role: Role,
    /// The content parts, in order.
    #[serde(default)]
    pub content: Vec<ContentPart>,
}

impl Message {
    /// A message without id, object or status, as a client creates it.
    pub fn new(role: Role, content: Vec<ContentPart>) -> Self {
        Message { id: None, object: None, status: None, role, content }
    }

    /// The text of the message: every text part and every audio transcript, joined in order.
    pub fn text(&self) -> String {
        self.content.iter().filter_map(ContentPart::text_or_transcript).collect()
    }
}

string_enum! {
    /// A message role.
    pub enum Role {
        /// The end user.
        User = "user",
        /// The model.
        Assistant = "assistant",
        /// Instructions added mid-conversation.
        System = "system",
    }
}

/// One content part of a message (also the `part` of `response.content_part.*`).
///
/// A flat struct rather than an enum, as in the SDK, so that the beta spellings `text` / `audio` and the GA
/// spellings `output_text` / `output_audio` both decode and are written back as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPart {
    /// The part type.
    #[serde(rename = "type")]
    pub kind: ContentKind,
    /// The text of a text part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Base64 audio of an audio part (left out of most server events; fetch it with `conversation.item.retrieve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    /// The transcript of an audio part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// The image of an `input_image` part, as a data URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The detail of an `input_image` part: `auto`, `low` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ContentPart {
    /// A part of this kind with no fields set.
    pub fn empty(kind: ContentKind) -> Self {
        ContentPart { kind, text: None, audio: None, transcript: None, image_url: None, detail: None }
    }

    /// An `input_text` part.
    pub fn input_text(text: impl Into<String>) -> Self {
        ContentPart { text: Some(text.into()), ..ContentPart::empty(ContentKind::InputText) }
    }

    /// An `input_audio` part holding base64 audio.
    pub fn input_audio(audio: impl Into<String>) -> Self {
        ContentPart { audio: Some(audio.into()), ..ContentPart::empty(ContentKind::InputAudio) }
    }

    /// An `input_image` part holding a data URL.
    pub fn input_image(image_url: impl Into<String>) -> Self {
        ContentPart { image_url: Some(image_url.into()), ..ContentPart::empty(ContentKind::InputImage) }
    }

    /// An `output_text` part.
    pub fn output_text(text: impl Into<String>) -> Self {
        ContentPart { text: Some(text.into()), ..ContentPart::empty(ContentKind::OutputText) }
    }

    /// The text of a text part, or else the transcript of an audio part.
    pub fn text_or_transcript(&self) -> Option<&str> {
        self.text.as_deref().or(self.transcript.as_deref())
    }
}

string_enum! {
    /// The `type` of a [`ContentPart`]. GA and beta spellings are distinct values, so a part is written back
    /// as it came; use [`ContentKind::is_audio`] and [`ContentKind::is_text`] to match either.
    pub enum ContentKind {
        /// User or system text.
        InputText = "input_text",
        /// User audio.
        InputAudio = "input_audio",
        /// A user image.
        InputImage = "input_image",
        /// Assistant text (GA).
        OutputText = "output_text",
        /// Assistant audio with its transcript (GA).
        OutputAudio = "output_audio",
        /// Text: the beta item spelling, and the `part.type` of `response.content_part.*`.
        Text = "text",
        /// Audio: the beta item spelling, and the `part.type` of `response.content_part.*`.
        Audio = "audio",
    }
}

impl ContentKind {
    /// Whether this is an audio part, in any spelling.
    pub fn is_audio(&self) -> bool {
        matches!(self, ContentKind::InputAudio | ContentKind::OutputAudio | ContentKind::Audio)
    }

    /// Whether this is a text part, in any spelling.
    pub fn is_text(&self) -> bool {
        matches!(self, ContentKind::InputText | ContentKind::OutputText | ContentKind::Text)
    }
}

/// A `function_call` item: the model wants the client to run a function.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCall {
    /// The item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Server only: always `realtime.item`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Server only: the item's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The call id, quoted back in the `function_call_output`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The function name.
    pub name: String,
    /// The arguments, as JSON text (possibly partial while streaming).
    pub arguments: String,
}

/// A `function_call_output` item: the client's result for a call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCallOutput {
    /// The item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Server only: always `realtime.item`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Server only: the item's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The `call_id` of the function call this answers.
    pub call_id: String,
    /// The result, a string (usually JSON text).
    pub output: String,
}

/// An `mcp_approval_request` item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct McpApprovalRequest {
    /// The item id, quoted back as `approval_request_id`.
    pub id: String,
    /// The tool name.
    pub name: String,
    /// The arguments, as JSON text.
    pub arguments: String,
    /// The MCP server's label.
    pub server_label: String,
}

/// An `mcp_approval_response` item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct McpApprovalResponse {
    /// The item id.
    pub id: String,
    /// The request this answers.
    pub approval_request_id: String,
    /// Whether the call may go ahead.
    pub approve: bool,
    /// Why, optionally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An `mcp_list_tools` item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct McpListTools {
    /// The item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The MCP server's label.
    pub server_label: String,
    /// The tools the server offers.
    pub tools: Vec<McpListedTool>,
}

/// One tool of [`McpListTools`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct McpListedTool {
    /// The tool name.
    pub name: String,
    /// The JSON Schema of its input.
    pub input_schema: Value,
    /// What the tool does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free-form annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Value>,
}

/// An `mcp_call` item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct McpCall {
    /// The item id.
    pub id: String,
    /// The tool name.
    pub name: String,
    /// The arguments, as JSON text.
    pub arguments: String,
    /// The MCP server's label.
    pub server_label: String,
    /// The approval request that allowed the call, if one was needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_request_id: Option<String>,
    /// The tool's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Why the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<McpError>,
}

/// [`McpCall::error`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpError {
    /// What failed.
    #[serde(rename = "type")]
    pub kind: McpErrorKind,
    /// The protocol or HTTP error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// A human-readable message.
    pub message: String,
}

string_enum! {
    /// [`McpError::kind`].
    pub enum McpErrorKind {
        /// An MCP protocol error.
        ProtocolError = "protocol_error",
        /// The tool itself failed.
        ToolExecutionError = "tool_execution_error",
        /// The HTTP request to the server failed.
        HttpError = "http_error",
    }
}

/// An `item_reference`: reuses an existing item as `response.create` input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ItemReference {
    /// The referenced item's id.
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_items_encode_in_the_ga_shape() {
        assert_eq!(
            serde_json::to_string(&Item::user_text("hi")).unwrap(),
            r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}"#
        );
        assert_eq!(
            serde_json::to_string(&Item::function_call_output("call_1", "{}")).unwrap(),
            r#"{"type":"function_call_output","call_id":"call_1","output":"{}"}"#
        );
    }

    #[test]
    fn constructors_pick_the_role_and_part_type_the_server_expects() {
        let cases = [
            (
                Item::system_text("s"),
                r#"{"type":"message","role":"system","content":[{"type":"input_text","text":"s"}]}"#,
            ),
            (
                Item::user_audio("AAAB"),
                r#"{"type":"message","role":"user","content":[{"type":"input_audio","audio":"AAAB"}]}"#,
            ),
            (
                Item::assistant_text("a"),
                r#"{"type":"message","role":"assistant","content":[{"type":"output_text","text":"a"}]}"#,
            ),
        ];
        for (item, expected) in cases {
            assert_eq!(serde_json::to_string(&item).unwrap(), expected);
            assert_eq!(item.id(), None);
        }
        let image = ContentPart::input_image("data:image/png;base64,iVBORw0KGgo=");
        assert_eq!(image.kind, ContentKind::InputImage);
        assert!(!image.kind.is_audio() && !image.kind.is_text());
    }

    #[test]
    fn beta_and_ga_part_spellings_both_decode_and_keep_their_spelling() {
        for (spelling, kind) in [("audio", ContentKind::Audio), ("output_audio", ContentKind::OutputAudio)] {
            let text = format!(r#"{{"type":"{spelling}","transcript":"It is noon."}}"#);
            let part: ContentPart = serde_json::from_str(&text).unwrap();
            assert_eq!(part.kind, kind);
            assert!(part.kind.is_audio());
            assert_eq!(part.text_or_transcript(), Some("It is noon."));
            assert_eq!(serde_json::to_string(&part).unwrap(), text);
        }
        assert!(ContentKind::Text.is_text() && !ContentKind::Text.is_audio());
    }

    #[test]
    fn server_items_carry_id_object_and_status() {
        let text = r#"{"type":"message","id":"item_3","object":"realtime.item","status":"completed",
                       "role":"assistant","content":[{"type":"output_audio","transcript":"It is "},
                       {"type":"output_text","text":"noon."}]}"#;
        let item: Item = serde_json::from_str(text).unwrap();
        assert_eq!(item.id(), Some("item_3"));
        let Item::Message(message) = item else { panic!("not a message") };
        assert_eq!(message.status, Some(ItemStatus::Completed));
        assert_eq!(message.text(), "It is noon.");
    }

    #[test]
    fn unknown_item_types_are_kept_and_known_ones_are_strict() {
        let item: Item = serde_json::from_str(r#"{"type":"reasoning","id":"rs_1","summary":[]}"#).unwrap();
        assert!(matches!(item, Item::Other(_)));
        assert_eq!(item.id(), Some("rs_1"));
        assert!(serde_json::from_str::<Item>(r#"{"type":"function_call","name":"f"}"#).is_err());
    }
}
