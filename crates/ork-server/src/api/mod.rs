//! The JSON API's shared plumbing: the OpenAPI document's frame (security schemes, the
//! error body), the JSON body extractor, query-string reading, the health check, and the
//! assembly of every feature's API routes. Every route is registered through `utoipa-axum`,
//! so the OpenAPI document served at `/api/openapi.json` is generated from the same code
//! that routes requests and cannot drift from it.

mod json;

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
        .merge(crate::accounts::api_routes())
        .merge(crate::audit::api_routes())
        .merge(crate::catalog::api_routes())
        .merge(crate::roadmap::api_routes())
        .merge(crate::quicktests::api_routes())
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

/// The request's language as the context middleware settled it.
pub struct UserLang(pub ork_domain::Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for UserLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ork_domain::Lang>()
                .copied()
                .unwrap_or_default(),
        ))
    }
}

/// The OpenAPI document as served: what the handlers' annotations say, completed with what
/// holds for every operation or depends on this server's data, so that it states exactly
/// what the server does:
/// - every operation that takes a JSON body answers 415 to another content type (the
///   [`ApiJson`] extractor);
/// - the precedent register's `rule` is one of the rulebook's step ids;
/// - the catalog search's `controller` and `topic` are lists of the catalog's ids;
/// - a new API token lives at most the platform's `token_max_days`.
pub fn document(openapi: &utoipa::openapi::OpenApi, state: &AppState) -> String {
    let mut doc = serde_json::to_value(openapi).unwrap_or_default();
    let error = serde_json::json!({
        "description": "The body is not JSON (Content-Type: application/json)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    });
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for op in paths.values_mut().filter_map(|p| p.as_object_mut()) {
            for o in op.values_mut() {
                if o.get("requestBody").is_some()
                    && let Some(r) = o.get_mut("responses").and_then(|r| r.as_object_mut())
                {
                    r.entry("415").or_insert_with(|| error.clone());
                }
            }
        }
    }
    // An empty `rule` means "any".
    let rules: Vec<&str> = std::iter::once("")
        .chain(state.rules.book.steps.iter().map(|s| s.id.as_str()))
        .collect();
    if let Some(params) = doc
        .pointer_mut("/paths/~1api~1v1~1precedents/get/parameters")
        .and_then(|p| p.as_array_mut())
    {
        for p in params.iter_mut().filter(|p| p["name"] == "rule") {
            p["schema"] = serde_json::json!({"type": "string", "enum": rules});
        }
    }
    let (_, max_days) = crate::accounts::service::lifetimes(state);
    if let Some(days) =
        doc.pointer_mut("/components/schemas/CreateToken/properties/expires_in_days")
    {
        days["maximum"] = serde_json::json!(max_days);
    }
    let c = &state.catalog.catalog;
    for (name, ids) in [
        (
            "controller",
            c.controllers
                .iter()
                .map(|x| x.id.as_str())
                .collect::<Vec<_>>(),
        ),
        ("topic", c.topics.iter().map(|x| x.id.as_str()).collect()),
    ] {
        let one = ids
            .iter()
            .map(|i| regex::escape(i))
            .collect::<Vec<_>>()
            .join("|");
        let pattern = format!(r"^\s*({one})?\s*(,\s*({one})?\s*)*$");
        if let Some(params) = doc
            .pointer_mut("/paths/~1api~1v1~1catalog~1search/get/parameters")
            .and_then(|p| p.as_array_mut())
        {
            for p in params.iter_mut().filter(|p| p["name"] == name) {
                p["schema"] = serde_json::json!({"type": "string", "pattern": pattern});
            }
        }
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
