//! Builds the OpenAI `session.update` from a provider-neutral [`SessionConfig`]: GA through the protocol crate,
//! beta as plain JSON.

use serde_json::{Value, json};
use voicebot_protocol::WireMessage as _;
use voicebot_protocol::openai::{
    AudioConfig, AudioFormat, AudioInput, AudioOutput, ClientEvent, InputAudioTranscription, Modality,
    RealtimeSession, SemanticVad, ServerVad, Tool, ToolChoice, TurnDetection as WireTurnDetection, Voice,
};

use crate::config::{SessionConfig, TurnDetection};
use crate::error::Result;

/// The transcription model used when the configuration names none.
pub(crate) const DEFAULT_TRANSCRIBE_MODEL: &str = "gpt-4o-mini-transcribe";

/// The GA `session.update` frame (always with `session.type: "realtime"`).
pub(crate) fn ga_update(config: &SessionConfig) -> Result<String> {
    let transcription = config.input_transcription.as_ref().map(|transcription| InputAudioTranscription {
        model: Some(transcription.model.clone().unwrap_or_else(|| DEFAULT_TRANSCRIBE_MODEL.to_owned())),
        language: transcription.language.clone().or_else(|| config.language.clone()),
        ..InputAudioTranscription::default()
    });
    let tools: Vec<Tool> = config
        .tools
        .iter()
        .map(|tool| Tool::function(&tool.name, &tool.description, tool.parameters.clone()))
        .collect();
    let session = RealtimeSession {
        instructions: Some(config.instructions.clone()),
        output_modalities: Some(vec![Modality::Audio]),
        audio: Some(AudioConfig {
            input: Some(AudioInput {
                format: Some(AudioFormat::pcm()),
                transcription: Some(transcription),
                noise_reduction: None,
                turn_detection: Some(ga_turn_detection(&config.turn_detection)),
            }),
            output: Some(AudioOutput {
                format: Some(AudioFormat::pcm()),
                voice: config.voice.as_deref().map(voice),
                speed: None,
            }),
        }),
        tool_choice: (!tools.is_empty()).then_some(ToolChoice::AUTO),
        tools: Some(tools),
        ..RealtimeSession::default()
    };
    Ok(ClientEvent::session_update(session).encode()?)
}

fn ga_turn_detection(detection: &TurnDetection) -> Option<WireTurnDetection> {
    match detection {
        TurnDetection::ServerVad {
            threshold,
            prefix_padding,
            silence_duration,
            create_response,
            interrupt_response,
        } => Some(WireTurnDetection::ServerVad(ServerVad {
            threshold: Some(f64::from(*threshold)),
            prefix_padding_ms: Some(millis(*prefix_padding)),
            silence_duration_ms: Some(millis(*silence_duration)),
            create_response: Some(*create_response),
            interrupt_response: Some(*interrupt_response),
            idle_timeout_ms: None,
        })),
        TurnDetection::SemanticVad { eagerness } => Some(WireTurnDetection::SemanticVad(SemanticVad {
            eagerness: serde_json::from_value(Value::String(eagerness.clone())).ok(),
            create_response: Some(true),
            interrupt_response: Some(true),
        })),
        TurnDetection::Manual => None,
    }
}

/// The beta `session.update`, for gateways that still speak beta.
pub(crate) fn beta_update(config: &SessionConfig) -> String {
    let transcription = config.input_transcription.as_ref().map(|transcription| {
        json!({"model": transcription.model.clone().unwrap_or_else(|| "whisper-1".to_owned())})
    });
    let turn_detection = match &config.turn_detection {
        TurnDetection::ServerVad {
            threshold,
            prefix_padding,
            silence_duration,
            create_response,
            interrupt_response,
        } => {
            json!({"type": "server_vad", "threshold": threshold, "prefix_padding_ms": millis(*prefix_padding),
            "silence_duration_ms": millis(*silence_duration), "create_response": create_response,
            "interrupt_response": interrupt_response})
        }
        TurnDetection::SemanticVad { eagerness } => json!({"type": "semantic_vad", "eagerness": eagerness}),
        TurnDetection::Manual => Value::Null,
    };
    let tools: Vec<Value> = config
        .tools
        .iter()
        .map(|tool| {
            json!({"type": "function", "name": tool.name, "description": tool.description,
                "parameters": tool.parameters})
        })
        .collect();
    let mut session = json!({
        "modalities": ["text", "audio"],
        "instructions": config.instructions,
        "input_audio_format": "pcm16",
        "output_audio_format": "pcm16",
        "input_audio_transcription": transcription,
        "turn_detection": turn_detection,
        "tools": tools,
        "tool_choice": "auto",
    });
    if let (Some(voice), Some(object)) = (&config.voice, session.as_object_mut()) {
        object.insert("voice".to_owned(), Value::String(voice.clone()));
    }
    json!({"type": "session.update", "session": session}).to_string()
}

fn voice(name: &str) -> Voice {
    serde_json::from_value(Value::String(name.to_owned())).unwrap_or_else(|_| Voice::Other(name.to_owned()))
}

fn millis(duration: std::time::Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ToolSpec;

    fn config() -> SessionConfig {
        SessionConfig::new("gpt-realtime", "Be brief.").with_voice("marin").with_tool(ToolSpec {
            name: "get_time".into(),
            description: "Local time".into(),
            parameters: json!({"type": "object", "properties": {}}),
        })
    }

    #[test]
    fn the_ga_update_carries_the_type_the_audio_formats_and_the_tools() {
        let frame: Value = serde_json::from_str(&ga_update(&config()).unwrap()).unwrap();
        let session = &frame["session"];
        assert_eq!(frame["type"], "session.update");
        assert_eq!(session["type"], "realtime");
        assert_eq!(session["instructions"], "Be brief.");
        assert_eq!(session["audio"]["input"]["format"], json!({"type": "audio/pcm", "rate": 24000}));
        assert_eq!(session["audio"]["input"]["turn_detection"]["type"], "server_vad");
        assert_eq!(session["audio"]["input"]["transcription"]["model"], DEFAULT_TRANSCRIBE_MODEL);
        assert_eq!(session["audio"]["output"]["voice"], "marin");
        assert_eq!(session["tools"][0]["name"], "get_time");
        assert_eq!(session["tool_choice"], "auto");
        assert!(session.get("model").is_none());
    }

    #[test]
    fn manual_turns_and_no_transcription_are_written_as_null() {
        let mut config = config();
        config.turn_detection = TurnDetection::Manual;
        config.input_transcription = None;
        let frame: Value = serde_json::from_str(&ga_update(&config).unwrap()).unwrap();
        assert_eq!(frame["session"]["audio"]["input"]["turn_detection"], Value::Null);
        assert_eq!(frame["session"]["audio"]["input"]["transcription"], Value::Null);
        let beta: Value = serde_json::from_str(&beta_update(&config)).unwrap();
        assert_eq!(beta["session"]["turn_detection"], Value::Null);
        assert_eq!(beta["session"]["voice"], "marin");
        assert!(beta["session"].get("type").is_none());
    }
}
