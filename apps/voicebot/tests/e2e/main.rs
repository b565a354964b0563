//! End-to-end tests: the real `voicebot` binary against the in-process simulator, WAV in and WAV out.
//!
//! Each test starts a simulator, runs `voicebot run` with the simulator's base URLs, a WAV microphone, a WAV
//! speaker and a JSON-lines journal, then checks the journal, the output WAV and the simulator's records
//! (timelines, deaf windows, violations). The runs are paced in real time, so each takes 10 to 30 seconds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod direct;
mod faults;
mod handoff;
mod support;
mod tls;
