//! [`ApiKey`]: a secret that never shows up in `Debug`, `Display`, errors or logs.

use std::fmt;

/// An API key. Its `Debug` and `Display` print a redaction, and the only way to read it is
/// [`ApiKey::expose`], which this crate calls in exactly one place per protocol: where the header is built.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Surrounding whitespace (a trailing newline from a file or `.env`) is removed.
    pub fn new(key: impl Into<String>) -> Self {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.len() == key.len() { ApiKey(key) } else { ApiKey(trimmed.to_owned()) }
    }

    /// The key itself, for building an authentication header. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the key is empty (after trimming).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_prints() {
        let key = ApiKey::new(" sk-secret-123\n");
        assert_eq!(key.expose(), "sk-secret-123");
        assert!(!format!("{key:?} {key} {:#?}", Some(&key)).contains("secret"));
        assert!(ApiKey::new("  ").is_empty());
    }
}
