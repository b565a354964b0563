//! Starting the simulator, and the handle tests use to inspect it, drive it and wait on it without sleeping.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};
use tokio_util::task::TaskTracker;

use crate::error::{Error, Result};
use crate::fault::Fault;
use crate::record::{Api, Connection, Frame, Violation};
use crate::scenario::Scenario;
use crate::server;
use crate::shared::{Command, Shared, State};
use crate::timeline::{DeafWindow, Report, SessionTimeline};
use crate::tls::{ServerTls, TlsHandshake, TlsOptions};

/// Starts simulators.
#[derive(Debug)]
pub struct Sim;

impl Sim {
    /// Starts a simulator on `127.0.0.1` with a free port, on the current tokio runtime.
    ///
    /// # Errors
    /// [`Error::Bind`] when no port can be bound, [`Error::EspeakUnavailable`] when the scenario pins
    /// `"voice": "espeak"` and espeak-ng is not installed.
    pub async fn start(scenario: Scenario) -> Result<SimHandle> {
        Sim::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), scenario).await
    }

    /// Starts a simulator on `addr` (port 0 picks a free one), on the current tokio runtime.
    ///
    /// # Errors
    /// [`Error::Bind`] when `addr` cannot be bound, [`Error::EspeakUnavailable`] when the scenario pins
    /// `"voice": "espeak"` and espeak-ng is not installed.
    pub async fn start_on(addr: SocketAddr, scenario: Scenario) -> Result<SimHandle> {
        Sim::start_with(addr, scenario, None).await
    }

    /// Starts a simulator serving `https://` and `wss://` on `127.0.0.1` with a free port: a CA and a server
    /// certificate are generated as `tls` says, and the CA is written to [`SimHandle::ca_file`].
    ///
    /// # Errors
    /// As [`Sim::start`], and [`Error::Tls`] or [`Error::WriteCaFile`] when the certificates cannot be made or
    /// the CA file cannot be written.
    pub async fn start_tls(scenario: Scenario, tls: TlsOptions) -> Result<SimHandle> {
        Sim::start_with(SocketAddr::from(([127, 0, 0, 1], 0)), scenario, Some(tls)).await
    }

    /// Starts a simulator on `addr` (port 0 picks a free one), serving TLS when `tls` is given.
    ///
    /// # Errors
    /// As [`Sim::start_on`] and [`Sim::start_tls`].
    pub async fn start_with(
        addr: SocketAddr,
        scenario: Scenario,
        tls: Option<TlsOptions>,
    ) -> Result<SimHandle> {
        let tls = tls.as_ref().map(ServerTls::new).transpose()?;
        let shared = Arc::new(Shared::new(scenario)?.with_tls(tls));
        let listener = TcpListener::bind(addr).await.map_err(|source| Error::Bind { addr, source })?;
        let bound = listener.local_addr().map_err(|source| Error::Bind { addr, source })?;
        let tracker = TaskTracker::new();
        let accept = tokio::spawn(server::serve(listener, shared.clone(), tracker.clone()));
        tracing::info!(addr = %bound, scenario = %shared.scenario.name, tls = shared.tls.is_some(), "simulator listening");
        Ok(SimHandle { shared, addr: bound, tracker, accept: Arc::new(Mutex::new(Some(accept))) })
    }
}

