//! The approval roadmap: a project's needs in, the steps, their order and durations out;
//! the precedents and the rulebook with its versions.

#[allow(unused_qualifications)]
mod api;
mod form;
mod service;
mod state;
pub(crate) mod view;
mod web;

pub use state::{RulesState, precedent_of, read_history};

use crate::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::roadmap))
        .routes(routes!(api::precedents))
        .routes(routes!(api::rulebook))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/roadmap", get(web::form))
        .route("/roadmap/plan", get(web::plan))
        .route("/precedents", get(web::precedents))
        .route("/rulebook", get(web::rulebook))
        .route("/rulebook/changes", get(web::changes))
}
