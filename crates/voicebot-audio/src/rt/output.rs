//! The output ring: a worker feeds mono samples, the device callback plays them on every channel.
//!
//! A reopened stream gets a new callback for the same ring positions ([`OutputFeed::reattach`]): the old callback
//! is retired through an atomic owner word it checks on entry, and the new one starts with whatever the old one
//! had not played, so the playback cursor and the counters go on as if the device had never changed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::sample::Sample;

/// Atomics shared by the feed and the callback; ring positions count mono samples since the ring was built.
#[derive(Debug, Default)]
struct Shared {
    /// Samples the callback has taken out of the ring (played or skipped as stale).
    read_pos: AtomicU64,
    /// The flush epoch: everything before this ring position is stale and is skipped, not played.
    flush_to: AtomicU64,
    /// Callbacks that could not be filled completely from the ring.
    underruns: AtomicU64,
    /// Frames written as silence because the ring was short.
    underrun_frames: AtomicU64,
    /// Frames handed to the device.
    frames: AtomicU64,
    /// Callbacks run.
    callbacks: AtomicU64,
    /// Samples skipped because a flush made them stale.
    skipped: AtomicU64,
    /// Which callback owns the ring: its generation times two, plus one while it is inside `fill`.
    owner: AtomicU64,
}

/// Counters of an output ring, read with [`OutputFeed::counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputCounters {
    /// Callbacks that found the ring short and padded with silence.
    pub underruns: u64,
    /// Frames of silence written because of underruns.
    pub underrun_frames: u64,
    /// Frames handed to the device.
    pub frames: u64,
    /// Callbacks run.
    pub callbacks: u64,
    /// Samples skipped because a flush made them stale.
    pub skipped: u64,
}

/// Builds an output ring holding `capacity` mono samples for a device with `channels` channels (at least 1).
pub fn output_ring(capacity: usize, channels: usize) -> (OutputFeed, OutputCallback) {
    let (producer, consumer) = rtrb::RingBuffer::new(capacity.max(1));
    let shared = Arc::new(Shared::default());
    let shadow = vec![0.0; producer.buffer().capacity()];
    let feed =
        OutputFeed { producer, shared: Arc::clone(&shared), written: 0, flush_to: 0, shadow, generation: 0 };
    let callback = OutputCallback { consumer, shared, channels: channels.max(1), read_pos: 0, generation: 0 };
    (feed, callback)
}

/// The worker's end of an output ring.
#[derive(Debug)]
pub struct OutputFeed {
    producer: rtrb::Producer<f32>,
    shared: Arc<Shared>,
    written: u64,
    /// The last flush epoch published.
    flush_to: u64,
    /// A copy of the last `capacity` samples pushed, indexed by ring position modulo the capacity, so that a
    /// reattached callback can be given what the retired one had not played.
    shadow: Vec<f32>,
    /// The generation of the callback that owns the ring.
    generation: u64,
}

impl OutputFeed {
    /// Appends as many of `samples` as fit and returns how many did.
    pub fn push(&mut self, samples: &[f32]) -> usize {
        let (pushed, _) = self.producer.push_partial_slice(samples);
        let count = pushed.len();
        let capacity = self.shadow.len();
        let start = usize::try_from(self.written % capacity as u64).unwrap_or(0);
        let first = count.min(capacity - start);
        self.shadow[start..start + first].copy_from_slice(&samples[..first]);
        self.shadow[..count - first].copy_from_slice(&samples[first..count]);
        self.written += count as u64;
        count
    }

    /// Hands the ring to a new device callback with `channels` channels, for a stream opened again after the
    /// old one failed. The current callback is retired: from its next call on it writes silence and touches
    /// nothing. The new one takes over where it stopped: the same ring positions, counters and flush epoch,
    /// starting with the audio the old one had not played yet. Allocates a new ring (this is worker code).
    ///
    /// Returns `None`, changing nothing, while the current callback is inside
    /// [`fill`](OutputCallback::fill): try again a moment later.
    pub fn reattach(&mut self, channels: usize) -> Option<OutputCallback> {
        let current = self.generation * 2;
        let next = current + 2;
        self.shared.owner.compare_exchange(current, next, Ordering::AcqRel, Ordering::Relaxed).ok()?;
        self.generation += 1;
        let capacity = self.shadow.len();
        let (producer, consumer) = rtrb::RingBuffer::new(capacity);
        self.producer = producer;
        let read_pos = self.shared.read_pos.load(Ordering::Acquire);
        let unplayed = usize::try_from(self.written - read_pos).unwrap_or(capacity).min(capacity);
        let start = usize::try_from(read_pos % capacity as u64).unwrap_or(0);
        let first = unplayed.min(capacity - start);
        // The fresh ring has room for all of it: at most `capacity` samples were unplayed.
        let _fitted = self.producer.push_partial_slice(&self.shadow[start..start + first]);
        let _fitted = self.producer.push_partial_slice(&self.shadow[..unplayed - first]);
        Some(OutputCallback {
            consumer,
            shared: Arc::clone(&self.shared),
            channels: channels.max(1),
            read_pos,
            generation: self.generation,
        })
    }

