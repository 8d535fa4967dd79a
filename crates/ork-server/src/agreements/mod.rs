//! Agreements: the data processing agreements, joint-controller arrangements and transfer
//! agreements a case needs besides its approvals, generated from the rulebook's templates
//! when the application is submitted, signed by the applicant and each party (identity and
//! the SHA-256 of the exact text, in the audit trail), and tracked like a part: no permit
//! while one is unsigned. `service.rs` holds the rules, `api.rs` and `web.rs` show them.

#[allow(unused_qualifications)]
pub mod api;
pub mod service;
mod web;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::mine))
        .routes(routes!(api::of_application))
        .routes(routes!(api::get))
        .routes(routes!(api::sign))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/agreements", get(web::list))
        .route("/agreements/{id}", get(web::page))
        .route("/agreements/{id}/sign", post(web::sign))
}
