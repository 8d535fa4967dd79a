use crate::auth::ApiUser;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Query, State};
use ork_domain::Role;
use ork_store::AuditFilter;
use utoipa::{IntoParams, ToSchema};

#[derive(serde::Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Exact actor (a user's e-mail).
    pub actor: Option<String>,
    /// Object type, or `type:id`.
    pub object: Option<String>,
    /// From this time (RFC 3339 or a date), inclusive.
    pub from: Option<String>,
    /// Until this time (RFC 3339 or a date), exclusive.
    pub to: Option<String>,
    /// At most 1000; default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl AuditQuery {
    pub fn filter(&self) -> AuditFilter {
        let clean = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        AuditFilter {
            actor: clean(&self.actor).map(|a| a.to_lowercase()),
            object: clean(&self.object),
            from: clean(&self.from),
            to: clean(&self.to),
            limit: self.limit.unwrap_or(100),
            offset: self.offset.unwrap_or(0),
        }
    }
}

#[derive(serde::Serialize, ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor: Option<String>,
    pub org: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub source: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub prev_hash: String,
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
    responses((status = 200, body = [AuditEvent]), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    require_audit_reader(&p)?;
    let events = state.store.audit_search(&q.filter()).await?;
    Ok(Json(events.into_iter().map(AuditEvent::from).collect()))
}

#[derive(serde::Serialize, ToSchema, Clone)]
pub struct AuditVerification {
    pub intact: bool,
    /// Events in the chain (up to the first bad one when broken).
    pub events: i64,
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
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

pub async fn verification(state: &AppState) -> Result<AuditVerification, ApiError> {
    Ok(match state.store.audit_verify().await? {
        Ok(r) => AuditVerification {
            intact: true,
            events: r.events,
            first_bad_seq: None,
            problem: None,
        },
        Err(e) => AuditVerification {
            intact: false,
            events: e.seq() - 1,
            first_bad_seq: Some(e.seq()),
            problem: Some(e.to_string()),
        },
    })
}

pub fn require_audit_reader(p: &crate::auth::Principal) -> Result<(), ApiError> {
    if p.has_role(Role::Auditor) || p.has_role(Role::Operator) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}
