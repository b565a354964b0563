//! Device streams that fail, on fake devices and paused time: lost streams are reopened with a growing, capped
//! wait, the speaker handle and its cursor go on as if nothing happened, glitches alone reopen nothing, and a
//! microphone whose stream is lost comes back.

use std::time::Duration;

use tokio::time::{Instant, sleep, timeout};
use voicebot_audio::fake::{FakeInput, FakeOutput};
use voicebot_audio::stream::{DeviceSink, DeviceSource, DeviceStats};
use voicebot_audio::{AudioSink, AudioSource, Error, MicConfig, SpeakerConfig};

use crate::support::{sine, to_pcm16};

const MS: Duration = Duration::from_millis(1);

/// `count` ms of a 440 Hz tone at 24 kHz, amplitude 0.5.
fn tone_ms(count: usize) -> Vec<i16> {
    to_pcm16(&sine(440.0, 24_000, count * 24, 0.5))
}

/// Waits (on tokio time) until the fake has opened `streams` streams; returns when the last attempt was made.
async fn opened(device: &FakeOutput, streams: u64) -> Instant {
    timeout(Duration::from_secs(10), async {
        while device.streams_opened() < streams {
            sleep(MS).await;
        }
    })
    .await
    .expect("the stream was opened again");
    *device.open_attempts().last().unwrap()
}

fn assert_within(actual: Duration, expected: Duration, slack: Duration) {
    assert!(
        actual >= expected && actual <= expected + slack,
        "{actual:?} is not within {expected:?}..{:?}",
        expected + slack
    );
}

/// The longest run of samples below `threshold` between the first and the last sample above it.
fn longest_gap(samples: &[f32], threshold: f32) -> (usize, usize) {
    let first = samples.iter().position(|s| s.abs() > threshold).unwrap();
    let last = samples.iter().rposition(|s| s.abs() > threshold).unwrap();
    let mut longest = 0;
    let mut run = 0;
    for sample in &samples[first..=last] {
        run = if sample.abs() > threshold { 0 } else { run + 1 };
        longest = longest.max(run);
    }
    (last + 1 - first, longest)
}

#[tokio::test(start_paused = true)]
async fn a_lost_stream_is_reopened_with_growing_waits_and_the_speaker_plays_on() {
    let device = FakeOutput::new(24_000, 2);
    let sink = DeviceSink::start(device.clone(), &SpeakerConfig::default()).unwrap();
    assert_eq!(sink.opened().name, "fake output");
    let speaker = sink.speaker().clone();
    sleep(100 * MS).await;
    speaker.push("a", &tone_ms(2_000));
    speaker.end_item("a");
    sleep(300 * MS).await;

    let mut waits = Vec::new();
    for lost in 1..=3 {
        let lost_at = Instant::now();
        device.lose_stream();
        sleep(20 * MS).await;
        let cursor = speaker.cursor("a").unwrap();
        assert!(!sink.device_stats().open, "torn down at once");
        sleep(20 * MS).await;
        assert_eq!(speaker.cursor("a").unwrap(), cursor, "nothing plays while the stream is closed");
        waits.push(opened(&device, lost + 1).await - lost_at);
        sleep(100 * MS).await;
    }
    assert_within(waits[0], 50 * MS, 4 * MS);
    assert_within(waits[1], 100 * MS, 4 * MS);
    assert_within(waits[2], 200 * MS, 4 * MS);
    assert_eq!(
        sink.device_stats(),
        DeviceStats { stream_errors: 3, reopens: 3, failed_opens: 0, open: true }
    );

    timeout(Duration::from_secs(5), speaker.drained()).await.expect("the item plays out");
    assert_eq!(speaker.cursor("a"), Some(Duration::from_secs(2)), "every sample counted once");
    let (span, gap) = longest_gap(&device.played(), 0.05);
    assert!(span.abs_diff(48_000) <= 24, "the tone lasted {span} samples: nothing lost or played twice");
    assert!(gap < 4, "a gap of {gap} samples in the tone");
    let stats = sink.stats();
    assert_eq!(stats.underruns(), 0, "a closed stream is a stall, not an underrun: {stats:?}");

    // The handle taken before the failures still drives the sink, and after a stable while the wait starts over.
    speaker.push("b", &tone_ms(200));
    speaker.end_item("b");
    timeout(Duration::from_secs(1), speaker.drained()).await.unwrap();
    assert_eq!(speaker.cursor("b"), Some(200 * MS));
    sleep(Duration::from_secs(5)).await;
    let lost_at = Instant::now();
    device.lose_stream();
    assert_within(opened(&device, 5).await - lost_at, 50 * MS, 4 * MS);
}

