//! [`InputDevice`], the seam to a microphone, and [`DeviceSource`], the source that keeps one capturing.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::{DeviceStats, Link, OpenedDevice, Status, StreamErrors, Worker};
use crate::error::{Error, Result};
use crate::frame::AudioFrame;
use crate::resample::Resampler;
use crate::rt::{InputCallback, InputDrain, input_ring};
use crate::source::{
    AudioSource, BoxFuture, Chunker, FrameReceiver, FrameSender, MicConfig, SourceStats, frame_queue,
};

/// How often the worker drains the input ring and looks at the stream.
const DRAIN_EVERY: Duration = Duration::from_millis(5);

/// Something that opens input streams: a cpal device, or a [`FakeInput`](crate::fake::FakeInput).
///
/// As for [`OutputDevice`](super::OutputDevice): [`prepare`](InputDevice::prepare) finds the device and chooses
/// the format, [`start`](InputDevice::start) builds and starts the stream, both on the source's worker.
pub trait InputDevice: Send + 'static {
    /// What keeps a stream capturing; dropping it stops the stream.
    type Stream: 'static;

    /// Finds the device and chooses the stream's format. `rate_hz` is `None` for the first stream (the device
    /// chooses) and the first stream's rate for a reopened one: a device that cannot run at it fails the attempt.
    fn prepare(&mut self, rate_hz: Option<u32>) -> Result<OpenedDevice>;

    /// Builds and starts the stream prepared last. Its data callback must run only
    /// [`InputCallback::capture`] on a callback taken from `callback` (call it once per stream built; again if a
    /// build is retried), and its error callback only [`StreamErrors::report`].
    fn start(
        &mut self,
        callback: &mut dyn FnMut() -> InputCallback,
        errors: &StreamErrors,
    ) -> Result<Self::Stream>;

    /// Stops a stream the worker gives up on (it failed, or the worker is stopping). The default drops it at
    /// once; a backend whose streams can block when dropped drops them elsewhere, so the worker never waits.
    fn close(&mut self, stream: Self::Stream) {
        drop(stream);
    }
}

/// A microphone on an [`InputDevice`], whose stream is opened again when it fails (see the
/// [module docs](crate::stream)): mono PCM16 frames at the [`MicConfig`] rate.
///
/// The device callback downmixes into a ring; a worker drains it every 5 ms, resamples to the requested rate and
/// cuts frames. While no stream is open no frames arrive; frames after a reopen continue the sequence numbers and
/// timestamps (which count delivered audio, so the gap does not show in them). Dropping the source stops the
/// stream and the worker.
pub struct DeviceSource {
    frames: FrameReceiver,
    status: Arc<Status>,
    _worker: Worker,
}

impl fmt::Debug for DeviceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSource").field("opened", &self.status.opened()).finish_non_exhaustive()
    }
}

impl DeviceSource {
    /// Opens a stream on `device` and captures from it, drained by a task on the current tokio runtime (on paused
    /// time in tests). Fails when there is no runtime or the first stream cannot be opened.
    pub fn start<D>(device: D, config: MicConfig) -> Result<Self>
    where
        D: InputDevice,
        D::Stream: Send,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let (frames, run) = Run::open(device, config)?;
        let status = run.link.status();
        let stop = CancellationToken::new();
        runtime.spawn(run.run(stop.clone()));
        Ok(Self { frames, status, _worker: Worker::Task { _stop: stop.drop_guard() } })
    }

    /// Like [`start`](DeviceSource::start), with the stream and the worker on a thread of their own named
    /// `thread`; needs no runtime.
    #[cfg(feature = "device")]
    pub(crate) fn on_thread<D: InputDevice>(device: D, config: MicConfig, thread: &str) -> Result<Self> {
        use crate::device::DeviceError;

        let stop = CancellationToken::new();
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        let worker = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(thread.to_owned())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_time()
                        .build()
                        .map_err(|error| Error::Device(DeviceError::Worker(error)));
                    let opened = runtime.and_then(|runtime| {
                        let _entered = runtime.enter();
                        let (frames, run) = Run::open(device, config)?;
                        Ok((runtime, frames, run))
                    });
                    match opened {
                        Ok((runtime, frames, run)) => {
                            let _sent = ready_tx.send(Ok((frames, run.link.status())));
                            runtime.block_on(run.run(stop));
                        }
                        Err(error) => {
                            let _sent = ready_tx.send(Err(error));
                        }
                    }
                })
                .map_err(DeviceError::Worker)?
        };
        let worker = Worker::Thread { stop, thread: Some(worker) };
        let stopped = || {
            let error = std::io::Error::other("the audio worker stopped before the stream was opened");
            Error::Device(DeviceError::Worker(error))
        };
        let (frames, status) = ready_rx.recv().map_err(|_| stopped())??;
        Ok(Self { frames, status, _worker: worker })
    }

    /// The device and format of the stream open now (or last).
    pub fn opened(&self) -> OpenedDevice {
        self.status.opened()
    }

    /// What happened to the device's streams: errors, reopens, failed attempts.
    pub fn device_stats(&self) -> DeviceStats {
        self.status.stats()
    }
}

