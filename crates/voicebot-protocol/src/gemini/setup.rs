//! The `setup` message, the first a client sends, and every configuration block inside it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::content::Content;
use super::enums::{
    ActivityHandling, EndSensitivity, MediaResolution, Modality, StartSensitivity, ThinkingLevel,
    TurnCoverage,
};
use super::serde_util::opt_int;
use super::tools::Tool;

/// Client `setup`: the session configuration. Send it first, then wait for `setupComplete`.
///
/// It cannot change mid-connection; a new configuration takes a reconnect (resuming with a handle).
/// Setup fields this crate does not model (`safetySettings`, `avatarConfig`, `labels`, ...) go in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Setup {
    /// The model, `models/<id>` (Gemini API) or the full publisher path (Vertex). Required by the service.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// Sampling, output modality, voice and thinking.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "generation_config")]
    pub generation_config: Option<GenerationConfig>,
    /// The system prompt, text parts only.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "system_instruction")]
    pub system_instruction: Option<Content>,
    /// Functions and built-in tools the model may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// `{}` turns on transcription of the user's audio.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "input_audio_transcription")]
    pub input_audio_transcription: Option<AudioTranscriptionConfig>,
    /// `{}` turns on transcription of the model's audio.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "output_audio_transcription")]
    pub output_audio_transcription: Option<AudioTranscriptionConfig>,
    /// Voice activity detection and barge-in.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "realtime_input_config")]
    pub realtime_input_config: Option<RealtimeInputConfig>,
    /// `{}` asks for resumption handles; `{"handle": ...}` resumes a session.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "session_resumption")]
    pub session_resumption: Option<SessionResumptionConfig>,
    /// Sliding-window compression, which lifts the session length cap.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "context_window_compression")]
    pub context_window_compression: Option<ContextWindowCompressionConfig>,
    /// Proactive audio (2.5 native audio; always on in 3.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proactivity: Option<ProactivityConfig>,
    /// How history is exchanged, for example seeding it through `clientContent`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "history_config")]
    pub history_config: Option<HistoryConfig>,
    /// The client sends its own VAD signals (Vertex only).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "explicit_vad_signal")]
    pub explicit_vad_signal: Option<bool>,
    /// Setup fields this crate does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Setup {
    /// A setup for `model`; a bare id such as `gemini-3.8-live` gets the `models/` prefix the service
    /// expects.
    pub fn new(model: impl Into<String>) -> Self {
        let model = model.into();
        let model = if model.contains('/') { model } else { format!("models/{model}") };
        Setup { model, ..Setup::default() }
    }

    /// Sets the output modality (one per session; native-audio models take only `AUDIO`).
    #[must_use]
    pub fn with_response_modality(mut self, modality: Modality) -> Self {
        self.generation_config.get_or_insert_with(GenerationConfig::default).response_modalities =
            Some(vec![modality]);
        self
    }

    /// Sets a prebuilt voice (`Kore`, `Puck`, ...).
    #[must_use]
    pub fn with_voice(mut self, voice_name: impl Into<String>) -> Self {
        let speech = self
            .generation_config
            .get_or_insert_with(GenerationConfig::default)
            .speech_config
            .get_or_insert_with(SpeechConfig::default);
        speech.voice_config = Some(VoiceConfig {
            prebuilt_voice_config: Some(PrebuiltVoiceConfig { voice_name: Some(voice_name.into()) }),
            ..VoiceConfig::default()
        });
        self
    }

    /// Sets the system prompt.
    #[must_use]
    pub fn with_system_instruction(mut self, text: impl Into<String>) -> Self {
        self.system_instruction = Some(Content::text(text));
        self
    }

    /// Sets the tools.
    #[must_use]
    pub fn with_tools(mut self, tools: Vec<Tool>) -> Self {
        self.tools = Some(tools);
        self
    }

    /// Turns on transcription of both the user's and the model's audio.
    #[must_use]
    pub fn with_transcriptions(mut self) -> Self {
        self.input_audio_transcription = Some(AudioTranscriptionConfig::default());
        self.output_audio_transcription = Some(AudioTranscriptionConfig::default());
        self
    }

    /// Asks for resumption handles, resuming from `handle` when one is given.
    #[must_use]
    pub fn with_session_resumption(mut self, handle: Option<String>) -> Self {
        self.session_resumption = Some(SessionResumptionConfig { handle, transparent: None });
        self
    }
}

