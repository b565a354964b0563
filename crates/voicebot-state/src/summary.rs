//! [`Summary`] and [`FactSheet`]: what a summarizer returns, and how fact sheets merge from one summary to the next.

use std::fmt::Write as _;

/// A summary of the earlier conversation: a synopsis plus the facts worth keeping.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// What was discussed and decided, in the conversation's language.
    pub synopsis: String,
    /// Stable facts about the user.
    pub facts: FactSheet,
}

impl Summary {
    /// A summary with `synopsis` and `facts`.
    pub fn new(synopsis: impl Into<String>, facts: FactSheet) -> Self {
        Summary { synopsis: synopsis.into(), facts }
    }

    /// The text of the `system` item that carries this summary, locally and on the server.
    ///
    /// The labels are English (the model reads them); the synopsis and facts are in the language they were written in.
    pub fn render(&self) -> String {
        let mut text = String::from("Summary of the earlier conversation:\n");
        text.push_str(self.synopsis.trim());
        if !self.facts.is_empty() {
            text.push_str("\n\nKnown facts about the user:");
            if let Some(name) = &self.facts.name {
                let _ = write!(text, "\n- Name: {name}");
            }
            for preference in &self.facts.preferences {
                let _ = write!(text, "\n- Preference: {preference}");
            }
            for fact in &self.facts.facts {
                let _ = write!(text, "\n- Fact: {fact}");
            }
        }
        text
    }
}

/// Stable facts about the user, carried from one summary to the next.
///
/// Merging never drops an entry silently: preferences and facts are a union (duplicates ignoring case and spacing are
/// kept once, in first-seen order), and a changed name is kept with the earlier one recorded as a fact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FactSheet {
    /// The user's name, when they gave it.
    pub name: Option<String>,
    /// What the user likes or wants (`prefers short answers`, `vegetarian`).
    pub preferences: Vec<String>,
    /// Other stable facts (`lives in Lyon`, `has two cats`).
    pub facts: Vec<String>,
}

impl FactSheet {
    /// Whether the sheet holds nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.preferences.is_empty() && self.facts.is_empty()
    }

    /// The number of entries: the name (if any), preferences and facts.
    pub fn len(&self) -> usize {
        usize::from(self.name.is_some()) + self.preferences.len() + self.facts.len()
    }

    /// Merges a newer sheet into this one. Nothing already here is lost: entries are added, and when the name
    /// changes the earlier name is kept as the fact `earlier name: <name>`.
    pub fn merge(&mut self, newer: FactSheet) {
        if let Some(new_name) = newer.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
            match self.name.take() {
                Some(old) if normalize(&old) != normalize(&new_name) => {
                    push_unique(&mut self.facts, format!("earlier name: {old}"));
                }
                _ => {}
            }
            self.name = Some(new_name);
        }
        for preference in newer.preferences {
            push_unique(&mut self.preferences, preference);
        }
        for fact in newer.facts {
            push_unique(&mut self.facts, fact);
        }
    }

    /// This sheet merged with `newer` (see [`merge`](Self::merge)).
    #[must_use]
    pub fn merged(mut self, newer: FactSheet) -> Self {
        self.merge(newer);
        self
    }

    /// Whether `self` holds every entry of `other` (its name, possibly as an `earlier name` fact, and every
    /// preference and fact, compared ignoring case and spacing).
    pub fn covers(&self, other: &FactSheet) -> bool {
        let has = |list: &[String], item: &str| list.iter().any(|x| normalize(x) == normalize(item));
        let name_kept = other.name.as_deref().is_none_or(|name| {
            let name = name.trim();
            name.is_empty()
                || self.name.as_deref().is_some_and(|n| normalize(n) == normalize(name))
                || has(&self.facts, &format!("earlier name: {name}"))
        });
        name_kept
            && other.preferences.iter().all(|p| p.trim().is_empty() || has(&self.preferences, p))
            && other.facts.iter().all(|f| f.trim().is_empty() || has(&self.facts, f))
    }
}

/// Lower case with runs of whitespace folded to one space: the key two entries are compared by.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn push_unique(list: &mut Vec<String>, item: String) {
    let item = item.trim().to_owned();
    if item.is_empty() {
        return;
    }
    let key = normalize(&item);
    if !list.iter().any(|x| normalize(x) == key) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(name: Option<&str>, preferences: &[&str], facts: &[&str]) -> FactSheet {
        FactSheet {
            name: name.map(str::to_owned),
            preferences: preferences.iter().map(|s| (*s).to_owned()).collect(),
            facts: facts.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn merge_is_a_union_that_ignores_case_and_spacing() {
        let mut old = sheet(Some("Ana"), &["short answers"], &["lives in Lyon"]);
        old.merge(sheet(None, &["Short  answers", "tea"], &["has a cat", " "]));
        assert_eq!(old, sheet(Some("Ana"), &["short answers", "tea"], &["lives in Lyon", "has a cat"]));
    }

    #[test]
    fn a_changed_name_keeps_the_earlier_one_as_a_fact() {
        let merged = sheet(Some("Ana"), &[], &[]).merged(sheet(Some("Anna"), &[], &[]));
        assert_eq!(merged.name.as_deref(), Some("Anna"));
        assert_eq!(merged.facts, vec!["earlier name: Ana".to_owned()]);
        assert!(merged.covers(&sheet(Some("Ana"), &[], &[])));
    }

    #[test]
    fn render_lists_facts_after_the_synopsis() {
        let summary = Summary::new("We planned a trip.", sheet(Some("Ana"), &["tea"], &["lives in Lyon"]));
        let text = summary.render();
        assert!(text.starts_with("Summary of the earlier conversation:\nWe planned a trip."));
        assert!(text.contains("- Name: Ana\n- Preference: tea\n- Fact: lives in Lyon"));
        assert_eq!(Summary::new("Nothing.", FactSheet::default()).render().lines().count(), 2);
    }
}
