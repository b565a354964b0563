//! Device streams that fail and are opened again: the seam between the workers and a device, and the policy.
//!
//! A device is anything that can open a stream calling the crate's callback bodies: cpal's devices
//! (`device::CpalSink` and `device::CpalSource`, feature `device`) or the [`fake`](crate::fake) ones tests use.
//! [`OutputDevice`] and [`InputDevice`] are that seam; [`DeviceSink`] and [`DeviceSource`] run any of them.
//!
//! # When a stream is reopened
//! A stream's error callback only calls [`StreamErrors::report`], an atomic add. The worker that pumps the
//! stream (a thread for cpal, a tokio task for fakes) looks at the counts every few milliseconds and tears the
//! stream down when it reported [`StreamErrorKind::Lost`] (the device disappeared, the stream was invalidated,
//! the server went away), or when it reported any other error and has not called back for [`STUCK_AFTER`].
//! Errors of a stream that keeps calling back (xruns, the ALSA pulse plugin's spurious `snd_pcm_avail_delay`
//! errors) are only counted. A stream that stops calling back without reporting anything is left alone: it
//! behaves like a stalled device.
//!
//! The worker then opens the same device again (cpal: the same selector, else the default device) at the same
//! rate, waiting [`REOPEN_FIRST_DELAY`] before the first attempt and doubling the wait after every failed attempt
//! or every reopened stream that fails again, up to [`REOPEN_MAX_DELAY`]. A stream that stays up for
//! [`STABLE_AFTER`] resets the wait. While no stream is open, a speaker behaves like a stalled device (audio waits
//! in its bounded queue, overflow dropped and counted) and a microphone delivers no frames. The caller keeps the
//! same [`Speaker`](crate::Speaker) or source throughout; only [`DeviceStats`] show what happened.

mod input;
mod output;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::DropGuard;

pub use input::{DeviceSource, InputDevice};
pub use output::{DeviceSink, OutputDevice};

/// The wait before the first attempt to open a failed stream again.
pub const REOPEN_FIRST_DELAY: Duration = Duration::from_millis(50);
/// The longest wait between two attempts to open a stream again.
pub const REOPEN_MAX_DELAY: Duration = Duration::from_secs(2);
/// A stream that reported an error other than [`StreamErrorKind::Lost`] is reopened once it has not called back
/// for this long.
pub const STUCK_AFTER: Duration = Duration::from_millis(500);
/// A stream open for this long resets the wait before the next reopen to [`REOPEN_FIRST_DELAY`].
pub const STABLE_AFTER: Duration = Duration::from_secs(5);

/// What a stream's error callback reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamErrorKind {
    /// The stream cannot go on: the device disappeared, the stream was invalidated or the server went away.
    /// The stream is reopened at once.
    Lost,
    /// Anything else (an xrun, a backend hiccup, a reroute): counted; the stream is reopened only if it also
    /// stops calling back.
    Glitch,
}

/// The error reporter of one stream, handed to [`OutputDevice::start`] and [`InputDevice::start`].
///
/// [`report`](StreamErrors::report) is an atomic add, safe to call from any callback.
#[derive(Debug, Clone)]
pub struct StreamErrors {
    stream: Arc<ErrorCounts>,
    status: Arc<Status>,
}

#[derive(Debug, Default)]
struct ErrorCounts {
    lost: AtomicU64,
    glitches: AtomicU64,
}

impl StreamErrors {
    fn new(status: &Arc<Status>) -> Self {
        Self { stream: Arc::default(), status: Arc::clone(status) }
    }

    /// Records an error of this stream; call it from the stream's error callback.
    pub fn report(&self, kind: StreamErrorKind) {
        let counter = match kind {
            StreamErrorKind::Lost => &self.stream.lost,
            StreamErrorKind::Glitch => &self.stream.glitches,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.status.stream_errors.fetch_add(1, Ordering::Relaxed);
    }

    fn lost(&self) -> u64 {
        self.stream.lost.load(Ordering::Relaxed)
    }

    fn glitches(&self) -> u64 {
        self.stream.glitches.load(Ordering::Relaxed)
    }
}

/// What was opened, for logs and status lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedDevice {
    /// The device's name.
    pub name: String,
    /// Its id (for cpal, `host:id`).
    pub id: String,
    /// The stream's rate.
    pub rate_hz: u32,
    /// The stream's channel count.
    pub channels: u16,
    /// The stream's sample format.
    pub format: String,
}

