//! Which assistant item each played sample belonged to: the bookkeeping behind the playback cursor.
//!
//! Positions come in three kinds: *jitter positions* count samples pushed into the jitter buffer, *resampler
//! positions* count samples popped from it (played or padding) since the resampler was last reset, and *ring
//! positions* count device-rate samples pushed into the output ring. When samples of an item are popped, the
//! engine records a [`Run`]: how many of the item's samples it holds and the ring positions they will occupy.
//! The device callback publishes its read position; the part of each run before it has been played.

use std::collections::VecDeque;

/// Items kept after they have finished, so a late cursor query still finds them.
const KEEP_FINISHED: usize = 32;

/// Part of an item written to the ring in one piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    /// Item samples (input rate) in this run.
    samples: u64,
    /// Ring position of the first device sample.
    ring_start: u64,
    /// Ring position after the last device sample.
    ring_end: u64,
}

impl Run {
    /// Item samples of this run played once the device has read up to `read_pos`.
    fn played(&self, read_pos: u64) -> u64 {
        let span = self.ring_end - self.ring_start;
        if read_pos >= self.ring_end || span == 0 {
            return self.samples;
        }
        let consumed = read_pos.saturating_sub(self.ring_start);
        let played = u128::from(consumed) * u128::from(self.samples) / u128::from(span);
        u64::try_from(played).unwrap_or(self.samples)
    }
}

#[derive(Debug)]
struct Item {
    id: String,
    /// Jitter positions of the item's audio.
    push_start: u64,
    push_end: u64,
    ended: bool,
    interrupted: bool,
    /// Runs not yet fully played.
    runs: Vec<Run>,
    /// Samples of runs that finished playing (or the final count once interrupted).
    settled: u64,
}

impl Item {
    fn played(&self, read_pos: u64) -> u64 {
        self.settled + self.runs.iter().map(|run| run.played(read_pos)).sum::<u64>()
    }

    /// Nothing more of this item will be played.
    fn is_finished(&self, read_pos: u64, jitter_read: u64) -> bool {
        self.interrupted
            || (self.ended
                && self.push_end <= jitter_read
                && self.runs.iter().all(|run| run.ring_end <= read_pos))
    }
}

/// What to do with a push for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PushPlan {
    /// More audio for the newest item.
    Append,
    /// A new item; if `end_previous`, the previous item had not been ended and must be ended first.
    NewItem {
        /// The previous item is still open.
        end_previous: bool,
    },
    /// The item has ended or was interrupted: drop the audio.
    Ignore,
}

/// What a barge-in interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interrupted {
    pub(crate) item_id: String,
    /// Samples of that item the device played.
    pub(crate) played: u64,
    /// Samples of every interrupted item that will never be played.
    pub(crate) discarded: u64,
}

/// The item table, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Items {
    list: VecDeque<Item>,
}

impl Items {
    /// Decides what a push of audio for `id` means; a new item starts at jitter position `write_pos`.
    pub(crate) fn plan_push(&mut self, id: &str, write_pos: u64) -> PushPlan {
        if let Some(last) = self.list.back()
            && last.id == id
        {
            return if last.ended || last.interrupted { PushPlan::Ignore } else { PushPlan::Append };
        }
        if self.list.iter().any(|item| item.id == id) {
            return PushPlan::Ignore;
        }
        let end_previous = self.list.back_mut().is_some_and(|last| {
            let open = !last.ended && !last.interrupted;
            last.ended = true;
            open
        });
        self.list.push_back(Item {
            id: id.to_owned(),
            push_start: write_pos,
            push_end: write_pos,
            ended: false,
            interrupted: false,
            runs: Vec::new(),
            settled: 0,
        });
        PushPlan::NewItem { end_previous }
    }

    /// The newest item's audio now ends at jitter position `write_pos`.
    pub(crate) fn extend_last(&mut self, write_pos: u64) {
        if let Some(last) = self.list.back_mut() {
            last.push_end = write_pos;
        }
    }

    /// Marks `id` as complete; returns whether it is the newest open item (the jitter buffer must mark its end).
    pub(crate) fn end(&mut self, id: &str) -> bool {
        let Some(last) = self.list.back_mut() else { return false };
        if last.id != id || last.ended || last.interrupted {
            return false;
        }
        last.ended = true;
        true
    }

    /// Records `count` samples popped at jitter position `jitter_pos`; `ring_of(k)` is the ring position of the
    /// `k`-th of them.
    pub(crate) fn on_popped(&mut self, jitter_pos: u64, count: u64, ring_of: impl Fn(u64) -> u64) {
        let end = jitter_pos + count;
        for item in self.list.iter_mut().filter(|item| !item.interrupted) {
            let from = item.push_start.max(jitter_pos);
            let to = item.push_end.min(end);
            if from >= to {
                continue;
            }
            let run = Run {
                samples: to - from,
                ring_start: ring_of(from - jitter_pos),
                ring_end: ring_of(to - jitter_pos),
            };
            match item.runs.last_mut() {
                Some(last) if last.ring_end == run.ring_start => {
                    last.samples += run.samples;
                    last.ring_end = run.ring_end;
                }
                _ => item.runs.push(run),
            }
        }
    }

