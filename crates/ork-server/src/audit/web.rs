use super::service::{AuditQuery, AuditVerification, require_audit_reader, verification};
use crate::auth::WebUser;
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use ork_audit::{Event, Head};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    q: Filled,
    events: Vec<Event>,
    head: Head,
    check: Option<AuditVerification>,
}

#[derive(Template)]
#[template(path = "audit_rows.html")]
struct AuditRows {
    c: Chrome,
    events: Vec<Event>,
}

/// The chain's recorded head, and the result of a verification when one was asked for.
/// Verifying reads the whole chain, so the page does it on request, not on every load.
#[derive(Template)]
#[template(path = "audit_status.html")]
struct ChainStatus {
    c: Chrome,
    head: Head,
    check: Option<AuditVerification>,
}

/// The filter as typed, to refill the form.
#[derive(Default)]
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
    let v = |s: Option<String>| s.unwrap_or_default();
    let q = Filled {
        actor: v(q.actor),
        object: v(q.object),
        from: v(q.from),
        to: v(q.to),
    };
    let head = state.store.audit_head().await?;
    Ok(render(
        lang,
        &AuditPage {
            c,
            q,
            events,
            head,
            check: None,
        },
    ))
}

/// Verifies the whole chain now: the status block for htmx, the whole page otherwise.
pub async fn verify(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_audit_reader(&p)?;
    let lang = c.t.lang;
    let check = Some(verification(&state).await?);
    let head = state.store.audit_head().await?;
    if headers.contains_key("hx-request") {
        return Ok(render(lang, &ChainStatus { c, head, check }));
    }
    let events = state
        .store
        .audit_search(&AuditQuery::default().filter())
        .await?;
    Ok(render(
        lang,
        &AuditPage {
            c,
            q: Filled::default(),
            events,
            head,
            check,
        },
    ))
}
