//! Lists and lookups around questions: what a user sees, the queue's filters and clock,
//! authors' names, guests' rate limit, attachments.

use super::param;
use super::service::{GUEST_PER_ADDRESS_PER_HOUR, SERVICE_LEVEL_HOURS, Viewer, find, levels};
use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_store::Question;
use std::collections::HashMap;

/// The questions a user sees in a list: their own, and the queues where they advise.
pub async fn visible(state: &AppState, p: &Principal) -> Result<Vec<Question>, ApiError> {
    let l = levels(state, p).await?;
    let mut out = state
        .store
        .questions(&ork_store::QuestionScope::Asker(p.user.id))
        .await?;
    let mut add = |qs: Vec<Question>| {
        for q in qs {
            if !out.iter().any(|x| x.id == q.id) {
                out.push(q);
            }
        }
    };
    if l.first {
        add(state
            .store
            .questions(&ork_store::QuestionScope::Holder("first_level"))
            .await?);
    }
    for a in &l.authorities {
        add(state.store.questions_referred_to(a).await?);
    }
    out.sort_by(|a, b| b.last_at.cmp(&a.last_at).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// Hours since a question reached the first level without a first answer, and whether the
/// service level is passed; `None` once answered or closed.
pub fn clock(q: &Question, now: i64) -> Option<(i64, bool)> {
    if q.first_answer_at.is_some() || q.state == "closed" {
        return None;
    }
    let since = q.confirmed_at?;
    let hours = (now - since).max(0) / 3600;
    Some((hours, hours >= SERVICE_LEVEL_HOURS))
}

/// Guests from one network address: at most [`GUEST_PER_ADDRESS_PER_HOUR`] an hour.
pub fn guest_limit(state: &AppState, client: &ClientAddr) -> Result<(), ApiError> {
    let key = format!("guest-question:{}", client.0);
    state
        .limiter
        .check(
            &key,
            GUEST_PER_ADDRESS_PER_HOUR,
            std::time::Duration::from_secs(3600),
        )
        .map_err(|_| ApiError::of(StatusCode::TOO_MANY_REQUESTS, "guest_rate_limited", &[]))?;
    state.limiter.record(&key);
    Ok(())
}

/// Names of users by id, for lines and assignees.
pub async fn names(state: &AppState, ids: Vec<i64>) -> Result<HashMap<i64, String>, ApiError> {
    let mut out = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = out.entry(id)
            && let Some(u) = state.store.user_by_id(id).await?
        {
            e.insert(u.name);
        }
    }
    Ok(out)
}

/// Filters of a question list.
pub struct Filter {
    pub state: Option<String>,
    pub topic: Option<String>,
    /// `me`, `none` or `any`.
    pub assigned: String,
}

pub fn filter_of(pairs: &[(String, String)]) -> Result<Filter, ApiError> {
    let state = param(pairs, "state").map(str::to_owned);
    if let Some(s) = &state
        && !["unconfirmed", "open", "referred", "answered", "closed"].contains(&s.as_str())
    {
        return Err(ApiError::invalid("invalid_filter", &[("name", &"state")]));
    }
    let topic = param(pairs, "topic").map(str::to_owned);
    if let Some(t) = &topic
        && !ork_advice::TOPICS.contains(&t.as_str())
    {
        return Err(ApiError::invalid("invalid_filter", &[("name", &"topic")]));
    }
    let assigned = param(pairs, "assigned").unwrap_or("any").to_owned();
    if !["me", "none", "any"].contains(&assigned.as_str()) {
        return Err(ApiError::invalid(
            "invalid_filter",
            &[("name", &"assigned")],
        ));
    }
    Ok(Filter {
        state,
        topic,
        assigned,
    })
}

/// The questions a user sees, filtered.
pub async fn listed(
    state: &AppState,
    p: &Principal,
    f: &Filter,
) -> Result<Vec<Question>, ApiError> {
    Ok(visible(state, p)
        .await?
        .into_iter()
        .filter(|q| f.state.as_ref().is_none_or(|s| &q.state == s))
        .filter(|q| f.topic.as_ref().is_none_or(|t| &q.topic == t))
        .filter(|q| match f.assigned.as_str() {
            "me" => q.assignee == Some(p.user.id),
            "none" => q.assignee.is_none(),
            _ => true,
        })
        .collect())
}

/// An attachment of a line the viewer may see: (file name, media type, bytes).
pub async fn attachment(
    state: &AppState,
    v: &Viewer,
    id: &str,
    upload: &str,
) -> Result<(String, String, Vec<u8>), ApiError> {
    let (q, standing) = find(state, v, id).await?;
    let attached = state
        .store
        .question_messages(&q.id, 0, standing.is_advisor())
        .await?
        .iter()
        .any(|m| m.attachments.iter().any(|a| a == upload));
    let gone = || {
        ApiError::of(
            StatusCode::NOT_FOUND,
            "attachment_not_found",
            &[("id", &upload)],
        )
    };
    if !attached {
        return Err(gone());
    }
    state.store.upload_content(upload).await?.ok_or_else(gone)
}
