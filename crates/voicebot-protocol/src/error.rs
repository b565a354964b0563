//! Errors for decoding and encoding wire messages.

use std::fmt;

/// How many bytes of an offending frame an error keeps.
///
/// Enough to see the shape in a log line; small enough that a megabyte of base64 audio never lands in one.
pub const RAW_EXCERPT_BYTES: usize = 512;

/// A frame that could not be decoded.
///
/// Carries the event kind when one could be read (so a malformed `response.done` is told apart from garbage),
/// the serde error, and a truncated excerpt of the raw text.
#[derive(Debug, thiserror::Error)]
#[error("cannot decode {what}: {source} (raw: {raw})")]
pub struct DecodeError {
    what: What,
    raw: String,
    #[source]
    source: serde_json::Error,
}

/// Which part of decoding failed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum What {
    /// The text was not a JSON object with a readable tag.
    Envelope,
    /// The tag was known but the body did not match its schema.
    Kind(String),
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Envelope => f.write_str("frame"),
            What::Kind(kind) => write!(f, "`{kind}`"),
        }
    }
}

impl DecodeError {
    pub(crate) fn envelope(raw: &str, source: serde_json::Error) -> Self {
        DecodeError { what: What::Envelope, raw: excerpt(raw), source }
    }

    pub(crate) fn kind(kind: &str, raw: &str, source: serde_json::Error) -> Self {
        DecodeError { what: What::Kind(kind.to_owned()), raw: excerpt(raw), source }
    }

    /// The event kind whose body was malformed, or `None` when the frame was not a tagged JSON object at all.
    pub fn event_kind(&self) -> Option<&str> {
        match &self.what {
            What::Envelope => None,
            What::Kind(kind) => Some(kind),
        }
    }

    /// The start of the offending text, at most [`RAW_EXCERPT_BYTES`] bytes plus an ellipsis.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The underlying serde error.
    pub fn serde_error(&self) -> &serde_json::Error {
        &self.source
    }
}

/// A value that could not be encoded as JSON.
///
/// Our own types always encode; this happens only for a caller-built `serde_json::Value` that cannot be written
/// (for example a map with non-string keys produced by a custom `Serialize`).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode `{kind}`: {source}")]
pub struct EncodeError {
    kind: String,
    #[source]
    source: serde_json::Error,
}

impl EncodeError {
    pub(crate) fn new(kind: &str, source: serde_json::Error) -> Self {
        EncodeError { kind: kind.to_owned(), source }
    }
}

/// Base64 PCM that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PcmError {
    /// The text is not valid standard base64.
    #[error("audio payload is not valid base64: {0}")]
    Base64(String),
    /// PCM16 needs an even number of bytes.
    #[error("audio payload has {0} bytes; PCM16 needs an even number")]
    OddLength(usize),
}

/// Keeps at most [`RAW_EXCERPT_BYTES`] of `raw`, cut on a character boundary.
pub(crate) fn excerpt(raw: &str) -> String {
    if raw.len() <= RAW_EXCERPT_BYTES {
        return raw.to_owned();
    }
    let mut end = RAW_EXCERPT_BYTES;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &raw[..end], raw.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(excerpt("{}"), "{}");
        let long = "é".repeat(RAW_EXCERPT_BYTES);
        let cut = excerpt(&long);
        assert!(cut.len() < long.len());
        assert!(cut.ends_with(&format!("({} bytes in all)", long.len())));
    }
}
