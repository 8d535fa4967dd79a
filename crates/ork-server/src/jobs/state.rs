//! What the jobs feature holds: the sandbox (or why there is none), the folder jobs run in,
//! how many run at once, the running jobs' stop switches, and the installed software.

use ork_jobs::software::Package;
use ork_jobs::{Sandbox, Tools};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use tokio::sync::{Notify, watch};

/// How jobs are set up on this server.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Where jobs' folders are made while they run (a folder of this machine's disk).
    pub dir: PathBuf,
    /// The analysis environment (a Python virtual environment made from the system's Python).
    pub analysis_env: Option<PathBuf>,
    /// Jobs running at once; more wait in the queue.
    pub concurrent: usize,
}

/// Whether jobs can run here.
#[derive(Debug)]
pub enum Availability {
    /// Jobs are not set up on this server (no folder configured).
    NotSetUp,
    /// The sandbox cannot be made here; the reason says why. Nothing runs unsandboxed.
    Unavailable(String),
    Ready(Sandbox),
}

/// The jobs feature's state.
#[derive(Debug)]
pub struct JobsState {
    pub availability: Availability,
    pub(super) dir: PathBuf,
    pub(super) concurrent: usize,
    /// The running jobs on this server: job id → the switch that stops it.
    pub(super) running: Mutex<HashMap<String, watch::Sender<bool>>>,
    /// Wakes the queue's worker (a job submitted or ended).
    pub(super) wake: Notify,
    pub software: Vec<Package>,
    /// One dummy twin is made at a time.
    pub(super) dummy: tokio::sync::Mutex<()>,
    /// The notebooks running on this server, and one started at a time.
    pub(super) notebooks: super::notebooks::Sessions,
    pub(super) notebook_start: tokio::sync::Mutex<()>,
}

impl JobsState {
    /// Jobs are not set up: submissions answer 503.
    pub fn disabled() -> Self {
        Self {
            availability: Availability::NotSetUp,
            dir: PathBuf::new(),
            concurrent: 0,
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            software: Vec::new(),
            dummy: tokio::sync::Mutex::new(()),
            notebooks: Default::default(),
            notebook_start: tokio::sync::Mutex::new(()),
        }
    }

    /// Jobs in `config.dir`, in a sandbox shown to work here (else unavailable, saying why).
    pub async fn new(config: JobsConfig) -> Self {
        let tools = Tools::debian(config.analysis_env.clone(), config.dir.join("runtime"));
        let software = ork_jobs::software::installed(&tools);
        let availability = match ork_jobs::job::prepare_root(&config.dir) {
            Err(e) => Availability::Unavailable(format!("{}: {e}", config.dir.display())),
            Ok(()) => match Sandbox::probe(tools).await {
                Ok(s) => Availability::Ready(s),
                Err(e) => Availability::Unavailable(e.to_string()),
            },
        };
        if let Availability::Unavailable(why) = &availability {
            tracing::warn!(reason = %why, "jobs cannot run on this server");
        }
        Self {
            availability,
            dir: config.dir,
            concurrent: config.concurrent.max(1),
            software,
            ..Self::disabled()
        }
    }

    /// A folder of this name in the jobs' folder, for a run of the platform's own (a model
    /// file described for the airlock).
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn sandbox(&self) -> Option<&Sandbox> {
        match &self.availability {
            Availability::Ready(s) => Some(s),
            _ => None,
        }
    }

    /// Asks a running job on this server to stop; whether it ran here.
    pub(super) fn stop(&self, job: &str) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.get(job).is_some_and(|tx| tx.send(true).is_ok())
    }
}
