//! API tokens in the JSON API: list, create (from a signed-in session), revoke.

use super::service;
use crate::api::ApiJson;
use crate::auth::{ApiUser, ClientAddr};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ork_store::ApiToken;
use utoipa::ToSchema;

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, 1–100 characters (spaces around it are dropped).
    #[schema(max_length = 100, pattern = "\\S")]
    pub name: String,
    /// 1 to the platform's maximum (365 unless configured shorter); default 90, or the
    /// maximum if that is shorter.
    #[schema(minimum = 1, maximum = 365)]
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    pub expires_in_days: Option<i64>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub name: String,
    /// The secret, shown this once. Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(serde::Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
}

impl From<&ApiToken> for TokenInfo {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            status: service::token_status(t),
        }
    }
}

/// The signed-in user's tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [TokenInfo]), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(
        state
            .store
            .tokens_of(p.user.id)
            .await?
            .iter()
            .map(TokenInfo::from)
            .collect(),
    ))
}

/// Creates an API token for oneself. The secret is in the response, once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = []), ("session" = [])),
    request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody), (status = 415, body = crate::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let (name, days) = service::validate(&state, &body.name, body.expires_in_days)?;
    let (token, secret) = service::issue(&state, &p, &client, name, days).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: token.id,
            name: token.name,
            token: secret,
            expires_at: token.expires_at,
        }),
    ))
}

/// Revokes one of one's own tokens. 404 for a token that is not the user's or already revoked.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::invalid("invalid_id", &[]))?;
    service::revoke(&state, &p, &client, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
