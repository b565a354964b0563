//! [`Sessions`]: the realtime sessions a pipeline holds, numbered by generation, with their events merged
//! into one bounded stream so the pipeline's actor can `select!` over a single receiver.
//!
//! Connecting and closing run on owned tasks (a close waits for the peer's handshake), so the actor never
//! waits for the network. Every task stops when the pipeline's cancellation token fires.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use voicebot_transport::{Failure, RealtimeEvent, RealtimeTransport, Session, SessionConfig};

/// Events waiting for the actor before the pumps wait.
const NOTE_QUEUE: usize = 256;

/// What the session tasks report to the actor.
#[derive(Debug)]
pub(crate) enum Note {
    /// Session `generation` is open (after `elapsed`).
    Connected { generation: u64, session: Arc<Session>, elapsed: Duration },
    /// Session `generation` could not be opened (a permanent failure: transient ones are retried under a
    /// returned session).
    Failed { generation: u64, error: Failure },
    /// An event of session `generation`.
    Event { generation: u64, event: RealtimeEvent },
}

/// The live sessions of one pipeline.
#[derive(Debug)]
pub(crate) struct Sessions {
    live: HashMap<u64, Arc<Session>>,
    notes_tx: mpsc::Sender<Note>,
    tasks: JoinSet<()>,
    cancel: CancellationToken,
}

impl Sessions {
    /// An empty set and the receiver of its notes.
    pub(crate) fn new(cancel: CancellationToken) -> (Sessions, mpsc::Receiver<Note>) {
        let (notes_tx, notes) = mpsc::channel(NOTE_QUEUE);
        (Sessions { live: HashMap::new(), notes_tx, tasks: JoinSet::new(), cancel }, notes)
    }

    /// Starts opening session `generation`; the outcome arrives as [`Note::Connected`] or [`Note::Failed`].
    pub(crate) fn connect(
        &mut self,
        generation: u64,
        transport: Arc<dyn RealtimeTransport>,
        config: SessionConfig,
    ) {
        let notes = self.notes_tx.clone();
        let cancel = self.cancel.clone();
        self.tasks.spawn(async move {
            let started = Instant::now();
            let note = tokio::select! {
                () = cancel.cancelled() => return,
                result = transport.connect(config) => match result {
                    Ok(session) => Note::Connected { generation, session: Arc::new(session), elapsed: started.elapsed() },
                    Err(error) => Note::Failed { generation, error: Failure::from(&error) },
                },
            };
            if let Err(mpsc::error::SendError(Note::Connected { session, .. })) = notes.send(note).await {
                // Nobody is listening any more: do not leave the session open.
                let _ = session.close().await;
            }
        });
    }

    /// Takes ownership of a connected session and starts pumping its events.
    pub(crate) fn adopt(&mut self, generation: u64, session: Arc<Session>) {
        self.live.insert(generation, Arc::clone(&session));
        let notes = self.notes_tx.clone();
        let cancel = self.cancel.clone();
        self.tasks.spawn(async move {
            loop {
                let event = tokio::select! {
                    () = cancel.cancelled() => return,
                    event = session.next_event() => event,
                };
                let Some(event) = event else { return };
                let last = matches!(event, RealtimeEvent::Closed { .. });
                if notes.send(Note::Event { generation, event }).await.is_err() || last {
                    return;
                }
            }
        });
    }

    /// Session `generation`, if it is live.
    pub(crate) fn get(&self, generation: u64) -> Option<&Arc<Session>> {
        self.live.get(&generation)
    }

    /// Closes session `generation` (code 1000) on a task of its own.
    pub(crate) fn close(&mut self, generation: u64) {
        if let Some(session) = self.live.remove(&generation) {
            self.tasks.spawn(async move {
                if let Err(error) = session.close().await {
                    tracing::debug!(generation, %error, "session ended with an error");
                }
            });
        }
    }

    /// Closes every session and waits for all tasks (connects in flight are abandoned).
    pub(crate) async fn shutdown(mut self) {
        let generations: Vec<u64> = self.live.keys().copied().collect();
        for generation in generations {
            self.close(generation);
        }
        self.cancel.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}
