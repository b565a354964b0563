//! The input ring: the device callback downmixes captured frames to mono, a worker drains them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::sample::Sample;

#[derive(Debug, Default)]
struct Shared {
    /// Mono samples written into the ring.
    captured: AtomicU64,
    /// Mono samples lost because the ring was full (the worker fell behind).
    overrun_samples: AtomicU64,
    /// Callbacks that lost samples.
    overruns: AtomicU64,
    /// Callbacks run.
    callbacks: AtomicU64,
}

/// Counters of an input ring, read with [`InputDrain::counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputCounters {
    /// Mono samples written into the ring.
    pub captured: u64,
    /// Callbacks that lost samples because the ring was full.
    pub overruns: u64,
    /// Mono samples lost to overruns.
    pub overrun_samples: u64,
    /// Callbacks run.
    pub callbacks: u64,
}

/// Builds an input ring holding `capacity` mono samples, fed from a device with `channels` channels (at least 1).
pub fn input_ring(capacity: usize, channels: usize) -> (InputCallback, InputDrain) {
    let (producer, consumer) = rtrb::RingBuffer::new(capacity.max(1));
    let shared = Arc::new(Shared::default());
    (
        InputCallback { producer, shared: Arc::clone(&shared), channels: channels.max(1) },
        InputDrain { consumer, shared },
    )
}

/// The device's end of an input ring: the body of an input callback.
///
/// [`capture`](InputCallback::capture) allocates nothing, takes no lock, logs nothing and does no I/O.
#[derive(Debug)]
pub struct InputCallback {
    producer: rtrb::Producer<f32>,
    shared: Arc<Shared>,
    channels: usize,
}

impl InputCallback {
    /// Downmixes interleaved `data` (the mean of each frame's channels) and writes it to the ring; what does not
    /// fit is dropped and counted as an overrun. A trailing partial frame is ignored.
    pub fn capture<S: Sample>(&mut self, data: &[S]) {
        let channels = self.channels;
        let frames = data.len() / channels;
        let room = self.producer.slots().min(frames);
        let scale = 1.0 / channels as f32;
        if let Ok(chunk) = self.producer.write_chunk_uninit(room) {
            let mono = data
                .chunks_exact(channels)
                .map(|frame| frame.iter().map(|sample| sample.to_f32()).sum::<f32>() * scale);
            chunk.fill_from_iter(mono);
        }
        self.shared.captured.fetch_add(room as u64, Ordering::Relaxed);
        if room < frames {
            self.shared.overruns.fetch_add(1, Ordering::Relaxed);
            self.shared.overrun_samples.fetch_add((frames - room) as u64, Ordering::Relaxed);
        }
        self.shared.callbacks.fetch_add(1, Ordering::Relaxed);
    }
}

/// The worker's end of an input ring.
#[derive(Debug)]
pub struct InputDrain {
    consumer: rtrb::Consumer<f32>,
    shared: Arc<Shared>,
}

impl InputDrain {
    /// Moves everything captured so far to the end of `out`; returns how many samples were moved.
    pub fn drain_into(&mut self, out: &mut Vec<f32>) -> usize {
        let available = self.consumer.slots();
        if let Ok(chunk) = self.consumer.read_chunk(available) {
            let (first, second) = chunk.as_slices();
            out.extend_from_slice(first);
            out.extend_from_slice(second);
            chunk.commit_all();
        }
        available
    }

    /// The counters so far.
    pub fn counters(&self) -> InputCounters {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        InputCounters {
            captured: load(&self.shared.captured),
            overruns: load(&self.shared.overruns),
            overrun_samples: load(&self.shared.overrun_samples),
            callbacks: load(&self.shared.callbacks),
        }
    }

    /// Whether the callback's end has been dropped (the device stream is gone).
    pub fn is_abandoned(&self) -> bool {
        self.consumer.is_abandoned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_is_averaged_to_mono() {
        let (mut callback, mut drain) = input_ring(8, 2);
        callback.capture(&[16_384_i16, 0, -32_768, -32_768]);
        let mut out = Vec::new();
        assert_eq!(drain.drain_into(&mut out), 2);
        assert_eq!(out, [0.25, -1.0]);
    }

    #[test]
    fn a_full_ring_counts_an_overrun() {
        let (mut callback, mut drain) = input_ring(4, 1);
        callback.capture(&[0.5_f32; 6]);
        assert_eq!(
            drain.counters(),
            InputCounters { captured: 4, overruns: 1, overrun_samples: 2, callbacks: 1 }
        );
        let mut out = Vec::new();
        drain.drain_into(&mut out);
        callback.capture(&[0.25_f32; 3]);
        drain.drain_into(&mut out);
        assert_eq!(out, [0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    }
}
