//! The [`AudioSink`] seam and the sinks that need no sound card: [`WavSink`], [`MemorySink`], [`NullSink`].
//!
//! Each sink owns what consumes the audio and hands out a [`Speaker`] handle to whoever produces it.
//! The sinks here run a clock (a tokio task, see `sink/clock.rs`) that calls the same callback body as a cpal
//! output stream: in [`Pacing::RealTime`] every 10 ms of tokio time, writing silence when nothing is queued, so
//! the output is a faithful time line and the cursor advances like a device's (tests use `start_paused`); in
//! [`Pacing::Fast`] as fast as audio is ready, writing no idle silence, with the cursor counting samples consumed.
//! Each clock has a [`StallSwitch`] that stops it as a device that stops calling back would; nothing is written
//! while it is stalled, so a WAV file is shorter than the run by the stalls' length.

mod clock;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clock::{Clock, FrameWriter};

use crate::error::{Error, Result};
use crate::frame::{Pacing, f32_to_pcm16};
use crate::level::Level;
use crate::playback::{BargeIn, PlaybackStats, Speaker, SpeakerConfig};
use crate::stall::StallSwitch;

/// Where model audio goes: a device, a file or memory. Implementors only provide [`speaker`](AudioSink::speaker);
/// the other methods forward to it (see [`Speaker`] for their contracts).
pub trait AudioSink: Send + Sync + fmt::Debug {
    /// The speaker handle (clone it to hand it to a pipeline).
    fn speaker(&self) -> &Speaker;

    /// Queues mono PCM16 at the speaker's input rate for `item_id`; see [`Speaker::push`].
    fn push(&self, item_id: &str, samples: &[i16]) {
        self.speaker().push(item_id, samples);
    }

    /// Marks the end of `item_id`'s audio; see [`Speaker::end_item`].
    fn end_item(&self, item_id: &str) {
        self.speaker().end_item(item_id);
    }

    /// Flushes everything queued and reports what was heard; see [`Speaker::barge_in`].
    fn barge_in(&self) -> Option<BargeIn> {
        self.speaker().barge_in()
    }

    /// The playback cursor of `item_id`; see [`Speaker::cursor`].
    fn cursor(&self, item_id: &str) -> Option<Duration> {
        self.speaker().cursor(item_id)
    }

    /// Counters; see [`Speaker::stats`].
    fn stats(&self) -> PlaybackStats {
        self.speaker().stats()
    }

    /// The output level; see [`Speaker::level`].
    fn level(&self) -> Level {
        self.speaker().level()
    }

    /// Stream errors and reopens of a device sink ([`crate::stream::DeviceSink`], `CpalSink`); `None` for sinks
    /// without a device stream (files, memory).
    fn device_stats(&self) -> Option<crate::stream::DeviceStats> {
        None
    }
}

/// The clock of a [`WavSink`], [`MemorySink`] or [`NullSink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockConfig {
    /// The rate the sink "plays" at (the WAV file's rate); the speaker resamples to it.
    pub rate_hz: u32,
    /// Real-time ticks or as fast as audio is ready.
    pub pacing: Pacing,
    /// How much audio each tick consumes (default 10 ms, a typical device callback).
    pub tick: Duration,
}

impl ClockConfig {
    /// A real-time clock at `rate_hz` with 10 ms ticks.
    #[must_use]
    pub fn new(rate_hz: u32) -> Self {
        Self { rate_hz, pacing: Pacing::RealTime, tick: Duration::from_millis(10) }
    }

    /// The same clock with another pacing.
    #[must_use]
    pub fn with_pacing(self, pacing: Pacing) -> Self {
        Self { pacing, ..self }
    }
}

impl Default for ClockConfig {
    /// Real time at 24 kHz, the rate models speak at.
    fn default() -> Self {
        Self::new(24_000)
    }
}

/// Writes what is played to a mono PCM16 WAV file, on a clock that advances like a device.
#[derive(Debug)]
pub struct WavSink {
    speaker: Speaker,
    clock: Clock,
    path: PathBuf,
}

