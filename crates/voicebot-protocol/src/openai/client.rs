//! Client events: everything a client sends over the GA Realtime WebSocket.

use serde::{Deserialize, Serialize};

use super::item::Item;
use super::response::ResponseCreateParams;
use super::session::Session;
use super::support::impl_from_bodies;
use crate::wire::tagged_events;

tagged_events! {
    /// A client event of the GA Realtime protocol.
    ///
    /// Every variant converts from its body (`ClientEvent::from(InputAudioBufferCommit::default())`).
    // A session.update is large and sent rarely; boxing it would only make construction clumsier.
    #[allow(clippy::large_enum_variant)]
    pub enum ClientEvent {
        /// Changes the session configuration.
        SessionUpdate(SessionUpdate) = "session.update",
        /// Appends base64 audio to the input buffer (no reply).
        InputAudioBufferAppend(InputAudioBufferAppend) = "input_audio_buffer.append",
        /// Commits the input buffer as a user item (not needed with VAD).
        InputAudioBufferCommit(InputAudioBufferCommit) = "input_audio_buffer.commit",
        /// Discards the input buffer.
        InputAudioBufferClear(InputAudioBufferClear) = "input_audio_buffer.clear",
        /// Adds an item to the conversation.
        ConversationItemCreate(ConversationItemCreate) = "conversation.item.create",
        /// Asks for the server's copy of an item, audio included.
        ConversationItemRetrieve(ConversationItemRetrieve) = "conversation.item.retrieve",
        /// Removes an item from the conversation.
        ConversationItemDelete(ConversationItemDelete) = "conversation.item.delete",
        /// Cuts an assistant audio item at the point playback reached (barge-in).
        ConversationItemTruncate(ConversationItemTruncate) = "conversation.item.truncate",
        /// Asks the model for a response.
        ResponseCreate(ResponseCreate) = "response.create",
        /// Cancels the active response.
        ResponseCancel(ResponseCancel) = "response.cancel",
        /// Stops the server's audio playback (WebRTC and SIP only).
        OutputAudioBufferClear(OutputAudioBufferClear) = "output_audio_buffer.clear",
    }
}

impl_from_bodies!(ClientEvent {
    SessionUpdate(SessionUpdate),
    InputAudioBufferAppend(InputAudioBufferAppend),
    InputAudioBufferCommit(InputAudioBufferCommit),
    InputAudioBufferClear(InputAudioBufferClear),
    ConversationItemCreate(ConversationItemCreate),
    ConversationItemRetrieve(ConversationItemRetrieve),
    ConversationItemDelete(ConversationItemDelete),
    ConversationItemTruncate(ConversationItemTruncate),
    ResponseCreate(ResponseCreate),
    ResponseCancel(ResponseCancel),
    OutputAudioBufferClear(OutputAudioBufferClear),
});

impl ClientEvent {
    /// A `session.update` carrying `session` (which always has its `type`).
    pub fn session_update(session: impl Into<Session>) -> Self {
        ClientEvent::SessionUpdate(SessionUpdate { event_id: None, session: session.into() })
    }

    /// An `input_audio_buffer.append` of base64 audio in the session's input format.
    pub fn append_audio(audio: impl Into<String>) -> Self {
        ClientEvent::InputAudioBufferAppend(InputAudioBufferAppend { event_id: None, audio: audio.into() })
    }

    /// A `conversation.item.create` appending `item` to the conversation.
    pub fn create_item(item: Item) -> Self {
        ClientEvent::ConversationItemCreate(ConversationItemCreate {
            event_id: None,
            previous_item_id: None,
            item,
        })
    }

    /// A `conversation.item.truncate` of the first content part of `item_id` at `audio_end_ms`.
    ///
    /// `audio_end_ms` must not exceed the audio actually received (`bytes / 48` for PCM 24 kHz), or the server
    /// answers with an error and may leave the bot silent.
    pub fn truncate(item_id: impl Into<String>, audio_end_ms: u64) -> Self {
        ClientEvent::ConversationItemTruncate(ConversationItemTruncate {
            event_id: None,
            item_id: item_id.into(),
            content_index: 0,
            audio_end_ms,
        })
    }

    /// A `response.create` with the session's settings.
    pub fn create_response() -> Self {
        ClientEvent::ResponseCreate(ResponseCreate::default())
    }

    /// A `response.cancel` of the active response.
    pub fn cancel_response() -> Self {
        ClientEvent::ResponseCancel(ResponseCancel::default())
    }

