//! The brain: a stronger text model asked over [`TextModel`] (the Responses API) for a script the reader speaks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use voicebot_transport::{TextModel, TextRequest};

use crate::prompts::BRAIN_INSTRUCTIONS;

/// Upper bound on reasoning plus answer tokens: generous, since a reasoning model that runs out answers nothing.
const MAX_OUTPUT_TOKENS: u32 = 4_000;

/// Asks the brain for spoken scripts.
#[derive(Debug, Clone)]
pub struct Brain {
    model: Arc<dyn TextModel>,
    reasoning_effort: Option<String>,
}

/// The brain's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// What the reader should say.
    pub text: String,
    /// How long the brain took.
    pub elapsed: Duration,
    /// Failed attempts retried before the answer (a 429, a 5xx, a dropped connection).
    pub retries: u32,
}

impl Brain {
    /// A brain over `model` (its own timeout applies: the Responses client's default is 20 s).
    pub fn new(model: Arc<dyn TextModel>) -> Brain {
        Brain { model, reasoning_effort: Some("low".to_owned()) }
    }

    /// Sets the reasoning effort (`None`: the model's default).
    #[must_use]
    pub fn with_reasoning_effort(mut self, effort: Option<String>) -> Brain {
        self.reasoning_effort = effort;
        self
    }

    /// Asks `query` and returns the script.
    ///
    /// # Errors
    /// The text model's error (it never contains the API key); [`voicebot_transport::Error::is_permanent`]
    /// tells a refused key or an unknown model from a failure worth asking again.
    pub async fn ask(&self, query: &str) -> Result<Script, voicebot_transport::Error> {
        let started = Instant::now();
        let mut request =
            TextRequest::new(BRAIN_INSTRUCTIONS, query).with_max_output_tokens(MAX_OUTPUT_TOKENS);
        if let Some(effort) = &self.reasoning_effort {
            request = request.with_reasoning_effort(effort.clone());
        }
        let reply = self.model.complete(request).await?;
        Ok(Script { text: spoken(&reply.text), elapsed: started.elapsed(), retries: reply.retries })
    }
}

/// Strips what a voice should not read: markdown emphasis, headings, bullets and code fences; folds lines.
fn spoken(text: &str) -> String {
    let lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("```"))
        .map(|line| line.trim_start_matches(['#', '-', '*', '>', ' ']).trim());
    let joined: Vec<&str> = lines.filter(|line| !line.is_empty()).collect();
    joined.join(" ").replace("**", "").replace('`', "")
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use voicebot_transport::{TextReply, TextUsage};

    use super::*;

    /// A text model that answers with a fixed text and remembers the request.
    #[derive(Debug, Default)]
    struct Fixed {
        answer: String,
        seen: std::sync::Mutex<Vec<TextRequest>>,
    }

    #[async_trait]
    impl TextModel for Fixed {
        async fn complete(&self, request: TextRequest) -> voicebot_transport::Result<TextReply> {
            self.seen.lock().unwrap().push(request);
            Ok(TextReply { text: self.answer.clone(), usage: TextUsage::default(), ..TextReply::default() })
        }
    }

    #[tokio::test]
    async fn the_brain_is_asked_with_its_instructions_and_answers_a_readable_script() {
        let model = Arc::new(Fixed {
            answer: "## Why\n- The sky is **blue**.\n\n```\ncode\n```\nBecause of `Rayleigh`.".into(),
            ..Fixed::default()
        });
        let brain = Brain::new(model.clone());
        let script = brain.ask("why is the sky blue").await.unwrap();
        assert_eq!(script.text, "Why The sky is blue. code Because of Rayleigh.");
        let seen = model.seen.lock().unwrap();
        assert_eq!(seen[0].instructions, BRAIN_INSTRUCTIONS);
        assert_eq!(seen[0].input, "why is the sky blue");
        assert_eq!(seen[0].reasoning_effort.as_deref(), Some("low"));
    }
}
