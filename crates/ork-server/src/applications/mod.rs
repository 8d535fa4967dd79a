//! Applications: one form stated once, split field by field to each authority's part,
//! tracked to a decision. `service.rs` is the applicant's side (drafts, answers, the form),
//! `submit.rs` submission, resubmission and withdrawal; `amend.rs` amendments to a permit (`amend_page.rs` in the portal); `uploads.rs` files for attachment
//! answers; `dto.rs` the API's bodies; `web.rs` the applicant's pages (`timeline.rs` the
//! parts' clocks as a picture), `form_page.rs` the
//! form in the portal and `form_read.rs` its inputs read back into answers.

pub mod amend;
mod amend_page;
pub mod api;
pub mod dto;
pub(crate) mod form_page;
mod form_read;
pub mod service;
pub mod submit;
mod timeline;
pub mod uploads;
mod web;

use crate::AppState;
use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create, api::list))
        .routes(routes!(api::get, api::patch))
        .routes(routes!(api::submit))
        .routes(routes!(api::withdraw))
        .routes(routes!(api::invite))
        .routes(routes!(api::form))
        .routes(routes!(uploads::create))
        .routes(routes!(api::amend))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/applications", get(web::list))
        .route("/applications/new", axum::routing::post(form_page::create))
        .route("/applications/{id}", get(web::show))
        .route(
            "/applications/{id}/edit",
            get(form_page::show).post(form_page::save),
        )
        .route(
            "/applications/{id}/answer",
            axum::routing::post(web::answer),
        )
        .route(
            "/permits/{id}/amend",
            get(amend_page::show).post(amend_page::post),
        )
}
