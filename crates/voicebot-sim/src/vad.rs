//! An energy voice-activity detector: RMS in dBFS over 20 ms windows, a threshold, and a hangover.

use crate::scenario::VadConfig;

/// The analysis window, in milliseconds.
pub(crate) const WINDOW_MS: u32 = 20;

/// A change of speech state, with its position in the input stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VadEvent {
    /// Speech started at this input position, in ms since the first sample.
    Start { at_ms: u64 },
    /// Speech ended: the last speech window ended at `at_ms` (the hangover has passed since).
    End { at_ms: u64 },
}

/// The detector state for one input stream.
#[derive(Debug, Clone)]
pub(crate) struct Vad {
    threshold_dbfs: f64,
    window: usize,
    min_speech_windows: u32,
    hangover_windows: u32,
    acc_sum: f64,
    acc_len: usize,
    windows_seen: u64,
    speaking: bool,
    run_speech: u32,
    run_silence: u32,
    last_speech_end_ms: u64,
}

impl Vad {
    /// A detector for audio at `sample_rate_hz`.
    pub(crate) fn new(config: &VadConfig, sample_rate_hz: u32, hangover_ms: Option<u32>) -> Self {
        let hangover = hangover_ms.unwrap_or(config.hangover_ms);
        Vad {
            threshold_dbfs: config.threshold_dbfs,
            window: (sample_rate_hz * WINDOW_MS / 1000) as usize,
            min_speech_windows: config.min_speech_ms.div_ceil(WINDOW_MS).max(1),
            hangover_windows: hangover.div_ceil(WINDOW_MS).max(1),
            acc_sum: 0.0,
            acc_len: 0,
            windows_seen: 0,
            speaking: false,
            run_speech: 0,
            run_silence: 0,
            last_speech_end_ms: 0,
        }
    }

    /// Whether an utterance is in progress.
    #[cfg(test)]
    pub(crate) fn is_speaking(&self) -> bool {
        self.speaking
    }

    /// Feeds samples; returns the events they caused, in order.
    pub(crate) fn push(&mut self, samples: &[i16]) -> Vec<VadEvent> {
        let mut events = Vec::new();
        for &sample in samples {
            let x = f64::from(sample) / 32768.0;
            self.acc_sum += x * x;
            self.acc_len += 1;
            if self.acc_len == self.window {
                let rms = (self.acc_sum / self.window as f64).sqrt();
                self.acc_sum = 0.0;
                self.acc_len = 0;
                self.window_done(level_dbfs(rms), &mut events);
            }
        }
        events
    }

    fn window_done(&mut self, dbfs: f64, events: &mut Vec<VadEvent>) {
        self.windows_seen += 1;
        let end_ms = self.windows_seen * u64::from(WINDOW_MS);
        let speech = dbfs >= self.threshold_dbfs;
        if speech {
            self.run_speech += 1;
            self.run_silence = 0;
            self.last_speech_end_ms = end_ms;
            if !self.speaking && self.run_speech >= self.min_speech_windows {
                self.speaking = true;
                let start = end_ms.saturating_sub(u64::from(self.run_speech * WINDOW_MS));
                events.push(VadEvent::Start { at_ms: start });
            }
        } else {
            self.run_speech = 0;
            self.run_silence += 1;
            if self.speaking && self.run_silence >= self.hangover_windows {
                self.speaking = false;
                events.push(VadEvent::End { at_ms: self.last_speech_end_ms });
            }
        }
    }
}

/// The level of an RMS value in dBFS; silence is -120.
pub(crate) fn level_dbfs(rms: f64) -> f64 {
    if rms <= 1e-6 { -120.0 } else { 20.0 * rms.log10() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(ms: u32, rate: u32, dbfs: f64) -> Vec<i16> {
        let amplitude = 10f64.powf(dbfs / 20.0) * std::f64::consts::SQRT_2 * 32767.0;
        (0..rate * ms / 1000)
            .map(|n| {
                (amplitude * (2.0 * std::f64::consts::PI * 300.0 * f64::from(n) / f64::from(rate)).sin())
                    as i16
            })
            .collect()
    }

    #[test]
    fn a_tone_burst_between_silences_is_one_utterance() {
        let mut vad = Vad::new(&VadConfig::default(), 16_000, None);
        let mut audio = vec![0i16; 16 * 300];
        audio.extend(tone(600, 16_000, -20.0));
        audio.extend(vec![0i16; 16 * 700]);
        let events = vad.push(&audio);
        assert_eq!(events, vec![VadEvent::Start { at_ms: 300 }, VadEvent::End { at_ms: 900 }]);
        assert!(!vad.is_speaking());
    }

    #[test]
    fn quiet_noise_and_short_clicks_are_not_speech() {
        let mut vad = Vad::new(&VadConfig::default(), 24_000, Some(200));
        let mut audio = tone(500, 24_000, -60.0);
        audio.extend(tone(20, 24_000, -10.0));
        audio.extend(vec![0i16; 24 * 500]);
        assert!(vad.push(&audio).is_empty());
    }

    #[test]
    fn the_demo_microphone_holds_exactly_three_utterances_in_20_ms_chunks() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/audio/demo-mic.wav");
        let reader = hound::WavReader::open(&path).unwrap();
        let spec = reader.spec();
        assert_eq!((spec.sample_rate, spec.channels, spec.bits_per_sample), (16_000, 1, 16));
        let samples: Vec<i16> = reader.into_samples::<i16>().map(Result::unwrap).collect();
        let seconds = samples.len() as f64 / 16_000.0;
        assert!((8.0..=12.5).contains(&seconds), "{seconds} s");
        let mut vad = Vad::new(&VadConfig::default(), 16_000, None);
        let events: Vec<VadEvent> = samples.chunks(320).flat_map(|chunk| vad.push(chunk)).collect();
        let starts = events.iter().filter(|e| matches!(e, VadEvent::Start { .. })).count();
        let ends = events.iter().filter(|e| matches!(e, VadEvent::End { .. })).count();
        assert_eq!((starts, ends), (3, 3), "{events:?}");
        // Utterances are separated by well over the 500 ms hangover: at least 1.5 s of silence.
        let bounds: Vec<u64> = events
            .iter()
            .map(|e| match e {
                VadEvent::Start { at_ms } | VadEvent::End { at_ms } => *at_ms,
            })
            .collect();
        assert!(bounds.windows(2).skip(1).step_by(2).all(|gap| gap[1] - gap[0] >= 1_500), "{bounds:?}");
    }

    #[test]
    fn levels_are_in_dbfs() {
        assert!((level_dbfs(1.0)).abs() < 1e-9);
        assert!((level_dbfs(0.1) + 20.0).abs() < 1e-9);
        assert_eq!(level_dbfs(0.0), -120.0);
    }
}
