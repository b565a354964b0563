//! The state shared by the server tasks and every handle: records, live connections, pending faults.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::fault::{Fault, ResponsesAction, ResponsesFaults};
use crate::gemini::Saved;
use crate::record::{Api, CloseRecord, Connection, Direction, Frame, Violation, elide_text};
use crate::scenario::Scenario;
use crate::speech::Speech;
use crate::timeline::{Report, SessionTimeline, ToolCallTiming, deaf_windows};
use crate::tls::{ServerTls, TlsHandshake};

/// A command for one connection's task.
#[derive(Debug)]
pub(crate) enum Command {
    /// Send this JSON text as a server frame.
    Push(String),
    /// Apply this fault.
    Fault(Fault),
}

/// How many commands may wait for a connection task; pushes and faults are rare.
pub(crate) const COMMAND_CAPACITY: usize = 64;

/// Everything the simulator knows, behind one lock that is never held across an await.
#[derive(Debug, Default)]
pub(crate) struct State {
    next_conn: u64,
    pub(crate) frames: VecDeque<Frame>,
    pub(crate) connections: Vec<Connection>,
    pub(crate) violations: Vec<Violation>,
    senders: HashMap<u64, (Api, mpsc::Sender<Command>)>,
    pending: Vec<Fault>,
    /// Statuses for the next connections or requests of each API, consumed in order.
    rejects: Vec<(Api, u16)>,
    /// Outages: every connection or request of the API before the instant gets the status.
    outages: Vec<(Api, u16, Instant)>,
    responses: ResponsesFaults,
    resumption: HashMap<String, Saved>,
    /// Every TLS handshake, in the order they ended.
    pub(crate) tls_handshakes: Vec<TlsHandshake>,
}

/// The shared core of a running simulator.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) start: Instant,
    pub(crate) scenario: Scenario,
    pub(crate) cancel: CancellationToken,
    /// The voice and its cache, shared by every connection.
    pub(crate) speech: Arc<Speech>,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    ids: AtomicU64,
    /// Utterances of the Gemini script consumed so far by main sessions (the script index a new main starts at).
    utterances: AtomicUsize,
    /// OpenAI user turns committed by all sessions so far: a new session continues the script there.
    openai_turns: AtomicUsize,
    /// The certificates and acceptor when the simulator serves TLS.
    pub(crate) tls: Option<ServerTls>,
}

impl Shared {
    /// The shared core for `scenario`.
    ///
    /// # Errors
    /// [`Error::EspeakUnavailable`](crate::Error::EspeakUnavailable) when the scenario pins espeak-ng and it
    /// is not installed.
    pub(crate) fn new(scenario: Scenario) -> Result<Self> {
        let speech = Arc::new(Speech::new(&scenario.audio)?);
        let (changed, _) = watch::channel(0);
        let mut state = State::default();
        for fault in &scenario.faults {
            if let Fault::Reject { api, status, times } = fault {
                state.rejects.extend((0..*times).map(|_| (*api, *status)));
            } else if let Fault::Outage { api, status, for_ms } = fault {
                state.outages.push((*api, *status, Instant::now() + Duration::from_millis(*for_ms)));
            } else if fault.api() == Api::Responses {
                state.responses.add(fault);
            } else {
                state.pending.push(fault.clone());
            }
        }
        Ok(Shared {
            start: Instant::now(),
            scenario,
            cancel: CancellationToken::new(),
            speech,
            state: Mutex::new(state),
            changed,
            ids: AtomicU64::new(0),
            utterances: AtomicUsize::new(0),
            openai_turns: AtomicUsize::new(0),
            tls: None,
        })
    }

    /// Serves TLS with `tls`.
    pub(crate) fn with_tls(mut self, tls: Option<ServerTls>) -> Self {
        self.tls = tls;
        self
    }

    /// Records the end of a TLS handshake: `error` is why it failed, `server_name` the name the client asked for.
    pub(crate) fn tls_handshake(&self, error: Option<String>, server_name: Option<String>) {
        let handshake = TlsHandshake { at: self.now(), error, server_name };
        if let Some(error) = &handshake.error {
            tracing::debug!(%error, "TLS handshake failed");
        }
        self.update(|state| state.tls_handshakes.push(handshake));
    }

    /// How many scripted utterances main sessions have consumed so far.
    pub(crate) fn utterances_heard(&self) -> usize {
        self.utterances.load(Ordering::Relaxed)
    }

    /// How many scripted OpenAI turns sessions have committed so far.
    pub(crate) fn openai_turns(&self) -> usize {
        self.openai_turns.load(Ordering::Relaxed)
    }

    /// Notes that a session has committed the OpenAI script up to `committed` turns.
    pub(crate) fn committed_openai_turns(&self, committed: usize) {
        self.openai_turns.fetch_max(committed, Ordering::Relaxed);
    }

    /// Notes that a main session has consumed the script up to `heard` utterances.
    pub(crate) fn heard_utterances(&self, heard: usize) {
        self.utterances.fetch_max(heard, Ordering::Relaxed);
    }

    /// Records that the response to tool call `id` arrived on connection `conn`.
    pub(crate) fn tool_response(&self, conn: u64, id: &str, name: &str) {
        let at = self.now();
        self.with_conn(conn, |record| {
            match record.marks.tool_calls.iter_mut().find(|call| call.id == id && call.response_at.is_none())
            {
                Some(call) => call.response_at = Some(at),
                None => record.marks.tool_calls.push(ToolCallTiming {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    sent_at: None,
                    response_at: Some(at),
                }),
            }
        });
    }