/// What happened to a device's streams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Errors the streams reported through their error callbacks, all streams together (some hosts report
    /// harmless ones).
    pub stream_errors: u64,
    /// Streams opened again after one failed.
    pub reopens: u64,
    /// Attempts to open a stream again that failed.
    pub failed_opens: u64,
    /// Whether a stream is open now.
    pub open: bool,
}

/// What a worker shares with the handle: counters and the device now open.
#[derive(Debug)]
pub(crate) struct Status {
    stream_errors: AtomicU64,
    reopens: AtomicU64,
    failed_opens: AtomicU64,
    open: AtomicBool,
    opened: Mutex<OpenedDevice>,
}

impl Status {
    fn new(opened: OpenedDevice) -> Arc<Self> {
        Arc::new(Self {
            stream_errors: AtomicU64::new(0),
            reopens: AtomicU64::new(0),
            failed_opens: AtomicU64::new(0),
            open: AtomicBool::new(true),
            opened: Mutex::new(opened),
        })
    }

    pub(crate) fn stats(&self) -> DeviceStats {
        DeviceStats {
            stream_errors: self.stream_errors.load(Ordering::Relaxed),
            reopens: self.reopens.load(Ordering::Relaxed),
            failed_opens: self.failed_opens.load(Ordering::Relaxed),
            open: self.open.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn opened(&self) -> OpenedDevice {
        self.opened.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Waits between attempts: [`REOPEN_FIRST_DELAY`], doubling up to [`REOPEN_MAX_DELAY`].
#[derive(Debug)]
struct Backoff {
    next: Duration,
}

impl Backoff {
    fn new() -> Self {
        Self { next: REOPEN_FIRST_DELAY }
    }

    fn next(&mut self) -> Duration {
        let delay = self.next;
        self.next = (delay * 2).min(REOPEN_MAX_DELAY);
        delay
    }
}

/// One device's stream as a worker sees it: open or waiting to be opened again, and when.
#[derive(Debug)]
pub(crate) struct Link<S> {
    stream: Option<S>,
    errors: StreamErrors,
    status: Arc<Status>,
    backoff: Backoff,
    opened_at: Instant,
    /// The stream's callback count when it last changed, when that was, and the glitches reported until then.
    progress: u64,
    progress_at: Instant,
    glitches_seen: u64,
    next_attempt: Instant,
}

impl<S> Link<S> {
    /// A link whose first stream is still to be started; `errors` is the reporter to give it.
    pub(crate) fn first(opened: OpenedDevice) -> (Self, StreamErrors) {
        let status = Status::new(opened);
        let errors = StreamErrors::new(&status);
        let now = Instant::now();
        let link = Self {
            stream: None,
            errors: errors.clone(),
            status,
            backoff: Backoff::new(),
            opened_at: now,
            progress: 0,
            progress_at: now,
            glitches_seen: 0,
            next_attempt: now,
        };
        (link, errors)
    }

    /// The first stream started.
    pub(crate) fn started(&mut self, stream: S, progress: u64) {
        self.stream = Some(stream);
        self.progress = progress;
    }

    pub(crate) fn status(&self) -> Arc<Status> {
        Arc::clone(&self.status)
    }

    /// A fresh reporter for the next stream.
    pub(crate) fn next_errors(&self) -> StreamErrors {
        StreamErrors::new(&self.status)
    }

    /// Looks at the open stream; `progress` is its callback count. Returns the stream when it must be torn down
    /// and opened again (the caller closes it).
    #[must_use]
    pub(crate) fn check(&mut self, now: Instant, progress: u64) -> Option<S> {
        self.stream.as_ref()?;
        if progress != self.progress {
            self.progress = progress;
            self.progress_at = now;
            self.glitches_seen = self.errors.glitches();
        }
        let stuck = self.errors.glitches() > self.glitches_seen
            && now.duration_since(self.progress_at) >= STUCK_AFTER;
        if self.errors.lost() > 0 || stuck {
            return self.close(now);
        }
        if now.duration_since(self.opened_at) >= STABLE_AFTER {
            self.backoff = Backoff::new();
        }
        None
    }

    /// Whether no stream is open and the next attempt is due.
    pub(crate) fn due(&self, now: Instant) -> bool {
        self.stream.is_none() && now >= self.next_attempt
    }

    /// Whether a stream is open.
    pub(crate) fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// A stream was opened again.
    pub(crate) fn reopened(&mut self, stream: S, opened: OpenedDevice, errors: StreamErrors, now: Instant) {
        self.stream = Some(stream);
        self.errors = errors;
        self.opened_at = now;
        self.progress_at = now;
        self.glitches_seen = 0;
        *self.status.opened.lock().unwrap_or_else(PoisonError::into_inner) = opened;
        self.status.reopens.fetch_add(1, Ordering::Relaxed);
        self.status.open.store(true, Ordering::Relaxed);
    }

    /// An attempt to open the stream again failed.
    pub(crate) fn failed(&mut self, now: Instant) {
        self.status.failed_opens.fetch_add(1, Ordering::Relaxed);
        self.next_attempt = now + self.backoff.next();
    }

    /// Gives up the stream and schedules the next attempt.
    fn close(&mut self, now: Instant) -> Option<S> {
        self.status.open.store(false, Ordering::Relaxed);
        self.next_attempt = now + self.backoff.next();
        self.stream.take()
    }

    /// Gives up the stream for good (the worker is stopping).
    #[must_use]
    pub(crate) fn shut(&mut self) -> Option<S> {
        self.status.open.store(false, Ordering::Relaxed);
        self.stream.take()
    }
}

/// How a worker runs: a tokio task stopped when the handle is dropped, or (cpal) a thread of its own, stopped
/// and joined.
#[derive(Debug)]
pub(crate) enum Worker {
    Task {
        /// Dropping it stops the task.
        _stop: DropGuard,
    },
    #[cfg(feature = "device")]
    Thread { stop: tokio_util::sync::CancellationToken, thread: Option<std::thread::JoinHandle<()>> },
}

impl Drop for Worker {
    fn drop(&mut self) {
        #[cfg(feature = "device")]
        if let Self::Thread { stop, thread } = self {
            stop.cancel();
            if let Some(thread) = thread.take() {
                let _joined = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let mut backoff = Backoff::new();
        let delays: Vec<u64> = (0..8).map(|_| backoff.next().as_millis() as u64).collect();
        assert_eq!(delays, [50, 100, 200, 400, 800, 1600, 2000, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn glitches_reopen_only_a_stream_that_stopped_calling_back() {
        let opened = OpenedDevice {
            name: "test".into(),
            id: "test".into(),
            rate_hz: 48_000,
            channels: 2,
            format: "f32".into(),
        };
        let (mut link, errors) = Link::first(opened);
        link.started((), 0);
        let start = Instant::now();
        errors.report(StreamErrorKind::Glitch);
        assert_eq!(link.check(start + Duration::from_millis(100), 10), None);
        assert_eq!(link.check(start + Duration::from_millis(200), 20), None);
        assert_eq!(
            link.check(start + Duration::from_millis(600), 20),
            None,
            "the glitch came before progress"
        );
        errors.report(StreamErrorKind::Glitch);
        assert_eq!(link.check(start + Duration::from_millis(699), 20), None, "not stuck for long enough yet");
        assert_eq!(
            link.check(start + Duration::from_millis(700), 20),
            Some(()),
            "a glitch, no callback for 500 ms"
        );
        assert!(!link.is_open());
        assert_eq!(link.status.stats().stream_errors, 2);
        assert!(!link.due(start + Duration::from_millis(749)));
        assert!(link.due(start + Duration::from_millis(750)));
    }
}
