//! Real microphones and speakers through cpal (feature `device`): [`CpalSource`], [`CpalSink`], [`list_devices`].
//!
//! Devices are opened at their native rate, channel count and sample format (the default config, or a supported
//! `f32`/`i16` one at that rate) and converted to and from the crate's mono `f32`. A device is chosen with a
//! [`DeviceSelector`]: the default, a cpal device id (`host:id`, as `voicebot devices list` prints it), or a
//! name. Devices come from cpal's default host: PulseAudio when a server is reachable, ALSA otherwise; an id
//! names its own host. Missing, busy or unusable devices are [`DeviceError`]s with a message saying what to do.
//!
//! Both run on the [`stream`](crate::stream) workers: a stream whose device disappears is opened again (the same
//! selector, else the default device, at the same rate) with a growing wait between attempts. cpal's error
//! callback only counts: [`ErrorKind::DeviceNotAvailable`](cpal::ErrorKind::DeviceNotAvailable),
//! [`StreamInvalidated`](cpal::ErrorKind::StreamInvalidated) and [`HostUnavailable`](cpal::ErrorKind::HostUnavailable)
//! are [`StreamErrorKind::Lost`]; the other kinds are [`StreamErrorKind::Glitch`]es.

mod input;
mod list;
mod output;

use std::fmt;

use cpal::traits::{DeviceTrait, HostTrait};

pub use input::CpalSource;
pub use list::{DeviceCaps, DeviceInfo, list_devices};
pub use output::CpalSink;

pub use crate::stream::OpenedDevice;
use crate::stream::{StreamErrorKind, StreamErrors};

/// Which way audio flows through a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A microphone.
    Input,
    /// A speaker.
    Output,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Input => "input",
            Self::Output => "output",
        })
    }
}

/// Why a device could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// No default device (typically: no sound card and no sound server).
    #[error(
        "no default {direction} device: is a sound server (PulseAudio or PipeWire) running? \
         `voicebot devices list` shows what is available"
    )]
    NoDefault {
        /// Input or output.
        direction: Direction,
    },
    /// Nothing matched the requested id or name.
    #[error("no {direction} device matches {wanted:?}; available: {available}")]
    NotFound {
        /// Input or output.
        direction: Direction,
        /// The id or name asked for.
        wanted: String,
        /// Ids of the devices there are, comma separated (or "none").
        available: String,
    },
    /// The device exists but is in use by another program.
    #[error("{direction} device {device:?} is busy (another program is using it): {source}")]
    Busy {
        /// Input or output.
        direction: Direction,
        /// The device's name.
        device: String,
        /// What cpal said.
        #[source]
        source: cpal::Error,
    },
    /// The device could not be queried, opened or started.
    #[error("cannot use {direction} device {device:?}: {source}")]
    Open {
        /// Input or output.
        direction: Direction,
        /// The device's name.
        device: String,
        /// What cpal said.
        #[source]
        source: cpal::Error,
    },
    /// The device offers no sample format this crate converts.
    #[error("{direction} device {device:?} offers no supported sample format (it reports {format})")]
    UnsupportedFormat {
        /// Input or output.
        direction: Direction,
        /// The device's name.
        device: String,
        /// The format of its default config.
        format: String,
    },
    /// Devices could not be listed.
    #[error("cannot list audio devices: {0}")]
    Enumerate(#[source] cpal::Error),
    /// The worker thread could not be started.
    #[error("cannot start the audio worker thread: {0}")]
    Worker(#[source] std::io::Error),
}

impl DeviceError {
    fn open(direction: Direction, device: &str, source: cpal::Error) -> Self {
        let device = device.to_owned();
        match source.kind() {
            cpal::ErrorKind::DeviceBusy => Self::Busy { direction, device, source },
            _ => Self::Open { direction, device, source },
        }
    }
}

/// Which device to open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DeviceSelector {
    /// The host's default device.
    #[default]
    Default,
    /// A device id or name, as in `INPUT_DEVICE_ID` / `OUTPUT_DEVICE_ID`: first tried as a cpal id
    /// (`host:id`, e.g. `pulseaudio:ci_sink`), then as an exact name, then as a case-insensitive part of a name.
    Named(String),
}