/// A running simulator. Cheap to clone; every clone sees the same simulator.
///
/// The simulator runs until [`SimHandle::shutdown`] is called. Dropping handles does not stop it (call
/// `shutdown` at the end of a test, or let the runtime end).
#[derive(Debug, Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tracker: TaskTracker,
    accept: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl SimHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The root URL: `http://127.0.0.1:PORT`, or `https://...` with TLS. A simulator bound to every interface
    /// (`0.0.0.0`, `::`) is named by its loopback address.
    pub fn base_url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        format!("{scheme}://{}", self.dialable())
    }

    /// The WebSocket root URL: `ws://127.0.0.1:PORT`, or `wss://...` with TLS.
    pub fn websocket_base_url(&self) -> String {
        let scheme = if self.is_tls() { "wss" } else { "ws" };
        format!("{scheme}://{}", self.dialable())
    }

    /// The value for `OPENAI_BASE_URL`: `http://127.0.0.1:PORT/v1` (`https://` with TLS).
    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.base_url())
    }

    /// The value for `GEMINI_BASE_URL`: `http://127.0.0.1:PORT` (`https://` with TLS).
    pub fn gemini_base_url(&self) -> String {
        self.base_url()
    }

    /// Whether the simulator serves TLS.
    pub fn is_tls(&self) -> bool {
        self.shared.tls.is_some()
    }

    /// The CA certificate clients must trust (PEM), when the simulator serves TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.shared.tls.as_ref().map(|tls| tls.ca_pem.as_str())
    }

    /// The file the CA certificate was written to (the value for `CA_FILE`), when the simulator serves TLS.
    pub fn ca_file(&self) -> Option<&Path> {
        self.shared.tls.as_ref().map(ServerTls::ca_file)
    }

    /// Every TLS handshake so far, successful or not, in the order they ended.
    pub fn tls_handshakes(&self) -> Vec<TlsHandshake> {
        self.shared.lock().tls_handshakes.clone()
    }

    /// Waits until at least `n` TLS handshakes have ended, then returns them all.
    ///
    /// # Errors
    /// [`Error::Timeout`] after `within`.
    pub async fn wait_tls_handshakes(&self, n: usize, within: Duration) -> Result<Vec<TlsHandshake>> {
        self.wait_for(&format!("{n} TLS handshakes"), within, |state| {
            (state.tls_handshakes.len() >= n).then(|| state.tls_handshakes.clone())
        })
        .await
    }

    /// The bound address, with an unspecified IP replaced by loopback.
    fn dialable(&self) -> SocketAddr {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        SocketAddr::new(ip, self.addr.port())
    }

    /// The scenario the simulator plays.
    pub fn scenario(&self) -> &Scenario {
        &self.shared.scenario
    }

    /// Every frame received and sent so far (at most `Scenario::max_frames`, oldest dropped first).
    pub fn frames(&self) -> Vec<Frame> {
        self.shared.lock().frames.iter().cloned().collect()
    }

    /// Every connection so far, refused ones (401) included, in order of arrival.
    pub fn connections(&self) -> Vec<Connection> {
        self.shared.lock().connections.clone()
    }

    /// One connection by id.
    pub fn connection(&self, id: u64) -> Option<Connection> {
        self.shared.lock().connections.iter().find(|conn| conn.id == id).cloned()
    }

    /// Every protocol violation recorded so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// The timeline of every connection so far, in order of arrival.
    pub fn timeline(&self) -> Vec<SessionTimeline> {
        self.shared.lock().connections.iter().map(SessionTimeline::from).collect()
    }

    /// The deaf window after every reader that completed a turn (see [`DeafWindow`]).
    pub fn deaf_windows(&self) -> Vec<DeafWindow> {
        crate::timeline::deaf_windows(&self.timeline())
    }

    /// The timeline, deaf windows and violations together, as `GET /sim/report` answers them.
    pub fn report(&self) -> Report {
        self.shared.report()
    }

    /// Sends `server_frame_json` as it is on connection `conn_id` (binary for Gemini, text for OpenAI).
    ///
    /// # Errors
    /// [`Error::NoConnection`] when the connection is not open, [`Error::Busy`] when its queue is full.
    pub fn push(&self, conn_id: u64, server_frame_json: impl Into<String>) -> Result<()> {
        let sender = self.shared.sender(conn_id).ok_or(Error::NoConnection(conn_id))?;
        sender.try_send(Command::Push(server_frame_json.into())).map_err(|_| Error::Busy(conn_id))
    }

    /// Injects a fault: on the newest open connection of its API, else on the next one; Responses faults
    /// apply to the next requests.
    ///
    /// # Errors
    /// [`Error::Busy`] when the target connection's queue is full.
    pub fn inject(&self, fault: Fault) -> Result<()> {
        inject(&self.shared, fault)
    }

    /// Waits until at least `n` connections were seen (refused ones included), then returns them all.
    ///
    /// # Errors
    /// [`Error::Timeout`] after `within`.
    pub async fn wait_connections(&self, n: usize, within: Duration) -> Result<Vec<Connection>> {
        self.wait_for(&format!("{n} connections"), within, |state| {
            (state.connections.len() >= n).then(|| state.connections.clone())
        })
        .await
    }

    /// Waits until connection `id` has ended, then returns its record.
    ///
    /// # Errors
    /// [`Error::Timeout`] after `within`.
    pub async fn wait_closed(&self, id: u64, within: Duration) -> Result<Connection> {
        self.wait_for(&format!("connection {id} to close"), within, |state| {
            state.connections.iter().find(|conn| conn.id == id && conn.is_closed()).cloned()
        })
        .await
    }

    /// Waits for the first recorded frame matching `predicate` (frames already recorded count).
    ///
    /// # Errors
    /// [`Error::Timeout`] after `within`.
    pub async fn wait_frame(&self, within: Duration, predicate: impl Fn(&Frame) -> bool) -> Result<Frame> {
        self.wait_for("a matching frame", within, |state| state.frames.iter().find(|f| predicate(f)).cloned())
            .await
    }

    /// Waits until `n` frames match `predicate`, then returns them.
    ///
    /// # Errors
    /// [`Error::Timeout`] after `within`.
    pub async fn wait_frames(
        &self,
        n: usize,
        within: Duration,
        predicate: impl Fn(&Frame) -> bool,
    ) -> Result<Vec<Frame>> {
        self.wait_for(&format!("{n} matching frames"), within, |state| {
            let found: Vec<Frame> = state.frames.iter().filter(|f| predicate(f)).cloned().collect();
            (found.len() >= n).then_some(found)
        })
        .await
    }

    /// Waits until at least `n` violations were recorded, then returns them all.
    ///
    /// # Errors
    /// [`Error::Timeout`] after `within`.
    pub async fn wait_violations(&self, n: usize, within: Duration) -> Result<Vec<Violation>> {
        self.wait_for(&format!("{n} violations"), within, |state| {
            (state.violations.len() >= n).then(|| state.violations.clone())
        })
        .await
    }

    /// Waits until `n` turns were completed on connection `id` (Gemini `turnComplete` or OpenAI
    /// `response.done` sent), then returns the connection.
    ///
    /// # Errors
    /// [`Error::Timeout`] after `within`.
    pub async fn wait_turns(&self, id: u64, n: usize, within: Duration) -> Result<Connection> {
        self.wait_for(&format!("{n} turns on connection {id}"), within, |state| {
            state.connections.iter().find(|c| c.id == id && c.marks.turn_complete_at.len() >= n).cloned()
        })
        .await
    }

    /// The newest open connection of `api`, if any.
    pub fn latest_open(&self, api: Api) -> Option<Connection> {
        self.shared
            .lock()
            .connections
            .iter()
            .rev()
            .find(|c| c.api == api && c.status == 101 && !c.is_closed())
            .cloned()
    }

    async fn wait_for<T>(
        &self,
        what: &str,
        within: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + within;
        let mut changes = self.shared.subscribe();
        loop {
            if let Some(found) = check(&self.shared.lock()) {
                return Ok(found);
            }
            match timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => {
                    return Err(Error::Timeout { what: what.to_owned(), waited: within });
                }
            }
        }
    }

    /// Stops accepting, closes every WebSocket with 1001, and waits for all tasks to end.
    pub async fn shutdown(&self) {
        self.shared.cancel.cancel();
        let accept = self.accept.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(accept) = accept {
            let _ = accept.await;
        }
        self.tracker.close();
        self.tracker.wait().await;
    }
}

/// Injects `fault` into the simulator `shared` (see [`SimHandle::inject`]); also `POST /sim/faults`.
pub(crate) fn inject(shared: &Shared, fault: Fault) -> Result<()> {
    match shared.inject(fault) {
        Some((id, sender, fault)) => sender.try_send(Command::Fault(fault)).map_err(|_| Error::Busy(id)),
        None => Ok(()),
    }
}
