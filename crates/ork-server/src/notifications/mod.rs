//! Notifications and webhooks: what happened on an application or a part, told to the
//! people it concerns (in the portal, and by e-mail over SMTP when configured) and to the
//! organisations' own systems (webhooks signed per Standard Webhooks), from a durable
//! outbox written in the same transaction as the change. `events.rs` decides who is told
//! what, `delivery.rs` sends what is due and retries, `service.rs` holds the rules for
//! subscriptions, `api.rs` and `web.rs` show them.

#[allow(unused_qualifications)]
pub mod api;
pub mod delivery;
pub mod events;
pub mod service;
mod web;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list))
        .routes(routes!(api::mark_read))
        .routes(routes!(api::create, api::list_webhooks))
        .routes(routes!(api::delete))
        .routes(routes!(api::messages))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(web::page))
        .route("/notifications/read", post(web::mark_read))
        .route("/operator/webhooks", get(web::operator_page))
}
