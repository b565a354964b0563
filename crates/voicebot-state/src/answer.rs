//! Parsing a text model's answer into a [`Summary`]: strict JSON, JSON in a fence or in prose, then plain text.

use serde_json::{Map, Value};

use crate::error::SummarizeError;
use crate::summarizer::shorten;
use crate::summary::{FactSheet, Summary};

/// The longest synopsis kept from an answer, in characters.
const SYNOPSIS_CHARS: usize = 4_000;
/// The longest single fact or preference kept, in characters.
const FACT_CHARS: usize = 300;

/// Parses a model's answer to [`crate::summary_prompt`].
///
/// Tried in order: the whole answer as JSON (a JSON string is read as plain text; other JSON must be a summary); each fenced block (```` ```json ````); each balanced `{...}` in the
/// prose; then plain text, where lines labelled `Name:`, `Preferences:`/`Preference:`, `Facts:`/`Fact:` (and the
/// bullets under such a heading) fill the fact sheet and the other lines form the synopsis. Field names are
/// accepted loosely (`summary` for `synopsis`, `fact_sheet` for `facts`, a flat sheet, strings for lists).
/// Fails only with [`SummarizeError::EmptyAnswer`] when nothing usable remains.
pub fn parse_summary_answer(answer: &str) -> Result<Summary, SummarizeError> {
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(SummarizeError::EmptyAnswer);
    }
    match serde_json::from_str::<Value>(answer) {
        // A JSON string is the synopsis itself; any other JSON that is not a summary holds none.
        Ok(Value::String(text)) => return non_empty(from_plain_text(&text)),
        Ok(value) => return from_json(&value).ok_or(SummarizeError::EmptyAnswer),
        Err(_) => {}
    }
    let candidates = fenced_blocks(answer).chain(balanced_objects(answer));
    for candidate in candidates {
        if let Some(summary) = serde_json::from_str::<Value>(candidate).ok().as_ref().and_then(from_json) {
            return Ok(summary);
        }
    }
    non_empty(from_plain_text(answer))
}

fn non_empty(summary: Summary) -> Result<Summary, SummarizeError> {
    if summary.synopsis.is_empty() && summary.facts.is_empty() {
        Err(SummarizeError::EmptyAnswer)
    } else {
        Ok(summary)
    }
}

fn from_json(value: &Value) -> Option<Summary> {
    let object = value.as_object()?;
    if let Some(inner) = object.get("summary").and_then(Value::as_object) {
        return from_json(&Value::Object(inner.clone()));
    }
    let synopsis =
        pick(object, &["synopsis", "summary", "synopsis_text"]).and_then(Value::as_str).unwrap_or("");
    let facts = match pick(object, &["facts", "fact_sheet", "factSheet", "factsheet"]) {
        Some(Value::Object(sheet)) => sheet_from(sheet, None),
        Some(list) => sheet_from(object, Some(list)),
        None => sheet_from(object, None),
    };
    let summary = Summary::new(shorten(synopsis, SYNOPSIS_CHARS), facts);
    (!summary.synopsis.is_empty() || !summary.facts.is_empty()).then_some(summary)
}

fn sheet_from(object: &Map<String, Value>, facts: Option<&Value>) -> FactSheet {
    let name = pick(object, &["name", "user_name", "userName"])
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && !["null", "none", "unknown"].contains(&n.to_lowercase().as_str()))
        .map(|n| shorten(n, FACT_CHARS));
    let preferences = pick(object, &["preferences", "prefs"]).map(strings).unwrap_or_default();
    let facts = facts
        .or_else(|| pick(object, &["facts", "stable_facts", "stableFacts"]))
        .map(strings)
        .unwrap_or_default();
    FactSheet { name, preferences, facts }
}

fn pick<'a>(object: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| object.get(*k)).filter(|v| !v.is_null())
}

