//! The speaker engine shared by every sink: jitter buffer, resampler, output ring and playback cursor.
//!
//! [`Speaker`] is the handle the pipeline holds. Pushing audio only copies it into the jitter buffer; a *pump*
//! (a worker thread for a device, the clock task for a WAV or memory sink) moves it on: pops the jitter buffer in
//! 10 ms blocks, resamples to the device rate and keeps the output ring topped up. The device callback (or the
//! sink clock) takes samples out of the ring and publishes how far it has read; the cursor of each item is
//! computed from that read position, so it counts only audio the device actually consumed.

mod engine;
mod items;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};

pub(crate) use engine::Engine;

use crate::error::Result;
use crate::frame::samples_to_duration;
use crate::jitter::{JitterConfig, JitterStats};
use crate::level::Level;
use crate::rt::{OutputCallback, OutputCounters, OutputFeed};

/// Settings of a speaker: the jitter buffer, which also fixes the rate of the audio pushed (24 kHz by default).
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerConfig {
    /// Jitter buffer settings; `jitter.sample_rate_hz` is the rate of the PCM16 pushed into the speaker.
    pub jitter: JitterConfig,
}

impl SpeakerConfig {
    /// Defaults for audio pushed at `input_rate_hz`: 100 ms prebuffer, and room for two minutes of audio
    /// (providers send speech faster than real time, so the queue must hold a whole answer).
    #[must_use]
    pub fn new(input_rate_hz: u32) -> Self {
        let mut jitter = JitterConfig::new(input_rate_hz);
        jitter.capacity = Duration::from_secs(120);
        Self { jitter }
    }

    /// The rate of the audio pushed into the speaker.
    pub fn input_rate_hz(&self) -> u32 {
        self.jitter.sample_rate_hz
    }
}

impl Default for SpeakerConfig {
    /// 24 kHz input, the rate both providers send.
    fn default() -> Self {
        Self::new(24_000)
    }
}

/// What [`Speaker::barge_in`] interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BargeIn {
    /// The item that was being heard (or was next), e.g. to truncate it on the server.
    pub item_id: String,
    /// How much of it the device actually played (the truncation point).
    pub played: Duration,
    /// Audio of every interrupted item that was queued but will never be played.
    pub discarded: Duration,
}

/// Counters of a speaker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlaybackStats {
    /// The jitter buffer's counters (input-rate samples): `underruns` are the stream running dry mid-item,
    /// `dropped` are overruns (the queue was full and the oldest audio was dropped).
    pub jitter: JitterStats,
    /// The device side (device-rate frames): callbacks that found the ring short count as underruns.
    pub device: OutputCounters,
    /// Input samples dropped because they belonged to an item that had ended or been interrupted.
    pub ignored: u64,
    /// Barge-ins so far.
    pub barge_ins: u64,
    /// The jitter buffer's current prebuffer target.
    pub prebuffer_target: Duration,
    /// Audio queued and not yet played (jitter buffer and output ring).
    pub buffered: Duration,
}

impl PlaybackStats {
    /// Underruns of either kind: the stream ran dry mid-item, or the device callback found the ring short.
    pub fn underruns(&self) -> u64 {
        self.jitter.underruns + self.device.underruns
    }

    /// Input samples lost because the queue was full.
    pub fn overruns(&self) -> u64 {
        self.jitter.dropped
    }
}

#[derive(Debug)]
struct Inner {
    engine: Mutex<Engine>,
    idle: watch::Sender<bool>,
    wake: Notify,
    input_rate: u32,
    output_rate: u32,
}

/// The speaker handle: push model audio per item, mark ends, barge in, read the playback cursor.
///
/// Cheap to clone; every clone drives the same speaker. It is made by a sink ([`WavSink`](crate::WavSink),
/// [`MemorySink`](crate::MemorySink), [`NullSink`](crate::NullSink), or `CpalSink` with the `device` feature),
/// which owns the clock or device that consumes the audio. Methods never block on the device and never await:
/// they take a short lock shared with the pump, never with the device callback.
#[derive(Debug, Clone)]
pub struct Speaker {
    inner: Arc<Inner>,
}

impl Speaker {
    pub(crate) fn new(config: &SpeakerConfig, output_rate: u32, feed: OutputFeed) -> Result<Self> {
        let engine = Engine::new(config, output_rate, feed)?;
        let (idle, _) = watch::channel(true);
        Ok(Self {
            inner: Arc::new(Inner {
                engine: Mutex::new(engine),
                idle,
                wake: Notify::new(),
                input_rate: config.input_rate_hz(),
                output_rate,
            }),
        })
    }

