//! The speaker's worker-side state: jitter buffer, resampler, output ring feed, item bookkeeping and level meter.

use super::items::{Items, PushPlan};
use super::{BargeIn, PlaybackStats, SpeakerConfig};
use crate::error::Result;
use crate::frame::{pcm16_to_f32, samples_to_duration};
use crate::jitter::JitterBuffer;
use crate::level::{Level, LevelMeter};
use crate::resample::Resampler;
use crate::rt::{OutputCallback, OutputCounters, OutputFeed};

/// The worker-side state behind one lock; the device callback never takes it.
#[derive(Debug)]
pub(crate) struct Engine {
    input_rate: u32,
    output_rate: u32,
    jitter: JitterBuffer,
    resampler: Resampler,
    feed: OutputFeed,
    items: Items,
    /// One block of input-rate audio popped from the jitter buffer.
    block: Vec<f32>,
    /// Scratch for converting pushed PCM16.
    scratch: Vec<f32>,
    /// Resampler output; `out[carry..]` has not fitted into the ring yet.
    out: Vec<f32>,
    carry: usize,
    /// Ring position where the resampler's output stream starts (set at each barge-in).
    ring_base: u64,
    /// Samples fed to the resampler since it was last reset.
    resampler_in: u64,
    meter: LevelMeter,
    ignored: u64,
    barge_ins: u64,
}

impl Engine {
    pub(super) fn new(config: &SpeakerConfig, output_rate: u32, feed: OutputFeed) -> Result<Self> {
        let input_rate = config.input_rate_hz();
        let jitter = JitterBuffer::new(&config.jitter)?;
        let resampler = Resampler::new(input_rate, output_rate)?;
        let block = vec![0.0; (input_rate as usize / 100).max(1)];
        let out = Vec::with_capacity((output_rate as usize / 50).max(64));
        let ring_base = feed.written();
        Ok(Self {
            input_rate,
            output_rate,
            jitter,
            resampler,
            feed,
            items: Items::default(),
            block,
            scratch: Vec::new(),
            out,
            carry: 0,
            ring_base,
            resampler_in: 0,
            meter: LevelMeter::new((output_rate as usize / 20).max(1)),
            ignored: 0,
            barge_ins: 0,
        })
    }

    pub(super) fn push(&mut self, item_id: &str, samples: &[i16]) {
        match self.items.plan_push(item_id, self.jitter.write_position()) {
            PushPlan::Ignore => {
                self.ignored += samples.len() as u64;
                return;
            }
            PushPlan::NewItem { end_previous: true } => self.jitter.end_of_response(),
            PushPlan::NewItem { end_previous: false } | PushPlan::Append => {}
        }
        self.scratch.resize(samples.len(), 0.0);
        pcm16_to_f32(samples, &mut self.scratch);
        self.jitter.push(&self.scratch);
        self.items.extend_last(self.jitter.write_position());
    }

    pub(super) fn end_item(&mut self, item_id: &str) {
        if self.items.end(item_id) {
            self.jitter.end_of_response();
        }
    }

    pub(super) fn barge_in(&mut self) -> Option<BargeIn> {
        let read = self.feed.read_position();
        let interrupted = self.items.interrupt(read, self.jitter.read_position());
        self.jitter.flush();
        self.resampler.reset();
        self.out.clear();
        self.carry = 0;
        self.ring_base = self.feed.flush();
        self.resampler_in = 0;
        self.barge_ins += 1;
        interrupted.map(|it| BargeIn {
            item_id: it.item_id,
            played: samples_to_duration(it.played, self.input_rate),
            discarded: samples_to_duration(it.discarded, self.input_rate),
        })
    }

    /// Ring position of the `k`-th input sample after the resampler's current position.
    fn ring_map(&self) -> impl Fn(u64) -> u64 + use<> {
        let (base, start) = (self.ring_base + self.resampler.output_delay() as u64, self.resampler_in);
        let (from, to) = (u128::from(self.input_rate), u128::from(self.output_rate));
        move |k| base + u64::try_from(u128::from(start + k) * to / from).unwrap_or(u64::MAX)
    }

    /// Ring position after everything the resampler has produced so far.
    fn produced(&self) -> u64 {
        self.feed.written() + (self.out.len() - self.carry) as u64
    }

    /// Tops the ring up to `lead` samples. In real time the jitter buffer paces playback (padding with silence
    /// while it prebuffers or runs dry). With `fast`, only audio that is ready is moved (plus silence to push an
    /// item's tail out of the resampler), so an idle speaker writes nothing. Returns whether anything moved.
    pub(crate) fn pump(&mut self, lead: usize, fast: bool) -> Result<bool> {
        let mut moved = false;
        loop {
            if self.carry < self.out.len() {
                self.carry += self.feed.push(&self.out[self.carry..]);
                if self.carry < self.out.len() {
                    break;
                }
            }
            self.out.clear();
            self.carry = 0;
            if self.feed.buffered() >= lead {
                break;
            }
            let (count, from_jitter) = if fast {
                let ready = self.jitter.ready_len().min(self.block.len());
                if ready > 0 {
                    (ready, true)
                } else if self.items.pending_ring_end() > self.produced() {
                    (self.block.len(), false)
                } else {
                    break;
                }
            } else {
                (self.block.len(), true)
            };
            let position = self.jitter.read_position();
            let played = if from_jitter {
                self.jitter.pop(&mut self.block[..count]).played
            } else {
                self.block.fill(0.0);
                0
            };
            if played > 0 {
                let ring_of = self.ring_map();
                self.items.on_popped(position, played as u64, ring_of);
            }
            self.resampler_in += count as u64;
            self.resampler.process(&self.block[..count], &mut self.out)?;
            self.meter.push(&self.out);
            moved = true;
        }
        self.items.settle(self.feed.read_position(), self.jitter.read_position());
        Ok(moved)
    }

    /// Hands the output ring to a new device callback; see [`OutputFeed::reattach`].
    pub(crate) fn reattach(&mut self, channels: usize) -> Option<OutputCallback> {
        self.feed.reattach(channels)
    }

    /// The device side's counters.
    pub(crate) fn device_counters(&self) -> OutputCounters {
        self.feed.counters()
    }

    /// Everything pushed has been played (or discarded).
    pub(crate) fn is_idle(&self) -> bool {
        self.jitter.is_empty() && self.items.pending_ring_end() <= self.feed.read_position()
    }

    pub(super) fn stats(&self) -> PlaybackStats {
        let buffered_in = samples_to_duration(self.jitter.len() as u64, self.input_rate);
        let buffered_out = samples_to_duration(self.feed.buffered() as u64, self.output_rate);
        PlaybackStats {
            jitter: self.jitter.stats(),
            device: self.feed.counters(),
            ignored: self.ignored,
            barge_ins: self.barge_ins,
            prebuffer_target: samples_to_duration(self.jitter.target() as u64, self.input_rate),
            buffered: buffered_in + buffered_out,
        }
    }

    /// Samples of `item_id` the device has played.
    pub(super) fn played(&self, item_id: &str) -> Option<u64> {
        self.items.played(item_id, self.feed.read_position())
    }

    /// The item being heard (or next) and the samples of it played.
    pub(super) fn now_playing(&self) -> Option<(String, u64)> {
        let (id, played) = self.items.current(self.feed.read_position(), self.jitter.read_position())?;
        Some((id.to_owned(), played))
    }

    /// The level of the last 50 ms sent towards the device.
    pub(super) fn level(&self) -> Level {
        self.meter.level()
    }
}
