//! The queue: a worker starts the oldest queued jobs, as many at once as configured, each in
//! a folder of its own made for the run and removed after it. A run unseals the tables it
//! reads into that folder (and writes them as CSV for R), puts the earlier jobs' outputs it
//! names beside them, runs the steps in the sandbox, and keeps the log and the outputs sealed
//! under the workspace's data key. A server that stops leaves its running jobs to be queued
//! again at the next start.

use super::service::{KeptLimits, Sealed, context, limits_of};
use crate::AppState;
use ork_jobs::job::{self, Layout, Outcome};
use ork_jobs::{Language, Manifest};
use ork_store::{AuditSource, FinishedJob, Job, NewJobFile};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tokio::sync::watch;

/// The largest output a job may leave (each file), and the largest log kept (its end).
pub const MAX_OUTPUT_BYTES: u64 = 64 << 20;
const MAX_LOG_BYTES: usize = 1 << 20;

/// The runner's identity in the audit trail.
pub(super) fn system() -> AuditSource {
    AuditSource {
        actor: Some("system:jobs".into()),
        org: None,
        source: "jobs".into(),
    }
}

/// Starts the queue's worker (when the sandbox works here): queues again what a stopped
/// server left running, then starts queued jobs whenever one is submitted or ends.
pub fn spawn_worker(state: AppState) {
    if state.jobs.sandbox().is_none() {
        return;
    }
    tokio::spawn(async move {
        if let Err(e) = recover(&state).await {
            tracing::error!(error = %e, "cannot queue again the jobs a stopped server left");
        }
        loop {
            if let Err(e) = dispatch(&state).await {
                tracing::warn!(error = %e, "cannot start queued jobs");
            }
            tokio::select! {
                _ = state.jobs.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
    });
}

async fn recover(state: &AppState) -> anyhow::Result<()> {
    let mut tx = state.store.write().await?;
    let n = tx.requeue_running_jobs(&system()).await?;
    tx.commit().await?;
    if n > 0 {
        tracing::info!(
            jobs = n,
            "jobs a stopped server left running are queued again"
        );
    }
    // Folders of runs that did not end (the runtime folder stays).
    for entry in std::fs::read_dir(&state.jobs.dir)?.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with("job-"))
        {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// Starts the oldest queued jobs while there is room.
async fn dispatch(state: &AppState) -> anyhow::Result<()> {
    for job in state.store.jobs_in_state("queued").await? {
        let (tx, rx) = watch::channel(false);
        {
            let mut running = state.jobs.running.lock().unwrap_or_else(|p| p.into_inner());
            if running.len() >= state.jobs.concurrent {
                break;
            }
            if running.contains_key(&job.id) {
                continue;
            }
            running.insert(job.id.clone(), tx);
        }
        let state = state.clone();
        tokio::spawn(async move {
            let id = job.id.clone();
            // In a task of its own, so a panic is an error here and the slot is freed.
            let (s, j) = (state.clone(), job);
            let result = match tokio::spawn(async move { run(&s, &j, rx).await }).await {
                Ok(r) => r,
                Err(e) => Err(anyhow::anyhow!("the job's run failed: {e}")),
            };
            if let Err(e) = result {
                tracing::error!(job = %id, error = %format!("{e:#}"), "a job could not be run");
                let _ = give_up(&state, &id).await.inspect_err(
                    |e| tracing::error!(job = %id, error = %e, "cannot record the job's failure"),
                );
            }
            let _ = std::fs::remove_dir_all(state.jobs.dir.join(&id));
            state
                .jobs
                .running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            state.jobs.wake.notify_one();
        });
    }
    Ok(())
}

/// Records a job the platform could not run (its fault, not the job's).
async fn give_up(state: &AppState, id: &str) -> anyhow::Result<()> {
    let mut tx = state.store.write().await?;
    tx.start_job(&system(), id, &[]).await?;
    tx.finish_job(
        &system(),
        id,
        &FinishedJob {
            state: "failed",
            reason: Some("platform"),
            step: None,
            detail: None,
            log: &[],
            cpu_ms: 0,
            wall_ms: 0,
            peak_memory_kib: 0,
            outputs: &[],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Which of the sandbox's users a job runs as (when the platform runs as root).
pub(super) fn slot(id: &str) -> u32 {
    use sha2::Digest;
    let h = sha2::Sha256::digest(id.as_bytes());
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// Ends a job that never reached the sandbox (its workspace closed, a table withdrawn).
async fn refuse(state: &AppState, job: &Job, reason: &str, log: &str) -> anyhow::Result<()> {
    let key = crate::workspaces::service::data_key(state, &job.workspace_id)
        .map_err(|e| anyhow::anyhow!("{}", e.message(ork_domain::Lang::En)))?;
    let sealed = key.seal_bytes(&context(&job.id, "log"), log.as_bytes());
    let mut tx = state.store.write().await?;
    tx.finish_job(
        &system(),
        &job.id,
        &FinishedJob {
            state: "failed",
            reason: Some(reason),
            step: None,
            detail: None,
            log: &sealed,
            cpu_ms: 0,
            wall_ms: 0,
            peak_memory_kib: 0,
            outputs: &[],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn run(state: &AppState, job: &Job, cancel: watch::Receiver<bool>) -> anyhow::Result<()> {
    let sandbox = state
        .jobs
        .sandbox()
        .ok_or_else(|| anyhow::anyhow!("no sandbox"))?;
    let key = std::sync::Arc::new(
        crate::workspaces::service::data_key(state, &job.workspace_id)
            .map_err(|e| anyhow::anyhow!("{}", e.message(ork_domain::Lang::En)))?,
    );
    let mut scripts = BTreeMap::new();
    for f in state.store.job_files(&job.id, "script").await? {
        let sealed = state
            .store
            .job_file_content(&job.id, "script", &f.name)
            .await?
            .unwrap_or_default();
        let plain = key
            .open_bytes(&context(&job.id, &format!("script/{}", f.name)), &sealed)
            .ok_or_else(|| anyhow::anyhow!("script {} does not open", f.name))?;
        scripts.insert(f.name, plain);
    }
    let manifest = Manifest::parse(&job.manifest, &scripts)
        .map_err(|e| anyhow::anyhow!("the kept manifest: {e}"))?;
    let mut tx = state.store.write().await?;
    let started = tx.start_job(&system(), &job.id, &manifest.tables).await?;
    tx.commit().await?;
    if !started {
        return Ok(());
    }
    // The workspace must still be open to its project.
    let ws = state.store.workspace(&job.workspace_id).await?;
    let open = match &ws {
        Some(w) if w.state == "ready" => state
            .store
            .permit(&w.permit_id)
            .await?
            .is_some_and(|p| crate::workspaces::provision::permit_active(&p)),
        _ => false,
    };
    if !open {
        let state_now = ws.map_or("gone".to_owned(), |w| w.state);
        return refuse(
            state,
            job,
            "workspace_closed",
            &format!("The workspace is closed ({state_now}); the job did not run.\n"),
        )
        .await;
    }
    let (_, visible) =
        crate::workspaces::service::visible_tables(state, &job.workspace_id, Some(job.snapshot))
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message(ork_domain::Lang::En)))?;
    let withdrawn: Vec<&str> = manifest
        .tables
        .iter()
        .map(String::as_str)
        .filter(|t| !visible.iter().any(|v| v.name == *t))
        .collect();
    if !withdrawn.is_empty() {
        return refuse(
            state,
            job,
            "table_unavailable",
            &format!(
                "A controller has suspended the workspace's access to {}; the job did not run.\n",
                withdrawn.join(", ")
            ),
        )
        .await;
    }
    let _ = std::fs::remove_dir_all(state.jobs.dir.join(&job.id));
    let layout = Layout::create(state.jobs.dir.join(&job.id))?;
    for (name, bytes) in &scripts {
        std::fs::write(layout.scripts().join(name), bytes)?;
    }
    let csv = manifest.languages().contains(&Language::R);
    let reads: Vec<_> = visible
        .iter()
        .filter(|t| manifest.tables.contains(&t.name))
        .cloned()
        .collect();
    unseal_tables(
        state,
        &job.workspace_id,
        job.snapshot,
        &reads,
        &layout.data(),
        csv,
        &key,
    )
    .await?;
    for earlier in &manifest.jobs {
        let dir = layout.inputs().join(earlier);
        std::fs::create_dir(&dir)?;
        for f in state.store.job_files(earlier, "output").await? {
            let sealed = state
                .store
                .job_file_content(earlier, "output", &f.name)
                .await?
                .unwrap_or_default();
            let plain = key
                .open_bytes(&context(earlier, &format!("output/{}", f.name)), &sealed)
                .ok_or_else(|| anyhow::anyhow!("output {} of {earlier} does not open", f.name))?;
            std::fs::write(dir.join(&f.name), plain)?;
        }
    }
    let limits: KeptLimits =
        limits_of(job).map_err(|e| anyhow::anyhow!("{}", e.message(ork_domain::Lang::En)))?;
    let end = job::run(
        sandbox,
        &layout,
        &manifest,
        &(&limits).into(),
        slot(&job.id),
        cancel,
    )
    .await?;
    // The outputs, each within the size a workspace keeps.
    let mut end = end;
    let too_large: Vec<String> = end
        .outputs
        .iter()
        .filter(|o| o.size > MAX_OUTPUT_BYTES)
        .map(|o| o.name.clone())
        .collect();
    if !too_large.is_empty() {
        end.outcome = Outcome::Failed;
        end.reason = Some("output_too_large");
        end.detail = Some(too_large.join(", "));
        end.outputs.clear();
    }
    let mut kept = Vec::new();
    for o in &end.outputs {
        let bytes = std::fs::read(&o.path)?;
        kept.push(Sealed::new(&key, &job.id, "output", &o.name, &bytes));
    }
    let outputs: Vec<NewJobFile> = kept.iter().map(Sealed::file).collect();
    let log = read_tail(&layout.log(), MAX_LOG_BYTES);
    let sealed_log = key.seal_bytes(&context(&job.id, "log"), &log);
    let sealed_detail = end
        .detail
        .as_ref()
        .map(|d| key.seal_bytes(&context(&job.id, "detail"), d.as_bytes()));
    let ms = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let mut tx = state.store.write().await?;
    tx.finish_job(
        &system(),
        &job.id,
        &FinishedJob {
            state: end.outcome.as_str(),
            reason: end.reason,
            step: end.step.map(|s| s as i64),
            detail: sealed_detail.as_deref(),
            log: &sealed_log,
            cpu_ms: ms(end.usage.cpu_ms),
            wall_ms: ms(end.usage.wall_ms),
            peak_memory_kib: ms(end.usage.peak_memory_kib),
            outputs: &outputs,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(job = %job.id, state = end.outcome.as_str(), reason = end.reason.unwrap_or(""), "job ended");
    Ok(())
}

/// Writes a snapshot's tables into `data` as plain Parquet (and as CSV too when `csv`), for
/// a run in the sandbox: the sandbox never sees a key.
pub(super) async fn unseal_tables(
    state: &AppState,
    ws: &str,
    snapshot: i64,
    tables: &[crate::workspaces::service::SnapshotTable],
    data: &Path,
    csv: bool,
    key: &std::sync::Arc<ork_workspace::DataKey>,
) -> anyhow::Result<()> {
    let storage = state
        .workspaces
        .storage()
        .ok_or_else(|| anyhow::anyhow!("workspaces are not set up"))?;
    for t in tables {
        let file = format!("{}.parquet", t.name);
        let scratch = data.join(format!(".fetched-{file}"));
        let (src, fetched) = storage.on_disk(ws, snapshot, &file, &scratch).await?;
        let out = data.join(&file);
        let sealed = t.sealed;
        let key = std::sync::Arc::clone(key);
        let csv_out = data.join(format!("{}.csv", t.name));
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            if sealed {
                ork_workspace::seal::unseal(&src, &out, &key)?;
            } else {
                std::fs::copy(&src, &out)?;
            }
            if fetched {
                std::fs::remove_file(&src)?;
            }
            if csv {
                ork_workspace::seal::parquet_to_csv(&out, &csv_out)?;
            }
            Ok(())
        })
        .await??;
    }
    Ok(())
}

/// The last `max` bytes of a file (a note says when the start was cut).
fn read_tail(path: &Path, max: usize) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_default();
    if bytes.len() <= max {
        return bytes;
    }
    let mut out = format!(
        "[the first {} bytes of the log are left out]\n",
        bytes.len() - max
    )
    .into_bytes();
    out.extend_from_slice(&bytes[bytes.len() - max..]);
    out
}
