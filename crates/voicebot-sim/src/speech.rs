//! Speech for the model's voice: espeak-ng when it is installed, otherwise a clearly synthetic voiced signal.
//!
//! The synthetic voice is a 120 Hz buzz (five harmonics) shaped into one syllable per character, about
//! 70 ms per character, spaces silent, with a peak amplitude of -12 dBFS. It is not meant to sound like
//! speech, only to have speech-like timing and level so that VADs, meters and players behave.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::scenario::AudioConfig;

/// The output rate of both realtime APIs.
pub(crate) const OUTPUT_RATE_HZ: u32 = 24_000;
/// Synthetic speech length per character, in milliseconds.
const MS_PER_CHAR: u32 = 70;
/// Peak amplitude of the synthetic voice: -12 dBFS.
const PEAK: f64 = 0.251;

/// Model speech cut for sending: 24 kHz chunks, the words spoken in each, and the gap between chunks.
#[derive(Debug)]
pub(crate) struct Spoken {
    /// PCM16 chunks of `AudioConfig::chunk_ms` each (the last may be shorter).
    pub(crate) chunks: Vec<Vec<i16>>,
    /// One transcript piece per chunk, possibly empty (see [`word_pieces`]).
    pub(crate) pieces: Vec<String>,
    /// The pause between chunks for the configured pace.
    pub(crate) gap: Duration,
}

/// Speech for `text`, cut and paced as `audio` says.
pub(crate) fn spoken(text: &str, audio: &AudioConfig) -> Spoken {
    let samples = speak(text);
    let chunk = (OUTPUT_RATE_HZ * audio.chunk_ms.max(10) / 1000) as usize;
    let chunks: Vec<Vec<i16>> = samples.chunks(chunk).map(<[i16]>::to_vec).collect();
    let pieces = word_pieces(text, chunks.len());
    Spoken { chunks, pieces, gap: pace_gap(audio.chunk_ms, audio.pace) }
}

/// The gap between audio chunks of `chunk_ms` sent at `pace` times real time (0: no gap).
pub(crate) fn pace_gap(chunk_ms: u32, pace: f64) -> Duration {
    if pace <= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(f64::from(chunk_ms) / 1000.0 / pace) }
}

/// 24 kHz PCM16 speech for `text`.
pub(crate) fn speak(text: &str) -> Vec<i16> {
    espeak(text).unwrap_or_else(|| synthetic(text))
}

/// A clearly synthetic voiced signal with speech-like timing.
pub(crate) fn synthetic(text: &str) -> Vec<i16> {
    let per_char = (OUTPUT_RATE_HZ * MS_PER_CHAR / 1000) as usize;
    let mut out = Vec::with_capacity(per_char * text.chars().count().max(1));
    let mut n: usize = 0;
    for ch in text.chars() {
        for i in 0..per_char {
            let sample = if ch.is_whitespace() {
                0.0
            } else {
                let t = n as f64 / f64::from(OUTPUT_RATE_HZ);
                let envelope = (std::f64::consts::PI * i as f64 / per_char as f64).sin();
                let buzz: f64 = (1..=5)
                    .map(|h| (2.0 * std::f64::consts::PI * 120.0 * f64::from(h) * t).sin() / f64::from(h))
                    .sum::<f64>()
                    / 1.7;
                PEAK * envelope * buzz
            };
            out.push((sample.clamp(-1.0, 1.0) * 32767.0) as i16);
            n += 1;
        }
    }
    out
}

/// Real speech from `espeak-ng --stdout`, resampled to 24 kHz, or `None` when espeak-ng is not on PATH
/// or fails.
fn espeak(text: &str) -> Option<Vec<i16>> {
    let binary = espeak_binary()?;
    let output = Command::new(binary).arg("--stdout").arg("-s").arg("170").arg(text).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let reader = hound::WavReader::new(std::io::Cursor::new(output.stdout)).ok()?;
    let spec = reader.spec();
    if spec.bits_per_sample != 16 || spec.channels != 1 {
        return None;
    }
    let samples: Vec<i16> = reader.into_samples::<i16>().filter_map(Result::ok).collect();
    Some(resample(&samples, spec.sample_rate, OUTPUT_RATE_HZ))
}

fn espeak_binary() -> Option<&'static PathBuf> {
    static BINARY: OnceLock<Option<PathBuf>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .map(|dir| dir.join("espeak-ng"))
                .find(|candidate| candidate.is_file())
        })
        .as_ref()
}

/// Linear-interpolation resampling, good enough for a simulator's voice.
pub(crate) fn resample(samples: &[i16], from_hz: u32, to_hz: u32) -> Vec<i16> {
    if from_hz == to_hz || samples.is_empty() || from_hz == 0 {
        return samples.to_vec();
    }
    let out_len = (samples.len() as u64 * u64::from(to_hz) / u64::from(from_hz)) as usize;
    let step = f64::from(from_hz) / f64::from(to_hz);
    (0..out_len)
        .map(|i| {
            let pos = i as f64 * step;
            let index = pos.floor() as usize;
            let frac = pos - index as f64;
            let a = f64::from(samples[index.min(samples.len() - 1)]);
            let b = f64::from(samples[(index + 1).min(samples.len() - 1)]);
            (a + (b - a) * frac).round() as i16
        })
        .collect()
}

/// Splits `text` into whole-word pieces for `pieces` chunks: piece `i` holds the words that start in it,
/// each word after the first with its leading space, so the pieces concatenate back to the words joined
/// by single spaces.
pub(crate) fn word_pieces(text: &str, pieces: usize) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let pieces = pieces.max(1);
    let mut out = vec![String::new(); pieces];
    for (i, word) in words.iter().enumerate() {
        let slot = i * pieces / words.len().max(1);
        if i > 0 {
            out[slot].push(' ');
        }
        out[slot].push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vad::level_dbfs;

    #[test]
    fn synthetic_speech_is_about_70_ms_per_character_and_loud_enough() {
        let samples = synthetic("Hello there");
        assert_eq!(samples.len(), 11 * 24 * 70);
        let peak = samples.iter().map(|s| i32::from(*s).abs()).max().unwrap();
        let peak_dbfs = level_dbfs(f64::from(peak) / 32768.0);
        assert!((-16.0..=-10.0).contains(&peak_dbfs), "{peak_dbfs}");
    }

    #[test]
    fn pacing_divides_chunk_time_by_the_pace() {
        assert_eq!(pace_gap(80, 4.0), Duration::from_millis(20));
        assert_eq!(pace_gap(80, 0.0), Duration::ZERO);
        let spoken = spoken("Hi there", &AudioConfig::default());
        assert_eq!(spoken.chunks.len(), spoken.pieces.len());
        assert_eq!(spoken.pieces.concat(), "Hi there");
    }

    #[test]
    fn resampling_scales_the_length() {
        let samples: Vec<i16> = (0..2205).map(|n| n as i16).collect();
        assert_eq!(resample(&samples, 22_050, 24_000).len(), 2400);
        assert_eq!(resample(&samples, 24_000, 24_000), samples);
    }

    #[test]
    fn word_pieces_keep_whole_words_and_join_back() {
        let pieces = word_pieces("It is noon in Paris.", 3);
        assert_eq!(pieces.concat(), "It is noon in Paris.");
        assert_eq!(pieces.len(), 3);
        assert!(pieces.iter().all(|p| !p.ends_with(' ')));
        assert_eq!(word_pieces("one", 4).concat(), "one");
    }
}
