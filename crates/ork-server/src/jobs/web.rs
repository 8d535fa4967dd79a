//! Jobs in the portal: a workspace's jobs with the form to submit one and the software the
//! sandbox offers, and one job's page, which follows it while it waits or runs and then
//! shows what it used, its outputs and its log.

use super::dto::{self, JobBody};
use super::service;
use super::state::Availability;
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, render};
use crate::workspaces::service as workspaces;
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ork_jobs::software::Package;

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    c: Chrome,
    id: String,
    title: String,
    /// Why jobs cannot be submitted here now (the sandbox, the workspace), if they cannot.
    unavailable: Option<String>,
    member: bool,
    jobs: Vec<JobBody>,
    software: Vec<Package>,
    /// The manifest as sent (again after an error), or an example over the workspace's
    /// tables.
    manifest: String,
    error: Option<String>,
}

/// A job's body as the pages show it: times to the minute.
fn shown(mut b: JobBody) -> JobBody {
    let minute = crate::workspaces::web::minute;
    b.submitted_at = minute(&b.submitted_at);
    b.started_at = b.started_at.as_deref().map(minute);
    b.finished_at = b.finished_at.as_deref().map(minute);
    b
}

/// An example manifest over the first of the workspace's tables.
fn example(tables: &[String]) -> String {
    let t = tables.first().map_or("table", String::as_str);
    format!(
        "name = \"Counts by year\"\ntables = [\"{t}\"]\noutputs = [\"counts.csv\"]\n\n[[steps]]\nscript = \"counts.py\"\n"
    )
}

async fn jobs_page_of(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<JobsPage, ApiError> {
    let lang = c.t.lang;
    let (e, jobs) = service::list(state, p, client, id).await?;
    let member = workspaces::named(&e.scope, p);
    let tables: Vec<String> = match workspaces::visible_tables(state, &e.ws.id, None).await {
        Ok((_, t)) => t.into_iter().map(|t| t.name).collect(),
        Err(_) => Vec::new(),
    };
    let unavailable = match &state.jobs.availability {
        Availability::Ready(_) if e.ws.state == "ready" => None,
        Availability::Ready(_) => Some(crate::i18n::say(
            lang,
            "workspace_closed",
            &[(
                "state",
                &crate::i18n::text(lang, &format!("ws.state.{}", e.ws.state)),
            )],
        )),
        _ => Some(service::unavailable(state).message(lang).to_owned()),
    };
    let mut bodies = Vec::with_capacity(jobs.len());
    for j in jobs {
        bodies.push(shown(dto::body(state, j, lang).await?));
    }
    Ok(JobsPage {
        id: e.ws.id.clone(),
        title: e.ws.title.clone(),
        unavailable,
        member,
        jobs: bodies,
        software: state.jobs.software.clone(),
        manifest: example(&tables),
        error: None,
        c,
    })
}

/// GET /workspaces/{id}/jobs.
pub async fn jobs_page(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let page = jobs_page_of(&state, c, &p, &client, &id).await?;
    Ok(render(lang, &page))
}

/// POST /workspaces/{id}/jobs: the submission form (`multipart/form-data`, as the API's).
pub async fn submit_post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut manifest = None;
    let submitted = async {
        let bytes = crate::body::read_limited(body, super::api::MAX_FORM_BYTES).await?;
        let sub = super::api::submission(&ct, bytes).await?;
        manifest = Some(sub.manifest.clone());
        service::submit(&state, &p, &client, &id, &sub).await
    }
    .await;
    let (error, status) = match submitted {
        Ok(job) => return Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND && e.code == "workspace_not_found" => {
            return Err(e);
        }
        Err(e) if e.status.is_client_error() || e.status == StatusCode::SERVICE_UNAVAILABLE => {
            (e.message(lang).to_owned(), e.status)
        }
        Err(e) => return Err(e),
    };
    let mut page = jobs_page_of(&state, c, &p, &client, &id).await?;
    if let Some(m) = manifest {
        page.manifest = m;
    }
    page.error = Some(error);
    let mut res = render(lang, &page);
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    c: Chrome,
    job: JobBody,
    title: String,
    /// The log and its failing line, once the job has ended.
    log: Option<String>,
    detail: Option<String>,
    member: bool,
    /// Still waiting or running: the page follows it.
    live: bool,
    /// Why sending an output to the airlock did not work.
    error: Option<String>,
}

/// GET /jobs/{id}: the job, followed while it waits or runs; its log once it has ended
/// (each reading audited).
pub async fn job_page(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let page = job_page_of(&state, c, &client, &p, &id).await?;
    Ok(render(lang, &page))
}

async fn job_page_of(
    state: &AppState,
    c: Chrome,
    client: &ClientAddr,
    p: &Principal,
    id: &str,
) -> Result<JobPage, ApiError> {
    let lang = c.t.lang;
    let (e, job) = service::find(state, p, client, id).await?;
    let live = job.state == "queued" || job.state == "running";
    let (log, detail) = if live {
        (None, None)
    } else {
        let (_, text, detail) = service::log(state, p, client, id).await?;
        (Some(text), detail)
    };
    Ok(JobPage {
        member: workspaces::named(&e.scope, p),
        title: e.ws.title.clone(),
        job: shown(dto::body(state, job, lang).await?),
        log,
        detail,
        live,
        error: None,
        c,
    })
}

/// POST /jobs/{id}/airlock: one of the job's outputs to the airlock (`file`, `title`), then
/// to the output's page; an error is shown on the job's page.
pub async fn airlock_post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let made = crate::airlock::make::create_from_job(
        &state,
        &p,
        &client,
        &id,
        &crate::airlock::make::NewJobOutput {
            file: crate::web::form_value(&form, "file"),
            title: crate::web::form_value(&form, "title"),
            description: "",
        },
    )
    .await;
    let error = match made {
        Ok(o) => return Ok(Redirect::to(&format!("/outputs/{}", o.id)).into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => e,
        Err(e) => return Err(e),
    };
    let mut page = job_page_of(&state, c, &client, &p, &id).await?;
    page.error = Some(error.message(lang).to_owned());
    let mut res = render(lang, &page);
    *res.status_mut() = error.status;
    Ok(res)
}

/// POST /jobs/{id}/cancel.
pub async fn cancel_post(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match service::cancel(&state, &p, &client, &id).await {
        // Ended meanwhile: the page shows how.
        Ok(_) => {}
        Err(e) if e.status == StatusCode::CONFLICT && e.code == "job_ended" => {}
        Err(e) => return Err(e),
    }
    let job = state.store.job(&id).await?.ok_or_else(service::not_found)?;
    Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response())
}
