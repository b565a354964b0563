//! Server frames: [`ServerMessage`], one optional field per top-level key, and its wire form [`ServerEvent`].

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::serde_util::{Blame, decode_keyed, top_level_index};
use super::server_content::ServerContent;
use super::session::{
    GoAway, SessionResumptionUpdate, SetupComplete, VoiceActivity, VoiceActivityDetectionSignal,
};
use super::tools::{ToolCall, ToolCallCancellation};
use super::usage::UsageMetadata;
use crate::error::{DecodeError, EncodeError};
use crate::wire::{WireMessage, encode_json};

/// One server frame. Unlike client messages, a frame may carry several top-level keys at once
/// (`serverContent` with `usageMetadata`, say), so every key is an optional field: handle each one that is
/// set.
///
/// Keys this crate does not model are kept in `extra` and written back on encode.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerMessage {
    /// `setupComplete`: the setup was accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_complete: Option<SetupComplete>,
    /// `serverContent`: model output, turn boundaries, barge-in, transcriptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_content: Option<ServerContent>,
    /// `toolCall`: functions to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call: Option<ToolCall>,
    /// `toolCallCancellation`: calls to drop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_cancellation: Option<ToolCallCancellation>,
    /// `usageMetadata`: token counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_metadata: Option<UsageMetadata>,
    /// `goAway`: the connection closes soon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go_away: Option<GoAway>,
    /// `sessionResumptionUpdate`: a new resumption handle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_resumption_update: Option<SessionResumptionUpdate>,
    /// `voiceActivityDetectionSignal`: VAD start or end of speech (allow-listed projects only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_activity_detection_signal: Option<VoiceActivityDetectionSignal>,
    /// `voiceActivity`: the user started or stopped speaking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_activity: Option<VoiceActivity>,
    /// Top-level keys this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The top-level keys, camelCase (canonical) and snake_case, in [`ServerMessage::KINDS`] order.
const KEYS: [(&str, &str); 9] = [
    ("setupComplete", "setup_complete"),
    ("serverContent", "server_content"),
    ("toolCall", "tool_call"),
    ("toolCallCancellation", "tool_call_cancellation"),
    ("usageMetadata", "usage_metadata"),
    ("goAway", "go_away"),
    ("sessionResumptionUpdate", "session_resumption_update"),
    ("voiceActivityDetectionSignal", "voice_activity_detection_signal"),
    ("voiceActivity", "voice_activity"),
];

impl ServerMessage {
    /// The camelCase top-level keys this type models (their snake_case forms decode too).
    pub const KINDS: &'static [&'static str] = &[
        "setupComplete",
        "serverContent",
        "toolCall",
        "toolCallCancellation",
        "usageMetadata",
        "goAway",
        "sessionResumptionUpdate",
        "voiceActivityDetectionSignal",
        "voiceActivity",
    ];

    fn presence(&self) -> [bool; 9] {
        [
            self.setup_complete.is_some(),
            self.server_content.is_some(),
            self.tool_call.is_some(),
            self.tool_call_cancellation.is_some(),
            self.usage_metadata.is_some(),
            self.go_away.is_some(),
            self.session_resumption_update.is_some(),
            self.voice_activity_detection_signal.is_some(),
            self.voice_activity.is_some(),
        ]
    }

    /// The known keys that are set, in [`ServerMessage::KINDS`] order.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> {
        let presence = self.presence();
        Self::KINDS.iter().zip(presence).filter(|(_, present)| *present).map(|(kind, _)| *kind)
    }

    /// Whether any known key is set.
    pub fn has_known_key(&self) -> bool {
        self.presence().contains(&true)
    }

    /// The known keys that are set, joined with `+` in [`ServerMessage::KINDS`] order
    /// (`serverContent+usageMetadata`); empty when none is. A fixed, bounded set of names, fit for metrics.
    pub fn kind(&self) -> &'static str {
        let mask =
            self.presence().iter().rev().fold(0usize, |mask, present| mask << 1 | usize::from(*present));
        combined_kind(mask)
    }
}

