//! Tools a session or a response may use, and how the model chooses among them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::serde_util::{open_tagged, string_enum};

open_tagged! {
    /// One entry of `tools`.
    pub enum Tool {
        /// A function the client runs, in the flat GA form (no Chat Completions `function:{}` wrapper).
        Function(FunctionTool) = "function",
        /// A remote MCP server or connector the server calls itself.
        Mcp(Box<McpTool>) = "mcp",
    }
}

impl Tool {
    /// A function tool with a description and a JSON Schema for its arguments.
    pub fn function(name: impl Into<String>, description: impl Into<String>, parameters: Value) -> Self {
        Tool::Function(FunctionTool {
            name: name.into(),
            description: Some(description.into()),
            parameters: Some(parameters),
        })
    }
}

/// A function tool: `{"type":"function","name","description","parameters"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionTool {
    /// The function name the model calls.
    pub name: String,
    /// When and how to use the function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema of the arguments object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
}

/// An MCP tool: `{"type":"mcp","server_label",...}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct McpTool {
    /// A label that names this server in tool calls.
    pub server_label: String,
    /// The server URL (this or `connector_id` is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// A service connector such as `connector_gmail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<String>,
    /// What the server does, to help the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_description: Option<String>,
    /// An OAuth access token for the server or connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// Extra HTTP headers sent to the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<serde_json::Map<String, Value>>,
    /// Which tools may be called: a list of names or a filter object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tools: Option<Value>,
    /// Which tools need approval: `"always"`, `"never"` or a filter object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_approval: Option<Value>,
    /// Who may call the tools: `direct`, `programmatic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_callers: Option<Vec<String>>,
    /// Whether the tool list is loaded lazily.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defer_loading: Option<bool>,
    /// A tunnel that reaches a private server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel_id: Option<String>,
}

/// `tool_choice`: a mode, or one tool the model must call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ToolChoice {
    /// `"auto"`, `"none"` or `"required"`.
    Mode(ToolChoiceMode),
    /// `{"type":"function","name"}` or `{"type":"mcp","server_label","name"}`.
    Forced(ForcedTool),
}

impl ToolChoice {
    /// `"auto"`: the model decides.
    pub const AUTO: ToolChoice = ToolChoice::Mode(ToolChoiceMode::Auto);

    /// Forces a call of the named function.
    pub fn function(name: impl Into<String>) -> Self {
        ToolChoice::Forced(ForcedTool::Function { name: name.into() })
    }
}

string_enum! {
    /// The string forms of [`ToolChoice`].
    pub enum ToolChoiceMode {
        /// The model may call tools or not.
        Auto = "auto",
        /// The model calls no tool.
        None = "none",
        /// The model calls at least one tool.
        Required = "required",
    }
}

/// The object forms of [`ToolChoice`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ForcedTool {
    /// Call this function.
    Function {
        /// The function name.
        name: String,
    },
    /// Call a tool of this MCP server.
    Mcp {
        /// The server label.
        server_label: String,
        /// The tool name; absent lets the model pick one of the server's tools.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_use_the_flat_function_form() {
        let tool = Tool::function("get_time", "Local time", serde_json::json!({"type":"object"}));
        assert_eq!(
            serde_json::to_string(&tool).unwrap(),
            r#"{"type":"function","name":"get_time","description":"Local time","parameters":{"type":"object"}}"#
        );
        let web: Tool = serde_json::from_str(r#"{"type":"web_search"}"#).unwrap();
        assert!(matches!(web, Tool::Other(_)));
    }

    #[test]
    fn tool_choice_is_a_string_or_an_object() {
        assert_eq!(serde_json::to_string(&ToolChoice::AUTO).unwrap(), r#""auto""#);
        assert_eq!(
            serde_json::to_string(&ToolChoice::function("get_time")).unwrap(),
            r#"{"type":"function","name":"get_time"}"#
        );
        let mcp: ToolChoice = serde_json::from_str(r#"{"type":"mcp","server_label":"docs"}"#).unwrap();
        assert_eq!(mcp, ToolChoice::Forced(ForcedTool::Mcp { server_label: "docs".into(), name: None }));
        let other: ToolChoice = serde_json::from_str(r#""sometimes""#).unwrap();
        assert_eq!(other, ToolChoice::Mode(ToolChoiceMode::Other("sometimes".into())));
    }
}
