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
    // Each field the update sets replaces the current one; absent fields keep theirs.
    macro_rules! take {
        ($from:expr => $to:expr; $($field:ident),*) => { $( if $from.$field.is_some() { $to.$field = $from.$field; } )* };
    }
    take!(update => current;
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
        take!(input => target; format, transcription, noise_reduction, turn_detection);
    }
    if let Some(output) = audio.output {
        let target = current_audio.output.get_or_insert_with(AudioOutput::default);
        take!(output => target; format, voice, speed);
    }
}
