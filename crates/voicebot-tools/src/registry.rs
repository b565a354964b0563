//! [`ToolRegistry`]: the tools of a session, and their declarations for each provider from one definition.

use std::fmt;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::tool::Tool;

/// A provider-neutral declaration: what the model is told about a tool (core maps it to the transport's `ToolSpec`).
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// The function name.
    pub name: String,
    /// When and how to use it.
    pub description: String,
    /// The JSON Schema of its arguments.
    pub parameters: Value,
}

/// The tools of a session, in registration order.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: Vec<Arc<dyn Tool>>,
}

impl fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.tools.iter().map(|t| t.name())).finish()
    }
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        ToolRegistry::default()
    }

    /// Adds `tool`. Fails on a duplicate or invalid name, or a parameters schema that is not an object schema.
    pub fn register(&mut self, tool: impl Tool) -> Result<()> {
        self.register_arc(Arc::new(tool))
    }

    /// Adds a shared tool; see [`register`](Self::register).
    pub fn register_arc(&mut self, tool: Arc<dyn Tool>) -> Result<()> {
        let name = tool.name().to_owned();
        if !valid_name(&name) {
            return Err(Error::InvalidName { name });
        }
        if self.get(&name).is_some() {
            return Err(Error::DuplicateTool { name });
        }
        let parameters = tool.parameters();
        let Some(schema) = parameters.as_object() else {
            return Err(Error::InvalidSchema { name, reason: "it is not a JSON object" });
        };
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err(Error::InvalidSchema { name, reason: "its \"type\" must be \"object\"" });
        }
        self.tools.push(tool);
        Ok(())
    }

    /// The tool named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.tools.iter().find(|t| t.name() == name)
    }

    /// The tool names, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().map(|t| t.name())
    }

    /// The number of tools.
    pub fn len(&self) -> usize {
        self.tools.len()
    }

    /// Whether there are no tools.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// A registry with only the tools named in `names` (in this registry's order); unknown names are ignored.
    /// The handoff pipeline's main session, for example, gets `ask_brain` and `get_time` only.
    #[must_use]
    pub fn only(&self, names: &[&str]) -> ToolRegistry {
        ToolRegistry { tools: self.tools.iter().filter(|t| names.contains(&t.name())).cloned().collect() }
    }

    /// The provider-neutral declarations.
    pub fn declarations(&self) -> Vec<Declaration> {
        self.tools
            .iter()
            .map(|t| Declaration {
                name: t.name().to_owned(),
                description: t.description().to_owned(),
                parameters: t.parameters(),
            })
            .collect()
    }

    /// OpenAI Realtime's `session.tools`: flat `{"type": "function", "name", "description", "parameters"}` entries.
    pub fn openai_tools(&self) -> Vec<Value> {
        self.declarations()
            .into_iter()
            .map(|d| json!({"type": "function", "name": d.name, "description": d.description, "parameters": d.parameters}))
            .collect()
    }

    /// Gemini Live's `setup.tools`: one entry holding `functionDeclarations`, each with its schema as
    /// `parametersJsonSchema` (plain JSON Schema, so one definition serves both providers). Empty without tools.
    pub fn gemini_tools(&self) -> Vec<Value> {
        if self.tools.is_empty() {
            return Vec::new();
        }
        let declarations: Vec<Value> = self
            .declarations()
            .into_iter()
            .map(|d| json!({"name": d.name, "description": d.description, "parametersJsonSchema": d.parameters}))
            .collect();
        vec![json!({"functionDeclarations": declarations})]
    }
}

/// Whether both providers accept `name`: `[A-Za-z_][A-Za-z0-9_-]{0,63}`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_both_providers_accept() {
        for good in ["get_time", "_x", "a-b_9", &"a".repeat(64)] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "9lives", "has space", "dot.ted", "ü", &"a".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
