//! [`OutputDevice`], the seam to a speaker, and [`DeviceSink`], the sink that keeps one playing.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::{DeviceStats, Link, OpenedDevice, Status, StreamErrors, Worker};
use crate::error::{Error, Result};
use crate::frame::duration_to_samples;
use crate::playback::{Speaker, SpeakerConfig};
use crate::rt::{OutputCallback, output_ring};
use crate::sink::AudioSink;

/// How much audio the worker keeps in the output ring ahead of the device (the latency the ring adds).
const RING_LEAD: Duration = Duration::from_millis(40);
/// How often the worker tops the ring up and looks at the stream.
const PUMP_EVERY: Duration = Duration::from_millis(2);
/// How often a new callback is asked for while the retired one is inside its `fill` (each try is a CAS).
const REATTACH_TRIES: usize = 10_000;

/// Something that opens output streams: a cpal device, or a [`FakeOutput`](crate::fake::FakeOutput).
///
/// A stream is opened in two steps, so that the ring is built for the stream's channel count: [`prepare`]
/// finds the device and chooses the format, then [`start`] builds and starts the stream. Both run on the
/// sink's worker, never in a callback.
///
/// [`prepare`]: OutputDevice::prepare
/// [`start`]: OutputDevice::start
pub trait OutputDevice: Send + 'static {
    /// What keeps a stream playing; dropping it stops the stream.
    type Stream: 'static;

    /// Finds the device and chooses the stream's format. `rate_hz` is `None` for the first stream (the device
    /// chooses) and the speaker's rate for a reopened one: a device that cannot run at it fails the attempt.
    fn prepare(&mut self, rate_hz: Option<u32>) -> Result<OpenedDevice>;

    /// Builds and starts the stream prepared last. Its data callback must run only
    /// [`OutputCallback::fill`] on a callback taken from `callback` (call it once per stream built; again if a
    /// build is retried), and its error callback only [`StreamErrors::report`].
    fn start(
        &mut self,
        callback: &mut dyn FnMut() -> Result<OutputCallback>,
        errors: &StreamErrors,
    ) -> Result<Self::Stream>;

    /// Stops a stream the worker gives up on (it failed, or the worker is stopping). The default drops it at
    /// once; a backend whose streams can block when dropped drops them elsewhere, so the worker never waits.
    fn close(&mut self, stream: Self::Stream) {
        drop(stream);
    }
}

/// A speaker on an [`OutputDevice`], whose stream is opened again when it fails (see the
/// [module docs](crate::stream)).
///
/// A worker pumps the speaker (jitter buffer, resampling to the device rate) every 2 ms, keeps 40 ms in the output
/// ring and watches the stream. The [`Speaker`] stays the same across reopened streams, and so do its cursor
/// and counters. Dropping the sink stops the stream and the worker.
pub struct DeviceSink {
    speaker: Speaker,
    status: Arc<Status>,
    _worker: Worker,
}

impl fmt::Debug for DeviceSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSink")
            .field("opened", &self.status.opened())
            .field("speaker", &self.speaker)
            .finish_non_exhaustive()
    }
}

