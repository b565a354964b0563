//! Fuzz target body for `voicebot-audio`: the WAV reader, then the resampling `WavSource::open` does next.
//!
//! Shared by `fuzz/fuzz_targets/wav.rs` and the replay test in `crates/voicebot-audio/tests/it/fuzz_replay.rs`
//! (both include this file with `#[path]`). A read error is never a failure; a panic, an abort or running out
//! of memory is.

use std::io::Cursor;

use voicebot_audio::{Resampler, read_wav_from};

/// A target body: one fuzz input in, a panic on failure.
pub(crate) type Body = fn(&[u8]);

/// The targets of this file by name, as `fuzz/Cargo.toml` and `fixtures/fuzz/` name them.
pub(crate) const TARGETS: &[(&str, Body)] = &[("wav", wav)];

/// The microphone rates a WAV file is resampled to (Gemini's input rate and OpenAI's).
const MIC_RATES_HZ: [u32; 2] = [16_000, 24_000];

/// `read_wav_from` on the bytes of a file; when it reads, the samples are resampled as `WavSource::open` does.
pub(crate) fn wav(data: &[u8]) {
    let Ok(audio) = read_wav_from(Cursor::new(data)) else { return };
    assert!(audio.channels > 0 && audio.rate_hz > 0, "a WAV with no channels or no rate was accepted");
    let rate = MIC_RATES_HZ[usize::from(data.len() % 2 == 1)];
    let Ok(mut resampler) = Resampler::new(audio.rate_hz, rate) else { return };
    let mut out = Vec::new();
    if resampler.process(&audio.samples, &mut out).is_ok() {
        let _ = resampler.flush(&mut out);
    }
}
