//! Integration tests of voicebot-audio: the realtime callback bodies under an allocation checker, the speaker
//! (cursor, barge-in, prebuffer, drain, stalls) on clocked sinks, streams that fail on fake devices, WAV sources, the committed
//! fuzz inputs, and with `--features device` a loopback and streams killed by a real sound server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

/// Counts allocations per thread, so `rt` can prove the callback bodies allocate nothing.
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

#[cfg(feature = "device")]
mod device;
mod fuzz_replay;
mod reopen;
mod rt;
mod source;
mod speaker;
mod stall;
mod support;
