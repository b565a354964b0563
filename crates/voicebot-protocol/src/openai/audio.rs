//! The `audio` part of a session: formats, voices, input transcription, noise reduction and turn detection.

use serde::{Deserialize, Serialize};

use super::support::nullable;
use crate::serde_util::{open_tagged, string_enum};

/// The sample rate of OpenAI Realtime PCM, in both directions.
pub const PCM_RATE_HZ: u32 = 24_000;

/// `session.audio`: input and output audio settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AudioConfig {
    /// Input (microphone) audio settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<AudioInput>,
    /// Output (model voice) audio settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<AudioOutput>,
}

/// `session.audio.input`.
///
/// Three fields are nullable: `null` turns the feature off, while an absent field leaves it as it is. They are
/// `Option<Option<_>>`: `None` is absent, `Some(None)` is `null`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AudioInput {
    /// The format of the audio the client appends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    /// Asynchronous transcription of the input audio; `Some(None)` turns it off.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub transcription: Option<Option<InputAudioTranscription>>,
    /// Noise reduction applied before VAD and the model; `Some(None)` turns it off.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub noise_reduction: Option<Option<NoiseReduction>>,
    /// Voice activity detection; `Some(None)` turns it off (the client then commits and asks for responses).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub turn_detection: Option<Option<TurnDetection>>,
}

/// `session.audio.output`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AudioOutput {
    /// The format of the audio the model sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    /// The model's voice; it can change only before the first audio output of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Voice>,
    /// Speaking speed, 0.25 to 1.5 (default 1.0); it changes only between turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
}

/// An audio format: `{"type":"audio/pcm","rate":24000}`, `{"type":"audio/pcmu"}` or `{"type":"audio/pcma"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioFormat {
    /// The format's MIME type.
    #[serde(rename = "type")]
    pub kind: AudioFormatType,
    /// The sample rate; only PCM carries it, and it is always 24000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<u32>,
}

impl AudioFormat {
    /// PCM16 little-endian mono at 24 kHz, the only PCM rate OpenAI accepts.
    pub fn pcm() -> Self {
        AudioFormat { kind: AudioFormatType::Pcm, rate: Some(PCM_RATE_HZ) }
    }

    /// G.711 μ-law at 8 kHz, for telephony.
    pub fn pcmu() -> Self {
        AudioFormat { kind: AudioFormatType::Pcmu, rate: None }
    }

    /// G.711 A-law at 8 kHz, for telephony.
    pub fn pcma() -> Self {
        AudioFormat { kind: AudioFormatType::Pcma, rate: None }
    }
}

string_enum! {
    /// The `type` of an [`AudioFormat`].
    pub enum AudioFormatType {
        /// `audio/pcm`: PCM16 little-endian mono.
        Pcm = "audio/pcm",
        /// `audio/pcmu`: G.711 μ-law.
        Pcmu = "audio/pcmu",
        /// `audio/pcma`: G.711 A-law.
        Pcma = "audio/pcma",
    }
}

/// A voice: a built-in name, a custom voice `{"id":"voice_…"}`, or a name this crate does not know.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Voice {
    /// `alloy`.
    Alloy,
    /// `ash`.
    Ash,
    /// `ballad`.
    Ballad,
    /// `coral`.
    Coral,
    /// `echo`.
    Echo,
    /// `sage`.
    Sage,
    /// `shimmer`.
    Shimmer,
    /// `verse`.
    Verse,
    /// `marin` (GA only; recommended).
    Marin,
    /// `cedar` (GA only; recommended).
    Cedar,
    /// A custom voice, written `{"id":"voice_…"}`.
    #[serde(untagged)]
    Custom(VoiceId),
    /// A built-in voice this crate does not know, written as its name.
    #[serde(untagged)]
    Other(String),
}

/// A custom voice reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VoiceId {
    /// The custom voice id, for example `voice_1234`.
    pub id: String,
}

/// `audio.input.transcription`: which model transcribes the user's audio, and hints for it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputAudioTranscription {
    /// The transcription model: `gpt-4o-mini-transcribe`, `gpt-4o-transcribe`, `whisper-1`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The ISO-639-1 language of the input, for example `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Possible ISO-639-1 languages of the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// Free text (or keywords for `whisper-1`) to guide the transcription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Words or phrases to guide the transcription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// How long the model waits before emitting text: `minimal`, `low`, `medium`, `high` or `xhigh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
}

/// `audio.input.noise_reduction`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NoiseReduction {
    /// The microphone kind the filter is tuned for.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NoiseReductionType>,
    /// Suppression strength; higher suppresses more (default 1 when first enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<f64>,
}

string_enum! {
    /// The `type` of [`NoiseReduction`].
    pub enum NoiseReductionType {
        /// Close-talking microphones such as headsets.
        NearField = "near_field",
        /// Far-field microphones such as laptops or conference rooms.
        FarField = "far_field",
    }
}

