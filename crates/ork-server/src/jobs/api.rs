//! Jobs in the API: submit (a manifest and its scripts), list a workspace's jobs, read one
//! and its log, cancel.

use super::dto::{self, JobBody, JobForm, JobList};
use super::service::{self, Submission};
use crate::api::UserLang;
use crate::auth::{ApiUser, ClientAddr};
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The most a submission may be: every script at its largest, and the manifest.
pub(super) const MAX_FORM_BYTES: usize = ork_jobs::manifest::MAX_ITEMS
    * (ork_jobs::manifest::MAX_SCRIPT_BYTES + 4096)
    + ork_jobs::manifest::MAX_MANIFEST_BYTES
    + 64 * 1024;

/// The manifest and the scripts of a submission (`manifest` once, `scripts` up to 20 times,
/// each named by its file name; a page's form also has `_csrf`).
pub(super) async fn submission(
    content_type: &str,
    body: axum::body::Bytes,
) -> Result<Submission, ApiError> {
    let bad = || ApiError::invalid("invalid_multipart.job", &[]);
    let mut form = crate::body::files_form(
        content_type,
        body,
        &["manifest"],
        "scripts",
        ork_jobs::manifest::MAX_ITEMS,
        bad,
    )
    .await?;
    let manifest = form.texts.remove("manifest").ok_or_else(bad)?;
    let scripts = form
        .files
        .into_iter()
        .map(|(name, bytes)| (name, bytes.to_vec()))
        .collect();
    Ok(Submission { manifest, scripts })
}

/// Submits a job (`multipart/form-data`: `manifest`, the manifest's TOML text, and
/// `scripts`, each script under its file name). Everything is checked before it is queued:
/// the manifest, each script (text, at most 1 MiB), the tables (they must be in the
/// workspace's latest snapshot; the error names those that are not), the earlier jobs (this
/// workspace's, succeeded), the resources (at most the regime's limits; the error names the
/// limit). It runs in the sandbox: no network, the tables read-only, limits on CPU time,
/// memory, processes and disk; its outputs stay in the workspace until the airlock releases
/// them. For the permit's named, certified users; audited with each script's SHA-256.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/jobs", tag = "jobs", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    request_body(content = JobForm, content_type = "multipart/form-data"),
    responses((status = 201, body = JobBody),
        (status = 400, description = "A bad form or manifest (the reason names what), tables or earlier jobs the workspace does not have (named), more resources than the regime allows (the limit named), or a language this server does not offer", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, the workspace closed, or only reading it", body = crate::api::ErrorBody),
        (status = 404, description = "No such workspace, or the permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody),
        (status = 413, description = "A script over 1 MiB, a manifest over 64 KiB, or the whole over its limit", body = crate::api::ErrorBody),
        (status = 415, description = "Not multipart/form-data, or a script that is not text", body = crate::api::ErrorBody),
        (status = 429, description = "The workspace has 20 jobs waiting or running", body = crate::api::ErrorBody),
        (status = 503, description = "Jobs are not set up on this server, or the sandbox cannot be made here (the reason says why)", body = crate::api::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<JobBody>), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected_multipart.job",
            &[],
        ));
    }
    let bytes = crate::body::read_limited(body, MAX_FORM_BYTES).await?;
    let sub = submission(&ct, bytes).await?;
    let job = service::submit(&state, &p, &client, &id, &sub).await?;
    Ok((
        StatusCode::CREATED,
        Json(dto::body(&state, job, lang).await?),
    ))
}

/// A workspace's jobs, newest first. For those who may enter it.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/jobs", tag = "jobs", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    responses((status = 200, body = JobList), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, or the workspace closed", body = crate::api::ErrorBody),
        (status = 404, description = "No such workspace, or the permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
) -> Result<Json<JobList>, ApiError> {
    let (_, jobs) = service::list(&state, &p, &client, &id).await?;
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        out.push(dto::body(&state, j, lang).await?);
    }
    Ok(Json(JobList { jobs: out }))
}

/// A job: its state, why it did not succeed, what it used, its scripts and outputs. For those
/// who may enter its workspace.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses((status = 200, body = JobBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, or the workspace closed", body = crate::api::ErrorBody),
        (status = 404, description = "No such job, or its workspace's permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
) -> Result<Json<JobBody>, ApiError> {
    let (_, job) = service::find(&state, &p, &client, &id).await?;
    Ok(Json(dto::body(&state, job, lang).await?))
}

/// A job's log (plain text): each step's output and how it ended. It may hold row-level
/// data, so it is shown to those who may enter the workspace only, and each reading is in
/// the audit trail. Empty until the job ends.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/log", tag = "jobs", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses((status = 200, description = "The log", content_type = "text/plain", body = String),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, or the workspace closed", body = crate::api::ErrorBody),
        (status = 404, description = "No such job, or its workspace's permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody),
        (status = 410, description = "The workspace's data key has been destroyed", body = crate::api::ErrorBody)))]
pub async fn log(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, text, _) = service::log(&state, &p, &client, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}

/// Cancels a job: a queued one at once, a running one is stopped (it ends `cancelled`). For
/// the permit's named users; 409 when it has ended.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses((status = 200, body = JobBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, the workspace closed, or only reading it", body = crate::api::ErrorBody),
        (status = 404, description = "No such job, or its workspace's permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The job has ended, or the workspace is still being provisioned", body = crate::api::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
) -> Result<Json<JobBody>, ApiError> {
    let job = service::cancel(&state, &p, &client, &id).await?;
    Ok(Json(dto::body(&state, job, lang).await?))
}

/// The workspace's dummy twin as a ZIP file: its latest snapshot's tables
/// (`<table>.parquet`) with the same columns and types and synthetic rows, and a README. Code
/// developed on it runs unchanged inside (`orkestrator job run --dummy DIR job.toml` runs it
/// locally as the platform does). For those who may enter the workspace; made on the first
/// download of a snapshot, then kept.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/dummy", tag = "jobs", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "The twin", content_type = "application/zip", body = Vec<u8>),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, or the workspace closed", body = crate::api::ErrorBody),
        (status = 404, description = "No such workspace, or the permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody),
        (status = 503, description = "Jobs are not set up on this server", body = crate::api::ErrorBody)))]
pub async fn dummy(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let twin = super::dummy::twin(&state, &p, &client, &id).await?;
    let bytes = super::dummy::zip(&twin).map_err(ApiError::from)?;
    let mut tx = state.store.write().await?;
    tx.audit(
        &p.audit_source(&client, None),
        "workspace.dummy_download",
        "workspace",
        &twin.workspace,
        serde_json::json!({"snapshot": twin.snapshot, "tables": twin.tables}),
    )
    .await?;
    tx.commit().await?;
    let name = format!("dummy-{}-{}.zip", twin.workspace, twin.snapshot);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
