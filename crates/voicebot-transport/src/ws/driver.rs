//! The session supervisor: owns the links, feeds frames to the dialect, reconnects with backoff, rolls over
//! on `goAway`, and keeps time for keepalive.
//!
//! Every new connection first goes into the `next` slot. It is *promoted* to `current` once the provider
//! confirms it (OpenAI at once, Gemini at `setupComplete`): the old link stops taking audio and is closed with
//! 1000, the new one starts draining the audio queue, and the caller hears [`RealtimeEvent::Reconnected`].
//! The same path serves the first connection, a reconnect after a drop, and a `goAway` rollover, where the
//! old link keeps delivering the model's output until the replacement is ready. A link that resumed a
//! server-side session is first sent the commands that session had not consumed (see [`replay`]).
//!
//! This file holds the event loop; [`lifecycle`] holds how links come and go (dial, promote, lose, keepalive).
//!
//! [`replay`]: crate::ws::replay

mod lifecycle;

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument as _, info, info_span, trace, warn};

use crate::backoff::{Backoff, RetryPolicy};
use crate::config::SessionConfig;
use crate::error::{Error, Failure, Result};
use crate::event::RealtimeEvent;
use crate::realtime::Limits;
use crate::session::{Command, Counters, Session, Shared};
use crate::ws::dialect::{Action, Dialect, Frame};
use crate::ws::replay::ResumeBase;
use crate::ws::{Incoming, Link, close_is_final};

/// How long a closing link gets to send its close frame.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// Makes the first connection attempt, then hands the session to a spawned supervisor.
///
/// A permanent failure of that attempt (a refused key, a wrong model, an untrusted certificate) is returned at
/// once. A transient one (refused or reset connection, 5xx, timeout) still gives a [`Session`]: its supervisor
/// retries with backoff, reporting each attempt as [`RealtimeEvent::Reconnecting`], until a connection works
/// ([`RealtimeEvent::Reconnected`]) or the policy gives up ([`RealtimeEvent::Closed`]). Audio and commands wait
/// in their bounded queues meanwhile, as they do across any reconnect.
pub(crate) async fn start<D: Dialect>(
    mut dialect: D,
    config: SessionConfig,
    retry: &RetryPolicy,
    limits: Limits,
) -> Result<Session> {
    let provider = dialect.provider();
    let span = info_span!("session", provider = ?provider, model = %config.model);
    let shared = Shared::new(limits.audio_queue);
    let cancel = CancellationToken::new();
    // If this future is dropped half way, the guard stops any task already started.
    let guard = cancel.clone().drop_guard();
    let dial = dialect.dial(&config, &limits)?;
    let first = Link::open(dial, 1, shared.clone(), &cancel).instrument(span.clone()).await;
    let (next, failed) = match first {
        Ok(mut link) => {
            lifecycle::handshake(&mut dialect, &config, &mut link).await?;
            (Some(Pending { link, attempt: 0 }), None)
        }
        Err(error) if error.is_permanent() => return Err(error),
        Err(error) => (None, Some(error)),
    };
    let (commands_tx, commands) = mpsc::channel(limits.command_queue.max(1));
    let (events, events_rx) = mpsc::channel(limits.event_queue.max(1));
    let backoff = retry.backoff();
    let tick = dialect.keepalive().interval.min(backoff.healthy_after()).max(Duration::from_millis(1));
    let mut driver = Driver {
        dialect,
        config,
        shared: shared.clone(),
        cancel: cancel.clone(),
        commands,
        events,
        backoff,
        limits,
        current: None,
        next,
        dialing: None,
        retry_at: None,
        retiring: Vec::new(),
        next_id: 2,
        tick,
        resume: None,
        rolling: false,
    };
    if let Some(error) = failed {
        // The events channel is empty, so the first `Reconnecting` (or the `Closed` of a policy that never
        // retries) is queued at once.
        if let Err(error) = driver.schedule_retry(error).await {
            driver.shutdown(Some(error)).await;
        }
    } else if driver.dialect.ready_on_connect() {
        driver.promote().await;
    }
    let supervisor = tokio::spawn(driver.run().instrument(span));
    guard.disarm();
    Ok(Session::new(provider, commands_tx, events_rx, shared, cancel, supervisor))
}

