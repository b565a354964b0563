//! Configuration: figment layers merged into one typed, validated [`Config`], with where each value came from.
//!
//! Precedence, lowest first: built-in defaults < `voicebot.toml` < `.env` < environment < command line.
//! The caller says where each layer is ([`ConfigSources`]): this crate never reads the process environment on
//! its own, so tests and embedders can pass exactly what they mean.
//!
//! ```
//! use voicebot_core::config::{Config, ConfigSources};
//!
//! let sources = ConfigSources::default().with_environment([("WAKE_PHRASE", "jarvis"), ("CHUNK_MS", "40")]);
//! let loaded = Config::load(&sources).unwrap();
//! assert_eq!(loaded.config.wake_phrase, "jarvis");
//! assert_eq!(loaded.config.audio.chunk_ms, 40);
//! ```

mod keys;
mod layers;
mod show;

use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Format as _, Toml};
use serde::Deserialize;
use voicebot_transport::{ApiKey, GeminiEndpoint, OpenAiEndpoint, Provider, RetryPolicy};

use self::keys::{
    DEFAULT_BRAIN_MODEL, DEFAULT_BRAIN_TIMEOUT_MS, DEFAULT_CHUNK_MS, DEFAULT_GEMINI_MODEL,
    DEFAULT_KEEP_LAST_TURNS, DEFAULT_REALTIME_MODEL, DEFAULT_RECONNECT_GIVE_UP_MS,
    DEFAULT_RECONNECT_MAX_DELAY_MS, DEFAULT_SUMMARY_TRIGGER_TOKENS, DEFAULT_WAKE_PHRASE,
};
use self::layers::{Layer, Origin};
pub use self::show::{Shown, ShownValue};
use crate::error::ConfigError;

/// Which assistant to run (design.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineKind {
    /// Main session with a wake phrase, a text brain, and a reader.
    Handoff,
    /// One realtime session with barge-in, tools and summarization.
    Direct,
}

/// Where the configuration comes from. Every field is optional; [`Default`] is "built-in defaults only".
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// The TOML file, and whether it must exist (`--config PATH` given explicitly) or may be absent
    /// (the default `voicebot.toml` in the working directory).
    pub file: Option<(PathBuf, bool)>,
    /// A `.env` file, read when present.
    pub dotenv: Option<PathBuf>,
    /// Environment variables (`std::env::vars()` in the app). Variables voicebot does not know are ignored.
    pub environment: Vec<(String, String)>,
    /// Command-line values by key name (`wake_phrase`, `pipeline`, ...).
    pub overrides: Vec<(&'static str, String)>,
}

impl ConfigSources {
    /// Adds environment variables.
    #[must_use]
    pub fn with_environment<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.environment.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Adds a command-line override of the key `name`.
    #[must_use]
    pub fn with_override(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.overrides.push((name, value.into()));
        self
    }
}

/// OpenAI settings: Realtime and the Responses API share the key and the base URL.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// `OPENAI_API_KEY`.
    pub api_key: Option<ApiKey>,
    /// `OPENAI_BASE_URL`.
    pub endpoint: OpenAiEndpoint,
    /// `REALTIME_MODEL`.
    pub realtime_model: String,
    /// `TRANSCRIBE_MODEL` (provider default when unset).
    pub transcribe_model: Option<String>,
}

/// Gemini settings.
#[derive(Debug, Clone)]
pub struct GeminiSettings {
    /// `GEMINI_API_KEY`.
    pub api_key: Option<ApiKey>,
    /// `GEMINI_BASE_URL`.
    pub endpoint: GeminiEndpoint,
    /// `GEMINI_MODEL`.
    pub model: String,
}

/// Audio settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioSettings {
    /// `SAMPLE_RATE_HZ`: the device rate to ask for (the device's native rate when unset).
    pub sample_rate_hz: Option<u32>,
    /// `CHUNK_MS`: microphone chunk length.
    pub chunk_ms: u32,
    /// `INPUT_DEVICE_ID`.
    pub input_device_id: Option<String>,
    /// `OUTPUT_DEVICE_ID`.
    pub output_device_id: Option<String>,
}

/// When to summarize, and what to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummarySettings {
    /// `SUMMARY_TRIGGER_TOKENS`.
    pub trigger_tokens: u64,
    /// `KEEP_LAST_TURNS`.
    pub keep_last_turns: usize,
}

/// `LANGUAGE_POLICY`: `auto`, or a language code that forces the language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LanguageSetting {
    /// Detect the language from recent user turns.
    Auto,
    /// Always this language (`en`, `fr`, `pt-BR`, ...).
    Forced(String),
}

