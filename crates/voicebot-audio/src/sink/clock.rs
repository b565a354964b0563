//! The sink clock: a tokio task that plays the speaker's output ring through the device callback body.
//!
//! Its [`StallSwitch`] stops it the way a device stops calling back: while stalled it takes nothing from the ring.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::error::{Error, Result};
use crate::frame::{Pacing, duration_to_samples};
use crate::playback::{Speaker, SpeakerConfig};
use crate::rt::{OutputCallback, output_ring};
use crate::stall::StallSwitch;

/// Where a clocked sink puts what it plays.
pub(super) trait FrameWriter: Send + 'static {
    /// Takes the next samples played (mono, at the clock's rate).
    fn write(&mut self, samples: &[f32]) -> Result<()>;

    /// Completes the output (called once, when the clock stops).
    fn finish(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

/// A running clock; dropping it stops the task.
#[derive(Debug)]
pub(super) struct Clock {
    task: JoinHandle<Result<u64>>,
    cancel: DropGuard,
    stall: StallSwitch,
}

impl Clock {
    /// Builds a speaker whose output ring this clock consumes, and starts the clock on the current runtime.
    pub(super) fn start<W: FrameWriter>(
        config: &SpeakerConfig,
        clock: super::ClockConfig,
        writer: W,
    ) -> Result<(Speaker, Self)> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        if clock.rate_hz == 0 || clock.tick.is_zero() {
            return Err(Error::Config { reason: "the sink clock needs a non-zero rate and tick" });
        }
        let tick_frames = duration_to_samples(clock.tick, clock.rate_hz).max(1);
        // The ring holds what a pump adds on top of one tick: a tick, a resampler chunk and a jitter block.
        let (feed, callback) = output_ring(tick_frames * 4 + clock.rate_hz as usize / 25, 1);
        let speaker = Speaker::new(config, clock.rate_hz, feed)?;
        let cancel = CancellationToken::new();
        let stall = StallSwitch::new();
        let run = Run {
            speaker: speaker.clone(),
            callback,
            writer: Box::new(writer),
            tick_frames,
            cancel: cancel.clone(),
            stall: stall.clone(),
        };
        let task = runtime.spawn(run.run(clock.pacing, clock.tick));
        Ok((speaker, Self { task, cancel: cancel.drop_guard(), stall }))
    }

    /// The switch that stalls this clock.
    pub(super) fn stall_switch(&self) -> StallSwitch {
        self.stall.clone()
    }

    /// Whether the task has stopped (it only stops on its own when writing fails).
    pub(super) fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops the clock and returns the frames played, or the error that stopped it.
    pub(super) async fn finish(self) -> Result<u64> {
        let Self { task, cancel, stall: _ } = self;
        drop(cancel);
        task.await.map_err(|_| Error::ClockStopped)?
    }
}

struct Run {
    speaker: Speaker,
    callback: OutputCallback,
    writer: Box<dyn FrameWriter>,
    tick_frames: usize,
    cancel: CancellationToken,
    stall: StallSwitch,
}

impl Run {
    async fn run(mut self, pacing: Pacing, tick: Duration) -> Result<u64> {
        let mut buffer = vec![0.0_f32; self.tick_frames];
        let played = match pacing {
            Pacing::RealTime => self.real_time(tick, &mut buffer).await,
            Pacing::Fast => self.fast(&mut buffer).await,
        };
        let finished = self.writer.finish();
        let played = played?;
        finished.map(|()| played)
    }

    /// One tick of device time every `tick`; late ticks are caught up so the written time line stays true.
    /// A stall is not late: the time it lasted is lost, as on a device, and the clock restarts one tick after the
    /// switch is resumed.
    async fn real_time(&mut self, tick: Duration, buffer: &mut [f32]) -> Result<u64> {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut played = 0;
        loop {
            tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Ok(played),
                _ = interval.tick() => {}
            }
            if self.stall.is_stalled() {
                if !self.wait_resumed().await {
                    return Ok(played);
                }
                interval.reset();
                continue;
            }
            self.speaker.pump(self.tick_frames, false)?;
            self.callback.fill(buffer);
            self.writer.write(buffer)?;
            played += buffer.len() as u64;
        }
    }

    /// Plays ready audio as fast as possible and sleeps while there is none.
    async fn fast(&mut self, buffer: &mut [f32]) -> Result<u64> {
        let mut played = 0;
        loop {
            if self.stall.is_stalled() && !self.wait_resumed().await {
                return Ok(played);
            }
            self.speaker.pump(self.tick_frames, true)?;
            let ready = self.callback.available().min(buffer.len());
            if ready > 0 {
                self.callback.fill(&mut buffer[..ready]);
                self.writer.write(&buffer[..ready])?;
                played += ready as u64;
                // Publish the new read position (the speaker may now be idle).
                self.speaker.pump(0, true)?;
                tokio::task::yield_now().await;
                continue;
            }
            if self.cancel.is_cancelled() {
                return Ok(played);
            }
            tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Ok(played),
                () = self.speaker.woken() => {}
            }
        }
    }

    /// Waits while the clock is stalled; false when it was stopped meanwhile.
    fn wait_resumed(&self) -> impl Future<Output = bool> + Send + 'static {
        let (cancel, stall) = (self.cancel.clone(), self.stall.clone());
        async move {
            tokio::select! {
                biased;
                () = cancel.cancelled() => false,
                () = stall.resumed() => true,
            }
        }
    }
}
