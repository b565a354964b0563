//! Bodies of the streaming events about tool calls: function and MCP arguments, hosted tool progress, shell.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Progress of a hosted tool call with no payload: `web_search_call.*`, `file_search_call.*`,
/// `code_interpreter_call.*`, `image_generation_call.*` (except `partial_image`), `mcp_call.*`,
/// `mcp_list_tools.*` and `compaction.compacting`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemProgress {
    /// The tool call item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// A text delta of a tool call item: `function_call_arguments.delta`, `mcp_call_arguments.delta`,
/// `custom_tool_call_input.delta` and `code_interpreter_call_code.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemDelta {
    /// The tool call item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The text to append.
    pub delta: String,
    /// Random padding against length side channels; ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obfuscation: Option<String>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// The final arguments of a call: `function_call_arguments.done` and `mcp_call_arguments.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArgumentsDone {
    /// The tool call item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The arguments as a JSON text.
    pub arguments: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.custom_tool_call_input.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseCustomToolCallInputDone {
    /// The tool call item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The complete free-form input.
    pub input: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.code_interpreter_call_code.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseCodeInterpreterCallCodeDone {
    /// The tool call item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The complete code.
    pub code: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.image_generation_call.partial_image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseImageGenerationCallPartialImage {
    /// The tool call item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The partial image, base64.
    pub partial_image_b64: String,
    /// 0-based index of the partial image.
    pub partial_image_index: u32,
    /// Background setting used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// Output format used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
    /// Quality used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    /// Size used, `WIDTHxHEIGHT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.shell_call_command.added` and `response.shell_call_command.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseShellCallCommand {
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the command in the call.
    pub command_index: u32,
    /// The command so far (`.added`) or complete (`.done`).
    pub command: String,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.shell_call_command.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseShellCallCommandDelta {
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// Position of the command in the call.
    pub command_index: u32,
    /// The text to append to the command.
    pub delta: String,
    /// Random padding against length side channels; ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obfuscation: Option<String>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// `response.shell_call_output_content.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseShellCallOutputContentDelta {
    /// The shell call output item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The command that produced the output.
    pub command_index: u32,
    /// The new output.
    pub delta: ShellOutputDelta,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}

/// New standard output and error of a shell command.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShellOutputDelta {
    /// Standard output to append.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// Standard error to append.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

/// `response.shell_call_output_content.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseShellCallOutputContentDone {
    /// The shell call output item.
    pub item_id: String,
    /// Position of the item in `Response.output`.
    pub output_index: u32,
    /// The command that produced the output.
    pub command_index: u32,
    /// The output chunks (`stdout`, `stderr`, `outcome`), kept raw: voicebot runs no hosted shell.
    pub output: Vec<Value>,
    /// Position of this event in the stream.
    pub sequence_number: u64,
}