/// A list of short strings from an array of scalars or one string.
fn strings(value: &Value) -> Vec<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        Value::Object(_) | Value::Array(_) | Value::Null => None,
    };
    let items: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    };
    items.into_iter().filter(|s| !s.is_empty()).map(|s| shorten(&s, FACT_CHARS)).collect()
}

/// The contents of ``` fences, without the language tag.
fn fenced_blocks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find("```")?;
        let after = &rest[start + 3..];
        let body_start = after.find('\n').map_or(after.len(), |i| i + 1);
        let body = &after[body_start..];
        let end = body.find("```").unwrap_or(body.len());
        rest = &body[(end + 3).min(body.len())..];
        Some(body[..end].trim())
    })
}

/// Each balanced `{...}` span, strings and escapes respected, in order of its opening brace.
fn balanced_objects(text: &str) -> impl Iterator<Item = &str> {
    text.char_indices().filter(|(_, c)| *c == '{').filter_map(move |(start, _)| {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (offset, c) in text[start..].char_indices() {
            match (in_string, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (true, false, '"') => in_string = false,
                (false, _, '"') => in_string = true,
                (false, _, '{') => depth += 1,
                (false, _, '}') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(&text[start..start + offset + 1]);
                    }
                }
                _ => {}
            }
        }
        None
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Synopsis,
    Preferences,
    Facts,
}

fn from_plain_text(text: &str) -> Summary {
    let mut synopsis: Vec<&str> = Vec::new();
    let mut sheet = FactSheet::default();
    let mut section = Section::Synopsis;
    for raw in text.lines() {
        let line = raw.trim().trim_start_matches('#').trim().trim_matches('*').trim();
        let bullet = line.strip_prefix(['-', '*', '•']).map(str::trim);
        let content = bullet.unwrap_or(line);
        if content.is_empty() {
            if bullet.is_none() {
                section = Section::Synopsis;
            }
            continue;
        }
        let (label, value) = match content.split_once(':') {
            Some((label, value)) => {
                (label.trim().trim_matches('*').to_lowercase(), value.trim().trim_matches('*').trim())
            }
            None => (String::new(), content),
        };
        match label.as_str() {
            "name" if !value.is_empty() => sheet.name = Some(shorten(value, FACT_CHARS)),
            "preferences" | "preference" => {
                section = Section::Preferences;
                push_list(&mut sheet.preferences, value);
            }
            "facts" | "fact" | "stable facts" | "fact sheet" => {
                section = Section::Facts;
                push_list(&mut sheet.facts, value);
            }
            "synopsis" | "summary" => {
                section = Section::Synopsis;
                if !value.is_empty() {
                    synopsis.push(value);
                }
            }
            _ => match (section, bullet.is_some()) {
                (Section::Preferences, true) => push_list(&mut sheet.preferences, content),
                (Section::Facts, true) => push_list(&mut sheet.facts, content),
                _ => {
                    section = Section::Synopsis;
                    synopsis.push(content);
                }
            },
        }
    }
    Summary::new(shorten(&synopsis.join(" "), SYNOPSIS_CHARS), sheet)
}

/// Adds `value` to `list`: one entry, or several when it is a `;`-separated list.
fn push_list(list: &mut Vec<String>, value: &str) {
    for item in value.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        list.push(shorten(item, FACT_CHARS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_objects_respect_strings() {
        let text = r#"x {"a": "}{", "b": {"c": 1}} y {"#;
        let found: Vec<&str> = balanced_objects(text).collect();
        assert_eq!(found, vec![r#"{"a": "}{", "b": {"c": 1}}"#, r#"{"c": 1}"#]);
    }

    #[test]
    fn fences_yield_their_bodies() {
        let text = "intro\n```json\n{\"synopsis\": \"s\"}\n```\nand\n```\nplain\n```";
        let found: Vec<&str> = fenced_blocks(text).collect();
        assert_eq!(found, vec!["{\"synopsis\": \"s\"}", "plain"]);
    }
}
