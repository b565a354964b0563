//! WAV files as microphones: pacing, formats, the end of the file, slow readers.

use std::time::Duration;

use tokio::time::{Instant, timeout};
use voicebot_audio::{
    AfterEnd, AudioSource, MicConfig, Pacing, WavSource, read_wav, read_wav_from, rms_dbfs,
};

use crate::support::{TempDir, sine, write_wav};

const MS: Duration = Duration::from_millis(1);

fn level_of(frames: &[voicebot_audio::AudioFrame]) -> f32 {
    let samples: Vec<f32> =
        frames.iter().flat_map(|frame| frame.samples.iter().map(|&s| f32::from(s) / 32_768.0)).collect();
    rms_dbfs(&samples)
}

#[tokio::test(start_paused = true)]
async fn frames_arrive_in_real_time_then_silence_like_a_live_mic() {
    let dir = TempDir::new("paced");
    let path = dir.file("in.wav");
    write_wav(&path, 16_000, 1, 16, &sine(440.0, 16_000, 16_000, 0.5));
    let mut source =
        WavSource::open(&path, MicConfig::new(16_000), Pacing::RealTime, AfterEnd::Silence).unwrap();
    assert_eq!(source.duration(), Duration::from_secs(1));
    let started = Instant::now();
    let first = source.next_frame().await.unwrap();
    assert_eq!(started.elapsed(), 20 * MS, "a frame is ready once it has been captured");
    assert_eq!((first.sequence, first.timestamp, first.samples.len()), (0, Duration::ZERO, 320));
    let mut frames = vec![first];
    for _ in 1..50 {
        frames.push(source.next_frame().await.unwrap());
    }
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    timeout(MS, source.ended()).await.expect("ended after the last frame of the file");
    assert!(source.is_ended());
    assert!((level_of(&frames) - -9.03).abs() < 0.1, "{}", level_of(&frames));
    let silence = source.next_frame().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_millis(1020));
    assert_eq!((silence.sequence, silence.timestamp), (50, Duration::from_secs(1)));
    assert!(silence.samples.iter().all(|&s| s == 0));
    assert_eq!(source.stats().dropped_frames, 0);
}

#[tokio::test]
async fn any_wav_format_and_rate_becomes_mono_frames_at_the_requested_rate() {
    let dir = TempDir::new("formats");
    for (name, rate, channels, bits) in [
        ("s16-48k-stereo", 48_000, 2, 16),
        ("f32-44k-stereo", 44_100, 2, 0),
        ("s24-24k-mono", 24_000, 1, 24),
        ("u8-8k-mono", 8_000, 1, 8),
    ] {
        let path = dir.file(&format!("{name}.wav"));
        let mono = sine(1000.0, rate, rate as usize, 0.5);
        let interleaved: Vec<f32> =
            mono.iter().flat_map(|&s| std::iter::repeat_n(s, usize::from(channels))).collect();
        write_wav(&path, rate, channels, bits, &interleaved);
        let decoded = read_wav(&path).unwrap();
        assert_eq!(
            (decoded.rate_hz, decoded.channels, decoded.samples.len()),
            (rate, channels, rate as usize)
        );
        let mut source =
            WavSource::open(&path, MicConfig::new(16_000), Pacing::Fast, AfterEnd::Close).unwrap();
        let mut frames = Vec::new();
        while let Some(frame) = timeout(Duration::from_secs(5), source.next_frame()).await.unwrap() {
            frames.push(frame);
        }
        assert_eq!(frames.len(), 50, "{name}: one second of 20 ms frames");
        assert!(frames.iter().all(|frame| frame.rate_hz == 16_000 && frame.samples.len() == 320));
        let error = level_of(&frames[2..48]) - rms_dbfs(&mono);
        assert!(error.abs() < 0.5, "{name}: level error {error} dB");
        assert!(source.is_ended());
    }
}

#[tokio::test(start_paused = true)]
async fn a_reader_that_falls_behind_loses_frames_and_sees_the_gap() {
    let dir = TempDir::new("slow");
    let path = dir.file("in.wav");
    write_wav(&path, 24_000, 1, 16, &sine(440.0, 24_000, 24_000, 0.5));
    let config = MicConfig { queue_frames: 5, ..MicConfig::new(24_000) };
    let mut source = WavSource::open(&path, config, Pacing::RealTime, AfterEnd::Silence).unwrap();
    tokio::time::sleep(Duration::from_millis(510)).await;
    let stats = source.stats();
    assert_eq!((stats.frames, stats.dropped_frames), (5, 20), "{stats:?}");
    for sequence in 0..5 {
        assert_eq!(source.next_frame().await.unwrap().sequence, sequence);
    }
    assert_eq!(source.next_frame().await.unwrap().sequence, 25, "the gap shows the dropped frames");
}

#[tokio::test]
async fn a_missing_or_broken_file_is_a_clear_error() {
    let dir = TempDir::new("broken");
    let missing = dir.file("missing.wav");
    let error = WavSource::open(&missing, MicConfig::new(16_000), Pacing::Fast, AfterEnd::Close).unwrap_err();
    assert!(error.to_string().contains("missing.wav"), "{error}");
    let garbage = dir.file("garbage.wav");
    std::fs::write(&garbage, b"not a wav file at all").unwrap();
    let error = read_wav(&garbage).unwrap_err();
    assert!(error.to_string().starts_with("wav file"), "{error}");
}

#[test]
fn a_wav_read_from_bytes_equals_the_same_wav_read_from_its_file() {
    let dir = TempDir::new("from-bytes");
    let path = dir.file("in.wav");
    write_wav(&path, 44_100, 2, 24, &sine(440.0, 44_100, 2_000, 0.5));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(read_wav_from(std::io::Cursor::new(&bytes)).unwrap(), read_wav(&path).unwrap());
    let error = read_wav_from(&b"not a wav file at all"[..]).unwrap_err();
    assert!(matches!(error, voicebot_audio::Error::WavData { .. }), "{error:?}");
    assert!(error.to_string().starts_with("wav data"), "{error}");
}
