//! Clipping an interrupted assistant turn to what the user heard.

use std::time::Duration;

/// Speech rate assumed when the audio received for a turn is unknown: about 150 words a minute.
const CHARS_PER_SECOND: f64 = 15.0;

/// What is known about one assistant turn's output, kept so a late transcript can be clipped again.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    /// The whole transcript received so far.
    pub(crate) full: String,
    /// The audio received for the turn.
    pub(crate) audio: Duration,
    /// Set on interruption: how much was played.
    pub(crate) heard: Option<Duration>,
    /// Set on interruption when the caller knows the words heard.
    pub(crate) heard_text: Option<String>,
    /// Whether id-less text may still arrive for this interrupted turn (until the response is done).
    pub(crate) late_text_open: bool,
}

impl Progress {
    /// The text the user heard: everything when not interrupted, else the heard text or an estimate.
    pub(crate) fn visible_text(&self) -> String {
        match (&self.heard_text, self.heard) {
            (Some(text), _) => text.trim().to_owned(),
            (None, Some(heard)) => clip(&self.full, heard, self.audio),
            (None, None) => self.full.clone(),
        }
    }
}

/// The prefix of `full` spoken in `heard`, given `received` audio for all of it (zero when unknown). The cut falls
/// on a word boundary and never inside a word.
pub(crate) fn clip(full: &str, heard: Duration, received: Duration) -> String {
    let full = full.trim();
    if heard.is_zero() || full.is_empty() {
        return String::new();
    }
    let chars = full.chars().count();
    let keep = if received.is_zero() {
        heard.as_secs_f64() * CHARS_PER_SECOND
    } else {
        chars as f64 * (heard.as_secs_f64() / received.as_secs_f64()).min(1.0)
    };
    let keep = keep.ceil() as usize;
    if keep >= chars {
        return full.to_owned();
    }
    let cut = full.char_indices().nth(keep).map_or(full.len(), |(i, _)| i);
    let (head, tail) = full.split_at(cut);
    let in_word = !head.ends_with(char::is_whitespace) && !tail.starts_with(char::is_whitespace);
    let head = if in_word { head.rfind(char::is_whitespace).map_or("", |i| &head[..i]) } else { head };
    head.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "The weather in Lyon is sunny today and tomorrow";

    #[test]
    fn clips_by_the_share_of_audio_heard_on_a_word_boundary() {
        let half = clip(TEXT, Duration::from_secs(2), Duration::from_secs(4));
        assert_eq!(half, "The weather in Lyon is");
        assert_eq!(clip(TEXT, Duration::from_secs(5), Duration::from_secs(4)), TEXT);
        assert_eq!(clip(TEXT, Duration::ZERO, Duration::from_secs(4)), "");
    }

    #[test]
    fn without_audio_length_it_assumes_a_speaking_rate() {
        assert_eq!(clip(TEXT, Duration::from_secs(1), Duration::ZERO), "The weather in");
        assert_eq!(clip("Supercalifragilistic", Duration::from_millis(100), Duration::ZERO), "");
    }

    #[test]
    fn heard_text_wins_over_the_estimate() {
        let progress = Progress {
            full: TEXT.into(),
            audio: Duration::from_secs(4),
            heard: Some(Duration::from_secs(1)),
            heard_text: Some(" The weather in ".into()),
            late_text_open: false,
        };
        assert_eq!(progress.visible_text(), "The weather in");
    }
}
