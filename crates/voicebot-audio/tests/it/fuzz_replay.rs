//! The committed inputs of the `wav` fuzz target (`fixtures/fuzz/wav/`), replayed through its body.

#[path = "../../../../fuzz/bodies/audio.rs"]
mod bodies;
#[path = "../../../../fuzz/bodies/replay.rs"]
mod replay;

#[test]
fn every_committed_fuzz_input_runs_clean() {
    replay::replay(bodies::TARGETS);
}
