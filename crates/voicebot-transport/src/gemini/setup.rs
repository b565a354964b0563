//! Builds the Gemini `setup` message from a provider-neutral [`SessionConfig`].

use voicebot_protocol::gemini::{
    ActivityHandling, AudioTranscriptionConfig, AutomaticActivityDetection, ContextWindowCompressionConfig,
    EndSensitivity, FunctionDeclaration, Modality, RealtimeInputConfig, Setup, SlidingWindow, SpeechConfig,
    StartSensitivity, Tool,
};

use crate::config::{SessionConfig, TurnDetection};

/// The `setup` for `config`, resuming from `handle` when one is given. Session resumption is always on (so
/// the server sends handles), and a sliding context window lets the session outlive the context limit.
pub(crate) fn setup(config: &SessionConfig, handle: Option<String>) -> Setup {
    let mut setup = Setup::new(config.model.clone())
        .with_response_modality(Modality::Audio)
        .with_system_instruction(config.instructions.clone())
        .with_session_resumption(handle);
    if let Some(voice) = &config.voice {
        setup = setup.with_voice(voice.clone());
    }
    if let Some(language) = &config.language {
        let generation = setup.generation_config.get_or_insert_with(Default::default);
        generation.speech_config.get_or_insert_with(SpeechConfig::default).language_code =
            Some(language.clone());
    }
    if !config.tools.is_empty() {
        let functions = config
            .tools
            .iter()
            .map(|tool| {
                FunctionDeclaration::new(&tool.name, &tool.description)
                    .with_json_schema(tool.parameters.clone())
            })
            .collect();
        setup = setup.with_tools(vec![Tool::functions(functions)]);
    }
    if config.input_transcription.is_some() {
        setup.input_audio_transcription = Some(AudioTranscriptionConfig::default());
    }
    if config.output_transcription {
        setup.output_audio_transcription = Some(AudioTranscriptionConfig::default());
    }
    setup.realtime_input_config = Some(realtime_input(&config.turn_detection));
    setup.context_window_compression = Some(ContextWindowCompressionConfig {
        trigger_tokens: None,
        sliding_window: Some(SlidingWindow::default()),
    });
    setup
}

fn realtime_input(detection: &TurnDetection) -> RealtimeInputConfig {
    let (detection, handling) = match detection {
        TurnDetection::ServerVad {
            threshold, prefix_padding, silence_duration, interrupt_response, ..
        } => {
            // Gemini has two sensitivities instead of a threshold: a high threshold means low sensitivity.
            let (start, end) = if *threshold > 0.6 {
                (StartSensitivity::Low, EndSensitivity::Low)
            } else {
                (StartSensitivity::High, EndSensitivity::High)
            };
            let detection = AutomaticActivityDetection {
                disabled: Some(false),
                start_of_speech_sensitivity: Some(start),
                end_of_speech_sensitivity: Some(end),
                prefix_padding_ms: Some(millis(*prefix_padding)),
                silence_duration_ms: Some(millis(*silence_duration)),
            };
            let handling = if *interrupt_response {
                ActivityHandling::StartOfActivityInterrupts
            } else {
                ActivityHandling::NoInterruption
            };
            (detection, Some(handling))
        }
        // Semantic VAD is OpenAI's; Gemini falls back to its automatic detection with default settings.
        TurnDetection::SemanticVad { .. } => (
            AutomaticActivityDetection { disabled: Some(false), ..AutomaticActivityDetection::default() },
            None,
        ),
        TurnDetection::Manual => (
            AutomaticActivityDetection { disabled: Some(true), ..AutomaticActivityDetection::default() },
            None,
        ),
    };
    RealtimeInputConfig {
        automatic_activity_detection: Some(detection),
        activity_handling: handling,
        ..RealtimeInputConfig::default()
    }
}

fn millis(duration: std::time::Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use voicebot_protocol::WireMessage as _;
    use voicebot_protocol::gemini::ClientMessage;

    use super::*;
    use crate::config::ToolSpec;

    #[test]
    fn the_setup_names_the_model_tools_transcription_and_resumption() {
        let config = SessionConfig::new("gemini-live", "Be brief.").with_voice("Kore").with_tool(ToolSpec {
            name: "get_time".into(),
            description: "Local time".into(),
            parameters: json!({"type": "object"}),
        });
        let text = ClientMessage::setup(setup(&config, Some("h1".into()))).encode().unwrap();
        let frame: Value = serde_json::from_str(&text).unwrap();
        let setup = &frame["setup"];
        assert_eq!(setup["model"], "models/gemini-live");
        assert_eq!(setup["generationConfig"]["responseModalities"], json!(["AUDIO"]));
        assert_eq!(
            setup["generationConfig"]["speechConfig"]["voiceConfig"]["prebuiltVoiceConfig"]["voiceName"],
            "Kore"
        );
        assert_eq!(setup["tools"][0]["functionDeclarations"][0]["name"], "get_time");
        assert_eq!(setup["sessionResumption"]["handle"], "h1");
        assert_eq!(setup["inputAudioTranscription"], json!({}));
        assert_eq!(setup["realtimeInputConfig"]["automaticActivityDetection"]["disabled"], false);
    }
}
