//! What `voicebot config show` prints: every key, its effective value (secrets redacted) and where it came from.

use std::fmt;

use figment::Figment;
use figment::value::Value;

use super::keys::{KEYS, Key, Kind};

/// One row of `config show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownValue {
    /// The key in `voicebot.toml`.
    pub key: &'static str,
    /// Its environment variable, when it has one.
    pub env: Option<&'static str>,
    /// The effective value as text; API keys are `<redacted>` when set.
    pub value: String,
    /// Where the value came from: `default`, a file, `.env file PATH`, `environment`, `command line`, or `unset`.
    pub source: String,
}

/// Every key of the configuration, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The rows.
    pub rows: Vec<ShownValue>,
}

impl Shown {
    pub(crate) fn collect(figment: &Figment) -> Shown {
        Shown { rows: KEYS.iter().map(|key| row(figment, key)).collect() }
    }

    /// The row of `key`.
    pub fn get(&self, key: &str) -> Option<&ShownValue> {
        self.rows.iter().find(|row| row.key == key)
    }
}

fn row(figment: &Figment, key: &Key) -> ShownValue {
    let (value, source) = match figment.find_value(key.name) {
        Ok(value) => {
            let text = match key.kind {
                Kind::Secret => "<redacted>".to_owned(),
                Kind::Text | Kind::Number => as_text(&value),
            };
            (text, source_of(figment, key.name))
        }
        Err(_) => match key.default {
            Some(default) => (default.to_owned(), "default".to_owned()),
            None => (String::new(), "unset".to_owned()),
        },
    };
    ShownValue { key: key.name, env: key.env, value, source }
}

/// Where the value of `key` came from, as a short label.
pub(crate) fn source_of(figment: &Figment, key: &str) -> String {
    match figment.find_metadata(key) {
        Some(meta) => match &meta.source {
            Some(figment::Source::File(path)) => path.display().to_string(),
            _ => meta.name.to_string(),
        },
        None => "default".to_owned(),
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(_, text) => text.clone(),
        Value::Num(_, num) => num.to_u128().map_or_else(|| format!("{num:?}"), |n| n.to_string()),
        Value::Bool(_, flag) => flag.to_string(),
        other => format!("{other:?}"),
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key_width = self.rows.iter().map(|row| row.key.len()).max().unwrap_or(0);
        let value_width = self.rows.iter().map(|row| row.value.chars().count().min(48)).max().unwrap_or(0);
        for row in &self.rows {
            let value = if row.source == "unset" { "-" } else { row.value.as_str() };
            let via = row.env.map(|env| format!(" [{env}]")).unwrap_or_default();
            writeln!(f, "{:key_width$}  {value:value_width$}  ({}){via}", row.key, row.source)?;
        }
        Ok(())
    }
}
