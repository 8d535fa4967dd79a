use super::service::{AuditQuery, AuditVerification, require_audit_reader, verification};
use crate::auth::ApiUser;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Query, State};
use utoipa::ToSchema;

/// One event of the hash-chained audit trail.
#[derive(serde::Serialize, ToSchema)]
pub struct AuditEvent {
    /// The event's place in the chain, from 1.
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The user's e-mail, or none for the system.
    pub actor: Option<String>,
    /// The organisation the actor acted for.
    pub org: Option<String>,
    /// What happened (`session.sign_in`, `quicktest.run`, `cohort.save`, …).
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// Where it came from: the client's address, or `cli` for the command line.
    pub source: String,
    /// The action's own facts (names, counts, prices; never a secret or a count of
    /// persons): a JSON object whose keys depend on the action.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The previous event's hash (hex).
    pub prev_hash: String,
    /// This event's hash over its fields and `prev_hash` (hex).
    pub hash: String,
}

impl From<ork_audit::Event> for AuditEvent {
    fn from(e: ork_audit::Event) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            org: e.org,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            source: e.source,
            details: e.details,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// The audit trail, newest first (auditors and operators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = []), ("session" = [])),
    params(AuditQuery),
    responses((status = 200, body = [AuditEvent]), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    require_audit_reader(&p)?;
    let events = state.store.audit_search(&q.filter()).await?;
    Ok(Json(events.into_iter().map(AuditEvent::from).collect()))
}

/// Verifies the whole chain now (auditors and operators).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AuditVerification), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<AuditVerification>, ApiError> {
    require_audit_reader(&p)?;
    Ok(Json(verification(&state).await?))
}
