//! The callback bodies allocate nothing, checked with a per-thread allocation counter.

use assert_no_alloc::{assert_no_alloc, violation_count};
use voicebot_audio::rt::{input_ring, output_ring};

/// Allocations (and frees) the closure made on this thread.
fn allocations_in(run: impl FnOnce()) -> u32 {
    let before = violation_count();
    assert_no_alloc(run);
    violation_count() - before
}

#[test]
fn the_allocation_counter_catches_an_allocation() {
    let counted = allocations_in(|| {
        let boxed = std::hint::black_box(Box::new([1_u8; 64]));
        drop(boxed);
    });
    assert_eq!(counted, 2, "one allocation and one free");
}

#[test]
fn the_output_callback_allocates_nothing_when_playing_underrunning_or_flushing() {
    let (mut feed, mut callback) = output_ring(48_000, 2);
    let audio = vec![0.25_f32; 4_800];
    let mut device_i16 = vec![0_i16; 960];
    let mut device_f32 = vec![0.0_f32; 960];
    let counted = allocations_in(|| {
        for round in 0..200 {
            feed.push(&audio[..if round % 7 == 0 { 100 } else { 480 }]);
            if round % 50 == 49 {
                feed.flush();
            }
            callback.fill(&mut device_i16);
            callback.fill(&mut device_f32[..round % 960]);
        }
    });
    assert_eq!(counted, 0, "allocations in OutputCallback::fill");
    let counters = feed.counters();
    assert!(counters.underruns > 0 && counters.skipped > 0, "every path ran: {counters:?}");
}

#[test]
fn the_input_callback_allocates_nothing_even_when_the_ring_is_full() {
    let (mut callback, mut drain) = input_ring(4_800, 2);
    let data_i16 = vec![1_000_i16; 960];
    let data_f32 = vec![0.5_f32; 960];
    let counted = allocations_in(|| {
        for _ in 0..20 {
            callback.capture(&data_i16);
            callback.capture(&data_f32);
        }
    });
    assert_eq!(counted, 0, "allocations in InputCallback::capture");
    assert!(drain.counters().overruns > 0, "the full-ring path ran");
    let mut out = Vec::new();
    assert_eq!(drain.drain_into(&mut out), 4_800);
}
