//! [`WireMessage`] for the untagged HTTP bodies: the request, the response object and the error body.
//!
//! These bodies carry no `type` tag, so each has one fixed kind, used for logs and error messages:
//! `response.create` for [`CreateResponse`] (the name the Responses WebSocket mode gives the same body),
//! `response` for [`Response`] (its `object` value) and `error` for [`ErrorBody`]. Encoding adds no tag.
//! They are never `Unknown`: a body that does not match its schema is a [`DecodeError`] naming the kind.

use serde::de::DeserializeOwned;

use super::http_error::ErrorBody;
use super::request::CreateResponse;
use super::response::Response;
use crate::error::{DecodeError, EncodeError};
use crate::wire::{WireMessage, encode_json};

/// Decodes a JSON object strictly. Text that is not a JSON object is an envelope error; an object that does not
/// match the schema is an error naming `kind`.
fn decode_body<T: DeserializeOwned>(kind: &str, text: &str) -> Result<T, DecodeError> {
    serde_json::from_str(text).map_err(|source| {
        if source.is_data() && text.trim_start().starts_with('{') {
            DecodeError::kind(kind, text, source)
        } else {
            DecodeError::envelope(text, source)
        }
    })
}

macro_rules! body_message {
    ($ty:ty, $kind:literal) => {
        impl $ty {
            /// The fixed kind of this body (it has no `type` tag).
            pub const KIND: &'static str = $kind;
            /// Every kind this type decodes: just [`Self::KIND`].
            pub const KINDS: &'static [&'static str] = &[$kind];
        }

        impl WireMessage for $ty {
            fn decode(text: &str) -> Result<Self, DecodeError> {
                decode_body($kind, text)
            }

            fn encode(&self) -> Result<String, EncodeError> {
                encode_json($kind, self)
            }

            fn kind(&self) -> &str {
                $kind
            }

            fn is_unknown(&self) -> bool {
                false
            }
        }
    };
}

body_message!(CreateResponse, "response.create");
body_message!(Response, "response");
body_message!(ErrorBody, "error");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_decode_with_their_fixed_kind() {
        let body = ErrorBody::decode(
            r#"{"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}"#,
        )
        .unwrap();
        assert_eq!(body.kind(), "error");
        assert!(!body.is_unknown());
        let response =
            Response::decode(r#"{"id":"resp_1","object":"response","model":"m","output":[]}"#).unwrap();
        assert_eq!(response.kind(), "response");
        assert_eq!(CreateResponse::decode(r#"{"model":"m"}"#).unwrap().kind(), "response.create");
    }

    #[test]
    fn schema_errors_name_the_kind_and_garbage_does_not() {
        let err = Response::decode(r#"{"id":"resp_1","model":"m","status":7}"#).unwrap_err();
        assert_eq!(err.event_kind(), Some("response"));
        let err = ErrorBody::decode(r#"{"detail":"Not Found"}"#).unwrap_err();
        assert_eq!(err.event_kind(), Some("error"));
        for garbage in ["[1,2]", "\"x\"", "{\"model\":", "", "null"] {
            let err = CreateResponse::decode(garbage).unwrap_err();
            assert_eq!(err.event_kind(), None, "{garbage}");
        }
    }
}