/// A PEM file of certificate authorities every client trusts besides Mozilla's roots, and the setting it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaFile {
    /// The file.
    pub path: PathBuf,
    /// `CA_FILE`, or `SSL_CERT_FILE` when `CA_FILE` is not set, for error lines.
    pub setting: &'static str,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which assistant `run` starts.
    pub pipeline: PipelineKind,
    /// Provider of the main (handoff) or only (direct) session.
    pub main_provider: Provider,
    /// Provider of the reader session (handoff).
    pub reader_provider: Provider,
    /// OpenAI settings.
    pub openai: OpenAiSettings,
    /// Gemini settings.
    pub gemini: GeminiSettings,
    /// `BRAIN_MODEL`.
    pub brain_model: String,
    /// `BRAIN_TIMEOUT_MS`: how long `ask_brain` waits for the brain.
    pub brain_timeout: Duration,
    /// `RECONNECT_MAX_DELAY_MS` and `RECONNECT_GIVE_UP_MS`: how every session (main, replacement, reader,
    /// direct) reconnects after a transient failure.
    pub reconnect: RetryPolicy,
    /// `WAKE_PHRASE`.
    pub wake_phrase: String,
    /// `WORKSPACE_ROOT`: the only folder the file tools may read.
    pub workspace_root: PathBuf,
    /// `VOICE_NAME` (provider default when unset).
    pub voice_name: Option<String>,
    /// Audio settings.
    pub audio: AudioSettings,
    /// Summarization settings.
    pub summary: SummarySettings,
    /// `LANGUAGE_POLICY`.
    pub language: LanguageSetting,
    /// `CA_FILE`, else `SSL_CERT_FILE`: extra certificate authorities for `https://` and `wss://` endpoints.
    pub ca_file: Option<CaFile>,
}

/// A loaded configuration and the record of where each value came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// What `voicebot config show` prints.
    pub shown: Shown,
}

/// The keys as figment extracts them; `deny_unknown_fields` is what makes a typo in `voicebot.toml` an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    pipeline: Option<String>,
    main_provider: Option<String>,
    reader_provider: Option<String>,
    openai_api_key: Option<String>,
    openai_base_url: Option<String>,
    gemini_api_key: Option<String>,
    gemini_base_url: Option<String>,
    gemini_model: Option<String>,
    realtime_model: Option<String>,
    brain_model: Option<String>,
    brain_timeout_ms: Option<u64>,
    reconnect_max_delay_ms: Option<u64>,
    reconnect_give_up_ms: Option<u64>,
    wake_phrase: Option<String>,
    workspace_root: Option<PathBuf>,
    voice_name: Option<String>,
    transcribe_model: Option<String>,
    sample_rate_hz: Option<u64>,
    chunk_ms: Option<u64>,
    summary_trigger_tokens: Option<u64>,
    keep_last_turns: Option<u64>,
    language_policy: Option<String>,
    input_device_id: Option<String>,
    output_device_id: Option<String>,
    ca_file: Option<PathBuf>,
    ssl_cert_file: Option<PathBuf>,
}

impl Config {
    /// Merges the layers and validates the result.
    ///
    /// # Errors
    /// [`ConfigError`] naming the key and where it came from: an unknown key in the file, a value of the wrong
    /// shape, a bad URL, an unreadable file. Missing API keys are *not* errors here (see [`Config::require_keys`]).
    pub fn load(sources: &ConfigSources) -> Result<Loaded, ConfigError> {
        let mut figment = Figment::new();
        if let Some((path, required)) = &sources.file {
            if path.exists() {
                figment = figment.merge(Toml::file_exact(path));
            } else if *required {
                return Err(ConfigError::File { path: path.clone(), message: "no such file".to_owned() });
            }
        }
        if let Some(path) = &sources.dotenv {
            figment = figment.merge(Layer::from_dotenv(path)?);
        }
        figment = figment.merge(Layer::from_vars(Origin::Environment, sources.environment.iter().cloned())?);
        figment = figment.merge(Layer::from_keys(Origin::CommandLine, sources.overrides.iter().cloned())?);
        let raw: Raw = figment.extract().map_err(|err| from_figment(&err))?;
        let config = Config::validate(raw, &figment)?;
        Ok(Loaded { shown: Shown::collect(&figment), config })
    }

