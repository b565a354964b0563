//! The pure half of the LLM summarizer: the prompt that asks a text model for a synopsis and a fact sheet as JSON.
//! Core sends it over its `TextModel` and parses the answer with [`crate::parse_summary_answer`].

use std::fmt::Write as _;

use crate::language::Language;
use crate::summarizer::shorten;
use crate::summary::FactSheet;
use crate::turn::{Role, ToolPart, Turn};

/// The longest text of one turn put in a prompt, in characters.
const TURN_CHARS: usize = 2_000;
/// The longest conversation put in a prompt, in characters; older turns are left out beyond it.
const CONVERSATION_CHARS: usize = 40_000;

/// A prompt for a text model: system `instructions` and user `input` (the two arguments of `TextModel::complete`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryPrompt {
    /// What the model must do and the JSON shape to answer with.
    pub instructions: String,
    /// The facts known so far and the conversation.
    pub input: String,
}

/// Builds the prompt that asks for a synopsis and a fact sheet of `turns` in `language`, as one JSON object.
pub fn summary_prompt(turns: &[Turn], language: &Language, previous_facts: &FactSheet) -> SummaryPrompt {
    let instructions = format!(
        "You keep the memory of a spoken conversation between a user and a voice assistant.\n\
         Write in {name} (language code {code}).\n\
         Answer with one JSON object and nothing else, of this shape:\n\
         {{\"synopsis\": \"...\", \"facts\": {{\"name\": null, \"preferences\": [], \"facts\": []}}}}\n\
         - synopsis: at most 120 words: what was discussed, decided or promised, and any open question.\n\
         - facts.name: the user's name if they gave it, else null.\n\
         - facts.preferences: how the user likes things, one short phrase each.\n\
         - facts.facts: other stable facts about the user, one short statement each.\n\
         Keep every previous fact unless the user corrected it, and never invent facts.\n\
         A line starting with \"System:\" is the summary of an earlier part: fold it into the new synopsis.\n\
         An assistant line marked (interrupted) was cut off by the user: only the words shown were heard.",
        name = language.name(),
        code = language.code(),
    );
    let mut input = String::from("Previous facts:\n");
    if previous_facts.is_empty() {
        input.push_str("(none)\n");
    }
    if let Some(name) = &previous_facts.name {
        let _ = writeln!(input, "- name: {name}");
    }
    for preference in &previous_facts.preferences {
        let _ = writeln!(input, "- preference: {preference}");
    }
    for fact in &previous_facts.facts {
        let _ = writeln!(input, "- fact: {fact}");
    }
    input.push_str("\nConversation:\n");
    input.push_str(&conversation_text(turns));
    SummaryPrompt { instructions, input }
}

/// The turns as lines, the latest kept when they exceed the prompt budget (the earlier summary always kept).
fn conversation_text(turns: &[Turn]) -> String {
    let lines: Vec<(bool, String)> = turns
        .iter()
        .filter(|t| !t.text.trim().is_empty() || t.tool.is_some())
        .map(|t| (t.is_summary, shorten(&render_turn(t), TURN_CHARS)))
        .collect();
    let mut budget = CONVERSATION_CHARS;
    let mut keep = vec![false; lines.len()];
    for (index, (is_summary, line)) in lines.iter().enumerate() {
        if *is_summary {
            keep[index] = true;
            budget = budget.saturating_sub(line.len());
        }
    }
    for (index, (_, line)) in lines.iter().enumerate().rev() {
        if !keep[index] && line.len() < budget {
            keep[index] = true;
            budget -= line.len();
        } else if !keep[index] {
            break;
        }
    }
    let omitted = keep.iter().filter(|k| !**k).count();
    let mut text = String::new();
    if omitted > 0 {
        let _ = writeln!(text, "[{omitted} older turns left out]");
    }
    for ((_, line), kept) in lines.iter().zip(keep) {
        if kept {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// One turn as a prompt line: `User: ...`, `Assistant (interrupted): ...`, `Tool call: ...`, `System: ...`.
pub(crate) fn render_turn(turn: &Turn) -> String {
    let text = turn.text.trim();
    match (&turn.tool, turn.role) {
        (Some(ToolPart::Call { .. }), _) => format!("Tool call: {text}"),
        (Some(ToolPart::Result { .. }), _) => format!("Tool result: {text}"),
        (None, Role::Assistant) if turn.interrupted => format!("Assistant (interrupted): {text}"),
        (None, Role::Assistant) => format!("Assistant: {text}"),
        (None, Role::User) => format!("User: {text}"),
        (None, Role::System) => format!("System: {}", text.replace('\n', " ")),
        (None, Role::Tool) => format!("Tool: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::turn::TurnId;

    #[test]
    fn long_conversations_keep_the_summary_and_the_latest_turns() {
        let mut turns =
            vec![Turn::new(TurnId::new(0), Role::System, "Summary of the earlier conversation:\nold")];
        turns[0].is_summary = true;
        for n in 1..=100 {
            turns.push(Turn::new(TurnId::new(n), Role::User, format!("{n} {}", "x".repeat(1_000))));
        }
        let text = conversation_text(&turns);
        assert!(text.len() <= CONVERSATION_CHARS + 100);
        assert!(text.contains("System: Summary of the earlier conversation: old"));
        assert!(text.contains("User: 100 "));
        assert!(!text.contains("User: 1 "));
        assert!(text.contains("older turns left out]"));
    }
}
