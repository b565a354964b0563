//! A playout (jitter) buffer for model audio: prebuffer, drain, count underruns, adapt the target.

use std::time::Duration;

use crate::error::{Error, Result};

/// Settings of a [`JitterBuffer`]; durations are converted to samples at `sample_rate_hz`.
#[derive(Debug, Clone, PartialEq)]
pub struct JitterConfig {
    /// Rate of the mono samples pushed and popped.
    pub sample_rate_hz: u32,
    /// Audio to hold before playback starts, and the starting point of the adaptive target (default 100 ms).
    pub prebuffer: Duration,
    /// The target never shrinks below this (default 60 ms).
    pub min_prebuffer: Duration,
    /// The target never grows beyond this (default 400 ms).
    pub max_prebuffer: Duration,
    /// How much the target grows after an underrun burst or shrinks after stable playback (default 20 ms).
    pub step: Duration,
    /// Underruns without stable playback in between that make a burst (default 2).
    pub burst_underruns: u32,
    /// Playback without an underrun after which the target shrinks by one step (default 5 s).
    pub stable_after: Duration,
    /// Most audio held at once; pushing more drops the oldest (default 2 s).
    pub capacity: Duration,
}

impl JitterConfig {
    /// The defaults for mono audio at `sample_rate_hz`.
    #[must_use]
    pub fn new(sample_rate_hz: u32) -> Self {
        Self {
            sample_rate_hz,
            prebuffer: Duration::from_millis(100),
            min_prebuffer: Duration::from_millis(60),
            max_prebuffer: Duration::from_millis(400),
            step: Duration::from_millis(20),
            burst_underruns: 2,
            stable_after: Duration::from_secs(5),
            capacity: Duration::from_secs(2),
        }
    }

    fn samples(&self, duration: Duration) -> usize {
        let samples = duration.as_nanos() * u128::from(self.sample_rate_hz) / 1_000_000_000;
        usize::try_from(samples).unwrap_or(usize::MAX)
    }
}

/// Whether the buffer is waiting for its prebuffer or playing out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JitterMode {
    /// Collecting audio until the target is reached (or the response has ended); pops give silence.
    Fill,
    /// Playing out; pops give buffered audio.
    Drain,
}

/// Counters since construction, in samples unless named otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Samples accepted by `push`.
    pub pushed: u64,
    /// Buffered samples handed out by `pop`.
    pub played: u64,
    /// Silent samples `pop` wrote because nothing was ready (prebuffering, underrun or idle).
    pub padded: u64,
    /// Samples lost to overflow (the oldest are dropped).
    pub dropped: u64,
    /// Samples discarded by `flush`.
    pub flushed: u64,
    /// Times the buffer ran empty in the middle of a response.
    pub underruns: u64,
}

/// What one [`JitterBuffer::pop`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Popped {
    /// Buffered samples written.
    pub played: usize,
    /// Silent samples written.
    pub padded: usize,
}

/// A playout buffer modelled on songbird's: it stays in [`JitterMode::Fill`] until the target depth is buffered, then
/// [`JitterMode::Drain`]s.
///
/// Running empty in the middle of a response counts an underrun and goes back to `Fill`, so playback resumes
/// cleanly once the target is buffered again instead of clicking. A burst of underruns grows the target by one
/// step; stable playback shrinks it back by one step at a time, within the configured bounds. An
/// [`end_of_response`](JitterBuffer::end_of_response) marker lets the buffer drain to zero without an underrun, even
/// below the target. Capacity is bounded: overflow drops the oldest samples and counts them.
///
/// Pure and single-threaded (it lives on the audio worker, not in the device callback); all storage is allocated
/// in [`JitterBuffer::new`], and `push`, `pop` and `flush` allocate nothing.
#[derive(Debug)]
pub struct JitterBuffer {
    ring: Vec<f32>,
    /// Stream position of the oldest buffered sample.
    read_pos: u64,
    /// Stream position after the newest buffered sample.
    write_pos: u64,
    /// Stream position where the current response ends, if its end has been marked.
    end_at: Option<u64>,
    mode: JitterMode,
    target: usize,
    min_target: usize,
    max_target: usize,
    step: usize,
    burst_underruns: u32,
    stable_after: usize,
    recent_underruns: u32,
    stable_samples: usize,
    stats: JitterStats,
}

