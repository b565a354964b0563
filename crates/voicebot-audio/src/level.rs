//! A level meter: RMS and peak in dBFS over a block or a sliding window.

/// The level reported for silence, in dBFS: a finite floor instead of negative infinity.
pub const SILENCE_FLOOR_DBFS: f32 = -120.0;

/// RMS and peak of some samples, in dBFS.
///
/// 0 dBFS is a sample value of 1.0, so a full-scale square wave reads 0 dBFS RMS and a full-scale sine
/// reads about -3.01 dBFS RMS and 0 dBFS peak. Values never go below [`SILENCE_FLOOR_DBFS`] and are never NaN;
/// samples that are not finite count as silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Root mean square level in dBFS.
    pub rms_dbfs: f32,
    /// Largest absolute sample value in dBFS.
    pub peak_dbfs: f32,
}

impl Level {
    /// The level of silence: both values at [`SILENCE_FLOOR_DBFS`].
    pub const SILENCE: Self = Self { rms_dbfs: SILENCE_FLOOR_DBFS, peak_dbfs: SILENCE_FLOOR_DBFS };

    /// The level of one block of samples; an empty block is silence.
    pub fn of(samples: &[f32]) -> Self {
        let (sum_squares, peak) = accumulate(samples.iter().copied());
        from_sums(sum_squares, peak, samples.len())
    }
}

/// The RMS level of `samples` in dBFS; see [`Level`] for the scale and the floor.
pub fn rms_dbfs(samples: &[f32]) -> f32 {
    Level::of(samples).rms_dbfs
}

/// The peak level of `samples` in dBFS; see [`Level`] for the scale and the floor.
pub fn peak_dbfs(samples: &[f32]) -> f32 {
    Level::of(samples).peak_dbfs
}

/// Converts a linear amplitude to dBFS, never below [`SILENCE_FLOOR_DBFS`] and never NaN.
pub fn amplitude_to_dbfs(amplitude: f32) -> f32 {
    let db = 20.0 * amplitude.log10();
    if db.is_nan() { SILENCE_FLOOR_DBFS } else { db.max(SILENCE_FLOOR_DBFS) }
}

/// A meter over the most recent `window` samples, for a status line or diagnostics.
///
/// The window is allocated once in [`LevelMeter::new`]; [`push`](LevelMeter::push) and
/// [`level`](LevelMeter::level) allocate nothing. Until `window` samples have been pushed the level covers those
/// pushed so far.
#[derive(Debug, Clone)]
pub struct LevelMeter {
    window: Vec<f32>,
    next: usize,
    len: usize,
}

impl LevelMeter {
    /// A meter over the last `window` samples (at least one).
    pub fn new(window: usize) -> Self {
        Self { window: vec![0.0; window.max(1)], next: 0, len: 0 }
    }

    /// The window length in samples.
    pub fn window(&self) -> usize {
        self.window.len()
    }

    /// Adds samples; older ones fall out of the window.
    pub fn push(&mut self, samples: &[f32]) {
        let capacity = self.window.len();
        let samples = &samples[samples.len().saturating_sub(capacity)..];
        for &sample in samples {
            self.window[self.next] = sample;
            self.next = (self.next + 1) % capacity;
        }
        self.len = (self.len + samples.len()).min(capacity);
    }

    /// The level of the samples now in the window; silence if none were pushed since the last reset.
    pub fn level(&self) -> Level {
        let capacity = self.window.len();
        let start = (self.next + capacity - self.len) % capacity;
        let samples = (0..self.len).map(|i| self.window[(start + i) % capacity]);
        let (sum_squares, peak) = accumulate(samples);
        from_sums(sum_squares, peak, self.len)
    }

    /// Empties the window.
    pub fn reset(&mut self) {
        self.next = 0;
        self.len = 0;
    }
}

fn accumulate(samples: impl Iterator<Item = f32>) -> (f64, f32) {
    samples.filter(|sample| sample.is_finite()).fold((0.0_f64, 0.0_f32), |(sum, peak), sample| {
        (sum + f64::from(sample) * f64::from(sample), peak.max(sample.abs()))
    })
}

fn from_sums(sum_squares: f64, peak: f32, count: usize) -> Level {
    if count == 0 {
        return Level::SILENCE;
    }
    let rms = (sum_squares / count as f64).sqrt() as f32;
    Level { rms_dbfs: amplitude_to_dbfs(rms), peak_dbfs: amplitude_to_dbfs(peak) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f32, expected: f32) -> bool {
        (actual - expected).abs() < 0.01
    }

    fn sine(amplitude: f32, frames: usize) -> Vec<f32> {
        (0..frames)
            .map(|n| amplitude * (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / 48_000.0).sin())
            .collect()
    }

    #[test]
    fn full_scale_sine_is_minus_3_db_rms_and_0_db_peak() {
        let level = Level::of(&sine(1.0, 48_000));
        assert!(close(level.rms_dbfs, -3.0103), "{level:?}");
        assert!(close(level.peak_dbfs, 0.0), "{level:?}");
    }

    #[test]
    fn half_scale_square_is_minus_6_db() {
        let square: Vec<f32> = (0..480).map(|n| if n % 48 < 24 { 0.5 } else { -0.5 }).collect();
        let level = Level::of(&square);
        assert!(close(level.rms_dbfs, -6.0206), "{level:?}");
        assert!(close(level.peak_dbfs, -6.0206), "{level:?}");
    }

    #[test]
    fn silence_and_empty_blocks_read_the_floor() {
        assert_eq!(Level::of(&[0.0; 480]), Level::SILENCE);
        assert_eq!(Level::of(&[]), Level::SILENCE);
        assert_eq!(LevelMeter::new(100).level(), Level::SILENCE);
        assert_eq!(amplitude_to_dbfs(0.0), SILENCE_FLOOR_DBFS);
        assert_eq!(amplitude_to_dbfs(1e-9), SILENCE_FLOOR_DBFS);
    }

    #[test]
    fn non_finite_samples_never_give_nan_or_infinity() {
        let level = Level::of(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY]);
        assert_eq!(level, Level::SILENCE);
        let level = Level::of(&[f32::NAN, 0.5]);
        assert!(level.rms_dbfs.is_finite() && level.peak_dbfs.is_finite());
        assert!(close(level.peak_dbfs, -6.0206));
        assert_eq!(amplitude_to_dbfs(f32::NAN), SILENCE_FLOOR_DBFS);
    }

    #[test]
    fn the_window_slides_past_old_samples() {
        let mut meter = LevelMeter::new(480);
        meter.push(&sine(1.0, 4800));
        assert!(close(meter.level().peak_dbfs, 0.0));
        meter.push(&sine(0.1, 96));
        assert!(close(meter.level().peak_dbfs, 0.0), "loud samples are still in the window");
        meter.push(&sine(0.1, 384));
        let level = meter.level();
        assert!(close(level.peak_dbfs, -20.0), "{level:?}");
        assert!(close(level.rms_dbfs, -23.0103), "{level:?}");
        for _ in 0..10 {
            meter.push(&[0.0; 48]);
        }
        assert_eq!(meter.level(), Level::SILENCE);
    }

    #[test]
    fn a_partly_filled_window_covers_what_was_pushed() {
        let mut meter = LevelMeter::new(48_000);
        meter.push(&sine(0.5, 4800));
        assert!(close(meter.level().rms_dbfs, Level::of(&sine(0.5, 4800)).rms_dbfs));
        meter.push(&[]);
        meter.reset();
        assert_eq!(meter.level(), Level::SILENCE);
        assert_eq!(LevelMeter::new(0).window(), 1);
    }
}
