//! Speech being generated for one connection: each request runs on tokio's blocking pool (or resolves at
//! once from the cache) and comes back to the connection's loop as a [`Ready`], so the loop keeps serving
//! pings, cancels and truncates meanwhile. Requests belong to a tag (one turn or response) and are dropped
//! with it.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::task::JoinSet;

use super::Speech;

/// Speech that finished generating.
#[derive(Debug)]
pub(crate) struct Ready {
    /// The id [`SpeechJobs::request`] returned.
    pub(crate) job: u64,
    /// The tag it was requested for.
    pub(crate) tag: u64,
    /// 24 kHz PCM16.
    pub(crate) samples: Arc<[i16]>,
}

/// The speech requests of one connection, owned by its task; dropping it abandons them.
#[derive(Debug, Default)]
pub(crate) struct SpeechJobs {
    tasks: JoinSet<(u64, Arc<[i16]>)>,
    /// Requests still wanted: job id to tag.
    waiting: HashMap<u64, u64>,
    next: u64,
}

impl SpeechJobs {
    /// Starts generating speech for `text`, on behalf of group `tag`; returns the job id.
    pub(crate) fn request(&mut self, speech: &Arc<Speech>, text: &str, tag: u64) -> u64 {
        self.next += 1;
        let job = self.next;
        self.waiting.insert(job, tag);
        match speech.cached(text) {
            Some(samples) => {
                self.tasks.spawn(async move { (job, samples) });
            }
            None => {
                let (speech, text) = (speech.clone(), text.to_owned());
                self.tasks.spawn_blocking(move || (job, speech.synthesize(&text)));
            }
        }
        job
    }

    /// Whether a request of group `tag` is still wanted.
    pub(crate) fn has_tag(&self, tag: u64) -> bool {
        tag != 0 && self.waiting.values().any(|waiting| *waiting == tag)
    }

    /// Drops the requests of group `tag`; returns how many.
    pub(crate) fn cancel_tag(&mut self, tag: u64) -> usize {
        let before = self.waiting.len();
        self.waiting.retain(|_, waiting| *waiting != tag);
        before - self.waiting.len()
    }

    /// Whether nothing is being generated.
    pub(crate) fn is_idle(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The next speech that is ready and still wanted; `None` once nothing is being generated.
    pub(crate) async fn next(&mut self) -> Option<Ready> {
        while let Some(joined) = self.tasks.join_next().await {
            match joined {
                Ok((job, samples)) => {
                    if let Some(tag) = self.waiting.remove(&job) {
                        return Some(Ready { job, tag, samples });
                    }
                }
                Err(err) => tracing::warn!(error = %err, "speech generation failed"),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{AudioConfig, Voice};

    #[tokio::test]
    async fn requests_come_back_in_turn_and_cancelled_ones_never_do() {
        let audio = AudioConfig { voice: Voice::Synthetic, ..AudioConfig::default() };
        let speech = Arc::new(Speech::new(&audio).unwrap());
        let mut jobs = SpeechJobs::default();
        assert!(jobs.is_idle());
        let dropped = jobs.request(&speech, "Never mind.", 1);
        let kept = jobs.request(&speech, "Hello there.", 2);
        assert!(jobs.has_tag(1) && jobs.has_tag(2) && !jobs.has_tag(0));
        assert_eq!(jobs.cancel_tag(1), 1);
        let ready = jobs.next().await.unwrap();
        assert_eq!((ready.job, ready.tag), (kept, 2));
        assert_eq!(ready.samples.len(), crate::speech::synthetic("Hello there.").len());
        assert!(jobs.next().await.is_none(), "job {dropped} was cancelled");
        // A second request for the same text comes from the cache.
        jobs.request(&speech, "Hello there.", 3);
        assert!(Arc::ptr_eq(&jobs.next().await.unwrap().samples, &ready.samples));
    }
}
