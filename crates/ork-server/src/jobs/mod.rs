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