impl JitterBuffer {
    /// Builds a buffer; fails if the rate is zero, the bounds are out of order
    /// (`min_prebuffer <= prebuffer <= max_prebuffer <= capacity`), the capacity is empty or the step is zero.
    pub fn new(config: &JitterConfig) -> Result<Self> {
        let invalid = |reason| Err(Error::JitterConfig { reason });
        if config.sample_rate_hz == 0 {
            return invalid("sample rate is zero");
        }
        let target = config.samples(config.prebuffer);
        let min_target = config.samples(config.min_prebuffer);
        let max_target = config.samples(config.max_prebuffer);
        let capacity = config.samples(config.capacity);
        let step = config.samples(config.step);
        if capacity == 0 {
            return invalid("capacity is empty");
        }
        if !(min_target <= target && target <= max_target && max_target <= capacity) {
            return invalid("need min_prebuffer <= prebuffer <= max_prebuffer <= capacity");
        }
        if step == 0 {
            return invalid("step is zero");
        }
        Ok(Self {
            ring: vec![0.0; capacity],
            read_pos: 0,
            write_pos: 0,
            end_at: None,
            mode: JitterMode::Fill,
            target,
            min_target,
            max_target,
            step,
            burst_underruns: config.burst_underruns.max(1),
            stable_after: config.samples(config.stable_after).max(1),
            recent_underruns: 0,
            stable_samples: 0,
            stats: JitterStats::default(),
        })
    }

    /// Appends samples of the current response; returns how many samples were dropped to make room, oldest first.
    pub fn push(&mut self, samples: &[f32]) -> usize {
        let capacity = self.ring.len();
        self.stats.pushed += samples.len() as u64;
        // Input beyond the capacity of one call can never be buffered: it is dropped as if pushed and overflowed.
        let skipped = samples.len().saturating_sub(capacity);
        let samples = &samples[skipped..];
        let evicted = (self.len() + samples.len()).saturating_sub(capacity).min(self.len());
        self.read_pos += evicted as u64;
        if skipped > 0 {
            // Everything buffered was evicted too; the skipped input moves both ends past itself.
            self.write_pos += skipped as u64;
            self.read_pos = self.write_pos;
        }
        let mut index = self.index(self.write_pos);
        for &sample in samples {
            self.ring[index] = sample;
            index = (index + 1) % capacity;
        }
        self.write_pos += samples.len() as u64;
        let dropped = evicted + skipped;
        self.stats.dropped += dropped as u64;
        dropped
    }

    /// Marks the end of the current response: what is buffered now plays out, even below the target, and
    /// running empty there is not an underrun. Audio pushed afterwards belongs to the next response and is
    /// prebuffered again.
    pub fn end_of_response(&mut self) {
        self.end_at = Some(self.write_pos);
    }

    /// Fills all of `out`: buffered samples while draining, silence otherwise.
    pub fn pop(&mut self, out: &mut [f32]) -> Popped {
        let mut popped = Popped::default();
        let mut written = 0;
        while written < out.len() {
            match self.mode {
                JitterMode::Fill => {
                    if self.end_at.is_some_and(|end| end <= self.read_pos) {
                        self.end_at = None;
                    }
                    let ready = !self.is_empty() && (self.len() >= self.target || self.end_at.is_some());
                    if ready {
                        self.mode = JitterMode::Drain;
                        continue;
                    }
                    out[written..].fill(0.0);
                    popped.padded += out.len() - written;
                    written = out.len();
                }
                JitterMode::Drain => {
                    let until_end = match self.end_at {
                        Some(end) => end.saturating_sub(self.read_pos),
                        None => self.len() as u64,
                    };
                    let available = usize::try_from(until_end).unwrap_or(usize::MAX).min(self.len());
                    let count = available.min(out.len() - written);
                    self.copy_out(&mut out[written..written + count]);
                    written += count;
                    popped.played += count;
                    self.note_stable(count);
                    if written == out.len() {
                        break;
                    }
                    if self.end_at.is_some() && count == available {
                        // The response is over: go back to waiting for the next one.
                        self.end_at = None;
                    } else {
                        self.underrun();
                    }
                    self.mode = JitterMode::Fill;
                }
            }
        }
        self.stats.played += popped.played as u64;
        self.stats.padded += popped.padded as u64;
        popped
    }

    /// Discards everything buffered and the end marker (barge-in); returns how many samples were discarded.
    /// The target depth and the counters are kept.
    pub fn flush(&mut self) -> usize {
        let discarded = self.len();
        self.read_pos = self.write_pos;
        self.end_at = None;
        self.mode = JitterMode::Fill;
        self.stats.flushed += discarded as u64;
        discarded
    }