    fn validate(raw: Raw, figment: &Figment) -> Result<Config, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.to_owned(),
            origin: show::source_of(figment, key),
            message,
        };
        let pipeline = match raw.pipeline.as_deref().map(str::trim) {
            None | Some("handoff") => PipelineKind::Handoff,
            Some("direct") => PipelineKind::Direct,
            Some(other) => {
                return Err(invalid("pipeline", format!("expected `handoff` or `direct`, found `{other}`")));
            }
        };
        let provider = |key: &str, text: Option<&str>, default: Provider| match text.map(str::trim) {
            None => Ok(default),
            Some("openai") => Ok(Provider::OpenAi),
            Some("gemini") => Ok(Provider::Gemini),
            Some(other) => Err(invalid(key, format!("expected `openai` or `gemini`, found `{other}`"))),
        };
        let main_default = if pipeline == PipelineKind::Direct { Provider::OpenAi } else { Provider::Gemini };
        let main_provider = provider("main_provider", raw.main_provider.as_deref(), main_default)?;
        let reader_provider = provider("reader_provider", raw.reader_provider.as_deref(), Provider::Gemini)?;
        let openai_endpoint = match raw.openai_base_url.as_deref() {
            None => OpenAiEndpoint::default(),
            Some(url) => {
                OpenAiEndpoint::parse(url).map_err(|err| invalid("openai_base_url", err.to_string()))?
            }
        };
        let gemini_endpoint = match raw.gemini_base_url.as_deref() {
            None => GeminiEndpoint::default(),
            Some(url) => {
                GeminiEndpoint::parse(url).map_err(|err| invalid("gemini_base_url", err.to_string()))?
            }
        };
        let chunk_ms = raw.chunk_ms.unwrap_or(DEFAULT_CHUNK_MS);
        if !(10..=200).contains(&chunk_ms) {
            return Err(invalid("chunk_ms", format!("expected 10 to 200 milliseconds, found {chunk_ms}")));
        }
        let sample_rate_hz = match raw.sample_rate_hz {
            None => None,
            Some(rate @ 8_000..=192_000) => Some(rate as u32),
            Some(rate) => {
                return Err(invalid("sample_rate_hz", format!("expected 8000 to 192000 Hz, found {rate}")));
            }
        };
        let keep_last_turns = raw.keep_last_turns.unwrap_or(DEFAULT_KEEP_LAST_TURNS);
        if keep_last_turns == 0 || keep_last_turns > 1_000 {
            return Err(invalid(
                "keep_last_turns",
                format!("expected 1 to 1000 turns, found {keep_last_turns}"),
            ));
        }
        let max_delay = raw.reconnect_max_delay_ms.unwrap_or(DEFAULT_RECONNECT_MAX_DELAY_MS);
        if !(100..=600_000).contains(&max_delay) {
            return Err(invalid(
                "reconnect_max_delay_ms",
                format!("expected 100 to 600000 milliseconds, found {max_delay}"),
            ));
        }
        let give_up = raw.reconnect_give_up_ms.unwrap_or(DEFAULT_RECONNECT_GIVE_UP_MS);
        if !(1_000..=86_400_000).contains(&give_up) {
            return Err(invalid(
                "reconnect_give_up_ms",
                format!("expected 1000 to 86400000 milliseconds (a day), found {give_up}"),
            ));
        }
        let reconnect = RetryPolicy::default()
            .with_delays(RetryPolicy::default().initial_delay, Duration::from_millis(max_delay))
            .with_give_up_after(Duration::from_millis(give_up));
        let wake_phrase = raw.wake_phrase.unwrap_or_else(|| DEFAULT_WAKE_PHRASE.to_owned()).trim().to_owned();
        if wake_phrase.is_empty() {
            return Err(invalid(
                "wake_phrase",
                "the wake phrase is empty; say which word wakes the assistant".to_owned(),
            ));
        }
        let language = match raw.language_policy.as_deref().map(str::trim) {
            None | Some("auto") => LanguageSetting::Auto,
            Some(code) if is_language_code(code) => LanguageSetting::Forced(code.to_owned()),
            Some(other) => {
                return Err(invalid(
                    "language_policy",
                    format!("expected `auto` or a language code such as `en` or `pt-BR`, found `{other}`"),
                ));
            }
        };
        // An empty value (`CA_FILE=` in `.env`) is the same as no value.
        let nonempty = |path: Option<PathBuf>| path.filter(|path| !path.as_os_str().is_empty());
        let ca_file = match (nonempty(raw.ca_file), nonempty(raw.ssl_cert_file)) {
            (Some(path), _) => Some(CaFile { path, setting: "CA_FILE" }),
            (None, Some(path)) => Some(CaFile { path, setting: "SSL_CERT_FILE" }),
            (None, None) => None,
        };
        Ok(Config {
            pipeline,
            main_provider,
            reader_provider,
            openai: OpenAiSettings {
                api_key: nonempty_key(raw.openai_api_key),
                endpoint: openai_endpoint,
                realtime_model: raw.realtime_model.unwrap_or_else(|| DEFAULT_REALTIME_MODEL.to_owned()),
                transcribe_model: raw.transcribe_model,
            },
            gemini: GeminiSettings {
                api_key: nonempty_key(raw.gemini_api_key),
                endpoint: gemini_endpoint,
                model: raw.gemini_model.unwrap_or_else(|| DEFAULT_GEMINI_MODEL.to_owned()),
            },
            brain_model: raw.brain_model.unwrap_or_else(|| DEFAULT_BRAIN_MODEL.to_owned()),
            brain_timeout: Duration::from_millis(raw.brain_timeout_ms.unwrap_or(DEFAULT_BRAIN_TIMEOUT_MS)),
            reconnect,
            wake_phrase,
            workspace_root: raw.workspace_root.unwrap_or_else(|| PathBuf::from(".")),
            voice_name: raw.voice_name,
            audio: AudioSettings {
                sample_rate_hz,
                chunk_ms: chunk_ms as u32,
                input_device_id: raw.input_device_id,
                output_device_id: raw.output_device_id,
            },
            summary: SummarySettings {
                trigger_tokens: raw.summary_trigger_tokens.unwrap_or(DEFAULT_SUMMARY_TRIGGER_TOKENS),
                keep_last_turns: keep_last_turns as usize,
            },
            language,
            ca_file,
        })
    }

    /// Checks that `provider`'s key is set, for `needed_for` (used in the error line).
    ///
    /// # Errors
    /// [`ConfigError::MissingKey`].
    pub fn require_provider_key(&self, provider: Provider, needed_for: &str) -> Result<(), ConfigError> {
        let (key, var, name) = match provider {
            Provider::OpenAi => (&self.openai.api_key, "OPENAI_API_KEY", "openai_api_key"),
            Provider::Gemini => (&self.gemini.api_key, "GEMINI_API_KEY", "gemini_api_key"),
        };
        match key {
            Some(_) => Ok(()),
            None => Err(ConfigError::MissingKey { var, key: name, needed_for: needed_for.to_owned() }),
        }
    }

    /// Checks that the API keys the chosen pipeline needs are set.
    ///
    /// # Errors
    /// [`ConfigError::MissingKey`] for the first missing key, saying what needs it.
    pub fn require_keys(&self) -> Result<(), ConfigError> {
        let needed: &[(Provider, &str)] = match self.pipeline {
            PipelineKind::Direct => &[(self.main_provider, "the direct pipeline's realtime session")],
            PipelineKind::Handoff => &[
                (self.main_provider, "the handoff pipeline's main session"),
                (Provider::OpenAi, "the handoff pipeline's brain (Responses API)"),
                (self.reader_provider, "the handoff pipeline's reader session"),
            ],
        };
        for (provider, needed_for) in needed {
            self.require_provider_key(*provider, needed_for)?;
        }
        Ok(())
    }
}

