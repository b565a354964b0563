//! Device listing for `voicebot devices list`.

use cpal::traits::{DeviceTrait, HostTrait};

use super::{DeviceError, device_id, device_name};

/// What a device can do in one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCaps {
    /// Rate of the default config.
    pub default_rate_hz: u32,
    /// Channels of the default config.
    pub default_channels: u16,
    /// Sample format of the default config (`i16`, `f32`, ...).
    pub default_format: String,
    /// Supported rate ranges (inclusive), sorted, without duplicates.
    pub rates_hz: Vec<(u32, u32)>,
    /// Supported channel counts, sorted, without duplicates.
    pub channels: Vec<u16>,
}

/// One device, as `voicebot devices list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The cpal id (`host:id`); pass it as `INPUT_DEVICE_ID` / `OUTPUT_DEVICE_ID`.
    pub id: String,
    /// A human-readable name.
    pub name: String,
    /// Whether this is the host's default input device.
    pub default_input: bool,
    /// Whether this is the host's default output device.
    pub default_output: bool,
    /// Input capabilities, if it records.
    pub input: Option<DeviceCaps>,
    /// Output capabilities, if it plays.
    pub output: Option<DeviceCaps>,
}

/// Lists the devices of cpal's default host (the one [`CpalSource`] and [`CpalSink`] open devices from).
/// Returns the host's name with the devices.
pub fn list_devices() -> Result<(String, Vec<DeviceInfo>), DeviceError> {
    let host = cpal::default_host();
    let default_in = host.default_input_device().map(|device| device_id(&device));
    let default_out = host.default_output_device().map(|device| device_id(&device));
    let mut list = Vec::new();
    for device in host.devices().map_err(DeviceError::Enumerate)? {
        let id = device_id(&device);
        let input = device
            .default_input_config()
            .ok()
            .map(|config| caps(&config, device.supported_input_configs().into_iter().flatten()));
        let output = device
            .default_output_config()
            .ok()
            .map(|config| caps(&config, device.supported_output_configs().into_iter().flatten()));
        list.push(DeviceInfo {
            default_input: default_in.as_deref() == Some(id.as_str()),
            default_output: default_out.as_deref() == Some(id.as_str()),
            name: device_name(&device),
            id,
            input,
            output,
        });
    }
    Ok((host.id().name().to_owned(), list))
}

fn caps(
    default: &cpal::SupportedStreamConfig,
    ranges: impl Iterator<Item = cpal::SupportedStreamConfigRange>,
) -> DeviceCaps {
    let mut rates = Vec::new();
    let mut channels = Vec::new();
    for range in ranges {
        rates.push((range.min_sample_rate(), range.max_sample_rate()));
        channels.push(range.channels());
    }
    rates.sort_unstable();
    rates.dedup();
    channels.sort_unstable();
    channels.dedup();
    DeviceCaps {
        default_rate_hz: default.sample_rate(),
        default_channels: default.channels(),
        default_format: default.sample_format().to_string(),
        rates_hz: rates,
        channels,
    }
}
