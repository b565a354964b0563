//! Real microphones and speakers through cpal (feature `device`): [`CpalSource`], [`CpalSink`], [`list_devices`].
//!
//! Devices are opened at their native rate, channel count and sample format (the default config, or a supported
//! `f32`/`i16` one at that rate) and converted to and from the crate's mono `f32`. A device is chosen with a
//! [`DeviceSelector`]: the default, a cpal device id (`host:id`, as `voicebot devices list` prints it), or a
//! name. Devices come from cpal's default host: PulseAudio when a server is reachable, ALSA otherwise; an id
//! names its own host. Missing, busy or unusable devices are [`DeviceError`]s with a message saying what to do.

mod input;
mod list;
mod output;

use std::fmt;

use cpal::traits::{DeviceTrait, HostTrait};

pub use input::CpalSource;
pub use list::{DeviceCaps, DeviceInfo, list_devices};
pub use output::CpalSink;

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
/// the default rate. Asks for 10 ms buffers where the device allows it.
pub(crate) fn stream_config(
    device: &cpal::Device,
    direction: Direction,
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
    let chosen = if converts(default.sample_format()) {
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

/// What was opened, for logs and status lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedDevice {
    /// The device's name.
    pub name: String,
    /// Its cpal id.
    pub id: String,
    /// The stream's rate.
    pub rate_hz: u32,
    /// The stream's channel count.
    pub channels: u16,
    /// The stream's sample format.
    pub format: String,
}

impl OpenedDevice {
    pub(crate) fn new(
        device: &cpal::Device,
        config: &cpal::StreamConfig,
        format: cpal::SampleFormat,
    ) -> Self {
        Self {
            name: device_name(device),
            id: device_id(device),
            rate_hz: config.sample_rate,
            channels: config.channels,
            format: format.to_string(),
        }
    }
}

/// Builds a stream with the 10 ms buffer in `config`, and once more with the host's default buffer if the host
/// refuses that size.
pub(crate) fn build_with_fallback<S>(
    config: cpal::StreamConfig,
    mut build: impl FnMut(cpal::StreamConfig) -> Result<S, cpal::Error>,
) -> Result<S, cpal::Error> {
    match build(config) {
        Err(error) if error.kind() == cpal::ErrorKind::UnsupportedConfig => {
            build(cpal::StreamConfig { buffer_size: cpal::BufferSize::Default, ..config })
        }
        other => other,
    }
}
