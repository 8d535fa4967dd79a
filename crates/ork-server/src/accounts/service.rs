//! Accounts as operations: API tokens (their lifetimes, validation, issuing, revoking).
//! The API and the account page both call these; neither calls the other.

use crate::auth::{ClientAddr, Principal, Via, secrets};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_store::{ApiToken, NewApiToken, now_unix};

/// A token's lifetime when none is asked for, unless the platform's maximum is shorter.
pub const DEFAULT_DAYS: i64 = 90;
/// The longest lifetime the platform may be configured to allow.
pub const MAX_DAYS: i64 = 365;

/// The lifetimes the platform allows: (default, maximum) in days.
pub fn lifetimes(state: &AppState) -> (i64, i64) {
    let max = state.config.token_max_days.clamp(1, MAX_DAYS);
    (DEFAULT_DAYS.min(max), max)
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
        return Err(ApiError::invalid("invalid_name", &[]));
    }
    let days = days.unwrap_or(default_days);
    if !(1..=max_days).contains(&days) {
        return Err(ApiError::invalid("invalid_expiry", &[("max", &max_days)]));
    }
    Ok((name.to_owned(), days))
}

/// Creates a token for the user, in one transaction with its audit event. Returns the
/// record and the secret. Only a signed-in session may: a token that could mint tokens
/// would outlive its own revocation.
pub async fn issue(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    name: String,
    days: i64,
) -> Result<(ApiToken, String), ApiError> {
    if !matches!(p.via, Via::Session { .. }) {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "session_required", &[]));
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

/// Revokes one of the user's own active tokens, with its audit event; 404 otherwise.
pub async fn revoke(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: i64,
) -> Result<(), ApiError> {
    let mut tx = state.store.write().await?;
    if !tx
        .revoke_token(&p.audit_source(client, None), p.user.id, id)
        .await?
    {
        return Err(ApiError::of(StatusCode::NOT_FOUND, "not_found.token", &[]));
    }
    tx.commit().await?;
    Ok(())
}
