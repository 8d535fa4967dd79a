//! Accounts: signing in and out, the language choice, API tokens, the account page, and the
//! operator's organisations, users and roles.

pub mod api;
mod login;
mod me;
mod operator;
pub mod service;
mod web;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me::me))
        .routes(routes!(api::list, api::create))
        .routes(routes!(api::revoke))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang", post(login::set_language))
        .route("/account", get(web::page))
        .route("/account/tokens", post(web::create_token))
        .route("/account/tokens/{id}/revoke", post(web::revoke_token))
        .route("/operator", get(operator::page))
        .route("/operator/orgs", post(operator::add_org))
        .route("/operator/users", post(operator::add_user))
        .route("/operator/memberships", post(operator::grant))
        .route("/operator/memberships/revoke", post(operator::revoke))
        .route("/operator/users/state", post(operator::set_account_state))
        .route(
            "/operator/users/certification",
            post(operator::set_certification),
        )
}
