//! Clients' authorisations in the API.

use super::service;
use crate::api::ApiJson;
use crate::auth::{ApiUser, ClientAddr};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ork_store::ClientAuthorisation;

/// A client's authorisation of a consultancy.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AuthorisationBody {
    pub id: String,
    /// The organisation that owns the applications.
    pub client: String,
    /// The consultancy that prepares and submits them.
    pub agent: String,
    /// `application` (the application and where its parts stand) or `everything` (also
    /// decisions, messages and the permit).
    #[schema(pattern = "^(application|everything)$")]
    pub sees: String,
    pub granted_at: String,
    pub revoked_at: Option<String>,
    pub active: bool,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AuthorisationList {
    pub authorisations: Vec<AuthorisationBody>,
}

/// An authorisation to give.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthorisation {
    /// The consultancy's organisation id (404 when there is none).
    #[schema(pattern = "^[a-z](-?[a-z0-9])+$", max_length = 40)]
    pub agent: String,
    #[schema(pattern = "^(application|everything)$")]
    pub sees: String,
    /// Your organisation that authorises (you must be its applicant, else 403; default:
    /// your first).
    #[serde(default)]
    #[schema(pattern = "^[a-z](-?[a-z0-9])+$", max_length = 40)]
    pub client: Option<String>,
}

pub(crate) fn body(a: &ClientAuthorisation) -> AuthorisationBody {
    AuthorisationBody {
        id: a.id.clone(),
        client: a.client_org.clone(),
        agent: a.agent_org.clone(),
        sees: a.sees.clone(),
        granted_at: iso(a.granted_at),
        revoked_at: a.revoked_at.map(iso),
        active: a.revoked_at.is_none(),
    }
}

/// Authorises a consultancy to prepare and submit applications on your organisation's
/// behalf (replacing one in force between the two). Applications it makes are yours.
#[utoipa::path(post, path = "/api/v1/clients/authorisations", tag = "applications", security(("bearer" = []), ("session" = [])),
    request_body = NewAuthorisation,
    responses((status = 201, body = AuthorisationBody),
        (status = 400, description = "`sees` not one of the two", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not an applicant of the client organisation", body = crate::api::ErrorBody),
        (status = 404, description = "No such organisation", body = crate::api::ErrorBody),
        (status = 409, description = "Your own organisation", body = crate::api::ErrorBody)))]
pub async fn authorise(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(b): ApiJson<NewAuthorisation>,
) -> Result<(StatusCode, Json<AuthorisationBody>), ApiError> {
    let a = service::authorise(&state, &p, &client, b.client.as_deref(), &b.agent, &b.sees).await?;
    Ok((StatusCode::CREATED, Json(body(&a))))
}

/// The authorisations your organisations gave or received, newest first.
#[utoipa::path(get, path = "/api/v1/clients/authorisations", tag = "applications", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AuthorisationList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<AuthorisationList>, ApiError> {
    Ok(Json(AuthorisationList {
        authorisations: service::visible(&state, &p)
            .await?
            .iter()
            .map(body)
            .collect(),
    }))
}

/// Revokes an authorisation (the client's or the consultancy's applicant): the
/// consultancy's access to the client's applications ends at once.
#[utoipa::path(post, path = "/api/v1/clients/authorisations/{id}/revoke", tag = "applications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Authorisation id")),
    responses((status = 200, body = AuthorisationBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Revoked already", body = crate::api::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AuthorisationBody>, ApiError> {
    Ok(Json(body(
        &service::revoke(&state, &p, &client, &id).await?,
    )))
}
