//! The [`Tool`] seam: one function the model may call.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::error::ToolError;

/// A function the model may call.
///
/// # Contract
/// - [`name`](Self::name), [`description`](Self::description) and [`parameters`](Self::parameters) are constant;
///   the registry reads them once. `parameters` is a JSON Schema object (`{"type": "object", ...}`).
/// - [`call`](Self::call) receives a JSON object (the runner turns a missing or `null` argument into `{}` and
///   refuses anything else, and caps its size). Validate it and answer [`ToolError::bad_arguments`] when it does
///   not fit.
/// - The returned value may be any JSON: the runner wraps anything but a non-empty object as `{"result": value}`,
///   because providers require an object.
/// - Cancellation: the future may be dropped at any await (timeout, cancelled call, session end); it must not
///   leave anything half-done that matters.
/// - Threads: `call` runs on a tokio worker. Never block it: put blocking work (file I/O, CPU-heavy loops) in
///   `tokio::task::spawn_blocking`. A tool that blocks its worker cannot be timed out.
/// - A panic is caught by the runner and reported as a `panicked` error; it never takes the session down.
#[async_trait]
pub trait Tool: Send + Sync + 'static {
    /// The function name the model calls.
    fn name(&self) -> &str;

    /// When and how to use it, for the model.
    fn description(&self) -> &str;

    /// The JSON Schema of the arguments object.
    fn parameters(&self) -> Value;

    /// How long a call may take; `None` uses the runner's default.
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// Runs the function.
    async fn call(&self, arguments: Value) -> Result<Value, ToolError>;
}
