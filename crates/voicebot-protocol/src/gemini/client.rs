//! Client messages: the [`ClientMessage`] enum, keyed by its single top-level key, and its bodies.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::content::{Blob, Content};
use super::serde_util::{Blame, decode_keyed, null_default, top_level_index};
use super::setup::Setup;
use super::tools::{FunctionResponse, Tool, ToolResponse};
use crate::error::{DecodeError, EncodeError};
use crate::wire::{WireMessage, encode_json};

/// A message from client to server. On the wire it is an object with exactly one top-level key.
///
/// Encoding writes the camelCase key (`realtimeInput`); decoding also accepts the snake_case key the Python
/// SDK sends (`realtime_input`), and snake_case field names at every level below it.
///
/// Decoding is strict about the envelope: an object whose keys are all unknown is [`ClientMessage::Unknown`]
/// (kind = its first key, or empty for `{}`), while an object with a known key and any other key is a
/// [`DecodeError`] naming the known key, because the service rejects such a frame.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientMessage {
    /// `setup`: the session configuration, sent first.
    Setup(Box<Setup>),
    /// `clientContent`: ordered turns appended to the history.
    ClientContent(ClientContent),
    /// `realtimeInput`: streamed audio, video or text, and activity markers.
    RealtimeInput(RealtimeInput),
    /// `toolResponse`: function results.
    ToolResponse(ToolResponse),
    /// `contextUpdate`: a new system instruction or tool list mid-session.
    ContextUpdate(ContextUpdate),
    /// A top-level key this crate does not model. `raw` is the whole frame, and encoding writes it back.
    Unknown {
        /// The first top-level key as received, or empty for `{}`.
        kind: String,
        /// The whole frame.
        raw: Value,
    },
}

/// The top-level keys, camelCase (canonical) and snake_case, in [`ClientMessage::KINDS`] order.
const KEYS: [(&str, &str); 5] = [
    ("setup", "setup"),
    ("clientContent", "client_content"),
    ("realtimeInput", "realtime_input"),
    ("toolResponse", "tool_response"),
    ("contextUpdate", "context_update"),
];

impl ClientMessage {
    /// The camelCase top-level keys this enum decodes (their snake_case forms decode too).
    pub const KINDS: &'static [&'static str] =
        &["setup", "clientContent", "realtimeInput", "toolResponse", "contextUpdate"];

    /// The canonical key of a known variant, or empty for `Unknown`.
    fn kind_static(&self) -> &'static str {
        match self {
            ClientMessage::Setup(_) => "setup",
            ClientMessage::ClientContent(_) => "clientContent",
            ClientMessage::RealtimeInput(_) => "realtimeInput",
            ClientMessage::ToolResponse(_) => "toolResponse",
            ClientMessage::ContextUpdate(_) => "contextUpdate",
            ClientMessage::Unknown { .. } => "",
        }
    }

    /// `setup`.
    pub fn setup(setup: Setup) -> Self {
        ClientMessage::Setup(Box::new(setup))
    }

    /// `realtimeInput.audio` with PCM16 samples at `sample_rate_hz` (Gemini takes 16 kHz natively).
    pub fn audio(samples: &[i16], sample_rate_hz: u32) -> Self {
        RealtimeInput { audio: Some(Blob::pcm(samples, sample_rate_hz)), ..RealtimeInput::default() }.into()
    }

    /// `realtimeInput.audio` with `f32` samples in `[-1, 1]`, sent as PCM16.
    pub fn audio_f32(samples: &[f32], sample_rate_hz: u32) -> Self {
        RealtimeInput { audio: Some(Blob::pcm_f32(samples, sample_rate_hz)), ..RealtimeInput::default() }
            .into()
    }

    /// `realtimeInput.audio` with PCM16 already encoded as base64.
    pub fn audio_base64(data: impl Into<String>, sample_rate_hz: u32) -> Self {
        RealtimeInput { audio: Some(Blob::pcm_base64(data, sample_rate_hz)), ..RealtimeInput::default() }
            .into()
    }

    /// `realtimeInput.text`: live text input.
    pub fn text(text: impl Into<String>) -> Self {
        RealtimeInput { text: Some(text.into()), ..RealtimeInput::default() }.into()
    }

    /// `realtimeInput.audioStreamEnd`: the microphone paused (only with automatic activity detection).
    pub fn audio_stream_end() -> Self {
        RealtimeInput { audio_stream_end: Some(true), ..RealtimeInput::default() }.into()
    }

    /// `realtimeInput.activityStart` (only with automatic activity detection disabled).
    pub fn activity_start() -> Self {
        RealtimeInput { activity_start: Some(ActivityStart {}), ..RealtimeInput::default() }.into()
    }

    /// `realtimeInput.activityEnd` (only with automatic activity detection disabled).
    pub fn activity_end() -> Self {
        RealtimeInput { activity_end: Some(ActivityEnd {}), ..RealtimeInput::default() }.into()
    }

    /// `clientContent` with `turns`.
    pub fn client_content(turns: Vec<Content>, turn_complete: bool) -> Self {
        ClientContent { turns, turn_complete: Some(turn_complete) }.into()
    }

    /// `toolResponse` with `responses`.
    pub fn tool_response(responses: Vec<FunctionResponse>) -> Self {
        ToolResponse { function_responses: responses }.into()
    }
}