#[tokio::test(start_paused = true)]
async fn a_device_that_refuses_to_reopen_is_retried_with_a_capped_wait_while_audio_waits() {
    let device = FakeOutput::new(48_000, 2);
    let mut config = SpeakerConfig::default();
    config.jitter.capacity = Duration::from_secs(1);
    let sink = DeviceSink::start(device.clone(), &config).unwrap();
    sleep(100 * MS).await;
    device.refuse_opens(u64::MAX);
    let lost_at = Instant::now();
    device.lose_stream();
    sink.push("a", &tone_ms(1_500));
    sink.end_item("a");
    sleep(Duration::from_secs(10)).await;

    let attempts: Vec<Duration> = device.open_attempts()[1..].iter().map(|at| *at - lost_at).collect();
    assert_eq!(attempts.len(), 9, "attempts in 10 s: {attempts:?}");
    let expected = [50, 150, 350, 750, 1_550, 3_150, 5_150, 7_150, 9_150];
    for (attempt, expected) in attempts.iter().zip(expected) {
        assert_within(*attempt, expected * MS, 4 * MS);
    }
    let stats = sink.stats();
    assert_eq!(
        sink.device_stats(),
        DeviceStats { stream_errors: 1, reopens: 0, failed_opens: 9, open: false }
    );
    assert_eq!(sink.cursor("a"), Some(Duration::ZERO));
    assert_eq!(stats.overruns(), 500 * 24, "the queue is bounded: the oldest 500 ms were dropped");
    assert!(stats.buffered >= Duration::from_secs(1), "{stats:?}");

    device.refuse_opens(0);
    sleep(Duration::from_millis(2_100)).await;
    assert_eq!(sink.device_stats().reopens, 1);
    timeout(Duration::from_secs(2), sink.speaker().drained()).await.expect("what was kept plays");
    assert_eq!(sink.cursor("a"), Some(Duration::from_secs(1)));
}

#[tokio::test(start_paused = true)]
async fn glitches_alone_reopen_nothing_but_a_glitch_and_a_stall_do() {
    let device = FakeOutput::new(48_000, 1);
    let sink = DeviceSink::start(device.clone(), &SpeakerConfig::default()).unwrap();
    for _ in 0..5 {
        device.glitch();
        sleep(100 * MS).await;
    }
    assert_eq!(
        sink.device_stats(),
        DeviceStats { stream_errors: 5, reopens: 0, failed_opens: 0, open: true }
    );

    // A stall without an error is a stalled device: waited out, not reopened.
    let stall = device.stall_switch();
    stall.stall();
    sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.device_stats().reopens, 0);
    let frames = sink.stats().device.frames;
    stall.resume();
    sleep(100 * MS).await;
    assert!(sink.stats().device.frames > frames, "it plays again once resumed");

    // An error and no callback for 500 ms: the stream is reopened (the new one waits for the switch too).
    stall.stall();
    device.glitch();
    let glitched_at = Instant::now();
    let reopened_at = opened(&device, 2).await;
    stall.resume();
    // Torn down 500 ms after the last callback (at most one 10 ms tick before the stall), reopened 50 ms later.
    assert_within(reopened_at - glitched_at, 540 * MS - 10 * MS, 14 * MS);
    assert_eq!(
        sink.device_stats(),
        DeviceStats { stream_errors: 6, reopens: 1, failed_opens: 0, open: true }
    );
    let frames = sink.stats().device.frames;
    sleep(100 * MS).await;
    assert!(sink.stats().device.frames > frames, "the new stream plays");
}

#[tokio::test(start_paused = true)]
async fn a_device_that_cannot_open_at_all_is_an_error_at_start() {
    let device = FakeOutput::new(48_000, 2);
    device.refuse_opens(1);
    let error = DeviceSink::start(device.clone(), &SpeakerConfig::default()).unwrap_err();
    assert!(matches!(error, Error::StreamOpen { .. }), "{error:?}");
    assert!(error.to_string().contains("fake output"), "{error}");
    assert_eq!(device.open_attempts().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_microphone_whose_stream_is_lost_comes_back() {
    let device = FakeInput::new(48_000, 2);
    let mut mic = DeviceSource::start(device.clone(), MicConfig::new(16_000)).unwrap();
    let mut frames = Vec::new();
    for _ in 0..10 {
        frames.push(timeout(Duration::from_secs(1), mic.next_frame()).await.unwrap().unwrap());
    }
    device.lose_stream();
    sleep(20 * MS).await;
    // Whatever was already captured arrives; then nothing until the stream is back.
    while let Ok(Some(frame)) = timeout(10 * MS, mic.next_frame()).await {
        frames.push(frame);
    }
    let before = frames.len();
    assert_eq!(timeout(20 * MS, mic.next_frame()).await.ok(), None, "no frames while the stream is closed");
    let frame = timeout(Duration::from_secs(1), mic.next_frame()).await.unwrap().unwrap();
    assert_eq!(frame.sequence, before as u64, "the sequence goes on without a gap");
    assert_eq!(device.streams_opened(), 2);
    let stats = mic.device_stats();
    assert_eq!(stats, DeviceStats { stream_errors: 1, reopens: 1, failed_opens: 0, open: true });
    let level =
        voicebot_audio::rms_dbfs(&frame.samples.iter().map(|&s| f32::from(s) / 32_768.0).collect::<Vec<_>>());
    assert!((level - -9.03).abs() < 0.5, "the tone comes through: {level} dBFS");
    assert_eq!(mic.stats().dropped_frames, 0);
}
