//! Helpers: a fixed clock, conversation builders and a scripted summarizer fake.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde_json::json;
use voicebot_state::{ConversationState, FactSheet, Language, SummarizeError, Summarizer, Summary, Turn};

/// A fixed instant, so timestamps are deterministic.
pub(crate) fn fixed_clock() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// A state with the fixed clock.
pub(crate) fn state() -> ConversationState {
    ConversationState::with_clock(fixed_clock)
}

/// One complete exchange on OpenAI: user item `u{n}` then assistant item `a{n}`, both final.
pub(crate) fn exchange(state: &mut ConversationState, n: usize, user: &str, assistant: &str) {
    let user_id = format!("u{n}");
    let assistant_id = format!("a{n}");
    state.on_user_item(Some(&user_id), None);
    state.on_input_transcript(Some(&user_id), user, true);
    state.on_assistant_item(Some(&assistant_id), Some(&user_id));
    state.on_output_transcript(Some(&assistant_id), assistant, true);
    state.on_response_done();
}

/// A tool call `c{n}` with its result.
pub(crate) fn tool_pair(state: &mut ConversationState, n: usize) {
    let call = format!("c{n}");
    state.on_tool_call(&call, "echo", json!({"text": n}));
    state.on_tool_result(&call, json!({"text": n}));
}

/// The texts of the turns, for compact assertions.
pub(crate) fn texts(state: &ConversationState) -> Vec<String> {
    state.turns().iter().map(|t| format!("{}:{}", t.role, t.text)).collect()
}

/// A summary fake that answers from a script and records what it was asked.
#[derive(Debug, Default)]
pub(crate) struct ScriptedSummarizer {
    answers: Mutex<VecDeque<Result<Summary, String>>>,
    /// Each call: the turn texts, the language code and the previous facts.
    pub(crate) calls: Mutex<Vec<(Vec<String>, String, FactSheet)>>,
}

impl ScriptedSummarizer {
    /// A summarizer that gives `answers` in order, then errors.
    pub(crate) fn new(answers: Vec<Result<Summary, String>>) -> Self {
        ScriptedSummarizer { answers: Mutex::new(answers.into()), calls: Mutex::default() }
    }
}

#[async_trait]
impl Summarizer for ScriptedSummarizer {
    async fn summarize(
        &self,
        turns: &[Turn],
        language: &Language,
        previous_facts: &FactSheet,
    ) -> Result<Summary, SummarizeError> {
        let texts = turns.iter().map(|t| t.text.clone()).collect();
        self.calls.lock().unwrap().push((texts, language.code().to_owned(), previous_facts.clone()));
        match self.answers.lock().unwrap().pop_front() {
            Some(Ok(summary)) => Ok(summary),
            Some(Err(message)) => Err(SummarizeError::Model(message.into())),
            None => Err(SummarizeError::EmptyAnswer),
        }
    }
}

/// A fact sheet from string slices.
pub(crate) fn sheet(name: Option<&str>, preferences: &[&str], facts: &[&str]) -> FactSheet {
    FactSheet {
        name: name.map(str::to_owned),
        preferences: preferences.iter().map(|s| (*s).to_owned()).collect(),
        facts: facts.iter().map(|s| (*s).to_owned()).collect(),
    }
}
