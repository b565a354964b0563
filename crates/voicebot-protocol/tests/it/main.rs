//! Integration tests of voicebot-protocol: every fixture, decoders under arbitrary input, and the committed fuzz
//! inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod fixtures;
mod fuzz;
mod fuzz_replay;
mod support;
