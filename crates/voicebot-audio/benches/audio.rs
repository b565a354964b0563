//! Criterion benchmarks of the audio hot paths: resampling (report throughput in multiples of real time),
//! jitter buffer push/pop, and one 10 ms device callback fill.
//!
//! `cargo bench -p voicebot-audio` runs them; criterion reports elements per second, and one second of audio
//! is `rate` elements, so "x real time" is the element rate divided by the input rate.
#![allow(
    missing_docs,
    clippy::expect_used,
    reason = "criterion's macros generate undocumented items; a bench may stop on a bad setup"
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use voicebot_audio::rt::output_ring;
use voicebot_audio::{JitterBuffer, JitterConfig, Resampler};

fn sine(rate_hz: u32, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|n| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * n as f32 / rate_hz as f32).sin())
        .collect()
}

/// One second of input per iteration, fed in 20 ms chunks like a microphone or a model delta.
fn resampler(c: &mut Criterion) {
    let mut group = c.benchmark_group("resampler");
    for (from_hz, to_hz) in [(48_000_u32, 16_000_u32), (24_000, 48_000), (48_000, 24_000), (44_100, 16_000)] {
        let input = sine(from_hz, from_hz as usize);
        let chunk = from_hz as usize / 50;
        let mut resampler = Resampler::new(from_hz, to_hz).expect("valid rates");
        let mut out = Vec::with_capacity(to_hz as usize * 2);
        group.throughput(Throughput::Elements(u64::from(from_hz)));
        group.bench_function(format!("{}k_to_{}k_1s", from_hz / 1000, to_hz / 1000), |b| {
            b.iter(|| {
                out.clear();
                for piece in input.chunks(chunk) {
                    let _ = resampler.process(black_box(piece), &mut out);
                }
                black_box(out.len())
            });
        });
    }
    group.finish();
}

/// Push one 20 ms delta and pop two 10 ms device blocks, at 24 kHz.
fn jitter(c: &mut Criterion) {
    let mut jitter = JitterBuffer::new(&JitterConfig::new(24_000)).expect("default config");
    let delta = sine(24_000, 480);
    let mut block = vec![0.0_f32; 240];
    jitter.push(&sine(24_000, 4_800));
    let mut group = c.benchmark_group("jitter");
    group.throughput(Throughput::Elements(480));
    group.bench_function("push_20ms_pop_2x10ms", |b| {
        b.iter(|| {
            jitter.push(black_box(&delta));
            jitter.pop(&mut block);
            jitter.pop(&mut block);
            black_box(block[0])
        });
    });
    group.finish();
}

/// One 10 ms callback at 48 kHz stereo, i16 and f32, from a ring kept full.
fn callback(c: &mut Criterion) {
    let (mut feed, mut callback) = output_ring(48_000, 2);
    let audio = sine(48_000, 480);
    let mut device_i16 = vec![0_i16; 960];
    let mut device_f32 = vec![0.0_f32; 960];
    let mut group = c.benchmark_group("callback");
    group.throughput(Throughput::Elements(480));
    group.bench_function("fill_10ms_48k_stereo_i16", |b| {
        b.iter(|| {
            feed.push(&audio);
            callback.fill(black_box(&mut device_i16));
        });
    });
    group.bench_function("fill_10ms_48k_stereo_f32", |b| {
        b.iter(|| {
            feed.push(&audio);
            callback.fill(black_box(&mut device_f32));
        });
    });
    group.finish();
}

criterion_group!(benches, resampler, jitter, callback);
criterion_main!(benches);
