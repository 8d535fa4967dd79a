//! The case handler's queue: the parts open to their authorities, by due date, with the
//! state and who has taken each up. It calls the service, never the API.

use super::service;
use crate::auth::WebUser;
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use ork_cases::PartState;

/// One part in the queue.
pub struct QueueRow {
    pub id: String,
    pub title: String,
    pub applicant: String,
    pub step: String,
    pub state: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<QueueRow>,
    /// (state code, selected)
    states: Vec<(String, bool)>,
}

/// GET /cases: the queue, optionally one state (`?state=`), earliest deadline first.
pub async fn queue(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let only = match pairs
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.as_str())
    {
        None | Some("") => None,
        Some(s) => Some(
            PartState::parse(s)
                .filter(|x| *x != PartState::Waiting)
                .ok_or_else(|| ApiError::invalid("invalid_state_filter", &[]))?,
        ),
    };
    let lang = c.t.lang;
    let book = &state.rules.book;
    let now = ork_store::now_unix();
    let rows = service::queue(&state, &p, only, true)
        .await?
        .into_iter()
        .map(|(part, app)| {
            let s = crate::applications::service::part_summary(&part, now);
            QueueRow {
                id: part.id.clone(),
                title: app.title.clone(),
                applicant: app.org_id.to_string(),
                step: book
                    .step(&part.rule)
                    .map_or(part.step.clone(), |r| r.name.get(lang).to_owned()),
                state: s.state,
                due: s.due.unwrap_or_default(),
            }
        })
        .collect();
    let states = PartState::ALL
        .iter()
        .filter(|s| **s != PartState::Waiting)
        .map(|s| (s.code().to_owned(), Some(*s) == only))
        .collect();
    Ok(render(lang, &QueuePage { c, rows, states }))
}