impl From<Setup> for ClientMessage {
    fn from(setup: Setup) -> Self {
        ClientMessage::setup(setup)
    }
}

impl From<ClientContent> for ClientMessage {
    fn from(body: ClientContent) -> Self {
        ClientMessage::ClientContent(body)
    }
}

impl From<RealtimeInput> for ClientMessage {
    fn from(body: RealtimeInput) -> Self {
        ClientMessage::RealtimeInput(body)
    }
}

impl From<ToolResponse> for ClientMessage {
    fn from(body: ToolResponse) -> Self {
        ClientMessage::ToolResponse(body)
    }
}

impl From<ContextUpdate> for ClientMessage {
    fn from(body: ContextUpdate) -> Self {
        ClientMessage::ContextUpdate(body)
    }
}

/// Client `clientContent`: turns appended to the history in order. It interrupts any generation in progress.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientContent {
    /// The turns, `role` `user` or `model`.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<Content>,
    /// True to start generating from the accumulated prompt.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "turn_complete")]
    pub turn_complete: Option<bool>,
}

/// Client `realtimeInput`: set exactly one field per message (the Python SDK enforces this; we do not).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RealtimeInput {
    /// Audio, `audio/pcm;rate=16000`, about 20 to 100 ms per message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<Blob>,
    /// Video frames (JPEG, about 1 fps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<Blob>,
    /// Live text input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The user started speaking (manual activity detection only).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "activity_start")]
    pub activity_start: Option<ActivityStart>,
    /// The user stopped speaking (manual activity detection only).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "activity_end")]
    pub activity_end: Option<ActivityEnd>,
    /// The audio stream paused; buffered audio is flushed (automatic activity detection only).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "audio_stream_end")]
    pub audio_stream_end: Option<bool>,
    /// The deprecated form of `audio` and `video`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "media_chunks")]
    pub media_chunks: Option<Vec<Blob>>,
}

impl RealtimeInput {
    /// Every audio blob of this message: `audio`, and audio inside the deprecated `mediaChunks`.
    pub fn audio_blobs(&self) -> impl Iterator<Item = &Blob> {
        let chunks = self.media_chunks.iter().flatten().filter(|blob| blob.is_audio());
        self.audio.iter().chain(chunks)
    }
}

/// `realtimeInput.activityStart`, an empty object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActivityStart {}

/// `realtimeInput.activityEnd`, an empty object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActivityEnd {}

/// Client `contextUpdate`: replaces the system instruction or the tools mid-session. Only set fields change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextUpdate {
    /// The new system instruction.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "system_instruction")]
    pub system_instruction: Option<Content>,
    /// The new tool list; an empty list clears all tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<ContextUpdateTools>,
}

/// `contextUpdate.tools`: a wrapper so that "no update" and "no tools" differ on the wire.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContextUpdateTools {
    /// The tools, replacing the previous list.
    #[serde(default, deserialize_with = "null_default")]
    pub tools: Vec<Tool>,
}

impl Serialize for ClientMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn entry<S: Serializer, T: Serialize>(serializer: S, key: &str, body: &T) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(key, body)?;
            map.end()
        }
        match self {
            ClientMessage::Setup(body) => entry(serializer, "setup", body),
            ClientMessage::ClientContent(body) => entry(serializer, "clientContent", body),
            ClientMessage::RealtimeInput(body) => entry(serializer, "realtimeInput", body),
            ClientMessage::ToolResponse(body) => entry(serializer, "toolResponse", body),
            ClientMessage::ContextUpdate(body) => entry(serializer, "contextUpdate", body),
            ClientMessage::Unknown { raw, .. } => raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ClientMessage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ClientVisitor { blame: Blame::NONE })
    }
}

/// Reads the top-level object in one pass. `blame` learns which known key was being decoded when an error
/// happened, so [`WireMessage::decode`] can name it.
struct ClientVisitor<'a> {
    blame: Blame<'a>,
}

