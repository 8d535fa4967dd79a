//! Jobs (issue 20): scripts run in a workspace's sandbox. A job moves `queued` → `running` →
//! `succeeded` | `failed` | `killed` | `cancelled` (a queued job may be cancelled at once);
//! each move happens only from the state the caller read, so a cancel and a start never
//! both win. Scripts, outputs, the log and the failing line are kept sealed by the caller.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A job as kept, without its log and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub manifest: String,
    pub snapshot: i64,
    /// JSON: the limits it runs with.
    pub limits: String,
    pub state: String,
    pub reason: Option<String>,
    pub step: Option<i64>,
    pub cpu_ms: i64,
    pub wall_ms: i64,
    pub peak_memory_kib: i64,
    pub cancel_requested: bool,
    pub submitted_by: i64,
    pub submitted_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// A script or output of a job, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFile {
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

/// A file to keep with a job: the plain bytes' size and SHA-256, the bytes sealed.
#[derive(Debug, Clone, Copy)]
pub struct NewJobFile<'a> {
    pub name: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub sealed: &'a [u8],
}

/// A new job.
#[derive(Debug, Clone, Copy)]
pub struct NewJob<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub name: &'a str,
    pub manifest: &'a str,
    pub snapshot: i64,
    pub limits: &'a str,
    pub submitted_by: i64,
    pub scripts: &'a [NewJobFile<'a>],
    /// What the audit trail records of what it reads and leaves.
    pub tables: &'a [String],
    pub jobs: &'a [String],
    pub outputs: &'a [String],
}

/// How a job ended.
#[derive(Debug, Clone, Copy)]
pub struct FinishedJob<'a> {
    /// `succeeded`, `failed`, `killed` or `cancelled`.
    pub state: &'a str,
    pub reason: Option<&'a str>,
    pub step: Option<i64>,
    /// Sealed.
    pub detail: Option<&'a [u8]>,
    /// Sealed.
    pub log: &'a [u8],
    pub cpu_ms: i64,
    pub wall_ms: i64,
    pub peak_memory_kib: i64,
    pub outputs: &'a [NewJobFile<'a>],
}

/// A project's compute in a month: jobs, CPU time and memory time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobUsage {
    pub jobs: i64,
    pub cpu_ms: i64,
    /// Peak memory times wall time, in KiB·ms.
    pub memory_kib_ms: i64,
}

const COLUMNS: &str = "id, workspace_id, name, manifest, snapshot, limits, state, reason, step, cpu_ms, wall_ms, peak_memory_kib, cancel_requested, submitted_by, submitted_at, started_at, finished_at";

fn job_from_row(r: &AnyRow) -> Result<Job> {
    Ok(Job {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        name: r.try_get(2)?,
        manifest: r.try_get(3)?,
        snapshot: r.try_get(4)?,
        limits: r.try_get(5)?,
        state: r.try_get(6)?,
        reason: r.try_get(7)?,
        step: r.try_get(8)?,
        cpu_ms: r.try_get(9)?,
        wall_ms: r.try_get(10)?,
        peak_memory_kib: r.try_get(11)?,
        cancel_requested: r.try_get::<i64, _>(12)? != 0,
        submitted_by: r.try_get(13)?,
        submitted_at: r.try_get(14)?,
        started_at: r.try_get(15)?,
        finished_at: r.try_get(16)?,
    })
}

/// One job, read from the pool or inside a transaction.
async fn find_job<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<Job>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
        .bind(id.to_owned())
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(job_from_row)
        .transpose()
}

impl Store {
    pub async fn job(&self, id: &str) -> Result<Option<Job>> {
        find_job(self.pool(), id).await
    }

