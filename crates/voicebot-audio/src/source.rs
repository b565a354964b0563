//! The [`AudioSource`] seam: microphone frames at the rate and chunk size the pipeline asks for.
//!
//! Every source delivers [`AudioFrame`]s through a bounded queue. A source never waits for its reader: when the
//! queue is full the frame is dropped and counted (a live microphone cannot pause), and the gap shows in
//! [`AudioFrame::sequence`]. What the reader does with a frame (upload it, route it to another session, or drop
//! it while another voice speaks) is its own business.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::frame::{AudioFrame, duration_to_samples, f32_to_pcm16, samples_to_duration};

/// A boxed future, so the seam stays object safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where microphone audio comes from: a WAV file or a device.
pub trait AudioSource: Send + fmt::Debug {
    /// The next frame; `None` once the source has stopped for good (the file source with
    /// [`AfterEnd::Close`](crate::AfterEnd::Close) after its last frame, or a device that failed).
    ///
    /// Cancel-safe: a frame is never lost when the future is dropped, so it can sit in a `select!` loop.
    fn next_frame(&mut self) -> BoxFuture<'_, Option<AudioFrame>>;

    /// The rate and chunk of the frames.
    fn config(&self) -> MicConfig;

    /// Counters so far.
    fn stats(&self) -> SourceStats;
}

/// What a source delivers: mono PCM16 at `rate_hz`, `chunk` at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MicConfig {
    /// The protocol rate: 16 kHz for Gemini, 24 kHz for OpenAI.
    pub rate_hz: u32,
    /// Length of one frame (`CHUNK_MS`, 20 ms by default).
    pub chunk: Duration,
    /// Frames the queue holds before new ones are dropped (default 50, one second of 20 ms frames).
    pub queue_frames: usize,
}

impl MicConfig {
    /// 20 ms frames at `rate_hz`, with a one-second queue.
    #[must_use]
    pub fn new(rate_hz: u32) -> Self {
        Self { rate_hz, chunk: Duration::from_millis(20), queue_frames: 50 }
    }

    /// The same with another chunk length.
    #[must_use]
    pub fn with_chunk(self, chunk: Duration) -> Self {
        Self { chunk, ..self }
    }

    /// Samples per frame; fails when that is zero.
    pub(crate) fn chunk_samples(&self) -> Result<usize> {
        match duration_to_samples(self.chunk, self.rate_hz) {
            0 => Err(Error::Config { reason: "a microphone frame must hold at least one sample" }),
            samples => Ok(samples),
        }
    }
}

/// Counters of a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Frames put in the queue.
    pub frames: u64,
    /// Frames dropped because the queue was full (the reader fell behind).
    pub dropped_frames: u64,
    /// Device callbacks that lost samples because the worker fell behind (device sources only).
    pub device_overruns: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    frames: AtomicU64,
    dropped: AtomicU64,
    device_overruns: AtomicU64,
}

/// The producing end of a source's queue: stamps, sequences and counts frames.
#[derive(Debug)]
pub(crate) struct FrameSender {
    tx: mpsc::Sender<AudioFrame>,
    counters: Arc<Counters>,
    rate_hz: u32,
    chunk_samples: usize,
    sequence: u64,
}

/// The consuming end of a source's queue.
#[derive(Debug)]
pub(crate) struct FrameReceiver {
    rx: mpsc::Receiver<AudioFrame>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) config: MicConfig,
}

pub(crate) fn frame_queue(config: MicConfig) -> Result<(FrameSender, FrameReceiver)> {
    let chunk_samples = config.chunk_samples()?;
    let (tx, rx) = mpsc::channel(config.queue_frames.max(1));
    let counters = Arc::new(Counters::default());
    let sender = FrameSender {
        tx,
        counters: Arc::clone(&counters),
        rate_hz: config.rate_hz,
        chunk_samples,
        sequence: 0,
    };
    Ok((sender, FrameReceiver { rx, counters, config }))
}

impl FrameSender {
    pub(crate) fn chunk_samples(&self) -> usize {
        self.chunk_samples
    }