    /// Free slots now.
    pub fn free(&self) -> usize {
        self.producer.slots()
    }

    /// Samples in the ring that will be played (pushed, not yet taken by the callback, not made stale by a
    /// flush).
    pub fn buffered(&self) -> usize {
        let in_ring = self.producer.buffer().capacity() - self.producer.slots();
        let stale = self.flush_to.saturating_sub(self.read_position());
        in_ring.saturating_sub(usize::try_from(stale).unwrap_or(usize::MAX))
    }

    /// The ring's capacity in samples.
    pub fn capacity(&self) -> usize {
        self.producer.buffer().capacity()
    }

    /// Ring position after the last pushed sample: samples pushed since the ring was built.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Ring position of the next sample the callback will take: samples it has consumed so far.
    pub fn read_position(&self) -> u64 {
        self.shared.read_pos.load(Ordering::Acquire)
    }

    /// Makes everything pushed so far stale (barge-in): the callback skips it instead of playing it the next
    /// time it runs. Returns the new flush epoch, the ring position where fresh audio starts.
    pub fn flush(&mut self) -> u64 {
        self.flush_to = self.written;
        self.shared.flush_to.store(self.written, Ordering::Release);
        self.written
    }

    /// The counters so far.
    pub fn counters(&self) -> OutputCounters {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        OutputCounters {
            underruns: load(&self.shared.underruns),
            underrun_frames: load(&self.shared.underrun_frames),
            frames: load(&self.shared.frames),
            callbacks: load(&self.shared.callbacks),
            skipped: load(&self.shared.skipped),
        }
    }

    /// Whether the callback's end has been dropped (the device stream is gone).
    pub fn is_abandoned(&self) -> bool {
        self.producer.is_abandoned()
    }
}

/// The device's end of an output ring: the body of an output callback.
///
/// [`fill`](OutputCallback::fill) allocates nothing, takes no lock, logs nothing and does no I/O.
#[derive(Debug)]
pub struct OutputCallback {
    consumer: rtrb::Consumer<f32>,
    shared: Arc<Shared>,
    channels: usize,
    read_pos: u64,
    /// Matches the owner word while this callback owns the ring.
    generation: u64,
}

impl OutputCallback {
    /// The number of interleaved channels written per frame.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Frames ready to play now (not counting audio made stale by a flush).
    pub fn available(&self) -> usize {
        let flush_to = self.shared.flush_to.load(Ordering::Acquire);
        let stale = usize::try_from(flush_to.saturating_sub(self.read_pos)).unwrap_or(usize::MAX);
        self.consumer.slots().saturating_sub(stale)
    }

    /// Fills an interleaved device buffer: first skips audio made stale by a flush, then copies one mono sample
    /// to every channel of each frame, then pads any shortfall with silence and counts an underrun.
    /// A trailing partial frame is written as silence. A callback retired by [`OutputFeed::reattach`] writes
    /// silence and counts nothing.
    pub fn fill<S: Sample>(&mut self, out: &mut [S]) {
        let owner = self.generation * 2;
        if self.shared.owner.compare_exchange(owner, owner + 1, Ordering::Acquire, Ordering::Relaxed).is_err()
        {
            out.fill(S::SILENCE);
            return;
        }
        self.fill_owned(out);
        self.shared.owner.store(owner, Ordering::Release);
    }

