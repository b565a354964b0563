//! Integration tests of voicebot-protocol: every fixture, and decoders under arbitrary input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod fixtures;
mod fuzz;
mod support;
