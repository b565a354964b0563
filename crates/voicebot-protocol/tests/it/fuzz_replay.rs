//! The committed inputs of the protocol fuzz targets (`fixtures/fuzz/<target>/`), replayed through their bodies.

#[path = "../../../../fuzz/bodies/protocol.rs"]
mod bodies;
#[path = "../../../../fuzz/bodies/replay.rs"]
mod replay;

#[test]
fn every_committed_fuzz_input_runs_clean() {
    replay::replay(bodies::TARGETS);
}
