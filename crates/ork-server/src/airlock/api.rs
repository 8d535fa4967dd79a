//! The airlock in the API: make an output in a workspace (a safe table or model from a
//! query, or a file for manual review), ask for its release, the checkers' queue and the
//! project's outputs, a checker's decision, and the download of an approved output.

pub use super::dto::{
    CreateOutputBody, OutputBody, OutputDetail, OutputEventBody, OutputFile, OutputFileForm,
    OutputFromJobBody, OutputList, OutputReleaseBody, OutputRequestBody, OutputReviewBody,
    OutputReviewDecision, OutputSpecBody,
};
use super::make::{self, NewFileOutput, NewSpecOutput};
use super::service::{self, Access, STATES};
use crate::api::{ApiJson, query_pairs};
use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ork_store::Output;
use serde_json::Value;
use std::collections::HashMap;

struct Emails<'a> {
    state: &'a AppState,
    known: HashMap<i64, String>,
}

impl Emails<'_> {
    async fn of(&mut self, id: i64) -> Result<String, ApiError> {
        if let Some(e) = self.known.get(&id) {
            return Ok(e.clone());
        }
        let email = self
            .state
            .store
            .user_by_id(id)
            .await?
            .map(|u| u.email.to_string())
            .unwrap_or_default();
        self.known.insert(id, email.clone());
        Ok(email)
    }

    async fn opt(&mut self, id: Option<i64>) -> Result<Option<String>, ApiError> {
        match id {
            Some(id) => Ok(Some(self.of(id).await?)),
            None => Ok(None),
        }
    }
}

fn parsed(text: Option<&str>) -> Result<Option<Value>, ApiError> {
    text.map(|t| {
        serde_json::from_str(t).map_err(|e| ApiError::from(anyhow::anyhow!("output json: {e}")))
    })
    .transpose()
}

/// An output as the API shows it to `p`.
pub async fn body(
    state: &AppState,
    p: &Principal,
    o: Output,
    a: Access,
) -> Result<OutputBody, ApiError> {
    let mut emails = Emails {
        state,
        known: HashMap::new(),
    };
    let project = state
        .store
        .workspace(&o.workspace_id)
        .await?
        .map(|w| w.title)
        .unwrap_or_default();
    let mut history = Vec::new();
    for e in state.store.output_events(&o.id).await? {
        history.push(OutputEventBody {
            user: e.user_email,
            action: e.action,
            text: e.text,
            at: iso(e.at),
        });
    }
    let own = o.created_by == p.user.id || o.requested_by == Some(p.user.id);
    Ok(OutputBody {
        may_request: a.member && matches!(o.state.as_str(), "draft" | "asked"),
        may_review: a.checker && !own && o.state == "requested",
        may_download: a.member && o.state == "approved",
        created_by: emails.of(o.created_by).await?,
        requested_by: emails.opt(o.requested_by).await?,
        decided_by: emails.opt(o.decided_by).await?,
        spec: parsed(o.spec.as_deref())?,
        rules: parsed(Some(&o.rules))?.unwrap_or(Value::Null),
        checks: service::report(state, &o)?.unwrap_or(Value::Null),
        file: OutputFile {
            name: o.filename,
            media_type: o.media_type,
            size: o.size,
            sha256: o.sha256,
        },
        id: o.id,
        workspace: o.workspace_id,
        project,
        kind: o.kind,
        title: o.title,
        description: o.description,
        state: o.state,
        status: o.status,
        sql: o.sql,
        snapshot: o.snapshot,
        created_at: iso(o.created_at),
        requested_at: o.requested_at.map(iso),
        decided_at: o.decided_at.map(iso),
        reason: o.reason,
        history,
    })
}

