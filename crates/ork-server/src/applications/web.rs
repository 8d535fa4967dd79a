//! The applicant's pages: their applications, and one application with where each part
//! stands — who holds it, its state, its statutory and expected dates — what waits on the
//! applicant, and for a draft what is still missing. They call the service, never the API.

use super::service;
use crate::auth::WebUser;
use crate::dates::date;
use crate::roadmap::view::step_label;
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use ork_cases::AppState as AppStateCode;

/// One row of the list.
pub struct Row {
    pub id: String,
    pub title: String,
    pub state: String,
    pub updated: String,
    /// Parts that wait on the applicant.
    pub waiting: usize,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
}

/// GET /applications: the user's applications, newest first.
pub async fn list(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let mut rows = Vec::new();
    for a in state.store.applications_of(p.user.id).await? {
        let parts = state.store.parts_of(&a.id).await?;
        rows.push(Row {
            id: a.id.clone(),
            title: a.title.clone(),
            state: a.state.code().to_owned(),
            updated: date(a.updated_at),
            waiting: parts
                .iter()
                .filter(|x| x.state.waits_on_applicant())
                .count(),
        });
    }
    let lang = c.t.lang;
    Ok(render(lang, &ListPage { c, rows }))
}

/// One part as the application page shows it.
pub struct PartRow {
    pub id: String,
    pub step: String,
    pub authority: String,
    pub state: String,
    pub waits_on_you: bool,
    pub due: String,
    pub expected: String,
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    c: Chrome,
    id: String,
    title: String,
    state: String,
    access: String,
    parts: Vec<PartRow>,
    /// (field label, message) for a draft.
    errors: Vec<(String, String)>,
    /// What the authorities wait for: (part id, step, authority, state code, their words,
    /// whether the user may answer here).
    waiting: Vec<Waiting>,
    is_draft: bool,
    /// The user may change the answers now (a draft, or parts that wait on the applicant).
    editable: bool,
    /// The permit of a granted application.
    permit: Option<String>,
}

/// What the authorities wait for from the applicant, part by part: (part id, step,
/// authority, state code, the authority's words, whether the user may answer here).
async fn waiting_of(
    state: &AppState,
    parts: &[PartRow],
    standing: service::Standing,
) -> Result<Vec<Waiting>, ApiError> {
    let mut waiting = Vec::new();
    for row in parts.iter().filter(|r| r.waits_on_you) {
        let said = state
            .store
            .decisions_of(&row.id)
            .await?
            .pop()
            .map(|d| d.text)
            .unwrap_or_default();
        let answerable = row.state == "information_requested" && standing.may_edit();
        waiting.push((
            row.id.clone(),
            row.step.clone(),
            row.authority.clone(),
            row.state.clone(),
            said,
            answerable,
        ));
    }
    Ok(waiting)
}

type Waiting = (String, String, String, String, String, bool);

/// GET /applications/{id}: one application and its parts.
pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let (app, standing) = service::find(&state, &p, &id).await?;
    let body = service::body(&state, &p, &app, standing, lang).await?;
    let book = &state.rules.book;
    let form = &book.form;
    let orgs = state.store.list_orgs().await?;
    let parts: Vec<PartRow> = body
        .parts
        .iter()
        .map(|x| {
            let part_state = ork_cases::PartState::parse(&x.state);
            let waits = part_state.is_some_and(|s| s.waits_on_applicant());
            // A decided part's dates are history: the page shows them only while it runs.
            let open = part_state.is_some_and(|s| !s.closed());
            PartRow {
                id: x.id.clone(),
                step: step_label(&state.catalog.catalog, book, &x.step, lang),
                authority: org_name(&orgs, &x.authority, lang),
                state: x.state.clone(),
                waits_on_you: waits,
                due: x.due.clone().filter(|_| open).unwrap_or_default(),
                expected: x.expected.clone().filter(|_| open).unwrap_or_default(),
            }
        })
        .collect();
    let errors = body
        .errors
        .iter()
        .map(|e| {
            let label = form
                .field(&e.field)
                .map_or(e.field.clone(), |f| f.label.get(lang).to_owned());
            (label, e.message.clone())
        })
        .collect();
    let waiting = waiting_of(&state, &parts, standing).await?;
    let is_draft = app.state == AppStateCode::Draft;
    let editable = standing.may_edit()
        && (is_draft
            || (app.state == AppStateCode::Submitted && parts.iter().any(|r| r.waits_on_you)));
    let page = ApplicationPage {
        c,
        id: app.id.clone(),
        title: app.title.clone(),
        state: app.state.code().to_owned(),
        access: standing.code().to_owned(),
        parts,
        errors,
        is_draft,
        editable,
        permit: state
            .store
            .permit_of_application(&app.id)
            .await?
            .map(|x| x.id),
        waiting,
    };
    Ok(render(lang, &page))
}

/// POST /applications/{id}/answer: the applicant's answer to an authority's request for
/// information on one part (`part`, `body`): the part goes back in review, its clock runs.
pub async fn answer(
    State(state): State<AppState>,
    client: crate::auth::ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    let get = |k: &str| form_value(&pairs, k);
    let part = state
        .store
        .part(get("part"))
        .await?
        .filter(|x| x.application_id == id)
        .ok_or_else(crate::cases::service::part_not_found)?;
    crate::cases::service::message(&state, &p, &client, &part.id, get("body")).await?;
    Ok(axum::response::Redirect::to(&format!("/applications/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    /// Every state and access a page shows has its label in both languages.
    #[test]
    fn every_state_has_a_label() {
        let has = |k: String| crate::i18n::TEXTS.iter().any(|(x, _, _)| *x == k);
        for s in ork_cases::AppState::ALL {
            assert!(has(format!("app.state.{}", s.code())), "{}", s.code());
        }
        for s in ork_cases::PartState::ALL {
            assert!(has(format!("part.state.{}", s.code())), "{}", s.code());
        }
        for a in ["owner", "co_applicant", "reader"] {
            assert!(has(format!("app.access.{a}")), "{a}");
        }
    }
}
