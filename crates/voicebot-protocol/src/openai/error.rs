//! The `error` event's detail, and the classification a client needs to decide whether an error matters.

use serde::{Deserialize, Serialize};

use crate::serde_util::string_enum;

/// Error codes that are harmless races, not failures: log them and carry on.
pub const BENIGN_ERROR_CODES: &[&str] = &[
    "conversation_already_has_active_response",
    "response_cancel_not_active",
    "input_audio_buffer_commit_empty",
];

/// The `error` object of an `error` event. The socket usually stays open after one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// `invalid_request_error`, `server_error`, ...
    #[serde(rename = "type")]
    pub kind: ErrorType,
    /// A machine-readable code; some errors have none (`null`), so match on `message` as a fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A human-readable message.
    pub message: String,
    /// The parameter at fault, for example `session.type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The `event_id` of the client event that caused the error, if the client set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

impl ErrorDetail {
    /// Whether this error is a harmless race: a `response.create` while a response runs, a `response.cancel`
    /// with nothing to cancel, or a commit of less than 100 ms of audio (see [`BENIGN_ERROR_CODES`]).
    pub fn is_benign(&self) -> bool {
        self.code.as_deref().is_some_and(|code| BENIGN_ERROR_CODES.contains(&code))
    }

    /// Whether the session hit its maximum duration; the server closes the socket next, so reconnect.
    pub fn is_session_expired(&self) -> bool {
        self.code.as_deref() == Some("session_expired")
    }

    /// Whether a `conversation.item.truncate` asked for more audio than was sent ("Audio content of Xms is
    /// already shorter than Yms"). This error has a `null` code; clamp `audio_end_ms` to the audio received.
    pub fn is_truncate_beyond_audio(&self) -> bool {
        self.message.contains("already shorter than")
    }
}

string_enum! {
    /// [`ErrorDetail::kind`].
    #[derive(Default)]
    pub enum ErrorType {
        /// The client sent something wrong.
        #[default]
        InvalidRequestError = "invalid_request_error",
        /// The server failed.
        ServerError = "server_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(code: Option<&str>, message: &str) -> ErrorDetail {
        ErrorDetail { code: code.map(str::to_owned), message: message.to_owned(), ..ErrorDetail::default() }
    }

    #[test]
    fn benign_codes_are_told_apart_from_real_errors() {
        for code in BENIGN_ERROR_CODES {
            assert!(detail(Some(code), "").is_benign(), "{code}");
        }
        assert!(!detail(Some("session_expired"), "").is_benign());
        assert!(!detail(None, "Audio content of 900ms is already shorter than 1480ms").is_benign());
    }

    #[test]
    fn session_expiry_and_bad_truncates_are_recognised() {
        let expired = detail(Some("session_expired"), "Your session hit the maximum duration of 60 minutes.");
        assert!(expired.is_session_expired());
        let truncate = detail(None, "Audio content of 900ms is already shorter than 1480ms");
        assert!(truncate.is_truncate_beyond_audio());
        assert!(!truncate.is_session_expired());
    }

    #[test]
    fn null_code_and_param_decode_as_absent() {
        let detail: ErrorDetail = serde_json::from_str(
            r#"{"type":"invalid_request_error","code":null,"message":"m","param":null,"event_id":null}"#,
        )
        .unwrap();
        assert_eq!(detail.code, None);
        assert_eq!(detail.kind, ErrorType::InvalidRequestError);
        let other: ErrorDetail =
            serde_json::from_str(r#"{"type":"rate_limit_error","message":"slow"}"#).unwrap();
        assert_eq!(other.kind, ErrorType::Other("rate_limit_error".into()));
    }
}
