//! The language policy: a forced language code, or the language detected from recent user turns.
//!
//! Detection uses `whatlang`, a small pure-Rust trigram detector with no model files (69 languages). Short
//! utterances give low confidence, so the texts of several recent user turns are joined, and the detected language
//! is sticky: a weak guess never replaces the language already in use.

use std::fmt;

use crate::error::{Error, Result};
use crate::turn::{Role, Turn};

/// A language: a BCP-47 code (`en`, `pt-BR`) and an English name for prompts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language {
    code: String,
    name: String,
}

impl Language {
    /// The language with `code`; the name comes from a table of the detectable languages, else it is the code.
    pub fn from_code(code: &str) -> Self {
        let code = code.trim();
        let primary = code.split(['-', '_']).next().unwrap_or(code).to_ascii_lowercase();
        let name =
            TABLE.iter().find(|(_, c, _)| *c == primary).map_or_else(|| code.to_owned(), |e| e.2.to_owned());
        Language { code: code.to_owned(), name }
    }

    /// English.
    pub fn english() -> Self {
        Language::from_code("en")
    }

    /// The BCP-47 code as given (`en`, `pt-BR`).
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The English name (`French`), or the code for a language outside the table.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.code)
    }
}

/// How the summary language is chosen (`LANGUAGE_POLICY`).
#[derive(Debug, Clone, PartialEq)]
pub enum LanguagePolicy {
    /// Always this language.
    Forced(Language),
    /// Detected from recent user turns.
    Auto(AutoDetect),
}

impl LanguagePolicy {
    /// Parses a `LANGUAGE_POLICY` value: `auto` (or empty) for detection, otherwise a language code such as
    /// `fr` or `pt-BR`.
    pub fn parse(value: &str) -> Result<Self> {
        let trimmed = value.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("auto") {
            return Ok(LanguagePolicy::Auto(AutoDetect::default()));
        }
        let valid = trimmed.len() <= 35
            && trimmed
                .split(['-', '_'])
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
            && trimmed
                .split(['-', '_'])
                .next()
                .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
        if valid {
            Ok(LanguagePolicy::Forced(Language::from_code(trimmed)))
        } else {
            Err(Error::LanguagePolicy { value: value.to_owned() })
        }
    }
}

impl Default for LanguagePolicy {
    /// Detection with the default settings.
    fn default() -> Self {
        LanguagePolicy::Auto(AutoDetect::default())
    }
}

/// Settings of language detection.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoDetect {
    /// How many of the latest user turns are joined for detection. Default 6.
    pub recent_user_turns: usize,
    /// The confidence (0 to 1) a first guess needs. Default 0.15: `whatlang` reports about 0.2 for one clear
    /// sentence and below 0.1 for three words.
    pub min_confidence: f64,
    /// The confidence needed to switch away from the language already detected. Default 0.5.
    pub switch_confidence: f64,
    /// The language used until one is detected. Default English.
    pub fallback: Language,
}

impl Default for AutoDetect {
    fn default() -> Self {
        AutoDetect {
            recent_user_turns: 6,
            min_confidence: 0.15,
            switch_confidence: 0.5,
            fallback: Language::english(),
        }
    }
}

/// Detects the language of the latest user turns: `Some((language, confidence))`, or `None` without user text.
pub fn detect_language(turns: &[Turn], recent_user_turns: usize) -> Option<(Language, f64)> {
    let mut texts: Vec<&str> = turns
        .iter()
        .rev()
        .filter(|t| t.role == Role::User && !t.text.trim().is_empty())
        .take(recent_user_turns)
        .map(|t| t.text.as_str())
        .collect();
    texts.reverse();
    let joined = texts.join(". ");
    let info = whatlang::detect(&joined)?;
    let code = info.lang().code();
    let language = TABLE.iter().find(|(iso3, _, _)| *iso3 == code).map_or_else(
        || Language { code: code.to_owned(), name: info.lang().eng_name().to_owned() },
        |(_, iso1, name)| Language { code: (*iso1).to_owned(), name: (*name).to_owned() },
    );
    Some((language, info.confidence()))
}

