//! The JSON API under `/api`. Every route is registered through `utoipa-axum`, so the
//! OpenAPI document served at `/api/openapi.json` is generated from the same code that
//! routes requests and cannot drift from it.

// utoipa's IntoParams expansion for the query struct writes fully qualified paths.
#[allow(unused_qualifications)]
pub mod audit;
#[allow(unused_qualifications)]
pub mod catalog;
mod json;
mod me;
pub mod quicktests;
#[allow(unused_qualifications)]
pub mod roadmap;
pub mod tokens;

pub use json::ApiJson;

/// A query string as its (name, value) pairs, or a 400 when it cannot be read.
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, crate::ApiError> {
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|_| {
        crate::ApiError::bad_request(
            "invalid_query_string",
            "Parametrene kunne ikke læses.",
            "The parameters could not be read.",
        )
    })
}

use crate::AppState;
use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Dataorkestrator API", description = "The national one-stop platform for access to Danish health data. Errors are JSON `{\"error\": {\"code\", \"message\"}}` with a stable code and a message in the user's language (Accept-Language, or the signed-in user's choice)."),
    modifiers(&SecurityAddon),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ork_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Every error response.
#[derive(serde::Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `unauthenticated`, `forbidden`, `invalid_json`, `csrf_failed`.
    pub code: String,
    /// What went wrong and what to do, in the user's language.
    pub message: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(me::me))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(audit::search))
        .routes(routes!(audit::verify))
        .routes(routes!(catalog::sources))
        .routes(routes!(catalog::source))
        .routes(routes!(catalog::search))
        .routes(routes!(catalog::dcat))
        .routes(routes!(catalog::basket))
        .routes(routes!(catalog::basket_add, catalog::basket_remove))
        .routes(routes!(roadmap::roadmap))
        .routes(routes!(roadmap::precedents))
        .routes(routes!(roadmap::rulebook))
        .routes(routes!(quicktests::create))
        .routes(routes!(quicktests::statement_get))
        .routes(routes!(quicktests::codes))
        .routes(routes!(quicktests::cohort_create, quicktests::cohort_list))
        .routes(routes!(quicktests::cohort_get, quicktests::cohort_update))
        .routes(routes!(quicktests::cohort_run))
}

#[derive(serde::Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers and the database is reachable.
    status: &'static str,
    version: &'static str,
    /// `sqlite` or `postgres`.
    backend: &'static str,
}

/// Liveness and readiness: answers 200 when the database answers.
#[utoipa::path(get, path = "/api/health", tag = "platform", responses((status = 200, body = Health), (status = 500, body = ErrorBody)))]
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Json<Health>, crate::ApiError> {
    state.store.audit_head().await?;
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        backend: state.store.backend().name(),
    }))
}
