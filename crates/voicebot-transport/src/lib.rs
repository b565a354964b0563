//! Clients for the providers voicebot talks to.
//!
//! # Role
//! The `RealtimeTransport` seam and its implementations over WebSockets (OpenAI Realtime GA and Gemini Live), and
//! the `TextModel` seam with its OpenAI Responses API client. Each connection is a reader task, a writer task with
//! a bounded outbound audio queue that drops the oldest frame under backpressure (and counts it), and a supervisor
//! that reconnects with exponential backoff and jitter, re-sends the session configuration and tells the caller.
//! Provider wire types (from `voicebot-protocol`) stay inside this crate: callers see provider-neutral events.
//!
//! # What it deliberately does not do
//! It does not decide anything about a conversation: when to truncate, what to summarize or which tool to run is
//! the pipelines' job in `voicebot-core`. It never touches audio devices, and it never reads environment
//! variables or files: endpoints and keys are passed in.
//!
//! # Status
//! The clients land with the transport issue; today the crate holds only this contract.
