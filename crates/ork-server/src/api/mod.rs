//! The JSON API's shared plumbing: the OpenAPI document's frame (security schemes, the
//! error body), the JSON body extractor, query-string reading, the health check, and the
//! assembly of every feature's API routes. Every route is registered through `utoipa-axum`,
//! so the OpenAPI document served at `/api/openapi.json` is generated from the same code
//! that routes requests and cannot drift from it.

mod json;

pub use json::{ApiJson, parse as parse_json};

/// A query string as its (name, value) pairs, or a 400 when it cannot be read.
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, crate::ApiError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| crate::ApiError::invalid("invalid_query_string", &[]))
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
        .merge(crate::applications::api_routes())
        .merge(crate::cases::api_routes())
        .merge(crate::permits::api_routes())
        .merge(crate::notifications::api_routes())
        .merge(crate::agreements::api_routes())
        .merge(crate::clients::api_routes())
        .merge(crate::advice::api_routes())
        .merge(crate::workspaces::api_routes())
        .merge(crate::airlock::api_routes())
        .merge(crate::jobs::api_routes())
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

/// Schemas written out by hand as JSON, for bodies whose shape serde does not describe (the
/// cohort language, JSON-LD), read into utoipa's model.
pub fn hand_schemas(
    json: &str,
) -> Vec<(
    String,
    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
)> {
    let all: std::collections::BTreeMap<String, _> =
        serde_json::from_str(json).expect("a hand-written schema file is read by its test");
    all.into_iter().collect()
}

/// A type whose OpenAPI schema is the entry `$name` of a hand-written schema file; the
/// file's other entries are the parts it refers to.
macro_rules! hand_schema {
    ($(#[$doc:meta])* $name:ident, $file:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl $name {
            pub const FILE: &'static str = include_str!($file);
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::api::hand_schemas(Self::FILE)
                    .into_iter()
                    .find(|(k, _)| k == stringify!($name))
                    .map(|(_, s)| s)
                    .expect(concat!($file, " has ", stringify!($name)))
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                schemas.extend(
                    crate::api::hand_schemas(Self::FILE)
                        .into_iter()
                        .filter(|(k, _)| k != stringify!($name)),
                );
            }
        }
    };
}
pub(crate) use hand_schema;

/// The OpenAPI document as served: what the handlers' annotations say, completed with what
/// holds for every operation or depends on this server's data, so that it states exactly
/// what the server does:
/// - every operation that takes a JSON body answers 415 to another content type (the
///   [`ApiJson`] extractor);
/// - the precedent register's `rule` is one of the rulebook's step ids;
/// - the catalog search's `controller` and `topic` are lists of the catalog's ids;
/// - an application's answers are keyed by the form's field ids, each of its field's shape;
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
    need_schema(&mut doc, c);
    answers_schema(&mut doc, &state.rules.book.form);
    if let Some(p) = doc.pointer_mut("/components/schemas/Scope/properties/population") {
        *p = serde_json::json!({"description": "The study population", "anyOf": [
            {"type": "string", "description": "A saved cohort's id"},
            {"$ref": "#/components/schemas/CohortDefinition"},
        ]});
    }
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

/// An application's answers: an object keyed by the form's field ids, each answer of the
/// shape its field's type takes (`ork_rules::form::schema`, which the server checks before
/// it keeps an answer).
fn answers_schema(doc: &mut serde_json::Value, form: &ork_rules::form::Form) {
    let schema = form.answers_schema();
    for at in [
        "/components/schemas/AnswersPatch/properties/answers",
        "/components/schemas/ApplicationBody/properties/answers",
        "/components/schemas/PartBody/properties/fields",
    ] {
        if let Some(m) = doc.pointer_mut(at) {
            let description = m.get("description").cloned();
            *m = schema.clone();
            if let Some(d) = description {
                m["description"] = d;
            }
        }
    }
}

/// The data need's closed vocabularies, which the planner checks: applicant kinds and
/// regions, the catalog's source ids, and the nine traits (each required, true or false).
fn need_schema(doc: &mut serde_json::Value, c: &ork_catalog::Catalog) {
    use ork_rules::rulebook::{APPLICANT_KINDS, TRAITS};
    use serde_json::json;
    if let Some(a) = doc.pointer_mut("/components/schemas/Applicant/properties") {
        a["kind"] = json!({"type": "string", "enum": APPLICANT_KINDS});
        let regions: Vec<serde_json::Value> = ork_catalog::load::REGIONS
            .iter()
            .map(|r| json!(r))
            .chain([serde_json::Value::Null])
            .collect();
        a["region"] = json!({
            "type": ["string", "null"], "enum": regions,
            "description": "The applicant's region (or its Danish partner's)",
        });
    }
    if let Some(n) = doc.pointer_mut("/components/schemas/Need/properties") {
        let ids: Vec<&str> = c.sources.iter().map(|s| s.id.as_str()).collect();
        n["datasets"] = json!({
            "type": "array", "minItems": 1, "items": {"type": "string", "enum": ids},
            "description": "Catalog source ids",
        });
        let traits: serde_json::Map<String, serde_json::Value> = TRAITS
            .iter()
            .map(|t| ((*t).to_owned(), json!({"type": "boolean"})))
            .collect();
        n["traits"] = json!({
            "type": "object", "properties": traits, "required": TRAITS,
            "additionalProperties": false,
            "description": "The project's nine traits, each true or false",
        });
    }
}

/// A whole number, also when written with a zero fraction (`30.0`), as JSON Schema's
/// `integer` allows; a fraction is refused as invalid JSON.
pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::Deserialize;
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(serde::de::Error::custom("expected a whole number")),
    }
}

/// A whole number, also when written with a zero fraction (`30.0`), as JSON Schema's
/// `integer` allows; anything else is refused by the caller's validation.
pub(crate) fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(Some(f as i64)),
        // A fraction: out of every range, so the validation refuses it and says which holds.
        _ => Ok(Some(i64::MAX)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// Every keyword of a hand-written schema file survives the reading (utoipa drops what
    /// its model does not know, which would loosen the published schema unseen).
    pub(crate) fn reads_unchanged(file: &str) {
        let written: serde_json::Value = serde_json::from_str(file).unwrap();
        let read = serde_json::to_value(
            super::hand_schemas(file)
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .unwrap();
        assert_eq!(read, written);
    }

    #[derive(serde::Deserialize)]
    struct Whole {
        #[serde(deserialize_with = "super::whole_number")]
        n: i64,
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_zero_fraction() {
        let read = |t: &str| serde_json::from_str::<Whole>(t).map(|w| w.n).ok();
        assert_eq!(read(r#"{"n": 30}"#), Some(30));
        assert_eq!(read(r#"{"n": 25166.0}"#), Some(25166));
        assert_eq!(read(r#"{"n": 1.5}"#), None);
        assert_eq!(read(r#"{"n": "3"}"#), None);
    }
}
