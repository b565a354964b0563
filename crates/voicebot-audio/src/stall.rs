//! [`StallSwitch`]: stops and resumes a clock that plays like a device, as a device that stops calling back does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Stops a device clock and starts it again, to test what a stalled speaker does to a pipeline.
///
/// A real device stalls when it stops calling back: a suspended laptop, a hung USB speaker, a sound server that
/// is restarting. While the switch is stalled, the clock it belongs to takes nothing from its output ring, so
/// [`PlaybackStats::device`](crate::PlaybackStats::device)`.frames` stops advancing and pushed audio waits in the
/// (bounded) jitter buffer, overflow dropped and counted. When it is resumed the clock calls back again one tick
/// later; like a device, it does not replay the time it lost.
///
/// Get one from a clocked sink ([`WavSink::stall_switch`](crate::WavSink::stall_switch),
/// [`MemorySink`](crate::MemorySink::stall_switch), [`NullSink`](crate::NullSink::stall_switch)) or a fake
/// device ([`FakeOutput::stall_switch`](crate::fake::FakeOutput::stall_switch)). Clones share the switch; it
/// is cheap to flip from any thread or task.
///
/// ```
/// # use std::time::Duration;
/// # use voicebot_audio::{AudioSink, ClockConfig, NullSink, SpeakerConfig};
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> voicebot_audio::Result<()> {
/// let sink = NullSink::start(&SpeakerConfig::default(), ClockConfig::new(24_000))?;
/// let stall = sink.stall_switch();
/// stall.stall();
/// sink.push("a", &[1_000; 2_400]);
/// sink.end_item("a");
/// tokio::time::sleep(Duration::from_millis(500)).await;
/// assert_eq!(sink.cursor("a"), Some(Duration::ZERO), "a stalled device plays nothing");
/// stall.resume();
/// tokio::time::sleep(Duration::from_millis(500)).await;
/// assert_eq!(sink.cursor("a"), Some(Duration::from_millis(100)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct StallSwitch {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    stalled: AtomicBool,
    resumed: Notify,
}

impl StallSwitch {
    /// A switch that is not stalled.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the clock: from its next tick on it takes nothing until [`resume`](StallSwitch::resume).
    pub fn stall(&self) {
        self.inner.stalled.store(true, Ordering::Release);
    }

    /// Lets the clock run again; its next tick comes one tick from now.
    pub fn resume(&self) {
        self.inner.stalled.store(false, Ordering::Release);
        self.inner.resumed.notify_waiters();
    }

    /// Whether the clock is stalled.
    pub fn is_stalled(&self) -> bool {
        self.inner.stalled.load(Ordering::Acquire)
    }

    /// Resolves once the switch is not stalled (at once if it is not).
    pub(crate) async fn resumed(&self) {
        loop {
            let notified = self.inner.resumed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.is_stalled() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resumed_waits_for_resume_and_clones_share_the_switch() {
        let switch = StallSwitch::new();
        switch.resumed().await;
        let clone = switch.clone();
        clone.stall();
        assert!(switch.is_stalled());
        let waiter = tokio::spawn({
            let switch = switch.clone();
            async move { switch.resumed().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        clone.resume();
        waiter.await.unwrap();
        assert!(!switch.is_stalled());
    }
}