impl From<Option<&str>> for DeviceSelector {
    /// See [`DeviceSelector::from_setting`].
    fn from(setting: Option<&str>) -> Self {
        Self::from_setting(setting)
    }
}

impl From<&DeviceSelector> for DeviceSelector {
    fn from(selector: &DeviceSelector) -> Self {
        selector.clone()
    }
}

impl DeviceSelector {
    /// `None`, an empty string or `default` select the default device; anything else is an id or a name.
    pub fn from_setting(setting: Option<&str>) -> Self {
        match setting.map(str::trim) {
            None | Some("" | "default") => Self::Default,
            Some(wanted) => Self::Named(wanted.to_owned()),
        }
    }

    /// Finds the device; for a stream opened again (`reopen`), the default device when this one is gone.
    pub(crate) fn resolve_for(
        &self,
        direction: Direction,
        reopen: bool,
    ) -> Result<cpal::Device, DeviceError> {
        match self.resolve(direction) {
            Err(_) if reopen && *self != Self::Default => Self::Default.resolve(direction),
            found => found,
        }
    }

    /// Finds the device.
    pub(crate) fn resolve(&self, direction: Direction) -> Result<cpal::Device, DeviceError> {
        let host = cpal::default_host();
        let wanted = match self {
            Self::Default => {
                let device = match direction {
                    Direction::Input => host.default_input_device(),
                    Direction::Output => host.default_output_device(),
                };
                return device.ok_or(DeviceError::NoDefault { direction });
            }
            Self::Named(wanted) => wanted,
        };
        if let Ok(id) = wanted.parse::<cpal::DeviceId>() {
            let host_of_id = if id.host() == host.id() { Ok(host) } else { cpal::host_from_id(id.host()) };
            if let Some(device) = host_of_id.ok().and_then(|host| host.device_by_id(&id))
                && supports(&device, direction)
            {
                return Ok(device);
            }
        }
        let host = cpal::default_host();
        let mut devices: Vec<cpal::Device> = host
            .devices()
            .map_err(DeviceError::Enumerate)?
            .filter(|device| supports(device, direction))
            .collect();
        let lower = wanted.to_lowercase();
        let position = devices.iter().position(|device| device_name(device) == *wanted).or_else(|| {
            devices.iter().position(|device| device_name(device).to_lowercase().contains(&lower))
        });
        match position {
            Some(index) => Ok(devices.swap_remove(index)),
            None => {
                let ids: Vec<String> = devices.iter().map(device_id).collect();
                let available = if ids.is_empty() { "none".to_owned() } else { ids.join(", ") };
                Err(DeviceError::NotFound { direction, wanted: wanted.clone(), available })
            }
        }
    }
}

fn supports(device: &cpal::Device, direction: Direction) -> bool {
    match direction {
        Direction::Input => device.supports_input(),
        Direction::Output => device.supports_output(),
    }
}

pub(crate) fn device_name(device: &cpal::Device) -> String {
    device.description().map_or_else(|_| device.to_string(), |description| description.name().to_owned())
}

pub(crate) fn device_id(device: &cpal::Device) -> String {
    device.id().map_or_else(|_| device_name(device), |id| id.to_string())
}

