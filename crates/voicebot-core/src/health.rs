//! [`Health`]: notices a microphone that stops delivering frames and a speaker that stops taking samples, and
//! says so in the journal once when it happens and once when it recovers; reports a device speaker's stream
//! errors and reopens as they change.
//!
//! A device that stalls (a USB headset unplugged, a laptop lid closed, a PulseAudio server restarting) does not
//! end a run: the pipelines keep their sessions and go on when audio flows again. The pipeline actors call
//! [`Health::frame`] for every microphone frame and [`Health::check`] on a timer.

use std::time::Duration;

use tokio::time::Instant;
use voicebot_audio::AudioSink;

use crate::handoff::millis;
use crate::journal::Entry;

/// How long a device may go without progress before it counts as stalled.
pub(crate) const STALL_AFTER: Duration = Duration::from_secs(2);
/// How often the actors call [`Health::check`].
pub(crate) const CHECK_EVERY: Duration = Duration::from_millis(250);

/// The watch over one pipeline's microphone and speaker.
#[derive(Debug)]
pub(crate) struct Health {
    last_frame: Instant,
    mic_stalled: Option<Instant>,
    /// Frames the speaker had played at the last check, and since when that number has not moved while audio
    /// was waiting.
    played: u64,
    waiting_since: Option<Instant>,
    speaker_stalled: Option<Instant>,
    /// The speaker stream's errors and reopens last reported.
    stream: (u64, u64),
}

impl Health {
    pub(crate) fn new() -> Health {
        Health {
            last_frame: Instant::now(),
            mic_stalled: None,
            played: 0,
            waiting_since: None,
            speaker_stalled: None,
            stream: (0, 0),
        }
    }

    /// A microphone frame arrived; returns the recovery entry when the microphone had stalled.
    pub(crate) fn frame(&mut self) -> Option<Entry> {
        let now = Instant::now();
        self.last_frame = now;
        self.mic_stalled.take().map(|since| Entry::DeviceRecovered {
            device: "microphone".into(),
            after_ms: millis(now.duration_since(since) + STALL_AFTER),
        })
    }

    /// Looks at both devices; returns the entries for what changed.
    pub(crate) fn check(&mut self, speaker: &dyn AudioSink) -> Vec<Entry> {
        let now = Instant::now();
        let mut entries = Vec::new();
        let silent = now.duration_since(self.last_frame);
        if self.mic_stalled.is_none() && silent >= STALL_AFTER {
            self.mic_stalled = Some(now);
            entries.push(Entry::DeviceStalled { device: "microphone".into(), silent_ms: millis(silent) });
        }
        if let Some(device) = speaker.device_stats()
            && (device.stream_errors, device.reopens) != self.stream
        {
            self.stream = (device.stream_errors, device.reopens);
            entries.push(Entry::DeviceStream {
                device: "speaker".into(),
                stream_errors: device.stream_errors,
                reopens: device.reopens,
                open: device.open,
            });
        }
        let stats = speaker.stats();
        let played = stats.device.frames;
        if played != self.played || stats.buffered.is_zero() {
            self.played = played;
            self.waiting_since = None;
            if let Some(since) = self.speaker_stalled.take() {
                entries.push(Entry::DeviceRecovered {
                    device: "speaker".into(),
                    after_ms: millis(now.duration_since(since) + STALL_AFTER),
                });
            }
        } else {
            let since = *self.waiting_since.get_or_insert(now);
            if self.speaker_stalled.is_none() && now.duration_since(since) >= STALL_AFTER {
                self.speaker_stalled = Some(now);
                entries.push(Entry::DeviceStalled {
                    device: "speaker".into(),
                    silent_ms: millis(now.duration_since(since)),
                });
            }
        }
        entries
    }
}