/// `setup.generationConfig`. Live supports only a subset of the unary API's fields; the rest go in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    /// The output modality, one per session.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "response_modalities")]
    pub response_modalities: Option<Vec<Modality>>,
    /// Voice and language of the audio output.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "speech_config")]
    pub speech_config: Option<SpeechConfig>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "top_p")]
    pub top_p: Option<f64>,
    /// Top-k sampling (the Python SDK sends it as a float such as `40.0`; both decode).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "top_k", deserialize_with = "opt_int")]
    pub top_k: Option<u32>,
    /// The output token limit per turn.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "max_output_tokens",
        deserialize_with = "opt_int"
    )]
    pub max_output_tokens: Option<u32>,
    /// The number of candidates (Live supports one).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "candidate_count",
        deserialize_with = "opt_int"
    )]
    pub candidate_count: Option<u32>,
    /// Presence penalty.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "presence_penalty")]
    pub presence_penalty: Option<f64>,
    /// Frequency penalty.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "frequency_penalty")]
    pub frequency_penalty: Option<f64>,
    /// Sampling seed.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "opt_int")]
    pub seed: Option<i32>,
    /// Tokenization resolution for images and video.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "media_resolution")]
    pub media_resolution: Option<MediaResolution>,
    /// Thinking budget or level.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "thinking_config")]
    pub thinking_config: Option<ThinkingConfig>,
    /// Emotion-aware replies (2.5 native audio; removed in 3.8).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "enable_affective_dialog")]
    pub enable_affective_dialog: Option<bool>,
    /// Generation fields this crate does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `generationConfig.speechConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeechConfig {
    /// The voice.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "voice_config")]
    pub voice_config: Option<VoiceConfig>,
    /// The output language, for example `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "language_code")]
    pub language_code: Option<String>,
    /// Several speakers (raw JSON; not for Live audio models).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "multi_speaker_voice_config")]
    pub multi_speaker_voice_config: Option<Value>,
}

/// `speechConfig.voiceConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceConfig {
    /// A prebuilt voice.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "prebuilt_voice_config")]
    pub prebuilt_voice_config: Option<PrebuiltVoiceConfig>,
    /// A voice cloned from a sample (raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "replicated_voice_config")]
    pub replicated_voice_config: Option<Value>,
}

/// `voiceConfig.prebuiltVoiceConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrebuiltVoiceConfig {
    /// The voice name: `Puck`, `Charon`, `Kore`, `Fenrir`, `Aoede`, `Leda`, `Orus`, `Zephyr`, ...
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "voice_name")]
    pub voice_name: Option<String>,
}

/// `generationConfig.thinkingConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingConfig {
    /// Thinking tokens per turn; `0` turns thinking off and `-1` lets the model decide.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "thinking_budget",
        deserialize_with = "opt_int"
    )]
    pub thinking_budget: Option<i32>,
    /// A coarse thinking level (3.1 models).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "thinking_level")]
    pub thinking_level: Option<ThinkingLevel>,
    /// Whether thought summaries are sent as `thought` parts.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "include_thoughts")]
    pub include_thoughts: Option<bool>,
}

/// `inputAudioTranscription` / `outputAudioTranscription`; `{}` turns transcription on with defaults.
/// Options this crate does not model (`languageHints`, `diarization`, ...) go in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioTranscriptionConfig {
    /// Languages to expect.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "language_codes")]
    pub language_codes: Option<Vec<String>>,
    /// Transcription options this crate does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `setup.realtimeInputConfig`: voice activity detection and what user activity does.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RealtimeInputConfig {
    /// Server-side VAD; set `disabled` to drive turns with `activityStart`/`activityEnd`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "automatic_activity_detection")]
    pub automatic_activity_detection: Option<AutomaticActivityDetection>,
    /// Whether user activity interrupts the model.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "activity_handling")]
    pub activity_handling: Option<ActivityHandling>,
    /// Which input a user turn includes.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "turn_coverage")]
    pub turn_coverage: Option<TurnCoverage>,
    /// Timestamps on interim input transcriptions.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "interim_transcript_timestamp_enabled"
    )]
    pub interim_transcript_timestamp_enabled: Option<bool>,
}

/// `realtimeInputConfig.automaticActivityDetection`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomaticActivityDetection {
    /// Turns server VAD off; the client then sends `activityStart` and `activityEnd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// How readily speech is detected to start.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "start_of_speech_sensitivity")]
    pub start_of_speech_sensitivity: Option<StartSensitivity>,
    /// How readily speech is detected to end.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "end_of_speech_sensitivity")]
    pub end_of_speech_sensitivity: Option<EndSensitivity>,
    /// Speech needed before the start is committed, in milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "prefix_padding_ms",
        deserialize_with = "opt_int"
    )]
    pub prefix_padding_ms: Option<u32>,
    /// Silence needed before the end is committed, in milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "silence_duration_ms",
        deserialize_with = "opt_int"
    )]
    pub silence_duration_ms: Option<u32>,
}