/// The name of every combination of known keys, indexed by a bit mask over [`ServerMessage::KINDS`],
/// built once so that `kind()` can hand out `&'static str`.
fn combined_kind(mask: usize) -> &'static str {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        (0..1usize << ServerMessage::KINDS.len())
            .map(|mask| {
                let kinds = ServerMessage::KINDS.iter().enumerate().filter(|(bit, _)| mask >> bit & 1 == 1);
                kinds.map(|(_, kind)| *kind).collect::<Vec<_>>().join("+")
            })
            .collect()
    });
    names.get(mask).map_or("", String::as_str)
}

/// A decoded server frame: the [`WireMessage`] form of [`ServerMessage`].
///
/// A frame with at least one known key is a `Message` (unknown keys beside it stay in `extra`); a frame with
/// none is `Unknown`, its kind the first key. A known key with a malformed body is a [`DecodeError`] naming
/// that key. `kind()` names every known key present, joined with `+` (see [`ServerMessage::kind`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A frame with at least one known key.
    Message(Box<ServerMessage>),
    /// A frame without any known key. `raw` is the whole frame, and encoding writes it back.
    Unknown {
        /// The first top-level key as received, or empty for `{}`.
        kind: String,
        /// The whole frame.
        raw: Value,
    },
}

impl ServerEvent {
    /// The top-level keys this enum decodes, as [`ServerMessage::KINDS`].
    pub const KINDS: &'static [&'static str] = ServerMessage::KINDS;

    /// The message, unless this is `Unknown`.
    pub fn message(&self) -> Option<&ServerMessage> {
        match self {
            ServerEvent::Message(message) => Some(message),
            ServerEvent::Unknown { .. } => None,
        }
    }

    fn from_parts(message: ServerMessage, first_key: Option<String>) -> Self {
        if message.has_known_key() {
            ServerEvent::Message(Box::new(message))
        } else {
            ServerEvent::Unknown { kind: first_key.unwrap_or_default(), raw: Value::Object(message.extra) }
        }
    }
}

impl From<ServerMessage> for ServerEvent {
    fn from(message: ServerMessage) -> Self {
        ServerEvent::Message(Box::new(message))
    }
}

macro_rules! server_message_from {
    ($($body:ty => $field:ident),+ $(,)?) => {
        $(
            impl From<$body> for ServerMessage {
                fn from(body: $body) -> Self {
                    ServerMessage { $field: Some(body), ..ServerMessage::default() }
                }
            }

            impl From<$body> for ServerEvent {
                fn from(body: $body) -> Self {
                    ServerEvent::from(ServerMessage::from(body))
                }
            }
        )+
    };
}

server_message_from! {
    SetupComplete => setup_complete,
    ServerContent => server_content,
    ToolCall => tool_call,
    ToolCallCancellation => tool_call_cancellation,
    UsageMetadata => usage_metadata,
    GoAway => go_away,
    SessionResumptionUpdate => session_resumption_update,
    VoiceActivityDetectionSignal => voice_activity_detection_signal,
    VoiceActivity => voice_activity,
}

impl Serialize for ServerEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ServerEvent::Message(message) => message.serialize(serializer),
            ServerEvent::Unknown { raw, .. } => raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ServerMessage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ServerVisitor { blame: Blame::NONE }).map(|(message, _)| message)
    }
}

impl<'de> Deserialize<'de> for ServerEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (message, first_key) = deserializer.deserialize_map(ServerVisitor { blame: Blame::NONE })?;
        Ok(ServerEvent::from_parts(message, first_key))
    }
}

/// Reads the top-level object in one pass, camelCase or snake_case keys. `blame` learns which known key was
/// being decoded when an error happened, so [`WireMessage::decode`] can name it.
struct ServerVisitor<'a> {
    blame: Blame<'a>,
}

