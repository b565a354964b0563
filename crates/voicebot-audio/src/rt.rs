//! The realtime path: what runs inside a device callback, as plain structs testable without cpal.
//!
//! A device callback may only touch lock-free SPSC rings ([`rtrb`]) and atomics: no allocation, lock, logging or
//! I/O. Everything here keeps to that rule, and `tests/it/rt.rs` drives both callback bodies under an allocation
//! checker to prove it. The other end of each ring (the feed or the drain) belongs to a worker thread or task,
//! which is where resampling, the jitter buffer and the playback cursor live.
//!
//! - Output: [`output_ring`] gives an [`OutputFeed`] (worker side) and an [`OutputCallback`] (device side).
//!   The callback copies mono samples to every channel, pads a shortfall with silence and counts it as an
//!   underrun, and discards stale audio after a barge-in: [`OutputFeed::flush`] publishes a ring position (the
//!   flush epoch) and the callback skips everything before it the next time it runs. A reopened stream gets a
//!   new callback for the same ring with [`OutputFeed::reattach`]; the old one is retired between two of its
//!   calls (an atomic owner word) and only writes silence from then on.
//! - Input: [`input_ring`] gives an [`InputCallback`] (device side), which downmixes to mono and counts what did
//!   not fit as an overrun, and an [`InputDrain`] (worker side).

mod input;
mod output;
mod sample;

pub use input::{InputCallback, InputCounters, InputDrain, input_ring};
pub use output::{OutputCallback, OutputCounters, OutputFeed, output_ring};
pub use sample::Sample;