    fn fill_owned<S: Sample>(&mut self, out: &mut [S]) {
        let channels = self.channels;
        let frames = out.len() / channels;
        let flush_to = self.shared.flush_to.load(Ordering::Acquire);
        if self.read_pos < flush_to {
            let stale = usize::try_from(flush_to - self.read_pos).unwrap_or(usize::MAX);
            let skip = stale.min(self.consumer.slots());
            if let Ok(chunk) = self.consumer.read_chunk(skip) {
                chunk.commit_all();
            }
            self.read_pos += skip as u64;
            self.shared.skipped.fetch_add(skip as u64, Ordering::Relaxed);
        }
        let available = self.consumer.slots().min(frames);
        let mut frame_index = 0;
        if let Ok(chunk) = self.consumer.read_chunk(available) {
            let (first, second) = chunk.as_slices();
            for &sample in first.iter().chain(second) {
                let value = S::from_f32(sample);
                out[frame_index * channels..(frame_index + 1) * channels].fill(value);
                frame_index += 1;
            }
            chunk.commit_all();
        }
        out[frame_index * channels..].fill(S::SILENCE);
        self.read_pos += frame_index as u64;
        self.shared.read_pos.store(self.read_pos, Ordering::Release);
        if frame_index < frames {
            self.shared.underruns.fetch_add(1, Ordering::Relaxed);
            self.shared.underrun_frames.fetch_add((frames - frame_index) as u64, Ordering::Relaxed);
        }
        self.shared.frames.fetch_add(frames as u64, Ordering::Relaxed);
        self.shared.callbacks.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_copies_mono_to_every_channel_and_converts() {
        let (mut feed, mut callback) = output_ring(16, 2);
        assert_eq!(feed.push(&[0.5, -0.5, 1.0]), 3);
        let mut out = [0_i16; 6];
        callback.fill(&mut out);
        assert_eq!(out, [16_384, 16_384, -16_384, -16_384, i16::MAX, i16::MAX]);
        assert_eq!(feed.read_position(), 3);
        assert_eq!(feed.counters().underruns, 0);
        assert_eq!(feed.counters().frames, 3);
    }

    #[test]
    fn a_short_ring_pads_with_silence_and_counts_an_underrun() {
        let (mut feed, mut callback) = output_ring(16, 1);
        feed.push(&[0.25; 3]);
        let mut out = [9.0_f32; 5];
        callback.fill(&mut out);
        assert_eq!(out, [0.25, 0.25, 0.25, 0.0, 0.0]);
        assert_eq!(
            feed.counters(),
            OutputCounters { underruns: 1, underrun_frames: 2, frames: 5, callbacks: 1, skipped: 0 }
        );
    }

    #[test]
    fn flush_skips_stale_audio_but_plays_what_came_after() {
        let (mut feed, mut callback) = output_ring(16, 1);
        feed.push(&[0.1; 6]);
        let mut out = [0.0_f32; 2];
        callback.fill(&mut out);
        assert_eq!(feed.flush(), 6);
        assert_eq!(feed.buffered(), 0, "stale audio does not count");
        feed.push(&[0.7; 3]);
        assert_eq!(feed.buffered(), 3);
        let mut out = [0.0_f32; 4];
        callback.fill(&mut out);
        assert_eq!(out, [0.7, 0.7, 0.7, 0.0]);
        assert_eq!(feed.counters().skipped, 4);
        assert_eq!(feed.read_position(), 9);
    }

    #[test]
    fn the_ring_wraps_and_push_reports_what_fitted() {
        let (mut feed, mut callback) = output_ring(4, 1);
        let mut out = [0.0_f32; 3];
        for round in 0..10 {
            let value = round as f32 / 10.0;
            assert_eq!(feed.push(&[value; 5]), 4, "only four fit");
            callback.fill(&mut out);
            assert_eq!(out, [value; 3]);
            callback.fill(&mut out[..1]);
        }
        assert_eq!(feed.written(), 40);
        assert_eq!(feed.buffered(), 0);
    }

    #[test]
    fn a_reattached_callback_plays_what_the_retired_one_had_not() {
        let (mut feed, mut old) = output_ring(8, 1);
        feed.push(&[0.1, 0.2, 0.3, 0.4, 0.5]);
        let mut out = [0.0_f32; 2];
        old.fill(&mut out);
        feed.push(&[0.6, 0.7, 0.8, 0.9]);
        let mut new = feed.reattach(2).unwrap();
        assert_eq!(new.channels(), 2);
        let mut retired = [1.0_f32; 3];
        old.fill(&mut retired);
        assert_eq!(retired, [0.0; 3], "the retired callback writes silence");
        assert_eq!(feed.read_position(), 2, "and takes nothing");
        assert_eq!(feed.buffered(), 7);
        let mut out = [0.0_f32; 16];
        new.fill(&mut out);
        assert_eq!(out[..14], [0.3, 0.3, 0.4, 0.4, 0.5, 0.5, 0.6, 0.6, 0.7, 0.7, 0.8, 0.8, 0.9, 0.9]);
        assert_eq!(feed.read_position(), 9);
        assert_eq!(
            feed.counters(),
            OutputCounters { underruns: 1, underrun_frames: 1, frames: 10, callbacks: 2, skipped: 0 }
        );
        feed.push(&[0.25; 8]);
        let mut again = feed.reattach(1).unwrap();
        let mut out = [0.0_f32; 8];
        again.fill(&mut out);
        assert_eq!(out, [0.25; 8], "the shadow wraps with the ring");
    }

    #[test]
    fn a_flush_before_a_reattach_is_still_skipped() {
        let (mut feed, mut old) = output_ring(8, 1);
        feed.push(&[0.5; 6]);
        let mut out = [0.0_f32; 2];
        old.fill(&mut out);
        feed.flush();
        feed.push(&[0.75; 2]);
        let mut new = feed.reattach(1).unwrap();
        let mut out = [0.0_f32; 4];
        new.fill(&mut out);
        assert_eq!(out, [0.75, 0.75, 0.0, 0.0]);
        assert_eq!(feed.counters().skipped, 4);
    }

    #[test]
    fn a_partial_trailing_frame_is_silence() {
        let (mut feed, mut callback) = output_ring(8, 2);
        feed.push(&[0.5; 4]);
        let mut out = [1.0_f32; 5];
        callback.fill(&mut out);
        assert_eq!(out, [0.5, 0.5, 0.5, 0.5, 0.0]);
        assert_eq!(feed.read_position(), 2);
    }
}
