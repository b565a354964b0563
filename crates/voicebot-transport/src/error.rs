//! Errors of the transport clients. Every variant says what failed; none ever contains an API key.

use std::path::PathBuf;
use std::time::Duration;

/// A transport error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A base URL from configuration is unusable.
    #[error("{variable} `{url}` is not a usable base URL ({why}); set it like `{example}`")]
    BadUrl {
        /// The configuration variable, e.g. `OPENAI_BASE_URL`.
        variable: &'static str,
        /// The value as given.
        url: String,
        /// What is wrong with it.
        why: String,
        /// A correct example.
        example: &'static str,
    },
    /// A needed API key is missing or empty.
    #[error("{variable} is not set; export it or add it to .env (it is needed for {needed_for})")]
    MissingKey {
        /// The variable that should hold the key, e.g. `GEMINI_API_KEY`.
        variable: &'static str,
        /// What needs it.
        needed_for: &'static str,
    },
    /// The TCP, TLS or WebSocket connection could not be made or broke (retried by the supervisor).
    #[error("cannot reach {host}: {message}")]
    Connect {
        /// Host and port, never the full URL (a Gemini URL may carry the key).
        host: String,
        /// What the socket layer said.
        message: String,
    },
    /// The server's TLS certificate was refused: signed by an authority the client does not trust, issued for
    /// another host name, expired. Retrying cannot help, so it is never retried.
    #[error("the TLS certificate of {host} is not trusted: {message}")]
    Certificate {
        /// Host and port, never the full URL.
        host: String,
        /// What is wrong with the certificate and how to fix it.
        message: String,
    },
    /// A file of certificate authorities to trust (`CA_FILE`, `SSL_CERT_FILE`) cannot be used.
    #[error(
        "cannot use {setting}={}: {message}; point {setting} at a PEM file of the certificate authority to trust, \
         or unset it",
        path.display()
    )]
    CaFile {
        /// The setting the path came from.
        setting: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The server refused the connection or request with an HTTP status at the handshake (401, 403, 404, ...).
    #[error("{host} refused the connection with HTTP {status}: {reason}")]
    Rejected {
        /// Host and port.
        host: String,
        /// The HTTP status.
        status: u16,
        /// The server's explanation (body or status text), truncated.
        reason: String,
    },
    /// The server closed the session with a code that retrying cannot fix (1007, 1008, ...).
    #[error("the server closed the session with code {code}: {reason}")]
    Closed {
        /// The WebSocket close code.
        code: u16,
        /// The server's close reason.
        reason: String,
    },
    /// Reconnecting failed too often.
    #[error("gave up after {attempts} connection attempts; last error: {last}")]
    RetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// The last error seen.
        last: Box<Error>,
    },
    /// A provider error event that ends the session (an OpenAI `error` that is not benign, say).
    #[error("the provider reported an error{}: {message}", code.as_deref().map(|c| format!(" `{c}`")).unwrap_or_default())]
    Provider {
        /// The provider's error code, when it sent one.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// A frame could not be decoded.
    #[error(transparent)]
    Decode(#[from] voicebot_protocol::DecodeError),
    /// A message could not be encoded.
    #[error(transparent)]
    Encode(#[from] voicebot_protocol::EncodeError),
    /// An operation took longer than allowed.
    #[error("{what} timed out after {} ms", after.as_millis())]
    Timeout {
        /// What timed out.
        what: &'static str,
        /// The limit.
        after: Duration,
    },
    /// An HTTP API answered with an error status.
    #[error("{host} answered HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" `{c}`")).unwrap_or_default())]
    Http {
        /// Host and port.
        host: String,
        /// The HTTP status.
        status: u16,
        /// The API's error code, when the body had one.
        code: Option<String>,
        /// The API's error message, or the start of the body.
        message: String,
    },
    /// A Responses API answer stopped early: `incomplete` status, for example the token budget spent on reasoning.
    #[error("the response is incomplete ({reason}){}", if *reasoning_only { "; the token budget was spent on reasoning, raise max_output_tokens" } else { "" })]
    Incomplete {
        /// `incomplete_details.reason`, e.g. `max_output_tokens`.
        reason: String,
        /// Whether the output held only reasoning and no text.
        reasoning_only: bool,
    },
    /// A Responses API answer with status `failed`, or an `error` event in a stream.
    #[error("the response failed{}: {message}", code.as_deref().map(|c| format!(" `{c}`")).unwrap_or_default())]
    Failed {
        /// The error code.
        code: Option<String>,
        /// The error message.
        message: String,
    },
    /// The API key cannot be sent: it holds characters an HTTP header cannot carry.
    #[error(
        "the API key contains characters that cannot go in an HTTP header; check for stray quotes or spaces"
    )]
    InvalidKey,
    /// The session was closed; nothing more can be sent on it.
    #[error("the session is closed")]
    SessionClosed,
}

/// A transport result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
