use super::{Chrome, render};
use crate::api::audit::{AuditQuery, AuditVerification, require_audit_reader, verification};
use crate::auth::WebUser;
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use ork_audit::Event;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    q: Filled,
    events: Vec<Event>,
    check: AuditVerification,
}

#[derive(Template)]
#[template(path = "audit_rows.html")]
struct AuditRows {
    c: Chrome,
    events: Vec<Event>,
}

/// The filter as typed, to refill the form.
pub struct Filled {
    actor: String,
    object: String,
    from: String,
    to: String,
}

pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    require_audit_reader(&p)?;
    let mut filter = q.filter();
    filter.limit = filter.limit.min(200);
    let events = state.store.audit_search(&filter).await?;
    let lang = c.t.lang;
    // htmx asks for the rows only when the filter changes.
    if headers.contains_key("hx-request") {
        return Ok(render(lang, &AuditRows { c, events }));
    }
    let check = verification(&state).await?;
    let v = |s: Option<String>| s.unwrap_or_default();
    let q = Filled {
        actor: v(q.actor),
        object: v(q.object),
        from: v(q.from),
        to: v(q.to),
    };
    Ok(render(
        lang,
        &AuditPage {
            c,
            q,
            events,
            check,
        },
    ))
}
