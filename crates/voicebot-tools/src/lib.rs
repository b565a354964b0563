//! Tools the assistants can call, and the runner that calls them safely.
//!
//! # Role
//! The [`Tool`] trait (name, description, JSON schema, `call`); a [`ToolRegistry`] that produces declarations for
//! both providers from one definition (OpenAI Realtime's flat `{"type": "function", ...}` tools and Gemini Live's
//! `functionDeclarations`); and a [`Runner`] that executes each call id exactly once, applies per-tool timeouts, runs
//! independent calls concurrently as owned tasks, and turns every failure (unknown tool, bad arguments, timeout,
//! panic, tool error) into `{"error": {"kind": ..., "message": ...}}`. A result is never empty: anything but a
//! non-empty object is sent as `{"result": value}`, as Gemini requires an object.
//!
//! Built-in tools: [`GetTime`] (`get_time`), [`ListFiles`] (`list_files`), [`ReadFileHead`] (`read_file_head`) and
//! [`Echo`] (`echo`). The file tools are confined to a [`Workspace`] root: `..` escapes, absolute paths outside,
//! symlinks pointing out, device files, fifos and sockets are refused; lines, bytes, listing size and arguments are
//! capped; binary files are reported as binary.
//!
//! # What it deliberately does not do
//! It knows no provider wire format beyond the two declaration shapes and holds no network client: `ask_brain` lives
//! in `voicebot-core` over the `TextModel` seam. It validates arguments in each tool, not against the JSON schema.
//! A crate that only wants to write a tool may depend on this crate alone.
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use serde_json::json;
//! use tokio_util::sync::CancellationToken;
//! use voicebot_tools::{Runner, RunnerConfig, Submitted, ToolCall, ToolRegistry};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), voicebot_tools::Error> {
//! let registry = Arc::new(ToolRegistry::with_builtins(".")?);
//! assert_eq!(registry.openai_tools()[0]["type"], "function");
//! let mut runner = Runner::new(registry, RunnerConfig::default(), CancellationToken::new());
//! let call = ToolCall { call_id: "c1".into(), name: "echo".into(), arguments: json!({"text": "hi"}) };
//! assert_eq!(runner.submit(call.clone()), Submitted::Started);
//! assert_eq!(runner.submit(call), Submitted::Duplicate);
//! let done = runner.next_completion().await;
//! assert_eq!((done.call_id.as_str(), &done.output), ("c1", &json!({"text": "hi"})));
//! # Ok(()) }
//! ```

mod builtin;
mod error;
mod registry;
mod runner;
mod tool;
mod workspace;

pub use builtin::{
    DEFAULT_HEAD_LINES, Echo, GetTime, ListFiles, MAX_HEAD_BYTES, MAX_HEAD_LINES, MAX_LINE_CHARS,
    MAX_LIST_ENTRIES, ReadFileHead,
};
pub use error::{Error, ErrorKind, Result, ToolError};
pub use registry::{Declaration, ToolRegistry};
pub use runner::{Completion, Runner, RunnerConfig, Submitted, ToolCall, wrap_output};
pub use tool::Tool;
pub use workspace::{MAX_PATH_BYTES, Workspace};
