//! Permits in the API: the permits of your applications, one with its scope and status, the
//! signed JWT itself, revocation, and the platform's public keys as a JWKS.

use super::service::{self, find, status};
use crate::api::ApiJson;
use crate::auth::{ApiUser, ClientAddr};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use ork_cases::permit::{Jwks, Scope};
use ork_domain::Role;
use ork_store::Permit;

/// A permit.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PermitBody {
    /// `prm-` and 12 letters and digits (the JWT's `jti`).
    pub id: String,
    pub application: String,
    /// The organisation that holds it.
    pub organisation: String,
    #[schema(pattern = "^(active|revoked|superseded|expired)$")]
    pub status: String,
    /// The permit of the amendment that replaced this one.
    pub superseded_by: Option<String>,
    /// RFC 3339, UTC.
    pub issued_at: String,
    /// RFC 3339, UTC: the end of the project period.
    pub expires_at: String,
    /// The id of the key that signed it (in `/.well-known/jwks.json`).
    pub kid: String,
    pub revoked_reason: Option<String>,
    pub scope: Scope,
}

/// Your permits.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PermitList {
    pub permits: Vec<PermitBody>,
}

/// Why a permit is revoked.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// 1–2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

fn body(p: &Permit) -> Result<PermitBody, ApiError> {
    Ok(PermitBody {
        id: p.id.clone(),
        application: p.application_id.clone(),
        organisation: p.org_id.clone(),
        status: status(p, ork_store::now_unix()).to_owned(),
        issued_at: iso(p.issued_at),
        expires_at: iso(p.expires_at),
        kid: p.kid.clone(),
        revoked_reason: p.revoked_reason.clone(),
        superseded_by: p.superseded_by.clone(),
        scope: serde_json::from_str(&p.scope)
            .map_err(|e| ApiError::from(anyhow::anyhow!("permit scope: {e}")))?,
    })
}

/// The permits of your applications (and those you are co-applicant or reader on).
#[utoipa::path(get, path = "/api/v1/permits", tag = "permits", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PermitList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<PermitList>, ApiError> {
    let mut permits = Vec::new();
    for x in state.store.permits_of(p.user.id).await? {
        if service::may_see(&state, &p, &x).await? {
            permits.push(body(&x)?);
        }
    }
    Ok(Json(PermitList { permits }))
}

/// One permit: its scope (datasets and variables, population, period, named users,
/// conditions, the approvals it rests on with their references) and its status.
#[utoipa::path(get, path = "/api/v1/permits/{id}", tag = "permits", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Permit id")),
    responses((status = 200, body = PermitBody), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PermitBody>, ApiError> {
    Ok(Json(body(&find(&state, &p, &id).await?)?))
}

/// The signed permit: a JWT (EdDSA) any JWT library verifies with `/.well-known/jwks.json`.
#[utoipa::path(get, path = "/api/v1/permits/{id}/jwt", tag = "permits", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Permit id")),
    responses((status = 200, description = "The JWT", content_type = "application/jwt", body = String),
        (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn jwt(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let permit = find(&state, &p, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/jwt")], permit.jwt))
}

/// Revokes a permit, with the reason (audit-logged). For the case handlers of an authority
/// whose approval the permit rests on, and for operators.
#[utoipa::path(post, path = "/api/v1/permits/{id}/revoke", tag = "permits", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Permit id")),
    request_body = RevokeBody,
    responses((status = 200, body = PermitBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a handler of an approving authority, nor an operator", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody), (status = 409, description = "Revoked already", body = crate::api::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RevokeBody>,
) -> Result<Json<PermitBody>, ApiError> {
    let reason = b.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::invalid("invalid_reason", &[]));
    }
    let permit = state
        .store
        .permit(&id)
        .await?
        .ok_or_else(service::permit_not_found)?;
    let scope: Scope = serde_json::from_str(&permit.scope)
        .map_err(|e| ApiError::from(anyhow::anyhow!("permit scope: {e}")))?;
    let approving = p.memberships.iter().any(|m| {
        m.role == Role::Operator
            || (m.role == Role::CaseHandler
                && scope
                    .approvals
                    .iter()
                    .any(|a| a.authority == m.org_id.as_str()))
    });
    if !approving {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "revoke_not_allowed",
            &[],
        ));
    }
    let mut tx = state.store.write().await?;
    if !tx
        .revoke_permit(&p.audit_source(&client, None), &id, reason)
        .await?
    {
        return Err(ApiError::of(StatusCode::CONFLICT, "revoked_already", &[]));
    }
    if let Some(app) = state.store.application(&permit.application_id).await? {
        crate::notifications::events::emit(&state, &mut tx, &app, None, "permit.revoked").await?;
    }
    tx.commit().await?;
    let permit = state
        .store
        .permit(&id)
        .await?
        .ok_or_else(service::permit_not_found)?;
    Ok(Json(body(&permit)?))
}

/// The platform's public keys (RFC 7517, Ed25519 `OKP` keys): every key that has signed a
/// permit, so that permits signed before a rotation still verify. Public; no sign-in.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "permits",
    responses((status = 200, body = Jwks)))]
pub async fn jwks(State(state): State<AppState>) -> Result<Json<Jwks>, ApiError> {
    Ok(Json(service::jwks(&state).await?))
}
