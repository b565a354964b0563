//! A streaming mono resampler over rubato that keeps its state across chunks of any size.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

use crate::error::{Error, Result};

/// Streaming mono `f32` resampler between two fixed rates, for example 48 kHz device audio to 16 kHz for Gemini.
///
/// rubato works in fixed chunks; this type buffers input internally, so callers may feed slices of any length
/// (including 0 and odd sizes) and the output is the same as if everything had been passed in one call.
/// All buffers are allocated in [`Resampler::new`]; [`process`](Resampler::process) and
/// [`flush`](Resampler::flush) allocate nothing themselves, only the caller's output `Vec` may grow.
///
/// The output stream is delayed by [`output_delay`](Resampler::output_delay) frames (the filter's group delay),
/// and up to one internal chunk of input (about 10 ms) waits for the next call before it is converted.
/// When the two rates are equal the samples are copied through unchanged with no delay.
#[derive(Debug)]
pub struct Resampler {
    from_hz: u32,
    to_hz: u32,
    inner: Option<Fft<f32>>,
    /// Input waiting to fill one rubato chunk; its length is the chunk size.
    pending: Vec<f32>,
    filled: usize,
    /// One chunk of rubato output.
    chunk_out: Vec<f32>,
    /// Input frames accepted since construction or the last reset.
    frames_in: u64,
    /// Output frames produced since construction or the last reset.
    frames_out: u64,
}

impl Resampler {
    /// The largest magnitude [`process`](Resampler::process) converts; larger samples are limited to it. Audio
    /// lives in `[-1, 1]`; this leaves room for any gain while keeping every FFT sum finite.
    pub const MAX_SAMPLE: f32 = 32_768.0;

