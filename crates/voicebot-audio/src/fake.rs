//! Fake devices: streams that run the callback bodies on a tokio clock and fail when told to, so that what a
//! failing speaker or microphone does to a pipeline can be tested without a sound card (and on paused time).
//!
//! [`FakeOutput`] is an [`OutputDevice`] and [`FakeInput`] an [`InputDevice`]; give them to
//! [`DeviceSink::start`](crate::stream::DeviceSink::start) or
//! [`DeviceSource::start`](crate::stream::DeviceSource::start) and keep a clone to control them. Every stream they
//! open calls its callback body every 10 ms of tokio time from a task, like the sink clock does. They can be told to
//! [`lose_stream`](FakeOutput::lose_stream) (report [`StreamErrorKind::Lost`] and stop calling back, like a device
//! that was unplugged), [`glitch`](FakeOutput::glitch) (report [`StreamErrorKind::Glitch`] and go on),
//! [`refuse_opens`](FakeOutput::refuse_opens) (fail the next attempts to open a stream), or stall through their
//! [`StallSwitch`] (stop calling back without reporting anything). They record when each attempt to open a stream
//! was made.
//!
//! ```
//! # use std::time::Duration;
//! # use voicebot_audio::{AudioSink, SpeakerConfig};
//! # use voicebot_audio::fake::FakeOutput;
//! # use voicebot_audio::stream::DeviceSink;
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> voicebot_audio::Result<()> {
//! let device = FakeOutput::new(48_000, 2);
//! let sink = DeviceSink::start(device.clone(), &SpeakerConfig::default())?;
//! device.lose_stream();
//! tokio::time::sleep(Duration::from_millis(100)).await;
//! assert_eq!(sink.device_stats().reopens, 1);
//! assert_eq!(device.streams_opened(), 2);
//! # Ok(())
//! # }
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::error::{Error, Result};
use crate::frame::duration_to_samples;
use crate::rt::{InputCallback, OutputCallback};
use crate::stall::StallSwitch;
use crate::stream::{InputDevice, OpenedDevice, OutputDevice, StreamErrorKind, StreamErrors};

/// How often a fake stream calls back.
const TICK: Duration = Duration::from_millis(10);

/// What both fakes share with their clones and streams.
#[derive(Debug)]
struct Core {
    name: &'static str,
    id: &'static str,
    rate_hz: u32,
    channels: u16,
    stall: StallSwitch,
    refuse: AtomicU64,
    /// Streams are numbered from 1; those up to this number have been lost.
    lost_upto: AtomicU64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    attempts: Vec<Instant>,
    opened: u64,
    errors: Option<StreamErrors>,
    played: Vec<f32>,
}

impl Core {
    fn new(name: &'static str, id: &'static str, rate_hz: u32, channels: u16) -> Arc<Self> {
        Arc::new(Self {
            name,
            id,
            rate_hz,
            channels: channels.max(1),
            stall: StallSwitch::new(),
            refuse: AtomicU64::new(0),
            lost_upto: AtomicU64::new(0),
            state: Mutex::default(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn prepare(&self) -> Result<OpenedDevice> {
        self.state().attempts.push(Instant::now());
        let refused =
            self.refuse.fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| left.checked_sub(1));
        if refused.is_ok() {
            return Err(Error::StreamOpen {
                device: self.name.to_owned(),
                reason: "refused (told to)".to_owned(),
            });
        }
        Ok(OpenedDevice {
            name: self.name.to_owned(),
            id: self.id.to_owned(),
            rate_hz: self.rate_hz,
            channels: self.channels,
            format: "f32".to_owned(),
        })
    }

    /// Numbers a new stream and remembers its error reporter.
    fn begin(&self, errors: &StreamErrors) -> u64 {
        let mut state = self.state();
        state.opened += 1;
        state.errors = Some(errors.clone());
        state.opened
    }

    fn report(&self, kind: StreamErrorKind) {
        if let Some(errors) = &self.state().errors {
            errors.report(kind);
        }
    }

    fn lose_stream(&self) {
        self.report(StreamErrorKind::Lost);
        let opened = self.state().opened;
        self.lost_upto.fetch_max(opened, Ordering::AcqRel);
    }

    fn is_lost(&self, stream: u64) -> bool {
        stream <= self.lost_upto.load(Ordering::Acquire)
    }

    fn tick_frames(&self) -> usize {
        duration_to_samples(TICK, self.rate_hz).max(1)
    }

    /// Starts stream number `stream`: `body` runs every tick until the stream is dropped or lost.
    fn spawn(
        self: &Arc<Self>,
        stream: u64,
        mut body: impl FnMut(&Core) + Send + 'static,
    ) -> Result<FakeStream> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let stop = CancellationToken::new();
        let (core, token) = (Arc::clone(self), stop.clone());
        runtime.spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    () = token.cancelled() => return,
                    _ = interval.tick() => {}
                }
                if core.is_lost(stream) {
                    return;
                }
                if core.stall.is_stalled() {
                    tokio::select! {
                        biased;
                        () = token.cancelled() => return,
                        () = core.stall.resumed() => {}
                    }
                    interval.reset();
                    continue;
                }
                body(&core);
            }
        });
        Ok(FakeStream { _stop: stop.drop_guard() })
    }
}

