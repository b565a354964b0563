//! Real devices: a loopback through a sound server, device listing and selection errors.
//!
//! The loopback needs a PulseAudio server whose default source is the monitor of the default sink (`.ci/audio.sh`
//! sets one up). Without a server the test fails when `VOICEBOT_REQUIRE_AUDIO=1` (CI sets it) and otherwise
//! prints why and returns.

use std::time::Duration;

use tokio::time::{Instant, timeout};
use voicebot_audio::device::{CpalSink, CpalSource, DeviceError, DeviceSelector, Direction, list_devices};
use voicebot_audio::{AudioSink, AudioSource, Error, MicConfig, SpeakerConfig};

use crate::support::{best_match, chirp, to_pcm16};

/// Whether a sound server is reachable; fails the test instead when `VOICEBOT_REQUIRE_AUDIO=1`.
#[allow(clippy::print_stderr, reason = "a skipped device test says why")]
fn audio_server_available(test: &str) -> bool {
    let required = std::env::var("VOICEBOT_REQUIRE_AUDIO").is_ok_and(|value| value == "1");
    let reason = match list_devices() {
        Ok((host, devices)) if host == "PulseAudio" && devices.iter().any(|device| device.default_input) => {
            return true;
        }
        Ok((host, _)) => {
            format!("cpal's default host is {host} with no PulseAudio server and default source")
        }
        Err(error) => error.to_string(),
    };
    assert!(!required, "{test}: VOICEBOT_REQUIRE_AUDIO=1 but no audio server: {reason}");
    eprintln!("{test}: skipped, no audio server ({reason}); run `source .ci/audio.sh && ci_audio_up` first");
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chirp_played_through_the_speaker_comes_back_through_the_microphone() {
    if !audio_server_available("loopback") {
        return;
    }
    let sink = CpalSink::open(&DeviceSelector::Default, &SpeakerConfig::default()).unwrap();
    let mut mic = CpalSource::open(&DeviceSelector::Default, MicConfig::new(24_000)).unwrap();
    eprintln!("loopback: speaker {:?}, microphone {:?}", sink.opened(), mic.opened());
    let signal = chirp(200.0, 4000.0, 24_000, 24_000, 0.5);
    let mut recorded: Vec<f32> = Vec::new();
    // Let both streams settle, then play the chirp and note where in the recording that happened.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(300) {
        let frame = timeout(Duration::from_secs(5), mic.next_frame()).await.unwrap().unwrap();
        recorded.extend(frame.samples.iter().map(|&s| f32::from(s) / 32_768.0));
    }
    let pushed_at = recorded.len();
    let (underruns_before, dropped_before) = (sink.stats().device.underruns, mic.stats().dropped_frames);
    eprintln!("loopback: before the push: speaker {:?}, microphone {:?}", sink.stats().device, mic.stats());
    sink.push("chirp", &to_pcm16(&signal));
    sink.end_item("chirp");
    // Keep reading while it plays: a microphone whose reader stops loses frames.
    while recorded.len() < pushed_at + 24_000 * 2 {
        let frame = timeout(Duration::from_secs(5), mic.next_frame()).await.unwrap().unwrap();
        recorded.extend(frame.samples.iter().map(|&s| f32::from(s) / 32_768.0));
    }
    let mic_stats = mic.stats();
    timeout(Duration::from_secs(1), sink.speaker().drained()).await.expect("the chirp finished playing");
    let (lag, ncc) = best_match(&recorded[pushed_at..], &signal, 12_000);
    let latency = Duration::from_secs_f64(lag as f64 / 24_000.0);
    let stats = sink.stats();
    eprintln!(
        "loopback: correlation peak {ncc:.4} at {lag} samples = {latency:?} after the push; cursor {:?}; speaker {stats:?}; microphone {:?}; stream errors {}/{}",
        sink.cursor("chirp"),
        mic_stats,
        sink.stream_errors(),
        mic.stream_errors(),
    );
    // Undisturbed runs measure 1.0000; a gap on a loaded machine lowers it, and silence or noise gives ~0.
    assert!(ncc > 0.6, "the chirp came back with correlation {ncc}");
    assert!(latency < Duration::from_millis(500), "loopback latency {latency:?}");
    assert_eq!(sink.cursor("chirp"), Some(Duration::from_secs(1)));
    assert_eq!(mic_stats.dropped_frames, dropped_before, "no frame lost while the chirp played");
    assert_eq!(stats.device.underruns, underruns_before, "no underrun while the chirp played");
}

#[test]
fn listing_shows_the_default_devices() {
    if !audio_server_available("listing") {
        return;
    }
    let (host, devices) = list_devices().unwrap();
    assert_eq!(host, "PulseAudio");
    let output = devices.iter().find(|device| device.default_output).expect("a default output");
    let caps = output.output.as_ref().expect("it plays");
    assert!(caps.default_rate_hz >= 8_000 && !caps.channels.is_empty(), "{caps:?}");
    assert!(devices.iter().any(|device| device.default_input && device.input.is_some()));
}

#[test]
fn an_unknown_device_is_a_clear_error_listing_what_exists() {
    if !audio_server_available("unknown device") {
        return;
    }
    let selector = DeviceSelector::from_setting(Some("no such device 1234"));
    let error = CpalSink::open(&selector, &SpeakerConfig::default()).unwrap_err();
    let Error::Device(DeviceError::NotFound { direction, wanted, available }) = &error else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!((*direction, wanted.as_str()), (Direction::Output, "no such device 1234"));
    assert!(available.contains("pulseaudio:"), "{available}");
    assert!(error.to_string().contains("no output device matches"), "{error}");
}

#[test]
fn selectors_read_settings() {
    assert_eq!(DeviceSelector::from_setting(None), DeviceSelector::Default);
    assert_eq!(DeviceSelector::from_setting(Some(" default ")), DeviceSelector::Default);
    assert_eq!(DeviceSelector::from_setting(Some("")), DeviceSelector::Default);
    assert_eq!(
        DeviceSelector::from_setting(Some("pulseaudio:ci_sink")),
        DeviceSelector::Named("pulseaudio:ci_sink".into())
    );
}
