//! `list_files(path)` and `read_file_head(path, lines)`, confined to a [`Workspace`].
//!
//! The file work runs in `spawn_blocking`; it is bounded (entries, bytes, lines), so even a slow disk only holds one
//! blocking thread for a short time. A fifo is refused before it is opened, because opening one blocks.

use std::fs;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::args::{optional_count, optional_str, required_str};
use crate::error::{ErrorKind, ToolError};
use crate::tool::Tool;
use crate::workspace::{Workspace, io_error, require_regular_file, special_kind};

/// The most entries `list_files` returns.
pub const MAX_LIST_ENTRIES: usize = 200;
/// The most entries `list_files` looks at (so a huge directory costs bounded work).
const MAX_SCANNED_ENTRIES: usize = 10_000;
/// The lines `read_file_head` returns when not told.
pub const DEFAULT_HEAD_LINES: u64 = 20;
/// The most lines `read_file_head` returns.
pub const MAX_HEAD_LINES: u64 = 200;
/// The most bytes `read_file_head` reads.
pub const MAX_HEAD_BYTES: u64 = 64 * 1024;
/// The longest line `read_file_head` returns, in characters; longer lines are cut.
pub const MAX_LINE_CHARS: usize = 1_000;

/// `list_files(path)`: the entries of a directory inside the workspace.
#[derive(Debug, Clone)]
pub struct ListFiles {
    workspace: Arc<Workspace>,
}

impl ListFiles {
    /// The tool over `workspace`.
    pub fn new(workspace: Arc<Workspace>) -> Self {
        ListFiles { workspace }
    }
}

#[async_trait]
impl Tool for ListFiles {
    fn name(&self) -> &str {
        "list_files"
    }

    fn description(&self) -> &str {
        "List the files and folders of a directory in the workspace. Paths are relative to the workspace root."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {"path": {"type": "string", "description": "A directory relative to the workspace root; default \".\"."}},
            "additionalProperties": false
        })
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let argument = optional_str(&arguments, "path")?.unwrap_or(".").to_owned();
        let workspace = Arc::clone(&self.workspace);
        blocking(move || list(&workspace, &argument)).await
    }
}

fn list(workspace: &Workspace, argument: &str) -> Result<Value, ToolError> {
    let real = workspace.resolve(argument)?;
    let metadata = fs::metadata(&real).map_err(|e| io_error(argument, &e))?;
    if !metadata.is_dir() {
        return Err(ToolError::bad_arguments(format!("{argument:?} is not a directory")));
    }
    let mut entries = Vec::new();
    let mut total = 0usize;
    for entry in fs::read_dir(&real).map_err(|e| io_error(argument, &e))?.take(MAX_SCANNED_ENTRIES) {
        let Ok(entry) = entry else { continue };
        total += 1;
        let Ok(file_type) = entry.file_type() else { continue };
        let kind = if file_type.is_dir() {
            "dir"
        } else if file_type.is_file() {
            "file"
        } else if file_type.is_symlink() {
            "symlink"
        } else {
            special_kind(&file_type).trim_start_matches("a ")
        };
        let size = file_type.is_file().then(|| entry.metadata().map(|m| m.len()).ok()).flatten();
        entries.push((entry.file_name().to_string_lossy().into_owned(), kind, size));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let truncated = total > MAX_LIST_ENTRIES || total >= MAX_SCANNED_ENTRIES;
    entries.truncate(MAX_LIST_ENTRIES);
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|(name, kind, size)| match size {
            Some(size) => json!({"name": name, "type": kind, "size_bytes": size}),
            None => json!({"name": name, "type": kind}),
        })
        .collect();
    Ok(json!({"path": workspace.display(&real), "entries": entries, "total": total, "truncated": truncated}))
}

/// `read_file_head(path, lines)`: the first lines of a text file inside the workspace.
#[derive(Debug, Clone)]
pub struct ReadFileHead {
    workspace: Arc<Workspace>,
}

impl ReadFileHead {
    /// The tool over `workspace`.
    pub fn new(workspace: Arc<Workspace>) -> Self {
        ReadFileHead { workspace }
    }
}

#[async_trait]
impl Tool for ReadFileHead {
    fn name(&self) -> &str {
        "read_file_head"
    }

    fn description(&self) -> &str {
        "Read the first lines of a text file in the workspace. Binary files are reported, not shown."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "A file relative to the workspace root."},
                "lines": {"type": "integer", "minimum": 1, "maximum": MAX_HEAD_LINES, "description": "How many lines; default 20."}
            },
            "required": ["path"],
            "additionalProperties": false
        })
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let argument = required_str(&arguments, "path")?.to_owned();
        if argument.trim().is_empty() {
            return Err(ToolError::bad_arguments("\"path\" must name a file"));
        }
        let lines = optional_count(&arguments, "lines")?.unwrap_or(DEFAULT_HEAD_LINES);
        let workspace = Arc::clone(&self.workspace);
        blocking(move || head(&workspace, &argument, lines)).await
    }
}

fn head(workspace: &Workspace, argument: &str, lines: u64) -> Result<Value, ToolError> {
    let real: PathBuf = workspace.resolve(argument)?;
    let metadata = fs::metadata(&real).map_err(|e| io_error(argument, &e))?;
    require_regular_file(argument, &metadata)?;
    let file = fs::File::open(&real).map_err(|e| io_error(argument, &e))?;
    // The path may have been swapped between the check and the open: check what was opened.
    let opened = file.metadata().map_err(|e| io_error(argument, &e))?;
    require_regular_file(argument, &opened)?;
    let size = opened.len();
    let mut bytes = Vec::new();
    file.take(MAX_HEAD_BYTES).read_to_end(&mut bytes).map_err(|e| io_error(argument, &e))?;
    let path = workspace.display(&real);
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        // A multi-byte character cut by the byte limit is not a sign of binary data.
        Err(e) if e.error_len().is_none() && bytes.len() as u64 == MAX_HEAD_BYTES => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Ok(binary(&path, size)),
    };
    if text.contains('\0') {
        return Ok(binary(&path, size));
    }
    let wanted = usize::try_from(lines.min(MAX_HEAD_LINES)).unwrap_or(usize::MAX);
    let mut shown = Vec::new();
    let mut cut_line = false;
    for line in text.lines().take(wanted) {
        if line.chars().count() > MAX_LINE_CHARS {
            cut_line = true;
            shown.push(format!("{}…", line.chars().take(MAX_LINE_CHARS).collect::<String>()));
        } else {
            shown.push(line.to_owned());
        }
    }
    let more = text.lines().nth(wanted).is_some() || (bytes.len() as u64) < size;
    Ok(json!({
        "path": path,
        "text": shown.join("\n"),
        "line_count": shown.len(),
        "truncated": more || cut_line || lines > MAX_HEAD_LINES,
        "size_bytes": size,
    }))
}

fn binary(path: &str, size: u64) -> Value {
    json!({"path": path, "binary": true, "size_bytes": size, "note": "binary file; its content is not shown"})
}

/// Runs bounded file work off the async workers.
async fn blocking<F>(work: F) -> Result<Value, ToolError>
where
    F: FnOnce() -> Result<Value, ToolError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => Err(ToolError::new(ErrorKind::Panicked, "the file tool crashed")),
        Err(_) => Err(ToolError::new(ErrorKind::Cancelled, "the file tool was cancelled")),
    }
}
