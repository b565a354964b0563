//! What a resumed session must be sent again: a [`Journal`] of the commands each link wrote, numbered in
//! the order the server reads client messages, and the [`ResumeBase`] a resumption handle stands for.
//!
//! A resumption handle is a snapshot of the server's session that includes the client messages up to some
//! index. Messages after it (a tool response, a text, context) are unknown to a session resumed from that
//! handle, so they are sent again on the new link, before anything new. Audio is never replayed: the mic
//! queue already holds what was not written, and a repeated audio frame would be heard twice.
//!
//! Numbering: every data frame a link writes after its handshake frames gets the next index, from 0, audio
//! included (Gemini's `lastConsumedClientMessageIndex` counts the messages after `setup` this way). When the
//! server says which index it consumed, that is the cut; when it does not (the Gemini Developer API sends the
//! index only to Vertex's transparent resumption), the cut is what had been written when the handle arrived:
//! a message written later cannot be in the snapshot, so it is replayed, and one written earlier is assumed
//! consumed, so nothing is ever sent twice.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::warn;

/// Commands remembered per link; older ones are long consumed and are forgotten first.
const MAX_ENTRIES: usize = 1024;

/// One command frame and the index it was written at (`None` while it waits in the link's queue).
#[derive(Debug, Clone)]
struct Entry {
    seq: Option<u64>,
    text: String,
}

#[derive(Debug, Default)]
struct Inner {
    /// Data frames written after the handshake (audio and commands): the next frame's index.
    written: u64,
    /// The number of `entries[0]`; command numbers keep counting as old entries are forgotten.
    first: u64,
    entries: VecDeque<Entry>,
}

/// The commands one link was given and the index of every data frame it wrote. Shared by the supervisor
/// (which adds commands) and the link's writer (which numbers frames as it writes them).
#[derive(Debug, Default)]
pub(crate) struct Journal {
    inner: Mutex<Inner>,
}

impl Journal {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Journal::default())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers a command about to be queued; returns its number for [`Journal::written_command`].
    pub(crate) fn add(&self, text: &str) -> u64 {
        let mut inner = self.lock();
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.pop_front();
            inner.first += 1;
            warn!(kept = MAX_ENTRIES, "replay journal full, forgetting the oldest command");
        }
        inner.entries.push_back(Entry { seq: None, text: text.to_owned() });
        inner.first + inner.entries.len() as u64 - 1
    }

    /// The writer wrote an audio frame: it takes the next index.
    pub(crate) fn written_audio(&self) {
        self.lock().written += 1;
    }

    /// The writer wrote command `number`: it takes the next index.
    pub(crate) fn written_command(&self, number: u64) {
        let mut inner = self.lock();
        let seq = inner.written;
        inner.written += 1;
        let first = inner.first;
        if let Some(entry) = number.checked_sub(first).and_then(|at| inner.entries.get_mut(at as usize)) {
            entry.seq = Some(seq);
        }
    }

    /// How many data frames have been written (the index the next one gets).
    pub(crate) fn written(&self) -> u64 {
        self.lock().written
    }

    /// The commands the server has not consumed if it consumed every index below `cut`: those written at
    /// `cut` or later, and those never written, in order.
    fn unconsumed(&self, cut: u64) -> Vec<String> {
        let inner = self.lock();
        inner
            .entries
            .iter()
            .filter(|entry| entry.seq.is_none_or(|seq| seq >= cut))
            .map(|entry| entry.text.clone())
            .collect()
    }

    /// Forgets the commands below `cut`: they are part of the server's snapshot.
    fn forget_below(&self, cut: u64) {
        let mut inner = self.lock();
        while inner.entries.front().is_some_and(|entry| entry.seq.is_some_and(|seq| seq < cut)) {
            inner.entries.pop_front();
            inner.first += 1;
        }
    }
}

/// What the latest resumption handle stands for: the link it came from and the first index it does not
/// include. A session resumed from it must be sent that link's commands from the cut on.
#[derive(Debug, Clone)]
pub(crate) struct ResumeBase {
    journal: Arc<Journal>,
    cut: u64,
}

impl ResumeBase {
    /// A fresh server session on the link with `journal`: nothing before it matters.
    pub(crate) fn fresh(journal: Arc<Journal>) -> Self {
        ResumeBase { journal, cut: 0 }
    }

    /// A checkpoint on the link with `journal`: the server consumed up to `consumed` when it says so,
    /// otherwise everything written so far.
    pub(crate) fn checkpoint(journal: Arc<Journal>, consumed: Option<u64>) -> Self {
        let cut = consumed.map_or_else(|| journal.written(), |index| index.saturating_add(1));
        journal.forget_below(cut);
        ResumeBase { journal, cut }
    }

    /// The commands to send again on a link that resumed from this base, in their original order.
    pub(crate) fn replay(&self) -> Vec<String> {
        self.journal.unconsumed(self.cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_written_after_the_consumed_index_or_never_written_are_replayed() {
        let journal = Journal::new();
        journal.written_audio(); // 0
        let a = journal.add("a");
        journal.written_command(a); // 1
        journal.written_audio(); // 2
        let b = journal.add("b");
        journal.written_command(b); // 3
        let _c = journal.add("c"); // queued, never written
        let base = ResumeBase::checkpoint(journal.clone(), Some(2));
        assert_eq!(base.replay(), vec!["b".to_owned(), "c".to_owned()]);
        let base = ResumeBase::checkpoint(journal.clone(), Some(0));
        assert_eq!(base.replay(), vec!["b".to_owned(), "c".to_owned()], "a was forgotten by the first cut");
        assert_eq!(ResumeBase::checkpoint(journal, Some(3)).replay(), vec!["c".to_owned()]);
    }

    #[test]
    fn without_an_index_what_was_written_when_the_handle_arrived_counts_as_consumed() {
        let journal = Journal::new();
        let a = journal.add("a");
        journal.written_command(a);
        let base = ResumeBase::checkpoint(journal.clone(), None);
        assert!(base.replay().is_empty());
        journal.written_audio();
        let b = journal.add("b");
        journal.written_command(b);
        assert_eq!(base.replay(), vec!["b".to_owned()]);
        assert_eq!(ResumeBase::fresh(Journal::new()).replay(), Vec::<String>::new());
    }

    #[test]
    fn the_journal_is_bounded_and_numbers_survive_forgetting() {
        let journal = Journal::new();
        let numbers: Vec<u64> = (0..MAX_ENTRIES + 2).map(|i| journal.add(&i.to_string())).collect();
        assert_eq!(numbers.last(), Some(&(MAX_ENTRIES as u64 + 1)));
        journal.written_command(numbers[MAX_ENTRIES + 1]);
        let replay = ResumeBase::fresh(journal).replay();
        assert_eq!(replay.len(), MAX_ENTRIES);
        assert_eq!(replay.first().map(String::as_str), Some("2"));
    }
}
