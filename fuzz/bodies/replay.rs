//! Replays the committed inputs of the fuzz targets under plain `cargo test` (stable Rust, no libFuzzer).
//!
//! Each package whose code is fuzzed includes this file and its bodies file with `#[path]` in its `tests/it`
//! binary and calls [`replay`]: every file of `fixtures/fuzz/<target>/` (the minimized corpus) and of
//! `fixtures/fuzz/<target>/crashes/` (inputs that once failed) goes through the very function the fuzz target
//! runs, so a fixed crash stays fixed.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// A target body, as the bodies files declare it.
type Body = fn(&[u8]);

/// Every fuzz target, and the package whose integration tests replay its inputs.
pub(crate) const TARGETS: &[(&str, &str)] = &[
    ("openai_server", "voicebot-protocol"),
    ("openai_client", "voicebot-protocol"),
    ("gemini_server", "voicebot-protocol"),
    ("gemini_client", "voicebot-protocol"),
    ("responses_stream", "voicebot-protocol"),
    ("responses_request", "voicebot-protocol"),
    ("responses_response", "voicebot-protocol"),
    ("responses_error", "voicebot-protocol"),
    ("sse", "voicebot-protocol"),
    ("wav", "voicebot-audio"),
    ("config_toml", "voicebot-core"),
    ("config_dotenv", "voicebot-core"),
];

/// The repository root, from the package that includes this file.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file of `fixtures/fuzz/<target>/`, subfolders (`crashes/`) included, sorted.
pub(crate) fn inputs(target: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|err| panic!("{}: {err}", dir.display())).path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo_root().join("fixtures/fuzz").join(target), &mut files);
    files.sort();
    files
}

/// Runs each of this package's targets over its inputs and fails naming every input that panicked.
///
/// `bodies` must list exactly the targets [`TARGETS`] gives to this package, so none is left unreplayed.
pub(crate) fn replay(bodies: &[(&str, Body)]) {
    let package = env!("CARGO_PKG_NAME");
    let expected: Vec<&str> =
        TARGETS.iter().filter(|(_, owner)| *owner == package).map(|(target, _)| *target).collect();
    let listed: Vec<&str> = bodies.iter().map(|(target, _)| *target).collect();
    assert_eq!(listed, expected, "the bodies of {package} and the replay list disagree");
    let mut failed = Vec::new();
    for (target, body) in bodies {
        let files = inputs(target);
        assert!(!files.is_empty(), "fixtures/fuzz/{target} has no inputs");
        for path in files {
            let data = fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            if catch_unwind(AssertUnwindSafe(|| body(&data))).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "fuzz inputs that panic (see the messages above):\n{}", failed.join("\n"));
}
