//! `voicebot devices list`: the input and output devices cpal sees, which are default, their rates and channels.

use std::io::Write as _;

use voicebot_core::audio::device::{DeviceCaps, DeviceInfo, list_devices};

/// Prints the devices of the default host to stdout; an error is one line for the caller to report.
pub(crate) fn list() -> Result<(), String> {
    let (host, devices) = list_devices().map_err(|err| err.to_string())?;
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", render(&host, &devices));
    let _ = out.flush();
    Ok(())
}

/// The listing as text: one line per device and direction, defaults marked with `*`.
fn render(host: &str, devices: &[DeviceInfo]) -> String {
    let mut text = format!("host: {host}\n");
    if devices.is_empty() {
        text.push_str("no devices (is a sound server running?)\n");
    }
    for device in devices {
        let directions = [
            ("input", device.default_input, &device.input),
            ("output", device.default_output, &device.output),
        ];
        for (direction, is_default, caps) in directions {
            if let Some(caps) = caps {
                let mark = if is_default { '*' } else { ' ' };
                text.push_str(&format!(
                    "{mark} {direction:<6} {}  \"{}\"  {}\n",
                    device.id,
                    device.name,
                    describe(caps)
                ));
            }
        }
    }
    text.push_str(
        "* = default. Choose one with INPUT_DEVICE_ID / OUTPUT_DEVICE_ID (an id or part of a name).\n",
    );
    text
}

fn describe(caps: &DeviceCaps) -> String {
    let rates: Vec<String> = caps
        .rates_hz
        .iter()
        .map(|&(min, max)| if min == max { format!("{min}") } else { format!("{min}-{max}") })
        .collect();
    let channels = runs(&caps.channels);
    format!(
        "default {} Hz {} ch {}; rates {} Hz; channels {}",
        caps.default_rate_hz,
        caps.default_channels,
        caps.default_format,
        rates.join(", "),
        channels.join(", ")
    )
}

/// Consecutive counts folded into ranges: `1, 2, 3, 6` becomes `1-3, 6`.
fn runs(values: &[u16]) -> Vec<String> {
    let mut runs: Vec<(u16, u16)> = Vec::new();
    for &value in values {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(value) => *end = value,
            _ => runs.push((value, value)),
        }
    }
    runs.into_iter()
        .map(|(start, end)| if start == end { start.to_string() } else { format!("{start}-{end}") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_marks_defaults_and_shows_rates_and_channels() {
        let caps = DeviceCaps {
            default_rate_hz: 48_000,
            default_channels: 2,
            default_format: "i16".into(),
            rates_hz: vec![(8_000, 192_000), (44_100, 44_100)],
            channels: vec![1, 2, 3, 6],
        };
        let devices = [DeviceInfo {
            id: "pulseaudio:ci_sink".into(),
            name: "CI Null Sink".into(),
            default_input: false,
            default_output: true,
            input: None,
            output: Some(caps),
        }];
        let text = render("PulseAudio", &devices);
        assert_eq!(
            text,
            "host: PulseAudio\n\
             * output pulseaudio:ci_sink  \"CI Null Sink\"  default 48000 Hz 2 ch i16; rates 8000-192000, 44100 Hz; \
             channels 1-3, 6\n\
             * = default. Choose one with INPUT_DEVICE_ID / OUTPUT_DEVICE_ID (an id or part of a name).\n"
        );
        assert!(render("ALSA", &[]).contains("no devices"));
    }
}