impl<'de> Visitor<'de> for ClientVisitor<'_> {
    type Value = ClientMessage;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Gemini Live client message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClientMessage, A::Error> {
        let mut known: Option<ClientMessage> = None;
        let mut first_key: Option<String> = None;
        let mut keys = 0usize;
        let mut others = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            keys += 1;
            match top_level_index(&KEYS, &key) {
                Some(index) => {
                    let kind = KEYS[index].0;
                    self.blame.set(Some(kind));
                    let message = match index {
                        0 => ClientMessage::Setup(map.next_value()?),
                        1 => ClientMessage::ClientContent(map.next_value()?),
                        2 => ClientMessage::RealtimeInput(map.next_value()?),
                        3 => ClientMessage::ToolResponse(map.next_value()?),
                        _ => ClientMessage::ContextUpdate(map.next_value()?),
                    };
                    if let Some(previous) = &known {
                        self.blame.set(Some(previous.kind_static()));
                        return Err(de::Error::custom(format_args!(
                            "a client message has exactly one top-level key, found `{}` and `{key}`",
                            previous.kind_static()
                        )));
                    }
                    known = Some(message);
                    self.blame.set(None);
                }
                None => {
                    let value = map.next_value::<Value>()?;
                    if first_key.is_none() {
                        first_key = Some(key.clone());
                    }
                    others.insert(key, value);
                }
            }
        }
        match known {
            Some(message) if keys == 1 => Ok(message),
            Some(message) => {
                self.blame.set(Some(message.kind_static()));
                let extra = others.keys().map(String::as_str).collect::<Vec<_>>().join("`, `");
                Err(de::Error::custom(format_args!(
                    "a client message has exactly one top-level key, found `{}` and `{extra}`",
                    message.kind_static()
                )))
            }
            None => {
                Ok(ClientMessage::Unknown { kind: first_key.unwrap_or_default(), raw: Value::Object(others) })
            }
        }
    }
}

impl WireMessage for ClientMessage {
    fn decode(text: &str) -> Result<Self, DecodeError> {
        decode_keyed(text, |deserializer, blame| deserializer.deserialize_map(ClientVisitor { blame }))
    }

    fn encode(&self) -> Result<String, EncodeError> {
        encode_json(self.kind(), self)
    }

    fn kind(&self) -> &str {
        match self {
            ClientMessage::Unknown { kind, .. } => kind,
            known => known.kind_static(),
        }
    }

    fn is_unknown(&self) -> bool {
        matches!(self, ClientMessage::Unknown { .. })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::gemini::strategies::{client_message, fixture_kind, fixtures, snake_case_keys};

    proptest! {
        #[test]
        fn every_client_message_round_trips(message in client_message()) {
            let text = message.encode().unwrap();
            prop_assert_eq!(ClientMessage::decode(&text).unwrap(), message);
        }

        #[test]
        fn snake_case_field_names_decode_to_the_same_message(message in client_message()) {
            let value: Value = serde_json::from_str(&message.encode().unwrap()).unwrap();
            let snake = snake_case_keys(value).to_string();
            prop_assert_eq!(ClientMessage::decode(&snake).unwrap(), message);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,64}") {
            let _ = ClientMessage::decode(&text);
        }
    }

