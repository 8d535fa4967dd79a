//! Case handling: each authority's queue of parts, a part with exactly its rule's fields,
//! assigning, messages with the applicant, and decisions with what follows them.

pub mod api;
pub mod dto;
pub mod service;
pub(crate) mod web;

use crate::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::queue))
        .routes(routes!(api::get))
        .routes(routes!(api::assign))
        .routes(routes!(api::message))
        .routes(routes!(api::decide))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(web::queue))
        .route("/cases/{id}", get(web::show))
        .route("/cases/{id}/decision", axum::routing::post(web::decide))
        .route("/cases/{id}/assign", axum::routing::post(web::assign))
        .route("/cases/{id}/messages", axum::routing::post(web::message))
}