/// Stores a decoded body, rejecting a key that appears twice (say in camelCase and in snake_case).
fn put<T, E: de::Error>(slot: &mut Option<T>, value: Option<T>, kind: &str) -> Result<(), E> {
    if value.is_some() {
        if slot.is_some() {
            return Err(E::custom(format_args!("duplicate top-level key `{kind}`")));
        }
        *slot = value;
    }
    Ok(())
}

impl<'de> Visitor<'de> for ServerVisitor<'_> {
    type Value = (ServerMessage, Option<String>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Gemini Live server message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut message = ServerMessage::default();
        let mut first_key = None;
        while let Some(key) = map.next_key::<String>()? {
            let Some(index) = top_level_index(&KEYS, &key) else {
                let value = map.next_value::<Value>()?;
                if first_key.is_none() {
                    first_key = Some(key.clone());
                }
                message.extra.insert(key, value);
                continue;
            };
            let kind = KEYS[index].0;
            self.blame.set(Some(kind));
            let m = &mut message;
            match index {
                0 => put(&mut m.setup_complete, map.next_value()?, kind)?,
                1 => put(&mut m.server_content, map.next_value()?, kind)?,
                2 => put(&mut m.tool_call, map.next_value()?, kind)?,
                3 => put(&mut m.tool_call_cancellation, map.next_value()?, kind)?,
                4 => put(&mut m.usage_metadata, map.next_value()?, kind)?,
                5 => put(&mut m.go_away, map.next_value()?, kind)?,
                6 => put(&mut m.session_resumption_update, map.next_value()?, kind)?,
                7 => put(&mut m.voice_activity_detection_signal, map.next_value()?, kind)?,
                _ => put(&mut m.voice_activity, map.next_value()?, kind)?,
            }
            self.blame.set(None);
        }
        Ok((message, first_key))
    }
}

impl WireMessage for ServerEvent {
    fn decode(text: &str) -> Result<Self, DecodeError> {
        decode_keyed(text, |deserializer, blame| deserializer.deserialize_map(ServerVisitor { blame }))
            .map(|(message, first_key)| ServerEvent::from_parts(message, first_key))
    }

    fn encode(&self) -> Result<String, EncodeError> {
        encode_json(self.kind(), self)
    }

    fn kind(&self) -> &str {
        match self {
            ServerEvent::Message(message) => message.kind(),
            ServerEvent::Unknown { kind, .. } => kind,
        }
    }

