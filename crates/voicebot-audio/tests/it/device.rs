//! Real devices: a loopback through a sound server, a speaker whose sink is unloaded while it plays, device
//! listing and selection errors.
//!
//! The loopback needs a PulseAudio server whose default source is the monitor of the default sink (`.ci/audio.sh`
//! sets one up). Without a server the test fails when `VOICEBOT_REQUIRE_AUDIO=1` (CI sets it) and otherwise
//! prints why and returns. The tests that play take one lock, so that nothing else plays into the loopback.

use std::process::Command;
use std::time::Duration;

use tokio::time::{Instant, timeout};
use voicebot_audio::device::{CpalSink, CpalSource, DeviceError, DeviceSelector, Direction, list_devices};
use voicebot_audio::{AudioSink, AudioSource, Error, MicConfig, SpeakerConfig};

use crate::support::{best_match, chirp, sine, to_pcm16};

/// Held by the tests that play: they share the server's default sink.
static PLAYING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    let _playing = PLAYING.lock().await;
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

/// Runs `pactl` with `args` and returns what it printed.
fn pactl(args: &[&str]) -> String {
    let output = Command::new("pactl").args(args).output().expect("pactl runs (pulseaudio-utils)");
    assert!(output.status.success(), "pactl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A null sink loaded for one test, unloaded when dropped (unless the test unloaded it).
struct LoadedNullSink {
    name: String,
    module: Option<String>,
}

impl LoadedNullSink {
    fn load(name: String) -> Self {
        let module = pactl(&[
            "load-module",
            "module-null-sink",
            &format!("sink_name={name}"),
            "rate=48000",
            "channels=2",
        ]);
        // A fresh null sink renders 2 s ahead until it is reset (docs: headless-audio, gotcha 1).
        pactl(&["suspend-sink", &name, "1"]);
        pactl(&["suspend-sink", &name, "0"]);
        Self { name, module: Some(module) }
    }

    fn unload(&mut self) {
        if let Some(module) = self.module.take() {
            pactl(&["unload-module", &module]);
        }
    }
}

impl Drop for LoadedNullSink {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            let _ = Command::new("pactl").args(["unload-module", &module]).output();
        }
    }
}

/// Kills this process's one stream of `kind` (`sink-input` or `source-output`) on the server, as a server that
/// drops a stream does (`pacmd`: `pactl` has no kill command).
fn kill_our_stream(kind: &str) {
    let pid = format!("application.process.id = \"{}\"", std::process::id());
    let heading = if kind == "sink-input" { "Sink Input #" } else { "Source Output #" };
    let ours: Vec<String> = pactl(&["list", &format!("{kind}s")])
        .split(heading)
        .filter(|block| block.contains(&pid))
        .filter_map(|block| block.split_whitespace().next().map(str::to_owned))
        .collect();
    assert_eq!(ours.len(), 1, "one {kind} of ours: {ours:?}");
    let output =
        Command::new("pacmd").args([&format!("kill-{kind}"), &ours[0]]).output().expect("pacmd runs");
    let printed =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && printed.trim().is_empty(), "pacmd kill-{kind}: {printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_speaker_whose_stream_the_server_kills_is_reopened_on_its_sink_or_else_the_default_one() {
    if !audio_server_available("speaker reopen") {
        return;
    }
    let _playing = PLAYING.lock().await;
    let mut null_sink = LoadedNullSink::load(format!("voicebot_reopen_{}", std::process::id()));
    let id = format!("pulseaudio:{}", null_sink.name);
    let sink = CpalSink::open(DeviceSelector::Named(id.clone()), &SpeakerConfig::default()).unwrap();
    assert_eq!(sink.opened().id, id);
    let tone = to_pcm16(&sine(440.0, 24_000, 24_000, 0.1));
    sink.push("warm-up", &tone[..2_400]);
    sink.end_item("warm-up");
    timeout(Duration::from_secs(5), sink.speaker().drained()).await.expect("the first stream plays");

    // The server kills the stream: cpal reports the stream as gone, and it is opened again on the same sink.
    sink.push("a", &tone);
    sink.end_item("a");
    let killed = Instant::now();
    kill_our_stream("sink-input");
    timeout(Duration::from_secs(10), sink.speaker().drained())
        .await
        .expect("the item plays out after the reopen");
    let (took, stats) = (killed.elapsed(), sink.device_stats());
    eprintln!(
        "speaker reopen: killed, drained {took:?} later; {stats:?}; on {:?}; {:?}",
        sink.opened().id,
        sink.stats()
    );
    assert!(stats.stream_errors >= 1 && stats.reopens >= 1 && stats.open, "{stats:?}");
    assert_eq!(sink.opened().id, id, "reopened on the same sink");
    assert_eq!(sink.cursor("a"), Some(Duration::from_secs(1)), "every sample counted once");

    // The sink is unloaded (the server moves the stream to the default sink without telling), then the stream is
    // killed: the named sink is gone, so the default one is opened.
    null_sink.unload();
    let reopens = sink.device_stats().reopens;
    sink.push("b", &tone);
    sink.end_item("b");
    let killed = Instant::now();
    kill_our_stream("sink-input");
    timeout(Duration::from_secs(10), sink.speaker().drained())
        .await
        .expect("the item plays out after the reopen");
    let (took, stats) = (killed.elapsed(), sink.device_stats());
    eprintln!(
        "speaker reopen: unloaded and killed, drained {took:?} later; {stats:?}; on {:?}",
        sink.opened().id
    );
    assert!(stats.reopens > reopens && stats.open, "{stats:?}");
    assert_eq!(sink.opened().id, "pulseaudio:ci_sink", "the named sink is gone: the default one");
    assert_eq!(sink.cursor("b"), Some(Duration::from_secs(1)), "every sample counted once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_microphone_whose_stream_the_server_kills_is_reopened() {
    if !audio_server_available("microphone reopen") {
        return;
    }
    let _playing = PLAYING.lock().await;
    let mut mic = CpalSource::open(&DeviceSelector::Default, MicConfig::new(24_000)).unwrap();
    for _ in 0..10 {
        timeout(Duration::from_secs(5), mic.next_frame()).await.unwrap().unwrap();
    }
    let killed = Instant::now();
    kill_our_stream("source-output");
    // Frames stop while the stream is down, then come back: read until the reopened stream has delivered 200 ms.
    let mut after = 0;
    while mic.device_stats().reopens == 0 || after < 10 {
        timeout(Duration::from_secs(5), mic.next_frame()).await.expect("frames come back").unwrap();
        if mic.device_stats().reopens > 0 {
            after += 1;
        }
    }
    let (took, stats) = (killed.elapsed(), mic.device_stats());
    eprintln!(
        "microphone reopen: 10 frames from the new stream {took:?} after the kill; {stats:?}; {:?}",
        mic.stats()
    );
    assert!(stats.stream_errors >= 1 && stats.reopens >= 1 && stats.open, "{stats:?}");
    assert_eq!(mic.opened().id, "pulseaudio:ci_sink.monitor");
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
