//! A wire-faithful simulator of OpenAI Realtime, Gemini Live and the OpenAI Responses API.
//!
//! # Role
//! In-process servers for all three APIs on one `127.0.0.1` port, at the real services' paths, driven by scenarios
//! that are data under `fixtures/`. Tests get base URLs and a handle to inspect what was received and to inject
//! faults (close codes, `goAway`, malformed frames, dropped connections, slow or failing HTTP answers).
//! It records protocol violations (a GA `session.update` without `session.type`, audio before `setupComplete`,
//! a tool response for an unknown call id, ...) so that a happy-path test can assert there were none.
//! It is a product, not a test toy: `voicebot sim --port N` runs it standalone, and the official Python SDKs
//! complete sessions against it.
//!
//! # What it deliberately does not do
//! It never talks to a real provider and never proxies. It shares wire types with the clients through
//! `voicebot-protocol` but never imports the transport crate, so a bug in a client cannot hide behind the same
//! bug in the simulator.
//!
//! # Status
//! The servers land with the transport issue; today the crate holds only this contract.
