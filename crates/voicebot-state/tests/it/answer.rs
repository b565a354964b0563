//! Parsing a model's summary answer, and the prompt that asks for it.

use voicebot_state::{
    FactSheet, Language, Role, SummarizeError, Turn, TurnId, parse_summary_answer, summary_prompt,
};

use crate::support::sheet;

#[test]
fn strict_json_is_read_as_is() {
    let answer = r#"{"synopsis": "Planned a trip.", "facts": {"name": "Ana", "preferences": ["window seat"], "facts": ["lives in Lyon"]}}"#;
    let summary = parse_summary_answer(answer).unwrap();
    assert_eq!(summary.synopsis, "Planned a trip.");
    assert_eq!(summary.facts, sheet(Some("Ana"), &["window seat"], &["lives in Lyon"]));
}

#[test]
fn json_in_a_fence_or_in_prose_is_found() {
    let fenced = "Here you go:\n```json\n{\"synopsis\": \"Fenced.\", \"facts\": {\"name\": null}}\n```\nAnything else?";
    assert_eq!(parse_summary_answer(fenced).unwrap().synopsis, "Fenced.");
    let prose = r#"Sure! {"note": "not this"} The summary is {"summary": "In prose {with braces}.", "facts": []} done."#;
    let summary = parse_summary_answer(prose).unwrap();
    assert_eq!(summary.synopsis, "In prose {with braces}.");
    assert!(summary.facts.is_empty());
}

#[test]
fn loose_shapes_are_accepted() {
    let flat = r#"{"summary": "Flat.", "name": "Bo", "preferences": "tea", "facts": ["has a dog", 42, null, {"x": 1}]}"#;
    assert_eq!(parse_summary_answer(flat).unwrap().facts, sheet(Some("Bo"), &["tea"], &["has a dog", "42"]));
    let nested = r#"{"summary": {"synopsis": "Nested.", "fact_sheet": {"user_name": "unknown", "stable_facts": "likes jazz"}}}"#;
    let summary = parse_summary_answer(nested).unwrap();
    assert_eq!(summary.synopsis, "Nested.");
    assert_eq!(summary.facts, sheet(None, &[], &["likes jazz"]));
}

#[test]
fn plain_text_falls_back_to_labels_and_bullets() {
    let answer = "**Synopsis:** We compared two laptops and picked one.\n\
                  \n\
                  Name: Ana\n\
                  Preferences:\n\
                  - quiet keyboards\n\
                  - under 1 kg\n\
                  Facts: works remotely; travels monthly\n";
    let summary = parse_summary_answer(answer).unwrap();
    assert_eq!(summary.synopsis, "We compared two laptops and picked one.");
    assert_eq!(
        summary.facts,
        sheet(Some("Ana"), &["quiet keyboards", "under 1 kg"], &["works remotely", "travels monthly"])
    );
    let bare = parse_summary_answer("They chatted about the weather.").unwrap();
    assert_eq!(bare.synopsis, "They chatted about the weather.");
    assert!(bare.facts.is_empty());
}

#[test]
fn an_empty_answer_is_an_error_and_huge_ones_are_capped() {
    assert!(matches!(parse_summary_answer("  \n "), Err(SummarizeError::EmptyAnswer)));
    assert!(matches!(parse_summary_answer("{}"), Err(SummarizeError::EmptyAnswer)));
    assert!(matches!(parse_summary_answer(r#"{"error": "rate limited"}"#), Err(SummarizeError::EmptyAnswer)));
    assert_eq!(parse_summary_answer(r#""Just a string.""#).unwrap().synopsis, "Just a string.");
    let huge = format!(r#"{{"synopsis": "{}"}}"#, "word ".repeat(5_000));
    assert!(parse_summary_answer(&huge).unwrap().synopsis.chars().count() <= 4_000);
}

#[test]
fn the_prompt_asks_for_json_in_the_language_with_previous_facts() {
    let mut turns = vec![
        Turn::new(TurnId::new(1), Role::User, "Wie spät ist es?"),
        Turn::new(TurnId::new(2), Role::Assistant, "Es ist zwölf Uhr und"),
    ];
    turns[1].interrupted = true;
    let facts = sheet(Some("Ana"), &["kurze Antworten"], &[]);
    let prompt = summary_prompt(&turns, &Language::from_code("de"), &facts);
    assert!(prompt.instructions.contains("Write in German (language code de)."));
    assert!(
        prompt.instructions.contains(r#""synopsis""#) && prompt.instructions.contains(r#""preferences""#)
    );
    assert!(prompt.input.starts_with("Previous facts:\n- name: Ana\n- preference: kurze Antworten\n"));
    assert!(
        prompt.input.ends_with("User: Wie spät ist es?\nAssistant (interrupted): Es ist zwölf Uhr und\n")
    );
    let empty = summary_prompt(&[], &Language::english(), &FactSheet::default());
    assert!(empty.input.starts_with("Previous facts:\n(none)\n"));
}
