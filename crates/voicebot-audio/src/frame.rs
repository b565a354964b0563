//! Microphone frames and PCM16 conversion.

use std::time::Duration;

use crate::level::Level;

/// One chunk of microphone audio: mono PCM16 at the rate the caller asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFrame {
    /// Mono PCM16 samples; always `rate_hz * chunk` of them.
    pub samples: Vec<i16>,
    /// Sample rate of `samples`.
    pub rate_hz: u32,
    /// Position of the first sample since the stream started, on the stream's own sample clock
    /// (monotonic, no gaps: frame `n` starts at `n * chunk`).
    pub timestamp: Duration,
    /// Sequence number since the stream started; a gap means frames were dropped because the reader fell behind.
    pub sequence: u64,
}

impl AudioFrame {
    /// How long the frame lasts.
    pub fn duration(&self) -> Duration {
        samples_to_duration(self.samples.len() as u64, self.rate_hz)
    }

    /// The frame's level (RMS and peak in dBFS).
    pub fn level(&self) -> Level {
        let mut block = [0.0_f32; 256];
        let mut sum = 0.0_f64;
        let mut peak = 0.0_f32;
        for chunk in self.samples.chunks(block.len()) {
            let block = &mut block[..chunk.len()];
            pcm16_to_f32(chunk, block);
            for &sample in block.iter() {
                sum += f64::from(sample) * f64::from(sample);
                peak = peak.max(sample.abs());
            }
        }
        if self.samples.is_empty() {
            return Level::SILENCE;
        }
        let rms = (sum / self.samples.len() as f64).sqrt() as f32;
        Level {
            rms_dbfs: crate::level::amplitude_to_dbfs(rms),
            peak_dbfs: crate::level::amplitude_to_dbfs(peak),
        }
    }
}

/// How a file-backed source or sink keeps time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pacing {
    /// Like a device: one chunk per chunk of (tokio) time. Tests make this instant with `start_paused`.
    #[default]
    RealTime,
    /// As fast as the other side takes (or provides) audio.
    Fast,
}

/// Converts `f32` samples to PCM16 (clamped, rounded); `out` must be as long as `input`.
pub fn f32_to_pcm16(input: &[f32], out: &mut [i16]) {
    for (dst, &src) in out.iter_mut().zip(input) {
        *dst = (src.clamp(-1.0, 1.0) * 32_767.0).round() as i16;
    }
}

/// Converts PCM16 samples to `f32` in `[-1.0, 1.0)`; `out` must be as long as `input`.
pub fn pcm16_to_f32(input: &[i16], out: &mut [f32]) {
    for (dst, &src) in out.iter_mut().zip(input) {
        *dst = f32::from(src) / 32_768.0;
    }
}

/// The duration of `samples` samples at `rate_hz` (zero for a zero rate).
pub fn samples_to_duration(samples: u64, rate_hz: u32) -> Duration {
    if rate_hz == 0 {
        return Duration::ZERO;
    }
    let nanos = u128::from(samples) * 1_000_000_000 / u128::from(rate_hz);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// The number of samples in `duration` at `rate_hz`, rounded down.
pub fn duration_to_samples(duration: Duration, rate_hz: u32) -> usize {
    let samples = duration.as_nanos() * u128::from(rate_hz) / 1_000_000_000;
    usize::try_from(samples).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm16_conversion_round_trips_and_clamps() {
        let mut pcm = [0_i16; 4];
        f32_to_pcm16(&[0.5, -1.5, 1.0, 0.0], &mut pcm);
        assert_eq!(pcm, [16_384, -32_767, 32_767, 0]);
        let mut back = [0.0_f32; 4];
        pcm16_to_f32(&pcm, &mut back);
        assert!((back[0] - 0.5).abs() < 1e-4);
        assert!((back[2] - 1.0).abs() < 1e-4);
    }

    #[test]
    fn durations_and_sample_counts_convert_exactly() {
        assert_eq!(samples_to_duration(24_000, 24_000), Duration::from_secs(1));
        assert_eq!(samples_to_duration(480, 24_000), Duration::from_millis(20));
        assert_eq!(samples_to_duration(1, 0), Duration::ZERO);
        assert_eq!(duration_to_samples(Duration::from_millis(20), 16_000), 320);
    }

    #[test]
    fn a_frame_knows_its_duration_and_level() {
        let frame = AudioFrame {
            samples: vec![16_384; 320],
            rate_hz: 16_000,
            timestamp: Duration::ZERO,
            sequence: 0,
        };
        assert_eq!(frame.duration(), Duration::from_millis(20));
        let level = frame.level();
        assert!((level.rms_dbfs - -6.02).abs() < 0.01, "{level:?}");
        let silent = AudioFrame { samples: vec![], rate_hz: 16_000, timestamp: Duration::ZERO, sequence: 0 };
        assert_eq!(silent.level(), Level::SILENCE);
    }
}
