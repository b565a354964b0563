//! The [`WireMessage`] contract shared by every protocol, and the two-step decoder behind it.
//!
//! Decoding is two steps so that forward compatibility never hides a bug:
//! 1. read only the tag (`type` for OpenAI events, the top-level key for Gemini messages);
//! 2. a known tag is decoded strictly, and a failure is a [`DecodeError`] naming the kind;
//!    an unknown tag becomes an `Unknown { kind, raw }` value that keeps the whole frame.
//!
//! `#[serde(other)]` would drop the payload and `#[serde(untagged)]` would turn a known event whose schema drifted
//! into "unknown", so neither is used.

use std::borrow::Cow;

use serde::Deserialize;

use crate::error::{DecodeError, EncodeError};

/// A message that travels as one JSON text: a WebSocket frame, an SSE `data:` payload or an HTTP body.
///
/// Every implementation keeps unknown kinds as data instead of failing, and never panics on any input.
pub trait WireMessage: Sized {
    /// Decodes one JSON text.
    ///
    /// # Errors
    /// A [`DecodeError`] when the text is not a JSON object with a readable tag, or when a known kind has a
    /// body that does not match its schema.
    fn decode(text: &str) -> Result<Self, DecodeError>;

    /// Decodes a binary frame holding UTF-8 JSON (Gemini sends its server messages this way).
    ///
    /// # Errors
    /// As [`WireMessage::decode`], and also when the bytes are not UTF-8.
    fn decode_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::decode(text),
            Err(_) => {
                let lossy = String::from_utf8_lossy(bytes);
                // serde_json reports the invalid UTF-8 with a position, which is the most useful error to keep.
                match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                    Err(source) => Err(DecodeError::envelope(&lossy, source)),
                    Ok(_) => Self::decode(&lossy),
                }
            }
        }
    }

    /// Encodes to compact JSON, exactly as it goes on the wire.
    ///
    /// # Errors
    /// Only for a caller-built JSON value that cannot be written; this crate's own types always encode.
    fn encode(&self) -> Result<String, EncodeError>;

    /// The wire name of this message, for logs and metrics (`response.output_audio.delta`, `serverContent`, ...).
    ///
    /// For an alias (a beta event name) this is the canonical GA name.
    fn kind(&self) -> &str;

    /// Whether this is a kind the crate does not model, kept as raw JSON.
    fn is_unknown(&self) -> bool;
}

/// Reads the `type` tag of a JSON object without decoding the rest.
pub(crate) fn peek_type(text: &str) -> Result<Cow<'_, str>, DecodeError> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(rename = "type", borrow)]
        kind: Cow<'a, str>,
    }
    serde_json::from_str::<Envelope<'_>>(text)
        .map(|envelope| envelope.kind)
        .map_err(|source| DecodeError::envelope(text, source))
}

/// Parses a whole frame as a JSON value, for `Unknown` variants.
pub(crate) fn raw_value(text: &str) -> Result<serde_json::Value, DecodeError> {
    serde_json::from_str(text).map_err(|source| DecodeError::envelope(text, source))
}

/// Encodes a serializable value, naming `kind` in the error.
pub(crate) fn encode_json<T: serde::Serialize + ?Sized>(
    kind: &str,
    value: &T,
) -> Result<String, EncodeError> {
    serde_json::to_string(value).map_err(|source| EncodeError::new(kind, source))
}

/// Declares an enum of events tagged by a `type` field, one newtype variant per wire name, plus `Unknown`.
///
/// Each variant is written `Name(Body) = "wire.name" | "alias.one" | ...`. Aliases decode to the same variant and
/// encode under the first (canonical) name. The macro derives serde, implements [`WireMessage`] with the
/// two-step decoder, and adds `KINDS`, the list of every wire name it accepts.
macro_rules! tagged_events {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident($body:ty) = $tag:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "type")]
        #[non_exhaustive]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $tag $(, alias = $alias)*)]
                $variant($body),
            )+
            /// A `type` this crate does not model yet. Nothing is lost: `raw` is the whole frame and
            /// encoding writes it back unchanged.
            #[serde(skip)]
            Unknown {
                /// The `type` tag as received.
                kind: String,
                /// The whole frame.
                raw: serde_json::Value,
            },
        }

        impl $name {
            /// Every wire name this enum decodes, canonical names and aliases alike.
            $vis const KINDS: &'static [&'static str] = &[$($tag, $($alias,)*)+];
        }

        impl $crate::wire::WireMessage for $name {
            fn decode(text: &str) -> Result<Self, $crate::error::DecodeError> {
                let kind = $crate::wire::peek_type(text)?;
                if Self::KINDS.contains(&kind.as_ref()) {
                    serde_json::from_str(text)
                        .map_err(|source| $crate::error::DecodeError::kind(&kind, text, source))
                } else {
                    let raw = $crate::wire::raw_value(text)?;
                    Ok(Self::Unknown { kind: kind.into_owned(), raw })
                }
            }

            fn encode(&self) -> Result<String, $crate::error::EncodeError> {
                match self {
                    Self::Unknown { kind, raw } => $crate::wire::encode_json(kind, raw),
                    known => $crate::wire::encode_json(known.kind(), known),
                }
            }

            fn kind(&self) -> &str {
                match self {
                    $(Self::$variant(_) => $tag,)+
                    Self::Unknown { kind, .. } => kind,
                }
            }

            fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown { .. })
            }
        }
    };
}

pub(crate) use tagged_events;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Ping {
        n: u32,
    }

    tagged_events! {
        /// A test enum.
        enum Demo {
            /// A ping.
            Ping(Ping) = "ping" | "old.ping",
        }
    }

    #[test]
    fn known_alias_and_unknown_kinds_decode_as_designed() {
        let ping = Demo::decode(r#"{"type":"old.ping","n":3}"#).unwrap();
        assert_eq!(ping, Demo::Ping(Ping { n: 3 }));
        assert_eq!(ping.kind(), "ping");
        assert_eq!(ping.encode().unwrap(), r#"{"type":"ping","n":3}"#);

        let unknown = Demo::decode(r#"{"type":"pong","x":[1]}"#).unwrap();
        assert!(unknown.is_unknown());
        assert_eq!(unknown.kind(), "pong");
        assert_eq!(unknown.encode().unwrap(), r#"{"type":"pong","x":[1]}"#);
    }

    #[test]
    fn a_known_kind_with_a_bad_body_is_an_error_that_names_the_kind() {
        let err = Demo::decode(r#"{"type":"ping","n":"three"}"#).unwrap_err();
        assert_eq!(err.event_kind(), Some("ping"));
        assert!(err.raw().contains("three"));
        let err = Demo::decode("[1,2]").unwrap_err();
        assert_eq!(err.event_kind(), None);
        let err = Demo::decode_bytes(&[0xff, 0xfe]).unwrap_err();
        assert_eq!(err.event_kind(), None);
    }
}