    /// Samples buffered now.
    pub fn len(&self) -> usize {
        usize::try_from(self.write_pos - self.read_pos).unwrap_or(usize::MAX)
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stream position of the next sample `pop` would hand out: samples pushed since construction, less those
    /// still buffered. Samples dropped or flushed move it forward without being played.
    pub fn read_position(&self) -> u64 {
        self.read_pos
    }

    /// Stream position after the newest pushed sample: samples pushed since construction.
    pub fn write_position(&self) -> u64 {
        self.write_pos
    }

    /// How many buffered samples the next [`pop`](JitterBuffer::pop) would hand out before it pads with silence
    /// or crosses an end-of-response marker; 0 while prebuffering or when nothing is buffered.
    pub fn ready_len(&self) -> usize {
        let mut end_at = self.end_at;
        let mut mode = self.mode;
        if mode == JitterMode::Drain && end_at.is_some_and(|end| end <= self.read_pos) {
            end_at = None;
            mode = JitterMode::Fill;
        }
        if mode == JitterMode::Fill {
            if end_at.is_some_and(|end| end <= self.read_pos) {
                end_at = None;
            }
            let ready = !self.is_empty() && (self.len() >= self.target || end_at.is_some());
            if !ready {
                return 0;
            }
        }
        let until_end = end_at.map_or(self.len() as u64, |end| end.saturating_sub(self.read_pos));
        usize::try_from(until_end).unwrap_or(usize::MAX).min(self.len())
    }

    /// The current mode.
    pub fn mode(&self) -> JitterMode {
        self.mode
    }

    /// The current prebuffer target in samples.
    pub fn target(&self) -> usize {
        self.target
    }

    /// The most samples the buffer holds.
    pub fn capacity(&self) -> usize {
        self.ring.len()
    }

    /// Counters since construction.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    fn index(&self, position: u64) -> usize {
        usize::try_from(position % self.ring.len() as u64).unwrap_or(0)
    }

    fn copy_out(&mut self, out: &mut [f32]) {
        let start = self.index(self.read_pos);
        let first = out.len().min(self.ring.len() - start);
        let (head, tail) = out.split_at_mut(first);
        head.copy_from_slice(&self.ring[start..start + first]);
        tail.copy_from_slice(&self.ring[..tail.len()]);
        self.read_pos += out.len() as u64;
    }

    fn underrun(&mut self) {
        self.stats.underruns += 1;
        self.stable_samples = 0;
        self.recent_underruns += 1;
        if self.recent_underruns >= self.burst_underruns {
            self.recent_underruns = 0;
            self.target = (self.target + self.step).min(self.max_target);
        }
    }

