//! Helpers: a temporary directory and tool fakes (scripted values, hangs, panics, a rendezvous).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::Barrier;
use voicebot_tools::{ErrorKind, Tool, ToolError};

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().subsec_nanos();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("voicebot-tools-{tag}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a [`Fake`] tool does when called.
#[derive(Debug, Clone)]
pub(crate) enum Behaviour {
    /// Returns this value.
    Returns(Value),
    /// Fails with this kind.
    Fails(ErrorKind),
    /// Never finishes.
    Hangs,
    /// Panics.
    Panics,
    /// Sleeps (tokio time) then returns its arguments.
    Sleeps(Duration),
    /// Waits at the barrier with its siblings, then returns.
    Meets(Arc<Barrier>),
}

/// A tool fake named `name` that behaves as told and counts its calls.
#[derive(Debug)]
pub(crate) struct Fake {
    pub(crate) name: &'static str,
    pub(crate) behaviour: Behaviour,
    pub(crate) timeout: Option<Duration>,
    pub(crate) calls: Arc<AtomicUsize>,
}

impl Fake {
    pub(crate) fn new(name: &'static str, behaviour: Behaviour) -> Self {
        Fake { name, behaviour, timeout: None, calls: Arc::default() }
    }

    pub(crate) fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

#[async_trait]
impl Tool for Fake {
    fn name(&self) -> &str {
        self.name
    }

    fn description(&self) -> &str {
        "A fake for tests."
    }

    fn parameters(&self) -> Value {
        json!({"type": "object", "properties": {}})
    }

    fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match &self.behaviour {
            Behaviour::Returns(value) => Ok(value.clone()),
            Behaviour::Fails(kind) => Err(ToolError::new(*kind, "it failed on purpose")),
            Behaviour::Hangs => std::future::pending().await,
            Behaviour::Panics => panic!("fake tool exploded"),
            Behaviour::Sleeps(duration) => {
                tokio::time::sleep(*duration).await;
                Ok(arguments)
            }
            Behaviour::Meets(barrier) => {
                barrier.wait().await;
                Ok(json!({"met": true}))
            }
        }
    }
}
