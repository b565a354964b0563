//! What the simulator records: frames, connections, audio statistics, latency marks and protocol violations.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::timeline::{SessionRole, ToolCallTiming, ms};

/// Which of the three simulated APIs a connection or frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Api {
    /// OpenAI Realtime (GA) over WebSocket, `/v1/realtime`.
    #[serde(rename = "openai")]
    OpenAi,
    /// Gemini Live over WebSocket, `/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent`.
    #[serde(rename = "gemini")]
    Gemini,
    /// The OpenAI Responses API over HTTP, `POST /v1/responses`.
    #[serde(rename = "responses")]
    Responses,
}

/// Which way a frame travelled, seen from the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// From the client to the simulator.
    Received,
    /// From the simulator to the client.
    Sent,
}

/// One frame (or HTTP body, or SSE event) received or sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The connection it belongs to.
    pub conn: u64,
    /// The API of that connection.
    pub api: Api,
    /// Which way it went.
    pub direction: Direction,
    /// Monotonic time since the simulator started.
    pub at: Duration,
    /// The wire kind: the OpenAI `type`, the Gemini top-level key(s) joined with `+`, the SSE event name,
    /// `request` / `response` for HTTP bodies, or `ping`, `pong`, `close`, `malformed` for control frames.
    pub kind: String,
    /// The JSON text, with long base64 strings replaced by `<N base64 chars>`.
    pub json: String,
}

impl Frame {
    /// The JSON text parsed, or `Null` when it is not JSON (a malformed frame, a close reason).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRecord {
    /// The close code.
    pub code: u16,
    /// The reason text.
    pub reason: String,
    /// `Sent` when the simulator closed, `Received` when the client did.
    pub by: Direction,
}

/// Audio counted on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudioStats {
    /// Input samples received (16 kHz for Gemini, 24 kHz for OpenAI).
    pub input_samples: u64,
    /// Output samples sent (24 kHz).
    pub output_samples: u64,
    /// Input audio frames (messages carrying audio) received.
    pub input_frames: u64,
}

/// Time marks on one connection, for latency measurements (see [`SessionTimeline`](crate::SessionTimeline)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Marks {
    /// When each Gemini `setup` or OpenAI `session.update` arrived, in order.
    pub setup_received_at: Vec<Duration>,
    /// When each Gemini `setupComplete` or OpenAI `session.updated` was sent, in order.
    pub setup_acknowledged_at: Vec<Duration>,
    /// When the first input audio frame arrived.
    pub first_input_audio_at: Option<Duration>,
    /// When the latest input audio frame arrived.
    pub last_input_audio_at: Option<Duration>,
    /// When each Gemini `turnComplete` or OpenAI spoken `response.done` was sent, in order.
    pub turn_complete_at: Vec<Duration>,
    /// Each tool call sent on this connection, and each tool response received on it.
    pub tool_calls: Vec<ToolCallTiming>,
}

/// One connection (WebSocket session or HTTP request) the simulator accepted or refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// Unique id, in order of arrival, starting at 1.
    pub id: u64,
    /// The API addressed.
    pub api: Api,
    /// The request path and query, the `key` query parameter redacted.
    pub path: String,
    /// The `model` query parameter (OpenAI), the setup model (Gemini) or the body's model (Responses).
    pub model: Option<String>,
    /// The request headers, lower-case names, secrets (`authorization`, `x-goog-api-key`, ...) redacted.
    pub headers: Vec<(String, String)>,
    /// The HTTP status answered at the handshake (101 for an accepted WebSocket).
    pub status: u16,
    /// When it was accepted.
    pub opened_at: Duration,
    /// When it ended, if it has.
    pub closed_at: Option<Duration>,
    /// The close frame sent or received, if any.
    pub close: Option<CloseRecord>,
    /// True when the TCP connection ended without a close frame (a drop, on either side).
    pub dropped: bool,
    /// The Gemini session-resumption handle this connection resumed, if any.
    pub resumption_handle: Option<String>,
    /// Audio counts.
    pub audio: AudioStats,
    /// Main (declares tools) or reader (no tools), from the latest Gemini `setup` or OpenAI `session.update`;
    /// `None` before one arrived and for HTTP requests.
    pub role: Option<SessionRole>,
    /// Latency marks.
    pub marks: Marks,
}

impl Connection {
    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
}

/// A protocol violation: something a real service would reject, ignore or misbehave on.
///
/// In JSON (`GET /sim/report`, `GET /sim/violations`) `at` is `at_ms`, milliseconds as a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The connection it happened on.
    pub conn: u64,
    /// When, since the simulator started.
    #[serde(rename = "at_ms", with = "ms")]
    pub at: Duration,
    /// A short stable code, for example `ga_session_update_without_type`.
    pub code: String,
    /// What exactly was wrong.
    pub message: String,
}

/// Strings at least this long that look like base64 are elided from recorded frames.
const ELIDE_BASE64_CHARS: usize = 64;

/// Returns `text` with long base64 strings elided, reparsing it only when it is long enough to hold one.
pub(crate) fn elide_text(text: &str) -> String {
    if text.len() < ELIDE_BASE64_CHARS {
        return text.to_owned();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) => {
            elide(&mut value);
            serde_json::to_string(&value).unwrap_or_else(|_| text.to_owned())
        }
        Err(_) => text.to_owned(),
    }
}

/// Replaces every long base64 string inside `value` by `<N base64 chars>`.
pub(crate) fn elide(value: &mut Value) {
    match value {
        Value::String(text) if text.len() >= ELIDE_BASE64_CHARS && looks_like_base64(text) => {
            *text = format!("<{} base64 chars>", text.len());
        }
        Value::Array(items) => items.iter_mut().for_each(elide),
        Value::Object(map) => map.values_mut().for_each(elide),
        _ => {}
    }
}

fn looks_like_base64(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// Header names whose values are secrets.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-goog-api-key",
    "api-key",
    "cookie",
    "proxy-authorization",
    "sec-websocket-protocol",
];

/// Redacts a header value when its name is a secret one.
pub(crate) fn redact_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.contains(&name) { "<redacted>".to_owned() } else { value.to_owned() }
}

/// Redacts `key=` and `access_token=` query parameters of a path.
pub(crate) fn redact_path(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else { return path_and_query.to_owned() };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name == "key" || name == "access_token" => format!("{name}=<redacted>"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_base64_is_elided_and_short_text_is_kept() {
        let audio = "A".repeat(200);
        let text = format!(r#"{{"type":"input_audio_buffer.append","audio":"{audio}","note":"short"}}"#);
        let elided = elide_text(&text);
        assert!(elided.contains("<200 base64 chars>"), "{elided}");
        assert!(elided.contains("short"));
        let sentence = "This is a long sentence with spaces, so it is not base64 at all, not even close.";
        let text = format!(r#"{{"text":"{sentence}"}}"#);
        assert!(elide_text(&text).contains(sentence));
    }

    #[test]
    fn secrets_are_redacted_from_headers_and_paths() {
        assert_eq!(redact_header("authorization", "Bearer sk-1"), "<redacted>");
        assert_eq!(redact_header("user-agent", "x"), "x");
        assert_eq!(redact_path("/ws/x?key=secret&alt=1"), "/ws/x?key=<redacted>&alt=1");
        assert_eq!(redact_path("/v1/realtime?model=m"), "/v1/realtime?model=m");
    }
}