    fn note_stable(&mut self, played: usize) {
        self.stable_samples += played;
        if self.stable_samples >= self.stable_after {
            self.stable_samples = 0;
            self.recent_underruns = 0;
            self.target = self.target.saturating_sub(self.step).max(self.min_target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 1 kHz keeps the arithmetic readable: 1 ms is one sample.
    fn config() -> JitterConfig {
        JitterConfig::new(1000)
    }

    fn buffer() -> JitterBuffer {
        JitterBuffer::new(&config()).unwrap()
    }

    fn ramp(from: usize, count: usize) -> Vec<f32> {
        (from..from + count).map(|n| n as f32).collect()
    }

    #[test]
    fn it_stays_silent_until_the_prebuffer_is_filled() {
        let mut jitter = buffer();
        let mut out = [1.0; 10];
        jitter.push(&ramp(1, 99));
        assert_eq!(jitter.pop(&mut out), Popped { played: 0, padded: 10 });
        assert_eq!(out, [0.0; 10]);
        assert_eq!(jitter.mode(), JitterMode::Fill);
        jitter.push(&ramp(100, 1));
        assert_eq!(jitter.pop(&mut out), Popped { played: 10, padded: 0 });
        assert_eq!(out.to_vec(), ramp(1, 10));
        assert_eq!(jitter.mode(), JitterMode::Drain);
        assert_eq!(jitter.stats().underruns, 0);
    }

    #[test]
    fn running_dry_mid_response_counts_an_underrun_and_refills() {
        let mut jitter = buffer();
        let mut out = vec![0.0; 150];
        jitter.push(&ramp(1, 100));
        assert_eq!(jitter.pop(&mut out), Popped { played: 100, padded: 50 });
        assert_eq!(jitter.stats().underruns, 1);
        assert_eq!(jitter.mode(), JitterMode::Fill);
        jitter.push(&ramp(101, 50));
        assert_eq!(jitter.pop(&mut out[..10]).padded, 10, "refilling, not trickling out");
        assert_eq!(jitter.stats().underruns, 1, "silence while filling is not another underrun");
    }

    #[test]
    fn end_of_response_drains_to_zero_without_an_underrun() {
        let mut jitter = buffer();
        let mut out = vec![0.0; 100];
        jitter.push(&ramp(1, 30));
        jitter.end_of_response();
        assert_eq!(jitter.pop(&mut out), Popped { played: 30, padded: 70 });
        assert_eq!(out[..30].to_vec(), ramp(1, 30));
        assert!(jitter.is_empty());
        assert_eq!(jitter.stats().underruns, 0);
        assert_eq!(jitter.pop(&mut out).padded, 100, "idle silence is not an underrun");
        assert_eq!(jitter.stats().underruns, 0);
    }

    #[test]
    fn the_next_response_prebuffers_again_after_an_end_marker() {
        let mut jitter = buffer();
        let mut out = vec![0.0; 40];
        jitter.push(&ramp(1, 20));
        jitter.end_of_response();
        jitter.push(&ramp(21, 30));
        assert_eq!(jitter.pop(&mut out), Popped { played: 20, padded: 20 });
        assert_eq!(jitter.mode(), JitterMode::Fill);
        jitter.push(&ramp(51, 70));
        assert_eq!(jitter.pop(&mut out), Popped { played: 40, padded: 0 });
        assert_eq!(out, ramp(21, 40));
        assert_eq!(jitter.stats().underruns, 0);
    }

    #[test]
    fn underrun_bursts_grow_the_target_and_stable_playback_shrinks_it() {
        let mut jitter = buffer();
        let mut out = vec![0.0; 500];
        for round in 0..40 {
            jitter.push(&ramp(1, jitter.target()));
            jitter.pop(&mut out[..jitter.target() + 1]);
            assert!(jitter.target() <= 400, "round {round}: bounded by max_prebuffer");
        }
        assert_eq!(jitter.stats().underruns, 40);
        assert_eq!(jitter.target(), 400);
        let mut played = 0;
        while jitter.target() > 60 {
            jitter.push(&ramp(1, 100));
            played += jitter.pop(&mut out[..100]).played;
            assert!(played < 200_000, "never shrank");
        }
        assert_eq!(jitter.target(), 60, "bounded by min_prebuffer");
        assert_eq!(jitter.stats().underruns, 40);
    }

    #[test]
    fn a_single_underrun_is_not_a_burst() {
        let mut jitter = buffer();
        let mut out = vec![0.0; 200];
        jitter.push(&ramp(1, 100));
        jitter.pop(&mut out[..101]);
        assert_eq!(jitter.target(), 100);
        jitter.push(&ramp(1, 100));
        jitter.pop(&mut out[..101]);
        assert_eq!(jitter.target(), 120);
    }

    #[test]
    fn overflow_drops_the_oldest_and_counts_them() {
        let mut jitter = buffer();
        assert_eq!(jitter.push(&ramp(1, 1500)), 0);
        assert_eq!(jitter.push(&ramp(1501, 1000)), 500);
        assert_eq!(jitter.len(), 2000);
        let mut out = vec![0.0; 3];
        jitter.pop(&mut out);
        assert_eq!(out, ramp(501, 3));
        assert_eq!(jitter.push(&ramp(2501, 5000)), 5000 - 3);
        jitter.pop(&mut out);
        assert_eq!(out, ramp(5501, 3));
        assert_eq!(jitter.stats().dropped, 500 + 4997);
    }

    #[test]
    fn flush_empties_it_and_returns_to_fill() {
        let mut jitter = buffer();
        jitter.push(&ramp(1, 300));
        jitter.pop(&mut [0.0; 10]);
        jitter.end_of_response();
        assert_eq!(jitter.flush(), 290);
        assert!(jitter.is_empty());
        assert_eq!(jitter.mode(), JitterMode::Fill);
        assert_eq!(jitter.pop(&mut [1.0; 10]).padded, 10);
        assert_eq!(jitter.stats().flushed, 290);
        assert_eq!(jitter.stats().underruns, 0);
    }

    #[test]
    fn bad_configs_are_errors() {
        let mut config = config();
        config.min_prebuffer = Duration::from_millis(200);
        assert!(matches!(JitterBuffer::new(&config), Err(Error::JitterConfig { .. })));
        let mut config = JitterConfig::new(1000);
        config.capacity = Duration::from_millis(100);
        assert!(JitterBuffer::new(&config).is_err());
        assert!(JitterBuffer::new(&JitterConfig::new(0)).is_err());
        let mut config = JitterConfig::new(1000);
        config.step = Duration::ZERO;
        assert!(JitterBuffer::new(&config).is_err());
        assert!(JitterBuffer::new(&JitterConfig::new(24_000)).is_ok());
    }

    #[test]
    fn pop_allocates_nothing_and_keeps_the_ring() {
        let mut jitter = JitterBuffer::new(&JitterConfig::new(24_000)).unwrap();
        let capacity = jitter.ring.capacity();
        let mut out = vec![0.0; 240];
        for _ in 0..1000 {
            jitter.push(&[0.5; 200]);
            jitter.pop(&mut out);
        }
        assert_eq!(jitter.ring.capacity(), capacity);
    }

    #[test]
    fn ready_len_tells_what_pop_would_play() {
        let mut jitter = buffer();
        jitter.push(&ramp(1, 99));
        assert_eq!(jitter.ready_len(), 0, "prebuffering");
        jitter.push(&ramp(100, 1));
        assert_eq!(jitter.ready_len(), 100);
        jitter.pop(&mut [0.0; 30]);
        jitter.end_of_response();
        jitter.push(&ramp(101, 50));
        assert_eq!(jitter.ready_len(), 70, "up to the end marker");
        jitter.pop(&mut [0.0; 70]);
        assert_eq!(jitter.ready_len(), 0, "the next response prebuffers again");
        jitter.end_of_response();
        assert_eq!(jitter.ready_len(), 50);
        assert_eq!(jitter.read_position(), 100);
        assert_eq!(jitter.write_position(), 150);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(usize),
        Pop(usize),
        End,
        Flush,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0_usize..300).prop_map(Op::Push),
            6 => (0_usize..300).prop_map(Op::Pop),
            1 => Just(Op::End),
            1 => Just(Op::Flush),
        ]
    }

    proptest! {
        #[test]
        fn samples_are_conserved_and_kept_in_order(ops in prop::collection::vec(op(), 0..200)) {
            let mut config = JitterConfig::new(1000);
            config.capacity = Duration::from_millis(1000);
            let mut jitter = JitterBuffer::new(&config).unwrap();
            let mut next = 1_usize;
            let mut output = Vec::new();
            let mut out = vec![0.0; 300];
            let mut padded = 0;
            let mut flushed = 0;
            for op in ops {
                match op {
                    Op::Push(count) => {
                        jitter.push(&ramp(next, count));
                        next += count;
                    }
                    Op::Pop(count) => {
                        let popped = jitter.pop(&mut out[..count]);
                        prop_assert_eq!(popped.played + popped.padded, count);
                        padded += popped.padded;
                        output.extend_from_slice(&out[..count]);
                    }
                    Op::End => jitter.end_of_response(),
                    Op::Flush => {
                        flushed += jitter.flush();
                        prop_assert!(jitter.is_empty());
                        prop_assert_eq!(jitter.mode(), JitterMode::Fill);
                    }
                }
                prop_assert!(jitter.len() <= jitter.capacity());
                prop_assert!((60..=400).contains(&jitter.target()));
            }
            // Play out the rest.
            jitter.end_of_response();
            while !jitter.is_empty() {
                let popped = jitter.pop(&mut out[..100]);
                padded += popped.padded;
                output.extend_from_slice(&out[..100]);
            }
            let stats = jitter.stats();
            let pushed = next - 1;
            prop_assert_eq!(stats.pushed, pushed as u64);
            prop_assert_eq!(stats.padded, padded as u64);
            prop_assert_eq!(stats.flushed, flushed as u64);
            prop_assert_eq!(
                output.len() as u64,
                stats.pushed + stats.padded - stats.dropped - stats.flushed
            );
            let played: Vec<f32> = output.iter().copied().filter(|&s| s != 0.0).collect();
            prop_assert_eq!(played.len() as u64, stats.played);
            prop_assert!(played.windows(2).all(|pair| pair[0] < pair[1]), "order preserved");
            if stats.dropped == 0 && stats.flushed == 0 {
                prop_assert_eq!(played, ramp(1, pushed));
            }
        }
    }
}
