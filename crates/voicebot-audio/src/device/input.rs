//! [`CpalSource`]: a microphone on a real input device, reopened when its stream fails.

use std::fmt;

use cpal::traits::DeviceTrait;

use super::{CpalDevice, DeviceSelector, Direction, ErrorCallback, OpenedDevice, Prepared, with_sample_type};
use crate::error::Result;
use crate::frame::AudioFrame;
use crate::rt::InputCallback;
use crate::source::{AudioSource, BoxFuture, MicConfig, SourceStats};
use crate::stream::{DeviceSource, DeviceStats, InputDevice, StreamErrors};

/// A microphone on an input device: mono PCM16 frames at the [`MicConfig`] rate.
///
/// The device callback runs [`InputCallback::capture`] (downmix into a ring); a worker thread (`voicebot-mic`)
/// drains the ring every 5 ms, resamples to the requested rate, cuts frames and opens the stream again when it
/// fails (see [`stream`](crate::stream)); frames stop meanwhile. Dropping the source stops the stream and the
/// worker.
pub struct CpalSource {
    inner: DeviceSource,
}

impl fmt::Debug for CpalSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CpalSource").field("inner", &self.inner).finish()
    }
}

impl CpalSource {
    /// Opens the selected input device at its native format and starts capturing.
    /// `selector` is a [`DeviceSelector`] (or a reference to one), or an `Option<&str>` setting such as
    /// `INPUT_DEVICE_ID`.
    pub fn open(selector: impl Into<DeviceSelector>, config: MicConfig) -> Result<Self> {
        let device = CpalInput(CpalDevice::new(selector.into(), Direction::Input));
        Ok(Self { inner: DeviceSource::on_thread(device, config, "voicebot-mic")? })
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

impl AudioSource for CpalSource {
    fn next_frame(&mut self) -> BoxFuture<'_, Option<AudioFrame>> {
        self.inner.next_frame()
    }

    fn config(&self) -> MicConfig {
        self.inner.config()
    }

    fn stats(&self) -> SourceStats {
        self.inner.stats()
    }
}

/// The input side of a [`CpalDevice`].
#[derive(Debug)]
struct CpalInput(CpalDevice);

impl InputDevice for CpalInput {
    type Stream = cpal::Stream;

    fn prepare(&mut self, rate_hz: Option<u32>) -> Result<OpenedDevice> {
        Ok(self.0.prepare(rate_hz)?)
    }

    fn start(
        &mut self,
        callback: &mut dyn FnMut() -> InputCallback,
        errors: &StreamErrors,
    ) -> Result<cpal::Stream> {
        self.0.start(|| Ok(callback()), errors, build_input)
    }

    fn close(&mut self, stream: cpal::Stream) {
        super::dispose(stream);
    }
}

fn build_input(
    prepared: &Prepared,
    config: cpal::StreamConfig,
    mut callback: InputCallback,
    on_error: ErrorCallback,
) -> std::result::Result<cpal::Stream, cpal::Error> {
    with_sample_type!(prepared.format, T => prepared.device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _: &cpal::InputCallbackInfo| callback.capture(data),
        on_error,
        None,
    ), _ => Err(cpal::Error::new(cpal::ErrorKind::UnsupportedConfig)))
}
