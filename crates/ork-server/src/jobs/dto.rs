//! The jobs' typed bodies in the API.

use super::service::{self, KeptLimits};
use crate::{ApiError, AppState};
use ork_domain::Lang;
use ork_store::{Job, JobFile};

/// The limits a job runs with.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JobLimitsBody {
    /// CPU time of all its processes together, seconds.
    pub cpu_seconds: u64,
    /// Time from start to end, seconds.
    pub wall_seconds: u64,
    /// Resident memory of all its processes together, MiB.
    pub memory_mb: u64,
    /// Processes and threads at once.
    pub processes: u64,
    /// Outputs, scratch and log, MiB.
    pub disk_mb: u64,
}

/// What a job used.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JobUsageBody {
    /// CPU time of all its processes, seconds.
    pub cpu_seconds: f64,
    /// From start to end, seconds.
    pub wall_seconds: f64,
    /// The largest resident memory seen, MiB.
    pub peak_memory_mb: f64,
}

/// A script or an output of a job.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JobFileBody {
    pub name: String,
    pub size: i64,
    /// SHA-256 of its bytes, hex (the audit trail records it).
    pub sha256: String,
}

/// A job.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JobBody {
    /// `job-` and 12 letters and digits.
    pub id: String,
    pub workspace: String,
    /// The manifest's name.
    pub name: String,
    /// `queued` (waiting for a turn), `running`, `succeeded`, `failed` (a script failed),
    /// `cancelled`, `killed` (stopped at a limit).
    #[schema(pattern = "^(queued|running|succeeded|failed|cancelled|killed)$")]
    pub state: String,
    /// Why it did not succeed, as a code: `cpu_time`, `wall_time`, `memory`, `disk`,
    /// `processes`, `network`, `read_only`, `permission`, `signal`, `exit_code`,
    /// `output_missing`, `output_too_large`, `cancelled`, `workspace_closed`,
    /// `table_unavailable`, `platform`.
    pub reason: Option<String>,
    /// The reason in words, in the user's language (the log's own line is in the log).
    pub reason_text: Option<String>,
    /// The step (from 1) that ended it.
    pub step: Option<i64>,
    /// The snapshot its tables are read from.
    pub snapshot: i64,
    /// The tables it reads (at `/data/<table>.parquet`), the earlier jobs whose outputs it
    /// reads (at `/inputs/<job>/`), the outputs it leaves (in `/output`).
    pub tables: Vec<String>,
    pub jobs: Vec<String>,
    pub declared_outputs: Vec<String>,
    pub limits: JobLimitsBody,
    pub usage: JobUsageBody,
    pub scripts: Vec<JobFileBody>,
    /// The outputs it left (a succeeded job): kept in the workspace, released only through
    /// the airlock.
    pub outputs: Vec<JobFileBody>,
    /// Who submitted it (e-mail).
    pub submitted_by: String,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// A cancel was asked for while it ran.
    pub cancel_requested: bool,
}

/// A workspace's jobs, newest first.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobBody>,
}

/// A job's submission (`multipart/form-data`): the manifest and the scripts it runs.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobForm {
    /// `job.toml`: `name`, `tables`, `jobs`, `outputs`, `[resources]` (`cpu_seconds`,
    /// `wall_seconds`, `memory_mb`, `processes`, `disk_mb`) and `[[steps]]` (`script`, and
    /// for SQL `output`); at most 64 KiB.
    pub manifest: String,
    /// The scripts (`.py`, `.R`, `.sql`), each at most 1 MiB of UTF-8 text, at most 20,
    /// each sent under its file name.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub scripts: Vec<Vec<u8>>,
}

fn file_body(f: JobFile) -> JobFileBody {
    JobFileBody {
        name: f.name,
        size: f.size,
        sha256: f.sha256,
    }
}

/// A reason's words.
pub fn reason_text(lang: Lang, reason: &str) -> String {
    crate::i18n::say(lang, &format!("job_reason.{reason}"), &[])
}

/// A job's body, with its scripts and outputs.
pub async fn body(state: &AppState, job: Job, lang: Lang) -> Result<JobBody, ApiError> {
    let limits: KeptLimits = service::limits_of(&job)?;
    let scripts = state.store.job_files(&job.id, "script").await?;
    let outputs = state.store.job_files(&job.id, "output").await?;
    // A kept manifest was checked when it was submitted.
    let declared = ork_jobs::manifest::declared(&job.manifest).unwrap_or_default();
    let time = |t: Option<i64>| t.map(crate::dates::iso);
    Ok(JobBody {
        tables: declared.tables,
        jobs: declared.jobs,
        declared_outputs: declared.outputs,
        reason_text: job.reason.as_deref().map(|r| reason_text(lang, r)),
        submitted_by: service::email_of(state, job.submitted_by).await?,
        submitted_at: crate::dates::iso(job.submitted_at),
        started_at: time(job.started_at),
        finished_at: time(job.finished_at),
        limits: JobLimitsBody {
            cpu_seconds: limits.cpu_seconds,
            wall_seconds: limits.wall_seconds,
            memory_mb: limits.memory_mb,
            processes: limits.processes,
            disk_mb: limits.disk_mb,
        },
        usage: JobUsageBody {
            cpu_seconds: job.cpu_ms as f64 / 1000.0,
            wall_seconds: job.wall_ms as f64 / 1000.0,
            peak_memory_mb: (job.peak_memory_kib as f64 / 1024.0 * 10.0).round() / 10.0,
        },
        scripts: scripts.into_iter().map(file_body).collect(),
        outputs: outputs.into_iter().map(file_body).collect(),
        id: job.id,
        workspace: job.workspace_id,
        name: job.name,
        state: job.state,
        reason: job.reason,
        step: job.step,
        snapshot: job.snapshot,
        cancel_requested: job.cancel_requested,
    })
}