/// A connected link waiting for the provider's confirmation, and the retry attempt that opened it.
#[derive(Debug)]
struct Pending {
    link: Link,
    attempt: u32,
}

/// A connection attempt in flight.
#[derive(Debug)]
struct Dialing {
    task: JoinHandle<Result<Link>>,
    attempt: u32,
}

enum Step {
    Shutdown,
    Current(Option<Incoming>),
    Next(Option<Incoming>),
    Dialed(Result<Link>, u32),
    Retry,
    Command(Command),
    Tick,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Current,
    Next,
}

struct Driver<D> {
    dialect: D,
    config: SessionConfig,
    shared: Arc<Shared>,
    cancel: CancellationToken,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<RealtimeEvent>,
    backoff: Backoff,
    limits: Limits,
    current: Option<Link>,
    next: Option<Pending>,
    dialing: Option<Dialing>,
    retry_at: Option<(Instant, u32)>,
    retiring: Vec<Link>,
    next_id: u64,
    tick: Duration,
    /// What the latest resumption handle stands for, and so what a resumed link must be sent again.
    resume: Option<ResumeBase>,
    /// A `goAway` rollover is under way: commands wait for the replacement, like mic audio.
    rolling: bool,
}

impl<D: Dialect> Driver<D> {
    async fn run(mut self) {
        let mut ticker = tokio::time::interval_at(Instant::now() + self.tick, self.tick);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut actions = Vec::new();
        loop {
            let step = tokio::select! {
                biased;
                () = self.cancel.cancelled() => Step::Shutdown,
                incoming = recv(self.current.as_mut()) => Step::Current(incoming),
                incoming = recv(self.next.as_mut().map(|pending| &mut pending.link)) => Step::Next(incoming),
                (result, attempt) = join(self.dialing.as_mut()) => Step::Dialed(result, attempt),
                () = sleep_until(self.retry_at.map(|(at, _)| at)) => Step::Retry,
                command = self.commands.recv(), if self.current.is_some() && !self.rolling => match command {
                    Some(command) => Step::Command(command),
                    None => Step::Shutdown,
                },
                _ = ticker.tick() => Step::Tick,
            };
            let outcome = match step {
                Step::Shutdown => {
                    self.shutdown(None).await;
                    return;
                }
                Step::Current(incoming) => self.on_incoming(Which::Current, incoming, &mut actions).await,
                Step::Next(incoming) => self.on_incoming(Which::Next, incoming, &mut actions).await,
                Step::Dialed(result, attempt) => {
                    self.dialing = None;
                    self.on_dialed(result, attempt).await
                }
                Step::Retry => {
                    let attempt = self.retry_at.take().map_or(1, |(_, attempt)| attempt);
                    self.dial(attempt)
                }
                Step::Command(command) => self.on_command(command).await,
                Step::Tick => self.on_tick().await,
            };
            if let Err(error) = outcome {
                self.shutdown(Some(error)).await;
                return;
            }
        }
    }

    async fn on_incoming(
        &mut self,
        which: Which,
        incoming: Option<Incoming>,
        actions: &mut Vec<Action>,
    ) -> Result<()> {
        let incoming =
            incoming.unwrap_or(Incoming::Closed { code: 1006, reason: "the connection dropped".into() });
        let Some(link) = self.link_mut(which) else { return Ok(()) };
        link.last_seen = Instant::now();
        let link_id = link.id;
        match incoming {
            Incoming::Alive => Ok(()),
            Incoming::Text(text) => {
                trace!(link = link_id, bytes = text.len(), "text frame received");
                self.dialect.on_frame(Frame::Text(&text), actions);
                self.apply(which, link_id, actions).await
            }
            Incoming::Binary(bytes) => {
                trace!(link = link_id, bytes = bytes.len(), "binary frame received");
                self.dialect.on_frame(Frame::Binary(&bytes), actions);
                self.apply(which, link_id, actions).await
            }
            Incoming::Closed { code, reason } => {
                let (set_up, resumed) = (link.set_up, link.resumed);
                if code == 1008 && !set_up && resumed {
                    // A stale resumption handle ("session not found"): start a fresh session instead.
                    self.dialect.forget_resumption();
                    let error = Error::Closed { code, reason, permanent: false };
                    return self.on_lost(which, error).await;
                }
                let permanent = close_is_final(code, set_up);
                self.on_lost(which, Error::Closed { code, reason, permanent }).await
            }
            Incoming::Failed(message) => {
                let host = link.host.clone();
                self.on_lost(which, Error::Connect { host, message }).await
            }
        }
    }