    /// Builds a resampler from `from_hz` to `to_hz`, converting about 10 ms of input per internal chunk.
    ///
    /// Fails if either rate is zero.
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Self> {
        let build_error = |source| Error::ResamplerBuild { from_hz, to_hz, source };
        if from_hz == 0 || to_hz == 0 {
            return Err(build_error(rubato::ResamplerConstructionError::InvalidSampleRate {
                input: from_hz as usize,
                output: to_hz as usize,
            }));
        }
        if from_hz == to_hz {
            return Ok(Self {
                from_hz,
                to_hz,
                inner: None,
                pending: Vec::new(),
                filled: 0,
                chunk_out: Vec::new(),
                frames_in: 0,
                frames_out: 0,
            });
        }
        let chunk = (from_hz as usize / 100).max(1);
        let inner = Fft::<f32>::new(from_hz as usize, to_hz as usize, chunk, 1, FixedSync::Both)
            .map_err(build_error)?;
        let pending = vec![0.0; inner.input_frames_max()];
        let chunk_out = vec![0.0; inner.output_frames_max()];
        Ok(Self {
            from_hz,
            to_hz,
            inner: Some(inner),
            pending,
            filled: 0,
            chunk_out,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// The input rate in Hz.
    pub fn from_hz(&self) -> u32 {
        self.from_hz
    }

    /// The output rate in Hz.
    pub fn to_hz(&self) -> u32 {
        self.to_hz
    }

    /// The number of input frames converted at a time; less than this waits inside for the next call.
    pub fn chunk_frames(&self) -> usize {
        self.inner.as_ref().map_or(1, |inner| inner.input_frames_next())
    }

    /// The delay the filter adds to the stream, in output frames.
    ///
    /// The first `output_delay()` output frames after construction, [`reset`](Resampler::reset) or
    /// [`flush`](Resampler::flush) are the filter settling, not input; add it to any reported latency.
    pub fn output_delay(&self) -> usize {
        self.inner.as_ref().map_or(0, |inner| inner.output_delay())
    }

    /// Resamples `input` and appends every output frame that is ready to `out`.
    ///
    /// Input that does not fill a whole internal chunk is kept for the next call. When the rates differ, a NaN or
    /// infinite sample is read as silence and a finite one is limited to `±`[`MAX_SAMPLE`](Self::MAX_SAMPLE), since
    /// rubato's FFT panics on a NaN (which an overflow also produces); equal rates copy the input unchanged.
    pub fn process(&mut self, mut input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        self.frames_in += input.len() as u64;
        if self.inner.is_none() {
            out.extend_from_slice(input);
            self.frames_out += input.len() as u64;
            return Ok(());
        }
        while !input.is_empty() {
            let take = (self.pending.len() - self.filled).min(input.len());
            let (head, rest) = input.split_at(take);
            for (slot, &sample) in self.pending[self.filled..self.filled + take].iter_mut().zip(head) {
                *slot =
                    if sample.is_finite() { sample.clamp(-Self::MAX_SAMPLE, Self::MAX_SAMPLE) } else { 0.0 };
            }
            self.filled += take;
            input = rest;
            if self.filled == self.pending.len() {
                let produced = self.run_chunk()?;
                out.extend_from_slice(&self.chunk_out[..produced]);
                self.frames_out += produced as u64;
            }
        }
        Ok(())
    }

    /// Ends the stream: converts the buffered input padded with silence and appends the tail, including the
    /// filter's delayed output, to `out`; then resets, so the next [`process`](Resampler::process) starts a
    /// new stream.
    ///
    /// After a flush the stream has produced exactly `output_delay() + ceil(frames_in * to_hz / from_hz)`
    /// frames in total.
    pub fn flush(&mut self, out: &mut Vec<f32>) -> Result<()> {
        if self.inner.is_some() {
            let wanted = self.output_delay() as u64
                + (self.frames_in * u64::from(self.to_hz)).div_ceil(u64::from(self.from_hz));
            while self.frames_out < wanted {
                self.pending[self.filled..].fill(0.0);
                self.filled = self.pending.len();
                let produced = self.run_chunk()?;
                let keep = produced.min(usize::try_from(wanted - self.frames_out).unwrap_or(produced));
                out.extend_from_slice(&self.chunk_out[..keep]);
                self.frames_out += keep as u64;
            }
        }
        self.reset();
        Ok(())
    }

    /// Forgets all state (buffered input and the filter's history) without producing output, as on barge-in.
    pub fn reset(&mut self) {
        if let Some(inner) = self.inner.as_mut() {
            inner.reset();
        }
        self.filled = 0;
        self.frames_in = 0;
        self.frames_out = 0;
    }

    /// Converts the full `pending` chunk into `chunk_out` and returns how many output frames it holds.
    fn run_chunk(&mut self) -> Result<usize> {
        self.filled = 0;
        let Some(inner) = self.inner.as_mut() else {
            return Ok(0);
        };
        let frames_in = self.pending.len();
        let frames_out = self.chunk_out.len();
        let input = InterleavedSlice::new(&self.pending[..], 1, frames_in)?;
        let mut output = InterleavedSlice::new_mut(&mut self.chunk_out[..], 1, frames_out)?;
        let (_, produced) = inner.process_into_buffer(&input, &mut output, None)?;
        Ok(produced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::rms_dbfs;
    use proptest::prelude::*;

    fn sine(freq_hz: f32, rate_hz: u32, frames: usize, amplitude: f32) -> Vec<f32> {
        (0..frames)
            .map(|n| amplitude * (2.0 * std::f32::consts::PI * freq_hz * n as f32 / rate_hz as f32).sin())
            .collect()
    }

    fn resample_all(from_hz: u32, to_hz: u32, input: &[f32]) -> Vec<f32> {
        let mut resampler = Resampler::new(from_hz, to_hz).unwrap();
        let mut out = Vec::new();
        resampler.process(input, &mut out).unwrap();
        resampler.flush(&mut out).unwrap();
        out
    }

    /// The middle of a signal, leaving out `edge` frames at both ends (filter delay and ramp).
    fn middle(samples: &[f32], edge: usize) -> &[f32] {
        &samples[edge..samples.len() - edge]
    }

    #[test]
    fn nan_infinite_and_huge_samples_do_not_panic_the_fft() {
        // A float WAV can hold anything; rubato panicked on the NaN that these produce inside its FFT.
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, -9.0e36] {
            let mut input = sine(440.0, 32_000, 3_200, 0.5);
            input[100] = bad;
            input[1_000..1_010].fill(bad);
            let output = resample_all(32_000, 16_000, &input);
            assert!(output.iter().all(|sample| sample.is_finite()), "{bad}");
        }
        let huge = resample_all(48_000, 24_000, &vec![f32::MAX; 4_800]);
        assert!(huge.iter().all(|sample| sample.abs() <= 2.0 * Resampler::MAX_SAMPLE));
    }

    #[test]
    fn sine_1khz_round_trip_48_16_48_keeps_level_within_half_a_db() {
        let input = sine(1000.0, 48_000, 48_000, 0.5);
        let down = resample_all(48_000, 16_000, &input);
        let up = resample_all(16_000, 48_000, &down);
        let level_in = rms_dbfs(middle(&input, 4800));
        let level_out = rms_dbfs(middle(&up, 4800));
        let error_db = level_out - level_in;
        eprintln!(
            "resample 1 kHz 48->16->48 kHz: in {level_in:.3} dBFS, out {level_out:.3} dBFS, \
             level error {error_db:+.4} dB"
        );
        assert!(error_db.abs() <= 0.5, "level error {error_db} dB");
    }

    #[test]
    fn tone_10khz_at_48k_to_16k_is_attenuated_by_60_db() {
        let input = sine(10_000.0, 48_000, 48_000, 0.5);
        let out = resample_all(48_000, 16_000, &input);
        let level_in = rms_dbfs(middle(&input, 4800));
        let level_out = rms_dbfs(middle(&out, 1600));
        let attenuation_db = level_in - level_out;
        eprintln!(
            "resample 10 kHz 48->16 kHz: in {level_in:.2} dBFS, out {level_out:.2} dBFS, \
             attenuation {attenuation_db:.1} dB"
        );
        assert!(attenuation_db >= 60.0, "attenuation {attenuation_db} dB");
    }

    #[test]
    fn every_device_and_protocol_rate_pair_keeps_a_1khz_level() {
        for (from_hz, to_hz) in [
            (48_000, 16_000),
            (48_000, 24_000),
            (44_100, 16_000),
            (44_100, 24_000),
            (16_000, 48_000),
            (24_000, 48_000),
            (24_000, 44_100),
            (16_000, 44_100),
        ] {
            let input = sine(1000.0, from_hz, from_hz as usize / 2, 0.5);
            let out = resample_all(from_hz, to_hz, &input);
            let resampler = Resampler::new(from_hz, to_hz).unwrap();
            let expected =
                resampler.output_delay() + (input.len() * to_hz as usize).div_ceil(from_hz as usize);
            assert_eq!(out.len(), expected, "{from_hz} -> {to_hz}");
            let error_db = rms_dbfs(middle(&out, to_hz as usize / 20)) - rms_dbfs(&input);
            eprintln!(
                "resample 1 kHz {from_hz}->{to_hz}: delay {} frames, level error {error_db:+.4} dB",
                resampler.output_delay()
            );
            assert!(error_db.abs() <= 0.5, "{from_hz} -> {to_hz}: {error_db} dB");
        }
    }

    #[test]
    fn the_delayed_sine_lines_up_with_output_delay() {
        let input = sine(440.0, 48_000, 9600, 0.5);
        let out = resample_all(48_000, 24_000, &input);
        let delay = Resampler::new(48_000, 24_000).unwrap().output_delay();
        let expected = sine(440.0, 24_000, 4800, 0.5);
        let worst = (1000..4000).map(|n| (out[n + delay] - expected[n]).abs()).fold(0.0_f32, f32::max);
        assert!(worst < 0.01, "largest deviation {worst}");
    }

    #[test]
    fn equal_rates_pass_samples_through() {
        let input = sine(1000.0, 24_000, 1000, 0.5);
        let mut resampler = Resampler::new(24_000, 24_000).unwrap();
        assert_eq!(resampler.output_delay(), 0);
        let mut out = Vec::new();
        resampler.process(&input[..7], &mut out).unwrap();
        resampler.process(&input[7..], &mut out).unwrap();
        resampler.flush(&mut out).unwrap();
        assert_eq!(out, input);
    }

    #[test]
    fn a_zero_rate_is_an_error() {
        assert!(matches!(Resampler::new(0, 16_000), Err(Error::ResamplerBuild { from_hz: 0, .. })));
        assert!(Resampler::new(48_000, 0).is_err());
    }

    #[test]
    fn reset_forgets_the_previous_stream() {
        let input = sine(1000.0, 48_000, 4800, 0.5);
        let fresh = resample_all(48_000, 16_000, &input);
        let mut resampler = Resampler::new(48_000, 16_000).unwrap();
        let mut out = Vec::new();
        resampler.process(&sine(3000.0, 48_000, 1234, 0.9), &mut out).unwrap();
        resampler.reset();
        out.clear();
        resampler.process(&input, &mut out).unwrap();
        resampler.flush(&mut out).unwrap();
        assert_eq!(out, fresh);
    }

    #[test]
    fn process_and_flush_do_not_grow_the_internal_buffers() {
        let mut resampler = Resampler::new(44_100, 24_000).unwrap();
        let capacities = (resampler.pending.capacity(), resampler.chunk_out.capacity());
        let mut out = Vec::with_capacity(100_000);
        for size in [0, 1, 441, 1000, 3] {
            resampler.process(&vec![0.25; size], &mut out).unwrap();
        }
        resampler.flush(&mut out).unwrap();
        assert_eq!((resampler.pending.capacity(), resampler.chunk_out.capacity()), capacities);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn chunking_does_not_change_the_output(
            rates in prop::sample::select(vec![
                (48_000_u32, 16_000_u32), (44_100, 24_000), (24_000, 48_000), (16_000, 44_100), (48_000, 24_000),
            ]),
            chunks in prop::collection::vec(0_usize..1500, 1..20),
        ) {
            let (from_hz, to_hz) = rates;
            let total: usize = chunks.iter().sum();
            let input = sine(997.0, from_hz, total, 0.7);
            let whole = resample_all(from_hz, to_hz, &input);
            let mut resampler = Resampler::new(from_hz, to_hz).unwrap();
            let mut pieces = Vec::new();
            let mut start = 0;
            for size in chunks {
                resampler.process(&input[start..start + size], &mut pieces).unwrap();
                start += size;
            }
            resampler.flush(&mut pieces).unwrap();
            prop_assert_eq!(pieces, whole);
        }
    }
}