/// A stream of a fake device; dropping it stops the stream.
#[derive(Debug)]
pub struct FakeStream {
    _stop: DropGuard,
}

/// A fake speaker: its streams play the output callback body every 10 ms and record the first channel.
///
/// Clones control the same device. It needs a tokio runtime to open streams. What it plays is kept in memory
/// ([`played`](FakeOutput::played)): keep runs short.
#[derive(Debug, Clone)]
pub struct FakeOutput {
    core: Arc<Core>,
}

impl FakeOutput {
    /// A fake speaker at `rate_hz` with `channels` channels (at least one).
    #[must_use]
    pub fn new(rate_hz: u32, channels: u16) -> Self {
        Self { core: Core::new("fake output", "fake:output", rate_hz, channels) }
    }

    /// The first channel of everything its streams played, in order (device time, silence included).
    pub fn played(&self) -> Vec<f32> {
        self.core.state().played.clone()
    }
}

impl OutputDevice for FakeOutput {
    type Stream = FakeStream;

    fn prepare(&mut self, _rate_hz: Option<u32>) -> Result<OpenedDevice> {
        self.core.prepare()
    }

    fn start(
        &mut self,
        callback: &mut dyn FnMut() -> Result<OutputCallback>,
        errors: &StreamErrors,
    ) -> Result<FakeStream> {
        let mut callback = callback()?;
        let stream = self.core.begin(errors);
        let channels = usize::from(self.core.channels);
        let mut buffer = vec![0.0_f32; self.core.tick_frames() * channels];
        self.core.spawn(stream, move |core| {
            callback.fill(&mut buffer);
            let mut state = core.state();
            state.played.extend(buffer.iter().step_by(channels));
        })
    }
}

/// A fake microphone: its streams capture a 440 Hz tone at half of full scale, on every channel, every 10 ms.
///
/// Clones control the same device. It needs a tokio runtime to open streams.
#[derive(Debug, Clone)]
pub struct FakeInput {
    core: Arc<Core>,
}

impl FakeInput {
    /// A fake microphone at `rate_hz` with `channels` channels (at least one).
    #[must_use]
    pub fn new(rate_hz: u32, channels: u16) -> Self {
        Self { core: Core::new("fake input", "fake:input", rate_hz, channels) }
    }
}

impl InputDevice for FakeInput {
    type Stream = FakeStream;

    fn prepare(&mut self, _rate_hz: Option<u32>) -> Result<OpenedDevice> {
        self.core.prepare()
    }

    fn start(
        &mut self,
        callback: &mut dyn FnMut() -> InputCallback,
        errors: &StreamErrors,
    ) -> Result<FakeStream> {
        let mut callback = callback();
        let stream = self.core.begin(errors);
        let channels = usize::from(self.core.channels);
        let mut buffer = vec![0.0_f32; self.core.tick_frames() * channels];
        let step = 2.0 * std::f64::consts::PI * 440.0 / f64::from(self.core.rate_hz);
        let mut frame = 0_u64;
        self.core.spawn(stream, move |_| {
            for samples in buffer.chunks_exact_mut(channels) {
                samples.fill((0.5 * (step * frame as f64).sin()) as f32);
                frame += 1;
            }
            callback.capture(&buffer);
        })
    }
}

macro_rules! controls {
    ($($fake:ty),*) => {$(
        impl $fake {
            /// The switch that makes its streams stop calling back (without reporting anything) and resume, as
            /// a stalled device does; every call returns the same switch.
            pub fn stall_switch(&self) -> StallSwitch {
                self.core.stall.clone()
            }

            /// The stream open now reports [`StreamErrorKind::Lost`] and stops calling back, as a device that
            /// was unplugged does. Streams opened later work.
            pub fn lose_stream(&self) {
                self.core.lose_stream();
            }

            /// The stream open now reports [`StreamErrorKind::Glitch`] and goes on.
            pub fn glitch(&self) {
                self.core.report(StreamErrorKind::Glitch);
            }

            /// The next `attempts` attempts to open a stream fail (0 lets them succeed again).
            pub fn refuse_opens(&self, attempts: u64) {
                self.core.refuse.store(attempts, Ordering::Release);
            }

            /// When each attempt to open a stream was made (tokio time), the first open included.
            pub fn open_attempts(&self) -> Vec<Instant> {
                self.core.state().attempts.clone()
            }

            /// Streams opened so far.
            pub fn streams_opened(&self) -> u64 {
                self.core.state().opened
            }
        }
    )*};
}

controls!(FakeOutput, FakeInput);