    async fn apply(&mut self, which: Which, link_id: u64, actions: &mut Vec<Action>) -> Result<()> {
        for action in actions.drain(..) {
            if matches!(action, Action::LinkReady | Action::Event(RealtimeEvent::Ready { .. }))
                && let Some(link) = self.link_mut(which)
            {
                link.set_up = true;
            }
            match action {
                Action::Event(event) => self.emit(event).await,
                Action::LinkReady if which == Which::Next => self.promote().await,
                Action::LinkReady => {}
                Action::DuplicateToolCall => Counters::bump(&self.shared.counters.duplicate_tool_calls),
                Action::RollOver => {
                    if which == Which::Current && self.next.is_none() && self.dialing.is_none() {
                        if let Some(current) = &self.current {
                            // Mic audio waits in the queue until the replacement is ready.
                            current.disable_audio();
                        }
                        info!("rolling over to a new connection");
                        self.rolling = true;
                        self.dial(1)?;
                    }
                }
                Action::Fail { code, message } => return Err(Error::Provider { code, message }),
                Action::Checkpoint { consumed } => {
                    // Only the confirmed link's snapshots count (a replacement is promoted before it sends one).
                    if let Some(link) = self.current.as_ref().filter(|link| link.id == link_id) {
                        trace!(link = link_id, consumed, "resumption checkpoint");
                        self.resume = Some(ResumeBase::checkpoint(link.journal.clone(), consumed));
                    }
                }
            }
        }
        Ok(())
    }

    async fn on_command(&mut self, command: Command) -> Result<()> {
        let frames = self.dialect.command(command)?;
        if let Some(link) = &self.current {
            for frame in frames {
                if !link.send_command(frame).await {
                    break;
                }
            }
        }
        Ok(())
    }

    fn link_mut(&mut self, which: Which) -> Option<&mut Link> {
        match which {
            Which::Current => self.current.as_mut(),
            Which::Next => self.next.as_mut().map(|pending| &mut pending.link),
        }
    }

    async fn emit(&self, event: RealtimeEvent) {
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => {}
            sent = self.events.send(event) => if sent.is_ok() {
                Counters::bump(&self.shared.counters.events);
            },
        }
    }

    async fn shutdown(&mut self, error: Option<Error>) {
        if let Some(dialing) = self.dialing.take() {
            dialing.task.abort();
        }
        let failure = error.as_ref().map(Failure::from);
        match &failure {
            Some(failure) => warn!(error = %failure, class = ?failure.class, "session ended"),
            None => info!("session closed"),
        }
        if let Some(error) = error {
            *self.shared.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
        }
        // The caller may not be reading any more; the last event must not block the shutdown.
        let _ = self.events.try_send(RealtimeEvent::Closed { error: failure });
        self.cancel.cancel();
        let links = self.current.take().into_iter().chain(self.next.take().map(|pending| pending.link));
        for link in links.chain(self.retiring.drain(..)) {
            link.finish(CLOSE_GRACE).await;
        }
    }
}

async fn recv(link: Option<&mut Link>) -> Option<Incoming> {
    match link {
        Some(link) => link.incoming.recv().await,
        None => std::future::pending().await,
    }
}

async fn join(dialing: Option<&mut Dialing>) -> (Result<Link>, u32) {
    match dialing {
        Some(dialing) => {
            let result = match (&mut dialing.task).await {
                Ok(result) => result,
                Err(join) => Err(Error::Connect { host: String::new(), message: join.to_string() }),
            };
            (result, dialing.attempt)
        }
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
