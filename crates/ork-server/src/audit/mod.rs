//! The audit trail in the portal and the API: searching events and verifying the chain.

// utoipa's IntoParams expansion for the query struct writes fully qualified paths.
#[allow(unused_qualifications)]
mod api;
mod service;
mod web;

use crate::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::search))
        .routes(routes!(api::verify))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(web::page))
        .route("/audit/verify", get(web::verify))
}
