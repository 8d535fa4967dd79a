//! On behalf of a client (case 4 of the seeds: commercial third parties): a client
//! organisation's representative authorises a consultancy or CRO to prepare and submit
//! applications for it; the client owns the applications and permits, the consultancy sees
//! what the authorisation lets it see, and both are in the audit trail. `service.rs` holds
//! the rules, `api.rs` and `web.rs` show them.

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
        .routes(routes!(api::authorise, api::list))
        .routes(routes!(api::revoke))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/clients", get(web::page).post(web::authorise))
        .route("/clients/{id}/revoke", post(web::revoke))
}
