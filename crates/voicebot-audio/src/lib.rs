//! Audio in and out for voicebot: the part the user hears.
//!
//! # Role
//! This crate owns every sample between the microphone and the network, and between the network and the speaker:
//! the `AudioSource` and `AudioSink` seams, WAV file sources and sinks (so everything runs without a sound card),
//! resampling between device rates and protocol rates (16 kHz into Gemini, 24 kHz for OpenAI and Gemini output),
//! a jitter buffer that starts playback once its prebuffer is filled, a playback cursor counted from samples
//! actually played (what barge-in truncation is computed from), and a level meter.
//! Real devices come from cpal behind the `device` feature, which is off by default because it needs
//! `libasound2-dev` on Linux.
//!
//! # Architecture invariant
//! Code reachable from an audio callback touches only lock-free SPSC rings and atomics: no allocation, lock,
//! logging or I/O. Resampling and jitter buffering run on a worker thread, never in the callback and never in a
//! network task.
//!
//! # What it deliberately does not do
//! No networking, no base64 and no knowledge of any provider's wire format: it moves `f32` samples with
//! timestamps. It never depends on the transport, state or tools crates; `voicebot-core` joins them.
//!
//! # Main types
//! - [`Resampler`]: streaming mono resampling over rubato's synchronous FFT resampler between any two rates;
//!   keeps its state across chunks of any size, allocates only when built, reports its
//!   [`output_delay`](Resampler::output_delay), and has `flush` for the tail and `reset` for barge-in.
//! - [`JitterBuffer`] (with [`JitterConfig`], [`JitterStats`]): the playout buffer in front of the speaker.
//!   It prebuffers (100 ms by default) before playing, counts underruns in the middle of a response, grows its
//!   target after underrun bursts and shrinks it after stable playback, drains to zero at an end-of-response
//!   marker, and drops the oldest audio when full.
//! - [`Level`] and [`LevelMeter`]: RMS and peak in dBFS over a block or a sliding window, with silence at a
//!   finite floor ([`SILENCE_FLOOR_DBFS`]).
//! - [`Error`]: what can fail here.
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
//! - `device`: cpal sources and sinks for real microphones and speakers (off by default).
//!
//! # Status
//! Resampling, the jitter buffer and the level meter are here. The `AudioSource`/`AudioSink` seams, WAV and
//! memory sources and sinks, the realtime rings, the playback cursor and the cpal devices land with the rest
//! of the audio issue.

mod error;
mod jitter;
mod level;
mod resample;

pub use error::{Error, Result};
pub use jitter::{JitterBuffer, JitterConfig, JitterMode, JitterStats, Popped};
pub use level::{Level, LevelMeter, SILENCE_FLOOR_DBFS, amplitude_to_dbfs, peak_dbfs, rms_dbfs};
pub use resample::Resampler;