    #[test]
    fn frames_captured_from_the_python_sdk_decode() {
        // google-genai 3.4.0 sends snake_case top-level keys, snake_case inside pydantic objects and URL-safe
        // base64.
        let audio = ClientMessage::decode(
            r#"{"realtime_input": {"audio": {"data": "AAABAAIA_f8=", "mime_type": "audio/pcm;rate=16000"}}}"#,
        )
        .unwrap();
        let ClientMessage::RealtimeInput(input) = &audio else { panic!("{audio:?}") };
        let blobs: Vec<&Blob> = input.audio_blobs().collect();
        assert_eq!(blobs[0].decode_i16().unwrap(), vec![0, 1, 2, -3]);
        assert_eq!(audio.kind(), "realtimeInput");
        let response = ClientMessage::decode(
            r#"{"tool_response": {"functionResponses": [{"will_continue": false, "scheduling": "WHEN_IDLE",
                "id": "function-call-1234", "name": "get_time", "response": {"result": {"time": "12:00"}}}]}}"#,
        )
        .unwrap();
        assert_eq!(
            response.encode().unwrap(),
            r#"{"toolResponse":{"functionResponses":[{"id":"function-call-1234","name":"get_time","response":{"result":{"time":"12:00"}},"willContinue":false,"scheduling":"WHEN_IDLE"}]}}"#
        );
        let content = ClientMessage::decode(r#"{"client_content": {"turn_complete": true}}"#).unwrap();
        assert_eq!(content, ClientContent { turns: vec![], turn_complete: Some(true) }.into());
    }

    #[test]
    fn constructors_encode_the_documented_frames() {
        let cases = [
            (
                ClientMessage::audio(&[0, 1, 2, -3], 16_000),
                json!({"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=16000", "data": "AAABAAIA/f8="}}}),
            ),
            (
                ClientMessage::audio_base64("AAA=", 24_000),
                json!({"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=24000", "data": "AAA="}}}),
            ),
            (
                ClientMessage::audio_f32(&[0.0], 16_000),
                json!({"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=16000", "data": "AAA="}}}),
            ),
            (ClientMessage::text("hi"), json!({"realtimeInput": {"text": "hi"}})),
            (ClientMessage::audio_stream_end(), json!({"realtimeInput": {"audioStreamEnd": true}})),
            (ClientMessage::activity_start(), json!({"realtimeInput": {"activityStart": {}}})),
            (ClientMessage::activity_end(), json!({"realtimeInput": {"activityEnd": {}}})),
            (
                ClientMessage::client_content(vec![Content::user_text("hi")], true),
                json!({"clientContent": {"turns": [{"parts": [{"text": "hi"}], "role": "user"}], "turnComplete": true}}),
            ),
            (
                ClientMessage::tool_response(vec![FunctionResponse::error("c1", "f", "boom")]),
                json!({"toolResponse": {"functionResponses": [{"id": "c1", "name": "f", "response": {"error": "boom"}}]}}),
            ),
            (
                ClientMessage::setup(Setup::new("gemini-3.8-live")),
                json!({"setup": {"model": "models/gemini-3.8-live"}}),
            ),
            (
                ContextUpdate { system_instruction: None, tools: Some(ContextUpdateTools::default()) }.into(),
                json!({"contextUpdate": {"tools": {"tools": []}}}),
            ),
        ];
        for (message, expected) in cases {
            let encoded: Value = serde_json::from_str(&message.encode().unwrap()).unwrap();
            assert_eq!(encoded, expected);
            assert_eq!(ClientMessage::decode(&encoded.to_string()).unwrap(), message);
        }
    }

    #[test]
    fn the_key_table_matches_kinds() {
        assert_eq!(KEYS.map(|(camel, _)| camel).as_slice(), ClientMessage::KINDS);
        for (camel, snake) in KEYS {
            assert_eq!(crate::gemini::strategies::snake_case(camel), snake);
        }
    }

    #[test]
    fn the_envelope_has_exactly_one_key() {
        let unknown = ClientMessage::decode(r#"{"holoInput":{"x":1},"more":2}"#).unwrap();
        assert!(unknown.is_unknown());
        assert_eq!(unknown.kind(), "holoInput");
        assert_eq!(
            serde_json::from_str::<Value>(&unknown.encode().unwrap()).unwrap(),
            json!({"holoInput": {"x": 1}, "more": 2})
        );
        let empty = ClientMessage::decode("{}").unwrap();
        assert_eq!((empty.kind(), empty.is_unknown()), ("", true));

        for two_keys in
            [r#"{"realtimeInput":{"text":"a"},"extra":1}"#, r#"{"extra":1,"realtimeInput":{"text":"a"}}"#]
        {
            let err = ClientMessage::decode(two_keys).unwrap_err();
            assert_eq!(err.event_kind(), Some("realtimeInput"), "{err}");
        }
        let err = ClientMessage::decode(r#"{"realtimeInput":{"text":"a"},"realtime_input":{"text":"b"}}"#)
            .unwrap_err();
        assert_eq!(err.event_kind(), Some("realtimeInput"));
        assert!(err.to_string().contains("exactly one top-level key"), "{err}");
    }

    #[test]
    fn a_malformed_body_names_its_key() {
        let err = ClientMessage::decode(
            r#"{"tool_response":{"functionResponses":[{"id":"c","response":"12:00"}]}}"#,
        )
        .unwrap_err();
        assert_eq!(err.event_kind(), Some("toolResponse"));
        let err = ClientMessage::decode(r#"{"setup":{"generationConfig":{"topK":1.5}}}"#).unwrap_err();
        assert_eq!(err.event_kind(), Some("setup"));
        for garbage in ["[1]", "\"setup\"", "{", "{\"setup\":{}} trailing", "null"] {
            assert_eq!(ClientMessage::decode(garbage).unwrap_err().event_kind(), None, "{garbage}");
        }
        assert_eq!(ClientMessage::decode_bytes(&[0xff]).unwrap_err().event_kind(), None);
    }

    #[test]
    fn every_client_fixture_decodes_to_the_kind_it_is_named_after() {
        let files = fixtures("client");
        for (stem, text) in &files {
            let message = ClientMessage::decode(text).unwrap_or_else(|err| panic!("{stem}: {err}"));
            assert!(!message.is_unknown(), "{stem}");
            assert_eq!(message.kind(), fixture_kind(stem), "{stem}");
            assert_eq!(ClientMessage::decode(&message.encode().unwrap()).unwrap(), message, "{stem}");
        }
        for kind in ClientMessage::KINDS {
            assert!(files.iter().any(|(stem, _)| fixture_kind(stem) == *kind), "no fixture for {kind}");
        }
    }
}