/// `setup.sessionResumption`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionResumptionConfig {
    /// The handle of the session to resume; absent to start a new resumable session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// Ask for `lastConsumedClientMessageIndex` in updates (Vertex only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transparent: Option<bool>,
}

/// `setup.contextWindowCompression`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextWindowCompressionConfig {
    /// Context length that triggers compression.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "trigger_tokens",
        deserialize_with = "opt_int"
    )]
    pub trigger_tokens: Option<u64>,
    /// The sliding-window mechanism; `{}` uses its defaults.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "sliding_window")]
    pub sliding_window: Option<SlidingWindow>,
}

/// `contextWindowCompression.slidingWindow`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlidingWindow {
    /// Context length to keep after compression.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "target_tokens",
        deserialize_with = "opt_int"
    )]
    pub target_tokens: Option<u64>,
}

/// `setup.proactivity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProactivityConfig {
    /// The model may stay silent on irrelevant input and speak without being asked.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "proactive_audio")]
    pub proactive_audio: Option<bool>,
    /// The same for video input.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "proactive_video")]
    pub proactive_video: Option<bool>,
}

/// `setup.historyConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryConfig {
    /// Seed the history with `clientContent` before the first turn.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "initial_history_in_client_content")]
    pub initial_history_in_client_content: Option<bool>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn builders_produce_the_documented_shape() {
        let setup = Setup::new("gemini-2.5-flash-native-audio-preview-12-2025")
            .with_response_modality(Modality::Audio)
            .with_voice("Kore")
            .with_system_instruction("Be brief.")
            .with_transcriptions()
            .with_session_resumption(None);
        assert_eq!(
            serde_json::to_value(&setup).unwrap(),
            json!({
                "model": "models/gemini-2.5-flash-native-audio-preview-12-2025",
                "generationConfig": {"responseModalities": ["AUDIO"],
                    "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}},
                "systemInstruction": {"parts": [{"text": "Be brief."}]},
                "inputAudioTranscription": {}, "outputAudioTranscription": {}, "sessionResumption": {}
            })
        );
        assert_eq!(
            Setup::new("projects/p/locations/l/publishers/google/models/m").model.split('/').count(),
            8
        );
    }

    #[test]
    fn the_python_sdk_setup_decodes() {
        // Captured from google-genai 3.4.0: nested keys stay snake_case and topK is a float.
        let text = r#"{"model":"models/m","generationConfig":{"responseModalities":["AUDIO"],"topK":40.0,
            "speechConfig":{"voice_config":{"prebuilt_voice_config":{"voice_name":"Kore"}},"language_code":"en-US"},
            "thinkingConfig":{"include_thoughts":false,"thinking_budget":512}},
            "realtimeInputConfig":{"automatic_activity_detection":{"disabled":false,"prefix_padding_ms":20},
            "turn_coverage":"TURN_INCLUDES_ONLY_ACTIVITY"},
            "contextWindowCompression":{"trigger_tokens":25600,"sliding_window":{"target_tokens":12800}},
            "historyConfig":{"initial_history_in_client_content":true},"safetySettings":[]}"#;
        let setup: Setup = serde_json::from_str(text).unwrap();
        let generation = setup.generation_config.as_ref().unwrap();
        assert_eq!(generation.top_k, Some(40));
        assert_eq!(generation.thinking_config.as_ref().unwrap().thinking_budget, Some(512));
        let voice = generation.speech_config.as_ref().and_then(|s| s.voice_config.as_ref());
        assert_eq!(
            voice.and_then(|v| v.prebuilt_voice_config.as_ref()).unwrap().voice_name.as_deref(),
            Some("Kore")
        );
        let vad = setup.realtime_input_config.as_ref().unwrap();
        assert_eq!(vad.automatic_activity_detection.as_ref().unwrap().prefix_padding_ms, Some(20));
        assert_eq!(vad.turn_coverage, Some(TurnCoverage::TurnIncludesOnlyActivity));
        let window = setup.context_window_compression.as_ref().unwrap();
        assert_eq!(window.sliding_window.as_ref().unwrap().target_tokens, Some(12800));
        assert_eq!(setup.extra["safetySettings"], json!([]));
        let encoded = serde_json::to_value(&setup).unwrap();
        assert_eq!(
            encoded["contextWindowCompression"],
            json!({"triggerTokens": 25600, "slidingWindow": {"targetTokens": 12800}})
        );
        assert_eq!(encoded["generationConfig"]["topK"], json!(40));
    }
}
