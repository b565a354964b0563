//! Server `serverContent`: model output, turn boundaries, barge-in and transcriptions.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::content::{Blob, Content};
use super::enums::{InteractionStatus, TurnCompleteReason};

/// Server `serverContent`: one increment of the model's turn.
///
/// Several fields may be set at once (on 3.x models audio and a transcription often share a message), so
/// handle every field. Turn order: the model's parts, then `generationComplete`, then `turnComplete` once
/// playback should have finished. On barge-in there is no `generationComplete`: `interrupted` (flush
/// playback), then `turnComplete`. Transcriptions are not ordered relative to the model turn.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerContent {
    /// Model output: audio (`inlineData`), text, thoughts.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "model_turn")]
    pub model_turn: Option<Content>,
    /// The model finished generating this turn.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "generation_complete")]
    pub generation_complete: Option<bool>,
    /// The turn is over; generation restarts only on new client input.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "turn_complete")]
    pub turn_complete: Option<bool>,
    /// The user barged in: stop and flush playback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<bool>,
    /// Transcription of the user's audio.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "input_transcription")]
    pub input_transcription: Option<Transcription>,
    /// Transcription of the model's audio.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "output_transcription")]
    pub output_transcription: Option<Transcription>,
    /// A low-latency transcription updated while the user speaks.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "interim_input_transcription")]
    pub interim_input_transcription: Option<Transcription>,
    /// Why the turn ended.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "turn_complete_reason")]
    pub turn_complete_reason: Option<TurnCompleteReason>,
    /// The model waits for the user to continue.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "waiting_for_input")]
    pub waiting_for_input: Option<bool>,
    /// The session's activity status, sent with `turnComplete`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "interaction_status")]
    pub interaction_status: Option<InteractionStatus>,
    /// Search grounding details (raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "grounding_metadata")]
    pub grounding_metadata: Option<Value>,
    /// URL context retrieval details (raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "url_context_metadata")]
    pub url_context_metadata: Option<Value>,
}

impl ServerContent {
    /// The audio blobs of `modelTurn`, in order (`audio/pcm;rate=24000`). Decode them with
    /// [`Blob::decode_i16`].
    pub fn audio(&self) -> impl Iterator<Item = &Blob> {
        self.model_turn.iter().flat_map(|turn| &turn.parts).filter_map(|part| part.audio())
    }

    /// The text parts of `modelTurn` that are answers, not thoughts.
    pub fn text(&self) -> impl Iterator<Item = &str> {
        self.model_turn
            .iter()
            .flat_map(|turn| &turn.parts)
            .filter(|part| !part.is_thought())
            .filter_map(|part| part.text.as_deref())
    }

    /// Whether `turnComplete` is true.
    pub fn is_turn_complete(&self) -> bool {
        self.turn_complete == Some(true)
    }

    /// Whether `interrupted` is true.
    pub fn is_interrupted(&self) -> bool {
        self.interrupted == Some(true)
    }
}

/// An audio transcription fragment (`inputTranscription`, `outputTranscription`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcription {
    /// The transcribed text fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// True on the last fragment of the utterance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<bool>,
    /// The detected language.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "language_code")]
    pub language_code: Option<String>,
    /// The speaker, with diarization.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "speaker_label")]
    pub speaker_label: Option<String>,
    /// Per-word timing (raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Value>>,
    /// Start of the fragment in the audio, a Duration string.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "start_offset")]
    pub start_offset: Option<String>,
    /// End of the fragment in the audio, a Duration string.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "end_offset")]
    pub end_offset: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemini::Part;

    #[test]
    fn audio_and_text_iterate_the_model_turn() {
        let thought = Part { thought: Some(true), ..Part::text("planning") };
        let content = ServerContent {
            model_turn: Some(Content {
                parts: vec![
                    Part::inline_data(Blob::pcm(&[1, 2], 24_000)),
                    Part::text("Hi"),
                    thought,
                    Part::inline_data(Blob::new("image/png", "")),
                    Part::inline_data(Blob::pcm(&[3], 24_000)),
                ],
                role: None,
            }),
            ..ServerContent::default()
        };
        let samples: Vec<i16> = content.audio().flat_map(|blob| blob.decode_i16().unwrap()).collect();
        assert_eq!(samples, vec![1, 2, 3]);
        assert_eq!(content.text().collect::<Vec<_>>(), vec!["Hi"]);
        assert_eq!(ServerContent::default().audio().count(), 0);
    }
}
