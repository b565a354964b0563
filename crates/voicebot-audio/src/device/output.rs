//! [`CpalSink`]: a speaker on a real output device, reopened when its stream fails.

use std::fmt;

use cpal::traits::DeviceTrait;

use super::{CpalDevice, DeviceSelector, Direction, ErrorCallback, OpenedDevice, Prepared, with_sample_type};
use crate::error::Result;
use crate::playback::{Speaker, SpeakerConfig};
use crate::rt::OutputCallback;
use crate::sink::AudioSink;
use crate::stream::{DeviceSink, DeviceStats, OutputDevice, StreamErrors};

/// A speaker on an output device.
///
/// The device callback runs [`OutputCallback::fill`]; a worker thread (`voicebot-speaker`) pumps the speaker
/// (jitter buffer, resampling to the device rate) every 2 ms, keeps 40 ms in the ring and opens the stream again
/// when it fails (see [`stream`](crate::stream)), keeping the same [`Speaker`]. Dropping the sink stops the
/// stream and the worker.
pub struct CpalSink {
    inner: DeviceSink,
}

impl fmt::Debug for CpalSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CpalSink").field("inner", &self.inner).finish()
    }
}

impl CpalSink {
    /// Opens the selected output device at its native format and starts playing (silence until audio is pushed).
    /// `selector` is a [`DeviceSelector`] (or a reference to one), or an `Option<&str>` setting such as
    /// `OUTPUT_DEVICE_ID`.
    pub fn open(selector: impl Into<DeviceSelector>, config: &SpeakerConfig) -> Result<Self> {
        let device = CpalOutput(CpalDevice::new(selector.into(), Direction::Output));
        Ok(Self { inner: DeviceSink::on_thread(device, config, "voicebot-speaker")? })
    }

    /// The device and stream format open now (after a reopen, possibly the default device).
    pub fn opened(&self) -> OpenedDevice {
        self.inner.opened()
    }

    /// Errors the streams reported so far (cpal's error callback; some hosts report harmless ones).
    pub fn stream_errors(&self) -> u64 {
        self.inner.device_stats().stream_errors
    }

    /// Errors, reopens and failed attempts to reopen.
    pub fn device_stats(&self) -> DeviceStats {
        self.inner.device_stats()
    }
}

impl AudioSink for CpalSink {
    fn speaker(&self) -> &Speaker {
        self.inner.speaker()
    }

    fn device_stats(&self) -> Option<DeviceStats> {
        Some(CpalSink::device_stats(self))
    }
}

/// The output side of a [`CpalDevice`].
#[derive(Debug)]
struct CpalOutput(CpalDevice);

impl OutputDevice for CpalOutput {
    type Stream = cpal::Stream;

    fn prepare(&mut self, rate_hz: Option<u32>) -> Result<OpenedDevice> {
        Ok(self.0.prepare(rate_hz)?)
    }

    fn start(
        &mut self,
        callback: &mut dyn FnMut() -> Result<OutputCallback>,
        errors: &StreamErrors,
    ) -> Result<cpal::Stream> {
        self.0.start(callback, errors, build_output)
    }

    fn close(&mut self, stream: cpal::Stream) {
        super::dispose(stream);
    }
}

fn build_output(
    prepared: &Prepared,
    config: cpal::StreamConfig,
    mut callback: OutputCallback,
    on_error: ErrorCallback,
) -> std::result::Result<cpal::Stream, cpal::Error> {
    with_sample_type!(prepared.format, T => prepared.device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| callback.fill(data),
        on_error,
        None,
    ), _ => Err(cpal::Error::new(cpal::ErrorKind::UnsupportedConfig)))
}