open_tagged! {
    /// `audio.input.turn_detection`: server VAD or semantic VAD (`null` turns detection off, see [`AudioInput`]).
    pub enum TurnDetection {
        /// Silence-based detection.
        ServerVad(ServerVad) = "server_vad",
        /// Model-based detection of the end of a turn.
        SemanticVad(SemanticVad) = "semantic_vad",
    }
}

/// `server_vad` turn detection. Send every field you rely on: partly filled objects pick up surprising defaults.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerVad {
    /// Activation threshold, 0 to 1 (default 0.5); higher needs louder audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Audio kept before detected speech, in ms (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_padding_ms: Option<u32>,
    /// Silence that ends speech, in ms (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_duration_ms: Option<u32>,
    /// Whether the server starts a response when speech stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    /// Whether the server cancels the active response when speech starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
    /// After this many ms of user silence the model prompts the user again
    /// (and the server sends `input_audio_buffer.timeout_triggered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_ms: Option<u32>,
}

impl ServerVad {
    /// Every field set to the documented default (threshold 0.5, 300 ms padding, 500 ms silence), with the
    /// server both creating responses and cancelling them on barge-in.
    pub fn recommended() -> Self {
        ServerVad {
            threshold: Some(0.5),
            prefix_padding_ms: Some(300),
            silence_duration_ms: Some(500),
            create_response: Some(true),
            interrupt_response: Some(true),
            idle_timeout_ms: None,
        }
    }
}

/// `semantic_vad` turn detection.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SemanticVad {
    /// How soon the model answers: `low` waits up to 8 s, `medium` 4 s, `high` 2 s; `auto` is `medium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eagerness: Option<Eagerness>,
    /// Whether the server starts a response when the turn ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    /// Whether the server cancels the active response when speech starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
}

string_enum! {
    /// [`SemanticVad::eagerness`].
    pub enum Eagerness {
        /// Waits longest (up to 8 s).
        Low = "low",
        /// Up to 4 s.
        Medium = "medium",
        /// Answers soonest (up to 2 s).
        High = "high",
        /// The default, same as `medium`.
        Auto = "auto",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_encode_as_names_or_custom_ids() {
        assert_eq!(serde_json::to_string(&Voice::Marin).unwrap(), r#""marin""#);
        let custom = Voice::Custom(VoiceId { id: "voice_1234".into() });
        assert_eq!(serde_json::to_string(&custom).unwrap(), r#"{"id":"voice_1234"}"#);
        assert_eq!(serde_json::from_str::<Voice>(r#"{"id":"voice_1234"}"#).unwrap(), custom);
        assert_eq!(serde_json::from_str::<Voice>(r#""nova""#).unwrap(), Voice::Other("nova".into()));
        assert!(serde_json::from_str::<Voice>("7").is_err());
    }

    #[test]
    fn formats_encode_as_the_ga_objects() {
        assert_eq!(
            serde_json::to_string(&AudioFormat::pcm()).unwrap(),
            r#"{"type":"audio/pcm","rate":24000}"#
        );
        assert_eq!(serde_json::to_string(&AudioFormat::pcmu()).unwrap(), r#"{"type":"audio/pcmu"}"#);
        let future: AudioFormat = serde_json::from_str(r#"{"type":"audio/opus","rate":48000}"#).unwrap();
        assert_eq!(future.kind, AudioFormatType::Other("audio/opus".into()));
    }

    #[test]
    fn null_turn_detection_differs_from_absent() {
        let off: AudioInput = serde_json::from_str(r#"{"turn_detection":null}"#).unwrap();
        assert_eq!(off.turn_detection, Some(None));
        assert_eq!(serde_json::to_string(&off).unwrap(), r#"{"turn_detection":null}"#);
        let untouched: AudioInput = serde_json::from_str("{}").unwrap();
        assert_eq!(untouched.turn_detection, None);
        assert_eq!(serde_json::to_string(&untouched).unwrap(), "{}");
    }

    #[test]
    fn turn_detection_is_tagged_and_open() {
        let vad = TurnDetection::ServerVad(ServerVad::recommended());
        let text = serde_json::to_string(&vad).unwrap();
        assert!(text.starts_with(r#"{"type":"server_vad","threshold":0.5"#), "{text}");
        let semantic: TurnDetection =
            serde_json::from_str(r#"{"type":"semantic_vad","eagerness":"auto"}"#).unwrap();
        assert_eq!(
            semantic,
            TurnDetection::SemanticVad(SemanticVad {
                eagerness: Some(Eagerness::Auto),
                ..SemanticVad::default()
            })
        );
        let future: TurnDetection = serde_json::from_str(r#"{"type":"push_to_talk"}"#).unwrap();
        assert!(matches!(future, TurnDetection::Other(_)));
        assert!(
            serde_json::from_str::<TurnDetection>(r#"{"type":"server_vad","threshold":"high"}"#).is_err()
        );
    }
}
