//! The committed inputs of the configuration fuzz targets, replayed through their bodies, and a check that the
//! fuzz targets, their binaries, their input folders and the replay list name the same set.

use std::collections::BTreeSet;
use std::fs;

#[path = "../../../../fuzz/bodies/config.rs"]
mod bodies;
#[path = "../../../../fuzz/bodies/replay.rs"]
mod replay;

#[test]
fn every_committed_fuzz_input_runs_clean() {
    replay::replay(bodies::TARGETS);
}

/// The names of the entries of `dir` (file stems when `extension` is given, folders otherwise).
fn names(dir: &str, extension: Option<&str>) -> BTreeSet<String> {
    let dir = replay::repo_root().join(dir);
    fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| match extension {
            Some(extension) => path.extension().is_some_and(|ext| ext == extension),
            None => path.is_dir(),
        })
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn fuzz_targets_binaries_inputs_and_replays_name_the_same_set() {
    let targets: BTreeSet<String> = replay::TARGETS.iter().map(|(target, _)| (*target).to_owned()).collect();
    assert_eq!(targets.len(), replay::TARGETS.len(), "a target is listed twice");

    let manifest = fs::read_to_string(replay::repo_root().join("fuzz/Cargo.toml")).unwrap();
    let mut bins = BTreeSet::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let Some(name) = line.strip_prefix("name = \"").filter(|_| in_bin) {
            bins.insert(name.trim_end_matches('"').to_owned());
        }
    }
    assert_eq!(bins, targets, "fuzz/Cargo.toml [[bin]] names");
    assert_eq!(names("fuzz/fuzz_targets", Some("rs")), targets, "fuzz/fuzz_targets/*.rs");
    assert_eq!(names("fixtures/fuzz", None), targets, "fixtures/fuzz/* folders");
}
