//! Errors of voicebot-core. Every message is one line that says what is wrong and how to fix it.

use std::path::PathBuf;

use voicebot_transport::{ErrorClass, Failure, Provider, Setting};

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

/// Why a pipeline stopped with an error. Transient failures never get here: the transport reconnects under the
/// pipeline and the journal records each attempt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The microphone stopped delivering audio.
    #[error("the microphone stopped delivering audio")]
    Microphone,
    /// A session (main, replacement main, reader, direct) or the brain failed in a way retrying cannot fix, or
    /// went without a working connection for longer than the retry policy allows.
    #[error("{}", failed_line(role, provider, failure, *setting))]
    Failed {
        /// `main`, `reader`, `direct` or `brain`.
        role: &'static str,
        /// `gemini`, `openai` or `openai responses`.
        provider: &'static str,
        /// What failed, classified by the transport.
        failure: Failure,
        /// The configuration variable to fix (`GEMINI_API_KEY`, `BRAIN_MODEL`, ...), when the failure names one.
        setting: Option<&'static str>,
    },
    /// A tool reported that it cannot work until a setting changes (`ask_brain` with a refused key or an unknown
    /// `BRAIN_MODEL`); its message is the line to print.
    #[error("{message}")]
    Misconfigured {
        /// The tool.
        tool: String,
        /// What is wrong and what to fix, one line.
        message: String,
    },
}

impl PipelineError {
    /// Whether the run failed because of a setting that must change (exit code 2 in the app), rather than the
    /// network or the service.
    pub fn is_permanent(&self) -> bool {
        match self {
            PipelineError::Failed { failure, .. } => failure.is_permanent(),
            PipelineError::Misconfigured { .. } => true,
            PipelineError::Microphone => false,
        }
    }
}

/// One line: what failed, why, and what to fix.
fn failed_line(role: &str, provider: &str, failure: &Failure, setting: Option<&str>) -> String {
    let who = match role {
        "brain" => format!("the brain ({provider})"),
        "direct" => format!("the realtime session ({provider})"),
        other => format!("the {other} session ({provider})"),
    };
    match (failure.class, setting) {
        // The transport's message already says what to set (a certificate error names CA_FILE).
        (ErrorClass::Permanent, Some(setting)) if failure.message.contains(setting) => {
            format!("{who} cannot work: {}", failure.message)
        }
        (ErrorClass::Permanent, Some(setting)) => {
            format!("{who} cannot work: {}; fix {setting} and run again", failure.message)
        }
        (ErrorClass::Permanent, None) => format!(
            "{who} cannot work: {}; check the settings `voicebot config show` lists and run again",
            failure.message
        ),
        (ErrorClass::GaveUp, setting) => format!(
            "{who} stopped: {}; check the network{}",
            failure.message,
            setting.map(|s| format!(" and {s}")).unwrap_or_default()
        ),
        _ => format!("{who} stopped: {}", failure.message),
    }
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

/// A [`PipelineError::Failed`] for `role`, naming the configuration variable its failure points at.
/// `provider` is `None` for the brain (always the Responses API).
pub(crate) fn failed(role: &'static str, provider: Option<Provider>, failure: Failure) -> PipelineError {
    let setting = failure.setting.map(|setting| variable(provider, setting));
    let provider = match provider {
        Some(Provider::OpenAi) => "openai",
        Some(Provider::Gemini) => "gemini",
        None => "openai responses",
    };
    PipelineError::Failed { role, provider, failure, setting }
}

/// The variable of voicebot's configuration that holds `setting` for `provider` (`None`: the brain).
fn variable(provider: Option<Provider>, setting: Setting) -> &'static str {
    match (provider, setting) {
        (Some(Provider::Gemini), Setting::ApiKey) => "GEMINI_API_KEY",
        (Some(Provider::Gemini), Setting::Model) => "GEMINI_MODEL",
        (Some(Provider::Gemini), Setting::BaseUrl) => "GEMINI_BASE_URL",
        (_, Setting::ApiKey) => "OPENAI_API_KEY",
        (Some(_), Setting::Model) => "REALTIME_MODEL",
        (None, Setting::Model) => "BRAIN_MODEL",
        (_, Setting::BaseUrl) => "OPENAI_BASE_URL",
        (_, _) => "CA_FILE",
    }
}

#[cfg(test)]
mod tests {
    use voicebot_transport::Error;

    use super::*;

    #[test]
    fn a_permanent_failure_names_the_variable_to_fix_on_one_line() {
        let refused = Error::Rejected {
            host: "generativelanguage.googleapis.com:443".into(),
            status: 401,
            reason: "API key not valid. Please pass a valid API key.".into(),
        };
        let error = failed("main", Some(Provider::Gemini), Failure::from(&refused));
        assert!(error.is_permanent());
        let line = error.to_string();
        assert!(line.starts_with("the main session (gemini) cannot work: "), "{line}");
        assert!(line.ends_with("; fix GEMINI_API_KEY and run again"), "{line}");
        assert!(!line.contains('\n'));

        let unknown = Error::Http {
            host: "api.openai.com:443".into(),
            status: 404,
            code: Some("model_not_found".into()),
            message: "The model `gpt-nope` does not exist or you do not have access to it.".into(),
        };
        let line = failed("brain", None, Failure::from(&unknown)).to_string();
        assert!(line.contains("the brain (openai responses)") && line.contains("fix BRAIN_MODEL"), "{line}");
        let reader = failed("reader", Some(Provider::OpenAi), Failure::from(&unknown)).to_string();
        assert!(reader.contains("fix REALTIME_MODEL"), "{reader}");
    }

    #[test]
    fn giving_up_is_not_permanent_and_says_to_check_the_network() {
        let gave_up = Error::RetriesExhausted {
            attempts: 12,
            waited: std::time::Duration::from_secs(120),
            last: Box::new(Error::Connect {
                host: "127.0.0.1:9".into(),
                message: "connection refused".into(),
            }),
        };
        let error = failed("direct", Some(Provider::OpenAi), Failure::from(&gave_up));
        assert!(!error.is_permanent());
        let line = error.to_string();
        assert!(line.starts_with("the realtime session (openai) stopped: gave up after 12"), "{line}");
        assert!(line.contains("check the network"), "{line}");
    }
}
