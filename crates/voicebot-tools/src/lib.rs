//! Tools the assistants can call, and the runner that calls them safely.
//!
//! # Role
//! The `Tool` trait (name, description, JSON schema, `call`), a `ToolRegistry` that produces declarations for both
//! providers from one definition, and a runner that executes each call id exactly once, applies per-tool timeouts,
//! runs independent calls concurrently and turns failures and panics into a structured payload the model can read.
//! Built-in tools: `get_time`, `list_files`, `read_file_head` and `echo`; the file tools are confined to a
//! workspace root.
//!
//! # What it deliberately does not do
//! It knows no provider wire format and holds no network client: `ask_brain` lives in `voicebot-core` over the
//! `TextModel` seam. A crate that only wants to write a tool may depend on this crate alone.
//!
//! # Status
//! The runner and tools land with the state and tools issue; today the crate holds only this contract.
