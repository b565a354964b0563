//! Base64 PCM16 little-endian audio, to and from `i16` and `f32` samples.
//!
//! Both providers carry audio as base64 text inside JSON: OpenAI in `input_audio_buffer.append.audio` and
//! `response.output_audio.delta.delta`, Gemini in `realtimeInput.audio.data` and `inlineData.data`.
//! These helpers convert in fixed-size blocks on the stack, so the only heap buffer is the caller's output:
//! no intermediate byte vector, no second copy of the payload.
//!
//! Decoding accepts what the services and SDKs send: the standard or the URL-safe alphabet, padded or not.
//! Encoding always writes padded standard base64.
//!
//! Sample conversion is symmetric: `i16 -> f32 -> i16` is exact, `f32` outside `[-1, 1]` is clamped and `NaN`
//! becomes silence.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

use crate::error::PcmError;

/// Decodes the standard alphabet with or without padding.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// Decodes the URL-safe alphabet (`-` and `_`) with or without padding; protobuf JSON accepts it and the
/// google-genai Python SDK sends it.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Bytes converted per block: a multiple of 3 (so base64 needs no padding between blocks) and of 2 (whole samples).
const BLOCK_BYTES: usize = 3 * 1024;
/// Base64 characters that decode to one block.
const BLOCK_CHARS: usize = BLOCK_BYTES / 3 * 4;

