use super::ApiJson;
use crate::auth::{ApiUser, ClientAddr, Via, secrets};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ork_store::{ApiToken, NewApiToken, now_unix};
use utoipa::ToSchema;

/// A token's lifetime when none is asked for, unless the platform's maximum is shorter.
pub const DEFAULT_DAYS: i64 = 90;
/// The longest lifetime the platform may be configured to allow.
pub const MAX_DAYS: i64 = 365;

/// The lifetimes the platform allows: (default, maximum) in days.
pub fn lifetimes(state: &AppState) -> (i64, i64) {
    let max = state.config.token_max_days.clamp(1, MAX_DAYS);
    (DEFAULT_DAYS.min(max), max)
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, 1–100 characters.
    pub name: String,
    /// 1 to the platform's maximum (365 unless configured shorter); default 90, or the
    /// maximum if that is shorter.
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
pub fn validate(
    state: &AppState,
    name: &str,
    days: Option<i64>,
) -> Result<(String, i64), ApiError> {
    let (default_days, max_days) = lifetimes(state);
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "Navnet skal være 1–100 tegn.",
            "The name must be 1–100 characters.",
        ));
    }
    let days = days.unwrap_or(default_days);
    if !(1..=max_days).contains(&days) {
        return Err(ApiError::bad_request(
            "invalid_expiry",
            format!("expires_in_days skal være mellem 1 og {max_days}."),
            format!("expires_in_days must be between 1 and {max_days}."),
        ));
    }
    Ok((name.to_owned(), days))
}

/// Creates a token for the user, in one transaction with its audit event. Returns the
/// record and the secret. Only a signed-in session may: a token that could mint tokens
/// would outlive its own revocation.
pub async fn issue(
    state: &AppState,
    p: &crate::auth::Principal,
    client: &ClientAddr,
    name: String,
    days: i64,
) -> Result<(ApiToken, String), ApiError> {
    if !matches!(p.via, Via::Session { .. }) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "API-nøgler kan kun oprettes, når man er logget ind i portalen, ikke med en API-nøgle.",
            "API tokens can only be created when signed in to the portal, not with an API token.",
        ));
    }
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
    responses((status = 201, body = CreatedToken), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 415, body = super::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let (name, days) = validate(&state, &body.name, body.expires_in_days)?;
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
