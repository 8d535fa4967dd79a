//! The HTTP face of Dataorkestrator: the JSON API (`/api/…`, described by the OpenAPI
//! document at `/api/openapi.json`), the server-rendered portal (Danish and English, Det
//! Fælles Designsystem), sign-in with sessions and API tokens, CSRF protection, rate limits,
//! security headers, request ids, metrics and logs that never carry secrets.
//!
//! This is the only crate that knows HTTP. It calls the store through its repository
//! methods and never writes SQL itself.

// Shared plumbing.
pub mod api;
pub mod auth;
mod body;
mod config;
pub mod dates;
mod error;
pub mod i18n;
mod ids;
mod middleware;
mod state;
pub mod telemetry;
pub mod web;

// Features: each with its service, API handlers, pages and state (ARCHITECTURE.md).
pub mod accounts;
pub mod advice;
pub mod agreements;
pub mod airlock;
pub mod applications;
pub mod audit;
pub mod cases;
pub mod catalog;
pub mod clients;
pub mod jobs;
pub mod notifications;
pub mod permits;
pub mod quicktests;
pub mod roadmap;
pub mod workspaces;

pub use config::{ServerConfig, SmtpUrl};
pub use error::ApiError;
pub use state::AppState;

use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Builds the whole application: API, portal, static assets, and the middleware stack.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi_json = std::sync::Arc::new(api::document(&openapi, &state));
    let routes = Router::new()
        .merge(api_router)
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let body = openapi_json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        (*body).clone(),
                    )
                }
            }),
        )
        .route("/metrics", axum::routing::get(middleware::metrics_endpoint))
        .merge(web::router(&state));
    middleware::stack(routes, state)
}

/// Binds the listener and serves until Ctrl-C. Returns the address actually bound (useful
/// with port 0) through `on_bound` before serving.
pub async fn serve(state: AppState, on_bound: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let listener = TcpListener::bind(state.config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", state.config.listen))?;
    let addr = listener.local_addr()?;
    on_bound(addr);
    tracing::info!(%addr, backend = state.store.backend().name(), "serving");
    if let Some(flight) = state.config.flight_sql_listen {
        match workspaces::flight::spawn(state.clone(), flight).await {
            Ok(bound) => tracing::info!(addr = %bound, "serving Arrow Flight SQL"),
            Err(e) if !state.config.flight_sql_required => {
                tracing::warn!(error = %e, "Arrow Flight SQL is not served (set flight_sql_listen to choose another address)");
            }
            Err(e) => return Err(e),
        }
    }
    notifications::delivery::spawn_worker(state.clone());
    advice::spawn_refresher(state.clone());
    workspaces::spawn_worker(state.clone(), std::time::Duration::from_secs(5));
    jobs::spawn_worker(state.clone());
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Starts the server on an ephemeral port in the background and returns its address: for
/// tests, which drive the real application over real HTTP.
pub async fn spawn(state: AppState) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Provisioning runs in tests as in service (nothing to do without a workspace folder).
    workspaces::spawn_worker(state.clone(), std::time::Duration::from_millis(200));
    jobs::spawn_worker(state.clone());
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}