    /// The client-chosen `event_id`, quoted back in `error.event_id` (unknown events: read from the raw JSON).
    pub fn event_id(&self) -> Option<&str> {
        match self {
            ClientEvent::SessionUpdate(event) => event.event_id.as_deref(),
            ClientEvent::InputAudioBufferAppend(event) => event.event_id.as_deref(),
            ClientEvent::InputAudioBufferCommit(event) => event.event_id.as_deref(),
            ClientEvent::InputAudioBufferClear(event) => event.event_id.as_deref(),
            ClientEvent::ConversationItemCreate(event) => event.event_id.as_deref(),
            ClientEvent::ConversationItemRetrieve(event) => event.event_id.as_deref(),
            ClientEvent::ConversationItemDelete(event) => event.event_id.as_deref(),
            ClientEvent::ConversationItemTruncate(event) => event.event_id.as_deref(),
            ClientEvent::ResponseCreate(event) => event.event_id.as_deref(),
            ClientEvent::ResponseCancel(event) => event.event_id.as_deref(),
            ClientEvent::OutputAudioBufferClear(event) => event.event_id.as_deref(),
            ClientEvent::Unknown { raw, .. } => raw.get("event_id").and_then(serde_json::Value::as_str),
        }
    }
}

/// `session.update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionUpdate {
    /// Optional client-chosen id, quoted back in errors (not in `session.updated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The fields to change; omitted fields stay as they are.
    pub session: Session,
}

/// `input_audio_buffer.append`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferAppend {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Base64 audio in the session's input format, at most 15 MiB.
    pub audio: String,
}

/// `input_audio_buffer.commit`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferCommit {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// `input_audio_buffer.clear`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputAudioBufferClear {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// `conversation.item.create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationItemCreate {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Insert after this item; `"root"` prepends, absent appends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_item_id: Option<String>,
    /// The item to add.
    pub item: Item,
}

/// `conversation.item.retrieve`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationItemRetrieve {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The item to fetch.
    pub item_id: String,
}

/// `conversation.item.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationItemDelete {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The item to remove.
    pub item_id: String,
}

/// `conversation.item.truncate`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationItemTruncate {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The assistant message to cut.
    pub item_id: String,
    /// The content part to cut; always 0.
    pub content_index: u32,
    /// Where to cut, in ms of audio; at most the audio actually received.
    pub audio_end_ms: u64,
}

/// `response.create`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseCreate {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Settings for this response; absent uses the session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseCreateParams>,
}

/// `response.cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseCancel {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The response to cancel; absent cancels the active one in the default conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
}

/// `output_audio_buffer.clear` (WebRTC and SIP only; over a WebSocket stop playback locally and truncate).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputAudioBufferClear {
    /// Optional client-chosen id, quoted back in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WireMessage;
    use crate::openai::{RealtimeSession, Voice};

    #[test]
    fn a_session_update_without_session_type_does_not_decode() {
        let err = ClientEvent::decode(r#"{"type":"session.update","session":{"instructions":"Be brief."}}"#)
            .unwrap_err();
        assert_eq!(err.event_kind(), Some("session.update"));
        let beta = r#"{"type":"session.update","session":{"modalities":["text","audio"],"voice":"alloy"}}"#;
        assert!(ClientEvent::decode(beta).is_err());
    }

    #[test]
    fn a_session_update_always_encodes_session_type() {
        let event = ClientEvent::session_update(RealtimeSession::voice_agent("Be brief.", Voice::Cedar));
        let text = event.encode().unwrap();
        assert!(text.starts_with(r#"{"type":"session.update","session":{"type":"realtime","#), "{text}");
        assert_eq!(ClientEvent::decode(&text).unwrap(), event);
    }

    #[test]
    fn helpers_build_the_documented_frames() {
        assert_eq!(
            ClientEvent::truncate("item_3", 1480).encode().unwrap(),
            r#"{"type":"conversation.item.truncate","item_id":"item_3","content_index":0,"audio_end_ms":1480}"#
        );
        assert_eq!(
            ClientEvent::append_audio("AAABAA==").encode().unwrap(),
            r#"{"type":"input_audio_buffer.append","audio":"AAABAA=="}"#
        );
        assert_eq!(ClientEvent::create_response().encode().unwrap(), r#"{"type":"response.create"}"#);
        assert_eq!(ClientEvent::cancel_response().encode().unwrap(), r#"{"type":"response.cancel"}"#);
        let create = ClientEvent::create_item(Item::user_text("hi"));
        assert_eq!(create.kind(), "conversation.item.create");
        let commit = ClientEvent::from(InputAudioBufferCommit { event_id: Some("c1".into()) });
        assert_eq!(commit.event_id(), Some("c1"));
        assert_eq!(ClientEvent::decode(r#"{"type":"x.y","event_id":"e"}"#).unwrap().event_id(), Some("e"));
    }
}
