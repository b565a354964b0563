//! The configuration keys: one table that names each key, its environment variable, its type and its default.
//!
//! Everything that reads or prints configuration goes through [`KEYS`], so a key added here is at once loadable
//! from `voicebot.toml`, `.env`, the environment and the command line, and shown by `voicebot config show`.

/// How a key's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Free text.
    Text,
    /// Free text that must never be printed (API keys).
    Secret,
    /// A non-negative whole number.
    Number,
}

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    /// The key in `voicebot.toml` (lower case; also the figment path).
    pub(crate) name: &'static str,
    /// The environment (and `.env`) variable, when the key has one.
    pub(crate) env: Option<&'static str>,
    /// How its text is read.
    pub(crate) kind: Kind,
    /// The default as shown by `config show` (`None`: unset unless configured).
    pub(crate) default: Option<&'static str>,
}

const fn key(name: &'static str, env: &'static str, kind: Kind, default: Option<&'static str>) -> Key {
    Key { name, env: Some(env), kind, default }
}

const fn file_only(name: &'static str, kind: Kind, default: Option<&'static str>) -> Key {
    Key { name, env: None, kind, default }
}

/// The default OpenAI Realtime model.
pub(crate) const DEFAULT_REALTIME_MODEL: &str = "gpt-realtime-2.1";
/// The default Gemini Live model.
pub(crate) const DEFAULT_GEMINI_MODEL: &str = "gemini-2.5-flash-native-audio-preview-12-2025";
/// The default brain model behind `ask_brain`.
pub(crate) const DEFAULT_BRAIN_MODEL: &str = "gpt-5.2";
/// The default wake phrase.
pub(crate) const DEFAULT_WAKE_PHRASE: &str = "computer";
/// The default microphone chunk length.
pub(crate) const DEFAULT_CHUNK_MS: u64 = 20;
/// The default brain timeout.
pub(crate) const DEFAULT_BRAIN_TIMEOUT_MS: u64 = 20_000;
/// The default cap on the delay between two reconnection attempts.
pub(crate) const DEFAULT_RECONNECT_MAX_DELAY_MS: u64 = 30_000;
/// The default time a session may go without a working connection before the run gives up.
pub(crate) const DEFAULT_RECONNECT_GIVE_UP_MS: u64 = 120_000;
/// The default token total that triggers a summary.
pub(crate) const DEFAULT_SUMMARY_TRIGGER_TOKENS: u64 = 24_000;
/// The default number of turns kept verbatim by a summary.
pub(crate) const DEFAULT_KEEP_LAST_TURNS: u64 = 6;

/// Every key, in the order `config show` prints them.
pub(crate) const KEYS: &[Key] = &[
    file_only("pipeline", Kind::Text, Some("handoff")),
    file_only("main_provider", Kind::Text, Some("gemini (handoff), openai (direct)")),
    file_only("reader_provider", Kind::Text, Some("gemini")),
    key("openai_api_key", "OPENAI_API_KEY", Kind::Secret, None),
    key("openai_base_url", "OPENAI_BASE_URL", Kind::Text, Some("https://api.openai.com/v1")),
    key("gemini_api_key", "GEMINI_API_KEY", Kind::Secret, None),
    key("gemini_base_url", "GEMINI_BASE_URL", Kind::Text, Some("https://generativelanguage.googleapis.com")),
    key("gemini_model", "GEMINI_MODEL", Kind::Text, Some(DEFAULT_GEMINI_MODEL)),
    key("realtime_model", "REALTIME_MODEL", Kind::Text, Some(DEFAULT_REALTIME_MODEL)),
    key("brain_model", "BRAIN_MODEL", Kind::Text, Some(DEFAULT_BRAIN_MODEL)),
    key("brain_timeout_ms", "BRAIN_TIMEOUT_MS", Kind::Number, Some("20000")),
    key("reconnect_max_delay_ms", "RECONNECT_MAX_DELAY_MS", Kind::Number, Some("30000")),
    key("reconnect_give_up_ms", "RECONNECT_GIVE_UP_MS", Kind::Number, Some("120000")),
    key("wake_phrase", "WAKE_PHRASE", Kind::Text, Some(DEFAULT_WAKE_PHRASE)),
    key("workspace_root", "WORKSPACE_ROOT", Kind::Text, Some("the current directory")),
    key("voice_name", "VOICE_NAME", Kind::Text, None),
    key("transcribe_model", "TRANSCRIBE_MODEL", Kind::Text, None),
    key("sample_rate_hz", "SAMPLE_RATE_HZ", Kind::Number, None),
    key("chunk_ms", "CHUNK_MS", Kind::Number, Some("20")),
    key("summary_trigger_tokens", "SUMMARY_TRIGGER_TOKENS", Kind::Number, Some("24000")),
    key("keep_last_turns", "KEEP_LAST_TURNS", Kind::Number, Some("6")),
    key("language_policy", "LANGUAGE_POLICY", Kind::Text, Some("auto")),
    key("input_device_id", "INPUT_DEVICE_ID", Kind::Text, None),
    key("output_device_id", "OUTPUT_DEVICE_ID", Kind::Text, None),
    // Certificate authorities to trust besides Mozilla's roots (a PEM file); SSL_CERT_FILE is read when CA_FILE
    // is not set.
    key("ca_file", "CA_FILE", Kind::Text, None),
    key("ssl_cert_file", "SSL_CERT_FILE", Kind::Text, None),
];

/// The key whose environment variable is `var`.
pub(crate) fn by_env(var: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.env == Some(var))
}

/// The key named `name`.
pub(crate) fn by_name(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_variables_are_unique_and_match() {
        for (i, key) in KEYS.iter().enumerate() {
            assert!(KEYS[i + 1..].iter().all(|other| other.name != key.name), "{} twice", key.name);
            if let Some(env) = key.env {
                assert_eq!(env.to_ascii_lowercase(), key.name, "variable and key disagree");
            }
        }
        assert_eq!(by_env("WAKE_PHRASE").map(|key| key.name), Some("wake_phrase"));
        assert!(by_name("nope").is_none());
    }
}