/// Resolves `policy` against `turns`, given the language detected before (`sticky`). Returns the language to use
/// and whether it is a detected one (to remember as the new `sticky`).
pub(crate) fn resolve(
    policy: &LanguagePolicy,
    turns: &[Turn],
    sticky: Option<&Language>,
) -> (Language, bool) {
    match policy {
        LanguagePolicy::Forced(language) => (language.clone(), false),
        LanguagePolicy::Auto(auto) => {
            let guess = detect_language(turns, auto.recent_user_turns);
            match (guess, sticky) {
                (Some((language, _)), Some(current)) if language == *current => (language, true),
                (Some((language, confidence)), Some(_)) if confidence >= auto.switch_confidence => {
                    (language, true)
                }
                (_, Some(current)) => (current.clone(), true),
                (Some((language, confidence)), None) if confidence >= auto.min_confidence => (language, true),
                (_, None) => (auto.fallback.clone(), false),
            }
        }
    }
}

/// whatlang's languages: ISO 639-3 code, ISO 639-1 code (BCP-47 primary subtag), English name.
const TABLE: &[(&str, &str, &str)] = &[
    ("afr", "af", "Afrikaans"),
    ("aka", "ak", "Akan"),
    ("amh", "am", "Amharic"),
    ("ara", "ar", "Arabic"),
    ("aze", "az", "Azerbaijani"),
    ("bel", "be", "Belarusian"),
    ("ben", "bn", "Bengali"),
    ("bul", "bg", "Bulgarian"),
    ("cat", "ca", "Catalan"),
    ("ces", "cs", "Czech"),
    ("cmn", "zh", "Chinese"),
    ("cym", "cy", "Welsh"),
    ("dan", "da", "Danish"),
    ("deu", "de", "German"),
    ("ell", "el", "Greek"),
    ("eng", "en", "English"),
    ("epo", "eo", "Esperanto"),
    ("est", "et", "Estonian"),
    ("fin", "fi", "Finnish"),
    ("fra", "fr", "French"),
    ("guj", "gu", "Gujarati"),
    ("heb", "he", "Hebrew"),
    ("hin", "hi", "Hindi"),
    ("hrv", "hr", "Croatian"),
    ("hun", "hu", "Hungarian"),
    ("hye", "hy", "Armenian"),
    ("ind", "id", "Indonesian"),
    ("ita", "it", "Italian"),
    ("jav", "jv", "Javanese"),
    ("jpn", "ja", "Japanese"),
    ("kan", "kn", "Kannada"),
    ("kat", "ka", "Georgian"),
    ("khm", "km", "Khmer"),
    ("kor", "ko", "Korean"),
    ("lat", "la", "Latin"),
    ("lav", "lv", "Latvian"),
    ("lit", "lt", "Lithuanian"),
    ("mal", "ml", "Malayalam"),
    ("mar", "mr", "Marathi"),
    ("mkd", "mk", "Macedonian"),
    ("mya", "my", "Burmese"),
    ("nep", "ne", "Nepali"),
    ("nld", "nl", "Dutch"),
    ("nob", "nb", "Norwegian Bokmål"),
    ("ori", "or", "Odia"),
    ("pan", "pa", "Punjabi"),
    ("pes", "fa", "Persian"),
    ("pol", "pl", "Polish"),
    ("por", "pt", "Portuguese"),
    ("ron", "ro", "Romanian"),
    ("rus", "ru", "Russian"),
    ("sin", "si", "Sinhala"),
    ("slk", "sk", "Slovak"),
    ("slv", "sl", "Slovenian"),
    ("sna", "sn", "Shona"),
    ("spa", "es", "Spanish"),
    ("srp", "sr", "Serbian"),
    ("swe", "sv", "Swedish"),
    ("tam", "ta", "Tamil"),
    ("tel", "te", "Telugu"),
    ("tgl", "tl", "Tagalog"),
    ("tha", "th", "Thai"),
    ("tuk", "tk", "Turkmen"),
    ("tur", "tr", "Turkish"),
    ("ukr", "uk", "Ukrainian"),
    ("urd", "ur", "Urdu"),
    ("uzb", "uz", "Uzbek"),
    ("vie", "vi", "Vietnamese"),
    ("yid", "yi", "Yiddish"),
    ("zul", "zu", "Zulu"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_whatlang_language_is_in_the_table() {
        for lang in whatlang::Lang::all() {
            assert!(TABLE.iter().any(|(iso3, _, _)| *iso3 == lang.code()), "{} missing", lang.code());
        }
        assert_eq!(TABLE.len(), whatlang::Lang::all().len());
    }

    #[test]
    fn codes_keep_their_region_and_get_a_name() {
        let language = Language::from_code("pt-BR");
        assert_eq!((language.code(), language.name()), ("pt-BR", "Portuguese"));
        assert_eq!(Language::from_code("xx").name(), "xx");
    }
}
