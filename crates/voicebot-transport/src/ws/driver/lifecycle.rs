//! How links come and go: dialing in the background, the handshake, promotion (with the replay a resumed
//! session needs), losing a link, retry scheduling, and keepalive.

use tokio::time::Instant;
use tracing::{Instrument as _, debug, info, warn};

use super::{CLOSE_GRACE, Dialing, Driver, Pending, Which};
use crate::config::SessionConfig;
use crate::error::{Error, Failure, Result};
use crate::event::RealtimeEvent;
use crate::session::Counters;
use crate::ws::Link;
use crate::ws::dialect::Dialect;
use crate::ws::replay::ResumeBase;

/// Queues the dialect's first frames on a new link and notes whether it resumes a server-side session.
pub(super) async fn handshake<D: Dialect>(
    dialect: &mut D,
    config: &SessionConfig,
    link: &mut Link,
) -> Result<()> {
    let (frames, resumed) = dialect.handshake(config)?;
    link.resumed = resumed;
    for frame in frames {
        link.send_handshake(frame).await;
    }
    Ok(())
}

impl<D: Dialect> Driver<D> {
    /// A link closed or broke. Permanent failures end the session; anything else reconnects, unless a
    /// replacement is already on its way.
    pub(super) async fn on_lost(&mut self, which: Which, error: Error) -> Result<()> {
        match which {
            Which::Current => {
                if let Some(link) = self.current.take() {
                    debug!(link = link.id, error = %error, "link lost");
                    link.abort();
                }
            }
            Which::Next => {
                if let Some(pending) = self.next.take() {
                    debug!(link = pending.link.id, error = %error, "new link lost before it was ready");
                    pending.link.abort();
                }
            }
        }
        if error.is_permanent() {
            return Err(error);
        }
        self.dialect.on_link_lost();
        if self.next.is_some() || self.dialing.is_some() || self.retry_at.is_some() {
            // A replacement is on its way.
            return Ok(());
        }
        // Either nothing is connected, or a rollover failed while the old link still works: retry with backoff.
        self.schedule_retry(error).await
    }

    /// Schedules the next attempt with backoff and tells the caller, or gives up (the session then ends with
    /// [`Error::RetriesExhausted`]).
    pub(super) async fn schedule_retry(&mut self, error: Error) -> Result<()> {
        match self.backoff.next_delay(Instant::now()) {
            Ok((attempt, delay)) => {
                warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "connection lost, reconnecting");
                self.retry_at = Some((Instant::now() + delay, attempt));
                self.emit(RealtimeEvent::Reconnecting { attempt, delay, error: Failure::from(&error) }).await;
                Ok(())
            }
            Err(give_up) => Err(Error::RetriesExhausted {
                attempts: give_up.attempts,
                waited: give_up.waited,
                last: Box::new(error),
            }),
        }
    }

    /// Starts a connection attempt in the background.
    pub(super) fn dial(&mut self, attempt: u32) -> Result<()> {
        let dial = self.dialect.dial(&self.config, &self.limits)?;
        let id = self.next_id;
        self.next_id += 1;
        debug!(link = id, attempt, host = %dial.host, "connecting");
        let shared = self.shared.clone();
        let cancel = self.cancel.clone();
        let task = tokio::spawn(async move { Link::open(dial, id, shared, &cancel).await }.in_current_span());
        self.dialing = Some(Dialing { task, attempt });
        Ok(())
    }

    pub(super) async fn on_dialed(&mut self, result: Result<Link>, attempt: u32) -> Result<()> {
        match result {
            Ok(mut link) => {
                handshake(&mut self.dialect, &self.config, &mut link).await?;
                if let Some(old) = self.next.replace(Pending { link, attempt }) {
                    old.link.abort();
                }
                if self.dialect.ready_on_connect() {
                    self.promote().await;
                }
                Ok(())
            }
            Err(error) if error.is_permanent() => Err(error),
            Err(error) => self.schedule_retry(error).await,
        }
    }

    /// Makes the `next` link the current one. A link that resumed a server-side session is first sent the
    /// commands that session had not consumed; then mic audio flows to it.
    pub(super) async fn promote(&mut self) {
        let Some(Pending { mut link, attempt }) = self.next.take() else { return };
        link.ready = true;
        if let Some(old) = self.current.take() {
            old.close();
            self.retiring.push(old);
        }
        let replay = match &self.resume {
            Some(base) if link.resumed => base.replay(),
            _ => Vec::new(),
        };
        if !replay.is_empty() {
            info!(
                link = link.id,
                frames = replay.len(),
                "sending again what the resumed session had not consumed"
            );
        }
        for frame in replay {
            if !link.send_command(frame).await {
                break;
            }
        }
        // Until the server sends a snapshot, everything given to this link is unconsumed.
        self.resume = Some(ResumeBase::fresh(link.journal.clone()));
        self.rolling = false;
        link.enable_audio();
        self.backoff.working();
        let (id, resumed) = (link.id, link.resumed);
        info!(link = id, resumed, "link ready");
        self.current = Some(link);
        if id > 1 {
            Counters::bump(&self.shared.counters.reconnects);
            self.emit(RealtimeEvent::Reconnected { attempt: attempt.max(1), resumed }).await;
        }
    }

    pub(super) async fn on_tick(&mut self) -> Result<()> {
        let now = Instant::now();
        let keepalive = self.dialect.keepalive();
        self.retiring
            .retain(|link| !link.writer_finished() || now.duration_since(link.opened_at) < CLOSE_GRACE);
        while self.retiring.len() > 2 {
            self.retiring.remove(0).abort();
        }
        for which in [Which::Current, Which::Next] {
            let Some(link) = self.link_mut(which) else { continue };
            if now.duration_since(link.last_seen) > keepalive.timeout {
                let silent = now.duration_since(link.last_seen);
                warn!(
                    link = link.id,
                    silent_ms = silent.as_millis() as u64,
                    "no frame within the keepalive timeout"
                );
                let error = Error::Timeout { what: "keepalive", after: keepalive.timeout };
                self.on_lost(which, error).await?;
            } else {
                link.ping();
            }
        }
        if let Some(link) = &self.current
            && self.backoff.attempts() > 0
            && now.duration_since(link.opened_at) >= self.backoff.healthy_after()
        {
            self.backoff.healthy();
        }
        Ok(())
    }
}
