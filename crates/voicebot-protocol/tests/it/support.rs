//! Helpers shared by the integration tests: where the fixtures are, and reading them.

use std::fs;
use std::path::{Path, PathBuf};

/// `fixtures/protocol` at the workspace root.
pub(crate) fn protocol_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/protocol")
}

/// Every `*.json` file in `fixtures/protocol/<rel>`, sorted, with its text.
pub(crate) fn read_folder(rel: &str) -> Vec<(String, String)> {
    let dir = protocol_fixtures().join(rel);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot read fixture folder {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().expect("file name").to_string_lossy().into_owned();
            let text = fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            (name, text)
        })
        .collect()
}
