//! The built-in tools: `get_time`, `list_files`, `read_file_head` and `echo`.

mod args;
mod echo;
mod files;
mod time;

use std::path::Path;
use std::sync::Arc;

pub use echo::Echo;
pub use files::{
    DEFAULT_HEAD_LINES, ListFiles, MAX_HEAD_BYTES, MAX_HEAD_LINES, MAX_LINE_CHARS, MAX_LIST_ENTRIES,
    ReadFileHead,
};
pub use time::GetTime;

use crate::error::Result;
use crate::registry::ToolRegistry;
use crate::workspace::Workspace;

impl ToolRegistry {
    /// A registry with the four built-in tools: `get_time` in the system's zone, `list_files` and `read_file_head`
    /// confined to `workspace_root`, and `echo`.
    pub fn with_builtins(workspace_root: impl AsRef<Path>) -> Result<Self> {
        let workspace = Arc::new(Workspace::new(workspace_root)?);
        let mut registry = ToolRegistry::new();
        registry.register(GetTime::new())?;
        registry.register(ListFiles::new(Arc::clone(&workspace)))?;
        registry.register(ReadFileHead::new(workspace))?;
        registry.register(Echo)?;
        Ok(registry)
    }
}