impl DeviceSink {
    /// Opens a stream on `device` and plays the speaker through it, pumped by a task on the current tokio
    /// runtime (on paused time in tests). Fails when there is no runtime or the first stream cannot be opened.
    pub fn start<D>(device: D, config: &SpeakerConfig) -> Result<Self>
    where
        D: OutputDevice,
        D::Stream: Send,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let run = Run::open(device, config)?;
        let (speaker, status) = (run.speaker.clone(), run.link.status());
        let stop = CancellationToken::new();
        runtime.spawn(run.run(stop.clone()));
        Ok(Self { speaker, status, _worker: Worker::Task { _stop: stop.drop_guard() } })
    }

    /// Like [`start`](DeviceSink::start), with the stream and the worker on a thread of their own named
    /// `thread` (cpal streams are not `Send` on every platform); needs no runtime.
    #[cfg(feature = "device")]
    pub(crate) fn on_thread<D: OutputDevice>(
        device: D,
        config: &SpeakerConfig,
        thread: &str,
    ) -> Result<Self> {
        use crate::device::DeviceError;

        let config = config.clone();
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
                        let run = Run::open(device, &config)?;
                        Ok((runtime, run))
                    });
                    match opened {
                        Ok((runtime, run)) => {
                            let _sent = ready_tx.send(Ok((run.speaker.clone(), run.link.status())));
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
        let (speaker, status) = ready_rx.recv().map_err(|_| stopped())??;
        Ok(Self { speaker, status, _worker: worker })
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

impl AudioSink for DeviceSink {
    fn speaker(&self) -> &Speaker {
        &self.speaker
    }

    fn device_stats(&self) -> Option<DeviceStats> {
        Some(DeviceSink::device_stats(self))
    }
}

/// The worker: the device, the speaker it plays and the link watching the stream.
struct Run<D: OutputDevice> {
    device: D,
    speaker: Speaker,
    link: Link<D::Stream>,
    rate_hz: u32,
    lead: usize,
}

impl<D: OutputDevice> Run<D> {
    /// Opens the first stream (the device chooses the rate) and builds the speaker for it.
    fn open(mut device: D, config: &SpeakerConfig) -> Result<Self> {
        let opened = device.prepare(None)?;
        let (rate_hz, channels) = (opened.rate_hz, usize::from(opened.channels));
        let lead = duration_to_samples(RING_LEAD, rate_hz);
        let (mut feed, first) = output_ring((rate_hz as usize / 4).max(1024), channels);
        // Silence ahead of the first callbacks: some hosts call the data callback while the stream is built.
        feed.push(&vec![0.0; lead]);
        let speaker = Speaker::new(config, rate_hz, feed)?;
        let name = opened.name.clone();
        let (mut link, errors) = Link::first(opened);
        let mut first = Some(first);
        let stream = device.start(
            &mut || match first.take() {
                Some(callback) => Ok(callback),
                None => reattach(&speaker, channels, &name),
            },
            &errors,
        )?;
        link.started(stream, speaker.device_counters().callbacks);
        speaker.pump(lead, false)?;
        Ok(Self { device, speaker, link, rate_hz, lead })
    }

    async fn run(mut self, stop: CancellationToken) {
        let mut tick = tokio::time::interval(PUMP_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                () = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            if self.speaker.pump(self.lead, false).is_err() {
                break;
            }
            let now = Instant::now();
            if let Some(stream) = self.link.check(now, self.speaker.device_counters().callbacks) {
                self.device.close(stream);
            }
            if self.link.due(now) {
                self.reopen(now);
            }
        }
        if let Some(stream) = self.link.shut() {
            self.device.close(stream);
        }
    }

    /// One attempt to open the stream again, at the speaker's rate.
    fn reopen(&mut self, now: Instant) {
        let errors = self.link.next_errors();
        let (device, speaker, rate_hz) = (&mut self.device, &self.speaker, self.rate_hz);
        let attempt = device.prepare(Some(rate_hz)).and_then(|opened| {
            if opened.rate_hz != rate_hz {
                return Err(Error::StreamOpen {
                    device: opened.name,
                    reason: format!("it runs at {} Hz and the speaker at {rate_hz} Hz", opened.rate_hz),
                });
            }
            let channels = usize::from(opened.channels);
            let stream = device.start(&mut || reattach(speaker, channels, &opened.name), &errors)?;
            Ok((stream, opened))
        });
        match attempt {
            Ok((stream, opened)) => self.link.reopened(stream, opened, errors, now),
            Err(_) => self.link.failed(now),
        }
    }
}

/// A callback for a reopened stream, asked for again while the retired one is inside its `fill`.
fn reattach(speaker: &Speaker, channels: usize, device: &str) -> Result<OutputCallback> {
    for _ in 0..REATTACH_TRIES {
        if let Some(callback) = speaker.reattach(channels) {
            return Ok(callback);
        }
        std::hint::spin_loop();
    }
    Err(Error::StreamOpen {
        device: device.to_owned(),
        reason: "the previous stream's callback is still running".to_owned(),
    })
}
