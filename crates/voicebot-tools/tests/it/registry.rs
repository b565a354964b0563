//! The registry: one definition, both providers' declaration shapes, and what it refuses.

use serde_json::json;
use voicebot_tools::{Error, ToolRegistry};

use crate::support::{Behaviour, Fake, TempDir};

#[test]
fn one_definition_gives_both_provider_shapes() {
    let dir = TempDir::new("registry");
    let registry = ToolRegistry::with_builtins(dir.path()).unwrap();
    let names: Vec<&str> = registry.names().collect();
    assert_eq!(names, ["get_time", "list_files", "read_file_head", "echo"]);

    let echo = registry.get("echo").unwrap();
    let openai = registry.openai_tools();
    assert_eq!(openai.len(), 4);
    assert_eq!(
        openai[3],
        json!({"type": "function", "name": "echo", "description": echo.description(), "parameters": echo.parameters()})
    );
    let gemini = registry.gemini_tools();
    assert_eq!(gemini.len(), 1);
    let declarations = gemini[0]["functionDeclarations"].as_array().unwrap();
    assert_eq!(declarations.len(), 4);
    assert_eq!(
        declarations[3],
        json!({"name": "echo", "description": echo.description(), "parametersJsonSchema": echo.parameters()})
    );
    let neutral = registry.declarations();
    assert_eq!((neutral[0].name.as_str(), &neutral[0].parameters["type"]), ("get_time", &json!("object")));
    assert!(ToolRegistry::new().gemini_tools().is_empty());
}

#[test]
fn a_subset_keeps_the_registry_order() {
    let dir = TempDir::new("subset");
    let registry = ToolRegistry::with_builtins(dir.path()).unwrap();
    let subset = registry.only(&["echo", "get_time", "missing"]);
    assert_eq!(subset.names().collect::<Vec<_>>(), ["get_time", "echo"]);
    assert_eq!(format!("{subset:?}"), r#"["get_time", "echo"]"#);
}

#[test]
fn duplicates_bad_names_and_bad_schemas_are_refused() {
    let mut registry = ToolRegistry::new();
    registry.register(Fake::new("fake", Behaviour::Hangs)).unwrap();
    let duplicate = registry.register(Fake::new("fake", Behaviour::Hangs)).unwrap_err();
    assert!(matches!(duplicate, Error::DuplicateTool { .. }), "{duplicate}");
    let bad_name = registry.register(Fake::new("no spaces", Behaviour::Hangs)).unwrap_err();
    assert!(matches!(bad_name, Error::InvalidName { .. }), "{bad_name}");

    struct NoSchema;
    #[async_trait::async_trait]
    impl voicebot_tools::Tool for NoSchema {
        fn name(&self) -> &str {
            "no_schema"
        }
        fn description(&self) -> &str {
            "bad"
        }
        fn parameters(&self) -> serde_json::Value {
            json!({"type": "string"})
        }
        async fn call(&self, _: serde_json::Value) -> Result<serde_json::Value, voicebot_tools::ToolError> {
            Ok(json!({}))
        }
    }
    let bad_schema = registry.register(NoSchema).unwrap_err();
    assert!(bad_schema.to_string().contains("\"type\" must be \"object\""), "{bad_schema}");
    assert_eq!(registry.len(), 1);
}

#[test]
fn the_workspace_root_must_be_an_existing_directory() {
    let dir = TempDir::new("root");
    let missing = ToolRegistry::with_builtins(dir.path().join("missing")).unwrap_err();
    assert!(matches!(missing, Error::WorkspaceRoot { .. }), "{missing}");
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let file = ToolRegistry::with_builtins(dir.path().join("file")).unwrap_err();
    assert!(file.to_string().contains("not a directory"), "{file}");
}