    /// A workspace's jobs, newest first.
    pub async fn jobs_of(&self, workspace_id: &str) -> Result<Vec<Job>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE workspace_id = $1 ORDER BY submitted_at DESC, id DESC"
        ))
        .bind(workspace_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(job_from_row)
        .collect()
    }

    /// The jobs in a state, oldest first (the queue).
    pub async fn jobs_in_state(&self, state: &str) -> Result<Vec<Job>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE state = $1 ORDER BY submitted_at, id"
        ))
        .bind(state.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(job_from_row)
        .collect()
    }

    /// A job's scripts or outputs (`kind`), by name, without their bytes.
    pub async fn job_files(&self, job_id: &str, kind: &str) -> Result<Vec<JobFile>> {
        let rows = sqlx::query(
            "SELECT name, size, sha256 FROM job_files WHERE job_id = $1 AND kind = $2 ORDER BY name",
        )
        .bind(job_id.to_owned())
        .bind(kind.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobFile {
                    name: r.try_get(0)?,
                    size: r.try_get(1)?,
                    sha256: r.try_get(2)?,
                })
            })
            .collect()
    }

    /// One script's or output's bytes, sealed.
    pub async fn job_file_content(
        &self,
        job_id: &str,
        kind: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query(
            "SELECT content FROM job_files WHERE job_id = $1 AND kind = $2 AND name = $3",
        )
        .bind(job_id.to_owned())
        .bind(kind.to_owned())
        .bind(name.to_owned())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    /// A job's log and failing line, sealed.
    pub async fn job_log(&self, id: &str) -> Result<(Option<Vec<u8>>, Option<Vec<u8>>)> {
        let row = sqlx::query("SELECT log, detail FROM jobs WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(r) => Ok((r.try_get(0)?, r.try_get(1)?)),
            None => Ok((None, None)),
        }
    }

    /// The compute of the jobs of a workspace that ended in `[from, until)` (Unix seconds).
    pub async fn job_usage(&self, workspace_id: &str, from: i64, until: i64) -> Result<JobUsage> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(cpu_ms), 0) AS BIGINT), \
             CAST(COALESCE(SUM(peak_memory_kib * wall_ms), 0) AS BIGINT) \
             FROM jobs WHERE workspace_id = $1 AND finished_at >= $2 AND finished_at < $3 AND started_at IS NOT NULL",
        )
        .bind(workspace_id.to_owned())
        .bind(from)
        .bind(until)
        .fetch_one(self.pool())
        .await?;
        Ok(JobUsage {
            jobs: row.try_get(0)?,
            cpu_ms: row.try_get(1)?,
            memory_kib_ms: row.try_get(2)?,
        })
    }
}

impl WriteTx {
    /// A job as this transaction sees it (the one just created, before anyone else can
    /// change it).
    pub async fn job(&mut self, id: &str) -> Result<Option<Job>> {
        find_job(self.conn(), id).await
    }

