//! Function calling: declarations, the server's `toolCall` and `toolCallCancellation`, our `toolResponse`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::enums::{Behavior, FunctionResponseScheduling};
use super::serde_util::null_default;

/// One entry of `setup.tools`: function declarations or a built-in tool.
///
/// Built-in tools are enabled with an empty object (`{"googleSearch":{}}`); their options are kept as raw
/// JSON. Tool kinds this crate does not model (`fileSearch`, `mcpServers`, ...) are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// Functions the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "function_declarations")]
    pub function_declarations: Option<Vec<FunctionDeclaration>>,
    /// Grounding with Google Search.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "google_search")]
    pub google_search: Option<Map<String, Value>>,
    /// Code execution.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "code_execution")]
    pub code_execution: Option<Map<String, Value>>,
    /// URL context retrieval.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "url_context")]
    pub url_context: Option<Map<String, Value>>,
    /// Grounding with Google Maps.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "google_maps")]
    pub google_maps: Option<Map<String, Value>>,
    /// Tool kinds this crate does not model, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tool {
    /// A tool entry declaring `functions`.
    pub fn functions(functions: Vec<FunctionDeclaration>) -> Self {
        Tool { function_declarations: Some(functions), ..Tool::default() }
    }

    /// Google Search with default options: `{"googleSearch":{}}`.
    pub fn google_search() -> Self {
        Tool { google_search: Some(Map::new()), ..Tool::default() }
    }

    /// Code execution: `{"codeExecution":{}}`.
    pub fn code_execution() -> Self {
        Tool { code_execution: Some(Map::new()), ..Tool::default() }
    }
}

/// A function the model may call.
///
/// Give the argument schema as `parameters` (the OpenAPI subset, types in upper case: `"OBJECT"`, `"STRING"`)
/// or as `parametersJsonSchema` (plain JSON Schema), not both. Schemas are user data and are never re-cased.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionDeclaration {
    /// The function name the model uses in calls.
    #[serde(default)]
    pub name: String,
    /// What the function does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The argument schema in the OpenAPI subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// The argument schema as JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "parameters_json_schema")]
    pub parameters_json_schema: Option<Value>,
    /// The result schema in the OpenAPI subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// The result schema as JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "response_json_schema")]
    pub response_json_schema: Option<Value>,
    /// Whether the call blocks the conversation (3.8 defaults to non-blocking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<Behavior>,
}

impl FunctionDeclaration {
    /// A declaration with a name and a description and no parameters.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        FunctionDeclaration {
            name: name.into(),
            description: Some(description.into()),
            ..FunctionDeclaration::default()
        }
    }

    /// Sets the argument schema as plain JSON Schema.
    #[must_use]
    pub fn with_json_schema(mut self, schema: Value) -> Self {
        self.parameters_json_schema = Some(schema);
        self
    }

    /// Sets whether the call blocks the conversation.
    #[must_use]
    pub fn with_behavior(mut self, behavior: Behavior) -> Self {
        self.behavior = Some(behavior);
        self
    }
}

/// A call the model wants us to run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCall {
    /// The call id to echo in the [`FunctionResponse`], exactly as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The function name.
    #[serde(default)]
    pub name: String,
    /// The arguments: a JSON object, not a JSON string.
    #[serde(default, deserialize_with = "null_default")]
    pub args: Map<String, Value>,
    /// Argument fragments while the call is still streaming (raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "partial_args")]
    pub partial_args: Option<Vec<Value>>,
    /// True when more fragments of this call follow.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "will_continue")]
    pub will_continue: Option<bool>,
}

/// The result of one function call.
///
/// `response` is a JSON object by construction: the service rejects anything else. Build it with
/// [`FunctionResponse::result`], which wraps a scalar or array as `{"result": value}`, or with
/// [`FunctionResponse::error`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionResponse {
    /// The id of the call this answers; required by the Gemini API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The function name.
    #[serde(default)]
    pub name: String,
    /// The result object.
    #[serde(default, deserialize_with = "null_default")]
    pub response: Map<String, Value>,
    /// For a non-blocking function: more responses to this call follow.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "will_continue")]
    pub will_continue: Option<bool>,
    /// For a non-blocking function: when the model should act on this result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<FunctionResponseScheduling>,
    /// Multimodal response parts (raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<Value>>,
}

