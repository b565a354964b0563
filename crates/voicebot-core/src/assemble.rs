//! Building the two assistants from a [`Config`]: transports, session configurations, the brain, the tools and
//! the summarizer. An embedder with its own transports or tools builds [`HandoffPipeline`] / [`DirectPipeline`]
//! directly instead.

use std::sync::Arc;

use voicebot_audio::MicConfig;
use voicebot_state::{LanguagePolicy, NullSummarizer, Summarizer, SummaryPolicy};
use voicebot_tools::ToolRegistry;
use voicebot_transport::{
    GeminiLive, OpenAiRealtime, Provider, RealtimeTransport, ResponsesClient, SessionConfig, TextModel,
    ToolSpec, Transcription, Trust,
};

use crate::adapters::{AskBrain, LlmSummarizer};
use crate::brain::Brain;
use crate::config::{Config, LanguageSetting};
use crate::direct::DirectPipeline;
use crate::error::SetupError;
use crate::handoff::{DEFAULT_READER_TIMEOUT, DEFAULT_WER_WARNING, HandoffPipeline};
use crate::journal::Journal;
use crate::prompts::{DIRECT_INSTRUCTIONS, READER_INSTRUCTIONS, main_instructions};

/// How long the main session may hear speech without transcribing it before it is recycled.
pub const DEFAULT_WATCHDOG: std::time::Duration = std::time::Duration::from_secs(12);

/// The microphone format the main (or only) session takes: its provider's input rate, `CHUNK_MS` frames.
pub fn mic_config(config: &Config) -> MicConfig {
    MicConfig::new(config.main_provider.input_rate_hz())
        .with_chunk(std::time::Duration::from_millis(u64::from(config.audio.chunk_ms)))
}

/// The certificate authorities every client trusts: Mozilla's roots, plus `CA_FILE` (or `SSL_CERT_FILE`) when set.
/// Build it once and give it to every client.
///
/// # Errors
/// [`SetupError::Transport`] when the CA file cannot be read or holds no certificate, naming the file and the
/// setting.
pub fn trust(config: &Config) -> Result<Trust, SetupError> {
    Ok(match &config.ca_file {
        Some(ca) => Trust::new().with_ca_file(&ca.path, ca.setting)?,
        None => Trust::new(),
    })
}

/// A realtime transport for `provider`, with its key from the configuration, trusting `trust`.
///
/// # Errors
/// [`SetupError::Config`] when the provider's key is missing.
pub fn realtime_transport(
    config: &Config,
    provider: Provider,
    trust: &Trust,
) -> Result<Arc<dyn RealtimeTransport>, SetupError> {
    config.require_provider_key(provider, "a realtime session")?;
    Ok(match provider {
        Provider::OpenAi => {
            let key = config.openai.api_key.clone().unwrap_or_else(|| voicebot_transport::ApiKey::new(""));
            Arc::new(
                OpenAiRealtime::new(config.openai.endpoint.clone(), key)
                    .with_retry(config.reconnect.clone())
                    .with_trust(trust.clone()),
            )
        }
        Provider::Gemini => {
            let key = config.gemini.api_key.clone().unwrap_or_else(|| voicebot_transport::ApiKey::new(""));
            Arc::new(
                GeminiLive::new(config.gemini.endpoint.clone(), key)
                    .with_retry(config.reconnect.clone())
                    .with_trust(trust.clone()),
            )
        }
    })
}

/// The Responses API client for `model` (the brain, or the summarizer), trusting `trust`.
///
/// # Errors
/// [`SetupError::Config`] without an OpenAI key; [`SetupError::Transport`] when the HTTP client cannot be built.
pub fn text_model(config: &Config, model: &str, trust: &Trust) -> Result<Arc<dyn TextModel>, SetupError> {
    config.require_provider_key(Provider::OpenAi, "the Responses API")?;
    let key = config.openai.api_key.clone().unwrap_or_else(|| voicebot_transport::ApiKey::new(""));
    let client = ResponsesClient::new(&config.openai.endpoint, key, model)?
        .with_trust(trust)?
        .with_timeout(config.brain_timeout);
    Ok(Arc::new(client))
}

/// The model name a session on `provider` uses.
fn model_for(config: &Config, provider: Provider) -> String {
    match provider {
        Provider::OpenAi => config.openai.realtime_model.clone(),
        Provider::Gemini => config.gemini.model.clone(),
    }
}

