//! The language policy: forced, detected, sticky, and parsed from `LANGUAGE_POLICY`.

use voicebot_state::{AutoDetect, Language, LanguagePolicy, detect_language};

use crate::support::{exchange, state};

#[test]
fn a_forced_language_wins_over_what_is_spoken() {
    let mut state = state();
    exchange(&mut state, 0, "Je voudrais réserver une table pour deux personnes ce soir", "D'accord");
    let policy = LanguagePolicy::parse("de").unwrap();
    let language = state.language(&policy);
    assert_eq!((language.code(), language.name()), ("de", "German"));
    assert_eq!(state.detected_language(), None);
}

#[test]
fn the_language_is_detected_from_recent_user_turns() {
    let mut state = state();
    exchange(&mut state, 0, "Je voudrais réserver une table pour deux personnes ce soir", "Bien sûr");
    let language = state.language(&LanguagePolicy::default());
    assert_eq!((language.code(), language.name()), ("fr", "French"));
    assert_eq!(state.detected_language(), Some(&language));
    let (detected, confidence) = detect_language(state.turns(), 6).unwrap();
    assert_eq!(detected.code(), "fr");
    assert!(confidence > 0.5);
}

#[test]
fn a_weak_guess_neither_sets_nor_flips_the_language() {
    let mut state = state();
    exchange(&mut state, 0, "Oui", "Bien");
    assert_eq!(state.language(&LanguagePolicy::default()).code(), "en", "the fallback");
    assert_eq!(state.detected_language(), None);
    exchange(&mut state, 1, "Je voudrais réserver une table pour deux personnes ce soir", "Bien sûr");
    assert_eq!(state.language(&LanguagePolicy::default()).code(), "fr");
    // Three English words are a weak guess: the conversation stays in French.
    let mut english = crate::support::state();
    exchange(&mut english, 0, "Je voudrais réserver une table pour deux personnes ce soir", "Bien sûr");
    english.language(&LanguagePolicy::default());
    let policy = LanguagePolicy::Auto(AutoDetect { recent_user_turns: 1, ..AutoDetect::default() });
    exchange(&mut english, 1, "what time is", "Il est midi");
    assert_eq!(english.language(&policy).code(), "fr");
    exchange(
        &mut english,
        2,
        "Could you please tell me what the weather will be like tomorrow in Paris",
        "Oui",
    );
    assert_eq!(english.language(&policy).code(), "en", "a confident guess switches");
}

#[test]
fn policy_values_parse() {
    assert!(matches!(LanguagePolicy::parse("auto").unwrap(), LanguagePolicy::Auto(_)));
    assert!(matches!(LanguagePolicy::parse(" AUTO ").unwrap(), LanguagePolicy::Auto(_)));
    assert!(matches!(LanguagePolicy::parse("").unwrap(), LanguagePolicy::Auto(_)));
    assert_eq!(LanguagePolicy::parse("pt-BR").unwrap(), LanguagePolicy::Forced(Language::from_code("pt-BR")));
    for bad in ["french!", "1a", "x", "en--US", "e n"] {
        let err = LanguagePolicy::parse(bad).unwrap_err();
        assert!(err.to_string().contains("expected `auto` or a language code"), "{bad}: {err}");
    }
}

#[test]
fn no_user_text_means_no_detection() {
    let state = state();
    assert_eq!(detect_language(state.turns(), 6), None);
}
