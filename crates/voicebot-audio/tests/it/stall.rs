//! A stalled speaker: the sink clock stops taking audio while its [`StallSwitch`] is stalled, the queue waits and
//! overflows (bounded, counted), and playback resumes one tick after the switch is resumed, without a burst.

use std::time::Duration;

use tokio::time::{sleep, timeout};
use voicebot_audio::{AudioSink, ClockConfig, MemorySink, NullSink, Pacing, SpeakerConfig};

use crate::support::{sine, to_pcm16};

const MS: Duration = Duration::from_millis(1);

/// `count` ms of a 440 Hz tone at 24 kHz, amplitude 0.5.
fn tone_ms(count: usize) -> Vec<i16> {
    to_pcm16(&sine(440.0, 24_000, count * 24, 0.5))
}

#[tokio::test(start_paused = true)]
async fn a_stalled_clock_takes_nothing_and_resumes_without_a_burst() {
    let mut config = SpeakerConfig::default();
    config.jitter.capacity = 500 * MS;
    let sink = MemorySink::start(&config, ClockConfig::new(24_000)).unwrap();
    let stall = sink.stall_switch();
    sleep(105 * MS).await;
    stall.stall();
    assert!(sink.stall_switch().is_stalled(), "every call returns the same switch");
    sleep(20 * MS).await;
    let before = sink.stats();
    let written = sink.samples().len();
    assert_eq!(before.device.frames, 2_640, "the clock ran for 11 ticks of 240 frames before the stall");

    sink.push("a", &tone_ms(800));
    sink.end_item("a");
    sleep(Duration::from_secs(1)).await;
    let stalled = sink.stats();
    assert_eq!(stalled.device.frames, before.device.frames, "nothing taken while stalled: {stalled:?}");
    assert_eq!(stalled.device.callbacks, before.device.callbacks);
    assert_eq!(sink.samples().len(), written, "nothing written while stalled");
    assert_eq!(sink.cursor("a"), Some(Duration::ZERO));
    assert_eq!(stalled.overruns(), 300 * 24, "the oldest 300 ms did not fit the 500 ms queue");
    assert!(stalled.buffered >= 500 * MS, "the rest waits: {:?}", stalled.buffered);
    assert_eq!(stalled.underruns(), 0, "a stall is not an underrun");

    stall.resume();
    sleep(15 * MS).await;
    assert_eq!(
        sink.stats().device.frames,
        before.device.frames + 240,
        "one tick after the resume, not a catch-up of the second lost"
    );
    timeout(Duration::from_secs(2), sink.speaker().drained()).await.expect("the queue plays out");
    assert_eq!(
        sink.cursor("a"),
        Some(500 * MS),
        "what was kept plays in full, what was dropped is not counted"
    );
    sink.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_fast_clock_stalls_too() {
    let clock = ClockConfig::new(24_000).with_pacing(Pacing::Fast);
    let sink = NullSink::start(&SpeakerConfig::default(), clock).unwrap();
    let stall = sink.stall_switch();
    stall.stall();
    sink.push("a", &tone_ms(200));
    sink.end_item("a");
    sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.stats().device.frames, 0);
    assert_eq!(sink.cursor("a"), Some(Duration::ZERO));
    stall.resume();
    timeout(Duration::from_secs(1), sink.speaker().drained()).await.expect("it plays once resumed");
    assert_eq!(sink.cursor("a"), Some(200 * MS));
    sink.finish().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_stalled_sink_still_finishes() {
    let sink = NullSink::start(&SpeakerConfig::default(), ClockConfig::new(24_000)).unwrap();
    sink.stall_switch().stall();
    sleep(50 * MS).await;
    let played = timeout(MS, sink.finish()).await.expect("finish does not wait for a resume").unwrap();
    assert_eq!(played, 0, "stalled before its first tick");
}
