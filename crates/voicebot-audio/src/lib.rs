//! Audio in and out for voicebot: the part the user hears.
//!
//! # Role
//! This crate owns every sample between the microphone and the network, and between the network and the speaker:
//! the [`AudioSource`] and [`AudioSink`] seams, WAV file sources and sinks (so everything runs without a sound card),
//! resampling between device rates and protocol rates (16 kHz into Gemini, 24 kHz for OpenAI and Gemini output),
//! a jitter buffer that starts playback once its prebuffer is filled, a playback cursor counted from samples
//! actually played (what barge-in truncation is computed from), and a level meter.
//! Real devices come from cpal behind the `device` feature, which is off by default because it needs
//! `libasound2-dev` on Linux.
//!
//! # Architecture invariant
//! Code reachable from an audio callback ([`rt`]) touches only lock-free SPSC rings and atomics: no allocation,
//! lock, logging or I/O (a test runs both callback bodies under an allocation checker). Resampling and jitter
//! buffering run on a worker thread (devices) or the sink's clock task (files), never in the callback and never in
//! a network task. A stream's error callback only counts ([`StreamErrors::report`](stream::StreamErrors::report));
//! tearing a failed stream down and opening it again is the worker's job.
//!
//! # What it deliberately does not do
//! No networking, no base64 and no knowledge of any provider's wire format: it moves samples with timestamps.
//! No echo cancellation or voice activity detection. It never depends on the transport, state or tools crates;
//! `voicebot-core` joins them.
//!
//! # Main types
//! - Microphone: [`AudioSource`] yields [`AudioFrame`]s (mono PCM16 at the [`MicConfig`] rate, `chunk` long,
//!   stamped on the stream's sample clock) from a bounded queue; `next_frame` is cancel-safe for `select!`.
//!   [`WavSource`] plays a WAV file (any rate, channels, PCM or float) in real time or as fast as possible, then
//!   silence, and signals [`ended`](WavSource::ended).
//! - Speaker: [`Speaker`] takes PCM16 per item id ([`SpeakerConfig`], 24 kHz by default), prebuffers in the
//!   [`JitterBuffer`], resamples to the output rate and keeps the output ring filled. It reports a
//!   [`cursor`](Speaker::cursor) per item from samples the device consumed, [`barge_in`](Speaker::barge_in)
//!   flushes everything at once and returns a [`BargeIn`], [`drained`](Speaker::drained) waits until all queued
//!   audio has played, and [`PlaybackStats`] count underruns and overruns. [`AudioSink`]s own a speaker:
//!   [`WavSink`], [`MemorySink`] and [`NullSink`] run a clock ([`ClockConfig`], [`Pacing`]) that calls the same
//!   callback body as a device; its [`StallSwitch`] stops it as a device that stops calling back would.
//! - [`Resampler`]: streaming mono resampling over rubato's synchronous FFT resampler; keeps its state across
//!   chunks of any size, allocates only when built, and reports its [`output_delay`](Resampler::output_delay).
//! - [`Level`] and [`LevelMeter`]: RMS and peak in dBFS, with silence at a finite floor ([`SILENCE_FLOOR_DBFS`]).
//! - [`rt`]: the device callback bodies and their rings, usable without cpal.
//! - [`stream`]: the seam to devices ([`OutputDevice`](stream::OutputDevice), [`InputDevice`](stream::InputDevice))
//!   and [`DeviceSink`](stream::DeviceSink) / [`DeviceSource`](stream::DeviceSource), which open a failed stream
//!   again with a growing wait and count it in [`DeviceStats`](stream::DeviceStats); [`fake`] devices fail on demand
//!   so that this is testable without a sound card.
//! - With the `device` feature, `device`: `CpalSource`, `CpalSink` (both on the `stream` workers) and
//!   `list_devices`.
//!
//! ```
//! use voicebot_audio::{JitterBuffer, JitterConfig, Level, Resampler};
//!
//! # fn main() -> voicebot_audio::Result<()> {
//! // 24 kHz model audio to a 48 kHz device, through the jitter buffer.
//! let mut jitter = JitterBuffer::new(&JitterConfig::new(24_000))?;
//! let mut resampler = Resampler::new(24_000, 48_000)?;
//! jitter.push(&[0.25; 4800]);
//! jitter.end_of_response();
//! let mut block = [0.0; 480];
//! let mut device = Vec::new();
//! jitter.pop(&mut block);
//! resampler.process(&block, &mut device)?;
//! assert!(Level::of(&device).peak_dbfs <= 0.0);
//! # Ok(())
//! # }
//! ```
//!
//! # Feature flags
//! - `device`: cpal sources and sinks for real microphones and speakers, and device listing (off by default).
//!   cpal's pure-Rust PulseAudio host is compiled in and preferred when a server runs; ALSA otherwise.

#[cfg(feature = "device")]
pub mod device;
mod error;
pub mod fake;
mod frame;
mod jitter;
mod level;
mod playback;
mod resample;
pub mod rt;
mod sink;
mod source;
mod stall;
pub mod stream;
mod wav;

pub use error::{Error, Result};
pub use frame::{AudioFrame, Pacing, duration_to_samples, f32_to_pcm16, pcm16_to_f32, samples_to_duration};
pub use jitter::{JitterBuffer, JitterConfig, JitterMode, JitterStats, Popped};
pub use level::{Level, LevelMeter, SILENCE_FLOOR_DBFS, amplitude_to_dbfs, peak_dbfs, rms_dbfs};
pub use playback::{BargeIn, PlaybackStats, Speaker, SpeakerConfig};
pub use resample::Resampler;
pub use sink::{AudioSink, ClockConfig, MemorySink, NullSink, WavSink};
pub use source::{AudioSource, BoxFuture, MicConfig, SourceStats};
pub use stall::StallSwitch;
pub use wav::{AfterEnd, WavAudio, WavSource, read_wav, read_wav_from};