    /// The report of everything recorded so far.
    pub(crate) fn report(&self) -> Report {
        let state = self.lock();
        let timeline: Vec<SessionTimeline> = state.connections.iter().map(SessionTimeline::from).collect();
        Report {
            scenario: self.scenario.name.clone(),
            voice: self.speech.voice_name().to_owned(),
            deaf_windows: deaf_windows(&timeline),
            timeline,
            violations: state.violations.clone(),
        }
    }

    /// Time since the simulator started.
    pub(crate) fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.start)
    }

    /// Locks the state; a panic elsewhere while holding the lock does not make the records unreadable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the state, then wakes every waiter.
    pub(crate) fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = f(&mut self.lock());
        self.changed.send_modify(|version| *version = version.wrapping_add(1));
        out
    }

    /// A receiver that sees every change.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// A fresh id with `prefix`, unique within this simulator (`call_sim7`, `item_sim12`, ...).
    pub(crate) fn next_id(&self, prefix: &str) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}_sim{n}")
    }

    /// Records a new connection and returns its id.
    pub(crate) fn open(&self, mut record: Connection) -> u64 {
        let opened_at = self.now();
        self.update(|state| {
            state.next_conn += 1;
            record.id = state.next_conn;
            record.opened_at = opened_at;
            state.connections.push(record);
            state.next_conn
        })
    }

    /// Changes the record of connection `id`.
    pub(crate) fn with_conn(&self, id: u64, f: impl FnOnce(&mut Connection)) {
        self.update(|state| {
            if let Some(conn) = state.connections.iter_mut().find(|conn| conn.id == id) {
                f(conn);
            }
        });
    }

    /// Marks connection `id` closed and forgets its command queue.
    pub(crate) fn close(&self, id: u64, close: Option<CloseRecord>, dropped: bool) {
        let at = self.now();
        self.update(|state| {
            state.senders.remove(&id);
            if let Some(conn) = state.connections.iter_mut().find(|conn| conn.id == id) {
                conn.closed_at.get_or_insert(at);
                if conn.close.is_none() {
                    conn.close = close;
                }
                conn.dropped |= dropped && conn.close.is_none();
            }
        });
    }

    /// Records a frame; `text` is elided before it is stored.
    pub(crate) fn frame(&self, conn: u64, api: Api, direction: Direction, kind: &str, text: &str) {
        let frame =
            Frame { conn, api, direction, at: self.now(), kind: kind.to_owned(), json: elide_text(text) };
        let max = self.scenario.max_frames.max(1);
        self.update(|state| {
            if state.frames.len() >= max {
                state.frames.pop_front();
            }
            state.frames.push_back(frame);
        });
    }

    /// Records a protocol violation.
    pub(crate) fn violation(&self, conn: u64, code: &str, message: impl Into<String>) {
        let violation = Violation { conn, at: self.now(), code: code.to_owned(), message: message.into() };
        tracing::debug!(conn, code, message = %violation.message, "protocol violation");
        self.update(|state| state.violations.push(violation));
    }

    /// Registers a live connection's command queue and returns the faults waiting for its API.
    pub(crate) fn register(&self, id: u64, api: Api, sender: mpsc::Sender<Command>) -> Vec<Fault> {
        self.update(|state| {
            state.senders.insert(id, (api, sender));
            let (mine, others) = std::mem::take(&mut state.pending).into_iter().partition(|f| f.api() == api);
            state.pending = others;
            mine
        })
    }

    /// The command queue of connection `id`, if it is open.
    pub(crate) fn sender(&self, id: u64) -> Option<mpsc::Sender<Command>> {
        self.lock().senders.get(&id).map(|(_, sender)| sender.clone())
    }

    /// Applies `fault` to the newest open connection of its API, or keeps it for the next one.
    pub(crate) fn inject(&self, fault: Fault) -> Option<(u64, mpsc::Sender<Command>, Fault)> {
        self.update(|state| {
            if let Fault::Reject { api, status, times } = fault {
                state.rejects.extend((0..times).map(|_| (api, status)));
                return None;
            }
            if let Fault::Outage { api, status, for_ms } = fault {
                state.outages.push((api, status, Instant::now() + Duration::from_millis(for_ms)));
                return None;
            }
            if fault.api() == Api::Responses {
                state.responses.add(&fault);
                return None;
            }
            let target = state
                .senders
                .iter()
                .filter(|(_, (api, _))| *api == fault.api())
                .max_by_key(|(id, _)| **id)
                .map(|(id, (_, sender))| (*id, sender.clone()));
            match target {
                Some((id, sender)) => Some((id, sender, fault)),
                None => {
                    state.pending.push(fault);
                    None
                }
            }
        })
    }

    /// The status an outage or a [`Fault::Reject`] asks for the next connection or request of `api`.
    pub(crate) fn take_reject(&self, api: Api) -> Option<u16> {
        self.update(|state| {
            let now = Instant::now();
            state.outages.retain(|(_, _, until)| *until > now);
            if let Some((_, status, _)) = state.outages.iter().find(|(target, _, _)| *target == api) {
                return Some(*status);
            }
            let index = state.rejects.iter().position(|(target, _)| *target == api)?;
            Some(state.rejects.remove(index).1)
        })
    }

    /// The fault action for the next Responses request.
    pub(crate) fn responses_action(&self) -> ResponsesAction {
        self.lock().responses.next_action()
    }

    /// Stores a Gemini session's state under a resumption handle.
    pub(crate) fn save_resumption(&self, handle: &str, saved: Saved) {
        self.lock().resumption.insert(handle.to_owned(), saved);
    }

    /// The Gemini session state stored under `handle`.
    pub(crate) fn load_resumption(&self, handle: &str) -> Option<Saved> {
        self.lock().resumption.get(handle).cloned()
    }
}