    fn frame(&mut self, samples: &[f32]) -> AudioFrame {
        let mut pcm = vec![0_i16; self.chunk_samples];
        f32_to_pcm16(samples, &mut pcm);
        let sequence = self.sequence;
        self.sequence += 1;
        let timestamp = samples_to_duration(sequence * self.chunk_samples as u64, self.rate_hz);
        AudioFrame { samples: pcm, rate_hz: self.rate_hz, timestamp, sequence }
    }

    /// Queues a frame (zero-padded to a full chunk) without waiting; a full queue drops it and counts it.
    /// Returns false once the reader is gone.
    pub(crate) fn send_now(&mut self, samples: &[f32]) -> bool {
        let frame = self.frame(samples);
        match self.tx.try_send(frame) {
            Ok(()) => {
                self.counters.frames.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Queues a frame, waiting for room. Returns false once the reader is gone.
    pub(crate) async fn send_wait(&mut self, samples: &[f32]) -> bool {
        let frame = self.frame(samples);
        let sent = self.tx.send(frame).await.is_ok();
        if sent {
            self.counters.frames.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }

    /// Publishes the device's overrun count (device sources).
    pub(crate) fn set_device_overruns(&self, overruns: u64) {
        self.counters.device_overruns.store(overruns, Ordering::Relaxed);
    }

    /// Resolves when the reader is gone.
    pub(crate) async fn closed(&self) {
        self.tx.closed().await;
    }
}

impl FrameReceiver {
    pub(crate) fn next_frame(&mut self) -> BoxFuture<'_, Option<AudioFrame>> {
        Box::pin(self.rx.recv())
    }

    pub(crate) fn stats(&self) -> SourceStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        SourceStats {
            frames: load(&self.counters.frames),
            dropped_frames: load(&self.counters.dropped),
            device_overruns: load(&self.counters.device_overruns),
        }
    }
}

/// Cuts a stream of `f32` samples into frames for a [`FrameSender`] (device sources).
#[derive(Debug)]
pub(crate) struct Chunker {
    pending: Vec<f32>,
}

impl Chunker {
    pub(crate) fn new(chunk_samples: usize) -> Self {
        Self { pending: Vec::with_capacity(chunk_samples * 4) }
    }

    /// Appends `samples` and sends every complete frame; returns false once the reader is gone.
    pub(crate) fn push(&mut self, samples: &[f32], sender: &mut FrameSender) -> bool {
        self.pending.extend_from_slice(samples);
        let chunk = sender.chunk_samples();
        let mut start = 0;
        let mut open = true;
        while open && self.pending.len() - start >= chunk {
            open = sender.send_now(&self.pending[start..start + chunk]);
            start += chunk;
        }
        self.pending.drain(..start);
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_are_stamped_on_the_sample_clock_and_drops_are_counted() {
        let config = MicConfig { queue_frames: 2, ..MicConfig::new(16_000) };
        let (mut sender, mut receiver) = frame_queue(config).unwrap();
        let mut chunker = Chunker::new(sender.chunk_samples());
        assert!(chunker.push(&[0.5; 700], &mut sender), "two frames and 60 samples pending");
        assert!(chunker.push(&[0.5; 300], &mut sender), "a third frame: dropped, the queue holds two");
        let first = receiver.next_frame().await.unwrap();
        let second = receiver.next_frame().await.unwrap();
        assert_eq!((first.sequence, first.timestamp), (0, Duration::ZERO));
        assert_eq!((second.sequence, second.timestamp), (1, Duration::from_millis(20)));
        assert_eq!(first.samples.len(), 320);
        assert_eq!(receiver.stats(), SourceStats { frames: 2, dropped_frames: 1, device_overruns: 0 });
        drop(receiver);
        assert!(!chunker.push(&[0.0; 320], &mut sender), "the reader is gone");
    }

    #[test]
    fn a_chunk_shorter_than_a_sample_is_an_error() {
        let config = MicConfig::new(16_000).with_chunk(Duration::from_micros(10));
        assert!(matches!(frame_queue(config), Err(Error::Config { .. })));
    }
}