/// The stream config to open: the default one if its format converts, else a supported `f32` or `i16` config at
/// the default rate. With `rate_hz` (a stream opened again), a config at that rate or an error.
/// Asks for 10 ms buffers where the device allows it.
pub(crate) fn stream_config(
    device: &cpal::Device,
    direction: Direction,
    rate_hz: Option<u32>,
) -> Result<(cpal::StreamConfig, cpal::SampleFormat), DeviceError> {
    let name = device_name(device);
    let (default, ranges) = match direction {
        Direction::Input => {
            (device.default_input_config(), device.supported_input_configs().map(Iterator::collect))
        }
        Direction::Output => {
            (device.default_output_config(), device.supported_output_configs().map(Iterator::collect))
        }
    };
    let default = default.map_err(|source| DeviceError::open(direction, &name, source))?;
    let chosen = if let Some(rate) = rate_hz.filter(|&rate| rate != default.sample_rate()) {
        let ranges: Vec<cpal::SupportedStreamConfigRange> = ranges.unwrap_or_default();
        [default.sample_format(), cpal::SampleFormat::F32, cpal::SampleFormat::I16]
            .into_iter()
            .filter(|&format| converts(format))
            .find_map(|format| {
                ranges
                    .iter()
                    .filter(|range| range.sample_format() == format)
                    .find_map(|range| range.try_with_sample_rate(rate))
            })
            .ok_or_else(|| {
                let message = format!("it cannot run at {rate} Hz, the rate the stream had");
                let source = cpal::Error::with_message(cpal::ErrorKind::UnsupportedConfig, message);
                DeviceError::open(direction, &name, source)
            })?
    } else if converts(default.sample_format()) {
        default
    } else {
        let ranges: Vec<cpal::SupportedStreamConfigRange> = ranges.unwrap_or_default();
        [cpal::SampleFormat::F32, cpal::SampleFormat::I16]
            .into_iter()
            .find_map(|format| {
                ranges.iter().find(|range| range.sample_format() == format).and_then(|range| {
                    range.try_with_sample_rate(default.sample_rate()).or_else(|| {
                        Some(range.with_sample_rate(range.max_sample_rate().min(default.sample_rate())))
                    })
                })
            })
            .ok_or_else(|| DeviceError::UnsupportedFormat {
                direction,
                device: name.clone(),
                format: default.sample_format().to_string(),
            })?
    };
    let rate = chosen.sample_rate();
    let ten_ms = (rate / 100).max(1);
    let buffer_size = match *chosen.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } => {
            cpal::BufferSize::Fixed(ten_ms.clamp(min, max.max(min)))
        }
        cpal::SupportedBufferSize::Unknown => cpal::BufferSize::Fixed(ten_ms),
    };
    let config = cpal::StreamConfig { channels: chosen.channels(), sample_rate: rate, buffer_size };
    Ok((config, chosen.sample_format()))
}

fn converts(format: cpal::SampleFormat) -> bool {
    use cpal::SampleFormat as F;
    matches!(format, F::F32 | F::F64 | F::I8 | F::I16 | F::I32 | F::U8 | F::U16)
}

/// Expands to a match over the formats [`converts`] accepts, binding `$t` to the sample type.
macro_rules! with_sample_type {
    ($format:expr, $t:ident => $body:expr, _ => $fallback:expr) => {
        match $format {
            cpal::SampleFormat::F32 => {
                type $t = f32;
                $body
            }
            cpal::SampleFormat::F64 => {
                type $t = f64;
                $body
            }
            cpal::SampleFormat::I8 => {
                type $t = i8;
                $body
            }
            cpal::SampleFormat::I16 => {
                type $t = i16;
                $body
            }
            cpal::SampleFormat::I32 => {
                type $t = i32;
                $body
            }
            cpal::SampleFormat::U8 => {
                type $t = u8;
                $body
            }
            cpal::SampleFormat::U16 => {
                type $t = u16;
                $body
            }
            _ => $fallback,
        }
    };
}
pub(crate) use with_sample_type;

/// What was opened.
pub(crate) fn opened_device(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    format: cpal::SampleFormat,
) -> OpenedDevice {
    OpenedDevice {
        name: device_name(device),
        id: device_id(device),
        rate_hz: config.sample_rate,
        channels: config.channels,
        format: format.to_string(),
    }
}

