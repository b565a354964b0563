//! Scenarios: what the simulated models say and do, as data (JSON files under `fixtures/sim/`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::fault::Fault;

/// A whole scenario. Every field has a default, so `{}` is a valid scenario equal to [`Scenario::default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// A name for logs.
    pub name: String,
    /// API keys answered with 401. Any other non-empty key is accepted. Default: `["invalid"]`.
    pub invalid_keys: Vec<String>,
    /// Model names the services do not know, as the real ones answer them: Gemini closes 1008 at `setup`
    /// ("models/X is not found ..."), OpenAI Realtime sends a `model_not_found` error after `session.created`,
    /// Responses answers HTTP 404 `model_not_found`. Default: none.
    pub unknown_models: Vec<String>,
    /// The energy VAD used on input audio by both realtime APIs.
    pub vad: VadConfig,
    /// How output audio is cut and paced.
    pub audio: AudioConfig,
    /// The Gemini Live script (handoff: main and reader sessions).
    pub gemini: GeminiScript,
    /// The OpenAI Realtime script (direct).
    pub openai: OpenAiScript,
    /// The Responses API behaviour.
    pub responses: ResponsesScript,
    /// Faults applied from the start, as if injected through the handle.
    pub faults: Vec<Fault>,
    /// At most this many frames are kept; the oldest are dropped first. Default 200 000.
    pub max_frames: usize,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "default".to_owned(),
            invalid_keys: vec!["invalid".to_owned()],
            unknown_models: Vec::new(),
            vad: VadConfig::default(),
            audio: AudioConfig::default(),
            gemini: GeminiScript::default(),
            openai: OpenAiScript::default(),
            responses: ResponsesScript::default(),
            faults: Vec::new(),
            max_frames: 200_000,
        }
    }
}

impl Scenario {
    /// Reads a scenario from a JSON file.
    ///
    /// # Errors
    /// [`Error::ReadScenario`] when the file cannot be read, [`Error::ParseScenario`] when it is not a valid
    /// scenario (unknown fields are errors).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::ReadScenario { path: path.to_owned(), source })?;
        serde_json::from_str(&text).map_err(|source| Error::ParseScenario { path: path.to_owned(), source })
    }

    /// Reads a scenario from JSON text.
    ///
    /// # Errors
    /// [`Error::ParseScenario`] when the text is not a valid scenario.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|source| Error::ParseScenario { path: "<inline>".into(), source })
    }

    /// Whether `model` (with or without Gemini's `models/` prefix) is listed in `unknown_models`.
    pub fn knows_model(&self, model: &str) -> bool {
        let bare = model.strip_prefix("models/").unwrap_or(model);
        !self.unknown_models.iter().any(|unknown| unknown.strip_prefix("models/").unwrap_or(unknown) == bare)
    }

    /// Whether `key` is accepted: non-empty and not listed in `invalid_keys`.
    pub fn accepts_key(&self, key: &str) -> bool {
        !key.trim().is_empty() && !self.invalid_keys.iter().any(|bad| bad == key)
    }
}

/// The energy voice-activity detector: RMS level in dBFS over 20 ms windows.
///
/// A window is speech when its level is at or above `threshold_dbfs`. An utterance starts after
/// `min_speech_ms` of consecutive speech windows (its start is the first of them) and ends once
/// `hangover_ms` of consecutive non-speech windows follow. OpenAI sessions use their
/// `silence_duration_ms` as the hangover when they set one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VadConfig {
    /// Speech threshold in dBFS. Default -45.
    pub threshold_dbfs: f64,
    /// Speech needed to start an utterance, in milliseconds. Default 60.
    pub min_speech_ms: u32,
    /// Silence that ends an utterance, in milliseconds. Default 500.
    pub hangover_ms: u32,
}

impl Default for VadConfig {
    fn default() -> Self {
        VadConfig { threshold_dbfs: -45.0, min_speech_ms: 60, hangover_ms: 500 }
    }
}

