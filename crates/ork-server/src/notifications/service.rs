//! The rules of notifications and webhooks: who may subscribe an organisation's system to
//! which events, which addresses a message may go to, who sees a webhook and its messages.

use super::events::{EVENTS, Party};
use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_domain::Role;
use ork_store::{NewWebhook, Webhook};

/// A webhook without its secret: what pages and the API show.
#[derive(Debug, Clone)]
pub struct WebhookView {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: i64,
}

impl From<&Webhook> for WebhookView {
    fn from(w: &Webhook) -> Self {
        Self {
            id: w.id.clone(),
            org_id: w.org_id.clone(),
            url: w.url.clone(),
            events: w.events.clone(),
            active: w.active,
            created_at: w.created_at,
        }
    }
}

fn webhook_not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "webhook_not_found", &[])
}

/// Whether `host` is this machine (a name or a loopback or unspecified address).
fn is_local(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(a) => a.is_loopback() || a.is_unspecified(),
        url::Host::Ipv6(a) => a.is_loopback() || a.is_unspecified(),
    }
}

/// Checks a webhook address: absolute `https://` with a host, no credentials in it, at
/// most 2,000 characters; `http://` only to this machine and only where the operator
/// allows messages to it (`webhooks_to_loopback`), which otherwise are refused either way.
/// A refused address is a 403: the platform may not send there.
pub fn check_url(url: &str, loopback_allowed: bool) -> Result<url::Url, ApiError> {
    let bad = || ApiError::of(StatusCode::FORBIDDEN, "invalid_webhook_url", &[]);
    if url.len() > 2000 {
        return Err(bad());
    }
    let u = url::Url::parse(url).map_err(|_| bad())?;
    let host = u.host().ok_or_else(bad)?;
    let local = is_local(&host);
    if !u.username().is_empty() || u.password().is_some() || u.fragment().is_some() {
        return Err(bad());
    }
    match (u.scheme(), local) {
        (_, true) if !loopback_allowed => Err(bad()),
        ("https", _) | ("http", true) => Ok(u),
        _ => Err(bad()),
    }
}

/// Whether the user may manage the organisation's webhooks for `events`: an operator, or
/// for each event the role of its party at that organisation (case handler for an
/// authority's, applicant for an applicant's).
fn may_manage(p: &Principal, org: &str, events: &[String]) -> bool {
    if p.has_role(Role::Operator) {
        return true;
    }
    let holds = |role: Role| {
        p.memberships
            .iter()
            .any(|m| m.role == role && m.org_id.as_str() == org)
    };
    events.iter().all(
        |e| match EVENTS.iter().find(|(x, _)| x == e).map(|(_, party)| *party) {
            Some(Party::Authority) => holds(Role::CaseHandler),
            Some(Party::Applicant) => holds(Role::Applicant),
            None => false,
        },
    )
}

/// Creates a webhook; the view and its secret (shown once).
pub async fn create_webhook(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    org: &str,
    url: &str,
    events: &[String],
) -> Result<(WebhookView, String), ApiError> {
    if events.is_empty() || events.len() > EVENTS.len() {
        return Err(ApiError::invalid("invalid_events", &[]));
    }
    let unknown: Vec<&str> = events
        .iter()
        .filter(|e| !super::events::is_event(e))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return Err(ApiError::invalid("unknown_event", &[("list", &list)]));
    }
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    let url = check_url(url.trim(), state.config.webhooks_to_loopback)?;
    let org_id = ork_domain::OrgId::parse(org)
        .map_err(|_| ApiError::of(StatusCode::FORBIDDEN, "webhook_not_allowed", &[]))?;
    if !may_manage(p, org_id.as_str(), &events) || state.store.get_org(&org_id).await?.is_none() {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "webhook_not_allowed",
            &[],
        ));
    }
    let id = crate::ids::new_id("whk");
    let secret = super::delivery::new_secret();
    let events_json =
        serde_json::to_string(&events).map_err(|e| ApiError::from(anyhow::anyhow!(e)))?;
    let mut tx = state.store.write().await?;
    tx.create_webhook(
        &p.audit_source(client, Some(org_id.to_string())),
        &NewWebhook {
            id: &id,
            org_id: org_id.as_str(),
            url: url.as_str(),
            secret: &secret,
            events: &events_json,
            created_by: p.user.id,
        },
    )
    .await?;
    tx.commit().await?;
    let w = state
        .store
        .webhook(&id)
        .await?
        .ok_or_else(webhook_not_found)?;
    Ok((WebhookView::from(&w), secret))
}

/// The webhooks the user sees: their organisations' (an operator: all).
pub async fn visible_webhooks(
    state: &AppState,
    p: &Principal,
) -> Result<Vec<WebhookView>, ApiError> {
    let all = state.store.webhooks(None).await?;
    let operator = p.has_role(Role::Operator);
    Ok(all
        .iter()
        .filter(|w| operator || p.memberships.iter().any(|m| m.org_id.as_str() == w.org_id))
        .map(WebhookView::from)
        .collect())
}

/// A webhook the user sees, or 404.
pub async fn find_webhook(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<WebhookView, ApiError> {
    let w = state
        .store
        .webhook(id)
        .await?
        .ok_or_else(webhook_not_found)?;
    let sees =
        p.has_role(Role::Operator) || p.memberships.iter().any(|m| m.org_id.as_str() == w.org_id);
    if sees {
        Ok(WebhookView::from(&w))
    } else {
        Err(webhook_not_found())
    }
}

/// Turns a webhook off (who may create it may turn it off).
pub async fn deactivate(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<WebhookView, ApiError> {
    let w = find_webhook(state, p, id).await?;
    if !may_manage(p, &w.org_id, &w.events) {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "webhook_not_allowed",
            &[],
        ));
    }
    let mut tx = state.store.write().await?;
    if !tx
        .deactivate_webhook(&p.audit_source(client, Some(w.org_id.clone())), id)
        .await?
    {
        return Err(ApiError::of(StatusCode::CONFLICT, "webhook_inactive", &[]));
    }
    tx.commit().await?;
    find_webhook(state, p, id).await
}

/// Marks the user's notifications up to `up_to` read; how many.
pub async fn mark_read(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    up_to: i64,
) -> Result<u64, ApiError> {
    let mut tx = state.store.write().await?;
    let n = tx
        .mark_notifications_read(&p.audit_source(client, None), p.user.id, up_to)
        .await?;
    tx.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn webhook_addresses() {
        assert!(check_url("https://backoffice.example.dk/hooks/ork", false).is_ok());
        // Plain http only to this machine, and only where allowed.
        assert!(check_url("http://backoffice.example.dk/hooks", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
        assert!(check_url("http://localhost:9000/h", true).is_ok());
        assert!(check_url("http://127.0.0.1:9000/h", false).is_err());
        assert!(check_url("https://localhost/h", false).is_err());
        assert!(check_url("https://[::1]/h", false).is_err());
        assert!(check_url("https://0.0.0.0/h", false).is_err());
        // No credentials, fragments, other schemes, relative or overlong addresses.
        assert!(check_url("https://u:p@example.dk/h", false).is_err());
        assert!(check_url("https://example.dk/h#x", false).is_err());
        assert!(check_url("ftp://example.dk/h", false).is_err());
        assert!(check_url("/hooks", false).is_err());
        let long = format!("https://example.dk/{}", "a".repeat(2000));
        assert!(check_url(&long, false).is_err());
    }
}
