//! Provider-neutral session configuration: what a pipeline asks of a realtime session.

use std::time::Duration;

use serde_json::Value;

/// Which realtime provider a transport speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// OpenAI Realtime, GA protocol.
    OpenAi,
    /// Gemini Live.
    Gemini,
}

impl Provider {
    /// The sample rate the provider takes as input: 24 kHz for OpenAI, 16 kHz for Gemini.
    pub fn input_rate_hz(self) -> u32 {
        match self {
            Provider::OpenAi => 24_000,
            Provider::Gemini => 16_000,
        }
    }

    /// The sample rate of the audio the provider sends: 24 kHz for both.
    pub fn output_rate_hz(self) -> u32 {
        24_000
    }
}

/// What a realtime session should be: sent as `session.update` (OpenAI) or `setup` (Gemini), and sent again after
/// every reconnect.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    /// The model id (`gpt-realtime-2.1`, `gemini-2.5-flash-native-audio-preview-12-2025`, ...).
    pub model: String,
    /// The system instructions.
    pub instructions: String,
    /// The voice name, or `None` for the provider's default.
    pub voice: Option<String>,
    /// Functions the model may call. Empty means a session without tools.
    pub tools: Vec<ToolSpec>,
    /// Transcription of the user's audio, or `None` to leave it off.
    pub input_transcription: Option<Transcription>,
    /// Whether to ask for a transcript of the model's audio (OpenAI always sends one).
    pub output_transcription: bool,
    /// How turns are detected.
    pub turn_detection: TurnDetection,
    /// A BCP-47 language code to steer speech, or `None` to let the model choose.
    pub language: Option<String>,
}

impl SessionConfig {
    /// A voice session for `model` with `instructions`, server VAD, transcription both ways and no tools.
    pub fn new(model: impl Into<String>, instructions: impl Into<String>) -> Self {
        SessionConfig {
            model: model.into(),
            instructions: instructions.into(),
            voice: None,
            tools: Vec::new(),
            input_transcription: Some(Transcription::default()),
            output_transcription: true,
            turn_detection: TurnDetection::default(),
            language: None,
        }
    }

    /// Adds a tool.
    #[must_use]
    pub fn with_tool(mut self, tool: ToolSpec) -> Self {
        self.tools.push(tool);
        self
    }

    /// Sets the voice.
    #[must_use]
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }
}

/// A function the model may call, declared once for both providers.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// The function name.
    pub name: String,
    /// When and how to use it.
    pub description: String,
    /// The JSON Schema of its arguments (an object schema).
    pub parameters: Value,
}

/// Input transcription settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcription {
    /// The transcription model (OpenAI: `gpt-4o-mini-transcribe`, ...); `None` for the provider's default.
    pub model: Option<String>,
    /// The language of the speech, if known.
    pub language: Option<String>,
}

/// How the end of the user's turn is detected.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnDetection {
    /// Voice activity detection on the server.
    ServerVad {
        /// Activation threshold, 0 to 1 (OpenAI; Gemini maps it to a sensitivity).
        threshold: f32,
        /// Audio kept before the detected start of speech.
        prefix_padding: Duration,
        /// Silence that ends a turn.
        silence_duration: Duration,
        /// Whether the server starts a response when the turn ends.
        create_response: bool,
        /// Whether the server cancels a running response when the user starts speaking.
        interrupt_response: bool,
    },
    /// Semantic end-of-turn detection (OpenAI only; Gemini falls back to server VAD).
    SemanticVad {
        /// `low`, `medium`, `high` or `auto`.
        eagerness: String,
    },
    /// No automatic detection: the client commits audio and asks for responses.
    Manual,
}

impl Default for TurnDetection {
    fn default() -> Self {
        TurnDetection::ServerVad {
            threshold: 0.5,
            prefix_padding: Duration::from_millis(300),
            silence_duration: Duration::from_millis(500),
            create_response: true,
            interrupt_response: true,
        }
    }
}
