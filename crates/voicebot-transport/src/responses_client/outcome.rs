//! Turns a final Responses API `Response` into a [`TextReply`] or a typed error: never an empty text.

use tracing::{debug, warn};
use voicebot_protocol::WireMessage;
use voicebot_protocol::responses::{ErrorBody, Response, ResponseStatus};

use crate::error::{Error, Result};
use crate::text::{TextReply, TextUsage};

/// The `code` of [`Error::Failed`] for a completed response without any text.
pub(crate) const EMPTY_OUTPUT: &str = "empty_output";
/// The `code` of [`Error::Failed`] when the model refused.
pub(crate) const REFUSAL: &str = "refusal";
/// The `code` of [`Error::Failed`] for a cancelled response.
pub(crate) const CANCELLED: &str = "cancelled";

/// Reads a non-streamed 200 body.
pub(crate) fn from_body(text: &str) -> Result<TextReply> {
    match Response::decode(text) {
        Ok(response) => from_response(response, None),
        // Some gateways answer 200 with an error body; say what it says rather than "cannot decode".
        Err(decode) => match ErrorBody::decode(text) {
            Ok(body) => {
                Err(Error::Failed { code: body.error.code.or(body.error.kind), message: body.error.message })
            }
            Err(_) => Err(Error::Decode(decode)),
        },
    }
}

/// Classifies a finished response. `streamed` is the text joined from stream deltas, if any: it stands in for
/// the output when a server's terminal event leaves the output out, and is checked against it otherwise.
pub(crate) fn from_response(response: Response, streamed: Option<&str>) -> Result<TextReply> {
    match response.status.clone() {
        None | Some(ResponseStatus::Completed) => completed(response, streamed),
        Some(ResponseStatus::Incomplete) => {
            let reason = response
                .incomplete_details
                .as_ref()
                .and_then(|details| details.reason.as_ref())
                .map_or("no reason given", |reason| reason.as_str())
                .to_owned();
            let reasoning_only = response.has_only_reasoning();
            debug!(response_id = %response.id, %reason, reasoning_only, "the response is incomplete");
            Err(Error::Incomplete { reason, reasoning_only })
        }
        Some(ResponseStatus::Failed) => {
            let error = response.error.unwrap_or_default();
            let message =
                if error.message.is_empty() { "no error message given".to_owned() } else { error.message };
            Err(Error::Failed { code: error.code, message })
        }
        Some(ResponseStatus::Cancelled) => Err(Error::Failed {
            code: Some(CANCELLED.to_owned()),
            message: "the response was cancelled".to_owned(),
        }),
        Some(other) => Err(Error::Failed {
            code: None,
            message: format!(
                "the response ended with status `{}`, which is not a final answer",
                other.as_str()
            ),
        }),
    }
}

fn completed(response: Response, streamed: Option<&str>) -> Result<TextReply> {
    let mut text = response.output_text();
    match streamed {
        Some(streamed) if text.is_empty() && response.output.is_empty() => text = streamed.to_owned(),
        Some(streamed) if text != streamed => {
            warn!(
                response_id = %response.id,
                streamed_chars = streamed.chars().count(),
                final_chars = text.chars().count(),
                "the streamed text differs from the final response; using the final response"
            );
        }
        _ => {}
    }
    if text.is_empty() {
        return Err(match response.refusal() {
            Some(refusal) => Error::Failed { code: Some(REFUSAL.to_owned()), message: refusal },
            None => Error::Failed {
                code: Some(EMPTY_OUTPUT.to_owned()),
                message: "the response completed without any output text".to_owned(),
            },
        });
    }
    let usage = response.usage.as_ref().map_or_else(TextUsage::default, |usage| TextUsage {
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        reasoning_tokens: usage.output_tokens_details.reasoning_tokens,
        total_tokens: usage.total_tokens,
    });
    Ok(TextReply { text, usage, response_id: response.id, model: response.model, retries: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(status: &str, output: &str) -> String {
        format!(r#"{{"id":"resp_1","object":"response","status":"{status}","model":"m","output":{output}}}"#)
    }

    const MESSAGE: &str = r#"[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]},{"type":"output_text","text":" there","annotations":[]}]}]"#;

    #[test]
    fn completed_text_is_joined_with_usage() {
        let text = r#"{"id":"resp_1","object":"response","status":"completed","model":"m","output":[{"type":"reasoning","id":"rs_1","summary":[]},{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Which evening?","annotations":[]}]}],"usage":{"input_tokens":40,"output_tokens":150,"output_tokens_details":{"reasoning_tokens":128},"total_tokens":190}}"#;
        let reply = from_body(text).unwrap();
        assert_eq!(reply.text, "Which evening?");
        assert_eq!(
            reply.usage,
            TextUsage { input_tokens: 40, output_tokens: 150, reasoning_tokens: 128, total_tokens: 190 }
        );
        assert_eq!((reply.response_id.as_str(), reply.model.as_str()), ("resp_1", "m"));
        assert_eq!(from_body(&body("completed", MESSAGE)).unwrap().text, "Hi there");
    }

    #[test]
    fn empty_refused_cancelled_and_unfinished_answers_are_errors() {
        let empty = from_body(&body("completed", "[]")).unwrap_err();
        assert!(
            matches!(&empty, Error::Failed { code: Some(code), .. } if code == EMPTY_OUTPUT),
            "{empty:?}"
        );
        let refusal = r#"[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"refusal","refusal":"No."}]}]"#;
        let refused = from_body(&body("completed", refusal)).unwrap_err();
        assert!(
            matches!(&refused, Error::Failed { code: Some(code), message } if code == REFUSAL && message == "No.")
        );
        let cancelled = from_body(&body("cancelled", MESSAGE)).unwrap_err();
        assert!(matches!(&cancelled, Error::Failed { code: Some(code), .. } if code == CANCELLED));
        let queued = from_body(&body("queued", "[]")).unwrap_err().to_string();
        assert!(queued.contains("`queued`"), "{queued}");
    }

    #[test]
    fn incomplete_with_partial_text_is_still_an_error() {
        let text = r#"{"id":"r","model":"m","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Part","annotations":[]}]}]}"#;
        let err = from_body(text).unwrap_err();
        assert!(
            matches!(&err, Error::Incomplete { reason, reasoning_only: false } if reason == "content_filter")
        );
    }

    #[test]
    fn an_error_body_with_status_200_is_reported_as_such() {
        let err = from_body(r#"{"error":{"message":"model overloaded","code":"server_error"}}"#).unwrap_err();
        assert_eq!(err.to_string(), "the response failed `server_error`: model overloaded");
        assert!(matches!(from_body("not json").unwrap_err(), Error::Decode(_)));
    }

    #[test]
    fn streamed_text_stands_in_only_for_a_missing_output() {
        let bare: Response = serde_json::from_str(r#"{"id":"r","model":"m","status":"completed"}"#).unwrap();
        assert_eq!(from_response(bare.clone(), Some("streamed")).unwrap().text, "streamed");
        assert!(from_response(bare, Some("")).is_err());
        let full = Response::decode(&body("completed", MESSAGE)).unwrap();
        assert_eq!(from_response(full, Some("Hi thereX")).unwrap().text, "Hi there");
    }
}