/// How model audio is generated, cut into chunks and paced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioConfig {
    /// Audio per chunk (one Gemini `modelTurn` or one OpenAI `response.output_audio.delta`), in ms. Default 80.
    pub chunk_ms: u32,
    /// Speed relative to real time: 4.0 sends 80 ms of audio every 20 ms; 0 sends everything at once.
    /// Default 4.0 (real services also send faster than real time).
    pub pace: f64,
    /// Which voice speaks. Default [`Voice::Auto`].
    pub voice: Voice,
    /// The espeak-ng binary. Default: the `VOICEBOT_ESPEAK` environment variable when it is set and not
    /// empty, otherwise `espeak-ng` on `PATH`. A path that is not a file means espeak-ng is not installed.
    pub espeak_binary: Option<PathBuf>,
}

impl Default for AudioConfig {
    fn default() -> Self {
        AudioConfig { chunk_ms: 80, pace: 4.0, voice: Voice::Auto, espeak_binary: None }
    }
}

/// The voice of the simulated models.
///
/// Speech is generated off the connection's task and cached per simulator by voice and text, so a
/// session stays responsive (pings, cancels, truncates) while a long text is synthesized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Voice {
    /// espeak-ng when it is installed, the synthetic voice otherwise.
    #[default]
    Auto,
    /// A clearly synthetic voiced signal with speech-like timing (a 120 Hz buzz, about 70 ms per
    /// character, peaking at -12 dBFS), the same on every machine. Tests that depend on timing pin it.
    Synthetic,
    /// Real speech from espeak-ng, resampled to 24 kHz. [`Sim::start`](crate::Sim::start) fails with
    /// [`Error::EspeakUnavailable`] when espeak-ng is not installed.
    Espeak,
}

/// A scripted tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCallScript {
    /// The function name, for example `get_time` or `ask_brain`.
    pub name: String,
    /// The arguments, a JSON object.
    #[serde(default)]
    pub args: Map<String, Value>,
}

/// One user utterance heard by a Gemini main session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Utterance {
    /// The input transcription sent for it.
    pub transcript: String,
    /// The tool call the model makes for it, if any.
    #[serde(default)]
    pub tool_call: Option<ToolCallScript>,
    /// Words the main model speaks itself before `turnComplete`, if any (the handoff main usually stays silent).
    #[serde(default)]
    pub reply: Option<String>,
}

/// The Gemini Live script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeminiScript {
    /// The k-th utterance the main sessions of one simulator detect, counted across sessions (a new main
    /// session goes on where the previous ones stopped; a resumed one where its handle was taken), gets the
    /// k-th entry; later ones get an unscripted transcription and no tool call.
    pub utterances: Vec<Utterance>,
    /// Delay between `setup` and `setupComplete`, in ms, so that audio sent too early is caught. Default 20.
    pub setup_complete_delay_ms: u64,
}

impl Default for GeminiScript {
    fn default() -> Self {
        GeminiScript {
            utterances: vec![
                Utterance {
                    transcript: "What time is it in Paris?".to_owned(),
                    tool_call: Some(ToolCallScript {
                        name: "get_time".to_owned(),
                        args: Map::from_iter([("tz".to_owned(), Value::from("Europe/Paris"))]),
                    }),
                    reply: None,
                },
                Utterance {
                    transcript: "Plan a weekend in Rome for two.".to_owned(),
                    tool_call: Some(ToolCallScript {
                        name: "ask_brain".to_owned(),
                        args: Map::from_iter([(
                            "question".to_owned(),
                            Value::from("Plan a weekend in Rome for two."),
                        )]),
                    }),
                    reply: None,
                },
                Utterance { transcript: "Thank you.".to_owned(), tool_call: None, reply: None },
            ],
            setup_complete_delay_ms: 20,
        }
    }
}

