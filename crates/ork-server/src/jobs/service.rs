//! Who may do what with jobs, and the typed operations the API and the pages share:
//! submitting (checked against the workspace's tables, earlier jobs and regime before
//! anything is kept), listing, reading one with its log, and cancelling. Only the permit's
//! named, certified users submit and cancel; the log (which may hold row-level data) is shown
//! inside the workspace only, and each reading of it is audited.

use crate::auth::{ClientAddr, Principal};
use crate::workspaces::service::{self as workspaces, Entered};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_jobs::manifest::{Bound, Bounds, Limits, MAX_SCRIPT_BYTES, Manifest, ManifestError};
use ork_store::{Job, NewJob, NewJobFile};
use ork_workspace::regime::Regime;
use std::collections::{BTreeMap, BTreeSet};

/// Jobs a workspace may have waiting or running at once.
pub const MAX_PENDING: usize = 20;

/// The platform's defaults for a job that does not ask (each within the regime's maximum).
pub const DEFAULTS: Limits = Limits {
    cpu_seconds: 3600,
    wall_seconds: 3600,
    memory_mb: 4096,
    processes: 128,
    disk_mb: 2048,
};

/// A job's state as the API names it.
pub const STATES: [&str; 6] = [
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "killed",
];

/// The bounds a regime sets on jobs.
pub fn bounds(r: &Regime) -> Bounds {
    let b = |default: u64, max: u32| Bound {
        default,
        max: u64::from(max),
    };
    Bounds {
        cpu_seconds: b(DEFAULTS.cpu_seconds, r.max_job_cpu_seconds),
        wall_seconds: b(DEFAULTS.wall_seconds, r.max_job_wall_seconds),
        memory_mb: b(DEFAULTS.memory_mb, r.max_job_memory_mb),
        processes: b(DEFAULTS.processes, r.max_job_processes),
        disk_mb: b(DEFAULTS.disk_mb, r.max_job_disk_mb),
    }
}

/// The limits as kept with a job (JSON).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct KeptLimits {
    pub cpu_seconds: u64,
    pub wall_seconds: u64,
    pub memory_mb: u64,
    pub processes: u64,
    pub disk_mb: u64,
}

impl From<Limits> for KeptLimits {
    fn from(l: Limits) -> Self {
        Self {
            cpu_seconds: l.cpu_seconds,
            wall_seconds: l.wall_seconds,
            memory_mb: l.memory_mb,
            processes: l.processes,
            disk_mb: l.disk_mb,
        }
    }
}

impl From<&KeptLimits> for Limits {
    fn from(l: &KeptLimits) -> Self {
        Self {
            cpu_seconds: l.cpu_seconds,
            wall_seconds: l.wall_seconds,
            memory_mb: l.memory_mb,
            processes: l.processes,
            disk_mb: l.disk_mb,
        }
    }
}

pub fn limits_of(job: &Job) -> Result<KeptLimits, ApiError> {
    serde_json::from_str(&job.limits)
        .map_err(|e| ApiError::from(anyhow::anyhow!("job {} limits: {e}", job.id)))
}

/// Jobs cannot run here: 503 saying why.
pub fn unavailable(state: &AppState) -> ApiError {
    use super::state::Availability;
    match &state.jobs.availability {
        Availability::Unavailable(why) => ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "jobs_unavailable.sandbox",
            &[("reason", why)],
        ),
        _ => ApiError::of(StatusCode::SERVICE_UNAVAILABLE, "jobs_unavailable", &[]),
    }
}

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "job_not_found", &[])
}

/// A manifest's or script's fault, in the user's language.
pub fn manifest_error(e: &ManifestError) -> ApiError {
    use ManifestError as M;
    match e {
        M::Syntax(reason) => ApiError::invalid("job_manifest.syntax", &[("reason", reason)]),
        M::TooLarge => ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "job_manifest.too_large",
            &[("max", &ork_jobs::manifest::MAX_MANIFEST_BYTES)],
        ),
        M::NoSteps => ApiError::invalid("job_manifest.no_steps", &[]),
        M::TooMany(what) => ApiError::invalid(
            "job_manifest.too_many",
            &[("what", what), ("max", &ork_jobs::manifest::MAX_ITEMS)],
        ),
        M::BadName(name) => ApiError::invalid("job_manifest.bad_name", &[("name", name)]),
        M::NotAScript(name) => ApiError::invalid("job_manifest.not_a_script", &[("name", name)]),
        M::MissingScript(name) => {
            ApiError::invalid("job_manifest.missing_script", &[("name", name)])
        }
        M::UnusedScript(name) => ApiError::invalid("job_manifest.unused_script", &[("name", name)]),
        M::ScriptTooLarge { name, max } => ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "job_script_too_large",
            &[("name", name), ("kib", &(max / 1024))],
        ),
        M::NotText(name) => ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "job_script_not_text",
            &[("name", name)],
        ),
        M::SqlOutput(name) => ApiError::invalid("job_manifest.sql_output", &[("name", name)]),
        M::Twice(name) => ApiError::invalid("job_manifest.twice", &[("name", name)]),
        M::BadTable(name) => ApiError::invalid("job_manifest.bad_table", &[("name", name)]),
    }
}

