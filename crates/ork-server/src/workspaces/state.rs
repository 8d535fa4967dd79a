//! What the workspace feature holds: where workspaces live on disk, the master key that
//! project keys are derived from (never shown), the limits queries run under, and which
//! provisioning jobs are running.

use ork_workspace::KeyProvider;
use ork_workspace::query::Limits;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The workspace feature's state.
pub struct WorkspaceState {
    /// The folder holding one folder per workspace; `None`: workspaces are not set up.
    root: Option<PathBuf>,
    keys: Option<Arc<dyn KeyProvider>>,
    pub limits: Limits,
    /// Running provisioning jobs: workspace id → whether another run was asked for while
    /// it ran (it then runs once more).
    jobs: Mutex<HashMap<String, bool>>,
    /// One provisioning job at a time on this machine (each uses every core it is given).
    pub(super) slot: tokio::sync::Semaphore,
    /// Queries running at once on this server; more wait their turn (within the time
    /// limit), so a few heavy queries cannot take every core and all memory.
    pub(super) queries: tokio::sync::Semaphore,
}

impl std::fmt::Debug for WorkspaceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceState")
            .field("root", &self.root)
            .field("keys", &self.keys.as_ref().map(|_| "withheld"))
            .finish()
    }
}

impl WorkspaceState {
    /// Workspaces are not set up: provisioning waits, queries answer 503.
    pub fn disabled() -> Self {
        Self {
            root: None,
            keys: None,
            limits: Limits::default(),
            jobs: Mutex::new(HashMap::new()),
            slot: tokio::sync::Semaphore::new(1),
            queries: tokio::sync::Semaphore::new(4),
        }
    }

    /// Workspaces under `root`, project keys from `keys`.
    pub fn new(root: PathBuf, keys: Arc<dyn KeyProvider>, limits: Limits) -> Self {
        Self {
            root: Some(root),
            keys: Some(keys),
            ..Self::disabled()
        }
        .with_limits(limits)
    }

    fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    pub fn keys(&self) -> Option<&Arc<dyn KeyProvider>> {
        self.keys.as_ref()
    }

    /// The folder of a workspace's snapshots.
    pub fn snapshots_dir(&self, workspace: &str) -> Option<PathBuf> {
        self.root
            .as_ref()
            .map(|r| r.join(workspace).join("snapshots"))
    }

    /// Marks a job for `workspace` as running; `false` when one runs already (it is then
    /// asked to run once more when done).
    pub(super) fn claim(&self, workspace: &str) -> bool {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        match jobs.get_mut(workspace) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                jobs.insert(workspace.to_owned(), false);
                true
            }
        }
    }

    /// Ends a job's run: `true` when another run was asked for meanwhile (the job stays
    /// claimed and runs again).
    pub(super) fn release(&self, workspace: &str) -> bool {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        match jobs.get_mut(workspace) {
            Some(again) if *again => {
                *again = false;
                true
            }
            _ => {
                jobs.remove(workspace);
                false
            }
        }
    }

    /// Whether a provisioning job is running for `workspace`.
    pub fn running(&self, workspace: &str) -> bool {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(workspace)
    }
}