    async fn add_job_file(&mut self, job_id: &str, kind: &str, f: &NewJobFile<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO job_files (job_id, kind, name, size, sha256, content) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(job_id.to_owned())
        .bind(kind.to_owned())
        .bind(f.name.to_owned())
        .bind(f.size)
        .bind(f.sha256.to_owned())
        .bind(f.sealed.to_vec())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Queues a new job with its scripts; the audit event names each script's SHA-256, the
    /// tables and earlier jobs it reads, the outputs it will leave and its limits.
    pub async fn create_job(&mut self, src: &AuditSource, j: &NewJob<'_>) -> Result<()> {
        let now = now_unix();
        sqlx::query(
            "INSERT INTO jobs (id, workspace_id, name, manifest, snapshot, limits, state, submitted_by, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8)",
        )
        .bind(j.id.to_owned())
        .bind(j.workspace_id.to_owned())
        .bind(j.name.to_owned())
        .bind(j.manifest.to_owned())
        .bind(j.snapshot)
        .bind(j.limits.to_owned())
        .bind(j.submitted_by)
        .bind(now)
        .execute(self.conn())
        .await?;
        for s in j.scripts {
            self.add_job_file(j.id, "script", s).await?;
        }
        let scripts: serde_json::Map<String, serde_json::Value> = j
            .scripts
            .iter()
            .map(|s| (s.name.to_owned(), json!(s.sha256)))
            .collect();
        let limits: serde_json::Value = serde_json::from_str(j.limits).unwrap_or_default();
        self.audit(
            src,
            "job.submit",
            "job",
            j.id,
            json!({"workspace": j.workspace_id, "snapshot": j.snapshot, "scripts": scripts,
                   "tables": j.tables, "jobs": j.jobs, "outputs": j.outputs, "limits": limits}),
        )
        .await?;
        Ok(())
    }

    /// Starts a queued job; `Ok(false)` when it was no longer queued (cancelled meanwhile).
    /// Its run reads person-level data, so the audit event names the tables it reads.
    pub async fn start_job(
        &mut self,
        src: &AuditSource,
        id: &str,
        tables: &[String],
    ) -> Result<bool> {
        let now = now_unix();
        let done = sqlx::query(
            "UPDATE jobs SET state = 'running', started_at = $1 WHERE id = $2 AND state = 'queued'",
        )
        .bind(now)
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 1 {
            self.audit(src, "job.start", "job", id, json!({"tables": tables}))
                .await?;
        }
        Ok(done == 1)
    }

    /// Records how a running job ended, with its outputs; the audit event names its state,
    /// reason, usage and each output's SHA-256.
    pub async fn finish_job(
        &mut self,
        src: &AuditSource,
        id: &str,
        f: &FinishedJob<'_>,
    ) -> Result<bool> {
        let now = now_unix();
        let done = sqlx::query(
            "UPDATE jobs SET state = $1, reason = $2, step = $3, detail = $4, log = $5, cpu_ms = $6, wall_ms = $7, \
             peak_memory_kib = $8, finished_at = $9 WHERE id = $10 AND state = 'running'",
        )
        .bind(f.state.to_owned())
        .bind(f.reason.map(str::to_owned))
        .bind(f.step)
        .bind(f.detail.map(<[u8]>::to_vec))
        .bind(f.log.to_vec())
        .bind(f.cpu_ms)
        .bind(f.wall_ms)
        .bind(f.peak_memory_kib)
        .bind(now)
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        for o in f.outputs {
            self.add_job_file(id, "output", o).await?;
        }
        let outputs: serde_json::Map<String, serde_json::Value> = f
            .outputs
            .iter()
            .map(|o| {
                (
                    o.name.to_owned(),
                    json!({"sha256": o.sha256, "size": o.size}),
                )
            })
            .collect();
        self.audit(
            src,
            "job.finish",
            "job",
            id,
            json!({"state": f.state, "reason": f.reason, "step": f.step, "cpu_ms": f.cpu_ms,
                   "wall_ms": f.wall_ms, "peak_memory_kib": f.peak_memory_kib, "outputs": outputs}),
        )
        .await?;
        Ok(true)
    }

    /// Cancels a job: a queued one at once (`cancelled`), a running one by asking its runner
    /// to stop it. `Ok(None)` when it had ended already; else the state it was in.
    pub async fn cancel_job(&mut self, src: &AuditSource, id: &str) -> Result<Option<String>> {
        let now = now_unix();
        let queued = sqlx::query(
            "UPDATE jobs SET state = 'cancelled', reason = 'cancelled', finished_at = $1 WHERE id = $2 AND state = 'queued'",
        )
        .bind(now)
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        let was = if queued == 1 {
            "queued"
        } else {
            let running = sqlx::query(
                "UPDATE jobs SET cancel_requested = 1 WHERE id = $1 AND state = 'running'",
            )
            .bind(id.to_owned())
            .execute(self.conn())
            .await?
            .rows_affected();
            if running != 1 {
                return Ok(None);
            }
            "running"
        };
        self.audit(src, "job.cancel", "job", id, json!({"was": was}))
            .await?;
        Ok(Some(was.to_owned()))
    }

    /// Puts the jobs a stopped server left running back in the queue; how many.
    pub async fn requeue_running_jobs(&mut self, src: &AuditSource) -> Result<u64> {
        let ids: Vec<String> = sqlx::query("SELECT id FROM jobs WHERE state = 'running'")
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        for id in &ids {
            // One whose cancel was asked for is cancelled instead.
            sqlx::query(
                "UPDATE jobs SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END, \
                 reason = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE NULL END, \
                 started_at = CASE WHEN cancel_requested = 1 THEN started_at ELSE NULL END, \
                 finished_at = CASE WHEN cancel_requested = 1 THEN $2 ELSE NULL END \
                 WHERE id = $1 AND state = 'running'",
            )
            .bind(id.clone())
            .bind(now_unix())
            .execute(self.conn())
            .await?;
            self.audit(
                src,
                "job.requeue",
                "job",
                id,
                json!({"why": "the server stopped while it ran"}),
            )
            .await?;
        }
        Ok(ids.len() as u64)
    }
}