impl AudioSource for DeviceSource {
    fn next_frame(&mut self) -> BoxFuture<'_, Option<AudioFrame>> {
        self.frames.next_frame()
    }

    fn config(&self) -> MicConfig {
        self.frames.config
    }

    fn stats(&self) -> SourceStats {
        self.frames.stats()
    }
}

/// The worker: the device, the ring of the stream open now, and the frames it cuts.
struct Run<D: InputDevice> {
    device: D,
    link: Link<D::Stream>,
    drain: Option<InputDrain>,
    rate_hz: u32,
    resampler: Resampler,
    chunker: Chunker,
    sender: FrameSender,
    /// Overruns of the rings of earlier streams.
    earlier_overruns: u64,
}

impl<D: InputDevice> Run<D> {
    /// Opens the first stream (the device chooses the rate).
    fn open(mut device: D, config: MicConfig) -> Result<(FrameReceiver, Self)> {
        let opened = device.prepare(None)?;
        let (rate_hz, channels) = (opened.rate_hz, usize::from(opened.channels));
        let resampler = Resampler::new(rate_hz, config.rate_hz)?;
        let (sender, frames) = frame_queue(config)?;
        let (mut link, errors) = Link::first(opened);
        let mut drain = None;
        let stream = device.start(&mut || new_ring(rate_hz, channels, &mut drain), &errors)?;
        link.started(stream, 0);
        let chunker = Chunker::new(sender.chunk_samples());
        let run = Self { device, link, drain, rate_hz, resampler, chunker, sender, earlier_overruns: 0 };
        Ok((frames, run))
    }

    async fn run(mut self, stop: CancellationToken) {
        let mut tick = tokio::time::interval(DRAIN_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut captured = Vec::new();
        let mut resampled = Vec::new();
        loop {
            tokio::select! {
                biased;
                () = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            let now = Instant::now();
            let progress = self.drain.as_ref().map_or(0, |drain| drain.counters().callbacks);
            if let Some(stream) = self.link.check(now, progress) {
                self.device.close(stream);
            }
            captured.clear();
            resampled.clear();
            let mut overruns = self.earlier_overruns;
            if let Some(drain) = &mut self.drain {
                drain.drain_into(&mut captured);
                overruns += drain.counters().overruns;
                if !self.link.is_open() {
                    // The stream was torn down: what it captured last is drained above; its ring goes with it.
                    self.earlier_overruns = overruns;
                    self.drain = None;
                }
            }
            self.sender.set_device_overruns(overruns);
            if self.resampler.process(&captured, &mut resampled).is_err()
                || !self.chunker.push(&resampled, &mut self.sender)
            {
                break;
            }
            if self.link.due(now) {
                self.reopen(now);
            }
        }
        if let Some(stream) = self.link.shut() {
            self.device.close(stream);
        }
    }

    /// One attempt to open the stream again, at the first stream's rate.
    fn reopen(&mut self, now: Instant) {
        let errors = self.link.next_errors();
        let rate_hz = self.rate_hz;
        let mut drain = None;
        let device = &mut self.device;
        let attempt = device.prepare(Some(rate_hz)).and_then(|opened| {
            if opened.rate_hz != rate_hz {
                return Err(Error::StreamOpen {
                    device: opened.name,
                    reason: format!(
                        "it runs at {} Hz and the microphone ran at {rate_hz} Hz",
                        opened.rate_hz
                    ),
                });
            }
            let channels = usize::from(opened.channels);
            let stream = device.start(&mut || new_ring(rate_hz, channels, &mut drain), &errors)?;
            Ok((stream, opened))
        });
        match (attempt, drain) {
            (Ok((stream, opened)), Some(drain)) => {
                self.drain = Some(drain);
                self.link.reopened(stream, opened, errors, now);
            }
            _ => self.link.failed(now),
        }
    }
}

/// A ring for a new stream (half a second of audio); its drain replaces any earlier one in `drain`.
fn new_ring(rate_hz: u32, channels: usize, drain: &mut Option<InputDrain>) -> InputCallback {
    let (callback, new_drain) = input_ring((rate_hz as usize / 2).max(1024), channels);
    *drain = Some(new_drain);
    callback
}
