//! Jobs and notebooks in the workspace (issue 20; seeds 000, 002 cases 3–4, 004): a project
//! member's R, Python and SQL scripts run next to the data in the sandbox of `ork-jobs` (no
//! network, the tables read-only, limits on CPU time, memory, processes and disk).
//! `service.rs` holds who may do what and the typed operations, `runner.rs` the queue that
//! runs them, `api.rs` and `dto.rs` the JSON API, `web.rs` the pages. Outputs stay in the
//! workspace: only the airlock releases them.

pub mod api;
pub mod dto;
pub mod dummy;
pub mod notebooks;
pub mod proxy;
pub mod runner;
pub mod service;
mod state;
pub(crate) mod web;

pub use runner::spawn_worker;
pub use state::{Availability, JobsConfig, JobsState};

use crate::AppState;
use axum::Router;
use axum::routing::{any, get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Stops what runs for a workspace whose permit has ended: its running jobs (they end
/// `cancelled`) and its notebooks.
pub async fn stop_workspace(state: &AppState, ws: &str) -> anyhow::Result<()> {
    for job in state.store.jobs_of(ws).await? {
        if job.state == "running" {
            state.jobs.stop(&job.id);
        }
    }
    let sessions: Vec<_> = state
        .jobs
        .notebooks
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|((w, _), _)| w == ws)
        .map(|(_, s)| std::sync::Arc::clone(s))
        .collect();
    for s in sessions {
        s.stop();
    }
    Ok(())
}

/// Removes what the jobs feature keeps of an ended workspace on this server: its users'
/// notebook folders (their notebooks and any data in them) and its dummy twins.
pub fn forget_workspace(state: &AppState, ws: &str) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(&state.jobs.dir) else {
        return Ok(());
    };
    let prefixes = [
        format!("notebook-work-{ws}-"),
        format!("notebook-{ws}-"),
        format!("dummy-{ws}-"),
    ];
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| name.starts_with(p.as_str())) {
            std::fs::remove_dir_all(e.path())?;
        }
    }
    Ok(())
}

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::submit, api::list))
        .routes(routes!(api::get))
        .routes(routes!(api::log))
        .routes(routes!(api::cancel))
        .routes(routes!(api::dummy))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/workspaces/{id}/jobs",
            get(web::jobs_page).post(web::submit_post),
        )
        .route("/jobs/{id}", get(web::job_page))
        .route("/jobs/{id}/cancel", post(web::cancel_post))
        .route("/jobs/{id}/airlock", post(web::airlock_post))
        .route("/workspaces/{id}/notebook", get(proxy::root))
        .route("/workspaces/{id}/notebook/", any(proxy::proxy_root))
        .route("/workspaces/{id}/notebook/{*rest}", any(proxy::proxy))
}
