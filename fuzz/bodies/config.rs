//! Fuzz target bodies for `voicebot-core`'s configuration loader: `voicebot.toml` text and `.env` text.
//!
//! Shared by `fuzz/fuzz_targets/config_toml.rs`, `fuzz/fuzz_targets/config_dotenv.rs` and the replay test in
//! `crates/voicebot-core/tests/it/fuzz_replay.rs` (all include this file with `#[path]`). `Config::load` reads
//! files only, so each run writes the input to a scratch file of its own and loads it through the public entry
//! point, exactly as the app does. A load error is never a failure; a panic is, and so is a printed secret.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use voicebot_core::config::{Config, ConfigSources};

/// A target body: one fuzz input in, a panic on failure.
pub(crate) type Body = fn(&[u8]);

/// The targets of this file by name, as `fuzz/Cargo.toml` and `fixtures/fuzz/` name them.
pub(crate) const TARGETS: &[(&str, Body)] = &[("config_toml", config_toml), ("config_dotenv", config_dotenv)];

/// A scratch file removed on drop; its name is unique in this process, so replay tests may run in parallel.
struct Scratch(PathBuf);

impl Scratch {
    fn new(extension: &str, data: &[u8]) -> Scratch {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("voicebot-fuzz-config-{}-{n}.{extension}", std::process::id());
        let path = std::env::temp_dir().join(name);
        if let Err(err) = std::fs::write(&path, data) {
            panic!("cannot write the scratch file {}: {err}", path.display());
        }
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The input as `voicebot.toml` (given with `--config`, so it must exist).
pub(crate) fn config_toml(data: &[u8]) {
    let file = Scratch::new("toml", data);
    load(&ConfigSources { file: Some((file.0.clone(), true)), ..ConfigSources::default() });
}

/// The input as a `.env` file.
pub(crate) fn config_dotenv(data: &[u8]) {
    let file = Scratch::new("env", data);
    load(&ConfigSources { dotenv: Some(file.0.clone()), ..ConfigSources::default() });
}

/// Loads, then does what `voicebot config show` and `run` do with the result.
fn load(sources: &ConfigSources) {
    match Config::load(sources) {
        Ok(loaded) => {
            let _ = loaded.shown.to_string();
            for key in ["openai_api_key", "gemini_api_key"] {
                let Some(row) = loaded.shown.get(key) else { panic!("`config show` has no row for {key}") };
                assert!(
                    row.source == "unset" || row.value == "<redacted>",
                    "`config show` printed {key} from {}",
                    row.source
                );
            }
            let _ = loaded.config.require_keys();
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
}
