//! The airlock (issue 19; seeds 000 and 001): outputs leave a workspace only through it. A
//! project member makes an output — a safe table or model the platform computes from a query
//! and checks by the workspace's strictest regime (`compute.rs`, on `ork-airlock`), or a file
//! for a person's review (`content.rs`: its type from its bytes, identifiers blocked) — and
//! asks for its release; an output checker at a controller of the data, never the requester,
//! approves, rejects or asks (`service.rs`; `make.rs` makes the outputs). Only approved outputs can be downloaded, only by
//! the project's members. `api.rs` is the JSON API (`dto.rs` its bodies), `web.rs` the pages: the table builder on
//! the workspace page, an output's page, the checkers' queue.

#[allow(unused_qualifications)]
pub mod api;
mod builder;
pub mod compute;
pub mod content;
pub mod dto;
pub mod make;
pub mod service;
mod web;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create))
        .routes(routes!(api::from_job))
        .routes(routes!(api::list))
        .routes(routes!(api::get))
        .routes(routes!(api::request))
        .routes(routes!(api::review))
        .routes(routes!(api::download))
        .routes(routes!(api::review_file))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/workspaces/{id}/outputs",
            get(builder::new_page).post(builder::create),
        )
        .route("/workspaces/{id}/outputs/file", post(builder::create_file))
        .route("/outputs", get(web::list_page))
        .route("/outputs/{id}", get(web::page).post(web::act))
        .route("/outputs/{id}/file", get(web::file))
        .route("/outputs/{id}/download", get(web::download))
}