    fn is_unknown(&self) -> bool {
        matches!(self, ServerEvent::Unknown { .. })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::gemini::strategies::{fixture_kind, fixtures, snake_case};

    #[test]
    fn several_keys_decode_into_one_message_and_unknown_keys_stay() {
        let text = r#"{"serverContent":{"turnComplete":true},"usageMetadata":{"totalTokenCount":"9"},"hologram":{"x":1}}"#;
        let event = ServerEvent::decode(text).unwrap();
        assert_eq!(event.kind(), "serverContent+usageMetadata");
        assert!(!event.is_unknown());
        let message = event.message().unwrap();
        assert!(message.server_content.as_ref().unwrap().is_turn_complete());
        assert_eq!(message.usage_metadata.as_ref().unwrap().total_token_count, Some(9));
        assert_eq!(message.extra["hologram"], json!({"x": 1}));
        assert_eq!(message.keys().collect::<Vec<_>>(), vec!["serverContent", "usageMetadata"]);
        let encoded: Value = serde_json::from_str(&event.encode().unwrap()).unwrap();
        assert_eq!(
            encoded,
            json!({"serverContent": {"turnComplete": true}, "usageMetadata": {"totalTokenCount": 9}, "hologram": {"x": 1}})
        );
    }

    #[test]
    fn a_frame_without_known_keys_is_unknown() {
        let event = ServerEvent::decode(r#"{"zeta":1,"alpha":{"b":[2]}}"#).unwrap();
        assert!(event.is_unknown());
        assert_eq!(event.kind(), "zeta");
        assert_eq!(
            serde_json::from_str::<Value>(&event.encode().unwrap()).unwrap(),
            json!({"zeta": 1, "alpha": {"b": [2]}})
        );
        let empty = ServerEvent::decode("{}").unwrap();
        assert_eq!((empty.kind(), empty.is_unknown()), ("", true));
        assert_eq!(ServerEvent::decode(r#"{"setup_complete":{}}"#).unwrap().kind(), "setupComplete");
    }

    #[test]
    fn a_malformed_known_key_is_an_error_naming_it() {
        let err = ServerEvent::decode(
            r#"{"serverContent":{"turnComplete":true},"usageMetadata":{"totalTokenCount":"many"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.event_kind(), Some("usageMetadata"));
        let err =
            ServerEvent::decode(r#"{"toolCall":{"functionCalls":[{"id":"1","name":"f","args":"{}"}]}}"#)
                .unwrap_err();
        assert_eq!(err.event_kind(), Some("toolCall"));
        let err = ServerEvent::decode(r#"{"goAway":{},"go_away":{}}"#).unwrap_err();
        assert_eq!(err.event_kind(), Some("goAway"));
        for garbage in ["[]", "3", "{\"goAway\":{}", "{} {}"] {
            assert_eq!(ServerEvent::decode(garbage).unwrap_err().event_kind(), None, "{garbage}");
        }
    }

    #[test]
    fn the_key_table_matches_kinds() {
        assert_eq!(KEYS.map(|(camel, _)| camel).as_slice(), ServerMessage::KINDS);
        for (camel, snake) in KEYS {
            assert_eq!(snake_case(camel), snake);
        }
    }

    #[test]
    fn kinds_name_every_combination() {
        let all = ServerMessage {
            setup_complete: Some(SetupComplete::default()),
            voice_activity: Some(VoiceActivity::default()),
            ..ServerMessage::default()
        };
        assert_eq!(all.kind(), "setupComplete+voiceActivity");
        assert_eq!(ServerMessage::default().kind(), "");
        assert_eq!(ServerEvent::from(GoAway::default()).kind(), "goAway");
        assert_eq!(combined_kind(usize::MAX), "");
        assert_eq!(
            combined_kind((1 << ServerMessage::KINDS.len()) - 1).split('+').count(),
            ServerMessage::KINDS.len()
        );
    }

    /// Re-cases every key to snake_case except inside user data, which the service never re-cases.
    fn snake_case_outside_user_data(value: Value) -> Value {
        const USER_DATA: [&str; 3] = ["args", "groundingMetadata", "response"];
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, value)| {
                        let value = if USER_DATA.contains(&key.as_str()) {
                            value
                        } else {
                            snake_case_outside_user_data(value)
                        };
                        (snake_case(&key), value)
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(snake_case_outside_user_data).collect())
            }
            other => other,
        }
    }

    #[test]
    fn every_server_fixture_decodes_to_the_kind_it_is_named_after_in_either_casing() {
        let files = fixtures("server");
        for (stem, text) in &files {
            let event = ServerEvent::decode(text).unwrap_or_else(|err| panic!("{stem}: {err}"));
            assert!(!event.is_unknown(), "{stem}");
            assert_eq!(event.kind(), fixture_kind(stem), "{stem}");
            assert!(event.message().unwrap().extra.is_empty(), "{stem} has keys this crate drops into extra");
            assert_eq!(ServerEvent::decode(&event.encode().unwrap()).unwrap(), event, "{stem}");
            let snake = snake_case_outside_user_data(serde_json::from_str(text).unwrap()).to_string();
            assert_eq!(ServerEvent::decode_bytes(snake.as_bytes()).unwrap(), event, "{stem} in snake_case");
        }
        for kind in ServerEvent::KINDS {
            assert!(files.iter().any(|(stem, _)| fixture_kind(stem) == *kind), "no fixture for {kind}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,64}") {
            let _ = ServerEvent::decode(&text);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = ServerEvent::decode_bytes(&bytes);
        }
    }
}
