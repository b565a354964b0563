//! `echo(text)`: answers with the text it was given; a harmless tool for tests and demos.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::args::required_str;
use crate::error::{ErrorKind, ToolError};
use crate::tool::Tool;

/// The longest text `echo` repeats, in characters.
const MAX_ECHO_CHARS: usize = 4_000;

/// `echo(text)` returns `{"text": text}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

#[async_trait]
impl Tool for Echo {
    fn name(&self) -> &str {
        "echo"
    }

    fn description(&self) -> &str {
        "Repeat the given text back. Use it only when asked to echo something."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {"text": {"type": "string", "description": "The text to repeat."}},
            "required": ["text"],
            "additionalProperties": false
        })
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let text = required_str(&arguments, "text")?;
        if text.chars().count() > MAX_ECHO_CHARS {
            return Err(ToolError::new(
                ErrorKind::TooLarge,
                format!("the text is longer than {MAX_ECHO_CHARS} characters"),
            ));
        }
        Ok(json!({ "text": text }))
    }
}
