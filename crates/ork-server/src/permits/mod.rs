//! Permits: issued when every part of an application approves, signed as an Ed25519 JWT,
//! verifiable by anyone with the published key set; revocable with a reason.

pub mod api;
pub mod service;
mod web;

use crate::AppState;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list))
        .routes(routes!(api::get))
        .routes(routes!(api::jwt))
        .routes(routes!(api::revoke))
        .routes(routes!(api::jwks))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new().route("/permits/{id}", axum::routing::get(web::page))
}
