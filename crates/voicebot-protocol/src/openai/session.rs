//! The GA `session` object, as sent in `session.update` and received in `session.created` / `session.updated`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::audio::{
    AudioConfig, AudioFormat, AudioInput, AudioOutput, InputAudioTranscription, NoiseReduction, ServerVad,
    TurnDetection, Voice,
};
use super::support::nullable;
use super::tools::{Tool, ToolChoice};
use crate::serde_util::string_enum;

/// A session configuration, tagged by `session.type`.
///
/// GA rejects a `session.update` without `session.type` and then drops the whole config, so the type is the
/// enum tag: a [`Session`] cannot be encoded without it, and a session without it does not decode.
// A realtime session is the common case and is built once per update; boxing it would only add ceremony.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum Session {
    /// `"type":"realtime"`: a speech-to-speech (or text) conversation.
    #[serde(rename = "realtime")]
    Realtime(RealtimeSession),
    /// `"type":"transcription"`: input transcription only, no responses.
    #[serde(rename = "transcription")]
    Transcription(TranscriptionSession),
}

impl From<RealtimeSession> for Session {
    fn from(session: RealtimeSession) -> Self {
        Session::Realtime(session)
    }
}

impl From<TranscriptionSession> for Session {
    fn from(session: TranscriptionSession) -> Self {
        Session::Transcription(session)
    }
}

/// A `realtime` session. Every field is optional: an update changes only the fields it carries.
///
/// `id`, `object` and `expires_at` appear only in what the server sends.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RealtimeSession {
    /// Server only: the session id, `sess_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Server only: always `realtime.session`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Server only: when the session ends, in Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The model, for example `gpt-realtime-2.1`; it cannot change once the session runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The system instructions; `""` clears them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// `["audio"]` (audio plus transcript, the default) or `["text"]`, never both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<Modality>>,
    /// Input and output audio settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioConfig>,
    /// The tools the model may call; `[]` clears them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model chooses tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether the model may call several tools at once (reasoning models only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// The output token cap of one response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxOutputTokens>,
    /// How the conversation is cut when it outgrows the context window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<Truncation>,
    /// Traces for the dashboard; `Some(None)` (`null`) disables tracing.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub tracing: Option<Option<Tracing>>,
    /// Extra fields in server output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<Include>>,
    /// A stored prompt template; `Some(None)` (`null`) removes it.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Option<Prompt>>,
    /// Reasoning settings for reasoning models (`gpt-realtime-2*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
}

impl RealtimeSession {
    /// A voice-to-voice session with sensible defaults: audio out, PCM 24 kHz both ways,
    /// [`ServerVad::recommended`] turn detection (the server answers and handles barge-in), the given
    /// instructions and voice. Set more fields with struct update syntax.
    pub fn voice_agent(instructions: impl Into<String>, voice: Voice) -> Self {
        RealtimeSession {
            instructions: Some(instructions.into()),
            output_modalities: Some(vec![Modality::Audio]),
            audio: Some(AudioConfig {
                input: Some(AudioInput {
                    format: Some(AudioFormat::pcm()),
                    turn_detection: Some(Some(TurnDetection::ServerVad(ServerVad::recommended()))),
                    ..AudioInput::default()
                }),
                output: Some(AudioOutput {
                    format: Some(AudioFormat::pcm()),
                    voice: Some(voice),
                    speed: None,
                }),
            }),
            ..RealtimeSession::default()
        }
    }

    /// The input audio settings, if any.
    pub fn audio_input(&self) -> Option<&AudioInput> {
        self.audio.as_ref().and_then(|audio| audio.input.as_ref())
    }

    /// The output voice, if set.
    pub fn voice(&self) -> Option<&Voice> {
        self.audio.as_ref().and_then(|audio| audio.output.as_ref()).and_then(|output| output.voice.as_ref())
    }
}

/// A `transcription` session: the server transcribes input audio and never responds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TranscriptionSession {
    /// Server only: the session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Server only: the object type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Server only: when the session ends, in Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Input audio settings (a transcription session has no output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<TranscriptionAudio>,
    /// Extra fields in server output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<Include>>,
}

