//! [`CpalSource`]: a microphone on a real input device.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use cpal::traits::{DeviceTrait, StreamTrait};

use super::{
    DeviceError, DeviceSelector, Direction, OpenedDevice, build_with_fallback, stream_config,
    with_sample_type,
};
use crate::error::Result;
use crate::frame::AudioFrame;
use crate::resample::Resampler;
use crate::rt::{InputCallback, InputDrain, input_ring};
use crate::source::{
    AudioSource, BoxFuture, Chunker, FrameReceiver, FrameSender, MicConfig, SourceStats, frame_queue,
};

/// How often the worker drains the input ring.
const DRAIN_EVERY: Duration = Duration::from_millis(5);

/// A microphone on an input device: mono PCM16 frames at the [`MicConfig`] rate.
///
/// The device callback runs [`InputCallback::capture`] (downmix into a ring); a worker thread drains the ring
/// every 5 ms, resamples to the requested rate and cuts frames. Dropping the source stops the stream and the
/// worker.
pub struct CpalSource {
    frames: FrameReceiver,
    opened: OpenedDevice,
    errors: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
    _stream: cpal::Stream,
}

impl fmt::Debug for CpalSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CpalSource").field("opened", &self.opened).finish_non_exhaustive()
    }
}

impl CpalSource {
    /// Opens the selected input device at its native format and starts capturing.
    /// `selector` is a [`DeviceSelector`] (or a reference to one), or an `Option<&str>` setting such as
    /// `INPUT_DEVICE_ID`.
    pub fn open(selector: impl Into<DeviceSelector>, config: MicConfig) -> Result<Self> {
        let direction = Direction::Input;
        let device = selector.into().resolve(direction)?;
        let (stream_config, format) = stream_config(&device, direction)?;
        let opened = OpenedDevice::new(&device, &stream_config, format);
        let rate = stream_config.sample_rate;
        let channels = usize::from(stream_config.channels);
        let resampler = Resampler::new(rate, config.rate_hz)?;
        let (sender, frames) = frame_queue(config)?;
        let errors = Arc::new(AtomicU64::new(0));
        let build = |config: cpal::StreamConfig| -> Result<(cpal::Stream, InputDrain), cpal::Error> {
            let (callback, drain) = input_ring((rate as usize / 2).max(1024), channels);
            let errors = Arc::clone(&errors);
            let on_error = move |_: cpal::Error| {
                errors.fetch_add(1, Ordering::Relaxed);
            };
            Ok((build_input(&device, config, format, callback, on_error)?, drain))
        };
        let (stream, drain) = build_with_fallback(stream_config, build)
            .map_err(|source| DeviceError::open(direction, &opened.name, source))?;
        stream.play().map_err(|source| DeviceError::open(direction, &opened.name, source))?;
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker { drain, resampler, chunker: Chunker::new(sender.chunk_samples()), sender };
        let worker = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("voicebot-mic".into())
                .spawn(move || worker.run(&stop))
                .map_err(DeviceError::Worker)?
        };
        Ok(Self { frames, opened, errors, stop, worker: Some(worker), _stream: stream })
    }

    /// The device and stream format that were opened.
    pub fn opened(&self) -> &OpenedDevice {
        &self.opened
    }

    /// Errors the stream reported so far (cpal's error callback; some hosts report harmless ones).
    pub fn stream_errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

impl AudioSource for CpalSource {
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

impl Drop for CpalSource {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(worker) = self.worker.take() {
            let _joined = worker.join();
        }
    }
}

struct Worker {
    drain: InputDrain,
    resampler: Resampler,
    chunker: Chunker,
    sender: FrameSender,
}

impl Worker {
    fn run(mut self, stop: &AtomicBool) {
        let mut captured = Vec::new();
        let mut resampled = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(DRAIN_EVERY);
            captured.clear();
            resampled.clear();
            self.drain.drain_into(&mut captured);
            let overruns = self.drain.counters().overruns;
            self.sender.set_device_overruns(overruns);
            if self.resampler.process(&captured, &mut resampled).is_err()
                || !self.chunker.push(&resampled, &mut self.sender)
            {
                break;
            }
        }
    }
}

fn build_input(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    format: cpal::SampleFormat,
    mut callback: InputCallback,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error> {
    with_sample_type!(format, T => device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _: &cpal::InputCallbackInfo| callback.capture(data),
        on_error,
        None,
    ), _ => Err(cpal::Error::new(cpal::ErrorKind::UnsupportedConfig)))
}
