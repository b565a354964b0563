//! Integration tests of voicebot-core: the committed fuzz inputs of the configuration loader, and the fuzz
//! project's bookkeeping (every target has a binary, a body that a replay test runs, and committed inputs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]

mod fuzz_replay;