/// `session.audio` of a transcription session.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TranscriptionAudio {
    /// Input audio settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<AudioInput>,
}

impl TranscriptionSession {
    /// A transcription session for PCM 24 kHz input with the given transcription model and optional noise
    /// reduction.
    pub fn new(model: impl Into<String>, noise_reduction: Option<NoiseReduction>) -> Self {
        TranscriptionSession {
            audio: Some(TranscriptionAudio {
                input: Some(AudioInput {
                    format: Some(AudioFormat::pcm()),
                    transcription: Some(Some(InputAudioTranscription {
                        model: Some(model.into()),
                        ..InputAudioTranscription::default()
                    })),
                    noise_reduction: noise_reduction.map(Some),
                    turn_detection: None,
                }),
            }),
            ..TranscriptionSession::default()
        }
    }
}

string_enum! {
    /// An output modality.
    pub enum Modality {
        /// Text only.
        Text = "text",
        /// Audio with a transcript.
        Audio = "audio",
    }
}

/// `max_output_tokens`: an integer 1 to 4096, or `"inf"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaxOutputTokens {
    /// At most this many tokens.
    Limit(u32),
    /// `"inf"`: the model's maximum (the default).
    Inf,
}

impl Serialize for MaxOutputTokens {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MaxOutputTokens::Limit(limit) => serializer.serialize_u32(*limit),
            MaxOutputTokens::Inf => serializer.serialize_str("inf"),
        }
    }
}

impl<'de> Deserialize<'de> for MaxOutputTokens {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Limit(u32),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Limit(limit) => Ok(MaxOutputTokens::Limit(limit)),
            Raw::Text(text) if text == "inf" => Ok(MaxOutputTokens::Inf),
            Raw::Text(text) => Err(serde::de::Error::custom(format!(
                "max_output_tokens must be an integer or \"inf\", not {text:?}"
            ))),
        }
    }
}

/// `truncation`: `"auto"`, `"disabled"`, or a retention-ratio strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Truncation {
    /// `"auto"` or `"disabled"`.
    Mode(TruncationMode),
    /// `{"type":"retention_ratio",...}`.
    Strategy(TruncationStrategy),
}

string_enum! {
    /// The string forms of [`Truncation`].
    pub enum TruncationMode {
        /// The server truncates as it sees fit (the default).
        Auto = "auto",
        /// Never truncate; an overlong conversation is an error.
        Disabled = "disabled",
    }
}

/// The object forms of [`Truncation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TruncationStrategy {
    /// Drop old messages down to a fraction of the context, so the cache survives longer.
    RetentionRatio {
        /// The fraction of the context kept after truncating, 0 to 1.
        retention_ratio: f64,
        /// Token limits used for truncating.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_limits: Option<TokenLimits>,
    },
}

/// [`TruncationStrategy::RetentionRatio::token_limits`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenLimits {
    /// The token budget after the instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_instructions: Option<u32>,
}

/// `tracing`: `"auto"` or a configuration (`null` disables tracing, see [`RealtimeSession::tracing`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Tracing {
    /// `"auto"`: default workflow name, group and metadata.
    Mode(TracingMode),
    /// A named workflow.
    Config(TracingConfig),
}

string_enum! {
    /// The string form of [`Tracing`].
    pub enum TracingMode {
        /// Trace with default values.
        Auto = "auto",
    }
}

/// The object form of [`Tracing`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TracingConfig {
    /// The workflow name in the traces dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<String>,
    /// A group id to filter traces by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Free-form metadata attached to the trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

string_enum! {
    /// One value of `include`.
    pub enum Include {
        /// `item.input_audio_transcription.logprobs`: logprobs in input transcription events.
        InputAudioTranscriptionLogprobs = "item.input_audio_transcription.logprobs",
    }
}

