//! The configuration layers figment merges: defaults < `voicebot.toml` < `.env` < environment < command line.
//!
//! `.env`, the environment and the command line arrive as text keyed by variable or key name; [`Layer`] turns
//! them into typed figment values using the [`KEYS`](super::keys::KEYS) table, so a number given as text is
//! checked here and an API key that looks like a number stays text.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};

use super::keys::{self, Key, Kind};
use crate::error::ConfigError;

/// Where a layer's values came from, as `config show` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A `.env` file.
    DotEnv(PathBuf),
    /// The process environment.
    Environment,
    /// Command-line flags.
    CommandLine,
}

impl Origin {
    /// The figment metadata name of this layer.
    pub(crate) fn label(&self) -> String {
        match self {
            Origin::DotEnv(path) => format!(".env file {}", path.display()),
            Origin::Environment => "environment".to_owned(),
            Origin::CommandLine => "command line".to_owned(),
        }
    }
}

/// A figment provider holding typed values from one text source.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    origin: Origin,
    values: Dict,
}

impl Layer {
    /// A layer of variables (`OPENAI_API_KEY=...`): variables that are not voicebot's are ignored, since `.env`
    /// files and environments are shared with other programs.
    pub(crate) fn from_vars<I, K, V>(origin: Origin, vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut values = Dict::new();
        for (var, text) in vars {
            if let Some(key) = keys::by_env(var.as_ref()) {
                values.insert(key.name.to_owned(), typed(key, var.as_ref(), text.as_ref(), &origin)?);
            }
        }
        Ok(Layer { origin, values })
    }

    /// A layer of key names (`wake_phrase`), as the command line gives them. Every name must be a known key.
    pub(crate) fn from_keys<I, V>(origin: Origin, pairs: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (&'static str, V)>,
        V: AsRef<str>,
    {
        let mut values = Dict::new();
        for (name, text) in pairs {
            let key = keys::by_name(name)
                .ok_or_else(|| ConfigError::UnknownKey { key: name.to_owned(), origin: origin.label() })?;
            values.insert(key.name.to_owned(), typed(key, name, text.as_ref(), &origin)?);
        }
        Ok(Layer { origin, values })
    }

    /// Reads a `.env` file; a missing file is an empty layer.
    pub(crate) fn from_dotenv(path: &Path) -> Result<Self, ConfigError> {
        let origin = Origin::DotEnv(path.to_owned());
        if !path.exists() {
            return Ok(Layer { origin, values: Dict::new() });
        }
        let iter = dotenvy::from_path_iter(path)
            .map_err(|err| ConfigError::DotEnv { path: path.to_owned(), message: err.to_string() })?;
        let mut vars = Vec::new();
        for item in iter {
            let (var, value) =
                item.map_err(|err| ConfigError::DotEnv { path: path.to_owned(), message: err.to_string() })?;
            vars.push((var, value));
        }
        Layer::from_vars(origin, vars)
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.origin.label())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// `text` as the value `key` expects; `written` is how the user wrote the key (variable or key name).
fn typed(key: &Key, written: &str, text: &str, origin: &Origin) -> Result<Value, ConfigError> {
    match key.kind {
        Kind::Text | Kind::Secret => Ok(Value::from(text.to_owned())),
        Kind::Number => text.trim().parse::<u64>().map(Value::from).map_err(|_| ConfigError::Invalid {
            key: written.to_owned(),
            origin: origin.label(),
            message: format!("expected a whole number, found `{text}`"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use figment::Figment;

    use super::*;

    #[test]
    fn variables_become_typed_values_and_strangers_are_ignored() {
        let layer = Layer::from_vars(
            Origin::Environment,
            [("CHUNK_MS", " 40 "), ("OPENAI_API_KEY", "0123"), ("PATH", "/usr/bin")],
        )
        .unwrap();
        let figment = Figment::from(layer);
        assert_eq!(figment.find_value("chunk_ms").unwrap().to_u128(), Some(40));
        assert_eq!(figment.find_value("openai_api_key").unwrap().as_str(), Some("0123"));
        assert!(figment.find_value("path").is_err());
        assert_eq!(figment.find_metadata("chunk_ms").unwrap().name, "environment");
    }

    #[test]
    fn a_bad_number_names_the_variable_and_where_it_came_from() {
        let err = Layer::from_vars(Origin::Environment, [("KEEP_LAST_TURNS", "six")]).unwrap_err();
        assert_eq!(err.to_string(), "KEEP_LAST_TURNS from environment: expected a whole number, found `six`");
    }

    #[test]
    fn a_missing_dotenv_is_empty_and_a_present_one_is_read() {
        let dir = std::env::temp_dir().join(format!("voicebot-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = Layer::from_dotenv(&dir.join("absent.env")).unwrap();
        assert!(missing.values.is_empty());
        let path = dir.join("present.env");
        std::fs::write(&path, "# comment\nexport WAKE_PHRASE=\"hey there\"\nOTHER=1\n").unwrap();
        let layer = Layer::from_dotenv(&path).unwrap();
        assert_eq!(layer.values.get("wake_phrase").and_then(Value::as_str), Some("hey there"));
        assert_eq!(layer.values.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