/// An empty key is the same as no key (an `OPENAI_API_KEY=` line in `.env`).
fn nonempty_key(text: Option<String>) -> Option<ApiKey> {
    text.map(ApiKey::new).filter(|key| !key.is_empty())
}

/// `en`, `fra`, `pt-BR`, `zh-Hant`: a BCP 47-ish code, letters and at most one subtag.
fn is_language_code(code: &str) -> bool {
    let mut parts = code.split(['-', '_']);
    let primary = parts.next().unwrap_or_default();
    let primary_ok = (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    let rest: Vec<&str> = parts.collect();
    primary_ok
        && rest.len() <= 1
        && rest
            .iter()
            .all(|tag| (2..=4).contains(&tag.len()) && tag.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A figment error as one of ours: unknown keys are named with their file.
fn from_figment(err: &figment::Error) -> ConfigError {
    let source = err.metadata.as_ref().map_or_else(
        || "configuration".to_owned(),
        |meta| match &meta.source {
            Some(figment::Source::File(path)) => path.display().to_string(),
            _ => meta.name.to_string(),
        },
    );
    match &err.kind {
        figment::error::Kind::UnknownField(key, _) => {
            ConfigError::UnknownKey { key: key.clone(), origin: source }
        }
        kind => {
            let key = err.path.join(".");
            if key.is_empty() {
                ConfigError::File { path: PathBuf::from(source), message: one_line(&kind.to_string()) }
            } else {
                ConfigError::Invalid { key, origin: source, message: kind.to_string() }
            }
        }
    }
}

/// A parser's multi-line message (with a source excerpt) as one line: the excerpt goes, the rest is joined.
fn one_line(message: &str) -> String {
    let is_excerpt = |line: &str| {
        let line = line.trim_start();
        line.starts_with('|')
            || line.split_once('|').is_some_and(|(num, _)| num.trim().parse::<u32>().is_ok())
    };
    let parts: Vec<&str> =
        message.lines().map(str::trim).filter(|line| !line.is_empty() && !is_excerpt(line)).collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests;
