//! The secure analysis workspace (issue 18; seeds 000, 001, 004 and 002 cases 4–5): a
//! permit provisions the project's workspace through one data order per controller
//! (`plan.rs` cuts the permit into orders, `provision.rs` runs the resumable job that
//! extracts them into immutable snapshots), `orders.rs` is the stewards' side (sign-off,
//! suspension), `service.rs` who may enter and the SQL console's queries, `flight.rs` the same
//! queries over Arrow Flight SQL, `lifecycle.rs` how a workspace freezes and ends (deleted or archived), `regimes.rs` (and `regimes_web.rs`) the controllers' security regimes,
//! `api.rs` the JSON API and `web.rs` the pages. Everything of a workspace stays inside it: results leave only through the airlock (`crate::airlock`).

#[allow(unused_qualifications)]
pub mod api;
pub mod flight;
pub mod lifecycle;
pub mod orders;
pub mod own;
pub mod plan;
pub mod provision;
pub mod regimes;
mod regimes_web;
pub mod service;
mod state;
pub(crate) mod web;

pub use provision::{kick, spawn_worker};
pub use state::WorkspaceState;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list))
        .routes(routes!(api::get))
        .routes(routes!(api::query))
        .routes(routes!(api::log))
        .routes(routes!(api::upload))
        .routes(routes!(api::data_orders))
        .routes(routes!(api::sign_off))
        .routes(routes!(api::suspend))
        .routes(routes!(regimes::get_regime, regimes::put_regime))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/workspaces", get(web::list_page))
        .route("/workspaces/{id}", get(web::page).post(web::run))
        .route(
            "/workspaces/{id}/uploads",
            get(web::upload_get).post(web::upload_post),
        )
        .route("/data-orders", get(web::orders_page))
        .route("/regimes", get(regimes_web::list_page))
        .route(
            "/datasets/{id}/regime",
            get(regimes_web::page).post(regimes_web::post),
        )
        .route("/data-orders/{id}", post(web::order_post))
}
