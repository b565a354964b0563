//! The callback bodies allocate nothing, checked with a per-thread allocation counter; a reattached ring changes
//! hands between two calls of the callback, never during one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
fn a_retired_and_a_reattached_output_callback_allocate_nothing() {
    let (mut feed, mut retired) = output_ring(4_800, 2);
    let audio = vec![0.25_f32; 480];
    feed.push(&audio);
    // Reattaching allocates the new ring, on the worker; the callbacks themselves must not.
    let mut reattached = feed.reattach(1).unwrap();
    let mut device = vec![0_i16; 960];
    let counted = allocations_in(|| {
        for _ in 0..50 {
            feed.push(&audio);
            retired.fill(&mut device);
            reattached.fill(&mut device);
        }
    });
    assert_eq!(counted, 0, "allocations in a retired or reattached OutputCallback::fill");
    assert_eq!(feed.counters().callbacks, 50, "only the reattached callback counts");
}

#[test]
fn a_callback_playing_on_another_thread_is_retired_between_two_calls() {
    let (mut feed, mut old) = output_ring(1 << 16, 1);
    feed.push(&vec![0.5; 1 << 16]);
    let stop = Arc::new(AtomicBool::new(false));
    let player = std::thread::spawn({
        let stop = Arc::clone(&stop);
        move || {
            let mut out = [0.0_f32; 64];
            while !stop.load(Ordering::Relaxed) {
                old.fill(&mut out);
            }
        }
    });
    while feed.read_position() == 0 {
        std::thread::yield_now();
    }
    let mut busy = 0;
    let mut new = loop {
        match feed.reattach(1) {
            Some(callback) => break callback,
            None => busy += 1,
        }
    };
    let retired_at = feed.read_position();
    for _ in 0..1_000 {
        std::thread::yield_now();
    }
    assert_eq!(
        feed.read_position(),
        retired_at,
        "the retired callback took nothing more ({busy} busy tries)"
    );
    feed.push(&[0.5; 64]);
    let mut out = [0.0_f32; 64];
    new.fill(&mut out);
    assert_eq!(out, [0.5; 64], "the new callback plays on");
    assert_eq!(feed.read_position(), retired_at + 64);
    stop.store(true, Ordering::Relaxed);
    player.join().unwrap();
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
