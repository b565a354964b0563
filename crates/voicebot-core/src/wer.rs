//! Word error rate: how far a transcript is from the text it should match, for the reader's verbatim check.

/// Word error rate of `hypothesis` against `reference`: (substitutions + deletions + insertions) divided by the
/// reference's word count, over lower-cased words with punctuation removed. 0 is verbatim; it can exceed 1.
/// An empty reference gives 0 when the hypothesis is empty too, and 1 otherwise.
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let reference = words(reference);
    let hypothesis = words(hypothesis);
    if reference.is_empty() {
        return if hypothesis.is_empty() { 0.0 } else { 1.0 };
    }
    // Levenshtein distance over words, one row at a time.
    let mut previous: Vec<usize> = (0..=hypothesis.len()).collect();
    let mut current = vec![0; hypothesis.len() + 1];
    for (i, word) in reference.iter().enumerate() {
        current[0] = i + 1;
        for (j, other) in hypothesis.iter().enumerate() {
            let substitution = previous[j] + usize::from(word != other);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[hypothesis.len()] as f64 / reference.len() as f64
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|word| {
            word.chars().filter(|c| c.is_alphanumeric() || *c == '\'').flat_map(char::to_lowercase).collect()
        })
        .filter(|word: &String| !word.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_substitutions_deletions_and_insertions() {
        assert_eq!(word_error_rate("The time is 10:42.", "the time is 1042"), 0.0);
        assert_eq!(word_error_rate("a b c d", "a x c d"), 0.25);
        assert_eq!(word_error_rate("a b c d", "a c d"), 0.25);
        assert_eq!(word_error_rate("a b c d", "a b c d e f"), 0.5);
        assert_eq!(word_error_rate("a b", ""), 1.0);
        assert_eq!(word_error_rate("", ""), 0.0);
        assert_eq!(word_error_rate("", "noise"), 1.0);
    }
}
