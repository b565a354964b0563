//! [`ToolError`], the failure a model reads, and [`Error`], what can go wrong setting tools up.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

/// What kind of failure a tool call met; its name is the `kind` of the error payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No tool has that name.
    UnknownTool,
    /// The arguments are not what the tool takes (not an object, a missing or mistyped field, too large).
    BadArguments,
    /// The tool took longer than its timeout.
    Timeout,
    /// The tool panicked.
    Panicked,
    /// The call was cancelled (the provider withdrew it, or the session ended).
    Cancelled,
    /// Too many calls are running or queued.
    Overloaded,
    /// A file or directory does not exist.
    NotFound,
    /// The request is not allowed: a path outside the workspace, a device file, a fifo or a socket.
    Refused,
    /// The input or output is larger than allowed.
    TooLarge,
    /// An I/O error.
    Io,
    /// The tool failed for its own reasons.
    Failed,
    /// The tool cannot work until a setting changes (a refused key, an unknown model behind it): the pipeline
    /// stops with the message instead of letting the model call it again and again.
    Misconfigured,
}

impl ErrorKind {
    /// The snake_case name used in payloads: `unknown_tool`, `bad_arguments`, `timeout`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::UnknownTool => "unknown_tool",
            ErrorKind::BadArguments => "bad_arguments",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Panicked => "panicked",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Overloaded => "overloaded",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Refused => "refused",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Io => "io",
            ErrorKind::Failed => "failed",
            ErrorKind::Misconfigured => "misconfigured",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed tool call, as the model will read it: `{"error": {"kind": ..., "message": ...}}`.
///
/// Messages are lowercase sentences written for the model; they never hold paths outside the workspace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ToolError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened, for the model.
    pub message: String,
}

impl ToolError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ToolError { kind, message: message.into() }
    }

    /// Arguments the tool does not take.
    pub fn bad_arguments(message: impl Into<String>) -> Self {
        ToolError::new(ErrorKind::BadArguments, message)
    }

    /// A failure of the tool's own.
    pub fn failed(message: impl Into<String>) -> Self {
        ToolError::new(ErrorKind::Failed, message)
    }

    /// A failure no retry can fix until a setting changes; `message` says which (one line).
    pub fn misconfigured(message: impl Into<String>) -> Self {
        ToolError::new(ErrorKind::Misconfigured, message)
    }

    pub(crate) fn timeout(limit: Duration) -> Self {
        ToolError::new(ErrorKind::Timeout, format!("the tool did not finish within {} ms", limit.as_millis()))
    }

    /// The payload the model reads: `{"error": {"kind": ..., "message": ...}}`.
    pub fn payload(&self) -> Value {
        json!({"error": {"kind": self.kind.as_str(), "message": self.message}})
    }
}

/// What can go wrong setting tools up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two tools with one name.
    #[error("a tool named {name:?} is already registered")]
    DuplicateTool {
        /// The name.
        name: String,
    },
    /// A name both providers would not accept (letters, digits, `_` and `-`, starting with a letter or `_`, at most
    /// 64 characters).
    #[error(
        "invalid tool name {name:?}: use letters, digits, `_` or `-`, start with a letter or `_`, at most 64"
    )]
    InvalidName {
        /// The name.
        name: String,
    },
    /// A parameters schema that is not a JSON Schema object (`{"type": "object", ...}`).
    #[error("tool {name:?} has an invalid parameters schema: {reason}")]
    InvalidSchema {
        /// The tool.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The workspace root cannot be used.
    #[error("cannot use workspace root {path}: {reason}")]
    WorkspaceRoot {
        /// The root given.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An unknown IANA time zone name.
    #[error("unknown time zone {name:?}: use an IANA name such as Europe/Paris")]
    TimeZone {
        /// The name.
        name: String,
    },
}

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
