//! [`CpalSink`]: a speaker on a real output device.

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
use crate::playback::{Speaker, SpeakerConfig};
use crate::rt::{OutputCallback, OutputFeed, output_ring};
use crate::sink::AudioSink;

/// How much audio the worker keeps in the output ring ahead of the device (the latency the ring adds).
const RING_LEAD: Duration = Duration::from_millis(40);
/// How often the worker tops the ring up.
const PUMP_EVERY: Duration = Duration::from_millis(2);

/// A speaker on an output device.
///
/// The device callback runs [`OutputCallback::fill`]; a worker thread pumps the speaker (jitter buffer,
/// resampling to the device rate) every 2 ms and keeps 40 ms in the ring. Dropping the sink stops the stream and
/// the worker.
pub struct CpalSink {
    speaker: Speaker,
    opened: OpenedDevice,
    errors: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
    _stream: cpal::Stream,
}

impl fmt::Debug for CpalSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CpalSink")
            .field("opened", &self.opened)
            .field("speaker", &self.speaker)
            .finish_non_exhaustive()
    }
}

impl CpalSink {
    /// Opens the selected output device at its native format and starts playing (silence until audio is pushed).
    /// `selector` is a [`DeviceSelector`] (or a reference to one), or an `Option<&str>` setting such as
    /// `OUTPUT_DEVICE_ID`.
    pub fn open(selector: impl Into<DeviceSelector>, config: &SpeakerConfig) -> Result<Self> {
        let direction = Direction::Output;
        let device = selector.into().resolve(direction)?;
        let (stream_config, format) = stream_config(&device, direction)?;
        let opened = OpenedDevice::new(&device, &stream_config, format);
        let rate = stream_config.sample_rate;
        let channels = usize::from(stream_config.channels);
        let ring_capacity = (rate as usize / 4).max(1024);
        let errors = Arc::new(AtomicU64::new(0));
        let lead = crate::frame::duration_to_samples(RING_LEAD, rate);
        let build = |config: cpal::StreamConfig| -> Result<(cpal::Stream, OutputFeed), cpal::Error> {
            let (mut feed, callback) = output_ring(ring_capacity, channels);
            // Silence ahead of the first callbacks: some hosts call the data callback while the stream is built.
            feed.push(&vec![0.0; lead]);
            let errors = Arc::clone(&errors);
            let on_error = move |_: cpal::Error| {
                errors.fetch_add(1, Ordering::Relaxed);
            };
            let stream = build_output(&device, config, format, callback, on_error)?;
            Ok((stream, feed))
        };
        let (stream, feed) = build_with_fallback(stream_config, build)
            .map_err(|source| DeviceError::open(direction, &opened.name, source))?;
        let speaker = Speaker::new(config, rate, feed)?;
        speaker.pump(lead, false)?;
        stream.play().map_err(|source| DeviceError::open(direction, &opened.name, source))?;
        let stop = Arc::new(AtomicBool::new(false));
        let worker = {
            let (speaker, stop) = (speaker.clone(), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("voicebot-speaker".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        if speaker.pump(lead, false).is_err() {
                            break;
                        }
                        std::thread::sleep(PUMP_EVERY);
                    }
                })
                .map_err(DeviceError::Worker)?
        };
        Ok(Self { speaker, opened, errors, stop, worker: Some(worker), _stream: stream })
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

impl AudioSink for CpalSink {
    fn speaker(&self) -> &Speaker {
        &self.speaker
    }
}

impl Drop for CpalSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(worker) = self.worker.take() {
            let _joined = worker.join();
        }
    }
}

fn build_output(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    format: cpal::SampleFormat,
    mut callback: OutputCallback,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error> {
    with_sample_type!(format, T => device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| callback.fill(data),
        on_error,
        None,
    ), _ => Err(cpal::Error::new(cpal::ErrorKind::UnsupportedConfig)))
}
