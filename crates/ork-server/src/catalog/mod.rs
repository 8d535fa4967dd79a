//! The data catalog: sources and their documentation, search with facets, the steward's
//! edits with history, comparison, the basket, and the DCAT-AP export.

#[allow(unused_qualifications)]
pub mod api;
pub mod dto;
mod edit;
pub mod service;
mod state;
mod web;

pub use state::CatalogState;

use crate::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::sources))
        .routes(routes!(api::source))
        .routes(routes!(api::search))
        .routes(routes!(api::dcat))
        .routes(routes!(api::basket))
        .routes(routes!(api::basket_add, api::basket_remove))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(web::search))
        .route("/catalog/sources/{id}", get(web::source))
        .route(
            "/catalog/sources/{id}/edit",
            get(edit::edit_form).post(edit::edit_save),
        )
        .route("/catalog/sources/{id}/history", get(edit::history))
        .route("/catalog/compare", get(web::compare))
        .route("/catalog/basket", get(web::basket).post(web::basket_change))
}