    /// Folds fully played runs into their item's count and forgets old finished items.
    pub(crate) fn settle(&mut self, read_pos: u64, jitter_read: u64) {
        for item in &mut self.list {
            let before = item.runs.len();
            let mut settled = 0;
            item.runs.retain(|run| {
                let done = run.ring_end <= read_pos;
                if done {
                    settled += run.samples;
                }
                !done
            });
            if item.runs.len() != before {
                item.settled += settled;
            }
        }
        while self.list.len() > KEEP_FINISHED
            && self.list.front().is_some_and(|item| item.is_finished(read_pos, jitter_read))
        {
            self.list.pop_front();
        }
    }

    /// Samples of `id` played once the device has read up to `read_pos`; `None` for an unknown item.
    pub(crate) fn played(&self, id: &str, read_pos: u64) -> Option<u64> {
        self.list.iter().rev().find(|item| item.id == id).map(|item| item.played(read_pos))
    }

    /// The item being heard (or next to be heard): the oldest one that has not finished.
    pub(crate) fn current(&self, read_pos: u64, jitter_read: u64) -> Option<(&str, u64)> {
        self.list
            .iter()
            .find(|item| !item.is_finished(read_pos, jitter_read))
            .map(|item| (item.id.as_str(), item.played(read_pos)))
    }

    /// Interrupts every unfinished item, freezing what was played up to `read_pos`; returns the oldest one.
    pub(crate) fn interrupt(&mut self, read_pos: u64, jitter_read: u64) -> Option<Interrupted> {
        let mut result: Option<Interrupted> = None;
        let mut discarded = 0;
        for item in self.list.iter_mut().filter(|item| !item.is_finished(read_pos, jitter_read)) {
            let played = item.played(read_pos);
            discarded += (item.push_end - item.push_start).saturating_sub(played);
            item.settled = played;
            item.runs.clear();
            item.interrupted = true;
            item.ended = true;
            if result.is_none() {
                result = Some(Interrupted { item_id: item.id.clone(), played, discarded: 0 });
            }
        }
        result.map(|interrupted| Interrupted { discarded, ..interrupted })
    }

    /// The ring position after the last sample of item audio written or about to be written; 0 if none.
    pub(crate) fn pending_ring_end(&self) -> u64 {
        self.list.iter().flat_map(|item| item.runs.iter()).map(|run| run.ring_end).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Identity mapping offset by `base`: one ring sample per item sample.
    fn at(base: u64) -> impl Fn(u64) -> u64 {
        move |k| base + k
    }

    #[test]
    fn the_cursor_follows_the_read_position_through_runs() {
        let mut items = Items::default();
        assert_eq!(items.plan_push("a", 0), PushPlan::NewItem { end_previous: false });
        items.extend_last(100);
        items.on_popped(0, 60, at(10));
        items.on_popped(60, 40, at(70));
        assert_eq!(items.played("a", 0), Some(0));
        assert_eq!(items.played("a", 40), Some(30));
        assert_eq!(items.played("a", 1000), Some(100));
        assert_eq!(items.pending_ring_end(), 110);
        assert_eq!(items.played("missing", 40), None);
    }

    #[test]
    fn a_new_id_ends_the_previous_item_and_late_audio_is_ignored() {
        let mut items = Items::default();
        items.plan_push("a", 0);
        items.extend_last(10);
        assert_eq!(items.plan_push("b", 10), PushPlan::NewItem { end_previous: true });
        assert_eq!(items.plan_push("a", 20), PushPlan::Ignore);
        assert!(items.end("b"));
        assert!(!items.end("b"), "already ended");
        assert_eq!(items.plan_push("b", 20), PushPlan::Ignore);
        assert_eq!(items.plan_push("c", 20), PushPlan::NewItem { end_previous: false });
    }

    #[test]
    fn a_pop_spanning_two_items_splits_into_runs() {
        let mut items = Items::default();
        items.plan_push("a", 0);
        items.extend_last(30);
        items.plan_push("b", 30);
        items.extend_last(50);
        // Twice as many ring samples as item samples (24 -> 48 kHz), 5 samples of filter delay.
        items.on_popped(0, 50, |k| 5 + 2 * k);
        assert_eq!(items.played("a", 65), Some(30));
        assert_eq!(items.played("b", 65), Some(0));
        assert_eq!(items.played("b", 75), Some(5));
        assert_eq!(items.current(75, 50), Some(("b", 5)));
    }

    #[test]
    fn interrupt_freezes_the_cursor_and_counts_the_rest() {
        let mut items = Items::default();
        items.plan_push("a", 0);
        items.extend_last(100);
        items.on_popped(0, 100, at(0));
        items.plan_push("b", 100);
        items.extend_last(150);
        let interrupted = items.interrupt(40, 100).unwrap();
        assert_eq!(interrupted, Interrupted { item_id: "a".into(), played: 40, discarded: 60 + 50 });
        assert_eq!(items.played("a", 100), Some(40), "frozen");
        assert_eq!(items.plan_push("a", 150), PushPlan::Ignore);
        assert_eq!(items.plan_push("b", 150), PushPlan::Ignore);
        assert_eq!(items.current(100, 150), None);
        assert_eq!(items.interrupt(100, 150), None);
    }

    #[test]
    fn settle_keeps_counts_and_bounds_the_table() {
        let mut items = Items::default();
        for n in 0..100_u64 {
            items.plan_push(&n.to_string(), n * 10);
            items.extend_last(n * 10 + 10);
            items.end(&n.to_string());
            items.on_popped(n * 10, 10, at(n * 10));
        }
        items.settle(1000, 1000);
        assert_eq!(items.list.len(), KEEP_FINISHED);
        assert_eq!(items.played("99", 0), Some(10), "settled runs stay counted");
        assert_eq!(items.pending_ring_end(), 0);
    }
}
