//! The [`Summarizer`] seam and [`NullSummarizer`], a summarizer without a model.

use async_trait::async_trait;

use crate::error::SummarizeError;
use crate::language::Language;
use crate::prompt::render_turn;
use crate::summary::{FactSheet, Summary};
use crate::turn::Turn;

/// Turns the oldest part of a conversation into a [`Summary`].
///
/// # Contract
/// - `turns` are settled and oldest first; a previous summary, if any, is among them as a `system` turn and its
///   content must be folded in. `previous_facts` are the facts known so far: a summarizer may restate, extend or
///   correct them, and the state merges the answer into them, so a fact the answer omits is never lost.
/// - The synopsis should be written in `language`.
/// - The call has no side effects on the conversation. It is cancellation-safe: dropping the future abandons the
///   summary, and the caller then calls [`crate::ConversationState::abandon_summary`].
/// - It may be slow (a model call); the caller runs it off the pipeline's event loop and bounds it with a timeout.
#[async_trait]
pub trait Summarizer: Send + Sync {
    /// Summarizes `turns` in `language`, given the facts known so far.
    async fn summarize(
        &self,
        turns: &[Turn],
        language: &Language,
        previous_facts: &FactSheet,
    ) -> Result<Summary, SummarizeError>;
}

/// A summarizer without a model: the synopsis is the turns themselves, shortened, and the facts are the previous
/// ones. It ignores the language. It keeps context bounded when no text model is configured, and is handy in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSummarizer;

/// The longest synopsis [`NullSummarizer`] writes, in characters.
const NULL_SYNOPSIS_CHARS: usize = 1_200;
/// The most of one turn [`NullSummarizer`] keeps, in characters.
const NULL_TURN_CHARS: usize = 160;

#[async_trait]
impl Summarizer for NullSummarizer {
    async fn summarize(
        &self,
        turns: &[Turn],
        _language: &Language,
        previous_facts: &FactSheet,
    ) -> Result<Summary, SummarizeError> {
        let lines: Vec<String> = turns
            .iter()
            .filter(|t| !t.text.trim().is_empty())
            .map(|t| {
                if t.is_summary {
                    // Keep only the earlier synopsis: the facts are carried separately.
                    let synopsis = t.text.lines().nth(1).unwrap_or_default();
                    shorten(synopsis, NULL_SYNOPSIS_CHARS / 2)
                } else {
                    shorten(&render_turn(t), NULL_TURN_CHARS)
                }
            })
            .filter(|line| !line.is_empty())
            .collect();
        if lines.is_empty() {
            return Err(SummarizeError::NothingToSummarize);
        }
        // Keep the latest lines when the whole would be too long.
        let mut synopsis = Vec::new();
        let mut size = 0;
        for line in lines.iter().rev() {
            size += line.chars().count() + 1;
            if size > NULL_SYNOPSIS_CHARS && !synopsis.is_empty() {
                break;
            }
            synopsis.push(line.as_str());
        }
        synopsis.reverse();
        Ok(Summary::new(synopsis.join(" "), previous_facts.clone()))
    }
}

/// `text` cut to at most `max` characters on a character boundary, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("héllo wörld", 6), "héllo…");
        assert_eq!(shorten(" short ", 10), "short");
    }
}
