//! `Content`, `Part` and `Blob`: conversation turns and inline media, with PCM audio helpers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::enums::Role;
use super::serde_util::null_default;
use super::tools::{FunctionCall, FunctionResponse};
use crate::error::PcmError;
use crate::pcm;

/// The sample rate Gemini Live expects for input audio.
pub const INPUT_SAMPLE_RATE_HZ: u32 = 16_000;
/// The sample rate of the audio Gemini Live sends back.
pub const OUTPUT_SAMPLE_RATE_HZ: u32 = 24_000;
/// The MIME type of the input audio we send: PCM16 little-endian mono at 16 kHz.
pub const INPUT_AUDIO_MIME_TYPE: &str = "audio/pcm;rate=16000";

/// One turn of a conversation: a role and its parts (`systemInstruction`, `clientContent.turns`,
/// `modelTurn`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Content {
    /// The parts of this turn, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub parts: Vec<Part>,
    /// Who wrote it; absent in `systemInstruction` as we send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

impl Content {
    /// A content with one text part and no role, as `systemInstruction` takes it.
    pub fn text(text: impl Into<String>) -> Self {
        Content { parts: vec![Part::text(text)], role: None }
    }

    /// A user turn with one text part.
    pub fn user_text(text: impl Into<String>) -> Self {
        Content { parts: vec![Part::text(text)], role: Some(Role::User) }
    }

    /// A model turn with one text part.
    pub fn model_text(text: impl Into<String>) -> Self {
        Content { parts: vec![Part::text(text)], role: Some(Role::Model) }
    }
}

/// One part of a [`Content`]. Exactly one data field is set per part on the wire.
///
/// Part kinds this crate does not model (`executableCode`, `codeExecutionResult`, `videoMetadata`, ...) are
/// kept in `extra`, so nothing the server sends is lost.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Text, or a thought summary when `thought` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Inline media: model audio (`audio/pcm;rate=24000`), or images and audio we send in a turn.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "inline_data")]
    pub inline_data: Option<Blob>,
    /// A reference to an uploaded file.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "file_data")]
    pub file_data: Option<FileData>,
    /// True when this part is the model's thinking, not its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    /// Opaque base64 signature of the model's thinking, to send back unchanged in history.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "thought_signature")]
    pub thought_signature: Option<String>,
    /// A function call inside a turn (history seeding; Live itself sends calls in `toolCall`).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "function_call")]
    pub function_call: Option<FunctionCall>,
    /// A function response inside a turn (history seeding).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "function_response")]
    pub function_response: Option<FunctionResponse>,
    /// Part fields this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Part { text: Some(text.into()), ..Part::default() }
    }

    /// An inline-data part.
    pub fn inline_data(blob: Blob) -> Self {
        Part { inline_data: Some(blob), ..Part::default() }
    }

    /// Whether this part is the model's thinking rather than its answer.
    pub fn is_thought(&self) -> bool {
        self.thought == Some(true)
    }

    /// The inline data of this part when it is audio.
    pub fn audio(&self) -> Option<&Blob> {
        self.inline_data.as_ref().filter(|blob| blob.is_audio())
    }
}

/// Inline bytes with a MIME type; `data` is base64 (standard, or URL-safe as the Python SDK sends it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    /// The MIME type, for audio `audio/pcm;rate=16000` (input) or `audio/pcm;rate=24000` (output).
    #[serde(default, alias = "mime_type")]
    pub mime_type: String,
    /// The bytes, base64-encoded.
    #[serde(default)]
    pub data: String,
    /// A display name (Vertex only).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "display_name")]
    pub display_name: Option<String>,
}

impl Blob {
    /// A blob from a MIME type and base64 data.
    pub fn new(mime_type: impl Into<String>, data: impl Into<String>) -> Self {
        Blob { mime_type: mime_type.into(), data: data.into(), display_name: None }
    }

    /// PCM16 audio from samples at `sample_rate_hz`.
    pub fn pcm(samples: &[i16], sample_rate_hz: u32) -> Self {
        Blob::new(pcm_mime_type(sample_rate_hz), pcm::encode_i16(samples))
    }

    /// PCM16 audio from `f32` samples in `[-1, 1]` at `sample_rate_hz`.
    pub fn pcm_f32(samples: &[f32], sample_rate_hz: u32) -> Self {
        Blob::new(pcm_mime_type(sample_rate_hz), pcm::encode_f32(samples))
    }

    /// PCM16 audio already encoded as base64.
    pub fn pcm_base64(data: impl Into<String>, sample_rate_hz: u32) -> Self {
        Blob::new(pcm_mime_type(sample_rate_hz), data)
    }

