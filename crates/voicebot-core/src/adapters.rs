//! Adapters that need two leaves at once: the LLM [`Summarizer`] and the `ask_brain` [`Tool`], both over
//! [`TextModel`].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use voicebot_state::{
    FactSheet, Language, SummarizeError, Summarizer, Summary, Turn, parse_summary_answer, summary_prompt,
};
use voicebot_tools::{Tool, ToolError};
use voicebot_transport::{TextModel, TextRequest};

use crate::brain::Brain;

/// Token budget of one summary (reasoning included).
const SUMMARY_MAX_OUTPUT_TOKENS: u32 = 4_000;

/// A [`Summarizer`] that asks a text model for the synopsis and fact sheet, in the chosen language, as JSON,
/// and reads the answer leniently (JSON, JSON in prose or fences, then plain text).
#[derive(Debug, Clone)]
pub struct LlmSummarizer {
    model: Arc<dyn TextModel>,
}

impl LlmSummarizer {
    /// A summarizer over `model`.
    pub fn new(model: Arc<dyn TextModel>) -> LlmSummarizer {
        LlmSummarizer { model }
    }
}

#[async_trait]
impl Summarizer for LlmSummarizer {
    async fn summarize(
        &self,
        turns: &[Turn],
        language: &Language,
        previous_facts: &FactSheet,
    ) -> Result<Summary, SummarizeError> {
        let prompt = summary_prompt(turns, language, previous_facts);
        let request = TextRequest::new(prompt.instructions, prompt.input)
            .with_max_output_tokens(SUMMARY_MAX_OUTPUT_TOKENS)
            .with_reasoning_effort("low");
        let reply = self.model.complete(request).await.map_err(|err| SummarizeError::Model(Box::new(err)))?;
        parse_summary_answer(&reply.text)
    }
}

/// `ask_brain(query)`: asks the brain and returns `{"script": ..., "do_not_speak_further": true}`.
///
/// The handoff pipeline hands the script to its reader itself; this tool is for pipelines where the realtime
/// model should read the brain's answer (the direct assistant).
#[derive(Debug, Clone)]
pub struct AskBrain {
    brain: Brain,
    timeout: Duration,
}

impl AskBrain {
    /// The tool over `brain`; calls give up after `timeout` (the brain's own timeout should be shorter).
    pub fn new(brain: Brain, timeout: Duration) -> AskBrain {
        AskBrain { brain, timeout }
    }
}

/// The arguments schema of `ask_brain`.
pub(crate) fn ask_brain_parameters() -> Value {
    json!({
        "type": "object",
        "properties": {
            "query": { "type": "string", "description": "The user's request, in their own words and language." }
        },
        "required": ["query"]
    })
}

/// What `ask_brain` tells the model it is for.
pub(crate) const ASK_BRAIN_DESCRIPTION: &str = "Ask a stronger model for anything that needs knowledge or reasoning; it answers with a script to read aloud.";

#[async_trait]
impl Tool for AskBrain {
    fn name(&self) -> &str {
        "ask_brain"
    }

    fn description(&self) -> &str {
        ASK_BRAIN_DESCRIPTION
    }

    fn parameters(&self) -> Value {
        ask_brain_parameters()
    }

    fn timeout(&self) -> Option<Duration> {
        Some(self.timeout)
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let query = arguments
            .get("query")
            .and_then(Value::as_str)
            .filter(|query| !query.trim().is_empty())
            .ok_or_else(|| ToolError::bad_arguments("`query` must be a non-empty string"))?;
        let script = self.brain.ask(query).await.map_err(|err| {
            if err.is_permanent() {
                // A refused key or an unknown BRAIN_MODEL: the pipeline stops with the line that names it.
                let line = crate::error::failed("brain", None, voicebot_transport::Failure::from(&err));
                ToolError::misconfigured(line.to_string())
            } else {
                ToolError::failed(err.to_string())
            }
        })?;
        Ok(json!({ "script": script.text, "do_not_speak_further": true }))
    }
}