/// A job as it was asked for: the manifest's text and the scripts with their file names.
pub struct Submission {
    pub manifest: String,
    pub scripts: Vec<(String, Vec<u8>)>,
}

/// The seal's context of a job's file (so a sealed file cannot pass for another).
pub fn context(job: &str, part: &str) -> String {
    format!("{job}/{part}")
}

/// A script or output as a job keeps it: the plain bytes' size and SHA-256, the bytes sealed
/// under the workspace's data key for `part/name` of the job.
pub struct Sealed {
    name: String,
    sha256: String,
    bytes: Vec<u8>,
    size: i64,
}

impl Sealed {
    pub fn new(
        key: &ork_workspace::DataKey,
        job: &str,
        part: &str,
        name: &str,
        plain: &[u8],
    ) -> Self {
        Self {
            name: name.to_owned(),
            sha256: ork_jobs::manifest::sha256_hex(plain),
            bytes: key.seal_bytes(&context(job, &format!("{part}/{name}")), plain),
            size: i64::try_from(plain.len()).unwrap_or(i64::MAX),
        }
    }

    pub fn file(&self) -> NewJobFile<'_> {
        NewJobFile {
            name: &self.name,
            size: self.size,
            sha256: &self.sha256,
            sealed: &self.bytes,
        }
    }
}

/// Submits a job to a workspace the user may work in: everything is checked (the manifest,
/// its scripts, the tables and earlier jobs it names, the resources against the regime)
/// before the job and its sealed scripts are kept and queued, audited with each script's
/// SHA-256.
pub async fn submit(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
    sub: &Submission,
) -> Result<Job, ApiError> {
    // The workspace first: nothing of the submission is judged for one the user cannot enter.
    let e = workspaces::enter_to_write(state, p, client, ws_id).await?;
    let sandbox = state.jobs.sandbox().ok_or_else(|| unavailable(state))?;
    let mut scripts = BTreeMap::new();
    for (name, bytes) in &sub.scripts {
        // A script too large is refused before its text is looked at.
        if bytes.len() > MAX_SCRIPT_BYTES {
            return Err(manifest_error(&ManifestError::ScriptTooLarge {
                name: name.clone(),
                max: MAX_SCRIPT_BYTES,
            }));
        }
        if scripts.insert(name.clone(), bytes.clone()).is_some() {
            return Err(manifest_error(&ManifestError::Twice(name.clone())));
        }
    }
    let manifest = Manifest::parse(&sub.manifest, &scripts).map_err(|e| manifest_error(&e))?;
    if let Some(l) = ork_jobs::job::missing_language(sandbox, &manifest) {
        return Err(ApiError::invalid(
            "job_language_unavailable",
            &[("language", &l.as_str())],
        ));
    }
    let (snapshot, tables) = workspaces::visible_tables(state, &e.ws.id, None).await?;
    let known: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let unknown: Vec<&str> = manifest
        .tables
        .iter()
        .map(String::as_str)
        .filter(|t| !known.contains(t))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::invalid(
            "job_unknown_tables",
            &[
                ("tables", &unknown.join(", ")),
                (
                    "known",
                    &known.iter().copied().collect::<Vec<_>>().join(", "),
                ),
            ],
        ));
    }
    let mut missing = Vec::new();
    for j in &manifest.jobs {
        match state.store.job(j).await? {
            Some(earlier) if earlier.workspace_id == e.ws.id && earlier.state == "succeeded" => {}
            _ => missing.push(j.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::invalid(
            "job_unknown_jobs",
            &[("jobs", &missing.join(", "))],
        ));
    }
    let (regime, _) = crate::workspaces::lifecycle::regime(state, &e.ws).await?;
    let limits = manifest.resources.limits(&bounds(&regime)).map_err(|x| {
        ApiError::invalid(
            "job_resources",
            &[
                ("resource", &x.resource),
                ("asked", &x.asked),
                ("max", &x.max),
            ],
        )
    })?;
    let pending = state
        .store
        .jobs_of(&e.ws.id)
        .await?
        .iter()
        .filter(|j| j.state == "queued" || j.state == "running")
        .count();
    if pending >= MAX_PENDING {
        return Err(ApiError::of(
            StatusCode::TOO_MANY_REQUESTS,
            "job_queue_full",
            &[("max", &MAX_PENDING)],
        ));
    }
    let key = workspaces::data_key(state, &e.ws.id)?;
    let id = crate::ids::new_id("job");
    let sealed: Vec<Sealed> = scripts
        .iter()
        .map(|(name, bytes)| Sealed::new(&key, &id, "script", name, bytes))
        .collect();
    let files: Vec<NewJobFile> = sealed.iter().map(Sealed::file).collect();
    let limits_text = serde_json::to_string(&KeptLimits::from(limits))
        .map_err(|e| ApiError::from(anyhow::anyhow!(e)))?;
    let mut tx = state.store.write().await?;
    tx.create_job(
        &p.audit_source(client, None),
        &NewJob {
            id: &id,
            workspace_id: &e.ws.id,
            name: &manifest.name,
            manifest: &sub.manifest,
            snapshot: snapshot.number,
            limits: &limits_text,
            submitted_by: p.user.id,
            scripts: &files,
            tables: &manifest.tables,
            jobs: &manifest.jobs,
            outputs: &manifest.outputs,
        },
    )
    .await?;
    // The job as submitted (queued), read in its own transaction: the answer never depends
    // on how soon a runner takes it.
    let job = tx
        .job(&id)
        .await?
        .ok_or_else(|| ApiError::from(anyhow::anyhow!("job {id} vanished")))?;
    tx.commit().await?;
    state.jobs.wake.notify_one();
    Ok(job)
}

