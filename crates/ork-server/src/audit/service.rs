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

use crate::{ApiError, AppState};
use ork_domain::Role;
use ork_store::AuditFilter;
use utoipa::{IntoParams, ToSchema};

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

#[derive(serde::Serialize, ToSchema, Clone)]
pub struct AuditVerification {
    pub intact: bool,
    /// Events in the chain (up to the first bad one when broken).
    pub events: i64,
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
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