/// `prompt`: a reference to a stored prompt template.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Prompt {
    /// The template id.
    pub id: String,
    /// Values substituted for the template's variables (strings or input content objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<serde_json::Map<String, Value>>,
    /// The template version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `reasoning`: settings for reasoning models.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reasoning {
    /// How much the model reasons before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
}

string_enum! {
    /// [`Reasoning::effort`].
    pub enum ReasoningEffort {
        /// `minimal`.
        Minimal = "minimal",
        /// `low`.
        Low = "low",
        /// `medium`.
        Medium = "medium",
        /// `high`.
        High = "high",
        /// `xhigh`.
        Xhigh = "xhigh",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_always_carries_its_type() {
        let session = Session::from(RealtimeSession::default());
        assert_eq!(serde_json::to_string(&session).unwrap(), r#"{"type":"realtime"}"#);
        let transcription = Session::from(TranscriptionSession::default());
        assert_eq!(serde_json::to_string(&transcription).unwrap(), r#"{"type":"transcription"}"#);
        assert!(serde_json::from_str::<Session>(r#"{"instructions":"Be brief."}"#).is_err());
        assert!(serde_json::from_str::<Session>(r#"{"type":"translation"}"#).is_err());
    }

    #[test]
    fn max_output_tokens_is_an_integer_or_inf() {
        assert_eq!(serde_json::to_string(&MaxOutputTokens::Limit(4096)).unwrap(), "4096");
        assert_eq!(serde_json::to_string(&MaxOutputTokens::Inf).unwrap(), r#""inf""#);
        assert_eq!(serde_json::from_str::<MaxOutputTokens>(r#""inf""#).unwrap(), MaxOutputTokens::Inf);
        assert_eq!(serde_json::from_str::<MaxOutputTokens>("12").unwrap(), MaxOutputTokens::Limit(12));
        assert!(serde_json::from_str::<MaxOutputTokens>(r#""lots""#).is_err());
        assert!(serde_json::from_str::<MaxOutputTokens>("-1").is_err());
    }

    #[test]
    fn truncation_and_tracing_take_strings_or_objects() {
        let ratio: Truncation =
            serde_json::from_str(r#"{"type":"retention_ratio","retention_ratio":0.8}"#).unwrap();
        assert_eq!(
            ratio,
            Truncation::Strategy(TruncationStrategy::RetentionRatio {
                retention_ratio: 0.8,
                token_limits: None
            })
        );
        let auto: Truncation = serde_json::from_str(r#""auto""#).unwrap();
        assert_eq!(auto, Truncation::Mode(TruncationMode::Auto));

        let session: RealtimeSession = serde_json::from_str(r#"{"tracing":null}"#).unwrap();
        assert_eq!(session.tracing, Some(None));
        let session: RealtimeSession = serde_json::from_str(r#"{"tracing":"auto"}"#).unwrap();
        assert_eq!(session.tracing, Some(Some(Tracing::Mode(TracingMode::Auto))));
    }

    #[test]
    fn voice_agent_sets_every_field_a_voice_bot_relies_on() {
        let session = RealtimeSession::voice_agent("Be brief.", Voice::Marin);
        let json = serde_json::to_value(Session::from(session.clone())).unwrap();
        assert_eq!(json["type"], "realtime");
        assert_eq!(json["output_modalities"], serde_json::json!(["audio"]));
        assert_eq!(json["audio"]["input"]["format"], serde_json::json!({"type":"audio/pcm","rate":24000}));
        assert_eq!(json["audio"]["input"]["turn_detection"]["interrupt_response"], true);
        assert_eq!(json["audio"]["output"]["voice"], "marin");
        assert_eq!(session.voice(), Some(&Voice::Marin));
        assert!(session.audio_input().is_some());

        let transcription = TranscriptionSession::new("gpt-4o-transcribe", None);
        let json = serde_json::to_value(Session::from(transcription)).unwrap();
        assert_eq!(json["audio"]["input"]["transcription"]["model"], "gpt-4o-transcribe");
        assert!(json["audio"]["input"].get("noise_reduction").is_none());
    }
}
