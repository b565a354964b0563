//! [`Turn`]: one entry of the conversation, and the small types that describe it.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::Value;

/// A local, stable identifier of a turn, unique within one [`crate::ConversationState`].
///
/// It never changes, unlike the server item id, which a reseeded session replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TurnId(u64);

impl TurnId {
    /// A turn id from its number. Ids made by hand are for tests and for turns built outside a state.
    pub fn new(n: u64) -> Self {
        TurnId(n)
    }

    /// The number inside.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TurnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

/// Who a turn belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The person speaking to the assistant.
    User,
    /// The model.
    Assistant,
    /// Context for the model: the conversation summary.
    System,
    /// A function call or its result.
    Tool,
}

impl Role {
    /// The lower-case name: `user`, `assistant`, `system` or `tool`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::System => "system",
            Role::Tool => "tool",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a turn's text is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TranscriptStatus {
    /// No text has arrived yet.
    Pending,
    /// Some text has arrived and more may follow.
    Partial,
    /// The text is complete.
    Final,
    /// No transcript will come (transcription failed); the text is whatever arrived.
    Unavailable,
}

impl TranscriptStatus {
    /// Whether no more text is expected: [`Final`](Self::Final) or [`Unavailable`](Self::Unavailable).
    pub fn is_settled(self) -> bool {
        matches!(self, TranscriptStatus::Final | TranscriptStatus::Unavailable)
    }
}

/// The tool side of a [`Role::Tool`] turn.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolPart {
    /// The model asked for a function call.
    Call {
        /// The provider's call id; the result answers it.
        call_id: String,
        /// The function name.
        name: String,
        /// The arguments object.
        arguments: Value,
    },
    /// The result sent back for a call.
    Result {
        /// The call it answers.
        call_id: String,
        /// The output object.
        output: Value,
    },
}

impl ToolPart {
    /// The call id this part belongs to.
    pub fn call_id(&self) -> &str {
        match self {
            ToolPart::Call { call_id, .. } | ToolPart::Result { call_id, .. } => call_id,
        }
    }
}

/// One entry of the conversation: something the user said, the assistant said, a tool call or result, or the
/// summary of what came before.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Turn {
    /// The local id.
    pub id: TurnId,
    /// Who it belongs to.
    pub role: Role,
    /// The server's item id, when the provider has items (OpenAI); `None` on Gemini or when not known yet.
    pub item_id: Option<String>,
    /// The text: the transcript, clipped to what was heard for an interrupted assistant turn; for tool turns a
    /// short rendering of the call or result; for the summary turn the rendered summary.
    pub text: String,
    /// Whether the text is complete.
    pub transcript: TranscriptStatus,
    /// The call or result of a [`Role::Tool`] turn.
    pub tool: Option<ToolPart>,
    /// When the turn was created.
    pub created_at: SystemTime,
    /// When the turn last changed.
    pub updated_at: SystemTime,
    /// For an interrupted assistant turn: how much of its audio the user heard.
    pub heard: Option<Duration>,
    /// Whether the user interrupted this assistant turn.
    pub interrupted: bool,
    /// Whether this is the conversation summary (a [`Role::System`] turn made by a summary).
    pub is_summary: bool,
}

impl Turn {
    /// A complete turn with `text`, created now: for turns built outside a state (tests, seeds, summarizers).
    pub fn new(id: TurnId, role: Role, text: impl Into<String>) -> Self {
        let now = SystemTime::now();
        Turn {
            id,
            role,
            item_id: None,
            text: text.into(),
            transcript: TranscriptStatus::Final,
            tool: None,
            created_at: now,
            updated_at: now,
            heard: None,
            interrupted: false,
            is_summary: false,
        }
    }

    /// Whether no more text is expected for this turn.
    pub fn is_settled(&self) -> bool {
        self.transcript.is_settled()
    }

    /// The call id when this turn is a tool call.
    pub fn call_id(&self) -> Option<&str> {
        match &self.tool {
            Some(ToolPart::Call { call_id, .. }) => Some(call_id),
            _ => None,
        }
    }

    /// The call id when this turn is a tool result.
    pub fn result_call_id(&self) -> Option<&str> {
        match &self.tool {
            Some(ToolPart::Result { call_id, .. }) => Some(call_id),
            _ => None,
        }
    }
}

/// A short text for a tool part: `name(arguments)` for a call and the output JSON for a result.
pub(crate) fn render_tool(part: &ToolPart) -> String {
    match part {
        ToolPart::Call { name, arguments, .. } => format!("{name}({arguments})"),
        ToolPart::Result { output, .. } => output.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tool_parts_render_and_expose_their_call_id() {
        let call =
            ToolPart::Call { call_id: "c1".into(), name: "echo".into(), arguments: json!({"text": "hi"}) };
        assert_eq!(render_tool(&call), r#"echo({"text":"hi"})"#);
        assert_eq!(call.call_id(), "c1");
        let result = ToolPart::Result { call_id: "c1".into(), output: json!({"text": "hi"}) };
        assert_eq!(render_tool(&result), r#"{"text":"hi"}"#);
    }

    #[test]
    fn settled_means_final_or_unavailable() {
        assert!(TranscriptStatus::Final.is_settled());
        assert!(TranscriptStatus::Unavailable.is_settled());
        assert!(!TranscriptStatus::Partial.is_settled());
        assert!(!TranscriptStatus::Pending.is_settled());
        assert_eq!(TurnId::new(7).to_string(), "t7");
    }
}
