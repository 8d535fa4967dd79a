//! Quick tests: a cohort definition in, protected counts out, priced and logged per
//! organisation; the cohort builder, saved cohorts, the monthly statement, the code search.

pub mod api;
mod builder;
pub mod dto;
pub mod service;
mod state;
mod view;
mod web;

pub use state::{IndexStatus, LoadedIndex, QuickTestState, UserHistory, registers_id};

use crate::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create))
        .routes(routes!(api::statement_get))
        .routes(routes!(api::codes))
        .routes(routes!(api::cohort_create, api::cohort_list))
        .routes(routes!(api::cohort_get, api::cohort_update))
        .routes(routes!(api::cohort_run))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/quicktests", get(web::form).post(web::submit))
        .route("/quicktests/statement", get(web::statement))
}
