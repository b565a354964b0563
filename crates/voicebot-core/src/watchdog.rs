//! [`Watchdog`]: notices a main session that hears speech but transcribes nothing, so it can be recycled.

use std::time::Duration;

use tokio::time::Instant;

/// Microphone level above which a frame counts as speech.
pub(crate) const SPEECH_DBFS: f64 = -45.0;

/// Fires when the microphone has carried speech for `limit` without the session showing it heard anything.
#[derive(Debug)]
pub(crate) struct Watchdog {
    limit: Duration,
    /// When unanswered speech began.
    since: Option<Instant>,
}

impl Watchdog {
    pub(crate) fn new(limit: Duration) -> Watchdog {
        Watchdog { limit, since: None }
    }

    /// A frame was uploaded with this RMS level.
    pub(crate) fn frame(&mut self, rms_dbfs: f64) {
        if rms_dbfs > SPEECH_DBFS && self.since.is_none() && !self.limit.is_zero() {
            self.since = Some(Instant::now());
        }
    }

    /// The session showed it heard (a transcript, a tool call, a turn).
    pub(crate) fn heard(&mut self) {
        self.since = None;
    }

    /// Audio is not being uploaded: nothing to watch.
    pub(crate) fn quiet(&mut self) {
        self.since = None;
    }

    /// Resolves when the limit passes with speech unanswered; pending otherwise. Cancel safe.
    pub(crate) async fn fired(&mut self) {
        match self.since {
            Some(since) => {
                tokio::time::sleep_until(since + self.limit).await;
                self.since = None;
            }
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn fires_only_for_unanswered_speech() {
        let mut dog = Watchdog::new(Duration::from_secs(5));
        dog.frame(-80.0);
        assert!(
            tokio::time::timeout(Duration::from_secs(60), dog.fired()).await.is_err(),
            "silence never fires"
        );
        dog.frame(-20.0);
        tokio::time::sleep(Duration::from_secs(3)).await;
        dog.heard();
        assert!(tokio::time::timeout(Duration::from_secs(60), dog.fired()).await.is_err(), "answered speech");
        dog.frame(-20.0);
        let started = Instant::now();
        dog.fired().await;
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }
}
