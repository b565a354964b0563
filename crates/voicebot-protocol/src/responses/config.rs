//! Request settings that the response echoes back: reasoning, text format, tools, tool choice, tiers.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::serde_util::{known_body, open_tagged, string_enum};

/// Reasoning settings for reasoning models.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reasoning {
    /// How hard the model thinks. Which values work depends on the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    /// Whether and how to summarize the reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ReasoningSummary>,
}

string_enum! {
    /// `reasoning.effort`.
    pub enum ReasoningEffort {
        /// No reasoning.
        None = "none",
        /// Minimal reasoning.
        Minimal = "minimal",
        /// Low effort.
        Low = "low",
        /// Medium effort (the usual default).
        Medium = "medium",
        /// High effort.
        High = "high",
        /// Extra high effort.
        Xhigh = "xhigh",
        /// Maximum effort.
        Max = "max",
    }
}

string_enum! {
    /// `reasoning.summary`.
    pub enum ReasoningSummary {
        /// The most detailed summary the model supports.
        Auto = "auto",
        /// A short summary.
        Concise = "concise",
        /// A detailed summary.
        Detailed = "detailed",
    }
}

/// Text output settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextConfig {
    /// Plain text (default), a JSON schema, or JSON mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
    /// How long the answer should be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<Verbosity>,
}

open_tagged! {
    /// `text.format`.
    pub enum TextFormat {
        /// Plain text (`text`).
        Text(TextFormatText) = "text",
        /// Structured output matching a schema (`json_schema`).
        JsonSchema(TextFormatJsonSchema) = "json_schema",
        /// Any JSON object (`json_object`); prefer `json_schema`.
        JsonObject(TextFormatJsonObject) = "json_object",
    }
}

/// The plain text format: no options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TextFormatText {}

/// JSON mode: no options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TextFormatJsonObject {}

/// Structured output with a JSON schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextFormatJsonSchema {
    /// Name of the format (letters, digits, `_` and `-`).
    pub name: String,
    /// The JSON schema.
    pub schema: Value,
    /// What the format is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the schema is enforced strictly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

string_enum! {
    /// `text.verbosity`.
    pub enum Verbosity {
        /// Short answers.
        Low = "low",
        /// The default.
        Medium = "medium",
        /// Long answers.
        High = "high",
    }
}

open_tagged! {
    /// A tool the model may call. Hosted tools (web search, file search, MCP, ...) are kept raw in `Other`.
    pub enum Tool {
        /// A function implemented by the caller (`function`).
        Function(FunctionTool) = "function",
    }
}

/// A function tool.
///
/// `parameters` and `strict` are required by the API but may be `null`, so they are always written.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionTool {
    /// Function name.
    pub name: String,
    /// What the function does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON schema of the arguments; `None` is written as `null`.
    #[serde(default)]
    pub parameters: Option<Value>,
    /// Whether arguments must match the schema exactly; `None` is written as `null`.
    #[serde(default)]
    pub strict: Option<bool>,
}

impl FunctionTool {
    /// A function tool with a description and an argument schema, strict mode left to the API default.
    pub fn new(name: impl Into<String>, description: impl Into<String>, parameters: Value) -> Self {
        Self {
            name: name.into(),
            description: Some(description.into()),
            parameters: Some(parameters),
            strict: None,
        }
    }
}

/// `tool_choice`: a mode string, a specific function, or another hosted-tool choice kept raw.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ToolChoice {
    /// `none`, `auto` or `required`.
    Mode(ToolChoiceMode),
    /// Force a call of this function.
    Function(ToolChoiceFunction),
    /// Any other choice object (`allowed_tools`, `file_search`, `mcp`, ...).
    Other(Value),
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        match &value {
            Value::String(mode) => Ok(Self::Mode(ToolChoiceMode::from(mode.as_str()))),
            Value::Object(object) if object.get("type").and_then(Value::as_str) == Some("function") => {
                known_body("function", value).map(Self::Function)
            }
            _ => Ok(Self::Other(value)),
        }
    }
}

impl Default for ToolChoice {
    fn default() -> Self {
        Self::Mode(ToolChoiceMode::Auto)
    }
}

string_enum! {
    /// The string form of `tool_choice`.
    pub enum ToolChoiceMode {
        /// Never call a tool.
        None = "none",
        /// The model decides (default).
        Auto = "auto",
        /// The model must call at least one tool.
        Required = "required",
    }
}

/// Forces a call of one function; written as `{"type":"function","name":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "function")]
pub struct ToolChoiceFunction {
    /// The function to call.
    pub name: String,
}

/// Streaming options; set only with `stream: true`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Whether delta events carry random `obfuscation` padding (on by default server-side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_obfuscation: Option<bool>,
}

string_enum! {
    /// `truncation`: what happens when the input exceeds the context window.
    pub enum Truncation {
        /// Drop items from the start of the conversation.
        Auto = "auto",
        /// Fail with a 400 error (default).
        Disabled = "disabled",
    }
}

string_enum! {
    /// `service_tier`. The response reports the tier actually used.
    pub enum ServiceTier {
        /// The project's default.
        Auto = "auto",
        /// Standard processing.
        Default = "default",
        /// Flex processing: cheaper, slower.
        Flex = "flex",
        /// Scale tier.
        Scale = "scale",
        /// Priority processing.
        Priority = "priority",
        /// Fast mode, reported back as `priority`.
        Fast = "fast",
        /// Ultrafast processing (access-controlled).
        Ultrafast = "ultrafast",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_choice_is_a_mode_a_function_or_raw() {
        let mode: ToolChoice = serde_json::from_str(r#""required""#).unwrap();
        assert_eq!(mode, ToolChoice::Mode(ToolChoiceMode::Required));
        let function: ToolChoice = serde_json::from_str(r#"{"type":"function","name":"book"}"#).unwrap();
        assert_eq!(function, ToolChoice::Function(ToolChoiceFunction { name: "book".into() }));
        assert_eq!(serde_json::to_string(&function).unwrap(), r#"{"type":"function","name":"book"}"#);
        let other: ToolChoice = serde_json::from_str(r#"{"type":"file_search"}"#).unwrap();
        assert!(matches!(other, ToolChoice::Other(_)));
        assert!(serde_json::from_str::<ToolChoice>(r#"{"type":"function"}"#).is_err());
    }

    #[test]
    fn function_tools_always_write_parameters_and_strict() {
        let tool = Tool::Function(FunctionTool { name: "f".into(), ..Default::default() });
        assert_eq!(
            serde_json::to_string(&tool).unwrap(),
            r#"{"type":"function","name":"f","parameters":null,"strict":null}"#
        );
    }

    #[test]
    fn text_formats_carry_their_type() {
        let text =
            TextConfig { format: Some(TextFormat::Text(TextFormatText {})), verbosity: Some(Verbosity::Low) };
        assert_eq!(serde_json::to_string(&text).unwrap(), r#"{"format":{"type":"text"},"verbosity":"low"}"#);
        let back: TextConfig =
            serde_json::from_str(r#"{"format":{"type":"text"},"verbosity":"low"}"#).unwrap();
        assert_eq!(back, text);
    }
}