/// A device and stream config chosen by `prepare`, waiting for `start`.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) device: cpal::Device,
    pub(crate) config: cpal::StreamConfig,
    pub(crate) format: cpal::SampleFormat,
    pub(crate) name: String,
}

/// A device chosen by a selector, as the [`stream`](crate::stream) workers open it.
#[derive(Debug)]
pub(crate) struct CpalDevice {
    selector: DeviceSelector,
    direction: Direction,
    prepared: Option<Prepared>,
}

impl CpalDevice {
    pub(crate) fn new(selector: DeviceSelector, direction: Direction) -> Self {
        Self { selector, direction, prepared: None }
    }

    /// Finds the device (for a reopened stream, falling back to the default one) and chooses its config.
    pub(crate) fn prepare(&mut self, rate_hz: Option<u32>) -> Result<OpenedDevice, DeviceError> {
        let device = self.selector.resolve_for(self.direction, rate_hz.is_some())?;
        let (config, format) = stream_config(&device, self.direction, rate_hz)?;
        let opened = opened_device(&device, &config, format);
        self.prepared = Some(Prepared { device, config, format, name: opened.name.clone() });
        Ok(opened)
    }

    /// Builds a stream of what was prepared (`build` gets the config and a callback from `callback`), with the
    /// 10 ms buffer and once more with the host's default buffer if the host refuses that size; then starts it.
    pub(crate) fn start<C>(
        &mut self,
        mut callback: impl FnMut() -> crate::Result<C>,
        errors: &StreamErrors,
        mut build: impl FnMut(
            &Prepared,
            cpal::StreamConfig,
            C,
            ErrorCallback,
        ) -> Result<cpal::Stream, cpal::Error>,
    ) -> crate::Result<cpal::Stream> {
        use cpal::traits::StreamTrait;

        let direction = self.direction;
        let Some(prepared) = self.prepared.take() else {
            let source = cpal::Error::with_message(cpal::ErrorKind::InvalidInput, "no device prepared");
            return Err(DeviceError::open(direction, "none", source).into());
        };
        let config = prepared.config;
        let built = match build(&prepared, config, callback()?, error_callback(errors)) {
            Err(error) if error.kind() == cpal::ErrorKind::UnsupportedConfig => {
                let config = cpal::StreamConfig { buffer_size: cpal::BufferSize::Default, ..config };
                build(&prepared, config, callback()?, error_callback(errors))
            }
            other => other,
        };
        let open_error = |source| DeviceError::open(direction, &prepared.name, source);
        let stream = built.map_err(open_error)?;
        stream.play().map_err(open_error)?;
        Ok(stream)
    }
}

/// Drops a stream the worker gave up on, on a thread of its own (`voicebot-dispose`). cpal 0.18's PulseAudio host
/// joins, when a playback stream is dropped, a thread that waits for the end of the stream; when the server killed
/// the stream that end never comes, and the thread (with the stream) is leaked instead of the worker waiting forever.
pub(crate) fn dispose(stream: cpal::Stream) {
    let spawned = std::thread::Builder::new().name("voicebot-dispose".into()).spawn(move || drop(stream));
    // Without a thread the stream was dropped by the failed spawn, here; nothing else can be done.
    let _spawned = spawned;
}

/// The error callback of a stream: it only classifies the error and counts it (an atomic add).
pub(crate) type ErrorCallback = Box<dyn FnMut(cpal::Error) + Send + 'static>;

fn error_callback(errors: &StreamErrors) -> ErrorCallback {
    let errors = errors.clone();
    Box::new(move |error: cpal::Error| errors.report(error_kind(error.kind())))
}

/// Which cpal errors end a stream.
pub(crate) fn error_kind(kind: cpal::ErrorKind) -> StreamErrorKind {
    use cpal::ErrorKind as K;
    match kind {
        K::DeviceNotAvailable | K::StreamInvalidated | K::HostUnavailable => StreamErrorKind::Lost,
        _ => StreamErrorKind::Glitch,
    }
}
