//! Notebooks (issue 20, item 2): JupyterLab per workspace and user, started on demand in the
//! same sandbox as jobs — the latest snapshot's tables read-only at `/data`, the user's own
//! notebooks in `/work` (kept between sessions), no network — and reached only through the
//! portal's proxy (`proxy.rs`): it listens on a Unix socket in a folder of its own, never on
//! a port, and answers only to the token the proxy adds. It stops itself when idle (its
//! kernels culled after 30 minutes, then the server), and the session ends with it.

use super::runner::{slot, system, unseal_tables};
use crate::auth::{ClientAddr, Principal};
use crate::workspaces::service as workspaces;
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_jobs::Limits;
use ork_jobs::sandbox::{Mount, Spec};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long a notebook's kernels and then the server may be idle before they stop.
pub const IDLE_SECONDS: u64 = 1800;

/// A running JupyterLab: the socket it listens on and the token it answers to (never shown).
pub struct Session {
    pub socket: PathBuf,
    token: String,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("socket", &self.socket)
            .field("token", &"withheld")
            .finish()
    }
}

impl Session {
    /// The `Authorization` header's value Jupyter answers to.
    pub fn authorization(&self) -> String {
        format!("token {}", self.token)
    }

    /// Asks the session to stop.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// The sessions running on this server: (workspace, user) → session.
pub type Sessions = std::sync::Mutex<std::collections::HashMap<(String, i64), Arc<Session>>>;

/// The prefix the proxy serves a workspace's notebook under, and Jupyter's base URL.
pub fn base_url(ws: &str) -> String {
    format!("/workspaces/{ws}/notebook/")
}

/// Who may use a workspace's notebook: the permit's named, certified users while the
/// workspace is ready and its permit active. Anyone else is refused with 403 (the proxy
/// says no, whether or not the workspace exists for them), audited.
pub async fn admit(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
) -> Result<workspaces::Entered, ApiError> {
    match workspaces::enter_to_write(state, p, client, ws_id).await {
        Ok(e) => Ok(e),
        Err(e) if e.status == StatusCode::NOT_FOUND || e.code == "workspace_read_only" => Err(
            ApiError::of(StatusCode::FORBIDDEN, "notebook_members_only", &[]),
        ),
        Err(e) => Err(e),
    }
}

/// The user's session in the workspace, started when there is none: the tables unsealed
/// into its folder, JupyterLab started in the sandbox, and the start audited with the
/// tables it reads.
pub async fn open(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    e: &workspaces::Entered,
) -> Result<Arc<Session>, ApiError> {
    let key = (e.ws.id.clone(), p.user.id);
    if let Some(s) = live(state, &key) {
        return Ok(s);
    }
    let _turn = state.jobs.notebook_start.lock().await;
    if let Some(s) = live(state, &key) {
        return Ok(s);
    }
    let sandbox = state
        .jobs
        .sandbox()
        .ok_or_else(|| super::service::unavailable(state))?
        .clone();
    let (snapshot, tables) = workspaces::visible_tables(state, &e.ws.id, None).await?;
    let (regime, _) = crate::workspaces::lifecycle::regime(state, &e.ws).await?;
    let name = format!("notebook-{}-{}", e.ws.id, p.user.id);
    let folder = state.jobs.scratch(&name);
    let work = state
        .jobs
        .scratch(&format!("notebook-work-{}-{}", e.ws.id, p.user.id));
    let slot = slot(&name);
    let _ = std::fs::remove_dir_all(&folder);
    let token = ork_workspace::LocalMasterKey::generate_hex();
    let prepared = async {
        ork_jobs::job::prepare_root(&folder)?;
        let data = folder.join("data");
        let sock = folder.join("sock");
        std::fs::create_dir(&data)?;
        std::fs::create_dir(&sock)?;
        std::fs::create_dir_all(&work)?;
        let data_key = Arc::new(
            workspaces::data_key(state, &e.ws.id)
                .map_err(|e| anyhow::anyhow!("{}", e.message(ork_domain::Lang::En)))?,
        );
        unseal_tables(
            state,
            &e.ws.id,
            snapshot.number,
            &tables,
            &data,
            true,
            &data_key,
        )
        .await?;
        sandbox.share_read(&data, slot)?;
        // The token in a file of the socket's folder (its user's only), not on a command
        // line, which every local user can read.
        std::fs::write(sock.join("token"), &token)?;
        sandbox.hand_over(&sock, slot)?;
        sandbox.hand_over(&work, slot)?;
        anyhow::Ok((data, sock))
    }
    .await;
    let (data, sock) = prepared.map_err(|err| {
        ApiError::from(anyhow::anyhow!(
            "preparing a notebook for {}: {err:#}",
            e.ws.id
        ))
    })?;
    let limits = Limits {
        cpu_seconds: u64::from(regime.max_job_cpu_seconds),
        wall_seconds: 12 * 3600,
        memory_mb: u64::from(regime.max_job_memory_mb).min(super::service::DEFAULTS.memory_mb),
        processes: u64::from(regime.max_job_processes),
        disk_mb: u64::from(regime.max_job_disk_mb),
    };
    let idle = IDLE_SECONDS.to_string();
    let argv: Vec<String> = [
        "/opt/ork/python/bin/python3",
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.sock=/sock/jupyter.sock",
        "--ServerApp.sock_mode=0600",
        "--ServerApp.root_dir=/work",
        &format!("--ServerApp.base_url={}", base_url(&e.ws.id)),
        &format!("--ServerApp.shutdown_no_activity_timeout={idle}"),
        &format!("--MappingKernelManager.cull_idle_timeout={idle}"),
        "--MappingKernelManager.cull_interval=60",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let spec = Spec {
        argv,
        mounts: vec![
            Mount {
                host: data,
                inside: "/data".into(),
                writable: false,
            },
            Mount {
                host: work.clone(),
                inside: "/work".into(),
                writable: true,
            },
            Mount {
                host: sock.clone(),
                inside: "/sock".into(),
                writable: true,
            },
        ],
        env: vec![
            ("JUPYTER_TOKEN_FILE".into(), "/sock/token".into()),
            ("JUPYTER_RUNTIME_DIR".into(), "/tmp/jupyter".into()),
            ("JUPYTER_CONFIG_DIR".into(), "/work/.jupyter".into()),
            ("IPYTHONDIR".into(), "/work/.ipython".into()),
        ],
        limits,
        spent_cpu_ms: 0,
        spent_wall_ms: 0,
        disk: vec![work.clone()],
        log: folder.join("log.txt"),
        slot,
        usage_file: folder.join("usage.txt"),
    };
    let (stop, rx) = watch::channel(false);
    let session = Arc::new(Session {
        socket: sock.join("jupyter.sock"),
        token,
        stop,
    });
    let mut tx = state.store.write().await?;
    tx.audit(
        &p.audit_source(client, None),
        "notebook.start",
        "workspace",
        &e.ws.id,
        serde_json::json!({"snapshot": snapshot.number,
            "tables": tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()}),
    )
    .await?;
    tx.commit().await?;
    state
        .jobs
        .notebooks
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.clone(), Arc::clone(&session));
    let (ended_tx, mut ended_rx) = watch::channel(false);
    {
        let state = state.clone();
        let folder = folder.clone();
        tokio::spawn(async move {
            let end = sandbox.run(&spec, rx).await;
            let _ = ended_tx.send(true);
            state
                .jobs
                .notebooks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
            let usage = end.as_ref().map(|e| e.usage).unwrap_or_default();
            tracing::info!(workspace = %key.0, user = key.1, cpu_ms = usage.cpu_ms, "notebook stopped");
            let audited = async {
                let mut tx = state.store.write().await?;
                tx.audit(
                    &system(),
                    "notebook.stop",
                    "workspace",
                    &key.0,
                    serde_json::json!({"user": key.1, "cpu_ms": usage.cpu_ms,
                        "wall_ms": usage.wall_ms, "peak_memory_kib": usage.peak_memory_kib}),
                )
                .await?;
                tx.commit().await?;
                anyhow::Ok(())
            };
            if let Err(e) = audited.await {
                tracing::error!(error = %e, "cannot record a notebook's end");
            }
            // The unsealed tables go; the user's notebooks stay.
            let _ = std::fs::remove_dir_all(&folder);
        });
    }
    // Ready once it listens (JupyterLab takes a few seconds to start).
    for _ in 0..300 {
        if session.socket.exists() {
            return Ok(session);
        }
        if *ended_rx.borrow_and_update() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    session.stop();
    // JupyterLab's own log says why; its lines with the token in them (its URLs) stay out.
    let log = std::fs::read_to_string(folder.join("log.txt")).unwrap_or_default();
    let why: Vec<&str> = log
        .lines()
        .rev()
        .filter(|l| !l.contains(&session.token) && !l.contains("token="))
        .take(5)
        .collect();
    tracing::error!(workspace = %e.ws.id, log = %why.join(" | "), "a notebook did not start");
    Err(ApiError::of(
        StatusCode::SERVICE_UNAVAILABLE,
        "notebook_failed",
        &[],
    ))
}

fn live(state: &AppState, key: &(String, i64)) -> Option<Arc<Session>> {
    state
        .jobs
        .notebooks
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(key)
        .filter(|s| s.socket.exists())
        .cloned()
}