/// The workspace's jobs, newest first, for those who may enter it.
pub async fn list(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
) -> Result<(Entered, Vec<Job>), ApiError> {
    let e = workspaces::enter(state, p, client, ws_id).await?;
    let jobs = state.store.jobs_of(&e.ws.id).await?;
    Ok((e, jobs))
}

/// A job, for those who may enter its workspace (anyone else: 404, audited as a refusal by
/// the workspace).
pub async fn find(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<(Entered, Job), ApiError> {
    let job = state.store.job(id).await?.ok_or_else(not_found)?;
    let e = workspaces::enter(state, p, client, &job.workspace_id)
        .await
        .map_err(|e| match e.status {
            StatusCode::NOT_FOUND => not_found(),
            _ => e,
        })?;
    Ok((e, job))
}

/// Cancels a job: a queued one at once, a running one stopped by its runner (it ends as
/// `cancelled`). For the permit's named users; 409 when it has ended.
pub async fn cancel(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<Job, ApiError> {
    let (e, job) = find(state, p, client, id).await?;
    workspaces::enter_to_write(state, p, client, &e.ws.id).await?;
    let mut tx = state.store.write().await?;
    let was = tx
        .cancel_job(&p.audit_source(client, None), &job.id)
        .await?;
    tx.commit().await?;
    match was.as_deref() {
        None => Err(ApiError::of(
            StatusCode::CONFLICT,
            "job_ended",
            &[("state", &job.state)],
        )),
        Some(w) => {
            if w == "running" {
                state.jobs.stop(&job.id);
            }
            state.jobs.wake.notify_one();
            state.store.job(&job.id).await?.ok_or_else(not_found)
        }
    }
}

/// A job's log and the line that says why it failed, opened; the reading is audited (the
/// log may hold row-level data). Empty while it has not ended.
pub async fn log(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<(Job, String, Option<String>), ApiError> {
    let (e, job) = find(state, p, client, id).await?;
    let (log, detail) = state.store.job_log(&job.id).await?;
    if log.is_none() {
        return Ok((job, String::new(), None));
    }
    let key = workspaces::data_key(state, &e.ws.id)?;
    let open = |sealed: Option<Vec<u8>>, part: &str| -> Result<Option<String>, ApiError> {
        sealed
            .map(|s| {
                key.open_bytes(&context(&job.id, part), &s)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .ok_or_else(|| ApiError::of(StatusCode::GONE, "job_destroyed", &[]))
            })
            .transpose()
    };
    let text = open(log, "log")?.unwrap_or_default();
    let detail = open(detail, "detail")?;
    let mut tx = state.store.write().await?;
    tx.audit(
        &p.audit_source(client, None),
        "job.log_read",
        "job",
        &job.id,
        serde_json::json!({"workspace": e.ws.id}),
    )
    .await?;
    tx.commit().await?;
    Ok((job, text, detail))
}

/// The e-mail of a user id, for the bodies (empty when unknown).
pub async fn email_of(state: &AppState, id: i64) -> Result<String, ApiError> {
    Ok(state
        .store
        .user_by_id(id)
        .await?
        .map(|u| u.email.to_string())
        .unwrap_or_default())
}