/// An output with the project's earlier releases.
pub async fn detail(
    state: &AppState,
    p: &Principal,
    o: Output,
    a: Access,
) -> Result<OutputDetail, ApiError> {
    let mut emails = Emails {
        state,
        known: HashMap::new(),
    };
    let mut earlier = Vec::new();
    for r in state.store.outputs_of(&o.workspace_id).await? {
        if r.state == "approved" && r.id != o.id {
            earlier.push(OutputReleaseBody {
                released_by: emails.opt(r.decided_by).await?,
                released_at: r.decided_at.map(iso),
                id: r.id,
                title: r.title,
                kind: r.kind,
                sha256: r.sha256,
            });
        }
    }
    Ok(OutputDetail {
        output: body(state, p, o, a).await?,
        earlier_releases: earlier,
    })
}

async fn answer(state: &AppState, p: &Principal, o: Output) -> Result<Json<OutputBody>, ApiError> {
    let w = state
        .store
        .workspace(&o.workspace_id)
        .await?
        .ok_or_else(service::not_found)?;
    let a = service::access(state, p, &w).await?;
    Ok(Json(body(state, p, o, a).await?))
}

/// Makes an output in a workspace, kept as a draft with its automatic checks: a safe table
/// or model (`application/json`: a spec over a query, computed by the platform over the
/// snapshot and checked by the workspace's strictest regime; the query is in the project's
/// log), or a file for manual review (`multipart/form-data`: `title`, `description`,
/// `file`). An output laid out by identifiers (pseudonyms, CPR numbers) or made of single
/// rows is blocked with the reason. For the permit's named, certified users while the
/// workspace is ready.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/outputs", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    request_body(content((CreateOutputBody = "application/json"), (OutputFileForm = "multipart/form-data"))),
    responses((status = 201, body = OutputBody),
        (status = 400, description = "A bad title, description, query or spec (a spec naming columns the query does not give names them), blocked (identifiers or row-level data; the reason says which), an empty file or a bad form", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, the workspace closed, or the SQL reaches outside the workspace", body = crate::api::ErrorBody),
        (status = 404, description = "No such workspace or snapshot, or the permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody),
        (status = 413, description = "A file over 10 MiB", body = crate::api::ErrorBody),
        (status = 415, description = "Neither JSON nor multipart/form-data, or a file whose bytes are not what its name says or of a type the airlock does not take", body = crate::api::ErrorBody),
        (status = 503, description = "Workspaces are not set up on this server", body = crate::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<OutputBody>), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let o = match essence.as_str() {
        "multipart/form-data" => {
            let bytes =
                crate::body::read_limited(body, super::content::MAX_FILE_BYTES + 64 * 1024).await?;
            let f = form(&ct, bytes).await?;
            make::create_file(
                &state,
                &p,
                &client,
                &id,
                &NewFileOutput {
                    title: &f.title,
                    description: &f.description,
                    filename: &f.filename,
                    bytes: &f.file,
                },
            )
            .await?
        }
        "application/json" => {
            let bytes = crate::body::read_limited(body, state.config.max_body_bytes).await?;
            let b: CreateOutputBody = crate::api::parse_json(&bytes)?;
            if !b.spec.is_object() {
                return Err(ApiError::invalid(
                    "output_spec_invalid",
                    &[("reason", &"the spec must be a JSON object")],
                ));
            }
            make::create_spec(
                &state,
                &p,
                &client,
                &id,
                &NewSpecOutput {
                    title: &b.title,
                    description: &b.description,
                    sql: &b.sql,
                    snapshot: b.snapshot,
                    spec: &b.spec.to_string(),
                },
            )
            .await?
        }
        _ => {
            return Err(ApiError::of(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                &[],
            ));
        }
    };
    let Json(out) = answer(&state, &p, o).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// A file output's form as read.
pub(super) struct FileForm {
    pub title: String,
    pub description: String,
    pub filename: String,
    pub file: axum::body::Bytes,
}

/// The parts of a file output's form: `title`, `description` (optional) and `file` (a page's
/// form also has `_csrf`, which the middleware checked).
pub(super) async fn form(
    content_type: &str,
    body: axum::body::Bytes,
) -> Result<FileForm, ApiError> {
    let bad = || ApiError::invalid("invalid_multipart.output", &[]);
    let mut form =
        crate::body::file_form(content_type, body, &["title", "description"], bad).await?;
    match (form.texts.remove("title"), form.file) {
        (Some(title), Some((filename, file))) => Ok(FileForm {
            title,
            description: form.texts.remove("description").unwrap_or_default(),
            filename,
            file,
        }),
        _ => Err(bad()),
    }
}

/// Your outputs: those of your projects (every state) and, as an output checker, the
/// requested and decided outputs of the workspaces whose data your organisation controls.
/// `state=requested` is a checker's queue.
#[utoipa::path(get, path = "/api/v1/outputs", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("state" = Option<String>, Query, description = "Only this state (empty: all)", pattern = "^(draft|requested|asked|approved|rejected)?$"),
        ("workspace" = Option<String>, Query, description = "Only this workspace's (empty: all)")),
    responses((status = 200, body = OutputList), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<OutputList>, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let (mut in_state, mut workspace) = (None, None);
    for (k, v) in &pairs {
        match k.as_str() {
            "state" | "workspace" if v.is_empty() => {}
            "state" if STATES.contains(&v.as_str()) => in_state = Some(v.as_str()),
            "state" => return Err(ApiError::invalid("invalid_filter", &[("name", &"state")])),
            "workspace" => workspace = Some(v.as_str()),
            _ => {
                return Err(ApiError::invalid(
                    "unknown_parameter.list",
                    &[("name", k), ("allowed", &"state, workspace")],
                ));
            }
        }
    }
    let mut outputs = Vec::new();
    for (o, a) in service::list(&state, &p, in_state).await? {
        if workspace.is_none_or(|w| w == o.workspace_id) {
            outputs.push(body(&state, &p, o, a).await?);
        }
    }
    Ok(Json(OutputList { outputs }))
}

/// An output with its checks, history and the project's earlier releases: for the
/// project's members, and (once requested) for the output checkers of its data.
#[utoipa::path(get, path = "/api/v1/outputs/{id}", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Output id")),
    responses((status = 200, body = OutputDetail), (status = 401, body = crate::api::ErrorBody),
        (status = 404, description = "No such output, or not yours to see", body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<OutputDetail>, ApiError> {
    let (o, _, a) = service::load(&state, &p, &client, &id).await?;
    Ok(Json(detail(&state, &p, o, a).await?))
}

/// Asks for an output's release with its description (a draft, or one a checker asked
/// about): it goes to the checkers' queue. For the project's certified members while the
/// workspace is ready.
#[utoipa::path(post, path = "/api/v1/outputs/{id}/request", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Output id")),
    request_body = OutputRequestBody,
    responses((status = 200, body = OutputBody),
        (status = 400, description = "No description, or one over 10,000 characters", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a member of the project, not certified, or the workspace closed", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Requested or decided already, or the workspace still being provisioned", body = crate::api::ErrorBody),
        (status = 415, body = crate::api::ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OutputRequestBody>,
) -> Result<Json<OutputBody>, ApiError> {
    let o = service::request(&state, &p, &client, &id, &b.description).await?;
    answer(&state, &p, o).await
}

/// An output checker's decision on a requested output: `approve` (it may then be
/// downloaded by the project's members; the release — who, when, SHA-256 — is in the audit
/// trail), `reject` or `ask` (with a reason). The person who made or asked for the output
/// can never decide it.
#[utoipa::path(post, path = "/api/v1/outputs/{id}/review", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Output id")),
    request_body = OutputReviewDecision,
    responses((status = 200, body = OutputBody),
        (status = 400, description = "Not approve, reject or ask; no reason to reject or ask; a reason over 2,000 characters", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not an output checker of the data, not certified, or your own output", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Not requested (a draft, or decided already)", body = crate::api::ErrorBody),
        (status = 410, description = "The workspace's data key is destroyed: the output is gone", body = crate::api::ErrorBody),
        (status = 415, body = crate::api::ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OutputReviewBody>,
) -> Result<Json<OutputBody>, ApiError> {
    let o = service::review(&state, &p, &client, &id, &b.decision, &b.reason).await?;
    answer(&state, &p, o).await
}

pub(super) fn file_response(o: &Output, bytes: Vec<u8>, disposition: &str) -> Response {
    let mut res = crate::advice::api::download((o.filename.clone(), o.media_type.clone(), bytes));
    if disposition == "inline"
        && let Some(v) = res.headers().get(header::CONTENT_DISPOSITION).cloned()
        && let Ok(h) = v
            .to_str()
            .unwrap_or("")
            .replacen("attachment", "inline", 1)
            .parse()
    {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, h);
    }
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    if let Ok(v) = o.sha256.parse() {
        h.insert("x-checksum-sha256", v);
    }
    res
}

/// An approved output's file, for the project's members; the download is in the audit
/// trail. Anything not approved, and anyone not a member, is refused with 403, logged.
#[utoipa::path(get, path = "/api/v1/outputs/{id}/download", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Output id")),
    responses((status = 200, description = "The file (its SHA-256 in `x-checksum-sha256`)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not approved, or not a member of the project (logged)", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 410, description = "The workspace's data key is destroyed: the output is gone", body = crate::api::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (o, bytes) = service::download(&state, &p, &client, &id).await?;
    Ok(file_response(&o, bytes, "attachment"))
}

/// An output's file for an output checker to look at before deciding (a figure, a text);
/// the look is in the audit trail.
#[utoipa::path(get, path = "/api/v1/outputs/{id}/file", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Output id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not an output checker of the data, or not certified", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 410, description = "The workspace's data key is destroyed: the output is gone", body = crate::api::ErrorBody)))]
pub async fn review_file(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (o, bytes) = service::review_copy(&state, &p, &client, &id).await?;
    Ok(file_response(&o, bytes, "inline").into_response())
}

/// Sends one of a job's outputs to the airlock: a model file (`.pkl`, `.pickle`,
/// `.joblib`, `.rds`, `.onnx`) is described in the sandbox for the checker (its type,
/// observations, residual degrees of freedom, whether it keeps training data: k-nearest
/// neighbours, support vectors, small decision leaves, per-person times) and fails the
/// automatic checks when it keeps training data or has too few degrees of freedom; any other
/// file (PNG, JPEG, PDF, CSV, text) goes to review as a sent file does. It is a draft until
/// requested. For the permit's named, certified users.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/airlock", tag = "airlock", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    request_body = OutputFromJobBody,
    responses((status = 201, body = OutputBody),
        (status = 400, description = "A bad title or description, or a text holding identifiers (blocked)", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, the workspace closed, or only reading it", body = crate::api::ErrorBody),
        (status = 404, description = "No such job or output, or its workspace's permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody),
        (status = 410, description = "The workspace's data key has been destroyed", body = crate::api::ErrorBody),
        (status = 413, description = "A file over 10 MiB", body = crate::api::ErrorBody),
        (status = 415, description = "A file whose bytes are not what its name says, or of a type the airlock does not take", body = crate::api::ErrorBody),
        (status = 503, description = "Workspaces or jobs are not set up on this server", body = crate::api::ErrorBody)))]
pub async fn from_job(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OutputFromJobBody>,
) -> Result<(StatusCode, Json<OutputBody>), ApiError> {
    let o = make::create_from_job(
        &state,
        &p,
        &client,
        &id,
        &make::NewJobOutput {
            file: &b.file,
            title: &b.title,
            description: &b.description,
        },
    )
    .await?;
    let Json(out) = answer(&state, &p, o).await?;
    Ok((StatusCode::CREATED, Json(out)))
}