    pub(crate) fn engine(&self) -> MutexGuard<'_, Engine> {
        self.inner.engine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish(&self, idle: bool) {
        self.inner.idle.send_if_modified(|current| std::mem::replace(current, idle) != idle);
    }

    /// Runs [`Engine::pump`] and publishes whether the speaker is now idle, under the same lock as pushes so an
    /// idle report can never overwrite a newer push.
    pub(crate) fn pump(&self, lead: usize, fast: bool) -> Result<bool> {
        let mut engine = self.engine();
        let moved = engine.pump(lead, fast);
        self.publish(engine.is_idle());
        moved
    }

    /// Hands the output ring to a new device callback (a reopened stream); see
    /// [`OutputFeed::reattach`](crate::rt::OutputFeed::reattach).
    pub(crate) fn reattach(&self, channels: usize) -> Option<OutputCallback> {
        self.engine().reattach(channels)
    }

    /// The device side's counters.
    pub(crate) fn device_counters(&self) -> OutputCounters {
        self.engine().device_counters()
    }

    /// Resolves when audio was pushed or an item ended (for pumps that sleep while idle).
    pub(crate) async fn woken(&self) {
        self.inner.wake.notified().await;
    }

    fn changed(&self, engine: &Engine) {
        self.publish(engine.is_idle());
        self.inner.wake.notify_one();
    }

    /// The rate of the PCM16 this speaker takes.
    pub fn input_rate_hz(&self) -> u32 {
        self.inner.input_rate
    }

    /// The rate the device (or sink clock) plays at.
    pub fn output_rate_hz(&self) -> u32 {
        self.inner.output_rate
    }

    /// Queues mono PCM16 at [`input_rate_hz`](Speaker::input_rate_hz) for `item_id`.
    ///
    /// Audio for a new id ends the previous item. Audio for an item that has ended or was interrupted by a
    /// barge-in is dropped and counted in [`PlaybackStats::ignored`], so late deltas of a cancelled response
    /// are never heard. Playback starts once the prebuffer is filled or the item is ended.
    pub fn push(&self, item_id: &str, samples: &[i16]) {
        let mut engine = self.engine();
        engine.push(item_id, samples);
        self.changed(&engine);
    }

    /// Marks the end of `item_id`'s audio: it plays out even below the prebuffer, without an underrun.
    /// Ignored unless `item_id` is the newest item and still open.
    pub fn end_item(&self, item_id: &str) {
        let mut engine = self.engine();
        engine.end_item(item_id);
        self.changed(&engine);
    }

    /// Stops playback at once: flushes the jitter buffer and the output ring (through the flush epoch the
    /// device callback checks) and returns the item being heard and how much of it was played.
    ///
    /// `None` when nothing was queued or playing. Every unfinished item is interrupted, and later audio for it
    /// is ignored. The cursor is read before the flush reaches the device, so audio the callback was copying at
    /// that moment (at most one device buffer) can be missing from `played`.
    pub fn barge_in(&self) -> Option<BargeIn> {
        let mut engine = self.engine();
        let barge_in = engine.barge_in();
        self.changed(&engine);
        barge_in
    }

    /// How much of `item_id` the device has consumed so far; `None` for an item this speaker has not seen
    /// (or forgot: it keeps the last 32 finished items).
    pub fn cursor(&self, item_id: &str) -> Option<Duration> {
        let engine = self.engine();
        let played = engine.played(item_id)?;
        Some(samples_to_duration(played, self.inner.input_rate))
    }

    /// The item being heard now (or next, if still prebuffering) and its cursor.
    pub fn now_playing(&self) -> Option<(String, Duration)> {
        let engine = self.engine();
        let (id, played) = engine.now_playing()?;
        Some((id, samples_to_duration(played, self.inner.input_rate)))
    }

    /// Whether everything pushed so far has been played or discarded.
    pub fn is_idle(&self) -> bool {
        self.engine().is_idle()
    }

    /// Resolves once everything pushed so far has been played or discarded.
    ///
    /// End the last item first ([`end_item`](Speaker::end_item)): audio below the prebuffer target of an open
    /// item waits for more. Cancel-safe; resolves at once when idle.
    pub fn drained(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut idle = self.inner.idle.subscribe();
        async move {
            let _closed = idle.wait_for(|idle| *idle).await;
        }
    }

    /// Counters: underruns, overruns, what was pushed, played, padded, flushed and ignored.
    pub fn stats(&self) -> PlaybackStats {
        self.engine().stats()
    }

    /// The level of the last 50 ms sent towards the device.
    pub fn level(&self) -> Level {
        self.engine().level()
    }
}