/// Converts one `f32` sample in `[-1, 1]` to PCM16.
#[inline]
pub fn f32_to_i16(sample: f32) -> i16 {
    // `as` saturates and maps NaN to 0, which is what we want after the clamp.
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Converts one PCM16 sample to `f32` in `[-1, 1)`.
#[inline]
pub fn i16_to_f32(sample: i16) -> f32 {
    f32::from(sample) / 32768.0
}

/// Encodes samples as base64 PCM16 little-endian.
pub fn encode_i16(samples: &[i16]) -> String {
    let mut out = String::with_capacity(encoded_len(samples.len()));
    encode_i16_into(samples, &mut out);
    out
}

/// Appends the base64 PCM16 encoding of `samples` to `out`.
pub fn encode_i16_into(samples: &[i16], out: &mut String) {
    encode_blocks(samples.iter().copied(), samples.len(), out);
}

/// Encodes `f32` samples as base64 PCM16 little-endian.
pub fn encode_f32(samples: &[f32]) -> String {
    let mut out = String::with_capacity(encoded_len(samples.len()));
    encode_f32_into(samples, &mut out);
    out
}

/// Appends the base64 PCM16 encoding of `f32` samples to `out`.
pub fn encode_f32_into(samples: &[f32], out: &mut String) {
    encode_blocks(samples.iter().map(|&s| f32_to_i16(s)), samples.len(), out);
}

/// Decodes base64 PCM16 little-endian into samples.
///
/// # Errors
/// [`PcmError`] when the text is not base64 or holds an odd number of bytes.
pub fn decode_i16(base64: &str) -> Result<Vec<i16>, PcmError> {
    let mut out = Vec::with_capacity(decoded_samples_hint(base64));
    decode_i16_into(base64, &mut out)?;
    Ok(out)
}

/// Appends the samples of a base64 PCM16 payload to `out`.
///
/// On error `out` may hold the samples of the blocks decoded before the bad one; callers that reuse a buffer clear it.
///
/// # Errors
/// As [`decode_i16`].
pub fn decode_i16_into(base64: &str, out: &mut Vec<i16>) -> Result<(), PcmError> {
    out.reserve(decoded_samples_hint(base64));
    decode_blocks(base64, |sample| out.push(sample))
}

/// Decodes base64 PCM16 little-endian into `f32` samples.
///
/// # Errors
/// As [`decode_i16`].
pub fn decode_f32(base64: &str) -> Result<Vec<f32>, PcmError> {
    let mut out = Vec::with_capacity(decoded_samples_hint(base64));
    decode_f32_into(base64, &mut out)?;
    Ok(out)
}

/// Appends the `f32` samples of a base64 PCM16 payload to `out`.
///
/// # Errors
/// As [`decode_i16`].
pub fn decode_f32_into(base64: &str, out: &mut Vec<f32>) -> Result<(), PcmError> {
    out.reserve(decoded_samples_hint(base64));
    decode_blocks(base64, |sample| out.push(i16_to_f32(sample)))
}

/// How many PCM16 samples a base64 payload holds, from its length alone (padding included).
pub fn decoded_samples_hint(base64: &str) -> usize {
    base64.len() / 4 * 3 / 2
}

fn encoded_len(samples: usize) -> usize {
    (samples * 2).div_ceil(3) * 4
}

fn encode_blocks(samples: impl Iterator<Item = i16>, count: usize, out: &mut String) {
    out.reserve(encoded_len(count));
    let mut block = [0u8; BLOCK_BYTES];
    let mut filled = 0;
    for sample in samples {
        block[filled..filled + 2].copy_from_slice(&sample.to_le_bytes());
        filled += 2;
        if filled == BLOCK_BYTES {
            STANDARD.encode_string(&block[..], out);
            filled = 0;
        }
    }
    if filled > 0 {
        STANDARD.encode_string(&block[..filled], out);
    }
}

fn decode_blocks(base64: &str, mut push: impl FnMut(i16)) -> Result<(), PcmError> {
    let text = base64.as_bytes();
    let engine =
        if text.iter().any(|&b| b == b'-' || b == b'_') { &LENIENT_URL_SAFE } else { &LENIENT_STANDARD };
    let mut block = [0u8; BLOCK_BYTES];
    let mut total = 0usize;
    for chunk in text.chunks(BLOCK_CHARS) {
        let n = engine.decode_slice(chunk, &mut block).map_err(|err| PcmError::Base64(err.to_string()))?;
        total += n;
        let whole = n - n % 2;
        for pair in block[..whole].chunks_exact(2) {
            push(i16::from_le_bytes([pair[0], pair[1]]));
        }
    }
    if total % 2 == 1 {
        return Err(PcmError::OddLength(total));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_vector_matches_the_wire() {
        // 0, 1, 2, -3 as s16le is 00 00 01 00 02 00 fd ff.
        assert_eq!(encode_i16(&[0, 1, 2, -3]), "AAABAAIA/f8=");
        assert_eq!(decode_i16("AAABAAIA/f8=").unwrap(), vec![0, 1, 2, -3]);
        assert_eq!(decode_i16("").unwrap(), Vec::<i16>::new());
    }

    #[test]
    fn url_safe_and_unpadded_payloads_decode() {
        assert_eq!(decode_i16("AAABAAIA_f8=").unwrap(), vec![0, 1, 2, -3]);
        assert_eq!(decode_i16("AAABAAIA_f8").unwrap(), vec![0, 1, 2, -3]);
        assert_eq!(decode_i16("AAABAAIA/f8").unwrap(), vec![0, 1, 2, -3]);
    }

    #[test]
    fn bad_payloads_are_errors() {
        assert!(matches!(decode_i16("AA=="), Err(PcmError::OddLength(1))));
        assert!(matches!(decode_i16("!!!!"), Err(PcmError::Base64(_))));
        assert!(matches!(decode_f32("A"), Err(PcmError::Base64(_))));
        assert!(matches!(decode_i16("AA+_"), Err(PcmError::Base64(_))));
    }

    #[test]
    fn f32_conversion_clamps_and_maps_nan_to_silence() {
        assert_eq!(f32_to_i16(1.5), i16::MAX);
        assert_eq!(f32_to_i16(-1.5), i16::MIN);
        assert_eq!(f32_to_i16(f32::NAN), 0);
        assert_eq!(i16_to_f32(i16::MIN), -1.0);
    }

    proptest! {
        #[test]
        fn i16_round_trips_across_block_boundaries(samples in proptest::collection::vec(any::<i16>(), 0..5000)) {
            let text = encode_i16(&samples);
            prop_assert_eq!(text.len(), encoded_len(samples.len()));
            prop_assert_eq!(decode_i16(&text).unwrap(), samples);
        }

        #[test]
        fn f32_round_trip_is_exact_for_pcm16_values(samples in proptest::collection::vec(any::<i16>(), 0..2000)) {
            let floats: Vec<f32> = samples.iter().map(|&s| i16_to_f32(s)).collect();
            let back = decode_i16(&encode_f32(&floats)).unwrap();
            prop_assert_eq!(back, samples);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,200}") {
            let _ = decode_f32(&text);
        }
    }
}
