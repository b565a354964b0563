//! Signals, WAV files in a private temporary directory, and measurements.

use std::path::PathBuf;

/// A fresh directory for one test, removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("voicebot-audio-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn sine(freq_hz: f32, rate_hz: u32, frames: usize, amplitude: f32) -> Vec<f32> {
    (0..frames)
        .map(|n| amplitude * (2.0 * std::f32::consts::PI * freq_hz * n as f32 / rate_hz as f32).sin())
        .collect()
}

#[cfg_attr(not(feature = "device"), allow(dead_code, reason = "used by the device tests"))]
/// A linear chirp from `from_hz` to `to_hz`: unlike a tone, it correlates with itself at one lag only.
pub(crate) fn chirp(from_hz: f32, to_hz: f32, rate_hz: u32, frames: usize, amplitude: f32) -> Vec<f32> {
    let seconds = frames as f32 / rate_hz as f32;
    let slope = (to_hz - from_hz) / seconds;
    (0..frames)
        .map(|n| {
            let t = n as f32 / rate_hz as f32;
            amplitude * (2.0 * std::f32::consts::PI * (from_hz * t + 0.5 * slope * t * t)).sin()
        })
        .collect()
}

pub(crate) fn to_pcm16(samples: &[f32]) -> Vec<i16> {
    let mut pcm = vec![0; samples.len()];
    voicebot_audio::f32_to_pcm16(samples, &mut pcm);
    pcm
}

/// Writes interleaved `f32` samples as a WAV of the given integer width (or float with `bits == 0`).
pub(crate) fn write_wav(path: &std::path::Path, rate_hz: u32, channels: u16, bits: u16, interleaved: &[f32]) {
    let (sample_format, bits_per_sample) =
        if bits == 0 { (hound::SampleFormat::Float, 32) } else { (hound::SampleFormat::Int, bits) };
    let spec = hound::WavSpec { channels, sample_rate: rate_hz, bits_per_sample, sample_format };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for &sample in interleaved {
        if bits == 0 {
            writer.write_sample(sample).unwrap();
        } else {
            let max = ((1_i64 << (bits - 1)) - 1) as f32;
            writer.write_sample((sample * max).round() as i32).unwrap();
        }
    }
    writer.finalize().unwrap();
}

#[cfg_attr(not(feature = "device"), allow(dead_code, reason = "used by the device tests"))]
/// The lag (in samples, below `max_lag`) at which `needle` best matches `haystack`, and the normalised
/// cross-correlation there. Searches every other lag, then the neighbours of the best one.
pub(crate) fn best_match(haystack: &[f32], needle: &[f32], max_lag: usize) -> (usize, f32) {
    let needle_energy: f64 = needle.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    let ncc = |lag: usize| {
        let Some(window) = haystack.get(lag..lag + needle.len()) else { return 0.0 };
        let (mut dot, mut energy) = (0.0_f64, 0.0_f64);
        for (&a, &b) in window.iter().zip(needle) {
            dot += f64::from(a) * f64::from(b);
            energy += f64::from(a) * f64::from(a);
        }
        if energy > 0.0 { dot / (energy.sqrt() * needle_energy.sqrt()) } else { 0.0 }
    };
    let coarse = (0..max_lag)
        .step_by(2)
        .map(|lag| (lag, ncc(lag)))
        .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let fine = (coarse.0.saturating_sub(2)..coarse.0 + 3)
        .map(|lag| (lag, ncc(lag)))
        .fold(coarse, |a, b| if b.1 > a.1 { b } else { a });
    (fine.0, fine.1 as f32)
}

/// Index of the first sample whose magnitude exceeds `threshold`.
pub(crate) fn first_above(samples: &[f32], threshold: f32) -> Option<usize> {
    samples.iter().position(|sample| sample.abs() > threshold)
}
