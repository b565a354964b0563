//! Tests of configuration loading: precedence, provenance, redaction and the error lines.

use std::path::{Path, PathBuf};

use super::*;

/// A scratch folder removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("voicebot-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sources(file: Option<&Path>, dotenv: Option<&Path>) -> ConfigSources {
    ConfigSources {
        file: file.map(|path| (path.to_owned(), true)),
        dotenv: dotenv.map(Path::to_owned),
        ..ConfigSources::default()
    }
}

#[test]
fn defaults_alone_make_a_handoff_config() {
    let loaded = Config::load(&ConfigSources::default()).unwrap();
    let config = loaded.config;
    assert_eq!(config.pipeline, PipelineKind::Handoff);
    assert_eq!(config.main_provider, Provider::Gemini);
    assert_eq!(config.reader_provider, Provider::Gemini);
    assert_eq!(config.wake_phrase, "computer");
    assert_eq!(config.brain_model, "gpt-5.2");
    assert_eq!(config.brain_timeout, Duration::from_secs(20));
    assert_eq!(config.audio.chunk_ms, 20);
    assert_eq!(config.language, LanguageSetting::Auto);
    assert_eq!(loaded.shown.get("wake_phrase").unwrap().source, "default");
    assert_eq!(loaded.shown.get("openai_api_key").unwrap().source, "unset");
}

#[test]
fn each_layer_overrides_the_one_below_and_says_so() {
    let dir = Scratch::new("precedence");
    let toml = dir.write(
        "voicebot.toml",
        "wake_phrase = \"from-toml\"\nbrain_model = \"toml-brain\"\nchunk_ms = 30\nrealtime_model = \"toml-rt\"\n",
    );
    let dotenv = dir.write(".env", "WAKE_PHRASE=from-dotenv\nBRAIN_MODEL=dotenv-brain\nCHUNK_MS=40\n");
    let sources = sources(Some(&toml), Some(&dotenv))
        .with_environment([("WAKE_PHRASE", "from-env"), ("CHUNK_MS", "50")])
        .with_override("wake_phrase", "from-cli");
    let loaded = Config::load(&sources).unwrap();
    assert_eq!(loaded.config.wake_phrase, "from-cli");
    assert_eq!(loaded.config.audio.chunk_ms, 50);
    assert_eq!(loaded.config.brain_model, "dotenv-brain");
    assert_eq!(loaded.config.openai.realtime_model, "toml-rt");
    let shown = &loaded.shown;
    assert_eq!(shown.get("wake_phrase").unwrap().source, "command line");
    assert_eq!(shown.get("chunk_ms").unwrap().source, "environment");
    assert_eq!(shown.get("brain_model").unwrap().source, format!(".env file {}", dotenv.display()));
    assert_eq!(shown.get("realtime_model").unwrap().source, toml.display().to_string());
}

#[test]
fn secrets_are_redacted_everywhere() {
    let sources = ConfigSources::default().with_environment([("OPENAI_API_KEY", "sk-very-secret")]);
    let loaded = Config::load(&sources).unwrap();
    let printed = format!("{}{:?}{:?}", loaded.shown, loaded.shown, loaded.config);
    assert!(!printed.contains("sk-very-secret"), "{printed}");
    assert!(printed.contains("<redacted>"));
    assert_eq!(loaded.config.openai.api_key.as_ref().unwrap().expose(), "sk-very-secret");
}

#[test]
fn an_unknown_toml_key_is_named_with_its_file() {
    let dir = Scratch::new("unknown");
    let toml = dir.write("voicebot.toml", "wake_phrase = \"hi\"\nwake_phrse = \"typo\"\n");
    let err = Config::load(&sources(Some(&toml), None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unknown key `wake_phrse` in {}; `voicebot config show` lists the known keys",
            toml.display()
        )
    );
}

#[test]
fn a_missing_explicit_file_is_an_error_and_a_missing_default_file_is_not() {
    let dir = Scratch::new("missing");
    let path = dir.0.join("nope.toml");
    let err = Config::load(&sources(Some(&path), None)).unwrap_err();
    assert!(err.to_string().starts_with("cannot read "), "{err}");
    let broken = dir.write("broken.toml", "wake_phrase =\n");
    let err = Config::load(&sources(Some(&broken), None)).unwrap_err().to_string();
    assert!(!err.contains('\n'), "one line: {err}");
    assert!(
        err.starts_with(&format!("cannot read {}: TOML parse error at line 1", broken.display())),
        "{err}"
    );
    let optional = ConfigSources { file: Some((path, false)), ..ConfigSources::default() };
    assert!(Config::load(&optional).is_ok());
}