impl FunctionResponse {
    /// A response with a result object.
    pub fn new(id: impl Into<String>, name: impl Into<String>, response: Map<String, Value>) -> Self {
        FunctionResponse { id: Some(id.into()), name: name.into(), response, ..FunctionResponse::default() }
    }

    /// A successful result: an object is sent as it is, any other value as `{"result": value}`.
    pub fn result(id: impl Into<String>, name: impl Into<String>, value: Value) -> Self {
        let response = match value {
            Value::Object(object) => object,
            other => Map::from_iter([("result".to_owned(), other)]),
        };
        FunctionResponse::new(id, name, response)
    }

    /// A failed call: `{"error": error}`, so the model can tell the user or retry.
    pub fn error(id: impl Into<String>, name: impl Into<String>, error: impl Into<Value>) -> Self {
        FunctionResponse::new(id, name, Map::from_iter([("error".to_owned(), error.into())]))
    }

    /// The call answered by `call`, with the same id and name.
    pub fn answering(call: &FunctionCall, value: Value) -> Self {
        let mut response = FunctionResponse::result(String::new(), call.name.clone(), value);
        response.id.clone_from(&call.id);
        response
    }

    /// Sets when the model should act on this result.
    #[must_use]
    pub fn with_scheduling(mut self, scheduling: FunctionResponseScheduling) -> Self {
        self.scheduling = Some(scheduling);
        self
    }

    /// Sets whether more responses to this call follow.
    #[must_use]
    pub fn with_will_continue(mut self, will_continue: bool) -> Self {
        self.will_continue = Some(will_continue);
        self
    }
}

/// Server `toolCall`: run these calls and answer each with a [`FunctionResponse`] carrying its id.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    /// The calls to run.
    #[serde(default, deserialize_with = "null_default", alias = "function_calls")]
    pub function_calls: Vec<FunctionCall>,
}

/// Server `toolCallCancellation`: drop these calls and send no responses for them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ToolCallCancellation {
    /// The ids of the cancelled calls.
    #[serde(default, deserialize_with = "null_default")]
    pub ids: Vec<String>,
}

/// Client `toolResponse`: the results of calls from a `toolCall`. A top-level message of its own.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResponse {
    /// One response per answered call.
    #[serde(default, deserialize_with = "null_default", alias = "function_responses")]
    pub function_responses: Vec<FunctionResponse>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn results_are_always_objects_on_the_wire() {
        let wrapped = FunctionResponse::result("function-call-1", "get_time", json!("12:00"));
        assert_eq!(serde_json::to_value(&wrapped).unwrap()["response"], json!({"result": "12:00"}));
        let list = FunctionResponse::result("c", "f", json!([1, 2]));
        assert_eq!(list.response, json!({"result": [1, 2]}).as_object().unwrap().clone());
        let object = FunctionResponse::result("c", "f", json!({"time": "12:00"}));
        assert_eq!(object.response["time"], "12:00");
        let failed = FunctionResponse::error("c", "f", "timeout");
        assert_eq!(serde_json::to_value(&failed).unwrap()["response"], json!({"error": "timeout"}));
        let null = FunctionResponse::result("c", "f", Value::Null);
        assert_eq!(null.response, json!({"result": null}).as_object().unwrap().clone());
    }

    #[test]
    fn a_non_object_response_does_not_decode() {
        let err = serde_json::from_str::<FunctionResponse>(r#"{"id":"c","name":"f","response":"12:00"}"#);
        assert!(err.is_err());
    }

    #[test]
    fn ids_and_user_keys_are_kept_exactly() {
        let call: FunctionCall = serde_json::from_str(
            r#"{"id":"function-call-1234","name":"f","args":{"time_zone":"UTC","tZ":1}}"#,
        )
        .unwrap();
        let response = FunctionResponse::answering(&call, json!({"local_time": "12:00"}))
            .with_scheduling(FunctionResponseScheduling::WhenIdle)
            .with_will_continue(false);
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"id":"function-call-1234","name":"f","response":{"local_time":"12:00"},"willContinue":false,"scheduling":"WHEN_IDLE"}"#
        );
        assert_eq!(serde_json::to_value(&call).unwrap()["args"], json!({"time_zone": "UTC", "tZ": 1}));
    }
}
