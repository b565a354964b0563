//! Fuzz target `wav`: the body is `wav` in `fuzz/bodies/audio.rs`, shared with the replay test.

#![no_main]

#[allow(dead_code)]
#[path = "../bodies/audio.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::wav(data));