fn session_config(
    config: &Config,
    provider: Provider,
    instructions: String,
    tools: &ToolRegistry,
) -> SessionConfig {
    let mut session = SessionConfig::new(model_for(config, provider), instructions);
    session.voice.clone_from(&config.voice_name);
    session.input_transcription = Some(Transcription {
        model: config.openai.transcribe_model.clone(),
        language: match &config.language {
            LanguageSetting::Forced(code) => Some(code.clone()),
            LanguageSetting::Auto => None,
        },
    });
    session.tools = tools
        .declarations()
        .into_iter()
        .map(|d| ToolSpec { name: d.name, description: d.description, parameters: d.parameters })
        .collect();
    session
}

/// The built-in tools confined to `WORKSPACE_ROOT`, plus `ask_brain` over `brain`.
///
/// # Errors
/// [`SetupError::Tools`] when the workspace root cannot be used.
pub fn tools(config: &Config, brain: &Brain) -> Result<ToolRegistry, SetupError> {
    let mut registry = ToolRegistry::with_builtins(&config.workspace_root)?;
    registry
        .register(AskBrain::new(brain.clone(), config.brain_timeout + std::time::Duration::from_secs(5)))?;
    Ok(registry)
}

/// The handoff assistant as the configuration describes it.
///
/// # Errors
/// A missing key, an unusable workspace root, an unusable CA file, or an HTTP client that cannot be built.
pub fn handoff(
    config: &Config,
    journal: Journal,
    max_turns: Option<u32>,
) -> Result<HandoffPipeline, SetupError> {
    config.require_keys()?;
    let trust = trust(config)?;
    let brain = Brain::new(text_model(config, &config.brain_model, &trust)?);
    let registry = tools(config, &brain)?;
    let main_config =
        session_config(config, config.main_provider, main_instructions(&config.wake_phrase), &registry);
    let reader_config =
        session_config(config, config.reader_provider, READER_INSTRUCTIONS.to_owned(), &ToolRegistry::new());
    Ok(HandoffPipeline {
        main: realtime_transport(config, config.main_provider, &trust)?,
        main_config,
        reader: realtime_transport(config, config.reader_provider, &trust)?,
        reader_config,
        brain,
        tools: Arc::new(registry),
        journal,
        max_turns,
        watchdog: DEFAULT_WATCHDOG,
        wer_warning: DEFAULT_WER_WARNING,
        reader_timeout: DEFAULT_READER_TIMEOUT,
    })
}

/// The direct assistant as the configuration describes it. Without an OpenAI key for the Responses API the
/// summaries are made by [`NullSummarizer`] and `ask_brain` is not offered.
///
/// # Errors
/// A missing key, an unusable workspace root, an unusable CA file, or an HTTP client that cannot be built.
pub fn direct(
    config: &Config,
    journal: Journal,
    max_turns: Option<u32>,
) -> Result<DirectPipeline, SetupError> {
    config.require_keys()?;
    let trust = trust(config)?;
    let (registry, summarizer): (ToolRegistry, Arc<dyn Summarizer>) = if config.openai.api_key.is_some() {
        let model = text_model(config, &config.brain_model, &trust)?;
        let brain = Brain::new(Arc::clone(&model));
        (tools(config, &brain)?, Arc::new(LlmSummarizer::new(model)))
    } else {
        (ToolRegistry::with_builtins(&config.workspace_root)?, Arc::new(NullSummarizer))
    };
    let language = match &config.language {
        LanguageSetting::Auto => LanguagePolicy::parse("auto"),
        LanguageSetting::Forced(code) => LanguagePolicy::parse(code),
    }
    .map_err(|err| SetupError::Invalid(err.to_string()))?;
    Ok(DirectPipeline {
        transport: realtime_transport(config, config.main_provider, &trust)?,
        config: session_config(config, config.main_provider, DIRECT_INSTRUCTIONS.to_owned(), &registry),
        tools: Arc::new(registry),
        summarizer,
        policy: SummaryPolicy::default()
            .with_trigger_tokens(Some(config.summary.trigger_tokens))
            .with_keep_last_turns(config.summary.keep_last_turns),
        language,
        journal,
        max_turns,
    })
}