#[test]
fn bad_values_name_the_key_and_the_source() {
    let dir = Scratch::new("bad");
    let toml = dir.write("voicebot.toml", "chunk_ms = \"twenty\"\n");
    let err = Config::load(&sources(Some(&toml), None)).unwrap_err().to_string();
    assert!(err.starts_with("chunk_ms from "), "{err}");
    let cases = [
        ("CHUNK_MS", "5", "chunk_ms from environment: expected 10 to 200 milliseconds, found 5"),
        ("OPENAI_BASE_URL", "not a url", "openai_base_url from environment: "),
        ("LANGUAGE_POLICY", "english please", "language_policy from environment: expected `auto`"),
        ("KEEP_LAST_TURNS", "0", "keep_last_turns from environment: expected 1 to 1000 turns"),
        ("SAMPLE_RATE_HZ", "12", "sample_rate_hz from environment: expected 8000 to 192000 Hz"),
        ("WAKE_PHRASE", "  ", "wake_phrase from environment: the wake phrase is empty"),
    ];
    for (var, value, start) in cases {
        let sources = ConfigSources::default().with_environment([(var, value)]);
        let err = Config::load(&sources).unwrap_err().to_string();
        assert!(err.starts_with(start), "{var}={value}: {err}");
    }
    let err = Config::load(&ConfigSources::default().with_override("pipeline", "sideways")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "pipeline from command line: expected `handoff` or `direct`, found `sideways`"
    );
}

#[test]
fn language_codes_are_forced_and_urls_are_derived() {
    let sources = ConfigSources::default().with_environment([
        ("LANGUAGE_POLICY", "pt-BR"),
        ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
        ("GEMINI_BASE_URL", "http://127.0.0.1:9"),
    ]);
    let config = Config::load(&sources).unwrap().config;
    assert_eq!(config.language, LanguageSetting::Forced("pt-BR".to_owned()));
    assert_eq!(config.openai.endpoint.realtime_url("m").as_str(), "ws://127.0.0.1:9/v1/realtime?model=m");
    assert!(config.gemini.endpoint.live_url().as_str().starts_with("ws://127.0.0.1:9/ws/"));
}

#[test]
fn required_keys_depend_on_the_pipeline() {
    let none = Config::load(&ConfigSources::default()).unwrap().config;
    assert_eq!(
        none.require_keys().unwrap_err().to_string(),
        "GEMINI_API_KEY is not set and the handoff pipeline's main session needs it; \
         export GEMINI_API_KEY=... or set gemini_api_key in voicebot.toml"
    );
    let gemini_only = ConfigSources::default().with_environment([("GEMINI_API_KEY", "g")]);
    let err = Config::load(&gemini_only).unwrap().config.require_keys().unwrap_err();
    assert!(
        err.to_string().starts_with("OPENAI_API_KEY is not set and the handoff pipeline's brain"),
        "{err}"
    );
    let direct = ConfigSources::default()
        .with_environment([("OPENAI_API_KEY", "o"), ("GEMINI_API_KEY", "")])
        .with_override("pipeline", "direct");
    let config = Config::load(&direct).unwrap().config;
    assert_eq!(config.main_provider, Provider::OpenAi);
    assert!(config.gemini.api_key.is_none(), "an empty key is no key");
    config.require_keys().unwrap();
}

#[test]
fn ca_file_wins_over_ssl_cert_file_from_any_layer_and_empty_means_unset() {
    let dir = Scratch::new("ca-file");
    let toml = dir.write("voicebot.toml", "ca_file = \"/etc/voicebot/ca.pem\"\n");
    let from_toml = sources(Some(&toml), None).with_environment([("SSL_CERT_FILE", "/etc/ssl/bundle.pem")]);
    let loaded = Config::load(&from_toml).unwrap();
    assert_eq!(
        loaded.config.ca_file,
        Some(CaFile { path: PathBuf::from("/etc/voicebot/ca.pem"), setting: "CA_FILE" })
    );
    assert_eq!(loaded.shown.get("ca_file").unwrap().source, toml.display().to_string());
    assert_eq!(loaded.shown.get("ssl_cert_file").unwrap().value, "/etc/ssl/bundle.pem");

    let fallback = ConfigSources::default()
        .with_environment([("SSL_CERT_FILE", "/etc/ssl/bundle.pem"), ("CA_FILE", "")]);
    let config = Config::load(&fallback).unwrap().config;
    assert_eq!(
        config.ca_file,
        Some(CaFile { path: PathBuf::from("/etc/ssl/bundle.pem"), setting: "SSL_CERT_FILE" })
    );

    let loaded = Config::load(&ConfigSources::default()).unwrap();
    assert_eq!(loaded.config.ca_file, None);
    assert_eq!(loaded.shown.get("ca_file").unwrap().source, "unset");
    let shown = loaded.shown.to_string();
    assert!(shown.lines().any(|line| line.starts_with("ca_file ") && line.ends_with("[CA_FILE]")), "{shown}");
}
