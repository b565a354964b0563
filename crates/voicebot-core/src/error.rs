//! Errors of voicebot-core. Every message is one line that says what is wrong and how to fix it.

use std::path::PathBuf;

/// Why the configuration could not be assembled. The app prints it as one line and exits 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key nobody knows (a typo in `voicebot.toml`, usually).
    #[error("unknown key `{key}` in {origin}; `voicebot config show` lists the known keys")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// Where it was written.
        origin: String,
    },
    /// A known key with a value of the wrong shape.
    #[error("{key} from {origin}: {message}")]
    Invalid {
        /// The key or variable as written.
        key: String,
        /// Where it came from.
        origin: String,
        /// What is wrong, and what is expected.
        message: String,
    },
    /// A configuration file that cannot be read or parsed.
    #[error("cannot read {}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A `.env` file that cannot be read or parsed.
    #[error("cannot read {}: {message}; fix the line or remove the file", path.display())]
    DotEnv {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A provider key that the chosen pipeline needs is not set.
    #[error("{var} is not set and {needed_for} needs it; export {var}=... or set {key} in voicebot.toml")]
    MissingKey {
        /// The environment variable.
        var: &'static str,
        /// The `voicebot.toml` key.
        key: &'static str,
        /// What needs it.
        needed_for: String,
    },
}

/// Why a pipeline stopped with an error. Sessions that fail are replaced or reported in the journal, not here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The microphone stopped delivering audio.
    #[error("the microphone stopped delivering audio")]
    Microphone,
    /// The only realtime session could not be opened or ended for good.
    #[error("the realtime session failed: {0}")]
    Session(String),
}

/// Why a pipeline could not be built from the configuration. One line, exit 2 in the app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A missing or wrong setting.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The tools could not be set up (an unusable `WORKSPACE_ROOT`).
    #[error("{0}; set WORKSPACE_ROOT to an existing folder")]
    Tools(#[from] voicebot_tools::Error),
    /// A client could not be built.
    #[error(transparent)]
    Transport(#[from] voicebot_transport::Error),
    /// Another invalid setting.
    #[error("{0}")]
    Invalid(String),
}
