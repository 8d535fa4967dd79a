use super::ApiJson;
use crate::auth::{ApiUser, ClientAddr, secrets};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ork_store::{ApiToken, NewApiToken, now_unix};
use utoipa::ToSchema;

pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_DAYS: i64 = 365;

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, 1–100 characters.
    pub name: String,
    /// 1–365; default 90.
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
            status: token_status(t),
        }
    }
}

pub fn token_status(t: &ApiToken) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at <= now_unix() {
        "expired"
    } else {
        "active"
    }
}

/// Validates a token request; shared by the API and the account page.
pub fn validate(name: &str, days: Option<i64>) -> Result<(String, i64), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "Navnet skal være 1–100 tegn.",
            "The name must be 1–100 characters.",
        ));
    }
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(
            "invalid_expiry",
            format!("expires_in_days skal være mellem 1 og {MAX_DAYS}."),
            format!("expires_in_days must be between 1 and {MAX_DAYS}."),
        ));
    }
    Ok((name.to_owned(), days))
}

/// Creates a token for the user, in one transaction with its audit event. Returns the
/// record and the secret.
pub async fn issue(
    state: &AppState,
    p: &crate::auth::Principal,
    client: &ClientAddr,
    name: String,
    days: i64,
) -> Result<(ApiToken, String), ApiError> {
    let secret = secrets::new_api_token();
    let mut tx = state.store.write().await?;
    let token = tx
        .create_token(
            &p.audit_source(client, None),
            &NewApiToken {
                user_id: p.user.id,
                user_email: p.user.email.to_string(),
                name,
                token_hash: secrets::sha256_hex(&secret),
                expires_at: now_unix() + days * 86_400,
            },
        )
        .await?;
    tx.commit().await?;
    Ok((token, secret))
}

/// The signed-in user's tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [TokenInfo]), (status = 401, body = super::ErrorBody)))]
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
    responses((status = 201, body = CreatedToken), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 415, body = super::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let (name, days) = validate(&body.name, body.expires_in_days)?;
    let (token, secret) = issue(&state, &p, &client, name, days).await?;
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
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        ApiError::bad_request(
            "invalid_id",
            "Id skal være et heltal.",
            "The id must be an integer.",
        )
    })?;
    let mut tx = state.store.write().await?;
    if !tx
        .revoke_token(&p.audit_source(&client, None), p.user.id, id)
        .await?
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Du har ingen aktiv API-nøgle med det id.",
            "You have no active API token with that id.",
        ));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
