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
    /// The server closed the session. `permanent` when retrying cannot fix it: 1007 at any time, 1008 before the
    /// session was set up (a wrong model, a feature the endpoint refuses); a 1008 in the middle of a set-up session
    /// is one of Gemini's keepalive and policy closes, and is retried.
    #[error("the server closed the session with code {code}: {reason}")]
    Closed {
        /// The WebSocket close code.
        code: u16,
        /// The server's close reason.
        reason: String,
        /// Whether retrying cannot help.
        permanent: bool,
    },
    /// Reconnecting did not give a working session within the retry policy's limits.
    #[error(
        "gave up after {attempts} connection attempts in {} s without a working session; last error: {last}",
        waited.as_secs()
    )]
    RetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// How long the session went without a working connection.
        waited: Duration,
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
    /// The server sent more than the client accepts in one piece (a frame, an answer); it was refused as it
    /// arrived, never buffered whole.
    #[error("{what} was larger than the limit of {limit} bytes and was refused")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The session was closed; nothing more can be sent on it.
    #[error("the session is closed")]
    SessionClosed,
}

/// A transport result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether retrying can help, decided once for every failure (see [`Error::class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// A network or server hiccup: reconnect with backoff (refused or reset connections, DNS failures, 5xx, 429,
    /// close 1011/1001, a mid-session 1008, `goAway`, a keepalive timeout).
    Transient,
    /// The request itself is wrong and will be refused again until a setting changes: a refused key (HTTP 401/403),
    /// an unknown model, close 1007 or 1008 before set-up, a provider error that names the key, the model or the
    /// quota, an untrusted certificate. Never retried.
    Permanent,
    /// Transient failures went on for longer than the retry policy allows.
    GaveUp,
}

/// The setting a permanent error asks the user to fix. The transport does not know the names its caller's
/// configuration uses; `voicebot-core` maps these to `OPENAI_API_KEY`, `GEMINI_MODEL` and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// The API key (refused, missing, revoked, or out of quota).
    ApiKey,
    /// The model name.
    Model,
    /// The base URL (a wrong host or path).
    BaseUrl,
    /// The trusted certificate authorities.
    Trust,
}

/// Provider error codes that retrying cannot fix, with the setting each one names.
const PERMANENT_CODES: &[(&str, Setting)] = &[
    ("invalid_api_key", Setting::ApiKey),
    ("missing_api_key", Setting::ApiKey),
    ("insufficient_quota", Setting::ApiKey),
    ("account_deactivated", Setting::ApiKey),
    ("model_not_found", Setting::Model),
    ("invalid_model", Setting::Model),
    ("unsupported_model", Setting::Model),
    ("beta_api_shape_disabled", Setting::BaseUrl),
];

/// The setting a provider error code names, when retrying cannot fix it.
pub(crate) fn permanent_code(code: &str) -> Option<Setting> {
    PERMANENT_CODES.iter().find(|(known, _)| *known == code).map(|(_, setting)| *setting)
}

impl Error {
    /// Whether retrying can help. Decided here, once, for every failure of every client.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::BadUrl { .. } | Error::MissingKey { .. } | Error::InvalidKey => ErrorClass::Permanent,
            // Another attempt meets the same certificate.
            Error::Certificate { .. } | Error::CaFile { .. } => ErrorClass::Permanent,
            Error::Rejected { status, .. } => http_class(*status, None),
            Error::Http { status, code, .. } => http_class(*status, code.as_deref()),
            Error::Closed { permanent, .. } => {
                if *permanent {
                    ErrorClass::Permanent
                } else {
                    ErrorClass::Transient
                }
            }
            Error::Provider { code, .. } | Error::Failed { code, .. } => {
                if code.as_deref().and_then(permanent_code).is_some() {
                    ErrorClass::Permanent
                } else {
                    ErrorClass::Transient
                }
            }
            Error::RetriesExhausted { .. } => ErrorClass::GaveUp,
            Error::Connect { .. }
            | Error::Decode(_)
            | Error::Encode(_)
            | Error::Timeout { .. }
            | Error::Incomplete { .. }
            | Error::TooLarge { .. }
            | Error::SessionClosed => ErrorClass::Transient,
        }
    }

    /// Whether retrying cannot help ([`ErrorClass::Permanent`]).
    pub fn is_permanent(&self) -> bool {
        self.class() == ErrorClass::Permanent
    }

    /// The setting to fix, for a permanent error that points at one.
    pub fn setting(&self) -> Option<Setting> {
        match self {
            Error::MissingKey { .. } | Error::InvalidKey => Some(Setting::ApiKey),
            Error::BadUrl { .. } => Some(Setting::BaseUrl),
            Error::Certificate { .. } | Error::CaFile { .. } => Some(Setting::Trust),
            Error::Rejected { status, reason, .. } => http_setting(*status, None, reason),
            Error::Http { status, code, message, .. } => http_setting(*status, code.as_deref(), message),
            // A 1008 that refuses a session's set-up is most often a model the endpoint does not serve.
            Error::Closed { permanent: true, code, reason } => {
                reason_setting(reason).or((*code == 1008).then_some(Setting::Model))
            }
            Error::Provider { code: Some(code), .. } | Error::Failed { code: Some(code), .. } => {
                permanent_code(code)
            }
            Error::RetriesExhausted { last, .. } => last.setting(),
            _ => None,
        }
    }
}

/// 401, 403 and most 4xx are permanent; 408, 409 and 429 (unless the quota is spent) and 5xx are transient.
fn http_class(status: u16, code: Option<&str>) -> ErrorClass {
    if code.and_then(permanent_code).is_some() {
        return ErrorClass::Permanent;
    }
    match status {
        408 | 409 | 429 => ErrorClass::Transient,
        400..=499 => ErrorClass::Permanent,
        _ => ErrorClass::Transient,
    }
}

fn http_setting(status: u16, code: Option<&str>, message: &str) -> Option<Setting> {
    if let Some(setting) = code.and_then(permanent_code) {
        return Some(setting);
    }
    match status {
        401 | 403 => Some(Setting::ApiKey),
        404 => Some(reason_setting(message).unwrap_or(Setting::BaseUrl)),
        _ => reason_setting(message),
    }
}

/// What a close reason or an error message points at: "models/x is not found" names the model, "API key not
/// valid" the key.
fn reason_setting(reason: &str) -> Option<Setting> {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("api key") || lower.contains("api_key") || lower.contains("unauthenticated") {
        Some(Setting::ApiKey)
    } else if lower.contains("model") {
        Some(Setting::Model)
    } else {
        None
    }
}

/// A session's failure as its last event carries it: the message and its class, cheap to clone and compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong, one line, never containing a key.
    pub message: String,
    /// Whether retrying could help.
    pub class: ErrorClass,
    /// The setting to fix, for a permanent failure that points at one.
    pub setting: Option<Setting>,
}

impl Failure {
    /// Whether retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        self.class == ErrorClass::Permanent
    }
}

impl From<&Error> for Failure {
    fn from(error: &Error) -> Self {
        Failure { message: error.to_string(), class: error.class(), setting: error.setting() }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