/// One user turn of an OpenAI Realtime session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiTurn {
    /// The input transcription of the user's audio.
    pub transcript: String,
    /// The function the model calls first, if any; the spoken reply follows the function output.
    #[serde(default)]
    pub function_call: Option<ToolCallScript>,
    /// What the model says.
    pub reply: String,
}

/// Token counts added to `response.done` usage on every turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokensPerTurn {
    /// Input tokens added per response (the conversation grows). Default 120.
    pub input: u64,
    /// Output tokens of each response. Default 40.
    pub output: u64,
}

impl Default for TokensPerTurn {
    fn default() -> Self {
        TokensPerTurn { input: 120, output: 40 }
    }
}

/// The OpenAI Realtime script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiScript {
    /// The k-th committed user turn gets the k-th entry; later ones get an unscripted reply.
    pub turns: Vec<OpenAiTurn>,
    /// Usage growth per response.
    pub tokens_per_turn: TokensPerTurn,
    /// Time between `response.created` and the first output item, in ms, as the model "thinks". Default 150.
    pub response_latency_ms: u64,
}

impl Default for OpenAiScript {
    fn default() -> Self {
        OpenAiScript {
            turns: vec![
                OpenAiTurn {
                    transcript: "What time is it in Paris?".to_owned(),
                    function_call: Some(ToolCallScript {
                        name: "get_time".to_owned(),
                        args: Map::from_iter([("tz".to_owned(), Value::from("Europe/Paris"))]),
                    }),
                    reply: "It is noon in Paris.".to_owned(),
                },
                OpenAiTurn {
                    transcript: "Thank you.".to_owned(),
                    function_call: None,
                    reply: "You are welcome.".to_owned(),
                },
            ],
            tokens_per_turn: TokensPerTurn::default(),
            response_latency_ms: 150,
        }
    }
}

/// The Responses API behaviour: the first of `answers` whose `input_contains` is in the input gives the
/// answer verbatim; otherwise the answer is `Answer to: <input>. <suffix>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponsesScript {
    /// The sentence appended to every derived answer.
    pub suffix: String,
    /// Scripted answers, tried in order.
    pub answers: Vec<ScriptedAnswer>,
}

impl Default for ResponsesScript {
    fn default() -> Self {
        ResponsesScript {
            suffix: "The simulator has thought about it carefully.".to_owned(),
            answers: Vec::new(),
        }
    }
}

impl ResponsesScript {
    /// The answer to `input`: the first scripted answer whose `input_contains` occurs in it (ignoring
    /// case), otherwise one derived from the input.
    pub fn answer(&self, input: &str) -> String {
        let lower = input.to_lowercase();
        match self.answers.iter().find(|answer| lower.contains(&answer.input_contains.to_lowercase())) {
            Some(answer) => answer.text.clone(),
            None => format!("Answer to: {}. {}", input.trim().trim_end_matches(['.', '?', '!']), self.suffix),
        }
    }
}

/// A Responses answer given verbatim when the input contains a phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedAnswer {
    /// The phrase to look for in the input, ignoring case; empty matches every input.
    pub input_contains: String,
    /// The answer text.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_object_is_the_default_scenario_and_unknown_fields_are_refused() {
        assert_eq!(Scenario::from_json("{}").unwrap(), Scenario::default());
        assert!(Scenario::from_json(r#"{"gemini":{"utterance":[]}}"#).is_err());
    }

    #[test]
    fn keys_are_accepted_unless_empty_or_listed_invalid() {
        let scenario = Scenario::default();
        assert!(scenario.accepts_key("sk-test"));
        assert!(!scenario.accepts_key("invalid"));
        assert!(!scenario.accepts_key(" "));
    }

    #[test]
    fn the_fixture_scenarios_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sim");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "json") {
                Scenario::from_file(&path).unwrap_or_else(|err| panic!("{err}"));
                seen += 1;
            }
        }
        assert!(seen >= 2, "expected handoff.json and direct.json in {}", dir.display());
    }
}