impl WavSink {
    /// Creates (or truncates) `path` and starts the clock; needs a tokio runtime.
    pub fn create(path: impl AsRef<Path>, speaker: &SpeakerConfig, clock: ClockConfig) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: clock.rate_hz,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let wav_error = |source| Error::Wav { path: path.clone(), source };
        let writer = hound::WavWriter::create(&path, spec).map_err(wav_error)?;
        let writer = WavWriter { writer, pcm: Vec::new(), path: path.clone() };
        let (speaker, clock) = Clock::start(speaker, clock, writer)?;
        Ok(Self { speaker, clock, path })
    }

    /// Stops the clock, finishes the file and returns how many frames it holds.
    pub async fn finish(self) -> Result<u64> {
        self.clock.finish().await
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

struct WavWriter {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    pcm: Vec<i16>,
    path: PathBuf,
}

impl FrameWriter for WavWriter {
    fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.pcm.resize(samples.len(), 0);
        f32_to_pcm16(samples, &mut self.pcm);
        for &sample in &self.pcm {
            self.writer
                .write_sample(sample)
                .map_err(|source| Error::Wav { path: self.path.clone(), source })?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let path = self.path;
        self.writer.finalize().map_err(|source| Error::Wav { path, source })
    }
}

/// Keeps what is played in memory (device-rate `f32`), for tests. It grows without bound: keep runs short.
#[derive(Debug)]
pub struct MemorySink {
    speaker: Speaker,
    clock: Clock,
    samples: Arc<Mutex<Vec<f32>>>,
}

impl MemorySink {
    /// Starts the clock; needs a tokio runtime.
    pub fn start(speaker: &SpeakerConfig, clock: ClockConfig) -> Result<Self> {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let (speaker, clock) = Clock::start(speaker, clock, MemoryWriter(Arc::clone(&samples)))?;
        Ok(Self { speaker, clock, samples })
    }

    /// Everything played so far, at the clock's rate.
    pub fn samples(&self) -> Vec<f32> {
        self.samples.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Stops the clock and returns how many frames were played.
    pub async fn finish(self) -> Result<u64> {
        self.clock.finish().await
    }
}

struct MemoryWriter(Arc<Mutex<Vec<f32>>>);

impl FrameWriter for MemoryWriter {
    fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(samples);
        Ok(())
    }
}

/// Plays into nothing, on a clock: the cursor, barge-in and counters still work.
#[derive(Debug)]
pub struct NullSink {
    speaker: Speaker,
    clock: Clock,
}

impl NullSink {
    /// Starts the clock; needs a tokio runtime.
    pub fn start(speaker: &SpeakerConfig, clock: ClockConfig) -> Result<Self> {
        let (speaker, clock) = Clock::start(speaker, clock, NullWriter)?;
        Ok(Self { speaker, clock })
    }

    /// Stops the clock and returns how many frames were played.
    pub async fn finish(self) -> Result<u64> {
        self.clock.finish().await
    }
}

struct NullWriter;

impl FrameWriter for NullWriter {
    fn write(&mut self, _samples: &[f32]) -> Result<()> {
        Ok(())
    }
}

macro_rules! clocked_sink {
    ($($sink:ty),*) => {$(
        impl AudioSink for $sink {
            fn speaker(&self) -> &Speaker {
                &self.speaker
            }
        }

        impl $sink {
            /// A speaker handle to give a pipeline (as a boxed [`AudioSink`]) while the sink itself is kept
            /// to be finished.
            pub fn shared(&self) -> Speaker {
                self.speaker.clone()
            }

            /// Whether the clock has stopped on its own, because writing failed.
            pub fn has_failed(&self) -> bool {
                self.clock.is_finished()
            }

            /// The switch that stalls this sink's clock like a device that stops calling back (see
            /// [`StallSwitch`]); every call returns the same switch.
            pub fn stall_switch(&self) -> StallSwitch {
                self.clock.stall_switch()
            }
        }
    )*};
}

clocked_sink!(WavSink, MemorySink, NullSink);

impl AudioSink for Speaker {
    fn speaker(&self) -> &Speaker {
        self
    }
}
