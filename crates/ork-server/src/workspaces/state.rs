//! What the workspace feature holds: where workspace files live (a folder or object storage), the master key that
//! project keys are derived from (never shown), the limits queries run under, and which
//! provisioning jobs are running.

use ork_workspace::query::Limits;
use ork_workspace::{KeyProvider, Storage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The workspace feature's state.
pub struct WorkspaceState {
    /// Where the workspaces' files live; `None`: workspaces are not set up.
    storage: Option<Storage>,
    keys: Option<Arc<dyn KeyProvider>>,
    pub limits: Limits,
    /// Running provisioning jobs: workspace id → whether another run was asked for while
    /// it ran (it then runs once more).
    jobs: Mutex<HashMap<String, bool>>,
    /// One provisioning job at a time on this machine (each uses every core it is given).
    pub(super) slot: tokio::sync::Semaphore,
    /// Queries running at once on this server; more wait their turn (within the time
    /// limit), so a few heavy queries cannot take every core and all memory.
    pub(crate) queries: tokio::sync::Semaphore,
}

impl std::fmt::Debug for WorkspaceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceState")
            .field("storage", &self.storage.as_ref().map(Storage::describe))
            .field("keys", &self.keys.as_ref().map(|_| "withheld"))
            .finish()
    }
}

impl WorkspaceState {
    /// Workspaces are not set up: provisioning waits, queries answer 503.
    pub fn disabled() -> Self {
        Self {
            storage: None,
            keys: None,
            limits: Limits::default(),
            jobs: Mutex::new(HashMap::new()),
            slot: tokio::sync::Semaphore::new(1),
            queries: tokio::sync::Semaphore::new(4),
        }
    }

    /// Workspaces in `storage`, project keys from `keys`.
    pub fn new(storage: Storage, keys: Arc<dyn KeyProvider>, limits: Limits) -> Self {
        Self {
            storage: Some(storage),
            keys: Some(keys),
            ..Self::disabled()
        }
        .with_limits(limits)
    }

    fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn storage(&self) -> Option<&Storage> {
        self.storage.as_ref()
    }

    pub fn keys(&self) -> Option<&Arc<dyn KeyProvider>> {
        self.keys.as_ref()
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