    /// Whether the MIME type is `audio/*`.
    pub fn is_audio(&self) -> bool {
        self.mime_type.get(..6).is_some_and(|prefix| prefix.eq_ignore_ascii_case("audio/"))
    }

    /// The `rate=` parameter of the MIME type (`audio/pcm;rate=24000` gives 24000).
    pub fn sample_rate_hz(&self) -> Option<u32> {
        self.mime_type.split(';').skip(1).find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim().eq_ignore_ascii_case("rate").then(|| value.trim().parse().ok()).flatten()
        })
    }

    /// Decodes `data` as PCM16 little-endian samples.
    ///
    /// # Errors
    /// [`PcmError`] when the data is not base64 or holds an odd number of bytes.
    pub fn decode_i16(&self) -> Result<Vec<i16>, PcmError> {
        pcm::decode_i16(&self.data)
    }

    /// Appends the PCM16 samples of `data` to `out`.
    ///
    /// # Errors
    /// As [`Blob::decode_i16`].
    pub fn decode_i16_into(&self, out: &mut Vec<i16>) -> Result<(), PcmError> {
        pcm::decode_i16_into(&self.data, out)
    }

    /// Decodes `data` as PCM16 and converts to `f32` samples.
    ///
    /// # Errors
    /// As [`Blob::decode_i16`].
    pub fn decode_f32(&self) -> Result<Vec<f32>, PcmError> {
        pcm::decode_f32(&self.data)
    }
}

/// A reference to an uploaded file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileData {
    /// The file's URI.
    #[serde(default, alias = "file_uri")]
    pub file_uri: String,
    /// The file's MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "mime_type")]
    pub mime_type: Option<String>,
    /// A display name (Vertex only).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "display_name")]
    pub display_name: Option<String>,
}

/// The MIME type of PCM16 audio at `sample_rate_hz`: `audio/pcm;rate=16000`.
pub fn pcm_mime_type(sample_rate_hz: u32) -> String {
    if sample_rate_hz == INPUT_SAMPLE_RATE_HZ {
        INPUT_AUDIO_MIME_TYPE.to_owned()
    } else {
        format!("audio/pcm;rate={sample_rate_hz}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm_blobs_carry_the_rate_in_the_mime_type() {
        let blob = Blob::pcm(&[0, 1, 2, -3], INPUT_SAMPLE_RATE_HZ);
        assert_eq!(blob.mime_type, "audio/pcm;rate=16000");
        assert_eq!(blob.data, "AAABAAIA/f8=");
        assert_eq!(blob.sample_rate_hz(), Some(16_000));
        assert!(blob.is_audio());
        assert_eq!(Blob::pcm(&[], 24_000).mime_type, "audio/pcm;rate=24000");
        assert_eq!(Blob::new("Audio/L16; Rate = 8000", "").sample_rate_hz(), Some(8000));
        assert_eq!(Blob::new("audio/pcm", "").sample_rate_hz(), None);
        assert!(!Blob::new("image/jpeg", "").is_audio());
        assert!(!Blob::new("aud", "").is_audio());
    }

    #[test]
    fn audio_decodes_from_standard_url_safe_and_unpadded_base64() {
        let expected = vec![0, 1, 2, -3];
        for data in ["AAABAAIA/f8=", "AAABAAIA_f8=", "AAABAAIA_f8"] {
            assert_eq!(Blob::pcm_base64(data, 16_000).decode_i16().unwrap(), expected, "{data}");
        }
        assert!(Blob::pcm_base64("!!", 16_000).decode_i16().is_err());
        let mut out = vec![7];
        Blob::pcm_base64("AAABAAIA/f8=", 16_000).decode_i16_into(&mut out).unwrap();
        assert_eq!(out, vec![7, 0, 1, 2, -3]);
        assert_eq!(Blob::pcm_f32(&[0.5], 24_000).decode_f32().unwrap(), vec![0.5]);
    }

    #[test]
    fn parts_keep_unmodeled_fields_and_accept_snake_case() {
        let part: Part = serde_json::from_str(
            r#"{"inline_data":{"mime_type":"audio/pcm;rate=24000","data":"AAA="},"executableCode":{"code":"1"}}"#,
        )
        .unwrap();
        assert_eq!(part.audio().map(|blob| blob.mime_type.as_str()), Some("audio/pcm;rate=24000"));
        assert_eq!(part.extra["executableCode"]["code"], "1");
        let text = serde_json::to_string(&part).unwrap();
        assert_eq!(
            text,
            r#"{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AAA="},"executableCode":{"code":"1"}}"#
        );
    }
}
