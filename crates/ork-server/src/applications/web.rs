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
    for (a, _) in service::visible(&state, &p).await? {
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
    /// The authority's decisions and the messages on the part, oldest first.
    pub thread: crate::cases::web::Thread,
    /// The user may write to the authority on this part.
    pub may_write: bool,
    /// Carried over from an earlier permit: the part whose approval it carries.
    pub carried: Option<String>,
    /// Days with the authority (running clock; empty before it opens).
    pub elapsed: String,
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
    /// Each part's clock as a picture.
    timeline: super::timeline::PartTimeline,
    /// The permit this application changes (an amendment).
    amends: Option<String>,
    /// The case's agreements: (id, kind code, party, state code).
    agreements: Vec<(String, String, String, String)>,
    /// The data orders of a granted application: each controller's delivery and its clock.
    deliveries: Vec<Delivery>,
    /// The project's workspace, for those it names.
    workspace: Option<String>,
}

/// One controller's delivery of the permit's data, as the track-and-trace shows it.
struct Delivery {
    controller: String,
    state: String,
    ordered: String,
    delivered: Option<String>,
    /// Days from the order to delivery, or until today while it waits.
    days: i64,
    /// Past the six months a delivery may take (seed 002, case 2), still undelivered.
    late: bool,
}

/// How long a controller may take to deliver after the approval (seed 002, case 2: data
/// delivered up to six months after approval).
const DELIVERY_DAYS: i64 = 183;

/// The deliveries of the application's current permit, newest permit's orders only.
async fn deliveries_of(
    state: &AppState,
    app_id: &str,
    lang: ork_domain::Lang,
) -> Result<(Vec<Delivery>, Option<String>), ApiError> {
    let Some(ws) = state.store.workspace_of_application(app_id).await? else {
        return Ok((Vec::new(), None));
    };
    let orgs = state.store.list_orgs().await?;
    let now = ork_store::now_unix();
    let day = |t: i64| date(t);
    let rows = state
        .store
        .data_orders_of(&ws.id)
        .await?
        .into_iter()
        .filter(|o| o.permit_id == ws.permit_id)
        .map(|o| {
            let days = (o.delivered_at.unwrap_or(now) - o.created_at).max(0) / 86_400;
            Delivery {
                controller: org_name(&orgs, &o.controller, lang),
                late: o.delivered_at.is_none() && days > DELIVERY_DAYS,
                state: o.state,
                ordered: day(o.created_at),
                delivered: o.delivered_at.map(day),
                days,
            }
        })
        .collect();
    Ok((rows, Some(ws.id)))
}

/// What the authorities wait for from the applicant, part by part: (part id, step,
/// authority, state code, the authority's words — its latest decision's text —, whether
/// the user may answer here).
fn waiting_of(parts: &[PartRow], standing: service::Standing) -> Vec<Waiting> {
    parts
        .iter()
        .filter(|r| r.waits_on_you)
        .map(|row| {
            let said = row.thread.0.last().map(|d| d.2.clone()).unwrap_or_default();
            let answerable = row.state == "information_requested" && standing.may_edit();
            (
                row.id.clone(),
                row.step.clone(),
                row.authority.clone(),
                row.state.clone(),
                said,
                answerable,
            )
        })
        .collect()
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
    let stored = state.store.parts_of(&app.id).await?;
    let mut parts: Vec<PartRow> = Vec::new();
    for x in &body.parts {
        let part_state = ork_cases::PartState::parse(&x.state);
        let waits = part_state.is_some_and(|s| s.waits_on_applicant());
        // A decided part's dates are history: the page shows them only while it runs.
        let open = part_state.is_some_and(|s| !s.closed());
        let writable = part_state.is_some_and(|s| {
            !matches!(
                s,
                ork_cases::PartState::Waiting | ork_cases::PartState::Withdrawn
            )
        });
        parts.push(PartRow {
            id: x.id.clone(),
            step: step_label(&state.catalog.catalog, book, &x.step, lang),
            authority: org_name(&orgs, &x.authority, lang),
            state: x.state.clone(),
            waits_on_you: waits,
            due: x.due.clone().filter(|_| open).unwrap_or_default(),
            expected: x.expected.clone().filter(|_| open).unwrap_or_default(),
            // A consultancy the client lets see only where parts stand gets no thread.
            thread: if standing.sees_everything() {
                crate::cases::web::thread_of(&state, &x.id).await?
            } else {
                Default::default()
            },
            may_write: writable
                && standing.may_edit()
                && standing.sees_everything()
                && x.carried_from.is_none(),
            carried: x.carried_from.clone(),
            elapsed: String::new(),
        });
    }
    // In the table's order, so that row i of the timeline is row i of the table.
    let labelled: Vec<(String, &ork_store::Part)> = parts
        .iter()
        .filter_map(|r| {
            let s = stored.iter().find(|s| s.id == r.id)?;
            Some((r.step.clone(), s))
        })
        .collect();
    let timeline = super::timeline::timeline(&labelled, ork_store::now_unix());
    for (row, t) in parts.iter_mut().zip(&timeline.rows) {
        if t.note.is_none() {
            row.elapsed = t.elapsed.to_string();
        }
    }
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
    let waiting = waiting_of(&parts, standing);
    let is_draft = app.state == AppStateCode::Draft;
    let editable = standing.may_edit()
        && (is_draft
            || (app.state == AppStateCode::Submitted && parts.iter().any(|r| r.waits_on_you)));
    // Where the data stand once the permit is out: only for those who see the whole case.
    let (deliveries, workspace) = if standing.sees_everything() {
        let (rows, ws) = deliveries_of(&state, &app.id, lang).await?;
        // The link only for those the permit names (anyone else would find no workspace).
        let mine = crate::workspaces::service::mine(&state, &p).await?;
        (rows, ws.filter(|w| mine.iter().any(|e| e.ws.id == *w)))
    } else {
        (Vec::new(), None)
    };
    let page = ApplicationPage {
        deliveries,
        workspace,
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
            .filter(|_| standing.sees_everything())
            .map(|x| x.id),
        waiting,
        timeline,
        amends: app.amends.clone(),
        agreements: state
            .store
            .agreements_of(&app.id)
            .await?
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    a.kind.clone(),
                    a.party.clone(),
                    crate::agreements::api::state_of(a).to_owned(),
                )
            })
            .collect(),
    };
    Ok(render(lang, &page))
}

/// POST /applications/{id}/answer: the applicant writes to the authority on one part
/// (`part`, `body`); an answer to a request for information puts the part back in review
/// and its clock runs again.
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
    Ok(
        axum::response::Redirect::to(&format!("/applications/{id}#thread-{}", part.id))
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    /// Every state and access a page shows has its label in both languages.
    #[test]
    fn every_state_has_a_label() {
        let has = |k: String| crate::i18n::texts().any(|(x, _, _)| *x == k);
        for s in ork_cases::AppState::ALL {
            assert!(has(format!("app.state.{}", s.code())), "{}", s.code());
        }
        for s in ork_cases::PartState::ALL {
            assert!(has(format!("part.state.{}", s.code())), "{}", s.code());
        }
        for a in ["owner", "co_applicant", "reader", "agent"] {
            assert!(has(format!("app.access.{a}")), "{a}");
        }
    }
}
