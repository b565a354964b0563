//! Input audio transcription events: deltas, the completed transcript with its usage, failures and segments.

use serde::{Deserialize, Serialize};

use crate::serde_util::open_tagged;

/// `conversation.item.input_audio_transcription.delta`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationItemInputAudioTranscriptionDelta {
    /// The server event id.
    pub event_id: String,
    /// The user item being transcribed.
    pub item_id: String,
    /// The audio content part being transcribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_index: Option<u32>,
    /// The new text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    /// Log probabilities of the delta's tokens, when `include` asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<LogProb>>,
}

/// `conversation.item.input_audio_transcription.completed`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationItemInputAudioTranscriptionCompleted {
    /// The server event id.
    pub event_id: String,
    /// The user item transcribed.
    pub item_id: String,
    /// The audio content part transcribed.
    pub content_index: u32,
    /// The full transcript; a hint of what the model heard, not the model's own input.
    pub transcript: String,
    /// What the transcription cost (GA always sends it; older gateways may not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TranscriptionUsage>,
    /// The detected languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<TranscriptionLanguage>>,
    /// Log probabilities of the transcript's tokens, when `include` asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<LogProb>>,
}

/// `conversation.item.input_audio_transcription.failed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConversationItemInputAudioTranscriptionFailed {
    /// The server event id.
    pub event_id: String,
    /// The user item.
    pub item_id: String,
    /// The audio content part.
    pub content_index: u32,
    /// Why transcription failed.
    pub error: TranscriptionError,
}

/// `conversation.item.input_audio_transcription.segment`: a diarized piece of the transcript.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationItemInputAudioTranscriptionSegment {
    /// The server event id.
    pub event_id: String,
    /// The user item.
    pub item_id: String,
    /// The audio content part.
    pub content_index: u32,
    /// The segment id.
    pub id: String,
    /// The segment's text.
    pub text: String,
    /// The speaker label.
    pub speaker: String,
    /// Start of the segment, in seconds.
    pub start: f64,
    /// End of the segment, in seconds.
    pub end: f64,
}

open_tagged! {
    /// The `usage` of a completed transcription: tokens or seconds, depending on the model.
    pub enum TranscriptionUsage {
        /// Token-billed models.
        Tokens(TranscriptionTokenUsage) = "tokens",
        /// Duration-billed models.
        Duration(TranscriptionDurationUsage) = "duration",
    }
}

/// [`TranscriptionUsage::Tokens`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TranscriptionTokenUsage {
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input plus output tokens.
    pub total_tokens: u64,
    /// The input tokens by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_token_details: Option<TranscriptionInputTokenDetails>,
}

/// [`TranscriptionTokenUsage::input_token_details`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TranscriptionInputTokenDetails {
    /// Text tokens (the prompt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<u64>,
    /// Audio tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
}

/// [`TranscriptionUsage::Duration`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TranscriptionDurationUsage {
    /// Seconds of audio transcribed.
    pub seconds: f64,
}

/// One detected language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TranscriptionLanguage {
    /// The ISO-639-1 code.
    pub code: String,
}

/// The log probability of one token.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LogProb {
    /// The token.
    pub token: String,
    /// Its UTF-8 bytes.
    pub bytes: Vec<u8>,
    /// Its log probability.
    pub logprob: f64,
}

/// The `error` of a failed transcription; every field may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TranscriptionError {
    /// The error type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The parameter at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_tokens_or_duration() {
        let tokens: TranscriptionUsage = serde_json::from_str(
            r#"{"type":"tokens","input_tokens":10,"output_tokens":4,"total_tokens":14}"#,
        )
        .unwrap();
        assert!(matches!(
            tokens,
            TranscriptionUsage::Tokens(TranscriptionTokenUsage { total_tokens: 14, .. })
        ));
        let duration: TranscriptionUsage =
            serde_json::from_str(r#"{"type":"duration","seconds":1.5}"#).unwrap();
        assert_eq!(duration, TranscriptionUsage::Duration(TranscriptionDurationUsage { seconds: 1.5 }));
    }
}
