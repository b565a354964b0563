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
//! # Status
//! The engine lands with the audio issue; today the crate holds only this contract.
