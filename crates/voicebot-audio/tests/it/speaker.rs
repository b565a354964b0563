//! The speaker on clocked sinks: prebuffer, real-time cursor, barge-in, drain, underruns, resampling, WAV output.

use std::time::Duration;

use tokio::time::{Instant, sleep, timeout};
use voicebot_audio::{
    AudioSink, ClockConfig, MemorySink, NullSink, Pacing, SpeakerConfig, WavSink, read_wav, rms_dbfs,
};

use crate::support::{TempDir, first_above, sine, to_pcm16};

const MS: Duration = Duration::from_millis(1);

/// `count` ms of a 440 Hz tone at 24 kHz, amplitude 0.5.
fn tone_ms(count: usize) -> Vec<i16> {
    to_pcm16(&sine(440.0, 24_000, count * 24, 0.5))
}

fn assert_near(actual: Duration, expected: Duration, tolerance: Duration) {
    let error = actual.abs_diff(expected);
    assert!(error <= tolerance, "{actual:?} is not within {tolerance:?} of {expected:?}");
}

#[tokio::test(start_paused = true)]
async fn the_cursor_advances_with_the_device_clock() {
    let sink = MemorySink::start(&SpeakerConfig::default(), ClockConfig::new(24_000)).unwrap();
    for _ in 0..50 {
        sink.push("a", &tone_ms(20));
    }
    sink.end_item("a");
    sleep(400 * MS).await;
    assert_near(sink.cursor("a").unwrap(), 400 * MS, 20 * MS);
    sleep(400 * MS).await;
    assert_near(sink.cursor("a").unwrap(), 800 * MS, 20 * MS);
    assert_eq!(sink.speaker().now_playing().unwrap().0, "a");
    assert_eq!(sink.cursor("unknown"), None);
    sleep(400 * MS).await;
    assert_eq!(sink.cursor("a"), Some(1000 * MS), "all of it, exactly");
    assert!(sink.speaker().is_idle());
    assert_eq!(sink.speaker().now_playing(), None);
    let stats = sink.stats();
    assert_eq!(stats.underruns(), 0, "{stats:?}");
    sink.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn playback_waits_for_the_prebuffer_or_the_end_of_the_item() {
    let sink = MemorySink::start(&SpeakerConfig::default(), ClockConfig::new(24_000)).unwrap();
    sink.push("a", &tone_ms(60));
    sleep(200 * MS).await;
    assert_eq!(sink.cursor("a"), Some(Duration::ZERO), "60 ms is below the 100 ms prebuffer");
    sink.push("a", &tone_ms(60));
    sleep(200 * MS).await;
    assert_eq!(sink.cursor("a"), Some(120 * MS), "the prebuffer filled and everything played");
    sink.push("b", &tone_ms(30));
    sink.end_item("b");
    sleep(100 * MS).await;
    assert_eq!(sink.cursor("b"), Some(30 * MS), "an ended item plays below the prebuffer");
    let played = sink.samples();
    let first = first_above(&played, 0.01).unwrap();
    assert_near(Duration::from_secs_f64(first as f64 / 24_000.0), 200 * MS, 20 * MS);
    sink.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn barge_in_stops_at_once_and_reports_what_was_heard() {
    let sink = MemorySink::start(&SpeakerConfig::default(), ClockConfig::new(48_000)).unwrap();
    sink.push("a", &tone_ms(2000));
    sink.push("b", &tone_ms(500));
    sleep(700 * MS).await;
    let barge_in = sink.barge_in().unwrap();
    assert_eq!(barge_in.item_id, "a");
    assert_near(barge_in.played, 700 * MS, 20 * MS);
    assert_near(barge_in.discarded, 1800 * MS, 20 * MS);
    let heard_before = sink.samples().len();
    sleep(200 * MS).await;
    let after = sink.samples();
    // At most the ring's lead (one tick) of audio may still come out after the barge-in.
    let tail = &after[heard_before + 480..];
    assert_eq!(first_above(tail, 0.0), None, "silence after the barge-in");
    assert_eq!(sink.cursor("a"), Some(barge_in.played), "the cursor is frozen");
    assert_eq!(sink.cursor("b"), Some(Duration::ZERO));
    sink.push("a", &tone_ms(100));
    assert_eq!(sink.stats().ignored, 2400, "late audio of an interrupted item is dropped");
    assert!(sink.speaker().is_idle());
    assert_eq!(sink.barge_in(), None, "nothing left to interrupt");
    sink.push("c", &tone_ms(200));
    sink.end_item("c");
    timeout(Duration::from_secs(1), sink.speaker().drained()).await.unwrap();
    assert_eq!(sink.cursor("c"), Some(200 * MS), "the next item plays normally");
    let stats = sink.stats();
    assert_eq!(stats.barge_ins, 2);
    assert_eq!(stats.underruns(), 0, "a barge-in is not an underrun: {stats:?}");
    sink.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn drained_waits_until_everything_queued_has_played() {
    let sink = NullSink::start(&SpeakerConfig::default(), ClockConfig::new(48_000)).unwrap();
    let speaker = sink.speaker().clone();
    timeout(MS, speaker.drained()).await.expect("idle at first");
    speaker.push("a", &tone_ms(300));
    speaker.push("b", &tone_ms(200));
    speaker.end_item("b");
    let started = Instant::now();
    timeout(Duration::from_secs(2), speaker.drained()).await.unwrap();
    assert_near(started.elapsed(), 500 * MS, 30 * MS);
    assert_eq!(speaker.cursor("a"), Some(300 * MS), "a new id ended the previous item");
    assert_eq!(speaker.cursor("b"), Some(200 * MS));
    sink.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_arrives_late_underruns_and_the_prebuffer_grows() {
    let sink = NullSink::start(&SpeakerConfig::default(), ClockConfig::new(24_000)).unwrap();
    assert_eq!(sink.stats().prebuffer_target, 100 * MS);
    // 100 ms every 300 ms: the first two bursts play out and run dry mid-item. Two underruns are a burst, so the
    // target grows to 120 ms: the third burst waits for the fourth, and both play as one.
    for _ in 0..4 {
        sink.push("a", &tone_ms(100));
        sleep(300 * MS).await;
    }
    let stats = sink.stats();
    assert_eq!(stats.jitter.underruns, 3, "{stats:?}");
    assert_eq!(stats.device.underruns, 0, "the clock's ring never ran short");
    assert_eq!(stats.prebuffer_target, 120 * MS);
    assert_eq!(sink.cursor("a"), Some(400 * MS));
    sink.finish().await.unwrap();
}

#[tokio::test]
async fn a_fast_sink_plays_as_soon_as_audio_is_ready_and_keeps_the_level() {
    let clock = ClockConfig::new(48_000).with_pacing(Pacing::Fast);
    let sink = MemorySink::start(&SpeakerConfig::default(), clock).unwrap();
    let input = sine(1000.0, 24_000, 24_000, 0.5);
    sink.push("a", &to_pcm16(&input));
    sink.end_item("a");
    timeout(Duration::from_secs(10), sink.speaker().drained()).await.unwrap();
    assert_eq!(sink.cursor("a"), Some(Duration::from_secs(1)));
    let played = sink.samples();
    assert!(
        played.len() >= 48_000 && played.len() < 48_000 + 2_400,
        "{} samples, no idle silence",
        played.len()
    );
    let error_db = rms_dbfs(&played[4_800..43_200]) - rms_dbfs(&input);
    assert!(error_db.abs() < 0.5, "level error {error_db} dB after 24 -> 48 kHz");
    let level = sink.level();
    assert!(level.peak_dbfs < -5.0 && level.peak_dbfs > -7.0, "{level:?}");
    sink.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_wav_sink_writes_a_faithful_time_line() {
    let dir = TempDir::new("wav-sink");
    let path = dir.file("out.wav");
    let sink = WavSink::create(&path, &SpeakerConfig::default(), ClockConfig::new(16_000)).unwrap();
    sleep(200 * MS).await;
    sink.push("a", &tone_ms(100));
    sink.end_item("a");
    sleep(300 * MS).await;
    let frames = sink.finish().await.unwrap();
    let wav = read_wav(&path).unwrap();
    assert_eq!(wav.rate_hz, 16_000);
    assert_eq!(wav.samples.len() as u64, frames);
    assert_near(Duration::from_secs_f64(frames as f64 / 16_000.0), 500 * MS, 20 * MS);
    let first = first_above(&wav.samples, 0.05).unwrap();
    let last = wav.samples.iter().rposition(|sample| sample.abs() > 0.05).unwrap();
    assert_near(Duration::from_secs_f64(first as f64 / 16_000.0), 200 * MS, 20 * MS);
    assert_near(Duration::from_secs_f64((last - first) as f64 / 16_000.0), 100 * MS, 5 * MS);
}

#[test]
fn sinks_need_a_runtime_and_say_so() {
    let error = NullSink::start(&SpeakerConfig::default(), ClockConfig::default()).unwrap_err();
    assert!(error.to_string().contains("tokio runtime"), "{error}");
}

#[tokio::test]
async fn an_unwritable_wav_path_is_a_clear_error() {
    let error =
        WavSink::create("/nonexistent-dir/out.wav", &SpeakerConfig::default(), ClockConfig::default())
            .unwrap_err();
    assert!(error.to_string().contains("/nonexistent-dir/out.wav"), "{error}");
}
