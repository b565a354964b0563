//! The session configuration: the default a new connection gets, and how `session.update` merges into it.

use voicebot_protocol::openai::{
    AudioConfig, AudioFormat, AudioInput, AudioOutput, Modality, RealtimeSession, ServerVad, ToolChoice,
    ToolChoiceMode, TurnDetection, Voice,
};

/// The effective session of a new connection, like the real service's `session.created`.
pub(super) fn default_session(model: &str) -> RealtimeSession {
    RealtimeSession {
        object: Some("realtime.session".to_owned()),
        model: Some(model.to_owned()),
        expires_at: Some(1_767_225_600),
        instructions: Some("You are a helpful, witty, and friendly AI, simulated.".to_owned()),
        output_modalities: Some(vec![Modality::Audio]),
        tools: Some(Vec::new()),
        tool_choice: Some(ToolChoice::Mode(ToolChoiceMode::Auto)),
        audio: Some(AudioConfig {
            input: Some(AudioInput {
                format: Some(AudioFormat::pcm()),
                transcription: Some(None),
                noise_reduction: Some(None),
                turn_detection: Some(Some(TurnDetection::ServerVad(ServerVad {
                    silence_duration_ms: Some(200),
                    ..ServerVad::recommended()
                }))),
            }),
            output: Some(AudioOutput {
                format: Some(AudioFormat::pcm()),
                voice: Some(Voice::Marin),
                speed: Some(1.0),
            }),
        }),
        ..RealtimeSession::default()
    }
}

/// Applies a `session.update`: fields that are set replace the effective ones; the model never changes.
pub(super) fn merge_session(current: &mut RealtimeSession, update: RealtimeSession) {
    macro_rules! take {
        ($($field:ident),*) => { $( if update.$field.is_some() { current.$field = update.$field; } )* };
    }
    take!(
        instructions,
        output_modalities,
        tools,
        tool_choice,
        parallel_tool_calls,
        max_output_tokens,
        truncation,
        tracing,
        include,
        prompt,
        reasoning
    );
    let Some(audio) = update.audio else { return };
    let current_audio = current.audio.get_or_insert_with(AudioConfig::default);
    if let Some(input) = audio.input {
        let target = current_audio.input.get_or_insert_with(AudioInput::default);
        if input.format.is_some() {
            target.format = input.format;
        }
        if input.transcription.is_some() {
            target.transcription = input.transcription;
        }
        if input.noise_reduction.is_some() {
            target.noise_reduction = input.noise_reduction;
        }
        if input.turn_detection.is_some() {
            target.turn_detection = input.turn_detection;
        }
    }
    if let Some(output) = audio.output {
        let target = current_audio.output.get_or_insert_with(AudioOutput::default);
        if output.format.is_some() {
            target.format = output.format;
        }
        if output.voice.is_some() {
            target.voice = output.voice;
        }
        if output.speed.is_some() {
            target.speed = output.speed;
        }
    }
}
